// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-send: stream test frames (zcnet_frame.h) out of a network device
 * with zcnet raw-frame zero-copy transmit, and report what it measured.
 *
 * It registers one region holding a frame slot per TX ring entry, binds
 * the context to the device (ZCNET_BIND_TX), keeps the TX ring full, kicks
 * once per batch and reuses a slot only after the completion of the frame
 * in it. Every completion is checked: its cookie must name a frame in
 * flight (so each cookie is seen exactly once), its result must be the
 * frame length.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "libzcnet.h"
#include "zcnet_frame.h"
#include "zcnet_sockmode.h"
#include "zcnet_stream.h"
#include "zcnet_util.h"

#define PROG		"zcnet-send"
#define SLOT_ALIGN	64		/* frame slots start on a cache line */
#define MAX_ERRNO	4096		/* completion errors counted by errno */
#define COOKIE_SLOT_BITS 16		/* cookie = seq << 16 | slot */
#define DEFAULT_SIZE	1500
#define DEFAULT_RING	256
#define DEFAULT_SECONDS	10.0
#define DEFAULT_STALL	30.0
#define WAIT_MS		100
#define WINDOW_WAIT_MS	10		/* then drain completions again */

struct options {
	const char *iface;
	uint8_t dst[6];
	uint64_t size;
	uint64_t frames;		/* 0: run for seconds */
	double seconds;
	uint32_t queue;
	uint32_t ring;
	int64_t copy_threshold;		/* -1: the module's default */
	int64_t threshold_used;		/* in force after bind; -1 unknown */
	uint64_t slot_size;		/* 0: pick one */
	unsigned int pattern;
	bool json;
	double linger;
	double stall;
	uint64_t window;		/* 0: no flow control */
	const char *progress_path;
};

struct result {
	uint64_t submitted;		/* descriptors handed to the ring */
	uint64_t completions;
	uint64_t ok_frames;		/* result == frame size */
	uint64_t ok_bytes;
	uint64_t copied;		/* ZCNET_CQE_COPIED */
	uint64_t short_results;		/* 0 <= result != frame size */
	uint64_t bad_cookies;		/* unknown or seen twice */
	uint64_t unknown_flags;
	uint64_t kicks;
	uint64_t window_waits;		/* times the receiver held us back */
	uint64_t errors[MAX_ERRNO];	/* by -result */
	uint64_t other_errors;		/* -result >= MAX_ERRNO */
	uint64_t inflight;		/* at the end */
	double elapsed;
	double cpu_s;			/* -1: /proc/stat unreadable */
	double cpu_sampled_s;		/* the tick-sampled fields */
	unsigned int cpus;
	double user_s, sys_s;		/* this process */
	bool interrupted;
	bool stalled;
	bool receiver_stalled;
	bool fatal;
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: " PROG " -i IFACE [-d DSTMAC] [-s SIZE] [-n FRAMES | -t SECONDS]\n"
"                  [-q QUEUE] [-r RING_ENTRIES] [--copy-threshold N]\n"
"                  [--pattern seq|zero] [-j] [--linger SECONDS]\n"
"                  [--window N --progress-file PATH]\n"
"Send test frames out of IFACE with zcnet raw-frame zero-copy transmit.\n"
"\n"
"  -i, --iface IFACE        device to send on (this network namespace)\n"
"  -d, --dst MAC            destination MAC (default ff:ff:ff:ff:ff:ff)\n"
"  -s, --size SIZE          frame length in bytes including the 14-byte\n"
"                           Ethernet header, 60..MTU+14 (default %d)\n"
"  -n, --frames N           send N frames\n"
"  -t, --time SECONDS       send for SECONDS (default %g when no -n)\n"
"  -q, --queue QUEUE        device TX queue (default: any, picked by zcnet)\n"
"  -r, --ring ENTRIES       TX and completion ring entries, a power of two\n"
"                           in %d..%d (default %d); one frame slot each\n"
"      --slot-size N        bytes between frame slots, a multiple of 64\n"
"                           and at least SIZE (default: the next power of\n"
"                           two up to 4096, so frames stay in one page)\n"
"      --copy-threshold N   frames of at most N bytes are copied (0..65535;\n"
"                           default: the module's tx_copy_threshold, or the\n"
"                           larger of it and tx_copy_threshold_strict on a\n"
"                           device behind a strict IOMMU)\n"
"      --pattern seq|zero   payload: per-frame pattern (default) or zeros\n"
"                           (zeros skip rewriting the payload)\n"
"  -j, --json               print one JSON object instead of text\n"
"      --linger SECONDS     keep the context open this long after the\n"
"                           report (for zcnet-stat); SIGTERM ends it early\n"
"      --stall-timeout S    give up when no completion arrives (or the\n"
"                           receiver's progress does not move) for S\n"
"                           seconds (default %g)\n"
"      --window N           flow control: post frame seq only while seq is\n"
"      --progress-file PATH below N + the progress that 'zcnet-afp recv\n"
"                           --progress-file PATH' on this machine publishes\n"
"  -h, --help               show this help\n"
"\n"
"Frames carry ethertype 0x88B5, a header with the frame number and a\n"
"pattern that 'zcnet-afp recv' verifies byte by byte. CPU time is read\n"
"from /proc/stat for all CPUs (everything but idle and iowait) over the\n"
"run. Exit status: 0 when every frame completed with its full length,\n"
"1 on errors, 2 on bad arguments, 4 when the zcnet module has no raw\n"
"transmit.\n",
		DEFAULT_SIZE, DEFAULT_SECONDS, ZCNET_RING_MIN_ENTRIES,
		ZCNET_RING_MAX_ENTRIES, DEFAULT_RING, DEFAULT_STALL);
	fputc('\n', out);
	sock_send_usage(out);
}

enum {
	OPT_COPY_THRESHOLD = 256,
	OPT_SLOT_SIZE,
	OPT_PATTERN,
	OPT_LINGER,
	OPT_STALL,
	OPT_WINDOW,
	OPT_PROGRESS,
};

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "dst", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "queue", required_argument, NULL, 'q' },
		{ "ring", required_argument, NULL, 'r' },
		{ "copy-threshold", required_argument, NULL, OPT_COPY_THRESHOLD },
		{ "slot-size", required_argument, NULL, OPT_SLOT_SIZE },
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "json", no_argument, NULL, 'j' },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "progress-file", required_argument, NULL, OPT_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_n = false, have_t = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	memset(o->dst, 0xff, sizeof(o->dst));
	o->size = DEFAULT_SIZE;
	o->queue = ZCNET_QUEUE_ANY;
	o->ring = DEFAULT_RING;
	o->copy_threshold = -1;
	o->threshold_used = -1;
	o->pattern = ZCNET_PATTERN_SEQ;
	o->stall = DEFAULT_STALL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:s:n:t:q:r:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'd':
			if (!parse_mac(optarg, o->dst))
				usage_error("bad MAC address '%s' (want "
					    "aa:bb:cc:dd:ee:ff)", optarg);
			break;
		case 's':
			if (!parse_u64(optarg, 1, ZCNET_FRAME_MAX_LEN, &o->size))
				usage_error("bad frame size '%s'", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_C(1) << 47, &o->frames))
				usage_error("bad frame count '%s' (1..2^47)",
					    optarg);
			have_n = true;
			break;
		case 't':
			if (!parse_seconds(optarg, 1e6, &o->seconds))
				usage_error("bad duration '%s' (seconds, > 0)",
					    optarg);
			have_t = true;
			break;
		case 'q':
			if (!parse_u64(optarg, 0, UINT32_MAX - 1, &v))
				usage_error("bad queue '%s'", optarg);
			o->queue = (uint32_t)v;
			break;
		case 'r':
			o->ring = parse_ring_entries(optarg);
			break;
		case OPT_SLOT_SIZE:
			if (!parse_u64(optarg, SLOT_ALIGN, 1 << 20, &v) ||
			    v % SLOT_ALIGN)
				usage_error("bad slot size '%s' (a multiple of %d)",
					    optarg, SLOT_ALIGN);
			o->slot_size = v;
			break;
		case OPT_COPY_THRESHOLD:
			if (!parse_u64(optarg, 0, 65535, &v))
				usage_error("bad copy threshold '%s' (0..65535)",
					    optarg);
			o->copy_threshold = (int64_t)v;
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "seq") == 0)
				o->pattern = ZCNET_PATTERN_SEQ;
			else if (strcmp(optarg, "zero") == 0)
				o->pattern = ZCNET_PATTERN_ZERO;
			else
				usage_error("bad pattern '%s' (seq or zero)",
					    optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_LINGER:
			if (!parse_seconds(optarg, 1e6, &o->linger))
				usage_error("bad linger time '%s'", optarg);
			break;
		case OPT_STALL:
			if (!parse_seconds(optarg, 1e6, &o->stall))
				usage_error("bad stall timeout '%s'", optarg);
			break;
		case OPT_WINDOW:
			if (!parse_u64(optarg, 1, UINT32_MAX, &o->window))
				usage_error("bad window '%s' (frames, >= 1)",
					    optarg);
			break;
		case OPT_PROGRESS:
			if (!*optarg)
				usage_error("empty progress file name");
			o->progress_path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			bad_option(c, argv);
		}
	}
	end_of_options(argc, argv, o->iface);
	if (have_n && have_t)
		usage_error("-n and -t exclude each other");
	if (!have_n && !have_t)
		o->seconds = DEFAULT_SECONDS;
	if (!o->window != !o->progress_path)
		usage_error("--window and --progress-file go together");
}

/* State of the transmit loop. */
struct sender {
	const struct options *o;
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	uint8_t *base;			/* the registered region */
	uint32_t region;
	size_t slot_size;
	uint32_t *free_slots;		/* stack of free slot numbers */
	uint32_t nfree;
	uint64_t *slot_seq;		/* seq of the frame in a busy slot */
	uint8_t *slot_busy;
	uint8_t *slot_filled;		/* zero pattern: payload written */
	uint8_t src[6];
	uint64_t next_seq;
	struct progress progress;	/* with o->window */
};

static void complete_one(struct sender *s, struct result *r,
			 const struct zcnet_cq_entry *c)
{
	uint64_t slot = c->cookie & ((1u << COOKIE_SLOT_BITS) - 1);
	uint64_t seq = c->cookie >> COOKIE_SLOT_BITS;

	r->completions++;
	if (slot >= s->o->ring || !s->slot_busy[slot] ||
	    s->slot_seq[slot] != seq) {
		r->bad_cookies++;
	} else {
		s->slot_busy[slot] = 0;
		s->free_slots[s->nfree++] = (uint32_t)slot;
		r->inflight--;
	}
	if (c->flags & ZCNET_CQE_COPIED)
		r->copied++;
	if (c->flags & ~(uint32_t)ZCNET_CQE_COPIED)
		r->unknown_flags++;
	if (c->result < 0) {
		if (-(int64_t)c->result < MAX_ERRNO)
			r->errors[-c->result]++;
		else
			r->other_errors++;
	} else if ((uint64_t)c->result != s->o->size) {
		r->short_results++;
	} else {
		r->ok_frames++;
		r->ok_bytes += s->o->size;
	}
}

/* Fill and post up to want frames. Returns how many were posted. */
static uint32_t post_frames(struct sender *s, struct result *r, uint32_t want)
{
	const struct options *o = s->o;
	uint32_t n, i, idx, slot;
	uint8_t *frame;

	n = zcnet_ring_reserve(s->tx, want, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(s->tx, idx + i);

		slot = s->free_slots[--s->nfree];
		frame = s->base + (size_t)slot * s->slot_size;
		if (o->pattern == ZCNET_PATTERN_ZERO && s->slot_filled[slot]) {
			zcnet_frame_set_seq(frame, o->size, s->next_seq,
					    o->pattern);
		} else {
			zcnet_frame_fill(frame, o->size, o->dst, s->src,
					 s->next_seq, o->pattern);
			s->slot_filled[slot] = 1;
		}
		s->slot_seq[slot] = s->next_seq;
		s->slot_busy[slot] = 1;
		memset(d, 0, sizeof(*d));
		d->offset = (uint64_t)slot * s->slot_size;
		d->len = (uint32_t)o->size;
		d->region = (uint16_t)s->region;
		d->flags = 0;
		d->cookie = s->next_seq << COOKIE_SLOT_BITS | slot;
		s->next_seq++;
	}
	if (n) {
		zcnet_ring_submit(s->tx, n);
		r->submitted += n;
		r->inflight += n;
	}
	return n;
}

static uint32_t drain_cq(struct sender *s, struct result *r)
{
	uint32_t n, i, idx;

	n = zcnet_ring_peek(s->cq, zcnet_ring_entries(s->cq), &idx);
	for (i = 0; i < n; i++)
		complete_one(s, r, zcnet_ring_cq_entry(s->cq, idx + i));
	if (n)
		zcnet_ring_release(s->cq, n);
	return n;
}

/* Descriptors on the TX ring the kernel has not consumed yet. */
static uint32_t tx_unconsumed(const struct zcnet_ring *tx)
{
	return tx->published - __atomic_load_n(tx->consumer, __ATOMIC_ACQUIRE);
}

static int do_kick(struct sender *s, struct result *r)
{
	int ret = zcnet_kick(s->ctx, 0);

	r->kicks++;
	if (ret >= 0 || ret == -EAGAIN || ret == -EBUSY || ret == -EINTR)
		return 0;
	errmsg("ZCNET_IOC_KICK failed: %s", strerror(-ret));
	return ret;
}

static void run(struct sender *s, struct result *r,
		volatile sig_atomic_t *stop)
{
	const struct options *o = s->o;
	struct cpu_sample c0, c1;
	struct rusage ru;
	double t0, now, deadline, last_progress;
	bool stop_submit = false, need_kick = false, gated, was_gated = false;
	double gated_since = 0;
	uint64_t limit;
	uint32_t want, done;
	int ret;

	cpu_sample(&c0);
	t0 = now_seconds();
	deadline = t0 + o->seconds;
	last_progress = t0;
	for (;;) {
		now = now_seconds();
		if (!stop_submit) {
			if (*stop) {
				r->interrupted = true;
				stop_submit = true;
			} else if (o->frames && s->next_seq >= o->frames) {
				stop_submit = true;
			} else if (!o->frames && now >= deadline) {
				stop_submit = true;
			}
		}
		gated = false;
		if (!stop_submit && s->nfree) {
			want = s->nfree;
			if (o->frames && o->frames - s->next_seq < want)
				want = (uint32_t)(o->frames - s->next_seq);
			if (o->window) {
				limit = progress_load(&s->progress) + o->window;
				if (limit <= s->next_seq)
					want = 0;
				else if (limit - s->next_seq < want)
					want = (uint32_t)(limit - s->next_seq);
				gated = !want;
			}
			if (want && post_frames(s, r, want))
				need_kick = true;
		}
		if (need_kick) {
			need_kick = false;
			if (do_kick(s, r)) {
				r->fatal = true;
				break;
			}
		}
		done = drain_cq(s, r);
		if (done)
			last_progress = now_seconds();
		if (stop_submit && !r->inflight)
			break;
		if (gated) {
			if (!was_gated) {
				r->window_waits++;
				gated_since = now;
				was_gated = true;
			} else if (now - gated_since >= o->stall) {
				errmsg("the receiver's progress did not move for "
				       "%g s (%llu frames sent, progress %llu)",
				       o->stall,
				       (unsigned long long)s->next_seq,
				       (unsigned long long)
				       progress_load(&s->progress));
				r->receiver_stalled = true;
				stop_submit = true;
			}
			if (!done && !stop_submit)
				progress_wait(&s->progress,
					      s->next_seq - o->window + 1,
					      WINDOW_WAIT_MS);
			continue;
		}
		was_gated = false;
		if (done || (!stop_submit && s->nfree))
			continue;

		/* Nothing to post and nothing completed: wait. */
		ret = zcnet_eventfd_wait(s->ctx, ZCNET_EVENTFD_CQ, WAIT_MS,
					 NULL);
		if (ret == -ETIMEDOUT) {
			if (now_seconds() - last_progress >= o->stall) {
				errmsg("no completion for %g s with %llu frames "
				       "in flight (%u descriptors not taken by "
				       "the kernel)", o->stall,
				       (unsigned long long)r->inflight,
				       tx_unconsumed(s->tx));
				r->stalled = true;
				break;
			}
			/* The kernel retries a busy queue by itself; a
			 * kick is only a nudge. */
			if (tx_unconsumed(s->tx) && do_kick(s, r)) {
				r->fatal = true;
				break;
			}
		} else if (ret < 0) {
			errmsg("waiting for completions failed: %s",
			       strerror(-ret));
			r->fatal = true;
			break;
		}
	}
	r->elapsed = now_seconds() - t0;
	cpu_sample(&c1);
	r->cpu_s = cpu_busy_seconds(&c0, &c1);
	r->cpu_sampled_s = cpu_sampled_seconds(&c0, &c1);
	r->cpus = c1.cpus;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		r->user_s = (double)ru.ru_utime.tv_sec +
			    (double)ru.ru_utime.tv_usec / 1e6;
		r->sys_s = (double)ru.ru_stime.tv_sec +
			   (double)ru.ru_stime.tv_usec / 1e6;
	}
}

static uint64_t error_total(const struct result *r)
{
	uint64_t t = r->other_errors;
	int i;

	for (i = 0; i < MAX_ERRNO; i++)
		t += r->errors[i];
	return t;
}

static bool run_ok(const struct options *o, const struct result *r)
{
	return !r->fatal && !r->stalled && !r->receiver_stalled &&
	       !r->bad_cookies &&
	       !r->unknown_flags && !r->short_results && !error_total(r) &&
	       !r->inflight && r->ok_frames == r->submitted &&
	       r->ok_frames > 0 && (!o->frames || r->ok_frames == o->frames);
}

static void print_errors(FILE *f, const struct result *r, bool json)
{
	char buf[32];
	bool first = true;
	int i;

	for (i = 0; i < MAX_ERRNO; i++) {
		if (!r->errors[i])
			continue;
		if (json)
			fprintf(f, "%s\"%s\": %llu", first ? "" : ", ",
				errno_name(i, buf, sizeof(buf)),
				(unsigned long long)r->errors[i]);
		else
			fprintf(f, "%s%s %llu", first ? "" : ", ",
				errno_name(i, buf, sizeof(buf)),
				(unsigned long long)r->errors[i]);
		first = false;
	}
	if (r->other_errors) {
		fprintf(f, json ? "%s\"other\": %llu" : "%sother %llu",
			first ? "" : ", ", (unsigned long long)r->other_errors);
		first = false;
	}
	if (first && !json)
		fprintf(f, "none");
}

static void print_report(const struct options *o, const struct iface *ifc,
			 const struct result *r, const char *ns, bool ok)
{
	double gib = (double)r->ok_bytes / (double)(1ULL << 30);
	double secs = r->elapsed;
	bool rates = secs > 0 && r->ok_frames;
	char dst[18], src[18];
	unsigned int cpus = r->cpus;

	format_mac(o->dst, dst);
	format_mac(ifc->mac, src);
	if (o->json) {
		printf("{\"tool\": \"zcnet-send\", \"method\": \"zcnet\", "
		       "\"iface\": ");
		json_string(stdout, ifc->name);
		printf(", \"netns\": ");
		json_string(stdout, ns);
		printf(", \"src\": \"%s\", \"dst\": \"%s\", \"frame_size\": %llu, "
		       "\"pattern\": \"%s\", \"ring\": %u, ",
		       src, dst, (unsigned long long)o->size,
		       zcnet_frame_pattern_name(o->pattern), o->ring);
		if (o->queue == ZCNET_QUEUE_ANY)
			printf("\"queue\": \"any\", ");
		else
			printf("\"queue\": %u, ", o->queue);
		if (o->threshold_used < 0)
			printf("\"copy_threshold\": null, ");
		else
			printf("\"copy_threshold\": %lld, ",
			       (long long)o->threshold_used);
		printf("\"copy_threshold_default\": %s, ",
		       o->copy_threshold < 0 ? "true" : "false");
		printf("\"frames\": %llu, \"bytes\": %llu, \"submitted\": %llu, "
		       "\"completions\": %llu, \"seconds\": %.6f, ",
		       (unsigned long long)r->ok_frames,
		       (unsigned long long)r->ok_bytes,
		       (unsigned long long)r->submitted,
		       (unsigned long long)r->completions, secs);
		if (rates)
			printf("\"frames_per_s\": %.1f, \"gbit_per_s\": %.4f, ",
			       (double)r->ok_frames / secs,
			       (double)r->ok_bytes * 8 / secs / 1e9);
		else
			printf("\"frames_per_s\": null, \"gbit_per_s\": null, ");
		printf("\"copied\": %llu, ", (unsigned long long)r->copied);
		if (r->completions)
			printf("\"zerocopy_share\": %.6f, ",
			       (double)(r->completions - r->copied) /
			       (double)r->completions);
		else
			printf("\"zerocopy_share\": null, ");
		printf("\"errors\": {");
		print_errors(stdout, r, true);
		printf("}, \"error_total\": %llu, \"short_results\": %llu, "
		       "\"bad_cookies\": %llu, \"unknown_cqe_flags\": %llu, "
		       "\"inflight_at_end\": %llu, \"kicks\": %llu, ",
		       (unsigned long long)error_total(r),
		       (unsigned long long)r->short_results,
		       (unsigned long long)r->bad_cookies,
		       (unsigned long long)r->unknown_flags,
		       (unsigned long long)r->inflight,
		       (unsigned long long)r->kicks);
		if (o->window)
			printf("\"window\": %llu, \"window_waits\": %llu, ",
			       (unsigned long long)o->window,
			       (unsigned long long)r->window_waits);
		else
			printf("\"window\": null, \"window_waits\": 0, ");
		if (r->cpu_s >= 0) {
			printf("\"cpus\": %u, \"cpu_seconds\": %.3f, "
			       "\"cpu_sampled_seconds\": %.3f, ", cpus,
			       r->cpu_s, r->cpu_sampled_s);
			if (gib > 0)
				printf("\"cpu_s_per_gib\": %.4f, ",
				       r->cpu_s / gib);
			else
				printf("\"cpu_s_per_gib\": null, ");
		} else {
			printf("\"cpus\": %u, \"cpu_seconds\": null, "
			       "\"cpu_sampled_seconds\": null, "
			       "\"cpu_s_per_gib\": null, ", cpus);
		}
		printf("\"process_user_s\": %.3f, \"process_sys_s\": %.3f, "
		       "\"interrupted\": %s, \"stalled\": %s, "
		       "\"receiver_stalled\": %s, \"ok\": %s}\n",
		       r->user_s, r->sys_s, r->interrupted ? "true" : "false",
		       r->stalled ? "true" : "false",
		       r->receiver_stalled ? "true" : "false",
		       ok ? "true" : "false");
		return;
	}

	printf(PROG ": %s (ifindex %u, netns %s, %s) -> %s\n", ifc->name,
	       ifc->ifindex, ns, src, dst);
	printf("  frame size      %llu bytes, pattern %s, ring %u, queue ",
	       (unsigned long long)o->size,
	       zcnet_frame_pattern_name(o->pattern), o->ring);
	if (o->queue == ZCNET_QUEUE_ANY)
		printf("any");
	else
		printf("%u", o->queue);
	if (o->threshold_used < 0)
		printf(", copy threshold: not known");
	else
		printf(", copy threshold %lld", (long long)o->threshold_used);
	printf(o->copy_threshold < 0 ? " (the module's for this device)\n" :
	       " (--copy-threshold)\n");
	printf("  frames          %llu sent (%llu submitted, %llu "
	       "completions)\n", (unsigned long long)r->ok_frames,
	       (unsigned long long)r->submitted,
	       (unsigned long long)r->completions);
	printf("  bytes           %llu (%.3f GiB)\n",
	       (unsigned long long)r->ok_bytes, gib);
	printf("  elapsed         %.3f s\n", secs);
	if (rates)
		printf("  rate            %.0f frames/s, %.3f Gbit/s\n",
		       (double)r->ok_frames / secs,
		       (double)r->ok_bytes * 8 / secs / 1e9);
	if (r->completions)
		printf("  zero copy       %.2f%% (%llu of %llu completions "
		       "without ZCNET_CQE_COPIED)\n",
		       100.0 * (double)(r->completions - r->copied) /
		       (double)r->completions,
		       (unsigned long long)(r->completions - r->copied),
		       (unsigned long long)r->completions);
	printf("  errors          ");
	print_errors(stdout, r, false);
	printf("\n");
	if (r->short_results || r->bad_cookies || r->unknown_flags ||
	    r->inflight)
		printf("  anomalies       %llu short results, %llu unknown or "
		       "repeated cookies, %llu unknown flags, %llu frames "
		       "without completion\n",
		       (unsigned long long)r->short_results,
		       (unsigned long long)r->bad_cookies,
		       (unsigned long long)r->unknown_flags,
		       (unsigned long long)r->inflight);
	else
		printf("  cookies         each of %llu seen exactly once\n",
		       (unsigned long long)r->submitted);
	if (r->cpu_s >= 0) {
		printf("  CPU, %u CPUs     %.2f s not idle", cpus, r->cpu_s);
		if (gib > 0)
			printf(", %.3f s per GiB", r->cpu_s / gib);
		printf("\n                  (/proc/stat: elapsed x CPUs - idle - "
		       "iowait; tick-sampled busy\n                  fields: "
		       "%.2f s)\n", r->cpu_sampled_s);
	} else {
		printf("  CPU             /proc/stat unreadable\n");
	}
	printf("  this process    %.2f s user, %.2f s system\n", r->user_s,
	       r->sys_s);
	if (o->window)
		printf("  flow control    window %llu frames; held back by the "
		       "receiver %llu times\n", (unsigned long long)o->window,
		       (unsigned long long)r->window_waits);
	if (r->receiver_stalled)
		printf("  stopped early: the receiver's progress did not "
		       "move\n");
	if (r->interrupted)
		printf("  interrupted by a signal\n");
	printf("  result          %s\n", ok ? "OK" : "FAILED");
}

/* Report a failed bind or set_param. Returns the exit code. */
static int report_bind_error(const char *what, int err, const char *iface,
			     const struct zcnet_ctx *ctx, const struct options *o)
{
	switch (err) {
	case -EOPNOTSUPP:
		errmsg("this zcnet module has no raw transmit (%s: %s; "
		       "module features 0x%llx, raw TX is 0x%llx)", what,
		       strerror(-err),
		       (unsigned long long)zcnet_ctx_info(ctx)->features,
		       (unsigned long long)ZCNET_FEAT_TX_RAW);
		return EXIT_UNSUPPORTED;
	case -EPERM:
		errmsg("%s: binding to %s needs CAP_NET_RAW", what, iface);
		return EXIT_FAILED;
	case -ENETDOWN:
		errmsg("%s: interface %s is down", what, iface);
		return EXIT_FAILED;
	case -ENODEV:
		errmsg("%s: no device %s in this network namespace", what,
		       iface);
		return EXIT_FAILED;
	case -EBUSY:
		errmsg("%s: this context is already bound", what);
		return EXIT_FAILED;
	case -EINVAL:
		if (o->queue != ZCNET_QUEUE_ANY && strcmp(what, "bind") == 0)
			errmsg("%s: rejected (is queue %u below %s's TX queue "
			       "count?): %s", what, o->queue, iface,
			       strerror(-err));
		else
			errmsg("%s: rejected: %s", what, strerror(-err));
		return EXIT_FAILED;
	}
	errmsg("%s on %s failed: %s", what, iface, strerror(-err));
	return EXIT_FAILED;
}

static void linger(const struct options *o, volatile sig_atomic_t *stop)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	double end = now_seconds() + o->linger;

	fprintf(stderr, PROG ": keeping the zcnet context open for %g s "
		"(pid %d); SIGTERM ends it\n", o->linger, (int)getpid());
	while (!*stop && now_seconds() < end)
		nanosleep(&ts, NULL);
}

/* The largest frame IFACE takes: MTU + 14, at most what frame_len holds. */
static uint64_t max_frame(const struct iface *ifc)
{
	uint64_t max = (uint64_t)ifc->mtu + ZCNET_FRAME_ETH_LEN;

	return max < ZCNET_FRAME_MAX_LEN ? max : ZCNET_FRAME_MAX_LEN;
}

/*
 * Power-of-two slots up to a page keep every frame inside one page, so the
 * NIC maps one fragment per frame instead of two.
 */
static size_t pick_slot_size(const struct options *o)
{
	size_t slot = SLOT_ALIGN;

	if (o->slot_size)
		return o->slot_size;
	if (o->size > 4096)
		return (o->size + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1);
	while (slot < o->size)
		slot <<= 1;
	return slot;
}

int main(int argc, char **argv)
{
	static const char *const sock_modes[] = { "tcp", "udp", NULL };
	struct options o;
	struct iface ifc;
	struct sender s;
	struct result *r;
	struct zcnet_bind bind;
	struct zcnet_mem mem = { 0 };
	volatile sig_atomic_t *stop;
	char ns[256];
	int err, rc = EXIT_FAILED;
	uint32_t i;
	__u64 v;
	bool ok;

	util_prog = PROG;
	if (argv_has(argc, argv, sock_modes))
		return sock_send_main(argc, argv);
	parse_args(argc, argv, &o);

	err = iface_lookup(o.iface, &ifc);
	if (err == -ENODEV || err == -EINVAL)
		usage_error("no interface '%s' in this network namespace",
			    o.iface);
	if (err) {
		errmsg("cannot look up interface %s: %s", o.iface,
		       strerror(-err));
		return EXIT_FAILED;
	}
	if (o.size < 60 || o.size > max_frame(&ifc))
		usage_error("frame size %llu is outside [60, %llu] for %s "
			    "(MTU %u, plus the 14-byte Ethernet header)",
			    (unsigned long long)o.size,
			    (unsigned long long)max_frame(&ifc), ifc.name,
			    ifc.mtu);
	if (o.slot_size && o.slot_size < o.size)
		usage_error("slot size %llu is smaller than the frame size %llu",
			    (unsigned long long)o.slot_size,
			    (unsigned long long)o.size);
	netns_name(ns, sizeof(ns));
	stop = install_stop_signals();

	memset(&s, 0, sizeof(s));
	s.o = &o;
	memcpy(s.src, ifc.mac, 6);
	r = calloc(1, sizeof(*r));
	if (!r) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}

	if (o.window) {
		err = progress_open(o.progress_path, &s.progress);
		if (err) {
			errmsg("cannot use progress file %s: %s", o.progress_path,
			       err == -EINVAL ? "not written by zcnet-afp recv" :
			       strerror(-err));
			free(r);
			return EXIT_FAILED;
		}
	}
	err = zcnet_open(&s.ctx);
	if (err) {
		progress_close(&s.progress);
		free(r);
		return report_open_error(err);
	}
	err = zcnet_setup(s.ctx, o.ring, o.ring, 0, 0);
	if (err) {
		errmsg("ring setup (%u entries) failed: %s", o.ring,
		       strerror(-err));
		goto out;
	}
	s.tx = zcnet_tx_ring(s.ctx);
	s.cq = zcnet_cq_ring(s.ctx);

	memset(&bind, 0, sizeof(bind));
	bind.flags = ZCNET_BIND_TX;
	bind.ifindex = ifc.ifindex;
	bind.queue = o.queue;
	err = zcnet_bind(s.ctx, &bind);
	if (err) {
		rc = report_bind_error("bind", err, ifc.name, s.ctx, &o);
		goto out;
	}
	if (o.copy_threshold >= 0) {
		err = zcnet_set_param(s.ctx, ZCNET_PARAM_TX_COPY_THRESHOLD,
				      (uint64_t)o.copy_threshold);
		if (err) {
			rc = report_bind_error("setting the copy threshold",
					       err, ifc.name, s.ctx, &o);
			goto out;
		}
	}
	if (!zcnet_get_param(s.ctx, ZCNET_PARAM_TX_COPY_THRESHOLD, &v))
		o.threshold_used = (int64_t)v;
	else
		o.threshold_used = o.copy_threshold;

	s.slot_size = pick_slot_size(&o);
	err = zcnet_mem_alloc(&mem, s.slot_size * o.ring,
			      LIBZCNET_MEM_POPULATE);
	if (err) {
		errmsg("cannot allocate %zu bytes of frame memory: %s",
		       s.slot_size * o.ring, strerror(-err));
		goto out;
	}
	s.base = mem.addr;
	err = zcnet_region_register(s.ctx, mem.addr, mem.len, &s.region);
	if (err) {
		errmsg("registering %zu bytes failed: %s%s", mem.len,
		       strerror(-err), err == -ENOMEM ?
		       " (over RLIMIT_MEMLOCK? see ulimit -l)" : "");
		goto out;
	}
	err = zcnet_eventfd_create(s.ctx, ZCNET_EVENTFD_CQ);
	if (err < 0) {
		errmsg("attaching a completion eventfd failed: %s",
		       strerror(-err));
		goto out;
	}

	s.free_slots = calloc(o.ring, sizeof(*s.free_slots));
	s.slot_seq = calloc(o.ring, sizeof(*s.slot_seq));
	s.slot_busy = calloc(o.ring, 1);
	s.slot_filled = calloc(o.ring, 1);
	if (!s.free_slots || !s.slot_seq || !s.slot_busy || !s.slot_filled) {
		errmsg("out of memory");
		goto out;
	}
	/* Hand out slot 0 first: the stack pops from the top. */
	for (i = 0; i < o.ring; i++)
		s.free_slots[i] = o.ring - 1 - i;
	s.nfree = o.ring;

	run(&s, r, stop);
	ok = run_ok(&o, r);
	print_report(&o, &ifc, r, ns, ok);
	fflush(stdout);
	rc = ok ? 0 : EXIT_FAILED;
	if (o.linger > 0 && !*stop)
		linger(&o, stop);
out:
	progress_close(&s.progress);
	zcnet_close(s.ctx);
	zcnet_mem_free(&mem);
	free(s.free_slots);
	free(s.slot_seq);
	free(s.slot_busy);
	free(s.slot_filled);
	free(r);
	return rc;
}
