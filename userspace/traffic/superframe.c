// SPDX-License-Identifier: GPL-2.0-only
/* Raw super-frames with a virtio_net_hdr: build and check (superframe.h). */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "superframe.h"

#define ETH_LEN		14
#define IP_LEN		20
#define UDP_LEN		8
#define TCP_LEN		20
#define L4_OFF		(ETH_LEN + IP_LEN)

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

static uint32_t get16le(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

/* The Internet checksum's sum of n bytes (big-endian words), unfolded. */
static uint64_t sum(const uint8_t *p, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

size_t sf_hdr_len(uint8_t proto)
{
	return proto == IPPROTO_UDP ? L4_OFF + UDP_LEN :
	       proto == IPPROTO_TCP ? L4_OFF + TCP_LEN : 0;
}

uint8_t sf_gso_type(uint8_t proto)
{
	return proto == IPPROTO_UDP ? SF_GSO_UDP_L4 : SF_GSO_TCPV4;
}

uint32_t sf_payload_len(const struct sf_spec *s)
{
	size_t h = sf_hdr_len(s->proto);

	return s->frame_len > h ? (uint32_t)(s->frame_len - h) : 0;
}

uint32_t sf_segments(const struct sf_spec *s)
{
	uint32_t p = sf_payload_len(s);

	return s->gso_size ? (p + s->gso_size - 1) / s->gso_size : 0;
}

uint32_t sf_max_gso(uint8_t proto, uint32_t mtu)
{
	size_t h = sf_hdr_len(proto) - ETH_LEN;

	return h && mtu > h ? (uint32_t)(mtu - h) : 0;
}

const char *sf_check(const struct sf_spec *s, uint32_t mtu, char *buf,
		     size_t size)
{
	size_t h = sf_hdr_len(s->proto);
	const char *name = s->proto == IPPROTO_UDP ? "UDP" : "TCP";
	uint32_t segs = sf_segments(s);

	if (!h)
		snprintf(buf, size, "a super-frame carries UDP or TCP");
	else if (s->frame_len > SF_MAX_FRAME)
		snprintf(buf, size, "a super-frame is at most %u bytes including "
			 "its %zu bytes of Ethernet, IPv4 and %s headers (-s %u)",
			 SF_MAX_FRAME, h, name, s->frame_len);
	else if (!s->gso_size)
		snprintf(buf, size, "a super-frame needs a segment size");
	else if (s->gso_size > sf_max_gso(s->proto, mtu))
		snprintf(buf, size, "a %s segment of %u bytes of payload does "
			 "not fit the MTU %u (at most %u)", name, s->gso_size,
			 mtu, sf_max_gso(s->proto, mtu));
	else if (segs < 2)
		snprintf(buf, size, "a %u-byte super-frame holds %u bytes of "
			 "%s payload, not more than one %u-byte segment: it "
			 "needs at least two", s->frame_len, sf_payload_len(s),
			 name, s->gso_size);
	else if (s->proto == IPPROTO_UDP && segs > SF_USO_MAX_SEGS)
		snprintf(buf, size, "a UDP super-frame is at most %u segments: "
			 "%u bytes make %u of %u bytes", SF_USO_MAX_SEGS,
			 s->frame_len, segs, s->gso_size);
	else
		return NULL;
	return buf;
}

uint16_t sf_pseudo_seed(uint32_t saddr, uint32_t daddr, uint8_t proto,
			uint32_t l4_len)
{
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = proto;
	be16(ph + 10, l4_len);
	return fold(sum(ph, sizeof(ph), 0));
}

void sf_write(void *buf, const struct sf_spec *s, uint32_t tcp_seq)
{
	uint8_t *v = buf, *f = v + SF_VNET_LEN, *ip = f + ETH_LEN;
	uint8_t *l4 = ip + IP_LEN;
	uint32_t l4_len = s->frame_len - L4_OFF;
	bool udp = s->proto == IPPROTO_UDP;

	v[0] = SF_F_NEEDS_CSUM;
	v[1] = sf_gso_type(s->proto);
	le16(v + 2, (uint32_t)sf_hdr_len(s->proto));
	le16(v + 4, s->gso_size);
	le16(v + 6, L4_OFF);
	le16(v + 8, udp ? 6 : 16);

	memcpy(f, s->dst_mac, 6);
	memcpy(f + 6, s->src_mac, 6);
	be16(f + 12, 0x0800);

	memset(ip, 0, IP_LEN);
	ip[0] = 0x45;
	be16(ip + 2, s->frame_len - ETH_LEN);
	be16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	be16(ip + 10, (uint16_t)~fold(sum(ip, IP_LEN, 0)));

	be16(l4, s->sport);
	be16(l4 + 2, s->dport);
	if (udp) {
		be16(l4 + 4, l4_len);
		be16(l4 + 6, sf_pseudo_seed(s->saddr, s->daddr, s->proto,
					    l4_len));
		return;
	}
	memset(l4 + 4, 0, TCP_LEN - 4);
	be32(l4 + 4, tcp_seq);
	be32(l4 + 8, 1);			/* ack_seq */
	l4[12] = (TCP_LEN / 4) << 4;
	l4[13] = 0x10;				/* ACK */
	be16(l4 + 14, 0xffff);			/* window */
	be16(l4 + 16, sf_pseudo_seed(s->saddr, s->daddr, s->proto, l4_len));
}

void sf_set_tcp_seq(void *buf, uint32_t tcp_seq)
{
	be32((uint8_t *)buf + SF_VNET_LEN + L4_OFF + 4, tcp_seq);
}

const char *sf_verify(const void *pkt, size_t len, struct sf_seen *seen)
{
	const uint8_t *v = pkt, *f = v + SF_VNET_LEN, *ip = f + ETH_LEN, *l4;
	uint32_t ihl, tot, l4_len, hl, start, off, seed, saddr, daddr;
	size_t flen;

	memset(seen, 0, sizeof(*seen));
	if (len < SF_VNET_LEN + L4_OFF)
		return "shorter than the IPv4 header";
	flen = len - SF_VNET_LEN;
	if (get16(f + 12) != 0x0800 || ip[0] >> 4 != 4)
		return "not IPv4";
	ihl = (ip[0] & 15) * 4u;
	tot = get16(ip + 2);
	if (ihl < IP_LEN || tot != flen - ETH_LEN || tot < ihl)
		return "IPv4 header or total length wrong";
	if (fold(sum(ip, ihl, 0)) != 0xffff)
		return "IPv4 header checksum wrong";
	seen->proto = ip[9];
	l4 = ip + ihl;
	l4_len = tot - ihl;
	if (seen->proto == IPPROTO_UDP) {
		if (l4_len < UDP_LEN || get16(l4 + 4) != l4_len)
			return "UDP length wrong";
		hl = UDP_LEN;
		off = 6;
	} else if (seen->proto == IPPROTO_TCP) {
		hl = (l4[12] >> 4) * 4u;
		if (l4_len < TCP_LEN || hl < TCP_LEN || hl > l4_len)
			return "TCP header length wrong";
		seen->tcp_seq = get32(l4 + 4);
		off = 16;
	} else {
		return "neither UDP nor TCP";
	}
	seen->dport = (uint16_t)get16(l4 + 2);
	seen->payload = l4_len - hl;
	seen->segments = v[1] != SF_GSO_NONE && get16le(v + 4) ?
		(seen->payload + get16le(v + 4) - 1) / get16le(v + 4) : 1;
	if (!seen->segments)
		seen->segments = 1;
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	seed = sf_pseudo_seed(saddr, daddr, seen->proto, l4_len);
	if (v[0] & SF_F_NEEDS_CSUM) {
		start = get16le(v + 6);
		if (start != ETH_LEN + ihl || get16le(v + 8) != off)
			return "csum_start or csum_offset wrong";
		/* 0 and 0xffff are one value in ones' complement */
		if (fold(get16(l4 + off)) % 0xffff != seed % 0xffff)
			return "pseudo-header checksum seed wrong";
		return NULL;
	}
	if (seen->proto == IPPROTO_UDP && !get16(l4 + 6))
		return NULL;			/* no checksum */
	if (fold(sum(l4, l4_len, seed)) != 0xffff)
		return "L4 checksum wrong";
	return NULL;
}
