// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench recv zcnet: zcnet's receive path (ZCNET_BIND_RX). */
/*
 * As zcnet-recv does it: one region of ZC_RING buffers, all on the FILL
 * ring before the bind, frames of the test ethertype only; each RX entry
 * must name a posted buffer, which goes back on FILL once its frame is
 * checked. Waits on the RX eventfd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "bench.h"
#include "frame.h"

#define ZC_RING		16384	/* 32 MiB of 2 KiB buffers, as the others have */

struct zc_rx {
	struct rx_method m;	/* first */
	struct zcnet_ctx *ctx;
	uint8_t *base, *posted;
	uint32_t region, buf_size;
	int efd;
};

static void zc_post(struct zc_rx *z, uint32_t buf)
{
	struct zcnet_ring *fill = zcnet_fill_ring(z->ctx);
	struct zcnet_fill_desc *d;
	uint32_t idx;

	if (zcnet_ring_reserve(fill, 1, &idx) != 1)
		return;
	d = zcnet_ring_fill_desc(fill, idx);
	memset(d, 0, sizeof(*d));
	d->offset = (uint64_t)buf * z->buf_size;
	d->len = z->buf_size;
	d->region = (uint16_t)z->region;
	z->posted[buf] = 1;
}

/* One RX entry, checked against the buffers posted; false: not ours. */
static bool zc_entry(struct zc_rx *z, const struct zcnet_rx_desc *e)
{
	struct rx_bench *b = z->m.b;
	uint64_t buf = e->offset / z->buf_size;

	if (e->region != z->region || e->offset % z->buf_size ||
	    buf >= ZC_RING || !z->posted[buf]) {
		b->c.bad++;
		rx_report(&b->c, "an RX entry names region %u offset %llu: "
			  "not a posted buffer", e->region,
			  (unsigned long long)e->offset);
		return false;
	}
	z->posted[buf] = 0;
	b->copied += !!(e->flags & ZCNET_RX_COPIED);
	if (e->data > e->buf_len || e->len > e->buf_len - e->data ||
	    e->buf_len != z->buf_size || e->len != e->frame_len) {
		b->c.frames++;
		b->c.bad++;
		rx_report(&b->c, "an RX entry of len %u, frame_len %u, data "
			  "%u, flags 0x%x", e->len, e->frame_len, e->data,
			  e->flags);
	} else {
		rxb_frame(b, z->base + e->offset + e->data, e->len);
	}
	zc_post(z, (uint32_t)buf);
	return true;
}

static int zc_take(struct rx_method *m, int ms)
{
	struct zc_rx *z = (struct zc_rx *)m;
	struct zcnet_ring *rx = zcnet_rx_ring(z->ctx);
	uint32_t n, i, idx, done = 0;
	uint64_t v;
	int k;

	while (!(n = zcnet_ring_peek(rx, zcnet_ring_entries(rx), &idx))) {
		k = rxb_poll(m->b, z->efd, ms);
		if (k <= 0)
			return k;
		m->b->syscalls++;
		if (read(z->efd, &v, sizeof(v)) < 0 && errno != EAGAIN &&
		    errno != EINTR) {
			errmsg("reading the RX eventfd: %s", strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < n && !rxb_done(m->b); i++) {
		struct zcnet_rx_desc e = *zcnet_ring_rx_desc(rx, idx + i);

		done += zc_entry(z, &e);
	}
	zcnet_ring_release(rx, i);
	if (i < n)
		zcnet_ring_unpeek(rx, n - i);
	zcnet_ring_submit(zcnet_fill_ring(z->ctx), done);
	return (int)i;
}

int bench_zcnet_rx(struct rx_bench *b)
{
	struct zc_rx z = { .m = { .b = b, .take = zc_take }, .efd = -1 };
	struct zcnet_bind bind = { .flags = ZCNET_BIND_RX,
				   .ifindex = b->o->ifc.ifindex,
				   .queue = ZCNET_QUEUE_ANY,
				   .rx_match = ZCNET_RX_MATCH_ETHERTYPE,
				   .rx_ethertype = ZCNET_FRAME_ETHERTYPE };
	struct zcnet_mem mem = { 0 };
	struct zcnet_stats st;
	int err, rc = -1, k;

	/* room for the frame behind whatever headroom the kernel keeps */
	z.buf_size = (uint32_t)((b->o->size + 256 + 63) & ~(uint64_t)63);
	z.buf_size = z.buf_size < 2048 ? 2048 : z.buf_size;
	z.posted = calloc(ZC_RING, 1);
	err = zcnet_open(&z.ctx);
	if (err) {
		free(z.posted);
		if (err != -ENOENT && err != -ENODEV && err != -ENXIO) {
			report_open_error(err);
			return -1;
		}
		snprintf(b->unavailable, sizeof(b->unavailable),
			 "no zcnet module here (/dev/zcnet: %s)",
			 strerror(-err));
		return -1;
	}
	if (!zcnet_has_feature(z.ctx, ZCNET_FEAT_RX)) {
		snprintf(b->unavailable, sizeof(b->unavailable),
			 "this zcnet module has no receive");
		goto out;
	}
	err = zcnet_setup(z.ctx, 0, 0, ZC_RING, ZC_RING);
	if (err) {
		errmsg("zcnet ring setup: %s", strerror(-err));
		goto out;
	}
	if (!z.posted || zc_region(z.ctx, (size_t)ZC_RING * z.buf_size, &mem,
				   &z.region))
		goto out;
	z.efd = zc_eventfd(z.ctx, ZCNET_EVENTFD_RX, "an RX");
	if (z.efd < 0)
		goto out;
	z.base = mem.addr;
	for (uint32_t i = 0; i < ZC_RING; i++)
		zc_post(&z, i);
	zcnet_ring_submit(zcnet_fill_ring(z.ctx), ZC_RING);
	err = zcnet_bind(z.ctx, &bind);
	if (err) {
		errmsg("zcnet receive bind on %s: %s", b->o->ifc.name,
		       strerror(-err));
		goto out;
	}
	snprintf(b->mode, sizeof(b->mode), "buffers=%u buf_size=%u", ZC_RING,
		 z.buf_size);
	rc = rxb_run(&z.m);
	if (!zcnet_get_stats(z.ctx, &st) &&
	    (k = zcnet_stats_index("rx_drop_nobuf")) >= 0)
		b->drops = zcnet_stats_value(&st, (unsigned int)k);
	zcnet_unbind(z.ctx, ZCNET_BIND_RX);
out:
	zcnet_close(z.ctx);
	zcnet_mem_free(&mem);
	free(z.posted);
	return rc;
}
