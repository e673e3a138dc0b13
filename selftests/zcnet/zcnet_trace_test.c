// SPDX-License-Identifier: GPL-2.0
/*
 * The zcnet trace system: in a tracefs instance of its own, the test
 * enables events/zcnet, runs a small known transfer and finds each event
 * it must have caused, with its fields: a kick and the completions of
 * its descriptors, a bind and an unbind of $ZCNET_IFACE, and a frame
 * dropped for want of a fill buffer. Events are matched by the context's
 * id, which fdinfo shows (ctx_id).
 *
 * Without tracefs (a kernel without tracing) every test SKIPs; outside
 * the test guest (no $ZCNET_* variables) those that need the NIC SKIP.
 */
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/zcnet_trace_test"
#define TRACE_LEN	(1 << 20)
#define PORT		40133
#define DEFAULT_IP	"10.99.0.1"
#define PEER_IP		"10.99.0.2"

FIXTURE(tr) {
	struct zc_ctx c;
	unsigned char *mem;
	__u32 id, ctx_id;
	bool instance;
	char *trace;
};

/* The ctx_id line of the context's fdinfo, or 0. */
static __u32 ctx_id(int fd)
{
	char path[64], line[128];
	unsigned int id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctx_id: %u", &id) == 1)
			break;
	fclose(f);
	return id;
}

FIXTURE_SETUP(tr)
{
	struct stat st;

	self->c.fd = -1;
	self->mem = NULL;
	self->trace = NULL;
	self->instance = false;
	if (access(ZC_DEV_PATH, F_OK))
		SKIP(return, "%s missing: zcnet module not loaded", ZC_DEV_PATH);
	if (stat(TRACEFS "/instances", &st))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (stat(TRACEFS "/instances", &st))
		SKIP(return, "no tracefs: a kernel without tracing");
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700)) TH_LOG("%s", strerror(errno));
	self->instance = true;
	ASSERT_EQ(0, access(INSTANCE "/events/zcnet/enable", W_OK))
		TH_LOG("the module's trace system is missing");
	ASSERT_EQ(0, zc_write_file(INSTANCE "/buffer_size_kb", "1024"));
	ASSERT_EQ(0, zc_write_file(INSTANCE "/events/zcnet/enable", "1"));
	ASSERT_EQ(0, zc_ctx_open(&self->c, 16, 16, 16, 16));
	self->ctx_id = ctx_id(self->c.fd);
	ASSERT_NE(0U, self->ctx_id) TH_LOG("no ctx_id in fdinfo");
	self->mem = zc_alloc_pages(1);
	ASSERT_NE(NULL, self->mem);
	ASSERT_EQ(0, zc_reg(self->c.fd, self->mem, zc_page_size(), &self->id));
	self->trace = malloc(TRACE_LEN);
	ASSERT_NE(NULL, self->trace);
}

FIXTURE_TEARDOWN(tr)
{
	zc_ctx_close(&self->c);
	if (self->instance) {
		zc_write_file(INSTANCE "/events/zcnet/enable", "0");
		if (rmdir(INSTANCE))
			fprintf(stderr, "# could not remove %s\n", INSTANCE);
	}
	if (self->mem)
		munmap(self->mem, zc_page_size());
	free(self->trace);
}

/* Read what the instance holds into self->trace. */
static void trace_read(FIXTURE_DATA(tr) *self)
{
	ssize_t n = zc_read_file(INSTANCE "/trace", self->trace, TRACE_LEN);

	self->trace[n > 0 ? n : 0] = '\0';
}

/* Lines of the trace holding "event: want". */
static int trace_count(FIXTURE_DATA(tr) *self, const char *event,
		       const char *want)
{
	char key[256];
	const char *p = self->trace;
	int n = 0;

	snprintf(key, sizeof(key), "%s: %s", event, want);
	while ((p = strstr(p, key))) {
		p += strlen(key);
		if (*p == '\n' || *p == ' ' || *p == '\0')
			n++;
	}
	return n;
}

TEST_F(tr, kick_and_completions)
{
	struct zcnet_cq_entry e[3];
	char want[128];
	int i;

	for (i = 0; i < 3; i++) {
		struct zcnet_tx_desc d = zc_nop((__u16)self->id, 0,
						100 + i, 0x5a00 + i);

		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	ASSERT_EQ(3, zc_kick(self->c.fd, 0));
	ASSERT_EQ(3U, zc_cq_collect(&self->c, e, 3, 5000));
	trace_read(self);
	snprintf(want, sizeof(want), "ctx=%u kick=1 taken=3 busy=0",
		 self->ctx_id);
	EXPECT_EQ(1, trace_count(self, "zcnet_kick", want))
		TH_LOG("trace:\n%s", self->trace);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want),
			 "ctx=%u cookie=%d result=%d copied=0", self->ctx_id,
			 0x5a00 + i, 100 + i);
		EXPECT_EQ(1, trace_count(self, "zcnet_tx_complete", want))
			TH_LOG("no %s", want);
	}
	/* a rejected descriptor completes with its errno */
	{
		struct zcnet_tx_desc d = zc_nop((__u16)self->id, 0, 0, 0x5b00);

		ASSERT_EQ(0, zc_tx_push(&self->c.tx, &d));
	}
	ASSERT_EQ(1, zc_kick(self->c.fd, 0));
	ASSERT_EQ(1U, zc_cq_collect(&self->c, e, 1, 5000));
	trace_read(self);
	snprintf(want, sizeof(want), "ctx=%u cookie=%d result=%d copied=0",
		 self->ctx_id, 0x5b00, -EINVAL);
	EXPECT_EQ(1, trace_count(self, "zcnet_tx_complete", want));
}

TEST_F(tr, bind_unbind_and_rx_drop)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	unsigned short pport;
	struct zc_netif nif;
	struct zcnet_stats st;
	struct zc_env env;
	char want[160], buf[64] = "trace";
	const char *why;
	int s, i;

	why = zc_fixture_skip(ZCNET_FEAT_RX | ZCNET_FEAT_TX_RAW, &env);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, zc_netif_get(env.iface, &nif));
	ASSERT_EQ(0, zc_bind(self->c.fd, ZCNET_BIND_TX, (__u32)nif.ifindex,
			     ZCNET_QUEUE_ANY));
	ASSERT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_TX));
	/* RX with no fill buffer posted: every frame it takes is dropped */
	ASSERT_EQ(0, zc_bind_rx(self->c.fd, ZCNET_BIND_RX, nif.ifindex,
				ZCNET_RX_MATCH_UDP, PORT, 0));
	s = zc_udp_bind(env.peer_ns, PEER_IP, &pport);
	ASSERT_LE(0, s);
	inet_pton(AF_INET, env.local_ip ? env.local_ip : DEFAULT_IP,
		  &to.sin_addr);
	for (i = 0; i < 50; i++) {
		ASSERT_EQ((ssize_t)sizeof(buf),
			  sendto(s, buf, sizeof(buf), 0,
				 (struct sockaddr *)&to, sizeof(to)));
		ASSERT_EQ(0, zc_get_stats(self->c.fd, &st));
		if (st.rx_drop_nobuf)
			break;
		usleep(100 * 1000);
	}
	close(s);
	ASSERT_LT(0U, st.rx_drop_nobuf);
	ASSERT_EQ(0, zc_unbind(self->c.fd, ZCNET_BIND_RX));
	trace_read(self);

	snprintf(want, sizeof(want), "zcnet_bind: ctx=%u flags=0x1 ifindex=%d",
		 self->ctx_id, nif.ifindex);
	EXPECT_NE(NULL, strstr(self->trace, want))
		TH_LOG("no %s in:\n%s", want, self->trace);
	snprintf(want, sizeof(want),
		 "zcnet_bind: ctx=%u flags=0x2 ifindex=%d queue=0 rx_match=%u rx_queue=%u\n",
		 self->ctx_id, nif.ifindex, ZCNET_RX_MATCH_UDP, ZCNET_QUEUE_ANY);
	EXPECT_NE(NULL, strstr(self->trace, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want),
		 "zcnet_unbind: ctx=%u flags=0x1 ifindex=%d", self->ctx_id,
		 nif.ifindex);
	EXPECT_NE(NULL, strstr(self->trace, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want),
		 "zcnet_unbind: ctx=%u flags=0x2 ifindex=%d", self->ctx_id,
		 nif.ifindex);
	EXPECT_NE(NULL, strstr(self->trace, want)) TH_LOG("no %s", want);
	snprintf(want, sizeof(want),
		 "zcnet_rx_drop: ctx=%u ifindex=%d len=%zu reason=nobuf",
		 self->ctx_id, nif.ifindex, 14 + 20 + 8 + sizeof(buf));
	EXPECT_NE(NULL, strstr(self->trace, want)) TH_LOG("no %s", want);
}

TEST_HARNESS_MAIN
