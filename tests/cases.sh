#!/bin/sh
# Integration tests of the real fsend and frecv on loopback.  Each function
# is one CTest test, run as "cases.sh NAME"; exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

CHUNK=1048576

# ---- transfers -----------------------------------------------------------

transfer_empty_file() { : >"$T/f"; roundtrip "$T/f" 127.0.0.1; }
transfer_one_byte() { random_file "$T/f" 1; roundtrip "$T/f" 127.0.0.1; }
transfer_chunk_minus_one() { random_file "$T/f" $((CHUNK - 1)); roundtrip "$T/f" 127.0.0.1; }
transfer_exact_chunk() { random_file "$T/f" $CHUNK; roundtrip "$T/f" 127.0.0.1; }
transfer_chunk_plus_one() { random_file "$T/f" $((CHUNK + 1)); roundtrip "$T/f" 127.0.0.1; }
transfer_random_5mib() { random_file "$T/f" 5242880; roundtrip "$T/f" 127.0.0.1; }

transfer_in_30_byte_chunks() {
	random_file "$T/f" 100003
	roundtrip "$T/f" 127.0.0.1 "-c 30" "-c 30"
}

transfer_with_mixed_chunk_sizes() {
	random_file "$T/f" 1000000
	roundtrip "$T/f" 127.0.0.1 "-c 1M" "--chunk 64K"
}

transfer_over_ipv4_bound_address() {
	random_file "$T/f" 300000
	roundtrip "$T/f" 127.0.0.1 "-b 127.0.0.1"
	grep -q '^fsend: listening on 127\.0\.0\.1:[0-9]*$' "$T/fsend.err" ||
		fail "listening line: $(cat "$T/fsend.err")"
}

transfer_over_ipv6_loopback() {
	# Only a machine without an IPv6 loopback skips this.
	"$PEER" has-ipv6-loopback || skip "no IPv6 loopback here"
	random_file "$T/f" 300000
	roundtrip "$T/f" ::1 "-b ::1"
	grep -q '^fsend: listening on \[::1\]:[0-9]*$' "$T/fsend.err" ||
		fail "listening line: $(cat "$T/fsend.err")"
}

transfer_to_localhost_by_name() {
	random_file "$T/f" 300000
	roundtrip "$T/f" localhost
}

transfer_dual_stack_listener_takes_ipv6_client() {
	"$PEER" has-ipv6-loopback || skip "no IPv6 loopback here"
	random_file "$T/f" 1000
	roundtrip "$T/f" ::1
}

output_option_writes_named_path() {
	random_file "$T/f" 70000
	mkdir "$T/recv/sub"
	roundtrip "$T/f" 127.0.0.1 "" "-o sub/copy.bin" "$T/recv/sub/copy.bin"
	[ ! -e "$T/recv/receive.dat" ] || fail "receive.dat written despite -o"
}

existing_receive_dat_is_replaced_on_success() {
	echo old >"$T/recv/receive.dat"
	random_file "$T/f" 4000
	roundtrip "$T/f" 127.0.0.1
}

received_file_gets_umask_mode() {
	random_file "$T/f" 10
	(umask 027 && roundtrip "$T/f" 127.0.0.1) || exit 1
	expect_mode "$T/recv/receive.dat" 640
}

transfer_beyond_4gib() {
	# A sparse file, with data at the start, across the 4 GiB mark and at
	# the end, so a 32-bit offset anywhere would show.
	big_dir
	dir=$BIG
	f=$dir/big
	random_file "$f" 1048576
	head -c 1048576 /dev/urandom | dd of="$f" bs=1048576 seek=4095 conv=notrunc status=none
	head -c 4321 /dev/urandom | dd of="$f" bs=1 seek=$((4 * 1073741824 + 1048576)) conv=notrunc status=none
	mkdir "$dir/recv"
	roundtrip "$f" 127.0.0.1 "" "-o $dir/recv/receive.dat" "$dir/recv/receive.dat"
	[ "$(stat -c %s "$dir/recv/receive.dat")" -eq $((4 * 1073741824 + 1048576 + 4321)) ] ||
		fail "size $(stat -c %s "$dir/recv/receive.dat")"
}

# ---- the classic programs and netcat ----------------------------------------

fsend_to_textbook_client_is_confirmed() {
	random_file "$T/f" 100000
	start_server fsend "$FSEND" 0 "$T/f"
	(cd "$T/recv" && timeout "$TO" "$PEER" textbook-client 127.0.0.1 "$PORT" >/dev/null)
	expect_status textbook-client 0 $?
	wait_server fsend
	expect_status fsend 0 "$RC"
	expect_output "$T/fsend.out" "message from client: thank you"
	same_file "$T/f" "$T/recv/receive.dat"
}

frecv_from_textbook_server_is_confirmed() {
	random_file "$T/f" 100000
	start_server peer "$PEER" textbook-server "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server peer
	expect_status textbook-server 0 "$RC"
	expect_output "$T/peer.out" "message from client: thank you"
	same_file "$T/f" "$T/recv/receive.dat"
}

fsend_to_nc_client_reports_unconfirmed_delivery() {
	need_nc
	random_file "$T/f" 2000000
	start_server fsend "$FSEND" 0 "$T/f"
	timeout "$TO" nc -d 127.0.0.1 "$PORT" >"$T/recv/out" </dev/null
	expect_status nc 0 $?
	wait_server fsend
	expect_status fsend 76 "$RC"
	same_file "$T/f" "$T/recv/out"
	grep -q '^fsend: delivery unconfirmed: client closed without acknowledgement$' \
		"$T/fsend.err" || fail "message: $(cat "$T/fsend.err")"
	[ ! -s "$T/fsend.out" ] || fail "fsend claimed a confirmation"
}

frecv_from_nc_server_sends_acknowledgement() {
	need_nc
	random_file "$T/f" 2000000
	start_server nc nc -l -N -v 127.0.0.1 0 <"$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server nc
	expect_status nc 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	printf 'thank you\000' | cmp - "$T/nc.out" || fail "nc got: $(od -c "$T/nc.out")"
}

# ---- acknowledgements -----------------------------------------------------------

wrong_acknowledgement_is_protocol_error_and_escaped() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" 0 "$T/f"
	timeout "$TO" "$PEER" client-ack 127.0.0.1 "$PORT" "$(printf '\033[2Jgo away\007')"
	wait_server fsend
	expect_status fsend 76 "$RC"
	grep -q '^fsend: delivery unconfirmed: unexpected acknowledgement "\\x1b\[2Jgo away\\x07"$' \
		"$T/fsend.err" || fail "message: $(cat "$T/fsend.err")"
	! grep -q "$(printf '\033')" "$T/fsend.err" || fail "raw escape reached stderr"
}

acknowledgement_with_newline_is_accepted() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" 0 "$T/f"
	timeout "$TO" "$PEER" client-ack 127.0.0.1 "$PORT" "thank you
"
	wait_server fsend
	expect_status fsend 0 "$RC"
	expect_output "$T/fsend.out" "message from client: thank you"
}

# ---- bad input: exact status, one line naming the program, nothing left ------

fsend_missing_operand_is_usage_error() { bad fsend 64 9000; }
fsend_extra_operand_is_usage_error() { : >"$T/f"; bad fsend 64 9000 "$T/f" extra; }
fsend_port_not_a_number_is_usage_error() { : >"$T/f"; bad fsend 64 http "$T/f"; }
fsend_port_with_trailing_junk_is_usage_error() { : >"$T/f"; bad fsend 64 80x "$T/f"; }
fsend_negative_port_is_usage_error() { : >"$T/f"; bad fsend 64 -- -1 "$T/f"; }
fsend_port_over_65535_is_usage_error() { : >"$T/f"; bad fsend 64 65536 "$T/f"; }
fsend_unknown_option_is_usage_error() { : >"$T/f"; bad fsend 64 -Z 0 "$T/f"; }
fsend_chunk_zero_is_usage_error() { : >"$T/f"; bad fsend 64 -c 0 0 "$T/f"; }
fsend_absurd_chunk_is_usage_error() { : >"$T/f"; bad fsend 64 -c 17M 0 "$T/f"; }
fsend_chunk_junk_is_usage_error() { : >"$T/f"; bad fsend 64 -c 12Q 0 "$T/f"; }
fsend_bad_timeout_is_usage_error() { : >"$T/f"; bad fsend 64 -t 5s 0 "$T/f"; }
fsend_zero_jobs_is_usage_error() { : >"$T/f"; bad fsend 64 -j 0 0 "$T/f"; }
fsend_zero_count_is_usage_error() { : >"$T/f"; bad fsend 64 -n 0 0 "$T/f"; }
frecv_negative_timeout_is_usage_error() { bad frecv 64 -t -1 127.0.0.1 9000; }
fsend_missing_file_is_noinput() {
	bad fsend 66 0 "$T/missing"
	grep -q "^fsend: $T/missing: No such file or directory$" "$T/err" || fail "$(cat "$T/err")"
}
fsend_directory_is_noinput() { bad fsend 66 0 "$T"; }
fsend_fifo_is_noinput() { mkfifo "$T/fifo"; bad fsend 66 0 "$T/fifo"; }
fsend_unreadable_file_is_noinput() {
	: >"$T/f"; chmod 000 "$T/f"
	# Root reads any file: as root, try it as an unprivileged user.
	if [ "$(id -u)" -eq 0 ]; then
		need_nobody
		chmod 777 "$T/recv"
		printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' \
			"$FSEND" >"$T/fsend-nobody"
		chmod 755 "$T/fsend-nobody"
		FSEND=$T/fsend-nobody
	fi
	bad fsend 66 0 "$T/f"
}
fsend_bad_bind_address_is_nohost() { : >"$T/f"; bad fsend 68 -b no.such.host.invalid 0 "$T/f"; }
fsend_port_in_use_is_unavailable() {
	: >"$T/f"
	start_server fsend "$FSEND" -b 127.0.0.1 0 "$T/f"
	bad fsend 69 -b 127.0.0.1 "$PORT" "$T/f"
	grep -q 'Address.*in use' "$T/err" || fail "$(cat "$T/err")"
	timeout "$TO" "$PEER" client-ack 127.0.0.1 "$PORT" "thank you"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

frecv_missing_operand_is_usage_error() { bad frecv 64 127.0.0.1; }
frecv_extra_operand_is_usage_error() { bad frecv 64 127.0.0.1 9000 x; }
frecv_port_zero_is_usage_error() { bad frecv 64 127.0.0.1 0; }
frecv_port_with_trailing_junk_is_usage_error() { bad frecv 64 127.0.0.1 80x; }
frecv_port_over_65535_is_usage_error() { bad frecv 64 127.0.0.1 70000; }
frecv_empty_host_is_usage_error() { bad frecv 64 "" 9000; }
frecv_unknown_option_is_usage_error() { bad frecv 64 --bogus 127.0.0.1 9000; }
frecv_chunk_zero_is_usage_error() { bad frecv 64 -c 0 127.0.0.1 9000; }
frecv_unknown_host_is_nohost() { bad frecv 68 no.such.host.invalid 9000; }
frecv_missing_output_directory_is_cantcreat() { bad frecv 73 -o "$T/nodir/x" 127.0.0.1 9000; }
frecv_output_directory_is_cantcreat() {
	mkdir "$T/d"; bad frecv 73 -o "$T/d" 127.0.0.1 9000
}

frecv_refused_connection_is_unavailable() {
	start_server peer "$PEER" refuse
	bad frecv 69 127.0.0.1 "$PORT"
	grep -q 'Connection refused' "$T/err" || fail "$(cat "$T/err")"
}

fsend_bind_failure_names_the_address() {
	: >"$T/f"
	start_server fsend "$FSEND" -b 127.0.0.1 0 "$T/f"
	timeout "$TO" "$FSEND" -b 127.0.0.1 "$PORT" "$T/f" >"$T/out" 2>"$T/err"
	expect_status "fsend on a port in use" 69 $?
	# The C library's words for EADDRINUSE vary ("Address in use" in musl).
	grep -qx "fsend: 127.0.0.1 port $PORT: Address.* in use" "$T/err" || fail "$(cat "$T/err")"
}

lost_final_message_is_said_and_the_status_stays_0() {
	[ -w /dev/full ] || skip "no /dev/full"
	random_file "$T/f" 100000
	start_server fsend sh -c 'exec "$0" 0 "$1" >/dev/full' "$FSEND" "$T/f"
	(cd "$T/recv" && timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" >/dev/full 2>"$T/frecv.err")
	expect_status "frecv >/dev/full" 0 $?
	same_file "$T/f" "$T/recv/receive.dat"
	expect_output "$T/frecv.err" "frecv: standard output: No space left on device (the file was stored)"
	wait_server fsend
	expect_status "fsend >/dev/full" 0 "$RC"
	grep -qx "fsend: standard output: No space left on device (the client acknowledged)" \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

refused_connection_keeps_old_receive_dat() {
	echo precious >"$T/recv/receive.dat"
	start_server peer "$PEER" refuse
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 69 "$RC"
	expect_output "$T/recv/receive.dat" precious
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
}

# ---- the command line: pipes, options, meter, pages, install -------------------

stdin_pipe_to_stdout_pipe_byte_exact() {
	random_file "$T/f" 3000000
	mkfifo "$T/in"
	cat "$T/f" >"$T/in" &
	start_server fsend "$FSEND" 0 - <"$T/in"
	(cd "$T/recv" && timeout "$TO" "$FRECV" -o - 127.0.0.1 "$PORT" 2>"$T/frecv.err" | cat >"$T/out")
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/out"
	expect_output "$T/frecv.err" "received file data"
	expect_empty_dir "$T/recv"
}

stdin_regular_file_is_sent_from_its_offset() {
	printf 'skip me\n' >"$T/f"
	random_file "$T/rest" 200000
	cat "$T/rest" >>"$T/f"
	# The shell reads the first line, then fsend inherits the offset after it.
	start_server fsend sh -c 'read -r _ && exec "$0" 0 -' "$FSEND" <"$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/rest" "$T/recv/receive.dat"
}

tar_directory_through_fsend_and_frecv() {
	mkdir -p "$T/src/a/b" "$T/dst"
	random_file "$T/src/a/b/data" 500000
	echo hello >"$T/src/a/note"
	mkfifo "$T/in"
	(cd "$T/src" && tar cf - a >"$T/in") &
	start_server fsend "$FSEND" 0 - <"$T/in"
	(cd "$T/dst" && timeout "$TO" "$FRECV" -q -o - 127.0.0.1 "$PORT" | tar xf -)
	expect_status "frecv | tar" 0 $?
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/src/a/b/data" "$T/dst/a/b/data"
	same_file "$T/src/a/note" "$T/dst/a/note"
}

keep_mode_refuses_stdin() { bad fsend 64 -k 0 -; }
count_mode_refuses_stdin() { bad fsend 64 -n 2 0 -; }

retry_connects_to_server_started_later() {
	random_file "$T/f" 100000
	start_server peer "$PEER" refuse # holds a free port that nobody listens on
	port=$PORT
	start_bg frecv 5 sh -c 'cd "$1/recv" && exec "$2" -v --retry 30 127.0.0.1 "$3"' \
		sh "$T" "$FRECV" "$port"
	next_line frecv
	case $LINE in *"port $port: Connection refused, retrying") ;; *) fail "frecv: $LINE" ;; esac
	drain frecv
	# Only now, with frecv already trying, does the server start.
	kill "$peer_pid"
	wait_server peer
	start_server fsend "$FSEND" -b 127.0.0.1 "$port" "$T/f"
	wait_server frecv
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
}

retry_goes_on_to_its_deadline_and_no_further() {
	start_server peer "$PEER" refuse # holds a free port that nobody listens on
	for round in 1 2 3; do
		t0=$(date +%s%N)
		(cd "$T/recv" && timeout "$TO" "$FRECV" --retry 1 127.0.0.1 "$PORT" >"$T/out" 2>"$T/err")
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		expect_status "frecv --retry 1, refused (round $round)" 69 "$rc"
		[ "$ms" -ge 950 ] || fail "round $round: gave up after $ms ms"
		# A wrapper (valgrind) makes starting slow.
		[ -n "${FX_TEST_WRAPPER:-}" ] || [ "$ms" -lt 1400 ] || fail "round $round: went on for $ms ms"
	done
}

no_clobber_refuses_existing_file_before_connecting() {
	echo precious >"$T/recv/receive.dat"
	random_file "$T/f" 100000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv -n 127.0.0.1 "$PORT"
	expect_status frecv 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat: File exists"
	expect_output "$T/recv/receive.dat" precious
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	# It never connected: the one transfer fsend serves is still there.
	run_frecv -o copy 127.0.0.1 "$PORT"
	expect_status "frecv -o copy" 0 "$RC"
	same_file "$T/f" "$T/recv/copy"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

no_clobber_writes_a_new_file() {
	random_file "$T/f" 100000
	roundtrip "$T/f" 127.0.0.1 "" "--no-clobber"
}

quiet_prints_only_the_listening_line_for_port_0() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" -q 0 "$T/f"
	run_frecv -q 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	[ ! -s "$T/frecv.out" ] && [ ! -s "$T/frecv.err" ] && [ ! -s "$T/fsend.out" ] ||
		fail "output with -q"
	[ "$(wc -l <"$T/fsend.err")" -eq 1 ] || fail "fsend stderr: $(cat "$T/fsend.err")"
	same_file "$T/f" "$T/recv/receive.dat"
}

verbose_prints_a_summary_per_transfer() {
	random_file "$T/f" 123457
	start_server fsend "$FSEND" -v 0 "$T/f"
	run_frecv -v 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	grep -q "^frecv: [0-9.]* KiB (123457 bytes) in [0-9.]* s ([0-9.]* [KMGT]*i*B/s) from 127.0.0.1 port $PORT\$" \
		"$T/frecv.err" || fail "frecv: $(cat "$T/frecv.err")"
	grep -q "^fsend: 127\.0\.0\.1:[0-9]*: [0-9.]* KiB (123457 bytes) in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), acknowledged [0-9.]* s after the last byte\$" \
		"$T/fsend.err" || fail "fsend: $(cat "$T/fsend.err")"
}

progress_meter_drawn_on_a_terminal_and_cleared() {
	command -v script >/dev/null || skip "script(1) is not installed"
	random_file "$T/f" 5000000
	start_server fsend "$FSEND" -c 64K 0 "$T/f"
	# script(1) gives frecv a pseudo-terminal as its stderr.
	on_tty frecv "$T/recv" "$FRECV" -c 64K 127.0.0.1 "$PORT"
	tty_status frecv
	expect_status "frecv under script" 0 "$RC"
	cp "$T/frecv.tty" "$T/tty"
	wait_server fsend
	expect_status fsend 0 "$RC"
	grep -q "frecv: [0-9.]* [KM]*i*B  [0-9.]* [KMG]*i*B/s" "$T/tty" || fail "no meter: $(od -c "$T/tty" | head)"
	# Cleared: the line ends in spaces and a carriage return before the message.
	tr '\r' '\n' <"$T/tty" | grep -q '^ *$' || fail "meter not cleared"
	grep -q 'received file data' "$T/tty" || fail "no message"
	same_file "$T/f" "$T/recv/receive.dat"
}

progress_meter_absent_without_terminal_unless_asked() {
	random_file "$T/f" 3000000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	wait_server fsend
	! grep -q "$(printf '\r')" "$T/frecv.err" "$T/fsend.err" || fail "meter without a terminal"
	start_server fsend2 "$FSEND" --progress 0 "$T/f"
	run_frecv --progress 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend2
	grep -q "$(printf '\r')frecv: .*/s" "$T/frecv.err" || fail "no meter with --progress"
	grep -q "$(printf '\r')fsend: .*%.*left" "$T/fsend2.err" || fail "no sender meter: $(cat -v "$T/fsend2.err")"
}

version_prints_one_line() {
	version=$(cat "$(dirname "$0")/../VERSION")
	for p in fsend frecv; do
		eval "_bin=\$$(echo $p | tr a-z A-Z)"
		timeout "$TO" "$_bin" --version >"$T/out" 2>"$T/err"
		expect_status "$p --version" 0 $?
		expect_output "$T/out" "$p $version"
		[ ! -s "$T/err" ] || fail "stderr not empty"
	done
}


port_range_is_stated_as_each_program_takes_it() {
	bad frecv 64 127.0.0.1 65536
	grep -q "out of range (1 to 65535)" "$T/err" || fail "$(cat "$T/err")"
	bad frecv 64 127.0.0.1 0
	grep -q "out of range (1 to 65535)" "$T/err" || fail "$(cat "$T/err")"
	bad fsend 64 65536 /dev/null
	grep -q "out of range (0 to 65535)" "$T/err" || fail "$(cat "$T/err")"
}

rate_limit_keeps_either_side_to_the_rate() {
	# 24 MiB at 8 MiB a second: about three seconds, never much less.
	random_file "$T/f" 25165824
	for side in fsend frecv; do
		fo="" ro=""
		[ "$side" = fsend ] && fo="--limit-rate 8M" || ro="--limit-rate 8M"
		rm -f "$T"/fsend.* "$T/recv/receive.dat"
		# shellcheck disable=SC2086 # the options are separate words
		start_server fsend "$FSEND" $fo 0 "$T/f"
		start=$(date +%s%N)
		# shellcheck disable=SC2086
		run_frecv $ro 127.0.0.1 "$PORT"
		end=$(date +%s%N)
		expect_status "frecv ($side --limit-rate 8M)" 0 "$RC"
		wait_server fsend
		expect_status "fsend ($side --limit-rate 8M)" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
		ms=$(((end - start) / 1000000))
		[ "$ms" -ge 2700 ] && [ "$ms" -le 6000 ] ||
			fail "$side --limit-rate 8M: 24 MiB in $ms ms"
	done
}

manual_pages_lint_clean() {
	man=$(dirname "$0")/../man
	linted=0
	if command -v mandoc >/dev/null; then
		mandoc -Tlint -Wwarning "$man/fsend.1" "$man/frecv.1" || fail "mandoc -Tlint"
		linted=1
	fi
	# man(1) formats with groff: a line it cannot fit is one that wraps.
	if command -v groff >/dev/null; then
		out=$(groff -mdoc -ww -z "$man/fsend.1" "$man/frecv.1" 2>&1)
		[ -z "$out" ] || fail "groff: $out"
		linted=1
	fi
	[ "$linted" = 1 ] || skip "neither mandoc nor groff is installed"
}

install_puts_files_in_place() {
	: "${FX_BUILD_DIR:?}"
	cmake --install "$FX_BUILD_DIR" --prefix "$T/inst" >/dev/null || fail "cmake --install"
	for f in bin/fsend bin/frecv include/fxfer.h; do
		[ -f "$T/inst/$f" ] || fail "missing $f"
	done
	# The pages are gzipped where the build found gzip, as Debian wants.
	for p in fsend frecv; do
		page=$T/inst/share/man/man1/$p.1
		if [ -f "$page.gz" ]; then
			gzip -dc "$page.gz" | cmp -s - "$(dirname "$0")/../man/$p.1" || fail "$page.gz"
		else
			[ -f "$page" ] || fail "missing $page(.gz)"
		fi
	done
	# lib/, or lib/<multiarch>/ where the prefix is /usr on Debian
	[ -n "$(find "$T/inst" -name libfxfer.a)" ] || fail "missing libfxfer.a"
	"$T/inst/bin/fsend" --version >/dev/null || fail "installed fsend does not run"
}

help_prints_usage_and_exits_0() {
	for p in "$FSEND" "$FRECV"; do
		timeout "$TO" "$p" --help >"$T/out" 2>"$T/err"
		expect_status "$p --help" 0 $?
		grep -q '^usage: ' "$T/out" || fail "no usage on stdout"
		[ ! -s "$T/err" ] || fail "stderr not empty"
		timeout "$TO" "$p" -h >/dev/null
		expect_status "$p -h" 0 $?
	done
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: cases.sh TEST_NAME" ;;
esac
"$1"
