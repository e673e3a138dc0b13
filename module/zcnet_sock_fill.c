// SPDX-License-Identifier: GPL-2.0
/* Socket sends' zero-copy fill: region pages as frags, without page refs. */
#include <linux/skbuff.h>
#include <linux/uio.h>

/*
 * The stack calls this (msg->sg_from_iter) to add a zero-copy send's bvecs
 * to an skb. An skb that had no frags becomes SKBFL_MANAGED_FRAG_REFS: its
 * frags hold no page references, because the region's long-term pin holds
 * the pages until the descriptor completes, and that is after every skb
 * has let go of its ubuf_info. Where the stack moves such frags into an skb
 * that is not managed, it takes the references itself
 * (skb_zcopy_downgrade_managed()). An skb that already has frags of its
 * own kind gets a reference per frag, as the stack's own fill would.
 * Returns -EMSGSIZE when the frags ran out first, with what fitted added,
 * and -EFAULT for anything but a bvec iterator.
 */
int zcnet_sock_fill(struct sk_buff *skb, struct iov_iter *from, size_t length)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	const struct bio_vec *bv = from->bvec;
	size_t skip = from->iov_offset, done = 0, truesize = 0;
	unsigned int i = sh->nr_frags;
	struct page *page;
	skb_frag_t *last;
	bool managed;
	u32 off, n;

	if (!iov_iter_is_bvec(from))
		return -EFAULT;
	if (!i)
		sh->flags |= SKBFL_MANAGED_FRAG_REFS;
	managed = skb_zcopy_managed(skb);
	length = min(length, iov_iter_count(from));
	while (done < length) {
		off = bv->bv_offset + skip;
		n = min_t(size_t, bv->bv_len - skip, length - done);
		page = bv->bv_page + (off >> PAGE_SHIFT);
		off = offset_in_page(off);
		last = i ? &sh->frags[i - 1] : NULL;
		if (last && skb_frag_page(last) == page &&
		    skb_frag_off(last) + skb_frag_size(last) == off) {
			skb_frag_size_add(last, n);
		} else {
			if (i == MAX_SKB_FRAGS)
				break;
			if (!managed)
				get_page(page);
			__skb_fill_page_desc_noacc(sh, i++, page, off, n);
		}
		truesize += PAGE_ALIGN(off + n);
		done += n;
		skip += n;
		if (skip == bv->bv_len) {
			bv++;
			skip = 0;
		}
	}
	sh->nr_frags = i;
	skb->len += done;
	skb->data_len += done;
	skb->truesize += truesize;
	iov_iter_advance(from, done);
	return done < length ? -EMSGSIZE : 0;
}
