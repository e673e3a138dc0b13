// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench af-xdp: AF_XDP through libxdp in copy mode, TX only. */
/*
 * XDP_COPY with no XDP program (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD). On a
 * driver that takes skbs without a linear part (virtio-net) the kernel
 * attaches the umem pages as fragments: the generic zero-copy transmit. A
 * frame longer than one 4 KiB chunk is several descriptors (XDP_USE_SG,
 * 6.6 and later). Completion: the frame's last chunk on the completion
 * ring, which has no poll event, so the loop sleeps briefly when idle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "bench.h"

#ifndef XDP_USE_SG
#define XDP_USE_SG	(1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD	(1 << 0)
#endif

#define XSK_CHUNK	4096
#define XSK_FRAMES	256
#define XSK_IDLE_NS	20000

struct xsk_tx {
	struct tx_ring q;	/* first: the ops get it */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq;
	uint8_t *area;
	size_t area_len;
	uint32_t cpf;		/* chunks per frame */
	uint32_t nframes;
	uint32_t *free;
	double *ts;
};

static int xsk_open(struct tr_opts *o, struct xsk_tx *x, struct tr_result *r)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.frame_size = XSK_CHUNK,
	};
	struct xsk_socket_config scfg = {
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	struct tx_raw *t = &x->q.t;
	uint32_t ring = 1, i;
	int err;

	x->cpf = (uint32_t)((o->size + XSK_CHUNK - 1) / XSK_CHUNK);
	x->nframes = o->ring ? o->ring : XSK_FRAMES;
	while (ring < x->nframes * x->cpf)
		ring <<= 1;
	ucfg.comp_size = ring;
	scfg.tx_size = ring;
	if (x->cpf > 1)
		scfg.bind_flags |= XDP_USE_SG;
	x->area_len = (size_t)x->nframes * x->cpf * XSK_CHUNK;
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		errmsg("umem: %s", strerror(errno));
		return -1;
	}
	err = xsk_umem__create(&x->umem, x->area, x->area_len, &x->fq, &x->cq,
			       &ucfg);
	if (err) {
		bench_unavailable(r, "xsk_umem__create: %s", strerror(-err));
		return -1;
	}
	err = xsk_socket__create(&x->xsk, t->o->ifc.name,
				 o->queue == UINT32_MAX ? 0 : o->queue,
				 x->umem, NULL, &x->tx, &scfg);
	if (err) {
		bench_unavailable(r, "xsk_socket__create (XDP_COPY%s) on %s: %s",
				  x->cpf > 1 ? " | XDP_USE_SG" : "",
				  t->o->ifc.name, strerror(-err));
		return -1;
	}
	x->free = calloc(x->nframes, sizeof(*x->free));
	x->ts = calloc(x->nframes, sizeof(*x->ts));
	if (!x->free || !x->ts)
		return -1;
	for (i = 0; i < x->nframes; i++) {
		x->free[i] = x->nframes - 1 - i;
		tx_raw_frame(t, x->area + (size_t)i * x->cpf * XSK_CHUNK, 0,
			     false);
	}
	x->q.free = x->nframes;
	return 0;
}

static void xsk_close(struct xsk_tx *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, x->area_len);
	free(x->free);
	free(x->ts);
}

static uint32_t xsk_post(struct tx_ring *q, struct tr_result *r, uint32_t n,
			 double now)
{
	struct xsk_tx *x = (struct xsk_tx *)q;
	uint32_t idx = 0, i, k, frame, len, left;

	(void)r;
	if (xsk_ring_prod__reserve(&x->tx, n * x->cpf, &idx) != n * x->cpf)
		return 0;
	for (i = 0; i < n; i++) {
		frame = x->free[--q->free];
		tx_raw_frame(&q->t, x->area + (size_t)frame * x->cpf * XSK_CHUNK,
			     q->t.next++, true);
		x->ts[frame] = now;
		left = (uint32_t)q->t.o->size;
		for (k = 0; k < x->cpf; k++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx++);

			len = left > XSK_CHUNK ? XSK_CHUNK : left;
			left -= len;
			d->addr = ((uint64_t)frame * x->cpf + k) * XSK_CHUNK;
			d->len = len;
			d->options = k + 1 < x->cpf ? XDP_PKT_CONTD : 0;
		}
	}
	xsk_ring_prod__submit(&x->tx, n * x->cpf);
	q->busy += n;
	return n;
}

static uint32_t xsk_reap(struct tx_ring *q, struct tr_result *r, double now)
{
	struct xsk_tx *x = (struct xsk_tx *)q;
	uint32_t idx, n, i, chunk;
	uint64_t addr;

	n = xsk_ring_cons__peek(&x->cq, x->nframes * x->cpf, &idx);
	for (i = 0; i < n; i++) {
		addr = *xsk_ring_cons__comp_addr(&x->cq, idx + i);
		chunk = (uint32_t)(addr / XSK_CHUNK);
		if (chunk % x->cpf != x->cpf - 1)
			continue;
		x->free[q->free++] = chunk / x->cpf;
		q->busy--;
		r->completions++;
		r->frames++;
		r->bytes += q->t.o->size;
		lat_add(&r->lat, x->ts[chunk / x->cpf], now);
	}
	if (n)
		xsk_ring_cons__release(&x->cq, n);
	return n;
}

/* The completion ring has no poll event: kick while frames wait. */
static int xsk_kick(struct tx_ring *q, struct tr_result *r, uint32_t n)
{
	struct xsk_tx *x = (struct xsk_tx *)q;

	if (*x->tx.producer == __atomic_load_n(x->tx.consumer,
					       __ATOMIC_ACQUIRE))
		return 0;
	tr_sys(r, 1);
	if (sendto(xsk_socket__fd(x->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS) {
		errmsg("AF_XDP kick: %s", strerror(errno));
		r->errors++;
		return -1;
	}
	return n != 0;
}

static bool xsk_idle(struct tx_ring *q, struct tr_result *r, bool stop,
		     uint32_t done)
{
	(void)q, (void)stop, (void)done;
	nanosleep(&(struct timespec){ 0, XSK_IDLE_NS }, NULL);
	tr_sys(r, 1);
	return true;
}

int bench_xsk(struct tr_opts *o, struct tr_result *r)
{
	struct xsk_tx x = { .q = { .reap = xsk_reap, .post = xsk_post,
				   .kick = xsk_kick, .idle = xsk_idle } };
	int rc = -1;

	if (tx_raw_open(o, &x.q.t))
		return -1;
	if (!xsk_open(o, &x, r)) {
		tx_ring_run(&x.q, r);
		rc = 0;
	}
	xsk_close(&x);
	tx_raw_close(&x.q.t);
	return r->unavailable[0] ? 0 : rc;
}
