/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the zcnet selftests. They talk to /dev/zcnet
 * through the raw UAPI only (no libzcnet), so that the tests check the
 * contract in <linux/zcnet.h> and nothing else.
 *
 * Every helper that wraps a system call returns the call's result or
 * -errno, so a test can write ASSERT_EQ(-EINVAL, zc_ioctl(...)).
 */
#ifndef ZCNET_UTIL_H
#define ZCNET_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/zcnet.h>

/*
 * Note for test code: the harness's EXPECT_*() and ASSERT_*() expand to two
 * statements (the check and a handler loop that runs TH_LOG()), so under
 * if/for/while they must always be braced.
 */

#define ZC_DEV_PATH		"/dev/" ZCNET_DEVICE_NAME
#define ZC_MODULE_NAME		"zcnet"
#define ZC_NOBODY		65534
#define ZC_SETTLE_MS		2000	/* deferred release must finish by then */

/* generic */
size_t zc_page_size(void);
long zc_err(long ret);
long zc_ioctl(int fd, unsigned long req, void *arg);
uint64_t zc_now_ms(void);
void zc_sleep_ms(unsigned int ms);

/* Read or write exactly len bytes; 0 on success, -errno or -EPIPE. */
int zc_read_full(int fd, void *buf, size_t len);

int zc_write_full(int fd, const void *buf, size_t len);

/* Anonymous private memory, page aligned; NULL on failure. */
void *zc_alloc_pages(size_t npages);

/* A "kB" line of a /proc file, e.g. "VmPin:"; -1 when absent. */
long zc_proc_kb(const char *path, const char *key);

long zc_status_kb(const char *key);

/* Write a small string to a file (sysctl); 0 or -errno. */
int zc_write_file(const char *path, const char *val);

/* The start of a small file, NUL-terminated: its length, or -errno. */
ssize_t zc_read_file(const char *path, char *buf, size_t size);

long zc_read_file_long(const char *path);

/* processes */
/*
 * fork() whose child dies with the test: if the test process goes away
 * (an ASSERT aborts it, the harness times it out) the child gets SIGKILL.
 */
pid_t zc_fork(void);

/* SIGKILL and reap; returns the wait status or -1. */
int zc_kill_wait(pid_t pid);

/* Reap a child that is expected to exit on its own; returns its status. */
int zc_wait(pid_t pid);

/*
 * Run fn in a forked child that fills up to nres (at most 16) results,
 * sent back through a pipe; -9999 marks a result the child did not set,
 * -9998 a child that died before sending.
 */
int zc_child_results(void (*fn)(long *r, const void *arg),
		     const void *arg, long *res, int nres);

/*
 * Turn the calling (forked) process into an unprivileged user: memlock
 * limit first (lowering it needs no privilege, but do it while root),
 * then groups, gid and uid. Changing the euid clears the parent-death
 * signal, so set it again. Returns 0 or -errno.
 */
int zc_become_user(uid_t uid, size_t memlock_bytes);

/* programs and module parameters */
/* Run a program (argv[0] looked up in PATH), quietly; exit status or -errno */
int zc_run(const char *const argv[]);

/* A module parameter of zcnet, or -errno. */
long zc_module_param(const char *name);

/* Write a (0644) module parameter of zcnet; 0 or -errno. */
int zc_set_module_param(const char *name, long value);

/* Raise RLIMIT_NOFILE (soft and hard) to at least n; 0 or -errno. */
int zc_raise_nofile(rlim_t n);

#include "zcnet_ctx.h"
#include "zcnet_net.h"
#include "zcnet_sock.h"
#include "zcnet_conns.h"
#include "zcnet_frame.h"
#include "zcnet_fixture.h"
#include "zcnet_tool.h"

#endif /* ZCNET_UTIL_H */
