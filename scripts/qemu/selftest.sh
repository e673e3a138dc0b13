#!/bin/bash
# Host-side checks of the test guests' scripts, for `make check` (nothing
# boots): the runner reports a test that outlives its timeout's SIGKILL, and
# runs nothing after it or after two tests in a row killed by their
# timeouts, tap2sum counts that as failures, and vm.sh kills a
# guest whose results port stays silent for --stall seconds (QEMU replaced
# by a stand-in, taps in a private namespace as always).
set -euo pipefail
source "$(dirname "$0")/../common.sh"

need_root # vm.sh's private namespace
work="$(mktemp -d)"
stuck_pid=""
cleanup() {
	[[ -z $stuck_pid ]] || kill "$stuck_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
[[ -z ${ZCNET_SELFTEST_KEEP:-} ]] || trap - EXIT
failures=0

check() { # WHAT COMMAND...
	local what="$1"
	shift
	if "$@"; then
		echo "ok $what"
	else
		echo "FAIL $what"
		failures=$((failures + 1))
	fi
}
has() { grep -qF -- "$2" "$1"; }

# Stand-ins: a timeout that never kills (so a sleeping test plays one that
# SIGKILL cannot end), an insmod that must not be called, and a QEMU that
# writes a line to its second serial port and then falls silent, exits,
# or writes a line a second for a while.
mkdir -p "$work/bin" "$work/never" "$work/qemu"
cat >"$work/never/timeout" <<'EOF'
#!/bin/bash
shift 3 # -k 10 SECONDS
exec "$@"
EOF
cat >"$work/bin/insmod" <<EOF
#!/bin/bash
touch "$work/insmod-called"
exit 1
EOF
cat >"$work/qemu/qemu-system-x86_64" <<'EOF'
#!/bin/bash
[[ $1 == --version ]] && { echo "QEMU emulator version 7.2.0"; exit 0; }
for arg; do
	[[ $arg == file:*/results.log ]] && results="${arg#file:}"
done
echo "TAP version 13" >"$results"
[[ -n ${STANDIN_EXIT:-} ]] && exit 0
for ((i = 0; i < ${STANDIN_TALK:-0}; i++)); do
	sleep 1
	echo "ok $i" >>"$results"
done
((${STANDIN_TALK:-0})) && exit 0
exec sleep 120
EOF
chmod +x "$work/bin/"* "$work/never/"* "$work/qemu/"*

# runner DIR [VAR=VALUE...]: run-tests.sh on the tests in DIR, its output
# in DIR/results.log
runner() {
	local dir="$1"
	shift
	timeout 60 env -u ZCNET_KO -u ZCNET_STUCK_GRACE -u ZCNET_REAP_SIGNAL \
		PATH="$work/bin:$PATH" ZCNET_TESTS_DIR="$dir" ZCNET_CONSOLE="$work/console" \
		ZCNET_SYSRQ="$dir/sysrq" ZCNET_TEST_TIMEOUT=1 "$@" \
		bash "$ZCNET_SCRIPTS/qemu/run-tests.sh" >"$dir/results.log" 2>&1 || true
	echo ZCNET-DONE >>"$dir/results.log"
}
# test_prog DIR NAME SHELL-LINES...: a test program
test_prog() {
	local dir="$1" name="$2"
	shift 2
	mkdir -p "$dir"
	printf '%s\n' '#!/bin/sh' "$@" >"$dir/${name}_test"
	chmod +x "$dir/${name}_test"
	echo "zcnet:${name}_test" >>"$dir/kselftest-list.txt"
}
gone() { # PIDFILE: that process ended (a zombie left to its reaper counts)
	local stat
	stat="$(cat "/proc/$(cat "$1")/stat" 2>/dev/null)" || return 0
	[[ ${stat##*) } == Z* ]]
}
# A test's child in a process group of its own, as the kselftest harness
# forks one per test, left running
leave='perl -e "setpgrp(0, 0); sleep 120" & echo $! >'

# The runner: a passing test, one that never ends, one after it
d="$work/tests"
test_prog "$d" a 'echo 1..1' 'echo ok 1 first'
test_prog "$d" b "echo \$\$ >$work/b.pid" 'exec sleep 120'
test_prog "$d" c 'echo 1..1' 'echo ok 1 third'
runner "$d" PATH="$work/never:$work/bin:$PATH" ZCNET_STUCK_GRACE=1
stuck_pid="$(cat "$work/b.pid" 2>/dev/null || true)"
r="$d/results.log"
check "run-tests: the first test ran" has "$r" "ok 1 first"
check "run-tests: the stuck test is reported" has "$r" \
	"b_test killed after the 1s timeout, and still there 1s after SIGKILL: stuck in the kernel"
check "run-tests: the stuck test's block ends" has "$r" "ZCNET-END b_test rc=137"
check "run-tests: the test after it is not run" has "$r" "# run-tests: not run: b_test is stuck in the kernel"
check "run-tests: the third test did not run" bash -c "! grep -q 'ok 1 third' '$r'"
check "run-tests: blocked tasks and CPU stacks asked for" \
	bash -c "[[ \$(tr '\n' ' ' <'$d/sysrq') == 'w l ' ]]"
check "run-tests: nothing loaded without ZCNET_KO" test ! -e "$work/insmod-called"
"$ZCNET_SCRIPTS/qemu/tap2sum.sh" "$d" t >"$work/summary" || true
check "tap2sum: one pass, the stuck test and the one not run fail" \
	has "$work/summary" "TOTAL passed=1 failed=2 skipped=0"
check "tap2sum: says why" has "$work/summary" "FAIL [t] c_test: not run: b_test is stuck in the kernel"

# The runner: what a test leaves running is killed and the next one runs;
# what outlives SIGKILL (played by signal 0) fails the test and ends the run
d="$work/left"
test_prog "$d" l1 "$leave $work/l1.pid" 'echo 1..1' 'echo ok 1 left'
test_prog "$d" l2 'echo 1..1' 'echo ok 1 after'
runner "$d"
check "run-tests: a test's leftover is killed" gone "$work/l1.pid"
check "run-tests: the test that left it passes" has "$d/results.log" "ZCNET-END l1_test rc=0"
check "run-tests: the next test runs" has "$d/results.log" "ok 1 after"
d="$work/left-stuck"
test_prog "$d" s1 "$leave $work/s1.pid" 'echo 1..1' 'echo ok 1 left'
test_prog "$d" s2 'echo 1..1' 'echo ok 1 after'
runner "$d" ZCNET_STUCK_GRACE=1 ZCNET_REAP_SIGNAL=0
kill "$(cat "$work/s1.pid")" 2>/dev/null || true
check "run-tests: a leftover that outlives SIGKILL is reported" has "$d/results.log" \
	"s1_test left processes behind (pids $(cat "$work/s1.pid") ), and still there 1s after SIGKILL"
check "run-tests: then nothing more runs" has "$d/results.log" "not run: s1_test is stuck in the kernel"

# The runner: two tests killed by their timeouts one after the other end
# the run; one between them resets the count
d="$work/killed"
test_prog "$d" k1 'exec sleep 30'
test_prog "$d" p1 'echo 1..1' 'echo ok 1 p1'
test_prog "$d" k2 'exec sleep 30'
test_prog "$d" k3 'exec sleep 30'
test_prog "$d" p2 'echo 1..1' 'echo ok 1 p2'
runner "$d"
r="$d/results.log"
check "run-tests: a test killed by its timeout is reported" has "$r" "k1_test killed after the 1s timeout"
check "run-tests: a test after one killed runs" has "$r" "ok 1 p1"
check "run-tests: the third test killed ran" has "$r" "k3_test killed after the 1s timeout"
check "run-tests: nothing runs after two killed in a row" has "$r" \
	"# run-tests: not run: k2_test and k3_test were killed by their timeouts, one after the other"
check "run-tests: the last test did not run" bash -c "! grep -q 'ok 1 p2' '$r'"

# vm.sh --stall
touch "$work/kernel" "$work/initrd"
vm() { # OUT-NAME [vm.sh options]: status in $work/NAME.rc
	local name="$1" rc=0
	shift
	timeout 60 env PATH="$work/qemu:$PATH" ZCNET_QEMU=system "$ZCNET_SCRIPTS/qemu/vm.sh" \
		--kernel "$work/kernel" --initrd "$work/initrd" --out "$work/$name" \
		--run /none --timeout 50 "$@" >"$work/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$work/$name.rc"
}
start=$SECONDS
vm silent --stall 3
check "vm.sh --stall 3: a silent guest is killed (status 124)" grep -qx 124 "$work/silent.rc"
check "vm.sh --stall 3: says so" has "$work/silent.out" "nothing new on its results port for 3s"
check "vm.sh --stall 3: within seconds" test $((SECONDS - start)) -lt 30
STANDIN_EXIT=1 vm exits --stall 3
check "vm.sh --stall 3: a guest that ends is not killed" grep -qx 0 "$work/exits.rc"
STANDIN_TALK=6 vm talks --stall 3
check "vm.sh --stall 3: a guest that writes every second for 6s is not killed" grep -qx 0 "$work/talks.rc"
for bad in 07 -1 3s; do
	vm "bad-$bad" --stall "$bad"
	check "vm.sh refuses --stall $bad" has "$work/bad-$bad.out" "usage:"
done

((failures == 0)) || die "$failures guest-script checks failed"
say "guest scripts: all checks passed"
