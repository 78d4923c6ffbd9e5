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

/* [MS-SSTP] 4.7: the Call Connect Ack a server sends when it supports SHA256 only. */
static const uint8_t ms_sstp_4_7_ack[48] = {
	0x10, 0x01, 0x00, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x28, 0x00, 0x00, 0x00, 0x02,
	0x41, 0x2B, 0x48, 0x9A, 0xEB, 0xD7, 0xEC, 0xC7, 0xD0, 0x89, 0x66, 0xF2, 0x6B, 0xE7, 0xCD, 0x72,
	0xB2, 0x31, 0xA0, 0xE9, 0x21, 0x0D, 0x7C, 0x91, 0xB3, 0x08, 0x86, 0x2B, 0x03, 0x44, 0xC4, 0x35};

/* Issue 11: an Ack without a valid Crypto Binding Request must be named, never taken as working. */
static void test_ack_binding(void **state)
{
	(void)state;
	struct sstp_msg m;
	char err[200];
	assert_int_equal(sstp_parse(ms_sstp_4_7_ack, sizeof ms_sstp_4_7_ack, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), 0);
	assert_int_equal(m.hash_bitmask, SSTP_CERT_HASH_SHA256);
	assert_int_equal(m.nonce[0], 0x41);
	assert_int_equal(m.nonce[31], 0x35);
	/* no attribute at all: 10 01 00 08 | 00 02 00 00 */
	static const uint8_t bare[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00};
	assert_int_equal(sstp_parse(bare, sizeof bare, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
	assert_non_null(strstr(err, "no Crypto Binding Request"));
	/* bitmask selecting no known hash (0x00, 0x04) */
	uint8_t b[64];
	memcpy(b, ms_sstp_4_7_ack, 48);
	b[15] = 0x00;
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
	assert_non_null(strstr(err, "Hash Protocol Bitmask 0x00"));
	b[15] = 0x04;
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
	b[15] = 0x07; /* SHA1|SHA256 and an undefined bit: a known hash is selected */
	assert_int_equal(sstp_parse(b, 48, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), 0);
	/* a short attribute (length 0x24: a 28-byte nonce), the packet length consistent */
	memcpy(b, ms_sstp_4_7_ack, 44);
	b[3] = 0x2c;
	b[11] = 0x24;
	assert_int_equal(sstp_parse(b, 44, &m, err, sizeof err), 0);
	assert_false(m.has_binding_req);
	assert_int_equal(m.nbinding_req, 1);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
	assert_non_null(strstr(err, "length 36, not 40"));
	/* two of them */
	memcpy(b, ms_sstp_4_7_ack, 48);
	b[3] = 0x58;
	b[7] = 2;
	uint8_t two[88];
	memcpy(two, b, 48);
	memcpy(two + 48, ms_sstp_4_7_ack + 8, 40);
	assert_int_equal(sstp_parse(two, sizeof two, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
	/* not an Ack */
	static const uint8_t echo[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00};
	assert_int_equal(sstp_parse(echo, sizeof echo, &m, err, sizeof err), 0);
	assert_int_equal(sstp_ack_binding_check(&m, err, sizeof err), -1);
}

/* The connection's byte stream: the head and the packets come out whole however the bytes are cut. */
static void test_stream(void **state)
{
	(void)state;
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\nServer: x\r\n\r\n";
	static const uint8_t echo[] = {0x10, 0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00};
	uint8_t all[256];
	size_t n = 0;
	memcpy(all, head, strlen(head));
	n += strlen(head);
	memcpy(all + n, echo, sizeof echo);
	n += sizeof echo;
	memcpy(all + n, ms_sstp_4_7_ack, sizeof ms_sstp_4_7_ack);
	n += sizeof ms_sstp_4_7_ack;
	static struct sstp_stream s;
	struct sstp_stream_event ev;
	char err[160];
	for (size_t piece = 1; piece <= n; piece++) {
		int heads = 0, pkts = 0;
		sstp_stream_init(&s);
		for (size_t off = 0; off < n;) {
			size_t k = piece < n - off ? piece : n - off;
			assert_int_equal(sstp_stream_feed(&s, all + off, k), k);
			off += k;
			enum sstp_stream_ev e;
			while ((e = sstp_stream_next(&s, &ev, err, sizeof err)) != SSTP_EV_NEED_MORE) {
				if (e == SSTP_EV_HEAD) {
					assert_int_equal(ev.head.status, 200);
					heads++;
				} else {
					assert_int_equal(e, SSTP_EV_PACKET);
					assert_int_equal(ev.pkt_len, pkts == 0 ? sizeof echo : sizeof ms_sstp_4_7_ack);
					assert_memory_equal(ev.pkt, pkts == 0 ? echo : ms_sstp_4_7_ack, ev.pkt_len);
					pkts++;
				}
			}
			assert_true(sstp_stream_space(&s) > 0);
		}
		assert_int_equal(heads, 1);
		assert_int_equal(pkts, 2);
	}
	/* An endless head: reported once it passes 8 KiB, never stored past the cap. */
	sstp_stream_init(&s);
	assert_int_equal(sstp_stream_feed(&s, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17), 17);
	enum sstp_stream_ev e = SSTP_EV_NEED_MORE;
	for (int i = 0; i < 4000 && e == SSTP_EV_NEED_MORE; i++) {
		assert_int_equal(sstp_stream_feed(&s, (const uint8_t *)"X-Filler: aaaa\r\n", 16), 16);
		e = sstp_stream_next(&s, &ev, err, sizeof err);
	}
	assert_int_equal(e, SSTP_EV_BAD_HEAD);
	assert_int_equal(ev.http_rc, SSTP_HTTP_TOO_LARGE);
	assert_true(s.len <= SSTP_STREAM_CAP);
	assert_int_equal(sstp_stream_next(&s, &ev, err, sizeof err), SSTP_EV_BAD_HEAD); /* sticky */
	/* A framing error after the head. */
	sstp_stream_init(&s);
	sstp_stream_feed(&s, (const uint8_t *)head, strlen(head));
	assert_int_equal(sstp_stream_next(&s, &ev, err, sizeof err), SSTP_EV_HEAD);
	sstp_stream_feed(&s, (const uint8_t *)"\x20\x01\x00\x08", 4);
	assert_int_equal(sstp_stream_next(&s, &ev, err, sizeof err), SSTP_EV_BAD_FRAME);
	/* Not HTTP at all. */
	sstp_stream_init(&s);
	sstp_stream_feed(&s, (const uint8_t *)"SSH-2.0-OpenSSH\r\n", 17);
	assert_int_equal(sstp_stream_next(&s, &ev, err, sizeof err), SSTP_EV_BAD_HEAD);
	assert_int_equal(ev.http_rc, SSTP_HTTP_MALFORMED);
	/* A full buffer takes only what fits. */
	sstp_stream_init(&s);
	static uint8_t big[SSTP_STREAM_CAP + 10];
	memset(big, 'a', sizeof big);
	assert_int_equal(sstp_stream_feed(&s, big, sizeof big), SSTP_STREAM_CAP);
	assert_int_equal(sstp_stream_space(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_connect_request_bytes), cmocka_unit_test(test_call_connect_ack),
		cmocka_unit_test(test_nak_abort_disconnect),       cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_http_response),
		cmocka_unit_test(test_ack_binding),                cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
