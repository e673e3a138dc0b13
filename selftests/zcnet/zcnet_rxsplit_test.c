// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet receive of GRO and GSO packets (ZCNET_BIND_RX). One skb that
 * stands for many wire frames (a virtio host's GSO packet, vmxnet3's LRO,
 * GRO of TCP segments or UDP datagrams) must reach the RX ring as those
 * wire frames, one entry each, in order, each whole (len == frame_len, no
 * ZCNET_RX_TRUNCATED, frame_len at most MTU + 14) with a valid checksum.
 * A packet that cannot be split is dropped whole (rx_drop_split).
 *
 * The traffic comes from real sockets in the peer namespace:
 *   rxsplit.tcp_stream_split_and_reassembled: a TCP connection to the
 *     root namespace; while bound (ZCNET_RX_MATCH_ALL) the peer writes
 *     48 KiB, which with initrwnd/initcwnd 40 on host routes added for the
 *     test fits the first flight, and leaves the peer as one or more TSO
 *     packets. The stream is reassembled from the RX entries by sequence
 *     number and compared byte by byte; after UNBIND the local socket
 *     must receive all of it (the stream recovers). Three connections:
 *     with the peer's tcp_min_tso_segs raised (TSO packets as large as
 *     half the window, ~20 segments) once with a packet tap on the device,
 *     which shows how large the packets zcnet received were (a tap sees
 *     the skb before the rx_handler), and once without (a tap clones the
 *     skb, which is not the usual path); then without either (the packets
 *     its stack sizes by itself, a few segments each).
 *   rxsplit_udp.*.udp_gro_datagrams_split: trains of 41 datagrams (40 of
 *     1000 bytes, one of 123) sent at once with UDP_SEGMENT, merged by
 *     UDP GRO (forwarding GRO, fraglist GRO, or a local UDP_GRO socket),
 *     bound with ZCNET_RX_MATCH_UDP: every datagram exactly once, whole,
 *     in order, with its own length and checksum.
 *   rxsplit_fault.*.split_failure_drops_whole: with
 *     /sys/kernel/debug/zcnet/fail_rx_split failing one split, exactly
 *     that packet is dropped (rx_drop_split 1) and nothing is delivered
 *     in part. Kernels without zcnet's fault injection SKIP.
 *
 * System state changed (host routes, the peer's tcp_min_tso_segs, ethtool
 * features, fault_attr settings) is put back by the parent, also when a
 * test fails. Cached TCP metrics of the two addresses are forgotten.
 * Outside the test guest (no $ZCNET_* variables) every test SKIPs.
 */
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define RS_BUF		2048U	/* one posted buffer; two per page */
#define RS_NBUF		1024U
#define RS_RING		1024U
#define RS_MSG		4096
#define RS_WAIT_MS	5000U	/* a flight must have come by then */
#define RS_TRAIN_MS	3000U	/* and a train */
#define RS_RECOVER_MS	30000U	/* TCP retransmits (backing off) after UNBIND */
#define RS_WND		"40"	/* initrwnd and initcwnd of the test routes */
#define RS_TCP_LEN	(48U * 1024)
#define RS_UDP_PORT	40312
#define RS_GSO_SIZE	1000U	/* UDP_SEGMENT: datagrams of a train */
#define RS_LAST_LEN	123U	/* its last, shorter datagram */
#define RS_DGRAMS	41U	/* datagrams in a train */
#define RS_TRAINS	6U	/* trains that must arrive whole */
#define RS_RESENDS	2U	/* trains that lost datagrams on the way */
#define RS_MAX_TRAINS	32U
#define RS_MAGIC	0x7a637370u	/* "zcsp" */
#define RS_HDR		20U	/* magic, run, train, index, len */
#define RS_TAP_BUF	(1U << 17)
#define DEFAULT_IP	"10.99.0.1"
#define PEER_IP		"10.99.0.2"
#define FI_DIR		"/sys/kernel/debug/zcnet/fail_rx_split"
#define TSO_SEGS	"/proc/sys/net/ipv4/tcp_min_tso_segs"
#define RS_BIG_TSO	"64"	/* TSO packets as large as the window allows */

#ifndef SOL_UDP
#define SOL_UDP		17
#endif

struct rs_feat {
	char name[40];
	bool old;
};

struct rs_attr {
	char name[32];
	char old[64];
};

/* Everything a test uses; shared with the parent for the teardown. */
struct rs {
	struct zc_env env;
	char iface[IF_NAMESIZE];
	char peer_ns[64];
	char peer_iface[IF_NAMESIZE];
	char local_ip[INET_ADDRSTRLEN];
	char peer_ip[INET_ADDRSTRLEN];
	struct in_addr local, peer;
	struct zc_netif nif;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 max_len;		/* MTU + Ethernet header */
	pid_t owner;
	unsigned char *tapbuf;
	/* what the parent puts back */
	bool route_local, route_peer;
	char tso_old[24];	/* the peer's tcp_min_tso_segs, if changed */
	struct rs_feat feat[6];
	int nfeat;
	struct rs_attr attr[8];
	int nattr;
	/* problems found in RX entries */
	char msg[RS_MSG];
	int np;
	unsigned int entries;
	__u32 largest;		/* largest frame_len of an entry */
};

/* What a packet tap on the device saw of the test's flow. */
struct rs_tap {
	unsigned int pkts;	/* packets of the flow */
	unsigned int super;	/* of those, longer than MTU + 14 */
	__u32 max_len;		/* the longest */
	unsigned int max_frames; /* wire frames (datagrams) in the longest */
};

/* ---- small tools ---- */

/* Run argv (PATH lookup); its stdout into out (may be NULL). Exit status. */
static int rs_cmd(char *out, size_t size, const char *const argv[])
{
	char scratch[512];
	size_t used = 0;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(p[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (out && used + 1 < size)
			n = read(p[0], out + used, size - 1 - used);
		else
			n = read(p[0], scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && used + 1 < size)
			used += (size_t)n;
	}
	close(p[0]);
	if (out && size)
		out[used] = '\0';
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static uint64_t rs_csum_add(uint64_t sum, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t rs_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum of an IPv4 TCP or UDP segment (header included) is valid. */
static bool rs_l4_csum_ok(const struct iphdr *ip, const unsigned char *l4,
			  size_t len)
{
	unsigned char ph[12];
	uint64_t sum;

	memcpy(ph, &ip->saddr, 4);
	memcpy(ph + 4, &ip->daddr, 4);
	ph[8] = 0;
	ph[9] = ip->protocol;
	ph[10] = (unsigned char)(len >> 8);
	ph[11] = (unsigned char)len;
	sum = rs_csum_add(0, ph, sizeof(ph));
	sum = rs_csum_add(sum, l4, len);
	return rs_csum_fold(sum) == 0xffff;
}

static unsigned char rs_tcp_byte(__u32 off)
{
	return (unsigned char)((off * 7 + (off >> 8)) & 0xff);
}

static unsigned char rs_udp_byte(__u32 run, __u32 train, __u32 index,
				 __u32 j)
{
	return (unsigned char)(run + train * 31 + index * 131 + j * 7 +
			       (j >> 8));
}

static __u32 rs_dgram_len(__u32 index)
{
	return index + 1 < RS_DGRAMS ? RS_GSO_SIZE : RS_LAST_LEN;
}

static __u32 rs_get32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

static void rs_put32(unsigned char *p, __u32 v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

/* Parsed Ethernet + IPv4 headers of a frame; false if it is something else. */
struct rs_pkt {
	struct iphdr ip;
	const unsigned char *l4;
	size_t l4_len;		/* from the IP total length */
	__u32 ip_len;		/* 14 + total length */
};

static bool rs_parse_ip(const unsigned char *p, size_t len, struct rs_pkt *k)
{
	size_t ihl;

	if (len < ZC_ETH_HLEN + sizeof(struct iphdr) || p[12] != 0x08 ||
	    p[13] != 0x00)
		return false;
	memcpy(&k->ip, p + ZC_ETH_HLEN, sizeof(k->ip));
	ihl = (size_t)k->ip.ihl * 4;
	if (k->ip.version != 4 || ihl < sizeof(struct iphdr))
		return false;
	k->ip_len = ZC_ETH_HLEN + ntohs(k->ip.tot_len);
	if (ntohs(k->ip.tot_len) < ihl)
		return false;
	k->l4 = p + ZC_ETH_HLEN + ihl;
	k->l4_len = ntohs(k->ip.tot_len) - ihl;
	return true;
}

/* ---- the fixture ---- */

static int rs_post(struct rs *s, __u64 offset)
{
	struct zcnet_fill_desc d = {
		.offset = offset,
		.len = RS_BUF,
		.region = (__u16)s->id,
	};
	struct zc_ring *r = &s->c.fill;
	__u32 prod = zc_load_relaxed(r->producer);
	__u32 cons = zc_load_acquire(r->consumer);

	if (prod - cons >= r->entries)
		return -ENOSPC;
	memcpy(zc_ring_slot(r, prod), &d, sizeof(d));
	zc_store_release(r->producer, prod + 1);
	return 0;
}

/* Sleep in poll() on the context until the RX ring has entries or ms. */
static void rs_wait(struct rs *s, unsigned int ms)
{
	struct pollfd p = { .fd = s->c.fd, .events = POLLIN };

	poll(&p, 1, (int)ms);
}

/*
 * 0 ready, > 0 SKIP (reason in s->msg), < 0 failure (reason in s->msg).
 * Posts every buffer.
 */
static int rs_setup(struct rs *s)
{
	const char *v;
	unsigned int i;
	long ret;

	memset(s, 0, sizeof(*s));
	s->owner = getpid();
	s->c.fd = -1;
	if (!zc_dev_present()) {
		snprintf(s->msg, sizeof(s->msg),
			 ZC_DEV_PATH " missing: zcnet module not loaded");
		return 1;
	}
	if (!(zc_features() & ZCNET_FEAT_RX)) {
		snprintf(s->msg, sizeof(s->msg),
			 "this build does not offer ZCNET_FEAT_RX");
		return 1;
	}
	if (zc_env_get(&s->env)) {
		snprintf(s->msg, sizeof(s->msg),
			 "ZCNET_IFACE, ZCNET_PEER_NS or ZCNET_PEER_IFACE not set (these tests run in the test guest)");
		return 1;
	}
	snprintf(s->iface, sizeof(s->iface), "%s", s->env.iface);
	snprintf(s->peer_ns, sizeof(s->peer_ns), "%s", s->env.peer_ns);
	snprintf(s->peer_iface, sizeof(s->peer_iface), "%s",
		 s->env.peer_iface);
	v = s->env.local_ip && *s->env.local_ip ? s->env.local_ip : DEFAULT_IP;
	snprintf(s->local_ip, sizeof(s->local_ip), "%s", v);
	v = getenv("ZCNET_PEER_IP");
	snprintf(s->peer_ip, sizeof(s->peer_ip), "%s", v && *v ? v : PEER_IP);
	if (inet_pton(AF_INET, s->local_ip, &s->local) != 1 ||
	    inet_pton(AF_INET, s->peer_ip, &s->peer) != 1) {
		snprintf(s->msg, sizeof(s->msg), "bad addresses %s, %s",
			 s->local_ip, s->peer_ip);
		return -EINVAL;
	}
	ret = zc_netif_get(s->iface, &s->nif);
	if (ret || !(s->nif.flags & IFF_UP)) {
		snprintf(s->msg, sizeof(s->msg), "%s missing or down (%ld)",
			 s->iface, ret);
		return -ENODEV;
	}
	s->max_len = s->nif.mtu + ZC_ETH_HLEN;
	s->tapbuf = malloc(RS_TAP_BUF);
	s->mem_len = (size_t)RS_NBUF * RS_BUF;
	s->mem = zc_alloc_pages(s->mem_len / zc_page_size());
	if (!s->mem || !s->tapbuf) {
		snprintf(s->msg, sizeof(s->msg), "out of memory");
		return -ENOMEM;
	}
	memset(s->mem, 0xee, s->mem_len);
	ret = zc_ctx_open(&s->c, 0, 0, RS_RING, RS_RING);
	if (!ret)
		ret = zc_reg(s->c.fd, s->mem, s->mem_len, &s->id);
	for (i = 0; !ret && i < RS_NBUF; i++)
		ret = rs_post(s, (__u64)i * RS_BUF);
	if (ret) {
		snprintf(s->msg, sizeof(s->msg), "context setup: %s",
			 strerror((int)-ret));
		return (int)ret;
	}
	return 0;
}

/*
 * Write val (if not NULL) to a sysctl file of the peer's namespace,
 * reading its old value into old first (if not NULL); 0 or -errno.
 */
static int rs_peer_sysctl(struct rs *s, const char *path, const char *val,
			  char *old, size_t size)
{
	int ns = zc_netns_enter(s->peer_ns);
	int ret = 0;

	if (ns < 0)
		return ns;
	if (old) {
		ssize_t n = zc_read_file(path, old, size);

		if (n <= 0)
			ret = n < 0 ? (int)n : -EIO;
		old[strcspn(old, "\n")] = '\0';
	}
	if (!ret && val)
		ret = zc_write_file(path, val);
	if (zc_netns_return(ns)) {
		fprintf(stderr, "cannot return to the test's netns\n");
		_exit(1);
	}
	return ret;
}

/* In the parent: put back what the test changed, also after a failure. */
static void rs_teardown(struct rs *s)
{
	bool mine = getpid() == s->owner;
	char path[160];
	int i;

	if (mine)
		zc_ctx_close(&s->c);
	/* probability first, so nothing fails while the rest goes back */
	for (i = 0; i < s->nattr; i++) {
		if (strcmp(s->attr[i].name, "probability"))
			continue;
		zc_write_file(FI_DIR "/probability", "0");
	}
	for (i = s->nattr - 1; i >= 0; i--) {
		snprintf(path, sizeof(path), FI_DIR "/%s", s->attr[i].name);
		if (zc_write_file(path, s->attr[i].old))
			fprintf(stderr, "# could not restore %s to %s\n", path,
				s->attr[i].old);
	}
	for (i = s->nfeat - 1; i >= 0; i--) {
		const char *const argv[] = { "ethtool", "-K", s->iface,
					     s->feat[i].name,
					     s->feat[i].old ? "on" : "off",
					     NULL };

		if (rs_cmd(NULL, 0, argv))
			fprintf(stderr, "# could not restore %s of %s\n",
				s->feat[i].name, s->iface);
	}
	if (s->tso_old[0] && rs_peer_sysctl(s, TSO_SEGS, s->tso_old, NULL, 0))
		fprintf(stderr, "# could not restore %s in %s\n", TSO_SEGS,
			s->peer_ns);
	if (s->route_local) {
		char dst[32];
		const char *const argv[] = { "ip", "route", "del", dst, "dev",
					     s->iface, NULL };

		snprintf(dst, sizeof(dst), "%s/32", s->peer_ip);
		if (rs_cmd(NULL, 0, argv))
			fprintf(stderr, "# could not delete the route to %s\n",
				dst);
	}
	if (s->route_peer) {
		char dst[32];
		const char *const argv[] = { "ip", "-n", s->peer_ns, "route",
					     "del", dst, "dev", s->peer_iface,
					     NULL };

		snprintf(dst, sizeof(dst), "%s/32", s->local_ip);
		if (rs_cmd(NULL, 0, argv))
			fprintf(stderr, "# could not delete the peer's route to %s\n",
				dst);
	}
	if (mine && s->mem)
		munmap(s->mem, s->mem_len);
	if (mine)
		free(s->tapbuf);
}

/* A socket in the peer namespace; fd or -errno. */
static int rs_peer_socket(struct rs *s, int domain, int type)
{
	int old = zc_netns_enter(s->peer_ns);
	int fd, err;

	if (old < 0)
		return old;
	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	if (zc_netns_return(old)) {
		fprintf(stderr, "cannot return to the test's netns\n");
		_exit(1);
	}
	return fd < 0 ? err : fd;
}

static long rs_bind(struct rs *s, __u32 match, __u16 port)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = ZCNET_BIND_RX,
		.ifindex = (__u32)s->nif.ifindex,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = match,
		.rx_port = port,
	};

	return zc_ioctl(s->c.fd, ZCNET_IOC_BIND, &b);
}

/* An ethtool -k feature of the device: 1 on, 0 off, -errno. */
static int rs_feature(struct rs *s, const char *name, bool *fixed)
{
	const char *const argv[] = { "ethtool", "-k", s->iface, NULL };
	char out[16384], key[64];
	const char *p = out;
	size_t klen;

	if (rs_cmd(out, sizeof(out), argv))
		return -EIO;
	klen = (size_t)snprintf(key, sizeof(key), "%s: ", name);
	while ((p = strstr(p, key))) {
		if (p > out && (p[-1] == '\n' || p[-1] == '\t'))
			break;
		p += klen;
	}
	if (!p)
		return -ENOENT;
	p += klen;
	if (fixed)
		*fixed = !strncmp(strchrnul(p, '\n') - 7, "[fixed]", 7);
	return !strncmp(p, "on", 2);
}

/* ethtool -K NAME on|off, remembered for the teardown; 0 or -errno. */
static int rs_feature_set(struct rs *s, const char *name, bool on)
{
	const char *const argv[] = { "ethtool", "-K", s->iface, name,
				     on ? "on" : "off", NULL };
	int cur = rs_feature(s, name, NULL);
	int rc;

	if (cur < 0)
		return cur;
	if (cur == on)
		return 0;
	if (s->nfeat == (int)ARRAY_SIZE(s->feat))
		return -ENOSPC;
	snprintf(s->feat[s->nfeat].name, sizeof(s->feat[0].name), "%s", name);
	s->feat[s->nfeat].old = cur;
	s->nfeat++;
	rc = rs_cmd(NULL, 0, argv);
	if (rc)
		return -EIO;
	return rs_feature(s, name, NULL) == on ? 0 : -EIO;
}

/* A fault_attr file of fail_rx_split, remembered for the teardown. */
static int rs_fault_set(struct rs *s, const char *name, const char *val)
{
	char path[160];
	struct rs_attr *a;
	ssize_t n;

	if (s->nattr == (int)ARRAY_SIZE(s->attr))
		return -ENOSPC;
	a = &s->attr[s->nattr];
	snprintf(path, sizeof(path), FI_DIR "/%s", name);
	n = zc_read_file(path, a->old, sizeof(a->old));
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	a->old[strcspn(a->old, "\n")] = '\0';
	snprintf(a->name, sizeof(a->name), "%s", name);
	s->nattr++;
	return zc_write_file(path, val);
}

/*
 * Host routes for the test's connection with a large initial receive
 * window (ours) and congestion window (the peer's), so that the whole
 * stream goes out in the first flight; and no cached metrics.
 */
static int rs_routes(struct rs *s)
{
	char to_peer[32], to_local[32];
	const char *const loc[] = { "ip", "route", "replace", to_peer, "dev",
				    s->iface, "src", s->local_ip, "initrwnd",
				    RS_WND, NULL };
	const char *const peer[] = { "ip", "-n", s->peer_ns, "route",
				     "replace", to_local, "dev",
				     s->peer_iface, "src", s->peer_ip,
				     "initcwnd", RS_WND, NULL };
	int rc;

	snprintf(to_peer, sizeof(to_peer), "%s/32", s->peer_ip);
	snprintf(to_local, sizeof(to_local), "%s/32", s->local_ip);
	s->route_local = true;
	rc = rs_cmd(NULL, 0, loc);
	if (rc)
		return rc;
	s->route_peer = true;
	return rs_cmd(NULL, 0, peer);
}

static void rs_forget_metrics(struct rs *s)
{
	const char *const loc[] = { "ip", "tcp_metrics", "delete", s->peer_ip,
				    NULL };
	const char *const peer[] = { "ip", "-n", s->peer_ns, "tcp_metrics",
				     "delete", s->local_ip, NULL };

	/* fails when there is nothing to forget */
	rs_cmd(NULL, 0, loc);
	rs_cmd(NULL, 0, peer);
}

static long rs_rx_packets(struct rs *s)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
		 s->iface);
	return zc_read_file_long(path);
}

/*
 * Generic checks of an RX entry: the buffer is one of ours, the frame is
 * whole and no longer than the wire allows. Returns its bytes, or NULL
 * when the entry does not name a buffer of ours.
 */
static const unsigned char *rs_entry(struct rs *s,
				     const struct zcnet_rx_desc *e)
{
	s->entries++;
	if (e->frame_len > s->largest)
		s->largest = e->frame_len;
	if (e->region != s->id || e->offset % RS_BUF ||
	    e->offset >= s->mem_len || e->buf_len != RS_BUF) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u names region %u offset %llu buf_len %u",
			   s->entries, e->region,
			   (unsigned long long)e->offset, e->buf_len);
		return NULL;
	}
	if (e->flags & ZCNET_RX_TRUNCATED)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u TRUNCATED: len %u of frame_len %u",
			   s->entries, e->len, e->frame_len);
	else if (e->flags != ZCNET_RX_COPIED)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: flags 0x%x", s->entries, e->flags);
	if (e->frame_len > s->max_len)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: frame_len %u above MTU + 14 (%u)",
			   s->entries, e->frame_len, s->max_len);
	if (e->len != e->frame_len)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: len %u, frame_len %u", s->entries,
			   e->len, e->frame_len);
	if (e->data || e->reserved || e->len > e->buf_len ||
	    e->len < ZC_ETH_HLEN) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: data %u len %u reserved %u",
			   s->entries, e->data, e->len, e->reserved);
		return NULL;
	}
	return s->mem + e->offset;
}

/*
 * IPv4 header checks of a frame of len bytes: its length agrees with the
 * frame (Ethernet pads frames shorter than 60 bytes), its checksum holds.
 */
static bool rs_ip_ok(struct rs *s, const unsigned char *p, __u32 len,
		     const struct rs_pkt *k)
{
	if (k->ip_len > len || (k->ip_len < len && len > ZC_ETH_ZLEN)) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: frame of %u bytes holds an IP packet of %u",
			   s->entries, len, k->ip_len - ZC_ETH_HLEN);
		return false;
	}
	if (rs_csum_fold(rs_csum_add(0, p + ZC_ETH_HLEN,
				     (size_t)k->ip.ihl * 4)) != 0xffff)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: bad IP header checksum", s->entries);
	if (ntohs(k->ip.frag_off) & 0x3fff)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: an IP fragment", s->entries);
	return true;
}

static void rs_log_stats(struct __test_metadata *_metadata, struct rs *s,
			 const char *what)
{
	struct zcnet_stats st;

	if (zc_get_stats(s->c.fd, &st))
		return;
	TH_LOG("%s: %u entries (largest frame %u), rx_frames %llu rx_bytes %llu rx_drop_split %llu rx_drop_size %llu rx_drop_nobuf %llu rx_truncated %llu rx_signals %llu",
	       what, s->entries, s->largest,
	       (unsigned long long)st.rx_frames,
	       (unsigned long long)st.rx_bytes,
	       (unsigned long long)st.rx_drop_split,
	       (unsigned long long)st.rx_drop_size,
	       (unsigned long long)st.rx_drop_nobuf,
	       (unsigned long long)st.rx_truncated,
	       (unsigned long long)st.rx_signals);
}

/* A tap on the device: sees each skb before zcnet's rx_handler does. */
static int rs_tap_open(struct rs *s)
{
	return zc_packet_socket(s->nif.ifindex, ETH_P_ALL, 32 << 20);
}

/*
 * How many wire frames a packet longer than one stands for: UDP, our
 * datagrams back to back, each with its length; TCP, its payload over
 * the MSS the device's MTU allows with the same headers.
 */
static unsigned int rs_frames_in(struct rs *s, const struct rs_pkt *k,
				 const unsigned char *p, size_t len)
{
	size_t base = (size_t)(k->l4 - p), pos = 8, hl, mss;
	unsigned int frames = 0;

	if (k->ip.protocol == IPPROTO_UDP) {
		while (pos + RS_HDR <= k->l4_len &&
		       base + pos + RS_HDR <= len &&
		       rs_get32(k->l4 + pos) == RS_MAGIC &&
		       rs_get32(k->l4 + pos + 16)) {
			frames++;
			pos += rs_get32(k->l4 + pos + 16);
		}
		return frames;
	}
	if (base + 13 > len)
		return 0;
	hl = (size_t)k->ip.ihl * 4 + (size_t)(k->l4[12] >> 4) * 4;
	mss = s->nif.mtu > hl ? s->nif.mtu - hl : 1;
	return (unsigned int)((k->ip_len - ZC_ETH_HLEN - hl + mss - 1) / mss);
}

/*
 * Read what the tap holds: the flow's packets (IPv4, protocol proto, to
 * port dport), how many were longer than a wire frame, the longest, and
 * how many wire frames it stood for.
 */
static void rs_tap_scan(struct rs *s, int tap, int proto, __u16 dport,
			struct rs_tap *t)
{
	for (;;) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		struct rs_pkt k;
		ssize_t n;
		__u32 len;

		n = recvfrom(tap, s->tapbuf, RS_TAP_BUF,
			     MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&sll, &sl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		len = (__u32)n < RS_TAP_BUF ? (__u32)n : RS_TAP_BUF;
		if (!rs_parse_ip(s->tapbuf, len, &k) ||
		    k.ip.protocol != proto || k.l4_len < 8 ||
		    (size_t)(k.l4 - s->tapbuf) + 4 > len)
			continue;
		if ((rs_get32(k.l4) & 0xffff) != dport)
			continue;
		t->pkts++;
		if ((__u32)n <= s->max_len)
			continue;
		t->super++;
		if ((__u32)n > t->max_len) {
			t->max_len = (__u32)n;
			t->max_frames = rs_frames_in(s, &k, s->tapbuf, len);
		}
	}
}

/* ---- TCP ---- */

struct rs_tcp {
	int lfd, afd, pfd;
	__u16 port;		/* the listener's */
	__u16 peer_port;
	__u32 isn;		/* the peer's initial sequence number */
	unsigned char *want;	/* the stream */
	unsigned char *covered;	/* per byte of it */
	unsigned int ncovered;
	unsigned int data_entries;
	unsigned int dup_bytes;
	unsigned int other;	/* entries of other traffic */
};

static void rs_tcp_close(struct rs_tcp *t)
{
	if (t->pfd >= 0)
		close(t->pfd);
	if (t->afd >= 0)
		close(t->afd);
	if (t->lfd >= 0)
		close(t->lfd);
	t->pfd = t->afd = t->lfd = -1;
	free(t->want);
	free(t->covered);
	t->want = t->covered = NULL;
}

/* The peer's SYN to the listener, from a tap: its sequence number. */
static int rs_tcp_syn(struct rs *s, int tap, struct rs_tcp *t)
{
	uint64_t end = zc_now_ms() + RS_WAIT_MS;

	for (;;) {
		struct pollfd p = { .fd = tap, .events = POLLIN };
		struct tcphdr th;
		struct rs_pkt k;
		ssize_t n;

		n = recv(tap, s->tapbuf, RS_TAP_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
			if (zc_now_ms() > end)
				return -ETIMEDOUT;
			poll(&p, 1, 100);
			continue;
		}
		if (!rs_parse_ip(s->tapbuf, (size_t)n, &k) ||
		    k.ip.protocol != IPPROTO_TCP ||
		    k.l4_len < sizeof(th) ||
		    (size_t)(k.l4 - s->tapbuf) + sizeof(th) > (size_t)n)
			continue;
		memcpy(&th, k.l4, sizeof(th));
		if (ntohs(th.dest) != t->port ||
		    ntohs(th.source) != t->peer_port || !th.syn || th.ack)
			continue;
		t->isn = ntohl(th.seq);
		return 0;
	}
}

/*
 * A connection from the peer namespace to a listener here, established,
 * with the peer's ISN taken from its SYN. ASSERTs.
 */
static void rs_tcp_connect(struct __test_metadata *_metadata, struct rs *s,
			   struct rs_tcp *t)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr = s->local,
	};
	socklen_t sl = sizeof(sin);
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, big = 1 << 20, tap;
	struct pollfd p;
	__u32 i;

	memset(t, 0, sizeof(*t));
	t->lfd = t->afd = t->pfd = -1;
	t->want = malloc(RS_TCP_LEN);
	t->covered = calloc(RS_TCP_LEN, 1);
	ASSERT_NE(NULL, t->want);
	ASSERT_NE(NULL, t->covered);
	for (i = 0; i < RS_TCP_LEN; i++)
		t->want[i] = rs_tcp_byte(i);
	rs_forget_metrics(s);

	t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, t->lfd);
	ASSERT_EQ(0, setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	/* room for the whole window: the receive buffer is not the limit */
	ASSERT_EQ(0, setsockopt(t->lfd, SOL_SOCKET, SO_RCVBUFFORCE, &big,
				sizeof(big)));
	ASSERT_EQ(0, bind(t->lfd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("bind to %s: %s", s->local_ip, strerror(errno));
	ASSERT_EQ(0, listen(t->lfd, 4));
	ASSERT_EQ(0, getsockname(t->lfd, (struct sockaddr *)&sin, &sl));
	t->port = ntohs(sin.sin_port);

	t->pfd = rs_peer_socket(s, AF_INET, SOCK_STREAM);
	ASSERT_LE(0, t->pfd) TH_LOG("TCP socket in %s", s->peer_ns);
	ASSERT_EQ(0, setsockopt(t->pfd, SOL_SOCKET, SO_SNDBUFFORCE, &big,
				sizeof(big)));
	ASSERT_EQ(0, setsockopt(t->pfd, IPPROTO_TCP, TCP_NODELAY, &one,
				sizeof(one)));
	ASSERT_EQ(0, setsockopt(t->pfd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	/* the port first, so that the SYN can be told from others */
	sin.sin_port = 0;
	sin.sin_addr = s->peer;
	ASSERT_EQ(0, bind(t->pfd, (struct sockaddr *)&sin, sizeof(sin)));
	sl = sizeof(sin);
	ASSERT_EQ(0, getsockname(t->pfd, (struct sockaddr *)&sin, &sl));
	t->peer_port = ntohs(sin.sin_port);

	tap = zc_packet_socket(s->nif.ifindex, ETH_P_IP, 4 << 20);
	ASSERT_LE(0, tap);
	sin.sin_addr = s->local;
	sin.sin_port = htons(t->port);
	ASSERT_EQ(0, connect(t->pfd, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("connect to %s:%u: %s", s->local_ip, t->port,
		       strerror(errno));
	p.fd = t->lfd;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, RS_WAIT_MS));
	t->afd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, t->afd);
	ASSERT_EQ(0, rs_tcp_syn(s, tap, t)) TH_LOG("the peer's SYN not seen");
	close(tap);
}

/* One RX entry of the stream: reassemble by sequence number. */
static void rs_tcp_entry(struct rs *s, struct rs_tcp *t,
			 const unsigned char *p, __u32 len)
{
	struct tcphdr th;
	struct rs_pkt k;
	__u32 hl, plen, i;
	int32_t rel;
	bool bad = false;

	if (!rs_parse_ip(p, len, &k) || k.ip.protocol != IPPROTO_TCP ||
	    k.ip.saddr != s->peer.s_addr || k.ip.daddr != s->local.s_addr) {
		t->other++;
		return;
	}
	if (!rs_ip_ok(s, p, len, &k))
		return;
	if (k.l4_len < sizeof(th)) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: TCP segment of %zu bytes", s->entries,
			   k.l4_len);
		return;
	}
	memcpy(&th, k.l4, sizeof(th));
	if (ntohs(th.source) != t->peer_port || ntohs(th.dest) != t->port) {
		t->other++;
		return;
	}
	hl = (__u32)th.doff * 4;
	if (hl < sizeof(th) || hl > k.l4_len) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: TCP header of %u bytes", s->entries, hl);
		return;
	}
	if (!rs_l4_csum_ok(&k.ip, k.l4, k.l4_len))
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: bad TCP checksum (seq %u, %zu bytes)",
			   s->entries, ntohl(th.seq) - t->isn - 1,
			   k.l4_len - hl);
	plen = (__u32)k.l4_len - hl;
	if (!plen)
		return;
	t->data_entries++;
	rel = (int32_t)(ntohl(th.seq) - (t->isn + 1));
	if (rel < 0 || (__u32)rel + plen > RS_TCP_LEN) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: %u bytes at stream offset %d, outside the %u written",
			   s->entries, plen, rel, RS_TCP_LEN);
		return;
	}
	for (i = 0; i < plen; i++) {
		__u32 off = (__u32)rel + i;

		if (k.l4[hl + i] != t->want[off] && !bad) {
			zc_problem(s->msg, sizeof(s->msg), &s->np,
				   "entry %u: stream byte %u is 0x%02x, want 0x%02x",
				   s->entries, off, k.l4[hl + i],
				   t->want[off]);
			bad = true;
		}
		if (t->covered[off]) {
			t->dup_bytes++;
		} else {
			t->covered[off] = 1;
			t->ncovered++;
		}
	}
}

/*
 * Pop and check RX entries of the stream until done(), a problem, or
 * RS_WAIT_MS passed; every buffer is posted again.
 */
static void rs_tcp_collect(struct rs *s, struct rs_tcp *t,
			   bool (*done)(struct rs *s, struct rs_tcp *t))
{
	uint64_t end = zc_now_ms() + RS_WAIT_MS;
	struct zcnet_rx_desc e;

	while (!done(s, t) && !s->np) {
		const unsigned char *p;

		if (zc_rx_pop(&s->c.rx, &e)) {
			if (zc_now_ms() >= end)
				break;
			rs_wait(s, 100);
			continue;
		}
		p = rs_entry(s, &e);
		if (!p)
			continue;
		rs_tcp_entry(s, t, p, e.len);
		if (rs_post(s, e.offset))
			zc_problem(s->msg, sizeof(s->msg), &s->np,
				   "the FILL ring is full");
	}
}

static bool rs_tcp_all(struct rs *s, struct rs_tcp *t)
{
	(void)s;
	return t->ncovered == RS_TCP_LEN;
}

/* After UNBIND the stream recovers: the socket reads all of it. */
static void rs_tcp_recover(struct __test_metadata *_metadata,
			   struct rs_tcp *t)
{
	uint64_t start = zc_now_ms(), end = start + RS_RECOVER_MS;
	unsigned char *buf = malloc(RS_TCP_LEN);
	size_t got = 0;

	ASSERT_NE(NULL, buf);
	while (got < RS_TCP_LEN && zc_now_ms() < end) {
		struct pollfd p = { .fd = t->afd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(t->afd, buf + got, RS_TCP_LEN - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	EXPECT_EQ(RS_TCP_LEN, got)
		TH_LOG("after UNBIND the socket got %zu of %u bytes", got,
		       RS_TCP_LEN);
	EXPECT_EQ(0, memcmp(buf, t->want, got))
		TH_LOG("the socket's stream differs from what was written");
	TH_LOG("after UNBIND the socket read %zu bytes in %llu ms", got,
	       (unsigned long long)(zc_now_ms() - start));
	free(buf);
}

/* ---- UDP ---- */

struct rs_udp {
	int sfd;		/* the peer's sender */
	__u32 run;
	__u32 trains;		/* sent so far */
	unsigned char got[RS_MAX_TRAINS][RS_DGRAMS];
	unsigned int ngot[RS_MAX_TRAINS];
	int last[RS_MAX_TRAINS];	/* index of the last one received */
	unsigned char *buf;	/* one train */
	bool gso;		/* UDP_SEGMENT worked */
	unsigned int other;
};

static void rs_udp_train(struct rs_udp *u, __u32 train)
{
	__u32 i, j, off = 0;

	for (i = 0; i < RS_DGRAMS; i++) {
		unsigned char *d = u->buf + off;
		__u32 len = rs_dgram_len(i);

		rs_put32(d, RS_MAGIC);
		rs_put32(d + 4, u->run);
		rs_put32(d + 8, train);
		rs_put32(d + 12, i);
		rs_put32(d + 16, len);
		for (j = RS_HDR; j < len; j++)
			d[j] = rs_udp_byte(u->run, train, i, j);
		off += len;
	}
}

/*
 * Send a train: one send of all of it, segmented by UDP_SEGMENT (the
 * datagrams leave back to back), or, when the kernel refuses, one send
 * per datagram. 0 or -errno.
 */
static int rs_udp_send(struct rs_udp *u, __u32 train)
{
	const size_t total = (RS_DGRAMS - 1) * RS_GSO_SIZE + RS_LAST_LEN;
	struct mmsghdr m[RS_DGRAMS];
	struct iovec iov[RS_DGRAMS];
	__u32 i;
	int sent;

	rs_udp_train(u, train);
	if (u->gso) {
		ssize_t n = send(u->sfd, u->buf, total, 0);

		if (n == (ssize_t)total)
			return 0;
		if (n >= 0)
			return -EIO;
		if (errno != EIO && errno != EINVAL && errno != ENOPROTOOPT)
			return -errno;
		u->gso = false;
	}
	memset(m, 0, sizeof(m));
	for (i = 0; i < RS_DGRAMS; i++) {
		iov[i].iov_base = u->buf + (size_t)i * RS_GSO_SIZE;
		iov[i].iov_len = rs_dgram_len(i);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < RS_DGRAMS; i += (__u32)sent) {
		sent = sendmmsg(u->sfd, m + i, RS_DGRAMS - i, 0);
		if (sent <= 0)
			return sent < 0 ? -errno : -EIO;
	}
	return 0;
}

/* The peer's UDP socket, connected to our port, with UDP_SEGMENT. */
static int rs_udp_open(struct rs *s, struct rs_udp *u)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(RS_UDP_PORT),
		.sin_addr = s->local,
	};
	int gso = RS_GSO_SIZE, big = 4 << 20;

	memset(u, 0, sizeof(*u));
	u->run = zc_new_run();
	u->buf = malloc(RS_DGRAMS * RS_GSO_SIZE);
	if (!u->buf)
		return -ENOMEM;
	u->sfd = rs_peer_socket(s, AF_INET, SOCK_DGRAM);
	if (u->sfd < 0)
		return u->sfd;
	if (setsockopt(u->sfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) ||
	    connect(u->sfd, (struct sockaddr *)&sin, sizeof(sin)))
		return -errno;
	u->gso = !setsockopt(u->sfd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso));
	return 0;
}

static void rs_udp_close(struct rs_udp *u)
{
	if (u->sfd >= 0)
		close(u->sfd);
	u->sfd = -1;
	free(u->buf);
	u->buf = NULL;
}

/* One RX entry that must be one datagram of a train, whole. */
static void rs_udp_entry(struct rs *s, struct rs_udp *u,
			 const unsigned char *p, __u32 len)
{
	__u32 plen, train, index, dlen, ulen, j;
	const unsigned char *d;
	struct rs_pkt k;
	bool bad = false;

	if (!rs_parse_ip(p, len, &k) || k.ip.protocol != IPPROTO_UDP ||
	    k.ip.saddr != s->peer.s_addr) {
		u->other++;
		return;
	}
	if (!rs_ip_ok(s, p, len, &k))
		return;
	ulen = k.l4_len >= 8 ? (__u32)k.l4[4] << 8 | k.l4[5] : 0;
	if (k.l4_len < 8 + RS_HDR || ulen != k.l4_len) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: UDP length %u in %zu bytes of IP payload",
			   s->entries, ulen, k.l4_len);
		return;
	}
	if ((rs_get32(k.l4) & 0xffff) != RS_UDP_PORT)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: to UDP port %u", s->entries,
			   rs_get32(k.l4) & 0xffff);
	if ((k.l4[6] || k.l4[7]) && !rs_l4_csum_ok(&k.ip, k.l4, k.l4_len))
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: bad UDP checksum", s->entries);
	d = k.l4 + 8;
	plen = (__u32)k.l4_len - 8;
	if (rs_get32(d) != RS_MAGIC || rs_get32(d + 4) != u->run) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: a datagram that is not one of ours (%u bytes)",
			   s->entries, plen);
		return;
	}
	train = rs_get32(d + 8);
	index = rs_get32(d + 12);
	dlen = rs_get32(d + 16);
	if (train >= u->trains || index >= RS_DGRAMS ||
	    dlen != rs_dgram_len(index)) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "entry %u: train %u datagram %u length %u unknown",
			   s->entries, train, index, dlen);
		return;
	}
	if (plen != dlen || len != ZC_ETH_HLEN + k.ip.ihl * 4U + 8 + dlen) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "train %u datagram %u: %u payload bytes in a frame of %u, sent %u",
			   train, index, plen, len, dlen);
		return;
	}
	for (j = RS_HDR; j < dlen && !bad; j++)
		bad = d[j] != rs_udp_byte(u->run, train, index, j);
	if (bad)
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "train %u datagram %u: byte %u differs", train,
			   index, j - 1);
	if (u->got[train][index]++) {
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "train %u datagram %u received twice", train, index);
		return;
	}
	if (u->ngot[train] && (int)index < u->last[train])
		zc_problem(s->msg, sizeof(s->msg), &s->np,
			   "train %u: datagram %u after %d", train, index,
			   u->last[train]);
	u->last[train] = (int)index;
	u->ngot[train]++;
}

/* Pop and check entries until the train is complete, a problem, or ms. */
static void rs_udp_collect(struct rs *s, struct rs_udp *u, __u32 train,
			   unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	struct zcnet_rx_desc e;

	while (u->ngot[train] < RS_DGRAMS && !s->np) {
		const unsigned char *p;

		if (zc_rx_pop(&s->c.rx, &e)) {
			if (zc_now_ms() >= end)
				break;
			rs_wait(s, 100);
			continue;
		}
		p = rs_entry(s, &e);
		if (!p)
			continue;
		rs_udp_entry(s, u, p, e.len);
		if (rs_post(s, e.offset))
			zc_problem(s->msg, sizeof(s->msg), &s->np,
				   "the FILL ring is full");
	}
}

/* Pop and check whatever entries there are (late or duplicate ones). */
static void rs_udp_drain(struct rs *s, struct rs_udp *u)
{
	struct zcnet_rx_desc e;

	while (!zc_rx_pop(&s->c.rx, &e)) {
		const unsigned char *p = rs_entry(s, &e);

		if (!p)
			continue;
		rs_udp_entry(s, u, p, e.len);
		if (rs_post(s, e.offset))
			zc_problem(s->msg, sizeof(s->msg), &s->np,
				   "the FILL ring is full");
	}
}

/* ---- rxsplit: TCP ---- */

FIXTURE(rxsplit) {
	struct rs s;
};

FIXTURE_SETUP(rxsplit)
{
	int r = rs_setup(&self->s);

	if (r > 0)
		SKIP(return, "%.900s", self->s.msg);
	ASSERT_EQ(0, r) TH_LOG("%s", self->s.msg);
}

FIXTURE_TEARDOWN_PARENT(rxsplit)
{
	rs_teardown(&self->s);
}

/*
 * One flight of RS_TCP_LEN bytes, received with MATCH_ALL while the
 * local stack (which then gets nothing, so never ACKs) waits: every
 * entry whole and valid, the whole stream covered, byte-exact.
 */
/* The peer's TSO packets: as its stack sizes them, or large. ASSERTs. */
static void rs_peer_tso(struct __test_metadata *_metadata, struct rs *s,
			bool big, char *cur, size_t size)
{
	if (!s->tso_old[0])
		ASSERT_EQ(0, rs_peer_sysctl(s, TSO_SEGS, NULL, s->tso_old,
					    sizeof(s->tso_old)));
	ASSERT_EQ(0, rs_peer_sysctl(s, TSO_SEGS, big ? RS_BIG_TSO : s->tso_old,
				    NULL, 0));
	ASSERT_EQ(0, rs_peer_sysctl(s, TSO_SEGS, NULL, cur, size));
}

static void rs_tcp_round(struct __test_metadata *_metadata, struct rs *s,
			 bool with_tap, bool big_tso)
{
	char cur[24];
	struct rs_tap tap = { 0 };
	struct zcnet_stats st;
	struct rs_tcp t;
	long pkts0, pkts1;
	int tfd = -1;

	rs_peer_tso(_metadata, s, big_tso, cur, sizeof(cur));
	rs_tcp_connect(_metadata, s, &t);
	if (with_tap) {
		tfd = rs_tap_open(s);
		ASSERT_LE(0, tfd);
	}
	pkts0 = rs_rx_packets(s);
	ASSERT_EQ(0, rs_bind(s, ZCNET_RX_MATCH_ALL, 0));
	ASSERT_EQ(0, zc_write_full(t.pfd, t.want, RS_TCP_LEN));
	rs_tcp_collect(s, &t, rs_tcp_all);
	ASSERT_EQ(0, zc_unbind(s->c.fd, ZCNET_BIND_RX));
	pkts1 = rs_rx_packets(s);
	if (tfd >= 0) {
		rs_tap_scan(s, tfd, IPPROTO_TCP, t.port, &tap);
		close(tfd);
		TH_LOG("tap: %u packets of the flow, %u longer than MTU + 14, the longest %u bytes (~%u segments)",
		       tap.pkts, tap.super, tap.max_len, tap.max_frames);
		/* else nothing was split: the test would not test */
		EXPECT_LT(0U, tap.super)
			TH_LOG("no GSO/LRO/GRO packet reached zcnet");
	}
	TH_LOG("%s tap, the peer's tcp_min_tso_segs %s: %u data entries for %u of %u bytes (%u bytes seen twice), %u other entries; the device counted %ld packets",
	       with_tap ? "with" : "without", cur, t.data_entries, t.ncovered,
	       RS_TCP_LEN, t.dup_bytes, t.other, pkts1 - pkts0);
	rs_log_stats(_metadata, s, "stats");
	ASSERT_EQ(0, s->np) TH_LOG("%s", s->msg);
	ASSERT_EQ(RS_TCP_LEN, t.ncovered)
		TH_LOG("stream bytes missing, the first at offset %zu",
		       (size_t)((unsigned char *)memchr(t.covered, 0,
							RS_TCP_LEN) -
				t.covered));
	ASSERT_EQ(0, zc_get_stats(s->c.fd, &st));
	EXPECT_EQ(0U, st.rx_drop_split);
	EXPECT_EQ(0U, st.rx_drop_size);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	EXPECT_EQ(0U, st.rx_truncated);
	rs_tcp_recover(_metadata, &t);
	rs_tcp_close(&t);
}

TEST_F_TIMEOUT(rxsplit, tcp_stream_split_and_reassembled, 60)
{
	struct rs *s = &self->s;
	uint64_t start = zc_now_ms();

	ASSERT_EQ(0, rs_routes(s))
		TH_LOG("ip route replace ... initrwnd/initcwnd failed");
	rs_tcp_round(_metadata, s, true, true);
	s->np = 0;
	s->msg[0] = '\0';
	rs_tcp_round(_metadata, s, false, true);
	s->np = 0;
	s->msg[0] = '\0';
	rs_tcp_round(_metadata, s, false, false);
	TH_LOG("took %llu ms", (unsigned long long)(zc_now_ms() - start));
}

/* ---- rxsplit_udp: UDP GRO ---- */

FIXTURE(rxsplit_udp) {
	struct rs s;
};

FIXTURE_VARIANT(rxsplit_udp) {
	const char *feature;	/* turned on for the test, or NULL */
	bool gro_sock;		/* a local UDP_GRO socket on the port */
};

/* GRO of forwarded UDP: no local socket on the port */
FIXTURE_VARIANT_ADD(rxsplit_udp, gro_fwd) {
	.feature = "rx-udp-gro-forwarding",
};

/* fraglist GRO: the datagrams are kept as a list of skbs */
FIXTURE_VARIANT_ADD(rxsplit_udp, gro_list) {
	.feature = "rx-gro-list",
};

/* a local socket asked for GRO */
FIXTURE_VARIANT_ADD(rxsplit_udp, gro_sock) {
	.gro_sock = true,
};

FIXTURE_SETUP(rxsplit_udp)
{
	int r = rs_setup(&self->s);

	if (r > 0)
		SKIP(return, "%.900s", self->s.msg);
	ASSERT_EQ(0, r) TH_LOG("%s", self->s.msg);
}

FIXTURE_TEARDOWN_PARENT(rxsplit_udp)
{
	rs_teardown(&self->s);
}

/*
 * GRO on the device: on, and LRO off (vmxnet3 hands LRO devices' packets
 * past GRO), then the variant's feature. ASSERTs.
 */
static void rs_udp_gro_setup(struct __test_metadata *_metadata, struct rs *s,
			     const char *feature)
{
	bool fixed = false;
	int lro, i;

	ASSERT_EQ(0, rs_feature_set(s, "generic-receive-offload", true));
	lro = rs_feature(s, "large-receive-offload", &fixed);
	if (lro == 1 && !fixed)
		ASSERT_EQ(0, rs_feature_set(s, "large-receive-offload", false));
	if (feature)
		ASSERT_EQ(0, rs_feature_set(s, feature, true))
			TH_LOG("ethtool -K %s %s on", s->iface, feature);
	for (i = 0; i < s->nfeat; i++)
		TH_LOG("ethtool -K %s %s %s (was %s)", s->iface,
		       s->feat[i].name, s->feat[i].old ? "off" : "on",
		       s->feat[i].old ? "on" : "off");
}

/* A local UDP socket on the port with UDP_GRO; fd. ASSERTs. */
static int rs_gro_socket(struct __test_metadata *_metadata, struct rs *s)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(RS_UDP_PORT),
		.sin_addr = s->local,
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)))
		TH_LOG("UDP_GRO: %s", strerror(errno));
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	return fd;
}

/* What zcnet dropped or truncated: must stay 0. */
static __u64 rs_zc_losses(struct rs *s)
{
	struct zcnet_stats st;

	if (zc_get_stats(s->c.fd, &st))
		return ~0ULL;
	return st.rx_drop_split + st.rx_drop_size + st.rx_drop_nobuf +
	       st.rx_truncated;
}

/*
 * Trains until RS_TRAINS arrived whole. A train that lost datagrams on
 * the way, with nothing wrong in what arrived and nothing dropped by
 * zcnet, is sent again as a new train, at most RS_RESENDS times in all.
 * Every second train is watched by a tap that shows how GRO merged it.
 * ASSERTs.
 */
static void rs_udp_trains(struct __test_metadata *_metadata, struct rs *s,
			  struct rs_udp *u, struct rs_tap *all,
			  unsigned int *merged_trains)
{
	unsigned int resends = 0;
	__u32 slot, train;
	bool watch;

	for (slot = 0; slot < RS_TRAINS; slot++) {
		for (watch = !(slot & 1);; watch = false) {
			struct rs_tap tap = { 0 };
			int tfd = -1;

			ASSERT_GT(RS_MAX_TRAINS, u->trains);
			train = u->trains++;
			if (watch) {
				tfd = rs_tap_open(s);
				ASSERT_LE(0, tfd);
			}
			ASSERT_EQ(0, rs_udp_send(u, train));
			rs_udp_collect(s, u, train, RS_TRAIN_MS);
			if (tfd >= 0) {
				rs_tap_scan(s, tfd, IPPROTO_UDP, RS_UDP_PORT,
					    &tap);
				close(tfd);
				TH_LOG("train %u: the tap saw %u packets, %u longer than MTU + 14, the longest %u bytes (%u datagrams)",
				       train, tap.pkts, tap.super, tap.max_len,
				       tap.max_frames);
				all->pkts += tap.pkts;
				all->super += tap.super;
				if (tap.super)
					(*merged_trains)++;
				if (tap.max_len > all->max_len) {
					all->max_len = tap.max_len;
					all->max_frames = tap.max_frames;
				}
			}
			if (u->ngot[train] == RS_DGRAMS)
				break;
			/* broken or dropped by zcnet: no second chance */
			ASSERT_EQ(0, s->np) TH_LOG("%s", s->msg);
			ASSERT_EQ(0U, rs_zc_losses(s))
				TH_LOG("train %u: %u of %u datagrams arrived",
				       train, u->ngot[train], RS_DGRAMS);
			ASSERT_LT(0U, u->ngot[train])
				TH_LOG("train %u: no datagram arrived", train);
			ASSERT_GT(RS_RESENDS, resends++)
				TH_LOG("train %u: %u of %u datagrams arrived, and %u trains lost some before",
				       train, u->ngot[train], RS_DGRAMS,
				       RS_RESENDS);
			TH_LOG("train %u: %u of %u datagrams arrived (lost on the way?); sending it again",
			       train, u->ngot[train], RS_DGRAMS);
		}
	}
}

TEST_F_TIMEOUT(rxsplit_udp, udp_gro_datagrams_split, 40)
{
	struct rs *s = &self->s;
	struct rs_tap all = { 0 };
	unsigned int merged = 0;
	uint64_t start = zc_now_ms();
	struct zcnet_stats st;
	struct rs_udp u;
	long pkts0;
	int lfd = -1;

	rs_udp_gro_setup(_metadata, s, variant->feature);
	if (variant->gro_sock)
		lfd = rs_gro_socket(_metadata, s);
	ASSERT_EQ(0, rs_udp_open(s, &u)) TH_LOG("the peer's UDP socket");
	ASSERT_EQ(0, rs_bind(s, ZCNET_RX_MATCH_UDP, RS_UDP_PORT));
	pkts0 = rs_rx_packets(s);
	rs_udp_trains(_metadata, s, &u, &all, &merged);
	/* anything still coming is checked too (duplicates) */
	rs_udp_drain(s, &u);
	rs_wait(s, 200);
	rs_udp_drain(s, &u);
	TH_LOG("%u trains (%s), %u entries, %u other; the device counted %ld packets; GRO merged %u of the %u trains the tap watched: %u packets longer than a frame, the longest %u bytes (%u datagrams)",
	       u.trains, u.gso ? "UDP_SEGMENT" : "sendmmsg", s->entries,
	       u.other, rs_rx_packets(s) - pkts0, merged, (RS_TRAINS + 1) / 2,
	       all.super, all.max_len, all.max_frames);
	rs_log_stats(_metadata, s, "stats");
	EXPECT_EQ(0, s->np) TH_LOG("%s", s->msg);
	ASSERT_EQ(0, zc_get_stats(s->c.fd, &st));
	EXPECT_EQ(0U, st.rx_drop_split);
	EXPECT_EQ(0U, st.rx_drop_size);
	EXPECT_EQ(0U, st.rx_drop_nobuf);
	EXPECT_EQ(0U, st.rx_truncated);
	/* else nothing was split: the test would not test */
	EXPECT_LT(0U, merged)
		TH_LOG("GRO merged none of the trains the tap watched");
	EXPECT_EQ(0, zc_unbind(s->c.fd, ZCNET_BIND_RX));
	rs_udp_close(&u);
	if (lfd >= 0)
		close(lfd);
	TH_LOG("took %llu ms", (unsigned long long)(zc_now_ms() - start));
}

/* ---- rxsplit_fault: a split that fails ---- */

FIXTURE(rxsplit_fault) {
	struct rs s;
};

FIXTURE_VARIANT(rxsplit_fault) {
	bool tcp;
};

FIXTURE_VARIANT_ADD(rxsplit_fault, tcp) {
	.tcp = true,
};

FIXTURE_VARIANT_ADD(rxsplit_fault, udp) {
	.tcp = false,
};

FIXTURE_SETUP(rxsplit_fault)
{
	int r = rs_setup(&self->s);

	if (r > 0)
		SKIP(return, "%.900s", self->s.msg);
	ASSERT_EQ(0, r) TH_LOG("%s", self->s.msg);
	if (access(FI_DIR "/probability", W_OK))
		SKIP(return, "kernel without fault injection; the debug lane runs it");
}

FIXTURE_TEARDOWN_PARENT(rxsplit_fault)
{
	rs_teardown(&self->s);
}

/* The next split fails, once; nothing is printed. ASSERTs. */
static void rs_fail_next_split(struct __test_metadata *_metadata,
			       struct rs *s)
{
	ASSERT_EQ(0, rs_fault_set(s, "verbose", "0"));
	ASSERT_EQ(0, rs_fault_set(s, "task-filter", "N"));
	ASSERT_EQ(0, rs_fault_set(s, "interval", "1"));
	ASSERT_EQ(0, rs_fault_set(s, "space", "0"));
	ASSERT_EQ(0, rs_fault_set(s, "times", "1"));
	ASSERT_EQ(0, rs_fault_set(s, "probability", "100"));
}

static __u64 rs_drop_split(struct rs *s)
{
	struct zcnet_stats st;

	if (zc_get_stats(s->c.fd, &st))
		return ~0ULL;
	return st.rx_drop_split;
}

static bool rs_tcp_dropped_and_head(struct rs *s, struct rs_tcp *t)
{
	return rs_drop_split(s) && t->covered[0];
}

/*
 * TCP: the first GSO packet of the flight is dropped whole. What arrives
 * (the rest of the flight, the retransmitted head) is whole and right;
 * the stream has a hole while bound (no ACKs, so the peer only ever
 * retransmits its head), and after UNBIND the retransmissions fill it.
 */
static void rs_fault_tcp(struct __test_metadata *_metadata, struct rs *s)
{
	struct zcnet_stats st;
	struct rs_tcp t;
	char cur[24];

	ASSERT_EQ(0, rs_routes(s))
		TH_LOG("ip route replace ... initrwnd/initcwnd failed");
	rs_peer_tso(_metadata, s, true, cur, sizeof(cur));
	rs_tcp_connect(_metadata, s, &t);
	rs_fail_next_split(_metadata, s);
	ASSERT_EQ(0, rs_bind(s, ZCNET_RX_MATCH_ALL, 0));
	ASSERT_EQ(0, zc_write_full(t.pfd, t.want, RS_TCP_LEN));
	rs_tcp_collect(s, &t, rs_tcp_dropped_and_head);
	ASSERT_EQ(0, zc_unbind(s->c.fd, ZCNET_BIND_RX));
	TH_LOG("%u data entries for %u of %u bytes (%u bytes seen twice), %u other entries",
	       t.data_entries, t.ncovered, RS_TCP_LEN, t.dup_bytes, t.other);
	rs_log_stats(_metadata, s, "stats");
	EXPECT_EQ(0, s->np) TH_LOG("%s", s->msg);
	ASSERT_EQ(0, zc_get_stats(s->c.fd, &st));
	EXPECT_EQ(1U, st.rx_drop_split)
		TH_LOG("the failed split must drop exactly one packet");
	EXPECT_EQ(0U, st.rx_drop_size);
	EXPECT_EQ(0U, st.rx_truncated);
	EXPECT_EQ(0, zc_read_file_long(FI_DIR "/times"))
		TH_LOG("the fault did not fire");
	EXPECT_EQ(1, t.covered[0]) TH_LOG("the head was never retransmitted");
	rs_tcp_recover(_metadata, &t);
	rs_tcp_close(&t);
}

/*
 * UDP: trains until one GRO packet met the failing split. In that train
 * each datagram arrived whole or not at all, and the missing ones are
 * one run of consecutive datagrams (one GRO packet), more than one. The
 * next train arrives whole.
 */
static void rs_fault_udp(struct __test_metadata *_metadata, struct rs *s)
{
	struct zcnet_stats st;
	unsigned int first = 0, missing = 0, runs = 0, i;
	struct rs_udp u;
	__u32 train = 0, tries;
	bool in_run = false;

	rs_udp_gro_setup(_metadata, s, "rx-udp-gro-forwarding");
	ASSERT_EQ(0, rs_udp_open(s, &u)) TH_LOG("the peer's UDP socket");
	rs_fail_next_split(_metadata, s);
	ASSERT_EQ(0, rs_bind(s, ZCNET_RX_MATCH_UDP, RS_UDP_PORT));
	for (tries = 0; tries < RS_TRAINS && !rs_drop_split(s); tries++) {
		ASSERT_GT(RS_MAX_TRAINS, u.trains);
		train = u.trains++;
		ASSERT_EQ(0, rs_udp_send(&u, train));
		rs_udp_collect(s, &u, train, RS_TRAIN_MS);
		ASSERT_EQ(0, s->np) TH_LOG("%s", s->msg);
	}
	ASSERT_EQ(1U, rs_drop_split(s))
		TH_LOG("no GRO packet reached zcnet in %u trains", tries);
	for (i = 0; i < RS_DGRAMS; i++) {
		if (!u.got[train][i]) {
			if (!missing++)
				first = i;
			if (!in_run)
				runs++;
			in_run = true;
		} else {
			in_run = false;
		}
	}
	TH_LOG("train %u: datagrams %u..%u (%u) dropped with the packet that failed to split",
	       train, first, first + missing - 1, missing);
	EXPECT_EQ(1U, runs) TH_LOG("missing datagrams are not one GRO packet");
	EXPECT_LT(1U, missing) TH_LOG("one datagram is not a GRO packet");
	/* and the next train is whole again */
	ASSERT_GT(RS_MAX_TRAINS, u.trains);
	train = u.trains++;
	ASSERT_EQ(0, rs_udp_send(&u, train));
	rs_udp_collect(s, &u, train, RS_TRAIN_MS);
	EXPECT_EQ(RS_DGRAMS, u.ngot[train]);
	rs_log_stats(_metadata, s, "stats");
	EXPECT_EQ(0, s->np) TH_LOG("%s", s->msg);
	ASSERT_EQ(0, zc_get_stats(s->c.fd, &st));
	EXPECT_EQ(1U, st.rx_drop_split);
	EXPECT_EQ(0U, st.rx_drop_size);
	EXPECT_EQ(0U, st.rx_truncated);
	EXPECT_EQ(0, zc_read_file_long(FI_DIR "/times"));
	EXPECT_EQ(0, zc_unbind(s->c.fd, ZCNET_BIND_RX));
	rs_udp_close(&u);
}

TEST_F_TIMEOUT(rxsplit_fault, split_failure_drops_whole, 60)
{
	uint64_t start = zc_now_ms();

	if (variant->tcp)
		rs_fault_tcp(_metadata, &self->s);
	else
		rs_fault_udp(_metadata, &self->s);
	TH_LOG("took %llu ms", (unsigned long long)(zc_now_ms() - start));
}

TEST_HARNESS_MAIN
