// SPDX-License-Identifier: GPL-2.0
/* KUnit: completion queue reservations and posting. */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/timekeeping.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_kunit.h"
#include "zcnet_region.h"
#include "zcnet_tx_kick.h"

#define CQ_ENTRIES	8

static int zcnet_cq_test_init(struct kunit *test)
{
	test->priv = zcnet_kunit_ctx(test, CQ_ENTRIES, CQ_ENTRIES);
	return 0;
}

static void zcnet_cq_test_exit(struct kunit *test)
{
	zcnet_kunit_ctx_done(test->priv);
}

static struct zcnet_kring *zcnet_cq_test_ring(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;

	return ctx->rings[ZCNET_RING_CQ];
}

/* The CQ as if the kernel had produced up to prod and the user consumed to cons. */
static void zcnet_cq_test_state(struct kunit *test, u32 prod, u32 cons)
{
	struct zcnet_kring *cq = zcnet_cq_test_ring(test);
	struct zcnet_kctx *ctx = test->priv;

	cq->cached_prod = prod;
	zcnet_kring_prod_submit(cq);
	ctx->cq_signalled = prod;
	cq->hdr->consumer = cons;
}

static u32 zcnet_cq_test_reserve(struct kunit *test, u32 want)
{
	u32 got = U32_MAX;

	KUNIT_EXPECT_EQ(test, zcnet_cq_reserve(test->priv, want, &got), 0);
	return got;
}

static void zcnet_cq_test_expect(struct kunit *test, u32 idx, u64 cookie,
				 s32 result, u32 flags)
{
	const struct zcnet_cq_entry *cqe;

	cqe = zcnet_kring_slot(zcnet_cq_test_ring(test), idx);
	KUNIT_EXPECT_EQ_MSG(test, cqe->cookie, cookie, "entry %u", idx);
	KUNIT_EXPECT_EQ_MSG(test, cqe->result, result, "entry %u", idx);
	KUNIT_EXPECT_EQ_MSG(test, cqe->flags, flags, "entry %u", idx);
}

/* Reservations never promise more slots than the user has freed. */
static void zcnet_cq_reserve_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 3), 3);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 10), CQ_ENTRIES - 3);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 1), 0);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, CQ_ENTRIES);
	zcnet_cq_unreserve(ctx, 6);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, U32_MAX), 6);
	zcnet_cq_unreserve(ctx, CQ_ENTRIES);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 0);
}

/* One free slot: one reservation, one entry, then full until the user consumes. */
static void zcnet_cq_nearly_full_test(struct kunit *test)
{
	struct zcnet_kring *cq = zcnet_cq_test_ring(test);
	struct zcnet_kctx *ctx = test->priv;

	zcnet_cq_test_state(test, CQ_ENTRIES - 1, 0);
	KUNIT_ASSERT_EQ(test, zcnet_cq_test_reserve(test, 4), 1);
	zcnet_cq_post(ctx, 0xc0ffee, -EINVAL, 0);
	KUNIT_EXPECT_EQ(test, cq->cached_prod, CQ_ENTRIES);
	KUNIT_EXPECT_EQ(test, cq->hdr->producer, CQ_ENTRIES - 1);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 0);
	zcnet_cq_flush(ctx);
	KUNIT_EXPECT_EQ(test, cq->hdr->producer, CQ_ENTRIES);
	zcnet_cq_test_expect(test, CQ_ENTRIES - 1, 0xc0ffee, -EINVAL, 0);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 4), 0);

	cq->hdr->consumer = 2;
	KUNIT_ASSERT_EQ(test, zcnet_cq_test_reserve(test, 4), 2);
	zcnet_cq_post(ctx, 1, 100, ZCNET_CQE_COPIED);
	zcnet_cq_post(ctx, 2, 200, 0);
	zcnet_cq_flush(ctx);
	KUNIT_EXPECT_EQ(test, cq->hdr->producer, CQ_ENTRIES + 2);
	/* the new entries overwrite the slots the user consumed, nothing else */
	zcnet_cq_test_expect(test, CQ_ENTRIES, 1, 100, ZCNET_CQE_COPIED);
	zcnet_cq_test_expect(test, CQ_ENTRIES + 1, 2, 200, 0);
	zcnet_cq_test_expect(test, CQ_ENTRIES - 1, 0xc0ffee, -EINVAL, 0);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 1), 0);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_cq_posted), 3);
}

/* Slots promised to descriptors in flight count as used. */
static void zcnet_cq_promised_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;

	zcnet_cq_test_state(test, 4, 0);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 3), 3);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 3), 1);
	zcnet_cq_test_ring(test)->hdr->consumer = 4;
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 8), 4);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 8);
	zcnet_cq_unreserve(ctx, 8);
}

/* Entries keep their order across the wrap of the free-running index. */
static void zcnet_cq_wrap_test(struct kunit *test)
{
	struct zcnet_kring *cq = zcnet_cq_test_ring(test);
	struct zcnet_kctx *ctx = test->priv;
	u32 start = U32_MAX - 1;
	int i;

	zcnet_cq_test_state(test, start, start);
	KUNIT_ASSERT_EQ(test, zcnet_cq_test_reserve(test, 5), 5);
	for (i = 0; i < 5; i++)
		zcnet_cq_post(ctx, 500 + i, i, 0);
	zcnet_cq_flush(ctx);
	KUNIT_EXPECT_EQ(test, cq->hdr->producer, 3);
	for (i = 0; i < 5; i++)
		zcnet_cq_test_expect(test, start + i, 500 + i, i, 0);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_reserve(test, 8), CQ_ENTRIES - 5);
	zcnet_cq_unreserve(ctx, CQ_ENTRIES - 5);
}

/* A corrupt consumer index: no reservation, nothing posted. */
static void zcnet_cq_corrupt_test(struct kunit *test)
{
	static const u32 cons[] = { 5, 100, 0x80000000, U32_MAX - 4 };
	struct zcnet_kctx *ctx = test->priv;
	u32 got;
	int i;

	for (i = 0; i < ARRAY_SIZE(cons); i++) {
		zcnet_cq_test_state(test, 4, cons[i]);
		got = 77;
		KUNIT_EXPECT_EQ_MSG(test, zcnet_cq_reserve(ctx, 1, &got), -EINVAL,
				    "consumer %u, producer 4", cons[i]);
		KUNIT_EXPECT_EQ(test, got, 77);
		KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 0);
	}
}

/*
 * A kick with only three free CQ slots takes three descriptors and leaves
 * the rest in the TX ring until the user consumes completions.
 */
static void zcnet_cq_kick_nearly_full_test(struct kunit *test)
{
	struct zcnet_tx_desc d = { .region = 0, .len = 42,
				   .flags = ZCNET_TX_NOP };
	struct zcnet_kctx *ctx = test->priv;
	struct zcnet_kring *tx = ctx->rings[ZCNET_RING_TX];
	int i;

	zcnet_kunit_region(test, ctx, 0, PAGE_SIZE);
	for (i = 0; i < CQ_ENTRIES; i++) {
		d.cookie = i;
		*(struct zcnet_tx_desc *)zcnet_kring_slot(tx, i) = d;
	}
	tx->hdr->producer = CQ_ENTRIES;
	zcnet_cq_test_state(test, CQ_ENTRIES - 3, 0);

	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), 3);
	KUNIT_EXPECT_EQ(test, tx->hdr->consumer, 3);
	KUNIT_EXPECT_EQ(test, zcnet_cq_test_ring(test)->hdr->producer, CQ_ENTRIES);
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), 0);
	for (i = 0; i < 3; i++)
		zcnet_cq_test_expect(test, CQ_ENTRIES - 3 + i, i, 42, 0);

	zcnet_cq_test_ring(test)->hdr->consumer = CQ_ENTRIES;
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), CQ_ENTRIES - 3);
	KUNIT_EXPECT_EQ(test, tx->hdr->consumer, CQ_ENTRIES);
	for (i = 3; i < CQ_ENTRIES; i++)
		zcnet_cq_test_expect(test, CQ_ENTRIES - 3 + i, i, 42, 0);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 0);
}

/*
 * With ZCNET_SETUP_CQ_TSTAMP every entry carries a software stamp that
 * lies between the clock read before and after it was posted, and the
 * stamps never decrease along the ring. Without it, no stamp flag.
 */
static void zcnet_cq_tstamp_test(struct kunit *test)
{
	const struct zcnet_setup s = {
		.size = sizeof(s),
		.flags = ZCNET_SETUP_CQ_TSTAMP,
		.tx_entries = CQ_ENTRIES,
		.cq_entries = CQ_ENTRIES,
	};
	const struct zcnet_cq_entry_ts *e;
	struct zcnet_kctx *ctx;
	struct zcnet_kring *cq;
	u64 before, after, prev = 0;
	int i, err;
	u32 got;

	KUNIT_ASSERT_EQ(test, zcnet_cq_test_reserve(test, 1), 1);
	zcnet_cq_post(test->priv, 7, 0, ZCNET_CQE_COPIED);
	zcnet_cq_test_expect(test, 0, 7, 0, ZCNET_CQE_COPIED);

	ctx = zcnet_kctx_alloc(current_cred());
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = zcnet_kctx_setup(ctx, &s);
	if (err)
		zcnet_kctx_release(ctx);
	KUNIT_ASSERT_EQ(test, err, 0);
	cq = ctx->rings[ZCNET_RING_CQ];
	KUNIT_EXPECT_EQ(test, cq->entry_size, ZCNET_CQ_ENTRY_TS_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_TX]->entry_size,
			sizeof(struct zcnet_tx_desc));
	for (i = 0; i < CQ_ENTRIES; i++) {
		KUNIT_ASSERT_EQ(test, zcnet_cq_reserve(ctx, 1, &got), 0);
		KUNIT_ASSERT_EQ(test, got, 1);
		before = ktime_get_ns();
		zcnet_cq_post(ctx, 100 + i, i, i & 1 ? ZCNET_CQE_COPIED : 0);
		after = ktime_get_ns();
		e = zcnet_kring_slot(cq, i);
		KUNIT_EXPECT_EQ(test, e->cqe.cookie, 100 + i);
		KUNIT_EXPECT_EQ(test, e->cqe.result, i);
		KUNIT_EXPECT_EQ(test, e->cqe.flags, ZCNET_CQE_TSTAMP_SW |
				(i & 1 ? ZCNET_CQE_COPIED : 0));
		KUNIT_EXPECT_GE(test, e->tstamp, before);
		KUNIT_EXPECT_LE(test, e->tstamp, after);
		KUNIT_EXPECT_GE(test, e->tstamp, prev);
		prev = e->tstamp;
	}
	zcnet_cq_flush(ctx);
	KUNIT_EXPECT_EQ(test, cq->hdr->producer, CQ_ENTRIES);
	zcnet_kctx_release(ctx);
}

static struct kunit_case zcnet_cq_test_cases[] = {
	KUNIT_CASE(zcnet_cq_reserve_test),
	KUNIT_CASE(zcnet_cq_nearly_full_test),
	KUNIT_CASE(zcnet_cq_promised_test),
	KUNIT_CASE(zcnet_cq_wrap_test),
	KUNIT_CASE(zcnet_cq_corrupt_test),
	KUNIT_CASE(zcnet_cq_kick_nearly_full_test),
	KUNIT_CASE(zcnet_cq_tstamp_test),
	{}
};

static struct kunit_suite zcnet_cq_test_suite = {
	.name = "zcnet_cq",
	.init = zcnet_cq_test_init,
	.exit = zcnet_cq_test_exit,
	.test_cases = zcnet_cq_test_cases,
};

kunit_test_suite(zcnet_cq_test_suite);
