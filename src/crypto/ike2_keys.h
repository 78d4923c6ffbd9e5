/* IKEv2 key material (RFC 7296 2.13-2.15), the ciphers and integrity algorithms the SK payload
 * (wire/ike2_sk.h; RFC 7296 3.14, RFC 5282 for AES-GCM) calls back, and the NAT-D hash, over
 * OpenSSL EVP only: no hand-written primitives.
 *
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 *   prf+(K, S) = T1 | T2 | ...,  T1 = prf(K, S | 0x01),  Tn = prf(K, Tn-1 | S | n)
 *
 * Supported: ENCR 3DES, AES-CBC-128/192/256 with HMAC-SHA1-96 / SHA2-256-128 / SHA2-384-192 /
 * SHA2-512-256, AES-GCM-16 (128/256, key + 4-byte salt); PRF HMAC-SHA1/SHA2-256/384/512.
 *
 * Ownership: every function writes into caller-provided buffers; struct ike2_keys holds secrets
 * and must be wiped with ike2_keys_wipe. Network bytes are read through wire/wbuf.h. */
#ifndef VPNDIAG_CRYPTO_IKE2_KEYS_H
#define VPNDIAG_CRYPTO_IKE2_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ike2_sk.h"
#include "wire/ikev2.h"
#include "wire/wbuf.h"

#define IKE2_MAX_PRF_LEN 64   /* SHA-512 */
#define IKE2_MAX_EKEY_LEN 36  /* AES-256 + GCM salt */
#define IKE2_MAX_IV_LEN 16
#define IKE2_MAX_ICV_LEN 32

/* The algorithms of a chosen IKE proposal, with their sizes. */
struct ike2_suite {
	uint16_t encr, encr_bits; /* IKE2_ENCR_*, key bits (192 for 3DES) */
	uint16_t integ;           /* IKE2_AUTH_*, 0 with AES-GCM */
	uint16_t prf;             /* IKE2_PRF_* */
	bool aead;
	size_t ekey_len;          /* SK_e length (AES-GCM: key + 4-byte salt) */
	size_t akey_len;          /* SK_a length, 0 with AES-GCM */
	size_t icv_len;           /* integrity check value / GCM tag */
	size_t iv_len;            /* explicit IV in the SK payload */
	size_t block;             /* padding alignment */
	size_t prf_len;           /* PRF output = SK_d / SK_p length */
};

/* Fills s from the proposal the server chose. Returns 0, or -1 with "ENCR_99 not supported" in err. */
int ike2_suite_from_proposal(const struct ike2_proposal *p, struct ike2_suite *s, char *err, size_t errlen);

struct ike2_keys {
	struct ike2_suite s;
	uint8_t skeyseed[IKE2_MAX_PRF_LEN];
	uint8_t sk_d[IKE2_MAX_PRF_LEN];
	uint8_t sk_ai[IKE2_MAX_PRF_LEN], sk_ar[IKE2_MAX_PRF_LEN];
	uint8_t sk_ei[IKE2_MAX_EKEY_LEN], sk_er[IKE2_MAX_EKEY_LEN];
	uint8_t sk_pi[IKE2_MAX_PRF_LEN], sk_pr[IKE2_MAX_PRF_LEN];
};

/* prf(key, data) into out (IKE2_MAX_PRF_LEN bytes). Returns the output length or -1. */
int ike2_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen, uint8_t *out);
/* prf+(key, seed) truncated to outlen (at most 255 PRF blocks). Returns 0 or -1. */
int ike2_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen, uint8_t *out,
		  size_t outlen);
/* SKEYSEED and the seven keys. Returns 0 or -1. */
int ike2_derive(const struct ike2_suite *s, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		const uint8_t *gir, size_t girlen, uint64_t spi_i, uint64_t spi_r, struct ike2_keys *k);
void ike2_keys_wipe(struct ike2_keys *k);

/* The SK payload's framing lives in wire/ike2_sk.h; this binds it to k's suite and keys (SK_e,
 * SK_a) and OpenSSL's random IVs. The result points at k: it is valid while k is. */
struct ike2_sk_crypto ike2_keys_sk(const struct ike2_keys *k);

/* The octets a peer signs in IKE_AUTH (RFC 7296 2.15):
 *   its own first message | the other side's nonce | prf(SK_p of the signer, ID')
 * where ID' is the body of its ID payload (ID Type, 3 reserved bytes, data). For the responder:
 * the IKE_SA_INIT response as received | Ni | prf(SK_pr, IDr'). Returns the length or -1. */
int ike2_auth_octets(const struct ike2_keys *k, bool responder, const uint8_t *first_msg, size_t flen,
		     const uint8_t *peer_nonce, size_t nlen, const uint8_t *id_body, size_t idlen, uint8_t *out,
		     size_t cap);

/* AUTH with a shared secret (RFC 7296 2.15, 2.16): prf(prf(key, "Key Pad for IKEv2"), octets), the
 * key being the pre-shared key or the EAP MSK. out gets the PRF output (IKE2_MAX_PRF_LEN room).
 * Returns its length or -1. */
int ike2_shared_key_auth(const struct ike2_keys *k, const uint8_t *key, size_t klen, const uint8_t *octets, size_t olen,
			 uint8_t *out);

/* NAT detection data (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port). addr is 4 or 16 bytes,
 * port in host order. out gets 20 bytes (all zero if the digest failed). */
void ike2_natd_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *addr, size_t addr_len, uint16_t port,
		    uint8_t out[20]);

#endif
