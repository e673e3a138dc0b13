#!/bin/bash
# `make demo`: a verified zero-copy transfer between two NICs of a QEMU guest,
# next to the same transfer with AF_PACKET.
#
# As root: installs what is missing (scripts/deps.sh), builds zcnet.ko for
# Debian's 6.12 cloud kernel, the tools (static), an initramfs with both and
# scripts/demo/guest.sh, and boots one guest with scripts/qemu/vm.sh (IOMMU on,
# virtio-net on tap devices, the topology of `make check`) that runs it
# (zcnet.run=/demo/guest-demo.sh). At least 1 GiB of 1500-byte frames
# crosses between the guest and this machine four times: sent by the guest
# with zcnet-send in zero copy, with zcnet-send at the copy threshold the
# module picks for the device, and with zcnet-send --method afp
# (AF_PACKET), each to zcnet-recv --method afp on this machine; and sent
# by this machine (zcnet-bench gen) to zcnet-recv in the guest. The
# receivers verify every frame (scripts/demo/guest.sh).
# The guest has one vCPU and runs under -icount shift=0,sleep=off, the
# benchmark's ruler: its busy time counts the instructions it ran, so its
# CPU column is the guest's side alone, on a measure that holds still. The
# programs on this machine run in the bridge's private namespace, through
# zcnet-bench serve (scripts/qemu/vm.sh --host-peer); nothing is loaded
# into this machine's kernel.
# Prints the guest's side-by-side summary and whether all four transfers
# verified; exits non-zero if any did not.
#
# Environment: ZCNET_DEMO_BYTES (default 1073741824) bytes per transfer,
# ZCNET_DEMO_KERNEL (default: the 6.12 kernel from scripts/qemu/kernels.sh),
# ZCNET_DEMO_TIMEOUT (seconds for the whole guest, default from the size),
# ZCNET_DEMO_IOMMU (on, the default, in strict mode; off to see the cost
# without DMA translation).
# Everything lands in build/demo/.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

bytes="${ZCNET_DEMO_BYTES:-1073741824}"
iommu="${ZCNET_DEMO_IOMMU:-on}"
[[ $iommu == @(on|off) ]] || die "ZCNET_DEMO_IOMMU must be on or off"
[[ $bytes =~ ^[1-9][0-9]{0,11}$ ]] || die "ZCNET_DEMO_BYTES must be a byte count"
# A TCG guest moves tens of MB/s: allow 1 MB/s per transfer, plus boot.
timeout="${ZCNET_DEMO_TIMEOUT:-$((900 + 4 * bytes / 1000000))}"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "ZCNET_DEMO_TIMEOUT must be seconds"
out="$ZCNET_BUILD/demo"

need_root
cd "$ZCNET_ROOT"

say "packages"
"$ZCNET_SCRIPTS/deps.sh"
kver="" ko=""
guest_kernel_module "${ZCNET_DEMO_KERNEL:-}"

say "tools and zcnet-bench (static)"
make -C userspace STATIC=1 O="$ZCNET_BUILD/userspace-static" tools
make -C userspace/bench STATIC=1 O="$ZCNET_BUILD/bench-static"
rm -rf "$out"
mkdir -p "$out/tools" "$out/extra/demo"
find "$ZCNET_BUILD/userspace-static" -maxdepth 1 -type f -perm -u+x ! -name '*.so*' \
	-exec cp {} "$out/tools/" \;
cp "$ZCNET_BUILD/bench-static/zcnet-bench" "$out/tools/"
for tool in zcnet-send zcnet-recv zcnet-stat zcnet-bench; do
	[[ -x $out/tools/$tool ]] || die "$tool was not built"
done

say "initramfs"
"$ZCNET_SCRIPTS/qemu/initramfs.sh" "$kver" "$out/initrd.cpio.gz" --ko "$ko" --tools "$out/tools"
# The demo script rides in one more archive appended to the image.
install -m 0755 "$ZCNET_SCRIPTS/demo/guest.sh" "$out/extra/demo/guest-demo.sh"
initrd_append "$out/extra" "$out/initrd.cpio.gz"

# Show the guest's "demo:" lines while it runs.
results="$out/guest/results.log"
follow() {
	local seen=0 total
	while sleep 2; do
		[[ -f $results ]] || continue
		total="$(wc -l <"$results")"
		((total > seen)) || continue
		sed -n "$((seen + 1)),${total}p" "$results" | tr -d '\r' |
			grep -E '^(demo: |# zcnet-init: )' || true
		seen="$total"
	done
}
follow &
follower=$!
trap 'kill "$follower" 2>/dev/null || true' EXIT

say "guest: $kver, IOMMU $iommu, demo of $bytes bytes per transfer, timeout ${timeout}s"
rc=0
"$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$kver" --initrd "$out/initrd.cpio.gz" --out "$out/guest" \
	--iommu "$iommu" --nic virtio --timeout "$timeout" \
	--smp 1 --icount --host-peer "$out/tools/zcnet-bench" --rx-release-us 100 \
	--run /demo/guest-demo.sh \
	--append "zcnet.env.ZCNET_DEMO_BYTES=$bytes zcnet.env.ZCNET_DEMO_HOST=10.99.0.3" || rc=$?
sleep 2.5 # the follower's last round
kill "$follower" 2>/dev/null || true
wait "$follower" 2>/dev/null || true
trap - EXIT

log="$(tr -d '\r' <"$results" 2>/dev/null || true)"
console="$(tr -d '\r' <"$out/guest/console.log" 2>/dev/null || true)"
problems=()
guest_problems "the guest" "$log" "$rc" "$out/guest"
panic="$(grep -m1 -E 'Kernel panic|BUG:|WARNING:|Oops' <<<"$console" || true)"
[[ -z $panic ]] || problems+=("guest console: $panic")
while read -r line; do
	problems+=("guest topology: ${line#not ok }")
done < <(sed -n '/^ZCNET-BEGIN guest-topology$/,/^ZCNET-END guest-topology/p' <<<"$log" | grep '^not ok' || true)

echo
if grep -q '^ZCNET-DEMO-SUMMARY-BEGIN$' <<<"$log"; then
	sed -n '/^ZCNET-DEMO-SUMMARY-BEGIN$/,/^ZCNET-DEMO-SUMMARY-END$/p' <<<"$log" | sed '1d;$d'
else
	problems+=("the guest printed no summary (see $results)")
fi
echo

verdict="$(grep -m1 '^ZCNET-DEMO-VERDICT ' <<<"$log" || true)"
zc="$(sed -n 's/.* zcnet=\([a-z]*\).*/\1/p' <<<"$verdict")"
zd="$(sed -n 's/.* zcnet_default=\([a-z]*\).*/\1/p' <<<"$verdict")"
afp="$(sed -n 's/.* af_packet=\([a-z]*\).*/\1/p' <<<"$verdict")"
zr="$(sed -n 's/.* zcnet_recv=\([a-z]*\).*/\1/p' <<<"$verdict")"
for p in "${problems[@]}"; do
	echo "demo: $p"
done
say "logs: $out/guest/ (results.log, console.log)"
if [[ $zc == verified && $zd == verified && $afp == verified &&
	$zr == verified ]] && ((${#problems[@]} == 0)); then
	echo "demo: all four transfers verified: every frame arrived byte-exact (zcnet zero copy and at its default threshold to AF_PACKET, AF_PACKET to AF_PACKET, and into zcnet's receive)"
	exit 0
fi
# verdict STATUS: one transfer's status in words
verdict() {
	case "$1" in
	verified) echo "verified" ;;
	"") echo "no result" ;;
	*) echo "FAILED verification" ;;
	esac
}
zc_text="$(verdict "$zc")" zd_text="$(verdict "$zd")"
[[ $zc != unsupported ]] ||
	zc_text="NOT RUN: this zcnet module has no raw-frame transmit (ZCNET_IOC_BIND: EOPNOTSUPP)"
afp_text="$(verdict "$afp")" zr_text="$(verdict "$zr")"
echo "demo: NOT all verified: zcnet zero copy: $zc_text; zcnet default threshold: $zd_text; AF_PACKET: $afp_text; into zcnet-recv: $zr_text"
exit 1
