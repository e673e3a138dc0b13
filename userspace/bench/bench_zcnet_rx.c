// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench recv zcnet and zcnet-rxq: zcnet's receive path
 * (ZCNET_BIND_RX).
 */
/*
 * As zcnet-recv does it: per context one region of ZC_RING buffers, all
 * on the FILL ring before the bind; each RX entry must name a posted
 * buffer, which goes back on FILL once its frame is checked. Wake-ups are
 * moderated as TPACKET_V3's blocks retire (RX_BLOCK_FRAMES). zcnet takes
 * the test ethertype on any queue with one context. zcnet-rxq takes the
 * datagrams of gen udp (UDP to --port) with one context per RX queue
 * 0..N-1 (--rx-queues N, ZCNET_BIND_RX_QUEUE), all served by this one
 * thread: it drains every RX ring it finds non-empty, and sleeps in one
 * poll() on all the RX eventfds only when every ring is empty. One thread
 * is the setup the instruction-time ruler measures honestly: its guest
 * has one vCPU, so N threads would only take turns on it. A datagram is
 * checked as the test frame it carries: the 14 bytes before its payload
 * (the end of its IPv4 and UDP headers, once these are checked) are
 * overwritten with the test frame's Ethernet header, as udp-recvmmsg
 * reads its datagrams 14 bytes behind such a header.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "bench.h"
#include "frame.h"

#define ZC_RING		16384	/* 32 MiB of 2 KiB buffers, as the others have */
#define ZC_UDP_HDRS	42	/* Ethernet, IPv4 without options, UDP */

struct zc_q {
	struct zcnet_ctx *ctx;
	struct zcnet_mem mem;
	uint8_t *base, *posted;
	uint32_t region;
	int efd;
};

struct zc_rx {
	struct rx_method m;	/* first */
	struct zc_q q[BENCH_MAX_RXQ];
	uint32_t nq, buf_size, ring;
	bool udp;
};

static void zc_post(struct zc_rx *z, struct zc_q *q, uint32_t buf)
{
	struct zcnet_ring *fill = zcnet_fill_ring(q->ctx);
	struct zcnet_fill_desc *d;
	uint32_t idx;

	if (zcnet_ring_reserve(fill, 1, &idx) != 1)
		return;
	d = zcnet_ring_fill_desc(fill, idx);
	memset(d, 0, sizeof(*d));
	d->offset = (uint64_t)buf * z->buf_size;
	d->len = z->buf_size;
	d->region = (uint16_t)q->region;
	q->posted[buf] = 1;
}

/* A UDP frame to --port: the test frame it carries, or NULL. */
static uint8_t *zc_udp_frame(struct zc_rx *z, uint8_t *p, uint32_t *len)
{
	struct rx_bench *b = z->m.b;

	if (*len < ZC_UDP_HDRS || p[12] != 0x08 || p[13] != 0x00 ||
	    p[14] != 0x45 || p[23] != 17 ||
	    (p[36] << 8 | p[37]) != b->o->port)
		return NULL;
	p += ZC_UDP_HDRS - ZCNET_FRAME_ETH_LEN;
	*len -= ZC_UDP_HDRS - ZCNET_FRAME_ETH_LEN;
	memset(p, 0, 12);
	p[12] = ZCNET_FRAME_ETHERTYPE >> 8;
	p[13] = ZCNET_FRAME_ETHERTYPE & 0xff;
	return p;
}

/* One RX entry, checked against the buffers posted; false: not ours. */
static bool zc_entry(struct zc_rx *z, struct zc_q *q,
		     const struct zcnet_rx_desc *e)
{
	struct rx_bench *b = z->m.b;
	uint64_t buf = e->offset / z->buf_size;
	uint32_t len = e->len;
	uint8_t *p;

	if (e->region != q->region || e->offset % z->buf_size ||
	    buf >= z->ring || !q->posted[buf]) {
		b->c.bad++;
		rx_report(&b->c, "an RX entry names region %u offset %llu: "
			  "not a posted buffer", e->region,
			  (unsigned long long)e->offset);
		return false;
	}
	q->posted[buf] = 0;
	b->copied += !!(e->flags & ZCNET_RX_COPIED);
	p = q->base + e->offset + e->data;
	if (e->data > e->buf_len || e->len > e->buf_len - e->data ||
	    e->buf_len != z->buf_size || e->len != e->frame_len) {
		b->c.frames++;
		b->c.bad++;
		rx_report(&b->c, "an RX entry of len %u, frame_len %u, data "
			  "%u, flags 0x%x", e->len, e->frame_len, e->data,
			  e->flags);
	} else if (!z->udp) {
		rxb_frame(b, p, len);
	} else if ((p = zc_udp_frame(z, p, &len))) {
		rxb_frame(b, p, len);
	} else {
		b->other++;
	}
	zc_post(z, q, (uint32_t)buf);
	return true;
}

/* Every entry of one context's RX ring, up to the frame count. */
static int zc_drain(struct zc_rx *z, struct zc_q *q)
{
	struct zcnet_ring *rx = zcnet_rx_ring(q->ctx);
	uint32_t n, i, idx, done = 0;

	n = zcnet_ring_peek(rx, zcnet_ring_entries(rx), &idx);
	for (i = 0; i < n && !rxb_done(z->m.b); i++) {
		struct zcnet_rx_desc e = *zcnet_ring_rx_desc(rx, idx + i);

		done += zc_entry(z, q, &e);
	}
	zcnet_ring_release(rx, i);
	if (i < n)
		zcnet_ring_unpeek(rx, n - i);
	zcnet_ring_submit(zcnet_fill_ring(q->ctx), done);
	return (int)i;
}

/* Sleep on every RX eventfd: 1 woken, 0 not (time or signal), -1. */
static int zc_wait(struct zc_rx *z, int ms)
{
	struct pollfd p[BENCH_MAX_RXQ];
	uint64_t v;
	uint32_t i;
	int n;

	for (i = 0; i < z->nq; i++)
		p[i] = (struct pollfd){ .fd = z->q[i].efd, .events = POLLIN };
	z->m.b->syscalls++;
	n = poll(p, z->nq, ms);
	if (n < 0 && errno != EINTR) {
		errmsg("poll: %s", strerror(errno));
		return -1;
	}
	for (i = 0; n > 0 && i < z->nq; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		z->m.b->syscalls++;
		if (read(p[i].fd, &v, sizeof(v)) < 0 && errno != EAGAIN &&
		    errno != EINTR) {
			errmsg("reading an RX eventfd: %s", strerror(errno));
			return -1;
		}
	}
	return n > 0;
}

static int zc_take(struct rx_method *m, int ms)
{
	struct zc_rx *z = (struct zc_rx *)m;
	uint32_t i;
	int n, k;

	for (;;) {
		for (i = 0, n = 0; i < z->nq && !rxb_done(m->b); i++)
			n += zc_drain(z, &z->q[i]);
		if (n)
			return n;
		k = zc_wait(z, ms);
		if (k <= 0)
			return k;
	}
}

/* Context q: rings, region, buffers posted, eventfd, bound; 0 or -1. */
static int zc_open_q(struct zc_rx *z, uint32_t qi)
{
	struct rx_bench *b = z->m.b;
	struct zc_q *q = &z->q[qi];
	struct zcnet_bind bind = { .flags = ZCNET_BIND_RX,
				   .ifindex = b->o->ifc.ifindex,
				   .queue = ZCNET_QUEUE_ANY,
				   .rx_match = ZCNET_RX_MATCH_ETHERTYPE,
				   .rx_ethertype = ZCNET_FRAME_ETHERTYPE };
	int err;

	if (z->udp) {
		bind.rx_match = ZCNET_RX_MATCH_UDP;
		bind.rx_ethertype = 0;
		bind.rx_port = b->o->port;
		bind.flags |= ZCNET_BIND_RX_QUEUE;
		bind.rx_queue = qi;
	}
	q->posted = calloc(z->ring, 1);
	if (!q->posted || zc_rings(q->ctx, 0, z->ring) ||
	    zc_region(q->ctx, (size_t)z->ring * z->buf_size, &q->mem,
		      &q->region))
		return -1;
	q->efd = zc_eventfd(q->ctx, ZCNET_EVENTFD_RX, "an RX");
	if (q->efd < 0)
		return -1;
	if (zcnet_has_feature(q->ctx, ZCNET_FEAT_RX_WAKE) &&
	    (zcnet_set_param(q->ctx, ZCNET_PARAM_RX_WAKE_FRAMES,
			     RX_BLOCK_FRAMES) ||
	     zcnet_set_param(q->ctx, ZCNET_PARAM_RX_WAKE_USEC,
			     RX_BLOCK_TOV_MS * 1000))) {
		errmsg("setting zcnet's wake-up moderation failed");
		return -1;
	}
	q->base = q->mem.addr;
	for (uint32_t i = 0; i < z->ring; i++)
		zc_post(z, q, i);
	zcnet_ring_submit(zcnet_fill_ring(q->ctx), z->ring);
	err = zcnet_bind(q->ctx, &bind);
	if (err) {
		errmsg("zcnet receive bind on %s%s: %s", b->o->ifc.name,
		       z->udp ? ", RX queue" : "", strerror(-err));
		return -1;
	}
	return 0;
}

/* The contexts, opened and bound; 0, or -1 (reported or unavailable) */
static int zc_open_all(struct zc_rx *z)
{
	struct rx_bench *b = z->m.b;
	uint32_t i;
	int err;

	for (i = 0; i < z->nq; i++) {
		err = zcnet_open(&z->q[i].ctx);
		if (err) {
			if (err != -ENOENT && err != -ENODEV && err != -ENXIO) {
				report_open_error(err);
				return -1;
			}
			snprintf(b->unavailable, sizeof(b->unavailable),
				 "no zcnet module here (/dev/zcnet: %s)",
				 strerror(-err));
			return -1;
		}
		if (!zcnet_has_feature(z->q[i].ctx, ZCNET_FEAT_RX) ||
		    (z->udp && !zcnet_has_feature(z->q[i].ctx,
						  ZCNET_FEAT_RX_SHARED))) {
			snprintf(b->unavailable, sizeof(b->unavailable),
				 "this zcnet module has no receive%s",
				 z->udp ? " by RX queue" : "");
			return -1;
		}
		if (zc_open_q(z, i))
			return -1;
	}
	return 0;
}

static int zc_rx_run(struct rx_bench *b, bool udp, uint32_t nq)
{
	struct zc_rx z = { .m = { .b = b, .take = zc_take }, .nq = nq,
			   .udp = udp };
	uint64_t frame = udp ? b->o->size + ZC_UDP_HDRS : b->o->size;
	struct zcnet_stats st;
	int rc = -1, k;
	uint32_t i;

	/* room for the frame behind whatever headroom the kernel keeps */
	z.buf_size = (uint32_t)((frame + 256 + 63) & ~(uint64_t)63);
	z.buf_size = z.buf_size < 2048 ? 2048 : z.buf_size;
	/* the same memory in all, split between the contexts */
	for (z.ring = ZC_RING; z.ring * nq > ZC_RING; z.ring /= 2)
		;
	for (i = 0; i < nq; i++)
		z.q[i].efd = -1;
	if (!zc_open_all(&z)) {
		snprintf(b->mode, sizeof(b->mode), "contexts=%u buffers=%u "
			 "buf_size=%u", nq, z.ring, z.buf_size);
		rc = rxb_run(&z.m);
	}
	for (i = 0; i < nq; i++) {
		if (!z.q[i].ctx)
			continue;
		if (!zcnet_get_stats(z.q[i].ctx, &st) &&
		    (k = zcnet_stats_index("rx_drop_nobuf")) >= 0)
			b->drops += zcnet_stats_value(&st, (unsigned int)k);
		zcnet_unbind(z.q[i].ctx, ZCNET_BIND_RX);
		zcnet_close(z.q[i].ctx);
		zcnet_mem_free(&z.q[i].mem);
		free(z.q[i].posted);
	}
	return rc;
}

int bench_zcnet_rx(struct rx_bench *b)
{
	return zc_rx_run(b, false, 1);
}

int bench_zcnet_udp_rx(struct rx_bench *b)
{
	if (!b->o->iface)
		usage_error("recv zcnet-rxq needs -i IFACE");
	return zc_rx_run(b, true, b->x->queues ? b->x->queues : 1);
}
