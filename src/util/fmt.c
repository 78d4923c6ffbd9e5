#include "util/fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fmt_into(char *out, size_t outlen, const char *fmt, ...)
{
	if (!outlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0)
		out[0] = '\0';
}

void fmt_append(char *out, size_t outlen, const char *fmt, ...)
{
	size_t used = strnlen(out, outlen);
	if (used + 1 >= outlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + used, outlen - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		out[used] = '\0';
}
