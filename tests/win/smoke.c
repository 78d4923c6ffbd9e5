/* Smoke test of the Windows build's dependencies (issue 14): cross-compiled with mingw-w64
 * against the static OpenSSL and json-c that tools/win-deps.sh builds, run under Wine by
 * tests/win/smoke.sh. One ECDH P-256 agreement, one MODP-2048 DH agreement, HMAC-SHA256
 * against RFC 4231 test case 1, one json-c parse; one OK line each, exit 1 on any failure. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static EVP_PKEY *keygen(const char *alg, const char *group)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_end(),
	};
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* Derives mine x peer's public key into out; returns the secret's length, 0 on failure. */
static size_t derive(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char *out, size_t cap)
{
	size_t len = cap;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer(ctx, peer) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &len) <= 0)
		len = 0;
	EVP_PKEY_CTX_free(ctx);
	return len;
}

/* Two key pairs in GROUP, both sides' secrets equal and of EXPECT bytes. */
static int agree(const char *alg, const char *group, size_t expect)
{
	unsigned char a[512], b[512];
	EVP_PKEY *ka = keygen(alg, group), *kb = keygen(alg, group);
	size_t la = ka && kb ? derive(ka, kb, a, sizeof a) : 0;
	size_t lb = ka && kb ? derive(kb, ka, b, sizeof b) : 0;
	int ok = la == expect && lb == expect && memcmp(a, b, la) == 0;
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	printf("%s %s %s agreement (%zu-byte secret)\n", ok ? "OK" : "FAIL", alg, group, la);
	return ok;
}

static int hmac_kat(void)
{
	/* RFC 4231, 4.2: test case 1. */
	static const unsigned char want[32] = {
		0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
		0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7,
	};
	unsigned char key[20], mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	memset(key, 0x0b, sizeof key);
	int ok = HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)"Hi There", 8, mac, &len) != NULL &&
		 len == sizeof want && memcmp(mac, want, sizeof want) == 0;
	printf("%s HMAC-SHA256 RFC 4231 test case 1\n", ok ? "OK" : "FAIL");
	return ok;
}

static int json_parse(void)
{
	struct json_object *root = json_tokener_parse("{\"error\": 809, \"protocol\": \"L2TP/IPsec\"}");
	struct json_object *err = NULL, *proto = NULL;
	int ok = root != NULL && json_object_object_get_ex(root, "error", &err) &&
		 json_object_object_get_ex(root, "protocol", &proto) && json_object_get_int(err) == 809 &&
		 strcmp(json_object_get_string(proto), "L2TP/IPsec") == 0;
	json_object_put(root);
	printf("%s json-c parse\n", ok ? "OK" : "FAIL");
	return ok;
}

int main(void)
{
	printf("OK %s, json-c %s\n", OpenSSL_version(OPENSSL_VERSION), json_c_version());
	int ok = agree("EC", "P-256", 32);
	ok &= agree("DH", "modp_2048", 256);
	ok &= hmac_kat();
	ok &= json_parse();
	return ok ? 0 : 1;
}
