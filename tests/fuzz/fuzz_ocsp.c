/* Fuzz target: certrev_ocsp_check, a fetched OCSP response (DER) verified for the leaf of
 * tests/fuzz/certrev_vectors.h against its issuer: parsing, responseStatus, the signer (the issuer
 * or a delegated responder with the OCSPSigning EKU), the signature, the SingleResponse for the
 * CertID, certStatus, dates. An optional leading byte 0xF0-0xF3 picks
 * the check time (now, after nextUpdate, before thisUpdate) or an unknown issuer.
 * Seeds (corpus/fuzz_ocsp/, made with `openssl ocsp -index`, see the header): good.der,
 * good-delegated.der, revoked.der, unknown.der, unauthorized.der. */
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
	/* Most inputs: the plain response (the seeds); a leading 0xF0-0xFF byte selects the variants. */
	if (size && sel >= 0xf0) {
		data++;
		size--;
	} else {
		sel = 0;
	}
	time_t now = times[(sel & 0x0f) % 3];
	bool no_issuer = (sel & 0x0f) == 3;
	(void)certrev_ocsp_check(data, size, vec_leaf_der, sizeof vec_leaf_der, no_issuer ? NULL : vec_inter_der,
				no_issuer ? 0 : sizeof vec_inter_der, now, &res);
	if (res.text[sizeof res.text - 1] != '\0')
		__builtin_trap();
	return 0;
}
