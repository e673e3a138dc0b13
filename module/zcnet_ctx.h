/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_CTX_H
#define _ZCNET_CTX_H

#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/zcnet.h>

#include "zcnet_ring.h"
#include "zcnet_stats.h"
#include "zcnet_tx_head.h"

struct cred;
struct eventfd_ctx;
struct mem_cgroup;
struct zcnet_region;
struct zcnet_rx_dev;
struct zcnet_sock;
struct zcnet_tx_buf;

/*
 * One open /dev/zcnet. The file holds one reference, and so does every
 * descriptor in flight, so a context outlives its file until the last
 * completion. Locks, outermost first: RTNL (binding), lock (control
 * ioctls), tx_lock (the TX consumer, the bound device, the socket slots),
 * a socket's own (see zcnet_sock_slot.h), cq_lock (the CQ producer, taken
 * from any context).
 */
struct zcnet_kctx {
	struct kref ref;
	u32 id;				/* in tracepoints and fdinfo */
	const struct cred *cred;	/* the opener's, for work the kernel */
	struct mem_cgroup *memcg;	/* does by itself (zcnet_kctx_as_owner) */
	struct mutex lock;		/* setup, regions, eventfds */
	struct mutex tx_lock;		/* TX ring consumer */
	spinlock_t cq_lock;		/* CQ producer, reservations */

	bool ready;			/* rings set up; smp_store_release */
	struct zcnet_kring *rings[ZCNET_RING_NR];
	bool cq_tstamp;			/* ZCNET_SETUP_CQ_TSTAMP; set before ready */
	bool rx_tstamp;			/* ZCNET_SETUP_RX_TSTAMP; set before ready */
	u32 cq_reserved;		/* CQ slots promised to consumed descs */
	u32 cq_signalled;		/* CQ producer at the last signal */
	bool cq_batching;		/* a kick flushes what completes now */
	struct tasklet_struct cq_tasklet;	/* flushes async completions */

	struct net_device *tx_dev;	/* bound device, under tx_lock */
	netdevice_tracker tx_dev_tracker;
	struct list_head bound_node;	/* zcnet_bound_list, under RTNL */
	u16 tx_queue;
	u32 tx_copy_threshold;		/* under tx_lock; READ_ONCE */
	bool tx_copy_threshold_set;	/* by the program; under tx_lock */
	u32 tx_asked;			/* TX consumer the last kick asked for */
	struct list_head tx_pending;	/* built, not yet handed over */
	u32 tx_npending;
	struct delayed_work tx_retry;
	struct zcnet_tx_heads tx_heads;	/* under tx_lock */
	struct llist_node *tx_bufs;	/* spare zcnet_tx_bufs, under tx_lock */
	struct llist_head tx_bufs_done;	/* freed ones, from any context */
	atomic_t tx_bufs_spare;		/* on both lists */

	struct xarray socks;		/* slot -> zcnet_sock; tx_lock */
	struct rhashtable sock_streams;	/* TCP sockets attached; tx_lock */
	u32 max_sockets;
	struct list_head sock_push;	/* sockets a kick queued on */
	u32 sock_copy_threshold;

	struct net_device *rx_dev;	/* RTNL; or READ_ONCE under RCU */
	int rx_ifindex;			/* its ifindex or 0; READ_ONCE */
	netdevice_tracker rx_dev_tracker;
	struct list_head rx_node;	/* the device's contexts, RCU */
	struct zcnet_rx_dev __rcu *rx_rd;	/* see zcnet_rx_dev.c */
	u64 rx_miss_base;
	seqcount_t rx_miss_seq;
	u32 rx_queue;			/* or ZCNET_QUEUE_ANY */
	u32 rx_match;
	__be16 rx_ethertype;
	__be16 rx_port;
	spinlock_t rx_lock;		/* FILL consumer, RX producer */
	u32 rx_signalled;		/* RX producer at the last signal */
	struct tasklet_struct rx_tasklet;
	unsigned int rx_napi_id;	/* of the last frame; rx_lock, READ_ONCE */
	u32 rx_busy_poll_usec;		/* READ_ONCE; see zcnet_rx_poll.c */
	u16 rx_busy_poll_budget;	/* 0: the kernel's default */
	atomic64_t rx_busy_polls;
	struct hrtimer rx_wake_timer;	/* see zcnet_rx_wake.c */
	u32 rx_wake_frames;		/* READ_ONCE */
	u32 rx_wake_usec;		/* READ_ONCE */
	atomic_t rx_wake_due;		/* the timer fired or was cancelled */
	atomic64_t rx_wake_held;
	atomic64_t rx_wake_expired;

	struct zcnet_region __rcu *regions[ZCNET_MAX_REGIONS];
	atomic_t inflight;

	struct eventfd_ctx __rcu *eventfd[2];
	wait_queue_head_t wq;

	struct zcnet_counters stats;
	struct work_struct free_work;
};

#define ZCNET_SETUP_FLAGS	(ZCNET_SETUP_CQ_TSTAMP | ZCNET_SETUP_RX_TSTAMP)
#define ZCNET_COPY_THRESHOLD_MAX	65535
#define ZCNET_SOCK_COPY_THRESHOLD_MAX	SZ_1M

extern atomic_t zcnet_live_contexts;
extern unsigned int zcnet_tx_copy_threshold;
extern unsigned int zcnet_tx_copy_threshold_strict;
extern unsigned int zcnet_sock_copy_threshold;
extern unsigned int zcnet_max_sockets;
extern struct workqueue_struct *zcnet_wq;

/* What zcnet_kctx_as_owner() replaced, for zcnet_kctx_as_self(). */
struct zcnet_kctx_saved {
	const struct cred *cred;
	struct mem_cgroup *memcg;
};

struct zcnet_kctx *zcnet_kctx_alloc(const struct cred *cred);
void zcnet_kctx_as_owner(struct zcnet_kctx *ctx,
			 struct zcnet_kctx_saved *saved);
void zcnet_kctx_as_self(const struct zcnet_kctx_saved *saved);
void zcnet_kctx_put(struct zcnet_kctx *ctx);
void zcnet_kctx_release(struct zcnet_kctx *ctx);
int zcnet_kctx_setup(struct zcnet_kctx *ctx, const struct zcnet_setup *s);
bool zcnet_kctx_ready(struct zcnet_kctx *ctx);
struct zcnet_kring *zcnet_kctx_ring(struct zcnet_kctx *ctx,
				    enum zcnet_kring_id id);
void zcnet_kctx_drain(void);

#endif /* _ZCNET_CTX_H */
