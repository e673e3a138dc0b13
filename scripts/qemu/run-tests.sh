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
set -uo pipefail

TEST_TIMEOUT="${ZCNET_TEST_TIMEOUT:-120}"
unset ZCNET_TEST_TIMEOUT

log() { echo "run-tests: $*" >/dev/console; }

run_test() { # PROG
	local prog="$1" name start rc elapsed
	name="$(basename "$prog")"
	log "running $name"
	echo "ZCNET-BEGIN $name"
	if [[ ! -d /sys/module/zcnet ]]; then
		echo "# run-tests: zcnet was not loaded, loading it again"
		insmod "$ZCNET_KO" 2>&1
	fi
	start="$(date +%s)"
	(cd /tmp && exec timeout -k 10 "$TEST_TIMEOUT" "$prog") </dev/null 2>&1
	rc=$?
	elapsed=$(($(date +%s) - start))
	echo "# run-tests: $name took ${elapsed}s"
	if [[ $rc == @(124|137|143) ]] && ((elapsed >= TEST_TIMEOUT)); then
		echo "# run-tests: $name killed after the ${TEST_TIMEOUT}s timeout"
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
	if [[ -f /tests/kselftest-list.txt ]]; then
		while IFS= read -r line; do
			[[ -n $line ]] && PROGS+=("/tests/${line#*:}")
		done </tests/kselftest-list.txt
	else
		PROGS=(/tests/*_test)
	fi
}

log "test timeout ${TEST_TIMEOUT}s"
test_programs
for prog in "${PROGS[@]}"; do
	[[ -f $prog && -x $prog ]] && run_test "$prog"
done
exit 0
