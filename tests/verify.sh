#!/bin/sh
# Verified transfers: SHA-256 end to end (fsend --sha256, frecv --sha256,
# frecv --expect-sha256), with the default wire untouched and every other
# peer still understood.  Each function is one CTest test (label verify);
# exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

both_sides_with_sha256_verify_the_delivery() {
	for size in 0 1 3000001; do
		both_sides_verify "$size"
		rm -f "$T"/fsend.* "$T"/frecv.* "$T/recv/receive.dat"
	done
}

one_flipped_bit_in_transit_is_caught_on_both_sides() {
	random_file "$T/f" 1000000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	echo precious >"$T/recv/receive.dat"
	# The receiver knows what to expect: it keeps its old file.
	start_server fsend "$FSEND" 0 "$T/f"
	start_server relay "$PEER" relay 127.0.0.1 "$PORT" 500000
	run_frecv --expect-sha256 "$want" 127.0.0.1 "$PORT"
	expect_status "frecv --expect-sha256 through the relay" 65 "$RC"
	keeps_nothing
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
	wait_server relay
	# The receiver reports what it stored: the sender refuses the delivery.
	start_server fsend2 "$FSEND" --sha256 0 "$T/f"
	start_server relay2 "$PEER" relay 127.0.0.1 "$PORT" 999999
	run_frecv --sha256 -o flipped 127.0.0.1 "$PORT"
	expect_status "frecv --sha256 through the relay (it stored what came)" 0 "$RC"
	wait_server fsend2
	expect_status "fsend --sha256, a client that stored other bytes" 65 "$RC"
	grep -q "^fsend: delivery failed: the client stored different bytes: sent sha256 $want, client's " \
		"$T/fsend2.err" || fail "$(cat "$T/fsend2.err")"
	wait_server relay2
	! cmp -s "$T/f" "$T/recv/flipped" || fail "the relay flipped nothing"
}

file_rewritten_while_in_flight_is_refused() {
	rewrite_in_flight ""
	expect_status "fsend, its file rewritten in flight" 74 "$FSEND_RC"
	grep -q "^fsend: $T/f: file changed while being sent\$" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
	# frecv stored and acknowledged what the wire carried (on the fast
	# path a mix of both versions, copied out of the page cache late): it
	# cannot know.  fsend's status is the one that tells.
	expect_status "frecv" 0 "$FRECV_RC"
}

file_rewritten_while_in_flight_is_refused_not_blamed_on_the_client() {
	rewrite_in_flight --sha256
	expect_status "fsend --sha256, its file rewritten in flight" 74 "$FSEND_RC"
	grep -q "^fsend: $T/f: file changed while being sent\$" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
	! grep -q "stored different bytes" "$T/fsend.err" || fail "the client was blamed"
	expect_status "frecv --sha256" 0 "$FRECV_RC"
	# What frecv stored is what its digest line says.
	(cd "$T/recv" && head -n 1 "$T/frecv.out" | sha256sum -c --status) ||
		fail "frecv's digest is not its file's"
}

fsend_sha256_to_nc_is_unverified() {
	need_nc
	random_file "$T/f" 10000
	start_server fsend "$FSEND" --sha256 0 "$T/f"
	timeout "$TO" nc -d 127.0.0.1 "$PORT" >"$T/out" </dev/null
	wait_server fsend
	expect_status "fsend --sha256 to nc" 76 "$RC"
	same_file "$T/f" "$T/out"
}


sha256_in_30_byte_chunks_and_from_a_pipe() {
	random_file "$T/f" 100003
	want=$(sha256sum <"$T/f" | cut -c1-64)
	roundtrip_sha "$T/f" "-c 30" "-c 30"
	mkfifo "$T/in"
	cat "$T/f" >"$T/in" &
	start_server pipe "$FSEND" --sha256 0 - <"$T/in"
	(cd "$T/recv" && timeout "$TO" "$FRECV" --sha256 -o - 127.0.0.1 "$PORT" >"$T/out" 2>"$T/frecv.err")
	expect_status "frecv --sha256 -o -" 0 $?
	wait_server pipe
	expect_status "fsend --sha256 -" 0 "$RC"
	same_file "$T/f" "$T/out"
	# With the data on stdout, frecv's digest line goes to stderr.
	printf '%s  -\nreceived file data\n' "$want" | cmp -s - "$T/frecv.err" ||
		fail "frecv stderr: $(cat "$T/frecv.err")"
	grep -q "^$want  -\$" "$T/pipe.out" || fail "fsend: $(cat "$T/pipe.out")"
}

fsend_sha256_to_a_plain_client_is_unverified() {
	random_file "$T/f" 10000
	start_server fsend "$FSEND" --sha256 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status "fsend --sha256 to frecv without it" 76 "$RC"
	grep -q '^fsend: delivery unverified: the client sent no digest' "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
}

fsend_sha256_refuses_a_client_that_stored_other_bytes() {
	random_file "$T/f" 10000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	other=$(printf other | sha256sum | cut -c1-64)
	start_server fsend "$FSEND" --sha256 0 "$T/f"
	timeout "$TO" "$PEER" client digest 127.0.0.1 "$PORT" "$other" 2>/dev/null
	wait_server fsend
	expect_status "fsend --sha256, wrong digest" 65 "$RC"
	grep -q "^fsend: delivery failed: the client stored different bytes: sent sha256 $want, client's $other\$" \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

plain_fsend_accepts_a_digest_in_the_acknowledgement() {
	random_file "$T/f" 10000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv --sha256 127.0.0.1 "$PORT"
	expect_status "frecv --sha256" 0 "$RC"
	wait_server fsend
	expect_status "fsend without --sha256" 0 "$RC"
	expect_output "$T/fsend.out" "message from client: thank you"
}

textbook_server_still_prints_thank_you() {
	random_file "$T/f" 10000
	start_server peer "$PEER" textbook-server "$T/f"
	run_frecv --sha256 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server peer
	expect_output "$T/peer.out" "message from client: thank you"
}

nc_server_sees_the_whole_extended_acknowledgement() {
	need_nc
	random_file "$T/f" 10000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	start_server nc nc -l -N -v 127.0.0.1 0 <"$T/f"
	run_frecv --sha256 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server nc
	printf 'thank you\000sha256 %s\n' "$want" | cmp - "$T/nc.out" || fail "nc got: $(od -c "$T/nc.out")"
}

expect_sha256_mismatch_keeps_the_old_file() {
	echo precious >"$T/recv/receive.dat"
	random_file "$T/f" 100000
	got=$(sha256sum <"$T/f" | cut -c1-64)
	other=$(printf other | sha256sum | cut -c1-64)
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv --expect-sha256 "$other" 127.0.0.1 "$PORT"
	expect_status "frecv --expect-sha256 (wrong)" 65 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat: received sha256 $got, expected $other"
	keeps_nothing
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

expect_sha256_match_stores_the_file() {
	random_file "$T/f" 100000
	want=$(sha256sum <"$T/f" | cut -c1-64 | tr a-f A-F) # either case
	roundtrip "$T/f" 127.0.0.1 "" "--expect-sha256 $want"
}

expect_sha256_takes_only_64_hex_digits() {
	bad frecv 64 --expect-sha256 1234 127.0.0.1 9
	[ "$(head -n 1 "$T/err")" = "frecv: expected sha256: not 64 hex digits" ] || fail "$(cat "$T/err")"
}

digest_line_of_an_odd_name_is_escaped_like_sha256sum() {
	random_file "$T/f" 1000
	name='odd
name\x'
	cp "$T/f" "$T/recv/$name"
	(cd "$T/recv" && sha256sum "$name") >"$T/want"
	start_server fsend2 "$FSEND" 0 "$T/f"
	(cd "$T/recv" && timeout "$TO" "$FRECV" --sha256 -q -o "$name" 127.0.0.1 "$PORT" >"$T/got")
	expect_status "frecv --sha256 -o NAME-WITH-NEWLINE" 0 $?
	wait_server fsend2
	cmp "$T/want" "$T/got" || fail "got $(od -c "$T/got"), sha256sum says $(od -c "$T/want")"
}

digest_line_that_cannot_be_written_stores_nothing() {
	[ -w /dev/full ] || skip "no /dev/full"
	random_file "$T/f" 100000
	echo precious >"$T/recv/receive.dat"
	# frecv's line: it is lost, so nothing is stored or acknowledged.
	start_server fsend "$FSEND" 0 "$T/f"
	(cd "$T/recv" && timeout "$TO" "$FRECV" --sha256 127.0.0.1 "$PORT" >/dev/full 2>"$T/frecv.err")
	expect_status "frecv --sha256 >/dev/full" 74 $?
	expect_output "$T/frecv.err" "frecv: standard output: No space left on device"
	keeps_nothing
	wait_server fsend
	expect_status "fsend, its client gone without acknowledging" 76 "$RC"
	# fsend's line: lost before the half-close, so the client is reset.
	start_server fsend2 sh -c 'exec "$0" --sha256 0 "$1" >/dev/full' "$FSEND" "$T/f"
	run_frecv --sha256 127.0.0.1 "$PORT"
	expect_status "frecv --sha256 from an fsend that could not say its digest" 74 "$RC"
	keeps_nothing
	wait_server fsend2
	expect_status "fsend --sha256 >/dev/full" 74 "$RC"
	grep -qx "fsend: standard output: No space left on device" "$T/fsend2.err" ||
		fail "$(cat "$T/fsend2.err")"
}

verbose_and_quiet_keep_the_lines_sha256_promises() {
	random_file "$T/f" 5000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	roundtrip_sha "$T/f" -v -q
	grep -q "acknowledged [0-9.]* s after the last byte, sha256 verified\$" "$T/fsend.err" ||
		fail "no summary: $(cat "$T/fsend.err")"
	grep -qx "fsend: delivery verified: sha256 $want" "$T/fsend.err" ||
		fail "-v lost the verdict: $(cat "$T/fsend.err")"
	expect_output "$T/frecv.out" "$want  receive.dat"
	rm -f "$T"/fsend.* "$T"/frecv.*
	roundtrip_sha "$T/f" -q ""
	expect_output "$T/fsend.out" "$want  $T/f"
	! grep -q "delivery verified" "$T/fsend.err" || fail "-q said: $(cat "$T/fsend.err")"
}

verified_transfer_beyond_4gib() {
	[ -z "${FX_TEST_WRAPPER:-}" ] || skip "hashing 8 GiB under $FX_TEST_WRAPPER takes too long"
	big_dir
	f=$BIG/big
	random_file "$f" 1048576
	head -c 4321 /dev/urandom | dd of="$f" bs=1 seek=$((4 * 1073741824 + 1048576)) conv=notrunc status=none
	want=$(sha256sum <"$f" | cut -c1-64)
	mkdir "$BIG/recv"
	start_server fsend "$FSEND" --sha256 0 "$f"
	(cd "$BIG/recv" && timeout "$TO" "$FRECV" --sha256 --expect-sha256 "$want" 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv, 4 GiB + 1 MiB + 4321 bytes" 0 $?
	wait_server fsend
	expect_status fsend 0 "$RC"
	grep -q "^fsend: delivery verified: sha256 $want\$" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	rm -f "$f"
	[ "$(stat -c %s "$BIG/recv/receive.dat")" -eq $((4 * 1073741824 + 1048576 + 4321)) ] ||
		fail "size $(stat -c %s "$BIG/recv/receive.dat")"
}

# Stop signals and kill -9 while each side hashes in a thread of its own
# (forced: over loopback on few cores it would not start), at a cut where
# the threads wait for bytes and at one where they are still behind: the
# victim is gone within 2 s with the signal's status, the other side says
# the transfer was cut, and the old target stays, alone.
signal_while_hashing_in_a_thread_ends_both_sides_truthfully() {
	FXFER_HASH_THREAD=1
	export FXFER_HASH_THREAD
	random_file "$T/f" 48000000
	for victim in frecv fsend; do
		for sig in TERM:15 INT:2 KILL:9; do
			for cut in 1000000 40000000; do
				what="$victim on SIG${sig%:*} at $cut"
				echo precious >"$T/recv/receive.dat"
				stalled_at "$cut" stall-reset "--sha256 -t 0"
				pid=$(pid_of "$victim")
				kill -"${sig%:*}" "$pid"
				gone_within 2 "$pid"
				end_relay
				wait_server frecv
				expect_status "frecv ($what)" "$([ "$victim" = frecv ] && echo $((128 + ${sig#*:})) || echo 74)" "$RC"
				wait_server fsend
				if [ "$victim" = fsend ]; then
					expect_status "fsend ($what)" $((128 + ${sig#*:})) "$RC"
				elif [ "$cut" -eq 40000000 ] && [ "$RC" -eq 76 ]; then
					# The rest of the file fitted in the socket buffers: the
					# reset came while fsend waited for the acknowledgement.
					grep -q "delivery unconfirmed" "$T/fsend.err" || fail "$what: $(cat "$T/fsend.err")"
				else
					expect_status "fsend ($what)" 74 "$RC"
				fi
				expect_output "$T/recv/receive.dat" precious
				# A named temporary file (the portable build's) outlives kill -9.
				[ "${FX_PORTABLE:-0}" = 0 ] || [ "$sig" != KILL:9 ] || [ "$victim" != frecv ] ||
					rm -f "$T/recv"/.receive.dat.??????
				[ "$(ls -A "$T/recv")" = receive.dat ] || fail "$what left $(ls -A "$T/recv")"
			done
		done
	done
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: verify.sh TEST_NAME" ;;
esac
"$1"
