#!/bin/sh
# Events a program can read: with --json every line on stderr is one JSON
# object (read by tests/jsonl.py, which is strict JSON), its fields those
# of docs/events.md, checked against the transfer; standard output is as
# without it.  Each function is one CTest test (label "json"); exit 77
# means skipped (no python3).
. "$(dirname "$0")/lib.sh"
need_json

plain_transfer_says_port_progress_and_outcome() {
	random_file "$T/f" 3000000
	# Slow enough for a progress event a second.
	json_server fsend "$FSEND" --json --limit-rate 1M 0 "$T/f"
	run_frecv --json 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	json_ok "$T/fsend.err" fsend
	json_ok "$T/frecv.err" frecv
	expect_output "$T/fsend.out" "message from client: thank you"
	expect_output "$T/frecv.out" "received file data"
	expect_field "$T/fsend.err" listening port "$PORT"
	expect_field "$T/fsend.err" listening address "::"
	peer=$(jget "$T/fsend.err" client peer) || fail "no client event: $(cat "$T/fsend.err")"
	case $peer in 127.0.0.1:[0-9]*) ;; *) fail "client peer: $peer" ;; esac
	expect_field "$T/fsend.err" client outcome accepted
	expect_field "$T/fsend.err" done bytes 3000000
	expect_field "$T/fsend.err" done peer "$peer"
	expect_field "$T/fsend.err" done file "$T/f"
	expect_field "$T/frecv.err" done bytes 3000000
	expect_field "$T/frecv.err" done size 3000000
	expect_field "$T/frecv.err" done path receive.dat
	expect_field "$T/frecv.err" done peer "127.0.0.1:$PORT"
	[ "$(jcount "$T/fsend.err" progress)" -ge 1 ] || fail "no progress: $(cat "$T/fsend.err")"
	[ "$(jcount "$T/frecv.err" progress)" -ge 1 ] || fail "no progress: $(cat "$T/frecv.err")"
	expect_field "$T/fsend.err" progress total 3000000
	expect_field "$T/frecv.err" progress total null
	# The rate kept: about 1 MiB a second.
	rate=$(jget "$T/frecv.err" progress rate -1)
	awk -v r="$rate" 'BEGIN { exit !(r > 500000 && r < 1600000) }' || fail "progress rate $rate"
	secs=$(jget "$T/frecv.err" done seconds)
	awk -v s="$secs" 'BEGIN { exit !(s > 2 && s < 10) }' || fail "done seconds $secs"
	[ "$(jcount "$T/fsend.err" error)" -eq 0 ] || fail "an error: $(cat "$T/fsend.err")"
}

verified_transfer_says_the_digest() {
	random_file "$T/f" 100000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	json_server fsend "$FSEND" --json --sha256 0 "$T/f"
	run_frecv --json --sha256 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	json_ok "$T/fsend.err" fsend
	json_ok "$T/frecv.err" frecv
	expect_field "$T/fsend.err" done sha256 "$want"
	expect_field "$T/frecv.err" done sha256 "$want"
	# Standard output as without --json: the digest lines.
	expect_output "$T/fsend.out" "$want  $T/f
message from client: thank you"
	expect_output "$T/frecv.out" "$want  receive.dat
received file data"
}

resumed_transfer_cut_says_each_retry() {
	random_file "$T/f" 3000000
	echo precious >"$T/recv/receive.dat"
	json_server fsend "$FSEND" --json --resume 0 "$T/f"
	start_server relay "$PEER" flaky 127.0.0.1 "$PORT" reset 1000000 2
	run_frecv --json --resume --retry 60 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	stop_relay relay
	same_file "$T/f" "$T/recv/receive.dat"
	json_ok "$T/fsend.err" fsend
	json_ok "$T/frecv.err" frecv
	[ "$(jcount "$T/frecv.err" retry)" -eq 2 ] || fail "retries: $(cat "$T/frecv.err")"
	for n in 1 2; do
		expect_field "$T/frecv.err" retry wait 1 "$n"
		expect_field "$T/frecv.err" retry retry 60 "$n"
		expect_field "$T/frecv.err" retry total 3000000 "$n"
		expect_field "$T/frecv.err" retry errno ECONNRESET "$n"
		at=$(jget "$T/frecv.err" retry at "$n")
		[ "$at" -gt 0 ] && [ "$at" -lt 3000000 ] || fail "retry $n at $at"
		case $(jget "$T/frecv.err" retry message "$n") in
		"receive.dat: cut at "*"; again in 1 s (--retry 60)") ;;
		*) fail "retry $n: $(jget "$T/frecv.err" retry message "$n")" ;;
		esac
	done
	expect_field "$T/frecv.err" done size 3000000
	# fsend: each cut an error of that transfer, then it waits; the last
	# transfer done, from where the client's part ended.
	[ "$(jcount "$T/fsend.err" error)" -eq 2 ] || fail "errors: $(cat "$T/fsend.err")"
	[ "$(jcount "$T/fsend.err" done)" -eq 1 ] || fail "done: $(cat "$T/fsend.err")"
	bytes=$(jget "$T/fsend.err" done bytes)
	[ "$bytes" -lt 3000000 ] || fail "the last transfer sent $bytes"
}

keep_open_says_each_client() {
	random_file "$T/f" 10000
	json_server fsend "$FSEND" --json -k 0 "$T/f"
	for i in 1 2 3; do
		run_frecv --json 127.0.0.1 "$PORT"
		expect_status "frecv $i" 0 "$RC"
		json_ok "$T/frecv.err" frecv
	done
	# Three done events (each a line of its own child), then the stop.
	n=0
	until [ "$(grep -c '"event":"done"' "$T/fsend.err")" -eq 3 ]; do
		n=$((n + 1))
		[ "$n" -lt 200 ] || fail "fsend: $(cat "$T/fsend.err")"
		sleep 0.05
	done
	kill -TERM "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend -k, stopped" 143 "$RC"
	json_ok "$T/fsend.err" fsend
	[ "$(jcount "$T/fsend.err" client)" -eq 3 ] || fail "clients: $(cat "$T/fsend.err")"
	for i in 1 2 3; do
		expect_field "$T/fsend.err" done bytes 10000 "$i"
		jget "$T/fsend.err" done peer "$i"
	done | sort -u | grep -c '^127\.0\.0\.1:' >"$T/peers"
	[ "$(cat "$T/peers")" -eq 3 ] || fail "not three peers: $(cat "$T/fsend.err")"
}

client_without_the_key_is_a_refused_client_event() {
	random_file "$T/f" 1000
	new_key "$T/k"
	new_key "$T/other"
	json_server fsend "$FSEND" --json --key "$T/k" 0 "$T/f"
	run_frecv --json --key "$T/other" 127.0.0.1 "$PORT"
	expect_status "frecv --key, another key" 77 "$RC"
	json_ok "$T/frecv.err" frecv
	expect_field "$T/frecv.err" error status 77
	run_frecv --json --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv --key" 0 "$RC"
	wait_server fsend
	expect_status "fsend --key, the right client served" 0 "$RC"
	json_ok "$T/fsend.err" fsend
	# Among the client events (the listener's and the children's, in any
	# order), one refused, its message saying why.
	grep -q '^client [0-9]* outcome refused$' "$T/fsend.err.flat" &&
		grep -q '^client [0-9]* message 127\.0\.0\.1:.*(--key)$' "$T/fsend.err.flat" ||
		fail "$(cat "$T/fsend.err")"
	expect_field "$T/fsend.err" done bytes 1000
}

refused_client_is_a_client_event() {
	random_file "$T/f" 1000
	json_server fsend "$FSEND" --json --allow 127.0.0.2 0 "$T/f"
	timeout "$TO" "$PEER" from 127.0.0.1 127.0.0.1 "$PORT" 2>/dev/null
	expect_status "a client not allowed (3: reset)" 3 $?
	n=0
	until grep -q '"event":"client"' "$T/fsend.err"; do
		n=$((n + 1))
		[ "$n" -lt 200 ] || fail "fsend: $(cat "$T/fsend.err")"
		sleep 0.05
	done
	kill -TERM "$(pid_of fsend)"
	wait_server fsend
	json_ok "$T/fsend.err" fsend
	expect_field "$T/fsend.err" client outcome refused
	case $(jget "$T/fsend.err" client message) in
	"127.0.0.1:"*": not allowed (--allow), connection reset") ;;
	*) fail "$(cat "$T/fsend.err")" ;;
	esac
}

every_failure_is_an_error_event_with_the_exit_status() {
	random_file "$T/f" 100000
	failure fsend 64 - --bogus 0 "$T/f"
	failure frecv 64 - 127.0.0.1
	failure fsend 66 - 0 "$T/missing"
	failure frecv 68 - no.such.host.invalid 9000
	failure fsend 69 EINVAL -b ::ffff:127.0.0.1 0 "$T/f"
	failure frecv 73 ENOENT -o "$T/missing/x" 127.0.0.1 9
	start_server peer "$PEER" refuse
	failure frecv 69 ECONNREFUSED 127.0.0.1 "$PORT"
	rm -f "$T"/*.fifo
	start_server peer "$PEER" server reset 1000
	failure frecv 74 ECONNRESET 127.0.0.1 "$PORT"
	rm -f "$T"/*.fifo
	json_server fsend "$FSEND" --json -t 1 0 "$T/f"
	"$PEER" client noack 127.0.0.1 "$PORT" 2>/dev/null
	wait_server fsend
	expect_status "fsend, no acknowledgement" 76 "$RC"
	json_ok "$T/fsend.err" fsend
	expect_field "$T/fsend.err" error status 76
	rm -f "$T"/*.fifo
	json_server fsend "$FSEND" --json --sha256 0 "$T/f"
	failure frecv 65 - --expect-sha256 "$(printf '%064d' 0)" 127.0.0.1 "$PORT"
	wait_server fsend
	expect_field "$T/fsend.err" error status 76
}

hostile_file_names_are_escaped() {
	random_file "$T/f" 1000
	# Quotes, a backslash, a newline, an escape, a tab, and bytes that are
	# not UTF-8.
	name=$(printf 'a"b\\c\nd\033[31me\tf\377\376g')
	json_server fsend "$FSEND" --json 0 "$T/f"
	run_frecv --json -o "$name" 127.0.0.1 "$PORT"
	expect_status "frecv -o (a hostile name)" 0 "$RC"
	wait_server fsend
	json_ok "$T/frecv.err" frecv
	same_file "$T/f" "$T/recv/$name"
	# The reader gives back the very bytes of the name.
	jsonl get "$T/frecv.err" done path >"$T/path"
	printf '%s\n' "$name" | cmp -s - "$T/path" || fail "path: $(od -c "$T/path")"
	# Each line is printable ASCII: nothing raw of the name.
	! LC_ALL=C grep -q '[^ -~]' "$T/frecv.err" || fail "raw bytes: $(od -c "$T/frecv.err")"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: json.sh TEST_NAME" ;;
esac
"$1"
