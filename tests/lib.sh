# Shared by the integration tests: a scratch directory, servers started in
# the background whose port is read from their listening line, and checks.
# Every program runs under timeout(1), so a hang fails instead of blocking.
set -u
: "${FSEND:?}" "${FRECV:?}" "${PEER:?}"
FX_TEST_NAME=${1:-}
TO=${FX_TEST_TIMEOUT:-60}
T=$(mktemp -d "${TMPDIR:-/tmp}/fxtest.XXXXXX") || exit 1
BG=""
BIG=""
AT_EXIT=""   # more clean-up commands, run first
cleanup() {
	eval "$AT_EXIT"
	# Only our own children: the number of one that ended long ago may
	# belong to another test's process by now.
	for p in $BG; do
		[ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = $$ ] && kill "$p" 2>/dev/null
	done
	rm -rf "$T" $BIG
}
trap cleanup EXIT
mkdir "$T/recv"

# FX_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99") runs every fsend
# and frecv under that command.  FSEND_REAL and FRECV_REAL stay the programs
# themselves, for what a wrapper cannot stand (valgrind needs descriptor 2).
FSEND_REAL=$FSEND FRECV_REAL=$FRECV
wrap_programs() {
	mkdir -p "$T/bin"
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$FX_TEST_WRAPPER" "$FSEND_REAL" >"$T/bin/fsend"
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$FX_TEST_WRAPPER" "$FRECV_REAL" >"$T/bin/frecv"
	chmod 755 "$T/bin" "$T/bin/fsend" "$T/bin/frecv"
	FSEND=$T/bin/fsend FRECV=$T/bin/frecv
}
[ -z "${FX_TEST_WRAPPER:-}" ] || wrap_programs

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# start_bg NAME FD CMD...: run CMD in the background with its stdout in
# $T/NAME.out and its stderr readable line by line on descriptor FD (a digit
# of the caller's choosing), through a FIFO; NAME_pid is its process id.
start_bg() {
	_name=$1 _fd=$2; shift 2
	mkfifo "$T/$_name.fifo"
	: >"$T/$_name.err"
	# Through fd 4: a background command's stdin would otherwise be /dev/null.
	exec 4<&0
	timeout "$TO" "$@" <&4 >"$T/$_name.out" 2>"$T/$_name.fifo" &
	eval "${_name}_pid=\$!; ${_name}_fd=$_fd; ${_name}_cat="
	BG="$BG $!"
	exec 4<&-
	eval "exec $_fd<\"\$T/\$_name.fifo\""
}

# next_line NAME: read its next stderr line into LINE (also kept in NAME.err).
next_line() {
	eval "IFS= read -r LINE <&\$${1}_fd" || LINE=""
	printf '%s\n' "$LINE" >>"$T/$1.err"
}

# drain NAME: copy the rest of its stderr to NAME.err in the background.
drain() {
	eval "_fd=\$${1}_fd"
	cat <&"$_fd" >>"$T/$1.err" &
	eval "${1}_cat=\$!"
	eval "exec $_fd<&-"
}

# start_server [-k] NAME CMD...: start_bg on descriptor 3, wait for its first
# stderr line (the listening line) and set PORT to the number that ends it.
# With -k the rest of stderr stays to be read with next_line, then drain.
start_server() {
	_keep=""
	[ "$1" = -k ] && { _keep=1; shift; }
	_srv=$1; shift
	start_bg "$_srv" 3 "$@"
	next_line "$_srv"
	[ -n "$_keep" ] || drain "$_srv"
	PORT=$(printf '%s\n' "$LINE" | sed 's/.*[^0-9]//')
	case $PORT in
	'' | *[!0-9]*) fail "$_srv did not announce a port: '$LINE'" ;;
	esac
}

# wait_server NAME: wait for it to end; its exit status goes in RC.
wait_server() {
	eval "wait \$${1}_pid"
	RC=$?
	eval "[ -z \"\$${1}_cat\" ] || wait \$${1}_cat"
}

# expect_status WHAT WANT GOT
expect_status() {
	[ "$3" -eq "$2" ] || {
		cat "$T"/*.err 2>/dev/null >&2
		fail "$1 exited $3, expected $2"
	}
}

# expect_output FILE TEXT: FILE holds exactly the line TEXT.
expect_output() {
	printf '%s\n' "$2" | cmp -s - "$1" || fail "$1: expected '$2', got '$(cat "$1")'"
}

# expect_mode FILE MODE [WHY]: FILE's permission bits are MODE (octal, as stat
# prints them).
expect_mode() {
	set -- "$1" "$2" "${3:-expected $2}" "$(stat -c %a "$1")"
	[ "$4" = "$2" ] || fail "$1: mode $4, $3"
}

same_file() { cmp "$1" "$2" || fail "$2 differs from $1"; }

# expect_empty_dir DIR: nothing was left behind (no partial, no temporary).
expect_empty_dir() {
	[ -z "$(ls -A "$1")" ] || fail "$1 is not empty: $(ls -A "$1")"
}

# random_file PATH SIZE
random_file() { head -c "$2" /dev/urandom >"$1"; }

# run_frecv ARGS...: frecv in $T/recv; status in RC.
run_frecv() {
	(cd "$T/recv" && timeout "$TO" "$FRECV" "$@" >"$T/frecv.out" 2>"$T/frecv.err")
	RC=$?
}

# roundtrip FILE HOST FSEND_OPTS FRECV_OPTS [OUTPUT]: one full transfer.
# Both programs must exit 0 with their messages, the file must arrive byte
# for byte in OUTPUT (default receive.dat), and no temporary file may remain.
roundtrip() {
	_out=${5:-$T/recv/receive.dat}
	# shellcheck disable=SC2086 # the options are separate words on purpose
	start_server fsend "$FSEND" ${3:-} 0 "$1"
	# shellcheck disable=SC2086
	run_frecv ${4:-} "$2" "$PORT"
	_frecv_rc=$RC
	wait_server fsend
	expect_status fsend 0 "$RC"
	expect_status frecv 0 "$_frecv_rc"
	expect_output "$T/fsend.out" "message from client: thank you"
	expect_output "$T/frecv.out" "received file data"
	same_file "$1" "$_out"
	[ -z "$(ls -A "$(dirname "$_out")" | grep '^\.')" ] ||
		fail "temporary file left beside $_out"
}

# paused_transfer [frecv options]: fsend sends what the test writes to
# descriptor 7; frecv runs in $T/recv (frecv_pid, not under timeout(1)).
# Returns once frecv is connected and a first part is on its way, so the
# test can act in the middle of the transfer; finish_transfer ends it.
paused_transfer() {
	mkfifo "$T/in"
	exec 7<>"$T/in"
	start_server fsend "$FSEND" 0 - <"$T/in" 7>&-
	(cd "$T/recv" && exec "$FRECV" "$@" 127.0.0.1 "$PORT" >"$T/frecv.out" 2>"$T/frecv.err") 7>&- &
	frecv_pid=$!
	BG="$BG $frecv_pid"
	printf 'first part, ' >&7
	child_of "$(pid_of fsend)" >/dev/null
}

# finish_transfer: the rest and the end of the stream; frecv's status in RC.
finish_transfer() {
	printf 'second part\n' >&7
	exec 7>&-
	wait "$frecv_pid"
	RC=$?
}

# lines_one_by_one FRECV_OPTS CMD...: CMD (fsend, sending its standard
# input) serves three lines the test writes one at a time to frecv -o -
# (with FRECV_OPTS); each must come out of frecv before the next goes in.
lines_one_by_one() {
	_ropts=$1
	shift
	mkfifo "$T/in" "$T/out"
	exec 7<>"$T/in" # the producer; no one else may hold it open for writing
	start_server fsend "$@" <"$T/in" 7>&-
	# shellcheck disable=SC2086
	(timeout "$TO" "$FRECV" $_ropts -o - 127.0.0.1 "$PORT" >"$T/out" 2>"$T/frecv.err"
	 echo $? >"$T/rc") 7>&- &
	exec 8<"$T/out"
	for _i in 1 2 3; do
		echo "line $_i" >&7
		IFS= read -r _got <&8 ||
			fail "line $_i never arrived: $(cat "$T/frecv.err" "$T/fsend.err")"
		[ "$_got" = "line $_i" ] || fail "got '$_got' for line $_i"
	done
	exec 7>&-
	! IFS= read -r _got <&8 || fail "more came: $_got"
	wait_server fsend
	expect_status fsend 0 "$RC"
	wait
	expect_status frecv 0 "$(cat "$T/rc")"
}

# roundtrip_sha FILE FSEND_OPTS FRECV_OPTS: a transfer with --sha256 on both
# sides; both exit 0 and the file arrives byte for byte (the caller checks
# the messages).
roundtrip_sha() {
	# shellcheck disable=SC2086
	start_server fsend "$FSEND" --sha256 ${2:-} 0 "$1"
	# shellcheck disable=SC2086
	run_frecv --sha256 ${3:-} 127.0.0.1 "$PORT"
	_frecv_rc=$RC
	wait_server fsend
	expect_status "fsend --sha256" 0 "$RC"
	expect_status "frecv --sha256" 0 "$_frecv_rc"
	same_file "$1" "$T/recv/receive.dat"
}

# big_dir: set BIG to a scratch directory for files of gigabytes, in memory
# where the machine has /dev/shm, removed at exit like $T.
big_dir() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		BIG=$(mktemp -d /dev/shm/fxtest.XXXXXX) || fail "mktemp"
	else
		BIG=$T/big && mkdir "$BIG"
	fi
}

need_nc() {
	command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD ||
		skip "OpenBSD nc is not installed"
}

# bad CMD STATUS ARGS...: run in an empty directory; expect STATUS, a first
# stderr line starting with the program's name, and no file created.
bad() {
	_prog=$1 _want=$2; shift 2
	case $_prog in fsend) _bin=$FSEND ;; frecv) _bin=$FRECV ;; esac
	(cd "$T/recv" && timeout "$TO" "$_bin" "$@" >"$T/out" 2>"$T/err" </dev/null)
	expect_status "$_prog $*" "$_want" $?
	if [ "$_want" -eq 64 ]; then
		# A usage error, then the way to the help, as cp(1) says it.
		[ "$(sed -n 2p "$T/err")" = "Try '$_prog --help' for more information." ] &&
			[ "$(wc -l <"$T/err")" -eq 2 ] ||
			fail "not a line and the help's: $(cat "$T/err")"
	else
		[ "$(wc -l <"$T/err")" -eq 1 ] || fail "not one line: $(cat "$T/err")"
	fi
	head -n 1 "$T/err" | grep -q "^$_prog: ." || fail "not naming $_prog: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "stdout not empty: $(cat "$T/out")"
	expect_empty_dir "$T/recv"
}


# keeps_nothing: frecv left no file but what was there before.
keeps_nothing() {
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	expect_output "$T/recv/receive.dat" precious
}

# frecv_against BEHAVIOUR BYTES STATUS [frecv options]: a misbehaving server.
frecv_against() {
	echo precious >"$T/recv/receive.dat"
	start_server peer "$PEER" server "$1" "$2"
	_want=$3; shift 3
	run_frecv "$@" 127.0.0.1 "$PORT"
	expect_status frecv "$_want" "$RC"
	keeps_nothing
	[ "$(wc -l <"$T/frecv.err")" -eq 1 ] || fail "not one line: $(cat "$T/frecv.err")"
}

# stalled_client [NAME]: start a client (default name: client) that reads
# 1 MiB and waits for a line on its stdin (the FIFO $T/NAME.go) before it
# reads on; it exits 3 if it then sees a reset, 0 on a clean end.
stalled_client() {
	_c=${1:-client}
	mkfifo "$T/$_c.go"
	exec 6<>"$T/$_c.go" # held open for writing, so opening it to read won't block
	start_bg "$_c" 5 "$PEER" client stall 127.0.0.1 "$PORT" 1048576 <"$T/$_c.go"
	next_line "$_c" # connected
	next_line "$_c" # read 1048576
	case $LINE in *read*) ;; *) fail "$_c: $LINE" ;; esac
}

release_client() { echo go >&6; exec 6>&-; drain "${1:-client}"; }

# figures_of BYTES: how a summary line gives that many bytes: "1000 B" below
# 1 KiB, else "(4000000 bytes)" after the size in binary units.
figures_of() {
	if [ "$1" -lt 1024 ]; then echo "$1 B"; else echo "($1 bytes)"; fi
}

# serve_logged N: run frecv N times against fsend -k, each time waiting for
# fsend's line about that connection (its child has then finished with it).
serve_logged() {
	for i in $(seq "$1"); do
		run_frecv 127.0.0.1 "$PORT"
		expect_status "frecv $i" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
		next_line fsend
		case $LINE in
		*": "*"$(figures_of "$(wc -c <"$T/f")") in "*" s ("*"B/s), acknowledged") ;;
		*) fail "log: $LINE" ;;
		esac
	done
}

# pid_of NAME: the pid of the program itself (its parent is timeout(1),
# which would pass a signal on to the whole process group).
pid_of() {
	eval "_t=\$${1}_pid"
	_p=$(pgrep -P "$_t" | head -n 1)
	[ -n "$_p" ] || fail "no process under $1 ($_t)"
	echo "$_p"
}

# child_of PID: its one child (fsend's serving process), waiting for it.
child_of() {
	_n=0
	until _c=$(pgrep -P "$1" | head -n 1) && [ -n "$_c" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 200 ] || fail "no child under $1"
		sleep 0.05
	done
	echo "$_c"
}

# gone_within SECS PID: fail unless PID has ended (or is a zombie) within SECS.
gone_within() {
	_n=0
	while kill -0 "$2" 2>/dev/null && [ "$(ps -o stat= -p "$2" 2>/dev/null | cut -c1)" != Z ]; do
		_n=$((_n + 1))
		[ "$_n" -le $(($1 * 20)) ] || fail "process $2 still running after $1 s"
		sleep 0.05
	done
}

# signum NAME: the number of signal NAME (dash's kill -l only names numbers).
signum() {
	for _s in $(seq 1 64); do
		[ "$(kill -l "$_s" 2>/dev/null)" = "$1" ] && { echo "$_s"; return 0; }
	done
	return 1
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }

# as_nobody CMD...: run CMD as the unprivileged uid 65534 (root only).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
need_nobody() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	# The scratch directory must be reachable for the unprivileged user,
	# and so must the programs: the build tree may lie in a directory only
	# its owner can enter (a home directory, a mktemp -d), so they run
	# from copies in the scratch directory.
	chmod 711 "$T"
	mkdir -m 755 "$T/nobody-bin"
	cp "$FSEND_REAL" "$FRECV_REAL" "$PEER" "$T/nobody-bin/"
	chmod 755 "$T/nobody-bin"/*
	FSEND_REAL=$T/nobody-bin/$(basename "$FSEND_REAL")
	FRECV_REAL=$T/nobody-bin/$(basename "$FRECV_REAL")
	PEER=$T/nobody-bin/$(basename "$PEER")
	FSEND=$FSEND_REAL FRECV=$FRECV_REAL
	[ -z "${FX_TEST_WRAPPER:-}" ] || wrap_programs
}

# frecv_mid_transfer [frecv options]: start frecv in $T/recv against a
# server that sends 100000 bytes and stalls; return once those bytes have
# gone out (frecv is connected, its output open).  frecv_pid is frecv itself.
frecv_mid_transfer() {
	start_server -k peer "$PEER" server stall 100000
	# A shell starts a background job with SIGINT and SIGQUIT ignored;
	# frecv must see them as a user's would.
	(cd "$T/recv" && exec env --default-signal=INT,QUIT "$FRECV" -t 0 "$@" 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err") &
	frecv_pid=$!
	BG="$BG $frecv_pid"
	next_line peer
	case $LINE in *sent*) ;; *) fail "peer: $LINE" ;; esac
}

# ---- stopping fsend (stops.sh) ----------------------------------------------

SIGS="INT:2 TERM:15 HUP:1"

# The options of each way to serve: one client, -n 2 (the stopped
# transfer is the last), -k.
mode_opts() {
	case $1 in
	single) ;;
	count) echo "-n 2" ;;
	keep) echo "-k" ;;
	esac
}

# serve_first NAME MODE: in count and keep mode, one whole transfer first,
# so the one cut later is not fsend's first.
serve_first() {
	[ "$2" = single ] && return
	run_frecv -q 127.0.0.1 "$PORT"
	expect_status "frecv before the stop" 0 "$RC"
	next_line "$1"
	case $LINE in *acknowledged) ;; *) fail "$1: $LINE" ;; esac
}

# stop_and_expect NAME SIG NUM WHAT: signal fsend's pid; it must be gone
# within a second or so, with status 128+NUM.
stop_and_expect() {
	_pid=$(pid_of "$1")
	kill -"$2" "$_pid"
	gone_within 2 "$_pid"
	drain "$1"
	wait_server "$1"
	expect_status "$4" $((128 + $3)) "$RC"
}

# stop_every_way PHASE: for each stop signal and each way to serve, start
# fsend -t 0 on $T/f, serve one whole transfer first (-n, -k), bring a client
# to PHASE (midway: it has read 1 MiB and waits; ack: it has read all and
# sends no acknowledgement), stop fsend's pid, and check the client then
# sees a reset.
stop_every_way() {
	_i=0
	for _s in $SIGS; do
		for _mode in single count keep; do
			_i=$((_i + 1))
			# shellcheck disable=SC2046
			start_server -k fsend$_i "$FSEND" -t 0 $(mode_opts $_mode) 0 "$T/f"
			serve_first fsend$_i $_mode
			case $1 in
			midway) stalled_client c$_i ;;
			ack)
				start_bg c$_i 5 "$PEER" client noack 127.0.0.1 "$PORT"
				next_line c$_i # connected
				next_line c$_i # read everything: fsend waits for the acknowledgement
				case $LINE in *"read everything") ;; *) fail "c$_i: $LINE" ;; esac ;;
			esac
			stop_and_expect fsend$_i "${_s%:*}" "${_s#*:}" "fsend ($_mode) on SIG${_s%:*} ($1)"
			case $1 in
			midway) release_client c$_i ;;
			ack) drain c$_i ;;
			esac
			wait_server c$_i
			expect_status "client of fsend ($_mode, SIG${_s%:*}, $1) (3: it saw a reset)" 3 "$RC"
		done
	done
}

# slow_transfer [SIZE]: fsend (one byte per call, no timeout) sending a file
# of SIZE bytes (4 MB) to frecv --progress,
# returning once frecv has drawn its meter: the transfer is under way.
slow_transfer() {
	random_file "$T/f" "${1:-4000000}"
	echo precious >"$T/recv/receive.dat"
	start_server fsend "$FSEND" -c 1 -t 0 0 "$T/f"
	start_bg frecv 5 sh -c 'cd "$1" && exec "$2" --progress -t 0 127.0.0.1 "$3"' \
		sh "$T/recv" "$FRECV" "$PORT"
	dd bs=1 count=1 <&5 >/dev/null 2>&1 # the meter's first byte
	drain frecv
}

# ---- frecv's target (target.sh) ------------------------------------------

# serve_one SIZE [fsend options]: fsend serving a new random file $T/f.
serve_one() {
	random_file "$T/f" "$1"
	shift
	start_server fsend "$FSEND" "$@" 0 "$T/f"
}

# need_strace: strace(1), able to trace here (it holds frecv's system calls
# to put a peer's move exactly between two of them).
need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	# LeakSanitizer cannot work under ptrace (the sanitize preset).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
}

# wait_text FILE TEXT: until FILE holds TEXT (a fixed string), 20 s at most.
wait_text() {
	_n=0
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || fail "no '$2' in $1: $(cat "$1" 2>&1)"
		sleep 0.05
	done
}

# wait_trace FILE WORD: until strace has logged a call of WORD.
wait_trace() { wait_text "$1" "$2("; }

# expect_meter_cleared FILE: FILE (a program's stderr) ends with the progress
# meter's line blanked out: carriage return, spaces, carriage return.
expect_meter_cleared() {
	grep -q ' [KMGT]*i*B/s' "$1" || fail "no meter was drawn: $(cat "$1")"
	_last=$(tr '\r' '\n' <"$1" | tail -n 1)
	case $_last in
	'' | *[!\ ]*) fail "meter left on the screen: $(od -c "$1" | tail -n 4)" ;;
	esac
}

# ---- verified transfers (verify.sh) ------------------------------------------------

# both_sides_verify SIZE: a file of SIZE random bytes with --sha256 on both
# sides; each prints the digest sha256sum gives, and each line passes
# sha256sum -c.
both_sides_verify() {
	random_file "$T/f" "$1"
	want=$(sha256sum <"$T/f" | cut -c1-64)
	roundtrip_sha "$T/f" "" ""
	# fsend: the sha256sum line of what it sent, then the usual line.
	printf '%s  %s\nmessage from client: thank you\n' "$want" "$T/f" | cmp -s - "$T/fsend.out" ||
		fail "fsend stdout: $(cat "$T/fsend.out")"
	grep -q "^fsend: delivery verified: sha256 $want\$" "$T/fsend.err" || fail "$(cat "$T/fsend.err")"
	printf '%s  receive.dat\nreceived file data\n' "$want" | cmp -s - "$T/frecv.out" ||
		fail "frecv stdout: $(cat "$T/frecv.out")"
	# Each side's line is one sha256sum -c checks.
	(cd "$T/recv" && head -n 1 "$T/frecv.out" | sha256sum -c --status) || fail "sha256sum -c (frecv)"
	head -n 1 "$T/fsend.out" | sha256sum -c --status || fail "sha256sum -c (fsend)"
}

# wait_half_closed PORT: until fsend's connection from PORT has sent its last
# byte to the kernel and half-closed (FIN-WAIT), 20 s at most.
wait_half_closed() {
	_n=0
	until [ -n "$(ss -Htn state fin-wait-1 state fin-wait-2 "( sport = :$1 )" 2>/dev/null)" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || fail "no half-closed connection from port $1: $(ss -tn)"
		sleep 0.05
	done
}

# rewrite_in_flight OPTS: fsend OPTS sends 2 MiB through a relay that holds
# the last 512 KiB in the kernel's socket buffers (fsend is done sending and
# waits for the acknowledgement; they hold a few MiB even on a loaded
# machine) while the test rewrites those 512 KiB of the file in place; then
# the relay lets them through to frecv OPTS.  Statuses in FSEND_RC and
# FRECV_RC.
rewrite_in_flight() {
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	random_file "$T/f" 2097152
	cp "$T/f" "$T/before"
	mkfifo "$T/go"
	exec 6<>"$T/go"
	# shellcheck disable=SC2086 # the options are separate words on purpose
	start_server fsend "$FSEND" $1 0 "$T/f"
	_fport=$PORT
	start_server -k relay "$PEER" hold 127.0.0.1 "$PORT" 1572864 <"$T/go"
	# shellcheck disable=SC2086
	(cd "$T/recv" && exec timeout "$TO" "$FRECV" $1 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err") &
	_frecv=$!
	next_line relay
	[ "$LINE" = "peer: holding at 1572864" ] || fail "relay: $LINE"
	wait_half_closed "$_fport"
	dd if=/dev/urandom of="$T/f" bs=524288 seek=3 count=1 conv=notrunc status=none
	echo go >&6
	exec 6>&-
	drain relay
	wait "$_frecv"
	FRECV_RC=$?
	wait_server fsend
	FSEND_RC=$RC
	wait_server relay
}

# ---- writeback errors (faults.sh) --------------------------------------------

# need_faultfs: the tests' FUSE file system, and the right to mount it.
need_faultfs() {
	[ -n "${FAULTFS:-}" ] || skip "built without libfuse3: no fault-injecting file system"
	need_root
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	command -v mountpoint >/dev/null || skip "mountpoint (util-linux) is not installed"
}

# writeback_fails_at ERRNO_NAME OFFSET: frecv receives a file of
# FX_FAULT_SIZE bytes (default 96 MiB) into a FUSE file system with the
# kernel's writeback cache whose backend fails, once, the write that covers
# OFFSET with ERRNO_NAME.  frecv must fail (74, the error named), fsend must
# not be told "stored", the old target must stay and nothing else be left.
writeback_fails_at() {
	need_faultfs
	[ -n "$BIG" ] || big_dir
	_size=${FX_FAULT_SIZE:-100663296}
	[ -f "$BIG/f$_size" ] || random_file "$BIG/f$_size" "$_size"
	rm -rf "$BIG/back" "$BIG/mnt" "$T"/fsend.* "$T"/faultfs.*
	mkdir "$BIG/back" "$BIG/mnt"
	echo "old target" >"$BIG/back/receive.dat"
	AT_EXIT="umount '$BIG/mnt' 2>/dev/null || umount -l '$BIG/mnt' 2>/dev/null; $AT_EXIT"
	start_bg faultfs 5 "$FAULTFS" "$BIG/back" "$BIG/mnt" "$1" "$2" 1 1
	_n=0
	until mountpoint -q "$BIG/mnt"; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || fail "faultfs did not mount: $(cat "$T/faultfs.err")"
		sleep 0.05
	done
	start_server fsend "$FSEND" 0 "$BIG/f$_size"
	(cd "$BIG/mnt" && timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" >"$T/frecv.out" 2>"$T/frecv.err")
	_rc=$?
	wait_server fsend
	_fsend_rc=$RC
	umount "$BIG/mnt" || fail "umount $BIG/mnt"
	wait_server faultfs
	next_line faultfs
	[ "$LINE" != "${LINE%": $1"}" ] || fail "$1 at $2: the file system failed no write: $LINE"
	expect_status "frecv, $1 at writeback at $2" 74 "$_rc"
	# The error's own code, or EIO: fsync on FUSE reports a failed
	# writeback with the page cache's generic flag, which keeps only
	# "no space" apart.
	_msg=$(cat "$T/frecv.err")
	[ "$_msg" = "frecv: receive.dat: $("$FAULTFS" --strerror "$1")" ] ||
		[ "$_msg" = "frecv: receive.dat: $("$FAULTFS" --strerror EIO)" ] ||
		fail "frecv, $1 at $2: $_msg"
	[ "$_fsend_rc" -eq 74 ] || [ "$_fsend_rc" -eq 76 ] ||
		fail "fsend exited $_fsend_rc, expected 74 or 76 (the client stored nothing)"
	expect_output "$BIG/back/receive.dat" "old target"
	[ "$(ls -A "$BIG/back")" = receive.dat ] || fail "left behind: $(ls -A "$BIG/back")"
}

# ---- attributes that forbid the commit (target.sh) ---------------------------

# need_attributes DIR: DIR's file system keeps chattr's a and i attributes,
# and this build asks for them (the portable one cannot).  Every attribute
# set below DIR is cleared at exit, so the scratch directory can go.
need_attributes() {
	need_root
	[ "${FX_PORTABLE:-0}" = 0 ] || skip "the portable build cannot read file attributes"
	command -v chattr >/dev/null || skip "chattr (e2fsprogs) is not installed"
	chattr +a "$1" 2>/dev/null || skip "$(df --output=fstype "$1" | tail -n 1) keeps no attributes"
	chattr -a "$1"
	AT_EXIT="chattr -R -a -i '$1' 2>/dev/null; $AT_EXIT"
}

# refused_before_connecting DIR WHY: frecv, started in DIR, exits 73 with
# "frecv: receive.dat: WHY" before connecting (the server still has the
# file for the next client), DIR keeps what it held byte for byte.
refused_before_connecting() {
	ls -lA "$1" >"$T/before"
	(cd "$1" && cat receive.dat 2>/dev/null) >"$T/before.data"
	serve_one 100000
	(cd "$1" && timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" >"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv in $1" 73 $?
	expect_output "$T/frecv.err" "frecv: receive.dat: $2"
	ls -lA "$1" | cmp -s "$T/before" - || fail "$1 changed: $(ls -lA "$1")"
	(cd "$1" && cat receive.dat 2>/dev/null) | cmp -s "$T/before.data" - || fail "receive.dat changed"
	run_frecv 127.0.0.1 "$PORT" # the transfer was never taken
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

# ---- a network of two hosts -------------------------------------------------

# veth_link: two network namespaces, NS_A (198.18.0.1) and NS_B (198.18.0.2),
# joined by a veth pair shaped to 1 Gbit/s on A's side: addresses from
# 198.18.0.0/15, which exist only in here.  Removed at exit.
veth_link() {
	need_root
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	NS_A=fxa$$ NS_B=fxb$$
	ip netns add "$NS_A" 2>/dev/null || skip "cannot make network namespaces here"
	AT_EXIT="ip netns del $NS_A 2>/dev/null; ip netns del $NS_B 2>/dev/null; $AT_EXIT"
	ip netns add "$NS_B"
	ip link add "va$$" netns "$NS_A" type veth peer name "vb$$" netns "$NS_B"
	ip -n "$NS_A" addr add 198.18.0.1/30 dev "va$$"
	ip -n "$NS_B" addr add 198.18.0.2/30 dev "vb$$"
	link_up
	tc -n "$NS_A" qdisc add dev "va$$" root tbf rate 1gbit burst 256kb latency 20ms 2>/dev/null ||
		skip "tc cannot shape the link (tbf)"
}

# link_down, link_up: the cable pulled, and put back.
link_down() {
	ip -n "$NS_A" link set "va$$" down
	ip -n "$NS_B" link set "vb$$" down
}
link_up() {
	ip -n "$NS_A" link set "va$$" up
	ip -n "$NS_B" link set "vb$$" up
}

# link_crossed BYTES: wait until B has received that many bytes.
link_crossed() {
	_n=0
	while [ "$(ip netns exec "$NS_B" cat "/sys/class/net/vb$$/statistics/rx_bytes")" -lt "$1" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || fail "the transfer did not start"
		sleep 0.05
	done
}

# ---- power cuts (target.sh) --------------------------------------------------

# need_power_cut: a fresh ext4 image on a loop device, mounted at $T/disk,
# whose power the tests can cut (powercut, the shutdown ioctl without a
# journal flush) and restore (unmount, mount: the journal is replayed).
# The test goes on in a mount namespace of its own, so that even a SIGKILL
# (CTest's timeout) leaves no mount behind, and with it no loop device (a
# mount's loop device goes with it).
need_power_cut() {
	need_root
	need_strace
	for _c in losetup mkfs.ext4 mount umount unshare; do
		command -v "$_c" >/dev/null || skip "$_c is not installed"
	done
	if [ -z "${FX_OWN_MOUNTS:-}" ]; then
		unshare -m --propagation private true 2>/dev/null ||
			skip "no mount namespace can be made here"
		cleanup
		trap - EXIT
		FX_OWN_MOUNTS=1 FSEND=$FSEND_REAL FRECV=$FRECV_REAL \
			exec unshare -m --propagation private sh "$0" "$FX_TEST_NAME"
	fi
	[ -n "$BIG" ] || big_dir
	truncate -s 64M "$BIG/disk.img"
	mkfs.ext4 -q -F "$BIG/disk.img" || fail "mkfs.ext4"
	mkdir "$T/disk"
	mount -o loop "$BIG/disk.img" "$T/disk" 2>/dev/null || skip "cannot mount an ext4 image here"
	AT_EXIT="umount '$T/disk' 2>/dev/null; $AT_EXIT"
	_rc=0
	"$POWERCUT" "$T/disk" 2>/dev/null || _rc=$?
	[ "$_rc" -ne 77 ] || skip "this kernel's ext4 cannot be shut down"
	remount_disk
}

# remount_disk: the power comes back: unmount, mount (the journal is
# replayed).
remount_disk() {
	umount "$T/disk" || fail "umount $T/disk"
	mount -o loop "$BIG/disk.img" "$T/disk" || fail "mount after the power cut"
}

# power_cut_round OLD WHEN: one transfer into $T/disk with (OLD=old) or
# without (OLD=none) a durable old target; the power is cut at WHEN: at a
# system call of frecv's held by strace for half a second (splice:when=2
# mid-stream, fsync:when=1 before the file's fsync, rename or link at the
# commit, fsync:when=2 before the directory's), or "acked", once fsend has
# the acknowledgement.  Then, with the power back: an acknowledged file is
# there byte for byte; otherwise the target is the old one or the whole new
# one; and no other name is left.
power_cut_round() {
	rm -f "$T/disk/receive.dat" "$T"/fsend.* "$T"/frecv.*
	if [ "$1" = old ]; then
		echo precious >"$T/disk/receive.dat"
		sync "$T/disk/receive.dat" "$T/disk"
	fi
	sync "$T/disk"
	start_server fsend "$FSEND" 0 "$T/f"
	case $2 in
	acked) _trace=fsync _inject= ;;
	rename) _trace=renameat,linkat _inject=renameat,linkat:delay_enter=500000 ;;
	*) _trace=${2%%:*} _inject="$2:delay_enter=500000" ;;
	esac
	if [ -z "$_inject" ]; then
		start_bg frecv 5 sh -c 'cd "$1" && exec "$2" 127.0.0.1 "$3"' sh "$T/disk" "$FRECV" "$PORT"
	else
		start_bg frecv 5 sh -c 'cd "$1" && exec strace -f -o "$2" -e trace="$3" \
			-e inject="$4" "$5" 127.0.0.1 "$6"' \
			sh "$T/disk" "$T/frecv.trace" "$_trace" "$_inject" "$FRECV" "$PORT"
	fi
	drain frecv
	if [ "$2" = acked ]; then
		wait_server fsend
		expect_status "fsend (acknowledged)" 0 "$RC"
	else
		case $2 in rename) _w=renameat ;; *) _w=${2%%:*} ;; esac
		# The Nth call: as many lines as calls so far.
		_nth=1
		case $2 in *when=*) _nth=${2##*when=} ;; esac
		_n=0
		until [ "$(grep -c "^[0-9]* *\($_w\|linkat\)(" "$T/frecv.trace" 2>/dev/null)" -ge "$_nth" ]; do
			_n=$((_n + 1))
			[ "$_n" -lt 400 ] && kill -0 "$frecv_pid" 2>/dev/null ||
				fail "frecv made no call $2: $(cat "$T/frecv.trace")"
			sleep 0.05
		done
	fi
	"$POWERCUT" "$T/disk" || fail "powercut"
	wait_server frecv
	_frecv_rc=$RC
	if [ "$2" != acked ]; then
		wait_server fsend
	fi
	_acked=0
	grep -q "^message from client: thank you" "$T/fsend.out" && _acked=1
	remount_disk
	# A named temporary file (the portable build's) outlives a power cut,
	# as it does a SIGKILL: the documented exception.
	[ "${FX_PORTABLE:-0}" = 0 ] || rm -f "$T/disk"/.receive.dat.??????
	_left=$(ls -A "$T/disk" | grep -v '^lost+found$' | tr '\n' ' ')
	if [ "$_acked" = 1 ]; then
		cmp -s "$T/f" "$T/disk/receive.dat" ||
			fail "cut at $2 ($1): acknowledged (frecv $_frecv_rc) but not stored: $_left"
	elif [ -e "$T/disk/receive.dat" ] && ! cmp -s "$T/f" "$T/disk/receive.dat"; then
		[ "$1" = old ] && [ "$(cat "$T/disk/receive.dat")" = precious ] ||
			fail "cut at $2 ($1): the target is neither the old file nor the new one"
	elif [ ! -e "$T/disk/receive.dat" ] && [ "$1" = old ]; then
		fail "cut at $2: the old target is gone"
	fi
	case $_left in
	'' | 'receive.dat ') ;;
	*) fail "cut at $2 ($1): left behind: $_left" ;;
	esac
	if [ ! -e "$T/disk/receive.dat" ]; then _got=none
	elif cmp -s "$T/f" "$T/disk/receive.dat"; then _got=new
	else _got=old
	fi
	echo "cut at $2 ($1 target): frecv $_frecv_rc, acknowledged $_acked, stored: $_got"
	ROUNDS=$((${ROUNDS:-0} + 1))
}

# ---- what a person sees (messages.sh) ---------------------------------------

# usage PROG LINE ARGS...: PROG ARGS exits 64 with exactly LINE and the way
# to the help.
usage() {
	_prog=$1 _line=$2
	shift 2
	case $_prog in fsend) _bin=$FSEND ;; frecv) _bin=$FRECV ;; esac
	timeout "$TO" "$_bin" "$@" >"$T/out" 2>"$T/err" </dev/null
	expect_status "$_prog $*" 64 $?
	printf '%s\nTry '\''%s --help'\'' for more information.\n' "$_line" "$_prog" |
		cmp -s - "$T/err" || fail "$_prog $*: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "stdout not empty: $(cat "$T/out")"
}

# on_tty NAME DIR CMD...: run CMD in DIR on a pseudo-terminal, in the
# background; what the terminal showed goes to $T/NAME.tty, the status to
# $T/NAME.rc.
on_tty() {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	_name=$1 _dir=$2
	shift 2
	# The command as one line of shell, each word quoted.
	{
		printf 'cd '; quote "$_dir"; printf ' && exec'
		for _a in "$@"; do printf ' '; quote "$_a"; done
		printf '\n'
	} >"$T/$_name.sh"
	(timeout "$TO" script -qfec "sh '$T/$_name.sh'" "$T/$_name.tty" </dev/null >/dev/null 2>&1
	 echo $? >"$T/$_name.rc") &
	BG="$BG $!"
}

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# tty_status NAME: wait for it; its status in RC.
tty_status() {
	_n=0
	until [ -s "$T/$1.rc" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 1200 ] || fail "$1 never ended"
		sleep 0.05
	done
	RC=$(cat "$T/$1.rc")
}

# tty_lines NAME: what the terminal shows, a carriage return starting a line
# as a newline does.
tty_lines() { tr '\r' '\n' <"$T/$1.tty" | grep -v '^$'; }

# help_spellings PROG: every option spelling in PROG --help, one a line.
help_spellings() {
	"$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
		grep -oE -- '--?[a-zA-Z0-9][a-z0-9-]*' | sort -u
}

# man_spellings PAGE: every option an .It line of PAGE names.
man_spellings() {
	grep '^\.It Fl' "$1" | sed 's/\\-/-/g' | grep -oE 'Fl -?[a-zA-Z0-9][a-z0-9-]*' |
		sed 's/^Fl /-/' | sort -u
}

# completion_spellings PROG: every option the completion offers PROG.
completion_spellings() {
	sed -n "/^_fxfer_$1_options='/,/^'/p" "$(dirname "$0")/../completion/fxfer.bash" |
		grep -oE -- '(^| )--?[a-zA-Z0-9][a-z0-9-]*' | tr -d ' ' | sort -u
}

# ---- who may connect (allow.sh) ----------------------------------------------

# allow_case NETS SRC WANT: fsend --allow NETS (words: more --allow options
# may follow) serving one client; a client from address SRC is "served" (it
# gets the file, fsend exits 0) or "reset" (fsend goes on waiting: a stop
# ends it, 143).
allow_case() {
	# shellcheck disable=SC2086 # NETS may carry further --allow options
	start_server fsend "$FSEND" --allow $1 0 "$T/f"
	case $2 in *:*) _dst=::1 ;; *) _dst=127.0.0.1 ;; esac
	timeout "$TO" "$PEER" from "$2" "$_dst" "$PORT" 2>"$T/client.err"
	_rc=$?
	if [ "$3" = served ]; then
		expect_status "--allow $1, a client from $2" 0 "$_rc"
		wait_server fsend
		expect_status "fsend --allow $1" 0 "$RC"
	else
		expect_status "--allow $1, a client from $2 (3: reset)" 3 "$_rc"
		expect_output "$T/client.err" "peer: reset" # before a byte
		kill -TERM "$(pid_of fsend)"
		wait_server fsend
		expect_status "fsend --allow $1, stopped" 143 "$RC"
		grep -q "^fsend: .*: not allowed (--allow), connection reset\$" "$T/fsend.err" ||
			fail "no refusal logged: $(cat "$T/fsend.err")"
	fi
	rm -f "$T"/fsend.*
}

# ---- resumed transfers (resume.sh) ----------------------------------------

# expect_cut WHAT STATUS: fsend's status for a connection cut on its way:
# 74 (cut while it sent) or 76 (while it waited for the acknowledgement).
expect_cut() {
	case $2 in
	74 | 76) ;;
	*) expect_status "$1" 74 "$2" ;;
	esac
}

# reply_len SIZE FROM: the bytes of fsend --resume's reply line.
reply_len() { printf 'fxfer-resume/1 size=%s from=%s\n' "$1" "$2" | wc -c | tr -d ' '; }

# part_size: the bytes frecv kept in $T/recv/receive.dat.part (0: none).
part_size() { stat -c %s "$T/recv/receive.dat.part" 2>/dev/null || echo 0; }

# through_relay HOW CUT [FSEND_OPTS] [FRECV_OPTS]: fsend --resume serving
# $T/f to frecv --resume in $T/recv through "peer cut HOW CUT" (no cut when
# CUT is beyond the transfer).  A one-client fsend that a failed transfer
# left waiting for its client (SRC "waiting") serves this one too; else one
# is started (FSEND_OPTS).  Statuses in SRC (fsend, or "waiting") and RC
# (frecv); the relay's lines in $T/relay.err.  A stalled relay is ended
# once frecv is.
through_relay() {
	rm -f "$T/relay.fifo"
	if [ "${SRC:-}" != waiting ]; then
		rm -f "$T/fsend.fifo"
		# shellcheck disable=SC2086 # the options are separate words on purpose
		start_server fsend "$FSEND" --resume ${3:-} 0 "$T/f"
		FPORT=$PORT WAITS=0
	fi
	start_server relay "$PEER" cut 127.0.0.1 "$FPORT" "$1" "$2"
	# shellcheck disable=SC2086
	run_frecv --resume ${4:-} 127.0.0.1 "$PORT"
	_frc=$RC
	[ "$1" != stall ] || kill "$relay_pid"
	wait_server relay
	fsend_outcome
	RC=$_frc
}

# fsend_outcome: wait until fsend --resume has ended (its status in SRC) or,
# a transfer failed, says it waits for the client to come back (one line
# more than WAITS so far: SRC is then "waiting").
fsend_outcome() {
	_n=0
	while kill -0 "$fsend_pid" 2>/dev/null && [ "$(ps -o stat= -p "$fsend_pid" | cut -c1)" != Z ]; do
		_w=$(grep -c '^fsend: waiting .*for the client to come back' "$T/fsend.err")
		if [ "$_w" -gt "${WAITS:-0}" ]; then
			WAITS=$_w SRC=waiting
			return
		fi
		_n=$((_n + 1))
		[ "$_n" -lt $((TO * 20)) ] || fail "fsend neither ended nor waits: $(cat "$T/fsend.err")"
		sleep 0.05
	done
	wait_server fsend
	SRC=$RC
}

# stalled_at CUT [STALL [OPTIONS]]: fsend serving $T/f to frecv in $T/recv,
# both with OPTIONS (default --resume), through a relay that stalls once it
# passed CUT of the server's bytes (STALL: the peer's stall, the default, or
# stall-reset); returns then (fsend_pid, relay_pid and frecv_pid are set;
# FPORT is fsend's port).  frecv takes SIGINT as a user's would, though
# started in the background.
stalled_at() {
	_opts=${3:---resume}
	rm -f "$T"/*.fifo
	# shellcheck disable=SC2086 # the options are separate words on purpose
	start_server fsend "$FSEND" $_opts 0 "$T/f"
	FPORT=$PORT SRC="" WAITS=0
	start_server -k relay "$PEER" cut 127.0.0.1 "$PORT" "${2:-stall}" "$1"
	# shellcheck disable=SC2086
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec env --default-signal=INT "$@"' \
		sh "$T/recv" "$FRECV" $_opts 127.0.0.1 "$PORT"
	drain frecv
	next_line relay
	[ "$LINE" = "peer: cut at $1" ] || fail "relay: $LINE"
}

# end_relay: end the stalled relay; its connections close.
end_relay() {
	kill "$relay_pid"
	drain relay
	wait_server relay
}

# cut_then_resume HOW CUT: a transfer of $T/f cut by the relay after CUT of
# the server's bytes fails on both sides and keeps the old target and what
# arrived (in receive.dat.part); the same commands again finish it exactly,
# the second time passing only the bytes the first did not keep.  The first
# frecv's messages are left in $T/first.err.
cut_then_resume() {
	echo precious >"$T/recv/receive.dat"
	rm -f "$T/recv/receive.dat.part"
	SRC=""
	through_relay "$1" "$2" "" "-t 2"
	expect_status "frecv cut ($1 at $2)" 74 "$RC"
	expect_waiting "fsend ($1 at $2)"
	expect_output "$T/recv/receive.dat" precious
	mv "$T/frecv.err" "$T/first.err"
	_size=$(stat -c %s "$T/f")
	_kept=$(part_size)
	# A clean end delivers every byte passed; a reset may drop some.
	_passed=$(($2 - $(reply_len "$_size" 0)))
	[ "$_kept" -le "$_passed" ] || fail "kept $_kept of a cut at $2"
	[ "$1" != close ] || [ "$_kept" -eq "$_passed" ] || fail "kept $_kept of $_passed passed"
	resume_finishes "($1 at $2)"
}

# expect_waiting WHAT: fsend --resume failed its transfer and waits for the
# client to come back (fsend_outcome said so), having said why it failed.
expect_waiting() {
	[ "$SRC" = waiting ] || { cat "$T"/*.err >&2; fail "$1 exited $SRC instead of waiting"; }
	grep -q "^fsend: waiting up to [0-9]* s for the client to come back (-t [0-9]*)\$" "$T/fsend.err" ||
		fail "$1: $(cat "$T/fsend.err")"
}

# resume_finishes [WHAT]: what receive.dat.part holds is the start of $T/f;
# frecv --resume again (and fsend --resume, unless the one before waits for
# it), through a relay that passes everything, finish the transfer exactly,
# passing only what it lacked.
resume_finishes() {
	_size=$(stat -c %s "$T/f")
	_kept=$(part_size)
	[ "$_kept" -eq 0 ] || cmp -s -n "$_kept" "$T/f" "$T/recv/receive.dat.part" ||
		fail "the .part is not the file's start ${1:-}"
	through_relay close 999999999999
	expect_status "frecv resumed ${1:-}" 0 "$RC"
	expect_status "fsend resumed ${1:-}" 0 "$SRC"
	same_file "$T/f" "$T/recv/receive.dat"
	[ ! -e "$T/recv/receive.dat.part" ] || fail "the .part is left after success"
	_want="peer: relayed $(($(reply_len "$_size" "$_kept") + _size - _kept))"
	[ "$(tail -n 1 "$T/relay.err")" = "$_want" ] ||
		fail "resumed after $_kept bytes: $(tail -n 1 "$T/relay.err"), expected $_want"
}

# from_the_start WHAT: receive.dat.part holds what is not $T/f's start
# (WHAT says how): resumed, the whole file is sent again, and the result is
# exactly the file, nothing of the .part mixed in.
from_the_start() {
	_held=$(part_size)
	_size=$(stat -c %s "$T/f")
	echo precious >"$T/recv/receive.dat"
	through_relay close 999999999999
	expect_status "frecv ($1)" 0 "$RC"
	expect_status "fsend ($1)" 0 "$SRC"
	same_file "$T/f" "$T/recv/receive.dat"
	[ ! -e "$T/recv/receive.dat.part" ] || fail "the .part is left ($1)"
	[ "$(tail -n 1 "$T/relay.err")" = "peer: relayed $(($(reply_len "$_size" 0) + _size))" ] ||
		fail "$1: $(tail -n 1 "$T/relay.err")"
	if [ "$_held" -gt 0 ]; then
		expect_output "$T/frecv.err" "frecv: receive.dat.part: the $_held bytes kept are not the start of the server's file: starting over"
	else
		[ ! -s "$T/frecv.err" ] || fail "$1: $(cat "$T/frecv.err")"
	fi
}

# kept_as_they_were: receive.dat is "precious" and receive.dat.part "kept",
# and nothing else is in $T/recv.
kept_as_they_were() {
	[ "$(ls -A "$T/recv" | tr '\n' ' ')" = "receive.dat receive.dat.part " ] ||
		fail "left: $(ls -A "$T/recv")"
	expect_output "$T/recv/receive.dat" precious
	[ "$(cat "$T/recv/receive.dat.part")" = kept ] || fail "the .part changed"
}

# request_refused LINE REASON: fsend --resume refuses the request LINE (sent
# by nc) with status 76 and "fsend: resume request: REASON (...)".
request_refused() {
	rm -f "$T"/*.fifo
	# -t 1: after the failure it waits a second for a client to come back.
	start_server fsend "$FSEND" --resume -t 1 0 "$T/f"
	printf '%s\n' "$1" | nc -N 127.0.0.1 "$PORT" >"$T/nc.out" 2>&1
	wait_server fsend
	expect_status "fsend --resume, the request '$1'" 76 "$RC"
	[ ! -s "$T/nc.out" ] || fail "sent: $(cat "$T/nc.out")"
	[ "$(sed -n 2p "$T/fsend.err")" = "fsend: resume request: $2 (frecv --resume sends one; a client without it cannot resume)" ] ||
		fail "$(cat "$T/fsend.err")"
}

# reply_refused REPLY BYTES STATUS MESSAGE: a server answering REPLY and
# sending BYTES more; frecv --resume exits STATUS, says MESSAGE (PORT in it
# stands for the port), and keeps the old target.
reply_refused() {
	rm -f "$T"/*.fifo
	start_server peer "$PEER" reply-server "$1" "$2"
	run_frecv --resume 127.0.0.1 "$PORT"
	expect_status "frecv --resume, the reply '$1'" "$3" "$RC"
	printf '%s\n' "$4" | sed "s/PORT/$PORT/" | cmp -s - "$T/frecv.err" ||
		fail "reply '$1': $(cat "$T/frecv.err")"
	expect_output "$T/recv/receive.dat" precious
	wait_server peer
}

# ---- unattended transfers (retry.sh) ----------------------------------------

# relay_saw NAME CONNECTIONS CUT: the flaky relay NAME (peer flaky, its lines
# in $T/NAME.err) took at least CONNECTIONS connections, and none passed
# more than CUT of the server's bytes.
relay_saw() {
	_c=$(grep -c '^peer: connection [0-9]*: accepted$' "$T/$1.err")
	[ "$_c" -ge "$2" ] || fail "$1: $_c connections, expected at least $2: $(cat "$T/$1.err")"
	_max=$(sed -n 's/^peer: connection [0-9]*: passed \([0-9]*\), .*/\1/p' "$T/$1.err" |
		sort -n | tail -n 1)
	[ "${_max:-0}" -le "$3" ] || fail "$1: a connection passed $_max bytes, more than $3"
}

# stop_relay NAME: end a relay that runs until killed; its lines are in
# $T/NAME.err.
stop_relay() {
	eval "kill \$${1}_pid"
	wait_server "$1"
}

# finishes_through_flaky HOW CUT N [FSEND_OPTS] [FRECV_OPTS]: fsend --resume
# (one client) serving $T/f to frecv --resume --retry 60 in $T/recv through
# a relay that cuts every connection (HOW) once it passed CUT of the
# server's bytes: both exit 0, the file is exact, nothing but it is left,
# each cut was followed by a line saying when frecv tries again, and the
# relay saw at least N connections, none passing more than CUT (so only
# going on from what was kept can finish).
finishes_through_flaky() {
	rm -f "$T"/*.fifo "$T/recv/receive.dat.part"
	echo precious >"$T/recv/receive.dat"
	# shellcheck disable=SC2086 # the options are separate words on purpose
	start_server fsend "$FSEND" --resume ${4:-} 0 "$T/f"
	start_server relay "$PEER" flaky 127.0.0.1 "$PORT" "$1" "$2" 1000000
	# shellcheck disable=SC2086
	run_frecv --resume --retry 60 ${5:-} 127.0.0.1 "$PORT"
	_frc=$RC
	wait_server fsend
	expect_status "fsend --resume, every connection cut ($1 at $2)" 0 "$RC"
	expect_status "frecv --resume --retry 60, every connection cut ($1 at $2)" 0 "$_frc"
	stop_relay relay
	same_file "$T/f" "$T/recv/receive.dat"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	relay_saw relay "$3" "$2"
	[ "$(grep -c '; again in 1 s (--retry 60)$' "$T/frecv.err")" -ge $(($3 - 1)) ] ||
		fail "frecv: $(cat "$T/frecv.err")"
}

# hold_relay: a flaky relay to fsend at PORT (its port is then PORT) whose
# first connection holds once it passed 1000000 bytes of the server's,
# until the test writes a line to descriptor 6; later ones relay whole.
hold_relay() {
	mkfifo "$T/go"
	exec 6<>"$T/go"
	# Its standard input (dash would undo the descriptors start_server
	# opens if the call itself were redirected).
	exec 9<&0 0<"$T/go"
	start_server -k relay "$PEER" flaky 127.0.0.1 "$PORT" hold 1000000 1
	exec 0<&9 9<&-
}

# part_meddled_with HOW [FRECV_OPTS]: fsend --resume --sha256 -t 3 serving
# $T/f (3000000 bytes) to frecv --resume --sha256 (and FRECV_OPTS) in
# $T/recv, which kept its first 1000000 bytes; while the relay holds the
# transfer, another process meddles with receive.dat.part (HOW: append,
# rewrite, replace), then the rest comes.  frecv's status in RC, fsend's
# in SRC.
part_meddled_with() {
	rm -f "$T"/*.fifo "$T/go" "$T/recv/stolen"
	echo precious >"$T/recv/receive.dat"
	head -c 1000000 "$T/f" >"$T/recv/receive.dat.part"
	start_server fsend "$FSEND" --resume --sha256 -t 3 0 "$T/f"
	hold_relay
	# shellcheck disable=SC2086 # the options are separate words on purpose
	start_bg frecv 5 sh -c 'cd "$1" && shift && exec "$@"' sh "$T/recv" \
		"$FRECV" --resume --sha256 ${2:-} 127.0.0.1 "$PORT"
	drain frecv
	next_line relay # accepted
	next_line relay
	[ "$LINE" = "peer: connection 1: holding at 1000000" ] || fail "relay: $LINE"
	case $1 in
	append) head -c 3000000 /dev/urandom >>"$T/recv/receive.dat.part" ;;
	rewrite) dd if=/dev/zero of="$T/recv/receive.dat.part" bs=4096 count=1 conv=notrunc \
		status=none ;;
	replace)
		mv "$T/recv/receive.dat.part" "$T/recv/stolen"
		head -c 3000000 /dev/zero >"$T/recv/receive.dat.part" ;;
	esac
	echo go >&6
	exec 6>&-
	drain relay
	wait_server frecv
	_frc=$RC
	wait_server fsend
	_src=$RC
	stop_relay relay
	SRC=$_src RC=$_frc
}

# meddling_is_caught HOW REASON: another process meddling with the .part
# (part_meddled_with HOW) fails frecv (74, "receive.dat.part: REASON"),
# with no digest said and the old target kept, and fsend (not 0); with
# --retry frecv proves what it kept again and stores the file exactly, its
# digest the stored file's.
meddling_is_caught() {
	part_meddled_with "$1"
	expect_status "frecv, the .part meddled with ($1)" 74 "$RC"
	[ "$SRC" -ne 0 ] || fail "fsend exited 0, the .part meddled with ($1)"
	grep -qxF "frecv: receive.dat.part: $2" "$T/frecv.err" || fail "$1: $(cat "$T/frecv.err")"
	[ ! -s "$T/frecv.out" ] || fail "$1: a digest was said: $(cat "$T/frecv.out")"
	expect_output "$T/recv/receive.dat" precious
	# What is said to be kept is what the file frecv wrote holds, if it is
	# still at the name: not the file put in its place.
	_kept="frecv: receive.dat.part: $(part_size) bytes kept: the same command goes on from there"
	if [ "$1" = replace ]; then
		! grep -q "bytes kept" "$T/frecv.err" || fail "$1: $(cat "$T/frecv.err")"
	else
		grep -qxF "$_kept" "$T/frecv.err" || fail "$1: $(cat "$T/frecv.err")"
	fi
	part_meddled_with "$1" "--retry 60"
	expect_status "frecv --retry, the .part meddled with ($1)" 0 "$RC"
	expect_status "fsend, the .part meddled with ($1) and frecv --retry" 0 "$SRC"
	same_file "$T/f" "$T/recv/receive.dat"
	expect_output "$T/frecv.out" "$(sha256sum "$T/recv/receive.dat" | cut -d ' ' -f 1)  receive.dat
received file data"
}

# ---- events (json.sh) -------------------------------------------------------

# need_json: the JSON Lines reader (tests/jsonl.py, on Python's json module).
need_json() {
	command -v python3 >/dev/null || skip "python3 is not installed (the JSON reader)"
	JSONL_PY="$(dirname "$0")/jsonl.py"
}

# jsonl ARGS...: the reader (its path may hold spaces: the clone's).
jsonl() { python3 "$JSONL_PY" "$@"; }

# json_ok FILE PROGRAM: every line of FILE is one JSON object of PROGRAM;
# its fields are then in FILE.flat for jget and jcount.
json_ok() {
	jsonl flat "$1" "$2" >"$1.flat" || fail "$1 is not JSON Lines of $2: $(cat "$1")"
}

# jget FILE EVENT KEY [N]: that field of the Nth such event (default the
# first; -1: the last), from what json_ok read; 1 when there is none.
jget() {
	_n=${4:-1}
	[ "$_n" != -1 ] || _n=$(jcount "$1" "$2")
	awk -v e="$2" -v n="$_n" -v k="$3" '$1 == e && $2 == n && $3 == k {
		sub(/^[^ ]* [^ ]* [^ ]* /, ""); print; found = 1; exit } END { exit !found }' "$1.flat"
}

# jcount FILE EVENT: how many such events.
jcount() { awk -v e="$2" '$1 == e { if ($2 > m) m = $2 } END { print m + 0 }' "$1.flat"; }

# expect_field FILE EVENT KEY WANT [N]: the field is exactly WANT.
expect_field() {
	_got=$(jget "$1" "$2" "$3" ${5:-}) || fail "$1: no $3 in a $2 event: $(cat "$1")"
	[ "$_got" = "$4" ] || fail "$1: $2 $3 is '$_got', expected '$4'"
}

# json_server NAME CMD...: start_server for fsend --json: PORT from its
# listening event.
json_server() {
	_js=$1; shift
	start_bg "$_js" 3 "$@"
	next_line "$_js"
	PORT=$(printf '%s\n' "$LINE" | sed -n 's/^{.*"event":"listening".*"port":\([0-9]*\).*}$/\1/p')
	[ -n "$PORT" ] || fail "$_js: no listening event: '$LINE'"
	drain "$_js"
}

# failure PROG STATUS ERRNO ARGS...: PROG --json ARGS (in $T/recv) exits
# STATUS, its last line an error event of that status (and that errno
# name, unless ERRNO is "-"), and every line JSON.
failure() {
	_p=$1 _st=$2 _en=$3
	shift 3
	case $_p in fsend) _b=$FSEND ;; frecv) _b=$FRECV ;; esac
	(cd "$T/recv" && timeout "$TO" "$_b" --json "$@" >"$T/out" 2>"$T/err" </dev/null)
	expect_status "$_p --json $*" "$_st" $?
	json_ok "$T/err" "$_p"
	tail -n 1 "$T/err" >"$T/last"
	json_ok "$T/last" "$_p"
	expect_field "$T/last" error status "$_st"
	[ -n "$(jget "$T/last" error message)" ] || fail "no message: $(cat "$T/err")"
	if [ "$_en" = - ]; then
		! jget "$T/last" error errno >/dev/null || fail "an errno: $(cat "$T/err")"
	else
		expect_field "$T/last" error errno "$_en"
	fi
}

# ---- run by a service manager (service.sh) ----------------------------------

need_activate() {
	command -v systemd-socket-activate >/dev/null ||
		skip "systemd-socket-activate (systemd) is not installed"
}

# activate NAME ARGS...: systemd-socket-activate ARGS in the background,
# handed a socket listening on a free port of 127.0.0.1 (PORT) as a service
# manager hands it (the peer's listen-fds), its stderr (and that of the
# programs it starts) on descriptor 3, read up to where it listens.
activate() {
	_a=$1
	shift
	start_bg "$_a" 3 "$PEER" listen-fds systemd-socket-activate "$@"
	next_line "$_a"
	PORT=$(printf '%s\n' "$LINE" | sed -n 's/^peer: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p')
	[ -n "$PORT" ] || fail "$_a: $LINE"
	until_line "$_a" "Listening on "
}

# until_line NAME TEXT: read NAME's stderr lines until one starts with TEXT.
until_line() {
	while :; do
		next_line "$1"
		case $LINE in "$2"*) return 0 ;; '') fail "$1: no '$2': $(cat "$T/$1.err")" ;; esac
	done
}

# ---- who gets the file, by key (key.sh) -------------------------------------

# new_key PATH: a fresh key file, mode 0600.
new_key() { (umask 077 && "$FSEND_REAL" --keygen >"$1") || fail "fsend --keygen"; }

# key_reply_len SIZE RESUME: the bytes of fsend --key's reply line.
key_reply_len() { echo $((18 + 64 + 6 + ${#1} + 9 + 7 + 64 + 1)); }

# through_key_relay HOW AT [FRECV_KEY]: fsend --key $T/k -t 2 serving $T/f
# (one client) to frecv --key FRECV_KEY (default $T/k) in $T/recv, through
# a relay that does HOW (flip, insert, close, reset) at AT of the server's
# bytes (the first connection only).  Statuses in SRC and RC.
through_key_relay() {
	rm -f "$T"/*.fifo
	start_server fsend "$FSEND" --key "$T/k" -t 2 0 "$T/f"
	start_server relay "$PEER" flaky 127.0.0.1 "$PORT" "$1" "$2" 1
	run_frecv --key "${3:-$T/k}" 127.0.0.1 "$PORT"
	_frc=$RC
	wait_server fsend
	_src=$RC
	stop_relay relay
	SRC=$_src RC=$_frc
}
