#include "net/gre.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int open_one(int family, int *err)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	*err = fd < 0 ? errno : 0;
	return fd;
}

void net_gre_init(struct net_gre *g)
{
	memset(g, 0, sizeof *g);
	g->fd = g->fd4 = g->fd6 = -1;
}

void net_gre_open(struct net_gre *g, int family)
{
	if (family != AF_INET6 && g->fd4 < 0)
		g->fd4 = open_one(AF_INET, &g->err4);
	if (family != AF_INET && g->fd6 < 0)
		g->fd6 = open_one(AF_INET6, &g->err6);
}

int net_gre_select(struct net_gre *g, int family)
{
	if (family == AF_INET) {
		g->fd = g->fd4;
		g->err = g->fd4 < 0 ? g->err4 : 0;
		close_fd(&g->fd6);
	} else {
		g->fd = g->fd6;
		g->err = g->fd6 < 0 ? g->err6 : 0;
		close_fd(&g->fd4);
	}
	if (g->fd < 0 && !g->err)
		g->err = EAFNOSUPPORT;
	return g->fd;
}

void net_gre_close(struct net_gre *g)
{
	g->fd = -1; /* one of the two below */
	close_fd(&g->fd4);
	close_fd(&g->fd6);
}

int net_gre_send(const struct net_gre *g, const struct net_addr *dst, const uint8_t *pkt, size_t len)
{
	struct net_addr d = *dst;
	net_addr_set_port(&d, 0);
	ssize_t w = sendto(g->fd, pkt, len, 0, (const struct sockaddr *)&d.ss, d.len);
	return w == (ssize_t)len ? 0 : -1;
}

void net_gre_recv(const struct net_gre *g, uint8_t *buf, size_t cap, struct net_rx *rx)
{
	memset(rx, 0, sizeof *rx);
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	memset(&from, 0, sizeof from);
	ssize_t r = recvfrom(g->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&from, &fl);
	if (r < 0) {
		rx->err = errno;
		rx->kind = (errno == EAGAIN || errno == EWOULDBLOCK) ? NET_RX_NONE : NET_RX_ERROR;
		return;
	}
	rx->kind = NET_RX_DATA;
	rx->wire_len = (size_t)r;
	rx->truncated = (size_t)r > cap;
	rx->len = rx->truncated ? cap : (size_t)r;
	memcpy(&rx->from.ss, &from, sizeof rx->from.ss);
	rx->from.len = fl;
}
