#!/usr/bin/env python3
"""Scan lab: a TCP listener that accepts on ADDR:PORT... and never says a word (an open port for
`vpndiag scan --protocols sstp,pptp`: tcp-connected). Accepted connections are closed after 5 s."""
import select, socket, sys, time

addr, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
ls = []
for p in ports:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, p))
    s.listen(128)
    ls.append(s)
held = []
while True:
    r, _, _ = select.select(ls, [], [], 1)
    for s in r:
        c, _ = s.accept()
        held.append((time.time(), c))
    now = time.time()
    for t, c in [h for h in held if now - h[0] > 5]:
        c.close()
    held = [h for h in held if now - h[0] <= 5]
