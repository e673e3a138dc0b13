// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet module unload: the module cannot go away while a /dev/zcnet file
 * (an fd or a ring mapping) exists, and can once the last one is gone,
 * including after a process died with rings and regions set up, and after
 * a context closed with a read-only region of a file's page cache; nor
 * while frames of a closed context are in flight. Every
 * test reloads the module from $ZCNET_KO and checks /dev/zcnet is back;
 * without ZCNET_KO the tests SKIP (nothing is unloaded).
 *
 * Run this program on its own: it removes the module while it runs.
 */
#include <stdbool.h>
#include <sys/mount.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define SYS_MODULE "/sys/module/" ZC_MODULE_NAME

static bool module_loaded(void)
{
	return access(SYS_MODULE, F_OK) == 0;
}

static long unload_once(void)
{
	return zc_err(syscall(__NR_delete_module, ZC_MODULE_NAME, O_NONBLOCK));
}

static bool busy(long err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK;
}

/* Unload; a deferred release may hold the module briefly (2 s at most). */
static long unload_settled(void)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	long ret;

	for (;;) {
		ret = unload_once();
		if (!busy(ret) || zc_now_ms() > end)
			return ret;
		zc_sleep_ms(20);
	}
}

static long load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	long ret;

	if (fd < 0)
		return -errno;
	ret = zc_err(syscall(__NR_finit_module, fd, "", 0));
	close(fd);
	return ret;
}

/* Open /dev/zcnet, waiting up to 2 s for the node; fd or -errno. */
static int open_dev_wait(void)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	int fd;

	for (;;) {
		fd = zc_open();
		if (fd >= 0 || zc_now_ms() > end)
			return fd >= 0 ? fd : -errno;
		zc_sleep_ms(20);
	}
}

FIXTURE(unload) {
	const char *ko;
	int fd;
	struct zc_ring ring;
	pid_t child;
};

FIXTURE_SETUP(unload)
{
	self->fd = -1;
	self->child = -1;
	self->ko = getenv("ZCNET_KO");
	if (!self->ko || !self->ko[0])
		SKIP(return, "ZCNET_KO not set: cannot reload the module");
	ASSERT_EQ(0, access(self->ko, R_OK))
		TH_LOG("ZCNET_KO=%s: %s", self->ko, strerror(errno));
	if (!module_loaded()) {
		ASSERT_EQ(0, load(self->ko));
	}
	ASSERT_TRUE(module_loaded());
}

FIXTURE_TEARDOWN(unload)
{
	long ret;

	if (self->child > 0)
		zc_kill_wait(self->child);
	zc_ring_unmap(&self->ring);
	if (self->fd >= 0)
		close(self->fd);
	/* leave the module loaded for whatever runs next */
	if (self->ko && self->ko[0] && !module_loaded()) {
		ret = load(self->ko);
		if (ret)
			TH_LOG("reloading %s failed: %s", self->ko,
			       strerror((int)-ret));
	}
}

/* The module is gone, comes back from ZCNET_KO, and works. */
static void expect_reload(struct __test_metadata *_metadata, const char *ko)
{
	struct zcnet_info info;
	struct zcnet_stats st;
	int fd;

	EXPECT_FALSE(module_loaded());
	fd = zc_open();
	EXPECT_GT(0, fd);
	if (fd >= 0)
		close(fd);

	ASSERT_EQ(0, load(ko));
	ASSERT_TRUE(module_loaded());
	fd = open_dev_wait();
	ASSERT_LE(0, fd) TH_LOG("%s did not come back: %s", ZC_DEV_PATH,
				strerror(-fd));
	ASSERT_EQ(0, zc_get_info(fd, &info));
	EXPECT_EQ((__u32)ZCNET_ABI_VERSION, info.abi_version);
	/* a fresh module: only this context, nothing pinned */
	ASSERT_EQ(0, zc_get_stats(fd, &st));
	EXPECT_EQ(1U, st.module_contexts);
	EXPECT_EQ(0U, st.module_pinned_pages);
	close(fd);
}

TEST_F(unload, busy_while_fd_open)
{
	struct zcnet_info info;
	long ret;

	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	ret = unload_once();
	EXPECT_TRUE(busy(ret)) TH_LOG("delete_module with an open fd: %ld", ret);
	ASSERT_TRUE(module_loaded());
	/* the context still works */
	EXPECT_EQ(0, zc_get_info(self->fd, &info));
	EXPECT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));

	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload_settled());
	expect_reload(_metadata, self->ko);
}

TEST_F(unload, busy_while_two_fds_open)
{
	int fd2;
	long ret;

	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	close(self->fd);
	self->fd = fd2;
	ret = unload_once();
	EXPECT_TRUE(busy(ret)) TH_LOG("delete_module with an open fd: %ld", ret);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload_settled());
	expect_reload(_metadata, self->ko);
}

TEST_F(unload, busy_while_ring_mapped)
{
	struct zcnet_offsets off;
	long ret;

	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &self->ring));
	close(self->fd);
	self->fd = -1;

	/* the mapping keeps the file, and so the module */
	ret = unload_once();
	EXPECT_TRUE(busy(ret)) TH_LOG("delete_module with a ring mapped: %ld",
				      ret);
	ASSERT_TRUE(module_loaded());
	zc_store_release(self->ring.producer, 0);

	zc_ring_unmap(&self->ring);
	ASSERT_EQ(0, unload_settled());
	expect_reload(_metadata, self->ko);
}

/*
 * Where the module offers them, bind TX and RX to the test NIC and leave
 * receive buffers posted, so that close has a device to let go of.
 */
static void bind_with_buffers_posted(struct __test_metadata *_metadata,
				     int fd, const struct zcnet_offsets *off,
				     __u32 id, size_t pg)
{
	const char *iface = getenv("ZCNET_IFACE");
	struct zcnet_fill_desc *f;
	struct zc_ring fill;
	__u32 i;
	__u64 need = ZCNET_FEAT_TX_RAW | ZCNET_FEAT_RX;

	if (!iface || (zc_features() & need) != need)
		return;
	ASSERT_EQ(0, zc_ring_map(fd, &off->fill, &fill));
	for (i = 0; i < 4; i++) {
		f = (struct zcnet_fill_desc *)(fill.desc +
					       (size_t)i * fill.entry_size);
		*f = (struct zcnet_fill_desc){
			.offset = (4 + i) * pg, .len = (__u32)pg, .region = (__u16)id,
		};
	}
	__atomic_store_n(fill.producer, 4, __ATOMIC_RELEASE);
	ASSERT_EQ(0, zc_bind(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
			     if_nametoindex(iface), ZCNET_QUEUE_ANY));
	EXPECT_TRUE(busy(unload_once()));
	zc_ring_unmap(&fill);
}

TEST_F(unload, after_close_with_everything_set_up)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(8);
	long vmpin = zc_status_kb("VmPin:");
	struct zcnet_offsets off;
	struct zcnet_tx_desc d;
	int efd = eventfd(0, EFD_CLOEXEC);
	__u32 id;

	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, efd);
	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 8, 8));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &self->ring));
	ASSERT_EQ(0, zc_reg(self->fd, mem, 8 * pg, &id));
	ASSERT_EQ(0, zc_set_eventfd(self->fd, ZCNET_EVENTFD_CQ, efd));
	d = zc_nop(id, 0, 100, 1);
	ASSERT_EQ(0, zc_tx_push(&self->ring, &d));
	ASSERT_EQ(1, zc_kick(self->fd, 0));
	/* one more left pending in TX */
	ASSERT_EQ(0, zc_tx_push(&self->ring, &d));
	bind_with_buffers_posted(_metadata, self->fd, &off, id, pg);

	zc_ring_unmap(&self->ring);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload_settled());
	if (vmpin >= 0) {
		EXPECT_EQ(vmpin, zc_status_kb("VmPin:"));
	}
	close(efd);
	munmap(mem, 8 * pg);
	expect_reload(_metadata, self->ko);
}

/*
 * Frames in flight after their file is closed: of 4 MiB of zero-copy
 * writes to a loopback TCP connection whose peer never reads, about a send
 * buffer's worth stays in the sender's queue (closing cancels the rest),
 * and the context with it. Unloading is refused while they are there (it
 * used to wait, in an uninterruptible sleep, for as long as TCP would hold
 * them); once the connection is reset and they are freed, it succeeds.
 */
TEST_F(unload, busy_while_frames_in_flight_after_close)
{
	const size_t len = 256 << 10, n = 16;
	unsigned short port;
	struct zcnet_tx_desc d;
	struct zc_ctx c;
	const char *why;
	int lfd, tx, queued;
	__u32 id, slot;
	char *mem;
	size_t i;
	long ret;

	why = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, NULL);
	if (why)
		SKIP(return, "%s", why);
	mem = zc_alloc_pages(n * len / zc_page_size());
	ASSERT_NE(NULL, mem);
	memset(mem, 0x5a, n * len);
	lfd = zc_tcp_listen(NULL, "127.0.0.1", 1, 64 << 10, &port);
	ASSERT_LE(0, lfd);
	tx = zc_tcp_connect("127.0.0.1", port, 64 << 10);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, zc_ctx_open(&c, 32, 64, 0, 0));
	ASSERT_EQ(0, zc_reg(c.fd, mem, n * len, &id));
	ASSERT_EQ(0, zc_set_param(c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD, 0));
	ASSERT_EQ(0, zc_sock_attach(c.fd, tx, 0, &slot));
	for (i = 0; i < n; i++) {
		d = zc_sock_desc(id, i * len, (__u32)len, slot, i);
		ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	}
	ASSERT_EQ((long)n, zc_kick(c.fd, 0));
	zc_ctx_close(&c);
	zc_sleep_ms(200);
	ASSERT_EQ(0, ioctl(tx, SIOCOUTQ, &queued));
	ASSERT_LT(0, queued) TH_LOG("nothing left in the sender's queue");

	ret = unload_once();
	EXPECT_TRUE(busy(ret))
		TH_LOG("delete_module with frames in flight: %ld", ret);
	ASSERT_TRUE(module_loaded());

	/* a reset frees what the connection held */
	ASSERT_EQ(0, setsockopt(tx, SOL_SOCKET, SO_LINGER,
				&(struct linger){ .l_onoff = 1 },
				sizeof(struct linger)));
	close(tx);
	close(lfd);
	ASSERT_EQ(0, unload_settled());
	munmap(mem, n * len);
	expect_reload(_metadata, self->ko);
}

/*
 * A read-only region over a file's page cache (a ramfs file: page cache
 * that is not shmem), used by descriptors, then the context closed: the
 * pins go, the module unloads, and the file is still the file.
 */
TEST_F(unload, after_close_with_file_region)
{
	size_t pg = zc_page_size();
	long vmpin = zc_status_kb("VmPin:");
	char dir[] = "/tmp/zcnet-unload-XXXXXX", path[64];
	struct zcnet_region_reg r = { .size = sizeof(r),
				      .flags = ZCNET_REGION_READONLY,
				      .len = 4 * pg };
	struct zcnet_offsets off;
	struct zcnet_tx_desc d;
	unsigned char *m, b;
	int f;

	if (!(zc_features() & ZCNET_FEAT_REGION_READONLY))
		SKIP(return, "no ZCNET_FEAT_REGION_READONLY");
	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("zcnet-unload", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "cannot mount ramfs: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, ftruncate(f, 4 * pg));
	ASSERT_EQ(1, pwrite(f, "z", 1, 3 * pg));
	m = mmap(NULL, 4 * pg, PROT_READ, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, m);

	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &self->ring));
	r.addr = (__u64)(uintptr_t)m;
	ASSERT_EQ(0, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	d = zc_nop((__u16)r.id, 3 * pg, 100, 1);
	ASSERT_EQ(0, zc_tx_push(&self->ring, &d));
	ASSERT_EQ(1, zc_kick(self->fd, 0));
	ASSERT_EQ(0, zc_tx_push(&self->ring, &d));	/* left pending */
	if (vmpin >= 0)
		EXPECT_EQ(vmpin + 4 * (long)(pg / 1024), zc_status_kb("VmPin:"));

	zc_ring_unmap(&self->ring);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, unload_settled());
	if (vmpin >= 0)
		EXPECT_EQ(vmpin, zc_status_kb("VmPin:"));
	EXPECT_EQ('z', m[3 * pg]);
	ASSERT_EQ(1, pread(f, &b, 1, 3 * pg));
	EXPECT_EQ('z', b);
	munmap(m, 4 * pg);
	close(f);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	expect_reload(_metadata, self->ko);
}

TEST_F(unload, after_child_killed)
{
	int p[2];
	long res = -1;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->child = zc_fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		size_t pg = zc_page_size();
		char *mem = zc_alloc_pages(16);
		struct zcnet_tx_desc d;
		struct zc_ctx c;
		__u32 id = 0;
		int efd = eventfd(0, EFD_CLOEXEC);
		int i;

		close(p[0]);
		res = mem ? zc_ctx_open(&c, 16, 16, 8, 8) : -ENOMEM;
		if (!res)
			res = zc_reg(c.fd, mem, 16 * pg, &id);
		if (!res)
			res = zc_set_eventfd(c.fd, ZCNET_EVENTFD_CQ, efd);
		if (!res) {
			for (i = 0; i < 10; i++) {
				d = zc_nop(id, 0, 64, i);
				zc_tx_push(&c.tx, &d);
			}
			res = zc_kick(c.fd, 4) == 4 ? 0 : -EIO;
		}
		zc_write_full(p[1], &res, sizeof(res));
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(0, zc_read_full(p[0], &res, sizeof(res)));
	close(p[0]);
	ASSERT_EQ(0, res);

	EXPECT_TRUE(busy(unload_once()));
	zc_kill_wait(self->child);
	self->child = -1;
	ASSERT_EQ(0, unload_settled());
	expect_reload(_metadata, self->ko);
}

TEST_F(unload, reload_cycles)
{
	int i, fd;

	for (i = 0; i < 3; i++) {
		fd = open_dev_wait();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, zc_setup(fd, 8, 8, 0, 0));
		close(fd);
		ASSERT_EQ(0, unload_settled()) TH_LOG("cycle %d", i);
		expect_reload(_metadata, self->ko);
	}
}

TEST_HARNESS_MAIN
