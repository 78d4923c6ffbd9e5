/* The IKEv2 Encrypted payload as bytes (RFC 7296 3.14; RFC 5282 for AES-GCM; RFC 7383 2.5 for the
 * Encrypted Fragment payload SKF): where the IV, the ciphertext, the padding and pad length, and
 * the ICV (or GCM tag) sit, what the AAD covers, and the IKE header written in front. The cipher,
 * the integrity algorithm and the random IV are the caller's callbacks (crypto/ike2_keys.h
 * provides them, as crypto/ike1_keys.h does for wire/ikev1.h): no cryptography here.
 *
 * Ownership: the framer writes into the caller's wbuf and output buffers; every pointer handed to
 * a callback points into the framer's or the caller's buffers and is valid only during the call. */
#ifndef VPNDIAG_WIRE_IKE2_SK_H
#define VPNDIAG_WIRE_IKE2_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ikev2.h"
#include "wire/wbuf.h"

#define IKE2_SK_MAX_IV 16
#define IKE2_SK_MAX_ICV 32

/* The sizes the chosen suite gives the payload's fields. */
struct ike2_sk_shape {
	bool aead;       /* AES-GCM: the tag is the ICV; AAD = IKE header .. SK(F) header */
	size_t iv_len;   /* explicit IV */
	size_t icv_len;  /* ICV / GCM tag */
	size_t block;    /* padding alignment (1 with GCM) */
};

/* The callbacks get ctx back (the caller's key material, read only) and `initiator`: use the
 * initiator's keys (SK_ei, SK_ai) rather than the responder's (SK_er, SK_ar). */

/* Encrypts buf[0..len) in place with iv (shape.iv_len bytes). With AEAD, aad[0..aadlen) is
 * authenticated and the tag goes to tag (shape.icv_len bytes); without, aad is NULL and tag unused.
 * Returns 0 or -1. */
typedef int (*ike2_sk_encrypt_fn)(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad,
				  size_t aadlen, uint8_t *buf, size_t len, uint8_t *tag);
/* Decrypts in[0..len) into out (room for len bytes). With AEAD, aad and tag are checked and -1 is
 * returned when they do not verify (nothing may be trusted in out then). Returns 0 or -1. */
typedef int (*ike2_sk_decrypt_fn)(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad,
				  size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, const uint8_t *tag);
/* Computes the ICV (shape.icv_len bytes, the truncated HMAC) over data[0..len) into icv. Not used
 * with AEAD. Returns 0 or -1. */
typedef int (*ike2_sk_integrity_fn)(const void *ctx, bool initiator, const uint8_t *data, size_t len, uint8_t *icv);
/* Fills out[0..len) with random bytes (a fresh IV). Returns 0 or -1. */
typedef int (*ike2_sk_random_fn)(uint8_t *out, size_t len);

struct ike2_sk_crypto {
	struct ike2_sk_shape shape;
	ike2_sk_encrypt_fn encrypt;
	ike2_sk_decrypt_fn decrypt;
	ike2_sk_integrity_fn integrity;
	ike2_sk_random_fn random;
	const void *ctx;
};

/* Opens an SK or SKF payload. msg[0..len) is the whole IKE message as received (no non-ESP
 * marker); iv_off is the offset of the IV (after the SK generic header, plus 4 for SKF); the
 * payload must run to the end of the message. from_responder selects the responder's keys. The
 * ICV (or GCM tag, AAD msg[0..iv_off)) is checked before anything is decrypted. The plaintext
 * without padding goes into out. Returns its length, or -1 with a reason in err. */
int ike2_sk_open(const struct ike2_sk_crypto *c, bool from_responder, const uint8_t *msg, size_t len, size_t iv_off,
		 uint8_t *out, size_t cap, char *err, size_t errlen);

/* Writes a whole protected message into w: header h (Next Payload SK, Length patched), one SK
 * payload whose Next Payload is first_inner, inner[0..ilen) padded and encrypted with the
 * initiator's keys (from_initiator) or the responder's. iv: the IV to use (tests), or NULL for a
 * random one. Returns the message length or -1. */
int ike2_sk_seal(const struct ike2_sk_crypto *c, bool from_initiator, const struct ike2_header *h, uint8_t first_inner,
		 const uint8_t *inner, size_t ilen, const uint8_t *iv, struct wbuf *w);

/* The same as one RFC 7383 fragment: an SKF payload carrying Fragment Number num of total, with
 * chunk[0..clen) (a piece of the inner payload chain, cut anywhere) encrypted on its own. The
 * Next Payload of fragment 1 is first_inner, of the others 0 (RFC 7383 2.5). Returns the message
 * length or -1. The responder reassembles the chunks in order (wire/ike2_frag.h). */
int ike2_skf_seal(const struct ike2_sk_crypto *c, bool from_initiator, const struct ike2_header *h, uint8_t first_inner,
		  uint16_t num, uint16_t total, const uint8_t *chunk, size_t clen, const uint8_t *iv, struct wbuf *w);
/* Bytes one SKF message adds at most to its chunk (header, SKF header, IV, padding, ICV). */
size_t ike2_skf_overhead(const struct ike2_sk_shape *s);

#endif
