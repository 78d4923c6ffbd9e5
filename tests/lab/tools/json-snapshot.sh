#!/bin/bash
# Records `vpndiag probe --json` on every lab scenario (or the ones named), normalised so that two
# runs of the same code compare equal: timings (elapsed_ms, RTTs, "N ms" in sentences) are
# blanked and observations sorted (protocols run concurrently, so their interleaving varies).
# Used to show that a refactor changes no behaviour (issue 12):
#   json-snapshot.sh record VPNDIAG DIR [SCENARIO...]
#   json-snapshot.sh compare DIR_BEFORE DIR_AFTER
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
LAB=$here/../lab
normalise() {
	python3 -c '
import json, re, sys
j = json.load(sys.stdin)
T = re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b")
EPH = re.compile(r"(\d+\.\d+\.\d+\.\d+|\]):(\d{4,5})\b")
# random per run: PPTP call ids, LCP magic numbers, the lab CA name, certificate dates
CALL = re.compile(r"\bcall (id )?\d+|\bmagic 0x[0-9a-f]+|CA [0-9a-f]{6}\b|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
def eph(m):
    return m.group(0) if m.group(2) in ("1701", "1723", "4500") else m.group(1) + ":<port>"
# values that are times or dates of the run (the lab makes its CA and CRLs afresh each time)
TIMED = {"rtt", "resolved", "tcp-connected", "tcp-no-answer", "udp-no-answer", "privileges-dropped", "tls-handshake",
         "gre-no-reply", "gre-reply",  # ms waited; how many GRE packets arrived before the teardown
         "revocation-fetch"}
def walk(x):
    if isinstance(x, dict):
        return {k: (None if k in ("elapsed_ms", "timeout_ms") else walk(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [walk(v) for v in x]
    if isinstance(x, str):
        return CALL.sub("<random>", EPH.sub(eph, T.sub("<time>", x)))
    return x
j = walk(j)
for o in j.get("observations", []):
    if isinstance(o.get("value"), int) and o["value"] > 10**9:  # a date: lab certificates and CRLs are new each run
        o["value"] = None
    if o.get("kind") in TIMED:
        o["value"] = None
        o["code"] = None if o.get("kind") in ("udp-no-answer", "gre-no-reply") else o.get("code")
j["observations"] = sorted(j.get("observations", []), key=lambda o: json.dumps(o, sort_keys=True))
print(json.dumps(j, indent=1, sort_keys=True))'
}
case ${1:-} in
record)
	vd=$(readlink -f "$2"); out=$3; shift 3
	mkdir -p "$out"
	scen=("$@")
	[[ ${#scen[@]} -gt 0 ]] || mapfile -t scen < <("$LAB" list | awk '{print $1}')
	for sc in "${scen[@]}"; do
		"$LAB" run "$sc" -- sh -c '"$0" probe --json --timeout 8 --ca-file "$CA_FILE" --psk-file "$PSK_FILE" "${TARGET_NAME:-$TARGET}"' \
			"$vd" >"$out/$sc.raw" 2>/dev/null
		normalise <"$out/$sc.raw" >"$out/$sc.json" || echo "$sc: no JSON" >&2
		rm -f "$out/$sc.raw"
		echo "$sc $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(" ".join(k+"="+v["verdict"] for k,v in j["protocols"].items()))' "$out/$sc.json" 2>/dev/null)"
	done ;;
compare)
	rc=0
	tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
	for f in "$2"/*.json; do
		n=$(basename "$f")
		# normalised again, so that both sides follow the newest rules of this script
		normalise <"$f" >"$tmp/a" 2>/dev/null; normalise <"$3/$n" >"$tmp/b" 2>/dev/null
		if cmp -s "$tmp/a" "$tmp/b"; then echo "same      ${n%.json}"; else echo "DIFFERENT ${n%.json}"; diff -u "$tmp/a" "$tmp/b" | head -${DIFF_LINES:-20}; rc=1; fi
	done
	exit $rc ;;
*) echo "usage: $0 record VPNDIAG DIR [SCENARIO...] | compare DIR_A DIR_B" >&2; exit 2 ;;
esac
