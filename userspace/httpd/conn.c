// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-httpd: one connection, from its requests to its responses' completions. */
/*
 * How a response goes out through zcnet socket mode:
 *
 * The connection's socket is attached to the server's one zcnet context at
 * accept. A response is one descriptor for its head, from a buffer of the
 * connection's in a small registered region, and one per GiB of its body,
 * from the file's read-only region: the page cache goes to the socket, and
 * nothing is read into this process. The head carries ZCNET_TX_MORE when a
 * body follows, so that TCP fills its segments across both. Descriptors of
 * one slot form one byte stream in ring order, and their completions come
 * back in the same order, so a connection keeps what each of its
 * descriptors holds in a small ring (q, seq posted % HD_CONN_DESCS) and the
 * cookie is its index and seq: a completion for no connection is counted
 * and dropped, one out of its connection's order is counted (the exit
 * status says so), and the connection's next entry is taken as done.
 *
 * A slot is detached when its connection ends, and the kernel may give
 * the number to the next socket attached. Descriptors still on the ring
 * name the slot, not the socket, so they are kicked before the detach,
 * and no socket is attached while any wait to be kicked.
 *
 * Flow control: a connection has at most HD_CONN_DESCS descriptors in
 * flight and the server at most its ring's entries, so the completion ring
 * never overflows. A connection that finds no room waits on the server's
 * list and is taken up as completions free room. A socket whose peer does
 * not read holds only its own descriptors: the kernel resumes it when it
 * has room, and the others go on. A head buffer is reused only after its
 * completion; the next request of a keep-alive connection may start while
 * the previous body is still in flight (the stream keeps them in order).
 *
 * A completion is the moment the buffer is free. For TCP that is when the
 * peer acknowledged the data (or the connection was reset), so a file
 * region is unregistered only when every descriptor naming it has
 * completed. ZCNET_CQE_COPIED only reports that the stack copied the
 * bytes after all (a route without scatter-gather or checksum offload,
 * local delivery, or a write below the context's copy threshold): the
 * buffer is free all the same, so the server counts it and goes on. The
 * server sets that threshold to 0 unless told otherwise: a file's pages
 * are pinned while it is cached, and a head and its body sent one after
 * the other share one notification, so a small body goes by reference as
 * sendfile(2) sends it. A failed completion ends the connection: later
 * descriptors of its slot fail too.
 *
 * Completions are watched (the context's fd in the epoll set) only while
 * a connection cannot go on without one of its own (no head buffer, its
 * descriptors all in flight, a closing or dead connection waiting for its
 * last) or waits for ring room or a file. Otherwise they are taken when
 * the loop wakes anyway: a keep-alive client's next request comes with
 * the acknowledgement that completed the previous response, so serving it
 * costs one wakeup, as with sendfile(2). At worst they wait for the
 * loop's timeout.
 *
 * Without zcnet (--sendfile, or a socket or file zcnet cannot take) a
 * response is the head by send(2) and the body by sendfile(2), after the
 * connection's zcnet descriptors, if any, have completed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

struct hd_conn *hd_conn_new(struct hd_server *s, int fd)
{
	struct hd_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->fd = fd;
	c->last = s->now;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->ctx && !zcnet_sock_attach(s->ctx, fd, &c->slot))
		c->attached = true;
	return c;
}

static void resp_end(struct hd_server *s, struct hd_conn *c)
{
	if (c->r.file)
		hd_file_put(&s->files, c->r.file);
	c->r.file = NULL;
	c->r.active = false;
	if (c->r.close)
		c->closing = true;
}

/* End it now: queued descriptors complete as cancelled; freed when done. */
static void kill_conn(struct hd_server *s, struct hd_conn *c)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	if (c->dead)
		return;
	/* its descriptors on the ring go to its own socket (see accept_all) */
	if (c->attached && s->unkicked)
		hd_kick(s);
	if (c->attached)
		zcnet_sock_detach(s->ctx, c->slot);
	c->attached = false;
	/* a reset: what the peer did not take completes now, not in minutes */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->r.active) {
		c->r.close = false;
		resp_end(s, c);
	}
	s->st->aborted++;
}

/* A dead connection is freed once its last descriptor has completed. */
static void conn_reap(struct hd_server *s, struct hd_conn *c)
{
	if (c->posted == c->done)
		hd_conn_free(s, c);
	else
		hd_need_cq(s, c, true);
}

void hd_conn_abort(struct hd_server *s, struct hd_conn *c)
{
	kill_conn(s, c);
	conn_reap(s, c);
}

/* Idle and done: close it (its data was acknowledged or written). */
static void conn_close(struct hd_server *s, struct hd_conn *c)
{
	if (c->attached)
		zcnet_sock_detach(s->ctx, c->slot);
	c->attached = false;
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	s->st->closed++;
	hd_conn_free(s, c);
}

/* Post the head and body descriptors that fit; true when all are posted. */
static bool post(struct hd_server *s, struct hd_conn *c)
{
	struct hd_resp *r = &c->r;

	while (!r->head_done || r->off < r->end) {
		struct zcnet_tx_desc *d;
		struct hd_desc *q;
		uint32_t idx;

		if (c->posted - c->done == HD_CONN_DESCS)
			return false;	/* a completion of its own resumes it */
		if (s->inflight == s->ring ||
		    zcnet_ring_reserve(s->tx, 1, &idx) != 1) {
			s->st->waits++;
			hd_wait(s, c);
			return false;
		}
		d = zcnet_ring_tx_desc(s->tx, idx);
		q = &c->q[c->posted % HD_CONN_DESCS];
		memset(d, 0, sizeof(*d));
		d->flags = ZCNET_TX_SOCK;
		d->sock = (uint16_t)c->slot;
		d->cookie = (uint64_t)c->idx << 32 | c->posted;
		if (!r->head_done) {
			d->region = (uint16_t)s->heads_region;
			d->offset = (uint64_t)(hd_head_buf(s, c, r->head) -
					       (char *)s->heads.addr);
			d->len = (uint32_t)r->head_len;
			if (r->off < r->end)
				d->flags |= ZCNET_TX_MORE;
			q->kind = HD_DESC_HEAD;
			q->head = r->head;
			q->file = NULL;
			r->head_done = true;
		} else {
			uint64_t n = r->end - r->off;

			if (n > HD_CHUNK)
				n = HD_CHUNK;
			d->region = (uint16_t)r->file->region;
			d->offset = r->off;
			d->len = (uint32_t)n;
			q->kind = HD_DESC_BODY;
			q->file = r->file;
			r->file->refs++;
			r->off += n;
		}
		q->len = d->len;
		zcnet_ring_submit(s->tx, 1);
		c->posted++;
		s->inflight++;
		s->unkicked++;
		s->st->descs++;
	}
	return true;
}

/* Write what the socket takes; true when the response is out. */
static bool write_classic(struct hd_server *s, struct hd_conn *c)
{
	struct hd_resp *r = &c->r;
	ssize_t n;

	if (c->posted != c->done)
		return false;		/* its zcnet bytes go first */
	while (r->head_sent < r->head_len) {
		n = send(c->fd, hd_head_buf(s, c, r->head) + r->head_sent,
			 r->head_len - r->head_sent, MSG_NOSIGNAL |
			 MSG_DONTWAIT | (r->off < r->end ? MSG_MORE : 0));
		if (n < 0)
			goto failed;
		r->head_sent += (size_t)n;
		c->last = s->now;
	}
	while (r->off < r->end) {
		off_t off = (off_t)r->off;
		uint64_t want = r->end - r->off;

		n = sendfile(c->fd, r->file->fd, &off,
			     want > HD_CHUNK ? HD_CHUNK : want);
		if (n < 0)
			goto failed;
		if (!n) {		/* the file shrank under us */
			kill_conn(s, c);
			return false;
		}
		r->off += (uint64_t)n;
		s->st->body_bytes += (uint64_t)n;
		c->last = s->now;
	}
	hd_set_events(s, c, c->events & ~(uint32_t)EPOLLOUT);
	return true;
failed:
	if (errno == EAGAIN || errno == EINTR) {
		hd_set_events(s, c, c->events | EPOLLOUT);
		return false;
	}
	kill_conn(s, c);
	return false;
}

static int free_head(const struct hd_conn *c)
{
	unsigned int i;

	for (i = 0; i < HD_HEADS; i++)
		if (!c->head_busy[i])
			return (int)i;
	return -1;
}

/*
 * Begin the response to the request at the start of the input; false
 * when it must wait (no head buffer, no file entry), the request kept.
 */
static bool start(struct hd_server *s, struct hd_conn *c,
		  const struct http_req *req, size_t took)
{
	struct http_head h = { .status = req->status };
	struct hd_resp *r = &c->r;
	char path[HTTP_PATH_MAX + 16];
	struct hd_file *f = NULL;
	uint64_t first = 0, len = 0;
	int head = free_head(c), err;

	if (head < 0)
		return false;
	if (!h.status && req->method == HTTP_OTHER)
		h.status = 405;
	if (!h.status) {
		snprintf(path, sizeof(path), "%s%s", req->path + 1,
			 req->path[strlen(req->path) - 1] == '/' ?
			 "index.html" : "");
		err = hd_file_get(&s->files, path, &f);
		if (err == -EAGAIN) {
			hd_wait(s, c);
			return false;
		}
		h.status = err == -ENOENT || err == -ENAMETOOLONG ? 404 :
			   err == -EMFILE || err == -ENFILE ? 503 :
			   err ? 500 : 0;
	}
	if (f) {
		h.status = http_range(req, f->size, &first, &len);
		h.length = len;
		h.first = first;
		h.size = f->size;
		h.type = http_type(path);
	}
	h.close = !req->keep_alive || h.status >= 500 || req->status;
	h.keep_alive = req->http10;
	h.head_only = req->method == HTTP_HEAD;
	memset(r, 0, sizeof(*r));
	r->head = (unsigned int)head;
	r->head_len = http_format(&h, hd_head_buf(s, c, r->head),
				  HTTP_HEAD_MAX);
	r->close = h.close;
	if (f && h.status < 300 && !h.head_only && len) {
		r->file = f;
		r->off = first;
		r->end = first + len;
	} else if (f) {
		hd_file_put(&s->files, f);
	}
	r->classic = !c->attached || (r->file && !hd_file_pin(&s->files,
							      r->file));
	if (r->classic)
		s->st->classic++;
	else
		c->head_busy[head] = true;
	r->active = true;
	s->st->requests++;
	s->st->status[h.status / 100 < 6 ? h.status / 100 : 0]++;
	memmove(c->in, c->in + took, c->in_len - took);
	c->in_len -= took;
	return true;
}

void hd_conn_advance(struct hd_server *s, struct hd_conn *c)
{
	struct http_req req;
	bool stuck = false;
	ssize_t took;
	uint32_t ev;

	while (!c->dead) {
		if (c->r.active) {
			stuck = !(c->r.classic ? write_classic(s, c) :
				  post(s, c));
			if (stuck)
				break;
			resp_end(s, c);
			continue;
		}
		if (c->closing || c->waiting)
			break;
		took = http_parse(c->in, c->in_len, HD_IN_SIZE, &req);
		if (!took) {
			if (c->eof)
				c->closing = true;
			break;
		}
		stuck = !start(s, c, &req, took < 0 ? c->in_len : (size_t)took);
		if (stuck)
			break;
	}
	if (c->dead) {
		conn_reap(s, c);
		return;
	}
	hd_need_cq(s, c, c->posted != c->done && (stuck || c->closing));
	if (c->closing && !c->r.active && c->posted == c->done) {
		conn_close(s, c);
		return;
	}
	ev = c->events & EPOLLOUT;
	if (!c->eof && !c->closing && c->in_len < HD_IN_SIZE)
		ev |= EPOLLIN;
	hd_set_events(s, c, ev);
}

void hd_conn_input(struct hd_server *s, struct hd_conn *c)
{
	ssize_t n;

	while (!c->eof && c->in_len < HD_IN_SIZE) {
		n = recv(c->fd, c->in + c->in_len, HD_IN_SIZE - c->in_len,
			 MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += (size_t)n;
			c->last = s->now;
		} else if (!n) {
			c->eof = true;
		} else if (errno == EAGAIN || errno == EINTR) {
			break;
		} else {
			kill_conn(s, c);
			break;
		}
	}
	hd_conn_advance(s, c);
}

void hd_conn_complete(struct hd_server *s, struct hd_conn *c,
		      const struct zcnet_cq_entry *e)
{
	struct hd_desc *q = &c->q[c->done % HD_CONN_DESCS];
	struct hd_stats *st = s->st;

	c->done++;
	s->inflight--;
	st->completions++;
	c->last = s->now;
	if (q->kind == HD_DESC_HEAD)
		c->head_busy[q->head] = false;
	if (e->result > 0 && (e->flags & ZCNET_CQE_COPIED)) {
		st->copied++;
		st->copied_bytes += (uint64_t)e->result;
	}
	if (q->kind == HD_DESC_BODY) {
		if (e->result > 0)
			st->body_bytes += (uint64_t)e->result;
		hd_file_put(&s->files, q->file);
		q->file = NULL;
	}
	if (e->result < 0 || (uint32_t)e->result != q->len) {
		/* the peer went away, or the connection had ended */
		if (c->dead || e->result == -ECONNRESET ||
		    e->result == -EPIPE || e->result == -ECANCELED ||
		    e->result == -ETIMEDOUT)
			st->cancelled++;
		else
			st->errors++;
		kill_conn(s, c);
	}
	hd_conn_advance(s, c);
}
