// SPDX-License-Identifier: GPL-2.0
/* Busy polling: a receive wait that polls the device's NAPI before it sleeps. */
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <net/busy_poll.h>

#include "zcnet_ctx.h"
#include "zcnet_rx_poll.h"

struct zcnet_rx_poll_wait {
	const struct zcnet_kring *rx;
	unsigned long usec;
};

int zcnet_rx_poll_set(struct zcnet_kctx *ctx, u32 param, u64 value)
{
	switch (param) {
	case ZCNET_PARAM_BUSY_POLL_USEC:
		if (value > ZCNET_BUSY_POLL_USEC_MAX)
			return -EINVAL;
		WRITE_ONCE(ctx->rx_busy_poll_usec, value);
		return 0;
	case ZCNET_PARAM_BUSY_POLL_BUDGET:
		if (value > ZCNET_BUSY_POLL_BUDGET_MAX)
			return -EINVAL;
		WRITE_ONCE(ctx->rx_busy_poll_budget, value);
		return 0;
	}
	return -EINVAL;
}

static u16 zcnet_rx_poll_budget(const struct zcnet_kctx *ctx)
{
	return READ_ONCE(ctx->rx_busy_poll_budget) ?: BUSY_POLL_BUDGET;
}

int zcnet_rx_poll_get(struct zcnet_kctx *ctx, u32 param, u64 *value)
{
	switch (param) {
	case ZCNET_PARAM_BUSY_POLL_USEC:
		*value = READ_ONCE(ctx->rx_busy_poll_usec);
		return 0;
	case ZCNET_PARAM_BUSY_POLL_BUDGET:
		*value = zcnet_rx_poll_budget(ctx);
		return 0;
	}
	return -EINVAL;
}

/* Entries for the user, or corrupt indices, which poll reports at once. */
static bool zcnet_rx_poll_ready(const struct zcnet_kring *rx)
{
	u32 n;

	return zcnet_kring_user_pending(rx, &n) || n;
}

/*
 * napi_busy_loop() calls this between polls of the NAPI with preemption
 * off, so it only reads. The wait ends when the RX ring has something,
 * when its time is up (in busy_loop_current_time()'s units, about a
 * microsecond), and, as io_uring's and the socket's waits do, when a
 * signal is pending or another task wants the CPU: busy polling never
 * holds a CPU someone else needs, and the caller's sleep takes over.
 */
static bool zcnet_rx_poll_end(void *arg, unsigned long start)
{
	const struct zcnet_rx_poll_wait *w = arg;

	return zcnet_rx_poll_ready(w->rx) || signal_pending(current) ||
	       need_resched() ||
	       time_after(busy_loop_current_time(), start + w->usec);
}

/*
 * Process context, from poll() with nothing the caller asked for ready.
 * A caller that will sleep (it registered a wait) polls the NAPI of the
 * last frame received until zcnet_rx_poll_end(); one that will not (a
 * zero timeout, a second look after a wake-up, epoll's check of a ready
 * file) gets one pass of it, as a non-blocking socket read does. The
 * device binding is read without RTNL: at worst one bounded wait polls a
 * NAPI that no longer brings this context frames.
 */
void zcnet_rx_busy_poll(struct zcnet_kctx *ctx, struct zcnet_kring *rx,
			bool will_sleep)
{
	struct zcnet_rx_poll_wait w = {
		.rx = rx,
		.usec = READ_ONCE(ctx->rx_busy_poll_usec),
	};
	unsigned int napi_id = READ_ONCE(ctx->rx_napi_id);

	if (!w.usec || napi_id < MIN_NAPI_ID || !in_task() ||
	    !READ_ONCE(ctx->rx_dev) || zcnet_rx_poll_ready(rx))
		return;
	if (will_sleep && signal_pending(current))
		return;
	atomic64_inc(&ctx->rx_busy_polls);
	napi_busy_loop(napi_id, will_sleep ? zcnet_rx_poll_end : NULL, &w,
		       false, zcnet_rx_poll_budget(ctx));
}

void zcnet_rx_poll_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx)
{
	seq_printf(m, "rx_busy_polls:\t%lld\n",
		   (long long)atomic64_read(&ctx->rx_busy_polls));
	seq_printf(m, "rx_napi_id:\t%u\n", READ_ONCE(ctx->rx_napi_id));
	seq_printf(m, "busy_poll_usec:\t%u\n",
		   READ_ONCE(ctx->rx_busy_poll_usec));
	seq_printf(m, "busy_poll_budget:\t%u\n", zcnet_rx_poll_budget(ctx));
}
