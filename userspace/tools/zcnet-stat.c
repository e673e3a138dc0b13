// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-stat: the counters of zcnet contexts, from /proc/PID/fdinfo/FD. */
/*
 * A zcnet context is an open file of the zcnet device; any process that
 * may read another's fdinfo (the same user, or root) can see its counters.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libzcnet.h"
#include "traffic.h"

#define PROG "zcnet-stat"

#define EXIT_NOTFOUND	1	/* no such process or context, I/O error */

struct options {
	const char *proc;	/* procfs root */
	pid_t pid;		/* 0: every process */
	int fd;			/* -1: every zcnet fd */
	bool json;
};

/* What scanning found, for the final messages and the exit code. */
struct scan {
	unsigned int contexts;	/* contexts printed */
	unsigned int denied;	/* processes whose fds could not be listed */
	unsigned int errors;	/* contexts whose counters could not be read */
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

static void print_context(const struct options *o, long pid, long fd,
			  const char *comm, const struct zcnet_stats *st)
{
	unsigned int i, n = zcnet_stats_count();
	int width = 0;

	if (o->json) {
		printf("{\"pid\": %ld, \"fd\": %ld, \"comm\": ", pid, fd);
		json_string(stdout, comm);
		printf(", \"stats\": {");
		for (i = 0; i < n; i++)
			printf("%s\"%s\": %llu", i ? ", " : "",
			       zcnet_stats_name(i),
			       (unsigned long long)zcnet_stats_value(st, i));
		printf("}}\n");
		return;
	}

	printf("pid %ld fd %ld (", pid, fd);
	for (; *comm; comm++)
		putchar((unsigned char)*comm >= 0x20 &&
			(unsigned char)*comm < 0x7f ? *comm : '?');
	printf(")\n");
	for (i = 0; i < n; i++) {
		int len = (int)strlen(zcnet_stats_name(i));

		if (len > width)
			width = len;
	}
	for (i = 0; i < n; i++)
		printf("  %-*s %llu\n", width, zcnet_stats_name(i),
		       (unsigned long long)zcnet_stats_value(st, i));
}

/*
 * Read and print one context. Returns 0, or -errno after reporting why
 * (-ENOENT silently: the fd was closed meanwhile).
 */
static int show_context(const struct options *o, long pid, long fd,
			const char *comm, struct scan *sc)
{
	struct zcnet_stats st;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%ld/fdinfo/%ld", o->proc, pid, fd);
	err = zcnet_fdinfo_read_path(path, &st);
	if (err == -ENOENT)
		return err;
	if (err) {
		fprintf(stderr, PROG ": pid %ld fd %ld: cannot read %s: %s\n",
			pid, fd, path,
			err == -ENODATA ? "no zcnet counters" : strerror(-err));
		sc->errors++;
		return err;
	}
	print_context(o, pid, fd, comm, &st);
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

static int run_all(const struct options *o)
{
	struct scan sc = { 0 };
	long *pids, n, i;
	int ret;

	n = list_numbers(o->proc, &pids);
	if (n < 0) {
		fprintf(stderr, PROG ": cannot list %s: %s\n", o->proc,
			strerror((int)-n));
		return EXIT_NOTFOUND;
	}
	for (i = 0; i < n; i++) {
		ret = scan_pid(o, pids[i], &sc);
		if (ret == -EACCES || ret == -EPERM)
			sc.denied++;
		else if (ret < 0 && ret != -ENOENT)
			fprintf(stderr, PROG ": pid %ld: cannot list fds: %s\n",
				pids[i], strerror(-ret));
	}
	free(pids);

	if (sc.denied)
		fprintf(stderr,
			PROG ": %u process%s could not be inspected "
			"(permission denied)\n",
			sc.denied, sc.denied == 1 ? "" : "es");
	if (!sc.contexts)
		fprintf(o->json ? stderr : stdout,
			"no zcnet contexts found\n");
	return 0;
}

static int run_pid(const struct options *o)
{
	struct scan sc = { 0 };
	char path[PATH_MAX], comm[64];
	long pid = o->pid;
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/%ld", o->proc, pid);
	if (stat(path, &st) != 0) {
		fprintf(stderr, PROG ": pid %ld: %s\n", pid,
			errno == ENOENT ? "no such process" : strerror(errno));
		return EXIT_NOTFOUND;
	}

	if (o->fd >= 0) {
		ret = is_zcnet_fd(o, pid, o->fd);
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
		ret = show_context(o, pid, o->fd, comm, &sc);
		if (ret == -ENOENT)
			fprintf(stderr, PROG ": pid %ld fd %d: no such fd\n",
				pid, o->fd);
		return ret ? EXIT_NOTFOUND : 0;
	}

	ret = scan_pid(o, pid, &sc);
	if (ret == -EACCES && sc.contexts + sc.errors) {
		fprintf(stderr, PROG ": pid %ld: some fds could not be "
			"inspected: %s\n", pid, strerror(-ret));
	} else if (ret < 0) {
		fprintf(stderr, PROG ": pid %ld: cannot inspect fds: %s\n",
			pid, ret == -ENOENT ? "no such process" :
			strerror(-ret));
		return EXIT_NOTFOUND;
	}
	if (!sc.contexts) {
		if (!sc.errors)
			fprintf(stderr, PROG ": pid %ld has no zcnet fd\n",
				pid);
		return EXIT_NOTFOUND;
	}
	return 0;
}

static void more_help(FILE *f)
{
	fputs("Without -p, every process is scanned. Exit status: 0 on success "
	      "(also when\nno context exists), 1 if the process or context was "
	      "not found or could not\nbe read, 2 on bad arguments.\n", f);
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
		OSTR("proc-root", 0, o.proc, "DIR", "read DIR instead of /proc "
		     "(for testing)"),
		OEND
	};
	struct stat st;
	int ret;

	util_prog = PROG;
	opts_parse(argc, argv, opts, "Usage: " PROG " [-j] [-p PID [-f FD]]\n"
		   "Print the counters of zcnet contexts (open files of "
		   LIBZCNET_DEVICE_PATH ").\n\n", more_help);
	if (o.fd >= 0 && !o.pid)
		usage_error("-f needs -p");
	if (stat(LIBZCNET_DEVICE_PATH, &st) == 0 && S_ISCHR(st.st_mode)) {
		have_zcnet_rdev = true;
		zcnet_rdev = st.st_rdev;
	}
	ret = o.pid ? run_pid(&o) : run_all(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return EXIT_NOTFOUND;
	}
	return ret;
}
