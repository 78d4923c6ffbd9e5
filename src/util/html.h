/* Building HTML (and XML) safely: a growable output buffer and the escaping helpers that every
 * piece of text goes through on its way into a page: knowledge-base text in the wiki, and in the
 * HTML report (report/report_html.h) strings from the network, which are hostile (certificate
 * subjects, vendor IDs, HTTP bodies). Nothing is ever pasted into markup unescaped. Shared by
 * wiki/ and report/, hence in util/.
 * Ownership: a struct html_buf owns its bytes; html_buf_free() releases them. A failed allocation
 * makes the buffer "broken" (oom set): later writes are ignored and the caller checks oom once. */
#ifndef VPNDIAG_UTIL_HTML_H
#define VPNDIAG_UTIL_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct html_buf {
	char *p;    /* NUL-terminated when len > 0 or after html_buf_cstr() */
	size_t len;
	size_t cap;
	bool oom;
};

void html_buf_init(struct html_buf *b);
void html_buf_free(struct html_buf *b);
void html_buf_reset(struct html_buf *b); /* len = 0, keeps the memory */
/* The contents as a C string ("" when empty). Valid until the next write. */
const char *html_buf_cstr(struct html_buf *b);

/* Raw writes: only for markup that the program itself writes (tags, attribute names). */
void html_raw(struct html_buf *b, const char *s);
void html_raw_n(struct html_buf *b, const char *s, size_t n);
void html_rawf(struct html_buf *b, const char *fmt, ...) __attribute__((format(VD_PRINTF, 2, 3)));

/* Text content: escapes & < > (and quotes, so the result is safe in any context). */
void html_text(struct html_buf *b, const char *s);
/* A quoted attribute value: escapes & < > " ' and turns control characters (tab, newline) into
 * character references so that the value survives as written. */
void html_attr(struct html_buf *b, const char *s);
/* Percent-encodes s for a URL query value (RFC 3986 unreserved characters pass through). */
void html_url_query(struct html_buf *b, const char *s);
/* A JSON text placed inside <script type="application/ld+json"> (or any script element): escapes
 * '<', '>', '&' and U+2028/U+2029 as \uXXXX so that the data can never close the element. */
void html_json_script(struct html_buf *b, const char *json);

/* A URL- and id-safe slug of s: lower-case a-z, 0-9 and '-', runs of anything else become one
 * '-', no leading or trailing '-', at most outlen-1 bytes; "x" when nothing is left. */
void html_slug(const char *s, char *out, size_t outlen);

#endif
