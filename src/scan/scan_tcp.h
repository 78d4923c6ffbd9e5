/* `vpndiag scan --protocols sstp,pptp`: the TCP sweep (issue 16 item 1): a non-blocking TCP
 * connect to 443 (SSTP) and/or 1723 (PPTP) of every target, in the scan's permutation and shard,
 * at most SCAN_TCP_INFLIGHT at once (one socket each: the only per-target state, bounded) and at
 * the scan's --rate (SYNs per second). Each outcome is the SSTP/PPTP probes' own observation
 * (probes/tcpconn.h tcpconn_obs: tcp-connected, tcp-refused, tcp-closed, tcp-unreachable,
 * tcp-no-answer) and goes through the same rules; a target that connects or resets is a responder
 * (stage "tcp_connect": TLS, SSTP, PPTP's control connection are not checked), silence and ICMP
 * errors are only counted. Runs after the UDP sweep, on the same scan_opts. */
#ifndef VPNDIAG_SCAN_SCAN_TCP_H
#define VPNDIAG_SCAN_SCAN_TCP_H

#include <signal.h>

#include "scan/scan.h"

#define SCAN_TCP_INFLIGHT 4096u /* connects at once (also bounded by RLIMIT_NOFILE, raised toward it) */
#define SCAN_TCP_WAIT_MIN_MS 1000u

/* Runs the TCP sweep for the protocols of o (KB_P_SSTP, KB_P_PPTP); adds to st. Returns 0, or -1
 * with err. */
int scan_tcp_run(const struct scan_opts *o, struct scan_stats *st, volatile const sig_atomic_t *stop, char *err, size_t errlen);

#endif
