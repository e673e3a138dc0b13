/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zcnet-bench: one transfer with one send method, measured the same way
 * for every method, or the receiving end of such a transfer.
 *
 * A method sets up, calls bench_begin() right before its first submit and
 * bench_end() right after its last completion, so that CPU time and the
 * clock cover the transfer only. Completion latency is what the program
 * sees: from the CLOCK_MONOTONIC time a buffer was handed to the kernel to
 * the time its completion was read.
 */
#ifndef ZCNET_BENCH_H
#define ZCNET_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zcnet_util.h"

#define BENCH_STREAM_SHIFT	40	/* raw frames: seq = stream << 40 | n */
#define BENCH_SEQ_MASK		((UINT64_C(1) << BENCH_STREAM_SHIFT) - 1)
#define BENCH_MAX_STREAMS	8

struct bench_opts {
	const char *method;
	const char *iface;
	uint8_t dst[6];
	uint64_t size;		/* raw: frame bytes; TCP: bytes per write */
	double seconds;		/* how long to submit */
	uint32_t queue;		/* raw: TX queue; UINT32_MAX: any */
	int cpu;		/* pin to this CPU; -1: no */
	uint32_t stream;	/* raw: stream id in the frame seq */
	uint32_t streams;	/* sink: how many streams to expect */
	uint64_t window;	/* raw: frames ahead of the receiver; 0: off */
	const char *progress;	/* raw: progress file prefix (.STREAM) */
	const char *start_file;	/* wait for this file after setup */
	const char *peer;	/* TCP: the sink's IPv4 address */
	uint16_t port;
	uint32_t inflight;	/* buffers in flight (ring entries) */
	double idle;		/* sink: stop after this long without data */
};

/* Latencies in nanoseconds, one per completed buffer. */
struct bench_lat {
	uint32_t *ns;
	size_t n, cap;
};

struct bench_run {
	uint64_t frames;	/* raw frames or writes completed */
	uint64_t bytes;		/* bytes completed */
	uint64_t completions;	/* completions seen */
	uint64_t copied;	/* completions saying the kernel copied */
	uint64_t errors;	/* failed submits or completions */
	uint64_t peer_bytes;	/* TCP: bytes the sink reported, less pre_bytes */
	uint64_t pre_bytes;	/* TCP: sent before the clock started */
	bool peer_known;
	double t0, t1;		/* CLOCK_MONOTONIC */
	struct cpu_sample c0, c1;
	struct bench_lat lat;
	char unavailable[256];	/* set: this method cannot run here */
};

/*
 * zcnet's buffers in flight: cookie i < count names buffer i, taken at
 * ts[i]; a completed one goes back on free.
 */
struct bench_zbufs {
	uint32_t *free;
	uint32_t nfree;
	const double *ts;
	uint32_t count;
};

struct zcnet_ring;
/* Takes what the CQ holds into r; returns how many. */
uint32_t bench_zcnet_reap(struct zcnet_ring *cq, uint64_t size,
			  struct bench_zbufs *b, struct bench_run *r,
			  double now);

/* A send method: 0 when the run worked, -1 on failure (reported). */
typedef int (*bench_method_fn)(const struct bench_opts *o,
			       struct bench_run *r);

int bench_afp_sendto(const struct bench_opts *o, struct bench_run *r);
int bench_afp_txring(const struct bench_opts *o, struct bench_run *r);
int bench_xsk(const struct bench_opts *o, struct bench_run *r);
int bench_zcnet_raw(const struct bench_opts *o, struct bench_run *r);
int bench_zcnet_raw_zc(const struct bench_opts *o, struct bench_run *r);
int bench_tcp_send(const struct bench_opts *o, struct bench_run *r);
int bench_tcp_zerocopy(const struct bench_opts *o, struct bench_run *r);
int bench_uring_zc(const struct bench_opts *o, struct bench_run *r);
int bench_zcnet_sock(const struct bench_opts *o, struct bench_run *r);
int bench_sink_raw(const struct bench_opts *o);
int bench_sink_tcp(const struct bench_opts *o);

/* bench_main.c */
/* After setup: wait for --start-file, then start the clock and CPU. */
void bench_begin(const struct bench_opts *o, struct bench_run *r);
void bench_end(struct bench_run *r);
bool bench_time_up(const struct bench_opts *o, const struct bench_run *r,
		   double now);
void bench_unavailable(struct bench_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* bench_lat.c */
void lat_add(struct bench_lat *l, double submit, double done);
/* The q-quantile (0..1) in microseconds, or -1 without samples. */
double lat_quantile(struct bench_lat *l, double q);
void lat_free(struct bench_lat *l);

/* bench_raw.c: what the raw-frame senders share */
struct raw_tx {
	const struct bench_opts *o;
	struct iface ifc;
	struct progress progress;
	bool gated;
	uint64_t next;		/* frames posted so far */
};

/* Look the device up, check the size, open the progress file. */
int raw_open(const struct bench_opts *o, struct raw_tx *t);
void raw_close(struct raw_tx *t);
/* Write a whole frame with the next seq's header into buf. */
void raw_frame_init(struct raw_tx *t, void *buf);
/* Rewrite the header of a frame raw_frame_init() wrote: seq of frame n. */
void raw_frame_seq(struct raw_tx *t, void *buf, uint64_t n);
/* How many more frames may be posted now (flow control window). */
uint32_t raw_allowed(struct raw_tx *t, uint32_t want);
/* Wait a little for the receiver to move (after raw_allowed() gave 0). */
void raw_wait(struct raw_tx *t);

/* bench_tcp.c: a connected TCP socket to the sink, and its end */
int tcp_connect(const struct bench_opts *o);
/*
 * Shut down writing, read the sink's byte count, close *fd and set it to
 * -1, end the run (bench_end()).
 */
int tcp_finish(int *fd, struct bench_run *r);

#endif
