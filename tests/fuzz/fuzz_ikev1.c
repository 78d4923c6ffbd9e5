/* Fuzz target: the IKEv1 parser (header, payload chain, SA/proposal/transform attributes) and the
 * decrypted-chain parser, fed the same bytes as if they were plaintext. */
#include <stdint.h>
#include <stdio.h>

#include "wire/ikev1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike1_msg m, p;
	char err[256], s[128];
	if (ike1_parse(data, size, &m, err, sizeof err) == 0) {
		for (size_t i = 0; i < m.sa.nproposals; i++)
			for (size_t t = 0; t < m.sa.p[i].ntransforms; t++)
				ike1_transform_str(&m.sa.p[i].t[t], s, sizeof s);
		for (size_t i = 0; i < m.nvids; i++)
			(void)ike1_vid_name(m.vids[i].p, m.vids[i].len);
		(void)ike1_first_error(&m);
		if (m.encrypted)
			(void)ike1_parse_plain(&m.hdr, m.ciphertext.p, m.ciphertext.len, &p, err, sizeof err);
	}
	return 0;
}
