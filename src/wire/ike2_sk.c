#include "wire/ike2_sk.h"

#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -1;
}

/* Compares in time independent of where the bytes differ (an ICV). */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

int ike2_sk_open(const struct ike2_sk_crypto *c, bool from_responder, const uint8_t *msg, size_t len, size_t iv_off,
		 uint8_t *out, size_t cap, char *err, size_t errlen)
{
	const struct ike2_sk_shape *s = &c->shape;
	struct rbuf r;
	const uint8_t *aad, *iv, *ct, *tag;
	rbuf_init(&r, msg, len);
	if (!rbuf_bytes(&r, iv_off, &aad) || !rbuf_bytes(&r, s->iv_len, &iv))
		return fail(err, errlen, "encrypted payload shorter than its IV");
	size_t left = rbuf_left(&r);
	if (left < s->icv_len + 1)
		return fail(err, errlen, "encrypted payload shorter than its ICV");
	size_t ctlen = left - s->icv_len;
	if (!rbuf_bytes(&r, ctlen, &ct) || !rbuf_bytes(&r, s->icv_len, &tag))
		return fail(err, errlen, "encrypted payload truncated");
	if (!s->aead && ctlen % s->block)
		return fail(err, errlen, "ciphertext is not a whole number of cipher blocks");
	if (ctlen > cap)
		return fail(err, errlen, "plaintext larger than the buffer");
	bool initiator = !from_responder;
	if (s->aead) {
		if (c->decrypt(c->ctx, initiator, iv, aad, iv_off, ct, ctlen, out, tag) != 0)
			return fail(err, errlen, "AES-GCM tag does not verify (wrong keys or a corrupted message)");
	} else {
		uint8_t want[IKE2_SK_MAX_ICV];
		if (s->icv_len > sizeof want || c->integrity(c->ctx, initiator, msg, len - s->icv_len, want) != 0)
			return fail(err, errlen, "integrity algorithm failed");
		if (!same_bytes(want, tag, s->icv_len))
			return fail(err, errlen, "integrity check value does not verify (wrong keys or a corrupted message)");
		if (c->decrypt(c->ctx, initiator, iv, NULL, 0, ct, ctlen, out, NULL) != 0)
			return fail(err, errlen, "decryption failed");
	}
	size_t pad = out[ctlen - 1];
	if (pad + 1 > ctlen)
		return fail(err, errlen, "pad length larger than the plaintext");
	return (int)(ctlen - pad - 1);
}

/* The IKE header and the SK (frag_total 0) or SKF generic header (RFC 7383 2.5: Fragment Number
 * and Total Fragments follow it). */
static void write_headers(struct wbuf *w, const struct ike2_header *h, uint8_t first_inner, uint16_t frag_num,
			  uint16_t frag_total, size_t total, size_t sk_len)
{
	wbuf_u64(w, h->spi_i);
	wbuf_u64(w, h->spi_r);
	wbuf_u8(w, frag_total ? IKE2_PL_SKF : IKE2_PL_SK);
	wbuf_u8(w, h->version ? h->version : 0x20);
	wbuf_u8(w, h->exchange);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msg_id);
	wbuf_u32(w, (uint32_t)total);
	wbuf_u8(w, first_inner);
	wbuf_u8(w, 0);
	wbuf_u16(w, (uint16_t)sk_len);
	if (frag_total) {
		wbuf_u16(w, frag_num);
		wbuf_u16(w, frag_total);
	}
}

/* SK or SKF: the numbers of an SKF are covered by the ICV and, with AES-GCM, are part of the AAD. */
static int seal_any(const struct ike2_sk_crypto *c, bool from_initiator, const struct ike2_header *h,
		    uint8_t first_inner, uint16_t frag_num, uint16_t frag_total, const uint8_t *inner, size_t ilen,
		    const uint8_t *iv, struct wbuf *w)
{
	const struct ike2_sk_shape *s = &c->shape;
	size_t fraghdr = frag_total ? 4 : 0;
	size_t start = w->len;
	uint8_t ivb[IKE2_SK_MAX_IV];
	if (s->iv_len > sizeof ivb || s->icv_len > IKE2_SK_MAX_ICV || s->block == 0)
		return -1;
	if (iv)
		memcpy(ivb, iv, s->iv_len);
	else if (c->random(ivb, s->iv_len) != 0)
		return -1;
	size_t padlen = (s->block - (ilen + 1) % s->block) % s->block;
	size_t ptlen = ilen + padlen + 1;
	size_t sk_len = 4 + fraghdr + s->iv_len + ptlen + s->icv_len;
	size_t total = IKE2_HDR_LEN + sk_len;
	if (total > IKE2_MAX_MSG || sk_len > 0xffff)
		return -1;
	write_headers(w, h, first_inner, frag_num, frag_total, total, sk_len);
	wbuf_bytes(w, ivb, s->iv_len);
	size_t ct_off = w->len;
	if (w->err || w->cap - w->len < ptlen + s->icv_len) {
		w->err = true;
		return -1;
	}
	uint8_t *pt = w->p + ct_off; /* encrypt in place: plaintext, zero padding, pad length */
	memmove(pt, inner, ilen);
	memset(pt + ilen, 0, padlen);
	pt[ilen + padlen] = (uint8_t)padlen;
	uint8_t tag[IKE2_SK_MAX_ICV];
	/* GCM AAD: the IKE header through the SK generic header (SKF: and its two numbers), not the IV
	 * (RFC 5282 5.1, RFC 7383 2.5) */
	const uint8_t *aad = s->aead ? w->p + start : NULL;
	size_t aadlen = s->aead ? ct_off - start - s->iv_len : 0;
	if (c->encrypt(c->ctx, from_initiator, ivb, aad, aadlen, pt, ptlen, tag) != 0) {
		w->err = true;
		return -1;
	}
	w->len += ptlen;
	if (!s->aead && c->integrity(c->ctx, from_initiator, w->p + start, w->len - start, tag) != 0) {
		w->err = true;
		return -1;
	}
	wbuf_bytes(w, tag, s->icv_len);
	return w->err ? -1 : (int)(w->len - start);
}

int ike2_sk_seal(const struct ike2_sk_crypto *c, bool from_initiator, const struct ike2_header *h, uint8_t first_inner,
		 const uint8_t *inner, size_t ilen, const uint8_t *iv, struct wbuf *w)
{
	return seal_any(c, from_initiator, h, first_inner, 0, 0, inner, ilen, iv, w);
}

int ike2_skf_seal(const struct ike2_sk_crypto *c, bool from_initiator, const struct ike2_header *h, uint8_t first_inner,
		  uint16_t num, uint16_t total, const uint8_t *chunk, size_t clen, const uint8_t *iv, struct wbuf *w)
{
	if (num == 0 || num > total)
		return -1;
	return seal_any(c, from_initiator, h, num == 1 ? first_inner : 0, num, total, chunk, clen, iv, w);
}

size_t ike2_skf_overhead(const struct ike2_sk_shape *s)
{
	/* header, SKF generic header + numbers, IV, worst-case padding + pad length, ICV */
	return IKE2_HDR_LEN + 8 + s->iv_len + (s->block ? s->block : 1) + s->icv_len;
}
