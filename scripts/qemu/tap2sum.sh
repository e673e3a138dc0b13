#!/bin/bash
# Summarise one guest run.
#
#   tap2sum.sh DIR [LABEL]
#
# Reads DIR/results.log (program blocks written by scripts/qemu/init.sh and
# scripts/qemu/run-tests.sh) and DIR/console.log. Counts every top-level
# TAP "ok"/"not ok" line:
# "# SKIP" is skipped, "# XFAIL" and "# TODO" pass. These count as failures
# too: a program that exits non-zero without a failing test line, a program
# with fewer test lines than its plan, a program killed by the guest's
# per-test timeout or stuck in the kernel, a program not run after such
# (scripts/qemu/run-tests.sh), a block without ZCNET-END (crash, or the
# whole guest timed out), a missing ZCNET-DONE, and a kernel panic, BUG,
# WARNING or Oops on the console. Prints "FAIL [LABEL] name" and "SKIP [LABEL] name" lines, then
# a last line "TOTAL passed=N failed=N skipped=N". Exits 1 if anything failed.
set -euo pipefail

(($# >= 1 && $# <= 2)) || { echo "usage: $0 DIR [LABEL]" >&2; exit 2; }
dir="$1"
label="${2:-$(basename "$dir")}"

results="$dir/results.log"
console="$dir/console.log"
[[ -f $results ]] || results=/dev/null
[[ -f $console ]] || console=/dev/null

panic="$(tr -d '\r' <"$console" | grep -m1 -E 'Kernel panic|BUG:|WARNING:|Oops' || true)"

tr -d '\r' <"$results" | awk -v label="$label" -v panic="$panic" '
function fail(name) { failed++; printf "FAIL [%s] %s\n", label, name }
function skip(name) { skipped++; printf "SKIP [%s] %s\n", label, name }
function end_block(rc) {
	if (timedout) {
		fail(prog ": " timedout)
		prog = ""
		return
	}
	if (rc == 4 && ntests == 0)
		skip(prog ": skipped (exit 4)")
	else if (rc != 0 && rc != 4 && nfail == 0)
		fail(prog ": exit " rc)
	else if (rc == 0 && ntests == 0)
		passed++
	if (plan > ntests)
		fail(prog ": planned " plan " tests, reported " ntests)
	prog = ""
}
/^ZCNET-BEGIN / {
	if (prog != "")
		fail(prog ": no ZCNET-END (crashed or timed out)")
	prog = $2; ntests = 0; nfail = 0; plan = 0; timedout = ""
	next
}
/^ZCNET-END / {
	if (prog == "") next
	rc = $3; sub(/^rc=/, "", rc)
	end_block(rc + 0)
	next
}
/^ZCNET-DONE$/ { done = 1; next }
prog == "" { next }
/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
/^# (zcnet-init|run-tests): .* killed after/ { timedout = $0; sub(/^# [a-z-]*: [^ ]* /, "", timedout); next }
/^# run-tests: not run: / { timedout = $0; sub(/^# run-tests: /, "", timedout); next }
/^Bail out!/ { nfail++; fail(prog ": " $0); next }
/^(not )?ok [0-9]+/ {
	ntests++
	line = $0
	bad = (line ~ /^not /)
	name = line
	sub(/^(not )?ok [0-9]+ ?(- )?/, "", name)
	directive = ""
	if (match(name, / # /)) {
		directive = toupper(substr(name, RSTART + 3))
		name = substr(name, 1, RSTART - 1)
	}
	if (directive ~ /^SKIP/)
		skip(prog ": " name substr(line, index(line, " # ")))
	else if (directive ~ /^(XFAIL|TODO)/ || !bad)
		passed++
	else {
		nfail++
		fail(prog ": " name)
	}
}
END {
	if (prog != "")
		fail(prog ": no ZCNET-END (crashed or timed out)")
	if (!done)
		fail("guest did not finish (no ZCNET-DONE)")
	if (panic != "")
		fail("kernel console: " panic)
	printf "TOTAL passed=%d failed=%d skipped=%d\n", passed, failed, skipped
	exit failed > 0
}'
