/* The one bounds-checked cursor every codec reads and writes through. No pointer arithmetic on
 * network bytes happens outside this file and wbuf.c.
 *
 * Reader: every get checks the length against what remains; on a short buffer it sets r->err,
 * returns false, and every later call fails too (so a parser can check once at the end).
 * Writer: writes into a caller-provided buffer; an overflow sets w->err and writes nothing more. */
#ifndef VPNDIAG_WIRE_WBUF_H
#define VPNDIAG_WIRE_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

void rbuf_init(struct rbuf *r, const uint8_t *p, size_t len);
size_t rbuf_left(const struct rbuf *r);
bool rbuf_u8(struct rbuf *r, uint8_t *v);
bool rbuf_u16(struct rbuf *r, uint16_t *v); /* big-endian */
bool rbuf_u32(struct rbuf *r, uint32_t *v);
bool rbuf_u64(struct rbuf *r, uint64_t *v);
bool rbuf_skip(struct rbuf *r, size_t n);
/* Points *out at the next n bytes (inside the original buffer) and advances. */
bool rbuf_bytes(struct rbuf *r, size_t n, const uint8_t **out);
/* Copies the next n bytes into dst. */
bool rbuf_copy(struct rbuf *r, void *dst, size_t n);
/* A sub-reader over the next n bytes; advances r past them. */
bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub);

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

void wbuf_init(struct wbuf *w, uint8_t *p, size_t cap);
bool wbuf_u8(struct wbuf *w, uint8_t v);
bool wbuf_u16(struct wbuf *w, uint16_t v);
bool wbuf_u32(struct wbuf *w, uint32_t v);
bool wbuf_u64(struct wbuf *w, uint64_t v);
bool wbuf_bytes(struct wbuf *w, const void *src, size_t n);
bool wbuf_zero(struct wbuf *w, size_t n);
/* Overwrites a u8 / big-endian u16/u32 at an earlier offset (length and next-payload fields
 * written after the body). */
bool wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v);
bool wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v);
/* Closes a generic payload (IKEv1 and IKEv2 alike) started at off: writes the bytes written since
 * off into its 16-bit length field at off + 2; a payload over 65535 bytes sets w->err. */
void wbuf_end_payload(struct wbuf *w, size_t off);
bool wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v);

#endif
