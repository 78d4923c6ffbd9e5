/* MS-CHAPv2 (RFC 2759) as the peer computes it, and its keys (RFC 3079 3.4, draft-kamath-pppext-
 * eap-mschapv2): the NT-Response to the server's challenge, the authenticator response the server
 * must send back ("S=..."), and the EAP MSK. Over OpenSSL libcrypto only: MD4 and DES come from
 * OpenSSL 3's legacy provider, loaded in a library context of this module's own (the process's
 * default context is left as it is). When the legacy provider is missing every function returns
 * MSCHAPV2_UNAVAILABLE and the caller records that the check could not be made.
 *
 *   PasswordHash      = MD4(UTF-16LE(password))
 *   ChallengeHash     = SHA1(PeerChallenge | AuthenticatorChallenge | UserName)[0..8)
 *   NT-Response       = DES(ChallengeHash) with the three 7-byte slices of PasswordHash | 0^5
 *   AuthenticatorResp = "S=" hex(SHA1(SHA1(PasswordHashHash | NT-Response | Magic1) | ChallengeHash | Magic2))
 *   MasterKey         = SHA1(PasswordHashHash | NT-Response | Magic1)[0..16)
 *   MSK               = MasterReceiveKey | MasterSendKey | 0^32 (the server's receive and send keys,
 *                       as strongSwan and hostapd compute it: 64 bytes)
 *
 * Ownership: every output goes into caller buffers; the caller wipes them (OPENSSL_cleanse).
 * The password is read only during the call and every intermediate is wiped before return. */
#ifndef VPNDIAG_CRYPTO_MSCHAPV2_H
#define VPNDIAG_CRYPTO_MSCHAPV2_H

#include <stddef.h>
#include <stdint.h>

#define MSCHAPV2_CHALLENGE_LEN 16
#define MSCHAPV2_NT_RESPONSE_LEN 24
#define MSCHAPV2_AUTH_RESPONSE_LEN 20 /* the binary value behind "S=" (40 hex digits) */
#define MSCHAPV2_MSK_LEN 64
#define MSCHAPV2_MAX_PASSWORD 256     /* characters, as Windows (RFC 2759 limits it to 256 Unicode chars) */

enum mschapv2_rc { MSCHAPV2_OK = 0, MSCHAPV2_ERROR = -1, MSCHAPV2_UNAVAILABLE = -2 };

/* Everything the peer derives from one challenge. */
struct mschapv2_peer {
	uint8_t nt_response[MSCHAPV2_NT_RESPONSE_LEN];
	uint8_t auth_response[MSCHAPV2_AUTH_RESPONSE_LEN]; /* what the server's "S=" must carry */
	uint8_t msk[MSCHAPV2_MSK_LEN];
};

/* Whether MD4 and DES are available (the legacy provider loads). */
int mschapv2_available(void);
/* The user name the challenge hash covers: the part after the last '\' of a DOMAIN\user identity
 * (RFC 2759 4; strongSwan and Windows do the same). Points into user; *out_len its length. */
const char *mschapv2_username(const char *user, size_t len, size_t *out_len);
/* NtPasswordHash (RFC 2759 8.3) of an ASCII/UTF-8 password (each byte widened to UTF-16LE, as
 * strongSwan does; non-ASCII passwords are not converted). */
int mschapv2_nt_hash(const uint8_t *password, size_t plen, uint8_t out[16]);
/* The peer's whole computation for one challenge: NT-Response, the expected authenticator response
 * and the MSK. user: the name the challenge hash covers (mschapv2_username). */
int mschapv2_peer_compute(const uint8_t auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			  const uint8_t peer_challenge[MSCHAPV2_CHALLENGE_LEN], const char *user, size_t ulen,
			  const uint8_t *password, size_t plen, struct mschapv2_peer *out);
/* RFC 3079 3.4: MasterKey and the two asymmetric start keys (16 bytes each) from PasswordHashHash
 * and NT-Response: send/receive as the server sees them (the MSK order). For the known-answer test. */
int mschapv2_master_keys(const uint8_t pw_hash_hash[16], const uint8_t nt_response[MSCHAPV2_NT_RESPONSE_LEN],
			 uint8_t master_key[16], uint8_t server_recv[16], uint8_t server_send[16]);

#endif
