// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: options, the method table, the measurement window and the
 * one-line report that scripts/bench-guest.sh collects.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PROG "zcnet-bench"

static const struct {
	const char *name;
	bench_method_fn fn;
	bool raw;
} methods[] = {
	{ "afp-sendto", bench_afp_sendto, true },
	{ "afp-txring", bench_afp_txring, true },
	{ "af-xdp", bench_xsk, true },
	{ "zcnet-raw", bench_zcnet_raw, true },
	{ "zcnet-raw-zc", bench_zcnet_raw_zc, true },
	{ "tcp-send", bench_tcp_send, false },
	{ "tcp-zerocopy", bench_tcp_zerocopy, false },
	{ "uring-sendzc", bench_uring_zc, false },
	{ "zcnet-sock", bench_zcnet_sock, false },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: " PROG " send METHOD [options]   one measured transfer\n"
"       " PROG " sink raw|tcp [options]  the receiving end\n"
"\n"
"  -i, --iface IFACE      raw: device to send on or receive from\n"
"  -d, --dst MAC          raw: destination MAC\n"
"  -s, --size BYTES       raw: frame length; TCP: bytes per write\n"
"  -t, --time SECONDS     how long to submit (default 3)\n"
"  -q, --queue N          raw: TX queue (default: any)\n"
"      --cpu N            pin to CPU N\n"
"      --stream K         raw: stream id, for several senders\n"
"      --streams N        sink raw: streams to track (default 1)\n"
"      --window N         raw: stay at most N frames ahead of the sink\n"
"      --progress PREFIX  raw: the sink's progress files (PREFIX.K)\n"
"      --start-file PATH  after setup, wait until PATH exists\n"
"      --peer IPV4        TCP: the sink's address\n"
"      --port N           TCP: the sink's port (default 5201)\n"
"      --inflight N       buffers or ring entries in flight\n"
"      --idle SECONDS     sink: stop after this long without data (1)\n"
"\nMethods:");
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		fprintf(f, " %s", methods[i].name);
	fprintf(f, "\n\nPrints one line 'result key=value ...' (send) or "
		"'sink key=value ...'.\nExit status: 0 ok, 1 failed, 2 usage, "
		"4 method unavailable here.\n");
}

enum {
	OPT_CPU = 256, OPT_STREAM, OPT_STREAMS, OPT_WINDOW, OPT_PROGRESS,
	OPT_START, OPT_PEER, OPT_PORT, OPT_INFLIGHT, OPT_IDLE,
};

static void parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "dst", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "queue", required_argument, NULL, 'q' },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "streams", required_argument, NULL, OPT_STREAMS },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "start-file", required_argument, NULL, OPT_START },
		{ "peer", required_argument, NULL, OPT_PEER },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "inflight", required_argument, NULL, OPT_INFLIGHT },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:s:t:q:h", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'd':
			if (!parse_mac(optarg, o->dst))
				usage_error("bad MAC '%s'", optarg);
			break;
		case 's':
			if (!parse_u64(optarg, 1, 1 << 24, &o->size))
				usage_error("bad size '%s'", optarg);
			break;
		case 't':
			if (!parse_seconds(optarg, 3600, &o->seconds))
				usage_error("bad time '%s'", optarg);
			break;
		case 'q':
			if (!parse_u64(optarg, 0, 255, &v))
				usage_error("bad queue '%s'", optarg);
			o->queue = (uint32_t)v;
			break;
		case OPT_CPU:
			if (!parse_u64(optarg, 0, CPU_SETSIZE - 1, &v))
				usage_error("bad CPU '%s'", optarg);
			o->cpu = (int)v;
			break;
		case OPT_STREAM:
			if (!parse_u64(optarg, 0, BENCH_MAX_STREAMS - 1, &v))
				usage_error("bad stream '%s'", optarg);
			o->stream = (uint32_t)v;
			break;
		case OPT_STREAMS:
			if (!parse_u64(optarg, 1, BENCH_MAX_STREAMS, &v))
				usage_error("bad stream count '%s'", optarg);
			o->streams = (uint32_t)v;
			break;
		case OPT_WINDOW:
			if (!parse_u64(optarg, 1, 1 << 20, &o->window))
				usage_error("bad window '%s'", optarg);
			break;
		case OPT_PROGRESS:
			o->progress = optarg;
			break;
		case OPT_START:
			o->start_file = optarg;
			break;
		case OPT_PEER:
			o->peer = optarg;
			break;
		case OPT_PORT:
			if (!parse_u64(optarg, 1, 65535, &v))
				usage_error("bad port '%s'", optarg);
			o->port = (uint16_t)v;
			break;
		case OPT_INFLIGHT:
			if (!parse_u64(optarg, 1, 32768, &v))
				usage_error("bad in-flight count '%s'", optarg);
			o->inflight = (uint32_t)v;
			break;
		case OPT_IDLE:
			if (!parse_seconds(optarg, 3600, &o->idle))
				usage_error("bad idle time '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			bad_option(c, argv);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->window && !o->progress)
		usage_error("--window needs --progress");
}

static void wait_start(const struct bench_opts *o);

void bench_begin(const struct bench_opts *o, struct bench_run *r)
{
	wait_start(o);
	cpu_sample(&r->c0);
	r->t0 = now_seconds();
}

void bench_end(struct bench_run *r)
{
	r->t1 = now_seconds();
	cpu_sample(&r->c1);
}

bool bench_time_up(const struct bench_opts *o, const struct bench_run *r,
		   double now)
{
	return now - r->t0 >= o->seconds;
}

void bench_unavailable(struct bench_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->unavailable, sizeof(r->unavailable), fmt, ap);
	va_end(ap);
}

static void wait_start(const struct bench_opts *o)
{
	struct timespec ts = { 0, 1000 * 1000 };

	if (!o->start_file)
		return;
	fprintf(stderr, PROG ": ready\n");
	while (access(o->start_file, F_OK) != 0)
		nanosleep(&ts, NULL);
}

/* Quotes and spaces would break the key=value line. */
static void clean_reason(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\n')
			*s = '\'';
}

static void report(const struct bench_opts *o, struct bench_run *r, int rc)
{
	long hz = sysconf(_SC_CLK_TCK);

	printf("result method=%s size=%llu queue=%d stream=%u", o->method,
	       (unsigned long long)o->size,
	       o->queue == UINT32_MAX ? -1 : (int)o->queue, o->stream);
	if (r->unavailable[0]) {
		clean_reason(r->unavailable);
		printf(" status=unavailable reason=\"%s\"\n", r->unavailable);
		return;
	}
	printf(" status=%s frames=%llu bytes=%llu completions=%llu copied=%llu"
	       " errors=%llu t0=%.6f t1=%.6f seconds=%.6f",
	       rc ? "failed" : "ok", (unsigned long long)r->frames,
	       (unsigned long long)r->bytes,
	       (unsigned long long)r->completions,
	       (unsigned long long)r->copied, (unsigned long long)r->errors,
	       r->t0, r->t1, r->t1 - r->t0);
	if (r->c0.valid && r->c1.valid)
		printf(" cpus=%u hz=%ld idle0=%llu idle1=%llu cpu_s=%.4f",
		       r->c1.cpus, hz, (unsigned long long)r->c0.ticks_idle,
		       (unsigned long long)r->c1.ticks_idle,
		       cpu_busy_seconds(&r->c0, &r->c1));
	printf(" lat_p50_us=%.2f lat_p99_us=%.2f lat_n=%zu",
	       lat_quantile(&r->lat, 0.5), lat_quantile(&r->lat, 0.99),
	       r->lat.n);
	if (r->peer_known)
		printf(" peer_bytes=%llu", (unsigned long long)r->peer_bytes);
	printf("\n");
}

static int run_send(int argc, char **argv, struct bench_opts *o)
{
	struct bench_run r;
	bench_method_fn fn = NULL;
	cpu_set_t set;
	size_t i;
	int rc;

	if (argc < 3)
		usage_error("send needs a method");
	o->method = argv[2];
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, o->method) == 0)
			fn = methods[i].fn;
	if (!fn)
		usage_error("unknown method '%s'", o->method);
	optind = 3;
	parse(argc, argv, o);
	if (!o->size)
		usage_error("-s SIZE is required");
	if (o->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			errmsg("cannot pin to CPU %d: %s", o->cpu,
			       strerror(errno));
	}
	memset(&r, 0, sizeof(r));
	rc = fn(o, &r);
	if (!rc && r.peer_known && r.peer_bytes != r.bytes) {
		errmsg("the sink read %llu bytes, %llu were sent",
		       (unsigned long long)r.peer_bytes,
		       (unsigned long long)r.bytes);
		rc = -1;
	}
	report(o, &r, rc);
	lat_free(&r.lat);
	if (r.unavailable[0])
		return EXIT_UNSUPPORTED;
	return rc ? EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;

	util_prog = PROG;
	memset(&o, 0, sizeof(o));
	memset(o.dst, 0xff, sizeof(o.dst));
	o.seconds = 3;
	o.queue = UINT32_MAX;
	o.cpu = -1;
	o.streams = 1;
	o.port = 5201;
	o.idle = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "send") == 0)
		return run_send(argc, argv, &o);
	if (strcmp(argv[1], "sink") != 0 || argc < 3)
		usage_error("want 'send METHOD' or 'sink raw|tcp'");
	optind = 3;
	parse(argc, argv, &o);
	if (strcmp(argv[2], "raw") == 0)
		return bench_sink_raw(&o) ? EXIT_FAILED : 0;
	if (strcmp(argv[2], "tcp") == 0)
		return bench_sink_tcp(&o) ? EXIT_FAILED : 0;
	usage_error("unknown sink '%s'", argv[2]);
}

