#!/bin/bash
# Test of `vpndiag local` and `vpndiag fix` (issue 15) under Wine, with fixtures in a throwaway
# prefix (a temporary folder, removed afterwards):
#   - services: stand-ins (tests/win/svc_stub.c) named IKEEXT (disabled, stopped), PolicyAgent
#     (manual, running), BFE (automatic, running) and RasMan (manual, stopped); SstpSvc is left
#     out (not installed);
#   - registry: `wine reg add` of AssumeUDPEncapsulationContextOnSendRule (0), ProhibitIpSec (1),
#     NegotiateDH2048_AES256 as a REG_SZ (wrong type) and DisableIKENameEkuCheck (1);
#   - phonebooks: the user's (%APPDATA%) and all users' (%ProgramData%) rasphone.pbk, plus
#     hostile ones through --pbk (huge, binary, UTF-16LE, invalid UTF-8);
#   - events: recorded RasClient event XML through --events-file (Wine's event log is a stub);
#   - fix: refused without elevation (tests/win/limited.c runs it with the limited token),
#     --dry-run prints the plan, then for real (--yes) and --undo, each checked with `reg query`.
# The phonebooks name only 127.0.0.1 (fix probes the servers: nothing leaves the machine).
# Exit 77 (skipped) when the cross compiler or Wine is missing.
# Usage: tests/win/local.sh VPNDIAG.EXE
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
exe=$(readlink -f "${1:?usage: local.sh VPNDIAG.EXE}")
cc=x86_64-w64-mingw32-gcc
skip() { echo "win local: SKIP: $*"; exit 77; }
fail() { echo "win local: FAIL: $*" >&2; exit 1; }
command -v "$cc" >/dev/null || skip "$cc not installed (tools/win-deps.sh)"
command -v wine >/dev/null || skip "wine not installed (tools/win-deps.sh)"
command -v python3 >/dev/null || skip "python3 not installed"
[ -f "$exe" ] || fail "$exe missing (make windows)"

tmp=$(mktemp -d)
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
cleanup() {
	[ -d "$WINEPREFIX" ] && timeout 30 wineserver -k 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)
for f in svc_stub limited; do
	"$cc" -std=c17 -Wall -Wextra -Werror -municode -O2 -static -o "$tmp/$f.exe" "$here/tests/win/$f.c" -ladvapi32 ||
		fail "cross-compiling $f.c failed"
done
timeout 120 wineboot -i >/dev/null 2>&1 || fail "wineboot failed"
# The wineserver ends 3 s after its last process, and the stand-in services with it: keep it
# (and services.exe) up until cleanup's `wineserver -k`.
timeout 60 wineserver -w || true
wineserver -p || fail "wineserver -p failed"
w() { timeout 120 wine "$@" 2>/dev/null | tr -d '\r'; }
cp "$tmp/svc_stub.exe" "$tmp/limited.exe" "$exe" "$WINEPREFIX/drive_c/"
V='C:\vpndiag.exe'

# ---- fixtures: services ----
svc() { # NAME START RUN (Wine's `sc config` changes nothing: the start type is given at creation)
	w sc create "$1" binPath= 'C:\svc_stub.exe' start= "$2" >/dev/null
	[ "$3" = run ] || return 0
	# a first start right after wineboot may time out (1053) while Wine's own services start
	for _ in 1 2 3; do
		w sc start "$1" >/dev/null || true
		w sc query "$1" | grep -q RUNNING && return 0
		sleep 1
	done
	fail "the stand-in service $1 does not start"
}
svc IKEEXT disabled stop
svc PolicyAgent demand run
svc BFE auto run
svc RasMan demand stop
sleep 1
# ---- fixtures: registry ----
K='HKLM\SYSTEM\CurrentControlSet\Services'
w reg add "$K\\PolicyAgent" /v AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 0 /f >/dev/null
w reg add "$K\\RasMan\\Parameters" /v ProhibitIpSec /t REG_DWORD /d 1 /f >/dev/null
w reg add "$K\\RasMan\\Parameters" /v NegotiateDH2048_AES256 /t REG_SZ /d 1 /f >/dev/null
w reg add "$K\\RasMan\\Parameters" /v DisableIKENameEkuCheck /t REG_DWORD /d 1 /f >/dev/null
# ---- fixtures: phonebooks ----
appdata=$(w cmd /c 'echo %APPDATA%')
progdata=$(w cmd /c 'echo %ProgramData%')
upbk="$(winepath -u "$appdata" 2>/dev/null)/Microsoft/Network/Connections/Pbk"
apbk="$(winepath -u "$progdata" 2>/dev/null)/Microsoft/Network/Connections/Pbk"
mkdir -p "$upbk" "$apbk"
fx="$here/tests/win/fixtures"
cp "$fx/user.pbk" "$upbk/rasphone.pbk"
cp "$fx/allusers.pbk" "$apbk/rasphone.pbk"
# ---- fixtures: events, an hour and a day ago (the XML Windows writes; times of this run) ----
ev="$WINEPREFIX/drive_c/events.xml"
python3 - "$fx/events.xml.in" "$ev" <<'EOF'
import sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
fmt = lambda d: (now - d).strftime("%Y-%m-%dT%H:%M:%S.1234567Z")
t = open(sys.argv[1], encoding="utf-8").read()
for k, d in (("T_HOUR", datetime.timedelta(hours=1)), ("T_DAY", datetime.timedelta(days=1)),
             ("T_OLD", datetime.timedelta(days=40))):
    for s in range(4):
        t = t.replace("@%s+%d@" % (k, s), fmt(d + datetime.timedelta(seconds=s)))  # +s: s seconds earlier
open(sys.argv[2], "w", encoding="utf-8").write(t)
EOF
echo "win local: prefix and fixtures ready in $(( $(date +%s) - t0 )) s"

# ---- vpndiag local ----
rc=0; w "$V" local --json --events-file 'C:\events.xml' >"$tmp/local.json" || rc=$?
[ "$rc" = 1 ] || fail "local exited $rc (1 expected: failures found)"
python3 - "$tmp/local.json" <<'EOF' || fail "local --json: see above"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
bad = []
def want(cond, what):
    if not cond: bad.append(what)
want(j["schema"] == "vpndiag-local/1", "schema")
want(j["elevated"] is True, "elevated under Wine's default token")
conns = {c["name"]: c for c in j["connections"]}
want(set(conns) == {"Work VPN", "Branch L2TP", "Shop SSTP"}, "connections: %s" % sorted(conns))
if "Work VPN" in conns:
    c = conns["Work VPN"]
    want(c["servers"] == ["127.0.0.1"] and c["protocols"] == ["ikev2"] and c["vpn_strategy"] == 7, "Work VPN: %s" % c)
    want(c["eap_type"] == 26 and c["owner"] == "user" and c["split_tunnel"] is True, "Work VPN auth/owner/split: %s" % c)
if "Branch L2TP" in conns:
    c = conns["Branch L2TP"]
    want(c["protocols"] == ["l2tp"] and c["psk_configured"] is True and c["owner"] == "all users", "Branch L2TP: %s" % c)
svc = {s["name"]: s for s in j["services"]}
want(svc["IKEEXT"]["state"] == "stopped" and svc["IKEEXT"]["start_type"] == "disabled", "IKEEXT %s" % svc["IKEEXT"])
want(svc["PolicyAgent"]["state"] == "running" and svc["PolicyAgent"]["start_type"] == "manual", "PolicyAgent %s" % svc["PolicyAgent"])
want(svc["BFE"]["state"] == "running" and svc["BFE"]["start_type"] == "automatic", "BFE %s" % svc["BFE"])
want(svc["RasMan"]["state"] == "stopped" and svc["RasMan"]["start_type"] == "manual", "RasMan %s" % svc["RasMan"])
want(svc["SstpSvc"]["installed"] is False, "SstpSvc %s" % svc["SstpSvc"])
reg = {r["name"]: r for r in j["registry"]}
want(reg["AssumeUDPEncapsulationContextOnSendRule"]["value"] == 0, "AssumeUDP %s" % reg["AssumeUDPEncapsulationContextOnSendRule"])
want(reg["ProhibitIpSec"]["value"] == 1, "ProhibitIpSec")
want(reg["NegotiateDH2048_AES256"]["state"] == "wrong type", "DH2048 wrong type: %s" % reg["NegotiateDH2048_AES256"])
want(reg["AllowL2TPWeakCrypto"]["state"] == "absent", "AllowL2TPWeakCrypto absent")
f = j["events"]["failures"]
want([(x["connection"], x["error"]) for x in f] == [("Work VPN", 809), ("Shop SSTP", 0x80092013)],
     "failures newest first, the 40-day-old one left out: %s" % [(x["connection"], x["error"]) for x in f])
if f:
    want(f[0]["stage_event"] == 20222 and f[0]["title"], "809's stage and title: %s" % f[0])
    want(f[1]["error_hex"] == "0x80092013" and f[1]["error_eventlog"] == -2146885613, "HRESULT forms: %s" % f[1])
causes = {(x["cause"], x["connection"]): x for x in j["findings"]}
def finding(cause, conn=None, err=None, sev=None):
    x = causes.get((cause, conn))
    want(x is not None, "finding %s %s missing (have %s)" % (cause, conn, sorted(causes)))
    if x:
        want(err is None or x["windows_error"] == err, "%s error %s" % (cause, x["windows_error"]))
        want(sev is None or x["severity"] == sev, "%s severity %s" % (cause, x["severity"]))
    return x
x = finding("ikeext-stopped", None, 827, "failure")
if x: want(x["fix_command"] == "sc config IKEEXT start= demand", "IKEEXT fix %s" % x.get("fix_command"))
finding("prohibit-ipsec", None, 791, "failure")
finding("registry-wrong-type", None, None, "warning")
finding("name-eku-check-off", None, None, "warning")
finding("service-missing", None, None, "warning")
finding("event-failure", "Work VPN", 809)
finding("split-tunnel", "Work VPN")
want(not any(x["cause"] == "server-behind-nat" for x in j["findings"]), "no NAT finding without a probe")
if bad:
    print("\n".join("  " + b for b in bad)); sys.exit(1)
EOF
w "$V" local --events-file 'C:\events.xml' >"$tmp/local.txt" || true
for s in 'VPN connections (3)' 'IKEEXT' 'error 809' 'fix on this PC' 'the attempt reached'; do
	grep -qF "$s" "$tmp/local.txt" || fail "local's text lacks '$s'"
done
echo "win local: local reports every fixture (connections, services, registry, events, findings)"

# ---- hostile phonebooks (--pbk): a clear reason, never a crash ----
hostile() { # FILE EXPECTED-IN-ERROR
	local rc=0
	w "$V" local --json --pbk "Z:$1" --events-file 'C:\events.xml' >"$tmp/h.json" || rc=$?
	[ "$rc" -le 1 ] || fail "local --pbk $(basename "$1") exited $rc"
	python3 - "$tmp/h.json" "$2" <<'EOF' || fail "hostile phonebook $(basename "$1")"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
b = j["phonebooks"][0]
ok = (b["state"] == "unreadable" and sys.argv[2] in (b["error"] or "")) if sys.argv[2] != "-" else b["state"] == "present"
if not ok:
    print("  %s" % b); sys.exit(1)
EOF
}
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >"$tmp/huge.pbk"
hostile "$tmp/huge.pbk" "larger"
head -c 65536 /dev/urandom >"$tmp/binary.pbk"
hostile "$tmp/binary.pbk" "UTF-8"
python3 -c "import sys; open(sys.argv[2],'wb').write(b'\xff\xfe' + open(sys.argv[1],encoding='utf-8').read().encode('utf-16-le'))" "$fx/user.pbk" "$tmp/utf16.pbk"
hostile "$tmp/utf16.pbk" "-"
printf '[Bad \xc3\x28 name]\r\nType=2\r\n' >"$tmp/badutf8.pbk"
hostile "$tmp/badutf8.pbk" "UTF-8"
echo "win local: hostile phonebooks give a reason (huge, binary, invalid UTF-8) or parse (UTF-16LE)"

# ---- fix ----
regval() { w reg query "$K\\$1" /v "$2" | awk -v n="$2" '$1 == n {print $3}'; }
rc=0; timeout 120 wine 'C:\limited.exe' "$V" fix --yes >"$tmp/fix-limited.txt" 2>"$tmp/fix-limited.err" || rc=$?
[ "$rc" = 2 ] || fail "fix without elevation exited $rc, not 2: $(tr -d '\r' <"$tmp/fix-limited.err")"
grep -q "elevated prompt" "$tmp/fix-limited.err" || fail "fix without elevation: no clear message"
[ "$(regval RasMan\\Parameters ProhibitIpSec)" = 0x1 ] || fail "fix without elevation changed ProhibitIpSec"
w "$V" fix --dry-run --timeout 2 --events-file 'C:\events.xml' >"$tmp/plan.txt" || fail "fix --dry-run exited $?"
python3 - "$tmp/plan.txt" <<'EOF' || fail "fix --dry-run's plan"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
steps = re.findall(r"^\s+\d+\. (.*)$", t, re.M)
cmds = re.findall(r"^\s+command: (.*)$", t, re.M)
want = ['sc config IKEEXT start= demand',
        'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters" /v ProhibitIpSec /t REG_DWORD /d 0 /f',
        'net stop IKEEXT & net start IKEEXT', 'net stop PolicyAgent & net start PolicyAgent']
if cmds != want:
    print("  plan: %s\n  want: %s" % (cmds, want)); sys.exit(1)
EOF
[ "$(regval RasMan\\Parameters ProhibitIpSec)" = 0x1 ] || fail "fix --dry-run changed ProhibitIpSec"
w "$V" fix --yes --timeout 2 --events-file 'C:\events.xml' >"$tmp/fix.txt" || fail "fix --yes exited $?: $(tail -3 "$tmp/fix.txt")"
[ "$(regval RasMan\\Parameters ProhibitIpSec)" = 0x0 ] || fail "fix did not set ProhibitIpSec to 0"
[ "$(regval IKEEXT Start)" = 0x3 ] || fail "fix did not set IKEEXT's start type to manual ($(regval IKEEXT Start))"
w sc query IKEEXT | grep -q RUNNING || fail "fix did not start IKEEXT"
w sc query PolicyAgent | grep -q RUNNING || fail "PolicyAgent is not running after fix"
[ -f "$WINEPREFIX/drive_c/ProgramData/vpndiag/fix-undo.json" ] || fail "no undo record"
w "$V" fix --undo >"$tmp/undo.txt" || fail "fix --undo exited $?: $(tail -3 "$tmp/undo.txt")"
[ "$(regval RasMan\\Parameters ProhibitIpSec)" = 0x1 ] || fail "undo did not restore ProhibitIpSec"
[ "$(regval IKEEXT Start)" = 0x4 ] || fail "undo did not restore IKEEXT's start type (disabled)"
w sc query IKEEXT | grep -q STOPPED || fail "undo left the disabled IKEEXT running"
w sc query PolicyAgent | grep -q RUNNING || fail "PolicyAgent is not running after undo"
rc=0; w "$V" fix --undo >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a second undo (no record) exited $rc, not 2"
echo "win local: fix refuses without elevation, --dry-run plans, --yes applies, --undo restores (in $(( $(date +%s) - t0 )) s)"
