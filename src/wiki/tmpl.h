/* The wiki's template files (data/wiki/NAME, compiled in, or read from DATA/wiki/ with --data):
 * page templates and static files (style.css, copy.js ...). The HTML report (report_html.c) uses
 * the same set. The template engine itself is util/tmpl.h. */
#ifndef VPNDIAG_WIKI_TMPL_H
#define VPNDIAG_WIKI_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/tmpl.h"

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
