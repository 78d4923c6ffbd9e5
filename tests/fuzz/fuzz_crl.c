/* Fuzz target: certrev_crl_check, a fetched CRL (DER or PEM) verified for the leaf of
 * tests/fuzz/certrev_vectors.h against its issuer: parsing, issuer name, key usage, signature,
 * scope (delta CRL, issuing distribution point), dates, the serial lookup. An optional leading byte 0xF0-0xF3 picks
 * the check time (now, after nextUpdate, before thisUpdate) or an unknown issuer.
 * Seeds (corpus/fuzz_crl/, made with `openssl ca -gencrl`, see the header): good.der, revoked.der,
 * revoked.pem, root-signed.der (the wrong issuer). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "crypto/certrev.h"

#include "certrev_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t times[] = {CERTREV_VEC_NOW, CERTREV_VEC_NEXT_UPDATE + 1, CERTREV_VEC_NOW - 86400 * 2};
	struct certrev_result res;
	uint8_t sel = size ? data[0] : 0;
	/* Most inputs: the plain CRL (the seeds); a leading 0xF0-0xFF byte selects the variants. */
	if (size && sel >= 0xf0) {
		data++;
		size--;
	} else {
		sel = 0;
	}
	time_t now = times[(sel & 0x0f) % 3];
	bool no_issuer = (sel & 0x0f) == 3;
	(void)certrev_crl_check(data, size, vec_leaf_der, sizeof vec_leaf_der, no_issuer ? NULL : vec_inter_der,
				no_issuer ? 0 : sizeof vec_inter_der, now, &res);
	if (res.text[sizeof res.text - 1] != '\0')
		__builtin_trap();
	return 0;
}
