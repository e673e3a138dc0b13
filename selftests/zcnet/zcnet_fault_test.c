// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet under injected allocation failures (failslab, fail_page_alloc):
 * open, ring setup and mmap, region registration, bind and transmit, in a
 * loop, with allocations of the test's worker process failing at random
 * (task-filter plus /proc/self/make-it-fail, switched on only around the
 * calls into the kernel). Each round also registers memory never touched
 * before, so that pinning has to allocate and can fail halfway. Every
 * call must succeed or fail cleanly with a documented errno (ENOMEM, for
 * the most part), every descriptor the kernel takes must complete exactly
 * once (with its length or -ENOMEM or -ENOBUFS), nothing hangs, and
 * afterwards module_contexts and module_pinned_pages are back to their
 * start values. Leaks and WARNs are for the kernel's own checkers
 * (kmemleak, panic_on_warn) to find.
 *
 * When the kernel has the stack-trace filter, failures are not injected
 * inside vmalloc (its failures print a stack trace, which is vmalloc's
 * own business, not zcnet's); without the filter, ring setup runs without
 * injection. Kernels without the fault-injection files (the stock ones)
 * SKIP.
 *
 * Environment: ZCNET_FAULT_ROUNDS (default 150), ZCNET_FAULT_PERCENT
 * (default 10). Which allocations fail is the kernel's random choice.
 */

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define FI_DEBUGFS	"/sys/kernel/debug/"
#define FI_DUMMY	"zcfault0"
#define FI_PAGES	16U
#define FI_FRESH	8U		/* pages of a region never touched */
#define FI_FRAMES	32U
#define FI_LEN		600U
#define FI_MAXATTR	12
#define FI_MSG		1024
#define FI_SETTLE_MS	20000U
#define FI_HANG_MS	90000U

enum {
	FI_OPEN, FI_SETUP, FI_MMAP, FI_REG, FI_REG_FRESH, FI_BIND, FI_KICK,
	FI_CQE, FI_NSTEPS
};

static const char *const fi_step[FI_NSTEPS] = {
	"open", "setup", "mmap", "reg", "reg-fresh", "bind", "kick",
	"completion",
};

/* What the worker reports through shared memory. */
struct fi_report {
	__u64 ok[FI_NSTEPS];
	__u64 enomem[FI_NSTEPS];
	__u64 other[FI_NSTEPS];		/* documented, but not ENOMEM */
	__u64 descs, completions;
	int rounds;
	int failed;
	char msg[FI_MSG];
};

struct fi_attr {
	char path[128];
	char old[64];
	bool saved;
};

FIXTURE(fault) {
	const char *dir;
	struct fi_attr attr[FI_MAXATTR];
	int nattr;
	bool reject;		/* vmalloc left out through the stack filter */
	struct fi_report *rep;
};

FIXTURE_VARIANT(fault) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(fault, failslab) {
	.dir = "failslab",
};

FIXTURE_VARIANT_ADD(fault, fail_page_alloc) {
	.dir = "fail_page_alloc",
};

/* Set one attribute of the fault directory, remembering its old value. */
static int fi_set(FIXTURE_DATA(fault) *self, const char *name, const char *val)
{
	struct fi_attr *a;
	ssize_t n;
	int fd;

	if (self->nattr == FI_MAXATTR)
		return -ENOSPC;
	a = &self->attr[self->nattr];
	snprintf(a->path, sizeof(a->path), FI_DEBUGFS "%s/%s", self->dir, name);
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, a->old, sizeof(a->old) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	a->old[n] = '\0';
	a->old[strcspn(a->old, "\n")] = '\0';
	a->saved = true;
	self->nattr++;
	return zc_write_file(a->path, val);
}

/* [start, end) of a kernel function, from /proc/kallsyms; 0 or -errno */
static int fi_symbol_range(const char *const *names, unsigned long *start,
			   unsigned long *end)
{
	char line[512], sym[256], type;
	unsigned long addr, found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");
	const char *const *n;

	if (!f)
		return -errno;
	*start = *end = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s", &addr, &type, sym) != 3)
			continue;
		if (found && addr > found) {
			*end = addr;
			break;
		}
		if (found || (type != 't' && type != 'T'))
			continue;
		for (n = names; *n; n++)
			if (!strcmp(sym, *n))
				found = addr;
	}
	fclose(f);
	if (!found || !*end)
		return -ENOENT;
	*start = found;
	return 0;
}

FIXTURE_SETUP(fault)
{
	static const char *const vmalloc_names[] = {
		"__vmalloc_node_range_noprof", "__vmalloc_node_range", NULL };
	char path[160], buf[64];
	unsigned long start = 0, end = 0;
	const char *pct = getenv("ZCNET_FAULT_PERCENT");

	self->dir = variant->dir;
	self->nattr = 0;
	self->reject = false;
	self->rep = MAP_FAILED;
	if (!zc_dev_present())
		SKIP(return, ZC_DEV_PATH " missing: zcnet module not loaded");
	snprintf(path, sizeof(path), FI_DEBUGFS "%s/probability", self->dir);
	if (access(path, W_OK))
		SKIP(return, FI_DEBUGFS "%s missing: a kernel without %s fault injection (the debug lane has it)",
		     self->dir, self->dir);
	if (!(zc_features() & ZCNET_FEAT_TX_RAW))
		SKIP(return, "this build does not offer ZCNET_FEAT_TX_RAW");
	self->rep = mmap(NULL, sizeof(*self->rep), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->rep);

	ASSERT_EQ(0, fi_set(self, "verbose", "0"));
	ASSERT_EQ(0, fi_set(self, "task-filter", "Y"));
	ASSERT_EQ(0, fi_set(self, "interval", "1"));
	ASSERT_EQ(0, fi_set(self, "times", "-1"));
	ASSERT_EQ(0, fi_set(self, "space", "0"));
	ASSERT_EQ(0, fi_set(self, "ignore-gfp-wait", "N"));
	if (!strcmp(self->dir, "fail_page_alloc")) {
		ASSERT_EQ(0, fi_set(self, "ignore-gfp-highmem", "N"));
		ASSERT_EQ(0, fi_set(self, "min-order", "0"));
	}
	snprintf(path, sizeof(path), FI_DEBUGFS "%s/reject-start", self->dir);
	if (!access(path, W_OK) && !fi_symbol_range(vmalloc_names, &start, &end)) {
		snprintf(buf, sizeof(buf), "%lu", start);
		ASSERT_EQ(0, fi_set(self, "reject-start", buf));
		snprintf(buf, sizeof(buf), "%lu", end);
		ASSERT_EQ(0, fi_set(self, "reject-end", buf));
		self->reject = true;
	}
	ASSERT_EQ(0, fi_set(self, "probability", pct && *pct ? pct : "10"));
}

/* In the parent: the settings go back even if the test process died. */
FIXTURE_TEARDOWN_PARENT(fault)
{
	int i;

	/* probability first, so nothing fails while the rest is restored */
	for (i = self->nattr - 1; i >= 0; i--)
		if (strstr(self->attr[i].path, "/probability"))
			zc_write_file(self->attr[i].path, "0");
	for (i = self->nattr - 1; i >= 0; i--)
		if (self->attr[i].saved &&
		    zc_write_file(self->attr[i].path, self->attr[i].old))
			fprintf(stderr, "# could not restore %s to %s\n",
				self->attr[i].path, self->attr[i].old);
	if (self->rep != MAP_FAILED)
		munmap(self->rep, sizeof(*self->rep));
}

/* ---- the worker ---- */

static struct fi_report *fi_rep;
static int fi_mif = -1;		/* /proc/self/make-it-fail */

static void fi_inject(bool on)
{
	if (pwrite(fi_mif, on ? "1" : "0", 1, 0) != 1)
		_exit(5);
}

__attribute__((format(printf, 1, 2)))
static void fi_fail(const char *fmt, ...)
{
	va_list ap;

	fi_inject(false);
	va_start(ap, fmt);
	vsnprintf(fi_rep->msg, sizeof(fi_rep->msg), fmt, ap);
	va_end(ap);
	fi_rep->failed = 1;
	_exit(3);
}

/* Count a result; anything but success, ENOMEM or allowed[] fails. */
static bool fi_result(int step, long ret, const int *allowed)
{
	if (ret >= 0) {
		fi_rep->ok[step]++;
		return true;
	}
	if (ret == -ENOMEM) {
		fi_rep->enomem[step]++;
		return false;
	}
	for (; allowed && *allowed; allowed++) {
		if (ret == -*allowed) {
			fi_rep->other[step]++;
			return false;
		}
	}
	fi_fail("%s failed with %ld (%s) under fault injection, round %d",
		fi_step[step], ret, strerror((int)-ret), fi_rep->rounds);
	return false;
}

static void fi_round(unsigned char *mem, int ifindex, bool inject_setup)
{
	static const int mmap_ok[] = { EAGAIN, 0 };
	static const int reg_ok[] = { EFAULT, EINTR, 0 };
	static const int bind_ok[] = { ENOBUFS, 0 };
	unsigned char count[FI_FRAMES] = { 0 };
	struct zcnet_cq_entry e;
	unsigned char *fresh;
	struct zc_ctx c;
	uint64_t end;
	unsigned int i, got = 0;
	__u32 id = 0;
	long ret, kicked = 0;

	memset(&c, 0, sizeof(c));
	fi_inject(true);
	c.fd = zc_open();
	ret = c.fd < 0 ? -errno : 0;
	fi_inject(false);
	if (!fi_result(FI_OPEN, ret, NULL))
		return;

	fi_inject(inject_setup);
	ret = zc_setup(c.fd, 64, 64, 0, 0);
	fi_inject(false);
	if (!fi_result(FI_SETUP, ret, NULL))
		goto out;
	ret = zc_get_offsets(c.fd, &c.off);
	if (ret)
		fi_fail("GET_OFFSETS after setup: %ld", ret);

	fi_inject(true);
	ret = zc_ring_map(c.fd, &c.off.tx, &c.tx);
	if (!ret)
		ret = zc_ring_map(c.fd, &c.off.cq, &c.cq);
	fi_inject(false);
	if (!fi_result(FI_MMAP, ret, mmap_ok))
		goto out;

	fi_inject(true);
	ret = zc_reg(c.fd, mem, FI_PAGES * zc_page_size(), &id);
	fi_inject(false);
	if (!fi_result(FI_REG, ret, reg_ok))
		goto out;

	/* memory never touched: pinning has to allocate its pages */
	fresh = mmap(NULL, FI_FRESH * zc_page_size(), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		fi_fail("mmap: %s", strerror(errno));
	fi_inject(true);
	ret = zc_reg(c.fd, fresh, FI_FRESH * zc_page_size(), NULL);
	fi_inject(false);
	fi_result(FI_REG_FRESH, ret, reg_ok);
	munmap(fresh, FI_FRESH * zc_page_size());

	fi_inject(true);
	ret = zc_bind(c.fd, ZCNET_BIND_TX, (__u32)ifindex, ZCNET_QUEUE_ANY);
	fi_inject(false);
	if (!fi_result(FI_BIND, ret, bind_ok))
		goto out;
	ret = zc_keep_zero_copy(c.fd);
	if (ret)
		fi_fail("copy threshold: %s", strerror((int)-ret));

	for (i = 0; i < FI_FRAMES; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)id, (__u64)i * 2048,
						FI_LEN, i);

		if (zc_tx_push(&c.tx, &d))
			fi_fail("TX ring full");
	}
	fi_rep->descs += FI_FRAMES;
	end = zc_now_ms() + 20000;
	while (got < FI_FRAMES && zc_now_ms() < end) {
		if (zc_tx_pending(&c.tx)) {
			fi_inject(true);
			ret = zc_kick(c.fd, 0);
			fi_inject(false);
			if (fi_result(FI_KICK, ret, NULL))
				kicked += ret;
		}
		if (zc_cq_collect(&c, &e, 1, 50) != 1)
			continue;
		got++;
		if (e.cookie >= FI_FRAMES || count[e.cookie]++)
			fi_fail("completion of cookie %llu: %s",
				(unsigned long long)e.cookie,
				e.cookie >= FI_FRAMES ? "never submitted" : "twice");
		if (e.result != (__s32)FI_LEN && e.result != -ENOMEM &&
		    e.result != -ENOBUFS)
			fi_fail("completion with result %d under fault injection",
				e.result);
		if (e.result == (__s32)FI_LEN)
			fi_rep->ok[FI_CQE]++;
		else
			fi_rep->enomem[FI_CQE]++;
		fi_rep->completions++;
	}
	if (got != FI_FRAMES || kicked != FI_FRAMES)
		fi_fail("%u of %u completions, %ld descriptors taken, round %d",
			got, FI_FRAMES, kicked, fi_rep->rounds);
	if (zc_cq_ready(&c.cq))
		fi_fail("more completions than descriptors");
out:
	zc_ctx_close(&c);
}

static void fi_worker(struct fi_report *rep, bool inject_setup, int rounds)
{
	static const char *const add[] = { "ip", "link", "add", FI_DUMMY,
					   "type", "dummy", NULL };
	struct zc_netif nif;
	unsigned char *mem;

	fi_rep = rep;
	if (unshare(CLONE_NEWNET) || zc_run(add) ||
	    zc_netif_set_up(FI_DUMMY, true) || zc_netif_get(FI_DUMMY, &nif)) {
		snprintf(rep->msg, sizeof(rep->msg), "no dummy device in a private netns");
		_exit(4);
	}
	mem = mmap(NULL, FI_PAGES * zc_page_size(), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		_exit(2);
	memset(mem, 0x11, FI_PAGES * zc_page_size());
	fi_mif = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fi_mif < 0) {
		snprintf(rep->msg, sizeof(rep->msg), "/proc/self/make-it-fail: %s",
			 strerror(errno));
		_exit(4);
	}
	for (rep->rounds = 0; rep->rounds < rounds; rep->rounds++)
		fi_round(mem, nif.ifindex, inject_setup);
	fi_inject(false);
	_exit(0);
}

TEST_F_TIMEOUT(fault, setup_reg_bind_transmit, 110)
{
	int rounds = (int)strtol(getenv("ZCNET_FAULT_ROUNDS") ?
				 getenv("ZCNET_FAULT_ROUNDS") : "150", NULL, 0);
	struct zcnet_stats st0, st1;
	__u64 injected = 0;
	uint64_t end;
	int status = 0, fd, i;
	pid_t pid;

	if (!self->reject)
		TH_LOG("no stack-trace filter: ring setup runs without injection");
	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_settle(fd, &st0));

	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fd);
		fi_worker(self->rep, self->reject, rounds);
	}
	end = zc_now_ms() + FI_HANG_MS;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (zc_now_ms() > end) {
			kill(pid, SIGKILL);
			ASSERT_TRUE(false) TH_LOG("hang in round %d", self->rep->rounds);
		}
		zc_sleep_ms(50);
	}
	for (i = 0; i < FI_NSTEPS; i++) {
		TH_LOG("%-10s ok %llu, ENOMEM %llu, other documented errors %llu",
		       fi_step[i], (unsigned long long)self->rep->ok[i],
		       (unsigned long long)self->rep->enomem[i],
		       (unsigned long long)self->rep->other[i]);
		injected += self->rep->enomem[i] + self->rep->other[i];
	}
	ASSERT_FALSE(self->rep->failed) TH_LOG("%s", self->rep->msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		SKIP(return, "%s", self->rep->msg);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("worker ended with status 0x%x in round %d", status,
		       self->rep->rounds);
	/* a run where nothing failed proves nothing */
	EXPECT_LT(0U, injected);
	EXPECT_EQ(self->rep->descs, self->rep->completions);

	EXPECT_EQ(0, zc_settle_for(fd, &st1, FI_SETTLE_MS))
		TH_LOG("after the run: %llu contexts (want 1), %llu pages pinned (want 0)",
		       (unsigned long long)st1.module_contexts,
		       (unsigned long long)st1.module_pinned_pages);
	EXPECT_EQ(st0.module_contexts, st1.module_contexts);
	EXPECT_EQ(st0.module_pinned_pages, st1.module_pinned_pages);
	close(fd);
}

TEST_HARNESS_MAIN
