// SPDX-License-Identifier: GPL-2.0-only
/* The receiving ends of zcnet-send --tcp/--udp: zcnet-recv --*-listen. */
/*
 * zcnet-recv --tcp-listen: one connection, every byte checked against the
 * stream and summed into the checksum the sender prints too; --udp-listen:
 * every datagram checked on its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "traffic.h"

#define SINK_BUF	(256U << 10)
#define DEFAULT_IDLE	10.0

struct kopts {
	bool udp;
	const char *addr_arg;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t dgrams;		/* UDP: stop after N; 0: when idle */
	double idle;
	double interval;		/* progress lines; 0: none */
	bool verify;
	bool json;
};

struct kresult {
	uint64_t bytes, dgrams, bad_bytes, bad_dgrams, max_seq;
	uint64_t checksum;
	double elapsed;
	bool timed_out;
	int err;
	struct tick tick;		/* --interval */
};

static bool listen_addr(const char *arg, void *p)
{
	struct kopts *o = p;
	char buf[80];

	if (o->addr_arg)
		usage_error("give one of --tcp-listen and --udp-listen, once");
	o->addr_arg = arg;
	/* a bare port listens on every address */
	snprintf(buf, sizeof(buf), "%s%s", strchr(arg, ':') ? "" : ":", arg);
	if (!parse_hostport(buf, &o->addr, &o->addr_len))
		usage_error("bad address '%s' (want PORT, ADDR:PORT or "
			    "[V6ADDR]:PORT)", arg);
	return true;
}

static bool listen_udp(const char *arg, void *p)
{
	((struct kopts *)p)->udp = true;
	return listen_addr(arg, p);
}

static const char sink_head[] =
"Usage: zcnet-recv --tcp-listen [ADDR:]PORT | --udp-listen [ADDR:]PORT\n"
"                  [-n DATAGRAMS] [--idle-timeout S] [--no-verify] [-j]\n"
"                  [--interval SECONDS]\n"
"Receive what 'zcnet-send --tcp/--udp' streams on a plain socket and\n"
"check every byte.\n\n";

static const char sink_tail[] =
"\nTCP prints the checksum of the stream, the same one zcnet-send prints.\n"
"It prints a line on stderr once it listens. Exit status: 0 when data\n"
"arrived and every byte matched (and with -n, N datagrams arrived), 1\n"
"otherwise, 2 on bad arguments.\n";

static struct kopts ko;
static bool no_verify;
static struct opt sink_opts[] = {
	OFN("tcp-listen", 0, listen_addr, &ko, "A", "accept one TCP connection "
	    "on A (PORT, ADDR:PORT\nor [V6ADDR]:PORT, numeric) and read it "
	    "to EOF", NULL),
	OFN("udp-listen", 0, listen_udp, &ko, "A", "receive datagrams on A",
	    NULL),
	ONUM("datagrams", 'n', ko.dgrams, 1, UINT64_C(1) << 40, "N",
	     "UDP: stop after N datagrams", "datagram count"),
	OSECS("idle-timeout", 0, ko.idle, "S", "stop waiting after S seconds "
	      "without data\n(default 10, counted from the start too)",
	      "idle timeout"),
	OFLAG("no-verify", 0, no_verify, "only count (for --pattern zero "
	      "senders)"),
	OFLAG("json", 'j', ko.json, "print one JSON object instead of text"),
	OINTERVAL(ko.interval),
	OEND
};

void sink_usage(FILE *f)
{
	fputs(sink_head, f);
	opts_help(f, sink_opts);
	fputs(sink_tail, f);
}

static void sink_more(FILE *f)
{
	fputs(sink_tail + 1, f);
}

static void sink_parse(int argc, char **argv, struct kopts *o)
{
	ko.idle = DEFAULT_IDLE;
	opts_parse(argc, argv, sink_opts, sink_head, sink_more);
	ko.verify = !no_verify;
	*o = ko;
	if (!o->addr_arg)
		usage_error("no address given (--tcp-listen or --udp-listen)");
	if (o->dgrams && !o->udp)
		usage_error("-n counts datagrams: it goes with --udp-listen");
}

static int sink_socket(const struct kopts *o)
{
	int s = socket(o->addr.ss_family,
		       (o->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int one = 1, rcv = 8 << 20, err;

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* fixed, not autotuned; beyond rmem_max for root */
	if (o->udp &&
	    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(s, (const struct sockaddr *)&o->addr, o->addr_len) ||
	    (!o->udp && listen(s, 1))) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

/* A progress line when one is due, or the last one (final). */
static void sink_tick(struct kresult *r, double now, bool final)
{
	struct tick_count c = { .units = r->dgrams, .bytes = r->bytes,
				.copied = TICK_NONE, .errors = r->bad_dgrams,
				.drops = TICK_NONE };

	if (!r->tick.unit)	/* TCP: bytes, of which bad_bytes */
		c.errors = r->bad_bytes;
	if (final)
		tick_final(&r->tick, now, &c);
	else if (tick_due(&r->tick, now))
		tick_line(&r->tick, now, &c);
}

/* Waits for POLLIN up to the idle timeout; false when it passed. */
static bool sink_wait(int fd, const struct kopts *o, struct kresult *r,
		      volatile sig_atomic_t *stop)
{
	double now = now_seconds(), end = now + o->idle;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!*stop) {
		sink_tick(r, now, false);
		if (poll(&p, 1, 100) > 0)
			return true;
		now = now_seconds();
		if (now > end)
			return false;
	}
	return false;
}

static void sink_tcp(int l, const struct kopts *o, struct kresult *r,
		     volatile sig_atomic_t *stop)
{
	struct stream_sum sum;
	uint8_t *buf = malloc(SINK_BUF);
	double t0 = 0;
	ssize_t n;
	int c;

	stream_sum_init(&sum);
	if (!buf || !sink_wait(l, o, r, stop)) {
		r->timed_out = buf != NULL;
		free(buf);
		return;
	}
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		r->err = -errno;
		free(buf);
		return;
	}
	for (;;) {
		if (!sink_wait(c, o, r, stop)) {
			r->timed_out = !*stop;
			break;
		}
		n = read(c, buf, SINK_BUF);
		if (n <= 0) {
			r->err = n < 0 ? -errno : 0;
			break;
		}
		if (!t0)
			t0 = now_seconds();
		if (o->verify)
			r->bad_bytes += stream_mismatches(buf, r->bytes,
							  (size_t)n);
		stream_sum_update(&sum, buf, (size_t)n);
		r->bytes += (uint64_t)n;
	}
	r->elapsed = t0 ? now_seconds() - t0 : 0;
	r->checksum = stream_sum_final(&sum);
	close(c);
	free(buf);
}

static void sink_udp(int s, const struct kopts *o, struct kresult *r,
		     volatile sig_atomic_t *stop)
{
	uint8_t *buf = malloc(UDP_MAX_LEN + 1);
	double t0 = 0;
	uint64_t seq;
	size_t bad;
	ssize_t n;

	while (buf && (!o->dgrams || r->dgrams < o->dgrams)) {
		if (!sink_wait(s, o, r, stop)) {
			r->timed_out = o->dgrams && !*stop;
			break;
		}
		n = recv(s, buf, UDP_MAX_LEN + 1, 0);
		if (n < 0) {
			r->err = -errno;
			break;
		}
		if (!t0)
			t0 = now_seconds();
		bad = o->verify ? udp_mismatches(buf, (size_t)n, &seq) : 0;
		r->bad_bytes += bad;
		r->bad_dgrams += bad != 0;
		if (!bad && seq > r->max_seq)
			r->max_seq = seq;
		r->bytes += (uint64_t)n;
		r->dgrams++;
	}
	r->elapsed = t0 ? now_seconds() - t0 : 0;
	free(buf);
}

static void sink_report(const struct kopts *o, const struct kresult *r,
			bool ok)
{
	char addr[80], sum[20], title[128];
	struct rep p;

	format_hostport(&o->addr, addr, sizeof(addr));
	snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)r->checksum);
	snprintf(title, sizeof(title), "zcnet-recv: %s on %s",
		 o->udp ? "UDP" : "TCP", addr);
	rep_begin(&p, o->json ? REP_JSON_TIGHT : REP_TEXT, title);
	rep_str(&p, "mode", NULL, o->udp ? "udp" : "tcp");
	rep_str(&p, "listen", NULL, addr);
	rep_u64(&p, "bytes", "bytes", r->bytes);
	rep_u64(&p, "datagrams", o->udp ? "datagrams" : NULL, r->dgrams);
	rep_u64(&p, "bad_bytes", o->verify ? "bad bytes" : NULL, r->bad_bytes);
	rep_u64(&p, "bad_datagrams", o->udp ? "bad datagrams" : NULL,
		r->bad_dgrams);
	rep_u64(&p, NULL, o->udp ? "highest seq" : NULL, r->max_seq);
	rep_num(&p, "seconds", "seconds", "%.6f", r->elapsed);
	rep_num(&p, "gbit_s", "Gbit/s", "%.4f", r->elapsed > 0 ?
		(double)r->bytes * 8 / r->elapsed / 1e9 : 0);
	rep_str(&p, "checksum", o->udp ? NULL : "checksum", sum);
	rep_bool(&p, "ok", NULL, ok);
	if (r->timed_out)
		rep_text(&p, "  TIMED OUT after %g s without data\n", o->idle);
	if (r->err)
		rep_text(&p, "  error           %s\n", strerror(-r->err));
	rep_text(&p, "  result          %s\n", ok ? "OK" : "FAILED");
	rep_end(&p);
}

int sink_main(int argc, char **argv)
{
	volatile sig_atomic_t *stop;
	struct kresult r = { 0 };
	struct kopts o;
	char addr[80];
	bool ok;
	int s;

	sink_parse(argc, argv, &o);
	format_hostport(&o.addr, addr, sizeof(addr));
	stop = install_stop_signals();
	tick_start(&r.tick, o.interval, o.json, o.udp ? "datagrams" : NULL,
		   now_seconds());
	s = sink_socket(&o);
	if (s < 0) {
		errmsg("cannot listen on %s: %s", addr, strerror(-s));
		return EXIT_FAILED;
	}
	fprintf(stderr, "zcnet-recv: listening on %s (%s)\n", addr,
		o.udp ? "UDP" : "TCP");
	if (o.udp)
		sink_udp(s, &o, &r, stop);
	else
		sink_tcp(s, &o, &r, stop);
	close(s);
	sink_tick(&r, now_seconds(), true);
	ok = r.bytes && !r.bad_bytes && !r.err && !r.timed_out &&
	     (!o.dgrams || r.dgrams == o.dgrams);
	sink_report(&o, &r, ok);
	return ok ? 0 : EXIT_FAILED;
}
