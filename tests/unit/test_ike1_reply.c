/* The shared "is this a reply to our request" check of the IKEv1 probe (wire/ikev1:
 * ike1_reply_check / ike1_reply_classify, one check for Main Mode and Aggressive Mode), and the
 * Informational walker (ike1_parse_info_plain). Vectors: the RFC 2408 NO-PROPOSAL-CHOSEN notify
 * layout of tests/fuzz/corpus/fuzz_ikev1/no_proposal_chosen.bin, and MM2/MM4/AM2 messages built
 * with the codec's own writers exactly as a responder sends them (RFC 2409 5.4 / 5.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wire/ikev1.h"

static const uint8_t CKY_I[8] = {0x5a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
static const uint8_t CKY_R[8] = {0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x56, 0x78};
static const uint8_t ZERO8[8];

static struct ike1_msg M;

static void hdr(struct ike1_header *h, const uint8_t *ci, const uint8_t *cr, uint8_t ex)
{
	memset(h, 0, sizeof *h);
	memcpy(h->cky_i, ci, 8);
	memcpy(h->cky_r, cr, 8);
	h->version = IKE1_VERSION;
	h->exchange = ex;
}

/* MM2: HDR, SA (one transform: AES-256/SHA1/ECP-384/PSK), VID RFC 3947 */
static size_t mm2(uint8_t *buf, size_t cap, const uint8_t *ci, const uint8_t *cr, uint8_t ex)
{
	struct ike1_header h;
	struct ike1_writer iw;
	struct wbuf w;
	wbuf_init(&w, buf, cap);
	hdr(&h, ci, cr, ex);
	ike1_w_begin(&iw, &w, &h);
	ike1_w_sa(&iw, &ike1_windows_mm1_transforms[0], 1);
	ike1_w_payload(&iw, IKE1_PL_VID, ike1_vid_rfc3947, 16);
	int n = ike1_w_end(&iw);
	assert_true(n > 0);
	return (size_t)n;
}

/* MM4: HDR, KE (96 bytes), Nr (nonce_len), optional HASH (AM2) */
static size_t mm4(uint8_t *buf, size_t cap, uint8_t ex, size_t nonce_len, bool sa_hash)
{
	uint8_t ke[96], nr[300], hr[20];
	struct ike1_header h;
	struct ike1_writer iw;
	struct wbuf w;
	memset(ke, 0x4b, sizeof ke);
	memset(nr, 0x4e, sizeof nr);
	memset(hr, 0x48, sizeof hr);
	wbuf_init(&w, buf, cap);
	hdr(&h, CKY_I, CKY_R, ex);
	ike1_w_begin(&iw, &w, &h);
	if (sa_hash)
		ike1_w_sa(&iw, &ike1_windows_mm1_transforms[0], 1);
	ike1_w_payload(&iw, IKE1_PL_KE, ke, sizeof ke);
	ike1_w_payload(&iw, IKE1_PL_NONCE, nr, nonce_len);
	if (sa_hash)
		ike1_w_payload(&iw, IKE1_PL_HASH, hr, sizeof hr);
	int n = ike1_w_end(&iw);
	assert_true(n > 0);
	return (size_t)n;
}

static enum ike1_reply_status classify(const uint8_t *buf, size_t len, const uint8_t *req_cky_r, uint8_t ex,
				       enum ike1_step step, struct ike1_reply *rp)
{
	char err[160];
	struct ike1_request req;
	memset(&req, 0, sizeof req);
	memcpy(req.cky_i, CKY_I, 8);
	memcpy(req.cky_r, req_cky_r, 8);
	req.exchange = ex;
	assert_int_equal(ike1_parse(buf, len, &M, err, sizeof err), 0);
	return ike1_reply_classify(&M, &req, step, rp);
}

static void test_mm2_accepted_and_refused(void **state)
{
	(void)state;
	uint8_t b[512];
	struct ike1_reply rp;
	size_t n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_MM2);
	assert_string_equal(rp.why, "");

	/* the in-tree NO-PROPOSAL-CHOSEN vector (RFC 2408 3.14 layout): Informational, N(14) */
	uint8_t np[56];
	FILE *f = fopen(VPNDIAG_SRCDIR "/tests/fuzz/corpus/fuzz_ikev1/no_proposal_chosen.bin", "rb");
	assert_non_null(f);
	size_t got = fread(np, 1, sizeof np, f);
	fclose(f);
	assert_int_equal(got, sizeof np);
	char err[160];
	assert_int_equal(ike1_parse(np, got, &M, err, sizeof err), 0);
	struct ike1_request req;
	memset(&req, 0, sizeof req);
	memcpy(req.cky_i, M.hdr.cky_i, 8);
	req.exchange = IKE1_EX_IDENTITY_PROTECTION;
	assert_int_equal(ike1_reply_classify(&M, &req, IKE1_STEP_MM2, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_ERROR_NOTIFY);
	assert_non_null(rp.notify);
	assert_int_equal(rp.notify->type, IKE1_N_NO_PROPOSAL_CHOSEN);
	/* the same one for the Aggressive Mode probe: the one shared check */
	req.exchange = IKE1_EX_AGGRESSIVE;
	assert_int_equal(ike1_reply_classify(&M, &req, IKE1_STEP_AM2, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_ERROR_NOTIFY);
	/* another initiator's */
	req.cky_i[7] ^= 1;
	assert_int_equal(ike1_reply_classify(&M, &req, IKE1_STEP_MM2, &rp), IKE1_REPLY_NOT_OUR_COOKIE);
	assert_int_equal(rp.kind, IKE1_KIND_NONE);
}

static void test_not_a_reply(void **state)
{
	(void)state;
	uint8_t b[512];
	struct ike1_reply rp;
	uint8_t other[8];
	memcpy(other, CKY_I, 8);
	other[0] ^= 0x80;
	/* another initiator cookie */
	size_t n = mm2(b, sizeof b, other, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_NOT_OUR_COOKIE);
	assert_string_equal(rp.why, "not our initiator cookie");
	/* our cookie, wrong exchange type (Aggressive Mode to our Main Mode, and the reverse) */
	n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_AGGRESSIVE);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_WRONG_EXCHANGE);
	n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_AGGRESSIVE, IKE1_STEP_AM2, &rp), IKE1_REPLY_WRONG_EXCHANGE);
	n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_QUICK_MODE);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_WRONG_EXCHANGE);
	/* zero responder cookie: our own MM1 reflected (the Windows MM1 vector) */
	n = mm2(b, sizeof b, CKY_I, ZERO8, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_ZERO_CKY_R);
	n = mm2(b, sizeof b, CKY_I, ZERO8, IKE1_EX_AGGRESSIVE);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_AGGRESSIVE, IKE1_STEP_AM2, &rp), IKE1_REPLY_ZERO_CKY_R);
	/* after MM2: another responder cookie */
	uint8_t cr2[8];
	memcpy(cr2, CKY_R, 8);
	cr2[3] ^= 0x10;
	n = mm4(b, sizeof b, IKE1_EX_IDENTITY_PROTECTION, 32, false);
	assert_int_equal(classify(b, n, cr2, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM4, &rp), IKE1_REPLY_OTHER_CKY_R);
	assert_int_equal(classify(b, n, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM4, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_MM4);
}

static void test_step_content(void **state)
{
	(void)state;
	uint8_t b[512];
	struct ike1_reply rp;
	/* MM2 with two transforms is no MM2 */
	struct ike1_header h;
	struct ike1_writer iw;
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	hdr(&h, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	ike1_w_begin(&iw, &w, &h);
	ike1_w_sa(&iw, ike1_windows_mm1_transforms, 2);
	size_t n = (size_t)ike1_w_end(&iw);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_UNEXPECTED);
	/* MM2 again after MM3: a retransmission */
	n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(classify(b, n, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM4, &rp), IKE1_REPLY_RETRANSMIT);
	/* MM4 nonce lengths: RFC 2409 5 says 8..256 bytes; a zero-length nonce payload is no MM4 */
	static const size_t lens[] = {0, 7, 8, 256, 257};
	static const enum ike1_reply_status want[] = {IKE1_REPLY_UNEXPECTED, IKE1_REPLY_UNEXPECTED, IKE1_REPLY_OK,
						      IKE1_REPLY_OK, IKE1_REPLY_UNEXPECTED};
	for (size_t i = 0; i < 5; i++) {
		n = mm4(b, sizeof b, IKE1_EX_IDENTITY_PROTECTION, lens[i], false);
		assert_int_equal(classify(b, n, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM4, &rp), want[i]);
	}
	/* MM4 again after MM5: a retransmission, not an answer */
	n = mm4(b, sizeof b, IKE1_EX_IDENTITY_PROTECTION, 32, false);
	assert_int_equal(classify(b, n, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM6, &rp), IKE1_REPLY_RETRANSMIT);
	/* encrypted where MM2 is due; encrypted Main Mode after MM5 is MM6 */
	uint8_t enc[IKE1_HDR_LEN + 32];
	memset(enc, 0x77, sizeof enc);
	hdr(&h, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	h.flags = IKE1_F_ENCRYPTION;
	h.next_payload = IKE1_PL_ID;
	h.length = sizeof enc;
	wbuf_init(&w, enc, sizeof enc);
	/* header only; the 32 bytes after it stay 0x77 (ciphertext) */
	wbuf_bytes(&w, h.cky_i, 8);
	wbuf_bytes(&w, h.cky_r, 8);
	wbuf_u8(&w, h.next_payload);
	wbuf_u8(&w, IKE1_VERSION);
	wbuf_u8(&w, h.exchange);
	wbuf_u8(&w, h.flags);
	wbuf_u32(&w, 0);
	wbuf_u32(&w, (uint32_t)sizeof enc);
	assert_int_equal(classify(enc, sizeof enc, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_ENCRYPTED);
	assert_int_equal(classify(enc, sizeof enc, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM6, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_MM6);
	enc[18] = IKE1_EX_INFORMATIONAL;
	assert_int_equal(classify(enc, sizeof enc, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM6, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_INFO_ENCRYPTED);
	enc[18] = IKE1_EX_AGGRESSIVE;
	assert_int_equal(classify(enc, sizeof enc, ZERO8, IKE1_EX_AGGRESSIVE, IKE1_STEP_AM2, &rp), IKE1_REPLY_ENCRYPTED);
	/* Aggressive Mode 2: SA, KE, Nr, HASH_R; without HASH_R it is not one */
	n = mm4(b, sizeof b, IKE1_EX_AGGRESSIVE, 32, true);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_AGGRESSIVE, IKE1_STEP_AM2, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_AM2);
	n = mm4(b, sizeof b, IKE1_EX_AGGRESSIVE, 32, false);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_AGGRESSIVE, IKE1_STEP_AM2, &rp), IKE1_REPLY_UNEXPECTED);
	/* a clear Informational without an error notify: only after MM5 does it count */
	wbuf_init(&w, b, sizeof b);
	hdr(&h, CKY_I, CKY_R, IKE1_EX_INFORMATIONAL);
	ike1_w_begin(&iw, &w, &h);
	ike1_w_notify(&iw, IKE1_PROTO_ISAKMP, IKE1_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	n = (size_t)ike1_w_end(&iw);
	assert_int_equal(classify(b, n, ZERO8, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM2, &rp), IKE1_REPLY_UNEXPECTED);
	assert_int_equal(classify(b, n, CKY_R, IKE1_EX_IDENTITY_PROTECTION, IKE1_STEP_MM6, &rp), IKE1_REPLY_OK);
	assert_int_equal(rp.kind, IKE1_KIND_INFO_CLEAR);
	assert_null(rp.notify);
	for (int s = 0; s <= IKE1_REPLY_NOT_IKE; s++)
		assert_string_not_equal(ike1_reply_status_name((enum ike1_reply_status)s), "?");
}

/* HASH(1) | N as an encrypted Informational carries it (RFC 2409 5.7), with the first block
 * garbled as a wrong IV leaves it: the walker never reads the HASH payload's header. */
static void test_info_walker(void **state)
{
	(void)state;
	uint8_t plain[128], hv[20];
	struct wbuf w;
	struct ike1_writer iw;
	uint8_t first;
	memset(hv, 0xab, sizeof hv);
	wbuf_init(&w, plain, sizeof plain);
	ike1_w_begin_chain(&iw, &w);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, sizeof hv);
	ike1_w_notify(&iw, IKE1_PROTO_ISAKMP, IKE1_N_INVALID_ID_INFORMATION, NULL, 0, NULL, 0);
	int n = ike1_w_end_chain(&iw, &first);
	assert_int_equal(n, 24 + 12);
	wbuf_zero(&w, 11); /* padding to 48 (3DES/AES blocks) */
	wbuf_u8(&w, 11);
	struct ike1_header h;
	hdr(&h, CKY_I, CKY_R, IKE1_EX_INFORMATIONAL);
	struct ike1_blob hash, cov;
	char err[160];
	for (int garble = 0; garble < 2; garble++) {
		if (garble)
			memset(plain, 0xee, 8); /* generic header + 4 hash bytes: a wrong IV's first 3DES block */
		assert_int_equal(ike1_parse_info_plain(&h, plain, w.len, 20, &M, &hash, &cov, err, sizeof err), 0);
		assert_int_equal(M.nnotifies, 1);
		assert_int_equal(M.notifies[0].type, IKE1_N_INVALID_ID_INFORMATION);
		assert_int_equal(hash.len, 20);
		assert_int_equal(cov.len, 12); /* the N payload only: no padding */
		assert_int_equal(M.pad_len, 12);
	}
	/* a Delete of the ISAKMP SA after HASH(1) */
	uint8_t spi[16];
	memset(spi, 0x5d, sizeof spi);
	wbuf_init(&w, plain, sizeof plain);
	ike1_w_begin_chain(&iw, &w);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, sizeof hv);
	ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
	n = ike1_w_end_chain(&iw, &first);
	assert_true(n > 0);
	assert_int_equal(ike1_parse_info_plain(&h, plain, w.len, 20, &M, &hash, &cov, err, sizeof err), 0);
	assert_int_equal(cov.len, 28);
	/* lying lengths after HASH(1), nothing after it, a hash longer than the message */
	plain[24 + 2] = 0xff;
	assert_int_equal(ike1_parse_info_plain(&h, plain, w.len, 20, &M, &hash, &cov, err, sizeof err), -1);
	assert_int_equal(ike1_parse_info_plain(&h, plain, 24, 20, &M, &hash, &cov, err, sizeof err), -1);
	assert_int_equal(ike1_parse_info_plain(&h, plain, 20, 20, &M, &hash, &cov, err, sizeof err), -1);
	assert_int_equal(ike1_parse_info_plain(&h, plain, w.len, 0, &M, &hash, &cov, err, sizeof err), -1);
	assert_null(hash.p);
	assert_null(cov.p);
	/* zero-length payload after HASH(1) (a 4-byte N): the N parser refuses it, so does D */
	wbuf_init(&w, plain, sizeof plain);
	ike1_w_begin_chain(&iw, &w);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, sizeof hv);
	ike1_w_payload(&iw, IKE1_PL_N, NULL, 0);
	assert_true(ike1_w_end_chain(&iw, &first) > 0);
	assert_int_equal(ike1_parse_info_plain(&h, plain, w.len, 20, &M, &hash, &cov, err, sizeof err), -1);
}

/* chain bookkeeping the walker relies on */
static void test_chain_lengths(void **state)
{
	(void)state;
	uint8_t b[512];
	char err[160];
	size_t n = mm2(b, sizeof b, CKY_I, CKY_R, IKE1_EX_IDENTITY_PROTECTION);
	assert_int_equal(ike1_parse(b, n, &M, err, sizeof err), 0);
	assert_int_equal(M.chain_len, n - IKE1_HDR_LEN);
	assert_int_equal(M.first_pl_len, n - IKE1_HDR_LEN - 20); /* SA, then the 20-byte VID payload */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm2_accepted_and_refused),
		cmocka_unit_test(test_not_a_reply),
		cmocka_unit_test(test_step_content),
		cmocka_unit_test(test_info_walker),
		cmocka_unit_test(test_chain_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
