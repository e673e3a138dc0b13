// SPDX-License-Identifier: GPL-2.0
/* Receive: frames a context's rule takes, copied into its FILL buffers. */
#include <linux/highmem.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>
#include <net/ip.h>

#include "zcnet_ctx.h"
#include "zcnet_event.h"
#include "zcnet_fault.h"
#include "zcnet_region.h"
#include "zcnet_rx.h"
#include "zcnet_rx_dev.h"
#include "zcnet_rx_poll.h"
#include "zcnet_rx_wake.h"
#include "zcnet_trace.h"

/* Rejected fill descriptors skipped for one frame before it is dropped. */
#define ZCNET_RX_FILL_TRIES	16

static bool zcnet_rx_udp_to(const struct sk_buff *skb, __be16 port)
{
	struct udphdr _uh, *uh;
	unsigned int off;

	if (skb->protocol == htons(ETH_P_IP)) {
		struct iphdr _iph, *iph;

		iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
		if (!iph || iph->ihl < 5 || iph->protocol != IPPROTO_UDP ||
		    ip_is_fragment(iph))
			return false;
		off = iph->ihl * 4;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		struct ipv6hdr _ip6, *ip6;

		ip6 = skb_header_pointer(skb, 0, sizeof(_ip6), &_ip6);
		if (!ip6 || ip6->nexthdr != IPPROTO_UDP)
			return false;
		off = sizeof(*ip6);
	} else {
		return false;
	}
	/* UFO: on the wire these are IP fragments, which do not match. */
	if (skb_is_gso(skb) && (skb_shinfo(skb)->gso_type & SKB_GSO_UDP))
		return false;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	return uh && uh->dest == port;
}

bool zcnet_rx_match(const struct zcnet_kctx *ctx, const struct sk_buff *skb)
{
	switch (ctx->rx_match) {
	case ZCNET_RX_MATCH_ALL:
		return true;
	case ZCNET_RX_MATCH_ETHERTYPE:
		return skb->protocol == ctx->rx_ethertype;
	case ZCNET_RX_MATCH_UDP:
		return zcnet_rx_udp_to(skb, ctx->rx_port);
	}
	return false;
}

/* One read of every field: the user may rewrite the slot meanwhile. */
static void zcnet_fill_desc_read(const struct zcnet_fill_desc *slot,
				 struct zcnet_fill_desc *f)
{
	f->offset = READ_ONCE(slot->offset);
	f->len = READ_ONCE(slot->len);
	f->region = READ_ONCE(slot->region);
	f->flags = READ_ONCE(slot->flags);
}

/* The next usable fill buffer, skipping rejected ones; RCU read side. */
static struct zcnet_region *zcnet_rx_next_buf(struct zcnet_kctx *ctx,
					      struct zcnet_fill_desc *f)
{
	struct zcnet_kring *fill = ctx->rings[ZCNET_RING_FILL];
	struct zcnet_region *r;
	int tries;
	u32 n;

	for (tries = 0; tries < ZCNET_RX_FILL_TRIES; tries++) {
		if (zcnet_kring_cons_peek(fill, 1, &n)) {
			zcnet_stat_inc(&ctx->stats, ZCNET_STAT_ring_errors);
			return NULL;
		}
		if (!n)
			return NULL;
		zcnet_fill_desc_read(zcnet_kring_slot(fill, fill->cached_cons), f);
		zcnet_kring_cons_release(fill, 1);
		r = zcnet_region_lookup(ctx, f->region);
		if (!zcnet_fill_check(r, f->offset, f->len, f->flags))
			return r;
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_fill_rejected);
	}
	return NULL;
}

static int zcnet_rx_copy(const struct zcnet_region *r, u64 offset,
			 const struct sk_buff *skb, int skb_off, u32 len)
{
	void *dst;
	u32 n;
	int err;

	while (len) {
		n = min_t(u32, len, PAGE_SIZE - offset_in_page(offset));
		dst = kmap_local_page(r->pin.pages[offset >> PAGE_SHIFT]);
		err = skb_copy_bits(skb, skb_off, dst + offset_in_page(offset),
				    n);
		kunmap_local(dst);
		if (err)
			return err;
		offset += n;
		skb_off += n;
		len -= n;
	}
	return 0;
}

static void zcnet_rx_write(const struct zcnet_region *r, u64 offset,
			   const void *src, u32 len)
{
	void *dst;
	u32 n;

	while (len) {
		n = min_t(u32, len, PAGE_SIZE - offset_in_page(offset));
		dst = kmap_local_page(r->pin.pages[offset >> PAGE_SHIFT]);
		memcpy(dst + offset_in_page(offset), src, n);
		kunmap_local(dst);
		offset += n;
		src += n;
		len -= n;
	}
}

/*
 * A frame whose checksum the sender left to offload (CHECKSUM_PARTIAL, as
 * virtio delivers frames from a guest on the same host) gets it finished in
 * the copy, as skb_checksum_help() would: user space sees a valid packet.
 * An SCTP CRC32c is left as the sender put it.
 */
static void zcnet_rx_csum(const struct zcnet_region *r, u64 offset,
			  struct sk_buff *skb, int mac_off, u32 len)
{
	int start = skb_checksum_start_offset(skb);
	u32 at = start - mac_off + skb->csum_offset;
	__sum16 sum;

	if (skb_csum_is_sctp(skb) || start < 0 || start > skb->len ||
	    (u64)at + sizeof(sum) > len)
		return;
	sum = csum_fold(skb_checksum(skb, start, skb->len - start, 0));
	if (!sum)
		sum = CSUM_MANGLED_0;
	zcnet_rx_write(r, offset + at, &sum, sizeof(sum));
}

/*
 * The longest frame the device can have received off the wire: its MTU and
 * link-layer header, and a VLAN tag when one is still in the frame, and
 * the FCS when the device keeps it (rx-fcs).
 */
static u32 zcnet_rx_max_len(const struct sk_buff *skb)
{
	const struct net_device *dev = skb->dev;
	u32 max = READ_ONCE(dev->mtu) + dev->hard_header_len;

	if (eth_type_vlan(skb->protocol))
		max += VLAN_HLEN;
	if (READ_ONCE(dev->features) & NETIF_F_RXFCS)
		max += ETH_FCS_LEN;
	return max;
}

/* Where the frame starts relative to skb->data: its link-layer header. */
static int zcnet_rx_mac_off(const struct sk_buff *skb)
{
	return skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
}

/*
 * Copies one wire frame, link-layer header included, into the next buffer.
 * Caller holds rx_lock, so the frames of one packet take buffers in order.
 * The frame is at most zcnet_rx_max_len() long.
 */
static void zcnet_rx_deliver(struct zcnet_kctx *ctx, struct sk_buff *skb,
			     u64 tstamp)
{
	struct zcnet_kring *rx = ctx->rings[ZCNET_RING_RX];
	int mac_off = zcnet_rx_mac_off(skb);
	u32 frame_len = skb->len - mac_off;
	struct zcnet_fill_desc f;
	struct zcnet_rx_desc *d;
	struct zcnet_region *r;
	u32 room, len;

	lockdep_assert_held(&ctx->rx_lock);
	zcnet_rx_poll_note(ctx, skb);
	if (zcnet_kring_prod_free(rx, &room)) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_ring_errors);
		room = 0;
	}
	r = room ? zcnet_rx_next_buf(ctx, &f) : NULL;
	len = r ? min(frame_len, f.len) : 0;
	if (!r || zcnet_rx_copy(r, f.offset, skb, mac_off, len)) {
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_drop_nobuf);
		trace_zcnet_rx_drop(ctx->id, skb->skb_iif, frame_len,
				    ZCNET_RX_DROP_NOBUF);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		zcnet_rx_csum(r, f.offset, skb, mac_off, len);
	d = zcnet_kring_slot(rx, rx->cached_prod);
	d->offset = f.offset;
	d->buf_len = f.len;
	d->region = f.region;
	d->flags = ZCNET_RX_COPIED | (len < frame_len ? ZCNET_RX_TRUNCATED : 0);
	d->data = 0;
	d->len = len;
	d->frame_len = frame_len;
	d->reserved = 0;
	if (ctx->rx_tstamp) {
		container_of(d, struct zcnet_rx_desc_ts, rx)->tstamp = tstamp;
		d->flags |= ZCNET_RX_TSTAMP_SW;
	}
	WRITE_ONCE(rx->cached_prod, rx->cached_prod + 1);
	zcnet_kring_prod_submit(rx);

	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_frames);
	zcnet_stat_add(&ctx->stats, ZCNET_STAT_rx_bytes, frame_len);
	if (len < frame_len)
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_truncated);
}

/*
 * GRO, and a host that hands virtio-net a GSO packet, make one skb of many
 * wire frames. It is split back into them, as openvswitch splits on its
 * receive path: data back at the link-layer header, a writable copy of the
 * headers, and segments whose checksums are left partial for the copy to
 * finish. A packet that cannot be split is dropped whole, never delivered
 * in part. Returns the frames as a list, or NULL.
 */
static struct sk_buff *zcnet_rx_split(struct zcnet_kctx *ctx,
				      struct sk_buff *skb)
{
	struct sk_buff *segs = ERR_PTR(-EINVAL);
	int iif = skb->skb_iif;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		goto drop;
	if (skb->ip_summed != CHECKSUM_NONE && skb_mac_header_was_set(skb) &&
	    skb_mac_offset(skb) <= 0 && !zcnet_fault_rx_split() &&
	    !skb_cow_head(skb, 0)) {
		__skb_push(skb, skb->data - skb_mac_header(skb));
		segs = __skb_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM,
					 false);
	}
	if (!segs)		/* a single segment: already one frame */
		return skb;
	if (IS_ERR(segs)) {
		kfree_skb(skb);
		goto drop;
	}
	consume_skb(skb);
	return segs;
drop:
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_drop_split);
	trace_zcnet_rx_drop(ctx->id, iif, 0, ZCNET_RX_DROP_SPLIT);
	return NULL;
}

/*
 * A frame longer than the wire allows is dropped, and with it every frame
 * of its packet (a host's gso_size above our MTU), so that none of the
 * packet is delivered in part. Frees the list when it returns false.
 */
static bool zcnet_rx_fits(struct zcnet_kctx *ctx, struct sk_buff *skb)
{
	struct sk_buff *seg, *next;

	for (seg = skb; seg; seg = seg->next)
		if (seg->len - zcnet_rx_mac_off(seg) > zcnet_rx_max_len(seg))
			break;
	if (!seg)
		return true;
	zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_drop_size);
	trace_zcnet_rx_drop(ctx->id, seg->skb_iif,
			    seg->len - zcnet_rx_mac_off(seg), ZCNET_RX_DROP_SIZE);
	for (seg = skb; seg; seg = next) {
		next = seg->next;
		skb_mark_not_on_list(seg);
		kfree_skb(seg);
	}
	return false;
}

/*
 * Softirq, RCU read side. Takes a frame the context's rule matched. The
 * receive stamp is taken first, once for every frame split from the
 * packet; skb->tstamp would count CLOCK_REALTIME, and only when something
 * asked the stack to stamp.
 */
void zcnet_rx_take(struct zcnet_kctx *ctx, struct sk_buff *skb)
{
	u64 tstamp = ctx->rx_tstamp ? ktime_get_ns() : 0;
	struct sk_buff *next;

	if (skb_is_gso(skb))
		skb = zcnet_rx_split(ctx, skb);
	if (!skb || !zcnet_rx_fits(ctx, skb))
		return;
	spin_lock(&ctx->rx_lock);
	for (; skb; skb = next) {
		next = skb->next;
		skb_mark_not_on_list(skb);
		zcnet_rx_deliver(ctx, skb, tstamp);
		consume_skb(skb);
	}
	spin_unlock(&ctx->rx_lock);
	tasklet_schedule(&ctx->rx_tasklet);
}

/*
 * One RX eventfd signal per softirq batch, if the RX ring moved and
 * zcnet_rx_wake_hold() lets it.
 */
void zcnet_rx_tasklet(struct tasklet_struct *t)
{
	struct zcnet_kctx *ctx = from_tasklet(ctx, t, rx_tasklet);
	u32 prod = READ_ONCE(ctx->rings[ZCNET_RING_RX]->published_prod);

	if (zcnet_rx_wake_hold(ctx, prod - ctx->rx_signalled))
		return;
	ctx->rx_signalled = prod;
	zcnet_event_signal(ctx, ZCNET_EVENTFD_RX);
	wake_up_interruptible_poll(&ctx->wq, EPOLLIN | EPOLLRDNORM);
}

static int zcnet_rx_steering(struct zcnet_kctx *ctx, const struct zcnet_bind *b)
{
	switch (b->rx_match) {
	case ZCNET_RX_MATCH_ALL:
		if (b->rx_ethertype || b->rx_port)
			return -EINVAL;
		break;
	case ZCNET_RX_MATCH_ETHERTYPE:
		if (!b->rx_ethertype || b->rx_port)
			return -EINVAL;
		break;
	case ZCNET_RX_MATCH_UDP:
		if (b->rx_ethertype || !b->rx_port)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	ctx->rx_match = b->rx_match;
	ctx->rx_ethertype = htons(b->rx_ethertype);
	ctx->rx_port = htons(b->rx_port);
	return 0;
}

/* RTNL held. */
int zcnet_rx_bind(struct zcnet_kctx *ctx, struct net_device *dev,
		  const struct zcnet_bind *b)
{
	int err;

	ASSERT_RTNL();
	if (!zcnet_kctx_ring(ctx, ZCNET_RING_FILL) ||
	    !zcnet_kctx_ring(ctx, ZCNET_RING_RX))
		return -ENXIO;
	if (ctx->rx_dev)
		return -EBUSY;
	if ((b->flags & ZCNET_BIND_RX_QUEUE) &&
	    b->rx_queue >= dev->real_num_rx_queues)
		return -EINVAL;
	err = zcnet_rx_steering(ctx, b);
	if (err)
		return err;
	ctx->rx_queue = b->flags & ZCNET_BIND_RX_QUEUE ? b->rx_queue :
			ZCNET_QUEUE_ANY;
	WRITE_ONCE(ctx->rx_napi_id, 0);		/* another device's NAPI */
	err = zcnet_rx_dev_add(ctx, dev);
	if (err)
		return err;
	netdev_hold(dev, &ctx->rx_dev_tracker, GFP_KERNEL);
	WRITE_ONCE(ctx->rx_dev, dev);
	WRITE_ONCE(ctx->rx_ifindex, dev->ifindex);
	return 0;
}

/*
 * RTNL held. No handler runs for ctx once this returns. rx_dev is cleared
 * a grace period (zcnet_rx_dev_del()) before the device's reference goes,
 * for fdinfo, which reads it under RCU alone.
 */
void zcnet_rx_unbind(struct zcnet_kctx *ctx)
{
	struct net_device *dev = ctx->rx_dev;

	ASSERT_RTNL();
	WRITE_ONCE(ctx->rx_dev, NULL);
	WRITE_ONCE(ctx->rx_ifindex, 0);
	zcnet_rx_dev_del(ctx, dev);
	netdev_put(dev, &ctx->rx_dev_tracker);
}
