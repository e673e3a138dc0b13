// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet socket sends: attaching TCP and UDP sockets, the errors of every
 * other kind of fd, and streams from registered memory. Over loopback the
 * stack copies (COPIED); across the guest's two NICs (the receiver in
 * $ZCNET_PEER_NS) it must not. A receiving thread checks every byte
 * against the pattern the sender wrote. Without ZCNET_FEAT_TX_SOCK every
 * test SKIPs.
 */
#include <pthread.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define MEM_LEN		(8U << 20)
#define RING		256U
#define WAIT_MS		30000U
#define SINK_BUF	(256U << 10)
#define FEW_SLOTS	20U	/* max_sockets for attach_errors */

/* The byte at stream position p: not periodic in pages or buffers. */
static inline unsigned char pat(uint64_t p)
{
	return (unsigned char)(p * 131 + (p >> 12) * 7 + (p >> 20));
}

static void pat_fill(unsigned char *dst, uint64_t pos, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = pat(pos + i);
}

/* ------------------------------------------------------------------ */
/* the receiving end: a thread on an accepted or bound socket          */
/* ------------------------------------------------------------------ */

struct sink {
	int fd;			/* listening (TCP) or bound (UDP) socket */
	bool udp;
	int go;			/* eventfd: wait for it before reading, or -1 */
	uint64_t reset_after;	/* TCP: RST after this many bytes, 0: never */
	unsigned int rcvbuf;	/* 0: default */
	bool stop;		/* UDP: return once idle (atomic) */
	/* results */
	uint64_t bytes;
	uint64_t bad;		/* bytes not matching the pattern */
	unsigned int dgrams;	/* atomic */
	unsigned int dgram_len[64];
	int err;
	pthread_t thread;
};

static void *sink_tcp(struct sink *k)
{
	unsigned char *buf = malloc(SINK_BUF);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	ssize_t n, i;
	__u64 v;
	int c;

	c = accept4(k->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0 || !buf) {
		k->err = -errno;
		free(buf);
		return NULL;
	}
	if (k->rcvbuf)
		setsockopt(c, SOL_SOCKET, SO_RCVBUF, &k->rcvbuf,
			   sizeof(k->rcvbuf));
	if (k->go >= 0 && read(k->go, &v, sizeof(v)) != sizeof(v))
		k->err = -EIO;
	for (;;) {
		size_t want = SINK_BUF;

		if (k->reset_after && k->reset_after - k->bytes < want)
			want = k->reset_after - k->bytes;
		n = read(c, buf, want);
		if (n <= 0) {
			if (n < 0)
				k->err = -errno;
			break;
		}
		for (i = 0; i < n; i++)
			k->bad += buf[i] != pat(k->bytes + i);
		k->bytes += n;
		if (k->reset_after && k->bytes >= k->reset_after) {
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			break;
		}
	}
	close(c);
	free(buf);
	return NULL;
}

/* Each datagram carries the pattern from position 0. */
static void *sink_udp(struct sink *k)
{
	unsigned char *buf = malloc(1 << 16);
	ssize_t n, i;

	while (buf) {
		struct pollfd p = { .fd = k->fd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0) {
			if (__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		n = recv(k->fd, buf, 1 << 16, 0);
		if (n < 0) {
			k->err = -errno;
			break;
		}
		for (i = 0; i < n; i++)
			k->bad += buf[i] != pat((uint64_t)i);
		k->bytes += n;
		if (k->dgrams < 64)
			k->dgram_len[k->dgrams] = (unsigned int)n;
		__atomic_store_n(&k->dgrams, k->dgrams + 1, __ATOMIC_RELEASE);
	}
	free(buf);
	return NULL;
}

static void *sink_main(void *arg)
{
	struct sink *k = arg;

	return k->udp ? sink_udp(k) : sink_tcp(k);
}

static int sink_start(struct sink *k)
{
	return -pthread_create(&k->thread, NULL, sink_main, k);
}

static void sink_join(struct sink *k)
{
	pthread_join(k->thread, NULL);
	close(k->fd);
	if (k->go >= 0)
		close(k->go);
}

static void sink_go(struct sink *k)
{
	__u64 one = 1;

	if (write(k->go, &one, sizeof(one)) != sizeof(one))
		k->err = -EIO;
}

/* ------------------------------------------------------------------ */
/* the sending end                                                     */
/* ------------------------------------------------------------------ */

/*
 * A stream of n descriptors of len bytes each through one slot, the
 * buffers cycling through the region (a buffer is rewritten only after
 * its completion), so the receiver sees the pattern from position 0.
 * Completions must come in order, each cookie once.
 */
struct stream {
	__u32 slot;
	__u32 len;
	uint64_t n;
	bool tcp;		/* stream positions continue across descs */
	/* results */
	uint64_t submitted, completed;
	uint64_t ok, copied, out_of_order;
	int first_err;
	uint64_t first_err_at;	/* cookie of the first error */
	uint64_t errs_after;	/* errors after the first */
	uint64_t ok_after_err;	/* successes after the first error */
	uint64_t bad_result;	/* neither len nor -errno */
	bool timed_out;
};

static void stream_run(struct zc_ctx *c, unsigned char *mem, __u32 id,
		       struct stream *s)
{
	__u32 nbuf = MEM_LEN / s->len;
	uint64_t end = zc_now_ms() + WAIT_MS;
	struct zcnet_cq_entry e;

	if (nbuf > RING)
		nbuf = RING;
	while (s->completed < s->n) {
		bool moved = false;

		while (s->submitted < s->n &&
		       s->submitted - s->completed < nbuf) {
			uint64_t i = s->submitted;
			__u64 off = (i % nbuf) * s->len;
			struct zcnet_tx_desc d = zc_sock_desc(id, off, s->len,
						       s->slot, i);

			pat_fill(mem + off, s->tcp ? i * s->len : 0, s->len);
			if (zc_tx_push(&c->tx, &d))
				break;
			s->submitted++;
		}
		if (zc_tx_pending(&c->tx) && zc_kick(c->fd, 0) < 0)
			break;
		while (!zc_cq_pop(&c->cq, &e)) {
			moved = true;
			if (e.cookie != s->completed)
				s->out_of_order++;
			if (e.result == (__s32)s->len) {
				s->ok++;
				if (s->first_err)
					s->ok_after_err++;
			} else if (e.result < 0 && e.result > -4096) {
				if (!s->first_err) {
					s->first_err = e.result;
					s->first_err_at = e.cookie;
				} else {
					s->errs_after++;
				}
			} else {
				s->bad_result++;
			}
			if (e.flags & ZCNET_CQE_COPIED)
				s->copied++;
			s->completed++;
		}
		if (moved) {
			end = zc_now_ms() + WAIT_MS;
		} else {
			struct pollfd p = { .fd = c->fd, .events = POLLIN };

			if (zc_now_ms() > end) {
				s->timed_out = true;
				break;
			}
			poll(&p, 1, 50);
		}
	}
}

FIXTURE(sock) {
	struct zc_ctx c;
	unsigned char *mem;
	__u32 id;
	struct zc_env env;
	bool have_env;
	const char *peer_ip;
};

FIXTURE_SETUP(sock)
{
	const char *why;

	self->c.fd = -1;
	self->mem = NULL;
	why = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, NULL);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_ctx_open(&self->c, RING, RING * 2, 0, 0));
	self->mem = zc_alloc_pages(MEM_LEN / zc_page_size());
	ASSERT_NE(NULL, self->mem);
	/*
	 * Huge pages where the kernel has them: their pages go to the socket
	 * several to a bvec, and buffers that cross a huge page's end split.
	 */
	madvise(self->mem, MEM_LEN, MADV_HUGEPAGE);
	memset(self->mem, 0, MEM_LEN);
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, MEM_LEN, &self->id));
	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				  0));
	self->have_env = !zc_env_get(&self->env);
	self->peer_ip = getenv("ZCNET_PEER_IP");
	if (!self->peer_ip)
		self->have_env = false;
}

FIXTURE_TEARDOWN(sock)
{
	zc_ctx_close(&self->c);
	if (self->mem)
		munmap(self->mem, MEM_LEN);
}

/* A connected loopback TCP pair: the sender in *tx, the sink set up. */
static int loop_tcp(struct sink *k, int sndbuf, int *tx)
{
	unsigned short port;
	int ret;

	k->fd = zc_tcp_listen(NULL, "127.0.0.1", 4, 0, &port);
	if (k->fd < 0)
		return k->fd;
	ret = sink_start(k);
	if (ret)
		return ret;
	*tx = zc_tcp_connect("127.0.0.1", port, sndbuf);
	return *tx < 0 ? *tx : 0;
}

static struct sink sink_new(bool udp, bool paused)
{
	struct sink k = { .udp = udp, .go = -1 };

	if (paused)
		k.go = eventfd(0, EFD_CLOEXEC);
	return k;
}

TEST_F(sock, attach_errors)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(9) };
	struct zcnet_sock_attach att = { .size = sizeof(att) };
	int p[2], s, l, u, efd;
	struct sink k = sink_new(false, false);
	struct zcnet_info info;
	struct zc_ctx few;
	__u32 slot, i;
	long saved, ret;
	int tx;

	EXPECT_EQ(-EBADF, zc_sock_attach(self->c.fd, -1, 0, NULL));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	close(p[1]);
	EXPECT_EQ(-EBADF, zc_sock_attach(self->c.fd, p[1], 0, NULL));
	EXPECT_EQ(-ENOTSOCK, zc_sock_attach(self->c.fd, p[0], 0, NULL));
	close(p[0]);
	efd = eventfd(0, EFD_CLOEXEC);
	EXPECT_EQ(-ENOTSOCK, zc_sock_attach(self->c.fd, efd, 0, NULL));
	EXPECT_EQ(-ENOTSOCK, zc_sock_attach(self->c.fd, self->c.fd, 0, NULL));
	close(efd);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
	EXPECT_EQ(-EOPNOTSUPP, zc_sock_attach(self->c.fd, p[0], 0, NULL));
	close(p[0]);
	close(p[1]);
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EOPNOTSUPP, zc_sock_attach(self->c.fd, s, 0, NULL));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDPLITE);
	if (s >= 0) {
		EXPECT_EQ(-EOPNOTSUPP, zc_sock_attach(self->c.fd, s, 0, NULL));
		close(s);
	}

	/* TCP: not connected, listening */
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(-ENOTCONN, zc_sock_attach(self->c.fd, s, 0, NULL));
	l = zc_tcp_listen(NULL, "127.0.0.1", 4, 0, &(unsigned short){ 0 });
	ASSERT_LE(0, l);
	EXPECT_EQ(-ENOTCONN, zc_sock_attach(self->c.fd, l, 0, NULL));
	close(l);
	close(s);

	/* UDP: neither connected nor given an address; wrong families */
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	EXPECT_EQ(-EDESTADDRREQ, zc_sock_attach(self->c.fd, u, 0, NULL));
	EXPECT_EQ(-EAFNOSUPPORT, zc_sock_attach(self->c.fd, u,
					     (uintptr_t)&a6, NULL));
	EXPECT_EQ(-EFAULT, zc_sock_attach(self->c.fd, u, 8, NULL));
	att.fd = u;
	att.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->c.fd, ZCNET_IOC_SOCK_ATTACH, &att));
	EXPECT_EQ(-EFAULT, zc_ioctl(self->c.fd, ZCNET_IOC_SOCK_ATTACH,
				    (void *)8));

	/*
	 * Up to the context's max_sockets slots, lowest free first, then
	 * ENOSPC. The module parameter is read when a context is opened: one
	 * opened while it is lowered (it is put back at once) has that many,
	 * the fixture's, opened before, keeps its own.
	 */
	saved = zc_module_param("max_sockets");
	ASSERT_LE(ZCNET_MAX_SOCKETS, saved);
	ASSERT_EQ(0, zc_set_module_param("max_sockets", FEW_SLOTS));
	ret = zc_ctx_open(&few, 8, 8, 0, 0);
	ASSERT_EQ(0, zc_set_module_param("max_sockets", saved));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, zc_get_info(few.fd, &info));
	EXPECT_EQ(FEW_SLOTS, info.max_sockets);
	ASSERT_EQ(0, zc_get_info(self->c.fd, &info));
	EXPECT_EQ(saved, (long)info.max_sockets);
	for (i = 0; i < FEW_SLOTS; i++) {
		ASSERT_EQ(0, zc_sock_attach(few.fd, u, (uintptr_t)&a4, &slot));
		EXPECT_EQ(i, slot);
	}
	EXPECT_EQ(-ENOSPC, zc_sock_attach(few.fd, u, (uintptr_t)&a4, NULL));
	EXPECT_EQ(0, zc_sock_detach(few.fd, 5));
	EXPECT_EQ(0, zc_sock_detach(few.fd, 17));
	ASSERT_EQ(0, zc_sock_attach(few.fd, u, (uintptr_t)&a4, &slot));
	EXPECT_EQ(5U, slot);
	ASSERT_EQ(0, zc_sock_attach(few.fd, u, (uintptr_t)&a4, &slot));
	EXPECT_EQ(17U, slot);
	EXPECT_EQ(-ENOSPC, zc_sock_attach(few.fd, u, (uintptr_t)&a4, NULL));
	for (i = 0; i < FEW_SLOTS; i++)
		EXPECT_EQ(0, zc_sock_detach(few.fd, i));
	EXPECT_EQ(-ENOENT, zc_sock_detach(few.fd, FEW_SLOTS));
	zc_ctx_close(&few);
	close(u);

	/* TCP: one slot per socket; no address */
	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	EXPECT_EQ(-EINVAL, zc_sock_attach(self->c.fd, tx, (uintptr_t)&a4, NULL));
	EXPECT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &slot));
	EXPECT_EQ(-EBUSY, zc_sock_attach(self->c.fd, tx, 0, NULL));
	EXPECT_EQ(0, zc_sock_detach(self->c.fd, slot));
	close(tx);
	sink_join(&k);
}

/* fdinfo names the bound device, the rings, the memory and each socket. */
TEST_F(sock, fdinfo_shows_bindings_and_sockets)
{
	char path[64], want[128], *info = malloc(1 << 16);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(9) };
	struct sink k = sink_new(false, false);
	__u32 uslot, tslot;
	struct stat su, st;
	int u, t = -1, n;

	ASSERT_NE(NULL, info);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	ASSERT_EQ(0, connect(u, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, u, 0, &uslot));
	ASSERT_EQ(0, loop_tcp(&k, 0, &t));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, t, 0, &tslot));
	ASSERT_EQ(0, fstat(u, &su));
	ASSERT_EQ(0, fstat(t, &st));
	if (self->have_env)
		ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX,
				     if_nametoindex(self->env.iface), 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->c.fd);
	n = (int)zc_read_file(path, info, (1 << 16) - 1);
	ASSERT_LT(0, n);
	info[n] = '\0';
	snprintf(want, sizeof(want), "\nsockets:\t2\n");
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("fdinfo:\n%s", info);
	snprintf(want, sizeof(want), "\nsocket:\t%u ino %lu udp\n", uslot,
		 (unsigned long)su.st_ino);
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want), "\nsocket:\t%u ino %lu tcp\n", tslot,
		 (unsigned long)st.st_ino);
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want), "\ntx_entries:\t%u\ncq_entries:", RING);
	EXPECT_EQ(NULL, strstr(info, want)) TH_LOG("rings are listed whole");
	snprintf(want, sizeof(want), "\ntx_entries:\t%u\n", RING);
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want), "\ncq_entries:\t%u\n", RING * 2);
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	EXPECT_NE(NULL, strstr(info, "\ntx_producer:\t0\n"));
	EXPECT_NE(NULL, strstr(info, "\ncq_consumer:\t0\n"));
	EXPECT_EQ(NULL, strstr(info, "\nfill_entries:"));
	snprintf(want, sizeof(want), "\nregion_bytes:\t%llu\n",
		 (unsigned long long)MEM_LEN);
	EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	/* The regions: their count among the counters, then their bytes. */
	EXPECT_NE(NULL, strstr(info, "\nregions:\t1\n")) TH_LOG("no regions");
	EXPECT_LT(strstr(info, "\nregions:"), strstr(info, "\nregion_bytes:"));
	EXPECT_EQ(NULL, strstr(info, "\nrx_ifindex:"));
	EXPECT_EQ(NULL, strstr(info, "\nrx_dev:"));
	if (self->have_env) {
		snprintf(want, sizeof(want),
			 "\ntx_dev:\t%s\ntx_ifindex:\t%u\ntx_queue:\t0\n",
			 self->env.iface, if_nametoindex(self->env.iface));
		EXPECT_NE(NULL, strstr(info, want)) TH_LOG("no %s", want);
	}
	EXPECT_EQ(0, zc_sock_detach(self->c.fd, uslot));
	EXPECT_EQ(0, zc_sock_detach(self->c.fd, tslot));
	close(u);
	close(t);
	sink_join(&k);
	free(info);
}

TEST_F(sock, detach_errors)
{
	struct zcnet_sock_detach d = { .size = sizeof(d) };

	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, 0));
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, ZCNET_MAX_SOCKETS));
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, ZCNET_MAX_SOCKETS_LIMIT));
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd,
					  ZCNET_MAX_SOCKETS_LIMIT + 1));
	EXPECT_EQ(-ENOENT, zc_sock_detach(self->c.fd, ~0U));
	d.reserved = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->c.fd, ZCNET_IOC_SOCK_DETACH, &d));
	d.reserved = 0;
	d.flags = 1;
	EXPECT_EQ(-EINVAL, zc_ioctl(self->c.fd, ZCNET_IOC_SOCK_DETACH, &d));
}

TEST_F(sock, copy_threshold_param)
{
	EXPECT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				  1 << 20));
	EXPECT_EQ(-EINVAL, zc_set_param(self->c.fd,
					ZCNET_PARAM_SOCK_COPY_THRESHOLD,
					(1 << 20) + 1));
	EXPECT_EQ(-EINVAL, zc_set_param(self->c.fd, 4, 0));
}

/* A kTLS socket has no zero-copy send: EOPNOTSUPP. */
TEST_F(sock, ktls_refused)
{
	struct sink k = sink_new(false, false);
	int tx;

	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	if (setsockopt(tx, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"))) {
		close(tx);
		sink_join(&k);
		SKIP(return, "no kernel TLS here (TCP_ULP tls: %s)",
		     strerror(errno));
	}
	EXPECT_EQ(-EOPNOTSUPP, zc_sock_attach(self->c.fd, tx, 0, NULL));
	close(tx);
	sink_join(&k);
}

/* Loopback delivers to a local socket: the stack copies, COPIED says so. */
TEST_F_TIMEOUT(sock, tcp_loopback_copied, 120)
{
	struct sink k = sink_new(false, false);
	struct stream s = { .len = 64 << 10, .n = 64, .tcp = true };
	struct zcnet_stats st;
	int tx;

	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	stream_run(&self->c, self->mem, self->id, &s);
	EXPECT_FALSE(s.timed_out);
	EXPECT_EQ(s.n, s.completed);
	EXPECT_EQ(s.n, s.ok);
	EXPECT_EQ(0U, s.out_of_order);
	EXPECT_EQ(s.n, s.copied);
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ(s.n * s.len, k.bytes);
	EXPECT_EQ(0U, k.bad);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(s.n * s.len, st.sock_copied_bytes);
	EXPECT_EQ(0U, st.sock_zc_bytes);
	EXPECT_EQ(s.n, st.tx_copied);
	EXPECT_EQ(0U, st.inflight);
	close(tx);
}

/* At or below the threshold a descriptor is copied at once. */
TEST_F(sock, tcp_small_copied)
{
	struct sink k = sink_new(false, false);
	struct stream s = { .len = 1000, .n = 2000, .tcp = true };
	struct zcnet_stats st;
	int tx;

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				  1000));
	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	stream_run(&self->c, self->mem, self->id, &s);
	EXPECT_EQ(s.n, s.ok);
	EXPECT_EQ(s.n, s.copied);
	EXPECT_EQ(0U, s.out_of_order);
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ(s.n * s.len, k.bytes);
	EXPECT_EQ(0U, k.bad);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(s.n * s.len, st.sock_copied_bytes);
	close(tx);
}

/*
 * Copied and zero-copy writes of many sizes interleaved on one stream
 * (several copied ones share a sendmsg()): the bytes arrive in ring
 * order and each completion carries its own length.
 */
TEST_F_TIMEOUT(sock, tcp_mixed_sizes, 120)
{
	static const __u32 sizes[] = { 100, 5000, 70000, 1, 4096, 4097,
				       300000, 2000, 2000, 2000, 65536, 7 };
	const unsigned int nsizes = sizeof(sizes) / sizeof(sizes[0]);
	const unsigned int n = 40 * nsizes;
	struct sink k = sink_new(false, false);
	struct zcnet_cq_entry e;
	unsigned int i, done = 0, bad = 0, order = 0;
	uint64_t pos = 0, off = 0, total = 0;
	int tx;

	ASSERT_EQ(0, zc_set_param(self->c.fd, ZCNET_PARAM_SOCK_COPY_THRESHOLD,
				  4096));
	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &(__u32){ 0 }));
	for (i = 0; i < n; i++) {
		__u32 len = sizes[i % nsizes];
		struct zcnet_tx_desc d;

		/* buffers laid out one after another, never reused */
		if (off + len > MEM_LEN)
			break;
		pat_fill(self->mem + off, pos, len);
		d = zc_sock_desc(self->id, off, len, 0, i);
		while (zc_tx_push(&self->c.tx, &d)) {
			ASSERT_LE(0, zc_kick(self->c.fd, 0));
			zc_sleep_ms(1);
		}
		off += len;
		pos += len;
	}
	total = pos;
	ASSERT_LE(0, zc_kick(self->c.fd, 0));
	while (done < i && zc_cq_collect(&self->c, &e, 1, WAIT_MS) == 1) {
		order += e.cookie != done;
		bad += e.result != (__s32)sizes[e.cookie % nsizes];
		done++;
	}
	EXPECT_EQ(i, done);
	EXPECT_EQ(0U, order);
	EXPECT_EQ(0U, bad);
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ(total, k.bytes);
	EXPECT_EQ(0U, k.bad);
	close(tx);
}

static __u32 tcp_data_segs_out(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	return ti.tcpi_data_segs_out;
}

/*
 * Zero-copy writes that follow each other on a stream share their group's
 * ubuf_info, so TCP fills one skb across them: 16 writes of 1000 bytes
 * with ZCNET_TX_MORE but the last leave as one segment on loopback (MSS
 * 64 KiB), not as 16. Each write still completes once, in order.
 */
TEST_F(sock, tcp_zc_writes_share_segments)
{
	const unsigned int n = 16, len = 1000;
	struct sink k = sink_new(false, false);
	struct zcnet_cq_entry e;
	unsigned int i, done = 0, order = 0, bad = 0, copied = 0;
	__u32 segs;
	int tx;

	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &(__u32){ 0 }));
	segs = tcp_data_segs_out(tx);
	pat_fill(self->mem, 0, n * len);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc d = zc_sock_desc(self->id, i * len, len, 0, i);

		if (i < n - 1)
			d.flags |= ZCNET_TX_MORE;
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	ASSERT_EQ(n, zc_kick(self->c.fd, 0));
	while (done < n && zc_cq_collect(&self->c, &e, 1, WAIT_MS) == 1) {
		order += e.cookie != done;
		bad += e.result != (__s32)len;
		copied += !!(e.flags & ZCNET_CQE_COPIED);
		done++;
	}
	EXPECT_EQ(n, done);
	EXPECT_EQ(0U, order);
	EXPECT_EQ(0U, bad);
	EXPECT_EQ(n, copied);
	segs = tcp_data_segs_out(tx) - segs;
	TH_LOG("%u writes left as %u segments", n, segs);
	EXPECT_LE(1U, segs);
	EXPECT_GE(2U, segs);
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ((uint64_t)n * len, k.bytes);
	EXPECT_EQ(0U, k.bad);
	close(tx);
}

/* The program's fd may go at once: the context holds its own reference. */
TEST_F(sock, close_fd_in_flight)
{
	struct sink k = sink_new(false, false);
	struct stream s = { .len = 128 << 10, .n = 32, .tcp = true };
	int tx;

	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	close(tx);
	stream_run(&self->c, self->mem, self->id, &s);
	EXPECT_EQ(s.n, s.ok);
	EXPECT_EQ(0U, s.out_of_order);
	/* detaching drops the last reference: the sink sees EOF */
	EXPECT_EQ(0, zc_sock_detach(self->c.fd, s.slot));
	sink_join(&k);
	EXPECT_EQ(s.n * s.len, k.bytes);
	EXPECT_EQ(0U, k.bad);
}

/*
 * For a peer that reads late: the first count writes of s, kicked at once,
 * then wait_ms to let the socket take what it can. Returns how many
 * completed meanwhile, each in order and whole.
 */
static unsigned int stalled_start(struct __test_metadata *_metadata,
				  FIXTURE_DATA(sock) *self, struct stream *s,
				  unsigned int count, unsigned int wait_ms)
{
	struct zcnet_tx_desc d;
	struct zcnet_cq_entry e;
	unsigned int popped = 0, i;

	for (i = 0; i < count; i++) {
		pat_fill(self->mem + (size_t)i * s->len, (uint64_t)i * s->len,
			 s->len);
		d = zc_sock_desc(self->id, (size_t)i * s->len, s->len, s->slot,
				 i);
		EXPECT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	EXPECT_EQ((long)count, zc_kick(self->c.fd, 0));
	zc_sleep_ms(wait_ms);
	while (!zc_cq_pop(&self->c.cq, &e)) {
		EXPECT_EQ(popped, e.cookie);
		EXPECT_EQ((__s32)s->len, e.result);
		popped++;
	}
	s->submitted = count;
	s->completed = popped;
	s->ok = popped;
	return popped;
}

/* The peer reads now: the rest of s, every byte once and in order. */
static void stalled_finish(struct __test_metadata *_metadata,
			   FIXTURE_DATA(sock) *self, struct stream *s,
			   struct sink *k, int tx)
{
	sink_go(k);
	stream_run(&self->c, self->mem, self->id, s);
	EXPECT_FALSE(s->timed_out);
	EXPECT_EQ(s->n, s->ok);
	EXPECT_EQ(0U, s->out_of_order);
	shutdown(tx, SHUT_WR);
	sink_join(k);
	EXPECT_EQ(s->n * s->len, k->bytes);
	EXPECT_EQ(0U, k->bad);
	close(tx);
}

/*
 * A full send buffer: the receiver does not read until the kick returned.
 * A kick that blocked would never return (the harness times it out).
 */
TEST_F_TIMEOUT(sock, full_sndbuf_resumes, 120)
{
	struct sink k = sink_new(false, true);
	struct stream s = { .len = 256 << 10, .n = 64, .tcp = true };
	struct zcnet_stats st;
	int tx;

	k.rcvbuf = 64 << 10;
	ASSERT_EQ(0, loop_tcp(&k, 64 << 10, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	/* 4 MiB cannot have fit in the socket and an unread receiver */
	EXPECT_GT(16U, stalled_start(_metadata, self, &s, 16, 200));
	stalled_finish(_metadata, self, &s, &k, tx);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_LT(0U, st.sock_resumes);
}

/*
 * A peer that stops reading: the bytes it has taken are acknowledged, and
 * their descriptors complete although the socket has no room for the
 * rest. The 448 KiB are less than one zero-copy group may hold, so this
 * fails if a group stays open while the socket is full.
 */
TEST_F_TIMEOUT(sock, stalled_peer_acked_complete, 120)
{
	struct sink k = sink_new(false, true);
	struct stream s = { .len = 8 << 10, .n = 56, .tcp = true };
	unsigned int popped;
	int tx;

	k.rcvbuf = 128 << 10;
	ASSERT_EQ(0, loop_tcp(&k, 32 << 10, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	popped = stalled_start(_metadata, self, &s, s.n, 500);
	TH_LOG("%u of %llu writes completed while the peer did not read",
	       popped, (unsigned long long)s.n);
	EXPECT_LE(1U, popped);
	EXPECT_GT(s.n, popped);
	stalled_finish(_metadata, self, &s, &k, tx);
}

/*
 * The peer resets the connection mid-stream: the descriptor in the way
 * fails, every later one fails too, nothing completes twice, and closing
 * the context unpins everything.
 */
TEST_F_TIMEOUT(sock, peer_reset, 120)
{
	struct sink k = sink_new(false, false);
	struct stream s = { .len = 64 << 10, .n = 256, .tcp = true };
	int tx, fd2;

	k.reset_after = 1 << 20;
	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	stream_run(&self->c, self->mem, self->id, &s);
	sink_join(&k);
	EXPECT_FALSE(s.timed_out);
	EXPECT_EQ(s.n, s.completed);
	EXPECT_EQ(0U, s.out_of_order);
	EXPECT_EQ(0U, s.bad_result);
	EXPECT_EQ(0U, s.ok_after_err);
	EXPECT_NE(0, s.first_err);
	EXPECT_TRUE(s.first_err == -ECONNRESET || s.first_err == -EPIPE)
		TH_LOG("first error %d", s.first_err);
	EXPECT_EQ(s.n, s.ok + 1 + s.errs_after);
	EXPECT_LE(k.reset_after / s.len, s.ok);
	close(tx);
	fd2 = zc_open();
	ASSERT_LE(0, fd2);
	zc_ctx_close(&self->c);
	EXPECT_EQ(0U, zc_wait_module_pinned(fd2, 0));
	close(fd2);
}

/*
 * Queued descriptors the socket has not taken are cancelled on detach; one
 * it took in part completes with the bytes it took, and exactly the bytes
 * the completions report arrive.
 */
TEST_F(sock, detach_cancels_queued)
{
	struct sink k = sink_new(false, true);
	struct zcnet_cq_entry e[32];
	struct zcnet_tx_desc d;
	unsigned int got, i, ok = 0, cancelled = 0, part = 0, order = 0;
	__u32 slot, len = 256 << 10;
	uint64_t took = 0;
	int tx;

	k.rcvbuf = 64 << 10;
	ASSERT_EQ(0, loop_tcp(&k, 64 << 10, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &slot));
	for (i = 0; i < 32; i++) {
		pat_fill(self->mem + (size_t)i * len, (uint64_t)i * len, len);
		d = zc_sock_desc(self->id, (size_t)i * len, len, slot, i);
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	ASSERT_EQ(32, zc_kick(self->c.fd, 0));
	ASSERT_EQ(0, zc_sock_detach(self->c.fd, slot));
	sink_go(&k);
	got = zc_cq_collect(&self->c, e, 32, WAIT_MS);
	EXPECT_EQ(32U, got);
	for (i = 0; i < got; i++) {
		order += e[i].cookie != i;
		ok += e[i].result == (__s32)len;
		cancelled += e[i].result == -ECANCELED;
		if (e[i].result > 0 && e[i].result < (__s32)len) {
			/* only the last one the socket took, and only once */
			EXPECT_EQ(ok, i);
			part++;
		}
		if (e[i].result > 0)
			took += (uint64_t)e[i].result;
	}
	EXPECT_EQ(0U, order);
	EXPECT_EQ(got, ok + cancelled + part);
	EXPECT_GE(1U, part);
	EXPECT_LT(0U, cancelled);
	close(tx);
	sink_join(&k);
	EXPECT_EQ(took, k.bytes);
	EXPECT_EQ(0U, k.bad);
}

/*
 * A descriptor rejected in the middle of a stream (outside its region)
 * completes in its place with -EINVAL and breaks the stream: those after
 * it fail with -EPIPE, those before it arrive.
 */
TEST_F(sock, rejected_breaks_stream)
{
	struct sink k = sink_new(false, false);
	struct zcnet_cq_entry e[8];
	struct zcnet_tx_desc d;
	unsigned int i;
	__u32 slot, len = 4096;
	int tx;

	ASSERT_EQ(0, loop_tcp(&k, 0, &tx));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &slot));
	for (i = 0; i < 8; i++) {
		pat_fill(self->mem + (size_t)i * len, (uint64_t)i * len, len);
		d = zc_sock_desc(self->id, (size_t)i * len, len, slot, i);
		if (i == 3)
			d.offset = MEM_LEN;
		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	ASSERT_EQ(8, zc_kick(self->c.fd, 0));
	ASSERT_EQ(8U, zc_cq_collect(&self->c, e, 8, WAIT_MS));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(i, e[i].cookie);
		if (i < 3) {
			EXPECT_EQ((__s32)len, e[i].result);
		} else if (i == 3) {
			EXPECT_EQ(-EINVAL, e[i].result);
		} else {
			EXPECT_EQ(-EPIPE, e[i].result);
		}
	}
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ(3U * len, k.bytes);
	EXPECT_EQ(0U, k.bad);
	close(tx);
}

/*
 * UDP datagrams of several sizes, to a connected socket's peer and to the
 * address given at attach; one above the largest datagram fails alone.
 * One datagram at a time: UDP may drop a burst on the way (the host's tap
 * queue, fragment reassembly), so a datagram that did not arrive within a
 * second is sent again, at most three times.
 */
static void udp_sizes(struct __test_metadata *_metadata,
		      FIXTURE_DATA(sock) *self, const char *ns,
		      const char *ip, bool nic)
{
	static const __u32 sizes[] = { 1, 18, 100, 1000, 1472, 4000, 9000,
				       65507, 65508 };
	const unsigned int n = sizeof(sizes) / sizeof(sizes[0]);
	struct sink k = sink_new(true, false);
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned int i, j, try, seen, resent = 0;
	struct zcnet_cq_entry e;
	unsigned short port;
	__u32 slot[2];
	__u64 cookie = 0;
	int u, v;

	k.fd = zc_udp_bind(ns, ip, &port);
	ASSERT_LE(0, k.fd);
	ASSERT_EQ(0, sink_start(&k));
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	v = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	ASSERT_LE(0, v);
	ASSERT_EQ(0, connect(u, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, u, 0, &slot[0]));
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, v, (uintptr_t)&a, &slot[1]));
	pat_fill(self->mem, 0, 65508);
	for (i = 0; i < 2 * n; i++) {
		__u32 len = sizes[i % n];

		for (try = 0; try < 3; try++) {
			struct zcnet_tx_desc d = zc_sock_desc(self->id, 0, len,
						       slot[i / n], cookie);
			uint64_t end;

			seen = __atomic_load_n(&k.dgrams, __ATOMIC_ACQUIRE);
			ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
			ASSERT_EQ(1, zc_kick(self->c.fd, 0));
			ASSERT_EQ(1U, zc_cq_collect(&self->c, &e, 1, WAIT_MS));
			EXPECT_EQ(cookie, e.cookie);
			cookie++;
			if (len > 65507) {
				EXPECT_EQ(-EMSGSIZE, e.result);
				break;
			}
			EXPECT_EQ((__s32)len, e.result);
			/*
			 * Across the NICs a datagram that fits one frame goes
			 * zero copy (short ones may be padded by a driver, so
			 * they are not checked); one that needs fragments,
			 * or loopback, copies.
			 */
			if (nic && len >= 100 && len <= 1472) {
				EXPECT_EQ(0U, e.flags & ZCNET_CQE_COPIED)
					TH_LOG("len %u", len);
			} else if (!nic || len > 1472) {
				EXPECT_EQ(ZCNET_CQE_COPIED, e.flags)
					TH_LOG("len %u", len);
			}
			end = zc_now_ms() + 1000;
			while (__atomic_load_n(&k.dgrams, __ATOMIC_ACQUIRE) ==
			       seen && zc_now_ms() < end)
				zc_sleep_ms(5);
			if (__atomic_load_n(&k.dgrams, __ATOMIC_ACQUIRE) != seen)
				break;
			resent++;
		}
		EXPECT_GT(3U, try) TH_LOG("%u bytes never arrived", len);
	}
	__atomic_store_n(&k.stop, true, __ATOMIC_RELEASE);
	sink_join(&k);
	if (resent)
		TH_LOG("%u datagrams sent again", resent);
	EXPECT_EQ(0U, k.bad);
	EXPECT_LE(2 * (n - 1), k.dgrams);
	for (j = 0; j < n - 1; j++) {
		unsigned int found = 0;

		for (i = 0; i < k.dgrams && i < 64; i++)
			found += k.dgram_len[i] == sizes[j];
		EXPECT_LE(2U, found) TH_LOG("datagrams of %u bytes", sizes[j]);
	}
	close(u);
	close(v);
}

TEST_F(sock, udp_loopback_sizes)
{
	udp_sizes(_metadata, self, NULL, "127.0.0.1", false);
}

TEST_F_TIMEOUT(sock, udp_nic_sizes, 120)
{
	if (!self->have_env)
		SKIP(return, "outside the test guest (no ZCNET_PEER_NS)");
	udp_sizes(_metadata, self, self->env.peer_ns, self->peer_ip, true);
}

/*
 * 256 MiB over TCP across the two NICs: byte-exact at the peer, every
 * completion once and in order, nothing copied on virtio-net; elsewhere
 * the copies the driver made agree with the counters and stay rare.
 */
TEST_F_TIMEOUT(sock, tcp_nic_256m_zero_copy, 300)
{
	struct sink k = sink_new(false, false);
	struct stream s = { .len = 64 << 10, .n = 4096, .tcp = true };
	struct zcnet_stats st;
	unsigned short port;
	int tx;

	if (!self->have_env)
		SKIP(return, "outside the test guest (no ZCNET_PEER_NS)");
	k.fd = zc_tcp_listen(self->env.peer_ns, self->peer_ip, 4, 0, &port);
	ASSERT_LE(0, k.fd);
	ASSERT_EQ(0, sink_start(&k));
	tx = zc_tcp_connect(self->peer_ip, port, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, zc_sock_attach(self->c.fd, tx, 0, &s.slot));
	stream_run(&self->c, self->mem, self->id, &s);
	EXPECT_FALSE(s.timed_out);
	EXPECT_EQ(s.n, s.completed);
	EXPECT_EQ(s.n, s.ok);
	EXPECT_EQ(0U, s.out_of_order);
	shutdown(tx, SHUT_WR);
	sink_join(&k);
	EXPECT_EQ(s.n * s.len, k.bytes);
	EXPECT_EQ(0U, k.bad);
	ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
	EXPECT_EQ(s.copied, st.tx_copied);
	EXPECT_EQ(s.copied * s.len, st.sock_copied_bytes);
	EXPECT_EQ(s.n * s.len, st.sock_zc_bytes + st.sock_copied_bytes);
	if (zc_nic_may_copy(&self->env)) {
		if (s.copied)
			TH_LOG("the driver copied %llu of %llu writes",
			       (unsigned long long)s.copied,
			       (unsigned long long)s.n);
		EXPECT_GE(s.n / 10, s.copied);
	} else {
		EXPECT_EQ(0U, s.copied);
	}
	close(tx);
}

/*
 * The tools: zcnet-send --tcp streams 64 MiB to zcnet-recv --tcp-listen in
 * the peer's namespace; both print the same checksum, every byte checks,
 * nothing is copied.
 */
TEST_F_TIMEOUT(sock, tools_tcp_stream_checksum, 300)
{
	char port[16], target[64], rbuf[1024], sbuf[1024], a[64], b[64];
	const char *recv_argv[] = { "zcnet-recv", "--tcp-listen", NULL,
				    "--idle-timeout", "60", "-j", NULL };
	const char *send_argv[] = { "zcnet-send", "--tcp", target, "-n",
				    "1024", "-s", "65536", "--copy-threshold",
				    "0", "-j", NULL };
	int rout, sout, rst, sst;
	pid_t r, s;

	if (!self->have_env || !getenv("ZCNET_TOOLS"))
		SKIP(return, "outside the test guest (no ZCNET_TOOLS)");
	snprintf(port, sizeof(port), "%s:%d", self->peer_ip, 20000 + getpid() % 20000);
	recv_argv[2] = port;
	snprintf(target, sizeof(target), "%s", port);
	r = zc_tool_start(self->env.peer_ns, recv_argv, &rout);
	ASSERT_LT(0, r);
	EXPECT_TRUE(zc_tool_wait_for(rout, rbuf, sizeof(rbuf), "listening"))
		TH_LOG("zcnet-recv: %s", rbuf);
	sbuf[0] = 0;
	s = zc_tool_start(NULL, send_argv, &sout);
	ASSERT_LT(0, s);
	sst = zc_tool_finish(s, sout, sbuf, sizeof(sbuf));
	rst = zc_tool_finish(r, rout, rbuf, sizeof(rbuf));
	EXPECT_EQ(0, sst) TH_LOG("zcnet-send: %s", sbuf);
	EXPECT_EQ(0, rst) TH_LOG("zcnet-recv: %s", rbuf);
	EXPECT_STREQ("67108864", zc_json_val(sbuf, "bytes", a, sizeof(a)));
	EXPECT_STREQ("67108864", zc_json_val(rbuf, "bytes", b, sizeof(b)));
	EXPECT_STREQ("0", zc_json_val(rbuf, "bad_bytes", a, sizeof(a)));
	if (zc_nic_may_copy(&self->env)) {
		EXPECT_LE(90.0, strtod(zc_json_val(sbuf, "zerocopy_pct", a,
						sizeof(a)), NULL));
	} else {
		EXPECT_STREQ("100.00", zc_json_val(sbuf, "zerocopy_pct", a,
						sizeof(a)));
	}
	EXPECT_STRNE("", zc_json_val(sbuf, "checksum", a, sizeof(a)));
	EXPECT_STREQ(a, zc_json_val(rbuf, "checksum", b, sizeof(b)));
}

/*
 * --interval 0.2: zcnet-send --tcp sends for 2 s (-t) to zcnet-recv
 * --tcp-listen, which runs as long at least; each prints a progress line
 * at every deadline its loop passes (its loop comes round every 0.1 s at
 * the latest), so more than one, and a last one at the end. Once the
 * sender's lines are JSON and the receiver's text, once the other way
 * round; the JSON lines check as zc_progress_check() says, the text ones
 * end with the report's totals.
 */
TEST_F_TIMEOUT(sock, tools_interval, 120)
{
	char port[16], rbuf[16384], sbuf[16384], last[1024], want[64], v[64];
	char why[512];
	const char *recv_argv[] = { "zcnet-recv", "--tcp-listen", port,
				    "--idle-timeout", "60", "--interval", "0.2",
				    NULL, NULL };
	const char *send_argv[] = { "zcnet-send", "--tcp", port, "-t", "2",
				    "-s", "65536", "--interval", "0.2", NULL,
				    NULL };
	int rout, sout, rst, sst, round;
	pid_t r, s;

	if (!self->have_env || !getenv("ZCNET_TOOLS"))
		SKIP(return, "outside the test guest (no ZCNET_TOOLS)");
	for (round = 0; round < 2; round++) {
		snprintf(port, sizeof(port), "%s:%d", self->peer_ip,
			 20000 + (getpid() + round) % 20000);
		send_argv[9] = round ? NULL : "-j";
		recv_argv[7] = round ? "-j" : NULL;
		r = zc_tool_start(self->env.peer_ns, recv_argv, &rout);
		ASSERT_LT(0, r);
		EXPECT_TRUE(zc_tool_wait_for(rout, rbuf, sizeof(rbuf),
					     "listening"))
			TH_LOG("zcnet-recv: %s", rbuf);
		sbuf[0] = 0;
		s = zc_tool_start(NULL, send_argv, &sout);
		ASSERT_LT(0, s);
		sst = zc_tool_finish(s, sout, sbuf, sizeof(sbuf));
		rst = zc_tool_finish(r, rout, rbuf, sizeof(rbuf));
		ASSERT_EQ(0, sst) TH_LOG("zcnet-send: %s", sbuf);
		ASSERT_EQ(0, rst) TH_LOG("zcnet-recv: %s", rbuf);
		if (!round) {
			EXPECT_LE(2, zc_progress_check(sbuf, "writes", why,
						       sizeof(why)))
				TH_LOG("zcnet-send: %s: %s", why, sbuf);
			EXPECT_LE(2, zc_progress_text(rbuf, "zcnet-recv", last,
						      sizeof(last)))
				TH_LOG("zcnet-recv: %s", rbuf);
			EXPECT_NE(NULL, strstr(sbuf, "\"total_copied\":"));
			EXPECT_NE(NULL, strstr(sbuf, "\"total_errors\":"));
			snprintf(want, sizeof(want), " total %s bytes",
				 zc_report_val(sbuf, "bytes", v, sizeof(v)));
		} else {
			EXPECT_LE(2, zc_progress_check(rbuf, NULL, why,
						       sizeof(why)))
				TH_LOG("zcnet-recv: %s: %s", why, rbuf);
			EXPECT_LE(2, zc_progress_text(sbuf, "zcnet-send", last,
						      sizeof(last)))
				TH_LOG("zcnet-send: %s", sbuf);
			EXPECT_NE(NULL, strstr(rbuf, "\"total_errors\":"));
			snprintf(want, sizeof(want), " writes %s bytes",
				 zc_report_val(rbuf, "bytes", v, sizeof(v)));
		}
		EXPECT_NE(NULL, strstr(last, ": end "))
			TH_LOG("last text line: %s", last);
		EXPECT_NE(NULL, strstr(last, want))
			TH_LOG("'%s' not in the last text line: %s", want, last);
	}
}

TEST_HARNESS_MAIN
