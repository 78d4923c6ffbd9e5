#!/usr/bin/env python3
"""Test responders of the scan lab (labelled: never real IKE servers).
reflect ADDR: sends every datagram on ADDR:500 back unchanged (our own request reflected: R flag
              clear, responder SPI zero) - `vpndiag scan` must never count it.
spoof ADDR:   answers with the response flag, a non-zero responder SPI and a WRONG initiator SPI
              (a spoofed reply) - `vpndiag scan` must drop it."""
import os, socket, sys

mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # charon binds the wildcard address too
s.bind((addr, 500))
while True:
    data, peer = s.recvfrom(65535)
    if len(data) < 28:
        continue
    if mode == 'reflect':
        s.sendto(data, peer)
    else:
        b = bytearray(data)
        b[0:8] = bytes(x ^ 0x5a for x in b[0:8])   # not the SPI that was sent
        b[8:16] = os.urandom(8)                     # a responder SPI
        b[19] = 0x20                                # response flag, not initiator
        s.sendto(bytes(b), peer)
