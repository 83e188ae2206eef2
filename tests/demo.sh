#!/bin/sh
# A real transfer on loopback, as the README's first command runs it:
# fsend serves a 64 MiB random file on a free port, frecv fetches it.
# usage: sh tests/demo.sh [BUILD_DIR]
set -eu
build=${1:-build/default}
case $build in /*) ;; *) build=$PWD/$build ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/fxdemo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
head -c 67108864 /dev/urandom >"$dir/photo.jpg"
mkfifo "$dir/err"
"$build/fsend" 0 "$dir/photo.jpg" 2>"$dir/err" &
exec 3<"$dir/err"
IFS= read -r line <&3            # "fsend: listening on [::]:PORT"
echo "$line"
port=${line##*:}
(cd "$dir" && "$build/frecv" localhost "$port")
wait $!
cmp "$dir/photo.jpg" "$dir/receive.dat"
echo "demo: 64 MiB arrived byte for byte in $dir/receive.dat (removed on exit)"
