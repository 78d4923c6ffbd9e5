#!/usr/bin/env python3
"""Check one `vpndiag probe` run (all protocols) against a scenario file's expect.* lines.

Usage: expect_check.py SCENARIO.scn OUTDIR
OUTDIR holds json (probe --json), text (probe), mon (probe --monitoring) and monrc (its exit code),
all from the same lab. For each protocol with an expect.<key> line:
  fails cause=C error=N basis=B -> verdict fails, that cause, Windows error and basis (JSON), the
                                   text report's row says fails, the monitoring line names it
  works                         -> verdict works, and never with the monitoring state CRITICAL
  unknown                       -> verdict unknown (never works)
Prints one line per protocol and the problems; exit 1 when there is any.
"""
import json
import os
import sys

from scnfile import scenario

TITLES = {"ikev2": "IKEv2", "l2tp": "L2TP/IPsec", "sstp": "SSTP", "pptp": "PPTP"}


def main():
    scn, out = sys.argv[1], sys.argv[2]
    S = scenario(scn)
    read = lambda n: open(os.path.join(out, n)).read()
    bad = []
    try:
        j = json.loads(read("json"))
    except Exception as e:  # noqa: BLE001 - any parse failure is the finding
        print("  JSON does not parse: %s" % e)
        return 1
    text, mon, monrc = read("text"), read("mon").splitlines()[0:1], int(read("monrc").strip() or -1)
    mon = mon[0] if mon else ""
    if j.get("schema") != "vpndiag/1":
        bad.append("schema %r" % j.get("schema"))
    any_fails = False
    for key, title in TITLES.items():
        exp = S.get("expect." + key, "").split()
        if not exp:
            continue
        want, kv = exp[0], dict(x.split("=", 1) for x in exp[1:] if "=" in x)
        p = j["protocols"][key]
        print("  %s: %s %s %s | %s" % (key, p["verdict"], p["windows_error"], p["cause"], p["summary"][:110]))
        if p["verdict"] != want:
            bad.append("%s verdict %s, expected %s" % (key, p["verdict"], want))
            continue
        row = [l for l in text.splitlines() if l.startswith(title + " ")]
        if not row or want not in row[0]:
            bad.append("%s: the text report's row does not say %s" % (key, want))
        if want == "fails":
            any_fails = True
            if "cause" in kv and p["cause"] != kv["cause"]:
                bad.append("%s cause %s, expected %s" % (key, p["cause"], kv["cause"]))
            if "error" in kv and p["windows_error"] != int(kv["error"], 0):
                bad.append("%s windows_error %s, expected %s" % (key, p["windows_error"], kv["error"]))
            if "basis" in kv:
                f = [x for x in j["findings"] if x["protocol"] == key and x["cause"] == p["cause"]]
                if not f or f[0]["basis"] != kv["basis"]:
                    bad.append("%s basis %s, expected %s" % (key, f[0]["basis"] if f else None, kv["basis"]))
            if "%s: fails" % key not in mon:
                bad.append("%s: monitoring line does not say it fails: %r" % (key, mon))
    if any_fails and (monrc != 2 or not mon.startswith("VPNDIAG CRITICAL")):
        bad.append("monitoring exit %d %r, expected CRITICAL" % (monrc, mon))
    for b in bad:
        print("  " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
