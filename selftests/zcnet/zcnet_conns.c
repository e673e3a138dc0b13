// SPDX-License-Identifier: GPL-2.0
/* Many TCP connections on one context: the reference, the sink, the fleet. */
#include <sys/epoll.h>
#include <netinet/in.h>

#include "zcnet_util.h"

/* ------------------------------------------------------------------ */
/* the reference pattern                                               */
/* ------------------------------------------------------------------ */

/* Random bytes, then the first ZC_CONN_CHUNK of them again. */
static void zc_ref_fill(unsigned char *p)
{
	__u64 x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < ZC_REF_LEN; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	memcpy(p + ZC_REF_LEN, p, ZC_CONN_CHUNK);
}

unsigned char *zc_ref_alloc(void)
{
	unsigned char *p = zc_alloc_pages(ZC_REF_MEM_LEN / zc_page_size());

	if (!p)
		return NULL;
	madvise(p, ZC_REF_MEM_LEN, MADV_HUGEPAGE);
	zc_ref_fill(p);
	return p;
}

void zc_ref_free(unsigned char *ref)
{
	if (ref)
		munmap(ref, ZC_REF_MEM_LEN);
}

long zc_ref_ctx(struct zc_ctx *c, const unsigned char *ref, __u32 tx,
		__u32 cq, __u32 *id)
{
	long ret = zc_ctx_open(c, tx, cq, 0, 0);

	if (!ret)
		ret = zc_reg(c->fd, ref, ZC_REF_MEM_LEN, id);
	if (!ret)
		ret = zc_set_param(c->fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD, 0);
	return ret;
}

/* Where connection i's stretch of the reference starts: page aligned. */
static __u32 zc_conn_base(unsigned int i)
{
	return (__u32)((i * 2654435761U) % (ZC_REF_LEN / 4096)) * 4096;
}

/* ------------------------------------------------------------------ */
/* the receiving side: one epoll thread reading every connection       */
/* ------------------------------------------------------------------ */

struct zc_rx_conn {
	int fd;
	int idx;		/* the connection, -1 until known */
	unsigned short port;	/* the sender's port */
	bool parked;		/* out of the epoll set while paused */
};

static void zc_sink_finish(struct zc_sink *k, struct zc_rx_conn *rc,
			   int state)
{
	epoll_ctl(k->ep, EPOLL_CTL_DEL, rc->fd, NULL);
	close(rc->fd);
	rc->fd = -1;
	if (rc->idx >= 0) {
		__atomic_store_n(&k->state[rc->idx], state, __ATOMIC_RELEASE);
		k->finished++;
	}
}

static void zc_sink_reset(struct zc_sink *k, struct zc_rx_conn *rc)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(rc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	zc_sink_finish(k, rc, ZC_RX_RESET);
}

static bool zc_sink_resolve(struct zc_sink *k, struct zc_rx_conn *rc)
{
	int idx;

	if (rc->idx >= 0)
		return true;
	idx = __atomic_load_n(&k->port_idx[rc->port], __ATOMIC_ACQUIRE);
	if (idx < 0)
		return false;
	if (k->by_idx[idx])
		return false;	/* two sockets for one connection */
	rc->idx = idx;
	k->by_idx[idx] = rc;
	return true;
}

static void zc_sink_accept(struct zc_sink *k)
{
	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		struct epoll_event ev = { .events = EPOLLIN };
		struct zc_rx_conn *rc;
		int fd;

		fd = accept4(k->lfd, (struct sockaddr *)&a, &alen,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && !k->err)
				k->err = -errno;
			return;
		}
		rc = calloc(1, sizeof(*rc));
		if (!rc) {
			k->err = -ENOMEM;
			close(fd);
			return;
		}
		rc->fd = fd;
		rc->idx = -1;
		rc->port = ntohs(a.sin_port);
		zc_sink_resolve(k, rc);
		ev.data.ptr = rc;
		if (epoll_ctl(k->ep, EPOLL_CTL_ADD, fd, &ev) && !k->err)
			k->err = -errno;
	}
}

/* The test changed pause or reset flags. */
static void zc_sink_control(struct zc_sink *k)
{
	struct epoll_event ev = { .events = EPOLLIN };
	__u64 v;
	unsigned int i;

	if (read(k->wake, &v, sizeof(v)) < 0)
		return;
	for (i = 0; i < k->n; i++) {
		struct zc_rx_conn *rc = k->by_idx[i];

		if (!rc || rc->fd < 0)
			continue;
		if (__atomic_load_n(&k->reset[i], __ATOMIC_ACQUIRE)) {
			zc_sink_reset(k, rc);
		} else if (rc->parked &&
			   !__atomic_load_n(&k->pause[i], __ATOMIC_ACQUIRE)) {
			ev.data.ptr = rc;
			rc->parked = false;
			epoll_ctl(k->ep, EPOLL_CTL_ADD, rc->fd, &ev);
		}
	}
}

static void zc_sink_read(struct zc_sink *k, struct zc_rx_conn *rc)
{
	__u64 pos, off;
	ssize_t n;
	int idx;

	if (!zc_sink_resolve(k, rc)) {
		zc_sink_finish(k, rc, ZC_RX_ERROR);
		k->strays++;
		return;
	}
	idx = rc->idx;
	if (__atomic_load_n(&k->reset[idx], __ATOMIC_ACQUIRE)) {
		zc_sink_reset(k, rc);
		return;
	}
	if (__atomic_load_n(&k->pause[idx], __ATOMIC_ACQUIRE)) {
		epoll_ctl(k->ep, EPOLL_CTL_DEL, rc->fd, NULL);
		rc->parked = true;
		return;
	}
	n = read(rc->fd, k->buf, sizeof(k->buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		zc_sink_finish(k, rc, n ? ZC_RX_ERROR : ZC_RX_EOF);
		return;
	}
	pos = k->bytes[idx];
	off = (zc_conn_base(idx) + pos) % ZC_REF_LEN;
	/*
	 * off < ZC_REF_LEN and n <= ZC_CONN_CHUNK: inside the reference and
	 * its wrap
	 */
	if (k->first_bad[idx] == ~0ULL && memcmp(k->buf, k->ref + off, n)) {
		ssize_t i = 0;

		while (k->buf[i] == k->ref[off + i])
			i++;
		k->first_bad[idx] = pos + i;
	}
	__atomic_store_n(&k->bytes[idx], pos + n, __ATOMIC_RELEASE);
}

#define SINK_LISTEN	1ULL
#define SINK_WAKE	2ULL
#define SINK_EVENTS	64	/* per epoll_wait() */

static void *zc_sink_main(void *arg)
{
	struct zc_sink *k = arg;
	uint64_t last = zc_now_ms();
	struct epoll_event ev[SINK_EVENTS];
	int i, nev;

	while (k->finished < k->n &&
	       !__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		nev = epoll_wait(k->ep, ev, SINK_EVENTS, 100);
		if (nev < 0 && errno != EINTR) {
			k->err = -errno;
			break;
		}
		if (nev <= 0) {
			if (zc_now_ms() > last + ZC_CONN_WAIT_MS) {
				k->err = -ETIMEDOUT;
				break;
			}
			continue;
		}
		last = zc_now_ms();
		for (i = 0; i < nev; i++) {
			if (ev[i].data.u64 == SINK_LISTEN)
				zc_sink_accept(k);
			else if (ev[i].data.u64 == SINK_WAKE)
				zc_sink_control(k);
			else
				zc_sink_read(k, ev[i].data.ptr);
		}
	}
	return NULL;
}

static void zc_sink_free(struct zc_sink *k)
{
	unsigned int i;

	for (i = 0; k->by_idx && i < k->n; i++) {
		if (k->by_idx[i] && k->by_idx[i]->fd >= 0)
			close(k->by_idx[i]->fd);
		free(k->by_idx[i]);
	}
	if (k->lfd >= 0)
		close(k->lfd);
	if (k->ep >= 0)
		close(k->ep);
	if (k->wake >= 0)
		close(k->wake);
	free(k->port_idx);
	free(k->pause);
	free(k->reset);
	free(k->bytes);
	free(k->first_bad);
	free(k->state);
	free(k->by_idx);
	free(k);
}

/*
 * A sink for n connections: a listener in the peer's netns (accepted
 * sockets inherit rcvbuf unless 0), not yet reading. NULL on failure.
 */
static struct zc_sink *zc_sink_new(const struct zc_env *env,
				   const char *ip, unsigned int n, int rcvbuf,
				   const unsigned char *ref,
				   unsigned short *port)
{
	struct zc_sink *k = calloc(1, sizeof(*k));
	unsigned int i;

	if (!k)
		return NULL;
	k->lfd = k->ep = k->wake = -1;
	k->n = n;
	k->ref = ref;
	k->port_idx = malloc(65536 * sizeof(*k->port_idx));
	k->pause = calloc(n, sizeof(*k->pause));
	k->reset = calloc(n, sizeof(*k->reset));
	k->bytes = calloc(n, sizeof(*k->bytes));
	k->first_bad = malloc(n * sizeof(*k->first_bad));
	k->state = calloc(n, sizeof(*k->state));
	k->by_idx = calloc(n, sizeof(*k->by_idx));
	if (!k->port_idx || !k->pause || !k->reset || !k->bytes ||
	    !k->first_bad || !k->state || !k->by_idx)
		goto fail;
	for (i = 0; i < 65536; i++)
		k->port_idx[i] = -1;
	for (i = 0; i < n; i++)
		k->first_bad[i] = ~0ULL;
	/* the accept queue holds them all: somaxconn is 4096 */
	k->lfd = zc_tcp_listen(env->peer_ns, ip, (int)n + 16, rcvbuf, port);
	k->ep = epoll_create1(EPOLL_CLOEXEC);
	k->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->lfd < 0 || k->ep < 0 || k->wake < 0 ||
	    fcntl(k->lfd, F_SETFL, O_NONBLOCK))
		goto fail;
	return k;
fail:
	zc_sink_free(k);
	return NULL;
}

int zc_sink_start(struct zc_sink *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SINK_LISTEN };

	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->lfd, &ev))
		return -errno;
	ev.data.u64 = SINK_WAKE;
	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->wake, &ev))
		return -errno;
	if (pthread_create(&k->thread, NULL, zc_sink_main, k))
		return -EAGAIN;
	k->started = true;
	return 0;
}

static void zc_sink_poke(struct zc_sink *k)
{
	__u64 one = 1;

	if (write(k->wake, &one, sizeof(one)) != sizeof(one))
		k->err = -EIO;
}

void zc_sink_set_pause(struct zc_sink *k, unsigned int i, bool on)
{
	__atomic_store_n(&k->pause[i], on, __ATOMIC_RELEASE);
	zc_sink_poke(k);
}

void zc_sink_request_reset(struct zc_sink *k, unsigned int i)
{
	__atomic_store_n(&k->reset[i], true, __ATOMIC_RELEASE);
	zc_sink_poke(k);
}

void zc_sink_join(struct zc_sink *k)
{
	if (!k->started)
		return;
	pthread_join(k->thread, NULL);
	k->started = false;
}

/* ------------------------------------------------------------------ */
/* the sending side: n connections on one context                      */
/* ------------------------------------------------------------------ */

static __u64 zc_fleet_cookie(unsigned int i, __u32 k)
{
	return ((__u64)(i + 1) << 32) | k;
}

/*
 * Push connection i's next descriptors while its window, the budget and
 * the TX ring allow; how many.
 */
static unsigned int zc_fleet_push(struct zc_fleet *f, unsigned int i)
{
	struct zc_conn *cn = &f->cn[i];
	unsigned int pushed = 0;

	while (f->inflight < f->budget && cn->submitted < f->ndesc &&
	       cn->submitted - cn->completed < f->window) {
		__u64 off = (zc_conn_base(i) +
			     (__u64)cn->submitted * ZC_CONN_CHUNK) % ZC_REF_LEN;
		__u64 cookie = zc_fleet_cookie(i, cn->submitted);
		struct zcnet_tx_desc d = zc_sock_desc(f->id, off, ZC_CONN_CHUNK,
						      cn->slot, cookie);

		if (zc_tx_push(&f->c->tx, &d))
			break;
		cn->submitted++;
		f->inflight++;
		pushed++;
	}
	return pushed;
}

/*
 * What the budget has left goes to the next connections in turn. A
 * completion refills its own connection first (zc_fleet_reap()), which
 * keeps a connection that is sending warm: TCP restarts its congestion
 * window after an idle spell.
 */
void zc_fleet_fill(struct zc_fleet *f)
{
	unsigned int idle = 0;

	while (f->inflight < f->budget && idle < f->n) {
		unsigned int i = f->rr;

		f->rr = (f->rr + 1) % f->n;
		if (zc_fleet_push(f, i))
			idle = 0;
		else
			idle++;
	}
}

/*
 * One completion: per connection in ring order, each descriptor once;
 * whole writes, then at most one part, then errors. Returns the
 * connection or -1.
 */
static int zc_fleet_complete(struct zc_fleet *f,
			     const struct zcnet_cq_entry *e)
{
	__u64 hi = e->cookie >> 32;
	struct zc_conn *cn;

	if (!hi || hi > f->n) {
		f->unknown++;
		return -1;
	}
	cn = &f->cn[hi - 1];
	if ((__u32)e->cookie != cn->completed || cn->completed >= f->ndesc)
		cn->out_of_order++;
	if (e->result == (__s32)ZC_CONN_CHUNK ||
	    (e->result > 0 && e->result < (__s32)ZC_CONN_CHUNK)) {
		if (cn->errs)
			cn->after_err++;
		else if (cn->partial)
			cn->after_part++;
		if (e->result == (__s32)ZC_CONN_CHUNK)
			cn->ok++;
		else
			cn->partial++;
		cn->bytes_done += (__u64)e->result;
	} else if (e->result < 0 && e->result > -4096) {
		if (!cn->errs)
			cn->first_err = e->result;
		cn->errs++;
	} else {
		cn->bad_result++;
	}
	if (e->flags & ZCNET_CQE_COPIED)
		cn->copied++;
	if (++cn->completed == f->ndesc)
		f->ndone++;
	f->inflight--;
	return (int)(hi - 1);
}

unsigned int zc_fleet_reap(struct zc_fleet *f, bool push)
{
	struct zcnet_cq_entry e;
	unsigned int got = 0;
	int i;

	while (!zc_cq_pop(&f->c->cq, &e)) {
		got++;
		i = zc_fleet_complete(f, &e);
		if (push && i >= 0)
			zc_fleet_push(f, (unsigned int)i);
	}
	return got;
}

void zc_fleet_run(struct zc_fleet *f, int skip)
{
	uint64_t end = zc_now_ms() + ZC_CONN_WAIT_MS;

	for (;;) {
		bool skip_done = skip < 0 ||
				 f->cn[skip].completed == f->ndesc;
		unsigned int want = f->n - (skip_done ? 0 : 1);
		struct pollfd p = { .fd = f->c->fd, .events = POLLIN };

		zc_fleet_fill(f);
		if (zc_tx_pending(&f->c->tx)) {
			long k = zc_kick(f->c->fd, 0);

			if (k < 0) {
				f->kick_err = k;
				return;
			}
		}
		if (zc_fleet_reap(f, true)) {
			end = zc_now_ms() + ZC_CONN_WAIT_MS;
			continue;
		}
		if (f->ndone >= want && !zc_tx_pending(&f->c->tx))
			return;
		if (zc_now_ms() > end) {
			f->timed_out = true;
			return;
		}
		poll(&p, 1, 50);
	}
}

void zc_fleet_free(struct zc_fleet *f)
{
	unsigned int i;

	if (!f)
		return;
	if (f->k) {
		__atomic_store_n(&f->k->stop, true, __ATOMIC_RELEASE);
		zc_sink_join(f->k);
		zc_sink_free(f->k);
	}
	for (i = 0; f->cn && i < f->n; i++)
		if (f->cn[i].fd >= 0)
			close(f->cn[i].fd);
	free(f->cn);
	free(f);
}

struct zc_fleet *zc_fleet_new(const struct zc_env *env, const char *ip,
			      struct zc_ctx *c, __u32 id,
			      const unsigned char *ref, unsigned int n,
			      __u32 ndesc, unsigned int window,
			      unsigned int budget, int rcvbuf)
{
	struct zc_fleet *f = calloc(1, sizeof(*f));
	unsigned int i;

	if (!f)
		return NULL;
	f->c = c;
	f->id = id;
	f->n = n;
	f->ndesc = ndesc;
	f->window = window;
	f->budget = budget;
	f->cn = calloc(n, sizeof(*f->cn));
	if (f->cn)
		for (i = 0; i < n; i++)
			f->cn[i].fd = -1;
	f->k = zc_sink_new(env, ip, n, rcvbuf, ref, &f->port);
	if (!f->cn || !f->k) {
		zc_fleet_free(f);
		return NULL;
	}
	return f;
}

/*
 * Connect every connection and attach it, slot i for connection i; 0 or
 * -errno. The connects go out CONNECT_BATCH at a time without waiting for
 * each handshake: one after the other, a thousand take seconds under TCG.
 */
#define CONNECT_BATCH	128U

int zc_fleet_connect(struct zc_fleet *f, const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(f->port) };
	struct pollfd p[CONNECT_BATCH];
	unsigned int i, j, m;
	unsigned short lport;
	socklen_t len;
	int fd, err;

	inet_pton(AF_INET, ip, &a.sin_addr);
	for (i = 0; i < f->n; i += m) {
		m = f->n - i < CONNECT_BATCH ? f->n - i : CONNECT_BATCH;
		for (j = 0; j < m; j++) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0);
			if (fd < 0)
				return -errno;
			f->cn[i + j].fd = fd;
			if (connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
			    errno != EINPROGRESS)
				return -errno;
			p[j].fd = fd;
			p[j].events = POLLOUT;
		}
		for (j = 0; j < m; j++) {
			struct zc_conn *cn = &f->cn[i + j];

			if (poll(&p[j], 1, ZC_CONN_WAIT_MS) != 1)
				return -ETIMEDOUT;
			len = sizeof(err);
			if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &len))
				return -errno;
			if (err)
				return -err;
			lport = zc_local_port(cn->fd);
			if (!lport)
				return -EADDRNOTAVAIL;
			__atomic_store_n(&f->k->port_idx[lport], (int)(i + j),
					 __ATOMIC_RELEASE);
			err = (int)zc_sock_attach(f->c->fd, cn->fd, 0,
						  &cn->slot);
			if (err)
				return err;
			f->bad_slots += cn->slot != i + j;
		}
	}
	return 0;
}

void zc_fleet_shutdown(struct zc_fleet *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (f->cn[i].fd >= 0)
			shutdown(f->cn[i].fd, SHUT_WR);
}

unsigned int zc_fleet_problems(const struct zc_fleet *f, int skip,
			       char *msg, size_t size)
{
	const __u64 want = (__u64)f->ndesc * ZC_CONN_CHUNK;
	unsigned int i, bad = 0;

	msg[0] = 0;
	for (i = 0; i < f->n; i++) {
		const struct zc_conn *cn = &f->cn[i];
		const struct zc_sink *k = f->k;

		if ((int)i == skip)
			continue;
		if (cn->completed == f->ndesc && cn->ok == f->ndesc &&
		    !cn->out_of_order && !cn->bad_result &&
		    k->bytes[i] == want && k->first_bad[i] == ~0ULL &&
		    k->state[i] == ZC_RX_EOF)
			continue;
		if (!bad++)
			snprintf(msg, size,
				 "connection %u: %u of %u completed, %u whole, %u out of order, first error %d; peer got %llu of %llu bytes, first wrong at %lld, state %u",
				 i, cn->completed, f->ndesc, cn->ok,
				 cn->out_of_order, cn->first_err,
				 (unsigned long long)k->bytes[i],
				 (unsigned long long)want,
				 k->first_bad[i] == ~0ULL ? -1LL :
				 (long long)k->first_bad[i], k->state[i]);
	}
	return bad;
}

__u64 zc_fleet_copied(const struct zc_fleet *f)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		n += f->cn[i].copied;
	return n;
}

void zc_fleet_drain(struct zc_fleet *f)
{
	uint64_t end = zc_now_ms() + ZC_CONN_WAIT_MS;

	while (f->ndone < f->n && zc_now_ms() < end) {
		struct pollfd p = { .fd = f->c->fd, .events = POLLIN };

		if (zc_fleet_reap(f, false))
			end = zc_now_ms() + ZC_CONN_WAIT_MS;
		else
			poll(&p, 1, 50);
	}
}

