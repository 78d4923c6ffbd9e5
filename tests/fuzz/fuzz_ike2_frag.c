/* Fuzz target: RFC 7383 fragment reassembly (wire/ike2_frag.h) and the inner-payload parser on
 * what it assembles. The input is a list of records: Fragment Number (2), Total Fragments (2),
 * Next Payload (1), length (2), that many bytes of decrypted fragment content. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ike2_frag.h"
#include "wire/ike2_inner.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike2_frag f;
	static struct ike2_inner in;
	static uint8_t out[IKE2_FRAG_MAX_BYTES];
	char err[160], s[300];
	struct rbuf r;
	ike2_frag_init(&f);
	rbuf_init(&r, data, size);
	for (int i = 0; i < 4 * IKE2_FRAG_MAX && rbuf_left(&r) >= 7; i++) {
		uint16_t num, total, len;
		uint8_t next;
		const uint8_t *p;
		rbuf_u16(&r, &num);
		rbuf_u16(&r, &total);
		rbuf_u8(&r, &next);
		rbuf_u16(&r, &len);
		if (!rbuf_bytes(&r, len, &p))
			break;
		enum ike2_frag_rc rc = ike2_frag_add(&f, num, total, next, p, len, err, sizeof err);
		if (rc == IKE2_FRAG_COMPLETE) {
			uint8_t first = 0;
			int n = ike2_frag_assemble(&f, out, sizeof out, &first);
			if (n < 0 || (size_t)n > f.used)
				abort(); /* complete must assemble, within what was stored */
			if (ike2_inner_parse(first, out, (size_t)n, &in, err, sizeof err) == 0)
				ike2_inner_str(&in, s, sizeof s);
			break;
		}
	}
	return 0;
}
