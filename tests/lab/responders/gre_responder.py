#!/usr/bin/env python3
"""GRE/LCP TEST RESPONDER for the vpndiag lab. NOT a PPTP server.

Why it exists: pptpd (the real server, on TCP 1723) answers the control
connection up to Outgoing-Call-Reply, then starts pppd, which cannot run:
this kernel has no PPP (no /dev/ppp). So the real server never sends GRE,
and "PPTP control works but GRE is blocked" (Windows error 806) could not be
told from "GRE passes" without this responder.

What it does (RFC 2637 section 4, enhanced GRE; RFC 1661 LCP):
  * learns, per client address, the client's Call ID from the
    Outgoing-Call-Request it sends to TCP 1723 (a raw IPPROTO_TCP socket
    receives a copy of every incoming TCP segment; pptpd still handles the
    connection itself);
  * on an incoming enhanced GRE packet (version 1, protocol 0x880B) that
    carries an LCP Configure-Request, sends back to the source, keyed with
    the client's Call ID: an LCP Configure-Request of its own (Magic-Number
    option) and a Configure-Ack of the client's options, with the GRE
    acknowledgment number set to the client's sequence number.
Bounded: at most 50 replies per second, runs at most --max-seconds.

Hostile modes for the hostile-server lab (--mode; default "normal" as above),
each of which a client must NOT take for the server's GRE:
  reflect      sends the client's own packet back to it unchanged (our own
               LCP Configure-Request, keyed with the server's call id);
  own-call-id  the same, after rewriting the Call ID to the client's own (as
               when a server picks the client's call id for itself);
  wrong-call   answers keyed with a call id that is neither side's;
  spoof SRC    answers correctly, but from the address --spoof-source
               (an IP_HDRINCL packet; the path must let it through).
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

IPPROTO_GRE = 47
PPP_LCP = 0xC021


def log(msg):
    sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


def parse_ip(pkt):
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 0x0F) * 4
    return socket.inet_ntoa(pkt[12:16]), pkt[ihl:]


def learn_call_id(seg, src, calls):
    if len(seg) < 20:
        return
    dport = struct.unpack("!H", seg[2:4])[0]
    if dport != 1723:
        return
    off = (seg[12] >> 4) * 4
    msg = seg[off:]
    # PPTP control header: length(2) type(2) magic(4) ctrl type(2) reserved(2)
    if len(msg) >= 16 and struct.unpack("!I", msg[4:8])[0] == 0x1A2B3C4D:
        if struct.unpack("!H", msg[8:10])[0] == 7:   # Outgoing-Call-Request
            calls[src] = struct.unpack("!H", msg[12:14])[0]
            log("OCRQ from %s: client call id %d" % (src, calls[src]))


def gre_packet(call_id, seq, ack, ppp):
    flags = 0x3081 if ack is not None else 0x3001   # K, S, (A), version 1
    hdr = struct.pack("!HHHHI", flags, 0x880B, len(ppp), call_id, seq)
    if ack is not None:
        hdr += struct.pack("!I", ack)
    return hdr + ppp


def main():
    ap = argparse.ArgumentParser(description="GRE/LCP test responder (vpndiag lab)")
    ap.add_argument("--max-seconds", type=int, default=86400)
    ap.add_argument("--mode", choices=("normal", "reflect", "own-call-id", "wrong-call", "spoof"), default="normal")
    ap.add_argument("--spoof-source", default="198.19.0.99", help="source address for --mode spoof")
    a = ap.parse_args()
    gre = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    raw = None
    if a.mode == "spoof":
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IP_HDRINCL implied
    tcp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    calls = {}
    seq = 0
    window_start, sent_in_window = time.monotonic(), 0
    end = time.monotonic() + a.max_seconds
    magic = os.urandom(4)
    print("ready", flush=True)
    log("GRE/LCP test responder ready")
    while time.monotonic() < end:
        r, _, _ = select.select([gre, tcp], [], [], 1.0)
        # The TCP copies first: when the client's Outgoing-Call-Request and its first GRE packet
        # are both queued, the call id must be learnt before the GRE is answered (else the answer
        # goes out keyed with call id 0, which a careful client rightly refuses).
        # Every queued TCP copy is read (one recv per wake-up left the Outgoing-Call-Request
        # behind the SYN/ACK/SCCRQ copies under load), then the GRE.
        if tcp in r:
            for _ in range(256):
                try:
                    pkt = tcp.recv(65535, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                p = parse_ip(pkt)
                if p is not None:
                    learn_call_id(p[1], p[0], calls)
        for s in [x for x in r if x is gre]:
            pkt = s.recv(65535)
            p = parse_ip(pkt)
            if p is None:
                continue
            src, payload = p
            if len(payload) < 8:
                continue
            if a.mode in ("reflect", "own-call-id"):
                out = bytearray(payload)
                if a.mode == "own-call-id" and src in calls:
                    out[6:8] = struct.pack("!H", calls[src])
                gre.sendto(bytes(out), (src, 0))
                log("%s: sent %s its own GRE back" % (a.mode, src))
                continue
            flags, proto = struct.unpack("!HH", payload[:4])
            if flags & 0x7 != 1 or proto != 0x880B or not flags & 0x2000:
                continue
            plen = struct.unpack("!H", payload[4:6])[0]
            off = 8
            their_seq = None
            if flags & 0x1000:
                their_seq = struct.unpack("!I", payload[off:off + 4])[0]
                off += 4
            if flags & 0x0080:
                off += 4
            ppp = payload[off:off + plen]
            if ppp[:2] == b"\xff\x03":
                ppp = ppp[2:]
            if len(ppp) < 6 or struct.unpack("!H", ppp[:2])[0] != PPP_LCP or ppp[2] != 1:
                continue
            # ppp is now protocol (2) | code | id | length (2, counted from code) | options
            lcp_id, lcp_len = ppp[3], struct.unpack("!H", ppp[4:6])[0]
            options = ppp[6:2 + lcp_len]
            now = time.monotonic()
            if now - window_start > 1.0:
                window_start, sent_in_window = now, 0
            if sent_in_window >= 50:
                continue
            sent_in_window += 2
            if src not in calls and a.mode != "wrong-call":
                # A real server always knows the call id it gave out; the client sends its
                # Configure-Request again, by then the copy of the Outgoing-Call-Request is read.
                log("LCP Configure-Request from %s before its Outgoing-Call-Request was seen: not answered" % src)
                continue
            call_id = calls.get(src, 0)
            if a.mode == "wrong-call":
                call_id = (call_id + 0x1111) & 0xFFFF
            req_opts = b"\x05\x06" + magic
            my_req = b"\xff\x03" + struct.pack("!HBBH", PPP_LCP, 1, 1, 4 + len(req_opts)) + req_opts
            my_ack = b"\xff\x03" + struct.pack("!HBBH", PPP_LCP, 2, lcp_id, 4 + len(options)) + options
            for frame in (my_req, my_ack):
                pkt = gre_packet(call_id, seq, their_seq, frame)
                if raw is not None:
                    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(pkt), seq & 0xFFFF, 0, 64, IPPROTO_GRE, 0,
                                     socket.inet_aton(a.spoof_source), socket.inet_aton(src))
                    raw.sendto(ip + pkt, (src, 0))
                else:
                    gre.sendto(pkt, (src, 0))
                seq += 1
            log("LCP Configure-Request from %s (GRE call id %d): answered with call id %d"
                % (src, struct.unpack("!H", payload[6:8])[0], call_id))


if __name__ == "__main__":
    main()
