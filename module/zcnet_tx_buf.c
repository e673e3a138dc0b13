// SPDX-License-Identifier: GPL-2.0
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "zcnet_cq.h"
#include "zcnet_ctx.h"
#include "zcnet_fault.h"
#include "zcnet_region.h"
#include "zcnet_sock_send.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_buf.h"

static struct kmem_cache *zcnet_tx_buf_cache;

static enum zcnet_stat zcnet_tx_buf_stat(struct zcnet_tx_buf *t, u32 flags)
{
	struct zcnet_counters *c = &t->ctx->stats;

	if (t->rejected)
		return ZCNET_STAT_NR;
	if (!t->sock) {
		if (t->result < 0)
			return ZCNET_STAT_tx_dev_errors;
		return flags ? ZCNET_STAT_tx_copied : ZCNET_STAT_tx_zerocopy;
	}
	if (t->result < 0)
		return ZCNET_STAT_sock_errors;
	zcnet_stat_add(c, flags ? ZCNET_STAT_sock_copied_bytes :
		       ZCNET_STAT_sock_zc_bytes, t->result);
	return flags ? ZCNET_STAT_tx_copied : ZCNET_STAT_tx_zerocopy;
}

/*
 * Posts the completion and frees the descriptor. The region reference and
 * the in-flight count go first: a user who has seen the completion may
 * unregister the region.
 */
void zcnet_tx_buf_post(struct zcnet_tx_buf *t)
{
	struct zcnet_ctx *ctx = t->ctx;
	struct zcnet_sock *sock = t->sock;
	u64 cookie = t->cookie;
	s32 result = t->result;
	enum zcnet_stat s;
	bool copied;
	u32 flags;

	copied = READ_ONCE(t->copied) || (sock && !READ_ONCE(t->zc_used));
	flags = copied && (result >= 0 || !sock) ? ZCNET_CQE_COPIED : 0;
	s = zcnet_tx_buf_stat(t, flags);
	if (s != ZCNET_STAT_NR)
		zcnet_stat_inc(&ctx->stats, s);
	if (t->region)
		zcnet_region_put(t->region);
	kmem_cache_free(zcnet_tx_buf_cache, t);
	if (sock)
		zcnet_sock_put(sock);
	atomic_dec(&ctx->inflight);
	zcnet_cq_post_async(ctx, cookie, result, flags);
	zcnet_ctx_put(ctx);
}

/*
 * Every holder drops its reference here: the stack with success false when
 * it copied the data (taps, local delivery), with skb NULL from
 * net_zcopy_put(). Softirq or process context; must not sleep.
 */
static void zcnet_tx_buf_complete(struct sk_buff *skb, struct ubuf_info *uarg,
				  bool success)
{
	struct zcnet_tx_buf *t = container_of(uarg, struct zcnet_tx_buf, ubuf);

	/* Module exit's synchronize_net() waits for this section. */
	rcu_read_lock();
	if (!success)
		WRITE_ONCE(t->copied, true);
	else if (skb)
		WRITE_ONCE(t->zc_used, true);
	if (refcount_dec_and_test(&uarg->refcnt)) {
		if (t->sock)
			zcnet_sock_send_release(t);
		else
			zcnet_tx_buf_post(t);
	}
	rcu_read_unlock();
}

ZCNET_UBUF_OPS(zcnet_tx_buf_ops, zcnet_tx_buf_complete);

/* Takes over the caller's region reference. */
struct zcnet_tx_buf *zcnet_tx_buf_alloc(struct zcnet_ctx *ctx,
					struct zcnet_region *r, u64 cookie,
				      u32 len)
{
	struct zcnet_tx_buf *t;

	if (zcnet_fault_tx_buf())
		return NULL;
	/* At memory.max: ENOMEM, and the descriptor stays on the ring. */
	t = kmem_cache_zalloc(zcnet_tx_buf_cache,
			      GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!t)
		return NULL;
	zcnet_ubuf_set_ops(&t->ubuf, zcnet_tx_buf_ops);
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

/* Drops the sender's reference. */
void zcnet_tx_buf_put(struct zcnet_tx_buf *t)
{
	zcnet_tx_buf_complete(NULL, &t->ubuf, true);
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
