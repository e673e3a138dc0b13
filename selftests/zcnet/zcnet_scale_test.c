// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet at server scale: many sockets on one context, and UDP GSO trains.
 * A thousand TCP connections to the peer on one context, every byte
 * checked per connection; one receiver that stops reading while the
 * others finish, then resumes or resets its connection; a context closed,
 * or all its slots detached, with thousands of sockets holding
 * descriptors; ten thousand UDP slots, one destination port each; GSO
 * trains of several segment sizes, and the errors of bad ones. The
 * receivers live in $ZCNET_PEER_NS, across the guest's two NICs: outside
 * the test guest everything SKIPs.
 *
 * Every connection sends its own stretch of one reference pattern (16 MiB
 * of random bytes, registered once and never written again), so any
 * number of connections share one region and the receiver checks each
 * byte against the reference with memcmp().
 *
 * Environment:
 *   ZCNET_SCALE_MIB   MiB per connection in tcp_1000_connections
 *                     (default SCALE_MIB)
 */
#include <pthread.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define REF_LEN		(16U << 20)	/* the reference pattern */
#define CHUNK		(64U << 10)	/* bytes per TCP descriptor */
#define MEM_LEN		(REF_LEN + CHUNK)	/* and its first CHUNK again */
#define SCRATCH_LEN	(256U << 10)	/* GSO trains are copied here */
#define WAIT_MS		30000U		/* no progress for this long: give up */
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#ifndef SOL_UDP
#define SOL_UDP		17
#endif

/*
 * tcp_1000_connections sends SCALE_MIB MiB on each of 1000 connections.
 * Measured in the test guest under TCG (2 vCPUs, 6.12, virtio-net), the
 * 1000 MiB took 16 s on an idle build machine (64 MiB/s), but 55 to 117 s
 * while another guest ran on its two cores. 1 MiB each, the least the
 * test should send, keeps it near 60 s on a busy machine and the program
 * (57 s idle) well within its 300 s timeout; 2 MiB would not leave that
 * margin. ZCNET_SCALE_MIB sends more by hand.
 */
#define SCALE_MIB	1U
#define SCALE_CONNS	1000U
/*
 * A kernel with kmemleak is make check's debug kernel (KASAN, lockdep),
 * where the network runs many times slower: 1000 MiB did not finish in
 * 600 s there. It sends DEBUG_KIB per connection instead, unless
 * ZCNET_SCALE_MIB says otherwise.
 */
#define DEBUG_KIB	128U
/*
 * At most BUDGET writes (16 MiB) in flight over all connections, four
 * per connection: the guest's TCP memory (tcp_mem, about 55 MiB before
 * pressure in a 1 GiB guest) cannot buffer a window for each of a
 * thousand connections, and under pressure TCP prunes and retransmits.
 */
#define BUDGET		256U

/* Where connection i's stretch of the reference starts: page aligned. */
static __u32 conn_base(unsigned int i)
{
	return (__u32)((i * 2654435761U) % (REF_LEN / 4096)) * 4096;
}

/* ------------------------------------------------------------------ */
/* the receiving side: one epoll thread reading every connection       */
/* ------------------------------------------------------------------ */

enum { RX_OPEN, RX_EOF, RX_RESET, RX_ERROR };

struct rx_conn {
	int fd;
	int idx;		/* the connection, -1 until known */
	unsigned short port;	/* the sender's port */
	bool parked;		/* out of the epoll set while paused */
};

struct sink {
	int lfd, ep, wake;
	unsigned int n;
	const unsigned char *ref;
	int *port_idx;		/* sender's port -> connection, -1 (atomic) */
	/* per connection; pause and reset are set by the test (atomic) */
	bool *pause, *reset;
	__u64 *bytes;
	__u64 *first_bad;	/* stream position of a wrong byte, or ~0 */
	unsigned char *state;	/* RX_* */
	struct rx_conn **by_idx;
	unsigned int finished;	/* connections at EOF, reset or failed */
	unsigned int strays;	/* accepted sockets of no connection */
	int err;
	bool stop;		/* atomic */
	bool started;
	pthread_t thread;
	unsigned char buf[CHUNK];
};

static void sink_finish(struct sink *k, struct rx_conn *rc, int state)
{
	epoll_ctl(k->ep, EPOLL_CTL_DEL, rc->fd, NULL);
	close(rc->fd);
	rc->fd = -1;
	if (rc->idx >= 0) {
		__atomic_store_n(&k->state[rc->idx], state, __ATOMIC_RELEASE);
		k->finished++;
	}
}

static void sink_reset(struct sink *k, struct rx_conn *rc)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(rc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	sink_finish(k, rc, RX_RESET);
}

static bool sink_resolve(struct sink *k, struct rx_conn *rc)
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

static void sink_accept(struct sink *k)
{
	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		struct epoll_event ev = { .events = EPOLLIN };
		struct rx_conn *rc;
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
		sink_resolve(k, rc);
		ev.data.ptr = rc;
		if (epoll_ctl(k->ep, EPOLL_CTL_ADD, fd, &ev) && !k->err)
			k->err = -errno;
	}
}

/* The test changed pause or reset flags. */
static void sink_control(struct sink *k)
{
	struct epoll_event ev = { .events = EPOLLIN };
	__u64 v;
	unsigned int i;

	if (read(k->wake, &v, sizeof(v)) < 0)
		return;
	for (i = 0; i < k->n; i++) {
		struct rx_conn *rc = k->by_idx[i];

		if (!rc || rc->fd < 0)
			continue;
		if (__atomic_load_n(&k->reset[i], __ATOMIC_ACQUIRE)) {
			sink_reset(k, rc);
		} else if (rc->parked &&
			   !__atomic_load_n(&k->pause[i], __ATOMIC_ACQUIRE)) {
			ev.data.ptr = rc;
			rc->parked = false;
			epoll_ctl(k->ep, EPOLL_CTL_ADD, rc->fd, &ev);
		}
	}
}

static void sink_read(struct sink *k, struct rx_conn *rc)
{
	__u64 pos, off;
	ssize_t n;
	int idx;

	if (!sink_resolve(k, rc)) {
		sink_finish(k, rc, RX_ERROR);
		k->strays++;
		return;
	}
	idx = rc->idx;
	if (__atomic_load_n(&k->reset[idx], __ATOMIC_ACQUIRE)) {
		sink_reset(k, rc);
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
		sink_finish(k, rc, n ? RX_ERROR : RX_EOF);
		return;
	}
	pos = k->bytes[idx];
	off = (conn_base(idx) + pos) % REF_LEN;
	/* off < REF_LEN and n <= CHUNK: inside the reference and its wrap */
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

static void *sink_main(void *arg)
{
	struct sink *k = arg;
	uint64_t last = zc_now_ms();
	struct epoll_event ev[64];
	int i, nev;

	while (k->finished < k->n &&
	       !__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		nev = epoll_wait(k->ep, ev, ARRAY_LEN(ev), 100);
		if (nev < 0 && errno != EINTR) {
			k->err = -errno;
			break;
		}
		if (nev <= 0) {
			if (zc_now_ms() > last + WAIT_MS) {
				k->err = -ETIMEDOUT;
				break;
			}
			continue;
		}
		last = zc_now_ms();
		for (i = 0; i < nev; i++) {
			if (ev[i].data.u64 == SINK_LISTEN)
				sink_accept(k);
			else if (ev[i].data.u64 == SINK_WAKE)
				sink_control(k);
			else
				sink_read(k, ev[i].data.ptr);
		}
	}
	return NULL;
}

static void sink_free(struct sink *k)
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
static struct sink *sink_new(const struct zc_env *env, const char *ip,
			     unsigned int n, int rcvbuf, const unsigned char *ref,
			     unsigned short *port)
{
	struct sink *k = calloc(1, sizeof(*k));
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
	sink_free(k);
	return NULL;
}

static int sink_start(struct sink *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SINK_LISTEN };

	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->lfd, &ev))
		return -errno;
	ev.data.u64 = SINK_WAKE;
	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->wake, &ev))
		return -errno;
	if (pthread_create(&k->thread, NULL, sink_main, k))
		return -EAGAIN;
	k->started = true;
	return 0;
}

static void sink_poke(struct sink *k)
{
	__u64 one = 1;

	if (write(k->wake, &one, sizeof(one)) != sizeof(one))
		k->err = -EIO;
}

static void sink_set_pause(struct sink *k, unsigned int i, bool on)
{
	__atomic_store_n(&k->pause[i], on, __ATOMIC_RELEASE);
	sink_poke(k);
}

static void sink_request_reset(struct sink *k, unsigned int i)
{
	__atomic_store_n(&k->reset[i], true, __ATOMIC_RELEASE);
	sink_poke(k);
}

/* Wait until every connection ended (or the sink gave up). */
static void sink_join(struct sink *k)
{
	if (!k->started)
		return;
	pthread_join(k->thread, NULL);
	k->started = false;
}

/* ------------------------------------------------------------------ */
/* the sending side: n connections on one context                      */
/* ------------------------------------------------------------------ */

struct conn {
	int fd;
	__u32 slot;
	__u32 submitted, completed;
	__u32 ok, partial, copied, out_of_order, bad_result;
	__u32 errs;		/* errors, the first included */
	__u32 after_err;	/* successes or parts after an error */
	__u32 after_part;	/* anything but an error after a part */
	int first_err;
	__u64 bytes_done;	/* sum of the results >= 0 */
};

struct fleet {
	struct zc_ctx *c;
	__u32 id;
	unsigned int n, window;
	unsigned int budget;	/* descriptors in flight, all connections */
	unsigned int inflight;
	unsigned int rr;	/* the next connection to push for */
	__u32 ndesc;		/* descriptors per connection */
	struct conn *cn;
	struct sink *k;
	unsigned short port;	/* the sink's */
	unsigned int ndone;	/* connections with every completion */
	unsigned int bad_slots;	/* attach gave another slot than i */
	__u64 unknown;		/* completions of no descriptor of ours */
	long kick_err;
	bool timed_out;
};

static __u64 fleet_cookie(unsigned int i, __u32 k)
{
	return ((__u64)(i + 1) << 32) | k;
}

/*
 * Push connection i's next descriptors while its window, the budget and
 * the TX ring allow; how many.
 */
static unsigned int fleet_push(struct fleet *f, unsigned int i)
{
	struct conn *cn = &f->cn[i];
	unsigned int pushed = 0;

	while (f->inflight < f->budget && cn->submitted < f->ndesc &&
	       cn->submitted - cn->completed < f->window) {
		__u64 off = (conn_base(i) + (__u64)cn->submitted * CHUNK) %
			    REF_LEN;
		struct zcnet_tx_desc d = zc_sock_desc(f->id, off, CHUNK,
						      cn->slot,
						      fleet_cookie(i, cn->submitted));

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
 * completion refills its own connection first (fleet_reap()), which keeps
 * a connection that is sending warm: TCP restarts its congestion window
 * after an idle spell.
 */
static void fleet_fill(struct fleet *f)
{
	unsigned int idle = 0;

	while (f->inflight < f->budget && idle < f->n) {
		unsigned int i = f->rr;

		f->rr = (f->rr + 1) % f->n;
		if (fleet_push(f, i))
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
static int fleet_complete(struct fleet *f, const struct zcnet_cq_entry *e)
{
	__u64 hi = e->cookie >> 32;
	struct conn *cn;

	if (!hi || hi > f->n) {
		f->unknown++;
		return -1;
	}
	cn = &f->cn[hi - 1];
	if ((__u32)e->cookie != cn->completed || cn->completed >= f->ndesc)
		cn->out_of_order++;
	if (e->result == (__s32)CHUNK || (e->result > 0 &&
					  e->result < (__s32)CHUNK)) {
		if (cn->errs)
			cn->after_err++;
		else if (cn->partial)
			cn->after_part++;
		if (e->result == (__s32)CHUNK)
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

/* Pop every completion there is (and refill their connections); how many. */
static unsigned int fleet_reap(struct fleet *f, bool push)
{
	struct zcnet_cq_entry e;
	unsigned int got = 0;
	int i;

	while (!zc_cq_pop(&f->c->cq, &e)) {
		got++;
		i = fleet_complete(f, &e);
		if (push && i >= 0)
			fleet_push(f, (unsigned int)i);
	}
	return got;
}

/*
 * Send until every connection but skip (-1: none) has all its
 * completions, or nothing moved for WAIT_MS. skip keeps sending as its
 * window allows.
 */
static void fleet_run(struct fleet *f, int skip)
{
	uint64_t end = zc_now_ms() + WAIT_MS;

	for (;;) {
		bool skip_done = skip < 0 ||
				 f->cn[skip].completed == f->ndesc;
		unsigned int want = f->n - (skip_done ? 0 : 1);
		struct pollfd p = { .fd = f->c->fd, .events = POLLIN };

		fleet_fill(f);
		if (zc_tx_pending(&f->c->tx)) {
			long k = zc_kick(f->c->fd, 0);

			if (k < 0) {
				f->kick_err = k;
				return;
			}
		}
		if (fleet_reap(f, true)) {
			end = zc_now_ms() + WAIT_MS;
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

static void fleet_free(struct fleet *f)
{
	unsigned int i;

	if (!f)
		return;
	if (f->k) {
		__atomic_store_n(&f->k->stop, true, __ATOMIC_RELEASE);
		sink_join(f->k);
		sink_free(f->k);
	}
	for (i = 0; f->cn && i < f->n; i++)
		if (f->cn[i].fd >= 0)
			close(f->cn[i].fd);
	free(f->cn);
	free(f);
}

/*
 * n connections of ndesc descriptors each, at most window in flight per
 * connection and budget in all, on context c: the sink's listener in the
 * peer's netns (rcvbuf: its SO_RCVBUF, 0 default), nothing connected yet.
 */
static struct fleet *fleet_new(const struct zc_env *env, const char *ip,
			       struct zc_ctx *c, __u32 id,
			       const unsigned char *ref, unsigned int n,
			       __u32 ndesc, unsigned int window,
			       unsigned int budget, int rcvbuf)
{
	struct fleet *f = calloc(1, sizeof(*f));
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
	f->k = sink_new(env, ip, n, rcvbuf, ref, &f->port);
	if (!f->cn || !f->k) {
		fleet_free(f);
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

static int fleet_connect(struct fleet *f, const char *ip)
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
			struct conn *cn = &f->cn[i + j];

			if (poll(&p[j], 1, WAIT_MS) != 1)
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

/* The sender is done: the sink sees EOF on every connection. */
static void fleet_shutdown(struct fleet *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (f->cn[i].fd >= 0)
			shutdown(f->cn[i].fd, SHUT_WR);
}

/*
 * Connections [0, n) but skip sent everything: every descriptor once, in
 * order, whole; at the peer every byte, right, then EOF. Returns how many
 * did not, and describes the first in msg.
 */
static unsigned int fleet_problems(const struct fleet *f, int skip,
				   char *msg, size_t size)
{
	const __u64 want = (__u64)f->ndesc * CHUNK;
	unsigned int i, bad = 0;

	msg[0] = 0;
	for (i = 0; i < f->n; i++) {
		const struct conn *cn = &f->cn[i];
		const struct sink *k = f->k;

		if ((int)i == skip)
			continue;
		if (cn->completed == f->ndesc && cn->ok == f->ndesc &&
		    !cn->out_of_order && !cn->bad_result &&
		    k->bytes[i] == want && k->first_bad[i] == ~0ULL &&
		    k->state[i] == RX_EOF)
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

static __u64 fleet_copied(const struct fleet *f)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		n += f->cn[i].copied;
	return n;
}

/* ------------------------------------------------------------------ */
/* the fixture                                                         */
/* ------------------------------------------------------------------ */

FIXTURE(scale) {
	struct zc_ctx c;
	unsigned char *mem;	/* the reference and its wrap */
	__u32 id;
	struct zc_env env;
	const char *peer_ip;
	long saved_max;		/* max_sockets to put back, or -1 */
};

/* Random bytes, then the first CHUNK of them again. */
static void ref_fill(unsigned char *p)
{
	__u64 x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < REF_LEN; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	memcpy(p + REF_LEN, p, CHUNK);
}

FIXTURE_SETUP(scale)
{
	const char *why;

	self->c.fd = -1;
	self->mem = NULL;
	self->saved_max = -1;
	why = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, &self->env);
	if (why)
		SKIP(return, "%s", why);
	self->peer_ip = getenv("ZCNET_PEER_IP");
	if (!self->peer_ip)
		SKIP(return, "ZCNET_PEER_IP not set (these tests run in the test guest)");
	ASSERT_EQ(0, zc_raise_nofile(65536));
	self->mem = zc_alloc_pages(MEM_LEN / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	madvise(self->mem, MEM_LEN, MADV_HUGEPAGE);
	ref_fill(self->mem);
}

FIXTURE_TEARDOWN(scale)
{
	zc_ctx_close(&self->c);
	if (self->mem)
		munmap(self->mem, MEM_LEN);
	if (self->saved_max >= 0)
		zc_set_module_param("max_sockets", self->saved_max);
}

/* The test's context: rings, the reference registered, no copy threshold. */
static long scale_ctx(FIXTURE_DATA(scale) *self, __u32 tx, __u32 cq)
{
	long ret = zc_ctx_open(&self->c, tx, cq, 0, 0);

	if (!ret)
		ret = zc_reg(self->c.fd, self->mem, MEM_LEN, &self->id);
	if (!ret)
		ret = zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD, 0);
	return ret;
}

static double secs(uint64_t from_ms, uint64_t to_ms)
{
	return (double)(to_ms - from_ms) / 1000.0;
}

/* ------------------------------------------------------------------ */
/* many TCP connections                                                */
/* ------------------------------------------------------------------ */

/*
 * SCALE_CONNS connections to the peer on one context, SCALE_MIB MiB each
 * in 64 KiB writes, four writes in flight per connection: each write
 * completes once, in its connection's order, whole; the peer gets every
 * byte of every connection, right, then EOF. Nothing is copied on
 * virtio-net; elsewhere the copies the driver made stay rare.
 */
TEST_F_TIMEOUT(scale, tcp_1000_connections, 600)
{
	const unsigned int n = SCALE_CONNS;
	const char *env_mib = getenv("ZCNET_SCALE_MIB");
	unsigned int mib = env_mib ? (unsigned int)strtoul(env_mib, NULL, 0) :
				     SCALE_MIB;
	bool debug = !env_mib && !access("/sys/kernel/debug/kmemleak", F_OK);
	__u32 ndesc = debug ? DEBUG_KIB * 1024 / CHUNK :
			      mib * ((1U << 20) / CHUNK);
	uint64_t t0, t1, t2;
	struct zcnet_stats st;
	struct fleet *f;
	char msg[512];
	__u64 copied, total;

	ASSERT_LE(1U, mib);
	ASSERT_EQ(0, scale_ctx(self, 4096, 8192));
	if (debug)
		TH_LOG("debug kernel (kmemleak): %u KiB per connection", DEBUG_KIB);
	f = fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, ndesc, 4, BUDGET, 0);
	ASSERT_NE(NULL, f);
	t0 = zc_now_ms();
	ASSERT_EQ(0, sink_start(f->k));
	ASSERT_EQ(0, fleet_connect(f, self->peer_ip));
	EXPECT_EQ(0U, f->bad_slots) TH_LOG("slots not handed out lowest free first");
	t1 = zc_now_ms();
	fleet_run(f, -1);
	t2 = zc_now_ms();
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n, f->ndone);
	EXPECT_EQ(0U, f->unknown);
	fleet_shutdown(f);
	sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	EXPECT_EQ(0U, fleet_problems(f, -1, msg, sizeof(msg))) TH_LOG("%s", msg);

	total = (__u64)n * f->ndesc;
	copied = fleet_copied(f);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(copied, st.tx_copied);
	EXPECT_EQ(total * CHUNK, st.sock_zc_bytes + st.sock_copied_bytes);
	EXPECT_EQ(0U, st.inflight);
	if (zc_nic_may_copy(&self->env)) {
		if (copied)
			TH_LOG("the driver copied %llu of %llu writes",
			       (unsigned long long)copied,
			       (unsigned long long)total);
		EXPECT_GE(total / 10, copied);
	} else {
		EXPECT_EQ(0U, copied);
	}
	TH_LOG("%u connections x %u KiB: connected and attached in %.2f s, sent in %.2f s (%.0f MiB/s)",
	       n, ndesc * (CHUNK >> 10), secs(t0, t1), secs(t1, t2),
	       (double)total * CHUNK / (1 << 20) / (secs(t1, t2) + 0.001));
	fleet_free(f);
}

/*
 * One receiver of 64 stops reading. The other connections finish while
 * it does not read (its 2 MiB cannot fit its 128 KiB receive buffer), so
 * its socket never holds the others up. Then it reads again and its
 * connection completes; or the peer resets it (SO_LINGER 0), and the rest
 * of its writes complete once each with an error, after its whole ones.
 */
static void one_stalled(struct __test_metadata *_metadata,
			FIXTURE_DATA(scale) *self, bool reset)
{
	const unsigned int n = 64, stalled = 37;
	const __u32 ndesc = 32;
	struct fleet *f;
	struct conn *cn;
	char msg[512];
	uint64_t t0;

	ASSERT_EQ(0, scale_ctx(self, 512, 1024));
	f = fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, ndesc, 4, n * 4, 128 << 10);
	ASSERT_NE(NULL, f);
	cn = &f->cn[stalled];
	f->k->pause[stalled] = true;
	ASSERT_EQ(0, sink_start(f->k));
	ASSERT_EQ(0, fleet_connect(f, self->peer_ip));
	t0 = zc_now_ms();
	fleet_run(f, (int)stalled);
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n - 1, f->ndone);
	EXPECT_GT(ndesc, cn->completed)
		TH_LOG("the stalled connection finished without a reader");
	EXPECT_EQ(0U, cn->errs);
	TH_LOG("%u connections finished in %.2f s while one did not read; it completed %u of %u writes",
	       n - 1, secs(t0, zc_now_ms()), cn->completed, ndesc);

	if (reset)
		sink_request_reset(f->k, stalled);
	else
		sink_set_pause(f->k, stalled, false);
	fleet_run(f, -1);
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n, f->ndone);
	EXPECT_EQ(0U, f->unknown);
	EXPECT_EQ(ndesc, cn->completed);
	EXPECT_EQ(0U, cn->out_of_order);
	EXPECT_EQ(0U, cn->bad_result);
	fleet_shutdown(f);
	sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	EXPECT_EQ(0U, fleet_problems(f, (int)stalled, msg, sizeof(msg)))
		TH_LOG("%s", msg);
	if (!reset) {
		EXPECT_EQ(ndesc, cn->ok);
		EXPECT_EQ((__u64)ndesc * CHUNK, f->k->bytes[stalled]);
		EXPECT_EQ(RX_EOF, f->k->state[stalled]);
	} else {
		/* whole writes, then one error, then -EPIPE; nothing twice */
		TH_LOG("after the reset: %u whole, %u in part, %u errors, the first %d",
		       cn->ok, cn->partial, cn->errs, cn->first_err);
		EXPECT_EQ(RX_RESET, f->k->state[stalled]);
		EXPECT_LE(1U, cn->errs);
		EXPECT_TRUE(cn->first_err == -ECONNRESET ||
			    cn->first_err == -EPIPE)
			TH_LOG("first error %d", cn->first_err);
		EXPECT_EQ(0U, cn->after_err);
		EXPECT_EQ(ndesc, cn->ok + cn->partial + cn->errs);
	}
	EXPECT_EQ(~0ULL, f->k->first_bad[stalled]);
	fleet_free(f);
}

TEST_F_TIMEOUT(scale, tcp_stalled_receiver_resumes, 300)
{
	one_stalled(_metadata, self, false);
}

TEST_F_TIMEOUT(scale, tcp_stalled_receiver_reset, 300)
{
	one_stalled(_metadata, self, true);
}

/* ------------------------------------------------------------------ */
/* thousands of sockets holding descriptors: close, detach             */
/* ------------------------------------------------------------------ */

#define HELD_CONNS	2000U
#define HELD_DESCS	4U

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Another thread's view of the system: its longest wait for a 1 ms sleep. */
struct probe {
	bool stop;		/* atomic */
	uint64_t max_us;
	pthread_t thread;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		uint64_t t = now_us();

		zc_sleep_ms(1);
		t = now_us() - t;
		if (t > p->max_us)
			p->max_us = t;
	}
	return NULL;
}

/* Until every connection has all its completions, or WAIT_MS of nothing. */
static void fleet_drain(struct fleet *f)
{
	uint64_t end = zc_now_ms() + WAIT_MS;

	while (f->ndone < f->n && zc_now_ms() < end) {
		struct pollfd p = { .fd = f->c->fd, .events = POLLIN };

		if (fleet_reap(f, false))
			end = zc_now_ms() + WAIT_MS;
		else
			poll(&p, 1, 50);
	}
}

/*
 * HELD_CONNS connections, each given HELD_DESCS writes of 64 KiB, to a
 * peer that does not even accept them (8 KiB receive buffers): every
 * socket holds a write it cannot finish, and most of the rest wait in the
 * kernel. Then the context is closed, or every slot is detached; the
 * time it takes is measured, with the longest sleep another thread saw
 * meanwhile, and printed (not judged). Afterwards the peer reads.
 *
 * Detach: the writes complete exactly once each, per connection in ring
 * order: whole ones, at most one in part (the bytes the socket took),
 * then -ECANCELED; the peer receives exactly the bytes they report, byte
 * for byte. Close: completions after the close reach no one, so the check
 * is that the peer gets a right prefix of each stream, at least what
 * completed before, and that every pinned page and the context itself go
 * (a descriptor completed twice would underflow a reference, which the
 * kernel reports and the guest's log check fails on).
 */
static void held(struct __test_metadata *_metadata, FIXTURE_DATA(scale) *self,
		 bool close_ctx)
{
	const unsigned int n = HELD_CONNS;
	const __u32 nd = HELD_DESCS;
	unsigned int i, early = 0, bad = 0, detach_err = 0;
	struct probe pr = { 0 };
	uint64_t t0, t1, t2;
	struct zcnet_stats st;
	struct fleet *f;
	char msg[512];
	__u64 inflight;
	int obs;

	obs = zc_open();
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, zc_settle(obs, &st))
		TH_LOG("module not quiet: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	ASSERT_EQ(0, scale_ctx(self, 8192, 16384));
	f = fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, nd, nd, n * nd, 4096);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, fleet_connect(f, self->peer_ip));
	EXPECT_EQ(0U, f->bad_slots);
	fleet_fill(f);
	ASSERT_EQ(n * nd, f->inflight);
	while (zc_tx_pending(&self->c.tx)) {
		long k = zc_kick(self->c.fd, 0);

		ASSERT_LE(0, k);
		if (!k) {
			fleet_reap(f, false);
			zc_sleep_ms(10);
		}
	}
	zc_sleep_ms(1000);
	fleet_reap(f, false);
	for (i = 0; i < n; i++)
		early += f->cn[i].completed;
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	inflight = st.inflight;
	EXPECT_EQ(0U, f->unknown);
	EXPECT_LE(n, inflight) TH_LOG("not every socket holds a write");

	ASSERT_EQ(0, pthread_create(&pr.thread, NULL, probe_main, &pr));
	zc_sleep_ms(20);
	if (close_ctx) {
		zc_ring_unmap(&self->c.tx);
		zc_ring_unmap(&self->c.cq);
		t0 = now_us();
		close(self->c.fd);
		t1 = now_us();
		self->c.fd = -1;
	} else {
		t0 = now_us();
		for (i = 0; i < n; i++)
			detach_err += zc_sock_detach(self->c.fd, f->cn[i].slot) != 0;
		t1 = now_us();
	}
	__atomic_store_n(&pr.stop, true, __ATOMIC_RELEASE);
	pthread_join(pr.thread, NULL);
	EXPECT_EQ(0U, detach_err);

	/* the peer reads now; the writes the sockets took go out */
	ASSERT_EQ(0, sink_start(f->k));
	if (!close_ctx) {
		fleet_drain(f);
		EXPECT_EQ(n, f->ndone);
		EXPECT_EQ(0U, f->unknown);
		for (i = 0; i < n; i++) {
			const struct conn *cn = &f->cn[i];

			if (cn->completed == nd && !cn->out_of_order &&
			    !cn->bad_result && !cn->after_err &&
			    !cn->after_part && cn->partial <= 1 &&
			    (!cn->errs || cn->first_err == -ECANCELED) &&
			    cn->ok + cn->partial + cn->errs == nd)
				continue;
			if (!bad++)
				TH_LOG("connection %u: %u completions, %u whole, %u in part, %u errors (first %d), %u out of order, %u after an error",
				       i, cn->completed, cn->ok, cn->partial,
				       cn->errs, cn->first_err,
				       cn->out_of_order, cn->after_err);
		}
		EXPECT_EQ(0U, bad);
	}
	/* our fds hold the sockets now: closing them ends each stream */
	for (i = 0; i < n; i++) {
		close(f->cn[i].fd);
		f->cn[i].fd = -1;
	}
	sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	bad = 0;
	for (i = 0; i < n; i++) {
		const struct conn *cn = &f->cn[i];
		__u64 got = f->k->bytes[i];
		bool ok = f->k->state[i] == RX_EOF &&
			  f->k->first_bad[i] == ~0ULL;

		if (close_ctx)
			ok = ok && got <= (__u64)nd * CHUNK &&
			     got >= cn->bytes_done;
		else
			ok = ok && got == cn->bytes_done;
		if (ok)
			continue;
		if (!bad++)
			snprintf(msg, sizeof(msg),
				 "connection %u: peer got %llu bytes (state %u, first wrong at %lld), completions reported %llu",
				 i, (unsigned long long)got, f->k->state[i],
				 f->k->first_bad[i] == ~0ULL ? -1LL :
				 (long long)f->k->first_bad[i],
				 (unsigned long long)cn->bytes_done);
	}
	EXPECT_EQ(0U, bad) TH_LOG("%s", msg);
	if (close_ctx) {
		/* every page unpinned, the context gone */
		EXPECT_EQ(0, zc_settle_for(obs, &st, WAIT_MS))
			TH_LOG("%llu contexts, %llu pages pinned",
			       (unsigned long long)st.module_contexts,
			       (unsigned long long)st.module_pinned_pages);
	} else {
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
		EXPECT_EQ(0U, st.inflight);
	}
	t2 = now_us();
	if (!close_ctx) {
		unsigned int whole = 0, part = 0, cancelled = 0;

		for (i = 0; i < n; i++) {
			whole += f->cn[i].ok;
			part += f->cn[i].partial;
			cancelled += f->cn[i].errs;
		}
		TH_LOG("after detach: %u whole, %u in part, %u cancelled",
		       whole, part, cancelled);
	}
	TH_LOG("%s with %u sockets and %llu of %u writes in flight (%u completed before): %.1f ms; another thread's longest 1 ms sleep meanwhile %.1f ms; all released %.2f s later",
	       close_ctx ? "close" : "detach of every slot", n,
	       (unsigned long long)inflight, n * nd, early,
	       (double)(t1 - t0) / 1000.0, (double)pr.max_us / 1000.0,
	       (double)(t2 - t1) / 1e6);
	close(obs);
	fleet_free(f);
}

TEST_F_TIMEOUT(scale, close_with_thousands_in_flight, 300)
{
	held(_metadata, self, true);
}

TEST_F_TIMEOUT(scale, detach_thousands_in_flight, 300)
{
	held(_metadata, self, false);
}

/* ------------------------------------------------------------------ */
/* ten thousand UDP slots                                              */
/* ------------------------------------------------------------------ */

#define UDP_SLOTS	10000U
#define UDP_SOCKS	16U	/* slot i sends through socket i % UDP_SOCKS */
#define UDP_LEN		512U
#define UDP_PORT0	20000U	/* slot i sends to port UDP_PORT0 + i */
#define UDP_BATCH	256U

/* Where slot i's datagram lies in the reference. */
static __u64 udp_off(unsigned int i)
{
	return (__u64)i * 1667 % (REF_LEN - UDP_LEN);
}

/* The peer's NIC, watched by a packet socket: datagrams per port. */
struct udp_rx {
	int fd;
	struct in_addr peer;
	unsigned short sport[UDP_SOCKS];
	const unsigned char *ref;
	unsigned int seen[UDP_SLOTS];	/* atomic */
	unsigned int total;		/* atomic */
	unsigned int bad, stray;
	bool stop;			/* atomic */
	pthread_t thread;
};

static void udp_rx_frame(struct udp_rx *rx, const unsigned char *p, ssize_t n)
{
	unsigned int ihl, sport, dport, ulen, i;
	const unsigned char *ip = p + ZC_ETH_HLEN, *udp;
	bool ours = false;

	if (n < ZC_ETH_HLEN + 28 || p[12] != 0x08 || p[13] != 0x00 ||
	    (ip[0] >> 4) != 4 || ip[9] != IPPROTO_UDP ||
	    memcmp(ip + 16, &rx->peer, 4))
		return;
	ihl = (ip[0] & 15) * 4U;
	udp = ip + ihl;
	if (udp + 8 > p + n)
		return;
	sport = (unsigned int)udp[0] << 8 | udp[1];
	dport = (unsigned int)udp[2] << 8 | udp[3];
	ulen = (unsigned int)udp[4] << 8 | udp[5];
	for (i = 0; i < UDP_SOCKS; i++)
		ours |= sport == rx->sport[i];
	if (!ours)
		return;
	i = dport - UDP_PORT0;
	if (dport < UDP_PORT0 || i >= UDP_SLOTS ||
	    sport != rx->sport[i % UDP_SOCKS]) {
		rx->stray++;
		return;
	}
	if (ulen != UDP_LEN + 8 || udp + ulen > p + n ||
	    memcmp(udp + 8, rx->ref + udp_off(i), UDP_LEN)) {
		rx->bad++;
		return;
	}
	__atomic_add_fetch(&rx->seen[i], 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&rx->total, 1, __ATOMIC_RELEASE);
}

static void *udp_rx_main(void *arg)
{
	struct udp_rx *rx = arg;
	unsigned char buf[2048];

	while (!__atomic_load_n(&rx->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = rx->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(rx->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			udp_rx_frame(rx, buf, n);
	}
	return NULL;
}

/* Wait until the peer saw want datagrams in all, or nothing came for ms. */
static void udp_rx_wait(struct udp_rx *rx, unsigned int want, unsigned int ms)
{
	unsigned int last = __atomic_load_n(&rx->total, __ATOMIC_ACQUIRE);
	uint64_t end = zc_now_ms() + ms;

	while (last < want && zc_now_ms() < end) {
		unsigned int now;

		zc_sleep_ms(10);
		now = __atomic_load_n(&rx->total, __ATOMIC_ACQUIRE);
		if (now != last)
			end = zc_now_ms() + ms;
		last = now;
	}
}

/*
 * Send one datagram through every slot not yet seen at the peer, pacing
 * batches by what arrives; count completions per slot. How many were sent.
 */
struct udp_round {
	unsigned char *done;	/* completions per slot this round */
	unsigned char *sent;	/* sent this round */
	unsigned int dups, unknown, bad_result, copied;
	unsigned int uncompleted;	/* sent, never completed */
	bool timed_out;
};

static unsigned int udp_send_round(FIXTURE_DATA(scale) *self,
				   struct udp_rx *rx, __u32 round,
				   struct udp_round *r)
{
	unsigned int i = 0, pushed = 0, completed = 0, batch = 0;
	unsigned int base = __atomic_load_n(&rx->total, __ATOMIC_ACQUIRE);
	uint64_t end = zc_now_ms() + WAIT_MS;
	struct zcnet_cq_entry e;

	memset(r->done, 0, UDP_SLOTS);
	memset(r->sent, 0, UDP_SLOTS);
	while (i < UDP_SLOTS || completed < pushed) {
		struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
		bool moved = false;

		while (i < UDP_SLOTS && batch < UDP_BATCH) {
			struct zcnet_tx_desc d;

			if (__atomic_load_n(&rx->seen[i], __ATOMIC_ACQUIRE)) {
				i++;
				continue;
			}
			d = zc_sock_desc(self->id, udp_off(i), UDP_LEN, i,
					 ((__u64)round << 32) | i);
			if (zc_tx_push(&self->c.tx, &d))
				break;
			r->sent[i++] = 1;
			pushed++;
			batch++;
		}
		if (zc_tx_pending(&self->c.tx) && zc_kick(self->c.fd, 0) < 0)
			break;
		while (!zc_cq_pop(&self->c.cq, &e)) {
			unsigned int s = (__u32)e.cookie;

			moved = true;
			completed++;
			if (e.cookie >> 32 != round || s >= UDP_SLOTS) {
				r->unknown++;
				continue;
			}
			if (r->done[s]++)
				r->dups++;
			if (e.result != (__s32)UDP_LEN)
				r->bad_result++;
			if (e.flags & ZCNET_CQE_COPIED)
				r->copied++;
		}
		if (batch == UDP_BATCH && completed == pushed) {
			/* a batch out: let the peer's side catch up */
			udp_rx_wait(rx, base + pushed - 8, 300);
			batch = 0;
		}
		if (moved) {
			end = zc_now_ms() + WAIT_MS;
		} else if (zc_now_ms() > end) {
			r->timed_out = true;
			break;
		} else if (completed < pushed) {
			poll(&p, 1, 50);
		}
	}
	udp_rx_wait(rx, base + pushed, 1000);
	for (i = 0; i < UDP_SLOTS; i++)
		r->uncompleted += r->sent[i] && !r->done[i];
	return pushed;
}

/*
 * max_sockets raised to 10000 for one context (and put back): it reports
 * 10000, the contexts opened before keep theirs, and the 10001st attach
 * is ENOSPC. Ten thousand slots over 16 UDP sockets, each with its own
 * destination port at the peer: every slot's datagram arrives, byte for
 * byte (a packet socket on the peer's NIC counts them per port; one that
 * did not arrive is sent again, at most three times), completes once,
 * uncopied. Detaching them all, and slots handed out again from 0.
 */
TEST_F_TIMEOUT(scale, udp_10000_slots, 300)
{
	struct udp_rx *rx = calloc(1, sizeof(*rx));
	struct udp_round r = { .done = malloc(UDP_SLOTS),
			       .sent = malloc(UDP_SLOTS) };
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct zcnet_info info, before;
	unsigned int i, round, sent = 0, resent = 0, missing = 0;
	unsigned int bad_slots = 0, detach_err = 0;
	int u[UDP_SOCKS], fd0;
	struct zc_netif peer;
	uint64_t t0, t1, t2, t3;
	struct zcnet_stats st;
	long saved, ret;
	__u32 slot;

	ASSERT_NE(NULL, rx);
	ASSERT_NE(NULL, r.done);
	ASSERT_NE(NULL, r.sent);
	saved = zc_module_param("max_sockets");
	if (saved < 0)
		SKIP(return, "no max_sockets module parameter");
	fd0 = zc_open();
	ASSERT_LE(0, fd0);
	ASSERT_EQ(0, zc_get_info(fd0, &before));
	EXPECT_EQ(saved, (long)before.max_sockets);
	self->saved_max = saved;
	ASSERT_EQ(0, zc_set_module_param("max_sockets", UDP_SLOTS));
	ret = scale_ctx(self, 1024, 2048);
	EXPECT_EQ(0, zc_set_module_param("max_sockets", saved));
	ASSERT_EQ(0, ret);
	self->saved_max = -1;
	ASSERT_EQ(0, zc_get_info(self->c.fd, &info));
	EXPECT_EQ(UDP_SLOTS, info.max_sockets);
	ASSERT_EQ(0, zc_get_info(fd0, &before));
	EXPECT_EQ(saved, (long)before.max_sockets);
	close(fd0);

	rx->ref = self->mem;
	ASSERT_EQ(1, inet_pton(AF_INET, self->peer_ip, &rx->peer));
	for (i = 0; i < UDP_SOCKS; i++) {
		struct sockaddr_in any = { .sin_family = AF_INET };

		u[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, u[i]);
		ASSERT_EQ(0, bind(u[i], (struct sockaddr *)&any, sizeof(any)));
		rx->sport[i] = zc_local_port(u[i]);
	}
	rx->fd = zc_peer_open(&self->env, 0x0800 /* ETH_P_IP */, &peer);
	ASSERT_LE(0, rx->fd);
	ASSERT_EQ(0, pthread_create(&rx->thread, NULL, udp_rx_main, rx));

	a.sin_addr = rx->peer;
	t0 = zc_now_ms();
	for (i = 0; i < UDP_SLOTS; i++) {
		a.sin_port = htons(UDP_PORT0 + i);
		ret = zc_sock_attach(self->c.fd, u[i % UDP_SOCKS],
				     (uintptr_t)&a, &slot);
		ASSERT_EQ(0, ret) TH_LOG("attach %u", i);
		bad_slots += slot != i;
	}
	t1 = zc_now_ms();
	EXPECT_EQ(0U, bad_slots);
	EXPECT_EQ(-ENOSPC, zc_sock_attach(self->c.fd, u[0], (uintptr_t)&a,
					  NULL));

	for (round = 0; round < 4; round++) {
		unsigned int n = udp_send_round(self, rx, round, &r);

		if (round)
			resent += n;
		sent += n;
		for (i = 0, missing = 0; i < UDP_SLOTS; i++)
			missing += !__atomic_load_n(&rx->seen[i],
						    __ATOMIC_ACQUIRE);
		if (!missing || r.timed_out)
			break;
	}
	t2 = zc_now_ms();
	__atomic_store_n(&rx->stop, true, __ATOMIC_RELEASE);
	pthread_join(rx->thread, NULL);
	EXPECT_FALSE(r.timed_out);
	EXPECT_EQ(0U, missing) TH_LOG("%u ports never got their datagram", missing);
	EXPECT_EQ(0U, rx->bad);
	EXPECT_EQ(0U, rx->stray);
	EXPECT_EQ(0U, r.dups);
	EXPECT_EQ(0U, r.unknown);
	EXPECT_EQ(0U, r.bad_result);
	EXPECT_EQ(0U, r.uncompleted);
	EXPECT_EQ(0U, r.copied) TH_LOG("%u of %u datagrams copied", r.copied, sent);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(sent, st.tx_descs);
	EXPECT_EQ(sent, st.cq_posted);
	EXPECT_EQ(0U, st.inflight);

	t3 = zc_now_ms();
	for (i = 0; i < UDP_SLOTS; i++)
		detach_err += zc_sock_detach(self->c.fd, i) != 0;
	EXPECT_EQ(0U, detach_err);
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, 0));
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, UDP_SLOTS - 1));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, u[0], (uintptr_t)&a, &slot));
	EXPECT_EQ(0U, slot);
	TH_LOG("%u slots attached in %.2f s, %u datagrams (%u sent again) in %.2f s, detached in %.2f s",
	       UDP_SLOTS, secs(t0, t1), sent, resent, secs(t1, t2),
	       secs(t3, zc_now_ms()));
	for (i = 0; i < UDP_SOCKS; i++)
		close(u[i]);
	close(rx->fd);
	free(r.done);
	free(r.sent);
	free(rx);
}

/* ------------------------------------------------------------------ */
/* UDP GSO trains                                                      */
/* ------------------------------------------------------------------ */

#define UDP_HDRS	28U	/* IPv4 and UDP headers, no options */
#define GSO_TRIES	3

/* A UDP socket connected to a bound one in the peer's netns. */
struct gso_path {
	int rx;			/* the peer's */
	int tx;			/* attached */
	__u32 slot;
	unsigned char *scratch;	/* a region of its own: the trains */
	__u32 sid;
	unsigned char dgram[65536];
};

static int gso_path_open(FIXTURE_DATA(scale) *self, struct gso_path *g)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned short port;
	long ret;

	g->scratch = zc_alloc_pages(SCRATCH_LEN / zc_page_size());
	if (!g->scratch)
		return -ENOMEM;
	ret = zc_reg(self->c.fd, g->scratch, SCRATCH_LEN, &g->sid);
	if (ret)
		return (int)ret;
	g->rx = zc_udp_bind(self->env.peer_ns, self->peer_ip, &port);
	if (g->rx < 0)
		return g->rx;
	a.sin_port = htons(port);
	inet_pton(AF_INET, self->peer_ip, &a.sin_addr);
	g->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g->tx < 0 || connect(g->tx, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	return (int)zc_sock_attach(self->c.fd, g->tx, 0, &g->slot);
}

static void gso_path_close(struct gso_path *g)
{
	if (g->tx >= 0)
		close(g->tx);
	if (g->rx >= 0)
		close(g->rx);
	if (g->scratch)
		munmap(g->scratch, SCRATCH_LEN);
}

static struct zcnet_tx_desc gso_desc(const struct gso_path *g, __u64 off,
				     __u32 len, __u16 gso, __u64 cookie)
{
	struct zcnet_tx_desc d = zc_sock_desc(g->sid, off, len, g->slot,
					      cookie);

	d.flags |= ZCNET_TX_GSO;
	d.gso_size = gso;
	return d;
}

/* Read what is queued at the peer until nothing came for ms. */
static void gso_drain(struct gso_path *g, unsigned int ms)
{
	struct pollfd p = { .fd = g->rx, .events = POLLIN };

	while (poll(&p, 1, (int)ms) == 1)
		if (recv(g->rx, g->dgram, sizeof(g->dgram), 0) < 0)
			break;
}

struct train {
	__u16 gso;
	__u32 len;
	__u32 skew;		/* where in its page the train starts */
};

struct train_result {
	unsigned int got;	/* datagrams that arrived in train order */
	unsigned int bad;	/* of another length or other bytes */
	unsigned int extra;	/* beyond the train's count */
};

/*
 * The datagrams of a train sent from the reference at ref_off: datagram
 * j is bytes [j * gso, j * gso + gso) of it, the last one shorter.
 */
static void gso_receive(struct gso_path *g, const unsigned char *ref,
			const struct train *t, unsigned int nseg,
			struct train_result *res)
{
	struct pollfd p = { .fd = g->rx, .events = POLLIN };

	memset(res, 0, sizeof(*res));
	while (poll(&p, 1, 1000) == 1) {
		ssize_t n = recv(g->rx, g->dgram, sizeof(g->dgram), 0);
		__u32 at = res->got * t->gso;
		__u32 want = t->len - at < t->gso ? t->len - at : t->gso;

		if (n < 0)
			break;
		if (res->got >= nseg) {
			res->extra++;
			continue;
		}
		if ((__u32)n != want || memcmp(g->dgram, ref + at, want))
			res->bad++;
		else
			res->got++;
		if (res->got == nseg)
			p.events = POLLIN;	/* keep looking for extras */
	}
}

/*
 * GSO trains of several segment sizes, some not dividing the length, up
 * to the longest payload, 128 segments, a train shorter than one segment,
 * and trains starting anywhere in a page (65507 bytes from the last byte
 * of a page span 17 pages). Each completes once with its length and
 * arrives as ceil(len / gso_size) datagrams with the right bytes. The
 * train's buffer is overwritten the moment its completion is seen, so
 * pages the kernel still sent from after completing would show. No copy
 * where the NIC takes each frame as it is: on virtio-net any train, on
 * vmxnet3 those whose frames are all longer than the 128 bytes it copies.
 */
TEST_F_TIMEOUT(scale, gso_trains, 300)
{
	static const struct train trains[] = {
		{ 1200, 65507, 0 },	/* 55 datagrams, the last 707 bytes */
		{ 1448, 65507, 4095 },	/* 46, the last 347 */
		{ 1472, 65507, 0 },	/* the most a 1500 MTU takes: 45 */
		{ 1448, 1448 * 20, 100 },
		{ 999, 50000, 1 },	/* 51, the last 50 */
		{ 333, 42000, 7 },	/* 127, the last 42 */
		{ 500, 64000, 0 },	/* 128: UDP_MAX_SEGMENTS */
		{ 1201, 1000, 0 },	/* shorter than a segment: one */
		{ 1201, 1201, 3 },	/* exactly one */
		{ 7, 703, 0 },		/* 101 tiny ones */
		{ 1, 128, 9 },		/* 128 of one byte */
		{ 1001, 65507, 2048 },
	};
	unsigned int copy_len = zc_driver_copy_len(self->env.iface);
	struct gso_path g = { .rx = -1, .tx = -1 };
	unsigned int i, try, resent = 0;
	struct zcnet_cq_entry e;
	struct zcnet_stats st;
	__u64 cookie = 0;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, scale_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	for (i = 0; i < ARRAY_LEN(trains); i++) {
		const struct train *t = &trains[i];
		unsigned int nseg = (t->len + t->gso - 1) / t->gso;
		__u32 last = t->len - (nseg - 1) * t->gso;
		__u32 shortest = last < t->gso ? last : t->gso;
		struct train_result res = { 0 };

		for (try = 0; try < GSO_TRIES; try++) {
			__u64 ref_off = (i * 1000003ULL + try * 65537ULL) %
					(REF_LEN - 65536);
			struct zcnet_tx_desc d;

			gso_drain(&g, 10);
			memcpy(g.scratch + t->skew, self->mem + ref_off, t->len);
			d = gso_desc(&g, t->skew, t->len, t->gso, ++cookie);
			ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
			ASSERT_EQ(1, zc_kick(self->c.fd, 0));
			ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, WAIT_MS));
			memset(g.scratch, 0xa5, t->skew + t->len);
			EXPECT_EQ(cookie, e.cookie);
			EXPECT_EQ((__s32)t->len, e.result)
				TH_LOG("gso %u len %u", t->gso, t->len);
			if (shortest + UDP_HDRS + ZC_ETH_HLEN > copy_len) {
				EXPECT_EQ(0U, e.flags & ZCNET_CQE_COPIED)
					TH_LOG("gso %u len %u copied", t->gso,
					       t->len);
			}
			gso_receive(&g, self->mem + ref_off, t, nseg, &res);
			if (res.got == nseg || res.bad || res.extra)
				break;
			resent++;
		}
		EXPECT_EQ(nseg, res.got)
			TH_LOG("gso %u len %u: %u of %u datagrams", t->gso,
			       t->len, res.got, nseg);
		EXPECT_EQ(0U, res.bad) TH_LOG("gso %u len %u", t->gso, t->len);
		EXPECT_EQ(0U, res.extra) TH_LOG("gso %u len %u", t->gso, t->len);
	}
	EXPECT_EQ(-EAGAIN, zc_cq_pop(&self->c.cq, &e));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(0U, st.inflight);
	if (resent)
		TH_LOG("%u trains sent again (lost on the way)", resent);
	gso_path_close(&g);
}

/* What a second thread saw while a train was in flight. */
struct unreg_obs {
	int fd;
	__u32 id;
	bool go, done;		/* atomic */
	bool saw;
	long r;
	__u64 before, after;
	pthread_t thread;
};

static void *unreg_observer(void *arg)
{
	struct unreg_obs *o = arg;
	struct zcnet_stats st;

	while (!__atomic_load_n(&o->go, __ATOMIC_ACQUIRE))
		sched_yield();
	while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
		if (zc_get_stats(o->fd, &st) || !st.inflight)
			continue;
		o->before = st.inflight;
		o->r = zc_unreg(o->fd, o->id);
		o->after = zc_get_stats(o->fd, &st) ? ~0ULL : st.inflight;
		o->saw = true;
		break;
	}
	return NULL;
}

/*
 * The pages of a train stay in use until its completion: while it is in
 * flight (a second thread watches GET_STATS and tries the moment it sees
 * it), UNREG_REGION of the train's region is EBUSY, never a success with
 * the train still in flight. Seen at least once in 20 trains, or the test
 * fails for having tested nothing.
 */
TEST_F_TIMEOUT(scale, gso_pages_held_until_completion, 300)
{
	struct gso_path g = { .rx = -1, .tx = -1 };
	unsigned int attempt, observed = 0;
	struct zcnet_cq_entry e;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, scale_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	memcpy(g.scratch, self->mem, ZCNET_UDP_GSO_MAX);
	for (attempt = 0; attempt < 20 && !observed; attempt++) {
		struct unreg_obs o = { .fd = self->c.fd, .id = g.sid };
		struct zcnet_tx_desc d = gso_desc(&g, 0, ZCNET_UDP_GSO_MAX,
						  1448, attempt);

		ASSERT_EQ(0, pthread_create(&o.thread, NULL, unreg_observer,
					    &o));
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
		__atomic_store_n(&o.go, true, __ATOMIC_RELEASE);
		ASSERT_EQ(1, zc_kick(self->c.fd, 0));
		ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, WAIT_MS));
		__atomic_store_n(&o.done, true, __ATOMIC_RELEASE);
		pthread_join(o.thread, NULL);
		EXPECT_EQ(attempt, e.cookie);
		EXPECT_EQ((__s32)ZCNET_UDP_GSO_MAX, e.result);
		if (!o.saw)
			continue;
		EXPECT_TRUE(o.r == 0 || o.r == -EBUSY) TH_LOG("UNREG: %ld", o.r);
		EXPECT_FALSE(o.r == 0 && o.after > 0)
			TH_LOG("UNREG_REGION succeeded with %llu in flight",
			       (unsigned long long)o.after);
		if (o.r == -EBUSY)
			observed++;
		else if (!o.r)
			ASSERT_EQ(0, zc_reg(self->c.fd, g.scratch, SCRATCH_LEN,
					    &g.sid));
	}
	EXPECT_LE(1U, observed)
		TH_LOG("in %u trains, never saw one in flight", attempt);
	TH_LOG("UNREG_REGION was EBUSY with the train in flight after %u trains",
	       attempt);
	gso_drain(&g, 200);
	EXPECT_EQ(0, zc_unreg(self->c.fd, g.sid));
	gso_path_close(&g);
}

/* What sendmsg() with UDP_SEGMENT says on this socket: 0 or -errno. */
static int stack_gso(int fd, const void *buf, size_t len, __u16 gso)
{
	char ctl[CMSG_SPACE(sizeof(__u16))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(__u16));
	memcpy(CMSG_DATA(c), &gso, sizeof(gso));
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

/*
 * Bad trains and flag combinations, each completing once with its errno,
 * between good ones that still go out: UDP slots keep working after an
 * error; the TCP slot, after its rejected descriptor, fails with -EPIPE
 * as a stream does. A segment over the path MTU fails as UDP_SEGMENT
 * fails on a plain socket of this kernel (-EINVAL in older kernels,
 * -EMSGSIZE in Debian's 6.12).
 */
TEST_F_TIMEOUT(scale, gso_errors, 120)
{
	struct gso_path g = { .rx = -1, .tx = -1 };
	struct zcnet_cq_entry e[32];
	struct zcnet_tx_desc d[32];
	__s32 want[32];
	unsigned short port;
	unsigned int i, n = 0, got, dgrams = 0, lens500 = 0;
	unsigned int count[32] = { 0 };
	struct pollfd p = { .events = POLLIN };
	__u64 last_udp = 0;
	bool first = true;
	int l, tcp, mtu_err[2];
	__u32 tslot;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, scale_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	p.fd = g.rx;
	mtu_err[0] = stack_gso(g.tx, self->mem, 3000, 1473);
	mtu_err[1] = stack_gso(g.tx, self->mem, 65507, 8000);
	TH_LOG("the stack's own UDP_SEGMENT over the MTU: %d, %d", mtu_err[0],
	       mtu_err[1]);
	EXPECT_TRUE(mtu_err[0] == -EINVAL || mtu_err[0] == -EMSGSIZE);
	EXPECT_EQ(mtu_err[0], mtu_err[1]);
	l = zc_tcp_listen(self->env.peer_ns, self->peer_ip, 4, 0, &port);
	ASSERT_LE(0, l);
	tcp = zc_tcp_connect(self->peer_ip, port, 0);
	ASSERT_LE(0, tcp);
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tcp, 0, &tslot));
	memcpy(g.scratch, self->mem, SCRATCH_LEN);

#define ADD(desc, res) do { d[n] = (desc); d[n].cookie = n; want[n++] = (res); } while (0)
	ADD(gso_desc(&g, 0, 3000, 0, 0), -EINVAL);		/* gso_size 0 */
	ADD(gso_desc(&g, 0, 64001, 500, 0), -EINVAL);		/* 129 segments */
	ADD(gso_desc(&g, 0, 64000, 500, 0), 64000);		/* 128 */
	ADD(gso_desc(&g, 0, 65508, 1200, 0), -EMSGSIZE);	/* too long */
	ADD(gso_desc(&g, 0, 65535, 65535, 0), -EMSGSIZE);
	/* over the MTU: whatever the stack says to UDP_SEGMENT itself */
	ADD(gso_desc(&g, 0, 3000, 1473, 0), mtu_err[0]);
	ADD(gso_desc(&g, 0, 65507, 8000, 0), mtu_err[1]);
	ADD(gso_desc(&g, 0, 3000, 1472, 0), 3000);		/* at the MTU */
	d[n] = gso_desc(&g, 0, 3000, 1200, 0);
	d[n].flags = ZCNET_TX_GSO;				/* no SOCK */
	ADD(d[n], -EINVAL);
	d[n] = gso_desc(&g, 0, 3000, 1200, 0);
	d[n].flags = ZCNET_TX_NOP | ZCNET_TX_GSO;
	ADD(d[n], -EINVAL);
	d[n] = zc_sock_desc(g.sid, 0, 3000, g.slot, 0);
	d[n].gso_size = 1200;					/* no GSO flag */
	ADD(d[n], -EINVAL);
	d[n] = gso_desc(&g, 0, 3000, 1200, 0);
	d[n].flags |= ZCNET_TX_MORE;				/* UDP: no MORE */
	ADD(d[n], -EINVAL);
	d[n] = gso_desc(&g, 0, 3000, 1200, 0);
	d[n].sock = (__u16)tslot;				/* a TCP slot */
	ADD(d[n], -EINVAL);
	ADD(zc_sock_desc(g.sid, 0, 1000, tslot, 0), -EPIPE);	/* after it */
	ADD(gso_desc(&g, 0, 3000, 1200, 0), 3000);		/* still fine */
#undef ADD
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d[i]));
	ASSERT_EQ((long)n, zc_kick(self->c.fd, 0));
	got = zc_cq_collect(&self->c, e, n, WAIT_MS);
	EXPECT_EQ(n, got);
	for (i = 0; i < got; i++) {
		__u64 c = e[i].cookie;

		ASSERT_GT(n, c);
		EXPECT_EQ(0U, count[c]++) TH_LOG("cookie %llu twice",
						 (unsigned long long)c);
		EXPECT_EQ(want[c], e[i].result)
			TH_LOG("descriptor %llu: gso %u len %u flags 0x%x",
			       (unsigned long long)c, d[c].gso_size, d[c].len,
			       d[c].flags);
		/* one UDP slot: its completions in ring order */
		if ((d[c].flags & ZCNET_TX_SOCK) && d[c].sock == g.slot &&
		    !(d[c].flags & ZCNET_TX_NOP)) {
			EXPECT_TRUE(first || c > last_udp);
			first = false;
			last_udp = c;
		}
	}
	/* only the good trains arrived: 128 + 3 + 3 datagrams */
	while (poll(&p, 1, 1000) == 1) {
		ssize_t r = recv(g.rx, g.dgram, sizeof(g.dgram), 0);

		if (r < 0)
			break;
		dgrams++;
		lens500 += r == 500;
	}
	EXPECT_GE(128U, lens500);
	EXPECT_GE(128U + 3 + 3, dgrams);
	TH_LOG("%u datagrams arrived (of 134 sent)", dgrams);
	close(tcp);
	close(l);
	gso_path_close(&g);
}

/*
 * The socket's own UDP_SEGMENT option does not split a descriptor: one
 * without ZCNET_TX_GSO is one datagram (3000 bytes, in IP fragments),
 * where a plain send() on that socket sends three.
 */
TEST_F(scale, gso_socket_option_ignored)
{
	struct gso_path g = { .rx = -1, .tx = -1 };
	int opt = 1000, try;
	struct zcnet_cq_entry e;
	ssize_t got = -1;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, scale_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	ASSERT_EQ(0, setsockopt(g.tx, SOL_UDP, UDP_SEGMENT, &opt, sizeof(opt)));
	memcpy(g.scratch, self->mem, 3000);
	for (try = 0; try < GSO_TRIES && got != 3000; try++) {
		struct zcnet_tx_desc d = zc_sock_desc(g.sid, 0, 3000, g.slot,
						      try);
		struct pollfd p = { .fd = g.rx, .events = POLLIN };

		gso_drain(&g, 10);
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
		ASSERT_EQ(1, zc_kick(self->c.fd, 0));
		ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, WAIT_MS));
		EXPECT_EQ(3000, e.result);
		if (poll(&p, 1, 1000) == 1)
			got = recv(g.rx, g.dgram, sizeof(g.dgram), 0);
	}
	EXPECT_EQ(3000, got);
	EXPECT_EQ(0, memcmp(g.dgram, self->mem, 3000));
	gso_path_close(&g);
}

/*
 * An IPv6 train may carry up to ZCNET_UDP6_GSO_MAX bytes (65527, the
 * IPv6 UDP payload limit), one byte more is -EMSGSIZE; on lo (::1).
 */
TEST_F(scale, gso_ipv6_limit)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t alen = sizeof(a);
	struct zcnet_cq_entry e[3];
	struct zcnet_tx_desc d;
	unsigned int i;
	int rx, tx, rcv = 4 << 20;
	__u32 slot;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	rx = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)))
		SKIP(return, "no IPv6 on lo (%s)", strerror(errno));
	setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	ASSERT_EQ(0, getsockname(rx, (struct sockaddr *)&a, &alen));
	tx = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, connect(tx, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, scale_ctx(self, 64, 128));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &slot));
	d = zc_sock_desc(self->id, 0, ZCNET_UDP6_GSO_MAX, slot, 0);
	d.flags |= ZCNET_TX_GSO;
	d.gso_size = 1200;
	ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	d.len = ZCNET_UDP6_GSO_MAX + 1;
	d.cookie = 1;
	ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	d.len = ZCNET_UDP6_GSO_MAX;
	d.gso_size = 65000;		/* two segments: lo's MTU takes them */
	d.cookie = 2;
	ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	ASSERT_EQ(3, zc_kick(self->c.fd, 0));
	ASSERT_EQ(3U, zc_cq_collect(&self->c, e, 3, WAIT_MS));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(i, e[i].cookie);
	EXPECT_EQ((__s32)ZCNET_UDP6_GSO_MAX, e[0].result);
	EXPECT_EQ(-EMSGSIZE, e[1].result);
	EXPECT_EQ((__s32)ZCNET_UDP6_GSO_MAX, e[2].result);
	close(tx);
	close(rx);
}

TEST_HARNESS_MAIN
