#!/bin/bash
# Benchmark: IKEv2 first contact, measured in one run of the network-namespace lab (root).
#   1. time to an answer: `vpndiag probe --protocols ikev2` vs `ike-scan --ikev2` against the same
#      strongSwan responder (scenario healthy), median of N runs each, printed as a ratio;
#   2. every port filtered (scenario nothing-listening-icmp-dropped: UDP silence, no ICMP):
#      vpndiag's total time vs its --timeout, printed as a ratio (must stay <= ~1.0).
# Usage: bench/ike_first_contact.sh [VPNDIAG_BINARY] [RUNS] [TIMEOUT_SECONDS]
# Traffic stays inside the lab's namespaces (198.18.0.0/15). Exit 77 when the lab cannot run.
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VPNDIAG=$(readlink -f "${1:-$ROOT/build/vpndiag}")
RUNS=${2:-7}
TMO=${3:-3}
LAB=$ROOT/tests/lab/lab
[[ -x $VPNDIAG ]] || { echo "no vpndiag binary at $VPNDIAG (make build)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: the lab needs root" >&2; exit 77; }
command -v ike-scan >/dev/null || { echo "SKIPPED: ike-scan is not installed" >&2; exit 77; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 && $RUNS -le 50 ]] || { echo "RUNS: 1..50" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# In the client namespace: RUNS runs of each tool; one line "tool ms" per run.
# shellcheck disable=SC2016
"$LAB" run healthy -- sh -c '
	ms() { echo $(( $(date +%s%N) / 1000000 )); }
	# ike-scan first: every vpndiag run leaves half-open IKE SAs, and once strongSwan counts
	# enough of them it demands a COOKIE, which ike-scan cannot answer (vpndiag can).
	i=0
	while [ $i -lt "$1" ]; do
		t0=$(ms); ike-scan --ikev2 --sport=0 -r 3 "$TARGET" >/tmp/is.$$ 2>&1; t1=$(ms)
		grep -q "Handshake returned" /tmp/is.$$ && echo "ike-scan $((t1 - t0))"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt "$1" ]; do
		t0=$(ms); "$0" probe --protocols ikev2 --timeout 10 --json "$TARGET" >/tmp/vd.$$ 2>&1; t1=$(ms)
		grep -q "\"ike-accepted\"" /tmp/vd.$$ && echo "vpndiag $((t1 - t0))"
		i=$((i + 1))
	done
	rm -f /tmp/vd.$$ /tmp/is.$$' "$VPNDIAG" "$RUNS" >"$out" 2>/dev/null
rc=$?
[[ $rc -eq 77 ]] && { echo "SKIPPED: the lab cannot run here" >&2; exit 77; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
vd=$(awk '$1 == "vpndiag" {print $2}' "$out" | median)
is=$(awk '$1 == "ike-scan" {print $2}' "$out" | median)
nvd=$(grep -c '^vpndiag' "$out"); nis=$(grep -c '^ike-scan' "$out")
echo "IKEv2 first contact against strongSwan (lab scenario healthy), median of $RUNS runs:"
echo "  vpndiag probe --protocols ikev2 : ${vd} ms  (full diagnosis: IKE_SA_INIT on 500 and 4500, DH keygen, report; $nvd/$RUNS answered)"
echo "  ike-scan --ikev2                : ${is} ms  ($nis/$RUNS answered)"
if [[ $vd != NA && $is != NA ]]; then
	awk -v a="$vd" -v b="$is" 'BEGIN { if (b > 0) printf "  ratio vpndiag / ike-scan        : %.2f\n", a / b; else print "  ratio: ike-scan took 0 ms" }'
fi

# Every port filtered: the run must end at --timeout, not later.
# shellcheck disable=SC2016
tot=$("$LAB" run nothing-listening-icmp-dropped -- sh -c '
	t0=$(( $(date +%s%N) / 1000000 )); "$0" probe --protocols ikev2 --timeout "$1" "$TARGET" >/dev/null 2>&1
	echo $(( $(date +%s%N) / 1000000 - t0 ))' "$VPNDIAG" "$TMO" 2>/dev/null | tail -1)
echo "Every port filtered (scenario nothing-listening-icmp-dropped), --timeout $TMO s:"
if [[ $tot =~ ^[0-9]+$ ]]; then
	awk -v t="$tot" -v b="$TMO" 'BEGIN { printf "  total %d ms, ratio total / --timeout: %.3f\n", t, t / (b * 1000) }'
else
	echo "  could not measure"
fi
