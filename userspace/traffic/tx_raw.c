// SPDX-License-Identifier: GPL-2.0-only
/* What every sender shares: the clock, counting, raw frames, the window. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "traffic.h"

void tr_begin(const struct tr_opts *o, struct tr_result *r)
{
	struct timespec ts = { 0, 1000 * 1000 };

	if (o->start_file) {
		fprintf(stderr, "%s: ready\n", util_prog);
		while (access(o->start_file, F_OK) != 0)
			nanosleep(&ts, NULL);
	}
	cpu_sample(&r->c0);
	r->t0 = now_seconds();
	tick_start(&r->tick, o->interval, o->json,
		   o->target ? "writes" : "frames", r->t0);
}

static void tr_tick_count(const struct tr_result *r, struct tick_count *c)
{
	c->units = r->frames;
	c->bytes = r->bytes;
	c->copied = r->knows_copied ? r->copied : TICK_NONE;
	c->errors = r->knows_errors ? r->errors + r->short_results +
				      r->bad_cookies : TICK_NONE;
	c->drops = TICK_NONE;
}

void tr_tick_line(struct tr_result *r, double now)
{
	struct tick_count c;

	tr_tick_count(r, &c);
	tick_line(&r->tick, now, &c);
}

void tr_end(struct tr_result *r)
{
	struct tick_count c;
	struct rusage ru;

	r->t1 = now_seconds();
	tr_tick_count(r, &c);
	tick_final(&r->tick, r->t1, &c);
	cpu_sample(&r->c1);
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		r->user_s = (double)ru.ru_utime.tv_sec +
			    (double)ru.ru_utime.tv_usec / 1e6;
		r->sys_s = (double)ru.ru_stime.tv_sec +
			   (double)ru.ru_stime.tv_usec / 1e6;
	}
}

bool tr_time_up(const struct tr_opts *o, const struct tr_result *r,
		double now)
{
	return !o->frames && now - r->t0 >= o->seconds;
}

void tr_count(struct tr_result *r, int64_t result, uint64_t len)
{
	if (result < 0) {
		r->errors++;
		if (-result < MAX_ERRNO)
			r->errnos[-result]++;
		else
			r->other_errors++;
	} else if ((uint64_t)result != len) {
		r->short_results++;
	} else {
		r->frames++;
		r->bytes += len;
	}
}

uint64_t tr_error_total(const struct tr_result *r)
{
	uint64_t t = r->other_errors;

	for (int i = 0; i < MAX_ERRNO; i++)
		t += r->errnos[i];
	return t;
}

void tr_errors_str(const struct tr_result *r, bool json, char *buf,
		   size_t size)
{
	char name[32];
	size_t n = json;

	snprintf(buf, size, json ? "{" : "");
	for (int i = 0; i <= MAX_ERRNO && n < size; i++) {
		uint64_t v = i < MAX_ERRNO ? r->errnos[i] : r->other_errors;

		if (v)
			n += (size_t)snprintf(buf + n, size - n, json ?
				"%s\"%s\": %llu" : "%s%s %llu",
				n > (size_t)json ? ", " : "", i < MAX_ERRNO ?
				errno_name(i, name, sizeof(name)) : "other",
				(unsigned long long)v);
	}
	if (n < size)
		snprintf(buf + n, size - n, json ? "}" : n ? "" : "none");
}

void tr_report_cpu(struct rep *p, const struct tr_result *r, double gib)
{
	double cpu = cpu_busy_seconds(&r->c0, &r->c1);
	bool ok = cpu >= 0;

	rep_u64(p, "cpus", "CPUs", r->c1.cpus);
	rep_num(p, "cpu_seconds", "CPU not idle", "%.3f", ok ? cpu : NAN);
	rep_num(p, "cpu_sampled_seconds", "CPU sampled", "%.3f",
		ok ? cpu_sampled_seconds(&r->c0, &r->c1) : NAN);
	rep_num(p, "cpu_s_per_gib", "CPU s per GiB", "%.4f",
		ok && gib > 0 ? cpu / gib : NAN);
	rep_num(p, "process_user_s", "process user s", "%.3f", r->user_s);
	rep_num(p, "process_sys_s", "process sys s", "%.3f", r->sys_s);
}

int tr_unavailable(struct tr_result *r, int rc)
{
	snprintf(r->unavailable, sizeof(r->unavailable), "%s",
		 util_last_error);
	return rc;
}

const char *tx_raw_sf_check(const struct tr_opts *o, uint32_t mtu,
			    struct sf_spec *sf, char *buf, size_t size)
{
	memset(sf, 0, sizeof(*sf));
	memcpy(sf->dst_mac, o->dst, 6);
	memcpy(sf->src_mac, o->ifc.mac, 6);
	sf->saddr = o->saddr;
	sf->daddr = o->daddr;
	sf->sport = SF_SPORT;
	sf->dport = o->port;
	sf->proto = o->l4;
	sf->gso_size = o->gso > UINT16_MAX ? 0 : (uint16_t)o->gso;
	sf->frame_len = o->size > UINT32_MAX ? UINT32_MAX : (uint32_t)o->size;
	return sf_check(sf, mtu, buf, size);
}

/* Super-frames: the headers, their checks and the device's MTU. */
static int sf_open(struct tr_opts *o, struct tx_raw *t)
{
	char why[256];

	t->hdr = SF_VNET_LEN;
	if (tx_raw_sf_check(o, o->ifc.mtu, &t->sf, why, sizeof(why))) {
		errmsg("%s on %s", why, o->ifc.name);
		return EXIT_FAILED;
	}
	if (!o->saddr || !o->daddr) {
		errmsg("super-frames need IPv4 source and destination "
		       "addresses");
		return EXIT_FAILED;
	}
	t->len = t->hdr + (uint32_t)o->size;
	return 0;
}

int tx_raw_open(struct tr_opts *o, struct tx_raw *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->o = o;
	t->progress.fd = -1;
	if (!o->ifc.ifindex) {
		if (!o->iface)
			usage_error("-i IFACE is required");
		err = iface_lookup(o->iface, &o->ifc);
		if (err) {
			errmsg("no interface %s: %s", o->iface, strerror(-err));
			return EXIT_FAILED;
		}
	}
	t->len = (uint32_t)o->size;
	if (o->l4) {
		err = sf_open(o, t);
		if (err)
			return err;
	} else if (o->size < 60 || o->size > iface_max_frame(&o->ifc)) {
		errmsg("frame size %llu is outside [60, %llu] for %s",
		       (unsigned long long)o->size,
		       (unsigned long long)iface_max_frame(&o->ifc),
		       o->ifc.name);
		return EXIT_FAILED;
	}
	if (o->window) {
		err = progress_open(o->progress, &t->progress);
		if (err) {
			errmsg("cannot use progress file %s: %s", o->progress,
			       err == -EINVAL ? "not written by a receiver's "
			       "--progress-file" : strerror(-err));
			return EXIT_FAILED;
		}
	}
	return 0;
}

void tx_raw_close(struct tx_raw *t)
{
	progress_close(&t->progress);
}

/*
 * Super-frame n: TCP's sequence numbers run on through the frames; with
 * the seq pattern the payload is the stream of zcnet-send --tcp, or, for
 * UDP, datagrams of zcnet-send --udp, numbered on through the frames.
 */
static void sf_frame(struct tx_raw *t, uint8_t *buf, uint64_t n, bool filled)
{
	const struct tr_opts *o = t->o;
	uint32_t plen = sf_payload_len(&t->sf);
	uint8_t *p = buf + t->len - plen;
	uint64_t pos = (o->seq_base + n) * plen;

	if (!filled)
		sf_write(buf, &t->sf, (uint32_t)pos);
	else if (o->l4 == IPPROTO_TCP)
		sf_set_tcp_seq(buf, (uint32_t)pos);
	if (o->pattern == ZCNET_PATTERN_SEQ && o->l4 == IPPROTO_UDP)
		udp_fill_train(p, (o->seq_base + n) * sf_segments(&t->sf), plen,
			       t->sf.gso_size);
	else if (o->pattern == ZCNET_PATTERN_SEQ)
		stream_fill(p, pos, plen);
	else if (!filled)
		memset(p, 0, plen);
}

void tx_raw_frame(struct tx_raw *t, void *buf, uint64_t n, bool filled)
{
	const struct tr_opts *o = t->o;

	if (t->hdr)
		sf_frame(t, buf, n, filled);
	else if (filled && o->pattern == ZCNET_PATTERN_ZERO)
		zcnet_frame_set_seq(buf, o->size, o->seq_base + n, o->pattern);
	else
		zcnet_frame_fill(buf, o->size, o->dst, o->ifc.mac,
				 o->seq_base + n, o->pattern);
}

uint32_t tx_raw_allowed(struct tx_raw *t, struct tr_result *r, uint32_t want)
{
	uint64_t limit;

	if (!t->o->window || !want) {
		t->gated = false;
		return want;
	}
	limit = progress_load(&t->progress) + t->o->window;
	if (limit > t->next) {
		t->gated = false;
		return limit - t->next < want ? (uint32_t)(limit - t->next) :
						want;
	}
	if (!t->gated) {
		r->window_waits++;
		t->gated_since = now_seconds();
		t->gated = true;
	}
	return 0;
}

bool tx_raw_wait(struct tx_raw *t, struct tr_result *r)
{
	if (now_seconds() - t->gated_since >= t->o->stall) {
		errmsg("the receiver's progress did not move for %g s (%llu "
		       "frames sent, progress %llu)", t->o->stall,
		       (unsigned long long)t->next,
		       (unsigned long long)progress_load(&t->progress));
		r->receiver_stalled = true;
		return false;
	}
	/* a futex wait, unless the progress moved in the meantime */
	if (progress_load(&t->progress) < t->next - t->o->window + 1)
		tr_sys(r, 1);
	progress_wait(&t->progress, t->next - t->o->window + 1, 10);
	return true;
}

void tx_ring_run(struct tx_ring *q, struct tr_result *r)
{
	const struct tr_opts *o = q->t.o;
	bool stop = false;
	uint32_t want, n, done;
	double now;
	int k;

	tr_begin(o, r);
	for (;;) {
		now = now_seconds();
		if (!stop && *o->stop)
			stop = r->interrupted = true;
		else if (!stop)
			stop = o->frames ? q->t.next >= o->frames :
					   tr_time_up(o, r, now);
		done = q->reap(q, r, now);
		tr_tick(r, now);
		if (stop && !q->busy)
			break;
		want = stop ? 0 : q->free;
		if (o->frames && o->frames - q->t.next < want)
			want = (uint32_t)(o->frames - q->t.next);
		n = stop ? 0 : tx_raw_allowed(&q->t, r, want);
		if (n)
			n = q->post(q, r, n, now);
		k = q->kick(q, r, n);
		if (k < 0)
			break;
		if (k > 0)
			continue;
		if (!stop && q->t.gated)
			stop = !tx_raw_wait(&q->t, r);
		else if (!q->idle(q, r, stop, done))
			break;
	}
	tr_end(r);
}
