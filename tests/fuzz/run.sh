#!/bin/sh
# Run every fuzz target for SECONDS each, starting from its seed corpus in
# tests/fuzz/corpus (new inputs go to a scratch copy, not the repository).
# Exits non-zero on the first finding; prints each target's executions and
# coverage.  usage: sh tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -eu
build=$1
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in ack hex number net resume_request resume_reply key_field key_reply key_ack key_text; do
	mkdir "$scratch/$target"
	echo "== fuzz_$target, $secs s"
	# -error_exitcode: a crash, a sanitizer report or a failed property.
	"$build/tests/fuzz/fuzz_$target" -max_total_time="$secs" -print_final_stats=1 \
		-error_exitcode=1 -artifact_prefix="$scratch/" "$scratch/$target" "$here/corpus/$target" \
		>"$scratch/log" 2>&1 || {
		tail -n 40 "$scratch/log" >&2
		for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-*; do
			[ -e "$a" ] && { echo "input:" >&2; od -c "$a" | head -n 20 >&2; }
		done
		echo "fuzz_$target: finding (above)" >&2
		exit 1
	}
	grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$scratch/log" || true
done
echo "every fuzz target ran $secs s without a finding"
