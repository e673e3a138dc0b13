// SPDX-License-Identifier: GPL-2.0
/* A device's receive hook: the contexts bound to it, in dispatch order. */
#include <linux/netdevice.h>
#include <linux/percpu.h>
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
 *
 * A frame that no context takes is counted once, per CPU, in the device's
 * misses, not in each context's rx_filter_miss. A context's count is its
 * own counter (the misses of the bindings it left) plus the device's
 * misses since it bound (rx_miss_base). Bind and unbind change that pair
 * and rx_rd inside rx_miss_seq, so a reader sees the sum either before or
 * after the fold, never a count that goes back. A reader holds RCU across
 * its use of rx_rd; the last unbind folds, then waits for the handlers
 * (and with them, those readers) before it frees the device's struct.
 */
struct zcnet_rx_dev {
	struct list_head ctxs;
	u64 __percpu *misses;
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
	this_cpu_inc(*rd->misses);
	return RX_HANDLER_PASS;
}

static u64 zcnet_rx_dev_misses(struct zcnet_rx_dev *rd)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(*per_cpu_ptr(rd->misses, cpu));
	return n;
}

/* RTNL held: rd becomes ctx's (rd != NULL) or stops being so. */
static void zcnet_rx_dev_account(struct zcnet_kctx *ctx,
				 struct zcnet_rx_dev *rd)
{
	struct zcnet_rx_dev *old = rtnl_dereference(ctx->rx_rd);

	preempt_disable();
	write_seqcount_begin(&ctx->rx_miss_seq);
	if (old)
		zcnet_stat_add(&ctx->stats, ZCNET_STAT_rx_filter_miss,
			       zcnet_rx_dev_misses(old) - ctx->rx_miss_base);
	WRITE_ONCE(ctx->rx_miss_base, rd ? zcnet_rx_dev_misses(rd) : 0);
	rcu_assign_pointer(ctx->rx_rd, rd);
	write_seqcount_end(&ctx->rx_miss_seq);
	preempt_enable();
}

u64 zcnet_rx_dev_filter_miss(struct zcnet_kctx *ctx)
{
	struct zcnet_rx_dev *rd;
	unsigned int seq;
	u64 n;

	rcu_read_lock();
	do {
		seq = read_seqcount_begin(&ctx->rx_miss_seq);
		n = atomic64_read(&ctx->stats.v[ZCNET_STAT_rx_filter_miss]);
		rd = rcu_dereference(ctx->rx_rd);
		if (rd)
			n += zcnet_rx_dev_misses(rd) -
			     READ_ONCE(ctx->rx_miss_base);
	} while (read_seqcount_retry(&ctx->rx_miss_seq, seq));
	rcu_read_unlock();
	return n;
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

static void zcnet_rx_dev_free(struct zcnet_rx_dev *rd)
{
	free_percpu(rd->misses);
	kfree(rd);
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
		rd->misses = alloc_percpu_gfp(u64, GFP_KERNEL_ACCOUNT);
		INIT_LIST_HEAD(&rd->ctxs);
		err = rd->misses ? netdev_rx_handler_register(dev,
				zcnet_rx_dev_handler, rd) : -ENOMEM;
		if (err) {
			zcnet_rx_dev_free(rd);
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
	zcnet_rx_dev_account(ctx, rd);
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
		zcnet_rx_dev_account(ctx, NULL);
		return;
	}
	zcnet_rx_dev_account(ctx, NULL);
	netdev_rx_handler_unregister(dev);	/* waits for handlers, readers */
	zcnet_rx_dev_free(rd);
}
