#!/bin/bash
# Build zcnet.ko out of tree for one installed kernel, with W=1 (and, with
# --sparse, C=2: sparse on every file). Passes only if the build succeeds and
# its log has no line containing "warning:" (any case, so modpost's count).
#
#   kmod-build.sh KVER [--sparse]
#
# The sources (Kbuild, module/, uapi/) are copied to build/kmod/KVER/, so the
# module ends up at build/kmod/KVER/zcnet.ko; the log is build/kmod/KVER.log
# (KVER.sparse.log with --sparse).
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($# == 1 || $# == 2)) || die "usage: $0 KVER [--sparse]"
kver="$1"
flags=(W=1)
log="$ZCNET_BUILD/kmod/$kver.log"
if (($# == 2)); then
	[[ $2 == --sparse ]] || die "usage: $0 KVER [--sparse]"
	flags+=(C=2)
	log="$ZCNET_BUILD/kmod/$kver.sparse.log"
fi
kdir="/lib/modules/$kver/build"
dir="$ZCNET_BUILD/kmod/$kver"
[[ -d $kdir ]] || die "no headers for $kver at $kdir"
[[ -f $ZCNET_ROOT/Kbuild ]] || die "no Kbuild at the repo root"

rm -rf "$dir"
mkdir -p "$dir"
cp -a "$ZCNET_ROOT"/{Kbuild,module,uapi} "$dir/"

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
