/* Verifies an IKEv2 AUTH payload made with a certificate's key (RFC 7296 2.15 / 3.8): method 1
 * RSA PKCS#1 v1.5 with SHA-1, methods 9/10/11 ECDSA P-256/384/521 with SHA-256/384/512 (RFC 4754:
 * r | s, fixed width), method 14 digital signature (RFC 7427: 1-byte length, an ASN.1
 * AlgorithmIdentifier, the signature; RSA PKCS#1 v1.5 with SHA-1/2, RSASSA-PSS, ECDSA with
 * SHA-1/2 as DER Ecdsa-Sig-Value, Ed25519/Ed448). OpenSSL EVP only.
 * Ownership: reads the caller's buffers; writes only *res. */
#ifndef VPNDIAG_CRYPTO_IKE2_SIG_H
#define VPNDIAG_CRYPTO_IKE2_SIG_H

#include <stddef.h>
#include <stdint.h>

enum ike2_sig_status { IKE2_SIG_UNCHECKED = -1, IKE2_SIG_BAD = 0, IKE2_SIG_OK = 1 };

struct ike2_sig_result {
	enum ike2_sig_status status;
	char alg[64];   /* "RSA PKCS#1 v1.5 SHA-256 (RFC 7427)" */
	char why[160];  /* the reason when not OK */
};

/* auth: the AUTH payload's Authentication Data (after method and reserved bytes); cert_der: the
 * end-entity certificate whose key must have made it; octets: what was signed. */
enum ike2_sig_status ike2_auth_verify(uint8_t method, const uint8_t *auth, size_t alen, const uint8_t *cert_der,
				      size_t clen, const uint8_t *octets, size_t olen, struct ike2_sig_result *res);

#endif
