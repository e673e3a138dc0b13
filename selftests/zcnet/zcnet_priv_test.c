// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet privileges and memory accounting.
 *
 * Privileges (ZCNET_IOC_BIND): raw transmit needs CAP_NET_RAW, receive
 * needs CAP_NET_ADMIN, and both the calling task and the task that opened
 * /dev/zcnet must hold the capability in the user namespace that owns the
 * network namespace. Forked children stay uid 0 (so /dev/zcnet still
 * opens by ownership) and drop capabilities with raw capset(2): TX with
 * only CAP_NET_RAW, RX with only CAP_NET_ADMIN, an fd opened without the
 * capabilities handed to a privileged process over SCM_RIGHTS (confused
 * deputy), and a privileged fd used by a child without CAP_NET_ADMIN.
 *
 * Memory cgroup: ring memory is charged to the memory cgroup of the task
 * that calls ZCNET_IOC_SETUP. A child in a cgroup of its own sets up
 * rings of the largest size: memory.current grows by their size and
 * comes back down when they are gone, also when a mapping outlives the
 * fd; and beyond memory.max, SETUP fails with ENOMEM. cgroup2 is mounted
 * and the memory controller enabled if need be, and put back afterwards.
 *
 * Outside the test guest (no $ZCNET_IFACE) the privilege tests SKIP; the
 * memory tests SKIP without the memory controller.
 */
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <linux/capability.h>
#include <linux/magic.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define CAPBIT(c)	(1ULL << (c))
#define KID_NRES	16
#define KID_UNSET	(-9999L)
#define KID_DIED	(-9998L)

/* ------------------------------------------------------------------ */
/* capabilities                                                        */
/* ------------------------------------------------------------------ */

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	memset(d, 0, 2 * sizeof(*d));
	return syscall(SYS_capget, &h, d) ? -errno : 0;
}

static bool caps_effective(__u64 mask)
{
	struct __user_cap_data_struct d[2];
	__u64 eff;

	if (caps_get(d))
		return false;
	eff = d[0].effective | ((__u64)d[1].effective << 32);
	return (eff & mask) == mask;
}

/*
 * Drop the capabilities in mask from the effective, permitted and
 * inheritable sets (ambient ones go with them) and check they are gone.
 * The uid stays 0. 0 or -errno; -ENOTRECOVERABLE if they are still there.
 */
static int caps_drop(__u64 mask)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int i, ret;

	if (!mask)
		return 0;
	ret = caps_get(d);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		__u32 m = (__u32)(mask >> (32 * i));

		d[i].effective &= ~m;
		d[i].permitted &= ~m;
		d[i].inheritable &= ~m;
	}
	if (syscall(SYS_capset, &h, d))
		return -errno;
	ret = caps_get(d);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		__u32 m = (__u32)(mask >> (32 * i));

		if ((d[i].effective | d[i].permitted) & m)
			return -ENOTRECOVERABLE;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* children that report, then wait to be let go                        */
/* ------------------------------------------------------------------ */

/*
 * A forked child that drops capabilities, runs fn, which fills r[1..],
 * sends r[] (r[0]: the result of dropping them) and then keeps its fds
 * open until kid_end(), so that what it left bound can be checked while
 * it still holds it.
 */
struct kid {
	pid_t pid;
	int res;		/* read end: results */
	int go;			/* write end: closing it lets the child exit */
};

typedef void (*kid_fn)(long *r, const void *arg);

static int kid_start(struct kid *k, __u64 drop, kid_fn fn, const void *arg)
{
	int rp[2], gp[2], err, i;

	k->pid = -1;
	k->res = k->go = -1;
	if (pipe2(rp, O_CLOEXEC))
		return -errno;
	if (pipe2(gp, O_CLOEXEC)) {
		err = -errno;
		close(rp[0]);
		close(rp[1]);
		return err;
	}
	k->pid = zc_fork();
	if (k->pid < 0) {
		err = -errno;
		close(rp[0]);
		close(rp[1]);
		close(gp[0]);
		close(gp[1]);
		return err;
	}
	if (k->pid == 0) {
		long r[KID_NRES];
		char c;

		close(rp[0]);
		close(gp[1]);
		for (i = 0; i < KID_NRES; i++)
			r[i] = KID_UNSET;
		r[0] = caps_drop(drop);
		if (!r[0])
			fn(r, arg);
		zc_write_full(rp[1], r, sizeof(r));
		while (read(gp[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(rp[1]);
	close(gp[0]);
	k->res = rp[0];
	k->go = gp[1];
	return 0;
}

/* The child's results; r[0] is KID_DIED if it died before sending them. */
static void kid_results(struct kid *k, long *r)
{
	int i;

	for (i = 0; i < KID_NRES; i++)
		r[i] = KID_UNSET;
	if (zc_read_full(k->res, r, sizeof(*r) * KID_NRES))
		r[0] = KID_DIED;
}

/* Let the child exit and reap it; its wait status. */
static int kid_end(struct kid *k)
{
	int status;

	if (k->go >= 0)
		close(k->go);
	if (k->res >= 0)
		close(k->res);
	k->go = k->res = -1;
	status = zc_wait(k->pid);
	k->pid = -1;
	return status;
}

/* ------------------------------------------------------------------ */
/* fd passing                                                          */
/* ------------------------------------------------------------------ */

static int send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* The fd received, or -errno (-EBADMSG: a message without one). */
static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ------------------------------------------------------------------ */
/* binding                                                             */
/* ------------------------------------------------------------------ */

/*
 * Bind flags on ifindex: any TX queue; RX steers only the test ethertype,
 * so the guest's own traffic still reaches the stack.
 */
static long bind_flags(int fd, __u32 flags, int ifindex)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = flags,
		.ifindex = (__u32)ifindex,
		.queue = ZCNET_QUEUE_ANY,
	};

	if (flags & ZCNET_BIND_RX) {
		b.rx_match = ZCNET_RX_MATCH_ETHERTYPE;
		b.rx_ethertype = ZC_ETH_P_TEST;
	}
	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

/* A context with all four rings (BIND_RX needs FILL and RX); fd or -errno */
static int open_rings(void)
{
	int fd = zc_open();
	long ret;

	if (fd < 0)
		return -errno;
	ret = zc_setup(fd, 8, 8, 8, 8);
	if (ret) {
		close(fd);
		return (int)ret;
	}
	return fd;
}

/*
 * From this (privileged) process, on a context of its own: bind RX on
 * ifindex (*bind) and unbind (*unbind). Binding RX succeeds only while no
 * other context holds the device's receive path.
 */
static void rx_free_check(int ifindex, long *bind, long *unbind)
{
	int fd = open_rings();

	*bind = *unbind = KID_UNSET;
	if (fd < 0) {
		*bind = fd;
		return;
	}
	*bind = bind_flags(fd, ZCNET_BIND_RX, ifindex);
	if (!*bind)
		*unbind = zc_unbind(fd, ZCNET_BIND_RX);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* privileges                                                          */
/* ------------------------------------------------------------------ */

FIXTURE(priv) {
	struct zc_env env;
	struct zc_netif nif;
};

FIXTURE_SETUP(priv)
{
	const char *why = zc_fixture_skip(ZCNET_FEAT_TX_RAW | ZCNET_FEAT_RX,
					  &self->env);

	if (why)
		SKIP(return, "%s", why);
	if (!caps_effective(CAPBIT(CAP_NET_RAW) | CAPBIT(CAP_NET_ADMIN)))
		SKIP(return, "needs CAP_NET_RAW and CAP_NET_ADMIN to start from");
	ASSERT_EQ(0, zc_netif_get(self->env.iface, &self->nif))
		TH_LOG("no device %s", self->env.iface);
	ASSERT_TRUE(self->nif.flags & IFF_UP)
		TH_LOG("%s is down: an earlier test did not restore it",
		       self->env.iface);
}

FIXTURE_TEARDOWN(priv)
{
}

/* One of CAP_NET_ADMIN and CAP_NET_RAW dropped, and what it still allows */
struct one_cap {
	int ifindex;
	int dropped;
	const char *dropped_name, *kept_name;
	unsigned int refused, allowed;
	const char *refused_name, *allowed_name;
};

/*
 * A child without one of the two, on a context it opened: r[1] setup,
 * r[2] TX|RX, r[3] unbind TX, r[4] unbind RX, r[5] the bind it lacks the
 * capability for, r[6] its unbind, r[7] the other bind, r[8] its unbind.
 */
static void one_cap_child(long *r, const void *arg)
{
	const struct one_cap *c = arg;
	int fd = open_rings();

	r[1] = fd < 0 ? fd : 0;
	if (fd < 0)
		return;
	r[2] = bind_flags(fd, ZCNET_BIND_TX | ZCNET_BIND_RX, c->ifindex);
	r[3] = zc_unbind(fd, ZCNET_BIND_TX);
	r[4] = zc_unbind(fd, ZCNET_BIND_RX);
	r[5] = bind_flags(fd, c->refused, c->ifindex);
	r[6] = zc_unbind(fd, c->refused);
	r[7] = bind_flags(fd, c->allowed, c->ifindex);
	r[8] = zc_unbind(fd, c->allowed);
	/* fd stays open until the parent lets the child go */
}

static void one_cap_check(struct __test_metadata *_metadata,
			  const struct one_cap *c)
{
	long r[KID_NRES], b, u;
	struct kid k;

	ASSERT_EQ(0, kid_start(&k, CAPBIT(c->dropped), one_cap_child, c));
	kid_results(&k, r);
	ASSERT_EQ(0, r[0]) TH_LOG("dropping %s: %ld", c->dropped_name, r[0]);
	ASSERT_EQ(0, r[1]) TH_LOG("open and setup without %s",
				  c->dropped_name);
	EXPECT_EQ(-EPERM, r[2]) TH_LOG("BIND_TX|BIND_RX without %s",
				       c->dropped_name);
	EXPECT_EQ(-ENOTCONN, r[3]) TH_LOG("TX bound by the refused TX|RX");
	EXPECT_EQ(-ENOTCONN, r[4]) TH_LOG("RX bound by the refused TX|RX");
	EXPECT_EQ(-EPERM, r[5]) TH_LOG("%s without %s", c->refused_name,
				       c->dropped_name);
	EXPECT_EQ(-ENOTCONN, r[6]);
	EXPECT_EQ(0, r[7]) TH_LOG("%s with %s", c->allowed_name, c->kept_name);
	EXPECT_EQ(0, r[8]);
	/* the child's context is still open: the device's RX must be free */
	rx_free_check(c->ifindex, &b, &u);
	EXPECT_EQ(0, b) TH_LOG("privileged BIND_RX while the child's context lives");
	EXPECT_EQ(0, u);
	EXPECT_EQ(0, kid_end(&k));
}

TEST_F(priv, net_raw_without_net_admin)
{
	const struct one_cap c = {
		.ifindex = self->nif.ifindex, .dropped = CAP_NET_ADMIN,
		.dropped_name = "CAP_NET_ADMIN", .kept_name = "CAP_NET_RAW",
		.refused = ZCNET_BIND_RX, .refused_name = "BIND_RX",
		.allowed = ZCNET_BIND_TX, .allowed_name = "BIND_TX",
	};

	one_cap_check(_metadata, &c);
}

TEST_F(priv, net_admin_without_net_raw)
{
	const struct one_cap c = {
		.ifindex = self->nif.ifindex, .dropped = CAP_NET_RAW,
		.dropped_name = "CAP_NET_RAW", .kept_name = "CAP_NET_ADMIN",
		.refused = ZCNET_BIND_TX, .refused_name = "BIND_TX",
		.allowed = ZCNET_BIND_RX, .allowed_name = "BIND_RX",
	};

	one_cap_check(_metadata, &c);
}

struct deputy_arg {
	int ifindex;
	int sock;		/* the child's end of the socket pair */
};

/*
 * The child opens and sets up a context and hands it over: r[1] setup,
 * r[2] send_fd, r[3] its own BIND_TX, r[4] its own BIND_RX.
 */
static void opener_child(long *r, const void *arg)
{
	const struct deputy_arg *a = arg;
	int fd = open_rings();

	r[1] = fd < 0 ? fd : 0;
	if (fd < 0)
		return;
	r[2] = send_fd(a->sock, fd);
	r[3] = bind_flags(fd, ZCNET_BIND_TX, a->ifindex);
	r[4] = bind_flags(fd, ZCNET_BIND_RX, a->ifindex);
}

/*
 * The parent, with every capability, binds on an fd opened by a child
 * that had neither CAP_NET_RAW nor CAP_NET_ADMIN: the opener's lack of
 * them must count, whoever makes the call.
 */
TEST_F(priv, confused_deputy_fd_from_unprivileged)
{
	struct deputy_arg a = { .ifindex = self->nif.ifindex };
	long r[KID_NRES], b, u;
	int sp[2], fd, own;
	struct kid k;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	a.sock = sp[1];
	ASSERT_EQ(0, kid_start(&k, CAPBIT(CAP_NET_RAW) | CAPBIT(CAP_NET_ADMIN),
			       opener_child, &a));
	close(sp[1]);
	kid_results(&k, r);
	ASSERT_EQ(0, r[0]) TH_LOG("dropping the capabilities: %ld", r[0]);
	ASSERT_EQ(0, r[1]) TH_LOG("open and setup without the capabilities");
	ASSERT_EQ(0, r[2]) TH_LOG("sending the fd: %ld", r[2]);
	EXPECT_EQ(-EPERM, r[3]) TH_LOG("the opener's own BIND_TX");
	EXPECT_EQ(-EPERM, r[4]) TH_LOG("the opener's own BIND_RX");
	fd = recv_fd(sp[0]);
	close(sp[0]);
	ASSERT_LE(0, fd) TH_LOG("receiving the fd: %d", fd);

	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_TX, self->nif.ifindex))
		TH_LOG("privileged caller, fd opened without CAP_NET_RAW");
	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_RX, self->nif.ifindex))
		TH_LOG("privileged caller, fd opened without CAP_NET_ADMIN");
	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				     self->nif.ifindex))
		TH_LOG("privileged caller, fd opened without either");
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_RX));
	/* after the opener is gone its fd is no better */
	EXPECT_EQ(0, kid_end(&k));
	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				     self->nif.ifindex));
	close(fd);

	/* the same binds on the parent's own fd: the refusals were the fd's */
	own = open_rings();
	ASSERT_LE(0, own);
	EXPECT_EQ(0, bind_flags(own, ZCNET_BIND_TX | ZCNET_BIND_RX,
				self->nif.ifindex));
	EXPECT_EQ(0, zc_unbind(own, ZCNET_BIND_TX | ZCNET_BIND_RX));
	close(own);
	rx_free_check(self->nif.ifindex, &b, &u);
	EXPECT_EQ(0, b);
	EXPECT_EQ(0, u);
}

/*
 * The same with an opener that dropped only CAP_NET_ADMIN: each
 * capability is checked against the opener on its own, so TX binds and
 * RX does not.
 */
TEST_F(priv, confused_deputy_fd_without_net_admin)
{
	struct deputy_arg a = { .ifindex = self->nif.ifindex };
	long r[KID_NRES];
	int sp[2], fd;
	struct kid k;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	a.sock = sp[1];
	ASSERT_EQ(0, kid_start(&k, CAPBIT(CAP_NET_ADMIN), opener_child, &a));
	close(sp[1]);
	kid_results(&k, r);
	ASSERT_EQ(0, r[0]) TH_LOG("dropping CAP_NET_ADMIN: %ld", r[0]);
	ASSERT_EQ(0, r[1]);
	ASSERT_EQ(0, r[2]) TH_LOG("sending the fd: %ld", r[2]);
	/* the child's own TX bind succeeded (it has CAP_NET_RAW) */
	EXPECT_EQ(0, r[3]);
	EXPECT_EQ(-EPERM, r[4]);
	fd = recv_fd(sp[0]);
	close(sp[0]);
	ASSERT_LE(0, fd) TH_LOG("receiving the fd: %d", fd);
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_RX, self->nif.ifindex))
		TH_LOG("privileged caller, fd opened without CAP_NET_ADMIN");
	EXPECT_EQ(-EPERM, bind_flags(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				     self->nif.ifindex));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_flags(fd, ZCNET_BIND_TX, self->nif.ifindex))
		TH_LOG("privileged caller, fd opened with CAP_NET_RAW");
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, kid_end(&k));
	close(fd);
}

/*
 * The reverse: the privileged parent opens, a child that dropped
 * CAP_NET_ADMIN (or CAP_NET_RAW) uses the inherited fd: the caller's lack
 * counts too. r[1] RX, r[2] TX|RX, r[3] unbind RX, r[4] TX, r[5] unbind TX.
 */
struct user_arg {
	int ifindex;
	int fd;
};

static void fd_user_child(long *r, const void *arg)
{
	const struct user_arg *a = arg;

	r[1] = bind_flags(a->fd, ZCNET_BIND_RX, a->ifindex);
	r[2] = bind_flags(a->fd, ZCNET_BIND_TX | ZCNET_BIND_RX, a->ifindex);
	r[3] = zc_unbind(a->fd, ZCNET_BIND_RX);
	r[4] = bind_flags(a->fd, ZCNET_BIND_TX, a->ifindex);
	r[5] = zc_unbind(a->fd, ZCNET_BIND_TX);
}

TEST_F(priv, privileged_fd_unprivileged_caller)
{
	struct user_arg a = { .ifindex = self->nif.ifindex };
	long r[KID_NRES];
	struct kid k;

	a.fd = open_rings();
	ASSERT_LE(0, a.fd);

	ASSERT_EQ(0, kid_start(&k, CAPBIT(CAP_NET_ADMIN), fd_user_child, &a));
	kid_results(&k, r);
	ASSERT_EQ(0, r[0]) TH_LOG("dropping CAP_NET_ADMIN: %ld", r[0]);
	EXPECT_EQ(-EPERM, r[1]) TH_LOG("BIND_RX by a caller without CAP_NET_ADMIN");
	EXPECT_EQ(-EPERM, r[2]) TH_LOG("BIND_TX|BIND_RX by a caller without CAP_NET_ADMIN");
	EXPECT_EQ(-ENOTCONN, r[3]);
	EXPECT_EQ(0, r[4]) TH_LOG("BIND_TX by a caller with CAP_NET_RAW");
	EXPECT_EQ(0, r[5]);
	EXPECT_EQ(0, kid_end(&k));

	ASSERT_EQ(0, kid_start(&k, CAPBIT(CAP_NET_RAW), fd_user_child, &a));
	kid_results(&k, r);
	ASSERT_EQ(0, r[0]) TH_LOG("dropping CAP_NET_RAW: %ld", r[0]);
	EXPECT_EQ(0, r[1]) TH_LOG("BIND_RX by a caller with CAP_NET_ADMIN");
	EXPECT_EQ(-EPERM, r[2]) TH_LOG("BIND_TX|BIND_RX by a caller without CAP_NET_RAW");
	EXPECT_EQ(0, r[3]);
	EXPECT_EQ(-EPERM, r[4]) TH_LOG("BIND_TX by a caller without CAP_NET_RAW");
	EXPECT_EQ(-ENOTCONN, r[5]);
	EXPECT_EQ(0, kid_end(&k));

	/* the fd itself is fine in privileged hands */
	EXPECT_EQ(0, bind_flags(a.fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				self->nif.ifindex));
	EXPECT_EQ(0, zc_unbind(a.fd, ZCNET_BIND_TX | ZCNET_BIND_RX));
	close(a.fd);
}

/* The control: with both capabilities, every bind succeeds. */
TEST_F(priv, privileged_binds_all)
{
	int fd = open_rings();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, bind_flags(fd, ZCNET_BIND_TX, self->nif.ifindex));
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(0, bind_flags(fd, ZCNET_BIND_RX, self->nif.ifindex));
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_RX));
	EXPECT_EQ(0, bind_flags(fd, ZCNET_BIND_TX | ZCNET_BIND_RX,
				self->nif.ifindex));
	EXPECT_EQ(0, zc_unbind(fd, ZCNET_BIND_TX | ZCNET_BIND_RX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_TX));
	EXPECT_EQ(-ENOTCONN, zc_unbind(fd, ZCNET_BIND_RX));
	close(fd);
}

/* ------------------------------------------------------------------ */
/* memory cgroup                                                       */
/* ------------------------------------------------------------------ */

#define CG_NAME_LEN	256
#define CG_PATH_LEN	(CG_NAME_LEN + 64)
#define MEM_NCTX	4		/* contexts of the charge tests */
#define LIM_NCTX	16		/* contexts of the limit test, at most */
#define LIM_MARGIN	(8L << 20)	/* memory.max: usage plus this */
#define MEM_WAIT_MS	5000U

FIXTURE(memcg) {
	char root[CG_NAME_LEN];		/* the cgroup2 mount */
	char dir[CG_PATH_LEN];		/* our cgroup in it */
	__u32 max_entries;
	bool mounted;			/* we mounted cgroup2 at root */
	bool made_mnt;			/* and made the directory for it */
	bool enabled;			/* we added +memory to the root */
	bool made_dir;
};

FIXTURE_SETUP(memcg)
{
	struct zcnet_info info;
	int fd;

	self->root[0] = self->dir[0] = '\0';
	self->mounted = self->made_mnt = self->enabled = false;
	self->made_dir = false;
	if (!zc_dev_present())
		SKIP(return, ZC_DEV_PATH " missing: zcnet module not loaded");
	fd = zc_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_get_info(fd, &info));
	close(fd);
	if (!(info.features & ZCNET_FEAT_RINGS))
		SKIP(return, "this build does not offer ZCNET_FEAT_RINGS");
	self->max_entries = info.ring_max_entries;
}

static void cg_path(FIXTURE_DATA(memcg) *self, const char *file, char *buf,
		    size_t size)
{
	snprintf(buf, size, "%s/%s", self->dir, file);
}

static long cg_read_long(FIXTURE_DATA(memcg) *self, const char *file)
{
	char path[CG_PATH_LEN + 32];

	cg_path(self, file, path, sizeof(path));
	return zc_read_file_long(path);
}

static int cg_write(FIXTURE_DATA(memcg) *self, const char *file,
		    const char *val)
{
	char path[CG_PATH_LEN + 32];

	cg_path(self, file, path, sizeof(path));
	return zc_write_file(path, val);
}

/* Is word a whole word of the space-separated list s? */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	const char *p = s;

	while ((p = strstr(p, word))) {
		if ((p == s || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* A "key value" line of a flat-keyed file such as memory.events; -1. */
static long cg_key(FIXTURE_DATA(memcg) *self, const char *file,
		   const char *key)
{
	char path[CG_PATH_LEN + 32], buf[1024], *p;
	size_t n = strlen(key);

	cg_path(self, file, path, sizeof(path));
	if (zc_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

/*
 * Find or mount cgroup2, enable the memory controller below its root and
 * make a cgroup of our own, recording what was changed for the teardown.
 * Returns NULL when ready (*err 0) or after a failure (*err -errno, *what
 * the step), or the reason to SKIP.
 */
static const char *cg_prepare(FIXTURE_DATA(memcg) *self, int *err,
			      const char **what)
{
	char path[CG_NAME_LEN + 64], buf[512];
	struct statfs sf;
	ssize_t n;

	*err = 0;
	*what = "";
	if (!statfs("/sys/fs/cgroup", &sf) && sf.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(self->root, sizeof(self->root), "/sys/fs/cgroup");
	} else {
		if (!statfs("/sys/fs/cgroup", &sf) && sf.f_type == SYSFS_MAGIC) {
			/* nothing mounted on it */
			snprintf(self->root, sizeof(self->root),
				 "/sys/fs/cgroup");
		} else {
			/* a cgroup v1 layout: leave it alone */
			snprintf(self->root, sizeof(self->root),
				 "/tmp/zcnet-cg.XXXXXX");
			if (!mkdtemp(self->root)) {
				*err = -errno;
				*what = "mkdtemp";
				return NULL;
			}
			self->made_mnt = true;
		}
		if (mount("none", self->root, "cgroup2", 0, NULL)) {
			if (errno == ENODEV)
				return "cgroup2 is not available (mount: ENODEV)";
			*err = -errno;
			*what = "mount -t cgroup2";
			return NULL;
		}
		self->mounted = true;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->root);
	n = zc_read_file(path, buf, sizeof(buf));
	if (n < 0) {
		*err = (int)n;
		*what = "reading cgroup.controllers";
		return NULL;
	}
	if (!has_word(buf, "memory"))
		return "the memory controller is not available in cgroup2 (no CONFIG_MEMCG, cgroup_disable=memory, or bound to a v1 hierarchy)";
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->root);
	n = zc_read_file(path, buf, sizeof(buf));
	if (n < 0) {
		*err = (int)n;
		*what = "reading cgroup.subtree_control";
		return NULL;
	}
	if (!has_word(buf, "memory")) {
		*err = zc_write_file(path, "+memory");
		if (*err) {
			*what = "+memory in the root's cgroup.subtree_control";
			return NULL;
		}
		self->enabled = true;
	}
	snprintf(self->dir, sizeof(self->dir), "%s/zcnet-priv-%d",
		 self->root, (int)getpid());
	if (mkdir(self->dir, 0755)) {
		*err = -errno;
		*what = "mkdir of the cgroup";
		return NULL;
	}
	self->made_dir = true;
	if (cg_read_long(self, "memory.current") < 0)
		return "the new cgroup has no memory.current";
	return NULL;
}

/* Retry a call that fails with EBUSY while the kernel finishes with it. */
static int retry_busy(int (*fn)(FIXTURE_DATA(memcg) *self),
		      FIXTURE_DATA(memcg) *self)
{
	uint64_t end = zc_now_ms() + MEM_WAIT_MS;
	int ret;

	while ((ret = fn(self)) == -EBUSY && zc_now_ms() < end)
		zc_sleep_ms(50);
	return ret;
}

static int cg_rmdir(FIXTURE_DATA(memcg) *self)
{
	char path[CG_PATH_LEN + 32], buf[512], *p, *nl;
	char root_procs[CG_NAME_LEN + 32];

	/* anything still in it goes back to the root first */
	cg_path(self, "cgroup.procs", path, sizeof(path));
	snprintf(root_procs, sizeof(root_procs), "%s/cgroup.procs", self->root);
	if (zc_read_file(path, buf, sizeof(buf)) > 0) {
		for (p = buf; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			*nl = '\0';
			zc_write_file(root_procs, p);
		}
	}
	return rmdir(self->dir) ? -errno : 0;
}

static int cg_disable(FIXTURE_DATA(memcg) *self)
{
	char path[CG_NAME_LEN + 64];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->root);
	return zc_write_file(path, "-memory");
}

static int cg_umount(FIXTURE_DATA(memcg) *self)
{
	return umount(self->root) ? -errno : 0;
}

FIXTURE_TEARDOWN_PARENT(memcg)
{
	int ret;

	if (self->made_dir) {
		ret = retry_busy(cg_rmdir, self);
		if (ret)
			fprintf(stderr, "# could not remove %s: %s\n",
				self->dir, strerror(-ret));
	}
	if (self->enabled) {
		ret = retry_busy(cg_disable, self);
		if (ret)
			fprintf(stderr, "# could not write -memory to %s/cgroup.subtree_control: %s\n",
				self->root, strerror(-ret));
	}
	if (self->mounted) {
		ret = retry_busy(cg_umount, self);
		if (ret) {
			fprintf(stderr, "# could not unmount %s: %s; detaching it\n",
				self->root, strerror(-ret));
			umount2(self->root, MNT_DETACH);
		}
	}
	if (self->made_mnt)
		rmdir(self->root);
}

/* What a child in the cgroup reports, in memory shared with the test. */
struct mem_report {
	long err;		/* first failure (-errno), 0 if none */
	int line;		/* of that failure */
	const char *what;
	long before;		/* memory.current before the rings */
	long after;		/* with the rings set up and mapped */
	long mid;		/* fds closed, mappings still there */
	long final;		/* everything gone and freed */
	long ring_bytes;	/* the rings' mmap_len, summed */
	long ctx_before, ctx_mid, ctx_final;	/* module_contexts */
	/* the limit test */
	int step;		/* the context whose SETUP is running */
	int nsetup;		/* SETUP calls that returned */
	long res[LIM_NCTX];
};

static struct mem_report *report_map(void)
{
	struct mem_report *rep = mmap(NULL, sizeof(*rep),
				      PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (rep == MAP_FAILED)
		return NULL;
	/* faulted in here, so the child's writes allocate nothing */
	memset(rep, 0, sizeof(*rep));
	rep->step = -1;
	return rep;
}

#define CHILD_CHECK(rep, expr, desc) do {				\
	long _v = (long)(expr);						\
									\
	if (_v < 0) {							\
		(rep)->err = _v;					\
		(rep)->line = __LINE__;					\
		(rep)->what = (desc);					\
		_exit(1);						\
	}								\
} while (0)

static int cg_enter(FIXTURE_DATA(memcg) *self)
{
	char pid[24];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return cg_write(self, "cgroup.procs", pid);
}

/* Read every page of a ring mapping. */
static void ring_touch(const struct zc_ring *r)
{
	size_t off;

	for (off = 0; off < r->map_len; off += zc_page_size())
		(void)__atomic_load_n((const char *)r->map + off,
				      __ATOMIC_RELAXED);
}

static long ring_bytes(const struct zcnet_offsets *o)
{
	return (long)(o->tx.mmap_len + o->cq.mmap_len + o->fill.mmap_len +
		      o->rx.mmap_len);
}

/*
 * Wait until memory.current is at most want, or MEM_WAIT_MS passed: the
 * contexts are freed by a work item, so the uncharge comes a little after
 * the last reference goes. Returns the last reading.
 */
static long wait_current_below(FIXTURE_DATA(memcg) *self, long want)
{
	uint64_t end = zc_now_ms() + MEM_WAIT_MS;
	long cur;

	for (;;) {
		cur = cg_read_long(self, "memory.current");
		if (cur < 0 || cur <= want || zc_now_ms() > end)
			return cur;
		zc_sleep_ms(20);
	}
}

/*
 * The child of the charge tests: in the cgroup, set up MEM_NCTX contexts
 * with the largest rings, map and touch them, then either close them
 * (keep_maps false) or close the fds first and unmap later.
 */
static void charge_child(FIXTURE_DATA(memcg) *self, struct mem_report *rep,
			 bool keep_maps)
{
	struct zc_ctx c[MEM_NCTX];
	__u32 n = self->max_entries;
	struct zcnet_stats st;
	int mon, i;

	CHILD_CHECK(rep, cg_enter(self), "entering the cgroup");
	/* a quiet module: only our monitor context left */
	mon = zc_open();
	CHILD_CHECK(rep, mon < 0 ? -errno : 0, "open (monitor)");
	CHILD_CHECK(rep, zc_settle(mon, &st), "settle: contexts of earlier tests still alive");
	rep->ctx_before = (long)st.module_contexts;
	rep->before = cg_read_long(self, "memory.current");
	CHILD_CHECK(rep, rep->before, "memory.current");
	for (i = 0; i < MEM_NCTX; i++) {
		CHILD_CHECK(rep, zc_ctx_open(&c[i], n, n, n, n),
			    "open, SETUP, mmap of the largest rings");
		rep->ring_bytes += ring_bytes(&c[i].off);
		ring_touch(&c[i].tx);
		ring_touch(&c[i].cq);
		ring_touch(&c[i].fill);
		ring_touch(&c[i].rx);
	}
	rep->after = cg_read_long(self, "memory.current");
	CHILD_CHECK(rep, rep->after, "memory.current");
	if (keep_maps) {
		for (i = 0; i < MEM_NCTX; i++) {
			close(c[i].fd);
			c[i].fd = -1;
		}
		/* they must stay: this waits the whole settle time */
		rep->ctx_mid = (long)zc_wait_module_contexts(mon,
							     rep->ctx_before);
		rep->mid = cg_read_long(self, "memory.current");
		CHILD_CHECK(rep, rep->mid, "memory.current");
	}
	for (i = 0; i < MEM_NCTX; i++)
		zc_ctx_close(&c[i]);
	rep->ctx_final = (long)zc_wait_module_contexts(mon, rep->ctx_before);
	rep->final = wait_current_below(self, rep->after -
					      rep->ring_bytes * 9 / 10);
	CHILD_CHECK(rep, rep->final, "memory.current");
	close(mon);
	_exit(0);
}

static void run_charge_child(struct __test_metadata *_metadata,
			     FIXTURE_DATA(memcg) *self,
			     struct mem_report *rep, bool keep_maps)
{
	int status;
	pid_t pid;

	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		charge_child(self, rep, keep_maps);
	status = zc_wait(pid);
	ASSERT_EQ(0, rep->err) TH_LOG("child: %s (line %d): %s", rep->what,
				      rep->line, strerror((int)-rep->err));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child ended with status 0x%x", status);
}

/*
 * SETUP charges the rings to the caller's cgroup: memory.current grows by
 * at least 90% of the rings' size (the rest of the process's growth only
 * adds to it), and drops by as much once they are closed and freed.
 */
TEST_F(memcg, rings_charged_and_uncharged)
{
	const char *why, *what;
	struct mem_report *rep;
	long grew, fell;
	int err;

	why = cg_prepare(self, &err, &what);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", what, strerror(-err));
	rep = report_map();
	ASSERT_NE(NULL, rep);
	run_charge_child(_metadata, self, rep, false);
	grew = rep->after - rep->before;
	fell = rep->after - rep->final;
	TH_LOG("%d contexts, rings %ld KiB: memory.current %ld -> %ld -> %ld KiB (grew %ld, fell %ld KiB)",
	       MEM_NCTX, rep->ring_bytes >> 10, rep->before >> 10,
	       rep->after >> 10, rep->final >> 10, grew >> 10, fell >> 10);
	EXPECT_LE(rep->ring_bytes * 9 / 10, grew)
		TH_LOG("ring memory not charged to the SETUP caller's cgroup");
	EXPECT_EQ(rep->ctx_before, rep->ctx_final)
		TH_LOG("contexts not freed after close");
	EXPECT_LE(rep->ring_bytes * 9 / 10, fell)
		TH_LOG("ring memory not uncharged when the contexts went");
	munmap(rep, sizeof(*rep));
}

/*
 * A ring mapping keeps its context, and so the charge, after close(fd);
 * munmap releases both.
 */
TEST_F(memcg, mapping_keeps_charge_until_munmap)
{
	const char *why, *what;
	struct mem_report *rep;
	int err;

	why = cg_prepare(self, &err, &what);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", what, strerror(-err));
	rep = report_map();
	ASSERT_NE(NULL, rep);
	run_charge_child(_metadata, self, rep, true);
	TH_LOG("rings %ld KiB: memory.current %ld, mapped %ld, fds closed %ld, unmapped %ld KiB; contexts %ld, %ld, %ld",
	       rep->ring_bytes >> 10, rep->before >> 10, rep->after >> 10,
	       rep->mid >> 10, rep->final >> 10, rep->ctx_before,
	       rep->ctx_mid, rep->ctx_final);
	EXPECT_LE(rep->ring_bytes * 9 / 10, rep->after - rep->before)
		TH_LOG("ring memory not charged to the SETUP caller's cgroup");
	EXPECT_EQ(rep->ctx_before + MEM_NCTX, rep->ctx_mid)
		TH_LOG("contexts freed while their rings were still mapped");
	EXPECT_LE(rep->ring_bytes * 9 / 10, rep->mid - rep->before)
		TH_LOG("charge dropped at close(fd) while the rings were mapped");
	EXPECT_EQ(rep->ctx_before, rep->ctx_final)
		TH_LOG("contexts not freed after munmap");
	EXPECT_LE(rep->ring_bytes * 9 / 10, rep->after - rep->final)
		TH_LOG("ring memory not uncharged after munmap");
	munmap(rep, sizeof(*rep));
}

/*
 * The child of the limit test: it enters the cgroup and opens all its
 * fds, says it is ready, and once the limit is set calls SETUP with the
 * largest rings on one context after the other until one fails. After
 * the limit it allocates nothing of its own (the report page is the
 * test's, and the child writes to it before the limit).
 */
static void limit_child(FIXTURE_DATA(memcg) *self, struct mem_report *rep,
			int ready_fd, int go_fd)
{
	__u32 n = self->max_entries;
	int fds[LIM_NCTX], i;
	char c = 'r';

	CHILD_CHECK(rep, cg_enter(self), "entering the cgroup");
	for (i = 0; i < LIM_NCTX; i++) {
		fds[i] = zc_open();
		CHILD_CHECK(rep, fds[i] < 0 ? -errno : 0, "open");
	}
	/* fault the shared report page in now, before the limit */
	rep->step = -1;
	CHILD_CHECK(rep, zc_write_full(ready_fd, &c, 1), "ready");
	CHILD_CHECK(rep, zc_read_full(go_fd, &c, 1), "waiting for the limit");
	for (i = 0; i < LIM_NCTX; i++) {
		long ret;

		rep->step = i;
		ret = zc_setup(fds[i], n, n, n, n);
		rep->res[i] = ret;
		rep->nsetup = i + 1;
		if (ret)
			break;
	}
	rep->step = -1;
	_exit(0);
}

/*
 * With memory.max a little above what the cgroup uses, SETUP of the
 * largest rings must soon fail with ENOMEM, and the caller must live on:
 * the charge fails, nobody is OOM-killed.
 */
TEST_F(memcg, setup_beyond_memory_max_enomem)
{
	int rp[2], gp[2], status, i, err, nok = 0;
	const char *why, *what;
	long cur, max, ring;
	struct mem_report *rep;
	struct zc_ctx probe;
	char c = 'g', val[32];
	pid_t pid;

	why = cg_prepare(self, &err, &what);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", what, strerror(-err));
	/* what SETUP of the largest rings allocates, from a context of ours */
	ASSERT_EQ(0, zc_ctx_open(&probe, self->max_entries, self->max_entries,
				 self->max_entries, self->max_entries));
	ring = ring_bytes(&probe.off);
	zc_ctx_close(&probe);
	rep = report_map();
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, pipe2(rp, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(gp, O_CLOEXEC));
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(rp[0]);
		close(gp[1]);
		limit_child(self, rep, rp[1], gp[0]);
	}
	close(rp[1]);
	close(gp[0]);
	if (zc_read_full(rp[0], &c, 1)) {
		zc_wait(pid);
		ASSERT_EQ(0, rep->err) TH_LOG("child: %s (line %d): %s",
					      rep->what, rep->line,
					      strerror((int)-rep->err));
		ASSERT_TRUE(false) TH_LOG("the child died before it was ready");
	}
	cur = cg_read_long(self, "memory.current");
	ASSERT_LE(0, cur);
	snprintf(val, sizeof(val), "%ld", cur + LIM_MARGIN);
	ASSERT_EQ(0, cg_write(self, "memory.max", val));
	if (cg_read_long(self, "memory.swap.max") != -ENOENT) {
		ASSERT_EQ(0, cg_write(self, "memory.swap.max", "0"));
	}
	max = cg_read_long(self, "memory.max");
	ASSERT_EQ(0, zc_write_full(gp[1], &c, 1));
	close(gp[1]);
	status = zc_wait(pid);
	close(rp[0]);

	for (i = 0; i < rep->nsetup && !rep->res[i]; i++)
		nok++;
	TH_LOG("memory.current %ld KiB, memory.max %ld KiB; %d SETUPs of %ld KiB succeeded, then %ld; memory.events: max %ld oom %ld oom_kill %ld",
	       cur >> 10, max >> 10, nok, ring >> 10,
	       rep->nsetup > nok ? rep->res[nok] : 0L,
	       cg_key(self, "memory.events", "max"),
	       cg_key(self, "memory.events", "oom"),
	       cg_key(self, "memory.events", "oom_kill"));
	ASSERT_EQ(0, rep->err) TH_LOG("child: %s (line %d): %s", rep->what,
				      rep->line, strerror((int)-rep->err));
	ASSERT_FALSE(WIFSIGNALED(status))
		TH_LOG("the child was killed by signal %d during SETUP of context %d (%d SETUPs of %ld KiB had succeeded; memory.events oom_kill %ld): the charge should have failed with ENOMEM",
		       WTERMSIG(status), rep->step, nok, ring >> 10,
		       cg_key(self, "memory.events", "oom_kill"));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status 0x%x", status);
	ASSERT_LT(nok, LIM_NCTX)
		TH_LOG("%d SETUPs of %ld KiB each succeeded with memory.max %ld KiB above the usage: not charged",
		       nok, ring >> 10, LIM_MARGIN >> 10);
	EXPECT_EQ(-ENOMEM, rep->res[nok]) TH_LOG("SETUP %d", nok);
	/* what fit under the limit did get set up */
	EXPECT_LE(1, nok);
	EXPECT_GE((LIM_MARGIN + (1L << 20)) / ring, nok)
		TH_LOG("more rings set up than memory.max leaves room for");
	EXPECT_EQ(0, cg_key(self, "memory.events", "oom_kill"));
	munmap(rep, sizeof(*rep));
}

TEST_HARNESS_MAIN
