// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet-send --gso with -i: raw UDP and TCP super-frames, from zcnet
 * (ZCNET_TX_VNET_HDR) and from AF_PACKET (PACKET_VNET_HDR), across the
 * guest's two NICs to the peer's namespace. UDP: zcnet-recv --udp-listen
 * there verifies every datagram the segments carry, so the headers, the
 * checksums the NIC completed and every byte must hold. TCP (a stream
 * without a connection): the peer's stack must count the segments in and
 * no checksum error. A zcnet-send that says the kernel lacks the feature
 * (exit status 4) makes the test SKIP.
 */
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define FRAMES		20
#define FRAMES_S	"20"
#define DATAGRAMS_S	"900"	/* 20 x (65535 - 42 bytes in 1472-byte pieces) */
#define FRAME_LEN	"65535"

FIXTURE(superframe) {
	struct zc_env env;
	const char *peer_ip;
	char peer_mac[18];
	char port[8], listen[64];
};

FIXTURE_VARIANT(superframe) {
	const char *method;
};

FIXTURE_VARIANT_ADD(superframe, zcnet) {
	.method = "zcnet",
};

FIXTURE_VARIANT_ADD(superframe, afp) {
	.method = "afp",
};

FIXTURE_SETUP(superframe)
{
	struct zc_netif nif;
	const char *why;
	int old;

	why = zc_fixture_skip(0, &self->env);
	if (why)
		SKIP(return, "%s", why);
	self->peer_ip = getenv("ZCNET_PEER_IP");
	if (!self->peer_ip || !getenv("ZCNET_TOOLS"))
		SKIP(return, "outside the test guest (no ZCNET_TOOLS or "
			     "ZCNET_PEER_IP)");
	old = zc_netns_enter(self->env.peer_ns);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, zc_netif_get(self->env.peer_iface, &nif));
	ASSERT_EQ(0, zc_netns_return(old));
	snprintf(self->peer_mac, sizeof(self->peer_mac),
		 "%02x:%02x:%02x:%02x:%02x:%02x", nif.mac[0], nif.mac[1],
		 nif.mac[2], nif.mac[3], nif.mac[4], nif.mac[5]);
	snprintf(self->port, sizeof(self->port), "%d",
		 20000 + getpid() % 20000);
	snprintf(self->listen, sizeof(self->listen), "%s:%s", self->peer_ip,
		 self->port);
}

FIXTURE_TEARDOWN(superframe)
{
}

/* Field name of /proc/net/snmp's "Proto:" lines in netns ns, or -1. */
static long long snmp_get(const char *ns, const char *proto,
			  const char *name)
{
	char names[1024], vals[1024], *n, *v, *sn, *sv;
	long long ret = -1;
	size_t len = strlen(proto);
	FILE *f;
	int old;

	old = zc_netns_enter(ns);
	if (old < 0)
		return -1;
	f = fopen("/proc/net/snmp", "r");
	zc_netns_return(old);
	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, proto, len) || names[len] != ':')
			continue;
		n = strtok_r(names + len + 1, " \n", &sn);
		v = strtok_r(vals + len + 1, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn),
		     v = strtok_r(NULL, " \n", &sv))
			if (!strcmp(n, name))
				ret = strtoll(v, NULL, 10);
	}
	fclose(f);
	return ret;
}

/* Run zcnet-send with its super-frame arguments; its exit status. */
static int send_frames(struct __test_metadata *_metadata,
		       FIXTURE_DATA(superframe) *self, const char *method,
		       const char *proto, const char *gso, char *buf,
		       size_t size)
{
	const char *argv[] = { "zcnet-send", "--method", method, "-i",
			       self->env.iface, "-d", self->peer_mac, "--gso",
			       gso, "--proto", proto, "--dst-ip", self->peer_ip,
			       "--port", self->port, "-s", FRAME_LEN, "-n",
			       FRAMES_S, "-r", "8", "-j", NULL };
	int out;
	pid_t pid;

	if (strcmp(method, "zcnet")) {	/* -r is zcnet's */
		argv[19] = "-j";
		argv[20] = NULL;
	}
	buf[0] = 0;
	pid = zc_tool_start(NULL, argv, &out);
	EXPECT_LT(0, pid);
	if (pid <= 0)
		return -1;
	return zc_tool_finish(pid, out, buf, size);
}

/* UDP: every datagram of every segment verified on the peer. */
TEST_F_TIMEOUT(superframe, udp_datagrams_verified, 300)
{
	const char *recv_argv[] = { "zcnet-recv", "--udp-listen", self->listen,
				    "-n", DATAGRAMS_S,
				    "--idle-timeout", "20", "-j", NULL };
	char sbuf[2048], rbuf[2048], a[64];
	int rout, sst, rst;
	long long csum0;
	pid_t r;

	csum0 = snmp_get(self->env.peer_ns, "Udp", "InCsumErrors");
	r = zc_tool_start(self->env.peer_ns, recv_argv, &rout);
	ASSERT_LT(0, r);
	EXPECT_TRUE(zc_tool_wait_for(rout, rbuf, sizeof(rbuf), "listening"))
		TH_LOG("zcnet-recv: %s", rbuf);
	sst = send_frames(_metadata, self, variant->method, "udp", "1472",
			  sbuf, sizeof(sbuf));
	if (sst == 4) {
		kill(r, SIGTERM);
		zc_tool_finish(r, rout, rbuf, sizeof(rbuf));
		SKIP(return, "no UDP super-frames here: %.300s", sbuf);
	}
	rst = zc_tool_finish(r, rout, rbuf, sizeof(rbuf));
	EXPECT_EQ(0, sst) TH_LOG("zcnet-send: %s", sbuf);
	EXPECT_STREQ(FRAMES_S, zc_json_val(sbuf, "frames", a, sizeof(a)));
	EXPECT_STREQ(DATAGRAMS_S,
		     zc_json_val(sbuf, "segments", a, sizeof(a)));
	EXPECT_EQ(0, rst) TH_LOG("zcnet-recv: %s", rbuf);
	EXPECT_STREQ(DATAGRAMS_S,
		     zc_json_val(rbuf, "datagrams", a, sizeof(a)))
		TH_LOG("zcnet-recv: %s", rbuf);
	EXPECT_STREQ("0", zc_json_val(rbuf, "bad_datagrams", a, sizeof(a)));
	EXPECT_EQ(csum0, snmp_get(self->env.peer_ns, "Udp", "InCsumErrors"));
}

/* TCP: the segments reach the peer's stack with good checksums. */
TEST_F_TIMEOUT(superframe, tcp_segments_arrive, 300)
{
	char sbuf[2048], a[64];
	long long in0, csum0, in1;
	int sst;

	in0 = snmp_get(self->env.peer_ns, "Tcp", "InSegs");
	csum0 = snmp_get(self->env.peer_ns, "Tcp", "InCsumErrors");
	ASSERT_LE(0, in0);
	sst = send_frames(_metadata, self, variant->method, "tcp", "1460",
			  sbuf, sizeof(sbuf));
	if (sst == 4)
		SKIP(return, "no TCP super-frames here: %.300s", sbuf);
	EXPECT_EQ(0, sst) TH_LOG("zcnet-send: %s", sbuf);
	EXPECT_STREQ(FRAMES_S, zc_json_val(sbuf, "frames", a, sizeof(a)));
	/* the peer's NIC may merge a super-frame's segments again (GRO) */
	for (int i = 0; i < 50; i++) {
		in1 = snmp_get(self->env.peer_ns, "Tcp", "InSegs");
		if (in1 - in0 >= FRAMES)
			break;
		usleep(100 * 1000);
	}
	EXPECT_LE(in0 + FRAMES, in1);
	EXPECT_EQ(csum0, snmp_get(self->env.peer_ns, "Tcp", "InCsumErrors"));
}

TEST_HARNESS_MAIN
