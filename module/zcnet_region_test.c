// SPDX-License-Identifier: GPL-2.0
/* KUnit: region lookup, references, copies and release. */
#include <kunit/test.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>

#include "zcnet_ctx.h"
#include "zcnet_kunit.h"
#include "zcnet_region.h"

static int zcnet_region_test_init(struct kunit *test)
{
	test->priv = zcnet_kunit_ctx(test, 8, 8);
	return 0;
}

static void zcnet_region_test_exit(struct kunit *test)
{
	zcnet_kunit_ctx_done(test->priv);
}

static struct zcnet_region *zcnet_region_test_lookup(struct zcnet_kctx *ctx,
						     u32 id)
{
	struct zcnet_region *r;

	rcu_read_lock();
	r = zcnet_region_lookup(ctx, id);
	rcu_read_unlock();
	return r;
}

/* Ids past the table, however large, find nothing; nor do empty slots. */
static void zcnet_region_lookup_range_test(struct kunit *test)
{
	static const u32 ids[] = { ZCNET_MAX_REGIONS, ZCNET_MAX_REGIONS + 1,
				   U16_MAX, 0x80000000, U32_MAX };
	struct zcnet_kctx *ctx = test->priv;
	int i;

	zcnet_kunit_region(test, ctx, ZCNET_MAX_REGIONS - 1, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		KUNIT_EXPECT_NULL_MSG(test, zcnet_region_test_lookup(ctx, ids[i]),
				      "id %u", ids[i]);
		KUNIT_EXPECT_NULL_MSG(test, zcnet_region_get(ctx, ids[i]),
				      "id %u", ids[i]);
	}
	KUNIT_EXPECT_NULL(test, zcnet_region_test_lookup(ctx, 0));
	KUNIT_EXPECT_NULL(test, zcnet_region_get(ctx, 0));
}

/* Every slot of a full table finds its own region. */
static void zcnet_region_lookup_full_test(struct kunit *test)
{
	struct zcnet_region *r[ZCNET_MAX_REGIONS];
	struct zcnet_kctx *ctx = test->priv;
	int i;

	for (i = 0; i < ZCNET_MAX_REGIONS; i++)
		r[i] = zcnet_kunit_region(test, ctx, i, (i + 1) * PAGE_SIZE);
	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		KUNIT_EXPECT_PTR_EQ(test, zcnet_region_test_lookup(ctx, i), r[i]);
		KUNIT_EXPECT_EQ(test, r[i]->id, i);
	}
}

/* get takes a reference, put drops it; a dying region is not handed out. */
static void zcnet_region_get_put_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;
	struct zcnet_region *r;

	r = zcnet_kunit_region(test, ctx, 5, PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_region_get(ctx, 5), r);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_region_get(ctx, 5), r);
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 3);
	zcnet_region_put(r);
	zcnet_region_put(r);
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 1);

	refcount_set(&r->ref, 0);
	KUNIT_EXPECT_NULL(test, zcnet_region_get(ctx, 5));
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 0);
	refcount_set(&r->ref, 1);
}

/* Unregistering waits for no one: it fails while a descriptor holds the region. */
static void zcnet_region_unregister_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;
	struct zcnet_region *r;

	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, ZCNET_MAX_REGIONS),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, U32_MAX), -ENOENT);

	r = zcnet_kunit_region(test, ctx, 2, PAGE_SIZE);
	KUNIT_ASSERT_PTR_EQ(test, zcnet_region_get(ctx, 2), r);
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, 2), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_region_test_lookup(ctx, 2), r);
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 2);
	zcnet_region_put(r);
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, 2), 0);
	KUNIT_EXPECT_NULL(test, zcnet_region_test_lookup(ctx, 2));
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(ctx, 2), -ENOENT);
}

/* Closing empties the table; a region in flight lives until its last put. */
static void zcnet_region_release_all_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;
	struct zcnet_region *busy;
	int i;

	for (i = 0; i < 4; i++)
		zcnet_kunit_region(test, ctx, i * 7, PAGE_SIZE);
	busy = zcnet_region_get(ctx, 7);
	KUNIT_ASSERT_NOT_NULL(test, busy);
	zcnet_region_release_all(ctx);
	for (i = 0; i < ZCNET_MAX_REGIONS; i++)
		KUNIT_EXPECT_NULL(test, zcnet_region_test_lookup(ctx, i));
	KUNIT_EXPECT_EQ(test, refcount_read(&busy->ref), 1);
	KUNIT_EXPECT_EQ(test, busy->len, PAGE_SIZE);
	zcnet_region_put(busy);
}

/* Copies out of the region's pages cross page boundaries correctly. */
static void zcnet_region_copy_test(struct kunit *test)
{
	static const struct {
		u64 offset;
		u32 len;
	} cases[] = {
		{ 0, 1 }, { 0, PAGE_SIZE }, { PAGE_SIZE - 10, 20 },
		{ 5, 2 * PAGE_SIZE + 1 }, { 3 * PAGE_SIZE - 1, 1 },
		{ 0, 3 * PAGE_SIZE },
	};
	struct zcnet_kctx *ctx = test->priv;
	struct page *pages[3];
	struct zcnet_region *r;
	u8 *buf, *want;
	int i, j;

	buf = kunit_kzalloc(test, 3 * PAGE_SIZE + 1, GFP_KERNEL);
	want = kunit_kzalloc(test, 3 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, want);
	for (i = 0; i < 3 * PAGE_SIZE; i++)
		want[i] = i * 7 + i / PAGE_SIZE;
	for (i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		memcpy_to_page(pages[i], 0, want + i * PAGE_SIZE, PAGE_SIZE);
	}
	r = zcnet_kunit_region(test, ctx, 1, 3 * PAGE_SIZE);
	r->pin.pages = pages;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(buf, 0, 3 * PAGE_SIZE + 1);
		if (zcnet_buf_check(r->len, cases[i].offset, cases[i].len)) {
			KUNIT_FAIL(test, "offset %llu len %u: outside the region",
				   cases[i].offset, cases[i].len);
			continue;
		}
		zcnet_region_copy(r, cases[i].offset, buf, cases[i].len);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(buf, want + cases[i].offset,
						 cases[i].len), 0,
				    "offset %llu len %u", cases[i].offset,
				    cases[i].len);
		KUNIT_EXPECT_EQ(test, buf[cases[i].len], 0);
	}
	r->pin.pages = NULL;	/* not pinned: the context must not unpin them */
	for (j = 0; j < 3; j++)
		__free_page(pages[j]);
}

/*
 * Region pages as a huge page would give them: four pages of one folio,
 * then a page of its own. They become one bvec for the folio's run and
 * one for the lone page; a run starting inside a page keeps its offset;
 * a full bvec array stops the bytes short. Pages of one folio out of
 * order, and neighbours in memory that are folios of their own, never
 * share a bvec.
 */
static void zcnet_region_bvecs_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;
	struct page *pages[5], *folio, *lone, *pair;
	struct zcnet_region *r;
	struct bio_vec bv[4];
	unsigned int n;
	size_t bytes;
	int i;

	folio = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	lone = alloc_page(GFP_KERNEL);
	if (!lone)
		__free_pages(folio, 2);
	KUNIT_ASSERT_NOT_NULL(test, lone);
	for (i = 0; i < 4; i++)
		pages[i] = folio + i;
	pages[4] = lone;
	r = zcnet_kunit_region(test, ctx, 2, 5 * PAGE_SIZE);
	r->pin.pages = pages;

	n = 0;
	bytes = zcnet_region_bvecs(r, 0, 5 * PAGE_SIZE, bv, &n, 4);
	KUNIT_EXPECT_EQ(test, bytes, 5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_PTR_EQ(test, bv[0].bv_page, folio);
	KUNIT_EXPECT_EQ(test, bv[0].bv_offset, 0);
	KUNIT_EXPECT_EQ(test, bv[0].bv_len, 4 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, bv[1].bv_page, lone);
	KUNIT_EXPECT_EQ(test, bv[1].bv_len, PAGE_SIZE);

	/* from inside the second page to inside the lone one */
	n = 0;
	bytes = zcnet_region_bvecs(r, PAGE_SIZE + 100, 3 * PAGE_SIZE, bv, &n,
				   4);
	KUNIT_EXPECT_EQ(test, bytes, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_PTR_EQ(test, bv[0].bv_page, folio + 1);
	KUNIT_EXPECT_EQ(test, bv[0].bv_offset, 100);
	KUNIT_EXPECT_EQ(test, bv[0].bv_len, 3 * PAGE_SIZE - 100);
	KUNIT_EXPECT_EQ(test, bv[1].bv_offset, 0);
	KUNIT_EXPECT_EQ(test, bv[1].bv_len, 100);

	/* a second call appends and never extends the first one's bvec */
	n = 0;
	zcnet_region_bvecs(r, 0, PAGE_SIZE, bv, &n, 4);
	bytes = zcnet_region_bvecs(r, PAGE_SIZE, PAGE_SIZE, bv, &n, 4);
	KUNIT_EXPECT_EQ(test, bytes, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 2);

	/* room for one bvec: the folio's run, not the lone page */
	n = 0;
	bytes = zcnet_region_bvecs(r, 0, 5 * PAGE_SIZE, bv, &n, 1);
	KUNIT_EXPECT_EQ(test, bytes, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 1);
	bytes = zcnet_region_bvecs(r, 0, PAGE_SIZE, bv, &n, 1);
	KUNIT_EXPECT_EQ(test, bytes, 0);

	/* pages of one folio out of order: no page extends another's bvec */
	pages[1] = folio + 2;
	pages[2] = folio + 1;
	n = 0;
	bytes = zcnet_region_bvecs(r, 0, 4 * PAGE_SIZE, bv, &n, 4);
	KUNIT_EXPECT_EQ(test, bytes, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_PTR_EQ(test, bv[1].bv_page, folio + 2);
	KUNIT_EXPECT_EQ(test, bv[3].bv_len, PAGE_SIZE);

	/* two pages next to each other in memory, each a folio of its own */
	pair = alloc_pages(GFP_KERNEL, 1);
	if (pair) {
		pages[0] = pair;
		pages[1] = pair + 1;
		n = 0;
		bytes = zcnet_region_bvecs(r, 0, 2 * PAGE_SIZE, bv, &n, 4);
		KUNIT_EXPECT_EQ(test, bytes, 2 * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, n, 2);
		__free_pages(pair, 1);
	}

	r->pin.pages = NULL;	/* not pinned: the context must not unpin them */
	__free_pages(folio, 2);
	__free_page(lone);
	KUNIT_EXPECT_NOT_NULL(test, pair);
}

/*
 * FILL may name a buffer inside a region the kernel may write to: never
 * one of a read-only region, never with flags, never outside the region.
 */
static void zcnet_region_fill_check_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;
	struct zcnet_region *rw, *ro;

	rw = zcnet_kunit_region(test, ctx, 3, 2 * PAGE_SIZE);
	ro = zcnet_kunit_region(test, ctx, 4, 2 * PAGE_SIZE);
	ro->flags = ZCNET_REGION_READONLY;

	KUNIT_EXPECT_EQ(test, zcnet_fill_check(rw, 0, 2 * PAGE_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(rw, PAGE_SIZE, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(rw, 0, 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(rw, PAGE_SIZE, PAGE_SIZE + 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(rw, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(NULL, 0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(ro, 0, 2 * PAGE_SIZE, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, zcnet_fill_check(ro, PAGE_SIZE, 1, 0), -EINVAL);
	/* TX takes the read-only region as any other */
	KUNIT_EXPECT_EQ(test, zcnet_buf_check(ro->len, PAGE_SIZE, 1), 0);
}

static struct kunit_case zcnet_region_test_cases[] = {
	KUNIT_CASE(zcnet_region_lookup_range_test),
	KUNIT_CASE(zcnet_region_lookup_full_test),
	KUNIT_CASE(zcnet_region_get_put_test),
	KUNIT_CASE(zcnet_region_unregister_test),
	KUNIT_CASE(zcnet_region_release_all_test),
	KUNIT_CASE(zcnet_region_copy_test),
	KUNIT_CASE(zcnet_region_bvecs_test),
	KUNIT_CASE(zcnet_region_fill_check_test),
	{}
};

static struct kunit_suite zcnet_region_test_suite = {
	.name = "zcnet_region",
	.init = zcnet_region_test_init,
	.exit = zcnet_region_test_exit,
	.test_cases = zcnet_region_test_cases,
};

kunit_test_suite(zcnet_region_test_suite);
