// SPDX-License-Identifier: GPL-2.0
/* A device's receive hook: the contexts bound to it, in dispatch order. */
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "zcnet_ctx.h"
#include "zcnet_rx.h"
#include "zcnet_rx_dev.h"

/*
 * One per device that any context receives from; the device's
 * rx_handler_data. Its list is in dispatch order (zcnet_rx_dev_rank()),
 * changed under RTNL, walked under RCU by the handler. A context leaves
 * the list before its unbind returns, and unbind waits out the handlers
 * that may still see it (synchronize_net()), so a context never gets a
 * frame after unbinding, and the others' frames are never held up.
 */
struct zcnet_rx_dev {
	struct list_head ctxs;
};

/* The frame's RX queue; a driver that recorded none delivers on queue 0. */
static u32 zcnet_rx_dev_queue(const struct sk_buff *skb)
{
	return skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) : 0;
}

/* Softirq, RCU read side: the first context whose rule and queue match. */
static rx_handler_result_t zcnet_rx_dev_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct zcnet_rx_dev *rd = rcu_dereference(skb->dev->rx_handler_data);
	u32 queue = zcnet_rx_dev_queue(skb);
	struct zcnet_kctx *ctx;

	list_for_each_entry_rcu(ctx, &rd->ctxs, rx_node) {
		if ((ctx->rx_queue == ZCNET_QUEUE_ANY ||
		     ctx->rx_queue == queue) && zcnet_rx_match(ctx, skb)) {
			zcnet_rx_take(ctx, skb);
			return RX_HANDLER_CONSUMED;
		}
	}
	list_for_each_entry_rcu(ctx, &rd->ctxs, rx_node)
		zcnet_stat_inc(&ctx->stats, ZCNET_STAT_rx_filter_miss);
	return RX_HANDLER_PASS;
}

/* Lower ranks are asked first: the more specific rule, then a queue. */
static unsigned int zcnet_rx_dev_rank(const struct zcnet_kctx *ctx)
{
	unsigned int rank;

	switch (ctx->rx_match) {
	case ZCNET_RX_MATCH_UDP:
		rank = 0;
		break;
	case ZCNET_RX_MATCH_ETHERTYPE:
		rank = 2;
		break;
	default:
		rank = 4;
	}
	return rank + (ctx->rx_queue == ZCNET_QUEUE_ANY);
}

static bool zcnet_rx_dev_same(const struct zcnet_kctx *a,
			      const struct zcnet_kctx *b)
{
	return a->rx_match == b->rx_match &&
	       a->rx_ethertype == b->rx_ethertype &&
	       a->rx_port == b->rx_port && a->rx_queue == b->rx_queue;
}

static struct zcnet_rx_dev *zcnet_rx_dev_of(struct net_device *dev)
{
	if (rtnl_dereference(dev->rx_handler) != zcnet_rx_dev_handler)
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

/* RTNL held; ctx's rule and queue are set. Adds it in dispatch order. */
int zcnet_rx_dev_add(struct zcnet_kctx *ctx, struct net_device *dev)
{
	struct zcnet_rx_dev *rd = zcnet_rx_dev_of(dev);
	struct list_head *at;
	struct zcnet_kctx *o;
	int err;

	ASSERT_RTNL();
	if (!rd) {
		rd = kzalloc(sizeof(*rd), GFP_KERNEL_ACCOUNT);
		if (!rd)
			return -ENOMEM;
		INIT_LIST_HEAD(&rd->ctxs);
		err = netdev_rx_handler_register(dev, zcnet_rx_dev_handler, rd);
		if (err) {
			kfree(rd);
			return err;
		}
	}
	at = &rd->ctxs;
	list_for_each_entry(o, &rd->ctxs, rx_node) {
		if (zcnet_rx_dev_same(o, ctx))
			return -EBUSY;
		if (at == &rd->ctxs &&
		    zcnet_rx_dev_rank(o) > zcnet_rx_dev_rank(ctx))
			at = &o->rx_node;
	}
	/* Publishes the rule and queue set before, for the handler. */
	list_add_tail_rcu(&ctx->rx_node, at);
	return 0;
}

/* RTNL held. No handler sees ctx once this returns. */
void zcnet_rx_dev_del(struct zcnet_kctx *ctx, struct net_device *dev)
{
	struct zcnet_rx_dev *rd = zcnet_rx_dev_of(dev);

	ASSERT_RTNL();
	list_del_rcu(&ctx->rx_node);
	if (!list_empty(&rd->ctxs)) {
		synchronize_net();
		return;
	}
	netdev_rx_handler_unregister(dev);	/* waits for handlers */
	kfree(rd);
}
