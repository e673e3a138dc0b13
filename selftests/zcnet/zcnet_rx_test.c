// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet receive (ZCNET_BIND_RX): frames sent from the peer namespace (a
 * plain AF_PACKET socket or UDP sockets on $ZCNET_PEER_IFACE) are received
 * by a context bound RX on $ZCNET_IFACE in the root namespace, into
 * buffers posted on its FILL ring.
 *
 * Every RX entry is checked against the buffer it must have come from
 * (region, offset, buf_len), data 0, len, frame_len, flags, and every
 * byte of the frame. Tests that change the device (link down, IPv6
 * addresses, /dev/zcnet's mode) put it back, also when they fail.
 *
 * Without ZCNET_FEAT_RX in GET_INFO's features, or outside the test guest
 * (no $ZCNET_* variables), every test SKIPs.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define RX_BUF		2048U	/* one posted buffer; two per page */
#define RX_NBUF		256U
#define RX_RING		512U
#define RX_WAIT_MS	10000U
#define MSG_LEN		2048
#define DEFAULT_IP	"10.99.0.1"
#define PEER_IP		"10.99.0.2"
#define LOCAL_IP6	"fd99:7a63::1"
#define PEER_IP6	"fd99:7a63::2"
#define UDP_PORT_P	40001
#define UDP_PORT_Q	40002
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6_	0x86dd

FIXTURE(rx) {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 max_len;		/* MTU + Ethernet header */
	int send_fd;		/* AF_PACKET in the peer namespace, sends only */
	pid_t owner;
	bool posted[RX_NBUF];
	__u32 posted_len[RX_NBUF];
	unsigned char *frame;	/* scratch: an expected frame */
	/* for the parent's teardown */
	bool link_changed;
	bool ip6_added;
	bool chmodded;
	mode_t old_mode;
};

/* ---- binding ---- */

static long bind_rx(int fd, __u32 flags, int ifindex, __u32 match,
		    __u16 ethertype, __u16 port)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = flags,
		.ifindex = (__u32)ifindex,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = match,
		.rx_ethertype = ethertype,
		.rx_port = port,
	};

	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

static long bind_test(FIXTURE_DATA(rx) *self)
{
	return bind_rx(self->c.fd, ZCNET_BIND_RX, self->nif.ifindex,
		       ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST, 0);
}

/* Post buffer i with len bytes; 0 or -ENOSPC. */
static int post(FIXTURE_DATA(rx) *self, unsigned int i, __u32 len)
{
	struct zcnet_fill_desc d = {
		.offset = (__u64)i * RX_BUF,
		.len = len,
		.region = (__u16)self->id,
	};
	int ret = zc_fill_push(&self->c.fill, &d);

	if (!ret) {
		self->posted[i] = true;
		self->posted_len[i] = len;
	}
	return ret;
}

static int post_all(FIXTURE_DATA(rx) *self)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RX_NBUF; i++) {
		if (self->posted[i])
			continue;
		ret = post(self, i, RX_BUF);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Pop RX entries into out[] until want were popped or timeout_ms passed,
 * sleeping in poll() (POLLIN) in short slices; returns how many.
 */
static unsigned int rx_wait(FIXTURE_DATA(rx) *self, struct zcnet_rx_desc *out,
			    unsigned int want, unsigned int timeout_ms)
{
	return zc_ring_collect(&self->c, &self->c.rx, out, sizeof(*out), want,
			       timeout_ms);
}

/*
 * Check an RX entry's buffer fields against what was posted and give the
 * buffer back to the pool (it is no longer posted). Adds to the report.
 * Returns the frame's bytes, or NULL if the entry names no posted buffer.
 */
static unsigned char *rx_take(FIXTURE_DATA(rx) *self,
			      const struct zcnet_rx_desc *e, char *msg,
			      size_t size, int *np)
{
	unsigned int i;

	if (e->region != self->id || e->offset % RX_BUF ||
	    e->offset >= self->mem_len) {
		zc_problem(msg, size, np, "entry names region %u offset %llu",
			   e->region, (unsigned long long)e->offset);
		return NULL;
	}
	i = (unsigned int)(e->offset / RX_BUF);
	if (!self->posted[i]) {
		zc_problem(msg, size, np, "buffer %u came back but was not posted",
			   i);
		return NULL;
	}
	self->posted[i] = false;
	if (e->buf_len != self->posted_len[i])
		zc_problem(msg, size, np, "buffer %u: buf_len %u, posted %u", i,
			   e->buf_len, self->posted_len[i]);
	if (e->data)
		zc_problem(msg, size, np, "buffer %u: data %u", i, e->data);
	if (e->reserved)
		zc_problem(msg, size, np, "buffer %u: reserved %u", i,
			   e->reserved);
	if (e->data >= e->buf_len || e->len > e->buf_len - e->data) {
		zc_problem(msg, size, np, "buffer %u: data %u + len %u > %u", i,
			   e->data, e->len, e->buf_len);
		return NULL;
	}
	return self->mem + e->offset + e->data;
}

/*
 * An RX entry that must hold test frame (run, seq) of len bytes, whole:
 * len == frame_len == len, flags COPIED, every byte.
 */
static void check_frame(FIXTURE_DATA(rx) *self, const struct zcnet_rx_desc *e,
			__u32 run, __u32 seq, __u32 len, char *msg, size_t size,
			int *np)
{
	unsigned char *p = rx_take(self, e, msg, size, np);
	__u32 r = 0, s = 0, i;

	if (!p)
		return;
	if (e->flags != ZCNET_RX_COPIED)
		zc_problem(msg, size, np, "seq %u: flags 0x%x", seq, e->flags);
	if (e->len != len || e->frame_len != len) {
		zc_problem(msg, size, np, "seq %u: len %u frame_len %u, sent %u",
			   seq, e->len, e->frame_len, len);
		return;
	}
	if (zc_frame_tag(p, e->len, &r, &s) || r != run || s != seq) {
		zc_problem(msg, size, np, "seq %u: got another frame (run %s, seq %u)",
			   seq, r == run ? "same" : "other", s);
		return;
	}
	zc_frame_fill(self->frame, len, self->nif.mac, self->peer.mac, run, seq);
	for (i = 0; i < len; i++) {
		if (p[i] != self->frame[i]) {
			zc_problem(msg, size, np, "seq %u (len %u): byte %u is 0x%02x, want 0x%02x",
				   seq, len, i, p[i], self->frame[i]);
			return;
		}
	}
}

/* ---- the sending side, in the peer namespace ---- */

static int send_frame(FIXTURE_DATA(rx) *self, __u32 run, __u32 seq, __u32 len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ZC_ETH_P_TEST),
		.sll_ifindex = self->peer.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	ssize_t n;

	memcpy(sll.sll_addr, self->nif.mac, ZC_ETH_ALEN);
	zc_frame_fill(self->frame, len, self->nif.mac, self->peer.mac, run, seq);
	for (;;) {
		n = sendto(self->send_fd, self->frame, len, 0,
			   (struct sockaddr *)&sll, sizeof(sll));
		if (n >= 0 || errno != ENOBUFS)
			break;
		zc_sleep_ms(1);	/* the peer's queue is full: wait, retry */
	}
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* A socket of type in the peer namespace; fd or -errno. */
static int peer_socket(FIXTURE_DATA(rx) *self, int domain, int type, int proto)
{
	return zc_netns_socket(self->env.peer_ns, domain, type, proto);
}

/* ---- fixture ---- */

FIXTURE_SETUP(rx)
{
	const char *why;
	cpu_set_t cpus;
	int ret;

	self->owner = getpid();
	self->c.fd = -1;
	self->send_fd = -1;
	self->mem = NULL;
	self->frame = NULL;
	self->link_changed = self->ip6_added = self->chmodded = false;
	memset(self->posted, 0, sizeof(self->posted));
	why = zc_fixture_skip(ZCNET_FEAT_RX, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_TRUE(self->nif.flags & IFF_UP)
		TH_LOG("%s is down: an earlier test did not restore it",
		       self->env.iface);
	self->max_len = self->nif.mtu + ZC_ETH_HLEN;
	/*
	 * The tests expect frames in the order they were sent. A packet
	 * socket's frames leave by the TX queue of the CPU that sends them
	 * (XPS), and two queues of the peer's multiqueue NIC may deliver out
	 * of order: one CPU keeps one queue.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	ret = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, ret);
	close(ret);
	ret = peer_socket(self, AF_PACKET, SOCK_RAW, 0);
	ASSERT_LE(0, ret) TH_LOG("packet socket in %s: %s", self->env.peer_ns,
				 strerror(-ret));
	self->send_fd = ret;
	self->frame = malloc(65536);
	ASSERT_NE(NULL, self->frame);
	self->mem_len = (size_t)RX_NBUF * RX_BUF;
	self->mem = zc_alloc_pages(self->mem_len / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0xee, self->mem_len);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 0, 0, RX_RING, RX_RING));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
}

static int restore_link(FIXTURE_DATA(rx) *self)
{
	const char *ip = self->env.local_ip ? self->env.local_ip : DEFAULT_IP;
	int ret;

	ret = zc_netif_set_up(self->env.iface, true);
	if (!ret)
		ret = zc_netif_ensure_addr(self->env.iface, ip);
	if (!ret)
		ret = zc_netif_wait_running(self->env.iface, 10000);
	return ret;
}

static void ip6_del(FIXTURE_DATA(rx) *self)
{
	const char *const del[] = { "ip", "-6", "addr", "del", LOCAL_IP6 "/64",
				    "dev", self->env.iface, NULL };
	const char *const pdel[] = { "ip", "-n", self->env.peer_ns, "-6", "addr",
				     "del", PEER_IP6 "/64", "dev",
				     self->env.peer_iface, NULL };

	zc_run(del);
	zc_run(pdel);
}

FIXTURE_TEARDOWN_PARENT(rx)
{
	bool mine = getpid() == self->owner;

	if (mine)
		zc_ctx_close(&self->c);
	if (self->link_changed && restore_link(self))
		fprintf(stderr, "# could not bring %s back up\n", self->env.iface);
	if (self->ip6_added)
		ip6_del(self);
	if (self->chmodded && chmod(ZC_DEV_PATH, self->old_mode))
		fprintf(stderr, "# could not restore the mode of %s\n",
			ZC_DEV_PATH);
	if (mine && self->send_fd >= 0)
		close(self->send_fd);
	if (mine && self->mem)
		munmap(self->mem, self->mem_len);
	if (mine)
		free(self->frame);
}

/* Send frames (run, first..first+n) of lens[i % nlens]; ASSERT they went. */
#define SEND_FRAMES(run, first, n, len_of) do {				\
	unsigned int _i;						\
	for (_i = 0; _i < (n); _i++) {					\
		__u32 _seq = (first) + _i;				\
		ASSERT_EQ(0, send_frame(self, (run), _seq, (len_of)))	\
			TH_LOG("sending seq %u", _seq);			\
	}								\
} while (0)

/* Wait until counter f of the context reaches want; returns the last value. */
static __u64 wait_stat(FIXTURE_DATA(rx) *self, size_t off, __u64 want,
		       unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	struct zcnet_stats st;
	__u64 v;

	for (;;) {
		if (zc_get_stats(self->c.fd, &st))
			return ~0ULL;
		memcpy(&v, (char *)&st + off, sizeof(v));
		if (v >= want || zc_now_ms() > end)
			return v;
		zc_sleep_ms(10);
	}
}

/* ---- bind errors ---- */

TEST_F(rx, bind_needs_fill_and_rx_rings_enxio)
{
	int fd = zc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_setup(fd, 8, 8, 0, 0));
	EXPECT_EQ(-ENXIO, bind_rx(fd, ZCNET_BIND_RX, self->nif.ifindex,
				  ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-ENXIO, bind_rx(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				  self->nif.ifindex, ZCNET_RX_MATCH_ETHERTYPE,
				  ZC_ETH_P_TEST, 0));
	/* nothing got bound by the failed TX|RX */
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, zc_bind(fd, ZCNET_BIND_TX, (__u32)self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	close(fd);
}

TEST_F(rx, bind_bad_match_einval)
{
	int fd = self->c.fd, ifi = self->nif.ifindex;

	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, 3, 0, 0));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, 77, 0, 0));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, 0xffffffffu, 0, 0));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, ZCNET_RX_MATCH_ALL,
				   0, 4789));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, ZCNET_RX_MATCH_ALL,
				   ZC_ETH_P_TEST, 0));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi,
				   ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST,
				   4789));
	EXPECT_EQ(-EINVAL, bind_rx(fd, ZCNET_BIND_RX, ifi, ZCNET_RX_MATCH_UDP,
				   ZC_ETH_P_TEST, 4789));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_rx(fd, ZCNET_BIND_RX, ifi, ZCNET_RX_MATCH_UDP, 0,
			     4789));
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_RX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_RX));
}

TEST_F(rx, bind_missing_device_enodev)
{
	char name[IF_NAMESIZE];
	__u32 idx = 100000;

	while (if_indextoname(idx, name))
		idx++;
	EXPECT_EQ(-ENODEV, bind_rx(self->c.fd, ZCNET_BIND_RX, (int)idx,
				   ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-ENODEV, bind_rx(self->c.fd, ZCNET_BIND_RX, 0,
				   ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->c.fd, ZCNET_BIND_RX));
}

/* In a new network namespace of its own, lo exists and is down. */
TEST_F(rx, bind_down_device_enetdown)
{
	struct zc_netif lo;
	struct zc_ctx c;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, zc_netif_get("lo", &lo));
	ASSERT_EQ(0, lo.flags & IFF_UP);
	ASSERT_EQ(0, zc_ctx_open(&c, 0, 0, 8, 8));
	EXPECT_EQ(-ENETDOWN, bind_rx(c.fd, ZCNET_BIND_RX, lo.ifindex,
				     ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-ENOTCONN, zc_unbind(c.fd, ZCNET_BIND_RX));
	ASSERT_EQ(0, zc_netif_set_up("lo", true));
	EXPECT_EQ(0, bind_rx(c.fd, ZCNET_BIND_RX, lo.ifindex,
			     ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(0, zc_unbind(c.fd, ZCNET_BIND_RX));
	zc_ctx_close(&c);
}

static void unpriv_child(long *r, const void *arg)
{
	int ifindex = *(const int *)arg;
	int fd;

	r[0] = zc_become_user(ZC_NOBODY, 64 << 20);
	if (r[0])
		return;
	fd = zc_open();
	r[1] = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	r[2] = zc_setup(fd, 0, 0, 8, 8);
	r[3] = bind_rx(fd, ZCNET_BIND_RX, ifindex, ZCNET_RX_MATCH_ALL, 0, 0);
	r[4] = bind_rx(fd, ZCNET_BIND_RX, ifindex, ZCNET_RX_MATCH_ETHERTYPE,
		       ZC_ETH_P_TEST, 0);
	close(fd);
}

TEST_F(rx, bind_unprivileged_eperm)
{
	struct stat sb;
	long r[5];

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
	ASSERT_EQ(0, zc_child_results(unpriv_child, &self->nif.ifindex, r, 5));
	ASSERT_EQ(0, r[0]) TH_LOG("could not become uid %d", ZC_NOBODY);
	ASSERT_EQ(0, r[1]) TH_LOG("open as uid %d", ZC_NOBODY);
	ASSERT_EQ(0, r[2]);
	EXPECT_EQ(-EPERM, r[3]);
	EXPECT_EQ(-EPERM, r[4]);
	/* and the device is free: nothing got bound */
	EXPECT_EQ(0, bind_test(self));
}

/*
 * Many contexts receive from one device (zcnet_rxshare_test has the
 * rest): the same rule twice is EBUSY, another rule is not, and a context
 * receives from one device at a time.
 */
TEST_F(rx, second_context_same_rule_ebusy)
{
	struct zc_ctx c2;

	ASSERT_EQ(0, zc_ctx_open(&c2, 8, 8, 8, 8));
	ASSERT_EQ(0, bind_test(self));
	EXPECT_EQ(-EBUSY, bind_rx(c2.fd, ZCNET_BIND_RX, self->nif.ifindex,
				  ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST, 0));
	/* the same context binding RX again: already bound */
	EXPECT_EQ(-EBUSY, bind_test(self));
	EXPECT_EQ(0, bind_rx(c2.fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
			     self->nif.ifindex, ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-EBUSY, bind_rx(c2.fd, ZCNET_BIND_RX, self->nif.ifindex,
				  ZCNET_RX_MATCH_UDP, 0, UDP_PORT_P));
	EXPECT_EQ(0, zc_unbind(c2.fd, ZCNET_BIND_RX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(c2.fd, ZCNET_BIND_RX));
	/* unbinding frees the rule */
	EXPECT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_rx(c2.fd, ZCNET_BIND_RX, self->nif.ifindex,
			     ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST, 0));
	EXPECT_EQ(-EBUSY, bind_test(self));
	/* and so does closing the context */
	zc_ctx_close(&c2);
	{
		uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
		long ret;

		while ((ret = bind_test(self)) == -EBUSY && zc_now_ms() < end)
			zc_sleep_ms(20);
		EXPECT_EQ(0, ret);
	}
}

/*
 * A bridge port (in a private netns) has the bridge's rx_handler: EBUSY.
 * The bridge device itself has none.
 */
TEST_F(rx, bridge_port_ebusy)
{
	static const char *const br[] = { "ip", "link", "add", "zcbr0", "type",
					  "bridge", NULL };
	static const char *const dm[] = { "ip", "link", "add", "zcport0",
					  "type", "dummy", NULL };
	static const char *const en[] = { "ip", "link", "set", "zcport0",
					  "master", "zcbr0", NULL };
	static const char *const nomaster[] = { "ip", "link", "set", "zcport0",
						"nomaster", NULL };
	struct zc_netif port, bridge;
	struct zc_ctx c;
	int rc;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	rc = zc_run(br);
	if (rc)
		SKIP(return, "ip link add type bridge failed (%d): no bridge module?",
		     rc);
	ASSERT_EQ(0, zc_run(dm)) TH_LOG("ip link add type dummy");
	ASSERT_EQ(0, zc_run(en)) TH_LOG("ip link set zcport0 master zcbr0");
	ASSERT_EQ(0, zc_netif_set_up("zcport0", true));
	ASSERT_EQ(0, zc_netif_set_up("zcbr0", true));
	ASSERT_EQ(0, zc_netif_get("zcport0", &port));
	ASSERT_EQ(0, zc_netif_get("zcbr0", &bridge));
	ASSERT_EQ(0, zc_ctx_open(&c, 8, 8, 8, 8));
	EXPECT_EQ(-EBUSY, bind_rx(c.fd, ZCNET_BIND_RX, port.ifindex,
				  ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-EBUSY, bind_rx(c.fd, ZCNET_BIND_RX, port.ifindex,
				  ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST, 0));
	EXPECT_EQ(-EBUSY, bind_rx(c.fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				  port.ifindex, ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(-ENOTCONN, zc_unbind(c.fd, ZCNET_BIND_TX));
	/* the bridge device has no rx_handler of its own */
	EXPECT_EQ(0, bind_rx(c.fd, ZCNET_BIND_RX, bridge.ifindex,
			     ZCNET_RX_MATCH_ALL, 0, 0));
	EXPECT_EQ(0, zc_unbind(c.fd, ZCNET_BIND_RX));
	/* released from the bridge, the port is free */
	ASSERT_EQ(0, zc_run(nomaster));
	EXPECT_EQ(0, bind_rx(c.fd, ZCNET_BIND_RX, port.ifindex,
			     ZCNET_RX_MATCH_ALL, 0, 0));
	/* and bound, it cannot join a bridge (its rx_handler is taken) */
	EXPECT_NE(0, zc_run(en));
	EXPECT_EQ(0, zc_unbind(c.fd, ZCNET_BIND_RX));
	zc_ctx_close(&c);
}

/* ---- receiving test frames ---- */

/*
 * Frame sizes from the minimum to MTU + header: each arrives once, whole,
 * in the buffer posted for it, and the counters agree.
 */
TEST_F(rx, frame_sizes_byte_exact)
{
	__u32 lens[] = { 60, 61, 63, 64, 100, 127, 128, 129, 255, 256, 511,
			 512, 513, 1000, 1023, 1024, 1025, 1400, 0, 0, 0 };
	unsigned int n = 0, i, got;
	struct zcnet_rx_desc e[32];
	struct zcnet_stats st;
	__u64 bytes = 0;
	char msg[MSG_LEN] = "";
	int np = 0;
	__u32 run = zc_new_run();

	while (lens[n])
		n++;
	lens[n++] = self->max_len - 1;
	lens[n++] = self->max_len;
	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, send_frame(self, run, i, lens[i]));
		bytes += lens[i];
	}
	got = rx_wait(self, e, n, RX_WAIT_MS);
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++)
		check_frame(self, &e[i], run, i, lens[i], msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	/* nothing more */
	zc_sleep_ms(100);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(n, st.rx_frames);
	EXPECT_EQ(bytes, st.rx_bytes);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	EXPECT_EQ(0U, st.rx_drop_size);
	EXPECT_EQ(0U, st.rx_truncated);
	EXPECT_EQ(0U, st.rx_fill_rejected);
	/* the buffers never written stayed as they were */
	for (i = 0; i < RX_NBUF; i++) {
		unsigned int j;

		if (!self->posted[i])
			continue;
		for (j = 0; j < RX_BUF; j++) {
			if (self->mem[(size_t)i * RX_BUF + j] != 0xee)
				break;
		}
		EXPECT_EQ(RX_BUF, j) TH_LOG("unused buffer %u written at %u",
					    i, j);
		if (j != RX_BUF)
			break;
	}
	EXPECT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
}

/*
 * 2000 frames of varying size, sent in bursts no larger than the posted
 * buffers, each burst received before the next is sent: every frame
 * arrives once, in order, byte-exact; buffers are posted again.
 */
TEST_F(rx, sequence_2000)
{
	const unsigned int total = 2000, burst = 64;
	struct zcnet_rx_desc e[64];
	unsigned int sent = 0, recvd = 0, i, got;
	struct zcnet_stats st;
	__u64 bytes = 0;
	char msg[MSG_LEN] = "";
	int np = 0;
	__u32 run = zc_new_run();

	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self));
	while (sent < total) {
		unsigned int b = total - sent < burst ? total - sent : burst;

		for (i = 0; i < b; i++) {
			__u32 seq = sent + i;
			__u32 len = 60 + (seq * 37) % (self->max_len - 59);

			ASSERT_EQ(0, send_frame(self, run, seq, len));
			bytes += len;
		}
		got = rx_wait(self, e, b, RX_WAIT_MS);
		for (i = 0; i < got; i++) {
			__u32 seq = recvd + i;
			__u32 len = 60 + (seq * 37) % (self->max_len - 59);

			check_frame(self, &e[i], run, seq, len, msg,
				    sizeof(msg), &np);
		}
		recvd += got;
		sent += b;
		ASSERT_EQ(b, got) TH_LOG("burst at %u: %u of %u frames arrived; %s",
					 sent - b, got, b, msg);
		ASSERT_EQ(0, post_all(self));
	}
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(total, st.rx_frames);
	EXPECT_EQ(bytes, st.rx_bytes);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	EXPECT_EQ(0U, st.rx_truncated);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
}

/*
 * No buffer posted: frames are dropped and counted, nothing is written;
 * with buffers posted again reception goes on.
 */
TEST_F(rx, fill_empty_drops_then_recovers)
{
	const unsigned int ndrop = 20, nok = 10;
	struct zcnet_rx_desc e[16];
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	unsigned int i, got;
	size_t j;
	int np = 0;
	__u32 run = zc_new_run();

	ASSERT_EQ(0, bind_test(self));
	SEND_FRAMES(run, 0, ndrop, 200);
	EXPECT_EQ(ndrop, wait_stat(self, offsetof(struct zcnet_stats,
						  rx_drop_nobuf),
				   ndrop, RX_WAIT_MS));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(0U, st.rx_frames);
	EXPECT_EQ(0U, st.rx_bytes);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	for (j = 0; j < self->mem_len; j++) {
		if (self->mem[j] != 0xee)
			break;
	}
	EXPECT_EQ(self->mem_len, j) TH_LOG("memory written at %zu", j);

	/* buffers again: frames arrive */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, post(self, i, RX_BUF));
	SEND_FRAMES(run, ndrop, 8, 300);
	got = rx_wait(self, e, 8, RX_WAIT_MS);
	ASSERT_EQ(8U, got);
	for (i = 0; i < got; i++)
		check_frame(self, &e[i], run, ndrop + i, 300, msg, sizeof(msg),
			    &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	/* the ring ran dry again: two more dropped, then recovery */
	SEND_FRAMES(run, ndrop + 8, 2, 300);
	EXPECT_EQ(ndrop + 2, wait_stat(self, offsetof(struct zcnet_stats,
						      rx_drop_nobuf),
				       ndrop + 2, RX_WAIT_MS));
	ASSERT_EQ(0, post_all(self));
	SEND_FRAMES(run, ndrop + 10, nok, 400);
	got = rx_wait(self, e, nok, RX_WAIT_MS);
	ASSERT_EQ(nok, got);
	for (i = 0; i < got; i++)
		check_frame(self, &e[i], run, ndrop + 10 + i, 400, msg,
			    sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(8U + nok, st.rx_frames);
	EXPECT_EQ(8U * 300 + nok * 400, st.rx_bytes);
	EXPECT_EQ(ndrop + 2, st.rx_drop_nobuf);
}

/* A full-size frame into a 512-byte buffer: truncated, flagged, counted. */
TEST_F(rx, truncated_into_small_buffer)
{
	const __u32 small = 512;
	struct zcnet_rx_desc e[2];
	struct zcnet_stats st;
	unsigned char *p;
	unsigned int i;
	__u32 run = zc_new_run();

	ASSERT_EQ(0, post(self, 0, small));
	ASSERT_EQ(0, post(self, 1, RX_BUF));
	ASSERT_EQ(0, bind_test(self));
	ASSERT_EQ(0, send_frame(self, run, 0, self->max_len));
	ASSERT_EQ(0, send_frame(self, run, 1, self->max_len));
	ASSERT_EQ(2U, rx_wait(self, e, 2, RX_WAIT_MS));

	EXPECT_EQ(0U, e[0].offset);
	EXPECT_EQ(self->id, e[0].region);
	EXPECT_EQ(small, e[0].buf_len);
	EXPECT_EQ(0U, e[0].data);
	EXPECT_EQ(small, e[0].len);
	EXPECT_EQ(self->max_len, e[0].frame_len);
	EXPECT_EQ(ZCNET_RX_COPIED | ZCNET_RX_TRUNCATED, e[0].flags);
	zc_frame_fill(self->frame, self->max_len, self->nif.mac,
		      self->peer.mac, run, 0);
	EXPECT_EQ(0, memcmp(self->mem, self->frame, small));
	/* not a byte past the buffer */
	for (i = small; i < RX_BUF; i++) {
		if (self->mem[i] != 0xee)
			break;
	}
	EXPECT_EQ(RX_BUF, i) TH_LOG("byte %u past the 512-byte buffer written", i);

	/* the next one fits */
	EXPECT_EQ(RX_BUF, e[1].offset);
	EXPECT_EQ(RX_BUF, e[1].buf_len);
	EXPECT_EQ(self->max_len, e[1].len);
	EXPECT_EQ(self->max_len, e[1].frame_len);
	EXPECT_EQ(ZCNET_RX_COPIED, e[1].flags);
	zc_frame_fill(self->frame, self->max_len, self->nif.mac,
		      self->peer.mac, run, 1);
	p = self->mem + RX_BUF;
	EXPECT_EQ(0, memcmp(p, self->frame, self->max_len));

	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(1U, st.rx_truncated);
	EXPECT_EQ(2U, st.rx_frames);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
}

/*
 * Bad fill descriptors are consumed and skipped (rx_fill_rejected); the
 * good ones around them get the frames, in order.
 */
TEST_F(rx, bad_fill_descs_skipped)
{
	const struct zcnet_fill_desc bad[] = {
		/* crosses the region's end */
		{ .offset = RX_NBUF * RX_BUF - 100, .len = RX_BUF },
		/* starts past it */
		{ .offset = RX_NBUF * RX_BUF, .len = 64 },
		/* wraps */
		{ .offset = ~0ULL - 10, .len = RX_BUF },
		{ .offset = 2 * RX_BUF, .len = 0 },
		{ .offset = 2 * RX_BUF, .len = RX_BUF, .flags = 1 },
		{ .offset = 2 * RX_BUF, .len = RX_BUF, .flags = 0x8000 },
		/* no such region */
		{ .offset = 2 * RX_BUF, .len = RX_BUF, .region = 63 },
	};
	const unsigned int nbad = sizeof(bad) / sizeof(bad[0]);
	struct zcnet_rx_desc e[16];
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	unsigned int i;
	int np = 0;
	__u32 run = zc_new_run();

	ASSERT_NE(63U, self->id);
	/* good buffer 10 + i, then bad[i], ..., then a last good one */
	for (i = 0; i < nbad; i++) {
		struct zcnet_fill_desc d = bad[i];

		ASSERT_EQ(0, post(self, 10 + i, RX_BUF));
		if (d.region != 63)
			d.region = (__u16)self->id;
		ASSERT_EQ(0, zc_fill_push(&self->c.fill, &d));
	}
	ASSERT_EQ(0, post(self, 10 + nbad, RX_BUF));
	ASSERT_EQ(0, bind_test(self));
	SEND_FRAMES(run, 0, nbad + 1, 100 + _i);
	ASSERT_EQ(nbad + 1, rx_wait(self, e, nbad + 1, RX_WAIT_MS));
	for (i = 0; i <= nbad; i++) {
		EXPECT_EQ((10 + i) * RX_BUF, e[i].offset);
		check_frame(self, &e[i], run, i, 100 + i, msg, sizeof(msg), &np);
	}
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(nbad, st.rx_fill_rejected);
	EXPECT_EQ(nbad + 1, st.rx_frames);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	EXPECT_EQ(0U, st.ring_errors);
	/* the fill ring was consumed entirely */
	EXPECT_EQ(zc_load_acquire(self->c.fill.producer),
		  zc_load_acquire(self->c.fill.consumer));
	/* one more frame: no buffer is left, it is dropped */
	ASSERT_EQ(0, send_frame(self, run, nbad + 1, 100));
	EXPECT_EQ(1U, wait_stat(self, offsetof(struct zcnet_stats,
					       rx_drop_nobuf), 1, RX_WAIT_MS));
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
}

/* The RX eventfd fires and poll() reports POLLIN while entries wait. */
TEST_F(rx, eventfd_and_poll)
{
	struct pollfd p;
	struct zcnet_rx_desc e;
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	int np = 0;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	__u32 run = zc_new_run();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, zc_set_eventfd(self->c.fd, ZCNET_EVENTFD_RX, efd));
	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self));
	EXPECT_EQ(-EAGAIN, zc_efd_read(efd));
	p = (struct pollfd){ .fd = self->c.fd, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 0));

	ASSERT_EQ(0, send_frame(self, run, 0, 100));
	p = (struct pollfd){ .fd = efd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, RX_WAIT_MS)) TH_LOG("the RX eventfd never fired");
	EXPECT_LT(0, zc_efd_read(efd));
	p = (struct pollfd){ .fd = self->c.fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_FALSE(p.revents & POLLERR);
	EXPECT_EQ(1U, zc_cq_ready(&self->c.rx));
	ASSERT_EQ(0, zc_rx_pop(&self->c.rx, &e));
	check_frame(self, &e, run, 0, 100, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	/* consumed: no POLLIN */
	p = (struct pollfd){ .fd = self->c.fd, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_LE(1U, st.rx_signals);

	/* a second frame signals again; poll() on the zcnet fd wakes up */
	p = (struct pollfd){ .fd = self->c.fd, .events = POLLIN };
	ASSERT_EQ(0, send_frame(self, run, 1, 100));
	ASSERT_EQ(1, poll(&p, 1, RX_WAIT_MS)) TH_LOG("poll() did not wake up");
	EXPECT_TRUE(p.revents & POLLIN);
	p = (struct pollfd){ .fd = efd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, RX_WAIT_MS));
	EXPECT_LT(0, zc_efd_read(efd));
	ASSERT_EQ(0, zc_rx_pop(&self->c.rx, &e));
	check_frame(self, &e, run, 1, 100, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_LE(2U, st.rx_signals);

	/* detached: no signal */
	ASSERT_EQ(0, zc_set_eventfd(self->c.fd, ZCNET_EVENTFD_RX, -1));
	ASSERT_EQ(0, send_frame(self, run, 2, 100));
	ASSERT_EQ(1U, rx_wait(self, &e, 1, RX_WAIT_MS));
	check_frame(self, &e, run, 2, 100, msg, sizeof(msg), &np);
	EXPECT_EQ(-EAGAIN, zc_efd_read(efd));
	close(efd);
}

/* ---- steering: UDP and ethertype ---- */

static int udp_socket(int family, __u16 port)
{
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1, rcv = 4 << 20;

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	if (family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port) };

		if (bind(s, (struct sockaddr *)&a, sizeof(a)))
			goto fail;
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(port) };

		if (bind(s, (struct sockaddr *)&a, sizeof(a)))
			goto fail;
	}
	return s;
fail:
	one = -errno;
	close(s);
	return one;
}

static int udp_send(int s, int family, __u16 port, const void *buf,
		    size_t len)
{
	ssize_t n;

	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port) };

		inet_pton(AF_INET, DEFAULT_IP, &a.sin_addr);
		n = sendto(s, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(port) };

		inet_pton(AF_INET6, LOCAL_IP6, &a.sin6_addr);
		n = sendto(s, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
	}
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Payload of datagram i of a run: 100 bytes that depend on both. */
#define UDP_LEN		100U

static void udp_payload(unsigned char *p, __u32 run, unsigned int i)
{
	unsigned int j;

	memcpy(p, &run, sizeof(run));
	memcpy(p + 4, &i, sizeof(i));
	for (j = 8; j < UDP_LEN; j++)
		p[j] = (unsigned char)(run + i * 31 + j * 7);
}

/* Count datagrams on s that carry run (waiting up to timeout_ms for want). */
static unsigned int udp_count(int s, __u32 run, unsigned int want,
			      unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	unsigned char buf[2048];
	unsigned int n = 0;

	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t len = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t now;
		__u32 r;

		if (len >= 4) {
			memcpy(&r, buf, 4);
			if (r == run)
				n++;
			continue;
		}
		if (n >= want)
			return n;
		now = zc_now_ms();
		if (now >= end)
			return n;
		poll(&p, 1, end - now > 100 ? 100 : (int)(end - now));
	}
}

/* Add the IPv6 addresses (nodad), both ends; 0 or the failing command's. */
static int ip6_add(FIXTURE_DATA(rx) *self)
{
	const char *const add[] = { "ip", "-6", "addr", "add", LOCAL_IP6 "/64",
				    "dev", self->env.iface, "nodad", NULL };
	const char *const padd[] = { "ip", "-n", self->env.peer_ns, "-6", "addr",
				     "add", PEER_IP6 "/64", "dev",
				     self->env.peer_iface, "nodad", NULL };
	int rc;

	self->ip6_added = true;
	rc = zc_run(add);
	if (!rc)
		rc = zc_run(padd);
	return rc;
}

/*
 * The UDP checksum over the pseudo-header verifies (0 means none on IPv4).
 * A datagram the stack still marks CHECKSUM_PARTIAL must reach user space
 * with its checksum finished.
 */
static bool udp_csum_ok(const unsigned char *ip, bool v6, unsigned int udp_len)
{
	const unsigned char *uh = ip + (v6 ? 40 : 20);
	unsigned int k, from = v6 ? 8 : 12, to = v6 ? 40 : 20;
	__u32 sum = IPPROTO_UDP + udp_len;

	if (!v6 && !uh[6] && !uh[7])
		return true;
	for (k = from; k < to; k += 2)
		sum += (__u32)(ip[k] << 8 | ip[k + 1]);
	for (k = 0; k + 1 < udp_len; k += 2)
		sum += (__u32)(uh[k] << 8 | uh[k + 1]);
	if (udp_len & 1)
		sum += (__u32)uh[udp_len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * A UDP datagram (run, i) to port, as received: Ethernet, IPv4 or IPv6
 * without options, UDP, the payload.
 */
static void check_udp(FIXTURE_DATA(rx) *self, const struct zcnet_rx_desc *e,
		      __u16 port, __u32 run, bool *seen4, bool *seen6,
		      unsigned int n, char *msg, size_t size, int *np)
{
	unsigned char *p = rx_take(self, e, msg, size, np);
	unsigned char want[UDP_LEN];
	unsigned int ip_len, i;
	__u16 type, dport;
	__u32 r;
	bool v6;

	if (!p)
		return;
	if (e->flags != ZCNET_RX_COPIED || e->len != e->frame_len)
		zc_problem(msg, size, np, "udp: flags 0x%x len %u frame_len %u",
			   e->flags, e->len, e->frame_len);
	if (e->len < ZC_ETH_HLEN + 20) {
		zc_problem(msg, size, np, "udp: a %u-byte frame", e->len);
		return;
	}
	if (memcmp(p, self->nif.mac, ZC_ETH_ALEN) ||
	    memcmp(p + ZC_ETH_ALEN, self->peer.mac, ZC_ETH_ALEN))
		zc_problem(msg, size, np, "udp: wrong MAC addresses");
	type = (__u16)(p[12] << 8 | p[13]);
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6_) {
		zc_problem(msg, size, np, "udp: ethertype 0x%04x", type);
		return;
	}
	v6 = type == ETH_P_IPV6_;
	ip_len = v6 ? 40 : 20;
	if (e->len != ZC_ETH_HLEN + ip_len + 8 + UDP_LEN) {
		zc_problem(msg, size, np, "udp: a %u-byte IPv%d frame", e->len,
			   v6 ? 6 : 4);
		return;
	}
	if ((v6 && p[ZC_ETH_HLEN + 6] != IPPROTO_UDP) ||
	    (!v6 && (p[ZC_ETH_HLEN] != 0x45 ||
		     p[ZC_ETH_HLEN + 9] != IPPROTO_UDP)))
		zc_problem(msg, size, np, "udp: not UDP over IPv%d", v6 ? 6 : 4);
	dport = (__u16)(p[ZC_ETH_HLEN + ip_len + 2] << 8 |
			p[ZC_ETH_HLEN + ip_len + 3]);
	if (dport != port)
		zc_problem(msg, size, np, "udp: to port %u", dport);
	if (!udp_csum_ok(p + ZC_ETH_HLEN, v6, 8 + UDP_LEN))
		zc_problem(msg, size, np, "udp: IPv%d checksum does not verify",
			   v6 ? 6 : 4);
	p += ZC_ETH_HLEN + ip_len + 8;
	memcpy(&r, p, 4);
	memcpy(&i, p + 4, 4);
	if (r != run || i >= n) {
		zc_problem(msg, size, np, "udp: a datagram of another run");
		return;
	}
	udp_payload(want, run, i);
	if (memcmp(p, want, UDP_LEN))
		zc_problem(msg, size, np, "udp: datagram %u payload differs", i);
	if (v6 ? seen6[i] : seen4[i])
		zc_problem(msg, size, np, "udp: datagram %u (IPv%d) twice", i,
			   v6 ? 6 : 4);
	if (v6)
		seen6[i] = true;
	else
		seen4[i] = true;
}

/*
 * MATCH_UDP on port P takes IPv4 and IPv6 datagrams to P; sockets on P in
 * this namespace get none of them, while sockets on Q get all of theirs.
 * After UNBIND the sockets on P receive again.
 */
TEST_F(rx, udp_match_v4_v6_and_unbind)
{
	const unsigned int n = 10;
	int p4, p6, q4, q6, s4, s6;
	unsigned char buf[UDP_LEN];
	struct zcnet_rx_desc e[2 * 10 + 1];
	bool seen4[10] = { false }, seen6[10] = { false };
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	unsigned int i, got;
	int np = 0;
	__u32 run = zc_new_run();

	ASSERT_EQ(0, ip6_add(self)) TH_LOG("adding IPv6 addresses");
	p4 = udp_socket(AF_INET, UDP_PORT_P);
	p6 = udp_socket(AF_INET6, UDP_PORT_P);
	q4 = udp_socket(AF_INET, UDP_PORT_Q);
	q6 = udp_socket(AF_INET6, UDP_PORT_Q);
	ASSERT_LE(0, p4);
	ASSERT_LE(0, p6);
	ASSERT_LE(0, q4);
	ASSERT_LE(0, q6);
	s4 = peer_socket(self, AF_INET, SOCK_DGRAM, 0);
	s6 = peer_socket(self, AF_INET6, SOCK_DGRAM, 0);
	ASSERT_LE(0, s4);
	ASSERT_LE(0, s6);

	/* neighbours resolved first, so that nothing waits in a queue */
	udp_payload(buf, run ^ 1, 0);
	ASSERT_EQ(0, udp_send(s4, AF_INET, UDP_PORT_Q, buf, UDP_LEN));
	ASSERT_EQ(0, udp_send(s6, AF_INET6, UDP_PORT_Q, buf, UDP_LEN));
	ASSERT_EQ(1U, udp_count(q4, run ^ 1, 1, RX_WAIT_MS));
	ASSERT_EQ(1U, udp_count(q6, run ^ 1, 1, RX_WAIT_MS));

	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_rx(self->c.fd, ZCNET_BIND_RX, self->nif.ifindex,
			     ZCNET_RX_MATCH_UDP, 0, UDP_PORT_P));
	for (i = 0; i < n; i++) {
		udp_payload(buf, run, i);
		ASSERT_EQ(0, udp_send(s4, AF_INET, UDP_PORT_P, buf, UDP_LEN));
		ASSERT_EQ(0, udp_send(s6, AF_INET6, UDP_PORT_P, buf, UDP_LEN));
		ASSERT_EQ(0, udp_send(s4, AF_INET, UDP_PORT_Q, buf, UDP_LEN));
		ASSERT_EQ(0, udp_send(s6, AF_INET6, UDP_PORT_Q, buf, UDP_LEN));
	}
	got = rx_wait(self, e, 2 * n, RX_WAIT_MS);
	EXPECT_EQ(2 * n, got);
	for (i = 0; i < got; i++)
		check_udp(self, &e[i], UDP_PORT_P, run, seen4, seen6, n, msg,
			  sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	/* Q's sockets got everything */
	EXPECT_EQ(n, udp_count(q4, run, n, RX_WAIT_MS));
	EXPECT_EQ(n, udp_count(q6, run, n, RX_WAIT_MS));
	/* P's got nothing, and nothing more came to the ring */
	EXPECT_EQ(0U, udp_count(p4, run, 0, 0));
	EXPECT_EQ(0U, udp_count(p6, run, 0, 0));
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(2 * n, st.rx_frames);
	EXPECT_EQ(2 * n * (ZC_ETH_HLEN + 8 + UDP_LEN) + n * (20 + 40),
		  st.rx_bytes);
	EXPECT_LE(2 * n, st.rx_filter_miss);

	/* unbound: P's sockets receive again, the ring gets nothing */
	ASSERT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
	for (i = 0; i < n; i++) {
		udp_payload(buf, run + 1, i);
		ASSERT_EQ(0, udp_send(s4, AF_INET, UDP_PORT_P, buf, UDP_LEN));
		ASSERT_EQ(0, udp_send(s6, AF_INET6, UDP_PORT_P, buf, UDP_LEN));
	}
	EXPECT_EQ(n, udp_count(p4, run + 1, n, RX_WAIT_MS));
	EXPECT_EQ(n, udp_count(p6, run + 1, n, RX_WAIT_MS));
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(2 * n, st.rx_frames);
	close(p4);
	close(p6);
	close(q4);
	close(q6);
	close(s4);
	close(s6);
}

/*
 * MATCH_ETHERTYPE takes only that ethertype: ping and UDP keep working,
 * and are counted as filter misses.
 */
TEST_F(rx, ethertype_match_only)
{
	static const char *const ping[] = { "ping", "-c", "3", "-W", "5",
					    PEER_IP, NULL };
	const unsigned int n = 10;
	struct zcnet_rx_desc e[16];
	unsigned char buf[UDP_LEN];
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	unsigned int i;
	int q4, s4, np = 0;
	__u32 run = zc_new_run();

	q4 = udp_socket(AF_INET, UDP_PORT_Q);
	ASSERT_LE(0, q4);
	s4 = peer_socket(self, AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s4);
	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self));

	EXPECT_EQ(0, zc_run(ping)) TH_LOG("ping %s failed while bound", PEER_IP);
	for (i = 0; i < n; i++) {
		udp_payload(buf, run, i);
		ASSERT_EQ(0, udp_send(s4, AF_INET, UDP_PORT_Q, buf, UDP_LEN));
		ASSERT_EQ(0, send_frame(self, run, i, 60 + i));
	}
	EXPECT_EQ(n, udp_count(q4, run, n, RX_WAIT_MS));
	ASSERT_EQ(n, rx_wait(self, e, n, RX_WAIT_MS));
	for (i = 0; i < n; i++)
		check_frame(self, &e[i], run, i, 60 + i, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	zc_sleep_ms(100);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(n, st.rx_frames);
	/* 3 echo replies and n datagrams at least */
	EXPECT_LE(3U + n, st.rx_filter_miss);
	close(q4);
	close(s4);
}

/* ---- device state, TX and RX together ---- */

/*
 * The link goes down while the peer keeps sending: nothing hangs, the
 * context stays usable; up again, frames are received as before.
 */
TEST_F(rx, link_down_up_while_receiving)
{
	struct zcnet_rx_desc e[64];
	struct zcnet_stats st;
	char msg[MSG_LEN] = "";
	unsigned int i, got;
	uint64_t end;
	__u32 seq = 0;
	int np = 0;
	__u32 run = zc_new_run();

	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_test(self));
	SEND_FRAMES(run, 0, 20, 500);
	ASSERT_EQ(20U, rx_wait(self, e, 20, RX_WAIT_MS));
	for (i = 0; i < 20; i++)
		check_frame(self, &e[i], run, i, 500, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	ASSERT_EQ(0, post_all(self));

	self->link_changed = true;
	ASSERT_EQ(0, zc_netif_set_up(self->env.iface, false));
	/* the peer keeps sending for a while */
	end = zc_now_ms() + 500;
	seq = 1000;
	while (zc_now_ms() < end) {
		struct zcnet_rx_desc x;

		ASSERT_EQ(0, send_frame(self, run, seq++, 500));
		/* whatever arrives must be one of them, whole */
		while (!zc_rx_pop(&self->c.rx, &x)) {
			unsigned char *f = self->mem + x.offset;
			__u32 r = 0, s = 0;

			if (x.region != self->id || x.offset >= self->mem_len ||
			    x.len != 500 ||
			    zc_frame_tag(f, x.len, &r, &s) || r != run) {
				zc_problem(msg, sizeof(msg), &np,
					   "while down: a wrong entry");
				continue;
			}
			check_frame(self, &x, run, s, 500, msg, sizeof(msg),
				    &np);
		}
		zc_sleep_ms(5);
	}
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(0U, st.ring_errors);
	ASSERT_EQ(0, restore_link(self));
	self->link_changed = false;
	/*
	 * A context still usable: receive goes on. Frames the peer sent while
	 * the link was down may still come first (the virtual NIC holds them
	 * until its receive queue is back); they must be whole, too.
	 */
	ASSERT_EQ(0, post_all(self));
	SEND_FRAMES(run, 100, 20, 700);
	np = 0;
	msg[0] = '\0';
	got = 0;
	end = zc_now_ms() + RX_WAIT_MS;
	while (got < 20 && zc_now_ms() < end) {
		unsigned char *f;
		__u32 r = 0, s = 0;

		if (rx_wait(self, e, 1, 100) != 1)
			continue;
		f = self->mem + e[0].offset;
		if (e[0].region == self->id && e[0].offset < self->mem_len &&
		    e[0].len >= ZC_FRAME_TAGGED &&
		    !zc_frame_tag(f, e[0].len, &r, &s) && r == run &&
		    s >= 1000 && s < seq) {
			check_frame(self, &e[0], run, s, 500, msg, sizeof(msg),
				    &np);
			continue;
		}
		check_frame(self, &e[0], run, 100 + got, 700, msg, sizeof(msg),
			    &np);
		got++;
		ASSERT_EQ(0, post_all(self));
	}
	EXPECT_EQ(20U, got) TH_LOG("after the link came back up");
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	EXPECT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_test(self));
}

/*
 * One context bound TX|RX: frames to the peer with TX while frames from
 * the peer are received, interleaved.
 */
TEST_F(rx, tx_and_rx_together)
{
	const unsigned int total = 256, chunk = 32, len = 700;
	unsigned char *txmem;
	size_t txlen = (size_t)total * ZC_SLOT;	/* no slot is reused */
	struct zcnet_rx_desc e[32];
	struct zcnet_cq_entry cqe[32];
	struct zc_rx_expect *exp;
	struct zc_rx_report rep;
	struct zc_ctx c;
	char msg[MSG_LEN] = "";
	unsigned int i, k, done = 0, completed = 0, bad_cq = 0;
	__u32 txid, rid, run = zc_new_run(), trun = zc_new_run();
	int peer_rx, np = 0;
	struct zc_netif pn;

	if (!(zc_features() & ZCNET_FEAT_TX_RAW))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_RAW");
	peer_rx = zc_peer_open(&self->env, ZC_ETH_P_TEST, &pn);
	ASSERT_LE(0, peer_rx);
	txmem = zc_alloc_pages(txlen / zc_page_size());
	ASSERT_NE(NULL, txmem);
	exp = calloc(total, sizeof(*exp));
	ASSERT_NE(NULL, exp);
	/* a context of its own, with the fixture's buffers */
	ASSERT_EQ(0, zc_ctx_open(&c, 64, 64, RX_RING, RX_RING));
	ASSERT_EQ(0, zc_reg(c.fd, self->mem, self->mem_len, &rid));
	ASSERT_EQ(0, zc_reg(c.fd, txmem, txlen, &txid));
	zc_ctx_close(&self->c);
	self->c = c;
	self->id = rid;
	memset(self->posted, 0, sizeof(self->posted));
	ASSERT_EQ(0, post_all(self));
	ASSERT_EQ(0, bind_rx(c.fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
			     self->nif.ifindex, ZCNET_RX_MATCH_ETHERTYPE,
			     ZC_ETH_P_TEST, 0));

	while (done < total) {
		unsigned int slot0 = done;

		for (k = 0; k < chunk; k++) {
			unsigned char *f = txmem + (size_t)(slot0 + k) * ZC_SLOT;
			struct zcnet_tx_desc d = zc_raw((__u16)txid,
							(__u64)(slot0 + k) * ZC_SLOT,
							len, done + k);

			zc_frame_fill(f, len, self->peer.mac, self->nif.mac,
				      trun, done + k);
			exp[done + k].data = f;
			exp[done + k].len = len;
			exp[done + k].want = 1;
			ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
		}
		ASSERT_LE(0, zc_kick(self->c.fd, 0));
		SEND_FRAMES(run, done, chunk, len + 1);
		ASSERT_EQ(chunk, rx_wait(self, e, chunk, RX_WAIT_MS));
		for (k = 0; k < chunk; k++)
			check_frame(self, &e[k], run, done + k, len + 1, msg,
				    sizeof(msg), &np);
		ASSERT_EQ(0, post_all(self));
		/* all of this chunk's completions before the next chunk */
		do {
			if (zc_tx_pending(&self->c.tx))
				zc_kick(self->c.fd, 0);
			k = zc_cq_collect(&self->c, cqe,
					  done + chunk - completed,
					  ZC_CQ_WAIT_MS);
			for (i = 0; i < k; i++) {
				if (cqe[i].result != (__s32)len ||
				    cqe[i].cookie < done ||
				    cqe[i].cookie >= done + chunk)
					bad_cq++;
			}
			completed += k;
		} while (k && completed < done + chunk);
		ASSERT_EQ(done + chunk, completed);
		done += chunk;
	}
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	EXPECT_EQ(0U, bad_cq);
	zc_rx_expect(peer_rx, trun, exp, total, ZC_RX_WAIT_MS, &rep);
	msg[0] = '\0';
	np = 0;
	zc_rx_problems("peer", &rep, true, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	/* transmitted frames are not received by our own RX */
	EXPECT_EQ(0U, zc_cq_ready(&self->c.rx));
	EXPECT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_TX | ZCNET_BIND_RX));
	zc_ctx_close(&self->c);
	close(peer_rx);
	free(exp);
	munmap(txmem, txlen);
}

/* ---- the zcnet-recv tool ---- */

/* Start argv with stdout and stderr on pipes; pid or -errno. */
static pid_t spawn(const char *const argv[], int *out, int *err)
{
	int po[2], pe[2];
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return -errno;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -errno;
	}
	pid = zc_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	*out = po[0];
	*err = pe[0];
	return pid;
}

/* Read fd into buf (NUL-terminated) until it holds what, EOF or timeout. */
static bool read_until(int fd, char *buf, size_t size, size_t *used,
		       const char *what, unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now;
		ssize_t n;

		buf[*used] = '\0';
		if (what && strstr(buf, what))
			return true;
		now = zc_now_ms();
		if (now >= end || *used + 1 >= size)
			return false;
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		n = read(fd, buf + *used, size - 1 - *used);
		if (n <= 0)
			return !what;
		*used += (size_t)n;
	}
}

/* Wait for pid up to timeout_ms (then SIGKILL); its exit status or -1. */
static int wait_exit(pid_t pid, unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	int status;

	while (zc_now_ms() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		zc_sleep_ms(20);
	}
	zc_kill_wait(pid);
	return -1;
}

/*
 * zcnet-recv receives what zcnet-send --method afp sends from the peer
 * namespace and verifies all of it; a second zcnet-recv on the same device
 * is refused with the receive-handler message.
 */
TEST_F(rx, recv_tool)
{
	const char *dir = getenv("ZCNET_TOOLS");
	char recv[256], afp[256], mac[18], out[8192], err[8192], err2[4096];
	size_t oused = 0, eused = 0, e2used = 0;
	int ofd, efd, ofd2, efd2, rc;
	pid_t pid, pid2;

	if (!dir || !*dir)
		SKIP(return, "ZCNET_TOOLS not set: zcnet-recv not run");
	snprintf(recv, sizeof(recv), "%s/zcnet-recv", dir);
	snprintf(afp, sizeof(afp), "%s/zcnet-send", dir);
	if (access(recv, X_OK) || access(afp, X_OK))
		SKIP(return, "no zcnet-recv or zcnet-send in %s", dir);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 self->nif.mac[0], self->nif.mac[1], self->nif.mac[2],
		 self->nif.mac[3], self->nif.mac[4], self->nif.mac[5]);
	{
		const char *const rargv[] = { recv, "-i", self->env.iface,
					      "-n", "500", "-r", "1024",
					      "--idle-timeout", "30", "-j",
					      NULL };
		const char *const r2argv[] = { recv, "-i", self->env.iface,
					       "-n", "1", NULL };
		const char *const sargv[] = { "ip", "netns", "exec",
					      self->env.peer_ns, afp,
					      "--method", "afp",
					      "-i", self->env.peer_iface, "-d",
					      mac, "-s", "1000", "-n", "500",
					      NULL };

		pid = spawn(rargv, &ofd, &efd);
		ASSERT_LT(0, pid);
		ASSERT_TRUE(read_until(efd, err, sizeof(err), &eused,
				       "receiving", RX_WAIT_MS))
			TH_LOG("zcnet-recv did not start: %s", err);
		/* a second receiver on the same device is refused */
		pid2 = spawn(r2argv, &ofd2, &efd2);
		ASSERT_LT(0, pid2);
		read_until(efd2, err2, sizeof(err2), &e2used, NULL, RX_WAIT_MS);
		EXPECT_EQ(1, wait_exit(pid2, RX_WAIT_MS));
		EXPECT_NE(NULL, strstr(err2, "already has a receive handler"))
			TH_LOG("second zcnet-recv said: %s", err2);
		close(ofd2);
		close(efd2);
		/* 500 frames fit the 1024 posted buffers: none may be lost */
		EXPECT_EQ(0, zc_run(sargv)) TH_LOG("zcnet-send --method afp failed");
		read_until(ofd, out, sizeof(out), &oused, NULL, 30000);
		rc = wait_exit(pid, 30000);
		read_until(efd, err, sizeof(err), &eused, NULL, 1000);
	}
	EXPECT_EQ(0, rc) TH_LOG("zcnet-recv: %s %s", out, err);
	EXPECT_NE(NULL, strstr(out, "\"frames\": 500,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"verified\": 500,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"lost\": 0,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"rx_drop_nobuf\": 0,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"ok\": true")) TH_LOG("%s", out);
	close(ofd);
	close(efd);
}

/*
 * --interval 0.2 -j on raw frames: zcnet-send --method afp in the peer's
 * namespace sends to zcnet-recv (zcnet) here for 1.2 s, then zcnet-send
 * (zcnet) here to zcnet-recv --method afp there. Every tool prints more
 * than one progress line (the senders run 1.2 s and the receivers longer,
 * and each loop comes round every 0.1 s at the latest), which check as
 * zc_progress_check() says; the receivers may lose frames (the senders
 * have no flow control), so their status is 0 or 1.
 */
TEST_F_TIMEOUT(rx, tools_interval, 120)
{
	char mac[18], rbuf[16384], sbuf[16384], why[512];
	const char *const recv_zc[] = { "zcnet-recv", "-i", self->env.iface,
					"--idle-timeout", "2", "--interval",
					"0.2", "-j", NULL };
	const char *const send_afp[] = { "zcnet-send", "--method", "afp",
					 "-i", self->env.peer_iface, "-d", mac,
					 "-s", "1000", "-t", "1.2",
					 "--interval", "0.2", "-j", NULL };
	const char *const recv_afp[] = { "zcnet-recv", "--method", "afp",
					 "-i", self->env.peer_iface,
					 "--idle-timeout", "2", "--interval",
					 "0.2", "-j", NULL };
	const char *const send_zc[] = { "zcnet-send", "-i", self->env.iface,
					"-s", "1000", "-t", "1.2",
					"--interval", "0.2", "-j", NULL };
	const char *const *rargv, *const *sargv;
	const char *rns, *sns;
	int rout, sout, rst, sst, round;
	pid_t r, s;

	if (!getenv("ZCNET_TOOLS"))
		SKIP(return, "ZCNET_TOOLS not set: the tools not run");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 self->nif.mac[0], self->nif.mac[1], self->nif.mac[2],
		 self->nif.mac[3], self->nif.mac[4], self->nif.mac[5]);
	for (round = 0; round < 2; round++) {
		rargv = round ? recv_afp : recv_zc;
		sargv = round ? send_zc : send_afp;
		rns = round ? self->env.peer_ns : NULL;
		sns = round ? NULL : self->env.peer_ns;
		r = zc_tool_start(rns, rargv, &rout);
		ASSERT_LT(0, r);
		EXPECT_TRUE(zc_tool_wait_for(rout, rbuf, sizeof(rbuf),
					     "receiving"))
			TH_LOG("%s: %s", rargv[0], rbuf);
		sbuf[0] = 0;
		s = zc_tool_start(sns, sargv, &sout);
		ASSERT_LT(0, s);
		sst = zc_tool_finish(s, sout, sbuf, sizeof(sbuf));
		rst = zc_tool_finish(r, rout, rbuf, sizeof(rbuf));
		EXPECT_EQ(0, sst) TH_LOG("round %d, zcnet-send: %s", round,
					 sbuf);
		EXPECT_GE(1, rst) TH_LOG("round %d, zcnet-recv: %s", round,
					 rbuf);
		EXPECT_LE(2, zc_progress_check(sbuf, "frames", why,
					       sizeof(why)))
			TH_LOG("round %d, zcnet-send: %s: %s", round, why, sbuf);
		EXPECT_LE(2, zc_progress_check(rbuf, "frames", why,
					       sizeof(why)))
			TH_LOG("round %d, zcnet-recv: %s: %s", round, why, rbuf);
		/* the methods that count them: copies, errors, drops */
		EXPECT_EQ(round, !!strstr(sbuf, "\"total_copied\":"));
		EXPECT_EQ(round, !!strstr(sbuf, "\"total_errors\":"));
		EXPECT_EQ(!round, !!strstr(rbuf, "\"total_copied\":"));
		EXPECT_NE(NULL, strstr(rbuf, "\"total_errors\":"));
		EXPECT_NE(NULL, strstr(rbuf, "\"total_drops\":"));
	}
}

TEST_HARNESS_MAIN
