/* IKEv1 / ISAKMP (wire/ikev1.h): the generic payload writer and the message builders (MM1, MM3,
 * Aggressive Mode 1, MM5 and the Informational Delete, clear or encrypted through the caller's
 * callbacks). All writes go through the caller's struct wbuf. */
#include "wire/ikev1.h"

#include <string.h>

/* ---- building ---- */

static void w_header(struct wbuf *w, const struct ike1_header *h)
{
	wbuf_bytes(w, h->cky_i, 8);
	wbuf_bytes(w, h->cky_r, 8);
	wbuf_u8(w, h->next_payload);
	wbuf_u8(w, h->version ? h->version : IKE1_VERSION);
	wbuf_u8(w, h->exchange);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msg_id);
	wbuf_u32(w, h->length);
}

void ike1_w_begin(struct ike1_writer *iw, struct wbuf *w, const struct ike1_header *h)
{
	iw->w = w;
	iw->start = w->len;
	iw->np_off = w->len + 16;
	iw->chain = false;
	iw->first = 0;
	struct ike1_header hh = *h;
	hh.next_payload = 0;
	hh.length = 0;
	w_header(w, &hh);
}

void ike1_w_begin_chain(struct ike1_writer *iw, struct wbuf *w)
{
	iw->w = w;
	iw->start = w->len;
	iw->np_off = SIZE_MAX; /* no Next Payload field yet: the first type goes to *first_np */
	iw->chain = true;
	iw->first = 0;
}

/* Starts a payload of type: patches the previous Next Payload, writes a generic header with a
 * zero length; returns the offset of the payload for end_payload. */
static size_t begin_payload(struct ike1_writer *iw, uint8_t type)
{
	struct wbuf *w = iw->w;
	if (iw->np_off != SIZE_MAX)
		wbuf_put_u8_at(w, iw->np_off, type);
	else
		iw->first = type; /* chain mode: the first payload's type */
	size_t off = w->len;
	iw->np_off = off;
	wbuf_u8(w, 0);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	return off;
}

static void end_payload(struct ike1_writer *iw, size_t off)
{
	wbuf_end_payload(iw->w, off);
}

void ike1_w_payload(struct ike1_writer *iw, uint8_t type, const uint8_t *body, size_t len)
{
	size_t off = begin_payload(iw, type);
	wbuf_bytes(iw->w, body, len);
	end_payload(iw, off);
}

static void w_transform(struct wbuf *w, uint8_t num, bool last, const struct ike1_tspec *t)
{
	size_t off = w->len;
	wbuf_u8(w, last ? 0 : IKE1_PL_TRANSFORM);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, num);
	wbuf_u8(w, IKE1_KEY_IKE);
	wbuf_u16(w, 0);
	wbuf_u16(w, 0x8000 | IKE1_A_ENCRYPTION_ALGORITHM);
	wbuf_u16(w, t->enc);
	if (t->key_len) {
		wbuf_u16(w, 0x8000 | IKE1_A_KEY_LENGTH);
		wbuf_u16(w, t->key_len);
	}
	wbuf_u16(w, 0x8000 | IKE1_A_HASH_ALGORITHM);
	wbuf_u16(w, t->hash);
	wbuf_u16(w, 0x8000 | IKE1_A_GROUP_DESCRIPTION);
	wbuf_u16(w, t->group);
	wbuf_u16(w, 0x8000 | IKE1_A_AUTHENTICATION_METHOD);
	wbuf_u16(w, t->auth);
	if (t->life_seconds) {
		wbuf_u16(w, 0x8000 | IKE1_A_LIFE_TYPE);
		wbuf_u16(w, IKE1_LIFE_SECONDS);
		wbuf_u16(w, IKE1_A_LIFE_DURATION); /* TLV, as Windows sends it */
		wbuf_u16(w, 4);
		wbuf_u32(w, t->life_seconds);
	}
	if (!w->err)
		wbuf_put_u16_at(w, off + 2, (uint16_t)(w->len - off));
}

void ike1_w_sa(struct ike1_writer *iw, const struct ike1_tspec *t, size_t n)
{
	struct wbuf *w = iw->w;
	size_t off = begin_payload(iw, IKE1_PL_SA);
	if (n == 0 || n > 255) {
		w->err = true;
		return;
	}
	wbuf_u32(w, IKE1_DOI_IPSEC);
	wbuf_u32(w, IKE1_SIT_IDENTITY_ONLY);
	size_t poff = w->len;
	wbuf_u8(w, 0); /* the only (last) proposal */
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, 1);
	wbuf_u8(w, IKE1_PROTO_ISAKMP);
	wbuf_u8(w, 0);
	wbuf_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++)
		w_transform(w, (uint8_t)(i + 1), i + 1 == n, &t[i]);
	if (!w->err && w->len - poff > 0xffff)
		w->err = true;
	if (!w->err)
		wbuf_put_u16_at(w, poff + 2, (uint16_t)(w->len - poff));
	end_payload(iw, off);
}

/* Notification and Delete begin alike (RFC 2408 3.14, 3.15): DOI, Protocol-ID, SPI Size, then 16
 * bits (Notify Message Type, or # of SPIs). Returns the payload's offset for end_payload. */
static size_t begin_doi_payload(struct ike1_writer *iw, uint8_t type, uint8_t protocol, uint8_t spi_size,
				uint16_t v)
{
	size_t off = begin_payload(iw, type);
	wbuf_u32(iw->w, IKE1_DOI_IPSEC);
	wbuf_u8(iw->w, protocol);
	wbuf_u8(iw->w, spi_size);
	wbuf_u16(iw->w, v);
	return off;
}

void ike1_w_notify(struct ike1_writer *iw, uint8_t protocol, uint16_t type, const uint8_t *spi, uint8_t spi_size,
		   const uint8_t *data, size_t len)
{
	size_t off = begin_doi_payload(iw, IKE1_PL_N, protocol, spi_size, type);
	wbuf_bytes(iw->w, spi, spi_size);
	wbuf_bytes(iw->w, data, len);
	end_payload(iw, off);
}

void ike1_w_delete(struct ike1_writer *iw, uint8_t protocol, const uint8_t *spis, uint8_t spi_size,
		   uint16_t nspis)
{
	size_t off = begin_doi_payload(iw, IKE1_PL_D, protocol, spi_size, nspis);
	wbuf_bytes(iw->w, spis, (size_t)spi_size * nspis);
	end_payload(iw, off);
}

void ike1_w_id(struct ike1_writer *iw, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
	       size_t len)
{
	size_t off = begin_payload(iw, IKE1_PL_ID);
	ike1_build_id_body(iw->w, id_type, protocol, port, data, len);
	end_payload(iw, off);
}

int ike1_w_end(struct ike1_writer *iw)
{
	struct wbuf *w = iw->w;
	if (w->err)
		return -1;
	size_t n = w->len - iw->start;
	if (iw->chain || n > INT32_MAX)
		return -1;
	if (!wbuf_put_u32_at(w, iw->start + 24, (uint32_t)n))
		return -1;
	return (int)n;
}

int ike1_w_end_chain(struct ike1_writer *iw, uint8_t *first_np)
{
	*first_np = iw->first;
	if (iw->w->err || !iw->chain || iw->w->len - iw->start > INT32_MAX)
		return -1;
	return (int)(iw->w->len - iw->start);
}

int ike1_build_id_body(struct wbuf *w, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
		       size_t len)
{
	wbuf_u8(w, id_type);
	wbuf_u8(w, protocol);
	wbuf_u16(w, port);
	wbuf_bytes(w, data, len);
	return w->err ? -1 : 0;
}

static void hdr_init(struct ike1_header *h, const uint8_t cky_i[8], const uint8_t *cky_r, uint8_t exchange)
{
	memset(h, 0, sizeof *h);
	memcpy(h->cky_i, cky_i, 8);
	if (cky_r)
		memcpy(h->cky_r, cky_r, 8);
	h->version = IKE1_VERSION;
	h->exchange = exchange;
}

/* Starts a clear message: hdr_init, then the header written by ike1_w_begin. */
static void begin_msg(struct ike1_writer *iw, struct wbuf *w, const uint8_t cky_i[8], const uint8_t *cky_r,
		      uint8_t exchange)
{
	struct ike1_header h;
	hdr_init(&h, cky_i, cky_r, exchange);
	ike1_w_begin(iw, w, &h);
}

int ike1_build_mm1(struct wbuf *w, const struct ike1_mm1 *in)
{
	struct ike1_writer iw;
	begin_msg(&iw, w, in->cky_i, NULL, IKE1_EX_IDENTITY_PROTECTION);
	ike1_w_sa(&iw, in->transforms, in->ntransforms);
	for (size_t i = 0; i < in->nvids; i++)
		ike1_w_payload(&iw, IKE1_PL_VID, in->vids[i].p, in->vids[i].len);
	return ike1_w_end(&iw);
}

int ike1_build_mm3(struct wbuf *w, const struct ike1_mm3 *in)
{
	struct ike1_writer iw;
	begin_msg(&iw, w, in->cky_i, in->cky_r, IKE1_EX_IDENTITY_PROTECTION);
	ike1_w_payload(&iw, IKE1_PL_KE, in->ke, in->ke_len);
	ike1_w_payload(&iw, IKE1_PL_NONCE, in->nonce, in->nonce_len);
	if (in->natd_remote) {
		uint8_t t = in->natd_type ? in->natd_type : IKE1_PL_NAT_D;
		ike1_w_payload(&iw, t, in->natd_remote, in->natd_len);
		if (in->natd_local)
			ike1_w_payload(&iw, t, in->natd_local, in->natd_len);
	}
	return ike1_w_end(&iw);
}

int ike1_build_am1(struct wbuf *w, const struct ike1_am1 *in)
{
	struct ike1_writer iw;
	begin_msg(&iw, w, in->cky_i, NULL, IKE1_EX_AGGRESSIVE);
	ike1_w_sa(&iw, in->transforms, in->ntransforms);
	ike1_w_payload(&iw, IKE1_PL_KE, in->ke, in->ke_len);
	ike1_w_payload(&iw, IKE1_PL_NONCE, in->nonce, in->nonce_len);
	ike1_w_id(&iw, in->id_type, in->id_protocol, in->id_port, in->id, in->id_len);
	for (size_t i = 0; i < in->nvids; i++)
		ike1_w_payload(&iw, IKE1_PL_VID, in->vids[i].p, in->vids[i].len);
	return ike1_w_end(&iw);
}

int ike1_build_encrypted(struct wbuf *w, const struct ike1_header *hdr, uint8_t first_np, const uint8_t *plain,
			 size_t plain_len, size_t block, ike1_encrypt_fn enc, void *ctx)
{
	uint8_t pt[IKE1_MAX_PLAIN], ct[IKE1_MAX_PLAIN];
	struct wbuf pw;
	if (block == 0 || block > 32 || !enc)
		return -1;
	size_t pad = block - plain_len % block; /* 1..block: always some padding */
	if (plain_len > sizeof pt - block)
		return -1;
	wbuf_init(&pw, pt, sizeof pt);
	wbuf_bytes(&pw, plain, plain_len);
	wbuf_zero(&pw, pad - 1);
	wbuf_u8(&pw, (uint8_t)(pad - 1));
	if (pw.err || enc(ctx, pt, pw.len, ct) != 0)
		return -1;
	struct ike1_header h = *hdr;
	h.next_payload = first_np;
	h.flags |= IKE1_F_ENCRYPTION;
	h.version = h.version ? h.version : IKE1_VERSION;
	size_t start = w->len;
	h.length = (uint32_t)(IKE1_HDR_LEN + pw.len);
	w_header(w, &h);
	wbuf_bytes(w, ct, pw.len);
	return w->err ? -1 : (int)(w->len - start);
}

int ike1_build_mm5(struct wbuf *w, const struct ike1_mm5 *in, size_t block, ike1_encrypt_fn enc, void *ctx)
{
	uint8_t pt[IKE1_MAX_PLAIN];
	struct wbuf pw;
	struct ike1_writer iw;
	uint8_t first;
	struct ike1_header h;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_ID, in->idii_body, in->idii_len);
	ike1_w_payload(&iw, IKE1_PL_HASH, in->hash_i, in->hash_len);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	hdr_init(&h, in->cky_i, in->cky_r, IKE1_EX_IDENTITY_PROTECTION);
	return ike1_build_encrypted(w, &h, first, pt, pw.len, block, enc, ctx);
}

int ike1_build_info_delete(struct wbuf *w, const uint8_t cky_i[8], const uint8_t cky_r[8], uint32_t msg_id,
			   size_t block, ike1_encrypt_fn enc, ike1_hash1_fn hash1, void *ctx)
{
	uint8_t spi[16];
	struct ike1_header h;
	struct ike1_writer iw;
	memcpy(spi, cky_i, 8);
	memcpy(spi + 8, cky_r, 8);
	hdr_init(&h, cky_i, cky_r, IKE1_EX_INFORMATIONAL);
	h.msg_id = msg_id;
	if (!enc) {
		ike1_w_begin(&iw, w, &h);
		ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
		return ike1_w_end(&iw);
	}
	if (!hash1)
		return -1;
	/* The D payload alone first (its bytes are what HASH(1) covers), then HASH(1) + D. */
	uint8_t dbuf[64], pt[256], hv[64];
	size_t hlen = 0;
	struct wbuf dw, pw;
	uint8_t first;
	wbuf_init(&dw, dbuf, sizeof dbuf);
	ike1_w_begin_chain(&iw, &dw);
	ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	if (hash1(ctx, msg_id, dbuf, dw.len, hv, &hlen) != 0 || hlen == 0 || hlen > sizeof hv)
		return -1;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, hlen);
	ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	return ike1_build_encrypted(w, &h, first, pt, pw.len, block, enc, ctx);
}
