#!/bin/sh
# Resumed transfers: fsend --resume and frecv --resume.  A transfer cut in
# any way at any moment goes on from what the receiver kept, once the
# sender proved those bytes are its file's start; anything else is sent
# from the start, never mixed in.  Transfers are cut by a relay between the
# two (tests/peer.c "cut").  Each function is one CTest test (label
# "resume"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

cut_transfer_resumes_with_only_the_missing_bytes() {
	random_file "$T/f" 3000000
	rl=$(reply_len 3000000 0)
	# At the first byte of data, in the middle, at the last byte.
	for how in reset close; do
		for cut in $((rl + 1)) $((rl + 1500000)) $((rl + 2999999)); do
			cut_then_resume "$how" "$cut"
		done
	done
}

stalled_transfer_times_out_and_resumes() {
	random_file "$T/f" 3000000
	cut_then_resume stall $(($(reply_len 3000000 0) + 1000000))
	grep -q "timed out after 2 s" "$T/first.err" || fail "$(cat "$T/first.err")"
}

killed_sender_or_receiver_then_resume_is_exact() {
	random_file "$T/f" 3000000
	rl=$(reply_len 3000000 0)
	for victim in frecv fsend; do
		for cut in $((rl + 1)) $((rl + 1500000)) $((rl + 2999999)); do
			echo precious >"$T/recv/receive.dat"
			rm -f "$T/recv/receive.dat.part"
			stalled_at "$cut"
			# Every byte passed is in frecv's socket or its .part now.
			kill -KILL "$(pid_of "$victim")"
			# The survivor sees its connection end (a reset, or a clean
			# close that comes too early); fsend then waits for the
			# client to come back.
			end_relay
			wait_server frecv
			expect_status "frecv ($victim killed at $cut)" "$([ "$victim" = frecv ] && echo 137 || echo 74)" "$RC"
			fsend_outcome
			if [ "$victim" = fsend ]; then
				expect_status "fsend (killed at $cut)" 137 "$SRC"
			else
				expect_waiting "fsend (its client killed at $cut)"
			fi
			expect_output "$T/recv/receive.dat" precious
			resume_finishes "($victim killed at $cut)"
		done
	done
}

part_that_is_not_the_sources_start_is_never_mixed_in() {
	random_file "$T/f" 2000000
	# Kept from another file of the same size; the source replaced since.
	random_file "$T/recv/receive.dat.part" 1000000
	from_the_start "another file's start"
	# One bit flipped inside what was kept.
	head -c 1000000 "$T/f" >"$T/recv/receive.dat.part"
	printf '\001' | dd of="$T/recv/receive.dat.part" bs=1 seek=500000 conv=notrunc status=none
	from_the_start "a flipped byte"
	# Longer than the source.
	cat "$T/f" "$T/f" >"$T/recv/receive.dat.part"
	from_the_start "longer than the source"
	# Empty: nothing to prove, nothing said.
	: >"$T/recv/receive.dat.part"
	from_the_start ""
}

clean_early_close_fails_only_with_resume() {
	random_file "$T/f" 2000000
	echo precious >"$T/recv/receive.dat"
	through_relay close $(($(reply_len 2000000 0) + 1000000)) "-t 1" ""
	expect_status "frecv --resume, the stream closed early" 74 "$RC"
	expect_waiting "fsend --resume, the stream cut"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: the stream ended after 1000000 of 2000000 bytes
frecv: receive.dat.part: 1000000 bytes kept: the same command goes on from there"
	expect_output "$T/recv/receive.dat" precious
	[ "$(part_size)" -eq 1000000 ] || fail "kept $(part_size)"
	# Without --resume nothing announces the size: a clean end is the end
	# (as with nc), and only --expect-sha256 would tell.
	fsend_outcome
	expect_cut "fsend --resume, no client back within -t 1" "$SRC"
	rm "$T/recv/receive.dat.part" "$T"/*.fifo
	start_server fsend "$FSEND" 0 "$T/f"
	start_server relay "$PEER" cut 127.0.0.1 "$PORT" close 1000000
	run_frecv 127.0.0.1 "$PORT"
	expect_status "plain frecv, the stream closed early" 0 "$RC"
	[ "$(stat -c %s "$T/recv/receive.dat")" -eq 1000000 ] || fail "stored $(stat -c %s "$T/recv/receive.dat")"
	wait_server relay
	wait_server fsend
	expect_cut fsend "$RC"
}

sha256_with_resume_covers_the_whole_file() {
	random_file "$T/f" 3000000
	head -c 1234567 "$T/f" >"$T/recv/receive.dat.part"
	sum=$(sha256sum "$T/f" | cut -d ' ' -f 1)
	through_relay close 999999999999 --sha256 --sha256
	expect_status frecv 0 "$RC"
	expect_status fsend 0 "$SRC"
	same_file "$T/f" "$T/recv/receive.dat"
	expect_output "$T/frecv.out" "$sum  receive.dat
received file data"
	grep -qx "$sum  $T/f" "$T/fsend.out" || fail "fsend: $(cat "$T/fsend.out")"
	grep -qx "fsend: delivery verified: sha256 $sum" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	# And the digest is checked: an expected one that is not the file's
	# fails, and a .part that hashes wrong is not kept to be resumed.
	head -c 1234567 "$T/f" >"$T/recv/receive.dat.part"
	rm -f "$T"/*.fifo
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	run_frecv --resume --expect-sha256 "$(printf '%064d' 0)" 127.0.0.1 "$PORT"
	expect_status "frecv --expect-sha256 (wrong)" 65 "$RC"
	[ ! -e "$T/recv/receive.dat.part" ] || fail "a .part that is not the file expected is kept"
	wait_server fsend
	expect_status "fsend (the client refused the file)" 76 "$RC"
}

resume_client_against_a_server_without_it_keeps_everything() {
	# Text without a newline: what frecv shows of it is known.
	head -c 100000 /dev/zero | tr '\0' a >"$T/f"
	echo precious >"$T/recv/receive.dat"
	printf 'kept' >"$T/recv/receive.dat.part"
	# A plain fsend sends the file at once: no reply comes, only data.
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv --resume 127.0.0.1 "$PORT"
	expect_status "frecv --resume from a plain fsend" 76 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: not a resume reply: \"$(head -c 16 "$T/f")...\" (fsend --resume answers the resume request; a server without it cannot resume)"
	wait_server fsend
	expect_cut "plain fsend (the client reset)" "$RC"
	kept_as_they_were
	# A server that says nothing: within -t.
	start_server peer "$PEER" server stall 0
	run_frecv --resume -t 1 127.0.0.1 "$PORT"
	expect_status "frecv --resume from a silent server" 76 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: timed out after 1 s without progress (-t 1) (fsend --resume answers the resume request; a server without it cannot resume)"
	kept_as_they_were
	# The server hashes what was kept before it answers: the wait grows by
	# a second for each 100 MiB kept.
	rm "$T/recv/receive.dat.part"
	truncate -s 104857600 "$T/recv/receive.dat.part"
	rm -f "$T"/*.fifo
	start_server peer "$PEER" server stall 0
	run_frecv --resume -t 1 127.0.0.1 "$PORT"
	expect_status "frecv --resume from a silent server, 100 MiB kept" 76 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: no reply within 2 s (-t 1, and a second for each 100 MiB kept, which the server hashes first) (fsend --resume answers the resume request; a server without it cannot resume)"
	[ "$(part_size)" -eq 104857600 ] || fail "the .part changed"
	printf 'kept' >"$T/recv/receive.dat.part"
	# nc -l sending a file.
	need_nc
	start_server nc nc -l -N -v 127.0.0.1 0 <"$T/f"
	run_frecv --resume -t 5 127.0.0.1 "$PORT"
	expect_status "frecv --resume from nc" 76 "$RC"
	kept_as_they_were
}

resume_server_against_a_client_without_it_fails_within_its_timeout() {
	random_file "$T/f" 100000
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "plain frecv (reset)" 74 "$RC"
	keeps_nothing
	wait_server fsend
	expect_status "fsend --resume, a plain frecv" 76 "$RC"
	expect_output "$T/fsend.err" "fsend: listening on $(head -n 1 "$T/fsend.err" | sed 's/.* //')
fsend: resume request: timed out after 1 s without progress (-t 1) (frecv --resume sends one; a client without it cannot resume)
fsend: waiting up to 1 s for the client to come back (-t 1)"
	# The textbook client waits for data too.
	rm -f "$T"/*.fifo
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	(cd "$T/recv" && timeout "$TO" "$PEER" textbook-client 127.0.0.1 "$PORT" >/dev/null 2>&1)
	wait_server fsend
	expect_status "fsend --resume, the textbook client" 76 "$RC"
	# nc sends its standard input's end at once.
	need_nc
	rm -f "$T"/*.fifo
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	nc -N 127.0.0.1 "$PORT" </dev/null >/dev/null 2>&1
	wait_server fsend
	expect_status "fsend --resume, nc" 76 "$RC"
	grep -q "^fsend: resume request: the client closed without one (frecv --resume" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
}

hostile_resume_lines_are_refused() {
	random_file "$T/f" 1000
	need_nc
	hex=$(printf '%064d' 0)
	for line in "fxfer-resume/1 have=01 sha256=$hex" "fxfer-resume/1 have=1 sha256=${hex}x" \
		"fxfer-resume/1 have=9223372036854775808 sha256=$hex" "fxfer-resume/1 have=1 sha256=$(echo "$hex" | tr 0 A)" \
		"fxfer-resume/1  have=1 sha256=$hex" "$(printf '%0300d' 0)"; do
		request_refused "$line" "not a resume request: \"$(printf '%.48s' "$line")...\""
	done
	request_refused "fxfer-resume/2 have=0 sha256=$hex" \
		"one of another version (this fsend speaks version 1): \"$(printf '%.48s' "fxfer-resume/2 have=0 sha256=$hex")...\""
	request_refused "GET / HTTP/1.0" 'not a resume request: "GET / HTTP/1.0\n"'
	# To frecv: replies no sender gives.
	echo precious >"$T/recv/receive.dat"
	printf 'kept' >"$T/recv/receive.dat.part"
	reply_refused "fxfer-resume/1 size=10 from=0" 20 76 \
		"frecv: receive.dat.part: the 4 bytes kept are not the start of the server's file: starting over
frecv: 127.0.0.1 port PORT: more than the 10 bytes the server announced: connection reset"
	printf 'kept' >"$T/recv/receive.dat.part"
	reply_refused "fxfer-resume/1 size=10 from=5" 5 76 \
		"frecv: 127.0.0.1 port PORT: the server would go on from byte 5, but the .part file holds 4"
	reply_refused "fxfer-resume/1 size=10 from=11" 0 76 \
		"frecv: 127.0.0.1 port PORT: a broken resume reply: \"fxfer-resume/1 size=10 from=11\n\" (it would go on from beyond the file's end)"
	reply_refused "fxfer-resume/7 size=10 from=0" 0 76 \
		"frecv: 127.0.0.1 port PORT: a resume reply of another version: \"fxfer-resume/7 size=10 from=0\n\" (this frecv speaks version 1)"
	reply_refused "fxfer-resume/1 size=100 from=0" 50 74 \
		"frecv: receive.dat.part: the 4 bytes kept are not the start of the server's file: starting over
frecv: 127.0.0.1 port PORT: the stream ended after 50 of 100 bytes
frecv: receive.dat.part: 50 bytes kept: the same command goes on from there"
}

standard_streams_cannot_be_resumed() {
	: >"$T/f"
	usage fsend "fsend: -: --resume needs a file it can read again: not standard input" \
		--resume 0 -
	usage frecv "frecv: --resume: keeps what arrives in a file (PATH.part): not with -o -" \
		--resume -o - 127.0.0.1 9
	usage frecv "frecv: /dev/null: --resume keeps what arrives in PATH.part beside a regular file: not for a device or FIFO" \
		--resume -o /dev/null 127.0.0.1 9
}

each_client_resumes_on_its_own() {
	random_file "$T/f" 2000000
	mkdir "$T/a" "$T/b"
	head -c 700000 "$T/f" >"$T/a/receive.dat.part"
	start_server fsend "$FSEND" --resume -v -n 2 0 "$T/f"
	(cd "$T/a" && timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" >out 2>err)
	expect_status "frecv with 700000 bytes kept" 0 $?
	(cd "$T/b" && timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" >out 2>err)
	expect_status "frecv with nothing kept" 0 $?
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/a/receive.dat"
	same_file "$T/f" "$T/b/receive.dat"
	grep -q ": the client holds 700000 bytes (hashed in [0-9.]* s): sending from byte 700000\$" "$T/fsend.err" &&
		grep -q ": [0-9.]* MiB (1300000 bytes) in .*, acknowledged" "$T/fsend.err" &&
		grep -q ": the client holds 0 bytes (hashed in [0-9.]* s): sending from byte 0\$" "$T/fsend.err" &&
		grep -q ": [0-9.]* MiB (2000000 bytes) in .*, acknowledged" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

second_receiver_on_the_same_part_is_refused() {
	random_file "$T/f" 2000000
	stalled_at 500000
	# The first one holds its .part; a second one is refused before it
	# connects (its try to open the file does not go unnoticed: it would
	# fail the first one's commit, whose relay is stalled anyway).
	(cd "$T/recv" && timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" >"$T/second.out" 2>"$T/second.err")
	expect_status "a second frecv --resume" 73 $?
	expect_output "$T/second.err" "frecv: receive.dat.part: another frecv is writing to it"
	end_relay
	wait_server frecv
	expect_status "the first frecv (its relay gone)" 74 "$RC"
	fsend_outcome
	expect_waiting "fsend, its client gone"
	resume_finishes
}

resume_beyond_4gib() {
	[ -z "${FX_TEST_WRAPPER:-}" ] || skip "hashing 8 GiB under $FX_TEST_WRAPPER takes too long"
	# A sparse file with data across the 4 GiB mark, cut beyond it.
	big_dir
	f=$BIG/big
	head -c 1048576 /dev/urandom | dd of="$f" bs=1048576 seek=4095 conv=notrunc status=none
	head -c 4321 /dev/urandom | dd of="$f" bs=1 seek=$((4 * 1073741824 + 1048576)) conv=notrunc status=none
	size=$(stat -c %s "$f")
	mkdir "$BIG/recv"
	# What a cut 1 MiB past 4 GiB keeps.
	cp --sparse=always "$f" "$BIG/recv/receive.dat.part"
	truncate -s $((4 * 1073741824 + 1048576)) "$BIG/recv/receive.dat.part"
	start_server fsend "$FSEND" --resume -v 0 "$f"
	(cd "$BIG/recv" && timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" >"$T/frecv.out" 2>"$T/frecv.err")
	expect_status frecv 0 $?
	wait_server fsend
	expect_status fsend 0 "$RC"
	grep -q ": the client holds 4296015872 bytes (hashed in [0-9.]* s): sending from byte 4296015872\$" "$T/fsend.err" &&
		grep -q ": [0-9.]* KiB (4321 bytes) in " "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	cmp "$f" "$BIG/recv/receive.dat" || fail "differs"
	[ "$(stat -c %s "$BIG/recv/receive.dat")" -eq "$size" ] || fail "size"
}

stop_signal_to_frecv_keeps_the_part_for_the_next_try() {
	random_file "$T/f" 3000000
	for sig in TERM INT HUP; do
		echo precious >"$T/recv/receive.dat"
		rm -f "$T/recv/receive.dat.part" "$T"/*.fifo
		stalled_at 1500100
		kill -s "$sig" "$(pid_of frecv)"
		wait_server frecv
		expect_status "frecv (SIG$sig)" $((128 + $(signum "$sig"))) "$RC"
		end_relay
		fsend_outcome
		expect_waiting "fsend (the client stopped by SIG$sig)"
		expect_output "$T/recv/receive.dat" precious
		[ "$(part_size)" -gt 0 ] || fail "nothing kept after SIG$sig"
		expect_output "$T/frecv.err" "frecv: receive.dat.part: kept: the same command goes on from there"
		resume_finishes "(SIG$sig)"
	done
	# Stopped before a byte of data came: nothing kept, nothing left.
	stalled_at "$(reply_len 3000000 0)"
	kill -s TERM "$(pid_of frecv)"
	wait_server frecv
	expect_status "frecv (SIGTERM before the data)" 143 "$RC"
	end_relay
	fsend_outcome
	expect_waiting "fsend (the client stopped before the data)"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	[ ! -s "$T/frecv.err" ] || fail "$(cat "$T/frecv.err")"
}

file_size_limit_keeps_the_part_for_the_next_try() {
	random_file "$T/f" 3000000
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --resume 0 "$T/f"
	FPORT=$PORT WAITS=0
	# ulimit -f counts 512-byte blocks: 1000000 bytes may be written.
	(cd "$T/recv" && ulimit -f 1953 && exec timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv under ulimit -f" 74 $?
	grep -q "^frecv: receive.dat: File too large\$" "$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	fsend_outcome
	expect_waiting "fsend (the client failed)"
	expect_output "$T/recv/receive.dat" precious
	[ "$(part_size)" -gt 0 ] || fail "nothing kept"
	resume_finishes "(after ulimit -f)"
}

resumed_meter_counts_the_kept_bytes() {
	random_file "$T/f" 3000000
	head -c 2000000 "$T/f" >"$T/recv/receive.dat.part"
	start_server fsend "$FSEND" --resume 0 "$T/f"
	run_frecv --resume --progress 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	# The meter's lines: the size the server announced, and percentages
	# that count the 2000000 bytes kept (67% and more).
	tr '\r' '\n' <"$T/frecv.err" | grep '^frecv: [0-9.]* [KMG]*i*B / ' >"$T/meter"
	[ -s "$T/meter" ] || fail "no meter: $(cat "$T/frecv.err")"
	awk '$5 != "2.9" || $6 != "MiB" || $7 + 0 < 67 { bad = 1 } END { exit bad }' "$T/meter" ||
		fail "$(cat "$T/meter")"
	tr '\r' '\n' <"$T/frecv.err" | grep -q '^frecv: receive.dat.part: resuming at byte 2000000 of 3000000$' ||
		fail "$(cat "$T/frecv.err")"
}

part_holding_the_whole_file_is_stored_without_data() {
	# Cut after the last byte, before the acknowledgement: all is kept, and
	# the next try moves nothing but the two lines.
	random_file "$T/f" 1000000
	cp "$T/f" "$T/recv/receive.dat.part"
	echo precious >"$T/recv/receive.dat"
	resume_finishes "(all kept)"
	expect_output "$T/relay.err" "$(head -n 1 "$T/relay.err")
peer: relayed $(reply_len 1000000 1000000)"
}

unusable_part_or_output_is_refused_before_connecting() {
	# A port that refuses: a frecv that got as far as connecting says 69.
	start_server peer "$PEER" refuse
	# A .part with another name: writing it would change that file.
	echo "my notes" >"$T/recv/notes"
	ln "$T/recv/notes" "$T/recv/receive.dat.part"
	run_frecv --resume 127.0.0.1 "$PORT"
	expect_status "frecv --resume, a hard-linked .part" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat.part: the file has other hard links: writing it would change them"
	expect_output "$T/recv/notes" "my notes"
	rm "$T/recv/receive.dat.part" "$T/recv/notes"
	# Standard output by another name (a pipe), a FIFO: usage errors.
	{ (cd "$T/recv" && timeout "$TO" "$FRECV" --resume -o /dev/stdout 127.0.0.1 "$PORT" 2>"$T/err")
	  echo $? >"$T/rc"; } | cat >/dev/null
	expect_status "frecv --resume -o /dev/stdout (a pipe)" 64 "$(cat "$T/rc")"
	mkfifo "$T/recv/ff"
	usage frecv "frecv: $T/recv/ff: --resume keeps what arrives in PATH.part beside a regular file: not for a device or FIFO" \
		--resume -o "$T/recv/ff" 127.0.0.1 "$PORT"
	# Unprivileged: a directory that would refuse the rename at the end,
	# and a sticky shared one where the .part is someone else's.
	need_nobody
	mkdir -m 755 "$T/ro" "$T/st"
	head -c 5000 /dev/urandom >"$T/ro/out.part"
	chown 65534 "$T/ro/out.part"
	as_nobody timeout "$TO" "$FRECV" --resume -o "$T/ro/out" 127.0.0.1 "$PORT" 2>"$T/err"
	expect_status "frecv --resume into a directory it cannot write" 73 $?
	expect_output "$T/err" "frecv: $T/ro/out: the directory is not writable: the .part file could not be renamed"
	chmod 1777 "$T/st"
	head -c 5000 /dev/urandom >"$T/st/receive.dat.part"
	chmod 666 "$T/st/receive.dat.part"
	(cd "$T/st" && as_nobody timeout "$TO" "$FRECV" --resume 127.0.0.1 "$PORT" 2>"$T/err")
	expect_status "frecv --resume, root's .part in a sticky directory" 73 $?
	expect_output "$T/err" "frecv: receive.dat.part: the file belongs to another user"
	[ "$(stat -c %s "$T/st/receive.dat.part")" -eq 5000 ] || fail "the .part changed"
}

part_appended_to_by_another_process_is_never_stored() {
	random_file "$T/f" 3000000
	# Without a lease, the length tells (docs/guarantees.md).
	if [ "${FX_PORTABLE:-0}" = 0 ]; then
		meddling_is_caught append "another process opened the file while frecv wrote it"
	else
		meddling_is_caught append "another process changed its length while frecv wrote it"
	fi
}

part_rewritten_after_it_was_hashed_is_never_stored() {
	# Only a lease shows a rewrite of the same length (docs/guarantees.md).
	[ "${FX_PORTABLE:-0}" = 0 ] || skip "the portable build takes no lease"
	random_file "$T/f" 3000000
	meddling_is_caught rewrite "another process opened the file while frecv wrote it"
}

part_opened_as_it_is_stored_is_no_delivery() {
	[ "${FX_PORTABLE:-0}" = 0 ] || skip "the portable build takes no lease"
	need_strace
	random_file "$T/f" 1000000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	start_server fsend "$FSEND" --resume --sha256 -t 3 0 "$T/f"
	# Once frecv has renamed the .part, the directory's fsync waits a
	# second: meanwhile another process opens the file to write into it
	# (the open waits on frecv's lease).
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		strace -f -o "$T/trace" -e trace=fsync,renameat -e inject=fsync:delay_enter=1000000:when=2 \
		"$FRECV_REAL" --resume --sha256 127.0.0.1 "$PORT"
	drain frecv
	wait_trace "$T/trace" renameat
	(exec 3<>"$T/recv/receive.dat" && printf EVIL >&3) 2>/dev/null &
	wait_server frecv
	expect_status "frecv, the file opened as it was stored" 74 "$RC"
	grep -q "^frecv: receive.dat: replaced, but another process opened the file as it was stored" \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	wait
	wait_server fsend
	[ "$RC" -ne 0 ] || fail "fsend exited 0: acknowledged"
	! grep -q "delivery verified" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	[ "$(cat "$T/frecv.out")" = "$want  receive.dat" ] || fail "$(cat "$T/frecv.out")"
}

part_renamed_and_replaced_is_never_stored() {
	random_file "$T/f" 3000000
	meddling_is_caught replace "the file was renamed or replaced while frecv wrote it"
	# The file frecv wrote went with the name; it was not stored.
	[ -s "$T/recv/stolen" ] || fail "the renamed .part is gone"
}

resume_lines_that_trickle_in_came_too_slowly() {
	random_file "$T/f" 1000
	# To fsend: a request, a byte every 100 ms, against -t 1.
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	timeout "$TO" "$PEER" trickle 127.0.0.1 "$PORT" "fxfer-resume/1 have=0 sha256=$(printf '%064d' 0)" \
		2>/dev/null
	wait_server fsend
	expect_status "fsend --resume, a request that trickles in" 76 "$RC"
	grep -qxF "fsend: resume request: it came too slowly: not whole within 1 s (-t 1) (frecv --resume sends one; a client without it cannot resume)" \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	# To frecv: a reply the same way.
	echo precious >"$T/recv/receive.dat"
	rm -f "$T"/*.fifo
	start_server peer "$PEER" trickle-server "fxfer-resume/1 size=1000 from=0"
	run_frecv --resume -t 1 127.0.0.1 "$PORT"
	expect_status "frecv --resume, a reply that trickles in" 76 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: the resume reply came too slowly: not whole within 1 s"
	expect_output "$T/recv/receive.dat" precious
	wait_server peer
}

file_that_shrinks_while_the_clients_part_is_hashed_says_so() {
	need_strace
	random_file "$T/f" 3000000
	head -c 2000000 "$T/f" >"$T/recv/receive.dat.part"
	# fsend's first pread(2) of the file, which hashes the client's part,
	# waits a second.
	start_server fsend strace -f -o "$T/trace" -P "$T/f" -e trace=pread64 \
		-e inject=pread64:delay_enter=1000000:when=1 "$FSEND" --resume -t 1 0 "$T/f"
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --resume 127.0.0.1 "$PORT"
	drain frecv
	n=0
	until grep -q 'pread64(' "$T/trace" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -lt 400 ] || fail "fsend did not hash: $(cat "$T/fsend.err")"
		sleep 0.05
	done
	truncate -s 1000 "$T/f"
	wait_server fsend
	expect_status "fsend, its file shrank" 74 "$RC"
	grep -qxF "fsend: $T/f: file shrank while the client's part of it was hashed" "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
	wait_server frecv
	expect_status "frecv, its sender failed" 74 "$RC"
}

plain_receiver_that_gives_up_first_gets_the_resume_hint() {
	random_file "$T/f" 1000
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" --resume -t 3 0 "$T/f"
	run_frecv -t 1 127.0.0.1 "$PORT"
	expect_status "plain frecv -t 1" 74 "$RC"
	keeps_nothing
	wait_server fsend
	expect_status "fsend --resume -t 3, a plain frecv gone" 76 "$RC"
	expect_output "$T/fsend.err" "$(head -n 1 "$T/fsend.err")
fsend: resume request: the client reset the connection without one (frecv --resume sends one; a client without it cannot resume)
fsend: waiting up to 3 s for the client to come back (-t 3)"
}

part_append_only_or_immutable_is_named() {
	need_root
	command -v chattr >/dev/null || skip "chattr (e2fsprogs) is not installed"
	echo precious >"$T/recv/receive.dat"
	printf kept >"$T/recv/receive.dat.part"
	chattr +a "$T/recv/receive.dat.part" 2>/dev/null || skip "no append-only files here"
	AT_EXIT="chattr -a -i '$T/recv/receive.dat.part' 2>/dev/null; $AT_EXIT"
	# The portable build cannot read the attributes: it names the file.
	why_a="the file is append-only (chattr +a): it cannot be written where it left off"
	why_i="the file is immutable (chattr +i)"
	[ "${FX_PORTABLE:-0}" = 0 ] || why_a="Operation not permitted" why_i="Operation not permitted"
	run_frecv --resume 127.0.0.1 9
	expect_status "frecv --resume, an append-only .part" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat.part: $why_a"
	chattr -a +i "$T/recv/receive.dat.part"
	run_frecv --resume 127.0.0.1 9
	expect_status "frecv --resume, an immutable .part" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat.part: $why_i"
	chattr -i "$T/recv/receive.dat.part"
	kept_as_they_were
}

part_of_another_user_is_refused_in_any_directory() {
	need_root
	echo precious >"$T/recv/receive.dat"
	printf kept >"$T/recv/receive.dat.part"
	chmod 755 "$T/recv"
	chown 65534:65534 "$T/recv/receive.dat.part"
	# Not sticky, and frecv is root: the target would be made theirs.
	run_frecv --resume 127.0.0.1 9
	expect_status "frecv --resume, another user's .part" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat.part: the file belongs to another user"
	[ "$(stat -c %u "$T/recv/receive.dat.part")" = 65534 ] || fail "the .part changed hands"
	kept_as_they_were
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: resume.sh TEST_NAME" ;;
esac
"$1"
