// SPDX-License-Identifier: GPL-2.0-only
/* The zcnet receiver (ZCNET_BIND_RX), every test frame verified. */
/*
 * One region of RING buffers, only the FILL and RX rings, every buffer
 * posted before the bind. Each RX entry must name a posted buffer; its
 * frame is verified and the buffer posted again. Frames of other
 * ethertypes are counted, not verified.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

#define WAIT_MS		100

struct zrecv {
	struct rx_opts *o;
	struct rx_check c;
	struct progress pg;
	uint8_t *base;
	uint32_t region;
	uint8_t *posted;		/* per buffer: on the FILL ring */
	uint64_t frames, bytes;		/* RX entries, frame_len of each */
	uint64_t test_frames, other, truncated, bad_entries, not_copied;
	uint64_t copied, wakeups;
	struct tick tick;		/* --interval */
	double first_t, last_t;
	struct zcnet_stats stats;
	bool stats_valid;
	char ns[256];
};

static void bad_entry(struct zrecv *z)
{
	z->bad_entries++;
	z->c.bad++;
}

/* One RX entry; returns the buffer to post again, or -1. */
static long handle_entry(struct zrecv *z, const struct zcnet_rx_desc *e)
{
	const struct rx_opts *o = z->o;
	unsigned long long nr = z->frames++;
	const uint8_t *data;
	long buf;

	z->bytes += e->frame_len;
	if (e->region != z->region || e->offset % o->buf_size ||
	    e->offset >= (uint64_t)o->ring * o->buf_size ||
	    !z->posted[e->offset / o->buf_size]) {
		bad_entry(z);
		rx_report(&z->c, "entry #%llu names region %u offset %llu: not "
			  "a posted buffer", nr, e->region,
			  (unsigned long long)e->offset);
		return -1;
	}
	buf = (long)(e->offset / o->buf_size);
	z->posted[buf] = 0;
	if (e->buf_len != o->buf_size || e->data > e->buf_len ||
	    e->len > e->buf_len - e->data || e->reserved ||
	    (e->flags & ~(uint32_t)(ZCNET_RX_COPIED | ZCNET_RX_TRUNCATED))) {
		bad_entry(z);
		rx_report(&z->c, "entry #%llu: buf_len %u, data %u, len %u, "
			  "flags 0x%x, reserved %u do not fit the %u-byte "
			  "buffer", nr, e->buf_len, e->data, e->len, e->flags,
			  e->reserved, o->buf_size);
		return buf;
	}
	if (!(e->flags & ZCNET_RX_COPIED))
		z->not_copied++;
	else
		z->copied++;
	data = z->base + e->offset + e->data;
	if (e->flags & ZCNET_RX_TRUNCATED || e->len < e->frame_len) {
		z->truncated++;
		if (!(e->flags & ZCNET_RX_TRUNCATED) || e->len >= e->frame_len) {
			bad_entry(z);
			rx_report(&z->c, "entry #%llu: len %u, frame_len %u, "
				  "flags 0x%x disagree", nr, e->len,
				  e->frame_len, e->flags);
		}
		return buf;
	}
	if (e->len != e->frame_len) {
		bad_entry(z);
		rx_report(&z->c, "entry #%llu: len %u > frame_len %u", nr,
			  e->len, e->frame_len);
		return buf;
	}
	if (e->len < 14 || (data[12] << 8 | data[13]) != ZCNET_FRAME_ETHERTYPE) {
		z->other++;
		return buf;
	}
	z->test_frames++;
	rx_frame(&z->c, data, e->len, nr);
	return buf;
}

static int post(struct zcnet_ring *fill, struct zrecv *z, uint32_t buf)
{
	struct zcnet_fill_desc *d;
	uint32_t idx;

	if (zcnet_ring_reserve(fill, 1, &idx) != 1)
		return -ENOSPC;
	d = zcnet_ring_fill_desc(fill, idx);
	memset(d, 0, sizeof(*d));
	d->offset = (uint64_t)buf * z->o->buf_size;
	d->len = z->o->buf_size;
	d->region = (uint16_t)z->region;
	z->posted[buf] = 1;
	return 0;
}

/* The frames the context dropped, every rx_drop_*; TICK_NONE: unknown. */
static uint64_t rx_drops(struct zcnet_ctx *ctx)
{
	struct zcnet_stats st;
	uint64_t n = 0;

	if (zcnet_get_stats(ctx, &st))
		return TICK_NONE;
	for (unsigned int i = 0; i < zcnet_stats_count(); i++)
		if (!strncmp(zcnet_stats_name(i), "rx_drop_", 8))
			n += zcnet_stats_value(&st, i);
	return n;
}

static void tick(struct zcnet_ctx *ctx, struct zrecv *z, double now,
		 bool final)
{
	struct tick_count c = { .units = z->frames, .bytes = z->bytes,
				.copied = z->copied, .errors = z->c.bad,
				.drops = 0 };

	if (z->tick.every <= 0)
		return;
	c.drops = rx_drops(ctx);
	if (c.drops == TICK_NONE)	/* keep the lines' numbers whole */
		c.drops = z->tick.prev.drops;
	if (final)
		tick_final(&z->tick, now, &c);
	else
		tick_line(&z->tick, now, &c);
}

static const char *run(struct zcnet_ctx *ctx, struct zrecv *z, int efd)
{
	const struct rx_opts *o = z->o;
	struct zcnet_ring *rx = zcnet_rx_ring(ctx), *fill = zcnet_fill_ring(ctx);
	double t0 = now_seconds(), last = t0, now;
	uint32_t n, i, idx, reposted;
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v;
	long buf;

	tick_start(&z->tick, o->interval, o->json, "frames", t0);
	for (;;) {
		if (*o->stop)
			return "signal";
		n = zcnet_ring_peek(rx, zcnet_ring_entries(rx), &idx);
		now = now_seconds();
		if (tick_due(&z->tick, now))
			tick(ctx, z, now, false);
		if (o->seconds > 0 && now - t0 >= o->seconds) {
			if (n)
				zcnet_ring_unpeek(rx, n);
			return "time limit";
		}
		if (!n) {
			if (now - last >= o->idle)
				return "idle timeout";
			if (poll(&p, 1, WAIT_MS) < 0 && errno != EINTR) {
				errmsg("poll: %s", strerror(errno));
				return "error";
			}
			if ((p.revents & POLLIN) &&
			    read(efd, &v, sizeof(v)) == sizeof(v))
				z->wakeups++;
			continue;
		}
		if (!z->frames)
			z->first_t = now;
		z->last_t = last = now;
		for (i = 0, reposted = 0; i < n;) {
			struct zcnet_rx_desc e = *zcnet_ring_rx_desc(rx, idx + i++);

			buf = handle_entry(z, &e);
			if (buf >= 0 && !post(fill, z, (uint32_t)buf))
				reposted++;
			if (o->frames && z->frames >= o->frames)
				break;
		}
		zcnet_ring_release(rx, i);
		if (i < n)	/* stopped at the frame count: not handled */
			zcnet_ring_unpeek(rx, n - i);
		if (reposted)
			zcnet_ring_submit(fill, reposted);
		if (z->pg.map && z->c.unique)
			progress_store(&z->pg, z->c.max_seq + 1);
		if (o->frames && z->frames >= o->frames)
			return "frame count";
	}
}

static const char *match_str(const struct rx_opts *o, char *buf, size_t size)
{
	if (o->match == ZCNET_RX_MATCH_ALL)
		snprintf(buf, size, "all");
	else if (o->match == ZCNET_RX_MATCH_ETHERTYPE)
		snprintf(buf, size, "ethertype:0x%04X", o->ethertype);
	else
		snprintf(buf, size, "udp:%u", o->port);
	return buf;
}

/* The context's receive counters in the report. */
static const char *const rx_stats[] = { "rx_frames", "rx_bytes",
	"rx_drop_nobuf", "rx_drop_size", "rx_drop_split", "rx_truncated",
	"rx_filter_miss", "rx_fill_rejected", "rx_signals", "ring_errors",
	NULL };

static void report(struct zrecv *z, const char *why, bool ok)
{
	const struct rx_opts *o = z->o;
	const struct zcnet_stats *s = &z->stats;
	double span = z->frames > 1 ? z->last_t - z->first_t : 0;
	uint64_t expect = o->match == ZCNET_RX_MATCH_ETHERTYPE &&
			  o->ethertype == ZCNET_FRAME_ETHERTYPE ? o->frames : 0;
	char m[32], mac[18], title[512];
	const char *ns = z->ns;
	struct rep p;

	match_str(o, m, sizeof(m));
	format_mac(o->ifc.mac, mac);
	snprintf(title, sizeof(title), "zcnet-recv: %s (ifindex %u, netns %s, "
		 "%s), match %s", o->ifc.name, o->ifc.ifindex, ns, mac, m);
	rep_begin(&p, o->json ? REP_JSON : REP_TEXT, title);
	rep_str(&p, "tool", NULL, "zcnet-recv");
	rep_str(&p, "iface", NULL, o->ifc.name);
	rep_str(&p, "netns", NULL, ns);
	rep_str(&p, "mac", NULL, mac);
	rep_str(&p, "match", NULL, m);
	if (o->queue == ZCNET_QUEUE_ANY)
		rep_str(&p, "queue", "RX queue", "any");
	else
		rep_u64(&p, "queue", "RX queue", o->queue);
	rep_u64(&p, "ring", "buffers", o->ring);
	rep_u64(&p, "buf_size", "buffer bytes", o->buf_size);
	rep_u64(&p, "frames", "frames", z->frames);
	rep_u64(&p, "bytes", "bytes", z->bytes);
	rep_num(&p, "seconds", "first to last s", "%.6f", span);
	rep_num(&p, "frames_per_s", "frames/s", "%.1f",
		span > 0 ? (double)z->frames / span : NAN);
	rep_num(&p, "gbit_per_s", "Gbit/s", "%.4f",
		span > 0 ? (double)z->bytes * 8 / span / 1e9 : NAN);
	rep_u64(&p, "test_frames", "test frames", z->test_frames);
	rep_u64(&p, "verified", "verified", z->c.unique);
	rep_u64(&p, "other_frames", "other frames", z->other);
	rep_u64(&p, "lost", "lost", rx_lost(&z->c, expect));
	rep_u64(&p, "duplicates", "duplicates", z->c.duplicates);
	rep_u64(&p, "reordered", "reordered", z->c.reordered);
	rep_u64(&p, "bad", "bad", z->c.bad);
	rep_u64(&p, "truncated", "truncated", z->truncated);
	rep_u64(&p, "bad_entries", "bad entries", z->bad_entries);
	rep_u64(&p, "not_copied", "not copied", z->not_copied);
	rep_u64(&p, "wakeups", "wakeups", z->wakeups);
	for (const char *const *n = rx_stats; z->stats_valid && *n; n++)
		for (unsigned int i = 0; i < zcnet_stats_count(); i++)
			if (!strcmp(zcnet_stats_name(i), *n))
				rep_u64(&p, *n, *n, zcnet_stats_value(s, i));
	rep_str(&p, "stopped_by", "stopped by", why);
	rep_bool(&p, "ok", NULL, ok);
	rep_text(&p, "  result          %s\n", ok ? "OK" : "FAILED");
	rep_end(&p);
}

static int bind_error(int err, const char *iface, uint32_t queue,
		      const struct zcnet_ctx *ctx)
{
	if (err == -EOPNOTSUPP) {
		errmsg("this zcnet module has no receive (module features "
		       "0x%llx, receive is 0x%llx)",
		       (unsigned long long)zcnet_ctx_info(ctx)->features,
		       (unsigned long long)ZCNET_FEAT_RX);
		return EXIT_UNSUPPORTED;
	}
	if (err == -EBUSY)
		errmsg("bind: %s already has a receive handler (bridge, bond, "
		       "macvlan, or a zcnet context with the same match on the "
		       "same queue)", iface);
	else if (err == -EPERM)
		errmsg("bind: receiving on %s needs CAP_NET_ADMIN, in this "
		       "process and in the one that opened /dev/zcnet", iface);
	else if (err == -ENETDOWN)
		errmsg("bind: interface %s is down", iface);
	else if (err == -ENODEV)
		errmsg("bind: no device %s in this network namespace", iface);
	else if (err == -EINVAL && queue != ZCNET_QUEUE_ANY)
		errmsg("bind: the match or RX queue %u was rejected (is it below "
		       "the device's RX queue count?)", queue);
	else if (err == -EINVAL)
		errmsg("bind: the match was rejected: %s", strerror(-err));
	else
		errmsg("bind on %s failed: %s", iface, strerror(-err));
	return EXIT_FAILED;
}

/* --wake-frames and --wake-usec; 0, or an exit status with a message. */
static int wake_setup(struct zcnet_ctx *ctx, const struct rx_opts *o)
{
	int err;

	if (!zcnet_has_feature(ctx, ZCNET_FEAT_RX_WAKE)) {
		errmsg("this zcnet module cannot moderate wake-ups (no "
		       "ZCNET_FEAT_RX_WAKE): --wake-frames is not available");
		return EXIT_UNSUPPORTED;
	}
	err = zcnet_set_param(ctx, ZCNET_PARAM_RX_WAKE_FRAMES, o->wake_frames);
	if (!err && o->wake_usec)
		err = zcnet_set_param(ctx, ZCNET_PARAM_RX_WAKE_USEC,
				      o->wake_usec);
	if (err) {
		errmsg("setting the wake-up moderation: %s", strerror(-err));
		return EXIT_FAILED;
	}
	return 0;
}

static int setup(struct zcnet_ctx *ctx, struct zrecv *z, struct zcnet_mem *mem)
{
	struct rx_opts *o = z->o;
	struct zcnet_bind bind = { .flags = ZCNET_BIND_RX,
				   .ifindex = o->ifc.ifindex,
				   .queue = ZCNET_QUEUE_ANY,
				   .rx_match = o->match,
				   .rx_ethertype = o->ethertype,
				   .rx_port = o->port };
	size_t len = (size_t)o->ring * o->buf_size;
	int err, efd;
	char m[32], q[32];

	if (!zcnet_has_feature(ctx, ZCNET_FEAT_RX))
		return -bind_error(-EOPNOTSUPP, o->ifc.name, o->queue, ctx);
	if (o->queue != ZCNET_QUEUE_ANY) {
		if (!zcnet_has_feature(ctx, ZCNET_FEAT_RX_SHARED)) {
			errmsg("this zcnet module cannot receive from one RX "
			       "queue (no ZCNET_FEAT_RX_SHARED)");
			return -EXIT_UNSUPPORTED;
		}
		bind.flags |= ZCNET_BIND_RX_QUEUE;
		bind.rx_queue = o->queue;
	}
	if (zc_rings(ctx, 0, o->ring))
		return -EXIT_FAILED;
	efd = zc_region(ctx, len, mem, &z->region) ? -1 :
	      zc_eventfd(ctx, ZCNET_EVENTFD_RX, "an RX");
	if (efd < 0)
		return -EXIT_FAILED;
	err = o->wake_frames ? wake_setup(ctx, o) : 0;
	if (err)
		return -err;
	z->base = mem->addr;
	/* every buffer on the FILL ring before frames can arrive */
	for (uint32_t i = 0; i < o->ring; i++) {
		if (post(zcnet_fill_ring(ctx), z, i)) {
			errmsg("the FILL ring has no room for %u buffers",
			       o->ring);
			return -EXIT_FAILED;
		}
	}
	zcnet_ring_submit(zcnet_fill_ring(ctx), o->ring);
	err = zcnet_bind(ctx, &bind);
	if (err)
		return -bind_error(err, o->ifc.name, o->queue, ctx);
	q[0] = 0;
	if (o->queue != ZCNET_QUEUE_ANY)
		snprintf(q, sizeof(q), ", RX queue %u", o->queue);
	fprintf(stderr, "zcnet-recv: receiving %s on %s (ifindex %u%s) in netns "
		"%s, %u buffers of %u bytes\n", match_str(o, m, sizeof(m)),
		o->ifc.name, o->ifc.ifindex, q, z->ns, o->ring, o->buf_size);
	return efd;
}

int rx_zcnet(struct rx_opts *o)
{
	struct zrecv z = { .o = o, .pg = { .fd = -1 } };
	struct zcnet_mem mem = { 0 };
	struct zcnet_ctx *ctx = NULL;
	int err, efd, rc = EXIT_FAILED;
	const char *why;
	bool ok;

	netns_name(z.ns, sizeof(z.ns));
	z.c.seq_limit = o->frames && o->frames < SEQ_LIMIT ?
			o->frames * 2 + 1024 : SEQ_LIMIT;
	z.posted = calloc(o->ring, 1);
	if (!z.posted) {
		errmsg("out of memory");
		return EXIT_FAILED;
	}
	err = zc_open(&ctx, 0, NULL);
	if (err) {
		free(z.posted);
		return err;
	}
	efd = setup(ctx, &z, &mem);
	if (efd < 0) {
		rc = -efd;
		goto out;
	}
	if (o->progress && progress_create(o->progress, &z.pg))
		goto out;
	why = run(ctx, &z, efd);
	tick(ctx, &z, now_seconds(), true);
	z.stats_valid = !zcnet_get_stats(ctx, &z.stats);
	zcnet_unbind(ctx, ZCNET_BIND_RX);
	ok = z.frames && !z.c.bad && !z.truncated && !z.c.duplicates &&
	     !rx_lost(&z.c, o->match == ZCNET_RX_MATCH_ETHERTYPE &&
		      o->ethertype == ZCNET_FRAME_ETHERTYPE ? o->frames : 0) &&
	     (!o->strict_order || !z.c.reordered) &&
	     (!o->frames || z.frames >= o->frames);
	report(&z, why, ok);
	fflush(stdout);
	rc = ok ? 0 : EXIT_FAILED;
out:
	progress_close(&z.pg);
	zcnet_close(ctx);
	zcnet_mem_free(&mem);
	free(z.posted);
	free(z.c.seen);
	return rc;
}
