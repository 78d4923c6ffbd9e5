/* L2TP codec (wire/l2tp): SCCRQ bytes derived by hand from RFC 2661 3.1 (header 0xC802, Length,
 * Tunnel ID 0, Session ID 0, Ns 0, Nr 0) and 4.1/4.4 (AVP: M bit 0x8000 | 10-bit length incl. the
 * 6-byte header, Vendor 0, Type), an SCCRP and a StopCCN with Result Code, ZLB, and rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire/l2tp.h"

static void test_sccrq_bytes(void **state)
{
	(void)state;
	uint8_t b[256];
	struct wbuf w;
	struct l2tp_sccrq in = {.assigned_tunnel = 0x4321, .host_name = "vd", .framing_caps = 3};
	wbuf_init(&w, b, sizeof b);
	static const uint8_t want[] = {
		0xc8, 0x02, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header, Length 62 */
		0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,                         /* Message Type = SCCRQ */
		0x80, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00,                         /* Protocol Version 1.0 */
		0x80, 0x08, 0x00, 0x00, 0x00, 0x07, 'v', 'd',                           /* Host Name "vd" */
		0x80, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,             /* Framing sync+async */
		0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x43, 0x21,                         /* Assigned Tunnel ID */
		0x80, 0x08, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x04,                         /* Receive Window 4 */
	};
	in.rx_window = 4;
	assert_int_equal(l2tp_build_sccrq(&w, &in), (int)sizeof want);
	assert_memory_equal(b, want, sizeof want);
	struct l2tp_msg m;
	char err[120];
	assert_int_equal(l2tp_parse(b, sizeof want, &m, err, sizeof err), 0);
	assert_true(m.control && m.has_msg_type);
	assert_int_equal(m.msg_type, L2TP_MSG_SCCRQ);
	assert_int_equal(m.assigned_tunnel, 0x4321);
	assert_int_equal(m.proto_ver, 1);
	assert_int_equal(m.host_name.len, 2);
	assert_int_equal(m.framing_caps, 3);
	assert_int_equal(m.rx_window, 4);
	for (size_t k = 0; k < sizeof want; k++)
		assert_int_equal(l2tp_parse(b, k, &m, err, sizeof err), -1);
	in.host_name = NULL;
	assert_int_equal(l2tp_build_sccrq(&w, &in), -1);
}

static void test_sccrp_stopccn(void **state)
{
	(void)state;
	/* SCCRP to our tunnel 0x4321: Ns 0, Nr 1; Message Type 2, Protocol Version, Host Name "srv",
	 * Vendor Name "xelerance" (not mandatory), Framing 3, Assigned Tunnel ID 0x0007. */
	static const uint8_t sccrp[] = {
		0xc8, 0x02, 0x00, 0x46, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00,
		0x80, 0x09, 0x00, 0x00, 0x00, 0x07, 's', 'r', 'v',
		0x00, 0x0f, 0x00, 0x00, 0x00, 0x08, 'x', 'e', 'l', 'e', 'r', 'a', 'n', 'c', 'e',
		0x80, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x07,
	};
	struct l2tp_msg m;
	char err[120];
	assert_int_equal(l2tp_parse(sccrp, sizeof sccrp, &m, err, sizeof err), 0);
	assert_int_equal(m.msg_type, L2TP_MSG_SCCRP);
	assert_string_equal(l2tp_msg_name(m.msg_type), "SCCRP");
	assert_int_equal(m.tunnel_id, 0x4321);
	assert_int_equal(m.nr, 1);
	assert_int_equal(m.vendor_name.len, 9);
	assert_false(m.avps[3].mandatory);
	assert_int_equal(m.assigned_tunnel, 7);

	/* StopCCN built by us, and one from a server with Result Code 5 / Error 1 / "v1 only". */
	uint8_t b[128];
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(l2tp_build_stopccn(&w, 7, 1, 1, 0x4321, 1), 12 + 3 * 8);
	assert_int_equal(l2tp_parse(b, 36, &m, err, sizeof err), 0);
	assert_int_equal(m.msg_type, L2TP_MSG_STOPCCN);
	assert_true(m.has_result);
	assert_int_equal(m.result_code, 1);
	static const uint8_t stop[] = {
		0xc8, 0x02, 0x00, 0x2b, 0x43, 0x21, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x07,
		0x80, 0x0f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x01, 'v', '1', ' ', 'o', 'n',
	};
	assert_int_equal(l2tp_parse(stop, sizeof stop, &m, err, sizeof err), 0);
	assert_int_equal(m.result_code, 5);
	assert_string_equal(l2tp_stopccn_result_name(m.result_code), "VERSION_NOT_SUPPORTED");
	assert_true(m.has_error_code);
	assert_int_equal(m.error_code, 1);
	assert_int_equal(m.error_message.len, 5);

	/* ZLB; a hidden AVP is kept but not decoded; a first AVP other than Message Type fails. */
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(l2tp_build_zlb(&w, 7, 2, 1), 12);
	assert_int_equal(l2tp_parse(b, 12, &m, err, sizeof err), 0);
	assert_true(m.zlb);
	uint8_t h[sizeof sccrp];
	memcpy(h, sccrp, sizeof h);
	h[28] = 0xc0; /* Host Name hidden */
	assert_int_equal(l2tp_parse(h, sizeof h, &m, err, sizeof err), 0);
	assert_int_equal(m.hidden_avps, 1);
	assert_int_equal(m.host_name.len, 0);
	memcpy(h, sccrp, sizeof h);
	h[17] = 0x01; /* first AVP type 1 */
	assert_int_equal(l2tp_parse(h, sizeof h, &m, err, sizeof err), -1);
	memcpy(h, sccrp, sizeof h);
	h[1] = 0x03; /* version 3 (L2TPv3) */
	assert_int_equal(l2tp_parse(h, sizeof h, &m, err, sizeof err), -1);
	memcpy(h, sccrp, sizeof h);
	h[21] = 0x07; /* Protocol Version AVP length 8 -> 7 */
	assert_int_equal(l2tp_parse(h, sizeof h, &m, err, sizeof err), -1);
}

/* The probe's handling of what comes back on UDP 1701 (l2tp_reply_check): the SCCRP of
 * test_sccrp_stopccn (an xl2tpd-style answer) and hostile variants of it. */
static void test_reply_check(void **state)
{
	(void)state;
	static const uint8_t sccrp[] = {
		0xc8, 0x02, 0x00, 0x46, 0x43, 0x21, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00,
		0x80, 0x09, 0x00, 0x00, 0x00, 0x07, 's', 'r', 'v',
		0x00, 0x0f, 0x00, 0x00, 0x00, 0x08, 'x', 'e', 'l', 'e', 'r', 'a', 'n', 'c', 'e',
		0x80, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
		0x80, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x07,
	};
	static struct l2tp_msg m;
	struct l2tp_answer a;
	uint8_t h[sizeof sccrp];
	/* our tunnel 0x4321: an answer; clear it with a StopCCN to tunnel 7, Nr = Ns + 1 */
	assert_int_equal(l2tp_reply_check(sccrp, sizeof sccrp, 0x4321, &m, &a), L2TP_REPLY_ANSWER);
	assert_int_equal(a.msg_type, L2TP_MSG_SCCRP);
	assert_true(a.stop);
	assert_int_equal(a.peer_tunnel, 7);
	assert_int_equal(a.nr, 1);
	assert_string_equal(a.host, "srv");
	assert_string_equal(a.vendor, "xelerance");
	assert_int_equal(a.result, 0);
	/* another tunnel */
	assert_int_equal(l2tp_reply_check(sccrp, sizeof sccrp, 0x1234, &m, &a), L2TP_REPLY_OTHER_TUNNEL);
	assert_false(a.stop);
	assert_non_null(strstr(a.why, "not ours"));
	/* a host name with control bytes and bytes above 0x7e is printed with '?' */
	memcpy(h, sccrp, sizeof h);
	h[34] = 0x1b;
	h[36] = 0xff;
	assert_int_equal(l2tp_reply_check(h, sizeof h, 0x4321, &m, &a), L2TP_REPLY_ANSWER);
	assert_string_equal(a.host, "?r?");
	/* lying lengths: the header Length past the datagram, an AVP length past the message */
	memcpy(h, sccrp, sizeof h);
	h[3] = 0x80;
	assert_int_equal(l2tp_reply_check(h, sizeof h, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	assert_non_null(strstr(a.why, "does not parse as L2TP"));
	memcpy(h, sccrp, sizeof h);
	h[29] = 0xff;
	assert_int_equal(l2tp_reply_check(h, sizeof h, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	/* a zero-length AVP (length 6: header only) where Host Name is */
	memcpy(h, sccrp, sizeof h);
	h[29] = 0x06;
	assert_int_equal(l2tp_reply_check(h, sizeof h, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	/* truncated to the header, empty, one byte */
	assert_int_equal(l2tp_reply_check(sccrp, 12, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	assert_int_equal(l2tp_reply_check(sccrp, 0, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	assert_int_equal(l2tp_reply_check(sccrp, 1, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	/* a ZLB to our tunnel, a data message */
	uint8_t b[64];
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	assert_int_equal(l2tp_build_zlb(&w, 0x4321, 1, 1), 12);
	assert_int_equal(l2tp_reply_check(b, 12, 0x4321, &m, &a), L2TP_REPLY_ZLB);
	static const uint8_t data[] = {0x40, 0x02, 0x00, 0x0a, 0x43, 0x21, 0x00, 0x05, 0xff, 0x03};
	assert_int_equal(l2tp_reply_check(data, sizeof data, 0x4321, &m, &a), L2TP_REPLY_NOT_CONTROL);
	/* an SCCRP without Assigned Tunnel ID (or 0) is answered but not cleared */
	assert_int_equal(l2tp_reply_check(sccrp, sizeof sccrp - 8, 0x4321, &m, &a), L2TP_REPLY_MALFORMED);
	memcpy(h, sccrp, sizeof h);
	h[sizeof h - 1] = 0;
	assert_int_equal(l2tp_reply_check(h, sizeof h, 0x4321, &m, &a), L2TP_REPLY_ANSWER);
	assert_false(a.stop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sccrq_bytes),
		cmocka_unit_test(test_sccrp_stopccn),
		cmocka_unit_test(test_reply_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
