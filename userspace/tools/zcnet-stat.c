// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-stat: the counters of zcnet contexts, from /proc/PID/fdinfo/FD. */
/*
 * A zcnet context is an open file of the zcnet device; any process that
 * may read another's fdinfo (the same user, or root) can see its counters.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libzcnet.h"
#include "fdinfo.h"
#include "traffic.h"

#define PROG "zcnet-stat"

#define EXIT_NOTFOUND	1	/* no such process or context, I/O error */
#define WATCH_GONE	(-1)	/* watching -p PID: the process is gone */
#define WATCH_MAX	86400	/* the longest --watch interval, seconds */

struct options {
	const char *proc;	/* procfs root */
	pid_t pid;		/* 0: every process */
	int fd;			/* -1: every zcnet fd */
	bool json;
	double watch;		/* seconds between samples; 0: print once */
	uint64_t count;		/* --watch: intervals to print; 0: no end */
	bool later;		/* watching, past the first sample: quiet */
};

/* One context as one sample found it. */
struct ctx {
	long pid, fd;
	char comm[64];
	double when;		/* CLOCK_MONOTONIC, after reading fi */
	struct fdinfo fi;
};

/* The contexts of one --watch sample. */
struct sample {
	struct ctx *v;
	size_t n, cap;
};

/* What scanning found, for the final messages and the exit code. */
struct scan {
	unsigned int contexts;	/* contexts printed or kept */
	unsigned int denied;	/* processes whose fds could not be listed */
	unsigned int errors;	/* contexts whose counters could not be read */
	struct sample *keep;	/* watching: keep the contexts, print none */
};

static bool have_zcnet_rdev;
static dev_t zcnet_rdev;

/* A /proc directory entry that is a decimal number, or -1. */
static long entry_number(const char *name)
{
	uint64_t v;

	return parse_u64(name, 0, INT_MAX, &v) ? (long)v : -1;
}

static int numeric(const struct dirent *d)
{
	return entry_number(d->d_name) >= 0;
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	long x = entry_number((*a)->d_name), y = entry_number((*b)->d_name);

	return (x > y) - (x < y);
}

/* The numeric entries of directory path, sorted, in *out (to free). */
static long list_numbers(const char *path, long **out)
{
	struct dirent **de;
	int i, n = scandir(path, &de, numeric, by_number);

	*out = NULL;
	if (n < 0)
		return -errno;
	*out = calloc(n ? (size_t)n : 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		if (*out)
			(*out)[i] = entry_number(de[i]->d_name);
		free(de[i]);
	}
	free(de);
	return *out ? n : -ENOMEM;
}

/*
 * Is fd of pid a zcnet file: its link names the device node, or it is the
 * same character device. Returns 1, 0, or -errno.
 */
static int is_zcnet_fd(const struct options *o, long pid, long fd)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%ld/fd/%ld", o->proc, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (strcmp(target, LIBZCNET_DEVICE_PATH) == 0 ||
	    strcmp(target, LIBZCNET_DEVICE_PATH " (deleted)") == 0)
		return 1;
	if (have_zcnet_rdev && stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == zcnet_rdev)
		return 1;
	return 0;
}

static void read_comm(const struct options *o, long pid, char *buf,
		      size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(buf, size, "?");
	snprintf(path, sizeof(path), "%s/%ld/comm", o->proc, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	else
		snprintf(buf, size, "?");
	fclose(f);
}

static void put_comm(const char *comm)
{
	for (; *comm; comm++)
		putchar((unsigned char)*comm >= 0x20 &&
			(unsigned char)*comm < 0x7f ? *comm : '?');
}

static void print_context(const struct options *o, const struct ctx *c)
{
	if (o->json) {
		printf("{\"pid\": %ld, \"fd\": %ld, \"comm\": ", c->pid, c->fd);
		json_string(stdout, c->comm);
		fdi_print_json(stdout, &c->fi);
		printf("}\n");
		return;
	}
	printf("pid %ld fd %ld (", c->pid, c->fd);
	put_comm(c->comm);
	printf(")\n");
	fdi_print_text(stdout, &c->fi);
}

/* Keep c in sc->keep (which then owns its fdinfo); false without memory. */
static bool keep_context(struct scan *sc, struct ctx *c)
{
	struct sample *s = sc->keep;
	struct ctx *v;

	if (s->n == s->cap) {
		v = realloc(s->v, (s->cap ? s->cap * 2 : 8) * sizeof(*v));
		if (!v)
			return false;
		s->v = v;
		s->cap = s->cap ? s->cap * 2 : 8;
	}
	s->v[s->n++] = *c;
	return true;
}

/*
 * Read one context, and print it, or keep it when watching. Returns 0, or
 * -errno after reporting why (-ENOENT silently: the fd was closed
 * meanwhile).
 */
static int show_context(const struct options *o, long pid, long fd,
			const char *comm, struct scan *sc)
{
	struct ctx c = { .pid = pid, .fd = fd };
	char path[PATH_MAX];
	int err;

	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	snprintf(path, sizeof(path), "%s/%ld/fdinfo/%ld", o->proc, pid, fd);
	err = fdi_read(path, &c.fi);
	c.when = now_seconds();
	if (!err && sc->keep && !keep_context(sc, &c))
		err = -ENOMEM;
	if (err)
		fdi_free(&c.fi);
	if (err == -ENOENT)
		return err;
	if (err) {
		fprintf(stderr, PROG ": pid %ld fd %ld: cannot read %s: %s\n",
			pid, fd, path,
			err == -ENODATA ? "no zcnet counters" : strerror(-err));
		sc->errors++;
		return err;
	}
	if (!sc->keep) {
		print_context(o, &c);
		fdi_free(&c.fi);
	}
	sc->contexts++;
	return 0;
}

/*
 * Show every zcnet context of pid. Returns 0, or -errno (not reported
 * here) if its fds could not be listed, or -EACCES if some of them could
 * not be inspected for lack of permission (the others are shown).
 */
static int scan_pid(const struct options *o, long pid, struct scan *sc)
{
	char path[PATH_MAX], comm[64];
	bool have_comm = false, denied = false;
	long *fds, n, i;
	int ret;

	snprintf(path, sizeof(path), "%s/%ld/fd", o->proc, pid);
	n = list_numbers(path, &fds);
	if (n < 0)
		return (int)n;
	for (i = 0; i < n; i++) {
		ret = is_zcnet_fd(o, pid, fds[i]);
		if (ret == -ENOENT || ret == 0)
			continue;
		if (ret == -EACCES || ret == -EPERM) {
			denied = true;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, PROG ": pid %ld fd %ld: %s\n", pid,
				fds[i], strerror(-ret));
			sc->errors++;
			continue;
		}
		if (!have_comm) {
			read_comm(o, pid, comm, sizeof(comm));
			have_comm = true;
		}
		show_context(o, pid, fds[i], comm, sc);
	}
	free(fds);
	return denied ? -EACCES : 0;
}

static int run_all(const struct options *o, struct scan *sc)
{
	long *pids, n, i;
	int ret;

	n = list_numbers(o->proc, &pids);
	if (n < 0) {
		fprintf(stderr, PROG ": cannot list %s: %s\n", o->proc,
			strerror((int)-n));
		return EXIT_NOTFOUND;
	}
	for (i = 0; i < n; i++) {
		ret = scan_pid(o, pids[i], sc);
		if (ret == -EACCES || ret == -EPERM)
			sc->denied++;
		else if (ret < 0 && ret != -ENOENT && !o->later)
			fprintf(stderr, PROG ": pid %ld: cannot list fds: %s\n",
				pids[i], strerror(-ret));
	}
	free(pids);

	if (sc->denied && !o->later)
		fprintf(stderr,
			PROG ": %u process%s could not be inspected "
			"(permission denied)\n",
			sc->denied, sc->denied == 1 ? "" : "es");
	if (!sc->contexts && !o->watch)
		fprintf(o->json ? stderr : stdout,
			"no zcnet contexts found\n");
	return 0;
}

/*
 * Watching, past the first sample, a process that is gone ends the watch
 * and one without contexts prints nothing.
 */
static int run_pid(const struct options *o, struct scan *sc)
{
	char path[PATH_MAX], comm[64];
	long pid = o->pid;
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/%ld", o->proc, pid);
	if (stat(path, &st) != 0) {
		if (o->later && errno == ENOENT)
			return WATCH_GONE;
		fprintf(stderr, PROG ": pid %ld: %s\n", pid,
			errno == ENOENT ? "no such process" : strerror(errno));
		return EXIT_NOTFOUND;
	}

	if (o->fd >= 0) {
		ret = is_zcnet_fd(o, pid, o->fd);
		if (ret <= 0 && o->later)
			return 0;
		if (ret == 0) {
			fprintf(stderr, PROG ": pid %ld fd %d is not a zcnet "
				"fd\n", pid, o->fd);
			return EXIT_NOTFOUND;
		}
		if (ret < 0) {
			fprintf(stderr, PROG ": pid %ld fd %d: %s\n", pid,
				o->fd, ret == -ENOENT ? "no such fd" :
				strerror(-ret));
			return EXIT_NOTFOUND;
		}
		read_comm(o, pid, comm, sizeof(comm));
		ret = show_context(o, pid, o->fd, comm, sc);
		if (ret == -ENOENT && !o->later)
			fprintf(stderr, PROG ": pid %ld fd %d: no such fd\n",
				pid, o->fd);
		return ret && !o->later ? EXIT_NOTFOUND : 0;
	}

	ret = scan_pid(o, pid, sc);
	if (o->later)
		return ret == -ENOENT ? WATCH_GONE : 0;
	if (ret == -EACCES && sc->contexts + sc->errors) {
		fprintf(stderr, PROG ": pid %ld: some fds could not be "
			"inspected: %s\n", pid, strerror(-ret));
	} else if (ret < 0) {
		fprintf(stderr, PROG ": pid %ld: cannot inspect fds: %s\n",
			pid, ret == -ENOENT ? "no such process" :
			strerror(-ret));
		return EXIT_NOTFOUND;
	}
	if (!sc->contexts) {
		if (!sc->errors)
			fprintf(stderr, PROG ": pid %ld has no zcnet fd\n",
				pid);
		return EXIT_NOTFOUND;
	}
	return 0;
}

static int run(const struct options *o, struct sample *keep)
{
	struct scan sc = { .keep = keep };

	return o->pid ? run_pid(o, &sc) : run_all(o, &sc);
}

static void sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		fdi_free(&s->v[i].fi);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * c's context in the previous sample: the same fd of the same process and,
 * where the module numbers contexts, the same ctx_id.
 */
static const struct ctx *find_prev(const struct sample *prev,
				   const struct ctx *c)
{
	uint64_t a, b;
	size_t i;

	for (i = 0; i < prev->n; i++) {
		const struct ctx *p = &prev->v[i];

		if (p->pid != c->pid || p->fd != c->fd)
			continue;
		if (fdi_num(&c->fi, "ctx_id", &a) &&
		    fdi_num(&p->fi, "ctx_id", &b) && a != b)
			return NULL;
		return p;
	}
	return NULL;
}

/* The counters the rates are made of, in enum rate_in order. */
static const char *const rate_names[] = {
	"tx_frames", "tx_bytes", "rx_frames", "rx_bytes", "tx_zerocopy",
	"tx_copied", "rx_drop_nobuf", "rx_drop_size", "rx_drop_split",
};

enum rate_in { R_TXF, R_TXB, R_RXF, R_RXB, R_ZC, R_COPIED, R_NOBUF, R_SIZE,
	       R_SPLIT, R_NR };

_Static_assert(sizeof(rate_names) / sizeof(rate_names[0]) == R_NR,
	       "rate_names and enum rate_in differ");

/*
 * Print the rates of c since p. Nothing when a counter went back: not
 * the same context after all.
 */
static void print_rates(const struct options *o, const struct ctx *p,
			const struct ctx *c, uint64_t k)
{
	double d[R_NR], dt = c->when - p->when, done, copied, drops;
	uint64_t a, b, id;
	int i;

	if (dt <= 0)
		return;
	for (i = 0; i < R_NR; i++) {
		a = fdi_counter(&p->fi, rate_names[i]);
		b = fdi_counter(&c->fi, rate_names[i]);
		if (b < a)
			return;
		d[i] = (double)(b - a);
	}
	done = d[R_ZC] + d[R_COPIED];
	copied = done > 0 ? d[R_COPIED] / done : NAN;
	drops = (d[R_NOBUF] + d[R_SIZE] + d[R_SPLIT]) / dt;
	if (o->json) {
		printf("{\"sample\": %llu, \"pid\": %ld, \"fd\": %ld, "
		       "\"comm\": ", (unsigned long long)k, c->pid, c->fd);
		json_string(stdout, c->comm);
		if (fdi_num(&c->fi, "ctx_id", &id))
			printf(", \"ctx_id\": %llu", (unsigned long long)id);
		printf(", \"seconds\": %.6f, \"tx_frames_per_s\": %.1f, "
		       "\"tx_gbit_per_s\": %.6f, \"rx_frames_per_s\": %.1f, "
		       "\"rx_gbit_per_s\": %.6f, \"copied_share\": ", dt,
		       d[R_TXF] / dt, d[R_TXB] * 8 / dt / 1e9, d[R_RXF] / dt,
		       d[R_RXB] * 8 / dt / 1e9);
		if (isnan(copied))
			printf("null");
		else
			printf("%.4f", copied);
		printf(", \"rx_drops_per_s\": %.1f}\n", drops);
		return;
	}
	printf("pid %ld fd %ld (", c->pid, c->fd);
	put_comm(c->comm);
	printf("): tx %.1f frames/s %.3f Gbit/s, rx %.1f frames/s %.3f "
	       "Gbit/s, copied ", d[R_TXF] / dt, d[R_TXB] * 8 / dt / 1e9,
	       d[R_RXF] / dt, d[R_RXB] * 8 / dt / 1e9);
	if (isnan(copied))
		printf("-");
	else
		printf("%.1f%%", copied * 100);
	printf(", rx drops %.1f/s\n", drops);
}

/* Sleep until *next plus the interval, or a signal; false on a signal. */
static bool wait_next(const struct options *o, struct timespec *next,
		      volatile sig_atomic_t *stop)
{
	struct timespec now;
	double whole, frac = modf(o->watch, &whole);

	next->tv_sec += (time_t)whole;
	next->tv_nsec += (long)(frac * 1e9);
	if (next->tv_nsec >= 1000000000L) {
		next->tv_sec++;
		next->tv_nsec -= 1000000000L;
	}
	/* Late (a slow scan, a stopped process): from now on, no burst. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > next->tv_sec ||
	    (now.tv_sec == next->tv_sec && now.tv_nsec > next->tv_nsec))
		*next = now;
	while (!*stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next,
					 NULL) == EINTR)
		;
	return !*stop;
}

/*
 * --watch: a first sample, then one every interval, each printing the
 * rates of the contexts the sample before it saw too. Ends after
 * --count intervals, on SIGINT or SIGTERM, or when -p's process is gone.
 */
static int run_watch(struct options *o)
{
	volatile sig_atomic_t *stop = install_stop_signals();
	struct sample prev = { 0 }, cur = { 0 };
	struct timespec next;
	const struct ctx *p;
	uint64_t k;
	size_t i;
	int ret;

	ret = run(o, &prev);
	if (ret) {
		sample_free(&prev);
		return ret;
	}
	o->later = true;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (k = 1; (!o->count || k <= o->count) && wait_next(o, &next, stop);
	     k++) {
		ret = run(o, &cur);
		for (i = 0; i < cur.n; i++) {
			p = find_prev(&prev, &cur.v[i]);
			if (p)
				print_rates(o, p, &cur.v[i], k);
		}
		sample_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (fflush(stdout) != 0 || ret == WATCH_GONE)
			break;
	}
	sample_free(&prev);
	return 0;
}

static void more_help(FILE *f)
{
	fputs("Without -p, every process is scanned. With --watch, each "
	      "interval prints one\nline per context seen at both its ends, "
	      "until SIGINT or SIGTERM, --count\nintervals, or the end of "
	      "-p's process. Exit status: 0 on success (also when\nno context "
	      "exists), 1 if the process or context was not found or could "
	      "not\nbe read, 2 on bad arguments.\n", f);
}

int main(int argc, char **argv)
{
	static struct options o = { .proc = "/proc", .pid = 0, .fd = -1 };
	static struct opt opts[] = {
		ONUM("pid", 'p', o.pid, 1, INT_MAX, "PID", "only the contexts of "
		     "process PID", "PID"),
		ONUM("fd", 'f', o.fd, 0, INT_MAX, "FD", "only file descriptor FD "
		     "of process PID (needs -p)", "FD"),
		OFLAG("json", 'j', o.json, "one JSON object per context and "
		      "line"),
		{ "watch", 'w', OPT_SECS, &o.watch, 0, 0, WATCH_MAX, "SECONDS",
		  "every SECONDS (fractions too), print each\ncontext's rates "
		  "since the sample before",
		  "interval (seconds, at least 0.001, at most "
		  OPT_STR_OF(WATCH_MAX) ")", NULL, false },
		ONUM("count", 'c', o.count, 1, UINT64_MAX, "N", "with --watch: "
		     "stop after N intervals", "count"),
		OSTR("proc-root", 0, o.proc, "DIR", "read DIR instead of /proc "
		     "(for testing)"),
		OEND
	};
	struct stat st;
	int ret;

	util_prog = PROG;
	opts_parse(argc, argv, opts, "Usage: " PROG " [-j] [-p PID [-f FD]] "
		   "[-w SECONDS [-c N]]\n"
		   "Print the counters of zcnet contexts (open files of "
		   LIBZCNET_DEVICE_PATH "),\nor with -w their rates.\n\n",
		   more_help);
	if (o.fd >= 0 && !o.pid)
		usage_error("-f needs -p");
	if (o.count && !o.watch)
		usage_error("--count needs --watch");
	if (stat(LIBZCNET_DEVICE_PATH, &st) == 0 && S_ISCHR(st.st_mode)) {
		have_zcnet_rdev = true;
		zcnet_rdev = st.st_rdev;
	}
	ret = o.watch ? run_watch(&o) : run(&o, NULL);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return EXIT_NOTFOUND;
	}
	return ret;
}
