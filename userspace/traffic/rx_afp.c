// SPDX-License-Identifier: GPL-2.0-only
/* The AF_PACKET receiver: a TPACKET_V3 ring, every frame verified. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "traffic.h"

#define RCVBUF_BYTES	(64 << 20)
/* A 32 MiB ring of small blocks, so that progress is seen often. */
#define BLOCK_SIZE	(128 << 10)
#define BLOCK_NR	256
#define FRAME_SIZE	2048
#define BLOCK_TOV_MS	2
#define POLL_MS		100
#define MAX_RUNS	10

struct arecv {
	struct rx_check c;
	uint64_t truncated, kernel_packets, kernel_drops;
	bool stats_valid;
	double first_t, last_t;
	struct tick tick;	/* --interval */
};

/*
 * A progress line; reading PACKET_STATISTICS resets them, so what it
 * read is kept for the report.
 */
static void tick(struct arecv *a, int fd, double now, bool final)
{
	struct tick_count c = { .units = a->c.frames, .bytes = a->c.bytes,
				.copied = TICK_NONE, .errors = a->c.bad,
				.drops = TICK_NONE };
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (a->tick.every <= 0)
		return;
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len)) {
		a->kernel_packets += st.tp_packets;
		a->kernel_drops += st.tp_drops;
		c.drops = a->kernel_drops;
	} else {
		c.drops = a->tick.prev.drops;	/* as the line before */
	}
	if (final)
		tick_final(&a->tick, now, &c);
	else
		tick_line(&a->tick, now, &c);
}

static void report(const struct rx_opts *o, const struct arecv *a,
		   const char *why, bool ok)
{
	double span = a->c.frames > 1 ? a->last_t - a->first_t : 0;
	uint64_t first[MAX_RUNS], len[MAX_RUNS], runs = 0;
	char ns[256], title[512], runs_str[MAX_RUNS * 48 + 4];
	unsigned int n = 0, i;
	size_t k = 0;
	struct rep p;

	if (rx_lost(&a->c, o->frames))
		runs = rx_missing(&a->c, o->frames, first, len, &n, MAX_RUNS);
	k += (size_t)snprintf(runs_str, sizeof(runs_str), o->json ? "[" : "");
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(runs_str + k, sizeof(runs_str) - k,
				      o->json ? "%s[%llu, %llu]" : "%s%llu+%llu",
				      i ? (o->json ? ", " : " ") : "",
				      (unsigned long long)first[i],
				      (unsigned long long)len[i]);
	snprintf(runs_str + k, sizeof(runs_str) - k, "%s",
		 o->json ? "]" : runs > n ? " ..." : "");
	netns_name(ns, sizeof(ns));
	snprintf(title, sizeof(title), "zcnet-recv: %s (ifindex %u) in netns "
		 "%s, AF_PACKET, stopped: %s", o->ifc.name, o->ifc.ifindex, ns,
		 why);
	rep_begin(&p, o->json ? REP_JSON : REP_TEXT, title);
	rep_str(&p, "tool", NULL, "zcnet-recv");
	rep_str(&p, "method", NULL, "af_packet");
	rep_str(&p, "iface", NULL, o->ifc.name);
	rep_str(&p, "netns", NULL, ns);
	rep_u64(&p, "frames", "frames", a->c.frames);
	rep_u64(&p, "bytes", "bytes", a->c.bytes);
	rep_u64(&p, "verified", "verified", a->c.good);
	rep_u64(&p, "bad", "bad", a->c.bad);
	rep_u64(&p, "truncated", "truncated", a->truncated);
	rep_u64(&p, "out_of_range", "seq out of range", a->c.out_of_range);
	rep_u64(&p, "unique", "unique", a->c.unique);
	rep_u64(&p, "lost", "lost", rx_lost(&a->c, o->frames));
	rep_u64(&p, "reordered", "reordered", a->c.reordered);
	rep_u64(&p, "duplicates", "duplicates", a->c.duplicates);
	rep_num(&p, "expected", "expected", "%.0f",
		o->frames ? (double)o->frames : NAN);
	rep_num(&p, "kernel_packets", "socket frames", "%.0f",
		a->stats_valid ? (double)a->kernel_packets : NAN);
	rep_num(&p, "kernel_drops", "socket drops", "%.0f",
		a->stats_valid ? (double)a->kernel_drops : NAN);
	rep_u64(&p, "missing_runs", "missing runs", runs);
	rep_raw(&p, "first_missing", runs ? "first missing" : NULL, runs_str);
	rep_num(&p, "seconds", "first to last s", "%.6f", span);
	rep_num(&p, "gbit_per_s", "Gbit/s", "%.4f",
		span > 0 ? (double)a->c.bytes * 8 / span / 1e9 : NAN);
	rep_str(&p, "stopped", NULL, why);
	rep_bool(&p, "ok", NULL, ok);
	rep_text(&p, "  result          %s\n",
		 ok ? "OK: every frame verified" : "FAILED");
	rep_end(&p);
}

static void handle_block(const struct rx_opts *o, struct arecv *a,
			 struct tpacket_block_desc *bd, double now,
			 const char **why)
{
	struct tpacket3_hdr *h = (struct tpacket3_hdr *)
		((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	uint32_t i, n = bd->hdr.bh1.num_pkts;

	for (i = 0; i < n && !*why; i++) {
		const struct sockaddr_ll *sll = (const void *)((uint8_t *)h +
			TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));

		if (sll->sll_pkttype != PACKET_OUTGOING) {
			if (!a->c.frames)
				a->first_t = now;
			a->c.frames++;
			a->c.bytes += h->tp_len;
			if (h->tp_snaplen < h->tp_len) {
				a->c.bad++;
				a->truncated++;
				rx_report(&a->c, "bad frame #%llu (%u bytes): "
					  "truncated by the receive ring",
					  (unsigned long long)a->c.frames - 1,
					  h->tp_len);
			} else {
				rx_frame(&a->c, (uint8_t *)h + h->tp_mac,
					 h->tp_len, a->c.frames - 1);
			}
			if (o->frames && a->c.frames >= o->frames)
				*why = "frame count reached";
		}
		h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
	}
	if (n)
		a->last_t = now;
}

static const char *run(const struct rx_opts *o, struct arecv *a, int fd,
		       uint8_t *ring, struct progress *pg)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLERR };
	double t0 = now_seconds(), last = t0, now;
	unsigned int block = 0;
	const char *why = NULL;

	tick_start(&a->tick, o->interval, o->json, "frames", t0);
	while (!why) {
		struct tpacket_block_desc *bd = (struct tpacket_block_desc *)
			(ring + (size_t)block * BLOCK_SIZE);

		if (*o->stop)
			return "signal";
		now = now_seconds();
		if (tick_due(&a->tick, now))
			tick(a, fd, now, false);
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			if (o->seconds > 0 && now - t0 >= o->seconds)
				return "time limit";
			if (now - last >= o->idle)
				return "idle timeout";
			if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR) {
				errmsg("poll: %s", strerror(errno));
				return "error";
			}
			continue;
		}
		handle_block(o, a, bd, now, &why);
		if (bd->hdr.bh1.num_pkts) {
			last = now;
			if (pg->map && a->c.unique)
				progress_store(pg, a->c.max_seq + 1);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		block = (block + 1) % BLOCK_NR;
		if (!why && o->seconds > 0 && now - t0 >= o->seconds)
			why = "time limit";
	}
	return why;
}

/* The socket with its ring mapped, bound to the test ethertype. */
static int open_ring(const struct rx_opts *o, uint8_t **ring)
{
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE, .tp_block_nr = BLOCK_NR,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
		.tp_retire_blk_tov = BLOCK_TOV_MS };
	struct tpacket_stats_v3 stats;
	socklen_t slen = sizeof(stats);
	int fd, v = TPACKET_V3, rcvbuf = RCVBUF_BYTES;
	char mac[18], ns[256];

	/* protocol 0: nothing arrives before the ring is ready */
	fd = afp_socket();
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) {
		errmsg("PACKET_VERSION TPACKET_V3: %s", strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(v));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &slen);
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		errmsg("PACKET_RX_RING (%d MiB): %s",
		       (BLOCK_SIZE >> 10) * BLOCK_NR >> 10, strerror(errno));
		goto fail;
	}
	*ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR, PROT_READ |
		     PROT_WRITE, MAP_SHARED | MAP_LOCKED | MAP_POPULATE, fd, 0);
	if (*ring == MAP_FAILED)
		*ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR, PROT_READ |
			     PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*ring == MAP_FAILED) {
		errmsg("mapping the receive ring: %s", strerror(errno));
		goto fail;
	}
	if (afp_bind(fd, &o->ifc, ZCNET_FRAME_ETHERTYPE) < 0) {
		munmap(*ring, (size_t)BLOCK_SIZE * BLOCK_NR);
		return -1;
	}
	/* the statistics so far are reset by reading them */
	slen = sizeof(stats);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen);
	format_mac(o->ifc.mac, mac);
	netns_name(ns, sizeof(ns));
	fprintf(stderr, "%s: receiving ethertype 0x%04x on %s (ifindex %u, %s) "
		"in netns %s, ring %d MiB, rcvbuf %d\n", util_prog,
		ZCNET_FRAME_ETHERTYPE, o->ifc.name, o->ifc.ifindex, mac, ns,
		BLOCK_SIZE * BLOCK_NR >> 20, rcvbuf);
	return fd;
fail:
	close(fd);
	return -1;
}

int rx_afp(struct rx_opts *o)
{
	struct progress pg = { .fd = -1 };
	struct tpacket_stats_v3 stats;
	socklen_t slen = sizeof(stats);
	struct arecv a = { 0 };
	const char *why;
	uint8_t *ring;
	bool ok;
	int fd;

	a.c.seq_limit = o->frames ? o->frames : SEQ_LIMIT;
	if (o->progress && progress_create(o->progress, &pg))
		return EXIT_FAILED;
	fd = open_ring(o, &ring);
	if (fd < 0) {
		progress_close(&pg);
		return EXIT_FAILED;
	}
	why = run(o, &a, fd, ring, &pg);
	tick(&a, fd, now_seconds(), true);
	if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen)) {
		a.stats_valid = true;
		a.kernel_packets += stats.tp_packets;
		a.kernel_drops += stats.tp_drops;
	}
	munmap(ring, (size_t)BLOCK_SIZE * BLOCK_NR);
	close(fd);
	progress_close(&pg);
	ok = a.c.unique && !a.c.bad && !a.c.duplicates &&
	     !rx_lost(&a.c, o->frames) && (!o->strict_order || !a.c.reordered) &&
	     (!o->frames || a.c.unique == o->frames);
	report(o, &a, why, ok);
	free(a.c.seen);
	return ok ? 0 : EXIT_FAILED;
}
