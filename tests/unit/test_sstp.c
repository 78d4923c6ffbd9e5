/* SSTP codec (wire/sstp): the exact bytes of facts 3.4 (Call Connect Request as asserted by
 * sorz/sstp-server tests, Call Connect Ack layout of [MS-SSTP] 2.2.10), Nak / Abort with Status
 * Info ([MS-SSTP] 2.2.8, 2.2.13), framing, and the HTTP handshake head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire/sstp.h"

static void test_call_connect_request_bytes(void **state)
{
	(void)state;
	/* 10 01 00 0E | 00 01 00 01 | 00 01 00 06 00 01 (facts 3.4) */
	static const uint8_t want[14] = {0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
					 0x00, 0x01, 0x00, 0x06, 0x00, 0x01};
	uint8_t buf[64];
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sstp_build_call_connect_request(&w, SSTP_ENCAP_PPP), 14);
	assert_memory_equal(buf, want, 14);
	assert_int_equal(buf[2] & 0xf0, 0); /* never 0x8000 in the length field */
	struct sstp_msg m;
	char err[120];
	assert_int_equal(sstp_parse(buf, 14, &m, err, sizeof err), 0);
	assert_true(m.control && m.has_encap);
	assert_int_equal(m.encap_protocol, SSTP_ENCAP_PPP);
	wbuf_init(&w, buf, 13);
	assert_int_equal(sstp_build_call_connect_request(&w, 1), -1);
}

static void test_call_connect_ack(void **state)
{
	(void)state;
	/* 10 01 00 30 | 00 02 00 01 | 00 04 00 28 | 00 00 00 <bitmask> | 32-byte nonce */
	uint8_t b[64] = {0x10, 0x01, 0x00, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x28, 0x00, 0x00, 0x00, 0x03};
	for (int i = 0; i < 32; i++)
		b[16 + i] = (uint8_t)(0xa0 + i);
	struct sstp_msg m;
	char err[120];
	size_t pl;
	assert_int_equal(sstp_frame(b, 3, &pl), 0);
	assert_int_equal(sstp_frame(b, 20, &pl), 0);
	assert_int_equal(pl, 48);
	assert_int_equal(sstp_frame(b, 48, &pl), 1);
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), 0);
	assert_int_equal(m.msg_type, SSTP_MSG_CALL_CONNECT_ACK);
	assert_string_equal(sstp_msg_name(m.msg_type), "CALL_CONNECT_ACK");
	assert_true(m.has_binding_req);
	assert_int_equal(m.hash_bitmask, SSTP_CERT_HASH_SHA1 | SSTP_CERT_HASH_SHA256);
	assert_int_equal(m.nonce[0], 0xa0);
	assert_int_equal(m.nonce[31], 0xa0 + 31);
	/* Every truncation fails, attribute length 0x28 -> 0x27 fails, count mismatch fails. */
	for (size_t k = 0; k < 48; k++)
		assert_int_equal(sstp_parse(b, k, &m, err, sizeof err), -1);
	b[11] = 0x27;
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), -1);
	b[11] = 0x28;
	b[7] = 2;
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "2 attributes announced"));
	b[7] = 1;
	b[0] = 0x20;
	assert_int_equal(sstp_frame(b, 48, &pl), -1);
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), -1);
}

static void test_nak_abort_disconnect(void **state)
{
	(void)state;
	/* Nak rejecting the Encapsulated Protocol ID with VALUE_NOT_SUPPORTED, echoing value 0x0002:
	 * header 4 | type 3, 1 attr | Status Info: 00 02 00 0e | 00 00 00 01 | 00 00 00 04 | 00 02 */
	static const uint8_t nak[] = {0x10, 0x01, 0x00, 0x16, 0x00, 0x03, 0x00, 0x01, 0x00, 0x02, 0x00,
				      0x0e, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02};
	struct sstp_msg m;
	char err[120];
	assert_int_equal(sstp_parse(nak, sizeof nak, &m, err, sizeof err), 0);
	assert_int_equal(m.msg_type, SSTP_MSG_CALL_CONNECT_NAK);
	assert_int_equal(m.nstatus, 1);
	assert_int_equal(m.status[0].attrib_id, SSTP_ATTR_ENCAPSULATED_PROTOCOL_ID);
	assert_int_equal(m.status[0].status, SSTP_STATUS_VALUE_NOT_SUPPORTED);
	assert_string_equal(sstp_status_name(m.status[0].status), "VALUE_NOT_SUPPORTED");
	assert_int_equal(m.status[0].value.len, 2);

	uint8_t buf[64];
	struct wbuf w;
	/* Abort with Status Info (attr 0, NEGOTIATION_TIMEOUT): 10 01 00 14 00 05 00 01 00 02 00 0c 00 00 00 00 00 00 00 08 */
	static const uint8_t abort_want[] = {0x10, 0x01, 0x00, 0x14, 0x00, 0x05, 0x00, 0x01, 0x00, 0x02,
					     0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08};
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sstp_build_call_abort(&w, true, 0, SSTP_STATUS_NEGOTIATION_TIMEOUT), 20);
	assert_memory_equal(buf, abort_want, 20);
	assert_int_equal(sstp_parse(buf, 20, &m, err, sizeof err), 0);
	assert_int_equal(m.status[0].status, SSTP_STATUS_NEGOTIATION_TIMEOUT);
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sstp_build_call_disconnect(&w, false, 0, 0), 8);
	static const uint8_t disc_want[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x06, 0x00, 0x00};
	assert_memory_equal(buf, disc_want, 8);
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sstp_build_echo(&w, false), 8);
	assert_int_equal(sstp_parse(buf, 8, &m, err, sizeof err), 0);
	assert_int_equal(m.msg_type, SSTP_MSG_ECHO_REQUEST);
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sstp_build_call_disconnect_ack(&w), 8);
	/* A data packet (C = 0) carries a PPP frame. */
	static const uint8_t data[] = {0x10, 0x00, 0x00, 0x08, 0xff, 0x03, 0xc0, 0x21};
	assert_int_equal(sstp_parse(data, sizeof data, &m, err, sizeof err), 0);
	assert_false(m.control);
	assert_int_equal(m.data.len, 4);
	/* Status Info shorter than 8 bytes of value is rejected. */
	static const uint8_t bad[] = {0x10, 0x01, 0x00, 0x0e, 0x00, 0x05, 0x00, 0x01,
				      0x00, 0x02, 0x00, 0x06, 0x00, 0x00};
	assert_int_equal(sstp_parse(bad, sizeof bad, &m, err, sizeof err), -1);
}

static void test_http_request(void **state)
{
	(void)state;
	char buf[512];
	struct wbuf w;
	wbuf_init(&w, (uint8_t *)buf, sizeof buf);
	int n = sstp_http_build_request(&w, "vpn.example.com", "6C5F3A2B-1D4E-4F60-8A9B-0C1D2E3F4A5B");
	const char *want = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
			   "Host: vpn.example.com\r\n"
			   "Content-Length: 18446744073709551615\r\n"
			   "SSTPCORRELATIONID: {6C5F3A2B-1D4E-4F60-8A9B-0C1D2E3F4A5B}\r\n"
			   "\r\n";
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	wbuf_init(&w, (uint8_t *)buf, sizeof buf);
	assert_int_equal(sstp_http_build_request(&w, "evil\r\nX: y", "G"), -1);
	assert_int_equal(sstp_http_build_request(&w, "", "G"), -1);
}

static void test_http_response(void **state)
{
	(void)state;
	const char *ok = "HTTP/1.1 200 \r\nContent-Length: 18446744073709551615\r\nServer: Microsoft-HTTPAPI/2.0\r\n"
			 "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n\x10\x01";
	struct sstp_http_resp r;
	char err[120];
	size_t n = strlen(ok); /* the head plus the first 2 SSTP bytes */
	assert_int_equal(sstp_http_parse_response((const uint8_t *)ok, n, 8192, 64, &r, err, sizeof err), SSTP_HTTP_OK);
	assert_int_equal(r.status, 200);
	assert_true(r.has_content_length);
	assert_true(r.content_length == UINT64_MAX);
	assert_false(r.content_length_bad);
	assert_int_equal(r.nheaders, 3);
	assert_int_equal(r.head_len, n - 2);
	assert_int_equal(r.server.len, strlen("Microsoft-HTTPAPI/2.0"));
	/* Every prefix of the head is "incomplete", never an error or a read past. */
	for (size_t k = 0; k < n - 2; k++)
		assert_int_equal(sstp_http_parse_response((const uint8_t *)ok, k, 8192, 64, &r, err, sizeof err),
				 SSTP_HTTP_INCOMPLETE);
	/* Limits: head size and header count. */
	assert_int_equal(sstp_http_parse_response((const uint8_t *)ok, n, 40, 64, &r, err, sizeof err),
			 SSTP_HTTP_TOO_LARGE);
	assert_int_equal(sstp_http_parse_response((const uint8_t *)ok, n, 8192, 2, &r, err, sizeof err),
			 SSTP_HTTP_TOO_LARGE);
	/* An ordinary web server's answer. */
	const char *nf = "HTTP/1.1 405 Not Allowed\r\nServer: nginx\r\ncontent-length: 157\r\n\r\n<html>";
	assert_int_equal(sstp_http_parse_response((const uint8_t *)nf, strlen(nf), 8192, 64, &r, err, sizeof err),
			 SSTP_HTTP_OK);
	assert_int_equal(r.status, 405);
	assert_int_equal(r.content_length, 157);
	assert_int_equal(r.reason.len, 11);
	/* Not HTTP at all, found early. */
	assert_int_equal(sstp_http_parse_response((const uint8_t *)"SSH-2.0-", 8, 8192, 64, &r, err, sizeof err),
			 SSTP_HTTP_MALFORMED);
	const char *bad = "HTTP/1.1 2x0 OK\r\n\r\n";
	assert_int_equal(sstp_http_parse_response((const uint8_t *)bad, strlen(bad), 8192, 64, &r, err, sizeof err),
			 SSTP_HTTP_MALFORMED);
	const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 184467440737095516150\r\n\r\n";
	assert_int_equal(sstp_http_parse_response((const uint8_t *)cl, strlen(cl), 8192, 64, &r, err, sizeof err),
			 SSTP_HTTP_OK);
	assert_true(r.content_length_bad);
	const char *nocolon = "HTTP/1.1 200 OK\r\nGarbage\r\n\r\n";
	assert_int_equal(sstp_http_parse_response((const uint8_t *)nocolon, strlen(nocolon), 8192, 64, &r, err,
						  sizeof err),
			 SSTP_HTTP_MALFORMED);
	/* Bare LF line ends are tolerated. */
	const char *lf = "HTTP/1.0 200 OK\nContent-Length: 5\n\n";
	assert_int_equal(sstp_http_parse_response((const uint8_t *)lf, strlen(lf), 8192, 64, &r, err, sizeof err),
			 SSTP_HTTP_OK);
	assert_int_equal(r.head_len, strlen(lf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_connect_request_bytes), cmocka_unit_test(test_call_connect_ack),
		cmocka_unit_test(test_nak_abort_disconnect),       cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_http_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
