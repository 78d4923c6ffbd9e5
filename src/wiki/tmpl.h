/* Page templates of the wiki: plain HTML files (data/wiki/NAME.html, compiled in, or read from
 * DATA/wiki/ with --data) with {{placeholders}} that the generator fills with escaped values.
 *
 * Syntax (documented for template editors in data/wiki/README.md):
 *   {{name}}               the value of name; text values are HTML-escaped here
 *   {{#name}} ... {{/name}}  the block is kept only when name is not empty
 *   {{^name}} ... {{/name}}  the block is kept only when name is empty
 * An unknown name, a malformed placeholder or an unclosed block is an error naming the template
 * and the line, so that a layout edit can never silently drop content. */
#ifndef VPNDIAG_WIKI_TMPL_H
#define VPNDIAG_WIKI_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "wiki/html.h"

struct wiki_var {
	const char *name;
	const char *value; /* NULL is the same as "" */
	bool html;         /* true: a fragment the generator built with the html_* helpers */
};

#define WIKI_MAX_VARS 48

/* The variables of one page. Ownership: names and values are borrowed; they must outlive
 * the wiki_tmpl_render() call that uses them. */
struct wiki_vars {
	struct wiki_var v[WIKI_MAX_VARS];
	size_t n;
};

void wiki_vars_text(struct wiki_vars *vs, const char *name, const char *value);
void wiki_vars_html(struct wiki_vars *vs, const char *name, const char *html);

/* Renders tmpl[0..len) into out (appending). tname names the template in messages.
 * Returns 0, or -1 with "TEMPLATE line N: reason" in err. */
int wiki_tmpl_render(const char *tname, const char *tmpl, size_t len, const struct wiki_vars *vs,
		     struct html_buf *out, char *err, size_t errlen);

/* One template or static file of the site (style.css, search.js ...). */
struct wiki_file {
	char *name;
	char *data; /* NUL-terminated copy */
	size_t len;
	bool from_data; /* read from DATA/wiki/ rather than compiled in */
};

struct wiki_files {
	struct wiki_file *f;
	size_t n;
};

/* Loads the compiled-in files, each replaced by DATA/wiki/NAME when data_dir is given and that
 * file exists. Returns 0, or -1 with a message. */
int wiki_files_load(struct wiki_files *fs, const char *data_dir, char *err, size_t errlen);
void wiki_files_free(struct wiki_files *fs);
const struct wiki_file *wiki_files_find(const struct wiki_files *fs, const char *name);

#endif
