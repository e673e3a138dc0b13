// SPDX-License-Identifier: GPL-2.0
/* Raw frames with a virtio_net_hdr: its checks and the offloads it asks for. */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/virtio_net.h>

#include "zcnet_region.h"
#include "zcnet_tx_vnet.h"

#define ZCNET_VNET_TYPES	(BIT(VIRTIO_NET_HDR_GSO_NONE) |		\
				 BIT(VIRTIO_NET_HDR_GSO_TCPV4) |	\
				 BIT(VIRTIO_NET_HDR_GSO_UDP) |		\
				 BIT(VIRTIO_NET_HDR_GSO_TCPV6) |	\
				 BIT(ZCNET_VNET_GSO_UDP_L4))

/* zcnet_info.tx_vnet_gso: the same on both kernels (zcnet_compat.h). */
u32 zcnet_tx_vnet_gso_types(void)
{
	return ZCNET_VNET_TYPES;
}

static bool zcnet_tx_vnet_is_tcp(u32 type)
{
	return type == VIRTIO_NET_HDR_GSO_TCPV4 ||
	       type == VIRTIO_NET_HDR_GSO_TCPV6;
}

/*
 * Reads the header once (the user may rewrite it meanwhile) and checks
 * what needs no skb, as AF_PACKET does; the frame is the len bytes after
 * it. Returns how many bytes of headers to copy into the skb, or -EINVAL.
 */
int zcnet_tx_vnet_read(const struct zcnet_region *r, u64 offset, u32 len,
		       struct virtio_net_hdr *h)
{
	u32 type, hdr_len, end;

	zcnet_region_copy(r, offset, h, sizeof(*h));
	type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return -EINVAL;
	if (type >= BITS_PER_TYPE(u32) || !(BIT(type) & ZCNET_VNET_TYPES))
		return -EINVAL;
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN && !zcnet_tx_vnet_is_tcp(type))
		return -EINVAL;
	if (!type != !h->gso_size)
		return -EINVAL;
	/* IP fragment offsets count 8-byte units. */
	if (type == VIRTIO_NET_HDR_GSO_UDP &&
	    __virtio16_to_cpu(true, h->gso_size) % 8)
		return -EINVAL;
	hdr_len = __virtio16_to_cpu(true, h->hdr_len);
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		end = __virtio16_to_cpu(true, h->csum_start) +
		      __virtio16_to_cpu(true, h->csum_offset) + sizeof(__sum16);
		if (end > len)
			return -EINVAL;
		hdr_len = max(hdr_len, end);
	}
	return hdr_len > len ? -EINVAL : hdr_len;
}

/* The network and transport headers are what gso_type says they are. */
static int zcnet_tx_vnet_check_gso(struct sk_buff *skb, u32 type, u32 head)
{
	u8 proto = zcnet_tx_vnet_is_tcp(type) ? IPPROTO_TCP : IPPROTO_UDP;
	u32 nhlen, thlen;

	if (skb->protocol == htons(ETH_P_IP) &&
	    type != VIRTIO_NET_HDR_GSO_TCPV6) {
		if (!pskb_may_pull(skb, head + sizeof(struct iphdr)))
			return -EINVAL;
		nhlen = ip_hdr(skb)->ihl * 4;
		if (ip_hdr(skb)->version != 4 || nhlen < sizeof(struct iphdr) ||
		    ip_hdr(skb)->protocol != proto)
			return -EINVAL;
	} else if (skb->protocol == htons(ETH_P_IPV6) &&
		   type != VIRTIO_NET_HDR_GSO_TCPV4 &&
		   type != VIRTIO_NET_HDR_GSO_UDP) {
		if (!pskb_may_pull(skb, head + sizeof(struct ipv6hdr)))
			return -EINVAL;
		nhlen = sizeof(struct ipv6hdr);
		if (ipv6_hdr(skb)->version != 6 || ipv6_hdr(skb)->nexthdr != proto)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (!skb_transport_header_was_set(skb) ||
	    skb_transport_offset(skb) != head + nhlen)
		return -EINVAL;
	/*
	 * All of the headers into the skb now, options too: a pull by the
	 * segmentation later would look like a copy of the user's pages.
	 */
	thlen = sizeof(struct udphdr);
	if (proto == IPPROTO_TCP) {
		if (!pskb_may_pull(skb, head + nhlen + sizeof(struct tcphdr)))
			return -EINVAL;
		thlen = tcp_hdrlen(skb);
		if (thlen < sizeof(struct tcphdr))
			return -EINVAL;
	}
	return pskb_may_pull(skb, head + nhlen + thlen) ? 0 : -EINVAL;
}

/*
 * Sets up the skb's checksum and segmentation offloads from the header.
 * head is the link-layer header's length; each segment, with its headers,
 * must fit the MTU.
 */
int zcnet_tx_vnet_apply(struct sk_buff *skb, const struct virtio_net_hdr *h,
			u32 head, u32 mtu)
{
	u32 type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	if (zcnet_vnet_hdr_to_skb(skb, h))
		return -EINVAL;
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    skb_checksum_start_offset(skb) < head)
		return -EINVAL;
	if (!skb_is_gso(skb))
		return 0;
	if (zcnet_tx_vnet_check_gso(skb, type, head))
		return -EINVAL;
	return skb_gso_validate_network_len(skb, mtu) ? 0 : -EINVAL;
}
