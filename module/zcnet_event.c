// SPDX-License-Identifier: GPL-2.0
/* A context's eventfds and their signals. */
#include <linux/eventfd.h>
#include <linux/rcupdate.h>

#include "zcnet_ctx.h"
#include "zcnet_event.h"

int zcnet_event_set(struct zcnet_kctx *ctx, const struct zcnet_eventfd *ev)
{
	struct eventfd_ctx *new = NULL, *old;

	if (ev->flags)
		return -EINVAL;
	if (ev->which != ZCNET_EVENTFD_CQ && ev->which != ZCNET_EVENTFD_RX)
		return -EINVAL;
	if (ev->fd != -1) {
		new = eventfd_ctx_fdget(ev->fd);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}

	mutex_lock(&ctx->lock);
	old = rcu_replace_pointer(ctx->eventfd[ev->which], new,
				  lockdep_is_held(&ctx->lock));
	mutex_unlock(&ctx->lock);
	if (old) {
		synchronize_rcu();
		eventfd_ctx_put(old);
	}
	return 0;
}

/*
 * Any context. Signals the eventfd if one is attached, counting the signal
 * first, so that a program woken by it finds it counted.
 */
void zcnet_event_signal(struct zcnet_kctx *ctx, unsigned int which)
{
	struct eventfd_ctx *ev;

	rcu_read_lock();
	ev = rcu_dereference(ctx->eventfd[which]);
	if (ev) {
		zcnet_stat_inc(&ctx->stats, which == ZCNET_EVENTFD_CQ ?
			       ZCNET_STAT_cq_signals : ZCNET_STAT_rx_signals);
		zcnet_eventfd_signal(ev);
	}
	rcu_read_unlock();
}

/* The context is being freed: no signaller is left. */
void zcnet_event_detach_all(struct zcnet_kctx *ctx)
{
	struct eventfd_ctx *ev;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx->eventfd); i++) {
		ev = rcu_dereference_protected(ctx->eventfd[i], true);
		if (ev)
			eventfd_ctx_put(ev);
	}
}
