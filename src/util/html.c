/* Escaping helpers and the output buffer of every HTML writer (the wiki, the HTML report). */
#include "util/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_buf_init(struct html_buf *b)
{
	memset(b, 0, sizeof *b);
}

void html_buf_free(struct html_buf *b)
{
	free(b->p);
	html_buf_init(b);
}

void html_buf_reset(struct html_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static bool grow(struct html_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra > ((size_t)-1) / 4 - b->len) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

const char *html_buf_cstr(struct html_buf *b)
{
	if (!b->p)
		return "";
	b->p[b->len] = '\0';
	return b->p;
}

void html_raw_n(struct html_buf *b, const char *s, size_t n)
{
	if (n == 0 || !grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void html_raw(struct html_buf *b, const char *s)
{
	if (s)
		html_raw_n(b, s, strlen(s));
}

void html_rawf(struct html_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Writes s with the characters that need it replaced by references. attr additionally encodes
 * control characters, which an attribute value would otherwise normalise away. */
static void escape(struct html_buf *b, const char *s, bool attr)
{
	if (!s)
		return;
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		char num[8];
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c < 0x20 && attr) {
				snprintf(num, sizeof num, "&#%u;", c);
				rep = num;
			} else if (c < 0x20 && c != '\n' && c != '\t') {
				rep = " "; /* other control characters are not allowed in HTML text */
			}
			break;
		}
		if (rep) {
			html_raw_n(b, run, (size_t)(s - run));
			html_raw(b, rep);
			run = s + 1;
		}
	}
	html_raw_n(b, run, (size_t)(s - run));
}

void html_text(struct html_buf *b, const char *s)
{
	escape(b, s, false);
}

void html_attr(struct html_buf *b, const char *s)
{
	escape(b, s, true);
}

void html_url_query(struct html_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			html_raw_n(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			html_raw_n(b, e, 3);
		}
	}
}

void html_json_script(struct html_buf *b, const char *json)
{
	const char *run = json;
	const char *s = json;
	while (s && *s) {
		const char *rep = NULL;
		size_t skip = 1;
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			rep = "\\u003c";
		else if (c == '>')
			rep = "\\u003e";
		else if (c == '&')
			rep = "\\u0026";
		else if (c == 0xE2 && (unsigned char)s[1] == 0x80 && ((unsigned char)s[2] == 0xA8 || (unsigned char)s[2] == 0xA9)) {
			rep = (unsigned char)s[2] == 0xA8 ? "\\u2028" : "\\u2029";
			skip = 3;
		}
		if (rep) {
			html_raw_n(b, run, (size_t)(s - run));
			html_raw(b, rep);
			s += skip;
			run = s;
		} else {
			s++;
		}
	}
	if (json)
		html_raw_n(b, run, (size_t)(s - run));
}

void html_slug(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	bool dash = false;
	if (outlen == 0)
		return;
	for (; s && *s && n + 1 < outlen; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && n > 0 && n + 2 < outlen)
				out[n++] = '-';
			dash = false;
			out[n++] = c;
		} else {
			dash = true;
		}
	}
	if (n == 0 && outlen > 1)
		out[n++] = 'x';
	out[n] = '\0';
}
