// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet regions shared between contexts (ZCNET_IOC_IMPORT_REGION): an
 * import names the same pinned pages under an id of the importing
 * context; they are pinned and charged once (module_pinned_pages, VmPin,
 * RLIMIT_MEMLOCK) and stay so until the last context lets go. Each
 * context's UNREG_REGION drops only its own entry and is EBUSY only for
 * its own descriptors in flight. The exporter may close first; a forked
 * child may import; another user may not (EPERM). Every bad argument gets
 * its errno and imports nothing.
 *
 * Socket sends over loopback TCP hold descriptors in flight for as long
 * as the receiver does not read. The forwarding test (zcnet_forward_test)
 * need the test guest's two NICs. Without ZCNET_FEAT_REGION_IMPORT every
 * test SKIPs.
 */
#include <netinet/in.h>
#include <sys/un.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define NPAGES		16U
#define RING		64U
#define WAIT_MS		20000U

static unsigned char pat(size_t i, unsigned int seed)
{
	return (unsigned char)(i * 31 + (i >> 9) + seed * 7);
}

static void pat_fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(i, seed);
}

/* Offset of the first byte that differs from the pattern, or len. */
static size_t pat_check(const unsigned char *p, size_t len, size_t from,
			unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(from + i, seed))
			return i;
	return len;
}

static long import_call(int fd, struct zcnet_region_import *imp)
{
	return zc_ioctl(fd, ZCNET_IOC_IMPORT_REGION, imp);
}

static __u64 stat_of(int fd, size_t off)
{
	struct zcnet_stats st;
	__u64 v;

	if (zc_get_stats(fd, &st))
		return ~0ULL;
	memcpy(&v, (char *)&st + off, sizeof(v));
	return v;
}

#define STAT(fd, field) stat_of(fd, offsetof(struct zcnet_stats, field))

/* One NOP descriptor on region id; its completion's result. */
static long nop_result(struct zc_ctx *c, __u32 id, __u64 offset, __u32 len)
{
	struct zcnet_tx_desc d = zc_nop((__u16)id, offset, len, 77);
	struct zcnet_cq_entry e;
	long ret;

	if (zc_tx_push(&c->tx, &d))
		return -10000;
	ret = zc_kick(c->fd, 0);
	if (ret != 1)
		return -20000 + ret;
	if (zc_cq_collect(c, &e, 1, WAIT_MS) != 1 || e.cookie != 77)
		return -30000;
	return e.result;
}

/* ------------------------------------------------------------------ */
/* two contexts of this process, a region registered in the first      */
/* ------------------------------------------------------------------ */

FIXTURE(share) {
	struct zc_ctx a, b;
	unsigned char *mem;
	size_t len;
	__u32 id;
	__u64 base;		/* module_pinned_pages before registering */
	long vmpin;		/* VmPin before registering, kB */
};

FIXTURE_SETUP(share)
{
	struct zcnet_stats st;
	const char *why;

	self->a.fd = self->b.fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_REGION_IMPORT, NULL);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_ctx_open(&self->a, RING, RING, 0, 0));
	ASSERT_EQ(0, zc_ctx_open(&self->b, RING, RING, 0, 0));
	/* earlier tests' contexts may still be going */
	zc_settle_for(self->a.fd, &st, ZC_SETTLE_MS);
	self->base = st.module_pinned_pages;
	self->vmpin = zc_status_kb("VmPin:");
	self->len = NPAGES * zc_page_size();
	self->mem = zc_alloc_pages(NPAGES);
	ASSERT_NE(NULL, self->mem);
	pat_fill(self->mem, self->len, 1);
	ASSERT_EQ(0, zc_reg(self->a.fd, self->mem, self->len, &self->id));
}

FIXTURE_TEARDOWN(share)
{
	zc_ctx_close(&self->a);
	zc_ctx_close(&self->b);
	if (self->mem)
		munmap(self->mem, self->len);
}

/* VmPin moved by pages since the fixture registered nothing. */
static long vmpin_pages(FIXTURE_DATA(share) *self)
{
	long now = zc_status_kb("VmPin:");

	if (now < 0 || self->vmpin < 0)
		return -1;
	return (now - self->vmpin) / (long)(zc_page_size() / 1024);
}

TEST_F(share, import_basics)
{
	__u32 nid = 1000, again;

	EXPECT_EQ(self->base + NPAGES, STAT(self->a.fd, module_pinned_pages));
	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &nid));
	EXPECT_EQ(0U, nid);	/* the lowest free id of b's table */
	/* pinned and charged once */
	EXPECT_EQ(self->base + NPAGES, STAT(self->b.fd, module_pinned_pages));
	if (self->vmpin >= 0)
		EXPECT_EQ((long)NPAGES, vmpin_pages(self));
	/* each context counts it among its regions */
	EXPECT_EQ(1U, STAT(self->a.fd, regions));
	EXPECT_EQ(1U, STAT(self->b.fd, regions));
	EXPECT_EQ(NPAGES, STAT(self->b.fd, pinned_pages));
	/* the same bounds under the new id */
	EXPECT_EQ(100, nop_result(&self->b, nid, 0, 100));
	EXPECT_EQ((long)self->len, nop_result(&self->b, nid, 0, self->len));
	EXPECT_EQ(-EINVAL, nop_result(&self->b, nid, 1, self->len));
	EXPECT_EQ(-EINVAL, nop_result(&self->b, nid + 1, 0, 100));
	/* one entry per context for the same pages, whatever the path */
	EXPECT_EQ(-EEXIST, zc_import(self->b.fd, self->a.fd, self->id, &again));
	EXPECT_EQ(-EEXIST, zc_import(self->a.fd, self->a.fd, self->id, &again));
	EXPECT_EQ(-EEXIST, zc_import(self->a.fd, self->b.fd, nid, &again));
	EXPECT_EQ(1U, STAT(self->a.fd, regions));
	EXPECT_EQ(1U, STAT(self->b.fd, regions));
	/* the pages' range is still free for a registration of b's own */
	EXPECT_EQ(0, zc_reg(self->b.fd, self->mem, zc_page_size(), &again));
	EXPECT_EQ(1U, again);
	EXPECT_EQ(self->base + NPAGES + 1,
		  STAT(self->b.fd, module_pinned_pages));
}

/* An import of an import is the same region. */
TEST_F(share, import_chain)
{
	struct zc_ctx c;
	__u32 nb, nc;

	ASSERT_EQ(0, zc_ctx_open(&c, RING, RING, 0, 0));
	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &nb));
	ASSERT_EQ(0, zc_import(c.fd, self->b.fd, nb, &nc));
	EXPECT_EQ(-EEXIST, zc_import(c.fd, self->a.fd, self->id, NULL));
	EXPECT_EQ(self->base + NPAGES, STAT(c.fd, module_pinned_pages));
	ASSERT_EQ(0, zc_unreg(self->a.fd, self->id));
	ASSERT_EQ(0, zc_unreg(self->b.fd, nb));
	EXPECT_EQ(self->base + NPAGES, STAT(c.fd, module_pinned_pages));
	EXPECT_EQ(64, nop_result(&c, nc, self->len - 64, 64));
	ASSERT_EQ(0, zc_unreg(c.fd, nc));
	EXPECT_EQ(self->base, zc_wait_module_pinned(c.fd, self->base));
	zc_ctx_close(&c);
}

TEST_F(share, import_errors)
{
	struct zcnet_region_import imp;
	int efd = eventfd(0, EFD_CLOEXEC);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int closed = dup(self->a.fd);
	const __u32 ids[] = { 1, 63, 64, 65535, 0xffffffffu };
	const __u32 flags[] = { 1, 2, 0x80000000u };
	unsigned int i;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, null);
	ASSERT_LE(0, sock);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-EBADF, zc_import(self->b.fd, -1, self->id, NULL));
	EXPECT_EQ(-EBADF, zc_import(self->b.fd, closed, self->id, NULL));
	EXPECT_EQ(-EBADF, zc_import(self->b.fd, INT32_MIN, self->id, NULL));
	EXPECT_EQ(-EINVAL, zc_import(self->b.fd, efd, self->id, NULL));
	EXPECT_EQ(-EINVAL, zc_import(self->b.fd, null, self->id, NULL));
	EXPECT_EQ(-EINVAL, zc_import(self->b.fd, sock, self->id, NULL));
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		__u32 id = ids[i];

		EXPECT_EQ(-ENOENT, zc_import(self->b.fd, self->a.fd, id, NULL))
			TH_LOG("id %u", id);
	}
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		__u32 f = flags[i];

		imp = (struct zcnet_region_import){ .size = sizeof(imp),
			.flags = f, .fd = self->a.fd, .id = self->id };
		EXPECT_EQ(-EINVAL, import_call(self->b.fd, &imp))
			TH_LOG("flags 0x%x", f);
	}
	imp = (struct zcnet_region_import){ .size = sizeof(imp),
		.fd = self->a.fd, .id = self->id, .reserved0 = 1 };
	EXPECT_EQ(-EINVAL, import_call(self->b.fd, &imp));
	imp.reserved0 = 0;
	imp.reserved1 = 1ULL << 63;
	EXPECT_EQ(-EINVAL, import_call(self->b.fd, &imp));
	/* new_id is output only: whatever it holds is ignored */
	imp.reserved1 = 0;
	imp.new_id = 0xdeadbeef;
	imp.size = 0;
	EXPECT_EQ(-EINVAL, import_call(self->b.fd, &imp));
	imp.size = ZCNET_REGION_IMPORT_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, import_call(self->b.fd, &imp));
	imp.size = 4097;
	EXPECT_EQ(-E2BIG, import_call(self->b.fd, &imp));
	/* nothing got in by any of these */
	EXPECT_EQ(0U, STAT(self->b.fd, regions));
	EXPECT_EQ(self->base + NPAGES, STAT(self->b.fd, module_pinned_pages));
	close(efd);
	close(null);
	close(sock);
}

/* A longer struct with a zero tail is accepted, with a non-zero one E2BIG. */
TEST_F(share, import_size_tail)
{
	struct {
		struct zcnet_region_import imp;
		__u64 tail;
	} big = { .imp = { .size = sizeof(big), .fd = self->a.fd,
			   .id = self->id },
		  .tail = 1 };

	EXPECT_EQ(-E2BIG, import_call(self->b.fd, &big.imp));
	EXPECT_EQ(0U, STAT(self->b.fd, regions));
	big.tail = 0;
	EXPECT_EQ(0, import_call(self->b.fd, &big.imp));
	EXPECT_EQ(0U, big.imp.new_id);
	EXPECT_EQ(1U, STAT(self->b.fd, regions));
}

/* new_id cannot be written: EFAULT, and the region is not in the table. */
TEST_F(share, import_efault_imports_nothing)
{
	size_t pg = zc_page_size();
	struct zcnet_region_import *imp;
	void *ro = zc_alloc_pages(1);

	ASSERT_NE(NULL, ro);
	imp = ro;
	*imp = (struct zcnet_region_import){ .size = sizeof(*imp),
		.fd = self->a.fd, .id = self->id };
	ASSERT_EQ(0, mprotect(ro, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, import_call(self->b.fd, imp));
	EXPECT_EQ(0U, STAT(self->b.fd, regions));
	EXPECT_EQ(-EFAULT, import_call(self->b.fd, (void *)8));
	EXPECT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, NULL));
	munmap(ro, pg);
}

TEST_F(share, table_full_enospc)
{
	size_t pg = zc_page_size();
	unsigned char *own = zc_alloc_pages(ZCNET_MAX_REGIONS);
	__u32 i;

	ASSERT_NE(NULL, own);
	for (i = 0; i < ZCNET_MAX_REGIONS; i++)
		ASSERT_EQ(0, zc_reg(self->b.fd, own + i * pg, pg, NULL));
	EXPECT_EQ(-ENOSPC, zc_import(self->b.fd, self->a.fd, self->id, NULL));
	ASSERT_EQ(0, zc_unreg(self->b.fd, 17));
	EXPECT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &i));
	EXPECT_EQ(17U, i);
	zc_ctx_close(&self->b);
	munmap(own, ZCNET_MAX_REGIONS * pg);
}

/* UNREG_REGION in one context leaves the others' entries alone. */
TEST_F(share, unreg_drops_only_own_entry)
{
	__u32 nid;

	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &nid));
	ASSERT_EQ(0, zc_unreg(self->a.fd, self->id));
	EXPECT_EQ(-ENOENT, zc_unreg(self->a.fd, self->id));
	EXPECT_EQ(-EINVAL, nop_result(&self->a, self->id, 0, 100));
	EXPECT_EQ(100, nop_result(&self->b, nid, 0, 100));
	EXPECT_EQ(self->base + NPAGES, STAT(self->b.fd, module_pinned_pages));
	if (self->vmpin >= 0)
		EXPECT_EQ((long)NPAGES, vmpin_pages(self));
	/* gone from a: nothing more to import from it */
	EXPECT_EQ(-ENOENT, zc_import(self->a.fd, self->a.fd, self->id, NULL));
	/* but a may take it back from b */
	EXPECT_EQ(0, zc_import(self->a.fd, self->b.fd, nid, NULL));
	ASSERT_EQ(0, zc_unreg(self->b.fd, nid));
	EXPECT_EQ(self->base + NPAGES, STAT(self->b.fd, module_pinned_pages));
	ASSERT_EQ(0, zc_unreg(self->a.fd, 0));
	EXPECT_EQ(self->base, zc_wait_module_pinned(self->b.fd, self->base));
	if (self->vmpin >= 0)
		EXPECT_EQ(0, vmpin_pages(self));
}

TEST_F(share, close_exporter_first)
{
	__u32 nid;

	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &nid));
	zc_ctx_close(&self->a);
	/* the exporter's release may be deferred: it must not unpin */
	zc_sleep_ms(200);
	EXPECT_EQ(self->base + NPAGES, STAT(self->b.fd, module_pinned_pages));
	EXPECT_EQ(1U, STAT(self->b.fd, regions));
	EXPECT_EQ((long)self->len, nop_result(&self->b, nid, 0, self->len));
	zc_ctx_close(&self->b);
	ASSERT_EQ(0, zc_ctx_open(&self->a, RING, RING, 0, 0));
	EXPECT_EQ(self->base, zc_wait_module_pinned(self->a.fd, self->base));
	if (self->vmpin >= 0)
		EXPECT_EQ(0, vmpin_pages(self));
}

/* Closing the importer first leaves the exporter's region as it was. */
TEST_F(share, close_importer_first)
{
	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, NULL));
	zc_ctx_close(&self->b);
	zc_sleep_ms(200);
	EXPECT_EQ(self->base + NPAGES, STAT(self->a.fd, module_pinned_pages));
	EXPECT_EQ(100, nop_result(&self->a, self->id, 0, 100));
	ASSERT_EQ(0, zc_unreg(self->a.fd, self->id));
	EXPECT_EQ(self->base, zc_wait_module_pinned(self->a.fd, self->base));
}

/* ------------------------------------------------------------------ */
/* another user, fork, RLIMIT_MEMLOCK                                  */
/* ------------------------------------------------------------------ */

struct child_arg {
	int fd;			/* the parent's context */
	__u32 id;		/* its region */
	unsigned char *mem;	/* MAP_SHARED, for the fork test */
	size_t len;
	unsigned short port;	/* the parent's UDP receiver on loopback */
};

/* As nobody, with its own context opened while still root and after. */
static void as_nobody(long *r, const void *p)
{
	const struct child_arg *a = p;
	int early = zc_open(), late, own;
	__u32 nid;
	void *mem;

	r[0] = early < 0 ? -errno : 0;
	r[1] = zc_become_user(ZC_NOBODY, 64 * zc_page_size());
	if (r[0] || r[1])
		return;
	r[2] = zc_import(early, a->fd, a->id, NULL);
	late = zc_open();
	r[3] = late < 0 ? -errno : zc_import(late, a->fd, a->id, NULL);
	/* its own region: importing that is its own business */
	own = zc_open();
	mem = zc_alloc_pages(1);
	r[4] = own < 0 || late < 0 || !mem ? -1 :
	       zc_reg(own, mem, zc_page_size(), &nid);
	r[5] = r[4] ? -1 : zc_import(late, own, nid, NULL);
	/* nothing of root's got into either table */
	r[6] = (long)STAT(early, regions);
}

FIXTURE(user) {
	mode_t old_mode;
	bool chmodded;
};

FIXTURE_SETUP(user)
{
	struct stat sb;
	const char *why = zc_fixture_skip(ZCNET_FEAT_REGION_IMPORT, NULL);

	self->chmodded = false;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
}

FIXTURE_TEARDOWN(user)
{
	if (self->chmodded)
		chmod(ZC_DEV_PATH, self->old_mode);
}

TEST_F(user, another_user_eperm)
{
	unsigned char *mem = zc_alloc_pages(NPAGES);
	struct child_arg a = { .fd = zc_open() };
	long r[7];

	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, a.fd);
	ASSERT_EQ(0, zc_reg(a.fd, mem, NPAGES * zc_page_size(), &a.id));
	ASSERT_EQ(0, zc_child_results(as_nobody, &a, r, 7));
	ASSERT_EQ(0, r[0]) TH_LOG("open as root: %ld", r[0]);
	ASSERT_EQ(0, r[1]) TH_LOG("becoming uid %d: %ld", ZC_NOBODY, r[1]);
	EXPECT_EQ(-EPERM, r[2]) TH_LOG("into a context root opened");
	EXPECT_EQ(-EPERM, r[3]) TH_LOG("into a context nobody opened");
	EXPECT_EQ(0, r[4]) TH_LOG("nobody registers its own");
	EXPECT_EQ(0, r[5]) TH_LOG("nobody imports its own");
	EXPECT_EQ(0, r[6]);
	close(a.fd);
	munmap(mem, NPAGES * zc_page_size());
}

/*
 * A context nobody opened, handed to root: root's region does not go
 * into it, though root may import (CAP_IPC_OWNER) nobody's region.
 */
static void nobody_opens(long *r, const void *p)
{
	const int *sv = p;
	unsigned char *mem = zc_alloc_pages(1);
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "z", .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	char c;
	int fd;

	r[0] = zc_become_user(ZC_NOBODY, 64 * zc_page_size());
	fd = zc_open();
	if (r[0] || fd < 0 || !mem) {
		r[0] = r[0] ? r[0] : -1;
		return;
	}
	r[1] = zc_reg(fd, mem, zc_page_size(), NULL);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	r[2] = sendmsg(sv[1], &m, 0) == 1 ? 0 : -errno;
	/* hold the region until the parent is done */
	r[3] = read(sv[1], &c, 1) == 1 ? 0 : -errno;
}

static int recv_fd(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct opener_arg {
	int sv[2];
	long r[4];
};

static void *opener_thread(void *p)
{
	struct opener_arg *o = p;

	zc_child_results(nobody_opens, o->sv, o->r, 4);
	return NULL;
}

TEST_F(user, nobody_opened_context_eperm)
{
	unsigned char *mem = zc_alloc_pages(1);
	struct opener_arg o;
	pthread_t t;
	__u32 id;
	int fd, theirs;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, o.sv));
	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_reg(fd, mem, zc_page_size(), &id));
	ASSERT_EQ(0, pthread_create(&t, NULL, opener_thread, &o));
	theirs = recv_fd(o.sv[0]);
	EXPECT_LE(0, theirs) TH_LOG("no fd from the child: %d", theirs);
	if (theirs >= 0) {
		/* root calls, nobody opened: the opener decides too */
		EXPECT_EQ(-EPERM, zc_import(theirs, fd, id, NULL));
		EXPECT_EQ(1U, STAT(theirs, regions));
		/* nobody's region into root's context: CAP_IPC_OWNER */
		EXPECT_EQ(0, zc_import(fd, theirs, 0, NULL));
		close(theirs);
	}
	ASSERT_EQ(1, write(o.sv[0], "x", 1));
	pthread_join(t, NULL);
	EXPECT_EQ(0, o.r[0]);
	EXPECT_EQ(0, o.r[1]);
	EXPECT_EQ(0, o.r[2]);
	close(o.sv[0]);
	close(o.sv[1]);
	close(fd);
	munmap(mem, zc_page_size());
}

#define LIMIT_PAGES	16

/*
 * As nobody with RLIMIT_MEMLOCK of LIMIT_PAGES: the 10 pages of one
 * registration, imported twice, are charged once, and until the last
 * context lets go.
 */
static void memlock_steps(long *r, const void *p)
{
	size_t pg = zc_page_size();
	unsigned char *mem = zc_alloc_pages(64);
	int a, b, c;
	__u32 id = 0, nb = 0, nc = 0;

	(void)p;
	r[0] = zc_become_user(ZC_NOBODY, LIMIT_PAGES * pg);
	a = zc_open();
	b = zc_open();
	c = zc_open();
	if (r[0] || a < 0 || b < 0 || c < 0 || !mem) {
		r[0] = r[0] ? r[0] : -1;
		return;
	}
	r[1] = zc_reg(a, mem, 10 * pg, &id);
	r[2] = zc_import(b, a, id, &nb);
	r[3] = zc_import(c, a, id, &nc);
	r[4] = zc_reg(a, mem + 16 * pg, 6 * pg, NULL);	/* to the limit */
	r[5] = zc_reg(a, mem + 32 * pg, pg, NULL);	/* one over */
	r[6] = zc_unreg(a, id) || zc_unreg(b, nb) ? -1 : 0;
	r[7] = zc_reg(a, mem + 32 * pg, pg, NULL);	/* c holds them */
	r[8] = zc_unreg(c, nc);
	r[9] = zc_reg(a, mem + 40 * pg, 10 * pg, NULL);	/* charged back */
}

TEST_F(user, memlock_charged_once)
{
	long r[10];

	ASSERT_EQ(0, zc_child_results(memlock_steps, NULL, r, 10));
	ASSERT_EQ(0, r[0]) TH_LOG("child setup: %ld", r[0]);
	EXPECT_EQ(0, r[1]);
	EXPECT_EQ(0, r[2]);
	EXPECT_EQ(0, r[3]);
	EXPECT_EQ(0, r[4]) TH_LOG("imports were charged again");
	EXPECT_EQ(-ENOMEM, r[5]);
	EXPECT_EQ(0, r[6]);
	EXPECT_EQ(-ENOMEM, r[7]) TH_LOG("uncharged while c holds them");
	EXPECT_EQ(0, r[8]);
	EXPECT_EQ(0, r[9]) TH_LOG("not uncharged after the last one");
}

/*
 * A forked child opens its own context, imports the parent's region from
 * the inherited fd, writes a datagram into the shared pages and sends it
 * on a UDP socket; the parent receives it.
 */
static void child_sends(long *r, const void *p)
{
	const struct child_arg *a = p;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(a->port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	struct zc_ctx c;
	__u32 nid, slot;
	int s;

	r[0] = zc_ctx_open(&c, RING, RING, 0, 0);
	if (r[0])
		return;
	r[1] = zc_import(c.fd, a->fd, a->id, &nid);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r[2] = s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) ?
	       -errno : zc_sock_attach(c.fd, s, 0, &slot);
	if (r[1] || r[2])
		return;
	pat_fill(a->mem + 4096, 1000, 9);
	d = zc_sock_desc(nid, 4096, 1000, slot, 5);
	r[3] = zc_tx_push(&c.tx, &d) ? -1 : zc_kick(c.fd, 0);
	r[4] = zc_cq_collect(&c, &e, 1, WAIT_MS) == 1 ? e.result : -1;
	zc_ctx_close(&c);
}

TEST(fork_child_imports)
{
	struct child_arg a = { .len = NPAGES * zc_page_size() };
	unsigned char buf[2048];
	struct timeval tv = { .tv_sec = 10 };
	const char *why = zc_fixture_skip(ZCNET_FEAT_REGION_IMPORT |
					  ZCNET_FEAT_TX_SOCK, NULL);
	long r[5];
	ssize_t n;
	int s;

	if (why)
		SKIP(return, "%s", why);
	a.mem = mmap(NULL, a.len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a.mem);
	memset(a.mem, 0, a.len);
	a.fd = zc_open();
	ASSERT_LE(0, a.fd);
	ASSERT_EQ(0, zc_reg(a.fd, a.mem, a.len, &a.id));
	s = zc_udp_bind(NULL, "127.0.0.1", &a.port);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, zc_child_results(child_sends, &a, r, 5));
	ASSERT_EQ(0, r[0]);
	EXPECT_EQ(0, r[1]) TH_LOG("import in the child");
	ASSERT_EQ(0, r[2]) TH_LOG("attach in the child");
	EXPECT_EQ(1, r[3]);
	EXPECT_EQ(1000, r[4]);
	n = recv(s, buf, sizeof(buf), 0);
	ASSERT_EQ(1000, n);
	EXPECT_EQ(1000U, pat_check(buf, 1000, 0, 9));
	EXPECT_EQ(1U, STAT(a.fd, regions));
	close(s);
	close(a.fd);
	munmap(a.mem, a.len);
}

/* ------------------------------------------------------------------ */
/* descriptors in flight: a loopback TCP receiver that does not read   */
/* ------------------------------------------------------------------ */

#define FL_PAGES	512U		/* 2 MiB with 4 KiB pages */
#define FL_DESC		(64U << 10)
#define FL_N		32U

FIXTURE(inflight) {
	struct zc_ctx a, b;
	unsigned char *mem;
	size_t len;
	__u32 id, nid;
	__u64 base;
	int lfd, tx;
};

FIXTURE_VARIANT(inflight) {
	bool importer_sends;
};

FIXTURE_VARIANT_ADD(inflight, exporter_sends) { .importer_sends = false };
FIXTURE_VARIANT_ADD(inflight, importer_sends) { .importer_sends = true };

FIXTURE_SETUP(inflight)
{
	struct zcnet_stats st;
	unsigned short port;
	const char *why;

	self->a.fd = self->b.fd = self->lfd = self->tx = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_REGION_IMPORT | ZCNET_FEAT_TX_SOCK,
			      NULL);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_ctx_open(&self->a, RING, RING, 0, 0));
	ASSERT_EQ(0, zc_ctx_open(&self->b, RING, RING, 0, 0));
	zc_settle_for(self->a.fd, &st, ZC_SETTLE_MS);
	self->base = st.module_pinned_pages;
	self->len = FL_PAGES * zc_page_size();
	self->mem = zc_alloc_pages(FL_PAGES);
	ASSERT_NE(NULL, self->mem);
	pat_fill(self->mem, self->len, 3);
	ASSERT_EQ(0, zc_reg(self->a.fd, self->mem, self->len, &self->id));
	ASSERT_EQ(0, zc_import(self->b.fd, self->a.fd, self->id, &self->nid));
	/* small buffers both ways: most of the data cannot leave */
	self->lfd = zc_tcp_listen(NULL, "127.0.0.1", 4, 65536, &port);
	ASSERT_LE(0, self->lfd);
	self->tx = zc_tcp_connect("127.0.0.1", port, 65536);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(inflight)
{
	if (self->tx >= 0)
		close(self->tx);
	if (self->lfd >= 0)
		close(self->lfd);
	zc_ctx_close(&self->a);
	zc_ctx_close(&self->b);
	if (self->mem)
		munmap(self->mem, self->len);
}

/*
 * The sending context's UNREG is EBUSY while its descriptors are in
 * flight; the other's succeeds at once and the pages stay pinned. Then
 * the receiver reads everything, which must be the region's bytes.
 */
TEST_F(inflight, unreg_other_context)
{
	struct zc_ctx *snd = variant->importer_sends ? &self->b : &self->a;
	struct zc_ctx *oth = variant->importer_sends ? &self->a : &self->b;
	__u32 sid = variant->importer_sends ? self->nid : self->id;
	__u32 oid = variant->importer_sends ? self->id : self->nid;
	struct zcnet_cq_entry e[FL_N];
	__u64 total = (__u64)FL_N * FL_DESC, got = 0;
	unsigned char *buf = malloc(FL_DESC);
	struct zcnet_tx_desc d;
	__u32 slot, i, n;
	size_t bad;
	ssize_t r;
	int c;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, zc_sock_attach(snd->fd, self->tx, 0, &slot));
	for (i = 0; i < FL_N; i++) {
		d = zc_sock_desc(sid, (__u64)i * FL_DESC % self->len, FL_DESC,
				 slot, i);
		ASSERT_EQ(0, zc_tx_push(&snd->tx, &d));
	}
	ASSERT_EQ((long)FL_N, zc_kick(snd->fd, 0));
	/* 2 MiB cannot fit into 64 KiB buffers: some must wait */
	ASSERT_LT(0U, STAT(snd->fd, inflight));
	EXPECT_EQ(-EBUSY, zc_unreg(snd->fd, sid));
	EXPECT_EQ(0, zc_unreg(oth->fd, oid));
	EXPECT_EQ(-ENOENT, zc_unreg(oth->fd, oid));
	EXPECT_EQ(self->base + FL_PAGES, STAT(oth->fd, module_pinned_pages));
	EXPECT_EQ(-EBUSY, zc_unreg(snd->fd, sid));

	c = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, c);
	bad = 0;
	while (got < total) {
		r = read(c, buf, FL_DESC);
		if (r <= 0)
			break;
		if (pat_check(buf, (size_t)r, (size_t)(got % self->len), 3) !=
		    (size_t)r)
			bad++;
		got += (__u64)r;
	}
	EXPECT_EQ(total, got);
	EXPECT_EQ(0U, bad);
	n = zc_cq_collect(snd, e, FL_N, WAIT_MS);
	ASSERT_EQ(FL_N, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ((__s32)FL_DESC, e[i].result) TH_LOG("cookie %llu",
			(unsigned long long)e[i].cookie);
	EXPECT_EQ(0U, STAT(snd->fd, inflight));
	EXPECT_EQ(0, zc_unreg(snd->fd, sid));
	EXPECT_EQ(self->base, zc_wait_module_pinned(snd->fd, self->base));
	close(c);
	free(buf);
}

/* The sender's peer context closes while its pages are in flight. */
TEST_F(inflight, close_other_context)
{
	struct zc_ctx *snd = variant->importer_sends ? &self->b : &self->a;
	struct zc_ctx *oth = variant->importer_sends ? &self->a : &self->b;
	__u32 sid = variant->importer_sends ? self->nid : self->id;
	struct zcnet_cq_entry e[FL_N];
	unsigned char *buf = malloc(FL_DESC);
	__u64 total = (__u64)FL_N * FL_DESC, got = 0;
	struct zcnet_tx_desc d;
	__u32 slot, i;
	size_t bad = 0;
	ssize_t r;
	int c;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, zc_sock_attach(snd->fd, self->tx, 0, &slot));
	for (i = 0; i < FL_N; i++) {
		d = zc_sock_desc(sid, (__u64)i * FL_DESC % self->len, FL_DESC,
				 slot, i);
		ASSERT_EQ(0, zc_tx_push(&snd->tx, &d));
	}
	ASSERT_EQ((long)FL_N, zc_kick(snd->fd, 0));
	ASSERT_LT(0U, STAT(snd->fd, inflight));
	zc_ctx_close(oth);
	zc_sleep_ms(200);
	EXPECT_EQ(self->base + FL_PAGES, STAT(snd->fd, module_pinned_pages));
	c = accept4(self->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, c);
	while (got < total) {
		r = read(c, buf, FL_DESC);
		if (r <= 0)
			break;
		if (pat_check(buf, (size_t)r, (size_t)(got % self->len), 3) !=
		    (size_t)r)
			bad++;
		got += (__u64)r;
	}
	EXPECT_EQ(total, got);
	EXPECT_EQ(0U, bad);
	ASSERT_EQ(FL_N, zc_cq_collect(snd, e, FL_N, WAIT_MS));
	for (i = 0; i < FL_N; i++)
		EXPECT_EQ((__s32)FL_DESC, e[i].result);
	zc_ctx_close(snd);
	ASSERT_EQ(0, zc_ctx_open(&self->a, RING, RING, 0, 0));
	EXPECT_EQ(self->base, zc_wait_module_pinned(self->a.fd, self->base));
	close(c);
	free(buf);
}

TEST_HARNESS_MAIN
