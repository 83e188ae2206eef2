# Complete a command line the way bash's programmable completion does, in
# this non-interactive shell, and print the candidates one a line.
# usage: bash --norc --noprofile complete.bash SCRIPT COMMAND WORD...
# SCRIPT is sourced; "--loader" sources bash-completion's own script instead
# (path in FX_BASH_COMPLETION) and lets its loader find COMMAND's completion
# through XDG_DATA_DIRS, as an interactive shell would.  The last WORD is the
# one under the cursor ('' to start a new word).
set -u
script=$1
shift
if [ "$script" = --loader ]; then
	# shellcheck disable=SC1090
	. "${FX_BASH_COMPLETION:?}" || exit 1
	__load_completion "$1" || { echo "bash-completion found no completion for $1" >&2; exit 1; }
else
	# shellcheck disable=SC1090
	. "$script" || exit 1
fi
spec=$(complete -p "$1" 2>/dev/null) || { echo "no completion registered for $1" >&2; exit 1; }
[[ $spec =~ -F\ ([^ ]+) ]] || { echo "not a completion function: $spec" >&2; exit 1; }

# What bash sets before it calls the function: the words, the index of the
# one under the cursor, the line with the cursor at its end, TAB as the key.
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
COMP_KEY=9
COMPREPLY=()
"${BASH_REMATCH[1]}" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
