/* CERTREQ root hashes from PEM text: see ike2_certreq.h. */
#include "crypto/ike2_certreq.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static bool have(const uint8_t *hashes, size_t n, const uint8_t h[20])
{
	for (size_t k = 0; k < n; k++)
		if (memcmp(hashes + 20 * k, h, 20) == 0)
			return true;
	return false;
}

size_t ike2_certreq_hashes(const uint8_t *pem, size_t len, uint8_t *hashes, size_t cap, size_t *n, size_t max)
{
	size_t added = 0;
	if (max > cap)
		max = cap;
	if (!pem || len == 0 || len > INT_MAX || *n >= max)
		return 0;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return 0;
	for (int i = 0; i < IKE2_CERTREQ_MAX_PEM && *n < max; i++) {
		X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!c)
			break;
		unsigned char *der = NULL;
		uint8_t h[20];
		unsigned int hl = 0;
		int dl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &der);
		if (dl > 0 && EVP_Digest(der, (size_t)dl, h, &hl, EVP_sha1(), NULL) && hl == 20 && !have(hashes, *n, h)) {
			memcpy(hashes + 20 * *n, h, 20);
			(*n)++;
			added++;
		}
		OPENSSL_free(der);
		X509_free(c);
	}
	ERR_clear_error(); /* the PEM reader leaves "no start line" at the end of the text */
	BIO_free(b);
	return added;
}
