/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TX_BUF_H
#define _ZCNET_TX_BUF_H

#include <linux/skbuff.h>

struct zcnet_kctx;
struct zcnet_region;
struct zcnet_sock;

/*
 * One descriptor in flight, raw frame or socket send: the ubuf_info its
 * skbs carry, and what the completion needs. Its references: one per skb
 * (dropped by the stack when it frees the skb, or by skb_copy_ubufs() when
 * it copies) and the sender's, held until the driver or the socket has
 * taken all of the buffer. A member of a stream's zero-copy group is also
 * held by the group's head, and the head by itself while the group is
 * open (zcnet_sock_send.c). The last reference goes through the sender's
 * completion ops (zcnet_tx_raw.c or zcnet_sock_send.c), which post it.
 */
struct zcnet_tx_buf {
	struct ubuf_info ubuf;
	struct list_head node;		/* ctx->tx_pending or sock->queue */
	struct llist_node spare;	/* ctx->tx_bufs or tx_bufs_done */
	struct zcnet_kctx *ctx;
	struct zcnet_region *region;
	struct sk_buff *skb;		/* raw: while not yet handed over */
	struct zcnet_sock *sock;	/* socket sends only */
	struct list_head order;		/* sock->order */
	struct zcnet_tx_buf *group;	/* stream zero copy: the group's head */
	struct list_head riders;	/* head: the others of its group */
	struct list_head ride;		/* head's riders, then release's list */
	u64 cookie;
	u64 offset;
	u32 len;
	u32 sent;			/* bytes the socket took */
	s32 result;
	u16 gso_size;			/* UDP: a train of this size */
	bool copied;
	bool tapped;
	bool validated;		/* raw: passed the stack's checks */
	bool more;
	bool copy_mode;			/* socket: copied on purpose */
	bool rejected;			/* result set at submit */
	bool zc_used;			/* an skb held the pages to the end */
	bool done;			/* waits for earlier ones of its slot */
	bool rode;			/* joined a group as a rider */
};

/* Spare buffers a context keeps for reuse, at most. */
#define ZCNET_TX_BUF_SPARE	1024

int zcnet_tx_buf_init(void);
void zcnet_tx_buf_exit(void);
struct zcnet_tx_buf *zcnet_tx_buf_alloc(struct zcnet_kctx *ctx,
					struct zcnet_region *r, u64 cookie,
					u32 len,
					const struct zcnet_ubuf_ops *ops);
void zcnet_tx_buf_attach(struct zcnet_tx_buf *t, struct sk_buff *skb);
void zcnet_tx_buf_put(struct zcnet_tx_buf *t);
bool zcnet_tx_buf_unref(struct zcnet_tx_buf *t, struct sk_buff *skb,
			bool success);
void zcnet_tx_buf_post(struct zcnet_tx_buf *t, u32 flags);
void zcnet_tx_bufs_free(struct zcnet_kctx *ctx);

#endif /* _ZCNET_TX_BUF_H */
