// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet's UDP GSO trains: one descriptor, many datagrams.
 * Trains of several segment sizes, each datagram checked byte for byte at
 * the peer; one packet where the device segments; the train's pages held
 * until its completion; the errors of bad trains and flag combinations;
 * the socket's own UDP_SEGMENT option ignored; the IPv6 limit. The receivers live in $ZCNET_PEER_NS, across
 * the guest's two NICs: outside the test guest everything SKIPs.
 *
 * The trains are cut from zcnet_conns.c's reference pattern (ZC_REF_LEN
 * random bytes), copied into a region of their own.
 */
#include <netinet/in.h>
#include <linux/udp.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define SCRATCH_LEN	(256U << 10)	/* GSO trains are copied here */
#define WAIT_MS		30000U		/* no progress for this long: give up */
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#ifndef SOL_UDP
#define SOL_UDP		17
#endif

/* ------------------------------------------------------------------ */
/* the fixture                                                         */
/* ------------------------------------------------------------------ */

FIXTURE(gso) {
	struct zc_ctx c;
	unsigned char *mem;	/* the reference and its wrap */
	__u32 id;
	struct zc_env env;
	const char *peer_ip;
	bool uso_set;		/* tx-udp-segmentation turned on here */
};

FIXTURE_SETUP(gso)
{
	const char *why;

	self->c.fd = -1;
	self->mem = NULL;
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

FIXTURE_TEARDOWN(gso)
{
	if (self->uso_set &&
	    zc_netif_set_feature(self->env.iface, "tx-udp-segmentation", "off"))
		fprintf(stderr, "# could not turn UDP segmentation of %s off\n",
			self->env.iface);
	zc_ctx_close(&self->c);
	zc_ref_free(self->mem);
}

/* The test's context: rings, the reference registered, no copy threshold. */
static long gso_ctx(FIXTURE_DATA(gso) *self, __u32 tx, __u32 cq)
{
	return zc_ref_ctx(&self->c, self->mem, tx, cq, &self->id);
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

static int gso_path_open(FIXTURE_DATA(gso) *self, struct gso_path *g)
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
TEST_F_TIMEOUT(gso, trains, 300)
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
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	for (i = 0; i < ARRAY_LEN(trains); i++) {
		const struct train *t = &trains[i];
		unsigned int nseg = (t->len + t->gso - 1) / t->gso;
		__u32 last = t->len - (nseg - 1) * t->gso;
		__u32 shortest = last < t->gso ? last : t->gso;
		struct train_result res = { 0 };

		for (try = 0; try < GSO_TRIES; try++) {
			__u64 ref_off = (i * 1000003ULL + try * 65537ULL) %
					(ZC_REF_LEN - 65536);
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

/*
 * Where the device segments UDP itself (virtio-net's tx-udp-segmentation,
 * off by default, turned on here; the host must offer USO: QEMU 8.2 or
 * later on a tap that takes it), a train leaves as one packet, from the
 * user's pages, and the peer still gets every datagram.
 */
TEST_F_TIMEOUT(gso, one_packet_where_device_segments, 120)
{
	const struct train t = { 1472, 1472 * 44, 0 };
	struct gso_path g = { .rx = -1, .tx = -1 };
	const char *dev = self->env.iface;
	struct train_result res;
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	long long before, after = 0;
	unsigned int i;
	int on;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	on = zc_netif_feature(dev, "tx-udp-segmentation");
	ASSERT_LE(0, on) TH_LOG("ethtool -k %s: %s", dev, strerror(-on));
	if (!on && !zc_netif_set_feature(dev, "tx-udp-segmentation", "on")) {
		self->uso_set = true;
		on = zc_netif_feature(dev, "tx-udp-segmentation");
	}
	if (on != 1)
		SKIP(return, "%s cannot segment UDP (virtio-net: the host must offer USO, QEMU 8.2 or later and Linux 6.2 or later)",
		     dev);
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
	ASSERT_EQ(0, gso_path_open(self, &g));
	gso_drain(&g, 10);
	memcpy(g.scratch, self->mem, t.len);
	before = zc_netif_stat(dev, "tx_packets");
	ASSERT_LE(0, before);
	d = gso_desc(&g, 0, t.len, t.gso, 1);
	ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	ASSERT_EQ(1, zc_kick(self->c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, WAIT_MS));
	/* virtio_net counts a packet after freeing it, so after completing */
	for (i = 0; i < 100; i++) {
		after = zc_netif_stat(dev, "tx_packets");
		if (after != before)
			break;
		usleep(10000);
	}
	EXPECT_EQ((__s32)t.len, e.result);
	EXPECT_EQ(0U, e.flags & ZCNET_CQE_COPIED);
	/* one packet, and room for one the guest sent meanwhile (ND, ARP) */
	EXPECT_LE(1, after - before);
	EXPECT_GE(2, after - before) TH_LOG("%lld packets for 44 datagrams",
					    after - before);
	gso_receive(&g, self->mem, &t, 44, &res);
	EXPECT_EQ(44U, res.got);
	EXPECT_EQ(0U, res.bad);
	EXPECT_EQ(0U, res.extra);
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
TEST_F_TIMEOUT(gso, pages_held_until_completion, 300)
{
	struct gso_path g = { .rx = -1, .tx = -1 };
	unsigned int attempt, observed = 0;
	struct zcnet_cq_entry e;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
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
TEST_F_TIMEOUT(gso, errors, 120)
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
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
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
TEST_F(gso, socket_option_ignored)
{
	struct gso_path g = { .rx = -1, .tx = -1 };
	int opt = 1000, try;
	struct zcnet_cq_entry e;
	ssize_t got = -1;

	if (!(zc_features() & ZCNET_FEAT_TX_GSO))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_GSO");
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
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
TEST_F(gso, ipv6_limit)
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
	ASSERT_EQ(0, gso_ctx(self, 64, 128));
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
