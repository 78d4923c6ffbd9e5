/* IKEv1 codec (wire/ikev1): MM1 bytes against a Windows-identical Main Mode 1, parsing of the
 * payload chain, the validation rules, and the MM3 / MM5 / Informational builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

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

/* Windows 10/11 L2TP/IPsec Main Mode 1 as carried by a public zmap-based detection script
 * (ipsec_payload_7cs, facts 2.4): HDR (CKY-I 080fd6f205d3879d) | SA (DOI 1, SIT 1, one proposal,
 * 5 KEY_IKE transforms: AES-256/SHA1/ECP-384, AES-128/SHA1/ECP-256, AES-256/SHA1/MODP-2048,
 * 3DES/SHA1/MODP-2048, 3DES/SHA1/MODP-1024, PSK, life 28800 s as a 4-byte TLV) | 8 VIDs. */
static const char *WIN_MM1 =
	"080fd6f205d3879d00000000000000000110020000000000000001980d0000d40000000100000001000000c8"
	"01010005030000280101000080010007800e0100800200028004001480030001800b0001000c000400007080"
	"030000280201000080010007800e0080800200028004001380030001800b0001000c000400007080030000280301"
	"000080010007800e0100800200028004000e80030001800b0001000c00040000708003000024040100008001000580"
	"0200028004000e80030001800b0001000c000400007080000000240501000080010005800200028004000280030001"
	"800b0001000c0004000070800d00001801528bbbc00696121849ab9a1c5b2a51000000010d0000181e2b516905991c"
	"7d7c96fcbfb587e461000000090d0000144a131c81070358455c5728f20e95452f0d00001490cb80913ebb696e0863"
	"81b5ec427b1f0d0000144048b7d56ebce88525e7de7f00d6c2d30d000014fb1de3cdf341b7ea16b7e5be0855f1200d"
	"00001426244d38eddb61b3172a36e3d0cfb81900000014e3a5966a76379fe707228231e5ce8652";

static void test_mm1_windows_bytes(void **state)
{
	(void)state;
	uint8_t want[600], buf[600];
	size_t wn = unhex(WIN_MM1, want, sizeof want);
	assert_int_equal(wn, 408);
	struct ike1_mm1 in = {.cky_i = {0x08, 0x0f, 0xd6, 0xf2, 0x05, 0xd3, 0x87, 0x9d},
			      .transforms = ike1_windows_mm1_transforms,
			      .ntransforms = 5,
			      .vids = ike1_windows_mm1_vids,
			      .nvids = 8};
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(ike1_build_mm1(&w, &in), 408);
	assert_memory_equal(buf, want, 408);
	/* Too small a buffer fails cleanly. */
	wbuf_init(&w, buf, 100);
	assert_int_equal(ike1_build_mm1(&w, &in), -1);
}

static void test_mm1_parse(void **state)
{
	(void)state;
	static struct ike1_msg m;
	uint8_t b[600];
	char err[160], s[120];
	size_t n = unhex(WIN_MM1, b, sizeof b);
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), 0);
	assert_int_equal(m.hdr.exchange, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(m.hdr.version, 0x10);
	assert_int_equal(m.hdr.length, 408);
	assert_true(m.has_sa);
	assert_int_equal(m.sa.doi, 1);
	assert_int_equal(m.sa.situation, 1);
	assert_int_equal(m.sa.body.len, 212 - 4);
	assert_int_equal(m.sa.nproposals, 1);
	assert_int_equal(m.sa.p[0].ntransforms, 5);
	const struct ike1_transform *t = &m.sa.p[0].t[0];
	assert_int_equal(t->enc, IKE1_ENC_AES_CBC);
	assert_int_equal(t->key_len, 256);
	assert_int_equal(t->group, IKE1_GROUP_ECP_384);
	assert_int_equal(t->auth, IKE1_AUTH_PRE_SHARED_KEY);
	assert_int_equal(t->life_seconds, 28800);
	assert_int_equal(t->nattrs, 7);
	assert_false(t->attrs[6].tv);
	assert_int_equal(t->attrs[6].v.len, 4);
	ike1_transform_str(&m.sa.p[0].t[4], s, sizeof s);
	assert_string_equal(s, "3DES_CBC/SHA1/MODP_1024/PRE_SHARED_KEY/28800s");
	assert_int_equal(m.nvids, 8);
	assert_string_equal(ike1_vid_name(m.vids[0].p, m.vids[0].len), "Microsoft (undocumented 01528bbb...)");
	assert_string_equal(ike1_vid_name(m.vids[1].p, m.vids[1].len), "MS NT5 ISAKMPOAKLEY v9");
	assert_string_equal(ike1_vid_name(m.vids[2].p, m.vids[2].len), "RFC 3947");
	assert_string_equal(ike1_vid_name(m.vids[4].p, m.vids[4].len), "FRAGMENTATION");
	assert_int_equal(m.npayloads, 9);
	assert_int_equal(m.trailing, 0);

	/* Every truncation is rejected, never read past. */
	for (size_t k = 0; k < n; k++) {
		int rc = ike1_parse(b, k, &m, err, sizeof err);
		assert_int_equal(rc, -1);
	}
	/* Extra bytes after Length are reported, not parsed. */
	b[n] = 0xee;
	assert_int_equal(ike1_parse(b, n + 1, &m, err, sizeof err), 0);
	assert_int_equal(m.trailing, 1);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static struct ike1_msg m;
	uint8_t b[600];
	char err[160];
	size_t n = unhex(WIN_MM1, b, sizeof b);

	b[17] = 0x20; /* version 2.0 */
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "major version 2"));
	b[17] = 0x10;

	b[30] = 0x01; /* SA Payload Length 0x00d4 -> 0x01d4 */
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "exceeds"));
	b[30] = 0x00;

	b[47] = 4; /* "# of transforms" 5 -> 4 */
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "4 transforms announced"));
	b[47] = 5;

	b[27] = 0x99; /* Length larger than received */
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "exceeds the 408 bytes"));
	b[27] = 0x98;

	/* A TLV attribute whose length runs past the transform. */
	assert_int_equal(b[80], 0x00); /* transform 1's Life Duration TLV header: 000c 0004 */
	assert_int_equal(b[81], 0x0c);
	b[83] = 0x40; /* length 4 -> 64 */
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "attribute 12 length 64"));
	b[83] = 0x04;
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), 0);
}

/* A responder's NO-PROPOSAL-CHOSEN: Informational exchange with one N payload. Hand-built from
 * RFC 2408 3.14: DOI 1, protocol 1, SPI size 16 (the cookies), type 14. */
static void test_notify_parse(void **state)
{
	(void)state;
	static struct ike1_msg m;
	uint8_t b[200];
	char err[160];
	size_t n = unhex("1111111111111111 2222222222222222 0b 10 05 00 00000000 00000038"
			 "0000 001c 00000001 01 10 000e 11111111111111112222222222222222",
			 b, sizeof b);
	assert_int_equal(n, 56);
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), 0);
	assert_int_equal(m.nnotifies, 1);
	assert_int_equal(m.notifies[0].type, IKE1_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(m.notifies[0].spi.len, 16);
	assert_ptr_equal(ike1_first_error(&m), &m.notifies[0]);
	assert_string_equal(ike1_notify_name(14), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(ike1_notify_name(23), "INVALID_HASH_INFORMATION");
	assert_string_equal(ike1_notify_name(24), "AUTHENTICATION_FAILED");
	assert_string_equal(ike1_notify_name(16), "PAYLOAD_MALFORMED");
	assert_string_equal(ike1_notify_name(9999), "UNKNOWN");
	assert_string_equal(ike1_exchange_name(2), "IDENTITY_PROTECTION");
	assert_string_equal(ike1_payload_name(130), "NAT_D_DRAFT");
	assert_string_equal(ike1_attr_value_name(IKE1_A_GROUP_DESCRIPTION, 20), "ECP_384");
	assert_string_equal(ike1_attr_value_name(IKE1_A_ENCRYPTION_ALGORITHM, 5), "3DES_CBC");
	/* SPI size larger than the payload. */
	b[37] = 0x30;
	assert_int_equal(ike1_parse(b, n, &m, err, sizeof err), -1);
}

static void test_mm3_build_parse(void **state)
{
	(void)state;
	static struct ike1_msg m;
	uint8_t buf[600], ke[64], nonce[32], r[20], l[20];
	char err[160];
	memset(ke, 0xab, sizeof ke);
	memset(nonce, 0xcd, sizeof nonce);
	memset(r, 0x01, sizeof r);
	memset(l, 0x02, sizeof l);
	struct ike1_mm3 in = {.cky_i = {1, 2, 3, 4, 5, 6, 7, 8}, .cky_r = {9, 10, 11, 12, 13, 14, 15, 16},
			      .ke = ke, .ke_len = sizeof ke, .nonce = nonce, .nonce_len = sizeof nonce,
			      .natd_type = IKE1_PL_NAT_D, .natd_remote = r, .natd_local = l, .natd_len = 20};
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	int n = ike1_build_mm3(&w, &in);
	assert_int_equal(n, 28 + 4 + 64 + 4 + 32 + 2 * 24);
	assert_int_equal(buf[16], IKE1_PL_KE);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_true(m.has_ke && m.has_nonce);
	assert_int_equal(m.ke.len, 64);
	assert_int_equal(m.nnatd, 2);
	assert_int_equal(m.natd[0].p[0], 0x01); /* the remote address comes first (RFC 3947 3.2) */
	assert_int_equal(m.natd[1].p[0], 0x02);
	assert_false(m.natd_draft);
	in.natd_type = IKE1_PL_NAT_D_DRAFT;
	wbuf_init(&w, buf, sizeof buf);
	n = ike1_build_mm3(&w, &in);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_true(m.natd_draft);
}

/* Aggressive Mode 1 (RFC 2409 5.4): exchange 4, CKY-R 0, SA, KE, Ni, IDii in that order. */
static void test_am1_build_parse(void **state)
{
	(void)state;
	static struct ike1_msg m;
	uint8_t buf[800], ke[96], nonce[32];
	static const uint8_t ip[4] = {198, 18, 1, 2};
	char err[160];
	memset(ke, 0xab, sizeof ke);
	memset(nonce, 0xcd, sizeof nonce);
	struct ike1_am1 in = {.cky_i = {1, 2, 3, 4, 5, 6, 7, 8}, .transforms = ike1_windows_mm1_transforms,
			      .ntransforms = 5, .ke = ke, .ke_len = sizeof ke, .nonce = nonce, .nonce_len = sizeof nonce,
			      .id_type = IKE1_ID_IPV4_ADDR, .id_protocol = 17, .id_port = 500, .id = ip, .id_len = 4};
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	int n = ike1_build_am1(&w, &in);
	assert_true(n > 28);
	assert_int_equal(buf[16], IKE1_PL_SA);
	assert_int_equal(buf[18], IKE1_EX_AGGRESSIVE);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_int_equal(m.hdr.exchange, IKE1_EX_AGGRESSIVE);
	assert_int_equal(m.hdr.msg_id, 0);
	static const uint8_t zero[8];
	assert_memory_equal(m.hdr.cky_r, zero, 8);
	assert_true(m.has_sa && m.has_ke && m.has_nonce && m.has_id);
	assert_int_equal(m.sa.p[0].ntransforms, 5);
	assert_int_equal(m.sa.p[0].t[0].group, IKE1_GROUP_ECP_384);
	assert_int_equal(m.sa.p[0].t[0].auth, IKE1_AUTH_PRE_SHARED_KEY);
	assert_int_equal(m.ke.len, sizeof ke);
	assert_int_equal(m.nonce.len, sizeof nonce);
	assert_int_equal(m.id.type, IKE1_ID_IPV4_ADDR);
	assert_int_equal(m.id.protocol, 17);
	assert_int_equal(m.id.port, 500);
	assert_memory_equal(m.id.data.p, ip, 4);
	assert_int_equal(m.npayloads, 4);
	assert_int_equal(m.payload_types[1], IKE1_PL_KE);
	assert_int_equal(m.payload_types[3], IKE1_PL_ID);
	/* too small a buffer: -1, nothing half-written counted */
	wbuf_init(&w, buf, 100);
	assert_int_equal(ike1_build_am1(&w, &in), -1);
}

/* A toy "cipher" for the builder tests: XOR with 0x5a (the CBC code is tested in test_ike1_keys). */
static int xor_enc(void *ctx, const uint8_t *plain, size_t len, uint8_t *out)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		out[i] = plain[i] ^ 0x5a;
	return 0;
}

static int fake_hash1(void *ctx, uint32_t msg_id, const uint8_t *payloads, size_t len, uint8_t *out,
		      size_t *outlen)
{
	(void)ctx;
	memset(out, 0, 20);
	out[0] = (uint8_t)msg_id;
	out[1] = (uint8_t)len;
	out[2] = payloads[0];
	*outlen = 20;
	return 0;
}

static void test_mm5_and_delete(void **state)
{
	(void)state;
	static struct ike1_msg m, pm;
	uint8_t buf[600], idb[32], hash[20], plain[600];
	char err[160];
	struct wbuf w;
	const uint8_t ip[4] = {198, 18, 0, 1};
	wbuf_init(&w, idb, sizeof idb);
	assert_int_equal(ike1_build_id_body(&w, IKE1_ID_IPV4_ADDR, 17, 500, ip, 4), 0);
	assert_int_equal(w.len, 8);
	memset(hash, 0x77, sizeof hash);
	struct ike1_mm5 in = {.cky_i = {1, 2, 3, 4, 5, 6, 7, 8}, .cky_r = {9, 10, 11, 12, 13, 14, 15, 16},
			      .idii_body = idb, .idii_len = 8, .hash_i = hash, .hash_len = 20};
	wbuf_init(&w, buf, sizeof buf);
	int n = ike1_build_mm5(&w, &in, 16, xor_enc, NULL);
	/* ID (4+8) + HASH (4+20) = 36 bytes, padded to 48 (12 pad bytes, last = 11) */
	assert_int_equal(n, 28 + 48);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_true(m.encrypted);
	assert_int_equal(m.hdr.next_payload, IKE1_PL_ID);
	assert_int_equal(m.ciphertext.len, 48);
	for (size_t i = 0; i < 48; i++)
		plain[i] = m.ciphertext.p[i] ^ 0x5a;
	assert_int_equal(plain[47], 11);
	assert_int_equal(ike1_parse_plain(&m.hdr, plain, 48, &pm, err, sizeof err), 0);
	assert_true(pm.has_id && pm.has_hash);
	assert_int_equal(pm.id.type, IKE1_ID_IPV4_ADDR);
	assert_int_equal(pm.id.port, 500);
	assert_memory_equal(pm.id.body.p, idb, 8);
	assert_int_equal(pm.pad_len, 12);
	/* Block-aligned plaintext still gets a full block of padding. */
	wbuf_init(&w, buf, sizeof buf);
	uint8_t p16[16] = {0};
	struct ike1_header h = {.exchange = 2};
	assert_int_equal(ike1_build_encrypted(&w, &h, 8, p16, 16, 16, xor_enc, NULL), 28 + 32);

	/* Informational delete, clear and encrypted. */
	const uint8_t ci[8] = {1, 2, 3, 4, 5, 6, 7, 8}, cr[8] = {9, 10, 11, 12, 13, 14, 15, 16};
	wbuf_init(&w, buf, sizeof buf);
	n = ike1_build_info_delete(&w, ci, cr, 0, 0, NULL, NULL, NULL);
	assert_int_equal(n, 28 + 12 + 16);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_int_equal(m.hdr.exchange, IKE1_EX_INFORMATIONAL);
	assert_int_equal(m.ndeletes, 1);
	assert_int_equal(m.deletes[0].spi_size, 16);
	assert_memory_equal(m.deletes[0].spis.p + 8, cr, 8);
	wbuf_init(&w, buf, sizeof buf);
	n = ike1_build_info_delete(&w, ci, cr, 0x01020304, 8, xor_enc, fake_hash1, NULL);
	assert_true(n > 0);
	assert_int_equal(ike1_parse(buf, (size_t)n, &m, err, sizeof err), 0);
	assert_true(m.encrypted);
	assert_int_equal(m.hdr.msg_id, 0x01020304);
	assert_int_equal(m.hdr.next_payload, IKE1_PL_HASH);
	for (size_t i = 0; i < m.ciphertext.len; i++)
		plain[i] = m.ciphertext.p[i] ^ 0x5a;
	assert_int_equal(ike1_parse_plain(&m.hdr, plain, m.ciphertext.len, &pm, err, sizeof err), 0);
	assert_true(pm.has_hash);
	assert_int_equal(pm.hash.p[0], 0x04);         /* msg id low byte */
	assert_int_equal(pm.hash.p[1], 28);           /* HASH(1) covered the 28-byte D payload */
	assert_int_equal(pm.hash.p[2], IKE1_PL_NONE); /* ...starting with its Next Payload 0 */
	assert_int_equal(pm.ndeletes, 1);
}

static void test_names_from_tables(void **state)
{
	(void)state;
	assert_string_equal(ike1_id_name(IKE1_ID_FQDN), "FQDN");
	assert_string_equal(ike1_attr_name(IKE1_A_LIFE_DURATION), "LIFE_DURATION");
	assert_null(ike1_vid_name((const uint8_t *)"xxxxxxxxxxxxxxxx", 16));
	/* The strongSwan VID is MD5("strongSwan"); accept version suffixes. */
	uint8_t ss[20] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, 0x22, 0x51,
			  0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb, 0, 0, 0, 1};
	assert_string_equal(ike1_vid_name(ss, 20), "strongSwan");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm1_windows_bytes), cmocka_unit_test(test_mm1_parse),
		cmocka_unit_test(test_parse_errors),      cmocka_unit_test(test_notify_parse),
		cmocka_unit_test(test_mm3_build_parse),   cmocka_unit_test(test_mm5_and_delete),
		cmocka_unit_test(test_am1_build_parse),
		cmocka_unit_test(test_names_from_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
