/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Private declarations shared by the libzcnet sources. */
#ifndef LIBZCNET_INTERNAL_H
#define LIBZCNET_INTERNAL_H

#include <errno.h>
#include <stdbool.h>

#include "libzcnet.h"

#define ZCNET_NR_RINGS		4
#define ZCNET_NR_EVENTFDS	2

struct zcnet_ctx {
	int fd;
	bool set_up;
	struct zcnet_info info;
	struct zcnet_ring rings[ZCNET_NR_RINGS];	/* by zcnet_ring_type */
	void *maps[ZCNET_NR_RINGS];
	size_t map_lens[ZCNET_NR_RINGS];
	int efd[ZCNET_NR_EVENTFDS];			/* by ZCNET_EVENTFD_* */
	bool efd_owned[ZCNET_NR_EVENTFDS];
};

/*
 * Symbol versions (see libzcnet.map). When a function's ABI changes, its
 * old body stays as the version programs were linked against and a new
 * body becomes the default:
 *
 *	int zcnet_foo_v1_0(...) { old }
 *	ZCNET_SYMVER(zcnet_foo_v1_0, "zcnet_foo@LIBZCNET_1.0");
 *	int zcnet_foo_v1_2(...) { new }
 *	ZCNET_SYMVER(zcnet_foo_v1_2, "zcnet_foo@@LIBZCNET_1.2");
 *
 * "@@" marks the default version, which every new link resolves an
 * unversioned zcnet_foo to, static links against libzcnet.a included;
 * "@" marks an old version, reachable only by binaries that recorded it.
 * Both version nodes of libzcnet.map list zcnet_foo; the zcnet_foo_v*
 * bodies are not listed there, so they are not exported. GCC's symver
 * attribute also survives -flto; other compilers get the .symver
 * directive. Use it at file scope, after the body.
 */
#if defined(__has_attribute)
#if __has_attribute(__symver__)
#define ZCNET_SYMVER(impl, sym) \
	extern __typeof__(impl) impl __attribute__((__symver__(sym)))
#endif
#endif
#ifndef ZCNET_SYMVER
#define ZCNET_SYMVER(impl, sym) __asm__(".symver " #impl ", " sym)
#endif

/*
 * The bodies of the versioned calls: _v1_0 for LIBZCNET_1.0 (a 248-byte
 * struct zcnet_stats, ZCNET_STATS_SIZE_VER0), _v1_2 for LIBZCNET_1.2.
 */
int zcnet_get_stats_v1_0(struct zcnet_ctx *ctx, struct zcnet_stats *stats);
int zcnet_get_stats_v1_2(struct zcnet_ctx *ctx, struct zcnet_stats *stats);
int zcnet_fdinfo_read_v1_0(pid_t pid, int fd, struct zcnet_stats *stats);
int zcnet_fdinfo_read_v1_2(pid_t pid, int fd, struct zcnet_stats *stats);
int zcnet_fdinfo_read_path_v1_0(const char *path, struct zcnet_stats *stats);
int zcnet_fdinfo_read_path_v1_2(const char *path, struct zcnet_stats *stats);
unsigned int zcnet_stats_count_v1_0(void);
unsigned int zcnet_stats_count_v1_2(void);
__u64 zcnet_stats_value_v1_0(const struct zcnet_stats *stats, unsigned int i);
__u64 zcnet_stats_value_v1_2(const struct zcnet_stats *stats, unsigned int i);

/* -errno of the last failed call, never 0. */
static inline int zcnet_neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* LIBZCNET_INTERNAL_H */
