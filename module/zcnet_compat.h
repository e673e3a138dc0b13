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
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <linux/zcnet.h>
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

/*
 * 6.2 took the socket out of msghdr's sg_from_iter, and moved the socket's
 * charge for what it adds to the caller. zcnet_sock_sg_from_iter() is
 * zcnet_sock_fill() (zcnet_sock_fill.c) in the running kernel's shape.
 */
int zcnet_sock_fill(struct sk_buff *skb, struct iov_iter *from, size_t length);

#ifdef ZCNET_SG_FROM_ITER_SOCK
static inline int zcnet_sock_sg_from_iter(struct sock *sk, struct sk_buff *skb,
					  struct iov_iter *from, size_t length)
{
	unsigned int truesize = skb->truesize;
	int ret = zcnet_sock_fill(skb, from, length);

	truesize = skb->truesize - truesize;
	if (sk && sk->sk_type == SOCK_STREAM) {
		sk_wmem_queued_add(sk, truesize);
		if (!skb_zcopy_pure(skb))
			sk_mem_charge(sk, truesize);
	} else {
		refcount_add(truesize, &skb->sk->sk_wmem_alloc);
	}
	return ret;
}
#else
static inline int zcnet_sock_sg_from_iter(struct sk_buff *skb,
					  struct iov_iter *from, size_t length)
{
	return zcnet_sock_fill(skb, from, length);
}
#endif

/*
 * 6.2 taught virtio_net_hdr_to_skb() UDP segmentation offload (USO). On
 * older kernels the stack segments SKB_GSO_UDP_L4 all the same, so zcnet
 * sets it up with the checks 6.2 added. The header is little-endian.
 */
static inline int zcnet_vnet_hdr_to_skb(struct sk_buff *skb,
					const struct virtio_net_hdr *h)
{
#ifdef ZCNET_VNET_HDR_UDP_L4
	return virtio_net_hdr_to_skb(skb, h, true);
#else
	struct virtio_net_hdr plain = *h;
	u16 gso_size = __virtio16_to_cpu(true, h->gso_size);
	u32 p_off;
	int err;

	if (h->gso_type != ZCNET_VNET_GSO_UDP_L4)
		return virtio_net_hdr_to_skb(skb, h, true);
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !gso_size ||
	    gso_size == GSO_BY_FRAGS)
		return -EINVAL;
	plain.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	plain.gso_size = 0;
	err = virtio_net_hdr_to_skb(skb, &plain, true);
	if (err)
		return err;
	p_off = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (skb->csum_offset != offsetof(struct udphdr, check) ||
	    !pskb_may_pull(skb, p_off) ||
	    skb->len - p_off > gso_size * UDP_MAX_SEGMENTS)
		return -EINVAL;
	if (skb->len - p_off > gso_size) {
		skb_shinfo(skb)->gso_size = gso_size;
		skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4 | SKB_GSO_DODGY;
		skb_shinfo(skb)->gso_segs = 0;
	}
	return 0;
#endif
}

#endif /* _ZCNET_COMPAT_H */
