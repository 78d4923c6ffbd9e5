#!/bin/bash
# ctest lab_probe_dual (issue 13, every resolved address): `vpndiag probe` of a dual-stack name
# (TARGET_NAME resolves to TARGET6 and TARGET) with one family's firewall closed, in JSON, text
# and monitoring mode. Asserts:
#  - the name-level verdicts = the scenario's expect.* lines (verdict, cause, error, basis of the
#    deciding finding);
#  - the per-address results (JSON "targets": IPv6 first in Windows' order, each address's IKEv2
#    and SSTP verdict and cause, table below);
#  - the family finding (ipv6-path-fails / ipv4-path-fails) for IKEv2 and SSTP, basis inferred,
#    with the firewall fix for the failing family;
#  - the text report's per-address lines and the monitoring line's per-family difference.
# Usage: probe_dual.sh VPNDIAG_BINARY [SCENARIO...]
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_binary "${1:-}"
shift
lab_preflight
command -v python3 >/dev/null || skip "python3 missing"
SCEN_DIR="$(dirname "$(readlink -f "$0")")/../scenarios"
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(dual-v6-blocked dual-v4-blocked)
PROBE_TIMEOUT=${PROBE_TIMEOUT:-10}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

fails=0
for sc in "${SCENARIOS[@]}"; do
	d=$OUT/$sc
	mkdir -p "$d"
	chmod 777 "$d"
	t0=$(date +%s.%N)
	# One lab, the three modes in turn (the probe drops to nobody; the shell writes the files).
	"$LAB" run "$sc" -- bash -c '
		o=(--timeout '"$PROBE_TIMEOUT"' --ca-file "$CA_FILE" --psk-file "$PSK_FILE")
		getent ahosts "$TARGET_NAME" | awk "{print \$1}" | sort -u >'"$d"'/resolved
		echo "$TARGET $TARGET6" >'"$d"'/addrs
		"$0" probe --json "${o[@]}" "$TARGET_NAME" >'"$d"'/json; echo $? >'"$d"'/json.rc
		"$0" probe "${o[@]}" "$TARGET_NAME" >'"$d"'/text; echo $? >'"$d"'/text.rc
		"$0" probe --monitoring "${o[@]}" "$TARGET_NAME" >'"$d"'/mon; echo $? >'"$d"'/mon.rc
	' "$VPNDIAG" >"$d/lab.out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	if [[ $rc -ne 0 || ! -s $d/json ]]; then
		echo "FAIL $sc: lab run exited $rc"; sed 's/^/  /' "$d/lab.out" | tail -n 20
		fails=$((fails + 1)); continue
	fi
	if python3 - "$sc" "$SCEN_DIR/$sc.scn" "$d" <<'EOF'; then
import json, re, sys
sc, scn, d = sys.argv[1], sys.argv[2], sys.argv[3]
bad = []
def rd(n): return open("%s/%s" % (d, n)).read()
v4, v6 = rd("addrs").split()
resolved = set(rd("resolved").split())
if resolved != {v4, v6}:
    bad.append("getaddrinfo in the client namespace gave %s, not both %s and %s" % (sorted(resolved), v4, v6))
j = json.loads(rd("json"))
if j["schema"] != "vpndiag/1":
    bad.append("schema %s" % j["schema"])
if sorted(j["target"]["addresses"]) != sorted([v4, v6]):
    bad.append("target.addresses %s" % j["target"]["addresses"])
if j["target"]["probed_address"] != v6:
    bad.append("probed_address (Windows' first) %s, expected the IPv6 %s" % (j["target"]["probed_address"], v6))
# the name level = the scenario's expect lines
exp = {}
for line in open(scn):
    m = re.match(r"expect\.(ikev2|l2tp|sstp|pptp)=(.*)", line.strip())
    if m:
        w = m.group(2).split()
        e = {"verdict": w[0]}
        for x in w[1:]:
            k, _, v = x.partition("=")
            e[k] = v
        exp[m.group(1)] = e
for proto, e in exp.items():
    p = j["protocols"][proto]
    if p["verdict"] != e["verdict"]:
        bad.append("%s: name-level verdict %s, expected %s (%s)" % (proto, p["verdict"], e["verdict"], p["summary"]))
        continue
    if "cause" in e and p["cause"] != e["cause"]:
        bad.append("%s: cause %s, expected %s" % (proto, p["cause"], e["cause"]))
    if "error" in e:
        want = int(e["error"], 16) if e["error"].startswith("0x") else int(e["error"])
        if p["windows_error"] != want:
            bad.append("%s: error %s, expected %s" % (proto, p["windows_error"], want))
    if "basis" in e and "cause" in e:
        fs = [f for f in j["findings"] if f["protocol"] == proto and f["cause"] == e["cause"]]
        if not fs or fs[0]["basis"] != e["basis"]:
            bad.append("%s: basis %s, expected %s" % (proto, fs[0]["basis"] if fs else None, e["basis"]))
# per address: (family blocked) -> the failing family's IKEv2/SSTP fail with the firewall causes,
# the other family's work
blocked = {"dual-v6-blocked": "ipv6", "dual-v4-blocked": "ipv4"}[sc]
ts = j.get("targets") or []
if len(ts) != 2:
    bad.append("%d targets, expected 2" % len(ts))
else:
    if [t["family"] for t in ts] != ["ipv6", "ipv4"] or [t["windows_order"] for t in ts] != [1, 2]:
        bad.append("targets not in Windows' order (IPv6 first): %s" % [(t["address"], t["family"]) for t in ts])
    for t in ts:
        want_addr = v6 if t["family"] == "ipv6" else v4
        if t["address"] != want_addr:
            bad.append("target %s, expected %s" % (t["address"], want_addr))
        if not t["reached"]:
            bad.append("target %s not reached" % t["address"])
        for proto, cause in (("ikev2", "udp500-filtered"), ("sstp", "tcp443-filtered")):
            p = t["protocols"][proto]
            if t["family"] == blocked:
                if p["verdict"] != "fails" or p["cause"] != cause or p["windows_error"] != 809:
                    bad.append("%s on %s: %s %s %s, expected fails %s 809" % (proto, t["address"], p["verdict"], p["cause"], p["windows_error"], cause))
            elif p["verdict"] == "fails":
                bad.append("%s on %s (open family) fails: %s" % (proto, t["address"], p["summary"]))
        if t["family"] == "ipv4" and t["protocols"]["pptp"]["verdict"] != "works":
            bad.append("pptp on the IPv4 address %s: %s" % (t["address"], t["protocols"]["pptp"]["verdict"]))
        if not t["observations"]:
            bad.append("target %s has no observations" % t["address"])
# the family findings, with the fix for the failing family
cause = "ipv6-path-fails" if blocked == "ipv6" else "ipv4-path-fails"
tool = "ip6tables" if blocked == "ipv6" else "iptables"
for proto, port in (("ikev2", "500"), ("sstp", "443")):
    fs = [f for f in j["findings"] if f["cause"] == cause and f["protocol"] == proto]
    if not fs:
        bad.append("no %s finding for %s" % (cause, proto)); continue
    f = fs[0]
    if f["basis"] != "inferred" or f["severity"] != "warning" or f["windows_error"] != 809:
        bad.append("%s %s: basis %s severity %s error %s" % (cause, proto, f["basis"], f["severity"], f["windows_error"]))
    if not any(x["command"] and x["command"].startswith(tool) and port in x["command"] for x in f["fixes"]):
        bad.append("%s %s: no %s fix opening %s: %s" % (cause, proto, tool, port, f["fixes"]))
# the deciding findings name their address
for proto in ("ikev2", "sstp"):
    c = j["protocols"][proto]["cause"]
    fs = [f for f in j["findings"] if f["protocol"] == proto and f["cause"] == c]
    if not fs or fs[0].get("address") != (v6 if blocked == "ipv6" else v4):
        bad.append("%s: deciding finding without the address: %s" % (proto, fs[0].get("address") if fs else None))
if rd("json.rc").strip() != "1":
    bad.append("--json exit code %s, expected 1" % rd("json.rc").strip())
# text: the name-level table, then one line per address in Windows' order
text = rd("text")
lines = text.splitlines()
if not any(l.startswith("SSTP") and "fails" in l for l in lines):
    bad.append("text: no 'SSTP ... fails' line")
i6 = [k for k, l in enumerate(lines) if re.match(r"\s+1\. %s\s+IPv6\s" % re.escape(v6), l)]
i4 = [k for k, l in enumerate(lines) if re.match(r"\s+2\. %s\s+IPv4\s" % re.escape(v4), l)]
if not i6 or not i4:
    bad.append("text: no per-address lines for %s (1., IPv6) and %s (2., IPv4)" % (v6, v4))
else:
    l6, l4 = lines[i6[0]], lines[i4[0]]
    bl, ok = (l6, l4) if blocked == "ipv6" else (l4, l6)
    if "SSTP fails 809" not in bl or "IKEv2 fails 809" not in bl or "SSTP works" not in ok:
        bad.append("text: per-address lines %r / %r" % (l6, l4))
if cause not in text:
    bad.append("text: no %s finding" % cause)
if rd("text.rc").strip() != "1":
    bad.append("text exit code %s, expected 1" % rd("text.rc").strip())
# monitoring: CRITICAL, with the per-family difference
mon = rd("mon")
if not mon.startswith("VPNDIAG CRITICAL - ") or rd("mon.rc").strip() != "2":
    bad.append("monitoring: %r (exit %s)" % (mon[:80], rd("mon.rc").strip()))
if blocked == "ipv6":
    want = "sstp per address: IPv6 %s fails 809, IPv4 %s works" % (v6, v4)
else:
    want = "sstp per address: IPv6 %s works, IPv4 %s fails 809" % (v6, v4)
if want not in mon:
    bad.append("monitoring: no %r in %r" % (want, mon[:300]))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
		printf "PASS %s (%s s, three runs)\n" "$sc" "$(awk -v a="$t0" -v b="$t1" "BEGIN{printf \"%.1f\", b-a}")"
	else
		echo "FAIL $sc"; fails=$((fails + 1))
	fi
done
[[ $fails -eq 0 ]] && echo "all ${#SCENARIOS[@]} dual-stack scenarios pass" || echo "$fails of ${#SCENARIOS[@]} failed"
exit $((fails > 0))
