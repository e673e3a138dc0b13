// SPDX-License-Identifier: GPL-2.0
/*
 * Many receive contexts on one device: the dispatch order between rules
 * and queues, EBUSY for the same rule on the same queue, every frame to at
 * most one context while other contexts bind and unbind, and the device's
 * rx_handler given back when the last context unbinds.
 *
 * The peer namespace sends three kinds of frame through a packet socket:
 * test frames (ZC_ETH_P_TEST), frames of another ethertype, and IPv4 UDP
 * datagrams. Each carries (run, kind, seq) at one offset, so whichever
 * context receives it, the test knows which frame it is and who got it.
 */
#include <fcntl.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define SH_NCTX		8
#define SH_BUF		2048U
#define SH_NBUF		128U
#define SH_MEM		((size_t)SH_NBUF * SH_BUF)
#define SH_RING		256U
#define SH_LEN		128U
#define SH_TAG_OFF	42U	/* past the Ethernet, IPv4 and UDP headers */
#define SH_MAGIC	0x7a637273u
#define SH_WAIT_MS	10000U
#define SH_MAX_SEQ	4096U
#define SH_BURST	32U
#define ETH_P_OTHER	0x88b6	/* IEEE 802 local experimental 2 */
#define UDP_PORT	40011

enum sh_kind { SH_TEST, SH_OTHER, SH_UDP, SH_NKINDS };

struct sh_ctx {
	struct zc_ctx c;
	unsigned char *mem;
	__u32 id;
	bool open;
	unsigned int got[SH_NKINDS];
};

FIXTURE(rxshare) {
	struct zc_env env;
	struct zc_netif nif, peer;
	int send_fd;
	int nrxq;
	__u32 run;
	struct sh_ctx x[SH_NCTX];
	/* 1 + the index of the context that got frame (kind, seq), or 0 */
	unsigned char who[SH_NKINDS][SH_MAX_SEQ];
	unsigned int dups, strays;
	unsigned char frame[SH_LEN];
};

/* ---- contexts ---- */

static int sh_post(struct sh_ctx *x, __u64 offset)
{
	struct zcnet_fill_desc d = {
		.offset = offset, .len = SH_BUF, .region = (__u16)x->id,
	};

	return zc_fill_push(&x->c.fill, &d);
}

static void sh_close(struct sh_ctx *x)
{
	if (x->open)
		zc_ctx_close(&x->c);
	x->open = false;
	if (x->mem)
		munmap(x->mem, SH_MEM);
	x->mem = NULL;
}

/* A context with FILL and RX rings and every buffer posted; 0 or -errno. */
static long sh_open(struct sh_ctx *x)
{
	unsigned int i;
	long ret;

	memset(x, 0, sizeof(*x));
	x->mem = zc_alloc_pages(SH_MEM / zc_page_size());
	if (!x->mem)
		return -ENOMEM;
	ret = zc_ctx_open(&x->c, 0, 0, SH_RING, SH_RING);
	if (ret)
		return ret;
	x->open = true;
	ret = zc_reg(x->c.fd, x->mem, SH_MEM, &x->id);
	for (i = 0; !ret && i < SH_NBUF; i++)
		ret = sh_post(x, (__u64)i * SH_BUF);
	return ret;
}

/* RX bind with a rule, on queue (or any queue when queue < 0). */
static long sh_bind_fd(int fd, int ifindex, __u32 match, __u16 value,
		       int queue)
{
	return zc_bind_rx(fd, ZCNET_BIND_RX |
			  (queue >= 0 ? ZCNET_BIND_RX_QUEUE : 0), ifindex,
			  match, value, queue >= 0 ? (__u32)queue : 0);
}

static long sh_bind(FIXTURE_DATA(rxshare) *self, int i, __u32 match,
		    __u16 value, int queue)
{
	return sh_bind_fd(self->x[i].c.fd, self->nif.ifindex, match, value,
			  queue);
}

/* ---- frames ---- */

static void sh_be16(unsigned char *p, unsigned int v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void sh_frame(FIXTURE_DATA(rxshare) *self, enum sh_kind kind,
		     __u32 seq)
{
	static const unsigned char saddr[4] = { 10, 99, 0, 2 };
	static const unsigned char daddr[4] = { 10, 99, 0, 1 };
	__u32 tag[4] = { htonl(SH_MAGIC), htonl(self->run), htonl(kind),
			 htonl(seq) };
	unsigned char *p = self->frame;
	unsigned int i, sum = 0;

	for (i = 0; i < SH_LEN; i++)
		p[i] = (unsigned char)(seq + i * 3);
	memcpy(p, self->nif.mac, ZC_ETH_ALEN);
	memcpy(p + ZC_ETH_ALEN, self->peer.mac, ZC_ETH_ALEN);
	sh_be16(p + 12, kind == SH_TEST ? ZC_ETH_P_TEST :
			kind == SH_OTHER ? ETH_P_OTHER : 0x0800);
	if (kind == SH_UDP) {
		memset(p + 14, 0, 28);
		p[14] = 0x45;
		sh_be16(p + 16, SH_LEN - 14);
		p[22] = 64;
		p[23] = IPPROTO_UDP;
		memcpy(p + 26, saddr, 4);
		memcpy(p + 30, daddr, 4);
		for (i = 14; i < 34; i += 2)
			sum += (unsigned int)p[i] << 8 | p[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sh_be16(p + 24, ~sum & 0xffff);
		sh_be16(p + 34, 40000);
		sh_be16(p + 36, UDP_PORT);
		sh_be16(p + 38, SH_LEN - 34);	/* checksum 0: none */
	}
	memcpy(p + SH_TAG_OFF, tag, sizeof(tag));
}

static int sh_send(FIXTURE_DATA(rxshare) *self, enum sh_kind kind, __u32 seq)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->peer.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	ssize_t n;

	sh_frame(self, kind, seq);
	memcpy(&sll.sll_protocol, self->frame + 12, 2);
	memcpy(sll.sll_addr, self->nif.mac, ZC_ETH_ALEN);
	for (;;) {
		n = sendto(self->send_fd, self->frame, SH_LEN, 0,
			   (struct sockaddr *)&sll, sizeof(sll));
		if (n >= 0 || errno != ENOBUFS)
			break;
		zc_sleep_ms(1);
	}
	if (n < 0)
		return -errno;
	return n == SH_LEN ? 0 : -EIO;
}

/* Record one RX entry of context i, and post its buffer again. */
static void sh_note(FIXTURE_DATA(rxshare) *self, int i,
		    const struct zcnet_rx_desc *e, unsigned int *n)
{
	struct sh_ctx *x = &self->x[i];
	__u32 tag[4], kind, seq;

	if (e->region != x->id || e->offset % SH_BUF || e->offset >= SH_MEM ||
	    e->data) {
		self->strays++;
		return;
	}
	if (e->len >= SH_TAG_OFF + sizeof(tag)) {
		memcpy(tag, x->mem + e->offset + SH_TAG_OFF, sizeof(tag));
		kind = ntohl(tag[2]);
		seq = ntohl(tag[3]);
		if (ntohl(tag[0]) != SH_MAGIC || ntohl(tag[1]) != self->run)
			;	/* not ours: the guest's own traffic */
		else if (kind >= SH_NKINDS || seq >= SH_MAX_SEQ)
			self->strays++;
		else if (self->who[kind][seq])
			self->dups++;
		else {
			self->who[kind][seq] = (unsigned char)(i + 1);
			x->got[kind]++;
			(*n)++;
		}
	}
	sh_post(x, e->offset);
}

/* Pop every open context's RX ring; returns how many of our frames. */
static unsigned int sh_drain(FIXTURE_DATA(rxshare) *self)
{
	struct zcnet_rx_desc e;
	unsigned int n = 0;
	int i;

	for (i = 0; i < SH_NCTX; i++)
		while (self->x[i].open && !zc_rx_pop(&self->x[i].c.rx, &e))
			sh_note(self, i, &e, &n);
	return n;
}

/* Drain until want of our frames came or SH_WAIT_MS passed; how many. */
static unsigned int sh_collect(FIXTURE_DATA(rxshare) *self, unsigned int want)
{
	uint64_t end = zc_now_ms() + SH_WAIT_MS;
	unsigned int n = sh_drain(self);

	while (n < want && zc_now_ms() < end) {
		zc_sleep_ms(2);
		n += sh_drain(self);
	}
	return n;
}

/* Send frames first..first+count-1 of kind in bursts; how many arrived. */
static unsigned int sh_exchange(FIXTURE_DATA(rxshare) *self,
				enum sh_kind kind, __u32 first,
				unsigned int count)
{
	unsigned int got = 0, i, b;

	for (i = 0; i < count; i += b) {
		b = count - i < SH_BURST ? count - i : SH_BURST;
		for (__u32 s = first + i; s < first + i + b; s++)
			if (sh_send(self, kind, s))
				return got;
		got += sh_collect(self, b);
	}
	return got;
}

/* How many of frames first..first+count-1 of kind context i got. */
static unsigned int sh_got_by(FIXTURE_DATA(rxshare) *self, enum sh_kind kind,
			      __u32 first, unsigned int count, int i)
{
	unsigned int n = 0;
	__u32 s;

	for (s = first; s < first + count; s++)
		n += self->who[kind][s] == i + 1;
	return n;
}

/* ---- fixture ---- */

FIXTURE_SETUP(rxshare)
{
	const char *why;
	int ret;

	memset(self->x, 0, sizeof(self->x));
	memset(self->who, 0, sizeof(self->who));
	self->dups = self->strays = 0;
	self->send_fd = -1;
	why = zc_fixture_skip(ZCNET_FEAT_RX | ZCNET_FEAT_RX_SHARED, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	self->nrxq = zc_netif_rx_queues(self->env.iface);
	ASSERT_LE(1, self->nrxq);
	ret = zc_peer_open(&self->env, ETH_P_OTHER, &self->peer);
	ASSERT_LE(0, ret) TH_LOG("packet socket in %s: %s", self->env.peer_ns,
				 strerror(-ret));
	self->send_fd = ret;
	self->run = zc_new_run();
}

FIXTURE_TEARDOWN(rxshare)
{
	int i;

	for (i = 0; i < SH_NCTX; i++)
		sh_close(&self->x[i]);
	if (self->send_fd >= 0)
		close(self->send_fd);
}

/* ---- binding ---- */

TEST_F(rxshare, same_rule_same_queue_ebusy)
{
	int i, top = self->nrxq;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, sh_open(&self->x[i]));
	/* a queue the device does not have, and fields without the flag */
	EXPECT_EQ(-EINVAL, sh_bind_fd(self->x[0].c.fd, self->nif.ifindex,
				      ZCNET_RX_MATCH_ETHERTYPE, ETH_P_OTHER,
				      top));
	{
		struct zcnet_bind b = {
			.size = sizeof(b), .flags = ZCNET_BIND_RX,
			.ifindex = (__u32)self->nif.ifindex,
			.queue = ZCNET_QUEUE_ANY,
			.rx_match = ZCNET_RX_MATCH_ALL, .rx_queue = 1,
		};

		EXPECT_EQ(-EINVAL, zc_ioctl(self->x[0].c.fd, ZCNET_IOC_BIND,
					    &b));
		b.flags = ZCNET_BIND_TX | ZCNET_BIND_RX_QUEUE;
		b.rx_match = 0;
		b.rx_queue = 0;
		EXPECT_EQ(-EINVAL, zc_ioctl(self->x[0].c.fd, ZCNET_IOC_BIND,
					    &b));
		b.flags = ZCNET_BIND_RX_QUEUE;
		EXPECT_EQ(-EINVAL, zc_ioctl(self->x[0].c.fd, ZCNET_IOC_BIND,
					    &b));
	}
	ASSERT_EQ(0, sh_bind(self, 0, ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST,
			     -1));
	/* the same rule on any queue again */
	EXPECT_EQ(-EBUSY, sh_bind(self, 1, ZCNET_RX_MATCH_ETHERTYPE,
				  ZC_ETH_P_TEST, -1));
	/* a context receives from one device, once */
	EXPECT_EQ(-EBUSY, sh_bind(self, 0, ZCNET_RX_MATCH_ALL, 0, -1));
	/* the same rule on one queue beside it, but not twice */
	EXPECT_EQ(0, sh_bind(self, 1, ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST,
			     0));
	EXPECT_EQ(-EBUSY, sh_bind(self, 2, ZCNET_RX_MATCH_ETHERTYPE,
				  ZC_ETH_P_TEST, 0));
	/* other rules share the device */
	EXPECT_EQ(0, sh_bind(self, 2, ZCNET_RX_MATCH_UDP, UDP_PORT, -1));
	EXPECT_EQ(-EBUSY, sh_bind(self, 3, ZCNET_RX_MATCH_UDP, UDP_PORT, -1));
	EXPECT_EQ(0, sh_bind(self, 3, ZCNET_RX_MATCH_UDP, UDP_PORT + 1, -1));
	EXPECT_EQ(0, sh_bind(self, 4, ZCNET_RX_MATCH_ALL, 0, -1));
	/* unbinding one frees its rule, and only its rule */
	EXPECT_EQ(0, zc_unbind(self->x[0].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->x[0].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(-EBUSY, sh_bind(self, 0, ZCNET_RX_MATCH_UDP, UDP_PORT, -1));
	EXPECT_EQ(0, sh_bind(self, 0, ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST,
			     -1));
	/* and so does closing a context */
	sh_close(&self->x[4]);
	ASSERT_EQ(0, sh_open(&self->x[4]));
	EXPECT_EQ(0, sh_bind(self, 4, ZCNET_RX_MATCH_ALL, 0, -1));
}

/* ---- dispatch ---- */

/*
 * Contexts bound from the least specific to the most: ALL on each queue,
 * ALL on any queue, the test ethertype, then UDP. Each frame must go to
 * the most specific rule, the ALL frames to the queue's own context, and
 * after an unbind, to the next in order.
 */
TEST_F(rxshare, dispatch_order)
{
	const unsigned int n = 64;
	int q, nq = self->nrxq < SH_NCTX - 3 ? self->nrxq : SH_NCTX - 3;
	int any = nq, eth = nq + 1, udp = nq + 2;
	unsigned int perq = 0, waited = 0;
	struct zcnet_stats st0, st1, su0, su1;
	__u32 seq;

	if (nq < self->nrxq)
		SKIP(return, "%d RX queues: more than the test's %d contexts",
		     self->nrxq, SH_NCTX - 3);
	for (q = 0; q < nq + 3; q++)
		ASSERT_EQ(0, sh_open(&self->x[q]));
	for (q = 0; q < nq; q++)
		ASSERT_EQ(0, sh_bind(self, q, ZCNET_RX_MATCH_ALL, 0, q));
	ASSERT_EQ(0, sh_bind(self, any, ZCNET_RX_MATCH_ALL, 0, -1));
	ASSERT_EQ(0, sh_bind(self, eth, ZCNET_RX_MATCH_ETHERTYPE,
			     ZC_ETH_P_TEST, -1));
	ASSERT_EQ(0, sh_bind(self, udp, ZCNET_RX_MATCH_UDP, UDP_PORT, -1));

	EXPECT_EQ(n, sh_exchange(self, SH_TEST, 0, n));
	EXPECT_EQ(n, sh_exchange(self, SH_UDP, 0, n));
	EXPECT_EQ(n, sh_exchange(self, SH_OTHER, 0, n));
	EXPECT_EQ(n, sh_got_by(self, SH_TEST, 0, n, eth));
	EXPECT_EQ(n, sh_got_by(self, SH_UDP, 0, n, udp));
	for (q = 0; q < nq; q++)
		perq += sh_got_by(self, SH_OTHER, 0, n, q);
	EXPECT_EQ(n, perq) TH_LOG("the ALL context on each queue comes before the one on any queue");
	EXPECT_EQ(0U, sh_got_by(self, SH_OTHER, 0, n, any));

	/* UDP unbound: its frames fall to ALL on their queue */
	ASSERT_EQ(0, zc_unbind(self->x[udp].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(n, sh_exchange(self, SH_UDP, n, n));
	EXPECT_EQ(0U, sh_got_by(self, SH_UDP, n, n, udp));
	EXPECT_EQ(0U, sh_got_by(self, SH_UDP, n, n, any));
	EXPECT_EQ(0U, sh_got_by(self, SH_UDP, n, n, eth));
	/* the queues' contexts unbound: ALL on any queue takes the rest */
	for (q = 0; q < nq; q++)
		ASSERT_EQ(0, zc_unbind(self->x[q].c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(n, sh_exchange(self, SH_OTHER, n, n));
	EXPECT_EQ(n, sh_got_by(self, SH_OTHER, n, n, any));
	EXPECT_EQ(n, sh_exchange(self, SH_TEST, n, n));
	EXPECT_EQ(n, sh_got_by(self, SH_TEST, n, n, eth));
	/* only the test ethertype bound: the others go to the stack */
	ASSERT_EQ(0, zc_unbind(self->x[any].c.fd, ZCNET_BIND_RX));
	ASSERT_EQ(0, zc_get_stats(self->x[eth].c.fd, &st0));
	EXPECT_EQ(0U, sh_exchange(self, SH_OTHER, 2 * n, n));
	do {
		ASSERT_EQ(0, zc_get_stats(self->x[eth].c.fd, &st1));
		if (st1.rx_filter_miss >= st0.rx_filter_miss + n)
			break;
		zc_sleep_ms(10);
	} while (++waited < SH_WAIT_MS / 10);
	EXPECT_LE(st0.rx_filter_miss + n, st1.rx_filter_miss);
	/*
	 * Unbound, it keeps the misses it counted and counts no more, while
	 * a context bound again counts the next misses.
	 */
	ASSERT_EQ(0, zc_unbind(self->x[eth].c.fd, ZCNET_BIND_RX));
	ASSERT_EQ(0, zc_get_stats(self->x[eth].c.fd, &st0));
	EXPECT_LE(st1.rx_filter_miss, st0.rx_filter_miss);
	ASSERT_EQ(0, sh_bind(self, udp, ZCNET_RX_MATCH_UDP, UDP_PORT, -1));
	ASSERT_EQ(0, zc_get_stats(self->x[udp].c.fd, &su0));
	for (seq = 3 * n; seq < 4 * n; seq++)
		ASSERT_EQ(0, sh_send(self, SH_OTHER, seq));
	waited = 0;
	do {
		ASSERT_EQ(0, zc_get_stats(self->x[udp].c.fd, &su1));
		if (su1.rx_filter_miss >= su0.rx_filter_miss + n)
			break;
		zc_sleep_ms(10);
	} while (++waited < SH_WAIT_MS / 10);
	EXPECT_LE(su0.rx_filter_miss + n, su1.rx_filter_miss);
	ASSERT_EQ(0, zc_get_stats(self->x[eth].c.fd, &st1));
	EXPECT_EQ(st0.rx_filter_miss, st1.rx_filter_miss);
	EXPECT_EQ(0U, sh_drain(self));
	EXPECT_EQ(0U, self->dups);
	EXPECT_EQ(0U, self->strays);
}

/*
 * One context receives a stream of test frames while a child binds,
 * unbinds and closes other contexts on the same device as fast as it can,
 * with other rules and on each queue. Every frame arrives exactly once, at
 * the one context, and none is dropped.
 */
TEST_F(rxshare, others_come_and_go_under_traffic)
{
	const unsigned int total = 3000;
	struct zcnet_stats st;
	int pfd[2], status, nq = self->nrxq;
	pid_t pid;

	ASSERT_EQ(0, sh_open(&self->x[0]));
	ASSERT_EQ(0, sh_bind(self, 0, ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST,
			     -1));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static const __u32 rule[] = { ZCNET_RX_MATCH_ALL,
					      ZCNET_RX_MATCH_UDP,
					      ZCNET_RX_MATCH_ETHERTYPE };
		struct zc_ctx c[3];
		unsigned long k;
		char stop;
		int j;

		close(pfd[1]);
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		for (k = 0; read(pfd[0], &stop, 1) < 0; k++) {
			for (j = 0; j < 3; j++) {
				uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
				long ret;

				if (zc_ctx_open(&c[j], 0, 0, 8, 8))
					_exit(2);
				/* EBUSY while a closed one's release ends */
				while ((ret = sh_bind_fd(c[j].fd,
							 self->nif.ifindex,
							 rule[j],
							 j == 1 ? UDP_PORT :
							 ETH_P_OTHER,
							 (k + j) % 2 ?
							 (int)(k % nq) : -1)) ==
				       -EBUSY && zc_now_ms() < end)
					zc_sleep_ms(1);
				if (ret) {
					fprintf(stderr, "# churn bind %d: %s\n",
						j, strerror((int)-ret));
					_exit(3);
				}
			}
			/* unbind one, close the others bound */
			if (zc_unbind(c[k % 3].fd, ZCNET_BIND_RX))
				_exit(4);
			for (j = 0; j < 3; j++)
				zc_ctx_close(&c[j]);
		}
		printf("# churn: %lu rounds of three contexts\n", k);
		_exit(k ? 0 : 5);
	}
	close(pfd[0]);
	EXPECT_EQ(total, sh_exchange(self, SH_TEST, 0, total));
	EXPECT_EQ(1, write(pfd[1], "x", 1));
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("churn child: status 0x%x", status);
	EXPECT_EQ(total, sh_got_by(self, SH_TEST, 0, total, 0));
	EXPECT_EQ(0U, self->dups);
	EXPECT_EQ(0U, self->strays);
	ASSERT_EQ(0, zc_get_stats(self->x[0].c.fd, &st));
	EXPECT_EQ(0U, st.rx_drop_nobuf);
}

/*
 * zcnet holds a device's rx_handler while any context receives from it:
 * a bridge cannot take the port until the last context unbinds.
 */
TEST_F(rxshare, last_unbind_gives_handler_back)
{
	static const char *const br[] = { "ip", "link", "add", "zcbr1", "type",
					  "bridge", NULL };
	static const char *const dm[] = { "ip", "link", "add", "zcport1",
					  "type", "dummy", NULL };
	static const char *const en[] = { "ip", "link", "set", "zcport1",
					  "master", "zcbr1", NULL };
	struct zc_netif port;
	int rc;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	rc = zc_run(br);
	if (rc)
		SKIP(return, "ip link add type bridge failed (%d): no bridge module?",
		     rc);
	ASSERT_EQ(0, zc_run(dm)) TH_LOG("ip link add type dummy");
	ASSERT_EQ(0, zc_netif_set_up("zcport1", true));
	ASSERT_EQ(0, zc_netif_get("zcport1", &port));
	ASSERT_EQ(0, sh_open(&self->x[0]));
	ASSERT_EQ(0, sh_open(&self->x[1]));
	ASSERT_EQ(0, sh_bind_fd(self->x[0].c.fd, port.ifindex,
				ZCNET_RX_MATCH_ALL, 0, -1));
	ASSERT_EQ(0, sh_bind_fd(self->x[1].c.fd, port.ifindex,
				ZCNET_RX_MATCH_UDP, UDP_PORT, -1));
	EXPECT_NE(0, zc_run(en));
	EXPECT_EQ(0, zc_unbind(self->x[0].c.fd, ZCNET_BIND_RX));
	EXPECT_NE(0, zc_run(en)) TH_LOG("one context still receives");
	sh_close(&self->x[1]);
	EXPECT_EQ(0, zc_run(en)) TH_LOG("the last context is gone");
	EXPECT_EQ(-EBUSY, sh_bind_fd(self->x[0].c.fd, port.ifindex,
				     ZCNET_RX_MATCH_ALL, 0, -1));
}

TEST_HARNESS_MAIN
