/* net/gre: the PPTP probe's raw GRE socket, on the loopback: a packet sent with net_gre_send comes
 * back through net_gre_recv with its IPv4 header, its source, and MSG_TRUNC's real length when the
 * buffer is too small; nothing pending is NET_RX_NONE; a family without a socket is named. Needs
 * CAP_NET_RAW (the test is skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>

#include <cmocka.h>

#include "net/gre.h"
#include "net/net.h"

static bool wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 2000) == 1;
}

static void loopback_roundtrip(void **state)
{
	(void)state;
	struct net_gre g;
	net_gre_init(&g);
	net_gre_open(&g, AF_INET);
	assert_int_equal(g.fd6, -1); /* only the family asked for */
	if (g.fd4 < 0) {
		assert_true(g.err4 == EPERM || g.err4 == EACCES);
		net_gre_close(&g);
		skip();
	}
	assert_int_equal(net_gre_select(&g, AF_INET), g.fd4);
	assert_int_equal(g.err, 0);
	struct net_rx rx;
	uint8_t buf[256];
	while (true) { /* drain GRE that other tests on this host may have left */
		net_gre_recv(&g, buf, sizeof buf, &rx);
		if (rx.kind != NET_RX_DATA)
			break;
	}
	assert_int_equal(rx.kind, NET_RX_NONE);

	/* enhanced GRE (RFC 2637 4.1) header with a 4-byte payload: flags K, version 1, PPP */
	const uint8_t pkt[] = {0x20, 0x01, 0x88, 0x0b, 0x00, 0x04, 0x12, 0x34, 0xff, 0x03, 0xc0, 0x21};
	struct net_addr lo = {.len = sizeof(struct sockaddr_in)};
	struct sockaddr_in *sin = (struct sockaddr_in *)&lo.ss;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(1723); /* ignored */
	assert_int_equal(net_gre_send(&g, &lo, pkt, sizeof pkt), 0);
	assert_true(wait_readable(g.fd));
	net_gre_recv(&g, buf, sizeof buf, &rx);
	assert_int_equal(rx.kind, NET_RX_DATA);
	assert_int_equal(rx.len, 20 + sizeof pkt); /* IPv4 raw sockets deliver the IP header */
	assert_int_equal(rx.wire_len, rx.len);
	assert_false(rx.truncated);
	assert_int_equal(buf[0] >> 4, 4);
	assert_int_equal(buf[9], 47);
	assert_memory_equal(buf + 20, pkt, sizeof pkt);
	char a[NET_ADDRSTRLEN];
	net_addr_str(&rx.from, a, sizeof a);
	assert_string_equal(a, "127.0.0.1");

	/* a buffer smaller than the packet: cut, with the real length */
	assert_int_equal(net_gre_send(&g, &lo, pkt, sizeof pkt), 0);
	assert_true(wait_readable(g.fd));
	net_gre_recv(&g, buf, 16, &rx);
	assert_int_equal(rx.kind, NET_RX_DATA);
	assert_int_equal(rx.len, 16);
	assert_int_equal(rx.wire_len, 20 + sizeof pkt);
	assert_true(rx.truncated);
	net_gre_close(&g);
	assert_int_equal(g.fd, -1);
	assert_int_equal(g.fd4, -1);
}

/* The target's family had no socket opened: EAFNOSUPPORT, and the other socket is closed. */
static void select_other_family(void **state)
{
	(void)state;
	struct net_gre g;
	net_gre_init(&g);
	net_gre_open(&g, AF_INET);
	assert_int_equal(net_gre_select(&g, AF_INET6), -1);
	assert_int_equal(g.err, EAFNOSUPPORT);
	assert_int_equal(g.fd4, -1);
	net_gre_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_roundtrip),
		cmocka_unit_test(select_other_family),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
