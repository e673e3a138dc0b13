/* SPDX-License-Identifier: GPL-2.0-only */
/* zcnet-httpd: the server's objects and the calls between its files. */
#ifndef ZCNET_HTTPD_H
#define ZCNET_HTTPD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct zcnet_ctx;
struct zcnet_ring;

/* ---- http.c: requests and response heads (no I/O) ---- */

#define HTTP_PATH_MAX	1024
#define HTTP_HEAD_MAX	512	/* a response head, error body included */

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	enum http_method method;
	char path[HTTP_PATH_MAX];	/* decoded, starts with '/' */
	bool keep_alive;
	bool http10;			/* HTTP/1.0: keep-alive said aloud */
	bool range;			/* one usable "bytes=" range */
	bool suffix;			/* "bytes=-N": the last r_last bytes */
	uint64_t r_first, r_last;	/* r_last UINT64_MAX: "bytes=N-" */
	int status;			/* a parse error: 400, 431, 505 */
};

/*
 * One request from buf[0..len): the bytes it took (> 0), 0 when its head
 * is not complete yet, or -1 when it cannot be served (req->status says
 * why; the connection closes after the answer).
 */
ssize_t http_parse(const char *buf, size_t len, size_t max, struct http_req *req);

/*
 * The range of a file of size bytes that req asks for: 200 with all of
 * it, 206 with [*first, *first + *len), or 416.
 */
int http_range(const struct http_req *req, uint64_t size, uint64_t *first,
	       uint64_t *len);

struct http_head {
	int status;
	uint64_t length;		/* Content-Length */
	uint64_t first, size;		/* Content-Range: 206 and 416 */
	const char *type;		/* Content-Type, or NULL */
	bool close;
	bool keep_alive;		/* say "Connection: keep-alive" */
	bool head_only;			/* HEAD: no body, not even an error's */
};

/* The head (and an error's short body) into buf; its length, or 0. */
size_t http_format(const struct http_head *h, char *buf, size_t size);

const char *http_type(const char *path);

/* ---- files.c: open files, and their read-only zcnet regions ---- */

struct hd_file {
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	void *map;			/* the mapping the region covers */
	size_t map_len;
	uint32_t region;
	bool registered;
	bool stale;			/* replaced: gone once unused */
	unsigned int refs;		/* responses that send from it */
	uint64_t used;			/* LRU tick */
};

struct hd_files {
	int root;			/* the served directory */
	struct zcnet_ctx *ctx;		/* NULL: no regions (--sendfile) */
	struct hd_file **f;
	unsigned int n, max;
	uint32_t max_regions;
	uint64_t pinned, max_pinned;	/* bytes registered, the cap */
	uint64_t max_region_len;
	uint64_t tick;
	uint64_t registered, evicted, unpinnable;
};

int hd_files_init(struct hd_files *fs, const char *root, unsigned int max,
		  uint64_t max_pinned);
/* Register the files' pages in ctx from now on, within its limits. */
void hd_files_use(struct hd_files *fs, struct zcnet_ctx *ctx);
void hd_files_fini(struct hd_files *fs);
/*
 * The file at path (relative to the root, no ".."), held until
 * hd_file_put(): 0, -ENOENT (no such regular file), -EAGAIN (every
 * cache entry is in use), or another -errno.
 */
int hd_file_get(struct hd_files *fs, const char *path, struct hd_file **out);
void hd_file_put(struct hd_files *fs, struct hd_file *f);
/*
 * Register f's pages as a read-only region unless they are: true when
 * they are; false when they cannot be (too large, the pin budget, a file
 * system the kernel does not pin): then send it another way.
 */
bool hd_file_pin(struct hd_files *fs, struct hd_file *f);

/* ---- server.c and conn.c: connections on one zcnet context ---- */

struct hd_opts {
	const char *root;
	const char *listen;
	bool sendfile;			/* no zcnet: send(2) and sendfile(2) */
	bool json;
	bool quiet;
	uint32_t max_conns;
	double timeout;			/* seconds without progress */
	int64_t copy_threshold;		/* -1: the module's */
	uint64_t max_pinned;
	uint32_t max_files;
	volatile sig_atomic_t *stop;
};

struct hd_stats {
	uint64_t accepted, closed, aborted, timeouts;
	uint64_t requests, status[6];	/* by class: 1xx..5xx */
	uint64_t body_bytes;		/* bodies sent in full */
	uint64_t descs, completions, copied, copied_bytes;
	uint64_t cancelled;		/* of connections that ended */
	uint64_t errors;		/* completions that failed otherwise */
	uint64_t out_of_order, bad_cookies;
	uint64_t classic;		/* responses by send(2)/sendfile(2) */
	uint64_t waits;			/* a response waited for ring room */
	uint64_t wakeups;		/* returns of epoll_wait with events */
	uint64_t inflight_at_exit;
};

int hd_serve(const struct hd_opts *o, struct hd_stats *st);

#endif
