// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-recv --tcp-listen/--udp-listen: a plain socket sink for what
 * zcnet-send --tcp/--udp streams. TCP: one connection, every byte checked
 * against the stream and summed into the checksum the sender prints too.
 * UDP: every datagram checked on its own.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcnet_sockmode.h"
#include "zcnet_stream.h"
#include "zcnet_util.h"

#define SINK_BUF	(256U << 10)
#define DEFAULT_IDLE	10.0

struct kopts {
	bool udp;
	const char *addr_arg;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t dgrams;		/* UDP: stop after N; 0: when idle */
	double idle;
	bool verify;
	bool json;
};

struct kresult {
	uint64_t bytes, dgrams, bad_bytes, bad_dgrams, max_seq;
	uint64_t checksum;
	double elapsed;
	bool timed_out;
	int err;
};

void sink_usage(FILE *out)
{
	fprintf(out,
"Usage: zcnet-recv --tcp-listen [ADDR:]PORT | --udp-listen [ADDR:]PORT\n"
"                  [-n DATAGRAMS] [--idle-timeout S] [--no-verify] [-j]\n"
"Receive what 'zcnet-send --tcp/--udp' streams on a plain socket and\n"
"check every byte.\n"
"\n"
"      --tcp-listen A       accept one TCP connection on A (PORT, ADDR:PORT\n"
"                           or [V6ADDR]:PORT, numeric) and read it to EOF\n"
"      --udp-listen A       receive datagrams on A\n"
"  -n, --datagrams N        UDP: stop after N datagrams\n"
"      --idle-timeout S     stop waiting after S seconds without data\n"
"                           (default %g, counted from the start too)\n"
"      --no-verify          only count (for --pattern zero senders)\n"
"  -j, --json               print one JSON object instead of text\n"
"  -h, --help               show this help\n"
"\n"
"TCP prints the checksum of the stream, the same one zcnet-send prints.\n"
"It prints a line on stderr once it listens. Exit status: 0 when data\n"
"arrived and every byte matched (and with -n, N datagrams arrived), 1\n"
"otherwise, 2 on bad arguments.\n", DEFAULT_IDLE);
}

enum {
	OPT_TCP = 256,
	OPT_UDP,
	OPT_IDLE,
	OPT_NO_VERIFY,
};

static void sink_parse(int argc, char **argv, struct kopts *o)
{
	static const struct option longopts[] = {
		{ "tcp-listen", required_argument, NULL, OPT_TCP },
		{ "udp-listen", required_argument, NULL, OPT_UDP },
		{ "datagrams", required_argument, NULL, 'n' },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char buf[80];
	int c;

	memset(o, 0, sizeof(*o));
	o->idle = DEFAULT_IDLE;
	o->verify = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:jh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TCP:
		case OPT_UDP:
			if (o->addr_arg)
				usage_error("give one of --tcp-listen and "
					    "--udp-listen, once");
			o->udp = c == OPT_UDP;
			o->addr_arg = optarg;
			/* a bare port listens on every address */
			snprintf(buf, sizeof(buf), "%s%s",
				 strchr(optarg, ':') ? "" : ":", optarg);
			if (!parse_hostport(buf, &o->addr, &o->addr_len))
				usage_error("bad address '%s' (want PORT, "
					    "ADDR:PORT or [V6ADDR]:PORT)",
					    optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_C(1) << 40, &o->dgrams))
				usage_error("bad datagram count '%s'", optarg);
			break;
		case OPT_IDLE:
			if (!parse_seconds(optarg, 1e6, &o->idle))
				usage_error("bad idle timeout '%s'", optarg);
			break;
		case OPT_NO_VERIFY:
			o->verify = false;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			sink_usage(stdout);
			exit(0);
		default:
			bad_option(c, argv);
		}
	}
	end_of_options(argc, argv, o->addr_arg);
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
	if (o->udp)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(s, (const struct sockaddr *)&o->addr, o->addr_len) ||
	    (!o->udp && listen(s, 1))) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

/* Waits for POLLIN up to the idle timeout; false when it passed. */
static bool sink_wait(int fd, const struct kopts *o,
		      volatile sig_atomic_t *stop)
{
	double end = now_seconds() + o->idle;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!*stop) {
		if (poll(&p, 1, 100) > 0)
			return true;
		if (now_seconds() > end)
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
	if (!buf || !sink_wait(l, o, stop)) {
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
		if (!sink_wait(c, o, stop)) {
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
		if (!sink_wait(s, o, stop)) {
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
	double gbit = r->elapsed > 0 ? r->bytes * 8 / r->elapsed / 1e9 : 0;
	char addr[80];

	format_hostport(&o->addr, addr, sizeof(addr));
	if (o->json) {
		printf("{\"mode\":\"%s\",\"listen\":\"%s\",\"bytes\":%llu,"
		       "\"datagrams\":%llu,\"bad_bytes\":%llu,"
		       "\"bad_datagrams\":%llu,\"seconds\":%.6f,"
		       "\"gbit_s\":%.4f,\"checksum\":\"%016llx\",\"ok\":%s}\n",
		       o->udp ? "udp" : "tcp", addr,
		       (unsigned long long)r->bytes,
		       (unsigned long long)r->dgrams,
		       (unsigned long long)r->bad_bytes,
		       (unsigned long long)r->bad_dgrams, r->elapsed, gbit,
		       (unsigned long long)r->checksum, ok ? "true" : "false");
		return;
	}
	printf("zcnet-recv: %s on %s\n", o->udp ? "UDP" : "TCP", addr);
	printf("  received    %llu bytes in %.2f s: %.3f Gbit/s\n",
	       (unsigned long long)r->bytes, r->elapsed, gbit);
	if (o->udp)
		printf("  datagrams   %llu, %llu bad, highest seq %llu\n",
		       (unsigned long long)r->dgrams,
		       (unsigned long long)r->bad_dgrams,
		       (unsigned long long)r->max_seq);
	else
		printf("  checksum    %016llx\n",
		       (unsigned long long)r->checksum);
	if (o->verify)
		printf("  verified    %s (%llu bytes differ)\n",
		       r->bad_bytes ? "MISMATCH" : "every byte",
		       (unsigned long long)r->bad_bytes);
	if (r->timed_out)
		printf("  TIMED OUT after %g s without data\n", o->idle);
	if (r->err)
		printf("  error       %s\n", strerror(-r->err));
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
	ok = r.bytes && !r.bad_bytes && !r.err && !r.timed_out &&
	     (!o.dgrams || r.dgrams == o.dgrams);
	sink_report(&o, &r, ok);
	return ok ? 0 : EXIT_FAILED;
}
