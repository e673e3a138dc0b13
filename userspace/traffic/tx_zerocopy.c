// SPDX-License-Identifier: GPL-2.0-only
/* The MSG_ZEROCOPY sender of zcnet-bench: one socket, or many with epoll. */
/*
 * Each send that returns > 0 gets the next notification id of its socket;
 * the error queue reports ranges of ids done (SO_EE_CODE_ZEROCOPY_COPIED:
 * copied). A buffer is reused, and its latency taken, when the id of its
 * last send is done. ENOBUFS (over the optmem limit) means: reap first.
 * The same loop serves TCP and UDP; with --gso every UDP send carries a
 * UDP_SEGMENT control message, so each is a train of such segments.
 *
 * With --conns N the N TCP connections run from one thread, as a server
 * does: non-blocking sockets in one epoll set, edge-triggered, so that a
 * socket is reported when it has room again after EAGAIN (EPOLLOUT) or
 * notifications wait on its error queue (EPOLLERR). Each connection has
 * its own few buffers (CONN_BUFFERS, or --inflight N in all) and sends
 * each whole, in order, before the next; connections that may send wait
 * on a list, so no pass goes over all of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "traffic.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif
#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

#define POOL_BYTES	(4u << 20)
#define CONN_BUFFERS	2	/* per connection with --conns */
#define EPOLL_BATCH	64

static uint32_t pool_count(const struct tr_opts *o)
{
	uint64_t n = POOL_BYTES / o->size;

	if (o->ring)
		return o->ring;
	return n < 4 ? 4 : n > 256 ? 256 : (uint32_t)n;
}

/* Buffers in send order: buffer seq % count; notifications come in order. */
struct zc_pool {
	char *mem;
	uint32_t count;
	uint64_t head, tail;	/* sends and completions so far */
	uint32_t *last_id;	/* notification id of the buffer's last send */
	double *ts;
	size_t off;		/* bytes of buffer head sent so far */
	uint32_t next_id;	/* the id the next send gets */
	uint32_t done_id;	/* ids below this are done */
};

/* Read the error queue; returns how many buffers it freed, -1 on error. */
static int zc_reap(int fd, struct zc_pool *p, struct tr_result *r)
{
	char control[128];
	struct msghdr msg = { .msg_control = control };
	struct sock_extended_err *ee;
	struct cmsghdr *cm;
	uint64_t tail = p->tail;

	for (;;) {
		msg.msg_controllen = sizeof(control);
		tr_sys(r, 1);
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			errmsg("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
			return -1;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (!(cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) &&
			    !(cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno) {
				r->errors++;
				continue;
			}
			r->completions += ee->ee_data - ee->ee_info + 1;
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				r->copied += ee->ee_data - ee->ee_info + 1;
			if ((int32_t)(ee->ee_data + 1 - p->done_id) > 0)
				p->done_id = ee->ee_data + 1;
		}
		for (double now = now_seconds(); p->tail < p->head &&
		     (int32_t)(p->last_id[p->tail % p->count] - p->done_id) < 0;
		     p->tail++)
			lat_add(&r->lat, p->ts[p->tail % p->count], now);
	}
	return (int)(p->tail - tail);
}

static void zc_wait(int fd, struct tr_result *r)
{
	poll(&(struct pollfd){ .fd = fd }, 1, 100);
	tr_sys(r, 1);
}

/* send(), or with --gso sendmsg() with the segment size. */
static ssize_t zc_send_call(const struct tr_opts *o, int fd, char *buf,
			    size_t len, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	uint16_t seg = (uint16_t)o->gso;

	if (!o->gso)
		return send(fd, buf, len, flags);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return sendmsg(fd, &msg, flags);
}

/*
 * Send the rest of the next buffer; each call that sends bytes uses an
 * id. 1: the buffer is sent; 0: the socket would block (EAGAIN), or
 * ENOBUFS: reap first; -1: an error (reported).
 */
static int zc_send_more(const struct tr_opts *o, int fd, struct zc_pool *p,
			struct tr_result *r, int flags)
{
	uint32_t b = p->head % p->count;
	ssize_t n;

	if (!p->off)
		p->ts[b] = now_seconds();
	while (p->off < o->size) {
		n = zc_send_call(o, fd, p->mem + (size_t)b * o->size + p->off,
				 o->size - p->off,
				 MSG_ZEROCOPY | MSG_NOSIGNAL | flags);
		tr_sys(r, 1);
		if (n < 0 && (errno == ENOBUFS || errno == EAGAIN))
			return 0;
		if (n < 0) {
			errmsg("send(MSG_ZEROCOPY): %s", strerror(errno));
			return -1;
		}
		p->off += (size_t)n;
		p->next_id++;
	}
	p->off = 0;
	p->last_id[b] = p->next_id - 1;
	p->head++;
	r->frames++;
	r->bytes += o->size;
	return 1;
}

/* Send the next buffer whole on a blocking socket. */
static int zc_send(const struct tr_opts *o, int fd, struct zc_pool *p,
		   struct tr_result *r)
{
	int ret;

	while (!(ret = zc_send_more(o, fd, p, r, 0))) {
		if (zc_reap(fd, p, r) < 0)
			return -1;
		zc_wait(fd, r);
	}
	return ret < 0 ? -1 : 0;
}

static bool zc_enable(int fd, struct tr_result *r)
{
	int one = 1;

	if (!setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return true;
	snprintf(r->unavailable, sizeof(r->unavailable), "SO_ZEROCOPY: %s",
		 strerror(errno));
	return false;
}

int zerocopy_run(struct tr_opts *o, struct tr_result *r, int fd)
{
	struct zc_pool p = { .count = pool_count(o) };
	int rc = -1, idle, got;
	size_t len = ((size_t)p.count * o->size + 4095) & ~(size_t)4095;

	p.mem = aligned_alloc(4096, len);
	p.last_id = calloc(p.count, sizeof(*p.last_id));
	p.ts = calloc(p.count, sizeof(*p.ts));
	if (!p.mem || !p.last_id || !p.ts)
		goto out;
	memset(p.mem, 0, len);
	if (!zc_enable(fd, r))
		goto out;
	tr_begin(o, r);
	while (!tr_time_up(o, r, now_seconds())) {
		if (zc_reap(fd, &p, r) < 0)
			goto out;
		if (p.head - p.tail == p.count)
			zc_wait(fd, r);
		else if (zc_send(o, fd, &p, r))
			goto out;
	}
	for (idle = 0; p.tail < p.head;) {
		got = zc_reap(fd, &p, r);
		if (got < 0)
			goto out;
		if (got) {
			idle = 0;
		} else if (++idle > 100) {
			errmsg("no zero-copy notification for 10 s");
			goto out;
		} else {
			zc_wait(fd, r);
		}
	}
	rc = 0;
out:
	free(p.mem);
	free(p.last_id);
	free(p.ts);
	return r->unavailable[0] ? 0 : rc;
}

/* ---- many connections ---- */

struct zc_conn {
	int fd;
	struct zc_pool p;
	bool blocked;		/* until epoll reports the socket again */
	bool listed;		/* on the list of connections that may send */
};

struct zc_conns {
	struct zc_conn *c;
	uint32_t n, nready, *ready;
	uint64_t busy;		/* buffers sent or being sent, not done */
	bool stopping;		/* time is up: finish what was begun */
};

static bool zc_may_send(const struct zc_conns *z, const struct zc_conn *c)
{
	return !c->blocked && (c->p.off || (!z->stopping &&
					    c->p.head - c->p.tail < c->p.count));
}

static void zc_list(struct zc_conns *z, uint32_t k)
{
	if (!z->c[k].listed && zc_may_send(z, &z->c[k])) {
		z->c[k].listed = true;
		z->ready[z->nready++] = k;
	}
}

/* Send on every listed connection until it blocks or has no buffer. */
static int zc_send_listed(const struct tr_opts *o, struct zc_conns *z,
			  struct tr_result *r)
{
	struct zc_conn *c;
	int ret;

	while (z->nready) {
		c = &z->c[z->ready[--z->nready]];
		c->listed = false;
		while (zc_may_send(z, c)) {
			z->busy += !c->p.off;
			ret = zc_send_more(o, c->fd, &c->p, r, MSG_DONTWAIT);
			z->busy -= !ret && !c->p.off;
			if (ret < 0)
				return -1;
			c->blocked = !ret;
		}
	}
	return 0;
}

static int zc_conns_loop(struct tr_opts *o, struct zc_conns *z, int ep,
			 struct tr_result *r)
{
	struct epoll_event ev[EPOLL_BATCH];
	struct zc_conn *c;
	int got, i, freed, idle = 0;
	uint32_t k;

	tr_begin(o, r);
	for (k = 0; k < z->n; k++)
		zc_list(z, k);
	for (;;) {
		if (!z->stopping && tr_time_up(o, r, now_seconds()))
			z->stopping = true;
		if (zc_send_listed(o, z, r))
			return -1;
		if (z->stopping && !z->busy)
			return 0;
		got = epoll_wait(ep, ev, EPOLL_BATCH, 100);
		tr_sys(r, 1);
		if (got < 0 && errno != EINTR) {
			errmsg("epoll_wait: %s", strerror(errno));
			return -1;
		}
		if (got <= 0 && z->stopping && ++idle > 100) {
			errmsg("no zero-copy notification for 10 s");
			return -1;
		}
		for (i = 0; i < got; i++) {
			k = ev[i].data.u32;
			c = &z->c[k];
			if (ev[i].events & EPOLLERR) {
				freed = zc_reap(c->fd, &c->p, r);
				if (freed < 0)
					return -1;
				z->busy -= (uint64_t)freed;
				idle = freed ? 0 : idle;
			}
			c->blocked = false;
			zc_list(z, k);
		}
	}
}

/* MSG_ZEROCOPY on n connected TCP sockets; the clock as zerocopy_run(). */
int zerocopy_conns(struct tr_opts *o, struct tr_result *r, int *fds,
		   uint32_t n)
{
	struct zc_conns z = { .n = n };
	uint32_t per = o->ring ? o->ring / n : CONN_BUFFERS, k;
	size_t len = ((size_t)n * per * o->size + 4095) & ~(size_t)4095;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET };
	uint32_t *last_id = calloc((size_t)n * per, sizeof(*last_id));
	double *ts = calloc((size_t)n * per, sizeof(*ts));
	char *mem = per ? aligned_alloc(4096, len) : NULL;
	int ep = epoll_create1(EPOLL_CLOEXEC), rc = -1;

	z.c = calloc(n, sizeof(*z.c));
	z.ready = calloc(n, sizeof(*z.ready));
	if (!z.c || !z.ready || !last_id || !ts || !mem || ep < 0) {
		errmsg("%u connections of %u buffers: %s", n, per,
		       per ? strerror(errno) : "fewer than one buffer each");
		goto out;
	}
	memset(mem, 0, len);
	for (k = 0; k < n; k++) {
		z.c[k].fd = fds[k];
		z.c[k].p = (struct zc_pool){ .count = per,
			.mem = mem + (size_t)k * per * o->size,
			.last_id = last_id + (size_t)k * per,
			.ts = ts + (size_t)k * per };
		ev.data.u32 = k;
		if (!zc_enable(fds[k], r))
			goto out;
		if (fcntl(fds[k], F_SETFL, fcntl(fds[k], F_GETFL) | O_NONBLOCK) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fds[k], &ev)) {
			errmsg("connection %u: %s", k, strerror(errno));
			goto out;
		}
	}
	rc = zc_conns_loop(o, &z, ep, r);
out:
	if (ep >= 0)
		close(ep);
	free(z.c);
	free(z.ready);
	free(last_id);
	free(ts);
	free(mem);
	return r->unavailable[0] ? 0 : rc;
}

int tx_tcp_zerocopy(struct tr_opts *o, struct tr_result *r)
{
	uint32_t n = o->conns > 1 ? o->conns : 1, k;
	int *fds = calloc(n, sizeof(*fds)), rc = -1;

	if (!fds || tcp_connect_all(o, fds, n)) {
		free(fds);
		return -1;
	}
	if (n > 1)
		rc = zerocopy_conns(o, r, fds, n);
	else
		rc = zerocopy_run(o, r, fds[0]);
	if (!rc && !r->unavailable[0])
		rc = tcp_finish_all(fds, n, r);
	for (k = 0; k < n; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(fds);
	return r->unavailable[0] ? 0 : rc;
}
