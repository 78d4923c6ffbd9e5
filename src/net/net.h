/* Sockets and name resolution for the probes: bounded name resolution (A and AAAA), non-blocking
 * connected UDP sockets that report ICMP errors (Linux IP_RECVERR / IPV6_RECVERR), and a
 * non-blocking TCP connect that tells refused, unreachable and timed out apart.
 *
 * Nothing here decides what an outcome means for Windows; it only reports what the kernel saw.
 * Ownership: every fd returned is owned by the caller (close it); no function keeps pointers to
 * the caller's buffers after it returns. */
#ifndef VPNDIAG_NET_H
#define VPNDIAG_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/sock.h"

#define NET_MAX_PER_FAMILY 8 /* A and AAAA records kept, each */
#define NET_MAX_ADDRS (2 * NET_MAX_PER_FAMILY)
#define NET_ADDRSTRLEN 64 /* "[2001:db8::1]:65535" fits */

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* ---- addresses ---- */

int net_addr_family(const struct net_addr *a);
uint16_t net_addr_port(const struct net_addr *a);
void net_addr_set_port(struct net_addr *a, uint16_t port);
/* Points *ip at the 4 or 16 address bytes (network order) inside a; returns their count, 0 if
 * the family is unknown. */
size_t net_addr_bytes(const struct net_addr *a, const uint8_t **ip);
/* "198.18.0.1" / "2001:2::1" (no port). */
void net_addr_str(const struct net_addr *a, char *out, size_t outlen);
/* "198.18.0.1:500" / "[2001:2::1]:500". */
void net_addr_str_port(const struct net_addr *a, char *out, size_t outlen);
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b); /* address and port */

/* ---- name resolution ---- */

enum net_host_kind {
	NET_HOST_IPV4,    /* a valid IPv4 literal */
	NET_HOST_IPV6,    /* a valid IPv6 literal (optionally in brackets) */
	NET_HOST_NAME,    /* a syntactically valid DNS name */
	NET_HOST_INVALID, /* neither: e.g. "300.1.2.3", "1.2.3", "fe80:::1", "a b", "" */
};
/* Classifies HOST without any lookup (an IPv6 zone id must be on a link-local address and name an
 * interface that exists). */
enum net_host_kind net_host_classify(const char *host);
/* Why net_host_classify said NET_HOST_INVALID, one phrase for an error line. */
const char *net_host_invalid_reason(const char *host);

enum net_resolve_status {
	NET_RESOLVE_OK,
	NET_RESOLVE_NXDOMAIN,   /* the name does not exist / has no address of the family asked */
	NET_RESOLVE_TEMPFAIL,   /* the resolver failed or is unreachable */
	NET_RESOLVE_TIMEOUT,    /* no answer before the deadline */
	NET_RESOLVE_ERROR,      /* a local error (out of memory, bad input) */
};

struct net_resolved {
	enum net_resolve_status status;
	size_t n;
	struct net_addr addrs[NET_MAX_ADDRS]; /* port 0 */
	char reason[160];                    /* the resolver's message when status != OK */
	uint32_t elapsed_ms;
};

/* Resolves host to A and/or AAAA addresses (family AF_UNSPEC, AF_INET or AF_INET6), waiting at
 * most timeout_ms. Literals are converted without a lookup. Fills *out; returns 0 when at least
 * one address was found, -1 otherwise (the status says why). */
int net_resolve(const char *host, int family, uint32_t timeout_ms, struct net_resolved *out);

/* ---- UDP ---- */

/* Opens a non-blocking UDP socket connected to dst, with ICMP error reporting on, bound to an
 * ephemeral source port that is never 500 or 4500. Returns the fd, or -1 with errno set. */
int net_udp_open(const struct net_addr *dst);

enum net_rx_kind {
	NET_RX_NONE,    /* nothing to read (EAGAIN) */
	NET_RX_DATA,    /* a datagram */
	NET_RX_ICMP,    /* an ICMP/ICMPv6 error about a datagram we sent */
	NET_RX_ERROR,   /* another local socket error (errno value in err) */
};

enum net_icmp_class {
	NET_ICMP_PORT_UNREACHABLE,
	NET_ICMP_ADMIN_PROHIBITED,
	NET_ICMP_HOST_UNREACHABLE,
	NET_ICMP_NET_UNREACHABLE,
	NET_ICMP_OTHER,
};

struct net_rx {
	enum net_rx_kind kind;
	size_t len;              /* bytes of data copied (DATA) */
	bool truncated;          /* the datagram was larger than the buffer */
	size_t wire_len;         /* the datagram's real length (DATA; > len when truncated) */
	struct net_addr from;    /* sender (DATA) or the node that sent the ICMP error (ICMP) */
	uint8_t icmp_type, icmp_code;
	bool icmp6;
	enum net_icmp_class icmp_class;
	int err;                 /* errno of the error (ICMP, ERROR) */
};

/* Reads one pending event from a UDP socket: first any queued ICMP error (MSG_ERRQUEUE), then a
 * datagram into buf[0..cap). Never blocks. */
void net_udp_recv(int fd, uint8_t *buf, size_t cap, struct net_rx *rx);
/* Parses the control data of one MSG_ERRQUEUE read (Linux IP_RECVERR / IPV6_RECVERR: a
 * sock_extended_err and the offender's address) into *rx. Pure, bounds-checked, alignment-safe.
 * Returns 1 when an error was found (rx->kind NET_RX_ICMP or NET_RX_ERROR), 0 otherwise. */
int net_errqueue_parse(const uint8_t *ctl, size_t ctllen, struct net_rx *rx);
/* Sends one datagram on a connected socket. Returns 0, or -1 with errno set. */
int net_udp_send(int fd, const uint8_t *buf, size_t len);

/* "port unreachable", "administratively prohibited" ... for reports. */
const char *net_icmp_class_name(enum net_icmp_class c);
/* Stable machine names: "port-unreachable", "admin-prohibited", "host-unreachable",
 * "net-unreachable", "other". */
const char *net_icmp_class_id(enum net_icmp_class c);

/* ---- TCP ---- */

/* Starts a non-blocking connect to dst. Returns the fd (wait for POLLOUT, then call
 * net_tcp_connect_result), or -1 with errno set. */
int net_tcp_connect_start(const struct net_addr *dst);

enum net_tcp_status {
	NET_TCP_CONNECTED,
	NET_TCP_IN_PROGRESS,
	NET_TCP_REFUSED,      /* RST */
	NET_TCP_RESET,        /* accepted, then reset by the peer before the result was read */
	NET_TCP_UNREACHABLE,  /* an ICMP unreachable (host, net, admin prohibited) */
	NET_TCP_TIMED_OUT,    /* the caller's deadline passed (the helper never decides this itself) */
	NET_TCP_ERROR,
};
/* The state of a connect started with net_tcp_connect_start; *err gets the errno value. */
enum net_tcp_status net_tcp_connect_result(int fd, int *err);
const char *net_tcp_status_name(enum net_tcp_status s);

#endif
