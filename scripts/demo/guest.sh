#!/bin/bash
# The `make demo` transfer, run inside the guest by /init as
# /demo/guest-demo.sh (zcnet.run=/demo/guest-demo.sh). Its output goes to
# the results serial port.
#
# The same stream of test frames (1500 bytes, at least ZCNET_DEMO_BYTES,
# default 1 GiB) crosses from the first NIC to the second one, which lives in
# network namespace ZCNET_PEER_NS: sent with zcnet-send in zero copy
# (--copy-threshold 0) to a `zcnet-recv --method afp` (AF_PACKET) on the
# peer NIC, sent with zcnet-send at the copy threshold the module picks for
# the device (behind a strict IOMMU it copies frames of this size) to the
# same receiver, sent with zcnet-send --method afp (AF_PACKET send()) to
# it, and sent with zcnet-send in zero copy to a `zcnet-recv` (zcnet
# receive) on the peer NIC. Each receiver verifies every frame byte by byte. Ends with a
# side-by-side summary between ZCNET-DEMO-SUMMARY-BEGIN/END and a line
# "ZCNET-DEMO-VERDICT zcnet=<v> zcnet_default=<v> af_packet=<v>
# zcnet_recv=<v>", <v> one of verified, failed, unsupported. Exits 0 only
# if all four transfers verified.
#
# Environment (set by /init): ZCNET_IFACE, ZCNET_PEER_NS, ZCNET_PEER_IFACE,
# ZCNET_TOOLS; optional ZCNET_DEMO_BYTES (zcnet.env.ZCNET_DEMO_BYTES=N).
set -uo pipefail

IFACE="${ZCNET_IFACE:?}"
PEER_NS="${ZCNET_PEER_NS:?}"
PEER_IFACE="${ZCNET_PEER_IFACE:?}"
TOOLS="${ZCNET_TOOLS:-/usr/local/bin}"
BYTES="${ZCNET_DEMO_BYTES:-1073741824}"
SIZE=1500
FRAMES=$(((BYTES + SIZE - 1) / SIZE))
# Raw frames have no flow control of their own, and the emulated path
# between the NICs drops frames when the receiving side falls behind: the
# host's tap device of the second NIC overflows (its TX "dropped" counter
# matched the frames lost, with every frame sent and none dropped in the
# guest). So each sender stays at most WINDOW frames ahead of what the
# receiver has taken off its socket, which the receiver publishes in a
# progress file (--window/--progress-file). WINDOW is well below what the
# path holds: the tap queue (1000 frames) and the virtio ring (256).
WINDOW=512
# Bounds for a slow (TCG) guest: the receiver gives up after IDLE seconds
# without a frame; a sender is killed after SEND_LIMIT seconds.
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

# start_receiver TAG: on the peer NIC, in the background, zcnet-recv for the
# zrecv transfer and zcnet-recv --method afp otherwise; sets RECV_PID.
# Returns non-zero if it did not report ready in time.
start_receiver() {
	local tag="$1" t=0 recv=("$TOOLS/zcnet-recv" --method afp)
	[[ $tag == zrecv ]] && recv=("$TOOLS/zcnet-recv")
	ip netns exec "$PEER_NS" "${recv[@]}" -i "$PEER_IFACE" \
		-n "$FRAMES" --idle-timeout "$IDLE" --strict-order \
		--progress-file "$WORK/$tag.progress" -j \
		>"$WORK/$tag-recv.json" 2>"$WORK/$tag-recv.err" &
	RECV_PID=$!
	while ! grep -q 'receiving ethertype' "$WORK/$tag-recv.err"; do
		if ! kill -0 "$RECV_PID" 2>/dev/null || ((t >= READY_LIMIT * 10)); then
			say "$tag: the receiver did not start:"
			sed 's/^/    /' "$WORK/$tag-recv.err"
			return 1
		fi
		sleep 0.1
		t=$((t + 1))
	done
	sed 's/^/    /' "$WORK/$tag-recv.err"
	return 0
}

# finish_receiver TAG SENDER_OK: wait for the receiver's verdict (stop it
# at once when the sender failed to send anything), show its report.
finish_receiver() {
	local tag="$1" sender_ok="$2" rc
	if ((!sender_ok)) && kill -0 "$RECV_PID" 2>/dev/null; then
		sleep 2
		kill -TERM "$RECV_PID" 2>/dev/null
	fi
	wait_pid "$RECV_PID" $((IDLE + 60))
	rc=$?
	say "$tag: receiver exited with status $rc"
	sed 's/^/    /' "$WORK/$tag-recv.err" | tail -n +2
	echo "json $tag-recv: $(cat "$WORK/$tag-recv.json" 2>/dev/null)"
	return "$rc"
}

# run_zsend TAG [ARGS]: zcnet-send with ARGS, and for TAG zcnet the
# counters of its context
run_zsend() {
	local tag="$1" pid rc t=0
	shift
	say "$tag: zcnet-send -i $IFACE -d $PEER_MAC -s $SIZE -n $FRAMES $*"
	"$TOOLS/zcnet-send" -i "$IFACE" -d "$PEER_MAC" -s "$SIZE" -n "$FRAMES" "$@" \
		--window "$WINDOW" --progress-file "$WORK/$tag.progress" \
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
run_zrecv() { run_zsend zrecv --copy-threshold 0; }

run_afp() {
	local pid rc
	say "af_packet: zcnet-send --method afp -i $IFACE -d $PEER_MAC -s $SIZE -n $FRAMES"
	"$TOOLS/zcnet-send" --method afp -i "$IFACE" -d "$PEER_MAC" -s "$SIZE" \
		-n "$FRAMES" --window "$WINDOW" --progress-file "$WORK/afp.progress" \
		-j >"$WORK/afp-send.json" 2>"$WORK/afp-send.err" &
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
	C_gbit="$(fmt_num "$(json_get "$s" gbit_per_s)" %.3f)"
	C_fps="$(fmt_num "$(json_get "$s" frames_per_s)" %.0f)"
	C_cpu="$(fmt_num "$(json_get "$s" cpu_s_per_gib)" %.2f)"
	C_waits="$(fmt_num "$(json_get "$s" window_waits)" %s)"
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
		for f in frames gib secs gbit fps cpu thr zc err ver lost waits verdict; do
			v="C_$f"
			t[$tag.$f]="${!v}"
		done
	done
	line() { # LABEL FIELD
		row "$1" "${t[zcnet.$2]}" "${t[zdef.$2]}" "${t[afp.$2]}" "${t[zrecv.$2]}"
	}
	echo "ZCNET-DEMO-SUMMARY-BEGIN"
	echo "$SIZE-byte frames, $IFACE -> $PEER_IFACE (netns $PEER_NS), $(uname -r), $(nproc) vCPUs"
	echo
	row "sender" "zcnet-send" "zcnet-send" "zcnet-send (afp)" "zcnet-send"
	row "" "zero copy" "module's threshold (1)" "AF_PACKET send()" "zero copy"
	row "receiver" "zcnet-recv (afp)" "zcnet-recv (afp)" "zcnet-recv (afp)" "zcnet-recv (zcnet)"
	line "frames sent" frames
	line "GiB" gib
	line "seconds" secs
	line "frames/s" fps
	line "Gbit/s" gbit
	line "guest CPU s per GiB (2)" cpu
	line "copy threshold, bytes" thr
	line "zero-copy share" zc
	line "completion errors" err
	line "held back by receiver (3)" waits
	line "receiver: verified" ver
	line "  lost/bad/dup/reordered" lost
	line "verdict" verdict
	echo
	echo "(1) no --copy-threshold: the threshold zcnet picks for the device. Behind"
	echo "    a strict IOMMU, where every DMA unmap waits for an IOTLB"
	echo "    invalidation, it copies frames up to tx_copy_threshold_strict;"
	echo "    those complete with COPIED."
	echo "(2) busy time of all guest CPUs from /proc/stat during the send"
	echo "    (sender, receiver and both NICs' kernel work), per GiB sent."
	echo "(3) times the sender waited because it was $WINDOW frames ahead of"
	echo "    the receiver (flow control; the path drops frames beyond that)."
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
PEER_MAC="$(ip -n "$PEER_NS" -o link show dev "$PEER_IFACE" |
	sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
say "sending $FRAMES frames of $SIZE bytes ($BYTES bytes or more) from $IFACE to $PEER_IFACE ($PEER_MAC) in netns $PEER_NS"
say "$IFACE: $(ethtool -k "$IFACE" | grep -E '^(scatter-gather|tx-checksumming):' | tr '\n' ' ')"
VERDICT_zcnet=failed VERDICT_zdef=failed VERDICT_afp=failed VERDICT_zrecv=failed
if [[ -z $PEER_MAC ]]; then
	say "no MAC address for $PEER_IFACE in netns $PEER_NS"
else
	for tag in "${TAGS[@]}"; do
		transfer "$tag"
	done
fi
summary
[[ $VERDICT_zcnet == verified && $VERDICT_zdef == verified &&
	$VERDICT_afp == verified && $VERDICT_zrecv == verified ]]
