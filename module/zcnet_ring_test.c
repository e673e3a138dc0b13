// SPDX-License-Identifier: GPL-2.0
/* KUnit: ring layout and producer and consumer indices. */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/mm.h>

#include "zcnet_ring.h"

#define RING_ENTRIES	8

static int zcnet_ring_test_init(struct kunit *test)
{
	test->priv = zcnet_kring_alloc(ZCNET_RING_TX, RING_ENTRIES, 0);
	return test->priv ? 0 : -ENOMEM;
}

static void zcnet_ring_test_exit(struct kunit *test)
{
	zcnet_kring_free(test->priv);
}

/* Sets both copies of the consumer, as if the kernel had consumed up to idx. */
static void zcnet_ring_test_consumed(struct zcnet_kring *ring, u32 idx)
{
	ring->cached_cons = idx;
	ring->hdr->consumer = idx;
}

static void zcnet_ring_entries_valid_test(struct kunit *test)
{
	static const struct {
		u32 entries;
		bool valid;
	} cases[] = {
		{ 0, false }, { 1, false }, { 4, false }, { 7, false },
		{ 8, true }, { 12, false }, { 1024, true }, { 32767, false },
		{ 32768, true }, { 65536, false }, { 0x80000000, false },
		{ U32_MAX, false },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, zcnet_kring_entries_valid(cases[i].entries),
				    cases[i].valid, "entries %u", cases[i].entries);
}

/* Indices and flags on cache lines of their own, entries after them. */
static void zcnet_ring_layout_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	struct zcnet_ring_offset off;

	zcnet_kring_offsets(ring, &off);
	KUNIT_EXPECT_EQ(test, off.entries, RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, off.entry_size, sizeof(struct zcnet_tx_desc));
	KUNIT_EXPECT_GE(test, off.consumer, off.producer + SMP_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, off.flags, off.consumer + SMP_CACHE_BYTES);
	KUNIT_EXPECT_GE(test, off.desc, off.flags + SMP_CACHE_BYTES);
	KUNIT_EXPECT_EQ(test, off.desc % SMP_CACHE_BYTES, 0);
	KUNIT_EXPECT_EQ(test, off.mmap_len % PAGE_SIZE, 0);
	KUNIT_EXPECT_GE(test, off.mmap_len,
			off.desc + (u64)off.entries * off.entry_size);
	KUNIT_EXPECT_EQ(test, off.mmap_offset,
			zcnet_kring_mmap_offset(ZCNET_RING_TX));
}

/* Stamps lengthen the CQ and RX entries they are asked for, no others. */
static void zcnet_ring_entry_size_test(struct kunit *test)
{
	static const u32 all = ZCNET_SETUP_CQ_TSTAMP | ZCNET_SETUP_RX_TSTAMP;
	static const u32 flags[] = { 0, ZCNET_SETUP_CQ_TSTAMP,
				     ZCNET_SETUP_RX_TSTAMP, all };
	struct zcnet_kring *ring;
	int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		u32 f = flags[i];

		KUNIT_EXPECT_EQ(test, zcnet_kring_entry_size(ZCNET_RING_TX, f),
				sizeof(struct zcnet_tx_desc));
		KUNIT_EXPECT_EQ(test, zcnet_kring_entry_size(ZCNET_RING_FILL, f),
				sizeof(struct zcnet_fill_desc));
		KUNIT_EXPECT_EQ(test, zcnet_kring_entry_size(ZCNET_RING_CQ, f),
				f & ZCNET_SETUP_CQ_TSTAMP ? ZCNET_CQ_ENTRY_TS_SIZE :
				sizeof(struct zcnet_cq_entry));
		KUNIT_EXPECT_EQ(test, zcnet_kring_entry_size(ZCNET_RING_RX, f),
				f & ZCNET_SETUP_RX_TSTAMP ? ZCNET_RX_DESC_TS_SIZE :
				sizeof(struct zcnet_rx_desc));
	}
	KUNIT_EXPECT_EQ(test, sizeof(struct zcnet_cq_entry), 16);
	KUNIT_EXPECT_EQ(test, sizeof(struct zcnet_rx_desc), 32);

	/* The largest ring of the longer entries still fits its mapping. */
	ring = zcnet_kring_alloc(ZCNET_RING_RX, ZCNET_RING_MAX_ENTRIES, all);
	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_EXPECT_EQ(test, ring->entry_size, ZCNET_RX_DESC_TS_SIZE);
	KUNIT_EXPECT_GE(test, (u64)ring->len,
			(u64)(ring->desc - (void *)ring->hdr) +
			(u64)ZCNET_RING_MAX_ENTRIES * ZCNET_RX_DESC_TS_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_kring_slot(ring, ZCNET_RING_MAX_ENTRIES),
			    ring->desc);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_kring_slot(ring, 3),
			    ring->desc + 3 * ZCNET_RX_DESC_TS_SIZE);
	zcnet_kring_free(ring);
}

static void zcnet_ring_mmap_offsets_test(struct kunit *test)
{
	int i, j;

	for (i = 0; i < ZCNET_RING_NR; i++) {
		KUNIT_EXPECT_EQ(test, zcnet_kring_mmap_offset(i) % PAGE_SIZE,
				0);
		for (j = i + 1; j < ZCNET_RING_NR; j++)
			KUNIT_EXPECT_NE(test, zcnet_kring_mmap_offset(i),
					zcnet_kring_mmap_offset(j));
	}
}

/* Every index, however large, lands on a slot inside the ring. */
static void zcnet_ring_slot_mask_test(struct kunit *test)
{
	static const u32 idx[] = { 0, 1, 7, 8, 9, 15, 0x7fffffff, U32_MAX - 1,
				   U32_MAX };
	struct zcnet_kring *ring = test->priv;
	void *end = ring->desc + RING_ENTRIES * ring->entry_size;
	void *slot;
	int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		slot = zcnet_kring_slot(ring, idx[i]);
		KUNIT_EXPECT_PTR_EQ(test, slot, ring->desc +
				    (idx[i] % RING_ENTRIES) * ring->entry_size);
		KUNIT_EXPECT_TRUE(test, slot >= ring->desc && slot < end);
	}
}

static void zcnet_ring_cons_empty_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 n = 99;

	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 0);
	zcnet_kring_cons_release(ring, 0);
	KUNIT_EXPECT_EQ(test, ring->hdr->consumer, 0);
}

static void zcnet_ring_cons_partial_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 n;

	ring->hdr->producer = 5;
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 5);
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, 3, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 3);
	zcnet_kring_cons_release(ring, n);
	KUNIT_EXPECT_EQ(test, ring->cached_cons, 3);
	KUNIT_EXPECT_EQ(test, ring->hdr->consumer, 3);
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 2);
}

static void zcnet_ring_cons_full_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 n, room;

	ring->hdr->producer = RING_ENTRIES;
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, zcnet_kring_user_room(ring, &room), 0);
	KUNIT_EXPECT_EQ(test, room, 0);
	zcnet_kring_cons_release(ring, n);
	KUNIT_EXPECT_EQ(test, zcnet_kring_user_room(ring, &room), 0);
	KUNIT_EXPECT_EQ(test, room, RING_ENTRIES);
}

/* Free-running indices wrap through 0 without losing or inventing entries. */
static void zcnet_ring_cons_wrap_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 start = U32_MAX - 2;
	u32 n;

	zcnet_ring_test_consumed(ring, start);
	ring->hdr->producer = start + RING_ENTRIES;
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, RING_ENTRIES);
	zcnet_kring_cons_release(ring, 4);
	KUNIT_EXPECT_EQ(test, ring->hdr->consumer, 1);
	KUNIT_EXPECT_EQ(test, zcnet_kring_cons_peek(ring, U32_MAX, &n), 0);
	KUNIT_EXPECT_EQ(test, n, RING_ENTRIES - 4);
}

/* A producer more than a ring ahead, or behind: -EINVAL, nothing moves. */
static void zcnet_ring_cons_corrupt_test(struct kunit *test)
{
	static const s64 delta[] = { RING_ENTRIES + 1, 2 * RING_ENTRIES,
				     0x80000000LL, -1, -RING_ENTRIES };
	struct zcnet_kring *ring = test->priv;
	u32 start = 100, room;
	int i;

	for (i = 0; i < ARRAY_SIZE(delta); i++) {
		u32 n = 77;

		zcnet_ring_test_consumed(ring, start);
		ring->hdr->producer = start + (u32)delta[i];
		KUNIT_EXPECT_EQ_MSG(test, zcnet_kring_cons_peek(ring, U32_MAX, &n),
				    -EINVAL, "producer at consumer%+lld", delta[i]);
		KUNIT_EXPECT_EQ(test, n, 77);
		KUNIT_EXPECT_EQ(test, ring->cached_cons, start);
		KUNIT_EXPECT_EQ(test, ring->hdr->consumer, start);
		KUNIT_EXPECT_EQ(test, zcnet_kring_user_room(ring, &room), -EINVAL);
	}
}

static void zcnet_ring_prod_free_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 free;

	KUNIT_EXPECT_EQ(test, zcnet_kring_prod_free(ring, &free), 0);
	KUNIT_EXPECT_EQ(test, free, RING_ENTRIES);
	ring->cached_prod = RING_ENTRIES;
	KUNIT_EXPECT_EQ(test, zcnet_kring_prod_free(ring, &free), 0);
	KUNIT_EXPECT_EQ(test, free, 0);
	ring->hdr->consumer = 3;
	KUNIT_EXPECT_EQ(test, zcnet_kring_prod_free(ring, &free), 0);
	KUNIT_EXPECT_EQ(test, free, 3);
}

static void zcnet_ring_prod_wrap_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 free;

	ring->cached_prod = 2;
	ring->hdr->consumer = U32_MAX - 5;
	KUNIT_EXPECT_EQ(test, zcnet_kring_prod_free(ring, &free), 0);
	KUNIT_EXPECT_EQ(test, free, 0);
	ring->hdr->consumer = U32_MAX - 1;
	KUNIT_EXPECT_EQ(test, zcnet_kring_prod_free(ring, &free), 0);
	KUNIT_EXPECT_EQ(test, free, RING_ENTRIES - 4);
}

/* A consumer ahead of what the kernel produced, or a ring behind: -EINVAL. */
static void zcnet_ring_prod_corrupt_test(struct kunit *test)
{
	static const s64 delta[] = { 1, RING_ENTRIES, 0x7fffffffLL,
				     -RING_ENTRIES - 1, -0x80000000LL };
	struct zcnet_kring *ring = test->priv;
	u32 free, pending;
	int i;

	for (i = 0; i < ARRAY_SIZE(delta); i++) {
		ring->cached_prod = 40;
		zcnet_kring_prod_submit(ring);
		free = 77;
		ring->hdr->consumer = 40 + (u32)delta[i];
		KUNIT_EXPECT_EQ_MSG(test, zcnet_kring_prod_free(ring, &free),
				    -EINVAL, "consumer at producer%+lld", delta[i]);
		KUNIT_EXPECT_EQ(test, free, 77);
		KUNIT_EXPECT_EQ(test, zcnet_kring_user_pending(ring, &pending),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, ring->hdr->producer, 40);
	}
}

/* Only submit makes produced entries visible, and poll counts those. */
static void zcnet_ring_prod_submit_test(struct kunit *test)
{
	struct zcnet_kring *ring = test->priv;
	u32 pending;

	ring->cached_prod = 3;
	KUNIT_EXPECT_EQ(test, ring->hdr->producer, 0);
	KUNIT_EXPECT_EQ(test, zcnet_kring_user_pending(ring, &pending), 0);
	KUNIT_EXPECT_EQ(test, pending, 0);
	zcnet_kring_prod_submit(ring);
	KUNIT_EXPECT_EQ(test, ring->hdr->producer, 3);
	KUNIT_EXPECT_EQ(test, ring->published_prod, 3);
	KUNIT_EXPECT_EQ(test, zcnet_kring_user_pending(ring, &pending), 0);
	KUNIT_EXPECT_EQ(test, pending, 3);
	ring->hdr->consumer = 3;
	KUNIT_EXPECT_EQ(test, zcnet_kring_user_pending(ring, &pending), 0);
	KUNIT_EXPECT_EQ(test, pending, 0);
}

static struct kunit_case zcnet_ring_test_cases[] = {
	KUNIT_CASE(zcnet_ring_entries_valid_test),
	KUNIT_CASE(zcnet_ring_layout_test),
	KUNIT_CASE(zcnet_ring_entry_size_test),
	KUNIT_CASE(zcnet_ring_mmap_offsets_test),
	KUNIT_CASE(zcnet_ring_slot_mask_test),
	KUNIT_CASE(zcnet_ring_cons_empty_test),
	KUNIT_CASE(zcnet_ring_cons_partial_test),
	KUNIT_CASE(zcnet_ring_cons_full_test),
	KUNIT_CASE(zcnet_ring_cons_wrap_test),
	KUNIT_CASE(zcnet_ring_cons_corrupt_test),
	KUNIT_CASE(zcnet_ring_prod_free_test),
	KUNIT_CASE(zcnet_ring_prod_wrap_test),
	KUNIT_CASE(zcnet_ring_prod_corrupt_test),
	KUNIT_CASE(zcnet_ring_prod_submit_test),
	{}
};

static struct kunit_suite zcnet_ring_test_suite = {
	.name = "zcnet_ring",
	.init = zcnet_ring_test_init,
	.exit = zcnet_ring_test_exit,
	.test_cases = zcnet_ring_test_cases,
};

kunit_test_suite(zcnet_ring_test_suite);
