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
	ZCNET_FIELD(rx_drop_split),
};

#define ZCNET_NR_FIELDS (sizeof(zcnet_fields) / sizeof(zcnet_fields[0]))

/* A counter added to the UAPI struct must be added to the table above. */
_Static_assert(ZCNET_NR_FIELDS * sizeof(__u64) ==
	       sizeof(struct zcnet_stats) - offsetof(struct zcnet_stats, tx_kicks),
	       "zcnet_fields does not list every counter of struct zcnet_stats");

/*
 * The counters of the 248-byte struct (ZCNET_STATS_SIZE_VER0) that programs
 * linked against LIBZCNET_1.0 and 1.1 have: the LIBZCNET_1.0 versions of
 * the calls below read and write only those.
 */
#define ZCNET_NR_FIELDS_VER0						\
	((ZCNET_STATS_SIZE_VER0 - offsetof(struct zcnet_stats, tx_kicks)) / \
	 sizeof(__u64))

_Static_assert(offsetof(struct zcnet_stats, rx_drop_split) ==
	       ZCNET_STATS_SIZE_VER0, "rx_drop_split is the first new counter");

/*
 * zcnet_stats_count, zcnet_stats_value, zcnet_fdinfo_read and
 * zcnet_fdinfo_read_path have two versions (ZCNET_SYMVER, libzcnet.map):
 * LIBZCNET_1.0 for the first ZCNET_NR_FIELDS_VER0 counters in a 248-byte
 * struct, LIBZCNET_1.2 (the default) for the struct of <linux/zcnet.h>.
 *
 * zcnet_stats_name() and zcnet_stats_index() keep their one LIBZCNET_1.0
 * version: they take no struct zcnet_stats, so they cannot reach past an
 * old program's one. Such a program gets its counter count from
 * zcnet_stats_count@LIBZCNET_1.0 and has no reason to ask for a higher
 * index; should it get one anyway (zcnet_stats_index("rx_drop_split")),
 * zcnet_stats_value@LIBZCNET_1.0 returns 0 for it.
 */

static __u64 zcnet_stats_value_n(const struct zcnet_stats *stats,
				 unsigned int i, unsigned int nr)
{
	__u64 v;

	if (!stats || i >= nr)
		return 0;
	memcpy(&v, (const char *)stats + zcnet_fields[i].offset, sizeof(v));
	return v;
}

unsigned int zcnet_stats_count_v1_0(void)
{
	return ZCNET_NR_FIELDS_VER0;
}
ZCNET_SYMVER(zcnet_stats_count_v1_0, "zcnet_stats_count@LIBZCNET_1.0");

unsigned int zcnet_stats_count_v1_2(void)
{
	return ZCNET_NR_FIELDS;
}
ZCNET_SYMVER(zcnet_stats_count_v1_2, "zcnet_stats_count@@LIBZCNET_1.2");

__u64 zcnet_stats_value_v1_0(const struct zcnet_stats *stats, unsigned int i)
{
	return zcnet_stats_value_n(stats, i, ZCNET_NR_FIELDS_VER0);
}
ZCNET_SYMVER(zcnet_stats_value_v1_0, "zcnet_stats_value@LIBZCNET_1.0");

__u64 zcnet_stats_value_v1_2(const struct zcnet_stats *stats, unsigned int i)
{
	return zcnet_stats_value_n(stats, i, ZCNET_NR_FIELDS);
}
ZCNET_SYMVER(zcnet_stats_value_v1_2, "zcnet_stats_value@@LIBZCNET_1.2");

const char *zcnet_stats_name(unsigned int i)
{
	return i < ZCNET_NR_FIELDS ? zcnet_fields[i].name : NULL;
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
 * Parse one "name:<blanks>value" line into *stats, which holds the first
 * nr counters. Returns 1 if it set a counter, 0 if the line is not a line
 * of one of them.
 */
static int zcnet_parse_line(const char *line, struct zcnet_stats *stats,
			    unsigned int nr)
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
	if (i < 0 || (unsigned int)i >= nr)
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

/*
 * Read an fdinfo file into the first size bytes of *stats, which hold the
 * first nr counters.
 */
static int zcnet_fdinfo_read_path_n(const char *path,
				    struct zcnet_stats *stats, __u32 size,
				    unsigned int nr)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned int found = 0;
	int err = 0;
	FILE *f;

	if (!path || !stats)
		return -EINVAL;
	memset(stats, 0, size);
	stats->size = size;

	f = fopen(path, "re");
	if (!f)
		return zcnet_neg_errno();
	errno = 0;
	while (getline(&line, &cap, f) >= 0)
		found += (unsigned int)zcnet_parse_line(line, stats, nr);
	if (ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (err)
		return err;
	return found ? 0 : -ENODATA;
}

static int zcnet_fdinfo_read_n(pid_t pid, int fd, struct zcnet_stats *stats,
			       __u32 size, unsigned int nr)
{
	char path[64];

	if (pid <= 0 || fd < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	return zcnet_fdinfo_read_path_n(path, stats, size, nr);
}

int zcnet_fdinfo_read_path_v1_0(const char *path, struct zcnet_stats *stats)
{
	return zcnet_fdinfo_read_path_n(path, stats, ZCNET_STATS_SIZE_VER0,
					ZCNET_NR_FIELDS_VER0);
}
ZCNET_SYMVER(zcnet_fdinfo_read_path_v1_0,
	     "zcnet_fdinfo_read_path@LIBZCNET_1.0");

int zcnet_fdinfo_read_path_v1_2(const char *path, struct zcnet_stats *stats)
{
	return zcnet_fdinfo_read_path_n(path, stats, sizeof(*stats),
					ZCNET_NR_FIELDS);
}
ZCNET_SYMVER(zcnet_fdinfo_read_path_v1_2,
	     "zcnet_fdinfo_read_path@@LIBZCNET_1.2");

int zcnet_fdinfo_read_v1_0(pid_t pid, int fd, struct zcnet_stats *stats)
{
	return zcnet_fdinfo_read_n(pid, fd, stats, ZCNET_STATS_SIZE_VER0,
				   ZCNET_NR_FIELDS_VER0);
}
ZCNET_SYMVER(zcnet_fdinfo_read_v1_0, "zcnet_fdinfo_read@LIBZCNET_1.0");

int zcnet_fdinfo_read_v1_2(pid_t pid, int fd, struct zcnet_stats *stats)
{
	return zcnet_fdinfo_read_n(pid, fd, stats, sizeof(*stats),
				   ZCNET_NR_FIELDS);
}
ZCNET_SYMVER(zcnet_fdinfo_read_v1_2, "zcnet_fdinfo_read@@LIBZCNET_1.2");
