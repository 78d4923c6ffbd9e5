#include "crypto/mschapv2.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

/* RFC 2759 8.7 and RFC 3079 3.4 constants. */
static const char magic_auth1[] = "Magic server to client signing constant";
static const char magic_auth2[] = "Pad to make it do more than one iteration";
static const char magic_mppe1[] = "This is the MPPE Master Key";
static const char magic_mppe2[] = "On the client side, this is the send key; on the server side, it is the receive key.";
static const char magic_mppe3[] = "On the client side, this is the receive key; on the server side, it is the send key.";

/* MD4 and DES live in OpenSSL 3's legacy provider: loaded once (pthread_once: the exporter runs
 * probes in several threads), in a library context of our own (with the default provider beside
 * it), so that the process's default context is unchanged. Read-only after the load. */
static OSSL_LIB_CTX *legacy_ctx;
static EVP_MD *md4;
static EVP_CIPHER *des_ecb;
static bool legacy_ok;
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;

static void legacy_load(void)
{
	legacy_ctx = OSSL_LIB_CTX_new();
	if (!legacy_ctx)
		return;
	if (!OSSL_PROVIDER_load(legacy_ctx, "legacy") || !OSSL_PROVIDER_load(legacy_ctx, "default"))
		return;
	md4 = EVP_MD_fetch(legacy_ctx, "MD4", NULL);
	des_ecb = EVP_CIPHER_fetch(legacy_ctx, "DES-ECB", NULL);
	legacy_ok = md4 && des_ecb;
}

static bool legacy(void)
{
	return pthread_once(&legacy_once, legacy_load) == 0 && legacy_ok;
}

int mschapv2_available(void)
{
	return legacy() ? 1 : 0;
}

static int digest(const EVP_MD *md, const uint8_t *const parts[], const size_t lens[], size_t n, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int ol = 0;
	int ok = c && EVP_DigestInit_ex(c, md, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(c, parts[i], lens[i]);
	ok = ok && EVP_DigestFinal_ex(c, out, &ol);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

static int sha1(const uint8_t *const parts[], const size_t lens[], size_t n, uint8_t out[20])
{
	return digest(EVP_sha1(), parts, lens, n, out);
}

const char *mschapv2_username(const char *user, size_t len, size_t *out_len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++)
		if (user[i] == '\\')
			start = i + 1;
	*out_len = len - start;
	return user + start;
}

int mschapv2_nt_hash(const uint8_t *password, size_t plen, uint8_t out[16])
{
	if (!legacy())
		return MSCHAPV2_UNAVAILABLE;
	if (plen > MSCHAPV2_MAX_PASSWORD)
		return MSCHAPV2_ERROR;
	uint8_t wide[2 * MSCHAPV2_MAX_PASSWORD];
	for (size_t i = 0; i < plen; i++) {
		wide[2 * i] = password[i];
		wide[2 * i + 1] = 0;
	}
	const uint8_t *p[] = {wide};
	size_t l[] = {2 * plen};
	int rc = digest(md4, p, l, 1, out);
	OPENSSL_cleanse(wide, sizeof wide);
	return rc == 0 ? MSCHAPV2_OK : MSCHAPV2_ERROR;
}

/* DesEncrypt (RFC 2759 8.6): a 7-byte key spread over 8 bytes (the low bit of each is parity,
 * which DES ignores). */
static int des_block(const uint8_t clear[8], const uint8_t key7[7], uint8_t out[8])
{
	uint8_t k[8];
	k[0] = key7[0];
	for (int i = 1; i < 7; i++)
		k[i] = (uint8_t)((key7[i - 1] << (8 - i)) | (key7[i] >> i));
	k[7] = (uint8_t)(key7[6] << 1);
	for (int i = 0; i < 8; i++)
		k[i] &= 0xfe;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ol = 0, fl = 0;
	int ok = c && EVP_EncryptInit_ex(c, des_ecb, NULL, k, NULL) && EVP_CIPHER_CTX_set_padding(c, 0) &&
		 EVP_EncryptUpdate(c, out, &ol, clear, 8) && EVP_EncryptFinal_ex(c, out + ol, &fl) && ol + fl == 8;
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(k, sizeof k);
	return ok ? 0 : -1;
}

int mschapv2_master_keys(const uint8_t pw_hash_hash[16], const uint8_t nt_response[MSCHAPV2_NT_RESPONSE_LEN],
			 uint8_t master_key[16], uint8_t server_recv[16], uint8_t server_send[16])
{
	static const uint8_t pad1[40] = {0};
	uint8_t pad2[40], h[20];
	memset(pad2, 0xf2, sizeof pad2);
	const uint8_t *p[] = {pw_hash_hash, nt_response, (const uint8_t *)magic_mppe1};
	size_t l[] = {16, MSCHAPV2_NT_RESPONSE_LEN, sizeof magic_mppe1 - 1};
	if (sha1(p, l, 3, h) != 0)
		return MSCHAPV2_ERROR;
	memcpy(master_key, h, 16);
	/* GetAsymmetricStartKey: the server's receive key is Magic2, its send key Magic3. */
	const char *magic[2] = {magic_mppe2, magic_mppe3};
	uint8_t *dst[2] = {server_recv, server_send};
	for (int i = 0; i < 2; i++) {
		const uint8_t *q[] = {master_key, pad1, (const uint8_t *)magic[i], pad2};
		size_t ql[] = {16, sizeof pad1, strlen(magic[i]), sizeof pad2};
		if (sha1(q, ql, 4, h) != 0) {
			OPENSSL_cleanse(h, sizeof h);
			return MSCHAPV2_ERROR;
		}
		memcpy(dst[i], h, 16);
	}
	OPENSSL_cleanse(h, sizeof h);
	return MSCHAPV2_OK;
}

int mschapv2_peer_compute(const uint8_t auth_challenge[MSCHAPV2_CHALLENGE_LEN],
			  const uint8_t peer_challenge[MSCHAPV2_CHALLENGE_LEN], const char *user, size_t ulen,
			  const uint8_t *password, size_t plen, struct mschapv2_peer *out)
{
	uint8_t pw_hash[21] = {0}, pw_hash_hash[16], chal_hash[20], digest1[20], mk[16];
	int rc = mschapv2_nt_hash(password, plen, pw_hash);
	if (rc != MSCHAPV2_OK)
		return rc;
	rc = MSCHAPV2_ERROR;
	/* ChallengeHash (8.2) */
	const uint8_t *p[] = {peer_challenge, auth_challenge, (const uint8_t *)user};
	size_t l[] = {MSCHAPV2_CHALLENGE_LEN, MSCHAPV2_CHALLENGE_LEN, ulen};
	if (sha1(p, l, 3, chal_hash) != 0)
		goto out;
	/* ChallengeResponse (8.5): the hash zero-padded to 21 bytes, three DES keys. */
	for (int i = 0; i < 3; i++)
		if (des_block(chal_hash, pw_hash + 7 * i, out->nt_response + 8 * i) != 0)
			goto out;
	/* HashNtPasswordHash (8.4) */
	const uint8_t *q[] = {pw_hash};
	size_t ql[] = {16};
	if (digest(md4, q, ql, 1, pw_hash_hash) != 0)
		goto out;
	/* GenerateAuthenticatorResponse (8.7) */
	const uint8_t *a[] = {pw_hash_hash, out->nt_response, (const uint8_t *)magic_auth1};
	size_t al[] = {16, MSCHAPV2_NT_RESPONSE_LEN, sizeof magic_auth1 - 1};
	const uint8_t *b[] = {digest1, chal_hash, (const uint8_t *)magic_auth2};
	size_t bl[] = {20, 8, sizeof magic_auth2 - 1};
	if (sha1(a, al, 3, digest1) != 0 || sha1(b, bl, 3, out->auth_response) != 0)
		goto out;
	/* The MSK (RFC 3079 3.4; draft-kamath: MasterReceiveKey | MasterSendKey, zero padded). */
	memset(out->msk, 0, sizeof out->msk);
	rc = mschapv2_master_keys(pw_hash_hash, out->nt_response, mk, out->msk, out->msk + 16);
out:
	OPENSSL_cleanse(pw_hash, sizeof pw_hash);
	OPENSSL_cleanse(pw_hash_hash, sizeof pw_hash_hash);
	OPENSSL_cleanse(chal_hash, sizeof chal_hash);
	OPENSSL_cleanse(digest1, sizeof digest1);
	OPENSSL_cleanse(mk, sizeof mk);
	if (rc != MSCHAPV2_OK)
		OPENSSL_cleanse(out, sizeof *out);
	return rc;
}
