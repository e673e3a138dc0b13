#!/bin/bash
# The `make bench` matrix, run inside the guest by /init as
# /bench/guest-bench.sh (zcnet.run=/bench/guest-bench.sh). Its output goes
# to the results serial port; scripts/bench/bench.sh turns it into the
# table, CSV and chart.
#
# Every run is one zcnet-bench sender (or two, for scaling) in the root
# namespace against one zcnet-bench sink. With ZCNET_BENCH_HOST (the
# instruction-time ruler) the sink runs on the build machine at that
# address, through "zcnet-bench remote" to the "zcnet-bench serve" that
# scripts/qemu/vm.sh --host-peer started there, and the guest's peer NIC is
# down, so the guest's busy time is the sender's alone. Without it the sink
# runs on the peer NIC in namespace ZCNET_PEER_NS, in this guest. The
# repetitions go round the whole matrix, so a slow patch of the machine
# spreads over all methods instead of hitting one. The pktgen rows are the
# kernel's own transmit path with no user program: frames that pktgen
# builds, a new skb each (pktgen) or one skb sent 1000 times (pktgen-clone).
# One line per run:
#   BENCH run=N rep=R kind=raw|tcp|udp|rx|http queues=Q procs=P method=M size=S
#         status=ok|failed|unavailable key=value...
# and "bench: progress N/TOTAL ..." before each run.
#
# Environment (set by /init, the ZCNET_BENCH_* through zcnet.env.*):
# ZCNET_IFACE, ZCNET_PEER_NS, ZCNET_PEER_IFACE, ZCNET_PEER_IP, ZCNET_TOOLS;
# ZCNET_BENCH_HOST, ZCNET_BENCH_SECONDS per run, ZCNET_BENCH_REPS,
# ZCNET_BENCH_SCALING (1: also two queues and two senders),
# ZCNET_BENCH_RAW_SIZES, ZCNET_BENCH_TCP_SIZES, ZCNET_BENCH_UDP_SIZES
# (1472 64768: one datagram, a GSO train), ZCNET_BENCH_CONNS (256: TCP
# connections at once, 64 KiB writes, case "conns256"), ZCNET_BENCH_GSO_SIZES
# (64768: UDP trains of 1472-byte segments, each send giving its segment
# size, case "gso"), ZCNET_BENCH_VNET_SIZES (65535: raw super-frames with a
# virtio_net_hdr, UDP 1472-byte segments (case "uso") and TCP 1460-byte
# ones (case "tso"), zcnet ZCNET_TX_VNET_HDR against AF_PACKET
# PACKET_VNET_HDR, to a sink that checks and counts every segment),
# ZCNET_BENCH_RX_SIZES (64 1500),
# ZCNET_BENCH_RX_FRAMES (60000) and ZCNET_BENCH_RX_RATE (20000 frames per
# second of the generator's clock), ZCNET_BENCH_RXQ_QUEUES (1 2 4: the
# receive case by RX queue, zcnet-rxq, one context per queue, UDP from
# RXQ_FLOWS source ports that the NIC spreads over its queues),
# ZCNET_BENCH_ONLY (rxq: run only that case, in the boot of its own that
# scripts/bench/bench.sh gives it; uso: only the UDP-train and super-frame
# cases, likewise; main: every case but those; unset: every case but rxq),
# ZCNET_BENCH_FIRST_RUN (the run number to count on from), ZCNET_BENCH_METHODS (a subset
# of the methods, for quick looks), ZCNET_BENCH_PROFILE (METHOD:SIZE
# cells run once more after the matrix under `perf record -a -g`; their
# reports are the lines "PROFILE METHOD SIZE self|children|folded ...").
# ZCNET_BENCH_PING_SIZES (64), ZCNET_BENCH_PING_FRAMES (2000 round trips a
# run) and ZCNET_BENCH_BUSY_POLL_USEC (1000): the ping-pong latency case
# (kind=lat), only with the sink in the guest (wall-clock ruler).
# ZCNET_BENCH_HTTP_SIZES (4096 65536 1048576 16777216) and
# ZCNET_BENCH_HTTP_CONNS (8): the file-server case (kind=http), files of
# those sizes in a tmpfs of this guest served by zcnet-httpd (httpd-zcnet)
# and zcnet-httpd --sendfile (httpd-sendfile) to that many keep-alive
# connections of zcnet-bench get, each fetching one file over and over.
set -uo pipefail

IFACE="${ZCNET_IFACE:?}"
PEER_NS="${ZCNET_PEER_NS:?}"
PEER_IFACE="${ZCNET_PEER_IFACE:?}"
PEER_IP="${ZCNET_PEER_IP:?}"
BENCH="${ZCNET_TOOLS:-/usr/local/bin}/zcnet-bench"
SECS="${ZCNET_BENCH_SECONDS:-3}"
REPS="${ZCNET_BENCH_REPS:-5}"
SCALING="${ZCNET_BENCH_SCALING:-1}"
RAW_SIZES="${ZCNET_BENCH_RAW_SIZES:-64 1500 9000}"
TCP_SIZES="${ZCNET_BENCH_TCP_SIZES:-4096 65536 1048576}"
PROFILE="${ZCNET_BENCH_PROFILE:-}"
RAW_SIZES="${RAW_SIZES//,/ }" TCP_SIZES="${TCP_SIZES//,/ }" PROFILE="${PROFILE//,/ }" # from the kernel command line
RAW_METHODS="afp-sendto afp-txring af-xdp zcnet-raw zcnet-raw-zc"
ALL_RAW_METHODS="$RAW_METHODS"
TCP_METHODS="tcp-send tcp-zerocopy tcp-sendfile uring-sendzc zcnet-sock"
UDP_METHODS="udp-sendmmsg udp-zerocopy zcnet-udp" ALL_UDP_METHODS="udp-sendmmsg udp-zerocopy zcnet-udp"
UDP_SIZES="${ZCNET_BENCH_UDP_SIZES:-1472 64768}" UDP_SIZES="${UDP_SIZES//,/ }"
# Many connections: the senders of one process on CONNS TCP connections at
# once, CONN_SIZE-byte writes. UDP trains: each send says its segment size
# (UDP_SEGMENT control message, ZCNET_TX_GSO), GSO_SEGMENT bytes a segment.
CONN_METHODS="conns-zerocopy conns-uring zcnet-conns" ALL_CONN_METHODS="$CONN_METHODS"
CONNS="${ZCNET_BENCH_CONNS:-256}" CONNS="${CONNS//,/ }" CONN_SIZE=65536
GSO_METHODS="gso-sendmsg gso-zerocopy zcnet-gso" ALL_GSO_METHODS="$GSO_METHODS"
GSO_SIZES="${ZCNET_BENCH_GSO_SIZES:-64768}" GSO_SIZES="${GSO_SIZES//,/ }" GSO_SEGMENT=1472
# Raw super-frames: the same bytes from both methods, to a MAC that is not
# the sink's (its host drops them as another's, its packet socket counts)
VNET_METHODS="afp-vnet zcnet-vnet" ALL_VNET_METHODS="$VNET_METHODS" VNET_MAC=02:7a:63:6e:65:74
VNET_SIZES="${ZCNET_BENCH_VNET_SIZES:-65535}" VNET_SIZES="${VNET_SIZES//,/ }"
RX_METHODS="zcnet afp-tpacket-v3 af-xdp-copy udp-recvmmsg" ALL_RX_METHODS="$RX_METHODS"
RX_SIZES="${ZCNET_BENCH_RX_SIZES:-64 1500}" RX_SIZES="${RX_SIZES//,/ }"
RX_FRAMES="${ZCNET_BENCH_RX_FRAMES:-60000}" RX_RATE="${ZCNET_BENCH_RX_RATE:-20000}"
PING_METHODS="afp zcnet-rx zcnet-rx-busypoll"
PING_SIZES="${ZCNET_BENCH_PING_SIZES:-64}" PING_SIZES="${PING_SIZES//,/ }"
PING_FRAMES="${ZCNET_BENCH_PING_FRAMES:-2000}" BUSY_POLL_USEC="${ZCNET_BENCH_BUSY_POLL_USEC:-1000}"
RXQ_METHODS="zcnet-rxq" RXQ_QUEUES="${ZCNET_BENCH_RXQ_QUEUES:-1 2 4}" RXQ_FLOWS=64
RXQ_QUEUES="${RXQ_QUEUES//,/ }" ONLY="${ZCNET_BENCH_ONLY:-}"
SCALE_METHODS="afp-sendto zcnet-raw"
SCALE_SIZE=1500
PKTGEN_METHODS="pktgen pktgen-clone"
HTTP_METHODS="httpd-zcnet httpd-sendfile"
HTTP_SIZES="${ZCNET_BENCH_HTTP_SIZES:-4096 65536 1048576 16777216}" HTTP_SIZES="${HTTP_SIZES//,/ }"
HTTP_CONNS="${ZCNET_BENCH_HTTP_CONNS:-8}" HTTP_MIN_FILES=8000 HTTPD="$(dirname "$BENCH")/zcnet-httpd" WWW=/tmp/zcnet-bench-www
HOST="${ZCNET_BENCH_HOST:-}"
ZCNET_BENCH_METHODS="${ZCNET_BENCH_METHODS:-}"
ZCNET_BENCH_METHODS="${ZCNET_BENCH_METHODS//,/ }"
if [[ -n $ZCNET_BENCH_METHODS ]]; then
	pick() { local m out=""; for m in $1; do [[ " $ZCNET_BENCH_METHODS " == *" $m "* ]] && out+="$m "; done; echo "$out"; }
	RAW_METHODS="$(pick "$RAW_METHODS")"
	PKTGEN_METHODS="$(pick "$PKTGEN_METHODS")" RX_METHODS="$(pick "$RX_METHODS")"
	TCP_METHODS="$(pick "$TCP_METHODS")" UDP_METHODS="$(pick "$UDP_METHODS")"
	CONN_METHODS="$(pick "$CONN_METHODS")" GSO_METHODS="$(pick "$GSO_METHODS")"
	VNET_METHODS="$(pick "$VNET_METHODS")"
	SCALE_METHODS="$(pick "$SCALE_METHODS")" PING_METHODS="$(pick "$PING_METHODS")"
	RXQ_METHODS="$(pick "$RXQ_METHODS")" HTTP_METHODS="$(pick "$HTTP_METHODS")"
fi
# profile_cells in|out METHODS: the cells of PROFILE whose method is, or
# is not, one of METHODS
profile_cells() {
	local cell out="" where
	for cell in $PROFILE; do
		where=out
		[[ " $2 " == *" ${cell%%:*} "* ]] && where=in
		[[ $where == "$1" ]] && out+="$cell "
	done
	echo "$out"
}
case $ONLY in
rxq)
	RAW_METHODS="" PKTGEN_METHODS="" RX_METHODS="" TCP_METHODS="" UDP_METHODS=""
	CONN_METHODS="" GSO_METHODS="" SCALE_METHODS="" PROFILE="" PING_METHODS="" VNET_METHODS=""
	HTTP_METHODS=""
	;;
uso)
	RAW_METHODS="" PKTGEN_METHODS="" RX_METHODS="" TCP_METHODS="" UDP_METHODS=""
	CONN_METHODS="" SCALE_METHODS="" PING_METHODS="" HTTP_METHODS="" RXQ_METHODS=""
	PROFILE="$(profile_cells in "$ALL_GSO_METHODS $ALL_VNET_METHODS")"
	;;
main)
	GSO_METHODS="" VNET_METHODS="" RXQ_METHODS=""
	PROFILE="$(profile_cells out "$ALL_GSO_METHODS $ALL_VNET_METHODS")"
	;;
*) RXQ_METHODS="" ;;
esac
# Raw frames have no flow control: each sender stays at most WINDOW frames
# ahead of the sink (see scripts/demo/guest.sh for why).
WINDOW=512
SINK_IDLE=1
WORK=/run/zcnet-bench
RUN="${ZCNET_BENCH_FIRST_RUN:-0}"
RUN_TAG=BENCH
PERF_DATA=""

say() { echo "bench: $*"; }
peer() { ip netns exec "$PEER_NS" "$@"; }

# wait_for FILE TEXT PID LIMIT: until FILE contains TEXT; fails if PID dies
# or LIMIT tenths of a second pass
wait_for() {
	local t=0
	# shellcheck disable=SC2086 # FILE may be a pattern
	until grep -qs "$2" $1; do
		kill -0 "$3" 2>/dev/null || return 1
		((t++ < $4)) || return 1
		sleep 0.1
	done
}

# reap PID LIMIT: wait up to LIMIT seconds, then kill; PID's status. Blocks
# in wait(): a polling loop here would run programs during the measured
# span, and their CPU time would be counted against the method measured.
reap() {
	local dog rc
	(
		sleep "$2" &
		trap 'kill $! 2>/dev/null; exit 0' TERM
		wait $!
		kill -KILL "$1" 2>/dev/null
	) &
	dog=$!
	wait "$1" 2>/dev/null
	rc=$?
	kill -TERM "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	return "$rc"
}

set_mtu() { # MTU: both NICs
	ip link set dev "$IFACE" mtu "$1" && peer ip link set dev "$PEER_IFACE" mtu "$1"
}

# "txqN=kicks" for each TX queue of the sending NIC: how often virtio-net
# notified the device on that queue, which shows which queues carried the
# frames (6.12 no longer has per-queue packet counts in ethtool -S; the
# names are txN_kicks from 6.11 on, tx_queue_N_kicks before)
txq_counters() {
	ethtool -S "$IFACE" 2>/dev/null |
		awk '$1 ~ /^tx(_queue_)?[0-9]+_kicks:$/ { q = $1; sub(/_kicks:/, "", q); gsub(/[^0-9]/, "", q); printf " txq%s=%s", q, $2 }'
}

# the per-queue deltas between two txq_counters outputs
txq_deltas() {
	awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) { split(x[i], p, "="); split(y[i], q, "="); printf " %s=%d", p[1], q[2] - p[2] } }'
}

# packets (GSO packets count once) the sender's NIC sent and the peer's took
nic_packets() {
	echo "$(cat "/sys/class/net/$IFACE/statistics/tx_packets") $(peer cat "/sys/class/net/$PEER_IFACE/statistics/rx_packets")"
}

set_queues() { # N: combined channels of both NICs
	ethtool -L "$IFACE" combined "$1" && peer ethtool -L "$PEER_IFACE" combined "$1"
}

# The sender lines of one run as one line: sums, the span from the first
# start to the last end, and machine CPU over that span from the /proc/stat
# idle counters the senders sampled. With several senders the latency
# quantiles are the worst sender's.
combine() { # KIND
	awk -v kind="$1" '
	function kv(line,   i, n, f, a) {
		delete v
		n = split(line, f, " ")
		for (i = 2; i <= n; i++)
			if (split(f[i], a, "=") == 2)
				v[a[1]] = a[2]
	}
	/^result / {
		kv($0); senders++
		if (v["status"] == "unavailable") {
			st = "unavailable"
			sub(/.*reason=/, ""); reason = $0
			next
		}
		if (v["status"] != "ok" && st != "unavailable") st = "failed"
		frames += v["frames"]; bytes += v["bytes"]
		completions += v["completions"]; copied += v["copied"]
		errors += v["errors"]; syscalls += v["syscalls"]
		if (v["peer_bytes"] != "") peer += v["peer_bytes"]
		if (t0 == "" || v["t0"] < t0) { t0 = v["t0"]; idle0 = v["idle0"] }
		if (t1 == "" || v["t1"] > t1) { t1 = v["t1"]; idle1 = v["idle1"] }
		cpus = v["cpus"]; hz = v["hz"]
		if (v["lat_p50_us"] > p50) p50 = v["lat_p50_us"]
		if (v["lat_p99_us"] > p99) p99 = v["lat_p99_us"]
		next
	}
	/^sink / { kv($0); rframes = v["frames"]; rbytes = v["bytes"]; badlen = v["bad_len"]; segs = v["segments"]; gaps = v["seq_gaps"]
		if (rbytes == "") { rbytes = 0; for (k in v) if (k ~ /^bytes[0-9]/) rbytes += v[k] } }
	END {
		if (st == "") st = senders ? "ok" : "failed"
		# super-frames: a segment that does not check out fails the run
		if (kind ~ /^(uso|tso)$/ && st == "ok" && (rframes == "" || badlen > 0)) st = "failed"
		if (st == "unavailable") { printf "status=unavailable reason=%s\n", reason; exit }
		secs = t1 - t0
		cpu = (hz > 0 && cpus > 0) ? secs * cpus - (idle1 - idle0) / hz : -1
		if (cpu < 0 && hz > 0) cpu = 0
		printf "status=%s frames=%d bytes=%.0f seconds=%.4f cpu_s=%.4f cpus=%d", st, frames, bytes, secs, cpu, cpus
		printf " completions=%d copied=%d errors=%d lat_p50_us=%s lat_p99_us=%s syscalls=%d", completions, copied, errors, p50 + 0, p99 + 0, syscalls
		if (rframes != "") printf " recv_frames=%d recv_bytes=%.0f bad_len=%d", rframes, rbytes, badlen
		if (segs != "") printf " recv_segments=%d seq_gaps=%d", segs, gaps
		if (peer != "") printf " peer_bytes=%.0f", peer
		printf "\n"
	}'
}

# perf_start DIR: perf record, started disabled and enabled once it is
# set up, so that its own start (costly under TCG, and counted in guest
# time under icount) falls before the senders start; perf_stop ends it
perf_start() {
	rm -f "$1/perf.ctl" "$1/perf.ack"
	mkfifo "$1/perf.ctl" "$1/perf.ack"
	perf record -q -a -g -e cpu-clock -F 499 -D -1 --control "fifo:$1/perf.ctl,$1/perf.ack" \
		-o "$PERF_DATA" -- sleep 100000 >"$1/perf.out" 2>&1 &
	PERF_PID=$!
	exec 8>"$1/perf.ctl" 9<"$1/perf.ack"
	echo enable >&8
	read -r -t 600 -u 9 _ || say "perf did not acknowledge: $(tr '\n' ' ' <"$1/perf.out")"
}

perf_stop() {
	echo disable >&8
	read -r -t 60 -u 9 _
	exec 8>&- 9<&-
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
}

# run KIND METHOD SIZE REP QUEUES PROCS; KIND raw, tcp, udp, connsN (N TCP
# connections at once), gso (UDP trains, the segment size per send), uso
# or tso (raw UDP or TCP super-frames)
run() {
	local kind="$1" method="$2" size="$3" rep="$4" queues="$5" procs="$6"
	local dir="$WORK/$RUN" sink p pids=() args line txq0 pk0 pk1 pkts="" port=$((5201 + RUN % 500))
	local skind="$kind" more=() ready=300 limit=90 vnet=()
	case $kind in
	conns*) skind=tcp more=(--conns "${kind#conns}") ready=3000 limit=600 ;;
	gso) skind=udp more=(--gso "$GSO_SEGMENT") ;;
	uso) skind=vnet vnet=(--proto udp --gso 1472 --port "$port" -s "$size") ;;
	tso) skind=vnet vnet=(--proto tcp --gso 1460 --port "$port" -s "$size") ;;
	esac
	RUN=$((RUN + 1))
	say "progress $RUN/$TOTAL rep $rep $kind $method $size B queues $queues procs $procs"
	mkdir -p "$dir"
	# On the host the sink is told when the senders are done (SIGUSR1 to
	# remote): the guest's clock cannot time a host that runs in real time.
	if [[ -n $HOST ]]; then
		args=("$skind" --port "$port" --idle "$SINK_IDLE")
		[[ $skind == tcp ]] && args+=("${more[@]}")
		[[ $kind == raw ]] && args=(raw -i br0 -s "$size" --streams "$procs" --until-eof)
		[[ $skind == vnet ]] && args=(vnet -i br0 "${vnet[@]}" --until-eof)
		"$BENCH" remote "$HOST" sink "${args[@]}" >"$dir/sink.out" 2>"$dir/sink.err" &
	elif [[ $skind == vnet ]]; then
		peer "$BENCH" sink vnet -i "$PEER_IFACE" "${vnet[@]}" --idle "$SINK_IDLE" \
			>"$dir/sink.out" 2>"$dir/sink.err" &
	elif [[ $kind == raw ]]; then
		peer "$BENCH" sink raw -i "$PEER_IFACE" -s "$size" --streams "$procs" \
			--progress "$dir/progress" --idle "$SINK_IDLE" >"$dir/sink.out" 2>"$dir/sink.err" &
	else
		args=()
		[[ $skind == tcp ]] && args=("${more[@]}")
		peer "$BENCH" sink "$skind" --port "$port" --idle "$SINK_IDLE" "${args[@]}" >"$dir/sink.out" 2>"$dir/sink.err" &
	fi
	sink=$!
	if ! wait_for "$dir/sink.*" 'sink ready' "$sink" "$([[ -n $HOST ]] && echo 3000 || echo 100)"; then
		line="status=failed reason=the sink did not start: $(tr '\n' ' ' <"$dir/sink.err")"
	else
		for ((p = 0; p < procs; p++)); do
			if [[ $kind == raw ]]; then
				args=(-i "$IFACE" -d "$DST_MAC" --stream "$p")
				[[ -n $HOST ]] || args+=(--window "$WINDOW" --progress "$dir/progress")
				((procs == 1)) || args+=(--queue "$p" --cpu "$p")
			elif [[ $skind == vnet ]]; then
				args=(-i "$IFACE" -d "$VNET_MAC" --peer "$DST_IP" "${vnet[@]}")
			else
				args=(--peer "$DST_IP" --port "$port" "${more[@]}")
			fi
			"$BENCH" send "$method" -s "$size" -t "$SECS" --start-file "$dir/start" "${args[@]}" \
				>"$dir/send$p.out" 2>"$dir/send$p.err" &
			pids+=($!)
		done
		for ((p = 0; p < procs; p++)); do
			wait_for "$dir/send$p.err" 'ready' "${pids[p]}" "$ready" || true
		done
		txq0="$(txq_counters)"
		read -ra pk0 <<<"$(nic_packets)"
		[[ -z $PERF_DATA ]] || perf_start "$dir"
		touch "$dir/start"
		for p in "${pids[@]}"; do
			reap "$p" $((SECS + limit))
		done
		[[ -z $PERF_DATA ]] || perf_stop
		if [[ -n $HOST ]]; then
			kill -USR1 "$sink" 2>/dev/null
			wait "$sink" 2>/dev/null
		else
			reap "$sink" $((SINK_IDLE + 30))
		fi
		read -ra pk1 <<<"$(nic_packets)"
		pkts="nic_tx_packets=$((pk1[0] - pk0[0])) peer_rx_packets=$((pk1[1] - pk0[1])) "
		line="$(cat "$dir"/send*.out "$dir/sink.out" 2>/dev/null | combine "$kind")"
		[[ $kind != raw ]] || line+="$(txq_deltas "$txq0" "$(txq_counters)")"
		if [[ $line == status=failed* ]]; then
			line+=" reason=$(cat "$dir"/send*.err "$dir/sink.err" | grep -v ready | tr '\n' ' ' | cut -c1-200)"
		fi
	fi
	kill -KILL "$sink" 2>/dev/null
	wait "$sink" 2>/dev/null
	echo "$RUN_TAG run=$RUN rep=$rep kind=$kind queues=$queues procs=$procs method=$method size=$size $pkts$line"
}

count_words() { wc -w <<<"$1"; }

# guest CPU: "now idle" in seconds, from /proc/timer_list: its clock and
# the tick code's idle and iowait sums of all CPUs, in nanoseconds
# (/proc/uptime has them too, rounded to 10 ms). Exact with one CPU, the
# reader's; with more, another CPU's open idle period is not in the sum.
timer_pair() {
	awk '/^now at/ { now = $3 } /\.(idle|iowait)_sleeptime/ { idle += $(NF - 1) }
		END { printf "%.9f %.9f\n", now / 1e9, idle / 1e9 }' /proc/timer_list
}

# rx_run METHOD SIZE REP [QUEUES]: RX_FRAMES test frames of SIZE bytes from a
# generator (on the host's bridge, or in the peer namespace) at RX_RATE
# per second to zcnet-bench recv METHOD on IFACE. udp-recvmmsg takes
# datagrams that make frames of SIZE (at least 24 bytes of payload). The
# receiver stops at the count; once the generator is done and a ping has
# come back through the same queue, a receiver still waiting for lost
# frames is stopped. zcnet-rxq takes the datagrams of udp-recvmmsg, sent
# from RXQ_FLOWS source ports, with one context per RX queue of QUEUES.
rx_run() {
	local method="$1" size="$2" rep="$3" queues="${4:-1}" dir="$WORK/rx$RUN" recv gen port=$((5201 + RUN % 500)) d line
	RUN=$((RUN + 1))
	say "progress $RUN/$TOTAL rep $rep receive $method $size B"
	mkdir -p "$dir"
	d=$((size - 42 < 24 ? 24 : size - 42))
	recv=(-i "$IFACE" -s "$size") gen=(raw -i "$GEN_IFACE" -d "$LOCAL_MAC" -s "$size")
	# generic XDP: in native mode this virtio-net (offered MTU 9000)
	# passed no test frame to the socket in a trial run; why is not known
	[[ $method == af-xdp-copy ]] && recv+=(--xdp-generic)
	if [[ $method == udp-recvmmsg ]]; then
		recv=(--port "$port" -s "$d") gen=(udp --peer "$ZCNET_LOCAL_IP" --port "$port" -s "$d")
	elif [[ $method == zcnet-rxq ]]; then
		recv=(-i "$IFACE" --port "$port" -s "$d" --rx-queues "$queues")
		gen=(udp --peer "$ZCNET_LOCAL_IP" --port "$port" -s "$d" --flows "$RXQ_FLOWS")
	fi
	"$BENCH" recv "$method" "${recv[@]}" -n "$RX_FRAMES" --idle 3600 >"$dir/recv.out" 2>"$dir/recv.err" &
	local pid=$! t
	if ! wait_for "$dir/recv.err" 'ready' "$pid" 3000; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "BENCH run=$RUN rep=$rep kind=rx queues=$queues procs=1 method=$method size=$size status=$(grep -q unavailable "$dir/recv.out" && echo unavailable || echo failed) reason=$(grep -hv ready "$dir/recv.err" | tr '\n' ' ' | cut -c1-200)"
		return
	fi
	[[ -z $PERF_DATA ]] || perf_start "$dir"
	if [[ -n $HOST ]]; then
		"$BENCH" remote "$HOST" gen "${gen[@]}" -n "$RX_FRAMES" --rate "$RX_RATE" >"$dir/gen.out" 2>&1
		ping -c 1 -W 5 "$HOST" >/dev/null
	else
		peer "$BENCH" gen "${gen[@]}" -n "$RX_FRAMES" --rate "$RX_RATE" >"$dir/gen.out" 2>&1
	fi
	for ((t = 0; t < 20; t++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ -z $PERF_DATA ]] || perf_stop
	line="$(sed -n 's/^recv //p' "$dir/recv.out" | sed 's/\(^\| \)\(method\|size\)=[^ ]*//g')"
	[[ -n $line ]] || line="status=failed reason=$(tr '\n' ' ' <"$dir/recv.err" | cut -c1-200)"
	echo "$RUN_TAG run=$RUN rep=$rep kind=rx queues=$queues procs=1 method=$method size=$size $line gen_$(grep -m1 '^gen ' "$dir/gen.out" | sed 's/^gen //; s/ / gen_/g')"
}

# ping_run METHOD SIZE REP: PING_FRAMES round trips of SIZE-byte frames,
# one at a time, from zcnet-bench ping METHOD on IFACE to zcnet-bench echo
# on the peer NIC, which sends each back; p50 and p99 of the wall-clock
# round trip. Only the way ping waits for the reply differs: a packet
# socket (afp), a zcnet context sleeping in poll() (zcnet-rx), the same
# busy-polling for up to BUSY_POLL_USEC (zcnet-rx-busypoll).
ping_run() {
	local method="$1" size="$2" rep="$3" dir="$WORK/ping$RUN" pid line
	RUN=$((RUN + 1))
	say "progress $RUN/$TOTAL rep $rep ping-pong $method $size B"
	mkdir -p "$dir"
	peer "$BENCH" echo -i "$PEER_IFACE" >"$dir/echo.out" 2>"$dir/echo.err" &
	pid=$!
	line="BENCH run=$RUN rep=$rep kind=lat queues=1 procs=1 method=$method size=$size"
	if ! wait_for "$dir/echo.err" 'ready' "$pid" 3000; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "$line status=failed reason=the echo did not start: $(tr '\n' ' ' <"$dir/echo.err" | cut -c1-200)"
		return
	fi
	"$BENCH" ping "$method" -i "$IFACE" -d "$PEER_MAC" -s "$size" -n "$PING_FRAMES" \
		--busy-poll "$BUSY_POLL_USEC" >"$dir/ping.out" 2>"$dir/ping.err"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	line+=" $(sed -n 's/^ping //p' "$dir/ping.out" | sed 's/\(^\| \)\(method\|size\)=[^ ]*//g')"
	if grep -q 'p50_us=' "$dir/ping.out"; then
		echo "$line status=ok" | sed 's/ p50_us=/ lat_p50_us=/; s/ p99_us=/ lat_p99_us=/'
	else
		echo "$line status=failed reason=$(tr '\n' ' ' <"$dir/ping.err" | cut -c1-200)"
	fi
}

# json_num KEY FILE: the number KEY has in the JSON object in FILE
json_num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" "$2" | head -n1; }

# http_run METHOD SIZE REP: the file-server case. zcnet-httpd, or with
# --sendfile for httpd-sendfile, serves WWW on this guest's address;
# HTTP_CONNS keep-alive connections of zcnet-bench get fetch the file
# /SIZE over and over, each body read to its end and counted. With HOST the
# client runs there (remote get --until-eof): it connects, says "get
# ready", starts at remote's SIGUSR2 and stops at its SIGUSR1, finishing
# the bodies under way; the span is from that start to get's end, SECS of
# this guest's clock apart, and all this guest does in it is serve (and
# the sleep and kills that time it). Without HOST the client runs for SECS
# in the peer namespace, and the span, from before it starts to its end,
# counts it too. Under icount a client slower than the server leaves this
# guest idle, and its clock then runs ahead: so that the few milliseconds
# of timing work stay small beside the serving, get on the host goes on
# past the stop until it has read SECS x HTTP_MIN_FILES files' worth, at
# most SECS GiB. Bytes are the client's, which must be what the server
# says it sent; zcnet runs must not fall back to sendfile.
http_run() {
	local method="$1" size="$2" rep="$3" dir="$WORK/http$RUN" port=$((8000 + RUN % 500))
	local srv get rc=0 grc=0 a b line args=() more get_line min
	min=$((size * HTTP_MIN_FILES < 1073741824 ? size * HTTP_MIN_FILES : 1073741824))
	min=$((min * SECS))
	RUN=$((RUN + 1))
	say "progress $RUN/$TOTAL rep $rep http $method $size B"
	mkdir -p "$dir"
	line="$RUN_TAG run=$RUN rep=$rep kind=http queues=1 procs=1 method=$method size=$size"
	[[ $method == httpd-sendfile ]] && args=(--sendfile)
	"$HTTPD" -d "$WWW" -l "$ZCNET_LOCAL_IP:$port" -j "${args[@]}" >"$dir/httpd.out" 2>"$dir/httpd.err" &
	srv=$!
	if ! wait_for "$dir/httpd.out" 'listening' "$srv" 600; then
		kill -KILL "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		rc=$?
		echo "$line status=$( ((rc == 4)) && echo unavailable || echo failed) reason=zcnet-httpd did not start: $(tr '\n' ' ' <"$dir/httpd.err" | cut -c1-200)"
		return
	fi
	if [[ -n $HOST ]]; then
		"$BENCH" remote "$HOST" get --peer "$ZCNET_LOCAL_IP" --port "$port" -s "$size" \
			--conns "$HTTP_CONNS" --min-bytes "$min" --until-eof >"$dir/get.out" 2>&1 &
		get=$!
		if wait_for "$dir/get.out" 'get ready' "$get" 3000; then
			[[ -z $PERF_DATA ]] || perf_start "$dir"
			read -ra a <<<"$(timer_pair)"
			kill -USR2 "$get"
			sleep "$SECS"
			kill -USR1 "$get"
			wait "$get"
			grc=$?
			read -ra b <<<"$(timer_pair)"
			[[ -z $PERF_DATA ]] || perf_stop
		else
			kill -KILL "$get" 2>/dev/null
			wait "$get" 2>/dev/null
			grc=1
		fi
	else
		read -ra a <<<"$(timer_pair)"
		peer "$BENCH" get --peer "$ZCNET_LOCAL_IP" --port "$port" -s "$size" \
			--conns "$HTTP_CONNS" -t "$SECS" >"$dir/get.out" 2>&1
		grc=$?
		read -ra b <<<"$(timer_pair)"
	fi
	kill -TERM "$srv" 2>/dev/null
	reap "$srv" 60
	rc=$?
	get_line="$(grep -m1 '^get ' "$dir/get.out")"
	if ((grc != 0 || rc != 0)) || [[ $get_line != *" status=ok"* ]]; then
		echo "$line status=failed reason=get status $grc, zcnet-httpd status $rc: $(grep -hv 'ready' "$dir/get.out" "$dir/httpd.err" | tr '\n' ' ' | cut -c1-200)"
		return
	fi
	local f=$dir/httpd.out
	more="completions=$(json_num completions "$f") copied=$(json_num copied "$f") errors=$(json_num errors "$f")"
	more+=" peer_bytes=$(json_num body_bytes "$f") server_requests=$(json_num requests "$f") classic=$(json_num classic "$f")"
	more+=" wakeups=$(json_num wakeups "$f")"
	awk -v l="$line" -v g="$get_line" -v m="$more" -v a0="${a[0]}" -v a1="${a[1]}" \
		-v b0="${b[0]}" -v b1="${b[1]}" -v n="$(nproc)" -v zc="$([[ $method == httpd-zcnet ]] && echo 1 || echo 0)" 'BEGIN {
		split(g, f, " "); for (i in f) if (split(f[i], kv, "=") == 2) v[kv[1]] = kv[2]
		split(m, f, " "); for (i in f) if (split(f[i], kv, "=") == 2) s[kv[1]] = kv[2]
		secs = b0 - a0; cpu = secs * n - (b1 - a1); if (cpu < 0) cpu = 0
		st = "ok"; why = ""
		if (s["peer_bytes"] != v["bytes"]) { st = "failed"; why = " reason=the server sent " s["peer_bytes"] " body bytes, the client read " v["bytes"] }
		else if (zc && s["classic"] > 0) { st = "failed"; why = " reason=" s["classic"] " responses went by sendfile" }
		else if (v["requests"] == 0) { st = "failed"; why = " reason=no request answered" }
		printf "%s status=%s frames=%d bytes=%.0f seconds=%.6f cpu_s=%.6f cpus=%d conns=%d %s syscalls=0%s\n",
			l, st, v["requests"], v["bytes"], secs, cpu, n, v["conns"], m, why
	}'
}

# pktgen_run METHOD SIZE REP: pktgen sends SIZE-byte frames out of IFACE
# for SECS, one new skb per frame (pktgen) or each skb 1000 times
# (pktgen-clone); its busy time is the guest's, measured like a sender's
pktgen_run() {
	local method="$1" size="$2" rep="$3" pg=/proc/net/pktgen clone=0 c a b frames pid line
	[[ $method == pktgen-clone ]] && clone=1000
	RUN=$((RUN + 1))
	say "progress $RUN/$TOTAL rep $rep pktgen $method $size B"
	line="BENCH run=$RUN rep=$rep kind=raw queues=1 procs=1 method=$method size=$size"
	[[ -d $pg ]] || insmod /bench/pktgen.ko 2>/dev/null
	if [[ ! -w $pg/kpktgend_0 ]]; then
		echo "$line status=unavailable reason=no pktgen in this kernel"
		return
	fi
	echo rem_device_all >"$pg/kpktgend_0"
	echo "add_device $IFACE" >"$pg/kpktgend_0"
	for c in "count 0" "pkt_size $size" "clone_skb $clone" "delay 0" \
		"dst_mac $DST_MAC" "dst $DST_IP" "udp_dst_min 9" "udp_dst_max 9"; do
		echo "$c" >"$pg/$IFACE" 2>/dev/null || {
			echo "$line status=failed reason=pktgen refused '$c': $(grep -m1 Result "$pg/$IFACE")"
			return
		}
	done
	read -r -a a <<<"$(timer_pair)"
	echo start >"$pg/pgctrl" &
	pid=$!
	sleep "$SECS"
	echo stop >"$pg/pgctrl"
	wait "$pid"
	read -r -a b <<<"$(timer_pair)"
	frames="$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' "$pg/$IFACE")"
	echo rem_device_all >"$pg/kpktgend_0"
	awk -v l="$line" -v f="${frames:-0}" -v s="$size" -v a0="${a[0]}" -v a1="${a[1]}" \
		-v b0="${b[0]}" -v b1="${b[1]}" -v n="$(nproc)" 'BEGIN {
		secs = b0 - a0; cpu = secs * n - (b1 - a1); if (cpu < 0) cpu = 0
		printf "%s status=%s frames=%d bytes=%.0f seconds=%.6f cpu_s=%.6f cpus=%d completions=%d copied=0 errors=0 syscalls=0\n",
			l, (f > 0 ? "ok" : "failed"), f, f * s, secs, cpu, n, f
	}'
}

mkdir -p "$WORK"
PEER_MAC="$(ip -n "$PEER_NS" -o link show dev "$PEER_IFACE" |
	sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
DST_MAC="$PEER_MAC" DST_IP="$PEER_IP" GEN_IFACE="$PEER_IFACE"
LOCAL_MAC="$(sed -n p "/sys/class/net/$IFACE/address")"
if [[ -n $HOST ]]; then
	GEN_IFACE=br0
	# the peer NIC takes nothing: all the guest does is send
	peer ip link set dev "$PEER_IFACE" down
	ping -c 1 -W 5 "$HOST" >/dev/null || say "the host $HOST does not answer ping"
	DST_MAC="$(ip neigh show "$HOST" dev "$IFACE" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')"
	DST_IP="$HOST"
	say "guest $(uname -r), $(nproc) vCPUs, $IFACE -> the host's bridge $HOST ($DST_MAC); $PEER_IFACE down"
else
	say "guest $(uname -r), $(nproc) vCPUs, $IFACE -> $PEER_IFACE ($PEER_MAC) in netns $PEER_NS"
fi
# UDP segmentation is off by default in virtio_net even where the host
# offers it: on, for every method's UDP super-frames and trains alike.
ethtool -K "$IFACE" tx-udp-segmentation on 2>/dev/null || true
say "$IFACE: $(ethtool -k "$IFACE" | grep -E '^(scatter-gather|tx-checksumming|tcp-segmentation-offload|tx-udp-segmentation):' | tr '\n' ' ')"
say "$IFACE: at most $(ethtool -l "$IFACE" 2>/dev/null | grep -m1 -A4 'maximums' | awk '/Combined/ { print $2 }') combined channels"
MODPARAMS="${ZCNET_BENCH_MODPARAMS:-}"
for p in ${MODPARAMS//,/ }; do
	if echo "${p#*=}" >"/sys/module/zcnet/parameters/${p%%=*}" 2>/dev/null; then
		say "zcnet module parameter $p"
	else
		say "cannot set zcnet module parameter $p"
	fi
done
echo "BENCH-ENV kernel=$(uname -r) vcpus=$(nproc) sink=${HOST:-guest} iommu=$(grep -q intel_iommu=on /proc/cmdline && echo strict || echo off) seconds=$SECS reps=$REPS window=$WINDOW udp-segmentation=$(ethtool -k "$IFACE" | awk '/^tx-udp-segmentation:/ { print $2 }') modparams=${ZCNET_BENCH_MODPARAMS:-none}"

nraw=$(count_words "$RAW_METHODS") ntcp=$(count_words "$TCP_METHODS") nscale=0
((SCALING)) && nscale=$(count_words "$SCALE_METHODS")
npktgen=$(count_words "$PKTGEN_METHODS")
TOTAL=$((REPS * ((nraw + npktgen) * $(count_words "$RAW_SIZES") + ntcp * $(count_words "$TCP_SIZES") + nscale)))
TOTAL=$((TOTAL + $(count_words "$PROFILE") + REPS * $(count_words "$UDP_METHODS") * $(count_words "$UDP_SIZES")))
TOTAL=$((TOTAL + REPS * $(count_words "$RX_METHODS") * $(count_words "$RX_SIZES")))
[[ -n $HOST ]] && PING_METHODS="" # no peer NIC: wall-clock latency only
TOTAL=$((TOTAL + REPS * $(count_words "$PING_METHODS") * $(count_words "$PING_SIZES")))
TOTAL=$((TOTAL + REPS * $(count_words "$RXQ_METHODS") * $(count_words "$RX_SIZES") * $(count_words "$RXQ_QUEUES")))
TOTAL=$((TOTAL + REPS * ($(count_words "$CONN_METHODS") * $(count_words "$CONNS") + $(count_words "$GSO_METHODS") * $(count_words "$GSO_SIZES"))))
TOTAL=$((TOTAL + 2 * REPS * $(count_words "$VNET_METHODS") * $(count_words "$VNET_SIZES")))
TOTAL=$((TOTAL + REPS * $(count_words "$HTTP_METHODS") * $(count_words "$HTTP_SIZES")))
if [[ -n $HTTP_METHODS ]]; then
	mkdir -p "$WWW"
	for size in $HTTP_SIZES; do
		head -c "$size" /dev/urandom >"$WWW/$size"
	done
fi

set_queues 1 || say "cannot set one queue pair (ethtool -L)"
for ((rep = 1; rep <= REPS; rep++)); do
	for size in $RAW_SIZES; do
		mtu=1500
		((size > 1514)) && mtu=9000
		if ! set_mtu "$mtu"; then
			for m in $RAW_METHODS $PKTGEN_METHODS; do
				RUN=$((RUN + 1))
				echo "BENCH run=$RUN rep=$rep kind=raw queues=1 procs=1 method=$m size=$size status=unavailable reason=MTU $mtu refused by the NICs"
			done
			continue
		fi
		for m in $RAW_METHODS; do
			run raw "$m" "$size" "$rep" 1 1
		done
		for m in $PKTGEN_METHODS; do
			pktgen_run "$m" "$size" "$rep"
		done
	done
	set_mtu 1500
	for size in $TCP_SIZES; do
		for m in $TCP_METHODS; do
			run tcp "$m" "$size" "$rep" 1 1
		done
	done
	for size in $UDP_SIZES; do for m in $UDP_METHODS; do run udp "$m" "$size" "$rep" 1 1; done; done
	for n in $CONNS; do for m in $CONN_METHODS; do run "conns$n" "$m" "$CONN_SIZE" "$rep" 1 1; done; done
	for size in $GSO_SIZES; do for m in $GSO_METHODS; do run gso "$m" "$size" "$rep" 1 1; done; done
	for k in uso tso; do for size in $VNET_SIZES; do for m in $VNET_METHODS; do
		run "$k" "$m" "$size" "$rep" 1 1
	done; done; done
	for size in $HTTP_SIZES; do for m in $HTTP_METHODS; do http_run "$m" "$size" "$rep"; done; done
	for size in $RX_SIZES; do
		for m in $RX_METHODS; do
			rx_run "$m" "$size" "$rep"
		done
	done
	for size in $PING_SIZES; do for m in $PING_METHODS; do ping_run "$m" "$size" "$rep"; done; done
	for q in ${RXQ_METHODS:+$RXQ_QUEUES}; do
		if ! set_queues "$q"; then
			for size in $RX_SIZES; do for m in $RXQ_METHODS; do
				RUN=$((RUN + 1))
				echo "BENCH run=$RUN rep=$rep kind=rx queues=$q procs=1 method=$m size=$size status=unavailable reason=ethtool -L combined $q failed"
			done; done
			continue
		fi
		for size in $RX_SIZES; do
			for m in $RXQ_METHODS; do
				rx_run "$m" "$size" "$rep" "$q"
			done
		done
	done
	[[ -z $RXQ_METHODS ]] || set_queues 1
done

if ((SCALING && nscale)); then
	if set_queues 2; then
		say "$IFACE: $(ethtool -l "$IFACE" | grep -A4 'Current' | grep Combined | tr -s ' \t' ' ')"
		for ((rep = 1; rep <= REPS; rep++)); do
			for m in $SCALE_METHODS; do
				run raw "$m" "$SCALE_SIZE" "$rep" 2 2
			done
		done
	else
		for ((rep = 1; rep <= REPS; rep++)); do
			for m in $SCALE_METHODS; do
				RUN=$((RUN + 1))
				echo "BENCH run=$RUN rep=$rep kind=raw queues=2 procs=2 method=$m size=$SCALE_SIZE status=unavailable reason=ethtool -L combined 2 failed"
			done
		done
	fi
	set_queues 1
fi
# profile METHOD SIZE: one more run under perf; the report's top symbols,
# by their own samples and with their callees
profile() {
	local m="$1" size="$2" kind=tcp mtu=1500 sort
	[[ " $ALL_RAW_METHODS " == *" $m "* ]] && kind=raw
	[[ " $ALL_UDP_METHODS " == *" $m "* ]] && kind=udp
	[[ " $ALL_GSO_METHODS " == *" $m "* ]] && kind=gso
	[[ " $ALL_VNET_METHODS " == *" $m "* ]] && kind=uso
	[[ " $ALL_CONN_METHODS " == *" $m "* ]] && kind="conns${CONNS%% *}"
	[[ " $ALL_RX_METHODS " == *" $m "* ]] && kind=rx
	[[ $kind == raw ]] && ((size > 1514)) && mtu=9000
	set_mtu "$mtu" || { say "profile $m $size: MTU $mtu refused"; return; }
	PERF_DATA="$WORK/perf-$m-$size.data" RUN_TAG=PROFILE-RUN
	if [[ $kind == rx ]]; then
		rx_run "$m" "$size" 0
	elif [[ $m == httpd-* ]]; then
		http_run "$m" "$size" 0
	else
		run "$kind" "$m" "$size" 0 1 1
	fi
	PERF_DATA="" RUN_TAG=BENCH
	if [[ ! -s $WORK/perf-$m-$size.data ]]; then
		say "profile $m $size: perf recorded nothing: $(tr '\n' ' ' <"$WORK/$((RUN - 1))/perf.out")"
		return
	fi
	for sort in self children; do
		perf report -i "$WORK/perf-$m-$size.data" --stdio --sort sym -g none \
			--percent-limit 0.7 "--$([[ $sort == self ]] && echo no-)children" 2>/dev/null |
			grep -v -e '^#' -e '^$' | sed -n "1,45s/^/PROFILE $m $size $sort /p"
	done
	# every sampled call chain with its count and, as its root, the
	# program (comm) it ran in: for flame graphs and sums
	perf report -i "$WORK/perf-$m-$size.data" --stdio --no-children --sort comm,sym \
		-g folded,0,caller,count 2>/dev/null |
		awk -v p="PROFILE $m $size folded" '
			/^#/ || NF == 0 { next }
			$1 ~ /%$/ { comm = $2; next }
			$1 ~ /^[0-9]+$/ { gsub(/ /, "_", comm); print p, $1, comm ";" $2 }'
	rm -f "$WORK/perf-$m-$size.data"
}

if [[ -n $PROFILE ]]; then
	command -v perf >/dev/null || say "no perf in this guest: no profiles"
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	for cell in $PROFILE; do
		command -v perf >/dev/null && profile "${cell%%:*}" "${cell#*:}"
	done
	set_mtu 1500
fi
say "done: $RUN runs"
