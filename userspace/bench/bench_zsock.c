// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: zcnet socket mode, written against the ioctls of
 * <linux/zcnet.h>: a connected TCP socket is attached to the context
 * (ZCNET_IOC_SOCK_ATTACH, which gives its slot), each write is a TX
 * descriptor with ZCNET_TX_SOCK and that slot, pointing into a registered
 * pool of buffers, and its CQ entry (result: bytes sent, ZCNET_CQE_COPIED
 * when the kernel copied) frees the buffer and ends its latency. A module
 * without socket send says EOPNOTSUPP: the method is then unavailable.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"
#include "libzcnet.h"

#define ZSOCK_POOL_BYTES	(4u << 20)
#define ZSOCK_WAIT_MS		100

struct zsock {
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	uint32_t region, slot, count, nfree, ring;
	uint32_t *free;
	double *ts;
};

static int zsock_attach(struct zsock *z, int fd, struct bench_run *r)
{
	struct zcnet_sock_attach a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.fd = fd;
	if (ioctl(zcnet_ctx_fd(z->ctx), ZCNET_IOC_SOCK_ATTACH, &a) == 0) {
		z->slot = a.slot;
		return 0;
	}
	if (errno == EOPNOTSUPP)
		bench_unavailable(r, "this zcnet module has no socket send "
				  "(ZCNET_IOC_SOCK_ATTACH: EOPNOTSUPP)");
	else
		errmsg("ZCNET_IOC_SOCK_ATTACH: %s", strerror(errno));
	return -1;
}

static int zsock_open(const struct bench_opts *o, struct zsock *z,
		      struct bench_run *r)
{
	uint64_t n = ZSOCK_POOL_BYTES / o->size;
	uint32_t i;
	int err;

	z->count = o->inflight ? o->inflight : n < 8 ? 8 : n > 256 ? 256 :
		   (uint32_t)n;
	z->ring = 8;
	while (z->ring < z->count)
		z->ring <<= 1;
	err = zcnet_open(&z->ctx);
	if (err) {
		bench_unavailable(r, "cannot open /dev/zcnet: %s",
				  strerror(-err));
		return -1;
	}
	err = zcnet_setup(z->ctx, z->ring, z->ring, 0, 0);
	if (!err)
		err = zcnet_mem_alloc(&z->mem, (size_t)z->count * o->size,
				      LIBZCNET_MEM_POPULATE);
	if (!err)
		err = zcnet_region_register(z->ctx, z->mem.addr, z->mem.len,
					    &z->region);
	if (!err)
		err = zcnet_eventfd_create(z->ctx, ZCNET_EVENTFD_CQ);
	if (err < 0) {
		errmsg("zcnet setup: %s", strerror(-err));
		return -1;
	}
	z->tx = zcnet_tx_ring(z->ctx);
	z->cq = zcnet_cq_ring(z->ctx);
	z->free = calloc(z->count, sizeof(*z->free));
	z->ts = calloc(z->count, sizeof(*z->ts));
	if (!z->free || !z->ts)
		return -1;
	for (i = 0; i < z->count; i++)
		z->free[z->nfree++] = z->count - 1 - i;
	return 0;
}

static uint32_t zsock_post(const struct bench_opts *o, struct zsock *z)
{
	uint32_t n, i, idx, b;
	double now = now_seconds();

	n = zcnet_ring_reserve(z->tx, z->nfree, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(z->tx, idx + i);

		b = z->free[--z->nfree];
		z->ts[b] = now;
		memset(d, 0, sizeof(*d));
		d->offset = (uint64_t)b * o->size;
		d->len = (uint32_t)o->size;
		d->region = (uint16_t)z->region;
		d->flags = ZCNET_TX_SOCK;
		d->sock = (uint16_t)z->slot;
		d->cookie = b;
	}
	if (n)
		zcnet_ring_submit(z->tx, n);
	return n;
}

static uint32_t zsock_reap(const struct bench_opts *o, struct zsock *z,
			   struct bench_run *r)
{
	struct bench_zbufs b = { .free = z->free, .nfree = z->nfree,
				 .ts = z->ts, .count = z->count };
	uint32_t n = bench_zcnet_reap(z->cq, o->size, &b, r, now_seconds());

	z->nfree = b.nfree;
	return n;
}

int bench_zcnet_sock(const struct bench_opts *o, struct bench_run *r)
{
	struct zsock z = { 0 };
	int fd = -1, rc = -1, ret, idle = 0;

	fd = tcp_connect(o);
	if (fd < 0 || zsock_open(o, &z, r) || zsock_attach(&z, fd, r))
		goto out;
	bench_begin(o, r);
	for (;;) {
		zsock_reap(o, &z, r);
		if (r->errors) {
			errmsg("a socket descriptor failed");
			goto out;
		}
		if (bench_time_up(o, r, now_seconds()))
			break;
		if (z.nfree && zsock_post(o, &z)) {
			ret = zcnet_kick(z.ctx, 0);
			if (ret < 0 && ret != -EAGAIN && ret != -EBUSY &&
			    ret != -EINTR) {
				errmsg("ZCNET_IOC_KICK: %s", strerror(-ret));
				goto out;
			}
			continue;
		}
		if (zcnet_eventfd_wait(z.ctx, ZCNET_EVENTFD_CQ, ZSOCK_WAIT_MS,
				       NULL) == -ETIMEDOUT)
			zcnet_kick(z.ctx, 0);
	}
	while (z.nfree < z.count) {
		if (zsock_reap(o, &z, r)) {
			idle = 0;
			continue;
		}
		if (++idle > 100) {
			errmsg("no completion for 10 s");
			goto out;
		}
		if (zcnet_eventfd_wait(z.ctx, ZCNET_EVENTFD_CQ, ZSOCK_WAIT_MS,
				       NULL) == -ETIMEDOUT)
			zcnet_kick(z.ctx, 0);
	}
	rc = tcp_finish(&fd, r);
out:
	if (fd >= 0)
		close(fd);
	zcnet_close(z.ctx);
	zcnet_mem_free(&z.mem);
	free(z.free);
	free(z.ts);
	return r->unavailable[0] ? 0 : rc;
}
