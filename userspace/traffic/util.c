// SPDX-License-Identifier: GPL-2.0-only
/* Messages, parsing, interfaces, CPU time, signals and the progress file. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

const char *util_prog = "zcnet";
char util_last_error[256];

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", util_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s -h' for more information.\n", util_prog);
	exit(EXIT_USAGE);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(util_last_error, sizeof(util_last_error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", util_prog, util_last_error);
}

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	/* at least a millisecond: a clock that can step by it */
	if (errno || *end || !isfinite(v) || v < 0.001 || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6;
}

void format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

int iface_lookup(const char *name, struct iface *ifc)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(ifc, 0, sizeof(*ifc));
	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = errno == ENODEV ? -ENODEV : -errno;
		goto out;
	}
	ifc->ifindex = (unsigned int)ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	ifc->mtu = (unsigned int)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	memcpy(ifc->mac, ifr.ifr_hwaddr.sa_data, 6);
out:
	close(fd);
	return err;
}

void iface_require(const char *name, struct iface *ifc)
{
	int err = iface_lookup(name, ifc);

	if (err == -ENODEV || err == -EINVAL)
		usage_error("no interface '%s' in this network namespace", name);
	if (err) {
		errmsg("cannot look up interface %s: %s", name, strerror(-err));
		exit(EXIT_FAILED);
	}
}

uint32_t iface_ipv4(const char *name)
{
	struct ifreq ifr;
	uint32_t addr = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFADDR, &ifr) == 0)
		memcpy(&addr, &((struct sockaddr_in *)(void *)&ifr.ifr_addr)->
		       sin_addr, 4);
	if (fd >= 0)
		close(fd);
	return addr;
}

uint64_t iface_max_frame(const struct iface *ifc)
{
	uint64_t max = (uint64_t)ifc->mtu + ZCNET_FRAME_ETH_LEN;

	return max < ZCNET_FRAME_MAX_LEN ? max : ZCNET_FRAME_MAX_LEN;
}

static bool same_netns(const char *path, const struct stat *self)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_ino == self->st_ino &&
	       st.st_dev == self->st_dev;
}

void netns_name(char *buf, size_t size)
{
	static const char *const dirs[] = { "/run/netns", "/var/run/netns" };
	char path[512];
	struct stat self;
	struct dirent *de;
	unsigned int i;
	DIR *d;

	if (stat("/proc/self/ns/net", &self) != 0) {
		snprintf(buf, size, "unknown");
		return;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				 de->d_name);
			if (same_netns(path, &self)) {
				snprintf(buf, size, "%s", de->d_name);
				closedir(d);
				return;
			}
		}
		closedir(d);
	}
	snprintf(buf, size, "net:[%llu]", (unsigned long long)self.st_ino);
}

uint64_t timer_list_idle_ns(FILE *f)
{
	unsigned long long v, sum = 0;
	char line[256];

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "  .idle_sleeptime : %llu", &v) == 1 ||
		    sscanf(line, "  .iowait_sleeptime: %llu", &v) == 1)
			sum += v;
	return sum;
}

static uint64_t idle_ns(void)
{
	FILE *f = fopen("/proc/timer_list", "re");
	uint64_t ns;

	if (!f)
		return 0;
	ns = timer_list_idle_ns(f);
	fclose(f);
	return ns;
}

void cpu_sample(struct cpu_sample *s)
{
	/* user nice system idle iowait irq softirq steal */
	unsigned long long v[8];
	char line[512];
	FILE *f = fopen("/proc/stat", "re");

	memset(s, 0, sizeof(*s));
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu ", 4) &&
		    sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8) {
			s->ticks_busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			s->ticks_idle = v[3] + v[4];
			s->valid = true;
		}
		s->cpus += !strncmp(line, "cpu", 3) &&
			   isdigit((unsigned char)line[3]);
	}
	if (f)
		fclose(f);
	/* with one CPU, the caller's, no idle period is open now */
	s->ns_idle = s->cpus == 1 ? idle_ns() : 0;
	s->when = now_seconds();
	s->valid = s->valid && s->cpus;
}

double cpu_busy_seconds(const struct cpu_sample *a,
			const struct cpu_sample *b)
{
	long hz = sysconf(_SC_CLK_TCK);
	double busy;

	if (!a->valid || !b->valid || hz <= 0 || a->cpus != b->cpus ||
	    b->ticks_idle < a->ticks_idle)
		return -1;
	if (a->ns_idle && b->ns_idle >= a->ns_idle)
		busy = (b->when - a->when) * a->cpus -
		       (double)(b->ns_idle - a->ns_idle) / 1e9;
	else
		busy = (b->when - a->when) * a->cpus -
		       (double)(b->ticks_idle - a->ticks_idle) / (double)hz;
	/* idle is counted in whole ticks: never report less than nothing */
	return busy > 0 ? busy : 0;
}

double cpu_sampled_seconds(const struct cpu_sample *a,
			   const struct cpu_sample *b)
{
	long hz = sysconf(_SC_CLK_TCK);

	if (!a->valid || !b->valid || hz <= 0 || b->ticks_busy < a->ticks_busy)
		return -1;
	return (double)(b->ticks_busy - a->ticks_busy) / (double)hz;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *errno_name(int err, char *buf, size_t size)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	const char *name = strerrorname_np(err);

	if (name)
		return name;
#endif
	snprintf(buf, size, "E%d", err);
	return buf;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

volatile sig_atomic_t *install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &stop_flag;
}

#define PROGRESS_LEN	4096

/* Open (or create) and map path; the receiver creates, a sender opens. */
static int progress_map(const char *path, bool create, struct progress *p)
{
	struct stat st;
	int err = -EINVAL;

	memset(p, 0, sizeof(*p));
	p->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC :
							      0), 0644);
	if (p->fd < 0)
		return -errno;
	if (create ? ftruncate(p->fd, PROGRESS_LEN) < 0 :
		     fstat(p->fd, &st) < 0 || st.st_size < PROGRESS_LEN)
		goto fail;
	p->map = mmap(NULL, PROGRESS_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		      p->fd, 0);
	if (p->map != MAP_FAILED)
		return 0;
	err = -errno;
	p->map = NULL;
fail:
	if (create && err == -EINVAL)
		err = -errno;
	close(p->fd);
	p->fd = -1;
	return err;
}

int progress_create(const char *path, struct progress *p)
{
	int err = progress_map(path, true, p);

	if (!err) {
		__atomic_store_n(&p->map[1], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->map[0], PROGRESS_MAGIC, __ATOMIC_RELEASE);
	} else {
		errmsg("cannot create progress file %s: %s", path,
		       strerror(-err));
	}
	return err;
}

int progress_open(const char *path, struct progress *p)
{
	int err = progress_map(path, false, p);

	if (!err &&
	    __atomic_load_n(&p->map[0], __ATOMIC_ACQUIRE) != PROGRESS_MAGIC) {
		progress_close(p);
		return -EINVAL;
	}
	return err;
}

/* map[2]: a futex word bumped at every store, then a waiter flag. */
static uint32_t *progress_wake(const struct progress *p)
{
	return (uint32_t *)&p->map[2];
}

static uint32_t *progress_waiting(const struct progress *p)
{
	return (uint32_t *)&p->map[2] + 1;
}

void progress_store(struct progress *p, uint64_t value)
{
	/* Sequentially consistent with progress_wait(): either the sender
	 * sees the new value or this sees its waiter flag. */
	__atomic_store_n(&p->map[1], value, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(progress_wake(p), 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(progress_waiting(p), __ATOMIC_SEQ_CST))
		syscall(SYS_futex, progress_wake(p), FUTEX_WAKE, INT_MAX,
			NULL, NULL, 0);
}

uint64_t progress_wait(struct progress *p, uint64_t need, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000,
			       (long)(timeout_ms % 1000) * 1000000 };
	uint64_t cur = progress_load(p);
	uint32_t wake;

	if (cur >= need)
		return cur;
	wake = __atomic_load_n(progress_wake(p), __ATOMIC_SEQ_CST);
	__atomic_store_n(progress_waiting(p), 1, __ATOMIC_SEQ_CST);
	cur = __atomic_load_n(&p->map[1], __ATOMIC_SEQ_CST);
	if (cur < need) {
		/* returns at once if a store bumped the word since */
		syscall(SYS_futex, progress_wake(p), FUTEX_WAIT, wake, &ts,
			NULL, 0);
		cur = progress_load(p);
	}
	__atomic_store_n(progress_waiting(p), 0, __ATOMIC_SEQ_CST);
	return cur;
}

uint64_t progress_load(const struct progress *p)
{
	return __atomic_load_n(&p->map[1], __ATOMIC_ACQUIRE);
}

void progress_close(struct progress *p)
{
	if (p->map) {
		munmap(p->map, PROGRESS_LEN);
		close(p->fd);
	}
	p->map = NULL;
	p->fd = -1;
}

int report_open_error(int err)
{
	switch (err) {
	case -ENOENT:
		errmsg("no " LIBZCNET_DEVICE_PATH ": is the zcnet module "
		       "loaded?");
		break;
	case -EACCES:
	case -EPERM:
		errmsg("cannot open " LIBZCNET_DEVICE_PATH ": %s (is this "
		       "user in the zcnet group?)", strerror(-err));
		break;
	default:
		errmsg("cannot open " LIBZCNET_DEVICE_PATH ": %s",
		       strerror(-err));
	}
	return EXIT_FAILED;
}

int afp_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		errmsg(errno == EPERM || errno == EACCES ?
		       "an AF_PACKET socket needs CAP_NET_RAW: %s" :
		       "cannot create an AF_PACKET socket: %s", strerror(errno));
	return fd;
}

void sock_fixed_sndbuf(int fd)
{
	int sndbuf = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
}

int afp_bind(int fd, const struct iface *ifc, uint16_t proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(proto),
				   .sll_ifindex = (int)ifc->ifindex };

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		errmsg("cannot bind an AF_PACKET socket to %s: %s",
		       ifc->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int zc_open(struct zcnet_ctx **ctx, uint64_t need, const char *lacks)
{
	int err = zcnet_open(ctx);

	if (err)
		return report_open_error(err);
	if ((zcnet_ctx_info(*ctx)->features & need) != need) {
		errmsg("this zcnet module has no %s", lacks);
		return EXIT_UNSUPPORTED;
	}
	return 0;
}

int zc_rings(struct zcnet_ctx *ctx, uint32_t tx_entries, uint32_t rx_entries)
{
	int err = zcnet_setup(ctx, tx_entries, tx_entries, rx_entries,
			      rx_entries);

	if (err) {
		if (tx_entries)
			errmsg("ring setup (%u entries) failed: %s",
			       tx_entries, strerror(-err));
		else
			errmsg("ring setup (FILL and RX, %u entries) failed: "
			       "%s", rx_entries, strerror(-err));
		return EXIT_FAILED;
	}
	return 0;
}

int zc_param(struct zcnet_ctx *ctx, unsigned int param, uint64_t value,
	     const char *what)
{
	int err = zcnet_set_param(ctx, param, value);

	if (err) {
		errmsg("setting %s failed: %s", what, strerror(-err));
		return EXIT_FAILED;
	}
	return 0;
}

int zc_region(struct zcnet_ctx *ctx, size_t len, struct zcnet_mem *mem,
	      uint32_t *region)
{
	int err = zcnet_mem_alloc(mem, len, LIBZCNET_MEM_POPULATE);

	if (err) {
		errmsg("cannot allocate %zu bytes of buffers: %s", len,
		       strerror(-err));
		return err;
	}
	err = zcnet_region_register(ctx, mem->addr, mem->len, region);
	if (err)
		errmsg("registering %zu bytes failed: %s%s", mem->len,
		       strerror(-err), err == -ENOMEM ?
		       " (over RLIMIT_MEMLOCK? see ulimit -l)" : "");
	return err;
}

int zc_eventfd(struct zcnet_ctx *ctx, unsigned int which, const char *what)
{
	int fd = zcnet_eventfd_create(ctx, which);

	if (fd < 0)
		errmsg("attaching %s eventfd failed: %s", what, strerror(-fd));
	return fd;
}
