/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_H
#define _ZCNET_RX_H

struct net_device;
struct sk_buff;
struct tasklet_struct;
struct zcnet_bind;
struct zcnet_kctx;

/* Why a frame a context's rule took was dropped (tracepoint zcnet_rx_drop). */
enum zcnet_rx_drop_reason {
	ZCNET_RX_DROP_NOBUF,		/* no fill buffer or no RX room */
	ZCNET_RX_DROP_SIZE,		/* longer than the wire allows */
	ZCNET_RX_DROP_SPLIT,		/* a GRO/GSO packet not split */
};

int zcnet_rx_bind(struct zcnet_kctx *ctx, struct net_device *dev,
		  const struct zcnet_bind *b);
void zcnet_rx_unbind(struct zcnet_kctx *ctx);
void zcnet_rx_tasklet(struct tasklet_struct *t);
bool zcnet_rx_match(const struct zcnet_kctx *ctx, const struct sk_buff *skb);
void zcnet_rx_take(struct zcnet_kctx *ctx, struct sk_buff *skb);

#endif /* _ZCNET_RX_H */
