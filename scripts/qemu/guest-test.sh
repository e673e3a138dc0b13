#!/bin/bash
# Boot one kernel with what the build produced, run the tests in it and
# summarise them.
#
#   guest-test.sh KVER [--iommu on|off] [--nic virtio|vmxnet3]
#                 [--image BZIMAGE --modules-root DIR] [--append ARGS]
#                 [--slow N] [--queues N]
#
# Puts build/kmod/KVER/zcnet.ko, build/selftests/ and build/guest-tools/
# (each if present) into an initramfs, boots it with scripts/qemu/vm.sh to run
# the tests' runner (scripts/qemu/run-tests.sh) and prints
# scripts/qemu/tap2sum.sh's lines, labelled KVER (plus NIC and IOMMU when not the
# default virtio with IOMMU on; last: "TOTAL passed=N failed=N skipped=N");
# exits as tap2sum does. Everything lands in build/guest/KVER-NIC-iommuON|OFF/.
# virtio-net NICs get --queues N queue pairs (default 4, more than the
# guest's two vCPUs, so that the tests see a NIC whose driver enabled fewer
# queues than it has; zcnet_rxq_test turns them all on with ethtool -L);
# vmxnet3 in QEMU has one RX queue, so it gets one.
# The test guests' RAM (1 GiB, scripts/qemu/vm.sh) has 32 MiB at 512 MiB
# marked as legacy persistent memory (memmap=32M!512M): /dev/pmem0 where the
# kernel has nd_e820 and nd_pmem, for the file-region tests' DAX file. It
# lies well above the kernel and below the initramfs, which QEMU loads at the
# top of RAM, and KASLR keeps the kernel out of it.
# The per-test timeout comes from selftests/zcnet/settings (timeout=N),
# multiplied by --slow (for a debug kernel); ZCNET_VM_TIMEOUT overrides the
# whole guest's timeout. The runner kills what a test leaves running; it
# runs nothing more after a test stuck in the kernel or two tests in a row
# killed by their timeouts (scripts/qemu/run-tests.sh). A guest that writes
# no result for two minutes longer than a test's timeout is killed (vm.sh
# --stall).
#
# A kernel that is not installed (the debug kernel) is booted from --image,
# with its modules from --modules-root (see scripts/qemu/initramfs.sh); --append
# adds to the kernel command line.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

(($# >= 1)) || die "usage: $0 KVER [--iommu on|off] [--nic virtio|vmxnet3] [--image BZIMAGE --modules-root DIR] [--append ARGS] [--slow N] [--queues N]"
kver="$1"
shift
iommu=on nic=virtio image="$kver" modroot="" append="" slow=1 queues=""
while (($#)); do
	(($# >= 2)) || die "missing value for $1"
	case "$1" in
	--iommu) iommu="$2" ;;
	--nic) nic="$2" ;;
	--image) image="$2" ;;
	--modules-root) modroot="$2" ;;
	--append) append="$2" ;;
	--slow) slow="$2" ;;
	--queues) queues="$2" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[[ $slow =~ ^[1-9][0-9]*$ ]] || die "--slow takes a positive integer"
if [[ -z $queues ]]; then
	queues=4
	[[ $nic == virtio ]] || queues=1
fi
[[ $queues =~ ^[1-8]$ ]] || die "--queues takes 1..8"
[[ $nic == virtio || $queues == 1 ]] || die "--queues: only virtio-net NICs have several queues"

out="$ZCNET_BUILD/guest/$kver-$nic-iommu$iommu"
ko="$ZCNET_BUILD/kmod/$kver/zcnet.ko"
tests="$ZCNET_BUILD/selftests"
tools="$ZCNET_BUILD/guest-tools"

test_timeout="$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$ZCNET_ROOT/selftests/zcnet/settings" 2>/dev/null || true)"
test_timeout="$((${test_timeout:-120} * slow))"
ntests="$(find "$tests" -maxdepth 1 -name '*_test' -type f 2>/dev/null | wc -l)"
vm_timeout="${ZCNET_VM_TIMEOUT:-$((300 + ntests * (test_timeout + 10)))}"

args=("$kver" "$out/initrd.cpio.gz")
if [[ -f $ko ]]; then
	args+=(--ko "$ko")
else
	say "no $ko: the guest will report zcnet-loaded as failed"
fi
[[ -d $tests ]] && args+=(--tests "$tests")
[[ -d $tools ]] && args+=(--tools "$tools")
[[ -z $modroot ]] || args+=(--modules-root "$modroot")
rm -rf "$out"
mkdir -p "$out"
"$ZCNET_SCRIPTS/qemu/initramfs.sh" "${args[@]}"

"$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$image" --initrd "$out/initrd.cpio.gz" --out "$out" \
	--iommu "$iommu" --nic "$nic" --queues "$queues" --timeout "$vm_timeout" \
	--stall "$((test_timeout + 120))" \
	--run /lib/zcnet/run-tests \
	--append "memmap=32M!512M zcnet.env.ZCNET_TEST_TIMEOUT=$test_timeout${append:+ $append}" || true

label="$kver"
[[ $nic == virtio && $iommu == on ]] || label+=" $nic iommu-$iommu"
"$ZCNET_SCRIPTS/qemu/tap2sum.sh" "$out" "$label" | tee "$out/summary.txt"
