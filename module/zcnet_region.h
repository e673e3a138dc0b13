/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_REGION_H
#define _ZCNET_REGION_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/zcnet.h>

struct bio_vec;
struct cred;
struct file;
struct mm_struct;
struct page;
struct user_struct;
struct zcnet_kctx;
struct zcnet_region_import;
struct zcnet_region_reg;

/* The zcnet_region_reg.flags this build knows. */
#define ZCNET_REGION_FLAGS	ZCNET_REGION_READONLY

/* 4 GiB; the limit reported as zcnet_info.max_region_len. */
#define ZCNET_MAX_REGION_LEN	BIT_ULL(32)

/*
 * Pages pinned by one registration and who they are charged to. Every
 * context's region that uses them (the registering one and each import)
 * holds one reference; the last one unpins and uncharges, so the pages are
 * pinned and charged once however many contexts share them.
 */
struct zcnet_pinned {
	refcount_t ref;
	unsigned long nr_pages;
	bool readonly;			/* pinned for reading only */
	struct page **pages;
	struct user_struct *user;	/* locked_vm charged; NULL if exempt */
	struct mm_struct *mm;		/* pinned_vm charged */
	const struct cred *cred;	/* the registrant's, for imports */
};

/* A region's hold on its pinned pages. */
struct zcnet_pin {
	struct page **pages;		/* pinned->pages, read-only once set */
	struct zcnet_pinned *pinned;	/* NULL: nothing pinned (KUnit) */
};

/*
 * A region in one context's table, registered there or imported. The
 * table holds one reference and every descriptor of this context in
 * flight holds one; unregistering succeeds only when the table's
 * reference is the last one. Descriptors of other contexts hold their
 * own regions, so they never make this one busy.
 */
struct zcnet_region {
	refcount_t ref;
	u32 id;
	bool imported;			/* from another context's table */
	u32 flags;			/* ZCNET_REGION_* */
	u64 addr;			/* user address; 0 when imported */
	u64 len;
	unsigned long nr_pages;
	struct zcnet_pin pin;
	struct work_struct free_work;
};

extern atomic_long_t zcnet_pinned_pages;

int zcnet_pin_range(u64 addr, unsigned long nr_pages, bool readonly,
		    struct zcnet_pin *pin);
void zcnet_pin_share(struct zcnet_pin *pin, struct zcnet_pinned *p);
struct zcnet_pinned *zcnet_pin_tryget(const struct zcnet_pin *pin);
void zcnet_pin_put(struct zcnet_pinned *p);
void zcnet_pin_release(struct zcnet_pin *pin);

int zcnet_region_add(struct zcnet_kctx *ctx,
		     const struct zcnet_region_reg *reg, u32 __user *uid);
int zcnet_region_insert_pinned(struct zcnet_kctx *ctx, struct zcnet_pinned *p,
			       u32 __user *uid, u32 __user *uflags);
int zcnet_region_add_import(struct zcnet_kctx *ctx, struct file *file,
			    const struct zcnet_region_import *imp,
			    u32 __user *uid, u32 __user *uflags);
int zcnet_region_remove(struct zcnet_kctx *ctx, u32 id);
void zcnet_region_release_all(struct zcnet_kctx *ctx);
int zcnet_buf_check(u64 region_len, u64 offset, u32 len);
int zcnet_fill_check(const struct zcnet_region *r, u64 offset, u32 len,
		     u16 flags);
struct zcnet_region *zcnet_region_lookup(struct zcnet_kctx *ctx, u32 id);
struct zcnet_region *zcnet_region_get(struct zcnet_kctx *ctx, u32 id);
void zcnet_region_put(struct zcnet_region *r);
void zcnet_region_copy(const struct zcnet_region *r, u64 offset, void *dst,
		       u32 len);
size_t zcnet_region_bvecs(const struct zcnet_region *r, u64 offset, u32 len,
			  struct bio_vec *bv, unsigned int *n, unsigned int max);

#endif /* _ZCNET_REGION_H */
