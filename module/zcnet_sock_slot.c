// SPDX-License-Identifier: GPL-2.0
/* Attached sockets: a context's slots, attach and detach, the pushes. */
#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_sock_send.h"
#include "zcnet_sock_slot.h"

static struct kmem_cache *zcnet_sock_cache;

int zcnet_sock_init(void)
{
	/* The UDP destination is copied in from the attach's argument. */
	zcnet_sock_cache = KMEM_CACHE_USERCOPY(zcnet_sock, SLAB_ACCOUNT, addr);
	return zcnet_sock_cache ? 0 : -ENOMEM;
}

void zcnet_sock_exit(void)
{
	kmem_cache_destroy(zcnet_sock_cache);
}

/* TCP sockets by their struct socket: one slot each per context. */
static const struct rhashtable_params zcnet_sock_streams = {
	.key_len = sizeof(struct socket *),
	.key_offset = offsetof(struct zcnet_sock, sock),
	.head_offset = offsetof(struct zcnet_sock, stream_node),
	.automatic_shrinking = true,
};

int zcnet_sock_slots_init(struct zcnet_kctx *ctx)
{
	xa_init_flags(&ctx->socks, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&ctx->sock_push);
	ctx->max_sockets = clamp_t(u32, READ_ONCE(zcnet_max_sockets),
				   ZCNET_MAX_SOCKETS, ZCNET_MAX_SOCKETS_LIMIT);
	return rhashtable_init(&ctx->sock_streams, &zcnet_sock_streams);
}

/* After zcnet_sock_remove_all(): both are empty. */
void zcnet_sock_slots_free(struct zcnet_kctx *ctx)
{
	rhashtable_destroy(&ctx->sock_streams);
	xa_destroy(&ctx->socks);
}

static void zcnet_sock_free(struct kref *ref)
{
	struct zcnet_sock *s = container_of(ref, struct zcnet_sock, ref);

	mutex_destroy(&s->lock);
	zcnet_kctx_put(s->ctx);
	kmem_cache_free(zcnet_sock_cache, s);
}

/* Any context. */
void zcnet_sock_put(struct zcnet_sock *s)
{
	kref_put(&s->ref, zcnet_sock_free);
}

/*
 * The work item holds a reference while it is queued: a kick may queue it
 * after the slot was detached (zcnet_sock_send_push()).
 */
void zcnet_sock_queue_work(struct zcnet_sock *s)
{
	kref_get(&s->ref);
	if (!queue_work(zcnet_wq, &s->work))
		zcnet_sock_put(s);
}

/* The socket's wait queue: room to send, an error, or a state change. */
static int zcnet_sock_wake(struct wait_queue_entry *wait, unsigned int mode,
			   int sync, void *key)
{
	struct zcnet_sock *s = container_of(wait, struct zcnet_sock, wait);
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return 0;
	/* blocked is set before each attempt: see zcnet_sock_send_push(). */
	if (READ_ONCE(s->blocked))
		zcnet_sock_queue_work(s);
	return 0;
}

/* Resumes as the context's owner (zcnet_kctx_as_owner()). */
static void zcnet_sock_work(struct work_struct *work)
{
	struct zcnet_sock *s = container_of(work, struct zcnet_sock, work);
	struct zcnet_kctx_saved saved;

	zcnet_kctx_as_owner(s->ctx, &saved);
	zcnet_sock_send_push(s, true);
	zcnet_kctx_as_self(&saved);
	zcnet_sock_put(s);
}

static int zcnet_sock_check(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk || (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return -EOPNOTSUPP;
	if (!(sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) &&
	    !(sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP))
		return -EOPNOTSUPP;
	if (!test_bit(SOCK_SUPPORT_ZC, &sock->flags))
		return -EOPNOTSUPP;
	return 0;
}

static int zcnet_sock_set_addr(struct zcnet_sock *s, u64 uaddr)
{
	struct sock *sk = s->sock->sk;
	sa_family_t family;
	int len;

	if (!uaddr) {
		if (!s->stream && READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		return 0;
	}
	if (s->stream)
		return -EINVAL;
	if (get_user(family, (sa_family_t __user *)u64_to_user_ptr(uaddr)))
		return -EFAULT;
	if (family != sk->sk_family)
		return -EAFNOSUPPORT;
	len = family == AF_INET ? sizeof(s->addr.v4) : sizeof(s->addr.v6);
	if (copy_from_user(&s->addr, u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	/* Read once more above: the family that counts is the one copied. */
	if (s->addr.sa.sa_family != family)
		return -EAFNOSUPPORT;
	s->addrlen = len;
	return 0;
}

static struct zcnet_sock *zcnet_sock_new(struct zcnet_kctx *ctx,
					 struct file *file,
					 struct socket *sock)
{
	struct zcnet_sock *s;

	s = kmem_cache_zalloc(zcnet_sock_cache, GFP_KERNEL);
	if (!s)
		return NULL;
	kref_init(&s->ref);
	kref_get(&ctx->ref);
	s->ctx = ctx;
	s->file = file;
	s->sock = sock;
	s->stream = sock->sk->sk_type == SOCK_STREAM;
	mutex_init(&s->lock);
	INIT_LIST_HEAD(&s->queue);
	spin_lock_init(&s->in_lock);
	INIT_LIST_HEAD(&s->incoming);
	INIT_WORK(&s->work, zcnet_sock_work);
	init_waitqueue_func_entry(&s->wait, zcnet_sock_wake);
	spin_lock_init(&s->order_lock);
	INIT_LIST_HEAD(&s->order);
	INIT_LIST_HEAD(&s->push_node);
	return s;
}

/*
 * Reserves the lowest free slot, without tx_lock: the device notifier takes
 * that under RTNL, and reclaim may take long. A reserved slot looks empty
 * to lookups until zcnet_sock_fill_slot() stores the socket in it.
 */
static int zcnet_sock_reserve_slot(struct zcnet_kctx *ctx)
{
	u32 slot;
	int err;

	err = xa_alloc(&ctx->socks, &slot, NULL,
		       XA_LIMIT(0, ctx->max_sockets - 1), GFP_KERNEL_ACCOUNT);
	if (err)
		return err == -EBUSY ? -ENOSPC : err;
	return slot;
}

/* 0, or -EBUSY for a stream socket already attached. */
static int zcnet_sock_fill_slot(struct zcnet_kctx *ctx, u32 slot,
				struct zcnet_sock *s)
{
	int err;

	lockdep_assert_held(&ctx->tx_lock);
	if (s->stream) {
		err = rhashtable_lookup_insert_fast(&ctx->sock_streams,
						    &s->stream_node,
						    zcnet_sock_streams);
		if (err)
			return err == -EEXIST ? -EBUSY : -ENOMEM;
	}
	/* A reserved entry has its node: this allocates nothing. */
	xa_store(&ctx->socks, slot, s, GFP_NOWAIT);
	return 0;
}

/* Empties s's slot; under tx_lock. */
static void zcnet_sock_unlink(struct zcnet_kctx *ctx, u32 slot,
			      struct zcnet_sock *s)
{
	lockdep_assert_held(&ctx->tx_lock);
	xa_erase(&ctx->socks, slot);
	if (s->stream)
		rhashtable_remove_fast(&ctx->sock_streams, &s->stream_node,
				       zcnet_sock_streams);
}

/*
 * Takes the slot's reference; descriptors in flight keep theirs. A work
 * item queued now is cancelled; one a kick queues later holds its own and
 * finds the slot detached.
 */
static void zcnet_sock_close(struct zcnet_sock *s)
{
	remove_wait_queue(&s->sock->wq.wait, &s->wait);
	zcnet_sock_send_cancel(s);
	if (cancel_work_sync(&s->work))
		zcnet_sock_put(s);
	fput(s->file);
	zcnet_sock_put(s);
}

/* Empties slot if it holds only (or, with only NULL, anything). */
static int zcnet_sock_unslot(struct zcnet_kctx *ctx, u32 slot,
			     struct zcnet_sock *only)
{
	struct zcnet_sock *s;

	mutex_lock(&ctx->tx_lock);
	s = zcnet_sock_lookup(ctx, slot);
	if (s && only && s != only)
		s = NULL;
	if (s)
		zcnet_sock_unlink(ctx, slot, s);
	mutex_unlock(&ctx->tx_lock);
	if (!s)
		return -ENOENT;
	zcnet_sock_close(s);
	return 0;
}

int zcnet_sock_add(struct zcnet_kctx *ctx, const struct zcnet_sock_attach *a,
		   u32 __user *uslot)
{
	struct zcnet_sock *s;
	struct socket *sock;
	struct file *file;
	int slot, err;

	if (a->flags)
		return -EINVAL;
	file = a->fd >= 0 ? fget(a->fd) : NULL;
	if (!file)
		return -EBADF;
	sock = sock_from_file(file);
	err = sock ? zcnet_sock_check(sock) : -ENOTSOCK;
	if (err)
		goto out_fput;
	if (sock->sk->sk_type == SOCK_STREAM &&
	    !((1 << READ_ONCE(sock->sk->sk_state)) &
	      (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))) {
		err = -ENOTCONN;
		goto out_fput;
	}
	err = -ENOMEM;
	s = zcnet_sock_new(ctx, file, sock);
	if (!s)
		goto out_fput;
	err = zcnet_sock_set_addr(s, a->addr);
	if (err)
		goto out_free;

	slot = zcnet_sock_reserve_slot(ctx);
	if (slot < 0) {
		err = slot;
		goto out_free;
	}
	mutex_lock(&ctx->tx_lock);
	err = zcnet_sock_fill_slot(ctx, slot, s);
	if (!err) {
		add_wait_queue(&sock->wq.wait, &s->wait);
		kref_get(&s->ref);
	}
	mutex_unlock(&ctx->tx_lock);
	if (err) {
		xa_release(&ctx->socks, slot);
		goto out_free;
	}
	/*
	 * Not under tx_lock: a fault here may wait for a long time, and
	 * another thread may detach the slot and attach another socket
	 * meanwhile. Undo only this call's attach; the reference held
	 * meanwhile keeps s from being freed and its address reused.
	 */
	err = put_user((u32)slot, uslot) ? -EFAULT : 0;
	if (err)
		zcnet_sock_unslot(ctx, slot, s);
	zcnet_sock_put(s);
	return err;
out_free:
	zcnet_sock_put(s);
out_fput:
	fput(file);
	return err;
}

int zcnet_sock_remove(struct zcnet_kctx *ctx, u32 slot)
{
	return zcnet_sock_unslot(ctx, slot, NULL);
}

/*
 * One slot at a time, so that closing thousands holds tx_lock only briefly
 * and sleeps (for the sockets' locks and work) with nothing held.
 */
void zcnet_sock_remove_all(struct zcnet_kctx *ctx)
{
	unsigned long slot = 0;
	struct zcnet_sock *s;

	for (;;) {
		mutex_lock(&ctx->tx_lock);
		s = xa_find(&ctx->socks, &slot, ULONG_MAX, XA_PRESENT);
		if (s)
			zcnet_sock_unlink(ctx, slot, s);
		mutex_unlock(&ctx->tx_lock);
		if (!s)
			break;
		zcnet_sock_close(s);
		cond_resched();
	}
}

/*
 * A kick's pushes. The sockets it queued descriptors on go on
 * ctx->sock_push, each once however many it queued and with a reference,
 * and are pushed after ctx->tx_lock is dropped: sending waits for the
 * socket's lock, and the device notifier takes tx_lock under RTNL. Bit 0
 * of push_queued says a socket is on some kick's list. It is cleared only
 * once the socket is off that list, before the push, which sends all its
 * socket queued until then; a kick that finds it set leaves the sending
 * to the one that set it. So the work per kick follows the sockets it
 * queued on, never the slots attached.
 */
void zcnet_sock_queue_push(struct zcnet_kctx *ctx, struct zcnet_sock *s)
{
	lockdep_assert_held(&ctx->tx_lock);
	if (test_and_set_bit(0, &s->push_queued))
		return;
	kref_get(&s->ref);
	list_add_tail(&s->push_node, &ctx->sock_push);
}

void zcnet_sock_take_pushes(struct zcnet_kctx *ctx, struct list_head *pushes)
{
	lockdep_assert_held(&ctx->tx_lock);
	INIT_LIST_HEAD(pushes);
	list_splice_init(&ctx->sock_push, pushes);
}

/* A slot detached meanwhile sends nothing (zcnet_sock_send_push). */
void zcnet_sock_push(struct zcnet_kctx *ctx, struct list_head *pushes)
{
	struct zcnet_sock *s;

	if (list_empty(pushes))
		return;
	zcnet_cq_batch_begin(ctx);
	while ((s = list_first_entry_or_null(pushes, struct zcnet_sock,
					     push_node))) {
		list_del_init(&s->push_node);
		clear_bit_unlock(0, &s->push_queued);
		zcnet_sock_send_push(s, false);
		zcnet_sock_put(s);
	}
	zcnet_cq_batch_end(ctx);
}

/* The socket in a slot, or NULL. Caller holds ctx->tx_lock. */
struct zcnet_sock *zcnet_sock_lookup(struct zcnet_kctx *ctx, u32 slot)
{
	lockdep_assert_held(&ctx->tx_lock);
	return xa_load(&ctx->socks, slot);
}
