// SPDX-License-Identifier: GPL-2.0
/* Contexts and regions for the KUnit suites, set up without a file. */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "zcnet_ctx.h"
#include "zcnet_kunit.h"
#include "zcnet_region.h"

/* A context as ZCNET_IOC_SETUP leaves it, TX and CQ only; fails the test if not. */
struct zcnet_kctx *zcnet_kunit_ctx(struct kunit *test, u32 tx_entries,
				   u32 cq_entries)
{
	const struct zcnet_setup s = {
		.size = sizeof(s),
		.tx_entries = tx_entries,
		.cq_entries = cq_entries,
	};
	struct zcnet_kctx *ctx;
	int err;

	ctx = zcnet_kctx_alloc(current_cred());
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = zcnet_kctx_setup(ctx, &s);
	if (err)
		zcnet_kctx_release(ctx);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "zcnet_kctx_setup(%u, %u)",
			    tx_entries, cq_entries);
	return ctx;
}

/* As closing the file would: regions go, the context when nothing is in flight. */
void zcnet_kunit_ctx_done(struct zcnet_kctx *ctx)
{
	if (ctx)
		zcnet_kctx_release(ctx);
}

static void zcnet_kunit_region_free_work(struct work_struct *work)
{
	kfree(container_of(work, struct zcnet_region, free_work));
}

/*
 * A region in the context's table with nothing pinned, as registration
 * leaves it: enough for every path that does not touch the pages.
 */
struct zcnet_region *zcnet_kunit_region(struct kunit *test,
					struct zcnet_kctx *ctx, u32 id, u64 len)
{
	struct zcnet_region *r;

	KUNIT_ASSERT_LT(test, id, ZCNET_MAX_REGIONS);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	refcount_set(&r->ref, 1);
	r->id = id;
	r->addr = (u64)(id + 1) << 32;
	r->len = len;
	r->nr_pages = len >> PAGE_SHIFT;
	INIT_WORK(&r->free_work, zcnet_kunit_region_free_work);
	mutex_lock(&ctx->lock);
	rcu_assign_pointer(ctx->regions[id], r);
	mutex_unlock(&ctx->lock);
	return r;
}

u64 zcnet_kunit_stat(struct zcnet_kctx *ctx, unsigned int stat)
{
	return atomic64_read(&ctx->stats.v[stat]);
}
