// SPDX-License-Identifier: GPL-2.0
/* Binding a context to devices for TX and RX; what unbinds it. */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>

#include "zcnet_bind.h"
#include "zcnet_ctx.h"
#include "zcnet_dma.h"
#include "zcnet_rx.h"
#include "zcnet_tx_kick.h"
#include "zcnet_tx_raw.h"
#include "zcnet_trace.h"

#define ZCNET_BIND_ALL	(ZCNET_BIND_TX | ZCNET_BIND_RX)
#define ZCNET_BIND_FLAGS (ZCNET_BIND_ALL | ZCNET_BIND_RX_QUEUE)

/* Contexts bound to a device, so that unregistering it unbinds them. */
static LIST_HEAD(zcnet_bound_list);

static void zcnet_bound_update(struct zcnet_kctx *ctx)
{
	ASSERT_RTNL();
	if (!ctx->tx_dev && !ctx->rx_dev)
		list_del_init(&ctx->bound_node);
	else if (list_empty(&ctx->bound_node))
		list_add(&ctx->bound_node, &zcnet_bound_list);
}

static void zcnet_tx_unbind(struct zcnet_kctx *ctx, int err)
{
	ASSERT_RTNL();
	mutex_lock(&ctx->tx_lock);
	zcnet_tx_raw_drop_pending(ctx, err);
	zcnet_tx_forget(ctx);
	netdev_put(ctx->tx_dev, &ctx->tx_dev_tracker);
	ctx->tx_dev = NULL;
	mutex_unlock(&ctx->tx_lock);
}

static int zcnet_tx_bind(struct zcnet_kctx *ctx, struct net_device *dev,
			 u32 queue)
{
	int err = 0;

	mutex_lock(&ctx->tx_lock);
	if (ctx->tx_dev) {
		err = -EBUSY;
	} else {
		netdev_hold(dev, &ctx->tx_dev_tracker, GFP_KERNEL);
		ctx->tx_queue = queue != ZCNET_QUEUE_ANY ? queue :
				hash_ptr(ctx, 16) % dev->real_num_tx_queues;
		ctx->tx_dev = dev;
		if (!ctx->tx_copy_threshold_set)
			WRITE_ONCE(ctx->tx_copy_threshold,
				   zcnet_dma_tx_copy_threshold(dev));
	}
	mutex_unlock(&ctx->tx_lock);
	return err;
}

/*
 * Receive takes frames away from the stack, as a bridge or bond port does,
 * so it needs CAP_NET_ADMIN; raw transmit needs CAP_NET_RAW, as a packet
 * socket. Both the caller and the file's opener must hold them in the user
 * namespace that owns the device's network namespace, as sk_ns_capable()
 * asks of a socket: a privileged process that is handed the fd cannot be
 * made to bind for one that is not.
 */
static bool zcnet_bind_capable(struct file *file, struct net *net, u32 flags)
{
	if ((flags & ZCNET_BIND_RX) &&
	    (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN) ||
	     !ns_capable(net->user_ns, CAP_NET_ADMIN)))
		return false;
	if ((flags & ZCNET_BIND_TX) &&
	    (!file_ns_capable(file, net->user_ns, CAP_NET_RAW) ||
	     !ns_capable(net->user_ns, CAP_NET_RAW)))
		return false;
	return true;
}

int zcnet_bind_add(struct zcnet_kctx *ctx, struct file *file,
		   const struct zcnet_bind *b)
{
	struct net *net = current->nsproxy->net_ns;
	struct net_device *dev;
	int err = 0;

	if (!(b->flags & ZCNET_BIND_ALL) || b->flags & ~ZCNET_BIND_FLAGS ||
	    b->reserved0 || b->reserved1)
		return -EINVAL;
	if (!(b->flags & ZCNET_BIND_RX) &&
	    (b->rx_match || b->rx_ethertype || b->rx_port))
		return -EINVAL;
	if (b->flags & ZCNET_BIND_RX_QUEUE ? !(b->flags & ZCNET_BIND_RX) :
	    b->rx_queue)
		return -EINVAL;
	if (!zcnet_bind_capable(file, net, b->flags))
		return -EPERM;

	rtnl_lock();
	dev = __dev_get_by_index(net, b->ifindex);
	if (!dev)
		err = -ENODEV;
	else if (!(dev->flags & IFF_UP))
		err = -ENETDOWN;
	else if ((b->flags & ZCNET_BIND_TX) && b->queue != ZCNET_QUEUE_ANY &&
		 b->queue >= dev->real_num_tx_queues)
		err = -EINVAL;
	if (!err && (b->flags & ZCNET_BIND_RX))
		err = zcnet_rx_bind(ctx, dev, b);
	if (!err && (b->flags & ZCNET_BIND_TX)) {
		err = zcnet_tx_bind(ctx, dev, b->queue);
		if (err && (b->flags & ZCNET_BIND_RX))
			zcnet_rx_unbind(ctx);
	}
	if (!err) {
		zcnet_bound_update(ctx);
		trace_zcnet_bind(ctx->id, b->flags, dev->ifindex,
				 b->flags & ZCNET_BIND_TX ? ctx->tx_queue : 0,
				 b->rx_match,
				 b->flags & ZCNET_BIND_RX ? ctx->rx_queue : 0);
	}
	rtnl_unlock();
	return err;
}

/* Under RTNL, before the unbind: what the context was bound to. */
static void zcnet_bind_trace_unbind(struct zcnet_kctx *ctx, u32 flags)
{
	struct net_device *dev;

	if (!(flags & ZCNET_BIND_TX) || !ctx->tx_dev)
		flags &= ~ZCNET_BIND_TX;
	if (!(flags & ZCNET_BIND_RX) || !ctx->rx_dev)
		flags &= ~ZCNET_BIND_RX;
	if (!flags || !trace_zcnet_unbind_enabled())
		return;
	/* One event per direction: they may be bound to two devices. */
	if (flags & ZCNET_BIND_TX) {
		dev = ctx->tx_dev;
		trace_zcnet_unbind(ctx->id, ZCNET_BIND_TX, dev->ifindex,
				   ctx->tx_queue, 0, 0);
	}
	if (flags & ZCNET_BIND_RX) {
		dev = ctx->rx_dev;
		trace_zcnet_unbind(ctx->id, ZCNET_BIND_RX, dev->ifindex, 0,
				   ctx->rx_match, ctx->rx_queue);
	}
}

int zcnet_bind_remove(struct zcnet_kctx *ctx, const struct zcnet_unbind *u)
{
	int err = 0;

	if (!u->flags || u->flags & ~ZCNET_BIND_ALL)
		return -EINVAL;
	rtnl_lock();
	if (((u->flags & ZCNET_BIND_TX) && !ctx->tx_dev) ||
	    ((u->flags & ZCNET_BIND_RX) && !ctx->rx_dev)) {
		err = -ENOTCONN;
		goto out;
	}
	zcnet_bind_trace_unbind(ctx, u->flags);
	if (u->flags & ZCNET_BIND_TX)
		zcnet_tx_unbind(ctx, -ECANCELED);
	if (u->flags & ZCNET_BIND_RX)
		zcnet_rx_unbind(ctx);
	zcnet_bound_update(ctx);
out:
	rtnl_unlock();
	return err;
}

void zcnet_bind_remove_all(struct zcnet_kctx *ctx)
{
	rtnl_lock();
	zcnet_bind_trace_unbind(ctx, ZCNET_BIND_ALL);
	if (ctx->tx_dev)
		zcnet_tx_unbind(ctx, -ECANCELED);
	if (ctx->rx_dev)
		zcnet_rx_unbind(ctx);
	zcnet_bound_update(ctx);
	rtnl_unlock();
}

/* Unregistration (delete, hot-remove, netns move) must not wait for us. */
static int zcnet_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct zcnet_kctx *ctx, *tmp;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	list_for_each_entry_safe(ctx, tmp, &zcnet_bound_list, bound_node) {
		zcnet_bind_trace_unbind(ctx,
					(ctx->tx_dev == dev ? ZCNET_BIND_TX : 0) |
					(ctx->rx_dev == dev ? ZCNET_BIND_RX : 0));
		if (ctx->tx_dev == dev)
			zcnet_tx_unbind(ctx, -ENODEV);
		if (ctx->rx_dev == dev)
			zcnet_rx_unbind(ctx);
		zcnet_bound_update(ctx);
	}
	return NOTIFY_DONE;
}

static struct notifier_block zcnet_netdev_nb = {
	.notifier_call = zcnet_netdev_event,
};

int zcnet_bind_init(void)
{
	return register_netdevice_notifier(&zcnet_netdev_nb);
}

void zcnet_bind_exit(void)
{
	unregister_netdevice_notifier(&zcnet_netdev_nb);
}
