// SPDX-License-Identifier: GPL-2.0-only
/* The zcnet socket sender: TCP or UDP writes from registered memory. */
/*
 * The socket is attached to a zcnet context (ZCNET_TX_SOCK descriptors).
 * One buffer per TX ring entry; buffer seq % N carries write seq and is
 * rewritten only after that write's completion. Completions of one socket
 * come in ring order, which is checked, as is every result.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

#define MAX_REGION	(256U << 20)

struct ssender {
	struct tr_opts *o;
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	uint8_t *base;
	size_t slot_size;
	uint32_t nbuf, region, sock;
	double *ts;
	struct stream_sum sum;
};

/* A connected socket of the kind asked for, or -errno. */
static int sock_connect(const struct tr_opts *o)
{
	int s = socket(o->target->ss_family,
		       (o->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int err;

	if (s < 0)
		return -errno;
	if ((o->sndbuf && setsockopt(s, SOL_SOCKET, SO_SNDBUF, &o->sndbuf,
				     sizeof(o->sndbuf))) ||
	    connect(s, (const struct sockaddr *)o->target, o->target_len)) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

static void post(struct ssender *s, struct tr_result *r, uint64_t limit)
{
	const struct tr_opts *o = s->o;
	uint64_t want = limit - r->submitted, room;
	uint32_t idx, n, i;
	double now = now_seconds();

	room = s->nbuf - (r->submitted - r->completions);
	n = zcnet_ring_reserve(s->tx, (uint32_t)(want < room ? want : room),
			       &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(s->tx, idx + i);
		uint64_t seq = r->submitted + i;
		uint8_t *buf = s->base + (seq % s->nbuf) * s->slot_size;

		if (o->pattern == ZCNET_PATTERN_SEQ && o->udp)
			udp_fill(buf, seq, o->size);
		else if (o->pattern == ZCNET_PATTERN_SEQ)
			stream_fill(buf, seq * o->size, o->size);
		if (!o->udp && !o->bench)	/* the sink counts; no sum */
			stream_sum_update(&s->sum, buf, o->size);
		s->ts[seq % s->nbuf] = now;
		memset(d, 0, sizeof(*d));
		d->offset = (seq % s->nbuf) * s->slot_size;
		d->len = (uint32_t)o->size;
		d->region = (uint16_t)s->region;
		d->flags = ZCNET_TX_SOCK;
		d->sock = (uint16_t)s->sock;
		d->cookie = seq;
	}
	zcnet_ring_submit(s->tx, n);
	r->submitted += n;
}

static void run(struct ssender *s, struct tr_result *r)
{
	const struct tr_opts *o = s->o;
	uint64_t limit = o->frames ? o->frames : UINT64_MAX, unkicked = 0;
	uint32_t idx, n, i;
	double last, now;
	int ret;

	tr_begin(o, r);
	last = r->t0;
	while (!*o->stop) {
		if (tr_time_up(o, r, now_seconds()))
			limit = r->submitted;
		if (r->completions == limit)
			break;
		unkicked -= r->submitted;
		if (r->submitted < limit)
			post(s, r, limit);
		unkicked += r->submitted;
		if (unkicked) {
			ret = zcnet_kick(s->ctx, 0);
			tr_sys(r, 1);
			if (ret < 0) {
				errmsg("kick failed: %s", strerror(-ret));
				r->fatal = true;
				break;
			}
			unkicked -= (uint64_t)ret;
		}
		n = zcnet_ring_peek(s->cq, UINT32_MAX, &idx);
		now = now_seconds();
		for (i = 0; i < n; i++) {
			const struct zcnet_cq_entry *c =
				zcnet_ring_cq_entry(s->cq, idx + i);

			if (c->cookie != r->completions)
				r->out_of_order++;
			if (c->flags & ZCNET_CQE_COPIED)
				r->copied++;
			if (o->bench && c->cookie == r->completions)
				lat_add(&r->lat, s->ts[c->cookie % s->nbuf],
					now);
			r->completions++;
			tr_count(r, c->result, o->size);
		}
		zcnet_ring_release(s->cq, n);
		if (n) {
			last = now;
			continue;
		}
		if (now - last > o->stall) {
			errmsg("no completion for %g s", o->stall);
			r->stalled = true;
			break;
		}
		zcnet_wait(s->ctx, POLLIN, 100);
		tr_sys(r, 1);
	}
	r->interrupted = *o->stop;
	r->checksum = stream_sum_final(&s->sum);
}

static int setup(struct ssender *s, struct tr_result *r, int fd)
{
	const struct tr_opts *o = s->o;
	uint32_t entries = ZCNET_RING_MIN_ENTRIES;
	size_t len;
	int err;

	err = zcnet_open(&s->ctx);
	if (err)
		return tr_unavailable(r, report_open_error(err));
	if (!zcnet_has_feature(s->ctx, ZCNET_FEAT_TX_SOCK)) {
		errmsg("this zcnet module has no socket sends");
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	while (entries < o->ring)
		entries <<= 1;
	err = zcnet_setup(s->ctx, entries, entries, 0, 0);
	if (err) {
		errmsg("ring setup (%u entries) failed: %s", entries,
		       strerror(-err));
		return EXIT_FAILED;
	}
	s->tx = zcnet_tx_ring(s->ctx);
	s->cq = zcnet_cq_ring(s->ctx);
	s->slot_size = (o->size + 63) & ~(size_t)63;
	s->nbuf = o->ring;
	while (s->nbuf > ZCNET_RING_MIN_ENTRIES &&
	       s->nbuf * s->slot_size > MAX_REGION)
		s->nbuf /= 2;
	len = s->nbuf * s->slot_size;
	s->ts = calloc(s->nbuf, sizeof(*s->ts));
	if (!s->ts || zc_region(s->ctx, len, &s->mem, &s->region))
		return EXIT_FAILED;
	s->base = s->mem.addr;
	memset(s->base, 0, len);
	if (o->copy_threshold >= 0) {
		err = zcnet_set_param(s->ctx, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				      (uint64_t)o->copy_threshold);
		if (err) {
			errmsg("setting the copy threshold failed: %s",
			       strerror(-err));
			return EXIT_FAILED;
		}
	}
	if (zc_eventfd(s->ctx, ZCNET_EVENTFD_CQ, "a completion") < 0)
		return EXIT_FAILED;
	err = zcnet_sock_attach(s->ctx, fd, &s->sock);
	if (err) {
		errmsg("attaching the socket failed: %s%s", strerror(-err),
		       err == -EOPNOTSUPP ? " (no zero-copy support on it)" :
		       "");
		return err == -EOPNOTSUPP ? tr_unavailable(r, EXIT_UNSUPPORTED) :
					    EXIT_FAILED;
	}
	return 0;
}

int tx_sock(struct tr_opts *o, struct tr_result *r)
{
	struct ssender s = { .o = o };
	struct zcnet_stats st;
	char target[80], errs[256];
	int fd, rc;

	stream_sum_init(&s.sum);
	if (o->bench) {
		fd = o->udp ? udp_connect(o, r) : tcp_connect(o);
		if (fd < 0)
			return r->unavailable[0] ? EXIT_UNSUPPORTED : EXIT_FAILED;
	} else {
		fd = sock_connect(o);
		if (fd < 0) {
			format_hostport(o->target, target, sizeof(target));
			errmsg("cannot connect to %s: %s", target,
			       strerror(-fd));
			return EXIT_FAILED;
		}
	}
	rc = setup(&s, r, fd);
	if (!rc)
		run(&s, r);
	if (!rc && !zcnet_get_stats(s.ctx, &st))
		r->sock_resumes = st.sock_resumes;
	if (!rc && o->bench) {
		if (o->udp)
			tr_end(r);
		rc = (!o->udp && tcp_finish(&fd, r)) || r->errors ||
		     r->stalled ? EXIT_FAILED : 0;
		tr_errors_str(r, false, errs, sizeof(errs));
		if (r->errors)
			errmsg("socket descriptors failed: %s", errs);
	} else if (!rc) {
		tr_end(r);
		/* TCP: the receiver sees the end of the stream */
		if (!o->udp)
			shutdown(fd, SHUT_WR);
	}
	zcnet_close(s.ctx);
	zcnet_mem_free(&s.mem);
	free(s.ts);
	if (fd >= 0)
		close(fd);
	return rc;
}
