// SPDX-License-Identifier: GPL-2.0-only
/* The zcnet raw-frame sender (ZCNET_BIND_TX), every completion checked. */
/*
 * One region holding a frame slot per TX ring entry; the TX ring is kept
 * full, kicked once per batch, and a slot is reused only after the
 * completion of its frame. A completion's cookie must name a frame in
 * flight (each is seen once), its result must be the frame length. With
 * super-frames (o->l4) each slot starts with the frame's virtio_net_hdr
 * (ZCNET_TX_VNET_HDR), which the length and the result count too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "libzcnet.h"
#include "traffic.h"

#define SLOT_ALIGN	64
#define COOKIE_SLOT_BITS 16		/* cookie = frame << 16 | slot */
#define WAIT_MS		100

struct zsender {
	struct tx_ring q;		/* first: the ops get it */
	struct tr_opts *o;
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	uint8_t *base;
	uint32_t region;
	size_t slot_size;
	uint32_t *free;
	uint64_t *slot_seq;		/* frame number in a busy slot */
	uint8_t *busy;
	double *ts;			/* when the slot was posted */
	double last;			/* the last completion */
};

static void complete(struct zsender *s, struct tr_result *r,
		     const struct zcnet_cq_entry *c, double now)
{
	uint64_t slot = c->cookie & ((1u << COOKIE_SLOT_BITS) - 1);
	int64_t res, hdr = s->q.t.hdr;

	r->completions++;
	if (slot >= s->o->ring || !s->busy[slot] ||
	    s->slot_seq[slot] != c->cookie >> COOKIE_SLOT_BITS) {
		r->bad_cookies++;
	} else {
		s->busy[slot] = 0;
		s->free[s->q.free++] = (uint32_t)slot;
		s->q.busy--;
		r->inflight--;
		if (s->o->bench)
			lat_add(&r->lat, s->ts[slot], now);
	}
	if (c->flags & ZCNET_CQE_COPIED)
		r->copied++;
	if (c->flags & ~(uint32_t)ZCNET_CQE_COPIED)
		r->unknown_flags++;
	/* the result counts a super-frame's virtio_net_hdr too */
	res = c->result;
	tr_count(r, res >= hdr ? res - hdr : res, s->o->size);
}

static uint32_t post(struct tx_ring *q, struct tr_result *r, uint32_t want,
		     double now)
{
	struct zsender *s = (struct zsender *)q;
	uint32_t n, i, idx, slot;

	n = zcnet_ring_reserve(s->tx, want, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(s->tx, idx + i);

		slot = s->free[--q->free];
		tx_raw_frame(&q->t, s->base + slot * s->slot_size, q->t.next,
			     true);
		s->slot_seq[slot] = q->t.next;
		s->busy[slot] = 1;
		s->ts[slot] = now;
		memset(d, 0, sizeof(*d));
		d->offset = (uint64_t)slot * s->slot_size;
		d->len = q->t.len;
		d->region = (uint16_t)s->region;
		d->flags = q->t.hdr ? ZCNET_TX_VNET_HDR : 0;
		d->cookie = q->t.next++ << COOKIE_SLOT_BITS | slot;
	}
	if (n) {
		zcnet_ring_submit(s->tx, n);
		r->submitted += n;
		r->inflight += n;
		q->busy += n;
	}
	return n;
}

static uint32_t drain(struct tx_ring *q, struct tr_result *r, double now)
{
	struct zsender *s = (struct zsender *)q;
	uint32_t n, i, idx;

	now = s->o->bench ? now_seconds() : 0;
	if (!s->last)
		s->last = r->t0;
	n = zcnet_ring_peek(s->cq, zcnet_ring_entries(s->cq), &idx);
	for (i = 0; i < n; i++)
		complete(s, r, zcnet_ring_cq_entry(s->cq, idx + i), now);
	if (n) {
		zcnet_ring_release(s->cq, n);
		s->last = now_seconds();
	}
	return n;
}

static uint32_t unconsumed(const struct zcnet_ring *tx)
{
	return tx->published - __atomic_load_n(tx->consumer, __ATOMIC_ACQUIRE);
}

static int kick(struct tx_ring *q, struct tr_result *r, uint32_t n)
{
	struct zsender *s = (struct zsender *)q;
	int ret;

	if (!n)
		return 0;
	ret = zcnet_kick(s->ctx, 0);
	r->kicks++;
	tr_sys(r, 1);
	if (ret >= 0 || ret == -EAGAIN || ret == -EBUSY || ret == -EINTR)
		return 0;
	errmsg("ZCNET_IOC_KICK failed: %s", strerror(-ret));
	r->fatal = true;
	return ret;
}

static bool wait_cq(struct tx_ring *q, struct tr_result *r, bool stop,
		    uint32_t done)
{
	struct zsender *s = (struct zsender *)q;
	int ret;

	if (done || (!stop && q->free))
		return true;
	ret = zcnet_eventfd_wait(s->ctx, ZCNET_EVENTFD_CQ, WAIT_MS, NULL);
	tr_sys(r, ret == -ETIMEDOUT ? 1 : 2);	/* poll, read */
	if (ret == -ETIMEDOUT) {
		if (now_seconds() - s->last >= s->o->stall) {
			errmsg("no completion for %g s with %llu frames in "
			       "flight (%u descriptors not taken by the "
			       "kernel)", s->o->stall,
			       (unsigned long long)r->inflight,
			       unconsumed(s->tx));
			r->stalled = true;
			return false;
		}
		/* the kernel retries a busy queue; a kick nudges */
		return !unconsumed(s->tx) || !kick(q, r, 1);
	}
	if (ret < 0) {
		errmsg("waiting for completions failed: %s", strerror(-ret));
		r->fatal = true;
		return false;
	}
	return true;
}

static int bind_error(const char *what, int err, struct zsender *s,
		      struct tr_result *r)
{
	const char *name = s->o->ifc.name;

	if (err == -EOPNOTSUPP) {
		errmsg("this zcnet module has no raw transmit (%s: %s; module "
		       "features 0x%llx, raw TX is 0x%llx)", what,
		       strerror(-err),
		       (unsigned long long)zcnet_ctx_info(s->ctx)->features,
		       (unsigned long long)ZCNET_FEAT_TX_RAW);
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	if (err == -EPERM)
		errmsg("%s: binding to %s needs CAP_NET_RAW", what, name);
	else if (err == -ENETDOWN)
		errmsg("%s: interface %s is down", what, name);
	else if (err == -ENODEV)
		errmsg("%s: no device %s in this network namespace", what, name);
	else if (err == -EBUSY)
		errmsg("%s: this context is already bound", what);
	else if (err == -EINVAL && s->o->queue != ZCNET_QUEUE_ANY &&
		 !strcmp(what, "bind"))
		errmsg("%s: rejected (is queue %u below %s's TX queue count?): "
		       "%s", what, s->o->queue, name, strerror(-err));
	else if (err == -EINVAL)
		errmsg("%s: rejected: %s", what, strerror(-err));
	else
		errmsg("%s on %s failed: %s", what, name, strerror(-err));
	return EXIT_FAILED;
}

/* Power-of-two slots up to a page keep each frame in one page. */
static size_t slot_size(const struct tr_opts *o, size_t len)
{
	size_t slot = SLOT_ALIGN;

	if (o->slot_size)
		return o->slot_size;
	if (len > 4096)
		return (len + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1);
	while (slot < len)
		slot <<= 1;
	return slot;
}

/* Super-frames need ZCNET_TX_VNET_HDR and their gso_type. */
static int vnet_check(struct zsender *s, struct tr_result *r)
{
	const struct zcnet_info *info = zcnet_ctx_info(s->ctx);
	uint8_t type = sf_gso_type(s->o->l4);

	if (!(info->features & ZCNET_FEAT_TX_VNET_HDR)) {
		errmsg("this zcnet module has no raw frames with offloads "
		       "(ZCNET_TX_VNET_HDR; module features 0x%llx)",
		       (unsigned long long)info->features);
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	if (!(info->tx_vnet_gso & (1u << type))) {
		errmsg("this kernel's zcnet takes no %s super-frames (gso_type "
		       "%u; zcnet_info.tx_vnet_gso 0x%x)", s->o->l4 ==
		       IPPROTO_UDP ? "UDP (USO)" : "TCP (TSO)", type,
		       info->tx_vnet_gso);
		return tr_unavailable(r, EXIT_UNSUPPORTED);
	}
	return 0;
}

static int setup(struct zsender *s, struct tr_result *r)
{
	struct tr_opts *o = s->o;
	struct zcnet_bind bind = { .flags = ZCNET_BIND_TX };
	uint32_t i;
	__u64 v;
	int err;

	err = zc_open(&s->ctx, 0, NULL);
	if (err)
		return tr_unavailable(r, err);
	if (s->q.t.hdr && vnet_check(s, r))
		return EXIT_UNSUPPORTED;
	if (zc_rings(s->ctx, o->ring, 0))
		return EXIT_FAILED;
	s->tx = zcnet_tx_ring(s->ctx);
	s->cq = zcnet_cq_ring(s->ctx);
	bind.ifindex = o->ifc.ifindex;
	bind.queue = o->queue;
	err = zcnet_bind(s->ctx, &bind);
	if (err)
		return bind_error("bind", err, s, r);
	if (o->copy_threshold >= 0) {
		err = zcnet_set_param(s->ctx, ZCNET_PARAM_TX_COPY_THRESHOLD,
				      (uint64_t)o->copy_threshold);
		if (err)
			return bind_error("setting the copy threshold", err, s,
					  r);
	}
	o->threshold_used = o->copy_threshold;
	if (!zcnet_get_param(s->ctx, ZCNET_PARAM_TX_COPY_THRESHOLD, &v))
		o->threshold_used = (int64_t)v;

	s->slot_size = slot_size(o, s->q.t.len);
	if (zc_region(s->ctx, s->slot_size * o->ring, &s->mem, &s->region) ||
	    zc_eventfd(s->ctx, ZCNET_EVENTFD_CQ, "a completion") < 0)
		return EXIT_FAILED;
	s->base = s->mem.addr;
	s->free = calloc(o->ring, sizeof(*s->free));
	s->slot_seq = calloc(o->ring, sizeof(*s->slot_seq));
	s->busy = calloc(o->ring, 1);
	s->ts = calloc(o->ring, sizeof(*s->ts));
	if (!s->free || !s->slot_seq || !s->busy || !s->ts) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}
	/* slot 0 goes first: the stack pops from the top */
	for (i = 0; i < o->ring; i++) {
		s->free[i] = o->ring - 1 - i;
		tx_raw_frame(&s->q.t, s->base + i * s->slot_size, i, false);
	}
	s->q.free = o->ring;
	return 0;
}

int tx_zcnet(struct tr_opts *o, struct tr_result *r)
{
	struct zsender s = { .q = { .reap = drain, .post = post, .kick = kick,
				    .idle = wait_cq }, .o = o };
	int rc;

	r->knows_copied = r->knows_errors = true;
	rc = tx_raw_open(o, &s.q.t);
	if (!rc)
		rc = setup(&s, r);
	if (!rc)
		tx_ring_run(&s.q, r);
	tx_raw_close(&s.q.t);
	if (!rc && o->finish)
		o->finish(o, r);	/* while the context is open */
	zcnet_close(s.ctx);
	zcnet_mem_free(&s.mem);
	free(s.free);
	free(s.slot_seq);
	free(s.busy);
	free(s.ts);
	return rc;
}
