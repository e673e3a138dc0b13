// SPDX-License-Identifier: GPL-2.0
/* KUnit: transmit buffer references and raw frame completions. */
#include <kunit/test.h>
#include <linux/skbuff.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_kunit.h"
#include "zcnet_region.h"
#include "zcnet_tx_buf.h"
#include "zcnet_tx_raw.h"

#define REGION_ID	9
#define FRAME_LEN	1500

struct zcnet_tx_buf_test {
	struct zcnet_kctx *ctx;
	struct zcnet_region *region;
};

static int zcnet_tx_buf_test_init(struct kunit *test)
{
	struct zcnet_tx_buf_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->ctx = zcnet_kunit_ctx(test, 8, 8);
	t->region = zcnet_kunit_region(test, t->ctx, REGION_ID, 4 * PAGE_SIZE);
	return 0;
}

static void zcnet_tx_buf_test_exit(struct kunit *test)
{
	struct zcnet_tx_buf_test *t = test->priv;

	zcnet_kunit_ctx_done(t->ctx);
}

/* A frame in flight as a kick leaves it: a CQ slot promised, the region held. */
static struct zcnet_tx_buf *zcnet_tx_buf_test_frame(struct kunit *test,
						    u64 cookie)
{
	struct zcnet_tx_buf_test *t = test->priv;
	struct zcnet_region *r;
	struct zcnet_tx_buf *buf;
	u32 got = 0;

	KUNIT_ASSERT_EQ(test, zcnet_cq_reserve(t->ctx, 1, &got), 0);
	KUNIT_ASSERT_EQ(test, got, 1);
	r = zcnet_region_get(t->ctx, REGION_ID);
	KUNIT_ASSERT_PTR_EQ(test, r, t->region);
	mutex_lock(&t->ctx->tx_lock);
	buf = zcnet_tx_buf_alloc(t->ctx, r, cookie, FRAME_LEN,
				 &zcnet_tx_raw_ops);
	mutex_unlock(&t->ctx->tx_lock);
	if (!buf) {
		zcnet_region_put(r);
		zcnet_cq_unreserve(t->ctx, 1);
	}
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->inflight), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ctx->ref), 2);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->region->ref), 2);
	return buf;
}

static struct sk_buff *zcnet_tx_buf_test_skb(struct kunit *test,
					     struct zcnet_tx_buf *buf)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put(skb, 60);
	zcnet_tx_buf_attach(buf, skb);
	return skb;
}

/* Still in flight: no completion, every reference held. */
static void zcnet_tx_buf_test_pending(struct kunit *test)
{
	struct zcnet_tx_buf_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, t->ctx->rings[ZCNET_RING_CQ]->cached_prod, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->inflight), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->region->ref), 2);
}

/* Completed once, with these values; every reference given back. */
static void zcnet_tx_buf_test_done(struct kunit *test, u64 cookie, s32 result,
				   u32 flags)
{
	struct zcnet_tx_buf_test *t = test->priv;
	const struct zcnet_cq_entry *cqe;

	KUNIT_EXPECT_EQ(test, t->ctx->rings[ZCNET_RING_CQ]->cached_prod, 1);
	cqe = zcnet_kring_slot(t->ctx->rings[ZCNET_RING_CQ], 0);
	KUNIT_EXPECT_EQ(test, cqe->cookie, cookie);
	KUNIT_EXPECT_EQ(test, cqe->result, result);
	KUNIT_EXPECT_EQ(test, cqe->flags, flags);
	KUNIT_EXPECT_EQ(test, t->ctx->cq_reserved, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->inflight), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ctx->ref), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&t->region->ref), 1);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(t->ctx, ZCNET_STAT_cq_posted), 1);
}

static void zcnet_tx_buf_test_stats(struct kunit *test, u64 zerocopy,
				    u64 copied, u64 errors)
{
	struct zcnet_tx_buf_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(t->ctx, ZCNET_STAT_tx_zerocopy),
			zerocopy);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(t->ctx, ZCNET_STAT_tx_copied),
			copied);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(t->ctx, ZCNET_STAT_tx_dev_errors),
			errors);
}

/* The driver freed the skb after DMA: zero copy, completed after both puts. */
static void zcnet_tx_buf_zerocopy_test(struct kunit *test)
{
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 11);
	struct sk_buff *skb = zcnet_tx_buf_test_skb(test, buf);

	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_pending(test);
	consume_skb(skb);
	zcnet_tx_buf_test_done(test, 11, FRAME_LEN, 0);
	zcnet_tx_buf_test_stats(test, 1, 0, 0);
}

/* The stack copied the data (a tap, local delivery): the completion says so. */
static void zcnet_tx_buf_copied_test(struct kunit *test)
{
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 12);
	struct sk_buff *skb = zcnet_tx_buf_test_skb(test, buf);

	KUNIT_EXPECT_EQ(test, skb_copy_ubufs(skb, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, skb_zcopy(skb));
	zcnet_tx_buf_test_pending(test);
	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_done(test, 12, FRAME_LEN, ZCNET_CQE_COPIED);
	zcnet_tx_buf_test_stats(test, 0, 1, 0);
	consume_skb(skb);
}

/* Two skbs share the frame; one was copied: the frame counts as copied. */
static void zcnet_tx_buf_one_copy_test(struct kunit *test)
{
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 13);
	struct sk_buff *a = zcnet_tx_buf_test_skb(test, buf);
	struct sk_buff *b = zcnet_tx_buf_test_skb(test, buf);

	zcnet_tx_buf_put(buf);
	consume_skb(a);
	zcnet_tx_buf_test_pending(test);
	KUNIT_EXPECT_EQ(test, skb_copy_ubufs(b, GFP_KERNEL), 0);
	zcnet_tx_buf_test_done(test, 13, FRAME_LEN, ZCNET_CQE_COPIED);
	zcnet_tx_buf_test_stats(test, 0, 1, 0);
	consume_skb(b);
}

/* A frame that failed in the driver's path completes with its error. */
static void zcnet_tx_buf_error_test(struct kunit *test)
{
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 14);

	buf->result = -ENETDOWN;
	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_done(test, 14, -ENETDOWN, 0);
	zcnet_tx_buf_test_stats(test, 0, 0, 1);
}

/* The region is free again when the completion is visible. */
static void zcnet_tx_buf_region_free_test(struct kunit *test)
{
	struct zcnet_tx_buf_test *t = test->priv;
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 15);

	KUNIT_EXPECT_EQ(test, zcnet_region_remove(t->ctx, REGION_ID), -EBUSY);
	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_done(test, 15, FRAME_LEN, 0);
	KUNIT_EXPECT_EQ(test, zcnet_region_remove(t->ctx, REGION_ID), 0);
}

/* A finished buffer is the next one taken, with nothing of its last use. */
static void zcnet_tx_buf_reuse_test(struct kunit *test)
{
	struct zcnet_tx_buf_test *t = test->priv;
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 16);
	struct sk_buff *skb = zcnet_tx_buf_test_skb(test, buf);
	struct zcnet_tx_buf *again;

	KUNIT_EXPECT_EQ(test, skb_copy_ubufs(skb, GFP_KERNEL), 0);
	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_done(test, 16, FRAME_LEN, ZCNET_CQE_COPIED);
	consume_skb(skb);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->tx_bufs_spare), 1);
	again = zcnet_tx_buf_test_frame(test, 17);
	KUNIT_EXPECT_PTR_EQ(test, again, buf);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->tx_bufs_spare), 0);
	KUNIT_EXPECT_FALSE(test, again->copied);
	KUNIT_EXPECT_EQ(test, again->cookie, 17);
	KUNIT_EXPECT_EQ(test, refcount_read(&again->ubuf.refcnt), 1);
	zcnet_tx_buf_put(again);
}

/* Past ZCNET_TX_BUF_SPARE spares, a finished buffer goes back to the slab. */
static void zcnet_tx_buf_spare_cap_test(struct kunit *test)
{
	struct zcnet_tx_buf_test *t = test->priv;
	struct zcnet_tx_buf *buf = zcnet_tx_buf_test_frame(test, 18);

	atomic_set(&t->ctx->tx_bufs_spare, ZCNET_TX_BUF_SPARE);
	zcnet_tx_buf_put(buf);
	zcnet_tx_buf_test_done(test, 18, FRAME_LEN, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ctx->tx_bufs_spare),
			ZCNET_TX_BUF_SPARE);
	KUNIT_EXPECT_TRUE(test, llist_empty(&t->ctx->tx_bufs_done));
	atomic_set(&t->ctx->tx_bufs_spare, 0);
}

static struct kunit_case zcnet_tx_buf_test_cases[] = {
	KUNIT_CASE(zcnet_tx_buf_zerocopy_test),
	KUNIT_CASE(zcnet_tx_buf_copied_test),
	KUNIT_CASE(zcnet_tx_buf_one_copy_test),
	KUNIT_CASE(zcnet_tx_buf_error_test),
	KUNIT_CASE(zcnet_tx_buf_region_free_test),
	KUNIT_CASE(zcnet_tx_buf_reuse_test),
	KUNIT_CASE(zcnet_tx_buf_spare_cap_test),
	{}
};

static struct kunit_suite zcnet_tx_buf_test_suite = {
	.name = "zcnet_tx_buf",
	.init = zcnet_tx_buf_test_init,
	.exit = zcnet_tx_buf_test_exit,
	.test_cases = zcnet_tx_buf_test_cases,
};

kunit_test_suite(zcnet_tx_buf_test_suite);
