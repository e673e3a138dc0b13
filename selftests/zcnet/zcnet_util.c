// SPDX-License-Identifier: GPL-2.0
/* Generic selftest helpers: errors, time, files, processes, programs. */
#include "zcnet_util.h"

size_t zc_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

long zc_err(long ret)
{
	return ret < 0 ? -errno : ret;
}

long zc_ioctl(int fd, unsigned long req, void *arg)
{
	return zc_err(ioctl(fd, req, arg));
}

uint64_t zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void zc_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int zc_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int zc_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void *zc_alloc_pages(size_t npages)
{
	void *p = mmap(NULL, npages * zc_page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

long zc_proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen)) {
			val = strtol(line + klen, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

long zc_status_kb(const char *key)
{
	return zc_proc_kb("/proc/self/status", key);
}

int zc_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = zc_write_full(fd, val, strlen(val));
	close(fd);
	return ret;
}

ssize_t zc_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

long zc_read_file_long(const char *path)
{
	char buf[64];
	ssize_t n = zc_read_file(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (!n)
		return -EIO;
	return strtol(buf, NULL, 10);
}

pid_t zc_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(120);
	}
	return pid;
}

int zc_kill_wait(pid_t pid)
{
	int status = 0;

	if (pid <= 0)
		return -1;
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int zc_wait(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

int zc_child_results(void (*fn)(long *r, const void *arg),
		     const void *arg, long *res, int nres)
{
	int p[2], i;
	pid_t pid;

	for (i = 0; i < nres; i++)
		res[i] = -9999;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = zc_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		long r[16];

		close(p[0]);
		for (i = 0; i < 16; i++)
			r[i] = -9999;
		fn(r, arg);
		zc_write_full(p[1], r, sizeof(r[0]) * (size_t)nres);
		_exit(0);
	}
	close(p[1]);
	if (zc_read_full(p[0], res, sizeof(res[0]) * (size_t)nres))
		res[0] = -9998;
	close(p[0]);
	zc_wait(pid);
	return 0;
}

int zc_become_user(uid_t uid, size_t memlock_bytes)
{
	struct rlimit rl = { .rlim_cur = memlock_bytes,
			     .rlim_max = memlock_bytes };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (setgroups(0, NULL))
		return -errno;
	if (setresgid(uid, uid, uid))
		return -errno;
	if (setresuid(uid, uid, uid))
		return -errno;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

int zc_run(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

long zc_module_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 ZC_MODULE_NAME, name);
	return zc_read_file_long(path);
}

int zc_set_module_param(const char *name, long value)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 ZC_MODULE_NAME, name);
	snprintf(val, sizeof(val), "%ld", value);
	return zc_write_file(path, val);
}

int zc_raise_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= n)
		return 0;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
