// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: the receiving ends, run in the peer's network namespace.
 *
 * sink raw: an AF_PACKET socket for the test ethertype on the peer NIC
 * counts frames and bytes per stream (the stream id sits in the frame's
 * seq), checks the header and the length, and publishes per stream one
 * past the highest frame number seen, for the senders' flow control. It
 * copies only the first bytes of each frame (MSG_TRUNC gives the real
 * length). It stops after --idle seconds without a frame.
 *
 * sink tcp: accepts one connection, reads until EOF, sends back the byte
 * count (8 bytes) and closes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "zcnet_frame.h"

#define SINK_BATCH	64
#define SINK_SNAP	64
#define SINK_FIRST_S	60.0
#define SINK_TCP_BUF	(256u << 10)

struct sink_stream {
	uint64_t frames, bytes, next;
	struct progress progress;
};

static int sink_raw_socket(const struct bench_opts *o)
{
	struct sockaddr_ll sll;
	struct timeval tv = { 0, 100000 };
	struct iface ifc;
	int fd, rcvbuf = 8 << 20, err;

	if (!o->iface)
		usage_error("-i IFACE is required");
	err = iface_lookup(o->iface, &ifc);
	if (err) {
		errmsg("no interface %s: %s", o->iface, strerror(-err));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
		    htons(ZCNET_FRAME_ETHERTYPE));
	if (fd < 0) {
		errmsg("AF_PACKET socket: %s", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifc.ifindex;
	sll.sll_protocol = htons(ZCNET_FRAME_ETHERTYPE);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		errmsg("bind to %s: %s", o->iface, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool frame_ok(const uint8_t *p, size_t got)
{
	uint32_t magic;

	if (got < ZCNET_FRAME_PAYLOAD_OFF)
		return false;
	memcpy(&magic, p + ZCNET_FRAME_OFF_MAGIC, sizeof(magic));
	return ntohl(magic) == ZCNET_FRAME_MAGIC;
}

int bench_sink_raw(const struct bench_opts *o)
{
	static uint8_t bufs[SINK_BATCH][SINK_SNAP];
	struct sink_stream st[BENCH_MAX_STREAMS];
	struct mmsghdr msgs[SINK_BATCH];
	struct iovec iov[SINK_BATCH];
	volatile sig_atomic_t *stop;
	uint64_t seq, n, bad = 0, other = 0, total = 0;
	double start, last = 0, now;
	char path[512];
	uint32_t k, s;
	int fd, got, i, err;

	memset(st, 0, sizeof(st));
	fd = sink_raw_socket(o);
	if (fd < 0)
		return -1;
	for (k = 0; k < o->streams && o->progress; k++) {
		snprintf(path, sizeof(path), "%s.%u", o->progress, k);
		err = progress_create(path, &st[k].progress);
		if (err) {
			errmsg("progress file %s: %s", path, strerror(-err));
			return -1;
		}
	}
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		for (i = 0; i < SINK_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = SINK_SNAP;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(fd, msgs, SINK_BATCH, MSG_TRUNC | MSG_WAITFORONE,
			       NULL);
		now = now_seconds();
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EINTR) {
				errmsg("recvmmsg: %s", strerror(errno));
				break;
			}
			if (total ? now - last >= o->idle :
				    now - start >= SINK_FIRST_S)
				break;
			continue;
		}
		last = now;
		for (i = 0; i < got; i++) {
			if (!frame_ok(bufs[i], msgs[i].msg_len)) {
				other++;
				continue;
			}
			memcpy(&seq, bufs[i] + ZCNET_FRAME_OFF_SEQ, sizeof(seq));
			seq = be64toh(seq);
			s = (uint32_t)(seq >> BENCH_STREAM_SHIFT);
			n = seq & BENCH_SEQ_MASK;
			if (s >= o->streams) {
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
		for (k = 0; k < o->streams && o->progress; k++)
			progress_store(&st[k].progress, st[k].next);
	}
	printf("sink frames=%llu bad_len=%llu other=%llu",
	       (unsigned long long)total, (unsigned long long)bad,
	       (unsigned long long)other);
	for (k = 0; k < o->streams; k++)
		printf(" frames%u=%llu bytes%u=%llu", k,
		       (unsigned long long)st[k].frames, k,
		       (unsigned long long)st[k].bytes);
	printf("\n");
	for (k = 0; k < o->streams && o->progress; k++)
		progress_close(&st[k].progress);
	close(fd);
	return 0;
}

int bench_sink_tcp(const struct bench_opts *o)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	uint64_t count = 0;
	char *buf = malloc(SINK_TCP_BUF);
	int lfd, fd, one = 1;
	ssize_t n;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!buf || lfd < 0) {
		errmsg("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(o->port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 1)) {
		errmsg("listen on port %u: %s", o->port, strerror(errno));
		return -1;
	}
	fprintf(stderr, "zcnet-bench: sink ready\n");
	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)(SINK_FIRST_S * 1000)) != 1) {
		errmsg("nobody connected");
		return -1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		errmsg("accept: %s", strerror(errno));
		return -1;
	}
	while ((n = recv(fd, buf, SINK_TCP_BUF, 0)) > 0)
		count += (uint64_t)n;
	if (n < 0)
		errmsg("recv: %s", strerror(errno));
	if (send(fd, &count, sizeof(count), MSG_NOSIGNAL) != sizeof(count))
		errmsg("sending the count: %s", strerror(errno));
	printf("sink bytes=%llu\n", (unsigned long long)count);
	close(fd);
	close(lfd);
	free(buf);
	return n < 0 ? -1 : 0;
}
