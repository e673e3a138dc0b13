/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test frames and what must become of them: tagging, receive checks,
 * batches and streams of raw frames (zcnet_frame.c).
 * Included by zcnet_util.h only.
 */
#ifndef ZCNET_FRAME_H
#define ZCNET_FRAME_H

/* test frames */
/*
 * A test frame: Ethernet header (dst, src, ZC_ETH_P_TEST), then, when
 * there is room, a tag { magic, run, seq, len } in network byte order,
 * then bytes that depend on run, seq and position. The receiver finds
 * its frames by run and seq and compares every byte.
 */
#define ZC_ETH_P_TEST		0x88b5	/* IEEE 802 local experimental */
#define ZC_FRAME_MAGIC		0x7a636e74u	/* "zcnt" */
#define ZC_FRAME_TAGGED		(ZC_ETH_HLEN + 16)

void zc_frame_fill(unsigned char *p, __u32 len,
		   const unsigned char *dst,
		   const unsigned char *src, __u32 run, __u32 seq);

/* run and seq of one of our frames; -EINVAL for anything else */
int zc_frame_tag(const unsigned char *p, size_t len, __u32 *run, __u32 *seq);

/* A run number for this process's frames (tests run in forked children). */
__u32 zc_new_run(void);

/* What the receiver must see of frame seq of a run. */
struct zc_rx_expect {
	const unsigned char *data;	/* the bytes (NULL: not compared) */
	__u32 len;
	int want;			/* 1: must arrive, 0: must not, -1: may */
	unsigned int seen;		/* copies received (byte-exact) */
	unsigned int bad;		/* copies with other bytes or length */
};

struct zc_rx_report {
	unsigned int wanted;		/* entries with want 1 */
	unsigned int complete;		/* of those, seen >= 1 */
	unsigned int stray;		/* our run: seq >= n or want 0 */
	unsigned int bad;		/* sum of exp[].bad */
	unsigned int dups;		/* copies beyond the first */
	unsigned int reordered;		/* seq lower than the one before */
	int first_missing;		/* seq, or -1 */
	int first_bad;			/* seq, or -1 */
	int first_stray;		/* seq, or -1 */
};

/*
 * Read socket s until every entry of exp[0..n) with want 1 arrived
 * (frames tagged run, seq = index) or timeout_ms passed. Frames of other
 * runs and other traffic are ignored. Fills *rep.
 */
void zc_rx_expect(int s, __u32 run, struct zc_rx_expect *exp,
		  unsigned int n, unsigned int timeout_ms,
		  struct zc_rx_report *rep);

/* Read and drop whatever is queued on s. */
void zc_rx_drain(int s);

/* a batch of raw frames */
/* One raw descriptor of a batch and what must become of it. */
struct zc_frame {
	__u64 offset;
	__u32 len;
	__u16 region;
	__u16 flags;
	__u16 sock;
	__u16 reserved0;
	__u32 reserved1;
	unsigned char *data;	/* its bytes in memory: filled as a test frame */
	bool good;		/* completes with result == len */
	__s32 want;		/* the result when !good */
	int copied;		/* ZCNET_CQE_COPIED: 1 set, 0 clear, -1 either */
	int arrive;		/* at the peer: 1 must, 0 must not, -1 may */
	/* filled by zc_batch_run() */
	unsigned int ncomp;
	__s32 result;
	__u32 cflags;
};

struct zc_batch {
	struct zc_frame *f;
	unsigned int n;
	const unsigned char *dst;	/* MACs for the headers */
	const unsigned char *src;
	bool kick_once;		/* never kick again: the kernel must finish */
	bool ordered;		/* frames must arrive in ring order */
	/* filled by zc_batch_run() */
	__u32 run;
	long kick;		/* the first kick's result */
	unsigned int collected;	/* completions popped */
	unsigned int unknown;	/* of those, cookies not of this batch */
	unsigned int extra;	/* completions left in the CQ afterwards */
	bool rx_checked, tap_checked;
	struct zc_rx_report rx, tap;
};

#define ZC_SLOT			2048U	/* frame slots: never cross a 4K page */
#define ZC_CQ_WAIT_MS		15000U
#define ZC_RX_WAIT_MS		10000U

__u64 zc_batch_cookie(__u32 run, unsigned int i);

/*
 * Fill the frames' bytes (tagged with a new run), push one descriptor
 * each, kick, collect n completions (kicking again while descriptors are
 * left, unless kick_once), then read what arrived on rx_fd and tap_fd
 * (-1: not checked). Returns 0, or -errno if the batch could not be run
 * (no room in the TX ring, the kick failed).
 */
int zc_batch_run(struct zc_ctx *c, struct zc_batch *b, int rx_fd, int tap_fd);

/* Append to a problem report: the first few go into msg, all are counted. */
__attribute__((format(printf, 4, 5)))
void zc_problem(char *msg, size_t size, int *n, const char *fmt, ...);

void zc_rx_problems(const char *who, const struct zc_rx_report *r,
		    bool ordered, char *msg, size_t size, int *n);

/*
 * Check a batch against what its frames say must happen: exactly one
 * completion each, the result, the COPIED flag, arrival (byte-exact) at
 * the peer and the tap, nothing unknown or extra. Returns the number of
 * problems; msg describes the first ones.
 */
int zc_batch_check(const struct zc_batch *b, char *msg, size_t size);

/* How many frames of a batch completed with and without COPIED (good ones). */
void zc_batch_copies(const struct zc_batch *b, __u64 *copied, __u64 *zerocopy);

/* a stream of raw frames */
/*
 * Descriptor i (its cookie) sends the frame in slot i % nslots, filled
 * once, so nothing is written to memory the device may still read.
 */
struct zc_stream {
	struct zc_ctx *c;
	__u16 region;
	__u32 nslots;
	__u32 len;
	__u64 max;		/* cookies available */
	__u64 pushed;		/* descriptors pushed: next cookie */
	__u64 completed;
	__u64 unknown;		/* completions of cookies never pushed */
	__u64 dups;		/* second and later completions of a cookie */
	long kick_err;		/* first failed kick, 0 if none */
	unsigned char *count;	/* completions per cookie (saturating) */
	__s32 *result;
};

int zc_stream_init(struct zc_stream *s, struct zc_ctx *c,
		   __u16 region, __u32 nslots, __u32 len,
		   __u64 max);
void zc_stream_free(struct zc_stream *s);

/* Pop every completion there is. */
void zc_stream_reap(struct zc_stream *s);

/* Reap, push up to burst descriptors (as the ring allows), kick, reap. */
void zc_stream_step(struct zc_stream *s, unsigned int burst);

/* Descriptors the kernel consumed so far (the ring starts at 0). */
__u64 zc_stream_consumed(const struct zc_stream *s);

/*
 * Push nothing more; kick while descriptors are left and wait until every
 * pushed descriptor completed or timeout_ms passed: 0 or -ETIMEDOUT.
 */
int zc_stream_finish(struct zc_stream *s, unsigned int timeout_ms);

/*
 * Check cookies [from, to) of a stream: one completion each, with a
 * result from allowed[] (ZC_STREAM_LEN: the frame length). Adds to the
 * problem report; returns how many cookies had each allowed result in
 * hist[] (may be NULL).
 */
#define ZC_STREAM_LEN	INT32_MAX

void zc_stream_check(const struct zc_stream *s, __u64 from,
		     __u64 to, const __s32 *allowed,
		     unsigned int nallowed, const char *what,
		     char *msg, size_t size, int *np,
		     __u64 *hist);

#endif /* ZCNET_FRAME_H */
