// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libzcnet: counter names and /proc/PID/fdinfo/FD parsing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct zcnet_stat_field {
	const char *name;
	size_t offset;
};

#define ZCNET_FIELD(f) { #f, offsetof(struct zcnet_stats, f) }

/* Every counter of struct zcnet_stats, in struct order. */
static const struct zcnet_stat_field zcnet_fields[] = {
	ZCNET_FIELD(tx_kicks),
	ZCNET_FIELD(tx_descs),
	ZCNET_FIELD(tx_nops),
	ZCNET_FIELD(tx_frames),
	ZCNET_FIELD(tx_bytes),
	ZCNET_FIELD(tx_zerocopy),
	ZCNET_FIELD(tx_copied),
	ZCNET_FIELD(tx_rejected),
	ZCNET_FIELD(tx_busy),
	ZCNET_FIELD(tx_dev_errors),
	ZCNET_FIELD(cq_posted),
	ZCNET_FIELD(cq_signals),
	ZCNET_FIELD(ring_errors),
	ZCNET_FIELD(rx_frames),
	ZCNET_FIELD(rx_bytes),
	ZCNET_FIELD(rx_drop_nobuf),
	ZCNET_FIELD(rx_drop_size),
	ZCNET_FIELD(rx_truncated),
	ZCNET_FIELD(rx_filter_miss),
	ZCNET_FIELD(rx_fill_rejected),
	ZCNET_FIELD(rx_signals),
	ZCNET_FIELD(sock_zc_bytes),
	ZCNET_FIELD(sock_copied_bytes),
	ZCNET_FIELD(sock_resumes),
	ZCNET_FIELD(sock_errors),
	ZCNET_FIELD(regions),
	ZCNET_FIELD(pinned_pages),
	ZCNET_FIELD(inflight),
	ZCNET_FIELD(module_pinned_pages),
	ZCNET_FIELD(module_contexts),
};

#define ZCNET_NR_FIELDS (sizeof(zcnet_fields) / sizeof(zcnet_fields[0]))

/* A counter added to the UAPI struct must be added to the table above. */
_Static_assert(ZCNET_NR_FIELDS * sizeof(__u64) ==
	       sizeof(struct zcnet_stats) - offsetof(struct zcnet_stats, tx_kicks),
	       "zcnet_fields does not list every counter of struct zcnet_stats");

unsigned int zcnet_stats_count(void)
{
	return ZCNET_NR_FIELDS;
}

const char *zcnet_stats_name(unsigned int i)
{
	return i < ZCNET_NR_FIELDS ? zcnet_fields[i].name : NULL;
}

__u64 zcnet_stats_value(const struct zcnet_stats *stats, unsigned int i)
{
	__u64 v;

	if (!stats || i >= ZCNET_NR_FIELDS)
		return 0;
	memcpy(&v, (const char *)stats + zcnet_fields[i].offset, sizeof(v));
	return v;
}

static int zcnet_stats_index_n(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ZCNET_NR_FIELDS; i++)
		if (strlen(zcnet_fields[i].name) == len &&
		    memcmp(zcnet_fields[i].name, name, len) == 0)
			return (int)i;
	return -ENOENT;
}

int zcnet_stats_index(const char *name)
{
	if (!name)
		return -EINVAL;
	return zcnet_stats_index_n(name, strlen(name));
}

/*
 * Parse one "name:<blanks>value" line into *stats. Returns 1 if it set a
 * counter, 0 if the line is not a counter line.
 */
static int zcnet_parse_line(const char *line, struct zcnet_stats *stats)
{
	const char *colon, *name, *end, *p;
	unsigned long long value;
	char *stop;
	int i;

	colon = strchr(line, ':');
	if (!colon)
		return 0;
	name = line;
	while (name < colon && isblank((unsigned char)*name))
		name++;
	end = colon;
	while (end > name && isblank((unsigned char)end[-1]))
		end--;
	i = zcnet_stats_index_n(name, (size_t)(end - name));
	if (i < 0)
		return 0;

	p = colon + 1;
	while (isblank((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	value = strtoull(p, &stop, 10);
	if (errno == ERANGE)
		return 0;
	while (isspace((unsigned char)*stop))
		stop++;
	if (*stop != '\0')
		return 0;

	memcpy((char *)stats + zcnet_fields[i].offset, &(__u64){ value },
	       sizeof(__u64));
	return 1;
}

int zcnet_fdinfo_read_path(const char *path, struct zcnet_stats *stats)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned int found = 0;
	int err = 0;
	FILE *f;

	if (!path || !stats)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);

	f = fopen(path, "re");
	if (!f)
		return zcnet_neg_errno();
	errno = 0;
	while (getline(&line, &cap, f) >= 0)
		found += (unsigned int)zcnet_parse_line(line, stats);
	if (ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (err)
		return err;
	return found ? 0 : -ENODATA;
}

int zcnet_fdinfo_read(pid_t pid, int fd, struct zcnet_stats *stats)
{
	char path[64];

	if (pid <= 0 || fd < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	return zcnet_fdinfo_read_path(path, stats);
}
