/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP and UDP endpoints of the socket-send tests (zcnet_sock.c): sockets
 * made in another network namespace, connections, and whether the
 * guest's NIC may copy a zero-copy skb itself.
 * Included by zcnet_util.h only.
 */
#ifndef ZCNET_SOCK_H
#define ZCNET_SOCK_H

/*
 * A listening TCP socket on ip, any port, made in netns ns (NULL: this
 * one), with the given backlog and, unless 0, SO_RCVBUF (set before
 * listen(), so accepted sockets inherit it and TCP does not tune it);
 * the port in *port. fd or -errno.
 */
int zc_tcp_listen(const char *ns, const char *ip, int backlog, int rcvbuf,
		  unsigned short *port);

/*
 * A UDP socket bound to ip, any port, made in netns ns (NULL: this one),
 * with an 8 MiB receive buffer; the port in *port. fd or -errno.
 */
int zc_udp_bind(const char *ns, const char *ip, unsigned short *port);

/* A blocking TCP connection to ip:port (SO_SNDBUF unless 0); fd or -errno. */
int zc_tcp_connect(const char *ip, unsigned short port, int sndbuf);

/* The local port of a socket, or 0. */
unsigned short zc_local_port(int fd);

/*
 * Whether the guest's NIC may copy a zero-copy skb itself. virtio-net
 * never does; vmxnet3 takes at most 16 buffers per packet and linearizes
 * (copies) an skb that needs more, which TCP builds when a buffer's pages
 * continue an skb at an offset inside a page. COPIED reports each.
 */
bool zc_nic_may_copy(const struct zc_env *env);

#endif /* ZCNET_SOCK_H */
