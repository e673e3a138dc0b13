// SPDX-License-Identifier: GPL-2.0
#include <linux/poll.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_tx.h"

#define ZCNET_TX_FLAGS	(ZCNET_TX_NOP | ZCNET_TX_SOCK | ZCNET_TX_MORE)

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
	d->reserved0 = READ_ONCE(slot->reserved0);
	d->reserved1 = READ_ONCE(slot->reserved1);
}

/* Checks a private copy of a descriptor. */
int zcnet_tx_desc_check(struct zcnet_ctx *ctx, const struct zcnet_tx_desc *d)
{
	if (d->flags & ~ZCNET_TX_FLAGS || d->reserved0 || d->reserved1)
		return -EINVAL;
	if ((d->flags & ZCNET_TX_NOP) && d->flags != ZCNET_TX_NOP)
		return -EINVAL;
	if ((d->flags & ZCNET_TX_MORE) && !(d->flags & ZCNET_TX_SOCK))
		return -EINVAL;
	if (!(d->flags & ZCNET_TX_SOCK) && d->sock)
		return -EINVAL;
	return zcnet_region_check(ctx, d->region, d->offset, d->len);
}

/* Result of a checked descriptor that this build cannot send anywhere. */
static s32 zcnet_tx_submit(struct zcnet_ctx *ctx, const struct zcnet_tx_desc *d)
{
	if (d->flags & ZCNET_TX_NOP) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_nops);
		return d->len;
	}
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
	return d->flags & ZCNET_TX_SOCK ? -ENOTCONN : -ENXIO;
}

static s32 zcnet_tx_one(struct zcnet_ctx *ctx, const struct zcnet_tx_desc *d)
{
	int err = zcnet_tx_desc_check(ctx, d);

	if (err) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
		return err;
	}
	return zcnet_tx_submit(ctx, d);
}

/* Consumes what the TX ring holds, bounded by budget and free CQ slots. */
int zcnet_tx_kick(struct zcnet_ctx *ctx, u32 budget)
{
	struct zcnet_ring *tx = zcnet_ctx_ring(ctx, ZCNET_RING_TX);
	struct zcnet_tx_desc d;
	u32 avail, n, i;
	int err;

	if (!tx)
		return -ENXIO;
	mutex_lock(&ctx->tx_lock);
	err = zcnet_ring_cons_peek(tx, budget ? budget : U32_MAX, &avail);
	if (!err)
		err = zcnet_cq_reserve(ctx, avail, &n);
	if (err) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_ring_errors);
		goto out;
	}
	for (i = 0; i < n; i++) {
		zcnet_tx_desc_read(zcnet_ring_slot(tx, tx->cached_cons + i), &d);
		zcnet_cq_post(ctx, d.cookie, zcnet_tx_one(ctx, &d), 0);
	}
	zcnet_ring_cons_release(tx, n);
	zcnet_cq_flush(ctx);
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_kicks);
	zcnet_stat_add(&ctx->stats, ZCNET_STAT_tx_descs, n);
	if (n)
		wake_up_interruptible_poll(&ctx->wq, EPOLLOUT | EPOLLWRNORM);
	err = n;
out:
	mutex_unlock(&ctx->tx_lock);
	return err;
}
