/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_REGION_H
#define _ZCNET_REGION_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct bio_vec;
struct mm_struct;
struct page;
struct user_struct;
struct zcnet_kctx;
struct zcnet_region_reg;

/* 4 GiB; the limit reported as zcnet_info.max_region_len. */
#define ZCNET_MAX_REGION_LEN	BIT_ULL(32)

/* Pinned pages and who they are charged to. */
struct zcnet_pin {
	struct page **pages;
	unsigned long nr_pages;
	struct user_struct *user;	/* locked_vm charged; NULL if exempt */
	struct mm_struct *mm;		/* pinned_vm charged */
};

/*
 * A registered region. The context's table holds one reference and every
 * descriptor in flight holds one; unregistering succeeds only when the
 * table's reference is the last one.
 */
struct zcnet_region {
	refcount_t ref;
	u32 id;
	u64 addr;
	u64 len;
	unsigned long nr_pages;
	struct zcnet_pin pin;
	struct work_struct free_work;
};

extern atomic_long_t zcnet_pinned_pages;

int zcnet_pin_range(u64 addr, unsigned long nr_pages, struct zcnet_pin *pin);
void zcnet_pin_release(struct zcnet_pin *pin);

int zcnet_region_add(struct zcnet_kctx *ctx,
		     const struct zcnet_region_reg *reg, u32 __user *uid);
int zcnet_region_remove(struct zcnet_kctx *ctx, u32 id);
void zcnet_region_release_all(struct zcnet_kctx *ctx);
int zcnet_buf_check(u64 region_len, u64 offset, u32 len);
struct zcnet_region *zcnet_region_lookup(struct zcnet_kctx *ctx, u32 id);
struct zcnet_region *zcnet_region_get(struct zcnet_kctx *ctx, u32 id);
void zcnet_region_put(struct zcnet_region *r);
void zcnet_region_copy(const struct zcnet_region *r, u64 offset, void *dst,
		       u32 len);
size_t zcnet_region_bvecs(const struct zcnet_region *r, u64 offset, u32 len,
			  struct bio_vec *bv, unsigned int *n, unsigned int max);

#endif /* _ZCNET_REGION_H */
