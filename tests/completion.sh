#!/bin/bash
# ctest docs/completion: the bash completion (contrib/completion/vpndiag.bash) against the built
# binary, through bash-completion's own _init_completion. Each line: what is typed, what must be
# offered (all of it), and what must not. SKIPPED (77) without the bash-completion package.
# Usage: completion.sh VPNDIAG_BINARY
set -u
bin=$(readlink -f "${1:?usage: completion.sh VPNDIAG_BINARY}")
bc=/usr/share/bash-completion/bash_completion
[[ -r $bc ]] || { echo "SKIPPED: bash-completion is not installed"; exit 77; }
# shellcheck disable=SC1090
. "$bc"
. "$(dirname "$(readlink -f "$0")")/../contrib/completion/vpndiag.bash"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ln -s "$bin" "$dir/vpndiag"
PATH=$dir:$PATH
fails=0
# expect "TYPED" "WANTED WORDS" ["UNWANTED WORDS"]
expect() {
	local line=$1 w
	COMP_LINE=$line COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vpndiag
	local got=" ${COMPREPLY[*]} "
	for w in $2; do
		[[ $got == *" $w "* ]] || { echo "FAIL [$line]: '$w' not offered (got:$got)"; fails=$((fails + 1)); }
	done
	for w in ${3:-}; do
		[[ $got != *" $w "* ]] || { echo "FAIL [$line]: '$w' offered"; fails=$((fails + 1)); }
	done
	echo "ok   [$line] ->$got" | cut -c1-150
}
expect "vpndiag " "explain wiki probe help scan exporter"
expect "vpndiag pr" "probe" "explain"
expect "vpndiag -" "--help --version"
expect "vpndiag probe --prot" "--protocols"
expect "vpndiag probe -" "--json --monitoring --psk-file --ca-file --profile --timeout -4 -6"
expect "vpndiag probe --protocols " "ikev2 l2tp sstp pptp"
expect "vpndiag probe --protocols ikev2,s" "ikev2,sstp" "sstp"
expect "vpndiag probe --profile w" "windows-10"
expect "vpndiag explain 80" "800 809" "13801"
expect "vpndiag explain 138" "13801 13806 13868"
expect "vpndiag explain --" "--json --list --data --limit"
expect "vpndiag wiki " "build"
expect "vpndiag help " "probe explain wiki"
expect "vpndiag exporter -" "--listen --config --allow --max-probes --run-as" "--profile"
expect "vpndiag scan -" "--rate --shard --seed --exclude --exclude-file --json -f --aggressive --deep --deep-jobs --psk-file"
expect "vpndiag probe --user " "" "root nobody"
expect "vpndiag probe --run-as nob" "nobody"
echo "completion: $fails failure(s)"
[[ $fails -eq 0 ]]
