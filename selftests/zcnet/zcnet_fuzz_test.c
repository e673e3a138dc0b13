// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet fuzzer: random ioctl sequences with random arguments (sizes,
 * flags, reserved fields, bad pointers, unknown numbers), random ring
 * contents and indices, a second thread that keeps rewriting descriptors
 * and indices while the first one kicks, and munmap, close and fork at
 * random points; the second thread also issues ioctls of its own on the
 * contexts the first one uses. It runs in a private network namespace
 * with a dummy device and lo to bind to. Contexts attach UDP sockets to
 * thousands of slots at a time and detach them again, and send on them,
 * UDP GSO trains among the rest, with random segment sizes. Contexts
 * import each other's regions and use and unregister them as their own.
 * Regions are also registered read-only (ZCNET_REGION_READONLY), among
 * them a mapping of a file on a ramfs of the fuzzer's own (page cache that
 * is not shmem; a file in /tmp where ramfs cannot be mounted), which is
 * truncated, grown and rewritten at random points while it is in use.
 *
 * Checked from user space:
 *   - every ioctl, mmap and open returns success or an errno the ABI
 *     documents for it;
 *   - on "tracked" contexts (whose CQ and TX producer the rewriter leaves
 *     alone) no completion carries a cookie that was never submitted on
 *     that context, none is completed twice, results are a length or a
 *     documented -errno, and at the end every descriptor the kernel took
 *     has completed;
 *   - nothing hangs (a watchdog reports the last operation);
 *   - afterwards module_contexts and module_pinned_pages are back to
 *     their values before the run.
 *
 * Environment:
 *   ZCNET_FUZZ_SEED     seed (decimal or 0x hex); default from the clock
 *   ZCNET_FUZZ_SECONDS  run time, default 20
 *   ZCNET_FUZZ_OPS      stop after this many operations (0: no bound)
 * The seed fixes the sequence of operations and arguments; the rewriting
 * thread and the kernel's timing are not replayed exactly.
 */
#include <pthread.h>
#include <sys/mount.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define FZ_SLOTS	4
#define FZ_COOKIES	(1U << 21)
#define FZ_POOL_PAGES	64U
#define FZ_REGS		8
#define FZ_CHILDREN	4
#define FZ_DUMMY	"zcfz0"
#define FZ_MSG		512
#define FZ_HANG_S	30
#define FZ_MIN_OPS	2000	/* a run this long must reach transmit */
#define FZ_SETTLE_MS	20000	/* a dying netns and deferred frees */
#define FZ_UDP_POOL	32	/* UDP sockets that many slots share */
#define FZ_BURST	4096	/* the most slots one op attaches or detaches */
#define FZ_FILE_PAGES	8U	/* the file behind the file regions */

enum { FZ_TX, FZ_CQ, FZ_FILL, FZ_RX, FZ_NRINGS };

/* What the watchdog and the test see of the fuzzing process. */
struct fz_shared {
	volatile __u64 ops;
	volatile __u64 heartbeat_ms;
	volatile int op;
	volatile int failed;
	char msg[FZ_MSG];
	/* what the run reached, so a run that reached nothing fails */
	__u64 ok_ioctls, submitted, completed, regs, binds, maps, forks;
	__u64 attached, detached, most_slots, gso, imports;
	__u64 file_regs;	/* read-only regions of the file's page cache */
	bool file_ramfs;	/* the file is on ramfs (else in /tmp) */
};

struct fz_map {
	char *addr;
	size_t len;
	__u32 *prod, *cons, *flags;
	char *desc;
	__u32 entries, esize;
};

struct fz_slot {
	pthread_mutex_t lock;	/* maps against the rewriter */
	bool live;		/* an fd or a mapping left */
	bool tracked;
	int fd;
	__u16 gen;
	bool have_off;
	struct zcnet_offsets off;
	struct fz_map map[FZ_NRINGS];
	__u32 tx_prod, cq_cons;	/* private copies of the indices we own */
	__u32 outstanding;	/* tracked descriptors not completed yet */
	__u32 sock_hi;		/* above every slot attached so far */
	__u32 nsocks;		/* attached by fz_socks(), less detached */
	__u32 nreg;
	__u32 reg[FZ_REGS];
	__u64 reg_len[FZ_REGS];
};

struct fz_cookie {
	__u16 gen;
	__u8 state;		/* 0 never submitted, 1 submitted, 2 completed */
};

static struct fz_slot fz_slot[FZ_SLOTS];
static struct fz_cookie *fz_ck;
static __u32 fz_next_cookie = 1;
static __u16 fz_gen;
static struct fz_shared *fz_sh;
static char *fz_pool, *fz_guard, *fz_ro;
static int fz_memfd = -1;
static char *fz_memfd_map;
/* a regular file: read-only and writable shared mappings of it */
static int fz_file_fd = -1;
static char *fz_file_map, *fz_file_map_rw;
static char fz_file_dir[64];
static bool fz_file_mounted;
static int fz_ifindex[3];
/* loopback sockets to attach: TCP, connected UDP, unconnected UDP */
static int fz_sock[3] = { -1, -1, -1 };
static int fz_peer[2] = { -1, -1 };	/* their TCP and UDP receivers */
static int fz_udp_pool[FZ_UDP_POOL];	/* unconnected, for many slots */
static struct sockaddr_in fz_udp_dst;
static volatile bool fz_sock_stop;
static pid_t fz_child[FZ_CHILDREN];
static bool fz_in_child;
static volatile bool fz_stop;
static __u64 fz_seed;
static __u64 fz_rng;

static __u64 fz_mix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 fz_r(void)
{
	return fz_mix(&fz_rng);
}

static __u32 fz_below(__u32 n)
{
	return n ? (__u32)(fz_r() % n) : 0;
}

static bool fz_chance(__u32 pct)
{
	return fz_below(100) < pct;
}

/* A value that is often on an edge. */
static __u64 fz_val(__u64 sane)
{
	static const __u64 edge[] = { 0, 1, 7, 8, 4095, 4096, 0x7fffffff,
				      0x80000000, 0xffffffff, ~0ULL,
				      0x100000000ULL, 65535, 65536 };

	switch (fz_below(4)) {
	case 0:
		return edge[fz_below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return fz_r();
	default:
		return sane;
	}
}

__attribute__((format(printf, 1, 2)))
static void fz_fail(const char *fmt, ...)
{
	char buf[FZ_MSG - 80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(fz_sh->msg, sizeof(fz_sh->msg), "%s%s at op %llu (seed 0x%llx)",
		 fz_in_child ? "forked child: " : "", buf,
		 (unsigned long long)fz_sh->ops, (unsigned long long)fz_seed);
	fz_sh->failed = 1;
	fprintf(stderr, "# zcnet-fuzz: FAIL: %s\n", fz_sh->msg);
	_exit(3);
}

/* ------------------------------------------------------------------ */
/* what each call may return                                           */
/* ------------------------------------------------------------------ */

/* Per ioctl, the errnos the ABI documents (0-terminated). */
#define FZ_ABI	EFAULT, EINVAL, E2BIG, ENOMEM

static const int fz_e_plain[] = { FZ_ABI, 0 };
static const int fz_e_setup[] = { FZ_ABI, EBUSY, 0 };
static const int fz_e_offsets[] = { FZ_ABI, ENXIO, 0 };
static const int fz_e_reg[] = { FZ_ABI, EOVERFLOW, EEXIST, ENOSPC,
				EOPNOTSUPP, EINTR, EACCES, 0 };
static const int fz_e_unreg[] = { FZ_ABI, ENOENT, EBUSY, 0 };
static const int fz_e_import[] = { FZ_ABI, EBADF, ENOENT, EEXIST, ENOSPC, 0 };
static const int fz_e_eventfd[] = { FZ_ABI, EBADF, 0 };
static const int fz_e_kick[] = { FZ_ABI, ENXIO, 0 };
static const int fz_e_bind[] = { FZ_ABI, EPERM, ENODEV, ENETDOWN, EBUSY,
				 ENXIO, 0 };
static const int fz_e_unbind[] = { FZ_ABI, ENOTCONN, 0 };
static const int fz_e_sock[] = { FZ_ABI, EOPNOTSUPP, EBADF, ENOTSOCK,
				 ENOENT, ENOTCONN, ENOSPC, EBUSY,
				 EDESTADDRREQ, EAFNOSUPPORT, 0 };
static const int fz_e_any[] = { FZ_ABI, ENOTTY, EOPNOTSUPP, EBUSY, ENXIO,
				ENOENT, EBADF, ENOTCONN, EPERM, ENODEV,
				ENETDOWN, EOVERFLOW, EEXIST, ENOSPC, EINTR,
				ENOTSOCK, EPROTONOSUPPORT, 0 };

static const int *fz_allowed(unsigned long cmd)
{
	switch (cmd) {
	case ZCNET_IOC_GET_INFO:
	case ZCNET_IOC_GET_STATS:
	case ZCNET_IOC_SET_PARAM:
	case ZCNET_IOC_GET_PARAM:
		return fz_e_plain;
	case ZCNET_IOC_SETUP:
		return fz_e_setup;
	case ZCNET_IOC_GET_OFFSETS:
		return fz_e_offsets;
	case ZCNET_IOC_REG_REGION:
		return fz_e_reg;
	case ZCNET_IOC_UNREG_REGION:
		return fz_e_unreg;
	case ZCNET_IOC_IMPORT_REGION:
		return fz_e_import;
	case ZCNET_IOC_SET_EVENTFD:
		return fz_e_eventfd;
	case ZCNET_IOC_KICK:
		return fz_e_kick;
	case ZCNET_IOC_BIND:
		return fz_e_bind;
	case ZCNET_IOC_UNBIND:
		return fz_e_unbind;
	case ZCNET_IOC_SOCK_ATTACH:
	case ZCNET_IOC_SOCK_DETACH:
		return fz_e_sock;
	default:
		return fz_e_any;
	}
}

static bool fz_errno_ok(const int *list, int err)
{
	for (; *list; list++)
		if (*list == err)
			return true;
	return false;
}

static long fz_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = zc_ioctl(fd, cmd, arg);

	if (ret < 0 && !fz_errno_ok(fz_allowed(cmd), (int)-ret))
		fz_fail("ioctl 0x%lx returned %ld (%s), not a documented errno",
			cmd, ret, strerror((int)-ret));
	if (ret >= 0 && !fz_in_child) {
		fz_sh->ok_ioctls++;
		fz_sh->regs += cmd == ZCNET_IOC_REG_REGION;
		fz_sh->imports += cmd == ZCNET_IOC_IMPORT_REGION;
		fz_sh->binds += cmd == ZCNET_IOC_BIND;
	}
	return ret;
}

/* Result of a completion: a length, or a documented -errno. */
static bool fz_result_ok(__s32 res)
{
	static const int ok[] = { EINVAL, ENXIO, ENOTCONN, ENETDOWN, ENOBUFS,
				  ENODEV, ECANCELED, ENOMEM, EPIPE,
				  ECONNRESET, EMSGSIZE, ECONNREFUSED, EIO };
	unsigned int i;

	if (res >= 0)
		return true;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (res == -ok[i])
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* pointers and argument buffers                                       */
/* ------------------------------------------------------------------ */

/*
 * An argument: usually a real struct with a size that is valid, short,
 * long (with a zero or non-zero tail) or huge; sometimes a bad pointer or
 * a struct cut by the guard page. The struct is copied into a scratch
 * buffer larger than any size the kernel accepts, so a wrong size can
 * never make the kernel write past it; fz_back() copies the result back.
 */
static char fz_scratch[2 * 4096 + 64] __attribute__((aligned(64)));

static void *fz_arg(const void *buf, size_t bufsize, size_t ksize)
{
	__u32 size = (__u32)ksize;

	memset(fz_scratch, 0, sizeof(fz_scratch));
	memcpy(fz_scratch, buf, bufsize);
	switch (fz_below(24)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)0xffffffff81000000ULL;
	case 2:
		return fz_guard;	/* PROT_NONE */
	case 3: {
		/* the struct ends where the guard page starts */
		char *p = fz_guard - fz_below((__u32)ksize + 1);

		memcpy(p, &size, fz_guard - p < 4 ? (size_t)(fz_guard - p) : 4);
		return p;
	}
	case 4:
		return fz_ro;		/* read only: copy-out fails */
	case 5:
		size = (__u32)fz_val(ksize);
		break;
	case 6:
		size = (__u32)ksize + 8 * fz_below(8);
		if (size && fz_chance(50))
			fz_scratch[size - 1] = (char)fz_r();
		break;
	default:
		break;
	}
	memcpy(fz_scratch, &size, sizeof(size));
	return fz_scratch;
}

/* After a call through fz_arg(): the struct as the kernel left it. */
static bool fz_back(void *buf, size_t bufsize, const void *arg)
{
	if (arg != fz_scratch)
		return false;
	memcpy(buf, fz_scratch, bufsize);
	return true;
}

/* ------------------------------------------------------------------ */
/* slots                                                               */
/* ------------------------------------------------------------------ */

static struct fz_slot *fz_pick(bool need_fd)
{
	unsigned int i, start = fz_below(FZ_SLOTS);

	for (i = 0; i < FZ_SLOTS; i++) {
		struct fz_slot *s = &fz_slot[(start + i) % FZ_SLOTS];

		if (s->live && (!need_fd || s->fd >= 0))
			return s;
	}
	return NULL;
}

static void fz_unmap(struct fz_slot *s, int ring)
{
	struct fz_map *m = &s->map[ring];

	if (!m->addr)
		return;
	if (munmap(m->addr, m->len))
		fz_fail("munmap of a ring: %s", strerror(errno));
	memset(m, 0, sizeof(*m));
}

static void fz_slot_maybe_dead(struct fz_slot *s)
{
	int i;

	if (s->fd >= 0)
		return;
	for (i = 0; i < FZ_NRINGS; i++)
		if (s->map[i].addr)
			return;
	s->live = false;
}

static void fz_open(void)
{
	unsigned int i;

	for (i = 0; i < FZ_SLOTS; i++) {
		struct fz_slot *s = &fz_slot[i];
		int fd;

		if (s->live)
			continue;
		fd = zc_open();
		if (fd < 0) {
			if (errno != ENOMEM && errno != EMFILE)
				fz_fail("open: %s", strerror(errno));
			return;
		}
		pthread_mutex_lock(&s->lock);
		memset((char *)s + sizeof(s->lock), 0,
		       sizeof(*s) - sizeof(s->lock));
		s->fd = fd;
		s->gen = ++fz_gen;
		s->tracked = fz_chance(60);
		s->live = true;
		pthread_mutex_unlock(&s->lock);
		return;
	}
}

static __u32 fz_ring_size(void)
{
	if (fz_chance(85))
		return 8U << fz_below(6);
	return (__u32)fz_val(16);
}

static void fz_setup(struct fz_slot *s)
{
	struct { struct zcnet_setup st; char tail[64]; } a = { 0 };
	bool tx = fz_chance(85);

	a.st.tx_entries = tx ? fz_ring_size() : 0;
	a.st.cq_entries = tx ? fz_ring_size() : 0;
	if (!tx || fz_chance(40)) {
		a.st.fill_entries = fz_ring_size();
		a.st.rx_entries = fz_ring_size();
	}
	if (fz_chance(5))
		a.st.flags = (__u32)fz_r();
	else if (fz_chance(30))		/* stamped CQ and/or RX entries */
		a.st.flags = (__u32)fz_below(4);
	if (fz_chance(5))
		a.st.reserved[fz_below(2)] = fz_r();
	fz_ioctl(s->fd, ZCNET_IOC_SETUP, fz_arg(&a, sizeof(a), sizeof(a.st)));
}

static void fz_offsets(struct fz_slot *s)
{
	struct { struct zcnet_offsets o; char tail[64]; } a = { 0 };
	void *arg;
	long ret;

	if (fz_chance(5))
		a.o.flags = 1;
	arg = fz_arg(&a, sizeof(a), sizeof(a.o));
	ret = fz_ioctl(s->fd, ZCNET_IOC_GET_OFFSETS, arg);
	if (!ret && fz_back(&a, sizeof(a), arg) && a.o.size >= sizeof(a.o)) {
		s->off = a.o;
		s->have_off = true;
	}
}

static const struct zcnet_ring_offset *fz_ro_of(struct fz_slot *s, int ring)
{
	switch (ring) {
	case FZ_TX:
		return &s->off.tx;
	case FZ_CQ:
		return &s->off.cq;
	case FZ_FILL:
		return &s->off.fill;
	default:
		return &s->off.rx;
	}
}

static void fz_mmap(struct fz_slot *s)
{
	int ring = (int)fz_below(FZ_NRINGS), flags = MAP_SHARED, i, which = -1;
	size_t pg = zc_page_size(), len;
	const struct zcnet_ring_offset *ro;
	__u64 off;
	void *p;

	if (!s->have_off)
		return fz_offsets(s);
	ro = fz_ro_of(s, ring);
	off = ro->mmap_offset;
	len = ro->mmap_len;
	if (fz_chance(10))
		len = pg * (1 + fz_below(4)) + (fz_chance(20) ? 1 : 0);
	if (fz_chance(10))
		off = (fz_r() & 0xffff) * pg;
	if (fz_chance(5))
		flags = MAP_PRIVATE;
	if (!len || s->map[ring].addr)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, s->fd, (off_t)off);
	if (p == MAP_FAILED) {
		if (errno != EINVAL && errno != ENOMEM && errno != EOVERFLOW)
			fz_fail("mmap: %s", strerror(errno));
		return;
	}
	for (i = 0; i < FZ_NRINGS; i++) {
		ro = fz_ro_of(s, i);
		if (ro->entries && ro->mmap_offset == off)
			which = i;
	}
	if (which < 0 || flags != MAP_SHARED)
		fz_fail("mmap accepted offset 0x%llx flags 0x%x: no such ring",
			(unsigned long long)off, flags);
	ro = fz_ro_of(s, which);
	if (len > ro->mmap_len)
		fz_fail("mmap accepted %zu bytes of a %llu byte ring", len,
			(unsigned long long)ro->mmap_len);
	if (len != ro->mmap_len || s->map[which].addr) {
		munmap(p, len);
		return;
	}
	fz_sh->maps++;
	pthread_mutex_lock(&s->lock);
	s->map[which] = (struct fz_map) {
		.addr = p, .len = len,
		.prod = (__u32 *)((char *)p + ro->producer),
		.cons = (__u32 *)((char *)p + ro->consumer),
		.flags = (__u32 *)((char *)p + ro->flags),
		.desc = (char *)p + ro->desc,
		.entries = ro->entries, .esize = ro->entry_size,
	};
	pthread_mutex_unlock(&s->lock);
}

/* Memory to register: mostly valid, sometimes not. */
static void fz_reg(struct fz_slot *s)
{
	struct { struct zcnet_region_reg r; char tail[32]; } a = { 0 };
	size_t pg = zc_page_size();
	__u32 first = fz_below(FZ_POOL_PAGES);
	void *arg;
	long ret;

	a.r.addr = (__u64)(uintptr_t)(fz_pool + first * pg);
	a.r.len = (__u64)(1 + fz_below(FZ_POOL_PAGES - first)) * pg;
	switch (fz_below(14)) {
	case 0:
		a.r.addr += 1 + fz_below((__u32)pg - 1);
		break;
	case 1:
		a.r.len = fz_val(a.r.len);
		break;
	case 2:
		a.r.addr = fz_val(a.r.addr) & ~(__u64)(pg - 1);
		break;
	case 3:
		a.r.addr = (__u64)(uintptr_t)fz_guard;
		a.r.len = pg;
		break;
	case 4:
		a.r.addr = (__u64)(uintptr_t)fz_ro;
		a.r.len = pg;
		break;
	case 5:
		if (fz_memfd_map) {
			a.r.addr = (__u64)(uintptr_t)fz_memfd_map;
			a.r.len = 4 * pg;
		}
		break;
	case 6:
		a.r.flags = (__u32)fz_r() | 1;
		break;
	case 7:
		a.r.reserved = (__u32)fz_r() | 1;
		break;
	case 8:
		a.r.addr = ~0ULL & ~(__u64)(pg - 1);
		break;
	case 9:
	case 10:
		/* the file's page cache; past its end while it is short */
		if (fz_file_map) {
			first = fz_below(FZ_FILE_PAGES);
			a.r.addr = (__u64)(uintptr_t)(fz_file_map + first * pg);
			a.r.len = (__u64)(1 + fz_below(FZ_FILE_PAGES - first)) * pg;
			a.r.flags = fz_chance(90) ? ZCNET_REGION_READONLY : 0;
		}
		break;
	case 11:
		/* a writable mapping of the file: EACCES */
		if (fz_file_map_rw) {
			a.r.addr = (__u64)(uintptr_t)fz_file_map_rw;
			a.r.len = FZ_FILE_PAGES * pg;
			a.r.flags = ZCNET_REGION_READONLY;
		}
		break;
	case 12:
		/* pool memory read-only: TX as ever, FILL into it rejected */
		a.r.flags = ZCNET_REGION_READONLY;
		break;
	default:
		break;
	}
	arg = fz_arg(&a, sizeof(a), sizeof(a.r));
	ret = fz_ioctl(s->fd, ZCNET_IOC_REG_REGION, arg);
	if (!ret && !fz_in_child && fz_file_map &&
	    a.r.addr >= (__u64)(uintptr_t)fz_file_map &&
	    a.r.addr < (__u64)(uintptr_t)(fz_file_map + FZ_FILE_PAGES * pg))
		fz_sh->file_regs++;
	if (!ret && fz_back(&a, sizeof(a), arg) && s->nreg < FZ_REGS &&
	    a.r.size >= sizeof(a.r)) {
		s->reg[s->nreg] = a.r.id;
		s->reg_len[s->nreg++] = a.r.len;
	}
}

static void fz_unreg(struct fz_slot *s)
{
	struct { struct zcnet_region_unreg u; char tail[16]; } a = { 0 };
	unsigned int i = s->nreg ? fz_below(s->nreg) : 0;
	void *arg;
	long ret;

	a.u.id = s->nreg && fz_chance(80) ? s->reg[i] : (__u32)fz_val(3);
	if (fz_chance(5))
		a.u.reserved = 1;
	arg = fz_arg(&a, sizeof(a), sizeof(a.u));
	ret = fz_ioctl(s->fd, ZCNET_IOC_UNREG_REGION, arg);
	if (!ret && s->nreg && a.u.id == s->reg[i]) {
		s->reg[i] = s->reg[--s->nreg];
		s->reg_len[i] = s->reg_len[s->nreg];
	}
}

/*
 * A region of another context (or of this one) into this context: mostly
 * one the other context registered, sometimes a bad fd (not open, a
 * socket), id, flags or reserved field. What succeeds is tracked like a
 * registration, so descriptors use it and unregistering drops it.
 */
static void fz_import(struct fz_slot *s)
{
	struct { struct zcnet_region_import m; char tail[16]; } a = { 0 };
	struct fz_slot *src = fz_pick(true);
	unsigned int i = src && src->nreg ? fz_below(src->nreg) : 0;
	bool known = src && src->nreg;
	void *arg;
	long ret;

	a.m.fd = src ? src->fd : -1;
	a.m.id = known ? src->reg[i] : (__u32)fz_val(0);
	switch (fz_below(12)) {
	case 0:
		a.m.fd = (__s32)fz_val((__u64)a.m.fd);
		break;
	case 1:
		a.m.fd = fz_sock[fz_below(3)];
		break;
	case 2:
		a.m.fd = s->fd;
		break;
	case 3:
		a.m.id = (__u32)fz_val(a.m.id);
		break;
	case 4:
		a.m.flags = (__u32)fz_r() | 1;
		break;
	case 5:
		a.m.reserved0 = (__u32)fz_r() | 1;
		break;
	case 6:
		a.m.reserved1 = fz_r() | 1;
		break;
	default:
		break;
	}
	arg = fz_arg(&a, sizeof(a), sizeof(a.m));
	ret = fz_ioctl(s->fd, ZCNET_IOC_IMPORT_REGION, arg);
	if (!ret && fz_back(&a, sizeof(a), arg) && known &&
	    a.m.fd == src->fd && a.m.id == src->reg[i] &&
	    a.m.size >= sizeof(a.m) && s->nreg < FZ_REGS) {
		s->reg[s->nreg] = a.m.new_id;
		s->reg_len[s->nreg++] = src->reg_len[i];
	}
}

/*
 * A GSO train: a segment size on or around a limit (0, one byte, what
 * fills 128 segments, Ethernet's MTU, lo's, the longest payload) or
 * random, and up to a little more than ZCNET_UDP_GSO_MAX bytes.
 */
static void fz_gso(struct fz_slot *s, struct zcnet_tx_desc *d)
{
	static const __u16 sizes[] = { 0, 1, 7, 500, 512, 1200, 1448, 1472,
				       1473, 8000, 65507, 65535 };
	unsigned int i;

	d->gso_size = fz_chance(60) ? sizes[fz_below(sizeof(sizes) /
						    sizeof(sizes[0]))] :
				      (__u16)fz_r();
	d->len = 1 + fz_below(fz_chance(80) ? ZCNET_UDP_GSO_MAX :
				     ZCNET_UDP_GSO_MAX + 100);
	for (i = 0; i < s->nreg; i++) {
		if (d->region != s->reg[i])
			continue;
		if (d->len > s->reg_len[i])
			d->len = (__u32)s->reg_len[i];
		d->offset = fz_below((__u32)(s->reg_len[i] - d->len + 1));
		break;
	}
	if (!fz_in_child)
		fz_sh->gso++;
}

/* A descriptor: valid NOP, raw or socket, or broken in some fields. */
static struct zcnet_tx_desc fz_desc(struct fz_slot *s)
{
	struct zcnet_tx_desc d = { 0 };
	unsigned int i = s->nreg ? fz_below(s->nreg) : 0;

	d.region = (__u16)(s->nreg ? s->reg[i] : fz_below(4));
	d.len = 14 + fz_below(1500);
	if (s->nreg && d.len > s->reg_len[i])
		d.len = (__u32)s->reg_len[i];
	d.offset = s->nreg ? fz_below((__u32)(s->reg_len[i] - d.len + 1)) : 0;
	i = fz_below(100);
	d.flags = i < 40 ? ZCNET_TX_NOP : i < 55 ? ZCNET_TX_SOCK :
		  i < 65 ? ZCNET_TX_SOCK | ZCNET_TX_GSO :
		  i < 75 ? ZCNET_TX_VNET_HDR : 0;
	if (d.flags & ZCNET_TX_SOCK)
		d.sock = (__u16)fz_below(s->sock_hi > 3 && fz_chance(70) ?
					 s->sock_hi : 3);
	if (d.flags & ZCNET_TX_GSO)
		fz_gso(s, &d);
	if (fz_chance(20)) {
		switch (fz_below(7)) {
		case 0:
			d.offset = fz_val(d.offset);
			break;
		case 1:
			d.len = (__u32)fz_val(d.len);
			break;
		case 2:
			d.region = (__u16)fz_val(d.region);
			break;
		case 3:
			d.flags = (__u16)fz_r();
			break;
		case 4:
			d.reserved0 = (__u16)(fz_r() | 1);
			break;
		case 5:
			d.reserved1 = (__u32)(fz_r() | 1);
			break;
		default:
			d.sock = (__u16)fz_val(0);
			if (fz_chance(50))
				d.flags = ZCNET_TX_SOCK | (fz_chance(30) ? ZCNET_TX_MORE : 0) |
					  (fz_chance(30) ? ZCNET_TX_GSO : 0);
			break;
		}
	}
	return d;
}

static void fz_tx_write(struct fz_map *m, __u32 idx, const struct zcnet_tx_desc *d)
{
	struct zcnet_tx_desc *slot = (void *)(m->desc + (size_t)(idx & (m->entries - 1)) * m->esize);

	/* field by field: the rewriter may write the other fields meanwhile */
	__atomic_store_n(&slot->offset, d->offset, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->len, d->len, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->region, d->region, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->flags, d->flags, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->cookie, d->cookie, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->sock, d->sock, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->reserved0, d->reserved0, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->reserved1, d->reserved1, __ATOMIC_RELAXED);
}

static void fz_produce(struct fz_slot *s)
{
	struct fz_map *m = &s->map[FZ_TX];
	unsigned int n = 1 + fz_below(48), i;

	if (!m->addr)
		return;
	if (!s->tracked) {
		__u32 prod = fz_chance(70) ? zc_load_relaxed(m->prod) : (__u32)fz_r();

		for (i = 0; i < n; i++) {
			struct zcnet_tx_desc d = fz_desc(s);

			d.cookie = fz_r();
			fz_tx_write(m, prod + i, &d);
		}
		zc_store_release(m->prod, prod + n);
		return;
	}
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = fz_desc(s);

		/* room by our own count: never overwrite an unconsumed slot */
		if (s->outstanding >= m->entries || fz_next_cookie >= FZ_COOKIES)
			break;
		d.cookie = fz_next_cookie++;
		fz_ck[d.cookie].gen = s->gen;
		fz_ck[d.cookie].state = 1;
		fz_tx_write(m, s->tx_prod, &d);
		s->tx_prod++;
		s->outstanding++;
		fz_sh->submitted++;
	}
	zc_store_release(m->prod, s->tx_prod);
}

static void fz_fill(struct fz_slot *s)
{
	struct fz_map *m = &s->map[FZ_FILL];
	unsigned int n = 1 + fz_below(32), i;
	__u32 prod;

	if (!m->addr)
		return;
	prod = zc_load_relaxed(m->prod);
	for (i = 0; i < n; i++) {
		struct zcnet_fill_desc *f = (void *)(m->desc + (size_t)((prod + i) & (m->entries - 1)) * m->esize);
		unsigned int r = s->nreg ? fz_below(s->nreg) : 0;

		f->region = (__u16)(s->nreg ? s->reg[r] : fz_val(0));
		f->len = (__u32)fz_val(2048);
		f->offset = fz_val(fz_below(8) * 4096);
		f->flags = fz_chance(5) ? (__u16)fz_r() : 0;
	}
	zc_store_release(m->prod, prod + (fz_chance(90) ? n : (__u32)fz_r()));
}

/* Pop what the CQ holds; on tracked contexts check every cookie. */
static void fz_reap(struct fz_slot *s)
{
	struct fz_map *m = &s->map[FZ_CQ], *rx = &s->map[FZ_RX];

	if (m->addr) {
		__u32 prod = zc_load_acquire(m->prod);
		__u32 cons = s->tracked ? s->cq_cons : zc_load_relaxed(m->cons);
		/* a stamped CQ flags each entry, a plain one never */
		__u32 ts = m->esize == ZCNET_CQ_ENTRY_TS_SIZE ?
			   ZCNET_CQE_TSTAMP_SW : 0;

		if (s->tracked && prod - cons > m->entries)
			fz_fail("CQ producer %u is %u entries ahead of the consumer (ring of %u)",
				prod, prod - cons, m->entries);
		while (cons != prod && (prod - cons) <= m->entries) {
			struct zcnet_cq_entry e;

			memcpy(&e, m->desc + (size_t)(cons & (m->entries - 1)) * m->esize,
			       sizeof(e));
			cons++;
			if (!s->tracked)
				continue;
			if (!fz_result_ok(e.result) ||
			    (e.flags & ~ZCNET_CQE_COPIED) != ts)
				fz_fail("completion of cookie %llu: result %d flags 0x%x",
					(unsigned long long)e.cookie, e.result, e.flags);
			if (!e.cookie || e.cookie >= fz_next_cookie ||
			    !fz_ck[e.cookie].state)
				fz_fail("completion for cookie %llu, never submitted",
					(unsigned long long)e.cookie);
			if (fz_ck[e.cookie].gen != s->gen)
				fz_fail("completion for cookie %llu on another context",
					(unsigned long long)e.cookie);
			if (fz_ck[e.cookie].state == 2)
				fz_fail("cookie %llu completed twice",
					(unsigned long long)e.cookie);
			fz_ck[e.cookie].state = 2;
			s->outstanding--;
			fz_sh->completed++;
		}
		if (s->tracked)
			s->cq_cons = cons;
		zc_store_release(m->cons, cons);
	}
	if (rx->addr && fz_chance(80))
		zc_store_release(rx->cons, zc_load_acquire(rx->prod));
}

static void fz_kick(struct fz_slot *s)
{
	struct { struct zcnet_kick k; char tail[16]; } a = { 0 };

	a.k.size = sizeof(a.k);
	a.k.budget = fz_chance(60) ? 0 : (__u32)fz_val(4);
	if (fz_chance(5))
		a.k.flags = 1;
	if (fz_chance(5))
		a.k.reserved = 1;
	fz_ioctl(s->fd, ZCNET_IOC_KICK, fz_chance(90) ? (void *)&a :
		 fz_arg(&a, sizeof(a), sizeof(a.k)));
}

static void fz_bind(struct fz_slot *s)
{
	struct { struct zcnet_bind b; char tail[16]; } a = { 0 };

	if (fz_chance(30)) {
		struct zcnet_unbind u = { .size = sizeof(u),
					  .flags = (__u32)fz_val(ZCNET_BIND_TX) };

		fz_ioctl(s->fd, ZCNET_IOC_UNBIND, fz_arg(&u, sizeof(u), sizeof(u)));
		return;
	}
	a.b.flags = fz_chance(80) ? 1 + fz_below(3) : (__u32)fz_r();
	a.b.ifindex = fz_chance(85) ? (__u32)fz_ifindex[fz_below(3)] : (__u32)fz_val(1);
	a.b.queue = fz_chance(70) ? ZCNET_QUEUE_ANY : (__u32)fz_val(0);
	if (a.b.flags & ZCNET_BIND_RX) {
		a.b.rx_match = fz_chance(90) ? fz_below(3) : (__u32)fz_r();
		if (a.b.rx_match == ZCNET_RX_MATCH_ETHERTYPE || fz_chance(5))
			a.b.rx_ethertype = (__u16)fz_val(ZC_ETH_P_TEST);
		if (a.b.rx_match == ZCNET_RX_MATCH_UDP || fz_chance(5))
			a.b.rx_port = (__u16)fz_val(9);
		/* several slots share each device: by rule and by queue */
		if (fz_chance(40)) {
			a.b.flags |= ZCNET_BIND_RX_QUEUE;
			a.b.rx_queue = fz_chance(90) ? fz_below(3) : (__u32)fz_r();
		}
	}
	if (fz_chance(3))
		a.b.rx_queue = (__u32)fz_val(1);
	if (fz_chance(5)) {
		if (fz_chance(2))
			a.b.reserved0 = 1;
		else
			a.b.reserved1 = 1;
	}
	fz_ioctl(s->fd, ZCNET_IOC_BIND, fz_arg(&a, sizeof(a), sizeof(a.b)));
}

static void fz_misc(struct fz_slot *s)
{
	union {
		struct zcnet_info i;
		struct zcnet_stats st;
		struct zcnet_eventfd e;
		struct zcnet_param p;
		struct zcnet_sock_attach sa;
		struct zcnet_sock_detach sd;
		char raw[512];
	} a;
	int efd;

	memset(&a, 0, sizeof(a));
	switch (fz_below(7)) {
	case 0:
		fz_ioctl(s->fd, ZCNET_IOC_GET_INFO, fz_arg(&a, sizeof(a), sizeof(a.i)));
		break;
	case 1:
		fz_ioctl(s->fd, ZCNET_IOC_GET_STATS, fz_arg(&a, sizeof(a), sizeof(a.st)));
		break;
	case 2:
		efd = fz_chance(70) ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
		a.e.which = fz_chance(90) ? fz_below(2) : (__u32)fz_r();
		a.e.fd = fz_chance(80) ? efd : (fz_chance(50) ? s->fd : (int)fz_val(-1));
		fz_ioctl(s->fd, ZCNET_IOC_SET_EVENTFD, fz_arg(&a, sizeof(a), sizeof(a.e)));
		if (efd >= 0)
			close(efd);
		break;
	case 3:
		a.p.param = fz_chance(80) ? fz_below(4) : (__u32)fz_r();
		a.p.value = fz_val(fz_below(2000));
		fz_ioctl(s->fd, fz_chance(70) ? ZCNET_IOC_SET_PARAM : ZCNET_IOC_GET_PARAM,
			 fz_arg(&a, sizeof(a), sizeof(a.p)));
		break;
	case 4:
		switch (fz_below(4)) {
		case 0:
			a.sa.fd = fz_chance(50) ? -1 : s->fd;
			break;
		default:
			a.sa.fd = fz_sock[fz_below(3)];
			break;
		}
		if (fz_chance(50))
			a.sa.addr = fz_chance(80) ? (__u64)(uintptr_t)&fz_udp_dst :
				    fz_val((__u64)(uintptr_t)fz_guard);
		fz_ioctl(s->fd, ZCNET_IOC_SOCK_ATTACH, fz_arg(&a, sizeof(a), sizeof(a.sa)));
		if (fz_chance(30)) {
			memset(&a, 0, sizeof(a));
			a.sd.slot = (__u32)fz_val(fz_below(s->sock_hi + 2));
			fz_ioctl(s->fd, ZCNET_IOC_SOCK_DETACH,
				 fz_arg(&a, sizeof(a), sizeof(a.sd)));
		}
		break;
	case 5: {
		/* an unknown or mis-directed number, with garbage */
		unsigned long cmd = _IOC(fz_below(4), fz_chance(80) ? ZCNET_IOC_MAGIC : fz_below(256),
					 fz_below(32), fz_below(1024));
		long i;

		for (i = 0; i < (long)sizeof(a.raw); i++)
			a.raw[i] = (char)fz_r();
		fz_ioctl(s->fd, cmd, fz_arg(&a, sizeof(a), 8));
		break;
	}
	default: {
		struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT };

		if (poll(&p, 1, 0) < 0)
			fz_fail("poll: %s", strerror(errno));
		break;
	}
	}
}

/*
 * Many slots at once: attach a burst (sockets of the pool, many slots each,
 * every one with the UDP destination) until it is done or refused, or
 * detach a run of slots, most of them attached, some not. Bursts of
 * thousands are rare: attaching is a system call each, and on a KASAN
 * kernel they would take most of the run's time from the other ops.
 */
static void fz_socks(struct fz_slot *s)
{
	unsigned int n = 1 + fz_below(fz_chance(5) ? FZ_BURST : 128), i;
	__u32 first;

	if (fz_chance(60)) {
		for (i = 0; i < n; i++) {
			struct zcnet_sock_attach a = {
				.size = sizeof(a),
				.fd = fz_udp_pool[fz_below(FZ_UDP_POOL)],
				.addr = (__u64)(uintptr_t)&fz_udp_dst,
			};

			if (fz_ioctl(s->fd, ZCNET_IOC_SOCK_ATTACH, &a))
				break;
			if (a.slot >= s->sock_hi)
				s->sock_hi = a.slot + 1;
			s->nsocks++;
			fz_sh->attached++;
		}
		if (s->nsocks > fz_sh->most_slots)
			fz_sh->most_slots = s->nsocks;
		return;
	}
	first = fz_below(s->sock_hi + 1);
	for (i = 0; i < n; i++) {
		struct zcnet_sock_detach d = { .size = sizeof(d),
					       .slot = first + i };

		if (!fz_ioctl(s->fd, ZCNET_IOC_SOCK_DETACH, &d)) {
			s->nsocks -= s->nsocks > 0;
			fz_sh->detached++;
		}
	}
}

/* Corrupt an index (tracked: the TX producer far ahead, then restore). */
static void fz_corrupt(struct fz_slot *s)
{
	struct zcnet_kick k = { .size = sizeof(k) };
	struct fz_map *m = &s->map[FZ_TX];
	long ret;

	if (!s->tracked || !m->addr || s->fd < 0)
		return;
	zc_store_release(m->prod, s->tx_prod + m->entries + 1 + fz_below(1U << 30));
	ret = fz_ioctl(s->fd, ZCNET_IOC_KICK, &k);
	/* 0: frames held back by a busy queue went first */
	if (ret != -EINVAL && ret != 0)
		fz_fail("kick with a corrupt TX producer returned %ld, not -EINVAL", ret);
	zc_store_release(m->prod, s->tx_prod);
}

/* Region memory goes away while registered (the pins keep the pages). */
/*
 * The file behind the file regions changes under them: truncated to a
 * random length, sometimes grown back, rewritten through write(2). The
 * fuzzer never touches its mappings, which fault past the end.
 */
static void fz_file_churn(void)
{
	size_t pg = zc_page_size();
	char buf[512];
	off_t len;

	if (fz_file_fd < 0)
		return;
	len = (off_t)(fz_below(FZ_FILE_PAGES * (__u32)pg + 1));
	if (ftruncate(fz_file_fd, len))
		fz_fail("truncating the file: %s", strerror(errno));
	if (fz_chance(70) && ftruncate(fz_file_fd, FZ_FILE_PAGES * pg))
		fz_fail("growing the file: %s", strerror(errno));
	memset(buf, (int)fz_r(), sizeof(buf));
	if (pwrite(fz_file_fd, buf, sizeof(buf),
		   (off_t)fz_below(FZ_FILE_PAGES * (__u32)pg)) < 0)
		fz_fail("writing the file: %s", strerror(errno));
}

static void fz_pool_punch(void)
{
	size_t pg = zc_page_size();
	__u32 first = fz_below(FZ_POOL_PAGES), n = 1 + fz_below(4);
	void *p;

	if (fz_chance(50))
		return fz_file_churn();
	if (first + n > FZ_POOL_PAGES)
		n = FZ_POOL_PAGES - first;
	p = mmap(fz_pool + first * pg, n * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		fz_fail("remapping pool pages: %s", strerror(errno));
}

static void fz_close(struct fz_slot *s, bool all)
{
	int i;

	pthread_mutex_lock(&s->lock);
	if (s->fd >= 0 && (all || fz_chance(50))) {
		close(s->fd);
		s->fd = -1;
	}
	for (i = 0; i < FZ_NRINGS; i++)
		if (all || fz_chance(30))
			fz_unmap(s, i);
	fz_slot_maybe_dead(s);
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ */
/* fork                                                                */
/* ------------------------------------------------------------------ */

/*
 * The child shares the contexts (same files) and the ring mappings (the
 * module does not set VM_DONTCOPY: MAP_SHARED pages stay shared). It
 * kicks, polls, closes and unmaps its copies, but never consumes
 * completions or writes cookies, so the parent's bookkeeping holds.
 */
static void fz_child_run(void)
{
	unsigned int n = 1 + fz_below(200), i;

	fz_in_child = true;
	for (i = 0; i < n; i++) {
		struct fz_slot *s = fz_pick(false);
		int r;

		if (!s)
			break;
		switch (fz_below(6)) {
		case 0:
		case 1:
			if (s->fd >= 0)
				fz_kick(s);
			break;
		case 2:
			if (s->fd >= 0)
				fz_misc(s);
			break;
		case 3:
			if (s->map[FZ_TX].addr)
				zc_store_release(s->map[FZ_TX].cons, (__u32)fz_r());
			break;
		case 4:
			r = (int)fz_below(FZ_NRINGS);
			if (s->map[r].addr) {
				munmap(s->map[r].addr, s->map[r].len);
				memset(&s->map[r], 0, sizeof(s->map[r]));
			}
			break;
		default:
			if (s->fd >= 0) {
				close(s->fd);
				s->fd = -1;
			}
			break;
		}
	}
	_exit(0);
}

static void fz_reap_children(bool kill_all)
{
	int i, status;

	for (i = 0; i < FZ_CHILDREN; i++) {
		pid_t pid = fz_child[i];

		if (pid <= 0)
			continue;
		if (kill_all)
			kill(pid, SIGKILL);
		if (waitpid(pid, &status, kill_all ? 0 : WNOHANG) != pid)
			continue;
		fz_child[i] = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
			char msg[FZ_MSG];

			memcpy(msg, fz_sh->msg, sizeof(msg));
			msg[sizeof(msg) - 1] = '\0';
			fz_fail("%s", msg);
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			fz_fail("a forked child died of signal %d", WTERMSIG(status));
	}
}

static void fz_fork(void)
{
	int i;
	pid_t pid;

	for (i = 0; i < FZ_CHILDREN && fz_child[i] > 0; i++)
		;
	if (i == FZ_CHILDREN) {
		fz_reap_children(fz_chance(50));
		return;
	}
	/* the rewriter holds no slot lock the child could inherit taken */
	pid = zc_fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		fz_rng ^= 0x5bd1e995ULL * (__u64)getpid();
		fz_child_run();
	}
	fz_child[i] = pid;
	fz_sh->forks++;
	if (fz_chance(30)) {
		sched_yield();
		kill(pid, SIGKILL);
	}
}

/* ------------------------------------------------------------------ */
/* the rewriter                                                        */
/* ------------------------------------------------------------------ */

static void fz_scribble(struct fz_slot *s, __u64 *rng)
{
	unsigned int n = 1 + (unsigned int)(fz_mix(rng) % 64), i;

	for (i = 0; i < n; i++) {
		__u64 r = fz_mix(rng);
		int ring = (int)(r % FZ_NRINGS);
		struct fz_map *m = &s->map[ring];
		__u32 v = (__u32)(r >> 32);

		if (!m->addr)
			continue;
		switch ((r >> 8) % 4) {
		case 0:	/* an index */
			if (!s->tracked)
				__atomic_store_n((r & 0x1000) ? m->prod : m->cons,
						 (r & 0x2000) ? v : *m->prod + (v % 3),
						 __ATOMIC_RELAXED);
			else if (ring == FZ_TX)	/* kernel-owned: ignored */
				__atomic_store_n(m->cons, v, __ATOMIC_RELAXED);
			else if (ring != FZ_CQ)
				__atomic_store_n((r & 0x1000) ? m->prod : m->cons,
						 v, __ATOMIC_RELAXED);
			break;
		case 1:	/* the flags word */
			__atomic_store_n(m->flags, v, __ATOMIC_RELAXED);
			break;
		default: {	/* an entry */
			char *e = m->desc + (size_t)(v & (m->entries - 1)) * m->esize;

			if (s->tracked && ring == FZ_CQ)
				break;
			if (s->tracked && ring == FZ_TX) {
				struct zcnet_tx_desc *d = (void *)e;

				switch (r % 5) {
				case 0:
					__atomic_store_n(&d->len, (__u32)(r >> 16) % 2000, __ATOMIC_RELAXED);
					break;
				case 1:
					__atomic_store_n(&d->offset, r >> 40, __ATOMIC_RELAXED);
					break;
				case 2:
					__atomic_store_n(&d->flags, (__u16)(r >> 20) & 15, __ATOMIC_RELAXED);
					if (r & 0x10)
						__atomic_store_n(&d->gso_size, (__u16)(r >> 40),
								 __ATOMIC_RELAXED);
					break;
				case 3:
					__atomic_store_n(&d->region, (__u16)(r >> 24) & 3, __ATOMIC_RELAXED);
					break;
				default:
					__atomic_store_n(&d->reserved1, (__u32)(r >> 30) & 1, __ATOMIC_RELAXED);
					break;
				}
				break;
			}
			__atomic_store_n((__u32 *)(e + 4 * ((r >> 12) % (m->esize / 4))), v,
					 __ATOMIC_RELAXED);
			break;
		}
		}
	}
}

/*
 * An ioctl from the rewriting thread, racing the main thread's calls on
 * the same context. Arguments are well formed (fz_arg's scratch buffer
 * belongs to the main thread); only the values are random.
 */
static void fz_thread_ioctl(struct fz_slot *s, __u64 *rng)
{
	__u64 r = fz_mix(rng);
	size_t pg = zc_page_size();
	int efd;

	switch (r % 9) {
	case 0:
	case 1: {
		struct zcnet_kick k = { .size = sizeof(k), .budget = (__u32)(r >> 8) % 5 };

		fz_ioctl(s->fd, ZCNET_IOC_KICK, &k);
		break;
	}
	case 2: {
		struct zcnet_bind b = { .size = sizeof(b),
					.flags = 1 + (__u32)(r >> 8) % 3,
					.ifindex = (__u32)fz_ifindex[(r >> 12) % 3],
					.queue = ZCNET_QUEUE_ANY };

		fz_ioctl(s->fd, ZCNET_IOC_BIND, &b);
		break;
	}
	case 3: {
		struct zcnet_unbind u = { .size = sizeof(u),
					  .flags = 1 + (__u32)(r >> 8) % 3 };

		fz_ioctl(s->fd, ZCNET_IOC_UNBIND, &u);
		break;
	}
	case 4: {
		__u32 first = (__u32)(r >> 8) % FZ_POOL_PAGES;
		struct zcnet_region_reg g = {
			.size = sizeof(g),
			.addr = (__u64)(uintptr_t)(fz_pool + first * pg),
			.len = (1 + (r >> 20) % (FZ_POOL_PAGES - first)) * pg,
		};

		fz_ioctl(s->fd, ZCNET_IOC_REG_REGION, &g);
		break;
	}
	case 5: {
		struct zcnet_region_unreg u = { .size = sizeof(u),
						.id = (__u32)(r >> 8) % 8 };

		fz_ioctl(s->fd, ZCNET_IOC_UNREG_REGION, &u);
		break;
	}
	case 6: {
		struct zcnet_eventfd e = { .size = sizeof(e),
					   .which = (__u32)(r >> 8) % 2 };

		efd = (r >> 12) & 1 ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
		e.fd = efd;
		fz_ioctl(s->fd, ZCNET_IOC_SET_EVENTFD, &e);
		if (efd >= 0)
			close(efd);
		break;
	}
	case 7:
		fz_ioctl(s->fd, ZCNET_IOC_SETUP, &(struct zcnet_setup){
			.size = sizeof(struct zcnet_setup),
			.tx_entries = 8U << ((r >> 8) % 4),
			.cq_entries = 8U << ((r >> 12) % 4),
			.fill_entries = 8U << ((r >> 16) % 4),
			.rx_entries = 8U << ((r >> 20) % 4) });
		break;
	default: {
		struct zcnet_stats st = { .size = sizeof(st) };

		fz_ioctl(s->fd, ZCNET_IOC_GET_STATS, &st);
		break;
	}
	}
}

static void *fz_rewriter(void *arg)
{
	__u64 rng = fz_seed ^ 0xa5a5a5a5deadbeefULL;

	(void)arg;
	while (!__atomic_load_n(&fz_stop, __ATOMIC_RELAXED)) {
		struct fz_slot *s = &fz_slot[fz_mix(&rng) % FZ_SLOTS];

		pthread_mutex_lock(&s->lock);
		if (s->live)
			fz_scribble(s, &rng);
		if (s->live && s->fd >= 0 && !(fz_mix(&rng) % 4))
			fz_thread_ioctl(s, &rng);
		pthread_mutex_unlock(&s->lock);
		if (!(fz_mix(&rng) % 16))
			sched_yield();
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the run                                                             */
/* ------------------------------------------------------------------ */

enum {
	FZ_OP_OPEN, FZ_OP_SETUP, FZ_OP_MMAP, FZ_OP_REG, FZ_OP_UNREG,
	FZ_OP_PRODUCE, FZ_OP_FILL, FZ_OP_KICK, FZ_OP_REAP, FZ_OP_BIND,
	FZ_OP_MISC, FZ_OP_CORRUPT, FZ_OP_POOL, FZ_OP_CLOSE, FZ_OP_FORK,
	FZ_OP_SOCKS, FZ_OP_IMPORT, FZ_OP_NR
};

static const char *const fz_op_name[FZ_OP_NR] = {
	"open", "setup", "mmap", "reg", "unreg", "produce", "fill", "kick",
	"reap", "bind", "misc", "corrupt", "pool", "close", "fork", "socks",
	"import",
};

/* weights, out of their sum */
static const unsigned int fz_weight[FZ_OP_NR] = {
	4, 3, 6, 5, 2, 14, 4, 14, 12, 4, 8, 1, 1, 2, 1, 3, 3,
};

static int fz_choose(void)
{
	unsigned int sum = 0, i, r;

	for (i = 0; i < FZ_OP_NR; i++)
		sum += fz_weight[i];
	r = fz_below(sum);
	for (i = 0; i < FZ_OP_NR; i++) {
		if (r < fz_weight[i])
			return (int)i;
		r -= fz_weight[i];
	}
	return FZ_OP_REAP;
}

static void fz_step(int op)
{
	struct fz_slot *s;

	if (op == FZ_OP_OPEN)
		return fz_open();
	if (op == FZ_OP_POOL)
		return fz_pool_punch();
	if (op == FZ_OP_FORK)
		return fz_fork();
	s = fz_pick(op != FZ_OP_PRODUCE && op != FZ_OP_FILL &&
		    op != FZ_OP_REAP && op != FZ_OP_CLOSE);
	if (!s)
		return fz_open();
	switch (op) {
	case FZ_OP_SETUP:
		return fz_setup(s);
	case FZ_OP_MMAP:
		return fz_mmap(s);
	case FZ_OP_REG:
		return fz_reg(s);
	case FZ_OP_UNREG:
		return fz_unreg(s);
	case FZ_OP_PRODUCE:
		return fz_produce(s);
	case FZ_OP_FILL:
		return fz_fill(s);
	case FZ_OP_KICK:
		return fz_kick(s);
	case FZ_OP_REAP:
		return fz_reap(s);
	case FZ_OP_BIND:
		return fz_bind(s);
	case FZ_OP_MISC:
		return fz_misc(s);
	case FZ_OP_CORRUPT:
		return fz_corrupt(s);
	case FZ_OP_SOCKS:
		return fz_socks(s);
	case FZ_OP_IMPORT:
		return fz_import(s);
	default:
		return fz_close(s, fz_chance(30));
	}
}

/*
 * End of run: on every tracked context that can still kick and reap,
 * every descriptor the kernel took must complete.
 */
static void fz_drain(void)
{
	unsigned int i;

	for (i = 0; i < FZ_SLOTS; i++) {
		struct fz_slot *s = &fz_slot[i];
		uint64_t end = zc_now_ms() + 10000;
		__u32 consumed;

		if (!s->live || !s->tracked || s->fd < 0 ||
		    !s->map[FZ_TX].addr || !s->map[FZ_CQ].addr)
			continue;
		zc_store_release(s->map[FZ_TX].prod, s->tx_prod);
		for (;;) {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			fz_reap(s);
			if (!s->outstanding || zc_now_ms() > end)
				break;
			zc_kick(s->fd, 0);
			poll(&p, 1, 20);
		}
		consumed = s->outstanding;
		if (consumed)
			fz_fail("context %u: %u descriptors never completed", i,
				consumed);
	}
}

static __u64 fz_env(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void fz_netns(void)
{
	static const char *const add[] = { "ip", "link", "add", FZ_DUMMY,
					   "type", "dummy", NULL };
	struct zc_netif nif;

	fz_ifindex[0] = 1;
	fz_ifindex[1] = 0;
	fz_ifindex[2] = 1;
	if (unshare(CLONE_NEWNET))
		return;
	zc_netif_set_up("lo", true);
	if (zc_run(add) == 0 && !zc_netif_get(FZ_DUMMY, &nif)) {
		fz_ifindex[1] = nif.ifindex;
		fz_ifindex[2] = nif.ifindex;
		zc_netif_set_up(FZ_DUMMY, true);
	}
}

/* Reads and drops what the sockets send, so TCP keeps moving. */
static void *fz_sink(void *arg)
{
	static char buf[1 << 16];
	struct pollfd p[2] = {
		{ .fd = fz_peer[0], .events = POLLIN },
		{ .fd = fz_peer[1], .events = POLLIN },
	};
	int i;

	(void)arg;
	while (!fz_sock_stop) {
		if (poll(p, 2, 50) <= 0)
			continue;
		for (i = 0; i < 2; i++)
			if (p[i].revents & POLLIN)
				(void)!recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
	}
	return NULL;
}

/* Loopback sockets in the fuzzer's namespace; none if that fails. */
static void fz_sockets(pthread_t *thr)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), i;

	fz_peer[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fz_sock[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fz_sock[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fz_sock[2] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len) ||
	    connect(fz_sock[0], (struct sockaddr *)&a, sizeof(a)))
		fz_fail("loopback TCP for the socket slots: %s", strerror(errno));
	fz_peer[0] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	a.sin_port = 0;
	len = sizeof(a);
	if (fz_peer[0] < 0 ||
	    bind(fz_peer[1], (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fz_peer[1], (struct sockaddr *)&a, &len) ||
	    connect(fz_sock[1], (struct sockaddr *)&a, sizeof(a)))
		fz_fail("loopback UDP for the socket slots: %s", strerror(errno));
	fz_udp_dst = a;
	for (i = 0; i < FZ_UDP_POOL; i++) {
		fz_udp_pool[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fz_udp_pool[i] < 0)
			fz_fail("UDP sockets for many slots: %s", strerror(errno));
	}
	if (pthread_create(thr, NULL, fz_sink, NULL))
		fz_fail("pthread_create failed");
}

/*
 * A file of FZ_FILE_PAGES pages on a ramfs in a mount namespace of the
 * fuzzing process's own (so the mount goes with it), or in /tmp. Runs
 * before any thread starts: unshare(CLONE_NEWNS) needs a lone thread.
 */
static void fz_file(void)
{
	size_t pg = zc_page_size();
	char path[96];
	void *p;

	snprintf(fz_file_dir, sizeof(fz_file_dir), "/tmp/zcfuzz-XXXXXX");
	if (!mkdtemp(fz_file_dir)) {
		fz_file_dir[0] = 0;
		return;
	}
	fz_file_mounted = !unshare(CLONE_NEWNS) &&
			  !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
			  !mount("zcfuzz", fz_file_dir, "ramfs", 0, NULL);
	fz_sh->file_ramfs = fz_file_mounted;
	snprintf(path, sizeof(path), "%s/file", fz_file_dir);
	fz_file_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fz_file_fd < 0)
		return;
	unlink(path);
	if (ftruncate(fz_file_fd, FZ_FILE_PAGES * pg))
		fz_fail("sizing the file: %s", strerror(errno));
	p = mmap(NULL, FZ_FILE_PAGES * pg, PROT_READ, MAP_SHARED, fz_file_fd, 0);
	fz_file_map = p == MAP_FAILED ? NULL : p;
	p = mmap(NULL, FZ_FILE_PAGES * pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fz_file_fd, 0);
	fz_file_map_rw = p == MAP_FAILED ? NULL : p;
}

static void fz_file_done(void)
{
	if (fz_file_mounted)
		umount2(fz_file_dir, MNT_DETACH);
	if (fz_file_dir[0])
		rmdir(fz_file_dir);
}

static void fz_mem(void)
{
	size_t pg = zc_page_size();
	char *p;

	fz_pool = zc_alloc_pages(FZ_POOL_PAGES);
	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz_ck = calloc(FZ_COOKIES, sizeof(*fz_ck));
	if (!fz_pool || p == MAP_FAILED || !fz_ck)
		fz_fail("out of memory for the fuzzer");
	memset(fz_pool, 0x5a, FZ_POOL_PAGES * pg);
	/* read-only page, writable page, guard page */
	fz_ro = p;
	fz_guard = p + 2 * pg;
	mprotect(fz_ro, pg, PROT_READ);
	mprotect(fz_guard, pg, PROT_NONE);
	fz_memfd = (int)syscall(__NR_memfd_create, "zcfuzz", 0);
	if (fz_memfd >= 0 && !ftruncate(fz_memfd, 4 * pg)) {
		p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fz_memfd, 0);
		fz_memfd_map = p == MAP_FAILED ? NULL : p;
	}
}

/* The fuzzing process: runs until the time or op budget is spent. */
static void fz_main(__u64 seconds, __u64 max_ops)
{
	uint64_t end = zc_now_ms() + seconds * 1000;
	pthread_t thr, sink;
	unsigned int i;

	fz_rng = fz_seed;
	for (i = 0; i < FZ_SLOTS; i++) {
		pthread_mutex_init(&fz_slot[i].lock, NULL);
		fz_slot[i].fd = -1;
	}
	fz_netns();
	fz_file();	/* unshares its mount namespace: no threads yet */
	fz_sockets(&sink);
	fz_mem();
	if (pthread_create(&thr, NULL, fz_rewriter, NULL))
		fz_fail("pthread_create failed");
	while (zc_now_ms() < end && (!max_ops || fz_sh->ops < max_ops)) {
		int op = fz_choose();

		fz_sh->op = op;
		fz_step(op);
		fz_sh->ops++;
		fz_sh->heartbeat_ms = zc_now_ms();
		if (!(fz_sh->ops & 63))
			fz_reap_children(false);
	}
	fz_reap_children(true);
	fz_sh->op = -1;
	fz_drain();
	__atomic_store_n(&fz_stop, true, __ATOMIC_RELAXED);
	pthread_join(thr, NULL);
	fz_sock_stop = true;
	pthread_join(sink, NULL);
	for (i = 0; i < FZ_SLOTS; i++)
		fz_close(&fz_slot[i], true);
	fz_file_done();
	_exit(0);
}

FIXTURE(fuzz) {
	int fd;
	struct fz_shared *sh;
};

FIXTURE_SETUP(fuzz)
{
	self->fd = -1;
	self->sh = NULL;
	if (!zc_dev_present())
		SKIP(return, ZC_DEV_PATH " missing: zcnet module not loaded");
	self->fd = zc_open();
	ASSERT_LE(0, self->fd);
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(fuzz)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The harness's own timeout is a backstop; the watchdog below reports. */
TEST_F_TIMEOUT(fuzz, random_ops, 24 * 3600)
{
	__u64 seconds = fz_env("ZCNET_FUZZ_SECONDS", 20);
	__u64 max_ops = fz_env("ZCNET_FUZZ_OPS", 0);
	struct zcnet_stats before, after;
	uint64_t hard_end;
	int status = 0;
	pid_t pid, w;

	fz_seed = fz_env("ZCNET_FUZZ_SEED", (zc_now_ms() * 0x9e3779b9ULL) ^
			 ((__u64)getpid() << 32));
	TH_LOG("seed 0x%llx, %llu s (replay: ZCNET_FUZZ_SEED=0x%llx ZCNET_FUZZ_SECONDS=%llu)",
	       (unsigned long long)fz_seed, (unsigned long long)seconds,
	       (unsigned long long)fz_seed, (unsigned long long)seconds);
	ASSERT_EQ(0, zc_settle(self->fd, &before))
		TH_LOG("module not quiet before the run: %llu contexts, %llu pages pinned",
		       (unsigned long long)before.module_contexts,
		       (unsigned long long)before.module_pinned_pages);

	fz_sh = self->sh;
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->fd);
		fz_main(seconds, max_ops);
	}
	hard_end = zc_now_ms() + seconds * 1000 + 60000;
	for (;;) {
		__u64 beat = self->sh->heartbeat_ms, now = zc_now_ms();

		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (now > hard_end || (beat && now > beat + FZ_HANG_S * 1000)) {
			int op = self->sh->op;

			/* no wait: a task stuck in the kernel cannot be reaped */
			kill(pid, SIGKILL);
			ASSERT_TRUE(false)
				TH_LOG("hang: no progress for %d s in op %llu (%s), seed 0x%llx",
				       FZ_HANG_S, (unsigned long long)self->sh->ops,
				       op >= 0 && op < FZ_OP_NR ? fz_op_name[op] : "end of run",
				       (unsigned long long)fz_seed);
		}
		zc_sleep_ms(100);
	}
	TH_LOG("%llu operations: %llu ioctls succeeded, %llu regions, %llu imports, %llu binds, %llu ring maps, %llu forks, %llu tracked descriptors, %llu completions checked, %llu GSO descriptors, %llu slots attached and %llu detached, about %llu at most on a context, %llu file regions (%s)",
	       (unsigned long long)self->sh->ops,
	       (unsigned long long)self->sh->ok_ioctls,
	       (unsigned long long)self->sh->regs,
	       (unsigned long long)self->sh->imports,
	       (unsigned long long)self->sh->binds,
	       (unsigned long long)self->sh->maps,
	       (unsigned long long)self->sh->forks,
	       (unsigned long long)self->sh->submitted,
	       (unsigned long long)self->sh->completed,
	       (unsigned long long)self->sh->gso,
	       (unsigned long long)self->sh->attached,
	       (unsigned long long)self->sh->detached,
	       (unsigned long long)self->sh->most_slots,
	       (unsigned long long)self->sh->file_regs,
	       self->sh->file_ramfs ? "ramfs" : "not ramfs");
	ASSERT_FALSE(self->sh->failed) TH_LOG("%s", self->sh->msg);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("fuzzing process ended with status 0x%x in op %llu (%s), seed 0x%llx",
		       status, (unsigned long long)self->sh->ops,
		       self->sh->op >= 0 && self->sh->op < FZ_OP_NR ?
		       fz_op_name[self->sh->op] : "end of run",
		       (unsigned long long)fz_seed);

	/* a run that never reached the transmit path proves nothing */
	if (self->sh->ops >= FZ_MIN_OPS) {
		EXPECT_LT(0U, self->sh->regs);
		EXPECT_LT(0U, self->sh->imports);
		EXPECT_LT(0U, self->sh->binds);
		EXPECT_LT(0U, self->sh->completed);
		EXPECT_LT(0U, self->sh->gso);
		EXPECT_LT(0U, self->sh->attached);
		EXPECT_LT(0U, self->sh->file_regs);
	}

		/* every context and pin of the run goes away */
	EXPECT_EQ(0, zc_settle_for(self->fd, &after, FZ_SETTLE_MS))
		TH_LOG("after the run: %llu contexts (want 1), %llu pages pinned (want 0)",
		       (unsigned long long)after.module_contexts,
		       (unsigned long long)after.module_pinned_pages);
	EXPECT_EQ(before.module_contexts, after.module_contexts);
	EXPECT_EQ(before.module_pinned_pages, after.module_pinned_pages);
}

TEST_HARNESS_MAIN
