/* The bounds-checked reader and writer (wire/wbuf.h). Every access checks the length against
 * what remains before touching a byte; the first failure latches err. */
#include "wire/wbuf.h"

#include <string.h>

void rbuf_init(struct rbuf *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = false;
}

size_t rbuf_left(const struct rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* Claims n bytes and points *q at them; false (and err latched) when fewer remain. *q may be
 * NULL for n == 0 on an empty reader. */
static bool rbuf_take(struct rbuf *r, size_t n, const uint8_t **q)
{
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return false;
	}
	*q = r->p ? r->p + r->off : NULL;
	r->off += n;
	return true;
}

bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	const uint8_t *q;
	if (!rbuf_take(r, 1, &q))
		return false;
	*v = q[0];
	return true;
}

bool rbuf_u16(struct rbuf *r, uint16_t *v)
{
	const uint8_t *q;
	if (!rbuf_take(r, 2, &q))
		return false;
	*v = (uint16_t)((unsigned)q[0] << 8 | q[1]);
	return true;
}

bool rbuf_u32(struct rbuf *r, uint32_t *v)
{
	const uint8_t *q;
	if (!rbuf_take(r, 4, &q))
		return false;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	return true;
}

bool rbuf_u64(struct rbuf *r, uint64_t *v)
{
	const uint8_t *q;
	if (!rbuf_take(r, 8, &q))
		return false;
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | q[i];
	*v = x;
	return true;
}

bool rbuf_skip(struct rbuf *r, size_t n)
{
	const uint8_t *q;
	return rbuf_take(r, n, &q);
}

bool rbuf_bytes(struct rbuf *r, size_t n, const uint8_t **out)
{
	const uint8_t *q;
	if (!rbuf_take(r, n, &q))
		return false;
	*out = q;
	return true;
}

bool rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *q;
	if (!rbuf_take(r, n, &q))
		return false;
	if (n)
		memcpy(dst, q, n);
	return true;
}

bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	const uint8_t *q;
	if (!rbuf_take(r, n, &q)) {
		rbuf_init(sub, NULL, 0);
		sub->err = true;
		return false;
	}
	rbuf_init(sub, q, n);
	return true;
}

void wbuf_init(struct wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->len = 0;
	w->err = false;
}

/* Claims n bytes at the end and points *q at them; false (and err latched) on overflow. */
static bool wbuf_take(struct wbuf *w, size_t n, uint8_t **q)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return false;
	}
	*q = w->p ? w->p + w->len : NULL;
	w->len += n;
	return true;
}

bool wbuf_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *q;
	if (!wbuf_take(w, 1, &q))
		return false;
	q[0] = v;
	return true;
}

bool wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *q;
	if (!wbuf_take(w, 2, &q))
		return false;
	q[0] = (uint8_t)(v >> 8);
	q[1] = (uint8_t)v;
	return true;
}

bool wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *q;
	if (!wbuf_take(w, 4, &q))
		return false;
	for (int i = 0; i < 4; i++)
		q[i] = (uint8_t)(v >> (24 - 8 * i));
	return true;
}

bool wbuf_u64(struct wbuf *w, uint64_t v)
{
	uint8_t *q;
	if (!wbuf_take(w, 8, &q))
		return false;
	for (int i = 0; i < 8; i++)
		q[i] = (uint8_t)(v >> (56 - 8 * i));
	return true;
}

bool wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *q;
	if (!wbuf_take(w, n, &q))
		return false;
	if (n)
		memcpy(q, src, n);
	return true;
}

bool wbuf_zero(struct wbuf *w, size_t n)
{
	uint8_t *q;
	if (!wbuf_take(w, n, &q))
		return false;
	if (n)
		memset(q, 0, n);
	return true;
}

bool wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v)
{
	if (w->err || off > w->len || w->len - off < 2) {
		w->err = true;
		return false;
	}
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
	return true;
}

void wbuf_end_payload(struct wbuf *w, size_t off)
{
	if (w->err)
		return;
	if (off > w->len || w->len - off > 0xffff) {
		w->err = true;
		return;
	}
	wbuf_put_u16_at(w, off + 2, (uint16_t)(w->len - off));
}

bool wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v)
{
	if (w->err || off > w->len || w->len - off < 4) {
		w->err = true;
		return false;
	}
	for (int i = 0; i < 4; i++)
		w->p[off + (size_t)i] = (uint8_t)(v >> (24 - 8 * i));
	return true;
}

bool wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v)
{
	if (w->err || off >= w->len) {
		w->err = true;
		return false;
	}
	w->p[off] = v;
	return true;
}
