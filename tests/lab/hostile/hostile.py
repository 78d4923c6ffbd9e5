#!/usr/bin/env python3
# test responder written from the specs; plays misbehaving servers
"""HOSTILE TEST RESPONDER for the vpndiag lab. NOT a VPN server.

It plays ONE misbehaving server per start, `hostile.py CASE`, inside the lab's server namespace,
so that vpndiag's probes can be checked against lying lengths, truncation, zero-length payloads,
endless and trickled headers, floods, reflection, spoofed sources, stalls mid-handshake,
oversized chains and junk CRLs (issue 11). Written from the specs, not from vpndiag's code:
  IKEv2   RFC 7296 (header 3.1, payloads 3.2-3.10, NAT detection 2.23, COOKIE 2.6)
  IKEv1   RFC 2408 (ISAKMP header and payloads), RFC 2409 (Main Mode), RFC 3947 (NAT-T VID)
  L2TP    RFC 2661 (header 3.1, AVPs 4.1, SCCRQ/SCCRP 6.1-6.2)
  SSTP    [MS-SSTP] 2.2 (HTTP handshake, Call Connect Ack, Crypto Binding Request attribute)
  PPTP    RFC 2637 (control messages 2.1-2.8, enhanced GRE 4.1); LCP RFC 1661
  TLS     Python's ssl module (OpenSSL) with certificates made at run time by run.py (openssl CLI)

`hostile.py --list` prints the cases as JSON (run.py reads the same table: CASES below). Every
case is bounded: it exits after --max-seconds, floods stop after a fixed count, every stream is
bounded in bytes and time, at most 32 connections at once. Python standard library only.
"""
import argparse
import hashlib
import json
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time

# --------------------------------------------------------------------------------------------
# The cases. proto: vpndiag --protocols; attacked: the protocols that must never be "works";
# kinds: observation kinds (JSON "kind") of which at least one must be in the report (any one
# names the behaviour); class: the class of misbehaviour; spec: the rule that is bent;
# must: what vpndiag must say. A kind may carry a condition on the observation's value,
# "KIND@value>=N". extra: further assertions run.py makes ("sstp-works": the SSTP verdict must be
# "works", the server being correct apart from the IKE flood). forbid: "kind:K" / "cause:C" that
# must not be in the report (the wrong diagnoses the issue found).
# --------------------------------------------------------------------------------------------
def C(name, proto, cls, spec, desc, kinds, must, attacked=None, extra=(), forbid=()):
    return dict(name=name, proto=proto, attacked=attacked or [proto], cls=cls, spec=spec, desc=desc,
                kinds=list(kinds), must=must, extra=list(extra), forbid=list(forbid))


IKE_BAD = ("ike-malformed", "ike-ignored")
L2_BAD = ("l2tp-malformed", "l2tp-ignored")
CASES = [
    # ---- IKEv2, UDP 500/4500 (the initiator SPI is copied from the request: past the keyed-SPI match)
    C("ike-no-response-flag", "ikev2", "reflection", "RFC 7296 3.1 (R flag)",
      "a well-formed IKE_SA_INIT reply with our SPI and a responder SPI, but the Response flag clear",
      IKE_BAD, "ignored: not a response (never taken as the server's answer)"),
    C("ike-nonparsing-body", "ikev2", "lying lengths", "RFC 7296 3.2",
      "correct header (our SPI, R flag, IKE_SA_INIT, length = datagram) followed by a body that does not parse",
      ("ike-malformed",), "ike-malformed with the parser's reason; not summarised as udp500-filtered",
      forbid=("cause:udp500-filtered",)),
    C("ike-length-over", "ikev2", "lying lengths", "RFC 7296 3.1 (Length)",
      "a valid reply whose header Length claims 1000 bytes more than the datagram holds",
      IKE_BAD, "ike-malformed (length mismatch)"),
    C("ike-payload-length-over", "ikev2", "lying lengths", "RFC 7296 3.2 (Payload Length)",
      "a valid reply whose SA payload length says 65535", IKE_BAD, "ike-malformed"),
    C("ike-zero-length-payload", "ikev2", "zero-length payloads", "RFC 7296 3.2",
      "a valid reply with a Vendor ID payload of length 0 in the middle of the chain", IKE_BAD,
      "ike-malformed; no endless loop"),
    C("ike-truncated", "ikev2", "truncation", "RFC 7296 3.1",
      "a valid reply cut after 60 bytes (header Length still the full size)", IKE_BAD, "ike-malformed"),
    C("ike-empty-datagram", "ikev2", "zero-length payloads", "RFC 768 / RFC 7296 3.1",
      "answers every request with a zero-length UDP datagram",
      IKE_BAD + ("udp-no-answer",), "ignored as no IKE message; the port is not called working"),
    C("ike-reflect", "ikev2", "reflection", "RFC 7296 3.1",
      "echoes the client's own IKE_SA_INIT back to it, byte for byte", IKE_BAD,
      "ignored: our own request reflected"),
    C("ike-flood", "ikev2", "floods", "RFC 7296 2.1",
      "a flood of 20000 junk datagrams to the client's port from the server's address and port",
      ("obs-budget-exhausted", "ike-malformed", "ike-ignored"), "bounded observations; no hang"),
    C("ike-flood-sstp-ok", "ikev2,sstp", "floods", "RFC 7296 2.1; [MS-SSTP] 3.2",
      "the IKE junk flood while a correct SSTP server (valid certificate, valid CRL, Ack with crypto binding) runs",
      ("obs-budget-exhausted", "ike-malformed", "ike-ignored"),
      "IKEv2 not works; SSTP judged on its own merits: works (the per-protocol observation budget)",
      attacked=["ikev2"], extra=["sstp-works"]),
    C("ike-spoofed-source", "ikev2", "spoofed sources", "RFC 7296 2.11",
      "a correct-looking IKE_SA_INIT reply sent from 198.19.0.3 (another address of the server's namespace)",
      ("udp-no-answer", "ike-ignored"), "no answer from the server (the spoofed reply is not counted)"),
    C("ike-spoofed-port", "ikev2", "spoofed sources", "RFC 7296 2.11",
      "a correct-looking IKE_SA_INIT reply sent from the server's address but UDP source port 5500",
      ("udp-no-answer", "ike-ignored"), "no answer from the server's port (not counted)"),
    C("ike-stall-after-init", "ikev2", "stalls mid-handshake", "RFC 7296 1.2",
      "a correct IKE_SA_INIT reply (real MODP KE, nonce, NAT-D), then silence for IKE_AUTH",
      ("ike-auth-no-answer",), "IKE_SA_INIT accepted, IKE_AUTH unanswered: not works"),
    C("ike-oversize-65000", "ikev2", "oversized chains", "RFC 7296 3.1",
      "a 65,000-byte IKE_SA_INIT reply (a huge Vendor ID payload), over any 8 KiB buffer",
      ("udp-truncated", "ike-auth-no-answer"),
      "udp-truncated, or parsed in full and then IKE_AUTH sent and unanswered; IKE_AUTH never silently skipped"),
    C("ike-cookie-endless", "ikev2", "endless headers", "RFC 7296 2.6",
      "answers every IKE_SA_INIT, also those with a cookie, with a fresh N(COOKIE)",
      ("ike-cookie", "ike-ignored", "ike-no-answer-after-cookie"), "a bounded number of cookie rounds, then not works"),
    # ---- IKEv1 / L2TP, UDP 500/4500 and 1701
    C("ike1-reflect", "l2tp", "reflection", "RFC 2408 3.1",
      "echoes the client's Main Mode 1 (and its SCCRQ on 1701) back byte for byte", L2_BAD,
      "ignored: our own packet reflected (CKY-R zero, not a reply)"),
    C("ike1-length-over", "l2tp", "lying lengths", "RFC 2408 3.1 (Length)",
      "a Main Mode 2 with our CKY-I whose header Length claims 1000 bytes more than sent", L2_BAD, "l2tp-malformed"),
    C("ike1-zero-length-payload", "l2tp", "zero-length payloads", "RFC 2408 3.2",
      "a Main Mode 2 with a Vendor ID payload of length 0", L2_BAD, "l2tp-malformed; no endless loop"),
    C("ike1-truncated", "l2tp", "truncation", "RFC 2408 3.1",
      "a Main Mode 2 cut after 40 bytes", L2_BAD, "l2tp-malformed"),
    C("ike1-nonparsing-body", "l2tp", "lying lengths", "RFC 2408 3.2",
      "correct ISAKMP header with our CKY-I, a body that does not parse", ("l2tp-malformed",),
      "l2tp-malformed with the parser's reason; not summarised as udp500-filtered",
      forbid=("cause:udp500-filtered",)),
    C("ike1-stall-after-mm2", "l2tp", "stalls mid-handshake", "RFC 2409 5",
      "a correct Main Mode 2 (a transform chosen from ours), then silence for Main Mode 3",
      ("l2tp-no-answer",), "MM3 unanswered: not works"),
    C("l2tp-avp-zero-length", "l2tp", "zero-length payloads", "RFC 2661 4.1",
      "an SCCRP on UDP 1701 with an AVP of length 0 (IKE silent)", L2_BAD, "l2tp-malformed"),
    C("l2tp-avp-length-over", "l2tp", "lying lengths", "RFC 2661 3.1, 4.1",
      "an SCCRP whose L2TP Length and last AVP length exceed the datagram (IKE silent)", L2_BAD, "l2tp-malformed"),
    C("l2tp-reflect-1701", "l2tp", "reflection", "RFC 2661 3.1",
      "echoes the client's SCCRQ back on UDP 1701 (IKE silent)", L2_BAD,
      "ignored (a control message with T bit from ourselves), never an answer"),
    # ---- SSTP / TLS, TCP 443 (CRL distribution point on TCP 80 of the same host)
    C("tcp443-accept-close", "sstp", "stalls mid-handshake", "RFC 9293 (FIN at once)",
      "accepts the TCP connection and closes it at once (a load balancer or IPS)",
      ("tcp-closed", "tls-failed"), "tls-failed / tcp-closed; no SIGPIPE (exit 141 today)"),
    C("tcp443-accept-reset", "sstp", "stalls mid-handshake", "RFC 9293 (RST at once)",
      "accepts the TCP connection and resets it at once", ("tcp-closed", "tls-failed"), "tls-failed / tcp-closed"),
    C("tls-stall-in-handshake", "sstp", "stalls mid-handshake", "RFC 8446 4.1",
      "accepts, reads the ClientHello, never answers", ("tls-failed", "sstp-slow"), "TLS did not complete (bounded)"),
    C("tls-junk", "sstp", "lying lengths", "RFC 8446 5.1",
      "answers the ClientHello with 4 KiB of random bytes", ("tls-failed",), "tls-failed"),
    C("tls-then-silence", "sstp", "stalls mid-handshake", "[MS-SSTP] 3.2.5.1",
      "a correct TLS handshake, then silence (no HTTP reply)", ("sstp-slow",), "sstp-slow (the HTTP stage)"),
    C("http-endless-header", "sstp", "endless headers", "RFC 9112 2.2, [MS-SSTP] 3.2.5.1",
      "HTTP/1.1 200 then header lines forever (8 KiB/s, never the blank line)",
      ("sstp-http-bad", "sstp-slow"), "sstp-http-bad (head too large) or sstp-slow"),
    C("http-trickle", "sstp", "slow headers", "RFC 9112 2.2",
      "the HTTP 200 head trickled one byte every 300 ms", ("sstp-slow", "sstp-http-bad"), "sstp-slow"),
    C("http-garbage", "sstp", "lying lengths", "RFC 9112 2.2",
      "answers the SSTP_DUPLEX_POST with binary junk", ("sstp-http-bad",), "sstp-http-bad"),
    C("sstp-ack-no-crypto-binding", "sstp", "lying lengths", "[MS-SSTP] 2.2.10, 2.2.7",
      "Call Connect Ack without the Crypto Binding Request attribute (no nonce, no hash bitmask)",
      ("sstp-ack-no-crypto-binding",), "sstp-ack-no-crypto-binding, never works"),
    C("sstp-ack-short-nonce", "sstp", "truncation", "[MS-SSTP] 2.2.7",
      "Call Connect Ack whose Crypto Binding Request carries an 8-byte nonce (attribute length 16)",
      ("sstp-ack-no-crypto-binding", "sstp-bad-reply"), "crypto binding not valid"),
    C("sstp-attr-zero-length", "sstp", "zero-length payloads", "[MS-SSTP] 2.2.2",
      "Call Connect Ack with an attribute of length 0", ("sstp-bad-reply", "sstp-ack-no-crypto-binding"),
      "sstp-bad-reply; no endless loop"),
    C("sstp-length-over", "sstp", "lying lengths", "[MS-SSTP] 2.2.1",
      "an SSTP control packet whose Length says 4095, 12 bytes sent, then silence",
      ("sstp-slow", "sstp-bad-reply"), "sstp-slow / sstp-bad-reply (bounded wait)"),
    C("sstp-length-zero", "sstp", "zero-length payloads", "[MS-SSTP] 2.2.1",
      "an SSTP control packet with Length 0", ("sstp-bad-reply", "sstp-slow"), "sstp-bad-reply"),
    C("tls-chain-50", "sstp", "oversized chains", "RFC 5280 6.1, RFC 8446 4.4.2",
      "a TLS server sending a 50-certificate chain (leaf + 49 intermediates) to the trusted root; the "
      "leaf names no CRL", ("cert-chain-ok@value>=50", "cert-chain-too-long"),
      "the whole chain checked (cert-chain-ok, 50) or the bound named; never a wrong missing intermediate",
      forbid=("kind:cert-missing-intermediate",)),
    C("tls-chain-70", "sstp", "oversized chains", "RFC 5280 6.1, RFC 8446 4.4.2",
      "a 70-certificate chain (leaf + 69 intermediates), over vpndiag's bound of 64", ("cert-chain-too-long",),
      "cert-chain-too-long (fail loudly when the bound is hit); not works",
      forbid=("kind:cert-missing-intermediate",)),
    C("crl-junk", "sstp", "junk CRLs", "RFC 5280 5, 6.3",
      "the CRL distribution point answers HTTP 200 with 2 KiB of random bytes (SSTP otherwise correct)",
      ("revocation-invalid",), "revocation-invalid (not a CRL); never works"),
    C("crl-wrong-issuer", "sstp", "junk CRLs", "RFC 5280 6.3.3 (b)",
      "the CRL distribution point serves a current CRL signed by another CA", ("revocation-invalid",),
      "revocation-invalid (wrong issuer)"),
    C("crl-forged-signature", "sstp", "junk CRLs", "RFC 5280 6.3.3 (f)",
      "a CRL with the root's name as issuer but signed by another key", ("revocation-invalid",),
      "revocation-invalid (bad signature)"),
    C("crl-stale", "sstp", "junk CRLs", "RFC 5280 5.1.2.5, 6.3.3 (a)",
      "a CRL signed by the right CA whose nextUpdate is in 2020", ("revocation-invalid",),
      "revocation-invalid (stale)"),
    C("crl-revoked", "sstp", "junk CRLs", "RFC 5280 5.3, 6.3.3 (i)",
      "a valid current CRL from the right CA that lists the server certificate's serial", ("cert-revoked",),
      "cert-revoked; fails"),
    # ---- PPTP, TCP 1723, and GRE (IP protocol 47)
    C("pptp-accept-close", "pptp", "stalls mid-handshake", "RFC 2637 2.1",
      "accepts TCP 1723 and closes at once", ("tcp-closed", "pptp-no-reply", "pptp-bad-reply"), "tcp-closed"),
    C("pptp-length-over", "pptp", "lying lengths", "RFC 2637 2.1 (Length)",
      "an SCCRP whose Length field says 4000 (156 bytes sent)", ("pptp-bad-reply", "pptp-no-reply"),
      "pptp-bad-reply"),
    C("pptp-length-zero", "pptp", "zero-length payloads", "RFC 2637 2.1",
      "a control message with Length 0", ("pptp-bad-reply",), "pptp-bad-reply; no endless loop"),
    C("pptp-bad-magic", "pptp", "lying lengths", "RFC 2637 2.1 (Magic Cookie)",
      "an SCCRP with a wrong magic cookie", ("pptp-bad-reply",), "pptp-bad-reply"),
    C("pptp-sccrp-truncated", "pptp", "truncation", "RFC 2637 2.2",
      "an SCCRP that claims 156 bytes, 40 sent, then the connection closes",
      ("pptp-bad-reply", "tcp-closed", "pptp-no-reply"), "pptp-bad-reply / tcp-closed"),
    C("pptp-stall-after-sccrp", "pptp", "stalls mid-handshake", "RFC 2637 2.7",
      "a correct SCCRP, then silence for the Outgoing-Call-Request", ("pptp-no-reply",),
      "pptp-no-reply (OCRQ)"),
    C("pptp-trickle", "pptp", "slow headers", "RFC 2637 2.2",
      "the SCCRP trickled one byte every 250 ms", ("pptp-no-reply", "tcp-closed"), "pptp-no-reply (bounded)"),
    C("pptp-endless", "pptp", "endless headers", "RFC 2637 2.1",
      "an endless stream of junk bytes instead of an SCCRP", ("pptp-bad-reply",), "pptp-bad-reply"),
    C("gre-reflect", "pptp", "reflection", "RFC 2637 4.1",
      "correct control connection (the server's call ID equal to ours), then our own GRE/LCP "
      "Configure-Request reflected back", ("gre-reflected",), "gre-reflected; never works"),
    C("gre-reflect-other-callid", "pptp", "reflection", "RFC 2637 4.1",
      "as gre-reflect, but the server's call ID differs from ours (the reflection carries its ID)",
      ("gre-reflected", "gre-no-reply"), "gre-reflected / gre-no-reply; never works"),
    C("gre-flood", "pptp", "floods", "RFC 2637 4.1",
      "correct control connection, then 5000 junk GRE packets to the client (half with a GRE header on another call ID)",
      ("gre-no-reply", "gre-reflected", "obs-budget-exhausted"), "no GRE reply counted; bounded"),
    C("gre-spoofed-source", "pptp", "spoofed sources", "RFC 2637 4.1",
      "correct control connection; the LCP answer in GRE comes from 198.19.0.3, not the server",
      ("gre-wrong-source",), "gre-wrong-source: GRE from another address is not the server's; never works"),
]
CASE_BY_NAME = {c["name"]: c for c in CASES}

# ------------------------------------------------------------------------------------- helpers
DEADLINE = [0.0]
STOP = threading.Event()
READY = threading.Semaphore(0)   # one release per protocol side once its sockets are bound
FAILED = []
SLOTS = threading.BoundedSemaphore(32)
ARGS = None


def log(msg):
    sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


def left():
    return DEADLINE[0] - time.monotonic()


def alive():
    return not STOP.is_set() and left() > 0


def udp_socket(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def recv_loop(socks, handler):
    """Calls handler(sock, data, peer) for every datagram until the deadline."""
    while alive():
        r, _, _ = select.select(socks, [], [], min(0.5, max(0.01, left())))
        for s in r:
            try:
                data, peer = s.recvfrom(65535)
            except OSError:
                continue
            handler(s, data, peer)


# ---------------------------------------------------------------------------- IKEv2 (RFC 7296)
NONESP = b"\0\0\0\0"
IKE_SA_INIT = 34
PT_SA, PT_KE, PT_NONCE, PT_N, PT_VID = 33, 34, 40, 41, 43
N_NATD_SRC, N_NATD_DST, N_COOKIE, N_FRAG = 16388, 16389, 16390, 16430


def ike_hdr(spi_i, spi_r, np, exch, flags, msgid, length, version=0x20):
    return spi_i + spi_r + struct.pack("!BBBBII", np, version, exch, flags, msgid, length)


def payloads(chain, first_np_out=None):
    """chain: [(type, body)]; returns (first type, bytes) with generic headers."""
    out = b""
    for i, (t, body) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (chain[0][0] if chain else 0), out


def parse_chain(np, data):
    """Generic walk of a payload chain: [(type, body)] (stops on anything odd)."""
    out = []
    off = 0
    while np and off + 4 <= len(data):
        nxt, _, plen = struct.unpack("!BBH", data[off:off + 4])
        if plen < 4 or off + plen > len(data):
            break
        out.append((np, data[off + 4:off + plen]))
        np, off = nxt, off + plen
    return out


def ike2_request(data, natt):
    if natt:
        if data[:4] != NONESP:
            return None
        data = data[4:]
    if len(data) < 28 or data[17] >> 4 != 2:
        return None
    spi_i, spi_r = data[:8], data[8:16]
    np, ver, exch, flags, msgid, length = struct.unpack("!BBBBII", data[16:28])
    return dict(raw=data, spi_i=spi_i, spi_r=spi_r, np=np, exch=exch, flags=flags, msgid=msgid,
                chain=parse_chain(np, data[28:]))


def pick_proposal(sa_body, ke_group):
    """The request's first proposal whose D-H transform is ke_group (else its first), as bytes
    with the 'last proposal' mark."""
    off, first = 0, None
    while off + 8 <= len(sa_body):
        more, _, plen = struct.unpack("!BBH", sa_body[off:off + 4])
        if plen < 8 or off + plen > len(sa_body):
            break
        prop = sa_body[off:off + plen]
        first = first or prop
        ntr, spisz = prop[7], prop[6]
        toff = 8 + spisz
        for _ in range(ntr):
            if toff + 8 > len(prop):
                break
            tlen = struct.unpack("!H", prop[toff + 2:toff + 4])[0]
            ttype, tid = prop[toff + 4], struct.unpack("!H", prop[toff + 6:toff + 8])[0]
            if ttype == 4 and tid == ke_group:
                return b"\0" + prop[1:]
            toff += max(tlen, 8)
        off += plen
        if more == 0:
            break
    return (b"\0" + first[1:]) if first else b""


MODP_BITS = {1: 768, 2: 1024, 5: 1536, 14: 2048, 15: 3072, 16: 4096}


def ke_value(group):
    """A valid public value for a MODP group without its prime: 2^k (k < bits-1) is below p and,
    2 generating the prime-order subgroup of these safe-prime groups, a member of it."""
    bits = MODP_BITS.get(group)
    if not bits:
        return os.urandom(64)
    k = random.randint(bits // 2, bits - 8)
    return (1 << k).to_bytes(bits // 8, "big")


def natd(spi_i, spi_r, ip, port):
    return hashlib.sha1(spi_i + spi_r + socket.inet_aton(ip) + struct.pack("!H", port)).digest()


def ike2_sa_init_reply(req, client, server, *, flags=0x20, spi_r=None, vid_bytes=0, zero_vid=False):
    """A correct IKE_SA_INIT response to req (RFC 7296 1.2): SA (one proposal of ours), KE, Nr,
    NAT-D source/destination, FRAGMENTATION_SUPPORTED, optionally a Vendor ID of vid_bytes."""
    spi_r = spi_r or os.urandom(8)
    d = dict(req["chain"])
    ke = d.get(PT_KE, b"\0\x02\0\0")
    group = struct.unpack("!H", ke[:2])[0] if len(ke) >= 2 else 2
    chain = [(PT_SA, pick_proposal(d.get(PT_SA, b""), group)),
             (PT_KE, struct.pack("!HH", group, 0) + ke_value(group)),
             (PT_NONCE, os.urandom(32))]
    if zero_vid:
        chain.append((PT_VID, None))
    chain += [(PT_N, struct.pack("!BBH", 0, 0, N_NATD_SRC) + natd(req["spi_i"], spi_r, server[0], server[1])),
              (PT_N, struct.pack("!BBH", 0, 0, N_NATD_DST) + natd(req["spi_i"], spi_r, client[0], client[1])),
              (PT_N, struct.pack("!BBH", 0, 0, N_FRAG))]
    if vid_bytes:
        chain.append((PT_VID, (b"hostile-lab-oversize:" + os.urandom(vid_bytes))[:vid_bytes]))
    body = b""
    for i, (t, b) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        if b is None:  # a payload whose Length field is 0
            body += struct.pack("!BBH", nxt, 0, 0)
        else:
            body += struct.pack("!BBH", nxt, 0, 4 + len(b)) + b
    return ike_hdr(req["spi_i"], spi_r, PT_SA, IKE_SA_INIT, flags, 0, 28 + len(body)) + body


def ike2_case(case):
    srv = ARGS.server
    socks = {udp_socket(srv, 500): False, udp_socket(srv, 4500): True}
    alt = None
    if case == "ike-spoofed-source":
        alt = {False: udp_socket(ARGS.alt, 500), True: udp_socket(ARGS.alt, 4500)}
    elif case == "ike-spoofed-port":
        alt = {False: udp_socket(srv, 5500), True: udp_socket(srv, 5501)}
    READY.release()
    flood_started = []

    def send(s, natt, pkt, peer):
        s.sendto((NONESP if natt else b"") + pkt, peer)

    def flood(s, natt, peer):
        sent = 0
        for i in range(20000):
            if not alive():
                break
            n = random.randint(1, 300)
            try:
                s.sendto((NONESP if natt else b"") + os.urandom(n), peer)
                sent += 1
            except OSError:
                time.sleep(0.001)
            if i % 200 == 199:
                time.sleep(0.02)   # about 8000 datagrams/s: bounded CPU on a shared machine
        log("flood: %d junk datagrams to %s:%d" % (sent, peer[0], peer[1]))

    def handle(s, data, peer):
        natt = socks[s]
        port = s.getsockname()[1]
        if case == "ike-reflect":
            s.sendto(data, peer)
            log("reflected %d bytes to %s:%d" % (len(data), peer[0], peer[1]))
            return
        if case == "ike-empty-datagram":
            s.sendto(b"", peer)
            return
        if case in ("ike-flood", "ike-flood-sstp-ok"):
            if (peer, natt) not in flood_started:
                flood_started.append((peer, natt))
                threading.Thread(target=flood, args=(s, natt, peer), daemon=True).start()
            return
        req = ike2_request(data, natt)
        if not req or req["flags"] & 0x20:
            return
        if req["exch"] != IKE_SA_INIT:
            log("%s exchange %d (msg id %d): silence" % (case, req["exch"], req["msgid"]))
            return
        server = (srv, port)
        if case == "ike-cookie-endless":
            n = struct.pack("!BBH", 0, 0, N_COOKIE) + os.urandom(16)
            body = struct.pack("!BBH", 0, 0, 4 + len(n)) + n
            pkt = ike_hdr(req["spi_i"], b"\0" * 8, PT_N, IKE_SA_INIT, 0x20, 0, 28 + len(body)) + body
        elif case == "ike-nonparsing-body":
            junk = bytes([0x22, 0, 0xFF, 0xF0]) + os.urandom(60)  # next KE, length 65520 in 64 bytes
            pkt = ike_hdr(req["spi_i"], os.urandom(8), PT_SA, IKE_SA_INIT, 0x20, 0, 28 + len(junk)) + junk
        else:
            kw = {}
            if case == "ike-no-response-flag":
                kw["flags"] = 0x00
            if case == "ike-zero-length-payload":
                kw["zero_vid"] = True
            pkt = ike2_sa_init_reply(req, peer, server, **kw)
            if case == "ike-oversize-65000":  # the same reply plus a Vendor ID: 65,000 bytes in all
                pad = 65000 - len(pkt) - 4 - (4 if natt else 0)
                pkt = ike2_sa_init_reply(req, peer, server, vid_bytes=pad)
            if case == "ike-length-over":
                pkt = pkt[:24] + struct.pack("!I", len(pkt) + 1000) + pkt[28:]
            if case == "ike-payload-length-over":
                pkt = pkt[:30] + b"\xff\xff" + pkt[32:]
            if case == "ike-truncated":
                pkt = pkt[:60]
        if alt is not None:
            send(alt[natt], natt, pkt, peer)
        else:
            send(s, natt, pkt, peer)
        log("%s: answered IKE_SA_INIT from %s:%d on %d with %d bytes" % (case, peer[0], peer[1], port, len(pkt)))

    recv_loop(list(socks), handle)


# ------------------------------------------------------------ IKEv1 (RFC 2408/2409) and L2TP
NATT_VID = bytes.fromhex("4a131c81070358455c5728f20e95452f")


def ike1_mm2(data, zero_vid=False):
    """Main Mode 2 answering MM1 data: our CKY-R, SA with the first transform of the request."""
    cky_i = data[:8]
    np = data[16]
    chain = parse_chain(np, data[28:])
    sa = dict(chain).get(1, b"")
    # SA body: DOI(4) situation(4) then a Proposal payload: hdr(4) num proto spisz ntr, spi, transforms
    prop = sa[8:]
    tr = b""
    if len(prop) >= 8:
        spisz = prop[6]
        toff = 8 + spisz
        if toff + 4 <= len(prop):
            tlen = struct.unpack("!H", prop[toff + 2:toff + 4])[0]
            tr = b"\0" + prop[toff + 1:toff + tlen]
    prop_body = bytes([1, 1, 0, 1]) + tr
    sa_body = struct.pack("!II", 1, 1) + struct.pack("!BBH", 0, 0, 4 + len(prop_body)) + prop_body
    chain = [(1, sa_body)]
    if zero_vid:
        chain.append((13, None))
    chain.append((13, NATT_VID))
    body = b""
    for i, (t, b) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        body += struct.pack("!BBH", nxt, 0, 0 if b is None else 4 + len(b)) + (b or b"")
    return cky_i + os.urandom(8) + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, 28 + len(body)) + body


def l2tp_sccrp(req, avp_zero=False, length_over=False):
    tid = 0
    # the client's Assigned Tunnel ID (AVP 9) tells us whom to answer
    if len(req) >= 12 and req[0] & 0x80:
        off = 12
        while off + 6 <= len(req):
            fl = struct.unpack("!H", req[off:off + 2])[0]
            alen = fl & 0x3FF
            if alen < 6 or off + alen > len(req):
                break
            if struct.unpack("!HH", req[off + 2:off + 6]) == (0, 9) and alen == 8:
                tid = struct.unpack("!H", req[off + 6:off + 8])[0]
            off += alen

    def avp(t, v, ln=None):
        return struct.pack("!HHH", 0x8000 | ((6 + len(v)) if ln is None else ln), 0, t) + v

    avps = avp(0, b"\0\x02") + avp(2, b"\x01\x00") + avp(3, b"\0\0\0\x03")
    if avp_zero:
        avps += avp(8, b"hostile", ln=0)
    avps += avp(7, b"hostile-lab") + avp(9, b"\x12\x34")
    if length_over:
        avps += avp(8, b"vendor", ln=1000)
    ln = 12 + len(avps) + (3000 if length_over else 0)
    return struct.pack("!HHHHHH", 0xC802, ln, tid, 0, 0, 1) + avps


def l2tp_case(case):
    srv = ARGS.server
    s500, s4500, s1701 = udp_socket(srv, 500), udp_socket(srv, 4500), udp_socket(srv, 1701)
    READY.release()

    def handle(s, data, peer):
        port = s.getsockname()[1]
        if case == "ike1-reflect" or (case == "l2tp-reflect-1701" and port == 1701):
            s.sendto(data, peer)
            log("reflected %d bytes to %s:%d" % (len(data), peer[0], peer[1]))
            return
        if port == 1701:
            if case in ("l2tp-avp-zero-length", "l2tp-avp-length-over"):
                pkt = l2tp_sccrp(data, avp_zero=case == "l2tp-avp-zero-length",
                                 length_over=case == "l2tp-avp-length-over")
                s.sendto(pkt, peer)
                log("%s: SCCRP of %d bytes to %s:%d" % (case, len(pkt), peer[0], peer[1]))
            return
        if not case.startswith("ike1-"):
            return  # IKE silent in the L2TP cases
        natt = port == 4500
        if natt:
            if data[:4] != NONESP:
                return
            data = data[4:]
        if len(data) < 28 or data[17] != 0x10:
            return
        exch, msgid = data[18], struct.unpack("!I", data[20:24])[0]
        if data[8:16] != b"\0" * 8:
            log("%s: exchange %d with CKY-R set (MM3 or later): silence" % (case, exch))
            return
        if exch != 2:
            log("%s: exchange %d (Aggressive Mode / other): silence" % (case, exch))
            return
        if case == "ike1-nonparsing-body":
            junk = bytes([4, 0, 0xFF, 0xF0]) + os.urandom(48)
            pkt = data[:8] + os.urandom(8) + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, 28 + len(junk)) + junk
        else:
            pkt = ike1_mm2(data, zero_vid=case == "ike1-zero-length-payload")
            if case == "ike1-length-over":
                pkt = pkt[:24] + struct.pack("!I", len(pkt) + 1000) + pkt[28:]
            if case == "ike1-truncated":
                pkt = pkt[:40]
        s.sendto((NONESP if natt else b"") + pkt, peer)
        log("%s: answered MM1 from %s:%d on %d (%d bytes)" % (case, peer[0], peer[1], port, len(pkt)))

    recv_loop([s500, s4500, s1701], handle)


# ----------------------------------------------------------------------------- SSTP over TLS
SSTP_URI = b"/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"


def sstp_attr(attr_id, value, length=None):
    return struct.pack("!BBH", 0, attr_id, 4 + len(value) if length is None else length) + value


def sstp_control(msg_type, attrs, nattr=None, length=None):
    body = struct.pack("!HH", msg_type, len(attrs) if nattr is None else nattr) + b"".join(attrs)
    return struct.pack("!BBH", 0x10, 0x01, 4 + len(body) if length is None else length) + body


def read_until(conn, marker, limit, seconds):
    buf = b""
    end = time.monotonic() + seconds
    while marker not in buf and len(buf) < limit and time.monotonic() < end and alive():
        conn.settimeout(max(0.05, min(end - time.monotonic(), left(), 1.0)))
        try:
            chunk = conn.recv(4096)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        if not chunk:
            break
        buf += chunk
    return buf


def read_n(conn, n, seconds):
    buf = b""
    end = time.monotonic() + seconds
    while len(buf) < n and time.monotonic() < end and alive():
        conn.settimeout(max(0.05, min(end - time.monotonic(), left(), 1.0)))
        try:
            chunk = conn.recv(n - len(buf))
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
    return buf


def hold(conn, seconds):
    """Keep the connection open without a word (bounded)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and alive():
        conn.settimeout(max(0.05, min(end - time.monotonic(), 0.5)))
        try:
            if not conn.recv(4096):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def trickle(conn, data, gap, seconds):
    end = time.monotonic() + seconds
    for i in range(len(data)):
        if time.monotonic() > end or not alive():
            return
        conn.sendall(data[i:i + 1])
        time.sleep(gap)


def sstp_session(conn, case):
    """After TLS: the HTTP handshake and the Call Connect exchange, bent by case."""
    req = read_until(conn, b"\r\n\r\n", 16384, 5)
    if b"\r\n\r\n" not in req:
        return
    if case == "tls-then-silence":
        return hold(conn, 30)
    ok_head = (b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n"
               b"Server: vpndiag-hostile-lab\r\n\r\n")
    if case == "http-endless-header":
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        end = time.monotonic() + 30
        i = 0
        while time.monotonic() < end and alive() and i < 100000:
            conn.sendall(b"X-Hostile-%06d: %s\r\n" % (i, b"a" * 64))
            i += 1
            if i % 100 == 0:
                time.sleep(0.1)
        return
    if case == "http-trickle":
        return trickle(conn, ok_head, 0.3, 30)
    if case == "http-garbage":
        conn.sendall(os.urandom(2048))
        return hold(conn, 30)
    conn.sendall(ok_head)
    rest = req.split(b"\r\n\r\n", 1)[1]
    ccr = rest + read_n(conn, max(0, 14 - len(rest)), 5)
    if len(ccr) < 14:
        return
    nonce = os.urandom(32)
    if case == "sstp-ack-no-crypto-binding":
        reply = sstp_control(2, [])
    elif case == "sstp-ack-short-nonce":
        reply = sstp_control(2, [sstp_attr(4, b"\0\0\0\x03" + nonce[:8])])
    elif case == "sstp-attr-zero-length":
        reply = sstp_control(2, [sstp_attr(4, b"\0\0\0\x03" + nonce, length=0)])
    elif case == "sstp-length-over":
        reply = sstp_control(2, [sstp_attr(4, b"\0\0\0\x03")], length=4095)[:12]
    elif case == "sstp-length-zero":
        reply = sstp_control(2, [sstp_attr(4, b"\0\0\0\x03" + nonce)], length=0)
    else:  # a correct Call Connect Ack: Crypto Binding Request, SHA1|SHA256, 32-byte nonce
        reply = sstp_control(2, [sstp_attr(4, b"\0\0\0\x03" + nonce)])
    conn.sendall(reply)
    log("%s: sent %d-byte Call Connect reply" % (case, len(reply)))
    # then the usual answers: Echo Response, Call Disconnect Ack; bounded
    end = time.monotonic() + 10
    while time.monotonic() < end and alive():
        hdr = read_n(conn, 4, end - time.monotonic())
        if len(hdr) < 4:
            return
        ln = struct.unpack("!H", hdr[2:4])[0] & 0x0FFF
        body = read_n(conn, max(0, ln - 4), end - time.monotonic())
        if hdr[1] & 1 and len(body) >= 2:
            t = struct.unpack("!H", body[:2])[0]
            if t == 8:
                conn.sendall(sstp_control(9, []))
            elif t == 6:
                conn.sendall(sstp_control(7, []))
                return
            elif t == 5:
                return


def tls_context(chain_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(ARGS.pki, chain_file), os.path.join(ARGS.pki, "server.key"))
    return ctx


def tls_conn(raw, peer, case, ctx):
    try:
        if case == "tcp443-accept-close":
            raw.close()
            return
        if case == "tcp443-accept-reset":
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
            return
        if case == "tls-stall-in-handshake":
            read_n(raw, 5, 2)
            return hold(raw, 30)
        if case == "tls-junk":
            read_n(raw, 5, 2)
            raw.sendall(os.urandom(4096))
            return hold(raw, 5)
        raw.settimeout(5)
        conn = ctx.wrap_socket(raw, server_side=True)
        try:
            sstp_session(conn, case)
        finally:
            conn.close()
    except (OSError, ssl.SSLError, ValueError) as e:
        log("%s: connection from %s ended: %s" % (case, peer, e))
    finally:
        raw.close()
        SLOTS.release()


def crl_server(srv, body):
    """The CRL distribution point of the certificates (http://crl.lab.test/lab.crl) on TCP 80."""

    def one(c):
        try:
            req = read_until(c, b"\r\n\r\n", 8192, 3)
            path = req.split(b" ")[1] if req.count(b" ") >= 2 else b"?"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: %d\r\n"
                      b"Connection: close\r\n\r\n" % len(body) + body)
            log("CRL server: %s -> %d bytes" % (path.decode(errors="replace"), len(body)))
        except OSError:
            pass
        finally:
            c.close()
            SLOTS.release()

    while alive():
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        if SLOTS.acquire(blocking=False):
            threading.Thread(target=one, args=(c,), daemon=True).start()
        else:
            c.close()


def crl_body(case):
    name = {"crl-junk": None, "crl-wrong-issuer": "crl-wrong-issuer.der",
            "crl-forged-signature": "crl-forged.der", "crl-stale": "crl-stale.der",
            "crl-revoked": "crl-revoked.der"}.get(case, "crl-good.der")
    if name is None:
        return os.urandom(2048)
    with open(os.path.join(ARGS.pki, name), "rb") as f:
        return f.read()


def tcp_listen(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ARGS.server, port))
    srv.listen(16)
    srv.settimeout(0.5)
    return srv


def sstp_case(case):
    if case in ("tls-chain-50", "tls-chain-70"):  # leaf + N-1 intermediates, all with the key int.key
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(ARGS.pki, case[4:] + ".crt"), os.path.join(ARGS.pki, "int.key"))
    else:
        ctx = tls_context("fullchain.crt")
    web = tcp_listen(80)
    srv = tcp_listen(443)
    threading.Thread(target=crl_server, args=(web, crl_body(case)), daemon=True).start()
    READY.release()
    while alive():
        try:
            c, peer = srv.accept()
        except socket.timeout:
            continue
        if not SLOTS.acquire(blocking=False):
            c.close()
            continue
        log("%s: TCP 443 connection from %s:%d" % (case, peer[0], peer[1]))
        threading.Thread(target=tls_conn, args=(c, "%s:%d" % peer, case, ctx), daemon=True).start()


# ------------------------------------------------------------------------ PPTP and GRE (RFC 2637)
MAGIC = 0x1A2B3C4D


def pptp_msg(ctype, body, length=None, magic=MAGIC):
    ln = 12 + len(body) if length is None else length
    return struct.pack("!HHIHH", ln, 1, magic, ctype, 0) + body


def sccrp(**kw):
    body = struct.pack("!HBBIIHH", 0x0100, 1, 0, 3, 3, 0, 1) + b"hostile-lab".ljust(64, b"\0") + \
        b"vpndiag hostile lab".ljust(64, b"\0")
    return pptp_msg(2, body, **kw)


def ocrp(call_id, peer_call_id):
    return pptp_msg(8, struct.pack("!HHBBHIHHI", call_id, peer_call_id, 1, 0, 0, 64000, 64, 0, 0))


def gre_pkt(call_id, seq, ppp, ack=None):
    flags = 0x3081 if ack is not None else 0x3001
    h = struct.pack("!HHHHI", flags, 0x880B, len(ppp), call_id, seq)
    return h + (struct.pack("!I", ack) if ack is not None else b"") + ppp


class Gre:
    """The raw GRE side: learns the client's GRE packets, answers as the case says."""

    def __init__(self, case):
        self.case = case
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
        self.spoof = None
        if case == "gre-spoofed-source":
            self.spoof = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
            self.spoof.bind((ARGS.alt, 0))
        self.client_call = {}  # client address -> its call ID (from the OCRQ)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        flooded = set()
        sent = 0
        while alive():
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if not r:
                continue
            pkt = self.sock.recv(65535)
            if len(pkt) < 28 or pkt[0] >> 4 != 4:
                continue
            ihl = (pkt[0] & 0x0F) * 4
            src = socket.inet_ntoa(pkt[12:16])
            gre = pkt[ihl:]
            if src == ARGS.server or src == ARGS.alt or sent > 200:
                continue
            cid = self.client_call.get(src, 0)
            if self.case in ("gre-reflect", "gre-reflect-other-callid"):
                self.sock.sendto(gre, (src, 0))
                sent += 1
                log("GRE: reflected %d bytes back to %s" % (len(gre), src))
            elif self.case == "gre-flood" and src not in flooded:
                flooded.add(src)
                n = 0
                for i in range(5000):
                    if not alive():
                        break
                    junk = os.urandom(random.randint(0, 120))
                    # odd: an enhanced-GRE header on ANOTHER call ID; even: random bytes
                    body = gre_pkt(cid ^ 0x5A5A, i, junk) if i % 2 else junk
                    try:
                        self.sock.sendto(body, (src, 0))
                        n += 1
                    except OSError:
                        time.sleep(0.001)
                    if i % 200 == 199:
                        time.sleep(0.02)
                log("GRE: flooded %d junk packets to %s" % (n, src))
            elif self.case == "gre-spoofed-source":
                # a correct LCP Configure-Request of the "server", from the wrong address
                lcp = b"\xff\x03\xc0\x21" + struct.pack("!BBH", 1, 1, 10) + b"\x05\x06" + os.urandom(4)
                self.spoof.sendto(gre_pkt(cid, sent, lcp), (src, 0))
                sent += 1
                log("GRE: LCP Configure-Request to %s call %d from %s" % (src, cid, ARGS.alt))


def pptp_conn(c, peer, case, gre):
    try:
        c.settimeout(5)
        if case == "pptp-accept-close":
            return
        req = read_n(c, 156, 5)
        if len(req) < 156:
            return
        if case == "pptp-length-over":
            return c.sendall(sccrp(length=4000)) or hold(c, 30)
        if case == "pptp-length-zero":
            return c.sendall(sccrp(length=0)) or hold(c, 30)
        if case == "pptp-bad-magic":
            return c.sendall(sccrp(magic=0xDEADBEEF)) or hold(c, 30)
        if case == "pptp-sccrp-truncated":
            return c.sendall(sccrp()[:40])
        if case == "pptp-trickle":
            return trickle(c, sccrp(), 0.25, 30)
        if case == "pptp-endless":
            end = time.monotonic() + 30
            while time.monotonic() < end and alive():
                c.sendall(os.urandom(1024))
                time.sleep(0.05)
            return
        c.sendall(sccrp())
        if case == "pptp-stall-after-sccrp":
            return hold(c, 30)
        ocrq = read_n(c, 168, 5)
        if len(ocrq) < 16:
            return
        client_call = struct.unpack("!H", ocrq[12:14])[0]
        gre.client_call[peer[0]] = client_call
        # gre-reflect: the server's call ID equals the client's, so a reflected packet carries the
        # client's own call ID: only its direction and content tell it from the server's GRE.
        my_call = client_call if case == "gre-reflect" else (client_call + 4321) & 0xFFFF or 1
        c.sendall(ocrp(my_call, client_call))
        log("%s: OCRP call %d for client call %d" % (case, my_call, client_call))
        hold(c, 30)
    except OSError as e:
        log("%s: %s" % (case, e))
    finally:
        c.close()
        SLOTS.release()


def pptp_case(case):
    gre = Gre(case)
    srv = tcp_listen(1723)
    READY.release()
    while alive():
        try:
            c, peer = srv.accept()
        except socket.timeout:
            continue
        if not SLOTS.acquire(blocking=False):
            c.close()
            continue
        log("%s: TCP 1723 connection from %s:%d" % (case, peer[0], peer[1]))
        threading.Thread(target=pptp_conn, args=(c, peer, case, gre), daemon=True).start()


# ------------------------------------------------------------------------------------- main
def main():
    global ARGS
    ap = argparse.ArgumentParser(description="hostile test responder (vpndiag lab)")
    ap.add_argument("case", nargs="?")
    ap.add_argument("--list", action="store_true", help="print the cases as JSON")
    ap.add_argument("--server", default="198.19.0.2", help="the server's address")
    ap.add_argument("--alt", default="198.19.0.3", help="another address of the server namespace (spoofing)")
    ap.add_argument("--pki", default=".", help="directory with the certificates and CRLs (run.py makes them)")
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ARGS = ap.parse_args()
    if ARGS.list:
        json.dump(CASES, sys.stdout, indent=1)
        print()
        return 0
    c = CASE_BY_NAME.get(ARGS.case or "")
    if not c:
        print("unknown case %r; --list shows them" % ARGS.case, file=sys.stderr)
        return 2
    DEADLINE[0] = time.monotonic() + ARGS.max_seconds
    protos = c["proto"].split(",")
    threads = []

    def guarded(fn):
        def run():
            try:
                fn(c["name"])
            except Exception as e:  # report and let main() end: run.py sees "not ready" or the log
                FAILED.append("%s: %r" % (fn.__name__, e))
                log("error in %s: %r" % (fn.__name__, e))
                READY.release()
        return threading.Thread(target=run, daemon=True)

    for p, fn in (("ikev2", ike2_case), ("l2tp", l2tp_case), ("sstp", sstp_case), ("pptp", pptp_case)):
        if p in protos:
            threads.append(guarded(fn))
    for t in threads:
        t.start()
    for _ in threads:  # each side releases READY once its sockets are bound
        if not READY.acquire(timeout=5) or FAILED:
            log("not ready: %s" % (FAILED or "timeout"))
            return 1
    print("ready %s" % c["name"], flush=True)
    while alive() and any(t.is_alive() for t in threads):
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
