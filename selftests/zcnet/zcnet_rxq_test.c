// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet receive by RX queue (ZCNET_BIND_RX | ZCNET_BIND_RX_QUEUE). The NIC
 * under test ($ZCNET_IFACE) gets all its queue pairs, up to RXQ_MAX
 * (ethtool -L), and one context per RX queue binds the same UDP rule.
 * RXQ_FLOWS UDP flows, one source port each, are sent from the peer
 * namespace; the host's multiqueue tap spreads them over the queues by
 * their flow hash, and a flow's frames all take one queue. So:
 *  - every datagram sent arrives exactly once across the contexts
 *    (flow and sequence number in the payload);
 *  - each flow arrives on one context only: a context that got frames of
 *    another queue would show up as a flow split over two contexts;
 *  - at least two contexts get frames (else the spreading, not zcnet,
 *    failed, and the test cannot tell anything: it fails and says so).
 * Unbinding one queue's context leaves the others' flows alone. The bind
 * errors of rx_queue: EINVAL at or above the RX queue count and without
 * the flag, EBUSY for the same rule on the same queue twice.
 *
 * The channel count is put back afterwards. Without ZCNET_FEAT_RX_SHARED,
 * outside the test guest, or on a NIC with one RX queue (QEMU's vmxnet3,
 * a virtio-net NIC with one queue pair) every test SKIPs.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define RXQ_MAX		4
#define RXQ_FLOWS	64
#define RXQ_ROUNDS	8	/* datagrams per flow, one per round */
#define RXQ_BUF		2048U
#define RXQ_NBUF	256U	/* per context: more than a round */
#define RXQ_RING	256U
#define RXQ_PORT	40101
#define RXQ_SPORT	41000	/* flow f sends from port RXQ_SPORT + f */
#define RXQ_WAIT_MS	10000U
#define RXQ_MAGIC	0x72787174u	/* "rxqt" */
#define RXQ_PAYLOAD	64U
#define RXQ_HDRS	(ZC_ETH_HLEN + 20 + 8)
#define DEFAULT_IP	"10.99.0.1"

struct rxq_ctx {
	struct zc_ctx c;
	unsigned char *mem;
	__u32 id;
	bool posted[RXQ_NBUF];
	unsigned int frames;	/* our datagrams taken */
};

FIXTURE(rxq) {
	struct zc_env env;
	struct zc_netif nif;
	pid_t owner;
	unsigned int old_combined;	/* to put back; 0: not changed */
	unsigned int nq;		/* RX queues in use, one context each */
	struct rxq_ctx q[RXQ_MAX];
	int sock[RXQ_FLOWS];		/* in the peer namespace */
	struct sockaddr_in dst;
	__u32 run;
	int ctx_of[RXQ_FLOWS];		/* context that got the flow, or -1 */
	unsigned char seen[RXQ_FLOWS][RXQ_ROUNDS];
	unsigned int total;		/* our datagrams taken, all contexts */
};

static long bind_rxq(int fd, int ifindex, __u32 flags, __u32 rx_queue,
		     __u16 port)
{
	return zc_bind_rx(fd, flags, ifindex, ZCNET_RX_MATCH_UDP, port,
			  rx_queue);
}

static long bind_queue(FIXTURE_DATA(rxq) *self, unsigned int ctx,
		       __u32 rx_queue, __u16 port)
{
	return bind_rxq(self->q[ctx].c.fd, self->nif.ifindex,
			ZCNET_BIND_RX | ZCNET_BIND_RX_QUEUE, rx_queue, port);
}

/* ethtool -L IFACE combined n; 0 or the command's status */
static int set_combined(const char *iface, unsigned int n)
{
	char num[16];
	const char *const argv[] = { "ethtool", "-L", iface, "combined", num,
				     NULL };

	snprintf(num, sizeof(num), "%u", n);
	return zc_run(argv);
}

/* QEMU's vmxnet3 takes every frame on RX queue 0, however many it has. */
static bool qemu_vmxnet3(const char *iface)
{
	char drv[64] = "", vendor[64] = "";

	if (zc_netif_driver(iface, drv, sizeof(drv)) || strcmp(drv, "vmxnet3"))
		return false;
	zc_read_file("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	return !strncmp(vendor, "QEMU", 4);
}

static int post(struct rxq_ctx *q, unsigned int i)
{
	struct zcnet_fill_desc d = {
		.offset = (__u64)i * RXQ_BUF,
		.len = RXQ_BUF,
		.region = (__u16)q->id,
	};
	int ret = zc_fill_push(&q->c.fill, &d);

	if (!ret)
		q->posted[i] = true;
	return ret;
}

FIXTURE_SETUP(rxq)
{
	const char *ip, *why;
	struct ethtool_channels ch;
	struct rxq_ctx *q;
	unsigned int i, f;
	size_t len = (size_t)RXQ_NBUF * RXQ_BUF;
	int ret;

	self->owner = getpid();
	self->old_combined = 0;
	self->nq = 0;
	for (i = 0; i < RXQ_MAX; i++) {
		self->q[i].c.fd = -1;
		self->q[i].mem = NULL;
	}
	for (f = 0; f < RXQ_FLOWS; f++) {
		self->sock[f] = -1;
		self->ctx_of[f] = -1;
	}
	memset(self->seen, 0, sizeof(self->seen));
	self->total = 0;
	why = zc_fixture_skip(ZCNET_FEAT_RX | ZCNET_FEAT_RX_SHARED, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	if (qemu_vmxnet3(self->env.iface))
		SKIP(return, "%s is QEMU's vmxnet3, which has one RX queue (every frame arrives on queue 0)", self->env.iface);
	ret = zc_netif_channels(self->env.iface, &ch);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s has one RX queue (its driver reports no channels)", self->env.iface);
	ASSERT_EQ(0, ret) TH_LOG("ethtool -l %s: %s", self->env.iface,
				 strerror(-ret));
	if (ch.max_combined < 2)
		SKIP(return, "%s has one RX queue (at most %u combined channels)", self->env.iface, ch.max_combined);
	self->nq = ch.max_combined < RXQ_MAX ? ch.max_combined : RXQ_MAX;
	if (ch.combined_count != self->nq) {
		self->old_combined = ch.combined_count;
		ASSERT_EQ(0, set_combined(self->env.iface, self->nq))
			TH_LOG("ethtool -L %s combined %u failed",
			       self->env.iface, self->nq);
	}
	ASSERT_EQ((int)self->nq, zc_netif_rx_queues(self->env.iface));
	ASSERT_EQ(0, zc_netif_wait_running(self->env.iface, 10000));

	for (i = 0; i < self->nq; i++) {
		q = &self->q[i];
		ASSERT_EQ(0, zc_ctx_open(&q->c, 0, 0, RXQ_RING, RXQ_RING));
		q->mem = zc_alloc_pages(len / zc_page_size());
		ASSERT_NE(NULL, q->mem);
		ASSERT_EQ(0, zc_reg(q->c.fd, q->mem, len, &q->id));
		for (f = 0; f < RXQ_NBUF; f++)
			ASSERT_EQ(0, post(q, f));
	}

	ip = self->env.local_ip ? self->env.local_ip : DEFAULT_IP;
	self->dst.sin_family = AF_INET;
	self->dst.sin_port = htons(RXQ_PORT);
	ASSERT_EQ(1, inet_pton(AF_INET, ip, &self->dst.sin_addr));
	for (f = 0; f < RXQ_FLOWS; f++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(RXQ_SPORT + f) };

		ret = zc_netns_socket(self->env.peer_ns, AF_INET, SOCK_DGRAM, 0);
		ASSERT_LE(0, ret) TH_LOG("UDP socket in %s: %s",
					 self->env.peer_ns, strerror(-ret));
		self->sock[f] = ret;
		ASSERT_EQ(0, bind(ret, (struct sockaddr *)&a, sizeof(a)))
			TH_LOG("bind to port %u: %s", RXQ_SPORT + f,
			       strerror(errno));
	}
	self->run = zc_new_run();
}

FIXTURE_TEARDOWN_PARENT(rxq)
{
	bool mine = getpid() == self->owner;
	unsigned int i;

	if (mine) {
		for (i = 0; i < RXQ_FLOWS; i++)
			if (self->sock[i] >= 0)
				close(self->sock[i]);
		for (i = 0; i < RXQ_MAX; i++) {
			if (self->q[i].c.fd >= 0)
				zc_ctx_close(&self->q[i].c);
			if (self->q[i].mem)
				munmap(self->q[i].mem,
				       (size_t)RXQ_NBUF * RXQ_BUF);
		}
	}
	if (self->old_combined &&
	    set_combined(self->env.iface, self->old_combined))
		fprintf(stderr, "# could not put %s back to %u channels\n",
			self->env.iface, self->old_combined);
}

/* ---- the flows ---- */

static void payload(unsigned char *p, __u32 run, __u32 flow, __u32 seq)
{
	__u32 h[4] = { htonl(RXQ_MAGIC), htonl(run), htonl(flow), htonl(seq) };
	unsigned int j;

	memcpy(p, h, sizeof(h));
	for (j = sizeof(h); j < RXQ_PAYLOAD; j++)
		p[j] = (unsigned char)(run + flow * 13 + seq * 31 + j * 7);
}

/* Datagram seq of every flow; 0 or -errno. */
static int send_round(FIXTURE_DATA(rxq) *self, __u32 seq)
{
	unsigned char buf[RXQ_PAYLOAD];
	unsigned int f;
	ssize_t n;

	for (f = 0; f < RXQ_FLOWS; f++) {
		payload(buf, self->run, f, seq);
		for (;;) {
			n = sendto(self->sock[f], buf, sizeof(buf), 0,
				   (struct sockaddr *)&self->dst,
				   sizeof(self->dst));
			if (n >= 0 || (errno != ENOBUFS && errno != EAGAIN))
				break;
			zc_sleep_ms(1);
		}
		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(buf))
			return -EIO;
	}
	return 0;
}

/*
 * One RX entry of context qi: a posted buffer holding one of our
 * datagrams, whole and byte for byte. Records the flow's context and the
 * copy; reposts the buffer.
 */
static void take(FIXTURE_DATA(rxq) *self, unsigned int qi,
		 const struct zcnet_rx_desc *e, char *msg, size_t size,
		 int *np)
{
	struct rxq_ctx *q = &self->q[qi];
	unsigned char want[RXQ_PAYLOAD];
	const unsigned char *p;
	unsigned int i, sport, dport;
	__u32 h[4];

	if (e->region != q->id || e->offset % RXQ_BUF ||
	    e->offset >= (__u64)RXQ_NBUF * RXQ_BUF ||
	    !q->posted[e->offset / RXQ_BUF]) {
		zc_problem(msg, size, np, "context %u: entry names region %u offset %llu, not a posted buffer",
			   qi, e->region, (unsigned long long)e->offset);
		return;
	}
	i = (unsigned int)(e->offset / RXQ_BUF);
	q->posted[i] = false;
	p = q->mem + e->offset;
	if (e->data || e->flags != ZCNET_RX_COPIED || e->len != e->frame_len ||
	    e->len != RXQ_HDRS + RXQ_PAYLOAD) {
		zc_problem(msg, size, np, "context %u: entry data %u len %u frame_len %u flags 0x%x",
			   qi, e->data, e->len, e->frame_len, e->flags);
		goto repost;
	}
	sport = (unsigned int)p[RXQ_HDRS - 8] << 8 | p[RXQ_HDRS - 7];
	dport = (unsigned int)p[RXQ_HDRS - 6] << 8 | p[RXQ_HDRS - 5];
	memcpy(h, p + RXQ_HDRS, sizeof(h));
	if (p[12] != 0x08 || p[13] != 0x00 || p[ZC_ETH_HLEN] != 0x45 ||
	    p[ZC_ETH_HLEN + 9] != IPPROTO_UDP || dport != RXQ_PORT ||
	    ntohl(h[0]) != RXQ_MAGIC || ntohl(h[1]) != self->run) {
		zc_problem(msg, size, np, "context %u: a frame that is not one of this run's datagrams (port %u -> %u)",
			   qi, sport, dport);
		goto repost;
	}
	if (ntohl(h[2]) >= RXQ_FLOWS || ntohl(h[3]) >= RXQ_ROUNDS ||
	    sport != RXQ_SPORT + ntohl(h[2])) {
		zc_problem(msg, size, np, "context %u: flow %u seq %u from port %u",
			   qi, ntohl(h[2]), ntohl(h[3]), sport);
		goto repost;
	}
	payload(want, self->run, ntohl(h[2]), ntohl(h[3]));
	if (memcmp(p + RXQ_HDRS, want, sizeof(want)))
		zc_problem(msg, size, np, "context %u: flow %u seq %u: payload differs",
			   qi, ntohl(h[2]), ntohl(h[3]));
	if (self->ctx_of[ntohl(h[2])] < 0)
		self->ctx_of[ntohl(h[2])] = (int)qi;
	else if (self->ctx_of[ntohl(h[2])] != (int)qi)
		zc_problem(msg, size, np, "flow %u seq %u on context %u, its earlier frames on context %d",
			   ntohl(h[2]), ntohl(h[3]), qi,
			   self->ctx_of[ntohl(h[2])]);
	if (self->seen[ntohl(h[2])][ntohl(h[3])]++)
		zc_problem(msg, size, np, "flow %u seq %u arrived again (on context %u)",
			   ntohl(h[2]), ntohl(h[3]), qi);
	q->frames++;
	self->total++;
repost:
	if (post(q, i))
		zc_problem(msg, size, np, "context %u: no room to post buffer %u again", qi, i);
}

/*
 * Take what the contexts received until self->total reaches want or
 * timeout_ms passed (then once more after a short pause, so that extra
 * copies show).
 */
static void collect(FIXTURE_DATA(rxq) *self, unsigned int want,
		    unsigned int timeout_ms, char *msg, size_t size, int *np)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	struct pollfd pfd[RXQ_MAX];
	struct zcnet_rx_desc e;
	unsigned int i, got;
	bool last = false;

	for (;;) {
		got = 0;
		for (i = 0; i < self->nq; i++) {
			if (self->q[i].c.fd < 0)
				continue;
			while (!zc_rx_pop(&self->q[i].c.rx, &e)) {
				take(self, i, &e, msg, size, np);
				got++;
			}
		}
		if (got)
			continue;
		if (last)
			return;
		if (self->total >= want || zc_now_ms() >= end) {
			zc_sleep_ms(100);
			last = true;
			continue;
		}
		for (i = 0; i < self->nq; i++)
			pfd[i] = (struct pollfd){ .fd = self->q[i].c.fd,
						  .events = POLLIN };
		poll(pfd, self->nq, 50);
	}
}

/*
 * Every datagram of rounds [from, to) arrived once, but those of the flows
 * of context skip (-1: none), which must not have arrived.
 */
static void check_rounds(FIXTURE_DATA(rxq) *self, __u32 from, __u32 to,
			 int skip, char *msg, size_t size, int *np)
{
	unsigned int f, s, want;

	for (f = 0; f < RXQ_FLOWS; f++) {
		for (s = from; s < to; s++) {
			want = self->ctx_of[f] != skip || skip < 0;
			if (self->seen[f][s] != want)
				zc_problem(msg, size, np, "flow %u (context %d) seq %u: %u copies, want %u",
					   f, self->ctx_of[f], s, self->seen[f][s],
					   want);
		}
	}
}

/* "q0=N q1=N ...": frames per context, and how many got any */
static unsigned int spread(FIXTURE_DATA(rxq) *self, char *buf, size_t size)
{
	unsigned int i, used = 0;
	size_t n = 0;

	buf[0] = 0;
	for (i = 0; i < self->nq; i++) {
		used += self->q[i].frames > 0;
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, " q%u=%u", i,
					      self->q[i].frames);
	}
	return used;
}

/* Flows that did not arrive on context ctx: what a round brings without it */
static unsigned int flows_not_on(FIXTURE_DATA(rxq) *self, int ctx)
{
	unsigned int f, n = 0;

	for (f = 0; f < RXQ_FLOWS; f++)
		n += self->ctx_of[f] != ctx;
	return n;
}

/* Send rounds [from, to), each followed by taking what arrived. */
#define SEND_ROUNDS(from, to, per_round, msg, np) do {			\
	__u32 _s;							\
	for (_s = (from); _s < (to); _s++) {				\
		ASSERT_EQ(0, send_round(self, _s))			\
			TH_LOG("sending round %u", _s);			\
		collect(self, self->total + (per_round), RXQ_WAIT_MS,	\
			msg, sizeof(msg), np);				\
	}								\
} while (0)

/* ---- bind ---- */

TEST_F(rxq, bind_errors)
{
	int ifi = self->nif.ifindex, fd0 = self->q[0].c.fd;
	__u32 rq = ZCNET_BIND_RX | ZCNET_BIND_RX_QUEUE;

	/* rx_queue at or above the RX queue count */
	EXPECT_EQ(-EINVAL, bind_rxq(fd0, ifi, rq, self->nq, RXQ_PORT));
	EXPECT_EQ(-EINVAL, bind_rxq(fd0, ifi, rq, RXQ_MAX + 100, RXQ_PORT));
	EXPECT_EQ(-EINVAL, bind_rxq(fd0, ifi, rq, ZCNET_QUEUE_ANY, RXQ_PORT));
	/* rx_queue without the flag, the flag without ZCNET_BIND_RX */
	EXPECT_EQ(-EINVAL, bind_rxq(fd0, ifi, ZCNET_BIND_RX, 1, RXQ_PORT));
	EXPECT_EQ(-EINVAL, bind_rxq(fd0, ifi, ZCNET_BIND_RX_QUEUE, 0,
				    RXQ_PORT));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd0, ZCNET_BIND_RX));

	/* the same rule on the same queue twice; other queues, other rules */
	ASSERT_EQ(0, bind_queue(self, 0, 0, RXQ_PORT));
	EXPECT_EQ(-EBUSY, bind_queue(self, 1, 0, RXQ_PORT));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->q[1].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_queue(self, 1, self->nq - 1, RXQ_PORT));
	if (self->nq > 2) {
		EXPECT_EQ(0, bind_queue(self, 2, 0, RXQ_PORT + 1));
		EXPECT_EQ(0, zc_unbind(self->q[2].c.fd, ZCNET_BIND_RX));
	}
	/* a context receives from one place at a time */
	EXPECT_EQ(-EBUSY, bind_queue(self, 0, 1, RXQ_PORT + 2));
	/* once unbound, the queue's rule is free again, and only once */
	EXPECT_EQ(0, zc_unbind(fd0, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_queue(self, 0, 0, RXQ_PORT));
	EXPECT_EQ(0, zc_unbind(self->q[1].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(-EBUSY, bind_queue(self, 1, 0, RXQ_PORT));
	EXPECT_EQ(0, bind_queue(self, 1, 0, RXQ_PORT + 1));
}

/* ---- traffic ---- */

TEST_F(rxq, flows_spread_exactly_once)
{
	char msg[1024] = "", dist[128];
	struct zcnet_stats st;
	unsigned int i, used;
	int np = 0;

	for (i = 0; i < self->nq; i++)
		ASSERT_EQ(0, bind_queue(self, i, i, RXQ_PORT))
			TH_LOG("binding context %u to RX queue %u", i, i);
	SEND_ROUNDS(0, RXQ_ROUNDS, RXQ_FLOWS, msg, &np);
	check_rounds(self, 0, RXQ_ROUNDS, -1, msg, sizeof(msg), &np);
	used = spread(self, dist, sizeof(dist));
	TH_LOG("%u queues, %u flows x %u datagrams:%s", self->nq, RXQ_FLOWS,
	       RXQ_ROUNDS, dist);
	EXPECT_EQ(0, np) TH_LOG("%d problems: %s", np, msg);
	EXPECT_EQ((unsigned int)(RXQ_FLOWS * RXQ_ROUNDS), self->total);
	EXPECT_LE(2U, used) TH_LOG("all %u flows arrived on one RX queue: the host's tap did not spread them (%s)",
				  RXQ_FLOWS, dist);
	for (i = 0; i < self->nq; i++) {
		ASSERT_EQ(0, zc_get_stats(self->q[i].c.fd, &st));
		EXPECT_EQ(self->q[i].frames, st.rx_frames)
			TH_LOG("context %u", i);
		EXPECT_EQ(0ULL, st.rx_drop_nobuf) TH_LOG("context %u", i);
	}
}

/*
 * With one queue's context unbound, its flows go to the stack and the
 * others keep theirs, once each; bound again, it gets its flows back.
 */
TEST_F(rxq, unbind_one_queue)
{
	char msg[1024] = "", dist[128];
	unsigned int i, k = 0, others;
	int np = 0;

	for (i = 0; i < self->nq; i++)
		ASSERT_EQ(0, bind_queue(self, i, i, RXQ_PORT));
	SEND_ROUNDS(0, 2, RXQ_FLOWS, msg, &np);
	check_rounds(self, 0, 2, -1, msg, sizeof(msg), &np);
	spread(self, dist, sizeof(dist));
	ASSERT_EQ(0, np) TH_LOG("all bound: %d problems: %s", np, msg);
	for (i = 1; i < self->nq; i++)
		if (self->q[i].frames > self->q[k].frames)
			k = i;
	ASSERT_LT(0U, self->q[k].frames) TH_LOG("no flows arrived (%s)", dist);
	others = flows_not_on(self, (int)k);
	ASSERT_LT(0U, others) TH_LOG("all flows arrived on context %u (%s)", k,
				    dist);

	ASSERT_EQ(0, zc_unbind(self->q[k].c.fd, ZCNET_BIND_RX));
	SEND_ROUNDS(2, 5, others, msg, &np);
	check_rounds(self, 2, 5, (int)k, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("queue %u unbound: %d problems: %s", k, np,
				msg);

	np = 0;
	msg[0] = 0;
	ASSERT_EQ(0, bind_queue(self, k, k, RXQ_PORT));
	SEND_ROUNDS(5, RXQ_ROUNDS, RXQ_FLOWS, msg, &np);
	check_rounds(self, 5, RXQ_ROUNDS, -1, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("queue %u bound again: %d problems: %s", k,
				np, msg);
}

TEST_HARNESS_MAIN
