/* Small text helpers shared by the knowledge base, the CLI and the renderers. */
#ifndef VPNDIAG_UTIL_TEXT_H
#define VPNDIAG_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool text_valid_utf8(const char *s, size_t len);
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
