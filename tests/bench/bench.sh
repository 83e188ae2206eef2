#!/bin/sh
# Benchmark: fsend/frecv against OpenBSD nc and socat on loopback, side by
# side in one run.  Runs the tools alternately, checks every output byte for
# byte (a transfer that is not exact gets no figures), and prints medians of
# wall time, throughput, CPU time (both processes) and peak RSS (each process),
# with ratios against each peer; then the library's SHA-256 speed against
# sha256sum on the same page-cached file.
#
# usage: sh tests/bench/bench.sh BUILD_DIR [SECOND_BUILD_DIR]
#   the second build (e.g. the portable preset) is measured as another row.
# environment: FX_BENCH_SIZE  bytes, or with K/M/G (default 1G)
#              FX_BENCH_DIR   where the files go (default /dev/shm, else $TMPDIR)
#              FX_BENCH_RUNS  runs per tool (default 5)
#              FX_BENCH_CHUNK fsend/frecv -c value (default: theirs)
set -u
[ $# -ge 1 ] || { echo "usage: bench.sh BUILD_DIR [SECOND_BUILD_DIR]" >&2; exit 64; }
TIME=/usr/bin/time
[ -x "$TIME" ] && "$TIME" -f %M true >/dev/null 2>&1 ||
	{ echo "bench: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 69; }

size=${FX_BENCH_SIZE:-1G}
case $size in
*G) size=$((${size%G} * 1073741824)) ;;
*M) size=$((${size%M} * 1048576)) ;;
*K) size=$((${size%K} * 1024)) ;;
esac
runs=${FX_BENCH_RUNS:-5}
base=${FX_BENCH_DIR:-}
[ -n "$base" ] || { [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm; } || base=${TMPDIR:-/tmp}
chunk=${FX_BENCH_CHUNK:+-c $FX_BENCH_CHUNK}
W=$(mktemp -d "$base/fxbench.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
B1=$(abs "$1")
B2=${2:+$(abs "$2")}

# Tools to compare: a name, then how to start its server and client.
tools="fx fxp"
[ -n "$B2" ] && tools="$tools fx2"
command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD && tools="$tools nc"
command -v socat >/dev/null && tools="$tools socat"

label() {
	case $1 in
	fx) echo "fsend/frecv" ;;
	fxp) echo "fsend/frecv --progress" ;;
	fx2) echo "fsend/frecv ($(basename "$B2"))" ;;
	nc) echo "nc (OpenBSD)" ;;
	socat) echo "socat -u" ;;
	esac
}

TF='%U %S %M'

# start_server TOOL SRC: in the background, stderr into the fifo.
start_server() {
	case $1 in
	fx) $TIME -o "$W/srv.t" -f "$TF" "$B1/fsend" $chunk -b 127.0.0.1 0 "$2" </dev/null ;;
	fxp) $TIME -o "$W/srv.t" -f "$TF" "$B1/fsend" --progress $chunk -b 127.0.0.1 0 "$2" </dev/null ;;
	fx2) $TIME -o "$W/srv.t" -f "$TF" "$B2/fsend" $chunk -b 127.0.0.1 0 "$2" </dev/null ;;
	nc) $TIME -o "$W/srv.t" -f "$TF" nc -l -N -v 127.0.0.1 0 <"$2" ;;
	socat) $TIME -o "$W/srv.t" -f "$TF" socat -d -d -u "OPEN:$2" TCP-LISTEN:0,bind=127.0.0.1 </dev/null ;;
	esac >"$W/srv.out" 2>"$W/fifo" &
	spid=$!
}

# run_client TOOL PORT DST
run_client() {
	case $1 in
	fx) $TIME -o "$W/cli.t" -f "$TF" "$B1/frecv" $chunk -o "$3" 127.0.0.1 "$2" >/dev/null ;;
	fxp) $TIME -o "$W/cli.t" -f "$TF" "$B1/frecv" --progress $chunk -o "$3" 127.0.0.1 "$2" >/dev/null ;;
	fx2) $TIME -o "$W/cli.t" -f "$TF" "$B2/frecv" $chunk -o "$3" 127.0.0.1 "$2" >/dev/null ;;
	nc) $TIME -o "$W/cli.t" -f "$TF" nc -d 127.0.0.1 "$2" >"$3" ;;
	socat) $TIME -o "$W/cli.t" -f "$TF" socat -u "TCP:127.0.0.1:$2" "CREATE:$3" >/dev/null ;;
	esac </dev/null 2>"$W/cli.err"
}

now() { date +%s.%N; }

# run TOOL SRC DST: one transfer; appends "wall cpu rss_server rss_client" to
# $W/TOOL.data, or returns 1 if anything failed or the copy is not exact.
run() {
	rm -f "$3" "$W/fifo"
	mkfifo "$W/fifo"
	t0=$(now)
	start_server "$1" "$2"
	exec 3<"$W/fifo"
	port=""
	while IFS= read -r line <&3; do
		case $line in *[Ll]istening*) port=$(printf '%s\n' "$line" | sed 's/.*[^0-9]//'); break ;; esac
	done
	cat <&3 >/dev/null &
	exec 3<&-
	[ -n "$port" ] || { wait $spid; echo "bench: $1 did not listen" >&2; return 1; }
	run_client "$1" "$port" "$3"
	crc=$?
	wait $spid
	src=$?
	t1=$(now)
	wait
	if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
		echo "bench: $(label "$1"): exit statuses $src/$crc" >&2
		return 1
	fi
	cmp -s "$2" "$3" || { echo "bench: $(label "$1"): output differs" >&2; return 1; }
	read -r su ss sm <"$W/srv.t"
	read -r cu cs cm <"$W/cli.t"
	echo "$t0 $t1 $su $ss $cu $cs $sm $cm" |
		awk '{ printf "%.4f %.4f %d %d\n", $2 - $1, $3 + $4 + $5 + $6, $7, $8 }' >>"$W/$1.data"
}

median() { # FILE COLUMN
	sort -n -k "$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

head -c "$size" /dev/urandom >"$W/src"
cat "$W/src" >/dev/null # page-cached, as the goals say
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
echo "machine: $(uname -sr), $(nproc) cores${cpu:+, $cpu}"
echo "file: $size bytes of random data in $base, loopback, $runs runs per tool, alternating"

failed=""
for i in $(seq "$runs"); do
	for t in $tools; do
		run "$t" "$W/src" "$W/dst" || failed="$failed $t"
	done
done

printf '\n%-28s %8s %8s %8s %10s %10s\n' tool "wall s" "MB/s" "CPU s" "RSS send" "RSS recv"
for t in $tools; do
	case " $failed " in *" $t "*)
		printf '%-28s %s\n' "$(label $t)" "no figures: a transfer failed or was not byte-exact"
		continue ;;
	esac
	w=$(median "$W/$t.data" 1); c=$(median "$W/$t.data" 2)
	rs=$(median "$W/$t.data" 3); rr=$(median "$W/$t.data" 4)
	echo "$t $w $c" >>"$W/medians"
	printf '%-28s %8.3f %8.0f %8.3f %7d KiB %7d KiB\n' "$(label $t)" "$w" \
		"$(echo "$size $w" | awk '{ print $1 / $2 / 1e6 }')" "$c" "$rs" "$rr"
done

echo
for t in $tools; do
	[ "$t" = fx ] && continue
	grep -q "^$t " "$W/medians" 2>/dev/null && grep -q "^fx " "$W/medians" || continue
	awk -v t="$t" -v l="$(label $t)" '$1 == "fx" { w = $2; c = $3 } $1 == t { pw = $2; pc = $3 }
		END { printf "fsend/frecv vs %s: wall %.2fx, CPU %.2fx\n", l, w / pw, c / pc }' "$W/medians"
done

# The hash alone, each implementation against coreutils, on the same file.
"$B1/sha256speed" -n "$runs" -c sha256sum "$W/src" || failed="$failed sha256speed"

# Memory must not grow with the file: the same pair on 1 MiB.
if ! case " $failed " in *" fx "*) true ;; *) false ;; esac; then
	head -c 1048576 /dev/urandom >"$W/small"
	rm -f "$W/fx.data"
	run fx "$W/small" "$W/dst" &&
		awk -v s="$size" '{ printf "fsend/frecv peak RSS, 1 MiB file: %d / %d KiB (send/recv)\n", $3, $4 }' "$W/fx.data"
fi
[ -z "$failed" ]
