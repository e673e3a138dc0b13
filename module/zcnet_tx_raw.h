/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TX_RAW_H
#define _ZCNET_TX_RAW_H

#include <linux/types.h>

struct net_device;
struct sk_buff;
struct zcnet_kctx;
struct zcnet_region;
struct zcnet_tx_desc;

extern const struct zcnet_ubuf_ops zcnet_tx_raw_ops;

/* Frames handed to the driver under one queue lock. */
#define ZCNET_TX_RAW_BATCH	64

int zcnet_tx_raw_prepare(struct zcnet_kctx *ctx, const struct zcnet_tx_desc *d,
			 struct zcnet_region *r, s32 *result);
bool zcnet_tx_raw_flush(struct zcnet_kctx *ctx);
void zcnet_tx_raw_drop_pending(struct zcnet_kctx *ctx, int err);
bool zcnet_tx_raw_plain(const struct sk_buff *skb,
			const struct net_device *dev);

#endif /* _ZCNET_TX_RAW_H */
