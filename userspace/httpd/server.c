// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-httpd: the event loop, the listening socket and the zcnet context. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"
#include "stream.h"
#include "traffic.h"

#define EV_LISTEN	0
#define EV_CQ		1
#define EV_CONN		2	/* + connection index */
#define DRAIN_SECONDS	10	/* at exit, for the last completions */

char *hd_head_buf(struct hd_server *s, const struct hd_conn *c,
		  unsigned int head)
{
	return (char *)s->heads.addr +
	       ((size_t)c->idx * HD_HEADS + head) * HTTP_HEAD_MAX;
}

void hd_wait(struct hd_server *s, struct hd_conn *c)
{
	if (c->waiting)
		return;
	c->waiting = true;
	c->wait_next = NULL;
	if (s->wait_tail)
		s->wait_tail->wait_next = c;
	else
		s->wait_head = c;
	s->wait_tail = c;
}

void hd_need_cq(struct hd_server *s, struct hd_conn *c, bool on)
{
	if (c->needs_cq == on)
		return;
	c->needs_cq = on;
	if (on)
		s->need_cq++;
	else
		s->need_cq--;
}

/* The context's fd in the epoll set while anything waits for a completion. */
static void watch_cq(struct hd_server *s)
{
	bool on = s->need_cq || s->wait_head;
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.u64 = EV_CQ };

	if (s->cq_watched != on &&
	    !epoll_ctl(s->ep, EPOLL_CTL_MOD, zcnet_ctx_fd(s->ctx), &ev))
		s->cq_watched = on;
}

void hd_set_events(struct hd_server *s, struct hd_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events,
				  .data.u64 = EV_CONN + c->idx };

	if (c->dead || events == c->events)
		return;
	if (!epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = events;
}

static void listen_events(struct hd_server *s, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.u64 = EV_LISTEN };

	if (s->accepting != on && !epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lfd, &ev))
		s->accepting = on;
}

void hd_conn_free(struct hd_server *s, struct hd_conn *c)
{
	struct hd_conn **p;

	if (c->waiting) {	/* off the wait list */
		struct hd_conn *prev = NULL;

		for (p = &s->wait_head; *p != c; p = &(*p)->wait_next)
			prev = *p;
		*p = c->wait_next;
		if (s->wait_tail == c)
			s->wait_tail = prev;
	}
	hd_need_cq(s, c, false);
	s->conns[c->idx] = NULL;
	s->free_idx[s->nfree++] = c->idx;
	s->nconns--;
	free(c);
	listen_events(s, !*s->o->stop);
}

/*
 * Accept what waits. A slot detached a moment ago may be handed to the
 * next socket attached, so descriptors still on the TX ring that name it
 * must be kicked first: else a new client could get an old one's bytes.
 */
static void accept_all(struct hd_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct hd_conn *c;
	int fd;

	if (s->ctx && (hd_kick(s) || s->unkicked))
		return;		/* the loop comes back at once */
	while (s->nfree) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOMEM || errno == ENOBUFS) {
				/* no busy loop: the scan re-arms it */
				errmsg("accept: %s", strerror(errno));
				listen_events(s, false);
			}
			return;
		}
		c = hd_conn_new(s, fd);
		if (!c) {
			close(fd);
			listen_events(s, false);
			return;
		}
		c->idx = s->free_idx[--s->nfree];
		c->events = EPOLLIN;
		ev.data.u64 = EV_CONN + c->idx;
		s->conns[c->idx] = c;
		s->nconns++;
		s->st->accepted++;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev))
			hd_conn_abort(s, c);
	}
	listen_events(s, false);
}

/* Every completion in the ring, each to its connection. */
static void completions(struct hd_server *s)
{
	uint32_t idx, n, i, k, seq;
	struct hd_conn *c;

	n = zcnet_ring_peek(s->cq, UINT32_MAX, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_cq_entry e = *zcnet_ring_cq_entry(s->cq, idx + i);

		k = (uint32_t)(e.cookie >> 32);
		seq = (uint32_t)e.cookie;
		c = k < s->o->max_conns ? s->conns[k] : NULL;
		if (!c) {
			s->st->bad_cookies++;
			continue;
		}
		if (seq != c->done)
			s->st->out_of_order++;
		hd_conn_complete(s, c, &e);
	}
	zcnet_ring_release(s->cq, n);
}

/* The connections that waited for ring room or a file entry, once each. */
static void wake_waiters(struct hd_server *s)
{
	struct hd_conn *c, *list = s->wait_head;

	s->wait_head = s->wait_tail = NULL;
	while (list) {
		c = list;
		list = c->wait_next;
		c->waiting = false;
		hd_conn_advance(s, c);
	}
}

int hd_kick(struct hd_server *s)
{
	int ret;

	if (!s->unkicked)
		return 0;
	ret = zcnet_kick(s->ctx, 0);
	if (ret < 0) {
		errmsg("kick failed: %s", strerror(-ret));
		return ret;
	}
	s->unkicked -= (uint32_t)ret;
	return 0;
}

static void timeouts(struct hd_server *s)
{
	uint32_t i;

	listen_events(s, s->nfree && !*s->o->stop);
	for (i = 0; i < s->o->max_conns; i++) {
		struct hd_conn *c = s->conns[i];

		if (c && !c->dead && s->now - c->last > s->o->timeout) {
			s->st->timeouts++;
			hd_conn_abort(s, c);
		}
	}
}

static int setup_zcnet(struct hd_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_CQ };
	const struct hd_opts *o = s->o;
	uint32_t want = o->max_conns * 4;
	int err;

	err = zc_open(&s->ctx, ZCNET_FEAT_TX_SOCK | ZCNET_FEAT_REGION_READONLY,
		      "socket sends from file regions (try --sendfile)");
	if (err)
		return err;
	if (zcnet_ctx_info(s->ctx)->max_sockets < o->max_conns) {
		errmsg("this zcnet module takes %u sockets per context, not %u "
		       "(--max-conns)", zcnet_ctx_info(s->ctx)->max_sockets,
		       o->max_conns);
		return EXIT_USAGE;
	}
	for (s->ring = 64; s->ring < want && s->ring < ZCNET_RING_MAX_ENTRIES;)
		s->ring <<= 1;
	if (zc_rings(s->ctx, s->ring, 0))
		return EXIT_FAILED;
	s->tx = zcnet_tx_ring(s->ctx);
	s->cq = zcnet_cq_ring(s->ctx);
	if (o->copy_threshold >= 0 &&
	    zc_param(s->ctx, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
		     (uint64_t)o->copy_threshold, "the copy threshold"))
		return EXIT_FAILED;
	if (zc_region(s->ctx, (size_t)o->max_conns * HD_HEADS * HTTP_HEAD_MAX,
		      &s->heads, &s->heads_region))
		return EXIT_FAILED;
	/*
	 * The context's own fd in the epoll set, not an eventfd: it is ready
	 * while completions wait in the ring, so a loop that has just taken
	 * them all is not woken for them again, and has nothing to read.
	 */
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, zcnet_ctx_fd(s->ctx), &ev))
		return EXIT_FAILED;
	s->cq_watched = true;
	return 0;
}

static int setup(struct hd_server *s)
{
	const struct hd_opts *o = s->o;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_LISTEN };
	struct sockaddr_storage ss;
	char where[80];
	socklen_t len;
	uint32_t i;
	int one = 1, err;

	/* bad arguments and a missing root before any socket or context */
	if (!parse_hostport(o->listen, &ss, &len))
		usage_error("bad listen address '%s'", o->listen);
	err = hd_files_init(&s->files, o->root, o->max_files, o->max_pinned);
	if (err) {
		errmsg("cannot serve %s: %s", o->root, err == -ENOSYS ?
		       "no openat2(2) to keep paths below it (Linux 5.6)" :
		       strerror(-err));
		return EXIT_FAILED;
	}
	s->conns = calloc(o->max_conns, sizeof(*s->conns));
	s->free_idx = calloc(o->max_conns, sizeof(*s->free_idx));
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!s->conns || !s->free_idx || s->ep < 0)
		return EXIT_FAILED;
	for (i = 0; i < o->max_conns; i++)
		s->free_idx[i] = o->max_conns - 1 - i;
	s->nfree = o->max_conns;
	if (!o->sendfile) {
		err = setup_zcnet(s);
		if (err)
			return err;
		hd_files_use(&s->files, s->ctx);
	} else if (zcnet_mem_alloc(&s->heads, (size_t)o->max_conns *
				   HD_HEADS * HTTP_HEAD_MAX, 0)) {
		return EXIT_FAILED;
	}
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (s->lfd < 0 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->lfd, (struct sockaddr *)&ss, len) ||
	    listen(s->lfd, (int)(o->max_conns < 4096 ? 4096 : o->max_conns))) {
		format_hostport(&ss, where, sizeof(where));
		errmsg("cannot listen on %s: %s", where, strerror(errno));
		return EXIT_FAILED;
	}
	len = sizeof(ss);
	getsockname(s->lfd, (struct sockaddr *)&ss, &len);
	format_hostport(&ss, where, sizeof(where));
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev))
		return EXIT_FAILED;
	s->accepting = true;
	printf("zcnet-httpd: listening on %s, serving %s with %s\n", where,
	       o->root, o->sendfile ? "sendfile" : "zcnet");
	fflush(stdout);
	return 0;
}

static int loop(struct hd_server *s)
{
	struct epoll_event evs[256];
	double next_scan = 0;
	int n, i, err;

	while (!*s->o->stop) {
		n = epoll_wait(s->ep, evs, 256, s->unkicked ? 0 : 500);
		if (n < 0 && errno != EINTR) {
			errmsg("epoll_wait: %s", strerror(errno));
			return EXIT_FAILED;
		}
		if (n > 0)
			s->st->wakeups++;
		s->now = now_seconds();
		for (i = 0; i < n; i++) {
			uint64_t what = evs[i].data.u64;
			struct hd_conn *c;

			if (what == EV_LISTEN) {
				accept_all(s);
			} else if (what == EV_CQ) {
				continue;	/* taken below */
			} else {
				c = s->conns[what - EV_CONN];
				if (!c || c->dead)
					continue;
				if (evs[i].events & (EPOLLIN | EPOLLERR |
						     EPOLLHUP))
					hd_conn_input(s, c);
				else
					hd_conn_advance(s, c);
			}
		}
		if (s->ctx) {
			completions(s);
			wake_waiters(s);
			err = hd_kick(s);
			if (err)
				return EXIT_FAILED;
			/* copied ones complete in the kick: no wakeup for them */
			completions(s);
			watch_cq(s);
		} else {
			wake_waiters(s);
		}
		if (s->now >= next_scan) {
			timeouts(s);
			next_scan = s->now + 1;
		}
	}
	return 0;
}

/* End every connection and collect the completions still due. */
static void drain(struct hd_server *s)
{
	double end = now_seconds() + DRAIN_SECONDS;
	uint32_t i;

	for (i = 0; i < s->o->max_conns; i++)
		if (s->conns[i] && !s->conns[i]->dead)
			hd_conn_abort(s, s->conns[i]);
	while (s->ctx && s->inflight && now_seconds() < end) {
		if (hd_kick(s))
			break;
		zcnet_wait(s->ctx, POLLIN, 100);
		completions(s);
	}
	s->st->inflight_at_exit = s->inflight;
}

int hd_serve(const struct hd_opts *o, struct hd_stats *st)
{
	struct hd_server s = { .o = o, .st = st, .ep = -1, .lfd = -1,
			       .files.root = -1 };
	int rc;

	signal(SIGPIPE, SIG_IGN);
	rc = setup(&s);
	if (!rc)
		rc = loop(&s);
	if (s.conns)
		drain(&s);
	if (s.files.f)
		hd_files_fini(&s.files);
	if (s.lfd >= 0)
		close(s.lfd);
	if (s.ep >= 0)
		close(s.ep);
	zcnet_close(s.ctx);
	zcnet_mem_free(&s.heads);
	free(s.conns);
	free(s.free_idx);
	return rc;
}
