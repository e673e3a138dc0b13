/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the zcnet selftests. They talk to /dev/zcnet
 * through the raw UAPI only (no libzcnet), so that the tests check the
 * contract in <linux/zcnet.h> and nothing else.
 *
 * Every helper that wraps a system call returns the call's result or
 * -errno, so a test can write ASSERT_EQ(-EINVAL, zc_ioctl(...)).
 */
#ifndef ZCNET_UTIL_H
#define ZCNET_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/zcnet.h>

/*
 * Note for test code: the harness's EXPECT_*() and ASSERT_*() expand to two
 * statements (the check and a handler loop that runs TH_LOG()), so under
 * if/for/while they must always be braced.
 */

#define ZC_DEV_PATH		"/dev/" ZCNET_DEVICE_NAME
#define ZC_MODULE_NAME		"zcnet"
#define ZC_NOBODY		65534
#define ZC_SETTLE_MS		2000	/* deferred release must finish by then */

/* ------------------------------------------------------------------ */
/* generic                                                             */
/* ------------------------------------------------------------------ */

static inline size_t zc_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline long zc_err(long ret)
{
	return ret < 0 ? -errno : ret;
}

static inline long zc_ioctl(int fd, unsigned long req, void *arg)
{
	return zc_err(ioctl(fd, req, arg));
}

static inline uint64_t zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void zc_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Read or write exactly len bytes; 0 on success, -errno or -EPIPE. */
static inline int zc_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int zc_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Anonymous private memory, page aligned; NULL on failure. */
static inline void *zc_alloc_pages(size_t npages)
{
	void *p = mmap(NULL, npages * zc_page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A "kB" line of a /proc file, e.g. "VmPin:"; -1 when absent. */
static inline long zc_proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen)) {
			val = strtol(line + klen, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static inline long zc_status_kb(const char *key)
{
	return zc_proc_kb("/proc/self/status", key);
}

/* Write a small string to a file (sysctl); 0 or -errno. */
static inline int zc_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = zc_write_full(fd, val, strlen(val));
	close(fd);
	return ret;
}

/* The start of a small file, NUL-terminated: its length, or -errno. */
static inline ssize_t zc_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static inline long zc_read_file_long(const char *path)
{
	char buf[64];
	ssize_t n = zc_read_file(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (!n)
		return -EIO;
	return strtol(buf, NULL, 10);
}

/* ------------------------------------------------------------------ */
/* processes                                                           */
/* ------------------------------------------------------------------ */

/*
 * fork() whose child dies with the test: if the test process goes away
 * (an ASSERT aborts it, the harness times it out) the child gets SIGKILL.
 */
static inline pid_t zc_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(120);
	}
	return pid;
}

/* SIGKILL and reap; returns the wait status or -1. */
static inline int zc_kill_wait(pid_t pid)
{
	int status = 0;

	if (pid <= 0)
		return -1;
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Reap a child that is expected to exit on its own; returns its status. */
static inline int zc_wait(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * Run fn in a forked child that fills up to nres (at most 16) results,
 * sent back through a pipe; -9999 marks a result the child did not set,
 * -9998 a child that died before sending.
 */
static inline int zc_child_results(void (*fn)(long *r, const void *arg),
				   const void *arg, long *res, int nres)
{
	int p[2], i;
	pid_t pid;

	for (i = 0; i < nres; i++)
		res[i] = -9999;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = zc_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		long r[16];

		close(p[0]);
		for (i = 0; i < 16; i++)
			r[i] = -9999;
		fn(r, arg);
		zc_write_full(p[1], r, sizeof(r[0]) * (size_t)nres);
		_exit(0);
	}
	close(p[1]);
	if (zc_read_full(p[0], res, sizeof(res[0]) * (size_t)nres))
		res[0] = -9998;
	close(p[0]);
	zc_wait(pid);
	return 0;
}

/*
 * Turn the calling (forked) process into an unprivileged user: memlock
 * limit first (lowering it needs no privilege, but do it while root),
 * then groups, gid and uid. Changing the euid clears the parent-death
 * signal, so set it again. Returns 0 or -errno.
 */
static inline int zc_become_user(uid_t uid, size_t memlock_bytes)
{
	struct rlimit rl = { .rlim_cur = memlock_bytes,
			     .rlim_max = memlock_bytes };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (setgroups(0, NULL))
		return -errno;
	if (setresgid(uid, uid, uid))
		return -errno;
	if (setresuid(uid, uid, uid))
		return -errno;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ioctl wrappers                                                      */
/* ------------------------------------------------------------------ */

static inline int zc_open(void)
{
	return open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
}

static inline long zc_get_info(int fd, struct zcnet_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return zc_ioctl(fd, ZCNET_IOC_GET_INFO, info);
}

static inline long zc_setup(int fd, __u32 tx, __u32 cq, __u32 fill, __u32 rx)
{
	struct zcnet_setup s = {
		.size = sizeof(s),
		.tx_entries = tx,
		.cq_entries = cq,
		.fill_entries = fill,
		.rx_entries = rx,
	};

	return zc_ioctl(fd, ZCNET_IOC_SETUP, &s);
}

static inline long zc_get_offsets(int fd, struct zcnet_offsets *off)
{
	memset(off, 0, sizeof(*off));
	off->size = sizeof(*off);
	return zc_ioctl(fd, ZCNET_IOC_GET_OFFSETS, off);
}

static inline long zc_get_stats(int fd, struct zcnet_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return zc_ioctl(fd, ZCNET_IOC_GET_STATS, st);
}

static inline long zc_reg(int fd, const void *addr, __u64 len, __u32 *id)
{
	struct zcnet_region_reg r = {
		.size = sizeof(r),
		.addr = (__u64)(uintptr_t)addr,
		.len = len,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_REG_REGION, &r);

	if (!ret && id)
		*id = r.id;
	return ret;
}

/* Same with a raw address (for wrap-around and unmapped cases). */
static inline long zc_reg_raw(int fd, __u64 addr, __u64 len)
{
	struct zcnet_region_reg r = {
		.size = sizeof(r),
		.addr = addr,
		.len = len,
	};

	return zc_ioctl(fd, ZCNET_IOC_REG_REGION, &r);
}

static inline long zc_unreg(int fd, __u32 id)
{
	struct zcnet_region_unreg u = { .size = sizeof(u), .id = id };

	return zc_ioctl(fd, ZCNET_IOC_UNREG_REGION, &u);
}

static inline long zc_set_eventfd(int fd, __u32 which, int efd)
{
	struct zcnet_eventfd e = {
		.size = sizeof(e),
		.which = which,
		.fd = efd,
	};

	return zc_ioctl(fd, ZCNET_IOC_SET_EVENTFD, &e);
}

static inline long zc_kick(int fd, __u32 budget)
{
	struct zcnet_kick k = { .size = sizeof(k), .budget = budget };

	return zc_ioctl(fd, ZCNET_IOC_KICK, &k);
}

/* ------------------------------------------------------------------ */
/* rings                                                               */
/* ------------------------------------------------------------------ */

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

static inline int zc_ring_map(int fd, const struct zcnet_ring_offset *ro,
			      struct zc_ring *r)
{
	void *p;

	memset(r, 0, sizeof(*r));
	if (!ro->entries)
		return 0;
	p = mmap(NULL, ro->mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)ro->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	r->map = p;
	r->map_len = ro->mmap_len;
	r->producer = (__u32 *)((char *)p + ro->producer);
	r->consumer = (__u32 *)((char *)p + ro->consumer);
	r->flags = (__u32 *)((char *)p + ro->flags);
	r->desc = (char *)p + ro->desc;
	r->entries = ro->entries;
	r->mask = ro->entries - 1;
	r->entry_size = ro->entry_size;
	return 0;
}

static inline void zc_ring_unmap(struct zc_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

static inline __u32 zc_load_acquire(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline __u32 zc_load_relaxed(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void zc_store_release(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void *zc_ring_slot(const struct zc_ring *r, __u32 idx)
{
	return r->desc + (size_t)(idx & r->mask) * r->entry_size;
}

/*
 * The user's side of the ring protocol (uapi/linux/zcnet.h): produce one
 * entry of size bytes from src, 0 or -ENOSPC when full; consume one into
 * dst, 0 or -EAGAIN when empty.
 */
static inline int zc_ring_push(struct zc_ring *r, const void *src,
			       size_t size)
{
	__u32 prod = zc_load_relaxed(r->producer);
	__u32 cons = zc_load_acquire(r->consumer);

	if (prod - cons >= r->entries)
		return -ENOSPC;
	memcpy(zc_ring_slot(r, prod), src, size);
	zc_store_release(r->producer, prod + 1);
	return 0;
}

static inline int zc_ring_pop(struct zc_ring *r, void *dst, size_t size)
{
	__u32 cons = zc_load_relaxed(r->consumer);
	__u32 prod = zc_load_acquire(r->producer);

	if (prod == cons)
		return -EAGAIN;
	memcpy(dst, zc_ring_slot(r, cons), size);
	zc_store_release(r->consumer, cons + 1);
	return 0;
}

static inline int zc_tx_push(struct zc_ring *tx, const struct zcnet_tx_desc *d)
{
	return zc_ring_push(tx, d, sizeof(*d));
}

static inline int zc_cq_pop(struct zc_ring *cq, struct zcnet_cq_entry *e)
{
	return zc_ring_pop(cq, e, sizeof(*e));
}

static inline int zc_fill_push(struct zc_ring *r,
			       const struct zcnet_fill_desc *d)
{
	return zc_ring_push(r, d, sizeof(*d));
}

static inline int zc_rx_pop(struct zc_ring *r, struct zcnet_rx_desc *e)
{
	return zc_ring_pop(r, e, sizeof(*e));
}

/* Entries the kernel has produced and the user not yet consumed. */
static inline __u32 zc_cq_ready(const struct zc_ring *cq)
{
	return zc_load_acquire(cq->producer) - zc_load_relaxed(cq->consumer);
}

static inline struct zcnet_tx_desc zc_nop(__u16 region, __u64 offset,
					  __u32 len, __u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset,
		.len = len,
		.region = region,
		.flags = ZCNET_TX_NOP,
		.cookie = cookie,
	};

	return d;
}

/* One context with its rings set up and mapped. */
struct zc_ctx {
	int fd;
	struct zcnet_offsets off;
	struct zc_ring tx, cq, fill, rx;
};

static inline void zc_ctx_close(struct zc_ctx *c)
{
	zc_ring_unmap(&c->tx);
	zc_ring_unmap(&c->cq);
	zc_ring_unmap(&c->fill);
	zc_ring_unmap(&c->rx);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Open, set up and map; 0 or -errno (nothing left open on failure). */
static inline long zc_ctx_open(struct zc_ctx *c, __u32 tx, __u32 cq,
			       __u32 fill, __u32 rx)
{
	long ret;

	memset(c, 0, sizeof(*c));
	c->fd = zc_open();
	if (c->fd < 0)
		return -errno;
	ret = zc_setup(c->fd, tx, cq, fill, rx);
	if (!ret)
		ret = zc_get_offsets(c->fd, &c->off);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.tx, &c->tx);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.cq, &c->cq);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.fill, &c->fill);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.rx, &c->rx);
	if (ret)
		zc_ctx_close(c);
	return ret;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */
/* ------------------------------------------------------------------ */

struct zc_stat_field {
	const char *name;
	size_t off;
};

#define ZC_STAT(f) { #f, offsetof(struct zcnet_stats, f) }
static const struct zc_stat_field zc_stat_fields[] = {
	ZC_STAT(tx_kicks), ZC_STAT(tx_descs), ZC_STAT(tx_nops),
	ZC_STAT(tx_frames), ZC_STAT(tx_bytes), ZC_STAT(tx_zerocopy),
	ZC_STAT(tx_copied), ZC_STAT(tx_rejected), ZC_STAT(tx_busy),
	ZC_STAT(tx_dev_errors), ZC_STAT(cq_posted), ZC_STAT(cq_signals),
	ZC_STAT(ring_errors), ZC_STAT(rx_frames), ZC_STAT(rx_bytes),
	ZC_STAT(rx_drop_nobuf), ZC_STAT(rx_drop_size), ZC_STAT(rx_truncated),
	ZC_STAT(rx_filter_miss), ZC_STAT(rx_fill_rejected),
	ZC_STAT(rx_signals), ZC_STAT(sock_zc_bytes),
	ZC_STAT(sock_copied_bytes), ZC_STAT(sock_resumes),
	ZC_STAT(sock_errors), ZC_STAT(regions), ZC_STAT(pinned_pages),
	ZC_STAT(inflight), ZC_STAT(module_pinned_pages),
	ZC_STAT(module_contexts), ZC_STAT(rx_drop_split),
};
#undef ZC_STAT
#define ZC_NR_STAT_FIELDS (sizeof(zc_stat_fields) / sizeof(zc_stat_fields[0]))

static inline __u64 zc_stat_value(const struct zcnet_stats *st,
				  const struct zc_stat_field *f)
{
	__u64 v;

	memcpy(&v, (const char *)st + f->off, sizeof(v));
	return v;
}

/*
 * Wait (up to ms; ZC_SETTLE_MS for zc_settle) until fd's context, which
 * must hold no region, is the only one left and nothing is pinned
 * module-wide, so a test that
 * compares module-wide counters starts from a quiet module even if an
 * earlier test's release was deferred. *st gets the last reading. Returns
 * 0 once settled, -EBUSY if it did not settle, or the GET_STATS error.
 */
static inline int zc_settle_for(int fd, struct zcnet_stats *st,
				unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	long ret;

	for (;;) {
		ret = zc_get_stats(fd, st);
		if (ret)
			return (int)ret;
		if (st->module_contexts == 1 && st->module_pinned_pages == 0)
			return 0;
		if (zc_now_ms() > end)
			return -EBUSY;
		zc_sleep_ms(20);
	}
}

static inline int zc_settle(int fd, struct zcnet_stats *st)
{
	return zc_settle_for(fd, st, ZC_SETTLE_MS);
}

/*
 * Poll module_pinned_pages through fd until it equals want or
 * ZC_SETTLE_MS passed; returns the last value seen.
 */
static inline __u64 zc_wait_module_pinned(int fd, __u64 want)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	struct zcnet_stats st;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return ~0ULL;
		if (st.module_pinned_pages == want || zc_now_ms() > end)
			return st.module_pinned_pages;
		zc_sleep_ms(20);
	}
}

static inline __u64 zc_wait_module_contexts(int fd, __u64 want)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	struct zcnet_stats st;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return ~0ULL;
		if (st.module_contexts == want || zc_now_ms() > end)
			return st.module_contexts;
		zc_sleep_ms(20);
	}
}

/* SKIP helper: is the device there at all? */
static inline int zc_dev_present(void)
{
	return access(ZC_DEV_PATH, F_OK) == 0;
}

/* ------------------------------------------------------------------ */
/* raw transmit: bind, params, completions                             */
/* ------------------------------------------------------------------ */

static inline long zc_bind(int fd, __u32 flags, __u32 ifindex, __u32 queue)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = flags,
		.ifindex = ifindex,
		.queue = queue,
	};

	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

static inline long zc_unbind(int fd, __u32 flags)
{
	struct zcnet_unbind u = { .size = sizeof(u), .flags = flags };

	return zc_ioctl(fd, ZCNET_IOC_UNBIND, &u);
}

static inline long zc_set_param(int fd, __u32 param, __u64 value)
{
	struct zcnet_param p = {
		.size = sizeof(p),
		.param = param,
		.value = value,
	};

	return zc_ioctl(fd, ZCNET_IOC_SET_PARAM, &p);
}

/* ZCNET_IOC_GET_PARAM: 0 with *value the value in force, or -errno */
static inline long zc_get_param(int fd, __u32 param, __u64 *value)
{
	struct zcnet_param p = { .size = sizeof(p), .param = param };
	long ret = zc_ioctl(fd, ZCNET_IOC_GET_PARAM, &p);

	if (!ret)
		*value = p.value;
	return ret;
}

/* A raw-frame descriptor: one link-layer frame at region/offset. */
static inline struct zcnet_tx_desc zc_raw(__u16 region, __u64 offset,
					  __u32 len, __u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset,
		.len = len,
		.region = region,
		.cookie = cookie,
	};

	return d;
}

/* SOCK_ATTACH: fd sfd, UDP destination addr (or 0); the slot in *slot. */
static inline long zc_sock_attach(int fd, int sfd, __u64 addr, __u32 *slot)
{
	struct zcnet_sock_attach a = {
		.size = sizeof(a), .fd = sfd, .addr = addr,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_SOCK_ATTACH, &a);

	if (!ret && slot)
		*slot = a.slot;
	return ret;
}

static inline long zc_sock_detach(int fd, __u32 slot)
{
	struct zcnet_sock_detach d = { .size = sizeof(d), .slot = slot };

	return zc_ioctl(fd, ZCNET_IOC_SOCK_DETACH, &d);
}

/* A socket descriptor: len bytes at region/offset to socket slot. */
static inline struct zcnet_tx_desc zc_sock_desc(__u32 region, __u64 offset,
						__u32 len, __u32 slot,
						__u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset, .len = len, .region = (__u16)region,
		.flags = ZCNET_TX_SOCK, .sock = (__u16)slot, .cookie = cookie,
	};

	return d;
}

/* Features of this build (GET_INFO on a fresh context); 0 on error. */
static inline __u64 zc_features(void)
{
	struct zcnet_info info;
	int fd = zc_open();
	long ret;

	if (fd < 0)
		return 0;
	ret = zc_get_info(fd, &info);
	close(fd);
	return ret ? 0 : info.features;
}

/*
 * Pop completions into out[] until want of them were popped or
 * timeout_ms passed; returns how many were popped. Completions of raw
 * frames arrive asynchronously: it sleeps in poll() (POLLIN on the
 * context) in short slices, so a missing wake-up costs time, not a hang.
 */
static inline unsigned int zc_cq_collect(struct zc_ctx *c,
					 struct zcnet_cq_entry *out,
					 unsigned int want,
					 unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	unsigned int got = 0;

	while (got < want) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		uint64_t now;

		if (!zc_cq_pop(&c->cq, &out[got])) {
			got++;
			continue;
		}
		now = zc_now_ms();
		if (now >= end)
			break;
		poll(&p, 1, end - now > 100 ? 100 : (int)(end - now));
	}
	return got;
}

/* TX descriptors produced but not yet consumed by the kernel. */
static inline __u32 zc_tx_pending(const struct zc_ring *tx)
{
	return zc_load_relaxed(tx->producer) - zc_load_acquire(tx->consumer);
}

/* eventfd counter, or -errno (-EAGAIN when not signalled) */
static inline long zc_efd_read(int efd)
{
	__u64 v;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return (long)v;
}

/* ------------------------------------------------------------------ */
/* the test guest's network (scripts/guest/init.sh)                    */
/* ------------------------------------------------------------------ */

/*
 * $ZCNET_IFACE: the sending NIC, in this (the root) namespace.
 * $ZCNET_PEER_IFACE: the NIC on the other end of the wire, in the named
 * network namespace $ZCNET_PEER_NS (/run/netns/NAME). Tests that need
 * them SKIP when they are not set: outside the guest nothing is touched.
 */
struct zc_env {
	const char *iface;
	const char *peer_ns;
	const char *peer_iface;
	const char *local_ip;	/* $ZCNET_LOCAL_IP, may be NULL */
};

static inline int zc_env_get(struct zc_env *e)
{
	e->iface = getenv("ZCNET_IFACE");
	e->peer_ns = getenv("ZCNET_PEER_NS");
	e->peer_iface = getenv("ZCNET_PEER_IFACE");
	e->local_ip = getenv("ZCNET_LOCAL_IP");
	if (!e->iface || !*e->iface || !e->peer_ns || !*e->peer_ns ||
	    !e->peer_iface || !*e->peer_iface)
		return -ENOENT;
	return 0;
}

#define ZC_ETH_ALEN		6
#define ZC_ETH_HLEN		14
#define ZC_ETH_ZLEN		60	/* shortest frame the tests expect to arrive */

struct zc_netif {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[ZC_ETH_ALEN];
	unsigned int mtu;
	short flags;		/* IFF_* */
};

/* ifreq ioctl on an AF_INET socket of the current netns; 0 or -errno */
static inline int zc_ifreq(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return -errno;
	ret = ioctl(s, req, ifr) ? -errno : 0;
	close(s);
	return ret;
}

static inline void zc_ifr_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

/* Index, MAC, MTU and flags of a device of the current netns. */
static inline int zc_netif_get(const char *name, struct zc_netif *nif)
{
	struct ifreq ifr;
	int ret;

	memset(nif, 0, sizeof(*nif));
	snprintf(nif->name, sizeof(nif->name), "%s", name);
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFINDEX, &ifr);
	if (ret)
		return ret;
	nif->ifindex = ifr.ifr_ifindex;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFHWADDR, &ifr);
	if (ret)
		return ret;
	memcpy(nif->mac, ifr.ifr_hwaddr.sa_data, ZC_ETH_ALEN);
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFMTU, &ifr);
	if (ret)
		return ret;
	nif->mtu = (unsigned int)ifr.ifr_mtu;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	if (ret)
		return ret;
	nif->flags = ifr.ifr_flags;
	return 0;
}

/* IFF_* flags of a device, or -errno. */
static inline int zc_netif_flags(const char *name)
{
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	return ret ? ret : (unsigned short)ifr.ifr_flags;
}

/* ip link set NAME up|down, through SIOCSIFFLAGS; 0 or -errno */
static inline int zc_netif_set_up(const char *name, bool up)
{
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	if (ret)
		return ret;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return zc_ifreq(SIOCSIFFLAGS, &ifr);
}

/* ip link set NAME mtu MTU; 0 or -errno */
static inline int zc_netif_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;

	zc_ifr_name(&ifr, name);
	ifr.ifr_mtu = (int)mtu;
	return zc_ifreq(SIOCSIFMTU, &ifr);
}

/* Rename a (down) device; 0 or -errno */
static inline int zc_netif_rename(const char *from, const char *to)
{
	struct ifreq ifr;

	zc_ifr_name(&ifr, from);
	snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", to);
	return zc_ifreq(SIOCSIFNAME, &ifr);
}

/*
 * Make sure NAME has the IPv4 address ip/24 (a device that went away and
 * came back has none); 0 or -errno.
 */
static inline int zc_netif_ensure_addr(const char *name, const char *ip)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	struct in_addr want;
	int ret;

	if (inet_pton(AF_INET, ip, &want) != 1)
		return -EINVAL;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFADDR, &ifr);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	if (!ret && sin->sin_addr.s_addr == want.s_addr)
		return 0;
	zc_ifr_name(&ifr, name);
	sin->sin_family = AF_INET;
	sin->sin_addr = want;
	ret = zc_ifreq(SIOCSIFADDR, &ifr);
	if (ret)
		return ret;
	zc_ifr_name(&ifr, name);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xffffff00);
	return zc_ifreq(SIOCSIFNETMASK, &ifr);
}

/*
 * Number of TX queues the stack uses on a device of the root netns
 * (/sys/class/net/NAME/queues/tx-N), or -errno.
 */
static inline int zc_netif_tx_queues(const char *name)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "tx-", 3))
			n++;
	closedir(d);
	return n;
}

/* ethtool's scatter-gather setting (ETHTOOL_GSG/SSG): 0/1 or -errno */
static inline int zc_netif_sg(const char *name, int set)
{
	struct ethtool_value ev = { .cmd = set < 0 ? ETHTOOL_GSG : ETHTOOL_SSG,
				    .data = set > 0 };
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ifr.ifr_data = (void *)&ev;
	ret = zc_ifreq(SIOCETHTOOL, &ifr);
	if (ret)
		return ret;
	return set < 0 ? (int)ev.data : 0;
}

/* The driver of a device of the root netns, into buf; 0 or -errno */
static inline int zc_netif_driver(const char *name, char *buf, size_t size)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

/*
 * Frames up to this many bytes are copied by the driver itself, whatever
 * zcnet does: vmxnet3 puts a frame that fits its TX data descriptor
 * (txdata_desc_size, VMXNET3_HDR_COPY_SIZE = 128 by default) there whole,
 * pulling it into the skb head first (pskb_may_pull copies zero-copy
 * frags). zcnet reports those with ZCNET_CQE_COPIED, truthfully.
 */
static inline unsigned int zc_driver_copy_len(const char *name)
{
	char drv[64];

	if (zc_netif_driver(name, drv, sizeof(drv)))
		return 0;
	if (!strcmp(drv, "vmxnet3"))
		return 128;
	return 0;
}

/* Wait until NAME is up with carrier (IFF_RUNNING); 0 or -ETIMEDOUT */
static inline int zc_netif_wait_running(const char *name, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	int f;

	for (;;) {
		f = zc_netif_flags(name);
		if (f >= 0 && (f & IFF_UP) && (f & IFF_RUNNING))
			return 0;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		zc_sleep_ms(20);
	}
}

/*
 * Enter the named network namespace (/run/netns/NAME). Returns an fd of
 * the namespace left, for zc_netns_return(), or -errno. Sockets keep the
 * namespace they were created in.
 */
static inline int zc_netns_enter(const char *name)
{
	char path[256];
	int old, ns;

	old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		int err = -errno;

		if (ns >= 0)
			close(ns);
		close(old);
		return err;
	}
	close(ns);
	return old;
}

static inline int zc_netns_return(int old)
{
	int ret = setns(old, CLONE_NEWNET) ? -errno : 0;

	close(old);
	return ret;
}

/*
 * An AF_PACKET socket bound to one device and one ethertype
 * (ETH_P_ALL makes it a tap of that device only), in the current netns,
 * with a receive buffer of rcvbuf bytes; fd or -errno. The hook is only
 * registered by bind(), so it never sees other devices' frames.
 */
static inline int zc_packet_socket(int ifindex, __u16 proto, int rcvbuf)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/*
 * The receiving end: a packet socket for ethertype proto on
 * $ZCNET_PEER_IFACE inside $ZCNET_PEER_NS, and that device's address.
 */
static inline int zc_peer_open(const struct zc_env *env, __u16 proto,
			       struct zc_netif *peer)
{
	int old = zc_netns_enter(env->peer_ns);
	int s, ret;

	if (old < 0)
		return old;
	ret = zc_netif_get(env->peer_iface, peer);
	s = ret ? ret : zc_packet_socket(peer->ifindex, proto, 16 << 20);
	ret = zc_netns_return(old);
	if (ret) {
		/* stuck in the peer's namespace: nothing else can be trusted */
		fprintf(stderr, "cannot return to the test's netns: %s\n",
			strerror(-ret));
		_exit(1);
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* test frames                                                         */
/* ------------------------------------------------------------------ */

/*
 * A test frame: Ethernet header (dst, src, ZC_ETH_P_TEST), then, when
 * there is room, a tag { magic, run, seq, len } in network byte order,
 * then bytes that depend on run, seq and position. The receiver finds
 * its frames by run and seq and compares every byte.
 */
#define ZC_ETH_P_TEST		0x88b5	/* IEEE 802 local experimental */
#define ZC_FRAME_MAGIC		0x7a636e74u	/* "zcnt" */
#define ZC_FRAME_TAGGED		(ZC_ETH_HLEN + 16)

static inline void zc_frame_fill(unsigned char *p, __u32 len,
				 const unsigned char *dst,
				 const unsigned char *src, __u32 run, __u32 seq)
{
	__u32 tag[4] = { htonl(ZC_FRAME_MAGIC), htonl(run), htonl(seq),
			 htonl(len) };
	unsigned char hdr[ZC_ETH_HLEN];
	__u32 i;

	memcpy(hdr, dst, ZC_ETH_ALEN);
	memcpy(hdr + ZC_ETH_ALEN, src, ZC_ETH_ALEN);
	hdr[12] = ZC_ETH_P_TEST >> 8;
	hdr[13] = ZC_ETH_P_TEST & 0xff;
	for (i = 0; i < len; i++) {
		if (i < ZC_ETH_HLEN)
			p[i] = hdr[i];
		else if (i < ZC_FRAME_TAGGED)
			p[i] = ((unsigned char *)tag)[i - ZC_ETH_HLEN];
		else
			p[i] = (unsigned char)(seq * 131u + i * 7u + run + (i >> 8));
	}
}

/* run and seq of one of our frames; -EINVAL for anything else */
static inline int zc_frame_tag(const unsigned char *p, size_t len,
			       __u32 *run, __u32 *seq)
{
	__u32 tag[4];

	if (len < ZC_FRAME_TAGGED || p[12] != (ZC_ETH_P_TEST >> 8) ||
	    p[13] != (ZC_ETH_P_TEST & 0xff))
		return -EINVAL;
	memcpy(tag, p + ZC_ETH_HLEN, sizeof(tag));
	if (ntohl(tag[0]) != ZC_FRAME_MAGIC)
		return -EINVAL;
	*run = ntohl(tag[1]);
	*seq = ntohl(tag[2]);
	return 0;
}

/* A run number for this process's frames (tests run in forked children). */
static inline __u32 zc_new_run(void)
{
	static __u32 counter;

	return ((__u32)getpid() << 12) ^ (__u32)(zc_now_ms() << 20) ^
	       (++counter * 0x9e3779b9u);
}

/* What the receiver must see of frame seq of a run. */
struct zc_rx_expect {
	const unsigned char *data;	/* the bytes (NULL: not compared) */
	__u32 len;
	int want;			/* 1: must arrive, 0: must not, -1: may */
	unsigned int seen;		/* copies received (byte-exact) */
	unsigned int bad;		/* copies with other bytes or length */
};

struct zc_rx_report {
	unsigned int wanted;		/* entries with want 1 */
	unsigned int complete;		/* of those, seen >= 1 */
	unsigned int stray;		/* our run: seq >= n or want 0 */
	unsigned int bad;		/* sum of exp[].bad */
	unsigned int dups;		/* copies beyond the first */
	unsigned int reordered;		/* seq lower than the one before */
	int first_missing;		/* seq, or -1 */
	int first_bad;			/* seq, or -1 */
	int first_stray;		/* seq, or -1 */
};

/*
 * Read socket s until every entry of exp[0..n) with want 1 arrived
 * (frames tagged run, seq = index) or timeout_ms passed. Frames of other
 * runs and other traffic are ignored. Fills *rep.
 */
static inline void zc_rx_expect(int s, __u32 run, struct zc_rx_expect *exp,
				unsigned int n, unsigned int timeout_ms,
				struct zc_rx_report *rep)
{
	static unsigned char buf[65536];
	uint64_t end = zc_now_ms() + timeout_ms;
	unsigned int i;
	long last = -1;

	memset(rep, 0, sizeof(*rep));
	rep->first_missing = -1;
	rep->first_bad = -1;
	rep->first_stray = -1;
	for (i = 0; i < n; i++) {
		exp[i].seen = 0;
		exp[i].bad = 0;
		if (exp[i].want == 1)
			rep->wanted++;
	}
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct zc_rx_expect *e;
		__u32 r, seq;
		ssize_t len;
		uint64_t now;

		if (rep->complete == rep->wanted)
			break;
		len = recv(s, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				break;
			now = zc_now_ms();
			if (now >= end)
				break;
			poll(&p, 1, end - now > 100 ? 100 : (int)(end - now));
			continue;
		}
		if (zc_frame_tag(buf, (size_t)len < sizeof(buf) ? (size_t)len :
				 sizeof(buf), &r, &seq) || r != run)
			continue;
		if (seq >= n || exp[seq].want == 0) {
			if (!rep->stray++)
				rep->first_stray = (int)seq;
			continue;
		}
		e = &exp[seq];
		if ((long)seq < last)
			rep->reordered++;
		last = seq;
		if (e->data && ((size_t)len != e->len ||
				memcmp(buf, e->data, e->len))) {
			if (!e->bad++ && rep->first_bad < 0)
				rep->first_bad = (int)seq;
			rep->bad++;
			continue;
		}
		if (e->seen++)
			rep->dups++;
		else if (e->want == 1)
			rep->complete++;
	}
	for (i = 0; i < n; i++) {
		if (exp[i].want == 1 && !exp[i].seen) {
			rep->first_missing = (int)i;
			break;
		}
	}
}

/* Read and drop whatever is queued on s. */
static inline void zc_rx_drain(int s)
{
	char b[64];

	while (recv(s, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

/* ------------------------------------------------------------------ */
/* a batch of raw frames: send, complete, receive, check               */
/* ------------------------------------------------------------------ */

/* One raw descriptor of a batch and what must become of it. */
struct zc_frame {
	__u64 offset;
	__u32 len;
	__u16 region;
	__u16 flags;
	__u16 sock;
	__u16 reserved0;
	__u32 reserved1;
	unsigned char *data;	/* its bytes in memory: filled as a test frame */
	bool good;		/* completes with result == len */
	__s32 want;		/* the result when !good */
	int copied;		/* ZCNET_CQE_COPIED: 1 set, 0 clear, -1 either */
	int arrive;		/* at the peer: 1 must, 0 must not, -1 may */
	/* filled by zc_batch_run() */
	unsigned int ncomp;
	__s32 result;
	__u32 cflags;
};

struct zc_batch {
	struct zc_frame *f;
	unsigned int n;
	const unsigned char *dst;	/* MACs for the headers */
	const unsigned char *src;
	bool kick_once;		/* never kick again: the kernel must finish */
	bool ordered;		/* frames must arrive in ring order */
	/* filled by zc_batch_run() */
	__u32 run;
	long kick;		/* the first kick's result */
	unsigned int collected;	/* completions popped */
	unsigned int unknown;	/* of those, cookies not of this batch */
	unsigned int extra;	/* completions left in the CQ afterwards */
	bool rx_checked, tap_checked;
	struct zc_rx_report rx, tap;
};

#define ZC_SLOT			2048U	/* frame slots: never cross a 4K page */
#define ZC_CQ_WAIT_MS		15000U
#define ZC_RX_WAIT_MS		10000U

static inline __u64 zc_batch_cookie(__u32 run, unsigned int i)
{
	return ((__u64)run << 32) | i;
}

/*
 * Fill the frames' bytes (tagged with a new run), push one descriptor
 * each, kick, collect n completions (kicking again while descriptors are
 * left, unless kick_once), then read what arrived on rx_fd and tap_fd
 * (-1: not checked). Returns 0, or -errno if the batch could not be run
 * (no room in the TX ring, the kick failed).
 */
static inline int zc_batch_run(struct zc_ctx *c, struct zc_batch *b,
			       int rx_fd, int tap_fd)
{
	struct zcnet_cq_entry *ents;
	struct zc_rx_expect *exp;
	uint64_t end;
	unsigned int i, got = 0;

	b->run = zc_new_run();
	b->collected = b->unknown = b->extra = 0;
	b->rx_checked = b->tap_checked = false;
	memset(&b->rx, 0, sizeof(b->rx));
	memset(&b->tap, 0, sizeof(b->tap));
	if (b->n > c->tx.entries - zc_tx_pending(&c->tx))
		return -ENOSPC;
	ents = calloc(b->n + 1, sizeof(*ents));
	exp = calloc(b->n + 1, sizeof(*exp));
	if (!ents || !exp) {
		free(ents);
		free(exp);
		return -ENOMEM;
	}
	for (i = 0; i < b->n; i++) {
		struct zc_frame *f = &b->f[i];

		f->ncomp = 0;
		f->result = 0;
		f->cflags = 0;
		if (f->data)
			zc_frame_fill(f->data, f->len, b->dst, b->src, b->run, i);
	}
	for (i = 0; i < b->n; i++) {
		struct zc_frame *f = &b->f[i];
		struct zcnet_tx_desc d = {
			.offset = f->offset,
			.len = f->len,
			.region = f->region,
			.flags = f->flags,
			.cookie = zc_batch_cookie(b->run, i),
			.sock = f->sock,
			.reserved0 = f->reserved0,
			.reserved1 = f->reserved1,
		};

		zc_tx_push(&c->tx, &d);
	}
	b->kick = zc_kick(c->fd, 0);
	if (b->kick < 0) {
		free(ents);
		free(exp);
		return (int)b->kick;
	}
	end = zc_now_ms() + ZC_CQ_WAIT_MS;
	while (got < b->n && zc_now_ms() < end) {
		got += zc_cq_collect(c, ents + got, b->n - got, 100);
		if (!b->kick_once && got < b->n && zc_tx_pending(&c->tx))
			zc_kick(c->fd, 0);
	}
	b->collected = got;
	for (i = 0; i < got; i++) {
		__u64 ck = ents[i].cookie;
		struct zc_frame *f;

		if ((ck >> 32) != b->run || (ck & 0xffffffffu) >= b->n) {
			b->unknown++;
			continue;
		}
		f = &b->f[ck & 0xffffffffu];
		f->ncomp++;
		f->result = ents[i].result;
		f->cflags = ents[i].flags;
	}
	b->extra = zc_cq_ready(&c->cq);
	for (i = 0; i < b->n; i++) {
		exp[i].data = b->f[i].data;
		exp[i].len = b->f[i].len;
		exp[i].want = b->f[i].arrive;
	}
	if (rx_fd >= 0) {
		zc_rx_expect(rx_fd, b->run, exp, b->n, ZC_RX_WAIT_MS, &b->rx);
		b->rx_checked = true;
	}
	if (tap_fd >= 0) {
		zc_rx_expect(tap_fd, b->run, exp, b->n, ZC_RX_WAIT_MS, &b->tap);
		b->tap_checked = true;
	}
	free(ents);
	free(exp);
	return 0;
}

/* Append to a problem report: the first few go into msg, all are counted. */
__attribute__((format(printf, 4, 5)))
static inline void zc_problem(char *msg, size_t size, int *n,
			      const char *fmt, ...)
{
	size_t used = strlen(msg);
	va_list ap;

	if ((*n)++ >= 6 || used + 2 >= size)
		return;
	if (used)
		strcat(msg, "; ");
	used = strlen(msg);
	va_start(ap, fmt);
	vsnprintf(msg + used, size - used, fmt, ap);
	va_end(ap);
}

static inline void zc_rx_problems(const char *who, const struct zc_rx_report *r,
				  bool ordered, char *msg, size_t size, int *n)
{
	if (r->complete != r->wanted)
		zc_problem(msg, size, n, "%s: %u of %u frames missing (first seq %d)",
			   who, r->wanted - r->complete, r->wanted,
			   r->first_missing);
	if (r->bad)
		zc_problem(msg, size, n, "%s: %u frames with wrong bytes or length (first seq %d)",
			   who, r->bad, r->first_bad);
	if (r->dups)
		zc_problem(msg, size, n, "%s: %u duplicates", who, r->dups);
	if (r->stray)
		zc_problem(msg, size, n, "%s: %u frames that must not arrive (first seq %d)",
			   who, r->stray, r->first_stray);
	if (ordered && r->reordered)
		zc_problem(msg, size, n, "%s: %u frames out of ring order",
			   who, r->reordered);
}

/*
 * Check a batch against what its frames say must happen: exactly one
 * completion each, the result, the COPIED flag, arrival (byte-exact) at
 * the peer and the tap, nothing unknown or extra. Returns the number of
 * problems; msg describes the first ones.
 */
static inline int zc_batch_check(const struct zc_batch *b, char *msg,
				 size_t size)
{
	unsigned int i;
	int n = 0;

	msg[0] = '\0';
	if (b->collected != b->n)
		zc_problem(msg, size, &n, "%u of %u completions in %u ms",
			   b->collected, b->n, ZC_CQ_WAIT_MS);
	if (b->unknown)
		zc_problem(msg, size, &n, "%u completions with unknown cookies",
			   b->unknown);
	if (b->extra)
		zc_problem(msg, size, &n, "%u completions more than descriptors",
			   b->extra);
	for (i = 0; i < b->n; i++) {
		const struct zc_frame *f = &b->f[i];
		__s32 want = f->good ? (__s32)f->len : f->want;
		bool copied = f->cflags & ZCNET_CQE_COPIED;

		if (f->ncomp != 1) {
			zc_problem(msg, size, &n, "frame %u (len %u): %u completions",
				   i, f->len, f->ncomp);
			continue;
		}
		if (f->result != want)
			zc_problem(msg, size, &n, "frame %u (len %u): result %d, want %d",
				   i, f->len, f->result, want);
		if (f->cflags & ~(__u32)ZCNET_CQE_COPIED)
			zc_problem(msg, size, &n, "frame %u: unknown flags 0x%x",
				   i, f->cflags);
		if (f->good && f->copied >= 0 && copied != (f->copied == 1))
			zc_problem(msg, size, &n, "frame %u (len %u): COPIED %s, want %s",
				   i, f->len, copied ? "set" : "clear",
				   f->copied ? "set" : "clear");
		if (!f->good && f->cflags)
			zc_problem(msg, size, &n, "frame %u: rejected with flags 0x%x",
				   i, f->cflags);
	}
	if (b->rx_checked)
		zc_rx_problems("peer", &b->rx, b->ordered, msg, size, &n);
	if (b->tap_checked)
		zc_rx_problems("tap", &b->tap, b->ordered, msg, size, &n);
	return n;
}

/* How many frames of a batch completed with and without COPIED (good ones). */
static inline void zc_batch_copies(const struct zc_batch *b, __u64 *copied,
				   __u64 *zerocopy)
{
	unsigned int i;

	*copied = *zerocopy = 0;
	for (i = 0; i < b->n; i++) {
		const struct zc_frame *f = &b->f[i];

		if (f->ncomp != 1 || f->result != (__s32)f->len)
			continue;
		if (f->cflags & ZCNET_CQE_COPIED)
			(*copied)++;
		else
			(*zerocopy)++;
	}
}

/* ------------------------------------------------------------------ */
/* a stream of raw frames (device state changes under load)            */
/* ------------------------------------------------------------------ */

/*
 * Descriptor i (its cookie) sends the frame in slot i % nslots, filled
 * once, so nothing is written to memory the device may still read.
 */
struct zc_stream {
	struct zc_ctx *c;
	__u16 region;
	__u32 nslots;
	__u32 len;
	__u64 max;		/* cookies available */
	__u64 pushed;		/* descriptors pushed: next cookie */
	__u64 completed;
	__u64 unknown;		/* completions of cookies never pushed */
	__u64 dups;		/* second and later completions of a cookie */
	long kick_err;		/* first failed kick, 0 if none */
	unsigned char *count;	/* completions per cookie (saturating) */
	__s32 *result;
};

static inline int zc_stream_init(struct zc_stream *s, struct zc_ctx *c,
				 __u16 region, __u32 nslots, __u32 len,
				 __u64 max)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->region = region;
	s->nslots = nslots;
	s->len = len;
	s->max = max;
	s->count = calloc(max, 1);
	s->result = calloc(max, sizeof(*s->result));
	if (!s->count || !s->result) {
		free(s->count);
		free(s->result);
		return -ENOMEM;
	}
	return 0;
}

static inline void zc_stream_free(struct zc_stream *s)
{
	free(s->count);
	free(s->result);
	s->count = NULL;
	s->result = NULL;
}

/* Pop every completion there is. */
static inline void zc_stream_reap(struct zc_stream *s)
{
	struct zcnet_cq_entry e;

	while (!zc_cq_pop(&s->c->cq, &e)) {
		if (e.cookie >= s->pushed) {
			s->unknown++;
			continue;
		}
		if (s->count[e.cookie]) {
			s->dups++;
			if (s->count[e.cookie] < 255)
				s->count[e.cookie]++;
			continue;
		}
		s->count[e.cookie] = 1;
		s->result[e.cookie] = e.result;
		s->completed++;
	}
}

/* Reap, push up to burst descriptors (as the ring allows), kick, reap. */
static inline void zc_stream_step(struct zc_stream *s, unsigned int burst)
{
	unsigned int i;
	long k;

	zc_stream_reap(s);
	for (i = 0; i < burst && s->pushed < s->max; i++) {
		struct zcnet_tx_desc d = zc_raw(s->region,
						(s->pushed % s->nslots) * ZC_SLOT,
						s->len, s->pushed);

		if (zc_tx_push(&s->c->tx, &d))
			break;
		s->pushed++;
	}
	k = zc_kick(s->c->fd, 0);
	if (k < 0 && !s->kick_err)
		s->kick_err = k;
	zc_stream_reap(s);
}

/* Descriptors the kernel consumed so far (the ring starts at 0). */
static inline __u64 zc_stream_consumed(const struct zc_stream *s)
{
	return zc_load_acquire(s->c->tx.consumer);
}

/*
 * Push nothing more; kick while descriptors are left and wait until every
 * pushed descriptor completed or timeout_ms passed: 0 or -ETIMEDOUT.
 */
static inline int zc_stream_finish(struct zc_stream *s, unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = s->c->fd, .events = POLLIN };

		zc_stream_reap(s);
		if (s->completed == s->pushed)
			return 0;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		if (zc_tx_pending(&s->c->tx)) {
			long k = zc_kick(s->c->fd, 0);

			if (k < 0 && !s->kick_err)
				s->kick_err = k;
		}
		poll(&p, 1, 50);
	}
}

/*
 * Check cookies [from, to) of a stream: one completion each, with a
 * result from allowed[] (ZC_STREAM_LEN: the frame length). Adds to the
 * problem report; returns how many cookies had each allowed result in
 * hist[] (may be NULL).
 */
#define ZC_STREAM_LEN	INT32_MAX

static inline void zc_stream_check(const struct zc_stream *s, __u64 from,
				   __u64 to, const __s32 *allowed,
				   unsigned int nallowed, const char *what,
				   char *msg, size_t size, int *np,
				   __u64 *hist)
{
	__u64 missing = 0, dups = 0, wrong = 0, i;
	long first_missing = -1, first_dup = -1, first_wrong = -1;
	__s32 wrong_result = 0;
	unsigned int j;

	if (hist)
		memset(hist, 0, sizeof(*hist) * nallowed);
	for (i = from; i < to && i < s->max; i++) {
		bool ok = false;

		if (!s->count[i]) {
			if (!missing++)
				first_missing = (long)i;
			continue;
		}
		if (s->count[i] > 1 && !dups++)
			first_dup = (long)i;
		for (j = 0; j < nallowed; j++) {
			__s32 a = allowed[j] == ZC_STREAM_LEN ? (__s32)s->len :
								 allowed[j];

			if (s->result[i] == a) {
				ok = true;
				if (hist)
					hist[j]++;
				break;
			}
		}
		if (!ok && !wrong++) {
			first_wrong = (long)i;
			wrong_result = s->result[i];
		}
	}
	if (missing)
		zc_problem(msg, size, np, "%s: %llu without completion (first %ld)",
			   what, (unsigned long long)missing, first_missing);
	if (dups)
		zc_problem(msg, size, np, "%s: %llu completed more than once (first %ld)",
			   what, (unsigned long long)dups, first_dup);
	if (wrong)
		zc_problem(msg, size, np, "%s: %llu with an unexpected result (first %ld: %d)",
			   what, (unsigned long long)wrong, first_wrong,
			   wrong_result);
}

/* ------------------------------------------------------------------ */
/* misc                                                                */
/* ------------------------------------------------------------------ */

/* Run a program (argv[0] looked up in PATH), quietly; exit status or -errno */
static inline int zc_run(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A module parameter of zcnet, or -errno. */
static inline long zc_module_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 ZC_MODULE_NAME, name);
	return zc_read_file_long(path);
}

/*
 * Sets fd's raw copy threshold to the module's tx_copy_threshold, what the
 * kernel picks for a device without a strict IOMMU. Tests of frames the
 * driver holds (in flight, unbind, removal, unload) call it after binding
 * so that in the guests whose NIC sits behind a strict IOMMU, where the
 * kernel would copy every frame of up to tx_copy_threshold_strict bytes,
 * their long frames still go out as zero-copy page fragments. 0 or -errno.
 */
static inline long zc_keep_zero_copy(int fd)
{
	long v = zc_module_param("tx_copy_threshold");

	if (v < 0)
		return v;
	return zc_set_param(fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
			    (__u64)(v < 65535 ? v : 65535));
}

/*
 * 1 if sysfs shows the DMA of device NAME (root netns) going through a
 * strict IOMMU domain, 0 if not, -errno if it cannot tell. The domain is
 * that of the device's iommu_group, type "DMA" (a lazy one is "DMA-FQ");
 * a virtio device maps through its transport, the parent, and only when
 * it negotiated VIRTIO_F_ACCESS_PLATFORM (bit 33 of its features file).
 */
static inline int zc_netif_dma_strict(const char *name)
{
	char path[160], link[256], buf[96];
	const char *dev = "device";
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/subsystem",
		 name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	link[n] = '\0';
	if (!strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
		    "virtio")) {
		snprintf(path, sizeof(path),
			 "/sys/class/net/%s/device/features", name);
		n = zc_read_file(path, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		if (n <= 33 || buf[33] != '1')
			return 0;
		dev = "device/..";
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s/iommu_group/type",
		 name, dev);
	n = zc_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? 0 : (int)n;
	return !strcmp(buf, "DMA\n");
}

#endif /* ZCNET_UTIL_H */
