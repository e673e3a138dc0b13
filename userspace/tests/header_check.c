// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Compiled (not run) with strict warnings, as C99 and as C++11, with and
 * without LIBZCNET_RING_EXTERN, to check that the public header, including
 * its inline ring functions, stays clean in user programs built with
 * stricter flags than the library's own.
 */
#include <libzcnet.h>

int header_check(struct zcnet_ctx *ctx);

int header_check(struct zcnet_ctx *ctx)
{
	struct zcnet_ring *tx = zcnet_tx_ring(ctx), *cq = zcnet_cq_ring(ctx);
	struct zcnet_ring *fill = zcnet_fill_ring(ctx), *rx = zcnet_rx_ring(ctx);
	__u32 idx, n, sum = 0;

	n = zcnet_ring_reserve(tx, 4, &idx);
	if (n)
		zcnet_ring_tx_desc(tx, idx)->cookie = 1;
	zcnet_ring_cancel(tx, n ? n - 1 : 0);
	zcnet_ring_submit(tx, n ? 1 : 0);
	n = zcnet_ring_reserve(fill, 1, &idx);
	if (n)
		zcnet_ring_fill_desc(fill, idx)->len = 2048;
	zcnet_ring_submit(fill, n);
	n = zcnet_ring_peek(cq, 4, &idx);
	if (n)
		sum += (__u32)zcnet_ring_cq_entry(cq, idx)->result;
	zcnet_ring_unpeek(cq, 0);
	zcnet_ring_release(cq, n);
	n = zcnet_ring_peek(rx, 4, &idx);
	if (n)
		sum += zcnet_ring_rx_desc(rx, idx)->len;
	zcnet_ring_release(rx, n);
	sum += zcnet_ring_avail(cq) + zcnet_ring_space(tx, 1) +
	       zcnet_ring_flags(tx) + zcnet_ring_entries(rx);
	return (int)sum;
}
