// SPDX-License-Identifier: GPL-2.0
/*
 * Busy polling of the receiving NAPI (ZCNET_PARAM_BUSY_POLL_USEC): the
 * parameters and their limits, poll() delivering frames sent from the
 * peer namespace while it busy-polls, the count of busy polls in fdinfo,
 * poll() returning when no frame comes (zero, finite and infinite
 * timeouts, the last ended by a signal), and contexts that must not
 * busy-poll (unbound, never received, POLLIN not asked for) behaving as
 * without the parameter. On a NIC whose driver records no NAPI id
 * (vmxnet3 with LRO) the count must stay 0 instead. Nothing here measures
 * time: the latency it buys is the benchmark's job.
 *
 * Without ZCNET_FEAT_BUSY_POLL and ZCNET_FEAT_RX, or outside the test
 * guest (no $ZCNET_* variables), every test SKIPs.
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

FIXTURE(bpoll) {
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

static __u64 busy_polls(int fd)
{
	__u64 v = ~0ULL;

	fdinfo_u64(fd, "rx_busy_polls", &v);
	return v;
}

static int post_all(FIXTURE_DATA(bpoll) *self)
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

static int send_frame(FIXTURE_DATA(bpoll) *self, __u32 seq)
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
static const char *recv_frame(FIXTURE_DATA(bpoll) *self, __u32 seq)
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
static const char *bind_and_learn(FIXTURE_DATA(bpoll) *self)
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

FIXTURE_SETUP(bpoll)
{
	const char *why;
	cpu_set_t cpus;
	int ret;

	self->c.fd = -1;
	self->send_fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_RX | ZCNET_FEAT_BUSY_POLL, &self->env);
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

FIXTURE_TEARDOWN(bpoll)
{
	zc_ctx_close(&self->c);
	if (self->send_fd >= 0)
		close(self->send_fd);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

TEST_F(bpoll, params_and_limits)
{
	int fd = self->c.fd, fd2;
	__u64 v = 1;

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
	EXPECT_EQ(-EINVAL, zc_set_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET + 1, 0));
	EXPECT_EQ(-EINVAL, zc_get_param(fd, ZCNET_PARAM_BUSY_POLL_BUDGET + 1, &v));
	EXPECT_EQ(0U, busy_polls(fd));
}

/*
 * Frames from the peer arrive through a poll() that busy-polls, each
 * checked byte for byte, and waits that find nothing count busy polls.
 */
TEST_F(bpoll, poll_delivers_frames)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	const char *why;
	__u64 before;
	__u32 seq;

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
TEST_F(bpoll, budget_one)
{
	const char *why;
	__u32 seq;

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
TEST_F(bpoll, poll_returns_without_frames)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	const char *why;
	__u64 before;
	int ret;

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
TEST_F(bpoll, no_busy_poll_when_it_cannot)
{
	struct pollfd p = { .fd = self->c.fd, .events = POLLIN };
	const char *why;
	__u64 v, base;

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
TEST_F(bpoll, no_rx_ring)
{
	struct pollfd p = { .events = POLLIN | POLLOUT };
	int fd = zc_open();

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

TEST_HARNESS_MAIN
