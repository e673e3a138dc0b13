// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet ring tests: ZCNET_IOC_SETUP (valid and invalid sizes), the ring
 * layout reported by ZCNET_IOC_GET_OFFSETS and mmap() of the rings (right
 * and wrong length, offset and flags).
 */
#include <stdbool.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define LINE(x) ((x) / 64)

static int open_or_skip(struct __test_metadata *_metadata)
{
	int fd = zc_open();

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		return -1;
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", ZC_DEV_PATH, strerror(errno));
	return fd;
}

static long mmap_err(int fd, size_t len, int flags, __u64 off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

static const struct zcnet_ring_offset *ring_n(const struct zcnet_offsets *o,
					      int n)
{
	switch (n) {
	case 0: return &o->tx;
	case 1: return &o->cq;
	case 2: return &o->fill;
	default: return &o->rx;
	}
}

static const char *ring_name(int n)
{
	static const char *const names[4] = { "tx", "cq", "fill", "rx" };

	return n >= 0 && n < 4 ? names[n] : "?";
}
static const __u32 entry_sizes[4] = {
	sizeof(struct zcnet_tx_desc), sizeof(struct zcnet_cq_entry),
	sizeof(struct zcnet_fill_desc), sizeof(struct zcnet_rx_desc),
};

static bool is_ring_offset(const struct zcnet_offsets *o, __u64 off)
{
	int i;

	for (i = 0; i < 4; i++)
		if (ring_n(o, i)->entries && ring_n(o, i)->mmap_offset == off)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* valid setups                                                        */
/* ------------------------------------------------------------------ */

static void rings_open(struct __test_metadata *_metadata, int *fd,
			struct zcnet_offsets *off, const __u32 n[4])
{
	*fd = open_or_skip(_metadata);
	if (*fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	ASSERT_EQ(0, zc_setup(*fd, n[0], n[1], n[2], n[3]));
	ASSERT_EQ(0, zc_get_offsets(*fd, off));
}

/* A context with the rings variant->n set up. */
#define RINGS_FIXTURE(name)						\
	FIXTURE(name) {							\
		int fd;							\
		struct zcnet_offsets off;				\
	};								\
	FIXTURE_VARIANT(name) {						\
		__u32 n[4];	/* tx, cq, fill, rx */		\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		rings_open(_metadata, &self->fd, &self->off, variant->n); \
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		if (self->fd >= 0)					\
			close(self->fd);				\
	}
#define RINGS(fixture, name, ...) \
	FIXTURE_VARIANT_ADD(fixture, name) { .n = { __VA_ARGS__ } }

RINGS_FIXTURE(rings);
RINGS(rings, tx8_cq8, 8, 8, 0, 0);
RINGS(rings, tx16_cq64, 16, 64, 0, 0);
RINGS(rings, tx64_cq16, 64, 16, 0, 0);
RINGS(rings, fill8_rx8, 0, 0, 8, 8);
RINGS(rings, fill512_rx32, 0, 0, 512, 32);
RINGS(rings, all8, 8, 8, 8, 8);
RINGS(rings, mixed, 256, 512, 128, 1024);
RINGS(rings, all_max, 32768, 32768, 32768, 32768);

/* the setups above that leave a ring out */
RINGS_FIXTURE(rings_partial);
RINGS(rings_partial, tx8_cq8, 8, 8, 0, 0);
RINGS(rings_partial, tx16_cq64, 16, 64, 0, 0);
RINGS(rings_partial, tx64_cq16, 64, 16, 0, 0);
RINGS(rings_partial, fill8_rx8, 0, 0, 8, 8);
RINGS(rings_partial, fill512_rx32, 0, 0, 512, 32);

TEST_F(rings, offsets_layout)
{
	size_t pg = zc_page_size();
	int i, j;

	EXPECT_EQ(sizeof(self->off), self->off.size);
	EXPECT_EQ(0U, self->off.flags);

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);
		__u64 desc_end;
		__u32 idx[3];
		int k;

		EXPECT_EQ(variant->n[i], ro->entries) TH_LOG("%s", ring_name(i));
		if (!variant->n[i])
			continue;

		/* the rings' mmap offsets are page aligned and distinct */
		EXPECT_EQ(0U, ro->mmap_offset % pg) TH_LOG("%s", ring_name(i));
		for (j = i + 1; j < 4; j++) {
			if (!ring_n(&self->off, j)->entries)
				continue;
			EXPECT_NE(ro->mmap_offset,
				  ring_n(&self->off, j)->mmap_offset)
				TH_LOG("%s vs %s", ring_name(i), ring_name(j));
		}

		EXPECT_EQ(entry_sizes[i], ro->entry_size)
			TH_LOG("%s", ring_name(i));
		EXPECT_LT(0U, ro->mmap_len) TH_LOG("%s", ring_name(i));
		EXPECT_EQ(0U, ro->mmap_len % pg) TH_LOG("%s", ring_name(i));

		idx[0] = ro->producer;
		idx[1] = ro->consumer;
		idx[2] = ro->flags;
		for (k = 0; k < 3; k++) {
			EXPECT_EQ(0U, idx[k] % 4) TH_LOG("%s", ring_name(i));
			EXPECT_LE((__u64)idx[k] + 4, ro->mmap_len)
				TH_LOG("%s", ring_name(i));
		}
		/* producer, consumer and flags on three different lines */
		EXPECT_NE(LINE(ro->producer), LINE(ro->consumer))
			TH_LOG("%s: producer and consumer share a cache line",
			       ring_name(i));
		EXPECT_NE(LINE(ro->producer), LINE(ro->flags))
			TH_LOG("%s", ring_name(i));
		EXPECT_NE(LINE(ro->consumer), LINE(ro->flags))
			TH_LOG("%s", ring_name(i));

		/* the entries fit, are aligned and share no line with them */
		desc_end = (__u64)ro->desc +
			   (__u64)ro->entries * ro->entry_size;
		EXPECT_EQ(0U, ro->desc % 8) TH_LOG("%s", ring_name(i));
		EXPECT_LE(desc_end, ro->mmap_len) TH_LOG("%s", ring_name(i));
		for (k = 0; k < 3; k++) {
			bool before = LINE(idx[k]) < LINE(ro->desc);
			bool after = LINE(idx[k]) > LINE(desc_end - 1);

			EXPECT_TRUE(before || after)
				TH_LOG("%s: index at %u is on a line of the entries [%u, %llu)",
				       ring_name(i), idx[k], ro->desc,
				       (unsigned long long)desc_end);
		}
	}
}

TEST_F(rings, mmap_full_and_partial)
{
	size_t pg = zc_page_size();
	int i;

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);
		struct zc_ring r;
		char *p;

		if (!ro->entries)
			continue;
		ASSERT_EQ(0, zc_ring_map(self->fd, ro, &r))
			TH_LOG("%s", ring_name(i));
		/* indices start at 0 */
		EXPECT_EQ(0U, zc_load_acquire(r.producer)) TH_LOG("%s", ring_name(i));
		EXPECT_EQ(0U, zc_load_acquire(r.consumer)) TH_LOG("%s", ring_name(i));
		/* the whole mapping is readable and writable */
		p = r.map;
		p[r.map_len - 1] = 0x3c;
		EXPECT_EQ(0x3c, p[r.map_len - 1]);
		p[r.map_len - 1] = 0;
		memset(zc_ring_slot(&r, r.entries - 1), 0x11, r.entry_size);
		zc_ring_unmap(&r);

		/* a shorter mapping works too */
		EXPECT_EQ(0, mmap_err(self->fd, pg, MAP_SHARED, ro->mmap_offset))
			TH_LOG("%s one page", ring_name(i));
	}
}

TEST_F(rings, mmap_too_long_einval)
{
	size_t pg = zc_page_size();
	int i;

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);

		if (!ro->entries)
			continue;
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, ro->mmap_len + pg,
					    MAP_SHARED, ro->mmap_offset))
			TH_LOG("%s", ring_name(i));
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, 2 * ro->mmap_len + pg,
					    MAP_SHARED, ro->mmap_offset))
			TH_LOG("%s", ring_name(i));
	}
}

TEST_F(rings, mmap_private_einval)
{
	int i;

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);

		if (!ro->entries)
			continue;
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, ro->mmap_len,
					    MAP_PRIVATE, ro->mmap_offset))
			TH_LOG("%s", ring_name(i));
	}
}

TEST_F(rings, mmap_wrong_offset_einval)
{
	size_t pg = zc_page_size();
	__u64 max = 0;
	int i;

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);

		if (ro->mmap_offset > max)
			max = ro->mmap_offset;
		if (!ro->entries)
			continue;
		/* one page into a ring is not a ring's offset */
		if (!is_ring_offset(&self->off, ro->mmap_offset + pg)) {
			EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
						    ro->mmap_offset + pg))
				TH_LOG("%s + 1 page", ring_name(i));
		}
		if (ro->mmap_offset >= pg &&
		    !is_ring_offset(&self->off, ro->mmap_offset - pg)) {
			EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
						    ro->mmap_offset - pg))
				TH_LOG("%s - 1 page", ring_name(i));
		}
	}
	/* far beyond every ring */
	EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
				    max + (1ULL << 32)));
	if (!is_ring_offset(&self->off, 0)) {
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED, 0));
	}
}

TEST_F(rings_partial, mmap_absent_ring_einval)
{
	size_t pg = zc_page_size();
	struct zcnet_offsets all;
	int i, tested = 0, other;

	/* where the missing rings live in a context that has all four */
	other = zc_open();
	ASSERT_LE(0, other);
	ASSERT_EQ(0, zc_setup(other, 8, 8, 8, 8));
	ASSERT_EQ(0, zc_get_offsets(other, &all));
	close(other);

	for (i = 0; i < 4; i++) {
		__u64 off = ring_n(&all, i)->mmap_offset;

		if (ring_n(&self->off, i)->entries)
			continue;
		if (is_ring_offset(&self->off, off))
			continue;
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED, off))
			TH_LOG("%s was not set up", ring_name(i));
		tested++;
	}
	ASSERT_LT(0, tested) TH_LOG("all four rings are set up");
}

TEST_F(rings, mappings_share_memory)
{
	int i;

	for (i = 0; i < 4; i++) {
		const struct zcnet_ring_offset *ro = ring_n(&self->off, i);
		struct zc_ring a, b;
		unsigned char *sa, *sb;

		if (!ro->entries)
			continue;
		ASSERT_EQ(0, zc_ring_map(self->fd, ro, &a));
		ASSERT_EQ(0, zc_ring_map(self->fd, ro, &b));
		ASSERT_NE(a.map, b.map);

		sa = zc_ring_slot(&a, 1);
		sb = zc_ring_slot(&b, 1);
		memset(sa, 0xc3, a.entry_size);
		EXPECT_EQ(0xc3, sb[0]) TH_LOG("%s", ring_name(i));
		EXPECT_EQ(0xc3, sb[a.entry_size - 1]) TH_LOG("%s", ring_name(i));
		memset(sa, 0, a.entry_size);

		/* the ring keeps its contents across unmap and map */
		memset(zc_ring_slot(&a, a.entries - 1), 0x77, a.entry_size);
		zc_ring_unmap(&a);
		zc_ring_unmap(&b);
		ASSERT_EQ(0, zc_ring_map(self->fd, ro, &a));
		sa = zc_ring_slot(&a, a.entries - 1);
		EXPECT_EQ(0x77, sa[0]) TH_LOG("%s", ring_name(i));
		EXPECT_EQ(0U, zc_load_acquire(a.producer));
		zc_ring_unmap(&a);
	}
}

TEST_F(rings, second_setup_ebusy)
{
	struct zcnet_offsets off;

	EXPECT_EQ(-EBUSY, zc_setup(self->fd, variant->n[0], variant->n[1],
				   variant->n[2], variant->n[3]));
	EXPECT_EQ(-EBUSY, zc_setup(self->fd, 16, 16, 16, 16));
	EXPECT_EQ(-EBUSY, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(0, memcmp(&off, &self->off, sizeof(off)));
}

/* ------------------------------------------------------------------ */
/* invalid setups                                                      */
/* ------------------------------------------------------------------ */

FIXTURE(bad_setup) {
	int fd;
};

FIXTURE_VARIANT(bad_setup) {
	__u32 n[4];
	__u32 flags;
	__u64 reserved[2];
};

FIXTURE_VARIANT_ADD(bad_setup, all_zero) { .n = { 0, 0, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_without_cq) { .n = { 8, 0, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, cq_without_tx) { .n = { 0, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, fill_without_rx) { .n = { 0, 0, 8, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, rx_without_fill) { .n = { 0, 0, 0, 8 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_pair_and_lone_rx) { .n = { 8, 8, 0, 8 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_1) { .n = { 1, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_4) { .n = { 4, 4, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_7) { .n = { 7, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_9) { .n = { 9, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_12) { .n = { 12, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_32769) { .n = { 32769, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_65536) { .n = { 65536, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_2_31) { .n = { 0x80000000u, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, tx_max_u32) { .n = { 0xffffffffu, 8, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, cq_4) { .n = { 8, 4, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, cq_24) { .n = { 8, 24, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, cq_65536) { .n = { 8, 65536, 0, 0 } };
FIXTURE_VARIANT_ADD(bad_setup, fill_3) { .n = { 0, 0, 3, 8 } };
FIXTURE_VARIANT_ADD(bad_setup, fill_65536) { .n = { 0, 0, 65536, 8 } };
FIXTURE_VARIANT_ADD(bad_setup, rx_100) { .n = { 8, 8, 8, 100 } };
FIXTURE_VARIANT_ADD(bad_setup, rx_2) { .n = { 0, 0, 8, 2 } };
/* bits 0 and 1 ask for stamps (zcnet_tstamp_test): the next is unknown */
FIXTURE_VARIANT_ADD(bad_setup, flags_4) { .n = { 8, 8, 0, 0 }, .flags = 4 };
FIXTURE_VARIANT_ADD(bad_setup, rx_tstamp_without_rx) {
	.n = { 8, 8, 0, 0 }, .flags = ZCNET_SETUP_RX_TSTAMP,
};
FIXTURE_VARIANT_ADD(bad_setup, cq_tstamp_without_cq) {
	.n = { 0, 0, 8, 8 }, .flags = ZCNET_SETUP_CQ_TSTAMP,
};
FIXTURE_VARIANT_ADD(bad_setup, flags_top) {
	.n = { 8, 8, 0, 0 }, .flags = 0x80000000u,
};
FIXTURE_VARIANT_ADD(bad_setup, reserved0) {
	.n = { 8, 8, 0, 0 }, .reserved = { 1, 0 },
};
FIXTURE_VARIANT_ADD(bad_setup, reserved1) {
	.n = { 8, 8, 0, 0 }, .reserved = { 0, 1ULL << 63 },
};

FIXTURE_SETUP(bad_setup)
{
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(bad_setup)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(bad_setup, einval_and_no_state_change)
{
	struct zcnet_setup s = {
		.size = sizeof(s),
		.flags = variant->flags,
		.tx_entries = variant->n[0],
		.cq_entries = variant->n[1],
		.fill_entries = variant->n[2],
		.rx_entries = variant->n[3],
		.reserved = { variant->reserved[0], variant->reserved[1] },
	};
	struct zcnet_offsets off;

	EXPECT_EQ(-EINVAL, zc_ioctl(self->fd, ZCNET_IOC_SETUP, &s));
	/* a failed setup leaves the context without rings ... */
	EXPECT_EQ(-ENXIO, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(-ENXIO, zc_kick(self->fd, 0));
	/* ... and a valid setup still works */
	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	EXPECT_EQ(8U, off.tx.entries);
	EXPECT_EQ(8U, off.cq.entries);
	EXPECT_EQ(0U, off.fill.entries);
	EXPECT_EQ(0U, off.rx.entries);
}

/* ------------------------------------------------------------------ */
/* before setup, lifetime                                              */
/* ------------------------------------------------------------------ */

FIXTURE(ctx) {
	int fd;
};

FIXTURE_SETUP(ctx)
{
	self->fd = open_or_skip(_metadata);
	if (self->fd < 0)
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(ctx)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(ctx, offsets_before_setup_enxio)
{
	struct zcnet_offsets off;

	EXPECT_EQ(-ENXIO, zc_get_offsets(self->fd, &off));
}

TEST_F(ctx, mmap_before_setup_einval)
{
	size_t pg = zc_page_size();
	struct zcnet_offsets off;
	int other, i;

	/* learn where rings live from a context that has them */
	other = zc_open();
	ASSERT_LE(0, other);
	ASSERT_EQ(0, zc_setup(other, 8, 8, 8, 8));
	ASSERT_EQ(0, zc_get_offsets(other, &off));
	close(other);

	for (i = 0; i < 4; i++) {
		EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
					    ring_n(&off, i)->mmap_offset))
			TH_LOG("%s", ring_name(i));
	}
	EXPECT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED, 0));
}

TEST_F(ctx, mapping_outlives_fd)
{
	struct zcnet_offsets off;
	struct zc_ring tx, cq;
	struct zcnet_cq_entry *e;

	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &tx));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.cq, &cq));
	close(self->fd);
	self->fd = -1;

	/* the rings stay usable memory until munmap */
	memset(zc_ring_slot(&tx, 0), 0x42, tx.entry_size);
	EXPECT_EQ(0x42, *(unsigned char *)zc_ring_slot(&tx, 0));
	e = zc_ring_slot(&cq, 7);
	e->cookie = 0x1234;
	EXPECT_EQ(0x1234U, e->cookie);
	EXPECT_EQ(0U, zc_load_acquire(cq.producer));
	zc_ring_unmap(&tx);
	zc_ring_unmap(&cq);
}

TEST_F(ctx, user_index_writes_stay_in_the_mapping)
{
	struct zcnet_offsets off;
	struct zc_ring tx;

	ASSERT_EQ(0, zc_setup(self->fd, 8, 8, 0, 0));
	ASSERT_EQ(0, zc_get_offsets(self->fd, &off));
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &tx));
	zc_store_release(tx.producer, 3);
	zc_ring_unmap(&tx);
	ASSERT_EQ(0, zc_ring_map(self->fd, &off.tx, &tx));
	EXPECT_EQ(3U, zc_load_acquire(tx.producer));
	EXPECT_EQ(0U, zc_load_acquire(tx.consumer));
	zc_store_release(tx.producer, 0);
	zc_ring_unmap(&tx);
}

TEST_HARNESS_MAIN
