// SPDX-License-Identifier: GPL-2.0-only
/* The sinks of zcnet-bench: raw frames, TCP connections, UDP datagrams. */
/*
 * They count and do not verify (the senders of zcnet-bench send zeros).
 * Each prints one line "sink key=value ..." at its end, and a line on
 * stderr once it is ready. The raw sink publishes its progress for the
 * senders' window; the TCP sink answers each connection's end with its
 * byte count, which the sender checks against what it sent.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "traffic.h"

#define SINK_BUF	(256U << 10)

#define SINK_BATCH	64
#define SINK_SNAP	64
#define SINK_FIRST_S	60.0

static int sink_raw_socket(const struct tr_opts *o)
{
	struct timeval tv = { 0, 100000 };
	int fd, rcvbuf = 8 << 20;
	struct iface ifc;

	if (!o->iface)
		usage_error("-i IFACE is required");
	if (iface_lookup(o->iface, &ifc)) {
		errmsg("no interface %s", o->iface);
		return -1;
	}
	fd = afp_socket();
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return afp_bind(fd, &ifc, ZCNET_FRAME_ETHERTYPE);
}

/* One recvmmsg() of up to SINK_BATCH: the count, 0 for none, -1 (said). */
static int sink_batch(int fd, uint8_t (*bufs)[SINK_SNAP],
		      struct mmsghdr *msgs, struct iovec *iov)
{
	int i, got;

	for (i = 0; i < SINK_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SINK_SNAP;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	got = recvmmsg(fd, msgs, SINK_BATCH, MSG_TRUNC | MSG_WAITFORONE, NULL);
	if (got < 0 && errno != EAGAIN && errno != EINTR) {
		errmsg("recvmmsg: %s", strerror(errno));
		return -1;
	}
	return got < 0 ? 0 : got;
}

bool stdin_ended(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	return poll(&p, 1, 0) == 1 && read(STDIN_FILENO, &c, 1) <= 0;
}

int sink_bench_raw(const struct tr_opts *o, uint32_t streams, double idle)
{
	static uint8_t bufs[SINK_BATCH][SINK_SNAP];
	struct {
		uint64_t frames, bytes, next;
		struct progress progress;
	} st[BENCH_MAX_STREAMS];
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	volatile sig_atomic_t *stop;
	uint64_t seq, n, bad = 0, other = 0, total = 0;
	const char *why = "error";
	double start, last = 0, now;
	uint32_t magic;
	char path[512];
	uint32_t k, s;
	int fd, got, i;

	memset(st, 0, sizeof(st));
	fd = sink_raw_socket(o);
	if (fd < 0)
		return -1;
	for (k = 0; k < streams && o->progress; k++) {
		snprintf(path, sizeof(path), "%s.%u", o->progress, k);
		if (progress_create(path, &st[k].progress))
			return -1;
	}
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		got = sink_batch(fd, bufs, msgs, iov);
		now = now_seconds();
		if (got < 0)
			break;
		if (!got) {
			if (o->until_eof ? stdin_ended() : total ?
			    now - last >= idle : now - start >= SINK_FIRST_S) {
				why = o->until_eof ? "eof" : "idle";
				break;
			}
			continue;
		}
		last = now;
		for (i = 0; i < got; i++) {
			memcpy(&magic, bufs[i] + ZCNET_FRAME_OFF_MAGIC, 4);
			memcpy(&seq, bufs[i] + ZCNET_FRAME_OFF_SEQ, sizeof(seq));
			seq = be64toh(seq);
			s = (uint32_t)(seq >> BENCH_STREAM_SHIFT);
			n = seq & ((UINT64_C(1) << BENCH_STREAM_SHIFT) - 1);
			if (msgs[i].msg_len < ZCNET_FRAME_PAYLOAD_OFF ||
			    ntohl(magic) != ZCNET_FRAME_MAGIC || s >= streams) {
				other++;
				continue;
			}
			total++;
			st[s].frames++;
			st[s].bytes += msgs[i].msg_len;
			if (msgs[i].msg_len != o->size)
				bad++;
			if (n + 1 > st[s].next)
				st[s].next = n + 1;
		}
		for (k = 0; k < streams && o->progress; k++)
			progress_store(&st[k].progress, st[k].next);
	}
	printf("sink frames=%llu bad_len=%llu other=%llu stopped=%s",
	       (unsigned long long)total, (unsigned long long)bad,
	       (unsigned long long)other, *stop ? "signal" : why);
	for (k = 0; k < streams; k++)
		printf(" frames%u=%llu bytes%u=%llu", k,
		       (unsigned long long)st[k].frames, k,
		       (unsigned long long)st[k].bytes);
	printf("\n");
	for (k = 0; k < streams && o->progress; k++)
		progress_close(&st[k].progress);
	close(fd);
	return 0;
}

/* Accept what waits on the listener l; false on an error (reported). */
static bool sink_accept(int l, int ep, uint64_t *accepted, uint32_t want,
			uint32_t *open)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int c;

	for (;;) {
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			return errno == EAGAIN || errno == EINTR ||
			       errno == ECONNABORTED;
		if (*accepted >= want) {	/* not one of ours */
			close(c);
			continue;
		}
		ev.data.u64 = (uint64_t)(uint32_t)c << 32 | *accepted;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev)) {
			errmsg("epoll_ctl: %s", strerror(errno));
			close(c);
			return false;
		}
		++*accepted;
		++*open;
	}
}

/*
 * --conns N (default 1) connections on --port, each read to its end and
 * answered with its own byte count; then "sink bytes=TOTAL conns=N".
 * One thread, level-triggered epoll, one read per ready connection.
 */
/* A non-blocking TCP listener on port, 8 MiB receive buffers; -errno. */
static int sink_listen(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1, rcv = 8 << 20, err;

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* fixed, not autotuned; beyond rmem_max for root */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(s, SOMAXCONN)) {
		err = -errno;
		close(s);
		return err;
	}
	return s;
}

int sink_bench_tcp(const struct tr_opts *o)
{
	struct epoll_event ev[SINK_BATCH] = { 0 };
	uint32_t want = o->conns > 1 ? o->conns : 1, open = 0;
	uint64_t accepted = 0, total = 0, *bytes = calloc(want, sizeof(*bytes));
	uint8_t *buf = malloc(SINK_BUF);
	double last = now_seconds();
	int s, ep = epoll_create1(EPOLL_CLOEXEC), got, i, c, rc = -1;
	ssize_t n;

	s = sink_listen(o->port);
	if (s < 0) {
		errmsg("listen on port %u: %s", o->port, strerror(-s));
		goto out_ep;
	}
	ev[0].events = EPOLLIN;
	ev[0].data.u64 = UINT64_MAX;
	if (!bytes || !buf || ep < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev[0])) {
		errmsg("sink: %s", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	fprintf(stderr, "zcnet-bench: sink ready\n");
	while (accepted < want || open) {
		got = epoll_wait(ep, ev, SINK_BATCH, 100);
		if (got < 0 && errno != EINTR) {
			errmsg("epoll_wait: %s", strerror(errno));
			goto out;
		}
		if (got <= 0 && now_seconds() - last >= SINK_FIRST_S) {
			errmsg(total ? "no data for %g s" : "nobody connected",
			       SINK_FIRST_S);
			goto out;
		}
		if (got > 0)
			last = now_seconds();
		for (i = 0; i < got; i++) {
			if (ev[i].data.u64 == UINT64_MAX) {
				if (!sink_accept(s, ep, &accepted, want, &open))
					goto out;
				continue;
			}
			c = (int)(ev[i].data.u64 >> 32);
			n = read(c, buf, SINK_BUF);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				errmsg("recv: %s", strerror(errno));
				goto out;
			}
			if (n) {
				bytes[(uint32_t)ev[i].data.u64] += (uint64_t)n;
				total += (uint64_t)n;
				continue;
			}
			if (send(c, &bytes[(uint32_t)ev[i].data.u64],
				 sizeof(*bytes), MSG_NOSIGNAL) != sizeof(*bytes))
				errmsg("sending the count: %s", strerror(errno));
			close(c);	/* leaves the epoll set */
			open--;
		}
	}
	printf("sink bytes=%llu conns=%llu\n", (unsigned long long)total,
	       (unsigned long long)accepted);
	rc = 0;
out:
	close(s);
out_ep:
	if (ep >= 0)
		close(ep);
	free(bytes);
	free(buf);
	return rc;
}

/* Datagrams on --port, counted (lengths from MSG_TRUNC, no payload read). */
int sink_bench_udp(const struct tr_opts *o, double idle)
{
	static uint8_t bufs[SINK_BATCH][SINK_SNAP];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(o->port) };
	struct timeval tv = { 0, 100000 };
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	volatile sig_atomic_t *stop;
	uint64_t frames = 0, bytes = 0;
	const char *why = "error";
	double start, last = 0, now;
	int s, got, i, rcvbuf = 32 << 20;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin))) {
		errmsg("UDP port %u: %s", o->port, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		got = sink_batch(s, bufs, msgs, iov);
		now = now_seconds();
		if (got < 0)
			break;
		if (!got) {
			if (frames ? now - last >= idle :
				     now - start >= SINK_FIRST_S) {
				why = "idle";
				break;
			}
			continue;
		}
		last = now;
		for (i = 0; i < got; i++)
			bytes += msgs[i].msg_len;
		frames += (uint64_t)got;
	}
	close(s);
	printf("sink frames=%llu bytes=%llu stopped=%s\n",
	       (unsigned long long)frames, (unsigned long long)bytes,
	       *stop ? "signal" : why);
	return 0;
}
