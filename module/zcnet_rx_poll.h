/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_POLL_H
#define _ZCNET_RX_POLL_H

#include <linux/skbuff.h>
#include <net/busy_poll.h>

#include "zcnet_ctx.h"

struct seq_file;

/* Rx_lock held: the NAPI a frame of the context came through. */
static inline void zcnet_rx_poll_note(struct zcnet_kctx *ctx,
				      const struct sk_buff *skb)
{
	unsigned int id = skb_napi_id(skb);

	if (id >= MIN_NAPI_ID && id != ctx->rx_napi_id)
		WRITE_ONCE(ctx->rx_napi_id, id);
}

#ifdef CONFIG_NET_RX_BUSY_POLL
#define ZCNET_FEAT_BUSY_POLL_IF	ZCNET_FEAT_BUSY_POLL
int zcnet_rx_poll_set(struct zcnet_kctx *ctx, u32 param, u64 value);
int zcnet_rx_poll_get(struct zcnet_kctx *ctx, u32 param, u64 *value);
void zcnet_rx_busy_poll(struct zcnet_kctx *ctx, struct zcnet_kring *rx,
			bool will_sleep);
void zcnet_rx_poll_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx);
#else
#define ZCNET_FEAT_BUSY_POLL_IF	0
static inline int zcnet_rx_poll_set(struct zcnet_kctx *ctx, u32 param,
				    u64 value)
{
	return -EOPNOTSUPP;
}

static inline int zcnet_rx_poll_get(struct zcnet_kctx *ctx, u32 param,
				    u64 *value)
{
	return -EOPNOTSUPP;
}

static inline void zcnet_rx_busy_poll(struct zcnet_kctx *ctx,
				      struct zcnet_kring *rx, bool will_sleep)
{
}

static inline void zcnet_rx_poll_show_fdinfo(struct seq_file *m,
					     struct zcnet_kctx *ctx)
{
}
#endif

#endif /* _ZCNET_RX_POLL_H */
