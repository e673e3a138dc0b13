// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: what the raw-frame senders share. Frames use the test frame
 * format (zcnet_frame.h) with a zero payload, so a sender rewrites only the
 * header of a frame it reuses, whatever its method. Each sender stays at
 * most --window frames ahead of what the sink has taken off its socket
 * (the emulated path drops frames beyond that, see scripts/demo-guest.sh).
 */
#include <errno.h>
#include <string.h>

#include "bench.h"
#include "zcnet_frame.h"

int raw_open(const struct bench_opts *o, struct raw_tx *t)
{
	char path[512];
	int err;

	memset(t, 0, sizeof(*t));
	t->o = o;
	t->progress.fd = -1;
	if (!o->iface)
		usage_error("-i IFACE is required");
	err = iface_lookup(o->iface, &t->ifc);
	if (err) {
		errmsg("no interface %s: %s", o->iface, strerror(-err));
		return -1;
	}
	if (o->size < 60 || o->size > t->ifc.mtu + 14ULL) {
		errmsg("frame size %llu outside [60, %u] (MTU %u)",
		       (unsigned long long)o->size, t->ifc.mtu + 14,
		       t->ifc.mtu);
		return -1;
	}
	if (o->window) {
		snprintf(path, sizeof(path), "%s.%u", o->progress, o->stream);
		err = progress_open(path, &t->progress);
		if (err) {
			errmsg("progress file %s: %s", path, strerror(-err));
			return -1;
		}
	}
	return 0;
}

void raw_close(struct raw_tx *t)
{
	if (t->o && t->o->window)
		progress_close(&t->progress);
}

static uint64_t seq_of(const struct raw_tx *t, uint64_t n)
{
	return (uint64_t)t->o->stream << BENCH_STREAM_SHIFT | n;
}

void raw_frame_init(struct raw_tx *t, void *buf)
{
	zcnet_frame_fill(buf, t->o->size, t->o->dst, t->ifc.mac, seq_of(t, 0),
			 ZCNET_PATTERN_ZERO);
}

void raw_frame_seq(struct raw_tx *t, void *buf, uint64_t n)
{
	zcnet_frame_set_seq(buf, t->o->size, seq_of(t, n), ZCNET_PATTERN_ZERO);
}

uint32_t raw_allowed(struct raw_tx *t, uint32_t want)
{
	uint64_t limit;

	t->gated = false;
	if (!t->o->window)
		return want;
	limit = progress_load(&t->progress) + t->o->window;
	if (limit <= t->next) {
		t->gated = true;
		return 0;
	}
	return limit - t->next < want ? (uint32_t)(limit - t->next) : want;
}

void raw_wait(struct raw_tx *t)
{
	if (t->o->window)
		progress_wait(&t->progress, t->next - t->o->window + 1, 10);
}
