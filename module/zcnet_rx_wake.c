// SPDX-License-Identifier: GPL-2.0
/* RX wake-up moderation: signal after so many entries or so much time. */
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/seq_file.h>

#include "zcnet_ctx.h"
#include "zcnet_rx_wake.h"

/*
 * The RX tasklet is the only place that signals the RX eventfd and wakes
 * poll() for RX, and it runs on one CPU at a time, so ctx->rx_signalled
 * needs no lock. With ZCNET_PARAM_RX_WAKE_FRAMES above 1 it holds the
 * signal back while fewer entries than that (or than the RX ring holds)
 * were produced since the last one, and arms the timer when the first of
 * them is held: the deadline counts from that entry and later ones do not
 * push it out. The timer never signals itself; it marks the signal due
 * and schedules the tasklet. The tasklet arms the timer whenever it is
 * not queued, even while its callback still runs on another CPU: that
 * callback then only makes the tasklet signal early, and no held entry is
 * ever left without a queued timer or a due signal. A parameter change
 * that cancels a queued timer makes the signal due at once, so a shorter
 * delay applies to what is held too. So every entry is signalled within
 * rx_wake_usec of its arrival, whatever the program does with the FILL
 * ring.
 */
static enum hrtimer_restart zcnet_rx_wake_timer(struct hrtimer *timer)
{
	struct zcnet_kctx *ctx = container_of(timer, struct zcnet_kctx,
					      rx_wake_timer);

	atomic64_inc(&ctx->rx_wake_expired);
	atomic_set(&ctx->rx_wake_due, 1);
	tasklet_schedule(&ctx->rx_tasklet);
	return HRTIMER_NORESTART;
}

void zcnet_rx_wake_init(struct zcnet_kctx *ctx)
{
	hrtimer_init(&ctx->rx_wake_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_SOFT);
	ctx->rx_wake_timer.function = zcnet_rx_wake_timer;
	ctx->rx_wake_frames = 1;
	ctx->rx_wake_usec = ZCNET_RX_WAKE_USEC_DEFAULT;
}

/*
 * The context is being freed and receives nothing more. The tasklet may
 * arm the timer and the timer may schedule the tasklet, so: the tasklet
 * first, then the timer, then the tasklet it may have scheduled, which
 * finds the signal due and arms nothing.
 */
void zcnet_rx_wake_stop(struct zcnet_kctx *ctx)
{
	tasklet_kill(&ctx->rx_tasklet);
	hrtimer_cancel(&ctx->rx_wake_timer);
	tasklet_kill(&ctx->rx_tasklet);
}

int zcnet_rx_wake_set(struct zcnet_kctx *ctx, u32 param, u64 value)
{
	switch (param) {
	case ZCNET_PARAM_RX_WAKE_FRAMES:
		if (!value || value > ZCNET_RING_MAX_ENTRIES)
			return -EINVAL;
		WRITE_ONCE(ctx->rx_wake_frames, value);
		break;
	case ZCNET_PARAM_RX_WAKE_USEC:
		if (!value || value > ZCNET_RX_WAKE_USEC_MAX)
			return -EINVAL;
		WRITE_ONCE(ctx->rx_wake_usec, value);
		break;
	default:
		return -EINVAL;
	}
	if (hrtimer_try_to_cancel(&ctx->rx_wake_timer) > 0) {
		atomic_set(&ctx->rx_wake_due, 1);
		tasklet_schedule(&ctx->rx_tasklet);
	}
	return 0;
}

int zcnet_rx_wake_get(struct zcnet_kctx *ctx, u32 param, u64 *value)
{
	switch (param) {
	case ZCNET_PARAM_RX_WAKE_FRAMES:
		*value = READ_ONCE(ctx->rx_wake_frames);
		return 0;
	case ZCNET_PARAM_RX_WAKE_USEC:
		*value = READ_ONCE(ctx->rx_wake_usec);
		return 0;
	}
	return -EINVAL;
}

/*
 * From the RX tasklet, with the entries produced since the last signal:
 * true if there is nothing to signal yet.
 */
bool zcnet_rx_wake_hold(struct zcnet_kctx *ctx, u32 unsignalled)
{
	u32 frames = READ_ONCE(ctx->rx_wake_frames);
	bool due = atomic_read(&ctx->rx_wake_due) &&
		   atomic_xchg(&ctx->rx_wake_due, 0);
	u64 ns;

	if (!unsignalled)
		return true;
	if (frames <= 1 && !due)
		return false;
	frames = min(frames, ctx->rings[ZCNET_RING_RX]->entries);
	if (due || unsignalled >= frames) {
		hrtimer_try_to_cancel(&ctx->rx_wake_timer);
		return false;
	}
	if (!hrtimer_is_queued(&ctx->rx_wake_timer)) {
		ns = (u64)READ_ONCE(ctx->rx_wake_usec) * NSEC_PER_USEC;
		hrtimer_start(&ctx->rx_wake_timer, ns_to_ktime(ns),
			      HRTIMER_MODE_REL_SOFT);
	}
	atomic64_inc(&ctx->rx_wake_held);
	return true;
}

void zcnet_rx_wake_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx)
{
	seq_printf(m, "rx_wake_frames:\t%u\n", READ_ONCE(ctx->rx_wake_frames));
	seq_printf(m, "rx_wake_usec:\t%u\n", READ_ONCE(ctx->rx_wake_usec));
	seq_printf(m, "rx_wake_held:\t%lld\n",
		   (long long)atomic64_read(&ctx->rx_wake_held));
	seq_printf(m, "rx_wake_expired:\t%lld\n",
		   (long long)atomic64_read(&ctx->rx_wake_expired));
}
