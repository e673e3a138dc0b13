/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw super-frames with offloads: a struct virtio_net_hdr, then Ethernet,
 * IPv4 and UDP (USO) or TCP (TSO) headers and a payload that the device or
 * the kernel cuts into segments of gso_size bytes each. Written by the
 * senders of zcnet-send --gso and zcnet-bench (zcnet ZCNET_TX_VNET_HDR,
 * AF_PACKET PACKET_VNET_HDR: the same bytes), checked by the bench's sink.
 *
 *   offset           size  field
 *        0             10  virtio_net_hdr, little endian: flags NEEDS_CSUM,
 *                          gso_type, hdr_len, gso_size, csum_start,
 *                          csum_offset
 *       10             14  Ethernet, ethertype 0x0800
 *       24             20  IPv4, DF, id 0, TTL 64, header checksum
 *       44          8 | 20 UDP, or TCP with ACK and no options
 *  44 + L4              -  payload
 *
 * The L4 checksum field holds the pseudo-header sum (addresses, protocol,
 * L4 length of the whole super-frame), not complemented: what the device
 * completes, and what segmenting adjusts for each segment's length.
 */
#ifndef ZCNET_SUPERFRAME_H
#define ZCNET_SUPERFRAME_H

#include <stddef.h>
#include <stdint.h>

#define SF_VNET_LEN	10	/* struct virtio_net_hdr */
#define SF_MAX_FRAME	65535	/* Ethernet header to the end */
#define SF_USO_MAX_SEGS	128	/* USO: the kernel's UDP_MAX_SEGMENTS */

/* virtio_net_hdr values (linux/virtio_net.h; UDP_L4 is not in 6.1's) */
#define SF_F_NEEDS_CSUM	1
#define SF_F_DATA_VALID	2
#define SF_GSO_NONE	0
#define SF_GSO_TCPV4	1
#define SF_GSO_UDP_L4	5

struct sf_spec {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t saddr, daddr;	/* IPv4, network byte order */
	uint16_t sport, dport;
	uint8_t proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	uint16_t gso_size;	/* payload bytes per segment */
	uint32_t frame_len;	/* Ethernet header to the end */
};

/* Ethernet + IPv4 + L4 header bytes (42 UDP, 54 TCP), 0 for others. */
size_t sf_hdr_len(uint8_t proto);
/* The gso_type for proto (SF_GSO_UDP_L4 or SF_GSO_TCPV4). */
uint8_t sf_gso_type(uint8_t proto);
uint32_t sf_payload_len(const struct sf_spec *s);
/* Segments on the wire: the payload in pieces of gso_size. */
uint32_t sf_segments(const struct sf_spec *s);
/* The largest gso_size whose segments fit an MTU. */
uint32_t sf_max_gso(uint8_t proto, uint32_t mtu);

/*
 * NULL when s makes a valid super-frame for a device of this MTU, else a
 * message that says why: protocol, size (at most 65,535 bytes with the
 * headers), a segment above the MTU, fewer than two segments, more than
 * SF_USO_MAX_SEGS for UDP.
 */
const char *sf_check(const struct sf_spec *s, uint32_t mtu, char *buf,
		     size_t size);

/* The pseudo-header sum of the L4 checksum field, l4_len bytes of L4. */
uint16_t sf_pseudo_seed(uint32_t saddr, uint32_t daddr, uint8_t proto,
			uint32_t l4_len);

/*
 * The virtio_net_hdr and every header into buf (SF_VNET_LEN + header
 * bytes); the payload after them is the caller's. tcp_seq: the sequence
 * number of the first payload byte (TCP).
 */
void sf_write(void *buf, const struct sf_spec *s, uint32_t tcp_seq);
/* Only the TCP sequence number of a super-frame that sf_write() wrote. */
void sf_set_tcp_seq(void *buf, uint32_t tcp_seq);

/* What sf_verify() found in one received packet. */
struct sf_seen {
	uint32_t segments;	/* on the wire: 1, or the GSO packet's */
	uint32_t payload;	/* L4 payload bytes */
	uint32_t tcp_seq;
	uint16_t dport;
	uint8_t proto;
};

/*
 * Check a packet as a packet socket with PACKET_VNET_HDR receives it
 * (virtio_net_hdr, then the frame; len bytes): IPv4 header and its
 * checksum, lengths, and the L4 checksum: the seed when the header says
 * NEEDS_CSUM, else the whole sum. NULL when it holds, else why.
 */
const char *sf_verify(const void *pkt, size_t len, struct sf_seen *seen);

#endif
