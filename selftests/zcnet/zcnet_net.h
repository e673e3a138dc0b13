/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's network: its environment, device settings, network
 * namespaces and packet sockets (zcnet_net.c).
 * Included by zcnet_util.h only.
 */
#ifndef ZCNET_NET_H
#define ZCNET_NET_H

/* the test guest's network */
/*
 * $ZCNET_IFACE: the sending NIC, in this (the root) namespace.
 * $ZCNET_PEER_IFACE: the NIC on the other end of the wire, in the named
 * network namespace $ZCNET_PEER_NS (/run/netns/NAME). Tests that need
 * them SKIP when they are not set: outside the guest nothing is touched.
 */
struct zc_env {
	const char *iface;
	const char *peer_ns;
	const char *peer_iface;
	const char *local_ip;	/* $ZCNET_LOCAL_IP, may be NULL */
};

int zc_env_get(struct zc_env *e);

#define ZC_ETH_ALEN		6
#define ZC_ETH_HLEN		14
#define ZC_ETH_ZLEN		60	/* shortest frame the tests expect to arrive */

struct zc_netif {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[ZC_ETH_ALEN];
	unsigned int mtu;
	short flags;		/* IFF_* */
};

/* ifreq ioctl on an AF_INET socket of the current netns; 0 or -errno */
int zc_ifreq(unsigned long req, struct ifreq *ifr);

void zc_ifr_name(struct ifreq *ifr, const char *name);

/* Index, MAC, MTU and flags of a device of the current netns. */
int zc_netif_get(const char *name, struct zc_netif *nif);

/* IFF_* flags of a device, or -errno. */
int zc_netif_flags(const char *name);

/* ip link set NAME up|down, through SIOCSIFFLAGS; 0 or -errno */
int zc_netif_set_up(const char *name, bool up);

/* ip link set NAME mtu MTU; 0 or -errno */
int zc_netif_set_mtu(const char *name, unsigned int mtu);

/* Rename a (down) device; 0 or -errno */
int zc_netif_rename(const char *from, const char *to);

/*
 * Make sure NAME has the IPv4 address ip/24 (a device that went away and
 * came back has none); 0 or -errno.
 */
int zc_netif_ensure_addr(const char *name, const char *ip);

/*
 * Number of TX (RX) queues the stack uses on a device of the root netns
 * (/sys/class/net/NAME/queues/tx-N, rx-N), or -errno.
 */
int zc_netif_tx_queues(const char *name);
int zc_netif_rx_queues(const char *name);

/* ethtool -l: the device's channel counts (ETHTOOL_GCHANNELS); 0 or -errno */
int zc_netif_channels(const char *name, struct ethtool_channels *ch);

/* ethtool's scatter-gather setting (ETHTOOL_GSG/SSG): 0/1 or -errno */
int zc_netif_sg(const char *name, int set);

/* ethtool -k: whether feature (as ethtool names it) is on: 0/1 or -errno */
int zc_netif_feature(const char *name, const char *feature);

/* ethtool -K NAME FEATURE on|off: 0, or what zc_run() says */
int zc_netif_set_feature(const char *name, const char *feature, const char *v);

/* A counter of /sys/class/net/NAME/statistics, or -errno */
long long zc_netif_stat(const char *name, const char *stat);

/* The driver of a device of the root netns, into buf; 0 or -errno */
int zc_netif_driver(const char *name, char *buf, size_t size);

/*
 * Frames up to this many bytes are copied by the driver itself, whatever
 * zcnet does: vmxnet3 puts a frame that fits its TX data descriptor
 * (txdata_desc_size, VMXNET3_HDR_COPY_SIZE = 128 by default) there whole,
 * pulling it into the skb head first (pskb_may_pull copies zero-copy
 * frags). zcnet reports those with ZCNET_CQE_COPIED, truthfully.
 */
unsigned int zc_driver_copy_len(const char *name);

/* Wait until NAME is up with carrier (IFF_RUNNING); 0 or -ETIMEDOUT */
int zc_netif_wait_running(const char *name, unsigned int ms);

/*
 * Enter the named network namespace (/run/netns/NAME). Returns an fd of
 * the namespace left, for zc_netns_return(), or -errno. Sockets keep the
 * namespace they were created in.
 */
int zc_netns_enter(const char *name);

int zc_netns_return(int old);

/*
 * A socket of domain, type and proto made in the named network namespace
 * (it stays there); fd or -errno. Exits if it cannot return.
 */
int zc_netns_socket(const char *name, int domain, int type, int proto);

/*
 * An AF_PACKET socket bound to one device and one ethertype
 * (ETH_P_ALL makes it a tap of that device only), in the current netns,
 * with a receive buffer of rcvbuf bytes; fd or -errno. The hook is only
 * registered by bind(), so it never sees other devices' frames.
 */
int zc_packet_socket(int ifindex, __u16 proto, int rcvbuf);

/*
 * The receiving end: a packet socket for ethertype proto on
 * $ZCNET_PEER_IFACE inside $ZCNET_PEER_NS, and that device's address.
 */
int zc_peer_open(const struct zc_env *env, __u16 proto, struct zc_netif *peer);

/*
 * 1 if sysfs shows the DMA of device NAME (root netns) going through a
 * strict IOMMU domain, 0 if not, -errno if it cannot tell. The domain is
 * that of the device's iommu_group, type "DMA" (a lazy one is "DMA-FQ");
 * a virtio device maps through its transport, the parent, and only when
 * it negotiated VIRTIO_F_ACCESS_PLATFORM (bit 33 of its features file).
 */
int zc_netif_dma_strict(const char *name);

#endif /* ZCNET_NET_H */
