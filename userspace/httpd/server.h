/* SPDX-License-Identifier: GPL-2.0-only */
/* zcnet-httpd: the server and its connections, between conn.c and server.c. */
#ifndef ZCNET_HTTPD_SERVER_H
#define ZCNET_HTTPD_SERVER_H

#include "libzcnet.h"
#include "httpd.h"

#define HD_IN_SIZE	8192		/* a request head at most */
#define HD_CONN_DESCS	8		/* descriptors in flight per connection */
#define HD_HEADS	2		/* head buffers per connection */
#define HD_CHUNK	(1U << 30)	/* body bytes per descriptor at most */

enum hd_desc_kind { HD_DESC_HEAD, HD_DESC_BODY };

/* A descriptor in flight, in its connection's ring order. */
struct hd_desc {
	enum hd_desc_kind kind;
	unsigned int head;		/* HD_DESC_HEAD: its buffer */
	struct hd_file *file;		/* HD_DESC_BODY: held until done */
	uint32_t len;
};

/* The response a connection is posting (zcnet) or writing (classic). */
struct hd_resp {
	bool active;
	bool classic;			/* send(2) and sendfile(2) */
	bool head_done;			/* posted, or written in full */
	bool close;			/* the connection ends after it */
	unsigned int head;		/* its head buffer */
	size_t head_len, head_sent;
	struct hd_file *file;		/* body source, or NULL */
	uint64_t off, end;		/* body bytes still to go */
};

struct hd_conn {
	uint32_t idx;			/* in the server's table and cookies */
	int fd;
	uint32_t slot;
	bool attached;			/* a zcnet socket slot */
	bool eof;			/* the peer sends no more */
	bool closing;			/* no more requests; ends when idle */
	bool dead;			/* fd closed: waits for completions */
	bool waiting;			/* on the server's wait list */
	bool needs_cq;			/* stuck until a completion of its own */
	uint32_t events;		/* epoll mask in force */
	double last;			/* last progress */
	size_t in_len;
	struct hd_resp r;
	uint32_t posted, done;		/* descriptor seqs */
	struct hd_desc q[HD_CONN_DESCS];
	bool head_busy[HD_HEADS];
	struct hd_conn *wait_next;
	char in[HD_IN_SIZE];
};

struct hd_server {
	const struct hd_opts *o;
	struct hd_stats *st;
	int ep, lfd;
	bool accepting;
	struct zcnet_ctx *ctx;		/* NULL with --sendfile */
	struct zcnet_ring *tx, *cq;
	uint32_t ring, inflight, unkicked;
	struct zcnet_mem heads;
	uint32_t heads_region;
	struct hd_files files;
	struct hd_conn **conns;
	uint32_t nconns, *free_idx, nfree;
	struct hd_conn *wait_head, *wait_tail;
	uint32_t need_cq;		/* connections with needs_cq */
	bool cq_watched;		/* the context's fd in the epoll mask */
	double now;
};

/* conn.c */
struct hd_conn *hd_conn_new(struct hd_server *s, int fd);
void hd_conn_input(struct hd_server *s, struct hd_conn *c);
/* Start or continue responses as far as the connection can. */
void hd_conn_advance(struct hd_server *s, struct hd_conn *c);
void hd_conn_complete(struct hd_server *s, struct hd_conn *c,
		      const struct zcnet_cq_entry *e);
void hd_conn_abort(struct hd_server *s, struct hd_conn *c);

/* server.c */
char *hd_head_buf(struct hd_server *s, const struct hd_conn *c,
		  unsigned int head);
void hd_wait(struct hd_server *s, struct hd_conn *c);
/* Whether c cannot go on until one of its descriptors completes. */
void hd_need_cq(struct hd_server *s, struct hd_conn *c, bool on);
void hd_conn_free(struct hd_server *s, struct hd_conn *c);
void hd_set_events(struct hd_server *s, struct hd_conn *c, uint32_t events);
/* Let the kernel take the descriptors posted so far; 0 or -errno. */
int hd_kick(struct hd_server *s);

#endif
