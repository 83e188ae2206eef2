#!/bin/sh
# What a person sees: usage errors that say what to do next, hints after a
# refusal or a timeout, the screen on a terminal (through a pseudo-terminal
# that script(1) gives), and options that --help, the manual pages and the
# completion agree on.  Each function is one CTest test (label "messages"),
# run as "messages.sh NAME"; exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

usage_errors_name_the_operand_and_the_way_to_help() {
	usage fsend "fsend: missing operands PORT and FILE (fsend PORT FILE)"
	usage fsend "fsend: missing operand FILE after '9000' (fsend PORT FILE)" 9000
	usage fsend "fsend: too many operands: 'b' (one FILE per fsend; a directory or several files go through tar: see fsend(1))" 9000 a b
	usage fsend "fsend: --sha265: unknown option" --sha265 0 f
	usage fsend "fsend: -t: option needs an argument" 0 f -t
	usage frecv "frecv: missing operands HOST and PORT (frecv HOST PORT)"
	usage frecv "frecv: missing operand PORT after 'host' (frecv HOST PORT)" host
	usage frecv "frecv: too many operands: 'photo.jpg' (to store the file under that name: frecv -o 'photo.jpg' HOST PORT)" host 9000 photo.jpg
	usage frecv "frecv: too many operands: 'c' (frecv HOST PORT)" a b c d
	usage frecv "frecv: --sha265: unknown option" --sha265 host 9000
}

# Where the hash runs: a value the programs do not know is a usage error,
# found before anything is opened; --help and --version work whatever it is;
# empty is unset.
hash_thread_variable_is_checked_after_help_and_version() {
	random_file "$T/f" 1000
	for v in 2 yes " 1" AUTO; do
		for p in fsend frecv; do
			case $p in fsend) args="0 $T/f" ;; frecv) args="localhost 9" ;; esac
			# shellcheck disable=SC2086 # two operands
			FXFER_HASH_THREAD=$v usage $p "$p: FXFER_HASH_THREAD: not 1, 0 or auto" $args
		done
		FXFER_HASH_THREAD=$v timeout "$TO" "$FSEND" --help >/dev/null 2>&1
		expect_status "fsend --help, FXFER_HASH_THREAD='$v'" 0 $?
		out=$(FXFER_HASH_THREAD=$v timeout "$TO" "$FRECV" --version 2>&1)
		expect_status "frecv --version, FXFER_HASH_THREAD='$v'" 0 $?
		case $out in "frecv "*) ;; *) fail "frecv --version: $out" ;; esac
	done
	FXFER_HASH_THREAD="" roundtrip_sha "$T/f" "" ""
}

host_colon_port_is_shown_as_two_operands() {
	usage frecv "frecv: missing operand PORT: HOST and PORT are two operands: frecv host 9000" host:9000
	usage frecv "frecv: missing operand PORT: HOST and PORT are two operands: frecv ::1 9000" "[::1]:9000"
	usage frecv "frecv: missing operand PORT: HOST and PORT are two operands: frecv 127.0.0.1 80" 127.0.0.1:80
	# A bare IPv6 address is no host:port.
	usage frecv "frecv: missing operand PORT after '::1' (frecv HOST PORT)" ::1
}

count_taking_the_port_is_explained() {
	# fsend's -n is a count (frecv's is --no-clobber): "-n 9000" took the port.
	usage fsend "fsend: missing operand FILE after 'photo.jpg' (-n takes a count: '-n 9000' took it; fsend -n COUNT PORT FILE)" -n 9000 photo.jpg
}

refused_connection_suggests_retry() {
	start_server peer "$PEER" refuse
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv, refused" 69 "$RC"
	expect_output "$T/frecv.err" \
		"frecv: 127.0.0.1 port $PORT: Connection refused (no sender listening yet? --retry SECS waits for one)"
	# With --retry the hint would be no news: the plain reason.
	run_frecv --retry 1 127.0.0.1 "$PORT"
	expect_status "frecv --retry 1, refused" 69 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: Connection refused"
}

# ---- the screen on a terminal ------------------------------------------------

terminal_shows_the_receiver_command_the_meter_and_a_final_line() {
	random_file "$T/f" 3000000
	want=$(sha256sum <"$T/f" | cut -c1-64)
	on_tty fsend "$T" "$FSEND" --sha256 -c 64K 0 "$T/f"
	wait_text "$T/fsend.tty" "listening on"
	PORT=$(tty_lines fsend | sed -n 's/^fsend: listening on .*:\([0-9]*\)$/\1/p')
	[ -n "$PORT" ] || fail "no port: $(cat "$T/fsend.tty")"
	on_tty frecv "$T/recv" "$FRECV" --sha256 -c 64K 127.0.0.1 "$PORT"
	tty_status frecv
	expect_status "frecv on a terminal" 0 "$RC"
	tty_status fsend
	expect_status "fsend on a terminal" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	tty_lines fsend >"$T/fsend.screen"
	tty_lines frecv >"$T/frecv.screen"
	# The line to run on the other side follows the listening line.
	grep -A1 '^fsend: listening on' "$T/fsend.screen" | tail -n 1 |
		grep -qx "fsend: on the receiving machine: frecv --sha256 $(hostname) $PORT" ||
		fail "no receiver's command: $(cat "$T/fsend.screen")"
	# The meter ran, with the total; the digest line stands alone.
	grep -q "^fsend: [0-9.]* [KM]*i*B / 2\.9 MiB  *[0-9]*%  .*/s  [0-9]*:[0-9][0-9] left" \
		"$T/fsend.screen" || fail "no meter with the total: $(cat "$T/fsend.screen")"
	grep -qx "$want  $T/f" "$T/fsend.screen" || fail "digest line: $(od -c "$T/fsend.tty" | tail -n 12)"
	grep -qx "$want  receive.dat" "$T/frecv.screen" || fail "digest line: $(cat "$T/frecv.screen")"
	# A final line stays on each side.
	grep -qx "fsend: $T/f: 2\.9 MiB (3000000 bytes) in [0-9.]* s ([0-9.]* [KMG]*i*B/s), acknowledged" \
		"$T/fsend.screen" || fail "no final line: $(cat "$T/fsend.screen")"
	grep -qx "frecv: receive\.dat: 2\.9 MiB (3000000 bytes) in [0-9.]* s ([0-9.]* [KMG]*i*B/s), stored" \
		"$T/frecv.screen" || fail "no final line: $(cat "$T/frecv.screen")"
}

receiver_command_works_as_pasted_for_each_option() {
	random_file "$T/f" 100000
	new_key "$T/k"
	for opts in "" --sha256 --resume "--resume --sha256" "--key $T/k" -; do
		rm -f "$T"/fsend.* "$T/recv/receive.dat" "$T/recv/received"
		if [ "$opts" = - ]; then
			on_tty fsend "$T" sh -c 'exec "$0" 0 - <"$1"' "$FSEND" "$T/f"
		else
			# shellcheck disable=SC2086 # the options are separate words
			on_tty fsend "$T" "$FSEND" $opts 0 "$T/f"
		fi
		wait_text "$T/fsend.tty" "on the receiving machine"
		cmd=$(tty_lines fsend | sed -n 's/^fsend: on the receiving machine: //p')
		PORT=$(tty_lines fsend | sed -n 's/^fsend: listening on .*:\([0-9]*\)$/\1/p')
		case $opts in
		-) want="frecv -o - $(hostname) $PORT > received" out=received ;;
		*) want=$(echo "frecv $opts $(hostname) $PORT" | tr -s ' ') out=receive.dat ;;
		esac
		[ "$cmd" = "$want" ] || fail "fsend $opts: '$cmd', expected '$want'"
		# As pasted (where this machine's name does not resolve, with
		# its address instead).
		getent hosts "$(hostname)" >/dev/null || cmd=$(echo "$cmd" | sed "s/ $(hostname) / 127.0.0.1 /")
		(cd "$T/recv" && PATH="$(dirname "$FRECV"):$PATH" &&
		 timeout "$TO" sh -c "$cmd" >"$T/frecv.out" 2>"$T/frecv.err")
		expect_status "the command fsend $opts printed" 0 $?
		same_file "$T/f" "$T/recv/$out"
		tty_status fsend
		expect_status "fsend $opts on a terminal" 0 "$RC"
	done
}

terminal_meter_is_cleared_before_the_lines_that_end_a_transfer() {
	# Without --sha256 the meter is still up when the transfer ends: the
	# acknowledgement lines and frecv's final line start on a clean line,
	# not after the meter.
	random_file "$T/f" 3000000
	on_tty fsend "$T" "$FSEND" -c 64K 0 "$T/f"
	wait_text "$T/fsend.tty" "listening on"
	PORT=$(tty_lines fsend | sed -n 's/^fsend: listening on .*:\([0-9]*\)$/\1/p')
	[ -n "$PORT" ] || fail "no port: $(cat "$T/fsend.tty")"
	on_tty frecv "$T/recv" "$FRECV" -c 64K 127.0.0.1 "$PORT"
	tty_status frecv
	expect_status "frecv on a terminal" 0 "$RC"
	tty_status fsend
	expect_status "fsend on a terminal" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	tty_lines fsend | grep -q '^fsend: .* / 2\.9 MiB ' || fail "no meter: $(tty_lines fsend)"
	tty_lines frecv | grep -q '^frecv: [0-9.]* [KMG]*i*B  [0-9.]* [KMG]*i*B/s' || fail "no meter: $(tty_lines frecv)"
	tty_lines fsend | grep -qx 'message from client: thank you' ||
		fail "fsend: $(od -c "$T/fsend.tty" | tail -n 12)"
	tty_lines frecv | grep -qx 'received file data' ||
		fail "frecv: $(od -c "$T/frecv.tty" | tail -n 12)"
	tty_lines frecv | grep -qx 'frecv: receive\.dat: 2\.9 MiB (3000000 bytes) in [0-9.]* s ([0-9.]* [KMG]*i*B/s), stored' ||
		fail "frecv's final line: $(od -c "$T/frecv.tty" | tail -n 12)"
}

scripts_see_no_terminal_lines() {
	random_file "$T/f" 3000000
	start_server fsend "$FSEND" 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	expect_output "$T/fsend.err" "fsend: listening on [::]:$PORT"
	[ ! -s "$T/frecv.err" ] || fail "frecv said: $(cat "$T/frecv.err")"
	expect_output "$T/fsend.out" "message from client: thank you"
	expect_output "$T/frecv.out" "received file data"
}

quiet_on_a_terminal_shows_nothing_but_the_port() {
	random_file "$T/f" 300000
	on_tty fsend "$T" "$FSEND" -q 0 "$T/f"
	wait_text "$T/fsend.tty" "listening on"
	PORT=$(tty_lines fsend | sed -n 's/^fsend: listening on .*:\([0-9]*\)$/\1/p')
	on_tty frecv "$T/recv" "$FRECV" -q 127.0.0.1 "$PORT"
	tty_status frecv
	expect_status "frecv -q on a terminal" 0 "$RC"
	tty_status fsend
	expect_status "fsend -q on a terminal" 0 "$RC"
	[ "$(tty_lines fsend | grep -v '^Script ')" = "fsend: listening on [::]:$PORT" ] ||
		fail "fsend -q showed: $(tty_lines fsend)"
	[ -z "$(tty_lines frecv | grep -v '^Script ')" ] || fail "frecv -q showed: $(tty_lines frecv)"
}

retry_wait_is_said_once_on_a_terminal() {
	start_server peer "$PEER" refuse
	on_tty frecv "$T/recv" "$FRECV" --retry 1 127.0.0.1 "$PORT"
	tty_status frecv
	expect_status "frecv --retry 1, refused" 69 "$RC"
	tty_lines frecv | grep -v '^Script ' >"$T/screen"
	printf 'frecv: waiting for 127.0.0.1 port %s (--retry 1)\nfrecv: 127.0.0.1 port %s: Connection refused\n' \
		"$PORT" "$PORT" | cmp -s - "$T/screen" || fail "$(cat "$T/screen")"
	# Not on a terminal: no waiting line.
	run_frecv --retry 1 127.0.0.1 "$PORT"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: Connection refused"
}

# ---- --help, the manual pages and the completion agree -----------------------

listening_that_fails_is_unavailable_or_out_of_resources_never_a_failed_transfer() {
	random_file "$T/f" 1000
	# Addresses no socket of this kind can be bound to: EINVAL.
	for addr in ::ffff:127.0.0.1 fe80::1; do
		bad fsend 69 -b "$addr" 0 "$T/f"
		expect_output "$T/err" "fsend: $addr port 0: Invalid argument"
	done
	# No descriptor left for the socket: 0-2 and the file take four (what
	# the test was given beyond 2 closed, so the file's is 3).  The
	# sanitize preset's LeakSanitizer would need one more at the exit.
	(exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && ulimit -n 4 &&
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec "$FSEND_REAL" 0 "$T/f") \
		>"$T/out" 2>"$T/err" </dev/null
	expect_status "fsend, no descriptor left" 71 $?
	# The C library's words for EMFILE ("No file descriptors available" in
	# musl).
	grep -qxE "fsend: port 0: (Too many open files|No file descriptors available)" "$T/err" ||
		fail "$(cat "$T/err")"
}

help_options_are_in_the_manual_and_the_completion() {
	for prog in fsend frecv; do
		eval "bin=\$$(echo "$prog" | tr a-z A-Z)"
		help_spellings "$bin" >"$T/help"
		[ "$(wc -l <"$T/help")" -ge 10 ] || fail "$prog --help: too few options: $(cat "$T/help")"
		man_spellings "$(dirname "$0")/../man/$prog.1" >"$T/man"
		completion_spellings "$prog" >"$T/completion"
		for other in man completion; do
			comm -3 "$T/help" "$T/$other" >"$T/diff"
			[ ! -s "$T/diff" ] ||
				fail "$prog: --help (left) and the $other (right) differ: $(cat "$T/diff")"
		done
	done
}

usage_page_shows_the_synopses_and_the_options_of_the_help() {
	# docs/usage.md opens with both synopses, as --help's first lines give
	# them, and its table has a row for every option of either program.
	page="$(dirname "$0")/../docs/usage.md"
	for prog in fsend frecv; do
		eval "bin=\$$(echo "$prog" | tr a-z A-Z)"
		want=$("$bin" --help | sed -n '1s/^usage: //p')
		[ -n "$want" ] || fail "$prog --help: no usage line"
		grep -qxF -- "$want" "$page" || fail "docs/usage.md lacks $prog's synopsis: $want"
		help_spellings "$bin"
	done | sort -u >"$T/help"
	grep '^| `-' "$page" | cut -d '|' -f 2 | grep -oE -- '`--?[a-zA-Z0-9][a-z0-9-]*' |
		tr -d '`' | sort -u >"$T/table"
	comm -3 "$T/help" "$T/table" >"$T/diff"
	[ ! -s "$T/diff" ] || fail "--help (left) and the table of docs/usage.md (right) differ: $(cat "$T/diff")"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: messages.sh TEST_NAME" ;;
esac
"$1"
