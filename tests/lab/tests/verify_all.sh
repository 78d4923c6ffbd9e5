#!/bin/bash
# ctest lab_verify: `lab verify` (ground truth with real clients) for every
# scenario that has verify.* lines, two scenarios at a time.
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_preflight
command -v ike-scan >/dev/null || skip "ike-scan missing (verify.ikescan-* checks need it)"
scns=$(for f in "$LAB_DIR"/scenarios/*.scn; do grep -q '^verify\.' "$f" && basename "$f" .scn; done)
[[ -n $scns ]] || { echo "FAIL: no scenario has verify.* lines"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# xargs -P2: two labs at a time; each lab verify is bounded by its own timeouts
printf '%s\n' $scns | xargs -P 2 -I{} sh -c '"$1" verify "$2" >"$3/$2.out" 2>&1; echo $? >"$3/$2.rc"' sh "$LAB" {} "$tmp"
fails=0
for s in $scns; do
	rc=$(cat "$tmp/$s.rc" 2>/dev/null || echo 99)
	if [[ $rc -eq 0 ]]; then echo "ok   $s"; else echo "FAIL $s (exit $rc)"; sed 's/^/     /' "$tmp/$s.out"; fails=$((fails + 1)); fi
done
echo "verify: $(wc -w <<<"$scns") scenarios, $fails failed"
[[ $fails -eq 0 ]]
