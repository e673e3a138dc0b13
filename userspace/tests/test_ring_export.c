// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The out-of-line ring helpers (LIBZCNET_1.5, lib/ring.c) against the
 * header's inline bodies. Each set of helpers drives its own copy of a ring
 * in ordinary memory, a producer view and a consumer view of the same
 * entries, through one pseudo-random sequence of calls; every result, both
 * views after every call and the memory at the end must be those of the
 * inline run. The sets: libzcnet.so.1's (argv[1]), each function found
 * with dlvsym(name, "LIBZCNET_1.5") as a binding in another language would
 * find it, and libzcnet.a's (ring_extern.c).
 * Usage: test_ring_export PATH-TO-libzcnet.so.1
 */
#include <dlfcn.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ring_ops.h"
#include "unit.h"

#define MAP_BYTES	4096
#define ENTRIES		16
#define STEPS		20000
#define START		0xfffffff0u	/* the indices wrap during a run */
#define OPS		11
/* Per step: the op, up to three results, then both views' indices. */
#define WORDS		10

static const struct ring_ops inline_ops = { RING_FUNCS(RING_OP_INIT) };

static const struct {
	const char *name;
	size_t off;
} names[] = {
#define RING_OP_NAME(f) { "zcnet_ring_" #f, offsetof(struct ring_ops, f) },
	RING_FUNCS(RING_OP_NAME)
#undef RING_OP_NAME
};

_Static_assert(sizeof(void *) == sizeof(inline_ops.reserve),
	       "function pointers");

struct run {
	alignas(64) unsigned char map[MAP_BYTES];
	__u64 trace[STEPS][WORDS];
	__u64 consumed;		/* entries peeked */
	__u64 stamps;		/* non-zero stamps read */
};

static struct run ref, run;

static __u32 next(__u32 *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 4;
}

static __u32 *word(struct run *r, __u32 off)
{
	return (__u32 *)(void *)(r->map + off);
}

/* The producer writes entry idx through every typed accessor. */
static void produce(const struct ring_ops *o, struct zcnet_ring *p,
		    __u32 idx, __u32 v)
{
	struct zcnet_tx_desc *d = o->tx_desc(p, idx);
	struct zcnet_fill_desc *f = o->fill_desc(p, idx);
	struct zcnet_cq_entry_ts *c = (struct zcnet_cq_entry_ts *)
		o->slot(p, idx);
	struct zcnet_rx_desc_ts *x = (struct zcnet_rx_desc_ts *)
		o->slot(p, idx);

	memset(d, 0, p->entry_size);
	d->cookie = v;				/* also the CQ stamp */
	f->offset = (__u64)v * 3;		/* also the CQ cookie */
	f->len = v ^ 0x5a5a;			/* also the CQ result */
	if (v & 1)
		c->cqe.flags |= ZCNET_CQE_TSTAMP_SW;
	if (p->entry_size >= sizeof(*x)) {
		x->rx.len = v & 0xffff;
		x->tstamp = (__u64)v * 7 + 1;
		x->rx.flags = v & 2 ? ZCNET_RX_TSTAMP_SW : 0;
	}
}

/* The consumer reads entry idx through every typed accessor. */
static __u64 consume(const struct ring_ops *o, struct run *r,
		     const struct zcnet_ring *c, __u32 idx)
{
	const struct zcnet_cq_entry *e = o->cq_entry(c, idx);
	const struct zcnet_rx_desc *x = o->rx_desc(c, idx);
	__u64 cts = o->cq_tstamp(c, idx), rts = o->rx_tstamp(c, idx);

	r->stamps += (cts != 0) + (rts != 0);
	return e->cookie * 31 + (__u32)e->result + e->flags * 17ull +
	       x->len * 13ull + x->flags + cts * 3 + rts * 5;
}

/* A random count from 0 to max. */
static __u32 upto(__u32 rnd, __u32 max)
{
	return rnd % (max + 1);
}

/* Drive a ring of entries of entry_size bytes with o, recording r->trace. */
static void drive(const struct ring_ops *o, struct run *r, __u32 entry_size)
{
	struct zcnet_ring_offset off;
	struct zcnet_ring p, c;
	__u32 state = 1, step, idx, n, i;

	memset(r->map, 0, sizeof(r->map));
	memset(r->trace, 0, sizeof(r->trace));
	r->consumed = 0;
	r->stamps = 0;
	memset(&off, 0, sizeof(off));
	off.mmap_len = MAP_BYTES;
	off.consumer = 0;
	off.producer = 64;
	off.flags = 128;
	off.desc = 256;
	off.entries = ENTRIES;
	off.entry_size = entry_size;
	*word(r, off.producer) = START;
	*word(r, off.consumer) = START;
	CHECK_EQ(zcnet_ring_init(&p, r->map, MAP_BYTES, &off,
				 LIBZCNET_RING_TX), 0);
	CHECK_EQ(zcnet_ring_init(&c, r->map, MAP_BYTES, &off,
				 LIBZCNET_RING_RX), 0);

	for (step = 0; step < STEPS; step++) {
		__u32 rnd = next(&state), arg = next(&state);
		__u32 want = arg % (ENTRIES + 3);
		__u64 *t = r->trace[step];

		t[0] = rnd % OPS;
		switch (rnd % OPS) {
		case 0:
			n = o->reserve(&p, want, &idx);
			for (i = 0; i < n; i++)
				produce(o, &p, idx + i, arg + i);
			t[1] = n;
			t[2] = idx;
			break;
		case 1:	/* some of the reserved, unsubmitted slots */
			t[1] = upto(arg, p.local - p.published);
			o->submit(&p, (__u32)t[1]);
			break;
		case 2:
			t[1] = upto(arg, p.local - p.published);
			o->cancel(&p, (__u32)t[1]);
			break;
		case 3:
			t[1] = o->space(&p, want);
			break;
		case 4:
			n = o->peek(&c, want, &idx);
			for (i = 0; i < n; i++)
				t[3] += consume(o, r, &c, idx + i);
			r->consumed += n;
			t[1] = n;
			t[2] = idx;
			break;
		case 5:	/* some of the peeked, unreleased entries */
			t[1] = upto(arg, c.local - c.published);
			o->release(&c, (__u32)t[1]);
			break;
		case 6:
			t[1] = upto(arg, c.local - c.published);
			o->unpeek(&c, (__u32)t[1]);
			break;
		case 7:
			t[1] = o->avail(&c);
			break;
		case 8:
			*word(r, off.flags) = arg;
			t[1] = o->flags(&p);
			t[2] = o->flags(&c);
			break;
		case 9:
			t[1] = o->entries(&p);
			t[2] = (__u64)((unsigned char *)o->slot(&c, arg) - r->map);
			break;
		case 10:	/* any index, peeked or not */
			t[1] = o->cq_tstamp(&c, arg);
			t[2] = o->rx_tstamp(&c, arg);
			break;
		}
		t[4] = p.local;
		t[5] = p.cached;
		t[6] = p.published;
		t[7] = c.local;
		t[8] = c.cached;
		t[9] = c.published;
	}
}

/* The run of what against the inline reference. */
static void compare(const char *what)
{
	static const char *const word_names[WORDS] = {
		"op", "result", "index", "entries read", "producer local",
		"producer cached", "producer published", "consumer local",
		"consumer cached", "consumer published",
	};
	__u32 step, w;

	for (step = 0; step < STEPS; step++)
		for (w = 0; w < WORDS; w++)
			if (run.trace[step][w] != ref.trace[step][w]) {
				fprintf(stderr,
					"%s: step %u, op %llu: %s %llu, inline %llu\n",
					what, step,
					(unsigned long long)ref.trace[step][0],
					word_names[w],
					(unsigned long long)run.trace[step][w],
					(unsigned long long)ref.trace[step][w]);
				unit_failures++;
				return;
			}
	CHECK(memcmp(run.map, ref.map, MAP_BYTES) == 0);
	CHECK_EQ(run.consumed, ref.consumed);
	CHECK_EQ(run.stamps, ref.stamps);
}

/* Both sets against the inline helpers, for one entry size. */
static void test_sets(const struct ring_ops *shared, __u32 entry_size)
{
	printf("  entry size %u\n", entry_size);
	drive(&inline_ops, &ref, entry_size);
	/* The sequence covers the ring: it wraps the indices, runs full. */
	CHECK(ref.consumed > STEPS / 20);
	CHECK(ref.stamps > 0);
	CHECK(ref.trace[STEPS - 1][9] < START);

	drive(&archive_ops, &run, entry_size);
	compare("libzcnet.a");
	if (shared) {
		drive(shared, &run, entry_size);
		compare("libzcnet.so.1");
	}
}

/*
 * Each helper of libzcnet.so.1, by name: LIBZCNET_1.5 is its only
 * version, and it is not the archive's copy linked into this program.
 */
static int load(struct ring_ops *o, void *h)
{
	int before = unit_failures;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *p = dlvsym(h, names[i].name, "LIBZCNET_1.5"), *a;

		if (!p) {
			fprintf(stderr, "%s@LIBZCNET_1.5: %s\n",
				names[i].name, dlerror());
			unit_failures++;
			continue;
		}
		CHECK(dlsym(h, names[i].name) == p);
		CHECK(dlvsym(h, names[i].name, "LIBZCNET_1.4") == NULL);
		CHECK(dlvsym(h, names[i].name, "LIBZCNET_1.0") == NULL);
		memcpy(&a, (const char *)&archive_ops + names[i].off, sizeof(a));
		CHECK(a != p);
		memcpy((char *)o + names[i].off, &p, sizeof(p));
	}
	return unit_failures == before;
}

int main(int argc, char **argv)
{
	struct ring_ops shared;
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-libzcnet.so.1\n", argv[0]);
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
		unit_failures++;
	} else if (!load(&shared, h)) {
		dlclose(h);
		h = NULL;
	}
	/* 32: no room for an RX stamp; 64: room for both stamps. */
	test_sets(h ? &shared : NULL, 32);
	test_sets(h ? &shared : NULL, 64);
	if (h)
		dlclose(h);
	return unit_done("test_ring_export");
}
