// SPDX-License-Identifier: GPL-2.0
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_tx.h"
#include "zcnet_txbuf.h"
#include "zcnet_xmit.h"

/* Bytes that go into the skb's linear part; the rest become page frags. */
static u32 zcnet_xmit_linear(struct zcnet_ctx *ctx, struct net_device *dev,
			     const struct zcnet_tx_desc *d)
{
	u32 head = dev->hard_header_len;
	u64 frag_off = d->offset + head;

	if (d->len <= READ_ONCE(ctx->tx_copy_threshold) || head >= d->len ||
	    !(dev->features & NETIF_F_SG) ||
	    DIV_ROUND_UP(offset_in_page(frag_off) + d->len - head, PAGE_SIZE) >
	    MAX_SKB_FRAGS)
		return d->len;
	return head;
}

static void zcnet_xmit_add_frags(struct sk_buff *skb,
				 const struct zcnet_region *r, u64 offset,
				 u32 len)
{
	struct page *page;
	int i = 0;
	u32 n;

	skb->len += len;
	skb->data_len = len;
	skb->truesize += len;
	while (len) {
		page = r->pin.pages[offset >> PAGE_SHIFT];
		n = min_t(u32, len, PAGE_SIZE - offset_in_page(offset));
		get_page(page);
		skb_fill_page_desc(skb, i++, page, offset_in_page(offset), n);
		offset += n;
		len -= n;
	}
}

static struct sk_buff *zcnet_xmit_build(struct zcnet_ctx *ctx,
					struct net_device *dev,
					const struct zcnet_tx_desc *d,
					struct zcnet_txbuf *t)
{
	u32 linear = zcnet_xmit_linear(ctx, dev, d);
	struct sk_buff *skb;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + linear + dev->needed_tailroom,
			GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	zcnet_region_copy(t->region, d->offset, skb_put(skb, linear), linear);
	if (linear < d->len) {
		zcnet_xmit_add_frags(skb, t->region, d->offset + linear,
				     d->len - linear);
		zcnet_txbuf_attach(t, skb);
	} else {
		t->copied = true;
	}
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, dev->hard_header_len);
	skb->protocol = dev_parse_header_protocol(skb);
	return skb;
}

/* Shows the frame to taps once, then hands it to the driver. */
static enum zcnet_tx_verdict zcnet_xmit_send(struct zcnet_ctx *ctx,
					     struct zcnet_txbuf *t)
{
	struct sk_buff *skb = t->skb;
	struct net_device *dev = skb->dev;
	unsigned int len = skb->len;
	u16 queue = ctx->tx_queue;
	int rc;

	if (!t->tapped && dev_nit_active(dev)) {
		rcu_read_lock_bh();
		dev_queue_xmit_nit(skb, dev);
		rcu_read_unlock_bh();
	}
	t->tapped = true;
	if (queue >= READ_ONCE(dev->real_num_tx_queues))
		queue = 0;
	rc = __dev_direct_xmit(skb, queue);
	if (rc == NETDEV_TX_BUSY) {
		ctx->tx_pending = t;
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_busy);
		queue_delayed_work(zcnet_wq, &ctx->tx_retry, 1);
		return ZCNET_TX_STOP;
	}
	t->skb = NULL;
	if (rc == NETDEV_TX_OK || rc == NET_XMIT_CN) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_frames);
		zcnet_stat_add(&ctx->stats, ZCNET_STAT_tx_bytes, len);
	} else {
		t->result = netif_running(dev) && netif_carrier_ok(dev) ?
			    -ENOBUFS : -ENETDOWN;
	}
	zcnet_txbuf_put(t);
	return ZCNET_TX_QUEUED;
}

/* A checked descriptor for the bound device; takes over the region ref. */
enum zcnet_tx_verdict zcnet_xmit_frame(struct zcnet_ctx *ctx,
				       const struct zcnet_tx_desc *d,
				       struct zcnet_region *r, s32 *result)
{
	struct net_device *dev = ctx->tx_dev;
	struct zcnet_txbuf *t;

	lockdep_assert_held(&ctx->tx_lock);
	if (!dev)
		*result = -ENXIO;
	else if (d->len < dev->hard_header_len ||
		 d->len > dev->mtu + dev->hard_header_len)
		*result = -EINVAL;
	else
		*result = 0;
	if (*result) {
		zcnet_region_put(r);
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
		return ZCNET_TX_DONE;
	}
	t = zcnet_txbuf_alloc(ctx, r, d->cookie, d->len);
	if (!t) {
		zcnet_region_put(r);
		*result = -ENOMEM;
		return ZCNET_TX_DONE;
	}
	t->skb = zcnet_xmit_build(ctx, dev, d, t);
	if (!t->skb) {
		t->result = -ENOMEM;
		zcnet_txbuf_put(t);
		return ZCNET_TX_QUEUED;
	}
	return zcnet_xmit_send(ctx, t);
}

/* Retries a frame a busy queue refused; true while it is still refused. */
bool zcnet_xmit_blocked(struct zcnet_ctx *ctx)
{
	struct zcnet_txbuf *t = ctx->tx_pending;

	lockdep_assert_held(&ctx->tx_lock);
	if (!t)
		return false;
	ctx->tx_pending = NULL;
	return zcnet_xmit_send(ctx, t) == ZCNET_TX_STOP;
}

/* The device is going away or the context unbinds. */
void zcnet_xmit_drop_pending(struct zcnet_ctx *ctx, int err)
{
	struct zcnet_txbuf *t = ctx->tx_pending;

	lockdep_assert_held(&ctx->tx_lock);
	if (!t)
		return;
	ctx->tx_pending = NULL;
	t->result = err;
	kfree_skb(t->skb);
	t->skb = NULL;
	zcnet_txbuf_put(t);
}

void zcnet_xmit_retry_work(struct work_struct *work)
{
	struct zcnet_ctx *ctx = container_of(to_delayed_work(work),
					     struct zcnet_ctx, tx_retry);

	mutex_lock(&ctx->tx_lock);
	if (ctx->tx_pending)
		zcnet_tx_consume(ctx, 0);
	mutex_unlock(&ctx->tx_lock);
}
