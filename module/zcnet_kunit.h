/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_KUNIT_H
#define _ZCNET_KUNIT_H

#include <linux/types.h>

struct kunit;
struct zcnet_kctx;
struct zcnet_region;

/* Shared by the KUnit suites (module/zcnet_*_test.c), built with KUnit only. */
struct zcnet_kctx *zcnet_kunit_ctx(struct kunit *test, u32 tx_entries,
				   u32 cq_entries);
void zcnet_kunit_ctx_done(struct zcnet_kctx *ctx);
struct zcnet_region *zcnet_kunit_region(struct kunit *test,
					struct zcnet_kctx *ctx, u32 id,
					u64 len);
u64 zcnet_kunit_stat(struct zcnet_kctx *ctx, unsigned int stat);

#endif /* _ZCNET_KUNIT_H */
