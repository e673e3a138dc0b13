/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_SOCK_SLOT_H
#define _ZCNET_SOCK_SLOT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/zcnet.h>

struct file;
struct socket;
struct zcnet_kctx;
struct zcnet_sock_attach;
struct zcnet_tx_buf;

/*
 * Bvecs one sendmsg() call takes at most, on the sender's stack: a 64 KiB
 * buffer of 4 KiB pages at any offset, as MAX_SKB_FRAGS. Longer buffers
 * take several calls.
 */
#define ZCNET_SOCK_BVECS	17

/* A stream's zero-copy group (zcnet_sock_send.c) holds at most this much. */
#define ZCNET_SOCK_GROUP_BYTES	(512u << 10)
#define ZCNET_SOCK_GROUP_DESCS	64

/*
 * An attached socket. The context's slot holds one reference, and so do
 * every descriptor queued or in flight on it and a kick's push list; the
 * socket's file is held from attach to detach. Locks: ctx->tx_lock (slot table) and lock (the
 * send queue and the socket, then the socket's own) are never held
 * together, so no wait for a socket stalls the table; in_lock hands
 * descriptors from kicks to the sender; order_lock guards the completion
 * order from any context.
 */
struct zcnet_sock {
	struct kref ref;
	struct zcnet_kctx *ctx;
	struct file *file;
	struct socket *sock;
	struct rhash_head stream_node;	/* ctx->sock_streams */
	struct list_head push_node;	/* a kick's push list */
	unsigned long push_queued;	/* bit 0: on one; see zcnet_sock_push */
	bool stream;
	bool detached;			/* under lock */
	int err;			/* stream broken: later descs fail */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} addr;
	int addrlen;			/* 0: the connected peer */

	struct mutex lock;
	struct list_head queue;		/* not yet taken by the socket */
	spinlock_t in_lock;
	struct list_head incoming;	/* queued by kicks, not yet in queue */
	bool blocked;			/* waiting for room; under lock */
	struct zcnet_tx_buf *group;	/* open zero-copy group; under lock */
	u32 group_bytes;
	u32 group_descs;
	struct work_struct work;
	struct wait_queue_entry wait;	/* on the socket's wait queue */

	spinlock_t order_lock;
	struct list_head order;		/* queued and in flight, ring order */
};

int zcnet_sock_init(void);
void zcnet_sock_exit(void);
int zcnet_sock_slots_init(struct zcnet_kctx *ctx);
void zcnet_sock_slots_free(struct zcnet_kctx *ctx);
int zcnet_sock_add(struct zcnet_kctx *ctx, const struct zcnet_sock_attach *a,
		   u32 __user *uslot);
int zcnet_sock_remove(struct zcnet_kctx *ctx, u32 slot);
void zcnet_sock_remove_all(struct zcnet_kctx *ctx);
void zcnet_sock_queue_push(struct zcnet_kctx *ctx, struct zcnet_sock *s);
void zcnet_sock_take_pushes(struct zcnet_kctx *ctx, struct list_head *pushes);
void zcnet_sock_push(struct zcnet_kctx *ctx, struct list_head *pushes);
struct zcnet_sock *zcnet_sock_lookup(struct zcnet_kctx *ctx, u32 slot);
void zcnet_sock_put(struct zcnet_sock *s);
void zcnet_sock_queue_work(struct zcnet_sock *s);

#endif /* _ZCNET_SOCK_SLOT_H */
