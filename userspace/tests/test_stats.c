// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Counter names, fdinfo parsing on sample files, the memory allocator and
 * argument checks of calls that need no zcnet device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcnet.h"
#include "unit.h"

static char tmpdir[] = "/tmp/zcnet-unit-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_names(void)
{
	struct zcnet_stats st;
	unsigned int i;

	CHECK_EQ(zcnet_stats_count(), 31);
	CHECK(strcmp(zcnet_stats_name(0), "tx_kicks") == 0);
	CHECK(strcmp(zcnet_stats_name(29), "module_contexts") == 0);
	CHECK(strcmp(zcnet_stats_name(30), "rx_drop_split") == 0);
	CHECK(zcnet_stats_name(31) == NULL);
	CHECK_EQ(zcnet_stats_index("rx_drop_split"), 30);
	CHECK_EQ(zcnet_stats_index("tx_nops"), 2);
	CHECK_EQ(zcnet_stats_index("flags"), -ENOENT);
	CHECK_EQ(zcnet_stats_index("size"), -ENOENT);
	CHECK_EQ(zcnet_stats_index("tx_nop"), -ENOENT);
	CHECK_EQ(zcnet_stats_index(NULL), -EINVAL);

	/* Counter i is the i-th __u64 after size and flags. */
	memset(&st, 0, sizeof(st));
	for (i = 0; i < zcnet_stats_count(); i++) {
		__u64 v = 1000 + i;

		memcpy((char *)&st + offsetof(struct zcnet_stats, tx_kicks) +
		       i * sizeof(__u64), &v, sizeof(v));
	}
	for (i = 0; i < zcnet_stats_count(); i++) {
		CHECK_EQ(zcnet_stats_value(&st, i), 1000 + i);
		CHECK_EQ(zcnet_stats_index(zcnet_stats_name(i)), i);
	}
	CHECK_EQ(st.tx_nops, 1002);
	CHECK_EQ(st.module_contexts, 1029);
	CHECK_EQ(st.rx_drop_split, 1030);
	CHECK_EQ(zcnet_stats_value(&st, 31), 0);
	CHECK_EQ(zcnet_stats_value(NULL, 0), 0);
}

static void test_fdinfo(void)
{
	struct zcnet_stats st;
	char text[4096];
	size_t len = 0;
	unsigned int i;
	const char *p;
	int fd;

	/* Every counter with a distinct value, among the usual fdinfo lines. */
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"pos:\t0\nflags:\t02100002\nmnt_id:\t25\n"
				"ino:\t1234\n");
	for (i = 0; i < zcnet_stats_count(); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s:\t%u\n", zcnet_stats_name(i),
					7 * i + 1);
	snprintf(text + len, sizeof(text) - len,
		 "future_counter:\t99\nnot a line\n\n");
	p = write_file("full", text);
	memset(&st, 0xff, sizeof(st));
	CHECK_EQ(zcnet_fdinfo_read_path(p, &st), 0);
	CHECK_EQ(st.size, sizeof(st));
	CHECK_EQ(st.flags, 0);
	for (i = 0; i < zcnet_stats_count(); i++)
		CHECK_EQ(zcnet_stats_value(&st, i), 7 * i + 1);
	CHECK_EQ(st.tx_nops, 15);
	CHECK_EQ(st.rx_drop_split, 7 * 30 + 1);

	/* Only some counters; odd spacing; malformed values are ignored. */
	p = write_file("partial",
		       "pos:\t0\n"
		       "tx_nops:\t64\n"
		       "  tx_kicks :  3  \n"
		       "tx_bytes:\t-1\n"
		       "tx_descs:\t12abc\n"
		       "cq_posted:\t99999999999999999999999\n"
		       "inflight:\n"
		       "regions:\t18446744073709551615\n"
		       "tx_nops_extra:\t5\n"
		       "ring_errors:\t2");	/* no final newline */
	CHECK_EQ(zcnet_fdinfo_read_path(p, &st), 0);
	CHECK_EQ(st.tx_nops, 64);
	CHECK_EQ(st.tx_kicks, 3);
	CHECK_EQ(st.tx_bytes, 0);
	CHECK_EQ(st.tx_descs, 0);
	CHECK_EQ(st.cq_posted, 0);
	CHECK_EQ(st.inflight, 0);
	CHECK(st.regions == 18446744073709551615ULL);
	CHECK_EQ(st.ring_errors, 2);

	/* Not a zcnet fd. */
	p = write_file("other", "pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t5\n");
	CHECK_EQ(zcnet_fdinfo_read_path(p, &st), -ENODATA);
	p = write_file("empty", "");
	CHECK_EQ(zcnet_fdinfo_read_path(p, &st), -ENODATA);

	snprintf(text, sizeof(text), "%s/missing", tmpdir);
	CHECK_EQ(zcnet_fdinfo_read_path(text, &st), -ENOENT);
	CHECK_EQ(zcnet_fdinfo_read_path(NULL, &st), -EINVAL);
	CHECK_EQ(zcnet_fdinfo_read_path(p, NULL), -EINVAL);

	/* The real /proc: an ordinary file has no zcnet counters. */
	fd = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(zcnet_fdinfo_read(getpid(), fd, &st), -ENODATA);
	close(fd);
	CHECK_EQ(zcnet_fdinfo_read(getpid(), fd, &st), -ENOENT);
	CHECK_EQ(zcnet_fdinfo_read(0, 0, &st), -EINVAL);
	CHECK_EQ(zcnet_fdinfo_read(getpid(), -1, &st), -EINVAL);
}

static void test_mem(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct zcnet_mem m;

	CHECK_EQ(zcnet_mem_alloc(&m, 1, 0), 0);
	CHECK(m.addr != NULL);
	CHECK_EQ(m.len, page);
	CHECK_EQ((unsigned long)m.addr % (unsigned long)page, 0);
	memset(m.addr, 0x5a, m.len);
	zcnet_mem_free(&m);
	CHECK(m.addr == NULL && m.len == 0);
	zcnet_mem_free(&m);
	zcnet_mem_free(NULL);

	CHECK_EQ(zcnet_mem_alloc(&m, (size_t)page * 3 + 1,
				 LIBZCNET_MEM_SHARED | LIBZCNET_MEM_POPULATE), 0);
	CHECK_EQ(m.len, page * 4);
	CHECK_EQ(m.flags, LIBZCNET_MEM_SHARED | LIBZCNET_MEM_POPULATE);
	zcnet_mem_free(&m);

	CHECK_EQ(zcnet_mem_alloc(&m, 0, 0), -EINVAL);
	CHECK_EQ(zcnet_mem_alloc(&m, 4096, 1U << 7), -EINVAL);
	CHECK_EQ(zcnet_mem_alloc(NULL, 4096, 0), -EINVAL);
	CHECK_EQ(zcnet_mem_alloc(&m, (size_t)-1, 0), -ENOMEM);
}

static void test_no_device(void)
{
	struct zcnet_ctx *ctx = (struct zcnet_ctx *)&ctx;
	char path[300];

	snprintf(path, sizeof(path), "%s/no-such-device", tmpdir);
	CHECK_EQ(zcnet_open_path(path, &ctx), -ENOENT);
	CHECK(ctx == NULL);
	/* A device that is not zcnet rejects the GET_INFO ioctl. */
	CHECK_EQ(zcnet_open_path("/dev/null", &ctx), -ENOTTY);
	CHECK(ctx == NULL);
	CHECK_EQ(zcnet_open_path(NULL, &ctx), -EINVAL);
	CHECK_EQ(zcnet_open(NULL), -EINVAL);

	/* NULL contexts are rejected, not dereferenced. */
	zcnet_close(NULL);
	CHECK_EQ(zcnet_ctx_fd(NULL), -EINVAL);
	CHECK(zcnet_ctx_info(NULL) == NULL);
	CHECK_EQ(zcnet_has_feature(NULL, 0), 0);
	CHECK_EQ(zcnet_setup(NULL, 64, 64, 0, 0), -EINVAL);
	CHECK(zcnet_tx_ring(NULL) == NULL);
	CHECK_EQ(zcnet_kick(NULL, 0), -EINVAL);
	CHECK_EQ(zcnet_set_eventfd(NULL, ZCNET_EVENTFD_CQ, -1), -EINVAL);
	CHECK_EQ(zcnet_eventfd_create(NULL, ZCNET_EVENTFD_CQ), -EINVAL);
	CHECK_EQ(zcnet_eventfd_wait(NULL, ZCNET_EVENTFD_CQ, 0, NULL), -EINVAL);
	CHECK_EQ(zcnet_ctx_eventfd(NULL, ZCNET_EVENTFD_CQ), -1);
	CHECK_EQ(zcnet_wait(NULL, 0, 0), -EINVAL);
	CHECK_EQ(zcnet_get_stats(NULL, NULL), -EINVAL);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_names();
	test_fdinfo();
	test_mem();
	test_no_device();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return unit_done("test_stats");
}
