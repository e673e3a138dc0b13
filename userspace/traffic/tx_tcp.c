// SPDX-License-Identifier: GPL-2.0-only
/* Plain TCP senders of zcnet-bench: send() and sendfile(); connections. */
/*
 * A run ends when the sink has read everything: the sender shuts down
 * writing and reads the 8-byte count the sink sends back on every
 * connection, so every method pays for the whole transfer. sendfile():
 * chunks of -s bytes from a file of whole chunks written once into the
 * page cache (tmpfs where there is one), sent round and round. The
 * MSG_ZEROCOPY sender is in tx_zerocopy.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "traffic.h"

#define FILE_BYTES	(16u << 20)	/* the sendfile() file, at least 4 chunks */

int tcp_connect(const struct tr_opts *o)
{
	struct sockaddr_in sin;
	int fd, i;

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
		sock_fixed_sndbuf(fd);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return fd;
		close(fd);
		usleep(100000);
	}
	errmsg("connect to %s:%u: %s", o->peer, o->port, strerror(errno));
	return -1;
}

int tcp_connect_all(const struct tr_opts *o, int *fds, uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n; k++) {
		fds[k] = tcp_connect(o);
		if (fds[k] < 0) {
			errmsg("connection %u of %u failed", k + 1, n);
			while (k--) {
				close(fds[k]);
				fds[k] = -1;
			}
			return -1;
		}
	}
	return 0;
}

int tcp_finish_all(int *fds, uint32_t n, struct tr_result *r)
{
	uint64_t count, total = 0;
	uint32_t k, missing = 0;
	size_t got;
	ssize_t len;

	for (k = 0; k < n; k++) {
		if (shutdown(fds[k], SHUT_WR))
			errmsg("shutdown: %s", strerror(errno));
		tr_sys(r, 1);
	}
	for (k = 0; k < n; k++) {
		for (got = 0, count = 0; got < sizeof(count); got += (size_t)len) {
			len = recv(fds[k], (char *)&count + got,
				   sizeof(count) - got, 0);
			tr_sys(r, 1);
			if (len < 0 && errno == EAGAIN) {	/* non-blocking */
				poll(&(struct pollfd){ .fd = fds[k],
						       .events = POLLIN },
				     1, 10000);
				tr_sys(r, 1);
				len = 0;
				continue;
			}
			if (len <= 0)
				break;
		}
		missing += got != sizeof(count);
		total += count;
		close(fds[k]);
		tr_sys(r, 1);
		fds[k] = -1;
	}
	tr_end(r);
	if (missing) {
		errmsg("the sink sent no byte count on %u of %u connections",
		       missing, n);
		return -1;
	}
	r->peer_bytes = total - r->pre_bytes;
	r->peer_known = true;
	return 0;
}

int tcp_finish(int *fd, struct tr_result *r)
{
	return tcp_finish_all(fd, 1, r);
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
