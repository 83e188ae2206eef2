#!/bin/sh
# Who gets the file, by key: fsend --key and frecv --key prove to each
# other that they hold the same key file, and a tag under a key derived
# from it covers the whole file, so that only the key's holders take the
# file and a byte changed, missing or added on the way, or a session
# replayed, ends non-zero with nothing stored.  Each function is one CTest
# test (label "key"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

keygen_prints_a_fresh_key_line() {
	"$FSEND" --keygen >"$T/a" || fail "fsend --keygen"
	"$FRECV" --keygen >"$T/b" || fail "frecv --keygen"
	for f in "$T/a" "$T/b"; do
		[ "$(wc -c <"$f")" -eq 45 ] && grep -qx '[A-Za-z0-9+/]\{43\}=' "$f" ||
			fail "not a key line: $(od -c "$f")"
	done
	! cmp -s "$T/a" "$T/b" || fail "the same key twice"
}

same_key_moves_the_file_exactly_through_a_relay() {
	random_file "$T/f" 3000000
	new_key "$T/k"
	echo precious >"$T/recv/receive.dat"
	through_key_relay flip 999999999999
	expect_status "frecv --key" 0 "$RC"
	expect_status "fsend --key" 0 "$SRC"
	same_file "$T/f" "$T/recv/receive.dat"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	expect_output "$T/fsend.out" "message from client: thank you"
}

another_key_is_refused_and_the_right_client_served_after() {
	random_file "$T/f" 1000000
	new_key "$T/k"
	new_key "$T/other"
	echo precious >"$T/recv/receive.dat"
	start_server -k fsend "$FSEND" --key "$T/k" 0 "$T/f"
	run_frecv --key "$T/other" 127.0.0.1 "$PORT"
	expect_status "frecv, another key" 77 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: the server does not hold the key: its proof is not the key's (--key)"
	keeps_nothing
	# fsend says so, does not count it, and serves the right client.
	next_line fsend
	case $LINE in "fsend: 127.0.0.1:"*": connection reset (--key)") ;; *) fail "fsend: $LINE" ;; esac
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv, the key" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	drain fsend
	wait_server fsend
	expect_status "fsend, its one client the right one" 0 "$RC"
}

clients_without_the_key_get_no_byte() {
	need_nc
	random_file "$T/f" 1000000
	new_key "$T/k"
	start_server -k fsend "$FSEND" --key "$T/k" -t 1 0 "$T/f"
	# A silent client, a plain frecv, nc -d, the textbook client: each
	# refused within -t, not a byte of the file sent, fsend still waiting.
	timeout "$TO" "$PEER" client noread 127.0.0.1 "$PORT" 2>/dev/null
	next_line fsend
	case $LINE in *"no key hello"*"connection reset (--key)") ;; *) fail "fsend: $LINE" ;; esac
	run_frecv -t 5 127.0.0.1 "$PORT"
	expect_status "plain frecv against fsend --key" 74 "$RC"
	[ "$(ls -A "$T/recv")" = "" ] || fail "stored: $(ls -A "$T/recv")"
	next_line fsend
	case $LINE in *"no key hello"*) ;; *) fail "fsend: $LINE" ;; esac
	timeout "$TO" nc -d 127.0.0.1 "$PORT" >"$T/nc.out" 2>/dev/null
	[ ! -s "$T/nc.out" ] || fail "nc got $(wc -c <"$T/nc.out") bytes"
	next_line fsend
	(cd "$T/recv" && timeout "$TO" "$PEER" textbook-client 127.0.0.1 "$PORT" >/dev/null 2>&1)
	[ ! -s "$T/recv/receive.dat" ] || fail "the textbook client got $(wc -c <"$T/recv/receive.dat") bytes"
	rm -f "$T/recv/receive.dat"
	next_line fsend
	kill -0 "$(pid_of fsend)" || fail "fsend gave up"
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv --key after four refused" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	drain fsend
	wait_server fsend
	expect_status "fsend --key, one client served" 0 "$RC"
}

a_byte_changed_anywhere_is_refused_and_nothing_stored() {
	random_file "$T/f" 3000000
	new_key "$T/k"
	rl=$(key_reply_len 3000000 0)
	# The first data byte, one in the middle, the last, one in the tag.
	for at in "$rl" $((rl + 1500000)) $((rl + 2999999)) $((rl + 3000000 + 30)); do
		echo precious >"$T/recv/receive.dat"
		through_key_relay flip "$at"
		expect_status "frecv --key, a bit flipped at $at" 65 "$RC"
		grep -q "^frecv: receive.dat: changed on the way: " "$T/frecv.err" || fail "$(cat "$T/frecv.err")"
		[ "$SRC" -ne 0 ] || fail "fsend exited 0, a bit flipped at $at"
		keeps_nothing
	done
}

a_stream_cut_short_or_with_bytes_added_is_refused() {
	random_file "$T/f" 3000000
	new_key "$T/k"
	rl=$(key_reply_len 3000000 0)
	# A byte added in the middle, and one after the tag.
	for at in $((rl + 1500000)) $((rl + 3000000 + 81)); do
		echo precious >"$T/recv/receive.dat"
		through_key_relay insert "$at"
		expect_status "frecv --key, a byte added at $at" 65 "$RC"
		[ "$SRC" -ne 0 ] || fail "fsend exited 0, a byte added at $at"
		keeps_nothing
	done
	# Cut short: before the last data byte, and before the tag.
	for at in $((rl + 2999999)) $((rl + 3000000)); do
		echo precious >"$T/recv/receive.dat"
		through_key_relay close "$at"
		expect_status "frecv --key, cut at $at" 74 "$RC"
		[ "$SRC" -ne 0 ] || fail "fsend exited 0, cut at $at"
		keeps_nothing
	done
}

acknowledgement_without_the_keys_tag_is_no_delivery() {
	random_file "$T/f" 100000
	new_key "$T/k"
	# The tag of other bytes than those sent: they were not stored.
	start_server fsend "$FSEND" --key "$T/k" 0 "$T/f"
	timeout "$TO" "$PEER" key-client "$T/k" 127.0.0.1 "$PORT" wrong-ack 2>/dev/null
	wait_server fsend
	expect_status "fsend --key, a client's tag of other bytes" 65 "$RC"
	grep -q "^fsend: delivery failed: the client's tag is not the key's" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
	# The plain acknowledgement, which anyone on the path could make.
	rm -f "$T"/*.fifo
	start_server fsend "$FSEND" --key "$T/k" 0 "$T/f"
	timeout "$TO" "$PEER" key-client "$T/k" 127.0.0.1 "$PORT" plain-ack 2>/dev/null
	wait_server fsend
	expect_status "fsend --key, a plain acknowledgement" 76 "$RC"
}

a_recorded_session_replayed_is_refused() {
	random_file "$T/f" 100000
	new_key "$T/k"
	start_server fsend "$FSEND" --key "$T/k" 0 "$T/f"
	start_server relay "$PEER" record 127.0.0.1 "$PORT" "$T/recorded"
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv, the session recorded" 0 "$RC"
	wait_server fsend
	stop_relay relay
	# The server's every byte, replayed to a new frecv (a new nonce).
	echo precious >"$T/recv/receive.dat"
	rm -f "$T"/*.fifo
	start_server peer "$PEER" replay-server "$T/recorded"
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv, a recorded session replayed" 77 "$RC"
	keeps_nothing
	stop_relay peer
}

key_files_others_may_read_or_that_hold_no_key_are_refused() {
	new_key "$T/k"
	random_file "$T/f" 1000
	for mode in 640 604 644 660 606; do
		cp "$T/k" "$T/open.key"
		chmod "$mode" "$T/open.key"
		bad fsend 64 --key "$T/open.key" 0 "$T/f"
		expect_output "$T/err" "fsend: $T/open.key: mode 0$mode: the group or others may read or write the key (chmod 600 it)
Try 'fsend --help' for more information."
		bad frecv 64 --key "$T/open.key" 127.0.0.1 9
	done
	ln -s "$T/k" "$T/link.key"
	bad frecv 64 --key "$T/link.key" 127.0.0.1 9
	grep -q "a symbolic link" "$T/err" || fail "$(cat "$T/err")"
	mkdir -m 700 "$T/dir.key"
	bad frecv 64 --key "$T/dir.key" 127.0.0.1 9
	bad frecv 64 --key "$T/missing.key" 127.0.0.1 9
	(umask 077
	 head -c 43 "$T/k" >"$T/short.key"
	 printf 'not base64 at all, but forty-four chars long\n' >"$T/junk.key"
	 printf '%s\n%s\n' "$(cat "$T/k")" "$(cat "$T/k")" >"$T/two.key"
	 : >"$T/empty.key")
	for f in short junk two empty; do
		bad frecv 64 --key "$T/$f.key" 127.0.0.1 9
		expect_output "$T/err" "frecv: $T/$f.key: not one line of base64 for 32 bytes (fsend --keygen makes one)
Try 'frecv --help' for more information."
	done
	# Read-only for its owner is fine.
	chmod 400 "$T/k"
	start_server fsend "$FSEND" --key "$T/k" 0 "$T/f"
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv --key, a key file of mode 0400" 0 "$RC"
	wait_server fsend
	expect_status "fsend --key, a key file of mode 0400" 0 "$RC"
	# Standard input has no size to announce.
	usage fsend "fsend: -: --key announces the file's size first: not standard input" \
		--key "$T/k" 0 -
}

key_resume_and_sha256_cut_by_kill_then_resumed() {
	random_file "$T/f" 3000000
	new_key "$T/k"
	want=$(sha256sum <"$T/f" | cut -c1-64)
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --key "$T/k" --resume --sha256 0 "$T/f"
	hold_relay
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --key "$T/k" --resume --sha256 127.0.0.1 "$PORT"
	drain frecv
	until_line relay "peer: connection 1: holding"
	kill -KILL "$(pid_of frecv)"
	wait_server frecv
	expect_status "frecv --key --resume, killed" 137 "$RC"
	[ "$(part_size)" -gt 0 ] || fail "nothing kept"
	drain relay
	run_frecv --key "$T/k" --resume --sha256 127.0.0.1 "$PORT"
	expect_status "frecv --key --resume --sha256, again" 0 "$RC"
	wait_server fsend
	expect_status "fsend --key --resume --sha256" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	expect_output "$T/frecv.out" "$want  receive.dat
received file data"
	grep -q '^frecv: receive.dat.part: resuming at byte [1-9][0-9]* of 3000000$' "$T/frecv.err" ||
		fail "not resumed: $(cat "$T/frecv.err")"
	grep -qx "fsend: delivery verified: sha256 $want" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	stop_relay relay
}

allow_and_key_both_apply() {
	random_file "$T/f" 10000
	new_key "$T/k"
	start_server fsend "$FSEND" --key "$T/k" --allow 127.0.0.2 -t 1 0 "$T/f"
	# The key from an address not allowed: reset before a byte.
	run_frecv --key "$T/k" 127.0.0.1 "$PORT"
	expect_status "frecv --key from 127.0.0.1, not allowed" 74 "$RC"
	# Allowed, without the key: refused too (the peer's client sends no
	# hello: fsend gives up on it after -t).
	timeout "$TO" "$PEER" from 127.0.0.2 127.0.0.1 "$PORT" 2>"$T/client.err"
	expect_status "a client from 127.0.0.2 without the key (3: reset)" 3 $?
	kill -TERM "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend, stopped" 143 "$RC"
	grep -q "not allowed (--allow)" "$T/fsend.err" && grep -q "(--key)" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: key.sh TEST_NAME" ;;
esac
"$1"
