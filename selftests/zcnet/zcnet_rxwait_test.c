// SPDX-License-Identifier: GPL-2.0
/*
 * Receive waits. Busy polling of the receiving NAPI
 * (ZCNET_PARAM_BUSY_POLL_USEC): the parameters and their limits, poll()
 * delivering frames sent from the peer namespace while it busy-polls, the
 * count of busy polls in fdinfo, poll() returning when no frame comes
 * (zero, finite and infinite timeouts, the last ended by a signal), and
 * contexts that must not busy-poll (unbound, never received, POLLIN not
 * asked for) behaving as without the parameter. On a NIC whose driver
 * records no NAPI id (vmxnet3 with LRO) the count must stay 0 instead.
 * Wake-up moderation (ZCNET_PARAM_RX_WAKE_*): the parameters and their
 * limits, no signal before the frame count while the entries are already
 * in the ring, the signal at the count, a parameter change signalling
 * what is held, a count above the RX ring's size, the timer's signal
 * below the count, and a context closed with its timer armed. Nothing
 * here measures time: the
 * latency busy polling buys and the wake-ups moderation saves are the
 * benchmark's job; the timer's tests only wait for it.
 *
 * Without ZCNET_FEAT_RX, or outside the test guest (no $ZCNET_*
 * variables), every test SKIPs; a test of a feature the module lacks
 * (ZCNET_FEAT_BUSY_POLL, ZCNET_FEAT_RX_WAKE) SKIPs too.
 */
#include <sys/time.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define BP_BUF		2048U
#define BP_NBUF		64U
#define BP_RING		128U
#define BP_LEN		128U
#define BP_ROUNDS	20U
#define BP_WAIT_MS	5000
#define BP_USEC		2000U
#define WK_FRAMES	8U
#define WK_LONG_USEC	ZCNET_RX_WAKE_USEC_MAX
#define WK_SHORT_USEC	20000U

/* Tests of one feature SKIP without it; the fixture needs only RX. */
#define NEED(feat)							\
	do {								\
		if (!(zc_features() & (feat)))				\
			SKIP(return, "this build does not offer " #feat); \
	} while (0)

FIXTURE(rxwait) {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 run;
	bool napi;		/* the context has seen a NAPI id */
	int send_fd;		/* AF_PACKET on the peer NIC */
	unsigned char frame[BP_BUF];
};

static long bind_test(int fd, int ifindex)
{
	return zc_bind_rx(fd, ZCNET_BIND_RX, ifindex, ZCNET_RX_MATCH_ETHERTYPE,
			  ZC_ETH_P_TEST, 0);
}

/* A "name:\tvalue" line of the context's fdinfo; -ENOENT if none. */
static int fdinfo_u64(int fd, const char *name, __u64 *val)
{
	char path[64], line[256];
	size_t n = strlen(name);
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			*val = strtoull(line + n + 1, NULL, 0);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The same, or ~0 if none. */
static __u64 fdinfo_or(int fd, const char *name)
{
	__u64 v = ~0ULL;

	fdinfo_u64(fd, name, &v);
	return v;
}

static __u64 busy_polls(int fd)
{
	return fdinfo_or(fd, "rx_busy_polls");
}

static int post_all(FIXTURE_DATA(rxwait) *self)
{
	unsigned int i;

	for (i = 0; i < BP_NBUF; i++) {
		struct zcnet_fill_desc d = {
			.offset = (__u64)i * BP_BUF,
			.len = BP_BUF,
			.region = (__u16)self->id,
		};

		if (zc_fill_push(&self->c.fill, &d))
			return -ENOSPC;
	}
	return 0;
}

static int send_frame(FIXTURE_DATA(rxwait) *self, __u32 seq)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ZC_ETH_P_TEST),
		.sll_ifindex = self->peer.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	ssize_t n;

	memcpy(sll.sll_addr, self->nif.mac, ZC_ETH_ALEN);
	zc_frame_fill(self->frame, BP_LEN, self->nif.mac, self->peer.mac,
		      self->run, seq);
	n = sendto(self->send_fd, self->frame, BP_LEN, 0,
		   (struct sockaddr *)&sll, sizeof(sll));
	if (n < 0)
		return -errno;
	return n == BP_LEN ? 0 : -EIO;
}

/*
 * Wait in poll() (POLLIN, up to BP_WAIT_MS) for the RX entry of frame
 * seq, check it and post its buffer again. 0, or why not.
 */
static const char *recv_frame(FIXTURE_DATA(rxwait) *self, __u32 seq)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	struct zcnet_fill_desc d;
	struct zcnet_rx_desc e;
	__u32 run, s;

	if (zc_ring_pop(&self->c.rx, &e, sizeof(e))) {
		if (poll(&p, 1, BP_WAIT_MS) != 1 || !(p.revents & POLLIN))
			return "poll() did not report the frame";
		if (zc_ring_pop(&self->c.rx, &e, sizeof(e)))
			return "POLLIN without an RX entry";
	}
	if (e.region != self->id || e.offset >= self->mem_len ||
	    e.flags != ZCNET_RX_COPIED || e.len != BP_LEN)
		return "RX entry malformed";
	if (zc_frame_tag(self->mem + e.offset, e.len, &run, &s) ||
	    run != self->run || s != seq)
		return "another frame than the one sent";
	zc_frame_fill(self->frame, BP_LEN, self->nif.mac, self->peer.mac,
		      self->run, seq);
	if (memcmp(self->mem + e.offset, self->frame, BP_LEN))
		return "the frame's bytes differ";
	d = (struct zcnet_fill_desc){ .offset = e.offset, .len = BP_BUF,
				      .region = (__u16)self->id };
	if (zc_fill_push(&self->c.fill, &d))
		return "FILL ring full";
	return NULL;
}

/*
 * Bind, and receive one frame so that the context knows its NAPI. A
 * driver that hands frames up outside NAPI's receive calls records no
 * NAPI id (vmxnet3 with LRO on calls netif_receive_skb()): such a context
 * cannot busy-poll, and must behave as without the parameter. virtio-net
 * always records one.
 */
static const char *bind_and_learn(FIXTURE_DATA(rxwait) *self)
{
	char drv[32] = "";
	__u64 napi = 0;
	const char *why;

	if (bind_test(self->c.fd, self->nif.ifindex))
		return "BIND_RX failed";
	if (send_frame(self, 0))
		return "sending from the peer failed";
	why = recv_frame(self, 0);
	if (why)
		return why;
	if (fdinfo_u64(self->c.fd, "rx_napi_id", &napi))
		return "no rx_napi_id line in fdinfo";
	self->napi = napi != 0;
	zc_netif_driver(self->env.iface, drv, sizeof(drv));
	if (!self->napi && !strcmp(drv, "virtio_net"))
		return "virtio_net delivered a frame but no NAPI id was recorded";
	if (!self->napi)
		fprintf(stderr, "# %s (%s) records no NAPI id: checking that "
			"nothing busy-polls\n", self->env.iface, drv);
	return NULL;
}

FIXTURE_SETUP(rxwait)
{
	const char *why;
	cpu_set_t cpus;
	int ret;

	self->c.fd = -1;
	self->send_fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_RX, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_TRUE(self->nif.flags & IFF_UP);
	/*
	 * Frames must arrive in the order sent: a packet socket's frames
	 * leave by the TX queue of the sending CPU, and two queues of the
	 * peer's multiqueue NIC may deliver out of order. One CPU, one queue.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	ret = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, ret) TH_LOG("peer socket: %s", strerror(-ret));
	self->send_fd = ret;
	self->mem_len = (size_t)BP_NBUF * BP_BUF;
	self->mem = zc_alloc_pages(self->mem_len / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 0, 0, BP_RING, BP_RING));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, post_all(self));
	self->run = zc_new_run();
}

FIXTURE_TEARDOWN(rxwait)
{
	zc_ctx_close(&self->c);
	if (self->send_fd >= 0)
		close(self->send_fd);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

TEST_F(rxwait, params_and_limits)
{
	int fd = self->c.fd, fd2;
	__u64 v = 1;

	NEED(ZCNET_FEAT_BUSY_POLL);

	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ(0U, v);
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, &v));
	EXPECT_EQ(8U, v);

	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, 50));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ(50U, v);
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  ZCNET_BUSY_POLL_USEC_MAX));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ((__u64)ZCNET_BUSY_POLL_USEC_MAX, v);
	/* refused values leave the one in force */
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC,
					ZCNET_BUSY_POLL_USEC_MAX + 1));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC,
					1ULL << 32));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, ~0ULL));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ((__u64)ZCNET_BUSY_POLL_USEC_MAX, v);
	ASSERT_EQ(0, fdinfo_u64(fd, "busy_poll_usec", &v));
	EXPECT_EQ((__u64)ZCNET_BUSY_POLL_USEC_MAX, v);
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, 0));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ(0U, v);

	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, 1));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, &v));
	EXPECT_EQ(1U, v);
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET,
				  ZCNET_BUSY_POLL_BUDGET_MAX));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET,
					ZCNET_BUSY_POLL_BUDGET_MAX + 1));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, &v));
	EXPECT_EQ((__u64)ZCNET_BUSY_POLL_BUDGET_MAX, v);
	ASSERT_EQ(0, fdinfo_u64(fd, "busy_poll_budget", &v));
	EXPECT_EQ((__u64)ZCNET_BUSY_POLL_BUDGET_MAX, v);
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, 0));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET, &v));
	EXPECT_EQ(8U, v);

	/* the parameters are per context */
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, 7));
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_get_param(fd2, ZCNET_PARAM_BUSY_POLL_USEC, &v));
	EXPECT_EQ(0U, v);
	close(fd2);
	/* the parameter after the last one is unknown */
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_USEC + 1, 0));
	EXPECT_EQ(-EINVAL, zc_get_param(fd, ZCNET_PARAM_RX_WAKE_USEC + 1, &v));
	EXPECT_EQ(0U, busy_polls(fd));
}

/*
 * Frames from the peer arrive through a poll() that busy-polls, each
 * checked byte for byte, and waits that find nothing count busy polls.
 */
TEST_F(rxwait, poll_delivers_frames)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	const char *why;
	__u64 before;
	__u32 seq;

	NEED(ZCNET_FEAT_BUSY_POLL);

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  BP_USEC));
	why = bind_and_learn(self);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	before = busy_polls(self->c.fd);
	for (seq = 1; seq <= BP_ROUNDS; seq++) {
		ASSERT_EQ(0, send_frame(self, seq));
		why = recv_frame(self, seq);
		ASSERT_EQ(NULL, why) TH_LOG("frame %u: %s", seq, why);
	}
	/* a zero-timeout poll() with the ring empty polls the NAPI once */
	EXPECT_EQ(0, poll(&p, 1, 0));
	if (self->napi) {
		EXPECT_LT(before, busy_polls(self->c.fd));
	} else {
		EXPECT_EQ(0U, busy_polls(self->c.fd));
	}
	EXPECT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
}

/* The same with the smallest budget and the largest time. */
TEST_F(rxwait, budget_one)
{
	const char *why;
	__u32 seq;

	NEED(ZCNET_FEAT_BUSY_POLL);

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  ZCNET_BUSY_POLL_USEC_MAX));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_BUDGET, 1));
	why = bind_and_learn(self);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	/* several frames at once: the loop must take them all */
	for (seq = 1; seq <= 8; seq++)
		ASSERT_EQ(0, send_frame(self, seq));
	for (seq = 1; seq <= 8; seq++) {
		why = recv_frame(self, seq);
		ASSERT_EQ(NULL, why) TH_LOG("frame %u: %s", seq, why);
	}
}

static void on_alarm(int sig)
{
}

/* With no frame coming, every kind of poll() returns. */
TEST_F(rxwait, poll_returns_without_frames)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	const char *why;
	__u64 before;
	int ret;

	NEED(ZCNET_FEAT_BUSY_POLL);

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  ZCNET_BUSY_POLL_USEC_MAX));
	why = bind_and_learn(self);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);

	before = busy_polls(self->c.fd);
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, poll(&p, 1, 50));
	if (self->napi) {
		EXPECT_LT(before + 1, busy_polls(self->c.fd));
	} else {
		EXPECT_EQ(0U, busy_polls(self->c.fd));
	}

	/* an endless poll() ends with the signal that interrupts it */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ret = poll(&p, 1, -1);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINTR, errno);
	signal(SIGALRM, SIG_DFL);

	/* a frame still arrives afterwards */
	ASSERT_EQ(0, send_frame(self, 1));
	why = recv_frame(self, 1);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
}

/* Contexts that must not busy-poll do not, and poll() works as without. */
TEST_F(rxwait, no_busy_poll_when_it_cannot)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	const char *why;
	__u64 v, base;

	NEED(ZCNET_FEAT_BUSY_POLL);

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  BP_USEC));
	/* never bound: no NAPI known */
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, poll(&p, 1, 20));
	EXPECT_EQ(0U, busy_polls(self->c.fd));
	ASSERT_EQ(0, fdinfo_u64(self->c.fd, "rx_napi_id", &v));
	EXPECT_EQ(0U, v);

	/* bound, a NAPI known, but only POLLOUT asked for */
	why = bind_and_learn(self);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
	base = busy_polls(self->c.fd);
	p.events = POLLOUT;
	EXPECT_EQ(0, poll(&p, 1, 20));
	EXPECT_EQ(base, busy_polls(self->c.fd));

	/* the parameter off */
	p.events = POLLIN;
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC, 0));
	EXPECT_EQ(0, poll(&p, 1, 20));
	EXPECT_EQ(base, busy_polls(self->c.fd));

	/* on again, then unbound: the NAPI is known, but not polled */
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_BUSY_POLL_USEC,
				  BP_USEC));
	ASSERT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, poll(&p, 1, 20));
	EXPECT_EQ(base, busy_polls(self->c.fd));

	/* bound again: frames still come through poll() */
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	ASSERT_EQ(0, send_frame(self, 1));
	why = recv_frame(self, 1);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
}

/* A context with no RX ring at all, busy poll set: poll() as before. */
TEST_F(rxwait, no_rx_ring)
{
	struct pollfd p = { .events = POLLIN | POLLOUT };
	int fd;

	NEED(ZCNET_FEAT_BUSY_POLL);
	fd = zc_open();
	ASSERT_LE(0, fd);
	p.fd = fd;
	ASSERT_EQ(0, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_USEC, BP_USEC));
	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, zc_setup(fd, 8, 8, 0, 0));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_EQ(0U, busy_polls(fd));
	close(fd);
}

/* ---- wake-up moderation ---- */

/*
 * Wait, without poll() (whose wake-up is what moderation holds back), up
 * to BP_WAIT_MS for n entries on the RX ring. Returns how many are there.
 */
static __u32 rx_entries(FIXTURE_DATA(rxwait) *self, __u32 n)
{
	int ms;

	for (ms = 0; ms < BP_WAIT_MS && zc_cq_ready(&self->c.rx) < n; ms++)
		usleep(1000);
	return zc_cq_ready(&self->c.rx);
}

/* Sends frames first..last from the peer; 0 or -errno. */
static int send_frames(FIXTURE_DATA(rxwait) *self, __u32 first, __u32 last)
{
	int err;

	for (; first <= last; first++) {
		err = send_frame(self, first);
		if (err)
			return err;
	}
	return 0;
}

/* Pops and checks frames first..last, in order; NULL, or why not. */
static const char *take_frames(FIXTURE_DATA(rxwait) *self, __u32 first,
			       __u32 last)
{
	const char *why;

	for (; first <= last; first++) {
		why = recv_frame(self, first);
		if (why)
			return why;
	}
	return NULL;
}

TEST_F(rxwait, wake_params_and_limits)
{
	int fd = self->c.fd, fd2;
	__u64 v = 0;

	NEED(ZCNET_FEAT_RX_WAKE);

	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES, &v));
	EXPECT_EQ(1U, v);
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_RX_WAKE_USEC, &v));
	EXPECT_EQ((__u64)ZCNET_RX_WAKE_USEC_DEFAULT, v);
	EXPECT_EQ(1U, fdinfo_or(fd, "rx_wake_frames"));
	EXPECT_EQ((__u64)ZCNET_RX_WAKE_USEC_DEFAULT,
		  fdinfo_or(fd, "rx_wake_usec"));
	EXPECT_EQ(0U, fdinfo_or(fd, "rx_wake_held"));
	EXPECT_EQ(0U, fdinfo_or(fd, "rx_wake_expired"));

	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES,
				  ZCNET_RING_MAX_ENTRIES));
	EXPECT_EQ(0, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_USEC,
				  ZCNET_RX_WAKE_USEC_MAX));
	/* refused values leave the one in force */
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES, 0));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES,
					ZCNET_RING_MAX_ENTRIES + 1));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES,
					1ULL << 32));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_USEC, 0));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_USEC,
					ZCNET_RX_WAKE_USEC_MAX + 1));
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_RX_WAKE_USEC, ~0ULL));
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_RX_WAKE_FRAMES, &v));
	EXPECT_EQ((__u64)ZCNET_RING_MAX_ENTRIES, v);
	ASSERT_EQ(0, zc_get_param(fd, ZCNET_PARAM_RX_WAKE_USEC, &v));
	EXPECT_EQ((__u64)ZCNET_RX_WAKE_USEC_MAX, v);
	EXPECT_EQ((__u64)ZCNET_RING_MAX_ENTRIES,
		  fdinfo_or(fd, "rx_wake_frames"));
	EXPECT_EQ((__u64)ZCNET_RX_WAKE_USEC_MAX, fdinfo_or(fd, "rx_wake_usec"));

	/* per context */
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_get_param(fd2, ZCNET_PARAM_RX_WAKE_FRAMES, &v));
	EXPECT_EQ(1U, v);
	close(fd2);
}

/*
 * Wait up to BP_WAIT_MS for the tasklet to have held at least n bursts
 * back or to have signalled past signals; returns rx_wake_held.
 */
static __u64 wait_held(FIXTURE_DATA(rxwait) *self, __u64 n, __u64 signals)
{
	struct zcnet_stats st;
	__u64 held = 0;
	int ms;

	for (ms = 0; ms < BP_WAIT_MS; ms++) {
		held = fdinfo_or(self->c.fd, "rx_wake_held");
		if (held >= n || zc_get_stats(self->c.fd, &st) ||
		    st.rx_signals != signals)
			break;
		usleep(1000);
	}
	return held;
}

/*
 * Below the frame count nothing is signalled, though the entries are in
 * the ring and poll() reports them; at the count the eventfd fires. Then
 * a frame is held again, and lowering the count signals it at once.
 * "Nothing signalled" is checked only while the 10 s timer has not
 * expired (rx_wake_expired), so a slow guest cannot fail it.
 */
TEST_F(rxwait, wake_at_frame_count)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct zcnet_stats st;
	__u64 signals, held;
	const char *why;

	NEED(ZCNET_FEAT_RX_WAKE);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, zc_set_eventfd(self->c.fd, ZCNET_EVENTFD_RX, efd));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_FRAMES,
				  WK_FRAMES));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_USEC,
				  WK_LONG_USEC));
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	signals = st.rx_signals;

	ASSERT_EQ(0, send_frames(self, 1, WK_FRAMES - 1));
	ASSERT_EQ(WK_FRAMES - 1, rx_entries(self, WK_FRAMES - 1));
	EXPECT_LE(1U, wait_held(self, 1, signals))
		TH_LOG("no burst was held back");
	if (!fdinfo_or(self->c.fd, "rx_wake_expired")) {
		EXPECT_EQ(-EAGAIN, zc_efd_read(efd))
			TH_LOG("signalled below the count");
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
		EXPECT_EQ(signals, st.rx_signals);
	} else {
		TH_LOG("the 10 s timer expired first: not checking that nothing was signalled");
		zc_efd_read(efd);
	}
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);

	ASSERT_EQ(0, send_frame(self, WK_FRAMES));
	p = (struct pollfd){ .fd = efd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, BP_WAIT_MS)) TH_LOG("no signal at the count");
	EXPECT_LT(0, zc_efd_read(efd));
	why = take_frames(self, 1, WK_FRAMES);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);

	/* held again; lowering the count signals what is held */
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	signals = st.rx_signals;
	held = fdinfo_or(self->c.fd, "rx_wake_held");
	ASSERT_EQ(0, send_frame(self, WK_FRAMES + 1));
	ASSERT_EQ(1U, rx_entries(self, 1));
	ASSERT_LE(held + 1, wait_held(self, held + 1, signals))
		TH_LOG("frame %u was not held back", WK_FRAMES + 1);
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_FRAMES, 1));
	ASSERT_EQ(1, poll(&p, 1, BP_WAIT_MS))
		TH_LOG("lowering the count did not signal the held frame");
	EXPECT_LT(0, zc_efd_read(efd));
	/* and the next frame signals by itself */
	ASSERT_EQ(0, send_frame(self, WK_FRAMES + 2));
	ASSERT_EQ(1, poll(&p, 1, BP_WAIT_MS)) TH_LOG("no signal at count 1");
	EXPECT_LT(0, zc_efd_read(efd));
	why = take_frames(self, WK_FRAMES + 1, WK_FRAMES + 2);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
	close(efd);
}

/*
 * A count above the RX ring's entries counts as the ring's size: an RX
 * ring of 8 filled is signalled, long before the 10 s timer (poll() gives
 * up after BP_WAIT_MS), whether its frames came in one burst or several.
 */
TEST_F(rxwait, wake_count_above_ring)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pollfd p = { .fd = efd, .events = POLLIN };
	const char *why;
	__u32 i;

	NEED(ZCNET_FEAT_RX_WAKE);
	ASSERT_LE(0, efd);
	zc_ctx_close(&self->c);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 0, 0, 8, 8));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	for (i = 0; i < 8; i++) {
		struct zcnet_fill_desc d = { .offset = (__u64)i * BP_BUF,
					     .len = BP_BUF,
					     .region = (__u16)self->id };

		ASSERT_EQ(0, zc_fill_push(&self->c.fill, &d));
	}
	ASSERT_EQ(0, zc_set_eventfd(self->c.fd, ZCNET_EVENTFD_RX, efd));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_FRAMES,
				  1000));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_USEC,
				  WK_LONG_USEC));
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	ASSERT_EQ(0, send_frames(self, 1, 8));
	ASSERT_EQ(1, poll(&p, 1, BP_WAIT_MS)) TH_LOG("a full ring was not signalled");
	EXPECT_LT(0, zc_efd_read(efd));
	why = take_frames(self, 1, 8);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
	close(efd);
}

/* Sends frame seq from a child after a pause, so a poll() may sleep first. */
static pid_t send_later(FIXTURE_DATA(rxwait) *self, __u32 seq)
{
	pid_t pid = fork();

	if (!pid) {
		usleep(100000);
		_exit(send_frame(self, seq) ? 1 : 0);
	}
	return pid;
}

/*
 * Below the count the timer signals: the eventfd and a sleeping poll()
 * on the context both wake with one frame of a count of 1000, and each
 * wake-up is the timer's (rx_wake_expired) after a held burst.
 */
TEST_F(rxwait, wake_by_timer)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pollfd p;
	const char *why;
	pid_t pid;
	__u32 seq;

	NEED(ZCNET_FEAT_RX_WAKE);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, zc_set_eventfd(self->c.fd, ZCNET_EVENTFD_RX, efd));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_FRAMES,
				  1000));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_USEC,
				  WK_SHORT_USEC));
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	for (seq = 1; seq <= 2; seq++) {
		ASSERT_EQ(0, send_frame(self, seq));
		p = (struct pollfd){ .fd = efd, .events = POLLIN };
		ASSERT_EQ(1, poll(&p, 1, BP_WAIT_MS))
			TH_LOG("frame %u: the timer never signalled", seq);
		EXPECT_LT(0, zc_efd_read(efd));
		EXPECT_LE(seq, fdinfo_or(self->c.fd, "rx_wake_expired"));
		EXPECT_LE(seq, fdinfo_or(self->c.fd, "rx_wake_held"));
		why = recv_frame(self, seq);
		ASSERT_EQ(NULL, why) TH_LOG("frame %u: %s", seq, why);
	}
	/* poll() on the context, most likely asleep before the frame comes */
	pid = send_later(self, 3);
	ASSERT_LT(0, pid);
	why = recv_frame(self, 3);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
	EXPECT_EQ(0, zc_wait(pid));
	EXPECT_LE(3U, fdinfo_or(self->c.fd, "rx_wake_expired"));
	close(efd);
}

/*
 * A context closed while its timer waits to signal held entries: the
 * free must stop the timer (the debug kernel's KASAN catches one that
 * fires later on freed memory). A second context then receives as usual.
 */
TEST_F(rxwait, close_with_wake_pending)
{
	struct zcnet_stats st;
	const char *why;

	NEED(ZCNET_FEAT_RX_WAKE);
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_FRAMES,
				  1000));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_RX_WAKE_USEC,
				  WK_SHORT_USEC * 10));
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	ASSERT_EQ(0, send_frame(self, 1));
	ASSERT_EQ(1U, rx_entries(self, 1));
	EXPECT_LE(1U, wait_held(self, 1, st.rx_signals));
	zc_ctx_close(&self->c);

	ASSERT_EQ(0, zc_ctx_open(&self->c, 0, 0, BP_RING, BP_RING));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self->c.fd, self->nif.ifindex));
	/* past the first context's timer */
	usleep(3 * WK_SHORT_USEC * 10);
	ASSERT_EQ(0, send_frame(self, 2));
	why = recv_frame(self, 2);
	EXPECT_EQ(NULL, why) TH_LOG("%s", why);
}

TEST_HARNESS_MAIN
