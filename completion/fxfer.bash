# Bash completion for fsend and frecv.  Installed twice, as fsend and as frecv
# in share/bash-completion/completions/, because bash-completion loads the
# file named for the command being completed; either copy registers both.
# Self-contained: it uses bash-completion's _filedir when that is loaded and
# works without it, sourced on its own.

# One line per option: the kind of argument it takes ("-": none), then its
# spellings.  Adding an option is adding its line.  Kinds: "file" completes
# file names, "host" known host names; for any other kind (a number, a size)
# nothing is offered, since only the user knows it.
_fxfer_fsend_options='
net     --allow
host    -b --bind
size    -c --chunk
count   -j --jobs
-       -k --keep-open
count   -n --count
secs    -t --timeout
-       -q --quiet
-       -v --verbose
-       --progress
-       --resume
-       --sha256
-       --inetd
-       --json
file    --key
-       --keygen
rate    --limit-rate
-       -h --help
-       --version
'
# The operands, in order, by kind.
_fxfer_fsend_operands='port file'

_fxfer_frecv_options='
size    -c --chunk
file    -o --output
-       -n --no-clobber
secs    -t --timeout
secs    --retry
size    --max-size
hex     --expect-sha256
-       -q --quiet
-       -v --verbose
-       --progress
-       --resume
-       --sha256
-       --json
file    --key
-       --keygen
rate    --limit-rate
-       -h --help
-       --version
'
_fxfer_frecv_operands='host port'

# _fxfer_complete_kind KIND WORD: fill COMPREPLY with what may stand for WORD.
_fxfer_complete_kind() {
	local cur=$2 # by this name, for _filedir
	case $1 in
	file)
		if declare -F _filedir >/dev/null; then
			_filedir
		else
			# compopt fails when not called by completion (a test): harmless.
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	host) mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur") ;;
	esac
}

# The completion function: bash calls it with the command, the word being
# completed and the one before it, with COMP_WORDS and COMP_CWORD set.
_fxfer() {
	local table operands
	case ${1##*/} in
	fsend) table=$_fxfer_fsend_options operands=$_fxfer_fsend_operands ;;
	frecv) table=$_fxfer_frecv_options operands=$_fxfer_frecv_operands ;;
	*) return 0 ;;
	esac
	COMPREPLY=()

	local -A long=() short=()
	local spellings='' kind name
	while read -r kind name; do
		[ -n "$kind" ] || continue
		for name in $name; do
			case $name in
			--*) long[${name#--}]=$kind ;;
			-?) short[${name#-}]=$kind ;;
			esac
			spellings="$spellings $name"
		done
	done <<<"$table"

	# Walk the words before the cursor as getopt_long reads them, to know
	# whether the word under it is an option, an option's argument (of
	# which kind), or an operand (which one).
	local i word pending='' ended='' n=0 j c
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [ -n "$pending" ]; then
			# bash splits "--bind=ADDR" into "--bind", "=", "ADDR"
			[ "$word" = = ] || pending=''
			continue
		fi
		if [ -n "$ended" ]; then
			n=$((n + 1))
			continue
		fi
		case $word in
		--) ended=1 ;;
		--?*=*) ;;
		--?*)
			kind=${long[${word#--}]:--}
			[ "$kind" = - ] || pending=$kind
			;;
		-?*)
			# A cluster such as -kc: the first option taking an argument
			# takes the rest of the word, or else the next word.
			for ((j = 1; j < ${#word}; j++)); do
				c=${word:j:1}
				kind=${short[$c]:--}
				if [ "$kind" != - ]; then
					((j == ${#word} - 1)) && pending=$kind
					break
				fi
			done
			;;
		*) n=$((n + 1)) ;;
		esac
	done

	local cur=${COMP_WORDS[COMP_CWORD]}
	if [ -n "$pending" ]; then
		[ "$cur" = = ] && cur=''
		_fxfer_complete_kind "$pending" "$cur"
	elif [ -z "$ended" ] && [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$spellings" -- "$cur")
	else
		local -a kinds
		read -r -a kinds <<<"$operands"
		_fxfer_complete_kind "${kinds[n]:-}" "$cur"
	fi
	return 0
}

complete -F _fxfer fsend frecv
