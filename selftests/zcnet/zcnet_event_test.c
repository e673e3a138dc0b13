// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet completions and events: ZCNET_IOC_KICK with ZCNET_TX_NOP
 * descriptors (the only way this build produces completions), descriptor
 * validation, CQ back-pressure, corrupt ring indices, the CQ eventfd
 * (attach, replace, detach, bad fds, one signal per batch), poll and epoll.
 */
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/epoll.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define REGION_PAGES 4
#define COOKIE(i) (0xc0c0000000000000ULL | (__u64)(i))

/* One context with TX/CQ rings, a registered region and a CQ eventfd. */
struct qstate {
	struct zc_ctx c;
	char *mem;
	__u64 rlen;
	__u32 id;
	int efd;
};

/* 1: set up; 0: no /dev/zcnet (SKIP); asserts on anything else */
static int qs_open(struct __test_metadata *_metadata, struct qstate *q,
		   __u32 tx, __u32 cq)
{
	long ret;

	q->c.fd = -1;
	q->efd = -1;
	q->mem = NULL;
	ret = zc_ctx_open(&q->c, tx, cq, 0, 0);
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO)
		return 0;
	ASSERT_EQ(0, ret) TH_LOG("context setup: %s", strerror((int)-ret));
	q->rlen = REGION_PAGES * zc_page_size();
	q->mem = zc_alloc_pages(REGION_PAGES);
	ASSERT_NE(NULL, q->mem);
	ASSERT_EQ(0, zc_reg(q->c.fd, q->mem, q->rlen, &q->id));
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, q->efd);
	ASSERT_EQ(0, zc_set_eventfd(q->c.fd, ZCNET_EVENTFD_CQ, q->efd));
	return 1;
}

static void qs_close(struct qstate *q)
{
	zc_ctx_close(&q->c);
	if (q->efd >= 0)
		close(q->efd);
	q->efd = -1;
	if (q->mem)
		munmap(q->mem, q->rlen);
	q->mem = NULL;
}

/* eventfd counter, or -errno (-EAGAIN when not signalled) */
static long efd_read(int efd)
{
	__u64 v;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return (long)v;
}

static void push_nops(struct __test_metadata *_metadata, struct qstate *q,
		      unsigned int n, unsigned int first_cookie)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_nop(q->id, i * 16, 64 + i,
						COOKIE(first_cookie + i));

		ASSERT_EQ(0, zc_tx_push(&q->c.tx, &d)) TH_LOG("push %u", i);
	}
}

/* Pop n completions of push_nops(first_cookie) and check them. */
static void pop_nops(struct __test_metadata *_metadata, struct qstate *q,
		     unsigned int n, unsigned int first_cookie)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zcnet_cq_entry e;
		unsigned int k = first_cookie + i;

		ASSERT_EQ(0, zc_cq_pop(&q->c.cq, &e)) TH_LOG("completion %u", k);
		EXPECT_EQ(COOKIE(k), e.cookie) TH_LOG("completion %u", k);
		/* push_nops used len 64 + its index within its batch */
		EXPECT_LE(64, e.result) TH_LOG("completion %u", k);
		EXPECT_EQ(0U, e.flags) TH_LOG("completion %u", k);
	}
}

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* ------------------------------------------------------------------ */
/* kick and NOP completions                                            */
/* ------------------------------------------------------------------ */

FIXTURE(q) {
	struct qstate q;
};

FIXTURE_SETUP(q)
{
	if (!qs_open(_metadata, &self->q, 16, 16))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(q)
{
	qs_close(&self->q);
}

/* no shared state: each test opens what it needs */
FIXTURE(plain) {
	int unused;
};

FIXTURE_SETUP(plain)
{
	if (!zc_dev_present())
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(plain)
{
}

TEST_F(plain, kick_before_setup_enxio)
{
	int fd = zc_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENXIO, zc_kick(fd, 0));
	EXPECT_EQ(-ENXIO, zc_kick(fd, 5));
	close(fd);
}

TEST_F(q, kick_empty_ring)
{
	struct zcnet_stats st;

	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 4));
	EXPECT_EQ(0U, zc_cq_ready(&self->q.c.cq));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(2U, st.tx_kicks);
	EXPECT_EQ(0U, st.tx_descs);
	EXPECT_EQ(0U, st.cq_posted);
	EXPECT_EQ(0U, st.cq_signals);
	EXPECT_EQ(0U, st.ring_errors);
}

TEST_F(q, kick_flags_reserved_einval)
{
	struct zcnet_kick k = { .size = sizeof(k) };

	push_nops(_metadata, &self->q, 2, 0);
	k.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->q.c.fd, ZCNET_IOC_KICK, &k));
	k.flags = 0;
	k.reserved = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->q.c.fd, ZCNET_IOC_KICK, &k));
	/* nothing consumed */
	EXPECT_EQ(0U, zc_load_acquire(self->q.c.tx.consumer));
	EXPECT_EQ(0U, zc_cq_ready(&self->q.c.cq));
	k.reserved = 0;
	EXPECT_EQ(2, zc_ioctl(self->q.c.fd, ZCNET_IOC_KICK, &k));
}

TEST_F(q, one_nop)
{
	struct zcnet_tx_desc d = zc_nop(self->q.id, 8, 200, 0x1122334455667788ULL);
	struct zcnet_cq_entry e;
	struct zcnet_stats st;

	ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	/* the kernel publishes its TX consumer and the CQ producer */
	EXPECT_EQ(1U, zc_load_acquire(self->q.c.tx.consumer));
	EXPECT_EQ(1U, zc_load_acquire(self->q.c.cq.producer));
	ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(0x1122334455667788ULL, e.cookie);
	EXPECT_EQ(200, e.result);
	EXPECT_EQ(0U, e.flags);
	EXPECT_EQ(-EAGAIN, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(1, efd_read(self->q.efd));

	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(1U, st.tx_kicks);
	EXPECT_EQ(1U, st.tx_descs);
	EXPECT_EQ(1U, st.tx_nops);
	EXPECT_EQ(0U, st.tx_rejected);
	EXPECT_EQ(1U, st.cq_posted);
	EXPECT_EQ(1U, st.cq_signals);
	EXPECT_EQ(0U, st.ring_errors);
	EXPECT_EQ(0U, st.tx_frames);
	EXPECT_EQ(0U, st.inflight);
}

TEST_F(q, full_tx_ring_in_order)
{
	struct zcnet_stats st;
	__u32 n = self->q.c.tx.entries;

	push_nops(_metadata, &self->q, n, 0);
	/* exactly 'entries' ahead is full, not corrupt */
	EXPECT_EQ(-ENOSPC, zc_tx_push(&self->q.c.tx, &(struct zcnet_tx_desc){ 0 }));
	ASSERT_EQ((long)n, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(n, zc_load_acquire(self->q.c.tx.consumer));
	EXPECT_EQ(n, zc_cq_ready(&self->q.c.cq));
	pop_nops(_metadata, &self->q, n, 0);
	EXPECT_EQ(1, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ((__u64)n, st.tx_descs);
	EXPECT_EQ((__u64)n, st.tx_nops);
	EXPECT_EQ((__u64)n, st.cq_posted);
	EXPECT_EQ(1U, st.cq_signals);
}

TEST_F(q, results_are_lengths)
{
	struct zcnet_cq_entry e;
	unsigned int i;

	push_nops(_metadata, &self->q, 5, 0);
	ASSERT_EQ(5, zc_kick(self->q.c.fd, 0));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
		EXPECT_EQ(COOKIE(i), e.cookie);
		EXPECT_EQ((__s32)(64 + i), e.result);
	}
}

TEST_F(q, budget_bounds_kick)
{
	push_nops(_metadata, &self->q, 7, 0);
	ASSERT_EQ(2, zc_kick(self->q.c.fd, 2));
	EXPECT_EQ(2U, zc_load_acquire(self->q.c.tx.consumer));
	EXPECT_EQ(2U, zc_cq_ready(&self->q.c.cq));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 1));
	EXPECT_EQ(3U, zc_cq_ready(&self->q.c.cq));
	/* a budget above what is available consumes what is there */
	ASSERT_EQ(4, zc_kick(self->q.c.fd, 100));
	EXPECT_EQ(7U, zc_load_acquire(self->q.c.tx.consumer));
	pop_nops(_metadata, &self->q, 7, 0);
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 1));
}

TEST_F(q, indices_wrap_around)
{
	unsigned int round, total = 0;

	/* 13 per round on 16-entry rings: slots wrap at varying places */
	for (round = 0; round < 12; round++) {
		push_nops(_metadata, &self->q, 13, total);
		ASSERT_EQ(13, zc_kick(self->q.c.fd, 0)) TH_LOG("round %u", round);
		pop_nops(_metadata, &self->q, 13, total);
		total += 13;
		EXPECT_EQ(total, zc_load_acquire(self->q.c.tx.consumer));
		EXPECT_EQ(total, zc_load_acquire(self->q.c.cq.producer));
	}
}

TEST_F(q, cq_not_drained_not_corrupt)
{
	struct zcnet_stats st;

	/* the user has not consumed any completion: CQ full, not corrupt */
	push_nops(_metadata, &self->q, 16, 0);
	ASSERT_EQ(16, zc_kick(self->q.c.fd, 0));
	push_nops(_metadata, &self->q, 3, 16);
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(16U, zc_load_acquire(self->q.c.tx.consumer));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(0U, st.ring_errors);
	pop_nops(_metadata, &self->q, 16, 0);
	ASSERT_EQ(3, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 3, 16);
}

TEST_F(plain, cq_free_slots_bound_kick)
{
	struct qstate q;
	struct zcnet_stats st;

	ASSERT_EQ(1, qs_open(_metadata, &q, 32, 8));
	push_nops(_metadata, &q, 20, 0);

	ASSERT_EQ(8, zc_kick(q.c.fd, 0));
	EXPECT_EQ(8U, zc_load_acquire(q.c.tx.consumer));
	EXPECT_EQ(8U, zc_cq_ready(&q.c.cq));
	EXPECT_EQ(1, efd_read(q.efd));

	/* CQ full: nothing consumed, nothing signalled */
	ASSERT_EQ(0, zc_kick(q.c.fd, 0));
	EXPECT_EQ(8U, zc_load_acquire(q.c.tx.consumer));
	EXPECT_EQ(-EAGAIN, efd_read(q.efd));

	/* free 3 slots: exactly 3 more */
	pop_nops(_metadata, &q, 3, 0);
	ASSERT_EQ(3, zc_kick(q.c.fd, 0));
	EXPECT_EQ(11U, zc_load_acquire(q.c.tx.consumer));
	EXPECT_EQ(8U, zc_cq_ready(&q.c.cq));
	EXPECT_EQ(1, efd_read(q.efd));

	/* budget still applies on top of the free slots */
	pop_nops(_metadata, &q, 8, 3);
	ASSERT_EQ(5, zc_kick(q.c.fd, 5));
	ASSERT_EQ(3, zc_kick(q.c.fd, 0));
	EXPECT_EQ(19U, zc_load_acquire(q.c.tx.consumer));
	pop_nops(_metadata, &q, 8, 11);
	ASSERT_EQ(1, zc_kick(q.c.fd, 0));
	pop_nops(_metadata, &q, 1, 19);
	EXPECT_EQ(20U, zc_load_acquire(q.c.tx.consumer));

	ASSERT_EQ(0, zc_get_stats(q.c.fd, &st));
	EXPECT_EQ(20U, st.tx_descs);
	EXPECT_EQ(20U, st.cq_posted);
	EXPECT_EQ(20U, st.tx_nops);
	qs_close(&q);
}

TEST_F(q, region_must_be_registered)
{
	struct zcnet_tx_desc d = zc_nop(self->q.id, 0, 10, 1);
	struct zcnet_cq_entry e;

	ASSERT_EQ(0, zc_unreg(self->q.c.fd, self->q.id));
	ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(1U, e.cookie);
	EXPECT_EQ(-EINVAL, e.result);
	EXPECT_EQ(0U, e.flags);
}

TEST_F(q, region_of_other_context_einval)
{
	size_t pg = zc_page_size();
	char *mem = zc_alloc_pages(1);
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	int fd2 = zc_open();
	__u32 other;

	ASSERT_NE(NULL, mem);
	ASSERT_LE(0, fd2);
	/* our only region goes away; fd2 registers one */
	ASSERT_EQ(0, zc_unreg(self->q.c.fd, self->q.id));
	ASSERT_EQ(0, zc_reg(fd2, mem, pg, &other));
	d = zc_nop(other, 0, 10, 2);
	ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(2U, e.cookie);
	EXPECT_EQ(-EINVAL, e.result);
	close(fd2);
	munmap(mem, pg);
}

TEST_F(q, bad_descriptors_do_not_disturb_batch)
{
	struct zcnet_tx_desc d[7];
	struct zcnet_cq_entry e;
	struct zcnet_stats st;
	const __s32 want[7] = { 10, -EINVAL, 30, -EINVAL, 50, -EINVAL, 70 };
	int i;

	for (i = 0; i < 7; i++)
		d[i] = zc_nop(self->q.id, 0, 10 * (i + 1), COOKIE(i));
	d[1].len = 0;
	d[3].flags |= 1U << 5;
	d[5].reserved1 = 1;
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d[i]));
	}
	ASSERT_EQ(7, zc_kick(self->q.c.fd, 0));
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
		EXPECT_EQ(COOKIE(i), e.cookie) TH_LOG("entry %d", i);
		EXPECT_EQ(want[i], e.result) TH_LOG("entry %d", i);
		EXPECT_EQ(0U, e.flags) TH_LOG("entry %d", i);
	}
	EXPECT_EQ(1, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(7U, st.tx_descs);
	EXPECT_EQ(4U, st.tx_nops);
	EXPECT_EQ(3U, st.tx_rejected);
	EXPECT_EQ(7U, st.cq_posted);
}

TEST_F(q, unbound_descriptors_in_batch)
{
	struct zcnet_tx_desc d[4];
	struct zcnet_cq_entry e;
	const __s32 want[4] = { 16, -ENXIO, -ENOTCONN, 32 };
	int i;

	d[0] = zc_nop(self->q.id, 0, 16, COOKIE(0));
	d[1] = zc_nop(self->q.id, 0, 16, COOKIE(1));
	d[1].flags = 0;
	d[2] = zc_nop(self->q.id, 0, 16, COOKIE(2));
	d[2].flags = ZCNET_TX_SOCK;
	d[3] = zc_nop(self->q.id, 0, 32, COOKIE(3));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d[i]));
	}
	ASSERT_EQ(4, zc_kick(self->q.c.fd, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
		EXPECT_EQ(COOKIE(i), e.cookie) TH_LOG("entry %d", i);
		EXPECT_EQ(want[i], e.result) TH_LOG("entry %d", i);
	}
}

/* ------------------------------------------------------------------ */
/* descriptor validation, one descriptor per variant                   */
/* ------------------------------------------------------------------ */

enum stat_kind { NOP_OK, REJECTED, UNBOUND };

FIXTURE(desc) {
	struct qstate q;
};

FIXTURE_VARIANT(desc) {
	__u16 flags;
	bool len_whole;		/* len = region length + len */
	__u32 len;
	bool off_from_end;	/* offset = region length - offset */
	__u64 offset;
	bool bad_region;
	__u16 sock;
	__u16 reserved0;
	__u32 reserved1;
	bool result_is_len;
	__s32 result;
	enum stat_kind stat;
};

#define NOP ZCNET_TX_NOP
#define SOCK ZCNET_TX_SOCK
#define MORE ZCNET_TX_MORE
#define GSO ZCNET_TX_GSO

FIXTURE_VARIANT_ADD(desc, nop_ok) {
	.flags = NOP, .len = 100, .result_is_len = true, .stat = NOP_OK,
};
FIXTURE_VARIANT_ADD(desc, nop_whole_region) {
	.flags = NOP, .len_whole = true, .result_is_len = true, .stat = NOP_OK,
};
FIXTURE_VARIANT_ADD(desc, nop_last_byte) {
	.flags = NOP, .len = 1, .off_from_end = true, .offset = 1,
	.result_is_len = true, .stat = NOP_OK,
};
FIXTURE_VARIANT_ADD(desc, nop_across_pages) {
	.flags = NOP, .len = 5000, .offset = 3000,
	.result_is_len = true, .stat = NOP_OK,
};
FIXTURE_VARIANT_ADD(desc, nop_len_0) {
	.flags = NOP, .len = 0, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_len_max) {
	.flags = NOP, .len = 0xffffffffu, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_whole_plus_1) {
	.flags = NOP, .len_whole = true, .len = 1,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_past_end) {
	.flags = NOP, .len = 11, .off_from_end = true, .offset = 10,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_offset_at_end) {
	.flags = NOP, .len = 1, .off_from_end = true, .offset = 0,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_offset_huge) {
	.flags = NOP, .len = 1, .offset = 1ULL << 40,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_offset_wraps) {
	.flags = NOP, .len = 0x20, .offset = 0xfffffffffffffff0ULL,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_unknown_region) {
	.flags = NOP, .len = 10, .bad_region = true,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_reserved0) {
	.flags = NOP, .len = 10, .reserved0 = 1,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_reserved1) {
	.flags = NOP, .len = 10, .reserved1 = 0x80000000u,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_unknown_flag) {
	.flags = NOP | (1U << 5), .len = 10, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_top_flag) {
	.flags = NOP | 0x8000, .len = 10, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, unknown_flag_alone) {
	.flags = 1U << 5, .len = 10, .result = -EINVAL, .stat = REJECTED,
};
/* ZCNET_TX_GSO belongs to socket descriptors only */
FIXTURE_VARIANT_ADD(desc, gso_without_sock) {
	.flags = GSO, .len = 3000, .reserved0 = 1200,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_with_gso) {
	.flags = NOP | GSO, .len = 3000, .reserved0 = 1200,
	.result = -EINVAL, .stat = REJECTED,
};
/* gso_size (reserved0's place) without ZCNET_TX_GSO */
FIXTURE_VARIANT_ADD(desc, sock_gso_size_without_gso) {
	.flags = SOCK, .len = 3000, .reserved0 = 1200,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_with_sock) {
	.flags = NOP | SOCK, .len = 10, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_with_more) {
	.flags = NOP | MORE, .len = 10, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, nop_with_sock_more) {
	.flags = NOP | SOCK | MORE, .len = 10,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, more_without_sock) {
	.flags = MORE, .len = 10, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, raw_unbound) {
	.flags = 0, .len = 100, .result = -ENXIO, .stat = UNBOUND,
};
FIXTURE_VARIANT_ADD(desc, raw_len_0) {
	.flags = 0, .len = 0, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, raw_past_end) {
	.flags = 0, .len = 2, .off_from_end = true, .offset = 1,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, raw_unknown_region) {
	.flags = 0, .len = 10, .bad_region = true,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, raw_reserved0) {
	.flags = 0, .len = 10, .reserved0 = 0x8000,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, sock_unattached) {
	.flags = SOCK, .len = 100, .result = -ENOTCONN, .stat = UNBOUND,
};
FIXTURE_VARIANT_ADD(desc, sock_slot_15_unattached) {
	.flags = SOCK, .len = 100, .sock = 15,
	.result = -ENOTCONN, .stat = UNBOUND,
};
FIXTURE_VARIANT_ADD(desc, sock_slot_65535_unattached) {
	.flags = SOCK, .len = 100, .sock = 65535,
	.result = -ENOTCONN, .stat = UNBOUND,
};
FIXTURE_VARIANT_ADD(desc, sock_more_unattached) {
	.flags = SOCK | MORE, .len = 100, .result = -ENOTCONN, .stat = UNBOUND,
};
FIXTURE_VARIANT_ADD(desc, sock_len_0) {
	.flags = SOCK, .len = 0, .result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, sock_past_end) {
	.flags = SOCK, .len_whole = true, .len = 1, .offset = 0,
	.result = -EINVAL, .stat = REJECTED,
};
FIXTURE_VARIANT_ADD(desc, sock_reserved1) {
	.flags = SOCK, .len = 10, .reserved1 = 1,
	.result = -EINVAL, .stat = REJECTED,
};

FIXTURE_SETUP(desc)
{
	if (!qs_open(_metadata, &self->q, 8, 8))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(desc)
{
	qs_close(&self->q);
}

TEST_F(desc, completion)
{
	struct zcnet_tx_desc d = { 0 };
	struct zcnet_cq_entry e;
	struct zcnet_stats st;
	__s32 want;

	d.flags = variant->flags;
	d.len = (variant->len_whole ? (__u32)self->q.rlen : 0) + variant->len;
	d.offset = variant->off_from_end ? self->q.rlen - variant->offset :
					   variant->offset;
	d.region = variant->bad_region ? (__u16)(self->q.id + 1) :
					 (__u16)self->q.id;
	d.sock = variant->sock;
	d.reserved0 = variant->reserved0;
	d.reserved1 = variant->reserved1;
	d.cookie = 0xfeedfacecafebeefULL;
	want = variant->result_is_len ? (__s32)d.len : variant->result;

	ASSERT_EQ(0, zc_tx_push(&self->q.c.tx, &d));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1U, zc_load_acquire(self->q.c.tx.consumer));
	ASSERT_EQ(0, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(0xfeedfacecafebeefULL, e.cookie);
	EXPECT_EQ(want, e.result);
	EXPECT_EQ(0U, e.flags);
	EXPECT_EQ(-EAGAIN, zc_cq_pop(&self->q.c.cq, &e));
	EXPECT_EQ(1, efd_read(self->q.efd));

	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(1U, st.tx_kicks);
	EXPECT_EQ(1U, st.tx_descs);
	EXPECT_EQ(1U, st.cq_posted);
	EXPECT_EQ(0U, st.inflight);
	switch (variant->stat) {
	case NOP_OK:
		EXPECT_EQ(1U, st.tx_nops);
		EXPECT_EQ(0U, st.tx_rejected);
		break;
	case REJECTED:
		EXPECT_EQ(0U, st.tx_nops);
		EXPECT_EQ(1U, st.tx_rejected);
		break;
	case UNBOUND:
		EXPECT_EQ(0U, st.tx_nops);
		EXPECT_EQ(0U, st.tx_frames);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* corrupt indices                                                     */
/* ------------------------------------------------------------------ */

FIXTURE(corrupt_tx) {
	struct qstate q;
};

FIXTURE_VARIANT(corrupt_tx) {
	__u32 ahead;	/* producer = consumer + ahead (mod 2^32) */
};

FIXTURE_VARIANT_ADD(corrupt_tx, entries_plus_1) { .ahead = 16 + 1 };
FIXTURE_VARIANT_ADD(corrupt_tx, entries_times_2) { .ahead = 32 };
FIXTURE_VARIANT_ADD(corrupt_tx, half_range) { .ahead = 0x80000000u };
FIXTURE_VARIANT_ADD(corrupt_tx, behind_by_1) { .ahead = 0xffffffffu };
FIXTURE_VARIANT_ADD(corrupt_tx, behind_by_entries) { .ahead = 0u - 16 };

FIXTURE_SETUP(corrupt_tx)
{
	if (!qs_open(_metadata, &self->q, 16, 16))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	/* some progress first, so the indices are not at 0 */
	push_nops(_metadata, &self->q, 5, 0);
	ASSERT_EQ(5, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 5, 0);
	ASSERT_EQ(1, efd_read(self->q.efd));
}

FIXTURE_TEARDOWN(corrupt_tx)
{
	qs_close(&self->q);
}

TEST_F(corrupt_tx, kick_einval_then_recovers)
{
	struct zc_ring *tx = &self->q.c.tx;
	struct zcnet_stats st;
	short ev;

	/* valid descriptors in every slot, so only the index is wrong */
	push_nops(_metadata, &self->q, 16, 100);
	zc_store_release(tx->producer, 5 + variant->ahead);

	EXPECT_EQ(-EINVAL, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(-EINVAL, zc_kick(self->q.c.fd, 3));
	EXPECT_EQ(5U, zc_load_acquire(tx->consumer));
	EXPECT_EQ(5U, zc_load_acquire(self->q.c.cq.producer));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(5U, st.tx_descs);
	EXPECT_EQ(5U, st.cq_posted);
	EXPECT_EQ(2U, st.ring_errors);
	ev = poll_events(self->q.c.fd);
	EXPECT_TRUE(ev & POLLERR) TH_LOG("revents 0x%x", ev);

	/* a sane producer again: everything works */
	zc_store_release(tx->producer, 5);
	ev = poll_events(self->q.c.fd);
	EXPECT_FALSE(ev & POLLERR) TH_LOG("revents 0x%x", ev);
	push_nops(_metadata, &self->q, 3, 200);
	ASSERT_EQ(3, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 3, 200);
	EXPECT_EQ(8U, zc_load_acquire(tx->consumer));
	EXPECT_EQ(1, efd_read(self->q.efd));
}

TEST_F(corrupt_tx, ring_errors_counts_each_kick)
{
	struct zcnet_stats st;

	zc_store_release(self->q.c.tx.producer, 5 + variant->ahead);
	EXPECT_EQ(-EINVAL, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(1U, st.ring_errors);
	zc_store_release(self->q.c.tx.producer, 5);
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(1U, st.ring_errors);
}

FIXTURE(corrupt_cq) {
	struct qstate q;
};

FIXTURE_VARIANT(corrupt_cq) {
	__u32 ahead;	/* user CQ consumer = CQ producer + ahead */
};

FIXTURE_VARIANT_ADD(corrupt_cq, ahead_by_1) { .ahead = 1 };
FIXTURE_VARIANT_ADD(corrupt_cq, ahead_by_entries) { .ahead = 16 };
FIXTURE_VARIANT_ADD(corrupt_cq, half_range) { .ahead = 0x80000000u };
FIXTURE_VARIANT_ADD(corrupt_cq, behind_entries_plus_1) { .ahead = 0u - 17 };
FIXTURE_VARIANT_ADD(corrupt_cq, behind_twice_entries) { .ahead = 0u - 32 };

FIXTURE_SETUP(corrupt_cq)
{
	if (!qs_open(_metadata, &self->q, 16, 16))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	push_nops(_metadata, &self->q, 4, 0);
	ASSERT_EQ(4, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 4, 0);
	ASSERT_EQ(1, efd_read(self->q.efd));
}

FIXTURE_TEARDOWN(corrupt_cq)
{
	qs_close(&self->q);
}

TEST_F(corrupt_cq, kick_einval_then_recovers)
{
	struct zc_ring *cq = &self->q.c.cq;
	struct zcnet_stats st;

	push_nops(_metadata, &self->q, 2, 10);
	zc_store_release(cq->consumer, 4 + variant->ahead);
	EXPECT_EQ(-EINVAL, zc_kick(self->q.c.fd, 0));
	/* nothing consumed, nothing posted */
	EXPECT_EQ(4U, zc_load_acquire(self->q.c.tx.consumer));
	EXPECT_EQ(4U, zc_load_acquire(cq->producer));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(4U, st.tx_descs);
	EXPECT_EQ(1U, st.ring_errors);

	zc_store_release(cq->consumer, 4);
	ASSERT_EQ(2, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 2, 10);
	EXPECT_EQ(1, efd_read(self->q.efd));
}

TEST_F(q, cq_consumer_exactly_full_behind_is_not_corrupt)
{
	struct zcnet_stats st;

	/* consumer = producer - entries: the CQ looks full, which is legal */
	push_nops(_metadata, &self->q, 2, 0);
	zc_store_release(self->q.c.cq.consumer, 0u - 16);
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(0U, st.ring_errors);
	EXPECT_EQ(0U, zc_load_acquire(self->q.c.tx.consumer));
	zc_store_release(self->q.c.cq.consumer, 0);
	ASSERT_EQ(2, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 2, 0);
}

/* ------------------------------------------------------------------ */
/* eventfd                                                             */
/* ------------------------------------------------------------------ */

TEST_F(q, eventfd_one_signal_per_batch)
{
	struct zcnet_stats st;

	push_nops(_metadata, &self->q, 9, 0);
	ASSERT_EQ(9, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	/* two batches, no read in between: two signals */
	push_nops(_metadata, &self->q, 2, 9);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 1));
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 1));
	EXPECT_EQ(2, efd_read(self->q.efd));
	/* kicks that post nothing do not signal */
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(0, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(3U, st.cq_signals);
	EXPECT_EQ(11U, st.cq_posted);
	pop_nops(_metadata, &self->q, 11, 0);
}

TEST_F(q, eventfd_replace)
{
	int e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_LE(0, e2);
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));

	ASSERT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, e2));
	push_nops(_metadata, &self->q, 1, 1);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(e2));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));

	/* and back */
	ASSERT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, self->q.efd));
	push_nops(_metadata, &self->q, 1, 2);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
	EXPECT_EQ(-EAGAIN, efd_read(e2));
	pop_nops(_metadata, &self->q, 3, 0);
	close(e2);
}

TEST_F(q, eventfd_detach)
{
	struct zcnet_stats st;

	ASSERT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, -1));
	push_nops(_metadata, &self->q, 2, 0);
	ASSERT_EQ(2, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(-EAGAIN, efd_read(self->q.efd));
	ASSERT_EQ(0, zc_get_stats(self->q.c.fd, &st));
	EXPECT_EQ(0U, st.cq_signals);
	/* detaching again is fine */
	EXPECT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, -1));
	EXPECT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_RX, -1));
	pop_nops(_metadata, &self->q, 2, 0);
}

TEST_F(q, eventfd_rx_is_separate)
{
	int e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_LE(0, e2);
	ASSERT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_RX, e2));
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
	EXPECT_EQ(-EAGAIN, efd_read(e2));
	EXPECT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_RX, -1));
	close(e2);
}

TEST_F(q, eventfd_survives_user_close)
{
	int e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int dupfd;

	ASSERT_LE(0, e2);
	dupfd = dup(e2);
	ASSERT_LE(0, dupfd);
	ASSERT_EQ(0, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, e2));
	/* the context holds its own reference to the eventfd */
	close(e2);
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(dupfd));
	close(dupfd);
	push_nops(_metadata, &self->q, 1, 1);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	pop_nops(_metadata, &self->q, 2, 0);
}

TEST_F(q, set_eventfd_bad_which_einval)
{
	const __u32 which[] = { 2, 3, 0x80000000u, 0xffffffffu };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(which); i++) {
		__u32 w = which[i];

		EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, w, self->q.efd))
			TH_LOG("which %u", w);
		EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, w, -1))
			TH_LOG("which %u", w);
	}
	/* the attached eventfd is untouched */
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
}

TEST_F(q, set_eventfd_bad_fd_ebadf)
{
	int e2 = eventfd(0, EFD_CLOEXEC);
	struct zcnet_eventfd ev = { .size = sizeof(ev) };
	int closed;

	ASSERT_LE(0, e2);
	closed = e2;
	close(e2);
	EXPECT_EQ(-EBADF, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, -2));
	EXPECT_EQ(-EBADF, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, INT_MIN));
	EXPECT_EQ(-EBADF, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_RX, -100));
	EXPECT_EQ(-EBADF, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, closed));
	EXPECT_EQ(-EBADF, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, 1000000));
	ev.flags = 1;
	ev.fd = -1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->q.c.fd, ZCNET_IOC_SET_EVENTFD, &ev));
	/* the attached eventfd is untouched */
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
}

TEST_F(q, set_eventfd_not_an_eventfd_einval)
{
	int p[2], mfd;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	mfd = memfd_create("zcnet-not-eventfd", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, p[0]));
	EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ, p[1]));
	EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_RX, mfd));
	EXPECT_EQ(-EINVAL, zc_set_eventfd(self->q.c.fd, ZCNET_EVENTFD_CQ,
					  self->q.c.fd));
	close(p[0]);
	close(p[1]);
	close(mfd);
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	EXPECT_EQ(1, efd_read(self->q.efd));
}

TEST_F(plain, set_eventfd_detach_when_none)
{
	int fd = zc_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_setup(fd, 8, 8, 0, 0));
	EXPECT_EQ(0, zc_set_eventfd(fd, ZCNET_EVENTFD_CQ, -1));
	EXPECT_EQ(0, zc_set_eventfd(fd, ZCNET_EVENTFD_RX, -1));
	close(fd);
}

/* ------------------------------------------------------------------ */
/* poll and epoll                                                      */
/* ------------------------------------------------------------------ */

TEST_F(q, poll_states)
{
	short ev;

	ev = poll_events(self->q.c.fd);
	EXPECT_TRUE(ev & POLLOUT) TH_LOG("revents 0x%x", ev);
	EXPECT_FALSE(ev & POLLIN) TH_LOG("revents 0x%x", ev);
	EXPECT_FALSE(ev & POLLERR) TH_LOG("revents 0x%x", ev);

	/* TX ring full, not kicked: no room */
	push_nops(_metadata, &self->q, 16, 0);
	ev = poll_events(self->q.c.fd);
	EXPECT_FALSE(ev & POLLOUT) TH_LOG("revents 0x%x", ev);
	EXPECT_FALSE(ev & POLLIN) TH_LOG("revents 0x%x", ev);

	/* kicked: completions waiting and room again */
	ASSERT_EQ(16, zc_kick(self->q.c.fd, 0));
	ev = poll_events(self->q.c.fd);
	EXPECT_TRUE(ev & POLLIN) TH_LOG("revents 0x%x", ev);
	EXPECT_TRUE(ev & POLLOUT) TH_LOG("revents 0x%x", ev);

	/* some completions left: still readable */
	pop_nops(_metadata, &self->q, 15, 0);
	ev = poll_events(self->q.c.fd);
	EXPECT_TRUE(ev & POLLIN) TH_LOG("revents 0x%x", ev);

	/* all released */
	pop_nops(_metadata, &self->q, 1, 15);
	ev = poll_events(self->q.c.fd);
	EXPECT_FALSE(ev & POLLIN) TH_LOG("revents 0x%x", ev);
	EXPECT_TRUE(ev & POLLOUT) TH_LOG("revents 0x%x", ev);
	EXPECT_FALSE(ev & POLLERR) TH_LOG("revents 0x%x", ev);
}

TEST_F(q, poll_one_free_slot_is_room)
{
	short ev;

	push_nops(_metadata, &self->q, 15, 0);
	ev = poll_events(self->q.c.fd);
	EXPECT_TRUE(ev & POLLOUT) TH_LOG("revents 0x%x", ev);
}

TEST_F(q, epoll_in_after_kick)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	struct epoll_event out[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->q.c.fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	push_nops(_metadata, &self->q, 3, 0);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(3, zc_kick(self->q.c.fd, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(42U, out[0].data.u64);
	EXPECT_TRUE((out[0].events & EPOLLIN) != 0);

	pop_nops(_metadata, &self->q, 3, 0);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	/* EPOLLOUT while the TX ring has room */
	ev.events = EPOLLOUT;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_MOD, self->q.c.fd, &ev));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_TRUE((out[0].events & EPOLLOUT) != 0);
	close(ep);
}

FIXTURE(wake) {
	struct qstate q;
	pid_t child;
};

FIXTURE_VARIANT(wake) {
	bool use_epoll;
};

FIXTURE_VARIANT_ADD(wake, poll) { .use_epoll = false };
FIXTURE_VARIANT_ADD(wake, epoll) { .use_epoll = true };

FIXTURE_SETUP(wake)
{
	self->child = -1;
	if (!qs_open(_metadata, &self->q, 8, 8))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
}

FIXTURE_TEARDOWN(wake)
{
	if (self->child > 0)
		zc_kill_wait(self->child);
	qs_close(&self->q);
}

/* exit codes of the waiting child */
#define WAKE_IN 10
#define WAKE_TIMEOUT 11
#define WAKE_ERROR 12
#define WAKE_OTHER 13

static int wait_readable(int fd, bool use_epoll)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep, n;

	if (!use_epoll) {
		n = poll(&p, 1, 5000);
		if (n < 0)
			return WAKE_ERROR;
		if (n == 0)
			return WAKE_TIMEOUT;
		return (p.revents & POLLIN) ? WAKE_IN : WAKE_OTHER;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return WAKE_ERROR;
	n = epoll_wait(ep, &out, 1, 5000);
	if (n < 0)
		return WAKE_ERROR;
	if (n == 0)
		return WAKE_TIMEOUT;
	return (out.events & EPOLLIN) ? WAKE_IN : WAKE_OTHER;
}

TEST_F(wake, kick_wakes_waiter)
{
	int ready[2], status;
	char c;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	self->child = zc_fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(WAKE_ERROR);
		_exit(wait_readable(self->q.c.fd, variant->use_epoll));
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	/* give the child a chance to block; correctness does not depend on it */
	zc_sleep_ms(100);
	push_nops(_metadata, &self->q, 1, 0);
	ASSERT_EQ(1, zc_kick(self->q.c.fd, 0));
	status = zc_wait(self->child);
	self->child = -1;
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WAKE_IN, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
