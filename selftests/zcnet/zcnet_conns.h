/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Many TCP connections on one context, every byte checked (zcnet_conns.c):
 * the reference pattern they send, the epoll sink that reads and checks
 * them in the peer's netns, and the fleet of connections that sends it.
 * Included by zcnet_util.h only.
 *
 * Every connection sends its own stretch of one reference pattern
 * (ZC_REF_LEN random bytes, registered once and never written again), so
 * any number of connections share one region and the sink checks each
 * byte against the reference with memcmp().
 */
#ifndef ZCNET_CONNS_H
#define ZCNET_CONNS_H

#define ZC_REF_LEN	(16U << 20)	/* the reference pattern */
#define ZC_CONN_CHUNK	(64U << 10)	/* bytes per TCP descriptor */
/* the reference and its first ZC_CONN_CHUNK again */
#define ZC_REF_MEM_LEN	(ZC_REF_LEN + ZC_CONN_CHUNK)
#define ZC_CONN_WAIT_MS	30000U		/* no progress for this long: give up */

/*
 * ZC_REF_MEM_LEN bytes of anonymous memory, huge pages advised: random
 * bytes, then the first ZC_CONN_CHUNK of them again. NULL on failure;
 * zc_ref_free() unmaps it.
 */
unsigned char *zc_ref_alloc(void);

void zc_ref_free(unsigned char *ref);

/*
 * Open c with rings of tx and cq entries, register the reference ref
 * (ZC_REF_MEM_LEN bytes) as *id and set no copy threshold for sockets;
 * 0 or -errno.
 */
long zc_ref_ctx(struct zc_ctx *c, const unsigned char *ref, __u32 tx,
		__u32 cq, __u32 *id);

/* the receiving side: one epoll thread reading every connection */

/* How a connection ended at the sink. */
enum { ZC_RX_OPEN, ZC_RX_EOF, ZC_RX_RESET, ZC_RX_ERROR };

struct zc_rx_conn;

struct zc_sink {
	int lfd, ep, wake;
	unsigned int n;
	const unsigned char *ref;
	int *port_idx;		/* sender's port -> connection, -1 (atomic) */
	/* per connection; pause and reset are set by the test (atomic) */
	bool *pause, *reset;
	__u64 *bytes;
	__u64 *first_bad;	/* stream position of a wrong byte, or ~0 */
	unsigned char *state;	/* ZC_RX_* */
	struct zc_rx_conn **by_idx;
	unsigned int finished;	/* connections at EOF, reset or failed */
	unsigned int strays;	/* accepted sockets of no connection */
	int err;
	bool stop;		/* atomic */
	bool started;
	pthread_t thread;
	unsigned char buf[ZC_CONN_CHUNK];
};

/* Start reading (the sink's thread); 0 or -errno. */
int zc_sink_start(struct zc_sink *k);

/* Stop or resume reading connection i. */
void zc_sink_set_pause(struct zc_sink *k, unsigned int i, bool on);

/* Reset connection i (SO_LINGER 0, then close). */
void zc_sink_request_reset(struct zc_sink *k, unsigned int i);

/* Wait until every connection ended (or the sink gave up). */
void zc_sink_join(struct zc_sink *k);

/* the sending side: n connections on one context */

struct zc_conn {
	int fd;
	__u32 slot;
	__u32 submitted, completed;
	__u32 ok, partial, copied, out_of_order, bad_result;
	__u32 errs;		/* errors, the first included */
	__u32 after_err;	/* successes or parts after an error */
	__u32 after_part;	/* anything but an error after a part */
	int first_err;
	__u64 bytes_done;	/* sum of the results >= 0 */
};

struct zc_fleet {
	struct zc_ctx *c;
	__u32 id;
	unsigned int n, window;
	unsigned int budget;	/* descriptors in flight, all connections */
	unsigned int inflight;
	unsigned int rr;	/* the next connection to push for */
	__u32 ndesc;		/* descriptors per connection */
	struct zc_conn *cn;
	struct zc_sink *k;
	unsigned short port;	/* the sink's */
	unsigned int ndone;	/* connections with every completion */
	unsigned int bad_slots;	/* attach gave another slot than i */
	__u64 unknown;		/* completions of no descriptor of ours */
	long kick_err;
	bool timed_out;
};

/*
 * n connections of ndesc descriptors each, at most window in flight per
 * connection and budget in all, on context c (the reference registered
 * as id): the sink's listener in the peer's netns (rcvbuf: its
 * SO_RCVBUF, 0 default), nothing connected yet, the sink not reading.
 * NULL on failure.
 */
struct zc_fleet *zc_fleet_new(const struct zc_env *env, const char *ip,
			      struct zc_ctx *c, __u32 id,
			      const unsigned char *ref, unsigned int n,
			      __u32 ndesc, unsigned int window,
			      unsigned int budget, int rcvbuf);

/* Stop the sink, close every socket and free it all. */
void zc_fleet_free(struct zc_fleet *f);

/*
 * Connect every connection and attach it, slot i for connection i; 0 or
 * -errno.
 */
int zc_fleet_connect(struct zc_fleet *f, const char *ip);

/* Push descriptors for the connections in turn while the budget allows. */
void zc_fleet_fill(struct zc_fleet *f);

/*
 * Pop every completion there is (and, if push, refill their connections);
 * how many.
 */
unsigned int zc_fleet_reap(struct zc_fleet *f, bool push);

/*
 * Send until every connection but skip (-1: none) has all its
 * completions, or nothing moved for ZC_CONN_WAIT_MS (timed_out). skip
 * keeps sending as its window allows.
 */
void zc_fleet_run(struct zc_fleet *f, int skip);

/*
 * Pushing nothing more, until every connection has all its completions,
 * or ZC_CONN_WAIT_MS of nothing.
 */
void zc_fleet_drain(struct zc_fleet *f);

/* The sender is done: the sink sees EOF on every connection. */
void zc_fleet_shutdown(struct zc_fleet *f);

/*
 * Connections [0, n) but skip sent everything: every descriptor once, in
 * order, whole; at the peer every byte, right, then EOF. Returns how many
 * did not, and describes the first in msg.
 */
unsigned int zc_fleet_problems(const struct zc_fleet *f, int skip,
			       char *msg, size_t size);

/* The completions that said ZCNET_CQE_COPIED, over all connections. */
__u64 zc_fleet_copied(const struct zc_fleet *f);

#endif /* ZCNET_CONNS_H */
