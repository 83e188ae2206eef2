#!/bin/sh
# What fsend promises when it is stopped or dies: every unfinished transfer
# is reset, never ended cleanly; the exit status says how it ended; no
# serving process outlives it.  Signals go to fsend's own pid, as timeout(1),
# service managers and scripts send them, not to its process group.  Each
# function is one CTest test (label "stop"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

stop_before_any_client_ends_fsend_by_that_signal() {
	: >"$T/f"
	i=0
	for s in $SIGS; do
		for mode in single count keep; do
			i=$((i + 1))
			# shellcheck disable=SC2046
			start_server -k fsend$i "$FSEND" -t 0 $(mode_opts $mode) 0 "$T/f"
			stop_and_expect fsend$i "${s%:*}" "${s#*:}" "fsend ($mode) on SIG${s%:*}"
		done
	done
}

stop_mid_transfer_resets_the_client_at_once() {
	random_file "$T/f" 30000000
	stop_every_way midway
}

stop_in_acknowledgement_wait_resets_the_client() {
	random_file "$T/f" 100000
	stop_every_way ack
}

burst_of_clients_racing_sigterm_never_leaves_a_short_file() {
	# SIGTERM while 30 clients connect, round after round.  Each client
	# either stored the whole file (0, or 76: stored but the sender could
	# not be told) or kept its old one (any other status).
	random_file "$T/f" 262144
	n=0 ok=0 unacked=0 cut=0 acked=0
	end=$(($(date +%s) + 25))
	while [ "$n" -lt 40 ] && [ "$(date +%s)" -lt "$end" ]; do
		n=$((n + 1))
		start_server -k fsend$n "$FSEND" -k -j 16 -t 10 0 "$T/f"
		drain fsend$n
		pids=""
		pid=$(pid_of fsend$n)
		# The signal comes after a different number of clients each round.
		k=$((n * 7 % 31))
		for i in $(seq 30); do
			[ "$i" -ne "$k" ] || kill -TERM "$pid"
			d=$T/r$n.$i
			mkdir "$d" && echo precious >"$d/receive.dat"
			(cd "$d" && exec "$FRECV" -q -t 10 127.0.0.1 "$PORT" 2>"$d.err") &
			pids="$pids $!"
		done
		[ "$k" -le 30 ] && [ "$k" -ge 1 ] || kill -TERM "$pid"
		for p in $pids; do
			wait "$p"
			echo $? >"$T/rc.$p"
		done
		wait_server fsend$n
		expect_status "fsend, round $n" 143 "$RC"
		i=0
		for p in $pids; do
			i=$((i + 1))
			d=$T/r$n.$i
			rc=$(cat "$T/rc.$p")
			[ "$(ls -A "$d")" = receive.dat ] ||
				fail "round $n, client $i (status $rc) left: $(ls -A "$d")"
			case $rc in
			0) ok=$((ok + 1)) ;;
			76) unacked=$((unacked + 1)) ;;
			*) cut=$((cut + 1)) ;;
			esac
			case $rc in
			0 | 76) cmp -s "$T/f" "$d/receive.dat" ||
				fail "round $n, client $i: status $rc, but the file differs" ;;
			*) printf 'precious\n' | cmp -s - "$d/receive.dat" ||
				fail "round $n, client $i: status $rc, but the old file changed" ;;
			esac
		done
		# Every transfer fsend calls acknowledged is one a client stored.
		a=$(grep -c ', acknowledged$' "$T/fsend$n.err")
		acked=$((acked + a))
		rm -rf "$T"/r$n.*
	done
	[ "$acked" -le "$ok" ] || fail "$acked acknowledged, but only $ok clients said so"
	echo "$n rounds: $ok stored and acknowledged, $unacked stored unacknowledged," \
		"$cut cut; fsend logged $acked acknowledged"
}

# ---- sudden death ---------------------------------------------------------------

sigkill_of_the_serving_process_resets_the_transfer() {
	slow_transfer
	pid=$(pid_of fsend)
	kill -KILL "$(child_of "$pid")"
	wait_server frecv
	expect_status frecv 74 "$RC"
	grep -q 'Connection reset by peer' "$T/frecv.err" || fail "frecv: $(cat "$T/frecv.err")"
	keeps_nothing
	wait_server fsend
	expect_status fsend 137 "$RC"
}

sigkill_of_fsend_takes_its_serving_process_along() {
	slow_transfer
	pid=$(pid_of fsend)
	child=$(child_of "$pid")
	kill -KILL "$pid"
	gone_within 2 "$child"
	wait_server frecv
	expect_status frecv 74 "$RC"
	keeps_nothing
	wait_server fsend
	expect_status fsend 137 "$RC"
}

receiver_gone_before_the_end_is_named_with_its_reset() {
	# The receiver dies while fsend waits for more input: the half-close
	# then fails, and the message names the peer and the reset.
	mkfifo "$T/in" "$T/data"
	exec 7<>"$T/in"
	start_server fsend "$FSEND" 0 - <"$T/in" 7>&-
	(exec "$FRECV" -o - 127.0.0.1 "$PORT" >"$T/data" 2>"$T/frecv.err") 7>&- &
	frecv_pid=$!
	BG="$BG $frecv_pid"
	exec 8<"$T/data"
	printf 'first part\n' >&7
	IFS= read -r got <&8
	[ "$got" = "first part" ] || fail "frecv passed on '$got'"
	kill -TERM "$frecv_pid"
	wait "$frecv_pid"
	expect_status "frecv on SIGTERM" 143 $?
	exec 8<&- 7>&-
	wait_server fsend
	expect_status "fsend, its client gone" 74 "$RC"
	grep -q '^fsend: 127\.0\.0\.1:[0-9]*: Connection reset by peer$' "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
}

progress_meter_is_cleared_when_frecv_is_stopped() {
	slow_transfer
	kill -TERM "$(pid_of frecv)"
	wait_server frecv
	expect_status "frecv --progress on SIGTERM" 143 "$RC"
	expect_meter_cleared "$T/frecv.err"
	keeps_nothing
	wait_server fsend
	expect_status fsend 74 "$RC"
}

progress_meter_is_cleared_when_fsend_is_stopped() {
	random_file "$T/f" 4000000
	echo precious >"$T/recv/receive.dat"
	start_server -k fsend "$FSEND" --progress -c 1 -t 0 0 "$T/f"
	start_bg frecv 5 sh -c 'cd "$1" && exec "$2" -t 0 127.0.0.1 "$3"' sh "$T/recv" "$FRECV" "$PORT"
	drain frecv
	dd bs=1 count=1 <&3 >/dev/null 2>&1 # the meter's first byte
	stop_and_expect fsend TERM 15 "fsend --progress on SIGTERM"
	expect_meter_cleared "$T/fsend.err"
	wait_server frecv
	expect_status "frecv (the sender reset)" 74 "$RC"
	keeps_nothing
}

client_that_gives_up_ends_a_silent_producers_transfer() {
	# fsend sends what a producer writes; the producer falls silent, and
	# the client's -t gives up: fsend must not wait for the producer.
	paused_transfer -t 1
	wait "$frecv_pid"
	expect_status "frecv -t 1, the sender silent" 74 $?
	gone_within 2 "$(pid_of fsend)"
	wait_server fsend
	expect_status "fsend, its client gone while the producer was silent" 74 "$RC"
	grep -q '^fsend: 127\.0\.0\.1:[0-9]*: Connection reset by peer$' "$T/fsend.err" ||
		fail "$(cat "$T/fsend.err")"
	exec 7>&-
}

client_reset_in_the_backlog_is_named_by_its_address() {
	random_file "$T/f" 2000000
	start_server fsend "$FSEND" -n 2 -j 1 0 "$T/f"
	stalled_client # holds the one job: the next client waits in the backlog
	timeout "$TO" "$PEER" client reset 127.0.0.1 "$PORT" 2>"$T/reset.err" ||
		fail "reset client: $(cat "$T/reset.err")"
	release_client
	wait_server client
	wait_server fsend
	expect_status "fsend -n 2, the second client reset before it was served" 74 "$RC"
	grep -q '^fsend: 127\.0\.0\.1:[0-9]*: 0 B in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), [A-Za-z ]*$' \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

# ---- inherited dispositions, failed forks, streaming ----------------------------------

fsend_keeps_signals_ignored_at_start_ignored() {
	random_file "$T/f" 100000
	# nohup ignores SIGHUP; a script's background job has SIGINT ignored.
	start_server -k fsend nohup sh -c 'trap "" INT && exec "$0" -k 0 "$1"' "$FSEND" "$T/f"
	pid=$(pid_of fsend)
	kill -HUP "$pid"
	kill -INT "$pid"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv after SIGHUP and SIGINT" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	next_line fsend
	case $LINE in *acknowledged) ;; *) fail "fsend: $LINE" ;; esac
	stop_and_expect fsend TERM 15 "fsend on SIGTERM"
}

fork_failure_resets_the_client_and_serving_goes_on() {
	# Under valgrind a fork refused by the process limit at times leaves a
	# child of valgrind's own that dies by SIGSEGV (seen with valgrind 3.19).
	[ -z "${FX_TEST_WRAPPER:-}" ] || skip "valgrind's fork does not stand RLIMIT_NPROC"
	need_nobody
	command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"
	random_file "$T/f" 100000
	chmod 644 "$T/f"
	# One process for uid 65534, fsend itself: every fork fails.
	start_server -k fsend setpriv --reuid=65534 --regid=65534 --clear-groups \
		prlimit --nproc=1:64 "$FSEND" -k 0 "$T/f"
	pid=$(pid_of fsend)
	start_bg echo 5 "$PEER" client echo 127.0.0.1 "$PORT"
	drain echo
	wait_server echo
	[ "$RC" -eq 3 ] || fail "client exited $RC (3: reset; 4: its own bytes came back): $(cat "$T/echo.err")"
	next_line fsend
	case $LINE in "fsend: fork: "*) ;; *) fail "fsend: $LINE" ;; esac
	# Raising it back takes the same user (root lacks CAP_SYS_RESOURCE in
	# some containers).
	as_nobody prlimit --pid "$pid" --nproc=64:64 || fail "cannot raise the limit"
	run_frecv 127.0.0.1 "$PORT"
	expect_status "frecv once fork works" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	stop_and_expect fsend TERM 15 "fsend on SIGTERM"
	grep -q ': [0-9.]* KiB (100000 bytes) in .*, acknowledged$' "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

accept_out_of_descriptors_is_said_once_and_retried() {
	need_strace
	command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"
	random_file "$T/f" 100000
	# With no descriptor but 0-2 inherited, those it has are 0 to the highest.
	start_server -k fsend strace -f -o "$T/trace" -e trace=accept,accept4 \
		"$PEER" closefrom "$FSEND_REAL" -k 0 "$T/f"
	pid=$(child_of "$(pid_of fsend)")
	high=$(ls "/proc/$pid/fd" | sort -n | tail -n 1)
	[ "$(ls "/proc/$pid/fd" | wc -l)" -eq $((high + 1)) ] || fail "holes: $(ls -l "/proc/$pid/fd")"
	# Every descriptor it may have is taken.
	soft=$(prlimit --pid "$pid" --nofile --raw --noheadings -o SOFT | tr -d ' ')
	prlimit --pid "$pid" --nofile=$((high + 1)): || fail "cannot lower the limit"
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" "$FRECV" 127.0.0.1 "$PORT"
	drain frecv
	n=0
	until [ "$(grep -c 'accept4*(.* EMFILE' "$T/trace")" -ge 3 ]; do
		n=$((n + 1))
		[ "$n" -lt 400 ] || fail "accept did not fail: $(cat "$T/trace")"
		sleep 0.05
	done
	prlimit --pid "$pid" --nofile="$soft": || fail "cannot raise the limit"
	# Said once, however many tries; the client is served once it can be.
	next_line fsend
	# The C library's words for EMFILE ("No file descriptors available" in
	# musl).
	[ "$LINE" = "fsend: accept: Too many open files (clients wait until there is room)" ] ||
		[ "$LINE" = "fsend: accept: No file descriptors available (clients wait until there is room)" ] ||
		fail "fsend: $LINE"
	next_line fsend
	case $LINE in *" (100000 bytes) in "*", acknowledged") ;; *) fail "fsend: $LINE" ;; esac
	wait_server frecv
	expect_status "frecv, served once there was room" 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	kill -TERM "$pid"
	drain fsend
	wait_server fsend
	expect_status "fsend -k on SIGTERM (under strace)" 143 "$RC"
}

slow_producer_on_stdin_reaches_the_receiver_at_once() {
	# Held back for a whole chunk, the first line would never come, and
	# frecv -t 2 would time out.
	lines_one_by_one "-t 2" "$FSEND" 0 -
}

acknowledgement_before_the_data_is_refused() {
	# Big enough that fsend is still sending when the early bytes arrive.
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" 0 "$T/f"
	start_bg early 5 "$PEER" client early 127.0.0.1 "$PORT"
	drain early
	wait_server fsend
	expect_status "fsend to a client that acknowledged before reading" 76 "$RC"
	expect_output "$T/fsend.err" "fsend: listening on $(head -n 1 "$T/fsend.err" | sed 's/.*on //')
fsend: delivery unconfirmed: the client answered before it had the whole file"
	wait_server early
}

nonblocking_stdin_pipe_waits_for_its_producer() {
	# Between lines the pipe is empty: a read says EAGAIN, which is no
	# timeout and no error.
	lines_one_by_one "" "$PEER" nonblocking-stdin "$FSEND" -t 2 0 -
}

stop_reaches_a_serving_process_that_is_stopped() {
	random_file "$T/f" 30000000
	start_server fsend "$FSEND" -t 0 0 "$T/f"
	stalled_client
	pid=$(pid_of fsend)
	kill -STOP "$(child_of "$pid")"
	stop_and_expect fsend TERM 15 "fsend on SIGTERM, its serving process stopped"
	release_client
	wait_server client
	expect_status "client (3: it saw a reset)" 3 "$RC"
}

# ---- smaller promises -----------------------------------------------------

stdin_directory_is_refused_before_listening() {
	timeout "$TO" "$FSEND" 0 - <"$T" >"$T/out" 2>"$T/err"
	expect_status "fsend 0 - < DIR" 66 $?
	expect_output "$T/err" "fsend: standard input: Is a directory"
}

stdin_open_only_for_writing_is_refused_before_listening() {
	timeout "$TO" "$FSEND" 0 - 0>>"$T/junk" >"$T/out" 2>"$T/err"
	expect_status "fsend 0 - 0>>FILE" 66 $?
	expect_output "$T/err" "fsend: standard input: Bad file descriptor"
}

closed_stdin_is_refused_not_sent_empty() {
	timeout "$TO" "$FSEND" 0 - <&- >"$T/out" 2>"$T/err"
	expect_status "fsend 0 - <&-" 66 $?
	expect_output "$T/err" "fsend: standard input: Bad file descriptor"
}

stdin_read_past_its_end_sends_an_empty_file() {
	printf 0123456789 >"$T/f"
	# dd seeks standard input to 20, past the end, as cat would have read.
	start_server fsend sh -c 'dd bs=1 skip=20 count=0 status=none && exec "$0" 0 -' "$FSEND" <"$T/f"
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status "fsend, standard input past its end" 0 "$RC"
	[ ! -s "$T/recv/receive.dat" ] || fail "not empty: $(cat "$T/recv/receive.dat")"
}

quiet_still_prints_the_listening_line_for_port_00() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" -q 00 "$T/f"
	run_frecv -q 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

ipv4_client_is_logged_as_ipv4() {
	random_file "$T/f" 1000
	start_server fsend "$FSEND" -v 0 "$T/f"
	run_frecv 127.0.0.1 "$PORT"
	wait_server fsend
	expect_status fsend 0 "$RC"
	grep -q '^fsend: 127\.0\.0\.1:[0-9]*: 1000 B in [0-9.]* s ([0-9.]* [KMGT]*i*B/s), acknowledged [0-9.]* s after the last byte$' \
		"$T/fsend.err" || fail "$(cat "$T/fsend.err")"
}

# ---- the network goes away ------------------------------------------------

waiting_for_the_acknowledgement_probes_a_silent_peer() {
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	random_file "$T/f" 100000
	start_server -k fsend "$FSEND" -t 30 0 "$T/f"
	# A client that reads everything and never answers: fsend waits.
	start_bg client 5 "$PEER" client noack 127.0.0.1 "$PORT"
	next_line client # connected
	next_line client # read everything
	case $LINE in *"read everything") ;; *) fail "client: $LINE" ;; esac
	# Whether its machine still answers is asked (keepalive), as soon as
	# half the -t has passed without a word: its timer runs once the
	# client's kernel has acknowledged the end of the data (FIN-WAIT-2).
	_n=0
	until [ -n "$(ss -Htn state fin-wait-2 "( sport = :$PORT )")" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || fail "the end of the data not acknowledged: $(ss -tno)"
		sleep 0.05
	done
	ss -tno "( sport = :$PORT )" >"$T/ss"
	grep -q 'timer:(keepalive,' "$T/ss" || fail "no keepalive: $(cat "$T/ss")"
	kill -TERM "$(pid_of fsend)"
	drain fsend
	wait_server fsend
	expect_status "fsend stopped" 143 "$RC"
	drain client
	wait_server client
}

network_outage_ends_both_sides_within_their_timeout() {
	veth_link
	head -c 1073741824 /dev/zero >"$T/f" 2>/dev/null || skip "no room for 1 GiB"
	start_server fsend ip netns exec "$NS_A" "$FSEND" -t 2 -b 198.18.0.1 0 "$T/f"
	start_bg frecv 5 ip netns exec "$NS_B" sh -c 'cd "$1" && exec "$2" -t 2 198.18.0.1 "$3"' \
		sh "$T/recv" "$FRECV" "$PORT"
	drain frecv
	# Cut the cable once 16 MiB have crossed.
	link_crossed 16777216
	link_down
	# -t 2, and a second more.
	gone_within 3 "$frecv_pid"
	gone_within 3 "$fsend_pid"
	wait_server frecv
	expect_status frecv 74 "$RC"
	grep -q 'timed out' "$T/frecv.err" || fail "frecv: $(cat "$T/frecv.err")"
	expect_empty_dir "$T/recv"
	wait_server fsend
	expect_status fsend 74 "$RC"
	grep -q 'timed out' "$T/fsend.err" || fail "fsend: $(cat "$T/fsend.err")"
	rm -f "$T/f"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: stops.sh TEST_NAME" ;;
esac
"$1"
