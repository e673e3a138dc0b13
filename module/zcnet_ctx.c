// SPDX-License-Identifier: GPL-2.0
/* The context behind one open /dev/zcnet: its life, setup and rings. */
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "zcnet_bind.h"
#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_event.h"
#include "zcnet_region.h"
#include "zcnet_rx.h"
#include "zcnet_rx_wake.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_buf.h"
#include "zcnet_tx_kick.h"
#include "zcnet_tx_raw.h"

atomic_t zcnet_live_contexts = ATOMIC_INIT(0);

static void zcnet_kctx_free_work(struct work_struct *work)
{
	struct zcnet_kctx *ctx = container_of(work, struct zcnet_kctx,
					      free_work);
	int i;

	tasklet_kill(&ctx->cq_tasklet);
	zcnet_rx_wake_stop(ctx);
	zcnet_tx_bufs_free(ctx);
	zcnet_tx_heads_free(&ctx->tx_heads);
	zcnet_event_detach_all(ctx);
	zcnet_sock_slots_free(ctx);
	for (i = 0; i < ZCNET_RING_NR; i++)
		zcnet_kring_free(ctx->rings[i]);
	mutex_destroy(&ctx->tx_lock);
	mutex_destroy(&ctx->lock);
	put_cred(ctx->cred);
	mem_cgroup_put(ctx->memcg);
	kfree(ctx);
	if (atomic_dec_and_test(&zcnet_live_contexts))
		wake_up_var(&zcnet_live_contexts);
	/* module exit destroys zcnet_wq, which waits for this to return */
	module_put(THIS_MODULE);
}

static void zcnet_kctx_kref_release(struct kref *ref)
{
	struct zcnet_kctx *ctx = container_of(ref, struct zcnet_kctx, ref);

	queue_work(zcnet_wq, &ctx->free_work);
}

static atomic_t zcnet_ctx_ids = ATOMIC_INIT(0);

struct zcnet_kctx *zcnet_kctx_alloc(const struct cred *cred)
{
	struct zcnet_kctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	if (zcnet_sock_slots_init(ctx)) {
		kfree(ctx);
		return NULL;
	}
	kref_init(&ctx->ref);
	ctx->id = atomic_inc_return(&zcnet_ctx_ids);
	ctx->cred = get_cred(cred);
	ctx->memcg = get_mem_cgroup_from_mm(current->mm);
	mutex_init(&ctx->lock);
	mutex_init(&ctx->tx_lock);
	spin_lock_init(&ctx->cq_lock);
	init_waitqueue_head(&ctx->wq);
	INIT_WORK(&ctx->free_work, zcnet_kctx_free_work);
	INIT_LIST_HEAD(&ctx->bound_node);
	INIT_LIST_HEAD(&ctx->tx_pending);
	INIT_DELAYED_WORK(&ctx->tx_retry, zcnet_tx_retry_work);
	tasklet_setup(&ctx->cq_tasklet, zcnet_cq_tasklet);
	tasklet_setup(&ctx->rx_tasklet, zcnet_rx_tasklet);
	zcnet_rx_wake_init(ctx);
	spin_lock_init(&ctx->rx_lock);
	seqcount_init(&ctx->rx_miss_seq);
	ctx->tx_copy_threshold = min(READ_ONCE(zcnet_tx_copy_threshold),
				     ZCNET_COPY_THRESHOLD_MAX);
	ctx->sock_copy_threshold = min(READ_ONCE(zcnet_sock_copy_threshold),
				       ZCNET_SOCK_COPY_THRESHOLD_MAX);
	atomic_inc(&zcnet_live_contexts);
	/* in use while it lives: unloading is refused meanwhile */
	__module_get(THIS_MODULE);
	return ctx;
}

/*
 * Work the kernel does for a context by itself (retries after a busy device
 * queue, sends resumed when a socket has room) runs on a kworker. It takes
 * on the identity of the process that opened the context, as io_uring's
 * SQPOLL thread takes its ring creator's: security modules and audit see
 * its credentials, and what it allocates is charged to the memory cgroup
 * it was in at open.
 */
void zcnet_kctx_as_owner(struct zcnet_kctx *ctx,
			 struct zcnet_kctx_saved *saved)
{
	saved->cred = override_creds(ctx->cred);
	saved->memcg = set_active_memcg(ctx->memcg);
}

void zcnet_kctx_as_self(const struct zcnet_kctx_saved *saved)
{
	set_active_memcg(saved->memcg);
	revert_creds(saved->cred);
}

/* Safe from any context: the last reference frees on zcnet_wq. */
void zcnet_kctx_put(struct zcnet_kctx *ctx)
{
	kref_put(&ctx->ref, zcnet_kctx_kref_release);
}

/* The file is closing. In-flight descriptors keep their references. */
void zcnet_kctx_release(struct zcnet_kctx *ctx)
{
	zcnet_bind_remove_all(ctx);
	cancel_delayed_work_sync(&ctx->tx_retry);
	zcnet_sock_remove_all(ctx);
	zcnet_region_release_all(ctx);
	zcnet_kctx_put(ctx);
}

/* Waits until every context, open or closing, has been freed. */
void zcnet_kctx_drain(void)
{
	wait_var_event(&zcnet_live_contexts,
		       !atomic_read(&zcnet_live_contexts));
}

static bool zcnet_setup_pair_valid(u32 a, u32 b)
{
	if (!a && !b)
		return true;
	return zcnet_kring_entries_valid(a) && zcnet_kring_entries_valid(b);
}

int zcnet_kctx_setup(struct zcnet_kctx *ctx, const struct zcnet_setup *s)
{
	const u32 entries[ZCNET_RING_NR] = {
		[ZCNET_RING_TX] = s->tx_entries,
		[ZCNET_RING_CQ] = s->cq_entries,
		[ZCNET_RING_FILL] = s->fill_entries,
		[ZCNET_RING_RX] = s->rx_entries,
	};
	struct zcnet_kring *rings[ZCNET_RING_NR] = {};
	int i, err = 0;

	if ((s->flags & ~ZCNET_SETUP_FLAGS) || s->reserved[0] || s->reserved[1])
		return -EINVAL;
	if (!zcnet_setup_pair_valid(s->tx_entries, s->cq_entries) ||
	    !zcnet_setup_pair_valid(s->fill_entries, s->rx_entries) ||
	    (!s->tx_entries && !s->fill_entries))
		return -EINVAL;
	/* A stamp for a ring that is not there is a mistake: say so. */
	if (((s->flags & ZCNET_SETUP_CQ_TSTAMP) && !s->cq_entries) ||
	    ((s->flags & ZCNET_SETUP_RX_TSTAMP) && !s->rx_entries))
		return -EINVAL;

	mutex_lock(&ctx->lock);
	if (ctx->ready) {
		err = -EBUSY;
		goto out;
	}
	for (i = 0; i < ZCNET_RING_NR; i++) {
		if (!entries[i])
			continue;
		rings[i] = zcnet_kring_alloc(i, entries[i], s->flags);
		if (!rings[i]) {
			err = -ENOMEM;
			goto out;
		}
	}
	memcpy(ctx->rings, rings, sizeof(rings));
	ctx->cq_tstamp = s->flags & ZCNET_SETUP_CQ_TSTAMP;
	ctx->rx_tstamp = s->flags & ZCNET_SETUP_RX_TSTAMP;
	/* Pairs with the acquire in zcnet_kctx_ring(): rings before ready. */
	smp_store_release(&ctx->ready, true);
out:
	mutex_unlock(&ctx->lock);
	if (err)
		for (i = 0; i < ZCNET_RING_NR; i++)
			zcnet_kring_free(rings[i]);
	return err;
}

bool zcnet_kctx_ready(struct zcnet_kctx *ctx)
{
	/* Pairs with the release in zcnet_kctx_setup(). */
	return smp_load_acquire(&ctx->ready);
}

/* A ring that was set up, or NULL. Rings never change once set up. */
struct zcnet_kring *zcnet_kctx_ring(struct zcnet_kctx *ctx,
				    enum zcnet_kring_id id)
{
	return zcnet_kctx_ready(ctx) ? ctx->rings[id] : NULL;
}
