// SPDX-License-Identifier: GPL-2.0
/* The shared rings: layout, mapping, and the kernel side of each index. */
#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "zcnet_ring.h"

/*
 * Ring memory ordering. Each ring has one producer and one consumer; one of
 * them is user space, which may write anything at any time.
 *
 *   producer                              consumer
 *   cons = LOAD_ACQ(consumer)      (C)    prod = LOAD_ACQ(producer)    (B)
 *   if (prod - cons < entries)            if (prod != cons)
 *     write slot[prod & mask]               read slot[cons & mask] once
 *     STORE_REL(producer, ++prod)  (A)      STORE_REL(consumer, ++cons) (D)
 *
 * (A) pairs with (B): the consumer sees the slot contents written before
 * the producer index it loaded. (D) pairs with (C): the producer overwrites
 * a slot only after the consumer has finished reading it.
 *
 * The kernel never trusts an index it does not own: it keeps its own
 * cached_prod or cached_cons, publishes it with (A) or (D), and checks the
 * user's index against it. A distance above the ring size means the user
 * corrupted its index; the caller gets -EINVAL and nothing moves. Slots are
 * always addressed through the mask, so no index can reach outside the
 * ring, and each user-written slot is copied once before it is validated.
 */

#define ZCNET_RING_MMAP_STRIDE	BIT_ULL(28)

static_assert(sizeof(struct zcnet_cq_entry_ts) == ZCNET_CQ_ENTRY_TS_SIZE);
static_assert(sizeof(struct zcnet_rx_desc_ts) == ZCNET_RX_DESC_TS_SIZE);
static_assert(offsetof(struct zcnet_cq_entry_ts, tstamp) ==
	      sizeof(struct zcnet_cq_entry));
static_assert(offsetof(struct zcnet_rx_desc_ts, tstamp) ==
	      sizeof(struct zcnet_rx_desc));

/*
 * The size of one entry of ring id, as the setup flags ask for it: the
 * default layout, or the longer one that ends in a timestamp.
 */
u32 zcnet_kring_entry_size(enum zcnet_kring_id id, u32 setup_flags)
{
	switch (id) {
	case ZCNET_RING_TX:
		return sizeof(struct zcnet_tx_desc);
	case ZCNET_RING_CQ:
		return setup_flags & ZCNET_SETUP_CQ_TSTAMP ?
		       sizeof(struct zcnet_cq_entry_ts) :
		       sizeof(struct zcnet_cq_entry);
	case ZCNET_RING_FILL:
		return sizeof(struct zcnet_fill_desc);
	case ZCNET_RING_RX:
		return setup_flags & ZCNET_SETUP_RX_TSTAMP ?
		       sizeof(struct zcnet_rx_desc_ts) :
		       sizeof(struct zcnet_rx_desc);
	default:
		return 0;
	}
}

bool zcnet_kring_entries_valid(u32 entries)
{
	return is_power_of_2(entries) && entries >= ZCNET_RING_MIN_ENTRIES &&
	       entries <= ZCNET_RING_MAX_ENTRIES;
}

u64 zcnet_kring_mmap_offset(enum zcnet_kring_id id)
{
	return (u64)id * ZCNET_RING_MMAP_STRIDE;
}

static size_t zcnet_kring_desc_offset(void)
{
	return ALIGN(sizeof(struct zcnet_kring_hdr), SMP_CACHE_BYTES);
}

struct zcnet_kring *zcnet_kring_alloc(enum zcnet_kring_id id, u32 entries,
				      u32 setup_flags)
{
	struct zcnet_kring *ring;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!ring)
		return NULL;
	ring->entries = entries;
	ring->mask = entries - 1;
	ring->entry_size = zcnet_kring_entry_size(id, setup_flags);
	ring->len = PAGE_ALIGN(zcnet_kring_desc_offset() +
			       (size_t)entries * ring->entry_size);
	ring->mmap_offset = zcnet_kring_mmap_offset(id);
	/*
	 * Ring memory lives as long as the context and any mapping of it, so
	 * it is charged to the memory cgroup of the task that sets the rings
	 * up, as io_uring charges its rings. Beyond the cgroup's limit the
	 * setup fails with ENOMEM rather than calling the OOM killer.
	 */
	ring->hdr = __vmalloc(ring->len, GFP_KERNEL_ACCOUNT | __GFP_ZERO |
			      __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!ring->hdr) {
		kfree(ring);
		return NULL;
	}
	ring->desc = (void *)ring->hdr + zcnet_kring_desc_offset();
	return ring;
}

void zcnet_kring_free(struct zcnet_kring *ring)
{
	if (!ring)
		return;
	vfree(ring->hdr);
	kfree(ring);
}

/*
 * Maps the ring's pages, from the first, into a VMA no longer than it, as
 * remap_vmalloc_range() would for vmalloc_user() memory, which cannot be
 * charged to a memory cgroup.
 */
int zcnet_kring_mmap(struct zcnet_kring *ring, struct vm_area_struct *vma)
{
	unsigned long addr;
	void *kaddr = ring->hdr;
	int err;

	if (vma->vm_end - vma->vm_start > ring->len)
		return -EINVAL;
	zcnet_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		err = vm_insert_page(vma, addr, vmalloc_to_page(kaddr));
		if (err)
			return err;
		kaddr += PAGE_SIZE;
	}
	return 0;
}

void zcnet_kring_offsets(const struct zcnet_kring *ring,
			 struct zcnet_ring_offset *off)
{
	off->mmap_offset = ring->mmap_offset;
	off->mmap_len = ring->len;
	off->producer = offsetof(struct zcnet_kring_hdr, producer);
	off->consumer = offsetof(struct zcnet_kring_hdr, consumer);
	off->flags = offsetof(struct zcnet_kring_hdr, flags);
	off->desc = zcnet_kring_desc_offset();
	off->entries = ring->entries;
	off->entry_size = ring->entry_size;
}

/* Kernel consumes (TX, FILL): how many entries are ready, at most max. */
int zcnet_kring_cons_peek(struct zcnet_kring *ring, u32 max, u32 *n)
{
	u32 avail = smp_load_acquire(&ring->hdr->producer) - ring->cached_cons; /* (B) */

	if (avail > ring->entries)
		return -EINVAL;
	*n = min(avail, max);
	return 0;
}

void zcnet_kring_cons_release(struct zcnet_kring *ring, u32 n)
{
	WRITE_ONCE(ring->cached_cons, ring->cached_cons + n);
	smp_store_release(&ring->hdr->consumer, ring->cached_cons); /* (D) */
}

/* Kernel produces (CQ, RX): how many slots the user has freed. */
int zcnet_kring_prod_free(struct zcnet_kring *ring, u32 *free)
{
	u32 used = ring->cached_prod - smp_load_acquire(&ring->hdr->consumer); /* (C) */

	if (used > ring->entries)
		return -EINVAL;
	*free = ring->entries - used;
	return 0;
}

void zcnet_kring_prod_submit(struct zcnet_kring *ring)
{
	WRITE_ONCE(ring->published_prod, ring->cached_prod);
	smp_store_release(&ring->hdr->producer, ring->cached_prod); /* (A) */
}

/* For poll: entries the kernel published that the user has not consumed. */
int zcnet_kring_user_pending(const struct zcnet_kring *ring, u32 *n)
{
	u32 used = READ_ONCE(ring->published_prod) -
		   READ_ONCE(ring->hdr->consumer);

	if (used > ring->entries)
		return -EINVAL;
	*n = used;
	return 0;
}

/* For poll: free slots the user may still produce into. */
int zcnet_kring_user_room(const struct zcnet_kring *ring, u32 *n)
{
	u32 used = READ_ONCE(ring->hdr->producer) - READ_ONCE(ring->cached_cons);

	if (used > ring->entries)
		return -EINVAL;
	*n = ring->entries - used;
	return 0;
}
