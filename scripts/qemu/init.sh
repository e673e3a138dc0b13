#!/bin/bash
# /init of the zcnet test guest (see scripts/qemu/initramfs.sh, scripts/qemu/vm.sh).
#
# Brings up two NICs (found by MAC): the first stays in the root namespace,
# the second moves into namespace "peer". Loads the extra modules the tests
# need (dummy, without devices) and zcnet, then runs the one program that
# zcnet.run=PATH on the kernel command line names (the tests' runner
# /lib/zcnet/run-tests, the demo or the benchmark), in /tmp, with its output
# on /dev/ttyS1 and this environment: ZCNET_KO, ZCNET_IFACE,
# ZCNET_PEER_NS, ZCNET_PEER_IFACE, ZCNET_PEER_IP, ZCNET_LOCAL_IP,
# ZCNET_TOOLS, and NAME=VALUE for each zcnet.env.NAME=VALUE. With
# zcnet.run_timeout=S it is killed after S seconds. A program that is
# missing, fails or is killed is reported as a block
# "ZCNET-BEGIN <prog>" ... "ZCNET-END <prog> rc=<rc>" of its own. The
# guest's own checks are reported as the pseudo-programs guest-topology and
# guest-kernel-log; then "ZCNET-DONE", and the guest powers off.
#
# On a kernel with KUnit, the KUnit suites that loading zcnet ran are
# reported as the pseudo-programs kunit-<suite>, one TAP line per case. On
# a kernel with kmemleak, what it suspected at boot is cleared before zcnet
# loads; after the program zcnet is unloaded and a scan that finds anything
# fails the pseudo-program guest-kmemleak.
#
# No `set -e` on purpose: whatever fails, init must report it and power off.
set -uo pipefail
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root

MAC0=52:54:00:12:34:01
MAC1=52:54:00:12:34:02
LOCAL_IP=10.99.0.1
PEER_IP=10.99.0.2
PEER_NS=peer
KO=/lib/zcnet/zcnet.ko
RUN=""
RUN_TIMEOUT=0
KERNEL_LOG_BAD='WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|kmemleak: .*(suspected|disabled|Cannot)|UBSAN|list_add corruption|refcount_t:'
KUNIT=/sys/kernel/debug/kunit
KMEMLEAK=/sys/kernel/debug/kmemleak

log() { echo "zcnet-init: $*" >/dev/console; }

mount_all() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mkdir -p /run/netns
}

read_cmdline() {
	local word words
	read -r -a words </proc/cmdline
	for word in "${words[@]}"; do
		case "$word" in
		zcnet.run=/*) RUN="${word#*=}" ;;
		zcnet.run_timeout=[0-9]*) RUN_TIMEOUT="${word#*=}" ;;
		zcnet.env.[A-Z]*=*)
			word="${word#zcnet.env.}"
			[[ ${word%%=*} =~ ^[A-Z][A-Z0-9_]*$ ]] && export "${word?}"
			;;
		esac
	done
}

load_nic_modules() {
	local path name
	while read -r path; do
		name="$(basename "$path" .ko)"
		[[ -d /sys/module/${name//-/_} ]] && continue
		insmod "$path" || log "insmod $path failed"
	done </etc/zcnet/nic-modules
}

# Modules the tests need: "path [params...]" per line.
load_extra_modules() {
	local path params name
	[[ -f /etc/zcnet/extra-modules ]] || return 0
	while read -r path params; do
		name="$(basename "$path" .ko)"
		[[ -d /sys/module/${name//-/_} ]] && continue
		# shellcheck disable=SC2086 # params are words
		insmod "$path" $params || log "insmod $path failed"
	done </etc/zcnet/extra-modules
}

nic_by_mac() {
	local dev
	for dev in /sys/class/net/*; do
		[[ $(cat "$dev/address" 2>/dev/null) == "$1" ]] && basename "$dev" && return 0
	done
	return 1
}

wait_for_nic() {
	local _
	for _ in $(seq 20); do
		nic_by_mac "$1" && return 0
		sleep 1
	done
	return 1
}

setup_topology() {
	ip link set lo up
	if [[ -n $NIC0 ]]; then
		ip addr add "$LOCAL_IP/24" dev "$NIC0"
		ip link set "$NIC0" up
	fi
	ip netns add "$PEER_NS"
	ip -n "$PEER_NS" link set lo up
	if [[ -n $NIC1 ]]; then
		ip link set "$NIC1" netns "$PEER_NS"
		ip -n "$PEER_NS" addr add "$PEER_IP/24" dev "$NIC1"
		ip -n "$PEER_NS" link set "$NIC1" up
	fi
}

ping_peer() { # a few quiet tries while links come up, then one that reports
	local _
	for _ in $(seq 9); do
		ping -c 1 -W 2 "$PEER_IP" >/dev/null 2>&1 && break
		sleep 1
	done
	ping -c 1 -W 2 "$PEER_IP"
}

# TAP for the guest's own checks: tap_check NAME COMMAND...
tap_check() {
	local name="$1" out
	shift
	TAP_N=$((TAP_N + 1))
	if out="$("$@" 2>&1)"; then
		TAP_OUT+="ok $TAP_N $name"$'\n'
	else
		TAP_OUT+="not ok $TAP_N $name"$'\n'
		TAP_RC=1
	fi
	[[ -z $out ]] || TAP_OUT+="# ${out//$'\n'/$'\n'# }"$'\n'
}

tap_begin() { TAP_N=0 TAP_OUT="" TAP_RC=0; }

tap_end() {
	{
		echo "ZCNET-BEGIN $1"
		echo "TAP version 13"
		echo "1..$TAP_N"
		printf '%s' "$TAP_OUT"
		echo "ZCNET-END $1 rc=$TAP_RC"
	} >&3
}

check_nic() { [[ -n $2 ]] && echo "$1 is $2"; }
check_sg() { ethtool -k "$1" | grep -x 'scatter-gather: on'; }
check_peer_sg() { ip netns exec "$PEER_NS" ethtool -k "$1" | grep -x 'scatter-gather: on'; }
check_iommu() { # the NIC's PCI function is behind the IOMMU, strict if asked
	local dev group
	grep -qw intel_iommu=on /proc/cmdline || { echo "IOMMU not requested"; return 0; }
	dev="$(readlink -f "/sys/class/net/$1/device")"
	[[ -e $dev/iommu_group ]] || dev="$(dirname "$dev")" # virtio: the PCI parent
	group="$(readlink "$dev/iommu_group")" || return 1
	echo "$(basename "$dev") is in IOMMU group $(basename "$group")"
	dmesg | grep -i 'iommu: '
	! grep -qw iommu.strict=1 /proc/cmdline || grep -q 'invalidation policy: strict' <<<"$(dmesg)"
}
check_loaded() { echo "$INSMOD_OUT"; [[ $INSMOD_RC == 0 && -d /sys/module/zcnet ]]; }
check_dev() { ls -l /dev/zcnet; }
check_dummy() { # loaded or built in (needs dummy.numdummies=0), no device
	[[ -d /sys/module/dummy ]] || grep -qx dummy /etc/zcnet/builtin-modules ||
		return 1
	[[ ! -e /sys/class/net/dummy0 ]]
}

guest_topology() {
	tap_begin
	tap_check nic0-present check_nic "$MAC0" "$NIC0"
	tap_check nic1-present check_nic "$MAC1" "$NIC1"
	tap_check nic0-scatter-gather check_sg "$NIC0"
	tap_check nic1-scatter-gather check_peer_sg "$NIC1"
	tap_check nic0-behind-iommu check_iommu "$NIC0"
	tap_check ping-peer ping_peer
	tap_check real-iproute2 sh -c 'ip -V | grep iproute2'
	tap_check dummy-module check_dummy
	tap_check zcnet-loaded check_loaded
	tap_check dev-zcnet check_dev
	tap_end guest-topology
}

# A block that fails: failed_block NAME RC MESSAGE
failed_block() {
	printf 'ZCNET-BEGIN %s\n# zcnet-init: %s\nZCNET-END %s rc=%s\n' "$1" "$3" "$1" "$2" >&3
}

run_program() {
	local name start rc elapsed limit=()
	if [[ -z $RUN ]]; then
		failed_block zcnet-init 2 "no zcnet.run=PATH on the kernel command line"
		return
	fi
	name="$(basename "$RUN")"
	if [[ ! -f $RUN || ! -x $RUN ]]; then
		failed_block "$name" 127 "$RUN is missing"
		return
	fi
	((RUN_TIMEOUT > 0)) && limit=(timeout -k 10 "$RUN_TIMEOUT")
	log "running $RUN${limit[*]:+, timeout ${RUN_TIMEOUT}s}"
	start="$(date +%s)"
	(
		cd /tmp &&
			ZCNET_KO="$KO" ZCNET_IFACE="$NIC0" ZCNET_PEER_NS="$PEER_NS" \
				ZCNET_PEER_IFACE="$NIC1" ZCNET_PEER_IP="$PEER_IP" \
				ZCNET_LOCAL_IP="$LOCAL_IP" ZCNET_TOOLS=/usr/local/bin \
				exec "${limit[@]}" "$RUN"
	) </dev/null >&3 2>&3
	rc=$?
	elapsed=$(($(date +%s) - start))
	echo "# zcnet-init: $name took ${elapsed}s" >&3
	log "$name: rc=$rc in ${elapsed}s"
	((rc == 0)) && return
	if ((${#limit[@]})) && [[ $rc == @(124|137|143) ]] && ((elapsed >= RUN_TIMEOUT)); then
		failed_block "$name" "$rc" "$name killed after the ${RUN_TIMEOUT}s timeout"
	else
		failed_block "$name" "$rc" "$name exited with status $rc"
	fi
}

check_kernel_log() { ! dmesg | grep -E "$KERNEL_LOG_BAD"; }

# One suite's debugfs results (KTAP: the suite is a subtest of a one-test
# plan) as flat TAP: its cases' lines and plan; the rest, the suite's own
# line and the failure messages included, as comments.
kunit_suite() { # DIR
	local name rc
	name="$(basename "$1")"
	rc=0
	grep -q '^not ok ' "$1/results" && rc=1
	{
		echo "ZCNET-BEGIN kunit-$name"
		sed -e 's/^    \(\(not \)\?ok [0-9].*\)$/\1/' -e t \
			-e 's/^    \(1\.\.[0-9]*\)$/\1/' -e t \
			-e 's/^[ #]*/# /' "$1/results"
		echo "ZCNET-END kunit-$name rc=$rc"
	} >&3
}

# What KUnit ran when zcnet loaded; nothing at all is a failure.
kunit_results() {
	local dir found=0
	[[ -d $KUNIT ]] || return 0
	for dir in "$KUNIT"/zcnet_*; do
		[[ -f $dir/results ]] || continue
		kunit_suite "$dir"
		found=1
	done
	((found)) && return 0
	printf 'ZCNET-BEGIN kunit\nnot ok 1 zcnet-suites-ran\nZCNET-END kunit rc=1\n' >&3
}

# kmemleak only reports objects it has seen unreferenced in two scans,
# and only objects older than five seconds.
kmemleak_scan() {
	echo scan >"$KMEMLEAK" || return 1
	sleep 6
	echo scan >"$KMEMLEAK" || return 1
}

# Leaks from booting are not zcnet's; only leaks found later count.
kmemleak_start() {
	[[ -e $KMEMLEAK ]] || return 0
	if ! kmemleak_scan || ! echo clear >"$KMEMLEAK"; then
		log "kmemleak: the first scan failed"
	fi
}

# A context lives, and holds the module, until its last frame in flight
# completes: give that 10 s
check_unload() {
	local i
	[[ -d /sys/module/zcnet ]] || return 0
	for ((i = 0; i < 50; i++)); do
		rmmod zcnet 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod zcnet && return 0
	echo "zcnet's references: $(cat /sys/module/zcnet/refcnt); TCP sockets:"
	cat /proc/net/tcp
	return 1
}
check_kmemleak() {
	local report
	kmemleak_scan || { echo "kmemleak is off or failed"; return 1; }
	report="$(cat "$KMEMLEAK")"
	[[ -z $report ]] && return 0
	echo "$report"
	return 1
}

guest_kmemleak() {
	[[ -e $KMEMLEAK ]] || return 0
	tap_begin
	tap_check zcnet-unloaded check_unload
	tap_check kmemleak-clean check_kmemleak
	tap_end guest-kmemleak
}

guest_kernel_log() {
	tap_begin
	tap_check kernel-log-clean check_kernel_log
	tap_end guest-kernel-log
}

mount_all
read_cmdline
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo
log "kernel $(uname -r), program ${RUN:-none}"

load_nic_modules
load_extra_modules
NIC0="$(wait_for_nic "$MAC0")"
NIC1="$(wait_for_nic "$MAC1")"
log "nic0=${NIC0:-missing} nic1=${NIC1:-missing}"
setup_topology

kmemleak_start
INSMOD_OUT="$(insmod "$KO" 2>&1)"
INSMOD_RC=$?
guest_topology
kunit_results

run_program

guest_kernel_log
guest_kmemleak
echo "ZCNET-DONE" >&3
log "done"
sync
poweroff -f
