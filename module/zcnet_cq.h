/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_CQ_H
#define _ZCNET_CQ_H

#include <linux/types.h>

struct tasklet_struct;
struct zcnet_kctx;

int zcnet_cq_reserve(struct zcnet_kctx *ctx, u32 want, u32 *got);
void zcnet_cq_post(struct zcnet_kctx *ctx, u64 cookie, s32 result, u32 flags);
void zcnet_cq_unreserve(struct zcnet_kctx *ctx, u32 n);
void zcnet_cq_post_async(struct zcnet_kctx *ctx, u64 cookie, s32 result,
			 u32 flags);
void zcnet_cq_flush(struct zcnet_kctx *ctx);
void zcnet_cq_batch_begin(struct zcnet_kctx *ctx);
void zcnet_cq_batch_end(struct zcnet_kctx *ctx);
void zcnet_cq_tasklet(struct tasklet_struct *t);

#endif /* _ZCNET_CQ_H */
