// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet ABI tests: contexts, GET_INFO, the extensible-struct rules of every
 * ioctl (size, flags, reserved fields, tails), ioctl dispatch (unknown
 * numbers, foreign magic, wrong direction, ignored size bits), ioctls that
 * follow the features bits, per-context stats and their /proc/PID/fdinfo
 * mirror. BIND and UNBIND are swept with $ZCNET_IFACE (in the test guest).
 */
#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define BUF_LEN (2 * 4096)

static int open_or_skip(struct __test_metadata *_metadata)
{
	int fd = zc_open();

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		return -1;
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", ZC_DEV_PATH, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------------ */
/* contexts and GET_INFO                                               */
/* ------------------------------------------------------------------ */

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, each_open_is_a_new_context)
{
	struct zcnet_offsets off;
	int fd2, fd3;

	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	fd3 = zc_open();
	ASSERT_LE(0, fd3);

	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(8U, off.tx.entries);

	/* the other contexts have no rings yet */
	EXPECT_EQ(-ENXIO, zc_get_offsets(fd2, &off));
	EXPECT_EQ(-ENXIO, zc_get_offsets(fd3, &off));
	EXPECT_EQ(-ENXIO, zc_kick(fd2, 0));

	/* and can set up their own, of other sizes */
	ASSERT_EQ(0, zc_setup(fd2, 16, 32, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(fd2, &off));
	EXPECT_EQ(16U, off.tx.entries);
	EXPECT_EQ(32U, off.cq.entries);
	EXPECT_EQ(-ENXIO, zc_get_offsets(fd3, &off));

	/* the first is unchanged */
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(8U, off.tx.entries);
	EXPECT_EQ(8U, off.cq.entries);

	close(fd2);
	close(fd3);
}

TEST_F(dev, dup_shares_the_context)
{
	struct zcnet_offsets off;
	int fd2 = dup(self->fd);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_setup(fd2, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(8U, off.tx.entries);
	EXPECT_EQ(-EBUSY, zc_setup(self->fd, 8, 8, 0, 0));
	close(fd2);
}

TEST_F(dev, get_info_values)
{
	struct zcnet_info info;
	const __u64 needed = ZCNET_FEAT_RINGS | ZCNET_FEAT_REGIONS |
			     ZCNET_FEAT_EVENTFD | ZCNET_FEAT_TX_NOP;

	ASSERT_EQ(0, zc_get_info(self->fd, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0U, info.flags);
	EXPECT_EQ((__u32)ZCNET_ABI_VERSION, info.abi_version);
	EXPECT_EQ(1U, info.abi_version);
	EXPECT_EQ((__u32)ZCNET_RING_MIN_ENTRIES, info.ring_min_entries);
	EXPECT_EQ(8U, info.ring_min_entries);
	EXPECT_EQ((__u32)ZCNET_RING_MAX_ENTRIES, info.ring_max_entries);
	EXPECT_EQ(32768U, info.ring_max_entries);
	EXPECT_EQ((__u32)ZCNET_MAX_REGIONS, info.max_regions);
	EXPECT_EQ(64U, info.max_regions);
	/*
	 * Socket slots: the module parameter max_sockets as it was when the
	 * context was opened, 4096 unless someone changed it, never fewer
	 * than ZCNET_MAX_SOCKETS nor more than ZCNET_MAX_SOCKETS_LIMIT.
	 */
	EXPECT_EQ(zc_module_param("max_sockets"), (long)info.max_sockets);
	EXPECT_EQ(4096U, info.max_sockets);
	EXPECT_LE((__u32)ZCNET_MAX_SOCKETS, info.max_sockets);
	EXPECT_GE((__u32)ZCNET_MAX_SOCKETS_LIMIT, info.max_sockets);
	EXPECT_EQ(16, ZCNET_MAX_SOCKETS);
	EXPECT_EQ(65535, ZCNET_MAX_SOCKETS_LIMIT);
	EXPECT_EQ(needed, info.features & needed);
	/* no bits beyond the ones the header defines */
	EXPECT_EQ(0U, info.features & ~zc_known_features());
	EXPECT_EQ(4ULL << 30, info.max_region_len);
	EXPECT_EQ(sizeof(struct zcnet_tx_desc), info.tx_desc_size);
	EXPECT_EQ(sizeof(struct zcnet_cq_entry), info.cq_entry_size);
	EXPECT_EQ(sizeof(struct zcnet_fill_desc), info.fill_desc_size);
	EXPECT_EQ(sizeof(struct zcnet_rx_desc), info.rx_desc_size);
	/* none, TCPv4, UFO, TCPv6 and USO on both kernels, or nothing */
	EXPECT_EQ(info.features & ZCNET_FEAT_TX_VNET_HDR ?
		  (1U << 0 | 1U << 1 | 1U << 3 | 1U << 4 | 1U << 5) : 0U,
		  info.tx_vnet_gso);
}

/* max_sockets of a context opened now, or -errno. */
static long fresh_max_sockets(void)
{
	struct zcnet_info info;
	int fd = zc_open();
	long ret;

	if (fd < 0)
		return -errno;
	ret = zc_get_info(fd, &info);
	close(fd);
	return ret ? ret : (long)info.max_sockets;
}

/*
 * The module parameter max_sockets is read when a context is opened: a
 * context keeps the value it was opened with, a new one gets the new
 * value. A value outside [ZCNET_MAX_SOCKETS, ZCNET_MAX_SOCKETS_LIMIT] is
 * refused (EINVAL) or brought into that range. The value is put back.
 */
TEST_F(dev, max_sockets_param)
{
	static const long good[] = { 100, ZCNET_MAX_SOCKETS_LIMIT,
				     ZCNET_MAX_SOCKETS, 10000 };
	static const long odd[] = { 0, 1, ZCNET_MAX_SOCKETS - 1,
				    ZCNET_MAX_SOCKETS_LIMIT + 1, 1L << 20, -1 };
	long saved = zc_module_param("max_sockets"), v;
	struct zcnet_info before, info;
	unsigned int i;
	int ret;

	if (saved < 0)
		SKIP(return, "no max_sockets module parameter (%s)",
		     strerror((int)-saved));
	ASSERT_EQ(0, zc_get_info(self->fd, &before));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_EQ(0, zc_set_module_param("max_sockets", good[i]));
		EXPECT_EQ(good[i], zc_module_param("max_sockets"));
		EXPECT_EQ(good[i], fresh_max_sockets());
		/* the context opened before keeps its value */
		EXPECT_EQ(0, zc_get_info(self->fd, &info));
		EXPECT_EQ(before.max_sockets, info.max_sockets);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		ret = zc_set_module_param("max_sockets", odd[i]);
		v = fresh_max_sockets();
		EXPECT_TRUE(ret == 0 || ret == -EINVAL)
			TH_LOG("writing %ld: %d", odd[i], ret);
		EXPECT_LE(ZCNET_MAX_SOCKETS, v) TH_LOG("after writing %ld", odd[i]);
		EXPECT_GE(ZCNET_MAX_SOCKETS_LIMIT, v) TH_LOG("after writing %ld",
							      odd[i]);
	}
	ASSERT_EQ(0, zc_set_module_param("max_sockets", saved));
	EXPECT_EQ(saved, fresh_max_sockets());
}

TEST_F(dev, header_sizes_match_newest)
{
	/* The compiled-in structs are the newest of ABI version 1. */
	EXPECT_EQ((size_t)ZCNET_INFO_SIZE_VER0, sizeof(struct zcnet_info));
	EXPECT_EQ((size_t)ZCNET_SETUP_SIZE_VER0, sizeof(struct zcnet_setup));
	EXPECT_EQ((size_t)ZCNET_OFFSETS_SIZE_VER0, sizeof(struct zcnet_offsets));
	EXPECT_EQ((size_t)ZCNET_REGION_REG_SIZE_VER0, sizeof(struct zcnet_region_reg));
	EXPECT_EQ((size_t)ZCNET_REGION_UNREG_SIZE_VER0,
		  sizeof(struct zcnet_region_unreg));
	EXPECT_EQ((size_t)ZCNET_EVENTFD_SIZE_VER0, sizeof(struct zcnet_eventfd));
	EXPECT_EQ((size_t)ZCNET_KICK_SIZE_VER0, sizeof(struct zcnet_kick));
	/* struct zcnet_stats grew by rx_drop_split */
	EXPECT_EQ((size_t)ZCNET_STATS_SIZE_VER1, sizeof(struct zcnet_stats));
	EXPECT_EQ(32U, sizeof(struct zcnet_tx_desc));
	/* gso_size took reserved0's place: old binaries put 0 there */
	EXPECT_EQ(26U, offsetof(struct zcnet_tx_desc, gso_size));
	EXPECT_EQ(offsetof(struct zcnet_tx_desc, reserved0),
		  offsetof(struct zcnet_tx_desc, gso_size));
	EXPECT_EQ(2U, sizeof(((struct zcnet_tx_desc *)0)->gso_size));
	EXPECT_EQ(65507, ZCNET_UDP_GSO_MAX);
	/* region_flags took reserved0's place: old binaries put 0 there */
	EXPECT_EQ((size_t)ZCNET_REGION_IMPORT_SIZE_VER0,
		  sizeof(struct zcnet_region_import));
	EXPECT_EQ(20U, offsetof(struct zcnet_region_import, region_flags));
	EXPECT_EQ(offsetof(struct zcnet_region_import, reserved0),
		  offsetof(struct zcnet_region_import, region_flags));
	EXPECT_EQ(16U, sizeof(struct zcnet_cq_entry));
	EXPECT_EQ(16U, sizeof(struct zcnet_fill_desc));
	EXPECT_EQ(32U, sizeof(struct zcnet_rx_desc));
}

TEST_F(dev, unknown_ioctls_enotty)
{
	static const struct {
		const char *what;
		unsigned long cmd;
	} cmds[] = {
		{ "next free number", _IOWR(ZCNET_IOC_MAGIC, 0x0f, struct zcnet_info) },
		{ "number 0x3f", _IOW(ZCNET_IOC_MAGIC, 0x3f, struct zcnet_kick) },
		{ "number 0xff", _IO(ZCNET_IOC_MAGIC, 0xff) },
		{ "foreign magic 0xb8", _IOWR(0xb8, 0x00, struct zcnet_info) },
		{ "foreign magic 'Z'", _IOWR('Z', 0x06, struct zcnet_stats) },
		{ "foreign magic 0xba", _IOW(0xba, 0x07, struct zcnet_kick) },
		{ "GET_INFO as _IOR", _IOR(ZCNET_IOC_MAGIC, 0x00, struct zcnet_info) },
		{ "GET_INFO as _IOW", _IOW(ZCNET_IOC_MAGIC, 0x00, struct zcnet_info) },
		{ "GET_INFO as _IO", _IO(ZCNET_IOC_MAGIC, 0x00) },
		{ "SETUP as _IOWR", _IOWR(ZCNET_IOC_MAGIC, 0x01, struct zcnet_setup) },
		{ "SETUP as _IO", _IO(ZCNET_IOC_MAGIC, 0x01) },
		{ "GET_OFFSETS as _IOR", _IOR(ZCNET_IOC_MAGIC, 0x02, struct zcnet_offsets) },
		{ "REG_REGION as _IOW", _IOW(ZCNET_IOC_MAGIC, 0x03, struct zcnet_region_reg) },
		{ "GET_STATS as _IOR", _IOR(ZCNET_IOC_MAGIC, 0x06, struct zcnet_stats) },
		{ "KICK as _IO", _IO(ZCNET_IOC_MAGIC, 0x07) },
		{ "KICK as _IOWR", _IOWR(ZCNET_IOC_MAGIC, 0x07, struct zcnet_kick) },
		{ "SET_PARAM as _IOWR", _IOWR(ZCNET_IOC_MAGIC, 0x0c, struct zcnet_param) },
		{ "GET_PARAM as _IOW", _IOW(ZCNET_IOC_MAGIC, 0x0d, struct zcnet_param) },
	};
	/* a buffer that would be a valid argument if the cmd were accepted */
	__u32 buf[BUF_LEN / 4];
	size_t i;

	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = _IOC_SIZE(cmds[i].cmd) ? _IOC_SIZE(cmds[i].cmd) : 16;
		EXPECT_EQ(-ENOTTY, zc_ioctl(self->fd, cmds[i].cmd, buf))
			TH_LOG("%s (0x%lx)", cmds[i].what, cmds[i].cmd);
	}
}

TEST_F(dev, ioctl_size_bits_ignored)
{
	static const unsigned int sizes[] = { 0, 1, 8, 63, 65, 4096, 0x3fff };
	struct zcnet_info info;
	struct zcnet_stats st;
	struct zcnet_kick kick;
	struct zcnet_setup setup = {
		.size = sizeof(setup), .tx_entries = 8, .cq_entries = 8,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long cmd = _IOC(_IOC_READ | _IOC_WRITE,
					 ZCNET_IOC_MAGIC, 0x00, sizes[i]);

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		EXPECT_EQ(0, zc_ioctl(self->fd, cmd, &info))
			TH_LOG("GET_INFO with _IOC_SIZE %u", sizes[i]);
		EXPECT_EQ((__u32)ZCNET_ABI_VERSION, info.abi_version);
		EXPECT_EQ(sizeof(info), info.size);

		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		cmd = _IOC(_IOC_READ | _IOC_WRITE, ZCNET_IOC_MAGIC, 0x06,
			   sizes[i]);
		EXPECT_EQ(0, zc_ioctl(self->fd, cmd, &st))
			TH_LOG("GET_STATS with _IOC_SIZE %u", sizes[i]);
	}

	ASSERT_EQ(0, zc_ioctl(self->fd,
			      _IOC(_IOC_WRITE, ZCNET_IOC_MAGIC, 0x01, 0),
			      &setup));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&kick, 0, sizeof(kick));
		kick.size = sizeof(kick);
		EXPECT_EQ(0, zc_ioctl(self->fd,
				      _IOC(_IOC_WRITE, ZCNET_IOC_MAGIC, 0x07,
					   sizes[i]), &kick))
			TH_LOG("KICK with _IOC_SIZE %u", sizes[i]);
	}
}

/* With ZCNET_FEAT_TX_RAW, BIND, UNBIND and SET_PARAM are there. */
TEST_F(dev, offered_tx_raw_ioctls)
{
	struct zcnet_info info;
	char name[IF_NAMESIZE];
	__u32 idx = 100000;

	ASSERT_EQ(0, zc_get_info(self->fd, &info));
	if (!(info.features & ZCNET_FEAT_TX_RAW))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_RAW");
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	while (if_indextoname(idx, name))
		idx++;
	EXPECT_EQ(-ENODEV, zc_bind(self->fd, ZCNET_BIND_TX, idx,
				   ZCNET_QUEUE_ANY));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, zc_set_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD, 100));
	EXPECT_EQ(-EINVAL, zc_set_param(self->fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
					65536));
}

/*
 * With ZCNET_FEAT_RX, BIND_RX is there: it needs the FILL and RX rings
 * (ENXIO) and a device (ENODEV).
 */
TEST_F(dev, offered_rx_bind)
{
	struct zcnet_info info;
	struct zcnet_bind bind = {
		.size = sizeof(bind),
		.flags = ZCNET_BIND_RX,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = ZCNET_RX_MATCH_ALL,
	};
	char name[IF_NAMESIZE];
	__u32 idx = 100000;
	int fd2;

	ASSERT_EQ(0, zc_get_info(self->fd, &info));
	if (!(info.features & ZCNET_FEAT_RX))
		SKIP(return, "this build does not offer ZCNET_FEAT_RX");
	while (if_indextoname(idx, name))
		idx++;
	/* lo, up: only the missing rings are wrong */
	bind.ifindex = if_nametoindex("lo");
	ASSERT_NE(0U, bind.ifindex);
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_setup(fd2, 8, 8, 0, 0));
	if (zc_netif_flags("lo") & IFF_UP)
		EXPECT_EQ(-ENXIO, zc_ioctl(fd2, ZCNET_IOC_BIND, &bind));
	close(fd2);
	bind.ifindex = idx;
	ASSERT_EQ(0, zc_setup(self->fd, 0, 0, 8, 8));
	EXPECT_EQ(-ENODEV, zc_ioctl(self->fd, ZCNET_IOC_BIND, &bind));
	EXPECT_EQ(-ENOTCONN, zc_unbind(self->fd, ZCNET_BIND_RX));
}

/* ------------------------------------------------------------------ */
/* stats and fdinfo                                                    */
/* ------------------------------------------------------------------ */

TEST_F(dev, stats_start_at_zero)
{
	struct zcnet_stats st;
	size_t i;

	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(0U, st.flags);
	for (i = 0; i < ZC_NR_STAT_FIELDS; i++) {
		const struct zc_stat_field *f = &zc_stat_fields[i];

		if (!strncmp(f->name, "module_", 7))
			continue;
		EXPECT_EQ(0U, zc_stat_value(&st, f)) TH_LOG("%s", f->name);
	}
	EXPECT_LE(1U, st.module_contexts);
}

TEST_F(dev, stats_are_per_context)
{
	struct zcnet_stats st;
	size_t pg = zc_page_size();
	void *mem = zc_alloc_pages(2);
	__u32 id;
	int fd2;

	ASSERT_NE(NULL, mem);
	fd2 = zc_open();
	ASSERT_LE(0, fd2);

	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_reg(self->fd, mem, 2 * pg, &id));
	ASSERT_EQ(0, zc_kick(self->fd, 0));

	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(1U, st.tx_kicks);
	EXPECT_EQ(1U, st.regions);
	EXPECT_EQ(2U, st.pinned_pages);

	ASSERT_EQ(0, zc_get_stats(fd2, &st));
	EXPECT_EQ(0U, st.tx_kicks);
	EXPECT_EQ(0U, st.regions);
	EXPECT_EQ(0U, st.pinned_pages);
	EXPECT_LE(2U, st.module_pinned_pages);

	close(fd2);
	EXPECT_EQ(0, zc_unreg(self->fd, id));
	munmap(mem, 2 * pg);
}

TEST_F(dev, module_contexts_counts_opens)
{
	struct zcnet_stats st;
	__u64 base;
	int fd2, fd3;

	/* closed contexts of earlier tests may still be going away */
	ASSERT_EQ(0, zc_settle(self->fd, &st))
		TH_LOG("module did not settle: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	base = st.module_contexts;
	ASSERT_EQ(1U, base);

	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	fd3 = zc_open();
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(base + 2, st.module_contexts);
	ASSERT_EQ(0, zc_get_stats(fd3, &st));
	EXPECT_EQ(base + 2, st.module_contexts);

	close(fd2);
	close(fd3);
	/* closing contexts may be released asynchronously */
	EXPECT_EQ(base, zc_wait_module_contexts(self->fd, base));
}

/* Parse "name:\tvalue" lines of /proc/self/fdinfo/FD for one name. */
static int fdinfo_value(int fd, const char *name, __u64 *val, int *count)
{
	char path[64], line[256];
	size_t nlen = strlen(name);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*count = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (strncmp(line, name, nlen) || line[nlen] != ':')
			continue;
		(*count)++;
		if (line[nlen + 1] != '\t') {
			fclose(f);
			return -EBADMSG;
		}
		errno = 0;
		*val = strtoull(line + nlen + 2, &end, 10);
		if (errno || end == line + nlen + 2 ||
		    (*end != '\n' && *end != '\0')) {
			fclose(f);
			return -EBADMSG;
		}
	}
	fclose(f);
	return 0;
}

TEST_F(dev, fdinfo_matches_stats)
{
	size_t pg = zc_page_size();
	void *mem = zc_alloc_pages(3);
	struct zcnet_offsets off;
	struct zcnet_tx_desc d;
	struct zcnet_stats st;
	struct zc_ring tx;
	__u32 id;
	size_t i;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &tx));
	ASSERT_EQ(0, zc_reg(self->fd, mem, 3 * pg, &id));

	/* make several counters non-zero and distinct */
	d = zc_nop(id, 0, 64, 1);
	ASSERT_EQ(0, zc_tx_push(&tx, &d));
	ASSERT_EQ(0, zc_tx_push(&tx, &d));
	d.len = 0;
	ASSERT_EQ(0, zc_tx_push(&tx, &d));
	ASSERT_EQ(3, zc_kick(self->fd, 0));
	ASSERT_EQ(0, zc_kick(self->fd, 0));

	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(2U, st.tx_kicks);
	EXPECT_EQ(3U, st.tx_descs);
	EXPECT_EQ(2U, st.tx_nops);
	EXPECT_EQ(1U, st.tx_rejected);
	EXPECT_EQ(3U, st.cq_posted);
	EXPECT_EQ(1U, st.regions);
	EXPECT_EQ(3U, st.pinned_pages);

	for (i = 0; i < ZC_NR_STAT_FIELDS; i++) {
		const struct zc_stat_field *f = &zc_stat_fields[i];
		__u64 v = ~0ULL;
		int count = 0;

		ASSERT_EQ(0, fdinfo_value(self->fd, f->name, &v, &count))
			TH_LOG("fdinfo line of %s malformed", f->name);
		EXPECT_EQ(1, count) TH_LOG("fdinfo lines named %s", f->name);
		EXPECT_EQ(zc_stat_value(&st, f), v) TH_LOG("%s", f->name);
	}

	EXPECT_EQ(0, zc_unreg(self->fd, id));
	zc_ring_unmap(&tx);
	munmap(mem, 3 * pg);
}

/* ------------------------------------------------------------------ */
/* extensible struct rules, swept over every ioctl of this build       */
/* ------------------------------------------------------------------ */

struct ext_state {
	int fd;
	void *mem;		/* one page for REG_REGION */
	__u32 region_id;	/* registered by the UNREG preparation */
	__u32 ifindex;		/* $ZCNET_IFACE, for BIND */
	int exp_fd;		/* the exporter, for IMPORT_REGION */
};

/* One ioctl's struct and how to call it. */
struct ext_op {
	unsigned long cmd;
	__u32 ver0;
	__u32 ksize;
	bool output;		/* the kernel fills it (only size/flags read) */
	/* fresh context with what the ioctl needs; 0 or -errno */
	long (*prepare)(struct ext_state *s);
	/* valid contents behind size and flags */
	void (*fill)(const struct ext_state *s, void *buf);
	int reserved_off[2];	/* byte offsets of reserved fields, or -1 */
	int reserved_len[2];
	__u64 feature;		/* ZCNET_FEAT_* the ioctl needs, or 0 */
	bool needs_iface;	/* binds $ZCNET_IFACE */
	const __u32 *bad_flags;	/* flags that are EINVAL (NULL: any non-zero) */
	int nbad_flags;
};

struct ext_fix {
	const struct ext_op *op;
	struct ext_state st;
	char *buf;		/* BUF_LEN bytes */
};

static long prep_open(struct ext_state *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = zc_open();
	return s->fd < 0 ? -errno : 0;
}

static long prep_rings(struct ext_state *s)
{
	long ret = prep_open(s);

	return ret ? ret : zc_setup(s->fd, 8, 8, 0, 0);
}

static long prep_region(struct ext_state *s)
{
	long ret = prep_open(s);

	return ret ? ret : zc_reg(s->fd, s->mem, zc_page_size(), &s->region_id);
}

/* A second context holds the region; the fresh one imports it. */
static long prep_import(struct ext_state *s)
{
	long ret;

	if (s->exp_fd >= 0)
		close(s->exp_fd);
	s->exp_fd = zc_open();
	if (s->exp_fd < 0)
		return -errno;
	ret = zc_reg(s->exp_fd, s->mem, zc_page_size(), &s->region_id);
	return ret ? ret : prep_open(s);
}

static long prep_bound(struct ext_state *s)
{
	long ret = prep_rings(s);

	return ret ? ret : zc_bind(s->fd, ZCNET_BIND_TX, s->ifindex,
				   ZCNET_QUEUE_ANY);
}

static void fill_bind(const struct ext_state *s, void *buf)
{
	struct zcnet_bind *p = buf;

	p->flags = ZCNET_BIND_TX;
	p->ifindex = s->ifindex;
	p->queue = ZCNET_QUEUE_ANY;
}

static void fill_unbind(const struct ext_state *s, void *buf)
{
	struct zcnet_unbind *p = buf;

	(void)s;
	p->flags = ZCNET_BIND_TX;
}

static void fill_param(const struct ext_state *s, void *buf)
{
	struct zcnet_param *p = buf;

	(void)s;
	p->param = ZCNET_PARAM_TX_COPY_THRESHOLD;
	p->value = 100;
}

/* BIND_TX and BIND_RX are meaningful flags: only the unknown ones */
static const __u32 bind_bad_flags[] = {
	1U << 2, 0x80000000u, ZCNET_BIND_TX | (1U << 2),
	ZCNET_BIND_TX | 0x80000000u,
};

static void fill_none(const struct ext_state *s, void *buf)
{
	(void)s;
	(void)buf;
}

/*
 * The stamp flags are meaningful: only unknown bits, and a stamp for the
 * RX ring that fill_setup() leaves out, are EINVAL.
 */
static const __u32 setup_bad_flags[] = {
	1U << 2, 0x80000000u, ZCNET_SETUP_CQ_TSTAMP | (1U << 2),
	ZCNET_SETUP_RX_TSTAMP, 0xffffffffu,
};

static void fill_setup(const struct ext_state *s, void *buf)
{
	struct zcnet_setup *p = buf;

	(void)s;
	p->tx_entries = 8;
	p->cq_entries = 8;
}

static void fill_reg(const struct ext_state *s, void *buf)
{
	struct zcnet_region_reg *p = buf;

	p->addr = (__u64)(uintptr_t)s->mem;
	p->len = zc_page_size();
}

static void fill_unreg(const struct ext_state *s, void *buf)
{
	struct zcnet_region_unreg *p = buf;

	p->id = s->region_id;
}

static void fill_import(const struct ext_state *s, void *buf)
{
	struct zcnet_region_import *p = buf;

	p->fd = s->exp_fd;
	p->id = s->region_id;
}

static void fill_eventfd(const struct ext_state *s, void *buf)
{
	struct zcnet_eventfd *p = buf;

	(void)s;
	p->which = ZCNET_EVENTFD_CQ;
	p->fd = -1;
}

static void fill_kick(const struct ext_state *s, void *buf)
{
	struct zcnet_kick *p = buf;

	(void)s;
	p->budget = 0;
}

static const struct ext_op op_get_info = {
	.cmd = ZCNET_IOC_GET_INFO,
	.ver0 = ZCNET_INFO_SIZE_VER0,
	.ksize = sizeof(struct zcnet_info),
	.output = true,
	.prepare = prep_open,
	.fill = fill_none,
	.reserved_off = { -1, -1 },
};

static const struct ext_op op_setup = {
	.cmd = ZCNET_IOC_SETUP,
	.ver0 = ZCNET_SETUP_SIZE_VER0,
	.ksize = sizeof(struct zcnet_setup),
	.prepare = prep_open,
	.fill = fill_setup,
	.bad_flags = setup_bad_flags,
	.nbad_flags = ARRAY_SIZE(setup_bad_flags),
	.reserved_off = { offsetof(struct zcnet_setup, reserved),
			  offsetof(struct zcnet_setup, reserved) + 8 },
	.reserved_len = { 8, 8 },
};

static const struct ext_op op_get_offsets = {
	.cmd = ZCNET_IOC_GET_OFFSETS,
	.ver0 = ZCNET_OFFSETS_SIZE_VER0,
	.ksize = sizeof(struct zcnet_offsets),
	.output = true,
	.prepare = prep_rings,
	.fill = fill_none,
	.reserved_off = { -1, -1 },
};

/* Bit 0 is ZCNET_REGION_READONLY: every other bit is unknown. */
static const __u32 reg_bad_flags[] = {
	2, ZCNET_REGION_READONLY | 2, 0x80000000, 0xfffffffe, 0xffffffff,
};

static const struct ext_op op_reg_region = {
	.cmd = ZCNET_IOC_REG_REGION,
	.ver0 = ZCNET_REGION_REG_SIZE_VER0,
	.ksize = sizeof(struct zcnet_region_reg),
	.prepare = prep_open,
	.fill = fill_reg,
	.bad_flags = reg_bad_flags,
	.nbad_flags = ARRAY_SIZE(reg_bad_flags),
	.reserved_off = { offsetof(struct zcnet_region_reg, reserved), -1 },
	.reserved_len = { 4, 0 },
};

static const struct ext_op op_unreg_region = {
	.cmd = ZCNET_IOC_UNREG_REGION,
	.ver0 = ZCNET_REGION_UNREG_SIZE_VER0,
	.ksize = sizeof(struct zcnet_region_unreg),
	.prepare = prep_region,
	.fill = fill_unreg,
	.reserved_off = { offsetof(struct zcnet_region_unreg, reserved), -1 },
	.reserved_len = { 4, 0 },
};

static const struct ext_op op_set_eventfd = {
	.cmd = ZCNET_IOC_SET_EVENTFD,
	.ver0 = ZCNET_EVENTFD_SIZE_VER0,
	.ksize = sizeof(struct zcnet_eventfd),
	.prepare = prep_rings,
	.fill = fill_eventfd,
	.reserved_off = { -1, -1 },
};

static const struct ext_op op_kick = {
	.cmd = ZCNET_IOC_KICK,
	.ver0 = ZCNET_KICK_SIZE_VER0,
	.ksize = sizeof(struct zcnet_kick),
	.prepare = prep_rings,
	.fill = fill_kick,
	.reserved_off = { offsetof(struct zcnet_kick, reserved), -1 },
	.reserved_len = { 4, 0 },
};

static const struct ext_op op_get_stats = {
	.cmd = ZCNET_IOC_GET_STATS,
	.ver0 = ZCNET_STATS_SIZE_VER0,
	.ksize = sizeof(struct zcnet_stats),
	.output = true,
	.prepare = prep_open,
	.fill = fill_none,
	.reserved_off = { -1, -1 },
};

static const struct ext_op op_bind = {
	.cmd = ZCNET_IOC_BIND,
	.ver0 = ZCNET_BIND_SIZE_VER0,
	.ksize = sizeof(struct zcnet_bind),
	.prepare = prep_rings,
	.fill = fill_bind,
	.reserved_off = { offsetof(struct zcnet_bind, reserved0),
			  offsetof(struct zcnet_bind, reserved1) },
	.reserved_len = { 4, 8 },
	.feature = ZCNET_FEAT_TX_RAW,
	.needs_iface = true,
	.bad_flags = bind_bad_flags,
	.nbad_flags = ARRAY_SIZE(bind_bad_flags),
};

static const struct ext_op op_unbind = {
	.cmd = ZCNET_IOC_UNBIND,
	.ver0 = ZCNET_UNBIND_SIZE_VER0,
	.ksize = sizeof(struct zcnet_unbind),
	.prepare = prep_bound,
	.fill = fill_unbind,
	.reserved_off = { -1, -1 },
	.feature = ZCNET_FEAT_TX_RAW,
	.needs_iface = true,
	.bad_flags = bind_bad_flags,
	.nbad_flags = ARRAY_SIZE(bind_bad_flags),
};

static const struct ext_op op_set_param = {
	.cmd = ZCNET_IOC_SET_PARAM,
	.ver0 = ZCNET_PARAM_SIZE_VER0,
	.ksize = sizeof(struct zcnet_param),
	.prepare = prep_rings,
	.fill = fill_param,
	.reserved_off = { offsetof(struct zcnet_param, reserved), -1 },
	.reserved_len = { 4, 0 },
	.feature = ZCNET_FEAT_TX_RAW,
};

static const struct ext_op op_get_param = {
	.cmd = ZCNET_IOC_GET_PARAM,
	.ver0 = ZCNET_PARAM_SIZE_VER0,
	.ksize = sizeof(struct zcnet_param),
	.prepare = prep_rings,
	.fill = fill_param,
	.reserved_off = { offsetof(struct zcnet_param, reserved), -1 },
	.reserved_len = { 4, 0 },
	.feature = ZCNET_FEAT_TX_RAW,
};

static const struct ext_op op_import_region = {
	.cmd = ZCNET_IOC_IMPORT_REGION,
	.ver0 = ZCNET_REGION_IMPORT_SIZE_VER0,
	.ksize = sizeof(struct zcnet_region_import),
	.prepare = prep_import,
	.fill = fill_import,
	.reserved_off = { offsetof(struct zcnet_region_import, reserved0),
			  offsetof(struct zcnet_region_import, reserved1) },
	.reserved_len = { 4, 8 },
	.feature = ZCNET_FEAT_REGION_IMPORT,
};

static void ext_fix_setup(struct __test_metadata *_metadata,
			  struct ext_fix *f, const struct ext_op *op)
{
	int fd = open_or_skip(_metadata);
	const char *iface = getenv("ZCNET_IFACE");
	struct zcnet_info info;

	f->op = op;
	f->st.fd = -1;
	f->st.exp_fd = -1;
	if (fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	ASSERT_EQ(0, zc_get_info(fd, &info));
	close(fd);
	if ((info.features & op->feature) != op->feature)
		SKIP(return, "feature 0x%llx not offered",
		     (unsigned long long)op->feature);
	f->st.ifindex = iface ? if_nametoindex(iface) : 0;
	if (op->needs_iface && !f->st.ifindex)
		SKIP(return, "ZCNET_IFACE not set (runs in the test guest)");
	f->st.mem = zc_alloc_pages(1);
	ASSERT_NE(NULL, f->st.mem);
	f->buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->buf);
	ASSERT_EQ(0, op->prepare(&f->st));
}

static void ext_fix_teardown(struct ext_fix *f)
{
	if (f->st.fd >= 0)
		close(f->st.fd);
	if (f->st.exp_fd >= 0)
		close(f->st.exp_fd);
	if (f->buf && f->buf != MAP_FAILED)
		munmap(f->buf, BUF_LEN);
	if (f->st.mem)
		munmap(f->st.mem, zc_page_size());
}

/*
 * A fixture over some of the ioctls: EXT_OP(fixture, name) adds op_name as
 * a variant. Each fixture lists only the ioctls its tests apply to.
 */
#define EXT_FIXTURE(name)						\
	FIXTURE(name) { struct ext_fix f; };				\
	FIXTURE_VARIANT(name) { const struct ext_op *op; };		\
	FIXTURE_SETUP(name)						\
	{								\
		ext_fix_setup(_metadata, &self->f, variant->op);	\
	}								\
	FIXTURE_TEARDOWN(name) { ext_fix_teardown(&self->f); }
#define EXT_OP(fixture, name) FIXTURE_VARIANT_ADD(fixture, name) { &op_##name }

/* every ioctl */
EXT_FIXTURE(ext);
EXT_OP(ext, get_info);
EXT_OP(ext, setup);
EXT_OP(ext, get_offsets);
EXT_OP(ext, reg_region);
EXT_OP(ext, unreg_region);
EXT_OP(ext, set_eventfd);
EXT_OP(ext, kick);
EXT_OP(ext, get_stats);
EXT_OP(ext, bind);
EXT_OP(ext, unbind);
EXT_OP(ext, set_param);
EXT_OP(ext, get_param);
EXT_OP(ext, import_region);

/* the structs the kernel fills (only their size and flags are read) */
EXT_FIXTURE(ext_output);
EXT_OP(ext_output, get_info);
EXT_OP(ext_output, get_offsets);
EXT_OP(ext_output, get_stats);

/* the structs with reserved fields */
EXT_FIXTURE(ext_reserved);
EXT_OP(ext_reserved, setup);
EXT_OP(ext_reserved, reg_region);
EXT_OP(ext_reserved, unreg_region);
EXT_OP(ext_reserved, kick);
EXT_OP(ext_reserved, bind);
EXT_OP(ext_reserved, set_param);
EXT_OP(ext_reserved, get_param);
EXT_OP(ext_reserved, import_region);

/* the structs with more than size and flags */
EXT_FIXTURE(ext_body);
EXT_OP(ext_body, get_info);
EXT_OP(ext_body, setup);
EXT_OP(ext_body, get_offsets);
EXT_OP(ext_body, reg_region);
EXT_OP(ext_body, unreg_region);
EXT_OP(ext_body, set_eventfd);
EXT_OP(ext_body, kick);
EXT_OP(ext_body, get_stats);
EXT_OP(ext_body, bind);
EXT_OP(ext_body, set_param);
EXT_OP(ext_body, get_param);
EXT_OP(ext_body, import_region);

/* Build the valid argument in buf with the given size; flags 0. */
static void ext_build(struct ext_fix *f, __u32 size)
{
	memset(f->buf, 0, BUF_LEN);
	f->op->fill(&f->st, f->buf);
	memcpy(f->buf, &size, sizeof(size));
}

static long ext_call(struct ext_fix *f)
{
	return zc_ioctl(f->st.fd, f->op->cmd, f->buf);
}

/* The exact, valid call succeeds (used after a rejected call). */
static long ext_valid_call(struct ext_fix *f)
{
	ext_build(f, f->op->ksize);
	return ext_call(f);
}

static __u32 buf_size(struct ext_fix *f)
{
	__u32 size;

	memcpy(&size, f->buf, sizeof(size));
	return size;
}

static size_t first_nonzero(const char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i])
			return i;
	return to;
}

TEST_F(ext, size_exact_ok)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	ext_build(f, op->ksize);
	ASSERT_LE(0, ext_call(f));
	if (op->output) {
		EXPECT_EQ(op->ksize, buf_size(f));
	}
}

TEST_F(ext, size_zero_einval)
{
	struct ext_fix *f = &self->f;

	ext_build(f, 0);
	EXPECT_EQ(-EINVAL, ext_call(f));
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext, size_below_ver0_einval)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;
	const __u32 sizes[] = { op->ver0 - 1, op->ver0 / 2, 8, 4, 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i] >= op->ver0)	/* UNBIND's VER0 is 8 */
			continue;
		ext_build(f, sizes[i]);
		EXPECT_EQ(-EINVAL, ext_call(f))
			TH_LOG("size %u", sizes[i]);
	}
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext, size_over_page_e2big)
{
	struct ext_fix *f = &self->f;
	const __u32 sizes[] = { 4097, 8192, 0x10000, 0x7fffffff, 0xffffffff };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ext_build(f, sizes[i]);
		EXPECT_EQ(-E2BIG, ext_call(f))
			TH_LOG("size %u", sizes[i]);
	}
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext, size_larger_zero_tail_ok)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	ext_build(f, op->ksize + 8);
	ASSERT_LE(0, ext_call(f));
	if (op->output) {
		EXPECT_EQ(op->ksize, buf_size(f));
		EXPECT_EQ(op->ksize + 8,
			  first_nonzero(f->buf, op->ksize,
					op->ksize + 8));
	}
}

TEST_F(ext, size_page_zero_tail_ok)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	ext_build(f, 4096);
	ASSERT_LE(0, ext_call(f));
	if (op->output) {
		EXPECT_EQ(op->ksize, buf_size(f));
		EXPECT_EQ(4096U, first_nonzero(f->buf, op->ksize, 4096));
	}
}

/*
 * A non-zero byte past the kernel's struct: E2BIG for structs the kernel
 * reads; structs the kernel fills only have size and flags read, so the
 * call works and the kernel zeroes the tail.
 */
TEST_F(ext, size_larger_nonzero_tail)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;
	const size_t where[] = { 0, 3, 7 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		ext_build(f, op->ksize + 8);
		f->buf[op->ksize + where[i]] = 0x5a;
		if (!op->output) {
			EXPECT_EQ(-E2BIG, ext_call(f))
				TH_LOG("tail byte %zu", where[i]);
			continue;
		}
		ASSERT_EQ(0, ext_call(f));
		EXPECT_EQ(op->ksize, buf_size(f));
		EXPECT_EQ(op->ksize + 8,
			  first_nonzero(f->buf, op->ksize,
					op->ksize + 8))
			TH_LOG("tail byte %zu not zeroed", where[i]);
	}
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext, size_page_nonzero_last_byte)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	ext_build(f, 4096);
	f->buf[4095] = 1;
	if (!op->output) {
		EXPECT_EQ(-E2BIG, ext_call(f));
		EXPECT_LE(0, ext_valid_call(f));
		return;
	}
	memset(f->buf + op->ksize, 0xa5, 4096 - op->ksize);
	ASSERT_EQ(0, ext_call(f));
	EXPECT_EQ(op->ksize, buf_size(f));
	EXPECT_EQ(4096U, first_nonzero(f->buf, op->ksize, 4096));
	/* nothing written past the size the caller gave */
	EXPECT_EQ((size_t)BUF_LEN, first_nonzero(f->buf, 4096, BUF_LEN));
}

TEST_F(ext, flags_nonzero_einval)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;
	static const __u32 any[] = { 1, 2, 0x80000000, 0xffffffff };
	const __u32 *flags = op->bad_flags ? op->bad_flags : any;
	size_t i, n = op->bad_flags ? (size_t)op->nbad_flags :
					   ARRAY_SIZE(any);

	for (i = 0; i < n; i++) {
		ext_build(f, op->ksize);
		memcpy(f->buf + 4, &flags[i], sizeof(flags[i]));
		EXPECT_EQ(-EINVAL, ext_call(f))
			TH_LOG("flags 0x%x", flags[i]);
	}
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext_reserved, reserved_nonzero_einval)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;
	int i, j;

	for (i = 0; i < 2; i++) {
		if (op->reserved_off[i] < 0)
			continue;
		/* lowest and highest byte of each reserved field */
		for (j = 0; j < 2; j++) {
			int at = op->reserved_off[i] +
				 (j ? op->reserved_len[i] - 1 : 0);

			ext_build(f, op->ksize);
			f->buf[at] = (char)0x80;
			EXPECT_EQ(-EINVAL, ext_call(f))
				TH_LOG("reserved byte at %d", at);
		}
	}
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext_output, output_ignores_input_contents)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	ext_build(f, op->ksize);
	memset(f->buf + 8, 0xff, op->ksize - 8);
	ASSERT_EQ(0, ext_call(f));
	EXPECT_EQ(op->ksize, buf_size(f));
	if (op->cmd == ZCNET_IOC_GET_INFO) {
		struct zcnet_info *info = (void *)f->buf;

		EXPECT_EQ((__u32)ZCNET_ABI_VERSION, info->abi_version);
		EXPECT_EQ(0U, info->tx_vnet_gso & ~0x3bU);
	} else if (op->cmd == ZCNET_IOC_GET_OFFSETS) {
		struct zcnet_offsets *off = (void *)f->buf;

		EXPECT_EQ(8U, off->tx.entries);
		EXPECT_EQ(0U, off->fill.entries);
		EXPECT_EQ(0U, off->rx.entries);
	} else {
		struct zcnet_stats *st = (void *)f->buf;

		EXPECT_EQ(0U, st->tx_kicks);
		EXPECT_EQ(0U, st->regions);
	}
}

TEST_F(ext, null_arg_efault)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;

	EXPECT_EQ(-EFAULT, zc_ioctl(f->st.fd, op->cmd, NULL));
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_F(ext_body, arg_runs_into_unmapped_page_efault)
{
	struct ext_fix *f = &self->f;
	const struct ext_op *op = f->op;
	size_t pg = zc_page_size();
	char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *arg;

	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(two + pg, pg));
	/* size and flags readable, the rest of the struct is not */
	ext_build(f, op->ksize);
	arg = two + pg - 8;
	memcpy(arg, f->buf, 8);
	EXPECT_EQ(-EFAULT, zc_ioctl(f->st.fd, op->cmd, arg));
	munmap(two, pg);
	EXPECT_LE(0, ext_valid_call(f));
}

TEST_HARNESS_MAIN
