// SPDX-License-Identifier: GPL-2.0
/* The completion queue: slot reservations, posting and signalling. */
#include <linux/poll.h>
#include <linux/timekeeping.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_event.h"
#include "zcnet_trace.h"

/*
 * Completion slots are reserved when a descriptor is consumed and filled
 * when it completes, so the CQ can never overflow: free slots minus slots
 * already promised bound how many descriptors may be consumed.
 */
int zcnet_cq_reserve(struct zcnet_kctx *ctx, u32 want, u32 *got)
{
	struct zcnet_kring *cq = ctx->rings[ZCNET_RING_CQ];
	unsigned long flags;
	u32 free;
	int err;

	spin_lock_irqsave(&ctx->cq_lock, flags);
	err = zcnet_kring_prod_free(cq, &free);
	if (!err) {
		free = free > ctx->cq_reserved ? free - ctx->cq_reserved : 0;
		*got = min(want, free);
		ctx->cq_reserved += *got;
	}
	spin_unlock_irqrestore(&ctx->cq_lock, flags);
	return err;
}

/* Returns reserved slots that no descriptor was consumed for. */
void zcnet_cq_unreserve(struct zcnet_kctx *ctx, u32 n)
{
	unsigned long flags;

	spin_lock_irqsave(&ctx->cq_lock, flags);
	ctx->cq_reserved -= n;
	spin_unlock_irqrestore(&ctx->cq_lock, flags);
}

static void zcnet_cq_fill(struct zcnet_kctx *ctx, u64 cookie, s32 result,
			  u32 flags)
{
	struct zcnet_kring *cq = ctx->rings[ZCNET_RING_CQ];
	struct zcnet_cq_entry *cqe;

	lockdep_assert_held(&ctx->cq_lock);
	cqe = zcnet_kring_slot(cq, cq->cached_prod);
	/*
	 * Stamped under cq_lock, in the order the slots are filled, so the
	 * stamps never decrease along the ring. ktime_get_ns() neither sleeps
	 * nor takes a lock, and reads the clock CLOCK_MONOTONIC reads.
	 */
	if (ctx->cq_tstamp) {
		container_of(cqe, struct zcnet_cq_entry_ts, cqe)->tstamp =
			ktime_get_ns();
		flags |= ZCNET_CQE_TSTAMP_SW;
	}
	cqe->cookie = cookie;
	cqe->result = result;
	cqe->flags = flags;
	WRITE_ONCE(cq->cached_prod, cq->cached_prod + 1);
	ctx->cq_reserved--;
}

/* Fills one reserved slot; visible to the user after zcnet_cq_flush(). */
void zcnet_cq_post(struct zcnet_kctx *ctx, u64 cookie, s32 result, u32 flags)
{
	unsigned long irqflags;

	spin_lock_irqsave(&ctx->cq_lock, irqflags);
	zcnet_cq_fill(ctx, cookie, result, flags);
	spin_unlock_irqrestore(&ctx->cq_lock, irqflags);
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_cq_posted);
	trace_zcnet_tx_complete(ctx->id, cookie, result,
				flags & ZCNET_CQE_COPIED);
}

/*
 * A completion from the driver's path, any context. Completions that land
 * while a kick runs are flushed by that kick; the others by the tasklet, so
 * a burst freed in one softirq run costs one signal.
 */
void zcnet_cq_post_async(struct zcnet_kctx *ctx, u64 cookie, s32 result,
			 u32 flags)
{
	unsigned long irqflags;
	bool later;

	spin_lock_irqsave(&ctx->cq_lock, irqflags);
	zcnet_cq_fill(ctx, cookie, result, flags);
	later = !ctx->cq_batching;
	spin_unlock_irqrestore(&ctx->cq_lock, irqflags);
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_cq_posted);
	trace_zcnet_tx_complete(ctx->id, cookie, result,
				flags & ZCNET_CQE_COPIED);
	if (later)
		tasklet_schedule(&ctx->cq_tasklet);
}

void zcnet_cq_batch_begin(struct zcnet_kctx *ctx)
{
	unsigned long flags;

	spin_lock_irqsave(&ctx->cq_lock, flags);
	ctx->cq_batching = true;
	spin_unlock_irqrestore(&ctx->cq_lock, flags);
}

void zcnet_cq_batch_end(struct zcnet_kctx *ctx)
{
	unsigned long flags;

	spin_lock_irqsave(&ctx->cq_lock, flags);
	ctx->cq_batching = false;
	spin_unlock_irqrestore(&ctx->cq_lock, flags);
	zcnet_cq_flush(ctx);
}

void zcnet_cq_tasklet(struct tasklet_struct *t)
{
	struct zcnet_kctx *ctx = from_tasklet(ctx, t, cq_tasklet);

	zcnet_cq_flush(ctx);
}

/* Publishes posted entries; one signal per flush, only if the CQ moved. */
void zcnet_cq_flush(struct zcnet_kctx *ctx)
{
	struct zcnet_kring *cq = ctx->rings[ZCNET_RING_CQ];
	unsigned long flags;
	bool signal;

	spin_lock_irqsave(&ctx->cq_lock, flags);
	zcnet_kring_prod_submit(cq);
	signal = ctx->cq_signalled != cq->cached_prod;
	ctx->cq_signalled = cq->cached_prod;
	spin_unlock_irqrestore(&ctx->cq_lock, flags);
	if (!signal)
		return;
	zcnet_event_signal(ctx, ZCNET_EVENTFD_CQ);
	wake_up_interruptible_poll(&ctx->wq, EPOLLIN | EPOLLRDNORM);
}
