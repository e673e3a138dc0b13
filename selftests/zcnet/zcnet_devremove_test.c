// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet raw transmit while the sending NIC is hot-removed: echo 1 to the
 * PCI function's sysfs "remove" while a stream of frames is kicked (and,
 * with ZCNET_FEAT_RX, receive while frames arrive from the peer). Nothing
 * hangs, every consumed descriptor completes exactly once, the context is
 * unbound, later raw descriptors complete with -ENXIO. Then the bus is
 * rescanned and the NIC put back as the harness named and addressed it
 * ($ZCNET_IFACE, $ZCNET_LOCAL_IP/24, up), and a new context sends on it.
 *
 * Destructive: the Makefile lists it last, so it runs after the other
 * programs. Without TX_RAW in GET_INFO's features, or outside the test
 * guest (no $ZCNET_* variables), it SKIPs.
 */
#include <limits.h>
#include <libgen.h>
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define PCI_PAGES	64U
#define STREAM_SLOTS	32U
#define STREAM_LEN	1000U
#define STREAM_MAX	(1U << 20)
#define MSG_LEN		2048
#define DEFAULT_IP	"10.99.0.1"
#define RESCAN		"/sys/bus/pci/rescan"

FIXTURE(pci) {
	struct zc_env env;
	struct zc_netif nif, peer;
	int peer_fd;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	char remove[PATH_MAX];	/* the PCI function's "remove" */
	pid_t owner;
	bool removed;		/* the teardown rescans and restores */
};

/*
 * The PCI function behind a NIC: its device directory, or the parent's
 * for a virtio device (virtioN sits below the PCI function).
 */
static int pci_remove_path(const char *ifname, char *out, size_t size)
{
	char link[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX + 16];

	snprintf(link, sizeof(link), "/sys/class/net/%s/device", ifname);
	if (!realpath(link, dir))
		return -errno;
	snprintf(probe, sizeof(probe), "%s/remove", dir);
	if (access(probe, W_OK)) {
		dirname(dir);
		snprintf(probe, sizeof(probe), "%s/remove", dir);
		if (access(probe, W_OK))
			return -ENOENT;
	}
	if (strlen(probe) >= size)
		return -ENAMETOOLONG;
	strcpy(out, probe);
	return 0;
}

/* The device (root netns) with this MAC: 0 and its name, or -ENODEV. */
static int find_by_mac(const unsigned char *mac, char *name, size_t size)
{
	char want[32], path[300], addr[64] = { 0 };
	struct dirent *de;
	int ret = -ENODEV;
	DIR *d;

	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	d = opendir("/sys/class/net");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address",
			 de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, addr, sizeof(addr) - 1);
		close(fd);
		if (n <= 0)
			continue;
		addr[n] = '\0';
		if (strncmp(addr, want, strlen(want)))
			continue;
		if (strlen(de->d_name) >= size)
			continue;
		memcpy(name, de->d_name, strlen(de->d_name) + 1);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

/*
 * Rescan, wait for the NIC (by MAC), give it back its name and address
 * and bring it up. Returns 0 or a negative step number.
 */
static int restore_nic(FIXTURE_DATA(pci) *self, char *msg, size_t size)
{
	const char *ip = self->env.local_ip ? self->env.local_ip : DEFAULT_IP;
	uint64_t end = zc_now_ms() + 30000;
	char name[IF_NAMESIZE];
	int ret;

	ret = zc_write_file(RESCAN, "1");
	if (ret) {
		snprintf(msg, size, "rescan: %s", strerror(-ret));
		return -1;
	}
	while ((ret = find_by_mac(self->nif.mac, name, sizeof(name)))) {
		if (zc_now_ms() > end) {
			snprintf(msg, size, "the NIC did not come back in 30 s");
			return -2;
		}
		zc_sleep_ms(100);
	}
	if (strcmp(name, self->env.iface)) {
		zc_netif_set_up(name, false);
		ret = zc_netif_rename(name, self->env.iface);
		if (ret) {
			snprintf(msg, size, "rename %s to %s: %s", name,
				 self->env.iface, strerror(-ret));
			return -3;
		}
	}
	ret = zc_netif_ensure_addr(self->env.iface, ip);
	if (!ret)
		ret = zc_netif_set_up(self->env.iface, true);
	if (!ret)
		ret = zc_netif_wait_running(self->env.iface, 15000);
	if (ret) {
		snprintf(msg, size, "bringing %s up: %s", self->env.iface,
			 strerror(-ret));
		return -4;
	}
	return 0;
}

FIXTURE_SETUP(pci)
{
	const char *why;
	int ret;

	self->owner = getpid();
	self->c.fd = -1;
	self->peer_fd = -1;
	self->mem = NULL;
	self->removed = false;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_TRUE(self->nif.flags & IFF_UP)
		TH_LOG("%s is down: an earlier test did not restore it",
		       self->env.iface);
	ret = pci_remove_path(self->env.iface, self->remove,
			      sizeof(self->remove));
	if (ret)
		SKIP(return, "%s has no PCI function to remove: %s",
		     self->env.iface, strerror(-ret));
	self->peer_fd = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, self->peer_fd);
	self->mem_len = PCI_PAGES * zc_page_size();
	self->mem = zc_alloc_pages(PCI_PAGES);
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 256, 1024, 0, 0));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_keep_zero_copy(self->c.fd));
}

/* In the parent: the NIC comes back even if the test process died. */
FIXTURE_TEARDOWN_PARENT(pci)
{
	char msg[256] = "";

	if (getpid() == self->owner) {
		zc_ctx_close(&self->c);
		if (self->peer_fd >= 0)
			close(self->peer_fd);
		if (self->mem)
			munmap(self->mem, self->mem_len);
	}
	if (self->removed && restore_nic(self, msg, sizeof(msg)))
		fprintf(stderr, "# could not restore %s: %s\n", self->env.iface, msg);
}

TEST_F_TIMEOUT(pci, hot_remove_mid_stream, 110)
{
	static const __s32 before_ok[] = { ZC_STREAM_LEN, -ENETDOWN, -ENODEV,
					   -ENOBUFS, -ENXIO, -ECANCELED };
	static const __s32 after_ok[] = { -ENXIO };
	struct zcnet_stats st;
	struct zc_stream s;
	struct zc_netif gone, back;
	struct zc_frame f[16];
	struct zc_batch b;
	struct zc_ctx c;
	char msg[MSG_LEN];
	__u64 mark, hist[6], i;
	uint64_t end;
	int status, np = 0, ret;
	pid_t pid;
	__u32 id;

	msg[0] = '\0';
	TH_LOG("removing %s", self->remove);
	for (i = 0; i < STREAM_SLOTS; i++)
		zc_frame_fill(self->mem + i * ZC_SLOT, STREAM_LEN, self->peer.mac,
			      self->nif.mac, 0, (__u32)i);
	ASSERT_EQ(0, zc_stream_init(&s, &self->c, (__u16)self->id,
				    STREAM_SLOTS, STREAM_LEN, STREAM_MAX));

	/* frames flow */
	end = zc_now_ms() + 10000;
	while (s.completed < 64 && zc_now_ms() < end)
		zc_stream_step(&s, 16);
	ASSERT_LE(64U, s.completed) TH_LOG("no completions while streaming");

	/* hot-remove, while the stream goes on */
	self->removed = true;
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(zc_write_file(self->remove, "1") ? 1 : 0);
	end = zc_now_ms() + 30000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ASSERT_GT(end, zc_now_ms()) {
			TH_LOG("PCI remove did not return in 30 s: is the device still held?");
			kill(pid, SIGKILL);
		}
		zc_stream_step(&s, 16);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-ENODEV, zc_netif_get(self->env.iface, &gone));

	/* from now on: no device, the context is unbound */
	mark = s.pushed;
	for (i = 0; i < 50; i++)
		zc_stream_step(&s, 16);
	EXPECT_LT(mark, s.pushed);
	EXPECT_EQ(0, zc_stream_finish(&s, 20000))
		TH_LOG("%llu of %llu descriptors never completed",
		       (unsigned long long)(s.pushed - s.completed),
		       (unsigned long long)s.pushed);
	EXPECT_EQ(0, s.kick_err);
	EXPECT_EQ(0U, s.unknown);
	EXPECT_EQ(0U, s.dups);
	EXPECT_EQ(s.pushed, zc_stream_consumed(&s));
	zc_stream_check(&s, 0, mark, before_ok, 6, "before removal", msg,
			sizeof(msg), &np, hist);
	TH_LOG("before removal: %llu sent, %llu -ENETDOWN, %llu -ENODEV, "
	       "%llu -ENOBUFS, %llu -ENXIO, %llu -ECANCELED",
	       (unsigned long long)hist[0], (unsigned long long)hist[1],
	       (unsigned long long)hist[2], (unsigned long long)hist[3],
	       (unsigned long long)hist[4], (unsigned long long)hist[5]);
	zc_stream_check(&s, mark, s.pushed, after_ok, 1, "after removal", msg,
			sizeof(msg), &np, NULL);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);

	EXPECT_EQ(-ENOTCONN, zc_unbind(self->c.fd, ZCNET_BIND_TX));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(s.pushed, st.cq_posted);
	/* nothing of the region is in flight any more */
	EXPECT_EQ(0, zc_unreg(self->c.fd, self->id));
	zc_stream_free(&s);

	/* back, and usable */
	ret = restore_nic(self, msg, sizeof(msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", msg);
	self->removed = false;
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &back));
	ASSERT_EQ(0, zc_ctx_open(&c, 64, 64, 0, 0));
	ASSERT_EQ(0, zc_reg(c.fd, self->mem, self->mem_len, &id));
	/* the old ifindex is gone for good */
	if (back.ifindex != self->nif.ifindex) {
		EXPECT_EQ(-ENODEV, zc_bind(c.fd, ZCNET_BIND_TX,
					   (__u32)self->nif.ifindex,
					   ZCNET_QUEUE_ANY));
	}
	ASSERT_EQ(0, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)back.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_keep_zero_copy(c.fd));
	memset(f, 0, sizeof(f));
	for (i = 0; i < 16; i++) {
		f[i].offset = i * ZC_SLOT;
		f[i].len = 800;
		f[i].region = (__u16)id;
		f[i].data = self->mem + f[i].offset;
		f[i].good = true;
		f[i].copied = -1;
		f[i].arrive = 1;
	}
	memset(&b, 0, sizeof(b));
	b.f = f;
	b.n = 16;
	b.dst = self->peer.mac;
	b.src = back.mac;
	b.ordered = true;
	ASSERT_EQ(0, zc_batch_run(&c, &b, self->peer_fd, -1));
	EXPECT_EQ(0, zc_batch_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	zc_ctx_close(&c);
}

/* ---- receive ---- */

#define RX_LEN		600U
#define RX_BUF		2048U

/* In a child: send test frames (run, seq 0..) from the peer until killed. */
static void rx_sender(FIXTURE_DATA(pci) *self, __u32 run)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ZC_ETH_P_TEST),
		.sll_ifindex = self->peer.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	unsigned char frame[RX_LEN];
	__u32 seq;
	int s;

	memcpy(sll.sll_addr, self->nif.mac, ZC_ETH_ALEN);
	if (zc_netns_enter(self->env.peer_ns) < 0)
		_exit(1);
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0)
		_exit(1);
	for (seq = 0;; seq++) {
		zc_frame_fill(frame, RX_LEN, self->nif.mac, self->peer.mac, run,
			      seq);
		sendto(s, frame, RX_LEN, 0, (struct sockaddr *)&sll,
		       sizeof(sll));
		zc_sleep_ms(1);
	}
}

static long bind_rx_test(int fd, int ifindex)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = ZCNET_BIND_RX,
		.ifindex = (__u32)ifindex,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = ZCNET_RX_MATCH_ETHERTYPE,
		.rx_ethertype = ZC_ETH_P_TEST,
	};

	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

struct rx_tally {
	__u64 entries, bad, last_seq;
	bool any;
	char msg[MSG_LEN];
	int np;
};

/* Pop every RX entry, check it, post its buffer again. */
static void rx_reap(FIXTURE_DATA(pci) *self, struct zc_ctx *c, __u32 rid,
		    __u32 run, struct rx_tally *t)
{
	unsigned char want[RX_LEN];

	for (;;) {
		__u32 cons = zc_load_relaxed(c->rx.consumer);
		__u32 prod = zc_load_acquire(c->rx.producer);
		struct zcnet_fill_desc fd = { .len = RX_BUF, .region = (__u16)rid };
		struct zcnet_rx_desc e;
		__u32 r = 0, seq = 0;
		__u32 fprod;

		if (prod == cons)
			return;
		memcpy(&e, zc_ring_slot(&c->rx, cons), sizeof(e));
		zc_store_release(c->rx.consumer, cons + 1);
		t->entries++;
		if (e.region != rid || e.offset % RX_BUF ||
		    e.offset >= self->mem_len || e.buf_len != RX_BUF ||
		    e.data || e.len != RX_LEN || e.frame_len != RX_LEN ||
		    e.flags != ZCNET_RX_COPIED) {
			t->bad++;
			zc_problem(t->msg, sizeof(t->msg), &t->np,
				   "entry: region %u offset %llu buf_len %u data %u len %u frame_len %u flags 0x%x",
				   e.region, (unsigned long long)e.offset,
				   e.buf_len, e.data, e.len, e.frame_len,
				   e.flags);
			continue;
		}
		if (zc_frame_tag(self->mem + e.offset, e.len, &r, &seq) ||
		    r != run) {
			t->bad++;
			zc_problem(t->msg, sizeof(t->msg), &t->np,
				   "entry at %llu: not one of our frames",
				   (unsigned long long)e.offset);
		} else {
			zc_frame_fill(want, RX_LEN, self->nif.mac,
				      self->peer.mac, run, seq);
			if (memcmp(want, self->mem + e.offset, RX_LEN)) {
				t->bad++;
				zc_problem(t->msg, sizeof(t->msg), &t->np,
					   "seq %u: bytes differ", seq);
			}
			if (t->any && seq <= t->last_seq)
				zc_problem(t->msg, sizeof(t->msg), &t->np,
					   "seq %u after %llu", seq,
					   (unsigned long long)t->last_seq);
			t->last_seq = seq;
			t->any = true;
		}
		fd.offset = e.offset;
		fprod = zc_load_relaxed(c->fill.producer);
		memcpy(zc_ring_slot(&c->fill, fprod), &fd, sizeof(fd));
		zc_store_release(c->fill.producer, fprod + 1);
	}
}

/*
 * The receiving NIC is hot-removed while frames arrive: removal does not
 * hang on the context's rx_handler, the context is unbound (UNBIND:
 * ENOTCONN), whatever was received is whole, and the context receives
 * again once bound to the NIC that came back.
 */
TEST_F_TIMEOUT(pci, hot_remove_while_receiving, 110)
{
	struct zc_netif back;
	struct rx_tally t;
	struct zcnet_stats st;
	struct zc_ctx c;
	char msg[256] = "";
	__u64 mark;
	uint64_t end;
	int status, ret;
	pid_t pid, sender;
	__u32 rid, i, run = zc_new_run();

	if (!(zc_features() & ZCNET_FEAT_RX))
		SKIP(return, "this build does not offer ZCNET_FEAT_RX");
	memset(&t, 0, sizeof(t));
	ASSERT_EQ(0, zc_ctx_open(&c, 0, 0, 256, 256));
	ASSERT_EQ(0, zc_reg(c.fd, self->mem, self->mem_len, &rid));
	for (i = 0; i < self->mem_len / RX_BUF; i++) {
		struct zcnet_fill_desc fd = { .offset = (__u64)i * RX_BUF,
					      .len = RX_BUF,
					      .region = (__u16)rid };
		__u32 fprod = zc_load_relaxed(c.fill.producer);

		memcpy(zc_ring_slot(&c.fill, fprod), &fd, sizeof(fd));
		zc_store_release(c.fill.producer, fprod + 1);
	}
	ASSERT_EQ(0, bind_rx_test(c.fd, self->nif.ifindex));
	sender = zc_fork();
	ASSERT_LE(0, sender);
	if (sender == 0)
		rx_sender(self, run);

	/* frames flow */
	end = zc_now_ms() + 10000;
	while (t.entries < 32 && zc_now_ms() < end) {
		rx_reap(self, &c, rid, run, &t);
		zc_sleep_ms(5);
	}
	ASSERT_LE(32U, t.entries) TH_LOG("no frames received");

	/* hot-remove while frames arrive */
	TH_LOG("removing %s", self->remove);
	self->removed = true;
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(zc_write_file(self->remove, "1") ? 1 : 0);
	end = zc_now_ms() + 30000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ASSERT_GT(end, zc_now_ms()) {
			TH_LOG("PCI remove did not return in 30 s: is the device still held?");
			kill(pid, SIGKILL);
			zc_kill_wait(sender);
		}
		rx_reap(self, &c, rid, run, &t);
		zc_sleep_ms(2);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rx_reap(self, &c, rid, run, &t);

	/* unbound by the unregistration; what came is whole */
	EXPECT_EQ(-ENOTCONN, zc_unbind(c.fd, ZCNET_BIND_RX));
	EXPECT_EQ(-ENODEV, bind_rx_test(c.fd, self->nif.ifindex));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(t.entries, st.rx_frames);
	EXPECT_EQ(0U, st.ring_errors);
	EXPECT_EQ(0U, t.bad) TH_LOG("%s", t.msg);

	/* back: bound to the new device, it receives again */
	ret = restore_nic(self, msg, sizeof(msg));
	if (ret)
		zc_kill_wait(sender);
	ASSERT_EQ(0, ret) TH_LOG("%s", msg);
	self->removed = false;
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &back));
	ret = (int)bind_rx_test(c.fd, back.ifindex);
	if (ret)
		zc_kill_wait(sender);
	ASSERT_EQ(0, ret);
	mark = t.entries;
	end = zc_now_ms() + 10000;
	while (t.entries < mark + 32 && zc_now_ms() < end) {
		rx_reap(self, &c, rid, run, &t);
		zc_sleep_ms(5);
	}
	zc_kill_wait(sender);
	EXPECT_LE(mark + 32, t.entries) TH_LOG("nothing received after the NIC came back");
	EXPECT_EQ(0U, t.bad) TH_LOG("%s", t.msg);
	EXPECT_EQ(0, zc_unbind(c.fd, ZCNET_BIND_RX));
	zc_ctx_close(&c);
}

TEST_HARNESS_MAIN
