#!/bin/sh
# Unattended transfers: frecv --resume --retry and a one-client fsend
# --resume finish by themselves over a link that keeps breaking (cuts,
# stalls, outages, either side killed and started again), each giving up
# within its budget when the other never comes back.  Links are broken by
# a relay (tests/peer.c "flaky") or by taking a veth link down.  Each
# function is one CTest test (label "retry"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

cuts_of_every_kind_are_finished_by_going_on() {
	random_file "$T/f" 3000000
	for how in reset close; do
		finishes_through_flaky "$how" 1000000 4
	done
	# A stall is noticed within -t, on both sides.
	random_file "$T/f" 2500000
	finishes_through_flaky stall 1000000 3 "-t 4" "-t 2"
	grep -q "cut at 976.5 KiB of 2.4 MiB: timed out after 2 s without progress (-t 2); again in 1 s (--retry 60)$" "$T/frecv.err" ||
		fail "$(cat "$T/frecv.err")"
}

killed_receiver_comes_back_to_the_sender_waiting_for_it() {
	random_file "$T/f" 3000000
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --resume 0 "$T/f"
	# The first connection holds at 1 MB: frecv is in the middle of it.
	hold_relay
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --resume --retry 60 127.0.0.1 "$PORT"
	drain frecv
	next_line relay # accepted
	next_line relay
	[ "$LINE" = "peer: connection 1: holding at 1000000" ] || fail "relay: $LINE"
	kill -KILL "$(pid_of frecv)"
	wait_server frecv
	expect_status "frecv (killed)" 137 "$RC"
	# The relay's connection to fsend ends with the client's: fsend waits.
	next_line relay
	SRC="" WAITS=0
	fsend_outcome
	expect_waiting "fsend, its client killed"
	drain relay
	# The same command again.
	run_frecv --resume --retry 60 127.0.0.1 "$PORT"
	expect_status "frecv, the same command again" 0 "$RC"
	wait_server fsend
	expect_status "fsend, its client back" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	grep -q '^frecv: receive.dat.part: resuming at byte [1-9][0-9]* of 3000000$' "$T/frecv.err" ||
		fail "not resumed: $(cat "$T/frecv.err")"
	stop_relay relay
}

killed_sender_started_again_on_its_port_is_found_by_the_waiting_receiver() {
	random_file "$T/f" 3000000
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --resume 0 "$T/f"
	fport=$PORT
	hold_relay
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --resume --retry 60 127.0.0.1 "$PORT"
	next_line relay # accepted
	next_line relay
	[ "$LINE" = "peer: connection 1: holding at 1000000" ] || fail "relay: $LINE"
	drain relay
	kill -KILL "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend (killed)" 137 "$RC"
	# frecv sees its connection reset, and tries again, and again.
	next_line frecv
	case $LINE in
	"frecv: receive.dat: cut at "*": "*"; again in 1 s (--retry 60)") ;;
	*) fail "frecv: $LINE" ;;
	esac
	next_line frecv
	case $LINE in
	"frecv: 127.0.0.1 port $PORT: "*"; again in 2 s (--retry 60)") ;;
	*) fail "frecv: $LINE" ;;
	esac
	# Between its tries the .part file is still the waiting frecv's.
	(cd "$T/recv" && timeout "$TO" "$FRECV" --resume -t 1 127.0.0.1 "$PORT" 2>"$T/second.err")
	expect_status "a second frecv --resume for the same file" 73 "$?"
	expect_output "$T/second.err" "frecv: receive.dat.part: another frecv is writing to it"
	# The same fsend command again, on the port it had.
	rm -f "$T/fsend.fifo"
	start_server fsend "$FSEND" --resume "$fport" "$T/f"
	wait_server fsend
	expect_status "fsend started again" 0 "$RC"
	drain frecv
	wait_server frecv
	expect_status "frecv, its sender back" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	stop_relay relay
}

sender_gives_up_its_timeout_after_a_failure_without_a_client() {
	random_file "$T/f" 3000000
	start_server -k fsend "$FSEND" --resume -t 2 0 "$T/f"
	# A client that reads 1 MB and resets.
	"$PEER" client reset 127.0.0.1 "$PORT" 2>/dev/null
	next_line fsend
	case $LINE in
	"fsend: "*) ;;
	*) fail "fsend: $LINE" ;;
	esac
	next_line fsend
	[ "$LINE" = "fsend: waiting up to 2 s for the client to come back (-t 2)" ] ||
		fail "fsend: $LINE"
	start=$(date +%s%N)
	drain fsend
	wait_server fsend
	end=$(date +%s%N)
	expect_cut "fsend, no client back" "$RC"
	ms=$(((end - start) / 1000000))
	[ "$ms" -ge 1500 ] && [ "$ms" -le 4000 ] || fail "gave up after $ms ms, not 2 s"
}

receiver_gives_up_after_retry_seconds_without_a_byte() {
	random_file "$T/f" 3000000
	echo precious >"$T/recv/receive.dat"
	# A sender that sends 1 MB and vanishes, and no sender again.
	start_server fsend "$FSEND" --resume 0 "$T/f"
	hold_relay
	start=$(date +%s%N)
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --resume --retry 3 127.0.0.1 "$PORT"
	next_line relay
	next_line relay
	[ "$LINE" = "peer: connection 1: holding at 1000000" ] || fail "relay: $LINE"
	# The link and the sender gone for good: connections are refused.
	stop_relay relay
	kill -KILL "$(pid_of fsend)"
	wait_server fsend
	drain frecv
	wait_server frecv
	end=$(date +%s%N)
	expect_status "frecv --retry 3, no sender back" 69 "$RC"
	ms=$(((end - start) / 1000000))
	[ "$ms" -ge 3000 ] && [ "$ms" -le 6000 ] || fail "gave up after $ms ms, not 3 s"
	grep -q "^frecv: 127.0.0.1 port $PORT: .* (no byte stored for 3 s: gave up, --retry 3)\$" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	grep -q "^frecv: receive.dat.part: [0-9]* bytes kept: the same command goes on from there\$" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	expect_output "$T/recv/receive.dat" precious
	[ "$(part_size)" -gt 0 ] && cmp -s -n "$(part_size)" "$T/f" "$T/recv/receive.dat.part" ||
		fail "the .part is not the file's start"
}

connection_reset_as_it_is_made_is_tried_again() {
	need_strace
	echo precious >"$T/recv/receive.dat"
	# A relay whose server is gone: it resets each connection it accepts.
	start_server peer "$PEER" refuse
	start_server -k relay "$PEER" flaky 127.0.0.1 "$PORT" reset 1000 1
	# frecv waits half a second before it looks whether its connection was
	# made: by then the relay has reset it.
	(cd "$T/recv" && exec timeout "$TO" strace -o "$T/trace" -e trace=poll \
		-e inject=poll:delay_enter=500000 "$FRECV_REAL" --resume --retry 2 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv --resume --retry 2, reset as it connects" 74 $?
	grep -q "POLLERR|POLLHUP" "$T/trace" || fail "no reset seen as it connected: $(cat "$T/trace")"
	grep -qxF "frecv: 127.0.0.1 port $PORT: Connection reset by peer; again in 1 s (--retry 2)" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	grep -qxF "frecv: 127.0.0.1 port $PORT: Connection reset by peer (no byte stored for 2 s: gave up, --retry 2)" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	expect_output "$T/recv/receive.dat" precious
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	stop_relay relay
}

count_of_resumed_transfers_counts_only_those_acknowledged() {
	random_file "$T/f" 1000000
	start_server -k fsend "$FSEND" --resume -n 2 0 "$T/f"
	# A client without --resume fails: it does not count.
	run_frecv -t 1 127.0.0.1 "$PORT"
	expect_status "plain frecv against fsend --resume" 74 "$RC"
	next_line fsend
	case $LINE in *"resume request: "*) ;; *) fail "fsend: $LINE" ;; esac
	for i in 1 2; do
		rm -f "$T/recv/receive.dat"
		run_frecv --resume 127.0.0.1 "$PORT"
		expect_status "frecv --resume $i" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
	done
	drain fsend
	wait_server fsend
	expect_status "fsend --resume -n 2, two of three acknowledged" 0 "$RC"
	[ "$(grep -c ', acknowledged$' "$T/fsend.err")" -eq 2 ] || fail "$(cat "$T/fsend.err")"
}

outage_longer_than_the_receivers_timeout_heals_by_itself() {
	veth_link
	random_file "$T/f" 134217728
	echo precious >"$T/recv/receive.dat"
	start_server fsend ip netns exec "$NS_A" "$FSEND" --resume -t 10 -b 198.18.0.1 0 "$T/f"
	start_bg frecv 5 ip netns exec "$NS_B" sh -c \
		'cd "$1" && exec "$2" --resume --retry 60 -t 2 198.18.0.1 "$3"' \
		sh "$T/recv" "$FRECV" "$PORT"
	link_crossed 16777216
	link_down
	# frecv gives up on the connection after its -t, and the next try
	# finds no network: then the cable goes back.
	next_line frecv
	case $LINE in
	"frecv: receive.dat: cut at "*": timed out after 2 s without progress (-t 2); again in 1 s (--retry 60)") ;;
	*) fail "frecv: $LINE" ;;
	esac
	next_line frecv
	case $LINE in
	"frecv: 198.18.0.1 port $PORT: "*"; again in 2 s (--retry 60)") ;;
	*) fail "frecv: $LINE" ;;
	esac
	link_up
	drain frecv
	wait_server frecv
	expect_status "frecv, the link back" 0 "$RC"
	wait_server fsend
	expect_status "fsend, the link back" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	grep -q '^frecv: receive.dat.part: resuming at byte [1-9][0-9]* of 134217728$' "$T/frecv.err" ||
		fail "not resumed: $(cat "$T/frecv.err")"
}

eight_receivers_each_cut_twice_all_finish() {
	random_file "$T/f" 3000000
	start_server fsend "$FSEND" --resume -k 0 "$T/f"
	fport=$PORT
	for i in 1 2 3 4 5 6 7 8; do
		mkdir "$T/r$i"
		start_server relay$i "$PEER" flaky 127.0.0.1 "$fport" reset 1000000 2
		eval "rport$i=\$PORT"
	done
	for i in 1 2 3 4 5 6 7 8; do
		eval "p=\$rport$i"
		(cd "$T/r$i" && timeout "$TO" "$FRECV" --resume --retry 60 127.0.0.1 "$p" >out 2>err
		 echo $? >rc) &
		BG="$BG $!"
	done
	wait_all=0
	for i in 1 2 3 4 5 6 7 8; do
		until [ -s "$T/r$i/rc" ]; do
			wait_all=$((wait_all + 1))
			[ "$wait_all" -lt $((TO * 20)) ] || fail "receiver $i never ended"
			sleep 0.05
		done
		expect_status "receiver $i" 0 "$(cat "$T/r$i/rc")"
		same_file "$T/f" "$T/r$i/receive.dat"
		[ "$(ls -A "$T/r$i")" = "err
out
rc
receive.dat" ] || fail "left in r$i: $(ls -A "$T/r$i")"
		stop_relay relay$i
		[ "$(grep -c ', cut (reset)$' "$T/relay$i.err")" -eq 2 ] &&
			[ "$(grep -c ', relayed whole$' "$T/relay$i.err")" -eq 1 ] ||
			fail "relay $i: $(cat "$T/relay$i.err")"
	done
	kill -TERM "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend -k, stopped" 143 "$RC"
	[ "$(grep -c ', acknowledged$' "$T/fsend.err")" -eq 8 ] || fail "$(cat "$T/fsend.err")"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: retry.sh TEST_NAME" ;;
esac
"$1"
