// SPDX-License-Identifier: GPL-2.0
/* KUnit: TX descriptor and buffer checks. */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>

#include "zcnet_ctx.h"
#include "zcnet_kunit.h"
#include "zcnet_region.h"
#include "zcnet_tx_kick.h"

struct zcnet_tx_desc_case {
	const char *what;
	struct zcnet_tx_desc d;
	int err;
};

/* Every field of a descriptor, alone; the region and buffer come later. */
static const struct zcnet_tx_desc_case zcnet_tx_desc_cases[] = {
	{ "raw frame", { .len = 60 }, 0 },
	{ "raw frame, every other field at its limit",
	  { .offset = U64_MAX, .len = ZCNET_TX_LEN_MAX, .region = U16_MAX,
	    .cookie = U64_MAX }, 0 },
	{ "nop", { .flags = ZCNET_TX_NOP, .len = 1 }, 0 },
	{ "nop, longest", { .flags = ZCNET_TX_NOP, .len = ZCNET_TX_LEN_MAX },
	  0 },
	{ "nop, result would be negative",
	  { .flags = ZCNET_TX_NOP, .len = ZCNET_TX_LEN_MAX + 1 }, -EINVAL },
	{ "socket, len U32_MAX", { .flags = ZCNET_TX_SOCK, .len = U32_MAX },
	  -EINVAL },
	{ "socket", { .flags = ZCNET_TX_SOCK, .sock = 7 }, 0 },
	{ "socket, slot 0", { .flags = ZCNET_TX_SOCK }, 0 },
	{ "socket, more", { .flags = ZCNET_TX_SOCK | ZCNET_TX_MORE }, 0 },
	{ "socket, slot limit", { .flags = ZCNET_TX_SOCK, .sock = U16_MAX }, 0 },
	{ "raw with a virtio_net_hdr", { .flags = ZCNET_TX_VNET_HDR, .len = 70 },
	  0 },
	{ "virtio_net_hdr on a socket",
	  { .flags = ZCNET_TX_SOCK | ZCNET_TX_VNET_HDR, .len = 70 }, -EINVAL },
	{ "virtio_net_hdr on a nop",
	  { .flags = ZCNET_TX_NOP | ZCNET_TX_VNET_HDR, .len = 70 }, -EINVAL },
	{ "virtio_net_hdr with gso_size",
	  { .flags = ZCNET_TX_VNET_HDR, .len = 70, .gso_size = 1400 },
	  -EINVAL },
	{ "unknown flag 1 << 5", { .flags = 1 << 5 }, -EINVAL },
	{ "unknown flag 1 << 15", { .flags = 1 << 15 }, -EINVAL },
	{ "every flag", { .flags = U16_MAX }, -EINVAL },
	{ "nop with a known flag", { .flags = ZCNET_TX_NOP | ZCNET_TX_SOCK },
	  -EINVAL },
	{ "nop, more", { .flags = ZCNET_TX_NOP | ZCNET_TX_MORE }, -EINVAL },
	{ "more without socket", { .flags = ZCNET_TX_MORE }, -EINVAL },
	{ "socket slot without socket", { .sock = 1 }, -EINVAL },
	{ "socket slot on a nop", { .flags = ZCNET_TX_NOP, .sock = 1 },
	  -EINVAL },
	{ "reserved0", { .reserved0 = 1 }, -EINVAL },
	{ "reserved0 high bit", { .reserved0 = 0x8000 }, -EINVAL },
	{ "gso", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO, .len = 65507,
		   .gso_size = 1472 }, 0 },
	{ "gso, one segment", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				.len = 100, .gso_size = 1472 }, 0 },
	{ "gso, 128 segments", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				 .len = 128 * 500, .gso_size = 500 }, 0 },
	{ "gso, 129 segments", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				 .len = 128 * 500 + 1, .gso_size = 500 },
	  -EINVAL },
	{ "gso, largest size", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				 .len = 65507, .gso_size = U16_MAX }, 0 },
	{ "gso, IPv6's longest", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				   .len = 65527, .gso_size = 1452 }, 0 },
	{ "gso, payload too long", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO,
				     .len = 65528, .gso_size = 1452 },
	  -EMSGSIZE },
	{ "gso, size 0", { .flags = ZCNET_TX_SOCK | ZCNET_TX_GSO, .len = 1 },
	  -EINVAL },
	{ "gso without socket", { .flags = ZCNET_TX_GSO, .len = 1,
				  .gso_size = 1 }, -EINVAL },
	{ "gso on a nop", { .flags = ZCNET_TX_NOP | ZCNET_TX_GSO, .len = 1,
			    .gso_size = 1 }, -EINVAL },
	{ "gso size without gso", { .flags = ZCNET_TX_SOCK, .len = 1,
				    .gso_size = 1 }, -EINVAL },
	{ "reserved1", { .reserved1 = 1 }, -EINVAL },
	{ "reserved1 high bit", { .reserved1 = 0x80000000 }, -EINVAL },
	{ "reserved on a nop", { .flags = ZCNET_TX_NOP, .reserved1 = 1 },
	  -EINVAL },
	{ "reserved on a socket", { .flags = ZCNET_TX_SOCK, .reserved0 = 1 },
	  -EINVAL },
};

static void zcnet_tx_desc_check_test(struct kunit *test)
{
	const struct zcnet_tx_desc_case *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(zcnet_tx_desc_cases); i++) {
		c = &zcnet_tx_desc_cases[i];
		KUNIT_EXPECT_EQ_MSG(test, zcnet_tx_desc_check(&c->d), c->err,
				    "%s", c->what);
	}
}

struct zcnet_buf_case {
	u64 region_len;
	u64 offset;
	u32 len;
	int err;
};

#define ZCNET_4G	(1ULL << 32)

static const struct zcnet_buf_case zcnet_buf_cases[] = {
	{ 4096, 0, 1, 0 },
	{ 4096, 0, 4096, 0 },
	{ 4096, 4095, 1, 0 },
	{ 4096, 100, 3996, 0 },
	{ ZCNET_4G, ZCNET_4G - U32_MAX, U32_MAX, 0 },
	{ ZCNET_4G, 0, U32_MAX, 0 },
	{ 4096, 0, 0, -EINVAL },		/* empty */
	{ 4096, 4096, 0, -EINVAL },
	{ 4096, 0, 4097, -EINVAL },		/* past the end */
	{ 4096, 4095, 2, -EINVAL },
	{ 4096, 4096, 1, -EINVAL },
	{ 4096, 1ULL << 32, 1, -EINVAL },
	{ ZCNET_4G, ZCNET_4G - U32_MAX + 1, U32_MAX, -EINVAL },
	{ 4096, U64_MAX, 1, -EINVAL },		/* offset + len overflows */
	{ 4096, U64_MAX - 4094, 4096, -EINVAL },
	{ U64_MAX, U64_MAX, 1, -EINVAL },
	{ U64_MAX, U64_MAX - U32_MAX + 1, U32_MAX, -EINVAL },
	{ U64_MAX, U64_MAX - U32_MAX, U32_MAX, 0 },
	{ 0, 0, 1, -EINVAL },			/* empty region */
};

static void zcnet_buf_check_test(struct kunit *test)
{
	const struct zcnet_buf_case *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(zcnet_buf_cases); i++) {
		c = &zcnet_buf_cases[i];
		KUNIT_EXPECT_EQ_MSG(test, zcnet_buf_check(c->region_len, c->offset,
							  c->len), c->err,
				    "region %llu offset %llu len %u",
				    c->region_len, c->offset, c->len);
	}
}

#define TX_ENTRIES	8
#define REGION_ID	3
#define REGION_LEN	(16 * PAGE_SIZE)

static int zcnet_tx_test_init(struct kunit *test)
{
	test->priv = zcnet_kunit_ctx(test, TX_ENTRIES, TX_ENTRIES);
	zcnet_kunit_region(test, test->priv, REGION_ID, REGION_LEN);
	return 0;
}

static void zcnet_tx_test_exit(struct kunit *test)
{
	zcnet_kunit_ctx_done(test->priv);
}

static void zcnet_tx_test_produce(struct zcnet_kctx *ctx,
				  const struct zcnet_tx_desc *d)
{
	struct zcnet_kring *tx = ctx->rings[ZCNET_RING_TX];
	u32 prod = tx->hdr->producer;

	*(struct zcnet_tx_desc *)zcnet_kring_slot(tx, prod) = *d;
	tx->hdr->producer = prod + 1;
}

static const struct zcnet_cq_entry *zcnet_tx_test_cqe(struct zcnet_kctx *ctx,
						       u32 idx)
{
	return zcnet_kring_slot(ctx->rings[ZCNET_RING_CQ], idx);
}

/*
 * A kick validates each descriptor in the ring: every bad one completes
 * with an error and its cookie, in order, without disturbing the good ones.
 */
static void zcnet_tx_kick_validates_test(struct kunit *test)
{
	static const struct {
		struct zcnet_tx_desc d;
		s32 result;
	} descs[] = {
		{ { .region = REGION_ID, .len = 100, .flags = ZCNET_TX_NOP }, 100 },
		{ { .region = REGION_ID + 1, .len = 100, .flags = ZCNET_TX_NOP },
		  -EINVAL },
		{ { .region = ZCNET_MAX_REGIONS, .len = 1, .flags = ZCNET_TX_NOP },
		  -EINVAL },
		{ { .region = REGION_ID, .offset = REGION_LEN - 10, .len = 11,
		    .flags = ZCNET_TX_NOP }, -EINVAL },
		{ { .region = REGION_ID, .offset = U64_MAX, .len = 2,
		    .flags = ZCNET_TX_NOP }, -EINVAL },
		{ { .region = REGION_ID, .len = 1, .flags = ZCNET_TX_NOP,
		    .reserved1 = 1 }, -EINVAL },
		{ { .region = REGION_ID, .offset = REGION_LEN - 1, .len = 1,
		    .flags = ZCNET_TX_NOP }, 1 },
		{ { .region = REGION_ID, .len = 60 }, -ENXIO },	/* not bound */
	};
	struct zcnet_kctx *ctx = test->priv;
	const struct zcnet_cq_entry *cqe;
	struct zcnet_region *r;
	struct zcnet_tx_desc d;
	int i;

	for (i = 0; i < ARRAY_SIZE(descs); i++) {
		d = descs[i].d;
		d.cookie = 1000 + i;
		zcnet_tx_test_produce(ctx, &d);
	}
	KUNIT_ASSERT_EQ(test, zcnet_tx_kick(ctx, 0), ARRAY_SIZE(descs));
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_TX]->hdr->consumer,
			ARRAY_SIZE(descs));
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_CQ]->hdr->producer,
			ARRAY_SIZE(descs));
	for (i = 0; i < ARRAY_SIZE(descs); i++) {
		cqe = zcnet_tx_test_cqe(ctx, i);
		KUNIT_EXPECT_EQ_MSG(test, cqe->cookie, 1000 + i, "entry %d", i);
		KUNIT_EXPECT_EQ_MSG(test, cqe->result, descs[i].result,
				    "entry %d", i);
		KUNIT_EXPECT_EQ(test, cqe->flags, 0);
	}
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_tx_nops), 2);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_tx_rejected),
			ARRAY_SIZE(descs) - 2);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_tx_descs),
			ARRAY_SIZE(descs));
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_ring_errors), 0);
	/* every descriptor dropped the region reference it took */
	r = rcu_dereference_protected(ctx->regions[REGION_ID], true);
	KUNIT_EXPECT_EQ(test, refcount_read(&r->ref), 1);
}

/* A budget takes that many; the rest wait for the next kick. */
static void zcnet_tx_kick_budget_test(struct kunit *test)
{
	struct zcnet_tx_desc d = { .region = REGION_ID, .len = 8,
				   .flags = ZCNET_TX_NOP };
	struct zcnet_kctx *ctx = test->priv;
	int i;

	for (i = 0; i < 5; i++)
		zcnet_tx_test_produce(ctx, &d);
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 2), 2);
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_TX]->hdr->consumer, 2);
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), 3);
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), 0);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_tx_kicks), 3);
}

/* Corrupt TX producer: the kick fails, nothing is consumed or completed. */
static void zcnet_tx_kick_corrupt_test(struct kunit *test)
{
	struct zcnet_kctx *ctx = test->priv;

	ctx->rings[ZCNET_RING_TX]->hdr->producer = TX_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), -EINVAL);
	ctx->rings[ZCNET_RING_TX]->hdr->producer = U32_MAX;
	KUNIT_EXPECT_EQ(test, zcnet_tx_kick(ctx, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_TX]->hdr->consumer, 0);
	KUNIT_EXPECT_EQ(test, ctx->rings[ZCNET_RING_CQ]->hdr->producer, 0);
	KUNIT_EXPECT_EQ(test, ctx->cq_reserved, 0);
	KUNIT_EXPECT_EQ(test, zcnet_kunit_stat(ctx, ZCNET_STAT_ring_errors), 2);
}

static struct kunit_case zcnet_tx_test_cases[] = {
	KUNIT_CASE(zcnet_tx_desc_check_test),
	KUNIT_CASE(zcnet_buf_check_test),
	KUNIT_CASE(zcnet_tx_kick_validates_test),
	KUNIT_CASE(zcnet_tx_kick_budget_test),
	KUNIT_CASE(zcnet_tx_kick_corrupt_test),
	{}
};

static struct kunit_suite zcnet_tx_test_suite = {
	.name = "zcnet_tx",
	.init = zcnet_tx_test_init,
	.exit = zcnet_tx_test_exit,
	.test_cases = zcnet_tx_test_cases,
};

kunit_test_suite(zcnet_tx_test_suite);
