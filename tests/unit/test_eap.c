/* EAP and EAP-MSCHAPv2 codec: packets as strongSwan's EAP-MSCHAPv2 server sends them (the lab's
 * responder), the RFC 2759 9.2 values in the response, and hostile lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire/eap.h"

/* EAP-Request/MSCHAPv2 Challenge as strongSwan builds it: id 0x42, MS-CHAPv2-ID 0x42, the RFC 2759
 * 9.2 authenticator challenge, name "strongSwan". */
static const uint8_t challenge_req[] = {
	0x01, 0x42, 0x00, 0x25, 0x1a, 0x01, 0x42, 0x00, 0x20, 0x10, 0x5b, 0x5d, 0x7c, 0x7d, 0x7b, 0x3f,
	0x2f, 0x3e, 0x3c, 0x2c, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28, 's',  't',  'r',  'o',  'n',  'g',
	'S',  'w',  'a',  'n',  0x00 /* trailing byte: part of the name */
};

static void test_challenge(void **state)
{
	(void)state;
	struct eap_pkt p;
	struct eap_mschapv2 m;
	char err[120];
	assert_int_equal(eap_parse(challenge_req, sizeof challenge_req, &p, err, sizeof err), 0);
	assert_int_equal(p.code, EAP_REQUEST);
	assert_int_equal(p.id, 0x42);
	assert_int_equal(p.type, EAP_T_MSCHAPV2);
	assert_int_equal(eap_mschapv2_parse(&p, &m, err, sizeof err), 0);
	assert_int_equal(m.opcode, EAP_MSCHAPV2_CHALLENGE);
	assert_int_equal(m.ms_id, 0x42);
	assert_int_equal(m.challenge[0], 0x5b);
	assert_int_equal(m.challenge[15], 0x28);
	assert_int_equal(m.name_len, 11);
	assert_memory_equal(m.name, "strongSwan", 10);
	/* every truncation is refused, never read past */
	for (size_t n = 0; n < sizeof challenge_req; n++)
		assert_int_equal(eap_parse(challenge_req, n, &p, err, sizeof err), -1);
	/* a Value-Size other than 16 */
	uint8_t bad[sizeof challenge_req];
	memcpy(bad, challenge_req, sizeof bad);
	bad[9] = 8;
	assert_int_equal(eap_parse(bad, sizeof bad, &p, err, sizeof err), 0);
	assert_int_equal(eap_mschapv2_parse(&p, &m, err, sizeof err), -1);
	/* an EAP Length shorter than the challenge needs */
	static const uint8_t shortc[] = {0x01, 0x01, 0x00, 0x0c, 0x1a, 0x01, 0x01, 0x00, 0x07, 0x10, 0x00, 0x00};
	assert_int_equal(eap_parse(shortc, sizeof shortc, &p, err, sizeof err), 0);
	assert_int_equal(eap_mschapv2_parse(&p, &m, err, sizeof err), -1);
}

static void test_codes(void **state)
{
	(void)state;
	struct eap_pkt p;
	char err[120];
	static const uint8_t ok[] = {0x03, 0x07, 0x00, 0x04}, failure[] = {0x04, 0x07, 0x00, 0x04};
	static const uint8_t ident[] = {0x01, 0x00, 0x00, 0x05, 0x01};
	static const uint8_t tls[] = {0x01, 0x09, 0x00, 0x06, 0x0d, 0x20}; /* EAP-TLS Start */
	assert_int_equal(eap_parse(ok, sizeof ok, &p, err, sizeof err), 0);
	assert_int_equal(p.code, EAP_SUCCESS);
	assert_int_equal(eap_parse(failure, sizeof failure, &p, err, sizeof err), 0);
	assert_int_equal(p.code, EAP_FAILURE);
	assert_int_equal(eap_parse(ident, sizeof ident, &p, err, sizeof err), 0);
	assert_int_equal(p.type, EAP_T_IDENTITY);
	assert_int_equal(p.data_len, 0);
	assert_int_equal(eap_parse(tls, sizeof tls, &p, err, sizeof err), 0);
	assert_int_equal(p.type, EAP_T_TLS);
	assert_string_equal(eap_type_name(p.type), "EAP-TLS");
	assert_string_equal(eap_type_name(25), "PEAP");
	assert_null(eap_type_name(99));
	/* a Success with a body, a length that lies, an unknown code */
	static const uint8_t long_ok[] = {0x03, 0x07, 0x00, 0x05, 0x00};
	static const uint8_t liar[] = {0x01, 0x07, 0x00, 0x40, 0x01};
	static const uint8_t code9[] = {0x09, 0x07, 0x00, 0x04};
	assert_int_equal(eap_parse(long_ok, sizeof long_ok, &p, err, sizeof err), -1);
	assert_int_equal(eap_parse(liar, sizeof liar, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "Length 64"));
	assert_int_equal(eap_parse(code9, sizeof code9, &p, err, sizeof err), -1);
	/* MSCHAPv2 parse of another type is refused */
	struct eap_mschapv2 m;
	assert_int_equal(eap_parse(tls, sizeof tls, &p, err, sizeof err), 0);
	assert_int_equal(eap_mschapv2_parse(&p, &m, err, sizeof err), -1);
}

static void test_success_message(void **state)
{
	(void)state;
	/* strongSwan: "S=<auth response> M=Welcome2strongSwan" (RFC 2759 9.2 value) */
	static const char txt[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome2strongSwan";
	struct eap_mschapv2_msg m;
	char err[120];
	assert_int_equal(eap_mschapv2_msg_parse((const uint8_t *)txt, sizeof txt - 1, &m, err, sizeof err), 0);
	assert_true(m.has_s);
	assert_int_equal(m.s[0], 0x40);
	assert_int_equal(m.s[19], 0x56);
	assert_true(m.has_m);
	assert_string_equal(m.m, "Welcome2strongSwan");
	assert_false(m.has_e);
	/* wrong lengths and non-hex are errors, not a silent zero */
	static const char *const bad[] = {
		"S=407A5589115FD0D6209F510FE9C04566932CDA5",
		"S=407A5589115FD0D6209F510FE9C04566932CDA5G",
		"S=407A5589115FD0D6209F510FE9C04566932CDA56 S=407A5589115FD0D6209F510FE9C04566932CDA56",
		"E=69x", "E=99999999999", "C=00", "E=",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(eap_mschapv2_msg_parse((const uint8_t *)bad[i], strlen(bad[i]), &m, err, sizeof err), -1);
}

static void test_failure_message(void **state)
{
	(void)state;
	static const char txt[] = "E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=FAILED \x01x";
	struct eap_mschapv2_msg m;
	char err[120];
	assert_int_equal(eap_mschapv2_msg_parse((const uint8_t *)txt, sizeof txt - 1, &m, err, sizeof err), 0);
	assert_true(m.has_e && m.has_r && m.has_c && m.has_v && m.has_m);
	assert_int_equal(m.e, 691);
	assert_int_equal(m.r, 1);
	assert_int_equal(m.v, 3);
	assert_int_equal(m.c[15], 0xff);
	assert_string_equal(m.m, "FAILED ?x");
	static const char t2[] = "E=648 R=0 V=3";
	assert_int_equal(eap_mschapv2_msg_parse((const uint8_t *)t2, sizeof t2 - 1, &m, err, sizeof err), 0);
	assert_int_equal(m.e, 648);
	assert_false(m.has_c);
	assert_false(m.has_m);
	/* a long M= is truncated, not overflowed */
	char big[600] = "M=";
	memset(big + 2, 'A', sizeof big - 3);
	assert_int_equal(eap_mschapv2_msg_parse((const uint8_t *)big, strlen(big), &m, err, sizeof err), 0);
	assert_int_equal(strlen(m.m), EAP_MSCHAPV2_MSG_TEXT - 1);
}

static void test_builders(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wbuf w;
	struct eap_pkt p;
	char err[120];
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(eap_build_identity(&w, 0, "User", 4), 0);
	static const uint8_t ident[] = {0x02, 0x00, 0x00, 0x09, 0x01, 'U', 's', 'e', 'r'};
	assert_int_equal(w.len, sizeof ident);
	assert_memory_equal(buf, ident, sizeof ident);

	/* the response with the RFC 2759 9.2 peer challenge and NT-Response */
	static const uint8_t pc[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5e, 0x26, 0x2a, 0x28, 0x29, 0x5f, 0x2b, 0x3a, 0x33, 0x7c, 0x7e};
	static const uint8_t nt[24] = {0x82, 0x30, 0x9e, 0xcd, 0x8d, 0x70, 0x8b, 0x5e, 0xa0, 0x8f, 0xaa, 0x39,
				       0x81, 0xcd, 0x83, 0x54, 0x42, 0x33, 0x11, 0x4a, 0x3d, 0x85, 0xd6, 0xdf};
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(eap_build_mschapv2_response(&w, 0x42, 0x42, pc, nt, "User", 4), 0);
	assert_int_equal(w.len, 5 + 4 + 1 + 49 + 4);
	assert_int_equal(buf[2] << 8 | buf[3], (int)w.len);
	assert_int_equal(buf[7] << 8 | buf[8], (int)w.len - 5); /* MS-Length */
	assert_int_equal(buf[9], 49);
	assert_memory_equal(buf + 10, pc, 16);
	assert_memory_equal(buf + 34, nt, 24);
	assert_int_equal(buf[58], 0);
	assert_memory_equal(buf + 59, "User", 4);
	assert_int_equal(eap_parse(buf, w.len, &p, err, sizeof err), 0);
	assert_int_equal(p.code, EAP_RESPONSE);

	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(eap_build_mschapv2_ack(&w, 0x43, EAP_MSCHAPV2_SUCCESS), 0);
	static const uint8_t ack[] = {0x02, 0x43, 0x00, 0x06, 0x1a, 0x03};
	assert_memory_equal(buf, ack, sizeof ack);
	struct eap_mschapv2 m;
	assert_int_equal(eap_parse(buf, w.len, &p, err, sizeof err), 0);
	assert_int_equal(eap_mschapv2_parse(&p, &m, err, sizeof err), 0);
	assert_int_equal(m.opcode, EAP_MSCHAPV2_SUCCESS);

	wbuf_init(&w, buf, sizeof buf);
	static const uint8_t want26 = EAP_T_MSCHAPV2;
	assert_int_equal(eap_build_nak(&w, 5, &want26, 1), 0);
	static const uint8_t nak[] = {0x02, 0x05, 0x00, 0x06, 0x03, 0x1a};
	assert_memory_equal(buf, nak, sizeof nak);

	/* overflow: nothing half-written is reported as success */
	wbuf_init(&w, buf, 20);
	assert_int_equal(eap_build_mschapv2_response(&w, 1, 1, pc, nt, "User", 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_success_message),
		cmocka_unit_test(test_failure_message),
		cmocka_unit_test(test_builders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
