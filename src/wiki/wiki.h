/* The error wiki: the knowledge base rendered as a static, self-contained web site
 * (`vpndiag wiki build DIR`). Layout of the output:
 *   index.html              what the wiki is, search box, codes by category, by protocol, A-Z
 *   errors/<stem>.html      one article per entry (stem as kb_code_stem: 809, 0x80092013)
 *   tags/index.html, tags/<tag>.html
 *   search.html, search.js, search-index.js (the index as a script, so search works from file://)
 *   style.css, copy.js, sitemap.xml (only with a base URL), .vpndiag-wiki (marks the folder)
 * Templates and static files come from data/wiki/ (compiled in; DATA/wiki/ overrides with --data). */
#ifndef VPNDIAG_WIKI_H
#define VPNDIAG_WIKI_H

#include <stddef.h>

#include "kb/kb.h"

struct wiki_options {
	const char *data_dir; /* read templates from data_dir/wiki/ where present, or NULL */
	const char *base_url; /* absolute http(s) URL of the published site, or NULL: no sitemap */
};

struct wiki_stats {
	size_t pages;    /* HTML pages written */
	size_t articles; /* of which articles */
	size_t tags;     /* of which tag pages (not counting tags/index.html) */
	size_t files;    /* every file written (pages, scripts, stylesheet, sitemap) */
	size_t removed;  /* stale pages of a previous build removed */
	size_t bytes;
	int sitemap;     /* 1 when sitemap.xml was written */
};

/* Result codes of wiki_build. */
enum {
	WIKI_OK = 0,
	WIKI_EINPUT = -1, /* bad base URL, bad template, output folder that is not a wiki */
	WIKI_EIO = -2,    /* cannot create or write the output, out of memory */
};

/* Writes the whole site into out_dir (created when missing; an existing folder must be empty or
 * hold an earlier build). Returns WIKI_OK, or an error code with a one-line message in err. */
int wiki_build(const struct kb *kb, const char *out_dir, const struct wiki_options *o, struct wiki_stats *st,
	       char *err, size_t errlen);

#endif
