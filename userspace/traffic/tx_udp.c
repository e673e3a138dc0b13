// SPDX-License-Identifier: GPL-2.0-only
/* The UDP senders of zcnet-bench: sendmmsg(), MSG_ZEROCOPY and zcnet. */
/*
 * Every method sends datagrams of -s bytes on a connected socket; above
 * UDP_GSO_SEGMENT bytes the socket has UDP_SEGMENT set, so each send is
 * one GSO train that leaves as segments of that size. With --gso SIZE
 * the socket has no such option: each send says it, as QUIC servers do,
 * sendmsg() and MSG_ZEROCOPY with a UDP_SEGMENT control message (one
 * train per call) and zcnet with ZCNET_TX_GSO descriptors. UDP has no flow
 * control: what bounds the data in flight is the socket's send buffer
 * (sendmmsg), the notification pool (MSG_ZEROCOPY) or the TX ring
 * (zcnet). The sink counts what arrives; the sender only knows what it
 * sent. sendmmsg() completes when the call returns, and the run when the
 * socket's send queue is empty (every skb freed by the driver), as the
 * other two wait for their last completion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "traffic.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

#define MMSG_BATCH	32
#define DRAIN_S		10.0

int udp_connect(const struct tr_opts *o, struct tr_result *r)
{
	struct sockaddr_in sin;
	int fd, seg = UDP_GSO_SEGMENT;

	if (!o->peer)
		usage_error("--peer IPV4 is required for UDP");
	if (o->size > UDP_MAX_LEN)
		usage_error("a UDP send is at most %u bytes (-s %llu)",
			    UDP_MAX_LEN, (unsigned long long)o->size);
	if (o->gso && (o->size + o->gso - 1) / o->gso > UDP_GSO_MAX_SEGS)
		usage_error("a GSO train is at most %u segments (-s %llu, "
			    "--gso %u)", UDP_GSO_MAX_SEGS,
			    (unsigned long long)o->size, o->gso);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->peer, &sin.sin_addr) != 1)
		usage_error("bad IPv4 address '%s'", o->peer);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errmsg("UDP socket: %s", strerror(errno));
		return -1;
	}
	if (!o->gso && o->size > UDP_GSO_SEGMENT &&
	    setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg))) {
		snprintf(r->unavailable, sizeof(r->unavailable),
			 "UDP_SEGMENT: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		errmsg("connect to %s:%u: %s", o->peer, o->port,
		       strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until the driver freed every skb of the socket. */
static bool udp_drain(int fd, struct tr_result *r)
{
	double t0 = now_seconds();
	int outq;

	for (;;) {
		tr_sys(r, 1);
		if (ioctl(fd, SIOCOUTQ, &outq) || outq <= 0)
			return true;
		if (now_seconds() - t0 > DRAIN_S)
			return false;
		nanosleep(&(struct timespec){ 0, 50 * 1000 }, NULL);
		tr_sys(r, 1);
	}
}

/* With --gso: the UDP_SEGMENT control message every send carries. */
union udp_seg_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

static void udp_seg_cmsg(struct msghdr *m, union udp_seg_cmsg *c,
			 uint16_t seg)
{
	struct cmsghdr *cm;

	m->msg_control = c->buf;
	m->msg_controllen = sizeof(c->buf);
	cm = CMSG_FIRSTHDR(m);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
}

/* sendmmsg() of batch, or with a batch of one sendmsg(); as sendmmsg(). */
static int udp_send_batch(int fd, struct mmsghdr *msgs, uint32_t n)
{
	ssize_t sent;

	if (n > 1)
		return sendmmsg(fd, msgs, n, 0);
	sent = sendmsg(fd, &msgs->msg_hdr, 0);
	if (sent < 0)
		return -1;
	msgs->msg_len = (unsigned int)sent;
	return 1;
}

/*
 * sendmmsg() of MMSG_BATCH datagrams a call; with --gso one train a
 * sendmsg() call (--inflight: datagrams or trains a call).
 */
int tx_udp_sendmmsg(struct tr_opts *o, struct tr_result *r)
{
	uint32_t batch = o->ring ? o->ring : o->gso ? 1 : MMSG_BATCH, i, k = 0;
	struct mmsghdr *msgs = calloc(batch, sizeof(*msgs));
	union udp_seg_cmsg *cmsg = calloc(batch, sizeof(*cmsg));
	struct iovec iov;
	char *buf = calloc(1, o->size);
	double ts;
	int fd = -1, rc = -1, n;

	if (!msgs || !cmsg || !buf)
		goto out;
	fd = udp_connect(o, r);
	if (fd < 0)
		goto out;
	iov.iov_base = buf;
	iov.iov_len = o->size;
	for (i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (o->gso)
			udp_seg_cmsg(&msgs[i].msg_hdr, &cmsg[i],
				     (uint16_t)o->gso);
	}
	tr_begin(o, r);
	while (!tr_time_up(o, r, ts = now_seconds())) {
		/* a short count: message k + n failed; resending it says why */
		n = udp_send_batch(fd, msgs + k, batch - k);
		tr_sys(r, 1);
		if (n < 0 && (errno == ENOBUFS || errno == EAGAIN)) {
			r->retries++;
			continue;
		}
		if (n < 0) {
			errmsg("%s: %s", batch > 1 ? "sendmmsg" : "sendmsg",
			       strerror(errno));
			r->errors++;
			goto out;
		}
		lat_add(&r->lat, ts, now_seconds());
		for (i = k; i < k + (uint32_t)n; i++)
			tr_count(r, msgs[i].msg_len, o->size);
		r->completions += (uint64_t)n;
		k = (k + (uint32_t)n) % batch;
	}
	if (!udp_drain(fd, r)) {
		errmsg("the send queue did not empty in %g s", DRAIN_S);
		r->undrained = true;
		goto out;
	}
	tr_end(r);
	rc = r->errors || r->short_results ? -1 : 0;
out:
	if (r->t0 && !r->t1)
		tr_end(r);
	if (fd >= 0)
		close(fd);
	free(msgs);
	free(cmsg);
	free(buf);
	return r->unavailable[0] ? 0 : rc;
}

int tx_udp_zerocopy(struct tr_opts *o, struct tr_result *r)
{
	int fd = udp_connect(o, r), rc = -1;

	if (fd >= 0 && !zerocopy_run(o, r, fd) && !r->unavailable[0])
		rc = 0;
	if (r->t0)
		tr_end(r);
	if (fd >= 0)
		close(fd);
	return r->unavailable[0] ? 0 : rc;
}

/*
 * zcnet takes no segment size from the socket's UDP_SEGMENT: above
 * UDP_GSO_SEGMENT bytes each descriptor says it (ZCNET_TX_GSO), so that
 * the same trains leave as with the other methods.
 */
int tx_udp_zcnet(struct tr_opts *o, struct tr_result *r)
{
	o->udp = true;
	if (!o->gso && o->size > UDP_GSO_SEGMENT)
		o->gso = UDP_GSO_SEGMENT;
	return tx_sock(o, r);
}
