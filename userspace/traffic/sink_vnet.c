// SPDX-License-Identifier: GPL-2.0-only
/* The sink of zcnet-bench's super-frames: segments checked and counted. */
/*
 * A packet socket on -i IFACE with PACKET_VNET_HDR takes every IPv4
 * packet; those of --proto to --port are the senders'. Each is checked
 * (sf_verify: IPv4 header and checksum, lengths, and the L4 checksum or,
 * where the packet still asks for it, its pseudo-header seed) and counted
 * with the segments it stands for: a packet that arrives unsegmented (the
 * guest's device took TSO) counts its GSO segments. The senders address
 * a MAC that is not the interface's, and the socket puts the interface in
 * promiscuous mode, so the stack here drops the packets as another host's
 * (it would answer TCP without a connection with a reset for each) while
 * the socket still sees them. Ends like sink raw with --until-eof, or after
 * --idle seconds without a packet; prints "sink frames=F segments=S ..."
 * with F the super-frames that S makes (-s, --gso).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "traffic.h"

#define VSINK_BATCH	32
#define VSINK_BUF	(SF_VNET_LEN + SF_MAX_FRAME + 64)
#define VSINK_FIRST_S	60.0
#define VSINK_REPORTS	5

struct vsink {
	uint64_t packets, segments, bytes, bad, other, seq_gaps;
	uint32_t next_seq;
	bool seq_known;
};

static int vsink_socket(const struct tr_opts *o, struct iface *ifc)
{
	struct timeval tv = { 0, 100000 };
	int fd, one = 1, rcvbuf = 32 << 20;
	struct packet_mreq mr;

	if (!o->iface)
		usage_error("-i IFACE is required");
	iface_require(o->iface, ifc);
	fd = afp_socket();
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		errmsg("PACKET_VNET_HDR: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = afp_bind(fd, ifc, ETH_P_IP);
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifc->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (fd >= 0 && setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
				  sizeof(mr))) {
		errmsg("promiscuous mode on %s: %s", ifc->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void vsink_take(struct vsink *v, const struct tr_opts *o,
		       const uint8_t *pkt, size_t len, size_t got)
{
	struct sf_seen seen;
	const char *why;

	why = len > got ? "truncated" : sf_verify(pkt, len, &seen);
	if (!why && (seen.proto != o->l4 || seen.dport != o->port)) {
		v->other++;
		return;
	}
	if (why && len >= SF_VNET_LEN + 34 &&
	    (pkt[SF_VNET_LEN + 23] != o->l4 ||
	     (pkt[SF_VNET_LEN + 36] << 8 | pkt[SF_VNET_LEN + 37]) != o->port)) {
		v->other++;		/* not ours; not checked */
		return;
	}
	v->packets++;
	if (why) {
		if (v->bad++ < VSINK_REPORTS)
			errmsg("bad packet of %zu bytes: %s", len, why);
		return;
	}
	v->segments += seen.segments;
	v->bytes += seen.payload;
	if (o->l4 == IPPROTO_TCP) {
		if (v->seq_known && seen.tcp_seq != v->next_seq)
			v->seq_gaps++;
		v->next_seq = seen.tcp_seq + seen.payload;
		v->seq_known = true;
	}
}

int sink_bench_vnet(const struct tr_opts *o, double idle)
{
	static struct mmsghdr msgs[VSINK_BATCH];
	static struct iovec iov[VSINK_BATCH];
	static struct sockaddr_ll from[VSINK_BATCH];
	volatile sig_atomic_t *stop;
	struct vsink v = { 0 };
	struct sf_spec sf = { .proto = o->l4, .frame_len = (uint32_t)o->size,
			      .gso_size = (uint16_t)o->gso };
	const char *why = "error";
	double start, last = 0, now;
	struct iface ifc;
	uint8_t *bufs;
	uint32_t per;
	int fd, got, i;

	if (!o->l4 || !o->port || !o->gso || o->size > SF_MAX_FRAME)
		usage_error("sink vnet needs --proto, --port, --gso and -s");
	per = sf_segments(&sf);
	bufs = malloc((size_t)VSINK_BATCH * VSINK_BUF);
	fd = bufs ? vsink_socket(o, &ifc) : -1;
	if (fd < 0 || !per) {
		free(bufs);
		return -1;
	}
	for (i = 0; i < VSINK_BATCH; i++) {
		iov[i].iov_base = bufs + (size_t)i * VSINK_BUF;
		iov[i].iov_len = VSINK_BUF;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}
	stop = install_stop_signals();
	fprintf(stderr, "zcnet-bench: sink ready\n");
	start = now_seconds();
	while (!*stop) {
		for (i = 0; i < VSINK_BATCH; i++)
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		got = recvmmsg(fd, msgs, VSINK_BATCH, MSG_TRUNC | MSG_WAITFORONE,
			       NULL);
		now = now_seconds();
		if (got < 0 && errno != EAGAIN && errno != EINTR) {
			errmsg("recvmmsg: %s", strerror(errno));
			break;
		}
		if (got <= 0) {
			if (o->until_eof ? stdin_ended() : v.packets ?
			    now - last >= idle : now - start >=
			    VSINK_FIRST_S) {
				why = o->until_eof ? "eof" : "idle";
				break;
			}
			continue;
		}
		last = now;
		for (i = 0; i < got; i++) {
			if (from[i].sll_pkttype == PACKET_OUTGOING)
				continue;	/* sent here (lo) */
			vsink_take(&v, o, iov[i].iov_base, msgs[i].msg_len,
				   VSINK_BUF);
		}
	}
	printf("sink frames=%llu segments=%llu packets=%llu bytes=%llu "
	       "bad_len=%llu other=%llu seq_gaps=%llu stopped=%s\n",
	       (unsigned long long)(v.segments / per),
	       (unsigned long long)v.segments, (unsigned long long)v.packets,
	       (unsigned long long)v.bytes, (unsigned long long)v.bad,
	       (unsigned long long)v.other, (unsigned long long)v.seq_gaps,
	       *stop ? "signal" : why);
	close(fd);
	free(bufs);
	return 0;
}
