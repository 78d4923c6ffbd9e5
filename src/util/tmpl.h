/* The template engine of the wiki and the HTML report: plain HTML files (data/wiki/NAME.html)
 * with {{placeholders}} that the caller fills with escaped values. Shared by wiki/ (the site) and
 * report/ (report_html.c), hence in util/; the set of template files is wiki/tmpl.h's.
 *
 * Syntax (documented for template editors in data/wiki/README.md):
 *   {{name}}               the value of name; text values are HTML-escaped here
 *   {{#name}} ... {{/name}}  the block is kept only when name is not empty
 *   {{^name}} ... {{/name}}  the block is kept only when name is empty
 * An unknown name, a malformed placeholder or an unclosed block is an error naming the template
 * and the line, so that a layout edit can never silently drop content. */
#ifndef VPNDIAG_UTIL_TMPL_H
#define VPNDIAG_UTIL_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/html.h"

struct tmpl_var {
	const char *name;
	const char *value; /* NULL is the same as "" */
	bool html;         /* true: a fragment the caller built with the html_* helpers */
};

#define TMPL_MAX_VARS 48

/* The variables of one page. Ownership: names and values are borrowed; they must outlive
 * the tmpl_render() call that uses them. */
struct tmpl_vars {
	struct tmpl_var v[TMPL_MAX_VARS];
	size_t n;
};

void tmpl_vars_text(struct tmpl_vars *vs, const char *name, const char *value);
void tmpl_vars_html(struct tmpl_vars *vs, const char *name, const char *html);

/* Renders tmpl[0..len) into out (appending). tname names the template in messages.
 * Returns 0, or -1 with "TEMPLATE line N: reason" in err. */
int tmpl_render(const char *tname, const char *tmpl, size_t len, const struct tmpl_vars *vs, struct html_buf *out,
		char *err, size_t errlen);

#endif
