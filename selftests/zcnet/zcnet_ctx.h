/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Contexts of /dev/zcnet: ioctl wrappers, mapped rings, stats, bind,
 * parameters and socket attach (zcnet_ctx.c).
 * Included by zcnet_util.h only.
 */
#ifndef ZCNET_CTX_H
#define ZCNET_CTX_H

/* ioctl wrappers */
int zc_open(void);
long zc_get_info(int fd, struct zcnet_info *info);
long zc_setup(int fd, __u32 tx, __u32 cq, __u32 fill, __u32 rx);
/* ZCNET_IOC_SETUP with zcnet_setup.flags (ZCNET_SETUP_*). */
long zc_setup_flags(int fd, __u32 flags, __u32 tx, __u32 cq, __u32 fill,
		    __u32 rx);
long zc_get_offsets(int fd, struct zcnet_offsets *off);
long zc_get_stats(int fd, struct zcnet_stats *st);
long zc_reg(int fd, const void *addr, __u64 len, __u32 *id);

/* Same with a raw address (for wrap-around and unmapped cases). */
long zc_reg_raw(int fd, __u64 addr, __u64 len);

long zc_unreg(int fd, __u32 id);
/* ZCNET_IOC_IMPORT_REGION of region id of src_fd into fd; 0 or -errno. */
long zc_import(int fd, int src_fd, __u32 id, __u32 *new_id);
long zc_set_eventfd(int fd, __u32 which, int efd);
long zc_kick(int fd, __u32 budget);

/* rings */
struct zc_ring {
	void *map;
	size_t map_len;
	__u32 *producer;
	__u32 *consumer;
	__u32 *flags;
	char *desc;
	__u32 entries;
	__u32 mask;
	__u32 entry_size;
};

int zc_ring_map(int fd, const struct zcnet_ring_offset *ro, struct zc_ring *r);
void zc_ring_unmap(struct zc_ring *r);
__u32 zc_load_acquire(const __u32 *p);
__u32 zc_load_relaxed(const __u32 *p);
void zc_store_release(__u32 *p, __u32 v);
void *zc_ring_slot(const struct zc_ring *r, __u32 idx);

/*
 * The user's side of the ring protocol (uapi/linux/zcnet.h): produce one
 * entry of size bytes from src, 0 or -ENOSPC when full; consume one into
 * dst, 0 or -EAGAIN when empty.
 */
int zc_ring_push(struct zc_ring *r, const void *src, size_t size);

int zc_ring_pop(struct zc_ring *r, void *dst, size_t size);
int zc_tx_push(struct zc_ring *tx, const struct zcnet_tx_desc *d);
int zc_cq_pop(struct zc_ring *cq, struct zcnet_cq_entry *e);
int zc_fill_push(struct zc_ring *r, const struct zcnet_fill_desc *d);
int zc_rx_pop(struct zc_ring *r, struct zcnet_rx_desc *e);

/* Entries the kernel has produced and the user not yet consumed. */
__u32 zc_cq_ready(const struct zc_ring *cq);

struct zcnet_tx_desc zc_nop(__u16 region, __u64 offset,
			    __u32 len, __u64 cookie);

/* One context with its rings set up and mapped. */
struct zc_ctx {
	int fd;
	struct zcnet_offsets off;
	struct zc_ring tx, cq, fill, rx;
};

void zc_ctx_close(struct zc_ctx *c);

/* Open, set up and map; 0 or -errno (nothing left open on failure). */
long zc_ctx_open(struct zc_ctx *c, __u32 tx, __u32 cq, __u32 fill, __u32 rx);
long zc_ctx_open_flags(struct zc_ctx *c, __u32 flags, __u32 tx, __u32 cq,
		       __u32 fill, __u32 rx);

/* stats */
struct zc_stat_field {
	const char *name;
	size_t off;
};

extern const struct zc_stat_field zc_stat_fields[];
extern const size_t zc_nr_stat_fields;
#define ZC_NR_STAT_FIELDS zc_nr_stat_fields

__u64 zc_stat_value(const struct zcnet_stats *st,
		    const struct zc_stat_field *f);

/*
 * Wait (up to ms; ZC_SETTLE_MS for zc_settle) until fd's context, which
 * must hold no region, is the only one left and nothing is pinned
 * module-wide, so a test that
 * compares module-wide counters starts from a quiet module even if an
 * earlier test's release was deferred. *st gets the last reading. Returns
 * 0 once settled, -EBUSY if it did not settle, or the GET_STATS error.
 */
int zc_settle_for(int fd, struct zcnet_stats *st, unsigned int ms);

int zc_settle(int fd, struct zcnet_stats *st);

/*
 * Poll module_pinned_pages through fd until it equals want or
 * ZC_SETTLE_MS passed; returns the last value seen.
 */
__u64 zc_wait_module_pinned(int fd, __u64 want);

__u64 zc_wait_module_contexts(int fd, __u64 want);

/* SKIP helper: is the device there at all? */
int zc_dev_present(void);

/* raw transmit */
long zc_bind(int fd, __u32 flags, __u32 ifindex, __u32 queue);
/*
 * ZCNET_IOC_BIND with a receive rule: value is the ethertype or UDP port
 * match uses; flags and rx_queue go as given (TX queue: any).
 */
long zc_bind_rx(int fd, __u32 flags, int ifindex, __u32 match, __u16 value,
		__u32 rx_queue);
long zc_unbind(int fd, __u32 flags);
long zc_set_param(int fd, __u32 param, __u64 value);

/* ZCNET_IOC_GET_PARAM: 0 with *value the value in force, or -errno */
long zc_get_param(int fd, __u32 param, __u64 *value);

/* A raw-frame descriptor: one link-layer frame at region/offset. */
struct zcnet_tx_desc zc_raw(__u16 region, __u64 offset,
			    __u32 len, __u64 cookie);

/* SOCK_ATTACH: fd sfd, UDP destination addr (or 0); the slot in *slot. */
long zc_sock_attach(int fd, int sfd, __u64 addr, __u32 *slot);

long zc_sock_detach(int fd, __u32 slot);

/* A socket descriptor: len bytes at region/offset to socket slot. */
struct zcnet_tx_desc zc_sock_desc(__u32 region, __u64 offset,
				  __u32 len, __u32 slot,
				  __u64 cookie);

/* Features of this build (GET_INFO on a fresh context); 0 on error. */
__u64 zc_features(void);

/*
 * Pop completions into out[] until want of them were popped or
 * timeout_ms passed; returns how many were popped. Completions of raw
 * frames arrive asynchronously: it sleeps in poll() (POLLIN on the
 * context) in short slices, so a missing wake-up costs time, not a hang.
 */
unsigned int zc_cq_collect(struct zc_ctx *c,
			   struct zcnet_cq_entry *out,
			   unsigned int want,
			   unsigned int timeout_ms);

/* The same for any ring: entries of size bytes (zc_cq_collect is it for the CQ). */
unsigned int zc_ring_collect(struct zc_ctx *c, struct zc_ring *r, void *out,
			     size_t size, unsigned int want,
			     unsigned int timeout_ms);

/* TX descriptors produced but not yet consumed by the kernel. */
__u32 zc_tx_pending(const struct zc_ring *tx);

/* eventfd counter, or -errno (-EAGAIN when not signalled) */
long zc_efd_read(int efd);

/*
 * Sets fd's raw copy threshold to the module's tx_copy_threshold, what the
 * kernel picks for a device without a strict IOMMU. Tests of frames the
 * driver holds (in flight, unbind, removal, unload) call it after binding
 * so that in the guests whose NIC sits behind a strict IOMMU, where the
 * kernel would copy every frame of up to tx_copy_threshold_strict bytes,
 * their long frames still go out as zero-copy page fragments. 0 or -errno.
 */
long zc_keep_zero_copy(int fd);

#endif /* ZCNET_CTX_H */
