/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the traffic tools. */
#ifndef ZCNET_UTIL_H
#define ZCNET_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes of the tools. */
#define EXIT_FAILED	1	/* the run failed or the system said no */
#define EXIT_USAGE	2	/* bad arguments */
#define EXIT_UNSUPPORTED 4	/* the zcnet module lacks the capability */

/* The program name used in messages; set by each tool's main(). */
extern const char *util_prog;

/* "PROG: message" on stderr, then exit(EXIT_USAGE) with a hint at -h. */
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...);
/* getopt_long() returned '?' or ':' for argv: says which, exits 2. */
__attribute__((noreturn)) void bad_option(int c, char **argv);
/* No arguments may follow the options, and -i IFACE is required. */
void end_of_options(int argc, char **argv, const char *iface);

/* "PROG: message" on stderr. */
void __attribute__((format(printf, 1, 2))) errmsg(const char *fmt, ...);

/* Explains why zcnet_open() failed; returns EXIT_FAILED. */
int report_open_error(int err);

/* A decimal integer in [min, max] and nothing else. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* -r ENTRIES: a power of two in the rings' limits, else a usage error. */
uint32_t parse_ring_entries(const char *s);

/* A decimal number of seconds (fractions allowed) in (0, max]. */
bool parse_seconds(const char *s, double max, double *out);

/* "aa:bb:cc:dd:ee:ff" (hex, case-insensitive). */
bool parse_mac(const char *s, uint8_t mac[6]);

/* "aa:bb:cc:dd:ee:ff" into buf (at least 18 bytes). */
void format_mac(const uint8_t mac[6], char *buf);

/* What the tools need to know about an interface. */
struct iface {
	char name[16];
	unsigned int ifindex;
	unsigned int mtu;
	uint8_t mac[6];
	bool up;		/* IFF_UP */
	bool running;		/* IFF_RUNNING (carrier) */
	bool ether;		/* ARPHRD_ETHER */
};

/*
 * Look an interface of the current network namespace up by name. Returns
 * 0, -ENODEV if there is none, -EINVAL for a name that is too long, or
 * another -errno.
 */
int iface_lookup(const char *name, struct iface *ifc);

/*
 * The name of the current network namespace: the entry of /run/netns
 * that is it, or "net:[INODE]" (the initial or an unnamed namespace).
 */
void netns_name(char *buf, size_t size);

/*
 * Machine-wide CPU time from /proc/stat (the "cpu" line: all CPUs), in
 * clock ticks, with the CLOCK_MONOTONIC time it was read at.
 *
 * Busy time is everything except idle and iowait. The kernel measures idle
 * and iowait exactly (at every idle entry and exit), but user, system, irq
 * and softirq only by sampling the timer tick, which a CPU that goes idle
 * many times between ticks escapes. So the busy time reported is
 * (elapsed time x CPUs) - idle - iowait; the sum of the sampled fields
 * (user + nice + system + irq + softirq + steal; guest time is part of user
 * and nice) is kept for comparison.
 */
struct cpu_sample {
	bool valid;
	uint64_t ticks_busy;	/* the sampled fields */
	uint64_t ticks_idle;	/* idle + iowait */
	unsigned int cpus;	/* cpuN lines */
	double when;		/* CLOCK_MONOTONIC seconds */
};

void cpu_sample(struct cpu_sample *s);

/*
 * CPU seconds not idle between two samples: elapsed x CPUs - idle - iowait,
 * or -1 if a sample is invalid or the CPU count changed.
 */
double cpu_busy_seconds(const struct cpu_sample *a,
			const struct cpu_sample *b);

/* The sum of the tick-sampled busy fields between two samples, or -1. */
double cpu_sampled_seconds(const struct cpu_sample *a,
			   const struct cpu_sample *b);

/* CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

/* The symbolic name of an errno value ("ENOBUFS"), or "E<number>". */
const char *errno_name(int err, char *buf, size_t size);

/* A JSON string literal of s on f. */
void json_string(FILE *f, const char *s);

/*
 * Install handlers for SIGINT and SIGTERM (without SA_RESTART) that set
 * the returned flag.
 */
volatile sig_atomic_t *install_stop_signals(void);

/*
 * Receiver progress shared through a small file, for optional flow
 * control between a sender and `zcnet-afp recv` on the same machine. The
 * receiver publishes one past the highest seq it has taken off its socket
 * (a lost frame does not hold it back); a sender with a window of W frames
 * posts frame seq only while seq < progress + W.
 */
struct progress {
	int fd;
	uint64_t *map;		/* [0] magic, [1] progress, [2] futex words */
};

#define PROGRESS_MAGIC	0x5a434e5450524f47ULL	/* "ZCNTPROG" */

/* Receiver: create (or truncate) path and publish 0. Returns 0 or -errno. */
int progress_create(const char *path, struct progress *p);

/* Sender: open what a receiver created. -EINVAL if it is not such a file. */
int progress_open(const char *path, struct progress *p);

/* Receiver: publish value and wake a waiting sender. */
void progress_store(struct progress *p, uint64_t value);

uint64_t progress_load(const struct progress *p);

/*
 * Sender: wait up to timeout_ms for the progress to reach need (a futex,
 * woken by progress_store()). Returns the progress then.
 */
uint64_t progress_wait(struct progress *p, uint64_t need, int timeout_ms);
void progress_close(struct progress *p);

#endif
