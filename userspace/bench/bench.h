/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zcnet-bench: one transfer with one send method, measured the same way
 * for every method (traffic/), or the receiving end of such a transfer.
 * A method sets up, calls tr_begin() right before its first submit and
 * tr_end() right after its last completion, so that CPU time and the
 * clock cover the transfer only. Completion latency is what the program
 * sees: from the time a buffer was handed to the kernel to the time its
 * completion was read.
 */
#ifndef ZCNET_BENCH_H
#define ZCNET_BENCH_H

#include "traffic.h"

void bench_unavailable(struct tr_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The methods that need liburing and libxdp. */
int bench_uring_zc(struct tr_opts *o, struct tr_result *r);
int bench_xsk(struct tr_opts *o, struct tr_result *r);

/* serve on the host, remote in the guest (bench_remote.c). */
int bench_serve(uint16_t port);
int bench_remote(int argc, char **argv);

#endif
