// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-afp: the AF_PACKET baseline and peer of zcnet-send.
 *
 *   zcnet-afp send  a plain AF_PACKET SOCK_RAW send() loop of the test frames
 *                   of zcnet_frame.h, measured the way zcnet-send measures;
 *   zcnet-afp recv  an AF_PACKET receiver (TPACKET_V3 ring) for ethertype
 *                   0x88B5 that verifies every frame byte by byte and checks
 *                   the sequence numbers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "zcnet_frame.h"
#include "zcnet_util.h"

#define PROG		"zcnet-afp"
#define RCVBUF_BYTES	(64 << 20)
/* A 32 MiB ring of small blocks, so that progress is seen often. */
#define RX_BLOCK_SIZE	(128 << 10)
#define RX_BLOCK_NR	256
#define RX_FRAME_SIZE	2048
#define RX_BLOCK_TOV_MS	2
#define POLL_MS		100
#define MAX_REPORTED	10		/* bad frames described on stderr */
#define SEQ_LIMIT	(UINT64_C(1) << 30) /* largest seq tracked without -n */
#define DEFAULT_IDLE	10.0
#define DRAIN_TIMEOUT	10.0
#define WINDOW_STALL	30.0		/* receiver progress must move */
#define WINDOW_WAIT_MS	100

struct options {
	bool send;
	const char *iface;
	uint8_t dst[6];
	uint64_t size;
	uint64_t frames;		/* 0: no frame limit */
	double seconds;			/* 0: no time limit */
	double idle;
	unsigned int pattern;
	bool strict_order;
	bool json;
	uint64_t window;		/* send: 0, no flow control */
	const char *progress_path;
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: " PROG " send -i IFACE [-d DSTMAC] -s SIZE (-n N | -t SECONDS)\n"
"                      [--pattern seq|zero] [--window N --progress-file PATH]\n"
"                      [-j]\n"
"       " PROG " recv -i IFACE [-n N | -t SECONDS] [--idle-timeout SECONDS]\n"
"                      [--strict-order] [--progress-file PATH] [-j]\n"
"AF_PACKET baseline sender and verifying receiver for zcnet test frames\n"
"(ethertype 0x88B5).\n"
"\n"
"send: a plain AF_PACKET SOCK_RAW send() loop.\n"
"  -i, --iface IFACE         device to send on\n"
"  -d, --dst MAC             destination MAC (default ff:ff:ff:ff:ff:ff)\n"
"  -s, --size SIZE           frame length including the Ethernet header,\n"
"                            60..MTU+14\n"
"  -n, --frames N            send N frames, or\n"
"  -t, --time SECONDS        send for SECONDS\n"
"      --pattern seq|zero    payload pattern (default seq)\n"
"      --window N            flow control: send frame seq only while seq is\n"
"      --progress-file PATH  below N + the progress the receiver publishes\n"
"  The run ends when the device has released every frame (SIOCOUTQ 0).\n"
"\n"
"recv: a TPACKET_V3 receiver that verifies every frame byte by byte.\n"
"  -i, --iface IFACE         device to receive on\n"
"  -n, --frames N            stop after N frames; all N must arrive\n"
"  -t, --time SECONDS        stop after SECONDS\n"
"      --idle-timeout S      stop after S seconds without a frame (default\n"
"                            %g, counted from the start too)\n"
"      --strict-order        a frame out of sequence order is a failure\n"
"      --progress-file PATH  publish one past the highest seq received in\n"
"                            PATH, for senders with --window on this machine\n"
"  It prints a line on stderr once it is receiving.\n"
"\n"
"  -j, --json                print one JSON object instead of text\n"
"  -h, --help                show this help\n"
"\n"
"CPU time is read from /proc/stat for all CPUs (everything but idle and\n"
"iowait). Exit status: 0 on success (recv: every frame verified, none\n"
"lost or repeated, and with -n all N arrived), 1 otherwise, 2 on bad\n"
"arguments.\n", DEFAULT_IDLE);
}

enum {
	OPT_PATTERN = 256,
	OPT_IDLE,
	OPT_STRICT,
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
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "strict-order", no_argument, NULL, OPT_STRICT },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "progress-file", required_argument, NULL, OPT_PROGRESS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_size = false, have_dst = false, have_pattern = false;
	bool have_idle = false;
	const char *mode;
	int c;

	memset(o, 0, sizeof(*o));
	memset(o->dst, 0xff, sizeof(o->dst));
	o->pattern = ZCNET_PATTERN_SEQ;
	o->idle = DEFAULT_IDLE;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
			  strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		exit(0);
	}
	if (argc < 2)
		usage_error("no mode given (send or recv)");
	mode = argv[1];
	if (strcmp(mode, "send") == 0)
		o->send = true;
	else if (strcmp(mode, "recv") != 0)
		usage_error("unknown mode '%s' (send or recv)", mode);
	argc--;
	argv++;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:s:n:t:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'd':
			if (!parse_mac(optarg, o->dst))
				usage_error("bad MAC address '%s' (want "
					    "aa:bb:cc:dd:ee:ff)", optarg);
			have_dst = true;
			break;
		case 's':
			if (!parse_u64(optarg, 1, ZCNET_FRAME_MAX_LEN, &o->size))
				usage_error("bad frame size '%s'", optarg);
			have_size = true;
			break;
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_C(1) << 47, &o->frames))
				usage_error("bad frame count '%s' (1..2^47)",
					    optarg);
			break;
		case 't':
			if (!parse_seconds(optarg, 1e6, &o->seconds))
				usage_error("bad duration '%s' (seconds, > 0)",
					    optarg);
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "seq") == 0)
				o->pattern = ZCNET_PATTERN_SEQ;
			else if (strcmp(optarg, "zero") == 0)
				o->pattern = ZCNET_PATTERN_ZERO;
			else
				usage_error("bad pattern '%s' (seq or zero)",
					    optarg);
			have_pattern = true;
			break;
		case OPT_IDLE:
			if (!parse_seconds(optarg, 1e6, &o->idle))
				usage_error("bad idle timeout '%s' (seconds, "
					    "> 0)", optarg);
			have_idle = true;
			break;
		case OPT_STRICT:
			o->strict_order = true;
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
	if (o->frames && o->seconds > 0)
		usage_error("-n and -t exclude each other");
	if (o->send) {
		if (!have_size)
			usage_error("send needs a frame size (-s SIZE)");
		if (!o->frames && o->seconds <= 0)
			usage_error("send needs -n FRAMES or -t SECONDS");
		if (have_idle)
			usage_error("--idle-timeout is for recv");
		if (o->strict_order)
			usage_error("--strict-order is for recv");
		if (!o->window != !o->progress_path)
			usage_error("--window and --progress-file go together");
	} else {
		if (o->window)
			usage_error("--window is for send");
		if (have_size)
			usage_error("-s is for send (recv takes any size)");
		if (have_dst)
			usage_error("-d is for send");
		if (have_pattern)
			usage_error("--pattern is for send (recv reads it "
				    "from each frame)");
	}
}

static void process_cpu(double *user, double *sys)
{
	struct rusage ru;

	*user = *sys = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		*user = (double)ru.ru_utime.tv_sec +
			(double)ru.ru_utime.tv_usec / 1e6;
		*sys = (double)ru.ru_stime.tv_sec +
		       (double)ru.ru_stime.tv_usec / 1e6;
	}
}

/*
 * An AF_PACKET socket with protocol 0, which receives nothing until it is
 * bound with a protocol.
 */
static int open_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			errmsg("an AF_PACKET socket needs CAP_NET_RAW: %s",
			       strerror(errno));
		else
			errmsg("cannot create an AF_PACKET socket: %s",
			       strerror(errno));
	}
	return fd;
}

static int bind_packet_socket(int fd, const struct iface *ifc, int protocol)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons((uint16_t)protocol);
	sll.sll_ifindex = (int)ifc->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		errmsg("cannot bind an AF_PACKET socket to %s: %s", ifc->name,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- send ---------------------------------------------------------- */

struct send_result {
	uint64_t frames, bytes, retries;
	double elapsed, cpu_s, cpu_sampled_s, user_s, sys_s;
	unsigned int cpus;
	double drain_s;			/* waiting for SIOCOUTQ to reach 0 */
	uint64_t window_waits;		/* times the receiver held us back */
	int error;			/* errno of a fatal send() error */
	bool undrained;
	bool interrupted;
	bool receiver_stalled;
};

/* Wait until the device released every frame of the socket. */
static bool drain_socket(int fd, double *waited)
{
	struct timespec ts = { 0, 200 * 1000 };
	double t0 = now_seconds();
	int outq;

	for (;;) {
		if (ioctl(fd, SIOCOUTQ, &outq) < 0 || outq <= 0)
			break;
		if (now_seconds() - t0 > DRAIN_TIMEOUT) {
			*waited = now_seconds() - t0;
			return false;
		}
		nanosleep(&ts, NULL);
	}
	*waited = now_seconds() - t0;
	return true;
}

/*
 * With a window: wait until the receiver lets frame seq go. Returns false
 * when the receiver's progress did not move for WINDOW_STALL seconds or a
 * signal came.
 */
static bool window_wait(const struct options *o, struct progress *pg,
			uint64_t seq, struct send_result *r,
			volatile sig_atomic_t *stop)
{
	uint64_t last = 0, now_progress;
	double since = 0;
	bool waited = false;

	for (;;) {
		now_progress = progress_load(pg);
		if (seq < now_progress + o->window)
			return true;
		if (*stop)
			return false;
		if (!waited || now_progress != last) {
			if (!waited)
				r->window_waits++;
			waited = true;
			last = now_progress;
			since = now_seconds();
		} else if (now_seconds() - since >= WINDOW_STALL) {
			errmsg("the receiver's progress did not move for %g s "
			       "(%llu frames sent, progress %llu)",
			       WINDOW_STALL, (unsigned long long)seq,
			       (unsigned long long)now_progress);
			r->receiver_stalled = true;
			return false;
		}
		progress_wait(pg, seq - o->window + 1, WINDOW_WAIT_MS);
	}
}

static void run_send(const struct options *o, const struct iface *ifc,
		     int fd, struct progress *pg, struct send_result *r,
		     volatile sig_atomic_t *stop)
{
	struct timespec backoff = { 0, 50 * 1000 };
	struct cpu_sample c0, c1;
	double t0, deadline;
	uint8_t *buf;
	uint64_t seq;
	ssize_t n;

	buf = aligned_alloc(64, (o->size + 63) & ~(uint64_t)63);
	if (!buf) {
		r->error = ENOMEM;
		return;
	}
	zcnet_frame_fill(buf, o->size, o->dst, ifc->mac, 0, o->pattern);

	cpu_sample(&c0);
	t0 = now_seconds();
	deadline = t0 + o->seconds;
	for (seq = 0; !o->frames || seq < o->frames; seq++) {
		if (*stop) {
			r->interrupted = true;
			break;
		}
		if (!o->frames && (seq & 63) == 0 && now_seconds() >= deadline)
			break;
		if (o->window && !window_wait(o, pg, seq, r, stop)) {
			r->interrupted = !r->receiver_stalled;
			break;
		}
		if (o->pattern == ZCNET_PATTERN_ZERO)
			zcnet_frame_set_seq(buf, o->size, seq, o->pattern);
		else
			zcnet_frame_fill(buf, o->size, o->dst, ifc->mac, seq,
					 o->pattern);
		for (;;) {
			n = send(fd, buf, o->size, 0);
			if (n == (ssize_t)o->size)
				break;
			if (n >= 0) {
				r->error = EMSGSIZE;
				goto out;
			}
			if (errno == EINTR && !*stop)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				/* queue full: the frame was not sent */
				r->retries++;
				nanosleep(&backoff, NULL);
				if (*stop)
					break;
				continue;
			}
			r->error = errno == EINTR ? 0 : errno;
			goto out;
		}
		if (n != (ssize_t)o->size) {
			r->interrupted = true;
			break;
		}
		r->frames++;
		r->bytes += o->size;
	}
out:
	r->undrained = !drain_socket(fd, &r->drain_s);
	r->elapsed = now_seconds() - t0;
	cpu_sample(&c1);
	r->cpu_s = cpu_busy_seconds(&c0, &c1);
	r->cpu_sampled_s = cpu_sampled_seconds(&c0, &c1);
	r->cpus = c1.cpus;
	process_cpu(&r->user_s, &r->sys_s);
	free(buf);
}

static bool send_ok(const struct options *o, const struct send_result *r)
{
	return !r->error && !r->undrained && !r->interrupted &&
	       !r->receiver_stalled && r->frames &&
	       (!o->frames || r->frames == o->frames);
}

static void print_send(const struct options *o, const struct iface *ifc,
		       const char *ns, const struct send_result *r, bool ok)
{
	double gib = (double)r->bytes / (double)(1ULL << 30);
	bool rates = r->elapsed > 0 && r->frames;
	unsigned int cpus = r->cpus;
	char src[18], dst[18], ebuf[32];

	format_mac(ifc->mac, src);
	format_mac(o->dst, dst);
	if (o->json) {
		printf("{\"tool\": \"zcnet-afp send\", \"method\": \"af_packet\", "
		       "\"iface\": ");
		json_string(stdout, ifc->name);
		printf(", \"netns\": ");
		json_string(stdout, ns);
		printf(", \"src\": \"%s\", \"dst\": \"%s\", \"frame_size\": %llu, "
		       "\"pattern\": \"%s\", \"frames\": %llu, \"bytes\": %llu, "
		       "\"seconds\": %.6f, ", src, dst,
		       (unsigned long long)o->size,
		       zcnet_frame_pattern_name(o->pattern),
		       (unsigned long long)r->frames,
		       (unsigned long long)r->bytes, r->elapsed);
		if (rates)
			printf("\"frames_per_s\": %.1f, \"gbit_per_s\": %.4f, ",
			       (double)r->frames / r->elapsed,
			       (double)r->bytes * 8 / r->elapsed / 1e9);
		else
			printf("\"frames_per_s\": null, \"gbit_per_s\": null, ");
		printf("\"enobufs_retries\": %llu, \"drain_seconds\": %.6f, "
		       "\"drained\": %s, ", (unsigned long long)r->retries,
		       r->drain_s, r->undrained ? "false" : "true");
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
		       "\"error\": ", r->user_s, r->sys_s);
		if (r->error)
			json_string(stdout, errno_name(r->error, ebuf,
						       sizeof(ebuf)));
		else
			printf("null");
		printf(", \"interrupted\": %s, \"receiver_stalled\": %s, "
		       "\"ok\": %s}\n", r->interrupted ? "true" : "false",
		       r->receiver_stalled ? "true" : "false",
		       ok ? "true" : "false");
		return;
	}
	printf(PROG " send: %s (ifindex %u, netns %s, %s) -> %s\n", ifc->name,
	       ifc->ifindex, ns, src, dst);
	printf("  frame size      %llu bytes, pattern %s, AF_PACKET SOCK_RAW "
	       "send()\n", (unsigned long long)o->size,
	       zcnet_frame_pattern_name(o->pattern));
	printf("  frames          %llu sent\n", (unsigned long long)r->frames);
	printf("  bytes           %llu (%.3f GiB)\n",
	       (unsigned long long)r->bytes, gib);
	printf("  elapsed         %.3f s (%.3f s of it waiting for the device "
	       "to release the last frames)\n", r->elapsed, r->drain_s);
	if (rates)
		printf("  rate            %.0f frames/s, %.3f Gbit/s\n",
		       (double)r->frames / r->elapsed,
		       (double)r->bytes * 8 / r->elapsed / 1e9);
	printf("  ENOBUFS retries %llu\n", (unsigned long long)r->retries);
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
	if (r->undrained)
		printf("  the device still held frames after %g s\n",
		       DRAIN_TIMEOUT);
	if (r->interrupted)
		printf("  interrupted by a signal\n");
	printf("  result          %s\n", ok ? "OK" : "FAILED");
}

static int cmd_send(const struct options *o, const struct iface *ifc,
		    const char *ns)
{
	volatile sig_atomic_t *stop = install_stop_signals();
	struct progress pg = { .fd = -1 };
	struct send_result r;
	bool ok;
	int fd, err;

	if (o->window) {
		err = progress_open(o->progress_path, &pg);
		if (err) {
			errmsg("cannot use progress file %s: %s",
			       o->progress_path, err == -EINVAL ?
			       "not written by zcnet-afp recv" :
			       strerror(-err));
			return EXIT_FAILED;
		}
	}
	fd = open_packet_socket();
	if (fd < 0) {
		progress_close(&pg);
		return EXIT_FAILED;
	}
	if (bind_packet_socket(fd, ifc, 0)) {
		close(fd);
		progress_close(&pg);
		return EXIT_FAILED;
	}
	memset(&r, 0, sizeof(r));
	run_send(o, ifc, fd, &pg, &r, stop);
	close(fd);
	progress_close(&pg);
	if (r.error == ENETDOWN)
		errmsg("send on %s: interface is down", ifc->name);
	else if (r.error == EMSGSIZE)
		errmsg("send on %s: a %llu-byte frame is too large", ifc->name,
		       (unsigned long long)o->size);
	else if (r.error)
		errmsg("send on %s failed: %s", ifc->name, strerror(r.error));
	ok = send_ok(o, &r);
	print_send(o, ifc, ns, &r, ok);
	return ok ? 0 : EXIT_FAILED;
}

/* ---- recv ---------------------------------------------------------- */

struct recv_state {
	const struct options *o;
	uint64_t frames;		/* every frame of our ethertype */
	uint64_t bytes;
	uint64_t good;			/* verified */
	uint64_t bad;
	uint64_t truncated;		/* part of bad */
	uint64_t out_of_range;		/* seq beyond what is tracked; bad */
	uint64_t unique;		/* distinct good seqs */
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t max_seq;		/* valid if unique */
	uint64_t *seen;			/* bitmap of good seqs */
	uint64_t seen_words;
	uint64_t seq_limit;
	unsigned int reported;
	double first_t, last_t;
	uint64_t kernel_packets, kernel_drops, freeze_q;
	bool stats_valid;
};

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
	memset(n + st->seen_words, 0,
	       (words - st->seen_words) * sizeof(*n));
	st->seen = n;
	st->seen_words = words;
	return true;
}

static void report_bad(struct recv_state *st, const char *why,
		       const struct zcnet_frame_check *c, size_t len)
{
	if (st->reported++ >= MAX_REPORTED) {
		if (st->reported == MAX_REPORTED + 1)
			errmsg("more bad frames; only the first %d are "
			       "described", MAX_REPORTED);
		return;
	}
	if (c && c->error == ZCNET_FRAME_ERR_PAYLOAD)
		errmsg("bad frame #%llu (seq %llu, %zu bytes): %s at byte %zu: "
		       "expected 0x%02x, got 0x%02x",
		       (unsigned long long)st->frames - 1,
		       (unsigned long long)c->seq, len, why, c->offset,
		       c->expected, c->got);
	else if (c)
		errmsg("bad frame #%llu (%zu bytes): %s at byte %zu",
		       (unsigned long long)st->frames - 1, len, why, c->offset);
	else
		errmsg("bad frame #%llu (%zu bytes): %s",
		       (unsigned long long)st->frames - 1, len, why);
}

static void handle_frame(struct recv_state *st, const uint8_t *data,
			 size_t snaplen, size_t len)
{
	struct zcnet_frame_check c;
	uint64_t seq, bit;

	st->frames++;
	st->bytes += len;
	if (snaplen < len) {
		st->bad++;
		st->truncated++;
		report_bad(st, "truncated by the receive ring", NULL, len);
		return;
	}
	if (zcnet_frame_verify(data, len, &c) >= 0) {
		st->bad++;
		report_bad(st, zcnet_frame_error_str(c.error), &c, len);
		return;
	}
	seq = c.seq;
	if (seq >= st->seq_limit || !seen_grow(st, seq)) {
		st->bad++;
		st->out_of_range++;
		errmsg("frame #%llu: seq %llu is beyond the %llu frames tracked",
		       (unsigned long long)st->frames - 1,
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

/* Frames expected but never seen. */
static uint64_t recv_lost(const struct recv_state *st)
{
	uint64_t range = st->unique ? st->max_seq + 1 : 0;

	if (st->o->frames > range)
		range = st->o->frames;
	return range > st->unique ? range - st->unique : 0;
}

static bool seq_seen(const struct recv_state *st, uint64_t seq)
{
	return seq / 64 < st->seen_words &&
	       (st->seen[seq / 64] >> (seq % 64) & 1);
}

/*
 * The first MAX_REPORTED runs of missing seqs in [0, range): their first
 * seq and length. Returns how many runs there are in all.
 */
static uint64_t missing_runs(const struct recv_state *st, uint64_t *first,
			     uint64_t *len, unsigned int *nreported)
{
	uint64_t range = st->unique ? st->max_seq + 1 : 0, seq, runs = 0;

	if (st->o->frames > range)
		range = st->o->frames;
	*nreported = 0;
	for (seq = 0; seq < range; seq++) {
		uint64_t start;

		if (seq_seen(st, seq))
			continue;
		start = seq;
		while (seq + 1 < range && !seq_seen(st, seq + 1))
			seq++;
		if (*nreported < MAX_REPORTED) {
			first[*nreported] = start;
			len[*nreported] = seq - start + 1;
			(*nreported)++;
		}
		runs++;
	}
	return runs;
}

static bool recv_ok(const struct recv_state *st)
{
	return st->unique && !st->bad && !st->duplicates && !recv_lost(st) &&
	       (!st->o->strict_order || !st->reordered) &&
	       (!st->o->frames || st->unique == st->o->frames);
}

static void print_recv(const struct options *o, const struct iface *ifc,
		       const char *ns, const struct recv_state *st,
		       const char *why, bool ok)
{
	double span = st->frames > 1 ? st->last_t - st->first_t : 0;
	uint64_t lost = recv_lost(st), first[MAX_REPORTED], len[MAX_REPORTED];
	uint64_t runs = 0;
	unsigned int nruns = 0, i;

	if (lost)
		runs = missing_runs(st, first, len, &nruns);

	if (o->json) {
		printf("{\"tool\": \"zcnet-afp recv\", \"iface\": ");
		json_string(stdout, ifc->name);
		printf(", \"netns\": ");
		json_string(stdout, ns);
		printf(", \"frames\": %llu, \"bytes\": %llu, \"verified\": %llu, "
		       "\"bad\": %llu, \"truncated\": %llu, "
		       "\"out_of_range\": %llu, \"unique\": %llu, "
		       "\"lost\": %llu, \"reordered\": %llu, "
		       "\"duplicates\": %llu, ",
		       (unsigned long long)st->frames,
		       (unsigned long long)st->bytes,
		       (unsigned long long)st->good,
		       (unsigned long long)st->bad,
		       (unsigned long long)st->truncated,
		       (unsigned long long)st->out_of_range,
		       (unsigned long long)st->unique,
		       (unsigned long long)lost,
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->duplicates);
		if (o->frames)
			printf("\"expected\": %llu, ",
			       (unsigned long long)o->frames);
		else
			printf("\"expected\": null, ");
		if (st->stats_valid)
			printf("\"kernel_packets\": %llu, \"kernel_drops\": %llu, ",
			       (unsigned long long)st->kernel_packets,
			       (unsigned long long)st->kernel_drops);
		else
			printf("\"kernel_packets\": null, \"kernel_drops\": null, ");
		printf("\"missing_runs\": %llu, \"first_missing\": [",
		       (unsigned long long)runs);
		for (i = 0; i < nruns; i++)
			printf("%s[%llu, %llu]", i ? ", " : "",
			       (unsigned long long)first[i],
			       (unsigned long long)len[i]);
		printf("], \"seconds\": %.6f, ", span);
		if (span > 0)
			printf("\"gbit_per_s\": %.4f, ",
			       (double)st->bytes * 8 / span / 1e9);
		else
			printf("\"gbit_per_s\": null, ");
		printf("\"stopped\": \"%s\", \"ok\": %s}\n", why,
		       ok ? "true" : "false");
		return;
	}
	printf(PROG " recv: %s (ifindex %u) in netns %s, stopped: %s\n",
	       ifc->name, ifc->ifindex, ns, why);
	printf("  frames          %llu received", (unsigned long long)st->frames);
	if (o->frames)
		printf(" of %llu expected", (unsigned long long)o->frames);
	printf("\n  bytes           %llu\n", (unsigned long long)st->bytes);
	printf("  verified        %llu byte-exact\n",
	       (unsigned long long)st->good);
	printf("  bad             %llu", (unsigned long long)st->bad);
	if (st->truncated || st->out_of_range)
		printf(" (%llu truncated, %llu seq out of range)",
		       (unsigned long long)st->truncated,
		       (unsigned long long)st->out_of_range);
	printf("\n  lost            %llu (seqs never seen)\n",
	       (unsigned long long)lost);
	if (runs) {
		printf("  missing         %llu runs:", (unsigned long long)runs);
		for (i = 0; i < nruns; i++)
			printf(" %llu+%llu", (unsigned long long)first[i],
			       (unsigned long long)len[i]);
		printf("%s\n", runs > nruns ? " ..." : "");
	}
	printf("  reordered       %llu\n", (unsigned long long)st->reordered);
	printf("  duplicates      %llu\n", (unsigned long long)st->duplicates);
	if (st->stats_valid)
		printf("  socket          %llu frames, %llu dropped by the "
		       "kernel (ring full)\n",
		       (unsigned long long)st->kernel_packets,
		       (unsigned long long)st->kernel_drops);
	if (span > 0)
		printf("  first to last   %.3f s, %.3f Gbit/s\n", span,
		       (double)st->bytes * 8 / span / 1e9);
	printf("  result          %s\n", ok ? "OK: every frame verified" :
	       "FAILED");
}

static int cmd_recv(const struct options *o, const struct iface *ifc,
		    const char *ns)
{
	volatile sig_atomic_t *stop = install_stop_signals();
	struct tpacket_req3 req;
	struct tpacket_stats_v3 stats;
	struct recv_state st;
	struct progress pg = { .fd = -1 };
	struct pollfd pfd;
	socklen_t slen;
	size_t ring_len;
	uint8_t *ring;
	unsigned int block = 0;
	const char *why = NULL;
	double t0, now, last_activity;
	int fd, v, rcvbuf = 0;
	bool ok;

	memset(&st, 0, sizeof(st));
	st.o = o;
	st.seq_limit = o->frames ? o->frames : SEQ_LIMIT;
	if (o->progress_path) {
		int err = progress_create(o->progress_path, &pg);

		if (err) {
			errmsg("cannot create progress file %s: %s",
			       o->progress_path, strerror(-err));
			return EXIT_FAILED;
		}
	}

	fd = open_packet_socket();
	if (fd < 0)
		return EXIT_FAILED;
	v = TPACKET_V3;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
		errmsg("PACKET_VERSION TPACKET_V3: %s", strerror(errno));
		goto fail;
	}
	v = RCVBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	slen = sizeof(rcvbuf);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &slen);

	memset(&req, 0, sizeof(req));
	req.tp_block_size = RX_BLOCK_SIZE;
	req.tp_block_nr = RX_BLOCK_NR;
	req.tp_frame_size = RX_FRAME_SIZE;
	req.tp_frame_nr = RX_BLOCK_SIZE / RX_FRAME_SIZE * RX_BLOCK_NR;
	req.tp_retire_blk_tov = RX_BLOCK_TOV_MS;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		errmsg("PACKET_RX_RING (%d MiB): %s",
		       (RX_BLOCK_SIZE >> 10) * RX_BLOCK_NR >> 10, strerror(errno));
		goto fail;
	}
	ring_len = (size_t)RX_BLOCK_SIZE * RX_BLOCK_NR;
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_LOCKED | MAP_POPULATE, fd, 0);
	if (ring == MAP_FAILED)
		ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (ring == MAP_FAILED) {
		errmsg("mapping the receive ring: %s", strerror(errno));
		goto fail;
	}
	/* Only now start receiving: the ring is ready. */
	if (bind_packet_socket(fd, ifc, ZCNET_FRAME_ETHERTYPE))
		goto fail_unmap;
	/* Statistics so far (none) are reset by reading them. */
	slen = sizeof(stats);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen);

	{
		char mac[18];

		format_mac(ifc->mac, mac);
		fprintf(stderr, PROG " recv: receiving ethertype 0x%04x on %s "
			"(ifindex %u, %s) in netns %s, ring %zu MiB, rcvbuf %d\n",
			ZCNET_FRAME_ETHERTYPE, ifc->name, ifc->ifindex, mac, ns,
			ring_len >> 20, rcvbuf);
	}

	t0 = now_seconds();
	last_activity = t0;
	while (!why) {
		struct tpacket_block_desc *bd = (struct tpacket_block_desc *)
			(ring + (size_t)block * RX_BLOCK_SIZE);
		struct tpacket3_hdr *h;
		uint32_t i, n;

		if (*stop) {
			why = "signal";
			break;
		}
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			now = now_seconds();
			if (o->seconds > 0 && now - t0 >= o->seconds) {
				why = "time limit";
				break;
			}
			if (now - last_activity >= o->idle) {
				why = "idle timeout";
				break;
			}
			pfd.fd = fd;
			pfd.events = POLLIN | POLLERR;
			pfd.revents = 0;
			if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR) {
				errmsg("poll: %s", strerror(errno));
				why = "error";
			}
			continue;
		}
		now = now_seconds();
		n = bd->hdr.bh1.num_pkts;
		h = (struct tpacket3_hdr *)((uint8_t *)bd +
					    bd->hdr.bh1.offset_to_first_pkt);
		for (i = 0; i < n; i++) {
			const struct sockaddr_ll *sll = (const void *)
				((uint8_t *)h +
				 TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));

			if (sll->sll_pkttype != PACKET_OUTGOING) {
				if (!st.frames)
					st.first_t = now;
				handle_frame(&st, (uint8_t *)h + h->tp_mac,
					     h->tp_snaplen, h->tp_len);
				if (o->frames && st.frames >= o->frames) {
					why = "frame count reached";
					break;
				}
			}
			h = (struct tpacket3_hdr *)((uint8_t *)h +
						    h->tp_next_offset);
		}
		if (n) {
			st.last_t = now;
			last_activity = now;
			if (pg.map && st.unique)
				progress_store(&pg, st.max_seq + 1);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		block = (block + 1) % RX_BLOCK_NR;
		if (!why && o->seconds > 0 && now - t0 >= o->seconds)
			why = "time limit";
	}

	slen = sizeof(stats);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen) == 0) {
		st.stats_valid = true;
		st.kernel_packets = stats.tp_packets;
		st.kernel_drops = stats.tp_drops;
	}
	munmap(ring, ring_len);
	close(fd);
	progress_close(&pg);
	ok = recv_ok(&st);
	print_recv(o, ifc, ns, &st, why, ok);
	free(st.seen);
	return ok ? 0 : EXIT_FAILED;

fail_unmap:
	munmap(ring, ring_len);
fail:
	close(fd);
	progress_close(&pg);
	return EXIT_FAILED;
}

/* The largest frame IFACE takes: MTU + 14, at most what frame_len holds. */
static uint64_t max_frame(const struct iface *ifc)
{
	uint64_t max = (uint64_t)ifc->mtu + ZCNET_FRAME_ETH_LEN;

	return max < ZCNET_FRAME_MAX_LEN ? max : ZCNET_FRAME_MAX_LEN;
}

int main(int argc, char **argv)
{
	struct options o;
	struct iface ifc;
	char ns[256];
	int err;

	util_prog = PROG;
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
	if (o.send && (o.size < 60 || o.size > max_frame(&ifc)))
		usage_error("frame size %llu is outside [60, %llu] for %s "
			    "(MTU %u, plus the 14-byte Ethernet header)",
			    (unsigned long long)o.size,
			    (unsigned long long)max_frame(&ifc), ifc.name,
			    ifc.mtu);
	netns_name(ns, sizeof(ns));
	return o.send ? cmd_send(&o, &ifc, ns) : cmd_recv(&o, &ifc, ns);
}
