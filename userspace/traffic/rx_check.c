// SPDX-License-Identifier: GPL-2.0-only
/* Verification of received test frames: bytes, sequence numbers, gaps. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "traffic.h"

#define MAX_REPORTED	10

void rx_report(struct rx_check *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (c->reported++ >= MAX_REPORTED) {
		if (c->reported == MAX_REPORTED + 1)
			errmsg("more bad frames; only the first %d are "
			       "described", MAX_REPORTED);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	errmsg("%s", buf);
}

static bool seen_grow(struct rx_check *c, uint64_t seq)
{
	uint64_t words = c->words ? c->words : 1024, *n;

	while (words * 64 <= seq)
		words *= 2;
	if (words == c->words)
		return true;
	n = realloc(c->seen, words * sizeof(*n));
	if (!n)
		return false;
	memset(n + c->words, 0, (words - c->words) * sizeof(*n));
	c->seen = n;
	c->words = words;
	return true;
}

static bool seen(const struct rx_check *c, uint64_t seq)
{
	return seq / 64 < c->words && (c->seen[seq / 64] >> (seq % 64) & 1);
}

void rx_frame(struct rx_check *c, const uint8_t *data, size_t len,
	      uint64_t nr)
{
	struct zcnet_frame_check fc;
	uint64_t seq, bit;

	if (zcnet_frame_verify(data, len, &fc) >= 0) {
		c->bad++;
		if (fc.error == ZCNET_FRAME_ERR_PAYLOAD)
			rx_report(c, "bad frame #%llu (seq %llu, %zu bytes): "
				  "%s at byte %zu: expected 0x%02x, got 0x%02x",
				  (unsigned long long)nr,
				  (unsigned long long)fc.seq, len,
				  zcnet_frame_error_str(fc.error), fc.offset,
				  fc.expected, fc.got);
		else
			rx_report(c, "bad frame #%llu (%zu bytes): %s at byte "
				  "%zu", (unsigned long long)nr, len,
				  zcnet_frame_error_str(fc.error), fc.offset);
		return;
	}
	seq = fc.seq;
	if (seq >= c->seq_limit || !seen_grow(c, seq)) {
		c->bad++;
		c->out_of_range++;
		rx_report(c, "frame #%llu: seq %llu is beyond the %llu frames "
			  "tracked", (unsigned long long)nr,
			  (unsigned long long)seq,
			  (unsigned long long)c->seq_limit);
		return;
	}
	c->good++;
	bit = UINT64_C(1) << (seq % 64);
	if (c->seen[seq / 64] & bit) {
		c->duplicates++;
		return;
	}
	c->seen[seq / 64] |= bit;
	if (c->unique && seq < c->max_seq)
		c->reordered++;
	if (!c->unique || seq > c->max_seq)
		c->max_seq = seq;
	c->unique++;
}

static uint64_t range(const struct rx_check *c, uint64_t expect)
{
	uint64_t n = c->unique ? c->max_seq + 1 : 0;

	return expect > n ? expect : n;
}

uint64_t rx_lost(const struct rx_check *c, uint64_t expect)
{
	uint64_t n = range(c, expect);

	return n > c->unique ? n - c->unique : 0;
}

uint64_t rx_missing(const struct rx_check *c, uint64_t expect,
		    uint64_t *first, uint64_t *len, unsigned int *n,
		    unsigned int max)
{
	uint64_t end = range(c, expect), seq, start, runs = 0;

	*n = 0;
	for (seq = 0; seq < end; seq++) {
		if (seen(c, seq))
			continue;
		start = seq;
		while (seq + 1 < end && !seen(c, seq + 1))
			seq++;
		if (*n < max) {
			first[*n] = start;
			len[*n] = seq - start + 1;
			(*n)++;
		}
		runs++;
	}
	return runs;
}
