#!/bin/bash
# Build zcnet.ko out of tree for one installed kernel, with W=1 (and, with
# --sparse, C=2: sparse on every file). Passes only if the build succeeds and
# its log has no line containing "warning:" (any case, so modpost's count).
#
#   kmod-build.sh KVER [--sparse] [--kdir DIR]
#
# --kdir builds against the kernel build tree DIR (a debug kernel's make O=
# tree) instead of /lib/modules/KVER/build.
#
# The sources (Kbuild, VERSION, module/, uapi/) are copied to build/kmod/KVER/, so the
# module ends up at build/kmod/KVER/zcnet.ko; the log is build/kmod/KVER.log
# (KVER.sparse.log with --sparse).
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() { die "usage: $0 KVER [--sparse] [--kdir DIR]"; }
(($# >= 1)) || usage
kver="$1"
shift
flags=(W=1)
log="$ZCNET_BUILD/kmod/$kver.log"
kdir="/lib/modules/$kver/build"
while (($#)); do
	case "$1" in
	--sparse)
		flags+=(C=2)
		log="$ZCNET_BUILD/kmod/$kver.sparse.log"
		shift
		;;
	--kdir)
		(($# >= 2)) || usage
		kdir="$2"
		shift 2
		;;
	*) usage ;;
	esac
done
dir="$ZCNET_BUILD/kmod/$kver"
[[ -d $kdir ]] || die "no headers for $kver at $kdir"
[[ -f $ZCNET_ROOT/Kbuild ]] || die "no Kbuild at the repo root"

rm -rf "$dir"
mkdir -p "$dir"
cp -a "$ZCNET_ROOT"/{Kbuild,VERSION,module,uapi} "$dir/"

rc=0
make -C "$kdir" M="$dir" "${flags[@]}" modules >"$log" 2>&1 || rc=$?
if ((rc != 0)); then
	tail -n 40 "$log" >&2
	die "build for $kver failed (rc=$rc), log: $log"
fi
if grep -i 'warning:' "$log" >&2; then
	die "build for $kver has warnings, log: $log"
fi
say "built $dir/zcnet.ko (${flags[*]}), no warnings"
