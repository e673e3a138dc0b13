// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet read-only regions (ZCNET_REGION_READONLY) over a file's page cache:
 * registering a PROT_READ, MAP_SHARED mapping of a regular file and
 * sending its bytes on a TCP socket, and as raw frames on the guest's
 * NIC; the mappings refused and their
 * errnos; FILL into a read-only region rejected and the file untouched;
 * truncation and rewrite of the file with sends in flight; the import's
 * region_flags; pins and charges back after unregister, close and death.
 *
 * The files live on two file systems, as the fixture's variants:
 *   ext   an ext2 file system (mke2fs) on a RAM disk (/dev/ram0, the brd
 *         module), or where there is none (the debug kernel) on a loop
 *         device over an image in /tmp, mounted with the kernel's ext4
 *         driver: a block-device file system with writeback and dirty
 *         tracking, the real case; it stays mounted at EXT_DIR for the
 *         tests that follow;
 *   ramfs a ramfs mount of the test's own: page cache without a backing
 *         store, and not shmem.
 * Without /dev/ram0 or a loop device, or without mke2fs, the ext variant
 * SKIPs. Sends go over
 * loopback TCP (the stack copies at delivery, after it read the pages
 * from the region), and across the guest's two NICs when the guest's
 * variables say where the peer is.
 *
 * A file on DAX has no page cache and is refused (EOPNOTSUPP), with
 * nothing left pinned or charged: dax_refused makes an ext2 file system of
 * 4 KiB blocks on /dev/pmem0 (the test guest's memmap=32M!512M, nd_e820
 * and nd_pmem: RAM posing as persistent memory) and mounts it with ext4's
 * dax=always in a mount namespace of its own. It SKIPs without
 * /dev/pmem0 (the debug kernel has no pmem driver), or when the file it
 * writes there is not in DAX mode (statx's STATX_ATTR_DAX).
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define EXT_DIR		"/tmp/zcnet-fileregion-ext"
#define EXT_RAM		"/dev/ram0"
#define EXT_LOOP	"/dev/loop7"
#define EXT_IMG		"/tmp/zcnet-fileregion.img"
#define EXT_IMG_LEN	(32 << 20)
#define EXT_MAGIC	0xEF53
#define DAX_DEV		"/dev/pmem0"
#define DAX_DIR		"/tmp/zcnet-fileregion-dax"
#define DAX_FILE_LEN	(1U << 20)
#define RING		256U
#define DESC_LEN	(64U << 10)
#define NDESC		128U			/* 8 MiB in flight */
#define FILE_LEN	((size_t)NDESC * DESC_LEN)
#define TAIL_FROM	(4U << 20)		/* past every buffer's reach */
#define SMALL_BUF	(64 << 10)		/* SO_RCVBUF and SO_SNDBUF */
#define WAIT_MS		30000U
#define SINK_BUF	(256U << 10)

/* Old contents: not periodic in pages or buffers. */
static inline unsigned char pat_a(uint64_t p)
{
	return (unsigned char)(p * 131 + (p >> 12) * 7 + (p >> 20));
}

/* New contents: differs from the old at every byte. */
static inline unsigned char pat_b(uint64_t p)
{
	return (unsigned char)~pat_a(p);
}

static long reg_flags(int fd, const void *addr, __u64 len, __u32 flags,
		      __u32 *id)
{
	struct zcnet_region_reg r = {
		.size = sizeof(r), .flags = flags,
		.addr = (__u64)(uintptr_t)addr, .len = len,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_REG_REGION, &r);

	if (!ret && id)
		*id = r.id;
	return ret;
}

static long reg_ro(int fd, const void *addr, __u64 len, __u32 *id)
{
	return reg_flags(fd, addr, len, ZCNET_REGION_READONLY, id);
}

/* Writes len bytes of pattern a or b at pos of fd; 0 or -errno. */
static int write_pattern(int fd, uint64_t pos, size_t len, bool b)
{
	unsigned char buf[4096];
	size_t i, n;

	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = b ? pat_b(pos + i) : pat_a(pos + i);
		if (pwrite(fd, buf, n, (off_t)pos) != (ssize_t)n)
			return -errno;
		pos += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* where the files live                                                */
/* ------------------------------------------------------------------ */

enum fs_kind { FS_EXT, FS_RAMFS };

static bool is_ext_mounted(void)
{
	struct statfs sf;

	return !statfs(EXT_DIR, &sf) && sf.f_type == EXT_MAGIC;
}

/*
 * The block device for the ext2 file system: the RAM disk, else a loop
 * device over a sparse image in /tmp; NULL if neither is there.
 */
static const char *ext_device(void)
{
	static const char *const losetup[] = { "losetup", EXT_LOOP, EXT_IMG,
					       NULL };
	int fd;

	if (!access(EXT_RAM, R_OK | W_OK))
		return EXT_RAM;
	if (access(EXT_LOOP, R_OK | W_OK))
		return NULL;
	fd = open(EXT_IMG, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, EXT_IMG_LEN)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return zc_run(losetup) ? NULL : EXT_LOOP;
}

/* Mounts a fresh ext2 at EXT_DIR once; NULL or why not. */
static const char *ext_prepare(void)
{
	const char *dev;
	const char *const mkfs[][4] = {
		{ "mke2fs", "-F", NULL, NULL },
		{ "mkfs.ext2", "-F", NULL, NULL },
	};
	const char *argv[4];
	size_t i;

	if (is_ext_mounted())
		return NULL;
	dev = ext_device();
	if (!dev)
		return "no " EXT_RAM " (the brd module) nor " EXT_LOOP
		       " for an ext2 file system";
	for (i = 0; i < sizeof(mkfs) / sizeof(mkfs[0]); i++) {
		memcpy(argv, mkfs[i], sizeof(argv));
		argv[2] = dev;
		if (!zc_run(argv))
			break;
	}
	if (i == sizeof(mkfs) / sizeof(mkfs[0]))
		return "no mke2fs to make an ext2 file system";
	if (mkdir(EXT_DIR, 0755) && errno != EEXIST)
		return "cannot make " EXT_DIR;
	if (mount(dev, EXT_DIR, "ext4", 0, NULL) &&
	    mount(dev, EXT_DIR, "ext2", 0, NULL))
		return "cannot mount the ext2 file system";
	chmod(EXT_DIR, 0755);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the receiving end                                                   */
/* ------------------------------------------------------------------ */

/*
 * Reads a TCP stream once go is signalled, and checks every byte: old or
 * new contents (neither), the old one where want_a (not_a), the new one
 * from tail_from on (tail_not_b).
 */
struct sink {
	int fd;
	int go;
	bool want_a;
	uint64_t tail_from;
	uint64_t bytes, not_a, neither, tail_not_b;
	int err;
	pthread_t thread;
};

static void *sink_main(void *arg)
{
	struct sink *k = arg;
	unsigned char *buf = malloc(SINK_BUF);
	ssize_t n, i;
	__u64 v;
	int c;

	c = accept4(k->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0 || !buf) {
		k->err = -errno;
		free(buf);
		return NULL;
	}
	if (read(k->go, &v, sizeof(v)) != sizeof(v))
		k->err = -EIO;
	while ((n = read(c, buf, SINK_BUF)) > 0) {
		for (i = 0; i < n; i++) {
			uint64_t p = k->bytes + i;
			bool a = buf[i] == pat_a(p), b = buf[i] == pat_b(p);

			k->not_a += !a;
			k->neither += !a && !b;
			k->tail_not_b += p >= k->tail_from && !b;
		}
		k->bytes += n;
	}
	if (n < 0)
		k->err = -errno;
	close(c);
	free(buf);
	return NULL;
}

static void sink_go(struct sink *k)
{
	__u64 one = 1;

	if (write(k->go, &one, sizeof(one)) != sizeof(one))
		k->err = -EIO;
}

/* ------------------------------------------------------------------ */
/* fixture: a file of FILE_LEN bytes of the old pattern                */
/* ------------------------------------------------------------------ */

FIXTURE(fr) {
	struct zc_ctx c;
	char dir[64];
	char path[96];
	bool mounted;		/* our own ramfs */
	int wfd;		/* the file, for writing and truncating */
	int rfd;		/* the file, read-only */
	unsigned char *map;	/* PROT_READ, MAP_SHARED of rfd */
	size_t map_len;
};

FIXTURE_VARIANT(fr) {
	enum fs_kind fs;
};

FIXTURE_VARIANT_ADD(fr, ext) {
	.fs = FS_EXT,
};

FIXTURE_VARIANT_ADD(fr, ramfs) {
	.fs = FS_RAMFS,
};

FIXTURE_SETUP(fr)
{
	const char *why;

	self->c.fd = -1;
	self->wfd = -1;
	self->rfd = -1;
	self->map = MAP_FAILED;
	why = zc_fixture_skip(ZCNET_FEAT_REGION_READONLY | ZCNET_FEAT_TX_SOCK,
			      NULL);
	if (why)
		SKIP(return, "%s", why);
	if (variant->fs == FS_EXT) {
		why = ext_prepare();
		if (why)
			SKIP(return, "%s", why);
		snprintf(self->dir, sizeof(self->dir), "%s", EXT_DIR);
	} else {
		snprintf(self->dir, sizeof(self->dir), "/tmp/zcnet-fr-XXXXXX");
		ASSERT_NE(NULL, mkdtemp(self->dir));
		if (mount("zcnet-fr", self->dir, "ramfs", 0, "mode=0755")) {
			rmdir(self->dir);
			self->dir[0] = 0;
			SKIP(return, "cannot mount ramfs: %s", strerror(errno));
		}
		self->mounted = true;
	}
	snprintf(self->path, sizeof(self->path), "%s/file-%d", self->dir,
		 (int)getpid());
	self->wfd = open(self->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			 0644);
	ASSERT_LE(0, self->wfd);
	ASSERT_EQ(0, write_pattern(self->wfd, 0, FILE_LEN, false));
	self->rfd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->rfd);
	self->map_len = FILE_LEN;
	self->map = mmap(NULL, self->map_len, PROT_READ, MAP_SHARED,
			 self->rfd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, zc_ctx_open(&self->c, RING, RING * 2, RING, RING));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				  0));
}

FIXTURE_TEARDOWN(fr)
{
	zc_ctx_close(&self->c);
	if (self->map != MAP_FAILED)
		munmap(self->map, self->map_len);
	if (self->rfd >= 0)
		close(self->rfd);
	if (self->wfd >= 0)
		close(self->wfd);
	if (self->path[0])
		unlink(self->path);
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	if (self->mounted && self->dir[0])
		rmdir(self->dir);
}

static void expect_pins(struct __test_metadata *_metadata, int fd,
			__u64 regions, __u64 pages)
{
	struct zcnet_stats st;

	ASSERT_EQ(0, zc_get_stats(fd, &st));
	EXPECT_EQ(regions, st.regions);
	EXPECT_EQ(pages, st.pinned_pages);
}

/*
 * Sends the whole region as NDESC descriptors on a TCP connection to a
 * sink that starts reading only after mid() ran (NULL: nothing), with
 * small buffers on both ends so most of it is still in flight then; every
 * completion arrives once, with the full length. The sink's result in *k.
 */
static void send_file(struct __test_metadata *_metadata, FIXTURE_DATA(fr) *self,
		      __u32 id, const char *ns, const char *ip,
		      void (*mid)(struct __test_metadata *, FIXTURE_DATA(fr) *),
		      struct sink *k, __u64 *copied)
{
	static struct zcnet_cq_entry e[NDESC + 1];
	unsigned char seen[NDESC] = { 0 };
	struct zcnet_stats st;
	unsigned short port;
	__u32 slot, i, got;
	int tx;

	*copied = 0;
	k->fd = zc_tcp_listen(ns, ip, 1, SMALL_BUF, &port);
	ASSERT_LE(0, k->fd);
	k->go = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, k->go);
	ASSERT_EQ(0, pthread_create(&k->thread, NULL, sink_main, k));
	tx = zc_tcp_connect(ip, port, SMALL_BUF);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &slot));
	for (i = 0; i < NDESC; i++) {
		struct zcnet_tx_desc d = zc_sock_desc(id, (__u64)i * DESC_LEN,
						      DESC_LEN, slot, i + 1);

		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	EXPECT_EQ((long)NDESC, zc_kick(self->c.fd, 0));
	if (mid) {
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
		/* the sink reads nothing yet: most of 8 MiB is waiting */
		EXPECT_LT(0U, st.inflight);
		mid(_metadata, self);
	}
	sink_go(k);
	got = zc_cq_collect(&self->c, e, NDESC, WAIT_MS);
	EXPECT_EQ(NDESC, got);
	for (i = 0; i < got; i++) {
		__u64 ck = e[i].cookie;

		EXPECT_TRUE(ck >= 1 && ck <= NDESC) TH_LOG("cookie %llu",
							   (unsigned long long)ck);
		if (ck < 1 || ck > NDESC)
			continue;
		EXPECT_EQ(0, seen[ck - 1]) TH_LOG("cookie %llu twice",
						  (unsigned long long)ck);
		seen[ck - 1]++;
		EXPECT_EQ((__s32)DESC_LEN, e[i].result);
		*copied += !!(e[i].flags & ZCNET_CQE_COPIED);
	}
	/* exactly once: nothing more comes */
	zc_sleep_ms(100);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.cq));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(NDESC, st.cq_posted);
	EXPECT_EQ(0U, st.inflight);
	EXPECT_EQ(0U, st.tx_rejected);
	shutdown(tx, SHUT_WR);
	pthread_join(k->thread, NULL);
	close(k->fd);
	close(k->go);
	EXPECT_EQ(0, k->err);
	EXPECT_EQ(FILE_LEN, k->bytes);
	EXPECT_EQ(0, zc_sock_detach(self->c.fd, slot));
	close(tx);
}

/* Registered: the pages pinned and charged; gone: all of it back. */
TEST_F(fr, register_send_unregister)
{
	long kb = (long)(zc_page_size() / 1024);
	long vmpin = zc_status_kb("VmPin:");
	struct zcnet_stats st0, st;
	struct sink k = { .want_a = true, .tail_from = ~0ULL };
	__u64 pages = FILE_LEN / zc_page_size(), copied;
	__u32 id;

	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st0));
	ASSERT_EQ(0, reg_ro(self->c.fd, self->map, FILE_LEN, &id));
	expect_pins(_metadata, self->c.fd, 1, pages);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(st0.module_pinned_pages + pages, st.module_pinned_pages);
	if (vmpin >= 0)
		EXPECT_EQ(vmpin + (long)pages * kb, zc_status_kb("VmPin:"));

	send_file(_metadata, self, id, NULL, "127.0.0.1", NULL, &k, &copied);
	EXPECT_EQ(0U, k.not_a);

	EXPECT_EQ(0, zc_unreg(self->c.fd, id));
	expect_pins(_metadata, self->c.fd, 0, 0);
	EXPECT_EQ(st0.module_pinned_pages,
		  zc_wait_module_pinned(self->c.fd, st0.module_pinned_pages));
	if (vmpin >= 0)
		EXPECT_EQ(vmpin, zc_status_kb("VmPin:"));
	/* the mapping still reads the file */
	EXPECT_EQ(pat_a(FILE_LEN - 1), self->map[FILE_LEN - 1]);
}

/*
 * The file's pages go out as page fragments across the guest's NICs:
 * nothing is read into user memory, nothing copied on virtio-net; what a
 * driver copies is reported, per descriptor and in the counters.
 */
TEST_F_TIMEOUT(fr, nic_zero_copy, 120)
{
	const char *ip = getenv("ZCNET_PEER_IP");
	struct sink k = { .want_a = true, .tail_from = ~0ULL };
	struct zc_env env;
	struct zcnet_stats st;
	__u64 copied;
	__u32 id;

	if (zc_env_get(&env) || !ip)
		SKIP(return, "outside the test guest (no ZCNET_PEER_NS)");
	/* from disk, not from the page cache the writes left */
	ASSERT_EQ(0, fsync(self->wfd));
	zc_write_file("/proc/sys/vm/drop_caches", "1");
	ASSERT_EQ(0, reg_ro(self->c.fd, self->map, FILE_LEN, &id));
	send_file(_metadata, self, id, env.peer_ns, ip, NULL, &k, &copied);
	EXPECT_EQ(0U, k.not_a);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(FILE_LEN, st.sock_zc_bytes + st.sock_copied_bytes);
	EXPECT_EQ(copied, st.tx_copied);
	EXPECT_EQ(copied * DESC_LEN, st.sock_copied_bytes);
	/*
	 * vmxnet3 linearises (copies) an skb of more than 16 buffers, and
	 * page-cache pages are a fragment each: it may copy most of them,
	 * and COPIED says so. virtio-net never copies.
	 */
	if (zc_nic_may_copy(&env)) {
		if (copied)
			TH_LOG("the driver copied %llu of %u writes",
			       (unsigned long long)copied, NDESC);
	} else {
		EXPECT_EQ(0U, copied);
	}
	EXPECT_EQ(0, zc_unreg(self->c.fd, id));
}

static void do_truncate(struct __test_metadata *_metadata,
			FIXTURE_DATA(fr) *self)
{
	/* gone from the file; then the file grows again with new data */
	ASSERT_EQ(0, ftruncate(self->wfd, 0));
	ASSERT_EQ(0, write_pattern(self->wfd, 0, FILE_LEN, true));
}

/*
 * Truncated with most of it in flight: the region keeps the pages it
 * pinned, so the peer gets the old data, every byte of it; the file's new
 * pages are not the region's.
 */
TEST_F(fr, truncate_in_flight)
{
	struct sink k = { .want_a = true, .tail_from = ~0ULL };
	__u64 copied;
	__u32 id;
	char b;

	ASSERT_EQ(0, reg_ro(self->c.fd, self->map, FILE_LEN, &id));
	send_file(_metadata, self, id, NULL, "127.0.0.1", do_truncate, &k,
		  &copied);
	EXPECT_EQ(0U, k.not_a);
	EXPECT_EQ(0U, k.neither);
	EXPECT_EQ(0, zc_unreg(self->c.fd, id));
	expect_pins(_metadata, self->c.fd, 0, 0);
	/* the file has the new data */
	ASSERT_EQ(1, pread(self->rfd, &b, 1, 5));
	EXPECT_EQ(pat_b(5), (unsigned char)b);
}

static void do_rewrite(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fr) *self)
{
	ASSERT_EQ(0, write_pattern(self->wfd, 0, FILE_LEN, true));
}

/*
 * Rewritten through write(2) with most of it in flight: the same
 * page-cache pages change in place, so what had not left yet goes out
 * new. Every byte is old or new; the part no buffer could have taken
 * before the rewrite is new.
 */
TEST_F(fr, rewrite_in_flight)
{
	struct sink k = { .want_a = false, .tail_from = TAIL_FROM };
	__u64 copied;
	__u32 id;

	ASSERT_EQ(0, reg_ro(self->c.fd, self->map, FILE_LEN, &id));
	send_file(_metadata, self, id, NULL, "127.0.0.1", do_rewrite, &k,
		  &copied);
	EXPECT_EQ(0U, k.neither);
	EXPECT_EQ(0U, k.tail_not_b);
	EXPECT_EQ(0, zc_unreg(self->c.fd, id));
	expect_pins(_metadata, self->c.fd, 0, 0);
	/* the mapping shows the new data too */
	EXPECT_EQ(pat_b(FILE_LEN - 1), self->map[FILE_LEN - 1]);
}

/* The mappings a read-only region refuses, and what they get. */
TEST_F(fr, refused_mappings)
{
	size_t pg = zc_page_size();
	unsigned char *m;

	/* the flag missing: the kernel pins no file for writing */
	EXPECT_EQ(-EOPNOTSUPP, reg_flags(self->c.fd, self->map, pg, 0, NULL));
	/* unknown flags */
	EXPECT_EQ(-EINVAL, reg_flags(self->c.fd, self->map, pg,
				     ZCNET_REGION_READONLY | 2, NULL));
	EXPECT_EQ(-EINVAL, reg_flags(self->c.fd, self->map, pg, 1U << 31,
				     NULL));

	/* writable shared mapping: EACCES, with or without PROT_WRITE use */
	m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->wfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-EACCES, reg_ro(self->c.fd, m, 4 * pg, NULL));
	EXPECT_EQ(-EOPNOTSUPP, reg_flags(self->c.fd, m, 4 * pg, 0, NULL));
	/* made read-only, the same mapping is accepted */
	ASSERT_EQ(0, mprotect(m, 4 * pg, PROT_READ));
	EXPECT_EQ(0, reg_ro(self->c.fd, m, 4 * pg, NULL));
	munmap(m, 4 * pg);
	zc_ctx_close(&self->c);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 8, 8, 0, 0));

	/* private mapping of the file: EOPNOTSUPP, even read-only */
	m = mmap(NULL, 4 * pg, PROT_READ, MAP_PRIVATE, self->rfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-EOPNOTSUPP, reg_ro(self->c.fd, m, 4 * pg, NULL));
	munmap(m, 4 * pg);

	/* past the end of the file: nothing to pin */
	m = mmap(NULL, FILE_LEN + 2 * pg, PROT_READ, MAP_SHARED, self->rfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-EFAULT, reg_ro(self->c.fd, m, FILE_LEN + 2 * pg, NULL));
	EXPECT_EQ(0, reg_ro(self->c.fd, m + FILE_LEN - pg, pg, NULL));
	munmap(m, FILE_LEN + 2 * pg);
	expect_pins(_metadata, self->c.fd, 1, 1);
}

/*
 * FILL into a read-only region is consumed and skipped (rx_fill_rejected),
 * the next good buffer takes the frame, and the file is untouched.
 */
TEST_F(fr, fill_rejected)
{
	struct zc_netif lo;
	struct zcnet_fill_desc f;
	struct zcnet_rx_desc e[2];
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(4789),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct zcnet_stats st;
	char msg[200] = "zcnet fill test";
	unsigned char *anon;
	struct zc_ctx c;
	__u32 ro, rw;
	size_t i, bad = 0;
	int s;

	/* lo of a namespace of our own: the frames are ours alone */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, zc_netif_set_up("lo", true));
	ASSERT_EQ(0, zc_netif_get("lo", &lo));
	ASSERT_EQ(0, zc_ctx_open(&c, 0, 0, 8, 8));
	anon = zc_alloc_pages(1);
	ASSERT_NE(NULL, anon);
	ASSERT_EQ(0, reg_ro(c.fd, self->map, FILE_LEN, &ro));
	ASSERT_EQ(0, zc_reg(c.fd, anon, zc_page_size(), &rw));
	ASSERT_EQ(0, zc_bind_rx(c.fd, ZCNET_BIND_RX, lo.ifindex,
				ZCNET_RX_MATCH_UDP, 4789, 0));
	/* a read-only buffer, a good one, a read-only one; two frames */
	f = (struct zcnet_fill_desc){ .len = 2048, .region = (__u16)ro };
	ASSERT_EQ(0, zc_fill_push(&c.fill, &f));
	f = (struct zcnet_fill_desc){ .len = 2048, .region = (__u16)rw };
	ASSERT_EQ(0, zc_fill_push(&c.fill, &f));
	f = (struct zcnet_fill_desc){ .len = 2048, .region = (__u16)ro };
	ASSERT_EQ(0, zc_fill_push(&c.fill, &f));

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ((ssize_t)sizeof(msg),
		  sendto(s, msg, sizeof(msg), 0, (void *)&to, sizeof(to)));
	ASSERT_EQ(1U, zc_ring_collect(&c, &c.rx, e, sizeof(e[0]), 1,
				      WAIT_MS));
	EXPECT_EQ(rw, e[0].region);
	EXPECT_EQ(0U, e[0].offset);
	/* the second frame finds only the read-only buffer: dropped */
	ASSERT_EQ((ssize_t)sizeof(msg),
		  sendto(s, msg, sizeof(msg), 0, (void *)&to, sizeof(to)));
	for (i = 0; i < WAIT_MS / 20; i++) {
		ASSERT_EQ(0, zc_get_stats(c.fd, &st));
		if (st.rx_drop_nobuf)
			break;
		zc_sleep_ms(20);
	}
	close(s);
	EXPECT_EQ(2U, st.rx_fill_rejected);
	EXPECT_EQ(1U, st.rx_frames);
	EXPECT_EQ(1U, st.rx_drop_nobuf);
	EXPECT_EQ(1U, zc_load_acquire(c.rx.producer));
	for (i = 0; i < FILE_LEN; i++)
		bad += self->map[i] != pat_a(i);
	EXPECT_EQ(0U, bad);
	EXPECT_EQ(0, zc_unbind(c.fd, ZCNET_BIND_RX));
	zc_ctx_close(&c);
	munmap(anon, zc_page_size());
}

/* An import of a read-only region is read-only, and says so. */
TEST_F(fr, import_reports_flags)
{
	struct zcnet_region_import imp = { .size = sizeof(imp) };
	unsigned char *anon = zc_alloc_pages(1);
	__u32 ro, rw;
	int other;

	ASSERT_NE(NULL, anon);
	ASSERT_EQ(0, reg_ro(self->c.fd, self->map, FILE_LEN, &ro));
	ASSERT_EQ(0, zc_reg(self->c.fd, anon, zc_page_size(), &rw));
	other = zc_open();
	ASSERT_LE(0, other);

	imp.fd = self->c.fd;
	imp.id = ro;
	ASSERT_EQ(0, zc_ioctl(other, ZCNET_IOC_IMPORT_REGION, &imp));
	EXPECT_EQ(ZCNET_REGION_READONLY, imp.region_flags);

	imp = (struct zcnet_region_import){ .size = sizeof(imp),
					    .fd = self->c.fd, .id = rw };
	ASSERT_EQ(0, zc_ioctl(other, ZCNET_IOC_IMPORT_REGION, &imp));
	EXPECT_EQ(0U, imp.region_flags);

	/* region_flags is output only */
	imp = (struct zcnet_region_import){ .size = sizeof(imp),
					    .fd = self->c.fd, .id = ro,
					    .region_flags = 1 };
	EXPECT_EQ(-EINVAL, zc_ioctl(other, ZCNET_IOC_IMPORT_REGION, &imp));

	/* the exporter goes first: the importer still holds the pages */
	zc_ctx_close(&self->c);
	expect_pins(_metadata, other, 2, FILE_LEN / zc_page_size() + 1);
	close(other);
	munmap(anon, zc_page_size());
}

/* Closing with the region registered releases the pins. */
TEST_F(fr, close_releases)
{
	long kb = (long)(zc_page_size() / 1024);
	long vmpin = zc_status_kb("VmPin:"), now;
	__u64 base = zc_wait_module_pinned(self->c.fd, 0);
	uint64_t end;
	int fd = zc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, reg_ro(fd, self->map, FILE_LEN, NULL));
	if (vmpin >= 0)
		EXPECT_EQ(vmpin + (long)(FILE_LEN / zc_page_size()) * kb,
			  zc_status_kb("VmPin:"));
	close(fd);
	EXPECT_EQ(base, zc_wait_module_pinned(self->c.fd, base));
	if (vmpin < 0)
		return;
	end = zc_now_ms() + ZC_SETTLE_MS;
	while ((now = zc_status_kb("VmPin:")) != vmpin && zc_now_ms() < end)
		zc_sleep_ms(10);
	EXPECT_EQ(vmpin, now);
}

/* A process killed with the region registered: the pins come back. */
TEST_F(fr, death_releases)
{
	__u64 base = zc_wait_module_pinned(self->c.fd, 0);
	struct zcnet_stats st;
	int p[2];
	long r = 1;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = zc_open();

		r = fd < 0 ? -errno : reg_ro(fd, self->map, FILE_LEN, NULL);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(p[0], &r, sizeof(r)));
	close(p[0]);
	EXPECT_EQ(0, r);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(base + FILE_LEN / zc_page_size(), st.module_pinned_pages);
	zc_kill_wait(pid);
	EXPECT_EQ(base, zc_wait_module_pinned(self->c.fd, base));
}

static void memlock_child(long *r, const void *arg)
{
	const FIXTURE_DATA(fr) *self = arg;
	size_t pg = zc_page_size();
	int fd;

	r[0] = zc_become_user(ZC_NOBODY, 16 * pg);
	if (r[0])
		return;
	fd = zc_open();
	r[1] = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	r[2] = reg_ro(fd, self->map, 17 * pg, NULL);
	r[3] = reg_ro(fd, self->map, 16 * pg, NULL);
	r[4] = reg_ro(fd, self->map + 16 * pg, pg, NULL);
	close(fd);
}

/* RLIMIT_MEMLOCK holds for file regions as for any other. */
TEST_F(fr, memlock_limit)
{
	struct stat sb;
	long r[5];
	int ret;

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	ret = zc_child_results(memlock_child, self, r, 5);
	chmod(ZC_DEV_PATH, sb.st_mode & 07777);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, r[0]) TH_LOG("could not become uid %d", ZC_NOBODY);
	ASSERT_EQ(0, r[1]);
	EXPECT_EQ(-ENOMEM, r[2]);
	EXPECT_EQ(0, r[3]);
	EXPECT_EQ(-ENOMEM, r[4]);
}

/* ------------------------------------------------------------------ */
/* anonymous memory                                                    */
/* ------------------------------------------------------------------ */

/*
 * PROT_READ anonymous memory: without the flag the pin for writing fails
 * (EFAULT); with it the region is accepted and is sent from. The feature
 * is reported.
 */
TEST(anon_readonly)
{
	size_t pg = zc_page_size();
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	struct zc_ctx c;
	unsigned char *m;
	const char *why;
	__u32 id;

	why = zc_fixture_skip(ZCNET_FEAT_REGION_READONLY | ZCNET_FEAT_TX_NOP,
			      NULL);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(ZCNET_FEAT_REGION_READONLY,
		  zc_features() & ZCNET_FEAT_REGION_READONLY);
	m = zc_alloc_pages(4);
	ASSERT_NE(NULL, m);
	memset(m, 0x5a, 4 * pg);
	ASSERT_EQ(0, mprotect(m, 4 * pg, PROT_READ));
	ASSERT_EQ(0, zc_ctx_open(&c, 8, 8, 0, 0));
	EXPECT_EQ(-EFAULT, zc_reg(c.fd, m, 4 * pg, NULL));
	ASSERT_EQ(0, reg_ro(c.fd, m, 4 * pg, &id));
	d = zc_nop((__u16)id, pg, (__u32)pg, 7);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	EXPECT_EQ(1, zc_kick(c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&c, &e, 1, WAIT_MS));
	EXPECT_EQ(7U, e.cookie);
	EXPECT_EQ((__s32)pg, e.result);
	EXPECT_EQ(0, zc_unreg(c.fd, id));
	/* PROT_NONE: nothing to read */
	ASSERT_EQ(0, mprotect(m, 4 * pg, PROT_NONE));
	EXPECT_EQ(-EFAULT, reg_ro(c.fd, m, 4 * pg, NULL));
	zc_ctx_close(&c);
	munmap(m, 4 * pg);
}

/*
 * Writable anonymous memory never touched before it is registered
 * read-only: the pages are the process's own, so what it writes after
 * registering is what a send carries (not the shared zero page). With
 * mixed, a page without PROT_WRITE follows them in the same region.
 */
static void anon_written_after(struct __test_metadata *_metadata, bool mixed)
{
	size_t pg = zc_page_size(), n = mixed ? 3 : 2;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	unsigned char *m, buf[2048];
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	int rx, tx, i;
	struct zc_ctx c;
	const char *why;
	__u32 id, slot;

	why = zc_fixture_skip(ZCNET_FEAT_REGION_READONLY | ZCNET_FEAT_TX_SOCK,
			      NULL);
	if (why)
		SKIP(return, "%s", why);
	m = zc_alloc_pages(n);
	ASSERT_NE(NULL, m);
	if (mixed)
		ASSERT_EQ(0, mprotect(m + 2 * pg, pg, PROT_READ));
	ASSERT_EQ(0, zc_ctx_open(&c, 8, 8, 0, 0));
	ASSERT_EQ(0, reg_ro(c.fd, m, n * pg, &id));
	for (i = 0; i < (int)sizeof(buf); i++)
		m[pg + i] = (unsigned char)(i * 7 + 1);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, bind(rx, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(rx, (struct sockaddr *)&a, &alen));
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, connect(tx, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, zc_sock_attach(c.fd, tx, 0, &slot));
	d = zc_sock_desc(id, pg, sizeof(buf), slot, 9);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	EXPECT_EQ(1, zc_kick(c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&c, &e, 1, WAIT_MS));
	EXPECT_EQ((__s32)sizeof(buf), e.result);
	ASSERT_EQ((ssize_t)sizeof(buf), recv(rx, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, m + pg, sizeof(buf)));
	EXPECT_EQ(0, zc_sock_detach(c.fd, slot));
	close(tx);
	close(rx);
	EXPECT_EQ(0, zc_unreg(c.fd, id));
	zc_ctx_close(&c);
	munmap(m, n * pg);
}

TEST(anon_readonly_written_after)
{
	anon_written_after(_metadata, false);
}

TEST(anon_readonly_written_after_mixed)
{
	anon_written_after(_metadata, true);
}

/*
 * Raw frames from a file: the frames are written into a file through a
 * writable mapping of it, and sent through a read-only region over a
 * second, PROT_READ mapping of the same page cache, on the guest's NIC
 * bound for TX; each arrives at the peer byte for byte and completes once.
 */
#define RAW_FRAMES	64U
TEST_F_TIMEOUT(fr, raw_frames_from_file, 120)
{
	struct zc_frame f[RAW_FRAMES];
	struct zc_netif nif, peer;
	struct zc_batch b = { 0 };
	size_t len = (size_t)RAW_FRAMES * ZC_SLOT;
	unsigned char *w, *r;
	char msg[512], path[128];
	struct zc_env env;
	struct zc_ctx c;
	unsigned int i;
	__u32 id, max;
	int fd, s;

	if (zc_fixture_skip(ZCNET_FEAT_TX_RAW, &env))
		SKIP(return, "no raw TX or not in the test guest");
	ASSERT_EQ(0, zc_netif_get(env.iface, &nif));
	s = zc_peer_open(&env, ZC_ETH_P_TEST, &peer);
	ASSERT_LE(0, s);
	max = nif.mtu + ZC_ETH_HLEN < ZC_SLOT ? nif.mtu + ZC_ETH_HLEN : ZC_SLOT;
	snprintf(path, sizeof(path), "%s.raw", self->path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, (off_t)len));
	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, w);
	ASSERT_NE(MAP_FAILED, r);
	memset(w, 0, len);	/* every page in the page cache */
	ASSERT_EQ(0, zc_ctx_open(&c, RING, RING, 0, 0));
	ASSERT_EQ(0, reg_ro(c.fd, r, len, &id));
	ASSERT_EQ(0, zc_bind(c.fd, ZCNET_BIND_TX, (__u32)nif.ifindex,
			     ZCNET_QUEUE_ANY));
	memset(f, 0, sizeof(f));
	for (i = 0; i < RAW_FRAMES; i++) {
		f[i].offset = (__u64)i * ZC_SLOT;
		f[i].len = 60 + (i * 97) % (max - 60 + 1);
		f[i].region = (__u16)id;
		f[i].data = w + f[i].offset;
		f[i].good = true;
		f[i].copied = -1;
		f[i].arrive = 1;
	}
	b.f = f;
	b.n = RAW_FRAMES;
	b.dst = peer.mac;
	b.src = nif.mac;
	ASSERT_EQ(0, zc_batch_run(&c, &b, s, -1));
	EXPECT_EQ(0, zc_batch_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	zc_ctx_close(&c);
	close(s);
	munmap(w, len);
	munmap(r, len);
}

/* ------------------------------------------------------------------ */
/* a file on DAX                                                       */
/* ------------------------------------------------------------------ */

/*
 * Makes an ext2 file system of 4 KiB blocks (the page size, as DAX needs)
 * on DAX_DEV and mounts it with the ext4 driver at DAX_DIR, in a mount
 * namespace of the test's own, so that the mount goes when the test does;
 * NULL or why not.
 */
static const char *dax_prepare(void)
{
	static const char *const mkfs[] = { "mke2fs", "-F", "-b", "4096",
					    DAX_DEV, NULL };

	if (zc_page_size() != 4096)
		return "DAX on ext4 needs 4 KiB pages";
	if (access(DAX_DEV, R_OK | W_OK))
		return "no " DAX_DEV " (legacy pmem: memmap=SIZE!START, nd_e820, nd_pmem)";
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return "no mount namespace of our own";
	if (zc_run(mkfs))
		return "mke2fs -b 4096 " DAX_DEV " failed";
	if (mkdir(DAX_DIR, 0755) && errno != EEXIST)
		return "cannot make " DAX_DIR;
	if (mount(DAX_DEV, DAX_DIR, "ext4", 0, "dax=always") &&
	    mount(DAX_DEV, DAX_DIR, "ext4", 0, "dax"))
		return "ext4 does not mount " DAX_DEV " with -o dax";
	return NULL;
}

/* The file is in DAX mode (no page cache): 1, 0, or -errno. */
static int is_dax_file(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx))
		return -errno;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return 0;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

/*
 * A PROT_READ, MAP_SHARED mapping of a file on DAX registered read-only:
 * EOPNOTSUPP, its pages already mapped; so is a writable shared mapping
 * without the flag, and a private one. Nothing stays pinned or charged.
 */
TEST(dax_refused)
{
	long vmpin = zc_status_kb("VmPin:");
	struct zcnet_stats st0;
	char path[96];
	unsigned char *m, *w;
	const char *why;
	struct zc_ctx c;
	int wfd, rfd, dax;
	size_t i, bad = 0;

	why = zc_fixture_skip(ZCNET_FEAT_REGION_READONLY, NULL);
	if (why)
		SKIP(return, "%s", why);
	why = dax_prepare();
	if (why)
		SKIP(return, "%s", why);
	snprintf(path, sizeof(path), "%s/file", DAX_DIR);
	wfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, wfd);
	ASSERT_EQ(0, write_pattern(wfd, 0, DAX_FILE_LEN, false));
	ASSERT_EQ(0, fsync(wfd));
	dax = is_dax_file(path);
	ASSERT_LE(0, dax);
	if (!dax) {
		close(wfd);
		umount2(DAX_DIR, MNT_DETACH);
		SKIP(return, "mounted with -o dax, but the file is not DAX");
	}
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, zc_ctx_open(&c, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st0));

	/* read-only and shared, every page mapped: refused all the same */
	m = mmap(NULL, DAX_FILE_LEN, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (i = 0; i < DAX_FILE_LEN; i++)
		bad += m[i] != pat_a(i);
	EXPECT_EQ(0U, bad);
	EXPECT_EQ(-EOPNOTSUPP, reg_ro(c.fd, m, DAX_FILE_LEN, NULL));
	EXPECT_EQ(-EOPNOTSUPP, reg_ro(c.fd, m, zc_page_size(), NULL));
	munmap(m, DAX_FILE_LEN);

	/* writable and shared, without the flag: no file is pinned to write */
	w = mmap(NULL, DAX_FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, wfd,
		 0);
	ASSERT_NE(MAP_FAILED, w);
	w[0] = pat_a(0);
	EXPECT_EQ(-EOPNOTSUPP, reg_flags(c.fd, w, DAX_FILE_LEN, 0, NULL));
	munmap(w, DAX_FILE_LEN);

	/* private: refused as on any file */
	m = mmap(NULL, DAX_FILE_LEN, PROT_READ, MAP_PRIVATE, rfd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-EOPNOTSUPP, reg_ro(c.fd, m, DAX_FILE_LEN, NULL));
	munmap(m, DAX_FILE_LEN);

	expect_pins(_metadata, c.fd, 0, 0);
	EXPECT_EQ(st0.module_pinned_pages,
		  zc_wait_module_pinned(c.fd, st0.module_pinned_pages));
	if (vmpin >= 0)
		EXPECT_EQ(vmpin, zc_status_kb("VmPin:"));
	zc_ctx_close(&c);
	close(rfd);
	close(wfd);
	EXPECT_EQ(0, umount2(DAX_DIR, 0));
}

TEST_HARNESS_MAIN
