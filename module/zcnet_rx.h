/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_H
#define _ZCNET_RX_H

struct net_device;
struct tasklet_struct;
struct zcnet_bind;
struct zcnet_ctx;

int zcnet_rx_bind(struct zcnet_ctx *ctx, struct net_device *dev,
		  const struct zcnet_bind *b);
void zcnet_rx_unbind(struct zcnet_ctx *ctx);
void zcnet_rx_tasklet(struct tasklet_struct *t);

#endif /* _ZCNET_RX_H */
