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

# A module that prints the lines after the counters too: identity,
# thresholds, rings, memory, bindings and sockets; a line nobody knows and
# a socket line that does not parse are left out.
P2=$T/proc2
mkdir -p "$P2/4444/fd" "$P2/4444/fdinfo"
printf 'sender\n' >"$P2/4444/comm"
ln -s /dev/zcnet "$P2/4444/fd/5"
{
	printf 'pos:\t0\nflags:\t02100002\nmnt_id:\t15\nino:\t78\n'
	printf 'abi_version:\t3\nctx_id:\t12\ntx_kicks:\t2\ntx_frames:\t10\n'
	printf 'regions:\t1\ntx_copy_threshold:\t4096\n'
	printf 'sock_copy_threshold:\t8192\nrx_busy_polls:\t0\nrx_napi_id:\t0\n'
	printf 'busy_poll_usec:\t0\nbusy_poll_budget:\t8\n'
	printf 'tx_entries:\t256\ntx_producer:\t10\ntx_consumer:\t9\n'
	printf 'cq_entries:\t512\ncq_producer:\t9\ncq_consumer:\t9\n'
	printf 'region_bytes:\t1048576\n'
	printf 'rx_dev:\teth1\nrx_ifindex:\t3\nrx_match:\t1\nrx_ethertype:\t34997\n'
	printf 'rx_port:\t0\nrx_queue:\t1\n'
	printf 'tx_dev:\teth0\ntx_ifindex:\t2\ntx_queue:\t0\n'
	printf 'sockets:\t2\nsocket:\t0 ino 1234 udp\n'
	printf 'future_field:\t99\nsocket:\tgarbage\nsocket:\t5 ino 5678 tcp\n'
} >"$P2/4444/fdinfo/5"

expect 0 "$STAT" --proc-root "$P2"
for want in 'abi_version  *3' 'ctx_id  *12' 'tx_frames  *10' \
	    'tx_copy_threshold  *4096' 'sock_copy_threshold  *8192' \
	    'busy_poll_budget  *8' 'tx_entries  *256' 'tx_producer  *10' \
	    'cq_entries  *512' 'cq_consumer  *9' 'region_bytes  *1048576' \
	    'regions  *1' 'rx_dev  *eth1' 'rx_ifindex  *3' 'rx_match  *1' \
	    'rx_ethertype  *34997' 'rx_port  *0' 'rx_queue  *1' \
	    'tx_dev  *eth0' 'tx_ifindex  *2' 'tx_queue  *0' 'sockets  *2' \
	    'socket  *0 ino 1234 udp' 'socket  *5 ino 5678 tcp'; do
	grep -q "^  $want\$" "$T/out" || fail "no '$want' line: $(cat "$T/out")"
done
grep -q 'future_field\|garbage\|fill_entries\|rx_entries' "$T/out" &&
	fail "unknown or absent fields printed"
[ "$(grep -c '^  socket ' "$T/out")" -eq 2 ] || fail "expected 2 socket lines"
# Identity first, the counters, then the rest in the module's order.
grep '^  ' "$T/out" | sed -n '1p;2p;3p' | tr -s ' ' | tr '\n' '|' |
	grep -qx ' abi_version 3| ctx_id 12| tx_kicks 2|' ||
	fail "abi_version and ctx_id do not lead"
grep '^  ' "$T/out" | tail -n 3 | tr -s ' ' | tr '\n' '|' |
	grep -qx ' sockets 2| socket 0 ino 1234 udp| socket 5 ino 5678 tcp|' ||
	fail "the sockets do not come last"
# 31 counters, 25 fields and 2 socket lines.
[ "$(grep -c '^  ' "$T/out")" -eq 58 ] || fail "expected 58 indented lines"

expect 0 "$STAT" --proc-root "$P2" -j
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "expected 1 JSON line"
has "$T/out" '{"pid": 4444, "fd": 5, "comm": "sender", "abi_version": 3, "ctx_id": 12, "stats": {"tx_kicks": 2,'
has "$T/out" '"rx_drop_split": 0}, "tx_copy_threshold": 4096,'
has "$T/out" '"tx_dev": "eth0", "tx_ifindex": 2, "tx_queue": 0, "sockets": [{"slot": 0, "ino": 1234, "type": "udp"}, {"slot": 5, "ino": 5678, "type": "tcp"}]}'
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
want = {"abi_version": 3, "ctx_id": 12, "tx_copy_threshold": 4096,
	"sock_copy_threshold": 8192, "rx_busy_polls": 0, "rx_napi_id": 0,
	"busy_poll_usec": 0, "busy_poll_budget": 8, "tx_entries": 256,
	"tx_producer": 10, "tx_consumer": 9, "cq_entries": 512,
	"cq_producer": 9, "cq_consumer": 9, "region_bytes": 1048576,
	"rx_dev": "eth1", "rx_ifindex": 3, "rx_match": 1, "rx_ethertype": 34997, "rx_port": 0,
	"rx_queue": 1, "tx_dev": "eth0", "tx_ifindex": 2, "tx_queue": 0}
for k, v in want.items():
	assert o[k] == v, (k, o.get(k))
assert o["sockets"] == [{"slot": 0, "ino": 1234, "type": "udp"},
			{"slot": 5, "ino": 5678, "type": "tcp"}], o["sockets"]
assert o["stats"]["regions"] == 1 and len(o["stats"]) == 31
assert set(o) == set(want) | {"pid", "fd", "comm", "stats", "sockets"}, o
' "$T/out" || fail "JSON of every field does not parse as expected"
	# An older module: no field beyond the counters.
	"$STAT" --proc-root "$P" -p 4242 -f 3 -j >"$T/out" 2>"$T/err"
	python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert set(o) == {"pid", "fd", "comm", "stats"}, o
' "$T/out" || fail "an older module'\''s fdinfo grew fields in JSON"
fi

# --watch and --count: bad values are usage errors.
for args in "-w" "--watch 0" "--watch 0.0" "--watch -1" "--watch abc" \
	    "--watch 1e-300" "--watch 0.0009" \
	    "--watch 1s" "--watch 86401" "--watch inf" "--watch nan" \
	    "--watch 1 --count 0" "--watch 1 --count x" "--count 3" \
	    "--watch 1 --count -1"; do
	# shellcheck disable=SC2086 # split the arguments on purpose
	expect 2 "$STAT" --proc-root "$P2" $args
	[ -s "$T/err" ] || fail "'$args': no message on stderr"
	[ -s "$T/out" ] && fail "'$args': output on stdout"
done
expect 2 "$STAT" --watch 0
has "$T/err" "bad interval '0'"
expect 2 "$STAT" --count 2
has "$T/err" "--count needs --watch"

# Unchanged counters: each interval, one line of zero rates per context.
expect 0 "$STAT" --proc-root "$P2" --watch 0.05 --count 2
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "--count 2: expected 2 lines"
[ "$(grep -cx 'pid 4444 fd 5 (sender): tx 0.0 frames/s 0.000 Gbit/s, rx 0.0 frames/s 0.000 Gbit/s, copied -, rx drops 0.0/s' "$T/out")" -eq 2 ] ||
	fail "--watch: unexpected rate lines: $(cat "$T/out")"
expect 0 "$STAT" --proc-root "$P2" -p 4444 -f 5 -w 0.05 -c 1 -j
has "$T/out" '{"sample": 1, "pid": 4444, "fd": 5, "comm": "sender", "ctx_id": 12, "seconds": '
has "$T/out" '"tx_frames_per_s": 0.0, "tx_gbit_per_s": 0.000000, "rx_frames_per_s": 0.0, "rx_gbit_per_s": 0.000000, "copied_share": null, "rx_drops_per_s": 0.0}'
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-c 1 -j: expected 1 line"
expect 1 "$STAT" --proc-root "$P2" -p 5555 -w 0.05 -c 1
has "$T/err" "no such process"
# No contexts while watching: nothing to print, and no message either.
mkdir "$T/proc-none"
expect 0 "$STAT" --proc-root "$T/proc-none" -w 0.05 -c 2
[ -s "$T/out" ] && fail "--watch without contexts printed: $(cat "$T/out")"
[ -s "$T/err" ] && fail "--watch without contexts: $(cat "$T/err")"
expect 1 "$STAT" --proc-root "$T/proc-missing" -w 0.05 -c 1
has "$T/err" "cannot list"

# Counters that move between samples: fd 3's fdinfo is a FIFO, and a
# writer serves each sample its own text. Opening the FIFO to write waits
# for the tool to open it to read, so the writer knows which sample it
# serves; before it lets the sample end, a new FIFO takes the path, so the
# next sample cannot meet the old one. While the tool waits on the FIFO
# (its fds listed, fd 3 the first) the writer also adds and removes
# contexts: fd 11 appears in sample 2, fd 9 is gone from sample 2 on, and
# in sample 3 fd 3 is another context (ctx_id 8) whose counters went back.
if command -v mkfifo >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1
then
	W=$T/proc3
	F=$W/5000/fdinfo/3
	fake() {	# fake CTX_ID FRAMES: fd 3's counters
		printf 'ctx_id:\t%s\ntx_frames:\t%s\ntx_bytes:\t%s\n' \
			"$1" "$2" "$(($2 * 1500))"
		printf 'rx_frames:\t%s\nrx_bytes:\t%s\n' "$(($2 / 2))" \
			"$(($2 * 750))"
		printf 'tx_zerocopy:\t%s\ntx_copied:\t%s\n' "$(($2 * 3 / 100))" \
			"$(($2 / 100))"
		printf 'rx_drop_nobuf:\t%s\nrx_drop_size:\t%s\n' \
			"$(($2 / 200))" "$(($2 / 1000))"
	}
	# serve COMMAND CTX_ID FRAMES: one sample of fd 3; COMMAND runs
	# while the tool waits on it.
	serve() {
		exec 4>"$F"
		"$1"
		fake "$2" "$3" >&4
		if [ -d "$W/5000" ]; then
			mkfifo "$F.next" && mv "$F.next" "$F"
		fi
		exec 4>&-
	}
	add_fd11() { ln -s /dev/zcnet "$W/5000/fd/11"; }
	drop_fd9() { rm "$W/5000/fd/9"; }
	gone() { rm -rf "$W/5000"; }
	fresh() {	# pid 5000 with fds 3 and 9
		rm -rf "$W"
		mkdir -p "$W/5000/fd" "$W/5000/fdinfo"
		printf 'watched\n' >"$W/5000/comm"
		ln -s /dev/zcnet "$W/5000/fd/3"
		ln -s /dev/zcnet "$W/5000/fd/9"
		printf 'ctx_id:\t9\ntx_frames:\t77\n' >"$W/5000/fdinfo/9"
		printf 'ctx_id:\t11\nrx_frames:\t5\n' >"$W/5000/fdinfo/11"
		mkfifo "$F"
	}
	for mode in text json; do
		fresh
		{
			serve : 7 0
			serve add_fd11 7 1000
			serve drop_fd9 7 1000
			serve : 8 10
		} &
		wpid=$!
		if [ "$mode" = json ]; then
			expect 0 timeout 60 "$STAT" --proc-root "$W" -w 0.05 \
				-c 3 -j
		else
			expect 0 timeout 60 "$STAT" --proc-root "$W" -w 0.05 \
				-c 3
		fi
		kill "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
		cp "$T/out" "$T/watch.$mode"
	done
	O=$T/watch.text
	[ "$(wc -l <"$O")" -eq 4 ] || fail "moving counters: expected 4 lines: $(cat "$O")"
	sed -n 1p "$O" | grep -q '^pid 5000 fd 3 (watched): tx [1-9][0-9.]* frames/s [0-9.]* Gbit/s, rx [1-9][0-9.]* frames/s [0-9.]* Gbit/s, copied 25.0%, rx drops [1-9][0-9.]*/s$' ||
		fail "moving counters: no rates in: $(sed -n 1p "$O")"
	sed -n 2p "$O" | grep -q '^pid 5000 fd 9 (watched): tx 0.0 frames/s ' ||
		fail "moving counters: no line of fd 9: $(cat "$O")"
	sed -n 3p "$O" | grep -q '^pid 5000 fd 3 (watched): tx 0.0 frames/s .* copied -, ' ||
		fail "moving counters: no still line: $(cat "$O")"
	sed -n 4p "$O" | grep -q '^pid 5000 fd 11 (watched): ' ||
		fail "moving counters: fd 11 not in the last line: $(cat "$O")"
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert [(o["sample"], o["fd"], o["ctx_id"]) for o in objs] == \
	[(1, 3, 7), (1, 9, 9), (2, 3, 7), (3, 11, 11)], objs
keys = ["sample", "pid", "fd", "comm", "ctx_id", "seconds",
	"tx_frames_per_s", "tx_gbit_per_s", "rx_frames_per_s",
	"rx_gbit_per_s", "copied_share", "rx_drops_per_s"]
for o in objs:
	assert list(o) == keys, o
	assert o["pid"] == 5000 and o["comm"] == "watched" and o["seconds"] > 0
a = objs[0]
assert a["tx_frames_per_s"] > 0 and a["rx_frames_per_s"] > 0, a
assert a["tx_gbit_per_s"] > 0 and a["rx_gbit_per_s"] > 0, a
assert abs(a["tx_frames_per_s"] * 1500 * 8 / 1e9 - a["tx_gbit_per_s"]) < 1e-5
assert a["copied_share"] == 0.25 and a["rx_drops_per_s"] > 0, a
for o in objs[1:]:
	assert o["tx_frames_per_s"] == 0 and o["rx_frames_per_s"] == 0, o
	assert o["copied_share"] is None and o["rx_drops_per_s"] == 0, o
' "$T/watch.json" || fail "moving counters: JSON lines not as expected"
	fi

	# -p: the watch ends (status 0) when the process is gone; here it
	# goes while the tool reads the first interval's sample.
	fresh
	{
		serve : 7 0
		serve gone 7 1000
	} &
	wpid=$!
	expect 0 timeout 60 "$STAT" --proc-root "$W" -p 5000 -w 0.05
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	[ "$(grep -c '^pid 5000 fd 3 ' "$T/out")" -eq 1 ] ||
		fail "-p: expected one interval before the end: $(cat "$T/out")"
	[ -s "$T/err" ] && fail "-p: the end of the process is no error: $(cat "$T/err")"

	# SIGINT and SIGTERM end the watch with status 0: the signal comes
	# once the tool reads the FIFO, so its handlers are in place.
	for sig in INT TERM; do
		fresh
		timeout 60 "$STAT" --proc-root "$W" -w 0.05 >"$T/out" 2>"$T/err" &
		spid=$!
		serve : 7 0
		kill -"$sig" "$spid"
		wait "$spid"
		got=$?
		[ "$got" -eq 0 ] || fail "SIG$sig: --watch exited $got, expected 0"
	done
fi

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
