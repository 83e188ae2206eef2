# Shared by the tests of the installed tree (installed.sh): the tree under
# test, completing a command line, the program that uses the library.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

# install_tree: set P to the prefix under test.
install_tree() {
	if [ -n "${FX_PREFIX:-}" ]; then
		P=$FX_PREFIX
		return
	fi
	: "${FX_BUILD_DIR:?}"
	cmake --install "$FX_BUILD_DIR" --prefix "$T/inst" >"$T/install.log" 2>&1 ||
		fail "cmake --install: $(cat "$T/install.log")"
	P=$T/inst
}

# ---- bash completion ------------------------------------------------------

need_bash() { command -v bash >/dev/null || skip "bash is not installed"; }

# complete_line WORD...: what the installed completion offers for the
# command line WORD... (the last word is under the cursor), one a line in
# $T/reply; run in $T/cwd, where file names are completed.
complete_line() {
	mkdir -p "$T/cwd"
	(cd "$T/cwd" && timeout "$TO" bash --norc --noprofile "$HERE/complete.bash" \
		"$P/share/bash-completion/completions/$1" "$@") >"$T/reply" 2>"$T/complete.err" ||
		fail "completing '$*': $(cat "$T/complete.err")"
}

# expect_reply WORD...: the reply is exactly these words, in any order.
expect_reply() {
	printf '%s\n' "$@" | sed '/^$/d' | sort >"$T/want"
	sort "$T/reply" | cmp -s - "$T/want" ||
		fail "offered '$(tr '\n' ' ' <"$T/reply")', expected '$*'"
}

# offers WORD: the reply includes WORD.
offers() { grep -qxF -- "$1" "$T/reply"; }

# help_options PROGRAM: from PROGRAM --help, one line per option listed in
# it, "SHORT:LONG:ARG" (SHORT empty when it has none, ARG the upper-case
# word naming its argument, empty when it takes none).
help_options() {
	"$P/bin/$1" --help | sed -nE \
		's/^ +(-([A-Za-z0-9]), +)?--([a-z0-9][a-z0-9-]*)([ =]([A-Z][A-Z0-9_]*))?( .*)?$/\2:\3:\5/p'
}

# ---- the library in another program ----------------------------------------

# consumer: write, outside the source tree, a program that uses the library
# and checks that the package gave it _POSIX_C_SOURCE (tested before any
# header: the C library's own headers would define it otherwise).
consumer() {
	mkdir -p "$T/consumer"
	cat >"$T/consumer/x.c" <<'EOF'
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE != 200809L
#error "_POSIX_C_SOURCE=200809L did not come with fxfer"
#endif
#include <fxfer.h>

#include <errno.h>
#include <stdio.h>

int main(void)
{
	unsigned port = 0, p;
	int ok = fx_parse_port("8080", &port) == 0;
	int junk = fx_parse_port("80x", &p) == -1 && errno == EINVAL;
	int big = fx_parse_port("65536", &p) == -1 && errno == ERANGE;

	printf("port %u ok %d junk %d big %d posix %ld\n", port, ok, junk, big,
	       (long)_POSIX_C_SOURCE);
	return 0;
}
EOF
	CC=${FX_CC:-cc}
	VERSION=$(cat "$HERE/../VERSION")
}

# run_consumer PROGRAM: it runs and prints what the library answers.
run_consumer() {
	"$1" >"$T/consumer.out" || fail "$1 exited $?"
	expect_output "$T/consumer.out" "port 8080 ok 1 junk 1 big 1 posix 200809"
}

# same_dir A B: A and B are the same directory.
same_dir() { [ "$(cd "$1" && pwd -P)" = "$(cd "$2" && pwd -P)" ]; }
