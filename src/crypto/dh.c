#include "crypto/dh.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
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

/* An EVP_PKEY holding the peer's public value in k's group (OpenSSL checks the point/value). */
static EVP_PKEY *peer_key(const struct group_def *g, const uint8_t *peer, size_t peer_len)
{
	EVP_PKEY *pk = NULL, *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	BIGNUM *pub = NULL, *prime = NULL, *gen = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t pt[1 + 2 * 66];
	if (!bld)
		return NULL;
	if (g->ecp) {
		if (peer_len + 1 > sizeof pt)
			goto out;
		pt[0] = 0x04;
		memcpy(pt + 1, peer, peer_len);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (!ctx || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, peer_len + 1))
			goto out;
	} else {
		params = modp_params(g);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		pub = BN_bin2bn(peer, (int)peer_len, NULL);
		if (!params || !ctx || !pub)
			goto out;
		if (!EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &prime) ||
		    !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &gen))
			goto out;
		/* 1 < y < p-1 (RFC 7296 does not say it; a y of 1 or p-1 gives a trivial secret) */
		BIGNUM *pm1 = BN_dup(prime);
		bool ok = pm1 && BN_sub_word(pm1, 1) && BN_cmp(pub, BN_value_one()) > 0 && BN_cmp(pub, pm1) < 0;
		BN_free(pm1);
		if (!ok || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, prime) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub))
			goto out;
	}
	p = OSSL_PARAM_BLD_to_param(bld);
	if (!p || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		pk = NULL;
out:
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(bld);
	BN_free(pub);
	BN_free(prime);
	BN_free(gen);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

int dh_shared(const struct dh_key *k, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t cap)
{
	const struct group_def *g = k ? find(k->group) : NULL;
	if (!g || !k->pkey || peer_len != g->len || cap < g->len)
		return -1;
	EVP_PKEY *pk = peer_key(g, peer, peer_len);
	if (!pk)
		return -1;
	int rc = -1;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	size_t n = 0;
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) > 0) {
		if (!g->ecp)
			EVP_PKEY_CTX_set_dh_pad(ctx, 1); /* g^ir left-padded to the prime length */
		if (EVP_PKEY_derive(ctx, NULL, &n) > 0 && n <= cap && n == g->len / (g->ecp ? 2 : 1) &&
		    EVP_PKEY_derive(ctx, out, &n) > 0)
			rc = (int)n;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

int dh_key_import(uint16_t group, const uint8_t *priv, size_t priv_len, const uint8_t *pub, size_t pub_len,
		  struct dh_key *k)
{
	memset(k, 0, sizeof *k);
	const struct group_def *g = find(group);
	if (!g || pub_len != g->len || pub_len > sizeof k->pub)
		return -1;
	EVP_PKEY *params = g->ecp ? NULL : modp_params(g);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	BIGNUM *bpriv = BN_bin2bn(priv, (int)priv_len, NULL), *bpub = NULL, *prime = NULL, *gen = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->ecp ? "EC" : "DH", NULL);
	uint8_t pt[1 + 2 * 66];
	int rc = -1;
	if (!bld || !bpriv || !ctx || (!g->ecp && !params))
		goto out;
	if (g->ecp) {
		pt[0] = 0x04;
		memcpy(pt + 1, pub, pub_len);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, pub_len + 1) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bpriv))
			goto out;
	} else {
		bpub = BN_bin2bn(pub, (int)pub_len, NULL);
		if (!bpub || !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &prime) ||
		    !EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &gen) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, prime) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bpub) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bpriv))
			goto out;
	}
	p = OSSL_PARAM_BLD_to_param(bld);
	if (p && EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_KEYPAIR, p) > 0) {
		k->group = group;
		memcpy(k->pub, pub, pub_len);
		k->pub_len = pub_len;
		rc = 0;
	}
out:
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bpriv);
	BN_free(bpub);
	BN_free(prime);
	BN_free(gen);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
