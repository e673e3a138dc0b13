// SPDX-License-Identifier: GPL-2.0-only
/* The receiving ends of socket senders and zcnet-bench's sinks. */
/*
 * zcnet-recv --tcp-listen: one connection, every byte checked against the
 * stream and summed into the checksum the sender prints too; --udp-listen:
 * every datagram checked on its own.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
	bool verify;
	bool json;
	bool reply;			/* send the byte count back (bench) */
};

struct kresult {
	uint64_t bytes, dgrams, bad_bytes, bad_dgrams, max_seq;
	uint64_t checksum;
	double elapsed;
	bool timed_out;
	int err;
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
	/* zcnet-bench: fixed, not autotuned; beyond rmem_max for root */
	if ((o->udp || o->reply) &&
	    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(s, (const struct sockaddr *)&o->addr, o->addr_len) ||
	    (!o->udp && listen(s, SOMAXCONN))) {
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
	if (o->reply && send(c, &r->bytes, sizeof(r->bytes), MSG_NOSIGNAL) !=
	    sizeof(r->bytes))
		errmsg("sending the count: %s", strerror(errno));
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

/* ---- zcnet-bench ---- */

#define SINK_BATCH	64
#define SINK_SNAP	64
#define SINK_FIRST_S	60.0

static int sink_raw_socket(const struct tr_opts *o)
{
	struct timeval tv = { 0, 100000 };
	int fd, rcvbuf = 8 << 20;
	struct iface ifc;

	if (!o->iface)
		usage_error("-i IFACE is required");
	if (iface_lookup(o->iface, &ifc)) {
		errmsg("no interface %s", o->iface);
		return -1;
	}
	fd = afp_socket();
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return afp_bind(fd, &ifc, ZCNET_FRAME_ETHERTYPE);
}

/* One recvmmsg() of up to SINK_BATCH: the count, 0 for none, -1 (said). */
static int sink_batch(int fd, uint8_t (*bufs)[SINK_SNAP],
		      struct mmsghdr *msgs, struct iovec *iov)
{
	int i, got;

	for (i = 0; i < SINK_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SINK_SNAP;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	got = recvmmsg(fd, msgs, SINK_BATCH, MSG_TRUNC | MSG_WAITFORONE, NULL);
	if (got < 0 && errno != EAGAIN && errno != EINTR) {
		errmsg("recvmmsg: %s", strerror(errno));
		return -1;
	}
	return got < 0 ? 0 : got;
}

/* Standard input is at its end (what comes before it is dropped). */
static bool stdin_ended(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	return poll(&p, 1, 0) == 1 && read(STDIN_FILENO, &c, 1) <= 0;
}

int sink_bench_raw(const struct tr_opts *o, uint32_t streams, double idle)
{
	static uint8_t bufs[SINK_BATCH][SINK_SNAP];
	struct {
		uint64_t frames, bytes, next;
		struct progress progress;
	} st[BENCH_MAX_STREAMS];
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	volatile sig_atomic_t *stop;
	uint64_t seq, n, bad = 0, other = 0, total = 0;
	const char *why = "error";
	double start, last = 0, now;
	uint32_t magic;
	char path[512];
	uint32_t k, s;
	int fd, got, i;

	memset(st, 0, sizeof(st));
	fd = sink_raw_socket(o);
	if (fd < 0)
		return -1;
	for (k = 0; k < streams && o->progress; k++) {
		snprintf(path, sizeof(path), "%s.%u", o->progress, k);
		if (progress_create(path, &st[k].progress))
			return -1;
	}
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		got = sink_batch(fd, bufs, msgs, iov);
		now = now_seconds();
		if (got < 0)
			break;
		if (!got) {
			if (o->until_eof ? stdin_ended() : total ?
			    now - last >= idle : now - start >= SINK_FIRST_S) {
				why = o->until_eof ? "eof" : "idle";
				break;
			}
			continue;
		}
		last = now;
		for (i = 0; i < got; i++) {
			memcpy(&magic, bufs[i] + ZCNET_FRAME_OFF_MAGIC, 4);
			memcpy(&seq, bufs[i] + ZCNET_FRAME_OFF_SEQ, sizeof(seq));
			seq = be64toh(seq);
			s = (uint32_t)(seq >> BENCH_STREAM_SHIFT);
			n = seq & ((UINT64_C(1) << BENCH_STREAM_SHIFT) - 1);
			if (msgs[i].msg_len < ZCNET_FRAME_PAYLOAD_OFF ||
			    ntohl(magic) != ZCNET_FRAME_MAGIC || s >= streams) {
				other++;
				continue;
			}
			total++;
			st[s].frames++;
			st[s].bytes += msgs[i].msg_len;
			if (msgs[i].msg_len != o->size)
				bad++;
			if (n + 1 > st[s].next)
				st[s].next = n + 1;
		}
		for (k = 0; k < streams && o->progress; k++)
			progress_store(&st[k].progress, st[k].next);
	}
	printf("sink frames=%llu bad_len=%llu other=%llu stopped=%s",
	       (unsigned long long)total, (unsigned long long)bad,
	       (unsigned long long)other, *stop ? "signal" : why);
	for (k = 0; k < streams; k++)
		printf(" frames%u=%llu bytes%u=%llu", k,
		       (unsigned long long)st[k].frames, k,
		       (unsigned long long)st[k].bytes);
	printf("\n");
	for (k = 0; k < streams && o->progress; k++)
		progress_close(&st[k].progress);
	close(fd);
	return 0;
}

/* Accept what waits on the listener l; false on an error (reported). */
static bool sink_accept(int l, int ep, uint64_t *accepted, uint32_t want,
			uint32_t *open)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int c;

	for (;;) {
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			return errno == EAGAIN || errno == EINTR ||
			       errno == ECONNABORTED;
		if (*accepted >= want) {	/* not one of ours */
			close(c);
			continue;
		}
		ev.data.u64 = (uint64_t)(uint32_t)c << 32 | *accepted;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev)) {
			errmsg("epoll_ctl: %s", strerror(errno));
			close(c);
			return false;
		}
		++*accepted;
		++*open;
	}
}

/*
 * --conns N (default 1) connections on --port, each read to its end and
 * answered with its own byte count; then "sink bytes=TOTAL conns=N".
 * One thread, level-triggered epoll, one read per ready connection.
 */
int sink_bench_tcp(const struct tr_opts *o)
{
	struct kopts k = { .reply = true };
	struct sockaddr_in *sin = (struct sockaddr_in *)&k.addr;
	struct epoll_event ev[SINK_BATCH] = { 0 };
	uint32_t want = o->conns > 1 ? o->conns : 1, open = 0;
	uint64_t accepted = 0, total = 0, *bytes = calloc(want, sizeof(*bytes));
	uint8_t *buf = malloc(SINK_BUF);
	double last = now_seconds();
	int s, ep = epoll_create1(EPOLL_CLOEXEC), got, i, c, rc = -1;
	ssize_t n;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(o->port);
	k.addr_len = sizeof(*sin);
	s = sink_socket(&k);
	if (s < 0) {
		errmsg("listen on port %u: %s", o->port, strerror(-s));
		goto out_ep;
	}
	ev[0].events = EPOLLIN;
	ev[0].data.u64 = UINT64_MAX;
	if (!bytes || !buf || ep < 0 || fcntl(s, F_SETFL, O_NONBLOCK) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev[0])) {
		errmsg("sink: %s", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	fprintf(stderr, "zcnet-bench: sink ready\n");
	while (accepted < want || open) {
		got = epoll_wait(ep, ev, SINK_BATCH, 100);
		if (got < 0 && errno != EINTR) {
			errmsg("epoll_wait: %s", strerror(errno));
			goto out;
		}
		if (got <= 0 && now_seconds() - last >= SINK_FIRST_S) {
			errmsg(total ? "no data for %g s" : "nobody connected",
			       SINK_FIRST_S);
			goto out;
		}
		if (got > 0)
			last = now_seconds();
		for (i = 0; i < got; i++) {
			if (ev[i].data.u64 == UINT64_MAX) {
				if (!sink_accept(s, ep, &accepted, want, &open))
					goto out;
				continue;
			}
			c = (int)(ev[i].data.u64 >> 32);
			n = read(c, buf, SINK_BUF);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				errmsg("recv: %s", strerror(errno));
				goto out;
			}
			if (n) {
				bytes[(uint32_t)ev[i].data.u64] += (uint64_t)n;
				total += (uint64_t)n;
				continue;
			}
			if (send(c, &bytes[(uint32_t)ev[i].data.u64],
				 sizeof(*bytes), MSG_NOSIGNAL) != sizeof(*bytes))
				errmsg("sending the count: %s", strerror(errno));
			close(c);	/* leaves the epoll set */
			open--;
		}
	}
	printf("sink bytes=%llu conns=%llu\n", (unsigned long long)total,
	       (unsigned long long)accepted);
	rc = 0;
out:
	close(s);
out_ep:
	if (ep >= 0)
		close(ep);
	free(bytes);
	free(buf);
	return rc;
}

/* Datagrams on --port, counted (lengths from MSG_TRUNC, no payload read). */
int sink_bench_udp(const struct tr_opts *o, double idle)
{
	static uint8_t bufs[SINK_BATCH][SINK_SNAP];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(o->port) };
	struct timeval tv = { 0, 100000 };
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	volatile sig_atomic_t *stop;
	uint64_t frames = 0, bytes = 0;
	const char *why = "error";
	double start, last = 0, now;
	int s, got, i, rcvbuf = 32 << 20;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin))) {
		errmsg("UDP port %u: %s", o->port, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		got = sink_batch(s, bufs, msgs, iov);
		now = now_seconds();
		if (got < 0)
			break;
		if (!got) {
			if (frames ? now - last >= idle :
				     now - start >= SINK_FIRST_S) {
				why = "idle";
				break;
			}
			continue;
		}
		last = now;
		for (i = 0; i < got; i++)
			bytes += msgs[i].msg_len;
		frames += (uint64_t)got;
	}
	close(s);
	printf("sink frames=%llu bytes=%llu stopped=%s\n",
	       (unsigned long long)frames, (unsigned long long)bytes,
	       *stop ? "signal" : why);
	return 0;
}
