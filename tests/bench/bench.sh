#!/bin/sh
# Benchmark: fsend/frecv against the local limit (cp), OpenBSD nc and socat,
# every row in one run.  Each section runs its tools alternately on the same
# page-cached file, checks every copy byte for byte (a transfer that fails or
# is not exact gets no figures) and prints medians; the ratios of all the
# sections come together at the end.
#
#   tmpfs  tmpfs to tmpfs over loopback: cp, fsend/frecv plain, --progress,
#          --sha256, the other builds, nc, socat; the SHA-256 speed; peak RSS
#          on a 1 MiB file (memory must not grow with the file)
#   disk   to a disk-backed file system, timed until the data is on disk:
#          fsend/frecv until frecv exits (it fsyncs before acknowledging),
#          cp, nc and socat each followed by sync -f on their output
#   link   between two network namespaces joined by a veth pair shaped to
#          1 Gbit/s (tc tbf), 198.18.0.1 to 198.18.0.2: the fraction of the
#          link's payload rate, CPU seconds per GiB on each side, plain and
#          with --sha256 (root only)
#   ack    from the last byte sent to the acknowledgement, a 4 GiB transfer
#          to disk, with bounded writeback and without
#   resume fsend --resume/frecv --resume on tmpfs over loopback, from zero and
#          after a cut at half; the prefix hash on each side (-v)
#   verify --sha256 on tmpfs over loopback against the plain transfer, with
#          the hash where the programs put it and forced into a thread and
#          into the copying thread (FXFER_HASH_THREAD), and --key (a fresh
#          key file), against one pass of the library's SHA-256 and of
#          OpenSSL's (openssl speed) over the file
#   flaky  fsend --resume/frecv --resume --retry over the 1 Gbit/s link: once
#          clean, once with the link down 3 s every 10 s, once through a relay
#          (the tests' peer) that cuts every connection after 32 MiB: wall
#          time against the clean run, reconnections, statuses (root only)
#   fan-out one fsend -k, 1, 8 and 32 receivers at once over the link: the
#          aggregate rate against the link's payload rate, and the slowest
#          receiver's share (root only)
#
# usage: sh tests/bench/bench.sh BUILD_DIR [SECOND_BUILD_DIR]
#   the second build (e.g. the portable preset) is measured as another row in
#   the tmpfs, disk and link sections.
# environment (sizes in bytes, or with K, M or G):
#   FX_BENCH_SECTIONS  which sections, in this order (default "tmpfs disk link ack resume verify flaky fan-out")
#   FX_BENCH_RUNS      runs per tool in each section (default 5)
#   FX_BENCH_SIZE      tmpfs and tmpfs-to-disk file size (default 1G)
#   FX_BENCH_DIR       where the tmpfs files go (default /dev/shm, else $TMPDIR)
#   FX_BENCH_DISK_DIR  a directory on a disk-backed file system; the benchmark
#                      works in a new directory under it (default /var/tmp)
#   FX_BENCH_DISK_SIZE the disk section's file (default 2G)
#   FX_BENCH_LINK_SIZE the link section's file (default 256M)
#   FX_BENCH_ACK_SIZE  the ack section's file (default 4G)
#   FX_BENCH_ACK_RUNS  runs per build in the ack section (default 3)
#   FX_BENCH_RESUME_SIZE the resume section's file (default 1G)
#   FX_BENCH_FLAKY_SIZE  the flaky section's file (default 256M)
#   FX_BENCH_FANOUT_SIZE each fan-out receiver's file (default 64M)
#   FX_BENCH_UNBOUNDED a build configured with -DFX_WRITEBACK_BOUND=OFF, measured
#                      against BUILD_DIR on tmpfs, on disk and in the ack section
#                      (the bench target builds one and sets it)
#   FX_BENCH_CHUNK     fsend/frecv -c value (default: theirs)
#   FX_BENCH_RAW       a file to append every run's figures to, one line each:
#                      section tool wall cpu rss_send rss_recv cpu_send cpu_recv ack
#                      hash_send hash_recv (the last two: --resume only, else -)
set -u
[ $# -ge 1 ] || { echo "usage: bench.sh BUILD_DIR [SECOND_BUILD_DIR]" >&2; exit 64; }
TIME=/usr/bin/time
[ -x "$TIME" ] && "$TIME" -f %M true >/dev/null 2>&1 ||
	{ echo "bench: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 69; }
command -v timeout >/dev/null ||
	{ echo "bench: timeout (coreutils) is needed" >&2; exit 69; }

bytes() {
	case $1 in
	*G) echo $((${1%G} * 1073741824)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*K) echo $((${1%K} * 1024)) ;;
	*) echo "$1" ;;
	esac
}
human() {
	awk -v b="$1" 'BEGIN { if (b >= 1073741824 && b % 1073741824 == 0) print b / 1073741824 " GiB";
		else if (b >= 1048576 && b % 1048576 == 0) print b / 1048576 " MiB"; else print b " bytes" }'
}
size=$(bytes "${FX_BENCH_SIZE:-1G}")
disk_size=$(bytes "${FX_BENCH_DISK_SIZE:-2G}")
link_size=$(bytes "${FX_BENCH_LINK_SIZE:-256M}")
ack_size=$(bytes "${FX_BENCH_ACK_SIZE:-4G}")
resume_size=$(bytes "${FX_BENCH_RESUME_SIZE:-1G}")
flaky_size=$(bytes "${FX_BENCH_FLAKY_SIZE:-256M}")
fanout_size=$(bytes "${FX_BENCH_FANOUT_SIZE:-64M}")
runs=${FX_BENCH_RUNS:-5}
ack_runs=${FX_BENCH_ACK_RUNS:-3}
sections=${FX_BENCH_SECTIONS:-tmpfs disk link ack resume verify flaky fan-out}
chunk=${FX_BENCH_CHUNK:+-c $FX_BENCH_CHUNK}
base=${FX_BENCH_DIR:-}
[ -n "$base" ] || { [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm; } || base=${TMPDIR:-/tmp}
disk_base=${FX_BENCH_DISK_DIR:-/var/tmp}

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
B1=$(abs "$1")
B2=${2:+$(abs "$2")}
BU=${FX_BENCH_UNBOUNDED:+$(abs "$FX_BENCH_UNBOUNDED")}

W=$(mktemp -d "$base/fxbench.XXXXXX") || exit 1
D="" ns_s="" ns_c="" NS_S="" NS_R="" spid="" cpid=""
# A stop signal interrupts the wait for a transfer (each runs in the
# background for that): stop its processes, then drop the namespaces and files.
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	[ -n "$spid$cpid" ] && wait
	[ -n "$NS_S" ] && ip netns del "$NS_S" 2>/dev/null
	[ -n "$NS_R" ] && ip netns del "$NS_R" 2>/dev/null
	rm -rf "$W" ${D:+"$D"}
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

have_nc=""; command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD && have_nc=nc
have_socat=""; command -v socat >/dev/null && have_socat=socat

# FX_WRITEBACK_BOUND in a build's cache: on, off, or none (no such option).
writeback() {
	v=$(sed -n 's/^FX_WRITEBACK_BOUND:BOOL=//p' "$1/CMakeCache.txt" 2>/dev/null)
	case $v in ON | on | 1 | TRUE | true) echo on ;; OFF | off | 0 | FALSE | false) echo off ;; *) echo none ;; esac
}

# A build that cannot lack the bounding (no such option yet) is no comparison.
if [ -n "$BU" ] && [ "$(writeback "$BU")" != off ]; then
	echo "bench: $BU is not configured with -DFX_WRITEBACK_BOUND=OFF (FX_BENCH_UNBOUNDED): not measured" >&2
	BU=""
fi

label() {
	case $1 in
	cp) echo "cp" ;;
	fx) echo "fsend/frecv" ;;
	fxp) echo "fsend/frecv --progress" ;;
	fxs) echo "fsend/frecv --sha256" ;;
	fxt) echo "--sha256, hash in a thread" ;;
	fxi) echo "--sha256, hash in turns" ;;
	fx2) echo "fsend/frecv ($(basename "$B2"))" ;;
	fxu) echo "fsend/frecv (unbounded)" ;;
	fxr) echo "full" ;;
	fxh) echo "resumed at half" ;;
	fxk) echo "fsend/frecv --key" ;;
	nc) echo "nc (OpenBSD)" ;;
	socat) echo "socat -u" ;;
	esac
}
# The label in a section's table: on disk the peers' rows include their sync.
row_label() {
	case $1.$2 in
	disk.cp | disk.nc | disk.socat | ack.cp) echo "$(label "$2") + sync -f" ;;
	*) label "$2" ;;
	esac
}

fxbin() { case $1 in fx2) echo "$B2" ;; fxu) echo "$BU" ;; *) echo "$B1" ;; esac; }
fxopt() { case $1 in fxp) echo --progress ;; fxs | fxt | fxi) echo --sha256 ;; fxr | fxh) echo --resume ;; fxk) echo --key "$W/key" ;; esac; }
# Where the hash runs: forced into a thread of its own, into the copying
# thread, or (every other row) where the programs choose.
fxenv() { case $1 in fxt) echo FXFER_HASH_THREAD=1 ;; fxi) echo FXFER_HASH_THREAD=0 ;; *) echo FXFER_HASH_THREAD=auto ;; esac; }
# frecv's: with --resume also -v, which says how long the kept prefix took to hash.
fxcopt() { fxopt "$1"; case $1 in fxr | fxh) echo -v ;; esac; }

TF='%U %S %M'

# start_server TOOL SRC: in the background, its stderr into the fifo.
# $ns_s runs it in the sending namespace (empty: here), $host is the address.
start_server() {
	case $1 in
	nc) timeout -k 5 "$lim" $ns_s $TIME -o "$W/srv.t" -f "$TF" nc -n -l -N -v "$host" 0 <"$2" ;;
	socat) timeout -k 5 "$lim" $ns_s $TIME -o "$W/srv.t" -f "$TF" \
		socat -d -d -u "OPEN:$2" "TCP-LISTEN:0,bind=$host" </dev/null ;;
	*) timeout -k 5 "$lim" $ns_s $TIME -o "$W/srv.t" -f "$TF" env "$(fxenv "$1")" \
		"$(fxbin "$1")/fsend" -v $(fxopt "$1") $chunk -b "$host" 0 "$2" </dev/null ;;
	esac >"$W/srv.out" 2>"$W/fifo" &
	spid=$!
}

# run_client TOOL PORT DST, in the receiving namespace $ns_c.
run_client() {
	case $1 in
	nc) timeout -k 5 "$lim" $ns_c $TIME -o "$W/cli.t" -f "$TF" nc -n -d "$host" "$2" >"$3" ;;
	socat) timeout -k 5 "$lim" $ns_c $TIME -o "$W/cli.t" -f "$TF" \
		socat -u "TCP:$host:$2" "CREATE:$3" >/dev/null ;;
	*) timeout -k 5 "$lim" $ns_c $TIME -o "$W/cli.t" -f "$TF" env "$(fxenv "$1")" \
		"$(fxbin "$1")/frecv" $(fxcopt "$1") $chunk -o "$3" "$host" "$2" >/dev/null ;;
	esac </dev/null 2>"$W/cli.err"
}

now() { date +%s.%N; }

# run SEC TOOL SRC DST: one timed transfer.  With $kind disk, earlier writes
# are flushed first (outside the timing) and the peers' output is synced
# (inside it).  Appends "wall cpu rss_send rss_recv cpu_send cpu_recv ack
# hash_send hash_recv" to $W/SEC.TOOL (ack: fsend's last byte to
# acknowledgement, or -; hash: each side's prefix hash with --resume, or -),
# or returns 1 if anything failed or the copy is not exact.  The --resume
# rows start from DST.part as $part_at bytes of SRC (fxh) or none (fxr).
run() {
	sec=$1 tool=$2
	rm -f "$4" "$4.part" "$W/fifo" "$W/srv.t" "$W/cli.t" "$W/srv.log"
	[ "$kind" = disk ] && sync
	kept=0
	if [ "$tool" = fxh ]; then
		kept=$part_at
		head -c "$kept" "$3" >"$4.part" || { echo "bench: $sec: $4.part could not be made" >&2; return 1; }
	fi
	if [ "$tool" = cp ]; then
		t0=$(now)
		timeout -k 5 "$lim" $TIME -o "$W/srv.t" -f "$TF" cp "$3" "$4" </dev/null 2>"$W/cli.err" &
		cpid=$!
		wait "$cpid"
		crc=$?
		cpid=""
		[ "$kind" = disk ] && [ $crc -eq 0 ] && { sync -f "$4" || crc=1; }
		t1=$(now)
		src=0
		echo "0 0 0" >"$W/cli.t" # cp is both sides: its figures are the sender's
	else
		mkfifo "$W/fifo"
		t0=$(now)
		start_server "$tool" "$3"
		exec 3<"$W/fifo"
		port=""
		while IFS= read -r line <&3; do
			case $line in *[Ll]istening*) port=${line##*[!0-9]}; break ;; esac
		done
		cat <&3 >"$W/srv.log" &
		exec 3<&-
		if [ -z "$port" ]; then
			wait
			spid=""
			echo "bench: $(row_label "$sec" "$tool"): did not listen" >&2
			return 1
		fi
		run_client "$tool" "$port" "$4" &
		cpid=$!
		wait "$cpid"
		crc=$?
		cpid=""
		case $kind.$tool in
		disk.nc | disk.socat) [ $crc -eq 0 ] && { sync -f "$4" || crc=1; } ;;
		esac
		wait "$spid"
		src=$?
		t1=$(now)
		spid=""
		wait
	fi
	if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
		echo "bench: $sec: $(row_label "$sec" "$tool"): exit statuses $src/$crc" >&2
		sed 's/^/bench:   /' "$W/cli.err" "$W/srv.log" 2>/dev/null | head -5 >&2
		return 1
	fi
	cmp -s "$3" "$4" || { echo "bench: $sec: $(row_label "$sec" "$tool"): output differs" >&2; return 1; }
	[ ! -e "$4.part" ] || { echo "bench: $sec: $(row_label "$sec" "$tool"): $4.part is left" >&2; return 1; }
	ack=$(sed -n 's/.* \([0-9][0-9.]*\) s after the last byte.*/\1/p' "$W/srv.log" 2>/dev/null)
	hs="" hr=""
	case $tool in fxr | fxh)
		# Each side's -v line: what it hashed, in how long, and where the data
		# started; a run that did not go on from the kept bytes is no figure.
		from=$(sed -n 's/.* (hashed in [0-9.]* s): sending from byte \([0-9]*\)$/\1/p' "$W/srv.log")
		hs=$(sed -n 's/.* (hashed in \([0-9.]*\) s): sending from byte [0-9]*$/\1/p' "$W/srv.log")
		had=$(sed -n 's/^frecv: .*\.part: \([0-9]*\) bytes kept, hashed in [0-9.]* s$/\1/p' "$W/cli.err")
		hr=$(sed -n 's/^frecv: .*\.part: [0-9]* bytes kept, hashed in \([0-9.]*\) s$/\1/p' "$W/cli.err")
		if [ "$from" != "$kept" ] || [ "$had" != "$kept" ] || [ -z "$hs" ] || [ -z "$hr" ]; then
			echo "bench: $sec: $(row_label "$sec" "$tool"): kept $kept bytes, but frecv -v said ${had:-nothing} kept (in ${hr:-?} s), fsend -v sent from byte ${from:-?} (hashed in ${hs:-?} s)" >&2
			return 1
		fi ;;
	esac
	read -r su ss sm <"$W/srv.t"
	read -r cu cs cm <"$W/cli.t"
	echo "$t0 $t1 $su $ss $cu $cs $sm $cm ${ack:--} ${hs:--} ${hr:--}" | awk '{
		printf "%.4f %.4f %d %d %.4f %.4f %s %s %s\n", $2 - $1, $3 + $4 + $5 + $6, $7, $8,
			$3 + $4, $5 + $6, $9, $10, $11 }' >>"$W/$sec.$tool"
	[ -z "${FX_BENCH_RAW:-}" ] || echo "$sec $tool $(tail -1 "$W/$sec.$tool")" >>"$FX_BENCH_RAW"
}

# med SEC TOOL COLUMN: the median, or - if the tool has no figures there.
med() {
	[ -s "$W/$1.$2" ] || { echo -; return; }
	case " $failed " in *" $1.$2 "*) echo -; return ;; esac
	awk -v c="$3" '{ print $c }' "$W/$1.$2" | sort -n | awk '
		$1 == "-" { none = 1 } { v[NR] = $1 }
		END { if (none || NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The median in seconds, to the millisecond.
med3() {
	m=$(med "$@")
	[ "$m" = - ] && echo - || printf '%.3f\n' "$m"
}
# Lowest and highest of a column: "min..max".
range() {
	awk -v c="$3" 'NR == 1 || $c < lo { lo = $c } NR == 1 || $c > hi { hi = $c }
		END { printf "%.3f..%.3f", lo, hi }' "$W/$1.$2"
}
# ratio A B: A/B with two decimals, or - when either is missing.
ratio() {
	case "$1 $2" in *-*) echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN {
		if (b > 0) printf "%.2f", a / b; else print "-" }' ;; esac
}
# rate BYTES SECONDS: MB/s, or - when the time is missing.
rate() {
	case $2 in -) echo - ;; *) awk -v b="$1" -v t="$2" 'BEGIN {
		if (t > 0) printf "%.0f", b / t / 1e6; else print "-" }' ;; esac
}
say_ratio() { echo "$*" >>"$W/ratios"; }
ok() { # SEC TOOL: has the tool figures in this section?
	[ -s "$W/$1.$2" ] && case " $failed " in *" $1.$2 "*) false ;; *) true ;; esac
}

# The section's runs, alternating: run_section SEC SRC DST RUNS TOOL...
# An untimed transfer first takes what a fresh file costs (the memory it
# displaces, new blocks on the disk), and every other round goes in reverse,
# so no tool always follows the same one.
failed=""
run_section() {
	rs_sec=$1 rs_src=$2 rs_dst=$3 rs_runs=$4
	shift 4
	rs_order="$*" rs_reverse=""
	for t in "$@"; do rs_reverse="$t $rs_reverse"; done
	[ "$rs_runs" -gt 1 ] && run warmup "$1" "$rs_src" "$rs_dst"
	i=0
	while [ $i -lt "$rs_runs" ]; do
		i=$((i + 1))
		[ $((i % 2)) = 1 ] && set -- $rs_order || set -- $rs_reverse
		for t in "$@"; do
			case " $failed " in *" $rs_sec.$t "*) continue ;; esac
			run "$rs_sec" "$t" "$rs_src" "$rs_dst" || failed="$failed $rs_sec.$t"
		done
	done
	rm -f "$rs_dst" "$rs_dst.part"
}

# A table of wall time, rate, CPU and peak RSS: table SEC BYTES TOOL...
table() {
	tb_sec=$1 tb_bytes=$2
	shift 2
	printf '%-32s %8s %8s %8s %10s %10s %9s\n' tool "wall s" "MB/s" "CPU s" "RSS send" "RSS recv" "ack s"
	for t in "$@"; do
		if ! ok "$tb_sec" "$t"; then
			printf '%-32s %s\n' "$(row_label "$tb_sec" "$t")" "no figures: a transfer failed or was not byte-exact"
			continue
		fi
		w=$(med "$tb_sec" "$t" 1) c=$(med "$tb_sec" "$t" 2)
		rs=$(med "$tb_sec" "$t" 3) rr=$(med "$tb_sec" "$t" 4) a=$(med "$tb_sec" "$t" 7)
		[ "$a" = - ] || a=$(printf %.3f "$a")
		printf '%-32s %8.3f %8.0f %8.3f %6d KiB %10s %9s\n' "$(row_label "$tb_sec" "$t")" "$w" \
			"$(echo "$tb_bytes $w" | awk '{ print $1 / $2 / 1e6 }')" "$c" "$rs" \
			"$([ "$rr" = 0 ] && echo - || echo "$rr KiB")" "$a"
	done
}

# Write a file of random data into the page cache (tmpfs).
make_src() {
	head -c "$2" /dev/urandom >"$1" && cat "$1" >/dev/null
}

# Is there a disk-backed directory with room for 3x bytes?  Sets D.
disk_ready() {
	[ -n "$D" ] || {
		[ -d "$disk_base" ] || { echo "skipped: $disk_base is not a directory"; return 1; }
		fstype=$(stat -f -c %T "$disk_base" 2>/dev/null)
		case $fstype in tmpfs | ramfs)
			echo "skipped: $disk_base is on $fstype, not a disk (set FX_BENCH_DISK_DIR)"; return 1 ;;
		esac
		D=$(mktemp -d "$disk_base/fxbench.XXXXXX") || return 1
	}
	free=$(df -Pk "$D" | awk 'NR == 2 { print $4 }')
	if [ $((free / 1024)) -lt $((3 * $1 / 1048576)) ]; then
		echo "skipped: $D has $((free / 1024)) MiB free, less than 3 x $(human "$1")"
		return 1
	fi
}
disk_name() {
	df -PT "$D" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }'
}

# ---- the sections ----

# on_loopback BYTES: the next runs go from tmpfs to tmpfs over loopback here,
# with a time limit for a file of BYTES.
on_loopback() {
	kind=mem host=127.0.0.1 ns_s="" ns_c=""
	lim=$((60 + $1 / 20000000))
}

section_tmpfs() {
	echo
	echo "== tmpfs: $(human "$size") from tmpfs to tmpfs over loopback ($base), runs per tool: $runs, alternating"
	on_loopback "$size"
	make_src "$W/src" "$size"
	tools="cp fx fxp fxs"
	[ -n "$B2" ] && tools="$tools fx2"
	[ -n "$BU" ] && tools="$tools fxu"
	tools="$tools $have_nc $have_socat"
	run_section tmpfs "$W/src" "$W/dst" "$runs" $tools
	table tmpfs "$size" $tools
	echo
	# The hash alone, each implementation against coreutils, on the same file.
	"$B1/sha256speed" -n "$runs" -c sha256sum "$W/src" || failed="$failed sha256speed"
	rm -f "$W/src"

	fx_w=$(med tmpfs fx 1) fx_c=$(med tmpfs fx 2)
	say_ratio "tmpfs: fsend/frecv vs cp: wall $(ratio "$fx_w" "$(med tmpfs cp 1)")x"
	for t in $have_nc $have_socat; do
		say_ratio "tmpfs: fsend/frecv vs $(label $t): wall $(ratio "$fx_w" "$(med tmpfs $t 1)")x, CPU $(ratio "$fx_c" "$(med tmpfs $t 2)")x"
	done
	say_ratio "tmpfs: fsend/frecv --sha256 vs fsend/frecv: wall $(ratio "$(med tmpfs fxs 1)" "$fx_w")x, CPU $(ratio "$(med tmpfs fxs 2)" "$fx_c")x"
	say_ratio "tmpfs: fsend/frecv --progress vs fsend/frecv: wall $(ratio "$(med tmpfs fxp 1)" "$fx_w")x, CPU $(ratio "$(med tmpfs fxp 2)" "$fx_c")x"
	[ -n "$B2" ] &&
		say_ratio "tmpfs: $(label fx2) vs fsend/frecv: wall $(ratio "$(med tmpfs fx2 1)" "$fx_w")x, CPU $(ratio "$(med tmpfs fx2 2)" "$fx_c")x"
	[ -n "$BU" ] &&
		say_ratio "tmpfs: fsend/frecv (bounded writeback) vs (unbounded): wall $(ratio "$fx_w" "$(med tmpfs fxu 1)")x, CPU $(ratio "$fx_c" "$(med tmpfs fxu 2)")x"

	# Memory must not grow with the file: the same pair on 1 MiB.
	make_src "$W/small" 1048576
	lim=60
	run_section small "$W/small" "$W/dst" 1 fx
	rm -f "$W/small"
	say_rss small "1 MiB, tmpfs"
	say_rss tmpfs "$(human "$size"), tmpfs"
}

# say_rss SEC WHAT: fsend/frecv's peak RSS in that section.
say_rss() {
	ok "$1" fx && say_ratio "rss: fsend/frecv peak RSS send/recv, $2: $(med "$1" fx 3) / $(med "$1" fx 4) KiB"
}

section_disk() {
	echo
	echo "== disk: $(human "$disk_size") from tmpfs to a disk, durable (fsync or sync -f inside the timing), runs per tool: $runs, alternating"
	disk_ready "$disk_size" || return 0
	echo "target: $D ($(disk_name)); sync before each run, outside the timing"
	kind=disk host=127.0.0.1 ns_s="" ns_c=""
	lim=$((60 + disk_size / 20000000))
	make_src "$W/dsrc" "$disk_size"
	tools="cp fx"
	[ -n "$B2" ] && tools="$tools fx2"
	[ -n "$BU" ] && tools="$tools fxu"
	tools="$tools $have_nc $have_socat"
	run_section disk "$W/dsrc" "$D/dst" "$runs" $tools
	rm -f "$W/dsrc"
	table disk "$disk_size" $tools
	fx_w=$(med disk fx 1)
	say_ratio "disk: fsend/frecv vs cp + sync -f: wall $(ratio "$fx_w" "$(med disk cp 1)")x"
	for t in $have_nc $have_socat; do
		say_ratio "disk: fsend/frecv vs $(label $t) + sync -f: wall $(ratio "$fx_w" "$(med disk $t 1)")x, CPU $(ratio "$(med disk fx 2)" "$(med disk $t 2)")x"
	done
	[ -n "$B2" ] &&
		say_ratio "disk: $(label fx2) vs fsend/frecv: wall $(ratio "$(med disk fx2 1)" "$fx_w")x, CPU $(ratio "$(med disk fx2 2)" "$(med disk fx 2)")x"
	[ -n "$BU" ] &&
		say_ratio "disk: fsend/frecv (bounded writeback) vs (unbounded): wall $(ratio "$fx_w" "$(med disk fxu 1)")x, last byte to acknowledgement $(med3 disk fx 7) s vs $(med3 disk fxu 7) s"
	say_rss disk "$(human "$disk_size"), disk"
}

# Two namespaces, a veth pair, 1 Gbit/s on the sender's side.
link_setup() {
	NS_S=fxbench-s$$ NS_R=fxbench-r$$
	ip netns add "$NS_S" || { NS_S=""; return 1; }
	ip netns add "$NS_R" || { NS_R=""; return 1; }
	ip link add "fxs$$" netns "$NS_S" type veth peer name "fxr$$" netns "$NS_R" &&
	ip -n "$NS_S" addr add 198.18.0.1/30 dev "fxs$$" &&
	ip -n "$NS_R" addr add 198.18.0.2/30 dev "fxr$$" &&
	ip -n "$NS_S" link set lo up && ip -n "$NS_R" link set lo up &&
	ip -n "$NS_S" link set "fxs$$" up && ip -n "$NS_R" link set "fxr$$" up &&
	ip netns exec "$NS_S" tc qdisc add dev "fxs$$" root tbf rate 1gbit burst 256kb latency 20ms
}

# The link, or a line saying why the section is skipped (and 1).
link_ready() {
	if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (network namespaces)"; return 1; fi
	for c in ip tc; do
		command -v $c >/dev/null || { echo "skipped: needs $c (apt-get install iproute2)"; return 1; }
	done
	if ! link_setup 2>"$W/link.err"; then
		echo "skipped: the namespaces could not be set up: $(head -1 "$W/link.err")"
		return 1
	fi
}

link_down() {
	ip -n "$NS_S" link set "fxs$$" down
	ip -n "$NS_R" link set "fxr$$" down
}
link_up() {
	ip -n "$NS_S" link set "fxs$$" up
	ip -n "$NS_R" link set "fxr$$" up
}

link_teardown() {
	ip netns del "$NS_S"; NS_S=""
	ip netns del "$NS_R"; NS_R=""
}

# Say the link, and set payload to its payload rate in MB/s: tbf charges
# each segment as the frame it is on the veth, Ethernet header included (no
# preamble, FCS or gap: that is the wire's, not the shaper's), so payload =
# rate * MSS / (MSS + TCP + IP + 14).
link_payload() {
	mtu=$(ip -n "$NS_S" -o link show "fxs$$" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
	ts=$(ip netns exec "$NS_S" cat /proc/sys/net/ipv4/tcp_timestamps 2>/dev/null || echo 1)
	[ "$ts" = 0 ] && opt=0 || opt=12
	mss=$((mtu - 40 - opt))
	payload=$(awk -v m="$mss" -v o="$opt" 'BEGIN { printf "%.2f", 1e9 / 8 * m / (m + 20 + o + 20 + 14) / 1e6 }')
	echo "link: veth $NS_S 198.18.0.1/30 -> $NS_R 198.18.0.2/30, tbf rate 1gbit burst 256kb latency 20ms on the sender's side"
	echo "payload rate: 1e9/8 * MSS / (MSS + $((20 + opt)) TCP + 20 IP + 14 Ethernet), MSS $mss (MTU $mtu$([ $opt = 12 ] && echo ", timestamps")) = $payload MB/s"
}

section_link() {
	echo
	echo "== link: $(human "$link_size") from tmpfs to tmpfs between two network namespaces, 1 Gbit/s (tc tbf), runs per tool: $runs, alternating"
	link_ready || return 0
	link_payload
	kind=mem host=198.18.0.1 ns_s="ip netns exec $NS_S" ns_c="ip netns exec $NS_R"
	lim=$((60 + link_size / 10000000))
	make_src "$W/lsrc" "$link_size"
	tools="fx fxs${B2:+ fx2} $have_nc $have_socat"
	run_section link "$W/lsrc" "$W/ldst" "$runs" $tools
	rm -f "$W/lsrc"
	ns_s="" ns_c=""
	link_teardown

	gib=$(awk -v b="$link_size" 'BEGIN { print b / 1073741824 }')
	printf '%-32s %8s %8s %8s %11s %11s %10s %10s\n' tool "wall s" "MB/s" "of link" "send CPU" "recv CPU" "RSS send" "RSS recv"
	printf '%-32s %8s %8s %8s %11s %11s\n' "" "" "" "payload" "s/GiB" "s/GiB"
	for t in $tools; do
		if ! ok link "$t"; then
			printf '%-32s %s\n' "$(label "$t")" "no figures: a transfer failed or was not byte-exact"
			continue
		fi
		w=$(med link "$t" 1)
		printf '%-32s %8.3f %8.1f %7.1f%% %11.3f %11.3f %6d KiB %6d KiB\n' "$(label "$t")" "$w" \
			"$(awk -v b="$link_size" -v w="$w" 'BEGIN { print b / w / 1e6 }')" \
			"$(awk -v b="$link_size" -v w="$w" -v p="$payload" 'BEGIN { print 100 * b / w / 1e6 / p }')" \
			"$(awk -v c="$(med link "$t" 5)" -v g="$gib" 'BEGIN { print c / g }')" \
			"$(awk -v c="$(med link "$t" 6)" -v g="$gib" 'BEGIN { print c / g }')" \
			"$(med link "$t" 3)" "$(med link "$t" 4)"
	done
	[ -n "$B2" ] && ok link fx2 &&
		say_ratio "link: $(label fx2) vs fsend/frecv: CPU per GiB send $(ratio "$(med link fx2 5)" "$(med link fx 5)")x, recv $(ratio "$(med link fx2 6)" "$(med link fx 6)")x; wall $(ratio "$(med link fx2 1)" "$(med link fx 1)")x"
	ok link fxs && say_ratio "link: fsend/frecv --sha256 vs fsend/frecv: wall $(ratio "$(med link fxs 1)" "$(med link fx 1)")x, CPU per GiB send $(ratio "$(med link fxs 5)" "$(med link fx 5)")x, recv $(ratio "$(med link fxs 6)" "$(med link fx 6)")x"
	ok link fx && say_ratio "link: fsend/frecv throughput: $(awk -v b="$link_size" -v w="$(med link fx 1)" -v p="$payload" 'BEGIN { printf "%.1f", 100 * b / w / 1e6 / p }')% of the link's payload rate, $payload MB/s"
	for t in $have_nc $have_socat; do
		say_ratio "link: fsend/frecv vs $(label $t): CPU per GiB send $(ratio "$(med link fx 5)" "$(med link $t 5)")x, recv $(ratio "$(med link fx 6)" "$(med link $t 6)")x, both $(ratio "$(med link fx 2)" "$(med link $t 2)")x; wall $(ratio "$(med link fx 1)" "$(med link $t 1)")x"
	done
	say_rss link "$(human "$link_size"), link"
}

section_ack() {
	echo
	echo "== ack: last byte to acknowledgement, $(human "$ack_size") from tmpfs to a disk, runs per build: $ack_runs, alternating"
	disk_ready "$ack_size" || return 0
	echo "target: $D ($(disk_name)); sync before each run, outside the timing"
	echo "builds: $B1 (FX_WRITEBACK_BOUND $(writeback "$B1"))${BU:+, $BU (FX_WRITEBACK_BOUND $(writeback "$BU"))}"
	kind=disk host=127.0.0.1 ns_s="" ns_c=""
	lim=$((60 + ack_size / 20000000))
	# Does this fsend -v report the time from the last byte to the acknowledgement?
	make_src "$W/asrc" 65536
	run_section probe "$W/asrc" "$D/adst" 1 fx
	if [ "$(med probe fx 7)" = - ]; then
		echo "skipped: $B1/fsend -v does not report the time from the last byte to the acknowledgement"
		rm -f "$W/asrc"
		return 0
	fi
	[ -n "$BU" ] || echo "unbounded: skipped (set FX_BENCH_UNBOUNDED to a build configured with -DFX_WRITEBACK_BOUND=OFF)"
	make_src "$W/asrc" "$ack_size"
	run_section ack "$W/asrc" "$D/adst" "$ack_runs" fx ${BU:+fxu}
	rm -f "$W/asrc"
	printf '%-32s %9s %14s %8s %8s %10s\n' build "ack s" "ack min..max" "wall s" "MB/s" "RSS recv"
	for t in fx ${BU:+fxu}; do
		l=$(label $t)
		[ $t = fx ] && [ "$(writeback "$B1")" = on ] && l="fsend/frecv (bounded)"
		if ! ok ack "$t"; then
			printf '%-32s %s\n' "$l" "no figures: a transfer failed or was not byte-exact"
			continue
		fi
		w=$(med ack "$t" 1)
		printf '%-32s %9.3f %14s %8.3f %8.0f %6d KiB\n' "$l" "$(med ack "$t" 7)" "$(range ack "$t" 7)" \
			"$w" "$(awk -v b="$ack_size" -v w="$w" 'BEGIN { print b / w / 1e6 }')" "$(med ack "$t" 4)"
	done
	say_ratio "ack: last byte to acknowledgement, $(human "$ack_size") to disk: bounded $(med3 ack fx 7) s${BU:+, unbounded $(med3 ack fxu 7) s}"
	say_rss ack "$(human "$ack_size"), disk"
}

section_resume() {
	echo
	echo "== resume: $(human "$resume_size") from tmpfs to tmpfs over loopback ($base), fsend --resume/frecv --resume, runs per row: $runs, alternating"
	on_loopback "$resume_size"
	part_at=$((resume_size / 2))
	# A cut at byte N leaves frecv --resume with receive.dat.part holding the
	# file's first N bytes and nothing else: head -c N makes that same file,
	# without a transfer to cut.  It is made before each run, outside the
	# timing; the full row starts with no .part.
	echo "full: no receive.dat.part; resumed at half: receive.dat.part made before each run (outside the timing) as the first $(human "$part_at") (head -c), what frecv keeps after a cut at that byte"
	make_src "$W/rsrc" "$resume_size"
	run_section resume "$W/rsrc" "$W/receive.dat" "$runs" fxr fxh
	rm -f "$W/rsrc"
	printf '%-32s %12s %8s %8s %8s %12s %12s\n' "fsend/frecv --resume" kept "wall s" "MB/s" "CPU s" "hash send s" "hash recv s"
	for t in fxr fxh; do
		if ! ok resume "$t"; then
			printf '%-32s %s\n' "$(label "$t")" "no figures: a transfer failed, was not byte-exact or did not resume"
			continue
		fi
		w=$(med resume "$t" 1)
		printf '%-32s %12s %8.3f %8.0f %8.3f %12.3f %12.3f\n' "$(label "$t")" \
			"$([ $t = fxh ] && human "$part_at" || echo 0)" "$w" \
			"$(echo "$resume_size $w" | awk '{ print $1 / $2 / 1e6 }')" "$(med resume "$t" 2)" \
			"$(med resume "$t" 8)" "$(med resume "$t" 9)"
	done
	# Resumed at half, the pair moves half the bytes, after frecv hashed the
	# kept half and then fsend the same half of its file, one after the other.
	f=$(med3 resume fxr 1) hs=$(med3 resume fxh 8) hr=$(med3 resume fxh 9)
	expect=$(case "$f $hs $hr" in *-*) echo - ;; *) awk -v f="$f" -v s="$hs" -v r="$hr" 'BEGIN {
		printf "%.2f", 0.5 + (s + r) / f }' ;; esac)
	say_ratio "resume: resumed at half vs full: wall $(ratio "$(med resume fxh 1)" "$f")x (expected about 0.5 + (prefix hash send $hs s + recv $hr s) / full $f s = ${expect}x)"
	say_ratio "resume: prefix hash of $(human "$part_at"), resumed at half: send $hs s, recv $hr s ($(rate "$part_at" "$hs") / $(rate "$part_at" "$hr") MB/s)"
}

section_verify() {
	echo
	echo "== verify: $(human "$size") from tmpfs to tmpfs over loopback ($base), --sha256 on both sides, runs per row: $runs, alternating"
	on_loopback "$size"
	make_src "$W/vsrc" "$size"
	# --key does the hashing --sha256 does, and a few HMACs more.
	(umask 077 && "$B1/fsend" --keygen >"$W/key") || failed="$failed verify.fxk"
	run_section verify "$W/vsrc" "$W/vdst" "$runs" fx fxs fxt fxi fxk
	table verify "$size" fx fxs fxt fxi fxk
	echo
	rm -f "$W/vsrc"
	# The hash alone, over memory and in CPU time, as openssl speed measures
	# (its user time): the library's fastest implementation here.
	lib=$("$B1/sha256speed" -u -n "$runs" -m 256 2>&1) || failed="$failed sha256speed"
	echo "$lib"
	lib_rate=$(printf '%s\n' "$lib" | grep -o '[a-z-]* [0-9]* (' | awk '{ print $2 }' | sort -n | tail -1)
	ossl_rate=-
	if command -v openssl >/dev/null; then
		# Its 16 KiB column: kB (1000 bytes) per second, over 3 s of CPU time.
		ossl_rate=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null |
			awk '$1 == "sha256" { v = $2; sub(/k$/, "", v); printf "%.0f", v / 1000 }')
		echo "openssl speed -evp sha256 -bytes 16384 -seconds 3: ${ossl_rate:--} MB/s"
	else
		echo "openssl: not installed (apt-get install openssl): no OpenSSL figure"
	fi
	[ -n "$ossl_rate" ] || ossl_rate=-
	pass=$(case $ossl_rate in -) echo - ;; *) awk -v b="$size" -v r="$ossl_rate" 'BEGIN { printf "%.3f", b / r / 1e6 }' ;; esac)
	say_ratio "verify: library SHA-256 vs OpenSSL's, one core, CPU time: ${lib_rate:--} vs $ossl_rate MB/s = $(ratio "${lib_rate:--}" "$ossl_rate")x"
	for t in fxs fxt fxi; do
		say_ratio "verify: $(label $t) vs one OpenSSL pass over the file ($pass s): wall $(ratio "$(med verify $t 1)" "$pass")x$([ $t = fxs ] && echo "")"
	done
	say_ratio "verify: --key vs --sha256: wall $(ratio "$(med verify fxk 1)" "$(med verify fxs 1)")x, CPU $(ratio "$(med verify fxk 2)" "$(med verify fxs 2)")x; --key vs plain: wall $(ratio "$(med verify fxk 1)" "$(med verify fx 1)")x"
	say_ratio "verify: --sha256 vs plain: wall $(ratio "$(med verify fxs 1)" "$(med verify fx 1)")x, CPU $(ratio "$(med verify fxs 2)" "$(med verify fx 2)")x; hash in a thread vs in turns: wall $(ratio "$(med verify fxt 1)" "$(med verify fxi 1)")x, CPU $(ratio "$(med verify fxt 2)" "$(med verify fxi 2)")x"
	ok verify fxt && ok verify fx && say_ratio "rss: fsend/frecv peak RSS send/recv, $(human "$size") verified, hash in a thread: $(med verify fxt 3) / $(med verify fxt 4) KiB (plain: $(med verify fx 3) / $(med verify fx 4) KiB)"
}

# ns_fsend ARGS...: fsend in the sending namespace, bound to 198.18.0.1, in
# the background (fpid), its stderr in $W/fsend.err; fport is its port.
ns_fsend() {
	: >"$W/fsend.err"
	timeout -k 5 "$lim" ip netns exec "$NS_S" "$B1/fsend" "$@" >/dev/null 2>"$W/fsend.err" &
	fpid=$!
	fport=""
	n=0
	while [ -z "$fport" ] && [ $n -lt 200 ]; do
		fport=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$W/fsend.err")
		n=$((n + 1))
		[ -n "$fport" ] || sleep 0.05
	done
}

# One flaky run: flaky_run CASE: clean, outage (the link down 3 s every 10 s,
# from a second in) or relay (through peer flaky in the receiving namespace,
# cutting every connection after 32 MiB).  Prints its row.
flaky_run() {
	rm -rf "$W/fr" && mkdir "$W/fr"
	ns_fsend --resume -t 10 -b 198.18.0.1 0 "$W/fsrc"
	host=198.18.0.1 port=$fport rpid="" opid=""
	if [ "$1" = relay ]; then
		ip netns exec "$NS_R" "$B1/tests/peer" flaky 198.18.0.1 "$fport" reset 33554432 1000000 \
			2>"$W/relay.err" &
		rpid=$!
		port=""
		n=0
		until [ -n "$port" ] || [ $n -ge 200 ]; do
			port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$W/relay.err")
			n=$((n + 1))
			[ -n "$port" ] || sleep 0.05
		done
		host=127.0.0.1
	fi
	if [ "$1" = outage ]; then
		(sleep 1; while :; do link_down; sleep 3; link_up; sleep 7; done) &
		opid=$!
	fi
	t0=$(now)
	timeout -k 5 "$lim" ip netns exec "$NS_R" sh -c 'cd "$1" && shift && exec "$@"' sh "$W/fr" \
		"$B1/frecv" --resume --retry 60 -t 2 "$host" "$port" >/dev/null 2>"$W/frecv.err"
	crc=$?
	t1=$(now)
	wait "$fpid"
	src=$?
	[ -z "$opid" ] || { kill "$opid"; wait "$opid" 2>/dev/null; link_up; }
	[ -z "$rpid" ] || { kill "$rpid"; wait "$rpid" 2>/dev/null; }
	again=$(grep -c '; again in ' "$W/frecv.err")
	exact=no
	cmp -s "$W/fsrc" "$W/fr/receive.dat" && [ ! -e "$W/fr/receive.dat.part" ] && exact=yes
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	echo "$1 $wall $again $src $crc $exact" >>"$W/flaky"
	printf '%-44s %8.3f %14s %9s %6s\n' "$(flaky_label "$1")" "$wall" "$again" "$src/$crc" "$exact"
	[ "$src/$crc/$exact" = 0/0/yes ] || failed="$failed flaky.$1"
}

flaky_label() {
	case $1 in
	clean) echo "clean" ;;
	outage) echo "link down 3 s every 10 s" ;;
	relay) echo "every connection cut after 32 MiB (reset)" ;;
	esac
}

section_flaky() {
	echo
	echo "== flaky: $(human "$flaky_size") over the 1 Gbit/s link, fsend --resume -t 10 / frecv --resume --retry 60 -t 2, tmpfs to tmpfs"
	link_ready || return 0
	[ -x "$B1/tests/peer" ] || { echo "skipped: $B1/tests/peer (the tests' peer) is not built"; link_teardown; return 0; }
	link_payload
	lim=$((120 + flaky_size / 10000000))
	make_src "$W/fsrc" "$flaky_size"
	: >"$W/flaky"
	printf '%-44s %8s %14s %9s %6s\n' case "wall s" reconnections "statuses" exact
	for c in clean outage relay; do
		flaky_run "$c"
	done
	rm -rf "$W/fsrc" "$W/fr"
	link_teardown
	clean=$(awk '$1 == "clean" { print $2 }' "$W/flaky")
	for c in outage relay; do
		say_ratio "flaky: $(flaky_label $c) vs clean: wall $(ratio "$(awk -v c=$c '$1 == c { print $2 }' "$W/flaky")" "$clean")x, $(awk -v c=$c '$1 == c { print $3 }' "$W/flaky") reconnections, statuses $(awk -v c=$c '$1 == c { print $4 "/" $5 }' "$W/flaky")"
	done
}

# fanout_run N: one fsend -k -j N, N receivers at once, each to its own
# directory.  Prints its row: the aggregate rate against the link's payload
# rate, and the slowest receiver's share (its rate against N-th of the
# link's payload rate).
fanout_run() {
	rm -rf "$W/fo" && mkdir "$W/fo"
	ns_fsend -k -j "$1" -b 198.18.0.1 0 "$W/osrc"
	t0=$(now)
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		mkdir "$W/fo/$i"
		(s=$(now)
		 timeout -k 5 "$lim" ip netns exec "$NS_R" sh -c 'cd "$1" && shift && exec "$@"' sh \
			"$W/fo/$i" "$B1/frecv" 198.18.0.1 "$fport" >/dev/null 2>"$W/fo/$i.err"
		 echo "$? $s $(now)" >"$W/fo/$i.t") &
	done
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		until [ -s "$W/fo/$i.t" ]; do sleep 0.05; done
	done
	t1=$(now)
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	bad=0
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		read -r rc s e <"$W/fo/$i.t"
		[ "$rc" = 0 ] && cmp -s "$W/osrc" "$W/fo/$i/receive.dat" || bad=$((bad + 1))
		echo "$s $e"
		rm -rf "$W/fo/$i"
	done >"$W/fo/times"
	agg=$(awk -v n="$1" -v b="$fanout_size" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f", n * b / (z - a) / 1e6 }')
	slow=$(awk -v b="$fanout_size" '{ r = b / ($2 - $1) / 1e6; if (NR == 1 || r < m) m = r } END { printf "%.1f", m }' "$W/fo/times")
	share=$(awk -v s="$slow" -v p="$payload" -v n="$1" 'BEGIN { printf "%.2f", s / (p / n) }')
	of=$(awk -v a="$agg" -v p="$payload" 'BEGIN { printf "%.1f", 100 * a / p }')
	printf '%10s %10s %12s %10s %14s %14s %8s\n' "$1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
		"$agg" "$of%" "$slow" "$share" "$bad"
	say_ratio "fan-out: $1 receivers: aggregate $agg MB/s = $of% of the link's payload rate; slowest receiver $slow MB/s, $share of its fair share of the link; $bad failed or not exact"
	[ "$bad" = 0 ] || failed="$failed fanout.$1"
}

section_fanout() {
	echo
	echo "== fan-out: one fsend -k, receivers at once over the 1 Gbit/s link, $(human "$fanout_size") each, tmpfs to tmpfs"
	link_ready || return 0
	link_payload
	lim=$((120 + 32 * fanout_size / 10000000))
	make_src "$W/osrc" "$fanout_size"
	printf '%10s %10s %12s %10s %14s %14s %8s\n' receivers "wall s" "total MB/s" "of link" "slowest MB/s" "slowest share" failed
	for n in 1 8 32; do
		fanout_run "$n"
	done
	rm -rf "$W/osrc" "$W/fo"
	link_teardown
}

# ---- the run ----

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
echo "machine: $(uname -sr), $(nproc) cores${cpu:+, $cpu}${mem:+, $mem memory}"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "fsend/frecv: $B1 (writeback bound: $(writeback "$B1"))${B2:+; second build $B2}${BU:+; unbounded $BU (writeback bound: $(writeback "$BU"))}"
echo "peers: ${have_nc:-no OpenBSD nc} ${have_socat:-no socat}; every copy checked with cmp; medians"

for s in $sections; do
	case $s in
	tmpfs | disk | link | ack | resume | verify | flaky) "section_$s" ;;
	fan-out) section_fanout ;;
	*) echo "bench: unknown section $s (tmpfs, disk, link, ack, resume, verify, flaky, fan-out)" >&2; failed="$failed $s" ;;
	esac
done

echo
echo "== ratios (medians of this run)"
[ -s "$W/ratios" ] && cat "$W/ratios"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
[ -z "$failed" ] || { echo "bench: failed:$failed" >&2; exit 1; }
