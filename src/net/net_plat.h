/* What net.c asks of the platform file (net_posix.c, net_win.c): the parts of name resolution and
 * of UDP error reporting that the platforms do differently. Internal to src/net/. */
#ifndef VPNDIAG_NET_PLAT_H
#define VPNDIAG_NET_PLAT_H

#include "net/net.h"

/* Looks up name (a DNS name, never a literal) for family, waiting at most timeout_ms; on success
 * calls net_resolved_add with the resolver's list. Fills out->status and out->reason (not n,
 * addrs, elapsed_ms). Returns 0 or -1. */
int net_plat_lookup(const char *name, int family, uint32_t timeout_ms, struct net_resolved *out);
/* Adds res's IPv4 and IPv6 addresses to out (no duplicates, NET_MAX_PER_FAMILY per family). */
void net_resolved_add(struct net_resolved *out, const struct addrinfo *res);
/* getaddrinfo's error code as a status, and its text in out->reason. */
void net_resolved_gai_error(struct net_resolved *out, int rc);
/* Turns on the reporting of ICMP errors on a UDP socket of family. Returns 0, or -1 with errno. */
int net_plat_udp_errors_on(int fd, int family);
/* Turns on the immediate reporting of ICMP errors for a TCP connect, where the platform can
 * (best effort; Linux IP_RECVERR). */
void net_plat_tcp_errors_on(int fd, int family);
/* Whether a network interface has this index (an IPv6 zone id). */
bool net_plat_if_exists(uint32_t index);
/* Milliseconds of a monotonic clock. */
uint64_t net_plat_mono_ms(void);

#endif
