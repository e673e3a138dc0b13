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

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
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
#include <sys/wait.h>

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

/* A "kB" line of /proc/self/status, e.g. "VmPin:"; -1 when absent. */
static inline long zc_status_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/self/status", "re");

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

static inline long zc_read_file_long(const char *path)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
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

/* Producer side of the TX (or FILL) ring: 0, or -ENOSPC when full. */
static inline int zc_tx_push(struct zc_ring *tx, const struct zcnet_tx_desc *d)
{
	__u32 prod = zc_load_relaxed(tx->producer);
	__u32 cons = zc_load_acquire(tx->consumer);

	if (prod - cons >= tx->entries)
		return -ENOSPC;
	memcpy(zc_ring_slot(tx, prod), d, sizeof(*d));
	zc_store_release(tx->producer, prod + 1);
	return 0;
}

/* Consumer side of the CQ (or RX) ring: 0, or -EAGAIN when empty. */
static inline int zc_cq_pop(struct zc_ring *cq, struct zcnet_cq_entry *e)
{
	__u32 cons = zc_load_relaxed(cq->consumer);
	__u32 prod = zc_load_acquire(cq->producer);

	if (prod == cons)
		return -EAGAIN;
	memcpy(e, zc_ring_slot(cq, cons), sizeof(*e));
	zc_store_release(cq->consumer, cons + 1);
	return 0;
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
	ZC_STAT(module_contexts),
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
 * Wait (up to ZC_SETTLE_MS) until fd's context, which must hold no region,
 * is the only one left and nothing is pinned module-wide, so a test that
 * compares module-wide counters starts from a quiet module even if an
 * earlier test's release was deferred. *st gets the last reading. Returns
 * 0 once settled, -EBUSY if it did not settle, or the GET_STATS error.
 */
static inline int zc_settle(int fd, struct zcnet_stats *st)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
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

#endif /* ZCNET_UTIL_H */
