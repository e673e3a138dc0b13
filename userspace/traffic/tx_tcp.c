// SPDX-License-Identifier: GPL-2.0-only
/* Plain TCP senders of zcnet-bench: send(), MSG_ZEROCOPY and sendfile(). */
/*
 * A run ends when the sink has read everything: the sender shuts down
 * writing and reads the 8-byte count the sink sends back, so every method
 * pays for the whole transfer. MSG_ZEROCOPY: each send that returns > 0
 * gets the next notification id; the error queue reports ranges of ids
 * done (SO_EE_CODE_ZEROCOPY_COPIED: copied). A buffer is reused, and its
 * latency taken, when the id of its last send is done. ENOBUFS (over the
 * optmem limit) means: reap first. The MSG_ZEROCOPY loop serves UDP too.
 * sendfile(): chunks of -s bytes from a file of whole chunks written once
 * into the page cache (tmpfs where there is one), sent round and round.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "traffic.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif
#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif

#define POOL_BYTES	(4u << 20)
#define FILE_BYTES	(16u << 20)	/* the sendfile() file, at least 4 chunks */

int tcp_connect(const struct tr_opts *o)
{
	struct sockaddr_in sin;
	int fd, i, sndbuf = 4 << 20;

	if (!o->peer)
		usage_error("--peer IPV4 is required for TCP");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->peer, &sin.sin_addr) != 1)
		usage_error("bad IPv4 address '%s'", o->peer);
	for (i = 0; i < 50; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		/* fixed, so that no method's buffer follows timing */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
			       sizeof(sndbuf)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				   sizeof(sndbuf));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return fd;
		close(fd);
		usleep(100000);
	}
	errmsg("connect to %s:%u: %s", o->peer, o->port, strerror(errno));
	return -1;
}

int tcp_finish(int *fd, struct tr_result *r)
{
	uint64_t count = 0;
	size_t got = 0;
	ssize_t n;

	if (shutdown(*fd, SHUT_WR))
		errmsg("shutdown: %s", strerror(errno));
	tr_sys(r, 1);
	while (got < sizeof(count)) {
		n = recv(*fd, (char *)&count + got, sizeof(count) - got, 0);
		tr_sys(r, 1);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(*fd);
	tr_sys(r, 1);
	*fd = -1;
	tr_end(r);
	if (got != sizeof(count)) {
		errmsg("the sink sent no byte count");
		return -1;
	}
	r->peer_bytes = count - r->pre_bytes;
	r->peer_known = true;
	return 0;
}

static uint32_t pool_count(const struct tr_opts *o)
{
	uint64_t n = POOL_BYTES / o->size;

	if (o->ring)
		return o->ring;
	return n < 4 ? 4 : n > 256 ? 256 : (uint32_t)n;
}

int tx_tcp_send(struct tr_opts *o, struct tr_result *r)
{
	char *buf = calloc(1, o->size);
	double ts, te;
	ssize_t n;
	int fd;

	fd = buf ? tcp_connect(o) : -1;
	if (fd < 0) {
		free(buf);
		return -1;
	}
	tr_begin(o, r);
	for (;;) {
		ts = now_seconds();
		if (tr_time_up(o, r, ts))
			break;
		n = send(fd, buf, o->size, MSG_NOSIGNAL);
		te = now_seconds();
		tr_sys(r, 1);
		r->completions++;
		if (n < 0) {
			errmsg("send: %s", strerror(errno));
			r->errors++;
			break;
		}
		r->bytes += (uint64_t)n;
		r->frames++;
		lat_add(&r->lat, ts, te);
	}
	n = tcp_finish(&fd, r);
	free(buf);
	return n ? -1 : 0;
}

/* Buffers in send order: buffer seq % count; notifications come in order. */
struct zc_pool {
	char *mem;
	uint32_t count;
	uint64_t head, tail;	/* sends and completions so far */
	uint32_t *last_id;	/* notification id of the buffer's last send */
	double *ts;
	uint32_t next_id;	/* the id the next send gets */
	uint32_t done_id;	/* ids below this are done */
};

/* Read the error queue; returns how many buffers it freed, -1 on error. */
static int zc_reap(int fd, struct zc_pool *p, struct tr_result *r)
{
	char control[128];
	struct msghdr msg = { .msg_control = control };
	struct sock_extended_err *ee;
	struct cmsghdr *cm;
	uint64_t tail = p->tail;

	for (;;) {
		msg.msg_controllen = sizeof(control);
		tr_sys(r, 1);
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			errmsg("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
			return -1;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (!(cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) &&
			    !(cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno) {
				r->errors++;
				continue;
			}
			r->completions += ee->ee_data - ee->ee_info + 1;
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				r->copied += ee->ee_data - ee->ee_info + 1;
			if ((int32_t)(ee->ee_data + 1 - p->done_id) > 0)
				p->done_id = ee->ee_data + 1;
		}
		for (double now = now_seconds(); p->tail < p->head &&
		     (int32_t)(p->last_id[p->tail % p->count] - p->done_id) < 0;
		     p->tail++)
			lat_add(&r->lat, p->ts[p->tail % p->count], now);
	}
	return (int)(p->tail - tail);
}

static void zc_wait(int fd, struct tr_result *r)
{
	poll(&(struct pollfd){ .fd = fd }, 1, 100);
	tr_sys(r, 1);
}

/* Send the next buffer whole; each call that sends bytes uses an id. */
static int zc_send(const struct tr_opts *o, int fd, struct zc_pool *p,
		   struct tr_result *r)
{
	uint32_t b = p->head % p->count;
	size_t off = 0;
	ssize_t n;

	p->ts[b] = now_seconds();
	while (off < o->size) {
		n = send(fd, p->mem + (size_t)b * o->size + off, o->size - off,
			 MSG_ZEROCOPY | MSG_NOSIGNAL);
		tr_sys(r, 1);
		if (n < 0 && errno == ENOBUFS) {
			if (zc_reap(fd, p, r) < 0)
				return -1;
			zc_wait(fd, r);
			continue;
		}
		if (n < 0) {
			errmsg("send(MSG_ZEROCOPY): %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
		p->next_id++;
	}
	p->last_id[b] = p->next_id - 1;
	p->head++;
	r->frames++;
	r->bytes += o->size;
	return 0;
}

int zerocopy_run(struct tr_opts *o, struct tr_result *r, int fd)
{
	struct zc_pool p = { .count = pool_count(o) };
	int one = 1, rc = -1, idle, got;
	size_t len = ((size_t)p.count * o->size + 4095) & ~(size_t)4095;

	p.mem = aligned_alloc(4096, len);
	p.last_id = calloc(p.count, sizeof(*p.last_id));
	p.ts = calloc(p.count, sizeof(*p.ts));
	if (!p.mem || !p.last_id || !p.ts)
		goto out;
	memset(p.mem, 0, len);
	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one))) {
		snprintf(r->unavailable, sizeof(r->unavailable),
			 "SO_ZEROCOPY: %s", strerror(errno));
		goto out;
	}
	tr_begin(o, r);
	while (!tr_time_up(o, r, now_seconds())) {
		if (zc_reap(fd, &p, r) < 0)
			goto out;
		if (p.head - p.tail == p.count)
			zc_wait(fd, r);
		else if (zc_send(o, fd, &p, r))
			goto out;
	}
	for (idle = 0; p.tail < p.head;) {
		got = zc_reap(fd, &p, r);
		if (got < 0)
			goto out;
		if (got) {
			idle = 0;
		} else if (++idle > 100) {
			errmsg("no zero-copy notification for 10 s");
			goto out;
		} else {
			zc_wait(fd, r);
		}
	}
	rc = 0;
out:
	free(p.mem);
	free(p.last_id);
	free(p.ts);
	return r->unavailable[0] ? 0 : rc;
}

int tx_tcp_zerocopy(struct tr_opts *o, struct tr_result *r)
{
	int fd = tcp_connect(o), rc = -1;

	if (fd >= 0 && !zerocopy_run(o, r, fd) && !r->unavailable[0])
		rc = tcp_finish(&fd, r);
	if (fd >= 0)
		close(fd);
	return r->unavailable[0] ? 0 : rc;
}

/* An unlinked file of len zero bytes, on tmpfs if possible; -1 reported. */
static int cache_file(uint64_t len)
{
	const char *dirs[] = { "/dev/shm", getenv("TMPDIR"), P_tmpdir };
	char path[4096], *buf;
	uint64_t off = 0;
	ssize_t n = 0;
	int fd = -1, err;

	for (size_t i = 0; fd < 0 && i < 3; i++) {
		if (!dirs[i])
			continue;
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		snprintf(path, sizeof(path), "%s/zcnet-bench.XXXXXX", dirs[i]);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0) {
		errmsg("no file for sendfile() in /dev/shm, $TMPDIR or %s: %s",
		       P_tmpdir, strerror(errno));
		return -1;
	}
	buf = calloc(1, 1 << 20);
	while (buf && off < len) {
		n = write(fd, buf, len - off < (1 << 20) ? len - off : 1 << 20);
		if (n <= 0)
			break;
		off += (uint64_t)n;
	}
	err = !buf ? ENOMEM : n < 0 ? errno : ENOSPC;
	free(buf);
	if (off < len) {
		errmsg("writing the %llu-byte file for sendfile(): %s",
		       (unsigned long long)len, strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

int tx_tcp_sendfile(struct tr_opts *o, struct tr_result *r)
{
	uint64_t chunks = FILE_BYTES / o->size < 4 ? 4 : FILE_BYTES / o->size;
	uint64_t left;
	off_t off;
	double ts;
	ssize_t n;
	int file, fd = -1, rc = -1;

	file = cache_file(chunks * o->size);
	if (file >= 0)
		fd = tcp_connect(o);
	if (fd < 0)
		goto out;
	tr_begin(o, r);
	for (;;) {
		ts = now_seconds();
		if (tr_time_up(o, r, ts))
			break;
		off = (off_t)((r->frames % chunks) * o->size);
		for (left = o->size; left; left -= (uint64_t)n) {
			n = sendfile(fd, file, &off, left);
			tr_sys(r, 1);
			r->completions++;
			if (n <= 0) {
				errmsg("sendfile: %s", n ? strerror(errno) :
				       "nothing sent");
				r->errors++;
				goto finish;
			}
			r->bytes += (uint64_t)n;
		}
		r->frames++;
		lat_add(&r->lat, ts, now_seconds());
	}
finish:
	rc = tcp_finish(&fd, r) || r->errors ? -1 : 0;
out:
	if (fd >= 0)
		close(fd);
	if (file >= 0)
		close(file);
	return rc;
}
