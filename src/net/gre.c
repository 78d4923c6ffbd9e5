#include "net/gre.h"

#include <errno.h>
#include <string.h>

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

static void close_fd(int *fd)
{
	net_close(*fd);
	*fd = -1;
}

static int open_one(int family, int *err)
{
	int fd = net_socket(family, SOCK_RAW, IPPROTO_GRE);
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
	ssize_t w = net_sendto(g->fd, pkt, len, &d);
	return w == (ssize_t)len ? 0 : -1;
}

void net_gre_recv(const struct net_gre *g, uint8_t *buf, size_t cap, struct net_rx *rx)
{
	memset(rx, 0, sizeof *rx);
	size_t wire = 0;
	ssize_t r = net_recvfrom(g->fd, buf, cap, &rx->from, &wire);
	if (r < 0) {
		rx->err = errno;
		rx->kind = (errno == EAGAIN || errno == EWOULDBLOCK) ? NET_RX_NONE : NET_RX_ERROR;
		return;
	}
	rx->kind = NET_RX_DATA;
	rx->wire_len = wire;
	rx->truncated = wire > cap;
	rx->len = (size_t)r;
}
