// SPDX-License-Identifier: GPL-2.0
/* KUnit: the ring of pages that raw frames' skb heads come from. */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/skbuff.h>

#include "zcnet_tx_head.h"

struct zcnet_tx_head_test {
	struct zcnet_tx_heads h;
	void *heads[ZCNET_TX_HEAD_PAGES * ZCNET_TX_HEAD_SLOTS + 1];
	unsigned int n;		/* heads[] still held */
};

static int zcnet_tx_head_test_init(struct kunit *test)
{
	struct zcnet_tx_head_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	return 0;
}

static void zcnet_tx_head_test_exit(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->heads[i])
			skb_free_frag(t->heads[i]);
	zcnet_tx_heads_free(&t->h);
}

static void *zcnet_tx_head_test_get(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	void *head = zcnet_tx_head_get(&t->h);

	KUNIT_ASSERT_NOT_NULL(test, head);
	KUNIT_ASSERT_LT(test, t->n, ARRAY_SIZE(t->heads));
	t->heads[t->n++] = head;
	return head;
}

/* The stack freed the skb that head i was built on. */
static void zcnet_tx_head_test_put(struct kunit *test, unsigned int i)
{
	struct zcnet_tx_head_test *t = test->priv;

	skb_free_frag(t->heads[i]);
	t->heads[i] = NULL;
}

/* One page gives its slots in order, each with a reference of its own. */
static void zcnet_tx_head_slots_test(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	void *first = zcnet_tx_head_test_get(test);
	struct page *page = virt_to_page(first);
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(first));
	for (i = 1; i < ZCNET_TX_HEAD_SLOTS; i++)
		KUNIT_EXPECT_PTR_EQ(test, zcnet_tx_head_test_get(test),
				    first + i * ZCNET_TX_HEAD_SIZE);
	KUNIT_EXPECT_EQ(test, t->h.npages, 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1 + ZCNET_TX_HEAD_SLOTS);
	zcnet_tx_head_test_put(test, 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), ZCNET_TX_HEAD_SLOTS);
}

/*
 * A page with one head still in use is not written again: the ring grows.
 * Once every head on it is freed, the walk comes back to it.
 */
static void zcnet_tx_head_reuse_test(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	void *first = zcnet_tx_head_test_get(test);
	unsigned int i;

	for (i = 1; i < 2 * ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_get(test);
	KUNIT_EXPECT_EQ(test, t->h.npages, 2);
	for (i = 1; i < ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_put(test, i);
	/* the first page still has head 0: a third page comes in */
	KUNIT_EXPECT_PTR_NE(test, virt_to_page(zcnet_tx_head_test_get(test)),
			    virt_to_page(first));
	KUNIT_EXPECT_EQ(test, t->h.npages, 3);
	zcnet_tx_head_test_put(test, 0);
	for (i = 1; i < ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_get(test);
	/* the walk wraps to the first page, free now */
	KUNIT_EXPECT_PTR_EQ(test, zcnet_tx_head_test_get(test), first);
	KUNIT_EXPECT_EQ(test, t->h.npages, 3);
}

/* A page that one skb holds on to is skipped, not waited for. */
static void zcnet_tx_head_skip_test(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	struct page *third;
	unsigned int i;

	for (i = 0; i < 3 * ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_get(test);
	third = virt_to_page(t->heads[2 * ZCNET_TX_HEAD_SLOTS]);
	for (i = 0; i < 3 * ZCNET_TX_HEAD_SLOTS; i++)
		if (i != ZCNET_TX_HEAD_SLOTS)
			zcnet_tx_head_test_put(test, i);
	/* the walk wraps to the first page, then passes the held second */
	for (i = 0; i < ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_get(test);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_page(zcnet_tx_head_test_get(test)),
			    third);
	KUNIT_EXPECT_EQ(test, t->h.npages, 3);
}

/* A full ring whose pages are all in use has no head to give. */
static void zcnet_tx_head_full_test(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	void *first = zcnet_tx_head_test_get(test);
	unsigned int i;

	for (i = 1; i < ZCNET_TX_HEAD_PAGES * ZCNET_TX_HEAD_SLOTS; i++)
		zcnet_tx_head_test_get(test);
	KUNIT_EXPECT_EQ(test, t->h.npages, ZCNET_TX_HEAD_PAGES);
	KUNIT_EXPECT_NULL(test, zcnet_tx_head_get(&t->h));
	for (i = 0; i < ZCNET_TX_HEAD_SLOTS - 1; i++)
		zcnet_tx_head_test_put(test, i);
	KUNIT_EXPECT_NULL(test, zcnet_tx_head_get(&t->h));
	zcnet_tx_head_test_put(test, i);
	KUNIT_EXPECT_PTR_EQ(test, zcnet_tx_head_test_get(test), first);
}

/* Freeing the ring leaves a page to the skbs still on it. */
static void zcnet_tx_head_free_test(struct kunit *test)
{
	struct zcnet_tx_head_test *t = test->priv;
	struct page *page = virt_to_page(zcnet_tx_head_test_get(test));

	zcnet_tx_head_test_get(test);
	zcnet_tx_heads_free(&t->h);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	KUNIT_EXPECT_EQ(test, t->h.npages, 0);
	zcnet_tx_head_test_put(test, 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	zcnet_tx_head_test_put(test, 1);
}

static struct kunit_case zcnet_tx_head_test_cases[] = {
	KUNIT_CASE(zcnet_tx_head_slots_test),
	KUNIT_CASE(zcnet_tx_head_reuse_test),
	KUNIT_CASE(zcnet_tx_head_skip_test),
	KUNIT_CASE(zcnet_tx_head_full_test),
	KUNIT_CASE(zcnet_tx_head_free_test),
	{}
};

static struct kunit_suite zcnet_tx_head_test_suite = {
	.name = "zcnet_tx_head",
	.init = zcnet_tx_head_test_init,
	.exit = zcnet_tx_head_test_exit,
	.test_cases = zcnet_tx_head_test_cases,
};

kunit_test_suite(zcnet_tx_head_test_suite);
