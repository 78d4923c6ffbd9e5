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
	struct certrev_result res;
	time_t now;
	const uint8_t *issuer;
	size_t issuer_len;
	vec_select(&data, &size, &now, &issuer, &issuer_len);
	(void)certrev_crl_check(data, size, vec_leaf_der, sizeof vec_leaf_der, issuer, issuer_len, now, &res);
	if (res.text[sizeof res.text - 1] != '\0')
		__builtin_trap();
	return 0;
}
