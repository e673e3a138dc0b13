// SPDX-License-Identifier: GPL-2.0
/* Socket sends: a slot's queue, zero-copy groups and their completion. */
#include <linux/bvec.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <linux/udp.h>
#include <linux/uio.h>

#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_sock_send.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_buf.h"
#include "zcnet_trace.h"

static void zcnet_sock_send_complete(struct sk_buff *skb,
				     struct ubuf_info *uarg, bool success);

static const struct zcnet_ubuf_ops zcnet_sock_send_ops =
	ZCNET_UBUF_OPS_INIT(zcnet_sock_send_complete);

/*
 * Queues a socket descriptor on its slot; err is what checking it found.
 * A rejected one is queued too, so that its completion keeps the slot's
 * order and a stream breaks at it. Takes over the region reference.
 * Returns 1 when the descriptor completes later, 0 when *result is its
 * completion now (no socket in the slot), or -ENOMEM when its state cannot
 * be allocated: it is then not consumed, so that nothing completes ahead
 * of what the slot already holds and the stream keeps no hole.
 * zcnet_sock_push() sends.
 */
int zcnet_sock_send_queue(struct zcnet_kctx *ctx, const struct zcnet_tx_desc *d,
			  struct zcnet_region *r, int err, s32 *result)
{
	struct zcnet_sock *s = zcnet_sock_lookup(ctx, d->sock);
	struct zcnet_tx_buf *t;
	unsigned long flags;

	lockdep_assert_held(&ctx->tx_lock);
	if (!s) {
		if (r)
			zcnet_region_put(r);
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
		*result = err ? err : -ENOTCONN;
		return 0;
	}
	if (!err && (d->flags & ZCNET_TX_MORE) && !s->stream)
		err = -EINVAL;
	if (!err && (d->flags & ZCNET_TX_GSO) && s->stream)
		err = -EINVAL;
	if (!err && (d->flags & ZCNET_TX_GSO) && d->len > ZCNET_UDP_GSO_MAX &&
	    s->sock->sk->sk_family == AF_INET)
		err = -EMSGSIZE;
	t = zcnet_tx_buf_alloc(ctx, r, d->cookie, d->len, &zcnet_sock_send_ops);
	if (!t) {
		if (r)
			zcnet_region_put(r);
		return -ENOMEM;
	}
	kref_get(&s->ref);
	t->sock = s;
	t->offset = d->offset;
	t->len = d->len;
	t->more = d->flags & ZCNET_TX_MORE;
	t->gso_size = d->flags & ZCNET_TX_GSO ? d->gso_size : 0;
	t->copy_mode = d->len <= READ_ONCE(ctx->sock_copy_threshold);
	if (err) {
		t->rejected = true;
		t->result = err;
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
	}
	spin_lock_irqsave(&s->order_lock, flags);
	list_add_tail(&t->order, &s->order);
	spin_unlock_irqrestore(&s->order_lock, flags);
	spin_lock(&s->in_lock);
	list_add_tail(&t->node, &s->incoming);
	spin_unlock(&s->in_lock);
	zcnet_sock_queue_push(ctx, s);
	return 1;
}

/* What kicks queued since, behind what is queued; under s->lock. */
static void zcnet_sock_send_splice(struct zcnet_sock *s)
{
	spin_lock(&s->in_lock);
	list_splice_tail_init(&s->incoming, &s->queue);
	spin_unlock(&s->in_lock);
}

/* The socket has taken the whole buffer, or never will. */
static void zcnet_sock_send_end(struct zcnet_sock *s, struct zcnet_tx_buf *t,
				s32 result)
{
	struct zcnet_counters *c = &s->ctx->stats;

	list_del(&t->node);
	t->group = NULL;
	t->result = result;
	if (result >= 0) {
		zcnet_stat_inc(c, ZCNET_STAT_tx_frames);
		zcnet_stat_add(c, ZCNET_STAT_tx_bytes, result);
	}
	zcnet_tx_buf_put(t);
}

/* Appends what is left of t's buffer to bv, as far as it has room. */
static size_t zcnet_sock_send_bvecs(struct zcnet_tx_buf *t,
				    struct bio_vec *bv, unsigned int *n)
{
	return zcnet_region_bvecs(t->region, t->offset + t->sent,
				  t->len - t->sent, bv, n, ZCNET_SOCK_BVECS);
}

/* UDP_SEGMENT, as a control message of the kernel's own. */
struct zcnet_sock_gso_cmsg {
	struct cmsghdr hdr;
	u16 size;
} __aligned(sizeof(size_t));

/*
 * Zero-copy groups of a stream. TCP appends a write to its last unsent skb
 * only when both carry the same ubuf_info. With one per descriptor, every
 * write would end in a short skb of its own: about two packets on the wire
 * per 64 KiB write instead of one. So zero-copy descriptors sent one after
 * another share the ubuf_info of the first, the group's head, much as
 * MSG_ZEROCOPY extends one notification over consecutive sends.
 *
 * References: the head holds one on itself while the group is open and
 * one on each rider. The stack drops the head's last one when it has let
 * go of every skb of the group; the head then passes its zero-copy and
 * copied reports to its riders and drops theirs (zcnet_sock_send_release()).
 *
 * A group closes when it is full, before a copied descriptor, when the
 * queue runs empty, when the socket has no room, and at detach, so that no
 * completion waits for bytes that have not been sent. When it closes, the
 * queue's head may be a member the socket took only in part: it stays a
 * rider of the closed group for what it sent, and what it sends later goes
 * under a group of its own, which it heads. A head can so be a rider of
 * the group before; releases walk that chain as a list.
 *
 * Zero-copy descriptors queued behind the head of the queue join its group
 * and go in the same sendmsg() (a response's head and body cost one call
 * into TCP), as far as the group and the bvecs have room. Those the socket
 * took nothing of leave the group again right after the call, while the
 * group is still open and its head cannot be released, so that only the
 * head of the queue is ever a member with bytes still to send.
 */
static void zcnet_sock_send_group_close(struct zcnet_sock *s)
{
	struct zcnet_tx_buf *head = s->group, *t;

	if (!head)
		return;
	t = list_first_entry_or_null(&s->queue, struct zcnet_tx_buf, node);
	if (t && t->group == head)
		t->group = NULL;
	s->group = NULL;
	zcnet_tx_buf_put(head);
}

static struct ubuf_info *zcnet_sock_send_group(struct zcnet_sock *s,
					       struct zcnet_tx_buf *t)
{
	struct zcnet_tx_buf *head = s->group;

	if (t->group)
		return &t->group->ubuf;
	if (head && (t->rode || s->group_descs == ZCNET_SOCK_GROUP_DESCS ||
		     t->len > ZCNET_SOCK_GROUP_BYTES - s->group_bytes)) {
		zcnet_sock_send_group_close(s);
		head = NULL;
	}
	refcount_inc(&t->ubuf.refcnt);
	if (head) {
		list_add_tail(&t->ride, &head->riders);
		t->rode = true;
	} else {
		head = t;
		s->group = t;
		s->group_bytes = 0;
		s->group_descs = 0;
	}
	t->group = head;
	s->group_bytes += min(t->len, ZCNET_SOCK_GROUP_BYTES);
	s->group_descs++;
	return &head->ubuf;
}

/* Undoes zcnet_sock_send_group() for a rider the socket took nothing of. */
static void zcnet_sock_send_leave(struct zcnet_sock *s, struct zcnet_tx_buf *r)
{
	list_del(&r->ride);
	r->rode = false;
	r->group = NULL;
	s->group_descs--;
	s->group_bytes -= min(r->len, ZCNET_SOCK_GROUP_BYTES);
	refcount_dec(&r->ubuf.refcnt);
}

/*
 * t is whole in bv and heads the queue: the zero-copy descriptors behind it
 * join its group and their bytes follow in bv. Returns the last one in bv,
 * and *part, its bytes there.
 */
static struct zcnet_tx_buf *zcnet_sock_send_join(struct zcnet_sock *s,
						 struct zcnet_tx_buf *t,
						 struct bio_vec *bv,
						 unsigned int *n, size_t *bytes,
						 size_t *part)
{
	struct zcnet_tx_buf *last = t, *next;

	if (s->group != t->group)
		return t;
	while (!list_is_last(&last->node, &s->queue) &&
	       *n < ZCNET_SOCK_BVECS && *part == last->len - last->sent) {
		next = list_next_entry(last, node);
		if (next->copy_mode || next->rejected || next->group ||
		    next->rode || next->sent ||
		    s->group_descs == ZCNET_SOCK_GROUP_DESCS ||
		    next->len > ZCNET_SOCK_GROUP_BYTES - s->group_bytes)
			break;
		zcnet_sock_send_group(s, next);
		*part = zcnet_sock_send_bvecs(next, bv, n);
		*bytes += *part;
		last = next;
	}
	return last;
}

/* After the call: those behind t the socket took nothing of leave. */
static void zcnet_sock_send_unjoin(struct zcnet_sock *s,
				   struct zcnet_tx_buf *t,
				   struct zcnet_tx_buf *last, int ret)
{
	size_t left = ret > 0 ? ret : 0;
	struct zcnet_tx_buf *r = t;

	left -= min_t(size_t, left, t->len - t->sent);
	while (r != last) {
		r = list_next_entry(r, node);
		if (left) {
			left -= min_t(size_t, left, r->len);
			continue;
		}
		zcnet_sock_send_leave(s, r);
	}
}

/*
 * One sendmsg() from the head of the queue, at most ZCNET_SOCK_BVECS
 * bvecs. Zero copy sends with its group's ubuf_info on a stream, its own
 * on a datagram socket, one buffer at a time there. Descriptors of a
 * stream that follow each other go in one call when all are copied or all
 * zero copy, which saves the per-call cost that makes small writes
 * expensive.
 */
static int zcnet_sock_send_one(struct zcnet_sock *s, struct zcnet_tx_buf *t)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct bio_vec bv[ZCNET_SOCK_BVECS];
	struct zcnet_sock_gso_cmsg gso;
	struct zcnet_tx_buf *last = t;
	unsigned int n = 0;
	size_t bytes, part;
	int ret;

	bytes = part = zcnet_sock_send_bvecs(t, bv, &n);
	if (t->sent + part < t->len && !s->stream)
		return -EMSGSIZE;
	if (s->stream && t->copy_mode) {
		zcnet_sock_send_group_close(s);
		list_for_each_entry_continue(last, &s->queue, node) {
			if (!last->copy_mode || last->rejected ||
			    n == ZCNET_SOCK_BVECS)
				break;
			part = zcnet_sock_send_bvecs(last, bv, &n);
			bytes += part;
		}
		last = list_prev_entry(last, node);
	}
	if (!t->copy_mode) {
		msg.msg_flags |= MSG_ZEROCOPY;
		msg.msg_ubuf = s->stream ? zcnet_sock_send_group(s, t) :
					   &t->ubuf;
		msg.sg_from_iter = zcnet_sock_sg_from_iter;
		if (s->stream)
			last = zcnet_sock_send_join(s, t, bv, &n, &bytes,
						    &part);
	}
	if (last->sent + part < last->len || last->more)
		msg.msg_flags |= MSG_MORE;
	if (s->addrlen) {
		msg.msg_name = &s->addr;
		msg.msg_namelen = s->addrlen;
	}
	/*
	 * Always on UDP, 0 unless a train: the socket's own UDP_SEGMENT
	 * option must not turn a descriptor into several datagrams.
	 */
	if (!s->stream) {
		BUILD_BUG_ON(offsetof(struct zcnet_sock_gso_cmsg, size) !=
			     CMSG_ALIGN(sizeof(struct cmsghdr)));
		gso.hdr = (struct cmsghdr) {
			.cmsg_len = CMSG_LEN(sizeof(gso.size)),
			.cmsg_level = SOL_UDP,
			.cmsg_type = UDP_SEGMENT,
		};
		gso.size = t->gso_size;
		msg.msg_control = &gso;
		msg.msg_controllen = sizeof(gso);
	}
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, bytes);
	ret = sock_sendmsg(s->sock, &msg);
	if (last != t && !t->copy_mode)
		zcnet_sock_send_unjoin(s, t, last, ret);
	return ret;
}

/* The socket took bytes from the head of the queue on. */
static void zcnet_sock_send_took(struct zcnet_sock *s, size_t bytes)
{
	struct zcnet_tx_buf *t;
	u32 n;

	while (bytes) {
		t = list_first_entry(&s->queue, struct zcnet_tx_buf, node);
		n = min_t(size_t, bytes, t->len - t->sent);
		t->sent += n;
		bytes -= n;
		if (t->sent == t->len)
			zcnet_sock_send_end(s, t, t->len);
	}
}

/*
 * Sends the slot's queue in order until it is empty or the socket is full.
 * blocked is set before every attempt, so a wake-up that lands while
 * sendmsg() fails for want of room finds it set and queues the work;
 * at worst the work finds nothing to do.
 */
void zcnet_sock_send_push(struct zcnet_sock *s, bool may_wait)
{
	struct zcnet_tx_buf *t;
	int ret;

	/*
	 * A kick never waits for a socket another CPU is sending on: that
	 * sender, or the work queued here once it lets go, sends what the
	 * kick queued.
	 */
	if (!may_wait && !mutex_trylock(&s->lock)) {
		zcnet_sock_queue_work(s);
		return;
	}
	if (may_wait)
		mutex_lock(&s->lock);
	if (s->blocked && !list_empty(&s->queue)) {
		zcnet_stat_inc(&s->ctx->stats, ZCNET_STAT_sock_resumes);
		if (trace_zcnet_sock_resume_enabled())
			trace_zcnet_sock_resume(s->ctx->id,
						sock_i_ino(s->sock->sk));
	}
	while (!s->detached) {
		zcnet_sock_send_splice(s);
		t = list_first_entry_or_null(&s->queue, struct zcnet_tx_buf,
					     node);
		if (!t) {
			zcnet_sock_send_group_close(s);
			break;
		}
		if (t->rejected) {
			if (s->stream && !s->err)
				s->err = t->result;
			zcnet_sock_send_end(s, t, t->result);
			continue;
		}
		if (s->err) {
			zcnet_sock_send_end(s, t, -EPIPE);
			continue;
		}
		WRITE_ONCE(s->blocked, true);
		smp_mb(); /* blocked before the socket's room is checked */
		ret = zcnet_sock_send_one(s, t);
		if (ret == -EAGAIN) {
			zcnet_sock_send_group_close(s);
			goto out;
		}
		/* The kicker has a signal pending: the work item goes on. */
		if (ret == -ERESTARTSYS || ret == -EINTR) {
			zcnet_sock_queue_work(s);
			goto out;
		}
		if (!ret)
			ret = -EIO;
		if (ret < 0) {
			if (s->stream)
				s->err = ret;
			zcnet_sock_send_end(s, t, ret);
			continue;
		}
		zcnet_sock_send_took(s, ret);
	}
	WRITE_ONCE(s->blocked, false);
out:
	mutex_unlock(&s->lock);
}

/*
 * Detach: what the socket has not taken completes with -ECANCELED, a
 * descriptor it took part of with that short count.
 */
void zcnet_sock_send_cancel(struct zcnet_sock *s)
{
	struct zcnet_tx_buf *t, *tmp;

	mutex_lock(&s->lock);
	s->detached = true;
	zcnet_sock_send_splice(s);
	list_for_each_entry_safe(t, tmp, &s->queue, node) {
		if (t->rejected)
			zcnet_sock_send_end(s, t, t->result);
		else
			zcnet_sock_send_end(s, t,
					    t->sent ? t->sent : -ECANCELED);
	}
	zcnet_sock_send_group_close(s);
	mutex_unlock(&s->lock);
}

/*
 * A send's completion: copied unless an skb held its pages to the end (the
 * socket may have sent none, or copied them), and counted as a socket's.
 * The descriptor's socket reference goes last.
 */
static void zcnet_sock_send_post(struct zcnet_tx_buf *t)
{
	struct zcnet_counters *c = &t->ctx->stats;
	struct zcnet_sock *sock = t->sock;
	s32 result = t->result;
	bool copied;
	u32 flags;

	copied = READ_ONCE(t->copied) || !READ_ONCE(t->zc_used);
	flags = copied && result >= 0 ? ZCNET_CQE_COPIED : 0;
	if (result < 0) {
		/* A rejected one was counted at submit. */
		if (!t->rejected)
			zcnet_stat_inc(c, ZCNET_STAT_sock_errors);
	} else {
		zcnet_stat_add(c, flags ? ZCNET_STAT_sock_copied_bytes :
			       ZCNET_STAT_sock_zc_bytes, result);
		zcnet_stat_inc(c, flags ? ZCNET_STAT_tx_copied :
			       ZCNET_STAT_tx_zerocopy);
	}
	zcnet_tx_buf_post(t, flags);
	zcnet_sock_put(sock);
}

/*
 * Completions of a slot are posted in the order the descriptors were
 * queued: one released early waits, marked done, for those before it.
 * Posting under order_lock keeps two CPUs from reordering what each took
 * off the list.
 */
static void zcnet_sock_send_done(struct zcnet_tx_buf *t)
{
	struct zcnet_sock *s = t->sock;
	struct zcnet_tx_buf *pos, *tmp;
	unsigned long flags;

	kref_get(&s->ref);
	spin_lock_irqsave(&s->order_lock, flags);
	t->done = true;
	list_for_each_entry_safe(pos, tmp, &s->order, order) {
		if (!pos->done)
			break;
		list_del(&pos->order);
		zcnet_sock_send_post(pos);
	}
	spin_unlock_irqrestore(&s->order_lock, flags);
	zcnet_sock_put(s);
}

/*
 * t's last reference went: what rode on its ubuf_info goes too, with its
 * zero-copy and copied reports. A rider may head a group of its own, so
 * this walks a list instead of recursing. Any context.
 */
static void zcnet_sock_send_release(struct zcnet_tx_buf *t)
{
	struct zcnet_tx_buf *r, *tmp;
	LIST_HEAD(todo);
	bool copied, zc;

	list_add(&t->ride, &todo);
	while ((t = list_first_entry_or_null(&todo, struct zcnet_tx_buf,
					     ride))) {
		list_del(&t->ride);
		copied = READ_ONCE(t->copied);
		zc = READ_ONCE(t->zc_used);
		list_for_each_entry_safe(r, tmp, &t->riders, ride) {
			list_del(&r->ride);
			if (copied)
				WRITE_ONCE(r->copied, true);
			if (zc)
				WRITE_ONCE(r->zc_used, true);
			if (refcount_dec_and_test(&r->ubuf.refcnt))
				list_add_tail(&r->ride, &todo);
		}
		zcnet_sock_send_done(t);
	}
}

/*
 * The socket sends' completion ops. A group's head is released with its
 * riders (zcnet_sock_send_release()). Any context; must not sleep.
 */
static void zcnet_sock_send_complete(struct sk_buff *skb,
				     struct ubuf_info *uarg, bool success)
{
	struct zcnet_tx_buf *t = container_of(uarg, struct zcnet_tx_buf, ubuf);

	/* Module exit's synchronize_net() waits for this section. */
	rcu_read_lock();
	if (zcnet_tx_buf_unref(t, skb, success))
		zcnet_sock_send_release(t);
	rcu_read_unlock();
}
