// SPDX-License-Identifier: GPL-2.0
/* Raw frame transmit: skbs built on region pages, handed to the driver. */
#include <linux/bottom_half.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>

#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_trace.h"
#include "zcnet_tx_buf.h"
#include "zcnet_tx_raw.h"
#include "zcnet_tx_vnet.h"

/*
 * A raw frame's last reference went: its completion says whether the stack
 * or the driver copied it, and counts it. Any context; must not sleep.
 */
static void zcnet_tx_raw_complete(struct sk_buff *skb,
				  struct ubuf_info *uarg, bool success)
{
	struct zcnet_tx_buf *t = container_of(uarg, struct zcnet_tx_buf, ubuf);
	enum zcnet_stat s;
	u32 flags;

	/* Module exit's synchronize_net() waits for this section. */
	rcu_read_lock();
	if (zcnet_tx_buf_unref(t, skb, success)) {
		flags = READ_ONCE(t->copied) ? ZCNET_CQE_COPIED : 0;
		if (t->result < 0)
			s = ZCNET_STAT_tx_dev_errors;
		else
			s = flags ? ZCNET_STAT_tx_copied : ZCNET_STAT_tx_zerocopy;
		if (!t->rejected)
			zcnet_stat_inc(&t->ctx->stats, s);
		zcnet_tx_buf_post(t, flags);
	}
	rcu_read_unlock();
}

const struct zcnet_ubuf_ops zcnet_tx_raw_ops =
	ZCNET_UBUF_OPS_INIT(zcnet_tx_raw_complete);

/*
 * An Ethernet frame may carry an 802.1Q or 802.1ad tag on top of the MTU;
 * AF_PACKET allows it for 802.1Q.
 */
static u32 zcnet_tx_raw_vlan_room(const struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER ? VLAN_HLEN : 0;
}

/*
 * Bytes that go into the skb's linear part, at least head; the rest become
 * page frags.
 */
static u32 zcnet_tx_raw_linear(struct zcnet_kctx *ctx, struct net_device *dev,
			       const struct zcnet_tx_desc *d, u32 head)
{
	u64 frag_off = d->offset + head;

	if (d->len <= READ_ONCE(ctx->tx_copy_threshold) ||
	    head >= d->len || !(dev->features & NETIF_F_SG) ||
	    DIV_ROUND_UP(offset_in_page(frag_off) + d->len - head, PAGE_SIZE) >
	    MAX_SKB_FRAGS)
		return d->len;
	return head;
}

static void zcnet_tx_raw_add_frags(struct sk_buff *skb,
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

/*
 * An skb with room for size bytes, its head from the context's ring
 * (zcnet_tx_head.c) and itself from the per-CPU cache (refilled by skbs
 * freed in NAPI, else in bulk from the slab), or alloc_skb() when the
 * ring or the cache has none.
 */
static struct sk_buff *zcnet_tx_raw_alloc(struct zcnet_kctx *ctx,
					  unsigned int size)
{
	struct sk_buff *skb = NULL;
	void *head = NULL;

	if (SKB_DATA_ALIGN(size) +
	    SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) <= ZCNET_TX_HEAD_SIZE)
		head = zcnet_tx_head_get(&ctx->tx_heads);
	if (head) {
		local_bh_disable();
		skb = napi_build_skb(head, ZCNET_TX_HEAD_SIZE);
		local_bh_enable();
		if (!skb)
			skb_free_frag(head);
	}
	if (!skb)
		skb = alloc_skb(size, GFP_KERNEL);
	return skb;
}

/*
 * The device's header sizes can change under us (tunnels, bridge ports), so
 * the caller reads them once and the skb is built from that one snapshot.
 */
static struct sk_buff *zcnet_tx_raw_build(struct zcnet_kctx *ctx,
					  struct net_device *dev,
					  const struct zcnet_tx_desc *d,
					  struct zcnet_tx_buf *t, u32 head,
					  u32 copy)
{
	u32 linear = zcnet_tx_raw_linear(ctx, dev, d, max(head, copy));
	int hlen = LL_RESERVED_SPACE(dev);
	int tlen = READ_ONCE(dev->needed_tailroom);
	struct sk_buff *skb;

	skb = zcnet_tx_raw_alloc(ctx, hlen + linear + tlen);
	if (!skb)
		return NULL;
	skb_reserve(skb, hlen);
	zcnet_region_copy(t->region, d->offset, skb_put(skb, linear), linear);
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, head);
	skb_reset_mac_len(skb);
	skb->protocol = dev_parse_header_protocol(skb);
	if (linear == d->len) {
		t->copied = true;
		return skb;
	}
	zcnet_tx_raw_add_frags(skb, t->region, d->offset + linear,
			       d->len - linear);
	zcnet_tx_buf_attach(t, skb);
	return skb;
}

/* Bytes of the frame (or of its segments) that are page frags. */
static u64 zcnet_tx_raw_frag_bytes(const struct sk_buff *skb)
{
	u64 n = 0;

	for (; skb; skb = skb->next)
		n += skb->data_len;
	return n;
}

/*
 * A frame the stack's checks would pass unchanged: one plain skb (no
 * segmentation, checksum, VLAN tag, frag list or socket), frags only where
 * the device takes scatter-gather, and a driver whose feature check is
 * none or the pass-through one. Without high memory no page is out of the
 * device's reach. Anything else takes the full checks.
 */
bool zcnet_tx_raw_plain(const struct sk_buff *skb,
			const struct net_device *dev)
{
	const struct net_device_ops *ops = dev->netdev_ops;

	if (IS_ENABLED(CONFIG_HIGHMEM) || skb->next || skb_is_gso(skb) ||
	    skb->ip_summed != CHECKSUM_NONE || skb->encapsulation ||
	    skb_vlan_tagged(skb) || skb_has_frag_list(skb) || skb->sk)
		return false;
	if (skb_shinfo(skb)->nr_frags && !(dev->features & NETIF_F_SG))
		return false;
	return !ops->ndo_features_check ||
	       ops->ndo_features_check == passthru_features_check;
}

/*
 * The stack's last checks before a driver, as for any packet it sends:
 * software segmentation, checksum or linearising for what the device
 * cannot do. A frame may become a list of segments. Segmenting keeps the
 * frags; a frame that lost some was copied (no scatter-gather, or a
 * checksum over frags the user can still change).
 */
static void zcnet_tx_raw_validate(struct zcnet_kctx *ctx,
				  struct net_device *dev)
{
	struct zcnet_tx_buf *t, *tmp;
	bool again = false;
	u64 frags;

	list_for_each_entry_safe(t, tmp, &ctx->tx_pending, node) {
		if (t->validated)
			continue;
		t->validated = true;
		if (zcnet_tx_raw_plain(t->skb, dev))
			continue;
		frags = t->skb->data_len;
		local_bh_disable();
		t->skb = validate_xmit_skb_list(t->skb, dev, &again);
		local_bh_enable();
		if (!t->skb) {
			list_del(&t->node);
			ctx->tx_npending--;
			t->result = -ENOBUFS;
			zcnet_tx_buf_put(t);
			continue;
		}
		if (zcnet_tx_raw_frag_bytes(t->skb) < frags)
			t->copied = true;
	}
}

/* One frame or segment went to the driver, which may have dropped it. */
static void zcnet_tx_raw_sent(struct zcnet_kctx *ctx, struct zcnet_tx_buf *t,
			      unsigned int len, int rc)
{
	if (rc == NETDEV_TX_OK || rc == NET_XMIT_CN)
		zcnet_stat_add(&ctx->stats, ZCNET_STAT_tx_bytes, len);
	else if (t->result >= 0)
		t->result = -ENOBUFS;
}

static void zcnet_tx_raw_drop(struct zcnet_kctx *ctx, int err)
{
	struct zcnet_tx_buf *t, *tmp;

	list_for_each_entry_safe(t, tmp, &ctx->tx_pending, node) {
		list_del(&t->node);
		t->result = err;
		kfree_skb_list(t->skb);
		t->skb = NULL;
		zcnet_tx_buf_put(t);
	}
	ctx->tx_npending = 0;
}

/*
 * Taps see each frame (each segment) once, before the driver does, as
 * dev_queue_xmit.
 */
static void zcnet_tx_raw_taps(struct zcnet_kctx *ctx, struct net_device *dev)
{
	struct zcnet_tx_buf *t;
	struct sk_buff *skb;

	if (!dev_nit_active(dev))
		return;
	rcu_read_lock_bh();
	list_for_each_entry(t, &ctx->tx_pending, node) {
		for (skb = t->skb; skb && !t->tapped; skb = skb->next)
			dev_queue_xmit_nit(skb, dev);
		t->tapped = true;
	}
	rcu_read_unlock_bh();
}

/*
 * Hands the pending frames, segment by segment, to the driver in order
 * under one queue lock, telling it more follow (xmit_more) for all but the
 * last, so it notifies the device once per batch. A frame is done when its
 * last segment went. Returns true while a busy queue holds some back; the
 * retry work sends them later.
 */
bool zcnet_tx_raw_flush(struct zcnet_kctx *ctx)
{
	struct net_device *dev = ctx->tx_dev;
	struct netdev_queue *txq;
	struct sk_buff *skb, *next;
	struct zcnet_tx_buf *t;
	unsigned int len;
	bool busy = false;
	u16 queue;
	int rc;

	lockdep_assert_held(&ctx->tx_lock);
	if (list_empty(&ctx->tx_pending))
		return false;
	if (!netif_running(dev) || !netif_carrier_ok(dev)) {
		zcnet_tx_raw_drop(ctx, -ENETDOWN);
		return false;
	}
	zcnet_tx_raw_validate(ctx, dev);
	zcnet_tx_raw_taps(ctx, dev);
	queue = ctx->tx_queue;
	if (queue >= READ_ONCE(dev->real_num_tx_queues))
		queue = 0;
	txq = netdev_get_tx_queue(dev, queue);

	local_bh_disable();
	HARD_TX_LOCK(dev, txq, smp_processor_id());
	while (!list_empty(&ctx->tx_pending)) {
		if (netif_xmit_frozen_or_drv_stopped(txq)) {
			busy = true;
			break;
		}
		t = list_first_entry(&ctx->tx_pending, struct zcnet_tx_buf,
				     node);
		skb = t->skb;
		next = skb->next;
		skb_mark_not_on_list(skb);
		len = skb->len;
		skb_set_queue_mapping(skb, queue);
		rc = netdev_start_xmit(skb, dev, txq,
				       next || !list_is_singular(&ctx->tx_pending));
		if (rc == NETDEV_TX_BUSY) {
			skb->next = next;
			busy = true;
			break;
		}
		zcnet_tx_raw_sent(ctx, t, len, rc);
		t->skb = next;
		if (next)
			continue;
		list_del(&t->node);
		ctx->tx_npending--;
		if (t->result >= 0)
			zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_frames);
		zcnet_tx_buf_put(t);
	}
	HARD_TX_UNLOCK(dev, txq);
	local_bh_enable();

	if (busy) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_busy);
		trace_zcnet_tx_busy(ctx->id, dev->ifindex, queue,
				    ctx->tx_npending);
		queue_delayed_work(zcnet_wq, &ctx->tx_retry, 1);
	}
	return busy;
}

/* Completes a frame whose skb broke a rule: no copy, rejected at submit. */
static int zcnet_tx_raw_reject(struct zcnet_kctx *ctx, struct zcnet_tx_buf *t)
{
	kfree_skb(t->skb);
	t->skb = NULL;
	t->result = -EINVAL;
	t->rejected = true;
	t->copied = false;
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
	zcnet_tx_buf_put(t);
	return 1;
}

/*
 * The frame of a descriptor: all of it, or what follows its
 * virtio_net_hdr, whose checks say how many bytes of headers to copy
 * (*copy) and how long the frame may be (*max: a super-frame's segments
 * are checked once its skb is built).
 */
static int zcnet_tx_raw_frame(const struct zcnet_tx_desc *d,
			      const struct zcnet_region *r,
			      struct zcnet_tx_desc *f, struct virtio_net_hdr *h,
			      u32 *copy, u32 *max)
{
	int ret;

	*f = *d;
	if (!(d->flags & ZCNET_TX_VNET_HDR))
		return 0;
	if (d->len < sizeof(*h))
		return -EINVAL;
	f->offset += sizeof(*h);
	f->len -= sizeof(*h);
	ret = zcnet_tx_vnet_read(r, d->offset, f->len, h);
	if (ret < 0)
		return ret;
	*copy = ret;
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		*max = ZCNET_TX_VNET_FRAME_MAX;
	return 0;
}

/*
 * Builds the skb for a checked descriptor and queues it on tx_pending.
 * Takes over the region reference. Returns 1 when the frame completes
 * later, 0 when *result is its completion now, or -ENOMEM when its state
 * cannot be allocated and it stays on the ring.
 */
int zcnet_tx_raw_prepare(struct zcnet_kctx *ctx, const struct zcnet_tx_desc *d,
			 struct zcnet_region *r, s32 *result)
{
	struct net_device *dev = ctx->tx_dev;
	struct virtio_net_hdr h = {};
	struct zcnet_tx_desc f;
	struct zcnet_tx_buf *t;
	u32 head = 0, mtu = 0, copy = 0, max = 0;

	lockdep_assert_held(&ctx->tx_lock);
	if (dev) {
		head = READ_ONCE(dev->hard_header_len);
		mtu = READ_ONCE(dev->mtu);
		max = mtu + head + zcnet_tx_raw_vlan_room(dev);
	}
	if (!dev)
		*result = -ENXIO;
	else if (zcnet_tx_raw_frame(d, r, &f, &h, &copy, &max))
		*result = -EINVAL;
	else if (f.len < head || f.len > max)
		*result = -EINVAL;
	else
		*result = 0;
	if (*result) {
		zcnet_region_put(r);
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_tx_rejected);
		return 0;
	}
	t = zcnet_tx_buf_alloc(ctx, r, d->cookie, d->len, &zcnet_tx_raw_ops);
	if (!t) {
		zcnet_region_put(r);
		return -ENOMEM;
	}
	t->skb = zcnet_tx_raw_build(ctx, dev, &f, t, head, copy);
	if (!t->skb) {
		t->result = -ENOMEM;
		zcnet_tx_buf_put(t);
		return 1;
	}
	if ((d->flags & ZCNET_TX_VNET_HDR) &&
	    zcnet_tx_vnet_apply(t->skb, &h, head, mtu))
		return zcnet_tx_raw_reject(ctx, t);
	/* The kernel's copy of the header says whether the tag is there. */
	if (!skb_is_gso(t->skb) && f.len > mtu + head &&
	    (f.len > mtu + head + zcnet_tx_raw_vlan_room(dev) ||
	     !eth_type_vlan(t->skb->protocol)))
		return zcnet_tx_raw_reject(ctx, t);
	list_add_tail(&t->node, &ctx->tx_pending);
	ctx->tx_npending++;
	return 1;
}

/* The device is going away or the context unbinds. */
void zcnet_tx_raw_drop_pending(struct zcnet_kctx *ctx, int err)
{
	lockdep_assert_held(&ctx->tx_lock);
	zcnet_tx_raw_drop(ctx, err);
}
