// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Ring helper arithmetic and layout checks, on rings in ordinary memory
 * laid out the way ZCNET_IOC_GET_OFFSETS could report them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "unit.h"

#define MAP_BYTES 8192

static alignas(4096) unsigned char map[MAP_BYTES];

/* A plausible layout: indices on their own cache lines, then entries. */
static struct zcnet_ring_offset layout(__u32 entries, __u32 entry_size)
{
	struct zcnet_ring_offset off;

	memset(&off, 0, sizeof(off));
	off.mmap_len = MAP_BYTES;
	off.producer = 64;	/* deliberately not in the natural order */
	off.consumer = 0;
	off.flags = 128;
	off.desc = 192;
	off.entries = entries;
	off.entry_size = entry_size;
	return off;
}

static __u32 *word(__u32 off)
{
	return (__u32 *)(void *)(map + off);
}

static void test_init_checks(void)
{
	struct zcnet_ring_offset off;
	struct zcnet_ring r;

	off = layout(8, sizeof(struct zcnet_tx_desc));
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_TX), 0);
	CHECK_EQ(r.entries, 8);
	CHECK_EQ(r.mask, 7);
	CHECK(r.producer == word(64));
	CHECK(r.consumer == word(0));
	CHECK(r.flags == word(128));
	CHECK(r.desc == map + 192);

	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 4), -EINVAL);
	CHECK_EQ(zcnet_ring_init(NULL, map, MAP_BYTES, &off, 0), -EINVAL);
	CHECK_EQ(zcnet_ring_init(&r, map + 4, MAP_BYTES - 4, &off, 0), -EINVAL);

	off = layout(0, 32);
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EINVAL);
	off = layout(12, 32);		/* not a power of two */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(8, 16);		/* smaller than a TX descriptor */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_CQ), 0);
	off = layout(8, 20);		/* misaligned stride */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_CQ),
		 -EPROTO);
	off = layout(256, 32);		/* 192 + 8192 > 8192 */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(128, 32);		/* exactly fits */
	off.desc = MAP_BYTES - 128 * 32;
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), 0);
	off = layout(8, 32);
	off.consumer = MAP_BYTES - 2;	/* index past the end */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(8, 32);
	off.consumer = 66;		/* misaligned index */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(8, 32);
	off.flags = off.producer;	/* overlapping words */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(8, 32);
	off.flags = 192 + 7 * 32;	/* inside the entries */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
	off = layout(8, 32);
	off.desc = 196;			/* misaligned entries */
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, 0), -EPROTO);
}

/* Producer side from a given starting index (tests index wrap-around). */
static void test_producer(__u32 start)
{
	struct zcnet_ring_offset off = layout(8, sizeof(struct zcnet_tx_desc));
	struct zcnet_ring r;
	__u32 idx, i, n;

	memset(map, 0, sizeof(map));
	*word(off.producer) = start;
	*word(off.consumer) = start;
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_TX), 0);
	CHECK_EQ(r.local, start);

	/* Fill the ring completely, then it is full. */
	n = zcnet_ring_reserve(&r, 8, &idx);
	CHECK_EQ(n, 8);
	CHECK_EQ(idx, start);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(&r, idx + i);

		CHECK((unsigned char *)d ==
		      map + off.desc + ((start + i) & 7) * off.entry_size);
		d->cookie = start + i;
		d->len = 64;
	}
	CHECK_EQ(zcnet_ring_reserve(&r, 1, &idx), 0);
	CHECK_EQ(*word(off.producer), start);	/* not yet submitted */
	zcnet_ring_submit(&r, 8);
	CHECK_EQ(*word(off.producer), start + 8);
	CHECK_EQ(zcnet_ring_space(&r, 8), 0);

	/* The kernel consumes 3: partial reservation sees them. */
	*word(off.consumer) = start + 3;
	n = zcnet_ring_reserve(&r, 5, &idx);
	CHECK_EQ(n, 3);
	CHECK_EQ(idx, start + 8);
	zcnet_ring_cancel(&r, 1);
	zcnet_ring_submit(&r, 1);		/* less than reserved */
	CHECK_EQ(*word(off.producer), start + 9);
	zcnet_ring_submit(&r, 1);
	CHECK_EQ(*word(off.producer), start + 10);
	n = zcnet_ring_reserve(&r, 4, &idx);
	CHECK_EQ(n, 1);
	CHECK_EQ(idx, start + 10);
	zcnet_ring_submit(&r, 1);
	CHECK_EQ(*word(off.producer), start + 11);

	/* Slot 3 of the ring now holds index start + 11, not start + 3. */
	CHECK(zcnet_ring_slot(&r, start + 11) == zcnet_ring_slot(&r, start + 3));

	/* Everything consumed: all 8 free again, the reload happens lazily. */
	*word(off.consumer) = start + 11;
	CHECK_EQ(zcnet_ring_space(&r, 0), 0);	/* cached, not reloaded */
	CHECK_EQ(zcnet_ring_space(&r, 8), 8);
	n = zcnet_ring_reserve(&r, 100, &idx);
	CHECK_EQ(n, 8);
	zcnet_ring_submit(&r, 8);
	CHECK_EQ(*word(off.producer), start + 19);
}

static void test_consumer(__u32 start)
{
	struct zcnet_ring_offset off = layout(8, sizeof(struct zcnet_cq_entry));
	struct zcnet_ring r;
	__u32 idx, i, n;

	memset(map, 0, sizeof(map));
	*word(off.producer) = start;
	*word(off.consumer) = start;
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_CQ), 0);
	CHECK_EQ(zcnet_ring_peek(&r, 8, &idx), 0);
	CHECK_EQ(zcnet_ring_avail(&r), 0);

	/* The kernel posts 5 completions. */
	for (i = 0; i < 5; i++) {
		struct zcnet_cq_entry *e = (struct zcnet_cq_entry *)
			(void *)(map + off.desc + ((start + i) & 7) * 16);
		e->cookie = 100 + i;
		e->result = 64;
	}
	*word(off.producer) = start + 5;

	CHECK_EQ(zcnet_ring_avail(&r), 5);
	n = zcnet_ring_peek(&r, 2, &idx);
	CHECK_EQ(n, 2);
	CHECK_EQ(idx, start);
	CHECK_EQ(zcnet_ring_cq_entry(&r, idx)->cookie, 100);
	CHECK_EQ(zcnet_ring_cq_entry(&r, idx + 1)->cookie, 101);
	n = zcnet_ring_peek(&r, 8, &idx);
	CHECK_EQ(n, 3);
	CHECK_EQ(idx, start + 2);
	CHECK_EQ(zcnet_ring_cq_entry(&r, idx + 2)->cookie, 104);
	zcnet_ring_unpeek(&r, 1);
	CHECK_EQ(*word(off.consumer), start);	/* nothing released yet */
	zcnet_ring_release(&r, 1);		/* less than peeked */
	CHECK_EQ(*word(off.consumer), start + 1);
	zcnet_ring_release(&r, 3);
	CHECK_EQ(*word(off.consumer), start + 4);
	n = zcnet_ring_peek(&r, 8, &idx);
	CHECK_EQ(n, 1);
	CHECK_EQ(idx, start + 4);
	CHECK_EQ(zcnet_ring_cq_entry(&r, idx)->cookie, 104);
	zcnet_ring_release(&r, 1);
	CHECK_EQ(*word(off.consumer), start + 5);
	CHECK_EQ(zcnet_ring_peek(&r, 8, &idx), 0);

	/* A producer index more than the ring size ahead shows nothing. */
	*word(off.producer) = start + 5 + 9;
	CHECK_EQ(zcnet_ring_peek(&r, 8, &idx), 0);
	CHECK_EQ(zcnet_ring_avail(&r), 0);
	/* Exactly full is fine. */
	*word(off.producer) = start + 5 + 8;
	CHECK_EQ(zcnet_ring_peek(&r, 100, &idx), 8);
	CHECK_EQ(idx, start + 5);
}

/*
 * Two threads run the protocol over one ring: the producer view and a
 * consumer view of the same memory. Every value must arrive once, in
 * order, and never torn.
 */
#define STRESS_ITEMS 2000000u

struct stress {
	struct zcnet_ring prod, cons;
	unsigned int bad;
};

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	__u64 expect = 0;
	__u32 idx, i, n;

	while (expect < STRESS_ITEMS) {
		n = zcnet_ring_peek(&s->cons, 7, &idx);
		for (i = 0; i < n; i++) {
			const struct zcnet_cq_entry *e =
				zcnet_ring_cq_entry(&s->cons, idx + i);

			if (e->cookie != expect || e->result != (__s32)~expect)
				s->bad++;
			expect++;
		}
		if (n)
			zcnet_ring_release(&s->cons, n);
	}
	return NULL;
}

static void test_stress(void)
{
	struct zcnet_ring_offset off = layout(16, sizeof(struct zcnet_cq_entry));
	static struct stress s;
	pthread_t th;
	__u64 next = 0;
	__u32 idx, i, n;

	memset(map, 0, sizeof(map));
	*word(off.producer) = 0xfffffff0u;	/* wraps during the run */
	*word(off.consumer) = 0xfffffff0u;
	CHECK_EQ(zcnet_ring_init(&s.prod, map, MAP_BYTES, &off,
				 LIBZCNET_RING_FILL), 0);
	CHECK_EQ(zcnet_ring_init(&s.cons, map, MAP_BYTES, &off,
				 LIBZCNET_RING_CQ), 0);
	CHECK_EQ(pthread_create(&th, NULL, stress_consumer, &s), 0);
	while (next < STRESS_ITEMS) {
		__u32 want = (__u32)(next % 5) + 1;

		n = zcnet_ring_reserve(&s.prod, want, &idx);
		for (i = 0; i < n && next < STRESS_ITEMS; i++, next++) {
			struct zcnet_cq_entry *e =
				(struct zcnet_cq_entry *)zcnet_ring_slot(&s.prod,
									 idx + i);
			e->cookie = next;
			e->result = (__s32)~next;
		}
		zcnet_ring_cancel(&s.prod, n - i);
		if (i)
			zcnet_ring_submit(&s.prod, i);
	}
	pthread_join(th, NULL);
	CHECK_EQ(s.bad, 0);
	CHECK_EQ(*word(off.consumer), (__u32)(0xfffffff0u + STRESS_ITEMS));
}

/* The stamp accessors: only a longer entry with its flag has a stamp. */
static void test_tstamp(void)
{
	struct zcnet_ring_offset off = layout(8, sizeof(struct zcnet_cq_entry_ts));
	struct zcnet_cq_entry_ts *c;
	struct zcnet_rx_desc_ts *x;
	struct zcnet_ring r;

	memset(map, 0, sizeof(map));
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_CQ), 0);
	c = (struct zcnet_cq_entry_ts *)zcnet_ring_slot(&r, 9);
	CHECK((unsigned char *)c == map + 192 + 24);
	c->cqe.cookie = 5;
	c->tstamp = 123456789;
	CHECK_EQ(zcnet_ring_cq_tstamp(&r, 9), 0);	/* no flag */
	c->cqe.flags = ZCNET_CQE_COPIED | ZCNET_CQE_TSTAMP_SW;
	CHECK_EQ(zcnet_ring_cq_tstamp(&r, 9), 123456789);
	CHECK_EQ(zcnet_ring_cq_entry(&r, 1)->cookie, 5);
	CHECK_EQ(zcnet_ring_cq_tstamp(&r, 2), 0);

	/* the default entry has no room for a stamp, whatever its flags say */
	off = layout(8, sizeof(struct zcnet_cq_entry));
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_CQ), 0);
	((struct zcnet_cq_entry *)zcnet_ring_slot(&r, 0))->flags =
		ZCNET_CQE_TSTAMP_SW;
	CHECK_EQ(zcnet_ring_cq_tstamp(&r, 0), 0);

	memset(map, 0, sizeof(map));
	off = layout(8, sizeof(struct zcnet_rx_desc_ts));
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_RX), 0);
	x = (struct zcnet_rx_desc_ts *)zcnet_ring_slot(&r, 3);
	CHECK((unsigned char *)x == map + 192 + 3 * 40);
	x->rx.len = 60;
	x->rx.flags = ZCNET_RX_COPIED | ZCNET_RX_TSTAMP_SW;
	x->tstamp = 42;
	CHECK_EQ(zcnet_ring_rx_tstamp(&r, 11), 42);
	CHECK_EQ(zcnet_ring_rx_desc(&r, 3)->len, 60);
	x->rx.flags = ZCNET_RX_COPIED;
	CHECK_EQ(zcnet_ring_rx_tstamp(&r, 3), 0);
	off = layout(8, sizeof(struct zcnet_rx_desc));
	CHECK_EQ(zcnet_ring_init(&r, map, MAP_BYTES, &off, LIBZCNET_RING_RX), 0);
	CHECK_EQ(zcnet_ring_rx_tstamp(&r, 0), 0);
}

int main(void)
{
	alarm(120);	/* a lost update would hang the stress test */
	test_init_checks();
	test_producer(0);
	test_producer(0xfffffffbu);
	test_consumer(0);
	test_consumer(0xfffffffdu);
	test_stress();
	test_tstamp();
	return unit_done("test_ring");
}
