/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_STATS_H
#define _ZCNET_STATS_H

#include <linux/atomic.h>
#include <linux/zcnet.h>

struct seq_file;
struct zcnet_kctx;

/* Counters kept per context. Values computed on read are not listed. */
enum zcnet_stat {
	ZCNET_STAT_tx_kicks,
	ZCNET_STAT_tx_descs,
	ZCNET_STAT_tx_nops,
	ZCNET_STAT_tx_frames,
	ZCNET_STAT_tx_bytes,
	ZCNET_STAT_tx_zerocopy,
	ZCNET_STAT_tx_copied,
	ZCNET_STAT_tx_rejected,
	ZCNET_STAT_tx_busy,
	ZCNET_STAT_tx_dev_errors,
	ZCNET_STAT_cq_posted,
	ZCNET_STAT_cq_signals,
	ZCNET_STAT_ring_errors,
	ZCNET_STAT_rx_frames,
	ZCNET_STAT_rx_bytes,
	ZCNET_STAT_rx_drop_nobuf,
	ZCNET_STAT_rx_drop_size,
	ZCNET_STAT_rx_truncated,
	ZCNET_STAT_rx_filter_miss,
	ZCNET_STAT_rx_fill_rejected,
	ZCNET_STAT_rx_signals,
	ZCNET_STAT_sock_zc_bytes,
	ZCNET_STAT_sock_copied_bytes,
	ZCNET_STAT_sock_resumes,
	ZCNET_STAT_sock_errors,
	ZCNET_STAT_rx_drop_split,
	ZCNET_STAT_NR
};

struct zcnet_counters {
	atomic64_t v[ZCNET_STAT_NR];
};

static inline void zcnet_stat_add(struct zcnet_counters *c,
				  enum zcnet_stat s, u64 n)
{
	atomic64_add(n, &c->v[s]);
}

static inline void zcnet_stat_inc(struct zcnet_counters *c, enum zcnet_stat s)
{
	atomic64_inc(&c->v[s]);
}

void zcnet_stats_fill(struct zcnet_kctx *ctx, struct zcnet_stats *st);
void zcnet_stats_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx);

#endif /* _ZCNET_STATS_H */
