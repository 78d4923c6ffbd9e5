/* Diffie-Hellman key pairs for IKE key exchange (RFC 7296 KE payload), over OpenSSL 3:
 * MODP groups 2, 5, 14, 15 (RFC 2409/3526), 24 (RFC 5114) and ECP groups 19, 20, 21 (RFC 5903).
 * The public value is encoded as IKE carries it: MODP big-endian padded to the prime length,
 * ECP x||y without the 0x04 prefix.
 * Ownership: a struct dh_key owns its OpenSSL key; dh_key_free releases it (the private key is
 * kept for a later shared-secret computation, e.g. IKE_AUTH). */
#ifndef VPNDIAG_CRYPTO_DH_H
#define VPNDIAG_CRYPTO_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_MAX_PUB 512 /* MODP 4096 bits; ECP521 is 132 */

struct evp_pkey_st;

struct dh_key {
	uint16_t group;
	struct evp_pkey_st *pkey;
	uint8_t pub[DH_MAX_PUB];
	size_t pub_len;
};

/* True when dh_keygen supports the IKE group number. */
bool dh_group_supported(uint16_t group);
/* Length of the KE public value for a group, 0 when unsupported. */
size_t dh_pub_len(uint16_t group);
/* Generates a key pair for group. Returns 0, or -1 (unsupported group or OpenSSL failure). */
int dh_keygen(uint16_t group, struct dh_key *k);
void dh_key_free(struct dh_key *k);

/* The shared secret g^ir (RFC 7296 2.14) of k and the peer's KE data (same encoding as pub):
 * MODP left-padded to the prime length, ECP the x coordinate only (RFC 5903 section 7). peer_len
 * must equal dh_pub_len(k->group); an ECP point not on the curve, or a MODP value outside
 * 2..p-2, is rejected. Returns the secret length (<= cap), or -1. out belongs to the caller (wipe
 * it after use). */
int dh_shared(const struct dh_key *k, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t cap);
/* Tests: a key pair from a known private value and its public value (RFC 5903 / 5114 vectors),
 * both big-endian; pub in KE encoding. Returns 0 or -1. */
int dh_key_import(uint16_t group, const uint8_t *priv, size_t priv_len, const uint8_t *pub, size_t pub_len,
		  struct dh_key *k);

#endif
