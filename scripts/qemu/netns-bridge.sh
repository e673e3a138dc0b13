#!/bin/bash
# Run inside a private network namespace (vm.sh starts it under
# `unshare --net`): create tap0 and tap1 with vnet headers, bridge them on br0,
# bring everything up, then exec the given command (QEMU).
#
#   ZCNET_HOST_NETNS=<netns of the caller> netns-bridge.sh COMMAND...
#
# ZCNET_TAP_MTU (default 1500) is the MTU of the taps and the bridge;
# ZCNET_TAP_QUEUES above 1 makes multiqueue taps (QEMU's queues=N).
# ZCNET_HOST_PEER=PROGRAM gives br0 the address 10.99.0.3/24 and starts
# "PROGRAM serve" here, output to ZCNET_HOST_PEER_LOG; it ends with QEMU.
#
# Refuses to touch a namespace that is the caller's, so no device is ever
# created in the machine's own namespace.
set -euo pipefail

host_ns="${ZCNET_HOST_NETNS:?must name the netns of the caller}"
if [[ $(readlink /proc/self/ns/net) == "$host_ns" ]]; then
	echo "error: not in a private network namespace, refusing to create devices" >&2
	exit 1
fi

mtu="${ZCNET_TAP_MTU:-1500}"
mq=()
((${ZCNET_TAP_QUEUES:-1} > 1)) && mq=(multi_queue)

ip link set lo up
ip link add br0 mtu "$mtu" type bridge
for tap in tap0 tap1; do
	ip tuntap add dev "$tap" mode tap vnet_hdr "${mq[@]}"
	ip link set "$tap" mtu "$mtu"
	ip link set "$tap" master br0
	ip link set "$tap" up
done
ip link set br0 up
if [[ -n ${ZCNET_HOST_PEER:-} ]]; then
	ip addr add 10.99.0.3/24 dev br0
	"$ZCNET_HOST_PEER" serve >"${ZCNET_HOST_PEER_LOG:-/dev/null}" 2>&1 &
fi

exec "$@"
