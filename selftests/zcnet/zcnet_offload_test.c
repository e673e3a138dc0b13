// SPDX-License-Identifier: GPL-2.0
/*
 * Raw frames with offloads (ZCNET_TX_VNET_HDR) out of $ZCNET_IFACE: UDP
 * and TCP super-frames built in registered memory, and frames that leave
 * their checksum to the device.
 *
 * What arrives is checked twice in the peer namespace. A plain UDP socket
 * must receive the datagrams, byte for byte. And a zcnet context bound for
 * receive on the peer's device takes every frame as it was on the wire
 * (GSO packets of the receiving host split back, checksums left partial
 * by a virtio host finished in the copy, zcnet_rx.c), and the test
 * recomputes each frame's IPv4 and L4 checksums itself: a virtio peer's
 * kernel trusts a checksum its host left partial, so its socket alone
 * proves nothing about the checksums.
 *
 * Once a super-frame's completion is read, the test overwrites its pages:
 * the peer must still get what they held before, as the completion comes
 * only after the driver freed the last segment.
 *
 * Each test runs with the device's offloads as they are, with TSO turned
 * off (software segmentation keeps the user pages: no copy), and with
 * checksum offload off (which takes scatter-gather with it: every frame
 * is linearised, so completions say COPIED). Bad headers complete with
 * -EINVAL.
 *
 * Without ZCNET_FEAT_TX_VNET_HDR or ZCNET_FEAT_RX, or outside the test
 * guest (no $ZCNET_* variables), every test SKIPs.
 */
#include <linux/virtio_net.h>
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define SLOT		(128U << 10)	/* one super-frame */
#define NSLOT		4U
#define RX_BUF		2048U
#define RX_NBUF		256U
#define RING		256U
#define WAIT_MS		10000U
#define PAYLOAD		(60U << 10)
#define UDP_MSS		1400U
#define TCP_MSS		1448U
#define SPORT		40100
#define TCP_DPORT	40101
#define DEFAULT_IP	"10.99.0.1"
#define PEER_IP		"10.99.0.2"
#define VNET		sizeof(struct virtio_net_hdr)
#define ETH		14U
#define IP4		20U
#define IP6		40U
#define NH(v6)		((v6) ? IP6 : IP4)
#define ETH_TYPE(v6)	((v6) ? 0x86dd : 0x0800)
#define L4_UDP		8U
#define L4_TCP		20U
#define TCP_SEQ		0x10000000U

FIXTURE(off) {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct zc_ctx tx, rx;
	unsigned char *mem, *rxmem;
	__u32 id, rx_id;
	struct in_addr src, dst;
	int udp;		/* the peer's UDP socket */
	__u32 tcp_opt;		/* bytes of TCP options build() adds */
	unsigned short port;	/* its port */
	bool restore;
};

/*
 * With TSO off, the kernel segments TCP; each segment's checksum is then
 * the device's where it can checksum that family, else the kernel's, a
 * copy (vmxnet3 on 6.1, IPv6): either COPIED is right. With checksum
 * offload off, every checksum over the user's pages is the kernel's: a
 * copy, except for UFO, whose one checksum is taken before fragmenting
 * and leaves the pages as fragments.
 */
FIXTURE_VARIANT(off) {
	const char *feature;	/* ethtool -K feature turned off, or NULL */
	int copied;		/* ZCNET_CQE_COPIED: 1 set, 0 clear, -1 either */
};

FIXTURE_VARIANT_ADD(off, offloads) { .feature = NULL, .copied = 0 };
FIXTURE_VARIANT_ADD(off, tso_off) { .feature = "tso", .copied = -1 };
FIXTURE_VARIANT_ADD(off, tx_csum_off) { .feature = "tx", .copied = 1 };

FIXTURE_SETUP(off)
{
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 };
	const char *why;
	int s, old;
	__u32 i;

	self->tx.fd = self->rx.fd = self->udp = -1;
	self->mem = self->rxmem = NULL;
	self->restore = false;
	self->tcp_opt = 0;
	why = zc_fixture_skip(ZCNET_FEAT_TX_RAW | ZCNET_FEAT_TX_VNET_HDR |
			      ZCNET_FEAT_RX, &self->env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	s = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, s);
	close(s);
	inet_pton(AF_INET, self->env.local_ip ? self->env.local_ip : DEFAULT_IP,
		  &self->src);
	inet_pton(AF_INET, PEER_IP, &self->dst);
	if (variant->feature) {
		ASSERT_EQ(0, zc_netif_set_feature(self->env.iface,
						  variant->feature, "off"));
		self->restore = true;
	}

	ASSERT_EQ(0, zc_ctx_open(&self->tx, RING, RING, 0, 0));
	self->mem = zc_alloc_pages((size_t)NSLOT * SLOT / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_reg(self->tx.fd, self->mem, (__u64)NSLOT * SLOT,
			    &self->id));
	/* only the link-layer header is copied: everything else is zero copy */
	ASSERT_EQ(0, zc_set_param(self->tx.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
				  0));
	ASSERT_EQ(0, zc_bind(self->tx.fd, ZCNET_BIND_TX,
			     (__u32)self->nif.ifindex, ZCNET_QUEUE_ANY));

	/* the peer's receiving context lives in the peer namespace */
	old = zc_netns_enter(self->env.peer_ns);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, zc_ctx_open(&self->rx, 0, 0, RX_NBUF, RX_NBUF));
	ASSERT_EQ(0, zc_netns_return(old));
	self->rxmem = zc_alloc_pages((size_t)RX_NBUF * RX_BUF /
				     zc_page_size());
	ASSERT_NE(NULL, self->rxmem);
	ASSERT_EQ(0, zc_reg(self->rx.fd, self->rxmem,
			    (__u64)RX_NBUF * RX_BUF, &self->rx_id));
	for (i = 0; i < RX_NBUF; i++) {
		struct zcnet_fill_desc f = {
			.offset = (__u64)i * RX_BUF, .len = RX_BUF,
			.region = (__u16)self->rx_id,
		};

		ASSERT_EQ(0, zc_fill_push(&self->rx.fill, &f));
	}

	self->udp = zc_udp_bind(self->env.peer_ns, PEER_IP, &self->port);
	ASSERT_LE(0, self->udp);
	ASSERT_EQ(0, setsockopt(self->udp, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
}

FIXTURE_TEARDOWN(off)
{
	if (self->restore &&
	    zc_netif_set_feature(self->env.iface, variant->feature, "on"))
		fprintf(stderr, "# could not turn %s of %s back on\n",
			variant->feature, self->env.iface);
	if (self->udp >= 0)
		close(self->udp);
	zc_ctx_close(&self->rx);
	zc_ctx_close(&self->tx);
	if (self->mem)
		munmap(self->mem, (size_t)NSLOT * SLOT);
	if (self->rxmem)
		munmap(self->rxmem, (size_t)RX_NBUF * RX_BUF);
}

/* The Internet checksum's running sum over big-endian 16-bit words. */
static __u32 csum_add(__u32 sum, const unsigned char *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (__u32)p[0] << 8 | p[1];
	if (n)
		sum += (__u32)p[0] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static void put16(unsigned char *p, __u32 v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static __u32 get16(const unsigned char *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static __u32 get32(const unsigned char *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* The IPv4 or IPv6 pseudo-header of an L4 segment of l4len bytes. */
static __u32 pseudo(const unsigned char *ip, bool v6, __u8 proto,
		    __u32 l4len)
{
	if (v6)
		return csum_add(0, ip + 8, 32) + proto + (l4len >> 16) +
		       (l4len & 0xffff);
	return csum_add(0, ip + 12, 8) + proto + l4len;
}

/* Payload byte j: each 4-byte word holds its offset plus tag. */
static unsigned char payload_byte(__u32 j, __u32 tag)
{
	return (unsigned char)(((j & ~3U) + tag) >> (8 * (3 - j % 4)));
}

/*
 * Build a super-frame (or a plain frame) in slot: virtio_net_hdr,
 * Ethernet, IPv4 or IPv6 (link-local addresses: only the peer's receiving
 * context sees those frames), UDP or TCP, payload bytes. The L4 checksum field holds
 * the pseudo-header seed (NEEDS_CSUM) unless full is set, in which case
 * it is complete and flags are 0. Returns the descriptor's length.
 */
static __u32 build(FIXTURE_DATA(off) *self, unsigned int slot, bool v6,
		   __u8 proto, __u32 payload, __u8 gso_type, __u16 gso_size,
		   bool full, __u32 tag)
{
	unsigned char *v = self->mem + (size_t)slot * SLOT;
	unsigned char *e = v + VNET, *ip = e + ETH, *l4 = ip + NH(v6);
	__u32 l4h = proto == IPPROTO_TCP ? L4_TCP + self->tcp_opt : L4_UDP;
	__u32 l4len = l4h + payload, j, sum;
	struct virtio_net_hdr h = {
		.flags = full ? 0 : VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = gso_type,
		/* options, if any, left for the kernel to find */
		.hdr_len = (__u16)(ETH + NH(v6) +
				   (proto == IPPROTO_TCP ? L4_TCP : L4_UDP)),
		.gso_size = gso_size,
		.csum_start = full ? 0 : (__u16)(ETH + NH(v6)),
		.csum_offset = full ? 0 : (proto == IPPROTO_TCP ? 16 : 6),
	};

	memcpy(v, &h, sizeof(h));		/* little-endian host */
	memcpy(e, self->peer.mac, 6);
	memcpy(e + 6, self->nif.mac, 6);
	put16(e + 12, ETH_TYPE(v6));
	memset(ip, 0, NH(v6));
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, l4len);
		ip[6] = proto;
		ip[7] = 64;
		put16(ip + 8, 0xfe80);
		ip[23] = 1;
		put16(ip + 24, 0xfe80);
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, IP4 + l4len);
		put16(ip + 4, tag & 0xffff);
		put16(ip + 6, 0x4000);		/* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, &self->src, 4);
		memcpy(ip + 16, &self->dst, 4);
		put16(ip + 10, (__u16)~csum_fold(csum_add(0, ip, IP4)));
	}
	memset(l4, 0, l4h);
	put16(l4, SPORT);
	if (proto == IPPROTO_UDP) {
		put16(l4 + 2, self->port);
		put16(l4 + 4, l4len);
	} else {
		put16(l4 + 2, TCP_DPORT);
		put32(l4 + 4, TCP_SEQ + tag);
		put32(l4 + 8, 1);
		l4[12] = (unsigned char)(l4h / 4 << 4);
		l4[13] = 0x18;			/* ACK, PSH */
		put16(l4 + 14, 512);
		if (self->tcp_opt) {		/* NOP, NOP, timestamps */
			l4[20] = 1;
			l4[21] = 1;
			l4[22] = 8;
			l4[23] = 10;
			put32(l4 + 24, tag);
		}
	}
	for (j = 0; j < payload; j++)
		l4[l4h + j] = payload_byte(j, tag);
	sum = pseudo(ip, v6, proto, l4len);
	if (full)
		sum = (__u16)~csum_fold(csum_add(sum, l4, l4len)) ?: 0xffff;
	else
		sum = csum_fold(sum);
	put16(l4 + (proto == IPPROTO_TCP ? 16 : 6), sum);
	return VNET + ETH + NH(v6) + l4len;
}

/* Send one descriptor with ZCNET_TX_VNET_HDR and return its completion. */
static struct zcnet_cq_entry send_one(FIXTURE_DATA(off) *self,
				      unsigned int slot, __u32 len)
{
	struct zcnet_tx_desc d = zc_raw((__u16)self->id, (__u64)slot * SLOT,
					len, 1000 + slot);
	struct zcnet_cq_entry c = { .result = -ETIME };

	d.flags = ZCNET_TX_VNET_HDR;
	if (zc_tx_push(&self->tx.tx, &d) || zc_kick(self->tx.fd, 0) != 1)
		return c;
	zc_cq_collect(&self->tx, &c, 1, WAIT_MS);
	return c;
}

struct seen {
	unsigned int frames;	/* ours */
	unsigned int bad;	/* with a wrong checksum, length or byte */
	__u64 bytes;		/* payload bytes, each counted once */
	bool *got;		/* per payload byte */
	unsigned int dups;	/* frames with bytes seen before */
	unsigned int stop;	/* stop after this many frames, 0: never */
	char msg[512];
	int n;
};

/*
 * Check one IPv4 or IPv6 frame the peer took: its checksums, and that its payload
 * is a piece of the super-frame's. A UDP datagram must be segment k of
 * mss bytes. TCP segments may arrive cut otherwise: a receiving NIC that
 * merges segments (vmxnet3's LRO) has them split again at its own size.
 */
static void check_frame(struct seen *s, const unsigned char *f, __u32 len,
			bool v6, __u8 proto, __u32 mss, __u32 nseg,
			__u32 payload, __u32 tag)
{
	const unsigned char *ip = f + ETH, *l4 = ip + NH(v6);
	__u32 l4h = proto == IPPROTO_TCP ? L4_TCP : L4_UDP, l4len, off, k, j;

	if (proto == IPPROTO_TCP && len >= ETH + NH(v6) + L4_TCP)
		l4h = (__u32)(l4[12] >> 4) * 4;
	if (len < ETH + NH(v6) + l4h || get16(f + 12) != ETH_TYPE(v6) ||
	    ip[0] != (v6 ? 0x60 : 0x45) || ip[v6 ? 6 : 9] != proto ||
	    get16(l4) != SPORT)
		return;				/* not ours */
	s->frames++;
	l4len = v6 ? get16(ip + 4) : get16(ip + 2) - IP4;
	if (l4len != len - ETH - NH(v6) ||
	    (!v6 && csum_fold(csum_add(0, ip, IP4)) != 0xffff) ||
	    csum_fold(csum_add(pseudo(ip, v6, proto, l4len), l4, l4len)) !=
	    0xffff) {
		s->bad++;
		zc_problem(s->msg, sizeof(s->msg), &s->n,
			   "frame of %u bytes: a checksum is wrong", len);
		return;
	}
	off = proto == IPPROTO_TCP ? get32(l4 + 4) - TCP_SEQ - tag :
				     get32(l4 + l4h) - tag;
	k = off / mss;
	if (off >= payload || l4len - l4h > payload - off ||
	    (proto == IPPROTO_UDP &&
	     (off % mss || k >= nseg ||
	      l4len - l4h != (k + 1 < nseg ? mss : payload - k * mss)))) {
		s->bad++;
		zc_problem(s->msg, sizeof(s->msg), &s->n,
			   "segment at payload offset %u with %u bytes", off,
			   l4len - l4h);
		return;
	}
	for (j = 0; j < l4len - l4h; j++)
		if (l4[l4h + j] != payload_byte(off + j, tag)) {
			s->bad++;
			zc_problem(s->msg, sizeof(s->msg), &s->n,
				   "segment %u: byte %u differs", k, j);
			return;
		}
	if (s->got[off])
		s->dups++;
	for (j = 0; j < l4len - l4h; j++) {
		s->bytes += !s->got[off + j];
		s->got[off + j] = true;
	}
}

/* Take what the peer's context received until want frames of ours came. */
static void peer_collect(FIXTURE_DATA(off) *self, struct seen *s, bool v6,
			 __u8 proto, __u32 mss, __u32 nseg, __u32 payload,
			 __u32 tag)
{
	struct zcnet_rx_desc e[32];
	unsigned int n, i, waited = 0;

	while (s->bytes < payload && waited < WAIT_MS &&
	       (!s->stop || s->frames < s->stop)) {
		n = zc_ring_collect(&self->rx, &self->rx.rx, e, sizeof(e[0]),
				    1, 100);
		if (!n) {
			waited += 100;
			continue;
		}
		n += zc_ring_collect(&self->rx, &self->rx.rx, e + 1,
				     sizeof(e[0]), 31, 0);
		for (i = 0; i < n; i++) {
			struct zcnet_fill_desc f = {
				.offset = e[i].offset, .len = RX_BUF,
				.region = (__u16)self->rx_id,
			};

			if (e[i].flags & ZCNET_RX_TRUNCATED)
				zc_problem(s->msg, sizeof(s->msg), &s->n,
					   "a frame of %u bytes was truncated",
					   e[i].frame_len);
			else
				check_frame(s, self->rxmem + e[i].offset +
					    e[i].data, e[i].len, v6, proto,
					    mss, nseg, payload, tag);
			zc_fill_push(&self->rx.fill, &f);
		}
	}
}

/*
 * Bind the peer's context, from inside its namespace: UDP over IPv4 to
 * our port, or every frame of the family.
 */
static long peer_bind(FIXTURE_DATA(off) *self, bool v6, __u8 proto)
{
	int old = zc_netns_enter(self->env.peer_ns);
	long ret;

	if (old < 0)
		return old;
	if (proto == IPPROTO_UDP && !v6)
		ret = zc_bind_rx(self->rx.fd, ZCNET_BIND_RX, self->peer.ifindex,
				 ZCNET_RX_MATCH_UDP, self->port, 0);
	else
		ret = zc_bind_rx(self->rx.fd, ZCNET_BIND_RX, self->peer.ifindex,
				 ZCNET_RX_MATCH_ETHERTYPE, ETH_TYPE(v6), 0);
	if (zc_netns_return(old))
		return -EIO;
	return ret;
}

/*
 * One super-frame (or plain frame when gso_type is NONE) to the peer's
 * context: every segment arrives once, right, and the completion says
 * the descriptor's length with COPIED as the variant expects.
 */
static void superframe(struct __test_metadata *_metadata,
		       FIXTURE_DATA(off) *self,
		       const FIXTURE_VARIANT(off) *variant, bool v6,
		       __u8 proto, __u8 gso_type, __u32 mss, __u32 payload)
{
	__u32 nseg = gso_type ? (payload + mss - 1) / mss : 1;
	__u32 tag = zc_new_run() & 0xfff0000, len, j;
	struct zcnet_cq_entry c;
	struct seen s = { 0 };

	s.got = calloc(payload, sizeof(*s.got));
	ASSERT_NE(NULL, s.got);
	ASSERT_EQ(0, peer_bind(self, v6, proto));
	len = build(self, 0, v6, proto, payload, gso_type, gso_type ? mss : 0,
		    false, tag);
	c = send_one(self, 0, len);
	/*
	 * The pages are the device's until the completion: what the peer
	 * gets must be what they held before, not what they hold after.
	 */
	memset(self->mem, 0xa5, len);
	EXPECT_EQ((__s32)len, c.result);
	if (variant->copied >= 0) {
		EXPECT_EQ(variant->copied ? ZCNET_CQE_COPIED : 0U, c.flags);
	} else {
		EXPECT_EQ(0U, c.flags & ~ZCNET_CQE_COPIED);
	}
	peer_collect(self, &s, v6, proto, mss, nseg, payload, tag);
	for (j = 0; j < payload; j++)
		if (!s.got[j]) {
			zc_problem(s.msg, sizeof(s.msg), &s.n,
				   "payload byte %u never arrived", j);
			break;
		}
	EXPECT_EQ(0, s.n) TH_LOG("%s", s.msg);
	EXPECT_EQ(0U, s.dups);
	EXPECT_EQ(payload, s.bytes);
	ASSERT_EQ(0, zc_unbind(self->rx.fd, ZCNET_BIND_RX));
	free(s.got);
}

TEST_F(off, udp_superframe_segments_and_checksums)
{
	superframe(_metadata, self, variant, false, IPPROTO_UDP,
		   ZCNET_VNET_GSO_UDP_L4, UDP_MSS, PAYLOAD);
}

TEST_F(off, tcp_superframe_segments_and_checksums)
{
	superframe(_metadata, self, variant, false, IPPROTO_TCP,
		   VIRTIO_NET_HDR_GSO_TCPV4, TCP_MSS, PAYLOAD);
}

TEST_F(off, udp6_superframe_segments_and_checksums)
{
	superframe(_metadata, self, variant, true, IPPROTO_UDP,
		   ZCNET_VNET_GSO_UDP_L4, UDP_MSS - 20, PAYLOAD);
}

TEST_F(off, tcp6_superframe_segments_and_checksums)
{
	superframe(_metadata, self, variant, true, IPPROTO_TCP,
		   VIRTIO_NET_HDR_GSO_TCPV6, TCP_MSS - 20, PAYLOAD);
}

/*
 * TCP options the header does not count in hdr_len: the kernel takes them
 * into the skb itself, which copies headers only, not the user's payload.
 */
TEST_F(off, tcp_superframe_with_options)
{
	self->tcp_opt = 12;
	superframe(_metadata, self, variant, false, IPPROTO_TCP,
		   VIRTIO_NET_HDR_GSO_TCPV4, TCP_MSS - 12, PAYLOAD);
}

TEST_F(off, checksum_offload_alone)
{
	superframe(_metadata, self, variant, false, IPPROTO_UDP,
		   VIRTIO_NET_HDR_GSO_NONE, 1000, 1000);
	superframe(_metadata, self, variant, false, IPPROTO_TCP,
		   VIRTIO_NET_HDR_GSO_NONE, 1000, 1000);
	superframe(_metadata, self, variant, true, IPPROTO_UDP,
		   VIRTIO_NET_HDR_GSO_NONE, 1000, 1000);
}

/* The plain UDP socket of the peer gets every datagram, byte for byte. */
TEST_F(off, udp_superframe_to_socket)
{
	__u32 nseg = (PAYLOAD + UDP_MSS - 1) / UDP_MSS, tag = 0, len, k, j;
	unsigned char buf[2048];
	struct zcnet_cq_entry c;
	unsigned int bad = 0;
	ssize_t r;

	len = build(self, 1, false, IPPROTO_UDP, PAYLOAD,
		    ZCNET_VNET_GSO_UDP_L4, UDP_MSS, false, tag);
	c = send_one(self, 1, len);
	memset(self->mem + SLOT, 0xa5, len);	/* the pages are ours again */
	EXPECT_EQ((__s32)len, c.result);
	for (k = 0; k < nseg; k++) {
		r = recv(self->udp, buf, sizeof(buf), 0);
		ASSERT_LT(0, r) TH_LOG("datagram %u of %u: %s", k, nseg,
				       strerror(errno));
		if ((__u32)r != (k + 1 < nseg ? UDP_MSS : PAYLOAD - k * UDP_MSS))
			bad++;
		for (j = 0; j < (__u32)r && !bad; j++)
			if (buf[j] != payload_byte(k * UDP_MSS + j, tag))
				bad++;
	}
	EXPECT_EQ(0U, bad);
	EXPECT_GT(0, recv(self->udp, buf, sizeof(buf), MSG_DONTWAIT));
}

/*
 * UFO: one datagram that leaves in IP fragments of about gso_size bytes,
 * which the peer reassembles for its socket.
 */
TEST_F(off, ufo_datagram_to_socket)
{
	unsigned char buf[9000];
	struct zcnet_cq_entry c;
	__u32 len, j, bad = 0;
	ssize_t r;

	len = build(self, 1, false, IPPROTO_UDP, 8000, VIRTIO_NET_HDR_GSO_UDP,
		    1480, false, 0);
	c = send_one(self, 1, len);
	EXPECT_EQ((__s32)len, c.result);
	EXPECT_EQ(0U, c.flags);
	r = recv(self->udp, buf, sizeof(buf), 0);
	ASSERT_EQ(8000, r) TH_LOG("recv: %s", r < 0 ? strerror(errno) : "");
	for (j = 0; j < 8000; j++)
		bad += buf[j] != payload_byte(j, 0);
	EXPECT_EQ(0U, bad);
}

/*
 * A frame whose checksum was left to nobody (no NEEDS_CSUM, the field
 * holds only the seed) must fail the peer's check: the test can tell.
 */
TEST_F(off, seed_without_offload_is_caught)
{
	struct zcnet_cq_entry c;
	struct seen s = { 0 };
	bool got[1000] = { false };
	__u32 len;

	s.got = got;
	s.stop = 1;
	ASSERT_EQ(0, peer_bind(self, false, IPPROTO_UDP));
	len = build(self, 2, false, IPPROTO_UDP, 1000, 0, 0, false, 0);
	self->mem[2 * SLOT] = 0;		/* drop NEEDS_CSUM */
	c = send_one(self, 2, len);
	EXPECT_EQ((__s32)len, c.result);
	peer_collect(self, &s, false, IPPROTO_UDP, 1000, 1, 1000, 0);
	EXPECT_EQ(1U, s.frames);
	EXPECT_EQ(1U, s.bad);
	EXPECT_EQ(0U, s.bytes);
}

struct bad_hdr {
	const char *what;
	__u8 proto, gso_type;
	__u32 payload;
	__u16 gso_size;
	int at;		/* byte of the vnet header + frame to change, or -1 */
	int value;
	bool v6;
};

static const struct bad_hdr bad_hdrs[] = {
	{ "DATA_VALID flag", IPPROTO_UDP, 0, 1000, 0, 0, 3, false },
	{ "unknown gso_type 2", IPPROTO_UDP, 2, 8000, 1400, -1, 0, false },
	{ "unknown gso_type 6", IPPROTO_UDP, 6, 8000, 1400, -1, 0, false },
	{ "ECN on UDP", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4 | 0x80, 8000, 1400,
	  -1, 0, false },
	{ "gso_size 0", IPPROTO_TCP, VIRTIO_NET_HDR_GSO_TCPV4, 8000, 0,
	  -1, 0, false },
	{ "gso_size without gso_type", IPPROTO_UDP, 0, 1000, 1400,
	  -1, 0, false },
	{ "csum_start past the frame", IPPROTO_UDP, 0, 1000, 0,
	  7, 0x7f, false },
	{ "csum_start inside the link header", IPPROTO_UDP, 0, 1000, 0,
	  6, 4, false },
	{ "csum_offset past the frame", IPPROTO_UDP, 0, 1000, 0,
	  9, 0x7f, false },
	{ "hdr_len past the frame", IPPROTO_UDP, 0, 1000, 0, 3, 0x7f, false },
	{ "TSO on IPv4 carrying UDP", IPPROTO_UDP, VIRTIO_NET_HDR_GSO_TCPV4,
	  8000, 1400, 8, 16, false },
	{ "USO without NEEDS_CSUM", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4, 8000,
	  1400, 0, 0, false },
	{ "USO with a TCP csum_offset", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4,
	  8000, 1400, 8, 16, false },
	{ "TSO on a UDP datagram", IPPROTO_UDP, VIRTIO_NET_HDR_GSO_TCPV4, 8000,
	  1400, -1, 0, false },
	{ "TCPv6 on IPv4", IPPROTO_TCP, VIRTIO_NET_HDR_GSO_TCPV6, 8000, 1400,
	  -1, 0, false },
	{ "USO on ARP", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4, 8000, 1400,
	  VNET + 13, 0x06, false },
	{ "segments above the MTU", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4, 8000,
	  1600, -1, 0, false },
	{ "a super-frame of 65,536 bytes", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4,
	  65536 - ETH - IP4 - L4_UDP, 1400, -1, 0, false },
	{ "TCPv4 on IPv6", IPPROTO_TCP, VIRTIO_NET_HDR_GSO_TCPV4, 8000, 1400,
	  -1, 0, true },
	{ "UFO gso_size not a multiple of 8", IPPROTO_UDP,
	  VIRTIO_NET_HDR_GSO_UDP, 8000, 1401, -1, 0, false },
	{ "UFO on IPv6", IPPROTO_UDP, VIRTIO_NET_HDR_GSO_UDP, 8000, 1400, -1,
	  0, true },
	{ "IPv6 segments above the MTU", IPPROTO_TCP,
	  VIRTIO_NET_HDR_GSO_TCPV6, 8000, 1441, -1, 0, true },
	{ "IPv6 with an extension header", IPPROTO_UDP, ZCNET_VNET_GSO_UDP_L4,
	  8000, 1400, VNET + ETH + 6, 0, true },
};

TEST_F(off, bad_headers_einval)
{
	struct zcnet_cq_entry c;
	struct zcnet_stats st0, st;
	unsigned int i;
	__u32 len;

	ASSERT_EQ(0, zc_get_stats(self->tx.fd, &st0));
	for (i = 0; i < sizeof(bad_hdrs) / sizeof(bad_hdrs[0]); i++) {
		const struct bad_hdr *b = &bad_hdrs[i];

		len = build(self, 3, b->v6, b->proto, b->payload, b->gso_type,
			    b->gso_size, false, 0);
		if (b->at >= 0)
			self->mem[3 * SLOT + b->at] = (unsigned char)b->value;
		c = send_one(self, 3, len);
		EXPECT_EQ(-EINVAL, c.result) TH_LOG("%s", b->what);
	}
	/* shorter than the header, and the header on other descriptors */
	c = send_one(self, 3, VNET - 1);
	EXPECT_EQ(-EINVAL, c.result);
	ASSERT_EQ(0, zc_get_stats(self->tx.fd, &st));
	EXPECT_EQ(st0.tx_rejected + i + 1, st.tx_rejected);
	EXPECT_EQ(st0.tx_frames, st.tx_frames);
}

TEST_HARNESS_MAIN
