// SPDX-License-Identifier: GPL-2.0
/* Pinning a region's user pages and charging them to the user. */
#include <linux/hugetlb_inline.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "zcnet_region.h"

#define ZCNET_PIN_CHUNK	512UL

atomic_long_t zcnet_pinned_pages = ATOMIC_LONG_INIT(0);

/* Anonymous, memfd/shmem (this includes shared anonymous) or hugetlb. */
static bool zcnet_vma_pinnable(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	if (is_vm_hugetlb_page(vma))
		return true;
	if (!vma->vm_file)
		return vma_is_anonymous(vma);
	return shmem_file(vma->vm_file);
}

static int zcnet_check_vmas(struct mm_struct *mm, unsigned long start,
			    unsigned long end)
{
	struct vm_area_struct *vma;

	while (start < end) {
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start > start)
			return -EFAULT;
		if (!zcnet_vma_pinnable(vma))
			return -EOPNOTSUPP;
		start = vma->vm_end;
	}
	return 0;
}

/* RLIMIT_MEMLOCK the way io_uring and AF_XDP charge it. */
static int zcnet_charge_user(struct user_struct *user, unsigned long nr)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long cur = atomic_long_read(&user->locked_vm);
	unsigned long next;

	do {
		next = cur + nr;
		if (next > limit || next < cur)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, next));
	return 0;
}

static int zcnet_charge(struct zcnet_pin *pin, unsigned long nr)
{
	int err;

	if (!capable(CAP_IPC_LOCK)) {
		pin->user = get_uid(current_user());
		err = zcnet_charge_user(pin->user, nr);
		if (err) {
			free_uid(pin->user);
			pin->user = NULL;
			return err;
		}
	}
	pin->mm = current->mm;
	mmgrab(pin->mm);
	atomic64_add(nr, &pin->mm->pinned_vm);
	return 0;
}

static void zcnet_uncharge(struct zcnet_pin *pin, unsigned long nr)
{
	if (pin->user) {
		atomic_long_sub(nr, &pin->user->locked_vm);
		free_uid(pin->user);
		pin->user = NULL;
	}
	if (pin->mm) {
		atomic64_sub(nr, &pin->mm->pinned_vm);
		mmdrop(pin->mm);
		pin->mm = NULL;
	}
}

static long zcnet_pin_chunk(unsigned long addr, unsigned long nr,
			    struct page **pages)
{
	struct mm_struct *mm = current->mm;
	long ret;

	mmap_read_lock(mm);
	ret = zcnet_check_vmas(mm, addr, addr + (nr << PAGE_SHIFT));
	if (!ret)
		ret = zcnet_pin_user_pages(addr, nr,
					   FOLL_WRITE | FOLL_LONGTERM, pages);
	mmap_read_unlock(mm);
	return ret;
}

/* Charges, then pins nr_pages from addr in the caller's mm. */
int zcnet_pin_range(u64 addr, unsigned long nr_pages, struct zcnet_pin *pin)
{
	unsigned long done = 0;
	long ret;
	int err;

	memset(pin, 0, sizeof(*pin));
	/* Sized by the program: ENOMEM, not the OOM killer, past memory.max. */
	pin->pages = kvmalloc_array(nr_pages, sizeof(*pin->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				    __GFP_NOWARN);
	if (!pin->pages)
		return -ENOMEM;
	err = zcnet_charge(pin, nr_pages);
	if (err)
		goto out_free;

	while (done < nr_pages) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out_unpin;
		}
		ret = zcnet_pin_chunk(addr + (done << PAGE_SHIFT),
				      min(nr_pages - done, ZCNET_PIN_CHUNK),
				      pin->pages + done);
		if (ret <= 0) {
			err = ret ? ret : -EFAULT;
			goto out_unpin;
		}
		done += ret;
		cond_resched();
	}
	pin->nr_pages = nr_pages;
	atomic_long_add(nr_pages, &zcnet_pinned_pages);
	return 0;

out_unpin:
	unpin_user_pages(pin->pages, done);
	zcnet_uncharge(pin, nr_pages);
out_free:
	kvfree(pin->pages);
	pin->pages = NULL;
	return err;
}

/* Sleeps: unpinning dirties the pages under the page lock. */
void zcnet_pin_release(struct zcnet_pin *pin)
{
	unsigned long nr = pin->nr_pages;

	unpin_user_pages_dirty_lock(pin->pages, nr, true);
	atomic_long_sub(nr, &zcnet_pinned_pages);
	zcnet_uncharge(pin, nr);
	kvfree(pin->pages);
	pin->pages = NULL;
	pin->nr_pages = 0;
}
