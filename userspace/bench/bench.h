/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zcnet-bench: one transfer with one send method, measured the same way
 * for every method (traffic/), or the receiving end of such a transfer.
 * A method sets up, calls tr_begin() right before its first submit and
 * tr_end() right after its last completion, so that CPU time and the
 * clock cover the transfer only. Completion latency is what the program
 * sees: from the time a buffer was handed to the kernel to the time its
 * completion was read. Receive methods and the generator that feeds them
 * are the second half of this file.
 */
#ifndef ZCNET_BENCH_H
#define ZCNET_BENCH_H

#include "traffic.h"

void bench_unavailable(struct tr_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The methods that need liburing and libxdp. */
int bench_uring_zc(struct tr_opts *o, struct tr_result *r);
int bench_xsk(struct tr_opts *o, struct tr_result *r);

#define BENCH_MAX_FLOWS	256
#define BENCH_MAX_RXQ	16
/*
 * Receivers that can wait for a block of frames do. TPACKET_V3's blocks
 * are RX_BLOCK_FRAMES times 2 KiB, retired when full (it packs frames by
 * length: about 80 of 1500 bytes) or after RX_BLOCK_TOV_MS; zcnet's
 * receive wakes after RX_BLOCK_FRAMES frames or as long
 * (ZCNET_PARAM_RX_WAKE_*).
 */
#define RX_BLOCK_FRAMES	64
#define RX_BLOCK_TOV_MS	2

/* What zcnet-bench recv and gen take besides struct tr_opts. */
struct bench_extra {
	double idle;		/* recv: silence that ends the run */
	uint64_t rate;		/* gen: frames per second; 0: unpaced */
	bool xdp_generic;	/* recv af-xdp-copy: skip native XDP */
	uint32_t flows;		/* gen udp: source ports, 0 or 1: one */
	uint32_t queues;	/* recv zcnet-rxq: RX queues, a context each */
};

/*
 * The receive side (bench_rx.c). A method sets up, then its take() hands
 * every frame that has arrived to rxb_frame(); with nothing there it
 * waits up to ms. The measured span starts at the start file or the first
 * test frame and ends at the last one: the end sample is taken once a
 * wait passes without a test frame.
 */
struct rx_bench {
	const struct tr_opts *o;
	const struct bench_extra *x;
	struct rx_check c;
	uint64_t other;		/* not test frames: not verified */
	uint64_t wrong_size;	/* test frames of another length (bad) */
	uint64_t syscalls;	/* receive and wait calls the method made */
	uint64_t drops;		/* the kernel's count, where it has one */
	uint64_t copied;	/* zcnet: frames the kernel copied */
	struct cpu_sample c0, c1;
	double t_first, t_last;
	bool started, pending;
	const char *stopped;
	char mode[64];		/* how the method ran, for the report */
	char unavailable[256];
};

struct rx_method {
	struct rx_bench *b;
	/* Frames handled; 0 once ms passed without any; -1 (reported). */
	int (*take)(struct rx_method *m, int ms);
};

void rxb_frame(struct rx_bench *b, const uint8_t *data, size_t len);
/* The frame count (-n) is reached. */
bool rxb_done(const struct rx_bench *b);
/* poll() for POLLIN, counted: 1 ready, 0 not (time or signal), -1. */
int rxb_poll(struct rx_bench *b, int fd, int ms);
/* Wait for the start file, loop until idle, count or signal; 0 or -1. */
int rxb_run(struct rx_method *m);

/* zcnet-bench recv METHOD and gen raw|udp: exit codes. */
int bench_recv(struct tr_opts *o, const struct bench_extra *x);
int bench_gen(struct tr_opts *o, const struct bench_extra *x,
	      const char *kind);
/* The receivers in files of their own; 0, or -1 (reported). */
int bench_xsk_rx(struct rx_bench *b);
int bench_zcnet_rx(struct rx_bench *b);
int bench_zcnet_udp_rx(struct rx_bench *b);

/* The HTTP client of the file-server case (bench_http.c); exit code. */
int bench_get(const struct tr_opts *o, uint64_t min_bytes);

/* serve on the host, remote in the guest (bench_remote.c). */
int bench_serve(uint16_t port);
int bench_remote(int argc, char **argv);

/*
 * Round trips of small raw frames (bench_pingpong.c): ping METHOD on one
 * NIC against echo on the other; see there for the methods.
 */
#define PING_MAX_SIZE	1500
int bench_ping(struct tr_opts *o, uint32_t busy_usec);
int bench_echo(struct tr_opts *o);

#endif
