// SPDX-License-Identifier: GPL-2.0-only
/* get: the HTTP/1.1 keep-alive client of the benchmark's file-server case. */
/*
 * --conns connections to --peer --port each GET "/SIZE" (the file named
 * by its size, -s) over and over, one request at a time, reading and
 * discarding the body after checking the status (200) and Content-Length
 * (SIZE). With --until-eof the load starts at the first byte on standard
 * input and stops when it ends (remote's SIGUSR2 and SIGUSR1); otherwise
 * it runs for -t seconds. After the stop no connection asks again once
 * --min-bytes of bodies have been read, and every body under way is read
 * to its end, so that what was counted is what the server sent. One line
 * "get requests=N bytes=B ... status=ok|failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define GET_HEAD_MAX	4096
#define GET_BUF		(256 * 1024)

struct get_conn {
	int fd;
	bool busy;		/* a request is out, its response not read */
	bool in_body;
	size_t head_len;
	uint64_t body_left;
	char head[GET_HEAD_MAX];
};

struct get_run {
	const struct tr_opts *o;
	char req[128];
	size_t req_len;
	uint64_t requests, bytes, errors;
	const char *why;	/* the first error */
};

static int get_fail(struct get_run *g, struct get_conn *c, const char *why)
{
	g->errors++;
	if (!g->why)
		g->why = why;
	close(c->fd);
	c->fd = -1;
	c->busy = false;
	return -1;
}

static int get_ask(struct get_run *g, struct get_conn *c)
{
	if (send(c->fd, g->req, g->req_len, MSG_NOSIGNAL) != (ssize_t)g->req_len)
		return get_fail(g, c, "a request could not be sent");
	c->busy = true;
	c->in_body = false;
	c->head_len = 0;
	return 0;
}

/* The head in c->head is complete at end; check it, start the body. */
static int get_head(struct get_run *g, struct get_conn *c, size_t end)
{
	uint64_t len = UINT64_MAX;
	char *line, *save;

	c->head[end] = '\0';
	if (strncmp(c->head, "HTTP/1.1 200 ", 13))
		return get_fail(g, c, "a response was not 200");
	for (line = strtok_r(c->head, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!strncasecmp(line, "Content-Length:", 15) &&
		    !parse_u64(line + 15 + strspn(line + 15, " \t"), 0,
			       UINT64_MAX - 1, &len))
			return get_fail(g, c, "a bad Content-Length");
		if (!strncasecmp(line, "Connection:", 11) &&
		    strcasestr(line, "close"))
			return get_fail(g, c, "the server closes the connection");
	}
	if (len != g->o->size)
		return get_fail(g, c, "Content-Length is not the size asked for");
	c->in_body = true;
	c->body_left = len;
	return 0;
}

/* Read what has come; 1 when the response is complete, 0, or -1. */
static int get_read(struct get_run *g, struct get_conn *c, char *buf)
{
	ssize_t n;
	size_t got, take;
	char *end;

	for (;;) {
		n = recv(c->fd, buf, GET_BUF, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return get_fail(g, c, n ? "recv failed" :
					"the server closed a connection");
		got = (size_t)n;
		while (got) {
			if (c->in_body) {
				take = got < c->body_left ? got : c->body_left;
				c->body_left -= take;
				got -= take;
				memmove(buf, buf + take, got);
				if (!c->body_left) {
					if (got)
						return get_fail(g, c, "bytes past the body");
					c->busy = false;
					g->requests++;
					g->bytes += g->o->size;
					return 1;
				}
				continue;
			}
			take = GET_HEAD_MAX - 1 - c->head_len;
			take = got < take ? got : take;
			memcpy(c->head + c->head_len, buf, take);
			c->head_len += take;
			c->head[c->head_len] = '\0';
			end = strstr(c->head, "\r\n\r\n");
			if (!end) {
				if (c->head_len == GET_HEAD_MAX - 1)
					return get_fail(g, c, "a head too long");
				got -= take;
				memmove(buf, buf + take, got);
				continue;
			}
			/* the body's first bytes: past the head in buf */
			size_t used = (size_t)(end + 4 - c->head) -
				      (c->head_len - take);
			got -= used;
			memmove(buf, buf + used, got);
			if (get_head(g, c, (size_t)(end + 4 - c->head)))
				return -1;
			if (!c->body_left) {
				c->busy = false;
				g->requests++;
				return got ? get_fail(g, c, "bytes past the body") : 1;
			}
		}
	}
}

static int get_connect(const struct sockaddr_in *sin)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		close(fd);
		return -1;
	}
	return fd;
}

int bench_get(const struct tr_opts *o, uint64_t min_bytes)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)o->port) };
	struct get_run g = { .o = o };
	uint32_t n = o->conns ? o->conns : 1, i, open_conns;
	struct get_conn *c = calloc(n, sizeof(*c));
	struct pollfd *p = calloc(n + 1, sizeof(*p));
	volatile sig_atomic_t *stop = install_stop_signals();
	const char *stopped = "time";
	char *buf = malloc(GET_BUF), b;
	bool asking = true, told = false;
	double end = 0;
	int rc = 0;

	if (!c || !p || !buf)
		return EXIT_FAILED;
	if (!o->peer || inet_pton(AF_INET, o->peer, &sin.sin_addr) != 1)
		usage_error("--peer IPV4 is required: the server");
	if (!o->size)
		usage_error("-s SIZE is required: the file /SIZE is fetched");
	g.req_len = (size_t)snprintf(g.req, sizeof(g.req), "GET /%llu HTTP/1.1"
				     "\r\nHost: %s\r\n\r\n",
				     (unsigned long long)o->size, o->peer);
	for (i = 0; i < n; i++) {
		c[i].fd = get_connect(&sin);
		if (c[i].fd < 0) {
			errmsg("get: cannot connect to %s:%u: %s", o->peer,
			       o->port, strerror(errno));
			return EXIT_FAILED;
		}
	}
	fprintf(stderr, "zcnet-bench: get ready\n");
	if (o->until_eof) {
		ssize_t r;

		while ((r = read(STDIN_FILENO, &b, 1)) < 0 && errno == EINTR &&
		       !*stop)
			;
		if (r <= 0 || *stop) {
			asking = told = false;
			stopped = *stop ? "signal" : "eof";
		}
	} else {
		end = now_seconds() + o->seconds;
	}
	for (i = 0; i < n && asking; i++)
		get_ask(&g, &c[i]);
	for (;;) {
		open_conns = 0;
		for (i = 0; i < n; i++) {
			p[i].fd = c[i].busy ? c[i].fd : -1;
			p[i].events = POLLIN;
			open_conns += c[i].busy;
		}
		if (!open_conns)
			break;
		p[n].fd = o->until_eof && !told ? STDIN_FILENO : -1;
		p[n].events = POLLIN;
		if (poll(p, n + 1, o->until_eof ? -1 : 100) < 0 &&
		    errno != EINTR) {
			g.why = "poll failed";
			break;
		}
		if (*stop) {
			stopped = "signal";
			rc = -1;
			break;
		}
		if (asking && !told && !o->until_eof && now_seconds() >= end)
			told = true;
		if (p[n].revents && read(STDIN_FILENO, &b, 1) <= 0) {
			told = true;
			stopped = "eof";
		}
		if (told && g.bytes >= min_bytes)
			asking = false;
		for (i = 0; i < n; i++)
			if (p[i].revents && get_read(&g, &c[i], buf) == 1 &&
			    asking && (!told || g.bytes < min_bytes))
				get_ask(&g, &c[i]);
	}
	for (i = 0; i < n; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	if (g.errors || g.why)
		rc = -1;
	printf("get requests=%llu bytes=%llu conns=%u errors=%llu stopped=%s "
	       "status=%s%s%s%s\n", (unsigned long long)g.requests,
	       (unsigned long long)g.bytes, n, (unsigned long long)g.errors,
	       stopped, rc ? "failed" : "ok", g.why ? " reason=\"" : "",
	       g.why ? g.why : "", g.why ? "\"" : "");
	free(buf);
	free(p);
	free(c);
	return rc ? EXIT_FAILED : 0;
}
