// SPDX-License-Identifier: GPL-2.0-only
/* A zcnet context's fdinfo file: read, and printed as text or JSON. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libzcnet.h"
#include "fdinfo.h"
#include "traffic.h"

enum fdi_kind { FDI_NUM, FDI_STR, FDI_SOCKETS };

struct fdi_field {
	const char *name;
	enum fdi_kind kind;
	bool first;		/* printed before the counters */
	int str;		/* FDI_STR: its index in fdinfo.str[] */
};

#define FDI_N(name)		{ name, FDI_NUM, false, 0 }
#define FDI_S(name, i)		{ name, FDI_STR, false, i }

/* In the order the module prints them. */
static const struct fdi_field fdi_fields[] = {
	{ "abi_version", FDI_NUM, true, 0 },
	{ "ctx_id", FDI_NUM, true, 0 },
	FDI_N("tx_copy_threshold"), FDI_N("sock_copy_threshold"),
	FDI_N("rx_busy_polls"), FDI_N("rx_napi_id"),
	FDI_N("busy_poll_usec"), FDI_N("busy_poll_budget"),
	FDI_N("tx_entries"), FDI_N("tx_producer"), FDI_N("tx_consumer"),
	FDI_N("cq_entries"), FDI_N("cq_producer"), FDI_N("cq_consumer"),
	FDI_N("fill_entries"), FDI_N("fill_producer"), FDI_N("fill_consumer"),
	FDI_N("rx_entries"), FDI_N("rx_producer"), FDI_N("rx_consumer"),
	FDI_N("region_bytes"),
	FDI_S("rx_dev", 0), FDI_N("rx_ifindex"), FDI_N("rx_match"), FDI_N("rx_ethertype"),
	FDI_N("rx_port"), FDI_N("rx_queue"),
	FDI_S("tx_dev", 1), FDI_N("tx_ifindex"), FDI_N("tx_queue"),
	{ "sockets", FDI_SOCKETS, false, 0 },
};

_Static_assert(sizeof(fdi_fields) / sizeof(fdi_fields[0]) == FDI_NR_FIELDS,
	       "FDI_NR_FIELDS is not the size of fdi_fields");

static int fdi_field_index(const char *name)
{
	int i;

	for (i = 0; i < FDI_NR_FIELDS; i++)
		if (strcmp(fdi_fields[i].name, name) == 0)
			return i;
	return -1;
}

/* "SLOT ino INODE TYPE", TYPE a short lower-case word. */
static bool fdi_parse_socket(const char *v, struct fdi_socket *s)
{
	unsigned long long slot, ino;
	int n = 0;

	memset(s, 0, sizeof(*s));
	if (!isdigit((unsigned char)*v) ||
	    sscanf(v, "%llu ino %llu %7[a-z]%n", &slot, &ino, s->type,
		   &n) != 3 || v[n] || slot > UINT32_MAX)
		return false;
	s->slot = (uint32_t)slot;
	s->ino = ino;
	return true;
}

static void fdi_add_socket(struct fdinfo *fi, const char *v)
{
	struct fdi_socket s, *p;

	if (!fdi_parse_socket(v, &s))
		return;
	p = realloc(fi->sock, (fi->nsock + 1) * sizeof(*p));
	if (!p)
		return;
	fi->sock = p;
	fi->sock[fi->nsock++] = s;
}

/* One "name:<blanks>value" line; the others are not the module's. */
static void fdi_parse_line(struct fdinfo *fi, char *line)
{
	char *colon = strchr(line, ':'), *v, *end;
	uint64_t n;
	int i;

	if (!colon)
		return;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && isspace((unsigned char)end[-1]);
	     end--)
		;
	*end = '\0';
	i = zcnet_stats_index(line);
	if (i >= 0) {
		if ((size_t)i < FDI_MAX_COUNTERS &&
		    parse_u64(v, 0, UINT64_MAX, &n)) {
			fi->counter[i] = n;
			fi->counters++;
		}
		return;
	}
	if (strcmp(line, "socket") == 0) {
		fdi_add_socket(fi, v);
		return;
	}
	i = fdi_field_index(line);
	if (i < 0)
		return;
	if (fdi_fields[i].kind == FDI_STR) {
		if (!*v || strlen(v) >= sizeof(fi->str[0]))
			return;
		strcpy(fi->str[fdi_fields[i].str], v);
	} else if (!parse_u64(v, 0, UINT64_MAX, &fi->num[i])) {
		return;
	}
	fi->have[i] = true;
}

int fdi_read(const char *path, struct fdinfo *fi)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	memset(fi, 0, sizeof(*fi));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	errno = 0;
	while (getline(&line, &cap, f) >= 0)
		fdi_parse_line(fi, line);
	if (ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (err)
		return err;
	return fi->counters ? 0 : -ENODATA;
}

void fdi_free(struct fdinfo *fi)
{
	free(fi->sock);
	fi->sock = NULL;
	fi->nsock = 0;
}

uint64_t fdi_counter(const struct fdinfo *fi, const char *name)
{
	int i = zcnet_stats_index(name);

	return i >= 0 && (size_t)i < FDI_MAX_COUNTERS ? fi->counter[i] : 0;
}

bool fdi_num(const struct fdinfo *fi, const char *name, uint64_t *v)
{
	int i = fdi_field_index(name);

	if (i < 0 || !fi->have[i] || fdi_fields[i].kind != FDI_NUM)
		return false;
	*v = fi->num[i];
	return true;
}

static unsigned int fdi_counter_count(void)
{
	unsigned int n = zcnet_stats_count();

	return n < FDI_MAX_COUNTERS ? n : (unsigned int)FDI_MAX_COUNTERS;
}

/* The device name as text: what is not printable ASCII as '?'. */
static void fdi_put_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f ?
		      *s : '?', f);
}

static void fdi_text_fields(FILE *f, const struct fdinfo *fi, bool first,
			    int width)
{
	size_t j;
	int i;

	for (i = 0; i < FDI_NR_FIELDS; i++) {
		if (!fi->have[i] || fdi_fields[i].first != first)
			continue;
		fprintf(f, "  %-*s ", width, fdi_fields[i].name);
		switch (fdi_fields[i].kind) {
		case FDI_STR:
			fdi_put_clean(f, fi->str[fdi_fields[i].str]);
			fputc('\n', f);
			break;
		case FDI_NUM:
			fprintf(f, "%llu\n", (unsigned long long)fi->num[i]);
			break;
		case FDI_SOCKETS:
			fprintf(f, "%llu\n", (unsigned long long)fi->num[i]);
			for (j = 0; j < fi->nsock; j++)
				fprintf(f, "  %-*s %u ino %llu %s\n", width,
					"socket", fi->sock[j].slot,
					(unsigned long long)fi->sock[j].ino,
					fi->sock[j].type);
			break;
		}
	}
}

void fdi_print_text(FILE *f, const struct fdinfo *fi)
{
	unsigned int i, n = fdi_counter_count();
	int width = 0, len;

	for (i = 0; i < n; i++) {
		len = (int)strlen(zcnet_stats_name(i));
		if (len > width)
			width = len;
	}
	for (i = 0; i < FDI_NR_FIELDS; i++) {
		len = (int)strlen(fdi_fields[i].name);
		if (fi->have[i] && len > width)
			width = len;
	}
	fdi_text_fields(f, fi, true, width);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-*s %llu\n", width, zcnet_stats_name(i),
			(unsigned long long)fi->counter[i]);
	fdi_text_fields(f, fi, false, width);
}

static void fdi_json_fields(FILE *f, const struct fdinfo *fi, bool first)
{
	size_t j;
	int i;

	for (i = 0; i < FDI_NR_FIELDS; i++) {
		if (!fi->have[i] || fdi_fields[i].first != first)
			continue;
		fprintf(f, ", \"%s\": ", fdi_fields[i].name);
		switch (fdi_fields[i].kind) {
		case FDI_STR:
			json_string(f, fi->str[fdi_fields[i].str]);
			break;
		case FDI_NUM:
			fprintf(f, "%llu", (unsigned long long)fi->num[i]);
			break;
		case FDI_SOCKETS:
			fputc('[', f);
			for (j = 0; j < fi->nsock; j++)
				fprintf(f, "%s{\"slot\": %u, \"ino\": %llu, "
					"\"type\": \"%s\"}", j ? ", " : "",
					fi->sock[j].slot,
					(unsigned long long)fi->sock[j].ino,
					fi->sock[j].type);
			fputc(']', f);
			break;
		}
	}
}

void fdi_print_json(FILE *f, const struct fdinfo *fi)
{
	unsigned int i, n = fdi_counter_count();

	fdi_json_fields(f, fi, true);
	fprintf(f, ", \"stats\": {");
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", zcnet_stats_name(i),
			(unsigned long long)fi->counter[i]);
	fputc('}', f);
	fdi_json_fields(f, fi, false);
}
