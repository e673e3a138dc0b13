/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_DEV_H
#define _ZCNET_RX_DEV_H

struct net_device;
struct zcnet_kctx;

int zcnet_rx_dev_add(struct zcnet_kctx *ctx, struct net_device *dev);
void zcnet_rx_dev_del(struct zcnet_kctx *ctx, struct net_device *dev);

#endif /* _ZCNET_RX_DEV_H */
