#!/usr/bin/env python3
"""Small ground-truth probes for `lab verify` (not part of vpndiag).

They check that a scenario's path and servers are what the scenario file
says, for the protocols where strongSwan is not the client:
  labprobe.py pptp HOST        SCCRQ/SCCRP, OCRQ/OCRP on TCP 1723, then an LCP
                               Configure-Request over enhanced GRE; prints
                               connected|refused|timeout|rejected [gre-reply|no-gre]
  labprobe.py l2tp HOST        cleartext SCCRQ on UDP 1701, then StopCCN;
                               prints sccrp|unreachable|timeout
  labprobe.py sstp HOST NAME CAFILE
                               TLS (verified against CAFILE and NAME), HTTP
                               SSTP_DUPLEX_POST, Call Connect Request; prints
                               ack|nak|http-NNN|tls-error|refused|timeout with
                               flags (cert-expired, cert-name-mismatch, cert-untrusted,
                               cert-purpose, crl-unreachable, crl-none, ...);
                               TLS 1.2/1.3 as current Windows; when that fails and
                               TLS 1.0/1.1 (security level 0) works: tls-error
                               tls-old tls1.0|tls1.1
Every operation has a deadline (2 s per step by default).
"""
import os
import select
import socket
import ssl
import struct
import sys
import urllib.request
import warnings

T = float(os.environ.get("LABPROBE_TIMEOUT", "2"))


def out(outcome, *flags):
    print(" ".join((outcome,) + flags))
    return 0


def tcp_connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(T)
    s.connect((host, port))
    return s


def pptp(host):
    try:
        s = tcp_connect(host, 1723)
    except ConnectionRefusedError:
        return out("refused")
    except (socket.timeout, OSError):
        return out("timeout")
    hdr = lambda length, ctype: struct.pack("!HHIHH", length, 1, 0x1A2B3C4D, ctype, 0)
    sccrq = hdr(156, 1) + struct.pack("!HHIIHH", 0x0100, 0, 1, 1, 1, 1) + b"labprobe".ljust(64, b"\0") + b"vpndiag-lab".ljust(64, b"\0")
    try:
        s.sendall(sccrq)
        r = s.recv(156)
        if len(r) < 16 or struct.unpack("!H", r[8:10])[0] != 2:
            return out("rejected", "no-sccrp")
        if r[14] != 1:
            return out("rejected", "sccrp-result-%d" % r[14])
        my_call = 0x4242
        ocrq = hdr(168, 7) + struct.pack("!HHIIIIHHHH", my_call, 1, 300, 100000000, 3, 3, 64, 0, 0, 0) + b"\0" * 128
        s.sendall(ocrq)
        r = s.recv(32)
        if len(r) < 21 or struct.unpack("!H", r[8:10])[0] != 8:
            return out("rejected", "no-ocrp")
        if r[16] != 1:
            return out("rejected", "ocrp-result-%d" % r[16])
        peer_call = struct.unpack("!H", r[12:14])[0]
    except (socket.timeout, OSError):
        return out("timeout", "control")
    # LCP Configure-Request over enhanced GRE, wait for any GRE back
    try:
        g = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    except PermissionError:
        s.close()
        return out("connected", "gre-untested")
    lcp = b"\xff\x03\xc0\x21" + struct.pack("!BBH", 1, 1, 10) + b"\x05\x06" + os.urandom(4)
    gre = struct.pack("!HHHHI", 0x3001, 0x880B, len(lcp), peer_call, 0) + lcp
    addr = socket.gethostbyname(host)
    got = False
    for attempt in range(3):
        g.sendto(gre, (addr, 0))
        end = T
        while end > 0 and not got:
            r, _, _ = select.select([g], [], [], min(end, 0.5))
            end -= 0.5
            if r:
                pkt = g.recv(2048)
                ihl = (pkt[0] & 0x0F) * 4
                if socket.inet_ntoa(pkt[12:16]) == addr and len(pkt) >= ihl + 8:
                    got = True
        if got:
            break
    s.close()
    return out("connected", "gre-reply" if got else "no-gre")


def l2tp(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(T)
    s.connect((host, 1701))

    def avp(attr, value):
        return struct.pack("!HHH", 0x8000 | (6 + len(value)), 0, attr) + value
    body = (avp(0, struct.pack("!H", 1)) + avp(2, struct.pack("!H", 0x0100)) + avp(7, b"labprobe")
            + avp(3, struct.pack("!I", 3)) + avp(9, struct.pack("!H", 0x1234)))
    msg = struct.pack("!HHHHHH", 0xC802, 12 + len(body), 0, 0, 0, 0) + body
    for attempt in range(2):
        try:
            s.send(msg)
            r = s.recv(2048)
        except ConnectionRefusedError:
            return out("unreachable")
        except socket.timeout:
            continue
        if len(r) >= 20 and struct.unpack("!H", r[18:20])[0] == 2:
            # StopCCN so xl2tpd forgets the tunnel
            tid = 0
            i = 12
            while i + 6 <= len(r):
                ln = struct.unpack("!H", r[i:i + 2])[0] & 0x3FF
                if ln < 6:
                    break
                if struct.unpack("!H", r[i + 4:i + 6])[0] == 9:
                    tid = struct.unpack("!H", r[i + 6:i + 8])[0]
                i += ln
            stop = avp(0, struct.pack("!H", 4)) + avp(9, struct.pack("!H", 0x1234)) + avp(1, struct.pack("!H", 1))
            try:
                s.send(struct.pack("!HHHHHH", 0xC802, 12 + len(stop), tid, 0, 1, 1) + stop)
            except OSError:
                pass
            return out("sccrp")
        return out("other")
    return out("timeout")


def sstp(host, name, cafile):
    flags = []
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    try:
        raw = tcp_connect(host, 443)
    except ConnectionRefusedError:
        return out("refused")
    except (socket.timeout, OSError):
        return out("timeout")
    try:
        s = ctx.wrap_socket(raw, server_hostname=name)
    except ssl.SSLCertVerificationError as e:
        m = (e.verify_message or str(e)).lower()
        if "expired" in m:
            flags.append("cert-expired")
        elif "hostname" in m or "ip address mismatch" in m:
            flags.append("cert-name-mismatch")
        elif "issuer" in m or "self" in m or "untrusted" in m:
            flags.append("cert-untrusted")
        elif "purpose" in m:
            flags.append("cert-purpose")
        elif "too weak" in m or "too small" in m:
            # a short key or a SHA-1 signature, refused at OpenSSL's security level (not a Windows verdict)
            flags.append("cert-weak")
        else:
            flags.append("cert-other")
        return out("tls-error", *flags)
    except (ssl.SSLError, OSError) as e:
        return out("tls-error", "tls-" + type(e).__name__, *legacy_tls(host, name, cafile))
    cert = s.getpeercert()
    cdps = cert.get("crlDistributionPoints") or ()
    if not cdps:
        flags.append("crl-none")
    for url in cdps:
        try:
            urllib.request.urlopen(url, timeout=T).read(1 << 20)
            flags.append("crl-ok")
        except Exception:
            flags.append("crl-unreachable")
        break
    s.settimeout(T)
    try:
        s.sendall(b"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                  b"Host: " + name.encode() + b"\r\nContent-Length: 18446744073709551615\r\n"
                  b"SSTPCORRELATIONID: {11111111-2222-3333-4444-555555555555}\r\n\r\n")
        resp = b""
        while b"\r\n\r\n" not in resp and len(resp) < 16384:
            c = s.recv(4096)
            if not c:
                break
            resp += c
        status = resp.split(b"\r\n", 1)[0].split(b" ")
        if len(status) < 2 or not status[1].isdigit():
            return out("http-none", *flags)
        if status[1] != b"200":
            return out("http-" + status[1].decode(), *flags)
        s.sendall(bytes.fromhex("1001000e0001000100010006" "0001"))
        pkt = resp.split(b"\r\n\r\n", 1)[1]
        while len(pkt) < 8:
            c = s.recv(4096)
            if not c:
                break
            pkt += c
        if len(pkt) < 8:
            return out("no-reply", *flags)
        mt = struct.unpack("!H", pkt[4:6])[0]
        return out({2: "ack", 3: "nak", 5: "abort"}.get(mt, "type-%d" % mt), *flags)
    except (socket.timeout, OSError):
        return out("timeout", "after-tls", *flags)


def legacy_tls(host, name, cafile):
    """After a failed TLS 1.2/1.3 handshake: does the server speak only TLS 1.0/1.1?
    The same certificate checks, OpenSSL security level 0 (SHA-1/MD5 in those handshakes).
    Returns the flags ["tls-old", "tls1.0"|"tls1.1"] or []."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        raw = tcp_connect(host, 443)
    except (socket.timeout, OSError):
        return []
    try:
        with ctx.wrap_socket(raw, server_hostname=name) as s:
            v = s.version() or ""
    except (ssl.SSLError, OSError):
        raw.close()
        return []
    return ["tls-old", {"TLSv1": "tls1.0", "TLSv1.1": "tls1.1"}.get(v, "tls-" + v)]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host = sys.argv[1], sys.argv[2]
    if cmd == "pptp":
        return pptp(host)
    if cmd == "l2tp":
        return l2tp(host)
    if cmd == "sstp" and len(sys.argv) == 5:
        return sstp(host, sys.argv[3], sys.argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
