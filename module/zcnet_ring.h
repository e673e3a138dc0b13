/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RING_H
#define _ZCNET_RING_H

#include <linux/cache.h>
#include <linux/types.h>
#include <linux/zcnet.h>

struct vm_area_struct;

enum zcnet_kring_id {
	ZCNET_RING_TX,
	ZCNET_RING_CQ,
	ZCNET_RING_FILL,
	ZCNET_RING_RX,
	ZCNET_RING_NR,
};

/* The shared part. Only zcnet_ring.c knows this layout; users get offsets. */
struct zcnet_kring_hdr {
	u32 producer ____cacheline_aligned_in_smp;
	u32 consumer ____cacheline_aligned_in_smp;
	u32 flags ____cacheline_aligned_in_smp;
};

struct zcnet_kring {
	struct zcnet_kring_hdr *hdr;	/* vmalloc'ed, mapped by the user */
	void *desc;
	u32 entries;
	u32 mask;
	u32 entry_size;
	u32 cached_prod;		/* kernel's copy when it produces */
	u32 published_prod;		/* what (A) last made visible */
	u32 cached_cons;		/* kernel's copy when it consumes */
	size_t len;
	u64 mmap_offset;
};

bool zcnet_kring_entries_valid(u32 entries);
u32 zcnet_kring_entry_size(enum zcnet_kring_id id, u32 setup_flags);
struct zcnet_kring *zcnet_kring_alloc(enum zcnet_kring_id id, u32 entries,
				      u32 setup_flags);
void zcnet_kring_free(struct zcnet_kring *ring);
int zcnet_kring_mmap(struct zcnet_kring *ring, struct vm_area_struct *vma);
void zcnet_kring_offsets(const struct zcnet_kring *ring,
			 struct zcnet_ring_offset *off);
u64 zcnet_kring_mmap_offset(enum zcnet_kring_id id);

int zcnet_kring_cons_peek(struct zcnet_kring *ring, u32 max, u32 *n);
void zcnet_kring_cons_release(struct zcnet_kring *ring, u32 n);
int zcnet_kring_prod_free(struct zcnet_kring *ring, u32 *free);
void zcnet_kring_prod_submit(struct zcnet_kring *ring);
int zcnet_kring_user_pending(const struct zcnet_kring *ring, u32 *n);
int zcnet_kring_user_room(const struct zcnet_kring *ring, u32 *n);

static inline void *zcnet_kring_slot(const struct zcnet_kring *ring, u32 idx)
{
	return ring->desc + (size_t)(idx & ring->mask) * ring->entry_size;
}

#endif /* _ZCNET_RING_H */
