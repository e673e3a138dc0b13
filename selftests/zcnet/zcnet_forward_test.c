// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding from shared memory: one context receives UDP datagrams from
 * the peer namespace (ZCNET_BIND_RX, a UDP rule on $ZCNET_IFACE) into a
 * region, a second context that holds the same region (registered in one,
 * imported into the other) sends each frame back out of $ZCNET_IFACE
 * (ZCNET_BIND_TX) from the very pages it was received into, after
 * swapping its MAC addresses, IP addresses and UDP ports in place (which
 * leaves both checksums valid). The peer's UDP socket must receive every
 * datagram once, byte for byte.
 *
 * Without ZCNET_FEAT_REGION_IMPORT, ZCNET_FEAT_RX or ZCNET_FEAT_TX_RAW, or
 * outside the test guest (no $ZCNET_* variables), every test SKIPs.
 */
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define BUF_LEN		2048U
#define NBUF		64U
#define RING		128U
#define BATCH		8U
#define NFRAMES		256U
#define WAIT_MS		10000U
#define FWD_PORT	40017
#define DEFAULT_IP	"10.99.0.1"
#define PEER_IP		"10.99.0.2"
#define HDRS		(14 + 20 + 8)	/* Ethernet, IPv4, UDP */

FIXTURE(fwd) {
	struct zc_env env;
	struct zc_netif nif;
	struct zc_ctx rx, tx;
	unsigned char *mem;
	size_t len;
	__u32 rx_id, tx_id;	/* the region's id in each context */
	int peer;		/* UDP socket in the peer namespace */
	struct sockaddr_in to;	/* where the peer sends */
};

FIXTURE_VARIANT(fwd) {
	bool rx_registers;	/* else the TX context registers */
};

FIXTURE_VARIANT_ADD(fwd, rx_registers) { .rx_registers = true };
FIXTURE_VARIANT_ADD(fwd, tx_registers) { .rx_registers = false };

static long bind_rx_udp(int fd, int ifindex, __u16 port)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = ZCNET_BIND_RX,
		.ifindex = (__u32)ifindex,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = ZCNET_RX_MATCH_UDP,
		.rx_port = port,
	};

	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

static int post(FIXTURE_DATA(fwd) *self, __u64 offset)
{
	struct zcnet_fill_desc d = {
		.offset = offset, .len = BUF_LEN, .region = (__u16)self->rx_id,
	};

	return zc_fill_push(&self->rx.fill, &d);
}

FIXTURE_SETUP(fwd)
{
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 };
	struct zc_netif peer;
	unsigned short pport;
	const char *why;
	int s, owner;
	__u32 id, i;

	self->rx.fd = self->tx.fd = self->peer = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_REGION_IMPORT | ZCNET_FEAT_RX |
			      ZCNET_FEAT_TX_RAW, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	s = zc_peer_open(&self->env, ZC_ETH_P_TEST, &peer);
	ASSERT_LE(0, s);
	close(s);
	ASSERT_EQ(0, zc_ctx_open(&self->rx, 0, 0, RING, RING));
	ASSERT_EQ(0, zc_ctx_open(&self->tx, RING, RING, 0, 0));
	self->len = (size_t)NBUF * BUF_LEN;
	self->mem = zc_alloc_pages(self->len / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	memset(self->mem, 0xee, self->len);
	owner = variant->rx_registers ? self->rx.fd : self->tx.fd;
	ASSERT_EQ(0, zc_reg(owner, self->mem, self->len, &id));
	if (variant->rx_registers) {
		self->rx_id = id;
		ASSERT_EQ(0, zc_import(self->tx.fd, owner, id, &self->tx_id));
	} else {
		self->tx_id = id;
		ASSERT_EQ(0, zc_import(self->rx.fd, owner, id, &self->rx_id));
	}
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, post(self, (__u64)i * BUF_LEN));
	ASSERT_EQ(0, bind_rx_udp(self->rx.fd, self->nif.ifindex, FWD_PORT));
	ASSERT_EQ(0, zc_bind(self->tx.fd, ZCNET_BIND_TX,
			     (__u32)self->nif.ifindex, ZCNET_QUEUE_ANY));
	self->peer = zc_udp_bind(self->env.peer_ns, PEER_IP, &pport);
	ASSERT_LE(0, self->peer);
	ASSERT_EQ(0, setsockopt(self->peer, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	self->to.sin_family = AF_INET;
	self->to.sin_port = htons(FWD_PORT);
	inet_pton(AF_INET, self->env.local_ip ? self->env.local_ip : DEFAULT_IP,
		  &self->to.sin_addr);
}

FIXTURE_TEARDOWN(fwd)
{
	if (self->peer >= 0)
		close(self->peer);
	zc_ctx_close(&self->rx);
	zc_ctx_close(&self->tx);
	if (self->mem)
		munmap(self->mem, self->len);
}

/* Datagram seq: 4 bytes of seq, then bytes that depend on seq. */
static __u32 dgram_len(__u32 seq)
{
	return 18 + (seq * 37) % 1400;
}

static void dgram_fill(unsigned char *p, __u32 seq)
{
	__u32 i, len = dgram_len(seq);

	memcpy(p, &seq, sizeof(seq));
	for (i = sizeof(seq); i < len; i++)
		p[i] = (unsigned char)(i * 13 + seq * 29);
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t n)
{
	unsigned char t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/*
 * Check that an RX entry holds a datagram to FWD_PORT as the peer sent it
 * and turn it around in place; the frame's length, or 0 (a problem).
 */
static __u32 turn_around(FIXTURE_DATA(fwd) *self,
			 const struct zcnet_rx_desc *e, char *msg, size_t size,
			 int *np)
{
	unsigned char *f;
	__u32 seq;

	if (e->region != self->rx_id || e->offset % BUF_LEN ||
	    e->offset >= self->len || e->len != e->frame_len ||
	    e->len < HDRS + 4 || e->data + e->len > e->buf_len) {
		zc_problem(msg, size, np, "entry: region %u offset %llu len %u frame_len %u",
			   e->region, (unsigned long long)e->offset, e->len,
			   e->frame_len);
		return 0;
	}
	f = self->mem + e->offset + e->data;
	if (f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45 || f[23] != 17 ||
	    f[36] != FWD_PORT >> 8 || f[37] != (FWD_PORT & 0xff)) {
		zc_problem(msg, size, np, "offset %llu: not an IPv4 datagram to %d",
			   (unsigned long long)e->offset, FWD_PORT);
		return 0;
	}
	memcpy(&seq, f + HDRS, sizeof(seq));
	if (seq >= NFRAMES || e->len != HDRS + dgram_len(seq)) {
		zc_problem(msg, size, np, "seq %u with %u bytes", seq, e->len);
		return 0;
	}
	swap_bytes(f, f + 6, 6);		/* MAC addresses */
	swap_bytes(f + 26, f + 30, 4);		/* IP addresses */
	swap_bytes(f + 34, f + 36, 2);		/* UDP ports */
	return e->len;
}

/* Read n datagrams at the peer, each must be one not seen before. */
static void peer_check(FIXTURE_DATA(fwd) *self, unsigned int n, bool *seen,
		       char *msg, size_t size, int *np)
{
	unsigned char buf[2048], want[2048];
	struct sockaddr_in from;
	socklen_t flen;
	unsigned int i;
	ssize_t r;
	__u32 seq;

	for (i = 0; i < n; i++) {
		flen = sizeof(from);
		r = recvfrom(self->peer, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (r < 4) {
			zc_problem(msg, size, np, "peer: recv %zd (%s)", r,
				   r < 0 ? strerror(errno) : "short");
			return;
		}
		memcpy(&seq, buf, sizeof(seq));
		if (seq >= NFRAMES || seen[seq]) {
			zc_problem(msg, size, np, "peer: seq %u again or unknown",
				   seq);
			continue;
		}
		seen[seq] = true;
		dgram_fill(want, seq);
		if ((size_t)r != dgram_len(seq) || memcmp(buf, want, (size_t)r))
			zc_problem(msg, size, np, "peer: seq %u: %zd bytes, other content",
				   seq, r);
		if (from.sin_port != self->to.sin_port ||
		    from.sin_addr.s_addr != self->to.sin_addr.s_addr)
			zc_problem(msg, size, np, "peer: seq %u from another address",
				   seq);
	}
}

TEST_F(fwd, udp_turned_around)
{
	struct zcnet_rx_desc e[BATCH];
	struct zcnet_cq_entry c[BATCH];
	unsigned char buf[2048];
	bool seen[NFRAMES] = { false };
	__u32 seq, i, n, flen, pushed;
	struct zcnet_tx_desc d;
	struct zcnet_stats st;
	char msg[1024] = "";
	int np = 0;
	long ret;

	for (seq = 0; seq < NFRAMES && np < 20; seq += BATCH) {
		for (i = 0; i < BATCH; i++) {
			dgram_fill(buf, seq + i);
			ASSERT_EQ((ssize_t)dgram_len(seq + i),
				  sendto(self->peer, buf, dgram_len(seq + i), 0,
					 (struct sockaddr *)&self->to,
					 sizeof(self->to)));
		}
		n = zc_ring_collect(&self->rx, &self->rx.rx, e, sizeof(e[0]),
				    BATCH, WAIT_MS);
		if (n != BATCH)
			zc_problem(msg, sizeof(msg), &np, "seq %u: %u of %u received",
				   seq, n, BATCH);
		pushed = 0;
		for (i = 0; i < n; i++) {
			flen = turn_around(self, &e[i], msg, sizeof(msg), &np);
			if (!flen) {
				ASSERT_EQ(0, post(self, e[i].offset));
				continue;
			}
			d = zc_raw((__u16)self->tx_id, e[i].offset + e[i].data,
				   flen, e[i].offset);
			ASSERT_EQ(0, zc_tx_push(&self->tx.tx, &d));
			pushed++;
		}
		ret = zc_kick(self->tx.fd, 0);
		ASSERT_EQ((long)pushed, ret);
		ASSERT_EQ(pushed, zc_cq_collect(&self->tx, c, pushed,
						WAIT_MS));
		/* a buffer goes back to FILL once its frame is sent */
		for (i = 0; i < pushed; i++) {
			if (c[i].result <= 0)
				zc_problem(msg, sizeof(msg), &np, "TX result %d",
					   c[i].result);
			ASSERT_EQ(0, post(self, c[i].cookie));
		}
		peer_check(self, (unsigned int)ret, seen, msg, sizeof(msg),
			   &np);
	}
	for (seq = 0; seq < NFRAMES; seq++)
		if (!seen[seq])
			zc_problem(msg, sizeof(msg), &np, "seq %u never came back",
				   seq);
	EXPECT_EQ(0, np) TH_LOG("%d problems: %s", np, msg);
	ASSERT_EQ(0, zc_get_stats(self->rx.fd, &st));
	EXPECT_EQ(NFRAMES, st.rx_frames);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	ASSERT_EQ(0, zc_get_stats(self->tx.fd, &st));
	EXPECT_EQ(NFRAMES, st.tx_frames);
	EXPECT_EQ(0U, st.tx_rejected);
}

TEST_HARNESS_MAIN
