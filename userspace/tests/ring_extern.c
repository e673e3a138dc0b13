// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The ring helpers of libzcnet.a: with LIBZCNET_RING_EXTERN the header
 * only declares them, so the references below are to the archive's
 * out-of-line functions (lib/ring.c), as a program in another language
 * linked statically would make them.
 */
#define LIBZCNET_RING_EXTERN
#include "ring_ops.h"

const struct ring_ops archive_ops = { RING_FUNCS(RING_OP_INIT) };
