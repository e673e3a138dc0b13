#!/bin/bash
# The tests' runner of the test guest, /lib/zcnet/run-tests in the image
# (scripts/qemu/initramfs.sh); /init runs it when the kernel command line
# says zcnet.run=/lib/zcnet/run-tests (scripts/qemu/guest-test.sh).
#
# Runs the tests in the order of /tests/kselftest-list.txt (the selftests'
# Makefile's, written by scripts/ksft.sh; else every /tests/*_test in sorted
# order), each in /tmp under a timeout of
# ZCNET_TEST_TIMEOUT seconds (default 120; zcnet.env.ZCNET_TEST_TIMEOUT=N),
# with the environment /init gave this runner, ZCNET_TEST_TIMEOUT left out.
# Writes each program's output to stdout between "ZCNET-BEGIN <prog>" and
# "ZCNET-END <prog> rc=<rc>" (scripts/qemu/tap2sum.sh reads them). Loads
# zcnet again ($ZCNET_KO) before a test if one before it unloaded it.
#
# What a test leaves running when it ends is killed. A test, or what it
# left, still there 30 seconds after SIGKILL sleeps in the kernel where no
# signal reaches it: the stacks of the tasks in that sleep, and every
# CPU's, go to the console (sysrq w and l), and the test fails. After such
# a test, or after two tests in a row killed by their timeouts, no test
# runs (each is reported as not run): the guest is broken, and waiting out
# every test's timeout would only hold up the whole `make check`.
#
# For the host-side check of this runner (scripts/qemu/selftest.sh) only:
# ZCNET_TESTS_DIR (/tests), ZCNET_CONSOLE (/dev/console), ZCNET_SYSRQ
# (/proc/sysrq-trigger), ZCNET_STUCK_GRACE (30) and ZCNET_REAP_SIGNAL
# (KILL; 0 plays a process that outlives it) move what it touches;
# without ZCNET_KO it loads nothing.
set -uo pipefail

TEST_TIMEOUT="${ZCNET_TEST_TIMEOUT:-120}"
unset ZCNET_TEST_TIMEOUT
TESTS="${ZCNET_TESTS_DIR:-/tests}"
CONSOLE="${ZCNET_CONSOLE:-/dev/console}"
SYSRQ="${ZCNET_SYSRQ:-/proc/sysrq-trigger}"
KILL_AFTER=10 # from the timeout's SIGTERM to its SIGKILL
STUCK_GRACE="${ZCNET_STUCK_GRACE:-30}"
REAP_SIGNAL="${ZCNET_REAP_SIGNAL:-KILL}"
REST="" # why the tests left are not run
KILLED=() # the tests killed by their timeouts, one after the other

log() { echo "run-tests: $*" >"$CONSOLE"; }

# proc_stat PID: that process's command, state and session into P_COMM,
# P_STATE and P_SID (builtins only: it runs for every process after every
# test); fails if it is gone
proc_stat() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	P_COMM="${stat#*(}" P_COMM="${P_COMM%) *}"
	stat="${stat##*) }" # state ppid pgrp session ...
	P_STATE="${stat%% *}"
	stat="${stat#* * * }"
	P_SID="${stat%% *}"
}

# session_pids SID: the live processes of session SID
session_pids() {
	local p
	for p in /proc/[0-9]*; do
		proc_stat "${p#/proc/}" || continue
		[[ $P_SID == "$1" && $P_STATE != Z ]] && echo "${p#/proc/}"
	done
	return 0
}

# reap SID: SIGKILL what is left of session SID until none is, at most
# STUCK_GRACE seconds; fails if some is still there
reap() {
	local left t=0
	while left="$(session_pids "$1")" && [[ -n $left ]]; do
		((t++ < 5 * STUCK_GRACE)) || return 1
		# shellcheck disable=SC2086 # one pid a word
		kill -"$REAP_SIGNAL" $left 2>/dev/null
		sleep 0.2
	done
}

# stuck NAME WHY: something of the test outlived SIGKILL
stuck() {
	local p
	REST="$1 is stuck in the kernel"
	echo "# run-tests: $1 $2, and still there ${STUCK_GRACE}s after SIGKILL: stuck in the kernel"
	for p in /proc/[0-9]*; do
		proc_stat "${p#/proc/}" && [[ $P_STATE == D ]] || continue
		echo "# run-tests: pid ${p#/proc/} ($P_COMM) sleeps uninterruptibly in:"
		sed 's/^/#   /' "$p/stack" 2>/dev/null
	done
	echo w >>"$SYSRQ"
	echo l >>"$SYSRQ"
	log "$1 is stuck in the kernel: blocked tasks and CPU stacks above"
	echo "ZCNET-END $1 rc=137"
}

# A test runs in a session of its own (its pid is the session's id), so
# that what it forks, such as the kselftest harness's child for each test
# (a process group of its own), is found and killed when it ends.
run_test() { # PROG
	local prog="$1" name start rc elapsed pid
	name="$(basename "$prog")"
	if [[ -n $REST ]]; then
		printf 'ZCNET-BEGIN %s\n# run-tests: not run: %s\nZCNET-END %s rc=1\n' \
			"$name" "$REST" "$name"
		return
	fi
	log "running $name"
	echo "ZCNET-BEGIN $name"
	if [[ -n ${ZCNET_KO:-} && ! -d /sys/module/zcnet ]]; then
		echo "# run-tests: zcnet was not loaded, loading it again"
		insmod "$ZCNET_KO" 2>&1
	fi
	start=$SECONDS
	(cd /tmp && exec setsid timeout -k "$KILL_AFTER" "$TEST_TIMEOUT" "$prog") </dev/null 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS - start > TEST_TIMEOUT + KILL_AFTER + STUCK_GRACE)); then
			stuck "$name" "killed after the ${TEST_TIMEOUT}s timeout"
			return
		fi
		sleep 0.5
	done
	wait "$pid"
	rc=$?
	elapsed=$((SECONDS - start))
	if ! reap "$pid"; then
		stuck "$name" "left processes behind (pids $(session_pids "$pid" | tr '\n' ' '))"
		return
	fi
	echo "# run-tests: $name took ${elapsed}s"
	if [[ $rc == @(124|137|143) ]] && ((elapsed >= TEST_TIMEOUT)); then
		echo "# run-tests: $name killed after the ${TEST_TIMEOUT}s timeout"
		KILLED+=("$name")
		((${#KILLED[@]} < 2)) ||
			REST="${KILLED[0]} and ${KILLED[1]} were killed by their timeouts, one after the other"
	else
		KILLED=()
	fi
	echo "ZCNET-END $name rc=$rc"
	log "$name: rc=$rc in ${elapsed}s"
}

# The test programs into PROGS, in the order the selftests' Makefile gives
# them ("collection:program" lines). No process substitution: the guest has
# no /dev/fd.
test_programs() {
	local line
	PROGS=()
	if [[ -f $TESTS/kselftest-list.txt ]]; then
		while IFS= read -r line; do
			[[ -n $line ]] && PROGS+=("$TESTS/${line#*:}")
		done <"$TESTS/kselftest-list.txt"
	else
		PROGS=("$TESTS"/*_test)
	fi
}

log "test timeout ${TEST_TIMEOUT}s"
test_programs
for prog in "${PROGS[@]}"; do
	[[ -f $prog && -x $prog ]] && run_test "$prog"
done
exit 0
