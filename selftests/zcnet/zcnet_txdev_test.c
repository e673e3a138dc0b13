// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet raw transmit while the sending device ($ZCNET_IFACE) changes under
 * it: the link goes down and up while a stream of frames is kicked,
 * scatter-gather is switched off, the MTU changes. Every test puts the
 * device back as it found it (up, its address, scatter-gather, MTU), also
 * when it fails.
 *
 * Without TX_RAW in GET_INFO's features, or outside the test guest (no
 * $ZCNET_* variables), every test SKIPs.
 */
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define DEV_PAGES	64U
#define STREAM_SLOTS	32U
#define STREAM_LEN	1000U
#define STREAM_MAX	(1U << 20)
#define MSG_LEN		2048
#define DEFAULT_IP	"10.99.0.1"

FIXTURE(dev) {
	struct zc_env env;
	struct zc_netif nif, peer;
	int peer_fd;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 max_len;
	pid_t owner;		/* the process that holds the fds and maps */
	bool link_changed;
	bool sg_changed;
	unsigned int old_mtu;	/* non-zero: restore */
};

static void ctx_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(dev) *self, struct zc_ctx *c, __u32 *id)
{
	ASSERT_EQ(0, zc_ctx_open(c, 256, 1024, 0, 0));
	ASSERT_EQ(0, zc_reg(c->fd, self->mem, self->mem_len, id));
	ASSERT_EQ(0, zc_bind(c->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_keep_zero_copy(c->fd));
}

FIXTURE_SETUP(dev)
{
	const char *why;

	self->owner = getpid();
	self->c.fd = -1;
	self->peer_fd = -1;
	self->mem = NULL;
	self->link_changed = self->sg_changed = false;
	self->old_mtu = 0;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_TRUE(self->nif.flags & IFF_UP)
		TH_LOG("%s is down: an earlier test did not restore it",
		       self->env.iface);
	self->max_len = self->nif.mtu + ZC_ETH_HLEN;
	self->peer_fd = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, self->peer_fd);
	self->mem_len = DEV_PAGES * zc_page_size();
	self->mem = zc_alloc_pages(DEV_PAGES);
	ASSERT_NE(NULL, self->mem);
	ctx_open(_metadata, self, &self->c, &self->id);
}

static int restore_link(FIXTURE_DATA(dev) *self)
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

/*
 * In the parent, so that the device is restored even if the test process
 * died; fds and mappings belong to the test process.
 */
FIXTURE_TEARDOWN_PARENT(dev)
{
	bool mine = getpid() == self->owner;

	if (mine)
		zc_ctx_close(&self->c);
	if (self->link_changed && restore_link(self))
		fprintf(stderr, "# could not bring %s back up\n", self->env.iface);
	if (self->sg_changed && zc_netif_sg(self->env.iface, 1))
		fprintf(stderr, "# could not turn scatter-gather on again on %s\n",
			self->env.iface);
	if (self->old_mtu && zc_netif_set_mtu(self->env.iface, self->old_mtu))
		fprintf(stderr, "# could not restore the MTU of %s\n",
			self->env.iface);
	if (mine && self->peer_fd >= 0)
		close(self->peer_fd);
	if (mine && self->mem)
		munmap(self->mem, self->mem_len);
}

/* A batch of n frames of len in slots 0.. that must arrive as they are. */
static void good_batch(FIXTURE_DATA(dev) *self, struct zc_batch *b,
		       struct zc_frame *f, unsigned int n, __u32 id, __u32 len,
		       int copied)
{
	unsigned int i;

	memset(f, 0, sizeof(*f) * n);
	for (i = 0; i < n; i++) {
		f[i].offset = (__u64)i * ZC_SLOT;
		f[i].len = len;
		f[i].region = (__u16)id;
		f[i].data = self->mem + f[i].offset;
		f[i].good = true;
		f[i].copied = copied;
		f[i].arrive = 1;
	}
	memset(b, 0, sizeof(*b));
	b->f = f;
	b->n = n;
	b->dst = self->peer.mac;
	b->src = self->nif.mac;
	b->ordered = true;
}

#define RUN_BATCH(c, b) do {						\
	char _msg[MSG_LEN];						\
	ASSERT_EQ(0, zc_batch_run((c), (b), self->peer_fd, -1));	\
	EXPECT_EQ(0, zc_batch_check((b), _msg, sizeof(_msg)))		\
		TH_LOG("%s", _msg);					\
} while (0)

/* Fill the stream's slots once; the stream never writes them again. */
static void stream_fill(FIXTURE_DATA(dev) *self)
{
	unsigned int i;

	for (i = 0; i < STREAM_SLOTS; i++)
		zc_frame_fill(self->mem + i * ZC_SLOT, STREAM_LEN,
			      self->peer.mac, self->nif.mac, 0, i);
}

/*
 * `ip link set down` while frames are kicked: nothing hangs, every
 * consumed descriptor completes exactly once; those consumed while the
 * link is down with -ENETDOWN. Frames the driver still holds at the time
 * may only come back when it is up again (virtio-net frees them then), so
 * the link is brought up before the final wait. Afterwards the same
 * context sends again.
 */
TEST_F_TIMEOUT(dev, link_down_mid_stream, 90)
{
	static const __s32 before_ok[] = { ZC_STREAM_LEN, -ENETDOWN, -ENOBUFS };
	static const __s32 down_ok[] = { -ENETDOWN };
	static const __s32 after_ok[] = { ZC_STREAM_LEN, -ENETDOWN };
	struct zc_stream s;
	struct zcnet_stats st;
	struct zc_frame f[16];
	struct zc_batch b;
	__u64 mark, cons_down, hist[3], errors = 0, i;
	char msg[MSG_LEN];
	uint64_t end;
	int status, np = 0;
	pid_t pid;

	msg[0] = '\0';
	stream_fill(self);
	ASSERT_EQ(0, zc_stream_init(&s, &self->c, (__u16)self->id,
				    STREAM_SLOTS, STREAM_LEN, STREAM_MAX));

	/* frames flow */
	end = zc_now_ms() + 10000;
	while (s.completed < 64 && zc_now_ms() < end)
		zc_stream_step(&s, 16);
	ASSERT_LE(64U, s.completed) TH_LOG("no completions while streaming");

	/* down, while the stream goes on */
	self->link_changed = true;
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(zc_netif_set_up(self->env.iface, false) ? 1 : 0);
	end = zc_now_ms() + 20000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ASSERT_GT(end, zc_now_ms()) {
			TH_LOG("ip link set down did not return in 20 s");
			zc_kill_wait(pid);
		}
		zc_stream_step(&s, 16);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_FALSE(zc_netif_flags(self->env.iface) & IFF_UP);

	/* what is pushed and consumed from now on meets a down device */
	mark = s.pushed;
	for (i = 0; i < 50; i++)
		zc_stream_step(&s, 16);
	EXPECT_LT(mark, s.pushed);
	if (zc_stream_finish(&s, 3000))
		TH_LOG("%llu completions outstanding while down (held by the driver)",
		       (unsigned long long)(s.pushed - s.completed));
	cons_down = zc_stream_consumed(&s);
	EXPECT_LT(mark, cons_down) TH_LOG("nothing consumed while the link was down");

	ASSERT_EQ(0, restore_link(self));
	self->link_changed = false;
	EXPECT_EQ(0, zc_stream_finish(&s, ZC_CQ_WAIT_MS))
		TH_LOG("%llu of %llu descriptors never completed",
		       (unsigned long long)(s.pushed - s.completed),
		       (unsigned long long)s.pushed);
	EXPECT_EQ(0, s.kick_err);
	EXPECT_EQ(0U, s.unknown);
	EXPECT_EQ(0U, s.dups);
	EXPECT_EQ(s.pushed, zc_stream_consumed(&s));

	zc_stream_check(&s, 0, mark, before_ok, 3, "before down", msg,
			sizeof(msg), &np, hist);
	errors += hist[1] + hist[2];
	TH_LOG("before down: %llu sent, %llu -ENETDOWN, %llu -ENOBUFS",
	       (unsigned long long)hist[0], (unsigned long long)hist[1],
	       (unsigned long long)hist[2]);
	zc_stream_check(&s, mark, cons_down, down_ok, 1, "consumed while down",
			msg, sizeof(msg), &np, hist);
	errors += hist[0];
	zc_stream_check(&s, cons_down, s.pushed, after_ok, 2, "consumed after up",
			msg, sizeof(msg), &np, hist);
	errors += hist[1];
	EXPECT_EQ(0, np) TH_LOG("%s", msg);

	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(s.pushed, st.tx_descs);
	EXPECT_EQ(s.pushed, st.cq_posted);
	EXPECT_EQ(errors, st.tx_rejected + st.tx_dev_errors);

	/* the same context sends again */
	good_batch(self, &b, f, 16, self->id, 600, -1);
	RUN_BATCH(&self->c, &b);
	zc_stream_free(&s);
}

/* Without scatter-gather the frames are copied (and still arrive). */
TEST_F(dev, no_scatter_gather_copies)
{
	struct zcnet_stats st;
	struct zc_frame f[16];
	struct zc_batch b;
	struct zc_ctx c;
	__u32 id;
	int sg, ret;

	sg = zc_netif_sg(self->env.iface, -1);
	ASSERT_LE(0, sg) TH_LOG("ETHTOOL_GSG: %s", strerror(-sg));
	ASSERT_EQ(1, sg) TH_LOG("%s has scatter-gather off", self->env.iface);
	ret = zc_netif_sg(self->env.iface, 0);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "scatter-gather is fixed on %s", self->env.iface);
	ASSERT_EQ(0, ret);
	self->sg_changed = true;
	ASSERT_EQ(0, zc_netif_sg(self->env.iface, -1));

	ctx_open(_metadata, self, &c, &id);
	ASSERT_EQ(0, zc_set_param(c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	good_batch(self, &b, f, 16, id, self->max_len, 1);
	RUN_BATCH(&c, &b);
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(16U, st.tx_copied);
	EXPECT_EQ(0U, st.tx_zerocopy);
	zc_ctx_close(&c);

	ASSERT_EQ(0, zc_netif_sg(self->env.iface, 1));
	self->sg_changed = false;
	ctx_open(_metadata, self, &c, &id);
	ASSERT_EQ(0, zc_set_param(c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	good_batch(self, &b, f, 16, id, self->max_len, 0);
	RUN_BATCH(&c, &b);
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(0U, st.tx_copied);
	EXPECT_EQ(16U, st.tx_zerocopy);
	zc_ctx_close(&c);
}

/* The length limit is the device's MTU when the frame is sent. */
TEST_F(dev, mtu_change_applies)
{
	const unsigned int mtu = 1000;
	struct zc_frame f[4];
	struct zc_batch b;

	ASSERT_LT(mtu, self->nif.mtu);
	ASSERT_EQ(0, zc_netif_set_mtu(self->env.iface, mtu));
	self->old_mtu = self->nif.mtu;
	ASSERT_EQ(0, zc_netif_wait_running(self->env.iface, 10000));

	good_batch(self, &b, f, 4, self->id, mtu + ZC_ETH_HLEN, -1);
	f[1].len = mtu + ZC_ETH_HLEN + 1;
	f[1].good = false;
	f[1].want = -EINVAL;
	f[1].arrive = 0;
	f[3].len = self->max_len;
	f[3].good = false;
	f[3].want = -EINVAL;
	f[3].arrive = 0;
	RUN_BATCH(&self->c, &b);

	ASSERT_EQ(0, zc_netif_set_mtu(self->env.iface, self->old_mtu));
	self->old_mtu = 0;
	ASSERT_EQ(0, zc_netif_wait_running(self->env.iface, 10000));
	good_batch(self, &b, f, 4, self->id, self->max_len, -1);
	RUN_BATCH(&self->c, &b);
}

TEST_HARNESS_MAIN
