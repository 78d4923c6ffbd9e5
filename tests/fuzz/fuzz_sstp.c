/* Fuzz target: SSTP framing and packet parser (with the Call Connect Ack's Crypto Binding Request
 * check), and the bounded HTTP response-head parser. */
#include <stdint.h>
#include <stdio.h>

#include "wire/sstp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sstp_msg m;
	struct sstp_http_resp r;
	char err[256];
	size_t pl;
	if (sstp_frame(data, size, &pl) == 1 && sstp_parse(data, pl, &m, err, sizeof err) == 0)
		(void)sstp_ack_binding_check(&m, err, sizeof err);
	(void)sstp_parse(data, size, &m, err, sizeof err);
	if (sstp_http_parse_response(data, size, 4096, 32, &r, err, sizeof err) == SSTP_HTTP_OK && r.head_len < size)
		(void)sstp_frame(data + r.head_len, size - r.head_len, &pl);
	return 0;
}
