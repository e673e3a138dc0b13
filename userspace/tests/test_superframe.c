// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw super-frames: the virtio_net_hdr and header fields, lengths, the
 * pseudo-header seed (a known answer, and segments cut and completed as a
 * device does must check out), segment counts and the limits' messages.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "superframe.h"
#include "unit.h"

static uint8_t buf[SF_VNET_LEN + SF_MAX_FRAME + 64];
static uint8_t seg[SF_VNET_LEN + 9216];

static struct sf_spec spec(uint8_t proto, uint32_t len, uint16_t gso)
{
	struct sf_spec s = {
		.dst_mac = { 0x02, 0x7a, 0x63, 0x6e, 0x65, 0x74 },
		.src_mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x01 },
		.sport = 4242, .dport = 5201, .proto = proto,
		.gso_size = gso, .frame_len = len,
	};

	inet_pton(AF_INET, "10.99.0.1", &s.saddr);
	inet_pton(AF_INET, "10.99.0.3", &s.daddr);
	return s;
}

static uint32_t g16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t l16(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += i + 1 < n ? g16(p + i) : (uint32_t)p[i] << 8;
	return s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void test_fields(uint8_t proto)
{
	struct sf_spec s = spec(proto, 65535, proto == IPPROTO_UDP ? 1472 :
				1460);
	size_t h = sf_hdr_len(proto);
	uint8_t *f = buf + SF_VNET_LEN, *ip = f + 14, *l4 = ip + 20;
	struct sf_seen seen;

	CHECK_EQ(h, proto == IPPROTO_UDP ? 42 : 54);
	memset(buf, 0xa5, sizeof(buf));
	sf_write(buf, &s, 1000);
	CHECK_EQ(buf[0], SF_F_NEEDS_CSUM);
	CHECK_EQ(buf[1], proto == IPPROTO_UDP ? 5 : 1);
	CHECK_EQ(l16(buf + 2), h);
	CHECK_EQ(l16(buf + 4), s.gso_size);
	CHECK_EQ(l16(buf + 6), 34);
	CHECK_EQ(l16(buf + 8), proto == IPPROTO_UDP ? 6 : 16);
	CHECK(!memcmp(f, s.dst_mac, 6) && !memcmp(f + 6, s.src_mac, 6));
	CHECK_EQ(g16(f + 12), 0x0800);
	CHECK_EQ(ip[0], 0x45);
	CHECK_EQ(g16(ip + 2), 65535 - 14);
	CHECK_EQ(g16(ip + 6), 0x4000);
	CHECK_EQ(ip[9], proto);
	CHECK_EQ(fold(sum(ip, 20)), 0xffff);
	CHECK_EQ(g16(l4), 4242);
	CHECK_EQ(g16(l4 + 2), 5201);
	CHECK_EQ(f[h], 0xa5);		/* the payload is the caller's */
	if (proto == IPPROTO_UDP) {
		CHECK_EQ(g16(l4 + 4), 65535 - 34);
		/* 10.99.0.1 + 10.99.0.3 + 17 + 65501, folded */
		CHECK_EQ(g16(l4 + 6), 0x14b9);
	} else {
		CHECK_EQ(g16(l4 + 4) << 16 | g16(l4 + 6), 1000);
		CHECK_EQ(l4[12], 0x50);
		CHECK_EQ(l4[13], 0x10);
		CHECK_EQ(g16(l4 + 16), 0x14ae);
		sf_set_tcp_seq(buf, 0xfffffff0u);
		CHECK_EQ(g16(l4 + 4) << 16 | g16(l4 + 6), 0xfffffff0u);
		CHECK_EQ(g16(l4 + 16), 0x14ae);	/* the seed has no seq */
	}
	CHECK_EQ(sf_segments(&s), 45);
	CHECK(sf_verify(buf, SF_VNET_LEN + 65535, &seen) == NULL);
	CHECK_EQ(seen.segments, 45);
	CHECK_EQ(seen.payload, 65535 - h);
	CHECK_EQ(seen.dport, 5201);
	CHECK_EQ(seen.proto, proto);
	l4[proto == IPPROTO_UDP ? 7 : 17] ^= 1;
	CHECK(sf_verify(buf, SF_VNET_LEN + 65535, &seen) != NULL);
	l4[proto == IPPROTO_UDP ? 7 : 17] ^= 1;
	ip[8]--;
	CHECK(sf_verify(buf, SF_VNET_LEN + 65535, &seen) != NULL);
	ip[8]++;
	CHECK(sf_verify(buf, SF_VNET_LEN + 65534, &seen) != NULL);
}

/*
 * Cut a super-frame as USO and TSO do: each segment gets the headers with
 * its own lengths (and TCP sequence number), its seed moved from the
 * super-frame's L4 length to its own, then the device completes the sum.
 * Every segment must then check out without NEEDS_CSUM.
 */
static void test_segments(uint8_t proto, uint32_t len, uint16_t gso)
{
	struct sf_spec s = spec(proto, len, gso);
	size_t h = sf_hdr_len(proto), off;
	uint32_t n = 0, p, l4_len, old_len = len - 34, seed, csum_at;
	struct sf_seen seen;
	uint8_t *l4;

	for (size_t i = 0; i < len - h; i++)
		buf[SF_VNET_LEN + h + i] = (uint8_t)(i * 7 + 3);
	sf_write(buf, &s, 77);
	csum_at = proto == IPPROTO_UDP ? 6 : 16;
	for (off = 0; off < len - h; off += p, n++) {
		p = len - h - off < gso ? (uint32_t)(len - h - off) : gso;
		memcpy(seg, buf, SF_VNET_LEN + h);
		memcpy(seg + SF_VNET_LEN + h, buf + SF_VNET_LEN + h + off, p);
		l4 = seg + SF_VNET_LEN + 34;
		l4_len = (uint32_t)(h - 34 + p);
		put16(seg + SF_VNET_LEN + 16, (uint32_t)(h - 14 + p));
		put16(seg + SF_VNET_LEN + 24, 0);
		put16(seg + SF_VNET_LEN + 24,
		      ~fold(sum(seg + SF_VNET_LEN + 14, 20)) & 0xffff);
		if (proto == IPPROTO_UDP) {
			put16(l4 + 4, l4_len);
		} else {
			uint32_t sq = 77 + (uint32_t)off;

			put16(l4 + 4, sq >> 16);
			put16(l4 + 6, sq);
		}
		seed = fold(g16(l4 + csum_at) + (0xffff - old_len) + l4_len);
		put16(l4 + csum_at, seed);
		CHECK(sf_verify(seg, SF_VNET_LEN + h + p, &seen) == NULL);
		seg[0] = 0;			/* the device's sum */
		put16(l4 + csum_at, ~fold(sum(l4, l4_len)) & 0xffff);
		CHECK(sf_verify(seg, SF_VNET_LEN + h + p, &seen) == NULL);
		CHECK_EQ(seen.payload, p);
		CHECK_EQ(seen.segments, 1);
		l4[l4_len - 1] ^= 0x10;
		CHECK(sf_verify(seg, SF_VNET_LEN + h + p, &seen) != NULL);
	}
	CHECK_EQ(n, sf_segments(&s));
}

static void test_limits(void)
{
	struct sf_spec s;
	char why[256];

	s = spec(IPPROTO_UDP, 65535, 1472);
	CHECK(sf_check(&s, 1500, why, sizeof(why)) == NULL);
	s.frame_len = 65536;
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
	CHECK(strstr(why, "at most 65535 bytes including") != NULL);
	s = spec(IPPROTO_UDP, 65535, 1473);
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
	CHECK(strstr(why, "does not fit the MTU 1500 (at most 1472)") != NULL);
	CHECK_EQ(sf_max_gso(IPPROTO_TCP, 1500), 1460);
	CHECK_EQ(sf_max_gso(IPPROTO_UDP, 9000), 8972);
	s = spec(IPPROTO_TCP, 54 + 1460, 1460);
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
	CHECK(strstr(why, "at least two") != NULL);
	s.frame_len++;
	CHECK(sf_check(&s, 1500, why, sizeof(why)) == NULL);
	CHECK_EQ(sf_segments(&s), 2);
	s = spec(IPPROTO_UDP, 42 + 128 * 500, 500);
	CHECK(sf_check(&s, 1500, why, sizeof(why)) == NULL);
	CHECK_EQ(sf_segments(&s), 128);
	s.frame_len++;
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
	CHECK(strstr(why, "at most 128 segments") != NULL);
	s = spec(IPPROTO_TCP, 54 + 129 * 500, 500);	/* TSO: no such limit */
	CHECK(sf_check(&s, 1500, why, sizeof(why)) == NULL);
	s.proto = IPPROTO_ICMP;
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
	s = spec(IPPROTO_UDP, 65535, 0);
	CHECK(sf_check(&s, 1500, why, sizeof(why)) != NULL);
}

int main(void)
{
	test_fields(IPPROTO_UDP);
	test_fields(IPPROTO_TCP);
	test_segments(IPPROTO_UDP, 65535, 1472);
	test_segments(IPPROTO_UDP, 3000, 1000);
	test_segments(IPPROTO_TCP, 65535, 1460);
	test_segments(IPPROTO_TCP, 18000, 8946);
	test_limits();
	return unit_done("test_superframe");
}
