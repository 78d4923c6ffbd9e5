#include "crypto/dh.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

struct group_def {
	uint16_t group;
	bool ecp;
	const char *name; /* OpenSSL group / curve name, or NULL for an explicit MODP prime */
	BIGNUM *(*prime)(BIGNUM *);
	size_t len;
};

static const struct group_def groups[] = {
	{2, false, NULL, BN_get_rfc2409_prime_1024, 128},
	{5, false, NULL, BN_get_rfc3526_prime_1536, 192},
	{14, false, NULL, BN_get_rfc3526_prime_2048, 256},
	{15, false, NULL, BN_get_rfc3526_prime_3072, 384},
	{19, true, "P-256", NULL, 64},
	{20, true, "P-384", NULL, 96},
	{21, true, "P-521", NULL, 132},
	{24, false, "dh_2048_256", NULL, 256},
};

static const struct group_def *find(uint16_t group)
{
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (groups[i].group == group)
			return &groups[i];
	return NULL;
}

bool dh_group_supported(uint16_t group)
{
	return find(group) != NULL;
}

size_t dh_pub_len(uint16_t group)
{
	const struct group_def *g = find(group);
	return g ? g->len : 0;
}

static EVP_PKEY *modp_params(const struct group_def *g)
{
	EVP_PKEY *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	BIGNUM *prime = NULL, *gen = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (!bld || !ctx)
		goto out;
	if (g->name) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0))
			goto out;
	} else {
		prime = g->prime(NULL);
		gen = BN_new();
		if (!prime || !gen || !BN_set_word(gen, 2) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, prime) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
			goto out;
	}
	p = OSSL_PARAM_BLD_to_param(bld);
	if (!p || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &params, EVP_PKEY_KEY_PARAMETERS, p) <= 0)
		params = NULL;
out:
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(bld);
	BN_free(prime);
	BN_free(gen);
	EVP_PKEY_CTX_free(ctx);
	return params;
}

int dh_keygen(uint16_t group, struct dh_key *k)
{
	memset(k, 0, sizeof *k);
	const struct group_def *g = find(group);
	if (!g)
		return -1;
	k->group = group;
	if (g->ecp) {
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->name);
		if (!k->pkey)
			return -1;
		uint8_t buf[1 + 2 * 66];
		size_t n = 0;
		if (!EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &n) ||
		    n != 1 + g->len || buf[0] != 0x04) {
			dh_key_free(k);
			return -1;
		}
		memcpy(k->pub, buf + 1, g->len);
		k->pub_len = g->len;
		return 0;
	}
	EVP_PKEY *params = modp_params(g);
	if (!params)
		return -1;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	int ok = ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_keygen(ctx, &k->pkey) > 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	if (!ok) {
		dh_key_free(k);
		return -1;
	}
	BIGNUM *pub = NULL;
	if (!EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, &pub) ||
	    BN_bn2binpad(pub, k->pub, (int)g->len) != (int)g->len) {
		BN_free(pub);
		dh_key_free(k);
		return -1;
	}
	BN_free(pub);
	k->pub_len = g->len;
	return 0;
}

void dh_key_free(struct dh_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	k->pub_len = 0;
}
