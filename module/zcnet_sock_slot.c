// SPDX-License-Identifier: GPL-2.0
/* Attached sockets: a context's slots, attach and detach, the pushes. */
#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_sock_send.h"
#include "zcnet_sock_slot.h"

static void zcnet_sock_free(struct kref *ref)
{
	struct zcnet_sock *s = container_of(ref, struct zcnet_sock, ref);

	mutex_destroy(&s->lock);
	kfree(s);
}

/* Any context. */
void zcnet_sock_put(struct zcnet_sock *s)
{
	kref_put(&s->ref, zcnet_sock_free);
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
		queue_work(zcnet_wq, &s->work);
	return 0;
}

/* Resumes as the context's owner (zcnet_kctx_as_owner()). */
static void zcnet_sock_work(struct work_struct *work)
{
	struct zcnet_sock *s = container_of(work, struct zcnet_sock, work);
	struct zcnet_kctx_saved saved;

	zcnet_kctx_as_owner(s->ctx, &saved);
	zcnet_sock_send_push(s);
	zcnet_kctx_as_self(&saved);
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
	len = family == AF_INET ? sizeof(struct sockaddr_in) :
				  sizeof(struct sockaddr_in6);
	if (copy_from_user(&s->addr, u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	/* Read once more above: the family that counts is the one copied. */
	if (s->addr.ss_family != family)
		return -EAFNOSUPPORT;
	s->addrlen = len;
	return 0;
}

static struct zcnet_sock *zcnet_sock_new(struct zcnet_kctx *ctx,
					 struct file *file,
					 struct socket *sock)
{
	struct zcnet_sock *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	kref_init(&s->ref);
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
	return s;
}

/* A free slot, -ENOSPC, or -EBUSY for a stream socket already attached. */
static int zcnet_sock_slot(struct zcnet_kctx *ctx, struct zcnet_sock *s)
{
	int i, slot = -ENOSPC;

	lockdep_assert_held(&ctx->tx_lock);
	for (i = ZCNET_MAX_SOCKETS - 1; i >= 0; i--) {
		if (!ctx->socks[i])
			slot = i;
		else if (s->stream && ctx->socks[i]->sock == s->sock)
			return -EBUSY;
	}
	return slot;
}

/*
 * Takes the slot's reference; descriptors in flight keep theirs. The work
 * item holds no reference: it is cancelled after zcnet_sock_send_cancel(), as
 * a push that ran before may have queued it, and none after will.
 */
static void zcnet_sock_close(struct zcnet_sock *s)
{
	remove_wait_queue(&s->sock->wq.wait, &s->wait);
	zcnet_sock_send_cancel(s);
	cancel_work_sync(&s->work);
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
		ctx->socks[array_index_nospec(slot, ZCNET_MAX_SOCKETS)] = NULL;
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

	mutex_lock(&ctx->tx_lock);
	slot = zcnet_sock_slot(ctx, s);
	if (slot >= 0) {
		add_wait_queue(&sock->wq.wait, &s->wait);
		ctx->socks[slot] = s;
		kref_get(&s->ref);
	}
	mutex_unlock(&ctx->tx_lock);
	if (slot < 0) {
		err = slot;
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

void zcnet_sock_remove_all(struct zcnet_kctx *ctx)
{
	struct zcnet_sock *gone[ZCNET_MAX_SOCKETS];
	int i;

	mutex_lock(&ctx->tx_lock);
	memcpy(gone, ctx->socks, sizeof(gone));
	memset(ctx->socks, 0, sizeof(ctx->socks));
	mutex_unlock(&ctx->tx_lock);
	for (i = 0; i < ZCNET_MAX_SOCKETS; i++)
		if (gone[i])
			zcnet_sock_close(gone[i]);
}

/*
 * The sockets a kick queued on, each with a reference. Sending waits for
 * the socket's lock, so it happens after ctx->tx_lock is dropped: the
 * device notifier takes tx_lock under RTNL.
 */
void zcnet_sock_take_pushes(struct zcnet_kctx *ctx, struct zcnet_sock_batch *b)
{
	unsigned long mask = ctx->sock_push;
	int i;

	lockdep_assert_held(&ctx->tx_lock);
	ctx->sock_push = 0;
	b->n = 0;
	for_each_set_bit(i, &mask, ZCNET_MAX_SOCKETS) {
		if (!ctx->socks[i])
			continue;
		kref_get(&ctx->socks[i]->ref);
		b->s[b->n++] = ctx->socks[i];
	}
}

/* A slot detached meanwhile sends nothing (zcnet_sock_send_push). */
void zcnet_sock_push(struct zcnet_kctx *ctx, struct zcnet_sock_batch *b)
{
	unsigned int i;

	if (!b->n)
		return;
	zcnet_cq_batch_begin(ctx);
	for (i = 0; i < b->n; i++) {
		zcnet_sock_send_push(b->s[i]);
		zcnet_sock_put(b->s[i]);
	}
	zcnet_cq_batch_end(ctx);
}

/* The socket in a slot, or NULL. Caller holds ctx->tx_lock. */
struct zcnet_sock *zcnet_sock_lookup(struct zcnet_kctx *ctx, u32 slot)
{
	lockdep_assert_held(&ctx->tx_lock);
	if (slot >= ZCNET_MAX_SOCKETS)
		return NULL;
	return ctx->socks[array_index_nospec(slot, ZCNET_MAX_SOCKETS)];
}
