// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet races and lifecycle under traffic: two threads kicking one
 * context, fork with the rings mapped, munmap and close with frames in
 * flight, SIGKILL mid-transfer, device deletion during a flood, and
 * module unload attempts during traffic. Every descriptor the kernel
 * takes must complete exactly once, and the module-wide counters
 * (module_contexts, module_pinned_pages) must come back afterwards.
 *
 * The tests run on two targets: a dummy device in a private network
 * namespace the test creates, and the test guest's NIC ($ZCNET_IFACE,
 * whose driver holds frames until the device has sent them); the tests
 * of bytes written while in flight need the NIC's peer, and device
 * deletion takes only the dummy. Without the guest's variables the NIC
 * variants SKIP; unload needs $ZCNET_KO.
 */
#include <pthread.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define RC_DUMMY	"zcrace0"
#define RC_SLOTS	32U
#define RC_PAGES	(RC_SLOTS * ZC_SLOT / 4096)
#define RC_LEN		1000U
#define RC_MAX		(1U << 20)
#define RC_MSG		2048
#define RC_SETTLE_MS	15000

struct race_fix {
	struct zc_env env;
	struct zc_netif nif;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
};

static int dummy_add(void)
{
	static const char *const add[] = { "ip", "link", "add", RC_DUMMY,
					   "type", "dummy", NULL };

	if (unshare(CLONE_NEWNET))
		return -errno;
	if (zc_run(add))
		return -ENODEV;
	return zc_netif_set_up(RC_DUMMY, true);
}

static int dummy_del(void)
{
	static const char *const del[] = { "ip", "link", "del", RC_DUMMY, NULL };

	return zc_run(del) ? -EIO : 0;
}

/* A context with a region of frame slots, bound for TX to the target. */
static long ctx_bound(struct race_fix *self, struct zc_ctx *c, __u32 *id)
{
	long ret = zc_ctx_open(c, 256, 1024, 0, 0);

	if (!ret)
		ret = zc_reg(c->fd, self->mem, self->mem_len, id);
	if (!ret)
		ret = zc_bind(c->fd, ZCNET_BIND_TX, (__u32)self->nif.ifindex,
			      ZCNET_QUEUE_ANY);
	if (!ret)
		ret = zc_keep_zero_copy(c->fd);
	return ret;
}

static void race_fix_setup(struct __test_metadata *_metadata,
			   struct race_fix *self, bool nic)
{
	static const unsigned char bcast[ZC_ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct zcnet_stats st;
	const char *why;
	unsigned int i;
	int fd;

	self->c.fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, NULL);
	if (why)
		SKIP(return, "%s", why);
	if (nic) {
		if (zc_env_get(&self->env))
			SKIP(return, "ZCNET_IFACE not set (the NIC variant runs in the test guest)");
		ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
		ASSERT_TRUE(self->nif.flags & IFF_UP)
			TH_LOG("%s is down: an earlier test did not restore it",
			       self->env.iface);
	} else {
		if (dummy_add())
			SKIP(return, "no dummy device in a private netns (dummy module, ip)");
		ASSERT_EQ(0, zc_netif_get(RC_DUMMY, &self->nif));
	}
	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_settle(fd, &st))
		TH_LOG("module not quiet: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	close(fd);
	self->mem_len = RC_PAGES * zc_page_size();
	self->mem = zc_alloc_pages(RC_PAGES);
	ASSERT_NE(NULL, self->mem);
	for (i = 0; i < RC_SLOTS; i++)
		zc_frame_fill(self->mem + i * ZC_SLOT, RC_LEN, bcast,
			      self->nif.mac, 0, i);
}

static void race_fix_teardown(struct race_fix *self)
{
	zc_ctx_close(&self->c);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

#define RACE_FIXTURE(name)						\
	FIXTURE(name) { struct race_fix r; };				\
	FIXTURE_VARIANT(name) { bool nic; };				\
	FIXTURE_SETUP(name)						\
	{								\
		race_fix_setup(_metadata, &self->r, variant->nic);	\
	}								\
	FIXTURE_TEARDOWN(name) { race_fix_teardown(&self->r); }
#define RACE_ON(fixture, target, on_nic) \
	FIXTURE_VARIANT_ADD(fixture, target) { .nic = on_nic }

/* the dummy device and the guest's NIC */
RACE_FIXTURE(race);
RACE_ON(race, dummy, false);
RACE_ON(race, nic, true);

/* only the NIC: its peer sees the bytes sent */
RACE_FIXTURE(race_nic);
RACE_ON(race_nic, nic, true);

/* only the dummy device: removing the NIC is zcnet_devremove_test's */
RACE_FIXTURE(race_dummy);
RACE_ON(race_dummy, dummy, false);

/* Every context and pin is gone again (a fresh fd is the only context). */
static void expect_settled(struct __test_metadata *_metadata)
{
	struct zcnet_stats st;
	int fd = zc_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, zc_settle_for(fd, &st, RC_SETTLE_MS))
		TH_LOG("not settled: %llu contexts (want 1), %llu pages pinned (want 0)",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	close(fd);
}

/* Results a frame may have while its device is healthy. */
static const __s32 rc_ok[] = { ZC_STREAM_LEN, -ENOBUFS };

static void check_stream(struct __test_metadata *_metadata,
			 const struct zc_stream *s, const __s32 *ok,
			 unsigned int nok, const char *what)
{
	char msg[RC_MSG] = "";
	int np = 0;

	if (s->unknown)
		zc_problem(msg, sizeof(msg), &np, "%llu completions of cookies never pushed",
			   (unsigned long long)s->unknown);
	if (s->dups)
		zc_problem(msg, sizeof(msg), &np, "%llu duplicate completions",
			   (unsigned long long)s->dups);
	zc_stream_check(s, 0, s->pushed, ok, nok, what, msg, sizeof(msg),
			&np, NULL);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
}

/* ---- two threads kicking one context ---- */

struct kicker {
	int fd;
	volatile bool stop;
	__u64 kicks, taken, errors;
	long first_error;
};

static void *kicker_run(void *arg)
{
	struct kicker *k = arg;

	while (!__atomic_load_n(&k->stop, __ATOMIC_RELAXED)) {
		long r = zc_kick(k->fd, k->kicks & 1 ? 0 : 3);

		k->kicks++;
		if (r > 0)
			k->taken += (__u64)r;
		if (r < 0 && !k->errors++)
			k->first_error = r;
	}
	return NULL;
}

TEST_F_TIMEOUT(race, two_threads_kick, 100)
{
	struct race_fix *rf = &self->r;
	struct kicker k = { 0 };
	struct zc_stream s;
	pthread_t thr;
	__u64 n = 8000;

	ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
	ASSERT_EQ(0, zc_stream_init(&s, &rf->c, (__u16)rf->id, RC_SLOTS,
				    RC_LEN, n));
	k.fd = rf->c.fd;
	ASSERT_EQ(0, pthread_create(&thr, NULL, kicker_run, &k));
	while (s.pushed < n && !s.kick_err)
		zc_stream_step(&s, 64);
	EXPECT_EQ(0, zc_stream_finish(&s, 20000));
	__atomic_store_n(&k.stop, true, __ATOMIC_RELAXED);
	pthread_join(thr, NULL);
	TH_LOG("%llu descriptors; the second thread kicked %llu times and took %llu",
	       (unsigned long long)s.pushed, (unsigned long long)k.kicks,
	       (unsigned long long)k.taken);
	EXPECT_EQ(0, s.kick_err);
	EXPECT_EQ(0U, k.errors) TH_LOG("second thread's kick failed: %ld",
				       k.first_error);
	EXPECT_EQ(n, s.pushed);
	EXPECT_EQ(n, zc_stream_consumed(&s));
	check_stream(_metadata, &s, rc_ok, 2, "two kickers");
	zc_stream_free(&s);
	zc_ctx_close(&rf->c);
	expect_settled(_metadata);
}

/* ---- fork with the rings mapped ---- */

/*
 * The module does not set VM_DONTCOPY on ring mappings: a forked child
 * inherits them as MAP_SHARED mappings of the same ring memory, and the fd
 * as the same context. What the child writes, the parent sees; the
 * child's kicks complete on the same CQ; nothing is pinned twice; the
 * context lives until the last fd and mapping in either process is gone.
 */
struct fork_arg {
	struct zc_ctx c;
	__u32 id;
};

static void fork_child(long *r, const void *arg)
{
	const struct fork_arg *a = arg;
	struct zc_ctx cc = a->c;
	unsigned int i;
	int fd = zc_open();
	struct zcnet_stats st;

	r[0] = 0;
	for (i = 0; i < 8; i++) {
		struct zcnet_tx_desc d = zc_nop((__u16)a->id, 0, 100 + i, 1000 + i);

		if (zc_tx_push(&cc.tx, &d))
			r[0] = -ENOSPC;
	}
	r[1] = zc_kick(cc.fd, 0);
	/* a new open in the child is a new context */
	r[2] = fd >= 0 && !zc_get_stats(fd, &st) ? (long)st.module_contexts : -1;
	if (fd >= 0)
		close(fd);
	r[3] = zc_get_stats(cc.fd, &st) ? -1 : (long)st.pinned_pages;
	/* the child closes its fd; its mappings go when it exits */
	close(cc.fd);
}

TEST_F(race, fork_shares_rings)
{
	struct race_fix *rf = &self->r;
	struct zcnet_cq_entry e[16];
	struct zcnet_stats st0, st1;
	struct zcnet_tx_desc d;
	struct fork_arg a;
	long r[4];
	unsigned int got, i;

	ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
	/* earlier contexts are freed asynchronously: wait for them */
	ASSERT_EQ(1U, zc_wait_module_contexts(rf->c.fd, 1));
	ASSERT_EQ(0, zc_get_stats(rf->c.fd, &st0));
	a.c = rf->c;
	a.id = rf->id;
	ASSERT_EQ(0, zc_child_results(fork_child, &a, r, 4));
	EXPECT_EQ(0, r[0]) TH_LOG("the child could not write the TX ring");
	EXPECT_EQ(8, r[1]) TH_LOG("the child's kick through the inherited fd");
	EXPECT_EQ((long)st0.module_contexts + 1, r[2]);
	EXPECT_EQ((long)st0.pinned_pages, r[3]);

	/* the parent sees the child's descriptors and their completions */
	EXPECT_EQ(8U, zc_load_acquire(rf->c.tx.producer));
	got = zc_cq_collect(&rf->c, e, 16, 2000);
	ASSERT_EQ(8U, got);
	for (i = 0; i < got; i++) {
		EXPECT_EQ(1000U + i, e[i].cookie);
		EXPECT_EQ((__s32)(100 + i), e[i].result);
	}
	/* the child's own context goes; the shared one stays, pinned once */
	EXPECT_EQ(1U, zc_wait_module_contexts(rf->c.fd, 1));
	ASSERT_EQ(0, zc_get_stats(rf->c.fd, &st1));
	EXPECT_EQ(st0.module_pinned_pages, st1.module_pinned_pages);
	EXPECT_EQ(8U, st1.tx_nops);

	/* the context still works for the parent after the child is gone */
	d = zc_nop((__u16)rf->id, 0, 64, 77);
	ASSERT_EQ(0, zc_tx_push(&rf->c.tx, &d));
	EXPECT_EQ(1, zc_kick(rf->c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&rf->c, e, 1, 2000));
	EXPECT_EQ(77U, e[0].cookie);
	zc_ctx_close(&rf->c);
	expect_settled(_metadata);
}

/* The parent goes away first; the child's fd and mappings keep the context. */
TEST_F(race, fork_child_outlives_parent_context)
{
	struct race_fix *rf = &self->r;
	int p[2], status;
	char ok = 0;
	pid_t pid;

	ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
	ASSERT_EQ(0, pipe(p));
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct zcnet_cq_entry e;
		struct zcnet_tx_desc d = zc_raw((__u16)rf->id, 0, RC_LEN, 5);
		char go;

		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(2);
		/* the parent closed and unmapped everything: ours still work */
		if (zc_tx_push(&rf->c.tx, &d) || zc_kick(rf->c.fd, 0) != 1)
			_exit(3);
		if (zc_cq_collect(&rf->c, &e, 1, 5000) != 1 || e.cookie != 5 ||
		    e.result != (__s32)RC_LEN)
			_exit(4);
		_exit(0);
	}
	close(p[0]);
	zc_ctx_close(&rf->c);
	ASSERT_EQ(1, write(p[1], &ok, 1));
	close(p[1]);
	status = zc_wait(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status 0x%x", status);
	expect_settled(_metadata);
}

/*
 * What a forked child writes into region memory reaches the wire only if
 * the memory is shared: pinned private anonymous pages are copied for the
 * child at fork, and the kernel keeps sending from the parent's.
 */
static void fork_write_send(struct __test_metadata *_metadata,
			    struct race_fix *self, bool shared)
{
	struct zc_netif peer;
	struct zc_rx_expect exp[2] = {
		{ .len = RC_LEN, .want = shared ? 0 : 1 },
		{ .len = RC_LEN, .want = shared ? 1 : 0 },
	};
	struct zc_rx_report rep;
	struct zcnet_cq_entry e;
	unsigned char *mem, *want[2];
	size_t len = RC_PAGES * zc_page_size();
	__u32 run = zc_new_run(), id;
	int s, status, i;
	pid_t pid;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	s = zc_peer_open(&self->env, ZC_ETH_P_TEST, &peer);
	ASSERT_LE(0, s);
	zc_rx_drain(s);
	for (i = 0; i < 2; i++) {
		want[i] = malloc(RC_LEN);
		ASSERT_NE(NULL, want[i]);
		zc_frame_fill(want[i], RC_LEN, peer.mac, self->nif.mac, run, (__u32)i);
		exp[i].data = want[i];
	}
	memcpy(mem, want[0], RC_LEN);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 256, 1024, 0, 0));
	ASSERT_EQ(0, zc_reg(self->c.fd, mem, len, &id));
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, (__u32)self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_keep_zero_copy(self->c.fd));
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct zcnet_tx_desc d = zc_raw((__u16)id, 0, RC_LEN, 9);

		memcpy(mem, want[1], RC_LEN);
		if (zc_tx_push(&self->c.tx, &d) || zc_kick(self->c.fd, 0) != 1)
			_exit(3);
		_exit(0);
	}
	status = zc_wait(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, ZC_CQ_WAIT_MS));
	EXPECT_EQ(9U, e.cookie);
	EXPECT_EQ((__s32)RC_LEN, e.result);
	zc_rx_expect(s, run, exp, 2, ZC_RX_WAIT_MS, &rep);
	EXPECT_EQ(1U, rep.complete) TH_LOG("the %s frame did not arrive",
					   shared ? "child's" : "parent's");
	EXPECT_EQ(0U, rep.stray) TH_LOG("the %s frame arrived",
					shared ? "parent's" : "child's");
	EXPECT_EQ(0U, rep.bad);
	zc_ctx_close(&self->c);
	close(s);
	munmap(mem, len);
	free(want[0]);
	free(want[1]);
}

TEST_F(race_nic, fork_child_writes_private_memory)
{
	struct race_fix *rf = &self->r;

	fork_write_send(_metadata, rf, false);
}

TEST_F(race_nic, fork_child_writes_shared_memory)
{
	struct race_fix *rf = &self->r;

	fork_write_send(_metadata, rf, true);
}

/* ---- munmap and close with frames in flight ---- */

static void push_batch(struct __test_metadata *_metadata, struct zc_ctx *c,
		       __u32 id, unsigned int n, __u64 first)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)id, (i % RC_SLOTS) * ZC_SLOT,
						RC_LEN, first + i);

		ASSERT_EQ(0, zc_tx_push(&c->tx, &d));
	}
}

/*
 * The rings and the region's memory are unmapped right after the kick;
 * the completions land in the ring memory all the same, and a new
 * mapping of the CQ shows each exactly once. The pins hold the pages
 * until the region is unregistered.
 */
TEST_F(race, munmap_with_frames_in_flight)
{
	struct race_fix *rf = &self->r;
	struct zcnet_cq_entry e[256];
	unsigned char seen[256] = { 0 };
	struct zcnet_stats st0, st1;
	unsigned int got, i, n = 200;
	long k;

	ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
	ASSERT_EQ(0, zc_get_stats(rf->c.fd, &st0));
	push_batch(_metadata, &rf->c, rf->id, n, 0);
	k = zc_kick(rf->c.fd, 0);
	zc_ring_unmap(&rf->c.tx);
	zc_ring_unmap(&rf->c.cq);
	munmap(rf->mem, rf->mem_len);
	rf->mem = NULL;
	ASSERT_EQ((long)n, k);

	ASSERT_EQ(0, zc_ring_map(rf->c.fd, &rf->c.off.cq, &rf->c.cq));
	got = zc_cq_collect(&rf->c, e, n, ZC_CQ_WAIT_MS);
	EXPECT_EQ(n, got);
	for (i = 0; i < got; i++) {
		EXPECT_GT(n, e[i].cookie);
		if (e[i].cookie < n && seen[e[i].cookie]++) {
			EXPECT_EQ(0, 1) TH_LOG("cookie %llu twice",
					       (unsigned long long)e[i].cookie);
		}
		EXPECT_TRUE(e[i].result == (__s32)RC_LEN || e[i].result == -ENOBUFS)
			TH_LOG("cookie %llu: result %d",
			       (unsigned long long)e[i].cookie, e[i].result);
	}
	EXPECT_EQ(0U, zc_cq_ready(&rf->c.cq));
	ASSERT_EQ(0, zc_get_stats(rf->c.fd, &st1));
	EXPECT_EQ(st0.pinned_pages, st1.pinned_pages);
	EXPECT_EQ(0U, st1.inflight);
	EXPECT_EQ(0, zc_unreg(rf->c.fd, rf->id));
	ASSERT_EQ(0, zc_get_stats(rf->c.fd, &st1));
	EXPECT_EQ(0U, st1.pinned_pages);
	zc_ctx_close(&rf->c);
	expect_settled(_metadata);
}

/* Everything goes at once: unmap, close, with frames in flight. */
TEST_F(race, close_with_frames_in_flight)
{
	struct race_fix *rf = &self->r;
	unsigned int round;

	for (round = 0; round < 8; round++) {
		ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
		push_batch(_metadata, &rf->c, rf->id, 200, 0);
		if (round & 1) {
			ASSERT_EQ(200, zc_kick(rf->c.fd, 0));
		} else {
			ASSERT_EQ(17, zc_kick(rf->c.fd, 17));
		}
		zc_ctx_close(&rf->c);
	}
	expect_settled(_metadata);
}

/* ---- SIGKILL mid-transfer ---- */

static void stream_forever(struct race_fix *self, int ready_fd,
			   __u64 signal_after)
{
	struct zc_ctx c;
	struct zc_stream s;
	__u32 id;
	char b = 1;

	if (ctx_bound(self, &c, &id) ||
	    zc_stream_init(&s, &c, (__u16)id, RC_SLOTS, RC_LEN, RC_MAX))
		_exit(2);
	for (;;) {
		zc_stream_step(&s, 64);
		if (s.pushed >= signal_after && ready_fd >= 0) {
			if (write(ready_fd, &b, 1) != 1)
				_exit(3);
			close(ready_fd);
			ready_fd = -1;
		}
		if (s.pushed == s.max)
			s.pushed = s.completed = 0;	/* never ends */
	}
}

TEST_F_TIMEOUT(race, sigkill_mid_transfer, 100)
{
	struct race_fix *rf = &self->r;
	static const __u64 after[] = { 1, 64, 500, 2000 };
	unsigned int i;

	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		int p[2], status;
		char b;
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		pid = zc_fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(p[0]);
			stream_forever(rf, p[1], after[i]);
		}
		close(p[1]);
		ASSERT_EQ(1, read(p[0], &b, 1))
			TH_LOG("the streaming child did not start");
		close(p[0]);
		status = zc_kill_wait(pid);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		expect_settled(_metadata);
	}
}

/* ---- device deletion during a flood ---- */

struct deleter {
	volatile bool go, done;
	int ret;
};

static void *deleter_run(void *arg)
{
	struct deleter *d = arg;

	while (!__atomic_load_n(&d->go, __ATOMIC_ACQUIRE))
		sched_yield();
	d->ret = dummy_del();
	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F_TIMEOUT(race_dummy, device_deleted_during_flood, 100)
{
	struct race_fix *rf = &self->r;
	static const __s32 ok[] = { ZC_STREAM_LEN, -ENXIO, -ENODEV, -ENETDOWN,
				    -ECANCELED, -ENOBUFS };
	struct deleter del = { 0 };
	struct zcnet_cq_entry e;
	struct zcnet_tx_desc d;
	struct zc_stream s;
	pthread_t thr;
	__u64 n = 20000, after_done = 0;

	ASSERT_EQ(0, ctx_bound(rf, &rf->c, &rf->id));
	ASSERT_EQ(0, zc_stream_init(&s, &rf->c, (__u16)rf->id, RC_SLOTS,
				    RC_LEN, n));
	ASSERT_EQ(0, pthread_create(&thr, NULL, deleter_run, &del));
	while (s.pushed < n && !s.kick_err) {
		zc_stream_step(&s, 64);
		if (s.pushed >= 2000)
			__atomic_store_n(&del.go, true, __ATOMIC_RELEASE);
		if (__atomic_load_n(&del.done, __ATOMIC_ACQUIRE) &&
		    ++after_done > 50)
			break;
	}
	__atomic_store_n(&del.go, true, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	ASSERT_EQ(0, del.ret) TH_LOG("ip link del failed");
	EXPECT_EQ(0, zc_stream_finish(&s, 20000));
	EXPECT_EQ(0, s.kick_err);
	EXPECT_EQ(s.pushed, zc_stream_consumed(&s));
	check_stream(_metadata, &s, ok, sizeof(ok) / sizeof(ok[0]),
		     "device deleted");

	/* unbound now: raw frames have no device */
	d = zc_raw((__u16)rf->id, 0, RC_LEN, ~0ULL);
	ASSERT_EQ(0, zc_tx_push(&rf->c.tx, &d));
	EXPECT_EQ(1, zc_kick(rf->c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&rf->c, &e, 1, ZC_CQ_WAIT_MS));
	EXPECT_EQ(~0ULL, e.cookie);
	EXPECT_EQ(-ENXIO, e.result);
	EXPECT_EQ(-ENOTCONN, zc_unbind(rf->c.fd, ZCNET_BIND_TX));
	zc_stream_free(&s);
	zc_ctx_close(&rf->c);
	expect_settled(_metadata);
}

/* ---- module unload during traffic ---- */

static long rc_unload(int flags)
{
	return zc_err(syscall(__NR_delete_module, ZC_MODULE_NAME, flags));
}

static bool rc_busy(long err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK;
}

static long rc_load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	long ret;

	if (fd < 0)
		return -errno;
	ret = zc_err(syscall(__NR_finit_module, fd, "", 0));
	close(fd);
	return ret;
}

/*
 * A child streams n descriptors and checks them; it writes to ready_fd
 * once its context is open, and exits 0 when every descriptor completed
 * exactly once with its length.
 */
static void stream_n(struct race_fix *self, int ready_fd, __u64 n)
{
	struct zc_ctx c;
	struct zc_stream s;
	__u32 id;
	__u64 i;
	char b = 1;

	if (ctx_bound(self, &c, &id) ||
	    zc_stream_init(&s, &c, (__u16)id, RC_SLOTS, RC_LEN, n))
		_exit(2);
	if (write(ready_fd, &b, 1) != 1)
		_exit(2);
	close(ready_fd);
	while (s.pushed < n && !s.kick_err)
		zc_stream_step(&s, 64);
	if (zc_stream_finish(&s, 20000) || s.kick_err || s.unknown || s.dups)
		_exit(3);
	for (i = 0; i < n; i++)
		if (s.count[i] != 1 || (s.result[i] != (__s32)RC_LEN &&
					s.result[i] != -ENOBUFS))
			_exit(4);
	_exit(0);
}

/* Fork a streaming child; returns once it has its context open. */
static pid_t start_stream(struct race_fix *self, bool forever)
{
	int p[2];
	char b;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = zc_fork();
	if (pid == 0) {
		close(p[0]);
		if (forever)
			stream_forever(self, p[1], 100);
		stream_n(self, p[1], 4000);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &b, 1) != 1) {
		zc_kill_wait(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/*
 * While a process streams, every unload attempt (blocking or not) is
 * refused and the stream is not disturbed. When the streaming process is
 * killed mid-stream, unload succeeds once the frames in flight are done
 * (it is refused until then), and the module loads again.
 */
TEST_F_TIMEOUT(race, rmmod_during_traffic, 110)
{
	struct race_fix *rf = &self->r;
	const char *ko = getenv("ZCNET_KO");
	unsigned int tries = 0, busy = 0;
	struct zcnet_stats st;
	bool reaped = false;
	int status = 0, fd;
	uint64_t end;
	long ret = 0;
	pid_t pid;

	if (!ko || !*ko)
		SKIP(return, "ZCNET_KO not set: cannot reload the module");
	ASSERT_EQ(0, access(ko, R_OK));

	pid = start_stream(rf, false);
	ASSERT_LT(0, pid) TH_LOG("the streaming child did not start");
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			reaped = true;
			break;
		}
		ret = rc_unload(tries++ & 1 ? O_NONBLOCK : 0);
		if (!rc_busy(ret))
			break;
		busy++;
		zc_sleep_ms(2);
	}
	if (!ret) {
		/* only possible once the child closed its fd, i.e. exited */
		EXPECT_EQ(0, rc_load(ko));
	} else {
		EXPECT_TRUE(rc_busy(ret)) TH_LOG("delete_module: %ld", ret);
	}
	if (!reaped)
		status = zc_wait(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the stream under unload attempts ended with 0x%x", status);
	TH_LOG("%u unload attempts refused under traffic", busy);
	EXPECT_LT(0U, busy);
	ASSERT_EQ(0, access("/sys/module/" ZC_MODULE_NAME, F_OK));

	/* killed mid-stream: unload succeeds once the frames in flight are done */
	pid = start_stream(rf, true);
	ASSERT_LT(0, pid) TH_LOG("the streaming child did not start");
	zc_kill_wait(pid);
	end = zc_now_ms() + RC_SETTLE_MS;
	for (;;) {
		ret = rc_unload(O_NONBLOCK);
		if (!rc_busy(ret) || zc_now_ms() > end)
			break;
		sched_yield();
	}
	ASSERT_EQ(0, ret) TH_LOG("unload after the streaming process died: %ld", ret);
	ASSERT_EQ(0, rc_load(ko));
	end = zc_now_ms() + 2000;
	while ((fd = zc_open()) < 0 && zc_now_ms() < end)
		zc_sleep_ms(20);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_get_stats(fd, &st));
	EXPECT_EQ(1U, st.module_contexts);
	EXPECT_EQ(0U, st.module_pinned_pages);
	close(fd);
}

TEST_HARNESS_MAIN
