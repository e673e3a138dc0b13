// SPDX-License-Identifier: GPL-2.0-only
/* The test frame format: fill and byte-exact verification (frame.h). */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "frame.h"

#define GOLDEN	0x9e3779b97f4a7c15ULL

static uint64_t mix64(uint64_t x)
{
	x += GOLDEN;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t zcnet_frame_word(uint64_t seq, uint64_t w)
{
	return mix64(seq) + w * GOLDEN;
}

/* Big-endian fields of n bytes. */
static void put(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* FNV-1a over the 16 header bytes from the magic to the pattern. */
static uint32_t hdr_check(const uint8_t *frame)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = ZCNET_FRAME_OFF_MAGIC; i < ZCNET_FRAME_OFF_CHECK; i++) {
		h ^= frame[i];
		h *= 16777619u;
	}
	return h;
}

int zcnet_frame_pattern_valid(unsigned int pattern)
{
	return pattern == ZCNET_PATTERN_SEQ || pattern == ZCNET_PATTERN_ZERO;
}

const char *zcnet_frame_pattern_name(unsigned int pattern)
{
	switch (pattern) {
	case ZCNET_PATTERN_SEQ:
		return "seq";
	case ZCNET_PATTERN_ZERO:
		return "zero";
	}
	return "unknown";
}

static void write_header(uint8_t *f, size_t len, uint64_t seq,
			 unsigned int pattern)
{
	put(f + ZCNET_FRAME_OFF_MAGIC, ZCNET_FRAME_MAGIC, 4);
	put(f + ZCNET_FRAME_OFF_SEQ, seq, 8);
	put(f + ZCNET_FRAME_OFF_LEN, (uint16_t)len, 2);
	put(f + ZCNET_FRAME_OFF_PATTERN, (uint16_t)pattern, 2);
	put(f + ZCNET_FRAME_OFF_CHECK, hdr_check(f), 4);
	put(f + ZCNET_FRAME_OFF_RSVD, 0, 4);
}

int zcnet_frame_fill(void *buf, size_t len, const uint8_t dst[6],
		     const uint8_t src[6], uint64_t seq, unsigned int pattern)
{
	uint8_t *f = buf, *p;
	size_t plen, i, words;
	uint64_t base, w;

	if (len < ZCNET_FRAME_MIN_LEN || len > ZCNET_FRAME_MAX_LEN ||
	    !zcnet_frame_pattern_valid(pattern))
		return -EINVAL;
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put(f + 12, ZCNET_FRAME_ETHERTYPE, 2);
	write_header(f, len, seq, pattern);

	p = f + ZCNET_FRAME_PAYLOAD_OFF;
	plen = len - ZCNET_FRAME_PAYLOAD_OFF;
	if (pattern == ZCNET_PATTERN_ZERO) {
		memset(p, 0, plen);
		return 0;
	}
	base = mix64(seq);
	words = plen / 8;
	for (i = 0; i < words; i++) {
		w = htole64(base + i * GOLDEN);
		memcpy(p + i * 8, &w, 8);
	}
	if (plen % 8) {
		w = htole64(base + words * GOLDEN);
		memcpy(p + words * 8, &w, plen % 8);
	}
	return 0;
}

int zcnet_frame_set_seq(void *buf, size_t len, uint64_t seq,
			unsigned int pattern)
{
	if (len < ZCNET_FRAME_MIN_LEN || len > ZCNET_FRAME_MAX_LEN ||
	    pattern != ZCNET_PATTERN_ZERO)
		return -EINVAL;
	write_header(buf, len, seq, pattern);
	return 0;
}

const char *zcnet_frame_error_str(enum zcnet_frame_error error)
{
	static const char *const str[] = {
		[ZCNET_FRAME_OK] = "ok",
		[ZCNET_FRAME_ERR_SHORT] = "shorter than the headers",
		[ZCNET_FRAME_ERR_ETHERTYPE] = "wrong ethertype",
		[ZCNET_FRAME_ERR_MAGIC] = "wrong magic",
		[ZCNET_FRAME_ERR_CHECK] = "header checksum mismatch",
		[ZCNET_FRAME_ERR_LEN] = "frame_len differs from the bytes received",
		[ZCNET_FRAME_ERR_PATTERN] = "unknown pattern",
		[ZCNET_FRAME_ERR_RESERVED] = "reserved field not zero",
		[ZCNET_FRAME_ERR_PAYLOAD] = "payload byte differs",
	};

	return (unsigned int)error < sizeof(str) / sizeof(str[0]) ?
	       str[error] : "unknown error";
}

/* The first byte of [off, off + n) of f that differs from want. */
static size_t first_diff(const uint8_t *f, size_t off, const uint8_t *want,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[off + i] != want[i])
			return off + i;
	return off;
}

static long fail(struct zcnet_frame_check *c, enum zcnet_frame_error e,
		 size_t offset)
{
	c->error = e;
	c->offset = offset;
	return (long)offset;
}

static long payload_fail(struct zcnet_frame_check *c, const uint8_t *f,
			 size_t off, uint64_t want_le)
{
	uint8_t want[8];
	size_t i;

	memcpy(want, &want_le, 8);
	for (i = 0; i < 8; i++) {
		if (f[off + i] != want[i]) {
			c->expected = want[i];
			c->got = f[off + i];
			return fail(c, ZCNET_FRAME_ERR_PAYLOAD, off + i);
		}
	}
	return fail(c, ZCNET_FRAME_ERR_PAYLOAD, off); /* not reached */
}

long zcnet_frame_verify(const void *buf, size_t len,
			struct zcnet_frame_check *check)
{
	const uint8_t *f = buf, *p;
	struct zcnet_frame_check local;
	struct zcnet_frame_check *c = check ? check : &local;
	uint8_t want[4];
	size_t plen, i, words, tail;
	uint64_t base, w, got;

	memset(c, 0, sizeof(*c));
	if (len < ZCNET_FRAME_MIN_LEN)
		return fail(c, ZCNET_FRAME_ERR_SHORT, len);
	if (get(f + 12, 2) != ZCNET_FRAME_ETHERTYPE) {
		put(want, ZCNET_FRAME_ETHERTYPE, 2);
		return fail(c, ZCNET_FRAME_ERR_ETHERTYPE,
			    first_diff(f, 12, want, 2));
	}
	if (get(f + ZCNET_FRAME_OFF_MAGIC, 4) != ZCNET_FRAME_MAGIC) {
		put(want, ZCNET_FRAME_MAGIC, 4);
		return fail(c, ZCNET_FRAME_ERR_MAGIC,
			    first_diff(f, ZCNET_FRAME_OFF_MAGIC, want, 4));
	}
	if (get(f + ZCNET_FRAME_OFF_CHECK, 4) != hdr_check(f)) {
		put(want, hdr_check(f), 4);
		return fail(c, ZCNET_FRAME_ERR_CHECK,
			    first_diff(f, ZCNET_FRAME_OFF_CHECK, want, 4));
	}
	c->seq = get(f + ZCNET_FRAME_OFF_SEQ, 8);
	c->pattern = get(f + ZCNET_FRAME_OFF_PATTERN, 2);
	if (get(f + ZCNET_FRAME_OFF_LEN, 2) != len)
		return fail(c, ZCNET_FRAME_ERR_LEN, ZCNET_FRAME_OFF_LEN);
	if (!zcnet_frame_pattern_valid(c->pattern))
		return fail(c, ZCNET_FRAME_ERR_PATTERN, ZCNET_FRAME_OFF_PATTERN);
	if (get(f + ZCNET_FRAME_OFF_RSVD, 4) != 0) {
		memset(want, 0, 4);
		return fail(c, ZCNET_FRAME_ERR_RESERVED,
			    first_diff(f, ZCNET_FRAME_OFF_RSVD, want, 4));
	}

	p = f + ZCNET_FRAME_PAYLOAD_OFF;
	plen = len - ZCNET_FRAME_PAYLOAD_OFF;
	words = plen / 8;
	tail = plen % 8;
	base = c->pattern == ZCNET_PATTERN_SEQ ? mix64(c->seq) : 0;
	for (i = 0; i < words; i++) {
		w = c->pattern == ZCNET_PATTERN_SEQ ?
			htole64(base + i * GOLDEN) : 0;
		memcpy(&got, p + i * 8, 8);
		if (got != w)
			return payload_fail(c, f, ZCNET_FRAME_PAYLOAD_OFF +
					    i * 8, w);
	}
	if (tail) {
		uint8_t wb[8];

		w = c->pattern == ZCNET_PATTERN_SEQ ?
			htole64(base + words * GOLDEN) : 0;
		memcpy(wb, &w, 8);
		for (i = 0; i < tail; i++) {
			if (p[words * 8 + i] != wb[i]) {
				c->expected = wb[i];
				c->got = p[words * 8 + i];
				return fail(c, ZCNET_FRAME_ERR_PAYLOAD,
					    ZCNET_FRAME_PAYLOAD_OFF +
					    words * 8 + i);
			}
		}
	}
	return -1;
}
