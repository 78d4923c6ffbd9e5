/* Small helpers every wire codec shares: the error-message writer, value-to-name tables, a
 * bounded string appender and the "take n bytes as a blob" step. Pure; no I/O, no allocation. */
#ifndef VPNDIAG_WIRE_WIRE_UTIL_H
#define VPNDIAG_WIRE_WIRE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

/* Formats into err (when err is non-NULL and errlen non-zero, truncating as snprintf does) and
 * returns -1, so a parser can write `return wire_fail(err, errlen, "...", ...);`. */
int wire_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));

/* One entry of a value-to-name table. */
struct wire_name {
	uint32_t v;
	const char *name;
};

/* The name of v in t[0..n), or "UNKNOWN" when v is not there (the first match wins). */
const char *wire_name_lookup(const struct wire_name *t, size_t n, uint32_t v);

/* wire_name_lookup on an array table t (not a pointer). */
#define WIRE_NAME(t, v) wire_name_lookup((t), sizeof(t) / sizeof((t)[0]), (v))

/* The X callback for the codecs' constant lists, X(NAME, value): the table entry {value, "NAME"}. */
#define WIRE_X_NAME(name, value) {(value), #name},

/* Appends printf output to out at *pos without ever overrunning outlen; out stays NUL-terminated.
 * Once the text no longer fits, *pos becomes outlen and later calls append nothing. */
void wire_str_append(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
	__attribute__((format(VD_PRINTF, 4, 5)));

/* Points *p at the next n bytes of r and sets *len = n; on n == 0 or a short reader, *p = NULL and
 * *len = 0 (the short read latches r->err as every rbuf get does). */
void wire_take(struct rbuf *r, size_t n, const uint8_t **p, size_t *len);

#endif
