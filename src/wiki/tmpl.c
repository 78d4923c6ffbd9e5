/* The set of template files of the wiki and the HTML report (the engine is util/tmpl.c). */
#include "wiki/tmpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb/kb.h"
#include "util/file.h"
#include "util/text.h"

extern const struct kb_blob wiki_builtin_blobs[];
extern const size_t wiki_builtin_count;

#define WIKI_MAX_FILE (256u * 1024u)

/* ---- the set of template files --------------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Reads DIR/wiki/NAME when it exists. Returns 1 when read, 0 when absent, -1 on error. */
static int read_override(const char *dir, const char *name, char **data, size_t *len, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/wiki/%s", dir, name);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	uint8_t *raw;
	size_t got;
	if (file_read_bounded(path, WIKI_MAX_FILE, FILE_DATA_TIMEOUT_MS, 0, &raw, &got, err, errlen) != 0)
		return -1;
	char *buf = (char *)raw; /* NUL-terminated by the reader */
	if (!text_valid_utf8(buf, got) || memchr(buf, '\0', got)) {
		snprintf(err, errlen, "%s: not UTF-8 text", path);
		free(buf);
		return -1;
	}
	*data = buf;
	*len = got;
	return 1;
}

int wiki_files_load(struct wiki_files *fs, const char *data_dir, char *err, size_t errlen)
{
	fs->n = 0;
	fs->f = calloc(wiki_builtin_count ? wiki_builtin_count : 1, sizeof *fs->f);
	if (!fs->f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < wiki_builtin_count; i++) {
		const struct kb_blob *b = &wiki_builtin_blobs[i];
		if (!b->name)
			continue;
		struct wiki_file *f = &fs->f[fs->n];
		f->name = dup_n(b->name, strlen(b->name));
		int r = 0;
		if (f->name && data_dir)
			r = read_override(data_dir, b->name, &f->data, &f->len, err, errlen);
		if (r < 0) {
			free(f->name);
			wiki_files_free(fs);
			return -1;
		}
		if (r == 1) {
			f->from_data = true;
		} else {
			f->data = dup_n((const char *)b->data, b->len);
			f->len = b->len;
		}
		if (!f->name || !f->data) {
			free(f->name);
			free(f->data);
			wiki_files_free(fs);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		fs->n++;
	}
	return 0;
}

void wiki_files_free(struct wiki_files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].name);
		free(fs->f[i].data);
	}
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

const struct wiki_file *wiki_files_find(const struct wiki_files *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0)
			return &fs->f[i];
	return NULL;
}
