// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet TX+RX soak: the guest's two NICs ($ZCNET_IFACE here and
 * $ZCNET_PEER_IFACE in $ZCNET_PEER_NS) each get a context bound for TX
 * and RX (ethertype ZC_ETH_P_TEST), and both send frames of random sizes
 * to each other at once, each side at most SK_WINDOW frames ahead of what
 * the other received (raw Ethernet has no flow control of its own).
 *
 * Checked: every TX descriptor completes exactly once, with its length
 * (or -ENOBUFS when the driver dropped it); every frame arrives once,
 * byte for byte, in a buffer that was posted; nothing arrives that was
 * not sent; afterwards module_contexts, module_pinned_pages and the
 * process's VmPin are back to their start values, and neither
 * MemAvailable nor unreclaimable slab has grown by more than a leak of a
 * few bytes per frame would make it grow (the margins are printed).
 *
 * Environment: ZCNET_SOAK_SECONDS (default 20), ZCNET_SOAK_SEED.
 */

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define SK_SLOTS	64U		/* TX frame slots of ZC_SLOT bytes */
#define SK_RXBUF	256U		/* posted RX buffers of ZC_SLOT bytes */
#define SK_WINDOW	48U
#define SK_MAX		(1U << 21)	/* frames per direction */
#define SK_STALL_MS	10000U
#define SK_MSG		2048
#define SK_SETTLE_MS	15000U
#define SK_MEM_SLACK_KB	(64L * 1024)	/* MemAvailable may drop this much */
#define SK_SLAB_SLACK_KB (16L * 1024)	/* SUnreclaim may grow this much */

struct sk_side {
	const char *name;
	struct zc_ctx c;
	struct zc_netif nif;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 run;
	/* transmit */
	__u64 sent, completed, nobufs, unknown, dups, bad_result;
	unsigned char *ncomp;		/* per seq */
	__u32 *len;			/* per seq */
	__u16 *slot;			/* per seq */
	bool busy[SK_SLOTS];
	/* what this side received from the other */
	__u64 rx, rx_bad, rx_dups, rx_stray, rx_bufbad;
	unsigned char *seen;		/* per seq of the other side */
	unsigned char scratch[ZC_SLOT];
};

static __u64 sk_rng;

static __u64 sk_rand(void)
{
	__u64 z = (sk_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 sk_env(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* A "kB" line of /proc/meminfo; -1 when absent. */
static long sk_meminfo_kb(const char *key)
{
	return zc_proc_kb("/proc/meminfo", key);
}

static int sk_fill_push(struct zc_ring *r, __u16 region, __u64 offset)
{
	struct zcnet_fill_desc d = { .offset = offset, .len = ZC_SLOT,
				     .region = region };

	return zc_fill_push(r, &d);
}

/* Open, set up, register and bind one side in the current netns. */
static long sk_side_open(struct sk_side *s, const char *iface)
{
	struct zcnet_bind b = { .size = sizeof(b),
				.flags = ZCNET_BIND_TX | ZCNET_BIND_RX,
				.queue = ZCNET_QUEUE_ANY,
				.rx_match = ZCNET_RX_MATCH_ETHERTYPE,
				.rx_ethertype = ZC_ETH_P_TEST };
	unsigned int i;
	long ret;

	ret = zc_netif_get(iface, &s->nif);
	if (ret)
		return ret;
	s->mem_len = (size_t)(SK_SLOTS + SK_RXBUF) * ZC_SLOT;
	s->mem = zc_alloc_pages(s->mem_len / zc_page_size());
	s->ncomp = calloc(SK_MAX, 1);
	s->seen = calloc(SK_MAX, 1);
	s->len = calloc(SK_MAX, sizeof(*s->len));
	s->slot = calloc(SK_MAX, sizeof(*s->slot));
	if (!s->mem || !s->ncomp || !s->seen || !s->len || !s->slot)
		return -ENOMEM;
	ret = zc_ctx_open(&s->c, 256, 512, SK_RXBUF, SK_RXBUF);
	if (ret)
		return ret;
	ret = zc_reg(s->c.fd, s->mem, s->mem_len, &s->id);
	if (ret)
		return ret;
	b.ifindex = (__u32)s->nif.ifindex;
	ret = zc_ioctl(s->c.fd, ZCNET_IOC_BIND, &b);
	if (!ret)
		ret = zc_keep_zero_copy(s->c.fd);
	if (ret)
		return ret;
	for (i = 0; i < SK_RXBUF; i++)
		if (sk_fill_push(&s->c.fill, (__u16)s->id,
				 (__u64)(SK_SLOTS + i) * ZC_SLOT))
			return -ENOSPC;
	s->run = zc_new_run();
	return 0;
}

static void sk_side_close(struct sk_side *s)
{
	zc_ctx_close(&s->c);
	if (s->mem)
		munmap(s->mem, s->mem_len);
	free(s->ncomp);
	free(s->seen);
	free(s->len);
	free(s->slot);
	s->mem = NULL;
	s->ncomp = s->seen = NULL;
	s->len = NULL;
	s->slot = NULL;
}

static __u32 sk_frame_len(__u32 max)
{
	__u32 r = (__u32)sk_rand();

	if (r % 10 < 3)		/* short ones: the copy path */
		return ZC_ETH_ZLEN + (r >> 8) % (256 - ZC_ETH_ZLEN);
	return ZC_ETH_ZLEN + (r >> 8) % (max - ZC_ETH_ZLEN + 1);
}

/* Pop completions of s's frames. */
static void sk_reap_tx(struct sk_side *s)
{
	struct zcnet_cq_entry e;

	while (!zc_cq_pop(&s->c.cq, &e)) {
		__u64 q = e.cookie;

		if (q >= s->sent) {
			s->unknown++;
			continue;
		}
		if (s->ncomp[q]++) {
			s->dups++;
			continue;
		}
		s->completed++;
		s->busy[s->slot[q]] = false;
		if (e.result == -ENOBUFS)
			s->nobufs++;
		else if (e.result != (__s32)s->len[q] ||
			 (e.flags & ~(__u32)ZCNET_CQE_COPIED))
			s->bad_result++;
	}
}

/* Pop what r received from s (the sender), check it, post the buffer again. */
static void sk_reap_rx(struct sk_side *r, const struct sk_side *s)
{
	struct zcnet_rx_desc e;

	while (!zc_rx_pop(&r->c.rx, &e)) {
		__u64 rel = e.offset - (__u64)SK_SLOTS * ZC_SLOT;
		const unsigned char *p;
		__u32 run, seq;

		if (e.offset < (__u64)SK_SLOTS * ZC_SLOT || rel % ZC_SLOT ||
		    rel / ZC_SLOT >= SK_RXBUF || e.region != r->id ||
		    e.buf_len != ZC_SLOT || e.data > ZC_SLOT ||
		    e.len > ZC_SLOT - e.data) {
			r->rx_bufbad++;
			continue;	/* not a buffer we posted: do not reuse */
		}
		p = r->mem + e.offset + e.data;
		if (e.len != e.frame_len || (e.flags & ZCNET_RX_TRUNCATED) ||
		    zc_frame_tag(p, e.len, &run, &seq) || run != s->run ||
		    seq >= s->sent || e.len != s->len[seq]) {
			r->rx_stray++;
		} else {
			zc_frame_fill(r->scratch, e.len, r->nif.mac, s->nif.mac,
				      run, seq);
			if (memcmp(p, r->scratch, e.len))
				r->rx_bad++;
			else if (r->seen[seq]++)
				r->rx_dups++;
			else
				r->rx++;
		}
		sk_fill_push(&r->c.fill, (__u16)r->id, e.offset);
	}
}

/* Send what the window and free slots allow; returns how many. */
static unsigned int sk_send(struct sk_side *s, const struct sk_side *peer,
			    __u32 max_len)
{
	unsigned int n = 0, i;

	while (s->sent < SK_MAX &&
	       s->sent - s->nobufs - peer->rx < SK_WINDOW) {
		struct zcnet_tx_desc d;
		__u32 len = sk_frame_len(max_len);

		for (i = 0; i < SK_SLOTS && s->busy[i]; i++)
			;
		if (i == SK_SLOTS)
			break;
		zc_frame_fill(s->mem + (size_t)i * ZC_SLOT, len, peer->nif.mac,
			      s->nif.mac, s->run, (__u32)s->sent);
		d = zc_raw((__u16)s->id, (__u64)i * ZC_SLOT, len, s->sent);
		if (zc_tx_push(&s->c.tx, &d))
			break;
		s->busy[i] = true;
		s->slot[s->sent] = (__u16)i;
		s->len[s->sent] = len;
		s->sent++;
		n++;
	}
	if (n || zc_tx_pending(&s->c.tx))
		zc_kick(s->c.fd, 0);
	return n;
}

static void sk_report(const struct sk_side *s, const struct sk_side *r,
		      char *msg, size_t size, int *np)
{
	if (s->completed != s->sent)
		zc_problem(msg, size, np, "%s: %llu of %llu descriptors completed",
			   s->name, (unsigned long long)s->completed,
			   (unsigned long long)s->sent);
	if (s->unknown || s->dups)
		zc_problem(msg, size, np, "%s: %llu completions of unknown cookies, %llu duplicates",
			   s->name, (unsigned long long)s->unknown,
			   (unsigned long long)s->dups);
	if (s->bad_result)
		zc_problem(msg, size, np, "%s: %llu completions with a wrong result",
			   s->name, (unsigned long long)s->bad_result);
	if (r->rx + s->nobufs != s->sent)
		zc_problem(msg, size, np, "%s -> %s: %llu sent, %llu dropped by the driver, %llu arrived",
			   s->name, r->name, (unsigned long long)s->sent,
			   (unsigned long long)s->nobufs,
			   (unsigned long long)r->rx);
	if (r->rx_bad || r->rx_dups || r->rx_stray || r->rx_bufbad)
		zc_problem(msg, size, np, "%s received %llu corrupt, %llu duplicate, %llu unknown frames, %llu entries naming no posted buffer",
			   r->name, (unsigned long long)r->rx_bad,
			   (unsigned long long)r->rx_dups,
			   (unsigned long long)r->rx_stray,
			   (unsigned long long)r->rx_bufbad);
}

FIXTURE(soak) {
	struct zc_env env;
	struct sk_side a, b;
};

FIXTURE_SETUP(soak)
{
	const char *why;

	memset(&self->a, 0, sizeof(self->a));
	memset(&self->b, 0, sizeof(self->b));
	self->a.c.fd = self->b.c.fd = -1;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW | ZCNET_FEAT_RX, &self->env);
	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(soak)
{
	sk_side_close(&self->a);
	sk_side_close(&self->b);
}

TEST_F_TIMEOUT(soak, tx_rx_random_sizes, 24 * 3600)
{
	__u64 seconds = sk_env("ZCNET_SOAK_SECONDS", 20);
	long avail0, avail1, slab0, slab1, pin0, pin1;
	struct zcnet_stats st0, st1;
	uint64_t end, last_progress;
	__u64 progress = 0, p;
	char msg[SK_MSG] = "";
	__u32 max_a, max_b;
	int fd, old, np = 0;
	long ret;

	sk_rng = sk_env("ZCNET_SOAK_SEED", zc_now_ms() ^ ((__u64)getpid() << 20));
	TH_LOG("seed 0x%llx, %llu s (replay: ZCNET_SOAK_SEED=0x%llx ZCNET_SOAK_SECONDS=%llu)",
	       (unsigned long long)sk_rng, (unsigned long long)seconds,
	       (unsigned long long)sk_rng, (unsigned long long)seconds);

	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_settle(fd, &st0))
		TH_LOG("module not quiet: %llu contexts, %llu pages pinned",
		       (unsigned long long)st0.module_contexts,
		       (unsigned long long)st0.module_pinned_pages);
	avail0 = sk_meminfo_kb("MemAvailable:");
	slab0 = sk_meminfo_kb("SUnreclaim:");
	pin0 = zc_status_kb("VmPin:");

	self->a.name = self->env.iface;
	self->b.name = self->env.peer_iface;
	ret = sk_side_open(&self->a, self->env.iface);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->a.name, strerror((int)-ret));
	old = zc_netns_enter(self->env.peer_ns);
	ASSERT_LE(0, old);
	ret = sk_side_open(&self->b, self->env.peer_iface);
	ASSERT_EQ(0, zc_netns_return(old));
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->b.name, strerror((int)-ret));
	max_a = self->a.nif.mtu + ZC_ETH_HLEN;
	max_b = self->b.nif.mtu + ZC_ETH_HLEN;
	if (max_a > ZC_SLOT)
		max_a = ZC_SLOT;
	if (max_b > ZC_SLOT)
		max_b = ZC_SLOT;

	end = zc_now_ms() + seconds * 1000;
	last_progress = zc_now_ms();
	while (zc_now_ms() < end) {
		struct pollfd pf[2] = { { .fd = self->a.c.fd, .events = POLLIN },
					{ .fd = self->b.c.fd, .events = POLLIN } };

		sk_send(&self->a, &self->b, max_a);
		sk_send(&self->b, &self->a, max_b);
		poll(pf, 2, 20);
		sk_reap_tx(&self->a);
		sk_reap_tx(&self->b);
		sk_reap_rx(&self->a, &self->b);
		sk_reap_rx(&self->b, &self->a);
		p = self->a.rx + self->b.rx + self->a.completed + self->b.completed;
		if (p != progress) {
			progress = p;
			last_progress = zc_now_ms();
		} else if (zc_now_ms() > last_progress + SK_STALL_MS) {
			break;	/* reported below: frames missing */
		}
	}
	/* the tail: completions and arrivals of what was sent */
	end = zc_now_ms() + SK_STALL_MS;
	while (zc_now_ms() < end &&
	       (self->a.completed < self->a.sent || self->b.completed < self->b.sent ||
		self->b.rx + self->a.nobufs < self->a.sent ||
		self->a.rx + self->b.nobufs < self->b.sent)) {
		struct pollfd pf[2] = { { .fd = self->a.c.fd, .events = POLLIN },
					{ .fd = self->b.c.fd, .events = POLLIN } };

		if (zc_tx_pending(&self->a.c.tx))
			zc_kick(self->a.c.fd, 0);
		if (zc_tx_pending(&self->b.c.tx))
			zc_kick(self->b.c.fd, 0);
		poll(pf, 2, 20);
		sk_reap_tx(&self->a);
		sk_reap_tx(&self->b);
		sk_reap_rx(&self->a, &self->b);
		sk_reap_rx(&self->b, &self->a);
	}
	TH_LOG("%s -> %s: %llu frames (%llu dropped by the driver); %s -> %s: %llu frames (%llu dropped)",
	       self->a.name, self->b.name, (unsigned long long)self->a.sent,
	       (unsigned long long)self->a.nobufs, self->b.name, self->a.name,
	       (unsigned long long)self->b.sent, (unsigned long long)self->b.nobufs);
	sk_report(&self->a, &self->b, msg, sizeof(msg), &np);
	sk_report(&self->b, &self->a, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	EXPECT_LT(0U, self->a.sent);
	EXPECT_LT(0U, self->b.sent);

	ASSERT_EQ(0, zc_get_stats(self->a.c.fd, &st1));
	EXPECT_EQ(0U, st1.inflight);
	EXPECT_EQ(self->a.sent, st1.tx_descs);
	EXPECT_EQ(self->a.rx, st1.rx_frames)
		TH_LOG("rx_drop_nobuf %llu", (unsigned long long)st1.rx_drop_nobuf);
	EXPECT_EQ(0U, st1.rx_drop_nobuf);

	sk_side_close(&self->a);
	sk_side_close(&self->b);
	EXPECT_EQ(0, zc_settle_for(fd, &st1, SK_SETTLE_MS))
		TH_LOG("after the soak: %llu contexts (want 1), %llu pages pinned (want 0)",
		       (unsigned long long)st1.module_contexts,
		       (unsigned long long)st1.module_pinned_pages);
	EXPECT_EQ(st0.module_contexts, st1.module_contexts);
	EXPECT_EQ(st0.module_pinned_pages, st1.module_pinned_pages);
	pin1 = zc_status_kb("VmPin:");
	EXPECT_EQ(pin0, pin1);
	avail1 = sk_meminfo_kb("MemAvailable:");
	slab1 = sk_meminfo_kb("SUnreclaim:");
	TH_LOG("MemAvailable %ld -> %ld kB, SUnreclaim %ld -> %ld kB, VmPin %ld -> %ld kB",
	       avail0, avail1, slab0, slab1, pin0, pin1);
	if (avail0 >= 0 && avail1 >= 0) {
		EXPECT_GT(SK_MEM_SLACK_KB, avail0 - avail1);
	}
	if (slab0 >= 0 && slab1 >= 0) {
		EXPECT_GT(SK_SLAB_SLACK_KB, slab1 - slab0);
	}
	close(fd);
}

TEST_HARNESS_MAIN
