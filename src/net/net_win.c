/* The Windows side of src/net (see sock.h, net_plat.h): Winsock 2.
 *
 * What differs from Linux, and why:
 * - Errors: Winsock's (WSAGetLastError) are mapped onto the POSIX errno values the rest of the
 *   tree tests (errno_of).
 * - ICMP errors on UDP: Windows has no error queue. On a connected UDP socket an ICMP port
 *   unreachable is reported as WSAECONNRESET by the next receive (SIO_UDP_CONNRESET, on by
 *   default, set anyway) [D: Microsoft, "recv": WSAECONNRESET on a UDP socket means a previous send
 *   gave an ICMP Port Unreachable]; host and network unreachable come back as WSAEHOSTUNREACH /
 *   WSAENETUNREACH. The ICMP type and code and the offender's address are not given: the observation
 *   names the class only (type 3 / code 3 for port unreachable, the only one Windows identifies).
 *   Wine 8 reports none of them, on connected or unconnected sockets (measured by the lab test
 *   tests/lab/tests/probe_win.sh): under Wine "unreachable" reads as "no answer" (filtered).
 * - poll: select(), because WSAPoll does not report a failed connect before Windows 10 2004
 *   [D: Microsoft, "WSAPoll function", remarks]; a failed connect is an exception in select.
 * - Name resolution: no getaddrinfo_a. A lookup runs getaddrinfo on its own thread; the caller
 *   waits at most the timeout and then leaves the thread to finish alone (it frees its own job).
 * - TCP: no IP_RECVERR; an unreachable during a connect ends as Windows' own connect error
 *   (WSAEHOSTUNREACH, WSAETIMEDOUT), which is what the Windows VPN client sees as well. */
#define FD_SETSIZE 1024 /* before winsock2.h: the engine's poll set is bounded well below this */
#include "net/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iphlpapi.h>
#include <mstcpip.h>
#include <windows.h>

#include "net/gre.h"
#include "net/net_plat.h"

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12) /* mingw's headers lack it */
#endif

/* ---------------------------------------------------------------- errors */

static int errno_of(int wsa)
{
	switch (wsa) {
	case WSAEWOULDBLOCK: return EWOULDBLOCK;
	case WSAEINPROGRESS: return EINPROGRESS;
	case WSAEALREADY: return EALREADY;
	case WSAECONNREFUSED: return ECONNREFUSED;
	case WSAECONNRESET: return ECONNRESET;
	case WSAECONNABORTED: return ECONNABORTED;
	case WSAENETRESET: return ENETRESET;
	case WSAESHUTDOWN: return EPIPE;
	case WSAENETUNREACH: return ENETUNREACH;
	case WSAEHOSTUNREACH: return EHOSTUNREACH;
	case WSAEHOSTDOWN: return EHOSTDOWN;
	case WSAENETDOWN: return ENETDOWN;
	case WSAETIMEDOUT: return ETIMEDOUT;
	case WSAEMSGSIZE: return EMSGSIZE;
	case WSAEAFNOSUPPORT: case WSAEPFNOSUPPORT: return EAFNOSUPPORT;
	case WSAEPROTONOSUPPORT: case WSAESOCKTNOSUPPORT: return EPROTONOSUPPORT;
	case WSAEOPNOTSUPP: return EOPNOTSUPP;
	case WSAEADDRINUSE: return EADDRINUSE;
	case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
	case WSAENOTCONN: return ENOTCONN;
	case WSAEISCONN: return EISCONN;
	case WSAENOTSOCK: return ENOTSOCK;
	case WSAEACCES: return EACCES;
	case WSAEINTR: return EINTR;
	case WSAEINVAL: return EINVAL;
	case WSAEFAULT: return EFAULT;
	case WSAEMFILE: return EMFILE;
	case WSAENOBUFS: return ENOBUFS;
	default: return EIO;
	}
}

static int fail(void)
{
	errno = errno_of(WSAGetLastError());
	return -1;
}

const char *net_strerror(int err)
{
	switch (err) {
	case EWOULDBLOCK: return "Resource temporarily unavailable";
	case EINPROGRESS: return "Operation now in progress";
	case EALREADY: return "Operation already in progress";
	case ECONNREFUSED: return "Connection refused";
	case ECONNRESET: return "Connection reset by peer";
	case ECONNABORTED: return "Software caused connection abort";
	case ENETRESET: return "Network dropped connection on reset";
	case ENETUNREACH: return "Network is unreachable";
	case EHOSTUNREACH: return "No route to host";
	case EHOSTDOWN: return "Host is down";
	case ENETDOWN: return "Network is down";
	case ETIMEDOUT: return "Connection timed out";
	case EMSGSIZE: return "Message too long";
	case EAFNOSUPPORT: return "Address family not supported by protocol";
	case EPROTONOSUPPORT: return "Protocol not supported";
	case EOPNOTSUPP: return "Operation not supported";
	case EADDRINUSE: return "Address already in use";
	case EADDRNOTAVAIL: return "Cannot assign requested address";
	case ENOTCONN: return "Transport endpoint is not connected";
	case EISCONN: return "Transport endpoint is already connected";
	case ENOTSOCK: return "Socket operation on non-socket";
	case ENOBUFS: return "No buffer space available";
	default: return strerror(err);
	}
}

/* ---------------------------------------------------------------- sockets (sock.h) */

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static int wsa_rc;

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
	(void)once, (void)param, (void)ctx;
	WSADATA d;
	wsa_rc = WSAStartup(MAKEWORD(2, 2), &d);
	return TRUE;
}

int net_init(void)
{
	InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
	if (wsa_rc != 0) {
		errno = errno_of(wsa_rc);
		return -1;
	}
	return 0;
}

int net_socket(int family, int type, int protocol)
{
	if (net_init() != 0)
		return -1;
	SOCKET s = WSASocketW(family, type, protocol, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	if (s == INVALID_SOCKET)
		return fail();
	u_long on = 1;
	if (ioctlsocket(s, FIONBIO, &on) != 0) {
		int e = WSAGetLastError();
		closesocket(s);
		errno = errno_of(e);
		return -1;
	}
	return (int)s;
}

void net_close(int fd)
{
	if (fd >= 0)
		(void)closesocket((SOCKET)fd);
}

int net_connect(int fd, const struct net_addr *dst)
{
	if (connect((SOCKET)fd, (const struct sockaddr *)&dst->ss, (int)dst->len) == 0)
		return 0;
	int e = WSAGetLastError();
	errno = e == WSAEWOULDBLOCK ? EINPROGRESS : errno_of(e);
	return -1;
}

int net_sock_error(int fd, int *err)
{
	int e = 0, l = sizeof e;
	*err = 0;
	if (getsockopt((SOCKET)fd, SOL_SOCKET, SO_ERROR, (char *)&e, &l) != 0)
		return fail();
	*err = e ? errno_of(e) : 0;
	return 0;
}

int net_local_addr(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof *out);
	int l = (int)sizeof out->ss;
	if (getsockname((SOCKET)fd, (struct sockaddr *)&out->ss, &l) != 0)
		return fail();
	out->len = (socklen_t)l;
	return 0;
}

int net_peer_addr(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof *out);
	int l = (int)sizeof out->ss;
	if (getpeername((SOCKET)fd, (struct sockaddr *)&out->ss, &l) != 0)
		return fail();
	out->len = (socklen_t)l;
	return 0;
}

static int clamp_len(size_t len)
{
	return len > INT_MAX ? INT_MAX : (int)len;
}

ssize_t net_send(int fd, const void *buf, size_t len)
{
	int n = send((SOCKET)fd, buf, clamp_len(len), 0);
	return n == SOCKET_ERROR ? fail() : n;
}

ssize_t net_recv(int fd, void *buf, size_t cap)
{
	int n = recv((SOCKET)fd, buf, clamp_len(cap), 0);
	return n == SOCKET_ERROR ? fail() : n;
}

ssize_t net_sendto(int fd, const void *buf, size_t len, const struct net_addr *dst)
{
	int n = sendto((SOCKET)fd, buf, clamp_len(len), 0, (const struct sockaddr *)&dst->ss, (int)dst->len);
	return n == SOCKET_ERROR ? fail() : n;
}

ssize_t net_recvfrom(int fd, void *buf, size_t cap, struct net_addr *from, size_t *wire_len)
{
	memset(from, 0, sizeof *from);
	int l = (int)sizeof from->ss;
	int n = recvfrom((SOCKET)fd, buf, clamp_len(cap), 0, (struct sockaddr *)&from->ss, &l);
	if (n == SOCKET_ERROR) {
		if (WSAGetLastError() == WSAEMSGSIZE) {
			/* The first cap bytes are in buf, the rest is gone; Windows does not say how much. */
			from->len = (socklen_t)l;
			*wire_len = cap + 1;
			return (ssize_t)cap;
		}
		return fail();
	}
	from->len = (socklen_t)l;
	*wire_len = (size_t)n;
	return n;
}

int net_poll(struct pollfd *p, size_t n, int timeout_ms)
{
	if (n > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	fd_set rd, wr, ex;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	size_t watched = 0;
	for (size_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if ((int)p[i].fd < 0)
			continue;
		SOCKET s = (SOCKET)p[i].fd;
		if (p[i].events & POLLIN)
			FD_SET(s, &rd);
		if (p[i].events & POLLOUT)
			FD_SET(s, &wr);
		FD_SET(s, &ex); /* a failed connect (and out-of-band data, which we never ask for) */
		watched++;
	}
	if (watched == 0) { /* select() refuses three empty sets */
		Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
		return 0;
	}
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int k = select(0, &rd, &wr, &ex, timeout_ms < 0 ? NULL : &tv);
	if (k == SOCKET_ERROR)
		return fail();
	int ready = 0;
	for (size_t i = 0; k > 0 && i < n; i++) {
		if ((int)p[i].fd < 0)
			continue;
		SOCKET s = (SOCKET)p[i].fd;
		short r = 0;
		if (FD_ISSET(s, &rd))
			r |= POLLIN;
		if (FD_ISSET(s, &wr))
			r |= POLLOUT;
		if (FD_ISSET(s, &ex))
			r |= POLLERR | (p[i].events & POLLOUT); /* as Linux: a failed connect is writable + error */
		p[i].revents = r;
		ready += r != 0;
	}
	return ready;
}

/* ---------------------------------------------------------------- the platform's part of net.c */

uint64_t net_plat_mono_ms(void)
{
	return (uint64_t)GetTickCount64();
}

bool net_plat_if_exists(uint32_t index)
{
	NET_LUID luid;
	return ConvertInterfaceIndexToLuid(index, &luid) == NO_ERROR;
}

/* One lookup on its own thread. The caller and the thread share the job; whoever finishes last
 * frees it (the thread, when the caller gave up at its deadline). */
struct lookup_job {
	SRWLOCK lock;
	CONDITION_VARIABLE done_cv;
	bool done, abandoned;
	char name[256];
	struct addrinfo hints;
	struct addrinfo *res;
	int rc;
};

static DWORD WINAPI lookup_thread(LPVOID arg)
{
	struct lookup_job *j = arg;
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(j->name, NULL, &j->hints, &res);
	AcquireSRWLockExclusive(&j->lock);
	bool abandoned = j->abandoned;
	j->done = true;
	j->rc = rc;
	j->res = res;
	ReleaseSRWLockExclusive(&j->lock);
	if (abandoned) {
		if (res)
			freeaddrinfo(res);
		free(j);
	} else {
		WakeAllConditionVariable(&j->done_cv);
	}
	return 0;
}

int net_plat_lookup(const char *host, int family, uint32_t timeout_ms, struct net_resolved *out)
{
	if (net_init() != 0) {
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "Winsock did not start: %s", net_strerror(errno));
		return -1;
	}
	uint64_t t0 = net_plat_mono_ms();
	struct lookup_job *j = calloc(1, sizeof *j);
	if (!j) {
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "out of memory");
		return -1;
	}
	InitializeSRWLock(&j->lock);
	InitializeConditionVariable(&j->done_cv);
	snprintf(j->name, sizeof j->name, "%s", host);
	j->hints.ai_family = family;
	j->hints.ai_socktype = SOCK_DGRAM;
	HANDLE th = CreateThread(NULL, 64 * 1024, lookup_thread, j, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
	if (!th) {
		free(j);
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "cannot start the resolver thread");
		return -1;
	}
	CloseHandle(th);
	AcquireSRWLockExclusive(&j->lock);
	/* Bounded: at most 1000 wake-ups, and never past the deadline. */
	for (int spins = 0; spins < 1000 && !j->done; spins++) {
		uint64_t now = net_plat_mono_ms();
		if (now - t0 >= timeout_ms)
			break;
		(void)SleepConditionVariableSRW(&j->done_cv, &j->lock, (DWORD)(timeout_ms - (now - t0)), 0);
	}
	if (!j->done) {
		j->abandoned = true; /* the thread frees the job when getaddrinfo returns */
		ReleaseSRWLockExclusive(&j->lock);
		out->status = NET_RESOLVE_TIMEOUT;
		snprintf(out->reason, sizeof out->reason, "no answer from the resolver within %u ms", (unsigned)timeout_ms);
		return -1;
	}
	ReleaseSRWLockExclusive(&j->lock);
	int rc = j->rc;
	if (rc == 0) {
		net_resolved_add(out, j->res);
		freeaddrinfo(j->res);
		free(j);
		out->status = NET_RESOLVE_OK;
		return 0;
	}
	free(j);
	net_resolved_gai_error(out, rc);
	return -1;
}

/* ---------------------------------------------------------------- UDP and TCP errors */

int net_plat_udp_errors_on(int fd, int family)
{
	(void)family;
	BOOL on = TRUE;
	DWORD got = 0;
	if (WSAIoctl((SOCKET)fd, SIO_UDP_CONNRESET, &on, sizeof on, NULL, 0, &got, NULL, NULL) != 0)
		return fail();
	return 0;
}

void net_plat_tcp_errors_on(int fd, int family)
{
	(void)fd, (void)family; /* no IP_RECVERR: Windows' own connect error is what its VPN client sees */
}

void net_udp_recv(int fd, uint8_t *buf, size_t cap, struct net_rx *rx)
{
	memset(rx, 0, sizeof *rx);
	size_t wire = 0;
	ssize_t n = net_recvfrom(fd, buf, cap, &rx->from, &wire);
	if (n >= 0) {
		rx->kind = NET_RX_DATA;
		rx->wire_len = wire;
		rx->len = (size_t)n;
		rx->truncated = wire > cap;
		return;
	}
	int e = errno;
	if (e == EWOULDBLOCK || e == EAGAIN || e == EINTR) {
		rx->kind = NET_RX_NONE;
		return;
	}
	struct net_addr peer;
	bool v6 = net_peer_addr(fd, &peer) == 0 && peer.ss.ss_family == AF_INET6;
	memset(&rx->from, 0, sizeof rx->from); /* Windows does not name the ICMP error's sender */
	rx->err = e;
	rx->icmp6 = v6;
	switch (e) {
	case ECONNRESET: /* an ICMP port unreachable [D: recv, WSAECONNRESET on UDP] */
		rx->kind = NET_RX_ICMP;
		rx->icmp_class = NET_ICMP_PORT_UNREACHABLE;
		rx->icmp_type = v6 ? 1 : 3;
		rx->icmp_code = v6 ? 4 : 3;
		return;
	case EHOSTUNREACH:
		rx->kind = NET_RX_ICMP;
		rx->icmp_class = NET_ICMP_HOST_UNREACHABLE;
		rx->icmp_type = v6 ? 1 : 3;
		rx->icmp_code = v6 ? 3 : 1;
		return;
	case ENETUNREACH:
		rx->kind = NET_RX_ICMP;
		rx->icmp_class = NET_ICMP_NET_UNREACHABLE;
		rx->icmp_type = v6 ? 1 : 3;
		rx->icmp_code = 0;
		return;
	default:
		rx->kind = NET_RX_ERROR;
		return;
	}
}

/* ---------------------------------------------------------------- GRE (gre.h) */

/* Windows gives raw sockets (other than ICMP) to administrators only [D: Microsoft, "TCP/IP raw
 * sockets"]; for them, an IPv4 raw socket receives the IP header with each packet, as on Linux. */
const char *net_gre_privilege_hint(void)
{
	return "run vpndiag from a Command Prompt opened as administrator";
}
