#!/bin/bash
# Build a kselftest directory the kernel way, without a kernel tree.
#
#   ksft.sh OUTDIR [SRCDIR] [VAR=VALUE...]
#
# SRCDIR (default: the repo's selftests/zcnet) is copied next to lib.mk in a
# kselftest framework extracted from Debian's linux-source-6.12 tarball
# (cached by scripts/ksrc.sh), then built with
# `make OUTPUT=OUTDIR ZCNET_UAPI=<repo>/uapi VAR=VALUE...`. The run order
# (`make emit_tests`, as kselftest's own install writes it) goes to
# OUTDIR/kselftest-list.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($# >= 1)) || die "usage: $0 OUTDIR [SRCDIR] [VAR=VALUE...]"
outdir="$1"
shift
srcdir="$ZCNET_ROOT/selftests/zcnet"
if (($#)) && [[ $1 != *=* ]]; then
	srcdir="$1"
	shift
fi
[[ -f $srcdir/Makefile ]] || die "no selftest Makefile in $srcdir"

# What lib.mk and the harness headers need from the kernel tree.
tree="$("$ZCNET_SCRIPTS/ksrc.sh" ksft \
	tools/testing/selftests/lib.mk \
	tools/testing/selftests/kselftest.h \
	tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/kselftest_module.h \
	tools/testing/selftests/kselftest \
	tools/include \
	scripts/subarch.include)"

testdir="$tree/tools/testing/selftests/$(basename "$srcdir")"
rm -rf "$testdir"
cp -a "$srcdir" "$testdir"

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
say "building selftests from $srcdir into $outdir"
make -C "$testdir" -j"$(nproc)" OUTPUT="$outdir" ZCNET_UAPI="$ZCNET_ROOT/uapi" "$@"
make -s --no-print-directory -C "$testdir" OUTPUT="$outdir" ZCNET_UAPI="$ZCNET_ROOT/uapi" "$@" \
	COLLECTION="$(basename "$srcdir")" emit_tests >"$outdir/kselftest-list.txt"
