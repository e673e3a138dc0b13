// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet at server scale: many sockets on one context.
 * A thousand TCP connections to the peer on one context, every byte
 * checked per connection; one receiver that stops reading while the
 * others finish, then resumes or resets its connection; a context closed,
 * or all its slots detached, with thousands of sockets holding
 * descriptors; ten thousand UDP slots, one destination port each. The
 * receivers live in $ZCNET_PEER_NS, across the guest's two NICs: outside
 * the test guest everything SKIPs.
 *
 * The connections are zcnet_conns.c's: every one sends its own stretch of
 * one reference pattern, and the peer checks each byte against it.
 *
 * Environment:
 *   ZCNET_SCALE_MIB   MiB per connection in tcp_1000_connections
 *                     (default SCALE_MIB)
 */
#include <pthread.h>
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define WAIT_MS		30000U		/* no progress for this long: give up */

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
	self->mem = zc_ref_alloc();
	ASSERT_NE(NULL, self->mem);
}

FIXTURE_TEARDOWN(scale)
{
	zc_ctx_close(&self->c);
	zc_ref_free(self->mem);
	if (self->saved_max >= 0)
		zc_set_module_param("max_sockets", self->saved_max);
}

/* The test's context: rings, the reference registered, no copy threshold. */
static long scale_ctx(FIXTURE_DATA(scale) *self, __u32 tx, __u32 cq)
{
	return zc_ref_ctx(&self->c, self->mem, tx, cq, &self->id);
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
	__u32 ndesc = debug ? DEBUG_KIB * 1024 / ZC_CONN_CHUNK :
			      mib * ((1U << 20) / ZC_CONN_CHUNK);
	uint64_t t0, t1, t2;
	struct zcnet_stats st;
	struct zc_fleet *f;
	char msg[512];
	__u64 copied, total;

	ASSERT_LE(1U, mib);
	ASSERT_EQ(0, scale_ctx(self, 4096, 8192));
	if (debug)
		TH_LOG("debug kernel (kmemleak): %u KiB per connection", DEBUG_KIB);
	f = zc_fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, ndesc, 4, BUDGET, 0);
	ASSERT_NE(NULL, f);
	t0 = zc_now_ms();
	ASSERT_EQ(0, zc_sink_start(f->k));
	ASSERT_EQ(0, zc_fleet_connect(f, self->peer_ip));
	EXPECT_EQ(0U, f->bad_slots) TH_LOG("slots not handed out lowest free first");
	t1 = zc_now_ms();
	zc_fleet_run(f, -1);
	t2 = zc_now_ms();
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n, f->ndone);
	EXPECT_EQ(0U, f->unknown);
	zc_fleet_shutdown(f);
	zc_sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	EXPECT_EQ(0U, zc_fleet_problems(f, -1, msg, sizeof(msg))) TH_LOG("%s", msg);

	total = (__u64)n * f->ndesc;
	copied = zc_fleet_copied(f);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(copied, st.tx_copied);
	EXPECT_EQ(total * ZC_CONN_CHUNK, st.sock_zc_bytes + st.sock_copied_bytes);
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
	       n, ndesc * (ZC_CONN_CHUNK >> 10), secs(t0, t1), secs(t1, t2),
	       (double)total * ZC_CONN_CHUNK / (1 << 20) / (secs(t1, t2) + 0.001));
	zc_fleet_free(f);
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
	struct zc_fleet *f;
	struct zc_conn *cn;
	char msg[512];
	uint64_t t0;

	ASSERT_EQ(0, scale_ctx(self, 512, 1024));
	f = zc_fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, ndesc, 4, n * 4, 128 << 10);
	ASSERT_NE(NULL, f);
	cn = &f->cn[stalled];
	f->k->pause[stalled] = true;
	ASSERT_EQ(0, zc_sink_start(f->k));
	ASSERT_EQ(0, zc_fleet_connect(f, self->peer_ip));
	t0 = zc_now_ms();
	zc_fleet_run(f, (int)stalled);
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n - 1, f->ndone);
	EXPECT_GT(ndesc, cn->completed)
		TH_LOG("the stalled connection finished without a reader");
	EXPECT_EQ(0U, cn->errs);
	TH_LOG("%u connections finished in %.2f s while one did not read; it completed %u of %u writes",
	       n - 1, secs(t0, zc_now_ms()), cn->completed, ndesc);

	if (reset)
		zc_sink_request_reset(f->k, stalled);
	else
		zc_sink_set_pause(f->k, stalled, false);
	zc_fleet_run(f, -1);
	EXPECT_FALSE(f->timed_out);
	EXPECT_EQ(0, f->kick_err);
	EXPECT_EQ(n, f->ndone);
	EXPECT_EQ(0U, f->unknown);
	EXPECT_EQ(ndesc, cn->completed);
	EXPECT_EQ(0U, cn->out_of_order);
	EXPECT_EQ(0U, cn->bad_result);
	zc_fleet_shutdown(f);
	zc_sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	EXPECT_EQ(0U, zc_fleet_problems(f, (int)stalled, msg, sizeof(msg)))
		TH_LOG("%s", msg);
	if (!reset) {
		EXPECT_EQ(ndesc, cn->ok);
		EXPECT_EQ((__u64)ndesc * ZC_CONN_CHUNK, f->k->bytes[stalled]);
		EXPECT_EQ(ZC_RX_EOF, f->k->state[stalled]);
	} else {
		/* whole writes, then one error, then -EPIPE; nothing twice */
		TH_LOG("after the reset: %u whole, %u in part, %u errors, the first %d",
		       cn->ok, cn->partial, cn->errs, cn->first_err);
		EXPECT_EQ(ZC_RX_RESET, f->k->state[stalled]);
		EXPECT_LE(1U, cn->errs);
		EXPECT_TRUE(cn->first_err == -ECONNRESET ||
			    cn->first_err == -EPIPE)
			TH_LOG("first error %d", cn->first_err);
		EXPECT_EQ(0U, cn->after_err);
		EXPECT_EQ(ndesc, cn->ok + cn->partial + cn->errs);
	}
	EXPECT_EQ(~0ULL, f->k->first_bad[stalled]);
	zc_fleet_free(f);
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
	struct zc_fleet *f;
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
	f = zc_fleet_new(&self->env, self->peer_ip, &self->c, self->id,
		      self->mem, n, nd, nd, n * nd, 4096);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, zc_fleet_connect(f, self->peer_ip));
	EXPECT_EQ(0U, f->bad_slots);
	zc_fleet_fill(f);
	ASSERT_EQ(n * nd, f->inflight);
	while (zc_tx_pending(&self->c.tx)) {
		long k = zc_kick(self->c.fd, 0);

		ASSERT_LE(0, k);
		if (!k) {
			zc_fleet_reap(f, false);
			zc_sleep_ms(10);
		}
	}
	zc_sleep_ms(1000);
	zc_fleet_reap(f, false);
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
	ASSERT_EQ(0, zc_sink_start(f->k));
	if (!close_ctx) {
		zc_fleet_drain(f);
		EXPECT_EQ(n, f->ndone);
		EXPECT_EQ(0U, f->unknown);
		for (i = 0; i < n; i++) {
			const struct zc_conn *cn = &f->cn[i];

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
	zc_sink_join(f->k);
	EXPECT_EQ(0, f->k->err);
	EXPECT_EQ(0U, f->k->strays);
	bad = 0;
	for (i = 0; i < n; i++) {
		const struct zc_conn *cn = &f->cn[i];
		__u64 got = f->k->bytes[i];
		bool ok = f->k->state[i] == ZC_RX_EOF &&
			  f->k->first_bad[i] == ~0ULL;

		if (close_ctx)
			ok = ok && got <= (__u64)nd * ZC_CONN_CHUNK &&
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
	zc_fleet_free(f);
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
	return (__u64)i * 1667 % (ZC_REF_LEN - UDP_LEN);
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

TEST_HARNESS_MAIN
