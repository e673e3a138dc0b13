/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_DEV_H
#define _ZCNET_RX_DEV_H

#include <linux/types.h>

struct net_device;
struct zcnet_kctx;

int zcnet_rx_dev_add(struct zcnet_kctx *ctx, struct net_device *dev);
void zcnet_rx_dev_del(struct zcnet_kctx *ctx, struct net_device *dev);
u64 zcnet_rx_dev_filter_miss(struct zcnet_kctx *ctx);

#endif /* _ZCNET_RX_DEV_H */
