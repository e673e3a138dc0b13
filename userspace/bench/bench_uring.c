// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench uring-sendzc: io_uring SEND_ZC from registered buffers. */
/*
 * io_uring_prep_send_zc_fixed() with MSG_WAITALL. Each request gives a
 * result CQE (IORING_CQE_F_MORE when a notification follows) and then a
 * notification CQE (IORING_CQE_F_NOTIF) when the pages are free again:
 * the buffer is reused, and its latency taken, there. Where the kernel
 * knows IORING_RECVSEND_ZC_REPORT_USAGE (6.2 and later), the notification
 * says whether the data was copied. Send requests still waiting for their
 * result limit the pipeline at URING_SENDING: many more on one socket all
 * wake up whenever it becomes writable, and their bytes interleave. Every
 * wait is io_uring_submit_and_wait(), which always enters the kernel: one
 * system call each.
 *
 * With --conns N one ring serves N TCP connections, each with its own
 * buffers (URING_CONN_BUFFERS, or --inflight N in all) and at most one
 * send awaiting its result, so that each stream stays in order.
 * Connections that may send wait on a list, so no pass goes over all.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

#ifndef IORING_RECVSEND_ZC_REPORT_USAGE
#define IORING_RECVSEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)
#endif

#define URING_POOL_BYTES	(4u << 20)
#define URING_SENDING		8
#define URING_CONN_BUFFERS	2

/* A connection: its buffers are b = k * per .. k * per + per - 1. */
struct uring_conn {
	int fd;
	uint32_t nfree, sending;
	uint32_t *free;		/* its free buffers, a stack */
	bool listed;
};

struct uring_tx {
	struct io_uring ring;
	bool ring_ok;
	char *mem;
	uint32_t count, per, nconn, max_sending, pending;
	uint32_t *free, *ready, nready;
	struct uring_conn *c;
	double *ts;
	unsigned int zc_flags;
	bool usage_rejected;
};

static void uring_queue(struct tr_opts *o, struct uring_tx *u,
			struct uring_conn *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	uint32_t b = c->free[--c->nfree];

	io_uring_prep_send_zc_fixed(sqe, c->fd, u->mem + (size_t)b * o->size,
				    o->size, MSG_WAITALL | MSG_NOSIGNAL,
				    u->zc_flags, b);
	io_uring_sqe_set_data64(sqe, b);
	u->ts[b] = now_seconds();
	u->pending++;
	c->sending++;
}

/* Put connection k on the list if it may queue a send. */
static void uring_list(struct uring_tx *u, uint32_t k)
{
	struct uring_conn *c = &u->c[k];

	if (!c->listed && c->nfree && c->sending < u->max_sending) {
		c->listed = true;
		u->ready[u->nready++] = k;
	}
}

static void uring_queue_listed(struct tr_opts *o, struct uring_tx *u)
{
	struct uring_conn *c;

	while (u->nready) {
		c = &u->c[u->ready[--u->nready]];
		c->listed = false;
		while (c->nfree && c->sending < u->max_sending)
			uring_queue(o, u, c);
	}
}

static void uring_free(struct uring_tx *u, uint32_t b)
{
	struct uring_conn *c = &u->c[b / u->per];

	c->free[c->nfree++] = b;
	u->pending--;
	uring_list(u, b / u->per);
}

/* Handle one CQE. Returns -1 on a failed send. */
static int uring_cqe(struct tr_opts *o, struct uring_tx *u,
		     const struct io_uring_cqe *cqe, struct tr_result *r,
		     double now)
{
	uint32_t b = (uint32_t)cqe->user_data;

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		r->completions++;
		if (cqe->res & IORING_NOTIF_USAGE_ZC_COPIED)
			r->copied++;
		lat_add(&r->lat, u->ts[b], now);
		uring_free(u, b);
		return 0;
	}
	u->c[b / u->per].sending--;
	uring_list(u, b / u->per);
	if (cqe->res == -EINVAL && u->zc_flags && !r->bytes) {
		u->usage_rejected = true;	/* no copy reports: older kernel */
	} else if (cqe->res < 0) {
		errmsg("SEND_ZC: %s", strerror(-cqe->res));
		r->errors++;
	} else {
		r->bytes += (uint64_t)cqe->res;
		if ((uint64_t)cqe->res == o->size)
			r->frames++;
		else
			r->errors++;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		uring_free(u, b);
	return cqe->res < 0 && !u->usage_rejected ? -1 : 0;
}

static int uring_reap(struct tr_opts *o, struct uring_tx *u,
		      struct tr_result *r, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret, rc = 0;

	if (wait && !io_uring_cq_ready(&u->ring)) {
		ret = io_uring_submit_and_wait(&u->ring, 1);
		tr_sys(r, 1);
		if (ret < 0 && ret != -EINTR) {
			errmsg("io_uring_submit_and_wait: %s", strerror(-ret));
			return -1;
		}
	}
	double now = now_seconds();

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		if (uring_cqe(o, u, cqe, r, now))
			rc = -1;
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	return rc;
}

static int uring_open(struct tr_opts *o, struct uring_tx *u,
		      struct tr_result *r, int *fds)
{
	struct iovec *iov;
	uint64_t n = URING_POOL_BYTES / o->size;
	uint32_t i, k, entries = 8;
	int ret;

	if (u->nconn > 1)
		u->count = o->ring ? o->ring : u->nconn * URING_CONN_BUFFERS;
	else
		u->count = o->ring ? o->ring : n < 4 ? 4 : n > 256 ? 256 :
			   (uint32_t)n;
	u->per = u->count / u->nconn;
	if (!u->per) {
		errmsg("%u buffers for %u connections: fewer than one each",
		       u->count, u->nconn);
		return -1;
	}
	u->count = u->per * u->nconn;
	u->max_sending = u->nconn > 1 ? 1 : URING_SENDING;
	while (entries < u->count)
		entries <<= 1;
	ret = io_uring_queue_init(entries, &u->ring, 0);
	if (ret) {
		bench_unavailable(r, "io_uring_queue_init: %s", strerror(-ret));
		return -1;
	}
	u->ring_ok = true;
	u->mem = aligned_alloc(4096, ((size_t)u->count * o->size + 4095) &
			       ~(size_t)4095);
	u->free = calloc(u->count, sizeof(*u->free));
	u->ts = calloc(u->count, sizeof(*u->ts));
	u->c = calloc(u->nconn, sizeof(*u->c));
	u->ready = calloc(u->nconn, sizeof(*u->ready));
	iov = calloc(u->count, sizeof(*iov));
	if (!u->mem || !u->free || !u->ts || !u->c || !u->ready || !iov) {
		free(iov);
		return -1;
	}
	memset(u->mem, 0, (size_t)u->count * o->size);
	for (k = 0; k < u->nconn; k++) {
		u->c[k].fd = fds[k];
		u->c[k].free = u->free + (size_t)k * u->per;
		for (i = 0; i < u->per; i++)
			u->c[k].free[u->c[k].nfree++] = k * u->per + u->per -
							1 - i;
	}
	for (i = 0; i < u->count; i++) {
		iov[i].iov_base = u->mem + (size_t)i * o->size;
		iov[i].iov_len = o->size;
	}
	ret = io_uring_register_buffers(&u->ring, iov, u->count);
	free(iov);
	if (ret) {
		bench_unavailable(r, "io_uring_register_buffers: %s",
				  strerror(-ret));
		return -1;
	}
	u->zc_flags = IORING_RECVSEND_ZC_REPORT_USAGE;
	return 0;
}

/* One request, to learn whether the kernel takes ZC_REPORT_USAGE. */
static int uring_probe(struct tr_opts *o, struct uring_tx *u,
		       struct tr_result *r)
{
	struct tr_result probe;
	int ret;

	memset(&probe, 0, sizeof(probe));
	uring_queue(o, u, &u->c[0]);
	ret = io_uring_submit(&u->ring);
	if (ret < 0) {
		bench_unavailable(r, "io_uring_submit: %s", strerror(-ret));
		return -1;
	}
	while (u->pending)
		if (uring_reap(o, u, &probe, true))
			break;
	r->pre_bytes = probe.bytes;
	if (u->usage_rejected)
		u->zc_flags = 0;
	else if (probe.errors || u->pending)
		bench_unavailable(r, "SEND_ZC does not work here");
	lat_free(&probe.lat);
	return r->unavailable[0] ? -1 : 0;
}

int bench_uring_zc(struct tr_opts *o, struct tr_result *r)
{
	struct uring_tx u = { .nconn = o->conns > 1 ? o->conns : 1 };
	int *fds = calloc(u.nconn, sizeof(*fds)), rc = -1, ret;
	uint32_t k;

	if (!fds || tcp_connect_all(o, fds, u.nconn)) {
		free(fds);
		return -1;
	}
	if (uring_open(o, &u, r, fds) || uring_probe(o, &u, r))
		goto out;
	u.nready = 0;
	for (k = 0; k < u.nconn; k++) {
		u.c[k].listed = false;
		uring_list(&u, k);
	}
	tr_begin(o, r);
	for (;;) {
		if (uring_reap(o, &u, r, false))
			goto out;
		if (tr_time_up(o, r, now_seconds()))
			break;
		uring_queue_listed(o, &u);
		ret = io_uring_submit_and_wait(&u.ring, 1);
		tr_sys(r, 1);
		if (ret < 0 && ret != -EINTR && ret != -EBUSY) {
			errmsg("io_uring_submit: %s", strerror(-ret));
			goto out;
		}
	}
	while (u.pending)
		if (uring_reap(o, &u, r, true))
			goto out;
	rc = tcp_finish_all(fds, u.nconn, r);
out:
	for (k = 0; k < u.nconn; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(fds);
	if (u.ring_ok)
		io_uring_queue_exit(&u.ring);
	free(u.mem);
	free(u.free);
	free(u.ts);
	free(u.c);
	free(u.ready);
	return r->unavailable[0] ? 0 : rc;
}
