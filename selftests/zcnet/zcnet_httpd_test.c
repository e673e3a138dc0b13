// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet-httpd with real clients: curl and ab (Debian's curl and
 * apache2-utils) in the peer's network namespace fetch files across the
 * guest's two NICs from a zcnet-httpd in this one, once sending through
 * zcnet (file bodies from read-only regions over the page cache) and once
 * with --sendfile. Every byte a client got is compared with the file, and
 * the server's report must show no failed, lost or unmatched completion
 * and nothing in flight at its exit.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define CURL		"/usr/bin/curl"
#define AB		"/usr/bin/ab"
#define OUT_MAX		(64 << 10)
#define NFILES		7

static const struct { const char *name; size_t len; } files[NFILES] = {
	{ "empty", 0 }, { "one", 1 }, { "page", 4096 }, { "odd.txt", 12345 },
	{ "mid", 65537 }, { "mib", (1 << 20) + 13 }, { "big", (16 << 20) + 5 },
};

static unsigned char pat(uint64_t p, unsigned int seed)
{
	return (unsigned char)(p * 131 + (p >> 12) * 7 + (p >> 20) + seed);
}

static int write_file(const char *path, size_t len, unsigned int seed)
{
	unsigned char buf[4096];
	size_t off, i, n;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pat(off + i, seed);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
	}
	return close(fd) ? -errno : 0;
}

/*
 * Whether the file at path holds exactly bytes [first, first + len) of
 * the pattern with seed; why not in why.
 */
static bool same(const char *path, uint64_t first, size_t len,
		 unsigned int seed, char *why, size_t size)
{
	unsigned char buf[4096];
	size_t off = 0, i;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return false;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)n; i++) {
			if (off + i >= len ||
			    buf[i] != pat(first + off + i, seed)) {
				snprintf(why, size, "%s: byte %zu differs or "
					 "is beyond %zu", path, off + i, len);
				close(fd);
				return false;
			}
		}
		off += (size_t)n;
	}
	close(fd);
	if (off != len) {
		snprintf(why, size, "%s: %zu bytes, not %zu", path, off, len);
		return false;
	}
	return true;
}

FIXTURE(httpd) {
	struct zc_env env;
	char dir[64], url[96], out[OUT_MAX];
	pid_t server;
	int server_out;
};

FIXTURE_VARIANT(httpd) {
	bool sendfile;
};

FIXTURE_VARIANT_ADD(httpd, zcnet) {
	.sendfile = false,
};

FIXTURE_VARIANT_ADD(httpd, sendfile) {
	.sendfile = true,
};

/* Start zcnet-httpd with up to two more arguments: 0, or -1 with why. */
static int server_start(FIXTURE_DATA(httpd) *self, const char *arg1,
			const char *arg2)
{
	char listen[64];
	/*
	 * ab keeps a connection whose share of requests is done open, idle,
	 * until its last one ends: on a slow guest longer than the default
	 * idle timeout
	 */
	const char *argv[] = { "zcnet-httpd", "-d", self->dir, "-l", listen,
			       "-t", "600", "-j", arg1, arg2, NULL };

	snprintf(listen, sizeof(listen), "%s:%d", self->env.local_ip,
		 20000 + getpid() % 20000);
	snprintf(self->url, sizeof(self->url), "http://%s", listen);
	self->server = zc_tool_start(NULL, argv, &self->server_out);
	if (self->server < 0)
		return -1;
	if (!zc_tool_wait_for(self->server_out, self->out, sizeof(self->out),
			      "listening"))
		return -1;
	return 0;
}

/*
 * Both fixtures' setup, up to the server's start: NULL, or why the test
 * cannot run here.
 */
static const char *files_setup(struct __test_metadata *_metadata,
			       FIXTURE_DATA(httpd) *self, bool zcnet)
{
	struct rlimit rl = { 65536, 65536 };
	const char *why;
	char path[128];
	unsigned int i;

	self->server = -1;
	self->dir[0] = 0;
	why = zcnet ? zc_fixture_skip(ZCNET_FEAT_REGION_READONLY |
				      ZCNET_FEAT_TX_SOCK, NULL) : NULL;
	if (why)
		return why;
	if (zc_env_get(&self->env) || !self->env.local_ip ||
	    !getenv("ZCNET_TOOLS"))
		return "outside the test guest (no peer, ZCNET_TOOLS)";
	if (access(CURL, X_OK) || access(AB, X_OK))
		return "no curl or ab in this system";
	/* ab -c 1000 and the server's 1000 connections */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	snprintf(self->dir, sizeof(self->dir), "/tmp/zcnet-httpd-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir,
			 files[i].name);
		ASSERT_EQ(0, write_file(path, files[i].len, i));
	}
	return NULL;
}

FIXTURE_SETUP(httpd)
{
	const char *why = files_setup(_metadata, self, !variant->sendfile);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, server_start(self, variant->sendfile ? "--sendfile" :
				  NULL, NULL));
}

/* Stop the server: its exit status, its report in self->out. */
static int server_stop(FIXTURE_DATA(httpd) *self)
{
	int st;

	if (self->server <= 0)
		return -1;
	kill(self->server, SIGTERM);
	st = zc_tool_finish(self->server, self->server_out, self->out,
			    sizeof(self->out));
	self->server = -1;
	return st;
}

static void files_teardown(FIXTURE_DATA(httpd) *self)
{
	char path[128];
	unsigned int i;

	server_stop(self);
	if (!self->dir[0])
		return;
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir,
			 files[i].name);
		unlink(path);
	}
	rmdir(self->dir);
}

FIXTURE_TEARDOWN(httpd)
{
	files_teardown(self);
}

/* Run a client in the peer's namespace: its exit status, output in out. */
static int client(FIXTURE_DATA(httpd) *self, const char *const argv[],
		  char *out, size_t size)
{
	int fd;
	pid_t pid = zc_tool_start(self->env.peer_ns, argv, &fd);

	out[0] = 0;
	if (pid < 0)
		return -1;
	return zc_tool_finish(pid, fd, out, size);
}

static uint64_t report_u64(const char *out, const char *key)
{
	char v[64];

	return strtoull(zc_report_val(out, key, v, sizeof(v)), NULL, 10);
}

/*
 * The server's report after a run: ok, every descriptor completed once
 * and matched, nothing in flight; with zcnet, bodies went through it.
 */
static void check_report(struct __test_metadata *_metadata,
			 FIXTURE_DATA(httpd) *self, bool zcnet,
			 uint64_t min_requests)
{
	char v[64];

	ASSERT_EQ(0, server_stop(self)) TH_LOG("zcnet-httpd: %s", self->out);
	EXPECT_STREQ("true", zc_report_val(self->out, "ok", v, sizeof(v)));
	EXPECT_EQ(0UL, report_u64(self->out, "errors"));
	EXPECT_EQ(0UL, report_u64(self->out, "bad_cookies"));
	EXPECT_EQ(0UL, report_u64(self->out, "out_of_order"));
	EXPECT_EQ(0UL, report_u64(self->out, "inflight_at_exit"));
	EXPECT_EQ(0UL, report_u64(self->out, "status_5xx"));
	EXPECT_LE(min_requests, report_u64(self->out, "requests"));
	EXPECT_EQ(report_u64(self->out, "descriptors"),
		  report_u64(self->out, "completions"));
	if (zcnet) {
		EXPECT_LT(0UL, report_u64(self->out, "descriptors"));
		EXPECT_EQ(0UL, report_u64(self->out, "classic"));
	} else {
		EXPECT_EQ(0UL, report_u64(self->out, "descriptors"));
	}
}

/*
 * curl fetches every file over one keep-alive connection, GET and then
 * HEAD: each body matches its file, each HEAD gives its length.
 */
TEST_F_TIMEOUT(httpd, files_of_every_size, 300)
{
	char urls[NFILES][128], outs[NFILES][128], why[256], out[4096];
	const char *argv[4 * NFILES + 8];
	unsigned int i, n = 0, code, conns, all_conns = 0;
	unsigned long long len;
	const char *pos;
	char line[256];

	argv[n++] = CURL;
	argv[n++] = "-sS";
	argv[n++] = "-w";
	argv[n++] = "%{http_code} %{size_download} %{num_connects}\\n";
	for (i = 0; i < NFILES; i++) {
		snprintf(urls[i], sizeof(urls[i]), "%s/%s", self->url,
			 files[i].name);
		snprintf(outs[i], sizeof(outs[i]), "%s/got-%s", self->dir,
			 files[i].name);
		argv[n++] = "-o";
		argv[n++] = outs[i];
		argv[n++] = urls[i];
	}
	argv[n] = NULL;
	ASSERT_EQ(0, client(self, argv, out, sizeof(out))) TH_LOG("%s", out);
	pos = out;
	for (i = 0; i < NFILES; i++) {
		ASSERT_TRUE(zc_line_next(&pos, " ", line, sizeof(line)));
		ASSERT_EQ(3, sscanf(line, "%u %llu %u", &code, &len, &conns));
		all_conns += conns;
		EXPECT_EQ(200U, code);
		EXPECT_EQ(files[i].len, len);
		EXPECT_TRUE(same(outs[i], 0, files[i].len, i, why,
				 sizeof(why))) TH_LOG("%s", why);
		unlink(outs[i]);
	}
	/* one connection for all: the first opened it, the rest reused it */
	EXPECT_EQ(1U, all_conns);
	/* HEAD */
	n = 0;
	argv[n++] = CURL;
	argv[n++] = "-sS";
	argv[n++] = "-I";
	argv[n++] = urls[5];
	argv[n] = NULL;
	ASSERT_EQ(0, client(self, argv, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(line, sizeof(line), "Content-Length: %zu", files[5].len);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "HTTP/1.1 200")) TH_LOG("%s", out);
	check_report(_metadata, self, !variant->sendfile, NFILES + 1);
	EXPECT_EQ(2UL, report_u64(self->out, "connections"));
	if (!variant->sendfile) {
		char v[64];

		/* the bodies: 1 MiB and 16 MiB went without a copy */
		EXPECT_GT(report_u64(self->out, "body_bytes"),
			  report_u64(self->out, "copied_bytes"))
			TH_LOG("%s", zc_report_val(self->out, "copied_bytes",
						   v, sizeof(v)));
	}
}

/* Ranges: a middle, an open end, a suffix, the last byte, and beyond. */
TEST_F_TIMEOUT(httpd, ranges, 300)
{
	static const struct {
		const char *range;
		uint64_t first;
		size_t len;
		unsigned int code;
	} r[] = {
		{ "100-199", 100, 100, 206 },
		{ "16777000-", 16777000, (16 << 20) + 5 - 16777000, 206 },
		{ "-300", (16 << 20) + 5 - 300, 300, 206 },
		{ "16777220-99999999", 16777220, 1, 206 },
		{ "0-", 0, (16 << 20) + 5, 206 },
		{ "16777221-", 0, 0, 416 },
	};
	char url[128], outp[128], why[256], out[4096];
	const char *argv[] = { CURL, "-sS", "-w", "%{http_code}", "-r", NULL,
			       "-o", outp, url, NULL };
	unsigned int i;

	snprintf(url, sizeof(url), "%s/big", self->url);
	snprintf(outp, sizeof(outp), "%s/got-range", self->dir);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		argv[5] = r[i].range;
		ASSERT_EQ(0, client(self, argv, out, sizeof(out)))
			TH_LOG("%s", out);
		EXPECT_EQ(r[i].code, strtoul(out, NULL, 10))
			TH_LOG("range %s: %s", r[i].range, out);
		if (r[i].code == 206) {
			EXPECT_TRUE(same(outp, r[i].first, r[i].len, 6, why,
					 sizeof(why)))
				TH_LOG("range %s: %s", r[i].range, why);
		}
		unlink(outp);
	}
	check_report(_metadata, self, !variant->sendfile, 6);
}

/* Errors: 404, a path out of the root, another method; the server goes on. */
TEST_F_TIMEOUT(httpd, errors_keep_serving, 120)
{
	char u1[128], u2[128], u3[128], out[4096];
	const char *get[] = { CURL, "-sS", "--path-as-is", "-o", "/dev/null",
			      "-w", "%{http_code} ", u1, "-o", "/dev/null", u2,
			      NULL };
	const char *post[] = { CURL, "-sS", "-o", "/dev/null", "-w",
			       "%{http_code} ", "-X", "POST", u3, "--next",
			       "-sS", "-o", "/dev/null", "-w", "%{http_code} ",
			       u3, NULL };

	snprintf(u1, sizeof(u1), "%s/nothing-here", self->url);
	snprintf(u2, sizeof(u2), "%s/../../etc/passwd", self->url);
	snprintf(u3, sizeof(u3), "%s/one", self->url);
	ASSERT_EQ(0, client(self, get, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_STREQ("404 400 ", out);
	ASSERT_EQ(0, client(self, post, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_STREQ("405 200 ", out);
	check_report(_metadata, self, !variant->sendfile, 4);
	EXPECT_EQ(3UL, report_u64(self->out, "status_4xx"));
}

/*
 * ab -k -c 1000: a thousand keep-alive connections at once on the
 * server's one context, every response of the right length (ab counts
 * any other as failed), and then curl -Z with 100 transfers at once,
 * each body compared. On a kernel with kmemleak (make check's debug
 * kernel, KASAN and lockdep) the files are smaller and the transfers
 * fewer, still from a thousand connections.
 */
#define PAR_MAX		200U
TEST_F_TIMEOUT(httpd, thousand_clients, 900)
{
	bool debug = !access("/sys/kernel/debug/kmemleak", F_OK);
	unsigned int nreq = debug ? 1000 : 2000, npar = debug ? 40 : PAR_MAX;
	unsigned int odd = debug ? 2 : 4, even = debug ? 3 : 5;
	char u1[128], u2[128], nstr[16], want[64], why[256], out[OUT_MAX];
	const char *ab[] = { AB, "-q", "-k", "-c", "1000", "-n", nstr,
			     "-s", "300", u1, NULL };
	const char *argv[6 + 3 * PAR_MAX + 1];
	static char outs[PAR_MAX][96];
	unsigned int i, n = 0;
	char v[64];

	snprintf(u1, sizeof(u1), "%s/%s", self->url, files[odd].name);
	snprintf(u2, sizeof(u2), "%s/%s", self->url, files[even].name);
	snprintf(nstr, sizeof(nstr), "%u", nreq);
	ASSERT_EQ(0, client(self, ab, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "Complete requests:      %u", nreq);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Failed requests:        0"))
		TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "Non-2xx")) TH_LOG("%s", out);
	argv[n++] = CURL;
	argv[n++] = "-sS";
	argv[n++] = "-Z";
	argv[n++] = "--parallel-max";
	argv[n++] = "100";
	argv[n++] = "--fail";
	for (i = 0; i < npar; i++) {
		snprintf(outs[i], sizeof(outs[i]), "%s/par-%u", self->dir, i);
		argv[n++] = "-o";
		argv[n++] = outs[i];
		argv[n++] = i % 2 ? u1 : u2;
	}
	argv[n] = NULL;
	ASSERT_EQ(0, client(self, argv, out, sizeof(out))) TH_LOG("%s", out);
	for (i = 0; i < npar; i++) {
		EXPECT_TRUE(same(outs[i], 0, files[i % 2 ? odd : even].len,
				 i % 2 ? odd : even, why, sizeof(why)))
			TH_LOG("%s", why);
		unlink(outs[i]);
	}
	check_report(_metadata, self, !variant->sendfile, nreq + npar);
	EXPECT_LE(1000UL, report_u64(self->out, "connections"))
		TH_LOG("%s", zc_report_val(self->out, "connections", v,
					   sizeof(v)));
	EXPECT_EQ(0UL, report_u64(self->out, "timeouts"));
	EXPECT_EQ(0UL, report_u64(self->out, "aborted"));
}

/*
 * A client that goes away in the middle of a 16 MiB body (curl reading
 * at 256 KiB/s, stopped after 1 s) while another fetches the same file
 * in full: the second gets every byte, the server ends the first
 * connection and goes on, and every descriptor of both completes.
 */
TEST_F_TIMEOUT(httpd, client_leaves_mid_body, 300)
{
	char url[128], outp[128], why[256], out[4096], out2[4096];
	const char *slow[] = { CURL, "-sS", "--limit-rate", "256K",
			       "--max-time", "1", "-o", "/dev/null", url,
			       NULL };
	const char *full[] = { CURL, "-sS", "--fail", "-o", outp, url, NULL };
	int fd, st;
	pid_t pid;

	snprintf(url, sizeof(url), "%s/big", self->url);
	snprintf(outp, sizeof(outp), "%s/got-big", self->dir);
	pid = zc_tool_start(self->env.peer_ns, slow, &fd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, client(self, full, out2, sizeof(out2)))
		TH_LOG("%s", out2);
	out[0] = 0;
	st = zc_tool_finish(pid, fd, out, sizeof(out));
	EXPECT_EQ(28, st) TH_LOG("curl (the slow one): %s", out);
	EXPECT_TRUE(same(outp, 0, files[6].len, 6, why, sizeof(why)))
		TH_LOG("%s", why);
	unlink(outp);
	/* and a new client after it */
	ASSERT_EQ(0, client(self, full, out2, sizeof(out2)))
		TH_LOG("%s", out2);
	EXPECT_TRUE(same(outp, 0, files[6].len, 6, why, sizeof(why)))
		TH_LOG("%s", why);
	unlink(outp);
	check_report(_metadata, self, !variant->sendfile, 3);
	EXPECT_LE(1UL, report_u64(self->out, "aborted"));
}

/*
 * A file rewritten in place (same inode, new bytes and length) between
 * two requests: the second gets the new contents, from a new region.
 */
TEST_F_TIMEOUT(httpd, file_rewritten, 120)
{
	char url[128], outp[128], path[128], why[256], out[4096];
	const char *argv[] = { CURL, "-sS", "--fail", "-o", outp, url, NULL };

	snprintf(url, sizeof(url), "%s/mib", self->url);
	snprintf(outp, sizeof(outp), "%s/got-mib", self->dir);
	snprintf(path, sizeof(path), "%s/mib", self->dir);
	ASSERT_EQ(0, client(self, argv, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_TRUE(same(outp, 0, files[5].len, 5, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, write_file(path, 300000, 77));
	ASSERT_EQ(0, client(self, argv, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_TRUE(same(outp, 0, 300000, 77, why, sizeof(why)))
		TH_LOG("%s", why);
	unlink(outp);
	check_report(_metadata, self, !variant->sendfile, 2);
}

/* zcnet-httpd --max-pinned 65536: larger files are not pinned */
FIXTURE(max_pinned) {
	FIXTURE_DATA(httpd) h;
};

FIXTURE_SETUP(max_pinned)
{
	const char *why = files_setup(_metadata, &self->h, true);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, server_start(&self->h, "--max-pinned", "65536"))
		TH_LOG("zcnet-httpd: %s", self->h.out);
}

FIXTURE_TEARDOWN(max_pinned)
{
	files_teardown(&self->h);
}

/*
 * Files larger than --max-pinned go by sendfile(2) on the same
 * connections, after what zcnet sent, and arrive whole.
 */
TEST_F_TIMEOUT(max_pinned, unpinned_files_by_sendfile, 120)
{
	char u1[128], u2[128], o1[128], o2[128], why[256], out[4096];
	const char *argv[] = { CURL, "-sS", "--fail", "-o", o1, u1, "-o", o2,
			       u2, "-o", o1, u1, NULL };
	FIXTURE_DATA(httpd) *h = &self->h;

	snprintf(u1, sizeof(u1), "%s/odd.txt", h->url);
	snprintf(u2, sizeof(u2), "%s/mib", h->url);
	snprintf(o1, sizeof(o1), "%s/got-odd", h->dir);
	snprintf(o2, sizeof(o2), "%s/got-mib", h->dir);
	ASSERT_EQ(0, client(h, argv, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_TRUE(same(o1, 0, files[3].len, 3, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_TRUE(same(o2, 0, files[5].len, 5, why, sizeof(why)))
		TH_LOG("%s", why);
	unlink(o1);
	unlink(o2);
	ASSERT_EQ(0, server_stop(h)) TH_LOG("zcnet-httpd: %s", h->out);
	EXPECT_EQ(1UL, report_u64(h->out, "classic"));
	EXPECT_EQ(3UL, report_u64(h->out, "requests"));
	EXPECT_EQ(0UL, report_u64(h->out, "errors"));
	EXPECT_EQ(0UL, report_u64(h->out, "inflight_at_exit"));
}

TEST_HARNESS_MAIN
