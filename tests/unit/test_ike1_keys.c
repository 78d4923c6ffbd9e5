/* IKEv1 key derivation (crypto/ike1_keys): HMAC vectors through the prf (RFC 2202, RFC 4231),
 * the RFC 3947 NAT-D vector of facts 6.2, RFC 5903 section 8 ECP-256/384 DH vectors, MODP
 * agreement, and SKEYID/SKEYID_d/_a/_e, the Appendix B key expansion, IV, HASH_I/HASH_R and
 * HASH(1) against an independent reference computation (Python hmac/hashlib, the RFC 2409
 * formulas written out; inputs below). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ike1_keys.h"
#include "wire/ikev1.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (h[0] && h[1] && n < cap) {
		unsigned v;
		if (h[0] == ' ') {
			h++;
			continue;
		}
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[512];
	size_t wn = unhex(want, w, sizeof w);
	assert_int_equal(n, wn);
	assert_memory_equal(got, w, wn);
}

static void test_prf_hmac_vectors(void **state)
{
	(void)state;
	uint8_t key[131], out[64];
	size_t n = 0;
	memset(key, 0x0b, 20);
	/* RFC 2202 test case 1 (HMAC-SHA1) and RFC 4231 test case 1 (SHA-256, SHA-384) */
	assert_int_equal(ike1_prf(IKE1_HASH_SHA1, key, 20, (const uint8_t *)"Hi There", 8, out, &n), 0);
	assert_hex(out, n, "b617318655057264e28bc0b6fb378c8ef146be00");
	assert_int_equal(ike1_prf(IKE1_HASH_SHA2_256, key, 20, (const uint8_t *)"Hi There", 8, out, &n), 0);
	assert_hex(out, n, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(ike1_prf(IKE1_HASH_SHA2_384, key, 20, (const uint8_t *)"Hi There", 8, out, &n), 0);
	assert_hex(out, n,
		   "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
	/* RFC 2202 test case 2 (HMAC-MD5) */
	const char *d2 = "what do ya want for nothing?";
	assert_int_equal(ike1_prf(IKE1_HASH_MD5, (const uint8_t *)"Jefe", 4, (const uint8_t *)d2, strlen(d2), out, &n), 0);
	assert_hex(out, n, "750c783e6ab0b503eaa86e310a5db738");
	/* Keys longer than the block: RFC 2202 case 6 (SHA1, 80 bytes), RFC 4231 case 6 (SHA-256, 131) */
	const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	memset(key, 0xaa, sizeof key);
	assert_int_equal(ike1_prf(IKE1_HASH_SHA1, key, 80, (const uint8_t *)d6, strlen(d6), out, &n), 0);
	assert_hex(out, n, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	assert_int_equal(ike1_prf(IKE1_HASH_SHA2_256, key, 131, (const uint8_t *)d6, strlen(d6), out, &n), 0);
	assert_hex(out, n, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	assert_int_equal(ike1_prf(99, key, 1, key, 1, out, &n), -1);
}

static void test_natd_rfc3947(void **state)
{
	(void)state;
	const uint8_t ci[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	const uint8_t cr[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
	const uint8_t ip[4] = {198, 51, 100, 20};
	uint8_t out[64];
	size_t n = 0;
	assert_int_equal(ike1_natd(IKE1_HASH_SHA1, ci, cr, ip, 4, 500, out, sizeof out, &n), 0);
	assert_hex(out, n, "f4fb4c3283214f79ac030def00e8bff648f16cc6");
	assert_int_equal(ike1_natd(IKE1_HASH_SHA1, ci, cr, ip, 3, 500, out, sizeof out, &n), -1);
	assert_int_equal(ike1_natd(IKE1_HASH_SHA2_256, ci, cr, ip, 4, 500, out, sizeof out, &n), 0);
	assert_int_equal(n, 32);
}

struct ecp_vec {
	uint16_t group;
	const char *i, *gi, *r, *gr, *gir;
};
/* RFC 5903 section 8.1 (256-bit random ECP group) and 8.2 (384-bit); g^i / g^r as x||y. */
static const struct ecp_vec ecp_vecs[] = {
	{IKE1_GROUP_ECP_256, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	 "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	 "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	 "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	 "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	 "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	 "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
	{IKE1_GROUP_ECP_384,
	 "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
	 "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA"
	 "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
	 "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
	 "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571"
	 "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
	 "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"},
};

static void test_ecp_rfc5903(void **state)
{
	(void)state;
	char err[160];
	for (size_t v = 0; v < 2; v++) {
		const struct ecp_vec *e = &ecp_vecs[v];
		uint8_t priv[64], peer[128], sec[IKE1_DH_MAX];
		size_t pn, rn, sn = 0;
		struct ike1_dh i, r;
		pn = unhex(e->i, priv, sizeof priv);
		assert_int_equal(ike1_dh_set_private(&i, e->group, priv, pn, err, sizeof err), 0);
		assert_hex(i.pub, i.pub_len, e->gi);
		pn = unhex(e->r, priv, sizeof priv);
		assert_int_equal(ike1_dh_set_private(&r, e->group, priv, pn, err, sizeof err), 0);
		assert_hex(r.pub, r.pub_len, e->gr);
		rn = unhex(e->gr, peer, sizeof peer);
		assert_int_equal(ike1_dh_shared(&i, peer, rn, sec, sizeof sec, &sn, err, sizeof err), 0);
		assert_hex(sec, sn, e->gir);
		assert_int_equal(ike1_dh_shared(&r, i.pub, i.pub_len, sec, sizeof sec, &sn, err, sizeof err), 0);
		assert_hex(sec, sn, e->gir);
		/* A point off the curve and a wrong length are refused. */
		peer[rn - 1] ^= 1;
		assert_int_equal(ike1_dh_shared(&i, peer, rn, sec, sizeof sec, &sn, err, sizeof err), -1);
		assert_int_equal(ike1_dh_shared(&i, peer, rn - 1, sec, sizeof sec, &sn, err, sizeof err), -1);
		ike1_dh_free(&i);
		ike1_dh_free(&r);
	}
}

static void test_generate_and_agree(void **state)
{
	(void)state;
	static const uint16_t groups[] = {IKE1_GROUP_MODP_1024, IKE1_GROUP_MODP_2048, IKE1_GROUP_ECP_256,
					  IKE1_GROUP_ECP_384};
	char err[160];
	for (size_t g = 0; g < 4; g++) {
		struct ike1_dh a, b;
		uint8_t s1[IKE1_DH_MAX], s2[IKE1_DH_MAX];
		size_t n1 = 0, n2 = 0;
		assert_int_equal(ike1_dh_generate(&a, groups[g], err, sizeof err), 0);
		assert_int_equal(ike1_dh_generate(&b, groups[g], err, sizeof err), 0);
		assert_int_equal(a.pub_len, ike1_dh_pub_len(groups[g]));
		assert_int_equal(ike1_dh_shared(&a, b.pub, b.pub_len, s1, sizeof s1, &n1, err, sizeof err), 0);
		assert_int_equal(ike1_dh_shared(&b, a.pub, a.pub_len, s2, sizeof s2, &n2, err, sizeof err), 0);
		assert_int_equal(n1, n2);
		/* MODP secrets are padded to the prime length, ECP secrets are x (field length). */
		assert_int_equal(n1, groups[g] == IKE1_GROUP_MODP_1024 ? 128 : groups[g] == IKE1_GROUP_MODP_2048 ? 256
				     : groups[g] == IKE1_GROUP_ECP_256 ? 32 : 48);
		assert_memory_equal(s1, s2, n1);
		ike1_dh_free(&a);
		ike1_dh_free(&b);
	}
	struct ike1_dh x;
	assert_int_equal(ike1_dh_generate(&x, 5, err, sizeof err), -1);
	/* MODP: the value 1 and p itself are invalid peer values. */
	assert_int_equal(ike1_dh_generate(&x, IKE1_GROUP_MODP_1024, err, sizeof err), 0);
	uint8_t one[128] = {0}, s[256];
	size_t sn;
	one[127] = 1;
	assert_int_equal(ike1_dh_shared(&x, one, 128, s, sizeof s, &sn, err, sizeof err), -1);
	ike1_dh_free(&x);
}

/* Reference inputs: PSK "secret", Ni 16x11, Nr 16x22, g^xy 32x33, g^xi 64x44, g^xr 64x55,
 * CKY-I 0123456789abcdef, CKY-R fedcba9876543210, SHA1; expected values computed with Python
 * hmac/hashlib from the RFC 2409 formulas (SKEYID = prf(PSK, Ni_b|Nr_b) ...; Appendix B:
 * K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1)). */
static void test_skeyid_reference(void **state)
{
	(void)state;
	uint8_t ni[16], nr[16], gxy[32], gxi[64], gxr[64], out[64];
	const uint8_t ci[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	const uint8_t cr[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
	char err[160];
	size_t n = 0;
	memset(ni, 0x11, 16);
	memset(nr, 0x22, 16);
	memset(gxy, 0x33, 32);
	memset(gxi, 0x44, 64);
	memset(gxr, 0x55, 64);
	struct ike1_keys_in in = {.hash = IKE1_HASH_SHA1, .enc = IKE1_ENC_AES_CBC, .key_bits = 256,
				  .psk = (const uint8_t *)"secret", .psk_len = 6, .ni = ni, .ni_len = 16,
				  .nr = nr, .nr_len = 16, .gxy = gxy, .gxy_len = 32, .gxi = gxi, .gxi_len = 64,
				  .gxr = gxr, .gxr_len = 64, .cky_i = ci, .cky_r = cr};
	struct ike1_keys k;
	assert_int_equal(ike1_keys_derive_psk(&k, &in, err, sizeof err), 0);
	assert_hex(k.skeyid, k.prf_len, "d24530830c40b426af181a87c9815fc30b2fa2d4");
	assert_hex(k.skeyid_d, k.prf_len, "f56fc8bd779e007daaa13d548561a7e04525af92");
	assert_hex(k.skeyid_a, k.prf_len, "88b62a85112465e55b3a30eab4c3e13b7f59f4ac");
	assert_hex(k.skeyid_e, k.prf_len, "805bcf54faba40f36394a0c03c3b3755e2fe2b8e");
	/* 32-byte AES-256 key from a 20-byte SKEYID_e: K1 | K2 truncated (Appendix B) */
	assert_hex(k.key, k.key_len, "69655e04dc5339e737e3612a9fc03f96de214160973b710c79d1191367367eec");
	assert_hex(k.iv0, k.block_len, "314922ae25c6e7fbcdeaa406d41b66c1");
	uint8_t sai[16], idii[8], pl[10];
	unhex("00000001000000010000000801010000", sai, 16);
	unhex("011101f4c6120001", idii, 8);
	assert_int_equal(ike1_keys_hash_i(&k, sai, 16, idii, 8, out, &n), 0);
	assert_hex(out, n, "d486dd458e08fb90029ee7d275e35204e87f7f98");
	assert_int_equal(ike1_keys_hash_r(&k, sai, 16, idii, 8, out, &n), 0);
	assert_hex(out, n, "d5049cd5be94426d6f227ca492efa3a0d2f490a2");
	memset(pl, 0x99, sizeof pl);
	assert_int_equal(ike1_keys_hash1(&k, 0x0a0b0c0d, pl, sizeof pl, out, &n), 0);
	assert_hex(out, n, "23569451e404081af2637787a3ed1893aa21a529");

	/* 3DES takes the first 24 bytes of the same expansion. */
	struct ike1_keys k3;
	in.enc = IKE1_ENC_3DES_CBC;
	in.key_bits = 0;
	assert_int_equal(ike1_keys_derive_psk(&k3, &in, err, sizeof err), 0);
	assert_int_equal(k3.key_len, 24);
	assert_int_equal(k3.block_len, 8);
	assert_memory_equal(k3.key, k.key, 24);
	/* AES-128 needs no expansion: the first 16 bytes of SKEYID_e. */
	in.enc = IKE1_ENC_AES_CBC;
	in.key_bits = 128;
	assert_int_equal(ike1_keys_derive_psk(&k3, &in, err, sizeof err), 0);
	assert_memory_equal(k3.key, k.skeyid_e, 16);

	ike1_keys_clear(&k);
	static const uint8_t zero[sizeof k];
	assert_memory_equal(&k, zero, sizeof k);
	ike1_keys_clear(&k3);
	in.enc = 1; /* DES: unsupported */
	assert_int_equal(ike1_keys_derive_psk(&k3, &in, err, sizeof err), -1);
}

static void test_cbc_chain(void **state)
{
	(void)state;
	static const uint16_t enc[] = {IKE1_ENC_3DES_CBC, IKE1_ENC_AES_CBC, IKE1_ENC_AES_CBC};
	static const uint16_t bits[] = {0, 128, 256};
	uint8_t g[16];
	memset(g, 7, sizeof g);
	for (size_t c = 0; c < 3; c++) {
		char err[160];
		struct ike1_keys k;
		struct ike1_keys_in in = {.hash = IKE1_HASH_SHA2_256, .enc = enc[c], .key_bits = bits[c],
					  .psk = g, .psk_len = 16, .ni = g, .ni_len = 16, .nr = g, .nr_len = 16,
					  .gxy = g, .gxy_len = 16, .gxi = g, .gxi_len = 16, .gxr = g, .gxr_len = 16,
					  .cky_i = g, .cky_r = g};
		assert_int_equal(ike1_keys_derive_psk(&k, &in, err, sizeof err), 0);
		uint8_t pt[64], ct[64], back[64], iv_e[16], iv_d[16];
		for (size_t i = 0; i < sizeof pt; i++)
			pt[i] = (uint8_t)i;
		memcpy(iv_e, k.iv0, 16);
		memcpy(iv_d, k.iv0, 16);
		assert_int_equal(ike1_keys_encrypt(&k, iv_e, pt, 32, ct), 0);
		assert_memory_equal(iv_e, ct + 32 - k.block_len, k.block_len); /* IV chains to the last block */
		assert_int_equal(ike1_keys_encrypt(&k, iv_e, pt + 32, 32, ct + 32), 0);
		assert_int_equal(ike1_keys_decrypt(&k, iv_d, ct, 32, back), 0);
		assert_int_equal(ike1_keys_decrypt(&k, iv_d, ct + 32, 32, back + 32), 0);
		assert_memory_equal(back, pt, 64);
		assert_int_equal(ike1_keys_encrypt(&k, iv_e, pt, 5, ct), -1); /* not a block multiple */
		/* in-place decryption */
		memcpy(iv_d, k.iv0, 16);
		assert_int_equal(ike1_keys_decrypt(&k, iv_d, ct, 64, ct), 0);
		assert_memory_equal(ct, pt, 64);
		uint8_t iv2[16];
		assert_int_equal(ike1_keys_msg_iv(&k, back, 0x11223344, iv2), 0);
		ike1_keys_clear(&k);
	}
}

/* MM5 built with the real cipher callback decrypts and parses back to ID + HASH_I. */
static void test_mm5_roundtrip(void **state)
{
	(void)state;
	uint8_t g[16], buf[512], idb[16], hi[64], plain[512];
	char err[160];
	size_t hn = 0;
	memset(g, 3, sizeof g);
	struct ike1_keys k;
	struct ike1_keys_in in = {.hash = IKE1_HASH_SHA1, .enc = IKE1_ENC_AES_CBC, .key_bits = 256,
				  .psk = g, .psk_len = 16, .ni = g, .ni_len = 16, .nr = g, .nr_len = 16,
				  .gxy = g, .gxy_len = 16, .gxi = g, .gxi_len = 16, .gxr = g, .gxr_len = 16,
				  .cky_i = g, .cky_r = g};
	assert_int_equal(ike1_keys_derive_psk(&k, &in, err, sizeof err), 0);
	struct wbuf w;
	const uint8_t ip[4] = {198, 18, 0, 1};
	wbuf_init(&w, idb, sizeof idb);
	ike1_build_id_body(&w, IKE1_ID_IPV4_ADDR, 0, 0, ip, 4);
	assert_int_equal(ike1_keys_hash_i(&k, g, 16, idb, w.len, hi, &hn), 0);
	struct ike1_mm5 m5 = {.idii_body = idb, .idii_len = w.len, .hash_i = hi, .hash_len = hn};
	memcpy(m5.cky_i, g, 8);
	memcpy(m5.cky_r, g, 8);
	struct ike1_cbc cb = {.k = &k};
	memcpy(cb.iv, k.iv0, 16);
	wbuf_init(&w, buf, sizeof buf);
	int n = ike1_build_mm5(&w, &m5, k.block_len, ike1_cbc_encrypt_cb, &cb);
	assert_true(n > 28);
	static struct ike1_msg m, pm;
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_true(m.encrypted);
	uint8_t iv[16];
	memcpy(iv, k.iv0, 16);
	assert_int_equal(ike1_keys_decrypt(&k, iv, m.ciphertext.p, m.ciphertext.len, plain), 0);
	assert_memory_equal(iv, cb.iv, 16);
	assert_int_equal(ike1_parse_plain(&m.hdr, plain, m.ciphertext.len, &pm, err, sizeof err), 0);
	assert_true(pm.has_id && pm.has_hash);
	assert_memory_equal(pm.hash.p, hi, hn);
	ike1_keys_clear(&k);
}

/* ---- the server's encrypted replies after MM5 (ike1_mm6_verify, ike1_info_verify) ---- */

static struct ike1_keys K;
static struct ike1_scratch SCR;
static const uint8_t SAI[16] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8, 1, 1, 0, 0};

/* The reference keys of test_skeyid_reference (PSK "secret", SHA1, AES-256). */
static void ref_keys(struct ike1_keys *k, const char *psk)
{
	uint8_t ni[16], nr[16], gxy[32], gxi[64], gxr[64];
	const uint8_t ci[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	const uint8_t cr[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
	char err[160];
	memset(ni, 0x11, 16);
	memset(nr, 0x22, 16);
	memset(gxy, 0x33, 32);
	memset(gxi, 0x44, 64);
	memset(gxr, 0x55, 64);
	struct ike1_keys_in in = {.hash = IKE1_HASH_SHA1, .enc = IKE1_ENC_AES_CBC, .key_bits = 256,
				  .psk = (const uint8_t *)psk, .psk_len = strlen(psk), .ni = ni, .ni_len = 16,
				  .nr = nr, .nr_len = 16, .gxy = gxy, .gxy_len = 32, .gxi = gxi, .gxi_len = 64,
				  .gxr = gxr, .gxr_len = 64, .cky_i = ci, .cky_r = cr};
	assert_int_equal(ike1_keys_derive_psk(k, &in, err, sizeof err), 0);
}

/* MM6 as a responder with keys rk builds it: HDR*, IDir (ID_IPV4_ADDR 198.18.0.2, UDP 500),
 * HASH_R, encrypted with IV = the last block of MM5 (here iv). */
static size_t build_mm6(const struct ike1_keys *rk, const uint8_t iv[16], uint8_t *out, size_t cap, bool bad_hash)
{
	uint8_t idb[16], hr[64], pt[256];
	size_t hn = 0;
	const uint8_t ip[4] = {198, 18, 0, 2};
	struct wbuf w, pw;
	wbuf_init(&w, idb, sizeof idb);
	ike1_build_id_body(&w, IKE1_ID_IPV4_ADDR, 17, 500, ip, 4);
	assert_int_equal(ike1_keys_hash_r(rk, SAI, sizeof SAI, idb, w.len, hr, &hn), 0);
	if (bad_hash)
		hr[hn - 1] ^= 1;
	struct ike1_writer iw;
	uint8_t first;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_ID, idb, w.len);
	ike1_w_payload(&iw, IKE1_PL_HASH, hr, hn);
	assert_true(ike1_w_end_chain(&iw, &first) > 0);
	struct ike1_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.cky_i, rk->cky_i, 8);
	memcpy(h.cky_r, rk->cky_r, 8);
	h.exchange = IKE1_EX_IDENTITY_PROTECTION;
	struct ike1_cbc cb = {.k = rk};
	memcpy(cb.iv, iv, 16);
	struct wbuf ow;
	wbuf_init(&ow, out, cap);
	int n = ike1_build_encrypted(&ow, &h, first, pt, pw.len, rk->block_len, ike1_cbc_encrypt_cb, &cb);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_mm6_verify(void **state)
{
	(void)state;
	static struct ike1_msg m;
	struct ike1_keys wrong;
	uint8_t buf[512], iv[16], last[16];
	char err[160], why[200];
	ref_keys(&K, "secret");
	ref_keys(&wrong, "Secret");
	memset(last, 0x6c, sizeof last); /* the last cipher block of our MM5 */

	/* the right key: verified, and the CBC chain moves to MM6's last block */
	size_t n = build_mm6(&K, last, buf, sizeof buf, false);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	memcpy(iv, last, 16);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 1);
	assert_memory_equal(iv, buf + n - 16, 16);
	static const uint8_t zero[IKE1_PLAIN_MAX];
	assert_memory_equal(SCR.plain, zero, sizeof zero); /* plaintext wiped */
	/* a server with another key: does not verify (never "works") */
	n = build_mm6(&wrong, last, buf, sizeof buf, false);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	memcpy(iv, last, 16);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 0);
	/* right key, HASH_R off by one bit */
	n = build_mm6(&K, last, buf, sizeof buf, true);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	memcpy(iv, last, 16);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 0);
	assert_non_null(strstr(why, "HASH_R"));
	/* garbage encryption: random-looking blocks */
	n = build_mm6(&K, last, buf, sizeof buf, false);
	for (size_t i = 28; i < n; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	memcpy(iv, last, 16);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 0);
	/* a ciphertext that is not a block multiple (lying length), and an empty one */
	n = build_mm6(&K, last, buf, sizeof buf, false);
	buf[27] = (uint8_t)(n - 5);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	memcpy(iv, last, 16);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 0);
	assert_memory_equal(iv, last, 16); /* the chain does not move */
	buf[27] = 28;
	assert_int_equal(ike1_parse(buf, 28, &m, err, sizeof err), 0);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), 0);
	/* longer than the probe decrypts: cannot tell (-1), not a key mismatch */
	static uint8_t big[IKE1_HDR_LEN + IKE1_PLAIN_MAX + 16];
	memcpy(big, buf, 28);
	big[24] = (uint8_t)(sizeof big >> 24);
	big[25] = (uint8_t)(sizeof big >> 16);
	big[26] = (uint8_t)(sizeof big >> 8);
	big[27] = (uint8_t)sizeof big;
	assert_int_equal(ike1_parse(big, sizeof big, &m, err, sizeof err), 0);
	assert_int_equal(ike1_mm6_verify(&K, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), -1);
	/* no keys */
	struct ike1_keys none;
	memset(&none, 0, sizeof none);
	assert_int_equal(ike1_mm6_verify(&none, iv, &m, SAI, sizeof SAI, &SCR, why, sizeof why), -1);
	ike1_keys_clear(&wrong);
}

/* An encrypted Informational: HASH(1) = prf(SKEYID_a, M-ID | N), IV = hash(last block | M-ID). */
static size_t build_info(const struct ike1_keys *k, const uint8_t last[16], uint32_t mid, uint16_t type, uint8_t *out,
			 size_t cap)
{
	uint8_t nb[64], pt[256], hv[64];
	size_t hn = 0;
	struct wbuf w;
	struct ike1_writer iw;
	uint8_t first;
	wbuf_init(&w, nb, sizeof nb);
	ike1_w_begin_chain(&iw, &w);
	ike1_w_notify(&iw, IKE1_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
	assert_true(ike1_w_end_chain(&iw, &first) > 0);
	assert_int_equal(ike1_keys_hash1(k, mid, nb, w.len, hv, &hn), 0);
	struct wbuf pw;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, hn);
	ike1_w_notify(&iw, IKE1_PROTO_ISAKMP, type, NULL, 0, NULL, 0);
	assert_true(ike1_w_end_chain(&iw, &first) > 0);
	struct ike1_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.cky_i, k->cky_i, 8);
	memcpy(h.cky_r, k->cky_r, 8);
	h.exchange = IKE1_EX_INFORMATIONAL;
	h.msg_id = mid;
	struct ike1_cbc cb = {.k = k};
	assert_int_equal(ike1_keys_msg_iv(k, last, mid, cb.iv), 0);
	struct wbuf ow;
	wbuf_init(&ow, out, cap);
	int n = ike1_build_encrypted(&ow, &h, first, pt, pw.len, k->block_len, ike1_cbc_encrypt_cb, &cb);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_info_verify(void **state)
{
	(void)state;
	static struct ike1_msg m;
	struct ike1_keys wrong;
	uint8_t buf[512], last[16], other_last[16];
	char err[160], why[200];
	uint16_t type = 99;
	ref_keys(&K, "secret");
	ref_keys(&wrong, "not the key");
	memset(last, 0x6c, sizeof last);
	memset(other_last, 0x3d, sizeof other_last);
	size_t n = build_info(&K, last, 0x01020304, IKE1_N_INVALID_ID_INFORMATION, buf, sizeof buf);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 1);
	assert_int_equal(type, IKE1_N_INVALID_ID_INFORMATION);
	/* the server took another "last phase-1 block": only the first block is garbled, still verified */
	n = build_info(&K, other_last, 0x01020304, IKE1_N_INVALID_ID_INFORMATION, buf, sizeof buf);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 1);
	/* another key: does not decrypt and verify */
	n = build_info(&wrong, last, 0x01020304, IKE1_N_INVALID_ID_INFORMATION, buf, sizeof buf);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 0);
	assert_int_equal(type, 0);
	/* garbage, a non-block length, an empty body, too long */
	n = build_info(&K, last, 7, IKE1_N_INVALID_ID_INFORMATION, buf, sizeof buf);
	for (size_t i = 28 + 16; i < n; i++)
		buf[i] ^= 0x5a;
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 0);
	buf[27] = (uint8_t)(n - 3);
	assert_int_equal(ike1_parse(buf, n, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 0);
	buf[27] = 28;
	assert_int_equal(ike1_parse(buf, 28, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), 0);
	static uint8_t big[IKE1_HDR_LEN + IKE1_PLAIN_MAX + 16];
	memcpy(big, buf, 28);
	big[26] = (uint8_t)(sizeof big >> 8);
	big[27] = (uint8_t)sizeof big;
	assert_int_equal(ike1_parse(big, sizeof big, &m, err, sizeof err), 0);
	assert_int_equal(ike1_info_verify(&K, last, &m, &SCR, &type, why, sizeof why), -1);
	ike1_keys_clear(&wrong);
	ike1_keys_clear(&K);
}

/* The server's KE payload: only a value of the group's exact length that is a valid public value. */
static void test_dh_shared_hostile(void **state)
{
	(void)state;
	static const uint16_t groups[] = {IKE1_GROUP_MODP_1024, IKE1_GROUP_MODP_2048, IKE1_GROUP_ECP_256,
					  IKE1_GROUP_ECP_384};
	char err[160];
	for (size_t g = 0; g < 4; g++) {
		struct ike1_dh a, b;
		uint8_t sec[IKE1_DH_MAX], peer[IKE1_DH_MAX + 1];
		size_t sn = 0, pl = ike1_dh_pub_len(groups[g]);
		assert_int_equal(ike1_dh_generate(&a, groups[g], err, sizeof err), 0);
		assert_int_equal(ike1_dh_generate(&b, groups[g], err, sizeof err), 0);
		assert_int_equal(ike1_dh_shared(&a, b.pub, b.pub_len, sec, sizeof sec, &sn, err, sizeof err), 0);
		/* lying lengths: one byte short, one byte long, empty */
		assert_int_equal(ike1_dh_shared(&a, b.pub, pl - 1, sec, sizeof sec, &sn, err, sizeof err), -1);
		memcpy(peer, b.pub, pl);
		peer[pl] = 0;
		assert_int_equal(ike1_dh_shared(&a, peer, pl + 1, sec, sizeof sec, &sn, err, sizeof err), -1);
		assert_int_equal(ike1_dh_shared(&a, peer, 0, sec, sizeof sec, &sn, err, sizeof err), -1);
		/* all zero (MODP 0; ECP the point (0,0), not on the curve), all 0xff (> p; off the curve), 1 */
		memset(peer, 0, pl);
		assert_int_equal(ike1_dh_shared(&a, peer, pl, sec, sizeof sec, &sn, err, sizeof err), -1);
		memset(peer, 0xff, pl);
		assert_int_equal(ike1_dh_shared(&a, peer, pl, sec, sizeof sec, &sn, err, sizeof err), -1);
		memset(peer, 0, pl);
		peer[pl - 1] = 1;
		assert_int_equal(ike1_dh_shared(&a, peer, pl, sec, sizeof sec, &sn, err, sizeof err), -1);
		/* an ECP point with one bit flipped is off the curve */
		if (groups[g] >= IKE1_GROUP_ECP_256) {
			memcpy(peer, b.pub, pl);
			peer[pl - 1] ^= 1;
			assert_int_equal(ike1_dh_shared(&a, peer, pl, sec, sizeof sec, &sn, err, sizeof err), -1);
		}
		/* an output buffer too small */
		assert_int_equal(ike1_dh_shared(&a, b.pub, b.pub_len, sec, 8, &sn, err, sizeof err), -1);
		ike1_dh_free(&a);
		ike1_dh_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_hmac_vectors), cmocka_unit_test(test_natd_rfc3947),
		cmocka_unit_test(test_ecp_rfc5903),      cmocka_unit_test(test_generate_and_agree),
		cmocka_unit_test(test_skeyid_reference), cmocka_unit_test(test_cbc_chain),
		cmocka_unit_test(test_mm5_roundtrip),    cmocka_unit_test(test_mm6_verify),
		cmocka_unit_test(test_info_verify),      cmocka_unit_test(test_dh_shared_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
