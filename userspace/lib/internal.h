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

/* -errno of the last failed call, never 0. */
static inline int zcnet_neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* LIBZCNET_INTERNAL_H */
