// SPDX-License-Identifier: GPL-2.0
/* Transmit buffers: the state and references of a descriptor in flight. */
#include <linux/llist.h>
#include <linux/slab.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_fault.h"
#include "zcnet_region.h"
#include "zcnet_tx_buf.h"

static struct kmem_cache *zcnet_tx_buf_cache;

/*
 * A finished buffer goes back to its context rather than to the slab, so
 * that a frame costs no slab allocation, memory cgroup charge or zeroing
 * pass of init_on_alloc. Completions add from any context to tx_bufs_done;
 * the TX consumer, the only taker, moves that list to tx_bufs at once.
 */
static void zcnet_tx_buf_free(struct zcnet_kctx *ctx, struct zcnet_tx_buf *t)
{
	if (atomic_inc_return(&ctx->tx_bufs_spare) <= ZCNET_TX_BUF_SPARE) {
		llist_add(&t->spare, &ctx->tx_bufs_done);
		return;
	}
	atomic_dec(&ctx->tx_bufs_spare);
	kmem_cache_free(zcnet_tx_buf_cache, t);
}

static struct zcnet_tx_buf *zcnet_tx_buf_reuse(struct zcnet_kctx *ctx)
{
	struct llist_node *n = ctx->tx_bufs;
	struct zcnet_tx_buf *t;

	if (!n)
		n = llist_del_all(&ctx->tx_bufs_done);
	if (!n)
		return NULL;
	ctx->tx_bufs = n->next;
	atomic_dec(&ctx->tx_bufs_spare);
	t = llist_entry(n, struct zcnet_tx_buf, spare);
	memset(t, 0, sizeof(*t));
	return t;
}

/* The context is going: nothing is in flight. */
void zcnet_tx_bufs_free(struct zcnet_kctx *ctx)
{
	struct llist_node *n = llist_del_all(&ctx->tx_bufs_done);
	struct zcnet_tx_buf *t, *tmp;

	llist_for_each_entry_safe(t, tmp, n, spare)
		kmem_cache_free(zcnet_tx_buf_cache, t);
	llist_for_each_entry_safe(t, tmp, ctx->tx_bufs, spare)
		kmem_cache_free(zcnet_tx_buf_cache, t);
	ctx->tx_bufs = NULL;
	atomic_set(&ctx->tx_bufs_spare, 0);
}

/*
 * Posts the completion and frees the descriptor. The region reference and
 * the in-flight count go first: a user who has seen the completion may
 * unregister the region.
 */
void zcnet_tx_buf_post(struct zcnet_tx_buf *t, u32 flags)
{
	struct zcnet_kctx *ctx = t->ctx;
	u64 cookie = t->cookie;
	s32 result = t->result;

	if (t->region)
		zcnet_region_put(t->region);
	zcnet_tx_buf_free(ctx, t);
	atomic_dec(&ctx->inflight);
	zcnet_cq_post_async(ctx, cookie, result, flags);
	zcnet_kctx_put(ctx);
}

/*
 * Every holder drops its reference through its sender's completion ops,
 * which call this: the stack with success false when it copied the data
 * (taps, local delivery), with skb NULL from net_zcopy_put(). True when
 * that was the last reference. Softirq or process context; the caller
 * holds rcu_read_lock() (module exit's synchronize_net() waits for it)
 * and must not sleep.
 */
bool zcnet_tx_buf_unref(struct zcnet_tx_buf *t, struct sk_buff *skb,
			bool success)
{
	if (!success)
		WRITE_ONCE(t->copied, true);
	else if (skb)
		WRITE_ONCE(t->zc_used, true);
	return refcount_dec_and_test(&t->ubuf.refcnt);
}

/* Takes over the caller's region reference. Under the context's tx_lock. */
struct zcnet_tx_buf *zcnet_tx_buf_alloc(struct zcnet_kctx *ctx,
					struct zcnet_region *r, u64 cookie,
					u32 len,
					const struct zcnet_ubuf_ops *ops)
{
	struct zcnet_tx_buf *t;

	lockdep_assert_held(&ctx->tx_lock);
	if (zcnet_fault_tx_buf())
		return NULL;
	t = zcnet_tx_buf_reuse(ctx);
	/* At memory.max: ENOMEM, and the descriptor stays on the ring. */
	if (!t)
		t = kmem_cache_zalloc(zcnet_tx_buf_cache,
				      GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!t)
		return NULL;
	zcnet_ubuf_set_ops(&t->ubuf, ops);
	t->ubuf.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
	refcount_set(&t->ubuf.refcnt, 1);
	INIT_LIST_HEAD(&t->riders);
	kref_get(&ctx->ref);
	t->ctx = ctx;
	t->region = r;
	t->cookie = cookie;
	t->result = len;
	atomic_inc(&ctx->inflight);
	return t;
}

/* The skb's reference: completion waits until the stack lets go. */
void zcnet_tx_buf_attach(struct zcnet_tx_buf *t, struct sk_buff *skb)
{
	refcount_inc(&t->ubuf.refcnt);
	skb_zcopy_init(skb, &t->ubuf);
}

/* Drops the sender's reference, through the sender's completion ops. */
void zcnet_tx_buf_put(struct zcnet_tx_buf *t)
{
	net_zcopy_put(&t->ubuf);
}

int zcnet_tx_buf_init(void)
{
	zcnet_tx_buf_cache = KMEM_CACHE(zcnet_tx_buf, SLAB_ACCOUNT);
	return zcnet_tx_buf_cache ? 0 : -ENOMEM;
}

void zcnet_tx_buf_exit(void)
{
	kmem_cache_destroy(zcnet_tx_buf_cache);
}
