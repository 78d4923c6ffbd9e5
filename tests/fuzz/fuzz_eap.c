/* Fuzz target: an EAP packet as an IKEv2 EAP payload carries it (wire/eap.h): the header, and for
 * type 26 the MSCHAPv2 packet (Challenge, Success/Failure request) and its message text. Checks
 * that every pointer the parser returns lies inside the input. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire/eap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	if (n && (p < data || p + n > data + size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eap_pkt p;
	struct eap_mschapv2 m;
	struct eap_mschapv2_msg t;
	char err[160];
	if (eap_parse(data, size, &p, err, sizeof err) != 0)
		return 0;
	if (p.len != size)
		__builtin_trap();
	inside(p.data, p.data_len, data, size);
	(void)eap_type_name(p.type);
	(void)eap_code_name(p.code);
	if (p.type != EAP_T_MSCHAPV2 || eap_mschapv2_parse(&p, &m, err, sizeof err) != 0)
		return 0;
	inside(m.challenge, m.challenge ? EAP_MSCHAPV2_CHALLENGE_LEN : 0, data, size);
	inside(m.name, m.name_len, data, size);
	inside(m.message, m.message_len, data, size);
	if (m.message && eap_mschapv2_msg_parse(m.message, m.message_len, &t, err, sizeof err) == 0 &&
	    strlen(t.m) >= sizeof t.m)
		__builtin_trap();
	return 0;
}
