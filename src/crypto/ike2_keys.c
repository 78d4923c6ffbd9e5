#include "crypto/ike2_keys.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static const EVP_MD *prf_md(uint16_t prf)
{
	switch (prf) {
	case IKE2_PRF_HMAC_SHA1: return EVP_sha1();
	case IKE2_PRF_HMAC_SHA2_256: return EVP_sha256();
	case IKE2_PRF_HMAC_SHA2_384: return EVP_sha384();
	case IKE2_PRF_HMAC_SHA2_512: return EVP_sha512();
	default: return NULL;
	}
}

static const EVP_MD *integ_md(uint16_t integ, size_t *icv, size_t *klen)
{
	switch (integ) {
	case IKE2_AUTH_HMAC_SHA1_96: *icv = 12; *klen = 20; return EVP_sha1();
	case IKE2_AUTH_HMAC_SHA2_256_128: *icv = 16; *klen = 32; return EVP_sha256();
	case IKE2_AUTH_HMAC_SHA2_384_192: *icv = 24; *klen = 48; return EVP_sha384();
	case IKE2_AUTH_HMAC_SHA2_512_256: *icv = 32; *klen = 64; return EVP_sha512();
	default: return NULL;
	}
}

static const EVP_CIPHER *cipher(const struct ike2_suite *s)
{
	if (s->encr == IKE2_ENCR_3DES)
		return EVP_des_ede3_cbc();
	if (s->encr == IKE2_ENCR_AES_CBC)
		return s->encr_bits == 128 ? EVP_aes_128_cbc() : s->encr_bits == 192 ? EVP_aes_192_cbc()
			: s->encr_bits == 256 ? EVP_aes_256_cbc() : NULL;
	if (s->encr == IKE2_ENCR_AES_GCM_16)
		return s->encr_bits == 128 ? EVP_aes_128_gcm() : s->encr_bits == 192 ? EVP_aes_192_gcm()
			: s->encr_bits == 256 ? EVP_aes_256_gcm() : NULL;
	return NULL;
}

int ike2_suite_from_proposal(const struct ike2_proposal *p, struct ike2_suite *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	bool have_e = false, have_p = false;
	for (size_t i = 0; i < p->ntransforms && i < IKE2_MAX_TRANSFORMS; i++) {
		const struct ike2_transform *t = &p->t[i];
		if (t->type == IKE2_T_ENCR && !have_e) {
			s->encr = t->id;
			s->encr_bits = t->key_len;
			have_e = true;
		} else if (t->type == IKE2_T_INTEG && !s->integ) {
			s->integ = t->id;
		} else if (t->type == IKE2_T_PRF && !have_p) {
			s->prf = t->id;
			have_p = true;
		}
	}
	if (!have_e || !have_p) {
		snprintf(err, errlen, "the chosen proposal lacks an %s transform", have_e ? "PRF" : "ENCR");
		return -1;
	}
	if (s->encr == IKE2_ENCR_3DES)
		s->encr_bits = 192;
	s->aead = s->encr == IKE2_ENCR_AES_GCM_16;
	const EVP_CIPHER *c = cipher(s);
	const EVP_MD *pm = prf_md(s->prf);
	if (!c) {
		snprintf(err, errlen, "%s is not supported", ike2_transform_name(IKE2_T_ENCR, s->encr));
		return -1;
	}
	if (!pm) {
		snprintf(err, errlen, "%s is not supported", ike2_transform_name(IKE2_T_PRF, s->prf));
		return -1;
	}
	s->prf_len = (size_t)EVP_MD_get_size(pm);
	s->ekey_len = (size_t)EVP_CIPHER_get_key_length(c);
	if (s->aead) {
		if (s->integ) {
			snprintf(err, errlen, "AES-GCM with an integrity transform");
			return -1;
		}
		s->ekey_len += 4;
		s->icv_len = 16;
		s->iv_len = 8;
		s->block = 1;
	} else {
		if (!integ_md(s->integ, &s->icv_len, &s->akey_len)) {
			snprintf(err, errlen, "%s is not supported", ike2_transform_name(IKE2_T_INTEG, s->integ));
			return -1;
		}
		s->iv_len = (size_t)EVP_CIPHER_get_iv_length(c);
		s->block = (size_t)EVP_CIPHER_get_block_size(c);
	}
	return 0;
}

int ike2_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen, uint8_t *out)
{
	const EVP_MD *md = prf_md(prf);
	unsigned int n = 0;
	if (!md || !HMAC(md, key, (int)klen, data, dlen, out, &n))
		return -1;
	return (int)n;
}

int ike2_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen, uint8_t *out,
		  size_t outlen)
{
	const EVP_MD *md = prf_md(prf);
	if (!md)
		return -1;
	size_t hl = (size_t)EVP_MD_get_size(md);
	uint8_t buf[IKE2_MAX_PRF_LEN + 1024 + 1]; /* T(n-1) | S | n */
	if (outlen > 255 * hl || slen > 1024)
		return -1;
	size_t tlen = 0, done = 0;
	int rc = 0;
	for (unsigned n = 1; done < outlen; n++) {
		unsigned int ol = 0;
		memcpy(buf + tlen, seed, slen);
		buf[tlen + slen] = (uint8_t)n;
		uint8_t t[EVP_MAX_MD_SIZE];
		if (!HMAC(md, key, (int)klen, buf, tlen + slen + 1, t, &ol) || ol != hl) {
			rc = -1;
			break;
		}
		memcpy(buf, t, ol);
		OPENSSL_cleanse(t, sizeof t);
		tlen = ol;
		size_t take = outlen - done < tlen ? outlen - done : tlen;
		memcpy(out + done, buf, take);
		done += take;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

int ike2_derive(const struct ike2_suite *s, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		const uint8_t *gir, size_t girlen, uint64_t spi_i, uint64_t spi_r, struct ike2_keys *k)
{
	memset(k, 0, sizeof *k);
	k->s = *s;
	uint8_t seed[2 * 256 + 16];
	uint8_t km[7 * IKE2_MAX_PRF_LEN];
	if (nilen > 256 || nrlen > 256 || s->prf_len > IKE2_MAX_PRF_LEN || s->akey_len > IKE2_MAX_PRF_LEN ||
	    s->ekey_len > IKE2_MAX_EKEY_LEN)
		return -1;
	memcpy(seed, ni, nilen);
	memcpy(seed + nilen, nr, nrlen);
	if (ike2_prf(s->prf, seed, nilen + nrlen, gir, girlen, k->skeyseed) != (int)s->prf_len)
		return -1;
	size_t off = nilen + nrlen;
	for (int i = 0; i < 8; i++)
		seed[off + i] = (uint8_t)(spi_i >> (56 - 8 * i));
	for (int i = 0; i < 8; i++)
		seed[off + 8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	size_t need = 3 * s->prf_len + 2 * s->akey_len + 2 * s->ekey_len;
	if (ike2_prf_plus(s->prf, k->skeyseed, s->prf_len, seed, off + 16, km, need) != 0)
		return -1;
	const uint8_t *p = km;
	memcpy(k->sk_d, p, s->prf_len), p += s->prf_len;
	memcpy(k->sk_ai, p, s->akey_len), p += s->akey_len;
	memcpy(k->sk_ar, p, s->akey_len), p += s->akey_len;
	memcpy(k->sk_ei, p, s->ekey_len), p += s->ekey_len;
	memcpy(k->sk_er, p, s->ekey_len), p += s->ekey_len;
	memcpy(k->sk_pi, p, s->prf_len), p += s->prf_len;
	memcpy(k->sk_pr, p, s->prf_len);
	OPENSSL_cleanse(km, sizeof km);
	return 0;
}

void ike2_keys_wipe(struct ike2_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

/* One EVP cipher pass (CBC without padding, or GCM) over in[0..n) into out. For GCM aad/tag are
 * used: checked when decrypting, produced when encrypting. Returns 0 or -1. */
static int crypt(const struct ike2_suite *s, const uint8_t *key, const uint8_t *iv, bool enc, const uint8_t *aad,
		 size_t aadlen, const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *c = cipher(s);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok = 0, l = 0, l2 = 0;
	uint8_t nonce[12];
	if (!c || !ctx)
		goto out;
	if (s->aead) {
		size_t kl = s->ekey_len - 4;
		memcpy(nonce, key + kl, 4);
		memcpy(nonce + 4, iv, 8);
		if (!EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) ||
		    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) ||
		    !EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc))
			goto out;
		if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag))
			goto out;
		if (aadlen && !EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aadlen))
			goto out;
	} else {
		if (!EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) || !EVP_CIPHER_CTX_set_padding(ctx, 0))
			goto out;
	}
	if (n && !EVP_CipherUpdate(ctx, out, &l, in, (int)n))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + l, &l2))
		goto out;
	if (s->aead && enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag))
		goto out;
	ok = (size_t)(l + l2) == n;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof nonce);
	return ok ? 0 : -1;
}

static int icv(const struct ike2_suite *s, const uint8_t *key, const uint8_t *data, size_t n, uint8_t *out)
{
	size_t icvl, kl;
	const EVP_MD *md = integ_md(s->integ, &icvl, &kl);
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned int ol = 0;
	if (!md || !HMAC(md, key, (int)kl, data, n, full, &ol) || ol < icvl)
		return -1;
	memcpy(out, full, icvl);
	return 0;
}

/* ---- the callbacks of wire/ike2_sk.h: ctx is the struct ike2_keys ---- */

static int sk_encrypt(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
		      uint8_t *buf, size_t len, uint8_t *tag)
{
	const struct ike2_keys *k = ctx;
	return crypt(&k->s, initiator ? k->sk_ei : k->sk_er, iv, true, aad, aadlen, buf, len, buf, tag);
}

static int sk_decrypt(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
		      const uint8_t *in, size_t len, uint8_t *out, const uint8_t *tag)
{
	const struct ike2_keys *k = ctx;
	uint8_t t[16];
	if (k->s.aead)
		memcpy(t, tag, sizeof t);
	return crypt(&k->s, initiator ? k->sk_ei : k->sk_er, iv, false, aad, aadlen, in, len, out, k->s.aead ? t : NULL);
}

static int sk_integrity(const void *ctx, bool initiator, const uint8_t *data, size_t len, uint8_t *out)
{
	const struct ike2_keys *k = ctx;
	return icv(&k->s, initiator ? k->sk_ai : k->sk_ar, data, len, out);
}

static int sk_random(uint8_t *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

struct ike2_sk_crypto ike2_keys_sk(const struct ike2_keys *k)
{
	struct ike2_sk_crypto c = {
		.shape = {.aead = k->s.aead, .iv_len = k->s.iv_len, .icv_len = k->s.icv_len, .block = k->s.block},
		.encrypt = sk_encrypt,
		.decrypt = sk_decrypt,
		.integrity = sk_integrity,
		.random = sk_random,
		.ctx = k,
	};
	return c;
}

int ike2_auth_octets(const struct ike2_keys *k, bool responder, const uint8_t *first_msg, size_t flen,
		     const uint8_t *peer_nonce, size_t nlen, const uint8_t *id_body, size_t idlen, uint8_t *out,
		     size_t cap)
{
	size_t pl = k->s.prf_len;
	if (flen + nlen + pl > cap)
		return -1;
	memcpy(out, first_msg, flen);
	memcpy(out + flen, peer_nonce, nlen);
	if (ike2_prf(k->s.prf, responder ? k->sk_pr : k->sk_pi, pl, id_body, idlen, out + flen + nlen) != (int)pl)
		return -1;
	return (int)(flen + nlen + pl);
}

int ike2_shared_key_auth(const struct ike2_keys *k, const uint8_t *key, size_t klen, const uint8_t *octets, size_t olen,
			 uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t inner[IKE2_MAX_PRF_LEN];
	int n = ike2_prf(k->s.prf, key, klen, (const uint8_t *)pad, sizeof pad - 1, inner);
	int rc = n < 0 ? -1 : ike2_prf(k->s.prf, inner, (size_t)n, octets, olen, out);
	OPENSSL_cleanse(inner, sizeof inner);
	return rc;
}

/* ---- NAT detection ---- */

void ike2_natd_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t *addr, size_t addr_len, uint16_t port,
		    uint8_t out[20])
{
	uint8_t spis[16], pb[2] = {(uint8_t)(port >> 8), (uint8_t)port};
	for (int i = 0; i < 8; i++) {
		spis[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		spis[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(ctx, spis, sizeof spis) == 1 &&
		 EVP_DigestUpdate(ctx, addr, addr_len) == 1 && EVP_DigestUpdate(ctx, pb, 2) == 1 &&
		 EVP_DigestFinal_ex(ctx, md, &n) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || n != 20)
		memset(md, 0, 20);
	memcpy(out, md, 20);
}
