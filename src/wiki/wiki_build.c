/* `vpndiag wiki build`: the output folder, the order of the pages, the sitemap and the clean-up of
 * pages that an earlier build wrote and this one did not (an entry that was removed). */
#include "wiki/wiki.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dirw.h"
#include "util/html.h"
#include "util/sys.h"
#include "wiki/tmpl.h"
#include "wiki/wiki_site.h"

#define MARKER ".vpndiag-wiki"
#define MAX_PATH_LEN 4096
#define MAX_BASE_URL 1024

/* Everything one build writes, for the sitemap and the clean-up. */
struct written {
	char **path;
	size_t n, cap;
};

struct build {
	struct dirw *out;
	const char *dir;
	struct written w;
	struct wiki_stats *st;
	char *err;
	size_t errlen;
};

static int remember(struct build *b, const char *path)
{
	if (b->w.n == b->w.cap) {
		size_t cap = b->w.cap ? b->w.cap * 2 : 256;
		char **p = realloc(b->w.path, cap * sizeof *p);
		if (!p)
			return -1;
		b->w.path = p;
		b->w.cap = cap;
	}
	size_t n = strlen(path) + 1;
	char *copy = malloc(n);
	if (!copy)
		return -1;
	memcpy(copy, path, n);
	b->w.path[b->w.n++] = copy;
	return 0;
}

static int was_written(const struct build *b, const char *path)
{
	for (size_t i = 0; i < b->w.n; i++)
		if (strcmp(b->w.path[i], path) == 0)
			return 1;
	return 0;
}

/* Writes path (relative to the output folder) through a temporary file and a rename, so that a
 * page being served is never half written. */
static int write_file(struct build *b, const char *path, const char *data, size_t len)
{
	if (dirw_write(b->out, path, data, len, 0644, 0) != 0) {
		snprintf(b->err, b->errlen, "%s/%s: cannot write: %s", b->dir, path, sys_strerror(errno));
		return WIKI_EIO;
	}
	if (remember(b, path) != 0) {
		snprintf(b->err, b->errlen, "out of memory");
		return WIKI_EIO;
	}
	b->st->files++;
	b->st->bytes += len;
	return WIKI_OK;
}

static int write_buf(struct build *b, const char *path, struct html_buf *buf)
{
	if (buf->oom) {
		snprintf(b->err, b->errlen, "out of memory");
		return WIKI_EIO;
	}
	int rc = write_file(b, path, html_buf_cstr(buf), buf->len);
	html_buf_reset(buf);
	return rc;
}

/* dirw_list's callback: the first entry says "not empty" and stops the list. */
static int any_entry(void *ctx, const char *name)
{
	(void)name;
	*(int *)ctx = 1;
	return 1;
}

/* The output folder: created when missing; an existing one must be empty or hold an earlier
 * build (it has the marker file), so that a typo never overwrites someone's files. */
static int open_output(struct build *b)
{
	if (dirw_mkdir_path(b->dir) != 0 && errno != EEXIST) {
		snprintf(b->err, b->errlen, "%s: cannot create: %s", b->dir, sys_strerror(errno));
		return WIKI_EIO;
	}
	b->out = dirw_open(b->dir);
	if (!b->out) {
		snprintf(b->err, b->errlen, "%s: cannot open: %s", b->dir, sys_strerror(errno));
		return WIKI_EIO;
	}
	if (!dirw_exists(b->out, MARKER)) {
		int nonempty = 0;
		if (dirw_list(b->out, NULL, any_entry, &nonempty) != 0) {
			snprintf(b->err, b->errlen, "%s: cannot list: %s", b->dir, sys_strerror(errno));
			return WIKI_EIO;
		}
		if (nonempty) {
			snprintf(b->err, b->errlen,
				 "%s is not empty and holds no earlier wiki build (no %s file); give a new or empty folder",
				 b->dir, MARKER);
			return WIKI_EINPUT;
		}
	}
	static const char *const sub[] = {"errors", "tags"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
		if (dirw_mkdir(b->out, sub[i]) != 0 && errno != EEXIST) {
			snprintf(b->err, b->errlen, "%s/%s: cannot create: %s", b->dir, sub[i], sys_strerror(errno));
			return WIKI_EIO;
		}
	return WIKI_OK;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), c = strlen(suffix);
	return a >= c && strcmp(s + a - c, suffix) == 0;
}

struct stale {
	struct build *b;
	const char *sub;
};

/* dirw_list's callback: removes sub/name when it is a page this build did not write. */
static int stale_one(void *ctx, const char *name)
{
	struct stale *s = ctx;
	char path[MAX_PATH_LEN];
	if (name[0] == '.' || !ends_with(name, ".html"))
		return 0;
	snprintf(path, sizeof path, "%s/%s", s->sub, name);
	if (!was_written(s->b, path) && dirw_remove(s->b->out, path) == 0)
		s->b->st->removed++;
	return 0;
}

/* Removes the pages of sub/ (and a sitemap) that this build did not write: an entry or a tag that
 * no longer exists. Only *.html files the generator names, nothing else; a sub/ that is a link is
 * left alone. */
static void remove_stale(struct build *b)
{
	static const char *const sub[] = {"errors", "tags"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		struct stale s = {b, sub[i]};
		(void)dirw_list(b->out, sub[i], stale_one, &s);
	}
	if (!was_written(b, "sitemap.xml") && dirw_remove(b->out, "sitemap.xml") == 0)
		b->st->removed++;
}

/* Accepts http(s)://host/path, returns it with a trailing '/' in out. */
static int check_base_url(const char *url, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t n = strlen(url);
	int scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (!scheme || n <= (size_t)scheme || n + 2 > outlen || n > MAX_BASE_URL) {
		snprintf(err, errlen, "--base-url must be an absolute http:// or https:// URL (at most %d bytes)",
			 MAX_BASE_URL);
		return WIKI_EINPUT;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"'<>\\^`{|}#?", *p)) {
			snprintf(err, errlen, "--base-url contains a character that is not allowed in a URL "
					      "path (percent-encode it; no query or fragment)");
			return WIKI_EINPUT;
		}
	snprintf(out, outlen, "%s%s", url, url[n - 1] == '/' ? "" : "/");
	return WIKI_OK;
}

static void sitemap(struct build *b, const char *base, struct html_buf *out)
{
	html_raw(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	for (size_t i = 0; i < b->w.n; i++) {
		const char *p = b->w.path[i];
		if (!ends_with(p, ".html") || strcmp(p, "search.html") == 0)
			continue;
		html_raw(out, "  <url><loc>");
		html_text(out, base);
		html_text(out, strcmp(p, "index.html") == 0 ? "" : p);
		html_raw(out, "</loc></url>\n");
	}
	html_raw(out, "</urlset>\n");
}

int wiki_build(const struct kb *kb, const char *out_dir, const struct wiki_options *o, struct wiki_stats *st,
	       char *err, size_t errlen)
{
	char base[MAX_BASE_URL + 2];
	memset(st, 0, sizeof *st);
	if (o->base_url && check_base_url(o->base_url, base, sizeof base, err, errlen) != WIKI_OK)
		return WIKI_EINPUT;

	struct wiki_files files = {NULL, 0};
	if (wiki_files_load(&files, o->data_dir, err, errlen) != 0)
		return WIKI_EINPUT;
	struct wiki_site site = {.base_url = o->base_url ? base : NULL,
				 .generator = "vpndiag " VPNDIAG_VERSION,
				 .err = err,
				 .errlen = errlen};
	if (wiki_site_init(&site, kb, &files) != 0) {
		wiki_files_free(&files);
		return WIKI_EIO;
	}
	struct build b = {.out = NULL, .dir = out_dir, .st = st, .err = err, .errlen = errlen};
	struct html_buf buf;
	html_buf_init(&buf);
	char path[MAX_PATH_LEN];

	int rc = open_output(&b);
	/* Articles first: the bulk of the site. */
	for (size_t i = 0; rc == WIKI_OK && i < kb->n; i++) {
		char stem[32];
		kb_code_stem(kb->entries[i].code, stem, sizeof stem);
		snprintf(path, sizeof path, "errors/%s.html", stem);
		rc = wiki_page_article(&site, &kb->entries[i], &buf) != 0 ? WIKI_EINPUT : write_buf(&b, path, &buf);
		st->articles += rc == WIKI_OK;
	}
	for (size_t t = 0; rc == WIKI_OK && t < site.ntags; t++) {
		snprintf(path, sizeof path, "tags/%s.html", site.tags[t].slug);
		rc = wiki_page_tag(&site, &site.tags[t], &buf) != 0 ? WIKI_EINPUT : write_buf(&b, path, &buf);
		st->tags += rc == WIKI_OK;
	}
	if (rc == WIKI_OK)
		rc = wiki_page_tags(&site, &buf) != 0 ? WIKI_EINPUT : write_buf(&b, "tags/index.html", &buf);
	if (rc == WIKI_OK)
		rc = wiki_page_index(&site, &buf) != 0 ? WIKI_EINPUT : write_buf(&b, "index.html", &buf);
	if (rc == WIKI_OK)
		rc = wiki_page_search(&site, &buf) != 0 ? WIKI_EINPUT : write_buf(&b, "search.html", &buf);
	if (rc == WIKI_OK)
		rc = wiki_search_index(&site, &buf) != 0 ? WIKI_EIO : write_buf(&b, "search-index.js", &buf);
	for (size_t i = 0; rc == WIKI_OK && i < b.w.n; i++)
		st->pages += ends_with(b.w.path[i], ".html");
	/* Static files: every template file that is not an HTML template (style.css, search.js ...). */
	for (size_t i = 0; rc == WIKI_OK && i < files.n; i++)
		if (!ends_with(files.f[i].name, ".html"))
			rc = write_file(&b, files.f[i].name, files.f[i].data, files.f[i].len);
	if (rc == WIKI_OK && site.base_url) {
		sitemap(&b, base, &buf);
		rc = write_buf(&b, "sitemap.xml", &buf);
		st->sitemap = rc == WIKI_OK;
	}
	if (rc == WIKI_OK) {
		static const char marker[] = "This folder is a site written by `vpndiag wiki build`; each build rewrites it.\n";
		rc = write_file(&b, MARKER, marker, sizeof marker - 1);
	}
	if (rc == WIKI_OK)
		remove_stale(&b);

	for (size_t i = 0; i < b.w.n; i++)
		free(b.w.path[i]);
	free(b.w.path);
	dirw_close(b.out);
	html_buf_free(&buf);
	wiki_site_free(&site);
	wiki_files_free(&files);
	return rc;
}
