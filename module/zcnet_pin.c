// SPDX-License-Identifier: GPL-2.0
/* Pinning a region's user pages, charging them to the user, sharing them. */
#include <linux/cred.h>
#include <linux/fs.h>
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

/*
 * Whether a region may pin the pages of vma: anonymous, memfd/shmem (this
 * includes shared anonymous) or hugetlb memory; and, for a read-only
 * region, a shared mapping of a regular file that is not writable: its
 * page-cache pages, which the kernel pins long-term only for reading.
 * Files on DAX have no page cache to pin: the kernel refuses long-term
 * pins of them, as GUP would. 0 or -errno.
 */
static int zcnet_vma_check(struct vm_area_struct *vma, bool readonly)
{
	struct file *file = vma->vm_file;

	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EOPNOTSUPP;
	if (is_vm_hugetlb_page(vma))
		return 0;
	if (!file)
		return vma_is_anonymous(vma) ? 0 : -EOPNOTSUPP;
	if (shmem_file(file))
		return 0;
	/* MAP_SHARED of a file opened read-only has VM_MAYSHARE only. */
	if (!readonly || !S_ISREG(file_inode(file)->i_mode) ||
	    !(vma->vm_flags & VM_MAYSHARE) || vma_is_fsdax(vma))
		return -EOPNOTSUPP;
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	return 0;
}

/* Memory the process may write, not a file's page cache. */
static bool zcnet_vma_writable_memory(struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_WRITE) &&
	       (!vma->vm_file || shmem_file(vma->vm_file) ||
		is_vm_hugetlb_page(vma));
}

/*
 * Checks the mappings from start on, up to end; returns how many bytes of
 * them to pin alike, in *write's way, or -errno. A writable region's are
 * pinned for writing. A read-only region's are too where they are
 * writable memory, so that untouched anonymous pages are faulted in as
 * the process's own, not pinned as the shared zero page that its later
 * writes would leave behind; files and memory without PROT_WRITE are
 * pinned for reading. The bytes returned stop where that changes.
 */
static long zcnet_check_vmas(struct mm_struct *mm, unsigned long start,
			     unsigned long end, bool readonly, bool *write)
{
	struct vm_area_struct *vma;
	unsigned long at = start;
	bool w;
	int err;

	while (at < end) {
		vma = find_vma(mm, at);
		if (!vma || vma->vm_start > at)
			return -EFAULT;
		err = zcnet_vma_check(vma, readonly);
		if (err)
			return err;
		w = !readonly || zcnet_vma_writable_memory(vma);
		if (at == start)
			*write = w;
		else if (w != *write)
			break;
		at = vma->vm_end;
	}
	return min(at, end) - start;
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

static int zcnet_charge(struct zcnet_pinned *p, unsigned long nr)
{
	int err;

	if (!capable(CAP_IPC_LOCK)) {
		p->user = get_uid(current_user());
		err = zcnet_charge_user(p->user, nr);
		if (err) {
			free_uid(p->user);
			p->user = NULL;
			return err;
		}
	}
	p->mm = current->mm;
	mmgrab(p->mm);
	atomic64_add(nr, &p->mm->pinned_vm);
	return 0;
}

static void zcnet_uncharge(struct zcnet_pinned *p, unsigned long nr)
{
	if (p->user) {
		atomic_long_sub(nr, &p->user->locked_vm);
		free_uid(p->user);
		p->user = NULL;
	}
	if (p->mm) {
		atomic64_sub(nr, &p->mm->pinned_vm);
		mmdrop(p->mm);
		p->mm = NULL;
	}
}

/* The kernel never writes a read-only region's pages, however pinned. */
static long zcnet_pin_chunk(unsigned long addr, unsigned long nr,
			    bool readonly, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	bool write;
	long ret;

	mmap_read_lock(mm);
	ret = zcnet_check_vmas(mm, addr, addr + (nr << PAGE_SHIFT), readonly,
			       &write);
	if (ret > 0)
		ret = zcnet_pin_user_pages(addr, ret >> PAGE_SHIFT, write ?
					   FOLL_WRITE | FOLL_LONGTERM :
					   FOLL_LONGTERM, pages);
	mmap_read_unlock(mm);
	return ret;
}

static void zcnet_pinned_free(struct zcnet_pinned *p)
{
	kvfree(p->pages);
	if (p->cred)
		put_cred(p->cred);
	kfree(p);
}

/* Charges, then pins nr_pages from addr in the caller's mm. */
int zcnet_pin_range(u64 addr, unsigned long nr_pages, bool readonly,
		    struct zcnet_pin *pin)
{
	struct zcnet_pinned *p;
	unsigned long done = 0;
	long ret;
	int err;

	memset(pin, 0, sizeof(*pin));
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	/* Sized by the program: ENOMEM, not the OOM killer, past memory.max. */
	p->pages = kvmalloc_array(nr_pages, sizeof(*p->pages),
				  GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
				  __GFP_NOWARN);
	if (!p->pages) {
		err = -ENOMEM;
		goto out_free;
	}
	err = zcnet_charge(p, nr_pages);
	if (err)
		goto out_free;

	while (done < nr_pages) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto out_unpin;
		}
		ret = zcnet_pin_chunk(addr + (done << PAGE_SHIFT),
				      min(nr_pages - done, ZCNET_PIN_CHUNK),
				      readonly, p->pages + done);
		if (ret <= 0) {
			err = ret ? ret : -EFAULT;
			goto out_unpin;
		}
		done += ret;
		cond_resched();
	}
	p->nr_pages = nr_pages;
	p->readonly = readonly;
	p->cred = get_current_cred();
	refcount_set(&p->ref, 1);
	atomic_long_add(nr_pages, &zcnet_pinned_pages);
	pin->pages = p->pages;
	pin->pinned = p;
	return 0;

out_unpin:
	unpin_user_pages(p->pages, done);
	zcnet_uncharge(p, nr_pages);
out_free:
	zcnet_pinned_free(p);
	return err;
}

/*
 * A reference on the pages a region holds, for another context to import,
 * or NULL if it holds none. The region must stay in its table meanwhile
 * (RCU read side, or the table's lock).
 */
struct zcnet_pinned *zcnet_pin_tryget(const struct zcnet_pin *pin)
{
	struct zcnet_pinned *p = pin->pinned;

	return p && refcount_inc_not_zero(&p->ref) ? p : NULL;
}

/* Gives pin the reference zcnet_pin_tryget() took. */
void zcnet_pin_share(struct zcnet_pin *pin, struct zcnet_pinned *p)
{
	pin->pages = p->pages;
	pin->pinned = p;
}

/*
 * Sleeps: the last reference unpins, dirtying the pages under their lock
 * unless the region was read-only: the kernel wrote nothing to those, and
 * a file's page cache must not be marked dirty for nothing (a truncated
 * file's page has no mapping left to dirty).
 */
void zcnet_pin_put(struct zcnet_pinned *p)
{
	unsigned long nr = p->nr_pages;

	if (!refcount_dec_and_test(&p->ref))
		return;
	if (p->readonly)
		unpin_user_pages(p->pages, nr);
	else
		unpin_user_pages_dirty_lock(p->pages, nr, true);
	atomic_long_sub(nr, &zcnet_pinned_pages);
	zcnet_uncharge(p, nr);
	zcnet_pinned_free(p);
}

/* Drops the region's hold on its pages; sleeps. */
void zcnet_pin_release(struct zcnet_pin *pin)
{
	struct zcnet_pinned *p = pin->pinned;

	pin->pages = NULL;
	pin->pinned = NULL;
	if (p)
		zcnet_pin_put(p);
}
