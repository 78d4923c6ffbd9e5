/* PPTP codec (wire/pptp): byte offsets of RFC 2637 2.1/2.2 (facts 4.1: framing capabilities at 16,
 * host name at 28, vendor at 92, 156 bytes), OCRQ/OCRP sizes, enhanced GRE (facts 4.2) and the
 * LCP Configure-Request (RFC 1661 5.1, options 1 MRU and 5 Magic-Number). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire/pptp.h"

static void test_sccrq_layout(void **state)
{
	(void)state;
	uint8_t b[256];
	struct wbuf w;
	struct pptp_sccrq in = {.framing = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC, .bearer = PPTP_BEARER_ANALOG,
				.max_channels = 0, .firmware = 0x0100, .host = "vpndiag", .vendor = "vpndiag"};
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_sccrq(&w, &in), 156);
	/* 00 9c | 00 01 | 1a 2b 3c 4d | 00 01 | 00 00 | 01 00 | 00 00 | 00 00 00 03 | 00 00 00 01 | 00 00 | 01 00 */
	static const uint8_t head[28] = {0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01,
					 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
					 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00};
	assert_memory_equal(b, head, 28);
	assert_memory_equal(b + 28, "vpndiag", 7); /* Host Name at offset 28 */
	assert_int_equal(b[35], 0);
	assert_memory_equal(b + 92, "vpndiag", 7); /* Vendor String at offset 92 */
	assert_int_equal(b[155], 0);

	/* The same bytes as a reply: type 2, result 1 at offset 14, error 0 at 15. */
	b[9] = 2;
	b[14] = 1;
	struct pptp_msg m;
	char err[120];
	size_t ml;
	assert_int_equal(pptp_frame(b, 1, 4096, &ml), 0);
	assert_int_equal(pptp_frame(b, 100, 4096, &ml), 0);
	assert_int_equal(pptp_frame(b, 156, 4096, &ml), 1);
	assert_int_equal(ml, 156);
	assert_int_equal(pptp_parse(b, 156, &m, err, sizeof err), 0);
	assert_int_equal(m.ctrl_type, PPTP_START_CTRL_CONN_RPLY);
	assert_int_equal(m.version, 0x0100);
	assert_int_equal(m.result, 1);
	assert_string_equal(pptp_sccrp_result_name(m.result), "OK");
	assert_int_equal(m.framing, 3);
	assert_int_equal(m.firmware, 0x0100);
	assert_int_equal(m.host.len, 7);
	assert_memory_equal(m.host.p, "vpndiag", 7);
	assert_int_equal(m.vendor.len, 7);
	/* A 64-byte host name without NUL stays within its field. */
	memset(b + 28, 'h', 64);
	assert_int_equal(pptp_parse(b, 156, &m, err, sizeof err), 0);
	assert_int_equal(m.host.len, 64);
	/* Truncations, a wrong cookie, a short SCCRP all fail. */
	for (size_t k = 0; k < 156; k++)
		assert_int_equal(pptp_parse(b, k, &m, err, sizeof err), -1);
	b[1] = 0x9b;
	assert_int_equal(pptp_parse(b, 156, &m, err, sizeof err), -1);
	b[1] = 0x9c;
	b[4] = 0;
	assert_int_equal(pptp_parse(b, 156, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "magic"));
}

static void test_call_messages(void **state)
{
	(void)state;
	uint8_t b[256];
	struct wbuf w;
	struct pptp_msg m;
	char err[120];
	struct pptp_ocrq oc = {.call_id = 0x1234, .serial = 1, .min_bps = 300, .max_bps = 100000000,
			       .bearer = 3, .framing = 3, .recv_window = 64, .proc_delay = 0};
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_ocrq(&w, &oc), 168);
	assert_int_equal(pptp_parse(b, 168, &m, err, sizeof err), 0);
	assert_int_equal(m.call_id, 0x1234);
	assert_int_equal(m.recv_window, 64);
	/* Outgoing-Call-Reply, 32 bytes: call id 0x0abc, peer's 0x1234, result 1, error 0, cause 0,
	 * speed 100000000, window 64, delay 0, channel 0. */
	static const uint8_t ocrp[32] = {0x00, 0x20, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x08, 0x00,
					 0x00, 0x0a, 0xbc, 0x12, 0x34, 0x01, 0x00, 0x00, 0x00, 0x05, 0xf5,
					 0xe1, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	assert_int_equal(pptp_parse(ocrp, 32, &m, err, sizeof err), 0);
	assert_int_equal(m.call_id, 0x0abc);
	assert_int_equal(m.peer_call_id, 0x1234);
	assert_int_equal(m.result, 1);
	assert_string_equal(pptp_ocrp_result_name(m.result), "CONNECTED");
	assert_int_equal(m.connect_speed, 100000000);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_call_clear(&w, 0x0abc), 16);
	assert_int_equal(pptp_parse(b, 16, &m, err, sizeof err), 0);
	assert_int_equal(m.call_id, 0x0abc);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_stop_ccrq(&w, 1), 16);
	assert_int_equal(pptp_parse(b, 16, &m, err, sizeof err), 0);
	assert_int_equal(m.reason, 1);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_echo_request(&w, 0xdeadbeef), 16);
	assert_int_equal(pptp_parse(b, 16, &m, err, sizeof err), 0);
	assert_int_equal(m.identifier, 0xdeadbeef);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_build_echo_reply(&w, 7, 1), 20);
	assert_int_equal(pptp_parse(b, 20, &m, err, sizeof err), 0);
	assert_int_equal(m.result, 1);
}

static void test_gre_lcp(void **state)
{
	(void)state;
	uint8_t lcp[32], b[64];
	struct wbuf w;
	wbuf_init(&w, lcp, sizeof lcp);
	/* ff 03 c0 21 | 01 id 00 0e | 01 04 05 78 | 05 06 <magic> */
	assert_int_equal(pptp_build_lcp_confreq(&w, 1, 1400, 0x11223344), 18);
	static const uint8_t lcp_want[18] = {0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0e, 0x01,
					     0x04, 0x05, 0x78, 0x05, 0x06, 0x11, 0x22, 0x33, 0x44};
	assert_memory_equal(lcp, lcp_want, 18);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_gre_build(&w, 0x0abc, true, 0, false, 0, lcp, 18), 12 + 18);
	/* 30 01 | 88 0b | 00 12 | 0a bc | 00 00 00 00 (facts 4.2: 0x3001 = K, S, version 1) */
	static const uint8_t gre_want[12] = {0x30, 0x01, 0x88, 0x0b, 0x00, 0x12, 0x0a, 0xbc, 0, 0, 0, 0};
	assert_memory_equal(b, gre_want, 12);
	struct pptp_gre g;
	char err[120];
	assert_int_equal(pptp_gre_parse(b, 30, &g, err, sizeof err), 0);
	assert_true(g.has_seq && !g.has_ack);
	assert_int_equal(g.call_id, 0x0abc);
	assert_int_equal(g.payload.len, 18);
	for (size_t k = 0; k < 30; k++)
		assert_int_equal(pptp_gre_parse(b, k, &g, err, sizeof err), -1);
	/* seq + ack (0x3081) and ack only (0x2081, no payload) */
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_gre_build(&w, 1, true, 5, true, 4, lcp, 18), 16 + 18);
	assert_int_equal(b[0], 0x30);
	assert_int_equal(b[1], 0x81);
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(pptp_gre_build(&w, 1, false, 0, true, 9, NULL, 0), 12);
	assert_int_equal(pptp_gre_parse(b, 12, &g, err, sizeof err), 0);
	assert_int_equal(g.ack, 9);
	b[1] = 0x80; /* version 0: plain GRE */
	assert_int_equal(pptp_gre_parse(b, 12, &g, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sccrq_layout),
		cmocka_unit_test(test_call_messages),
		cmocka_unit_test(test_gre_lcp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
