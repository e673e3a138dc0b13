// SPDX-License-Identifier: GPL-2.0
/* The test guest's network: devices, namespaces, packet sockets. */
#include "zcnet_util.h"

int zc_env_get(struct zc_env *e)
{
	e->iface = getenv("ZCNET_IFACE");
	e->peer_ns = getenv("ZCNET_PEER_NS");
	e->peer_iface = getenv("ZCNET_PEER_IFACE");
	e->local_ip = getenv("ZCNET_LOCAL_IP");
	if (!e->iface || !*e->iface || !e->peer_ns || !*e->peer_ns ||
	    !e->peer_iface || !*e->peer_iface)
		return -ENOENT;
	return 0;
}

int zc_ifreq(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return -errno;
	ret = ioctl(s, req, ifr) ? -errno : 0;
	close(s);
	return ret;
}

void zc_ifr_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

int zc_netif_get(const char *name, struct zc_netif *nif)
{
	struct ifreq ifr;
	int ret;

	memset(nif, 0, sizeof(*nif));
	snprintf(nif->name, sizeof(nif->name), "%s", name);
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFINDEX, &ifr);
	if (ret)
		return ret;
	nif->ifindex = ifr.ifr_ifindex;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFHWADDR, &ifr);
	if (ret)
		return ret;
	memcpy(nif->mac, ifr.ifr_hwaddr.sa_data, ZC_ETH_ALEN);
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFMTU, &ifr);
	if (ret)
		return ret;
	nif->mtu = (unsigned int)ifr.ifr_mtu;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	if (ret)
		return ret;
	nif->flags = ifr.ifr_flags;
	return 0;
}

int zc_netif_flags(const char *name)
{
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	return ret ? ret : (unsigned short)ifr.ifr_flags;
}

int zc_netif_set_up(const char *name, bool up)
{
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFFLAGS, &ifr);
	if (ret)
		return ret;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return zc_ifreq(SIOCSIFFLAGS, &ifr);
}

int zc_netif_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;

	zc_ifr_name(&ifr, name);
	ifr.ifr_mtu = (int)mtu;
	return zc_ifreq(SIOCSIFMTU, &ifr);
}

int zc_netif_rename(const char *from, const char *to)
{
	struct ifreq ifr;

	zc_ifr_name(&ifr, from);
	snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", to);
	return zc_ifreq(SIOCSIFNAME, &ifr);
}

int zc_netif_ensure_addr(const char *name, const char *ip)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	struct in_addr want;
	int ret;

	if (inet_pton(AF_INET, ip, &want) != 1)
		return -EINVAL;
	zc_ifr_name(&ifr, name);
	ret = zc_ifreq(SIOCGIFADDR, &ifr);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	if (!ret && sin->sin_addr.s_addr == want.s_addr)
		return 0;
	zc_ifr_name(&ifr, name);
	sin->sin_family = AF_INET;
	sin->sin_addr = want;
	ret = zc_ifreq(SIOCSIFADDR, &ifr);
	if (ret)
		return ret;
	zc_ifr_name(&ifr, name);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xffffff00);
	return zc_ifreq(SIOCSIFNETMASK, &ifr);
}

static int zc_netif_queues(const char *name, const char *prefix)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, 3))
			n++;
	closedir(d);
	return n;
}

int zc_netif_tx_queues(const char *name)
{
	return zc_netif_queues(name, "tx-");
}

int zc_netif_rx_queues(const char *name)
{
	return zc_netif_queues(name, "rx-");
}

int zc_netif_channels(const char *name, struct ethtool_channels *ch)
{
	struct ifreq ifr;

	memset(ch, 0, sizeof(*ch));
	ch->cmd = ETHTOOL_GCHANNELS;
	zc_ifr_name(&ifr, name);
	ifr.ifr_data = (void *)ch;
	return zc_ifreq(SIOCETHTOOL, &ifr);
}

int zc_netif_sg(const char *name, int set)
{
	struct ethtool_value ev = { .cmd = set < 0 ? ETHTOOL_GSG : ETHTOOL_SSG,
				    .data = set > 0 };
	struct ifreq ifr;
	int ret;

	zc_ifr_name(&ifr, name);
	ifr.ifr_data = (void *)&ev;
	ret = zc_ifreq(SIOCETHTOOL, &ifr);
	if (ret)
		return ret;
	return set < 0 ? (int)ev.data : 0;
}

int zc_netif_feature(const char *name, const char *feature)
{
	char cmd[128], line[256], want[96];
	size_t n = (size_t)snprintf(want, sizeof(want), "%s: ", feature);
	int ret = -ENOENT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ethtool -k %s 2>/dev/null", name);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, n))
			ret = !strncmp(line + n, "on", 2);
	if (pclose(f))
		return -EIO;
	return ret;
}

int zc_netif_set_feature(const char *name, const char *feature, const char *v)
{
	const char *const argv[] = { "ethtool", "-K", name, feature, v, NULL };

	return zc_run(argv);
}

long long zc_netif_stat(const char *name, const char *stat)
{
	char path[128];
	long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", name,
		 stat);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%lld", &v);
	fclose(f);
	return n == 1 ? v : -EIO;
}

int zc_netif_driver(const char *name, char *buf, size_t size)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

unsigned int zc_driver_copy_len(const char *name)
{
	char drv[64];

	if (zc_netif_driver(name, drv, sizeof(drv)))
		return 0;
	if (!strcmp(drv, "vmxnet3"))
		return 128;
	return 0;
}

int zc_netif_wait_running(const char *name, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	int f;

	for (;;) {
		f = zc_netif_flags(name);
		if (f >= 0 && (f & IFF_UP) && (f & IFF_RUNNING))
			return 0;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		zc_sleep_ms(20);
	}
}

int zc_netns_enter(const char *name)
{
	char path[256];
	int old, ns;

	old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		int err = -errno;

		if (ns >= 0)
			close(ns);
		close(old);
		return err;
	}
	close(ns);
	return old;
}

int zc_netns_return(int old)
{
	int ret = setns(old, CLONE_NEWNET) ? -errno : 0;

	close(old);
	return ret;
}

int zc_netns_socket(const char *name, int domain, int type, int proto)
{
	int old = zc_netns_enter(name);
	int s, ret;

	if (old < 0)
		return old;
	s = socket(domain, type | SOCK_CLOEXEC, proto);
	if (s < 0)
		s = -errno;
	ret = zc_netns_return(old);
	if (ret) {
		fprintf(stderr, "cannot return to the test's netns: %s\n",
			strerror(-ret));
		_exit(1);
	}
	return s;
}

int zc_packet_socket(int ifindex, __u16 proto, int rcvbuf)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

int zc_peer_open(const struct zc_env *env, __u16 proto, struct zc_netif *peer)
{
	int old = zc_netns_enter(env->peer_ns);
	int s, ret;

	if (old < 0)
		return old;
	ret = zc_netif_get(env->peer_iface, peer);
	s = ret ? ret : zc_packet_socket(peer->ifindex, proto, 16 << 20);
	ret = zc_netns_return(old);
	if (ret) {
		/* stuck in the peer's namespace: nothing else can be trusted */
		fprintf(stderr, "cannot return to the test's netns: %s\n",
			strerror(-ret));
		_exit(1);
	}
	return s;
}

int zc_netif_dma_strict(const char *name)
{
	char path[160], link[256], buf[96];
	const char *dev = "device";
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/subsystem",
		 name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	link[n] = '\0';
	if (!strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
		    "virtio")) {
		snprintf(path, sizeof(path),
			 "/sys/class/net/%s/device/features", name);
		n = zc_read_file(path, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		if (n <= 33 || buf[33] != '1')
			return 0;
		dev = "device/..";
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s/iommu_group/type",
		 name, dev);
	n = zc_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? 0 : (int)n;
	return !strcmp(buf, "DMA\n");
}
