/* SPDX-License-Identifier: GPL-2.0 */
/* The zcnet trace system: what an operator follows with perf or bpftrace. */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zcnet

#if !defined(_ZCNET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZCNET_TRACE_H

#include <linux/tracepoint.h>

#include "zcnet_rx.h"

/* The rx_drop reasons, resolved for perf and bpftrace. */
TRACE_DEFINE_ENUM(ZCNET_RX_DROP_NOBUF);
TRACE_DEFINE_ENUM(ZCNET_RX_DROP_SIZE);
TRACE_DEFINE_ENUM(ZCNET_RX_DROP_SPLIT);

/* A kick, or the retry work finishing one: descriptors taken, busy. */
TRACE_EVENT(zcnet_kick,
	TP_PROTO(u32 ctx, bool kick, u32 taken, bool busy),
	TP_ARGS(ctx, kick, taken, busy),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(bool, kick)
		__field(u32, taken)
		__field(bool, busy)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->kick = kick;
		__entry->taken = taken;
		__entry->busy = busy;
	),
	TP_printk("ctx=%u kick=%d taken=%u busy=%d", __entry->ctx,
		  __entry->kick, __entry->taken, __entry->busy)
);

/* A TX descriptor completed: its buffer is the program's again. */
TRACE_EVENT(zcnet_tx_complete,
	TP_PROTO(u32 ctx, u64 cookie, s32 result, bool copied),
	TP_ARGS(ctx, cookie, result, copied),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(u64, cookie)
		__field(s32, result)
		__field(bool, copied)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->cookie = cookie;
		__entry->result = result;
		__entry->copied = copied;
	),
	TP_printk("ctx=%u cookie=%llu result=%d copied=%d", __entry->ctx,
		  __entry->cookie, __entry->result, __entry->copied)
);

/* A busy device queue held raw frames back; they are retried. */
TRACE_EVENT(zcnet_tx_busy,
	TP_PROTO(u32 ctx, int ifindex, u16 queue, u32 pending),
	TP_ARGS(ctx, ifindex, queue, pending),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(int, ifindex)
		__field(u16, queue)
		__field(u32, pending)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->ifindex = ifindex;
		__entry->queue = queue;
		__entry->pending = pending;
	),
	TP_printk("ctx=%u ifindex=%d queue=%u pending=%u", __entry->ctx,
		  __entry->ifindex, __entry->queue, __entry->pending)
);

/* A frame the context's rule took could not be delivered. */
TRACE_EVENT(zcnet_rx_drop,
	TP_PROTO(u32 ctx, int ifindex, u32 len, int reason),
	TP_ARGS(ctx, ifindex, len, reason),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(int, ifindex)
		__field(u32, len)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->ifindex = ifindex;
		__entry->len = len;
		__entry->reason = reason;
	),
	TP_printk("ctx=%u ifindex=%d len=%u reason=%s", __entry->ctx,
		  __entry->ifindex, __entry->len,
		  __print_symbolic(__entry->reason,
				   { ZCNET_RX_DROP_NOBUF, "nobuf" },
				   { ZCNET_RX_DROP_SIZE, "size" },
				   { ZCNET_RX_DROP_SPLIT, "split" }))
);

DECLARE_EVENT_CLASS(zcnet_binding,
	TP_PROTO(u32 ctx, u32 flags, int ifindex, u32 queue, u32 rx_match,
		 u32 rx_queue),
	TP_ARGS(ctx, flags, ifindex, queue, rx_match, rx_queue),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(u32, flags)
		__field(int, ifindex)
		__field(u32, queue)
		__field(u32, rx_match)
		__field(u32, rx_queue)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->flags = flags;
		__entry->ifindex = ifindex;
		__entry->queue = queue;
		__entry->rx_match = rx_match;
		__entry->rx_queue = rx_queue;
	),
	TP_printk("ctx=%u flags=0x%x ifindex=%d queue=%u rx_match=%u rx_queue=%u",
		  __entry->ctx, __entry->flags, __entry->ifindex,
		  __entry->queue, __entry->rx_match, __entry->rx_queue)
);

/* A bind that succeeded: ZCNET_BIND_* flags and what they bound. */
DEFINE_EVENT(zcnet_binding, zcnet_bind,
	TP_PROTO(u32 ctx, u32 flags, int ifindex, u32 queue, u32 rx_match,
		 u32 rx_queue),
	TP_ARGS(ctx, flags, ifindex, queue, rx_match, rx_queue)
);

/* An unbind, by the program or because the device went away. */
DEFINE_EVENT(zcnet_binding, zcnet_unbind,
	TP_PROTO(u32 ctx, u32 flags, int ifindex, u32 queue, u32 rx_match,
		 u32 rx_queue),
	TP_ARGS(ctx, flags, ifindex, queue, rx_match, rx_queue)
);

/* A socket (inode, as ss shows it) that was full sends what waited. */
TRACE_EVENT(zcnet_sock_resume,
	TP_PROTO(u32 ctx, u64 ino),
	TP_ARGS(ctx, ino),
	TP_STRUCT__entry(
		__field(u32, ctx)
		__field(u64, ino)
	),
	TP_fast_assign(
		__entry->ctx = ctx;
		__entry->ino = ino;
	),
	TP_printk("ctx=%u ino=%llu", __entry->ctx, __entry->ino)
);

#endif /* _ZCNET_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE zcnet_trace
#include <trace/define_trace.h>
