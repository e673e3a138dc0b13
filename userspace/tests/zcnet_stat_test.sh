#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# zcnet-stat argument handling and output, against a fake procfs tree.
# Usage: zcnet_stat_test.sh PATH-TO-zcnet-stat
set -u

STAT=${1:?usage: $0 PATH-TO-zcnet-stat}
T=$(mktemp -d "${TMPDIR:-/tmp}/zcnet-stat-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect STATUS CMD...: run CMD, keep stdout/stderr in $T/out and $T/err.
expect() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want"
}

has() {	# has FILE TEXT
	grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(cat "$1")"
}

# Usage and argument errors.
expect 0 "$STAT" -h
has "$T/out" "Usage: zcnet-stat"
expect 0 "$STAT" --help
for args in "-x" "--bogus" "-p" "-p abc" "-p 0" "-p -3" "-p 12x" \
	    "-p 99999999999" "-f 3" "-p 1 -f" "-p 1 -f -1" "-p 1 -f x" \
	    "extra" "-p 1 extra" "--proc-root="; do
	# shellcheck disable=SC2086 # split the arguments on purpose
	expect 2 "$STAT" $args
	[ -s "$T/err" ] || fail "'$args': no message on stderr"
	[ -s "$T/out" ] && fail "'$args': output on stdout"
done
has "$T/err" "zcnet-stat:"

# A fake procfs: pid 4242 has zcnet fds 3 and 7 and /dev/null as fd 4;
# pid 4343 has no zcnet fd.
P=$T/proc
mkdir -p "$P/4242/fd" "$P/4242/fdinfo" "$P/4343/fd" "$P/4343/fdinfo" \
	"$P/self" "$P/sys"
printf 'fake "prog"\n' >"$P/4242/comm"
printf 'other\n' >"$P/4343/comm"
ln -s /dev/zcnet "$P/4242/fd/3"
ln -s /dev/null "$P/4242/fd/4"
ln -s "/dev/zcnet (deleted)" "$P/4242/fd/7"
ln -s /dev/null "$P/4343/fd/0"
printf 'pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t5\n' >"$P/4242/fdinfo/4"
printf 'pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t5\n' >"$P/4343/fdinfo/0"
{
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t15\nino:\t77\n'
	printf 'tx_kicks:\t1\ntx_descs:\t64\ntx_nops:\t64\ncq_posted:\t64\n'
	printf 'cq_signals:\t1\nregions:\t1\nmodule_contexts:\t2\n'
	printf 'rx_drop_split:\t3\n'
} >"$P/4242/fdinfo/3"
printf 'tx_nops:\t5\n' >"$P/4242/fdinfo/7"

expect 0 "$STAT" --proc-root "$P"
has "$T/out" 'pid 4242 fd 3 (fake "prog")'
has "$T/out" 'pid 4242 fd 7 (fake "prog")'
grep -q '^  tx_nops  *64$' "$T/out" || fail "no tx_nops 64 line"
grep -q '^  module_contexts  *2$' "$T/out" || fail "no module_contexts line"
grep -q '^  rx_frames  *0$' "$T/out" || fail "no rx_frames 0 line"
grep -q '^  rx_drop_split  *3$' "$T/out" || fail "no rx_drop_split 3 line"
# The newest counter comes last: line 31 of the first context's 31.
grep '^  ' "$T/out" | sed -n 31p | grep -q '^  rx_drop_split ' ||
	fail "rx_drop_split is not the last counter"
[ "$(grep -c '^pid ' "$T/out")" -eq 2 ] || fail "expected 2 contexts"
[ "$(grep -c '^  ' "$T/out")" -eq 62 ] || fail "expected 62 counter lines"
grep -q 'pid 4343' "$T/out" && fail "pid 4343 has no zcnet fd"

expect 0 "$STAT" --proc-root "$P" -j
has "$T/out" '"tx_nops": 64'
has "$T/out" '"module_contexts": 2, "rx_drop_split": 3}'
has "$T/out" '"comm": "fake \"prog\""'
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "expected 2 JSON lines"
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert [o["fd"] for o in objs] == [3, 7], objs
assert objs[0]["pid"] == 4242 and objs[0]["stats"]["tx_nops"] == 64
assert objs[1]["stats"]["tx_nops"] == 5
assert len(objs[0]["stats"]) == 31
assert list(objs[0]["stats"])[-1] == "rx_drop_split"
assert objs[0]["stats"]["rx_drop_split"] == 3
assert objs[1]["stats"]["rx_drop_split"] == 0
' "$T/out" || fail "JSON output does not parse as expected"
fi

expect 0 "$STAT" --proc-root "$P" -p 4242 -f 3
[ "$(grep -c '^pid ' "$T/out")" -eq 1 ] || fail "-f: expected 1 context"
has "$T/out" "pid 4242 fd 3"
expect 0 "$STAT" --proc-root "$P" -p 4242 -j
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-p -j: expected 2 JSON lines"

expect 1 "$STAT" --proc-root "$P" -p 4242 -f 4
has "$T/err" "not a zcnet fd"
expect 1 "$STAT" --proc-root "$P" -p 4242 -f 9
has "$T/err" "no such fd"
expect 1 "$STAT" --proc-root "$P" -p 4343
has "$T/err" "has no zcnet fd"
expect 1 "$STAT" --proc-root "$P" -p 5555
has "$T/err" "no such process"

# A zcnet link whose fdinfo has no counters is reported, not printed.
printf 'pos:\t0\n' >"$P/4242/fdinfo/7"
expect 0 "$STAT" --proc-root "$P" -p 4242
has "$T/err" "no zcnet counters"
[ "$(grep -c '^pid ' "$T/out")" -eq 1 ] || fail "expected 1 readable context"
expect 1 "$STAT" --proc-root "$P" -p 4242 -f 7

# No contexts at all.
mkdir "$T/empty"
expect 0 "$STAT" --proc-root "$T/empty"
has "$T/out" "no zcnet contexts found"
expect 0 "$STAT" --proc-root "$T/empty" -j
[ -s "$T/out" ] && fail "-j with no contexts printed on stdout"
has "$T/err" "no zcnet contexts found"
expect 1 "$STAT" --proc-root "$T/missing"

# The real /proc scan works (there may or may not be contexts).
expect 0 "$STAT"

if [ "$fails" -ne 0 ]; then
	echo "zcnet_stat_test: $fails failure(s)" >&2
	exit 1
fi
echo "zcnet_stat_test: ok"
