// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench: options, the method table and the one-line report. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/zcnet.h>

#include "bench.h"
#include "frame.h"

#define PROG "zcnet-bench"

/*
 * conns: TCP connections at once unless --conns says (the case of many
 * connections); gso: the segment size each UDP send gives unless --gso
 * says (the case of UDP_SEGMENT per send).
 */
#define TAKES_CONNS	1U	/* --conns: TCP connections at once */
#define TAKES_GSO	2U	/* --gso: UDP trains, super-frames' segments */
#define TAKES_VNET	4U	/* --proto: super-frames, virtio_net_hdr */

static const struct {
	const char *name;
	int (*fn)(struct tr_opts *o, struct tr_result *r);
	bool raw;
	int64_t copy_threshold;
	uint32_t conns, gso;
	unsigned int takes;	/* TAKES_*: options that apply */
} methods[] = {
	{ "afp-sendto", tx_afp_send, true, -1, 0, 0, 0 },
	{ "afp-txring", tx_afp_txring, true, -1, 0, 0, 0 },
	{ "af-xdp", bench_xsk, true, -1, 0, 0, 0 },
	{ "zcnet-raw", tx_zcnet, true, -1, 0, 0, 0 },
	{ "zcnet-raw-zc", tx_zcnet, true, 0, 0, 0, 0 },
	{ "tcp-send", tx_tcp_send, false, -1, 0, 0, 0 },
	{ "tcp-zerocopy", tx_tcp_zerocopy, false, -1, 0, 0, TAKES_CONNS },
	{ "tcp-sendfile", tx_tcp_sendfile, false, -1, 0, 0, 0 },
	{ "uring-sendzc", bench_uring_zc, false, -1, 0, 0, TAKES_CONNS },
	{ "zcnet-sock", tx_sock, false, -1, 0, 0, TAKES_CONNS },
	{ "udp-sendmmsg", tx_udp_sendmmsg, false, -1, 0, 0, TAKES_GSO },
	{ "udp-zerocopy", tx_udp_zerocopy, false, -1, 0, 0, TAKES_GSO },
	{ "zcnet-udp", tx_udp_zcnet, false, -1, 0, 0, TAKES_GSO },
	{ "conns-zerocopy", tx_tcp_zerocopy, false, -1, 256, 0, TAKES_CONNS },
	{ "conns-uring", bench_uring_zc, false, -1, 256, 0, TAKES_CONNS },
	{ "zcnet-conns", tx_sock, false, -1, 256, 0, TAKES_CONNS },
	{ "gso-sendmsg", tx_udp_sendmmsg, false, -1, 0, UDP_GSO_SEGMENT, TAKES_GSO },
	{ "gso-zerocopy", tx_udp_zerocopy, false, -1, 0, UDP_GSO_SEGMENT, TAKES_GSO },
	{ "zcnet-gso", tx_udp_zcnet, false, -1, 0, UDP_GSO_SEGMENT, TAKES_GSO },
	{ "afp-vnet", tx_afp_send, true, -1, 0, 0, TAKES_GSO | TAKES_VNET },
	{ "zcnet-vnet", tx_zcnet, true, -1, 0, 0, TAKES_GSO | TAKES_VNET },
};

static volatile sig_atomic_t never;
static struct tr_opts o = {
	.dst = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, .seconds = 3,
	.queue = UINT32_MAX, .port = 5201, .copy_threshold = -1,
	.threshold_used = -1, .pattern = ZCNET_PATTERN_ZERO, .stall = 30,
	.bench = true, .stop = &never,
};
static uint32_t cpu = UINT32_MAX, stream, streams = 1, busy_usec = 1000;
static uint64_t min_bytes;
static double idle = 1;
static struct bench_extra rx_x;

static struct opt opts[] = {
	OSTR("iface", 'i', o.iface, "IFACE", "raw: device to send on or "
	     "receive from"),
	{ "dst", 'd', OPT_MAC, o.dst, 0, 0, 0, "MAC", "raw: destination MAC",
	  NULL, NULL, false },
	ONUM("size", 's', o.size, 1, 1 << 24, "BYTES", "raw: frame length; "
	     "TCP: bytes per write;\nUDP: bytes per send, GSO trains of "
	     OPT_STR_OF(UDP_GSO_SEGMENT) " above that", "size"),
	{ "time", 't', OPT_SECS, &o.seconds, 0, 0, 3600, "SECONDS", "how long "
	  "to submit (default 3)", "time", NULL, false },
	ONUM("queue", 'q', o.queue, 0, 255, "N", "raw: TX queue (default: "
	     "any)", "queue"),
	ONUM("cpu", 0, cpu, 0, CPU_SETSIZE - 1, "N", "pin to CPU N", "CPU"),
	ONUM("stream", 0, stream, 0, BENCH_MAX_STREAMS - 1, "K", "raw: stream "
	     "id, for several senders", "stream"),
	ONUM("streams", 0, streams, 1, BENCH_MAX_STREAMS, "N", "sink raw: "
	     "streams to track (default 1)", "stream count"),
	ONUM("window", 0, o.window, 1, 1 << 20, "N", "raw: stay at most N "
	     "frames ahead of the sink", "window"),
	OSTR("progress", 0, o.progress, "PREFIX", "raw: the sink's progress "
	     "files (PREFIX.K)"),
	OSTR("start-file", 0, o.start_file, "PATH", "after setup, wait until "
	     "PATH exists"),
	OSTR("peer", 0, o.peer, "IPV4", "TCP, UDP, gen udp: the sink's address"),
	ONUM("port", 0, o.port, 1, 65535, "N", "TCP, UDP: the sink's port "
	     "(default 5201)", "port"),
	ONUM("inflight", 0, o.ring, 1, 32768, "N", "buffers or ring entries "
	     "in flight (all connections);\nudp-sendmmsg: datagrams per call "
	     "(32; with --gso 1)", "in-flight count"),
	ONUM("conns", 0, o.conns, 1, 65535, "N", "TCP: N connections at once "
	     "(conns-* and\nzcnet-conns: 256), 2 buffers each; sink tcp: "
	     "take N", "connection count"),
	ONUM("gso", 0, o.gso, 1, 65507, "SIZE", "UDP: each send a train of "
	     "SIZE-byte datagrams by\nits own UDP_SEGMENT or ZCNET_TX_GSO "
	     "(gso-* and\nzcnet-gso: " OPT_STR_OF(UDP_GSO_SEGMENT) ")",
	     "segment size"),
	{ "idle", 0, OPT_SECS, &idle, 0, 0, 3600, "SECONDS", "sink, recv: stop "
	  "after this long without data (1)", "idle time", NULL, false },
	ONUM("frames", 'n', o.frames, 1, UINT64_C(1) << 40, "N", "gen: send N "
	     "frames (not for -t); recv: stop\nafter N, count those of "
	     "0..N-1 missing as lost", "frame count"),
	ONUM("rate", 0, rx_x.rate, 1, UINT64_C(1) << 32, "N", "gen: at most N "
	     "frames per second (default: unpaced)", "rate"),
	OFN("pattern", 0, opt_pattern, &o.pattern, "seq|zero", "gen: the "
	    "payload (default zero)", "pattern"),
	ONUM("busy-poll", 0, busy_usec, 1, ZCNET_BUSY_POLL_USEC_MAX, "USEC",
	     "ping zcnet-rx-busypoll: busy-poll for up to USEC\n(default 1000)",
	     "busy-poll time"),
	ONUM("flows", 0, rx_x.flows, 1, BENCH_MAX_FLOWS, "N", "gen udp: send "
	     "from N source ports in turn, a\nbatch each (default 1)",
	     "flow count"),
	ONUM("rx-queues", 0, rx_x.queues, 1, BENCH_MAX_RXQ, "N", "recv "
	     "zcnet-rxq: one context per RX queue\n0..N-1, served by one "
	     "thread (default 1)", "RX queue count"),
	OFLAG("xdp-generic", 0, rx_x.xdp_generic, "recv af-xdp-copy: generic "
	      "XDP only"),
	OFN("proto", 0, opt_proto, &o.l4, "udp|tcp", "*-vnet, sink vnet: UDP "
	    "(USO, default) or TCP\n(TSO) super-frames of -s bytes to --peer "
	    "--port,\nsegments of --gso bytes (1472, TCP 1460)", "protocol "
	    "(udp or tcp)"),
	OFLAG("until-eof", 0, o.until_eof, "sink raw: stop when standard input "
	      "ends\nand no frame came for 0.1 s (for remote); get: start "
	      "at\nits first byte, stop at its end"),
	ONUM("min-bytes", 0, min_bytes, 0, UINT64_C(1) << 50, "BYTES", "get: "
	     "go on past the stop until BYTES of\nbodies are read (default 0)",
	     "byte count"),
	OEND
};

static const char head[] =
"Usage: " PROG " send METHOD [options]   one measured transfer\n"
"       " PROG " sink raw|tcp|udp|vnet [options]  the receiving end\n"
"       " PROG " recv METHOD [options]   one measured receive\n"
"       " PROG " gen raw|udp [options]   test frames for recv\n"
"       " PROG " ping METHOD [options]   round trips to echo: afp, zcnet-rx,\n"
"                                     zcnet-rx-busypoll\n"
"       " PROG " echo [options]          send test frames back\n"
"       " PROG " get [options]           HTTP load: GET /SIZE from --peer\n"
"       " PROG " serve [--port N]        run sinks for remote (default 5200)\n"
"       " PROG " remote IPV4[:PORT] sink|gen|get|zcnet-recv ...\n"
"                                     one of those on that host's serve\n\n";

static void more_help(FILE *f)
{
	fprintf(f, "Methods:");
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		fprintf(f, " %s", methods[i].name);
	fprintf(f, "\nReceive methods: zcnet afp-tpacket-v3 af-xdp-copy "
		"udp-recvmmsg zcnet-rxq\n\n"
		"recv verifies every frame and measures CPU from the start "
		"file (or the\nfirst frame) to the last frame; it ends after "
		"--idle without a frame\n(or -n, -t). Raw methods take -i; "
		"udp-recvmmsg listens on --port, its\n-s being the datagram "
		"size; zcnet-rxq takes the same datagrams on -i with\n"
		"zcnet contexts (--rx-queues). Lost frames are counted, not "
		"failures.\n"
		"gen raw -i IFACE -d MAC sends test frames with sendmmsg; gen "
		"udp --peer\nIPV4 --port N sends datagrams of -s bytes (each a "
		"test frame without\nits Ethernet header); both for -t or -n, "
		"paced by --rate.\n\n"
		"afp-vnet and zcnet-vnet send super-frames (-s bytes with the "
		"headers,\n--proto, --gso) from IFACE's address to --peer "
		"--port; sink vnet -i\nIFACE (promiscuous) checks and counts "
		"their segments.\n\n"
		"Prints one line 'result key=value ...' (send), 'sink ...', "
		"'recv ...'\nor 'gen ...'. syscalls= counts the system calls "
		"made in the measured\nspan. The UDP sink ends after --idle "
		"seconds without data and counts\ndatagrams and bytes; a UDP "
		"sender reports what it sent.\nExit status: 0 ok, 1 failed, "
		"2 usage, 4 method unavailable here.\n\n"
		"get: --conns (1) keep-alive connections to --peer --port each "
		"fetch\n/SIZE (-s) over and over for -t seconds, or from the "
		"first byte on\nstandard input to its end (--until-eof), "
		"checking status 200 and\nContent-Length; prints 'get "
		"requests=N bytes=B ...'.\n");
}

void bench_unavailable(struct tr_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->unavailable, sizeof(r->unavailable), fmt, ap);
	va_end(ap);
}

static void report(struct tr_result *r, int rc)
{
	struct rep p;
	char reason[300];

	rep_begin(&p, REP_KV, "result");
	rep_str(&p, "method", NULL, o.method);
	rep_u64(&p, "size", NULL, o.size);
	rep_num(&p, "queue", NULL, "%.0f", o.queue == UINT32_MAX ? -1 :
		(double)o.queue);
	rep_u64(&p, "stream", NULL, stream);
	if (o.conns > 1)
		rep_u64(&p, "conns", NULL, o.conns);
	if (o.gso)
		rep_u64(&p, "gso", NULL, o.gso);
	if (o.l4)
		rep_str(&p, "proto", NULL, o.l4 == IPPROTO_UDP ? "udp" : "tcp");
	if (r->unavailable[0]) {
		/* quotes and newlines would break the key=value line */
		for (char *s = r->unavailable; *s; s++)
			if (*s == '"' || *s == '\n')
				*s = '\'';
		snprintf(reason, sizeof(reason), "\"%s\"", r->unavailable);
		rep_str(&p, "status", NULL, "unavailable");
		rep_raw(&p, "reason", NULL, reason);
		rep_end(&p);
		return;
	}
	rep_str(&p, "status", NULL, rc ? "failed" : "ok");
	rep_u64(&p, "frames", NULL, r->frames);
	rep_u64(&p, "bytes", NULL, r->bytes);
	rep_u64(&p, "completions", NULL, r->completions);
	rep_u64(&p, "copied", NULL, r->copied);
	rep_u64(&p, "errors", NULL, r->errors + r->short_results +
		r->bad_cookies);
	rep_num(&p, "t0", NULL, "%.6f", r->t0);
	rep_num(&p, "t1", NULL, "%.6f", r->t1);
	rep_num(&p, "seconds", NULL, "%.6f", r->t1 - r->t0);
	if (r->c0.valid && r->c1.valid) {
		rep_u64(&p, "cpus", NULL, r->c1.cpus);
		bool ns = r->c0.ns_idle && r->c1.ns_idle >= r->c0.ns_idle;

		/* combined runs compute busy time from these */
		rep_u64(&p, "hz", NULL, ns ? 1000000000 :
			(uint64_t)sysconf(_SC_CLK_TCK));
		rep_u64(&p, "idle0", NULL, ns ? r->c0.ns_idle :
			r->c0.ticks_idle);
		rep_u64(&p, "idle1", NULL, ns ? r->c1.ns_idle :
			r->c1.ticks_idle);
		rep_num(&p, "cpu_s", NULL, "%.4f",
			cpu_busy_seconds(&r->c0, &r->c1));
	}
	rep_num(&p, "lat_p50_us", NULL, "%.2f", lat_quantile(&r->lat, 0.5));
	rep_num(&p, "lat_p99_us", NULL, "%.2f", lat_quantile(&r->lat, 0.99));
	rep_u64(&p, "lat_n", NULL, r->lat.n);
	rep_u64(&p, "syscalls", NULL, r->syscalls);
	if (r->peer_known)
		rep_u64(&p, "peer_bytes", NULL, r->peer_bytes);
	rep_end(&p);
}

/* *-vnet: super-frames from IFACE's address to --peer. */
static void vnet_setup(void)
{
	if (!o.l4)
		o.l4 = IPPROTO_UDP;
	if (!o.iface)
		usage_error("-i IFACE is required");
	iface_require(o.iface, &o.ifc);
	if (!o.peer || inet_pton(AF_INET, o.peer, &o.daddr) != 1)
		usage_error("--peer IPV4 is required: the super-frames' "
			    "destination");
	o.saddr = iface_ipv4(o.iface);
	if (!o.saddr)
		usage_error("%s has no IPv4 address", o.iface);
	if (!o.gso)
		o.gso = sf_max_gso(o.l4, 1500);
}

/* Options that only one command and method read are refused elsewhere. */
static void refuse_ignored(const char *cmd, const char *what)
{
	if (opts_seen(opts, "flows") &&
	    (strcmp(cmd, "gen") || strcmp(what, "udp")))
		usage_error("--flows is for 'gen udp' only");
	if (opts_seen(opts, "rx-queues") &&
	    (strcmp(cmd, "recv") || strcmp(what, "zcnet-rxq")))
		usage_error("--rx-queues is for 'recv zcnet-rxq' only");
	if (opts_seen(opts, "min-bytes") && strcmp(cmd, "get"))
		usage_error("--min-bytes is for 'get' only");
}

static int run_send(int argc, char **argv)
{
	static char progress[512];
	struct tr_result *r;
	size_t i, m = sizeof(methods) / sizeof(methods[0]);
	cpu_set_t set;
	int rc;

	if (argc < 3)
		usage_error("send needs a method");
	o.method = argv[2];
	for (i = 0; i < m && strcmp(methods[i].name, o.method); i++)
		;
	if (i == m)
		usage_error("unknown method '%s'", o.method);
	optind = 3;
	opts_parse(argc, argv, opts, head, more_help);
	refuse_ignored("send", o.method);
	if (!o.size)
		usage_error("-s SIZE is required");
	if (o.window && !o.progress)
		usage_error("--window needs --progress");
	if (cpu != UINT32_MAX) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			errmsg("cannot pin to CPU %u: %s", cpu, strerror(errno));
	}
	if (o.window) {
		snprintf(progress, sizeof(progress), "%s.%u", o.progress, stream);
		o.progress = progress;
	}
	o.seq_base = (uint64_t)stream << BENCH_STREAM_SHIFT;
	o.copy_threshold = methods[i].copy_threshold;
	if (opts_seen(opts, "conns") && !(methods[i].takes & TAKES_CONNS))
		usage_error("method '%s' does not take --conns", o.method);
	if (opts_seen(opts, "gso") && !(methods[i].takes & TAKES_GSO))
		usage_error("method '%s' does not take --gso", o.method);
	if (!opts_seen(opts, "conns"))
		o.conns = methods[i].conns;
	if (!opts_seen(opts, "gso"))
		o.gso = methods[i].gso;
	if (o.conns > 1 && !o.ring)
		o.ring = o.conns * 2;
	if (methods[i].takes & TAKES_VNET)
		vnet_setup();
	else if (opts_seen(opts, "proto"))
		usage_error("method '%s' does not take --proto", o.method);
	if (!strncmp(o.method, "zcnet-raw", 9) || o.l4) {
		o.ring = o.ring ? o.ring : o.l4 ? 16 : 256;
		if (o.size > 4096)	/* larger frames start on a page */
			o.slot_size = (o.size + (o.l4 ? SF_VNET_LEN : 0) +
				       4095) & ~(uint64_t)4095;
	} else if (!strncmp(o.method, "zcnet-", 6) && !o.ring) {
		o.ring = (uint32_t)((4u << 20) / o.size);
		o.ring = o.ring < 8 ? 8 : o.ring > 256 ? 256 : o.ring;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return EXIT_FAILED;
	rc = methods[i].fn(&o, r);
	if (r->fatal || r->stalled || r->receiver_stalled)
		rc = -1;
	if (!rc && r->peer_known && r->peer_bytes != r->bytes) {
		errmsg("the sink read %llu bytes, %llu were sent",
		       (unsigned long long)r->peer_bytes,
		       (unsigned long long)r->bytes);
		rc = -1;
	}
	report(r, rc);
	lat_free(&r->lat);
	rc = r->unavailable[0] ? EXIT_UNSUPPORTED : rc ? EXIT_FAILED : 0;
	free(r);
	return rc;
}

int main(int argc, char **argv)
{
	util_prog = PROG;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(head, argc < 2 ? stderr : stdout);
		opts_help(argc < 2 ? stderr : stdout, opts);
		more_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "send"))
		return run_send(argc, argv);
	if (!strcmp(argv[1], "remote"))
		return bench_remote(argc, argv);
	if (!strcmp(argv[1], "serve")) {
		optind = 2;
		opts_parse(argc, argv, opts, head, more_help);
		refuse_ignored("serve", "");
		return bench_serve(opts_seen(opts, "port") ? o.port : 0);
	}
	if (!strcmp(argv[1], "get")) {
		optind = 2;
		opts_parse(argc, argv, opts, head, more_help);
		refuse_ignored("get", "");
		return bench_get(&o, min_bytes);
	}
	if (!strcmp(argv[1], "echo")) {
		optind = 2;
		opts_parse(argc, argv, opts, head, more_help);
		refuse_ignored("echo", "");
		if (!o.iface)
			usage_error("-i IFACE is required");
		iface_require(o.iface, &o.ifc);
		return bench_echo(&o) ? EXIT_FAILED : 0;
	}
	if ((strcmp(argv[1], "sink") && strcmp(argv[1], "recv") &&
	     strcmp(argv[1], "gen") && strcmp(argv[1], "ping")) || argc < 3)
		usage_error("want 'send METHOD', 'sink raw|tcp|udp|vnet', "
			    "'recv METHOD', 'gen raw|udp', 'ping METHOD' "
			    "or 'echo'");
	optind = 3;
	opts_parse(argc, argv, opts, head, more_help);
	refuse_ignored(argv[1], argv[2]);
	rx_x.idle = idle;
	if (!strcmp(argv[1], "recv")) {
		o.method = argv[2];
		o.seconds = opts_seen(opts, "time") ? o.seconds : 0;
		return bench_recv(&o, &rx_x);
	}
	if (!strcmp(argv[1], "gen"))
		return bench_gen(&o, &rx_x, argv[2]);
	if (!strcmp(argv[1], "ping")) {
		o.method = argv[2];
		if (!o.iface)
			usage_error("-i IFACE is required");
		iface_require(o.iface, &o.ifc);
		if (!o.size)
			o.size = 64;
		if (o.size < 60 || o.size > PING_MAX_SIZE)
			usage_error("-s %llu: ping frames are 60..%d bytes",
				    (unsigned long long)o.size, PING_MAX_SIZE);
		return bench_ping(&o, busy_usec) ? EXIT_FAILED : 0;
	}
	if (!strcmp(argv[2], "raw"))
		return sink_bench_raw(&o, streams, idle) ? EXIT_FAILED : 0;
	if (!strcmp(argv[2], "tcp"))
		return sink_bench_tcp(&o) ? EXIT_FAILED : 0;
	if (!strcmp(argv[2], "udp"))
		return sink_bench_udp(&o, idle) ? EXIT_FAILED : 0;
	if (!strcmp(argv[2], "vnet"))
		return sink_bench_vnet(&o, idle) ? EXIT_FAILED : 0;
	usage_error("unknown sink '%s'", argv[2]);
}
