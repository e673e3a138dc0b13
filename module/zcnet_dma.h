/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_DMA_H
#define _ZCNET_DMA_H

#include <linux/types.h>

struct net_device;

bool zcnet_dma_strict(struct net_device *dev);
u32 zcnet_dma_tx_copy_threshold(struct net_device *dev);

#endif /* _ZCNET_DMA_H */
