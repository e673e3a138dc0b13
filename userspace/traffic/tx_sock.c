// SPDX-License-Identifier: GPL-2.0-only
/* The zcnet socket sender: TCP or UDP writes from registered memory. */
/*
 * The sockets are attached to one zcnet context (ZCNET_TX_SOCK
 * descriptors): one, or for zcnet-bench --conns N TCP connections. The
 * buffers, one per TX ring entry, are shared out evenly: per buffers a
 * socket, whose buffer seq % per carries its write seq and is rewritten
 * only after that write's completion. Descriptors go to the sockets with
 * room in turn. The cookie is the socket's index << SOCK_COOKIE_SHIFT | its
 * write seq: completions of one socket come in its ring order, which is
 * checked, as is every result. With --gso each UDP descriptor is a train
 * (ZCNET_TX_GSO) whose segments carry the datagram pattern one by one.
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
#define SOCK_COOKIE_SHIFT 40

struct sconn {
	uint32_t slot;
	uint64_t sent, done;	/* writes posted and completed */
};

struct ssender {
	struct tr_opts *o;
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	uint8_t *base;
	size_t slot_size;
	uint32_t nbuf, per, region, nconn, next;
	struct sconn *c;
	int *fds;		/* one per connection */
	uint64_t segs;		/* datagrams per write with --gso */
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

/* Write seq of connection k into its buffer and descriptor d. */
static void fill(struct ssender *s, struct zcnet_tx_desc *d, uint32_t k,
		 double now)
{
	const struct tr_opts *o = s->o;
	uint64_t seq = s->c[k].sent;
	uint32_t b = k * s->per + (uint32_t)(seq % s->per);
	uint8_t *buf = s->base + (size_t)b * s->slot_size;

	if (o->pattern == ZCNET_PATTERN_SEQ && o->udp && o->gso)
		udp_fill_train(buf, seq * s->segs, o->size, o->gso);
	else if (o->pattern == ZCNET_PATTERN_SEQ && o->udp)
		udp_fill(buf, seq, o->size);
	else if (o->pattern == ZCNET_PATTERN_SEQ)
		stream_fill(buf, seq * o->size, o->size);
	if (!o->udp && !o->bench)	/* the sink counts; no sum */
		stream_sum_update(&s->sum, buf, o->size);
	s->ts[b] = now;
	memset(d, 0, sizeof(*d));
	d->offset = (uint64_t)b * s->slot_size;
	d->len = (uint32_t)o->size;
	d->region = (uint16_t)s->region;
	d->flags = ZCNET_TX_SOCK;
	d->sock = (uint16_t)s->c[k].slot;
	if (o->gso) {
		d->flags |= ZCNET_TX_GSO;
		d->gso_size = (uint16_t)o->gso;
	}
	d->cookie = (uint64_t)k << SOCK_COOKIE_SHIFT | seq;
	s->c[k].sent++;
}

/* Descriptors for the connections with room, in turn. */
static void post(struct ssender *s, struct tr_result *r, uint64_t limit)
{
	uint64_t want = limit - r->submitted, room;
	uint32_t idx, n, i = 0, full = 0;
	double now = now_seconds();

	room = s->nbuf - (r->submitted - r->completions);
	n = zcnet_ring_reserve(s->tx, (uint32_t)(want < room ? want : room),
			       &idx);
	while (i < n && full < s->nconn) {
		struct sconn *c = &s->c[s->next];

		if (c->sent - c->done < s->per) {
			fill(s, zcnet_ring_tx_desc(s->tx, idx + i), s->next,
			     now);
			i++;
			full = 0;
		} else {
			full++;
		}
		if (s->nconn > 1)
			s->next = (s->next + 1) % s->nconn;
	}
	zcnet_ring_cancel(s->tx, n - i);
	zcnet_ring_submit(s->tx, i);
	r->submitted += i;
}

/* One completion: its connection's next, in order; latency, result. */
static void complete(struct ssender *s, struct tr_result *r,
		     const struct zcnet_cq_entry *e, double now)
{
	uint64_t k = e->cookie >> SOCK_COOKIE_SHIFT;
	uint64_t seq = e->cookie & ((UINT64_C(1) << SOCK_COOKIE_SHIFT) - 1);
	struct sconn *c;

	/* counted as a completion, as the raw sender does: it ends the run */
	if (k >= s->nconn) {
		r->completions++;
		r->bad_cookies++;
		return;
	}
	c = &s->c[k];
	if (seq != c->done)
		r->out_of_order++;
	if (e->flags & ZCNET_CQE_COPIED)
		r->copied++;
	if (s->o->bench && seq == c->done)
		lat_add(&r->lat, s->ts[k * s->per + seq % s->per], now);
	c->done++;
	r->completions++;
	tr_count(r, e->result, s->o->size);
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
		for (i = 0; i < n; i++)
			complete(s, r, zcnet_ring_cq_entry(s->cq, idx + i),
				 now);
		zcnet_ring_release(s->cq, n);
		tr_tick(r, now);
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

/* Attach every connection; the module's socket slots bound how many. */
static int attach(struct ssender *s, struct tr_result *r)
{
	const struct zcnet_info *info = zcnet_ctx_info(s->ctx);
	uint32_t k;
	int err;

	if (s->o->gso && !zcnet_has_feature(s->ctx, ZCNET_FEAT_TX_GSO)) {
		errmsg("this zcnet module has no UDP GSO trains (ZCNET_TX_GSO)");
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	if (s->nconn > ZCNET_MAX_SOCKETS && s->nconn > info->max_sockets) {
		errmsg("this zcnet module takes %u sockets per context, not %u",
		       info->max_sockets ? info->max_sockets : ZCNET_MAX_SOCKETS,
		       s->nconn);
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	for (k = 0; k < s->nconn; k++) {
		err = zcnet_sock_attach(s->ctx, s->fds[k], &s->c[k].slot);
		if (err) {
			errmsg("attaching socket %u failed: %s%s", k,
			       strerror(-err), err == -EOPNOTSUPP ?
			       " (no zero-copy support on it)" : "");
			return err == -EOPNOTSUPP ?
			       tr_unavailable(r, EXIT_UNSUPPORTED) : EXIT_FAILED;
		}
	}
	return 0;
}

static int setup(struct ssender *s, struct tr_result *r)
{
	const struct tr_opts *o = s->o;
	uint32_t entries = ZCNET_RING_MIN_ENTRIES;
	size_t len;
	int err;

	err = zc_open(&s->ctx, ZCNET_FEAT_TX_SOCK, "socket sends");
	if (err)
		return tr_unavailable(r, err);
	while (entries < o->ring)
		entries <<= 1;
	if (zc_rings(s->ctx, entries, 0))
		return EXIT_FAILED;
	s->tx = zcnet_tx_ring(s->ctx);
	s->cq = zcnet_cq_ring(s->ctx);
	s->slot_size = (o->size + 63) & ~(size_t)63;
	s->nbuf = o->ring;
	while (s->nbuf > ZCNET_RING_MIN_ENTRIES &&
	       s->nbuf * s->slot_size > MAX_REGION)
		s->nbuf /= 2;
	s->per = s->nbuf / s->nconn;
	if (!s->per) {
		errmsg("%u buffers of %zu bytes for %u sockets: fewer than one "
		       "each", s->nbuf, s->slot_size, s->nconn);
		return EXIT_FAILED;
	}
	s->nbuf = s->per * s->nconn;
	s->segs = o->gso ? (o->size + o->gso - 1) / o->gso : 1;
	len = s->nbuf * s->slot_size;
	s->ts = calloc(s->nbuf, sizeof(*s->ts));
	if (!s->ts || zc_region(s->ctx, len, &s->mem, &s->region))
		return EXIT_FAILED;
	s->base = s->mem.addr;
	memset(s->base, 0, len);
	if (o->copy_threshold >= 0 &&
	    zc_param(s->ctx, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
		     (uint64_t)o->copy_threshold, "the copy threshold"))
		return EXIT_FAILED;
	if (zc_eventfd(s->ctx, ZCNET_EVENTFD_CQ, "a completion") < 0)
		return EXIT_FAILED;
	return attach(s, r);
}

/* zcnet-bench's connections to its sink, or the tool's one; rc or 0. */
static int connect_all(struct ssender *s, struct tr_result *r)
{
	const struct tr_opts *o = s->o;
	char target[80];
	int fd;

	if (o->bench && !o->udp)
		return tcp_connect_all(o, s->fds, s->nconn) ? EXIT_FAILED : 0;
	fd = o->bench ? udp_connect(o, r) : sock_connect(o);
	if (fd >= 0) {
		s->fds[0] = fd;
		return 0;
	}
	if (o->bench)
		return r->unavailable[0] ? EXIT_UNSUPPORTED : EXIT_FAILED;
	format_hostport(o->target, target, sizeof(target));
	errmsg("cannot connect to %s: %s", target, strerror(-fd));
	return EXIT_FAILED;
}

int tx_sock(struct tr_opts *o, struct tr_result *r)
{
	struct ssender s = { .o = o, .nconn = o->conns > 1 ? o->conns : 1 };
	struct zcnet_stats st;
	char errs[256];
	uint32_t k;
	int rc;

	r->knows_copied = r->knows_errors = true;
	stream_sum_init(&s.sum);
	s.c = calloc(s.nconn, sizeof(*s.c));
	s.fds = calloc(s.nconn, sizeof(*s.fds));
	for (k = 0; s.fds && k < s.nconn; k++)
		s.fds[k] = -1;
	rc = s.c && s.fds ? connect_all(&s, r) : EXIT_FAILED;
	if (!rc)
		rc = setup(&s, r);
	if (!rc)
		run(&s, r);
	if (!rc && !zcnet_get_stats(s.ctx, &st))
		r->sock_resumes = st.sock_resumes;
	if (!rc && o->bench) {
		if (o->udp)
			tr_end(r);
		rc = (!o->udp && tcp_finish_all(s.fds, s.nconn, r)) ||
		     r->errors || r->stalled ? EXIT_FAILED : 0;
		tr_errors_str(r, false, errs, sizeof(errs));
		if (r->errors)
			errmsg("socket descriptors failed: %s", errs);
	} else if (!rc) {
		tr_end(r);
		/* TCP: the receiver sees the end of the stream */
		if (!o->udp)
			shutdown(s.fds[0], SHUT_WR);
	}
	zcnet_close(s.ctx);
	zcnet_mem_free(&s.mem);
	free(s.ts);
	for (k = 0; s.fds && k < s.nconn; k++)
		if (s.fds[k] >= 0)
			close(s.fds[k]);
	free(s.fds);
	free(s.c);
	return rc;
}
