// SPDX-License-Identifier: GPL-2.0
/* A context's registered memory regions: add, look up, remove. */
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zcnet_ctx.h"
#include "zcnet_region.h"

static void zcnet_region_free(struct zcnet_region *r)
{
	zcnet_pin_release(&r->pin);
	kfree(r);
}

static void zcnet_region_free_work(struct work_struct *work)
{
	zcnet_region_free(container_of(work, struct zcnet_region, free_work));
}

/* Regions registered in this context; imported ones may be elsewhere. */
static bool zcnet_region_overlaps(struct zcnet_kctx *ctx, u64 addr, u64 end)
{
	struct zcnet_region *r;
	int i;

	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		r = rcu_dereference_protected(ctx->regions[i],
					      lockdep_is_held(&ctx->lock));
		if (r && !r->imported && addr < r->addr + r->len &&
		    r->addr < end)
			return true;
	}
	return false;
}

/* Whether the table already holds these pages, by any id. */
static bool zcnet_region_holds(struct zcnet_kctx *ctx,
			       const struct zcnet_pinned *p)
{
	struct zcnet_region *r;
	int i;

	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		r = rcu_dereference_protected(ctx->regions[i],
					      lockdep_is_held(&ctx->lock));
		if (r && r->pin.pinned == p)
			return true;
	}
	return false;
}

/* The id r would take: the lowest free one, if r clashes with none. */
static int zcnet_region_claim(struct zcnet_kctx *ctx,
			      const struct zcnet_region *r)
{
	int i;

	lockdep_assert_held(&ctx->lock);
	for (i = 0; i < ZCNET_MAX_REGIONS; i++)
		if (!rcu_access_pointer(ctx->regions[i]))
			break;
	if (i == ZCNET_MAX_REGIONS)
		return -ENOSPC;
	if (r->imported ? zcnet_region_holds(ctx, r->pin.pinned) :
	    zcnet_region_overlaps(ctx, r->addr, r->addr + r->len))
		return -EEXIST;
	return i;
}

/*
 * Writes the id to *uid, and the region's flags to *uflags unless NULL,
 * before the region becomes usable.
 */
static int zcnet_region_publish(struct zcnet_kctx *ctx,
				struct zcnet_region *r, int id,
				u32 __user *uid, u32 __user *uflags)
{
	lockdep_assert_held(&ctx->lock);
	if (uflags && put_user(r->flags, uflags))
		return -EFAULT;
	if (put_user(id, uid))
		return -EFAULT;
	r->id = id;
	rcu_assign_pointer(ctx->regions[id], r);
	return 0;
}

static struct zcnet_region *zcnet_region_alloc(u64 addr, u64 len)
{
	struct zcnet_region *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	r->addr = addr;
	r->len = len;
	r->nr_pages = len >> PAGE_SHIFT;
	refcount_set(&r->ref, 1);
	INIT_WORK(&r->free_work, zcnet_region_free_work);
	return r;
}

int zcnet_region_add(struct zcnet_kctx *ctx,
		     const struct zcnet_region_reg *reg, u32 __user *uid)
{
	struct zcnet_region *r;
	u64 end;
	int id, err;

	if ((reg->flags & ~ZCNET_REGION_FLAGS) || reg->reserved)
		return -EINVAL;
	if (!reg->len || !PAGE_ALIGNED(reg->addr) || !PAGE_ALIGNED(reg->len))
		return -EINVAL;
	if (check_add_overflow(reg->addr, reg->len, &end))
		return -EOVERFLOW;
	if (reg->len > ZCNET_MAX_REGION_LEN)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(reg->addr), reg->len))
		return -EFAULT;

	r = zcnet_region_alloc(reg->addr, reg->len);
	if (!r)
		return -ENOMEM;
	r->flags = reg->flags;

	mutex_lock(&ctx->lock);
	id = zcnet_region_claim(ctx, r);
	if (id < 0) {
		err = id;
		goto out_unlock;
	}
	err = zcnet_pin_range(r->addr, r->nr_pages,
			      r->flags & ZCNET_REGION_READONLY, &r->pin);
	if (err)
		goto out_unlock;
	err = zcnet_region_publish(ctx, r, id, uid, NULL);
	if (err)
		zcnet_pin_release(&r->pin);
out_unlock:
	mutex_unlock(&ctx->lock);
	if (err)
		kfree(r);
	return err;
}

/*
 * Puts a region of pages another context pinned into this context's
 * table: takes over the caller's reference on them, also on failure. The
 * region is read-only if the pages were pinned so.
 */
int zcnet_region_insert_pinned(struct zcnet_kctx *ctx, struct zcnet_pinned *p,
			       u32 __user *uid, u32 __user *uflags)
{
	struct zcnet_region *r;
	int id, err;

	r = zcnet_region_alloc(0, (u64)p->nr_pages << PAGE_SHIFT);
	if (!r) {
		zcnet_pin_put(p);
		return -ENOMEM;
	}
	zcnet_pin_share(&r->pin, p);
	r->imported = true;
	r->flags = p->readonly ? ZCNET_REGION_READONLY : 0;

	mutex_lock(&ctx->lock);
	id = zcnet_region_claim(ctx, r);
	err = id < 0 ? id : zcnet_region_publish(ctx, r, id, uid, uflags);
	mutex_unlock(&ctx->lock);
	if (err)
		zcnet_region_free(r);
	return err;
}

int zcnet_region_remove(struct zcnet_kctx *ctx, u32 id)
{
	struct zcnet_region *r;

	if (id >= ZCNET_MAX_REGIONS)
		return -ENOENT;
	id = array_index_nospec(id, ZCNET_MAX_REGIONS);

	mutex_lock(&ctx->lock);
	r = rcu_dereference_protected(ctx->regions[id],
				      lockdep_is_held(&ctx->lock));
	if (!r) {
		mutex_unlock(&ctx->lock);
		return -ENOENT;
	}
	if (!refcount_dec_if_one(&r->ref)) {
		mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	RCU_INIT_POINTER(ctx->regions[id], NULL);
	mutex_unlock(&ctx->lock);
	synchronize_rcu();
	zcnet_region_free(r);
	return 0;
}

/* The file is closing: drop the table's references. */
void zcnet_region_release_all(struct zcnet_kctx *ctx)
{
	struct zcnet_region *gone[ZCNET_MAX_REGIONS];
	int i, n = 0;

	mutex_lock(&ctx->lock);
	for (i = 0; i < ZCNET_MAX_REGIONS; i++) {
		gone[n] = rcu_dereference_protected(ctx->regions[i],
						    lockdep_is_held(&ctx->lock));
		if (gone[n]) {
			RCU_INIT_POINTER(ctx->regions[i], NULL);
			n++;
		}
	}
	mutex_unlock(&ctx->lock);
	if (!n)
		return;
	synchronize_rcu();
	for (i = 0; i < n; i++)
		if (refcount_dec_and_test(&gone[i]->ref))
			zcnet_region_free(gone[i]);
}

/* A buffer of len bytes at offset lies inside a region of region_len. */
int zcnet_buf_check(u64 region_len, u64 offset, u32 len)
{
	u64 end;

	if (!len || check_add_overflow(offset, (u64)len, &end) ||
	    end > region_len)
		return -EINVAL;
	return 0;
}

/*
 * Whether a FILL descriptor may name this buffer: flags 0, inside a region
 * the kernel may write to (not a read-only one). 0 or -EINVAL.
 */
int zcnet_fill_check(const struct zcnet_region *r, u64 offset, u32 len,
		     u16 flags)
{
	if (flags || !r || (r->flags & ZCNET_REGION_READONLY))
		return -EINVAL;
	return zcnet_buf_check(r->len, offset, len);
}

/* The region with this id, or NULL; valid until rcu_read_unlock(). */
struct zcnet_region *zcnet_region_lookup(struct zcnet_kctx *ctx, u32 id)
{
	if (id >= ZCNET_MAX_REGIONS)
		return NULL;
	return rcu_dereference(ctx->regions[array_index_nospec(id,
						ZCNET_MAX_REGIONS)]);
}

/* A reference for a descriptor in flight, or NULL. Any context. */
struct zcnet_region *zcnet_region_get(struct zcnet_kctx *ctx, u32 id)
{
	struct zcnet_region *r;

	rcu_read_lock();
	r = zcnet_region_lookup(ctx, id);
	if (r && !refcount_inc_not_zero(&r->ref))
		r = NULL;
	rcu_read_unlock();
	return r;
}

/* Any context: the last put unpins on zcnet_wq. */
void zcnet_region_put(struct zcnet_region *r)
{
	if (refcount_dec_and_test(&r->ref))
		queue_work(zcnet_wq, &r->free_work);
}

/* Copies len bytes at offset, which zcnet_buf_check() accepted. */
void zcnet_region_copy(const struct zcnet_region *r, u64 offset, void *dst,
		       u32 len)
{
	size_t n, poff;

	while (len) {
		poff = offset_in_page(offset);
		n = min_t(size_t, len, PAGE_SIZE - poff);
		memcpy_from_page(dst, r->pin.pages[offset >> PAGE_SHIFT], poff,
				 n);
		dst += n;
		offset += n;
		len -= n;
	}
}

/*
 * Describes len bytes at offset as bvecs from bv[*n] on, at most max in
 * all, and returns how many bytes they cover. Pages that follow each other
 * inside one folio (a huge page) share a bvec, so the stack takes them in
 * one go and in one fragment. A new bvec starts at the first byte, so
 * separate calls never merge. The folio is looked up once per bvec: a page
 * extends the bvec when it is the next page of memory and still before
 * the end of that folio.
 */
size_t zcnet_region_bvecs(const struct zcnet_region *r, u64 offset, u32 len,
			  struct bio_vec *bv, unsigned int *n, unsigned int max)
{
	struct page *page, *next = NULL, *end = NULL;
	struct bio_vec *last = NULL;
	struct folio *folio;
	size_t bytes = 0;
	u32 part, poff;

	while (len) {
		page = r->pin.pages[offset >> PAGE_SHIFT];
		poff = offset_in_page(offset);
		part = min_t(u32, len, PAGE_SIZE - poff);
		if (page == next && page < end) {
			last->bv_len += part;
		} else {
			if (*n == max)
				break;
			last = &bv[(*n)++];
			bvec_set_page(last, page, part, poff);
			folio = page_folio(page);
			end = folio_page(folio, folio_nr_pages(folio));
		}
		next = page + 1;
		offset += part;
		len -= part;
		bytes += part;
	}
	return bytes;
}
