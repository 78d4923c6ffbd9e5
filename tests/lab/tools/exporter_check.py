#!/usr/bin/env python3
"""Check what a real Prometheus scraped from `vpndiag exporter` against a scenario's expect.* lines.

Usage: exporter_check.py PROMETHEUS_URL INSTANCE SCENARIO.scn WAIT_SECONDS
Waits (at most WAIT_SECONDS) until Prometheus has scraped the probe of INSTANCE (job vpndiag) and
the exporter itself (job vpndiag_exporter), then asks its HTTP API (/api/v1/query):
  per protocol with an expect line: vpndiag_protocol_verdict{verdict=V} is 1 (and the other
  verdicts 0); error=N -> vpndiag_protocol_windows_error N; cause=C [basis=B] -> a vpndiag_finding
  series with that cause (and basis); vpndiag_probe_success is 1 exactly when every protocol is
  expected to work; expect.nat -> vpndiag_client/server_behind_nat.
Prints one line per check and the scrape numbers; exit 1 on any problem.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

from scnfile import scenario


class Prom:
    def __init__(self, url):
        self.url = url

    def query(self, q):
        u = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
        with urllib.request.urlopen(u, timeout=5) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError("query %s: %s" % (q, body))
        return [(x["metric"], float(x["value"][1])) for x in body["data"]["result"]]

    def one(self, q):
        r = self.query(q)
        return r[0][1] if len(r) == 1 else None


def main():
    url, inst, scn_path, wait = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    scn = scenario(scn_path)
    p = Prom(url)
    sel = 'job="vpndiag",instance="%s"' % inst
    end = time.monotonic() + wait
    up = None
    while time.monotonic() < end:
        try:
            up = p.one("up{%s}" % sel)
            self_up = p.one('vpndiag_exporter_probes_total{job="vpndiag_exporter"}')
            if up is not None and p.one("vpndiag_probe_success{%s}" % sel) is not None and self_up:
                break
        except OSError:
            pass  # Prometheus still starting
        time.sleep(0.5)
    else:
        print("FAIL no scrape within %.0f s (up=%s)" % (wait, up))
        return 1
    problems = []

    def check(what, got, want):
        ok = got == want
        print("%s %s = %s%s" % ("ok  " if ok else "FAIL", what, got, "" if ok else " (want %s)" % want))
        if not ok:
            problems.append(what)

    check("up{job=vpndiag}", p.one("up{%s}" % sel), 1.0)
    all_work = True
    for key in ("ikev2", "l2tp", "sstp", "pptp"):
        exp = scn.get("expect." + key)
        if not exp:
            continue
        words = exp.split()
        verdict, attrs = words[0], dict(w.split("=", 1) for w in words[1:] if "=" in w)
        all_work = all_work and verdict == "works"
        for v in ("works", "fails", "unknown", "not probed"):
            check('vpndiag_protocol_verdict{protocol="%s",verdict="%s"}' % (key, v),
                  p.one('vpndiag_protocol_verdict{%s,protocol="%s",verdict="%s"}' % (sel, key, v)),
                  1.0 if v == verdict else 0.0)
        if "error" in attrs:
            check('vpndiag_protocol_windows_error{protocol="%s"}' % key,
                  p.one('vpndiag_protocol_windows_error{%s,protocol="%s"}' % (sel, key)), float(int(attrs["error"], 0)))
        if "cause" in attrs:
            labels = 'protocol="%s",cause="%s"' % (key, attrs["cause"])
            if "basis" in attrs:
                labels += ',basis="%s"' % attrs["basis"]
            check("vpndiag_finding{%s}" % labels, p.one("vpndiag_finding{%s,%s}" % (sel, labels)), 1.0)
    check("vpndiag_probe_success", p.one("vpndiag_probe_success{%s}" % sel), 1.0 if all_work else 0.0)
    nat = scn.get("expect.nat")
    # NAT detection is IKE's: with no IKE exchange (IKEv2 and L2TP/IPsec both failing before one),
    # the series are absent (not known), never a guess.
    ike_seen = any(scn.get("expect." + k, "").split()[:1] != ["fails"] or
                   "udp500" not in scn.get("expect." + k, "") for k in ("ikev2", "l2tp"))
    if nat:
        for side, yes in (("client", ("client", "both")), ("server", ("server", "both"))):
            check("vpndiag_%s_behind_nat" % side, p.one("vpndiag_%s_behind_nat{%s}" % (side, sel)),
                  (1.0 if nat in yes else 0.0) if ike_seen else None)
    if scn.get("server.sstp", "responder") != "off" and all_work:
        exp = p.one('vpndiag_certificate_expiry_timestamp_seconds{%s,protocol="sstp"}' % sel)
        check("vpndiag_certificate_expiry_timestamp_seconds{protocol=sstp} in the future",
              exp is not None and exp > time.time(), True)
    print("scrape: scrape_duration_seconds %.3f s, vpndiag_probe_duration_seconds %.3f s, timeout %.1f s" % (
        p.one("scrape_duration_seconds{%s}" % sel), p.one("vpndiag_probe_duration_seconds{%s}" % sel),
        p.one("vpndiag_probe_timeout_seconds{%s}" % sel)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
