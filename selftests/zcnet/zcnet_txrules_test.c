// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet transmit rules that older kernels got wrong:
 *
 *  biglen   A descriptor's len is a __u32 but a completion's result an
 *           __s32: len up to ZCNET_TX_LEN_MAX (0x7fffffff) completes with
 *           its length, anything longer with -EINVAL. NOPs in a region of
 *           2 or 4 GiB made of one 2 MiB hugetlb page mapped again and
 *           again.
 *  tagged   Raw frames on an Ethernet device may be 4 bytes longer than
 *           MTU + header when they carry an 802.1Q or 802.1ad tag, as
 *           AF_PACKET allows; untagged ones may not.
 *  busy     With the device queue full (its TX ring shrunk with ethtool):
 *           a corrupt TX producer index fails the kick with EINVAL even
 *           while frames are held back, and the kernel's own retries
 *           finish what the kick asked for and nothing produced after it.
 *  uffd     SOCK_ATTACH whose write-back of the slot faults (held in a
 *           userfaultfd, then made to fail) undoes its own attach only,
 *           not the socket another thread attached to that slot meanwhile.
 *  failtx   A socket descriptor whose state cannot be allocated (debugfs
 *           zcnet/fail_txbuf, the debug lane only) is not consumed: the
 *           kick stops before it, the stream keeps its order and bytes.
 *
 * Tests that change the system (nr_hugepages, the NIC's ring size, fault
 * injection) put it back from the parent, also when they fail.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/userfaultfd.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define MSG_LEN		2048
#define WAIT_MS		20000U
#define ETH_P_ALL_	0x0003
#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88a8
#define VLAN_HLEN_	4

/* Wait until the context has nothing in flight; 0 or -ETIMEDOUT. */
static int wait_inflight_zero(int fd, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	struct zcnet_stats st;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return -EIO;
		if (!st.inflight)
			return 0;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		zc_sleep_ms(10);
	}
}

/* ------------------------------------------------------------------ */
/* biglen: len above ZCNET_TX_LEN_MAX                                  */
/* ------------------------------------------------------------------ */

#define HUGE_2M		(2UL << 20)
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

FIXTURE(biglen) {
	long old_nr_hugepages;	/* -1: not changed */
};

FIXTURE_SETUP(biglen)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_NOP, NULL);

	self->old_nr_hugepages = -1;
	if (why)
		SKIP(return, "%s", why);
	if (zc_proc_kb("/proc/meminfo", "Hugepagesize:") != 2048)
		SKIP(return, "no 2 MiB default huge page size (no hugetlb?)");
	if (access(NR_HUGEPAGES, W_OK))
		SKIP(return, NR_HUGEPAGES " not writable");
}

FIXTURE_TEARDOWN_PARENT(biglen)
{
	char val[32];

	if (self->old_nr_hugepages < 0)
		return;
	snprintf(val, sizeof(val), "%ld", self->old_nr_hugepages);
	if (zc_write_file(NR_HUGEPAGES, val))
		fprintf(stderr, "# could not restore %s to %s\n",
			NR_HUGEPAGES, val);
}

struct biglen_case {
	__u64 offset;
	__u32 len;
	__s32 want;
};

/*
 * One 2 MiB huge page mapped at every 2 MiB of a 4 GiB (or, where
 * max_region_len is smaller, 2 GiB) range and registered as one region:
 * what would take 4 GiB of memory takes 2 MiB. NOPs of up to 0x7fffffff
 * bytes complete with their length, longer ones with -EINVAL, also where
 * the buffer lies inside the region. The old kernel completed them, with
 * the length cast to a negative result.
 */
TEST_F(biglen, nop_len_fits_the_result)
{
	const size_t pg = zc_page_size();
	struct zcnet_cq_entry e[16];
	struct zcnet_stats st, st0;
	struct zcnet_info info;
	struct biglen_case cs[16];
	unsigned int n = 0, i, good = 0, bad = 0;
	char *resv, *base, *p;
	__u64 len, t0;
	struct zc_ctx c;
	long nfree, ret;
	char val[32];
	__u32 id;
	int mfd;

	ASSERT_EQ(0, zc_ctx_open(&c, 16, 16, 0, 0));
	ASSERT_EQ(0, zc_get_info(c.fd, &info));
	if (info.max_region_len < (1ULL << 31))
		SKIP(return, "max_region_len %llu is below 2 GiB",
		     (unsigned long long)info.max_region_len);
	len = info.max_region_len >= (1ULL << 32) ? 1ULL << 32 : 1ULL << 31;

	/* one huge page for the memfd, unless one is free already */
	nfree = zc_proc_kb("/proc/meminfo", "HugePages_Free:");
	if (nfree < 1) {
		long old = zc_read_file_long(NR_HUGEPAGES);

		ASSERT_LE(0, old);
		snprintf(val, sizeof(val), "%ld", old + 1);
		self->old_nr_hugepages = old;
		if (zc_write_file(NR_HUGEPAGES, val))
			SKIP(return, "cannot raise %s to %s", NR_HUGEPAGES,
			     val);
	}
	mfd = memfd_create("zcnet-txrules", MFD_HUGETLB | MFD_CLOEXEC);
	if (mfd < 0)
		SKIP(return, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(mfd, HUGE_2M));

	resv = mmap(NULL, len + HUGE_2M, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, resv);
	base = (char *)(((uintptr_t)resv + HUGE_2M - 1) & ~(HUGE_2M - 1));
	for (i = 0; i < len / HUGE_2M; i++) {
		p = mmap(base + i * HUGE_2M, HUGE_2M, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, mfd, 0);
		if (p == MAP_FAILED && !i)
			SKIP(return, "no huge page to map: %s",
			     strerror(errno));
		ASSERT_EQ(base + i * HUGE_2M, p) TH_LOG("mapping %u", i);
	}
	memset(base, 0x5a, pg);
	ASSERT_EQ(0x5a, base[len - HUGE_2M]) TH_LOG("not one page");

	ASSERT_EQ(0, zc_get_stats(c.fd, &st0));
	t0 = zc_now_ms();
	ret = zc_reg(c.fd, base, len, &id);
	ASSERT_EQ(0, ret) TH_LOG("registering %llu bytes",
				 (unsigned long long)len);
	TH_LOG("registered %llu MiB made of one huge page in %llu ms",
	       (unsigned long long)(len >> 20),
	       (unsigned long long)(zc_now_ms() - t0));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(1U, st.regions);
	EXPECT_EQ(len / pg, st.pinned_pages);

#define CASE(o, l, w) (cs[n++] = (struct biglen_case){ (o), (l), (w) })
	CASE(0, 0x7fffffffU, 0x7fffffff);
	CASE(len - 0x7fffffffU, 0x7fffffffU, 0x7fffffff);
	CASE(0, 0x80000000U, -EINVAL);
	CASE(len - 0x80000000U, 0x80000000U, -EINVAL);
	CASE(0, 0x80000001U, -EINVAL);
	CASE(0, 0xfffffffeU, -EINVAL);
	CASE(0, 0xffffffffU, -EINVAL);
	if (len > 0xffffffffU)
		CASE(len - 0xffffffffU, 0xffffffffU, -EINVAL);
	CASE(len - 1, 1, 1);
	CASE(1, 0x7ffffffeU, 0x7ffffffe);
#undef CASE
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_nop((__u16)id, cs[i].offset,
						cs[i].len, 1000 + i);

		ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
		if (cs[i].want >= 0)
			good++;
		else
			bad++;
	}
	ASSERT_EQ((long)n, zc_kick(c.fd, 0));
	ASSERT_EQ(n, zc_cq_collect(&c, e, n, WAIT_MS));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1000U + i, e[i].cookie);
		EXPECT_EQ(cs[i].want, e[i].result)
			TH_LOG("NOP at %llu of %u (0x%x) bytes",
			       (unsigned long long)cs[i].offset, cs[i].len,
			       cs[i].len);
		EXPECT_EQ(0U, e[i].flags);
	}
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(good, st.tx_nops);
	EXPECT_EQ(bad, st.tx_rejected);
	EXPECT_EQ(n, st.tx_descs);
	EXPECT_EQ(0U, st.inflight);

	/* everything pinned goes again */
	EXPECT_EQ(0, zc_unreg(c.fd, id));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(0U, st.regions);
	EXPECT_EQ(0U, st.pinned_pages);
	EXPECT_EQ(st0.module_pinned_pages,
		  zc_wait_module_pinned(c.fd, st0.module_pinned_pages));
	zc_ctx_close(&c);
	munmap(resv, len + HUGE_2M);
	close(mfd);
}

/* ------------------------------------------------------------------ */
/* tagged: 802.1Q and 802.1ad frames of MTU + 18 bytes                 */
/* ------------------------------------------------------------------ */

FIXTURE(tagged) {
	struct zc_env env;
	struct zc_netif nif, peer;
	int peer_fd;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
};

/* Frames built from their header only, or copied whole. */
FIXTURE_VARIANT(tagged) {
	__u64 copy_threshold;
};

FIXTURE_VARIANT_ADD(tagged, header_copied) {
	.copy_threshold = 0,
};

FIXTURE_VARIANT_ADD(tagged, frame_copied) {
	.copy_threshold = 65535,
};

/*
 * Promiscuous mode reaches the peer's device through a work item (6.12's
 * virtio-net sets the RX mode asynchronously); until it does, the host
 * still drops 802.1Q frames of VLANs nobody registered. Wait until a
 * tagged probe frame, sent from the local NIC by a packet socket, gets
 * through. 0, or -errno.
 */
#define VLAN_PROBE	"zcnet-vlan-probe"

static int vlan_path_open(FIXTURE_DATA(tagged) *self)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->nif.ifindex,
		.sll_halen = ZC_ETH_ALEN,
	};
	uint64_t end = zc_now_ms() + 10000;
	unsigned char probe[64] = { 0 }, buf[2048];
	int s, err = -ETIMEDOUT;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memcpy(sll.sll_addr, self->peer.mac, ZC_ETH_ALEN);
	memcpy(probe, self->peer.mac, ZC_ETH_ALEN);
	memcpy(probe + ZC_ETH_ALEN, self->nif.mac, ZC_ETH_ALEN);
	probe[12] = ETH_P_8021Q_ >> 8;
	probe[13] = ETH_P_8021Q_ & 0xff;
	probe[14] = 0x01;
	probe[15] = 0x23;
	probe[16] = ZC_ETH_P_TEST >> 8;
	probe[17] = ZC_ETH_P_TEST & 0xff;
	memcpy(probe + 18, VLAN_PROBE, sizeof(VLAN_PROBE) - 1);
	while (err && zc_now_ms() < end) {
		struct pollfd pfd = { .fd = self->peer_fd, .events = POLLIN };
		ssize_t n;

		if (sendto(s, probe, sizeof(probe), 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0) {
			err = -errno;
			break;
		}
		poll(&pfd, 1, 100);
		while ((n = recv(self->peer_fd, buf, sizeof(buf),
				 MSG_DONTWAIT)) > 0) {
			if (memmem(buf, (size_t)n, VLAN_PROBE,
				   sizeof(VLAN_PROBE) - 1))
				err = 0;
		}
	}
	close(s);
	zc_rx_drain(self->peer_fd);
	return err;
}

FIXTURE_SETUP(tagged)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &self->env);
	struct packet_mreq mr = { 0 };
	int one = 1;

	self->peer_fd = -1;
	self->c.fd = -1;
	self->mem = NULL;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	ASSERT_GE(ZC_SLOT, self->nif.mtu + ZC_ETH_HLEN + 2 * VLAN_HLEN_)
		TH_LOG("MTU %u", self->nif.mtu);
	self->peer_fd = zc_peer_open(&self->env, ETH_P_ALL_, &self->peer);
	ASSERT_LE(0, self->peer_fd) TH_LOG("peer: %s",
					   strerror(-self->peer_fd));
	ASSERT_EQ(0, setsockopt(self->peer_fd, SOL_PACKET, PACKET_AUXDATA,
				&one, sizeof(one)));
	/*
	 * The peer NIC filters VLANs nobody registered (virtio-net and
	 * vmxnet3 hosts do, unless promiscuous). The membership ends with
	 * the socket.
	 */
	mr.mr_ifindex = self->peer.ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	ASSERT_EQ(0, setsockopt(self->peer_fd, SOL_PACKET,
				PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
	ASSERT_EQ(0, vlan_path_open(self))
		TH_LOG("no 802.1Q probe frame reached the peer");
	self->mem_len = 16 * zc_page_size();
	self->mem = zc_alloc_pages(16);
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_ctx_open(&self->c, 64, 64, 0, 0));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, self->nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
				  variant->copy_threshold));
}

FIXTURE_TEARDOWN(tagged)
{
	zc_ctx_close(&self->c);
	if (self->peer_fd >= 0)
		close(self->peer_fd);
	if (self->mem)
		munmap(self->mem, self->mem_len);
}

struct vframe {
	__u32 len;		/* on the wire, tag included */
	__u16 tpid;		/* 0: untagged */
	__u16 tci;
	__s32 want;		/* the completion's result */
	/* what the peer saw */
	unsigned int seen, bad, stray;
	bool stripped;		/* the tag came in the auxdata */
	char why[128];		/* the last copy with other bytes */
};

/*
 * A test frame (zc_frame_fill()) of len - 4 bytes with a tag inserted
 * after the MAC addresses, or an untagged one of len bytes; the frame
 * without its tag into *plain.
 */
static void vframe_fill(unsigned char *p, unsigned char *plain,
			const struct vframe *f, const unsigned char *dst,
			const unsigned char *src, __u32 run, __u32 seq)
{
	if (!f->tpid) {
		zc_frame_fill(p, f->len, dst, src, run, seq);
		memcpy(plain, p, f->len);
		return;
	}
	zc_frame_fill(plain, f->len - VLAN_HLEN_, dst, src, run, seq);
	memcpy(p, plain, 2 * ZC_ETH_ALEN);
	p[12] = f->tpid >> 8;
	p[13] = f->tpid & 0xff;
	p[14] = f->tci >> 8;
	p[15] = f->tci & 0xff;
	memcpy(p + 16, plain + 12, f->len - VLAN_HLEN_ - 12);
}

/* One frame from a packet socket with its auxdata; length or -errno. */
static ssize_t recv_aux(int s, unsigned char *buf, size_t size,
			struct tpacket_auxdata *aux, bool *have_aux)
{
	char cbuf[CMSG_SPACE(sizeof(*aux))];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	*have_aux = false;
	n = recvmsg(s, &m, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == SOL_PACKET &&
		    cm->cmsg_type == PACKET_AUXDATA) {
			memcpy(aux, CMSG_DATA(cm), sizeof(*aux));
			*have_aux = true;
		}
	}
	return n;
}

static __u32 be32_at(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/*
 * Read the peer until every frame with want >= 0 was seen or ms passed.
 * A tagged frame arrives either as sent or, when the receiving NIC or
 * stack took the tag off, without it and with the tag in the auxdata.
 * A NIC that strips any tag may report an 802.1ad one as 802.1Q (QEMU's
 * vmxnet3 does): that TPID is the receiver's business, not zcnet's.
 */
static void vframes_receive(int s, struct vframe *f, unsigned char **sent,
			    unsigned char **plain, unsigned int n, __u32 run,
			    unsigned int ms)
{
	static unsigned char buf[65536];
	uint64_t end = zc_now_ms() + ms;
	unsigned int i, wanted = 0, got = 0;

	for (i = 0; i < n; i++)
		wanted += f[i].want >= 0;
	while (got < wanted) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		struct tpacket_auxdata aux;
		unsigned int off, seq;
		bool have_aux, tag_in;
		__u16 type;
		ssize_t len;

		len = recv_aux(s, buf, sizeof(buf), &aux, &have_aux);
		if (len < 0) {
			uint64_t now = zc_now_ms();

			if (len != -EAGAIN && len != -EINTR)
				break;
			if (now >= end)
				break;
			poll(&pfd, 1, end - now > 100 ? 100 : (int)(end - now));
			continue;
		}
		if (len < ZC_FRAME_TAGGED + VLAN_HLEN_)
			continue;
		type = (__u16)(buf[12] << 8 | buf[13]);
		tag_in = type == ETH_P_8021Q_ || type == ETH_P_8021AD_;
		off = tag_in ? ZC_ETH_HLEN + VLAN_HLEN_ : ZC_ETH_HLEN;
		if ((__u16)(buf[off - 2] << 8 | buf[off - 1]) != ZC_ETH_P_TEST ||
		    be32_at(buf + off) != ZC_FRAME_MAGIC ||
		    be32_at(buf + off + 4) != run)
			continue;
		seq = be32_at(buf + off + 8);
		if (seq >= n)
			continue;
		if (f[seq].want < 0) {
			f[seq].stray++;
			continue;
		}
		snprintf(f[seq].why, sizeof(f[seq].why),
			 "%zd bytes, type 0x%04x, auxdata %s status 0x%x tci 0x%x tpid 0x%x",
			 len, type, have_aux ? "with" : "without",
			 have_aux ? aux.tp_status : 0,
			 have_aux ? aux.tp_vlan_tci : 0,
			 have_aux ? aux.tp_vlan_tpid : 0);
		if (!f[seq].tpid || tag_in) {
			/* as sent */
			if ((size_t)len != f[seq].len ||
			    memcmp(buf, sent[seq], f[seq].len)) {
				f[seq].bad++;
				continue;
			}
		} else {
			/* the tag went into the auxdata */
			if ((size_t)len != f[seq].len - VLAN_HLEN_ ||
			    memcmp(buf, plain[seq], len) || !have_aux ||
			    !(aux.tp_status & TP_STATUS_VLAN_VALID) ||
			    aux.tp_vlan_tci != f[seq].tci ||
			    ((aux.tp_status & TP_STATUS_VLAN_TPID_VALID) &&
			     aux.tp_vlan_tpid != f[seq].tpid &&
			     aux.tp_vlan_tpid != ETH_P_8021Q_)) {
				f[seq].bad++;
				continue;
			}
			f[seq].stripped = true;
		}
		if (!f[seq].seen++)
			got++;
	}
}

/*
 * MTU + 18 bytes with an 802.1Q or 802.1ad tag complete with their
 * length and arrive; untagged frames longer than MTU + 14 and tagged ones
 * longer than MTU + 18 complete with -EINVAL, counted as rejected, not as
 * device errors, and never reach the wire. The old kernel refused the
 * tagged MTU + 18 frames with -EINVAL.
 */
TEST_F(tagged, vlan_frames_up_to_mtu_plus_18)
{
	const __u32 max = self->nif.mtu + ZC_ETH_HLEN;
	struct vframe f[] = {
		{ .len = max, .want = (__s32)max },
		{ .len = max + 4, .tpid = ETH_P_8021Q_, .tci = 0x0123,
		  .want = (__s32)max + 4 },
		{ .len = max + 4, .tpid = ETH_P_8021AD_, .tci = 0x2456,
		  .want = (__s32)max + 4 },
		{ .len = max + 3, .tpid = ETH_P_8021Q_, .tci = 0x0007,
		  .want = (__s32)max + 3 },
		{ .len = max + 1, .want = -EINVAL },
		{ .len = max + 4, .want = -EINVAL },
		{ .len = max + 5, .tpid = ETH_P_8021Q_, .tci = 0x0123,
		  .want = -EINVAL },
		{ .len = max + 5, .tpid = ETH_P_8021AD_, .tci = 0x0123,
		  .want = -EINVAL },
	};
	const unsigned int n = ARRAY_SIZE(f);
	unsigned char *sent[ARRAY_SIZE(f)], *plain[ARRAY_SIZE(f)];
	unsigned int ncomp[ARRAY_SIZE(f)] = { 0 };
	__u32 cflags[ARRAY_SIZE(f)];
	__s32 result[ARRAY_SIZE(f)];
	struct zcnet_cq_entry e[ARRAY_SIZE(f)];
	__u64 good = 0, rejected = 0, bytes = 0;
	__u32 run = zc_new_run();
	struct zcnet_stats st;
	unsigned int i, got;

	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)self->id, i * ZC_SLOT,
						f[i].len, i);

		sent[i] = self->mem + i * ZC_SLOT;
		plain[i] = malloc(ZC_SLOT);
		ASSERT_NE(NULL, plain[i]);
		vframe_fill(sent[i], plain[i], &f[i], self->peer.mac,
			    self->nif.mac, run, i);
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
		if (f[i].want >= 0) {
			good++;
			bytes += f[i].len;
		} else {
			rejected++;
		}
	}
	zc_rx_drain(self->peer_fd);
	ASSERT_EQ((long)n, zc_kick(self->c.fd, 0));
	got = zc_cq_collect(&self->c, e, n, WAIT_MS);
	EXPECT_EQ(n, got);
	for (i = 0; i < got; i++) {
		ASSERT_GT(n, e[i].cookie);
		ncomp[e[i].cookie]++;
		result[e[i].cookie] = e[i].result;
		cflags[e[i].cookie] = e[i].flags;
	}
	vframes_receive(self->peer_fd, f, sent, plain, n, run, 10000);

	for (i = 0; i < n; i++) {
		const char *what = f[i].tpid == ETH_P_8021Q_ ? "802.1Q" :
				   f[i].tpid == ETH_P_8021AD_ ? "802.1ad" :
				   "untagged";

		EXPECT_EQ(1U, ncomp[i]) TH_LOG("frame %u", i);
		if (ncomp[i] == 1) {
			EXPECT_EQ(f[i].want, result[i])
				TH_LOG("%s frame of MTU + %u bytes", what,
				       f[i].len - self->nif.mtu);
			/* copied whole: says so; refused: no flags */
			if (f[i].want < 0 || variant->copy_threshold) {
				EXPECT_EQ(f[i].want < 0 ? 0U : ZCNET_CQE_COPIED,
					  cflags[i]) TH_LOG("frame %u", i);
			}
		}
		EXPECT_EQ(0U, f[i].bad)
			TH_LOG("%s frame of MTU + %u bytes arrived changed: %s",
			       what, f[i].len - self->nif.mtu, f[i].why);
		EXPECT_EQ(0U, f[i].stray)
			TH_LOG("refused %s frame of MTU + %u bytes arrived",
			       what, f[i].len - self->nif.mtu);
		if (f[i].want >= 0) {
			EXPECT_EQ(1U, f[i].seen)
				TH_LOG("%s frame of MTU + %u bytes at the peer",
				       what, f[i].len - self->nif.mtu);
		}
		if (f[i].tpid && f[i].seen)
			TH_LOG("%s frame of MTU + %u bytes: tag %s", what,
			       f[i].len - self->nif.mtu,
			       f[i].stripped ? "in the auxdata" :
			       "in the frame");
		free(plain[i]);
	}
	ASSERT_EQ(0, wait_inflight_zero(self->c.fd, WAIT_MS));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(rejected, st.tx_rejected);
	EXPECT_EQ(0U, st.tx_dev_errors);
	EXPECT_EQ(good, st.tx_frames);
	EXPECT_EQ(bytes, st.tx_bytes);
	EXPECT_EQ(good, st.tx_zerocopy + st.tx_copied);
	EXPECT_EQ(n, st.cq_posted);
}

/* ------------------------------------------------------------------ */
/* busy: a device queue that fills                                     */
/* ------------------------------------------------------------------ */

/*
 * The device's TX ring is shrunk to this many entries (virtio-net needs
 * more than MAX_SKB_FRAGS + 2, vmxnet3 rounds to 32), so that the first
 * ZCNET_XMIT_BATCH (64) frames of a kick fill it before the device has
 * seen any: virtio-net notifies the host only at the end of a batch or
 * when the ring is full, and the vmxnet3 driver reclaims only in NAPI,
 * which cannot run on the CPU that takes its interrupt while zcnet hands
 * it frames with bottom halves off; the test runs on that CPU.
 */
#define BUSY_DEV_RING	32U
#define BUSY_TX		512U
#define BUSY_CQ		1024U
#define BUSY_SLOTS	16U
#define BUSY_BATCH	64U	/* the kernel's ZCNET_XMIT_BATCH */

FIXTURE(busy) {
	struct zc_env env;
	struct zc_netif nif, peer;
	struct ethtool_ringparam ring;	/* as found */
	bool ring_changed;
	__u32 dev_ring;			/* TX ring size in use, 0: unknown */
	int cpu;
	struct zc_ctx c;
	unsigned char *mem;
	size_t mem_len;
	__u32 id;
	__u32 max_len;
};

static int ring_param(const char *name, struct ethtool_ringparam *r,
		      bool set)
{
	struct ifreq ifr;

	r->cmd = set ? ETHTOOL_SRINGPARAM : ETHTOOL_GRINGPARAM;
	zc_ifr_name(&ifr, name);
	ifr.ifr_data = (void *)r;
	return zc_ifreq(SIOCETHTOOL, &ifr);
}

/* The last whitespace-separated word of a line, in place. */
static char *last_word(char *line)
{
	char *end = line + strlen(line), *p;

	while (end > line && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	p = strrchr(line, ' ');
	return p ? p + 1 : line;
}

/*
 * The CPU that takes the interrupt of TX queue 0 of a device (virtio-net:
 * virtioN-output.0, vmxnet3: NAME-rxtx-0 or NAME-tx-0), or -1; its name
 * into what.
 */
static int tx_irq_cpu(const char *ifname, char *what, size_t size)
{
	char names[3][300], path[160], link[256], line[1024];
	const char *base;
	int irq = -1, cpu = -1, i;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (!strncmp(base, "virtio", 6)) {
		snprintf(names[0], sizeof(names[0]), "%s-output.0", base);
		snprintf(names[1], sizeof(names[1]), "%s-virtqueues", base);
		names[2][0] = '\0';
	} else {
		snprintf(names[0], sizeof(names[0]), "%s-rxtx-0", ifname);
		snprintf(names[1], sizeof(names[1]), "%s-tx-0", ifname);
		snprintf(names[2], sizeof(names[2]), "%s", ifname);
	}
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -1;
	while (irq < 0 && fgets(line, sizeof(line), f)) {
		char *word;
		int num;

		if (sscanf(line, " %d:", &num) != 1)
			continue;
		word = last_word(line);
		for (i = 0; i < 3; i++) {
			if (names[i][0] && !strcmp(word, names[i])) {
				irq = num;
				snprintf(what, size, "%s (irq %d)", word, num);
				break;
			}
		}
	}
	fclose(f);
	if (irq < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list",
		 irq);
	if (zc_read_file(path, line, sizeof(line)) <= 0) {
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list",
			 irq);
		if (zc_read_file(path, line, sizeof(line)) <= 0)
			return -1;
	}
	if (sscanf(line, "%d", &cpu) != 1)
		return -1;
	return cpu;
}

FIXTURE_SETUP(busy)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_RAW, &self->env);
	int s;

	memset(&self->c, 0, sizeof(self->c));
	self->c.fd = -1;
	self->cpu = -1;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif));
	self->max_len = self->nif.mtu + ZC_ETH_HLEN;
	ASSERT_GE(ZC_SLOT, self->max_len);
	s = zc_peer_open(&self->env, ZC_ETH_P_TEST, &self->peer);
	ASSERT_LE(0, s) TH_LOG("peer: %s", strerror(-s));
	close(s);
}

/* In the parent: the NIC gets its ring back even if the test died. */
FIXTURE_TEARDOWN_PARENT(busy)
{
	struct ethtool_ringparam r = self->ring;

	if (!self->ring_changed)
		return;
	if (ring_param(self->env.iface, &r, true))
		fprintf(stderr, "# could not give %s its TX ring of %u back\n",
			self->env.iface, self->ring.tx_pending);
	else if (zc_netif_wait_running(self->env.iface, 20000))
		fprintf(stderr, "# %s not running after its ring came back\n",
			self->env.iface);
}

/*
 * Shrink the device's TX ring, run on the CPU of its TX interrupt, set up
 * a context with a CQ of cq entries bound to TX queue 0, with BUSY_SLOTS
 * frames of max_len bytes.
 */
static void busy_prepare(struct __test_metadata *_metadata,
			 FIXTURE_DATA(busy) *self, __u32 cq)
{
	struct ethtool_ringparam r;
	char what[96] = "";
	cpu_set_t set;
	unsigned int i;
	int ret;

	memset(&r, 0, sizeof(r));
	ret = ring_param(self->env.iface, &r, false);
	if (ret) {
		TH_LOG("ETHTOOL_GRINGPARAM on %s: %s", self->env.iface,
		       strerror(-ret));
	} else {
		self->ring = r;
		self->dev_ring = r.tx_pending;
	}
	if (!ret && r.tx_pending > BUSY_DEV_RING) {
		r.tx_pending = BUSY_DEV_RING;
		ret = ring_param(self->env.iface, &r, true);
		if (ret) {
			TH_LOG("%s keeps its TX ring of %u (resize: %s)",
			       self->env.iface, self->ring.tx_pending,
			       strerror(-ret));
		} else {
			self->ring_changed = true;
			ASSERT_EQ(0, zc_netif_wait_running(self->env.iface,
							   20000))
				TH_LOG("%s not running after the resize",
				       self->env.iface);
			memset(&r, 0, sizeof(r));
			if (!ring_param(self->env.iface, &r, false))
				self->dev_ring = r.tx_pending;
		}
	}
	self->cpu = tx_irq_cpu(self->env.iface, what, sizeof(what));
	if (self->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(self->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			self->cpu = -1;
	}
	TH_LOG("%s: TX ring %u (was %u), on CPU %d of %s", self->env.iface,
	       self->dev_ring, self->ring.tx_pending, self->cpu,
	       what[0] ? what : "an interrupt not found");

	self->mem_len = BUSY_SLOTS * ZC_SLOT;
	self->mem = zc_alloc_pages(self->mem_len / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	for (i = 0; i < BUSY_SLOTS; i++)
		zc_frame_fill(self->mem + i * ZC_SLOT, self->max_len,
			      self->peer.mac, self->nif.mac, 0, i);
	ASSERT_EQ(0, zc_ctx_open(&self->c, BUSY_TX, cq, 0, 0));
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, self->mem_len, &self->id));
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, self->nif.ifindex, 0));
}

static void push_frames(struct __test_metadata *_metadata,
			FIXTURE_DATA(busy) *self, __u32 run, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_raw((__u16)self->id,
						(i % BUSY_SLOTS) * ZC_SLOT,
						self->max_len,
						zc_batch_cookie(run, i));

		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d)) TH_LOG("frame %u", i);
	}
}

/* Whether every cookie of [from, to) has completed. */
static bool all_in(const unsigned int *count, unsigned int from,
		   unsigned int to)
{
	for (; from < to; from++)
		if (!count[from])
			return false;
	return true;
}

/*
 * Pop the completions of run (cookies below n go into count[] and res[],
 * others into *other) until cookies [from, to) have all completed or ms
 * passed; while waiting, kick if kick is set and descriptors wait. Returns
 * how many completions of the run it popped.
 */
static unsigned int collect_run(struct zc_ctx *c, __u32 run, unsigned int n,
				unsigned int *count, __s32 *res,
				unsigned int from, unsigned int to, bool kick,
				unsigned int ms, unsigned int *other)
{
	uint64_t end = zc_now_ms() + ms;
	struct zcnet_cq_entry e;
	unsigned int got = 0;

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		if (!zc_cq_pop(&c->cq, &e)) {
			__u64 i = e.cookie & 0xffffffffu;

			if ((e.cookie >> 32) != run || i >= n) {
				(*other)++;
				continue;
			}
			count[i]++;
			res[i] = e.result;
			got++;
			continue;
		}
		if (all_in(count, from, to) || zc_now_ms() > end)
			break;
		if (kick && zc_tx_pending(&c->tx))
			zc_kick(c->fd, 0);
		poll(&p, 1, 20);
	}
	return got;
}

/* Cookies [from, to): one completion each, result len; how many are not. */
static int check_run(const unsigned int *count, const __s32 *res,
		     unsigned int from, unsigned int to, __s32 len,
		     char *msg, size_t size)
{
	unsigned int i;
	int np = 0;

	msg[0] = '\0';
	for (i = from; i < to; i++) {
		if (count[i] != 1)
			zc_problem(msg, size, &np, "cookie %u: %u completions",
				   i, count[i]);
		else if (res[i] != len)
			zc_problem(msg, size, &np, "cookie %u: result %d, want %d",
				   i, res[i], len);
	}
	return np;
}

/* What the driver says about its TX queue 0, when something went wrong. */
static void log_tx_queue(struct __test_metadata *_metadata, const char *ifname)
{
	char cmd[96], line[256], path[128];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ethtool -S %s 2>&1", ifname);
	f = popen(cmd, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strstr(line, "tx") || strstr(line, ": 0\n"))
				continue;
			line[strcspn(line, "\n")] = '\0';
			TH_LOG("ethtool -S:%s", line);
		}
		pclose(f);
	}
	snprintf(path, sizeof(path),
		 "/sys/class/net/%s/queues/tx-0/byte_queue_limits/inflight",
		 ifname);
	if (zc_read_file(path, line, sizeof(line)) > 0)
		TH_LOG("BQL inflight %s", line);
}

/*
 * A kick whose frames filled the device queue leaves some held back;
 * with the TX producer index then more than the ring size ahead of the
 * consumer, the next kick fails with EINVAL, counts a ring error and
 * consumes nothing. The old kernel first retried the frames held back:
 * with more of them than the device ring takes, the queue filled again
 * and the kick returned 0 without looking at the index. The index check
 * must hold whatever the queue does; how many frames were held back at
 * the corrupt kick is logged. Several rounds.
 */
TEST_F(busy, corrupt_index_fails_while_frames_held_back)
{
	const unsigned int rounds = 3, n = BUSY_BATCH;
	unsigned int count[BUSY_BATCH], other = 0, busy_rounds = 0;
	unsigned int r, got, held, held_min = n;
	struct zcnet_stats st0, st1, st2;
	__u32 prod, bad, cons_a, cons_b;
	__s32 res[BUSY_BATCH];
	char msg[MSG_LEN];
	long k, kc, probe;

	busy_prepare(_metadata, self, BUSY_CQ);
	for (r = 0; r < rounds; r++) {
		__u32 run = zc_new_run();

		ASSERT_EQ(0, wait_inflight_zero(self->c.fd, WAIT_MS));
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st0));
		push_frames(_metadata, self, run, n);
		prod = zc_load_relaxed(self->c.tx.producer);
		k = zc_kick(self->c.fd, 0);
		ASSERT_LE(0, k);
		/*
		 * More than the ring size ahead of any consumer the kernel
		 * can have now, even if it goes on consuming meanwhile.
		 */
		bad = prod + self->c.tx.entries + 1;
		zc_store_release(self->c.tx.producer, bad);
		kc = zc_kick(self->c.fd, 0);
		cons_a = zc_load_acquire(self->c.tx.consumer);
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st1));
		EXPECT_EQ(-EINVAL, kc) TH_LOG("round %u: corrupt kick", r);
		EXPECT_LE(st0.ring_errors + 1, st1.ring_errors);
		EXPECT_EQ(st0.tx_kicks + 1, st1.tx_kicks);
		/* consumed but not yet handed to the device */
		held = (unsigned int)((st1.tx_descs - st0.tx_descs) -
				      (st1.tx_frames - st0.tx_frames));
		/* nothing is consumed while the index is corrupt */
		zc_sleep_ms(30);
		cons_b = zc_load_acquire(self->c.tx.consumer);
		EXPECT_EQ(cons_a, cons_b);
		EXPECT_GE(prod, cons_b);

		/* repaired, the context goes on */
		zc_store_release(self->c.tx.producer, prod);
		probe = zc_kick(self->c.fd, 0);
		EXPECT_LE(0, probe);
		memset(count, 0, sizeof(count));
		got = collect_run(&self->c, run, n, count, res, 0, n, true,
				  WAIT_MS, &other);
		EXPECT_EQ(n, got);
		if (check_run(count, res, 0, n, (__s32)self->max_len, msg,
			      sizeof(msg))) {
			log_tx_queue(_metadata, self->env.iface);
			EXPECT_EQ(0, 1) TH_LOG("round %u: %s", r, msg);
		}
		EXPECT_EQ(prod, zc_load_acquire(self->c.tx.consumer));
		busy_rounds += st1.tx_busy > st0.tx_busy;
		if (held < held_min)
			held_min = held;
		TH_LOG("round %u: the first kick took %ld of %u, tx_busy +%llu, %u frames held back at the corrupt kick",
		       r, k, n,
		       (unsigned long long)(st1.tx_busy - st0.tx_busy), held);
	}
	EXPECT_EQ(0U, other);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st2));
	EXPECT_EQ(0U, st2.tx_rejected);
	EXPECT_EQ(0U, st2.tx_dev_errors);
	if (!busy_rounds)
		TH_LOG("the device queue never filled: this run could not tell the old kernel from the new");
	else
		TH_LOG("queue full in %u of %u rounds, at least %u frames held back at the corrupt kick (device ring %u)",
		       busy_rounds, rounds, held_min, self->dev_ring);
}

/*
 * A kick stopped by a full device queue asked for N frames: the kernel
 * sends all of them by itself, and not the M NOPs produced after the kick
 * returned; those wait for the next kick. The old kernel's retry consumed
 * whatever the ring held by then, the NOPs included.
 */
TEST_F_TIMEOUT(busy, retry_finishes_the_kick_and_no_more, 90)
{
	const unsigned int n = 448, m = 32, attempts = 3;
	unsigned int *count = calloc(n + m, sizeof(*count));
	__s32 *res = calloc(n + m, sizeof(*res));
	unsigned int a, j, got, other = 0, early;
	__u32 start = 0, run = 0, c1 = 0, cons;
	struct zcnet_stats st0, st;
	bool valid = false;
	char msg[MSG_LEN];
	uint64_t t0;
	long k = 0;

	ASSERT_NE(NULL, count);
	ASSERT_NE(NULL, res);
	ASSERT_LE(n + m, BUSY_TX);
	busy_prepare(_metadata, self, BUSY_CQ);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st0));
	for (a = 0; a < attempts && !valid; a++) {
		ASSERT_EQ(0, wait_inflight_zero(self->c.fd, WAIT_MS));
		ASSERT_EQ(0U, zc_tx_pending(&self->c.tx));
		run = zc_new_run();
		start = zc_load_acquire(self->c.tx.consumer);
		push_frames(_metadata, self, run, n);
		k = zc_kick(self->c.fd, 0);
		ASSERT_LE(0, k);
		for (j = 0; j < m; j++) {
			struct zcnet_tx_desc d = zc_nop((__u16)self->id,
							j * 64, 100 + j,
							zc_batch_cookie(run,
									n + j));

			ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
		}
		c1 = zc_load_acquire(self->c.tx.consumer);
		valid = (unsigned long)k < n && c1 - start < n;
		if (valid)
			break;
		TH_LOG("attempt %u: the kick took %ld of %u, %u consumed when the NOPs were produced: %s",
		       a, k, n, c1 - start,
		       (unsigned long)k >= n ? "the device queue never filled" :
		       "the retries were done already");
		memset(count, 0, (n + m) * sizeof(*count));
		collect_run(&self->c, run, n + m, count, res, 0, n + m, true,
			    WAIT_MS, &other);
	}
	if (!valid)
		SKIP(return, "the device queue of %s never held frames back long enough (TX ring %u)",
		     self->env.iface, self->dev_ring);

	/* no kick from here on: the N must complete by themselves */
	memset(count, 0, (n + m) * sizeof(*count));
	t0 = zc_now_ms();
	got = collect_run(&self->c, run, n + m, count, res, 0, n, false,
			  WAIT_MS, &other);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	TH_LOG("%u completions in %llu ms; consumer +%u, tx_frames %llu, tx_busy %llu, inflight %llu",
	       got, (unsigned long long)(zc_now_ms() - t0),
	       zc_load_acquire(self->c.tx.consumer) - start,
	       (unsigned long long)st.tx_frames,
	       (unsigned long long)st.tx_busy,
	       (unsigned long long)st.inflight);
	if (check_run(count, res, 0, n, (__s32)self->max_len, msg,
		      sizeof(msg))) {
		log_tx_queue(_metadata, self->env.iface);
		EXPECT_EQ(0, 1) TH_LOG("the kick's frames: %s", msg);
	}
	early = 0;
	for (j = 0; j < m; j++)
		early += count[n + j];
	EXPECT_EQ(0U, early)
		TH_LOG("%u of the %u NOPs produced after the kick completed without a kick",
		       early, m);
	cons = zc_load_acquire(self->c.tx.consumer);
	EXPECT_EQ(n, cons - start)
		TH_LOG("consumer %u past the start, the kick asked for %u",
		       cons - start, n);
	/* and it stays there */
	zc_sleep_ms(100);
	EXPECT_EQ(cons, zc_load_acquire(self->c.tx.consumer));
	EXPECT_EQ(0U, zc_cq_ready(&self->c.cq));
	EXPECT_EQ(m, zc_tx_pending(&self->c.tx));

	/* the next kick takes the NOPs */
	EXPECT_EQ((long)m, zc_kick(self->c.fd, 0));
	collect_run(&self->c, run, n + m, count, res, n, n + m, false,
		    WAIT_MS, &other);
	for (j = 0; j < m; j++) {
		EXPECT_EQ(1U, count[n + j]) TH_LOG("NOP %u", j);
		EXPECT_EQ((__s32)(100 + j), res[n + j]) TH_LOG("NOP %u", j);
	}
	EXPECT_EQ(0U, other);
	EXPECT_EQ(start + n + m, zc_load_acquire(self->c.tx.consumer));
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_LT(st0.tx_busy, st.tx_busy);
	TH_LOG("the kick took %ld of %u, %u consumed when the NOPs came, tx_busy +%llu",
	       k, n, c1 - start,
	       (unsigned long long)(st.tx_busy - st0.tx_busy));
	free(count);
	free(res);
}

/*
 * Push n frames and kick once until the kick is stopped by a full device
 * queue with frames of it still to send (up to three tries); the run and
 * the consumer index before the kick go to *run and *start, the kick's
 * result to *k. Returns whether that happened.
 */
static bool busy_kick(struct __test_metadata *_metadata,
		      FIXTURE_DATA(busy) *self, unsigned int n, __u32 *run,
		      __u32 *start, long *k)
{
	unsigned int a, other = 0;
	unsigned int *count = calloc(n, sizeof(*count));
	__s32 *res = calloc(n, sizeof(*res));
	struct zcnet_stats st0, st1;
	bool busy = false;

	if (!count || !res) {
		free(count);
		free(res);
		return false;
	}
	for (a = 0; a < 3 && !busy; a++) {
		if (wait_inflight_zero(self->c.fd, WAIT_MS) ||
		    zc_get_stats(self->c.fd, &st0))
			break;
		*run = zc_new_run();
		*start = zc_load_acquire(self->c.tx.consumer);
		push_frames(_metadata, self, *run, n);
		*k = zc_kick(self->c.fd, 0);
		if (*k < 0 || zc_get_stats(self->c.fd, &st1))
			break;
		/* held back: consumed, not yet handed to the device */
		busy = st1.tx_busy > st0.tx_busy &&
		       st1.tx_descs - st0.tx_descs >
		       st1.tx_frames - st0.tx_frames;
		if (busy)
			break;
		TH_LOG("try %u: the kick took %ld of %u without a full queue",
		       a, *k, n);
		memset(count, 0, n * sizeof(*count));
		collect_run(&self->c, *run, n, count, res, 0, n, true,
			    WAIT_MS, &other);
	}
	free(count);
	free(res);
	return busy;
}

/*
 * The CQ has fewer free slots than the ring holds descriptors: a kick
 * stopped by a full device queue asked for no more than the CQ could take
 * then, and the kernel finishes exactly that by itself, even as the
 * program drains the CQ and slots come free; the rest waits for a kick.
 * The old kernel's retry consumed as long as it found CQ slots, so a
 * program draining its CQ saw the whole ring go without a kick.
 */
#define BUSY_SMALL_CQ	64U

TEST_F_TIMEOUT(busy, retry_bounded_by_the_cq_slots_of_the_kick, 90)
{
	const unsigned int n = 448;
	unsigned int *count = calloc(n, sizeof(*count));
	__s32 *res = calloc(n, sizeof(*res));
	unsigned int got, other = 0;
	__u32 run = 0, start = 0, cons;
	char msg[MSG_LEN];
	long k = 0;

	ASSERT_NE(NULL, count);
	ASSERT_NE(NULL, res);
	busy_prepare(_metadata, self, BUSY_SMALL_CQ);
	if (!busy_kick(_metadata, self, n, &run, &start, &k))
		SKIP(return, "the device queue of %s never held frames back (TX ring %u)",
		     self->env.iface, self->dev_ring);
	EXPECT_GE(BUSY_SMALL_CQ, (unsigned long)k);
	/* no kick: the CQ is drained as completions come */
	got = collect_run(&self->c, run, n, count, res, 0, BUSY_SMALL_CQ,
			  false, WAIT_MS, &other);
	EXPECT_EQ(BUSY_SMALL_CQ, got);
	if (check_run(count, res, 0, BUSY_SMALL_CQ, (__s32)self->max_len,
		      msg, sizeof(msg)))
		EXPECT_EQ(0, 1) TH_LOG("the kick's frames: %s", msg);
	zc_sleep_ms(200);
	cons = zc_load_acquire(self->c.tx.consumer);
	EXPECT_EQ(BUSY_SMALL_CQ, cons - start)
		TH_LOG("consumer %u past the start with the CQ drained; the kick had CQ slots for %u",
		       cons - start, BUSY_SMALL_CQ);
	EXPECT_EQ(0U, zc_cq_ready(&self->c.cq));
	/* kicks take the rest */
	collect_run(&self->c, run, n, count, res, 0, n, true, WAIT_MS,
		    &other);
	if (check_run(count, res, 0, n, (__s32)self->max_len, msg,
		      sizeof(msg)))
		EXPECT_EQ(0, 1) TH_LOG("all frames: %s", msg);
	EXPECT_EQ(0U, other);
	TH_LOG("the kick took %ld of %u with %u CQ slots", k, n,
	       BUSY_SMALL_CQ);
	free(count);
	free(res);
}

/*
 * TX unbinds while the kernel still has frames of a kick to send: those it
 * consumed complete (sent, or -ECANCELED when held back), and what the
 * kick asked for but the kernel had not consumed stays on the ring. The
 * old kernel's retry went on after the unbind and completed the rest with
 * -ENXIO, without a kick.
 */
TEST_F(busy, unbind_leaves_the_unconsumed_on_the_ring)
{
	const unsigned int n = 448;
	unsigned int *count = calloc(n, sizeof(*count));
	__s32 *res = calloc(n, sizeof(*res));
	unsigned int i, done, other = 0, sent = 0, cancelled = 0, bad = 0;
	__u32 run = 0, start = 0, cons, cons2;
	long k = 0;

	ASSERT_NE(NULL, count);
	ASSERT_NE(NULL, res);
	busy_prepare(_metadata, self, BUSY_CQ);
	if (!busy_kick(_metadata, self, n, &run, &start, &k))
		SKIP(return, "the device queue of %s never held frames back (TX ring %u)",
		     self->env.iface, self->dev_ring);
	ASSERT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_TX));
	cons = zc_load_acquire(self->c.tx.consumer);
	done = cons - start;
	EXPECT_GT(n, done) TH_LOG("the retry consumed everything before the unbind");
	collect_run(&self->c, run, n, count, res, 0, done, false, WAIT_MS,
		    &other);
	zc_sleep_ms(200);
	cons2 = zc_load_acquire(self->c.tx.consumer);
	EXPECT_EQ(cons, cons2)
		TH_LOG("%u descriptors consumed after the unbind", cons2 - cons);
	for (i = 0; i < n; i++) {
		if (i < done && count[i] == 1 && res[i] == (__s32)self->max_len)
			sent++;
		else if (i < done && count[i] == 1 && res[i] == -ECANCELED)
			cancelled++;
		else if (i < done || count[i])
			bad++;
	}
	EXPECT_EQ(0U, bad) TH_LOG("completions other than sent or -ECANCELED, or of descriptors never consumed");
	EXPECT_EQ(n - done, zc_tx_pending(&self->c.tx));
	EXPECT_EQ(0U, other);
	TH_LOG("the kick took %ld of %u; at the unbind %u consumed: %u sent, %u cancelled",
	       k, n, done, sent, cancelled);
	free(count);
	free(res);
}

/* ------------------------------------------------------------------ */
/* sockets: helpers                                                    */
/* ------------------------------------------------------------------ */

/* The byte at stream position p: not periodic in pages or buffers. */
static inline unsigned char pat(uint64_t p)
{
	return (unsigned char)(p * 131 + (p >> 12) * 7 + (p >> 20));
}

/* A listening TCP socket on 127.0.0.1; its port in *port. fd or -errno */
static int tcp_listener(unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 8) ||
	    getsockname(s, (struct sockaddr *)&a, &alen)) {
		int err = -errno;

		close(s);
		return err;
	}
	*port = ntohs(a.sin_port);
	return s;
}

/* A connected loopback pair: the client in *c, the accepted end in *a. */
static int tcp_pair(int l, unsigned short port, int *c, int *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*a = -1;
	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c < 0)
		return -errno;
	if (connect(*c, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	*a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	return *a < 0 ? -errno : 0;
}

/* Read exactly len bytes within ms; 0, -ETIMEDOUT or -errno. */
static int read_within(int s, unsigned char *buf, size_t len, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	size_t done = 0;

	while (done < len) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t n = recv(s, buf + done, len - done, MSG_DONTWAIT);

		if (n > 0) {
			done += n;
			continue;
		}
		if (!n)
			return -EPIPE;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		poll(&p, 1, 50);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* uffd: SOCK_ATTACH whose write-back of the slot fails                */
/* ------------------------------------------------------------------ */

struct attach_call {
	int fd;
	struct zcnet_sock_attach *arg;
	long ret;
	int done;		/* atomic */
};

static void *attach_thread(void *p)
{
	struct attach_call *a = p;

	a->ret = zc_ioctl(a->fd, ZCNET_IOC_SOCK_ATTACH, a->arg);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A userfaultfd with write-protect faults; -errno, or fd and *exact. */
static int uffd_open(bool *exact)
{
	const __u64 want[] = {
		UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_EXACT_ADDRESS,
		UFFD_FEATURE_PAGEFAULT_FLAG_WP,
	};
	unsigned int i;
	int err = -EINVAL;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct uffdio_api api = { .api = UFFD_API,
					  .features = want[i] };
		int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

		if (fd < 0)
			return -errno;
		if (!ioctl(fd, UFFDIO_API, &api) &&
		    (api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
			*exact = api.features & UFFD_FEATURE_EXACT_ADDRESS;
			return fd;
		}
		err = -errno;
		close(fd);
	}
	return err ? err : -EOPNOTSUPP;
}

/*
 * Thread A attaches socket X with its argument on a write-protected page:
 * the kernel reads it, attaches X in slot 0 and faults writing the slot
 * number back. While A waits in the userfaultfd, this thread detaches
 * slot 0 and attaches socket Y, which gets slot 0, then makes the page
 * read-only and lets A go on: A's write fails, A gets EFAULT and must
 * undo its own attach only. Y stays attached: its slot sends to Y, Y
 * cannot be attached twice, slot 0 detaches once. The old kernel undid
 * A's attach by slot number and so detached Y.
 */
FIXTURE(uffd) {
	int unused;
};

FIXTURE_SETUP(uffd)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, NULL);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(uffd)
{
}

TEST_F(uffd, attach_fault_undoes_only_its_own_socket)
{
	const size_t pg = zc_page_size();
	int l = -1, x = -1, xa = -1, y = -1, ya = -1, uffd;
	struct attach_call call = { .ret = -9999 };
	struct zcnet_sock_attach *arg;
	struct zcnet_tx_desc d;
	unsigned char *page, *mem, buf[200];
	struct uffdio_writeprotect wp;
	struct uffdio_register reg;
	struct zcnet_cq_entry e;
	struct timespec ts;
	struct uffd_msg msg;
	struct pollfd pfd;
	unsigned short port;
	struct zc_ctx c;
	pthread_t thr;
	bool exact = false;
	__u32 id, slot = ~0U, slot2 = ~0U;
	unsigned int i;
	int ret;

	uffd = uffd_open(&exact);
	if (uffd < 0)
		SKIP(return, "no userfaultfd with write-protect faults: %s",
		     strerror(-uffd));
	page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	memset(page, 0, pg);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)page;
	reg.range.len = pg;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		SKIP(return, "UFFDIO_REGISTER_MODE_WP on anonymous memory: %s",
		     strerror(errno));

	ASSERT_EQ(0, zc_ctx_open(&c, 16, 16, 0, 0));
	mem = zc_alloc_pages(1);
	ASSERT_NE(NULL, mem);
	for (i = 0; i < pg; i++)
		mem[i] = pat(i);
	ASSERT_EQ(0, zc_reg(c.fd, mem, pg, &id));
	l = tcp_listener(&port);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, tcp_pair(l, port, &x, &xa));
	ASSERT_EQ(0, tcp_pair(l, port, &y, &ya));

	arg = (struct zcnet_sock_attach *)page;
	arg->size = sizeof(*arg);
	arg->fd = x;
	arg->slot = 0xdeadbeef;
	wp.range = reg.range;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));

	call.fd = c.fd;
	call.arg = arg;
	ASSERT_EQ(0, pthread_create(&thr, NULL, attach_thread, &call));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, 20000);
	if (ret == 1)
		ret = read(uffd, &msg, sizeof(msg)) == sizeof(msg) ? 1 : -1;
	if (ret != 1) {
		/* let A go on (closing the uffd wakes it), then fail */
		close(uffd);
		pthread_join(thr, NULL);
		ASSERT_EQ(1, ret)
			TH_LOG("no write fault from SOCK_ATTACH (it returned %ld)",
			       call.ret);
	}
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_NE(0U, msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP);
	EXPECT_NE(0U, msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE);
	EXPECT_EQ(exact ? (uintptr_t)&arg->slot : (uintptr_t)page,
		  (uintptr_t)msg.arg.pagefault.address);
	EXPECT_EQ(0, __atomic_load_n(&call.done, __ATOMIC_ACQUIRE));

	/* A has attached X in slot 0 and waits: replace it by Y */
	EXPECT_EQ(0, zc_sock_detach(c.fd, 0));
	EXPECT_EQ(0, zc_sock_attach(c.fd, y, 0, &slot));
	EXPECT_EQ(0U, slot);

	/* the write A retries now fails */
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	wp.mode = 0;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		struct uffdio_range r = reg.range;

		ASSERT_EQ(0, ioctl(uffd, UFFDIO_WAKE, &r))
			TH_LOG("neither UFFDIO_WRITEPROTECT nor UFFDIO_WAKE");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	ret = pthread_timedjoin_np(thr, NULL, &ts);
	if (ret) {
		close(uffd);
		pthread_join(thr, NULL);
		ASSERT_EQ(0, ret) TH_LOG("SOCK_ATTACH did not return");
	}
	EXPECT_EQ(-EFAULT, call.ret);
	EXPECT_EQ(0xdeadbeefU, arg->slot);

	/* Y is in slot 0: what the slot sends goes to Y, nothing to X */
	d = zc_sock_desc(id, 0, sizeof(buf), 0, 77);
	ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	EXPECT_EQ(1, zc_kick(c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&c, &e, 1, WAIT_MS));
	EXPECT_EQ(77U, e.cookie);
	EXPECT_EQ((__s32)sizeof(buf), e.result);
	if (e.result == (__s32)sizeof(buf)) {
		EXPECT_EQ(0, read_within(ya, buf, sizeof(buf), 10000));
		EXPECT_EQ(0, memcmp(buf, mem, sizeof(buf)));
	}
	EXPECT_EQ(-1, recv(xa, buf, sizeof(buf), MSG_DONTWAIT));
	/* Y cannot be attached twice; X can be attached again */
	EXPECT_EQ(-EBUSY, zc_sock_attach(c.fd, y, 0, NULL));
	EXPECT_EQ(0, zc_sock_attach(c.fd, x, 0, &slot2));
	EXPECT_EQ(1U, slot2);
	EXPECT_EQ(0, zc_sock_detach(c.fd, 1));
	/* slot 0 holds one socket */
	EXPECT_EQ(0, zc_sock_detach(c.fd, 0));
	EXPECT_EQ(-ENOENT, zc_sock_detach(c.fd, 0));

	close(uffd);
	zc_ctx_close(&c);
	munmap(page, pg);
	munmap(mem, pg);
	close(x);
	close(xa);
	close(y);
	close(ya);
	close(l);
}

/* ------------------------------------------------------------------ */
/* failtx: a socket descriptor's state cannot be allocated              */
/* ------------------------------------------------------------------ */

#define FT_DIR		"/sys/kernel/debug/zcnet/fail_txbuf"
#define FT_MAXATTR	8
#define FT_K		24U
#define FT_L		3000U

struct ft_attr {
	char path[128];
	char old[64];
};

FIXTURE(failtx) {
	struct ft_attr attr[FT_MAXATTR];
	int nattr;
};

/* Set an attribute of fail_txbuf, remembering its first value. */
static int ft_set(FIXTURE_DATA(failtx) *self, const char *name,
		  const char *val)
{
	char path[128];
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), FT_DIR "/%s", name);
	for (i = 0; i < self->nattr; i++)
		if (!strcmp(self->attr[i].path, path))
			break;
	if (i == self->nattr) {
		struct ft_attr *a = &self->attr[i];

		if (i == FT_MAXATTR)
			return -ENOSPC;
		n = zc_read_file(path, a->old, sizeof(a->old));
		if (n <= 0)
			return n ? (int)n : -EIO;
		a->old[strcspn(a->old, "\n")] = '\0';
		snprintf(a->path, sizeof(a->path), "%s", path);
		self->nattr++;
	}
	return zc_write_file(path, val);
}

FIXTURE_SETUP(failtx)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, NULL);

	self->nattr = 0;
	if (why)
		SKIP(return, "%s", why);
	if (access(FT_DIR "/probability", W_OK))
		SKIP(return, FT_DIR " missing: zcnet built without fault injection (a kernel without CONFIG_FAULT_INJECTION_DEBUG_FS; the debug lane has it)");
}

/* In the parent: probability 0 first, then everything as it was. */
FIXTURE_TEARDOWN_PARENT(failtx)
{
	int i;

	for (i = 0; i < self->nattr; i++)
		if (strstr(self->attr[i].path, "/probability"))
			zc_write_file(self->attr[i].path, "0");
	for (i = self->nattr - 1; i >= 0; i--)
		if (zc_write_file(self->attr[i].path, self->attr[i].old))
			fprintf(stderr, "# could not restore %s to %s\n",
				self->attr[i].path, self->attr[i].old);
}

struct ft_sink {
	int fd;
	uint64_t bytes, bad;
	int err;
};

static void *ft_sink_main(void *p)
{
	struct ft_sink *k = p;
	unsigned char buf[16384];
	ssize_t n, i;

	for (;;) {
		n = read(k->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0)
				k->err = -errno;
			break;
		}
		for (i = 0; i < n; i++)
			k->bad += buf[i] != pat(k->bytes + i);
		k->bytes += n;
	}
	return NULL;
}

/*
 * FT_K descriptors of FT_L bytes on a TCP slot form one byte stream.
 * With the first descriptor's allocation failing, the kick consumes
 * nothing and returns ENOMEM; with the fifth failing, it consumes four and
 * returns 4. The rest go with the next kick. Every descriptor completes
 * once, in ring order, with its full length, and the receiver gets the
 * stream whole. The old kernel completed the descriptor with -ENOMEM
 * ahead of those before it and all later ones of the slot with -EPIPE.
 */
TEST_F(failtx, alloc_failure_leaves_descriptor_on_ring)
{
	const size_t pg = zc_page_size();
	const size_t mem_len = (FT_K * FT_L + pg - 1) / pg * pg;
	int l, x, xa;
	struct zcnet_cq_entry e[FT_K];
	struct zcnet_stats st;
	struct ft_sink k = { .fd = -1 };
	unsigned short port;
	unsigned char *mem;
	struct zc_ctx c;
	pthread_t thr;
	__u32 id, slot, start;
	char msg[MSG_LEN] = "";
	unsigned int i, got;
	int np = 0;
	long r;

	ASSERT_EQ(0, ft_set(self, "verbose", "0"));
	ASSERT_EQ(0, ft_set(self, "task-filter", "N"));
	ASSERT_EQ(0, ft_set(self, "interval", "1"));
	ASSERT_EQ(0, ft_set(self, "times", "0"));
	ASSERT_EQ(0, ft_set(self, "space", "0"));
	ASSERT_EQ(0, ft_set(self, "probability", "100"));

	ASSERT_EQ(0, zc_ctx_open(&c, 64, 64, 0, 0));
	mem = zc_alloc_pages(mem_len / pg);
	ASSERT_NE(NULL, mem);
	for (i = 0; i < FT_K * FT_L; i++)
		mem[i] = pat(i);
	ASSERT_EQ(0, zc_reg(c.fd, mem, mem_len, &id));
	ASSERT_EQ(0, zc_set_param(c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD, 0));
	l = tcp_listener(&port);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, tcp_pair(l, port, &x, &xa));
	k.fd = xa;
	ASSERT_EQ(0, pthread_create(&thr, NULL, ft_sink_main, &k));
	ASSERT_EQ(0, zc_sock_attach(c.fd, x, 0, &slot));

	start = zc_load_acquire(c.tx.consumer);
	for (i = 0; i < FT_K; i++) {
		struct zcnet_tx_desc d = zc_sock_desc(id, i * FT_L, FT_L, slot, i);

		ASSERT_EQ(0, zc_tx_push(&c.tx, &d));
	}

	/* the first allocation fails: nothing consumed, ENOMEM */
	ASSERT_EQ(0, ft_set(self, "space", "1"));
	ASSERT_EQ(0, ft_set(self, "times", "1"));
	r = zc_kick(c.fd, 0);
	EXPECT_EQ(-ENOMEM, r);
	EXPECT_EQ(start, zc_load_acquire(c.tx.consumer));
	EXPECT_EQ(0U, zc_cq_ready(&c.cq));
	EXPECT_EQ(0, zc_read_file_long(FT_DIR "/times"))
		TH_LOG("no allocation failed");

	/* the fifth fails: four consumed */
	ASSERT_EQ(0, ft_set(self, "space", "5"));
	ASSERT_EQ(0, ft_set(self, "times", "1"));
	r = zc_kick(c.fd, 0);
	EXPECT_EQ(4, r);
	EXPECT_EQ(start + 4, zc_load_acquire(c.tx.consumer));
	EXPECT_EQ(0, zc_read_file_long(FT_DIR "/times"))
		TH_LOG("no allocation failed");

	/* nothing fails any more: the rest goes */
	r = zc_kick(c.fd, 0);
	EXPECT_EQ((long)FT_K - 4, r);
	EXPECT_EQ(start + FT_K, zc_load_acquire(c.tx.consumer));

	got = zc_cq_collect(&c, e, FT_K, WAIT_MS);
	EXPECT_EQ(FT_K, got);
	for (i = 0; i < got; i++) {
		if (e[i].cookie != i || e[i].result != (__s32)FT_L)
			zc_problem(msg, sizeof(msg), &np,
				   "completion %u: cookie %llu, result %d", i,
				   (unsigned long long)e[i].cookie,
				   e[i].result);
	}
	EXPECT_EQ(0, np) TH_LOG("want cookies in ring order, result %u: %s",
				FT_L, msg);
	EXPECT_EQ(0U, zc_cq_ready(&c.cq));
	ASSERT_EQ(0, zc_get_stats(c.fd, &st));
	EXPECT_EQ(0U, st.sock_errors);
	EXPECT_EQ(0U, st.tx_rejected);
	EXPECT_EQ(FT_K, st.tx_descs);
	EXPECT_EQ(0U, st.inflight);

	EXPECT_EQ(0, zc_sock_detach(c.fd, slot));
	shutdown(x, SHUT_WR);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, k.err);
	EXPECT_EQ((uint64_t)FT_K * FT_L, k.bytes);
	EXPECT_EQ(0U, k.bad);
	close(x);
	close(xa);
	close(l);
	zc_ctx_close(&c);
	munmap(mem, mem_len);
}

TEST_HARNESS_MAIN
