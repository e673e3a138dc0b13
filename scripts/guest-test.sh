#!/bin/bash
# Boot one kernel with what the build produced, run the tests in it and
# summarise them.
#
#   guest-test.sh KVER [--iommu on|off] [--nic virtio|vmxnet3]
#
# Puts build/kmod/KVER/zcnet.ko, build/selftests/ and build/guest-tools/
# (each if present) into an initramfs, boots it with scripts/vm.sh and prints
# scripts/tap2sum.sh's lines, labelled KVER (plus NIC and IOMMU when not the
# default virtio with IOMMU on; last: "TOTAL passed=N failed=N skipped=N");
# exits as tap2sum does. Everything lands in build/guest/KVER-NIC-iommuON|OFF/.
# The per-test timeout comes from selftests/zcnet/settings (timeout=N),
# ZCNET_VM_TIMEOUT overrides the whole guest's timeout.
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($# >= 1)) || die "usage: $0 KVER [--iommu on|off] [--nic virtio|vmxnet3]"
kver="$1"
shift
iommu=on nic=virtio
while (($#)); do
	(($# >= 2)) || die "missing value for $1"
	case "$1" in
	--iommu) iommu="$2" ;;
	--nic) nic="$2" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

out="$ZCNET_BUILD/guest/$kver-$nic-iommu$iommu"
ko="$ZCNET_BUILD/kmod/$kver/zcnet.ko"
tests="$ZCNET_BUILD/selftests"
tools="$ZCNET_BUILD/guest-tools"

test_timeout="$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$ZCNET_ROOT/selftests/zcnet/settings" 2>/dev/null || true)"
test_timeout="${test_timeout:-120}"
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
rm -rf "$out"
mkdir -p "$out"
"$ZCNET_SCRIPTS/initramfs.sh" "${args[@]}"

"$ZCNET_SCRIPTS/vm.sh" --kernel "$kver" --initrd "$out/initrd.cpio.gz" --out "$out" \
	--iommu "$iommu" --nic "$nic" --timeout "$vm_timeout" \
	--test-timeout "$test_timeout" || true

label="$kver"
[[ $nic == virtio && $iommu == on ]] || label+=" $nic iommu-$iommu"
"$ZCNET_SCRIPTS/tap2sum.sh" "$out" "$label" | tee "$out/summary.txt"
