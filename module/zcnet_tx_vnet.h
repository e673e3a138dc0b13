/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TX_VNET_H
#define _ZCNET_TX_VNET_H

#include <linux/types.h>

struct sk_buff;
struct virtio_net_hdr;
struct zcnet_region;

/* The longest super-frame, link-layer header included. */
#define ZCNET_TX_VNET_FRAME_MAX	65535

u32 zcnet_tx_vnet_gso_types(void);
int zcnet_tx_vnet_read(const struct zcnet_region *r, u64 offset, u32 len,
		       struct virtio_net_hdr *h);
int zcnet_tx_vnet_apply(struct sk_buff *skb, const struct virtio_net_hdr *h,
			u32 head, u32 mtu);

#endif /* _ZCNET_TX_VNET_H */
