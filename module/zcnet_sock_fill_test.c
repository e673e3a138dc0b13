// SPDX-License-Identifier: GPL-2.0
/* KUnit: how a zero-copy socket send's pages become an skb's frags. */
#include <kunit/test.h>
#include <linux/bvec.h>
#include <linux/skbuff.h>
#include <linux/uio.h>

#define PAGES	3

struct zcnet_sock_fill_test {
	struct page *pages[PAGES];
	struct bio_vec bv[MAX_SKB_FRAGS + 2];
	struct iov_iter it;
	struct sk_buff *skb;
};

static int zcnet_sock_fill_test_init(struct kunit *test)
{
	struct zcnet_sock_fill_test *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	for (i = 0; i < PAGES; i++) {
		t->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->pages[i]);
	}
	t->skb = alloc_skb(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->skb);
	skb_put(t->skb, 20);
	return 0;
}

static void zcnet_sock_fill_test_exit(struct kunit *test)
{
	struct zcnet_sock_fill_test *t = test->priv;
	int i;

	/* managed frags hold no references: take them off before the free */
	if (skb_zcopy_managed(t->skb)) {
		t->skb->len -= t->skb->data_len;
		t->skb->data_len = 0;
		skb_shinfo(t->skb)->nr_frags = 0;
	}
	kfree_skb(t->skb);
	for (i = 0; i < PAGES; i++)
		if (t->pages[i])
			__free_page(t->pages[i]);
}

/*
 * From the middle of a bvec on: frags where the pages are, no page
 * references, the iterator moved by what was taken, truesize by whole pages.
 */
static void zcnet_sock_fill_managed_test(struct kunit *test)
{
	struct zcnet_sock_fill_test *t = test->priv;
	struct skb_shared_info *sh = skb_shinfo(t->skb);
	unsigned int truesize = t->skb->truesize;

	bvec_set_page(&t->bv[0], t->pages[0], PAGE_SIZE - 100, 100);
	bvec_set_page(&t->bv[1], t->pages[1], PAGE_SIZE, 0);
	bvec_set_page(&t->bv[2], t->pages[2], 1000, 0);
	iov_iter_bvec(&t->it, ITER_SOURCE, t->bv, 3, 2 * PAGE_SIZE + 900);
	iov_iter_advance(&t->it, 50);

	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, skb_zcopy_managed(t->skb));
	KUNIT_EXPECT_EQ(test, sh->nr_frags, 2);
	KUNIT_EXPECT_PTR_EQ(test, skb_frag_page(&sh->frags[0]), t->pages[0]);
	KUNIT_EXPECT_EQ(test, skb_frag_off(&sh->frags[0]), 150);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&sh->frags[0]), PAGE_SIZE - 150);
	KUNIT_EXPECT_PTR_EQ(test, skb_frag_page(&sh->frags[1]), t->pages[1]);
	KUNIT_EXPECT_EQ(test, skb_frag_off(&sh->frags[1]), 0);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&sh->frags[1]), 150);
	KUNIT_EXPECT_EQ(test, t->skb->len, 20 + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t->skb->data_len, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t->skb->truesize, truesize + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&t->it), PAGE_SIZE + 850);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[0]), 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[1]), 1);
	/* the rest continues the second frag */
	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, sh->nr_frags, 3);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&sh->frags[1]), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, skb_frag_size(&sh->frags[2]), 1000);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&t->it), 0);
}

/* Out of frags: what fitted is added, then nothing more. */
static void zcnet_sock_fill_full_test(struct kunit *test)
{
	struct zcnet_sock_fill_test *t = test->priv;
	struct skb_shared_info *sh = skb_shinfo(t->skb);
	unsigned int i, len;

	/* pieces 8 bytes apart: none continues the one before */
	for (i = 0; i < ARRAY_SIZE(t->bv); i++)
		bvec_set_page(&t->bv[i], t->pages[0], 4, i * 8);
	iov_iter_bvec(&t->it, ITER_SOURCE, t->bv, ARRAY_SIZE(t->bv),
		      4 * ARRAY_SIZE(t->bv));
	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, U32_MAX),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, sh->nr_frags, MAX_SKB_FRAGS);
	KUNIT_EXPECT_EQ(test, t->skb->data_len, 4 * MAX_SKB_FRAGS);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&t->it), 8);
	len = t->skb->len;
	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, U32_MAX),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, t->skb->len, len);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&t->it), 8);
}

/* An skb with frags of its own: each new frag takes a page reference. */
static void zcnet_sock_fill_unmanaged_test(struct kunit *test)
{
	struct zcnet_sock_fill_test *t = test->priv;

	get_page(t->pages[2]);
	skb_fill_page_desc(t->skb, 0, t->pages[2], 0, 10);
	t->skb->len += 10;
	t->skb->data_len += 10;
	bvec_set_page(&t->bv[0], t->pages[0], 100, 0);
	bvec_set_page(&t->bv[1], t->pages[1], 100, 0);
	iov_iter_bvec(&t->it, ITER_SOURCE, t->bv, 2, 200);
	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, 200), 0);
	KUNIT_EXPECT_FALSE(test, skb_zcopy_managed(t->skb));
	KUNIT_EXPECT_EQ(test, skb_shinfo(t->skb)->nr_frags, 3);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[0]), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(t->pages[1]), 2);
	/* the free below drops them all */
}

/* Anything but a bvec iterator is refused. */
static void zcnet_sock_fill_kvec_test(struct kunit *test)
{
	struct zcnet_sock_fill_test *t = test->priv;
	char buf[8] = "";
	struct kvec kv = { .iov_base = buf, .iov_len = sizeof(buf) };

	iov_iter_kvec(&t->it, ITER_SOURCE, &kv, 1, sizeof(buf));
	KUNIT_EXPECT_EQ(test, zcnet_sock_fill(t->skb, &t->it, 8), -EFAULT);
	KUNIT_EXPECT_EQ(test, t->skb->len, 20);
}

static struct kunit_case zcnet_sock_fill_test_cases[] = {
	KUNIT_CASE(zcnet_sock_fill_managed_test),
	KUNIT_CASE(zcnet_sock_fill_full_test),
	KUNIT_CASE(zcnet_sock_fill_unmanaged_test),
	KUNIT_CASE(zcnet_sock_fill_kvec_test),
	{}
};

static struct kunit_suite zcnet_sock_fill_test_suite = {
	.name = "zcnet_sock_fill",
	.init = zcnet_sock_fill_test_init,
	.exit = zcnet_sock_fill_test_exit,
	.test_cases = zcnet_sock_fill_test_cases,
};

kunit_test_suite(zcnet_sock_fill_test_suite);
