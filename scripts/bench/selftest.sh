#!/bin/bash
# Host-side checks of the benchmark's scripts, for `make check` (nothing
# boots): the environment knobs refuse bad values before doing anything,
# scripts/bench/profile.sh splits sampled call chains the way its header
# says, and scripts/bench/report.sh writes its page and link and its table.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

# expect_refusal WHAT TEXT COMMAND...: COMMAND must fail and say TEXT.
# Bounded in time: a value let through would start the real thing.
expect_refusal() {
	local what="$1" text="$2" out rc=0
	shift 2
	out="$(timeout -s KILL 30 "$@" 2>&1)" || rc=$?
	if ((rc == 0)) || [[ $out != *"$text"* ]]; then
		echo "FAIL $what: status $rc, said: $out"
		failures=$((failures + 1))
	else
		echo "ok $what"
	fi
}

for bad in "zcnet-raw" "zcnet-raw:" ":1500" "zcnet-raw:1500;reboot" "ZCNET:1500"; do
	expect_refusal "ZCNET_BENCH_PROFILE='$bad'" "ZCNET_BENCH_PROFILE: words METHOD:SIZE" \
		env ZCNET_BENCH_PROFILE="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in "tx_copy_threshold_strict" "a=b" "x=1;reboot" "X=1" "a=1,b=2"; do
	expect_refusal "ZCNET_BENCH_MODPARAMS='$bad'" "ZCNET_BENCH_MODPARAMS: words NAME=NUMBER" \
		env ZCNET_BENCH_MODPARAMS="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in "--smp 9" "--rx-release-us 1e3" "--rx-release-us 09" "--tx-flush-us -1" "--tx-flush-us 0150"; do
	# shellcheck disable=SC2086 # an option and its value
	expect_refusal "vm.sh $bad" "usage:" "$ZCNET_SCRIPTS/qemu/vm.sh" --kernel none --initrd none \
		--out "$work/vm" --run /none $bad
done
expect_refusal "vm.sh --host-peer /nonexistent" "--host-peer: /nonexistent is not a program" \
	"$ZCNET_SCRIPTS/qemu/vm.sh" --kernel none --initrd none --out "$work/vm" --run /none \
	--host-peer /nonexistent
: >"$work/bzImage"
: >"$work/initrd"
expect_refusal "vm.sh with ZCNET_QEMU=latest" "ZCNET_QEMU is system or backports, not 'latest'" \
	env ZCNET_QEMU=latest "$ZCNET_SCRIPTS/qemu/vm.sh" --kernel "$work/bzImage" \
	--initrd "$work/initrd" --out "$work/vm" --run /none
for v in ZCNET_QEMU ZCNET_BENCH_USO_QEMU; do
	expect_refusal "$v=latest" "$v is system or backports, not 'latest'" \
		env "$v=latest" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in 0 abc "1 2"; do
	expect_refusal "ZCNET_BENCH_RX_RATE='$bad'" "ZCNET_BENCH_RX_RATE must be a number of frames" \
		env ZCNET_BENCH_RX_RATE="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
expect_refusal "ZCNET_BENCH_RULER=tsc" "ZCNET_BENCH_RULER must be icount or wall" \
	env ZCNET_BENCH_RULER=tsc "$ZCNET_SCRIPTS/bench/bench.sh"
for bad in -1 abc 1000000 "150 150" 0150; do
	expect_refusal "ZCNET_BENCH_TX_FLUSH_US='$bad'" "ZCNET_BENCH_TX_FLUSH_US must be 0..999999" \
		env ZCNET_BENCH_TX_FLUSH_US="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in 0 1 abc 10000 "256;reboot" "256,512"; do
	expect_refusal "ZCNET_BENCH_CONNS='$bad'" "ZCNET_BENCH_CONNS: connection counts, 2..9999" \
		env ZCNET_BENCH_CONNS="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in 0 abc 65508 99999 "64768 x"; do
	expect_refusal "ZCNET_BENCH_GSO_SIZES='$bad'" "ZCNET_BENCH_GSO_SIZES: train sizes in bytes, up to 65507" \
		env ZCNET_BENCH_GSO_SIZES="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in 0 abc 16777217 123456789 "4096;reboot" "4096,65536"; do
	expect_refusal "ZCNET_BENCH_HTTP_SIZES='$bad'" "ZCNET_BENCH_HTTP_SIZES: file sizes in bytes, 1..16777216" \
		env ZCNET_BENCH_HTTP_SIZES="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in 0 1000 abc "8 16"; do
	expect_refusal "ZCNET_BENCH_HTTP_CONNS='$bad'" "ZCNET_BENCH_HTTP_CONNS: a connection count, 1..999" \
		env ZCNET_BENCH_HTTP_CONNS="$bad" "$ZCNET_SCRIPTS/bench/bench.sh"
done
for bad in "indirect_desc=off" ",indirect_desc" ",a=b c" ",x=\$(id)"; do
	expect_refusal "ZCNET_VIRTIO_OPTS='$bad'" "ZCNET_VIRTIO_OPTS: ,property=value pairs" \
		env ZCNET_VIRTIO_OPTS="$bad" "$ZCNET_SCRIPTS/qemu/vm.sh" \
		--kernel none --initrd none --out "$work/vm" --run /none
done

# One profiled run of 1000 frames at perf's 499 Hz: 499 samples are one
# second, 1000 us per frame.
dir="$work/profile"
mkdir -p "$dir/guest"
echo "PROFILE-RUN run=2 rep=0 kind=raw method=zcnet-raw size=1500 status=ok frames=1000" \
	>"$dir/guest/results.log"
cat >"$dir/perf-zcnet-raw-1500.folded" <<'EOF'
4990 swapper;common_startup_64;cpu_startup_entry;do_idle;default_idle;pv_native_safe_halt
499 zcnet-bench;__ioctl;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_ioctl;zcnet_ioc_kick;zcnet_tx_raw_prepare
998 zcnet-bench;__ioctl;do_syscall_64;__x64_sys_ioctl;zcnet_ioc_kick;__local_bh_enable_ip;do_softirq.part.0;handle_softirqs;net_rx_action;virtnet_poll
499 zcnet-bench;__recvmmsg;do_syscall_64;__x64_sys_recvmmsg;packet_recvmsg
499 ksoftirqd/1;ret_from_fork_asm;ret_from_fork;kthread;run_ksoftirqd;handle_softirqs;net_rx_action;virtnet_poll
499 kworker/0:1;ret_from_fork_asm;ret_from_fork;kthread;worker_thread;zcnet_tx_retry_work
499 zcnet-bench;asm_common_interrupt;common_interrupt;vp_interrupt
499 zcnet-bench;lat_add
499 sleep;execve;do_execveat_common.isra.0
EOF
"$ZCNET_SCRIPTS/bench/profile.sh" "$dir" >"$work/summary.txt"
# compared with runs of blanks squeezed to one and no indentation
sed 's/^ *//; s/  */ /g' "$work/summary.txt" >"$work/squeezed.txt"
want=(
	"zcnet-raw 1500 B: 1000 frames, 9000.0 us of busy CPU each"
	"sender 1000.00 us"
	"1000.00 zcnet_tx_raw_prepare"
	"receiver 1000.00 us"
	"softirq 3000.00 us"
	"3000.00 virtnet_poll"
	"irq 1000.00 us"
	"kthreads 1000.00 us"
	"1000.00 zcnet_tx_retry_work"
	"user 1000.00 us"
	"1000.00 lat_add"
	"harness 1000.00 us"
	"1000.00 program:sleep"
)
missing=0
for line in "${want[@]}"; do
	if grep -qxF -- "$line" "$work/squeezed.txt"; then
		echo "ok bench-profile: $line"
	else
		echo "FAIL bench-profile: no line '$line'"
		missing=$((missing + 1))
	fi
done
if ((missing)); then
	cat "$work/summary.txt"
	failures=$((failures + missing))
fi

# A receive row: whatever the receiving program calls (poll, read) is the
# receiver's, not a sender's; softirq work that interrupted the idle task
# is busy time, the halt itself is not.
dir="$work/profile-rx"
mkdir -p "$dir/guest"
echo "PROFILE-RUN run=3 rep=0 kind=rx queues=1 procs=1 method=zcnet size=1500 status=ok frames=1000" \
	>"$dir/guest/results.log"
cat >"$dir/perf-zcnet-1500.folded" <<'EOF'
499 zcnet-bench;__poll;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_poll;do_sys_poll
499 zcnet-bench;read;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_read;eventfd_read
998 swapper;common_startup_64;cpu_startup_entry;do_idle;default_idle;pv_native_safe_halt
499 swapper;cpu_startup_entry;do_idle;default_idle;pv_native_safe_halt;asm_common_interrupt;common_interrupt;__irq_exit_rcu;handle_softirqs;net_rx_action;virtnet_poll
EOF
"$ZCNET_SCRIPTS/bench/profile.sh" "$dir" | sed 's/^ *//; s/  */ /g' >"$work/rx.txt"
if grep -qxF "receiver 2000.00 us" "$work/rx.txt" && ! grep -q "^sender" "$work/rx.txt" &&
	grep -qxF "softirq 1000.00 us" "$work/rx.txt" &&
	grep -qxF "zcnet 1500 B: 1000 frames, 3000.0 us of busy CPU each" "$work/rx.txt"; then
	echo "ok bench-profile: a receive row's system calls are the receiver's, softirq work on the idle task counts"
else
	echo "FAIL bench-profile: a receive row's system calls:"
	cat "$work/rx.txt"
	failures=$((failures + 1))
fi

# report.sh on a made-up run, in a copy of the tree: one page per run
# under Documentation/perf, README's perf-latest line at the newest page,
# and no page (and no failure) without a date in env.txt.
root="$work/root"
mkdir -p "$root/scripts" "$root/Documentation/perf"
cp -r "$ZCNET_SCRIPTS/." "$root/scripts/"
printf '# x\n\nsee <!-- perf-latest -->\nend\n' >"$root/README.md"
fake_run() { # DIR DATE
	mkdir -p "$1"
	{
		[[ -z $2 ]] || echo "date: $2 UTC"
		echo "kernel: 6.12.1-test"
	} >"$1/env.txt"
	echo "BENCH run=1 rep=1 kind=raw queues=1 procs=1 method=zcnet-raw size=1500 status=ok frames=1000 bytes=1500000 seconds=1 cpu_s=0.5 completions=1000 copied=0" >"$1/runs.txt"
	"$root/scripts/bench/report.sh" "$1" >"$1/out" 2>&1
}
check_report() { # WHAT CONDITION...
	local what="$1"
	shift
	if "$@"; then
		echo "ok report: $what"
	else
		echo "FAIL report: $what"
		failures=$((failures + 1))
	fi
}
fake_run "$work/r1" "2026-01-02 03:04" || true
fake_run "$work/r2" "2026-02-03 04:05" || true
fake_run "$work/r0" "" || true
check_report "one page per run" test -s "$root/Documentation/perf/2026-01-02-0304-6.12.1-test.md"
check_report "the page has the table" grep -q "zcnet-raw" "$root/Documentation/perf/2026-02-03-0405-6.12.1-test.md"
check_report "README links the newest page" \
	grep -q "^Latest .*(Documentation/perf/2026-02-03-0405-6.12.1-test.md) <!-- perf-latest -->$" "$root/README.md"
check_report "no page without a date" \
	test "$(find "$root/Documentation/perf" -name '*.md' | wc -l)" -eq 2

# The table of an instruction-time run: busy time per operation, system
# calls per operation, the spread over repetitions flagged above 3%, the
# case names of UDP and receive rows, zcnet's ratio to pktgen, and the
# targets on spread and receive.
dir="$work/icount"
mkdir -p "$dir"
printf 'date: 2026-03-04 05:06 UTC\nkernel: 6.12.1-test\nsettings: ruler icount, 3 repetitions\n' >"$dir/env.txt"
for rep in 1 2 3; do
	# zcnet: 2 us and 0.01 system calls a frame every time; sendto from
	# 3 us to 3.3 us (10%); pktgen 4 us
	echo "BENCH run=$rep rep=$rep kind=raw queues=1 procs=1 method=zcnet-raw size=1500 status=ok frames=100000 bytes=150000000 seconds=1 cpu_s=0.2 completions=100000 copied=0 syscalls=1000"
	echo "BENCH run=$rep rep=$rep kind=raw queues=1 procs=1 method=afp-sendto size=1500 status=ok frames=100000 bytes=150000000 seconds=1 cpu_s=0.$((29 + rep)) completions=100000 copied=0 syscalls=100000"
	echo "BENCH run=$rep rep=$rep kind=raw queues=1 procs=1 method=pktgen size=1500 status=ok frames=100000 bytes=150000000 seconds=1 cpu_s=0.4 completions=100000 copied=0 syscalls=0"
	echo "BENCH run=$rep rep=$rep kind=udp queues=1 procs=1 method=zcnet-udp size=64768 status=ok frames=100 bytes=6476800 seconds=1 cpu_s=0.1 completions=100 copied=0 syscalls=10 recv_bytes=6476800"
	echo "BENCH run=$rep rep=$rep kind=rx queues=1 procs=1 method=zcnet size=1500 status=ok frames=1000 bytes=1500000 seconds=1 cpu_s=0.01 lost=0 syscalls=10 copied=1000"
	# the file server: zcnet 0.25 s per GiB of 1 MiB bodies, sendfile 0.5
	echo "BENCH run=$rep rep=$rep kind=http queues=1 procs=1 method=httpd-zcnet size=1048576 status=ok frames=1024 bytes=1073741824 seconds=1 cpu_s=0.25 completions=2048 copied=1024 errors=0 syscalls=0"
	echo "BENCH run=$rep rep=$rep kind=http queues=1 procs=1 method=httpd-sendfile size=1048576 status=ok frames=1024 bytes=1073741824 seconds=1 cpu_s=0.5 completions=0 copied=0 errors=0 syscalls=0"
done >"$dir/runs.txt"
ZCNET_ROOT="$root" "$root/scripts/bench/report.sh" "$dir" >"$dir/out" 2>&1 || true
table_has() { # WHAT EXTENDED-REGEX
	check_report "$1" grep -qE -- "$2" "$dir/table.txt"
}
table_has "busy us per frame and system calls per frame" '^raw 1500 B +zcnet-raw +1\.432 \[1\.432\.\.1\.432\] +0\.0% +2\.000 +0\.01 '
table_has "a spread above 3% is flagged" '^raw 1500 B +afp-sendto +.* 6\.5%! '
table_has "UDP GSO rows are named so" '^UDP GSO 64768 B +zcnet-udp '
table_has "receive rows are named so, with the copied share" '^receive 1500 B +zcnet +.* 100% +0/3000'
table_has "zcnet against pktgen" 'raw 1500 B zcnet-raw:.* pktgen 0\.500x'
table_has "file-server rows are named so, with the copied share" '^http 1048576 B +httpd-zcnet +0\.250 .* 50% '
table_has "zcnet-httpd against sendfile" 'http 1048576 B httpd-zcnet: httpd-sendfile 0\.500x'
table_has "the file-server target at 1 MiB" 'http 1048576 B: zcnet-httpd <= 0\.8x sendfile +met \(0\.50x\)'
table_has "the spread target fails on the flagged cell" 'spread over repetitions <= 3% +NOT met \(1 of 7 cells'
table_has "the ruler is named" '^Instruction time'

((failures == 0)) || die "$failures checks of the benchmark scripts failed"
say "all checks of the benchmark scripts passed"
