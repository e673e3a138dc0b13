// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The symbol versions of the struct zcnet_stats calls (lib/libzcnet.map).
 *
 * Programs linked before LIBZCNET_1.2 have a 248-byte struct zcnet_stats
 * (ZCNET_STATS_SIZE_VER0) and call the LIBZCNET_1.0 versions, which must
 * never touch byte 248 onward; the LIBZCNET_1.2 versions, the default,
 * fill the whole struct, rx_drop_split included. Checked twice:
 *   - in libzcnet.a, whose old versions this program references by
 *     version, as an old program's dynamic symbols do, and whose new ones
 *     its unversioned calls must resolve to;
 *   - in libzcnet.so.1 (argv[1]), through dlvsym() and dlsym().
 * Usage: test_abi PATH-TO-libzcnet.so.1
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "unit.h"

#define CANARY	0xa5
#define OLD_SIZE	ZCNET_STATS_SIZE_VER0
#define OLD_COUNT	30
#define NEW_COUNT	31

_Static_assert(sizeof(struct zcnet_stats) == ZCNET_STATS_SIZE_VER1,
	       "struct zcnet_stats is not ZCNET_STATS_SIZE_VER1 bytes");
_Static_assert(offsetof(struct zcnet_stats, rx_drop_split) == OLD_SIZE,
	       "rx_drop_split does not start where the old struct ends");

/* The five versioned calls, of one version. */
struct stats_calls {
	const char *what;
	int (*get_stats)(struct zcnet_ctx *ctx, struct zcnet_stats *stats);
	int (*fdinfo_read)(pid_t pid, int fd, struct zcnet_stats *stats);
	int (*fdinfo_read_path)(const char *path, struct zcnet_stats *stats);
	unsigned int (*stats_count)(void);
	__u64 (*stats_value)(const struct zcnet_stats *stats, unsigned int i);
};

/* libzcnet.a's LIBZCNET_1.0 versions, referenced as an old program does. */
int old_get_stats(struct zcnet_ctx *ctx, struct zcnet_stats *stats);
int old_fdinfo_read(pid_t pid, int fd, struct zcnet_stats *stats);
int old_fdinfo_read_path(const char *path, struct zcnet_stats *stats);
unsigned int old_stats_count(void);
__u64 old_stats_value(const struct zcnet_stats *stats, unsigned int i);
__asm__(".symver old_get_stats, zcnet_get_stats@LIBZCNET_1.0");
__asm__(".symver old_fdinfo_read, zcnet_fdinfo_read@LIBZCNET_1.0");
__asm__(".symver old_fdinfo_read_path, zcnet_fdinfo_read_path@LIBZCNET_1.0");
__asm__(".symver old_stats_count, zcnet_stats_count@LIBZCNET_1.0");
__asm__(".symver old_stats_value, zcnet_stats_value@LIBZCNET_1.0");

static char tmpdir[] = "/tmp/zcnet-abi-XXXXXX";
static char all_path[300];	/* every counter, counter i = 100 + i */
static char new_path[300];	/* only rx_drop_split */
static char other_path[300];	/* no counter */

static void write_file(char *path, size_t size, const char *name,
		       const char *text)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void write_files(void)
{
	char text[4096];
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < NEW_COUNT; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s:\t%u\n", zcnet_stats_name(i),
					100 + i);
	write_file(all_path, sizeof(all_path), "all", text);
	write_file(new_path, sizeof(new_path), "new",
		   "pos:\t0\nrx_drop_split:\t77\n");
	write_file(other_path, sizeof(other_path), "other",
		   "pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t5\n");
}

/* A 256-byte struct, all CANARY bytes. */
union stats_buf {
	struct zcnet_stats st;
	unsigned char b[sizeof(struct zcnet_stats)];
};

static void fill(union stats_buf *u)
{
	memset(u->b, CANARY, sizeof(u->b));
}

/* Bytes [from, to) of *u are all c. */
static int all_bytes(const union stats_buf *u, size_t from, size_t to, int c)
{
	size_t i;

	for (i = from; i < to; i++)
		if (u->b[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* An old version left the bytes past the old struct alone. */
#define CHECK_TAIL(u) \
	CHECK(!old || all_bytes((u), OLD_SIZE, sizeof((u)->b), CANARY))

/*
 * Check the calls of *c, whose struct has count counters: OLD_COUNT in
 * OLD_SIZE bytes, or NEW_COUNT in the whole struct.
 */
static void test_calls(const struct stats_calls *c, unsigned int count)
{
	int old = count == OLD_COUNT;
	size_t size = old ? OLD_SIZE : sizeof(struct zcnet_stats);
	union stats_buf u;
	unsigned int i;
	int fd;

	printf("  %s\n", c->what);
	CHECK_EQ(c->stats_count(), count);

	/* No context: the struct is cleared, then the ioctl refused. */
	fill(&u);
	CHECK_EQ(c->get_stats(NULL, &u.st), -EINVAL);
	CHECK_EQ(u.st.size, size);
	CHECK(all_bytes(&u, 4, size, 0));
	CHECK_TAIL(&u);
	CHECK_EQ(c->get_stats(NULL, NULL), -EINVAL);

	/* Every counter listed: the old version stops at module_contexts. */
	fill(&u);
	CHECK_EQ(c->fdinfo_read_path(all_path, &u.st), 0);
	CHECK_EQ(u.st.size, size);
	CHECK_EQ(u.st.flags, 0);
	CHECK_EQ(u.st.tx_kicks, 100);
	CHECK_EQ(u.st.module_contexts, 100 + OLD_COUNT - 1);
	for (i = 0; i < count; i++)
		CHECK_EQ(c->stats_value(&u.st, i), 100 + i);
	CHECK_EQ(c->stats_value(&u.st, count), 0);
	if (!old)
		CHECK_EQ(u.st.rx_drop_split, 100 + NEW_COUNT - 1);
	CHECK_TAIL(&u);

	/* Only the new counter: no counter the old version knows. */
	fill(&u);
	CHECK_EQ(c->fdinfo_read_path(new_path, &u.st),
		 old ? -ENODATA : 0);
	CHECK_EQ(u.st.size, size);
	CHECK(all_bytes(&u, 4, OLD_SIZE, 0));
	if (!old)
		CHECK_EQ(u.st.rx_drop_split, 77);
	CHECK_TAIL(&u);

	fill(&u);
	CHECK_EQ(c->fdinfo_read_path(other_path, &u.st), -ENODATA);
	CHECK_EQ(u.st.size, size);
	CHECK(all_bytes(&u, 4, size, 0));
	CHECK_TAIL(&u);

	/* The real /proc/PID/fdinfo of an ordinary file. */
	fd = open(other_path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	fill(&u);
	CHECK_EQ(c->fdinfo_read(getpid(), fd, &u.st), -ENODATA);
	CHECK_EQ(u.st.size, size);
	CHECK(all_bytes(&u, 4, size, 0));
	CHECK_TAIL(&u);
	close(fd);

	/* The counter at index 30 is rx_drop_split, past the old struct. */
	fill(&u);
	memset(u.b, 0, OLD_SIZE);
	u.st.module_contexts = 5;
	CHECK_EQ(c->stats_value(&u.st, OLD_COUNT - 1), 5);
	if (old)
		CHECK_EQ(c->stats_value(&u.st, OLD_COUNT), 0);
	else	/* the canary bytes */
		CHECK(c->stats_value(&u.st, OLD_COUNT) ==
		      0xa5a5a5a5a5a5a5a5ULL);
	CHECK_EQ(c->stats_value(NULL, 0), 0);
}

static void test_static(void)
{
	const struct stats_calls old = {
		"libzcnet.a LIBZCNET_1.0",
		old_get_stats, old_fdinfo_read, old_fdinfo_read_path,
		old_stats_count, old_stats_value,
	};
	/* Unversioned references: the default versions. */
	const struct stats_calls cur = {
		"libzcnet.a default",
		zcnet_get_stats, zcnet_fdinfo_read, zcnet_fdinfo_read_path,
		zcnet_stats_count, zcnet_stats_value,
	};

	test_calls(&old, OLD_COUNT);
	test_calls(&cur, NEW_COUNT);
}

/* The address of version ver of name in h (NULL for ver: the default). */
static void *sym(void *h, const char *name, const char *ver)
{
	void *p = ver ? dlvsym(h, name, ver) : dlsym(h, name);

	if (!p)
		fprintf(stderr, "%s@%s: %s\n", name, ver ? ver : "",
			dlerror());
	return p;
}

/*
 * ISO C has no conversion from void * to a function pointer; POSIX
 * guarantees dlsym()'s result converts. Copy the bits.
 */
#define LOAD(fp, h, name, ver) do {					\
	void *_p = sym((h), (name), (ver));				\
									\
	_Static_assert(sizeof(fp) == sizeof(_p), "function pointer");	\
	memcpy(&(fp), &_p, sizeof(fp));					\
	if (!_p)							\
		unit_failures++;					\
} while (0)

static int load(struct stats_calls *c, void *h, const char *ver)
{
	int before = unit_failures;

	LOAD(c->get_stats, h, "zcnet_get_stats", ver);
	LOAD(c->fdinfo_read, h, "zcnet_fdinfo_read", ver);
	LOAD(c->fdinfo_read_path, h, "zcnet_fdinfo_read_path", ver);
	LOAD(c->stats_count, h, "zcnet_stats_count", ver);
	LOAD(c->stats_value, h, "zcnet_stats_value", ver);
	return unit_failures == before;
}

static void test_shared(const char *path)
{
	static const char *const versioned[] = {
		"zcnet_get_stats", "zcnet_fdinfo_read",
		"zcnet_fdinfo_read_path", "zcnet_stats_count",
		"zcnet_stats_value",
	};
	static const char *const hidden[] = {
		"zcnet_get_stats_v1_0", "zcnet_get_stats_v1_2",
		"zcnet_stats_count_v1_0", "zcnet_stats_value_v1_2",
		"zcnet_fdinfo_read_path_v1_0", "zcnet_fdinfo_read_v1_2",
	};
	struct stats_calls old = { .what = "libzcnet.so.1 LIBZCNET_1.0" };
	struct stats_calls cur = { .what = "libzcnet.so.1 LIBZCNET_1.2" };
	struct stats_calls def = { .what = "libzcnet.so.1 default" };
	unsigned int i;
	void *h;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		unit_failures++;
		return;
	}
	if (load(&old, h, "LIBZCNET_1.0"))
		test_calls(&old, OLD_COUNT);
	if (load(&cur, h, "LIBZCNET_1.2"))
		test_calls(&cur, NEW_COUNT);
	if (load(&def, h, NULL))
		test_calls(&def, NEW_COUNT);

	/* Two bodies per versioned call; dlsym() finds the new one. */
	for (i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++) {
		void *v0 = dlvsym(h, versioned[i], "LIBZCNET_1.0");
		void *v2 = dlvsym(h, versioned[i], "LIBZCNET_1.2");

		CHECK(v0 && v2 && v0 != v2);
		CHECK(dlsym(h, versioned[i]) == v2);
	}
	/* The rest keep their only version. */
	CHECK(dlvsym(h, "zcnet_stats_name", "LIBZCNET_1.0") != NULL);
	CHECK(dlvsym(h, "zcnet_stats_index", "LIBZCNET_1.0") != NULL);
	CHECK(dlvsym(h, "zcnet_open", "LIBZCNET_1.0") != NULL);
	CHECK(dlvsym(h, "zcnet_get_param", "LIBZCNET_1.1") != NULL);
	CHECK(dlvsym(h, "zcnet_setup_flags", "LIBZCNET_1.4") != NULL);
	CHECK(dlvsym(h, "zcnet_setup_flags", "LIBZCNET_1.3") == NULL);
	CHECK(dlvsym(h, "zcnet_region_register_flags", "LIBZCNET_1.6") != NULL);
	CHECK(dlvsym(h, "zcnet_region_register_flags", "LIBZCNET_1.5") == NULL);
	CHECK(dlvsym(h, "zcnet_stats_name", "LIBZCNET_1.2") == NULL);
	/* The bodies behind the versions are not exported. */
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		CHECK(dlsym(h, hidden[i]) == NULL);
	dlclose(h);
}

int main(int argc, char **argv)
{
	char cmd[300];

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-libzcnet.so.1\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	write_files();
	test_static();
	test_shared(argv[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return unit_done("test_abi");
}
