// SPDX-License-Identifier: GPL-2.0
/* fdinfo beyond the counters: what a context is bound to and holds. */
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
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

/* Under RTNL and tx_lock: the devices and the socket slots stay put. */
static void zcnet_fdinfo_binding_show(struct seq_file *m,
				      struct zcnet_kctx *ctx)
{
	struct zcnet_sock *s;
	unsigned long slot;
	u32 n = 0;

	if (ctx->tx_dev)
		seq_printf(m, "tx_dev:\t%s\ntx_ifindex:\t%d\ntx_queue:\t%u\n",
			   ctx->tx_dev->name, ctx->tx_dev->ifindex,
			   ctx->tx_queue);
	if (ctx->rx_dev)
		seq_printf(m,
			   "rx_dev:\t%s\nrx_ifindex:\t%d\nrx_match:\t%u\nrx_ethertype:\t%u\nrx_port:\t%u\nrx_queue:\t%u\n",
			   ctx->rx_dev->name, ctx->rx_dev->ifindex,
			   ctx->rx_match, ntohs(ctx->rx_ethertype),
			   ntohs(ctx->rx_port), ctx->rx_queue);
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
	rtnl_lock();
	mutex_lock(&ctx->tx_lock);
	zcnet_fdinfo_binding_show(m, ctx);
	mutex_unlock(&ctx->tx_lock);
	rtnl_unlock();
}
