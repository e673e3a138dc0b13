// SPDX-License-Identifier: GPL-2.0
/*
 * Timestamps in completions and RX entries (ZCNET_SETUP_CQ_TSTAMP,
 * ZCNET_SETUP_RX_TSTAMP): the default layouts without the flags, the
 * longer entries with them, unknown flags refused, and stamps that are
 * set, flagged as software stamps and ordered against CLOCK_MONOTONIC as
 * the program reads it: a completion's stamp lies between the time just
 * before its descriptor was submitted and the time its entry was read,
 * and never decreases along the CQ; a frame's stamp lies between the time
 * the peer began to send it and the time its RX entry was read. This
 * holds for NOPs (stamped when the kick completes them), raw frames and
 * socket sends. Nothing here measures how long anything took.
 *
 * Without ZCNET_FEAT_TIMESTAMPS every test SKIPs; the ones that send or
 * receive also need the test guest's network ($ZCNET_* variables).
 */
#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define TS_RING		64U
#define TS_N		16U
#define TS_BUF		2048U
#define TS_LEN		1024U
#define TS_WAIT_MS	10000U
#define TS_PEER_IP	"10.99.0.2"
#define TS_BOTH		(ZCNET_SETUP_CQ_TSTAMP | ZCNET_SETUP_RX_TSTAMP)

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * Check n stamped completions read by the time t_read, of descriptors
 * submitted after t_sub: the software stamp flag, the cookie of their
 * place, a stamp in [t_sub, t_read] and no stamp below the one before
 * (*prev, updated). NULL, or what is wrong (with the entry in *bad).
 */
static const char *check_cqes(const struct zcnet_cq_entry_ts *e,
			      unsigned int n, __u64 first_cookie,
			      __u64 t_sub, __u64 t_read, __u64 *prev,
			      unsigned int *bad)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		*bad = i;
		if (e[i].cqe.cookie != first_cookie + i)
			return "completion out of order";
		if (!(e[i].cqe.flags & ZCNET_CQE_TSTAMP_SW))
			return "no ZCNET_CQE_TSTAMP_SW";
		if (!e[i].tstamp)
			return "stamp is 0";
		if (e[i].tstamp < t_sub)
			return "stamped before the descriptor was submitted";
		if (e[i].tstamp > t_read)
			return "stamped after the completion was read";
		if (e[i].tstamp < *prev)
			return "stamp lower than the one before it";
		*prev = e[i].tstamp;
	}
	return NULL;
}

/* Entry sizes and mapping lengths of a context set up with flags. */
static void expect_layout(struct __test_metadata *_metadata, __u32 flags)
{
	struct zc_ctx c;
	struct zcnet_info info = { .size = sizeof(info) };
	__u32 cq = flags & ZCNET_SETUP_CQ_TSTAMP ? ZCNET_CQ_ENTRY_TS_SIZE :
		   sizeof(struct zcnet_cq_entry);
	__u32 rx = flags & ZCNET_SETUP_RX_TSTAMP ? ZCNET_RX_DESC_TS_SIZE :
		   sizeof(struct zcnet_rx_desc);

	ASSERT_EQ(0, zc_ctx_open_flags(&c, flags, TS_RING, TS_RING, TS_RING,
				       ZCNET_RING_MAX_ENTRIES));
	EXPECT_EQ(sizeof(struct zcnet_tx_desc), c.off.tx.entry_size);
	EXPECT_EQ(sizeof(struct zcnet_fill_desc), c.off.fill.entry_size);
	EXPECT_EQ(cq, c.off.cq.entry_size) TH_LOG("flags %#x", flags);
	EXPECT_EQ(rx, c.off.rx.entry_size) TH_LOG("flags %#x", flags);
	EXPECT_LE((__u64)c.off.cq.desc + (__u64)TS_RING * cq,
		  c.off.cq.mmap_len);
	EXPECT_LE((__u64)c.off.rx.desc + (__u64)ZCNET_RING_MAX_ENTRIES * rx,
		  c.off.rx.mmap_len);
	/* the last byte of the last entry is mapped and writable */
	memset(zc_ring_slot(&c.rx, ZCNET_RING_MAX_ENTRIES - 1), 0, rx);
	memset(zc_ring_slot(&c.cq, TS_RING - 1), 0, cq);
	/* GET_INFO keeps reporting the default layouts */
	ASSERT_EQ(0, zc_get_info(c.fd, &info));
	EXPECT_EQ(sizeof(struct zcnet_cq_entry), info.cq_entry_size);
	EXPECT_EQ(sizeof(struct zcnet_rx_desc), info.rx_desc_size);
	zc_ctx_close(&c);
}

/* A 64-byte NOP; reserved1 non-zero makes the kernel reject it. */
static int push_nop(struct zc_ctx *c, __u32 id, __u64 cookie, __u32 reserved1)
{
	struct zcnet_tx_desc d = zc_nop((__u16)id, 0, 64, cookie);

	d.reserved1 = reserved1;
	return zc_tx_push(&c->tx, &d);
}

FIXTURE(tstamp) {
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
};

FIXTURE_SETUP(tstamp)
{
	const char *why;

	self->c.fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_TIMESTAMPS | ZCNET_FEAT_TX_NOP, NULL);
	if (why)
		SKIP(return, "%s", why);
	self->mem_len = zc_page_size();
	self->mem = zc_alloc_pages(1);
	ASSERT_NE(NULL, self->mem);
}

FIXTURE_TEARDOWN(tstamp)
{
	zc_ctx_close(&self->c);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

TEST_F(tstamp, layouts)
{
	struct zcnet_info info = { .size = sizeof(info) };
	int fd = zc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_get_info(fd, &info));
	close(fd);
	EXPECT_NE(0ULL, info.features & ZCNET_FEAT_TIMESTAMPS);
	EXPECT_EQ(16U, info.cq_entry_size);
	EXPECT_EQ(32U, info.rx_desc_size);
	EXPECT_EQ(24U, sizeof(struct zcnet_cq_entry_ts));
	EXPECT_EQ(40U, sizeof(struct zcnet_rx_desc_ts));
	EXPECT_EQ(sizeof(struct zcnet_cq_entry),
		  offsetof(struct zcnet_cq_entry_ts, tstamp));
	EXPECT_EQ(sizeof(struct zcnet_rx_desc),
		  offsetof(struct zcnet_rx_desc_ts, tstamp));

	/* without flags: exactly the layouts programs always had */
	expect_layout(_metadata, 0);
	expect_layout(_metadata, ZCNET_SETUP_CQ_TSTAMP);
	expect_layout(_metadata, ZCNET_SETUP_RX_TSTAMP);
	expect_layout(_metadata, TS_BOTH);
}

TEST_F(tstamp, bad_flags)
{
	static const __u32 bad[] = { 1U << 2, 1U << 7, 1U << 31,
				     TS_BOTH | (1U << 3), ~0U };
	int fd = zc_open();
	unsigned int i;

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, zc_setup_flags(fd, bad[i], TS_RING, TS_RING,
						  TS_RING, TS_RING))
			TH_LOG("flags %#x", bad[i]);
	}
	/* a stamp for a ring that is not set up */
	EXPECT_EQ(-EINVAL, zc_setup_flags(fd, ZCNET_SETUP_CQ_TSTAMP, 0, 0,
					  TS_RING, TS_RING));
	EXPECT_EQ(-EINVAL, zc_setup_flags(fd, ZCNET_SETUP_RX_TSTAMP, TS_RING,
					  TS_RING, 0, 0));
	EXPECT_EQ(-ENXIO, zc_get_offsets(fd, &self->c.off));
	/* refusals left the context as it was: it can still be set up */
	EXPECT_EQ(0, zc_setup_flags(fd, ZCNET_SETUP_CQ_TSTAMP, TS_RING, TS_RING,
				    0, 0));
	EXPECT_EQ(-EBUSY, zc_setup_flags(fd, 0, TS_RING, TS_RING, 0, 0));
	close(fd);
}

/* A context with CQ stamps: no RX stamp flag possible on a TX-only setup. */
TEST_F(tstamp, nop)
{
	struct zcnet_cq_entry_ts e[TS_N];
	struct zcnet_cq_entry plain;
	__u64 t_sub, t_read, prev = 0;
	unsigned int round, i, bad = 0;
	const char *why;

	ASSERT_EQ(0, zc_ctx_open_flags(&self->c, ZCNET_SETUP_CQ_TSTAMP,
				       TS_RING, TS_RING, 0, 0));
	ASSERT_EQ(24U, self->c.cq.entry_size);
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));

	for (round = 0; round < 4; round++) {
		t_sub = mono_ns();
		for (i = 0; i < TS_N; i++) {
			ASSERT_EQ(0, push_nop(&self->c, self->id,
					      round * TS_N + i, 0));
		}
		ASSERT_EQ(TS_N, zc_kick(self->c.fd, 0));
		ASSERT_EQ(TS_N, zc_ring_collect(&self->c, &self->c.cq, e,
						sizeof(e[0]), TS_N, TS_WAIT_MS));
		t_read = mono_ns();
		why = check_cqes(e, TS_N, round * TS_N, t_sub, t_read, &prev,
				 &bad);
		EXPECT_EQ(NULL, why) TH_LOG("round %u, entry %u: %s (stamp %llu, "
					    "submit %llu, read %llu)", round,
					    bad, why,
					    (unsigned long long)e[bad].tstamp,
					    (unsigned long long)t_sub,
					    (unsigned long long)t_read);
		for (i = 0; i < TS_N; i++) {
			EXPECT_EQ(64, e[i].cqe.result);
			EXPECT_EQ(ZCNET_CQE_TSTAMP_SW, e[i].cqe.flags);
		}
	}

	/* a rejected descriptor completes at submit, stamped too */
	t_sub = mono_ns();
	ASSERT_EQ(0, push_nop(&self->c, self->id, 999, 1));
	ASSERT_EQ(1, zc_kick(self->c.fd, 0));
	ASSERT_EQ(1U, zc_ring_collect(&self->c, &self->c.cq, e, sizeof(e[0]),
				      1, TS_WAIT_MS));
	t_read = mono_ns();
	EXPECT_EQ(-EINVAL, e[0].cqe.result);
	why = check_cqes(e, 1, 999, t_sub, t_read, &prev, &bad);
	EXPECT_EQ(NULL, why) TH_LOG("rejected descriptor: %s", why);
	zc_ctx_close(&self->c);

	/* no flag: the 16-byte entry, no stamp flag */
	ASSERT_EQ(0, zc_ctx_open(&self->c, TS_RING, TS_RING, 0, 0));
	ASSERT_EQ(sizeof(plain), self->c.cq.entry_size);
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, push_nop(&self->c, self->id, 7, 0));
	ASSERT_EQ(1, zc_kick(self->c.fd, 0));
	ASSERT_EQ(0, zc_cq_pop(&self->c.cq, &plain));
	EXPECT_EQ(7U, plain.cookie);
	EXPECT_EQ(0U, plain.flags);
}

/* Sending and receiving over the test guest's wire. */
FIXTURE(tsnet) {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	int peer_fd;		/* AF_PACKET on the peer NIC */
	int udp_rx, udp_tx;
};

FIXTURE_SETUP(tsnet)
{
	const char *why;
	int ret;

	self->c.fd = -1;
	self->peer_fd = -1;
	self->udp_rx = -1;
	self->udp_tx = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_TIMESTAMPS, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_TRUE(self->nif.flags & IFF_UP);
	ret = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, ret) TH_LOG("peer socket: %s", strerror(-ret));
	self->peer_fd = ret;
	self->mem_len = (size_t)TS_RING * TS_BUF;
	self->mem = zc_alloc_pages(self->mem_len / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_ctx_open_flags(&self->c, TS_BOTH, TS_RING, TS_RING,
				       TS_RING, TS_RING));
	ASSERT_EQ(24U, self->c.cq.entry_size);
	ASSERT_EQ(40U, self->c.rx.entry_size);
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
}

FIXTURE_TEARDOWN(tsnet)
{
	zc_ctx_close(&self->c);
	if (self->peer_fd >= 0)
		close(self->peer_fd);
	if (self->udp_rx >= 0)
		close(self->udp_rx);
	if (self->udp_tx >= 0)
		close(self->udp_tx);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

/*
 * Push n descriptors made by mk(i) for cookies base + i, kick until all
 * are consumed, collect the completions and check them. Returns NULL or
 * what is wrong.
 */
static const char *send_and_check(FIXTURE_DATA(tsnet) *self,
				  struct zcnet_tx_desc (*mk)(FIXTURE_DATA(tsnet) *,
							     unsigned int),
				  unsigned int n, __u64 *prev, char *msg,
				  size_t size)
{
	struct zcnet_cq_entry_ts e[TS_N];
	__u64 t_sub, t_read, end = zc_now_ms() + TS_WAIT_MS;
	unsigned int i, bad = 0, got;
	const char *why;

	t_sub = mono_ns();
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = mk(self, i);

		if (zc_tx_push(&self->c.tx, &d))
			return "TX ring full";
	}
	while (zc_tx_pending(&self->c.tx) && zc_now_ms() < end)
		if (zc_kick(self->c.fd, 0) < 0)
			return "kick failed";
	got = zc_ring_collect(&self->c, &self->c.cq, e, sizeof(e[0]), n,
			      TS_WAIT_MS);
	t_read = mono_ns();
	if (got != n)
		return "completions missing";
	for (i = 0; i < n; i++)
		if (e[i].cqe.result != (__s32)TS_LEN) {
			snprintf(msg, size, "entry %u: result %d", i,
				 e[i].cqe.result);
			return msg;
		}
	why = check_cqes(e, n, 0, t_sub, t_read, prev, &bad);
	if (why) {
		snprintf(msg, size, "entry %u: %s (stamp %llu, submit %llu, "
			 "read %llu)", bad, why,
			 (unsigned long long)e[bad].tstamp,
			 (unsigned long long)t_sub,
			 (unsigned long long)t_read);
		return msg;
	}
	return NULL;
}

static struct zcnet_tx_desc mk_raw(FIXTURE_DATA(tsnet) *self, unsigned int i)
{
	unsigned char *p = self->mem + (size_t)i * TS_BUF;

	zc_frame_fill(p, TS_LEN, self->peer.mac, self->nif.mac, zc_new_run(),
		      i);
	return zc_raw(self->id, (__u64)i * TS_BUF, TS_LEN, i);
}

TEST_F(tsnet, raw_tx)
{
	__u64 prev = 0;
	const char *why;
	char msg[160];
	int round;

	if (!(zc_features() & ZCNET_FEAT_TX_RAW))
		SKIP(return, "no ZCNET_FEAT_TX_RAW");
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_keep_zero_copy(self->c.fd));
	for (round = 0; round < 3; round++) {
		why = send_and_check(self, mk_raw, TS_N, &prev, msg,
				     sizeof(msg));
		EXPECT_EQ(NULL, why) TH_LOG("round %d: %s", round, why);
	}
}

static struct zcnet_tx_desc mk_sock(FIXTURE_DATA(tsnet) *self, unsigned int i)
{
	memset(self->mem + (size_t)i * TS_BUF, 'a' + i % 26, TS_LEN);
	return zc_sock_desc(self->id, (__u64)i * TS_BUF, TS_LEN, 0, i);
}

TEST_F(tsnet, sock_tx)
{
	const char *ip = getenv("ZCNET_PEER_IP");
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned short port = 0;
	__u64 prev = 0;
	const char *why;
	char msg[160];
	__u32 slot;
	int round;

	if (!(zc_features() & ZCNET_FEAT_TX_SOCK))
		SKIP(return, "no ZCNET_FEAT_TX_SOCK");
	if (!ip || !*ip)
		ip = TS_PEER_IP;
	self->udp_rx = zc_udp_bind(self->env.peer_ns, ip, &port);
	ASSERT_LE(0, self->udp_rx) TH_LOG("UDP receiver on %s", ip);
	self->udp_tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->udp_tx);
	a.sin_port = htons(port);
	ASSERT_EQ(1, inet_pton(AF_INET, ip, &a.sin_addr));
	ASSERT_EQ(0, connect(self->udp_tx, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, self->udp_tx, 0, &slot));
	ASSERT_EQ(0U, slot);
	for (round = 0; round < 3; round++) {
		why = send_and_check(self, mk_sock, TS_N, &prev, msg,
				     sizeof(msg));
		EXPECT_EQ(NULL, why) TH_LOG("round %d: %s", round, why);
	}
}

TEST_F(tsnet, rx)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ZC_ETH_P_TEST),
		.sll_ifindex = self->peer.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	unsigned char frame[TS_LEN];
	struct zcnet_rx_desc_ts e;
	__u64 t_send, t_read;
	__u32 run = zc_new_run(), r, s;
	unsigned int i;

	if (!(zc_features() & ZCNET_FEAT_RX))
		SKIP(return, "no ZCNET_FEAT_RX");
	for (i = 0; i < TS_RING; i++) {
		struct zcnet_fill_desc d = { .offset = (__u64)i * TS_BUF,
					     .len = TS_BUF,
					     .region = (__u16)self->id };

		ASSERT_EQ(0, zc_fill_push(&self->c.fill, &d));
	}
	ASSERT_EQ(0, zc_bind_rx(self->c.fd, ZCNET_BIND_RX, self->nif.ifindex,
				ZCNET_RX_MATCH_ETHERTYPE, ZC_ETH_P_TEST, 0));
	memcpy(sll.sll_addr, self->nif.mac, ZC_ETH_ALEN);

	for (i = 0; i < TS_N; i++) {
		zc_frame_fill(frame, TS_LEN, self->nif.mac, self->peer.mac,
			      run, i);
		t_send = mono_ns();
		ASSERT_EQ((ssize_t)TS_LEN,
			  sendto(self->peer_fd, frame, TS_LEN, 0,
				 (struct sockaddr *)&sll, sizeof(sll)));
		ASSERT_EQ(1U, zc_ring_collect(&self->c, &self->c.rx, &e,
					      sizeof(e), 1, TS_WAIT_MS))
			TH_LOG("frame %u did not arrive", i);
		t_read = mono_ns();
		ASSERT_EQ(0, zc_frame_tag(self->mem + e.rx.offset, e.rx.len,
					  &r, &s));
		EXPECT_EQ(run, r);
		EXPECT_EQ(i, s);
		EXPECT_EQ(ZCNET_RX_COPIED | ZCNET_RX_TSTAMP_SW, e.rx.flags);
		EXPECT_EQ(TS_LEN, e.rx.len);
		EXPECT_NE(0U, e.tstamp);
		EXPECT_LE(t_send, e.tstamp) TH_LOG("frame %u stamped before "
						   "the peer sent it", i);
		EXPECT_GE(t_read, e.tstamp) TH_LOG("frame %u stamped after "
						   "its entry was read", i);
	}
}

TEST_HARNESS_MAIN
