#!/bin/bash
# Where the guest's CPU time goes in the profiled runs of `make bench`
# (ZCNET_BENCH_PROFILE): reads DIR/perf-METHOD-SIZE.folded (every sampled
# call chain with its count) and the PROFILE-RUN lines of
# DIR/guest/results.log (frames or writes sent in each profiled run), and
# writes DIR/profile-summary.txt (also printed): for each run, guest CPU
# microseconds per frame (per write for TCP, per request for the file
# server) in
#   sender     the sending program's system calls, softirq work excluded
#   receiver   the sink's system calls, softirq work excluded (in a
#              receive row, every system call of the receiving program)
#   softirq    NIC and stack work in softirq, wherever it ran
#   irq        interrupt handling other than softirq
#   kthreads   kernel threads (workqueues) other than softirq
#   user       the benchmark's own code outside the kernel, its page faults
#   harness    other programs: the shell running the matrix, perf itself
# and, under each, the functions that take the most, inclusive.
#
#   profile.sh DIR
set -euo pipefail
source "$(dirname "$0")/../common.sh"

dir="${1:?usage: $0 DIR}"
shopt -s nullglob
files=("$dir"/perf-*.folded)
((${#files[@]})) || die "no profiles in $dir"

runs="$(tr -d '\r' <"$dir/guest/results.log" | grep '^PROFILE-RUN ' || true)"
{
	echo "Guest CPU per frame (raw) or per write (TCP), in microseconds, from"
	echo "perf record -a -g -e cpu-clock at 499 Hz in one extra run of each"
	echo "cell; idle left out. The profiled runs are slower than the measured"
	echo "ones (perf's own cost), so compare them with each other only."
	for f in "${files[@]}"; do
		cell="${f##*/perf-}"
		cell="${cell%.folded}"
		method="${cell%-*}" size="${cell##*-}"
		frames="$(awk -v m="$method" -v s="$size" '
			{ delete v; for (i = 2; i <= NF; i++) { eq = index($i, "="); v[substr($i, 1, eq - 1)] = substr($i, eq + 1) } }
			v["method"] == m && v["size"] == s { print v["frames"] + 0, v["kind"]; exit }' <<<"$runs")"
		read -r frames kind <<<"$frames"
		echo
		if [[ -z $frames || $frames == 0 ]]; then
			echo "$method $size B: no frame count for this run"
			continue
		fi
		awk -v method="$method" -v size="$size" -v frames="$frames" -v rx="$([[ $kind == rx ]] && echo 1 || echo 0)" -v hz=499 '
		# fr[1] is the program (comm), fr[2..n] the chain from its root
		function cls(fr, n,    i, f) {
			for (i = 2; i <= n; i++)
				if (fr[i] == "common_interrupt" || fr[i] ~ /^asm_sysvec/) return "irq"
			for (i = 2; i <= n; i++)
				if (fr[i] == "ret_from_fork") return "kthreads"
			if (fr[1] != "zcnet-bench" && fr[1] != "zcnet-httpd") return "harness"
			# in a receive row the program only receives, whatever it calls
			for (i = 2; rx && i <= n; i++) if (fr[i] ~ /^__x64_sys_/) return "receiver"
			for (i = 2; i <= n; i++) {
				f = fr[i]
				if (f ~ /^__(x64_)?sys_(recvfrom|recvmsg|recvmmsg|read)$/) return "receiver"
				if (f ~ /^__(x64_)?sys_(ioctl|sendto|sendmsg|sendmmsg|sendfile64|io_uring_enter|poll|ppoll|epoll_wait|epoll_ctl|futex|openat2|newfstat|close|accept4)$/) return "sender"
			}
			return "user"
		}
		{
			n = split($2, fr, ";")
			c = $1 + 0
			# idle, unless an interrupt came in on the idle task: a
			# receive row does most of its work there
			idle = 0
			for (i = 2; i <= n; i++) if (fr[i] ~ /safe_halt|^do_idle$/) idle = 1
			for (i = 2; i <= n; i++) if (fr[i] == "common_interrupt" || fr[i] ~ /^asm_sysvec/) idle = 0
			if (idle) next
			busy += c
			cut = n + 1
			for (i = 2; i <= n; i++) if (fr[i] == "handle_softirqs" || fr[i] == "__do_softirq") { cut = i; break }
			k = (cut <= n) ? "softirq" : cls(fr, n)
			cat[k] += c
			delete seen
			lo = (k == "softirq") ? cut + 1 : 2
			hi = (k == "softirq") ? n : cut - 1
			for (i = lo; i <= hi; i++) {
				if (fr[i] in seen) continue
				seen[fr[i]] = 1
				fn[k SUBSEP fr[i]] += c
			}
			if (k == "harness") fn[k SUBSEP "program:" fr[1]] += c
		}
		function us(c) { return c / hz / frames * 1e6 }
		END {
			printf "%s %s B: %d frames, %.1f us of busy CPU each\n", method, size, frames, us(busy)
			split("sender receiver softirq irq kthreads user harness", order, " ")
			for (o = 1; o <= 7; o++) {
				k = order[o]
				if (!(k in cat)) continue
				printf "  %-9s %8.2f us\n", k, us(cat[k])
				m = 0
				for (key in fn) {
					split(key, p, SUBSEP)
					if (p[1] != k || fn[key] < 0.03 * cat[k] || us(fn[key]) < 0.2) continue
					list[++m] = sprintf("%012.4f %s", us(fn[key]), p[2])
				}
				# simple selection sort: a handful of lines
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (list[j] > list[i]) { t = list[i]; list[i] = list[j]; list[j] = t }
				shown = 0
				for (i = 1; i <= m && shown < 8; i++) {
					split(list[i], q, " ")
					if (q[2] ~ /^(entry_SYSCALL_64_after_hwframe|do_syscall_64|ret_from_fork_asm|ret_from_fork|kthread|asm_common_interrupt|common_interrupt|__irq_exit_rcu|net_rx_action|__napi_poll|smpboot_thread_fn|run_ksoftirqd)$/ || q[2] ~ /^0(x|$)/) continue
					printf "      %8.2f  %s\n", q[1] + 0, q[2]
					shown++
				}
				delete list
			}
		}' "$f"
	done
} | tee "$dir/profile-summary.txt"
