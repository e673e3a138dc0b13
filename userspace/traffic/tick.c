// SPDX-License-Identifier: GPL-2.0-only
/* --interval: a progress line every so often, as text or one JSON object. */
/*
 * The loops of the senders and receivers read CLOCK_MONOTONIC once per
 * batch anyway; tick_due() compares that time with the next deadline, so a
 * run without --interval pays one comparison per batch. A line counts what
 * happened since the previous line and in total; the last one, printed
 * when the run ends, carries the totals of the report that follows.
 */
#include <inttypes.h>

#include "traffic.h"

void tick_start(struct tick *t, double every, bool json, const char *unit,
		double now)
{
	*t = (struct tick){ .every = every, .json = json, .unit = unit,
			    .t0 = now, .last = now, .next = now + every };
}

/* "key":N or " key +N/N" for a count the method knows. */
static void count(const struct tick *t, const char *key, uint64_t v,
		  uint64_t prev)
{
	if (v == TICK_NONE)
		return;
	if (t->json)
		printf(",\"%s\":%" PRIu64 ",\"total_%s\":%" PRIu64, key,
		       v - prev, key, v);
	else
		printf("  %s +%" PRIu64 "/%" PRIu64, key, v - prev, v);
}

static void line(struct tick *t, double now, const struct tick_count *c,
		 bool final)
{
	const struct tick_count *p = &t->prev;
	double s = now - t->last, units = (double)(c->units - p->units);
	double gbit = s > 0 ? (double)(c->bytes - p->bytes) * 8 / s / 1e9 : 0;
	const char *u = t->unit;

	t->n++;
	if (t->json) {
		printf("{\"type\":\"progress\",\"interval\":%" PRIu64 ",\"final\""
		       ":%s,\"elapsed\":%.6f,\"seconds\":%.6f", t->n,
		       final ? "true" : "false", now - t->t0, s);
		if (u)
			printf(",\"%s\":%" PRIu64 ",\"%s_per_s\":%.1f", u,
			       c->units - p->units, u, s > 0 ? units / s : 0);
		printf(",\"bytes\":%" PRIu64 ",\"gbit_per_s\":%.4f",
		       c->bytes - p->bytes, gbit);
		if (u)
			printf(",\"total_%s\":%" PRIu64, u, c->units);
		printf(",\"total_bytes\":%" PRIu64, c->bytes);
	} else {
		printf("%s: %s%8.3f s", util_prog, final ? "end" : "   ",
		       now - t->t0);
		if (u)
			printf("  +%" PRIu64 " %s %.1f %s/s", c->units - p->units,
			       u, s > 0 ? units / s : 0, u);
		printf("  %.4f Gbit/s  total", gbit);
		if (u)
			printf(" %" PRIu64 " %s", c->units, u);
		printf(" %" PRIu64 " bytes", c->bytes);
	}
	count(t, "copied", c->copied, p->copied);
	count(t, "errors", c->errors, p->errors);
	count(t, "drops", c->drops, p->drops);
	fputs(t->json ? "}\n" : "\n", stdout);
	fflush(stdout);
	t->prev = *c;
	t->last = now;
	t->next += t->every;
	if (t->next <= now)	/* late (a stopped process): from now on */
		t->next = now + t->every;
}

void tick_line(struct tick *t, double now, const struct tick_count *c)
{
	line(t, now, c, false);
}

void tick_final(struct tick *t, double now, const struct tick_count *c)
{
	if (t->every > 0)
		line(t, now, c, true);
}
