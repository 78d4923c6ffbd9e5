/* Small text helpers shared by the knowledge base, the CLI and the renderers. */
#ifndef VPNDIAG_UTIL_TEXT_H
#define VPNDIAG_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool text_valid_utf8(const char *s, size_t len);
/* Converts UTF-16LE in[0..len) (without its byte-order mark: the caller skips it) to UTF-8 in a new
 * malloc'd buffer, NUL-terminated, its length (without the NUL) in *outlen. Surrogate pairs are
 * joined; an odd length, an unpaired surrogate or a result over max bytes gives NULL with a one-line
 * reason in err that names a byte offset, never content (NULL and "out of memory" likewise). U+0000
 * is converted like any other character: the caller decides what a NUL byte means. */
char *text_utf16le_to_utf8(const uint8_t *in, size_t len, size_t max, size_t *outlen, char *err, size_t errlen);
/* The UTF-8 text of a file read whole, by its byte-order mark: a UTF-8 BOM is skipped; UTF-16LE
 * with a BOM is converted (text_utf16le_to_utf8, at most max bytes) into *owned, which the caller
 * frees (wiping it first if the text may hold a secret); UTF-16BE, and UTF-16 without a BOM (a NUL
 * second byte), are refused with a one-line reason. Sets *text and *n to the text (in buf, or
 * *owned); *owned is NULL when nothing was allocated. Returns 0, or -1 with the reason in err. The
 * text itself is not checked for UTF-8: the caller does that where it knows line numbers. */
int text_to_utf8(const uint8_t *buf, size_t len, size_t max, const char **text, size_t *n, char **owned, char *err,
		 size_t errlen);
/* Removes trailing white space in place. */
void text_rtrim(char *s);
/* ASCII case-insensitive equality. */
bool text_ieq(const char *a, const char *b);
/* ASCII case-insensitive substring search; returns the match or NULL. */
const char *text_istr(const char *hay, const char *needle);

/* Prints text wrapped at width and ends the line. col is the column the cursor is at (what the
 * caller already printed on this line); the first line is padded to indent if col is less, and
 * every further line starts with indent spaces. Existing newlines are kept. */
void text_wrap(FILE *out, const char *text, int col, int indent, int width);

#endif
