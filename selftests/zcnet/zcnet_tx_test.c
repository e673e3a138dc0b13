// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet raw-frame transmit (ZCNET_FEAT_TX_RAW): ZCNET_IOC_BIND/UNBIND and
 * their errors, ZCNET_PARAM_TX_COPY_THRESHOLD, and frames sent from
 * registered memory on $ZCNET_IFACE to the NIC $ZCNET_PEER_IFACE in the
 * namespace $ZCNET_PEER_NS, where a packet socket checks every byte:
 * sizes, page-crossing frames, several regions, batches, completions and
 * the CQ eventfd, zero copy and the COPIED flag (threshold, packet taps),
 * bad descriptors, CQ back-pressure, in-flight frames against
 * UNREG_REGION, UNBIND and close.
 *
 * Without TX_RAW in GET_INFO's features, or outside the test guest (no
 * $ZCNET_* variables), every test SKIPs. Devices are only created inside
 * private network namespaces.
 */
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define TX_PAGES	160U		/* 320 frame slots of ZC_SLOT bytes */
#define TX_SLOTS(t)	((unsigned int)((t)->mem_len / ZC_SLOT))
#define MSG_LEN		2048

/* ------------------------------------------------------------------ */
/* BIND, UNBIND, SET_PARAM                                             */
/* ------------------------------------------------------------------ */

FIXTURE(bind) {
	struct zc_env env;
	struct zc_netif nif;
	int ntxq;
	int fd;
	mode_t old_mode;
	bool chmodded;
};

FIXTURE_SETUP(bind)
{
	const char *why;

	self->fd = -1;
	self->chmodded = false;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif))
		TH_LOG("no device %s", self->env.iface);
	self->ntxq = zc_netif_tx_queues(self->env.iface);
	ASSERT_LE(1, self->ntxq);
	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
}

FIXTURE_TEARDOWN(bind)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->chmodded)
		chmod(ZC_DEV_PATH, self->old_mode);
}

static long bind_arg(int fd, struct zcnet_bind *b)
{
	return zc_ioctl(fd, ZCNET_IOC_BIND, b);
}

static struct zcnet_bind bind_tx(__u32 ifindex)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = ZCNET_BIND_TX,
		.ifindex = ifindex,
		.queue = ZCNET_QUEUE_ANY,
	};

	return b;
}

TEST_F(bind, bind_unbind_rebind)
{
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->fd, ZCNET_BIND_TX));
	ASSERT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	EXPECT_EQ(0, zc_unbind(self->fd, ZCNET_BIND_TX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex, 0));
	EXPECT_EQ(0, zc_unbind(self->fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
}

TEST_F(bind, bind_twice_ebusy)
{
	int fd2;

	ASSERT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	EXPECT_EQ(-EBUSY, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
				  ZCNET_QUEUE_ANY));
	EXPECT_EQ(-EBUSY, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex, 0));
	/* another context binds the same device and queue on its own */
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_setup(fd2, 8, 8, 0, 0));
	EXPECT_EQ(0, zc_bind(fd2, ZCNET_BIND_TX, self->nif.ifindex, 0));
	close(fd2);
	/* still bound after the rejected calls */
	EXPECT_EQ(0, zc_unbind(self->fd, ZCNET_BIND_TX));
}

TEST_F(bind, queue_out_of_range_einval)
{
	const __u32 bad[] = { (__u32)self->ntxq, (__u32)self->ntxq + 1, 4096,
			      0x7fffffffu, 0xfffffffeu };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, zc_bind(self->fd, ZCNET_BIND_TX,
					   self->nif.ifindex, bad[i]))
			TH_LOG("queue %u of %d", bad[i], self->ntxq);
	}
	/* the last queue is fine */
	EXPECT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     (__u32)self->ntxq - 1))
		TH_LOG("queue %d of %d", self->ntxq - 1, self->ntxq);
}

TEST_F(bind, unknown_flags_einval)
{
	const __u32 flags[] = { ZCNET_BIND_TX | (1U << 2),
				ZCNET_BIND_TX | (1U << 31), 1U << 2, 1U << 31 };
	struct zcnet_bind b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		b = bind_tx(self->nif.ifindex);
		b.flags = flags[i];
		EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b))
			TH_LOG("flags 0x%x", flags[i]);
	}
	EXPECT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
}

TEST_F(bind, rx_fields_without_rx_einval)
{
	struct zcnet_bind b;

	b = bind_tx(self->nif.ifindex);
	b.rx_match = ZCNET_RX_MATCH_ETHERTYPE;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	b.rx_match = ZCNET_RX_MATCH_UDP;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	b.rx_match = 77;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	b.rx_ethertype = ZC_ETH_P_TEST;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	b.rx_port = 4789;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	EXPECT_EQ(0, bind_arg(self->fd, &b));
}

TEST_F(bind, reserved_einval)
{
	struct zcnet_bind b;

	b = bind_tx(self->nif.ifindex);
	b.reserved0 = 1;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	b.reserved1 = 1ULL << 63;
	EXPECT_EQ(-EINVAL, bind_arg(self->fd, &b));
	b = bind_tx(self->nif.ifindex);
	EXPECT_EQ(0, bind_arg(self->fd, &b));
}

TEST_F(bind, missing_device_enodev)
{
	char name[IF_NAMESIZE];
	__u32 idx = 100000;

	while (if_indextoname(idx, name))
		idx++;
	EXPECT_EQ(-ENODEV, zc_bind(self->fd, ZCNET_BIND_TX, idx,
				   ZCNET_QUEUE_ANY)) TH_LOG("ifindex %u", idx);
	EXPECT_EQ(-ENODEV, zc_bind(self->fd, ZCNET_BIND_TX, 0x7fffffffu,
				   ZCNET_QUEUE_ANY));
	EXPECT_EQ(-ENODEV, zc_bind(self->fd, ZCNET_BIND_TX, 0,
				   ZCNET_QUEUE_ANY));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->fd, ZCNET_BIND_TX));
}

TEST_F(bind, device_of_other_netns_enodev)
{
	struct zc_netif peer;
	char name[IF_NAMESIZE];
	int s = zc_peer_open(&self->env, ZC_ETH_P_TEST, &peer);

	ASSERT_LE(0, s) TH_LOG("peer device: %s", strerror(-s));
	close(s);
	if (if_indextoname((unsigned int)peer.ifindex, name))
		SKIP(return, "ifindex %d of the peer is also %s here",
		     peer.ifindex, name);
	EXPECT_EQ(-ENODEV, zc_bind(self->fd, ZCNET_BIND_TX,
				   (__u32)peer.ifindex, ZCNET_QUEUE_ANY))
		TH_LOG("%s in %s has ifindex %d", self->env.peer_iface,
		       self->env.peer_ns, peer.ifindex);
}

/* In a new network namespace of its own, lo exists and is down. */
TEST_F(bind, down_device_enetdown)
{
	struct zc_netif lo;
	int fd;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, zc_netif_get("lo", &lo));
	ASSERT_EQ(0, lo.flags & IFF_UP);
	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_setup(fd, 8, 8, 0, 0));
	EXPECT_EQ(-ENETDOWN, zc_bind(fd, ZCNET_BIND_TX, (__u32)lo.ifindex,
				     ZCNET_QUEUE_ANY));
	EXPECT_EQ(-ENETDOWN, zc_bind(fd, ZCNET_BIND_TX, (__u32)lo.ifindex, 0));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_TX));
	close(fd);
}

/*
 * A dummy device in a private netns: down (ENETDOWN), up, its only
 * queue, frames (the dummy consumes them: result is the length), then
 * deleted while bound: the context is unbound and raw descriptors
 * complete with -ENXIO.
 */
TEST_F(bind, dummy_device_lifecycle)
{
	static const char *const add[] = { "ip", "link", "add", "zcdummy0",
					   "type", "dummy", NULL };
	static const char *const del[] = { "ip", "link", "del", "zcdummy0", NULL };
	static const unsigned char bcast[ZC_ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t pg = zc_page_size();
	unsigned char *mem = zc_alloc_pages(1);
	struct zcnet_cq_entry e[2];
	struct zcnet_tx_desc d;
	struct zcnet_stats st;
	struct zc_netif dn;
	struct zc_ctx c;
	__u32 id, max;
	int rc;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	rc = zc_run(add);
	if (rc)
		SKIP(return, "ip link add type dummy failed (%d): no dummy module?",
		     rc);
	ASSERT_EQ(0, zc_netif_get("zcdummy0", &dn));
	max = dn.mtu + ZC_ETH_HLEN;
	ASSERT_EQ(0, zc_ctx_open(&c, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_reg(c.fd, mem, pg, &id));

	EXPECT_EQ(-ENETDOWN, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)dn.ifindex,
				     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_netif_set_up("zcdummy0", true));
	EXPECT_EQ(-EINVAL, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)dn.ifindex, 1));
	ASSERT_EQ(0, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)dn.ifindex, 0));

	zc_frame_fill(mem, 100, bcast, dn.mac, 1, 0);
	zc_frame_fill(mem + 128, max, bcast, dn.mac, 1, 1);
	d = zc_raw((__u16)id, 0, 100, 1);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	d = zc_raw((__u16)id, 128, max, 2);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	ASSERT_EQ(2, zc_kick(c.fd, 0));
	ASSERT_EQ(2U, zc_cq_collect(&c, e, 2, ZC_CQ_WAIT_MS));
	EXPECT_EQ(1U, e[0].cookie);
	EXPECT_EQ(100, e[0].result);
	EXPECT_EQ(2U, e[1].cookie);
	EXPECT_EQ((__s32)max, e[1].result);

	/* deleted while bound: unbound, later frames have no device */
	ASSERT_EQ(0, zc_run(del));
	d = zc_raw((__u16)id, 0, 100, 3);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	ASSERT_EQ(1, zc_kick(c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&c, e, 1, ZC_CQ_WAIT_MS));
	EXPECT_EQ(3U, e[0].cookie);
	EXPECT_EQ(-ENXIO, e[0].result);
	EXPECT_EQ(-ENOTCONN, zc_unbind(c.fd, ZCNET_BIND_TX));
	EXPECT_EQ(-ENODEV, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)dn.ifindex,
				   ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(2U, st.tx_frames);
	EXPECT_EQ(100U + max, st.tx_bytes);
	EXPECT_EQ(0, zc_unreg(c.fd, id));
	zc_ctx_close(&c);
	munmap(mem, pg);
}

static void unpriv_bind_child(long *r, const void *arg)
{
	__u32 ifindex = *(const __u32 *)arg;
	int fd;

	r[0] = zc_become_user(ZC_NOBODY, 64 << 20);
	if (r[0])
		return;
	fd = zc_open();
	r[1] = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	r[2] = zc_setup(fd, 8, 8, 0, 0);
	r[3] = zc_bind(fd, ZCNET_BIND_TX, ifindex, ZCNET_QUEUE_ANY);
	r[4] = zc_bind(fd, ZCNET_BIND_TX, ifindex, 0);
	close(fd);
}

TEST_F(bind, unprivileged_eperm)
{
	__u32 ifindex = (__u32)self->nif.ifindex;
	struct stat sb;
	long r[5];

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
	ASSERT_EQ(0, zc_child_results(unpriv_bind_child, &ifindex, r, 5));
	ASSERT_EQ(0, r[0]) TH_LOG("could not become uid %d", ZC_NOBODY);
	ASSERT_EQ(0, r[1]) TH_LOG("open as uid %d", ZC_NOBODY);
	ASSERT_EQ(0, r[2]);
	EXPECT_EQ(-EPERM, r[3]);
	EXPECT_EQ(-EPERM, r[4]);
}

/*
 * CAP_NET_RAW counts in the user namespace that owns the device's netns:
 * an unprivileged user with a user and network namespace of its own gets
 * past the permission check for its own devices.
 */
static void userns_bind_child(long *r, const void *arg)
{
	int fd;

	(void)arg;
	r[0] = zc_become_user(ZC_NOBODY, 64 << 20);
	if (r[0])
		return;
	fd = zc_open();
	r[1] = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	r[2] = unshare(CLONE_NEWUSER | CLONE_NEWNET) ? -errno : 0;
	if (r[2])
		return;
	r[3] = zc_setup(fd, 8, 8, 0, 0);
	r[4] = zc_bind(fd, ZCNET_BIND_TX, 1, ZCNET_QUEUE_ANY);	/* lo, down */
	r[5] = zc_netif_set_up("lo", true);
	r[6] = zc_bind(fd, ZCNET_BIND_TX, 1, ZCNET_QUEUE_ANY);	/* lo, up */
	close(fd);
}

TEST_F(bind, userns_owner_has_permission)
{
	struct stat sb;
	long r[7];

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
	ASSERT_EQ(0, zc_child_results(userns_bind_child, NULL, r, 7));
	ASSERT_EQ(0, r[0]);
	ASSERT_EQ(0, r[1]);
	if (r[2])
		SKIP(return, "unprivileged user namespaces unavailable: %s",
		     strerror((int)-r[2]));
	ASSERT_EQ(0, r[3]);
	EXPECT_EQ(-ENETDOWN, r[4]);
	ASSERT_EQ(0, r[5]);
	EXPECT_NE(-EPERM, r[6]);
}

TEST_F(bind, unbind_bad_flags_einval)
{
	struct zcnet_unbind u = { .size = sizeof(u) };

	ASSERT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	u.flags = ZCNET_BIND_TX | (1U << 2);
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_UNBIND, &u));
	u.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_UNBIND, &u));
	/* still bound */
	EXPECT_EQ(-EBUSY, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
				  ZCNET_QUEUE_ANY));
	EXPECT_EQ(0, zc_unbind(self->fd, ZCNET_BIND_TX));
}

TEST_F(bind, set_param_copy_threshold_range)
{
	const __u64 ok[] = { 0, 1, 14, 60, 64, 1514, 9000, 65534, 65535 };
	const __u64 bad[] = { 65536, 65537, 1ULL << 32, 1ULL << 63, ~0ULL };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		EXPECT_EQ(0, zc_set_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					  ok[i])) TH_LOG("value %llu",
							 (unsigned long long)ok[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, zc_set_param(self->fd,
						ZCNET_PARAM_TX_COPY_THRESHOLD,
						bad[i]))
			TH_LOG("value %llu", (unsigned long long)bad[i]);
	}
}

/* the two after the last one known, and far ones */
static const __u32 unknown_params[] = { ZCNET_PARAM_RX_WAKE_USEC + 1,
					ZCNET_PARAM_RX_WAKE_USEC + 2,
					0x80000000u, 0xffffffffu };

TEST_F(bind, set_param_bad_args_einval)
{
	struct zcnet_param p = { .size = sizeof(p) };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unknown_params); i++) {
		EXPECT_EQ(-EINVAL, zc_set_param(self->fd, unknown_params[i], 0))
			TH_LOG("param %u", unknown_params[i]);
	}
	p.param = ZCNET_PARAM_TX_COPY_THRESHOLD;
	p.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_SET_PARAM, &p));
	p.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_SET_PARAM, &p));
	p.flags = 0;
	p.reserved = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_SET_PARAM, &p));
	p.reserved = 0;
	EXPECT_EQ(0, zc_ioctl(self->fd, ZCNET_IOC_SET_PARAM, &p));
}

TEST_F(bind, get_param_bad_args_einval)
{
	struct zcnet_param p = { .size = sizeof(p) };
	__u64 v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unknown_params); i++) {
		EXPECT_EQ(-EINVAL, zc_get_param(self->fd, unknown_params[i], &v))
			TH_LOG("param %u", unknown_params[i]);
	}
	p.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_GET_PARAM, &p));
	p.flags = 0;
	p.reserved = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_GET_PARAM, &p));
	p.reserved = 0;
	p.size = ZCNET_PARAM_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_GET_PARAM, &p));
	/* value is output only */
	p.size = sizeof(p);
	p.value = ~0ULL;
	EXPECT_EQ(0, zc_ioctl(self->fd, ZCNET_IOC_GET_PARAM, &p));
	EXPECT_GE(65535ULL, p.value);
	EXPECT_EQ(-EFAULT, zc_ioctl(self->fd, ZCNET_IOC_GET_PARAM, NULL));
}

/* What SET_PARAM sets, GET_PARAM reads back, for both thresholds. */
TEST_F(bind, get_param_reads_what_was_set)
{
	const __u64 vals[] = { 0, 1, 1514, 65535 };
	__u64 v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		ASSERT_EQ(0, zc_set_param(self->fd,
					  ZCNET_PARAM_TX_COPY_THRESHOLD,
					  vals[i]));
		ASSERT_EQ(0, zc_get_param(self->fd,
					  ZCNET_PARAM_TX_COPY_THRESHOLD, &v));
		EXPECT_EQ(vals[i], v);
		ASSERT_EQ(0, zc_set_param(self->fd,
					  ZCNET_PARAM_SOCK_COPY_THRESHOLD,
					  vals[i] * 16));
		ASSERT_EQ(0, zc_get_param(self->fd,
					  ZCNET_PARAM_SOCK_COPY_THRESHOLD, &v));
		EXPECT_EQ(vals[i] * 16, v);
	}
	/* a rejected value leaves the old one */
	EXPECT_EQ(-EINVAL, zc_set_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					65536));
	ASSERT_EQ(0, zc_get_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, &v));
	EXPECT_EQ(65535U, v);
}

static bool cmdline_has(const char *word)
{
	char buf[4096] = { 0 }, pat[128];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf + 1, sizeof(buf) - 2);
	close(fd);
	if (n <= 0)
		return false;
	buf[0] = ' ';
	snprintf(pat, sizeof(pat), " %s", word);
	return strstr(buf, pat) != NULL;
}

/*
 * Until the program sets it, the raw copy threshold is the module's
 * tx_copy_threshold, or when binding to a device behind a strict IOMMU
 * (told from sysfs) the larger tx_copy_threshold_strict; once set, it
 * stays across binds. The guests boot virtio-net behind a strict IOMMU
 * with iommu.strict=1, so there sysfs must say so.
 */
TEST_F(bind, default_copy_threshold_follows_iommu)
{
	long def = zc_module_param("tx_copy_threshold");
	long strict = zc_module_param("tx_copy_threshold_strict");
	char drv[64] = "";
	int is_strict;
	__u64 v, want;

	ASSERT_LE(0, def) TH_LOG("tx_copy_threshold: %s", strerror((int)-def));
	ASSERT_LE(0, strict) TH_LOG("tx_copy_threshold_strict: %s",
				    strerror((int)-strict));
	is_strict = zc_netif_dma_strict(self->env.iface);
	ASSERT_LE(0, is_strict) TH_LOG("sysfs of %s: %s", self->env.iface,
				       strerror(-is_strict));
	zc_netif_driver(self->env.iface, drv, sizeof(drv));
	if (cmdline_has("iommu.strict=1") && cmdline_has("intel_iommu=on") &&
	    !strcmp(drv, "virtio_net"))
		ASSERT_EQ(1, is_strict);
	TH_LOG("%s (%s): %s IOMMU", self->env.iface, drv,
	       is_strict ? "strict" : "no strict");

	ASSERT_EQ(0, zc_get_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, &v));
	EXPECT_EQ((__u64)(def < 65535 ? def : 65535), v);
	want = (__u64)(is_strict && strict > def ? strict : def);
	if (want > 65535)
		want = 65535;
	ASSERT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_get_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, &v));
	EXPECT_EQ(want, v);
	ASSERT_EQ(0, zc_unbind(self->fd, ZCNET_BIND_TX));
	ASSERT_EQ(0, zc_set_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 77));
	ASSERT_EQ(0, zc_bind(self->fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_get_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, &v));
	EXPECT_EQ(77U, v);
}

/* ------------------------------------------------------------------ */
/* frames on the wire                                                  */
/* ------------------------------------------------------------------ */

/* A bound context with a region, the peer's receiving socket. */
struct txs {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct zc_ctx c;
	int peer_fd;
	int efd;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 max_len;		/* MTU + Ethernet header */
	long def_threshold;	/* what the kernel picked at bind, or -errno */
	long thr;		/* in force: the module's tx_copy_threshold */
	bool kernel_pick;	/* txs_ctx_open() keeps the kernel's pick */
	unsigned int drv_copy;	/* the driver copies frames up to this long */
};

static void txs_init(struct txs *t)
{
	memset(t, 0, sizeof(*t));
	t->c.fd = -1;
	t->peer_fd = -1;
	t->efd = -1;
}

static void txs_ctx_open(struct __test_metadata *_metadata, struct txs *t,
			 __u32 ntx, __u32 ncq)
{
	ASSERT_EQ(0, zc_ctx_open(&t->c, ntx, ncq, 0, 0));
	ASSERT_EQ(0, zc_reg(t->c.fd, t->mem, t->mem_len, &t->id));
	ASSERT_EQ(0, zc_set_eventfd(t->c.fd, ZCNET_EVENTFD_CQ, t->efd));
	ASSERT_EQ(0, zc_bind(t->c.fd, ZCNET_BIND_TX, t->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	if (!t->kernel_pick)
		ASSERT_EQ(0, zc_keep_zero_copy(t->c.fd));
}

static void txs_reopen(struct __test_metadata *_metadata, struct txs *t,
		       __u32 ntx, __u32 ncq)
{
	zc_ctx_close(&t->c);
	zc_efd_read(t->efd);
	txs_ctx_open(_metadata, t, ntx, ncq);
}

/* 0 set up, or a SKIP reason */
static const char *txs_setup(struct __test_metadata *_metadata, struct txs *t)
{
	const char *why;
	__u64 v;

	txs_init(t);
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &t->env);
	if (why)
		return why;
	ASSERT_EQ(0, zc_netif_get(t->env.iface, &t->nif))
		TH_LOG("no device %s", t->env.iface);
	t->max_len = t->nif.mtu + ZC_ETH_HLEN;
	ASSERT_GE(ZC_SLOT, t->max_len) TH_LOG("MTU %u", t->nif.mtu);
	t->peer_fd = zc_peer_open(&t->env, ZC_ETH_P_TEST, &t->peer);
	ASSERT_LE(0, t->peer_fd) TH_LOG("peer %s in %s: %s", t->env.peer_iface,
					t->env.peer_ns, strerror(-t->peer_fd));
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, t->efd);
	t->mem_len = TX_PAGES * zc_page_size();
	t->mem = zc_alloc_pages(TX_PAGES);
	ASSERT_NE(NULL, t->mem);
	t->drv_copy = zc_driver_copy_len(t->env.iface);
	t->kernel_pick = true;
	txs_ctx_open(_metadata, t, 256, 256);
	t->def_threshold = zc_get_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					&v);
	if (!t->def_threshold)
		t->def_threshold = (long)v;
	ASSERT_EQ(0, zc_keep_zero_copy(t->c.fd));
	t->kernel_pick = false;
	t->thr = zc_get_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, &v);
	if (!t->thr)
		t->thr = (long)v;
	return NULL;
}

static void txs_teardown(struct txs *t)
{
	zc_ctx_close(&t->c);
	if (t->peer_fd >= 0)
		close(t->peer_fd);
	if (t->efd >= 0)
		close(t->efd);
	if (t->mem)
		munmap(t->mem, t->mem_len);
	t->mem = NULL;
}

/* Frames in slots 0..n-1 of the region, all good, arriving, copied unknown. */
static void frames_init(struct txs *t, struct zc_frame *f, unsigned int n,
			__u32 len)
{
	unsigned int i;

	memset(f, 0, sizeof(*f) * n);
	for (i = 0; i < n; i++) {
		f[i].offset = (__u64)i * ZC_SLOT;
		f[i].len = len;
		f[i].region = (__u16)t->id;
		f[i].data = t->mem + f[i].offset;
		f[i].good = true;
		f[i].copied = -1;
		f[i].arrive = 1;
	}
}

static void batch_init(struct txs *t, struct zc_batch *b, struct zc_frame *f,
		       unsigned int n)
{
	memset(b, 0, sizeof(*b));
	b->f = f;
	b->n = n;
	b->dst = t->peer.mac;
	b->src = t->nif.mac;
	b->ordered = true;
}

/*
 * ZCNET_CQE_COPIED expected for a frame of len with the copy threshold
 * thr (<0: unknown): at or below the threshold zcnet copies it, at or
 * below the driver's copy length the driver does (vmxnet3), else nobody.
 */
static int copied_for(const struct txs *t, long thr, __u32 len)
{
	if (len <= t->drv_copy)
		return 1;
	if (thr < 0)
		return -1;
	return len <= (unsigned long)thr;
}

/* Length of frame i of n, spread over [lo, hi]. */
static __u32 spread(unsigned int i, unsigned int n, __u32 lo, __u32 hi)
{
	if (n < 2)
		return hi;
	return lo + (__u32)(((__u64)(hi - lo) * i) / (n - 1));
}

#define RUN_BATCH(t, b, tap_fd) do {					\
	char _msg[MSG_LEN];						\
	ASSERT_EQ(0, zc_batch_run(&(t)->c, (b), (t)->peer_fd, (tap_fd)));\
	EXPECT_EQ(0, zc_batch_check((b), _msg, sizeof(_msg)))		\
		TH_LOG("%s", _msg);					\
} while (0)

static void log_driver(struct __test_metadata *_metadata, const char *ifname)
{
	char path[128], drv[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", ifname);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n < 0)
		return;
	drv[n] = '\0';
	TH_LOG("%s: driver %s", ifname, strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv);
}

FIXTURE(tx) {
	struct txs t;
};

FIXTURE_SETUP(tx)
{
	const char *why = txs_setup(_metadata, &self->t);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(tx)
{
	txs_teardown(&self->t);
}

TEST_F(tx, frames_min_to_max_arrive)
{
	struct txs *t = &self->t;
	const __u32 lens[] = { 60, 61, 64, 65, 100, 128, 255, 256, 512, 1000,
			       t->max_len - 1, t->max_len };
	struct zc_frame f[ARRAY_SIZE(lens)];
	__u64 bytes = 0, copied = 0;
	struct zcnet_stats st;
	struct zc_batch b;
	unsigned int i;

	frames_init(t, f, ARRAY_SIZE(lens), 0);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		f[i].len = lens[i];
		f[i].copied = copied_for(t, t->thr, lens[i]);
		bytes += lens[i];
		copied += f[i].copied == 1;
	}
	batch_init(t, &b, f, ARRAY_SIZE(lens));
	RUN_BATCH(t, &b, -1);

	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(ARRAY_SIZE(lens), st.tx_descs);
	EXPECT_EQ(ARRAY_SIZE(lens), st.tx_frames);
	EXPECT_EQ(bytes, st.tx_bytes);
	EXPECT_EQ(ARRAY_SIZE(lens), st.tx_zerocopy + st.tx_copied);
	if (t->thr >= 0) {
		EXPECT_EQ(copied, st.tx_copied);
	}
	EXPECT_EQ(0U, st.tx_rejected);
	EXPECT_EQ(0U, st.tx_dev_errors);
	EXPECT_EQ(0U, st.inflight);
}

TEST_F(tx, frames_cross_page_boundaries)
{
	struct txs *t = &self->t;
	const __u64 pg = zc_page_size();
	const struct { __u64 off; __u32 len; } where[] = {
		{ 1 * pg - 100, t->max_len },		/* the case */
		{ 2 * pg - 7, 200 },			/* header split */
		{ 3 * pg - ZC_ETH_HLEN, t->max_len },	/* header ends at it */
		{ 4 * pg - t->max_len, t->max_len },	/* ends at it */
		{ 5 * pg - 1, t->max_len },		/* one byte before */
		{ 6 * pg - 20, 65 },			/* the tag split */
		{ 7 * pg - 700, 1400 },
		{ 8 * pg, t->max_len },			/* starts at it */
	};
	struct zc_frame f[ARRAY_SIZE(where)];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 copied = 0;
	unsigned int i;

	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	frames_init(t, f, ARRAY_SIZE(where), 0);
	for (i = 0; i < ARRAY_SIZE(where); i++) {
		f[i].offset = where[i].off;
		f[i].len = where[i].len;
		f[i].data = t->mem + where[i].off;
		f[i].copied = copied_for(t, 0, f[i].len);
		copied += f[i].copied;
	}
	batch_init(t, &b, f, ARRAY_SIZE(where));
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(ARRAY_SIZE(where) - copied, st.tx_zerocopy);
	EXPECT_EQ(copied, st.tx_copied);
}

TEST_F(tx, frames_from_three_regions)
{
	struct txs *t = &self->t;
	const unsigned int n = 48;
	/* slots 0..15, the last one straddling into a 17th page */
	const size_t len = (n / 3 + 2) * zc_page_size();
	unsigned char *base[3];
	struct zc_frame f[48];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 copied = 0;
	__u32 ids[3];
	unsigned int i;
	int mfd;

	/* private anonymous (the fixture's), shared anonymous, memfd */
	base[0] = t->mem;
	ids[0] = t->id;
	base[1] = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, base[1]);
	mfd = memfd_create("zcnet-tx", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, (off_t)len));
	base[2] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, base[2]);
	ASSERT_EQ(0, zc_reg(t->c.fd, base[1], len, &ids[1]));
	ASSERT_EQ(0, zc_reg(t->c.fd, base[2], len, &ids[2]));
	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));

	frames_init(t, f, n, 0);
	for (i = 0; i < n; i++) {
		unsigned int r = i % 3, slot = i / 3;

		/* odd slots straddle a page boundary */
		f[i].offset = slot * zc_page_size() +
			      (slot & 1 ? zc_page_size() - 300 : 64);
		f[i].len = spread(i, n, 65, t->max_len);
		f[i].region = (__u16)ids[r];
		f[i].data = base[r] + f[i].offset;
		f[i].copied = copied_for(t, 0, f[i].len);
		copied += f[i].copied;
	}
	batch_init(t, &b, f, n);
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(3U, st.regions);
	EXPECT_EQ(n - copied, st.tx_zerocopy);
	EXPECT_EQ(copied, st.tx_copied);
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(0, zc_unreg(t->c.fd, ids[1]));
	EXPECT_EQ(0, zc_unreg(t->c.fd, ids[2]));
	munmap(base[1], len);
	munmap(base[2], len);
	close(mfd);
}

TEST_F(tx, many_frames_in_one_batch)
{
	struct txs *t = &self->t;
	const unsigned int n = 200;
	struct zc_frame f[200];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 bytes = 0;
	unsigned int i;

	frames_init(t, f, n, 0);
	for (i = 0; i < n; i++) {
		f[i].len = ZC_ETH_ZLEN + (i * 37) % (t->max_len - ZC_ETH_ZLEN + 1);
		f[i].copied = copied_for(t, t->thr, f[i].len);
		bytes += f[i].len;
	}
	batch_init(t, &b, f, n);
	RUN_BATCH(t, &b, -1);
	EXPECT_LE(1, b.kick);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(n, st.tx_descs);
	EXPECT_EQ(n, st.tx_frames);
	EXPECT_EQ(bytes, st.tx_bytes);
	EXPECT_EQ(n, st.cq_posted);
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(n, zc_load_acquire(t->c.tx.consumer));
}

/*
 * More frames than the device queue holds, one kick: the kick stops
 * where the queue is full, the kernel sends the rest by itself. Whether
 * the peer's side keeps up is not this test's business.
 */
TEST_F(tx, busy_queue_finishes_without_more_kicks)
{
	struct txs *t = &self->t;
	const unsigned int n = 512;
	struct zc_frame *f = calloc(n, sizeof(*f));
	char msg[MSG_LEN];
	struct zcnet_stats st;
	struct zc_batch b;
	unsigned int i;

	ASSERT_NE(NULL, f);
	txs_reopen(_metadata, t, 512, 512);
	for (i = 0; i < TX_SLOTS(t); i++)
		zc_frame_fill(t->mem + i * ZC_SLOT, t->max_len, t->peer.mac,
			      t->nif.mac, 0, i);
	frames_init(t, f, n, t->max_len);
	for (i = 0; i < n; i++) {
		f[i].offset = (__u64)(i % TX_SLOTS(t)) * ZC_SLOT;
		f[i].data = NULL;	/* filled above, shared slots */
		f[i].arrive = -1;
	}
	batch_init(t, &b, f, n);
	b.kick_once = true;
	b.ordered = false;
	ASSERT_EQ(0, zc_batch_run(&t->c, &b, -1, -1));
	EXPECT_EQ(0, zc_batch_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_LE(1, b.kick);
	EXPECT_EQ(n, zc_load_acquire(t->c.tx.consumer));
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(n, st.tx_frames);
	EXPECT_EQ(n, st.cq_posted);
	EXPECT_EQ(0U, st.inflight);
	TH_LOG("first kick consumed %ld of %u, tx_busy %llu", b.kick, n,
	       (unsigned long long)st.tx_busy);
	free(f);
}

TEST_F(tx, completions_exactly_once_and_eventfd)
{
	struct txs *t = &self->t;
	const unsigned int n = 100;
	struct zc_frame f[100];
	struct zcnet_cq_entry e;
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 bytes = 0;
	unsigned int i;
	long sig;

	frames_init(t, f, n, 0);
	for (i = 0; i < n; i++) {
		f[i].len = spread(i, n, ZC_ETH_ZLEN, t->max_len);
		bytes += f[i].len;
	}
	batch_init(t, &b, f, n);
	RUN_BATCH(t, &b, -1);

	/* nothing more comes */
	zc_sleep_ms(300);
	EXPECT_EQ(0, zc_kick(t->c.fd, 0));
	EXPECT_EQ(-EAGAIN, zc_cq_pop(&t->c.cq, &e));

	sig = zc_efd_read(t->efd);
	EXPECT_LE(1, sig) TH_LOG("CQ eventfd not signalled");
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ((__u64)sig, st.cq_signals);
	EXPECT_EQ(n, st.tx_descs);
	EXPECT_EQ(n, st.tx_frames);
	EXPECT_EQ(bytes, st.tx_bytes);
	EXPECT_EQ(n, st.cq_posted);
	EXPECT_EQ(n, st.tx_zerocopy + st.tx_copied);
	EXPECT_EQ(0U, st.tx_rejected);
	EXPECT_EQ(0U, st.tx_dev_errors);
	EXPECT_EQ(0U, st.tx_nops);
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(0U, st.ring_errors);
}

TEST_F(tx, eventfd_and_poll_wake_on_completion)
{
	struct txs *t = &self->t;
	struct pollfd p = { .fd = t->efd, .events = POLLIN };
	struct zcnet_cq_entry e;
	struct zcnet_tx_desc d;

	zc_frame_fill(t->mem, 500, t->peer.mac, t->nif.mac, 0, 0);
	d = zc_raw((__u16)t->id, 0, 500, 77);
	ASSERT_EQ(0, zc_tx_push(&t->c.tx, &d));
	ASSERT_EQ(1, zc_kick(t->c.fd, 0));
	EXPECT_EQ(1, poll(&p, 1, ZC_CQ_WAIT_MS)) TH_LOG("CQ eventfd never fired");
	EXPECT_LE(1, zc_efd_read(t->efd));
	ASSERT_EQ(1U, zc_cq_collect(&t->c, &e, 1, ZC_CQ_WAIT_MS));
	EXPECT_EQ(77U, e.cookie);
	EXPECT_EQ(500, e.result);

	/* a blocking poll() on the context wakes up too */
	d.cookie = 78;
	ASSERT_EQ(0, zc_tx_push(&t->c.tx, &d));
	ASSERT_EQ(1, zc_kick(t->c.fd, 0));
	p.fd = t->c.fd;
	p.events = POLLIN;
	EXPECT_EQ(1, poll(&p, 1, ZC_CQ_WAIT_MS));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(0, zc_cq_pop(&t->c.cq, &e));
	EXPECT_EQ(78U, e.cookie);
	EXPECT_EQ(500, e.result);
}

/*
 * With the threshold at 0 and no tap, frames longer than 64 bytes leave
 * without a copy: no COPIED flag, tx_copied stays 0, tx_zerocopy counts
 * them all. Except, on vmxnet3, frames the driver itself copies (up to
 * its data descriptor size, 128 bytes): those must say COPIED.
 */
TEST_F(tx, zero_copy_proven)
{
	struct txs *t = &self->t;
	const unsigned int n = 64;
	struct zc_frame f[64];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 copied = 0;
	unsigned int i;

	log_driver(_metadata, t->env.iface);
	if (t->drv_copy)
		TH_LOG("the driver copies frames of up to %u bytes", t->drv_copy);
	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	frames_init(t, f, n, 0);
	for (i = 0; i < n; i++) {
		f[i].len = spread(i, n, 65, t->max_len);
		f[i].copied = copied_for(t, 0, f[i].len);
		copied += f[i].copied;
	}
	ASSERT_GT(n / 2, copied);
	batch_init(t, &b, f, n);
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(copied, st.tx_copied);
	EXPECT_EQ(n - copied, st.tx_zerocopy);
	EXPECT_EQ(n, st.tx_frames);
}

/* A packet tap on the device makes the stack copy; closing it stops that. */
TEST_F(tx, packet_tap_makes_copies)
{
	struct txs *t = &self->t;
	const unsigned int n = 32;
	struct zc_frame f[32];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 copied = 0;
	unsigned int i;
	int tap;

	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	tap = zc_packet_socket(t->nif.ifindex, ETH_P_ALL, 16 << 20);
	ASSERT_LE(0, tap) TH_LOG("tap on %s: %s", t->env.iface, strerror(-tap));

	frames_init(t, f, n, 0);
	for (i = 0; i < n; i++) {
		f[i].len = spread(i, n, 65, t->max_len);
		f[i].copied = 1;
	}
	batch_init(t, &b, f, n);
	RUN_BATCH(t, &b, tap);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(n, st.tx_copied);
	EXPECT_EQ(0U, st.tx_zerocopy);

	close(tap);
	for (i = 0; i < n; i++) {
		f[i].copied = copied_for(t, 0, f[i].len);
		copied += f[i].copied;
	}
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(n + copied, st.tx_copied);
	EXPECT_EQ(n - copied, st.tx_zerocopy);
}

TEST_F(tx, rejected_param_keeps_value)
{
	struct txs *t = &self->t;
	struct zc_frame f[3];
	struct zc_batch b;
	unsigned int i;

	frames_init(t, f, 3, 0);
	f[0].len = 1000;
	f[1].len = 200;
	f[2].len = 140;
	batch_init(t, &b, f, 3);

	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 1000));
	EXPECT_EQ(-EINVAL, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					65536));
	EXPECT_EQ(-EINVAL, zc_set_param(t->c.fd, 4, 0));
	for (i = 0; i < 3; i++)
		f[i].copied = copied_for(t, 1000, f[i].len);
	RUN_BATCH(t, &b, -1);

	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 150));
	EXPECT_EQ(-EINVAL, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					1ULL << 40));
	for (i = 0; i < 3; i++)
		f[i].copied = copied_for(t, 150, f[i].len);
	RUN_BATCH(t, &b, -1);
}

/*
 * Every kind of bad descriptor between good ones: each bad one completes
 * with -EINVAL and is not sent, the good ones are sent and complete with
 * their length.
 */
TEST_F(tx, bad_descriptors_in_batch)
{
	struct txs *t = &self->t;
	struct zc_frame f[29];
	struct zcnet_stats st;
	struct zc_batch b;
	unsigned int i, nbad = 0;
	__u64 bytes = 0;

	frames_init(t, f, ARRAY_SIZE(f), 0);
	/* even: good, of these lengths */
	f[0].len = 60;
	f[2].len = t->max_len;
	f[4].len = 100;
	f[6].len = 61;
	f[8].len = 1000;
	f[10].len = 64;
	f[12].len = 65;
	f[14].len = 500;
	f[16].len = 1400;
	f[18].len = t->max_len - 1;
	f[20].len = 200;
	f[22].len = 300;
	f[24].len = t->max_len;
	f[26].len = ZC_ETH_HLEN;	/* just a header: valid, too short to tag */
	f[26].arrive = -1;
	f[28].len = 60;
	/* odd: bad */
	f[1].len = t->max_len + 1;
	f[3].len = ZC_ETH_HLEN - 1;
	f[5].len = 0;
	f[5].data = NULL;
	f[7].offset = t->mem_len - 100;		/* runs past the region */
	f[7].len = 200;
	f[7].data = NULL;
	f[9].offset = t->mem_len;		/* starts past it */
	f[9].len = 60;
	f[9].data = NULL;
	f[11].len = 100;
	f[11].region = (__u16)(t->id + 7);	/* not registered */
	f[13].len = 100;
	f[13].flags = 1U << 5;
	f[15].len = 100;
	f[15].flags = 0x8000;
	f[17].len = 100;
	f[17].reserved0 = 1;
	f[19].len = 100;
	f[19].reserved1 = 0x80000000u;
	f[21].len = 100;
	f[21].sock = 1;				/* sock without ZCNET_TX_SOCK */
	f[23].len = 100;
	f[23].flags = ZCNET_TX_MORE;		/* MORE without SOCK */
	f[25].len = 1;
	f[27].len = 0xffffffffu;
	f[27].data = NULL;
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		if (i & 1) {
			f[i].good = false;
			f[i].want = -EINVAL;
			f[i].arrive = 0;
			nbad++;
		} else {
			bytes += f[i].len;
		}
	}
	batch_init(t, &b, f, ARRAY_SIZE(f));
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(ARRAY_SIZE(f), st.tx_descs);
	EXPECT_EQ(nbad, st.tx_rejected);
	EXPECT_EQ(ARRAY_SIZE(f) - nbad, st.tx_frames);
	EXPECT_EQ(bytes, st.tx_bytes);
	EXPECT_EQ(ARRAY_SIZE(f), st.cq_posted);
	EXPECT_EQ(0U, st.inflight);
}

TEST_F(tx, raw_after_unbind_enxio)
{
	struct txs *t = &self->t;
	struct zc_frame f[3];
	struct zc_batch b;

	frames_init(t, f, 3, 300);
	ASSERT_EQ(0, zc_unbind(t->c.fd, ZCNET_BIND_TX));
	f[0].good = f[1].good = f[2].good = false;
	f[0].want = f[1].want = f[2].want = -ENXIO;
	f[0].arrive = f[1].arrive = f[2].arrive = 0;
	batch_init(t, &b, f, 3);
	RUN_BATCH(t, &b, -1);

	/* bound again, on an explicit queue: sent again */
	ASSERT_EQ(0, zc_bind(t->c.fd, ZCNET_BIND_TX, t->nif.ifindex, 0));
	frames_init(t, f, 3, 300);
	RUN_BATCH(t, &b, -1);
}

/*
 * UNBIND with frames in flight: the ones the kick handed to the device
 * still complete (and arrive); the rest complete with -ENXIO, or
 * -ECANCELED if a busy queue held one back, or, if the kernel had already
 * sent them, their length.
 */
TEST_F(tx, unbind_with_frames_in_flight)
{
	struct txs *t = &self->t;
	const unsigned int n = 128;
	struct zcnet_cq_entry e[128];
	struct zc_rx_expect exp[128];
	struct zc_rx_report rep;
	__u32 run = zc_new_run();
	unsigned int count[128] = { 0 };
	char msg[MSG_LEN];
	unsigned int i, got;
	long k;
	int np = 0;

	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)t->id, i * ZC_SLOT,
						t->max_len, i);

		zc_frame_fill(t->mem + i * ZC_SLOT, t->max_len, t->peer.mac,
			      t->nif.mac, run, i);
		ASSERT_EQ(0, zc_tx_push(&t->c.tx, &d));
	}
	k = zc_kick(t->c.fd, 64);
	ASSERT_LE(1, k);
	ASSERT_EQ(0, zc_unbind(t->c.fd, ZCNET_BIND_TX));
	/* the rest is consumed by the next kick, and has no device */
	EXPECT_LE(0, zc_kick(t->c.fd, 0));
	got = zc_cq_collect(&t->c, e, n, ZC_CQ_WAIT_MS);
	EXPECT_EQ(n, got);
	EXPECT_EQ(n, zc_load_acquire(t->c.tx.consumer));
	for (i = 0; i < got; i++) {
		__u64 ck = e[i].cookie;

		if (ck >= n) {
			zc_problem(msg, sizeof(msg), &np, "unknown cookie %llu",
				   (unsigned long long)ck);
			continue;
		}
		count[ck]++;
		if ((long)ck < k && e[i].result != (__s32)t->max_len)
			zc_problem(msg, sizeof(msg), &np,
				   "handed over before UNBIND: %llu result %d",
				   (unsigned long long)ck, e[i].result);
		/* or held back by a busy queue, then cancelled */
		if ((long)ck >= k && e[i].result != (__s32)t->max_len &&
		    e[i].result != -ENXIO && e[i].result != -ECANCELED)
			zc_problem(msg, sizeof(msg), &np,
				   "after UNBIND: %llu result %d",
				   (unsigned long long)ck, e[i].result);
	}
	for (i = 0; i < n; i++) {
		if (count[i] != 1)
			zc_problem(msg, sizeof(msg), &np, "cookie %u: %u completions",
				   i, count[i]);
		exp[i].data = t->mem + i * ZC_SLOT;
		exp[i].len = t->max_len;
		exp[i].want = (long)i < k ? 1 : -1;
	}
	zc_rx_expect(t->peer_fd, run, exp, n, ZC_RX_WAIT_MS, &rep);
	zc_rx_problems("peer", &rep, true, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
}

/*
 * A CQ smaller than the TX ring: the kernel never has more descriptors
 * consumed (in flight or completed, not yet popped) than the CQ holds; a
 * kick consumes at most the free CQ slots, none when the CQ is full.
 */
TEST_F(tx, cq_bounds_frames_in_flight)
{
	struct txs *t = &self->t;
	const unsigned int n = 40, ncq = 16;
	struct zc_rx_expect exp[40];
	unsigned int count[40] = { 0 };
	struct zc_rx_report rep;
	struct zcnet_stats st;
	__u32 run = zc_new_run();
	unsigned int i, popped = 0, round = 0;
	char msg[MSG_LEN];
	int np = 0;

	msg[0] = '\0';
	txs_reopen(_metadata, t, 64, ncq);
	for (i = 0; i < n; i++) {
		__u32 len = spread(i, n, ZC_ETH_ZLEN, t->max_len);
		struct zcnet_tx_desc d = zc_raw((__u16)t->id, i * ZC_SLOT, len, i);

		zc_frame_fill(t->mem + i * ZC_SLOT, len, t->peer.mac, t->nif.mac,
			      run, i);
		exp[i].data = t->mem + i * ZC_SLOT;
		exp[i].len = len;
		exp[i].want = 1;
		ASSERT_EQ(0, zc_tx_push(&t->c.tx, &d));
	}

	while (popped < n) {
		unsigned int target = popped + (n - popped < ncq ? n - popped : ncq);
		uint64_t end = zc_now_ms() + ZC_CQ_WAIT_MS;
		struct zcnet_cq_entry e;
		unsigned int npop, ready;

		/* kick until everything the CQ has room for completed */
		for (;;) {
			__u32 before = zc_load_acquire(t->c.tx.consumer);
			long k = zc_kick(t->c.fd, 0);
			__u32 after = zc_load_acquire(t->c.tx.consumer);

			ASSERT_LE(0, k);
			EXPECT_GE((long)(ncq - (before - popped)), k)
				TH_LOG("round %u: kick consumed %ld with %u CQ slots free",
				       round, k, ncq - (before - popped));
			EXPECT_GE(ncq, after - popped)
				TH_LOG("round %u: %u consumed, %u popped", round,
				       after, popped);
			/*
			 * CQ first, then the stats: the kernel drops a frame
			 * from inflight before posting its completion, so no
			 * frame is counted twice across the two reads.
			 */
			ready = zc_cq_ready(&t->c.cq);
			ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
			EXPECT_GE(ncq, st.inflight + ready)
				TH_LOG("round %u: %llu in flight, %u in the CQ", round,
				       (unsigned long long)st.inflight, ready);
			if (after == target && zc_cq_ready(&t->c.cq) == target - popped)
				break;
			ASSERT_GT(end, zc_now_ms())
				TH_LOG("round %u: %u consumed, %u completions waiting, want %u",
				       round, after, zc_cq_ready(&t->c.cq), target);
			zc_sleep_ms(20);
		}
		if (target - popped == ncq) {
			/* the CQ is full: nothing more is taken */
			EXPECT_EQ(0, zc_kick(t->c.fd, 0));
			EXPECT_EQ(target, zc_load_acquire(t->c.tx.consumer));
		}
		/* pop 5 the first time, everything after that */
		npop = round++ ? target - popped : 5;
		for (i = 0; i < npop; i++) {
			ASSERT_EQ(0, zc_cq_pop(&t->c.cq, &e));
			popped++;
			if (e.cookie >= n) {
				zc_problem(msg, sizeof(msg), &np, "unknown cookie %llu",
					   (unsigned long long)e.cookie);
				continue;
			}
			count[e.cookie]++;
			if (e.result != (__s32)exp[e.cookie].len)
				zc_problem(msg, sizeof(msg), &np, "cookie %llu: result %d",
					   (unsigned long long)e.cookie, e.result);
		}
	}
	for (i = 0; i < n; i++) {
		if (count[i] != 1)
			zc_problem(msg, sizeof(msg), &np, "cookie %u: %u completions",
				   i, count[i]);
	}
	zc_rx_expect(t->peer_fd, run, exp, n, ZC_RX_WAIT_MS, &rep);
	zc_rx_problems("peer", &rep, true, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
}

/* What the observer child saw; in shared memory. */
struct unreg_obs {
	int ready;		/* child: watching */
	int done;		/* parent: nothing more can be in flight */
	int saw;		/* child: saw frames in flight, called UNREG */
	long r;			/* UNREG_REGION of the busy region */
	long r_idle;		/* UNREG_REGION of an idle one, right after */
	__u64 before, after;	/* inflight just before and after UNREG */
};

/*
 * Child, sharing the context (the same open file): watch GET_STATS; the
 * first time descriptors are in flight, unregister their region, then an
 * idle one, and report.
 */
static void unreg_observer(int fd, __u32 id, __u32 idle_id,
			   struct unreg_obs *o)
{
	struct zcnet_stats st;

	__atomic_store_n(&o->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
		if (zc_get_stats(fd, &st))
			break;
		if (!st.inflight)
			continue;
		o->before = st.inflight;
		o->r = zc_unreg(fd, id);
		o->r_idle = zc_unreg(fd, idle_id);
		o->after = zc_get_stats(fd, &st) ? ~0ULL : st.inflight;
		__atomic_store_n(&o->saw, 1, __ATOMIC_RELEASE);
		break;
	}
	_exit(0);
}

/*
 * UNREG_REGION while the region's frames are in flight: EBUSY; once the
 * completions are consumed it succeeds. A process sharing the context
 * watches GET_STATS during and after a big kick and calls UNREG_REGION as
 * soon as it sees frames in flight (some devices, like QEMU's vmxnet3,
 * complete everything before the kick returns). Seeing that at least once
 * is required: the test fails rather than pass without having tested
 * anything. UNREG succeeding while GET_STATS still shows frames in flight
 * afterwards is always a failure.
 */
TEST_F(tx, unreg_region_busy_while_in_flight)
{
	struct txs *t = &self->t;
	const unsigned int n = 1024, attempts = 20;
	struct zcnet_cq_entry *e = calloc(n, sizeof(*e));
	struct unreg_obs *o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t pg = zc_page_size();
	unsigned char *idle = zc_alloc_pages(1);
	unsigned int attempt, observed = 0, i;
	struct zcnet_stats st;
	__u32 idle_id, id;

	ASSERT_NE(NULL, e);
	ASSERT_NE(MAP_FAILED, o);
	ASSERT_NE(NULL, idle);
	txs_reopen(_metadata, t, n, n);
	id = t->id;
	ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	for (i = 0; i < TX_SLOTS(t); i++)
		zc_frame_fill(t->mem + i * ZC_SLOT, t->max_len, t->peer.mac,
			      t->nif.mac, 0, i);

	for (attempt = 0; attempt < attempts && !observed; attempt++) {
		unsigned int got = 0;
		uint64_t end;
		int status;
		pid_t pid;
		long k;

		ASSERT_EQ(0, zc_reg(t->c.fd, idle, pg, &idle_id));
		for (i = 0; i < n; i++) {
			struct zcnet_tx_desc d = zc_raw((__u16)id,
							(i % TX_SLOTS(t)) * ZC_SLOT,
							t->max_len,
							((__u64)attempt << 32) | i);

			ASSERT_EQ(0, zc_tx_push(&t->c.tx, &d));
		}
		memset(o, 0, sizeof(*o));
		pid = zc_fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			unreg_observer(t->c.fd, id, idle_id, o);
		while (!__atomic_load_n(&o->ready, __ATOMIC_ACQUIRE))
			zc_sleep_ms(1);
		k = zc_kick(t->c.fd, 0);
		/* let the observer look until nothing can be in flight */
		end = zc_now_ms() + ZC_CQ_WAIT_MS;
		while (waitpid(pid, &status, WNOHANG) == 0) {
			ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
			if ((!st.inflight && !zc_tx_pending(&t->c.tx)) ||
			    zc_now_ms() > end)
				__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
			zc_sleep_ms(1);
		}
		ASSERT_LE(1, k);

		if (o->saw) {
			ASSERT_TRUE(o->r == 0 || o->r == -EBUSY)
				TH_LOG("UNREG_REGION: %ld", o->r);
			EXPECT_FALSE(o->r == 0 && o->after > 0)
				TH_LOG("UNREG_REGION succeeded, %llu descriptors in flight after it",
				       (unsigned long long)o->after);
			/* another region, not in use, goes meanwhile */
			EXPECT_EQ(0, o->r_idle);
			if (o->r == -EBUSY && o->before > 0)
				observed++;
		} else {
			EXPECT_EQ(0, zc_unreg(t->c.fd, idle_id));
		}

		/* all complete; those consumed after a successful UNREG have no region */
		end = zc_now_ms() + ZC_CQ_WAIT_MS;
		while (got < n && zc_now_ms() < end) {
			got += zc_cq_collect(&t->c, e + got, n - got, 100);
			if (zc_tx_pending(&t->c.tx))
				zc_kick(t->c.fd, 0);
		}
		ASSERT_EQ(n, got) TH_LOG("attempt %u", attempt);
		for (i = 0; i < n; i++) {
			if (!o->saw || o->r == -EBUSY) {
				EXPECT_EQ((__s32)t->max_len, e[i].result)
					TH_LOG("attempt %u, completion %u", attempt, i);
			} else {
				EXPECT_TRUE(e[i].result == (__s32)t->max_len ||
					    e[i].result == -EINVAL)
					TH_LOG("attempt %u, completion %u: %d",
					       attempt, i, e[i].result);
			}
		}
		ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
		EXPECT_EQ(0U, st.inflight);
		if (o->saw && o->r == -EBUSY) {
			/* completions consumed: now it goes */
			EXPECT_EQ(0, zc_unreg(t->c.fd, id));
		} else {
			if (o->saw)
				TH_LOG("attempt %u: UNREG_REGION %ld, %llu in flight before, %llu after",
				       attempt, o->r, (unsigned long long)o->before,
				       (unsigned long long)o->after);
			else
				TH_LOG("attempt %u: never saw frames in flight", attempt);
		}
		if (o->saw && o->r == 0) {
			/* the region went: register it again for the next try */
			ASSERT_EQ(0, zc_reg(t->c.fd, t->mem, t->mem_len, &id));
		}
	}
	EXPECT_LE(1U, observed)
		TH_LOG("in %u attempts, never saw frames in flight together with "
		       "EBUSY from UNREG_REGION", attempt);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	if (observed) {
		EXPECT_EQ(0U, st.regions);
		EXPECT_EQ(0U, st.pinned_pages);
	}
	munmap(o, sizeof(*o));
	munmap(idle, pg);
	free(e);
}

static __u64 wait_stat(int fd, size_t off, __u64 want, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	struct zcnet_stats st;
	__u64 v;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return ~0ULL;
		memcpy(&v, (char *)&st + off, sizeof(v));
		if (v == want || zc_now_ms() > end)
			return v;
		zc_sleep_ms(20);
	}
}

/*
 * Close with many frames in flight: the pinned pages and the context go
 * away once the device is done, the frames the kick handed over still
 * arrive, and the device keeps working for others.
 */
TEST_F(tx, close_with_frames_in_flight)
{
	struct txs *t = &self->t;
	const unsigned int n = TX_SLOTS(t);
	struct zc_rx_expect *exp = calloc(n, sizeof(*exp));
	struct zc_rx_report rep;
	struct zcnet_stats st;
	struct zc_frame f[8];
	struct zc_batch b;
	struct zc_ctx c;
	__u32 run = zc_new_run(), rid;
	char msg[MSG_LEN];
	unsigned int i;
	long k1, k2;
	int obs, np = 0;

	ASSERT_NE(NULL, exp);
	msg[0] = '\0';
	zc_ctx_close(&t->c);
	obs = zc_open();
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, zc_settle(obs, &st))
		TH_LOG("module did not settle: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);

	ASSERT_EQ(0, zc_ctx_open(&c, 512, 512, 0, 0));
	ASSERT_EQ(0, zc_reg(c.fd, t->mem, t->mem_len, &rid));
	ASSERT_EQ(0, zc_bind(c.fd, ZCNET_BIND_TX, t->nif.ifindex, ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_set_param(c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 0));
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)rid, i * ZC_SLOT,
						t->max_len, i);

		zc_frame_fill(t->mem + i * ZC_SLOT, t->max_len, t->peer.mac,
			      t->nif.mac, run, i);
		ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	}
	k1 = zc_kick(c.fd, 128);
	k2 = zc_kick(c.fd, 0);
	ASSERT_LE(1, k1);
	ASSERT_LE(0, k2);
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	TH_LOG("closing with %llu in flight (kicks took %ld + %ld of %u)",
	       (unsigned long long)st.inflight, k1, k2, n);
	EXPECT_EQ(TX_PAGES, st.pinned_pages);
	zc_ctx_close(&c);

	EXPECT_EQ(0U, wait_stat(obs, offsetof(struct zcnet_stats,
					      module_pinned_pages), 0, 5000));
	EXPECT_EQ(1U, wait_stat(obs, offsetof(struct zcnet_stats,
					      module_contexts), 1, 5000));

	for (i = 0; i < n; i++) {
		exp[i].data = t->mem + i * ZC_SLOT;
		exp[i].len = t->max_len;
		exp[i].want = (long)i < k1 ? 1 : -1;
	}
	zc_rx_expect(t->peer_fd, run, exp, n, ZC_RX_WAIT_MS, &rep);
	zc_rx_problems("peer", &rep, true, msg, sizeof(msg), &np);
	EXPECT_EQ(0, np) TH_LOG("%s", msg);
	close(obs);

	/* the device still sends for a new context */
	txs_ctx_open(_metadata, t, 64, 64);
	frames_init(t, f, 8, 700);
	batch_init(t, &b, f, 8);
	RUN_BATCH(t, &b, -1);
	free(exp);
}

/* ------------------------------------------------------------------ */
/* the copy threshold                                                  */
/* ------------------------------------------------------------------ */

FIXTURE(thr) {
	struct txs t;
};

#define THR_DEFAULT	-1L	/* the kernel's pick, not set */
#define THR_MAX_LEN	-2L	/* MTU + header */

FIXTURE_VARIANT(thr) {
	long value;
};

FIXTURE_VARIANT_ADD(thr, kernel_default) { .value = THR_DEFAULT };
FIXTURE_VARIANT_ADD(thr, t0) { .value = 0 };
FIXTURE_VARIANT_ADD(thr, t59) { .value = 59 };
FIXTURE_VARIANT_ADD(thr, t60) { .value = 60 };
FIXTURE_VARIANT_ADD(thr, t100) { .value = 100 };
FIXTURE_VARIANT_ADD(thr, t200) { .value = 200 };
FIXTURE_VARIANT_ADD(thr, t1000) { .value = 1000 };
FIXTURE_VARIANT_ADD(thr, max_frame) { .value = THR_MAX_LEN };
FIXTURE_VARIANT_ADD(thr, t65535) { .value = 65535 };

FIXTURE_SETUP(thr)
{
	const char *why = txs_setup(_metadata, &self->t);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(thr)
{
	txs_teardown(&self->t);
}

/* Frames at or below the threshold complete with COPIED, longer ones not. */
TEST_F(thr, copied_at_or_below)
{
	struct txs *t = &self->t;
	struct zc_frame f[16];
	struct zcnet_stats st;
	struct zc_batch b;
	__u64 copied = 0, n = 0;
	long v = variant->value;
	unsigned int i;
	__u32 lens[16] = { 60, 61, 64, 65, 100, 101, 1000, 1001,
			   t->max_len - 1, t->max_len };

	n = 10;
	if (v == THR_DEFAULT) {
		/* a fresh context at the threshold the kernel picked */
		t->kernel_pick = true;
		txs_reopen(_metadata, t, 256, 256);
		v = t->def_threshold;
		ASSERT_LE(0, v) TH_LOG("ZCNET_IOC_GET_PARAM: %s",
				       strerror((int)-v));
	} else {
		if (v == THR_MAX_LEN)
			v = t->max_len;
		ASSERT_EQ(0, zc_set_param(t->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					  (__u64)v));
	}
	/* either side of the threshold, where those are frames that arrive */
	for (i = 0; i < 3; i++) {
		long len = v - 1 + i;

		if (len >= ZC_ETH_ZLEN && len <= (long)t->max_len)
			lens[n++] = (__u32)len;
	}
	frames_init(t, f, (unsigned int)n, 0);
	for (i = 0; i < n; i++) {
		f[i].len = lens[i];
		f[i].copied = copied_for(t, v, lens[i]);
		copied += f[i].copied == 1;
	}
	batch_init(t, &b, f, (unsigned int)n);
	RUN_BATCH(t, &b, -1);
	ASSERT_EQ(0, zc_get_stats(t->c.fd, &st));
	EXPECT_EQ(copied, st.tx_copied) TH_LOG("threshold %ld", v);
	EXPECT_EQ(n - copied, st.tx_zerocopy) TH_LOG("threshold %ld", v);
}

TEST_HARNESS_MAIN
