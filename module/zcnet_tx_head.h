/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TX_HEAD_H
#define _ZCNET_TX_HEAD_H

#include <linux/sizes.h>
#include <linux/types.h>

struct page;

#define ZCNET_TX_HEAD_SIZE	1024
#define ZCNET_TX_HEAD_SLOTS	(PAGE_SIZE / ZCNET_TX_HEAD_SIZE)
#define ZCNET_TX_HEAD_PAGES	(SZ_1M / PAGE_SIZE)
/* Pages after a busy one that are looked at before the ring grows. */
#define ZCNET_TX_HEAD_SKIP	8

/* A context's pages for raw frames' skb heads; under its tx_lock. */
struct zcnet_tx_heads {
	struct page **pages;		/* the ring, ZCNET_TX_HEAD_PAGES long */
	u16 npages;			/* allocated so far */
	u16 cur;			/* the page heads come from now */
	u16 slot;			/* its next free slot */
};

void *zcnet_tx_head_get(struct zcnet_tx_heads *h);
void zcnet_tx_heads_free(struct zcnet_tx_heads *h);

#endif /* _ZCNET_TX_HEAD_H */
