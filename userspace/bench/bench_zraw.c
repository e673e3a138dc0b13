// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: zcnet raw frames through libzcnet. One region holds a frame
 * slot per TX ring entry (a power of two up to a page, so a frame stays in
 * one page; larger frames start on a page). One kick per batch; a slot is
 * reused after its completion, which is also where latency ends.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "libzcnet.h"

#define ZRAW_RING	256
#define ZRAW_WAIT_MS	10

struct zraw {
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	uint32_t region, ring;
	size_t slot;
	uint32_t *free;
	uint32_t nfree;
	double *ts;
};

static int zraw_open(const struct bench_opts *o, struct raw_tx *t,
		     struct zraw *z, struct bench_run *r, bool zero_copy)
{
	struct zcnet_bind bind;
	uint32_t i;
	int err;

	z->ring = o->inflight ? o->inflight : ZRAW_RING;
	err = zcnet_open(&z->ctx);
	if (err) {
		bench_unavailable(r, "cannot open /dev/zcnet: %s",
				  strerror(-err));
		return -1;
	}
	err = zcnet_setup(z->ctx, z->ring, z->ring, 0, 0);
	if (err) {
		errmsg("zcnet_setup(%u): %s", z->ring, strerror(-err));
		return -1;
	}
	z->tx = zcnet_tx_ring(z->ctx);
	z->cq = zcnet_cq_ring(z->ctx);
	memset(&bind, 0, sizeof(bind));
	bind.flags = ZCNET_BIND_TX;
	bind.ifindex = t->ifc.ifindex;
	bind.queue = o->queue == UINT32_MAX ? ZCNET_QUEUE_ANY : o->queue;
	err = zcnet_bind(z->ctx, &bind);
	if (err == -EOPNOTSUPP) {
		bench_unavailable(r, "this zcnet module has no raw transmit");
		return -1;
	}
	if (err) {
		errmsg("zcnet_bind(%s): %s", t->ifc.name, strerror(-err));
		return -1;
	}
	if (zero_copy) {
		err = zcnet_set_param(z->ctx, ZCNET_PARAM_TX_COPY_THRESHOLD, 0);
		if (err) {
			errmsg("copy threshold 0: %s", strerror(-err));
			return -1;
		}
	}
	z->slot = 64;
	while (z->slot < o->size && z->slot < 4096)
		z->slot <<= 1;
	if (z->slot < o->size)
		z->slot = (o->size + 4095) & ~(size_t)4095;
	err = zcnet_mem_alloc(&z->mem, z->slot * z->ring, LIBZCNET_MEM_POPULATE);
	if (!err)
		err = zcnet_region_register(z->ctx, z->mem.addr, z->mem.len,
					    &z->region);
	if (!err)
		err = zcnet_eventfd_create(z->ctx, ZCNET_EVENTFD_CQ);
	if (err < 0) {
		errmsg("zcnet memory or eventfd: %s", strerror(-err));
		return -1;
	}
	z->free = calloc(z->ring, sizeof(*z->free));
	z->ts = calloc(z->ring, sizeof(*z->ts));
	if (!z->free || !z->ts)
		return -1;
	for (i = 0; i < z->ring; i++) {
		z->free[i] = z->ring - 1 - i;
		raw_frame_init(t, (uint8_t *)z->mem.addr + i * z->slot);
	}
	z->nfree = z->ring;
	return 0;
}

static void zraw_close(struct zraw *z)
{
	zcnet_close(z->ctx);
	zcnet_mem_free(&z->mem);
	free(z->free);
	free(z->ts);
}

static uint32_t zraw_post(struct raw_tx *t, struct zraw *z, uint32_t want,
			  double now)
{
	uint32_t n, i, idx, slot;

	n = zcnet_ring_reserve(z->tx, want, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(z->tx, idx + i);

		slot = z->free[--z->nfree];
		raw_frame_seq(t, (uint8_t *)z->mem.addr + slot * z->slot,
			      t->next++);
		z->ts[slot] = now;
		memset(d, 0, sizeof(*d));
		d->offset = (uint64_t)slot * z->slot;
		d->len = (uint32_t)t->o->size;
		d->region = (uint16_t)z->region;
		d->cookie = slot;
	}
	if (n)
		zcnet_ring_submit(z->tx, n);
	return n;
}

static uint32_t zraw_reap(const struct bench_opts *o, struct zraw *z,
			  struct bench_run *r, double now)
{
	struct bench_zbufs b = { .free = z->free, .nfree = z->nfree,
				 .ts = z->ts, .count = z->ring };
	uint32_t n = bench_zcnet_reap(z->cq, o->size, &b, r, now);

	z->nfree = b.nfree;
	return n;
}

static int zraw_run(const struct bench_opts *o, struct bench_run *r,
		    bool zero_copy)
{
	struct zraw z = { 0 };
	struct raw_tx t;
	bool stop = false;
	uint32_t n;
	double now;
	int rc = -1, ret;

	if (raw_open(o, &t))
		return -1;
	if (zraw_open(o, &t, &z, r, zero_copy))
		goto out;
	bench_begin(o, r);
	for (;;) {
		now = now_seconds();
		stop = stop || bench_time_up(o, r, now);
		zraw_reap(o, &z, r, now);
		if (stop && z.nfree == z.ring)
			break;
		n = stop ? 0 : zraw_post(&t, &z, raw_allowed(&t, z.nfree), now);
		if (n) {
			ret = zcnet_kick(z.ctx, 0);
			if (ret < 0 && ret != -EAGAIN && ret != -EBUSY &&
			    ret != -EINTR) {
				errmsg("ZCNET_IOC_KICK: %s", strerror(-ret));
				r->errors++;
				break;
			}
			continue;
		}
		if (t.gated && !stop)
			raw_wait(&t);
		else if (zcnet_eventfd_wait(z.ctx, ZCNET_EVENTFD_CQ,
					    ZRAW_WAIT_MS, NULL) == -ETIMEDOUT)
			zcnet_kick(z.ctx, 0);
	}
	bench_end(r);
	rc = 0;
out:
	zraw_close(&z);
	raw_close(&t);
	return r->unavailable[0] ? 0 : rc;
}

/* At the copy threshold the module picks for the device. */
int bench_zcnet_raw(const struct bench_opts *o, struct bench_run *r)
{
	return zraw_run(o, r, false);
}

/* Every frame in zero copy (threshold 0), whatever the device. */
int bench_zcnet_raw_zc(const struct bench_opts *o, struct bench_run *r)
{
	return zraw_run(o, r, true);
}
