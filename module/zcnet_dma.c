// SPDX-License-Identifier: GPL-2.0
/* How a NIC maps DMA, and the copy threshold that follows from it. */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "zcnet_ctx.h"
#include "zcnet_dma.h"

/*
 * The device that maps a NIC's buffers for DMA. virtio-net maps through
 * its transport (the virtio device's parent), and only when it negotiated
 * VIRTIO_F_ACCESS_PLATFORM: without it the ring carries physical addresses
 * and no IOMMU is in the way.
 */
static struct device *zcnet_dma_dev(struct net_device *dev)
{
	struct device *d = dev->dev.parent;

	if (d && d->bus && !strcmp(d->bus->name, "virtio")) {
		if (!__virtio_test_bit(dev_to_virtio(d),
				       VIRTIO_F_ACCESS_PLATFORM))
			return NULL;
		d = d->parent;
	}
	return d;
}

/*
 * Whether every DMA unmap on dev waits for an IOTLB invalidation: its
 * IOMMU domain translates and is strict. A lazy domain (DMA-FQ) batches
 * invalidations, an identity domain has none.
 */
bool zcnet_dma_strict(struct net_device *dev)
{
	struct device *d = zcnet_dma_dev(dev);
	struct iommu_domain *dom;

	if (!d || !device_iommu_mapped(d))
		return false;
	dom = iommu_get_domain_for_dev(d);
	return dom && dom->type == IOMMU_DOMAIN_DMA;
}

/*
 * The raw copy threshold of a context bound to dev that did not set its
 * own. A zero-copy frame costs the driver at least one more DMA mapping
 * than a copied one (the payload fragment; on virtio-net also an indirect
 * descriptor table), and behind a strict IOMMU each unmap costs more than
 * copying a page.
 */
u32 zcnet_dma_tx_copy_threshold(struct net_device *dev)
{
	u32 v = READ_ONCE(zcnet_tx_copy_threshold);

	if (zcnet_dma_strict(dev))
		v = max(v, READ_ONCE(zcnet_tx_copy_threshold_strict));
	return min_t(u32, v, ZCNET_COPY_THRESHOLD_MAX);
}
