# bash completion for vpndiag(1). Installed as /usr/share/bash-completion/completions/vpndiag.
# Everything is read from the binary itself, so it follows new options without an edit here:
# subcommands from `vpndiag --help`, options from `vpndiag CMD --help`, protocol names from the
# protocol table in `vpndiag probe --help`, profiles from `vpndiag probe --list-profiles`, error
# codes from `vpndiag explain --list`. No network, no secrets: --psk-file / --password-file
# complete file names only.

_vpndiag_cmds() # vpndiag binary -> subcommand names
{
	"$1" --help 2>/dev/null | awk '/^Commands:/{c=1; next} c && /^  [a-z]/{print $1} c && /^$/{exit}'
}

_vpndiag_opts() # binary command -> the options of the command's help (its option lines only, so
{               # that an option named in prose or in an example, e.g. a YAML key, is not offered)
	"$1" "$2" --help 2>/dev/null | grep -E '^ +-' | grep -oE '(^|[ ,])--?[a-zA-Z0-9][a-zA-Z0-9-]*' | sed 's/^[ ,]*//' | sort -u
}

_vpndiag_protocols() # binary -> protocol keys (the "Protocols:" table of probe --help)
{
	"$1" probe --help 2>/dev/null | awk '/^Protocols:/{c=1; next} c && /^  [a-z0-9]/{print $1} c && /^$/{exit}'
}

_vpndiag()
{
	local cur prev words cword
	_init_completion -s || return
	local bin=${words[0]} cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in -*) ;; *) cmd=${words[i]}; break ;; esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vpndiag_cmds "$bin")" -- "$cur"))
		fi
		return
	fi
	case $prev in
	--psk-file | --password-file | --ca-file | --config | --data | --html | --file | -f | --exclude-file)
		_filedir
		return
		;;
	--profile)
		_filedir
		COMPREPLY+=($(compgen -W "$("$bin" probe --list-profiles 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return
		;;
	--protocols)
		# a comma list: complete the last element
		local done_part=${cur%"${cur##*,}"} last=${cur##*,}
		COMPREPLY=($(compgen -P "$done_part" -W "$(_vpndiag_protocols "$bin")" -- "$last"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--run-as)
		COMPREPLY=($(compgen -u -- "$cur"))
		return
		;;
	# --user is the EAP user name on the VPN server, not a local account: nothing to offer
	--user | --timeout | --limit | --base-url | --wiki-url | --listen | --allow | --max-probes | \
		--rate | --retries | --shard | --seed | --exclude | --port)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_vpndiag_opts "$bin" "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	explain) COMPREPLY=($(compgen -W "$("$bin" explain --list 2>/dev/null | awk '{print $1}')" -- "$cur")) ;;
	wiki) if [[ ${words[cword - 1]} == wiki ]]; then COMPREPLY=($(compgen -W build -- "$cur")); else _filedir -d; fi ;;
	help) COMPREPLY=($(compgen -W "$(_vpndiag_cmds "$bin")" -- "$cur")) ;;
	probe | scan) _known_hosts_real -- "$cur" ;;
	esac
} && complete -F _vpndiag vpndiag
