// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench ping and echo: round-trip latency of small raw frames. */
/*
 * ping sends one test frame (ethertype ZCNET_FRAME_ETHERTYPE, its number
 * behind the Ethernet header) out of -i with an AF_PACKET socket, waits
 * for it to come back and only then sends the next; echo, on the other
 * NIC, sends every test frame back with the addresses swapped. Only the
 * way ping waits for the reply differs between the methods:
 *   afp                a packet socket of the test ethertype, poll()
 *   zcnet-rx           a zcnet context bound RX, sleeping in poll()
 *   zcnet-rx-busypoll  the same with ZCNET_PARAM_BUSY_POLL_USEC
 * Each round trip is timed on CLOCK_MONOTONIC, from before the send to
 * after the reply was read; the first WARMUP are left out (they also
 * show the context its NAPI). Prints one line:
 *   ping method=M size=S frames=N lost=L p50_us=.. p99_us=.. min_us=..
 *        max_us=.. mean_us=.. busy_poll_usec=U busy_polls=B
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "libzcnet.h"
#include "bench.h"
#include "frame.h"

#define PP_WARMUP	100
#define PP_WAIT_MS	1000	/* a reply later than this is lost */
#define PP_RING		256
#define PP_BUF		2048

struct pp {
	const struct tr_opts *o;
	int tx, rx;		/* packet sockets: send; afp: receive */
	struct zcnet_ctx *ctx;
	struct zcnet_mem mem;
	uint32_t region;
	uint8_t frame[PP_BUF];
};

static uint64_t pp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t pp_seq(const uint8_t *p, size_t len)
{
	uint64_t seq;

	if (len < ZCNET_FRAME_ETH_LEN + sizeof(seq) ||
	    (p[12] << 8 | p[13]) != ZCNET_FRAME_ETHERTYPE)
		return UINT64_MAX;
	memcpy(&seq, p + ZCNET_FRAME_ETH_LEN, sizeof(seq));
	return seq;
}

static void pp_post(struct pp *p, uint64_t offset)
{
	struct zcnet_ring *fill = zcnet_fill_ring(p->ctx);
	struct zcnet_fill_desc *d;
	uint32_t idx;

	if (zcnet_ring_reserve(fill, 1, &idx) != 1)
		return;
	d = zcnet_ring_fill_desc(fill, idx);
	memset(d, 0, sizeof(*d));
	d->offset = offset;
	d->len = PP_BUF;
	d->region = (uint16_t)p->region;
	zcnet_ring_submit(fill, 1);
}

/* The next reply: its seq, UINT64_MAX for another frame, or -1 (none). */
static int pp_take(struct pp *p, uint64_t *seq)
{
	struct zcnet_rx_desc e;
	uint32_t idx;
	ssize_t n;

	if (p->ctx) {
		struct zcnet_ring *rx = zcnet_rx_ring(p->ctx);

		if (zcnet_ring_peek(rx, 1, &idx) != 1)
			return -1;
		e = *zcnet_ring_rx_desc(rx, idx);
		zcnet_ring_release(rx, 1);
		*seq = pp_seq((uint8_t *)p->mem.addr + e.offset + e.data,
			      e.len);
		pp_post(p, e.offset);
		return 0;
	}
	n = recv(p->rx, p->frame, sizeof(p->frame), MSG_DONTWAIT);
	if (n < 0)
		return -1;
	*seq = pp_seq(p->frame, (size_t)n);
	return 0;
}

/* One round trip of frame seq: its time in ns, 0 if lost, -1 on error. */
static int64_t pp_round(struct pp *p, uint64_t seq)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ZCNET_FRAME_ETHERTYPE),
				   .sll_ifindex = (int)p->o->ifc.ifindex,
				   .sll_halen = 6 };
	struct pollfd pfd = { .fd = p->ctx ? zcnet_ctx_fd(p->ctx) : p->rx,
			      .events = POLLIN };
	uint64_t t0, got;
	int k;

	memcpy(sll.sll_addr, p->o->dst, 6);
	memset(p->frame, 0, p->o->size);
	memcpy(p->frame, p->o->dst, 6);
	memcpy(p->frame + 6, p->o->ifc.mac, 6);
	p->frame[12] = ZCNET_FRAME_ETHERTYPE >> 8;
	p->frame[13] = ZCNET_FRAME_ETHERTYPE & 0xff;
	memcpy(p->frame + ZCNET_FRAME_ETH_LEN, &seq, sizeof(seq));
	t0 = pp_now_ns();
	if (sendto(p->tx, p->frame, p->o->size, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) != (ssize_t)p->o->size) {
		errmsg("sendto: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		while (!pp_take(p, &got))
			if (got == seq)
				return (int64_t)(pp_now_ns() - t0);
		if (*p->o->stop)
			return -1;
		k = poll(&pfd, 1, PP_WAIT_MS);
		if (k < 0 && errno != EINTR) {
			errmsg("poll: %s", strerror(errno));
			return -1;
		}
		if (!k)
			return 0;
	}
}

static int pp_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int pp_zcnet(struct pp *p, uint32_t busy_usec)
{
	struct zcnet_bind bind = { .flags = ZCNET_BIND_RX,
				   .ifindex = p->o->ifc.ifindex,
				   .queue = ZCNET_QUEUE_ANY,
				   .rx_match = ZCNET_RX_MATCH_ETHERTYPE,
				   .rx_ethertype = ZCNET_FRAME_ETHERTYPE };
	uint32_t i;
	int err;

	if (zc_open(&p->ctx, busy_usec ? ZCNET_FEAT_BUSY_POLL : 0,
		    "busy polling") ||
	    zc_rings(p->ctx, 0, PP_RING) ||
	    zc_region(p->ctx, (size_t)PP_RING * PP_BUF, &p->mem, &p->region) ||
	    (busy_usec && zc_param(p->ctx, ZCNET_PARAM_BUSY_POLL_USEC,
				   busy_usec, "the busy-poll time")))
		return -1;
	for (i = 0; i < PP_RING; i++)
		pp_post(p, (uint64_t)i * PP_BUF);
	err = zcnet_bind(p->ctx, &bind);
	if (err)
		errmsg("zcnet receive bind on %s: %s", p->o->ifc.name,
		       strerror(-err));
	return err ? -1 : 0;
}

/* A "name:\tvalue" counter of the context's fdinfo, or 0. */
static unsigned long long pp_fdinfo(struct pp *p, const char *name)
{
	unsigned long long v = 0;
	char path[64], line[128];
	size_t n = strlen(name);
	FILE *f;

	if (!p->ctx)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d",
		 zcnet_ctx_fd(p->ctx));
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int bench_ping(struct tr_opts *o, uint32_t busy_usec)
{
	struct pp p = { .o = o, .rx = -1 };
	uint64_t i, n = o->frames ? o->frames : 10000, lost = 0, sum = 0;
	uint64_t *ns = calloc(n, sizeof(*ns)), done = 0;
	int64_t t;
	int rc = -1;

	o->stop = install_stop_signals();
	p.tx = afp_bind(afp_socket(), &o->ifc, 0);
	if (!ns || p.tx < 0)
		goto out;
	if (!strcmp(o->method, "afp")) {
		p.rx = afp_bind(afp_socket(), &o->ifc, ZCNET_FRAME_ETHERTYPE);
		if (p.rx < 0)
			goto out;
	} else if (!strcmp(o->method, "zcnet-rx") ||
		   !strcmp(o->method, "zcnet-rx-busypoll")) {
		if (!strcmp(o->method, "zcnet-rx"))
			busy_usec = 0;
		if (pp_zcnet(&p, busy_usec))
			goto out;
	} else {
		usage_error("unknown ping method '%s'", o->method);
	}
	for (i = 0; i < n + PP_WARMUP; i++) {
		t = pp_round(&p, i);
		if (t < 0)
			goto out;
		if (!t)
			lost++;
		else if (i >= PP_WARMUP)
			sum += ns[done++] = (uint64_t)t;
	}
	if (!done) {
		errmsg("no reply came back");
		goto out;
	}
	qsort(ns, done, sizeof(*ns), pp_cmp);
	printf("ping method=%s size=%llu frames=%llu lost=%llu p50_us=%.1f "
	       "p99_us=%.1f min_us=%.1f max_us=%.1f mean_us=%.1f "
	       "busy_poll_usec=%u busy_polls=%llu\n", o->method,
	       (unsigned long long)o->size, (unsigned long long)done,
	       (unsigned long long)lost, ns[done / 2] / 1e3,
	       ns[done * 99 / 100] / 1e3, ns[0] / 1e3, ns[done - 1] / 1e3,
	       sum / 1e3 / done, p.ctx ? busy_usec : 0,
	       pp_fdinfo(&p, "rx_busy_polls"));
	rc = 0;
out:
	if (p.ctx)
		zcnet_close(p.ctx);
	zcnet_mem_free(&p.mem);
	if (p.rx >= 0)
		close(p.rx);
	if (p.tx >= 0)
		close(p.tx);
	free(ns);
	return rc;
}

/* Sends every test frame on -i back to where it came from, until killed. */
int bench_echo(struct tr_opts *o)
{
	int fd = afp_bind(afp_socket(), &o->ifc, ZCNET_FRAME_ETHERTYPE);
	uint8_t buf[PP_BUF], mac[6];
	ssize_t n;

	if (fd < 0)
		return -1;
	o->stop = install_stop_signals();
	fprintf(stderr, "ready\n");
	while (!*o->stop) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < ZCNET_FRAME_ETH_LEN)
			continue;
		memcpy(mac, buf, 6);
		memcpy(buf, buf + 6, 6);
		memcpy(buf + 6, mac, 6);
		if (send(fd, buf, (size_t)n, 0) < 0 && errno != ENOBUFS)
			errmsg("echo send: %s", strerror(errno));
	}
	close(fd);
	return 0;
}
