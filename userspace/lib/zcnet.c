// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libzcnet: contexts, ring setup, events and the ioctl wrappers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The structs this library passes must be at least the kernel's minimum. */
_Static_assert(sizeof(struct zcnet_info) >= ZCNET_INFO_SIZE_VER0, "info");
_Static_assert(sizeof(struct zcnet_setup) >= ZCNET_SETUP_SIZE_VER0, "setup");
_Static_assert(sizeof(struct zcnet_offsets) >= ZCNET_OFFSETS_SIZE_VER0,
	       "offsets");
_Static_assert(sizeof(struct zcnet_region_reg) >= ZCNET_REGION_REG_SIZE_VER0,
	       "region_reg");
_Static_assert(sizeof(struct zcnet_region_unreg) >=
	       ZCNET_REGION_UNREG_SIZE_VER0, "region_unreg");
_Static_assert(sizeof(struct zcnet_region_import) >=
	       ZCNET_REGION_IMPORT_SIZE_VER0, "region_import");
_Static_assert(sizeof(struct zcnet_eventfd) >= ZCNET_EVENTFD_SIZE_VER0,
	       "eventfd");
_Static_assert(sizeof(struct zcnet_kick) >= ZCNET_KICK_SIZE_VER0, "kick");
_Static_assert(sizeof(struct zcnet_bind) >= ZCNET_BIND_SIZE_VER0, "bind");
_Static_assert(sizeof(struct zcnet_unbind) >= ZCNET_UNBIND_SIZE_VER0,
	       "unbind");
_Static_assert(sizeof(struct zcnet_sock_attach) >=
	       ZCNET_SOCK_ATTACH_SIZE_VER0, "sock_attach");
_Static_assert(sizeof(struct zcnet_sock_detach) >=
	       ZCNET_SOCK_DETACH_SIZE_VER0, "sock_detach");
_Static_assert(sizeof(struct zcnet_param) >= ZCNET_PARAM_SIZE_VER0, "param");
_Static_assert(sizeof(struct zcnet_stats) >= ZCNET_STATS_SIZE_VER0, "stats");

static int zcnet_ioctl(const struct zcnet_ctx *ctx, unsigned long req,
		       void *arg)
{
	int ret;

	if (!ctx)
		return -EINVAL;
	do {
		ret = ioctl(ctx->fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? zcnet_neg_errno() : ret;
}

/* ---- contexts ---------------------------------------------------------- */

int zcnet_open(struct zcnet_ctx **ctxp)
{
	return zcnet_open_path(LIBZCNET_DEVICE_PATH, ctxp);
}

int zcnet_open_path(const char *path, struct zcnet_ctx **ctxp)
{
	struct zcnet_ctx *ctx;
	int i, err;

	if (!ctxp)
		return -EINVAL;
	*ctxp = NULL;
	if (!path)
		return -EINVAL;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < ZCNET_NR_EVENTFDS; i++)
		ctx->efd[i] = -1;

	ctx->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		err = zcnet_neg_errno();
		free(ctx);
		return err;
	}

	memset(&ctx->info, 0, sizeof(ctx->info));
	ctx->info.size = sizeof(ctx->info);
	err = zcnet_ioctl(ctx, ZCNET_IOC_GET_INFO, &ctx->info);
	if (err < 0) {
		close(ctx->fd);
		free(ctx);
		return err;
	}

	*ctxp = ctx;
	return 0;
}

static void zcnet_unmap_rings(struct zcnet_ctx *ctx)
{
	int i;

	for (i = 0; i < ZCNET_NR_RINGS; i++) {
		if (ctx->maps[i])
			munmap(ctx->maps[i], ctx->map_lens[i]);
		ctx->maps[i] = NULL;
		ctx->map_lens[i] = 0;
		memset(&ctx->rings[i], 0, sizeof(ctx->rings[i]));
	}
}

void zcnet_close(struct zcnet_ctx *ctx)
{
	int i;

	if (!ctx)
		return;
	zcnet_unmap_rings(ctx);
	close(ctx->fd);
	for (i = 0; i < ZCNET_NR_EVENTFDS; i++)
		if (ctx->efd_owned[i] && ctx->efd[i] >= 0)
			close(ctx->efd[i]);
	free(ctx);
}

int zcnet_ctx_fd(const struct zcnet_ctx *ctx)
{
	return ctx ? ctx->fd : -EINVAL;
}

const struct zcnet_info *zcnet_ctx_info(const struct zcnet_ctx *ctx)
{
	return ctx ? &ctx->info : NULL;
}

int zcnet_has_feature(const struct zcnet_ctx *ctx, __u64 feat)
{
	return ctx && (ctx->info.features & feat) == feat;
}

const char *zcnet_version(void)
{
	return ZCNET_VERSION;
}

/* ---- rings ------------------------------------------------------------- */

static const size_t zcnet_entry_sizes[ZCNET_NR_RINGS] = {
	[LIBZCNET_RING_TX] = sizeof(struct zcnet_tx_desc),
	[LIBZCNET_RING_CQ] = sizeof(struct zcnet_cq_entry),
	[LIBZCNET_RING_FILL] = sizeof(struct zcnet_fill_desc),
	[LIBZCNET_RING_RX] = sizeof(struct zcnet_rx_desc),
};

/* Does a __u32 index at byte offset off fit the mapping, aligned? */
static bool zcnet_index_ok(__u32 off, size_t map_len)
{
	return off % sizeof(__u32) == 0 && map_len >= sizeof(__u32) &&
	       off <= map_len - sizeof(__u32);
}

/* Does [a, a + alen) intersect [b, b + blen)? */
static bool zcnet_overlap(__u64 a, __u64 alen, __u64 b, __u64 blen)
{
	return a < b + blen && b < a + alen;
}

int zcnet_ring_init(struct zcnet_ring *ring, void *map, size_t map_len,
		    const struct zcnet_ring_offset *off,
		    enum zcnet_ring_type type)
{
	__u64 desc_len;
	__u32 idx[3];
	int i, j;

	if (!ring || !map || !off || (unsigned int)type >= ZCNET_NR_RINGS)
		return -EINVAL;
	if ((uintptr_t)map % sizeof(__u64) != 0)
		return -EINVAL;
	if (off->entries == 0)
		return -EINVAL;
	if (off->entries & (off->entries - 1))
		return -EPROTO;
	if (off->entry_size < zcnet_entry_sizes[type] ||
	    off->entry_size % sizeof(__u64) != 0)
		return -EPROTO;

	idx[0] = off->producer;
	idx[1] = off->consumer;
	idx[2] = off->flags;
	for (i = 0; i < 3; i++)
		if (!zcnet_index_ok(idx[i], map_len))
			return -EPROTO;

	desc_len = (__u64)off->entries * off->entry_size;
	if (off->desc % sizeof(__u64) != 0 || off->desc > map_len ||
	    desc_len > map_len - off->desc)
		return -EPROTO;

	/* The indices, the flags word and the entries must not overlap. */
	for (i = 0; i < 3; i++) {
		if (zcnet_overlap(idx[i], sizeof(__u32), off->desc, desc_len))
			return -EPROTO;
		for (j = i + 1; j < 3; j++)
			if (zcnet_overlap(idx[i], sizeof(__u32), idx[j],
					  sizeof(__u32)))
				return -EPROTO;
	}

	memset(ring, 0, sizeof(*ring));
	ring->entries = off->entries;
	ring->mask = off->entries - 1;
	ring->entry_size = off->entry_size;
	ring->producer = (__u32 *)((char *)map + off->producer);
	ring->consumer = (__u32 *)((char *)map + off->consumer);
	ring->flags = (__u32 *)((char *)map + off->flags);
	ring->desc = (char *)map + off->desc;

	if (type == LIBZCNET_RING_TX || type == LIBZCNET_RING_FILL) {
		/* We produce: our own index, then the kernel's. */
		ring->local = __atomic_load_n(ring->producer, __ATOMIC_RELAXED);
		ring->cached = __atomic_load_n(ring->consumer,
					       __ATOMIC_ACQUIRE);
	} else {
		ring->local = __atomic_load_n(ring->consumer, __ATOMIC_RELAXED);
		ring->cached = __atomic_load_n(ring->producer,
					       __ATOMIC_ACQUIRE);
	}
	ring->published = ring->local;
	return 0;
}

int zcnet_get_offsets(struct zcnet_ctx *ctx, struct zcnet_offsets *off)
{
	int err;

	if (!off)
		return -EINVAL;
	memset(off, 0, sizeof(*off));
	off->size = sizeof(*off);
	err = zcnet_ioctl(ctx, ZCNET_IOC_GET_OFFSETS, off);
	return err < 0 ? err : 0;
}

int zcnet_setup(struct zcnet_ctx *ctx, __u32 tx_entries, __u32 cq_entries,
		__u32 fill_entries, __u32 rx_entries)
{
	return zcnet_setup_flags(ctx, tx_entries, cq_entries, fill_entries,
				 rx_entries, 0);
}

int zcnet_setup_flags(struct zcnet_ctx *ctx, __u32 tx_entries,
		      __u32 cq_entries, __u32 fill_entries, __u32 rx_entries,
		      __u32 flags)
{
	const struct zcnet_ring_offset *ro[ZCNET_NR_RINGS];
	struct zcnet_offsets off;
	struct zcnet_setup s;
	int i, err;

	if (!ctx)
		return -EINVAL;
	if (ctx->set_up)
		return -EBUSY;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = flags;
	s.tx_entries = tx_entries;
	s.cq_entries = cq_entries;
	s.fill_entries = fill_entries;
	s.rx_entries = rx_entries;
	err = zcnet_ioctl(ctx, ZCNET_IOC_SETUP, &s);
	if (err < 0)
		return err;
	ctx->set_up = true;

	err = zcnet_get_offsets(ctx, &off);
	if (err)
		return err;

	ro[LIBZCNET_RING_TX] = &off.tx;
	ro[LIBZCNET_RING_CQ] = &off.cq;
	ro[LIBZCNET_RING_FILL] = &off.fill;
	ro[LIBZCNET_RING_RX] = &off.rx;

	for (i = 0; i < ZCNET_NR_RINGS; i++) {
		void *map;

		if (ro[i]->entries == 0)
			continue;
		if (ro[i]->mmap_len == 0 || ro[i]->mmap_len > SIZE_MAX ||
		    ro[i]->mmap_offset > (__u64)INT64_MAX) {
			err = -EPROTO;
			goto fail;
		}
		map = mmap(NULL, (size_t)ro[i]->mmap_len,
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			   ctx->fd, (off_t)ro[i]->mmap_offset);
		if (map == MAP_FAILED) {
			err = zcnet_neg_errno();
			goto fail;
		}
		ctx->maps[i] = map;
		ctx->map_lens[i] = (size_t)ro[i]->mmap_len;
		err = zcnet_ring_init(&ctx->rings[i], map, ctx->map_lens[i],
				      ro[i], (enum zcnet_ring_type)i);
		if (err)
			goto fail;
	}
	return 0;

fail:
	zcnet_unmap_rings(ctx);
	return err;
}

static struct zcnet_ring *zcnet_ring_get(struct zcnet_ctx *ctx,
					 enum zcnet_ring_type type)
{
	if (!ctx || !ctx->rings[type].entries)
		return NULL;
	return &ctx->rings[type];
}

struct zcnet_ring *zcnet_tx_ring(struct zcnet_ctx *ctx)
{
	return zcnet_ring_get(ctx, LIBZCNET_RING_TX);
}

struct zcnet_ring *zcnet_cq_ring(struct zcnet_ctx *ctx)
{
	return zcnet_ring_get(ctx, LIBZCNET_RING_CQ);
}

struct zcnet_ring *zcnet_fill_ring(struct zcnet_ctx *ctx)
{
	return zcnet_ring_get(ctx, LIBZCNET_RING_FILL);
}

struct zcnet_ring *zcnet_rx_ring(struct zcnet_ctx *ctx)
{
	return zcnet_ring_get(ctx, LIBZCNET_RING_RX);
}

/* ---- regions ----------------------------------------------------------- */

int zcnet_region_register(struct zcnet_ctx *ctx, void *addr, size_t len,
			  __u32 *id)
{
	return zcnet_region_register_flags(ctx, addr, len, 0, id);
}

int zcnet_region_register_flags(struct zcnet_ctx *ctx, void *addr,
				size_t len, __u32 flags, __u32 *id)
{
	struct zcnet_region_reg r;
	int err;

	if (!ctx || !id)
		return -EINVAL;
	/* A kernel without the feature would say EINVAL, as for any flag. */
	if ((flags & ZCNET_REGION_READONLY) &&
	    !zcnet_has_feature(ctx, ZCNET_FEAT_REGION_READONLY))
		return -EOPNOTSUPP;
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.addr = (__u64)(uintptr_t)addr;
	r.len = len;
	err = zcnet_ioctl(ctx, ZCNET_IOC_REG_REGION, &r);
	if (err < 0)
		return err;
	*id = r.id;
	return 0;
}

int zcnet_region_unregister(struct zcnet_ctx *ctx, __u32 id)
{
	struct zcnet_region_unreg r;
	int err;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.id = id;
	err = zcnet_ioctl(ctx, ZCNET_IOC_UNREG_REGION, &r);
	return err < 0 ? err : 0;
}

int zcnet_region_import(struct zcnet_ctx *ctx, int fd, __u32 id,
			__u32 *new_id)
{
	struct zcnet_region_import r;
	int err;

	if (!new_id)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.fd = fd;
	r.id = id;
	err = zcnet_ioctl(ctx, ZCNET_IOC_IMPORT_REGION, &r);
	if (err < 0)
		return err;
	*new_id = r.new_id;
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static void zcnet_deadline(int timeout_ms, struct timespec *deadline)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left until deadline, rounded up; 0 once it has passed. */
static int zcnet_remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
	     (deadline->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > INT32_MAX ? INT32_MAX : (int)ns;
}

/* poll() until deadline (NULL: forever). Returns revents, 0, or -errno. */
static int zcnet_poll_until(int fd, short events,
			    const struct timespec *deadline)
{
	struct pollfd pfd;
	int ret;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		ret = poll(&pfd, 1, deadline ? zcnet_remaining_ms(deadline) : -1);
		if (ret > 0) {
			if (pfd.revents & POLLNVAL)
				return -EBADF;
			return pfd.revents;
		}
		if (ret == 0)
			return 0;
		if (errno != EINTR)
			return zcnet_neg_errno();
	}
}

/* poll() for up to timeout_ms (< 0: forever), restarting after signals. */
static int zcnet_poll_fd(int fd, short events, int timeout_ms)
{
	struct timespec deadline;

	if (timeout_ms < 0)
		return zcnet_poll_until(fd, events, NULL);
	zcnet_deadline(timeout_ms, &deadline);
	return zcnet_poll_until(fd, events, &deadline);
}

int zcnet_set_eventfd(struct zcnet_ctx *ctx, unsigned int which, int fd)
{
	struct zcnet_eventfd e;
	int err;

	if (!ctx || which >= ZCNET_NR_EVENTFDS || fd < -1)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.which = which;
	e.fd = fd;
	err = zcnet_ioctl(ctx, ZCNET_IOC_SET_EVENTFD, &e);
	if (err < 0)
		return err;
	if (ctx->efd_owned[which] && ctx->efd[which] >= 0 &&
	    ctx->efd[which] != fd)
		close(ctx->efd[which]);
	ctx->efd[which] = fd;
	ctx->efd_owned[which] = false;
	return 0;
}

int zcnet_eventfd_create(struct zcnet_ctx *ctx, unsigned int which)
{
	int efd, err;

	if (!ctx || which >= ZCNET_NR_EVENTFDS)
		return -EINVAL;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return zcnet_neg_errno();
	err = zcnet_set_eventfd(ctx, which, efd);
	if (err) {
		close(efd);
		return err;
	}
	ctx->efd_owned[which] = true;
	return efd;
}

int zcnet_ctx_eventfd(const struct zcnet_ctx *ctx, unsigned int which)
{
	if (!ctx || which >= ZCNET_NR_EVENTFDS)
		return -1;
	return ctx->efd[which];
}

int zcnet_eventfd_wait(struct zcnet_ctx *ctx, unsigned int which,
		       int timeout_ms, __u64 *count)
{
	struct timespec deadline, *dl = NULL;
	uint64_t value;
	ssize_t n;
	int efd, ret;

	if (!ctx || which >= ZCNET_NR_EVENTFDS)
		return -EINVAL;
	efd = ctx->efd[which];
	if (efd < 0)
		return -ENOENT;
	if (timeout_ms >= 0) {
		zcnet_deadline(timeout_ms, &deadline);
		dl = &deadline;
	}

	for (;;) {
		ret = zcnet_poll_until(efd, POLLIN, dl);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -ETIMEDOUT;
		if (ret & POLLIN) {
			n = read(efd, &value, sizeof(value));
			if (n == (ssize_t)sizeof(value)) {
				if (count)
					*count = value;
				return 0;
			}
			if (n >= 0)		/* short read: not an eventfd */
				return -EIO;
			/* EAGAIN: another reader emptied it first; wait on. */
			if (errno != EAGAIN && errno != EINTR)
				return zcnet_neg_errno();
		} else if (ret & (POLLERR | POLLHUP)) {
			return -EIO;
		}
		if (dl && zcnet_remaining_ms(dl) == 0)
			return -ETIMEDOUT;
	}
}

int zcnet_wait(struct zcnet_ctx *ctx, short events, int timeout_ms)
{
	if (!ctx)
		return -EINVAL;
	return zcnet_poll_fd(ctx->fd, events, timeout_ms);
}

/* ---- the other ioctls -------------------------------------------------- */

int zcnet_kick(struct zcnet_ctx *ctx, __u32 budget)
{
	struct zcnet_kick k;

	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.budget = budget;
	return zcnet_ioctl(ctx, ZCNET_IOC_KICK, &k);
}

int zcnet_set_param(struct zcnet_ctx *ctx, __u32 param, __u64 value)
{
	struct zcnet_param p;
	int err;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.param = param;
	p.value = value;
	err = zcnet_ioctl(ctx, ZCNET_IOC_SET_PARAM, &p);
	return err < 0 ? err : 0;
}

int zcnet_get_param(struct zcnet_ctx *ctx, __u32 param, __u64 *value)
{
	struct zcnet_param p;
	int err;

	if (!value)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.param = param;
	err = zcnet_ioctl(ctx, ZCNET_IOC_GET_PARAM, &p);
	if (err < 0)
		return err;
	*value = p.value;
	return 0;
}

int zcnet_bind(struct zcnet_ctx *ctx, const struct zcnet_bind *bind)
{
	struct zcnet_bind b;
	int err;

	if (!bind)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.flags = bind->flags;
	b.ifindex = bind->ifindex;
	b.queue = bind->queue;
	b.rx_match = bind->rx_match;
	b.rx_ethertype = bind->rx_ethertype;
	b.rx_port = bind->rx_port;
	b.rx_queue = bind->rx_queue;
	err = zcnet_ioctl(ctx, ZCNET_IOC_BIND, &b);
	return err < 0 ? err : 0;
}

int zcnet_unbind(struct zcnet_ctx *ctx, __u32 flags)
{
	struct zcnet_unbind u;
	int err;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.flags = flags;
	err = zcnet_ioctl(ctx, ZCNET_IOC_UNBIND, &u);
	return err < 0 ? err : 0;
}

int zcnet_sock_attach(struct zcnet_ctx *ctx, int sockfd, __u32 *slot)
{
	return zcnet_sock_attach_to(ctx, sockfd, NULL, slot);
}

int zcnet_sock_attach_to(struct zcnet_ctx *ctx, int sockfd,
			 const struct sockaddr *dest, __u32 *slot)
{
	struct zcnet_sock_attach a;
	int err;

	if (!slot)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.fd = sockfd;
	a.addr = (__u64)(uintptr_t)dest;
	err = zcnet_ioctl(ctx, ZCNET_IOC_SOCK_ATTACH, &a);
	if (err < 0)
		return err;
	*slot = a.slot;
	return 0;
}

int zcnet_sock_detach(struct zcnet_ctx *ctx, __u32 slot)
{
	struct zcnet_sock_detach d;
	int err;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.slot = slot;
	err = zcnet_ioctl(ctx, ZCNET_IOC_SOCK_DETACH, &d);
	return err < 0 ? err : 0;
}

/*
 * ZCNET_IOC_GET_STATS with the first size bytes of *stats: zeroed, size
 * field set to size. The kernel fills at most size bytes.
 */
static int zcnet_get_stats_size(struct zcnet_ctx *ctx,
				struct zcnet_stats *stats, __u32 size,
				unsigned long req)
{
	int err;

	if (!stats)
		return -EINVAL;
	memset(stats, 0, size);
	stats->size = size;
	err = zcnet_ioctl(ctx, req, stats);
	return err < 0 ? err : 0;
}

/*
 * LIBZCNET_1.0: programs linked before rx_drop_split have a 248-byte
 * struct zcnet_stats (ZCNET_STATS_SIZE_VER0). Touch no byte past it, and
 * send the request number the 1.0 and 1.1 libraries sent, with 248 in its
 * size bits. The kernel goes by the size field, not by those bits, but
 * this way the old call stays exactly what it was.
 */
#define ZCNET_IOC_GET_STATS_VER0					\
	_IOC(_IOC_READ | _IOC_WRITE, ZCNET_IOC_MAGIC,			\
	     _IOC_NR(ZCNET_IOC_GET_STATS), ZCNET_STATS_SIZE_VER0)

_Static_assert(_IOC_DIR(ZCNET_IOC_GET_STATS) == (_IOC_READ | _IOC_WRITE),
	       "GET_STATS direction");

int zcnet_get_stats_v1_0(struct zcnet_ctx *ctx, struct zcnet_stats *stats)
{
	return zcnet_get_stats_size(ctx, stats, ZCNET_STATS_SIZE_VER0,
				    ZCNET_IOC_GET_STATS_VER0);
}
ZCNET_SYMVER(zcnet_get_stats_v1_0, "zcnet_get_stats@LIBZCNET_1.0");

/* LIBZCNET_1.2, the default: the whole struct of <linux/zcnet.h>. */
int zcnet_get_stats_v1_2(struct zcnet_ctx *ctx, struct zcnet_stats *stats)
{
	return zcnet_get_stats_size(ctx, stats, sizeof(*stats),
				    ZCNET_IOC_GET_STATS);
}
ZCNET_SYMVER(zcnet_get_stats_v1_2, "zcnet_get_stats@@LIBZCNET_1.2");
