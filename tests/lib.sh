# Shared by the integration tests: a scratch directory, servers started in
# the background whose port is read from their listening line, and checks.
# Every program runs under timeout(1), so a hang fails instead of blocking.
set -u
: "${FSEND:?}" "${FRECV:?}" "${PEER:?}"
TO=${FX_TEST_TIMEOUT:-60}
T=$(mktemp -d "${TMPDIR:-/tmp}/fxtest.XXXXXX") || exit 1
BG=""
BIG=""
cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null; done
	rm -rf "$T" $BIG
}
trap cleanup EXIT
mkdir "$T/recv"

# FX_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99") runs every fsend
# and frecv under that command.
if [ -n "${FX_TEST_WRAPPER:-}" ]; then
	mkdir "$T/bin"
	for _p in fsend frecv; do
		eval "_real=\$$(echo "$_p" | tr a-z A-Z)"
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$FX_TEST_WRAPPER" "$_real" >"$T/bin/$_p"
		chmod +x "$T/bin/$_p"
	done
	FSEND=$T/bin/fsend FRECV=$T/bin/frecv
fi

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
	head -n 1 "$T/err" | grep -q "^$_prog: ." || fail "message: $(cat "$T/err")"
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

# stalled_client: start a client that reads 1 MiB and waits for a line on
# its stdin (the FIFO $T/go) before it reads on.
stalled_client() {
	mkfifo "$T/go"
	exec 6<>"$T/go" # held open for writing, so opening it to read won't block
	start_bg client 5 "$PEER" client stall 127.0.0.1 "$PORT" 1048576 <"$T/go"
	next_line client # connected
	next_line client # read 1048576
	case $LINE in *read*) ;; *) fail "client: $LINE" ;; esac
}

release_client() { echo go >&6; exec 6>&-; drain client; }

# serve_logged N: run frecv N times against fsend -k, each time waiting for
# fsend's line about that connection (its child has then finished with it).
serve_logged() {
	for i in $(seq "$1"); do
		run_frecv 127.0.0.1 "$PORT"
		expect_status "frecv $i" 0 "$RC"
		same_file "$T/f" "$T/recv/receive.dat"
		next_line fsend
		case $LINE in
		*": $(wc -c <"$T/f") bytes in "*" s ("*" MB/s), acknowledged") ;;
		*) fail "log: $LINE" ;;
		esac
	done
}
