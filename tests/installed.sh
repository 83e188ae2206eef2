#!/bin/sh
# Tests of the installed tree as its users meet it: the bash completion, and
# the library built into another program through pkg-config and through
# find_package.  Each function is one CTest test, run as "installed.sh NAME";
# exit 77 means skipped.  The tree is FX_BUILD_DIR installed into a scratch
# prefix or, when FX_PREFIX is set, what is already installed there (CI sets
# /usr after installing the Debian package).
. "$(dirname "$0")/install_lib.sh"

# ---- bash completion -------------------------------------------------------

completion_completes_long_option_prefixes() {
	need_bash
	install_tree
	for p in fsend frecv; do
		complete_line $p --pro && expect_reply --progress
		complete_line $p --ver && expect_reply --verbose --version
		complete_line $p -v --ti && expect_reply --timeout
	done
	complete_line fsend --keep && expect_reply --keep-open
	complete_line frecv --no && expect_reply --no-clobber
	complete_line frecv --max && expect_reply --max-size
	# --max-size takes a SIZE, though frecv --help does not list it yet.
	complete_line frecv --max-size - && expect_reply
	# The short options are offered too, and an unknown prefix gets nothing.
	complete_line fsend - && offers -k && offers -b || fail "fsend - offers no short options"
	complete_line frecv --bogus && expect_reply
}

completion_offers_files_for_output_and_file_operand() {
	need_bash
	install_tree
	mkdir -p "$T/cwd/sub"
	: >"$T/cwd/photo.jpg"
	: >"$T/cwd/notes.txt"
	complete_line frecv -o '' && expect_reply notes.txt photo.jpg sub
	complete_line frecv -v --output ph && expect_reply photo.jpg
	complete_line frecv --output = no && expect_reply notes.txt # bash splits at '='
	complete_line frecv -no '' && expect_reply notes.txt photo.jpg sub
	complete_line fsend 9000 '' && expect_reply notes.txt photo.jpg sub
	complete_line fsend -k -c 64K 0 ph && expect_reply photo.jpg
	# The port and the numbers are the user's to type: no file names there.
	complete_line fsend '' && expect_reply
	complete_line fsend -c '' && expect_reply
	complete_line frecv -t '' && expect_reply
}

completion_offers_known_hosts_for_frecv_host() {
	need_bash
	install_tree
	# bash takes known host names from the file HOSTFILE names.
	printf '192.0.2.7 fxtest-alpha fxtest-beta\n' >"$T/hosts"
	export HOSTFILE="$T/hosts"
	complete_line frecv fxtest-a && expect_reply fxtest-alpha
	complete_line frecv -v --retry 5 fxtest- && expect_reply fxtest-alpha fxtest-beta
	complete_line fsend --bind fxtest-b && expect_reply fxtest-beta
	complete_line frecv fxtest-alpha '' && expect_reply # the port
}


completion_knows_every_option_of_help() {
	need_bash
	install_tree
	for p in fsend frecv; do
		# Every long option the help mentions anywhere is offered.
		complete_line $p --
		for opt in $("$P/bin/$p" --help | grep -oE -- '--[a-z0-9][a-z0-9-]+' | sort -u); do
			offers "$opt" || fail "$p: completion lacks $opt, which $p --help lists"
		done
		# Each listed option, short and long: offered, and it takes an
		# argument exactly when the help says so (after one that does,
		# "-" is the start of its argument, not another option).
		help_options $p >"$T/options"
		[ "$(wc -l <"$T/options")" -ge 8 ] || fail "$p --help: options not found: $(cat "$T/options")"
		while IFS=: read -r short long arg; do
			for opt in ${short:+-$short} --$long; do
				complete_line $p "$opt"
				offers "$opt" || fail "$p: completion lacks $opt"
				complete_line $p "$opt" -
				if [ -n "$arg" ]; then
					! offers --help || fail "$p: completion takes $opt $arg for an option without argument"
				else
					offers --help || fail "$p: completion takes $opt for an option with an argument"
				fi
			done
		done <"$T/options"
	done
}

completion_is_loaded_by_bash_completion() {
	need_bash
	# Where Debian's bash-completion package keeps its script.
	FX_BASH_COMPLETION=${FX_BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
	[ -f "$FX_BASH_COMPLETION" ] || skip "bash-completion is not installed"
	export FX_BASH_COMPLETION
	install_tree
	mkdir -p "$T/cwd"
	: >"$T/cwd/photo.jpg"
	# bash-completion looks in DIR/bash-completion/completions for each DIR
	# of XDG_DATA_DIRS, for a file named after the command.
	for p in fsend frecv; do
		(cd "$T/cwd" && XDG_DATA_DIRS=$P/share timeout "$TO" bash --norc --noprofile \
			"$HERE/complete.bash" --loader $p --pro) >"$T/reply" 2>"$T/complete.err" ||
			fail "$p: $(cat "$T/complete.err")"
		expect_reply --progress
	done
	# With bash-completion loaded, file names come from its _filedir.
	(cd "$T/cwd" && XDG_DATA_DIRS=$P/share timeout "$TO" bash --norc --noprofile \
		"$HERE/complete.bash" --loader frecv -o ph) >"$T/reply" 2>"$T/complete.err" ||
		fail "frecv -o: $(cat "$T/complete.err")"
	expect_reply photo.jpg
}

# ---- the library in another program -----------------------------------------

library_builds_with_pkg_config() {
	command -v pkg-config >/dev/null || skip "pkg-config is not installed"
	install_tree
	consumer
	pc=$(find "$P"/lib* -name fxfer.pc -path '*/pkgconfig/*')
	[ "$(printf '%s\n' "$pc" | grep -c .)" -eq 1 ] || fail "not one fxfer.pc under $P: '$pc'"
	PKG_CONFIG_PATH=$(dirname "$pc")
	export PKG_CONFIG_PATH
	[ "$(pkg-config --modversion fxfer)" = "$VERSION" ] || fail "version $(pkg-config --modversion fxfer)"
	same_dir "$(pkg-config --variable=prefix fxfer)" "$P" ||
		fail "fxfer.pc's prefix is $(pkg-config --variable=prefix fxfer), not $P"
	cflags=$(pkg-config --cflags fxfer) && libs=$(pkg-config --libs fxfer) || fail "pkg-config"
	# shellcheck disable=SC2086 # the flags are separate words
	"$CC" -std=c11 -Wall -Werror $cflags -o "$T/consumer/x" "$T/consumer/x.c" $libs \
		${FX_LDFLAGS:-} || fail "$CC $cflags ... $libs"
	run_consumer "$T/consumer/x"
}

library_builds_with_find_package() {
	install_tree
	consumer
	cat >"$T/consumer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(consumer C)
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_EXTENSIONS OFF)
find_package(fxfer $VERSION EXACT REQUIRED)
file(WRITE \${CMAKE_BINARY_DIR}/found "\${fxfer_DIR}\n")
add_executable(x x.c)
target_link_libraries(x fxfer::fxfer)
EOF
	cmake -S "$T/consumer" -B "$T/consumer/build" -DCMAKE_PREFIX_PATH="$P" \
		-DCMAKE_C_COMPILER="$CC" -DCMAKE_EXE_LINKER_FLAGS="${FX_LDFLAGS:-}" \
		>"$T/cmake.log" 2>&1 || fail "configure: $(cat "$T/cmake.log")"
	case $(cd "$(cat "$T/consumer/build/found")" && pwd -P) in
	"$(cd "$P" && pwd -P)"/*) ;;
	*) fail "fxfer found in $(cat "$T/consumer/build/found"), not under $P" ;;
	esac
	cmake --build "$T/consumer/build" >>"$T/cmake.log" 2>&1 || fail "build: $(cat "$T/cmake.log")"
	run_consumer "$T/consumer/build/x"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: installed.sh TEST_NAME" ;;
esac
"$1"
