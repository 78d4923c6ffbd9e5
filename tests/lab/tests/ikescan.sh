#!/bin/bash
# ctest lab_ikescan: from the client namespace of the direct and NAT
# scenarios, ike-scan gets an IKEv1 Main Mode and an IKEv2 IKE_SA_INIT answer.
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_preflight
command -v ike-scan >/dev/null || skip "ike-scan is not installed (apt-get install ike-scan)"
fails=0
for s in healthy client-nat client-double-nat server-nat both-nat; do
	# shellcheck disable=SC2016
	out=$("$LAB" run "$s" -- sh -c '
		v1=$(ike-scan -M -r 2 "$TARGET" 2>&1); v2=$(ike-scan --ikev2 -M -r 2 "$TARGET" 2>&1)
		echo "$v1" | grep -q "1 returned handshake" || { echo "no IKEv1 answer: $v1"; exit 1; }
		echo "$v2" | grep -q "1 returned handshake" || { echo "no IKEv2 answer: $v2"; exit 1; }
		echo "$v1" | grep -m1 "SA=" | sed "s/^/  v1 /"; echo "$v2" | grep -m1 "SA=" | sed "s/^/  v2 /"')
	rc=$?
	if [[ $rc -eq 0 ]]; then echo "ok   $s"; echo "$out"; else echo "FAIL $s"; echo "$out"; fails=$((fails + 1)); fi
done
echo "ikescan: $fails failure(s)"
[[ $fails -eq 0 ]]
