/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The traffic core of the zcnet tools and zcnet-bench: senders, sinks,
 * verification, flow control, CPU sampling, options and reports.
 */
#ifndef ZCNET_TRAFFIC_H
#define ZCNET_TRAFFIC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>

#include "stream.h"
#include "superframe.h"

/* Exit codes of the tools. */
#define EXIT_FAILED	1	/* the run failed or the system said no */
#define EXIT_USAGE	2	/* bad arguments */
#define EXIT_UNSUPPORTED 4	/* the zcnet module lacks the capability */

#define MAX_ERRNO	4096	/* completion errors counted by errno */
#define SEQ_LIMIT	(UINT64_C(1) << 30) /* largest seq tracked without -n */

/* ---- util.c ---- */

extern const char *util_prog;		/* set by main() for messages */
extern char util_last_error[256];	/* the last errmsg() text */

/* "PROG: message" on stderr, then exit(EXIT_USAGE) with a hint at -h. */
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) errmsg(const char *fmt, ...);
/* Explains why zcnet_open() failed; returns EXIT_FAILED. */
int report_open_error(int err);

struct zcnet_ctx;
struct zcnet_mem;
/*
 * Opens a context whose module has every feature of need, else says it
 * has no lacks; 0, EXIT_FAILED or EXIT_UNSUPPORTED. The caller closes
 * *ctx either way.
 */
int zc_open(struct zcnet_ctx **ctx, uint64_t need, const char *lacks);
/* TX and completion rings of tx_entries, FILL and RX of rx_entries; 0 or
 * EXIT_FAILED. */
int zc_rings(struct zcnet_ctx *ctx, uint32_t tx_entries, uint32_t rx_entries);
/* Sets a ZCNET_PARAM_* (what: "the copy threshold"); 0 or EXIT_FAILED. */
int zc_param(struct zcnet_ctx *ctx, unsigned int param, uint64_t value,
	     const char *what);
/* len bytes of memory registered as one region; 0 or -errno (reported). */
int zc_region(struct zcnet_ctx *ctx, size_t len, struct zcnet_mem *mem,
	      uint32_t *region);
/* The eventfd of ring which ("a completion", "an RX"), or -errno. */
int zc_eventfd(struct zcnet_ctx *ctx, unsigned int which, const char *what);

/* A decimal integer in [min, max]; seconds (fractions too) in (0, max]. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool parse_seconds(const char *s, double max, double *out);
/* "aa:bb:cc:dd:ee:ff"; format_mac() needs 18 bytes. */
bool parse_mac(const char *s, uint8_t mac[6]);
void format_mac(const uint8_t mac[6], char *buf);

struct iface {
	char name[16];
	unsigned int ifindex;
	unsigned int mtu;
	uint8_t mac[6];
};

/* 0, -ENODEV, -EINVAL for a name that is too long, or another -errno. */
int iface_lookup(const char *name, struct iface *ifc);
/* -i IFACE of a tool: a usage error when there is no such interface. */
void iface_require(const char *name, struct iface *ifc);
/* MTU + 14, at most what frame_len holds. */
uint64_t iface_max_frame(const struct iface *ifc);
/* An AF_PACKET socket that takes nothing yet, or -1 (reported). */
int afp_socket(void);
/* Bind it to ifc for ethertype proto (0: send only); -1 closed it. */
int afp_bind(int fd, const struct iface *ifc, uint16_t proto);
/* The /run/netns name of this network namespace, or "net:[INODE]". */
void netns_name(char *buf, size_t size);
/*
 * A bench sender's socket gets a fixed 4 MiB send buffer (forced where
 * CAP_NET_ADMIN allows), so that no method's buffer follows timing.
 */
void sock_fixed_sndbuf(int fd);

/*
 * Machine-wide CPU time from /proc/stat, in clock ticks. The kernel
 * measures idle and iowait exactly but the busy fields only by sampling
 * the tick, so busy time is reported as elapsed x CPUs - idle - iowait,
 * with the sum of the sampled fields kept for comparison. On a machine of
 * one CPU where root may read /proc/timer_list, idle and iowait come from
 * there instead, in nanoseconds (/proc/stat rounds them to 10 ms); with
 * more CPUs another CPU's idle period may be open there, and uncounted.
 */
struct cpu_sample {
	bool valid;
	uint64_t ticks_busy;	/* the sampled fields */
	uint64_t ticks_idle;	/* idle + iowait */
	uint64_t ns_idle;	/* the same from /proc/timer_list, or 0 */
	unsigned int cpus;	/* cpuN lines */
	double when;		/* CLOCK_MONOTONIC seconds */
};

void cpu_sample(struct cpu_sample *s);
/* The sum of every CPU's idle and iowait in a /proc/timer_list, ns. */
uint64_t timer_list_idle_ns(FILE *f);
/* Busy and tick-sampled seconds between two samples, or -1. */
double cpu_busy_seconds(const struct cpu_sample *a, const struct cpu_sample *b);
double cpu_sampled_seconds(const struct cpu_sample *a,
			   const struct cpu_sample *b);
double now_seconds(void);		/* CLOCK_MONOTONIC */
/* "ENOBUFS", or "E<number>". */
const char *errno_name(int err, char *buf, size_t size);
void json_string(FILE *f, const char *s);
/* SIGINT and SIGTERM (without SA_RESTART) set the returned flag. */
volatile sig_atomic_t *install_stop_signals(void);

/*
 * Receiver progress shared through a small file, for flow control between
 * a sender and a receiver on the same machine: the receiver publishes one
 * past the highest seq it has taken; a sender with a window of W frames
 * posts frame seq only while seq < progress + W.
 */
struct progress {
	int fd;
	uint64_t *map;		/* [0] magic, [1] progress, [2] futex words */
};

#define PROGRESS_MAGIC	0x5a434e5450524f47ULL	/* "ZCNTPROG" */

int progress_create(const char *path, struct progress *p); /* reported */
int progress_open(const char *path, struct progress *p); /* -EINVAL: not one */
void progress_store(struct progress *p, uint64_t value);
uint64_t progress_load(const struct progress *p);
/* Wait up to timeout_ms for the progress to reach need. */
uint64_t progress_wait(struct progress *p, uint64_t need, int timeout_ms);
void progress_close(struct progress *p);

/* ---- opts.c: options from a table, and the help made from it ---- */

#define OPT_STR_(x)	#x
#define OPT_STR_OF(x)	OPT_STR_(x)
/* The ring sizes OPT_RING takes, for help texts. */
#define RING_RANGE	OPT_STR_OF(ZCNET_RING_MIN_ENTRIES) ".." \
			OPT_STR_OF(ZCNET_RING_MAX_ENTRIES)

enum opt_kind { OPT_FLAG, OPT_NUM, OPT_SECS, OPT_MAC, OPT_STR, OPT_RING,
		OPT_FN };

struct opt {
	const char *name;
	char key;		/* short option, or 0 */
	enum opt_kind kind;
	void *p;		/* where the value goes */
	unsigned int size;	/* OPT_NUM: sizeof(*p) */
	uint64_t min, max;	/* OPT_NUM; OPT_SECS: max */
	const char *arg;	/* the value's name in the help; NULL: hidden */
	const char *help;
	const char *what;	/* "bad WHAT 'value'" */
	bool (*fn)(const char *s, void *p);
	bool seen;
};

#define ONUM(n, k, f, lo, hi, a, h, w) { n, k, OPT_NUM, &(f), sizeof(f), \
		lo, hi, a, h, w, NULL, false }
#define OSECS(n, k, f, a, h, w) { n, k, OPT_SECS, &(f), 0, 0, 1e6, a, h, w, \
		NULL, false }
#define OFLAG(n, k, f, h) { n, k, OPT_FLAG, &(f), 0, 0, 0, "", h, NULL, NULL, \
		false }
#define OSTR(n, k, f, a, h) { n, k, OPT_STR, &(f), 0, 0, 0, a, h, NULL, \
		NULL, false }
#define OFN(n, k, fn, p, a, h, w) { n, k, OPT_FN, p, 0, 0, 0, a, h, w, fn, \
		false }
#define OEND { NULL, 0, OPT_FLAG, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, false }

/*
 * Parse argv[optind..] with the table; what does not parse is a usage
 * error. -h prints usage, the table's help and more_help(), exits 0.
 */
void opts_parse(int argc, char **argv, struct opt *t, const char *usage,
		void (*more_help)(FILE *f));
void opts_help(FILE *f, const struct opt *t);
bool opts_seen(struct opt *t, const char *name);
/* None of the options in names may be given ("--NAME why"). */
void opts_forbid(struct opt *t, const char *const names[], const char *why);
bool opt_pattern(const char *s, void *p);	/* seq|zero */
bool opt_proto(const char *s, void *p);		/* udp|tcp: IPPROTO_* */
/* argv holds one of the long option names (as --NAME or --NAME=...). */
bool argv_has(int argc, char **argv, const char *const names[]);

/* ---- report.c: one table of fields, printed as text, JSON or key=value */

enum rep_style { REP_TEXT, REP_JSON, REP_JSON_TIGHT, REP_KV };

struct rep {
	FILE *f;
	enum rep_style style;
	int n;			/* fields so far */
};

/* Text starts with the title line, key=value with the title word. */
void rep_begin(struct rep *r, enum rep_style style, const char *title);
void rep_end(struct rep *r);
/*
 * One field: key for JSON and key=value, label for text (NULL: not in
 * that style). A NaN is JSON null.
 */
void rep_u64(struct rep *r, const char *key, const char *label, uint64_t v);
void rep_num(struct rep *r, const char *key, const char *label,
	     const char *fmt, double v);
void rep_str(struct rep *r, const char *key, const char *label,
	     const char *v);
void rep_bool(struct rep *r, const char *key, const char *label, bool v);
/* Already formatted (a JSON array or object, or "null"). */
void rep_raw(struct rep *r, const char *key, const char *label,
	     const char *v);
void rep_text(struct rep *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- tick.c: --interval, a progress line every so often ---- */

#define TICK_MAX_S	3600	/* the longest --interval */
#define TICK_NONE	UINT64_MAX	/* a count the method does not know */

/* --interval SECONDS into f, the same for every tool and mode. */
#define OINTERVAL(f) { "interval", 0, OPT_SECS, &(f), 0, 0, TICK_MAX_S, \
		"SECONDS", "print a progress line every SECONDS\n(fractions " \
		"too, at most " OPT_STR_OF(TICK_MAX_S) "): what was done in\n" \
		"the interval and in total; with -j each\nline is a JSON " \
		"object, before the report", \
		"interval (seconds, at least 0.001, at most " OPT_STR_OF(TICK_MAX_S) ")", \
		NULL, false }

struct tick_count {
	uint64_t units;		/* frames, writes or datagrams */
	uint64_t bytes;
	uint64_t copied, errors, drops;	/* TICK_NONE: not known */
};

struct tick {
	double every;		/* seconds; 0: no progress lines */
	double t0, last, next;	/* CLOCK_MONOTONIC seconds */
	const char *unit;	/* "frames", ...; NULL: bytes only */
	bool json;
	uint64_t n;		/* lines so far */
	struct tick_count prev;
};

void tick_start(struct tick *t, double every, bool json, const char *unit,
		double now);
/* Whether a line is due at now: cheap, for every batch of a loop. */
static inline bool tick_due(const struct tick *t, double now)
{
	return t->every > 0 && now >= t->next;
}
/* The line of the interval ending at now, with the totals c. */
void tick_line(struct tick *t, double now, const struct tick_count *c);
/* With --interval: the last line, up to the end of the run. */
void tick_final(struct tick *t, double now, const struct tick_count *c);

struct lat {				/* lat.c: completion latencies */
	uint32_t *ns;
	size_t n, cap;
};

void lat_add(struct lat *l, double submit, double done);
/* The q-quantile (0..1) in microseconds, or -1 without samples. */
double lat_quantile(struct lat *l, double q);
void lat_free(struct lat *l);

/* ---- one transfer: what a sender is told and what it measured ---- */

struct tr_result;

struct tr_opts {
	const char *method, *iface, *progress;	/* progress file */
	const char *start_file;	/* wait for it after setup */
	const char *target_arg, *peer;	/* sockets; zcnet-bench's TCP sink */
	struct iface ifc;	/* looked up by the tool or by tx_raw_open() */
	uint8_t dst[6];
	uint64_t size;		/* frame, write or datagram bytes */
	uint64_t frames;	/* frames or writes; 0: for seconds */
	uint64_t slot_size;	/* 0: pick */
	uint64_t seq_base;	/* raw frames: seq of the first */
	uint64_t window;	/* 0: no flow control */
	double seconds, stall, linger;
	double interval;	/* progress lines; 0: none */
	uint32_t queue;		/* UINT32_MAX: any */
	uint32_t ring;		/* ring entries or buffers in flight; 0: pick */
	int64_t copy_threshold;	/* -1: the module's */
	int64_t threshold_used;	/* after bind; -1: unknown */
	unsigned int pattern, target_len;
	int sndbuf;
	uint32_t gso;		/* UDP, super-frames: segment payload bytes */
	uint8_t l4;		/* raw: IPPROTO_UDP or _TCP super-frames */
	uint32_t saddr, daddr;	/* super-frames: IPv4, network byte order */
	uint32_t conns;		/* TCP: connections; 0 or 1: one */
	uint16_t port;
	bool json, udp;
	bool bench;		/* latencies; end the clock before draining */
	bool until_eof;		/* sink: end when stdin ends and frames stop */
	struct sockaddr_storage *target;
	volatile sig_atomic_t *stop;
	/* tx_zcnet: called after the run, before the context closes */
	void (*finish)(struct tr_opts *o, struct tr_result *r);
};

struct tr_result {
	uint64_t submitted, completions, frames, bytes, copied, errors;
	uint64_t short_results, bad_cookies, unknown_flags, out_of_order;
	uint64_t kicks, window_waits, inflight, retries;
	uint64_t syscalls;	/* made between tr_begin() and tr_end() */
	uint64_t errnos[MAX_ERRNO], other_errors;
	uint64_t peer_bytes, pre_bytes, checksum, sock_resumes;
	bool peer_known;
	double t0, t1, drain_s, user_s, sys_s;
	struct cpu_sample c0, c1;
	struct lat lat;
	int error;		/* errno that ended the run */
	struct tick tick;	/* started by tr_begin() */
	bool knows_copied;	/* set before tr_begin(): progress lines */
	bool knows_errors;	/* count copies and errors */
	bool interrupted, stalled, receiver_stalled, fatal, undrained;
	char unavailable[256];	/* this method cannot run here */
};

/*
 * Each sender counts the system calls it makes in the measured span, at
 * the call site: a library call counts the calls it makes on its usual
 * path (a zcnet eventfd wait: poll, and read when it woke).
 */
static inline void tr_sys(struct tr_result *r, uint64_t n)
{
	r->syscalls += n;
}

/* tx_raw.c. After setup: wait for start_file, start clock and CPU. */
void tr_begin(const struct tr_opts *o, struct tr_result *r);
void tr_end(struct tr_result *r);
/* A progress line when one is due (--interval); now: CLOCK_MONOTONIC. */
void tr_tick_line(struct tr_result *r, double now);
static inline void tr_tick(struct tr_result *r, double now)
{
	if (tick_due(&r->tick, now))
		tr_tick_line(r, now);
}
bool tr_time_up(const struct tr_opts *o, const struct tr_result *r,
		double now);
/* Count a completion result (-errno or bytes) of an expected length. */
void tr_count(struct tr_result *r, int64_t result, uint64_t len);
uint64_t tr_error_total(const struct tr_result *r);
/* The errors by name: a JSON object, or text ("none"). */
void tr_errors_str(const struct tr_result *r, bool json, char *buf,
		   size_t size);
void tr_report_cpu(struct rep *p, const struct tr_result *r, double gib);
/* The last message as why the method cannot run here; returns rc. */
int tr_unavailable(struct tr_result *r, int rc);

/*
 * Raw frames: device, frames and the window, whatever the method. With
 * o->l4 each frame is a super-frame (superframe.h) with its
 * virtio_net_hdr in front: a buffer of hdr + o->size bytes.
 */
struct tx_raw {
	const struct tr_opts *o;
	struct progress progress;
	uint64_t next;		/* frames posted so far */
	bool gated;
	double gated_since;
	uint32_t hdr;		/* SF_VNET_LEN with o->l4, else 0 */
	uint32_t len;		/* bytes of a buffer: hdr + o->size */
	struct sf_spec sf;	/* with o->l4 */
};

#define SF_SPORT	4242	/* the source port of super-frames */

/* Look the device up (unless done), check the size, open the progress. */
int tx_raw_open(struct tr_opts *o, struct tx_raw *t);
void tx_raw_close(struct tx_raw *t);
/* Frame n into buf; filled: buf holds a frame of this run already. */
void tx_raw_frame(struct tx_raw *t, void *buf, uint64_t n, bool filled);
/* The IPv4 address of an interface (network byte order), or 0. */
uint32_t iface_ipv4(const char *name);
/* Whether the super-frames of o are valid on a device of MTU mtu. */
const char *tx_raw_sf_check(const struct tr_opts *o, uint32_t mtu,
			    struct sf_spec *sf, char *buf, size_t size);
/* How many of want frames the window lets go now. */
uint32_t tx_raw_allowed(struct tx_raw *t, struct tr_result *r, uint32_t want);
/* After tx_raw_allowed() gave 0: wait a little; false once stalled. */
bool tx_raw_wait(struct tx_raw *t, struct tr_result *r);

/*
 * A sender with a ring of frame slots. tx_ring_run() loops: take
 * completions, post what the slots, the count and the window allow, hand
 * them to the kernel, and wait when nothing moved. The ops keep free (slots
 * to post into) and busy (frames in flight).
 */
struct tx_ring {
	struct tx_raw t;
	uint32_t free, busy;
	/* Completions taken (0: none). */
	uint32_t (*reap)(struct tx_ring *q, struct tr_result *r, double now);
	/* Post n frames; how many were posted. */
	uint32_t (*post)(struct tx_ring *q, struct tr_result *r, uint32_t n,
			 double now);
	/* After posting n: < 0 ends the run, > 0 loops at once. */
	int (*kick)(struct tx_ring *q, struct tr_result *r, uint32_t n);
	/* Nothing to post: wait a little; false ends the run. */
	bool (*idle)(struct tx_ring *q, struct tr_result *r, bool stop,
		     uint32_t done);
};

void tx_ring_run(struct tx_ring *q, struct tr_result *r);

/* The senders; 0 or an exit code (reported). */
int tx_zcnet(struct tr_opts *o, struct tr_result *r);
int tx_afp_send(struct tr_opts *o, struct tr_result *r);
int tx_afp_txring(struct tr_opts *o, struct tr_result *r);
int tx_sock(struct tr_opts *o, struct tr_result *r);
int tx_tcp_send(struct tr_opts *o, struct tr_result *r);
int tx_tcp_zerocopy(struct tr_opts *o, struct tr_result *r);
int tx_tcp_sendfile(struct tr_opts *o, struct tr_result *r);
/*
 * MSG_ZEROCOPY sends of o->size on the connected socket fd until the time
 * is up and every notification is in. Starts the clock; the caller stops
 * it. 0, -1, or 0 with r->unavailable set.
 */
int zerocopy_run(struct tr_opts *o, struct tr_result *r, int fd);
/* The same on n connected TCP sockets at once, with epoll. */
int zerocopy_conns(struct tr_opts *o, struct tr_result *r, int *fds,
		   uint32_t n);
/* zcnet-bench: connect to --peer; shut down, read the sink's count. */
int tcp_connect(const struct tr_opts *o);
int tcp_finish(int *fd, struct tr_result *r);
/* n connections (all or none: 0 or -1, reported); each one's count. */
int tcp_connect_all(const struct tr_opts *o, int *fds, uint32_t n);
int tcp_finish_all(int *fds, uint32_t n, struct tr_result *r);

/*
 * tx_udp.c, zcnet-bench: datagrams of o->size to --peer; above
 * UDP_GSO_SEGMENT bytes each send is a GSO train of such segments, by
 * the socket's UDP_SEGMENT, or with o->gso by each send's own.
 */
#define UDP_GSO_SEGMENT	1472	/* IPv4 payload of a 1500-byte MTU */
#define UDP_GSO_MAX_SEGS 128	/* the kernel's UDP_MAX_SEGMENTS */
/* A connected UDP socket, or -1 (reported, or r->unavailable set). */
int udp_connect(const struct tr_opts *o, struct tr_result *r);
int tx_udp_sendmmsg(struct tr_opts *o, struct tr_result *r);
int tx_udp_zerocopy(struct tr_opts *o, struct tr_result *r);
int tx_udp_zcnet(struct tr_opts *o, struct tr_result *r);

/* ---- receivers of test frames (rx_check.c, rx_zcnet.c, rx_afp.c) ---- */

struct rx_opts {
	const char *iface;
	struct iface ifc;
	uint32_t match;		/* ZCNET_RX_MATCH_* */
	uint16_t ethertype, port;
	uint64_t frames;	/* 0: no count */
	double seconds;		/* 0: no limit */
	double idle;
	double interval;	/* progress lines; 0: none */
	uint32_t ring, buf_size;
	uint32_t queue;		/* RX queue, or UINT32_MAX: any */
	uint32_t wake_frames;	/* ZCNET_PARAM_RX_WAKE_*; 0: the default */
	uint32_t wake_usec;
	bool strict_order, json;
	const char *progress;
	volatile sig_atomic_t *stop;
};

/* Sequence numbers of verified frames: duplicates, reordering, gaps. */
struct rx_check {
	uint64_t frames, bytes, good, bad, unique, duplicates, reordered;
	uint64_t out_of_range, max_seq, seq_limit;
	uint64_t *seen, words;
	unsigned int reported;
};

/* Describes at most 10 bad frames on stderr. */
void rx_report(struct rx_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Verify test frame number nr and track its seq. */
void rx_frame(struct rx_check *c, const uint8_t *data, size_t len,
	      uint64_t nr);
/* Seqs never seen in [0, max(max_seq + 1, expect)). */
uint64_t rx_lost(const struct rx_check *c, uint64_t expect);
/* The first max runs of missing seqs (seq, length); returns all runs. */
uint64_t rx_missing(const struct rx_check *c, uint64_t expect,
		    uint64_t *first, uint64_t *len, unsigned int *n,
		    unsigned int max);

int rx_zcnet(struct rx_opts *o);
int rx_afp(struct rx_opts *o);

/* sink.c: zcnet-recv --tcp-listen|--udp-listen; sink_bench.c: zcnet-bench */
int sink_main(int argc, char **argv);
void sink_usage(FILE *f);
int sink_bench_raw(const struct tr_opts *o, uint32_t streams, double idle);
int sink_bench_tcp(const struct tr_opts *o);
int sink_bench_udp(const struct tr_opts *o, double idle);
/* Standard input is at its end (what comes before it is dropped). */
bool stdin_ended(void);
/* sink_vnet.c: super-frames' segments to --port, checked and counted. */
int sink_bench_vnet(const struct tr_opts *o, double idle);

#define BENCH_STREAM_SHIFT	40	/* raw frames: seq = stream << 40 | n */
#define BENCH_MAX_STREAMS	8

#endif
