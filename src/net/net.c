/* Sockets and name resolution (see net.h): what is the same on every platform. The platform's
 * own parts (the resolver's bound, how ICMP errors reach a UDP socket) are in net_posix.c and
 * net_win.c (net_plat.h). */
#include "net/net.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_plat.h"

#include "util/text.h"

/* ---------------------------------------------------------------- addresses */

int net_addr_family(const struct net_addr *a)
{
	return a->ss.ss_family;
}

uint16_t net_addr_port(const struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void net_addr_set_port(struct net_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

size_t net_addr_bytes(const struct net_addr *a, const uint8_t **ip)
{
	if (a->ss.ss_family == AF_INET) {
		*ip = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
		return 4;
	}
	if (a->ss.ss_family == AF_INET6) {
		*ip = (const uint8_t *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
		return 16;
	}
	*ip = NULL;
	return 0;
}

void net_addr_str(const struct net_addr *a, char *out, size_t outlen)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	const uint8_t *ip;
	size_t n = net_addr_bytes(a, &ip);
	if (n)
		inet_ntop(n == 4 ? AF_INET : AF_INET6, ip, buf, sizeof buf);
	snprintf(out, outlen, "%s", buf);
}

void net_addr_str_port(const struct net_addr *a, char *out, size_t outlen)
{
	char buf[INET6_ADDRSTRLEN];
	net_addr_str(a, buf, sizeof buf);
	if (a->ss.ss_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%u", buf, (unsigned)net_addr_port(a));
	else
		snprintf(out, outlen, "%s:%u", buf, (unsigned)net_addr_port(a));
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
	const uint8_t *x, *y;
	size_t n = net_addr_bytes(a, &x), m = net_addr_bytes(b, &y);
	return n && n == m && memcmp(x, y, n) == 0 && net_addr_port(a) == net_addr_port(b);
}

/* ---------------------------------------------------------------- name resolution */

static bool is_dns_name(const char *h)
{
	size_t len = strlen(h);
	if (len == 0 || len > 254 || (len == 254 && h[253] != '.'))
		return false;
	size_t label = 0;
	bool all_digits = true; /* of the last label */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			if (i + 1 < len)
				all_digits = true;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_'))
			return false;
		if (label == 0 && c == '-')
			return false;
		if (!isdigit(c))
			all_digits = false;
		if (++label > 63)
			return false;
	}
	if (label == 0 && h[len - 1] != '.')
		return false;
	/* A name whose last label is all digits ("1.2.3", "10.0.0.256") is a mistyped address. */
	return !all_digits;
}

static int parse_literal(const char *host, int family, struct net_addr *out);

/* A zone ("fe80::1%eth0", "%2") only on a link-local address, naming an interface that exists:
 * getaddrinfo takes any number ("%999") and the probes would then report every port filtered. */
static bool zone_ok(const char *lit, const struct net_addr *a)
{
	const char *pct = strchr(lit, '%');
	if (!pct)
		return true;
	if (a->ss.ss_family != AF_INET6)
		return false;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	return IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) && s6->sin6_scope_id != 0 &&
	       net_plat_if_exists(s6->sin6_scope_id);
}

const char *net_host_invalid_reason(const char *host)
{
	if (!host || !*host)
		return "an empty host";
	const char *pct = strchr(host, '%');
	if (pct && strchr(host, ':')) {
		struct net_addr a;
		char buf[300];
		const char *start = host[0] == '[' ? host + 1 : host;
		size_t n = (size_t)(pct - start);
		if (n >= sizeof buf)
			return "not a valid IPv6 address";
		memcpy(buf, start, n);
		buf[n] = 0;
		if (parse_literal(buf, AF_INET6, &a) != 0)
			return "not a valid IPv6 address";
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a.ss;
		if (!IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			return "a zone id (%...) is only meaningful on a link-local (fe80::/10) address";
		return "its zone id (%...) names no network interface of this machine";
	}
	return "not a valid host name, IPv4 or IPv6 address";
}

static int parse_literal(const char *host, int family, struct net_addr *out)
{
	char buf[300];
	size_t len = strlen(host);
	if (len >= sizeof buf)
		return -1;
	if (host[0] == '[' && len > 2 && host[len - 1] == ']') {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, host, len + 1);
	}
	struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *res = NULL;
	if (getaddrinfo(buf, NULL, &hints, &res) != 0 || !res)
		return -1;
	if (res->ai_addrlen > sizeof out->ss) {
		freeaddrinfo(res);
		return -1;
	}
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return zone_ok(buf, out) ? 0 : -1;
}

enum net_host_kind net_host_classify(const char *host)
{
	struct net_addr a;
	if (!host || !*host)
		return NET_HOST_INVALID;
	if (strchr(host, ':') || host[0] == '[')
		return parse_literal(host, AF_INET6, &a) == 0 ? NET_HOST_IPV6 : NET_HOST_INVALID;
	if (strspn(host, "0123456789.") == strlen(host)) {
		struct in_addr in;
		return inet_pton(AF_INET, host, &in) == 1 ? NET_HOST_IPV4 : NET_HOST_INVALID;
	}
	return is_dns_name(host) ? NET_HOST_NAME : NET_HOST_INVALID;
}

void net_resolved_add(struct net_resolved *out, const struct addrinfo *res)
{
	for (const struct addrinfo *ai = res; ai && out->n < NET_MAX_ADDRS; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		struct net_addr a = {.len = ai->ai_addrlen};
		memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
		bool dup = false;
		size_t same_family = 0;
		for (size_t i = 0; i < out->n; i++) {
			dup = dup || net_addr_equal(&out->addrs[i], &a);
			same_family += out->addrs[i].ss.ss_family == ai->ai_family;
		}
		if (!dup && same_family < NET_MAX_PER_FAMILY)
			out->addrs[out->n++] = a;
	}
}

int net_resolve(const char *host, int family, uint32_t timeout_ms, struct net_resolved *out)
{
	memset(out, 0, sizeof *out);
	uint64_t t0 = net_plat_mono_ms();
	enum net_host_kind kind = net_host_classify(host);
	if (kind == NET_HOST_INVALID) {
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "not a valid host name or address");
		return -1;
	}
	if (kind == NET_HOST_IPV4 || kind == NET_HOST_IPV6) {
		int fam = kind == NET_HOST_IPV4 ? AF_INET : AF_INET6;
		if (family != AF_UNSPEC && family != fam) {
			out->status = NET_RESOLVE_ERROR;
			snprintf(out->reason, sizeof out->reason, "%s is an IPv%d address", host, fam == AF_INET ? 4 : 6);
			return -1;
		}
		if (parse_literal(host, fam, &out->addrs[0]) != 0) {
			out->status = NET_RESOLVE_ERROR;
			snprintf(out->reason, sizeof out->reason, "not a valid address");
			return -1;
		}
		out->n = 1;
		out->status = NET_RESOLVE_OK;
		return 0;
	}

	int rc = net_plat_lookup(host, family, timeout_ms, out);
	out->elapsed_ms = (uint32_t)(net_plat_mono_ms() - t0);
	if (rc == 0 && out->n == 0) {
		out->status = NET_RESOLVE_NXDOMAIN;
		snprintf(out->reason, sizeof out->reason, "no IPv4 or IPv6 address");
		return -1;
	}
	return rc;
}

void net_resolved_gai_error(struct net_resolved *out, int rc)
{
	switch (rc) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		out->status = NET_RESOLVE_NXDOMAIN;
		break;
	case EAI_AGAIN:
	case EAI_FAIL:
		out->status = NET_RESOLVE_TEMPFAIL;
		break;
	default:
		out->status = NET_RESOLVE_ERROR;
		break;
	}
	snprintf(out->reason, sizeof out->reason, "%s", gai_strerror(rc));
}

/* ---------------------------------------------------------------- UDP */

int net_udp_open(const struct net_addr *dst)
{
	int family = dst->ss.ss_family;
	/* The kernel's ephemeral range normally excludes 500 and 4500; check anyway (bounded). */
	for (int tries = 0; tries < 4; tries++) {
		int fd = net_socket(family, SOCK_DGRAM, IPPROTO_UDP);
		if (fd < 0)
			return -1;
		if (net_plat_udp_errors_on(fd, family) != 0 || net_connect(fd, dst) != 0) {
			int e = errno;
			net_close(fd);
			errno = e;
			return -1;
		}
		struct net_addr local;
		if (net_local_addr(fd, &local) == 0) {
			uint16_t p = net_addr_port(&local);
			if (p != 500 && p != 4500)
				return fd;
		}
		net_close(fd);
	}
	errno = EADDRINUSE;
	return -1;
}

int net_udp_send(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n = net_send(fd, buf, len);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

const char *net_icmp_class_name(enum net_icmp_class c)
{
	switch (c) {
	case NET_ICMP_PORT_UNREACHABLE: return "port unreachable";
	case NET_ICMP_ADMIN_PROHIBITED: return "administratively prohibited";
	case NET_ICMP_HOST_UNREACHABLE: return "host unreachable";
	case NET_ICMP_NET_UNREACHABLE: return "network unreachable";
	default: return "unreachable (other)";
	}
}

const char *net_icmp_class_id(enum net_icmp_class c)
{
	switch (c) {
	case NET_ICMP_PORT_UNREACHABLE: return "port-unreachable";
	case NET_ICMP_ADMIN_PROHIBITED: return "admin-prohibited";
	case NET_ICMP_HOST_UNREACHABLE: return "host-unreachable";
	case NET_ICMP_NET_UNREACHABLE: return "net-unreachable";
	default: return "other";
	}
}

/* ---------------------------------------------------------------- TCP */

int net_tcp_connect_start(const struct net_addr *dst)
{
	int fd = net_socket(dst->ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
	if (fd < 0)
		return -1;
	/* Report ICMP errors at once instead of retrying SYNs until the kernel gives up. */
	net_plat_tcp_errors_on(fd, dst->ss.ss_family);
	if (net_connect(fd, dst) != 0 && errno != EINPROGRESS) {
		/* Immediate failures (e.g. ECONNREFUSED on loopback) are left for connect_result. */
		if (errno != ECONNREFUSED && errno != ENETUNREACH && errno != EHOSTUNREACH) {
			int e = errno;
			net_close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

enum net_tcp_status net_tcp_connect_result(int fd, int *err)
{
	int e = 0;
	*err = 0;
	if (net_sock_error(fd, &e) != 0) {
		*err = errno;
		return NET_TCP_ERROR;
	}
	*err = e;
	switch (e) {
	case 0: {
		struct net_addr peer;
		if (net_peer_addr(fd, &peer) == 0)
			return NET_TCP_CONNECTED;
		return errno == ENOTCONN ? NET_TCP_IN_PROGRESS : NET_TCP_ERROR;
	}
	case ECONNREFUSED: return NET_TCP_REFUSED;
	/* The handshake completed and the peer reset before we looked (a load balancer or IPS that
	 * accepts and drops at once): connected, then reset; not an unreachable host. */
	case ECONNRESET: case EPIPE: return NET_TCP_RESET;
	case EHOSTUNREACH: case ENETUNREACH: case EACCES: case EPERM: case EHOSTDOWN: case ENETDOWN:
		return NET_TCP_UNREACHABLE;
	case ETIMEDOUT: return NET_TCP_TIMED_OUT;
	default: return NET_TCP_ERROR;
	}
}

const char *net_tcp_status_name(enum net_tcp_status s)
{
	switch (s) {
	case NET_TCP_CONNECTED: return "connected";
	case NET_TCP_IN_PROGRESS: return "in progress";
	case NET_TCP_RESET: return "connected, then reset";
	case NET_TCP_REFUSED: return "refused";
	case NET_TCP_UNREACHABLE: return "unreachable";
	case NET_TCP_TIMED_OUT: return "timed out";
	default: return "error";
	}
}
