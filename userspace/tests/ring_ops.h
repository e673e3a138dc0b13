/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* A table of the ring helpers, for test_ring_export.c. */
#ifndef ZCNET_RING_OPS_H
#define ZCNET_RING_OPS_H

#include "libzcnet.h"

/*
 * Every ring helper of libzcnet.h, by its name without "zcnet_ring_".
 * tests/ring_exports_test.sh checks this list against the header.
 */
#define RING_FUNCS(X) \
	X(entries) X(slot) X(tx_desc) X(cq_entry) X(fill_desc) X(rx_desc) \
	X(cq_tstamp) X(rx_tstamp) X(space) X(reserve) X(submit) X(cancel) \
	X(avail) X(peek) X(release) X(unpeek) X(flags)

/* One set of the helpers: the inline ones, or one library's. */
struct ring_ops {
#define RING_OP_MEMBER(f) __typeof__(&zcnet_ring_##f) f;
	RING_FUNCS(RING_OP_MEMBER)
#undef RING_OP_MEMBER
};

#define RING_OP_INIT(f) .f = zcnet_ring_##f,

/* libzcnet.a's, from ring_extern.c. */
extern const struct ring_ops archive_ops;

#endif
