// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-send: its options, methods and reports (the senders: traffic/). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

#define PROG		"zcnet-send"
#define MAX_TCP_SIZE	(1U << 20)

static struct tr_opts o = {
	.dst = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	.queue = ZCNET_QUEUE_ANY, .ring = 256, .copy_threshold = -1,
	.threshold_used = -1, .pattern = ZCNET_PATTERN_SEQ, .stall = 30,
	.method = "zcnet",
};
static struct sockaddr_storage target;
static bool ok;

static bool method_arg(const char *s, void *p)
{
	*(const char **)p = s;
	return !strcmp(s, "zcnet") || !strcmp(s, "afp");
}

static bool ipv4_arg(const char *s, void *p)
{
	return inet_pton(AF_INET, s, p) == 1 && *(uint32_t *)p;
}

static struct opt raw_opts[] = {
	OFN("method", 0, method_arg, &o.method, "zcnet|afp", "zcnet: zcnet "
	    "raw-frame zero-copy transmit (default);\nafp: a plain AF_PACKET "
	    "SOCK_RAW send() loop, which\nends when the device released every "
	    "frame", "method"),
	OSTR("iface", 'i', o.iface, "IFACE", "device to send on (this network "
	     "namespace)"),
	{ "dst", 'd', OPT_MAC, o.dst, 0, 0, 0, "MAC",
	  "destination MAC (default ff:ff:ff:ff:ff:ff)", NULL, NULL, false },
	ONUM("size", 's', o.size, 1, 1 << 20, "SIZE", "frame length "
	     "in bytes including the 14-byte\nEthernet header, 60..MTU+14 "
	     "(default 1500); with\n--gso the super-frame's, headers "
	     "included, at\nmost 65535 (default: the largest that fits)",
	     "frame size"),
	ONUM("frames", 'n', o.frames, 1, UINT64_C(1) << 47, "N",
	     "send N frames", "frame count (1..2^47)"),
	OSECS("time", 't', o.seconds, "SECONDS", "send for SECONDS (default 10 "
	      "when no -n)", "duration (seconds, > 0)"),
	ONUM("queue", 'q', o.queue, 0, UINT32_MAX - 1, "QUEUE", "zcnet: device "
	     "TX queue (default: any, picked\nby zcnet)", "queue"),
	{ "ring", 'r', OPT_RING, &o.ring, 0, 0, 0, "ENTRIES", "zcnet: TX and "
	  "completion ring entries, a power\nof two in " RING_RANGE " (default "
	  "256); one frame slot\neach", NULL, NULL, false },
	ONUM("slot-size", 0, o.slot_size, 64, 1 << 20, "N", "zcnet: bytes "
	     "between frame slots, a multiple of\n64 and at least SIZE "
	     "(default: the next power of\ntwo up to 4096, so frames stay in "
	     "one page)", "slot size (a multiple of 64)"),
	ONUM("copy-threshold", 0, o.copy_threshold, 0, 65535, "N", "zcnet: "
	     "frames of at most N bytes are copied\n(0..65535; default: the "
	     "module's tx_copy_threshold,\nor the larger of it and "
	     "tx_copy_threshold_strict on\na device behind a strict IOMMU)",
	     "copy threshold (0..65535)"),
	OFN("pattern", 0, opt_pattern, &o.pattern, "seq|zero", "payload: "
	    "per-frame pattern (default) or zeros\n(zeros skip rewriting the "
	    "payload)", "pattern (seq or zero)"),
	OFLAG("json", 'j', o.json, "print one JSON object instead of text"),
	OINTERVAL(o.interval),
	OSECS("linger", 0, o.linger, "SECONDS", "zcnet: keep the context open "
	      "this long after\nthe report (for zcnet-stat); SIGTERM ends it",
	      "linger time"),
	OSECS("stall-timeout", 0, o.stall, "S", "give up when no completion "
	      "arrives (or the\nreceiver's progress does not move) for S\n"
	      "seconds (default 30)", "stall timeout"),
	ONUM("window", 0, o.window, 1, UINT32_MAX, "N", "flow control: post "
	     "frame seq only while seq is", "window (frames, >= 1)"),
	OSTR("progress-file", 0, o.progress, "PATH", "below N + the progress "
	     "that 'zcnet-recv\n--progress-file PATH' on this machine "
	     "publishes"),
	ONUM("gso", 0, o.gso, 1, UINT16_MAX, "SIZE", "send super-frames with "
	     "a virtio_net_hdr\n(ZCNET_TX_VNET_HDR; afp: PACKET_VNET_HDR) "
	     "that\nleave as segments of SIZE bytes of payload", "segment "
	     "size (1..65535)"),
	OFN("proto", 0, opt_proto, &o.l4, "udp|tcp", "--gso: UDP datagrams "
	    "(USO, default) or a TCP\nstream without handshake (TSO)",
	    "protocol (udp or tcp)"),
	OFN("dst-ip", 0, ipv4_arg, &o.daddr, "IPV4", "--gso: the destination "
	    "address (required)", "IPv4 address"),
	OFN("src-ip", 0, ipv4_arg, &o.saddr, "IPV4", "--gso: the source "
	    "address (default: IFACE's)", "IPv4 address"),
	ONUM("port", 0, o.port, 1, 65535, "PORT", "--gso: the destination "
	     "port (default 9)", "port (1..65535)"),
	OEND
};

static const char raw_head[] =
"Usage: " PROG " -i IFACE [--method zcnet|afp] [-d DSTMAC] [-s SIZE]\n"
"                  [-n FRAMES | -t SECONDS] [-q QUEUE] [-r RING_ENTRIES]\n"
"                  [--copy-threshold N] [--pattern seq|zero] [-j]\n"
"                  [--interval SECONDS] [--linger SECONDS]\n"
"                  [--window N --progress-file PATH]\n"
"                  [--gso SIZE --dst-ip IPV4 [--proto udp|tcp]\n"
"                   [--src-ip IPV4] [--port PORT]]\n"
"Send test frames out of IFACE with zcnet raw-frame zero-copy transmit,\n"
"or with AF_PACKET as the baseline; with --gso, UDP or TCP super-frames.\n\n";

static const char raw_tail[] =
"\nFrames carry ethertype 0x88B5, a header with the frame number and a\n"
"pattern that zcnet-recv verifies byte by byte. CPU time is read from\n"
"/proc/stat for all CPUs (everything but idle and iowait) over the run.\n"
"With --gso each frame is one super-frame of Ethernet, IPv4 and UDP or\n"
"TCP with checksum offload (the pseudo-header sum seeded); its segments\n"
"carry datagrams that 'zcnet-recv --udp-listen' verifies, or the stream\n"
"of --tcp, sequence numbers running on, without a handshake.\n"
"Exit status: 0 when every frame was sent (zcnet: completed with its full\n"
"length), 1 on errors, 2 on bad arguments, 4 when the zcnet module has no\n"
"raw transmit (with --gso: no super-frames of that protocol).\n";

static bool target_arg(const char *s, void *p)
{
	(void)p;
	if (o.target_arg)
		usage_error("give one of --tcp and --udp, once");
	o.target_arg = s;
	if (!parse_hostport(s, &target, &o.target_len))
		usage_error("bad address '%s' (want HOST:PORT or "
			    "[V6ADDR]:PORT, numeric)", s);
	return true;
}

static bool udp_arg(const char *s, void *p)
{
	o.udp = true;
	return target_arg(s, p);
}

static struct opt sock_opts[] = {
	OFN("tcp", 0, target_arg, NULL, "HOST:PORT", "connect to HOST:PORT "
	    "(numeric, [v6]:port)", NULL),
	OFN("udp", 0, udp_arg, NULL, "HOST:PORT", "send datagrams to HOST:PORT",
	    NULL),
	ONUM("size", 's', o.size, 1, MAX_TCP_SIZE, "SIZE", "bytes per write: "
	     "TCP 1..1048576 (default\n65536), UDP 1..65507 (default 1472)",
	     "write size"),
	ONUM("writes", 'n', o.frames, 1, UINT64_C(1) << 40, "N",
	     "send N writes", "write count"),
	OSECS("time", 't', o.seconds, "SECONDS", "send for SECONDS (default 10 "
	      "when no -n)", "duration (seconds, > 0)"),
	{ "ring", 'r', OPT_RING, &o.ring, 0, 0, 0, "ENTRIES", "TX and "
	  "completion ring entries, a power of two\n(default 256); one buffer "
	  "each, at most 256 MiB", NULL, NULL, false },
	ONUM("copy-threshold", 0, o.copy_threshold, 0, 1 << 20, "N", "writes "
	     "of at most N bytes are copied\n(0..1048576; default: the "
	     "module's\nsock_copy_threshold)", "copy threshold (0..1048576)"),
	ONUM("sndbuf", 0, o.sndbuf, 1, 1 << 30, "BYTES", "SO_SNDBUF of the "
	     "socket", "send buffer size"),
	ONUM("gso", 0, o.gso, 1, ZCNET_UDP_GSO_MAX, "SIZE", "UDP: send each "
	     "write as a train of datagrams\nof SIZE bytes of payload "
	     "(ZCNET_TX_GSO), at most\n" OPT_STR_OF(UDP_GSO_MAX_SEGS)
	     " a train; -s then defaults to as many\nwhole segments as fit "
	     "in 65507 bytes", "segment size (1..65507)"),
	OFN("pattern", 0, opt_pattern, &o.pattern, "seq|zero", "payload: the "
	    "checked stream (default) or zeros", "pattern (seq or zero)"),
	OFLAG("json", 'j', o.json, "print one JSON object instead of text"),
	OINTERVAL(o.interval),
	OSECS("stall-timeout", 0, o.stall, "S", "give up when no completion "
	      "arrives for S\nseconds (default 30)", "stall timeout"),
	OEND
};

static const char sock_head[] =
"Usage: " PROG " --tcp HOST:PORT | --udp HOST:PORT [--gso SIZE] [-s SIZE]\n"
"                  [-n WRITES | -t SECONDS] [-r RING] [--copy-threshold N]\n"
"                  [--sndbuf BYTES] [--pattern seq|zero] [-j]\n"
"                  [--interval SECONDS]\n"
"Stream from registered memory through a TCP or UDP socket with zcnet\n"
"zero-copy socket sends.\n\n";

static const char sock_tail[] =
"\n'zcnet-recv --tcp-listen PORT' (or --udp-listen) verifies what arrives,\n"
"every datagram of a --gso train on its own; with TCP both print the same\n"
"checksum. Exit status: 0 when every write completed in order with its\n"
"full length, 1 otherwise, 2 on bad arguments, 4 when the zcnet module\n"
"has no socket sends (with --gso: no UDP GSO trains).\n";

static void sock_help(FILE *f)
{
	fputs(sock_head, f);
	opts_help(f, sock_opts);
	fputs(sock_tail, f);
}

static void raw_more(FILE *f)
{
	fputs(raw_tail + 1, f);
	fputc('\n', f);
	sock_help(f);
}

static void sock_more(FILE *f)
{
	fputs(sock_tail + 1, f);
}

/* -n or -t (default 10 s), not both. */
static void count_or_time(struct opt *t, const char *count)
{
	if (opts_seen(t, count) && opts_seen(t, "time"))
		usage_error("-n and -t exclude each other");
	if (!o.frames && !o.seconds)
		o.seconds = 10;
}

static int run(int (*send)(struct tr_opts *o, struct tr_result *r),
	       void (*report)(struct tr_opts *o, struct tr_result *r))
{
	struct tr_result *r = calloc(1, sizeof(*r));
	int rc;

	o.stop = install_stop_signals();
	if (!r) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}
	rc = send(&o, r);
	if (!rc && report)
		report(&o, r);
	free(r);
	return rc ? rc : ok ? 0 : EXIT_FAILED;
}

static void sock_report(struct tr_opts *op, struct tr_result *r)
{
	double secs = r->t1 - r->t0, gib = (double)r->bytes / (1ULL << 30);
	double cpu = cpu_busy_seconds(&r->c0, &r->c1);
	char t[80], sum[20], title[160], errs[512];
	struct rep p;

	(void)op;
	ok = !r->fatal && !r->stalled && r->frames == r->completions &&
	     r->completions == r->submitted && !r->out_of_order;
	format_hostport(o.target, t, sizeof(t));
	snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)r->checksum);
	if (o.gso)
		snprintf(title, sizeof(title), PROG ": UDP to %s, %llu-byte "
			 "trains of %u-byte datagrams", t,
			 (unsigned long long)o.size, o.gso);
	else
		snprintf(title, sizeof(title), PROG ": %s to %s, %llu-byte "
			 "writes", o.udp ? "UDP" : "TCP", t,
			 (unsigned long long)o.size);
	tr_errors_str(r, false, errs, sizeof(errs));
	rep_begin(&p, o.json ? REP_JSON_TIGHT : REP_TEXT, title);
	rep_str(&p, "mode", NULL, o.udp ? "udp" : "tcp");
	rep_str(&p, "target", NULL, t);
	rep_u64(&p, "size", NULL, o.size);
	rep_u64(&p, "gso_size", NULL, o.gso);
	rep_u64(&p, "writes", "writes", r->frames);
	if (o.gso)
		rep_u64(&p, "datagrams", "datagrams", r->frames *
			((o.size + o.gso - 1) / o.gso));
	rep_u64(&p, "bytes", "bytes", r->bytes);
	rep_num(&p, "seconds", "seconds", "%.6f", secs);
	rep_num(&p, "gbit_s", "Gbit/s", "%.4f",
		secs > 0 ? (double)r->bytes * 8 / secs / 1e9 : 0);
	rep_u64(&p, "copied", "copied", r->copied);
	rep_num(&p, "zerocopy_pct", "zero copy %", "%.2f", r->frames ? 100.0 *
		(double)(r->frames - r->copied) / (double)r->frames : 0);
	rep_u64(&p, "errors", NULL, tr_error_total(r));
	rep_str(&p, NULL, "errors", errs);
	rep_u64(&p, NULL, "bad results", r->short_results + r->other_errors);
	rep_u64(&p, NULL, "completions", r->completions);
	rep_u64(&p, NULL, "submitted", r->submitted);
	rep_u64(&p, "out_of_order", "out of order", r->out_of_order);
	rep_str(&p, "checksum", !o.udp && o.pattern == ZCNET_PATTERN_SEQ ?
		"checksum" : NULL, sum);
	rep_num(&p, "cpu_s", "CPU s (all CPUs)", "%.4f", cpu);
	rep_num(&p, "cpu_s_per_gib", "CPU s per GiB", "%.4f",
		gib > 0 && cpu >= 0 ? cpu / gib : -1);
	rep_u64(&p, "sock_resumes", "socket resumes", r->sock_resumes);
	rep_bool(&p, "ok", NULL, ok);
	if (r->stalled)
		rep_text(&p, "  STALLED: no completion for %g s\n", o.stall);
	rep_text(&p, "  result          %s\n", ok ? "OK" : "FAILED");
	rep_end(&p);
}

static int sock_main(int argc, char **argv)
{
	opts_parse(argc, argv, sock_opts, sock_head, sock_more);
	if (!o.target_arg)
		usage_error("no target given (--tcp or --udp)");
	count_or_time(sock_opts, "writes");
	if (o.gso && !o.udp)
		usage_error("--gso SIZE goes with --udp: it cuts UDP writes into "
			    "datagrams");
	if (!o.size && o.gso)
		o.size = (uint64_t)o.gso * (UDP_MAX_LEN / o.gso <
			  UDP_GSO_MAX_SEGS ? UDP_MAX_LEN / o.gso :
			  UDP_GSO_MAX_SEGS);
	if (!o.size)
		o.size = o.udp ? 1472 : 65536;
	if (o.udp && o.size > UDP_MAX_LEN)
		usage_error("a UDP write is at most %d bytes", UDP_MAX_LEN);
	if (o.gso && (o.size + o.gso - 1) / o.gso > UDP_GSO_MAX_SEGS)
		usage_error("a GSO train is at most %d segments: -s %llu is "
			    "%llu of --gso %u", UDP_GSO_MAX_SEGS,
			    (unsigned long long)o.size,
			    (unsigned long long)((o.size + o.gso - 1) / o.gso),
			    o.gso);
	o.target = &target;
	return run(tx_sock, sock_report);
}

static void raw_report(struct tr_opts *op, struct tr_result *r)
{
	bool zc = !strcmp(op->method, "zcnet");
	double secs = r->t1 - r->t0, gib = (double)r->bytes / (1ULL << 30);
	bool rates = secs > 0 && r->frames;
	char src[18], dst[18], ns[256], title[512], errs[4096];
	struct sf_spec sf;
	struct rep p;

	if (o.l4)
		tx_raw_sf_check(&o, o.ifc.mtu, &sf, errs, sizeof(errs));

	if (zc)
		ok = !r->fatal && !r->stalled && !r->receiver_stalled &&
		     !r->bad_cookies && !r->unknown_flags && !r->short_results &&
		     !tr_error_total(r) && !r->inflight &&
		     r->frames == r->submitted && r->frames &&
		     (!o.frames || r->frames == o.frames);
	else
		ok = !r->error && !r->undrained && !r->interrupted &&
		     !r->receiver_stalled && r->frames &&
		     (!o.frames || r->frames == o.frames);
	format_mac(o.ifc.mac, src);
	format_mac(o.dst, dst);
	netns_name(ns, sizeof(ns));
	snprintf(title, sizeof(title), PROG ": %s (ifindex %u, netns %s, %s) "
		 "-> %s, %s", o.ifc.name, o.ifc.ifindex, ns, src, dst,
		 zc ? "zcnet" : "AF_PACKET send()");
	rep_begin(&p, o.json ? REP_JSON : REP_TEXT, title);
	rep_str(&p, "tool", NULL, PROG);
	rep_str(&p, "method", NULL, zc ? "zcnet" : "af_packet");
	rep_str(&p, "iface", NULL, o.ifc.name);
	rep_str(&p, "netns", NULL, ns);
	rep_str(&p, "src", NULL, src);
	rep_str(&p, "dst", NULL, dst);
	rep_u64(&p, "frame_size", "frame size", o.size);
	if (o.l4) {
		rep_str(&p, "proto", "super-frames", o.l4 == IPPROTO_UDP ?
			"udp" : "tcp");
		rep_u64(&p, "gso_size", "segment payload", o.gso);
		rep_u64(&p, "segments", "segments", r->frames *
			sf_segments(&sf));
	}
	rep_str(&p, "pattern", "pattern", zcnet_frame_pattern_name(o.pattern));
	if (zc) {
		rep_u64(&p, "ring", "ring", o.ring);
		if (o.queue == ZCNET_QUEUE_ANY)
			rep_str(&p, "queue", "queue", "any");
		else
			rep_u64(&p, "queue", "queue", o.queue);
		rep_num(&p, "copy_threshold", "copy threshold", "%.0f",
			o.threshold_used < 0 ? NAN : (double)o.threshold_used);
		rep_bool(&p, "copy_threshold_default", "module's threshold",
			 o.copy_threshold < 0);
	}
	rep_u64(&p, "frames", "frames", r->frames);
	rep_u64(&p, "bytes", "bytes", r->bytes);
	if (zc) {
		rep_u64(&p, "submitted", "submitted", r->submitted);
		rep_u64(&p, "completions", "completions", r->completions);
	}
	rep_num(&p, "seconds", "elapsed s", "%.6f", secs);
	rep_num(&p, "frames_per_s", "frames/s", "%.1f",
		rates ? (double)r->frames / secs : NAN);
	rep_num(&p, "gbit_per_s", "Gbit/s", "%.4f",
		rates ? (double)r->bytes * 8 / secs / 1e9 : NAN);
	if (zc) {
		rep_u64(&p, "copied", "copied", r->copied);
		rep_num(&p, "zerocopy_share", "zero-copy share", "%.6f",
			r->completions ? (double)(r->completions - r->copied) /
			(double)r->completions : NAN);
		tr_errors_str(r, o.json, errs, sizeof(errs));
		rep_raw(&p, "errors", "errors", errs);
		rep_u64(&p, "error_total", NULL, tr_error_total(r));
		rep_u64(&p, "short_results", "short results", r->short_results);
		rep_u64(&p, "bad_cookies", "bad cookies", r->bad_cookies);
		rep_u64(&p, "unknown_cqe_flags", "unknown flags",
			r->unknown_flags);
		rep_u64(&p, "inflight_at_end", "in flight at end", r->inflight);
		rep_u64(&p, "kicks", "kicks", r->kicks);
	} else {
		rep_u64(&p, "enobufs_retries", "ENOBUFS retries", r->retries);
		rep_num(&p, "drain_seconds", "drain s", "%.6f", r->drain_s);
		rep_bool(&p, "drained", "drained", !r->undrained);
	}
	rep_num(&p, "window", "window", "%.0f", o.window ? (double)o.window :
		NAN);
	rep_u64(&p, "window_waits", "window waits", r->window_waits);
	tr_report_cpu(&p, r, gib);
	if (!zc && r->error)
		rep_str(&p, "error", "error", errno_name(r->error, errs, 32));
	else if (!zc)
		rep_raw(&p, "error", NULL, "null");
	rep_bool(&p, "interrupted", "interrupted", r->interrupted);
	if (zc)
		rep_bool(&p, "stalled", "stalled", r->stalled);
	rep_bool(&p, "receiver_stalled", "rcv stalled",
		 r->receiver_stalled);
	rep_bool(&p, "ok", NULL, ok);
	rep_text(&p, "  result          %s\n", ok ? "OK" : "FAILED");
	rep_end(&p);
	fflush(stdout);
}

/* Report while the context is still open, then keep it for --linger. */
static void finish(struct tr_opts *op, struct tr_result *r)
{
	raw_report(op, r);
	if (op->linger <= 0 || *op->stop)
		return;
	fprintf(stderr, PROG ": keeping the zcnet context open for %g s (pid "
		"%d); SIGTERM ends it\n", op->linger, (int)getpid());
	for (double end = now_seconds() + op->linger;
	     !*op->stop && now_seconds() < end;)
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
}

/* --gso: the super-frames' defaults and limits, before anything is sent. */
static void gso_setup(void)
{
	static const char *const gso_only[] = { "proto", "dst-ip", "src-ip",
		"port", NULL };
	struct sf_spec sf;
	char why[256];
	size_t h;

	if (!opts_seen(raw_opts, "gso")) {
		opts_forbid(raw_opts, gso_only, "goes with --gso SIZE");
		return;
	}
	if (!o.l4)
		o.l4 = IPPROTO_UDP;
	if (!o.daddr)
		usage_error("--gso needs --dst-ip IPV4, the super-frames' "
			    "destination");
	if (!o.port)
		o.port = 9;
	if (!o.saddr)
		o.saddr = iface_ipv4(o.iface);
	if (!o.saddr)
		usage_error("%s has no IPv4 address: give --src-ip", o.iface);
	h = sf_hdr_len(o.l4);
	if (!o.size) {
		o.size = SF_MAX_FRAME;
		if (o.l4 == IPPROTO_UDP &&
		    h + (uint64_t)o.gso * SF_USO_MAX_SEGS < o.size)
			o.size = h + (uint64_t)o.gso * SF_USO_MAX_SEGS;
	}
	if (tx_raw_sf_check(&o, o.ifc.mtu, &sf, why, sizeof(why)))
		usage_error("%s on %s", why, o.ifc.name);
}

int main(int argc, char **argv)
{
	static const char *const sock_modes[] = { "tcp", "udp", NULL };
	static const char *const zcnet_only[] = { "queue", "ring", "slot-size",
		"copy-threshold", "linger", NULL };
	util_prog = PROG;
	if (argv_has(argc, argv, sock_modes))
		return sock_main(argc, argv);
	opts_parse(argc, argv, raw_opts, raw_head, raw_more);
	if (!o.iface)
		usage_error("no interface given (-i IFACE)");
	count_or_time(raw_opts, "frames");
	if (o.slot_size % 64)
		usage_error("bad slot size '%llu' (a multiple of 64)",
			    (unsigned long long)o.slot_size);
	if (!o.window != !o.progress)
		usage_error("--window and --progress-file go together");
	if (strcmp(o.method, "zcnet"))
		opts_forbid(raw_opts, zcnet_only, "is for --method zcnet");
	iface_require(o.iface, &o.ifc);
	gso_setup();
	if (!o.size)
		o.size = 1500;
	if (!o.l4 && (o.size < 60 || o.size > iface_max_frame(&o.ifc)))
		usage_error("frame size %llu is outside [60, %llu] for %s (MTU "
			    "%u, plus the 14-byte Ethernet header)",
			    (unsigned long long)o.size,
			    (unsigned long long)iface_max_frame(&o.ifc),
			    o.ifc.name, o.ifc.mtu);
	if (o.slot_size && o.slot_size < o.size)
		usage_error("slot size %llu is smaller than the frame size %llu",
			    (unsigned long long)o.slot_size,
			    (unsigned long long)o.size);
	o.finish = finish;
	if (strcmp(o.method, "zcnet"))
		return run(tx_afp_send, raw_report);
	return run(tx_zcnet, NULL);
}
