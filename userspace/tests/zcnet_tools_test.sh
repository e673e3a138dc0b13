#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Argument handling of zcnet-send, zcnet-recv and zcnet-httpd. Every case
# here must fail before a socket or /dev/zcnet is opened, so nothing is ever
# sent from the machine running the tests; sending is tested in the QEMU
# guests. The one exception, at the end, is zcnet-recv --udp-listen on
# 127.0.0.1 taking a few datagrams from python3 on the same machine
# (--interval's lines).
# Usage: zcnet_tools_test.sh BUILD_DIR
set -u

B=${1:?usage: $0 BUILD_DIR}
SEND=$B/zcnet-send
RECV=$B/zcnet-recv
HTTPD=$B/zcnet-httpd
T=$(mktemp -d "${TMPDIR:-/tmp}/zcnet-tools-test.XXXXXX") || exit 1
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

# usage_case TOOL ARGS: exit 2, a message on stderr, nothing on stdout
usage_case() {
	tool=$1
	shift
	# shellcheck disable=SC2048,SC2086 # split the arguments on purpose
	expect 2 "$tool" $*
	[ -s "$T/err" ] || fail "'$tool $*': no message on stderr"
	[ -s "$T/out" ] && fail "'$tool $*': output on stdout"
	name=$(basename "$tool")
	grep -q "^$name: " "$T/err" || fail "'$tool $*': message not prefixed: $(cat "$T/err")"
}

# A name no interface has.
NOIF=zcnotanif0

for tool in "$SEND" "$RECV"; do
	expect 0 "$tool" -h
	has "$T/out" "Usage: $(basename "$tool")"
	expect 0 "$tool" --help
	has "$T/out" "0x88B5"
done

# zcnet-send
for args in "" "-i" "-x" "--bogus" "-i lo extra" \
	"-i lo -s" "-i lo -s abc" "-i lo -s 59" "-i lo -s 0" "-i lo -s 65536" \
	"-i lo -s -5" "-i lo -s 1500x" \
	"-i lo -n 0" "-i lo -n abc" "-i lo -n -1" "-i lo -n 5 -t 1" \
	"-i lo -t 0" "-i lo -t -1" "-i lo -t abc" "-i lo -t 1e999" \
	"-i lo -r 7" "-i lo -r 100" "-i lo -r 65536" "-i lo -r 0" \
	"-i lo -q -1" "-i lo -q x" "-i lo -q 4294967295" \
	"-i lo --slot-size 100" "-i lo --slot-size 0" "-i lo --slot-size x" \
	"-i lo --copy-threshold 65536" "-i lo --copy-threshold -1" \
	"-i lo --pattern foo" "-i lo --pattern" \
	"-i lo -d 00:11:22:33:44" "-i lo -d zz:11:22:33:44:55" \
	"-i lo -d 00-11-22-33-44-55" "-i lo -d 00:11:22:33:44:55:66" \
	"-i lo --linger 0" "-i lo --stall-timeout x" \
	"-i lo --window 5" "-i lo --progress-file /nonexistent" \
	"-i lo --window 0 --progress-file /nonexistent" \
	"-i lo --window x --progress-file /nonexistent" \
	"-i lo --window 5 --progress-file=" \
	"-i $NOIF" "-i aaaaaaaaaaaaaaaaaaaaaaaa"; do
	usage_case "$SEND" "$args"
done
expect 2 "$SEND" -i $NOIF
has "$T/err" "no interface '$NOIF'"
expect 2 "$SEND" -i lo -s 59
has "$T/err" "frame size 59 is outside [60,"
expect 2 "$SEND" -i lo -r 100
has "$T/err" "power of two"
expect 2 "$SEND" -i lo --window 5
has "$T/err" "--window and --progress-file go together"

# --method afp: the AF_PACKET sender and receiver
for args in "--method" "--method x" "-i lo --method afp -q 1" \
	"-i lo --method afp -r 64" "-i lo --method afp --slot-size 64" \
	"-i lo --method afp --copy-threshold 0" "-i lo --method afp --linger 1" \
	"-i lo --method afp -s 59 -n 1" "-i lo --method afp -n 1 -t 1" \
	"-i lo --method afp -n 0" "-i lo --method afp -t 0" \
	"-i lo --method afp --idle-timeout 3" "-i lo --method afp --strict-order" \
	"-i lo --method afp --pattern x" "-i lo --method afp -d 1:2:3:4:5:6" \
	"-i lo --method afp extra" "-i $NOIF --method afp" \
	"-i lo --method afp --window 8" \
	"-i lo --method afp --progress-file /nonexistent" \
	"-i lo --method afp --window 0 --progress-file /nonexistent"; do
	usage_case "$SEND" "$args"
done
expect 2 "$SEND" -i lo --method afp -r 64
has "$T/err" "--ring is for --method zcnet"
for args in "--method x" "-i lo --method afp --window 8" \
	"-i lo --method afp -s 100" "-i lo --method afp -d 00:11:22:33:44:55" \
	"-i lo --method afp --pattern seq" "-i lo --method afp --idle-timeout 0" \
	"-i lo --method afp --idle-timeout x" "-i lo --method afp -n 3 -t 3" \
	"-i lo --method afp -m all" "-i lo --method afp -r 64" \
	"-i lo --method afp -b 128" "-i $NOIF --method afp" \
	"-i lo --method afp -x" "-i lo --method afp -q 1"; do
	usage_case "$RECV" "$args"
done
expect 2 "$RECV" -i lo --method afp -b 128
has "$T/err" "--buf-size is for --method zcnet"

# zcnet-recv
for args in "" "-i" "-x" "--bogus" "-i lo extra" \
	"-i lo -n 0" "-i lo -n abc" "-i lo -n 5 -t 1" "-i lo -t 0" \
	"-i lo -t abc" "-i lo --idle-timeout 0" "-i lo --idle-timeout x" \
	"-i lo -r 7" "-i lo -r 100" "-i lo -r 65536" \
	"-i lo -b 0" "-i lo -b 100" "-i lo -b 32" "-i lo -b 131072" \
	"-i lo -b x" "-i lo --match" "-i lo --match foo" \
	"-i lo --match udp:" "-i lo --match udp:0" "-i lo --match udp:65536" \
	"-i lo --match udp:x" "-i lo --match ethertype:" \
	"-i lo --match ethertype:0" "-i lo --match ethertype:0x10000" \
	"-i lo --match ethertype:zz" "-i lo --match all:1" \
	"-i $NOIF" "-i aaaaaaaaaaaaaaaaaaaaaaaa" "-i lo -q" "-i lo -q x" \
	"-i lo -q -1" "-i lo -q 4294967295" "-i lo --queue 1x" \
	"-i lo --wake-frames 0" "-i lo --wake-frames 32769" \
	"-i lo --wake-frames x" "-i lo --wake-usec 5" \
	"-i lo --wake-frames 8 --wake-usec 0" \
	"-i lo --wake-frames 8 --wake-usec 10000001"; do
	usage_case "$RECV" "$args"
done
expect 2 "$RECV" -i lo -q 4294967295
has "$T/err" "bad queue '4294967295'"
expect 2 "$RECV" -i lo --method afp -q 1
has "$T/err" "--queue is for --method zcnet"
expect 2 "$RECV" -i lo --wake-usec 5
has "$T/err" "--wake-usec needs --wake-frames"
expect 2 "$RECV" -i lo --method afp --wake-frames 8
has "$T/err" "--wake-frames is for --method zcnet"
expect 2 "$RECV" -i lo --wake-frames 32769
has "$T/err" "bad wake-up frame count '32769'"
expect 2 "$RECV" -i lo --match udp:0
has "$T/err" "bad match 'udp:0'"
expect 2 "$RECV" -i lo -n 5 -t 1
has "$T/err" "-n and -t exclude each other"
expect 2 "$RECV" -i $NOIF
has "$T/err" "no interface '$NOIF'"

# socket modes of zcnet-send and zcnet-recv
for args in "--tcp" "--tcp 10.0.0.1" "--tcp 10.0.0.1:" "--tcp 10.0.0.1:0" \
	"--tcp 10.0.0.1:65536" "--tcp host.example:80" "--tcp [::1:80" \
	"--tcp 10.0.0.1:80 --udp 10.0.0.1:80" "--tcp 10.0.0.1:80 -s 0" \
	"--tcp 10.0.0.1:80 -s 1048577" "--udp 10.0.0.1:80 -s 65508" \
	"--tcp 10.0.0.1:80 -n 0" "--tcp 10.0.0.1:80 -n 5 -t 1" \
	"--tcp 10.0.0.1:80 -r 100" "--tcp 10.0.0.1:80 --copy-threshold 1048577" \
	"--tcp 10.0.0.1:80 --pattern x" "--tcp 10.0.0.1:80 --sndbuf 0" \
	"--tcp 10.0.0.1:80 -i lo" "--tcp 10.0.0.1:80 extra" \
	"--tcp 10.0.0.1:80 --gso 1472" "-i lo --gso 1472" "--udp 10.0.0.1:80 --gso" \
	"--udp 10.0.0.1:80 --gso 0" "--udp 10.0.0.1:80 --gso 65508" \
	"--udp 10.0.0.1:80 --gso x" "--udp 10.0.0.1:80 --gso -1" \
	"--udp 10.0.0.1:80 --gso 100 -s 12801" "--udp 10.0.0.1:80 --gso 1 -s 129" \
	"--udp 10.0.0.1:80 --gso 1472 -s 65508"; do
	usage_case "$SEND" "$args"
done
expect 2 "$SEND" --udp 10.0.0.1:80 -s 65508
has "$T/err" "a UDP write is at most 65507 bytes"
expect 2 "$SEND" --tcp 10.0.0.1:80 --gso 1472
has "$T/err" "--gso SIZE goes with --udp"
expect 2 "$SEND" -i lo --gso 1472
has "$T/err" "--gso needs --dst-ip IPV4"

# raw super-frames (--gso with -i): every limit is refused before sending
for args in "-i lo --gso 1472 --dst-ip" "-i lo --gso 1472 --dst-ip x" \
	"-i lo --gso 1472 --dst-ip 0.0.0.0" "-i lo --gso 0 --dst-ip 10.0.0.1" \
	"-i lo --gso 65536 --dst-ip 10.0.0.1" "-i lo --gso x --dst-ip 10.0.0.1" \
	"-i lo --gso 1472 --dst-ip 10.0.0.1 --proto sctp" \
	"-i lo --gso 1472 --dst-ip 10.0.0.1 --src-ip 1.2.3" \
	"-i lo --gso 1472 --dst-ip 10.0.0.1 --port 0" \
	"-i lo --gso 1472 --dst-ip 10.0.0.1 -s 65536" \
	"-i lo --gso 1472 --dst-ip 10.0.0.1 -s 1514" \
	"-i lo --gso 500 --dst-ip 10.0.0.1 -s 65535" \
	"-i lo --gso 65000 --dst-ip 10.0.0.1 --proto tcp -s 65000" \
	"-i lo --proto udp" "-i lo --dst-ip 10.0.0.1" "-i lo --src-ip 10.0.0.1" \
	"-i lo --port 9" "-i lo --gso 1472 --dst-ip 10.0.0.1 --method x"; do
	usage_case "$SEND" "$args"
done
expect 2 "$SEND" -i lo --gso 1472 --dst-ip 10.0.0.1 -s 65536
has "$T/err" "a super-frame is at most 65535 bytes including its 42 bytes of Ethernet, IPv4 and UDP headers (-s 65536)"
expect 2 "$SEND" -i lo --gso 1472 --dst-ip 10.0.0.1 --proto tcp -s 65536
has "$T/err" "its 54 bytes of Ethernet, IPv4 and TCP headers"
expect 2 "$SEND" -i lo --gso 500 --dst-ip 10.0.0.1 -s 65535
has "$T/err" "a UDP super-frame is at most 128 segments"
expect 2 "$SEND" -i lo --gso 1472 --dst-ip 10.0.0.1 -s 1514
has "$T/err" "needs at least two"
expect 2 "$SEND" -i lo --proto tcp
has "$T/err" "--proto goes with --gso SIZE"
expect 0 "$SEND" -i lo -h
has "$T/out" "--gso SIZE --dst-ip IPV4"
expect 2 "$SEND" --udp 10.0.0.1:80 --gso 65508
has "$T/err" "bad segment size '65508' (1..65507)"
expect 2 "$SEND" --udp 10.0.0.1:80 --gso 100 -s 12801
has "$T/err" "a GSO train is at most 128 segments: -s 12801 is 129 of --gso 100"
expect 0 "$SEND" --udp 10.0.0.1:80 -h
has "$T/out" "--gso SIZE"
expect 0 "$SEND" --tcp 10.0.0.1:80 -h
has "$T/out" "Usage: zcnet-send --tcp HOST:PORT"
for args in "--tcp-listen" "--tcp-listen 0" "--tcp-listen x" \
	"--tcp-listen 80 --udp-listen 80" "--tcp-listen 80 -n 5" \
	"--udp-listen 80 -n 0" "--udp-listen 80 --idle-timeout 0" \
	"--udp-listen 80 -i lo" "--udp-listen 80 extra"; do
	usage_case "$RECV" "$args"
done
expect 2 "$RECV" --tcp-listen 80 -n 5
has "$T/err" "-n counts datagrams"

# --interval: seconds, at least 1 ms, at most an hour, in every mode of both tools
for args in "-i lo --interval" "-i lo --interval 0" "-i lo --interval -1" \
	"-i lo --interval x" "-i lo --interval 0.2x" "-i lo --interval 3601" \
	"-i lo --interval 1e999" "-i lo --interval nan" "-i lo --interval inf" \
	"-i lo --interval 1e-300" "-i lo --interval 0.0009" \
	"-i lo --method afp --interval 0" "--tcp 10.0.0.1:80 --interval 0" \
	"--udp 10.0.0.1:80 --interval 7200"; do
	usage_case "$SEND" "$args"
done
for args in "-i lo --interval 0" "-i lo --method afp --interval -0.5" \
	"-i lo --interval 3600.5" "--tcp-listen 80 --interval 0" \
	"--udp-listen 80 --interval x"; do
	usage_case "$RECV" "$args"
done
expect 2 "$SEND" -i lo --interval 0
has "$T/err" "bad interval '0' (seconds, at least 0.001, at most 3600)"
expect 2 "$RECV" --udp-listen 80 --interval 3601
has "$T/err" "bad interval '3601' (seconds, at least 0.001, at most 3600)"
for tool in "$SEND" "$RECV"; do
	expect 0 "$tool" -h
	has "$T/out" "--interval SECONDS"
done

# udp_sink ARGS...: zcnet-recv --udp-listen on 127.0.0.1 -n 40 ARGS while
# python3 sends it 40 datagrams of 100 bytes; its stdout in $T/out.
udp_sink() {
	for try in 1 2 3; do
		port=$((20000 + ($$ + try * 7919) % 20000))
		"$RECV" --udp-listen "127.0.0.1:$port" -n 40 --no-verify \
			--idle-timeout 30 "$@" >"$T/out" 2>"$T/err" &
		pid=$!
		i=0
		while [ $i -lt 100 ] && ! grep -q "listening" "$T/err" &&
		      kill -0 $pid 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		if grep -q "listening" "$T/err"; then
			python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(40):
    s.sendto(b"x" * 100, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.005)' "$port"
			wait $pid
			return $?
		fi
		kill $pid 2>/dev/null
		wait $pid
	done
	fail "zcnet-recv --udp-listen did not listen: $(cat "$T/err")"
	return 1
}

if command -v python3 >/dev/null 2>&1; then
	# -j: progress objects, the last one final, totals that only grow
	# and end at the report's, then the report as without --interval
	if udp_sink --interval 0.05 -j; then
		python3 -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
prog, rep = objs[:-1], objs[-1]
assert prog, "no progress line"
assert all(o["type"] == "progress" for o in prog), prog
assert "type" not in rep, rep
assert [o["interval"] for o in prog] == list(range(1, len(prog) + 1))
assert [o["final"] for o in prog] == [False] * (len(prog) - 1) + [True]
keys = {"elapsed", "seconds", "datagrams", "datagrams_per_s", "bytes",
        "gbit_per_s", "total_datagrams", "total_bytes", "errors",
        "total_errors"}
assert all(keys <= set(o) for o in prog), prog
tot = [o["total_datagrams"] for o in prog]
assert tot == sorted(tot), tot
assert sum(o["datagrams"] for o in prog) == tot[-1]
assert tot[-1] == rep["datagrams"] == 40, (tot, rep)
assert prog[-1]["total_bytes"] == rep["bytes"] == 4000, rep' "$T/out" 2>"$T/py" ||
			fail "--interval -j output: $(cat "$T/py" "$T/out")"
	fi
	# text: lines of the tool's name, the last one with the totals
	if udp_sink --interval 0.05; then
		has "$T/out" "zcnet-recv: end"
		has "$T/out" "total 40 datagrams 4000 bytes"
		has "$T/out" "zcnet-recv: UDP on 127.0.0.1:"
	fi
	# without --interval nothing but the report
	if udp_sink -j; then
		[ "$(wc -l <"$T/out")" -eq 1 ] || fail "lines without --interval: $(cat "$T/out")"
	fi
else
	echo "zcnet_tools_test: no python3, --interval lines not checked" >&2
fi

# zcnet-httpd: bad arguments, and a root it cannot serve, end it before
# it listens or opens /dev/zcnet
for args in "-x" "--bogus" "extra" "-c 0" "-c 65536" "-c x" "-t 0" \
	"-t -1" "-t x" "--max-files 0" "--max-files 65537" "--max-pinned 0" \
	"--copy-threshold 1048577" "--copy-threshold -1" \
	"--sendfile --max-pinned 100" "-l nonsense" "-l :99999" "-l :0" \
	"-l [::1:80" "-d"; do
	usage_case "$HTTPD" "$args"
done
usage_case "$HTTPD" "--sendfile --copy-threshold 0"
has "$T/err" "--copy-threshold is for zcnet, not --sendfile"
usage_case "$HTTPD" "-l 1.2.3:80"
has "$T/err" "bad listen address '1.2.3:80'"
expect 1 "$HTTPD" -d "$T/none" -l 127.0.0.1:1
has "$T/err" "zcnet-httpd: cannot serve $T/none: No such file or directory"
: >"$T/file"
expect 1 "$HTTPD" -d "$T/file" -l 127.0.0.1:1
has "$T/err" "cannot serve $T/file: Not a directory"
expect 0 "$HTTPD" -h
has "$T/out" "--sendfile"
has "$T/out" "--max-pinned BYTES"

# --version: zcnet's one version (VERSION), for the tool and libzcnet. It
# reads the module's info from /dev/zcnet if it exists, and sends nothing.
V=$(cat "$(dirname "$0")/../../VERSION")
for tool in "$SEND" "$RECV" "$HTTPD" "$B/zcnet-stat"; do
	expect 0 "$tool" --version
	has "$T/out" "${tool##*/} $V"
	has "$T/out" "libzcnet $V"
	has "$T/out" "module: "
done

if [ "$fails" -ne 0 ]; then
	echo "zcnet_tools_test: $fails failure(s)" >&2
	exit 1
fi
echo "zcnet_tools_test: ok"
