#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The exported ring helpers are the header's: the zcnet_ring_* functions
# libzcnet.so.1 defines under LIBZCNET_1.5 must be exactly the functions libzcnet.h
# defines (the static inline ring helpers), and test_ring_export.c must
# drive every one of them (its list, RING_FUNCS in ring_ops.h). A helper
# added to the header without its export, or its test, fails here.
# Usage: ring_exports_test.sh LIBZCNET_SO HEADER_BODIES_O RING_OPS_H
#   HEADER_BODIES_O: libzcnet.h compiled with -Dstatic= -Dinline=, so that
#   each function it defines is an external definition.
set -u

SO=${1:?usage: $0 LIBZCNET_SO HEADER_BODIES_O RING_OPS_H}
BODIES=${2:?usage: $0 LIBZCNET_SO HEADER_BODIES_O RING_OPS_H}
OPS=${3:?usage: $0 LIBZCNET_SO HEADER_BODIES_O RING_OPS_H}
T=$(mktemp -d "${TMPDIR:-/tmp}/zcnet-exports-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# same WHAT-A A WHAT-B B: the two sorted name lists are equal.
same() {
	diff -u "$2" "$4" >"$T/diff" ||
		fail "$1 and $3 differ (-$1 +$3): $(cat "$T/diff")"
}

nm --defined-only "$BODIES" | awk '$2 == "T" { print $3 }' |
	LC_ALL=C sort >"$T/header" || fail "nm $BODIES"
[ -s "$T/header" ] || fail "no function defined in the header"

# Symbol table lines: Num Value Size Type Bind Vis Ndx Name[@[@]VERSION].
readelf -W --dyn-syms "$SO" >"$T/dynsym" || fail "readelf $SO"
awk '$NF ~ /^zcnet_ring_.*@@?LIBZCNET_1\.5$/ {
	if ($4 != "FUNC" || $5 != "GLOBAL" || $7 == "UND")
		print "not a defined function: " $0 > "/dev/stderr"
	sub(/@.*/, "", $NF)
	print $NF
}' "$T/dynsym" | LC_ALL=C sort >"$T/exported"
same "the header's functions" "$T/header" \
	"LIBZCNET_1.5 of libzcnet.so.1" "$T/exported"

# Nothing else is new: no ring helper in an older node.
for f in $(cat "$T/header"); do
	grep -E " $f@@?LIBZCNET_1\.[0-4]\$" "$T/dynsym" >/dev/null &&
		fail "$f is also in an older version node"
done

grep -oE '\<X\([a-z0-9_]+\)' "$OPS" | sed 's/^X(\(.*\))$/zcnet_ring_\1/' |
	LC_ALL=C sort >"$T/tested"
same "the header's functions" "$T/header" "RING_FUNCS" "$T/tested"

if [ "$fails" -ne 0 ]; then
	echo "ring_exports_test: $fails check(s) failed" >&2
	exit 1
fi
echo "ring_exports_test: ok ($(wc -l <"$T/header") helpers)"
