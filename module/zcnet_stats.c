// SPDX-License-Identifier: GPL-2.0
/* A context's counters, for ZCNET_IOC_GET_STATS and fdinfo. */
#include <linux/seq_file.h>

#include "zcnet_ctx.h"
#include "zcnet_region.h"
#include "zcnet_rx_dev.h"
#include "zcnet_rx_poll.h"
#include "zcnet_rx_wake.h"
#include "zcnet_stats.h"

struct zcnet_stat_desc {
	const char *name;
	size_t off;
};

#define ZCNET_STAT_DESC(name) { #name, offsetof(struct zcnet_stats, name) }

/* Every field of struct zcnet_stats; counters at their enum index. */
static const struct zcnet_stat_desc zcnet_stat_descs[] = {
	[ZCNET_STAT_tx_kicks] = ZCNET_STAT_DESC(tx_kicks),
	[ZCNET_STAT_tx_descs] = ZCNET_STAT_DESC(tx_descs),
	[ZCNET_STAT_tx_nops] = ZCNET_STAT_DESC(tx_nops),
	[ZCNET_STAT_tx_frames] = ZCNET_STAT_DESC(tx_frames),
	[ZCNET_STAT_tx_bytes] = ZCNET_STAT_DESC(tx_bytes),
	[ZCNET_STAT_tx_zerocopy] = ZCNET_STAT_DESC(tx_zerocopy),
	[ZCNET_STAT_tx_copied] = ZCNET_STAT_DESC(tx_copied),
	[ZCNET_STAT_tx_rejected] = ZCNET_STAT_DESC(tx_rejected),
	[ZCNET_STAT_tx_busy] = ZCNET_STAT_DESC(tx_busy),
	[ZCNET_STAT_tx_dev_errors] = ZCNET_STAT_DESC(tx_dev_errors),
	[ZCNET_STAT_cq_posted] = ZCNET_STAT_DESC(cq_posted),
	[ZCNET_STAT_cq_signals] = ZCNET_STAT_DESC(cq_signals),
	[ZCNET_STAT_ring_errors] = ZCNET_STAT_DESC(ring_errors),
	[ZCNET_STAT_rx_frames] = ZCNET_STAT_DESC(rx_frames),
	[ZCNET_STAT_rx_bytes] = ZCNET_STAT_DESC(rx_bytes),
	[ZCNET_STAT_rx_drop_nobuf] = ZCNET_STAT_DESC(rx_drop_nobuf),
	[ZCNET_STAT_rx_drop_size] = ZCNET_STAT_DESC(rx_drop_size),
	[ZCNET_STAT_rx_truncated] = ZCNET_STAT_DESC(rx_truncated),
	[ZCNET_STAT_rx_filter_miss] = ZCNET_STAT_DESC(rx_filter_miss),
	[ZCNET_STAT_rx_fill_rejected] = ZCNET_STAT_DESC(rx_fill_rejected),
	[ZCNET_STAT_rx_signals] = ZCNET_STAT_DESC(rx_signals),
	[ZCNET_STAT_sock_zc_bytes] = ZCNET_STAT_DESC(sock_zc_bytes),
	[ZCNET_STAT_sock_copied_bytes] = ZCNET_STAT_DESC(sock_copied_bytes),
	[ZCNET_STAT_sock_resumes] = ZCNET_STAT_DESC(sock_resumes),
	[ZCNET_STAT_sock_errors] = ZCNET_STAT_DESC(sock_errors),
	[ZCNET_STAT_rx_drop_split] = ZCNET_STAT_DESC(rx_drop_split),
	ZCNET_STAT_DESC(regions),
	ZCNET_STAT_DESC(pinned_pages),
	ZCNET_STAT_DESC(inflight),
	ZCNET_STAT_DESC(module_pinned_pages),
	ZCNET_STAT_DESC(module_contexts),
};

static u64 *zcnet_stat_ptr(struct zcnet_stats *st, int i)
{
	return (void *)st + zcnet_stat_descs[i].off;
}

void zcnet_stats_fill(struct zcnet_kctx *ctx, struct zcnet_stats *st)
{
	struct zcnet_region *r;
	int i;

	for (i = 0; i < ZCNET_STAT_NR; i++)
		*zcnet_stat_ptr(st, i) = atomic64_read(&ctx->stats.v[i]);
	st->rx_filter_miss = zcnet_rx_dev_filter_miss(ctx);
	st->regions = 0;
	st->pinned_pages = 0;
	rcu_read_lock();
	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		r = rcu_dereference(ctx->regions[i]);
		if (r) {
			st->regions++;
			st->pinned_pages += r->nr_pages;
		}
	}
	rcu_read_unlock();
	st->inflight = atomic_read(&ctx->inflight);
	st->module_pinned_pages = atomic_long_read(&zcnet_pinned_pages);
	st->module_contexts = atomic_read(&zcnet_live_contexts);
}

void zcnet_stats_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx)
{
	struct zcnet_stats st = {};
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(zcnet_stat_descs) * sizeof(u64) !=
		     sizeof(st) - offsetof(struct zcnet_stats, tx_kicks));
	zcnet_stats_fill(ctx, &st);
	seq_printf(m, "abi_version:\t%u\n", ZCNET_ABI_VERSION);
	seq_printf(m, "ctx_id:\t%u\n", ctx->id);
	for (i = 0; i < ARRAY_SIZE(zcnet_stat_descs); i++)
		seq_printf(m, "%s:\t%llu\n", zcnet_stat_descs[i].name,
			   *zcnet_stat_ptr(&st, i));
	seq_printf(m, "tx_copy_threshold:\t%u\n",
		   READ_ONCE(ctx->tx_copy_threshold));
	seq_printf(m, "sock_copy_threshold:\t%u\n",
		   READ_ONCE(ctx->sock_copy_threshold));
	zcnet_rx_poll_show_fdinfo(m, ctx);
	zcnet_rx_wake_show_fdinfo(m, ctx);
}
