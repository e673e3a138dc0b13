#!/bin/bash
# The `make demo` transfer, run inside the guest by /init as
# /demo/guest-demo.sh (zcnet.run=/demo/guest-demo.sh). Its output goes to
# the results serial port.
#
# The same stream of test frames (1500 bytes, at least ZCNET_DEMO_BYTES,
# default 1 GiB) crosses between this guest's first NIC and the build
# machine's bridge (ZCNET_DEMO_HOST, reached through zcnet-bench remote):
# sent with zcnet-send in zero copy (--copy-threshold 0) to a
# `zcnet-recv --method afp` (AF_PACKET) on the build machine, sent with
# zcnet-send at the copy threshold the module picks for the device (behind
# a strict IOMMU it copies frames of this size) to the same receiver, sent
# with zcnet-send --method afp (AF_PACKET send()) to it, and sent by
# `zcnet-bench gen` on the build machine to a `zcnet-recv` (zcnet receive)
# here. Each receiver verifies every frame byte by byte. The guest has one
# vCPU under -icount shift=0,sleep=off, so its busy time (elapsed minus
# idle) is the instructions of its side of each transfer alone. Its clock
# jumps while it idles, so no wait here is bounded by it where the build
# machine has to act: the host-side programs end on their own, and a
# receiver here is stopped once a ping has come back behind the last frame.
# Ends with a side-by-side summary between ZCNET-DEMO-SUMMARY-BEGIN/END
# and a line "ZCNET-DEMO-VERDICT zcnet=<v> zcnet_default=<v> af_packet=<v>
# zcnet_recv=<v>", <v> one of verified, failed, unsupported. Exits 0 only
# if all four transfers verified.
#
# Environment (set by /init): ZCNET_IFACE, ZCNET_PEER_NS, ZCNET_PEER_IFACE,
# ZCNET_TOOLS; ZCNET_DEMO_HOST (zcnet.env.ZCNET_DEMO_HOST=IPV4), optional
# ZCNET_DEMO_BYTES (zcnet.env.ZCNET_DEMO_BYTES=N).
set -uo pipefail

IFACE="${ZCNET_IFACE:?}"
PEER_NS="${ZCNET_PEER_NS:?}"
PEER_IFACE="${ZCNET_PEER_IFACE:?}"
HOST="${ZCNET_DEMO_HOST:?}"
TOOLS="${ZCNET_TOOLS:-/usr/local/bin}"
BYTES="${ZCNET_DEMO_BYTES:-1073741824}"
SIZE=1500
FRAMES=$(((BYTES + SIZE - 1) / SIZE))
# Frames sent by the build machine, per second of its clock: well below
# what this guest takes in at the pace TCG runs it, since raw frames have
# no flow control and a tap queue drops what the guest does not take.
RATE=20000
# Buffers posted for zcnet's receive: what the host sent while the guest
# was busy arrives at once (released on the guest's clock), and a frame
# that finds no posted buffer is dropped (1024 lost 128 of 1 GiB).
RX_BUFFERS=4096
# The build machine's receiver gives up after IDLE seconds without a frame
# (its clock); a sender here is killed after SEND_LIMIT seconds of guest
# time, which passes at least as fast as it runs instructions.
IDLE=60
READY_LIMIT=30
SEND_LIMIT=$((300 + BYTES / 1000000))
WORK=/run/zcnet-demo

say() { echo "demo: $*"; }

# wait_pid PID LIMIT: wait up to LIMIT seconds for PID, then kill it.
# Returns its exit status, or 124 if it had to be killed.
wait_pid() {
	local pid="$1" limit="$2" t=0
	while kill -0 "$pid" 2>/dev/null; do
		if ((t >= limit)); then
			say "pid $pid still running after ${limit}s, killing it"
			kill -TERM "$pid" 2>/dev/null
			sleep 5
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
		t=$((t + 1))
	done
	wait "$pid"
}

# json_get FILE KEY: a top-level number, string (unquoted), true/false/null
json_get() {
	[[ -s $1 ]] || return 0
	sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1" | head -n1 | tr -d '"'
}

# json_errors FILE: the "errors" object's members, or "none"
json_errors() {
	local e
	e="$(sed -n 's/.*"errors": {\([^}]*\)}.*/\1/p' "$1" 2>/dev/null | tr -d '"')"
	echo "${e:-none}"
}

# start_receiver TAG: in the background, zcnet-recv in this guest for the
# zrecv transfer and zcnet-recv --method afp on the build machine
# otherwise (whose standard error comes back on its standard output); sets
# RECV_PID. Returns non-zero if it did not report ready in time.
start_receiver() {
	local tag="$1" t=0
	if [[ $tag == zrecv ]]; then
		"$TOOLS/zcnet-recv" -i "$IFACE" -n "$FRAMES" --idle-timeout 1000000 \
			-r "$RX_BUFFERS" --strict-order -j >"$WORK/$tag-recv.json" 2>"$WORK/$tag-recv.err" &
	else
		"$TOOLS/zcnet-bench" remote "$HOST" zcnet-recv --method afp -i br0 \
			-n "$FRAMES" --idle-timeout "$IDLE" --strict-order -j \
			>"$WORK/$tag-recv.json" 2>"$WORK/$tag-recv.err" &
	fi
	RECV_PID=$!
	while ! grep -qs 'receiving ethertype' "$WORK/$tag-recv.err" "$WORK/$tag-recv.json"; do
		if ! kill -0 "$RECV_PID" 2>/dev/null || ((t >= READY_LIMIT * 100)); then
			say "$tag: the receiver did not start:"
			cat "$WORK/$tag-recv.err" "$WORK/$tag-recv.json" | sed 's/^/    /'
			return 1
		fi
		sleep 0.1
		t=$((t + 1))
	done
	grep -hs 'receiving ethertype' "$WORK/$tag-recv.err" "$WORK/$tag-recv.json" | sed 's/^/    /'
	return 0
}

# finish_receiver TAG SENDER_OK: wait for the receiver's verdict (stop it
# once a ping has come back behind the last frame when the sender sent
# less than all, or this guest's receiver still waits), show its report.
finish_receiver() {
	local tag="$1" sender_ok="$2" rc t
	if [[ $tag == zrecv ]] || ((!sender_ok)); then
		ping -c 1 -W 5 "$HOST" >/dev/null
		for ((t = 0; t < 20; t++)); do
			kill -0 "$RECV_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -TERM "$RECV_PID" 2>/dev/null
	fi
	wait "$RECV_PID"
	rc=$?
	say "$tag: receiver exited with status $rc"
	grep -hsv '^{' "$WORK/$tag-recv.err" "$WORK/$tag-recv.json" | grep -v 'receiving ethertype' |
		grep -v '^remote exit' | sed 's/^/    /'
	echo "json $tag-recv: $(grep -hs '^{' "$WORK/$tag-recv.json")"
	return "$rc"
}

# timer_pair: "now idle" of this guest in seconds, from /proc/timer_list
timer_pair() {
	awk '/^now at/ { now = $3 } /\.(idle|iowait)_sleeptime/ { idle += $(NF - 1) }
		END { printf "%.9f %.9f\n", now / 1e9, idle / 1e9 }' /proc/timer_list
}

# run_zsend TAG [ARGS]: zcnet-send with ARGS, and for TAG zcnet the
# counters of its context
run_zsend() {
	local tag="$1" pid rc t=0
	shift
	say "$tag: zcnet-send -i $IFACE -d $HOST_MAC -s $SIZE -n $FRAMES $*"
	"$TOOLS/zcnet-send" -i "$IFACE" -d "$HOST_MAC" -s "$SIZE" -n "$FRAMES" "$@" \
		-j --linger 60 >"$WORK/$tag-send.json" 2>"$WORK/$tag-send.err" &
	pid=$!
	# The report comes before the context closes: read the counters of
	# the still-open context with zcnet-stat, then let it go.
	while kill -0 "$pid" 2>/dev/null && [[ ! -s $WORK/$tag-send.json ]] &&
		((t < SEND_LIMIT)); do
		sleep 1
		t=$((t + 1))
	done
	if [[ -s $WORK/$tag-send.json ]] && kill -0 "$pid" 2>/dev/null; then
		sleep 0.2
		[[ $tag == zcnet ]] &&
			"$TOOLS/zcnet-stat" -p "$pid" >"$WORK/zcnet-stat.txt" 2>&1
		kill -TERM "$pid" 2>/dev/null
	fi
	wait_pid "$pid" $((SEND_LIMIT > t ? SEND_LIMIT - t : 1))
	rc=$?
	say "$tag: zcnet-send exited with status $rc"
	sed 's/^/    /' "$WORK/$tag-send.err"
	echo "json $tag-send: $(cat "$WORK/$tag-send.json")"
	if [[ $tag == zcnet && -s $WORK/zcnet-stat.txt ]]; then
		say "zcnet: zcnet-stat -p $pid after the transfer (context still open):"
		sed 's/^/    /' "$WORK/zcnet-stat.txt"
	fi
	return "$rc"
}

run_zcnet() { run_zsend zcnet --copy-threshold 0; }
run_zdef() { run_zsend zdef; }
# run_zrecv: the build machine sends; this guest's busy time over the
# transfer is the receiver's, written into a report like zcnet-send's
run_zrecv() {
	local a b rc t
	say "zrecv: zcnet-bench gen raw -i br0 -d $LOCAL_MAC -s $SIZE -n $FRAMES --rate $RATE (on the build machine)"
	read -r -a a <<<"$(timer_pair)"
	"$TOOLS/zcnet-bench" remote "$HOST" gen raw -i br0 -d "$LOCAL_MAC" -s "$SIZE" \
		-n "$FRAMES" --rate "$RATE" --pattern seq >"$WORK/zrecv-gen.out" 2>&1
	rc=$?
	ping -c 1 -W 5 "$HOST" >/dev/null
	for ((t = 0; t < 20; t++)); do
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.1
	done
	read -r -a b <<<"$(timer_pair)"
	say "zrecv: the generator exited with status $rc"
	sed 's/^/    /' "$WORK/zrecv-gen.out"
	awk -v a0="${a[0]}" -v a1="${a[1]}" -v b0="${b[0]}" -v b1="${b[1]}" -v f="$FRAMES" -v s="$SIZE" '
		/^gen / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { busy = (b0 - a0) - (b1 - a1); if (busy < 0) busy = 0
			printf "{\"frames\": %d, \"bytes\": %d, \"seconds\": %s, \"cpu_s_per_gib\": %.4f}\n",
				v["frames"], v["bytes"], v["seconds"] == "" ? "null" : v["seconds"],
				(v["bytes"] > 0 ? busy / (v["bytes"] / 1073741824) : 0) }' \
		"$WORK/zrecv-gen.out" >"$WORK/zrecv-send.json"
	echo "json zrecv-send: $(cat "$WORK/zrecv-send.json")"
	return "$rc"
}

run_afp() {
	local pid rc
	say "af_packet: zcnet-send --method afp -i $IFACE -d $HOST_MAC -s $SIZE -n $FRAMES"
	"$TOOLS/zcnet-send" --method afp -i "$IFACE" -d "$HOST_MAC" -s "$SIZE" \
		-n "$FRAMES" -j >"$WORK/afp-send.json" 2>"$WORK/afp-send.err" &
	pid=$!
	wait_pid "$pid" "$SEND_LIMIT"
	rc=$?
	say "af_packet: zcnet-send --method afp exited with status $rc"
	sed 's/^/    /' "$WORK/afp-send.err"
	echo "json afp-send: $(cat "$WORK/afp-send.json")"
	return "$rc"
}

# nic_counters: "NIC name value" lines for both NICs (sysfs statistics and
# ethtool -S), to see where frames went missing
nic_counters() {
	local f
	for f in /sys/class/net/"$IFACE"/statistics/*; do
		echo "$IFACE $(basename "$f") $(cat "$f")"
	done
	ethtool -S "$IFACE" 2>/dev/null | awk -v n="$IFACE" 'NF == 2 { sub(":", "", $1); print n, $1, $2 }'
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$PEER_NS" bash -c 'for f in /sys/class/net/"$0"/statistics/*; do
		echo "$0 $(basename "$f") $(cat "$f")"; done' "$PEER_IFACE"
	ip netns exec "$PEER_NS" ethtool -S "$PEER_IFACE" 2>/dev/null |
		awk -v n="$PEER_IFACE" 'NF == 2 { sub(":", "", $1); print n, $1, $2 }'
}

# nic_deltas BEFORE AFTER: the counters that changed
nic_deltas() {
	awk 'NR == FNR { before[$1 " " $2] = $3; next }
	     { d = $3 - before[$1 " " $2]; if (d != 0) printf "%s %s +%d\n", $1, $2, d }' "$1" "$2" |
		sort | awk '{ printf "%s%s %s", (n++ % 4 ? ", " : (n > 1 ? "\n    " : "    ")), $1 "." $2, $3 } END { print "" }'
}

# transfer TAG: receiver, sender, verdict; sets VERDICT_<TAG>
transfer() {
	local tag="$1" send_rc recv_rc sent verdict
	nic_counters >"$WORK/$tag-nic-before.txt"
	if ! start_receiver "$tag"; then
		kill -KILL "$RECV_PID" 2>/dev/null
		wait "$RECV_PID" 2>/dev/null
		printf -v "VERDICT_$tag" '%s' failed
		return
	fi
	"run_$tag"
	send_rc=$?
	sent="$(json_get "$WORK/$tag-send.json" frames)"
	finish_receiver "$tag" $((${sent:-0} > 0))
	recv_rc=$?
	nic_counters >"$WORK/$tag-nic-after.txt"
	say "$tag: NIC counters that changed:"
	nic_deltas "$WORK/$tag-nic-before.txt" "$WORK/$tag-nic-after.txt"
	if ((send_rc == 4)); then
		verdict=unsupported
	elif ((send_rc == 0 && recv_rc == 0)); then
		verdict=verified
	else
		verdict=failed
	fi
	say "$tag: $verdict"
	printf -v "VERDICT_$tag" '%s' "$verdict"
}

# fmt_num VALUE PRINTF-FORMAT: VALUE formatted, "-" if missing or null
fmt_num() {
	if [[ -z $1 || $1 == null ]]; then
		echo "-"
	else
		# shellcheck disable=SC2059 # the format is ours
		printf "$2" "$1"
	fi
}

row() { printf '%-26s %-22s %-22s %-22s %s\n' "$@"; }

column() { # TAG: fills C_<field> for the table
	local tag="$1" s="$WORK/$1-send.json" r="$WORK/$1-recv.json" v bytes
	C_frames="$(fmt_num "$(json_get "$s" frames)" %s)"
	bytes="$(json_get "$s" bytes)"
	if [[ -n $bytes ]]; then
		C_gib="$(awk -v b="$bytes" 'BEGIN { printf "%.3f", b / 1073741824 }')"
	else
		C_gib="-"
	fi
	C_secs="$(fmt_num "$(json_get "$s" seconds)" %.2f)"
	C_cpu="$(fmt_num "$(json_get "$s" cpu_s_per_gib)" %.2f)"
	C_thr="$(fmt_num "$(json_get "$s" copy_threshold)" %s)"
	v="$(json_get "$s" zerocopy_share)"
	if [[ $tag != afp && -n $v && $v != null ]]; then
		C_zc="$(awk -v z="$v" 'BEGIN { printf "%.2f%%", z * 100 }')"
		C_err="$(json_errors "$s")"
	else
		C_zc="-"
		C_err="-"
		C_thr="-"
	fi
	v="VERDICT_$tag"
	C_verdict="${!v}"
	if [[ -s $r && ${!v} != unsupported ]]; then
		v="$(json_get "$r" expected)"
		C_ver="$(json_get "$r" verified) of ${v:-$FRAMES}"
		C_lost="$(json_get "$r" lost)/$(json_get "$r" bad)/$(json_get "$r" duplicates)/$(json_get "$r" reordered)"
	else
		C_ver="-"
		C_lost="-"
	fi
}

TAGS=(zcnet zdef afp zrecv)

summary() {
	local -A t
	local tag f v
	for tag in "${TAGS[@]}"; do
		column "$tag"
		for f in frames gib secs cpu thr zc err ver lost verdict; do
			v="C_$f"
			t[$tag.$f]="${!v}"
		done
	done
	line() { # LABEL FIELD
		row "$1" "${t[zcnet.$2]}" "${t[zdef.$2]}" "${t[afp.$2]}" "${t[zrecv.$2]}"
	}
	echo "ZCNET-DEMO-SUMMARY-BEGIN"
	echo "$SIZE-byte frames between $IFACE and the build machine's bridge, $(uname -r), $(nproc) vCPU"
	echo
	row "sender" "zcnet-send" "zcnet-send" "zcnet-send (afp)" "zcnet-bench gen"
	row "" "zero copy" "module's threshold (1)" "AF_PACKET send()" "on the host"
	row "receiver" "zcnet-recv (afp)" "zcnet-recv (afp)" "zcnet-recv (afp)" "zcnet-recv (zcnet)"
	row "" "on the host" "on the host" "on the host" "in the guest"
	line "frames sent" frames
	line "GiB" gib
	line "seconds (3)" secs
	line "guest busy s per GiB (2)" cpu
	line "copy threshold, bytes" thr
	line "zero-copy share" zc
	line "completion errors" err
	line "receiver: verified" ver
	line "  lost/bad/dup/reordered" lost
	line "verdict" verdict
	echo
	echo "(1) no --copy-threshold: the threshold zcnet picks for the device. Behind"
	echo "    a strict IOMMU, where every DMA unmap waits for an IOTLB"
	echo "    invalidation, it copies frames up to tx_copy_threshold_strict;"
	echo "    those complete with COPIED."
	echo "(2) instruction time: the guest (one vCPU, -icount shift=0,sleep=off)"
	echo "    counts 1 ns per instruction; busy = elapsed - idle over the"
	echo "    transfer, per GiB: the guest's side alone, the sender's in the first"
	echo "    three columns and the receiver's in the last. It holds still between"
	echo "    runs; it does not see cache misses or QEMU's device emulation, and"
	echo "    it charges a copy one instruction per byte ('rep movsb')."
	echo "(3) on the guest's clock, which counts instructions and jumps while the"
	echo "    guest idles (the last column: the build machine's), so not a rate."
	if [[ $VERDICT_zcnet == unsupported ]]; then
		echo
		echo "zcnet: $(grep -m1 'no raw transmit' "$WORK/zcnet-send.err")"
	fi
	if [[ -s $WORK/zcnet-stat.txt ]]; then
		echo
		echo "zcnet-stat after the zero-copy transfer:"
		sed 's/^/  /' "$WORK/zcnet-stat.txt"
	fi
	echo "ZCNET-DEMO-SUMMARY-END"
	echo "ZCNET-DEMO-VERDICT zcnet=$VERDICT_zcnet zcnet_default=$VERDICT_zdef af_packet=$VERDICT_afp zcnet_recv=$VERDICT_zrecv"
}

mkdir -p "$WORK"
# the peer NIC takes nothing: the other end is the build machine
ip -n "$PEER_NS" link set dev "$PEER_IFACE" down
ping -c 1 -W 5 "$HOST" >/dev/null || say "the build machine ($HOST) does not answer ping"
HOST_MAC="$(ip neigh show "$HOST" dev "$IFACE" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')"
LOCAL_MAC="$(cat "/sys/class/net/$IFACE/address")"
say "$FRAMES frames of $SIZE bytes ($BYTES bytes or more) each way between $IFACE ($LOCAL_MAC) and the build machine's bridge $HOST ($HOST_MAC); $(nproc) vCPU"
say "$IFACE: $(ethtool -k "$IFACE" | grep -E '^(scatter-gather|tx-checksumming):' | tr '\n' ' ')"
VERDICT_zcnet=failed VERDICT_zdef=failed VERDICT_afp=failed VERDICT_zrecv=failed
if [[ -z $HOST_MAC ]]; then
	say "no MAC address for $HOST"
else
	for tag in "${TAGS[@]}"; do
		transfer "$tag"
	done
fi
summary
[[ $VERDICT_zcnet == verified && $VERDICT_zdef == verified &&
	$VERDICT_afp == verified && $VERDICT_zrecv == verified ]]
