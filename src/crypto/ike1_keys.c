/* IKEv1 DH and phase-1 key derivation over OpenSSL 3 (crypto/ike1_keys.h). */
#include "crypto/ike1_keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "wire/ikev1.h"
#include "wire/wbuf.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error();
	return -1;
}

/* ---- hashes and prf ---- */

static const char *md_name(uint16_t hash)
{
	switch (hash) {
	case IKE1_HASH_MD5: return "MD5";
	case IKE1_HASH_SHA1: return "SHA1";
	case IKE1_HASH_SHA2_256: return "SHA256";
	case IKE1_HASH_SHA2_384: return "SHA384";
	case IKE1_HASH_SHA2_512: return "SHA512";
	default: return NULL;
	}
}

size_t ike1_hash_len(uint16_t hash)
{
	switch (hash) {
	case IKE1_HASH_MD5: return 16;
	case IKE1_HASH_SHA1: return 20;
	case IKE1_HASH_SHA2_256: return 32;
	case IKE1_HASH_SHA2_384: return 48;
	case IKE1_HASH_SHA2_512: return 64;
	default: return 0;
	}
}

struct seg {
	const uint8_t *p;
	size_t n;
};

/* HMAC over the concatenation of segs. */
static int prf_v(uint16_t hash, const uint8_t *key, size_t key_len, const struct seg *s, size_t ns, uint8_t *out,
		 size_t *outlen)
{
	const char *md = md_name(hash);
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	int rc = -1;
	size_t len = 0;
	static const uint8_t empty[1];
	if (!md)
		return -1;
	OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
				OSSL_PARAM_construct_end()};
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac || !(ctx = EVP_MAC_CTX_new(mac)))
		goto out;
	if (!EVP_MAC_init(ctx, key_len ? key : empty, key_len, params))
		goto out;
	for (size_t i = 0; i < ns; i++)
		if (s[i].n && !EVP_MAC_update(ctx, s[i].p, s[i].n))
			goto out;
	if (!EVP_MAC_final(ctx, out, &len, IKE1_HASH_MAX))
		goto out;
	*outlen = len;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (rc)
		ERR_clear_error();
	return rc;
}

/* Plain hash over the concatenation of segs. */
static int hash_v(uint16_t hash, const struct seg *s, size_t ns, uint8_t *out, size_t *outlen)
{
	const char *name = md_name(hash);
	EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int len = 0;
	int rc = -1;
	if (!name)
		return -1;
	md = EVP_MD_fetch(NULL, name, NULL);
	if (!md || !(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(ctx, md, NULL))
		goto out;
	for (size_t i = 0; i < ns; i++)
		if (s[i].n && !EVP_DigestUpdate(ctx, s[i].p, s[i].n))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &len))
		goto out;
	*outlen = len;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	if (rc)
		ERR_clear_error();
	return rc;
}

int ike1_prf(uint16_t hash, const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len,
	     uint8_t *out, size_t *outlen)
{
	struct seg s = {data, data_len};
	return prf_v(hash, key, key_len, &s, 1, out, outlen);
}

int ike1_natd(uint16_t hash, const uint8_t cky_i[8], const uint8_t cky_r[8], const uint8_t *addr,
	      size_t addr_len, uint16_t port, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t p[2] = {(uint8_t)(port >> 8), (uint8_t)port};
	uint8_t tmp[IKE1_HASH_MAX];
	size_t n = 0;
	if ((addr_len != 4 && addr_len != 16) || ike1_hash_len(hash) == 0 || outcap < ike1_hash_len(hash))
		return -1;
	struct seg s[4] = {{cky_i, 8}, {cky_r, 8}, {addr, addr_len}, {p, 2}};
	if (hash_v(hash, s, 4, tmp, &n) != 0)
		return -1;
	memcpy(out, tmp, n);
	*outlen = n;
	return 0;
}

/* ---- Diffie-Hellman ---- */

static bool is_ecp(uint16_t group)
{
	return group == IKE1_GROUP_ECP_256 || group == IKE1_GROUP_ECP_384;
}

size_t ike1_dh_pub_len(uint16_t group)
{
	switch (group) {
	case IKE1_GROUP_MODP_1024: return 128;
	case IKE1_GROUP_MODP_2048: return 256;
	case IKE1_GROUP_ECP_256: return 64;
	case IKE1_GROUP_ECP_384: return 96;
	default: return 0;
	}
}

static const char *curve_name(uint16_t group)
{
	return group == IKE1_GROUP_ECP_256 ? "P-256" : "P-384";
}

static int curve_nid(uint16_t group)
{
	return group == IKE1_GROUP_ECP_256 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

/* The MODP prime of group 2 (RFC 2409 6.2) or 14 (RFC 3526 3), from OpenSSL's own tables. */
static BIGNUM *modp_prime(uint16_t group)
{
	return group == IKE1_GROUP_MODP_1024 ? BN_get_rfc2409_prime_1024(NULL) : BN_get_rfc3526_prime_2048(NULL);
}

/* Builds an EVP_PKEY from params (selection EVP_PKEY_KEYPAIR / PUBLIC_KEY). */
static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &k, selection, params) <= 0)
		k = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* Builds a MODP key: public only (priv NULL, pub given) or a key pair (priv and pub). */
static EVP_PKEY *modp_key(uint16_t group, const BIGNUM *priv, const BIGNUM *pub)
{
	BIGNUM *p = modp_prime(group), *g = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *k = NULL;
	if (p && g && bld && BN_set_word(g, 2) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
	    (!pub || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub)) &&
	    (!priv || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)))
		k = pkey_fromdata("DH", bld,
				  priv ? EVP_PKEY_KEYPAIR : pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return k;
}

/* Our public value into dh->pub: MODP padded to the prime length, ECP x||y. */
static int export_pub(struct ike1_dh *dh)
{
	size_t want = ike1_dh_pub_len(dh->group);
	if (is_ecp(dh->group)) {
		uint8_t pt[1 + IKE1_DH_MAX];
		size_t n = 0;
		if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n) ||
		    n != want + 1 || pt[0] != 0x04)
			return -1;
		memcpy(dh->pub, pt + 1, want);
	} else {
		BIGNUM *pub = NULL;
		int ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &pub) &&
			 BN_bn2binpad(pub, dh->pub, (int)want) == (int)want;
		BN_free(pub);
		if (!ok)
			return -1;
	}
	dh->pub_len = want;
	return 0;
}

int ike1_dh_generate(struct ike1_dh *dh, uint16_t group, char *err, size_t errlen)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL;
	memset(dh, 0, sizeof *dh);
	dh->group = group;
	if (!ike1_dh_pub_len(group))
		return fail(err, errlen, "DH group %u not supported", (unsigned)group);
	if (is_ecp(group)) {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_group_name(ctx, curve_name(group)) <= 0)
			goto bad;
	} else {
		params = modp_key(group, NULL, NULL);
		if (!params || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) || EVP_PKEY_keygen_init(ctx) <= 0)
			goto bad;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0 || export_pub(dh) != 0)
		goto bad;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return 0;
bad:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	ike1_dh_free(dh);
	return fail(err, errlen, "DH group %u: key generation failed", (unsigned)group);
}

int ike1_dh_set_private(struct ike1_dh *dh, uint16_t group, const uint8_t *priv, size_t priv_len, char *err,
			size_t errlen)
{
	BIGNUM *x = NULL, *y = NULL, *p = NULL;
	BN_CTX *bnctx = NULL;
	EC_GROUP *eg = NULL;
	EC_POINT *pt = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	uint8_t enc[1 + IKE1_DH_MAX];
	int rc = -1;
	memset(dh, 0, sizeof *dh);
	dh->group = group;
	if (!ike1_dh_pub_len(group))
		return fail(err, errlen, "DH group %u not supported", (unsigned)group);
	if (!(x = BN_bin2bn(priv, (int)priv_len, NULL)) || !(bnctx = BN_CTX_new()))
		goto out;
	if (is_ecp(group)) {
		size_t n;
		if (!(eg = EC_GROUP_new_by_curve_name(curve_nid(group))) || !(pt = EC_POINT_new(eg)) ||
		    !EC_POINT_mul(eg, pt, x, NULL, NULL, bnctx))
			goto out;
		n = EC_POINT_point2oct(eg, pt, POINT_CONVERSION_UNCOMPRESSED, enc, sizeof enc, bnctx);
		if (n == 0 || !(bld = OSSL_PARAM_BLD_new()) ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve_name(group), 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x))
			goto out;
		dh->key = pkey_fromdata("EC", bld, EVP_PKEY_KEYPAIR);
	} else {
		BIGNUM *g = BN_new();
		p = modp_prime(group);
		y = BN_new();
		int ok = g && p && y && BN_set_word(g, 2) && BN_mod_exp(y, g, x, p, bnctx);
		BN_free(g);
		if (!ok)
			goto out;
		dh->key = modp_key(group, x, y);
	}
	if (dh->key && export_pub(dh) == 0)
		rc = 0;
out:
	BN_clear_free(x);
	BN_free(y);
	BN_free(p);
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(eg);
	OSSL_PARAM_BLD_free(bld);
	if (rc != 0) {
		ike1_dh_free(dh);
		return fail(err, errlen, "DH group %u: cannot set the private key", (unsigned)group);
	}
	return 0;
}

int ike1_dh_shared(const struct ike1_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t outcap,
		   size_t *outlen, char *err, size_t errlen)
{
	size_t want = ike1_dh_pub_len(dh->group);
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *y = NULL;
	uint8_t enc[1 + IKE1_DH_MAX];
	size_t n = 0;
	int rc = -1;
	if (!dh->key || !want)
		return fail(err, errlen, "no DH key");
	if (peer_len != want)
		return fail(err, errlen, "peer KE is %zu bytes, group %u needs %zu", peer_len, (unsigned)dh->group, want);
	if (is_ecp(dh->group)) {
		enc[0] = 0x04;
		memcpy(enc + 1, peer, peer_len);
		if (!(bld = OSSL_PARAM_BLD_new()) ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve_name(dh->group), 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, peer_len + 1))
			goto out;
		pk = pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY);
	} else {
		if (!(y = BN_bin2bn(peer, (int)peer_len, NULL)))
			goto out;
		pk = modp_key(dh->group, NULL, y);
	}
	if (!pk || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	if (!is_ecp(dh->group) && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive(ctx, NULL, &n) <= 0 || n > outcap || EVP_PKEY_derive(ctx, out, &n) <= 0)
		goto out;
	*outlen = n;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	if (rc != 0)
		return fail(err, errlen, "DH group %u: the peer's public value is invalid", (unsigned)dh->group);
	return 0;
}

void ike1_dh_free(struct ike1_dh *dh)
{
	EVP_PKEY_free(dh->key);
	OPENSSL_cleanse(dh, sizeof *dh);
}

/* ---- ciphers ---- */

size_t ike1_cipher_key_len(uint16_t enc, uint16_t key_bits)
{
	if (enc == IKE1_ENC_3DES_CBC)
		return 24;
	if (enc == IKE1_ENC_AES_CBC) {
		if (key_bits == 0)
			return 16; /* RFC 3602: the Key Length attribute may be omitted for 128 */
		if (key_bits == 128 || key_bits == 192 || key_bits == 256)
			return key_bits / 8u;
	}
	return 0;
}

size_t ike1_cipher_block_len(uint16_t enc)
{
	return enc == IKE1_ENC_3DES_CBC ? 8 : enc == IKE1_ENC_AES_CBC ? 16 : 0;
}

static const char *cipher_name(const struct ike1_keys *k)
{
	if (k->enc == IKE1_ENC_3DES_CBC)
		return "DES-EDE3-CBC";
	switch (k->key_len) {
	case 16: return "AES-128-CBC";
	case 24: return "AES-192-CBC";
	case 32: return "AES-256-CBC";
	default: return NULL;
	}
}

static int cbc(const struct ike1_keys *k, int encrypt, uint8_t iv[IKE1_BLOCK_MAX], const uint8_t *in, size_t len,
	       uint8_t *out)
{
	const char *name = cipher_name(k);
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t next_iv[IKE1_BLOCK_MAX];
	int n1 = 0, n2 = 0, rc = -1;
	if (!name || k->block_len == 0 || len % k->block_len || len > INT32_MAX)
		return -1;
	if (len == 0)
		return 0;
	if (!encrypt)
		memcpy(next_iv, in + len - k->block_len, k->block_len); /* in may equal out */
	c = EVP_CIPHER_fetch(NULL, name, NULL);
	if (!c || !(ctx = EVP_CIPHER_CTX_new()) || !EVP_CipherInit_ex(ctx, c, NULL, k->key, iv, encrypt) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) || !EVP_CipherUpdate(ctx, out, &n1, in, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, out + n1, &n2) || (size_t)(n1 + n2) != len)
		goto done;
	if (encrypt)
		memcpy(next_iv, out + len - k->block_len, k->block_len);
	memcpy(iv, next_iv, k->block_len);
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	if (rc)
		ERR_clear_error();
	return rc;
}

int ike1_keys_encrypt(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const uint8_t *in, size_t len,
		      uint8_t *out)
{
	return cbc(k, 1, iv, in, len, out);
}

int ike1_keys_decrypt(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const uint8_t *in, size_t len,
		      uint8_t *out)
{
	return cbc(k, 0, iv, in, len, out);
}

/* ---- phase-1 keys ---- */

int ike1_keys_derive_psk(struct ike1_keys *k, const struct ike1_keys_in *in, char *err, size_t errlen)
{
	static const uint8_t c0 = 0, c1 = 1, c2 = 2;
	size_t n = 0;
	memset(k, 0, sizeof *k);
	k->hash = in->hash;
	k->enc = in->enc;
	k->prf_len = ike1_hash_len(in->hash);
	k->key_len = ike1_cipher_key_len(in->enc, in->key_bits);
	k->block_len = ike1_cipher_block_len(in->enc);
	if (!k->prf_len || !md_name(in->hash))
		return fail(err, errlen, "hash %u not supported", (unsigned)in->hash);
	if (!k->key_len || !k->block_len)
		return fail(err, errlen, "cipher %u/%u not supported", (unsigned)in->enc, (unsigned)in->key_bits);
	if (!in->cky_i || !in->cky_r || !in->gxy || in->gxi_len > IKE1_DH_MAX || in->gxr_len > IKE1_DH_MAX)
		return fail(err, errlen, "key derivation input missing or too long");
	memcpy(k->cky_i, in->cky_i, 8);
	memcpy(k->cky_r, in->cky_r, 8);
	if (in->gxi_len)
		memcpy(k->gxi, in->gxi, in->gxi_len);
	if (in->gxr_len)
		memcpy(k->gxr, in->gxr, in->gxr_len);
	k->gxi_len = in->gxi_len;
	k->gxr_len = in->gxr_len;

	struct seg s_id[2] = {{in->ni, in->ni_len}, {in->nr, in->nr_len}};
	if (prf_v(k->hash, in->psk, in->psk_len, s_id, 2, k->skeyid, &n) != 0)
		goto bad;
	struct seg sd[4] = {{in->gxy, in->gxy_len}, {k->cky_i, 8}, {k->cky_r, 8}, {&c0, 1}};
	if (prf_v(k->hash, k->skeyid, k->prf_len, sd, 4, k->skeyid_d, &n) != 0)
		goto bad;
	struct seg sa[5] = {{k->skeyid_d, k->prf_len}, {in->gxy, in->gxy_len}, {k->cky_i, 8}, {k->cky_r, 8}, {&c1, 1}};
	if (prf_v(k->hash, k->skeyid, k->prf_len, sa, 5, k->skeyid_a, &n) != 0)
		goto bad;
	struct seg se[5] = {{k->skeyid_a, k->prf_len}, {in->gxy, in->gxy_len}, {k->cky_i, 8}, {k->cky_r, 8}, {&c2, 1}};
	if (prf_v(k->hash, k->skeyid, k->prf_len, se, 5, k->skeyid_e, &n) != 0)
		goto bad;

	/* RFC 2409 Appendix B: expand SKEYID_e when it is shorter than the cipher key. */
	if (k->key_len <= k->prf_len) {
		memcpy(k->key, k->skeyid_e, k->key_len);
	} else {
		uint8_t kb[IKE1_HASH_MAX], prev[IKE1_HASH_MAX];
		size_t have = 0;
		struct seg s = {&c0, 1}; /* K1 = prf(SKEYID_e, 0) */
		for (int round = 0; round < 8; round++) {
			if (prf_v(k->hash, k->skeyid_e, k->prf_len, &s, 1, kb, &n) != 0)
				goto bad;
			size_t take = k->key_len - have < n ? k->key_len - have : n;
			memcpy(k->key + have, kb, take);
			have += take;
			if (have >= k->key_len)
				break;
			memcpy(prev, kb, n); /* K(i+1) = prf(SKEYID_e, Ki) */
			s.p = prev;
			s.n = n;
		}
		OPENSSL_cleanse(kb, sizeof kb);
		OPENSSL_cleanse(prev, sizeof prev);
		if (have < k->key_len)
			goto bad;
	}

	/* IV = hash(g^xi | g^xr) truncated to the block size. */
	uint8_t h[IKE1_HASH_MAX];
	struct seg si[2] = {{k->gxi, k->gxi_len}, {k->gxr, k->gxr_len}};
	if (hash_v(k->hash, si, 2, h, &n) != 0 || n < k->block_len)
		goto bad;
	memcpy(k->iv0, h, k->block_len);
	return 0;
bad:
	ike1_keys_clear(k);
	return fail(err, errlen, "key derivation failed");
}

int ike1_keys_hash_i(const struct ike1_keys *k, const uint8_t *sa_i, size_t sa_len, const uint8_t *id_i,
		     size_t id_len, uint8_t *out, size_t *outlen)
{
	struct seg s[6] = {{k->gxi, k->gxi_len}, {k->gxr, k->gxr_len}, {k->cky_i, 8},
			   {k->cky_r, 8},        {sa_i, sa_len},       {id_i, id_len}};
	return prf_v(k->hash, k->skeyid, k->prf_len, s, 6, out, outlen);
}

int ike1_keys_hash_r(const struct ike1_keys *k, const uint8_t *sa_i, size_t sa_len, const uint8_t *id_r,
		     size_t id_len, uint8_t *out, size_t *outlen)
{
	struct seg s[6] = {{k->gxr, k->gxr_len}, {k->gxi, k->gxi_len}, {k->cky_r, 8},
			   {k->cky_i, 8},        {sa_i, sa_len},       {id_r, id_len}};
	return prf_v(k->hash, k->skeyid, k->prf_len, s, 6, out, outlen);
}

int ike1_keys_hash1(const struct ike1_keys *k, uint32_t msg_id, const uint8_t *payloads, size_t len,
		    uint8_t *out, size_t *outlen)
{
	uint8_t m[4] = {(uint8_t)(msg_id >> 24), (uint8_t)(msg_id >> 16), (uint8_t)(msg_id >> 8), (uint8_t)msg_id};
	struct seg s[2] = {{m, 4}, {payloads, len}};
	return prf_v(k->hash, k->skeyid_a, k->prf_len, s, 2, out, outlen);
}

int ike1_keys_msg_iv(const struct ike1_keys *k, const uint8_t *last_block, uint32_t msg_id,
		     uint8_t iv[IKE1_BLOCK_MAX])
{
	uint8_t m[4] = {(uint8_t)(msg_id >> 24), (uint8_t)(msg_id >> 16), (uint8_t)(msg_id >> 8), (uint8_t)msg_id};
	uint8_t h[IKE1_HASH_MAX];
	size_t n = 0;
	struct seg s[2] = {{last_block, k->block_len}, {m, 4}};
	if (hash_v(k->hash, s, 2, h, &n) != 0 || n < k->block_len)
		return -1;
	memcpy(iv, h, k->block_len);
	return 0;
}

void ike1_keys_clear(struct ike1_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

int ike1_cbc_encrypt_cb(void *ctx, const uint8_t *plain, size_t len, uint8_t *out)
{
	struct ike1_cbc *c = ctx;
	return ike1_keys_encrypt(c->k, c->iv, plain, len, out);
}

int ike1_cbc_hash1_cb(void *ctx, uint32_t msg_id, const uint8_t *payloads, size_t len, uint8_t *out,
		      size_t *outlen)
{
	struct ike1_cbc *c = ctx;
	return ike1_keys_hash1(c->k, msg_id, payloads, len, out, outlen);
}

/* ---- the server's encrypted replies after MM5 ---- */

static int verdict(int res, char *why, size_t whylen, const char *fmt, ...) __attribute__((format(VD_PRINTF, 4, 5)));
static int verdict(int res, char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return res;
}

int ike1_mm6_verify(const struct ike1_keys *k, uint8_t iv[IKE1_BLOCK_MAX], const struct ike1_msg *m,
		    const uint8_t *sa_i, size_t sa_len, struct ike1_scratch *s, char *why, size_t whylen)
{
	size_t len = m->ciphertext.len, hn = 0;
	uint8_t hr[IKE1_HASH_MAX], next_iv[IKE1_BLOCK_MAX];
	char err[160];
	int res;
	if (!k->block_len || !k->prf_len)
		return verdict(-1, why, whylen, "no keys");
	if (len > sizeof s->plain)
		return verdict(-1, why, whylen, "%zu encrypted bytes: longer than the %d this probe decrypts", len,
			       IKE1_PLAIN_MAX);
	if (len == 0 || len % k->block_len)
		return verdict(0, why, whylen, "%zu encrypted bytes: not a non-zero multiple of the %zu-byte block", len,
			       k->block_len);
	memcpy(next_iv, iv, IKE1_BLOCK_MAX);
	if (ike1_keys_decrypt(k, next_iv, m->ciphertext.p, len, s->plain) != 0) {
		res = verdict(0, why, whylen, "does not decrypt");
	} else if (ike1_parse_plain(&m->hdr, s->plain, len, &s->msg, err, sizeof err) != 0) {
		res = verdict(0, why, whylen, "decrypted, does not parse: %s", err);
	} else if (!s->msg.has_id || !s->msg.has_hash) {
		res = verdict(0, why, whylen, "decrypted, but no %s", s->msg.has_id ? "HASH_R" : "IDir");
	} else if (ike1_keys_hash_r(k, sa_i, sa_len, s->msg.id.body.p, s->msg.id.body.len, hr, &hn) != 0) {
		res = verdict(-1, why, whylen, "HASH_R could not be computed");
	} else if (hn != s->msg.hash.len || CRYPTO_memcmp(hr, s->msg.hash.p, hn) != 0) {
		res = verdict(0, why, whylen, "decrypted and parsed, but HASH_R (%zu bytes) does not verify", s->msg.hash.len);
	} else {
		res = verdict(1, why, whylen, "HASH_R verified");
	}
	/* the phase-1 CBC chain moves on only when the message decrypted */
	if (res != -1 && len && len % k->block_len == 0)
		memcpy(iv, next_iv, IKE1_BLOCK_MAX);
	OPENSSL_cleanse(s->plain, sizeof s->plain);
	OPENSSL_cleanse(hr, sizeof hr);
	OPENSSL_cleanse(next_iv, sizeof next_iv);
	return res;
}

int ike1_info_verify(const struct ike1_keys *k, const uint8_t last_block[IKE1_BLOCK_MAX], const struct ike1_msg *m,
		     struct ike1_scratch *s, uint16_t *type, char *why, size_t whylen)
{
	size_t bl = k->block_len, len = m->ciphertext.len, hl = k->prf_len, wl = 0;
	uint8_t iv[IKE1_BLOCK_MAX], want[IKE1_HASH_MAX];
	struct ike1_blob hash, covered;
	char err[160];
	int res;
	*type = 0;
	if (!bl || !hl || 4 + hl <= bl)
		return verdict(-1, why, whylen, "no keys");
	if (len > sizeof s->plain)
		return verdict(-1, why, whylen, "%zu encrypted bytes: longer than the %d this probe decrypts", len,
			       IKE1_PLAIN_MAX);
	if (len == 0 || len % bl)
		return verdict(0, why, whylen, "%zu encrypted bytes: not a non-zero multiple of the %zu-byte block", len, bl);
	if (ike1_keys_msg_iv(k, last_block, m->hdr.msg_id, iv) != 0 ||
	    ike1_keys_decrypt(k, iv, m->ciphertext.p, len, s->plain) != 0) {
		res = verdict(0, why, whylen, "does not decrypt");
	} else if (ike1_parse_info_plain(&m->hdr, s->plain, len, hl, &s->msg, &hash, &covered, err, sizeof err) != 0) {
		res = verdict(0, why, whylen, "decrypted, does not parse: %s", err);
	} else if (ike1_keys_hash1(k, m->hdr.msg_id, covered.p, covered.len, want, &wl) != 0 || wl != hl) {
		res = verdict(-1, why, whylen, "HASH(1) could not be computed");
	} else {
		/* compare the HASH(1) bytes that lie after the first cipher block */
		struct rbuf r;
		const uint8_t *tail = NULL;
		rbuf_init(&r, hash.p, hash.len);
		if (hash.len != hl || !rbuf_skip(&r, bl - 4) || !rbuf_bytes(&r, hl - (bl - 4), &tail)) {
			res = verdict(0, why, whylen, "HASH(1) of the wrong length");
		} else if (CRYPTO_memcmp(tail, want + (bl - 4), hl - (bl - 4)) != 0) {
			res = verdict(0, why, whylen, "decrypted and parsed, but HASH(1) does not verify");
		} else {
			res = verdict(1, why, whylen, "HASH(1) verified");
			const struct ike1_notify_pl *n = s->msg.nnotifies ? &s->msg.notifies[0] : NULL;
			*type = n ? n->type : 0;
		}
	}
	OPENSSL_cleanse(s->plain, sizeof s->plain);
	OPENSSL_cleanse(want, sizeof want);
	OPENSSL_cleanse(iv, sizeof iv);
	return res;
}
