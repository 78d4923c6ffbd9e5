/* IKEv1 (RFC 2409) Diffie-Hellman and phase-1 key derivation for pre-shared-key Main Mode, over
 * OpenSSL 3 libcrypto (EVP only; no primitive is implemented here).
 *
 *   DH:      MODP-1024 (group 2, RFC 2409 6.2), MODP-2048 (14, RFC 3526), ECP-256/384 (19/20,
 *            RFC 5903: public value x||y, shared secret x). MODP values are left-padded to the
 *            prime length, both the public value and g^xy.
 *   SKEYID   = prf(PSK, Ni_b | Nr_b)
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 *   cipher key = SKEYID_e truncated, or when too short K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e,
 *            K1)... (RFC 2409 Appendix B)
 *   IV       = hash(g^xi | g^xr) truncated to the block size; later messages chain the last
 *            ciphertext block; an Informational/Quick Mode IV = hash(last phase-1 block | M-ID).
 *   HASH_I   = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 *   HASH_R   = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 *   NAT-D    = hash(CKY-I | CKY-R | IP | port) (RFC 3947 3.2)
 * prf is HMAC with the negotiated hash (no PRF attribute in practice).
 *
 * Secrets: the PSK is taken as (const uint8_t *, size_t) and never kept; every derived key lives
 * in struct ike1_keys and is wiped by ike1_keys_clear (OPENSSL_cleanse); DH private keys live in
 * OpenSSL objects freed (and wiped by OpenSSL) in ike1_dh_free, which also wipes the public copy. */
#ifndef VPNDIAG_CRYPTO_IKE1_KEYS_H
#define VPNDIAG_CRYPTO_IKE1_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ikev1.h"

#define IKE1_DH_MAX 256    /* largest public value / shared secret: MODP-2048 */
#define IKE1_HASH_MAX 64
#define IKE1_KEY_MAX 32
#define IKE1_BLOCK_MAX 16

struct evp_pkey_st;

struct ike1_dh {
	uint16_t group;             /* IKE1_GROUP_* */
	struct evp_pkey_st *key;    /* our key pair (EVP_PKEY) */
	uint8_t pub[IKE1_DH_MAX];   /* our public value as it goes into KE */
	size_t pub_len;
};

/* The public value length of a supported group (128, 256, 64, 96), 0 if unsupported. */
size_t ike1_dh_pub_len(uint16_t group);
/* Generates a key pair. Returns 0 or -1 (unsupported group, OpenSSL failure) with err. */
int ike1_dh_generate(struct ike1_dh *dh, uint16_t group, char *err, size_t errlen);
/* Sets a known private key (tests: RFC 5903 vectors); computes the public value. */
int ike1_dh_set_private(struct ike1_dh *dh, uint16_t group, const uint8_t *priv, size_t priv_len, char *err,
			size_t errlen);
/* g^xy from the peer's KE data (must be exactly ike1_dh_pub_len bytes; ECP points are checked to
 * be on the curve). Writes the secret (prime/field length) to out. Returns 0 or -1 with err. */
int ike1_dh_shared(const struct ike1_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t outcap,
		   size_t *outlen, char *err, size_t errlen);
void ike1_dh_free(struct ike1_dh *dh);

/* Hash output length for an IKE1_HASH_* value (MD5 16, SHA1 20, SHA2-256/384/512), 0 if unknown. */
size_t ike1_hash_len(uint16_t hash);
/* prf = HMAC-<hash>(key, data). out needs ike1_hash_len(hash) bytes. Returns 0 or -1. */
int ike1_prf(uint16_t hash, const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len,
	     uint8_t *out, size_t *outlen);
/* NAT-D (RFC 3947): hash(CKY-I | CKY-R | addr | port); addr 4 or 16 bytes, port in host order. */
int ike1_natd(uint16_t hash, const uint8_t cky_i[8], const uint8_t cky_r[8], const uint8_t *addr,
	      size_t addr_len, uint16_t port, uint8_t *out, size_t outcap, size_t *outlen);
/* Cipher key / block length for IKE1_ENC_* (3DES: 24/8, AES-CBC: key_bits/8 of 128/192/256 and 16);
 * 0 if unsupported. */
size_t ike1_cipher_key_len(uint16_t enc, uint16_t key_bits);
size_t ike1_cipher_block_len(uint16_t enc);

struct ike1_keys_in {
	uint16_t hash;     /* IKE1_HASH_* (prf = HMAC of it) */
	uint16_t enc;      /* IKE1_ENC_3DES_CBC or IKE1_ENC_AES_CBC */
	uint16_t key_bits; /* AES key length attribute */
	const uint8_t *psk;
	size_t psk_len;
	const uint8_t *ni, *nr; /* nonce payload bodies Ni_b, Nr_b */
	size_t ni_len, nr_len;
	const uint8_t *gxy;
	size_t gxy_len;
	const uint8_t *gxi, *gxr; /* KE payload bodies */
	size_t gxi_len, gxr_len;
	const uint8_t *cky_i, *cky_r; /* 8 bytes each */
};

struct ike1_keys {
	uint16_t hash, enc;
	size_t prf_len, key_len, block_len;
	uint8_t skeyid[IKE1_HASH_MAX], skeyid_d[IKE1_HASH_MAX], skeyid_a[IKE1_HASH_MAX], skeyid_e[IKE1_HASH_MAX];
	uint8_t key[IKE1_KEY_MAX + IKE1_HASH_MAX]; /* cipher key (key_len used) */
	uint8_t iv0[IKE1_BLOCK_MAX];               /* phase-1 initial IV: hash(g^xi | g^xr) */
	uint8_t cky_i[8], cky_r[8];
	uint8_t gxi[IKE1_DH_MAX], gxr[IKE1_DH_MAX];
	size_t gxi_len, gxr_len;
};

/* Derives SKEYID.., the cipher key and the initial IV. Returns 0 or -1 with err. */
int ike1_keys_derive_psk(struct ike1_keys *k, const struct ike1_keys_in *in, char *err, size_t errlen);
/* HASH_I / HASH_R into out (prf_len bytes). sa_i is SAi_b (the initiator's SA body) for both. */
int ike1_keys_hash_i(const struct ike1_keys *k, const uint8_t *sa_i, size_t sa_len, const uint8_t *id_i,
		     size_t id_len, uint8_t *out, size_t *outlen);
int ike1_keys_hash_r(const struct ike1_keys *k, const uint8_t *sa_i, size_t sa_len, const uint8_t *id_r,
		     size_t id_len, uint8_t *out, size_t *outlen);
/* HASH(1) of an Informational exchange: prf(SKEYID_a, M-ID | payloads) (RFC 2409 5.7). */
int ike1_keys_hash1(const struct ike1_keys *k, uint32_t msg_id, const uint8_t *payloads, size_t len,
		    uint8_t *out, size_t *outlen);
/* The IV of a new exchange with msg_id: hash(last phase-1 CBC block | M-ID), truncated. */
int ike1_keys_msg_iv(const struct ike1_keys *k, const uint8_t *last_block, uint32_t msg_id,
		     uint8_t iv[IKE1_BLOCK_MAX]);
/* CBC without padding (len a multiple of block_len; out may equal in). iv is updated to the last
 * ciphertext block, which is the next message's IV in phase 1. Returns 0 or -1. */
int ike1_keys_encrypt(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const uint8_t *in, size_t len,
		      uint8_t *out);
int ike1_keys_decrypt(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const uint8_t *in, size_t len,
		      uint8_t *out);
/* Wipes every key and value in k. */
void ike1_keys_clear(struct ike1_keys *k);

/* ---- the server's encrypted replies after MM5 ----
 * Both functions decrypt into the caller's scratch (wiped before they return, except the parsed
 * struct whose pointers then point at wiped bytes) and never keep anything. Results: 1 decrypts,
 * parses and its hash verifies with our keys; 0 it does not (why: which step failed); -1 cannot
 * tell (our keys cannot take it: no keys, a ciphertext longer than IKE1_PLAIN_MAX). */
#define IKE1_PLAIN_MAX 4096
struct ike1_scratch {
	uint8_t plain[IKE1_PLAIN_MAX];
	struct ike1_msg msg;
};

/* MM6 (RFC 2409 5.4): m is the parsed encrypted Main Mode message; iv the last CBC block of our
 * MM5 (updated to MM6's last cipher block when it decrypts); sa_i SAi_b. Checks: ciphertext a
 * non-zero multiple of the block, decrypts, the plaintext chain parses (ike1_parse_plain) with
 * IDir and HASH_R, and HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b). */
int ike1_mm6_verify(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const struct ike1_msg *m,
		    const uint8_t *sa_i, size_t sa_len, struct ike1_scratch *s, char *why, size_t whylen);

/* An encrypted Informational after MM5 (RFC 2409 5.7: HASH(1), N or D): decrypted with IV =
 * hash(last_block | M-ID); the first cipher block is not trusted (implementations disagree on the
 * last phase-1 block), so the payloads are read with ike1_parse_info_plain and only the HASH(1)
 * bytes after the first block are compared with prf(SKEYID_a, M-ID | payloads). On 1, *type is
 * the first notify's type (0 for a Delete). */
int ike1_info_verify(const struct ike1_keys *k, const uint8_t last_block[IKE1_BLOCK_MAX], const struct ike1_msg *m,
		     struct ike1_scratch *s, uint16_t *type, char *why, size_t whylen);

/* Adapters for wire/ikev1's builders (ike1_encrypt_fn / ike1_hash1_fn): ctx is a struct ike1_cbc
 * owned by the caller; its iv is chained across calls. */
struct ike1_cbc {
	const struct ike1_keys *k;
	uint8_t iv[IKE1_BLOCK_MAX];
};
int ike1_cbc_encrypt_cb(void *ctx, const uint8_t *plain, size_t len, uint8_t *out);
int ike1_cbc_hash1_cb(void *ctx, uint32_t msg_id, const uint8_t *payloads, size_t len, uint8_t *out,
		      size_t *outlen);

#endif
