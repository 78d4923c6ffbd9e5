/* Internal to src/wiki: the model the page renderers share (tags, templates, base URL) and the
 * renderers themselves. Each renderer appends one whole file to out and returns 0, or -1 with a
 * message in site->err. */
#ifndef VPNDIAG_WIKI_SITE_H
#define VPNDIAG_WIKI_SITE_H

#include <stddef.h>

#include "kb/kb.h"
#include "util/html.h"
#include "wiki/tmpl.h"

#define WIKI_SLUG_MAX 80

struct wiki_tag {
	const char *name;            /* borrowed from the first entry that has it */
	char slug[WIKI_SLUG_MAX];    /* file stem under tags/, unique */
	const struct kb_entry **e;   /* entries with the tag, in code order (owned) */
	size_t n;
};

struct wiki_site {
	const struct kb *kb;
	const struct wiki_files *files;
	const char *base_url; /* with a trailing '/', or NULL */
	const char *generator;
	struct wiki_tag *tags; /* sorted by name (owned) */
	size_t ntags;
	char *err;
	size_t errlen;
};

int wiki_site_init(struct wiki_site *s, const struct kb *kb, const struct wiki_files *files);
void wiki_site_free(struct wiki_site *s);
const struct wiki_tag *wiki_site_tag(const struct wiki_site *s, const char *name);

int wiki_page_article(struct wiki_site *s, const struct kb_entry *e, struct html_buf *out);
int wiki_page_index(struct wiki_site *s, struct html_buf *out);
int wiki_page_tag(struct wiki_site *s, const struct wiki_tag *t, struct html_buf *out);
int wiki_page_tags(struct wiki_site *s, struct html_buf *out);
int wiki_page_search(struct wiki_site *s, struct html_buf *out);
/* search-index.js: `var VPNDIAG_INDEX = {...};` with report_kb_json of every entry. */
int wiki_search_index(struct wiki_site *s, struct html_buf *out);

#endif
