#include "util/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool text_valid_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min, cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, min = 0x80, cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, min = 0x800, cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

/* UTF-16LE to UTF-8: one pass over 16-bit units, the output bounded before it is allocated (a unit
 * gives at most 3 bytes, a surrogate pair 4 for its two units). */
char *text_utf16le_to_utf8(const uint8_t *in, size_t len, size_t max, size_t *outlen, char *err, size_t errlen)
{
	*outlen = 0;
	if (len % 2 != 0) {
		snprintf(err, errlen, "UTF-16 text of an odd length (%zu bytes)", len);
		return NULL;
	}
	size_t cap = len / 2 * 3;
	if (cap > max)
		cap = max;
	char *out = malloc(cap + 1);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			snprintf(err, errlen, "UTF-16 text with an unpaired surrogate at byte %zu", i);
			free(out);
			return NULL;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo = i + 3 < len ? (uint32_t)in[i + 2] | (uint32_t)in[i + 3] << 8 : 0;
			if (lo < 0xDC00 || lo > 0xDFFF) {
				snprintf(err, errlen, "UTF-16 text with an unpaired surrogate at byte %zu", i);
				free(out);
				return NULL;
			}
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (n > cap - o) {
			snprintf(err, errlen, "UTF-16 text longer than %zu bytes once in UTF-8", max);
			free(out);
			return NULL;
		}
		if (n == 1) {
			out[o++] = (char)cp;
		} else if (n == 2) {
			out[o++] = (char)(0xC0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (n == 3) {
			out[o++] = (char)(0xE0 | cp >> 12);
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | cp >> 18);
			out[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int text_to_utf8(const uint8_t *buf, size_t len, size_t max, const char **text, size_t *n, char **owned, char *err,
		 size_t errlen)
{
	*owned = NULL;
	*text = (const char *)buf;
	*n = len;
	if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
		*owned = text_utf16le_to_utf8(buf + 2, len - 2, max, n, err, errlen);
		if (!*owned)
			return -1;
		*text = *owned;
	} else if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF) {
		snprintf(err, errlen, "UTF-16 big-endian text, which Windows does not write");
		return -1;
	} else if (len >= 2 && buf[0] != 0 && buf[1] == 0) {
		snprintf(err, errlen, "UTF-16 text without a byte-order mark");
		return -1;
	} else if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
		*text += 3;
		*n -= 3;
	}
	return 0;
}

void text_rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

bool text_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

const char *text_istr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return hay;
	for (; *hay; hay++) {
		size_t k = 0;
		while (k < n && hay[k] && tolower((unsigned char)hay[k]) == tolower((unsigned char)needle[k]))
			k++;
		if (k == n)
			return hay;
	}
	return NULL;
}

/* Display width of a UTF-8 run: counts code points, not bytes (good enough for Latin text). */
static int cols(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

void text_wrap(FILE *out, const char *text, int col, int indent, int width)
{
	bool line_start = true; /* nothing of the text printed on this line yet */
	const char *p = text;
	if (col < indent) {
		fprintf(out, "%*s", indent - col, "");
		col = indent;
	}
	while (*p) {
		if (*p == '\n') {
			fprintf(out, "\n%*s", indent, "");
			p++;
			line_start = true;
			col = indent;
			continue;
		}
		p += strspn(p, " ");
		size_t n = strcspn(p, " \n");
		if (n == 0)
			continue;
		int w = cols(p, n);
		if (!line_start && col + 1 + w > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, n, out);
		col += w;
		line_start = false;
		p += n;
	}
	fputc('\n', out);
}
