#!/usr/bin/env python3
"""SSTP TEST RESPONDER for the vpndiag lab. NOT an SSTP server.

Why it exists: Debian 12 has no SSTP server that answers the SSTP handshake
on this machine. SoftEther 5.01.9674 (softether-vpnserver) does TLS and HTTP
but never answers SSTP_DUPLEX_POST to /sra_{BA195980-...}/ (see
tests/lab/README.md), accel-ppp is not packaged, and the kernel has no PPP,
so no server could carry PPP over SSTP anyway.

What it does, after [MS-SSTP] (facts sheet section 3): it sits behind a real
TLS server (nginx, stream module, which terminates TLS; [MS-SSTP] allows TLS
offload) and speaks plain TCP:
  1. reads the HTTP request; SSTP_DUPLEX_POST to
     /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ over HTTP/1.1 gets
     "HTTP/1.1 200 OK" with Content-Length 18446744073709551615, anything
     else gets 404 (wrong URI) or 405 (wrong method) and the connection ends;
  2. answers Call Connect Request with Call Connect Ack (Crypto Binding
     Request attribute: SHA1|SHA256 bitmask and a 32-byte nonce), or with
     Call Connect Nak (--mode nak: one Status Info attribute,
     ATTRIB_VALUE_NOT_SUPPORTED for the Encapsulated Protocol ID);
  3. answers an unparseable or unexpected control packet with Call Abort
     (Status Info INVALID_FRAME_RECEIVED) and closes;
  4. answers Echo Request with Echo Response, Call Disconnect with Call
     Disconnect Ack; ignores data packets (there is no PPP behind it).
Every connection is bounded: 60 s without data, 120 s in total, 64 at once.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

SSTP_URI = b"/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
CALL_CONNECT_REQUEST, CALL_CONNECT_ACK, CALL_CONNECT_NAK = 1, 2, 3
CALL_CONNECTED, CALL_ABORT, CALL_DISCONNECT, CALL_DISCONNECT_ACK = 4, 5, 6, 7
ECHO_REQUEST, ECHO_RESPONSE = 8, 9
ATTR_ENCAPSULATED_PROTOCOL_ID, ATTR_STATUS_INFO, ATTR_CRYPTO_BINDING_REQ = 1, 2, 4
ATTRIB_VALUE_NOT_SUPPORTED, INVALID_FRAME_RECEIVED = 4, 7

MAX_CONN = 64
IDLE = 60
TOTAL = 120
slots = threading.BoundedSemaphore(MAX_CONN)


def log(msg):
    sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


def attr(attr_id, value):
    return struct.pack("!BBH", 0, attr_id, 4 + len(value)) + value


def control(msg_type, attrs):
    body = struct.pack("!HH", msg_type, len(attrs)) + b"".join(attrs)
    return struct.pack("!BBH", 0x10, 0x01, 4 + len(body)) + body


def status_info(attrib_id, status, value=b""):
    return attr(ATTR_STATUS_INFO, b"\0\0\0" + bytes([attrib_id]) + struct.pack("!I", status) + value)


def recv_exact(conn, n, deadline):
    buf = b""
    while len(buf) < n:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def handle(conn, peer, mode):
    deadline = time.monotonic() + TOTAL
    conn.settimeout(IDLE)
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(4096)
        if not chunk:
            return
        req += chunk
        if len(req) > 16384 or time.monotonic() > deadline:
            return
    line = req.split(b"\r\n", 1)[0].split(b" ")
    if len(line) != 3:
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    method, uri, version = line
    if uri.lower() != SSTP_URI.lower():
        log("%s: %s %s -> 404" % (peer, method.decode(errors="replace"), uri.decode(errors="replace")))
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    if method != b"SSTP_DUPLEX_POST" or version != b"HTTP/1.1":
        log("%s: %s -> 405" % (peer, method.decode(errors="replace")))
        conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n"
                 b"Server: vpndiag-lab-sstp-test-responder\r\n\r\n")
    log("%s: SSTP_DUPLEX_POST -> 200" % peer)
    rest = req.split(b"\r\n\r\n", 1)[1]
    pending = rest
    while time.monotonic() < deadline:
        while len(pending) < 4:
            pending += recv_exact(conn, 4 - len(pending), deadline)
        ver, cbit, length = struct.unpack("!BBH", pending[:4])
        length &= 0x0FFF
        if ver != 0x10 or length < 4:
            log("%s: unparseable framing, closing" % peer)
            return
        while len(pending) < length:
            pending += recv_exact(conn, length - len(pending), deadline)
        pkt, pending = pending[:length], pending[length:]
        if not cbit & 1:
            continue  # data packet (PPP): nothing behind us
        if length < 8:
            conn.sendall(control(CALL_ABORT, [status_info(0, INVALID_FRAME_RECEIVED)]))
            return
        msg_type, nattr = struct.unpack("!HH", pkt[4:8])
        if msg_type == CALL_CONNECT_REQUEST:
            ok = (nattr == 1 and length == 14 and pkt[9] == ATTR_ENCAPSULATED_PROTOCOL_ID
                  and pkt[12:14] == b"\x00\x01")
            if not ok:
                log("%s: bad Call Connect Request -> Abort" % peer)
                conn.sendall(control(CALL_ABORT, [status_info(0, INVALID_FRAME_RECEIVED)]))
                return
            if mode == "nak":
                log("%s: Call Connect Request -> Nak" % peer)
                conn.sendall(control(CALL_CONNECT_NAK, [status_info(
                    ATTR_ENCAPSULATED_PROTOCOL_ID, ATTRIB_VALUE_NOT_SUPPORTED, b"\x00\x01")]))
                continue
            log("%s: Call Connect Request -> Ack" % peer)
            conn.sendall(control(CALL_CONNECT_ACK, [attr(ATTR_CRYPTO_BINDING_REQ, b"\0\0\0\x03" + os.urandom(32))]))
        elif msg_type == ECHO_REQUEST:
            conn.sendall(control(ECHO_RESPONSE, []))
        elif msg_type == CALL_DISCONNECT:
            conn.sendall(control(CALL_DISCONNECT_ACK, []))
            return
        elif msg_type in (CALL_CONNECTED, ECHO_RESPONSE, CALL_DISCONNECT_ACK):
            continue
        elif msg_type == CALL_ABORT:
            return
        else:
            log("%s: unexpected message type %d -> Abort" % (peer, msg_type))
            conn.sendall(control(CALL_ABORT, [status_info(0, INVALID_FRAME_RECEIVED)]))
            return


def worker(conn, peer, mode):
    try:
        handle(conn, peer, mode)
    except (OSError, EOFError, TimeoutError):
        pass
    finally:
        conn.close()
        slots.release()


def main():
    ap = argparse.ArgumentParser(description="SSTP test responder (vpndiag lab)")
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--mode", choices=("ack", "nak"), default="ack")
    ap.add_argument("--max-seconds", type=int, default=86400, help="exit after this long")
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.listen, a.port))
    srv.listen(16)
    srv.settimeout(1.0)
    end = time.monotonic() + a.max_seconds
    log("ready: SSTP test responder on %s:%d mode=%s" % (a.listen, a.port, a.mode))
    print("ready", flush=True)
    while time.monotonic() < end:
        try:
            conn, peer = srv.accept()
        except socket.timeout:
            continue
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        threading.Thread(target=worker, args=(conn, "%s:%d" % peer, a.mode), daemon=True).start()


if __name__ == "__main__":
    main()
