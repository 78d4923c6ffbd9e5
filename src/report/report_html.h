/* The HTML report of a probe run (`vpndiag probe --html FILE`): one self-contained page for a
 * ticket, in the wiki's look (template report.html and style.css from data/wiki/, inlined; the
 * copy buttons are copy.js, inlined, and optional: with scripts off the page reads the same).
 * Format only, like report_probe.c: from struct diagnosis and struct obs_result. Every string
 * from the network (certificate subjects, vendor IDs, HTTP bodies, evidence) goes through the
 * escapers of util/html.h. The page loads nothing: the only links are to the error wiki's
 * articles (wiki_url + "errors/<stem>.html", the layout of `vpndiag wiki build`).
 *
 * Machine-readable parts (tests compare them with --json): each row of the verdict table is
 *   <tr data-protocol="ikev2" data-verdict="fails" data-error="809" data-cause="udp500-filtered">
 * and each finding <section class="finding" data-protocol=... data-cause=... data-error=...
 * data-severity=... data-basis=...>; data-error is decimal, "" when there is none.
 * Ownership: everything is borrowed; the page is appended to the caller's buffer. */
#ifndef VPNDIAG_REPORT_HTML_H
#define VPNDIAG_REPORT_HTML_H

#include <stddef.h>
#include <time.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "rules/rules.h"
#include "util/html.h"

/* The page's look: the wiki's files (wiki/tmpl.h's set: report.html, style.css, copy.js). */
struct report_html_look {
	const char *tmpl;   /* report.html */
	size_t tmpl_len;
	const char *css;    /* style.css, inlined into <style> */
	const char *script; /* copy.js, inlined; NULL or "": no copy buttons */
};

struct report_html_opts {
	const char *wiki_url; /* base of the article links, checked by report_html_wiki_url; NULL or "":
			       * relative, "errors/809.html" (the report saved in the wiki's folder) */
	time_t when;          /* when the run was made (shown in UTC) */
	const char *scope;    /* NULL or "", or a note on what the page covers (several addresses) */
};

/* Normalises a --wiki-url value into out: an http(s):// or file:// URL, or a path (relative or
 * absolute) without a scheme; a '/' is added at the end when missing. Refused: other schemes
 * (javascript:, data: ...), spaces, control characters, quotes and angle brackets. Returns 0, or
 * -1 with a one-line reason in err. */
int report_html_wiki_url(const char *in, char *out, size_t outlen, char *err, size_t errlen);

/* Appends the whole page to out. kb may be NULL (no error titles, no wiki links). Returns 0, or
 * -1 with a message in err (a template error, or out of memory). */
int report_html(struct html_buf *out, const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
		const struct report_html_look *look, const struct report_html_opts *o, char *err, size_t errlen);

#endif
