/* The raw GRE sockets of the PPTP probe (SOCK_RAW, IP protocol 47): opened while the process still
 * holds CAP_NET_RAW (one per address family the run may use, before name resolution; the engine
 * drops every privilege before any byte from the network is read), then narrowed to the target's
 * family, written with sendto and read with bounded, non-blocking reads that say where each
 * packet came from.
 *
 * The sockets are not connected: the kernel would then drop GRE from other addresses silently, and
 * GRE for our call from another address (a multi-homed server, a NAT, a spoofer) is worth naming;
 * the caller compares every packet's source instead. An IPv4 raw socket delivers the IP header with
 * each packet, an IPv6 one does not (wire/gre.h parses both). Nothing here parses a byte.
 *
 * Ownership: struct net_gre owns its fds (net_gre_close); the caller removes the chosen fd from
 * its poll set before closing. No function keeps pointers to the caller's buffers. */
#ifndef VPNDIAG_NET_GRE_H
#define VPNDIAG_NET_GRE_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

struct net_gre {
	int fd;          /* the socket of the target's family after net_gre_select, -1 when none */
	int fd4, fd6;    /* from net_gre_open; -1 when not opened or failed */
	int err4, err6;  /* errno of a failed open, 0 otherwise */
	int err;         /* after net_gre_select: why fd is -1 (EPERM, EAFNOSUPPORT ...), else 0 */
};

/* What this platform needs to open a raw GRE socket, for a report: "run vpndiag as root or with
 * cap_net_raw" (Linux), "run vpndiag from a Command Prompt opened as administrator" (Windows). */
const char *net_gre_privilege_hint(void);

/* Sets every fd to -1. */
void net_gre_init(struct net_gre *g);
/* Opens the raw sockets of the families a run may use (family AF_UNSPEC: both; AF_INET or
 * AF_INET6: that one), non-blocking, close-on-exec. Failures are kept in err4/err6. Call it
 * before privileges are dropped. */
void net_gre_open(struct net_gre *g, int family);
/* Keeps the socket of the target's family (AF_INET or AF_INET6) as g->fd and closes the other.
 * Returns g->fd, or -1 with the reason in g->err (the open's errno, or EAFNOSUPPORT). */
int net_gre_select(struct net_gre *g, int family);
/* Closes whatever is open (fd, fd4, fd6) and sets them to -1. */
void net_gre_close(struct net_gre *g);

/* Sends one GRE packet (the GRE header and its payload; the kernel adds the IP header) to dst's
 * address (its port is ignored). Returns 0, or -1 with errno set. */
int net_gre_send(const struct net_gre *g, const struct net_addr *dst, const uint8_t *pkt, size_t len);

/* Reads one packet into buf[0..cap) with MSG_TRUNC: rx->kind NET_RX_DATA with rx->len the bytes
 * copied (at most cap), rx->wire_len the packet's real length, rx->truncated, rx->from its source;
 * NET_RX_NONE when nothing is pending; NET_RX_ERROR (rx->err) on another error. Never blocks. */
void net_gre_recv(const struct net_gre *g, uint8_t *buf, size_t cap, struct net_rx *rx);

#endif
