#!/bin/bash
# ctest lab_updown: `lab up` + `lab down` of every scenario leaves no namespace,
# no process, no /etc/netns entry and no state behind; `lab run` returns the
# command's status and cleans up; two labs coexist; `lab down` cleans up after
# a run whose state directory was lost.
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_preflight
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# leftovers ID: prints what is left of lab ID (nothing = clean)
leftovers() {
	local id=$1 pids=$2 p
	ip netns list | grep -q "^vdl-$id-" && echo "namespaces: $(ip netns list | grep "^vdl-$id-" | tr '\n' ' ')"
	# a zombie is a dead process (PID 1 here reaps orphans late): not a leftover
	for p in $pids; do
		st=$(ps -o stat= -p "$p" 2>/dev/null) || continue
		[[ $st == Z* ]] || echo "process $p ($(cat /proc/"$p"/comm 2>/dev/null))"
	done
	ls -d /etc/netns/vdl-"$id"-* 2>/dev/null
	[[ -e /run/vpndiag-lab/$id ]] && echo "state /run/vpndiag-lab/$id"
	return 0
}

for s in $("$LAB" list | awk '{print $1}'); do
	out=$("$LAB" up "$s") || { fail "$s: lab up failed"; continue; }
	id=$(sed -n 's/^LAB_ID=//p' <<<"$out")
	for k in LAB_ID CLIENT_NS TARGET SCENARIO CA_FILE PSK_FILE; do
		grep -q "^$k=" <<<"$out" || fail "$s: no $k= in lab up output"
	done
	pids=$(cat /run/vpndiag-lab/"$id"/pids/*.pid 2>/dev/null | tr '\n' ' ')
	for ns in $(ip netns list | awk -v p="vdl-$id-" 'index($1,p)==1{print $1}'); do
		pids+=" $(ip netns pids "$ns" | tr '\n' ' ')"
	done
	t=$(sed -n 's/^STARTUP_SECONDS=//p' <<<"$out")
	"$LAB" down "$id"
	left=$(leftovers "$id" "$pids")
	if [[ -n $left ]]; then fail "$s ($id) left: $left"; else printf 'ok   %-32s up %ss, %d processes stopped\n' "$s" "$t" "$(wc -w <<<"$pids")"; fi
done

# lab run: status of CMD, variables in the environment, down afterwards
idf=$(mktemp)
# shellcheck disable=SC2016
"$LAB" run healthy -- sh -c 'test -n "$TARGET" && test -n "$LAB_ID" && getent hosts "$TARGET_NAME" >/dev/null && echo "$LAB_ID" >"$1" && exit 3' sh "$idf"
rc=$?
[[ $rc -eq 3 ]] || fail "lab run returned $rc, expected 3"
# lab run with an interrupted command: still cleaned up
idf2=$(mktemp)
# shellcheck disable=SC2016
"$LAB" run healthy -- sh -c 'echo "$LAB_ID" >"$1"; kill -INT $PPID; sleep 1' sh "$idf2" >/dev/null 2>&1
id2=$(cat "$idf2" 2>/dev/null); rm -f "$idf2"
[[ -n $id2 ]] || fail "interrupted lab run: no LAB_ID seen"
[[ -n $id2 && -n $(leftovers "$id2" "") ]] && fail "interrupted lab run left: $(leftovers "$id2" "")"
id=$(cat "$idf" 2>/dev/null); rm -f "$idf"
[[ -n $id ]] || fail "lab run: command did not see its variables / host name"
[[ -n $id && -n $(leftovers "$id" "") ]] && fail "lab run left: $(leftovers "$id" "")"

# two labs side by side
a=$("$LAB" up healthy | sed -n 's/^LAB_ID=//p'); b=$("$LAB" up client-nat | sed -n 's/^LAB_ID=//p')
if [[ -z $a || -z $b || $a == "$b" ]]; then fail "two labs: ids '$a' '$b'"
else
	ip netns exec "vdl-$a-cli" ping -c1 -W2 198.19.0.2 >/dev/null || fail "lab $a unreachable while $b runs"
	ip netns exec "vdl-$b-cli" ping -c1 -W2 198.19.0.2 >/dev/null || fail "lab $b unreachable while $a runs"
fi
"$LAB" down "$a"; "$LAB" down "$b"
[[ -n $(leftovers "$a" "")$(leftovers "$b" "") ]] && fail "two labs left something"

# a dead run: state directory lost, daemons and namespaces still there
c=$("$LAB" up healthy | sed -n 's/^LAB_ID=//p')
pids=$(ip netns pids "vdl-$c-srv" | tr '\n' ' ')
rm -rf "/run/vpndiag-lab/$c"
"$LAB" down "$c"
left=$(leftovers "$c" "$pids")
[[ -n $left ]] && fail "dead run $c left: $left"

echo "updown: $fails failure(s)"
[[ $fails -eq 0 ]]
