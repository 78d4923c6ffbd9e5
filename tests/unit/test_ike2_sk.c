/* wire/ike2_sk: the IKEv2 Encrypted payload's framing (RFC 7296 3.14, RFC 5282, RFC 7383 2.5) with
 * stand-in callbacks instead of real ciphers, so that the layout itself is checked byte by byte:
 * where the IV, padding, pad length and ICV sit, what the ICV and the AEAD's AAD cover, which
 * side's keys are asked for, and every refusal of ike2_sk_open. The real ciphers over the same
 * framing are proven by the known-answer tests (test_ike2_kat.c, test_ike2_auth.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/ike2_sk.h"
#include "wire/ikev2.h"

/* What the stand-in callbacks saw. */
struct stub {
	int last_initiator; /* the `initiator` of the last call */
	size_t last_aadlen;
};

/* A keyed XOR stream stands for the cipher: initiator's key 0x11, responder's 0x22, mixed with the IV. */
static void xor_stream(bool initiator, const uint8_t *iv, size_t ivlen, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] ^= (uint8_t)((initiator ? 0x11 : 0x22) ^ iv[i % ivlen] ^ i);
}

/* A keyed checksum stands for the HMAC / GCM tag. */
static void checksum(bool initiator, const uint8_t *a, size_t alen, const uint8_t *d, size_t dlen, uint8_t *out, size_t n)
{
	uint32_t h = initiator ? 0x12345678u : 0x87654321u;
	for (size_t i = 0; i < alen; i++)
		h = h * 31u + a[i];
	for (size_t i = 0; i < dlen; i++)
		h = h * 33u + d[i];
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(h >> (8 * (i % 4))) ^ (uint8_t)i;
}

static size_t g_ivlen, g_icvlen;

static int st_encrypt(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad, size_t aadlen, uint8_t *buf,
		      size_t len, uint8_t *tag)
{
	struct stub *s = (struct stub *)(uintptr_t)ctx;
	s->last_initiator = initiator;
	s->last_aadlen = aadlen;
	xor_stream(initiator, iv, g_ivlen, buf, len);
	if (aad)
		checksum(initiator, aad, aadlen, buf, len, tag, g_icvlen);
	return 0;
}

static int st_decrypt(const void *ctx, bool initiator, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
		      const uint8_t *in, size_t len, uint8_t *out, const uint8_t *tag)
{
	struct stub *s = (struct stub *)(uintptr_t)ctx;
	s->last_initiator = initiator;
	s->last_aadlen = aadlen;
	if (aad) {
		uint8_t want[IKE2_SK_MAX_ICV];
		checksum(initiator, aad, aadlen, in, len, want, g_icvlen);
		if (memcmp(want, tag, g_icvlen) != 0)
			return -1;
	}
	memcpy(out, in, len);
	xor_stream(initiator, iv, g_ivlen, out, len);
	return 0;
}

static int st_integrity(const void *ctx, bool initiator, const uint8_t *data, size_t len, uint8_t *icv)
{
	struct stub *s = (struct stub *)(uintptr_t)ctx;
	s->last_initiator = initiator;
	checksum(initiator, NULL, 0, data, len, icv, g_icvlen);
	return 0;
}

static int st_random(uint8_t *out, size_t len)
{
	memset(out, 0xab, len);
	return 0;
}

static struct ike2_sk_crypto cbc_like(struct stub *s)
{
	g_ivlen = 16;
	g_icvlen = 12;
	struct ike2_sk_crypto c = {.shape = {.aead = false, .iv_len = 16, .icv_len = 12, .block = 16},
				   .encrypt = st_encrypt, .decrypt = st_decrypt, .integrity = st_integrity,
				   .random = st_random, .ctx = s};
	return c;
}

static struct ike2_sk_crypto gcm_like(struct stub *s)
{
	g_ivlen = 8;
	g_icvlen = 16;
	struct ike2_sk_crypto c = {.shape = {.aead = true, .iv_len = 8, .icv_len = 16, .block = 1},
				   .encrypt = st_encrypt, .decrypt = st_decrypt, .integrity = NULL,
				   .random = st_random, .ctx = s};
	return c;
}

static const struct ike2_header H = {.spi_i = 0x0102030405060708ULL, .spi_r = 0x1112131415161718ULL,
				     .exchange = IKE2_AUTH, .flags = IKE2_F_INITIATOR, .msg_id = 1};

/* RFC 7296 3.14 layout with a 16-byte block cipher and a 12-byte ICV. */
static void sk_layout(void **state)
{
	(void)state;
	struct stub st = {0};
	struct ike2_sk_crypto c = cbc_like(&st);
	uint8_t msg[256], out[256];
	const uint8_t inner[5] = {1, 2, 3, 4, 5};
	static const uint8_t iv[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				       0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	int n = ike2_sk_seal(&c, true, &H, IKE2_PL_IDI, inner, sizeof inner, iv, &w);
	/* 28 header + 4 SK header + 16 IV + 16 (5 bytes, 10 padding, pad length) + 12 ICV */
	assert_int_equal(n, 28 + 4 + 16 + 16 + 12);
	assert_int_equal(st.last_initiator, 1);
	assert_int_equal(msg[16], IKE2_PL_SK);
	assert_int_equal(msg[17], 0x20);
	assert_int_equal(msg[18], IKE2_AUTH);
	assert_int_equal(msg[19], IKE2_F_INITIATOR);
	assert_int_equal((msg[24] << 24) | (msg[25] << 16) | (msg[26] << 8) | msg[27], n);
	assert_int_equal(msg[28], IKE2_PL_IDI);
	assert_int_equal(msg[29], 0);
	assert_int_equal((msg[30] << 8) | msg[31], n - 28);
	assert_memory_equal(msg + 32, iv, 16);
	/* the ICV covers everything before it, header included */
	uint8_t icv[12];
	checksum(true, NULL, 0, msg, (size_t)n - 12, icv, 12);
	assert_memory_equal(msg + n - 12, icv, 12);
	/* the plaintext: inner, zero padding, pad length 10 */
	uint8_t pt[16];
	memcpy(pt, msg + 48, 16);
	xor_stream(true, iv, 16, pt, 16);
	assert_memory_equal(pt, inner, 5);
	for (int i = 5; i < 15; i++)
		assert_int_equal(pt[i], 0);
	assert_int_equal(pt[15], 10);
	/* it parses, and opens with the initiator's keys only */
	struct ike2_msg *m = calloc(1, sizeof *m);
	char err[160];
	assert_non_null(m);
	assert_int_equal(ike2_parse(msg, (size_t)n, m, err, sizeof err), 0);
	assert_true(m->has_sk);
	assert_int_equal(m->sk_first_inner, IKE2_PL_IDI);
	assert_int_equal(ike2_sk_open(&c, false, msg, (size_t)n, 32, out, sizeof out, err, sizeof err), 5);
	assert_int_equal(st.last_initiator, 1);
	assert_memory_equal(out, inner, 5);
	assert_int_equal(ike2_sk_open(&c, true, msg, (size_t)n, 32, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "integrity check value does not verify"));
	free(m);
}

/* Every refusal of ike2_sk_open, each with its reason. */
static void open_refusals(void **state)
{
	(void)state;
	struct stub st = {0};
	struct ike2_sk_crypto c = cbc_like(&st);
	uint8_t msg[256], out[256];
	uint8_t inner[20];
	memset(inner, 7, sizeof inner);
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	int n = ike2_sk_seal(&c, false, &H, IKE2_PL_IDR, inner, sizeof inner, NULL, &w);
	assert_true(n > 0);
	assert_int_equal(msg[32], 0xab); /* a NULL IV comes from the random callback */
	char err[160];
	assert_int_equal(ike2_sk_open(&c, true, msg, 40, 32, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "shorter than its IV"));
	assert_int_equal(ike2_sk_open(&c, true, msg, 32 + 16 + 12, 32, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "shorter than its ICV"));
	assert_int_equal(ike2_sk_open(&c, true, msg, (size_t)n - 1, 32, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "whole number of cipher blocks"));
	assert_int_equal(ike2_sk_open(&c, true, msg, (size_t)n, 32, out, 16, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than the buffer"));
	/* a pad length past the plaintext: the last ciphertext byte changed, the ICV made to match */
	msg[n - 12 - 1] ^= 0xf0;
	checksum(false, NULL, 0, msg, (size_t)n - 12, msg + n - 12, 12);
	assert_int_equal(ike2_sk_open(&c, true, msg, (size_t)n, 32, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "pad length larger"));
}

/* RFC 5282 / RFC 7383 2.5: the AAD is the IKE header through the SKF header with its two numbers,
 * not the IV; fragment 2 carries Next Payload 0; the numbers are out of range refused. */
static void skf_aead(void **state)
{
	(void)state;
	struct stub st = {0};
	struct ike2_sk_crypto c = gcm_like(&st);
	uint8_t msg[256], out[256], inner[30];
	memset(inner, 0x5c, sizeof inner);
	static const uint8_t iv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	int n = ike2_skf_seal(&c, true, &H, IKE2_PL_IDI, 2, 3, inner, sizeof inner, iv, &w);
	/* 28 + 8 (SKF header and numbers) + 8 IV + 31 (no block alignment: pad length only) + 16 tag */
	assert_int_equal(n, 28 + 8 + 8 + 31 + 16);
	assert_int_equal(st.last_aadlen, 36);
	assert_int_equal(msg[16], IKE2_PL_SKF);
	assert_int_equal(msg[28], 0); /* not the first fragment */
	assert_int_equal((msg[32] << 8) | msg[33], 2);
	assert_int_equal((msg[34] << 8) | msg[35], 3);
	assert_memory_equal(msg + 36, iv, 8);
	uint8_t tag[16];
	checksum(true, msg, 36, msg + 44, 31, tag, 16);
	assert_memory_equal(msg + n - 16, tag, 16);
	char err[160];
	assert_int_equal(ike2_sk_open(&c, false, msg, (size_t)n, 36, out, sizeof out, err, sizeof err), (int)sizeof inner);
	assert_memory_equal(out, inner, sizeof inner);
	msg[33] ^= 1; /* the numbers are authenticated */
	assert_int_equal(ike2_sk_open(&c, false, msg, (size_t)n, 36, out, sizeof out, err, sizeof err), -1);
	assert_non_null(strstr(err, "tag does not verify"));
	wbuf_init(&w, msg, sizeof msg);
	assert_int_equal(ike2_skf_seal(&c, true, &H, IKE2_PL_IDI, 0, 3, inner, 4, iv, &w), -1);
	assert_int_equal(ike2_skf_seal(&c, true, &H, IKE2_PL_IDI, 4, 3, inner, 4, iv, &w), -1);
	/* fragment 1 carries the first inner payload type; the overhead bound holds */
	wbuf_init(&w, msg, sizeof msg);
	n = ike2_skf_seal(&c, true, &H, IKE2_PL_IDI, 1, 3, inner, sizeof inner, iv, &w);
	assert_int_equal(msg[28], IKE2_PL_IDI);
	assert_true((size_t)n <= sizeof inner + ike2_skf_overhead(&c.shape));
}

/* A buffer too small for the message is an error, never a partial write past it. */
static void seal_no_room(void **state)
{
	(void)state;
	struct stub st = {0};
	struct ike2_sk_crypto c = cbc_like(&st);
	uint8_t msg[80], inner[40] = {0};
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	assert_int_equal(ike2_sk_seal(&c, true, &H, IKE2_PL_IDI, inner, sizeof inner, NULL, &w), -1);
	assert_true(w.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sk_layout),
		cmocka_unit_test(open_refusals),
		cmocka_unit_test(skf_aead),
		cmocka_unit_test(seal_no_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
