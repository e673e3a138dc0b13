/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libzcnet: a small userspace library for /dev/zcnet.
 *
 * The kernel ABI is <linux/zcnet.h>; read its leading comment first. This
 * library opens a context, sets up and maps the rings exactly where the
 * kernel says they are, registers memory, manages eventfds, and wraps the
 * remaining ioctls. The ring helpers are static inline functions below;
 * libzcnet.so.1 also exports them, for other languages ("Ring operations").
 *
 * Conventions
 *   - Functions return 0 (or a count, where documented) on success and a
 *     negative errno value on failure, e.g. -ENOENT. They never print and
 *     never exit. errno may be changed by any call.
 *   - Every ioctl argument struct is zero-initialised and its size field is
 *     set to sizeof() of the struct this library was compiled with.
 *   - A context may be used from several threads for the non-ring calls
 *     (they are single ioctls), except zcnet_setup(), the eventfd calls and
 *     zcnet_close(), which the caller must serialise. Each ring has a single
 *     producer and a single consumer: at most one thread may drive the user
 *     side of a given ring at a time.
 *
 * Typical transmit loop
 *
 *     struct zcnet_ctx *ctx;
 *     struct zcnet_mem mem;
 *     __u32 region, idx, i, n;
 *
 *     zcnet_open(&ctx);
 *     zcnet_setup(ctx, 256, 256, 0, 0);
 *     zcnet_mem_alloc(&mem, 1 << 20, 0);
 *     zcnet_region_register(ctx, mem.addr, mem.len, &region);
 *
 *     struct zcnet_ring *tx = zcnet_tx_ring(ctx), *cq = zcnet_cq_ring(ctx);
 *     n = zcnet_ring_reserve(tx, 16, &idx);
 *     for (i = 0; i < n; i++) {
 *             struct zcnet_tx_desc *d = zcnet_ring_tx_desc(tx, idx + i);
 *             ... fill *d (zero the reserved fields) ...
 *     }
 *     zcnet_ring_submit(tx, n);
 *     zcnet_kick(ctx, 0);
 *     n = zcnet_ring_peek(cq, 16, &idx);
 *     ... read zcnet_ring_cq_entry(cq, idx + i) for i < n ...
 *     zcnet_ring_release(cq, n);
 */
#ifndef LIBZCNET_H
#define LIBZCNET_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/zcnet.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBZCNET_VERSION_MAJOR	1
/*
 * The minor version counts the symbol version nodes of libzcnet.so.1
 * (lib/libzcnet.map), which programs record the calls they use under:
 *   LIBZCNET_1.0  the first release
 *   LIBZCNET_1.1  zcnet_get_param()
 *   LIBZCNET_1.2  new versions of zcnet_get_stats(), zcnet_fdinfo_read(),
 *                 zcnet_fdinfo_read_path(), zcnet_stats_count() and
 *                 zcnet_stats_value() for the 256-byte struct zcnet_stats
 *                 (ZCNET_STATS_SIZE_VER1, rx_drop_split). Programs linked
 *                 against an older library keep the LIBZCNET_1.0 ones,
 *                 which touch only the 248 bytes (ZCNET_STATS_SIZE_VER0)
 *                 and 30 counters of the struct they were built with.
 *   LIBZCNET_1.3  zcnet_region_import()
 *   LIBZCNET_1.4  zcnet_setup_flags()
 *   LIBZCNET_1.5  the ring helpers (zcnet_ring_entries() ...
 *                 zcnet_ring_flags()), out of line, for other languages;
 *                 zcnet_version()
 *   LIBZCNET_1.6  zcnet_region_register_flags()
 */
#define LIBZCNET_VERSION_MINOR	6

/* The device node zcnet_open() opens. */
#define LIBZCNET_DEVICE_PATH	"/dev/" ZCNET_DEVICE_NAME

/* ------------------------------------------------------------------------
 * Contexts
 */

/* One open /dev/zcnet file, its info and (after zcnet_setup()) its rings. */
struct zcnet_ctx;

/*
 * Open LIBZCNET_DEVICE_PATH (O_RDWR | O_CLOEXEC), read ZCNET_IOC_GET_INFO
 * and store a new context in *ctxp. Returns 0 or -errno (-ENOENT when the
 * module is not loaded, -ENOMEM...).
 */
int zcnet_open(struct zcnet_ctx **ctxp);

/* Like zcnet_open(), with another path to the zcnet device node. */
int zcnet_open_path(const char *path, struct zcnet_ctx **ctxp);

/*
 * Unmap the rings, close the eventfds the library created, close the zcnet
 * fd and free the context. Memory from zcnet_mem_alloc() is not freed.
 * NULL is accepted.
 */
void zcnet_close(struct zcnet_ctx *ctx);

/* The zcnet file descriptor of the context (owned by the context). */
int zcnet_ctx_fd(const struct zcnet_ctx *ctx);

/*
 * The struct zcnet_info read at open time. Its size field holds the number
 * of bytes the kernel filled; fields past it are 0.
 */
const struct zcnet_info *zcnet_ctx_info(const struct zcnet_ctx *ctx);

/* Non-zero if the kernel offers all the ZCNET_FEAT_* bits in feat. */
int zcnet_has_feature(const struct zcnet_ctx *ctx, __u64 feat);

/*
 * The version of the libzcnet in use, "MAJOR.MINOR.PATCH": zcnet's one
 * version, which the module and the tools share (LIBZCNET_1.5).
 */
const char *zcnet_version(void);

/* ------------------------------------------------------------------------
 * Setup and ring views
 */

/*
 * A user-side view of one mapped ring. The fields are public so that the
 * inline ring functions below can be fast; treat them as read-only and
 * change them only through those functions.
 *
 * Indices are free-running __u32 counters. For a ring the user produces
 * (TX, FILL): local is the next index to reserve, cached the last consumer
 * index read from the kernel, published the last producer index stored.
 * For a ring the user consumes (CQ, RX): local is the next index to peek,
 * cached the last producer index read, published the last consumer index
 * stored.
 */
struct zcnet_ring {
	__u32 local;
	__u32 cached;
	__u32 published;
	__u32 mask;		/* entries - 1 */
	__u32 entries;		/* 0: the ring is not mapped */
	__u32 entry_size;	/* stride between entries, in bytes */
	__u32 *producer;	/* shared producer index */
	__u32 *consumer;	/* shared consumer index */
	__u32 *flags;		/* shared flags word */
	void *desc;		/* first entry */
};

/* Which ring, for zcnet_ring_init(). */
enum zcnet_ring_type {
	LIBZCNET_RING_TX = 0,
	LIBZCNET_RING_CQ = 1,
	LIBZCNET_RING_FILL = 2,
	LIBZCNET_RING_RX = 3,
};

/*
 * Set up the rings: ZCNET_IOC_SETUP with the four sizes (powers of two, or
 * 0 for both of a pair), then ZCNET_IOC_GET_OFFSETS, then mmap() every ring
 * the kernel reports with entries != 0, at its reported mmap_offset and
 * mmap_len (MAP_SHARED | MAP_POPULATE, read-write), and build the ring
 * views from the reported byte offsets. Returns 0 or -errno: the kernel's
 * error for SETUP, -EBUSY if this context was already set up by the
 * library, -EPROTO if the reported layout is unusable (entry size smaller
 * than this library's struct, offsets outside the mapping, entries not a
 * power of two). If mapping fails after the kernel accepted SETUP, the
 * kernel side stays set up: close the context.
 */
int zcnet_setup(struct zcnet_ctx *ctx, __u32 tx_entries, __u32 cq_entries,
		__u32 fill_entries, __u32 rx_entries);

/*
 * zcnet_setup() with zcnet_setup.flags: ZCNET_SETUP_CQ_TSTAMP and
 * ZCNET_SETUP_RX_TSTAMP (with ZCNET_FEAT_TIMESTAMPS) give CQ and RX
 * entries a CLOCK_MONOTONIC timestamp, read with zcnet_ring_cq_tstamp()
 * and zcnet_ring_rx_tstamp(); the typed accessors below keep working on
 * the longer entries, which start with the default ones. zcnet_setup() is
 * this call with flags 0. Returns as zcnet_setup() does; -EINVAL for a
 * flag the kernel does not know or a stamp for a ring of size 0.
 */
int zcnet_setup_flags(struct zcnet_ctx *ctx, __u32 tx_entries,
		      __u32 cq_entries, __u32 fill_entries, __u32 rx_entries,
		      __u32 flags);

/* ZCNET_IOC_GET_OFFSETS into *off. Returns 0 or -errno. */
int zcnet_get_offsets(struct zcnet_ctx *ctx, struct zcnet_offsets *off);

/*
 * The ring views of a set-up context, or NULL for a ring that is not
 * mapped. The pointers stay valid until zcnet_close().
 */
struct zcnet_ring *zcnet_tx_ring(struct zcnet_ctx *ctx);
struct zcnet_ring *zcnet_cq_ring(struct zcnet_ctx *ctx);
struct zcnet_ring *zcnet_fill_ring(struct zcnet_ctx *ctx);
struct zcnet_ring *zcnet_rx_ring(struct zcnet_ctx *ctx);

/*
 * Build a ring view over a mapping of map_len bytes at map, described by
 * *off (as reported by ZCNET_IOC_GET_OFFSETS), for ring type. zcnet_setup()
 * uses it; it is public for custom mappings and for testing the ring
 * helpers on ordinary memory. The local indices start from the current
 * shared producer and consumer values. Returns 0, or -EPROTO if the layout
 * does not fit the mapping or the entry type, -EINVAL for a bad type or
 * entries == 0.
 */
int zcnet_ring_init(struct zcnet_ring *ring, void *map, size_t map_len,
		    const struct zcnet_ring_offset *off,
		    enum zcnet_ring_type type);

/* ------------------------------------------------------------------------
 * Ring operations
 *
 * The memory ordering follows the "Memory ordering" comment of
 * <linux/zcnet.h> and its labels (A)-(D):
 *   (A) producer: release store of the producer index after writing the
 *       entries (zcnet_ring_submit());
 *   (B) consumer: acquire load of the producer index before reading the
 *       entries (zcnet_ring_peek(), zcnet_ring_avail());
 *   (D) consumer: release store of the consumer index after reading the
 *       entries (zcnet_ring_release());
 *   (C) producer: acquire load of the consumer index, pairing with (D),
 *       before reusing slots (zcnet_ring_reserve(), zcnet_ring_space()).
 *
 * Producer side (TX, FILL):
 *   n = zcnet_ring_reserve(r, want, &idx);  write slots idx .. idx + n - 1
 *   zcnet_ring_submit(r, n);                (or zcnet_ring_cancel(r, n))
 * Consumer side (CQ, RX):
 *   n = zcnet_ring_peek(r, want, &idx);     read slots idx .. idx + n - 1
 *   zcnet_ring_release(r, n);
 *
 * In C and C++ these are static inline functions: their bodies follow the
 * declarations below. libzcnet.so.1 also exports every one of them, same
 * name and same behaviour, under the symbol version LIBZCNET_1.5, so that a
 * program in another language calls them (dlsym(), an FFI declaration)
 * instead of re-implementing the memory ordering. Defining
 * LIBZCNET_RING_EXTERN before including this header leaves only the
 * declarations, of those exported functions: for binding generators and
 * for C that wants one copy of each. lib/ring.c defines LIBZCNET_RING_API
 * empty to compile the bodies once for the library.
 */
#ifndef LIBZCNET_RING_API
#ifdef LIBZCNET_RING_EXTERN
#define LIBZCNET_RING_API extern
#else
#define LIBZCNET_RING_API static inline
#endif
#endif

LIBZCNET_RING_API __u32 zcnet_ring_entries(const struct zcnet_ring *r);
LIBZCNET_RING_API void *zcnet_ring_slot(const struct zcnet_ring *r,
					__u32 idx);
LIBZCNET_RING_API struct zcnet_tx_desc *
zcnet_ring_tx_desc(const struct zcnet_ring *tx, __u32 idx);
LIBZCNET_RING_API const struct zcnet_cq_entry *
zcnet_ring_cq_entry(const struct zcnet_ring *cq, __u32 idx);
LIBZCNET_RING_API struct zcnet_fill_desc *
zcnet_ring_fill_desc(const struct zcnet_ring *fill, __u32 idx);
LIBZCNET_RING_API const struct zcnet_rx_desc *
zcnet_ring_rx_desc(const struct zcnet_ring *rx, __u32 idx);
LIBZCNET_RING_API __u64 zcnet_ring_cq_tstamp(const struct zcnet_ring *cq,
					    __u32 idx);
LIBZCNET_RING_API __u64 zcnet_ring_rx_tstamp(const struct zcnet_ring *rx,
					    __u32 idx);
LIBZCNET_RING_API __u32 zcnet_ring_space(struct zcnet_ring *r, __u32 want);
LIBZCNET_RING_API __u32 zcnet_ring_reserve(struct zcnet_ring *r, __u32 n,
					  __u32 *idx);
LIBZCNET_RING_API void zcnet_ring_submit(struct zcnet_ring *r, __u32 n);
LIBZCNET_RING_API void zcnet_ring_cancel(struct zcnet_ring *r, __u32 n);
LIBZCNET_RING_API __u32 zcnet_ring_avail(struct zcnet_ring *r);
LIBZCNET_RING_API __u32 zcnet_ring_peek(struct zcnet_ring *r, __u32 n,
				       __u32 *idx);
LIBZCNET_RING_API void zcnet_ring_release(struct zcnet_ring *r, __u32 n);
LIBZCNET_RING_API void zcnet_ring_unpeek(struct zcnet_ring *r, __u32 n);
LIBZCNET_RING_API __u32 zcnet_ring_flags(const struct zcnet_ring *r);

#ifndef LIBZCNET_RING_EXTERN

/* Number of entries of the ring (0 if it is not mapped). */
LIBZCNET_RING_API __u32 zcnet_ring_entries(const struct zcnet_ring *r)
{
	return r->entries;
}

/* Pointer to the entry of index idx (any free-running index). */
LIBZCNET_RING_API void *zcnet_ring_slot(const struct zcnet_ring *r,
					__u32 idx)
{
	return (char *)r->desc + (size_t)(idx & r->mask) * r->entry_size;
}

/* Typed slot accessors, one per ring. */
LIBZCNET_RING_API struct zcnet_tx_desc *
zcnet_ring_tx_desc(const struct zcnet_ring *tx, __u32 idx)
{
	return (struct zcnet_tx_desc *)zcnet_ring_slot(tx, idx);
}

LIBZCNET_RING_API const struct zcnet_cq_entry *
zcnet_ring_cq_entry(const struct zcnet_ring *cq, __u32 idx)
{
	return (const struct zcnet_cq_entry *)zcnet_ring_slot(cq, idx);
}

LIBZCNET_RING_API struct zcnet_fill_desc *
zcnet_ring_fill_desc(const struct zcnet_ring *fill, __u32 idx)
{
	return (struct zcnet_fill_desc *)zcnet_ring_slot(fill, idx);
}

LIBZCNET_RING_API const struct zcnet_rx_desc *
zcnet_ring_rx_desc(const struct zcnet_ring *rx, __u32 idx)
{
	return (const struct zcnet_rx_desc *)zcnet_ring_slot(rx, idx);
}

/*
 * The timestamp of CQ entry idx, in nanoseconds of CLOCK_MONOTONIC: when
 * the kernel learned the buffer was free and posted the completion (see
 * "Timestamps" in <linux/zcnet.h>). 0 when the entry carries none: the
 * context was set up without ZCNET_SETUP_CQ_TSTAMP, or the kernel stamped
 * it in a way this header does not know. Read it between
 * zcnet_ring_peek() and zcnet_ring_release(), as the rest of the entry.
 */
LIBZCNET_RING_API __u64 zcnet_ring_cq_tstamp(const struct zcnet_ring *cq,
					    __u32 idx)
{
	const struct zcnet_cq_entry_ts *e;

	if (cq->entry_size < sizeof(*e))
		return 0;
	e = (const struct zcnet_cq_entry_ts *)zcnet_ring_slot(cq, idx);
	return e->cqe.flags & ZCNET_CQE_TSTAMP_SW ? e->tstamp : 0;
}

/*
 * The timestamp of RX entry idx, in nanoseconds of CLOCK_MONOTONIC: when
 * the kernel took the frame from the device, with
 * ZCNET_SETUP_RX_TSTAMP; else 0, as zcnet_ring_cq_tstamp().
 */
LIBZCNET_RING_API __u64 zcnet_ring_rx_tstamp(const struct zcnet_ring *rx,
					    __u32 idx)
{
	const struct zcnet_rx_desc_ts *e;

	if (rx->entry_size < sizeof(*e))
		return 0;
	e = (const struct zcnet_rx_desc_ts *)zcnet_ring_slot(rx, idx);
	return e->rx.flags & ZCNET_RX_TSTAMP_SW ? e->tstamp : 0;
}

/*
 * Producer: how many slots could be reserved now. Reloads the consumer
 * index ((C), pairs with (D)) only if the cached value shows fewer
 * than want free slots; want = zcnet_ring_entries() gives a fresh count.
 */
LIBZCNET_RING_API __u32 zcnet_ring_space(struct zcnet_ring *r, __u32 want)
{
	__u32 used = r->local - r->cached;
	__u32 free_slots = used > r->entries ? 0 : r->entries - used;

	if (free_slots < want) {
		/* (C): pairs with the consumer's release store (D). */
		r->cached = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
		used = r->local - r->cached;
		free_slots = used > r->entries ? 0 : r->entries - used;
	}
	return free_slots;
}

/*
 * Producer: reserve up to n slots. Returns how many were reserved (0 when
 * the ring is full) and stores the index of the first one in *idx. The
 * consumer index is reloaded only when the cached one shows too little
 * room. Fill the slots, then zcnet_ring_submit() them.
 */
LIBZCNET_RING_API __u32 zcnet_ring_reserve(struct zcnet_ring *r, __u32 n,
					  __u32 *idx)
{
	__u32 free_slots = zcnet_ring_space(r, n);

	if (n > free_slots)
		n = free_slots;
	*idx = r->local;
	r->local += n;
	return n;
}

/*
 * Producer: make the next n reserved slots visible to the kernel: release
 * store of the producer index, label (A). n must not exceed what was
 * reserved and not yet submitted or cancelled.
 */
LIBZCNET_RING_API void zcnet_ring_submit(struct zcnet_ring *r, __u32 n)
{
	r->published += n;
	/* (A): the entries are written before the new producer is seen. */
	__atomic_store_n(r->producer, r->published, __ATOMIC_RELEASE);
}

/* Producer: give back the last n reserved, not yet submitted slots. */
LIBZCNET_RING_API void zcnet_ring_cancel(struct zcnet_ring *r, __u32 n)
{
	r->local -= n;
}

/*
 * Consumer: how many entries are ready and not yet peeked. Always loads
 * the producer index, label (B).
 */
LIBZCNET_RING_API __u32 zcnet_ring_avail(struct zcnet_ring *r)
{
	__u32 ready;

	/* (B): pairs with the kernel's release store of the producer (A). */
	r->cached = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	ready = r->cached - r->local;
	return ready > r->entries ? 0 : ready;
}

/*
 * Consumer: peek up to n ready entries. Returns how many (0 when none) and
 * stores the index of the first one in *idx. The producer index is loaded
 * with acquire, label (B), when the cached value shows fewer than n. Read
 * the entries, then zcnet_ring_release() them.
 */
LIBZCNET_RING_API __u32 zcnet_ring_peek(struct zcnet_ring *r, __u32 n,
				       __u32 *idx)
{
	__u32 ready = r->cached - r->local;

	if (ready > r->entries || ready < n)
		ready = zcnet_ring_avail(r);
	if (n > ready)
		n = ready;
	*idx = r->local;
	r->local += n;
	return n;
}

/*
 * Consumer: hand the next n peeked entries back to the kernel: release
 * store of the consumer index, label (D). The entries must not be read
 * afterwards.
 */
LIBZCNET_RING_API void zcnet_ring_release(struct zcnet_ring *r, __u32 n)
{
	r->published += n;
	/* (D): the entries are read before the kernel may reuse the slots. */
	__atomic_store_n(r->consumer, r->published, __ATOMIC_RELEASE);
}

/* Consumer: un-peek the last n peeked, not yet released entries. */
LIBZCNET_RING_API void zcnet_ring_unpeek(struct zcnet_ring *r, __u32 n)
{
	r->local -= n;
}

/* The ring's shared flags word (acquire load). */
LIBZCNET_RING_API __u32 zcnet_ring_flags(const struct zcnet_ring *r)
{
	return __atomic_load_n(r->flags, __ATOMIC_ACQUIRE);
}

#endif /* !LIBZCNET_RING_EXTERN */

/* ------------------------------------------------------------------------
 * Memory and regions
 */

/* zcnet_mem_alloc() flags. */
#define LIBZCNET_MEM_HUGETLB	(1U << 0)	/* MAP_HUGETLB, default size */
#define LIBZCNET_MEM_SHARED	(1U << 1)	/* MAP_SHARED, else MAP_PRIVATE */
#define LIBZCNET_MEM_POPULATE	(1U << 2)	/* MAP_POPULATE */

/* Anonymous memory from zcnet_mem_alloc(). */
struct zcnet_mem {
	void *addr;
	size_t len;		/* rounded up to the (huge) page size */
	unsigned int flags;
};

/*
 * Map len bytes (rounded up to the page size, or to the default huge page
 * size with LIBZCNET_MEM_HUGETLB) of anonymous read-write memory, suitable
 * for zcnet_region_register(). Returns 0 or -errno (-EINVAL for len 0 or
 * unknown flags, mmap()'s error otherwise).
 */
int zcnet_mem_alloc(struct zcnet_mem *mem, size_t len, unsigned int flags);

/* Unmap memory from zcnet_mem_alloc() and clear *mem. NULL/empty is ok. */
void zcnet_mem_free(struct zcnet_mem *mem);

/*
 * ZCNET_IOC_REG_REGION: register [addr, addr + len) (page aligned). On
 * success stores the region id for descriptors in *id and returns 0;
 * otherwise -errno (-EEXIST overlap, -ENOMEM over RLIMIT_MEMLOCK, ...).
 * It passes no flags: register a read-only region (ZCNET_REGION_READONLY,
 * a file's page cache) with zcnet_region_register_flags(); unregistering
 * it works as for any region.
 */
int zcnet_region_register(struct zcnet_ctx *ctx, void *addr, size_t len,
			  __u32 *id);

/*
 * zcnet_region_register() with region flags (ZCNET_REGION_*), such as
 * ZCNET_REGION_READONLY: pin the pages for reading only, for transmit,
 * which is how a mapping of a regular file (mmap PROT_READ, MAP_SHARED)
 * is registered and its page cache sent without a copy. With
 * ZCNET_REGION_READONLY on a context without ZCNET_FEAT_REGION_READONLY
 * it returns -EOPNOTSUPP and makes no ioctl (such a kernel would refuse
 * the flag with -EINVAL, as it does any flag it does not know). Returns 0
 * or -errno as zcnet_region_register(); for a file mapping also -EACCES
 * (mapped writable), -EOPNOTSUPP (MAP_PRIVATE, a file on DAX, a kernel
 * without the feature, or no ZCNET_REGION_READONLY) and -EFAULT (pages
 * beyond the end of the file). Unknown flags: -EINVAL from the kernel.
 * Since LIBZCNET_1.6.
 */
int zcnet_region_register_flags(struct zcnet_ctx *ctx, void *addr,
				size_t len, __u32 flags, __u32 *id);

/* ZCNET_IOC_UNREG_REGION. Returns 0 or -errno (-ENOENT, -EBUSY). */
int zcnet_region_unregister(struct zcnet_ctx *ctx, __u32 id);

/*
 * ZCNET_IOC_IMPORT_REGION (ZCNET_FEAT_REGION_IMPORT): put region id of the
 * context open at fd (zcnet_ctx_fd() of another context, or an inherited
 * or received fd) into ctx under a new id, stored in *new_id. The pages
 * are pinned and charged once, and stay pinned until every context that
 * holds them has unregistered them and their descriptors have completed;
 * zcnet_region_unregister() drops only ctx's own entry. Returns 0 or
 * -errno: -EBADF (fd not open), -EINVAL (not a zcnet fd), -ENOENT (no such
 * region), -EEXIST (ctx holds it already), -ENOSPC (table full), -EPERM
 * (another user's region), -ENOTTY (a kernel without imports).
 */
int zcnet_region_import(struct zcnet_ctx *ctx, int fd, __u32 id,
			__u32 *new_id);

/* ------------------------------------------------------------------------
 * Events
 */

/*
 * ZCNET_IOC_SET_EVENTFD: attach or replace (fd >= 0) or detach (fd == -1)
 * the eventfd for which (ZCNET_EVENTFD_CQ or ZCNET_EVENTFD_RX). The caller
 * keeps ownership of fd; if the previous eventfd was created by
 * zcnet_eventfd_create(), the library closes it. Returns 0 or -errno.
 */
int zcnet_set_eventfd(struct zcnet_ctx *ctx, unsigned int which, int fd);

/*
 * Create an eventfd (EFD_CLOEXEC | EFD_NONBLOCK), attach it for which and
 * keep it in the context, which owns it and closes it on zcnet_close().
 * Returns the eventfd (>= 0) or -errno.
 */
int zcnet_eventfd_create(struct zcnet_ctx *ctx, unsigned int which);

/* The eventfd attached for which through this library, or -1. */
int zcnet_ctx_eventfd(const struct zcnet_ctx *ctx, unsigned int which);

/*
 * Wait up to timeout_ms milliseconds (< 0: forever) for the eventfd
 * attached for which to be signalled, then read it, which resets it.
 * Stores the counter read in *count if count is not NULL. Returns 0,
 * -ETIMEDOUT, -ENOENT if no eventfd is attached, or -errno.
 */
int zcnet_eventfd_wait(struct zcnet_ctx *ctx, unsigned int which,
		       int timeout_ms, __u64 *count);

/*
 * poll() the zcnet fd for events (POLLIN: CQ or RX entries ready, POLLOUT:
 * TX room) for up to timeout_ms milliseconds (< 0: forever). Returns the
 * revents mask (> 0, may include POLLERR), 0 on timeout, or -errno.
 */
int zcnet_wait(struct zcnet_ctx *ctx, short events, int timeout_ms);

/* ------------------------------------------------------------------------
 * Transmit, parameters, devices and sockets
 */

/*
 * ZCNET_IOC_KICK: let the kernel consume TX descriptors, at most budget
 * (0: no bound). Returns how many it consumed (>= 0) or -errno.
 */
int zcnet_kick(struct zcnet_ctx *ctx, __u32 budget);

/* ZCNET_IOC_SET_PARAM (ZCNET_PARAM_*). Returns 0 or -errno. */
int zcnet_set_param(struct zcnet_ctx *ctx, __u32 param, __u64 value);

/*
 * ZCNET_IOC_GET_PARAM: the value of param in force, which the kernel may
 * have picked for the bound device (ZCNET_PARAM_TX_COPY_THRESHOLD). Returns
 * 0 with *value set, or -errno (-ENOTTY from a module older than the call).
 */
int zcnet_get_param(struct zcnet_ctx *ctx, __u32 param, __u64 *value);

/*
 * ZCNET_IOC_BIND with the flags, ifindex, queue, rx_match, rx_ethertype,
 * rx_port and rx_queue of *bind (its size and reserved fields are ignored). Returns
 * 0 or -errno (-EOPNOTSUPP if the build has no raw-frame support).
 */
int zcnet_bind(struct zcnet_ctx *ctx, const struct zcnet_bind *bind);

/* ZCNET_IOC_UNBIND (ZCNET_BIND_TX and/or ZCNET_BIND_RX). 0 or -errno. */
int zcnet_unbind(struct zcnet_ctx *ctx, __u32 flags);

/*
 * ZCNET_IOC_SOCK_ATTACH a connected TCP or UDP socket; stores its slot in
 * *slot, for zcnet_tx_desc.sock with ZCNET_TX_SOCK. The context keeps its
 * own reference: sockfd may be closed afterwards. Returns 0 or -errno (see
 * struct zcnet_sock_attach in <linux/zcnet.h>).
 */
int zcnet_sock_attach(struct zcnet_ctx *ctx, int sockfd, __u32 *slot);

/*
 * The same for a UDP socket, with dest (a struct sockaddr_in or
 * sockaddr_in6 of the socket's family) as the destination of every
 * datagram sent through the slot. Returns 0 or -errno.
 */
struct sockaddr;
int zcnet_sock_attach_to(struct zcnet_ctx *ctx, int sockfd,
			 const struct sockaddr *dest, __u32 *slot);

/* ZCNET_IOC_SOCK_DETACH. Returns 0 or -errno. */
int zcnet_sock_detach(struct zcnet_ctx *ctx, __u32 slot);

/* ------------------------------------------------------------------------
 * Statistics
 *
 * These calls work on the struct zcnet_stats of the <linux/zcnet.h> the
 * program is compiled with. The struct only grows at its end; each time it
 * does, the calls below that fill it or index its counters get a new
 * symbol version (see LIBZCNET_VERSION_MINOR), so that a program keeps the
 * struct size and counter count it was linked with. A program linked now
 * gets the LIBZCNET_1.2 versions, which fill ZCNET_STATS_SIZE_VER1 bytes:
 * the <linux/zcnet.h> it is compiled with must be the one installed with
 * this header, which the typedef below checks (an array of -1 elements
 * does not compile).
 */
typedef char libzcnet_needs_the_linux_zcnet_h_of_its_release[
	sizeof(struct zcnet_stats) == ZCNET_STATS_SIZE_VER1 ? 1 : -1];

/*
 * ZCNET_IOC_GET_STATS into *stats (zeroed first). Counters the kernel does
 * not know stay 0; stats->size holds the bytes it filled. 0 or -errno.
 */
int zcnet_get_stats(struct zcnet_ctx *ctx, struct zcnet_stats *stats);

/*
 * Read the counters of zcnet fd fd of process pid from /proc/PID/fdinfo/FD
 * into *stats. Lines "name:<whitespace>value" whose name is a counter of
 * struct zcnet_stats set that counter; all other lines are ignored, and
 * counters not listed stay 0. stats->size is set to sizeof(*stats).
 * Returns 0, -ENODATA if no counter was found (not a zcnet fd), or -errno
 * from opening or reading the file (-ENOENT, -EACCES, ...).
 */
int zcnet_fdinfo_read(pid_t pid, int fd, struct zcnet_stats *stats);

/* Like zcnet_fdinfo_read(), from any file in the fdinfo format. */
int zcnet_fdinfo_read_path(const char *path, struct zcnet_stats *stats);

/*
 * The counters of struct zcnet_stats (every field but size and flags), in
 * struct order: their number, the name of counter i (NULL if i is out of
 * range), the value of counter i in *stats (0 if out of range), and the
 * index of a counter name (or -ENOENT).
 */
unsigned int zcnet_stats_count(void);
const char *zcnet_stats_name(unsigned int i);
__u64 zcnet_stats_value(const struct zcnet_stats *stats, unsigned int i);
int zcnet_stats_index(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LIBZCNET_H */
