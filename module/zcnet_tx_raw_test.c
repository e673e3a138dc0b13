// SPDX-License-Identifier: GPL-2.0
/* KUnit: which raw frames may skip the stack's last checks. */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "zcnet_tx_raw.h"

static netdev_features_t zcnet_tx_raw_test_check(struct sk_buff *skb,
						 struct net_device *dev,
						 netdev_features_t features)
{
	return features;
}

static const struct net_device_ops zcnet_tx_raw_test_none = {};
static const struct net_device_ops zcnet_tx_raw_test_passthru = {
	.ndo_features_check = passthru_features_check,
};
static const struct net_device_ops zcnet_tx_raw_test_own = {
	.ndo_features_check = zcnet_tx_raw_test_check,
};

struct zcnet_tx_raw_test {
	struct net_device *dev;
	struct sk_buff *skb;
};

static int zcnet_tx_raw_test_init(struct kunit *test)
{
	struct zcnet_tx_raw_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, t->dev);
	t->dev->netdev_ops = &zcnet_tx_raw_test_none;
	t->dev->features |= NETIF_F_SG;
	t->skb = alloc_skb(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->skb);
	skb_put_zero(t->skb, 60);
	t->skb->dev = t->dev;
	t->skb->protocol = htons(ETH_P_IP);
	return 0;
}

static void zcnet_tx_raw_test_exit(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	if (!t)
		return;
	kfree_skb(t->skb);
	if (t->dev)
		free_netdev(t->dev);
}

static void zcnet_tx_raw_test_add_frag(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_fill_page_desc(t->skb, 0, page, 0, 1000);
	t->skb->len += 1000;
	t->skb->data_len += 1000;
	t->skb->truesize += PAGE_SIZE;
}

static void zcnet_tx_raw_plain_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	KUNIT_EXPECT_TRUE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	t->dev->netdev_ops = &zcnet_tx_raw_test_passthru;
	KUNIT_EXPECT_TRUE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	zcnet_tx_raw_test_add_frag(test);
	KUNIT_EXPECT_TRUE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_driver_check_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	t->dev->netdev_ops = &zcnet_tx_raw_test_own;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_no_sg_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	t->dev->features &= ~NETIF_F_SG;
	KUNIT_EXPECT_TRUE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	zcnet_tx_raw_test_add_frag(test);
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_checksum_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	t->skb->ip_summed = CHECKSUM_PARTIAL;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_gso_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	skb_shinfo(t->skb)->gso_size = 1000;
	skb_shinfo(t->skb)->gso_type = SKB_GSO_UDP_L4;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	skb_shinfo(t->skb)->gso_size = 0;
	skb_shinfo(t->skb)->gso_type = 0;
}

static void zcnet_tx_raw_vlan_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	t->skb->protocol = htons(ETH_P_8021Q);
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	t->skb->protocol = htons(ETH_P_8021AD);
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	t->skb->protocol = htons(ETH_P_IP);
	__vlan_hwaccel_put_tag(t->skb, htons(ETH_P_8021Q), 5);
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_encap_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;

	t->skb->encapsulation = 1;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static void zcnet_tx_raw_socket_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;
	struct sock *sk = kunit_kzalloc(test, sizeof(*sk), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sk);
	t->skb->sk = sk;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	t->skb->sk = NULL;
}

static void zcnet_tx_raw_list_test(struct kunit *test)
{
	struct zcnet_tx_raw_test *t = test->priv;
	struct sk_buff *next = alloc_skb(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, next);
	t->skb->next = next;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
	skb_mark_not_on_list(t->skb);
	skb_shinfo(t->skb)->frag_list = next;
	KUNIT_EXPECT_FALSE(test, zcnet_tx_raw_plain(t->skb, t->dev));
}

static struct kunit_case zcnet_tx_raw_test_cases[] = {
	KUNIT_CASE(zcnet_tx_raw_plain_test),
	KUNIT_CASE(zcnet_tx_raw_driver_check_test),
	KUNIT_CASE(zcnet_tx_raw_no_sg_test),
	KUNIT_CASE(zcnet_tx_raw_checksum_test),
	KUNIT_CASE(zcnet_tx_raw_gso_test),
	KUNIT_CASE(zcnet_tx_raw_vlan_test),
	KUNIT_CASE(zcnet_tx_raw_encap_test),
	KUNIT_CASE(zcnet_tx_raw_socket_test),
	KUNIT_CASE(zcnet_tx_raw_list_test),
	{}
};

static struct kunit_suite zcnet_tx_raw_test_suite = {
	.name = "zcnet_tx_raw",
	.init = zcnet_tx_raw_test_init,
	.exit = zcnet_tx_raw_test_exit,
	.test_cases = zcnet_tx_raw_test_cases,
};

kunit_test_suite(zcnet_tx_raw_test_suite);
