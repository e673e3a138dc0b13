// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test frame format of zcnet-send and zcnet-recv: fill and verify round
 * trips, the exact byte every single-byte corruption is reported at, and
 * known answers that pin the wire format.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "unit.h"

static const uint8_t dst[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x02 };
static const uint8_t src[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x01 };

static uint8_t buf[ZCNET_FRAME_MAX_LEN + 64];
static uint8_t other[ZCNET_FRAME_MAX_LEN + 64];

static void test_round_trip(void)
{
	static const size_t sizes[] = { 38, 39, 45, 46, 47, 60, 61, 64, 100,
					1500, 1514, 4097, 9000, 65535 };
	static const uint64_t seqs[] = { 0, 1, 2, 255, 0x100000005ULL,
					 UINT64_C(1) << 47, UINT64_MAX };
	static const unsigned int pats[] = { ZCNET_PATTERN_SEQ,
					     ZCNET_PATTERN_ZERO };
	struct zcnet_frame_check c;
	size_t i, j, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(seqs) / sizeof(seqs[0]); j++) {
			for (k = 0; k < 2; k++) {
				memset(buf, 0xa5, sizeof(buf));
				CHECK_EQ(zcnet_frame_fill(buf, sizes[i], dst,
							  src, seqs[j],
							  pats[k]), 0);
				CHECK_EQ(zcnet_frame_verify(buf, sizes[i], &c),
					 -1);
				CHECK_EQ(c.error, ZCNET_FRAME_OK);
				CHECK(c.seq == seqs[j]);
				CHECK_EQ(c.pattern, pats[k]);
				/* nothing written past the frame */
				CHECK_EQ(buf[sizes[i]], 0xa5);
				CHECK(memcmp(buf, dst, 6) == 0);
				CHECK(memcmp(buf + 6, src, 6) == 0);
			}
		}
	}
	/* NULL check pointer is fine */
	zcnet_frame_fill(buf, 1500, dst, src, 9, ZCNET_PATTERN_SEQ);
	CHECK_EQ(zcnet_frame_verify(buf, 1500, NULL), -1);
}

static void test_bad_args(void)
{
	CHECK_EQ(zcnet_frame_fill(buf, 37, dst, src, 0, ZCNET_PATTERN_SEQ),
		 -EINVAL);
	CHECK_EQ(zcnet_frame_fill(buf, 65536, dst, src, 0, ZCNET_PATTERN_SEQ),
		 -EINVAL);
	CHECK_EQ(zcnet_frame_fill(buf, 100, dst, src, 0, 0), -EINVAL);
	CHECK_EQ(zcnet_frame_fill(buf, 100, dst, src, 0, 3), -EINVAL);
	CHECK_EQ(zcnet_frame_set_seq(buf, 100, 1, ZCNET_PATTERN_SEQ), -EINVAL);
	CHECK(zcnet_frame_pattern_valid(ZCNET_PATTERN_SEQ));
	CHECK(zcnet_frame_pattern_valid(ZCNET_PATTERN_ZERO));
	CHECK(!zcnet_frame_pattern_valid(0));
	CHECK(strcmp(zcnet_frame_pattern_name(ZCNET_PATTERN_SEQ), "seq") == 0);
	CHECK(strcmp(zcnet_frame_pattern_name(7), "unknown") == 0);
}

/* Every single-byte corruption of a frame is found at the right place. */
static void test_every_byte(size_t len, unsigned int pattern)
{
	struct zcnet_frame_check c;
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	size_t off, f;
	long got;

	zcnet_frame_fill(buf, len, dst, src, 0x1234567ULL, pattern);
	for (off = 0; off < len; off++) {
		for (f = 0; f < sizeof(flips); f++) {
			buf[off] ^= flips[f];
			got = zcnet_frame_verify(buf, len, &c);
			if (off < 12) {
				/* the MACs are not part of the check */
				CHECK_EQ(got, -1);
			} else if (off < 14) {
				CHECK_EQ(got, off);
				CHECK_EQ(c.error, ZCNET_FRAME_ERR_ETHERTYPE);
			} else if (off < 18) {
				CHECK_EQ(got, off);
				CHECK_EQ(c.error, ZCNET_FRAME_ERR_MAGIC);
			} else if (off < 34) {
				/* seq, len, pattern, check: the checksum
				 * catches it; reported at the check field */
				CHECK(got >= ZCNET_FRAME_OFF_CHECK &&
				      got < ZCNET_FRAME_OFF_CHECK + 4);
				CHECK_EQ(c.error, ZCNET_FRAME_ERR_CHECK);
			} else if (off < 38) {
				CHECK_EQ(got, off);
				CHECK_EQ(c.error, ZCNET_FRAME_ERR_RESERVED);
			} else {
				CHECK_EQ(got, off);
				CHECK_EQ(c.error, ZCNET_FRAME_ERR_PAYLOAD);
				CHECK_EQ(c.got, buf[off]);
				CHECK_EQ(c.expected, buf[off] ^ flips[f]);
				CHECK(c.seq == 0x1234567ULL);
			}
			buf[off] ^= flips[f];
		}
	}
	CHECK_EQ(zcnet_frame_verify(buf, len, &c), -1);
}

/* Data of the wrong frame, shifted data, wrong lengths. */
static void test_wrong_data(void)
{
	struct zcnet_frame_check c;

	/* frame 5's header on frame 4's payload (a stale buffer) */
	zcnet_frame_fill(buf, 1500, dst, src, 4, ZCNET_PATTERN_SEQ);
	zcnet_frame_fill(other, 1500, dst, src, 5, ZCNET_PATTERN_SEQ);
	memcpy(buf, other, ZCNET_FRAME_PAYLOAD_OFF);
	CHECK_EQ(zcnet_frame_verify(buf, 1500, &c), ZCNET_FRAME_PAYLOAD_OFF);
	CHECK_EQ(c.error, ZCNET_FRAME_ERR_PAYLOAD);
	CHECK(c.seq == 5);

	/* one page of frame 5 replaced by the same page of frame 4 */
	zcnet_frame_fill(buf, 9000, dst, src, 5, ZCNET_PATTERN_SEQ);
	zcnet_frame_fill(other, 9000, dst, src, 4, ZCNET_PATTERN_SEQ);
	memcpy(buf + 4096, other + 4096, 4096);
	CHECK_EQ(zcnet_frame_verify(buf, 9000, &c), 4096);

	/* payload shifted by one byte from some offset on */
	zcnet_frame_fill(buf, 1500, dst, src, 8, ZCNET_PATTERN_SEQ);
	memmove(buf + 701, buf + 700, 1500 - 701);
	CHECK(zcnet_frame_verify(buf, 1500, &c) >= 700);
	CHECK_EQ(c.error, ZCNET_FRAME_ERR_PAYLOAD);

	/* two words swapped inside the frame */
	zcnet_frame_fill(buf, 1500, dst, src, 9, ZCNET_PATTERN_SEQ);
	memcpy(other, buf + 38 + 80, 8);
	memcpy(buf + 38 + 80, buf + 38 + 160, 8);
	memcpy(buf + 38 + 160, other, 8);
	CHECK(zcnet_frame_verify(buf, 1500, &c) >= 38 + 80);
	CHECK(c.offset < 38 + 88);

	/* truncated, padded, too short */
	zcnet_frame_fill(buf, 1500, dst, src, 1, ZCNET_PATTERN_SEQ);
	CHECK_EQ(zcnet_frame_verify(buf, 1499, &c), ZCNET_FRAME_OFF_LEN);
	CHECK_EQ(c.error, ZCNET_FRAME_ERR_LEN);
	CHECK_EQ(zcnet_frame_verify(buf, 1501, &c), ZCNET_FRAME_OFF_LEN);
	CHECK_EQ(zcnet_frame_verify(buf, 37, &c), 37);
	CHECK_EQ(c.error, ZCNET_FRAME_ERR_SHORT);
	CHECK_EQ(zcnet_frame_verify(buf, 0, &c), 0);

	/* the zero pattern with non-zero payload */
	zcnet_frame_fill(buf, 100, dst, src, 1, ZCNET_PATTERN_ZERO);
	buf[99] = 1;
	CHECK_EQ(zcnet_frame_verify(buf, 100, &c), 99);
	CHECK_EQ(c.expected, 0);
	CHECK_EQ(c.got, 1);
	CHECK(strcmp(zcnet_frame_error_str(c.error), "payload byte differs") ==
	      0);
}

static void test_set_seq(void)
{
	struct zcnet_frame_check c;

	zcnet_frame_fill(buf, 1000, dst, src, 0, ZCNET_PATTERN_ZERO);
	CHECK_EQ(zcnet_frame_set_seq(buf, 1000, 777, ZCNET_PATTERN_ZERO), 0);
	CHECK_EQ(zcnet_frame_verify(buf, 1000, &c), -1);
	CHECK(c.seq == 777);
	CHECK_EQ(c.pattern, ZCNET_PATTERN_ZERO);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/* The wire format, byte by byte. */
static void test_known_answers(void)
{
	static const uint8_t hdr[16] = {
		'Z', 'C', 'N', 'T',
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* seq */
		0x00, 0x3c,					/* len 60 */
		0x00, 0x01,					/* seq pattern */
	};
	/* splitmix64's first output from state 0, little endian */
	static const uint8_t word0_seq0[8] = {
		0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2,
	};
	uint32_t h;

	CHECK(zcnet_frame_word(0, 0) == 0xe220a8397b1dcdafULL);
	CHECK(zcnet_frame_word(0, 1) ==
	      0xe220a8397b1dcdafULL + 0x9e3779b97f4a7c15ULL);

	zcnet_frame_fill(buf, 60, dst, src, 0x0102030405060708ULL,
			 ZCNET_PATTERN_SEQ);
	CHECK_EQ(buf[12], 0x88);
	CHECK_EQ(buf[13], 0xb5);
	CHECK(memcmp(buf + 14, hdr, 16) == 0);
	h = fnv1a(hdr, 16);
	CHECK_EQ(buf[30], (h >> 24) & 0xff);
	CHECK_EQ(buf[31], (h >> 16) & 0xff);
	CHECK_EQ(buf[32], (h >> 8) & 0xff);
	CHECK_EQ(buf[33], h & 0xff);
	CHECK_EQ(buf[34] | buf[35] | buf[36] | buf[37], 0);

	zcnet_frame_fill(buf, 60, dst, src, 0, ZCNET_PATTERN_SEQ);
	CHECK(memcmp(buf + 38, word0_seq0, 8) == 0);
}

/* Words differ within a frame and between neighbouring frames. */
static void test_distinct_words(void)
{
	uint64_t s, w, a, b;
	unsigned int same = 0;

	for (s = 0; s < 64; s++)
		for (w = 0; w < 190; w++) {
			a = zcnet_frame_word(s, w);
			b = zcnet_frame_word(s + 1, w);
			if (a == b || a == zcnet_frame_word(s, w + 1))
				same++;
		}
	CHECK_EQ(same, 0);
}

int main(void)
{
	test_round_trip();
	test_bad_args();
	test_every_byte(60, ZCNET_PATTERN_SEQ);
	test_every_byte(1500, ZCNET_PATTERN_SEQ);
	test_every_byte(1514, ZCNET_PATTERN_ZERO);
	test_every_byte(61, ZCNET_PATTERN_SEQ);
	test_wrong_data();
	test_set_seq();
	test_known_answers();
	test_distinct_words();
	return unit_done("test_frame");
}
