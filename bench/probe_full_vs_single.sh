#!/bin/bash
# Benchmark (issue 16 item 7): a full 4-protocol `vpndiag probe` against its slowest single-protocol
# probe, measured in one run of the network-namespace lab (root). All protocols of one target run
# at once on one event loop, so the full diagnosis should take little more than its slowest part.
#   The lab comes up once (scenario healthy by default: every protocol works); then RUNS rounds,
#   each running the full probe and each single-protocol probe (--protocols ikev2, l2tp, sstp,
#   pptp) once, in an order rotated per round; one warm-up round first is not counted. Each run is
#   timed around the process (wall clock, in the client namespace) and its verdicts are checked
#   against the scenario's expect.* values (a run with another verdict is not counted).
#   Printed: the median of each, and full / slowest single (wall clock, and the engine's own
#   elapsed_ms from --json, which leaves out process start-up).
# Usage: bench/probe_full_vs_single.sh [VPNDIAG_BINARY] [RUNS] [SCENARIO]
# Traffic stays inside the lab's namespaces (198.18.0.0/15). Exit 77 when the lab cannot run.
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VPNDIAG=$(readlink -f "${1:-$ROOT/build/vpndiag}")
RUNS=${2:-9}
SCN=${3:-healthy}
LAB=$ROOT/tests/lab/lab
[[ -x $VPNDIAG ]] || { echo "no vpndiag binary at $VPNDIAG (make build)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: the lab needs root" >&2; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 is needed to read --json" >&2; exit 77; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 && $RUNS -le 50 ]] || { echo "RUNS: 1..50" >&2; exit 2; }

out=$(mktemp)
env=$(mktemp)
LAB_ID=
cleanup() {
	[[ -n $LAB_ID ]] && "$LAB" down "$LAB_ID" >/dev/null 2>&1
	rm -f "$out" "$env"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$LAB" up "$SCN" >"$env" 2>/dev/null
rc=$?
[[ $rc -eq 77 ]] && { echo "SKIPPED: the lab cannot run here" >&2; exit 77; }
[[ $rc -eq 0 ]] || { echo "lab up $SCN failed ($rc)" >&2; exit 1; }
eval "$(cat "$env")"
[[ -n ${LAB_ID:-} ]] || { echo "lab up printed no LAB_ID" >&2; exit 1; }

# In the client namespace: one line "variant wall_ms engine_ms ok" per run. The options are those
# of a real diagnosis: the lab's CA, its pre-shared key (so that L2TP/IPsec is decided), --timeout 6.
# shellcheck disable=SC2016
"$LAB" exec "$LAB_ID" cli -- env VPNDIAG="$VPNDIAG" RUNS="$RUNS" \
	EXPECT="ikev2=${EXPECT_IKEV2%% *} l2tp=${EXPECT_L2TP%% *} sstp=${EXPECT_SSTP%% *} pptp=${EXPECT_PPTP%% *}" \
	TARGET_NAME="${TARGET_NAME:-$TARGET}" CA_FILE="$CA_FILE" PSK_FILE="$PSK_FILE" sh -c '
	j=$(mktemp)
	one() {
		if [ "$1" = all ]; then sel=""; else sel="--protocols $1"; fi
		t0=$(date +%s%N)
		# shellcheck disable=SC2086
		"$VPNDIAG" probe --json --timeout 6 --ca-file "$CA_FILE" --psk-file "$PSK_FILE" $sel "$TARGET_NAME" >"$j" 2>/dev/null
		t1=$(date +%s%N)
		python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
want = dict(kv.split(\"=\") for kv in sys.argv[3].split())
sel = list(want) if sys.argv[2] == \"all\" else [sys.argv[2]]
ok = all(d[\"protocols\"][p][\"verdict\"] == want[p] for p in sel)
print(sys.argv[2], sys.argv[4], d[\"elapsed_ms\"], \"ok\" if ok else \"bad\")" "$j" "$1" "$EXPECT" $(( (t1 - t0) / 1000000 )) ||
		echo "$1 0 0 bad"
	}
	set -- all ikev2 l2tp sstp pptp
	r=0
	while [ $r -le "$RUNS" ]; do
		k=0
		while [ $k -lt 5 ]; do
			i=$(( (k + r) % 5 + 1 ))
			eval "v=\${$i}"
			if [ $r -eq 0 ]; then one "$v" >/dev/null; else one "$v"; fi
			k=$((k + 1))
		done
		r=$((r + 1))
	done
	rm -f "$j"' >"$out" 2>/dev/null

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "vpndiag probe, full diagnosis vs each single protocol (lab scenario $SCN), median of $RUNS runs each:"
declare -A W E
slow=; slowv=NA; sloweng=NA
for v in all ikev2 l2tp sstp pptp; do
	W[$v]=$(awk -v v="$v" '$1 == v && $4 == "ok" {print $2}' "$out" | median)
	E[$v]=$(awk -v v="$v" '$1 == v && $4 == "ok" {print $3}' "$out" | median)
	n=$(awk -v v="$v" '$1 == v && $4 == "ok"' "$out" | wc -l)
	label=$([[ $v == all ]] && echo "all four" || echo "--protocols $v")
	printf "  %-20s : %6s ms wall, %6s ms engine  (%d/%d runs with the expected verdicts)\n" "$label" "${W[$v]}" "${E[$v]}" "$n" "$RUNS"
	if [[ $v != all && ${W[$v]} != NA ]] && { [[ $slowv == NA ]] || awk -v a="${W[$v]}" -v b="$slowv" 'BEGIN {exit !(a > b)}'; }; then
		slow=$v; slowv=${W[$v]}; sloweng=${E[$v]}
	fi
done
if [[ ${W[all]} != NA && $slowv != NA ]]; then
	awk -v a="${W[all]}" -v b="$slowv" -v s="$slow" 'BEGIN { printf "  ratio full / slowest single (%s), wall   : %.2f\n", s, a / b }'
	awk -v a="${E[all]}" -v b="$sloweng" -v s="$slow" 'BEGIN { if (b > 0) printf "  ratio full / slowest single (%s), engine : %.2f\n", s, a / b }'
else
	echo "  ratio: not enough runs with the expected verdicts"
fi
echo "command: $VPNDIAG probe --json --timeout 6 --ca-file \$CA_FILE --psk-file \$PSK_FILE [--protocols P] \$TARGET_NAME"
