#!/bin/bash
# ctest lab_scan (issue 16): `vpndiag scan` of the scan lab (tests/lab/scan/scanlab.sh).
# Asserts: every real responder found, no test responder (reflector, spoofer) ever counted, the JSON
# lines valid against docs/scan-json.schema.json, per responder the same verdict as
# `vpndiag probe --protocols ikev2` where IKE_SA_INIT decides it (fails: same error and cause) and
# never more than it (probe works/unknown: scan unknown, stage ike_sa_init, a proposal accepted),
# the COOKIE and NAT facts, the exclude list, and shards 1/3 2/3 3/3 together = one whole scan.
# L2TP/IPsec (--protocols ikev2,l2tp --aggressive, the same sweep): every IKEv1 responder found, the
# same verdict as `vpndiag probe --protocols l2tp --psk-file` where Main Mode 1-4 decides it (fails:
# same error and cause), never more than it, the Aggressive Mode warning on the one responder that
# answers it and on no other; --deep: each responder's "probe" member equals a direct probe;
# TCP (--protocols sstp,pptp): the open port unknown, every reset the same verdict as probe's.
# Exit 77 (SKIPPED) when the lab cannot run here.
set -u
VPNDIAG=$(readlink -f "${1:?usage: scan_lab_test.sh VPNDIAG}")
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "the scan lab needs root (network namespaces)"
p="vds-pf-$$"; ip netns add "$p" 2>/dev/null || skip "cannot create network namespaces here"; ip netns del "$p"
for c in ip nft swanctl /usr/lib/ipsec/charon pki python3 ike-scan; do
	command -v "$c" >/dev/null 2>&1 || [[ -x $c ]] || skip "missing: $c (install tests/lab/packages.txt)"
done

inner() {
	set -u
	local out=$SCANLAB_STATE/out fail=0
	mkdir -p "$out"
	fail() { echo "FAIL: $*"; fail=1; }
	sx() { ip netns exec "$SCANLAB_NS" "$@"; }
	# 1. the whole space, IPv4 /16 + IPv6 /112
	sx "$VPNDIAG" scan --json --no-progress --protocols ikev2,l2tp --aggressive --rate 50000 --retries 1 --timeout 1.5 \
		"$SCANLAB_SPACE4" "$SCANLAB_SPACE6" >"$out/all.json" || fail "scan exit $?"
	python3 "$HERE/validate_scan_json.py" "$out/all.json" || fail "JSON lines do not validate"
	# 2. per responder: found, and agrees with probe
	while read -r a kind; do
		local line probe
		line=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o["type"]=="responder" and o["address"]==sys.argv[2] and o["protocol"]=="ikev2": print(l.strip())' "$out/all.json" "$a")
		[[ -n $line ]] || { fail "$a ($kind): not found"; continue; }
		probe=$(sx "$VPNDIAG" probe --json --protocols ikev2 --ca-file "$SCANLAB_CA" --timeout 10 "$a")
		python3 - "$a" "$kind" "$line" "$probe" <<'PY' || fail "$a ($kind): disagrees with probe"
import json, sys
a, kind, s, p = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])["protocols"]["ikev2"]
bad = []
if s["verdict"] == "works": bad.append("scan said works")
if p["verdict"] == "fails":
    if (s["verdict"], s["error"], s["cause"]) != ("fails", p["windows_error"], p["cause"]):
        bad.append(f"probe fails {p['windows_error']} {p['cause']}, scan {s['verdict']} {s['error']} {s['cause']}")
else:
    if s["verdict"] != "unknown" or s["stage"] != "ike_sa_init" or not s["accepted"]:
        bad.append(f"probe {p['verdict']}, scan {s['verdict']} accepted={s['accepted']}")
if kind == "refuse" and (s["error"], s["cause"]) != (13868, "proposal-mismatch"): bad.append("refuser not 13868")
if kind == "cookie" and not s["cookie"]: bad.append("COOKIE not seen")
if kind == "nat" and s["nat_server"] is not True: bad.append("server NAT not seen")
if kind in ("accept", "cookie") and s["nat_server"] is not False: bad.append("NAT where there is none")
print(f"{a:20} {kind:7} scan {s['verdict']:8} {s['error']} {s['cause']} | probe {p['verdict']} {p.get('windows_error')} {p.get('cause')}" + ("  <-- " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY
	done <"$SCANLAB_RESPONDERS"
	# 3. nothing else: the reflector and the spoofer are never responders
	python3 - "$out/all.json" "$SCANLAB_RESPONDERS" "$SCANLAB_TEST_RESPONDERS" <<'PY' || fail "responder set"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
resp = {o["address"] for o in got if o["type"] == "responder" and o["protocol"] == "ikev2"}
want = {l.split()[0] for l in open(sys.argv[2])}
tests = {l.split()[0] for l in open(sys.argv[3])}
summ = got[-1]
lines = [(o["address"], o["protocol"]) for o in got if o["type"] == "responder"]
ok = resp == want and not (resp & tests) and summ["ignored"] >= len(tests) and summ["kernel_drops_socket"] == 0
ok = ok and len(lines) == len(set(lines)) and summ["responders"] == len(lines)
print(f"responders {len(resp)}/{len(want)}, extra {sorted(resp - want)}, missing {sorted(want - resp)}, "
      f"test responders counted {sorted(resp & tests)}, ignored {summ['ignored']}, sent {summ['sent']}, "
      f"{summ['rate_pps']:.0f} pkt/s, drops {summ['kernel_drops_socket']}/{summ['kernel_drops_udp']}")
sys.exit(0 if ok else 1)
PY
	# 2b. L2TP/IPsec: every IKEv1 responder found, and it agrees with probe (same sweep)
	while read -r a kind; do
		local line probe
		line=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o["type"]=="responder" and o["address"]==sys.argv[2] and o["protocol"]=="l2tp": print(l.strip())' "$out/all.json" "$a")
		[[ -n $line ]] || { fail "$a (l2tp $kind): not found"; continue; }
		probe=$(sx "$VPNDIAG" probe --json --protocols l2tp --psk-file "$SCANLAB_PSK_FILE" --timeout 10 "$a")
		python3 - "$a" "$kind" "$line" "$probe" <<'PY' || fail "$a (l2tp $kind): disagrees with probe"
import json, sys
a, kind, s, pj = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
p = pj["protocols"]["l2tp"]
pf = {f["cause"] for f in pj["findings"] if f["protocol"] == "l2tp"}
sf = {f["cause"] for f in s["findings"]}
bad = []
if s["verdict"] == "works": bad.append("scan said works")
if s["stage"] != "main_mode": bad.append("stage")
if p["verdict"] == "fails":
    if (s["verdict"], s["error"], s["cause"]) != ("fails", p["windows_error"], p["cause"]):
        bad.append(f"probe fails {p['windows_error']} {p['cause']}, scan {s['verdict']} {s['error']} {s['cause']}")
elif s["verdict"] != "unknown" or not s["accepted"]:
    bad.append(f"probe {p['verdict']}, scan {s['verdict']} accepted={s['accepted']}")
if kind == "nat" and (p["windows_error"], p["cause"], s["nat_server"]) != (809, "server-behind-nat", True): bad.append("NAT not seen")
if kind in ("accept", "am") and (s["nat_server"], s["nat_client"]) != (False, False): bad.append("NAT where there is none")
if kind == "refuse" and (s["error"], s["cause"]) != (788, "proposal-mismatch"): bad.append("refuser not 788 proposal-mismatch")
if kind == "none" and (s["error"], s["cause"]) != (788, "ikev1-not-offered"): bad.append("no-IKEv1 server not 788 ikev1-not-offered")
am = "ike-aggressive-mode-psk"
if (kind == "am") != (s["aggressive_mode"] == "hash") or (kind == "am") != (am in sf) or (am in sf) != (am in pf):
    bad.append(f"Aggressive Mode: scan {s['aggressive_mode']} {am in sf}, probe {am in pf}")
if kind in ("accept", "am", "nat") and (s["nat_t"] is not True or "NAT-T RFC 3947" not in s["vendor_ids"]): bad.append("NAT-T VID not seen")
print(f"{a:20} l2tp {kind:7} scan {s['verdict']:8} {s['error']} {s['cause']} am={s['aggressive_mode']} | probe {p['verdict']} {p.get('windows_error')} {p.get('cause')}" + ("  <-- " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY
	done <"$SCANLAB_L2TP_RESPONDERS"
	python3 - "$out/all.json" "$SCANLAB_L2TP_RESPONDERS" "$SCANLAB_TEST_RESPONDERS" <<'PY' || fail "l2tp responder set"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
resp = {o["address"] for o in got if o["type"] == "responder" and o["protocol"] == "l2tp"}
want = {l.split()[0] for l in open(sys.argv[2])}
tests = {l.split()[0] for l in open(sys.argv[3])}
print(f"l2tp responders {len(resp)}/{len(want)}, extra {sorted(resp - want)}, missing {sorted(want - resp)}, test responders counted {sorted(resp & tests)}")
sys.exit(0 if resp == want and not (resp & tests) else 1)
PY
	# 2c. --deep: the full probe per responder, its verdicts the same as a direct probe's
	sx "$VPNDIAG" scan --json --no-progress --protocols ikev2,l2tp --rate 50000 --retries 1 --timeout 1 --deep --deep-jobs 4 \
		--psk-file "$SCANLAB_PSK_FILE" --ca-file "$SCANLAB_CA" 198.19.0.0/24 198.19.9.9 198.19.250.7 198.19.128.5 198.19.77.77 >"$out/deep.json" || fail "deep scan exit $?"
	python3 "$HERE/validate_scan_json.py" "$out/deep.json" || fail "deep JSON lines do not validate"
	for a in 198.19.0.10 198.19.9.9 198.19.250.7; do
		sx "$VPNDIAG" probe --json --psk-file "$SCANLAB_PSK_FILE" --ca-file "$SCANLAB_CA" --timeout 10 "$a" >"$out/probe-$a.json"
	done
	python3 - "$out" <<'PY' || fail "deep"
import json, sys
d = sys.argv[1]
got = [json.loads(l) for l in open(f"{d}/deep.json")]
resp = [o for o in got if o["type"] == "responder"]
bad = [f"{o['address']} {o['protocol']}: no probe" for o in resp if not isinstance(o.get("probe"), dict)]
for a in ("198.19.0.10", "198.19.9.9", "198.19.250.7"):
    p = json.load(open(f"{d}/probe-{a}.json"))["protocols"]
    for o in resp:
        if o["address"] != a or not o.get("probe"): continue
        for k in ("ikev2", "l2tp", "sstp", "pptp"):
            x, y = o["probe"][k], p[k]
            if (x["verdict"], x["windows_error"], x["cause"]) != (y["verdict"], y["windows_error"], y["cause"]):
                bad.append(f"{a} {k}: deep {x['verdict']} {x['windows_error']} {x['cause']}, probe {y['verdict']} {y['windows_error']} {y['cause']}")
print(f"deep: {len(resp)} responder lines, {len({o['address'] for o in resp})} addresses probed" + ("  <-- " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad or len(resp) != 10 else 0)
PY
	# 2d. TCP (sstp, pptp): connects; the open listener, the resets, silence; the same rules as probe
	sx "$VPNDIAG" scan --json --no-progress --protocols sstp,pptp --rate 50000 --timeout 2 \
		198.19.0.0/20 198.19.37.201 198.19.66.6 2001:2:0:99::10 >"$out/tcp.json" || fail "tcp scan exit $?"
	python3 "$HERE/validate_scan_json.py" "$out/tcp.json" || fail "tcp JSON lines do not validate"
	sx "$VPNDIAG" probe --json --protocols sstp,pptp --timeout 5 198.19.0.10 >"$out/probe-tcp.json"
	python3 - "$out/tcp.json" "$out/probe-tcp.json" <<'PY' || fail "tcp"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
p = json.load(open(sys.argv[2]))["protocols"]
resp = {(o["address"], o["protocol"]): o for o in got if o["type"] == "responder"}
want = {(a, k) for a in ("198.19.0.10", "198.19.9.9", "198.19.37.201", "198.19.66.6", "2001:2:0:99::10") for k in ("sstp", "pptp")}
bad = []
if set(resp) != want: bad.append(f"lines {sorted(set(resp) ^ want)}")
for (a, k), o in resp.items():
    if o["stage"] != "tcp_connect": bad.append(f"{a} {k} stage")
    if a == "198.19.37.201":
        if o["verdict"] != "unknown" or o["error"] is not None: bad.append(f"{a} {k}: open port not unknown")
    elif (o["verdict"], o["error"], o["cause"]) != ("fails", p[k]["windows_error"], p[k]["cause"]):
        bad.append(f"{a} {k}: scan {o['verdict']} {o['error']} {o['cause']}, probe of 198.19.0.10 {p[k]['verdict']} {p[k]['windows_error']} {p[k]['cause']}")
s = got[-1]
if s["tcp_no_answer"] != 2 * 4096 - 4 or s["sent"] != 2 * 4099: bad.append(f"counts: sent {s['sent']} no answer {s['tcp_no_answer']}")
print(f"tcp: {len(resp)} lines, sent {s['sent']}, no answer {s['tcp_no_answer']}, {s['duration_ms']} ms" + ("  <-- " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY
	# 4. the exclude list: 198.19.0.0/24 (198.19.0.10) is never sent to
	sx "$VPNDIAG" scan --json --no-progress --rate 50000 --retries 0 --timeout 1 --exclude 198.19.0.0/24 "$SCANLAB_SPACE4" >"$out/excl.json"
	python3 - "$out/excl.json" <<'PY' || fail "exclude"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
resp = {o["address"] for o in got if o["type"] == "responder"}
s = got[-1]
# sent: one request per target not excluded, plus the follow-ups (the COOKIE responder's)
ok = "198.19.0.10" not in resp and s["excluded"] == 256 and 65536 - 256 <= s["sent"] <= 65536 - 256 + 4 and len(resp) == 9
print(f"exclude: {len(resp)} responders, excluded {s['excluded']}, sent {s['sent']}")
sys.exit(0 if ok else 1)
PY
	# 5. shards 1/3 2/3 3/3 with one seed: together every responder once, every target sent once
	for i in 1 2 3; do
		sx "$VPNDIAG" scan --json --no-progress --rate 50000 --retries 0 --timeout 1 --seed 42 --shard $i/3 "$SCANLAB_SPACE4" >"$out/shard$i.json"
	done
	python3 - "$out" <<'PY' || fail "shards"
import json, sys
resp, sent = [], 0
for i in (1, 2, 3):
    got = [json.loads(l) for l in open(f"{sys.argv[1]}/shard{i}.json")]
    resp += [o["address"] for o in got if o["type"] == "responder"]
    sent += got[-1]["sent"]
ok = len(resp) == len(set(resp)) == 10 and 65536 <= sent <= 65536 + 4  # + the COOKIE follow-ups
print(f"shards: {len(resp)} responders ({len(set(resp))} distinct), {sent} sent")
sys.exit(0 if ok else 1)
PY
	return $fail
}
export -f inner
export VPNDIAG HERE
"$HERE/scanlab.sh" run bash -c inner
rc=$?
[[ $rc == 0 ]] && echo "lab_scan: PASS" || echo "lab_scan: FAIL"
exit $rc
