#!/bin/bash
# ctest lab_probe_sstp_pptp (issue 7): `vpndiag probe --json --protocols sstp,pptp --ca-file
# $CA_FILE $TARGET_NAME` from the client namespace of each SSTP/PPTP scenario, asserting the
# verdict, cause, Windows error and basis of both protocols (and the text report's verdict line),
# then the timing check: all four protocols at once on the healthy server take about as long as
# the slowest single probe.
#
# The expected results are the scenario files' expect.sstp / expect.pptp lines (one source of truth).
# Usage: probe_sstp_pptp.sh VPNDIAG_BINARY [SCENARIO...]
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_binary "${1:-}"
shift
lab_preflight
command -v python3 >/dev/null || skip "python3 missing"

SCEN_DIR="$(dirname "$(readlink -f "$0")")/../scenarios"
# "VERDICT CAUSE ERROR BASIS" (- = null) from a scenario file's expect.<proto>= line.
expect_of() { # SCENARIO PROTO
	local line v rest w c=- e=- b=-
	line=$(grep -E "^expect\.$2=" "$SCEN_DIR/$1.scn" | head -n 1)
	[[ -n $line ]] || return 1
	read -r v rest <<<"${line#*=}"
	for w in $rest; do
		case $w in cause=*) c=${w#cause=} ;; error=*) e=${w#error=} ;; basis=*) b=${w#basis=} ;; esac
	done
	echo "$v $c $e $b"
}
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(healthy cert-wrong-name cert-expired cert-untrusted-ca cert-no-server-auth
	crl-unreachable web-server-443 sstp-nak tcp443-drop tcp443-reject gre-blocked tcp1723-reject tcp1723-drop
	nothing-listening cert-missing-intermediate sstp-tls10-only)
# Issue 13: by default also every certificate scenario (tests/lab/scenarios/cert-*.scn) not listed.
if [[ $# -eq 0 ]]; then
	for f in "$(dirname "$(readlink -f "$0")")"/../scenarios/cert-*.scn; do
		n=$(basename "$f" .scn)
		[[ " ${SCENARIOS[*]} " == *" $n "* ]] || SCENARIOS+=("$n")
	done
fi
PROBE_TIMEOUT=${PROBE_TIMEOUT:-10}

check() { # EXPECT JSON TEXT
	python3 - "$@" <<'EOF'
import json, sys
exp, js, text = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    j = json.loads(js)
except Exception as e:
    print("  JSON does not parse: %s" % e); sys.exit(1)
bad = []
for proto, part in zip(("sstp", "pptp"), exp.split("|")):
    verdict, cause, error, basis = part.split()
    p = j["protocols"][proto]
    if p["verdict"] != verdict:
        bad.append("%s verdict %s, expected %s (%s)" % (proto, p["verdict"], verdict, p["summary"]))
    if cause != "-" and verdict != "unknown" and p["cause"] != cause:
        bad.append("%s cause %s, expected %s" % (proto, p["cause"], cause))
    # Issue 13: an undecided verdict names no cause; the finding that leaves it open must be there.
    if cause != "-" and verdict == "unknown":
        fs = [f for f in j["findings"] if f["protocol"] == proto and f["cause"] == cause]
        if not fs:
            bad.append("%s: no %s finding for the unknown verdict" % (proto, cause))
        elif basis != "-" and fs[0]["basis"] != basis:
            bad.append("%s basis %s, expected %s" % (proto, fs[0]["basis"], basis))
    if verdict != "fails":
        if p["cause"] is not None and verdict != "works":
            pass
    want = None if error == "-" else (int(error, 16) if error.startswith("0x") else int(error))
    if verdict == "fails" and p["windows_error"] != want:
        bad.append("%s error %s, expected %s" % (proto, p["windows_error"], error))
    if verdict == "fails" and basis != "-":
        fs = [f for f in j["findings"] if f["protocol"] == proto and f["cause"] == cause]
        if not fs or fs[0]["basis"] != basis:
            bad.append("%s basis %s, expected %s" % (proto, fs[0]["basis"] if fs else None, basis))
    if p["verdict"] == "works" and proto == "pptp" and not any(f["cause"] == "pptp-insecure" for f in j["findings"]):
        bad.append("pptp works without the pptp-insecure finding")
    title = {"sstp": "SSTP", "pptp": "PPTP"}[proto]
    if not any(l.startswith(title) and p["verdict"] in l for l in text.splitlines()):
        bad.append("%s: the text report has no '%s ... %s' line" % (proto, title, p["verdict"]))
if not any(f["cause"] == "pptp-insecure" for f in j["findings"]):
    bad.append("no pptp-insecure security finding")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
}

fails=0
for sc in "${SCENARIOS[@]}"; do
	if ! e1=$(expect_of "$sc" sstp) || ! e2=$(expect_of "$sc" pptp); then
		echo "FAIL $sc: no expect.sstp/expect.pptp in $SCEN_DIR/$sc.scn"; fails=$((fails + 1)); continue
	fi
	exp="$e1 | $e2"
	out=$("$LAB" run "$sc" -- sh -c '
		"$0" probe --json --timeout "$1" --protocols sstp,pptp --ca-file "$CA_FILE" "${TARGET_NAME:-$TARGET}" >"$LAB_STATE/probe.json"
		"$0" probe --timeout "$1" --protocols sstp,pptp --ca-file "$CA_FILE" "${TARGET_NAME:-$TARGET}" >"$LAB_STATE/probe.txt"
		printf "%s\n" "$(cat "$LAB_STATE/probe.json")" ; echo "@@TEXT@@"; cat "$LAB_STATE/probe.txt"' \
		"$VPNDIAG" "$PROBE_TIMEOUT" 2>&1)
	js=${out%%@@TEXT@@*}
	txt=${out#*@@TEXT@@}
	if problems=$(check "$exp" "$js" "$txt"); then
		echo "ok   $sc"
	else
		echo "FAIL $sc"; echo "$problems"; fails=$((fails + 1))
	fi
done

# Timing: all four protocols at once vs each alone, on the healthy full server.
if [[ $# -eq 0 ]]; then
	t=$("$LAB" run healthy -- sh -c '
		for p in ikev2,l2tp,sstp,pptp ikev2 l2tp sstp pptp; do
			"$0" probe --json --timeout "$1" --protocols $p --ca-file "$CA_FILE" --psk-file "$PSK_FILE" "$TARGET_NAME" |
				python3 -c "import json,sys; print(\"$p\", json.load(sys.stdin)[\"elapsed_ms\"])"
		done' "$VPNDIAG" "$PROBE_TIMEOUT" 2>&1)
	echo "$t" | sed 's/^/     elapsed_ms /'
	if ! python3 - "$t" <<'EOF'
import sys
d = dict((l.split()[0], int(l.split()[1])) for l in sys.argv[1].splitlines() if len(l.split()) == 2 and l.split()[1].isdigit())
single = max(v for k, v in d.items() if "," not in k)
allp = d.get("ikev2,l2tp,sstp,pptp")
ok = allp is not None and allp <= single * 1.25 + 300
print("     all four: %s ms, slowest single probe: %d ms -> %s" % (allp, single, "ok" if ok else "TOO SLOW"))
sys.exit(0 if ok else 1)
EOF
	then fails=$((fails + 1)); fi
fi
[[ $fails -eq 0 ]] && echo "PASS (${#SCENARIOS[@]} scenarios)" || echo "FAILED: $fails"
[[ $fails -eq 0 ]]
