/* The Linux side of src/net (see sock.h, net_plat.h): plain BSD sockets; IP_RECVERR /
 * IPV6_RECVERR and MSG_ERRQUEUE carry ICMP errors; glibc getaddrinfo_a + gai_suspend bound name
 * resolution in time. */
#define _GNU_SOURCE
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "net/gre.h"
#include "net/net_plat.h"

/* ---------------------------------------------------------------- sockets (sock.h) */

int net_init(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	return sigaction(SIGPIPE, &ign, NULL);
}

int net_socket(int family, int type, int protocol)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

void net_close(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

int net_connect(int fd, const struct net_addr *dst)
{
	return connect(fd, (const struct sockaddr *)&dst->ss, dst->len);
}

int net_sock_error(int fd, int *err)
{
	socklen_t l = sizeof *err;
	*err = 0;
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &l);
}

int net_local_addr(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof *out);
	out->len = sizeof out->ss;
	return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}

int net_peer_addr(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof *out);
	out->len = sizeof out->ss;
	return getpeername(fd, (struct sockaddr *)&out->ss, &out->len);
}

ssize_t net_send(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

ssize_t net_recv(int fd, void *buf, size_t cap)
{
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

ssize_t net_sendto(int fd, const void *buf, size_t len, const struct net_addr *dst)
{
	return sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&dst->ss, dst->len);
}

ssize_t net_recvfrom(int fd, void *buf, size_t cap, struct net_addr *from, size_t *wire_len)
{
	memset(from, 0, sizeof *from);
	from->len = sizeof from->ss;
	ssize_t r = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from->ss, &from->len);
	if (r < 0)
		return -1;
	*wire_len = (size_t)r; /* MSG_TRUNC: the datagram's real length */
	return (size_t)r < cap ? r : (ssize_t)cap;
}

int net_poll(struct pollfd *p, size_t n, int timeout_ms)
{
	return poll(p, (nfds_t)n, timeout_ms);
}

const char *net_strerror(int err)
{
	return strerror(err);
}

/* ---------------------------------------------------------------- the platform's part of net.c */

uint64_t net_plat_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool net_plat_if_exists(uint32_t index)
{
	char name[IF_NAMESIZE];
	return if_indextoname(index, name) != NULL;
}

/* One asynchronous lookup. When it cannot be cancelled at the deadline, the resolver's helper
 * thread still owns it: it is parked in `abandoned` (kept reachable, never freed). */
struct gai_job {
	struct gaicb cb;
	struct addrinfo hints;
	char name[256];
};
#define MAX_ABANDONED 16
static struct gai_job *abandoned[MAX_ABANDONED];
static size_t nabandoned;
/* `vpndiag exporter` runs probes in several threads at once: the list is shared. */
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

int net_plat_lookup(const char *host, int family, uint32_t timeout_ms, struct net_resolved *out)
{
	uint64_t t0 = net_plat_mono_ms();
	struct gai_job *job = calloc(1, sizeof *job);
	if (!job) {
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "out of memory");
		return -1;
	}
	snprintf(job->name, sizeof job->name, "%s", host);
	job->hints.ai_family = family;
	job->hints.ai_socktype = SOCK_DGRAM;
	job->cb.ar_name = job->name;
	job->cb.ar_request = &job->hints;
	struct gaicb *list[1] = {&job->cb};
	int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0) {
		out->status = NET_RESOLVE_ERROR;
		snprintf(out->reason, sizeof out->reason, "%s", gai_strerror(rc));
		free(job);
		return -1;
	}
	/* Bounded: at most 1000 wake-ups, and never past the deadline. */
	for (int spins = 0; spins < 1000; spins++) {
		rc = gai_error(&job->cb);
		if (rc != EAI_INPROGRESS)
			break;
		uint64_t now = net_plat_mono_ms();
		if (now - t0 >= timeout_ms)
			break;
		uint64_t left = timeout_ms - (now - t0);
		struct timespec ts = {.tv_sec = (time_t)(left / 1000u), .tv_nsec = (long)(left % 1000u) * 1000000L};
		const struct gaicb *const clist[1] = {&job->cb};
		(void)gai_suspend(clist, 1, &ts);
	}
	if (rc == EAI_INPROGRESS) {
		out->status = NET_RESOLVE_TIMEOUT;
		snprintf(out->reason, sizeof out->reason, "no answer from the resolver within %u ms", (unsigned)timeout_ms);
		if (gai_cancel(&job->cb) == EAI_CANCELED || gai_error(&job->cb) != EAI_INPROGRESS) {
			if (gai_error(&job->cb) == 0 && job->cb.ar_result)
				freeaddrinfo(job->cb.ar_result);
			free(job);
		} else {
			pthread_mutex_lock(&abandoned_lock);
			if (nabandoned < MAX_ABANDONED)
				abandoned[nabandoned++] = job; /* the helper thread still writes into it */
			pthread_mutex_unlock(&abandoned_lock);
		}
		return -1;
	}
	if (rc == 0) {
		net_resolved_add(out, job->cb.ar_result);
		freeaddrinfo(job->cb.ar_result);
		free(job);
		out->status = NET_RESOLVE_OK;
		return 0;
	}
	free(job);
	net_resolved_gai_error(out, rc);
	return -1;
}

/* ---------------------------------------------------------------- UDP and TCP errors */

static int set_recverr(int fd, int family)
{
	int one = 1;
	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	return setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
}

int net_plat_udp_errors_on(int fd, int family)
{
	return set_recverr(fd, family);
}

void net_plat_tcp_errors_on(int fd, int family)
{
	(void)set_recverr(fd, family);
}

static enum net_icmp_class classify_icmp(bool v6, uint8_t type, uint8_t code)
{
	if (!v6) {
		if (type != 3)
			return NET_ICMP_OTHER;
		switch (code) {
		case 3: return NET_ICMP_PORT_UNREACHABLE;
		case 9: case 10: case 13: return NET_ICMP_ADMIN_PROHIBITED;
		case 1: return NET_ICMP_HOST_UNREACHABLE;
		case 0: return NET_ICMP_NET_UNREACHABLE;
		default: return NET_ICMP_OTHER;
		}
	}
	if (type != 1)
		return NET_ICMP_OTHER;
	switch (code) {
	case 4: return NET_ICMP_PORT_UNREACHABLE;
	case 1: case 5: case 6: return NET_ICMP_ADMIN_PROHIBITED;
	case 3: return NET_ICMP_HOST_UNREACHABLE;
	case 0: return NET_ICMP_NET_UNREACHABLE;
	default: return NET_ICMP_OTHER;
	}
}

int net_errqueue_parse(const uint8_t *ctl, size_t ctllen, struct net_rx *rx)
{
	/* Walks the control messages with explicit bounds (no CMSG_NXTHDR over foreign bytes, which
	 * may also be unaligned here): header, then data padded to the header's alignment. */
	const size_t hdr = CMSG_LEN(0);
	size_t off = 0;
	for (int guard = 0; guard < 64 && off <= ctllen && ctllen - off >= hdr; guard++) {
		struct cmsghdr c;
		memcpy(&c, ctl + off, sizeof c);
		if (c.cmsg_len < hdr || c.cmsg_len > ctllen - off)
			return 0;
		const uint8_t *data = ctl + off + hdr;
		size_t have = c.cmsg_len - hdr;
		size_t step = CMSG_ALIGN(c.cmsg_len);
		bool v4 = c.cmsg_level == IPPROTO_IP && c.cmsg_type == IP_RECVERR;
		bool v6 = c.cmsg_level == IPPROTO_IPV6 && c.cmsg_type == IPV6_RECVERR;
		struct sock_extended_err ee;
		if ((v4 || v6) && have >= sizeof ee) {
			memcpy(&ee, data, sizeof ee);
			rx->err = (int)ee.ee_errno;
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
				rx->kind = NET_RX_ICMP;
				rx->icmp6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
				rx->icmp_type = ee.ee_type;
				rx->icmp_code = ee.ee_code;
				rx->icmp_class = classify_icmp(rx->icmp6, ee.ee_type, ee.ee_code);
				/* The offender (the node that sent the ICMP error) follows the struct. */
				if (have >= sizeof ee + sizeof(sa_family_t)) {
					sa_family_t fam;
					memcpy(&fam, data + sizeof ee, sizeof fam);
					size_t sl = fam == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
					if ((fam == AF_INET || fam == AF_INET6) && have >= sizeof ee + sl) {
						memcpy(&rx->from.ss, data + sizeof ee, sl);
						rx->from.len = (socklen_t)sl;
					}
				}
			} else {
				rx->kind = NET_RX_ERROR;
			}
			return 1;
		}
		if (step < c.cmsg_len || step > ctllen - off)
			return 0;
		off += step;
	}
	return 0;
}

static bool read_errqueue(int fd, struct net_rx *rx)
{
	uint8_t data[64];
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
	struct sockaddr_storage name;
	struct msghdr msg = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
	ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return false;
	return net_errqueue_parse((const uint8_t *)ctl.buf, msg.msg_controllen, rx) == 1;
}

void net_udp_recv(int fd, uint8_t *buf, size_t cap, struct net_rx *rx)
{
	memset(rx, 0, sizeof *rx);
	if (read_errqueue(fd, rx))
		return;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr msg = {.msg_name = &rx->from.ss, .msg_namelen = sizeof rx->from.ss, .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC); /* UDP: n is the real length */
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			rx->kind = NET_RX_NONE;
		} else {
			rx->kind = NET_RX_ERROR;
			rx->err = errno;
		}
		return;
	}
	rx->kind = NET_RX_DATA;
	rx->from.len = msg.msg_namelen;
	rx->wire_len = (size_t)n;
	rx->len = (size_t)n < cap ? (size_t)n : cap;
	rx->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
}


/* ---------------------------------------------------------------- GRE (gre.h) */

const char *net_gre_privilege_hint(void)
{
	return "run vpndiag as root or with cap_net_raw";
}
