/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels lives here, keyed by the
 * ZCNET_* probes that Kbuild runs against the target's headers. The core
 * files use only the zcnet_* names below.
 */
#ifndef _ZCNET_COMPAT_H
#define _ZCNET_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#ifdef ZCNET_NET_GSO_H
#include <net/gso.h>		/* 6.4 moved the GSO helpers here */
#endif

/* 6.8 dropped the count argument. */
static inline void zcnet_eventfd_signal(struct eventfd_ctx *ev)
{
#ifdef ZCNET_EVENTFD_SIGNAL_COUNT
	eventfd_signal(ev, 1);
#else
	eventfd_signal(ev);
#endif
}

/* 6.5 dropped the vmas argument. Caller holds mmap_read_lock. */
static inline long zcnet_pin_user_pages(unsigned long start,
					unsigned long nr, unsigned int flags,
					struct page **pages)
{
#ifdef ZCNET_PIN_USER_PAGES_VMAS
	return pin_user_pages(start, nr, flags, pages, NULL);
#else
	return pin_user_pages(start, nr, flags, pages);
#endif
}

/* 6.3 made vm_flags read-only outside the helpers. */
static inline void zcnet_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef ZCNET_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * 6.10 moved the zero-copy completion callback into struct ubuf_info_ops.
 * A struct zcnet_ubuf_ops, set up with ZCNET_UBUF_OPS_INIT(fn), is what
 * zcnet_ubuf_set_ops() installs on either.
 */
#ifdef ZCNET_UBUF_INFO_OPS
struct zcnet_ubuf_ops {
	struct ubuf_info_ops ops;
};

#define ZCNET_UBUF_OPS_INIT(fn)	{ .ops = { .complete = (fn) } }

static inline void zcnet_ubuf_set_ops(struct ubuf_info *uarg,
				      const struct zcnet_ubuf_ops *ops)
{
	uarg->ops = &ops->ops;
}
#else
struct zcnet_ubuf_ops {
	void (*complete)(struct sk_buff *skb, struct ubuf_info *uarg,
			 bool success);
};

#define ZCNET_UBUF_OPS_INIT(fn)	{ .complete = (fn) }

static inline void zcnet_ubuf_set_ops(struct ubuf_info *uarg,
				      const struct zcnet_ubuf_ops *ops)
{
	uarg->callback = ops->complete;
}
#endif

#endif /* _ZCNET_COMPAT_H */
