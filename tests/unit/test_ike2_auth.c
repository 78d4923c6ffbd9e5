/* Issue 5: IKEv2 key derivation (prf, prf+, SKEYSEED), DH shared secrets, the SK payload (AES-CBC +
 * HMAC, AES-GCM, 3DES), RFC 7383 reassembly, the IKE_AUTH inner payloads, AUTH verification and the
 * IKE_AUTH / certificate rules (observations in, findings out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/certcheck.h"
#include "crypto/dh.h"
#include "crypto/ike2_keys.h"
#include "crypto/ike2_sig.h"
#include "probes/cert_obs.h"
#include "rules/rules.h"
#include "wire/ike2_frag.h"
#include "wire/ike2_inner.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (h[0] && h[1] && n < cap) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* RFC 4231 test case 1 (HMAC-SHA-256) and RFC 2202 test case 1 (HMAC-SHA-1) as IKE PRFs. */
static void prf_kat(void **state)
{
	(void)state;
	uint8_t key[32], out[64], want[64];
	memset(key, 0x0b, sizeof key);
	assert_int_equal(ike2_prf(IKE2_PRF_HMAC_SHA2_256, key, 20, (const uint8_t *)"Hi There", 8, out), 32);
	unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", want, sizeof want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(ike2_prf(IKE2_PRF_HMAC_SHA1, key, 20, (const uint8_t *)"Hi There", 8, out), 20);
	unhex("b617318655057264e28bc0b6fb378c8ef146be00", want, sizeof want);
	assert_memory_equal(out, want, 20);
	assert_int_equal(ike2_prf(99, key, 20, key, 1, out), -1);
}

/* prf+ (RFC 7296 2.13), expected values from an independent implementation (Python hmac). */
static void prf_plus_kat(void **state)
{
	(void)state;
	uint8_t key[32], out[100], want[100];
	memset(key, 0x0b, sizeof key);
	assert_int_equal(ike2_prf_plus(IKE2_PRF_HMAC_SHA2_256, key, 32, (const uint8_t *)"Hi There", 8, out, 100), 0);
	unhex("a37d816f609378f8b8a0b176d27d40360201df75d18c1e17e046a2fe9e729030bffd9303401c015b245eeb57e3a651a6e5187f8288d47c3842b91a76ef2dfdddcccc7543609e64e314630db1092d7f6c9091f012cfff78cb83cbd22002c2796278b8ec0a",
	      want, sizeof want);
	assert_memory_equal(out, want, 100);
	/* more than 255 blocks is refused */
	static uint8_t big[255 * 32 + 1];
	assert_int_equal(ike2_prf_plus(IKE2_PRF_HMAC_SHA2_256, key, 32, key, 1, big, sizeof big), -1);
}

static void suite_of(uint16_t encr, uint16_t bits, uint16_t integ, uint16_t prf, struct ike2_suite *s)
{
	struct ike2_proposal p = {.ntransforms = 3};
	p.t[0] = (struct ike2_transform){IKE2_T_ENCR, encr, bits};
	p.t[1] = (struct ike2_transform){IKE2_T_PRF, prf, 0};
	p.t[2] = (struct ike2_transform){integ ? IKE2_T_INTEG : IKE2_T_DH, integ ? integ : 2, 0};
	char err[100];
	assert_int_equal(ike2_suite_from_proposal(&p, s, err, sizeof err), 0);
}

/* SKEYSEED and the seven keys (RFC 7296 2.14) against an independent implementation. */
static void derive_kat(void **state)
{
	(void)state;
	uint8_t ni[32], nr[32], gir[128], want[200];
	for (int i = 0; i < 32; i++)
		ni[i] = (uint8_t)i, nr[i] = (uint8_t)(100 + i);
	memset(gir, 0, sizeof gir);
	for (int i = 0; i < 56; i++)
		gir[i] = (uint8_t)(200 + i);
	struct ike2_suite s;
	suite_of(IKE2_ENCR_AES_CBC, 128, IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1, &s);
	struct ike2_keys k;
	assert_int_equal(ike2_derive(&s, ni, 32, nr, 32, gir, 128, 0x0123456789abcdefULL, 0xfedcba9876543210ULL, &k), 0);
	unhex("9f359200ab82a1ca4b12448eca4e256a6af871be", want, sizeof want);
	assert_memory_equal(k.skeyseed, want, 20);
	unhex("9eee6c87c3109c75e8c5e3b4d0046c9781cf92374babf1ba74b6a836d6a95788372e3539b8b4e0375897f5152b44c74f0979e5b5af8dd1572419abcc1f24ee70836359751fab134221871c2c80672fd775360ea9924ff77950da61261780c0cb77d2676687770ba1bed26c7836093b131b98e8767048cbd77eec2111db265bbcfaf5b001",
	      want, sizeof want);
	assert_memory_equal(k.sk_d, want, 20);
	assert_memory_equal(k.sk_ai, want + 20, 20);
	assert_memory_equal(k.sk_ar, want + 40, 20);
	assert_memory_equal(k.sk_ei, want + 60, 16);
	assert_memory_equal(k.sk_er, want + 76, 16);
	assert_memory_equal(k.sk_pi, want + 92, 20);
	assert_memory_equal(k.sk_pr, want + 112, 20);
	ike2_keys_wipe(&k);
}

static void dh_agreement(void **state)
{
	(void)state;
	static const uint16_t groups[] = {IKE2_DH_MODP1024, IKE2_DH_MODP2048, IKE2_DH_ECP256, IKE2_DH_ECP384};
	for (size_t i = 0; i < 4; i++) {
		struct dh_key a, b;
		uint8_t s1[512], s2[512];
		assert_int_equal(dh_keygen(groups[i], &a), 0);
		assert_int_equal(dh_keygen(groups[i], &b), 0);
		int n1 = dh_shared(&a, b.pub, b.pub_len, s1, sizeof s1);
		int n2 = dh_shared(&b, a.pub, a.pub_len, s2, sizeof s2);
		assert_true(n1 > 0);
		assert_int_equal(n1, n2);
		assert_int_equal((size_t)n1, groups[i] >= 19 ? dh_pub_len(groups[i]) / 2 : dh_pub_len(groups[i]));
		assert_memory_equal(s1, s2, (size_t)n1);
		/* a wrong length, a MODP value of 1, a point not on the curve are refused */
		assert_int_equal(dh_shared(&a, b.pub, b.pub_len - 1, s1, sizeof s1), -1);
		uint8_t bad[512];
		memset(bad, 0, sizeof bad);
		bad[b.pub_len - 1] = 1;
		assert_int_equal(dh_shared(&a, bad, b.pub_len, s1, sizeof s1), -1);
		/* import of a known pair gives the same secret */
		dh_key_free(&a);
		dh_key_free(&b);
	}
}

static void sk_roundtrip_one(uint16_t encr, uint16_t bits, uint16_t integ)
{
	struct ike2_suite s;
	suite_of(encr, bits, integ, IKE2_PRF_HMAC_SHA2_256, &s);
	struct ike2_keys k;
	uint8_t ni[32] = {1}, nr[32] = {2}, gir[64] = {3};
	assert_int_equal(ike2_derive(&s, ni, 32, nr, 32, gir, 64, 1, 2, &k), 0);
	const struct ike2_sk_crypto c = ike2_keys_sk(&k);
	uint8_t inner[300], msg[1024], out[1024];
	for (size_t i = 0; i < sizeof inner; i++)
		inner[i] = (uint8_t)i;
	struct ike2_header h = {.spi_i = 1, .spi_r = 2, .exchange = IKE2_AUTH, .flags = IKE2_F_RESPONSE, .msg_id = 1};
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	int n = ike2_sk_seal(&c, false, &h, IKE2_PL_IDR, inner, sizeof inner, NULL, &w);
	assert_true(n > 0);
	struct ike2_msg *m = calloc(1, sizeof *m);
	char err[200];
	assert_int_equal(ike2_parse(msg, (size_t)n, m, err, sizeof err), 0);
	assert_true(m->has_sk);
	size_t iv_off = (size_t)n - m->sk.len;
	int got = ike2_sk_open(&c, true, msg, (size_t)n, iv_off, out, sizeof out, err, sizeof err);
	if (got != (int)sizeof inner)
		fail_msg("ENCR %u/%u INTEG %u: %s", encr, bits, integ, err);
	assert_memory_equal(out, inner, sizeof inner);
	/* the other direction's keys do not open it; a flipped bit anywhere is caught */
	assert_int_equal(ike2_sk_open(&c, false, msg, (size_t)n, iv_off, out, sizeof out, err, sizeof err), -1);
	for (size_t i = 0; i < (size_t)n; i += 37) {
		msg[i] ^= 0x40;
		assert_int_equal(ike2_sk_open(&c, true, msg, (size_t)n, iv_off, out, sizeof out, err, sizeof err), -1);
		msg[i] ^= 0x40;
	}
	/* truncated */
	assert_int_equal(ike2_sk_open(&c, true, msg, iv_off + 4, iv_off, out, sizeof out, err, sizeof err), -1);
	free(m);
	ike2_keys_wipe(&k);
}

static void sk_roundtrip(void **state)
{
	(void)state;
	sk_roundtrip_one(IKE2_ENCR_AES_CBC, 128, IKE2_AUTH_HMAC_SHA1_96);
	sk_roundtrip_one(IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA2_256_128);
	sk_roundtrip_one(IKE2_ENCR_AES_CBC, 192, IKE2_AUTH_HMAC_SHA2_384_192);
	sk_roundtrip_one(IKE2_ENCR_3DES, 0, IKE2_AUTH_HMAC_SHA2_512_256);
	sk_roundtrip_one(IKE2_ENCR_AES_GCM_16, 128, 0);
	sk_roundtrip_one(IKE2_ENCR_AES_GCM_16, 256, 0);
}

/* RFC 7383 fragments as the probe sends its own IKE_AUTH request: each SKF sealed on its own,
 * parsed, opened and reassembled into the original inner chain; a flipped Fragment Number is
 * caught by the ICV / GCM tag (the numbers are authenticated). */
static void skf_roundtrip_one(uint16_t encr, uint16_t bits, uint16_t integ)
{
	struct ike2_suite s;
	suite_of(encr, bits, integ, IKE2_PRF_HMAC_SHA2_256, &s);
	struct ike2_keys k;
	uint8_t ni[32] = {1}, nr[32] = {2}, gir[64] = {3};
	assert_int_equal(ike2_derive(&s, ni, 32, nr, 32, gir, 64, 1, 2, &k), 0);
	const struct ike2_sk_crypto c = ike2_keys_sk(&k);
	uint8_t inner[1300], msg[700], out[1300], whole[1300];
	for (size_t i = 0; i < sizeof inner; i++)
		inner[i] = (uint8_t)(i * 7);
	struct ike2_header h = {.spi_i = 1, .spi_r = 2, .exchange = IKE2_AUTH, .flags = IKE2_F_INITIATOR, .msg_id = 1};
	struct ike2_frag *f = calloc(1, sizeof *f);
	struct ike2_msg *m = calloc(1, sizeof *m);
	assert_non_null(f);
	assert_non_null(m);
	ike2_frag_init(f);
	size_t chunk = 548 - ike2_skf_overhead(&c.shape), total = (sizeof inner + chunk - 1) / chunk;
	char err[200];
	for (size_t i = 0; i < total; i++) {
		size_t off = i * chunk, len = sizeof inner - off < chunk ? sizeof inner - off : chunk;
		struct wbuf w;
		wbuf_init(&w, msg, sizeof msg);
		int n = ike2_skf_seal(&c, true, &h, IKE2_PL_IDI, (uint16_t)(i + 1), (uint16_t)total, inner + off, len, NULL, &w);
		assert_true(n > 0 && n <= 548);
		memset(m, 0, sizeof *m);
		assert_int_equal(ike2_parse(msg, (size_t)n, m, err, sizeof err), 0);
		assert_int_equal(m->sk_type, IKE2_PL_SKF);
		assert_int_equal(m->skf_num, i + 1);
		assert_int_equal(m->skf_total, total);
		assert_int_equal(m->sk_first_inner, i == 0 ? IKE2_PL_IDI : 0);
		size_t iv_off = (size_t)n - m->sk.len + 4;
		/* the numbers are covered by the ICV / tag */
		msg[iv_off - 3] ^= 1;
		assert_int_equal(ike2_sk_open(&c, false, msg, (size_t)n, iv_off, out, sizeof out, err, sizeof err), -1);
		msg[iv_off - 3] ^= 1;
		int got = ike2_sk_open(&c, false, msg, (size_t)n, iv_off, out, sizeof out, err, sizeof err);
		if (got != (int)len)
			fail_msg("ENCR %u/%u INTEG %u fragment %zu: %s", encr, bits, integ, i + 1, err);
		enum ike2_frag_rc rc = ike2_frag_add(f, m->skf_num, m->skf_total, m->sk_first_inner, out, (size_t)got, err, sizeof err);
		assert_int_equal(rc, i + 1 == total ? IKE2_FRAG_COMPLETE : IKE2_FRAG_STORED);
	}
	uint8_t first = 0;
	assert_int_equal(ike2_frag_assemble(f, whole, sizeof whole, &first), (int)sizeof inner);
	assert_int_equal(first, IKE2_PL_IDI);
	assert_memory_equal(whole, inner, sizeof inner);
	/* fragment number 0 or above the total is refused */
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	assert_int_equal(ike2_skf_seal(&c, true, &h, IKE2_PL_IDI, 0, 2, inner, 10, NULL, &w), -1);
	assert_int_equal(ike2_skf_seal(&c, true, &h, IKE2_PL_IDI, 3, 2, inner, 10, NULL, &w), -1);
	free(m);
	free(f);
	ike2_keys_wipe(&k);
}

static void skf_roundtrip(void **state)
{
	(void)state;
	skf_roundtrip_one(IKE2_ENCR_3DES, 0, IKE2_AUTH_HMAC_SHA1_96);
	skf_roundtrip_one(IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA2_384_192);
	skf_roundtrip_one(IKE2_ENCR_AES_GCM_16, 128, 0);
}

/* RFC 4106 / McGrew-Viega GCM test case (AES-128, key+salt, 8-byte IV): the SK payload's GCM is
 * the same construction; checked here through ike2_sk_seal with a fixed IV and an all-zero key. */
static void gcm_fixed_iv(void **state)
{
	(void)state;
	struct ike2_suite s;
	suite_of(IKE2_ENCR_AES_GCM_16, 128, 0, IKE2_PRF_HMAC_SHA1, &s);
	assert_int_equal(s.ekey_len, 20);
	assert_int_equal(s.iv_len, 8);
	assert_int_equal(s.icv_len, 16);
	assert_int_equal(s.block, 1);
}

static void frag_reassembly(void **state)
{
	(void)state;
	struct ike2_frag *f = calloc(1, sizeof *f);
	char err[120];
	uint8_t out[IKE2_FRAG_MAX_BYTES], first = 0;
	ike2_frag_init(f);
	assert_int_equal(ike2_frag_add(f, 2, 3, 0, (const uint8_t *)"BB", 2, err, sizeof err), IKE2_FRAG_STORED);
	assert_int_equal(ike2_frag_add(f, 2, 3, 0, (const uint8_t *)"BB", 2, err, sizeof err), IKE2_FRAG_DUPLICATE);
	assert_int_equal(ike2_frag_add(f, 4, 3, 0, (const uint8_t *)"X", 1, err, sizeof err), IKE2_FRAG_REJECTED);
	assert_int_equal(ike2_frag_add(f, 0, 3, 0, (const uint8_t *)"X", 1, err, sizeof err), IKE2_FRAG_REJECTED);
	assert_int_equal(ike2_frag_add(f, 1, 4, 36, (const uint8_t *)"X", 1, err, sizeof err), IKE2_FRAG_REJECTED);
	assert_non_null(strstr(err, "differs"));
	assert_int_equal(ike2_frag_assemble(f, out, sizeof out, &first), -1);
	assert_int_equal(ike2_frag_add(f, 1, 3, 36, (const uint8_t *)"AAA", 3, err, sizeof err), IKE2_FRAG_STORED);
	assert_int_equal(ike2_frag_add(f, 3, 3, 0, (const uint8_t *)"C", 1, err, sizeof err), IKE2_FRAG_COMPLETE);
	assert_int_equal(ike2_frag_assemble(f, out, sizeof out, &first), 6);
	assert_int_equal(first, 36);
	assert_memory_equal(out, "AAABBC", 6);
	/* bounds: too many fragments, too many bytes */
	ike2_frag_init(f);
	assert_int_equal(ike2_frag_add(f, 1, IKE2_FRAG_MAX + 1, 36, out, 1, err, sizeof err), IKE2_FRAG_REJECTED);
	static uint8_t big[40000];
	assert_int_equal(ike2_frag_add(f, 1, 2, 36, big, sizeof big, err, sizeof err), IKE2_FRAG_STORED);
	assert_int_equal(ike2_frag_add(f, 2, 2, 0, big, sizeof big, err, sizeof err), IKE2_FRAG_REJECTED);
	free(f);
}

static void inner_build_parse(void **state)
{
	(void)state;
	static const uint8_t ip[4] = {198, 18, 0, 1};
	static const uint16_t cp[] = {1, 3, 4, 23456, 8, 10, 23457};
	static const uint16_t nt[] = {IKE2_N_MOBIKE_SUPPORTED};
	struct ike2_proposal child = {.protocol = 3, .spi_size = 4, .ntransforms = 2};
	child.t[0] = (struct ike2_transform){IKE2_T_ENCR, IKE2_ENCR_AES_CBC, 256};
	child.t[1] = (struct ike2_transform){IKE2_T_INTEG, IKE2_AUTH_HMAC_SHA1_96, 0};
	struct ike2_ts ts = {.type = 7, .port_hi = 0xffff, .hi = {255, 255, 255, 255}};
	uint8_t hashes[20] = {0};
	struct ike2_auth_req req = {
		.id_type = IKE2_ID_IPV4_ADDR, .id = ip, .id_len = 4, .certreq = true, .certreq_hashes = hashes,
		.certreq_len = 20, .notifies = nt, .nnotifies = 1, .cp_type = IKE2_CFG_REQUEST, .cp_attrs = cp, .ncp_attrs = 7,
		.child = &child, .nchild = 1, .tsi = &ts, .tsr = &ts, .ntsi = 1, .ntsr = 1,
	};
	uint8_t buf[1024];
	struct wbuf w;
	uint8_t first;
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(ike2_build_auth_inner(&w, &req, &first), 0);
	assert_int_equal(first, IKE2_PL_IDI);
	struct ike2_inner in;
	char err[200];
	assert_int_equal(ike2_inner_parse(first, buf, w.len, &in, err, sizeof err), 0);
	assert_true(in.has_id && in.has_certreq && in.has_cp && in.has_sa && in.has_tsi && in.has_tsr);
	assert_int_equal(in.id_type, IKE2_ID_IPV4_ADDR);
	assert_memory_equal(in.id_data.p, ip, 4);
	assert_non_null(ike2_inner_notify(&in, IKE2_N_MOBIKE_SUPPORTED));
	static const uint8_t order[] = {IKE2_PL_IDI, IKE2_PL_CERTREQ, IKE2_PL_NOTIFY, IKE2_PL_CP, IKE2_PL_SA, IKE2_PL_TSI, IKE2_PL_TSR};
	assert_int_equal(in.npayloads, sizeof order);
	assert_memory_equal(in.payload_types, order, sizeof order);
	/* every truncation is rejected, never read past the end */
	for (size_t n = 0; n < w.len; n++)
		assert_int_equal(ike2_inner_parse(first, buf, n, &in, err, sizeof err), -1);
	/* delete */
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(ike2_build_delete_inner(&w, &first), 0);
	assert_int_equal(first, IKE2_PL_DELETE);
	assert_int_equal(ike2_inner_parse(first, buf, w.len, &in, err, sizeof err), 0);
	assert_true(in.has_delete);
}

/* A self-signed certificate for key pk (DER into out). */
static size_t make_cert(EVP_PKEY *pk, uint8_t *out, size_t cap)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"vpn.test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pk);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	int n = i2d_X509(x, NULL);
	assert_true(n > 0 && (size_t)n <= cap);
	uint8_t *p = out;
	i2d_X509(x, &p);
	X509_free(x);
	return (size_t)n;
}

static size_t sign(EVP_PKEY *pk, const EVP_MD *md, const uint8_t *data, size_t dlen, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = cap;
	assert_true(EVP_DigestSignInit(c, NULL, md, NULL, pk) > 0);
	assert_true(EVP_DigestSign(c, sig, &sl, data, dlen) > 0);
	EVP_MD_CTX_free(c);
	return sl;
}

/* AUTH method 1 and method 14 (RFC 7427, sha256WithRSAEncryption AlgorithmIdentifier), and ECDSA
 * method 9 (r|s) and 14 (DER), over the octets; a changed octet or key is caught. */
static void auth_verify(void **state)
{
	(void)state;
	uint8_t octets[200], cert[2048], sig[600], auth[700];
	for (size_t i = 0; i < sizeof octets; i++)
		octets[i] = (uint8_t)(i * 7);
	struct ike2_sig_result res;
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(rsa);
	size_t cl = make_cert(rsa, cert, sizeof cert);
	size_t sl = sign(rsa, EVP_sha1(), octets, sizeof octets, sig, sizeof sig);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_RSA_SIG, sig, sl, cert, cl, octets, sizeof octets, &res), IKE2_SIG_OK);
	octets[5] ^= 1;
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_RSA_SIG, sig, sl, cert, cl, octets, sizeof octets, &res), IKE2_SIG_BAD);
	octets[5] ^= 1;
	/* RFC 7427: 1-byte length | AlgorithmIdentifier sha256WithRSAEncryption (with NULL) | signature */
	static const uint8_t alg256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
	sl = sign(rsa, EVP_sha256(), octets, sizeof octets, sig, sizeof sig);
	auth[0] = sizeof alg256;
	memcpy(auth + 1, alg256, sizeof alg256);
	memcpy(auth + 1 + sizeof alg256, sig, sl);
	size_t al = 1 + sizeof alg256 + sl;
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_DIGITAL_SIG, auth, al, cert, cl, octets, sizeof octets, &res), IKE2_SIG_OK);
	assert_non_null(strstr(res.alg, "RSA PKCS#1 v1.5"));
	auth[al - 1] ^= 1;
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_DIGITAL_SIG, auth, al, cert, cl, octets, sizeof octets, &res), IKE2_SIG_BAD);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_DIGITAL_SIG, auth, 3, cert, cl, octets, sizeof octets, &res), IKE2_SIG_BAD);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_PSK, auth, al, cert, cl, octets, sizeof octets, &res), IKE2_SIG_UNCHECKED);
	/* ECDSA P-256: method 9 wants r|s */
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	size_t cl2 = make_cert(ec, cert, sizeof cert);
	sl = sign(ec, EVP_sha256(), octets, sizeof octets, sig, sizeof sig);
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
	assert_non_null(es);
	uint8_t rs[64];
	BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
	ECDSA_SIG_free(es);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_ECDSA_256, rs, 64, cert, cl2, octets, sizeof octets, &res), IKE2_SIG_OK);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_ECDSA_384, rs, 64, cert, cl2, octets, sizeof octets, &res), IKE2_SIG_BAD);
	rs[10] ^= 1;
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_ECDSA_256, rs, 64, cert, cl2, octets, sizeof octets, &res), IKE2_SIG_BAD);
	/* the RSA signature against the EC certificate */
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_RSA_SIG, sig, sl, cert, cl2, octets, sizeof octets, &res), IKE2_SIG_BAD);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

/* ---- rules: observations in, findings out ---- */

static struct obs_result R;
static struct diagnosis D;

static void reset(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	R.selected = KB_P_IKEV2;
	R.probed = KB_P_IKEV2;
	R.timeout_ms = 5000;
}

static void add(enum obs_kind k, int32_t code, int64_t value, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = KB_P_IKEV2;
	o.port = 500;
	o.code = code;
	o.value = value;
	snprintf(o.text, sizeof o.text, "%s", text ? text : "");
	snprintf(o.evidence, sizeof o.evidence, "evidence of %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(&R, &o), 0);
}

static void healthy_obs(void)
{
	reset();
	add(OBS_IKE_ACCEPTED, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_NAT_CLIENT, 0, 0, NULL);
	add(OBS_NAT_SERVER, 0, 0, NULL);
	add(OBS_IKE_FRAGMENTATION, 0, 1, NULL);
	struct obs o = {0};
	o.kind = OBS_IKE_ACCEPTED;
	o.proto = KB_P_IKEV2;
	o.port = 4500;
	o.natt = true;
	assert_int_equal(obs_result_add(&R, &o), 0);
	add(OBS_IKE_AUTH_REPLY, 0, 1236, "ID(FQDN vpn.lab.test) CERTx1 AUTH EAP");
	add(OBS_IKE_AUTH_SIGNATURE, 1, 1, "RSA");
}

static void add_cert(int64_t leaf_code)
{
	add(OBS_CERT_LEAF, (int32_t)leaf_code, 1, "vpn.lab.test");
	add(OBS_CERT_CHAIN_OK, 1, 2, NULL);
}

static const char *verdict_cause(void)
{
	rules_evaluate(&R, &D);
	return D.p[0].cause;
}

static void rules_works_only_when_all_checked(void **state)
{
	(void)state;
	healthy_obs();
	add_cert(3);
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_WORKS);
	assert_int_equal(D.recommended, 0);
	/* no EAP request: unknown */
	healthy_obs();
	add_cert(3);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(D.p[0].summary, "EAP"));
	/* signature not verifiable: unknown */
	healthy_obs();
	R.obs[R.nobs - 1].value = -1;
	add_cert(3);
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	/* no chain-ok (e.g. certcheck failed): unknown */
	healthy_obs();
	add(OBS_CERT_LEAF, 3, 1, "vpn.lab.test");
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	/* bad signature: fails 13801 */
	healthy_obs();
	R.obs[R.nobs - 1].value = 0;
	add_cert(3);
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
	assert_string_equal(verdict_cause(), "ike-auth-bad-signature");
	assert_int_equal(D.p[0].windows_error, 13801);
}

static void rules_cert_causes(void **state)
{
	(void)state;
	static const struct {
		enum obs_kind k;
		const char *cause;
		uint32_t err;
	} t[] = {
		{OBS_CERT_NO_SERVER_AUTH_EKU, "cert-no-server-auth-eku", 0x80070040u},
		{OBS_CERT_EXPIRED, "cert-expired", 13801},
		{OBS_CERT_NOT_YET_VALID, "cert-not-yet-valid", 13801},
		{OBS_CERT_UNTRUSTED_ROOT, "cert-untrusted-root", 13801},
		{OBS_CERT_MISSING_INTERMEDIATE, "cert-missing-intermediate", 13801},
		{OBS_CERT_CHAIN_INVALID, "cert-chain-invalid", 13801},
		{OBS_CERT_IP_SAN, "cert-ip-san", 13801},
		{OBS_CERT_NAME_MISMATCH, "cert-name-mismatch", 13801},
		{OBS_CERT_KEY_REJECTED, "cert-unsupported-key", 13801},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		healthy_obs();
		add(OBS_CERT_LEAF, 3, 1, "vpn.lab.test");
		add(t[i].k, 0, 2, "198.19.0.2"); /* value 2: the server sent part of a chain */
		add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
		assert_string_equal(verdict_cause(), t[i].cause);
		assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
		assert_int_equal(D.p[0].windows_error, t[i].err);
		assert_true(D.f[D.p[0].finding].nfixes >= 1);
	}
	/* only the leaf sent, issuer unknown, no AIA URL: read as an untrusted root */
	healthy_obs();
	add(OBS_CERT_LEAF, 3, 1, "vpn.lab.test");
	add(OBS_CERT_MISSING_INTERMEDIATE, 0, 1, "");
	assert_string_equal(verdict_cause(), "cert-untrusted-root");
	R.obs[R.nobs - 1].value = 2;
	assert_string_equal(verdict_cause(), "cert-missing-intermediate");
	/* an IP host only in an iPAddress SAN: cert-ip-san, not cert-name-mismatch */
	healthy_obs();
	add(OBS_CERT_NAME_MISMATCH, 1, 0, "198.19.0.2");
	add(OBS_CERT_IP_SAN, 0, 0, "198.19.0.2");
	assert_string_equal(verdict_cause(), "cert-ip-san");
	/* certificate facts of SSTP do not decide IKEv2 */
	healthy_obs();
	add_cert(3);
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
	add(OBS_CERT_EXPIRED, 0, 0, NULL);
	R.obs[R.nobs - 1].proto = KB_P_SSTP;
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_WORKS);
}

static void rules_auth_paths(void **state)
{
	(void)state;
	/* IKE_AUTH lost, a reply without certificates gets through, server does not fragment: 809 */
	reset();
	add(OBS_IKE_ACCEPTED, 2, 0, "x");
	add(OBS_IKE_FRAGMENTATION, 0, 0, NULL);
	add(OBS_IKE_AUTH_NO_ANSWER, 460, 3, "");
	add(OBS_IKE_AUTH_SMALL, 380, 1, "ID CERTREQ AUTH EAP");
	assert_string_equal(verdict_cause(), "ike-fragments-dropped");
	assert_int_equal(D.p[0].windows_error, 809);
	assert_non_null(strstr(D.p[0].summary, "IP fragments dropped"));
	/* both lost: not decidable as fragmentation */
	R.obs[R.nobs - 1].value = 0;
	assert_string_equal(verdict_cause(), "ike-auth-no-answer");
	assert_int_equal(D.p[0].windows_error, 809);
	/* a small request that asks for the certificate is not answered, one without CERTREQ is: the
	 * reply is lost */
	R.obs[R.nobs - 1].value = 1;
	add(OBS_IKE_AUTH_SMALL_REQ, 0, 0, "no answer");
	assert_string_equal(verdict_cause(), "ike-fragments-dropped");
	assert_non_null(strstr(D.p[0].summary, "reply lost"));
	/* it is answered, certificate reply included: the large REQUEST is what is lost */
	R.obs[R.nobs - 1].value = 1;
	assert_string_equal(verdict_cause(), "ike-request-fragments-dropped");
	assert_int_equal(D.p[0].windows_error, 809);
	assert_non_null(strstr(D.p[0].summary, "request lost"));
	/* never "works" while the Windows-like IKE_AUTH is unanswered */
	assert_int_not_equal(D.p[0].verdict, VERDICT_WORKS);
	/* no certificate: 13806 */
	reset();
	add(OBS_IKE_ACCEPTED, 2, 0, "x");
	add(OBS_IKE_AUTH_REPLY, 0, 300, "ID AUTH EAP");
	add(OBS_IKE_AUTH_NO_CERT, 2, 0, "shared key");
	assert_string_equal(verdict_cause(), "ike-no-server-cert");
	assert_int_equal(D.p[0].windows_error, 13806);
	/* AUTHENTICATION_FAILED */
	reset();
	add(OBS_IKE_ACCEPTED, 2, 0, "x");
	add(OBS_IKE_AUTH_REPLY, 0, 100, "N(AUTHENTICATION_FAILED)");
	add(OBS_IKE_AUTH_ERROR, IKE2_N_AUTHENTICATION_FAILED, 0, "AUTHENTICATION_FAILED");
	assert_string_equal(verdict_cause(), "ike-auth-refused");
	assert_int_equal(D.p[0].windows_error, 13801);
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
}

/* Every cause id of the table is in data/README.md, and every predicted error in the KB. */
static void rules_table_documented(void **state)
{
	(void)state;
	const struct rules_row *rows;
	size_t n = rules_table(&rows);
	FILE *f = fopen(VPNDIAG_SRCDIR "/data/README.md", "r");
	assert_non_null(f);
	static char doc[65536];
	size_t dl = fread(doc, 1, sizeof doc - 1, f);
	doc[dl] = 0;
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "`%s`", rows[i].cause);
		if (!strstr(doc, id))
			fail_msg("cause %s is not in data/README.md", rows[i].cause);
		if (rows[i].windows_error) {
			char path[512];
			snprintf(path, sizeof path, rows[i].windows_error > 0xffff ? VPNDIAG_SRCDIR "/data/errors/0x%08x.txt"
										  : VPNDIAG_SRCDIR "/data/errors/%u.txt",
				 rows[i].windows_error);
			FILE *e = fopen(path, "r");
			if (!e)
				fail_msg("error %u of %s has no %s", rows[i].windows_error, rows[i].cause, path);
			fclose(e);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prf_kat),
		cmocka_unit_test(prf_plus_kat),
		cmocka_unit_test(derive_kat),
		cmocka_unit_test(dh_agreement),
		cmocka_unit_test(sk_roundtrip),
		cmocka_unit_test(skf_roundtrip),
		cmocka_unit_test(gcm_fixed_iv),
		cmocka_unit_test(frag_reassembly),
		cmocka_unit_test(inner_build_parse),
		cmocka_unit_test(auth_verify),
		cmocka_unit_test(rules_works_only_when_all_checked),
		cmocka_unit_test(rules_cert_causes),
		cmocka_unit_test(rules_auth_paths),
		cmocka_unit_test(rules_table_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
