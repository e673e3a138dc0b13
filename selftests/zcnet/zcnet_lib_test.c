// SPDX-License-Identifier: GPL-2.0
/*
 * libzcnet end to end, against the loaded zcnet module: open a context,
 * set up 64-entry rings through the library, register memory from its
 * allocator, post 64 ZCNET_TX_NOP descriptors, kick, wait on the CQ
 * eventfd, check every completion and the counters (ioctl, fdinfo and the
 * zcnet-stat tool), and the same with timestamps in the completions.
 *
 * Build: -I<userspace>/include -I<uapi>, link <userspace build>/libzcnet.a.
 * Environment: ZCNET_TOOLS names the directory holding zcnet-stat; without
 * it the zcnet-stat checks are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libzcnet.h>

#include "../kselftest_harness.h"

#define NR_ENTRIES	64U
#define NOP_LEN		64U

#define NEEDED_FEATURES	(ZCNET_FEAT_RINGS | ZCNET_FEAT_REGIONS | \
			 ZCNET_FEAT_EVENTFD | ZCNET_FEAT_TX_NOP)

FIXTURE(zcnet_lib) {
	struct zcnet_ctx *ctx;
	struct zcnet_mem mem;
	__u32 region;
	bool registered;
	bool rx_rings;
	int cq_efd;
};

FIXTURE_SETUP(zcnet_lib)
{
	const struct zcnet_info *info;
	__u32 rx_entries;
	int err;

	err = zcnet_open(&self->ctx);
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		SKIP(return, "%s missing: zcnet module not loaded",
		     LIBZCNET_DEVICE_PATH);
	ASSERT_EQ(0, err) TH_LOG("zcnet_open: %s", strerror(-err));
	ASSERT_TRUE(zcnet_ctx_fd(self->ctx) >= 0);

	info = zcnet_ctx_info(self->ctx);
	ASSERT_NE(NULL, info);
	ASSERT_EQ((__u32)ZCNET_ABI_VERSION, info->abi_version);
	ASSERT_TRUE(info->size >= ZCNET_INFO_SIZE_VER0);
	ASSERT_EQ(0U, info->flags);
	ASSERT_TRUE(zcnet_has_feature(self->ctx, NEEDED_FEATURES))
		TH_LOG("features 0x%llx lack 0x%llx",
		       (unsigned long long)info->features,
		       (unsigned long long)NEEDED_FEATURES);
	ASSERT_TRUE(info->ring_min_entries <= NR_ENTRIES);
	ASSERT_TRUE(info->ring_max_entries >= NR_ENTRIES);
	ASSERT_TRUE(info->max_regions >= 1);
	ASSERT_EQ(sizeof(struct zcnet_tx_desc), info->tx_desc_size);
	ASSERT_EQ(sizeof(struct zcnet_cq_entry), info->cq_entry_size);
	ASSERT_EQ(sizeof(struct zcnet_fill_desc), info->fill_desc_size);
	ASSERT_EQ(sizeof(struct zcnet_rx_desc), info->rx_desc_size);

	self->rx_rings = zcnet_has_feature(self->ctx, ZCNET_FEAT_RX);
	rx_entries = self->rx_rings ? NR_ENTRIES : 0;
	err = zcnet_setup(self->ctx, NR_ENTRIES, NR_ENTRIES, rx_entries,
			  rx_entries);
	ASSERT_EQ(0, err) TH_LOG("zcnet_setup: %s", strerror(-err));

	err = zcnet_mem_alloc(&self->mem, NR_ENTRIES * NOP_LEN, 0);
	ASSERT_EQ(0, err) TH_LOG("zcnet_mem_alloc: %s", strerror(-err));
	ASSERT_TRUE(self->mem.len >= NR_ENTRIES * NOP_LEN);
	err = zcnet_region_register(self->ctx, self->mem.addr, self->mem.len,
				    &self->region);
	ASSERT_EQ(0, err) TH_LOG("zcnet_region_register: %s", strerror(-err));
	self->registered = true;

	self->cq_efd = zcnet_eventfd_create(self->ctx, ZCNET_EVENTFD_CQ);
	ASSERT_TRUE(self->cq_efd >= 0)
		TH_LOG("zcnet_eventfd_create: %s", strerror(-self->cq_efd));
	ASSERT_EQ(self->cq_efd, zcnet_ctx_eventfd(self->ctx, ZCNET_EVENTFD_CQ));
}

FIXTURE_TEARDOWN(zcnet_lib)
{
	if (self->registered)
		EXPECT_EQ(0, zcnet_region_unregister(self->ctx, self->region));
	zcnet_close(self->ctx);
	zcnet_mem_free(&self->mem);
}

/*
 * Post 64 NOPs, kick, wait for the CQ eventfd and check each completion
 * and the context's counters.
 */
static void nop_roundtrip(struct __test_metadata *_metadata,
			  FIXTURE_DATA(zcnet_lib) *self)
{
	struct zcnet_ring *tx = zcnet_tx_ring(self->ctx);
	struct zcnet_ring *cq = zcnet_cq_ring(self->ctx);
	struct zcnet_stats st, fdst;
	__u64 seen = 0, count = 0;
	__u32 idx, idx2, i;
	int ret;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, cq);

	ASSERT_EQ(NR_ENTRIES, zcnet_ring_reserve(tx, NR_ENTRIES, &idx));
	ASSERT_EQ(0U, zcnet_ring_reserve(tx, 1, &idx2));
	for (i = 0; i < NR_ENTRIES; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(tx, idx + i);

		memset(d, 0, sizeof(*d));
		d->region = (__u16)self->region;
		d->offset = (__u64)i * NOP_LEN;
		d->len = NOP_LEN;
		d->flags = ZCNET_TX_NOP;
		d->cookie = i;
	}
	zcnet_ring_submit(tx, NR_ENTRIES);

	/* Nothing completes before the kick. */
	ASSERT_EQ(0U, zcnet_ring_avail(cq));
	ASSERT_EQ(-ETIMEDOUT, zcnet_eventfd_wait(self->ctx, ZCNET_EVENTFD_CQ,
						  0, NULL));

	ret = zcnet_kick(self->ctx, 0);
	ASSERT_EQ((int)NR_ENTRIES, ret) TH_LOG("zcnet_kick: %d", ret);

	ret = zcnet_eventfd_wait(self->ctx, ZCNET_EVENTFD_CQ, 1000, &count);
	ASSERT_EQ(0, ret) TH_LOG("CQ eventfd: %s", strerror(-ret));
	ASSERT_EQ(1ULL, count);	/* one signal for the kick's batch */

	ret = zcnet_wait(self->ctx, POLLIN, 0);
	ASSERT_TRUE(ret > 0 && (ret & POLLIN)) TH_LOG("poll: %d", ret);

	ASSERT_EQ(NR_ENTRIES, zcnet_ring_peek(cq, NR_ENTRIES + 1, &idx));
	for (i = 0; i < NR_ENTRIES; i++) {
		const struct zcnet_cq_entry *e = zcnet_ring_cq_entry(cq, idx + i);

		ASSERT_TRUE(e->cookie < NR_ENTRIES)
			TH_LOG("cookie %llu", (unsigned long long)e->cookie);
		ASSERT_EQ(0ULL, seen & (1ULL << e->cookie))
			TH_LOG("cookie %llu twice", (unsigned long long)e->cookie);
		seen |= 1ULL << e->cookie;
		ASSERT_EQ((int)NOP_LEN, e->result);
		ASSERT_EQ(0U, e->flags);
	}
	ASSERT_EQ(~0ULL, seen);
	zcnet_ring_release(cq, NR_ENTRIES);
	ASSERT_EQ(0U, zcnet_ring_peek(cq, 1, &idx));

	/* CQ drained, TX empty again: no POLLIN, POLLOUT. */
	ret = zcnet_wait(self->ctx, POLLIN | POLLOUT, 0);
	ASSERT_EQ(POLLOUT, ret);
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_space(tx, NR_ENTRIES));

	ASSERT_EQ(0, zcnet_get_stats(self->ctx, &st));
	ASSERT_TRUE(st.size >= ZCNET_STATS_SIZE_VER0);
	EXPECT_EQ(1ULL, st.tx_kicks);
	EXPECT_EQ((__u64)NR_ENTRIES, st.tx_descs);
	ASSERT_EQ((__u64)NR_ENTRIES, st.tx_nops);
	EXPECT_EQ((__u64)NR_ENTRIES, st.cq_posted);
	EXPECT_EQ(1ULL, st.cq_signals);
	EXPECT_EQ(0ULL, st.tx_rejected);
	EXPECT_EQ(0ULL, st.ring_errors);
	EXPECT_EQ(1ULL, st.regions);
	EXPECT_EQ(0ULL, st.inflight);

	ret = zcnet_fdinfo_read(getpid(), zcnet_ctx_fd(self->ctx), &fdst);
	ASSERT_EQ(0, ret) TH_LOG("fdinfo: %s", strerror(-ret));
	ASSERT_EQ((__u64)NR_ENTRIES, fdst.tx_nops);
	EXPECT_EQ(st.tx_kicks, fdst.tx_kicks);
	EXPECT_EQ(st.tx_descs, fdst.tx_descs);
	EXPECT_EQ(st.cq_posted, fdst.cq_posted);
	EXPECT_EQ(st.regions, fdst.regions);
}

TEST_F(zcnet_lib, rings_mapped)
{
	struct zcnet_ring *tx = zcnet_tx_ring(self->ctx);
	struct zcnet_ring *cq = zcnet_cq_ring(self->ctx);
	struct zcnet_ring *fill = zcnet_fill_ring(self->ctx);
	struct zcnet_ring *rx = zcnet_rx_ring(self->ctx);
	__u32 idx;

	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, cq);
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_entries(tx));
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_entries(cq));
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_space(tx, NR_ENTRIES));
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_reserve(tx, NR_ENTRIES, &idx));
	ASSERT_EQ(0U, zcnet_ring_reserve(tx, 1, &idx));
	zcnet_ring_cancel(tx, NR_ENTRIES);
	ASSERT_EQ(0U, zcnet_ring_avail(cq));
	ASSERT_EQ(0U, zcnet_ring_peek(cq, NR_ENTRIES, &idx));

	if (!self->rx_rings) {
		ASSERT_EQ(NULL, fill);
		ASSERT_EQ(NULL, rx);
		return;
	}
	ASSERT_NE(NULL, fill);
	ASSERT_NE(NULL, rx);
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_reserve(fill, NR_ENTRIES, &idx));
	ASSERT_EQ(0U, zcnet_ring_reserve(fill, 1, &idx));
	zcnet_ring_cancel(fill, NR_ENTRIES);
	ASSERT_EQ(0U, zcnet_ring_avail(rx));
}

TEST_F(zcnet_lib, setup_twice)
{
	ASSERT_EQ(-EBUSY, zcnet_setup(self->ctx, NR_ENTRIES, NR_ENTRIES, 0, 0));
	ASSERT_NE(NULL, zcnet_tx_ring(self->ctx));
}

TEST_F(zcnet_lib, nop_roundtrip)
{
	nop_roundtrip(_metadata, self);
}

TEST_F(zcnet_lib, eventfd_timeout)
{
	__u64 count = 0;

	/* Nothing was posted: the CQ eventfd stays quiet. */
	ASSERT_EQ(-ETIMEDOUT, zcnet_eventfd_wait(self->ctx, ZCNET_EVENTFD_CQ,
						  100, &count));
	ASSERT_EQ(0ULL, count);
	/* Detach: the library forgets (and closes) its eventfd. */
	ASSERT_EQ(0, zcnet_set_eventfd(self->ctx, ZCNET_EVENTFD_CQ, -1));
	ASSERT_EQ(-1, zcnet_ctx_eventfd(self->ctx, ZCNET_EVENTFD_CQ));
	ASSERT_EQ(-ENOENT, zcnet_eventfd_wait(self->ctx, ZCNET_EVENTFD_CQ, 0,
					      NULL));
}

/*
 * Run tool with argv, capture its stdout into out (NUL-terminated) and
 * require exit status 0.
 */
static void run_tool(struct __test_metadata *_metadata, char *const argv[],
		     char *out, size_t size)
{
	size_t len = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (len + 1 < size) {
		n = read(pipefd[0], out + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s failed: %s", argv[0], out);
}

/* The value on the first "  name value" line of zcnet-stat's output. */
static long long counter_line(const char *out, const char *name)
{
	const char *p = out;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if (p >= out + 2 && p[-1] == ' ' && p[-2] == ' ' &&
		    (p == out + 2 || p[-3] == '\n') && p[len] == ' ')
			return strtoll(p + len, NULL, 10);
		p += len;
	}
	return -1;
}

TEST_F(zcnet_lib, zcnet_stat_tool)
{
	const char *dir = getenv("ZCNET_TOOLS");
	char tool[4096], pid[32], fd[32], header[96], *out;
	char *const human_argv[] = { tool, "-p", pid, NULL };
	char *const json_argv[] = { tool, "-p", pid, "-f", fd, "-j", NULL };
	const char *json;

	nop_roundtrip(_metadata, self);

	if (!dir || !*dir)
		SKIP(return, "ZCNET_TOOLS not set: zcnet-stat not checked");
	snprintf(tool, sizeof(tool), "%s/zcnet-stat", dir);
	ASSERT_EQ(0, access(tool, X_OK)) TH_LOG("%s: %s", tool, strerror(errno));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(fd, sizeof(fd), "%d", zcnet_ctx_fd(self->ctx));
	snprintf(header, sizeof(header), "pid %s fd %s (", pid, fd);
	out = malloc(65536);
	ASSERT_NE(NULL, out);

	run_tool(_metadata, human_argv, out, 65536);
	ASSERT_NE(NULL, strstr(out, header)) TH_LOG("output: %s", out);
	ASSERT_EQ((long long)NR_ENTRIES, counter_line(out, "tx_nops"))
		TH_LOG("output: %s", out);
	ASSERT_EQ(1LL, counter_line(out, "regions")) TH_LOG("output: %s", out);

	run_tool(_metadata, json_argv, out, 65536);
	json = strstr(out, "\"tx_nops\": 64");
	ASSERT_NE(NULL, json) TH_LOG("output: %s", out);
	ASSERT_TRUE(json[13] == ',' || json[13] == '}') TH_LOG("output: %s", out);
	snprintf(header, sizeof(header), "{\"pid\": %s, \"fd\": %s,", pid, fd);
	ASSERT_EQ(out, strstr(out, header)) TH_LOG("output: %s", out);
	free(out);
}

/* The line that starts with "  name " in zcnet-stat's text output, its value. */
static const char *text_value(const char *out, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n  %s ", name);
	p = strstr(out, key);
	if (!p)
		return NULL;
	for (p += strlen(key); *p == ' '; p++)
		;
	return p;
}

/*
 * zcnet-stat shows what a context holds and is bound to under fdinfo's
 * names: the rings, the bytes of the region, lo for TX and RX, a UDP
 * socket; and --watch prints a line of rates per interval (no traffic:
 * zero rates, no copied share).
 */
TEST_F(zcnet_lib, zcnet_stat_fields)
{
	const char *dir = getenv("ZCNET_TOOLS");
	char tool[4096], pid[32], fd[32], want[512], *out, *line, *p;
	char *const text_argv[] = { tool, "-p", pid, "-f", fd, NULL };
	char *const json_argv[] = { tool, "-p", pid, "-f", fd, "-j", NULL };
	char *const watch_argv[] = { tool, "-p", pid, "-f", fd, "-j", "--watch",
				     "0.2", "--count", "2", NULL };
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(9) };
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = ZCNET_BIND_TX | ZCNET_BIND_RX | ZCNET_BIND_RX_QUEUE,
		.queue = 0, .rx_match = ZCNET_RX_MATCH_ETHERTYPE,
		.rx_ethertype = 0x88b5, .rx_queue = 0,
	};
	bool bound = false, sock = false;
	unsigned long ctx_id;
	__u32 slot = 0;
	struct stat st;
	int u = -1, ret, k;

	if (!dir || !*dir)
		SKIP(return, "ZCNET_TOOLS not set: zcnet-stat not checked");
	snprintf(tool, sizeof(tool), "%s/zcnet-stat", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(fd, sizeof(fd), "%d", zcnet_ctx_fd(self->ctx));
	out = malloc(65536);
	ASSERT_NE(NULL, out);

	if (zcnet_has_feature(self->ctx, ZCNET_FEAT_TX_SOCK)) {
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, u);
		ASSERT_EQ(0, fstat(u, &st));
		ASSERT_EQ(0, zcnet_sock_attach_to(self->ctx, u,
						  (struct sockaddr *)&a, &slot));
		sock = true;
	}
	if (self->rx_rings && zcnet_has_feature(self->ctx, ZCNET_FEAT_TX_RAW)) {
		b.ifindex = if_nametoindex("lo");
		ASSERT_NE(0U, b.ifindex);
		ret = zcnet_bind(self->ctx, &b);
		/* Not root, or lo down: no bindings to show. */
		ASSERT_TRUE(ret == 0 || ret == -EPERM || ret == -ENETDOWN)
			TH_LOG("bind to lo: %s", strerror(-ret));
		bound = !ret;
		if (ret)
			TH_LOG("not bound to lo (%s): bindings not checked",
			       strerror(-ret));
	}

	run_tool(_metadata, json_argv, out, 65536);
	p = strstr(out, "\"ctx_id\": ");
	ASSERT_NE(NULL, p) TH_LOG("output: %s", out);
	ctx_id = strtoul(p + 10, NULL, 10);
	snprintf(want, sizeof(want), "\"tx_entries\": %u, \"tx_producer\": 0, "
		 "\"tx_consumer\": 0, \"cq_entries\": %u, \"cq_producer\": 0, "
		 "\"cq_consumer\": 0, ", NR_ENTRIES, NR_ENTRIES);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no %s in %s", want, out);
	snprintf(want, sizeof(want), "\"fill_entries\": %u,", NR_ENTRIES);
	EXPECT_EQ(self->rx_rings, strstr(out, want) != NULL)
		TH_LOG("output: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"regions\": 1, ")) TH_LOG("output: %s", out);
	snprintf(want, sizeof(want), ", \"region_bytes\": %zu, ", self->mem.len);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no %s in %s", want, out);
	EXPECT_NE(NULL, strstr(out, ", \"tx_copy_threshold\": "));
	EXPECT_NE(NULL, strstr(out, ", \"sock_copy_threshold\": "));
	if (bound) {
		snprintf(want, sizeof(want), ", \"rx_dev\": \"lo\", "
			 "\"rx_ifindex\": %u, \"rx_match\": %u, \"rx_ethertype\": %u, "
			 "\"rx_port\": 0, \"rx_queue\": 0, \"tx_dev\": \"lo\", "
			 "\"tx_ifindex\": %u, \"tx_queue\": 0, ", b.ifindex,
			 ZCNET_RX_MATCH_ETHERTYPE, 0x88b5, b.ifindex);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no %s in %s", want,
							   out);
	} else {
		EXPECT_EQ(NULL, strstr(out, "\"tx_dev\"")) TH_LOG("output: %s",
								 out);
		EXPECT_EQ(NULL, strstr(out, "\"rx_ifindex\""));
		EXPECT_EQ(NULL, strstr(out, "\"rx_dev\""));
	}
	if (sock)
		snprintf(want, sizeof(want), ", \"sockets\": [{\"slot\": %u, "
			 "\"ino\": %lu, \"type\": \"udp\"}]}\n", slot,
			 (unsigned long)st.st_ino);
	else
		snprintf(want, sizeof(want), ", \"sockets\": []}\n");
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no %s in %s", want, out);

	run_tool(_metadata, text_argv, out, 65536);
	EXPECT_EQ((long long)self->mem.len, counter_line(out, "region_bytes"))
		TH_LOG("output: %s", out);
	EXPECT_EQ((long long)ctx_id, counter_line(out, "ctx_id"));
	EXPECT_EQ((long long)NR_ENTRIES, counter_line(out, "tx_entries"));
	if (bound) {
		EXPECT_EQ(0x88b5LL, counter_line(out, "rx_ethertype"));
		p = (char *)text_value(out, "tx_dev");
		ASSERT_NE(NULL, p) TH_LOG("output: %s", out);
		EXPECT_EQ(0, strncmp(p, "lo\n", 3)) TH_LOG("output: %s", out);
		p = (char *)text_value(out, "rx_dev");
		ASSERT_NE(NULL, p) TH_LOG("output: %s", out);
		EXPECT_EQ(0, strncmp(p, "lo\n", 3)) TH_LOG("output: %s", out);
	}
	if (sock) {
		snprintf(want, sizeof(want), "%u ino %lu udp\n", slot,
			 (unsigned long)st.st_ino);
		p = (char *)text_value(out, "socket");
		ASSERT_NE(NULL, p) TH_LOG("output: %s", out);
		EXPECT_EQ(0, strncmp(p, want, strlen(want)))
			TH_LOG("output: %s", out);
	}

	/* Two intervals, one JSON line each. */
	run_tool(_metadata, watch_argv, out, 65536);
	line = out;
	for (k = 1; k <= 2; k++) {
		p = strchr(line, '\n');
		ASSERT_NE(NULL, p) TH_LOG("output: %s", out);
		*p = '\0';
		snprintf(want, sizeof(want), "{\"sample\": %d, \"pid\": %s, "
			 "\"fd\": %s, \"comm\": \"", k, pid, fd);
		EXPECT_EQ(line, strstr(line, want)) TH_LOG("line: %s", line);
		snprintf(want, sizeof(want), "\", \"ctx_id\": %lu, \"seconds\": ",
			 ctx_id);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("line: %s", line);
		EXPECT_NE(NULL, strstr(line, ", \"tx_frames_per_s\": 0.0, "
				       "\"tx_gbit_per_s\": 0.000000, "
				       "\"rx_frames_per_s\": 0.0, "
				       "\"rx_gbit_per_s\": 0.000000, "
				       "\"copied_share\": null, "
				       "\"rx_drops_per_s\": 0.0}"))
			TH_LOG("line: %s", line);
		EXPECT_EQ('}', p[-1]);
		line = p + 1;
	}
	EXPECT_EQ('\0', *line) TH_LOG("more than two lines: %s", line);

	if (bound)
		EXPECT_EQ(0, zcnet_unbind(self->ctx,
					  ZCNET_BIND_TX | ZCNET_BIND_RX));
	if (sock) {
		EXPECT_EQ(0, zcnet_sock_detach(self->ctx, slot));
		close(u);
	}
	free(out);
}

/*
 * zcnet-stat --version: one version for the tool, libzcnet and the module
 * (modinfo's, in /sys/module/zcnet/version), and the module's ABI version
 * and features as the context's info reports them.
 */
TEST_F(zcnet_lib, tool_version)
{
	const char *dir = getenv("ZCNET_TOOLS");
	const struct zcnet_info *info = zcnet_ctx_info(self->ctx);
	char tool[4096], version[64] = "", want[256], *out;
	char *const argv[] = { tool, "--version", NULL };
	FILE *f;

	if (!dir || !*dir)
		SKIP(return, "ZCNET_TOOLS not set: zcnet-stat not checked");
	f = fopen("/sys/module/zcnet/version", "r");
	ASSERT_NE(NULL, f) TH_LOG("/sys/module/zcnet/version: %s", strerror(errno));
	ASSERT_NE(NULL, fgets(version, sizeof(version), f));
	fclose(f);
	version[strcspn(version, "\n")] = '\0';
	snprintf(tool, sizeof(tool), "%s/zcnet-stat", dir);
	out = malloc(65536);
	ASSERT_NE(NULL, out);
	run_tool(_metadata, argv, out, 65536);
	snprintf(want, sizeof(want), "zcnet-stat %s\nlibzcnet %s\n",
		 version, version);
	EXPECT_EQ(out, strstr(out, want)) TH_LOG("output: %s", out);
	snprintf(want, sizeof(want), "\nmodule: %s, ABI %u, features 0x%llx",
		 version, info->abi_version, (unsigned long long)info->features);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("output: %s", out);
	free(out);
}

/* The API guide's example program: 16 NOPs of 1500 bytes, all completed. */
TEST_F(zcnet_lib, readme_example)
{
	const char *dir = getenv("ZCNET_TOOLS");
	char tool[4096], line[64], *out;
	char *const argv[] = { tool, NULL };
	int i;

	if (!dir || !*dir)
		SKIP(return, "ZCNET_TOOLS not set: example not run");
	snprintf(tool, sizeof(tool), "%s/zcnet-example-nop", dir);
	ASSERT_EQ(0, access(tool, X_OK)) TH_LOG("%s: %s", tool, strerror(errno));
	out = malloc(65536);
	ASSERT_NE(NULL, out);
	run_tool(_metadata, argv, out, 65536);
	ASSERT_NE(NULL, strstr(out, "kernel took 16 descriptors\n"))
		TH_LOG("output: %s", out);
	for (i = 0; i < 16; i++) {
		snprintf(line, sizeof(line), "cookie %d result 1500\n", i);
		EXPECT_NE(NULL, strstr(out, line)) TH_LOG("output: %s", out);
	}
	EXPECT_EQ(NULL, strstr(out, "copied")) TH_LOG("output: %s", out);
	free(out);
}

/* zcnet_sock_attach_to(): a UDP socket with a destination per slot. */
TEST_F(zcnet_lib, sock_attach_to)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(9) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	__u32 slot = 99;
	int u;

	if (!zcnet_has_feature(self->ctx, ZCNET_FEAT_TX_SOCK))
		SKIP(return, "this build offers no socket sends");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	EXPECT_EQ(-EDESTADDRREQ, zcnet_sock_attach(self->ctx, u, &slot));
	EXPECT_EQ(-EAFNOSUPPORT, zcnet_sock_attach_to(self->ctx, u,
				(struct sockaddr *)&a6, &slot));
	EXPECT_EQ(-EINVAL, zcnet_sock_attach_to(self->ctx, u,
				(struct sockaddr *)&a, NULL));
	ASSERT_EQ(0, zcnet_sock_attach_to(self->ctx, u, (struct sockaddr *)&a,
					  &slot));
	EXPECT_EQ(0U, slot);
	close(u);
	EXPECT_EQ(0, zcnet_sock_detach(self->ctx, slot));
	EXPECT_EQ(-ENOENT, zcnet_sock_detach(self->ctx, slot));
}

/* zcnet_get_param() reads back what zcnet_set_param() set. */
TEST_F(zcnet_lib, get_param)
{
	__u64 v = 12345;

	if (!zcnet_has_feature(self->ctx, ZCNET_FEAT_TX_RAW))
		SKIP(return, "this build has no raw transmit parameters");
	ASSERT_EQ(0, zcnet_set_param(self->ctx, ZCNET_PARAM_TX_COPY_THRESHOLD,
				     1234));
	ASSERT_EQ(0, zcnet_get_param(self->ctx, ZCNET_PARAM_TX_COPY_THRESHOLD,
				     &v));
	EXPECT_EQ(1234ULL, v);
	ASSERT_EQ(0, zcnet_set_param(self->ctx,
				     ZCNET_PARAM_SOCK_COPY_THRESHOLD, 777));
	ASSERT_EQ(0, zcnet_get_param(self->ctx,
				     ZCNET_PARAM_SOCK_COPY_THRESHOLD, &v));
	EXPECT_EQ(777ULL, v);
	v = 5;
	EXPECT_EQ(-EINVAL, zcnet_get_param(self->ctx, 99, &v));
	EXPECT_EQ(5ULL, v);
	EXPECT_EQ(-EINVAL, zcnet_get_param(self->ctx,
					   ZCNET_PARAM_TX_COPY_THRESHOLD, NULL));
}

/* A second context imports the fixture's region and drops only its own. */
TEST_F(zcnet_lib, region_import)
{
	struct zcnet_ctx *other;
	__u32 id = 99;
	int err;

	if (!zcnet_has_feature(self->ctx, ZCNET_FEAT_REGION_IMPORT))
		SKIP(return, "no ZCNET_FEAT_REGION_IMPORT");
	ASSERT_EQ(0, zcnet_open(&other));
	EXPECT_EQ(-EINVAL, zcnet_region_import(other, zcnet_ctx_fd(self->ctx),
					       self->region, NULL));
	err = zcnet_region_import(other, zcnet_ctx_fd(self->ctx), self->region,
				  &id);
	ASSERT_EQ(0, err) TH_LOG("zcnet_region_import: %s", strerror(-err));
	EXPECT_EQ(0U, id);
	EXPECT_EQ(-EEXIST, zcnet_region_import(other, zcnet_ctx_fd(self->ctx),
					       self->region, &id));
	EXPECT_EQ(-EBADF, zcnet_region_import(other, -1, self->region, &id));
	EXPECT_EQ(-ENOENT, zcnet_region_import(self->ctx, zcnet_ctx_fd(other),
					       5, &id));
	EXPECT_EQ(0, zcnet_region_unregister(other, 0));
	EXPECT_EQ(-ENOENT, zcnet_region_unregister(other, 0));
	zcnet_close(other);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * zcnet_setup_flags() with ZCNET_SETUP_CQ_TSTAMP: the typed accessor reads
 * the longer entries, zcnet_ring_cq_tstamp() their stamps, which lie
 * between the kick and the read; the fixture's context has none.
 */
TEST_F(zcnet_lib, cq_tstamps)
{
	struct zcnet_ctx *ctx;
	struct zcnet_ring *tx, *cq;
	struct zcnet_mem mem;
	__u64 t0, t1, ts, prev = 0;
	__u32 region, idx, i;
	int ret;

	if (!zcnet_has_feature(self->ctx, ZCNET_FEAT_TIMESTAMPS))
		SKIP(return, "no ZCNET_FEAT_TIMESTAMPS");
	EXPECT_EQ(0ULL, zcnet_ring_cq_tstamp(zcnet_cq_ring(self->ctx), 0));

	ASSERT_EQ(0, zcnet_open(&ctx));
	EXPECT_EQ(-EINVAL, zcnet_setup_flags(ctx, NR_ENTRIES, NR_ENTRIES, 0, 0,
					     1U << 31));
	EXPECT_EQ(-EINVAL, zcnet_setup_flags(ctx, NR_ENTRIES, NR_ENTRIES, 0, 0,
					     ZCNET_SETUP_RX_TSTAMP));
	ret = zcnet_setup_flags(ctx, NR_ENTRIES, NR_ENTRIES, 0, 0,
				ZCNET_SETUP_CQ_TSTAMP);
	ASSERT_EQ(0, ret) TH_LOG("zcnet_setup_flags: %s", strerror(-ret));
	tx = zcnet_tx_ring(ctx);
	cq = zcnet_cq_ring(ctx);
	ASSERT_NE(NULL, cq);
	ASSERT_EQ((__u32)sizeof(struct zcnet_cq_entry_ts), cq->entry_size);
	ASSERT_EQ(0, zcnet_mem_alloc(&mem, NR_ENTRIES * NOP_LEN, 0));
	ASSERT_EQ(0, zcnet_region_register(ctx, mem.addr, mem.len, &region));

	ASSERT_EQ(NR_ENTRIES, zcnet_ring_reserve(tx, NR_ENTRIES, &idx));
	for (i = 0; i < NR_ENTRIES; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(tx, idx + i);

		memset(d, 0, sizeof(*d));
		d->region = (__u16)region;
		d->len = NOP_LEN;
		d->flags = ZCNET_TX_NOP;
		d->cookie = i;
	}
	zcnet_ring_submit(tx, NR_ENTRIES);
	t0 = mono_ns();
	ASSERT_EQ((int)NR_ENTRIES, zcnet_kick(ctx, 0));
	ASSERT_EQ(NR_ENTRIES, zcnet_ring_peek(cq, NR_ENTRIES, &idx));
	t1 = mono_ns();
	for (i = 0; i < NR_ENTRIES; i++) {
		const struct zcnet_cq_entry *e = zcnet_ring_cq_entry(cq, idx + i);

		EXPECT_EQ((__u64)i, e->cookie);
		EXPECT_EQ((int)NOP_LEN, e->result);
		EXPECT_EQ(ZCNET_CQE_TSTAMP_SW, e->flags);
		ts = zcnet_ring_cq_tstamp(cq, idx + i);
		EXPECT_LE(t0, ts);
		EXPECT_GE(t1, ts);
		EXPECT_LE(prev, ts);
		prev = ts;
	}
	zcnet_ring_release(cq, NR_ENTRIES);
	EXPECT_EQ(0, zcnet_region_unregister(ctx, region));
	zcnet_close(ctx);
	zcnet_mem_free(&mem);
}

TEST_HARNESS_MAIN
