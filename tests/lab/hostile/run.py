#!/usr/bin/env python3
"""ctest lab_hostile (issue 11): vpndiag probe against every case of the hostile test responder.

  run.py VPNDIAG [--cases A,B,...] [--jobs N] [--timeout T] [--out FILE] [--keep-logs]

For each case of hostile.py (CASES): start the responder in the server namespace of a bare lab
network (netup.sh: the lab's own topology code, `direct`), run
    vpndiag probe --json --timeout T --protocols P [--ca-file CA] vpn.lab.test
in the client namespace, and assert
  (a) no signal: exit status < 128 (and one of vpndiag's documented 0/1/3), no ASan/UBSan report;
  (b) wall time <= T + 1 s;
  (c) peak RSS (os.wait4's rusage of vpndiag itself) <= the bound (64 MiB; 512 MiB for a
      sanitizer build, whose shadow memory and quarantine are counted);
  (d) the verdict of every attacked protocol is not "works" (ike-flood-sstp-ok: and SSTP, served
      correctly, IS "works");
  (e) the JSON has an observation of one of the case's accepted kinds (it names the behaviour).
Cases run JOBS at a time, each worker in its own lab network (so ports never collide). Prints a
table (also written to FILE, default: lab_hostile.txt next to VPNDIAG) and, per protocol, the
cases that must not be "works". Per-case outputs: lab_hostile/ next to VPNDIAG.
Exit 0 all pass, 1 a case failed, 77 cannot run here (not root, no namespaces, missing tools).
Cleanup: responders and probes are stopped by PID, the lab networks with `lab down LAB_ID`, on
every exit path (success, failure, Ctrl-C, SIGTERM).
"""
import argparse
import importlib.util
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(os.path.dirname(HERE), "lab")
HOSTILE = os.path.join(HERE, "hostile.py")
RSS_BOUND_KB = 64 * 1024
RSS_BOUND_SANITIZER_KB = 512 * 1024
SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
               "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")

_spec = importlib.util.spec_from_file_location("hostile", HOSTILE)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

LIVE = set()          # PIDs we started and have not reaped yet
LIVE_LOCK = threading.Lock()
LABS = []             # LAB_IDs to tear down
STOPPING = threading.Event()


def skip(why):
    print("SKIPPED: %s" % why)
    sys.exit(77)


def track(pid, on):
    with LIVE_LOCK:
        (LIVE.add if on else LIVE.discard)(pid)


def stop_pid(pid, grace=1.0):
    """TERM, then KILL after grace seconds; only PIDs we started (LIVE)."""
    with LIVE_LOCK:
        if pid not in LIVE:
            return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        end = time.monotonic() + wait
        while time.monotonic() < end:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                track(pid, False)
                return
            time.sleep(0.05)
    track(pid, False)


# ------------------------------------------------------------------------------ certificates
OPENSSL_CNF = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,1.3.6.1.5.5.8.2.2
subjectAltName = DNS:vpn.lab.test
crlDistributionPoints = URI:http://crl.lab.test/lab.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf_nocdp]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,1.3.6.1.5.5.8.2.2
subjectAltName = DNS:vpn.lab.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca]
default_ca = CA_default
[CA_default]
database = DB/index.txt
crlnumber = DB/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
"""


def ossl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args[:3]), r.stderr.decode(errors="replace")[-400:]))


def make_pki(d):
    """ca.crt/key (RSA), server.crt/key (RSA, CDP http://crl.lab.test/lab.crl), fullchain.crt;
    CRLs (DER): crl-good (root, current, empty), crl-revoked (lists the server's serial),
    crl-stale (root, nextUpdate 2020), crl-wrong-issuer (another CA), crl-forged (root's name,
    another key); chain-50.crt / chain-70.crt: a leaf + 49 / 69 intermediates to the root (one EC
    P-256 key, int.key, for all of them)."""
    def cnf(db):
        p = os.path.join(d, db + ".cnf")
        os.makedirs(os.path.join(d, db), exist_ok=True)
        open(os.path.join(d, db, "index.txt"), "w").close()
        with open(os.path.join(d, db, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(p, "w") as f:
            f.write(OPENSSL_CNF.replace("DB/", os.path.join(d, db) + "/"))
        return p

    root = cnf("root")
    rev = cnf("rootrev")
    rogue = cnf("rogue")
    forged = cnf("forged")
    o = lambda *a: ossl(*a, cwd=d)  # noqa: E731
    root_dn = "/C=XX/O=vpndiag hostile lab/CN=vpndiag hostile lab root CA"
    o("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca.key")
    o("req", "-config", root, "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650", "-subj", root_dn,
      "-extensions", "v3_ca", "-out", "ca.crt")
    o("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "server.key")
    o("req", "-config", root, "-new", "-key", "server.key", "-subj", "/C=XX/O=vpndiag hostile lab/CN=vpn.lab.test",
      "-out", "server.csr")
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial",
      "0x" + os.urandom(8).hex(), "-days", "800", "-sha256", "-extfile", root, "-extensions", "v3_leaf",
      "-out", "server.crt")
    shutil.copy(os.path.join(d, "server.crt"), os.path.join(d, "fullchain.crt"))
    # CRLs
    o("ca", "-config", root, "-gencrl", "-cert", "ca.crt", "-keyfile", "ca.key", "-out", "crl-good.pem")
    o("ca", "-config", root, "-gencrl", "-cert", "ca.crt", "-keyfile", "ca.key", "-crl_lastupdate",
      "20200101000000Z", "-crl_nextupdate", "20200201000000Z", "-out", "crl-stale.pem")
    o("ca", "-config", rev, "-cert", "ca.crt", "-keyfile", "ca.key", "-revoke", "server.crt", "-crl_reason",
      "keyCompromise")
    o("ca", "-config", rev, "-gencrl", "-cert", "ca.crt", "-keyfile", "ca.key", "-out", "crl-revoked.pem")
    for name, dn, c in (("rogue", "/C=XX/O=somebody else/CN=rogue CA", rogue), ("forged", root_dn, forged)):
        o("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key")
        o("req", "-config", c, "-x509", "-new", "-key", name + ".key", "-days", "3650", "-subj", dn,
          "-extensions", "v3_ca", "-out", name + ".crt")
    o("ca", "-config", rogue, "-gencrl", "-cert", "rogue.crt", "-keyfile", "rogue.key", "-out", "crl-wrong-issuer.pem")
    o("ca", "-config", forged, "-gencrl", "-cert", "forged.crt", "-keyfile", "forged.key", "-out", "crl-forged.pem")
    for n in ("good", "stale", "revoked", "wrong-issuer", "forged"):
        o("crl", "-in", "crl-%s.pem" % n, "-outform", "DER", "-out", "crl-%s.der" % n)
    # long chains: root -> int01 -> ... -> int69; chain-50.crt = a leaf under int49 + int49..int01,
    # chain-70.crt = a leaf under int69 + int69..int01 (one EC key for all of them)
    o("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "int.key")
    issuer_crt, issuer_key = "ca.crt", "ca.key"
    ints = []
    for i in range(1, 70):
        name = "int%02d" % i
        o("req", "-config", root, "-new", "-key", "int.key", "-subj",
          "/C=XX/O=vpndiag hostile lab/CN=hostile intermediate %02d" % i, "-out", name + ".csr")
        o("x509", "-req", "-in", name + ".csr", "-CA", issuer_crt, "-CAkey", issuer_key, "-set_serial",
          "0x" + os.urandom(8).hex(), "-days", "900", "-sha256", "-extfile", root, "-extensions", "v3_ca",
          "-out", name + ".crt")
        ints.append(name + ".crt")
        issuer_crt, issuer_key = name + ".crt", "int.key"
    o("req", "-config", root, "-new", "-key", "int.key", "-subj", "/C=XX/O=vpndiag hostile lab/CN=vpn.lab.test",
      "-out", "leaf.csr")
    for n in (50, 70):
        o("x509", "-req", "-in", "leaf.csr", "-CA", ints[n - 2], "-CAkey", "int.key", "-set_serial",
          "0x" + os.urandom(8).hex(), "-days", "800", "-sha256", "-extfile", root, "-extensions", "v3_leaf_nocdp",
          "-out", "leaf%d.crt" % n)
        with open(os.path.join(d, "chain-%d.crt" % n), "w") as out:
            for f in ["leaf%d.crt" % n] + ints[:n - 1][::-1]:
                out.write(open(os.path.join(d, f)).read())


# ------------------------------------------------------------------------------ lab networks
def lab_up():
    r = subprocess.run(["bash", os.path.join(HERE, "netup.sh")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode == 77:
        skip(r.stderr.decode(errors="replace").strip() or "netup: cannot run here")
    if r.returncode != 0:
        raise RuntimeError("netup.sh failed: %s" % r.stderr.decode(errors="replace")[-500:])
    env = {}
    for line in r.stdout.decode().splitlines():
        k, _, v = line.partition("=")
        env[k] = v.strip("'")
    LABS.append(env["LAB_ID"])
    return env


def reap_stale_labs():
    """Labs of an earlier run of this script that died without cleaning up (SIGKILL, e.g. a ctest
    TIMEOUT): scenario "hostile" and an owner PID that no longer lives. Other labs are left alone."""
    root = os.environ.get("VPNDIAG_LAB_STATE_ROOT", "/run/vpndiag-lab")
    try:
        ids = os.listdir(root)
    except OSError:
        return
    for lab_id in ids:
        d = os.path.join(root, lab_id)
        try:
            if open(os.path.join(d, "scenario")).read().strip() != "hostile":
                continue
            owner = int(open(os.path.join(d, "owner")).read().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
            continue  # its runner is alive (another run of this script)
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        print("removing stale hostile lab %s (owner %d is gone)" % (lab_id, owner))
        lab_down(lab_id)


def lab_down(lab_id):
    subprocess.run([LAB, "down", lab_id], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


# ------------------------------------------------------------------------------ one case
# The probe runs under a minimal forker: a fresh `python3 -I -S` that forks, execs the command,
# and reports getrusage(RUSAGE_CHILDREN) around it (ru_maxrss: the peak RSS of vpndiag), the wait
# status and the wall time. Why not the runner's own rusage: Linux carries the forking process's
# high-water mark into ru_maxrss across exec, so a child forked from this (25 MB) runner never
# reads below 25 MB; the forker's floor is about 8 MB, under vpndiag's own ~14 MB.
# The child gets SIGPIPE back at its default (killed), as from a shell: Python ignores it.
# Watchdog: SIGKILL to the child after LIMIT s (a hang fails the case, it does not stall the run);
# SIGTERM/SIGINT/SIGHUP to the forker are passed on as SIGKILL (cleanup on Ctrl-C).
FORKER = r"""
import os, resource, signal, sys, time
fd, limit = int(sys.argv[1]), float(sys.argv[2])
os.set_inheritable(fd, False)
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        # Python starts with SIGPIPE and SIGXFSZ ignored, and an ignored signal stays ignored across
        # exec: without this the probe could never die of SIGPIPE here (the defect would be hidden).
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        os.execvp(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
hung = []
def kill(signum, frame):
    hung.append(signum)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
    signal.signal(s, kill)
signal.setitimer(signal.ITIMER_REAL, limit)
_, status = os.waitpid(pid, 0)
t1 = time.monotonic()
signal.setitimer(signal.ITIMER_REAL, 0)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(fd, b"%d %d %.4f %d" % (status, ru.ru_maxrss, t1 - t0, signal.SIGALRM in hung))
"""


def obs_matches(spec, ob):
    """spec: KIND or KIND@value>=N."""
    kind, _, cond = spec.partition("@")
    if ob.get("kind") != kind:
        return False
    if cond.startswith("value>="):
        v = ob.get("value")
        return isinstance(v, int) and v >= int(cond[7:])
    return not cond


def run_case(case, env, opt, pki, outdir):
    name, T = case["name"], opt.timeout
    res = dict(name=name, proto=case["proto"], exit="-", secs=0.0, rss=0, verdict="-", matched="-", ok=False,
               why=[], kinds={}, summaries={})
    rlog_path = os.path.join(outdir, name + ".responder.log")
    rlog = open(rlog_path, "w")
    resp = subprocess.Popen(["ip", "netns", "exec", env["SERVER_NS"], sys.executable, HOSTILE, name,
                             "--pki", pki, "--server", env["TARGET"], "--alt", env["ALT_ADDR"],
                             "--max-seconds", str(T + 20)],
                            stdin=subprocess.DEVNULL, stdout=rlog, stderr=subprocess.STDOUT, start_new_session=True)
    track(resp.pid, True)
    try:
        end = time.monotonic() + 8
        ready = False
        while time.monotonic() < end and not STOPPING.is_set():
            if resp.poll() is not None:
                track(resp.pid, False)
                break
            with open(rlog_path) as f:
                if any(l.startswith("ready") for l in f):
                    ready = True
                    break
            time.sleep(0.05)
        if not ready:
            res["why"].append("responder did not start: " + open(rlog_path).read()[-300:].replace("\n", " | "))
            return res
        cmd = ["ip", "netns", "exec", env["CLIENT_NS"], opt.vpndiag, "probe", "--json", "--timeout", str(T),
               "--protocols", case["proto"]]
        if "sstp" in case["proto"]:
            cmd += ["--ca-file", os.path.join(pki, "ca.crt")]
        cmd.append(env["TARGET_NAME"])
        out_path, err_path = os.path.join(outdir, name + ".json"), os.path.join(outdir, name + ".stderr")
        rfd, wfd = os.pipe()
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                p = subprocess.Popen([sys.executable, "-I", "-S", "-c", FORKER, str(wfd), str(T + 15)] + cmd,
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err, pass_fds=(wfd,))
                os.close(wfd)
                wfd = -1
                track(p.pid, True)
                p.wait()
                track(p.pid, False)
                report = b""
                while True:
                    chunk = os.read(rfd, 256)
                    if not chunk:
                        break
                    report += chunk
        finally:
            os.close(rfd)
            if wfd >= 0:
                os.close(wfd)
        try:
            status, maxrss, wall, hung = report.split()
            status, maxrss, wall, hung = int(status), int(maxrss), float(wall), int(hung)
        except ValueError:
            res["why"].append("the forker reported nothing (exit %s)" % p.returncode)
            return res
        code = os.waitstatus_to_exitcode(status)
        res["secs"], res["rss"] = wall, maxrss
        res["exit"] = str(code if code >= 0 else 128 - code)
        stderr = open(err_path, errors="replace").read()
        if code < 0:
            res["why"].append("killed by signal %d%s" % (-code, " (watchdog: hung past %d s)" % (T + 15) if hung else ""))
        elif code not in (0, 1, 3):
            res["why"].append("exit status %d (not 0/1/3)" % code)
        for m in SAN_MARKERS:
            if m in stderr:
                line = next((l for l in stderr.splitlines() if m in l), m)
                res["why"].append("sanitizer: " + line.strip()[:200])
                break
        if wall > T + 1.0:
            res["why"].append("took %.2f s > --timeout %d + 1 s" % (wall, T))
        if res["rss"] > opt.rss_bound:
            res["why"].append("peak RSS %d KB > %d KB" % (res["rss"], opt.rss_bound))
        try:
            j = json.load(open(out_path))
        except (ValueError, OSError) as e:
            res["why"].append("no JSON report (%s); stderr: %s" % (str(e)[:60], stderr.strip()[-200:].replace("\n", " | ")))
            return res
        verdicts = []
        for proto in case["proto"].split(","):
            pr = j.get("protocols", {}).get(proto, {})
            v = pr.get("verdict", "?")
            res["summaries"][proto] = "%s: %s" % (v, pr.get("summary", ""))
            verdicts.append("%s=%s" % (proto, v))
            if proto in case["attacked"] and v == "works":
                res["why"].append("%s verdict is works (%s)" % (proto, pr.get("summary", "")))
            if proto == "sstp" and "sstp-works" in case["extra"] and v != "works":
                res["why"].append("sstp should be judged on its own merits (a correct server): %s (%s)"
                                  % (v, pr.get("summary", "")))
        res["verdict"] = " ".join(verdicts)
        kinds = {}
        for ob in j.get("observations", []):
            kinds[ob.get("kind")] = kinds.get(ob.get("kind"), 0) + 1
        res["kinds"] = kinds
        hit = [k for k in case["kinds"] if any(obs_matches(k, ob) for ob in j.get("observations", []))]
        if hit:
            res["matched"] = hit[0].split("@")[0]
        else:
            res["why"].append("no observation of kind %s" % " / ".join(case["kinds"]))
        causes = {f.get("cause") for f in j.get("findings", [])}
        for fb in case["forbid"]:
            what, _, val = fb.partition(":")
            if (what == "kind" and val in kinds) or (what == "cause" and val in causes):
                res["why"].append("the report has %s (a wrong diagnosis here)" % fb)
        res["ok"] = not res["why"]
        return res
    finally:
        stop_pid(resp.pid)
        rlog.close()


# ------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vpndiag")
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("HOSTILE_JOBS", "3")))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("HOSTILE_TIMEOUT", "3")))
    ap.add_argument("--out", default="")
    opt = ap.parse_args()
    opt.vpndiag = os.path.abspath(opt.vpndiag)
    if not os.access(opt.vpndiag, os.X_OK):
        print("usage: run.py VPNDIAG_BINARY (not executable: %s)" % opt.vpndiag, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        skip("the hostile lab needs root (network namespaces)")
    missing = [c for c in ("ip", "nft", "openssl") if not shutil.which(c)]
    if missing:
        skip("missing: %s (install tests/lab/packages.txt)" % " ".join(missing))
    with open(opt.vpndiag, "rb") as f:
        sanitizer = b"__asan_init" in f.read() or False
    opt.rss_bound = RSS_BOUND_SANITIZER_KB if sanitizer else RSS_BOUND_KB
    cases = hostile.CASES
    if opt.cases:
        want = opt.cases.split(",")
        bad = [w for w in want if w not in hostile.CASE_BY_NAME]
        if bad:
            print("unknown case(s): %s" % ", ".join(bad), file=sys.stderr)
            return 2
        cases = [hostile.CASE_BY_NAME[w] for w in want]
    bdir = os.path.dirname(opt.vpndiag)
    outdir = os.path.join(bdir, "lab_hostile")
    os.makedirs(outdir, exist_ok=True)
    table_path = opt.out or os.path.join(bdir, "lab_hostile.txt")
    jobs = max(1, min(opt.jobs, len(cases)))

    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    reap_stale_labs()
    pki = None
    results, t_start = [], time.monotonic()
    try:
        t0 = time.monotonic()
        envs = [lab_up() for _ in range(jobs)]
        t_labs = time.monotonic() - t0
        # the run's certificates live in the first lab's state directory: `lab down` removes them
        pki = os.path.join(envs[0]["LAB_STATE"], "hostile-pki")
        os.makedirs(pki)
        t0 = time.monotonic()
        make_pki(pki)
        t_pki = time.monotonic() - t0
        print("hostile lab: %d cases, %d at a time, --timeout %d, RSS bound %d KB (%s build); "
              "certificates %.1f s, %d lab networks %.1f s (%s)"
              % (len(cases), jobs, opt.timeout, opt.rss_bound, "sanitizer" if sanitizer else "normal", t_pki,
                 jobs, t_labs, " ".join(e["LAB_ID"] for e in envs)), flush=True)
        q = queue.Queue()
        for c in cases:
            q.put(c)
        lock = threading.Lock()

        def worker(env):
            while not STOPPING.is_set():
                try:
                    c = q.get_nowait()
                except queue.Empty:
                    return
                try:
                    r = run_case(c, env, opt, pki, outdir)
                except Exception as e:  # a harness error is a failed case, with the reason
                    r = dict(name=c["name"], proto=c["proto"], exit="-", secs=0.0, rss=0, verdict="-",
                             matched="-", ok=False, why=["harness error: %r" % e], kinds={}, summaries={})
                with lock:
                    results.append(r)
                    print("%-4s %-28s %5.2f s  %s%s" % ("ok" if r["ok"] else "FAIL", r["name"], r["secs"], r["verdict"],
                                                        "" if r["ok"] else "  <- " + "; ".join(r["why"])), flush=True)

        threads = [threading.Thread(target=worker, args=(e,), daemon=True) for e in envs]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(0.2)
    except KeyboardInterrupt as e:
        print("interrupted (%s): cleaning up" % (e or "Ctrl-C"), flush=True)
        STOPPING.set()
        cleanup(pki)
        return 130
    finally:
        STOPPING.set()
        cleanup(pki)

    # ---- report
    order = {c["name"]: i for i, c in enumerate(cases)}
    results.sort(key=lambda r: order[r["name"]])
    lines = ["vpndiag hostile-server lab (tests/lab/hostile): %s, --timeout %d, %d cases, %.0f s in all"
             % (opt.vpndiag, opt.timeout, len(results), time.monotonic() - t_start), ""]
    hdr = "%-28s %-10s %4s %7s %9s  %-28s %-28s %s" % ("case", "protocol", "exit", "seconds", "peakRSS_KB",
                                                       "verdict", "matched observation", "result")
    lines += [hdr, "-" * len(hdr)]
    for r in results:
        lines.append("%-28s %-10s %4s %7.2f %9d  %-28s %-28s %s" % (r["name"], r["proto"], r["exit"], r["secs"],
                                                                    r["rss"], r["verdict"], r["matched"],
                                                                    "PASS" if r["ok"] else "FAIL"))
    failed = [r for r in results if not r["ok"]]
    lines.append("")
    if results:
        lines.append("max seconds %.2f (bound %d), max peak RSS %d KB (bound %d KB)"
                     % (max(r["secs"] for r in results), opt.timeout + 1, max(r["rss"] for r in results),
                        opt.rss_bound))
    lines.append("")
    for proto in ("ikev2", "l2tp", "sstp", "pptp"):
        names = [c["name"] for c in cases if proto in c["attacked"]]
        if not names:
            continue
        works = [r["name"] for r in results if proto in hostile.CASE_BY_NAME[r["name"]]["attacked"]
                 and ("%s=works" % proto) in r["verdict"]]
        unchecked = [n for n in names if not any(r["name"] == n and r["verdict"] != "-" for r in results)]
        state = "all checked" if not works and not unchecked else \
            "%s%s" % ("WORKS in: %s" % ", ".join(works) if works else "",
                      ("; no verdict from: %s" % ", ".join(unchecked)) if unchecked else "")
        lines.append("%s: cases that must not be works: %s ... %s" % (proto, ", ".join(names), state))
    if failed:
        lines += ["", "FAILED %d of %d:" % (len(failed), len(results))]
        for r in failed:
            lines.append("  %s: %s" % (r["name"], "; ".join(r["why"])))
            for proto, s in r["summaries"].items():
                lines.append("      %s %s" % (proto, s[:220]))
            if r["kinds"]:
                lines.append("      kinds: %s" % ", ".join("%s x%d" % kv for kv in sorted(r["kinds"].items())))
    lines.append("")
    lines.append("PASS (%d cases)" % len(results) if not failed and len(results) == len(cases)
                 else "FAILED: %d of %d" % (len(failed) + len(cases) - len(results), len(cases)))
    text = "\n".join(lines) + "\n"
    print()
    print(text, end="")
    with open(table_path, "w") as f:
        f.write(text)
    print("table written to %s; per-case outputs in %s" % (table_path, outdir))
    return 0 if not failed and len(results) == len(cases) else 1


CLEANED = []


def cleanup(pki):
    if CLEANED:
        return
    CLEANED.append(1)
    with LIVE_LOCK:
        pids = list(LIVE)
    for pid in pids:
        stop_pid(pid, grace=0.5)
    for lab_id in LABS:
        lab_down(lab_id)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
