#!/bin/sh
# Who may connect: fsend --allow serves only clients from the networks it
# names; any other is reset in the listener, gets no process and does not
# count.  Clients come from several loopback addresses (every 127/8 address
# and ::1 are this machine's).  Each function is one CTest test (label
# "allow"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

allowed_client_gets_the_file_and_others_are_reset() {
	random_file "$T/f" 100000
	start_server -k fsend "$FSEND" --allow 127.0.0.1 0 "$T/f"
	timeout "$TO" "$PEER" from 127.0.0.2 127.0.0.1 "$PORT" 2>"$T/other.err"
	expect_status "a client from 127.0.0.2" 3 $?
	expect_output "$T/other.err" "peer: reset"
	next_line fsend
	case $LINE in
	"fsend: 127.0.0.2:"*": not allowed (--allow), connection reset") ;;
	*) fail "fsend: $LINE" ;;
	esac
	# The refused one did not end a one-client fsend: the allowed one is served.
	timeout "$TO" "$PEER" from 127.0.0.1 127.0.0.1 "$PORT" 2>"$T/mine.err"
	expect_status "a client from 127.0.0.1" 0 $?
	expect_output "$T/mine.err" "peer: got 100000 bytes"
	drain fsend
	wait_server fsend
	expect_status fsend 0 "$RC"
}

refused_clients_do_not_count_against_the_number_served() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" --allow 127.0.0.1 -n 2 0 "$T/f"
	# Three refused before the first allowed one, one between the two:
	# had they counted, fsend would have stopped listening after two.
	for from in 127.0.0.2 127.0.0.3 127.0.0.2 127.0.0.1 127.0.0.4 127.0.0.1; do
		timeout "$TO" "$PEER" from "$from" 127.0.0.1 "$PORT" 2>"$T/client.err"
		_rc=$?
		if [ "$from" = 127.0.0.1 ]; then
			expect_status "-n 2, the client from $from" 0 "$_rc"
			expect_output "$T/client.err" "peer: got 1000 bytes"
		else
			expect_status "-n 2, the client from $from (3: reset)" 3 "$_rc"
			expect_output "$T/client.err" "peer: reset"
		fi
	done
	wait_server fsend
	expect_status "fsend --allow 127.0.0.1 -n 2" 0 "$RC"
	[ "$(grep -c ': not allowed (--allow), connection reset$' "$T/fsend.err")" -eq 4 ] ||
		fail "not 4 refusals logged: $(cat "$T/fsend.err")"
	[ "$(grep -c ' 1000 B in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), acknowledged$' "$T/fsend.err")" -eq 2 ] ||
		fail "not 2 transfers logged: $(cat "$T/fsend.err")"
}

prefixes_select_the_clients() {
	random_file "$T/f" 1000
	allow_case 127.0.0.0/8 127.0.0.2 served
	allow_case 127.0.0.2/32 127.0.0.2 served
	allow_case 127.0.0.2/32 127.0.0.1 reset
	allow_case 127.0.0.2 127.0.0.3 reset
	allow_case 0.0.0.0/0 127.0.0.9 served
	allow_case 10.0.0.0/8 127.0.0.1 reset
	# An IPv4-mapped network is its IPv4 network.
	allow_case ::ffff:127.0.0.1 127.0.0.1 served
	allow_case ::ffff:127.0.0.0/104 127.0.0.5 served
	"$PEER" has-ipv6-loopback || skip "no IPv6 loopback (the IPv4 cases passed)"
	allow_case ::1/128 ::1 served
	allow_case ::1 127.0.0.1 reset
	allow_case 127.0.0.1 ::1 reset
	allow_case ::/0 ::1 served
	allow_case ::/0 127.0.0.1 reset
}

several_allow_options_add_up() {
	random_file "$T/f" 1000
	allow_case "127.0.0.1 --allow 127.0.0.3" 127.0.0.3 served
	allow_case "127.0.0.1 --allow 127.0.0.3" 127.0.0.2 reset
}

malformed_allow_is_a_usage_error() {
	: >"$T/f"
	for net in "" 1.2.3 1.2.3.4.5 1.2.3.4/33 ::1/129 1.2.3.4/ 1.2.3.4/08 1.2.3.4/-1 \
		"[::1]" "::ffff:1.2.3.4/95" localhost "1.2.3.4 " fe80::1%lo; do
		timeout "$TO" "$FSEND" --allow "$net" 0 "$T/f" >"$T/out" 2>"$T/err" </dev/null
		expect_status "fsend --allow '$net'" 64 $?
		printf "fsend: %s: not an address or ADDR/PREFIX (--allow)\nTry 'fsend --help' for more information.\n" \
			"$net" | cmp -s - "$T/err" || fail "--allow '$net': $(cat "$T/err")"
	done
}

flood_of_refused_clients_does_not_hold_up_the_allowed_one() {
	random_file "$T/f" 1000000
	start_server fsend "$FSEND" --allow 127.0.0.1 -k 0 "$T/f"
	start_bg flood 5 "$PEER" flood-from 127.0.0.2 127.0.0.1 "$PORT" 20000
	drain flood
	# The allowed client, in the thick of it.
	t0=$(date +%s%N)
	timeout "$TO" "$PEER" from 127.0.0.1 127.0.0.1 "$PORT" 2>"$T/mine.err"
	expect_status "the allowed client during the flood" 0 $?
	t1=$(date +%s%N)
	expect_output "$T/mine.err" "peer: got 1000000 bytes"
	# It came and went in the thick of the flood, not after it.
	kill -0 "$flood_pid" 2>/dev/null || fail "the flood was over before the allowed client was served"
	wait_server flood
	[ "$RC" -eq 0 ] || fail "flood exited $RC: $(cat "$T/flood.err")"
	case $(cat "$T/flood.err") in
	"peer: 20000 reset, 0 served in "*" s") ;;
	*) fail "flood: $(cat "$T/flood.err")" ;;
	esac
	kill -TERM "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend on SIGTERM" 143 "$RC"
	[ "$(grep -c 'not allowed (--allow), connection reset$' "$T/fsend.err")" -eq 20000 ] ||
		fail "not 20000 refusals logged: $(grep -c 'not allowed' "$T/fsend.err")"
	secs=$(sed 's/.* in \([0-9.]*\) s$/\1/' "$T/flood.err")
	echo "20000 refused in $secs s ($(awk "BEGIN { printf \"%d\", 20000 / $secs }") per second); the allowed client took $(((t1 - t0) / 1000000)) ms"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: allow.sh TEST_NAME" ;;
esac
"$1"
