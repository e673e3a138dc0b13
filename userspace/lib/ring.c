// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* libzcnet: the ring helpers of libzcnet.h, out of line (LIBZCNET_1.5). */

/*
 * An empty LIBZCNET_RING_API turns the header's static inline bodies into
 * the external definitions that libzcnet.so.1 exports and libzcnet.a holds,
 * for programs that cannot use the inline ones: bindings in other
 * languages, and C built with LIBZCNET_RING_EXTERN. The header's
 * declarations of the same functions come first, so each body has its
 * prototype. Nothing else belongs in this file.
 */
#define LIBZCNET_RING_API
#include "libzcnet.h"
