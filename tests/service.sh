#!/bin/sh
# fsend run by a service manager: on the listening sockets it passes
# (socket activation, LISTEN_FDS), and one process per connection
# (--inetd), both through systemd-socket-activate, which runs a program as
# systemd or inetd would, without systemd running.  Each function is one
# CTest test (label "service"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

socket_activation_serves_the_inherited_socket_and_binds_none() {
	need_activate
	random_file "$T/f" 1000000
	# The port operand names a port another process holds: fsend never
	# binds its own, or it would fail (69).
	start_server -k held "$PEER" refuse
	held=$PORT
	activate sa "$FSEND" -n 2 "$held" "$T/f"
	# It is started when the first client comes.
	for i in 1 2; do
		rm -f "$T/recv/receive.dat"
		run_frecv 127.0.0.1 "$PORT"
		expect_status "frecv $i" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
	done
	drain sa
	wait_server sa
	expect_status "fsend -n 2, on the socket it was given" 0 "$RC"
	grep -qx "fsend: listening on 127.0.0.1:$PORT" "$T/sa.err" || fail "$(cat "$T/sa.err")"
	[ "$(grep -c ', acknowledged$' "$T/sa.err")" -eq 2 ] || fail "$(cat "$T/sa.err")"
	# Its children were not handed the variables.
	! grep -q 'LISTEN_' "$T/sa.err" || fail "$(cat "$T/sa.err")"
}

passed_descriptor_that_is_no_listening_socket_is_refused() {
	random_file "$T/f" 1000
	# A file where the socket should be: exec keeps the pid, so
	# LISTEN_PID is fsend's.
	(exec 3<"$T/f" && exec sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"' "$FSEND_REAL" 0 "$T/f") \
		>"$T/out" 2>"$T/err" </dev/null
	expect_status "fsend, descriptor 3 a file" 78 $?
	expect_output "$T/err" "fsend: descriptor 3: not a listening stream socket (LISTEN_FDS)"
	# Another process's variables are not for it: it binds its own.
	start_server fsend env LISTEN_PID=1 LISTEN_FDS=1 "$FSEND" 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv, LISTEN_PID another's" 0 "$RC"
	wait_server fsend
	expect_status "fsend, LISTEN_PID another's" 0 "$RC"
}

inetd_serves_one_connection_at_a_time_twice_in_a_row() {
	need_activate
	random_file "$T/f" 1000000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	activate ia --inetd -a "$FSEND" --inetd --sha256 "$T/f"
	for i in 1 2; do
		rm -f "$T/recv/receive.dat"
		run_frecv --sha256 127.0.0.1 "$PORT"
		expect_status "frecv $i (fsend --inetd)" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
		expect_output "$T/frecv.out" "$want  receive.dat
received file data"
	done
	kill "$ia_pid"
	drain ia
	wait_server ia
	# Nothing but the file reached the peer (stdout is the connection):
	# the verdicts went to the manager's stderr, none to the clients.
	[ "$(grep -c "^fsend: delivery verified: sha256 $want\$" "$T/ia.err")" -eq 2 ] ||
		fail "$(cat "$T/ia.err")"
	! grep -q '^fsend: listening' "$T/ia.err" || fail "a listening line: $(cat "$T/ia.err")"
}

inetd_peer_not_allowed_is_reset_before_a_byte() {
	need_activate
	random_file "$T/f" 100000
	echo precious >"$T/recv/receive.dat"
	activate ia --inetd -a "$FSEND" --inetd --allow 127.0.0.2 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv from an address not allowed" 74 "$RC"
	keeps_nothing
	until_line ia "Child "
	[ "${LINE##* }" = 77 ] || fail "fsend --inetd, a peer not allowed: $LINE"
	# From the address allowed, the next connection is served.
	timeout "$TO" "$PEER" from 127.0.0.2 127.0.0.1 "$PORT" 2>"$T/client.err"
	expect_status "a client from 127.0.0.2" 0 $?
	expect_output "$T/client.err" "peer: got 100000 bytes"
	kill "$ia_pid"
	drain ia
	wait_server ia
	grep -q "^fsend: 127\.0\.0\.1:[0-9]*: not allowed (--allow), connection reset\$" "$T/ia.err" ||
		fail "$(cat "$T/ia.err")"
}

inetd_needs_a_connection_on_standard_input() {
	random_file "$T/f" 1000
	bad fsend 78 --inetd "$T/f"
	expect_output "$T/err" "fsend: standard input: not a connected stream socket (--inetd)"
	bad fsend 64 --inetd 0 "$T/f"
	bad fsend 64 --inetd -k "$T/f"
	bad fsend 64 --inetd -
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: service.sh TEST_NAME" ;;
esac
"$1"
