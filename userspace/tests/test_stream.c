// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datagram pattern of zcnet-send --udp: a GSO train filled at once
 * (udp_fill_train) is, datagram by datagram, what udp_fill writes for
 * each, so that zcnet-recv checks every datagram of a train on its own.
 */
#include <stdint.h>
#include <string.h>

#include "stream.h"
#include "unit.h"

static uint8_t train[UDP_MAX_LEN + 64];
static uint8_t one[UDP_MAX_LEN];

static void test_train(size_t len, size_t seg, uint64_t seq)
{
	uint64_t n, k, got;
	size_t off, dlen;

	memset(train, 0xa5, sizeof(train));
	n = udp_fill_train(train, seq, len, seg);
	CHECK_EQ(n, (len + seg - 1) / seg);
	CHECK_EQ(train[len], 0xa5);	/* nothing past the train */
	for (k = 0, off = 0; k < n; k++, off += dlen) {
		dlen = len - off < seg ? len - off : seg;
		udp_fill(one, seq + k, dlen);
		CHECK(memcmp(train + off, one, dlen) == 0);
		CHECK_EQ(udp_mismatches(train + off, dlen, &got), 0);
		if (dlen >= 8)
			CHECK(got == seq + k);
	}
	CHECK_EQ(off, len);
}

int main(void)
{
	static const size_t segs[] = { 1, 7, 8, 9, 1000, 1472, 8972, 65507 };
	static const size_t lens[] = { 1, 8, 1472, 4500, 64768, 65507 };
	uint64_t seq;
	size_t i, j;

	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++)
			if ((lens[j] + segs[i] - 1) / segs[i] <= 128)
				test_train(lens[j], segs[i], 44 * (i + j));
	/* a byte changed in one datagram is that datagram's mismatch */
	udp_fill_train(train, 880, 64768, 1472);
	train[1472 * 3 + 100] ^= 1;
	CHECK_EQ(udp_mismatches(train + 1472 * 3, 1472, &seq), 1);
	CHECK_EQ(udp_mismatches(train + 1472 * 4, 1472, &seq), 0);
	CHECK(seq == 884);
	return unit_done("test_stream");
}
