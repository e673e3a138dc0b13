#!/bin/bash
# Turn the BENCH lines of a `make bench` guest (DIR/runs.txt) into
#   DIR/runs.csv     every run
#   DIR/summary.csv  per cell: median, minimum and maximum
#   DIR/ratios.csv   each zcnet cell against every other method of its case
#   DIR/table.txt    the run's environment (DIR/env.txt) and the table (also
#                    printed), with the targets of the benchmark and whether
#                    this run meets them
#   DIR/chart.png    guest busy seconds per GiB, median with min..max bars
# and the run's page Documentation/perf/YYYY-MM-DD-HHMM-KERNEL.md (the
# environment and the table, from the "date:" and "kernel:" lines of
# env.txt), and point the line of README.md that contains
# "<!-- perf-latest -->" at the newest page there.
#
#   report.sh DIR
#
# Can be run again on an old results directory.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

dir="${1:?usage: $0 DIR}"
[[ -s $dir/runs.txt ]] || die "no $dir/runs.txt"

# runs.csv: one row per run, derived rates included
awk '
BEGIN {
	OFS = ","
	print "run,rep,kind,queues,procs,method,size,status,frames,bytes,seconds,cpu_s,gbit_s,mpps,cpu_s_per_gib,cpu_s_per_mframe,cpu_us_per_op,syscalls,syscalls_per_op,lat_p50_us,lat_p99_us,completions,copied,copied_share,recv_frames,lost_frames,peer_bytes,reason,tx_queue_kicks,nic_tx_packets,peer_rx_packets"
}
{
	delete v
	reason = ""
	if (index($0, "reason=")) {
		reason = substr($0, index($0, "reason=") + 7)
		gsub(/"/, "", reason); gsub(/,/, ";", reason)
	}
	for (i = 2; i <= NF; i++) {
		if (index($i, "reason=") == 1) break
		eq = index($i, "=")
		if (eq) v[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	txq = ""
	for (i = 2; i <= NF; i++)
		if ($i ~ /^txq[0-9]+=/) txq = txq (txq == "" ? "" : " ") substr($i, 4)
	gbit = mpps = cgib = cmf = cop = sop = cs = lost = ""
	if (v["status"] == "ok" && v["seconds"] > 0) {
		gbit = sprintf("%.4f", v["bytes"] * 8 / v["seconds"] / 1e9)
		if (v["kind"] ~ /^(raw|uso|tso)$/) mpps = sprintf("%.5f", v["frames"] / v["seconds"] / 1e6)
		if (v["bytes"] > 0) cgib = sprintf("%.3f", v["cpu_s"] / (v["bytes"] / 1073741824))
		if (v["kind"] ~ /^(raw|uso|tso)$/ && v["frames"] > 0) cmf = sprintf("%.3f", v["cpu_s"] / (v["frames"] / 1e6))
		if (v["frames"] > 0) cop = sprintf("%.4f", v["cpu_s"] * 1e6 / v["frames"])
		if (v["frames"] > 0 && v["syscalls"] != "") sop = sprintf("%.4f", v["syscalls"] / v["frames"])
		if (v["completions"] > 0) cs = sprintf("%.4f", v["copied"] / v["completions"])
		else if (v["kind"] == "rx" && v["copied"] != "" && v["frames"] > 0) cs = sprintf("%.4f", v["copied"] / v["frames"])
		if (v["recv_frames"] != "") lost = v["frames"] - v["recv_frames"]
		if (v["kind"] ~ /^(udp|gso)$/ && v["recv_bytes"] != "") lost = sprintf("%.0f", (v["bytes"] - v["recv_bytes"]) / v["size"])
		if (v["kind"] == "rx") lost = v["lost"]
	}
	print v["run"], v["rep"], v["kind"], v["queues"], v["procs"], v["method"], v["size"], v["status"],
	      v["frames"], v["bytes"], v["seconds"], v["cpu_s"], gbit, mpps, cgib, cmf,
	      cop, v["syscalls"], sop, v["lat_p50_us"], v["lat_p99_us"], v["completions"], v["copied"], cs,
	      v["recv_frames"], lost, v["peer_bytes"], reason, txq,
	      v["nic_tx_packets"], v["peer_rx_packets"]
}' "$dir/runs.txt" >"$dir/runs.csv"

# summary.csv: per cell (kind, queues, procs, method, size), in the order
# cells first appear
awk -F, '
function med(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	lo = a[1]; hi = a[n]
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR == 1 { next }
{
	key = $3 "," $4 "," $5 "," $6 "," $7
	if (!(key in seen)) { seen[key] = 1; order[++ncells] = key }
	runs[key]++
	if ($8 == "ok") {
		ok[key]++
		gb[key] = gb[key] " " $13; mp[key] = mp[key] " " $14; cg[key] = cg[key] " " $15
		cm[key] = cm[key] " " $16; p5[key] = p5[key] " " $20; p9[key] = p9[key] " " $21
		cs[key] = cs[key] " " $24; co[key] = co[key] " " $17; so[key] = so[key] " " $19
		if ($26 != "") { lost[key] += $26; sent[key] += $9 }
	} else {
		st[key] = $8; why[key] = $28
	}
}
END {
	OFS = ","
	print "kind,queues,procs,method,size,runs,ok_runs,status,gbit_s,gbit_s_min,gbit_s_max,mpps,cpu_s_per_gib,cpu_s_per_gib_min,cpu_s_per_gib_max,cpu_s_per_mframe,lat_p50_us,lat_p99_us,copied_share,lost_frames,sent_frames,reason,cpu_us_per_op,syscalls_per_op,spread_pct"
	for (c = 1; c <= ncells; c++) {
		k = order[c]
		status = ok[k] == runs[k] ? "ok" : ok[k] ? "partial" : st[k]
		if (!ok[k]) { print k, runs[k], 0, status, "", "", "", "", "", "", "", "", "", "", "", "", "", why[k]; continue }
		g = med(gb[k]); glo = lo; ghi = hi
		m = (mp[k] ~ /[0-9]/) ? med(mp[k]) : ""
		x = med(cg[k]); xlo = lo; xhi = hi
		spread = x > 0 ? sprintf("%.1f", (xhi - xlo) / x * 100) : ""
		f = (cm[k] ~ /[0-9]/) ? med(cm[k]) : ""
		print k, runs[k], ok[k], status, g, glo, ghi, m, x, xlo, xhi, f, med(p5[k]), med(p9[k]),
		      (cs[k] ~ /[0-9]/) ? med(cs[k]) : "", lost[k], sent[k], why[k],
		      (co[k] ~ /[0-9]/) ? med(co[k]) : "", (so[k] ~ /[0-9]/) ? med(so[k]) : "", spread
	}
}' "$dir/runs.csv" >"$dir/summary.csv"

# ratios.csv: zcnet's CPU per GiB (and rates) over each other method's
awk -F, '
NR == 1 { next }
$8 == "ok" || $8 == "partial" { key = $1 "," $2 "," $3 "," $5; cpu[key, $4] = $13; gb[key, $4] = $9; mp[key, $4] = $12; m[key] = m[key] " " $4; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
END {
	OFS = ","
	print "kind,queues,procs,size,zcnet_method,other_method,cpu_s_per_gib_ratio,gbit_s_ratio,mpps_ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]; c = split(m[k], ms, " ")
		for (a = 1; a <= c; a++) {
			if (ms[a] !~ /^zcnet(-|$)|-zcnet$/) continue
			for (b = 1; b <= c; b++) {
				if (a == b) continue
				z = ms[a]; o = ms[b]
				rc = cpu[k, o] > 0 ? sprintf("%.3f", cpu[k, z] / cpu[k, o]) : ""
				rg = gb[k, o] > 0 ? sprintf("%.3f", gb[k, z] / gb[k, o]) : ""
				rm = mp[k, o] > 0 ? sprintf("%.3f", mp[k, z] / mp[k, o]) : ""
				split(k, kk, ",")
				print kk[1], kk[2], kk[3], kk[4], z, o, rc, rg, rm
			}
		}
	}
}' "$dir/summary.csv" >"$dir/ratios.csv"

# The table and the targets
ruler="$(sed -n 's/^settings: ruler \([a-z]*\),.*/\1/p' "$dir/env.txt" 2>/dev/null)"
ruler="${ruler:-wall}"
table() {
	if [[ $ruler == icount ]]; then
		echo "Instruction time: the sender's guest (one vCPU, -icount shift=0,sleep=off)"
		echo "runs 1 ns per instruction; busy = elapsed - idle over the transfer, the"
		echo "sink on the build machine. It does not see cache misses or QEMU's device"
		echo "emulation, and a copy costs one instruction per 'rep movsb' iteration, so"
		echo "ratios favour zero copy somewhat more than hardware would."
	else
		echo "Wall-clock busy time of all guest CPUs from /proc/stat over the transfer"
		echo "(sender, receiver, both NICs, softirq included)."
		echo "Latency: submit to the completion the program sees."
	fi
	echo "Medians of the repetitions; [min..max] over them; spread = (max - min) /"
	echo "median, flagged '!' above 3%. us/op: busy microseconds per frame or write;"
	echo "sys/op: system calls per frame or write. lost: frames completed by the"
	echo "sender but not counted by the sink (UDP: writes' worth of bytes; receive:"
	echo "frames the generator sent that the receiver never got). Receive rows are"
	echo "the receiver's busy time, the generator on the build machine. TCP NxS:"
	echo "N connections at once, one process, S-byte writes. UDP train: each send"
	echo "gives its segment size (1472 B): UDP_SEGMENT control message, ZCNET_TX_GSO."
	echo "raw USO/TSO: super-frames of S bytes with a virtio_net_hdr (zcnet-vnet:"
	echo "ZCNET_TX_VNET_HDR; afp-vnet: PACKET_VNET_HDR send()), 1472-byte UDP or"
	echo "1460-byte TCP segments; us/op per super-frame, lost in super-frames."
	echo "http S B: zcnet-httpd serving an S-byte file from zcnet regions"
	echo "(httpd-zcnet) or by sendfile(2) (httpd-sendfile) to keep-alive"
	echo "clients on the build machine; the server's busy time per GiB of body,"
	echo "us/op per request."
	echo
	awk -F, -v ruler="$ruler" '
	NR == 1 { next }
	{
		kind = $1 == "raw" ? "raw " $5 " B" : $1 == "rx" ? "receive " $5 " B" : $1 == "lat" ? "ping-pong " $5 " B" : $1 == "udp" ? ($5 > 1472 ? "UDP GSO " : "UDP ") $5 " B" : $1 == "gso" ? "UDP train " $5 " B" : "TCP " ($5 >= 1048576 ? $5 / 1048576 " MiB" : $5 / 1024 " KiB")
		if ($1 ~ /^conns[0-9]+$/) kind = "TCP " substr($1, 6) "x" $5 / 1024 " KiB"
		if ($1 ~ /^(uso|tso)$/) kind = "raw " toupper($1) " " $5 " B"
		if ($1 == "http") kind = "http " $5 " B"
		if ($2 > 1) kind = kind " " $2 "q/" $3 "p"
		if ($8 == "unavailable" || $8 == "failed" || $7 == 0) {
			printf "%-17s %-14s %s: %s\n", kind, $4, $8 == "" ? "failed" : $8, $22
			next
		}
		if (!hdr++) {
			printf "%-17s %-14s %-24s %-7s %-9s %-7s %-7s %-8s", "case", "method", "busy s/GiB", "spread", "us/op", "sys/op", "copied", "lost"
			if (ruler == "wall") printf " %-22s %-8s %-8s %s", "Gbit/s", "Mpps", "p50 us", "p99 us"
			printf "\n"
		}
		printf "%-17s %-14s %-24s %-7s %-9s %-7s %-7s %-8s", kind, $4,
		       sprintf("%.3f [%.3f..%.3f]", $13, $14, $15), $25 == "" ? "-" : $25 "%" ($25 > 3 ? "!" : ""),
		       $23 == "" ? "-" : sprintf("%.3f", $23), $24 == "" ? "-" : sprintf("%.2f", $24),
		       $19 == "" ? "-" : sprintf("%.0f%%", $19 * 100),
		       $20 == "" ? "-" : $20 "/" $21 (($8 == "partial") ? " (" $7 "/" $6 " runs ok)" : "")
		if (ruler == "wall")
			printf " %-22s %-8s %-8s %s", sprintf("%.3f [%.3f..%.3f]", $9, $10, $11),
			       $12 == "" ? "-" : sprintf("%.4f", $12), sprintf("%.1f", $17), sprintf("%.1f", $18)
		printf "\n"
	}' "$dir/summary.csv"
	echo
	echo "zcnet against the others, same case (busy s/GiB ratio; below 1: zcnet cheaper):"
	awk -F, 'NR > 1 { k = $1 " " $4 " B" ($2 > 1 ? " " $2 "q/" $3 "p" : "") " " $5; line[k] = line[k] sprintf(" %s %sx", $6, $7 == "" ? "?" : $7); if (!(k in s)) { s[k] = 1; o[++n] = k } }
		END { for (i = 1; i <= n; i++) print "  " o[i] ":" line[o[i]]; if (!n) print "  (no zcnet row measured)" }' "$dir/ratios.csv"
	echo
	echo "Targets ($([[ $ruler == icount ]] && echo "instruction time, sender alone" || echo "wall-clock busy time; set for instruction time"), same run):"
	awk -F, '
	NR == 1 { next }
	$2 == 1 { key = $1 "," $5 "," $4; if ($7 > 0) { cpu[key] = $13; spread[key] = $25 } else why[key] = $8 ": " $22 }
	$1 == "http" && !(($5) in hseen) { hseen[$5] = 1; hs[++nh] = $5 }
	function r(kind, size, z, o) { return cpu[kind "," size "," o] > 0 ? cpu[kind "," size "," z] / cpu[kind "," size "," o] : -1 }
	function check(name, kind, size, z, o, limit,   x) {
		if (!((kind "," size "," z) in cpu)) { printf "  %-46s pending: %s %s\n", name, z, why[kind "," size "," z] ? why[kind "," size "," z] : "not measured"; return }
		x = r(kind, size, z, o)
		if (x < 0) { printf "  %-46s not measured (%s %s)\n", name, o, why[kind "," size "," o]; return }
		printf "  %-46s %s (%.2fx)\n", name, x <= limit ? "met" : "NOT met", x
	}
	END {
		check("raw 1500 B: zcnet <= 0.5x AF_PACKET sendto", "raw", 1500, "zcnet-raw", "afp-sendto", 0.5)
		check("raw 1500 B: zcnet <= 0.8x TX_RING", "raw", 1500, "zcnet-raw", "afp-txring", 0.8)
		check("raw 1500 B: zcnet <= 0.8x AF_XDP", "raw", 1500, "zcnet-raw", "af-xdp", 0.8)
		check("raw 1500 B: zcnet <= 1.5x pktgen", "raw", 1500, "zcnet-raw", "pktgen", 1.5)
		check("raw 64 B: zcnet <= 0.6x AF_PACKET sendto", "raw", 64, "zcnet-raw", "afp-sendto", 0.6)
		check("raw 64 B: zcnet <= 0.8x AF_XDP", "raw", 64, "zcnet-raw", "af-xdp", 0.8)
		check("TCP 64 KiB: zcnet <= 0.1x send", "tcp", 65536, "zcnet-sock", "tcp-send", 0.1)
		check("TCP 64 KiB: zcnet <= 0.6x MSG_ZEROCOPY", "tcp", 65536, "zcnet-sock", "tcp-zerocopy", 0.6)
		check("TCP 64 KiB: zcnet <= 0.6x io_uring SEND_ZC", "tcp", 65536, "zcnet-sock", "uring-sendzc", 0.6)
		check("TCP 4 KiB: zcnet <= 0.4x send", "tcp", 4096, "zcnet-sock", "tcp-send", 0.4)
		check("TCP 256x64 KiB: zcnet <= 0.8x MSG_ZEROCOPY+epoll", "conns256", 65536, "zcnet-conns", "conns-zerocopy", 0.8)
		check("TCP 256x64 KiB: zcnet <= 0.8x SEND_ZC, one ring", "conns256", 65536, "zcnet-conns", "conns-uring", 0.8)
		check("UDP train 64768 B: zcnet <= 0.8x sendmsg", "gso", 64768, "zcnet-gso", "gso-sendmsg", 0.8)
		check("UDP train 64768 B: zcnet <= 0.8x MSG_ZEROCOPY", "gso", 64768, "zcnet-gso", "gso-zerocopy", 0.8)
		check("raw USO 65535 B: zcnet <= 0.3x AF_PACKET vnet", "uso", 65535, "zcnet-vnet", "afp-vnet", 0.3)
		check("raw TSO 65535 B: zcnet <= 0.3x AF_PACKET vnet", "tso", 65535, "zcnet-vnet", "afp-vnet", 0.3)
		check("receive 1500 B: zcnet <= 0.8x TPACKET_V3", "rx", 1500, "zcnet", "afp-tpacket-v3", 0.8)
		check("receive 1500 B: zcnet <= 1.0x AF_XDP copy", "rx", 1500, "zcnet", "af-xdp-copy", 1.0)
		if (!nh) nh = split("4096 65536 1048576 16777216", hs, " ")
		for (i = 1; i <= nh; i++)
			check(sprintf("http %d B: zcnet-httpd <= %.1fx sendfile", hs[i], hs[i] >= 1048576 ? 0.8 : 1.0),
			      "http", hs[i], "httpd-zcnet", "httpd-sendfile", hs[i] >= 1048576 ? 0.8 : 1.0)
		n = over = 0
		for (k in spread) { n++; if (spread[k] > 3) { over++; worst = worst " " k "=" spread[k] "%" } }
		printf "  %-46s %s\n", "every cell: spread over repetitions <= 3%", !n ? "not measured" : over ? "NOT met (" over " of " n " cells:" worst ")" : "met (" n " cells)"
	}' "$dir/summary.csv"
}
body="$(table)"
{
	cat "$dir/env.txt" 2>/dev/null || true
	echo
	printf '%s\n' "$body"
} | tee "$dir/table.txt"

# The run's page, generated: the environment as a list, the table as text
perf="$ZCNET_ROOT/Documentation/perf"
when="$(sed -n 's/^date: \([0-9-]\{10\}\) \([0-9]\{2\}\):\([0-9]\{2\}\) UTC$/\1-\2\3/p' "$dir/env.txt" 2>/dev/null)"
kernel="$(sed -n 's/^kernel: \([A-Za-z0-9.+_-]*\)$/\1/p' "$dir/env.txt" 2>/dev/null)"
if [[ -n $when && -n $kernel ]]; then
	page="$perf/$when-$kernel.md"
	mkdir -p "$perf"
	{
		echo "# make bench: $(sed -n 's/^date: //p' "$dir/env.txt"), $kernel"
		echo
		echo "Generated by scripts/bench/report.sh from one run of \`make bench\`."
		echo
		echo "## Environment"
		echo
		sed 's/^/- /' "$dir/env.txt"
		echo
		echo "## Results"
		echo
		echo '```text'
		printf '%s\n' "$body"
		echo '```'
	} >"$page"
	say "report: ${page#"$ZCNET_ROOT"/}"
	latest="$(find "$perf" -maxdepth 1 -name '[0-9]*.md' -printf '%f\n' | LC_ALL=C sort | tail -n1)"
	readme="$ZCNET_ROOT/README.md"
	if grep -q '<!-- perf-latest -->' "$readme" 2>/dev/null; then
		awk -v page="Documentation/perf/$latest" '
		/<!-- perf-latest -->/ {
			if ($0 ~ /Documentation\/perf\/[^]() ]*\.md/)
				gsub(/Documentation\/perf\/[^]() ]*\.md/, page)
			else
				$0 = "Latest `make bench` results: [" page "](" page ") <!-- perf-latest -->"
		}
		{ print }' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
		say "README.md links to Documentation/perf/$latest"
	else
		say "README.md has no line with <!-- perf-latest -->: not linked"
	fi
else
	say "$dir/env.txt has no date or kernel line: no page under Documentation/perf"
fi

# chart.png: CPU s/GiB per case, one bar per method
command -v gnuplot >/dev/null || { say "no gnuplot: no chart"; exit 0; }
awk -F, '
NR == 1 { next }
$2 == 1 && $4 !~ /^pktgen/ && $1 ~ /^(raw|tcp)$/ {
	c = $1 == "raw" ? "raw " $5 : "TCP " ($5 >= 1048576 ? $5 / 1048576 "M" : $5 / 1024 "K")
	col = $4 ~ /^(afp-sendto|tcp-send)$/ ? 1 : $4 ~ /^(afp-txring|tcp-zerocopy)$/ ? 2 : $4 ~ /^(af-xdp|uring-sendzc)$/ ? 3 : 4
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	v[c, col] = $7 > 0 ? $13 " " $14 " " $15 : "NaN NaN NaN"
}
END { for (i = 1; i <= n; i++) { printf "\"%s\"", order[i]; for (j = 1; j <= 4; j++) printf " %s", ((order[i], j) in v) ? v[order[i], j] : "NaN NaN NaN"; printf "\n" } }
' "$dir/summary.csv" >"$dir/chart.dat"
gnuplot <<EOF || say "gnuplot failed: no chart"
set terminal pngcairo size 1100,600 noenhanced font ",10"
set output "$dir/chart.png"
set title "Guest busy seconds per GiB sent ($ruler; median, bars: min..max; log scale); lower is better"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set key top right
set ylabel "busy s / GiB"
set logscale y
set yrange [10:*]
set grid ytics mytics
set datafile missing "NaN"
plot "$dir/chart.dat" using 2:3:4:xtic(1) title "AF_PACKET sendto | TCP send", \
     "" using 5:6:7 title "AF_PACKET TX_RING | MSG_ZEROCOPY", \
     "" using 8:9:10 title "AF_XDP copy | io_uring SEND_ZC", \
     "" using 11:12:13 title "zcnet raw | zcnet socket"
EOF
