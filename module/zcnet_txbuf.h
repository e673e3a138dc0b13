/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TXBUF_H
#define _ZCNET_TXBUF_H

#include <linux/skbuff.h>

struct zcnet_ctx;
struct zcnet_region;

/*
 * One raw frame in flight: the ubuf_info its skb carries, and what the
 * completion needs. Its references: the skb's (dropped by the stack when
 * the driver frees the skb, or by skb_copy_ubufs() when the stack copies)
 * and the sender's, held across the hand-over to the driver.
 */
struct zcnet_txbuf {
	struct ubuf_info ubuf;
	struct list_head node;		/* ctx->tx_pending */
	struct zcnet_ctx *ctx;
	struct zcnet_region *region;
	struct sk_buff *skb;		/* while not yet handed over */
	u64 cookie;
	s32 result;
	bool copied;
	bool tapped;
};

int zcnet_txbuf_init(void);
void zcnet_txbuf_exit(void);
struct zcnet_txbuf *zcnet_txbuf_alloc(struct zcnet_ctx *ctx,
				      struct zcnet_region *r, u64 cookie,
				      u32 len);
void zcnet_txbuf_attach(struct zcnet_txbuf *t, struct sk_buff *skb);
void zcnet_txbuf_put(struct zcnet_txbuf *t);

#endif /* _ZCNET_TXBUF_H */
