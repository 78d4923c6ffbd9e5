#include "crypto/ike2_sig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "wire/ike2_inner.h"
#include "wire/wbuf.h"

static enum ike2_sig_status set(struct ike2_sig_result *res, enum ike2_sig_status st, const char *fmt, ...)
	__attribute__((format(VD_PRINTF, 3, 4)));
static enum ike2_sig_status set(struct ike2_sig_result *res, enum ike2_sig_status st, const char *fmt, ...)
{
	res->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof res->why, fmt, ap);
	va_end(ap);
	return st;
}

/* Raw r|s (each n bytes) -> DER Ecdsa-Sig-Value in out. Returns its length or -1. */
static int ecdsa_raw_to_der(const uint8_t *sig, size_t len, uint8_t *out, size_t cap)
{
	if (len == 0 || len % 2 || len > 2 * 66)
		return -1;
	size_t n = len / 2;
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)n, NULL), *ss = BN_bin2bn(sig + n, (int)n, NULL);
	int rc = -1;
	if (s && r && ss && ECDSA_SIG_set0(s, r, ss)) {
		r = ss = NULL;
		int need = i2d_ECDSA_SIG(s, NULL);
		if (need > 0 && (size_t)need <= cap) {
			uint8_t *p = out;
			rc = i2d_ECDSA_SIG(s, &p);
		}
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return rc;
}

static const char *curve_of(EVP_PKEY *pk, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	if (!EVP_PKEY_get_utf8_string_param(pk, "group", buf, cap, &n))
		buf[0] = 0;
	return buf;
}

/* EVP_DigestVerify with md (NULL for EdDSA) and RSA padding (0 = default). */
static int verify(EVP_PKEY *pk, const EVP_MD *md, int rsa_pad, const EVP_MD *pss_mgf1, int pss_salt,
		  const uint8_t *sig, size_t slen, const uint8_t *data, size_t dlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = -1;
	if (!ctx)
		return -1;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk) > 0) {
		bool setup = true;
		if (rsa_pad) {
			setup = EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_pad) > 0;
			if (setup && rsa_pad == RSA_PKCS1_PSS_PADDING)
				setup = EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, pss_mgf1) > 0 &&
					EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) > 0;
		}
		if (setup)
			ok = EVP_DigestVerify(ctx, sig, slen, data, dlen) == 1 ? 1 : 0;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* RSASSA-PSS-params (RFC 4055): the hash, MGF1 hash and salt length. */
static bool pss_params(const X509_ALGOR *alg, const EVP_MD **md, const EVP_MD **mgf1, int *salt)
{
	int ptype = 0;
	const void *pval = NULL;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	*md = EVP_sha1();
	*mgf1 = EVP_sha1();
	*salt = 20;
	if (ptype != V_ASN1_SEQUENCE)
		return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL; /* defaults */
	const ASN1_STRING *seq = pval;
	const unsigned char *p = ASN1_STRING_get0_data(seq);
	RSA_PSS_PARAMS *pp = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
	if (!pp)
		return false;
	bool ok = true;
	if (pp->hashAlgorithm) {
		const ASN1_OBJECT *o;
		X509_ALGOR_get0(&o, NULL, NULL, pp->hashAlgorithm);
		*md = EVP_get_digestbynid(OBJ_obj2nid(o));
		*mgf1 = *md;
	}
	if (pp->maskHash) {
		const ASN1_OBJECT *o;
		X509_ALGOR_get0(&o, NULL, NULL, pp->maskHash);
		*mgf1 = EVP_get_digestbynid(OBJ_obj2nid(o));
	}
	if (pp->saltLength)
		*salt = (int)ASN1_INTEGER_get(pp->saltLength);
	ok = *md && *mgf1 && *salt >= 0;
	RSA_PSS_PARAMS_free(pp);
	return ok;
}

static enum ike2_sig_status digital_sig(EVP_PKEY *pk, const uint8_t *auth, size_t alen, const uint8_t *octets,
					size_t olen, struct ike2_sig_result *res)
{
	struct rbuf r;
	uint8_t alen_asn;
	const uint8_t *algp, *sig;
	rbuf_init(&r, auth, alen);
	if (!rbuf_u8(&r, &alen_asn) || !rbuf_bytes(&r, alen_asn, &algp) || rbuf_left(&r) == 0)
		return set(res, IKE2_SIG_BAD, "RFC 7427 AUTH data too short for its AlgorithmIdentifier");
	size_t slen = rbuf_left(&r);
	rbuf_bytes(&r, slen, &sig);
	const unsigned char *p = algp;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, alen_asn);
	if (!alg || p != algp + alen_asn) {
		X509_ALGOR_free(alg);
		return set(res, IKE2_SIG_BAD, "RFC 7427 AlgorithmIdentifier does not parse");
	}
	const ASN1_OBJECT *obj;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	int nid = OBJ_obj2nid(obj);
	int base = EVP_PKEY_get_base_id(pk);
	enum ike2_sig_status st;
	int v = -1;
	if (nid == NID_rsassaPss) {
		const EVP_MD *md, *mgf1;
		int salt;
		if (base != EVP_PKEY_RSA && base != EVP_PKEY_RSA_PSS) {
			st = set(res, IKE2_SIG_BAD, "RSASSA-PSS signature but the certificate key is not RSA");
			goto out;
		}
		if (!pss_params(alg, &md, &mgf1, &salt)) {
			st = set(res, IKE2_SIG_UNCHECKED, "RSASSA-PSS parameters not understood");
			goto out;
		}
		snprintf(res->alg, sizeof res->alg, "RSASSA-PSS %s (RFC 7427)", EVP_MD_get0_name(md));
		v = verify(pk, md, RSA_PKCS1_PSS_PADDING, mgf1, salt, sig, slen, octets, olen);
	} else if (nid == NID_ED25519 || nid == NID_ED448) {
		snprintf(res->alg, sizeof res->alg, "%s (RFC 7427)", nid == NID_ED25519 ? "Ed25519" : "Ed448");
		if ((nid == NID_ED25519 && base != EVP_PKEY_ED25519) || (nid == NID_ED448 && base != EVP_PKEY_ED448)) {
			st = set(res, IKE2_SIG_BAD, "EdDSA signature but the certificate key is not of that type");
			goto out;
		}
		v = verify(pk, NULL, 0, NULL, 0, sig, slen, octets, olen);
	} else {
		int md_nid = 0, pk_nid = 0;
		if (!OBJ_find_sigid_algs(nid, &md_nid, &pk_nid) || !EVP_get_digestbynid(md_nid)) {
			st = set(res, IKE2_SIG_UNCHECKED, "signature algorithm %s not supported", OBJ_nid2sn(nid));
			goto out;
		}
		const EVP_MD *md = EVP_get_digestbynid(md_nid);
		bool rsa = pk_nid == NID_rsaEncryption, ec = pk_nid == NID_X9_62_id_ecPublicKey;
		if ((rsa && base != EVP_PKEY_RSA) || (ec && base != EVP_PKEY_EC) || (!rsa && !ec)) {
			st = set(res, IKE2_SIG_BAD, "signature algorithm %s does not fit the certificate's key", OBJ_nid2sn(nid));
			goto out;
		}
		snprintf(res->alg, sizeof res->alg, "%s %s (RFC 7427)", rsa ? "RSA PKCS#1 v1.5" : "ECDSA", EVP_MD_get0_name(md));
		v = verify(pk, md, rsa ? RSA_PKCS1_PADDING : 0, NULL, 0, sig, slen, octets, olen);
	}
	st = v == 1 ? set(res, IKE2_SIG_OK, "verified")
		    : v == 0 ? set(res, IKE2_SIG_BAD, "the signature does not verify with the certificate's key")
			     : set(res, IKE2_SIG_UNCHECKED, "OpenSSL could not run the verification");
out:
	X509_ALGOR_free(alg);
	return st;
}

enum ike2_sig_status ike2_auth_verify(uint8_t method, const uint8_t *auth, size_t alen, const uint8_t *cert_der,
				      size_t clen, const uint8_t *octets, size_t olen, struct ike2_sig_result *res)
{
	memset(res, 0, sizeof *res);
	snprintf(res->alg, sizeof res->alg, "%s", ike2_auth_method_name(method));
	if (method == IKE2_AUTH_PSK)
		return set(res, IKE2_SIG_UNCHECKED, "the server authenticated with a pre-shared key, not a certificate");
	const unsigned char *p = cert_der;
	X509 *x = d2i_X509(NULL, &p, (long)clen);
	if (!x)
		return set(res, IKE2_SIG_UNCHECKED, "the certificate does not parse");
	EVP_PKEY *pk = X509_get0_pubkey(x);
	enum ike2_sig_status st;
	char curve[32];
	if (!pk) {
		st = set(res, IKE2_SIG_UNCHECKED, "the certificate's public key is not usable");
		goto out;
	}
	int base = EVP_PKEY_get_base_id(pk);
	int v = -1;
	switch (method) {
	case IKE2_AUTH_RSA_SIG:
		if (base != EVP_PKEY_RSA) {
			st = set(res, IKE2_SIG_BAD, "AUTH method RSA but the certificate key is not RSA");
			goto out;
		}
		v = verify(pk, EVP_sha1(), RSA_PKCS1_PADDING, NULL, 0, auth, alen, octets, olen);
		break;
	case IKE2_AUTH_ECDSA_256:
	case IKE2_AUTH_ECDSA_384:
	case IKE2_AUTH_ECDSA_521: {
		const char *want = method == IKE2_AUTH_ECDSA_256 ? "P-256" : method == IKE2_AUTH_ECDSA_384 ? "P-384" : "P-521";
		const char *want2 = method == IKE2_AUTH_ECDSA_256 ? "prime256v1" : method == IKE2_AUTH_ECDSA_384 ? "secp384r1" : "secp521r1";
		const EVP_MD *md = method == IKE2_AUTH_ECDSA_256 ? EVP_sha256() : method == IKE2_AUTH_ECDSA_384 ? EVP_sha384() : EVP_sha512();
		curve_of(pk, curve, sizeof curve);
		if (base != EVP_PKEY_EC || (strcmp(curve, want) && strcmp(curve, want2))) {
			st = set(res, IKE2_SIG_BAD, "AUTH method ECDSA %s but the certificate key is %s", want,
				 base == EVP_PKEY_EC ? curve : "not EC");
			goto out;
		}
		uint8_t der[160];
		int dl = ecdsa_raw_to_der(auth, alen, der, sizeof der);
		if (dl < 0) {
			st = set(res, IKE2_SIG_BAD, "ECDSA signature of %zu bytes is not r|s", alen);
			goto out;
		}
		v = verify(pk, md, 0, NULL, 0, der, (size_t)dl, octets, olen);
		break;
	}
	case IKE2_AUTH_DIGITAL_SIG:
		st = digital_sig(pk, auth, alen, octets, olen, res);
		goto out;
	default:
		st = set(res, IKE2_SIG_UNCHECKED, "AUTH method %u is not supported", (unsigned)method);
		goto out;
	}
	st = v == 1 ? set(res, IKE2_SIG_OK, "verified")
		    : v == 0 ? set(res, IKE2_SIG_BAD, "the signature does not verify with the certificate's key")
			     : set(res, IKE2_SIG_UNCHECKED, "OpenSSL could not run the verification");
out:
	X509_free(x);
	return st;
}
