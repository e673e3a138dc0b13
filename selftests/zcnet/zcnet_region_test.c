// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet registered memory: which mappings are accepted, argument checks,
 * overlap, the region limit, UNREG_REGION, RLIMIT_MEMLOCK for unprivileged
 * users, pinned-page accounting (VmPin, per-context and module-wide stats)
 * and cleanup when a process dies with regions registered.
 */
#include <stdbool.h>
#include <sys/mount.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif

static int open_or_skip(struct __test_metadata *_metadata)
{
	int fd = zc_open();

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		return -1;
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", ZC_DEV_PATH, strerror(errno));
	return fd;
}

static void expect_ctx_pins(struct __test_metadata *_metadata, int fd,
			    __u64 regions, __u64 pages)
{
	struct zcnet_stats st;

	ASSERT_EQ(0, zc_get_stats(fd, &st));
	EXPECT_EQ(regions, st.regions);
	EXPECT_EQ(pages, st.pinned_pages);
}

/* A fresh directory for a private mount; 0 or -errno. */
static int make_mount_dir(char *dir, size_t len)
{
	static const char *const parents[] = { "/tmp", "/run", "" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parents); i++) {
		snprintf(dir, len, "%s/zcnet-sel-XXXXXX", parents[i]);
		if (mkdtemp(dir))
			return 0;
	}
	return -errno;
}

/* ------------------------------------------------------------------ */
/* kinds of mapping                                                    */
/* ------------------------------------------------------------------ */

enum map_kind {
	KIND_ANON_PRIVATE,
	KIND_ANON_SHARED,
	KIND_MEMFD,
	KIND_TMPFS_FILE,
	KIND_HUGETLB,
	KIND_RAMFS_SHARED,
	KIND_RAMFS_PRIVATE,
	KIND_ZCNET_RING,
};

FIXTURE(kind) {
	int fd;
	void *mem;
	size_t len;
	int file_fd;
	char dir[64];
	bool mounted;
	long old_nr_hugepages;
	int ring_fd;
	struct zc_ring ring;
};

FIXTURE_VARIANT(kind) {
	enum map_kind kind;
	long expect;
	bool readonly;		/* PROT_READ, ZCNET_REGION_READONLY */
};

FIXTURE_VARIANT_ADD(kind, anon_private) {
	.kind = KIND_ANON_PRIVATE, .expect = 0,
};
FIXTURE_VARIANT_ADD(kind, anon_shared) {
	.kind = KIND_ANON_SHARED, .expect = 0,
};
FIXTURE_VARIANT_ADD(kind, memfd_shared) {
	.kind = KIND_MEMFD, .expect = 0,
};
FIXTURE_VARIANT_ADD(kind, tmpfs_file_shared) {
	.kind = KIND_TMPFS_FILE, .expect = 0,
};
FIXTURE_VARIANT_ADD(kind, hugetlb) {
	.kind = KIND_HUGETLB, .expect = 0,
};
FIXTURE_VARIANT_ADD(kind, ramfs_file_shared) {
	.kind = KIND_RAMFS_SHARED, .expect = -EOPNOTSUPP,
};
FIXTURE_VARIANT_ADD(kind, ramfs_file_private) {
	.kind = KIND_RAMFS_PRIVATE, .expect = -EOPNOTSUPP,
};
FIXTURE_VARIANT_ADD(kind, zcnet_ring_mapping) {
	.kind = KIND_ZCNET_RING, .expect = -EOPNOTSUPP,
};
/* Read-only regions: a file's page cache too, when shared. */
FIXTURE_VARIANT_ADD(kind, ro_anon_private) {
	.kind = KIND_ANON_PRIVATE, .expect = 0, .readonly = true,
};
FIXTURE_VARIANT_ADD(kind, ro_memfd_shared) {
	.kind = KIND_MEMFD, .expect = 0, .readonly = true,
};
FIXTURE_VARIANT_ADD(kind, ro_hugetlb) {
	.kind = KIND_HUGETLB, .expect = 0, .readonly = true,
};
FIXTURE_VARIANT_ADD(kind, ro_ramfs_file_shared) {
	.kind = KIND_RAMFS_SHARED, .expect = 0, .readonly = true,
};
FIXTURE_VARIANT_ADD(kind, ro_ramfs_file_private) {
	.kind = KIND_RAMFS_PRIVATE, .expect = -EOPNOTSUPP, .readonly = true,
};
FIXTURE_VARIANT_ADD(kind, ro_zcnet_ring_mapping) {
	.kind = KIND_ZCNET_RING, .expect = -EOPNOTSUPP, .readonly = true,
};

static long hugepage_bytes(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? kb * 1024 : -1;
}

FIXTURE_SETUP(kind)
{
	size_t pg = zc_page_size();
	struct zcnet_offsets off;
	const char *fstype;
	char path[96], val[32];
	int mflags;
	long hp;

	self->file_fd = -1;
	self->ring_fd = -1;
	self->old_nr_hugepages = -1;
	self->mem = MAP_FAILED;
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	self->len = 4 * pg;

	switch (variant->kind) {
	case KIND_ANON_PRIVATE:
	case KIND_ANON_SHARED:
		mflags = variant->kind == KIND_ANON_SHARED ? MAP_SHARED :
							     MAP_PRIVATE;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 mflags | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		break;
	case KIND_MEMFD:
		self->file_fd = memfd_create("zcnet-selftest", MFD_CLOEXEC);
		ASSERT_LE(0, self->file_fd);
		ASSERT_EQ(0, ftruncate(self->file_fd, (off_t)self->len));
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_SHARED, self->file_fd, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		break;
	case KIND_TMPFS_FILE:
	case KIND_RAMFS_SHARED:
	case KIND_RAMFS_PRIVATE:
		fstype = variant->kind == KIND_TMPFS_FILE ? "tmpfs" : "ramfs";
		ASSERT_EQ(0, make_mount_dir(self->dir, sizeof(self->dir)));
		if (mount("zcnet-selftest", self->dir, fstype, 0, NULL)) {
			rmdir(self->dir);
			self->dir[0] = 0;
			SKIP(return, "cannot mount %s: %s", fstype,
			     strerror(errno));
		}
		self->mounted = true;
		snprintf(path, sizeof(path), "%s/buf", self->dir);
		self->file_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ASSERT_LE(0, self->file_fd);
		ASSERT_EQ(0, ftruncate(self->file_fd, (off_t)self->len));
		mflags = variant->kind == KIND_RAMFS_PRIVATE ? MAP_PRIVATE :
							       MAP_SHARED;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 mflags, self->file_fd, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		break;
	case KIND_HUGETLB:
		hp = hugepage_bytes();
		if (hp <= 0)
			SKIP(return, "no hugetlb support (no Hugepagesize)");
		self->old_nr_hugepages =
			zc_read_file_long("/proc/sys/vm/nr_hugepages");
		if (self->old_nr_hugepages < 0)
			SKIP(return, "no /proc/sys/vm/nr_hugepages");
		snprintf(val, sizeof(val), "%ld", self->old_nr_hugepages + 2);
		if (zc_write_file("/proc/sys/vm/nr_hugepages", val)) {
			self->old_nr_hugepages = -1;
			SKIP(return, "cannot reserve huge pages");
		}
		self->len = (size_t)hp;
		self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				 -1, 0);
		if (self->mem == MAP_FAILED)
			SKIP(return, "no huge page available: %s",
			     strerror(errno));
		break;
	case KIND_ZCNET_RING:
		self->ring_fd = zc_open();
		ASSERT_LE(0, self->ring_fd);
		ASSERT_EQ(0, zc_setup(self->ring_fd, 8, 8, 0, 0));
		ASSERT_EQ(0, zc_get_offsets(self->ring_fd, &off));
		ASSERT_EQ(0, zc_ring_map(self->ring_fd, &off.cq, &self->ring));
		self->len = self->ring.map_len;
		break;
	}
	if (variant->kind != KIND_ZCNET_RING)
		memset(self->mem, 0x5a, self->len);
	if (variant->readonly && variant->kind != KIND_ZCNET_RING)
		ASSERT_EQ(0, mprotect(self->mem, self->len, PROT_READ));
}

FIXTURE_TEARDOWN(kind)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem != MAP_FAILED && self->mem)
		munmap(self->mem, self->len);
	zc_ring_unmap(&self->ring);
	if (self->ring_fd >= 0)
		close(self->ring_fd);
	if (self->file_fd >= 0)
		close(self->file_fd);
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	if (self->dir[0])
		rmdir(self->dir);
	if (self->old_nr_hugepages >= 0) {
		char val[32];

		snprintf(val, sizeof(val), "%ld", self->old_nr_hugepages);
		zc_write_file("/proc/sys/vm/nr_hugepages", val);
	}
}

TEST_F(kind, register)
{
	size_t pg = zc_page_size();
	void *addr = variant->kind == KIND_ZCNET_RING ? self->ring.map :
							 self->mem;
	struct zcnet_region_reg r = {
		.size = sizeof(r), .addr = (__u64)(uintptr_t)addr,
		.len = self->len,
		.flags = variant->readonly ? ZCNET_REGION_READONLY : 0,
	};
	__u32 id = 0;
	long ret;

	ret = zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r);
	id = r.id;
	ASSERT_EQ(variant->expect, ret);
	if (ret) {
		expect_ctx_pins(_metadata, self->fd, 0, 0);
		return;
	}
	expect_ctx_pins(_metadata, self->fd, 1, self->len / pg);
	/* the memory is still the process's memory */
	EXPECT_EQ(0x5a, ((unsigned char *)self->mem)[self->len - 1]);
	if (variant->readonly) {
		/* made writable again, it is the same memory */
		ASSERT_EQ(0, mprotect(self->mem, self->len,
				      PROT_READ | PROT_WRITE));
	}
	((unsigned char *)self->mem)[0] = 0xa5;
	EXPECT_EQ(0xa5, ((unsigned char *)self->mem)[0]);
	EXPECT_EQ(0, zc_unreg(self->fd, id));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
}

/* ------------------------------------------------------------------ */
/* argument checks                                                     */
/* ------------------------------------------------------------------ */

FIXTURE(bad_args) {
	int fd;
	char *mem;
};

FIXTURE_VARIANT(bad_args) {
	long addr_delta;	/* bytes added to a page-aligned mapping */
	int len_pages;
	__u64 len_extra;	/* bytes added to len_pages pages */
	bool wrap;		/* addr = 2^64 - wrap_pages pages */
	int wrap_pages;
	long expect;
};

FIXTURE_VARIANT_ADD(bad_args, addr_plus_1) {
	.addr_delta = 1, .len_pages = 1, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, addr_plus_2048) {
	.addr_delta = 2048, .len_pages = 1, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_0) {
	.len_pages = 0, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_1) {
	.len_pages = 0, .len_extra = 1, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_2048) {
	.len_pages = 0, .len_extra = 2048, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_page_plus_1) {
	.len_pages = 1, .len_extra = 1, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_4g_plus_page) {
	.len_pages = 1, .len_extra = 4ULL << 30, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_8g) {
	.len_pages = 0, .len_extra = 8ULL << 30, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, len_2_63) {
	.len_pages = 0, .len_extra = 1ULL << 63, .expect = -EINVAL,
};
FIXTURE_VARIANT_ADD(bad_args, wraps_past_end) {
	.wrap = true, .wrap_pages = 1, .len_pages = 2, .expect = -EOVERFLOW,
};
FIXTURE_VARIANT_ADD(bad_args, wraps_to_zero) {
	.wrap = true, .wrap_pages = 1, .len_pages = 1, .expect = -EOVERFLOW,
};
FIXTURE_VARIANT_ADD(bad_args, wraps_far) {
	.wrap = true, .wrap_pages = 4, .len_pages = 16, .expect = -EOVERFLOW,
};

FIXTURE_SETUP(bad_args)
{
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	self->mem = zc_alloc_pages(4);
	ASSERT_NE(NULL, self->mem);
}

FIXTURE_TEARDOWN(bad_args)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, 4 * zc_page_size());
}

TEST_F(bad_args, rejected)
{
	size_t pg = zc_page_size();
	__u64 addr, len;
	__u32 id;

	len = (__u64)variant->len_pages * pg + variant->len_extra;
	if (variant->wrap)
		addr = 0 - (__u64)variant->wrap_pages * pg;
	else
		addr = (__u64)(uintptr_t)self->mem + variant->addr_delta;
	EXPECT_EQ(variant->expect, zc_reg_raw(self->fd, addr, len));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	/* nothing was left behind: the whole mapping still registers */
	ASSERT_EQ(0, zc_reg(self->fd, self->mem, 4 * pg, &id));
	EXPECT_EQ(0, zc_unreg(self->fd, id));
}

FIXTURE(reg) {
	int fd;
};

FIXTURE_SETUP(reg)
{
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(reg)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(reg, flags_and_reserved_einval)
{
	size_t pg = zc_page_size();
	void *mem = zc_alloc_pages(1);
	struct zcnet_region_reg r = { .size = sizeof(r) };

	ASSERT_NE(NULL, mem);
	r.addr = (__u64)(uintptr_t)mem;
	r.len = pg;
	/* bit 0 is ZCNET_REGION_READONLY; the others are unknown */
	r.flags = 2;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	r.flags = ZCNET_REGION_READONLY | 4;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	r.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	r.reserved = 0;
	EXPECT_EQ(0, zc_ioctl(self->fd, ZCNET_IOC_REG_REGION, &r));
	expect_ctx_pins(_metadata, self->fd, 1, 1);
	munmap(mem, pg);
}

TEST_F(reg, unmapped_efault)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(4);

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, munmap(mem, 4 * pg));
	EXPECT_EQ(-EFAULT, zc_reg(self->fd, mem, 4 * pg, NULL));
	EXPECT_EQ(-EFAULT, zc_reg(self->fd, mem + pg, pg, NULL));
	/* page 0 is never mapped */
	EXPECT_EQ(-EFAULT, zc_reg_raw(self->fd, 0, pg));
	/* a kernel / non-canonical address */
	EXPECT_EQ(-EFAULT, zc_reg_raw(self->fd, 1ULL << 62, pg));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
}

TEST_F(reg, hole_efault_releases_partial_pins)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(8);
	long vmpin = zc_status_kb("VmPin:");
	__u32 id;

	ASSERT_NE(NULL, mem);
	memset(mem, 1, 8 * pg);
	ASSERT_EQ(0, munmap(mem + 4 * pg, pg));
	EXPECT_EQ(-EFAULT, zc_reg(self->fd, mem, 8 * pg, NULL));
	EXPECT_EQ(-EFAULT, zc_reg(self->fd, mem + 3 * pg, 2 * pg, NULL));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	if (vmpin >= 0) {
		EXPECT_EQ(vmpin, zc_status_kb("VmPin:"));
	}
	/* the part before the hole is still free to register */
	ASSERT_EQ(0, zc_reg(self->fd, mem, 4 * pg, &id));
	EXPECT_EQ(0, zc_unreg(self->fd, id));
	munmap(mem, 4 * pg);
	munmap(mem + 5 * pg, 3 * pg);
}

TEST_F(reg, region_limit)
{
	size_t pg = zc_page_size();
	const int max = ZCNET_MAX_REGIONS;
	char *mem = zc_alloc_pages(max + 2);
	__u32 ids[ZCNET_MAX_REGIONS], id;
	struct zcnet_stats st;
	int i, j, fd2;

	ASSERT_NE(NULL, mem);
	for (i = 0; i < max; i++) {
		ASSERT_EQ(0, zc_reg(self->fd, mem + i * pg, pg, &ids[i]))
			TH_LOG("region %d", i);
	}
	for (i = 0; i < max; i++)
		for (j = i + 1; j < max; j++) {
			ASSERT_NE(ids[i], ids[j]) TH_LOG("regions %d and %d", i, j);
		}
	/* descriptors carry the id in 16 bits */
	for (i = 0; i < max; i++) {
		EXPECT_GE(0xffffU, ids[i]);
	}

	EXPECT_EQ(-ENOSPC, zc_reg(self->fd, mem + max * pg, pg, NULL));
	EXPECT_EQ(-ENOSPC, zc_reg(self->fd, mem + (max + 1) * pg, pg, NULL));
	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ((__u64)max, st.regions);
	EXPECT_EQ((__u64)max, st.pinned_pages);

	/* a freed slot can be used again */
	ASSERT_EQ(0, zc_unreg(self->fd, ids[10]));
	ASSERT_EQ(0, zc_reg(self->fd, mem + max * pg, pg, &id));
	for (i = 0; i < max; i++)
		if (i != 10) {
			EXPECT_NE(ids[i], id);
		}
	EXPECT_EQ(-ENOSPC, zc_reg(self->fd, mem + 10 * pg, pg, NULL));

	/* another context has its own limit */
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, zc_reg(fd2, mem, pg, NULL));
	close(fd2);
	munmap(mem, (max + 2) * pg);
}

TEST_F(reg, same_memory_in_two_contexts)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(4);
	int fd2 = zc_open();
	__u32 a, b;

	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_reg(self->fd, mem, 4 * pg, &a));
	ASSERT_EQ(0, zc_reg(fd2, mem, 4 * pg, &b));
	expect_ctx_pins(_metadata, self->fd, 1, 4);
	expect_ctx_pins(_metadata, fd2, 1, 4);
	EXPECT_EQ(0, zc_unreg(fd2, b));
	EXPECT_EQ(0, zc_unreg(self->fd, a));
	close(fd2);
	munmap(mem, 4 * pg);
}

/* ------------------------------------------------------------------ */
/* overlap                                                             */
/* ------------------------------------------------------------------ */

FIXTURE(overlap) {
	int fd;
	char *mem;	/* 12 pages; pages [4, 8) registered */
	__u32 id;
};

FIXTURE_VARIANT(overlap) {
	int first;
	int npages;
	long expect;
};

FIXTURE_VARIANT_ADD(overlap, same_range) { 4, 4, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, first_page) { 4, 1, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, last_page) { 7, 1, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, inside) { 5, 2, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, head) { 2, 3, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, tail) { 7, 3, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, superset) { 2, 8, -EEXIST };
FIXTURE_VARIANT_ADD(overlap, adjacent_before) { 2, 2, 0 };
FIXTURE_VARIANT_ADD(overlap, adjacent_after) { 8, 2, 0 };
FIXTURE_VARIANT_ADD(overlap, disjoint) { 10, 2, 0 };

FIXTURE_SETUP(overlap)
{
	size_t pg = zc_page_size();

	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	self->mem = zc_alloc_pages(12);
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_reg(self->fd, self->mem + 4 * pg, 4 * pg, &self->id));
}

FIXTURE_TEARDOWN(overlap)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, 12 * zc_page_size());
}

TEST_F(overlap, register_second)
{
	size_t pg = zc_page_size();
	__u32 id = self->id;

	ASSERT_EQ(variant->expect,
		  zc_reg(self->fd, self->mem + variant->first * pg,
			 variant->npages * pg, &id));
	if (variant->expect) {
		expect_ctx_pins(_metadata, self->fd, 1, 4);
		/* after the first is gone the range is free */
		ASSERT_EQ(0, zc_unreg(self->fd, self->id));
		ASSERT_EQ(0, zc_reg(self->fd, self->mem + variant->first * pg,
				    variant->npages * pg, &id));
		expect_ctx_pins(_metadata, self->fd, 1, variant->npages);
		EXPECT_EQ(0, zc_unreg(self->fd, id));
		return;
	}
	EXPECT_NE(self->id, id);
	expect_ctx_pins(_metadata, self->fd, 2, 4 + variant->npages);
	EXPECT_EQ(0, zc_unreg(self->fd, id));
	EXPECT_EQ(0, zc_unreg(self->fd, self->id));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
}

/* ------------------------------------------------------------------ */
/* UNREG_REGION                                                        */
/* ------------------------------------------------------------------ */

TEST_F(reg, unreg_unknown_enoent)
{
	const __u32 ids[] = { 0, 1, 63, 64, 0xffff, 0x10000, 0xffffffff };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		__u32 id = ids[i];

		EXPECT_EQ(-ENOENT, zc_unreg(self->fd, id)) TH_LOG("id %u", id);
	}
}

TEST_F(reg, unreg_twice_enoent)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(2);
	__u32 a, b, other;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_reg(self->fd, mem, pg, &a));
	ASSERT_EQ(0, zc_reg(self->fd, mem + pg, pg, &b));
	/* an id that was never returned */
	for (other = 0; other == a || other == b; other++)
		;
	EXPECT_EQ(-ENOENT, zc_unreg(self->fd, other));
	ASSERT_EQ(0, zc_unreg(self->fd, a));
	EXPECT_EQ(-ENOENT, zc_unreg(self->fd, a));
	expect_ctx_pins(_metadata, self->fd, 1, 1);
	ASSERT_EQ(0, zc_unreg(self->fd, b));
	EXPECT_EQ(-ENOENT, zc_unreg(self->fd, b));
	EXPECT_EQ(-ENOENT, zc_unreg(self->fd, a));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	munmap(mem, 2 * pg);
}

TEST_F(reg, unreg_other_contexts_region_enoent)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(1);
	int fd2 = zc_open();
	__u32 id;

	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_reg(fd2, mem, pg, &id));
	EXPECT_EQ(-ENOENT, zc_unreg(self->fd, id));
	expect_ctx_pins(_metadata, fd2, 1, 1);
	EXPECT_EQ(0, zc_unreg(fd2, id));
	close(fd2);
	munmap(mem, pg);
}

TEST_F(reg, unreg_flags_reserved_einval)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(1);
	struct zcnet_region_unreg u = { .size = sizeof(u) };

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_reg(self->fd, mem, pg, &u.id));
	u.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_UNREG_REGION, &u));
	u.flags = 0;
	u.reserved = 0x100;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_UNREG_REGION, &u));
	expect_ctx_pins(_metadata, self->fd, 1, 1);
	u.reserved = 0;
	EXPECT_EQ(0, zc_ioctl(self->fd, ZCNET_IOC_UNREG_REGION, &u));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	munmap(mem, pg);
}

/* ------------------------------------------------------------------ */
/* pinned accounting                                                   */
/* ------------------------------------------------------------------ */

TEST_F(reg, vmpin_follows_registration)
{
	size_t pg = zc_page_size();
	long kb = (long)(pg / 1024);
	char *mem = zc_alloc_pages(12);
	long base = zc_status_kb("VmPin:");
	__u32 a, b;

	if (base < 0)
		SKIP(return, "no VmPin in /proc/self/status");
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_reg(self->fd, mem, 8 * pg, &a));
	EXPECT_EQ(base + 8 * kb, zc_status_kb("VmPin:"));
	ASSERT_EQ(0, zc_reg(self->fd, mem + 8 * pg, 4 * pg, &b));
	EXPECT_EQ(base + 12 * kb, zc_status_kb("VmPin:"));
	expect_ctx_pins(_metadata, self->fd, 2, 12);
	ASSERT_EQ(0, zc_unreg(self->fd, a));
	EXPECT_EQ(base + 4 * kb, zc_status_kb("VmPin:"));
	expect_ctx_pins(_metadata, self->fd, 1, 4);
	ASSERT_EQ(0, zc_unreg(self->fd, b));
	EXPECT_EQ(base, zc_status_kb("VmPin:"));
	expect_ctx_pins(_metadata, self->fd, 0, 0);
	munmap(mem, 12 * pg);
}

TEST_F(reg, vmpin_released_on_close)
{
	size_t pg = zc_page_size();
	long kb = (long)(pg / 1024);
	char *mem = zc_alloc_pages(8);
	long base = zc_status_kb("VmPin:");
	uint64_t end;
	long now;

	if (base < 0)
		SKIP(return, "no VmPin in /proc/self/status");
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_reg(self->fd, mem, 4 * pg, NULL));
	ASSERT_EQ(0, zc_reg(self->fd, mem + 4 * pg, 4 * pg, NULL));
	EXPECT_EQ(base + 8 * kb, zc_status_kb("VmPin:"));
	close(self->fd);
	self->fd = -1;
	/* the release may be deferred */
	end = zc_now_ms() + ZC_SETTLE_MS;
	while ((now = zc_status_kb("VmPin:")) != base && zc_now_ms() < end)
		zc_sleep_ms(20);
	EXPECT_EQ(base, now);
	munmap(mem, 8 * pg);
}

TEST_F(reg, module_pinned_pages_is_module_wide)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(3);
	struct zcnet_stats st;
	__u64 base;
	__u32 id;
	int fd2;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, zc_settle(self->fd, &st))
		TH_LOG("module did not settle: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	base = st.module_pinned_pages;
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_reg(fd2, mem, 3 * pg, &id));
	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(base + 3, st.module_pinned_pages);
	EXPECT_EQ(0U, st.pinned_pages);
	ASSERT_EQ(0, zc_unreg(fd2, id));
	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	EXPECT_EQ(base, st.module_pinned_pages);
	close(fd2);
	munmap(mem, 3 * pg);
}

/* ------------------------------------------------------------------ */
/* process death                                                       */
/* ------------------------------------------------------------------ */

FIXTURE(death) {
	int fd;		/* observer context */
	pid_t child;
};

FIXTURE_VARIANT(death) {
	bool rings;	/* the child also sets up and uses rings */
	bool sigkill;	/* killed, or exits by itself without closing */
};

FIXTURE_VARIANT_ADD(death, sigkill_regions) { .rings = false, .sigkill = true };
FIXTURE_VARIANT_ADD(death, sigkill_rings_regions) { .rings = true, .sigkill = true };
FIXTURE_VARIANT_ADD(death, exit_rings_regions) { .rings = true, .sigkill = false };

FIXTURE_SETUP(death)
{
	struct zcnet_stats st;

	self->child = -1;
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	/* earlier tests' contexts and pins are gone (their release may lag) */
	ASSERT_EQ(0, zc_settle(self->fd, &st))
		TH_LOG("module did not settle: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
}

FIXTURE_TEARDOWN(death)
{
	if (self->child > 0)
		zc_kill_wait(self->child);
	if (self->fd >= 0)
		close(self->fd);
}

#define DEATH_PAGES 8

/* Child: register DEATH_PAGES pages (and use rings), report, then die. */
static void death_child(int wfd, bool rings, bool sigkill)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(DEATH_PAGES);
	long res[2] = { -ENOMEM, 0 };
	struct zc_ctx c;
	int fd;

	if (!mem)
		goto out;
	if (rings) {
		struct zcnet_tx_desc d;
		__u32 id;
		int efd = eventfd(0, EFD_CLOEXEC);
		int i;

		res[0] = zc_ctx_open(&c, 8, 8, 8, 8);
		if (res[0])
			goto out;
		fd = c.fd;
		res[0] = zc_reg(fd, mem, DEATH_PAGES * pg, &id);
		if (res[0])
			goto out;
		res[0] = zc_set_eventfd(fd, ZCNET_EVENTFD_CQ, efd);
		if (res[0])
			goto out;
		/* some completed, some still pending in TX */
		for (i = 0; i < 6; i++) {
			d = zc_nop(id, 0, 128, i);
			zc_tx_push(&c.tx, &d);
		}
		res[1] = zc_kick(fd, 3);
	} else {
		fd = zc_open();
		if (fd < 0) {
			res[0] = -errno;
			goto out;
		}
		res[0] = zc_reg(fd, mem, DEATH_PAGES / 2 * pg, NULL);
		if (!res[0])
			res[0] = zc_reg(fd, mem + DEATH_PAGES / 2 * pg,
					DEATH_PAGES / 2 * pg, NULL);
	}
out:
	zc_write_full(wfd, res, sizeof(res));
	if (!sigkill)
		_exit(0);
	for (;;)
		pause();
}

TEST_F(death, nothing_leaks)
{
	struct zcnet_stats st;
	__u64 pinned, contexts;
	long res[2];
	int p[2], status;

	ASSERT_EQ(0, zc_get_stats(self->fd, &st));
	pinned = st.module_pinned_pages;
	contexts = st.module_contexts;
	ASSERT_EQ(0U, pinned);
	ASSERT_EQ(1U, contexts);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->child = zc_fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(p[0]);
		death_child(p[1], variant->rings, variant->sigkill);
	}
	close(p[1]);
	ASSERT_EQ(0, zc_read_full(p[0], res, sizeof(res)));
	close(p[0]);
	ASSERT_EQ(0, res[0]) TH_LOG("child setup failed: %s", strerror((int)-res[0]));
	if (variant->rings) {
		EXPECT_EQ(3, res[1]);
	}

	if (variant->sigkill) {
		ASSERT_EQ(0, zc_get_stats(self->fd, &st));
		EXPECT_EQ(pinned + DEATH_PAGES, st.module_pinned_pages);
		EXPECT_EQ(contexts + 1, st.module_contexts);
		status = zc_kill_wait(self->child);
		EXPECT_TRUE(WIFSIGNALED(status));
	} else {
		status = zc_wait(self->child);
		EXPECT_TRUE(WIFEXITED(status));
	}
	self->child = -1;

	EXPECT_EQ(pinned, zc_wait_module_pinned(self->fd, pinned));
	EXPECT_EQ(contexts, zc_wait_module_contexts(self->fd, contexts));
}

/* ------------------------------------------------------------------ */
/* RLIMIT_MEMLOCK                                                      */
/* ------------------------------------------------------------------ */

FIXTURE(memlock) {
	mode_t old_mode;
	bool chmodded;
	pid_t child;
};

FIXTURE_SETUP(memlock)
{
	struct zcnet_stats st;
	struct stat sb;
	int fd;

	self->child = -1;
	fd = open_or_skip(_metadata);
	if (fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	/* start from a module with nothing pinned (earlier tests' releases) */
	ASSERT_EQ(0, zc_settle(fd, &st))
		TH_LOG("module did not settle: %llu contexts, %llu pages pinned",
		       (unsigned long long)st.module_contexts,
		       (unsigned long long)st.module_pinned_pages);
	close(fd);
	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
}

FIXTURE_TEARDOWN(memlock)
{
	if (self->child > 0)
		zc_kill_wait(self->child);
	if (self->chmodded)
		chmod(ZC_DEV_PATH, self->old_mode);
}

#define LIMIT_PAGES 16
#define NRES 10

/*
 * Run fn in a child that becomes uid 65534 with RLIMIT_MEMLOCK of
 * LIMIT_PAGES pages (or stays root with that limit), collect its NRES
 * results through a pipe. If hold, the child keeps running after
 * reporting and the caller must reap it (self->child).
 */
static pid_t run_child(bool unpriv, bool hold, void (*fn)(long *res), long *res)
{
	int p[2];
	pid_t pid;
	int i;

	for (i = 0; i < NRES; i++)
		res[i] = -9999;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = zc_fork();
	if (pid == 0) {
		long r[NRES];
		long ret;

		close(p[0]);
		for (i = 0; i < NRES; i++)
			r[i] = 0;
		if (unpriv) {
			ret = zc_become_user(ZC_NOBODY, LIMIT_PAGES * zc_page_size());
		} else {
			struct rlimit rl = {
				LIMIT_PAGES * zc_page_size(),
				LIMIT_PAGES * zc_page_size(),
			};

			ret = setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
		}
		if (ret) {
			r[0] = 1000 + ret;	/* could not drop privileges */
		} else {
			fn(r);
		}
		zc_write_full(p[1], r, sizeof(r));
		if (!hold)
			_exit(0);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0) {
		if (zc_read_full(p[0], res, NRES * sizeof(long)))
			res[0] = -9998;
		if (!hold) {
			zc_wait(pid);
			pid = 0;
		}
	}
	close(p[0]);
	return pid;
}

static void limit_steps(long *r)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(64);
	int fd = zc_open();
	__u32 id = 0;

	r[0] = fd < 0 ? -errno : 0;
	if (fd < 0 || !mem)
		return;
	r[1] = zc_reg(fd, mem, 2 * LIMIT_PAGES * pg, NULL);	/* over */
	r[2] = zc_reg(fd, mem, LIMIT_PAGES * pg, &id);		/* exactly */
	r[3] = zc_reg(fd, mem + 32 * pg, pg, NULL);		/* one more */
	r[4] = zc_unreg(fd, id);
	r[5] = zc_reg(fd, mem + 32 * pg, pg, NULL);		/* charge back */
	r[6] = zc_reg(fd, mem + 33 * pg, (LIMIT_PAGES - 1) * pg, NULL);
	r[7] = zc_reg(fd, mem + 48 * pg, pg, NULL);		/* full again */
	/* a second context of the same process shares the limit */
	{
		int fd2 = zc_open();

		r[8] = fd2 < 0 ? -errno : zc_reg(fd2, mem + 49 * pg, pg, NULL);
		if (fd2 >= 0)
			close(fd2);
	}
	close(fd);
}

TEST_F(memlock, unprivileged_limit_enforced)
{
	long r[NRES];

	run_child(true, false, limit_steps, r);
	ASSERT_EQ(0, r[0]) TH_LOG("child could not open %s as uid %d (%ld)",
				  ZC_DEV_PATH, ZC_NOBODY, r[0]);
	EXPECT_EQ(-ENOMEM, r[1]) TH_LOG("2x limit");
	EXPECT_EQ(0, r[2]) TH_LOG("exactly the limit");
	EXPECT_EQ(-ENOMEM, r[3]) TH_LOG("one page over");
	EXPECT_EQ(0, r[4]) TH_LOG("unreg");
	EXPECT_EQ(0, r[5]) TH_LOG("after unreg");
	EXPECT_EQ(0, r[6]) TH_LOG("up to the limit again");
	EXPECT_EQ(-ENOMEM, r[7]) TH_LOG("one page over again");
	EXPECT_EQ(-ENOMEM, r[8]) TH_LOG("other context, same process");
}

static void root_steps(long *r)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(6 * LIMIT_PAGES);
	int fd = zc_open();

	r[0] = fd < 0 ? -errno : 0;
	if (fd < 0 || !mem)
		return;
	r[1] = zc_reg(fd, mem, 2 * LIMIT_PAGES * pg, NULL);
	r[2] = zc_reg(fd, mem + 2 * LIMIT_PAGES * pg, 4 * LIMIT_PAGES * pg,
		      NULL);
	close(fd);
}

TEST_F(memlock, cap_ipc_lock_ignores_limit)
{
	long r[NRES];

	run_child(false, false, root_steps, r);
	ASSERT_EQ(0, r[0]);
	EXPECT_EQ(0, r[1]);
	EXPECT_EQ(0, r[2]);
}

static void fill_limit_step(long *r)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(LIMIT_PAGES);
	int fd = zc_open();

	r[0] = fd < 0 ? -errno : 0;
	if (fd < 0 || !mem)
		return;
	r[1] = zc_reg(fd, mem, LIMIT_PAGES * pg, NULL);
	/* fd stays open: the charge goes away only with the process */
}

/* Repeat a fresh unprivileged child's full registration for up to 2 s. */
static long charge_available(void)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	long r[NRES];

	for (;;) {
		run_child(true, false, fill_limit_step, r);
		if (r[0] || r[1] != -ENOMEM || zc_now_ms() > end)
			return r[0] ? r[0] : r[1];
		zc_sleep_ms(50);
	}
}

TEST_F(memlock, charge_returns_after_sigkill)
{
	long r[NRES];
	int status;

	self->child = run_child(true, true, fill_limit_step, r);
	ASSERT_LT(0, self->child);
	ASSERT_EQ(0, r[0]);
	ASSERT_EQ(0, r[1]);
	status = zc_kill_wait(self->child);
	self->child = -1;
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, charge_available());
}

TEST_F(memlock, charge_returns_after_exit)
{
	long r[NRES];

	/* the child exits with the fd and the region still there */
	run_child(true, false, fill_limit_step, r);
	ASSERT_EQ(0, r[0]);
	ASSERT_EQ(0, r[1]);
	EXPECT_EQ(0, charge_available());
}

static void close_steps(long *r)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(LIMIT_PAGES);
	uint64_t end;
	int fd = zc_open();

	r[0] = fd < 0 ? -errno : 0;
	if (fd < 0 || !mem)
		return;
	r[1] = zc_reg(fd, mem, LIMIT_PAGES * pg, NULL);
	close(fd);
	fd = zc_open();
	r[2] = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	end = zc_now_ms() + ZC_SETTLE_MS;
	do {
		r[3] = zc_reg(fd, mem, LIMIT_PAGES * pg, NULL);
		if (r[3] != -ENOMEM)
			break;
		zc_sleep_ms(50);
	} while (zc_now_ms() < end);
	close(fd);
}

TEST_F(memlock, charge_returns_after_close)
{
	long r[NRES];

	run_child(true, false, close_steps, r);
	ASSERT_EQ(0, r[0]);
	EXPECT_EQ(0, r[1]);
	ASSERT_EQ(0, r[2]);
	EXPECT_EQ(0, r[3]);
}

TEST_HARNESS_MAIN
