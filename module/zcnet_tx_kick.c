// SPDX-License-Identifier: GPL-2.0
/* The TX ring consumer: descriptor checks, kicks and the busy retry. */
#include <linux/poll.h>
#include <linux/udp.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_sock_send.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_kick.h"
#include "zcnet_tx_raw.h"

#define ZCNET_TX_FLAGS	(ZCNET_TX_NOP | ZCNET_TX_SOCK | ZCNET_TX_MORE | \
			 ZCNET_TX_GSO | ZCNET_TX_VNET_HDR)

/* One read of every field: the user may rewrite the slot meanwhile. */
static void zcnet_tx_desc_read(const struct zcnet_tx_desc *slot,
			       struct zcnet_tx_desc *d)
{
	d->offset = READ_ONCE(slot->offset);
	d->len = READ_ONCE(slot->len);
	d->region = READ_ONCE(slot->region);
	d->flags = READ_ONCE(slot->flags);
	d->cookie = READ_ONCE(slot->cookie);
	d->sock = READ_ONCE(slot->sock);
	d->gso_size = READ_ONCE(slot->gso_size);
	d->reserved1 = READ_ONCE(slot->reserved1);
}

/* The rules that need no context; the buffer is checked against its region. */
int zcnet_tx_desc_check(const struct zcnet_tx_desc *d)
{
	if (d->flags & ~ZCNET_TX_FLAGS || d->reserved1)
		return -EINVAL;
	if (d->len > ZCNET_TX_LEN_MAX)
		return -EINVAL;
	if ((d->flags & ZCNET_TX_NOP) && d->flags != ZCNET_TX_NOP)
		return -EINVAL;
	if ((d->flags & ZCNET_TX_MORE) && !(d->flags & ZCNET_TX_SOCK))
		return -EINVAL;
	if (!(d->flags & ZCNET_TX_SOCK) && d->sock)
		return -EINVAL;
	if ((d->flags & ZCNET_TX_VNET_HDR) && (d->flags & ZCNET_TX_SOCK))
		return -EINVAL;
	if (!(d->flags & ZCNET_TX_GSO))
		return d->gso_size ? -EINVAL : 0;
	/* As udp_sendmsg() and udp_send_skb() check UDP_SEGMENT. */
	if (!(d->flags & ZCNET_TX_SOCK) || !d->gso_size)
		return -EINVAL;
	if (d->len > ZCNET_UDP6_GSO_MAX)
		return -EMSGSIZE;
	if (DIV_ROUND_UP(d->len, d->gso_size) > UDP_MAX_SEGMENTS)
		return -EINVAL;
	return 0;
}

/*
 * Returns 1 when the descriptor completes later, 0 when *result is its
 * completion now, or -ENOMEM when it cannot be taken now and stays on the
 * ring.
 */
static int zcnet_tx_one(struct zcnet_kctx *ctx, const struct zcnet_tx_desc *d,
			s32 *result)
{
	struct zcnet_region *r = NULL;
	int err;

	err = zcnet_tx_desc_check(d);
	if (!err) {
		r = zcnet_region_get(ctx, d->region);
		err = r ? zcnet_buf_check(r->len, d->offset, d->len) : -EINVAL;
	}
	/* The slot's stream breaks and keeps its order even when rejected. */
	if (d->flags & ZCNET_TX_SOCK)
		return zcnet_sock_send_queue(ctx, d, r, err, result);
	if (!err && !(d->flags & ZCNET_TX_NOP))
		return zcnet_tx_raw_prepare(ctx, d, r, result);
	if (r)
		zcnet_region_put(r);
	if (!err) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_nops);
		*result = d->len;
	} else {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
		*result = err;
	}
	return 0;
}

/*
 * Consumes what the TX ring holds, bounded by budget, by free CQ slots and
 * by a busy device queue. Frames a busy queue refused go first, later. A
 * kick records how far it asked to go, within the CQ slots free then, so
 * that the retry work finishes that much and no more; a smaller kick
 * meanwhile takes nothing back. Only the kick's own completions can fill
 * those slots before the retry runs, and their slots are reserved, so the
 * retry finds room for the rest unless another kick took it. The indices
 * are checked before anything else, so a corrupt one is reported whether
 * or not the device is busy.
 */
static int zcnet_tx_consume(struct zcnet_kctx *ctx, u32 budget, bool kick)
{
	struct zcnet_kring *tx = ctx->rings[ZCNET_RING_TX];
	struct zcnet_tx_desc d;
	bool busy = false;
	u32 avail, n, i;
	int ret = 0;
	s32 result;

	lockdep_assert_held(&ctx->tx_lock);
	if (zcnet_kring_cons_peek(tx, budget ? budget : U32_MAX, &avail)) {
		if (kick)
			zcnet_stat_inc(&ctx->stats, ZCNET_STAT_ring_errors);
		/* Frames consumed before still go out. */
		zcnet_tx_raw_flush(ctx);
		return -EINVAL;
	}
	if (zcnet_cq_reserve(ctx, avail, &n)) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_ring_errors);
		return -EINVAL;
	}
	if (kick && (s32)(tx->cached_cons + n - ctx->tx_asked) > 0)
		ctx->tx_asked = tx->cached_cons + n;
	if (zcnet_tx_raw_flush(ctx)) {
		zcnet_cq_unreserve(ctx, n);
		return 0;
	}
	zcnet_cq_batch_begin(ctx);
	for (i = 0; i < n && !busy; i++) {
		zcnet_tx_desc_read(zcnet_kring_slot(tx, tx->cached_cons + i), &d);
		ret = zcnet_tx_one(ctx, &d, &result);
		if (ret < 0)
			break;
		if (!ret)
			zcnet_cq_post(ctx, d.cookie, result, 0);
		if (ctx->tx_npending >= ZCNET_TX_RAW_BATCH)
			busy = zcnet_tx_raw_flush(ctx);
	}
	if (!busy)
		zcnet_tx_raw_flush(ctx);
	zcnet_cq_unreserve(ctx, n - i);
	zcnet_kring_cons_release(tx, i);
	zcnet_cq_batch_end(ctx);
	zcnet_stat_add(&ctx->stats, ZCNET_STAT_tx_descs, i);
	if (i)
		wake_up_interruptible_poll(&ctx->wq, EPOLLOUT | EPOLLWRNORM);
	if (!i && ret < 0)
		return ret;
	return i;
}

/* TX unbinds: what kicks asked for waits for the next kick. */
void zcnet_tx_forget(struct zcnet_kctx *ctx)
{
	struct zcnet_kring *tx = zcnet_kctx_ring(ctx, ZCNET_RING_TX);

	lockdep_assert_held(&ctx->tx_lock);
	if (tx)
		ctx->tx_asked = tx->cached_cons;
}

int zcnet_tx_kick(struct zcnet_kctx *ctx, u32 budget)
{
	struct list_head pushes;
	int ret;

	if (!zcnet_kctx_ring(ctx, ZCNET_RING_TX))
		return -ENXIO;
	mutex_lock(&ctx->tx_lock);
	ret = zcnet_tx_consume(ctx, budget, true);
	zcnet_sock_take_pushes(ctx, &pushes);
	mutex_unlock(&ctx->tx_lock);
	zcnet_sock_push(ctx, &pushes);
	if (ret >= 0)
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_kicks);
	return ret;
}

/*
 * After a busy device queue: sends the frames it held back, then consumes
 * the rest of what the last kick asked for, never beyond. It runs as the
 * context's owner (zcnet_kctx_as_owner()).
 */
void zcnet_tx_retry_work(struct work_struct *work)
{
	struct zcnet_kctx *ctx = container_of(to_delayed_work(work),
					      struct zcnet_kctx, tx_retry);
	struct zcnet_kring *tx = ctx->rings[ZCNET_RING_TX];
	struct zcnet_kctx_saved saved;
	struct list_head pushes;
	u32 left;

	zcnet_kctx_as_owner(ctx, &saved);
	mutex_lock(&ctx->tx_lock);
	left = ctx->tx_asked - tx->cached_cons;
	if (left && left <= tx->entries)
		zcnet_tx_consume(ctx, left, false);
	else
		zcnet_tx_raw_flush(ctx);
	zcnet_sock_take_pushes(ctx, &pushes);
	mutex_unlock(&ctx->tx_lock);
	zcnet_sock_push(ctx, &pushes);
	zcnet_kctx_as_self(&saved);
}
