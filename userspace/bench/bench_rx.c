// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench recv: the measured receive loop, its report, and receivers. */
/*
 * Every test frame is verified (rx_check) whatever the method, so the
 * check costs the same everywhere. UDP datagrams carry a test frame
 * without its Ethernet header: the receiver reads each one 14 bytes into
 * a buffer whose first 14 bytes hold a fixed header, and checks the
 * whole as a frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "frame.h"

#define WAIT_MS		20	/* this long without a frame ends a span */
#define FIRST_S		60.0	/* for the first frame */
#define UDP_BATCH	64
#define TP_BLOCK	(RX_BLOCK_FRAMES * 2048)
#define TP_BLOCKS	256

static void rxb_start(struct rx_bench *b)
{
	cpu_sample(&b->c0);
	b->t_first = b->c0.when;
	b->started = true;
}

static uint64_t rxb_frame_len(const struct rx_bench *b)
{
	return b->o->udp ? b->o->size + ZCNET_FRAME_ETH_LEN : b->o->size;
}

void rxb_frame(struct rx_bench *b, const uint8_t *data, size_t len)
{
	uint64_t nr = b->c.frames + b->other;

	if (len < ZCNET_FRAME_ETH_LEN ||
	    (data[12] << 8 | data[13]) != ZCNET_FRAME_ETHERTYPE) {
		b->other++;
		return;
	}
	if (!b->started)
		rxb_start(b);
	b->pending = true;
	b->c.frames++;
	b->c.bytes += len - (b->o->udp ? ZCNET_FRAME_ETH_LEN : 0);
	if (len != rxb_frame_len(b)) {
		b->wrong_size++;
		b->c.bad++;
		rx_report(&b->c, "frame #%llu has %zu bytes, not %llu",
			  (unsigned long long)nr, len,
			  (unsigned long long)rxb_frame_len(b));
		return;
	}
	rx_frame(&b->c, data, len, nr);
}

int rxb_poll(struct rx_bench *b, int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	b->syscalls++;
	n = poll(&p, 1, ms);
	if (n < 0 && errno != EINTR) {
		errmsg("poll: %s", strerror(errno));
		return -1;
	}
	return n > 0;
}

bool rxb_done(const struct rx_bench *b)
{
	return b->o->frames && b->c.unique >= b->o->frames;
}

int rxb_run(struct rx_method *m)
{
	struct rx_bench *b = m->b;
	const struct tr_opts *o = b->o;
	struct timespec ts = { 0, 1000 * 1000 };
	double begin, now, first = b->x->idle > FIRST_S ? b->x->idle : FIRST_S;
	uint64_t seen;
	int n;

	if (o->start_file) {
		fprintf(stderr, "%s: ready\n", util_prog);
		while (access(o->start_file, F_OK) && !*o->stop)
			nanosleep(&ts, NULL);
		rxb_start(b);
	} else {
		fprintf(stderr, "%s: ready\n", util_prog);
	}
	begin = now_seconds();
	for (;;) {
		if (*o->stop) {
			b->stopped = "signal";
			break;
		}
		seen = b->c.frames;
		n = m->take(m, WAIT_MS);
		now = now_seconds();
		if (n < 0) {
			b->stopped = "error";
			break;
		}
		if (b->c.frames > seen)
			b->t_last = now;
		if (n > 0) {
			if (rxb_done(b)) {
				b->stopped = "frame count";
				break;
			}
			continue;
		}
		if (b->pending) {
			cpu_sample(&b->c1);
			b->pending = false;
		}
		if (o->seconds > 0 && now - begin >= o->seconds) {
			b->stopped = "time limit";
			break;
		}
		if (b->c.frames ? now - b->t_last >= b->x->idle :
		    now - begin >= first) {
			b->stopped = b->c.frames ? "idle" : "no frames";
			break;
		}
	}
	if (b->pending)
		cpu_sample(&b->c1);
	return n < 0 ? -1 : 0;
}

/* ---- AF_PACKET, TPACKET_V3 ---- */

struct tp_rx {
	struct rx_method m;	/* first */
	int fd;
	uint8_t *ring;
	unsigned int block;
};

static int tp_take(struct rx_method *m, int ms)
{
	struct tp_rx *t = (struct tp_rx *)m;
	struct tpacket_block_desc *bd = (void *)(t->ring +
					(size_t)t->block * TP_BLOCK);
	struct tpacket3_hdr *h;
	uint32_t i, n;
	int k;

	while (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				 __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
		k = rxb_poll(m->b, t->fd, ms);
		if (k <= 0)
			return k;
	}
	n = bd->hdr.bh1.num_pkts;
	h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	for (i = 0; i < n; i++) {
		const struct sockaddr_ll *sll = (const void *)((uint8_t *)h +
			TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));

		if (sll->sll_pkttype == PACKET_OUTGOING) {
			/* our own, on a device we also send on */
		} else if (h->tp_snaplen < h->tp_len) {
			m->b->c.frames++;
			m->b->c.bad++;
			rx_report(&m->b->c, "a %u-byte frame truncated by the "
				  "ring", h->tp_len);
		} else {
			rxb_frame(m->b, (uint8_t *)h + h->tp_mac, h->tp_len);
		}
		h = (void *)((uint8_t *)h + h->tp_next_offset);
	}
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	t->block = (t->block + 1) % TP_BLOCKS;
	return n ? (int)n : 1;	/* an empty block still moved the ring */
}

static int rx_tpacket(struct rx_bench *b)
{
	struct tpacket_req3 req = {
		.tp_block_size = TP_BLOCK, .tp_block_nr = TP_BLOCKS,
		.tp_frame_size = 2048,
		.tp_frame_nr = TP_BLOCK / 2048 * TP_BLOCKS,
		.tp_retire_blk_tov = RX_BLOCK_TOV_MS };
	struct tp_rx t = { .m = { .b = b, .take = tp_take } };
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);
	size_t size = (size_t)TP_BLOCK * TP_BLOCKS;
	int v = TPACKET_V3, rc = -1;

	t.fd = afp_socket();
	if (t.fd < 0)
		return -1;
	if (setsockopt(t.fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(t.fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		errmsg("TPACKET_V3 ring of %zu MiB: %s", size >> 20,
		       strerror(errno));
		close(t.fd);
		return -1;
	}
	t.ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
		      MAP_POPULATE, t.fd, 0);
	if (t.ring == MAP_FAILED) {
		errmsg("mapping the ring: %s", strerror(errno));
		close(t.fd);
		return -1;
	}
	if (afp_bind(t.fd, &b->o->ifc, ZCNET_FRAME_ETHERTYPE) >= 0) {
		getsockopt(t.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len);
		snprintf(b->mode, sizeof(b->mode), "ring=%zuMiB", size >> 20);
		rc = rxb_run(&t.m);
		len = sizeof(st);
		if (!getsockopt(t.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
			b->drops = st.tp_drops;
		close(t.fd);
	}
	munmap(t.ring, size);
	return rc;
}

/* ---- UDP, recvmmsg ---- */

struct udp_rx {
	struct rx_method m;	/* first */
	int fd;
	uint8_t *bufs;
	size_t stride;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
};

/* Blocks up to the socket's receive timeout (WAIT_MS) for the first. */
static int udp_take(struct rx_method *m, int ms)
{
	struct udp_rx *u = (struct udp_rx *)m;
	int n, i;

	(void)ms;
	for (i = 0; i < UDP_BATCH; i++) {
		u->msgs[i].msg_hdr.msg_iov = &u->iov[i];
		u->msgs[i].msg_hdr.msg_iovlen = 1;
		u->msgs[i].msg_hdr.msg_flags = 0;
	}
	m->b->syscalls++;
	n = recvmmsg(u->fd, u->msgs, UDP_BATCH, MSG_WAITFORONE, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		errmsg("recvmmsg: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (u->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			m->b->c.frames++;
			m->b->c.bad++;
			rx_report(&m->b->c, "a datagram longer than %zu bytes",
				  u->iov[i].iov_len);
			continue;
		}
		rxb_frame(m->b, u->bufs + (size_t)i * u->stride,
			  u->msgs[i].msg_len + ZCNET_FRAME_ETH_LEN);
	}
	return n;
}

/* Udp RcvbufErrors of this namespace (/proc/net/snmp), or 0. */
static uint64_t udp_rcvbuf_errors(void)
{
	char names[1024], values[1024], *n, *v, *sn, *sv;
	uint64_t r = 0;
	FILE *f = fopen("/proc/net/snmp", "re");

	while (f && fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Udp: ", 5) || strncmp(values, "Udp: ", 5))
			continue;
		n = strtok_r(names + 5, " \n", &sn);
		v = strtok_r(values + 5, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn),
		     v = strtok_r(NULL, " \n", &sv))
			if (!strcmp(n, "RcvbufErrors"))
				r = strtoull(v, NULL, 10);
		break;
	}
	if (f)
		fclose(f);
	return r;
}

static int rx_udp(struct rx_bench *b)
{
	struct udp_rx u = { .m = { .b = b, .take = udp_take } };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(b->o->port) };
	struct timeval tv = { 0, WAIT_MS * 1000 };
	int rcvbuf = 8 << 20, rc = -1, i;
	uint64_t drops;

	u.stride = (b->o->size + ZCNET_FRAME_ETH_LEN + 64 + 63) & ~(size_t)63;
	u.bufs = calloc(UDP_BATCH, u.stride);
	u.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!u.bufs || u.fd < 0) {
		errmsg("UDP socket: %s", strerror(errno));
		goto out;
	}
	if (setsockopt(u.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(u.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	setsockopt(u.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (b->o->iface && setsockopt(u.fd, SOL_SOCKET, SO_BINDTODEVICE,
				      b->o->ifc.name, strlen(b->o->ifc.name))) {
		errmsg("SO_BINDTODEVICE %s: %s", b->o->ifc.name,
		       strerror(errno));
		goto out;
	}
	if (bind(u.fd, (struct sockaddr *)&sin, sizeof(sin))) {
		errmsg("bind to UDP port %u: %s", b->o->port, strerror(errno));
		goto out;
	}
	for (i = 0; i < UDP_BATCH; i++) {
		uint8_t *p = u.bufs + (size_t)i * u.stride;

		p[12] = ZCNET_FRAME_ETHERTYPE >> 8;
		p[13] = ZCNET_FRAME_ETHERTYPE & 0xff;
		u.iov[i].iov_base = p + ZCNET_FRAME_ETH_LEN;
		u.iov[i].iov_len = u.stride - ZCNET_FRAME_ETH_LEN;
	}
	snprintf(b->mode, sizeof(b->mode), "port=%u batch=%d", b->o->port,
		 UDP_BATCH);
	drops = udp_rcvbuf_errors();
	rc = rxb_run(&u.m);
	b->drops = udp_rcvbuf_errors() - drops;
out:
	if (u.fd >= 0)
		close(u.fd);
	free(u.bufs);
	return rc;
}

/* ---- the command ---- */

static void report(struct rx_bench *b, int rc)
{
	const struct tr_opts *o = b->o;
	double cpu = cpu_busy_seconds(&b->c0, &b->c1);
	char reason[300];
	struct rep p;

	rep_begin(&p, REP_KV, "recv");
	rep_str(&p, "method", NULL, o->method);
	rep_u64(&p, "size", NULL, o->size);
	if (b->unavailable[0]) {
		for (char *s = b->unavailable; *s; s++)
			if (*s == '"' || *s == '\n')
				*s = '\'';
		snprintf(reason, sizeof(reason), "\"%s\"", b->unavailable);
		rep_str(&p, "status", NULL, "unavailable");
		rep_raw(&p, "reason", NULL, reason);
		rep_end(&p);
		return;
	}
	rep_str(&p, "status", NULL, rc ? "failed" : "ok");
	rep_u64(&p, "frames", NULL, b->c.frames);
	rep_u64(&p, "bytes", NULL, b->c.bytes);
	rep_u64(&p, "verified", NULL, b->c.unique);
	rep_u64(&p, "lost", NULL, rx_lost(&b->c, o->frames));
	rep_u64(&p, "bad", NULL, b->c.bad);
	rep_u64(&p, "dup", NULL, b->c.duplicates);
	rep_u64(&p, "reordered", NULL, b->c.reordered);
	rep_u64(&p, "other", NULL, b->other);
	rep_u64(&p, "drops", NULL, b->drops);
	rep_num(&p, "seconds", NULL, "%.6f", b->started && b->t_last ?
		b->t_last - b->t_first : 0);
	if (b->c0.valid && b->c1.valid) {
		rep_u64(&p, "cpus", NULL, b->c1.cpus);
		rep_u64(&p, "hz", NULL, (uint64_t)sysconf(_SC_CLK_TCK));
		rep_u64(&p, "idle0", NULL, b->c0.ticks_idle);
		rep_u64(&p, "idle1", NULL, b->c1.ticks_idle);
		rep_num(&p, "cpu_s", NULL, "%.4f", cpu);
	}
	rep_u64(&p, "syscalls", NULL, b->syscalls);
	if (!strcmp(o->method, "zcnet"))
		rep_u64(&p, "copied", NULL, b->copied);
	for (char *s = b->mode; *s; s++)
		if (*s == ' ')
			*s = ',';
	rep_str(&p, "mode", NULL, b->mode[0] ? b->mode : "-");
	rep_str(&p, "stopped", NULL, b->stopped ? b->stopped : "setup");
	rep_end(&p);
}

int bench_recv(struct tr_opts *o, const struct bench_extra *x)
{
	static const struct {
		const char *name;
		int (*fn)(struct rx_bench *b);
		bool raw;
	} methods[] = {
		{ "zcnet", bench_zcnet_rx, true },
		{ "afp-tpacket-v3", rx_tpacket, true },
		{ "af-xdp-copy", bench_xsk_rx, true },
		{ "udp-recvmmsg", rx_udp, false },
		{ "zcnet-rxq", bench_zcnet_udp_rx, false },
	};
	struct rx_bench b = { .o = o, .x = x };
	size_t i, n = sizeof(methods) / sizeof(methods[0]);
	int rc;

	for (i = 0; i < n && strcmp(methods[i].name, o->method); i++)
		;
	if (i == n)
		usage_error("unknown receive method '%s'", o->method);
	if (!o->size)
		usage_error("-s SIZE is required");
	o->udp = !methods[i].raw;
	if (methods[i].raw && !o->iface)
		usage_error("-i IFACE is required");
	if (o->iface)
		iface_require(o->iface, &o->ifc);
	if (methods[i].raw &&
	    (o->size < 60 || o->size > iface_max_frame(&o->ifc)))
		usage_error("-s %llu: frames are 60..%llu bytes on %s",
			    (unsigned long long)o->size,
			    (unsigned long long)iface_max_frame(&o->ifc),
			    o->ifc.name);
	if (o->udp && (o->size < ZCNET_FRAME_HDR_LEN ||
		       o->size > UDP_MAX_LEN))
		usage_error("-s %llu: datagrams are %d..%d bytes",
			    (unsigned long long)o->size, ZCNET_FRAME_HDR_LEN,
			    UDP_MAX_LEN);
	b.c.seq_limit = o->frames && o->frames < SEQ_LIMIT ?
			o->frames * 2 + 1024 : SEQ_LIMIT;
	o->stop = install_stop_signals();
	rc = methods[i].fn(&b);
	if (!rc && (!b.c.unique || b.c.bad || b.c.duplicates))
		rc = -1;
	if (!b.c.unique && !b.unavailable[0])
		errmsg("no test frame arrived");
	report(&b, rc);
	free(b.c.seen);
	return b.unavailable[0] ? EXIT_UNSUPPORTED : rc ? EXIT_FAILED : 0;
}
