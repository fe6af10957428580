# bash completion for namecache(1).  Installed as
# $(PREFIX)/share/bash-completion/completions/namecache, where the
# bash-completion package loads it on demand; or source it.

_namecache() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]:-} i

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W \
			'run stats doctor explain --help --version' -- "$cur")
		return 0
	fi
	case $cmd in
	run)
		# After "--" or the first word that is not an option: the
		# command and its arguments.
		for ((i = 2; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--) break ;;
			--mode) ((i++)) ;;
			-*) ;;
			*) break ;;
			esac
		done
		if [ "$i" -lt "$COMP_CWORD" ]; then
			[ "${COMP_WORDS[i]}" = -- ] && ((i++))
			if [ "$i" -lt "$COMP_CWORD" ] &&
				declare -F _command_offset >/dev/null; then
				_command_offset "$i"
				return 0
			fi
			if [ "$i" -eq "$COMP_CWORD" ]; then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return 0
		fi
		if [ "$prev" = --mode ]; then
			mapfile -t COMPREPLY < <(compgen -W \
				'strict relaxed off' -- "$cur")
			return 0
		fi
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W \
				'--stats --mode --respect-env -- --mode=strict --mode=relaxed --mode=off' \
				-- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		fi
		;;
	stats)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	explain)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '--nofollow --' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	esac
	return 0
}
complete -F _namecache namecache
