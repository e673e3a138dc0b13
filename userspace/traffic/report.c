// SPDX-License-Identifier: GPL-2.0-only
/* The report writer: each field once, printed as text, JSON or key=value. */
#include <math.h>
#include <stdarg.h>

#include "traffic.h"

void rep_begin(struct rep *r, enum rep_style style, const char *title)
{
	r->f = stdout;
	r->style = style;
	r->n = 0;
	if (style == REP_JSON || style == REP_JSON_TIGHT)
		fputc('{', r->f);
	else
		fprintf(r->f, style == REP_KV ? "%s" : "%s\n", title);
}

void rep_end(struct rep *r)
{
	if (r->style == REP_JSON || r->style == REP_JSON_TIGHT)
		fputc('}', r->f);
	if (r->style != REP_TEXT)
		fputc('\n', r->f);
}

/* Starts a field; false when it is not printed in this style. */
static bool field(struct rep *r, const char *key, const char *label)
{
	switch (r->style) {
	case REP_TEXT:
		if (!label)
			return false;
		fprintf(r->f, "  %-15s ", label);
		break;
	case REP_KV:
		if (!key)
			return false;
		fprintf(r->f, " %s=", key);
		break;
	default:
		if (!key)
			return false;
		fprintf(r->f, r->style == REP_JSON ? "%s\"%s\": " : "%s\"%s\":",
			!r->n ? "" : r->style == REP_JSON ? ", " : ",", key);
	}
	r->n++;
	return true;
}

static void end_field(struct rep *r)
{
	if (r->style == REP_TEXT)
		fputc('\n', r->f);
}

void rep_raw(struct rep *r, const char *key, const char *label,
	     const char *v)
{
	if (field(r, key, label)) {
		fputs(v, r->f);
		end_field(r);
	}
}

void rep_u64(struct rep *r, const char *key, const char *label, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	rep_raw(r, key, label, buf);
}

void rep_num(struct rep *r, const char *key, const char *label,
	     const char *fmt, double v)
{
	char buf[64];

	if (isnan(v))
		snprintf(buf, sizeof(buf), r->style == REP_TEXT ? "-" : "null");
	else
		snprintf(buf, sizeof(buf), fmt, v);
	rep_raw(r, key, label, buf);
}

void rep_str(struct rep *r, const char *key, const char *label,
	     const char *v)
{
	if (!field(r, key, label))
		return;
	if (r->style == REP_JSON || r->style == REP_JSON_TIGHT)
		json_string(r->f, v);
	else
		fputs(v, r->f);
	end_field(r);
}

void rep_bool(struct rep *r, const char *key, const char *label, bool v)
{
	rep_raw(r, key, label, r->style == REP_TEXT ? (v ? "yes" : "no") :
			       v ? "true" : "false");
}

void rep_text(struct rep *r, const char *fmt, ...)
{
	va_list ap;

	if (r->style != REP_TEXT)
		return;
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
}
