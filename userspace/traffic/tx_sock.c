// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-send --tcp/--udp: stream from registered memory through a TCP or
 * UDP socket attached to a zcnet context (ZCNET_TX_SOCK descriptors).
 *
 * One buffer per TX ring entry; buffer seq % N carries write seq and is
 * rewritten only after that write's completion. Completions of one socket
 * come in ring order, which is checked, as is every result.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "zcnet_sockmode.h"
#include "zcnet_stream.h"
#include "zcnet_util.h"

#define DEFAULT_TCP_SIZE	65536
#define DEFAULT_UDP_SIZE	1472
#define MAX_TCP_SIZE		(1U << 20)
#define DEFAULT_RING		256
#define DEFAULT_SECONDS		10.0
#define DEFAULT_STALL		30.0
#define MAX_REGION		(256U << 20)
#define MAX_ERRNO		4096

struct sopts {
	bool udp;
	const char *target_arg;
	struct sockaddr_storage target;
	socklen_t target_len;
	uint64_t size;
	uint64_t writes;		/* 0: run for seconds */
	double seconds;
	uint32_t ring;
	int64_t copy_threshold;		/* -1: the module's default */
	int sndbuf;			/* 0: the system's */
	bool zero;			/* --pattern zero */
	bool json;
	double stall;
};

struct sresult {
	uint64_t submitted, completions, ok, bytes, copied;
	uint64_t out_of_order, bad_results;
	uint64_t errors[MAX_ERRNO], other_errors;
	uint64_t checksum;
	double elapsed, cpu_s;
	bool stalled, interrupted, fatal;
	struct zcnet_stats st;
};

void sock_send_usage(FILE *out)
{
	fprintf(out,
"Usage: zcnet-send --tcp HOST:PORT | --udp HOST:PORT [-s SIZE]\n"
"                  [-n WRITES | -t SECONDS] [-r RING] [--copy-threshold N]\n"
"                  [--sndbuf BYTES] [--pattern seq|zero] [-j]\n"
"Stream from registered memory through a TCP or UDP socket with zcnet\n"
"zero-copy socket sends.\n"
"\n"
"      --tcp HOST:PORT      connect to HOST:PORT (numeric, [v6]:port)\n"
"      --udp HOST:PORT      send datagrams to HOST:PORT\n"
"  -s, --size SIZE          bytes per write: TCP 1..%u (default %d),\n"
"                           UDP 1..%d (default %d)\n"
"  -n, --writes N           send N writes\n"
"  -t, --time SECONDS       send for SECONDS (default %g when no -n)\n"
"  -r, --ring ENTRIES       TX and completion ring entries, a power of two\n"
"                           (default %d); one buffer each, at most %u MiB\n"
"      --copy-threshold N   writes of at most N bytes are copied\n"
"                           (0..1048576; default: the module's\n"
"                           sock_copy_threshold)\n"
"      --sndbuf BYTES       SO_SNDBUF of the socket\n"
"      --pattern seq|zero   payload: the checked stream (default) or zeros\n"
"  -j, --json               print one JSON object instead of text\n"
"      --stall-timeout S    give up when no completion arrives for S\n"
"                           seconds (default %g)\n"
"  -h, --help               show this help\n"
"\n"
"'zcnet-recv --tcp-listen PORT' (or --udp-listen) verifies what arrives;\n"
"with TCP both print the same checksum. Exit status: 0 when every write\n"
"completed in order with its full length, 1 otherwise, 2 on bad\n"
"arguments, 4 when the zcnet module has no socket sends.\n",
		MAX_TCP_SIZE, DEFAULT_TCP_SIZE, UDP_MAX_LEN, DEFAULT_UDP_SIZE,
		DEFAULT_SECONDS, DEFAULT_RING, MAX_REGION >> 20, DEFAULT_STALL);
}

enum {
	OPT_TCP = 256,
	OPT_UDP,
	OPT_COPY_THRESHOLD,
	OPT_SNDBUF,
	OPT_PATTERN,
	OPT_STALL,
};

static void sock_parse(int argc, char **argv, struct sopts *o)
{
	static const struct option longopts[] = {
		{ "tcp", required_argument, NULL, OPT_TCP },
		{ "udp", required_argument, NULL, OPT_UDP },
		{ "size", required_argument, NULL, 's' },
		{ "writes", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "ring", required_argument, NULL, 'r' },
		{ "copy-threshold", required_argument, NULL, OPT_COPY_THRESHOLD },
		{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "json", no_argument, NULL, 'j' },
		{ "stall-timeout", required_argument, NULL, OPT_STALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_n = false, have_t = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->ring = DEFAULT_RING;
	o->copy_threshold = -1;
	o->stall = DEFAULT_STALL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:n:t:r:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case OPT_TCP:
		case OPT_UDP:
			if (o->target_arg)
				usage_error("give one of --tcp and --udp, once");
			o->udp = c == OPT_UDP;
			o->target_arg = optarg;
			if (!parse_hostport(optarg, &o->target, &o->target_len))
				usage_error("bad address '%s' (want HOST:PORT or "
					    "[V6ADDR]:PORT, numeric)", optarg);
			break;
		case 's':
			if (!parse_u64(optarg, 1, MAX_TCP_SIZE, &o->size))
				usage_error("bad write size '%s'", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_C(1) << 40, &o->writes))
				usage_error("bad write count '%s'", optarg);
			have_n = true;
			break;
		case 't':
			if (!parse_seconds(optarg, 1e6, &o->seconds))
				usage_error("bad duration '%s' (seconds, > 0)",
					    optarg);
			have_t = true;
			break;
		case 'r':
			o->ring = parse_ring_entries(optarg);
			break;
		case OPT_COPY_THRESHOLD:
			if (!parse_u64(optarg, 0, 1 << 20, &v))
				usage_error("bad copy threshold '%s' "
					    "(0..1048576)", optarg);
			o->copy_threshold = (int64_t)v;
			break;
		case OPT_SNDBUF:
			if (!parse_u64(optarg, 1, 1 << 30, &v))
				usage_error("bad send buffer size '%s'", optarg);
			o->sndbuf = (int)v;
			break;
		case OPT_PATTERN:
			if (strcmp(optarg, "seq") && strcmp(optarg, "zero"))
				usage_error("bad pattern '%s' (seq or zero)",
					    optarg);
			o->zero = !strcmp(optarg, "zero");
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_STALL:
			if (!parse_seconds(optarg, 1e6, &o->stall))
				usage_error("bad stall timeout '%s'", optarg);
			break;
		case 'h':
			sock_send_usage(stdout);
			exit(0);
		default:
			bad_option(c, argv);
		}
	}
	end_of_options(argc, argv, o->target_arg);
	if (have_n && have_t)
		usage_error("-n and -t exclude each other");
	if (!have_n && !have_t)
		o->seconds = DEFAULT_SECONDS;
	if (!o->size)
		o->size = o->udp ? DEFAULT_UDP_SIZE : DEFAULT_TCP_SIZE;
	if (o->udp && o->size > UDP_MAX_LEN)
		usage_error("a UDP write is at most %d bytes", UDP_MAX_LEN);
}

/* A connected socket of the kind asked for, or -errno. */
static int sock_connect(const struct sopts *o)
{
	int s = socket(o->target.ss_family,
		       (o->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int err;

	if (s < 0)
		return -errno;
	if ((o->sndbuf &&
	     setsockopt(s, SOL_SOCKET, SO_SNDBUF, &o->sndbuf,
			sizeof(o->sndbuf))) ||
	    connect(s, (const struct sockaddr *)&o->target, o->target_len)) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

struct ssender {
	const struct sopts *o;
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	uint8_t *base;
	size_t slot_size;
	uint32_t nbuf, region, sock;
	struct stream_sum sum;
};

static void sock_complete(struct ssender *s, struct sresult *r,
			  const struct zcnet_cq_entry *c)
{
	if (c->cookie != r->completions)
		r->out_of_order++;
	r->completions++;
	if (c->result == (int32_t)s->o->size) {
		r->ok++;
		r->bytes += s->o->size;
		if (c->flags & ZCNET_CQE_COPIED)
			r->copied++;
	} else if (c->result < 0 && -c->result < MAX_ERRNO) {
		r->errors[-c->result]++;
	} else if (c->result < 0) {
		r->other_errors++;
	} else {
		r->bad_results++;
	}
}

static void sock_post(struct ssender *s, struct sresult *r, uint64_t limit)
{
	uint32_t idx, n, i;
	uint64_t want = limit - r->submitted;

	if (want > s->nbuf - (r->submitted - r->completions))
		want = s->nbuf - (r->submitted - r->completions);
	n = zcnet_ring_reserve(s->tx, (uint32_t)want, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(s->tx, idx + i);
		uint64_t seq = r->submitted + i;
		uint8_t *buf = s->base + (seq % s->nbuf) * s->slot_size;

		if (!s->o->zero && s->o->udp)
			udp_fill(buf, seq, s->o->size);
		else if (!s->o->zero)
			stream_fill(buf, seq * s->o->size, s->o->size);
		if (!s->o->udp)
			stream_sum_update(&s->sum, buf, s->o->size);
		memset(d, 0, sizeof(*d));
		d->offset = (seq % s->nbuf) * s->slot_size;
		d->len = (uint32_t)s->o->size;
		d->region = (uint16_t)s->region;
		d->flags = ZCNET_TX_SOCK;
		d->sock = (uint16_t)s->sock;
		d->cookie = seq;
	}
	zcnet_ring_submit(s->tx, n);
	r->submitted += n;
}

static void sock_run(struct ssender *s, struct sresult *r,
		     volatile sig_atomic_t *stop)
{
	const struct sopts *o = s->o;
	struct cpu_sample c0, c1;
	double t0, deadline, last;
	uint64_t limit = o->writes ? o->writes : UINT64_MAX;
	uint64_t unkicked = 0, before;
	uint32_t idx, n, i;
	int ret;

	cpu_sample(&c0);
	t0 = now_seconds();
	last = t0;
	deadline = o->writes ? 0 : t0 + o->seconds;
	while (!*stop) {
		if (deadline && now_seconds() >= deadline)
			limit = r->submitted;
		if (r->completions == limit)
			break;
		before = r->submitted;
		if (r->submitted < limit)
			sock_post(s, r, limit);
		unkicked += r->submitted - before;
		if (unkicked) {
			ret = zcnet_kick(s->ctx, 0);
			if (ret < 0) {
				errmsg("kick failed: %s", strerror(-ret));
				r->fatal = true;
				break;
			}
			unkicked -= (uint64_t)ret;
		}
		n = zcnet_ring_peek(s->cq, UINT32_MAX, &idx);
		for (i = 0; i < n; i++)
			sock_complete(s, r, zcnet_ring_cq_entry(s->cq, idx + i));
		zcnet_ring_release(s->cq, n);
		if (n) {
			last = now_seconds();
			continue;
		}
		if (now_seconds() - last > o->stall) {
			r->stalled = true;
			break;
		}
		zcnet_wait(s->ctx, POLLIN, 100);
	}
	r->interrupted = *stop;
	r->elapsed = now_seconds() - t0;
	cpu_sample(&c1);
	r->cpu_s = cpu_busy_seconds(&c0, &c1);
	r->checksum = stream_sum_final(&s->sum);
	zcnet_get_stats(s->ctx, &r->st);
}

static uint64_t sock_errors(const struct sresult *r)
{
	uint64_t n = r->other_errors;

	for (int i = 0; i < MAX_ERRNO; i++)
		n += r->errors[i];
	return n;
}

static void sock_report(const struct sopts *o, const struct sresult *r,
			bool ok)
{
	double gbit = r->elapsed > 0 ? r->bytes * 8 / r->elapsed / 1e9 : 0;
	double gib = r->bytes / (double)(1ULL << 30);
	double zc = r->ok ? 100.0 * (r->ok - r->copied) / r->ok : 0;
	char target[80], name[32];

	format_hostport(&o->target, target, sizeof(target));
	if (o->json) {
		printf("{\"mode\":\"%s\",\"target\":\"%s\",\"size\":%llu,"
		       "\"writes\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
		       "\"gbit_s\":%.4f,\"copied\":%llu,\"zerocopy_pct\":%.2f,"
		       "\"errors\":%llu,\"out_of_order\":%llu,"
		       "\"checksum\":\"%016llx\",\"cpu_s\":%.4f,"
		       "\"cpu_s_per_gib\":%.4f,\"sock_resumes\":%llu,"
		       "\"ok\":%s}\n",
		       o->udp ? "udp" : "tcp", target,
		       (unsigned long long)o->size, (unsigned long long)r->ok,
		       (unsigned long long)r->bytes, r->elapsed, gbit,
		       (unsigned long long)r->copied, zc,
		       (unsigned long long)sock_errors(r),
		       (unsigned long long)r->out_of_order,
		       (unsigned long long)r->checksum, r->cpu_s,
		       gib > 0 && r->cpu_s >= 0 ? r->cpu_s / gib : -1,
		       (unsigned long long)r->st.sock_resumes,
		       ok ? "true" : "false");
		return;
	}
	printf("zcnet-send: %s to %s, %llu-byte writes\n",
	       o->udp ? "UDP" : "TCP", target, (unsigned long long)o->size);
	printf("  sent        %llu writes, %llu bytes in %.2f s: %.3f Gbit/s\n",
	       (unsigned long long)r->ok, (unsigned long long)r->bytes,
	       r->elapsed, gbit);
	printf("  zero copy   %.1f%% (%llu writes copied)\n", zc,
	       (unsigned long long)r->copied);
	printf("  completions %llu of %llu submitted, %s\n",
	       (unsigned long long)r->completions,
	       (unsigned long long)r->submitted,
	       r->out_of_order ? "OUT OF ORDER" : "in order");
	for (int i = 1; i < MAX_ERRNO; i++)
		if (r->errors[i])
			printf("  error       %s: %llu writes\n",
			       errno_name(i, name, sizeof(name)),
			       (unsigned long long)r->errors[i]);
	if (r->other_errors || r->bad_results)
		printf("  bad results %llu\n",
		       (unsigned long long)(r->other_errors + r->bad_results));
	if (!o->udp && !o->zero)
		printf("  checksum    %016llx\n",
		       (unsigned long long)r->checksum);
	if (r->cpu_s >= 0 && gib > 0)
		printf("  cpu         %.2f s busy (all CPUs), %.2f s/GiB\n",
		       r->cpu_s, r->cpu_s / gib);
	printf("  socket      %llu resumes after a full send buffer\n",
	       (unsigned long long)r->st.sock_resumes);
	if (r->stalled)
		printf("  STALLED: no completion for %g s\n", o->stall);
}

static int sock_setup(struct ssender *s, struct zcnet_mem *mem, int fd)
{
	const struct sopts *o = s->o;
	size_t len;
	int err;

	if (!zcnet_has_feature(s->ctx, ZCNET_FEAT_TX_SOCK)) {
		errmsg("this zcnet module has no socket sends");
		return EXIT_UNSUPPORTED;
	}
	err = zcnet_setup(s->ctx, o->ring, o->ring, 0, 0);
	if (err) {
		errmsg("ring setup (%u entries) failed: %s", o->ring,
		       strerror(-err));
		return EXIT_FAILED;
	}
	s->tx = zcnet_tx_ring(s->ctx);
	s->cq = zcnet_cq_ring(s->ctx);
	s->slot_size = (o->size + 63) & ~(size_t)63;
	s->nbuf = o->ring;
	while (s->nbuf > ZCNET_RING_MIN_ENTRIES &&
	       s->nbuf * s->slot_size > MAX_REGION)
		s->nbuf /= 2;
	len = s->nbuf * s->slot_size;
	err = zcnet_mem_alloc(mem, len, LIBZCNET_MEM_POPULATE);
	if (!err)
		err = zcnet_region_register(s->ctx, mem->addr, mem->len,
					    &s->region);
	if (err) {
		errmsg("registering %zu bytes failed: %s%s", len,
		       strerror(-err), err == -ENOMEM ?
		       " (over RLIMIT_MEMLOCK? see ulimit -l)" : "");
		return EXIT_FAILED;
	}
	s->base = mem->addr;
	if (o->zero)
		memset(s->base, 0, len);
	if (o->copy_threshold >= 0) {
		err = zcnet_set_param(s->ctx, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				      (uint64_t)o->copy_threshold);
		if (err) {
			errmsg("setting the copy threshold failed: %s",
			       strerror(-err));
			return EXIT_FAILED;
		}
	}
	err = zcnet_eventfd_create(s->ctx, ZCNET_EVENTFD_CQ);
	if (err < 0) {
		errmsg("attaching a completion eventfd failed: %s",
		       strerror(-err));
		return EXIT_FAILED;
	}
	err = zcnet_sock_attach(s->ctx, fd, &s->sock);
	if (err) {
		errmsg("attaching the socket failed: %s%s", strerror(-err),
		       err == -EOPNOTSUPP ? " (no zero-copy support on it)" :
		       "");
		return err == -EOPNOTSUPP ? EXIT_UNSUPPORTED : EXIT_FAILED;
	}
	return 0;
}

int sock_send_main(int argc, char **argv)
{
	struct zcnet_mem mem = { 0 };
	struct ssender s = { 0 };
	volatile sig_atomic_t *stop;
	struct sresult *r;
	struct sopts o;
	char target[80];
	int fd, rc;
	bool ok;

	sock_parse(argc, argv, &o);
	format_hostport(&o.target, target, sizeof(target));
	stop = install_stop_signals();
	r = calloc(1, sizeof(*r));
	if (!r) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}
	fd = sock_connect(&o);
	if (fd < 0) {
		errmsg("cannot connect to %s: %s", target, strerror(-fd));
		free(r);
		return EXIT_FAILED;
	}
	s.o = &o;
	stream_sum_init(&s.sum);
	rc = zcnet_open(&s.ctx);
	if (rc) {
		rc = report_open_error(rc);
		goto out;
	}
	rc = sock_setup(&s, &mem, fd);
	if (rc)
		goto out;
	sock_run(&s, r, stop);
	ok = !r->fatal && !r->stalled && r->ok == r->completions &&
	     r->completions == r->submitted && !r->out_of_order;
	/* TCP: the receiver sees the end of the stream */
	if (!o.udp)
		shutdown(fd, SHUT_WR);
	sock_report(&o, r, ok);
	rc = ok ? 0 : EXIT_FAILED;
out:
	zcnet_close(s.ctx);
	zcnet_mem_free(&mem);
	close(fd);
	free(r);
	return rc;
}
