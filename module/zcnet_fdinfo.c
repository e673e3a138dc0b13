// SPDX-License-Identifier: GPL-2.0
/* fdinfo beyond the counters: what a context is bound to and holds. */
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/seq_file.h>
#include <net/sock.h>

#include "zcnet_ctx.h"
#include "zcnet_fdinfo.h"
#include "zcnet_region.h"
#include "zcnet_ring.h"
#include "zcnet_sock_slot.h"

static const char *const zcnet_fdinfo_rings[ZCNET_RING_NR] = {
	[ZCNET_RING_TX] = "tx", [ZCNET_RING_CQ] = "cq",
	[ZCNET_RING_FILL] = "fill", [ZCNET_RING_RX] = "rx",
};

static void zcnet_fdinfo_rings_show(struct seq_file *m, struct zcnet_kctx *ctx)
{
	struct zcnet_kring *ring;
	int i;

	for (i = 0; i < ZCNET_RING_NR; i++) {
		ring = zcnet_kctx_ring(ctx, i);
		if (!ring)
			continue;
		seq_printf(m, "%s_entries:\t%u\n", zcnet_fdinfo_rings[i],
			   ring->entries);
		seq_printf(m, "%s_producer:\t%u\n", zcnet_fdinfo_rings[i],
			   READ_ONCE(ring->hdr->producer));
		seq_printf(m, "%s_consumer:\t%u\n", zcnet_fdinfo_rings[i],
			   READ_ONCE(ring->hdr->consumer));
	}
}

static void zcnet_fdinfo_regions_show(struct seq_file *m,
				      struct zcnet_kctx *ctx)
{
	struct zcnet_region *r;
	u64 bytes = 0;
	int i;

	rcu_read_lock();
	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		r = rcu_dereference(ctx->regions[i]);
		if (r)
			bytes += r->len;
	}
	rcu_read_unlock();
	seq_printf(m, "region_bytes:\t%llu\n", bytes);
}

/*
 * The receive binding without RTNL, which a reader of fdinfo must not be
 * able to hold: a snapshot that a bind or unbind may change meanwhile. The
 * device stays while RCU is held (zcnet_rx_unbind()).
 */
static void zcnet_fdinfo_rx_show(struct seq_file *m, struct zcnet_kctx *ctx)
{
	struct net_device *dev;
	int ifindex;

	rcu_read_lock();
	dev = READ_ONCE(ctx->rx_dev);
	if (dev)
		seq_printf(m, "rx_dev:\t%s\n", dev->name);
	rcu_read_unlock();
	ifindex = READ_ONCE(ctx->rx_ifindex);
	if (!ifindex)
		return;
	seq_printf(m,
		   "rx_ifindex:\t%d\nrx_match:\t%u\nrx_ethertype:\t%u\nrx_port:\t%u\nrx_queue:\t%u\n",
		   ifindex, READ_ONCE(ctx->rx_match),
		   ntohs(READ_ONCE(ctx->rx_ethertype)),
		   ntohs(READ_ONCE(ctx->rx_port)), READ_ONCE(ctx->rx_queue));
}

/* Under tx_lock: the TX device and the socket slots stay put. */
static void zcnet_fdinfo_tx_show(struct seq_file *m, struct zcnet_kctx *ctx)
{
	struct zcnet_sock *s;
	unsigned long slot;
	u32 n = 0;

	if (ctx->tx_dev)
		seq_printf(m, "tx_dev:\t%s\ntx_ifindex:\t%d\ntx_queue:\t%u\n",
			   ctx->tx_dev->name, ctx->tx_dev->ifindex,
			   ctx->tx_queue);
	xa_for_each(&ctx->socks, slot, s)
		n++;
	seq_printf(m, "sockets:\t%u\n", n);
	xa_for_each(&ctx->socks, slot, s)
		seq_printf(m, "socket:\t%lu ino %lu %s\n", slot,
			   sock_i_ino(s->sock->sk), s->stream ? "tcp" : "udp");
}

void zcnet_fdinfo_show(struct seq_file *m, struct zcnet_kctx *ctx)
{
	zcnet_fdinfo_rings_show(m, ctx);
	zcnet_fdinfo_regions_show(m, ctx);
	zcnet_fdinfo_rx_show(m, ctx);
	mutex_lock(&ctx->tx_lock);
	zcnet_fdinfo_tx_show(m, ctx);
	mutex_unlock(&ctx->tx_lock);
}
