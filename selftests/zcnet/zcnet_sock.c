// SPDX-License-Identifier: GPL-2.0
/* TCP and UDP endpoints of the socket-send tests, and what the NIC may copy. */
#include <netinet/in.h>

#include "zcnet_util.h"

static int zc_inet_socket(const char *ns, const char *ip, bool udp,
			  int backlog, int rcvbuf, unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int old = -1, s, one = 1, err = 0;

	if (ns) {
		old = zc_netns_enter(ns);
		if (old < 0)
			return old;
	}
	inet_pton(AF_INET, ip, &a.sin_addr);
	s = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (rcvbuf && setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				  sizeof(rcvbuf))) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    (!udp && listen(s, backlog)) ||
	    getsockname(s, (struct sockaddr *)&a, &alen))
		err = -errno;
	if (old >= 0 && zc_netns_return(old)) {
		fprintf(stderr, "cannot return to the test's netns\n");
		_exit(1);
	}
	if (err) {
		if (s >= 0)
			close(s);
		return err;
	}
	*port = ntohs(a.sin_port);
	return s;
}

int zc_tcp_listen(const char *ns, const char *ip, int backlog, int rcvbuf,
		  unsigned short *port)
{
	return zc_inet_socket(ns, ip, false, backlog, rcvbuf, port);
}

int zc_udp_bind(const char *ns, const char *ip, unsigned short *port)
{
	int s = zc_inet_socket(ns, ip, true, 0, 0, port);
	int rcv = 8 << 20;

	if (s >= 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	return s;
}

int zc_tcp_connect(const char *ip, unsigned short port, int sndbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, ip, &a.sin_addr);
	if (s < 0)
		return -errno;
	if (sndbuf)
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

unsigned short zc_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &alen) ||
	    a.sin_family != AF_INET)
		return 0;
	return ntohs(a.sin_port);
}

bool zc_nic_may_copy(const struct zc_env *env)
{
	char drv[64];

	return zc_netif_driver(env->iface, drv, sizeof(drv)) ||
	       strcmp(drv, "virtio_net");
}
