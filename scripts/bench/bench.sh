#!/bin/bash
# `make bench`: zcnet against the send paths people use today, measured
# side by side in one guest boot on one path.
#
# The ruler (ZCNET_BENCH_RULER): "icount", the default, boots the sender's
# guest with one vCPU and -icount shift=0,sleep=off, so that its busy time
# (elapsed minus idle) counts the instructions it ran, 1 ns each, and runs
# every sink on this machine, in the private namespace of the guest's
# bridge (zcnet-bench serve), so that the guest's busy time is the
# sender's alone. QEMU's device emulation does not enter it, and host load
# only through the sinks' pace: TCP cells follow it, raw cells moved by
# about 5% in a run beside other guests, so run it on an idle machine. It
# does not see cache misses and charges a copy one instruction per
# `rep movsb` iteration. "wall" is the earlier mode: two vCPUs, the sinks
# in the guest, wall-clock busy time of sender and receiver together, and
# the two-sender scaling runs; use it for throughput and latency, which
# instruction time does not measure.
#
# As root: installs what is missing (scripts/deps.sh), builds zcnet.ko for
# Debian's 6.12 cloud kernel, the tools and zcnet-bench (static), an
# initramfs with them and scripts/bench/guest.sh, and boots the guest of
# `make demo` (two virtio-net NICs on tap devices bridged in a private
# namespace, the peer NIC in a namespace of its own) with MTU 9000 offered
# and two queue pairs per NIC. By default without the emulated IOMMU: the
# topology the targets were calibrated on, and where QEMU's emulated IOTLB
# invalidations (about 20 us of guest CPU per DMA unmap) do not swamp what
# is measured; ZCNET_BENCH_IOMMU=on adds it in strict mode, as make demo.
# The guest runs the matrix; this script prints the table and writes, under
# build/bench/<timestamp>/, env.txt (what the run ran on), runs.csv (every
# run), summary.csv (median, minimum and maximum per cell), ratios.csv (each
# zcnet row against every other method of the same case), table.txt,
# chart.png and the guest logs, and the run's page
# Documentation/perf/YYYY-MM-DD-HHMM-KERNEL.md (scripts/bench/report.sh).
#
# Environment: ZCNET_BENCH_RULER (icount or wall), ZCNET_BENCH_SECONDS (1;
# wall: 3) of sending per run (guest time), ZCNET_BENCH_REPS
# (3; wall: 5) repetitions of every cell, ZCNET_BENCH_SCALING (1; 0 skips the
# two-queue runs), ZCNET_BENCH_KERNEL (default: the 6.12 kernel),
# ZCNET_BENCH_IOMMU (off; on: strict), ZCNET_BENCH_METHODS (a subset),
# ZCNET_BENCH_RAW_SIZES, ZCNET_BENCH_TCP_SIZES, ZCNET_BENCH_UDP_SIZES,
# ZCNET_BENCH_CONNS (256: the TCP connections of the many-connection case,
# 64 KiB writes), ZCNET_BENCH_GSO_SIZES (64768: the UDP trains of the case
# where each send gives its segment size), ZCNET_BENCH_VNET_SIZES (65535:
# the raw super-frames of the cases "raw USO" and "raw TSO", zcnet's
# ZCNET_TX_VNET_HDR against AF_PACKET's PACKET_VNET_HDR, methods
# zcnet-vnet and afp-vnet, 1472- and 1460-byte segments),
# ZCNET_BENCH_RX_SIZES, ZCNET_BENCH_RX_FRAMES, ZCNET_BENCH_RX_RATE,
# ZCNET_BENCH_PING_SIZES (64), ZCNET_BENCH_PING_FRAMES (2000) and
# ZCNET_BENCH_BUSY_POLL_USEC (1000) for the ping-pong latency case, which
# runs with the wall ruler only (methods afp, zcnet-rx, zcnet-rx-busypoll),
# ZCNET_BENCH_RXQ_QUEUES (1 2 4: the queue counts of the receive case by
# RX queue), ZCNET_BENCH_HTTP_SIZES and ZCNET_BENCH_HTTP_CONNS (the
# file-server case, below), ZCNET_BENCH_PROFILE (cells
# to profile after the matrix, as METHOD:SIZE words: one more run of each
# under `perf record -a -g` in the guest, written to profile.txt and, as
# folded call chains, to perf-METHOD-SIZE.folded; these runs are not in
# the table), ZCNET_BENCH_MODPARAMS (zcnet module parameters set in the
# guest before the runs, NAME=NUMBER words, for experiments such as
# tx_copy_threshold_strict=65535), ZCNET_BENCH_TX_FLUSH_US (0: off; N:
# the guests' virtio-net takes its transmit queue N us of the guest's
# clock after a notification instead of at once, vm.sh --tx-flush-us, an
# experiment on the ruler, Documentation/performance.rst), ZCNET_QEMU
# (system, the default: Debian 12's QEMU 7.2, which the targets were
# calibrated on; backports: QEMU from bookworm-backports, scripts/qemu/qemu-backports.sh, whose
# virtio-net offers the guest UDP segmentation; see
# Documentation/performance.rst for how its instruction counts differ),
# ZCNET_BENCH_USO_QEMU (backports, the default, or system: where the
# UDP-train and super-frame cases run, below).
#
# The UDP-train case (gso-*, zcnet-gso) and the raw USO and TSO cases
# (afp-vnet, zcnet-vnet) are about a device that segments: QEMU 7.2's
# virtio-net offers no UDP segmentation. Under ZCNET_QEMU=system they get
# a boot of their own on QEMU from bookworm-backports, every method of
# those cases side by side in it, so their ratios hold; their rows are not
# to be compared with the other boot's. If that QEMU cannot be fetched,
# or ZCNET_BENCH_USO_QEMU=system, they run in the matrix's boot.
#
# The receive case by RX queue (method zcnet-rxq: one zcnet context per RX
# queue, all served by one thread, UDP from 64 source ports that the
# host's multiqueue tap spreads over the queues) gets a boot of its own,
# after the matrix: its NICs have four queue pairs, and QEMU's
# filter-buffer (--rx-release-us) refuses multiqueue netdevs, so there
# the host's packets reach the guest whenever they arrive. One thread,
# because the icount guest has one vCPU: N threads would take turns on it.
# Its rows are "receive SIZE B" with "Nq/1p" for N queues.
#
# The file-server case (rows "http SIZE B"): zcnet-httpd serves files of
# ZCNET_BENCH_HTTP_SIZES bytes (4096 65536 1048576 16777216), made in a
# tmpfs of the guest, from read-only zcnet regions (method httpd-zcnet), and
# zcnet-httpd --sendfile the same files by send(2) and sendfile(2)
# (httpd-sendfile), to ZCNET_BENCH_HTTP_CONNS (8) keep-alive connections of
# zcnet-bench get, each fetching one file over and over and checking status
# and Content-Length. Under the icount ruler get runs on this machine
# (zcnet-bench serve): it connects, the guest starts the load and after
# ZCNET_BENCH_SECONDS of its clock stops it (get goes on until it has read
# 8000 files' worth, at most 1 GiB, a second: a client slower than the
# server leaves the guest idle, and its clock runs ahead), and the
# server's busy time over that span, per GiB of body the client read, is
# the cell; us/op is per request. Under the wall ruler get runs in the
# guest's peer namespace, for the run's seconds and no more.
set -euo pipefail
source "$(dirname "$0")/../common.sh"
export ZCNET_QEMU="${ZCNET_QEMU:-system}"

ruler="${ZCNET_BENCH_RULER:-icount}"
secs=1 reps=3 # instruction time: ns-exact, 1 s is 10^9 instructions
[[ $ruler == wall ]] && secs=3 reps=5
secs="${ZCNET_BENCH_SECONDS:-$secs}"
reps="${ZCNET_BENCH_REPS:-$reps}"
scaling="${ZCNET_BENCH_SCALING:-1}"
iommu="${ZCNET_BENCH_IOMMU:-off}"
tx_flush="${ZCNET_BENCH_TX_FLUSH_US:-0}"
[[ $ruler == @(icount|wall) ]] || die "ZCNET_BENCH_RULER must be icount or wall"
[[ $ruler == wall ]] || scaling=0 # one vCPU
[[ $secs =~ ^[1-9][0-9]?$ ]] || die "ZCNET_BENCH_SECONDS must be 1..99"
[[ $reps =~ ^[1-9]$ ]] || die "ZCNET_BENCH_REPS must be 1..9"
[[ $scaling == [01] ]] || die "ZCNET_BENCH_SCALING must be 0 or 1"
[[ $iommu == @(on|off) ]] || die "ZCNET_BENCH_IOMMU must be on or off"
below_million "$tx_flush" || die "ZCNET_BENCH_TX_FLUSH_US must be 0..999999"
for v in ZCNET_BENCH_METHODS ZCNET_BENCH_RAW_SIZES ZCNET_BENCH_TCP_SIZES ZCNET_BENCH_UDP_SIZES \
	ZCNET_BENCH_RX_SIZES ZCNET_BENCH_PING_SIZES ZCNET_BENCH_RXQ_QUEUES; do
	[[ ${!v:-} =~ ^[a-z0-9\ -]*$ ]] || die "$v: words of a-z, 0-9 and -"
done
for n in ${ZCNET_BENCH_RXQ_QUEUES:-}; do
	[[ $n == [1-4] ]] || die "ZCNET_BENCH_RXQ_QUEUES: queue counts, 1..4"
done
for v in ZCNET_QEMU ZCNET_BENCH_USO_QEMU; do
	[[ ${!v:-system} == @(system|backports) ]] || die "$v is system or backports, not '${!v}'"
done
[[ ${ZCNET_BENCH_CONNS:-256} =~ ^([2-9]|[1-9][0-9]{1,3})(\ ([2-9]|[1-9][0-9]{1,3}))*$ ]] ||
	die "ZCNET_BENCH_CONNS: connection counts, 2..9999"
[[ ${ZCNET_BENCH_GSO_SIZES:-64768} =~ ^[1-9][0-9]{0,4}(\ [1-9][0-9]{0,4})*$ ]] ||
	die "ZCNET_BENCH_GSO_SIZES: train sizes in bytes, up to 65507"
[[ ${ZCNET_BENCH_VNET_SIZES:-65535} =~ ^[1-9][0-9]{0,4}(\ [1-9][0-9]{0,4})*$ ]] ||
	die "ZCNET_BENCH_VNET_SIZES: super-frame sizes in bytes, 3000..65535"
for n in ${ZCNET_BENCH_VNET_SIZES:-}; do
	((n >= 3000 && n <= 65535)) || die "ZCNET_BENCH_VNET_SIZES: super-frame sizes in bytes, 3000..65535"
done
for n in ${ZCNET_BENCH_GSO_SIZES:-}; do
	((n <= 65507 && (n + 1471) / 1472 <= 128)) ||
		die "ZCNET_BENCH_GSO_SIZES: train sizes in bytes, up to 65507"
done
http_sizes="${ZCNET_BENCH_HTTP_SIZES:-4096 65536 1048576 16777216}"
[[ $http_sizes =~ ^[1-9][0-9]{0,7}(\ [1-9][0-9]{0,7})*$ ]] ||
	die "ZCNET_BENCH_HTTP_SIZES: file sizes in bytes, 1..16777216"
for n in $http_sizes; do
	((n <= 16777216)) || die "ZCNET_BENCH_HTTP_SIZES: file sizes in bytes, 1..16777216"
done
[[ ${ZCNET_BENCH_HTTP_CONNS:-8} =~ ^[1-9][0-9]{0,2}$ ]] ||
	die "ZCNET_BENCH_HTTP_CONNS: a connection count, 1..999"
profile="${ZCNET_BENCH_PROFILE:-}"
[[ $profile =~ ^([a-z0-9-]+:[0-9]+\ ?)*$ ]] || die "ZCNET_BENCH_PROFILE: words METHOD:SIZE"
# The boots: the matrix's, the receive case by queue's, and the UDP-train
# and super-frame cases' (see above). A boot runs when a method it takes
# is asked for, in the matrix or as a profile cell.
uso_methods="gso-sendmsg gso-zerocopy zcnet-gso afp-vnet zcnet-vnet"
asked=""
[[ -z ${ZCNET_BENCH_METHODS:-} ]] || asked=" $ZCNET_BENCH_METHODS $(sed 's/:[0-9]*//g' <<<"$profile") "
wanted() { # wanted METHODS: whether the run takes any of them
	local m
	[[ -z $asked ]] && return 0
	for m in $1; do
		[[ $asked == *" $m "* ]] && return 0
	done
	return 1
}
rxq=0 uso=0 uso_qemu=system
wanted zcnet-rxq && rxq=1
[[ $ZCNET_QEMU == system && ${ZCNET_BENCH_USO_QEMU:-backports} == backports ]] &&
	wanted "$uso_methods" && uso=1
for v in ZCNET_BENCH_RX_FRAMES ZCNET_BENCH_RX_RATE ZCNET_BENCH_PING_FRAMES ZCNET_BENCH_BUSY_POLL_USEC; do
	[[ ${!v:-1} =~ ^[1-9][0-9]{0,8}$ ]] || die "$v must be a number of frames (1..999999999)"
done
[[ ${ZCNET_BENCH_MODPARAMS:-} =~ ^([a-z_]+=[0-9]+\ ?)*$ ]] ||
	die "ZCNET_BENCH_MODPARAMS: words NAME=NUMBER"

need_root
cd "$ZCNET_ROOT"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

say "packages"
deps=()
[[ -z $profile ]] || deps+=(linux-perf)
"$ZCNET_SCRIPTS/deps.sh" "${deps[@]}"
if ((uso)); then
	if (ZCNET_QEMU=backports && qemu_select); then
		uso_qemu=backports
	else
		say "no QEMU from bookworm-backports: the UDP-train and super-frame cases run on Debian 12's"
		uso=0 uso_qemu=unavailable
	fi
fi
left="$asked" # the matrix's boot: not when the others take every method asked for
left="${left// zcnet-rxq / }"
if ((uso)); then
	for m in $uso_methods; do left="${left// $m / }"; done
fi
main=1
[[ -n $asked && -z ${left// /} ]] && main=0
kver="" ko=""
guest_kernel_module "${ZCNET_BENCH_KERNEL:-}"

say "tools and zcnet-bench (static)"
make -C userspace STATIC=1 O="$ZCNET_BUILD/userspace-static" tools
make -C userspace/bench STATIC=1 O="$ZCNET_BUILD/bench-static"
start_time="$(date +%s)"
stamp="$(date -u -d "@$start_time" +%Y%m%d-%H%M%S)"
out="$ZCNET_BUILD/bench/$stamp"
stage="$ZCNET_BUILD/bench/.stage"
rm -rf "$stage"
mkdir -p "$out" "$stage/tools" "$stage/extra/bench"
find "$ZCNET_BUILD/userspace-static" -maxdepth 1 -type f -perm -u+x ! -name '*.so*' \
	-exec cp {} "$stage/tools/" \;
cp "$ZCNET_BUILD/bench-static/zcnet-bench" "$stage/tools/"

say "initramfs"
"$ZCNET_SCRIPTS/qemu/initramfs.sh" "$kver" "$stage/initrd.cpio.gz" --ko "$ko" --tools "$stage/tools" \
	--perf "$([[ -n $profile ]] && echo yes || echo no)"
install -m 0755 "$ZCNET_SCRIPTS/bench/guest.sh" "$stage/extra/bench/guest-bench.sh"
pktgen="$(modinfo -k "$kver" -n pktgen 2>/dev/null || true)"
case "$pktgen" in
*.ko) cp "$pktgen" "$stage/extra/bench/pktgen.ko" ;;
*.ko.xz) xz -dc "$pktgen" >"$stage/extra/bench/pktgen.ko" ;;
*) say "no pktgen module for $kver: no pktgen rows" ;;
esac
initrd_append "$stage/extra" "$stage/initrd.cpio.gz"

append="zcnet.env.ZCNET_BENCH_SECONDS=$secs zcnet.env.ZCNET_BENCH_REPS=$reps"
vm_ruler=(--smp 2 --queues 2) rxq_ruler=(--smp 2 --queues 4)
if [[ $ruler == icount ]]; then
	vm_ruler=(--smp 1 --icount --host-peer "$stage/tools/zcnet-bench" --rx-release-us 100)
	rxq_ruler=(--smp 1 --icount --host-peer "$stage/tools/zcnet-bench" --queues 4)
	append+=" zcnet.env.ZCNET_BENCH_HOST=10.99.0.3"
fi
append+=" zcnet.env.ZCNET_BENCH_SCALING=$scaling"
vm_ruler+=(--tx-flush-us "$tx_flush") rxq_ruler+=(--tx-flush-us "$tx_flush")
for v in ZCNET_BENCH_METHODS ZCNET_BENCH_RAW_SIZES ZCNET_BENCH_TCP_SIZES ZCNET_BENCH_UDP_SIZES \
	ZCNET_BENCH_RX_SIZES ZCNET_BENCH_RX_FRAMES ZCNET_BENCH_RX_RATE ZCNET_BENCH_PROFILE \
	ZCNET_BENCH_MODPARAMS ZCNET_BENCH_CONNS ZCNET_BENCH_GSO_SIZES ZCNET_BENCH_PING_SIZES \
	ZCNET_BENCH_PING_FRAMES ZCNET_BENCH_BUSY_POLL_USEC ZCNET_BENCH_RXQ_QUEUES \
	ZCNET_BENCH_VNET_SIZES ZCNET_BENCH_HTTP_SIZES ZCNET_BENCH_HTTP_CONNS; do
	[[ -z ${!v:-} ]] || append+=" zcnet.env.$v=${!v// /,}"
done
# Each run takes its seconds plus about four of setup and draining (the
# file server's about ten more); a profile adds perf's report.
guest_limit=$((reps * 60 * (secs + 8) + reps * 2 * $(wc -w <<<"$http_sizes") * (secs + 18) +
	$(wc -w <<<"$profile") * (secs + 120) + 300))
# Under icount the guest's clock jumps while it idles, so a limit the guest
# keeps may pass in no time: only the host's (vm.sh --timeout) bounds it.
run_limit=(--run-timeout "$guest_limit")
[[ $ruler == wall ]] || run_limit=()

results="$out/guest/results.log"
# The guests' progress as one line, on stderr: the boots run one after the
# other, so it follows the last of their logs that exists.
progress() {
	local seen=0 total line results="" f
	while sleep 2; do
		for f in "$out"/guest{-rxq,-uso,}/results.log; do
			[[ -f $f ]] && break
		done
		[[ -f $f ]] || continue
		[[ $f == "$results" ]] || results="$f" seen=0
		# vm.sh removes a log when it boots a guest again
		total="$({ wc -l <"$results"; } 2>/dev/null)" || continue
		((total > seen)) || continue
		line="$(sed -n "$((seen + 1)),${total}p" "$results" 2>/dev/null | tr -d '\r' |
			grep -E '^bench: progress ' | tail -n1 || true)"
		seen="$total"
		[[ -z $line ]] && continue
		if [[ -t 2 ]]; then
			printf '\r\033[K%s' "${line#bench: }" >&2
		else
			printf '%s\n' "${line#bench: }" >&2
		fi
	done
}
progress &
follower=$!
trap 'kill "$follower" 2>/dev/null || true' EXIT

say "guest: $kver, IOMMU $iommu, $reps repetitions of ${secs}s per cell, results in $out"
started=$SECONDS
rc=0
if ((main)); then
	"$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$kver" --initrd "$stage/initrd.cpio.gz" --out "$out/guest" \
		--iommu "$iommu" --nic virtio --mtu 9000 "${vm_ruler[@]}" \
		--run /bench/guest-bench.sh "${run_limit[@]}" --timeout $((guest_limit + 180)) \
		--append "$append$( ((uso)) && echo " zcnet.env.ZCNET_BENCH_ONLY=main")" || rc=$?
fi
runs_so_far=$(grep -c '^BENCH ' "$results" 2>/dev/null || true)
runs_so_far=${runs_so_far:-0}
uso_rc=0 uso_log=""
if ((uso)); then
	results="$out/guest-uso/results.log"
	say "guest for the UDP-train and super-frame cases: QEMU from bookworm-backports, results in $out/guest-uso"
	ZCNET_QEMU=backports "$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$kver" --initrd "$stage/initrd.cpio.gz" \
		--out "$out/guest-uso" --iommu "$iommu" --nic virtio --mtu 9000 "${vm_ruler[@]}" \
		--run /bench/guest-bench.sh "${run_limit[@]}" --timeout $((guest_limit + 180)) \
		--append "$append zcnet.env.ZCNET_BENCH_ONLY=uso zcnet.env.ZCNET_BENCH_FIRST_RUN=$runs_so_far" ||
		uso_rc=$?
	uso_log="$(tr -d '\r' <"$results" 2>/dev/null || true)"
	runs_so_far=$((runs_so_far + $(grep -c '^BENCH ' <<<"$uso_log" || true)))
fi
rxq_rc=0 rxq_log=""
if ((rxq)); then
	main_runs=$runs_so_far
	results="$out/guest-rxq/results.log"
	say "guest for the receive case by RX queue: four queue pairs, results in $out/guest-rxq"
	"$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$kver" --initrd "$stage/initrd.cpio.gz" \
		--out "$out/guest-rxq" --iommu "$iommu" --nic virtio --mtu 9000 "${rxq_ruler[@]}" \
		--run /bench/guest-bench.sh "${run_limit[@]}" --timeout $((guest_limit + 180)) \
		--append "$append zcnet.env.ZCNET_BENCH_ONLY=rxq zcnet.env.ZCNET_BENCH_FIRST_RUN=${main_runs:-0}" ||
		rxq_rc=$?
	rxq_log="$(tr -d '\r' <"$results" 2>/dev/null || true)"
fi
sleep 2.5
kill "$follower" 2>/dev/null || true
wait "$follower" 2>/dev/null || true
trap - EXIT
[[ -t 2 ]] && echo >&2
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

log="$(tr -d '\r' <"$out/guest/results.log" 2>/dev/null || true)"
grep -h '^BENCH ' <<<"$log"$'\n'"$uso_log"$'\n'"$rxq_log" >"$out/runs.txt" || true
if [[ -n $profile ]]; then
	sed -n 's/^PROFILE //p' <<<"$log"$'\n'"$uso_log" | grep -v '^[^ ]* [^ ]* folded ' >"$out/profile.txt" || true
	for cell in $profile; do
		sed -n "s/^PROFILE ${cell%%:*} ${cell#*:} folded //p" <<<"$log"$'\n'"$uso_log" \
			>"$out/perf-${cell%%:*}-${cell#*:}.folded"
	done
fi
[[ -s $out/runs.txt ]] || die "the guests reported no run (vm.sh status $rc $uso_rc $rxq_rc; see $out/guest*/)"
problems=()
if ((main)); then
	guest_problems "the guest" "$log" "$rc" "$out/guest"
fi
if ((uso)); then
	guest_problems "the UDP-train guest" "$uso_log" "$uso_rc" "$out/guest-uso"
fi
if ((rxq)); then
	guest_problems "the receive-queue guest" "$rxq_log" "$rxq_rc" "$out/guest-rxq"
fi

# What the run ran on; scripts/bench/report.sh puts it at the head of the
# table and of the run's page under Documentation/perf/
qemu_cmd="$(cat "$out/guest/qemu.cmd" "$out/guest-uso/qemu.cmd" "$out/guest-rxq/qemu.cmd" 2>/dev/null |
	head -n1 || true)"
nic="virtio-net, tap backends with vnet headers in a bridge, MTU 9000 offered"
if [[ $ruler == icount ]]; then
	nic+=", 1 queue pair (the receive-queue case: 4, without the release filter); sinks on the build machine on the bridge (10.99.0.3), the guest's second NIC down; packets to the guest released every 100 us of its clock"
else
	nic+=", 2 queue pairs (1 in use but for the scaling runs); sinks in the guest on its second NIC"
fi
[[ $iommu == off ]] || nic+=", behind the emulated Intel IOMMU in strict mode"
((tx_flush == 0)) || nic+=", transmit queue taken every $tx_flush us of the guest's clock (tx=timer)"
settings="ruler $ruler, $reps repetitions of ${secs}s per cell, scaling runs $( ((scaling)) && echo on || echo off)"
for v in ZCNET_BENCH_METHODS ZCNET_BENCH_RAW_SIZES ZCNET_BENCH_TCP_SIZES ZCNET_BENCH_UDP_SIZES \
	ZCNET_BENCH_RX_SIZES ZCNET_BENCH_RX_FRAMES ZCNET_BENCH_RX_RATE ZCNET_BENCH_PROFILE \
	ZCNET_BENCH_MODPARAMS ZCNET_BENCH_CONNS ZCNET_BENCH_GSO_SIZES ZCNET_BENCH_PING_SIZES \
	ZCNET_BENCH_PING_FRAMES ZCNET_BENCH_BUSY_POLL_USEC ZCNET_BENCH_RXQ_QUEUES \
	ZCNET_BENCH_VNET_SIZES ZCNET_BENCH_HTTP_SIZES ZCNET_BENCH_HTTP_CONNS ZCNET_VIRTIO_OPTS ZCNET_QEMU \
	ZCNET_BENCH_USO_QEMU ZCNET_BENCH_TX_FLUSH_US; do
	[[ -z ${!v:-} ]] || settings+=", $v=${!v}"
done
{
	echo "date: $(date -u -d "@$start_time" '+%Y-%m-%d %H:%M') UTC"
	echo "git commit: $(git -C "$ZCNET_ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "kernel: $kver"
	echo "guest: $(grep -h -m1 '^BENCH-ENV ' <<<"$log"$'\n'"$uso_log"$'\n'"$rxq_log" | cut -d' ' -f2-)"
	if ((main || rxq)); then
		echo "QEMU: $(qemu_select && qemu-system-x86_64 --version | head -n1)"
	fi
	case $uso_qemu in
	backports)
		echo "QEMU of the UDP-train and super-frame cases: $(ZCNET_QEMU=backports && qemu_select &&
			qemu-system-x86_64 --version | head -n1), from bookworm-backports; guest $(grep -h -m1 '^BENCH-ENV ' <<<"$uso_log" |
			grep -o 'udp-segmentation=[a-z]*' || echo 'udp-segmentation=unknown')"
		;;
	unavailable)
		echo "QEMU of the UDP-train and super-frame cases: the one above; the QEMU from bookworm-backports could not be had, so no device segmented UDP"
		;;
	esac
	echo "accelerator: $(grep -oE -- '-accel [^ ]+ -cpu [^ ]+' <<<"$qemu_cmd" || echo unknown), icount $(grep -oE -- '-icount [^ ]+' <<<"$qemu_cmd" || echo off)"
	echo "NIC: $nic"
	echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, kernel $(uname -r)"
	echo "host load average (1/5/15 min): before $load_before, after $load_after"
	echo "settings: $settings"
	echo "wall time of the guest: $((SECONDS - started)) s"
} >"$out/env.txt"

"$ZCNET_SCRIPTS/bench/report.sh" "$out"

if [[ -n $profile ]]; then
	"$ZCNET_SCRIPTS/bench/profile.sh" "$out" >/dev/null ||
		problems+=("scripts/bench/profile.sh could not summarise the profiles")
	say "profiles: $out/profile.txt, $out/profile-summary.txt"
fi
for p in "${problems[@]}"; do
	echo "bench: $p"
done
say "results: $out"
((${#problems[@]} == 0))
