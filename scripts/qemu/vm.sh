#!/bin/bash
# Boot a test guest under QEMU with two NICs joined by a bridge that lives in
# a private network namespace, and wait until it powers off.
#
#   vm.sh --kernel KVER|BZIMAGE --initrd FILE --out DIR --run PATH
#         [--run-timeout S] [--iommu on|off] [--nic virtio|vmxnet3]
#         [--timeout S] [--append ARGS] [--mtu N] [--queues N]
#         [--smp N] [--icount] [--host-peer PROGRAM] [--rx-release-us N]
#         [--tx-flush-us N] [--stall S]
#
# The guest's /init (scripts/qemu/init.sh) runs the program PATH of the
# image (zcnet.run=PATH), killed after --run-timeout seconds if given
# (zcnet.run_timeout=S); --append adds to the kernel command line, for
# instance zcnet.env.NAME=VALUE to give the program NAME=VALUE.
# --mtu N offers MTU N to virtio-net NICs (host_mtu) and sets it on the
# taps and the bridge; --queues N gives virtio-net NICs N queue pairs
# (multiqueue taps, mq=on; one queue by default). The tests use MTU 1500
# and, on virtio-net, four queue pairs (scripts/qemu/guest-test.sh);
# vmxnet3 ignores --queues (QEMU's has one RX queue). --smp N gives N vCPUs (2);
# --icount makes guest time count instructions (-icount shift=0,sleep=off:
# 1 ns each, idle time jumps), the benchmark's ruler. --host-peer PROGRAM
# gives the bridge the address 10.99.0.3/24 and runs "PROGRAM serve" in the
# private namespace for the guest (zcnet-bench's remote sinks), logging to
# DIR/host-peer.log. --rx-release-us N holds what the host sends to the
# guest and releases it every N microseconds of the guest's clock (QEMU's
# filter-buffer): under icount, packets then reach the guest at points of
# its own clock instead of whenever the host's real time delivers them.
# --tx-flush-us N makes virtio-net take the guest's transmit queue N
# microseconds of the guest's clock after a notification (tx=timer)
# instead of at once, so that its frames leave, and their completions
# come back, at points of the guest's clock too (ignored for vmxnet3).
# Writes DIR/console.log (serial 0, kernel console), DIR/results.log
# (serial 1, test output) and DIR/qemu.log. Exits 124 if the guest was
# killed after --timeout seconds (default 600), or, with --stall S, once its
# results port, after its first line, has not grown for S seconds (a guest
# whose kernel hangs). One that writes nothing to the results port within
# ZCNET_BOOT_LIMIT seconds (120), or stops before writing anything, is
# booted again, at most three times in all. ZCNET_QEMU_ACCEL=kvm uses KVM
# instead of TCG where the host has a working one. ZCNET_VIRTIO_OPTS adds
# properties to both virtio-net devices, for experiments: for instance
# ",indirect_desc=off" (see Documentation/performance.rst).
# ZCNET_QEMU=backports boots with bookworm-backports' QEMU instead of the
# system's (common.sh).
set -euo pipefail
source "$(dirname "$0")/../common.sh"

usage() {
	die "usage: $0 --kernel KVER|BZIMAGE --initrd FILE --out DIR --run PATH [--run-timeout S] [--iommu on|off] [--nic virtio|vmxnet3] [--timeout S] [--append ARGS] [--mtu N] [--queues N] [--smp N] [--icount] [--host-peer PROGRAM] [--rx-release-us N] [--tx-flush-us N] [--stall S]"
}

kernel="" initrd="" out="" run="" run_timeout="" iommu=on nic=virtio timeout=600 append=""
mtu=1500 queues=1 smp=2 icount=0 host_peer="" rx_release=0 tx_flush=0 stall=0
while (($#)); do
	if [[ $1 == --icount ]]; then
		icount=1
		shift
		continue
	fi
	(($# >= 2)) || usage
	case "$1" in
	--kernel) kernel="$2" ;;
	--initrd) initrd="$2" ;;
	--out) out="$2" ;;
	--iommu) iommu="$2" ;;
	--nic) nic="$2" ;;
	--timeout) timeout="$2" ;;
	--run) run="$2" ;;
	--run-timeout) run_timeout="$2" ;;
	--append) append="$2" ;;
	--mtu) mtu="$2" ;;
	--queues) queues="$2" ;;
	--smp) smp="$2" ;;
	--host-peer) host_peer="$2" ;;
	--rx-release-us) rx_release="$2" ;;
	--tx-flush-us) tx_flush="$2" ;;
	--stall) stall="$2" ;;
	*) usage ;;
	esac
	shift 2
done
[[ -n $kernel && -n $initrd && -n $out && $run == /* ]] || usage
[[ -z $run_timeout || $run_timeout =~ ^[1-9][0-9]*$ ]] || usage
[[ $iommu == on || $iommu == off ]] || usage
[[ $nic == virtio || $nic == vmxnet3 ]] || usage
[[ $mtu =~ ^[1-9][0-9]{2,4}$ ]] || usage
[[ $queues =~ ^[1-8]$ ]] || usage
[[ $nic == virtio ]] || queues=1 # QEMU's vmxnet3 has one RX queue
[[ $smp =~ ^[1-8]$ ]] || usage
below_million "$rx_release" || usage
below_million "$tx_flush" || usage
below_million "$stall" || usage
[[ -z $host_peer || -x $host_peer ]] || die "--host-peer: $host_peer is not a program"
[[ ${ZCNET_VIRTIO_OPTS:-} =~ ^(,[a-z_-]+=[a-z0-9]+)*$ ]] ||
	die "ZCNET_VIRTIO_OPTS: ,property=value pairs, such as ,indirect_desc=off"
need_root # taps and a bridge, in a namespace of our own

image="$kernel"
[[ -f $image ]] || image="/boot/vmlinuz-$kernel"
[[ -f $image ]] || die "no kernel image for $kernel"
[[ -f $initrd ]] || die "no initrd at $initrd"
qemu_select
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/deps.sh)"

cmdline="console=ttyS0 panic=-1"
machine="q35"
nic_opts=""
if [[ $iommu == on ]]; then
	machine="q35,kernel-irqchip=split"
	cmdline+=" intel_iommu=on iommu=strict iommu.strict=1"
	nic_opts=",disable-legacy=on,iommu_platform=on,ats=on"
fi
cmdline+=" zcnet.run=$run"
[[ -z $run_timeout ]] || cmdline+=" zcnet.run_timeout=$run_timeout"
[[ -z $append ]] || cmdline+=" $append"

if [[ ${ZCNET_QEMU_ACCEL:-tcg} == kvm ]]; then
	accel=(-accel kvm -cpu host)
else
	# QEMU 7.2's TCG (Debian 12's) computes cmpxchg16b's flags from a stale
	# lazy-flags state: now and then the guest's EFLAGS becomes the low half
	# of a register, TF or DF set, and the guest oopses in the slab
	# allocator, which uses that instruction on every allocation. Without
	# CX16 the guest kernel never runs it. QEMU 8 and later compute those
	# flags inline and keep the full CPU.
	cpu=max
	qemu_major="$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')"
	((${qemu_major:-0} >= 8)) || cpu+=,cx16=off
	accel=(-accel tcg -cpu "$cpu")
fi

if ((icount)); then
	accel+=(-icount shift=0,sleep=off)
	# Under icount, QEMU 10 never gets past Debian 12's SeaBIOS (1.16.2);
	# qboot, which only loads the kernel, boots at once.
	((${qemu_major:-0} < 8)) || accel+=(-bios qboot.rom)
fi
qemu=(qemu-system-x86_64 "${accel[@]}" -machine "$machine" -smp "$smp" -m 1G
	-nographic -no-reboot -monitor none
	-kernel "$image" -initrd "$initrd" -append "$cmdline")
[[ $iommu == off ]] || qemu+=(-device "intel-iommu,intremap=on,device-iotlb=on")
netdev_opts="" virtio_opts=""
if ((queues > 1)); then
	netdev_opts=",queues=$queues"
	virtio_opts+=",mq=on,vectors=$((2 * queues + 2))"
fi
((mtu == 1500)) || virtio_opts+=",host_mtu=$mtu"
((tx_flush == 0)) || virtio_opts+=",tx=timer,x-txtimer=$((tx_flush * 1000))"
virtio_opts+="${ZCNET_VIRTIO_OPTS:-}"
for i in 0 1; do
	mac="52:54:00:12:34:0$((i + 1))"
	qemu+=(-netdev "tap,id=n$i,ifname=tap$i,script=no,downscript=no,vhost=off,vnet_hdr=on$netdev_opts")
	# packets to the guest, held and released every rx_release us of its clock
	((rx_release == 0)) ||
		qemu+=(-object "filter-buffer,id=fb$i,netdev=n$i,queue=tx,interval=$rx_release")
	if [[ $nic == virtio ]]; then
		qemu+=(-device "virtio-net-pci,netdev=n$i$nic_opts$virtio_opts,mac=$mac")
	else
		qemu+=(-device "vmxnet3,netdev=n$i,mac=$mac")
	fi
done

mkdir -p "$out"
out="$(cd "$out" && pwd)"
qemu+=(-serial "file:$out/console.log" -serial "file:$out/results.log")
printf '%q ' "${qemu[@]}" >"$out/qemu.cmd"
echo >>"$out/qemu.cmd"

# A TCG guest very rarely freezes or panics during early boot (a stray
# interrupt before the kernel is ready for it). Whatever /init does starts
# with a line on the results port, so a guest that has written nothing
# there after BOOT_LIMIT seconds, or stopped without writing anything,
# never reached /init: boot it again. Once the guest has written anything,
# nothing is retried.
BOOT_LIMIT="${ZCNET_BOOT_LIMIT:-120}"
BOOT_ATTEMPTS=3

# is_child PID: PID is alive and ours (not a reused pid)
is_child() {
	local stat
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
	stat="${stat##*) }"
	stat="${stat#* }"
	[[ ${stat%% *} == "$$" ]]
}

# watch_stall PID: wait for PID; fail once the results port has not grown
# for --stall seconds
watch_stall() {
	local size last="" since=$SECONDS
	while is_child "$1"; do
		size="$(stat -c %s "$out/results.log" 2>/dev/null || echo 0)"
		if [[ $size != "$last" ]]; then
			last="$size" since=$SECONDS
		elif ((SECONDS - since >= stall)); then
			return 1
		fi
		sleep 1
	done
}
boot() {
	local pid t=0 rc

	ZCNET_HOST_NETNS="$(readlink /proc/self/ns/net)" ZCNET_TAP_MTU="$mtu" \
		ZCNET_TAP_QUEUES="$queues" ZCNET_HOST_PEER="$host_peer" \
		ZCNET_HOST_PEER_LOG="$out/host-peer.log" \
		timeout --kill-after=10 "$timeout" \
		unshare --net -- "$ZCNET_SCRIPTS/qemu/netns-bridge.sh" "${qemu[@]}" \
		</dev/null >"$out/qemu.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [[ ! -s $out/results.log ]]; do
		if ((t >= BOOT_LIMIT)); then
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 200
		fi
		sleep 1
		t=$((t + 1))
	done
	if ((stall)) && ! watch_stall "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 201
	fi
	wait "$pid" || rc=$?
	# it stopped (a panic in early boot) before /init wrote anything
	[[ -s $out/results.log ]] || return 200
	return "${rc:-0}"
}

for ((attempt = 1; ; attempt++)); do
	rm -f "$out"/{console,results,qemu}.log
	say "booting $(basename "$image") (iommu $iommu, $nic, timeout ${timeout}s) -> $out"
	start=$SECONDS
	rc=0
	boot || rc=$?
	((rc == 200)) || break
	mv "$out/console.log" "$out/console.noboot-$attempt.log"
	if ((attempt == BOOT_ATTEMPTS)); then
		say "guest never reached /init (silent for ${BOOT_LIMIT}s or stopped), $attempt times"
		exit 124
	fi
	say "guest never reached /init (silent for ${BOOT_LIMIT}s or stopped); booting it again"
done
if ((rc == 201)); then
	say "guest killed: nothing new on its results port for ${stall}s (see $out/console.log)"
	exit 124
fi
if ((rc == 124 || rc == 137)); then
	say "guest killed after ${timeout}s timeout"
	exit 124
fi
say "guest exited (qemu rc=$rc) after $((SECONDS - start))s"
((rc == 0)) || tail -n 20 "$out/qemu.log" >&2
exit "$rc"
