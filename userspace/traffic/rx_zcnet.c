// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-recv: receive frames on a network device with zcnet receive
 * (ZCNET_BIND_RX), verify the test frames (zcnet_frame.h) byte by byte
 * and report what it measured.
 *
 * It registers one region of RING buffers, sets up only the FILL and RX
 * rings, binds the context for receive with a match, posts every buffer,
 * sleeps on the RX eventfd and, for each RX entry, checks that it names a
 * buffer that was posted, verifies the frame and posts the buffer again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "libzcnet.h"
#include "zcnet_frame.h"
#include "zcnet_sockmode.h"
#include "zcnet_stream.h"
#include "zcnet_util.h"

#define PROG		"zcnet-recv"
#define DEFAULT_RING	1024
#define DEFAULT_BUF	2048
#define MIN_BUF		64
#define MAX_BUF		65536
#define DEFAULT_IDLE	10.0
#define WAIT_MS		100
#define MAX_REPORTED	10		/* bad frames described on stderr */
#define SEQ_LIMIT	(UINT64_C(1) << 30) /* largest seq tracked without -n */

struct options {
	const char *iface;
	uint32_t match;			/* ZCNET_RX_MATCH_* */
	uint16_t ethertype;
	uint16_t port;
	uint64_t frames;		/* 0: no count */
	double seconds;			/* 0: no time limit */
	double idle;
	uint32_t ring;
	uint32_t buf_size;
	bool strict_order;
	bool json;
	const char *progress_path;	/* flow control for the sender */
};

struct recv_state {
	const struct options *o;
	struct progress pg;		/* fd -1: none */
	uint8_t *base;
	size_t region_len;
	uint32_t region;
	uint8_t *posted;		/* per buffer: on the FILL ring */
	uint64_t frames;		/* RX entries */
	uint64_t bytes;			/* frame_len of each */
	uint64_t test_frames;		/* of our ethertype */
	uint64_t other;			/* other ethertypes (not verified) */
	uint64_t good;
	uint64_t bad;
	uint64_t truncated;		/* ZCNET_RX_TRUNCATED */
	uint64_t bad_entries;		/* naming no posted buffer, ... */
	uint64_t not_copied;		/* entries without ZCNET_RX_COPIED */
	uint64_t unique;
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t max_seq;
	uint64_t *seen;			/* bitmap of good seqs */
	uint64_t seen_words;
	uint64_t seq_limit;
	uint64_t wakeups;		/* eventfd wake-ups */
	unsigned int reported;
	double t0, first_t, last_t;
	struct zcnet_stats stats;
	bool stats_valid;
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: " PROG " -i IFACE [--match all|ethertype:0xNNNN|udp:PORT]\n"
"                  [-n FRAMES | -t SECONDS] [--idle-timeout S] [-r RING]\n"
"                  [-b BUFSIZE] [--strict-order] [-j]\n"
"Receive frames on IFACE with zcnet receive and verify the test frames.\n"
"\n"
"  -i, --iface IFACE        device to receive on (this network namespace)\n"
"  -m, --match M            which frames to take from the stack:\n"
"                             all               every frame\n"
"                             ethertype:0xNNNN  frames of that ethertype\n"
"                                               (default ethertype:0x88B5)\n"
"                             udp:PORT          IPv4/IPv6 UDP to PORT\n"
"  -n, --frames N           stop after N frames; all N must arrive\n"
"  -t, --time SECONDS       stop after SECONDS\n"
"      --idle-timeout S     stop after S seconds without a frame (default\n"
"                           %g, counted from the start too)\n"
"  -r, --ring ENTRIES       receive buffers, and FILL and RX ring entries,\n"
"                           a power of two in %d..%d (default %d)\n"
"  -b, --buf-size BYTES     bytes per buffer, a multiple of %d in %d..%d\n"
"                           (default %d); longer frames are truncated\n"
"      --strict-order       a frame out of sequence order is a failure\n"
"      --progress-file PATH publish one past the highest seq received, for\n"
"                           a sender's --window (zcnet-send, zcnet-afp)\n"
"  -j, --json               print one JSON object instead of text\n"
"  -h, --help               show this help\n"
"\n"
"Frames of ethertype 0x88B5 are test frames (as zcnet-send and zcnet-afp\n"
"send them): each is verified byte by byte, and their sequence numbers\n"
"give the frames lost (gaps), duplicated and reordered. Frames of other\n"
"ethertypes (with --match all or udp:PORT) are counted, not verified.\n"
"The context's receive counters (rx_drop_nobuf: no buffer posted, ...)\n"
"are printed at the end. It prints a line on stderr once it is\n"
"receiving. Exit status: 0 when every frame was verified, none was lost,\n"
"repeated or truncated (and with -n, N frames arrived), 1 otherwise, 2 on\n"
"bad arguments, 4 when the zcnet module has no receive.\n",
		DEFAULT_IDLE, ZCNET_RING_MIN_ENTRIES, ZCNET_RING_MAX_ENTRIES,
		DEFAULT_RING, MIN_BUF, MIN_BUF, MAX_BUF, DEFAULT_BUF);
	fputc('\n', out);
	sink_usage(out);
}

enum {
	OPT_IDLE = 256,
	OPT_STRICT,
	OPT_PROGRESS,
};

static bool parse_match(const char *s, struct options *o)
{
	uint64_t v;
	char *end;

	if (strcmp(s, "all") == 0) {
		o->match = ZCNET_RX_MATCH_ALL;
		o->ethertype = 0;
		o->port = 0;
		return true;
	}
	if (strncmp(s, "ethertype:", 10) == 0) {
		s += 10;
		if (!*s || *s == '-' || *s == '+')
			return false;
		errno = 0;
		v = strtoull(s, &end, 0);
		if (errno || *end || v == 0 || v > 0xffff)
			return false;
		o->match = ZCNET_RX_MATCH_ETHERTYPE;
		o->ethertype = (uint16_t)v;
		o->port = 0;
		return true;
	}
	if (strncmp(s, "udp:", 4) == 0) {
		if (!parse_u64(s + 4, 1, 65535, &v))
			return false;
		o->match = ZCNET_RX_MATCH_UDP;
		o->ethertype = 0;
		o->port = (uint16_t)v;
		return true;
	}
	return false;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "match", required_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "ring", required_argument, NULL, 'r' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "strict-order", no_argument, NULL, OPT_STRICT },
		{ "progress-file", required_argument, NULL, OPT_PROGRESS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_n = false, have_t = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->match = ZCNET_RX_MATCH_ETHERTYPE;
	o->ethertype = ZCNET_FRAME_ETHERTYPE;
	o->idle = DEFAULT_IDLE;
	o->ring = DEFAULT_RING;
	o->buf_size = DEFAULT_BUF;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:m:n:t:r:b:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'm':
			if (!parse_match(optarg, o))
				usage_error("bad match '%s' (all, ethertype:0xNNNN "
					    "or udp:PORT)", optarg);
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
		case OPT_IDLE:
			if (!parse_seconds(optarg, 1e6, &o->idle))
				usage_error("bad idle timeout '%s' (seconds, > 0)",
					    optarg);
			break;
		case 'r':
			o->ring = parse_ring_entries(optarg);
			break;
		case 'b':
			if (!parse_u64(optarg, MIN_BUF, MAX_BUF, &v) ||
			    v % MIN_BUF)
				usage_error("bad buffer size '%s' (a multiple of "
					    "%d in %d..%d)", optarg, MIN_BUF,
					    MIN_BUF, MAX_BUF);
			o->buf_size = (uint32_t)v;
			break;
		case OPT_STRICT:
			o->strict_order = true;
			break;
		case OPT_PROGRESS:
			if (!*optarg)
				usage_error("empty progress file name");
			o->progress_path = optarg;
			break;
		case 'j':
			o->json = true;
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
}

/* ---- verification ---- */

static bool seen_grow(struct recv_state *st, uint64_t seq)
{
	uint64_t words = st->seen_words ? st->seen_words : 1024, *n;

	while (words * 64 <= seq)
		words *= 2;
	if (words == st->seen_words)
		return true;
	n = realloc(st->seen, words * sizeof(*n));
	if (!n)
		return false;
	memset(n + st->seen_words, 0, (words - st->seen_words) * sizeof(*n));
	st->seen = n;
	st->seen_words = words;
	return true;
}

static bool seq_seen(const struct recv_state *st, uint64_t seq)
{
	return seq / 64 < st->seen_words &&
	       (st->seen[seq / 64] >> (seq % 64) & 1);
}

static void __attribute__((format(printf, 2, 3)))
report(struct recv_state *st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (st->reported++ >= MAX_REPORTED) {
		if (st->reported == MAX_REPORTED + 1)
			errmsg("more bad frames; only the first %d are "
			       "described", MAX_REPORTED);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	errmsg("%s", buf);
}

/*
 * One RX entry: it must name a posted buffer (whose index is stored in
 * *buf, else -1 is), then the frame is checked.
 */
static void handle_entry(struct recv_state *st, const struct zcnet_rx_desc *e,
			 long *buf)
{
	const struct options *o = st->o;
	struct zcnet_frame_check c;
	const uint8_t *data;
	uint64_t seq, bit, nr = st->frames;
	uint16_t type;

	*buf = -1;
	st->frames++;
	st->bytes += e->frame_len;
	if (e->region != st->region || e->offset % o->buf_size ||
	    e->offset >= (uint64_t)o->ring * o->buf_size ||
	    !st->posted[e->offset / o->buf_size]) {
		st->bad_entries++;
		st->bad++;
		report(st, "entry #%llu names region %u offset %llu: not a "
		       "posted buffer", (unsigned long long)nr, e->region,
		       (unsigned long long)e->offset);
		return;
	}
	*buf = (long)(e->offset / o->buf_size);
	st->posted[*buf] = 0;
	if (e->buf_len != o->buf_size || e->data > e->buf_len ||
	    e->len > e->buf_len - e->data || e->reserved ||
	    (e->flags & ~(uint32_t)(ZCNET_RX_COPIED | ZCNET_RX_TRUNCATED))) {
		st->bad_entries++;
		st->bad++;
		report(st, "entry #%llu: buf_len %u, data %u, len %u, flags "
		       "0x%x, reserved %u do not fit the %u-byte buffer",
		       (unsigned long long)nr, e->buf_len, e->data, e->len,
		       e->flags, e->reserved, o->buf_size);
		return;
	}
	if (!(e->flags & ZCNET_RX_COPIED))
		st->not_copied++;
	data = st->base + e->offset + e->data;
	if (e->flags & ZCNET_RX_TRUNCATED || e->len < e->frame_len) {
		st->truncated++;
		if (!(e->flags & ZCNET_RX_TRUNCATED) ||
		    e->len >= e->frame_len) {
			st->bad_entries++;
			st->bad++;
			report(st, "entry #%llu: len %u, frame_len %u, flags 0x%x "
			       "disagree", (unsigned long long)nr, e->len,
			       e->frame_len, e->flags);
		}
		return;
	}
	if (e->len != e->frame_len) {
		st->bad_entries++;
		st->bad++;
		report(st, "entry #%llu: len %u > frame_len %u",
		       (unsigned long long)nr, e->len, e->frame_len);
		return;
	}
	type = e->len >= 14 ? (uint16_t)(data[12] << 8 | data[13]) : 0;
	if (type != ZCNET_FRAME_ETHERTYPE) {
		st->other++;
		return;
	}
	st->test_frames++;
	if (zcnet_frame_verify(data, e->len, &c) >= 0) {
		st->bad++;
		if (c.error == ZCNET_FRAME_ERR_PAYLOAD)
			report(st, "bad frame #%llu (seq %llu, %u bytes): %s at "
			       "byte %zu: expected 0x%02x, got 0x%02x",
			       (unsigned long long)nr,
			       (unsigned long long)c.seq, e->len,
			       zcnet_frame_error_str(c.error), c.offset,
			       c.expected, c.got);
		else
			report(st, "bad frame #%llu (%u bytes): %s at byte %zu",
			       (unsigned long long)nr, e->len,
			       zcnet_frame_error_str(c.error), c.offset);
		return;
	}
	seq = c.seq;
	if (seq >= st->seq_limit || !seen_grow(st, seq)) {
		st->bad++;
		report(st, "frame #%llu: seq %llu is beyond the %llu frames "
		       "tracked", (unsigned long long)nr,
		       (unsigned long long)seq,
		       (unsigned long long)st->seq_limit);
		return;
	}
	st->good++;
	bit = UINT64_C(1) << (seq % 64);
	if (st->seen[seq / 64] & bit) {
		st->duplicates++;
		return;
	}
	st->seen[seq / 64] |= bit;
	if (st->unique && seq < st->max_seq)
		st->reordered++;
	if (!st->unique || seq > st->max_seq)
		st->max_seq = seq;
	st->unique++;
}

/* Test frames expected but never seen: the gaps. */
static uint64_t recv_lost(const struct recv_state *st)
{
	uint64_t range = st->unique ? st->max_seq + 1 : 0;

	if (st->o->frames && st->o->match == ZCNET_RX_MATCH_ETHERTYPE &&
	    st->o->ethertype == ZCNET_FRAME_ETHERTYPE && st->o->frames > range)
		range = st->o->frames;
	return range > st->unique ? range - st->unique : 0;
}

/* The first test frame missing, if any are lost. */
static uint64_t first_lost(const struct recv_state *st)
{
	uint64_t seq;

	for (seq = 0; seq_seen(st, seq); seq++)
		;
	return seq;
}

static bool recv_ok(const struct recv_state *st)
{
	const struct options *o = st->o;

	return st->frames && !st->bad && !st->truncated && !st->duplicates &&
	       !recv_lost(st) && (!o->strict_order || !st->reordered) &&
	       (!o->frames || st->frames >= o->frames);
}

/* ---- the receive loop ---- */

static int post(struct zcnet_ring *fill, struct recv_state *st, uint32_t buf)
{
	struct zcnet_fill_desc *d;
	uint32_t idx;

	if (zcnet_ring_reserve(fill, 1, &idx) != 1)
		return -ENOSPC;
	d = zcnet_ring_fill_desc(fill, idx);
	memset(d, 0, sizeof(*d));
	d->offset = (uint64_t)buf * st->o->buf_size;
	d->len = st->o->buf_size;
	d->region = (uint16_t)st->region;
	st->posted[buf] = 1;
	return 0;
}

static const char *run(struct zcnet_ctx *ctx, struct recv_state *st, int efd,
		       volatile sig_atomic_t *stop)
{
	const struct options *o = st->o;
	struct zcnet_ring *rx = zcnet_rx_ring(ctx), *fill = zcnet_fill_ring(ctx);
	double last = now_seconds(), now;

	st->t0 = last;
	for (;;) {
		uint32_t n, i, idx, reposted = 0;
		struct pollfd p;
		uint64_t v;

		if (*stop)
			return "signal";
		n = zcnet_ring_peek(rx, zcnet_ring_entries(rx), &idx);
		now = now_seconds();
		if (o->seconds > 0 && now - st->t0 >= o->seconds) {
			if (n)
				zcnet_ring_unpeek(rx, n);
			return "time limit";
		}
		if (!n) {
			if (now - last >= o->idle)
				return "idle timeout";
			p.fd = efd;
			p.events = POLLIN;
			p.revents = 0;
			if (poll(&p, 1, WAIT_MS) < 0 && errno != EINTR) {
				errmsg("poll: %s", strerror(errno));
				return "error";
			}
			if (p.revents & POLLIN) {
				if (read(efd, &v, sizeof(v)) == sizeof(v))
					st->wakeups++;
			}
			continue;
		}
		if (!st->frames)
			st->first_t = now;
		st->last_t = now;
		last = now;
		for (i = 0; i < n; i++) {
			struct zcnet_rx_desc e = *zcnet_ring_rx_desc(rx, idx + i);
			long buf;

			handle_entry(st, &e, &buf);
			if (buf >= 0 && !post(fill, st, (uint32_t)buf))
				reposted++;
			if (o->frames && st->frames >= o->frames) {
				i++;
				break;
			}
		}
		zcnet_ring_release(rx, i);
		if (i < n)	/* stopped at the frame count: not handled */
			zcnet_ring_unpeek(rx, n - i);
		if (reposted)
			zcnet_ring_submit(fill, reposted);
		if (st->pg.map && st->unique)
			progress_store(&st->pg, st->max_seq + 1);
		if (o->frames && st->frames >= o->frames)
			return "frame count";
	}
}

/* ---- report ---- */

static const char *match_str(const struct options *o, char *buf, size_t size)
{
	switch (o->match) {
	case ZCNET_RX_MATCH_ALL:
		snprintf(buf, size, "all");
		break;
	case ZCNET_RX_MATCH_ETHERTYPE:
		snprintf(buf, size, "ethertype:0x%04X", o->ethertype);
		break;
	default:
		snprintf(buf, size, "udp:%u", o->port);
	}
	return buf;
}

#define ST(f)	((unsigned long long)st->stats.f)

static void print_report(const struct options *o, const struct iface *ifc,
			 const char *ns, const struct recv_state *st,
			 const char *why, bool ok)
{
	double span = st->frames > 1 ? st->last_t - st->first_t : 0;
	bool rates = span > 0;
	uint64_t lost = recv_lost(st);
	char m[32], mac[18];

	match_str(o, m, sizeof(m));
	format_mac(ifc->mac, mac);
	if (o->json) {
		printf("{\"tool\": \"zcnet-recv\", \"iface\": ");
		json_string(stdout, ifc->name);
		printf(", \"netns\": ");
		json_string(stdout, ns);
		printf(", \"mac\": \"%s\", \"match\": \"%s\", \"ring\": %u, "
		       "\"buf_size\": %u, \"frames\": %llu, \"bytes\": %llu, "
		       "\"seconds\": %.6f, ", mac, m, o->ring, o->buf_size,
		       (unsigned long long)st->frames,
		       (unsigned long long)st->bytes, span);
		if (rates)
			printf("\"frames_per_s\": %.1f, \"gbit_per_s\": %.4f, ",
			       (double)st->frames / span,
			       (double)st->bytes * 8 / span / 1e9);
		else
			printf("\"frames_per_s\": null, \"gbit_per_s\": null, ");
		printf("\"test_frames\": %llu, \"verified\": %llu, "
		       "\"other_frames\": %llu, \"lost\": %llu, "
		       "\"duplicates\": %llu, \"reordered\": %llu, "
		       "\"bad\": %llu, \"truncated\": %llu, "
		       "\"bad_entries\": %llu, \"not_copied\": %llu, "
		       "\"wakeups\": %llu, ",
		       (unsigned long long)st->test_frames,
		       (unsigned long long)st->unique,
		       (unsigned long long)st->other,
		       (unsigned long long)lost,
		       (unsigned long long)st->duplicates,
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->bad,
		       (unsigned long long)st->truncated,
		       (unsigned long long)st->bad_entries,
		       (unsigned long long)st->not_copied,
		       (unsigned long long)st->wakeups);
		if (st->stats_valid)
			printf("\"rx_frames\": %llu, \"rx_bytes\": %llu, "
			       "\"rx_drop_nobuf\": %llu, \"rx_drop_size\": %llu, "
			       "\"rx_drop_split\": %llu, "
			       "\"rx_truncated\": %llu, \"rx_filter_miss\": %llu, "
			       "\"rx_fill_rejected\": %llu, \"rx_signals\": %llu, "
			       "\"ring_errors\": %llu, ",
			       ST(rx_frames), ST(rx_bytes), ST(rx_drop_nobuf),
			       ST(rx_drop_size), ST(rx_drop_split),
			       ST(rx_truncated), ST(rx_filter_miss),
			       ST(rx_fill_rejected), ST(rx_signals),
			       ST(ring_errors));
		printf("\"stopped_by\": \"%s\", \"ok\": %s}\n", why,
		       ok ? "true" : "false");
		return;
	}
	printf(PROG ": %s (ifindex %u, netns %s, %s), match %s\n", ifc->name,
	       ifc->ifindex, ns, mac, m);
	printf("  buffers         %u of %u bytes\n", o->ring, o->buf_size);
	printf("  frames          %llu (%llu test frames, %llu other)\n",
	       (unsigned long long)st->frames,
	       (unsigned long long)st->test_frames,
	       (unsigned long long)st->other);
	printf("  bytes           %llu\n", (unsigned long long)st->bytes);
	printf("  elapsed         %.3f s (first to last frame)\n", span);
	if (rates)
		printf("  rate            %.0f frames/s, %.3f Gbit/s\n",
		       (double)st->frames / span,
		       (double)st->bytes * 8 / span / 1e9);
	printf("  verified        %llu distinct test frames\n",
	       (unsigned long long)st->unique);
	if (lost)
		printf("  lost            %llu (gaps in the sequence numbers; "
		       "the first is seq %llu)\n", (unsigned long long)lost,
		       (unsigned long long)first_lost(st));
	else
		printf("  lost            0\n");
	printf("  duplicates      %llu\n", (unsigned long long)st->duplicates);
	printf("  reordered       %llu\n", (unsigned long long)st->reordered);
	printf("  bad             %llu (%llu entries not naming a posted "
	       "buffer or inconsistent)\n", (unsigned long long)st->bad,
	       (unsigned long long)st->bad_entries);
	printf("  truncated       %llu (longer than the %u-byte buffers)\n",
	       (unsigned long long)st->truncated, o->buf_size);
	if (st->stats_valid) {
		printf("  context         rx_frames %llu, rx_bytes %llu, "
		       "rx_signals %llu\n", ST(rx_frames), ST(rx_bytes),
		       ST(rx_signals));
		printf("                  rx_drop_nobuf %llu, rx_drop_size %llu, "
		       "rx_drop_split %llu, rx_truncated %llu\n",
		       ST(rx_drop_nobuf), ST(rx_drop_size), ST(rx_drop_split),
		       ST(rx_truncated));
		printf("                  rx_filter_miss %llu, rx_fill_rejected "
		       "%llu, ring_errors %llu\n", ST(rx_filter_miss),
		       ST(rx_fill_rejected), ST(ring_errors));
	}
	printf("  stopped by      %s\n", why);
	printf("  result          %s\n", ok ? "OK" : "FAILED");
}

#undef ST

static int report_bind_error(int err, const char *iface,
			     const struct zcnet_ctx *ctx)
{
	switch (err) {
	case -EOPNOTSUPP:
		errmsg("this zcnet module has no receive (module features "
		       "0x%llx, receive is 0x%llx)",
		       (unsigned long long)zcnet_ctx_info(ctx)->features,
		       (unsigned long long)ZCNET_FEAT_RX);
		return EXIT_UNSUPPORTED;
	case -EBUSY:
		errmsg("bind: %s already has a receive handler (bridge, bond, "
		       "macvlan or another zcnet context)", iface);
		return EXIT_FAILED;
	case -EPERM:
		errmsg("bind: receiving on %s needs CAP_NET_ADMIN, in this "
		       "process and in the one that opened /dev/zcnet", iface);
		return EXIT_FAILED;
	case -ENETDOWN:
		errmsg("bind: interface %s is down", iface);
		return EXIT_FAILED;
	case -ENODEV:
		errmsg("bind: no device %s in this network namespace", iface);
		return EXIT_FAILED;
	case -EINVAL:
		errmsg("bind: the match was rejected: %s", strerror(-err));
		return EXIT_FAILED;
	}
	errmsg("bind on %s failed: %s", iface, strerror(-err));
	return EXIT_FAILED;
}

int main(int argc, char **argv)
{
	static const char *const sink_modes[] = { "tcp-listen", "udp-listen",
						  NULL };
	struct options o;
	struct iface ifc;
	struct recv_state st;
	struct zcnet_ctx *ctx = NULL;
	struct zcnet_bind bind;
	struct zcnet_mem mem = { 0 };
	struct zcnet_ring *fill;
	volatile sig_atomic_t *stop;
	const char *why;
	char ns[256], m[32];
	int err, efd, rc = EXIT_FAILED;
	uint32_t i;
	bool ok;

	util_prog = PROG;
	if (argv_has(argc, argv, sink_modes))
		return sink_main(argc, argv);
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
	netns_name(ns, sizeof(ns));
	stop = install_stop_signals();

	memset(&st, 0, sizeof(st));
	st.o = &o;
	st.seq_limit = o.frames && o.frames < SEQ_LIMIT ? o.frames * 2 + 1024 :
							  SEQ_LIMIT;
	st.posted = calloc(o.ring, 1);
	if (!st.posted) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}

	err = zcnet_open(&ctx);
	if (err) {
		free(st.posted);
		return report_open_error(err);
	}
	if (!zcnet_has_feature(ctx, ZCNET_FEAT_RX)) {
		rc = report_bind_error(-EOPNOTSUPP, ifc.name, ctx);
		goto out;
	}
	err = zcnet_setup(ctx, 0, 0, o.ring, o.ring);
	if (err) {
		errmsg("ring setup (FILL and RX, %u entries) failed: %s", o.ring,
		       strerror(-err));
		goto out;
	}
	st.region_len = (size_t)o.ring * o.buf_size;
	err = zcnet_mem_alloc(&mem, st.region_len, LIBZCNET_MEM_POPULATE);
	if (err) {
		errmsg("cannot allocate %zu bytes of buffers: %s", st.region_len,
		       strerror(-err));
		goto out;
	}
	st.base = mem.addr;
	err = zcnet_region_register(ctx, mem.addr, mem.len, &st.region);
	if (err) {
		errmsg("registering %zu bytes failed: %s%s", mem.len,
		       strerror(-err), err == -ENOMEM ?
		       " (over RLIMIT_MEMLOCK? see ulimit -l)" : "");
		goto out;
	}
	efd = zcnet_eventfd_create(ctx, ZCNET_EVENTFD_RX);
	if (efd < 0) {
		errmsg("attaching an RX eventfd failed: %s", strerror(-efd));
		goto out;
	}

	/* every buffer on the FILL ring before frames can arrive */
	fill = zcnet_fill_ring(ctx);
	for (i = 0; i < o.ring; i++) {
		if (post(fill, &st, i)) {
			errmsg("the FILL ring has no room for %u buffers",
			       o.ring);
			goto out;
		}
	}
	zcnet_ring_submit(fill, o.ring);

	memset(&bind, 0, sizeof(bind));
	bind.flags = ZCNET_BIND_RX;
	bind.ifindex = ifc.ifindex;
	bind.queue = ZCNET_QUEUE_ANY;
	bind.rx_match = o.match;
	bind.rx_ethertype = o.ethertype;
	bind.rx_port = o.port;
	err = zcnet_bind(ctx, &bind);
	if (err) {
		rc = report_bind_error(err, ifc.name, ctx);
		goto out;
	}
	fprintf(stderr, PROG ": receiving %s on %s (ifindex %u) in netns %s, "
		"%u buffers of %u bytes\n", match_str(&o, m, sizeof(m)),
		ifc.name, ifc.ifindex, ns, o.ring, o.buf_size);

	if (o.progress_path) {
		err = progress_create(o.progress_path, &st.pg);
		if (err) {
			errmsg("cannot create progress file %s: %s",
			       o.progress_path, strerror(-err));
			rc = EXIT_FAILED;
			goto out;
		}
	}
	why = run(ctx, &st, efd, stop);
	st.stats_valid = !zcnet_get_stats(ctx, &st.stats);
	zcnet_unbind(ctx, ZCNET_BIND_RX);
	ok = recv_ok(&st);
	print_report(&o, &ifc, ns, &st, why, ok);
	fflush(stdout);
	rc = ok ? 0 : EXIT_FAILED;
out:
	progress_close(&st.pg);
	zcnet_close(ctx);
	zcnet_mem_free(&mem);
	free(st.posted);
	free(st.seen);
	return rc;
}
