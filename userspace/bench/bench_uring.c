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

struct uring_tx {
	struct io_uring ring;
	bool ring_ok;
	char *mem;
	uint32_t count, nfree, pending, sending;
	uint32_t *free;
	double *ts;
	unsigned int zc_flags;
	bool usage_rejected;
};

static void uring_queue(struct tr_opts *o, struct uring_tx *u,
			int fd, uint32_t b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	io_uring_prep_send_zc_fixed(sqe, fd, u->mem + (size_t)b * o->size,
				    o->size, MSG_WAITALL | MSG_NOSIGNAL,
				    u->zc_flags, b);
	io_uring_sqe_set_data64(sqe, b);
	u->ts[b] = now_seconds();
	u->pending++;
	u->sending++;
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
		u->free[u->nfree++] = b;
		u->pending--;
		return 0;
	}
	u->sending--;
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
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		u->free[u->nfree++] = b;
		u->pending--;
	}
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
		      struct tr_result *r)
{
	struct iovec *iov;
	uint64_t n = URING_POOL_BYTES / o->size;
	uint32_t i, entries = 8;
	int ret;

	u->count = o->ring ? o->ring : n < 4 ? 4 : n > 256 ? 256 :
		   (uint32_t)n;
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
	iov = calloc(u->count, sizeof(*iov));
	if (!u->mem || !u->free || !u->ts || !iov) {
		free(iov);
		return -1;
	}
	memset(u->mem, 0, (size_t)u->count * o->size);
	for (i = 0; i < u->count; i++) {
		iov[i].iov_base = u->mem + (size_t)i * o->size;
		iov[i].iov_len = o->size;
		u->free[u->nfree++] = u->count - 1 - i;
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
		       int fd, struct tr_result *r)
{
	struct tr_result probe;
	int ret;

	memset(&probe, 0, sizeof(probe));
	uring_queue(o, u, fd, u->free[--u->nfree]);
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
	struct uring_tx u = { 0 };
	int fd = -1, rc = -1, ret;

	if (uring_open(o, &u, r))
		goto out;
	fd = tcp_connect(o);
	if (fd < 0 || uring_probe(o, &u, fd, r))
		goto out;
	tr_begin(o, r);
	for (;;) {
		if (uring_reap(o, &u, r, false))
			goto out;
		if (tr_time_up(o, r, now_seconds()))
			break;
		while (u.nfree && u.sending < URING_SENDING)
			uring_queue(o, &u, fd, u.free[--u.nfree]);
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
	rc = tcp_finish(&fd, r);
out:
	if (fd >= 0)
		close(fd);
	if (u.ring_ok)
		io_uring_queue_exit(&u.ring);
	free(u.mem);
	free(u.free);
	free(u.ts);
	return r->unavailable[0] ? 0 : rc;
}
