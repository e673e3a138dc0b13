/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc/PID/fdinfo/FD shows of a zcnet context: the counters of
 * struct zcnet_stats, and the lines after them (identity, thresholds,
 * busy-poll state, rings, memory, bindings, sockets). A line a module does
 * not print, or one this file does not know, leaves its field unset.
 */
#ifndef ZCNET_FDINFO_H
#define ZCNET_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/zcnet.h>

#define FDI_MAX_COUNTERS	(sizeof(struct zcnet_stats) / sizeof(__u64))
#define FDI_NR_FIELDS		31	/* entries of fdi_fields[] */
#define FDI_NR_STR		2	/* of them strings: rx_dev, tx_dev */

/* One "socket:<TAB>SLOT ino INODE tcp|udp" line. */
struct fdi_socket {
	uint32_t slot;
	uint64_t ino;
	char type[8];
};

struct fdinfo {
	unsigned int counters;		/* counter lines found */
	uint64_t counter[FDI_MAX_COUNTERS]; /* by zcnet_stats_index() */
	bool have[FDI_NR_FIELDS];	/* by fdi_fields[] index */
	uint64_t num[FDI_NR_FIELDS];
	char str[FDI_NR_STR][32];	/* the device names */
	struct fdi_socket *sock;	/* the socket: lines */
	size_t nsock;
};

/*
 * Read an fdinfo file into *fi (fdi_free() it, also after an error).
 * Returns 0, -ENODATA if it has no zcnet counters, or -errno.
 */
int fdi_read(const char *path, struct fdinfo *fi);
void fdi_free(struct fdinfo *fi);
/* A counter by name, 0 if the file lacked it. */
uint64_t fdi_counter(const struct fdinfo *fi, const char *name);
/* A field after the counters by fdinfo name: false if it was not there. */
bool fdi_num(const struct fdinfo *fi, const char *name, uint64_t *v);

/*
 * Every counter, then what the module printed of the rest: "  name value"
 * lines aligned, or JSON members each after ", " ("stats": {...}, the
 * rest by their fdinfo names, "sockets" an array of {"slot", "ino",
 * "type"}), for the caller's object.
 */
void fdi_print_text(FILE *f, const struct fdinfo *fi);
void fdi_print_json(FILE *f, const struct fdinfo *fi);

#endif
