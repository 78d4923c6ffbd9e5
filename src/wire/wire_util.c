/* Helpers shared by the wire codecs (wire/wire_util.h). */
#include "wire/wire_util.h"

#include <stdarg.h>
#include <stdio.h>

int wire_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *wire_name_lookup(const struct wire_name *t, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return "UNKNOWN";
}

void wire_str_append(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
{
	if (*pos >= outlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *pos, outlen - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos = (size_t)n >= outlen - *pos ? outlen : *pos + (size_t)n;
}

void wire_take(struct rbuf *r, size_t n, const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (n && rbuf_bytes(r, n, p))
		*len = n;
}
