// SPDX-License-Identifier: GPL-2.0
/* skb heads for raw frames: a context's ring of pages, reused unzeroed. */
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "zcnet_tx_head.h"

/*
 * Each page is cut into ZCNET_TX_HEAD_SIZE slots. The ring holds one
 * reference to each of its pages, and every skb built on a slot holds one
 * more (a head_frag head), which the stack drops when it frees the head. A
 * page whose count is back to the ring's one has no skb left on it: all of
 * its slots may be written again. Seeing that count orders the stack's last
 * use of the head (its put is fully ordered) before our writes.
 *
 * The ring is walked in order, and frames complete roughly in the order
 * they were built, so the page the walk comes to is usually free. When it
 * is not (an skb that the driver or a tap holds on to), the walk looks a
 * few pages further, and only then puts a new page in, up to 1 MiB of
 * them; past that the caller allocates its skb as usual. A page is zeroed
 * once, when it is allocated, not for every frame as slab objects are
 * under init_on_alloc; like any skb head, a slot's headroom is not
 * cleared. kmemleak scans the pages while the ring holds them: a head
 * holds the only pointer to its frame's zcnet_tx_buf.
 */
static bool zcnet_tx_head_reuse(struct zcnet_tx_heads *h, u16 i)
{
	if (page_ref_count(h->pages[i]) != 1)
		return false;
	smp_acquire__after_ctrl_dep();
	h->cur = i;
	h->slot = 0;
	return true;
}

static bool zcnet_tx_head_next(struct zcnet_tx_heads *h)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN;
	struct page *page;
	u16 i, next;

	for (i = 1; i <= min_t(u16, h->npages, ZCNET_TX_HEAD_SKIP); i++)
		if (zcnet_tx_head_reuse(h, (h->cur + i) % h->npages))
			return true;
	if (h->npages == ZCNET_TX_HEAD_PAGES)
		return false;
	if (!h->pages) {
		h->pages = kcalloc(ZCNET_TX_HEAD_PAGES, sizeof(*h->pages), gfp);
		if (!h->pages)
			return false;
	}
	page = alloc_page(gfp);
	if (!page)
		return false;
	kmemleak_alloc(page_address(page), PAGE_SIZE, 0, gfp);
	next = h->npages ? h->cur + 1 : 0;
	memmove(&h->pages[next + 1], &h->pages[next],
		(h->npages - next) * sizeof(*h->pages));
	h->pages[next] = page;
	h->npages++;
	h->cur = next;
	h->slot = 0;
	return true;
}

/*
 * A ZCNET_TX_HEAD_SIZE head for napi_build_skb(), with a page reference
 * the skb takes over, or NULL.
 */
void *zcnet_tx_head_get(struct zcnet_tx_heads *h)
{
	struct page *page;

	if ((!h->npages || h->slot == ZCNET_TX_HEAD_SLOTS) &&
	    !zcnet_tx_head_next(h))
		return NULL;
	page = h->pages[h->cur];
	get_page(page);
	return page_address(page) + h->slot++ * ZCNET_TX_HEAD_SIZE;
}

/* Pages that skbs still use are freed by the last of them. */
void zcnet_tx_heads_free(struct zcnet_tx_heads *h)
{
	u16 i;

	for (i = 0; i < h->npages; i++) {
		kmemleak_free(page_address(h->pages[i]));
		put_page(h->pages[i]);
	}
	kfree(h->pages);
	memset(h, 0, sizeof(*h));
}
