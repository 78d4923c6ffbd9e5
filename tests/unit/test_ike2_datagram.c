/* Issue 11: the IKEv2 probe's byte handling moved into wire/ (natt_strip, ike2_parse_datagram,
 * ike2_init_reply_kind, ike2_auth_reply_kind), the CERTREQ hashes as a pure function, and the
 * rules for a port that answers with something that is not IKEv2. Real vectors: strongSwan 5.9.8
 * captures (tests/unit/vectors/ikev2/), public roots (tests/unit/vectors/ike2-certreq/); hostile
 * variants are made from them by changing one field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#include "crypto/dh.h"
#include "crypto/ike2_certreq.h"
#include "crypto/ike2_sig.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"
#include "wire/ike2_inner.h"
#include "wire/ikev2.h"
#include "wire/natt.h"
#include "wire/wbuf.h"

#define VECTORS VPNDIAG_SRCDIR "/tests/unit/vectors/"

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", VECTORS, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

static struct ike2_msg M;
static char why[200];

static enum ike2_dgram parse(const uint8_t *b, size_t n, bool natt)
{
	why[0] = 0;
	return ike2_parse_datagram(b, n, natt, &M, why, sizeof why);
}

/* ---- natt.h ---- */

static void natt_marker(void **state)
{
	(void)state;
	const uint8_t ike[] = {0, 0, 0, 0, 0x11, 0x22}, esp[] = {0, 0, 0x10, 0x01, 0, 0, 0, 1}, ka[] = {0xff};
	const uint8_t *p;
	size_t n;
	assert_true(natt_strip(ike, sizeof ike, &p, &n));
	assert_ptr_equal(p, ike + 4);
	assert_int_equal(n, 2);
	assert_int_equal(natt_classify(ike, sizeof ike), NATT_IKE);
	assert_true(natt_strip(ike, 4, &p, &n)); /* the marker alone: an empty IKE message */
	assert_int_equal(n, 0);
	assert_false(natt_strip(esp, sizeof esp, &p, &n));
	assert_ptr_equal(p, esp); /* nothing stripped */
	assert_int_equal(n, sizeof esp);
	assert_int_equal(natt_classify(esp, sizeof esp), NATT_ESP);
	assert_false(natt_strip(ka, 1, &p, &n));
	assert_int_equal(natt_classify(ka, 1), NATT_KEEPALIVE);
	assert_false(natt_strip(ike, 3, &p, &n)); /* three zero bytes are not the marker */
	assert_int_equal(natt_classify(ike, 3), NATT_SHORT);
	assert_false(natt_strip(NULL, 0, &p, &n));
	assert_int_equal(n, 0);
	assert_int_equal(natt_classify(NULL, 0), NATT_SHORT);
	assert_non_null(strstr(natt_kind_name(NATT_KEEPALIVE), "keepalive"));
}

/* ---- ike2_parse_datagram over real replies, plain and behind the marker ---- */

static void datagram_real(void **state)
{
	(void)state;
	uint8_t b[2048], nb[2048];
	size_t n = load("ikev2/sa_init_resp_strongswan.bin", b, sizeof b);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_ptr_equal(M.raw, b);
	assert_int_equal(M.raw_len, n);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_ACCEPT);
	memset(nb, 0, 4);
	memcpy(nb + 4, b, n);
	assert_int_equal(parse(nb, n + 4, true), IKE2_DG_MESSAGE);
	assert_ptr_equal(M.raw, nb + 4);
	assert_int_equal(M.raw_len, n);
	/* on UDP 4500 without the marker: not IKE */
	assert_int_equal(parse(b, n, true), IKE2_DG_MALFORMED);
	assert_non_null(strstr(why, "non-ESP marker"));
	/* a keepalive is not malformed */
	const uint8_t ka = 0xff;
	assert_int_equal(parse(&ka, 1, true), IKE2_DG_KEEPALIVE);
	/* with a marker on UDP 500 the header is off by 4: malformed, never a reply */
	assert_int_equal(parse(nb, n + 4, false), IKE2_DG_MALFORMED);
}

/* Each hostile variant of a real reply must be malformed, with the parser's reason. */
static void datagram_hostile(void **state)
{
	(void)state;
	uint8_t b[2048], h[2048];
	size_t n = load("ikev2/sa_init_resp_strongswan.bin", b, sizeof b);
	/* the header Length lies (larger, smaller) */
	memcpy(h, b, n);
	h[24] = 0, h[25] = 0, h[26] = 0x10, h[27] = 0;
	assert_int_equal(parse(h, n, false), IKE2_DG_MALFORMED);
	assert_non_null(strstr(why, "Length"));
	h[26] = 0, h[27] = (uint8_t)(n - 8);
	assert_int_equal(parse(h, n, false), IKE2_DG_MALFORMED);
	/* the first payload's length lies (runs past the end) */
	memcpy(h, b, n);
	h[30] = 0xff, h[31] = 0xff;
	assert_int_equal(parse(h, n, false), IKE2_DG_MALFORMED);
	assert_non_null(strstr(why, "exceeds"));
	/* a zero-length payload (length field 0, less than its own header) */
	h[30] = 0, h[31] = 0;
	assert_int_equal(parse(h, n, false), IKE2_DG_MALFORMED);
	assert_non_null(strstr(why, "less than its 4-byte header"));
	/* a datagram cut short inside the header; an empty one; IKEv1 on the port */
	assert_int_equal(parse(b, 20, false), IKE2_DG_MALFORMED);
	assert_int_equal(parse(b, 0, false), IKE2_DG_MALFORMED);
	memcpy(h, b, n);
	h[17] = 0x10;
	assert_int_equal(parse(h, n, false), IKE2_DG_MALFORMED);
	assert_non_null(strstr(why, "not IKEv2"));
	/* cut by the path: the header says more than arrived */
	assert_int_equal(parse(b, n - 1, false), IKE2_DG_MALFORMED);
	/* junk of a flood */
	memset(h, 0xAA, 64);
	assert_int_equal(parse(h, 64, false), IKE2_DG_MALFORMED);
}

/* ---- what an IKE_SA_INIT reply is ---- */

static enum ike2_init_reply init_kind(const char *name)
{
	static uint8_t b[2048];
	size_t n = load(name, b, sizeof b);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	return ike2_init_reply_kind(&M);
}

static void init_reply_kinds(void **state)
{
	(void)state;
	assert_int_equal(init_kind("ikev2/resp_cookie_strongswan.bin"), IKE2_IR_COOKIE);
	assert_int_equal(init_kind("ikev2/resp_invalid_ke_strongswan.bin"), IKE2_IR_ERROR);
	assert_int_equal(init_kind("ikev2/resp_no_proposal_strongswan.bin"), IKE2_IR_ERROR);
	assert_int_equal(init_kind("ikev2/sa_init_resp_after_cookie_strongswan.bin"), IKE2_IR_ACCEPT);
	assert_int_equal(init_kind("ikev2/sa_init_resp_modp2048_strongswan.bin"), IKE2_IR_ACCEPT);
	/* our own request reflected: no R flag */
	assert_int_equal(init_kind("ikev2/sa_init_req_windows.bin"), IKE2_IR_NOT_RESPONSE);
	assert_non_null(strstr(ike2_init_reply_why(IKE2_IR_NOT_RESPONSE), "R flag"));
}

static void init_reply_hostile(void **state)
{
	(void)state;
	uint8_t b[2048], h[2048];
	size_t n = load("ikev2/sa_init_resp_strongswan.bin", b, sizeof b);
	/* our SPI, a full reply, but the R flag clear */
	memcpy(h, b, n);
	h[19] &= (uint8_t)~IKE2_F_RESPONSE;
	assert_int_equal(parse(h, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_NOT_RESPONSE);
	/* message ID 1, or another exchange */
	memcpy(h, b, n);
	h[23] = 1;
	assert_int_equal(parse(h, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_NOT_SA_INIT);
	memcpy(h, b, n);
	h[18] = IKE2_INFORMATIONAL;
	assert_int_equal(parse(h, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_NOT_SA_INIT);
	/* an acceptance with SPIr 0 */
	memcpy(h, b, n);
	memset(h + 8, 0, 8);
	assert_int_equal(parse(h, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_ZERO_SPI_R);
	/* a COOKIE reply with a responder SPI is still a COOKIE; COOKIE + error is the error */
	uint8_t c[256];
	size_t cn = load("ikev2/resp_cookie_strongswan.bin", c, sizeof c);
	assert_int_equal(parse(c, cn, false), IKE2_DG_MESSAGE);
	assert_int_equal(M.hdr.spi_r, 0);
	/* the strongSwan reply without its Nonce: drop the Nonce payload by shortening it to an empty
	 * one (zero-length nonce, RFC 7296 2.10 wants 16..256 bytes) */
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(M.nonce.len, 32);
	size_t off = (size_t)(M.nonce.p - b) - 4; /* its generic header */
	memcpy(h, b, off);
	h[off + 0] = b[off + 0];
	h[off + 1] = 0;
	h[off + 2] = 0;
	h[off + 3] = 4;
	memcpy(h + off + 4, b + off + 4 + 32, n - off - 4 - 32);
	size_t hn = n - 32;
	h[24] = (uint8_t)(hn >> 24), h[25] = (uint8_t)(hn >> 16), h[26] = (uint8_t)(hn >> 8), h[27] = (uint8_t)hn;
	assert_int_equal(parse(h, hn, false), IKE2_DG_MESSAGE);
	assert_int_equal(M.nonce.len, 0);
	assert_int_equal(ike2_init_reply_kind(&M), IKE2_IR_INCOMPLETE);
	assert_non_null(strstr(ike2_init_reply_why(IKE2_IR_INCOMPLETE), "16 to 256"));
}

/* ---- what a reply is while IKE_AUTH is pending ---- */

static size_t build_auth(uint8_t *out, size_t cap, uint64_t spi_i, uint64_t spi_r, uint8_t xt, uint8_t flags,
			 uint32_t mid, uint8_t pl, size_t body)
{
	struct wbuf w;
	wbuf_init(&w, out, cap);
	wbuf_u64(&w, spi_i);
	wbuf_u64(&w, spi_r);
	wbuf_u8(&w, pl);
	wbuf_u8(&w, 0x20);
	wbuf_u8(&w, xt);
	wbuf_u8(&w, flags);
	wbuf_u32(&w, mid);
	wbuf_u32(&w, (uint32_t)(28 + 4 + body));
	wbuf_u8(&w, pl == IKE2_PL_SK || pl == IKE2_PL_SKF ? IKE2_PL_IDR : 0); /* SK: the first inner payload */
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)(4 + body));
	if (pl == IKE2_PL_SKF) {
		wbuf_u16(&w, 1);
		wbuf_u16(&w, 2);
		body -= 4;
	}
	wbuf_zero(&w, body);
	assert_false(w.err);
	return w.len;
}

static void auth_reply_kinds(void **state)
{
	(void)state;
	uint8_t b[256];
	const uint64_t si = 0x0102030405060708ULL, sr = 0x1112131415161718ULL;
	size_t n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_RESPONSE, 1, IKE2_PL_SK, 64);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, false), IKE2_AR_SK);
	assert_int_equal(M.sk_iv_off, 32);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr + 1, false), IKE2_AR_NOT_OURS);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, true), IKE2_AR_QUIET); /* late, while deleting */
	n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_RESPONSE, 1, IKE2_PL_SKF, 64);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, false), IKE2_AR_SKF);
	assert_int_equal(M.sk_iv_off, 36);
	/* our SPIs but not a response (reflected request) */
	n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_INITIATOR, 1, IKE2_PL_SK, 64);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, false), IKE2_AR_NOT_OURS);
	/* message ID 2 while waiting for 1; the INFORMATIONAL response while deleting */
	n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_RESPONSE, 2, IKE2_PL_SK, 64);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, false), IKE2_AR_UNEXPECTED);
	n = build_auth(b, sizeof b, si, sr, IKE2_INFORMATIONAL, IKE2_F_RESPONSE, 2, IKE2_PL_SK, 32);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, true), IKE2_AR_DELETED);
	/* an unprotected payload: plain */
	n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_RESPONSE, 1, IKE2_PL_NONCE, 16);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(ike2_auth_reply_kind(&M, si, sr, false), IKE2_AR_PLAIN);
	/* a zero-length SK payload: nothing to open, rejected by the parser or the opener */
	n = build_auth(b, sizeof b, si, sr, IKE2_AUTH, IKE2_F_RESPONSE, 1, IKE2_PL_SK, 0);
	if (parse(b, n, false) == IKE2_DG_MESSAGE)
		assert_int_equal(M.sk.len, 0);
}

/* ---- CERTREQ hashes ---- */

static void certreq_hashes(void **state)
{
	(void)state;
	static uint8_t pem[16384];
	size_t a = load("ike2-certreq/digicert-global-root-g2.pem", pem, sizeof pem);
	size_t b = load("ike2-certreq/isrg-root-x1.pem", pem + a, sizeof pem - a);
	uint8_t h[20 * 4];
	size_t n = 0;
	/* both, in file order; an openssl-computed SHA-1 of each SubjectPublicKeyInfo */
	assert_int_equal(ike2_certreq_hashes(pem, a + b, h, 4, &n, 4), 2);
	assert_int_equal(n, 2);
	static const uint8_t digicert[20] = {0x5e, 0x8c, 0x53, 0x18, 0x22, 0x60, 0x1d, 0x56, 0x71, 0xd6,
					     0x6a, 0xa0, 0xcc, 0x64, 0xa0, 0x60, 0x07, 0x43, 0xd5, 0xa8};
	static const uint8_t isrg[20] = {0xf8, 0x16, 0x51, 0x3c, 0xfd, 0x1b, 0x44, 0x9f, 0x2e, 0x6b,
					 0x28, 0xa1, 0x97, 0x22, 0x1f, 0xb8, 0x1f, 0x51, 0x4e, 0x3c};
	assert_memory_equal(h, digicert, 20);
	assert_memory_equal(h + 20, isrg, 20);
	/* duplicates are skipped; max bounds the count */
	assert_int_equal(ike2_certreq_hashes(pem, a + b, h, 4, &n, 4), 0);
	n = 0;
	assert_int_equal(ike2_certreq_hashes(pem, a + b, h, 4, &n, 1), 1);
	assert_int_equal(n, 1);
	/* junk, an empty buffer, a cut certificate: nothing, no crash */
	n = 0;
	assert_int_equal(ike2_certreq_hashes((const uint8_t *)"not pem", 7, h, 4, &n, 4), 0);
	assert_int_equal(ike2_certreq_hashes(NULL, 0, h, 4, &n, 4), 0);
	assert_int_equal(ike2_certreq_hashes(pem, a / 2, h, 4, &n, 4), 0);
	assert_int_equal(n, 0);
}

/* ---- the server's KE: RFC 5903 8.1 (ECP-256) known answer, and hostile KE data ---- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void dh_rfc5903(void **state)
{
	(void)state;
	uint8_t i[32], gi[64], gr[64], gir[32], out[DH_MAX_PUB];
	unhex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433", i, sizeof i);
	unhex("DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	      "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3", gi, sizeof gi);
	unhex("D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	      "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB", gr, sizeof gr);
	unhex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE", gir, sizeof gir);
	struct dh_key k;
	assert_int_equal(dh_key_import(IKE2_DH_ECP256, i, sizeof i, gi, sizeof gi, &k), 0);
	assert_int_equal(dh_shared(&k, gr, sizeof gr, out, sizeof out), 32);
	assert_memory_equal(out, gir, 32);
	/* hostile KE data: one byte short, one too many, zero length, a point off the curve, all zero */
	assert_int_equal(dh_shared(&k, gr, sizeof gr - 1, out, sizeof out), -1);
	assert_int_equal(dh_shared(&k, gr, 0, out, sizeof out), -1);
	uint8_t bad[65];
	memcpy(bad, gr, 64);
	bad[64] = 0;
	assert_int_equal(dh_shared(&k, bad, 65, out, sizeof out), -1);
	bad[63] ^= 1;
	assert_int_equal(dh_shared(&k, bad, 64, out, sizeof out), -1);
	memset(bad, 0, sizeof bad);
	assert_int_equal(dh_shared(&k, bad, 64, out, sizeof out), -1);
	/* too small an output buffer */
	assert_int_equal(dh_shared(&k, gr, sizeof gr, out, 31), -1);
	dh_key_free(&k);
	/* MODP-1024 with strongSwan's real KE: a secret; with 0, 1 and p-1: refused */
	struct dh_key m;
	assert_int_equal(dh_keygen(IKE2_DH_MODP1024, &m), 0);
	static uint8_t b[2048];
	size_t n = load("ikev2/sa_init_resp_strongswan.bin", b, sizeof b);
	assert_int_equal(parse(b, n, false), IKE2_DG_MESSAGE);
	assert_int_equal(M.ke_group, IKE2_DH_MODP1024);
	assert_int_equal(dh_shared(&m, M.ke.p, M.ke.len, out, sizeof out), 128);
	uint8_t v[128];
	memset(v, 0, sizeof v);
	assert_int_equal(dh_shared(&m, v, sizeof v, out, sizeof out), -1);
	v[127] = 1;
	assert_int_equal(dh_shared(&m, v, sizeof v, out, sizeof out), -1);
	memset(v, 0xff, sizeof v); /* p - 1 ends ...fffe, so all ff is above p */
	assert_int_equal(dh_shared(&m, v, sizeof v, out, sizeof out), -1);
	dh_key_free(&m);
}

/* ---- the server's AUTH: signatures made by the OpenSSL command line (vectors/ike2-auth) ---- */

static uint8_t rsa_cert[2048], ec_cert[2048], octets[256];
static size_t rsa_len, ec_len, oct_len;

static enum ike2_sig_status verify(uint8_t method, const uint8_t *auth, size_t alen, bool ec, struct ike2_sig_result *r)
{
	return ike2_auth_verify(method, auth, alen, ec ? ec_cert : rsa_cert, ec ? ec_len : rsa_len, octets, oct_len, r);
}

/* Method 14: 1-byte length, AlgorithmIdentifier, signature. */
static size_t m14(uint8_t *out, const uint8_t *alg, size_t alen, const uint8_t *sig, size_t slen)
{
	out[0] = (uint8_t)alen;
	memcpy(out + 1, alg, alen);
	memcpy(out + 1 + alen, sig, slen);
	return 1 + alen + slen;
}

static void auth_verify_vectors(void **state)
{
	(void)state;
	rsa_len = load("ike2-auth/rsa-2048-cert.der", rsa_cert, sizeof rsa_cert);
	ec_len = load("ike2-auth/ecdsa-p256-cert.der", ec_cert, sizeof ec_cert);
	oct_len = load("ike2-auth/octets.bin", octets, sizeof octets);
	uint8_t sig1[512], sig256[512], pss[512], ecder[256], ecraw[128], algpss[128], a[1024];
	size_t l1 = load("ike2-auth/rsa-sha1.sig", sig1, sizeof sig1);
	size_t l256 = load("ike2-auth/rsa-sha256.sig", sig256, sizeof sig256);
	size_t lpss = load("ike2-auth/rsa-pss-sha256.sig", pss, sizeof pss);
	size_t lder = load("ike2-auth/ecdsa-sha256.der.sig", ecder, sizeof ecder);
	size_t lraw = load("ike2-auth/ecdsa-sha256.raw.sig", ecraw, sizeof ecraw);
	size_t lalg = load("ike2-auth/pss-sha256-algid.der", algpss, sizeof algpss);
	static const uint8_t sha256rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
	static const uint8_t ecdsa256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	struct ike2_sig_result r;
	/* method 1: RSA PKCS#1 v1.5 SHA-1 */
	assert_int_equal(verify(IKE2_AUTH_RSA_SIG, sig1, l1, false, &r), IKE2_SIG_OK);
	/* method 9: ECDSA P-256 r | s */
	assert_int_equal(lraw, 64);
	assert_int_equal(verify(IKE2_AUTH_ECDSA_256, ecraw, lraw, true, &r), IKE2_SIG_OK);
	/* method 14, RFC 7427: sha256WithRSAEncryption, RSASSA-PSS (SHA-256, salt 32), ecdsa-with-SHA256 */
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, m14(a, sha256rsa, sizeof sha256rsa, sig256, l256), false, &r), IKE2_SIG_OK);
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, m14(a, algpss, lalg, pss, lpss), false, &r), IKE2_SIG_OK);
	assert_non_null(strstr(r.alg, "PSS"));
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, m14(a, ecdsa256, sizeof ecdsa256, ecder, lder), true, &r), IKE2_SIG_OK);

	/* hostile: one flipped bit; the other certificate; a lying AlgorithmIdentifier length; an
	 * empty signature; r|s of odd length; PSS parameters with a salt that does not match */
	sig1[10] ^= 1;
	assert_int_equal(verify(IKE2_AUTH_RSA_SIG, sig1, l1, false, &r), IKE2_SIG_BAD);
	assert_int_equal(verify(IKE2_AUTH_RSA_SIG, sig1, l1, true, &r), IKE2_SIG_BAD);
	assert_int_equal(verify(IKE2_AUTH_ECDSA_256, ecraw, lraw - 1, true, &r), IKE2_SIG_BAD);
	assert_int_equal(verify(IKE2_AUTH_ECDSA_384, ecraw, lraw, true, &r), IKE2_SIG_BAD); /* wrong curve */
	size_t al = m14(a, sha256rsa, sizeof sha256rsa, sig256, l256);
	a[0] = 200; /* longer than the data */
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, al, false, &r), IKE2_SIG_BAD);
	a[0] = (uint8_t)sizeof sha256rsa;
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, 1 + sizeof sha256rsa, false, &r), IKE2_SIG_BAD); /* no signature */
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, 0, false, &r), IKE2_SIG_BAD);
	uint8_t alg2[128];
	memcpy(alg2, algpss, lalg);
	alg2[lalg - 1] = 20; /* salt 20, signed with 32 */
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, m14(a, alg2, lalg, pss, lpss), false, &r), IKE2_SIG_BAD);
	assert_int_equal(verify(IKE2_AUTH_DIGITAL_SIG, a, m14(a, ecdsa256, sizeof ecdsa256, ecder, lder), false, &r),
			 IKE2_SIG_BAD); /* ECDSA algorithm, RSA certificate */
	assert_int_equal(verify(IKE2_AUTH_PSK, a, 20, false, &r), IKE2_SIG_UNCHECKED);
	assert_int_equal(ike2_auth_verify(IKE2_AUTH_RSA_SIG, sig1, l1, octets, 5, octets, oct_len, &r), IKE2_SIG_UNCHECKED);
}

/* ---- rules: something answers, but not with IKEv2 ---- */

static struct obs_result R;
static struct diagnosis D;

static void obs(enum obs_kind k, uint16_t port, bool natt, int32_t code, int64_t value, const char *text)
{
	th_obs(&R, k, KB_P_IKEV2, port, natt, code, value, text);
}

static void reset(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	snprintf(R.host, sizeof R.host, "vpn.example.test");
	R.selected = R.probed = KB_P_IKEV2;
	R.timeout_ms = 10000;
}

static const struct finding *find(const char *cause)
{
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, cause) == 0)
			return &D.f[i];
	return NULL;
}

static void rules_malformed_not_filtered(void **state)
{
	(void)state;
	/* UDP 500 answered only with junk; UDP 4500 silent: before issue 11, "udp500-filtered" */
	reset();
	obs(OBS_IKE_MALFORMED, 500, false, 64, 1, "message is 64 bytes: header Length 2863311530 but 64 bytes received");
	obs(OBS_UDP_NO_ANSWER, 500, false, 3000, 5, NULL);
	obs(OBS_UDP_NO_ANSWER, 4500, true, 3000, 5, NULL);
	rules_evaluate(&R, &D);
	assert_null(find("udp500-filtered"));
	assert_null(find("udp500-unreachable"));
	const struct finding *f = find("ike-malformed-reply");
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "answers, but not with IKEv2"));
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(D.p[0].summary, "not with IKEv2"));
	assert_null(strstr(D.p[0].summary, "filtered"));
	assert_int_equal(D.recommended, -1);

	/* with an ICMP error too: still not "unreachable" (something answered) */
	obs(OBS_UDP_ICMP, 500, false, 3, 3, "port-unreachable");
	rules_evaluate(&R, &D);
	assert_null(find("udp500-unreachable"));
	assert_int_not_equal(D.p[0].verdict, VERDICT_WORKS);

	/* a truncated datagram counts as "something answered" too */
	reset();
	obs(OBS_UDP_TRUNCATED, 500, false, 65536, 70000, "65536 of 70000 bytes kept");
	obs(OBS_UDP_NO_ANSWER, 500, false, 3000, 5, NULL);
	rules_evaluate(&R, &D);
	assert_null(find("udp500-filtered"));
	assert_non_null(find("ike-malformed-reply"));
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);

	/* junk only on 4500 after an accepted 500: not "udp4500-filtered" */
	reset();
	obs(OBS_IKE_ACCEPTED, 500, false, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	obs(OBS_NAT_CLIENT, 500, false, 0, 1, NULL);
	obs(OBS_IKE_MALFORMED, 4500, true, 10, 1, "no non-ESP marker (ESP or not IKE)");
	obs(OBS_UDP_NO_ANSWER, 4500, true, 3000, 5, NULL);
	rules_evaluate(&R, &D);
	assert_null(find("udp4500-filtered"));
	assert_non_null(find("ike-malformed-reply"));
	assert_int_not_equal(D.p[0].verdict, VERDICT_WORKS);

	/* silence alone is still "filtered" (the rule did not go away) */
	reset();
	obs(OBS_UDP_NO_ANSWER, 500, false, 3000, 5, NULL);
	rules_evaluate(&R, &D);
	assert_non_null(find("udp500-filtered"));
	assert_null(find("ike-malformed-reply"));
	obs_result_free(&R);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(natt_marker),
		cmocka_unit_test(datagram_real),
		cmocka_unit_test(datagram_hostile),
		cmocka_unit_test(init_reply_kinds),
		cmocka_unit_test(init_reply_hostile),
		cmocka_unit_test(auth_reply_kinds),
		cmocka_unit_test(certreq_hashes),
		cmocka_unit_test(dh_rfc5903),
		cmocka_unit_test(auth_verify_vectors),
		cmocka_unit_test(rules_malformed_not_filtered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
