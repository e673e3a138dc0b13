#!/bin/bash
# Host-side checks of zcnet-bench serve and remote, for `make check`: in a
# network namespace of its own (a veth pair and loopback, userspace only),
# a bad request and an option its command would ignore are refused, a TCP
# sink counts what a sender sent, a raw sink run with --until-eof ends when
# remote is told the run is over, and serve stops a sink that would wait
# on for an hour (after its grace period of a few seconds). serve runs the
# HTTP client get, which fails when nobody serves; given zcnet-httpd, get
# --until-eof fetches from its --sendfile server between remote's start
# and stop words, every body counted, and a missing file fails the run.
#
#   remote-test.sh ZCNET-BENCH [ZCNET-HTTPD]
set -euo pipefail
source "$(dirname "$0")/../common.sh"

bench="${1:?usage: $0 ZCNET-BENCH [ZCNET-HTTPD]}"
httpd="${2:-}"
[[ -x $bench ]] || die "no zcnet-bench at $bench"
[[ -z $httpd || -x $httpd ]] || die "no zcnet-httpd at $httpd"
need_root # a network namespace of our own

if [[ ${ZCNET_REMOTE_TEST_NS:-} != inside ]]; then
	exec env ZCNET_REMOTE_TEST_NS=inside unshare --net -- "$0" "$@"
fi
[[ $(readlink /proc/self/ns/net) != "$(readlink /proc/1/ns/net)" ]] ||
	die "not in a network namespace of our own"

work="$(mktemp -d)"
failures=0
serve_pid=""
guards=()
cleanup() {
	[[ -z $serve_pid ]] || kill "$serve_pid" 2>/dev/null || true
	((${#guards[@]} == 0)) || kill "${guards[@]}" 2>/dev/null || true
	rm -rf "$work"
}
# guard PID: a hang here is a failure, not a stall of make check
guard() {
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep 120 &
		s=$!
		wait "$s" && kill "$1"
	) >/dev/null 2>&1 &
	guards+=($!)
}
trap cleanup EXIT

ip link set lo up
ip link add zb0 type veth peer name zb1
ip link set zb0 up
ip link set zb1 up
wait_for() { # FILE TEXT: up to 5 s for TEXT to appear in FILE
	local _
	for _ in $(seq 50); do
		grep -q "$2" "$1" && return
		sleep 0.1
	done
}

"$bench" serve --port 5300 2>"$work/serve.err" &
serve_pid=$!
wait_for "$work/serve.err" 'serving on port 5300'

check() { # WHAT CONDITION...
	local what="$1"
	shift
	if "$@"; then
		echo "ok remote: $what"
	else
		echo "FAIL remote: $what"
		failures=$((failures + 1))
	fi
}

# a request serve does not run: exit 2 and a message
rc=0
"$bench" remote 127.0.0.1:5300 send tcp-send >"$work/bad.out" 2>&1 || rc=$?
check "a request other than sink, gen or zcnet-recv is refused (status $rc)" test "$rc" -eq 2
check "and said so" grep -q 'bad request' "$work/bad.out"
rc=0
"$bench" remote 127.0.0.1:5300 sink raw -i zb1 --progress /tmp/x >"$work/path.out" 2>&1 || rc=$?
check "an argument that could name a host file is refused (status $rc)" test "$rc" -eq 2
rc=0
"$bench" remote 127.0.0.1:5300 sink "tcp --port 1" >"$work/space.out" 2>&1 || rc=$?
check "an argument with a space is a usage error (status $rc)" test "$rc" -eq 2
rc=0
"$bench" remote not-an-address sink tcp >"$work/usage.out" 2>&1 || rc=$?
check "a bad address is a usage error (status $rc)" test "$rc" -eq 2

# an option the command or method would ignore: exit 2 before anything runs
for args in "send tcp-send --flows 4" "recv afp --rx-queues 2" "get --rx-queues 2" \
	"send tcp-send -s 1500 --min-bytes 5" \
	"gen raw --flows 2" "recv zcnet-rxq --flows 2" \
	"send afp-sendto -s 1500 --conns 4" \
	"send tcp-send -s 1500 --gso 1400"; do
	rc=0
	# shellcheck disable=SC2086 # split the arguments on purpose
	"$bench" $args >"$work/ignored.out" 2>&1 || rc=$?
	check "'$args' is a usage error (status $rc)" test "$rc" -eq 2
	check "and names the option" grep -q -- 'does not take\|only' "$work/ignored.out"
done

# TCP: what the sink read is what the sender sent
"$bench" remote 127.0.0.1:5300 sink tcp --port 5301 >"$work/tcp.out" 2>&1 &
sink=$!
wait_for "$work/tcp.out" 'sink ready'
"$bench" send tcp-send --peer 127.0.0.1 --port 5301 -s 65536 -t 0.2 >"$work/send.out" 2>&1 || true
kill -USR1 "$sink" 2>/dev/null || true
rc=0
wait "$sink" || rc=$?
sent="$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' "$work/send.out")"
check "the TCP sink's run ended with status 0 (status $rc)" test "$rc" -eq 0
check "the TCP sink read all ${sent:-?} bytes sent" \
	grep -qx "sink bytes=${sent:-none} conns=1" "$work/tcp.out"

# raw: --until-eof ends once remote is told; every frame counted (500 of
# them: fewer than the backlog a veth's frames wait in, so that a busy
# machine drops none)
"$bench" remote 127.0.0.1:5300 sink raw -i zb1 -s 1500 --until-eof >"$work/raw.out" 2>&1 &
sink=$!
wait_for "$work/raw.out" 'sink ready'
"$bench" send afp-sendto -i zb0 -s 1500 -n 500 >"$work/send.out" 2>&1 || true
sleep 0.3
kill -USR1 "$sink" 2>/dev/null || true
guard "$sink"
rc=0
wait "$sink" || rc=$?
frames="$(sed -n 's/.* frames=\([0-9]*\) .*/\1/p' "$work/send.out")"
check "the raw sink counted all ${frames:-?} frames sent" \
	grep -q "^sink frames=${frames:-none} bad_len=0 " "$work/raw.out"
check "the raw sink ended on the word (end of its input)" grep -q ' stopped=eof' "$work/raw.out"

# a sink that would wait for an hour is stopped by serve after the word
"$bench" remote 127.0.0.1:5300 sink udp --port 5302 --idle 3600 >"$work/udp.out" 2>&1 &
sink=$!
wait_for "$work/udp.out" 'sink ready'
kill -USR1 "$sink" 2>/dev/null || true
guard "$sink"
rc=0
wait "$sink" || rc=$?
check "serve stopped the waiting sink, which still reported" \
	grep -qx 'sink frames=0 bytes=0 stopped=signal' "$work/udp.out"

# get through serve: nobody listening is a failure, said
rc=0
"$bench" remote 127.0.0.1:5300 get --peer 127.0.0.1 --port 5398 -s 4096 --until-eof \
	>"$work/get-none.out" 2>&1 || rc=$?
check "get with no server to reach: status 1 (status $rc)" test "$rc" -eq 1
check "and said so" grep -q 'cannot connect' "$work/get-none.out"

if [[ -n $httpd ]]; then
	mkdir "$work/www"
	head -c 65536 /dev/urandom >"$work/www/65536"
	"$httpd" -d "$work/www" -l 127.0.0.1:5303 --sendfile -j >"$work/httpd.out" 2>&1 &
	hpid=$!
	guards+=("$hpid")
	wait_for "$work/httpd.out" 'listening'
	get_run() { # SIZE: a load of about 0.3 s through remote
		"$bench" remote 127.0.0.1:5300 get --peer 127.0.0.1 --port 5303 -s "$1" --conns 4 \
			--until-eof >"$work/get.out" 2>&1 &
		sink=$!
		wait_for "$work/get.out" 'get ready'
		kill -USR2 "$sink" 2>/dev/null || true
		sleep 0.3
		kill -USR1 "$sink" 2>/dev/null || true
		guard "$sink"
		rc=0
		wait "$sink" || rc=$?
	}
	get_run 65536
	check "get fetched from zcnet-httpd (status $rc)" test "$rc" -eq 0
	requests="$(sed -n 's/^get requests=\([0-9]*\) .*/\1/p' "$work/get.out")"
	check "some requests were answered (${requests:-none})" test "${requests:-0}" -gt 0
	check "every body counted, ended by the word" \
		grep -q "^get requests=${requests:-x} bytes=$((${requests:-0} * 65536)) conns=4 errors=0 stopped=eof status=ok" "$work/get.out"
	get_run 4096
	check "a file the server does not have fails the run (status $rc)" test "$rc" -eq 1
	check "and says why" grep -q 'not 200' "$work/get.out"
	kill -TERM "$hpid"
	rc=0
	wait "$hpid" || rc=$?
	check "zcnet-httpd sent the bodies get counted (status $rc)" \
		grep -q "\"body_bytes\": $((${requests:-0} * 65536))," "$work/httpd.out"
fi

# nobody serving: remote fails, saying so
rc=0
"$bench" remote 127.0.0.1:5399 sink tcp >"$work/none.out" 2>&1 || rc=$?
check "no serve to reach: status 1 (status $rc)" test "$rc" -eq 1
check "and said so" grep -q 'cannot reach' "$work/none.out"

((failures == 0)) || die "$failures checks of zcnet-bench serve and remote failed"
say "all checks of zcnet-bench serve and remote passed"
