#!/bin/sh
# Fault-injection and load tests: hostile or broken peers, timeouts, aborts,
# signals, many clients.  Each function is one CTest test (label "fault"),
# run as "faults.sh NAME"; exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

# ---- frecv against broken servers -------------------------------------------

server_reset_at_once_keeps_nothing() {
	frecv_against reset 0 74
	grep -q 'Connection reset by peer' "$T/frecv.err" || fail "$(cat "$T/frecv.err")"
}

server_reset_midstream_keeps_nothing() {
	frecv_against reset 3000000 74
	grep -q 'Connection reset by peer' "$T/frecv.err" || fail "$(cat "$T/frecv.err")"
}

urgent_byte_from_server_is_stored_in_its_place() {
	# The byte marked urgent is data like any other, and no end of stream.
	for opts in "" "-c 1" "-o -"; do
		start_server peer "$PEER" server urgent 100000
		# shellcheck disable=SC2086
		run_frecv $opts 127.0.0.1 "$PORT"
		expect_status "frecv $opts" 0 "$RC"
		wait_server peer
		expect_status "server (4: no acknowledgement)" 0 "$RC"
		{ head -c 100000 /dev/zero | tr '\0' x; printf U; head -c 100000 /dev/zero | tr '\0' x; } >"$T/want"
		case $opts in
		"-o -") head -c 200001 "$T/frecv.out" | cmp - "$T/want" || fail "frecv -o - differs" ;;
		*) cmp "$T/want" "$T/recv/receive.dat" || fail "frecv $opts: stored differs" ;;
		esac
		rm -f "$T"/peer.* "$T/recv/receive.dat"
	done
}

server_stall_midstream_times_out() {
	frecv_against stall 100000 74 -t 1
	grep -qx "frecv: 127.0.0.1 port $PORT: timed out after 1 s without progress (-t 1)" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
}

server_that_never_sends_times_out() {
	frecv_against stall 0 74 -t 1
	grep -qx "frecv: 127.0.0.1 port $PORT: timed out after 1 s without progress (-t 1)" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
}

connect_to_unanswering_port_times_out() {
	echo precious >"$T/recv/receive.dat"
	start_server peer "$PEER" full
	run_frecv -t 1 127.0.0.1 "$PORT"
	expect_status frecv 69 "$RC"
	grep -qx "frecv: 127.0.0.1 port $PORT: timed out after 1 s without progress (-t 1)" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	keeps_nothing
}

frecv_disk_full_sends_no_acknowledgement() {
	random_file "$T/f" 100000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv -o /dev/full 127.0.0.1 "$PORT"
	expect_status frecv 74 "$RC"
	# The error names the output, not the server.
	expect_output "$T/frecv.err" "frecv: /dev/full: No space left on device"
	wait_server fsend
	# frecv resets the connection: fsend sees it while sending (74) or
	# while waiting for the acknowledgement (76), never a confirmation.
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

frecv_full_file_system_removes_temp() {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small file system needs root"
	mkdir "$T/small"
	mount -t tmpfs -o size=512k fxtest "$T/small" 2>/dev/null || skip "cannot mount tmpfs here"
	echo precious >"$T/small/receive.dat"
	random_file "$T/f" 2000000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv -o "$T/small/receive.dat" 127.0.0.1 "$PORT"
	_rc=$RC
	_left=$(ls -A "$T/small")
	_old=$(cat "$T/small/receive.dat")
	umount "$T/small"
	expect_status frecv 74 "$_rc"
	[ "$_left" = receive.dat ] || fail "left: $_left"
	[ "$_old" = precious ] || fail "old file changed"
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

# ---- fsend against hostile clients ------------------------------------------

client_that_never_reads_times_out() {
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" -t 1 0 "$T/f"
	timeout "$TO" "$PEER" client noread 127.0.0.1 "$PORT" 2>/dev/null
	wait_server fsend
	expect_status fsend 74 "$RC"
	grep -qx 'fsend: 127\.0\.0\.1:[0-9]*: timed out after 1 s without progress (-t 1)' \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

client_that_never_acknowledges_times_out() {
	random_file "$T/f" 100000
	start_server fsend "$FSEND" -t 1 0 "$T/f"
	timeout "$TO" "$PEER" client noack 127.0.0.1 "$PORT" 2>/dev/null &
	BG="$BG $!"
	wait_server fsend
	expect_status fsend 76 "$RC"
	grep -qx 'fsend: delivery unconfirmed: timed out after 1 s without progress (-t 1)' \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

client_flooding_instead_of_ack_is_bounded() {
	random_file "$T/f" 100000
	start_server fsend "$FSEND" 0 "$T/f"
	timeout "$TO" "$PEER" client flood 127.0.0.1 "$PORT" 50000000 2>/dev/null
	wait_server fsend
	expect_status fsend 76 "$RC"
	grep -q '^fsend: delivery unconfirmed: unexpected acknowledgement "x*"\.\.\.$' \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	[ "$(wc -c <"$T/fsend.err")" -lt 300 ] || fail "message not bounded"
}

client_closing_at_once_is_io_error_not_sigpipe() {
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" 0 "$T/f"
	timeout "$TO" "$PEER" client close 127.0.0.1 "$PORT" 2>/dev/null
	wait_server fsend
	expect_status fsend 74 "$RC"
}

# ---- fsend aborts look like aborts -----------------------------------------------

fsend_interrupted_with_its_process_group_resets_connection() {
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" 0 "$T/f"
	stalled_client
	kill -INT "$fsend_pid" # timeout(1), which passes it on to the whole group
	wait_server fsend
	expect_status fsend 130 "$RC"
	release_client
	wait_server client
	expect_status "client (3: it saw a reset)" 3 "$RC"
}

file_shrinking_while_sent_resets_connection() {
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" 0 "$T/f"
	stalled_client
	: >"$T/f"
	release_client
	wait_server client
	expect_status "client (3: it saw a reset)" 3 "$RC"
	wait_server fsend
	expect_status fsend 74 "$RC"
	grep -q 'file shrank while being sent' "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

file_changed_while_sent_is_refused_and_resets() {
	# Under way now, one byte per call; it goes on to its end, then fails:
	# 1 MB keeps that short even under valgrind.
	slow_transfer 1000000
	printf Z | dd of="$T/f" bs=1 seek=10 conv=notrunc status=none
	wait_server frecv
	expect_status "frecv (the sender reset)" 74 "$RC"
	keeps_nothing
	wait_server fsend
	expect_status fsend 74 "$RC"
	grep -q "^fsend: $T/f: file changed while being sent\$" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

# ---- many clients -----------------------------------------------------------

many_clients_at_once_all_byte_exact() {
	# 32 frecv at once, plus a stalled client that must not hold them up.
	random_file "$T/f" 4000000
	start_server fsend "$FSEND" -n 33 -j 16 0 "$T/f"
	stalled_client
	pids=""
	for i in $(seq 32); do
		mkdir "$T/c$i"
		(cd "$T/c$i" && timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" >out 2>err; echo $? >rc) &
		pids="$pids $!"
	done
	# All 32 finish while the stalled client still holds its connection;
	# served one after another they would wait for it until the timeout.
	# shellcheck disable=SC2086
	wait $pids
	release_client
	wait_server client
	expect_status client 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	for i in $(seq 32); do
		expect_status "frecv $i" 0 "$(cat "$T/c$i/rc")"
		same_file "$T/f" "$T/c$i/receive.dat"
	done
	[ "$(grep -c ' (4000000 bytes) in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), acknowledged$' "$T/fsend.err")" -eq 33 ] ||
		fail "log: $(cat "$T/fsend.err")"
}

keep_mode_serves_on_and_stops_cleanly_on_sigterm() {
	random_file "$T/f" 200000
	start_server -k fsend "$FSEND" -k 0 "$T/f"
	serve_logged 3
	drain fsend
	kill -TERM "$fsend_pid"
	wait_server fsend
	expect_status fsend 143 "$RC"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv after fsend stopped" 69 "$RC"
}

keep_mode_leaks_no_descriptors() {
	[ -d /proc/self/fd ] || skip "no /proc to count descriptors with"
	random_file "$T/f" 10000
	start_server -k fsend "$FSEND" -k 0 "$T/f"
	pid=$(pgrep -P "$fsend_pid" | head -n 1) # fsend itself, under timeout(1)
	[ -n "$pid" ] || fail "no fsend process"
	serve_logged 1
	before=$(ls "/proc/$pid/fd" | wc -l)
	serve_logged 10
	after=$(ls "/proc/$pid/fd" | wc -l)
	[ "$after" -eq "$before" ] || fail "descriptors: $before after one client, $after after eleven"
	drain fsend
	kill -TERM "$fsend_pid"
	wait_server fsend
	expect_status fsend 143 "$RC"
}

count_mode_exit_status_reports_a_failed_transfer() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" -n 2 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	timeout "$TO" "$PEER" client-ack 127.0.0.1 "$PORT" "no thanks"
	wait_server fsend
	expect_status fsend 76 "$RC"
	grep -q '^fsend: 127\.0\.0\.1:[0-9]*: 1000 B in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), acknowledged$' \
		"$T/fsend.err" || fail "log: $(cat "$T/fsend.err")"
	grep -q ': 1000 B in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), delivery unconfirmed: unexpected acknowledgement "no thanks"$' \
		"$T/fsend.err" || fail "log: $(cat "$T/fsend.err")"
}

# ---- writeback errors: a FUSE file system that fails at writeback ------------

# Every file is 96 MiB: frecv starts the writeback of each 16 MiB window as it
# fills and waits for the one four windows back, so the windows at 0 and
# 16 MiB are waited for while receiving, those at 32 to 80 MiB only started,
# and the final fsync waits for the rest.

writeback_error_of_any_kind_fails_the_transfer() {
	# Codes a quota, a soft NFS mount, a network block device or a disk
	# give: none may be mistaken for "the bounding is not supported here".
	for e in EDQUOT ETIMEDOUT EIO ENOSPC EREMOTEIO ENOLINK ENODATA; do
		writeback_fails_at "$e" $((20 * 1048576))
	done
}

writeback_error_anywhere_in_the_file_fails_the_transfer() {
	# The first waited window, the second, windows only started (their
	# error is reported by the next wait on the file), the last started
	# window, and the tail that only the final fsync writes.
	for at in 0 $((17 * 1048576)) $((40 * 1048576)) $((81 * 1048576)) $((96 * 1048576 - 4096)); do
		writeback_fails_at EDQUOT "$at"
	done
}

writeback_error_of_a_small_file_fails_at_the_fsync() {
	# Smaller than one window: no bounding, the fsync alone reports it.
	FX_FAULT_SIZE=3000000 writeback_fails_at ETIMEDOUT 1000000
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: faults.sh TEST_NAME" ;;
esac
"$1"
