// SPDX-License-Identifier: GPL-2.0-only
/* The completion side both zcnet methods share. */
#include "bench.h"
#include "libzcnet.h"

uint32_t bench_zcnet_reap(struct zcnet_ring *cq, uint64_t size,
			  struct bench_zbufs *b, struct bench_run *r,
			  double now)
{
	uint32_t n, i, idx;

	n = zcnet_ring_peek(cq, zcnet_ring_entries(cq), &idx);
	for (i = 0; i < n; i++) {
		const struct zcnet_cq_entry *c = zcnet_ring_cq_entry(cq,
								      idx + i);

		r->completions++;
		if (c->flags & ZCNET_CQE_COPIED)
			r->copied++;
		if (c->result >= 0)
			r->bytes += (uint64_t)c->result;
		if (c->result == (int32_t)size)
			r->frames++;
		else
			r->errors++;
		if (c->cookie < b->count) {
			lat_add(&r->lat, b->ts[c->cookie], now);
			b->free[b->nfree++] = (uint32_t)c->cookie;
		}
	}
	if (n)
		zcnet_ring_release(cq, n);
	return n;
}
