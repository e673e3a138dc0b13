// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench gen: test frames or datagrams for a receiver, sendmmsg. */
/*
 * raw: test frames on an AF_PACKET socket, seq from 0. udp: datagrams
 * of -s bytes, each a test frame of -s + 14 bytes without its Ethernet
 * header (what recv udp-recvmmsg and zcnet-rxq check), from --flows
 * sockets (source ports) that take the batches in turn, so that a
 * multiqueue NIC spreads them over its queues. Batches of GEN_BATCH; with
 * --rate, a batch leaves when the schedule says, and is small enough
 * that a burst lasts about a millisecond of the rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "frame.h"

#define GEN_BATCH	32
#define GEN_RETRY_NS	50000

struct gen {
	const struct tr_opts *o;
	int fd;
	int fds[BENCH_MAX_FLOWS];	/* udp: one socket per flow */
	uint32_t nfds;
	uint8_t *bufs;
	size_t stride, off;	/* udp: datagrams start off bytes in */
	struct mmsghdr msgs[GEN_BATCH];
	struct iovec iov[GEN_BATCH];
	struct sockaddr_in to;
	uint64_t sent, retries;
	uint32_t batch;
};

static int gen_open_raw(struct tr_opts *o, struct gen *g)
{
	if (!o->iface)
		usage_error("gen raw needs -i IFACE");
	iface_require(o->iface, &o->ifc);
	if (o->size < 60 || o->size > iface_max_frame(&o->ifc))
		usage_error("-s %llu: frames are 60..%llu bytes on %s",
			    (unsigned long long)o->size,
			    (unsigned long long)iface_max_frame(&o->ifc),
			    o->ifc.name);
	g->fd = afp_socket();
	if (g->fd < 0)
		return -1;
	g->fd = afp_bind(g->fd, &o->ifc, 0);
	g->stride = (o->size + 63) & ~(size_t)63;
	return g->fd < 0 ? -1 : 0;
}

static int gen_open_udp(struct tr_opts *o, struct gen *g, uint32_t nflows)
{
	if (!o->peer || inet_pton(AF_INET, o->peer, &g->to.sin_addr) != 1)
		usage_error("gen udp needs --peer IPV4");
	if (o->size < ZCNET_FRAME_HDR_LEN || o->size > UDP_MAX_LEN)
		usage_error("-s %llu: datagrams are %d..%d bytes",
			    (unsigned long long)o->size, ZCNET_FRAME_HDR_LEN,
			    UDP_MAX_LEN);
	g->to.sin_family = AF_INET;
	g->to.sin_port = htons(o->port);
	g->off = ZCNET_FRAME_ETH_LEN;
	g->stride = (o->size + g->off + 63) & ~(size_t)63;
	/*
	 * not connected: an ICMP error from a late receiver stays away;
	 * each flow its own socket, so its own source port
	 */
	for (g->nfds = 0; g->nfds < nflows; g->nfds++) {
		g->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (g->fd < 0) {
			errmsg("UDP socket: %s", strerror(errno));
			return -1;
		}
		sock_fixed_sndbuf(g->fd);
		g->fds[g->nfds] = g->fd;
	}
	return 0;
}

/* Frames seq .. seq + n - 1 into the first n slots. */
static void gen_fill(struct gen *g, uint32_t n)
{
	static const uint8_t zero[6];
	const struct tr_opts *o = g->o;
	size_t len = o->size + g->off;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = g->bufs + (size_t)i * g->stride;

		if (o->pattern == ZCNET_PATTERN_ZERO)
			zcnet_frame_set_seq(p, len, g->sent + i, o->pattern);
		else
			zcnet_frame_fill(p, len, g->off ? zero : o->dst,
					 g->off ? zero : o->ifc.mac,
					 g->sent + i, o->pattern);
		memset(&g->msgs[i], 0, sizeof(g->msgs[i]));
		g->iov[i].iov_base = p + g->off;
		g->iov[i].iov_len = o->size;
		g->msgs[i].msg_hdr.msg_iov = &g->iov[i];
		g->msgs[i].msg_hdr.msg_iovlen = 1;
		if (g->off) {
			g->msgs[i].msg_hdr.msg_name = &g->to;
			g->msgs[i].msg_hdr.msg_namelen = sizeof(g->to);
		}
	}
}

static void sleep_until(double t)
{
	struct timespec ts;
	double s = t - now_seconds();

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Until the count, the time or a signal; 0 or -1 (reported). */
static int gen_loop(struct gen *g, const struct bench_extra *x, double t0)
{
	const struct tr_opts *o = g->o;
	struct timespec pause = { 0, GEN_RETRY_NS };
	uint32_t want;
	int n;

	while (!*o->stop) {
		want = g->batch;
		if (o->frames) {
			if (g->sent >= o->frames)
				return 0;
			if (o->frames - g->sent < want)
				want = (uint32_t)(o->frames - g->sent);
		} else if (now_seconds() - t0 >= o->seconds) {
			return 0;
		}
		if (x->rate)
			sleep_until(t0 + (double)g->sent / (double)x->rate);
		gen_fill(g, want);
		if (g->nfds > 1)	/* the flows take batches in turn */
			g->fd = g->fds[(g->sent / g->batch) % g->nfds];
		n = sendmmsg(g->fd, g->msgs, want, 0);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				errmsg("sendmmsg: %s", strerror(errno));
				return -1;
			}
			g->retries++;
			nanosleep(&pause, NULL);
			continue;
		}
		g->sent += (uint64_t)n;
	}
	return 0;
}

static void gen_close(struct gen *g)
{
	if (!g->nfds && g->fd >= 0)
		close(g->fd);
	for (uint32_t i = 0; i < g->nfds; i++)
		close(g->fds[i]);
}

int bench_gen(struct tr_opts *o, const struct bench_extra *x,
	      const char *kind)
{
	struct gen g = { .o = o, .fd = -1 };
	double t0, t1;
	int rc;

	if (!o->size)
		usage_error("-s SIZE is required");
	if (!strcmp(kind, "raw"))
		rc = gen_open_raw(o, &g);
	else if (!strcmp(kind, "udp"))
		rc = gen_open_udp(o, &g, x->flows ? x->flows : 1);
	else
		usage_error("unknown generator '%s' (want raw or udp)", kind);
	g.batch = GEN_BATCH;
	if (x->rate && x->rate / 1000 < GEN_BATCH)
		g.batch = x->rate < 1000 ? 1 : (uint32_t)(x->rate / 1000);
	g.bufs = calloc(GEN_BATCH, g.stride);
	if (!rc && !g.bufs) {
		errmsg("out of memory");
		rc = -1;
	}
	for (uint32_t i = 0; !rc && i < GEN_BATCH; i++)
		zcnet_frame_fill(g.bufs + (size_t)i * g.stride, o->size + g.off,
				 g.off ? (const uint8_t[6]){ 0 } : o->dst,
				 g.off ? (const uint8_t[6]){ 0 } : o->ifc.mac,
				 i, o->pattern);
	if (x->flows > 1 && strcmp(kind, "udp"))
		usage_error("--flows is for gen udp");
	if (rc) {
		gen_close(&g);
		free(g.bufs);
		return EXIT_FAILED;
	}
	o->stop = install_stop_signals();
	if (o->start_file) {
		struct timespec ts = { 0, 1000 * 1000 };

		fprintf(stderr, "%s: ready\n", util_prog);
		while (access(o->start_file, F_OK) && !*o->stop)
			nanosleep(&ts, NULL);
	}
	t0 = now_seconds();
	rc = gen_loop(&g, x, t0);
	t1 = now_seconds();
	printf("gen kind=%s status=%s size=%llu frames=%llu bytes=%llu "
	       "seconds=%.6f retries=%llu rate=%llu flows=%u\n", kind,
	       rc || !g.sent ? "failed" : "ok", (unsigned long long)o->size,
	       (unsigned long long)g.sent,
	       (unsigned long long)(g.sent * o->size), t1 - t0,
	       (unsigned long long)g.retries, (unsigned long long)x->rate,
	       g.nfds ? g.nfds : 1);
	gen_close(&g);
	free(g.bufs);
	return rc || !g.sent ? EXIT_FAILED : 0;
}
