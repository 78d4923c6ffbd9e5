/* Loading the knowledge base: from the compiled-in blobs or from a data folder, then validating
 * the whole set. */
#include "kb/kb.h"
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static int cmp_entry(const void *a, const void *b)
{
	uint32_t x = ((const struct kb_entry *)a)->code, y = ((const struct kb_entry *)b)->code;
	return x < y ? -1 : x > y;
}

static int add_blob(struct kb *kb, size_t cap, const char *name, const unsigned char *data, size_t len,
		    char *err, size_t errlen)
{
	char perr[256];
	if (kb->n >= cap) {
		snprintf(err, errlen, "too many entries");
		return -1;
	}
	if (kb_parse_entry(name, data, len, &kb->entries[kb->n], perr, sizeof perr) != 0) {
		snprintf(err, errlen, "%s: %s", name, perr);
		return -1;
	}
	kb->n++;
	return 0;
}

/* Collects the first few validation problems, one per line, for a writer to fix in one go. */
struct collect {
	char buf[1024];
	size_t used;
	size_t count;
};

static void collect_msg(void *ctx, const char *msg)
{
	struct collect *c = ctx;
	if (c->count++ < 8 && c->used < sizeof c->buf) {
		int n = snprintf(c->buf + c->used, sizeof c->buf - c->used, "\n  %s", msg);
		if (n > 0)
			c->used += (size_t)n;
	}
}

static int finish(struct kb *kb, char *err, size_t errlen)
{
	qsort(kb->entries, kb->n, sizeof kb->entries[0], cmp_entry);
	struct collect c = {.used = 0, .count = 0};
	c.buf[0] = '\0';
	size_t problems = kb_validate(kb, collect_msg, &c);
	if (problems) {
		snprintf(err, errlen, "knowledge base has %zu problem%s:%s%s", problems, problems == 1 ? "" : "s",
			 c.buf, problems > 8 ? "\n  ..." : "");
		kb_free(kb);
		return -1;
	}
	return 0;
}

int kb_load_builtin(struct kb *kb, char *err, size_t errlen)
{
	memset(kb, 0, sizeof *kb);
	kb->entries = calloc(kb_builtin_count ? kb_builtin_count : 1, sizeof kb->entries[0]);
	if (!kb->entries) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < kb_builtin_count; i++)
		if (add_blob(kb, kb_builtin_count, kb_builtin_blobs[i].name, kb_builtin_blobs[i].data,
			     kb_builtin_blobs[i].len, err, errlen) != 0) {
			kb_free(kb);
			return -1;
		}
	return finish(kb, err, errlen);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int kb_load_dir(struct kb *kb, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	memset(kb, 0, sizeof *kb);
	snprintf(path, sizeof path, "%s/errors", dir);
	const char *folder = path;
	DIR *d = opendir(path);
	if (!d) {
		d = opendir(dir); /* DIR may be the errors folder itself */
		folder = dir;
	}
	if (!d) {
		snprintf(err, errlen, "%s: cannot open knowledge-base folder: %s", dir, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !ends_with(de->d_name, ".txt"))
			continue;
		if (kb->n == cap) {
			size_t ncap = cap ? cap * 2 : 128;
			if (ncap > 100000) {
				snprintf(err, errlen, "%s: too many files", dir);
				rc = -1;
				break;
			}
			struct kb_entry *grown = realloc(kb->entries, ncap * sizeof *grown);
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			kb->entries = grown;
			cap = ncap;
		}
		size_t len = 0;
		uint8_t *buf;
		char file[4096 + 256];
		snprintf(file, sizeof file, "%s/%s", folder, de->d_name);
		if (file_read_bounded(file, KB_MAX_FILE, FILE_DATA_TIMEOUT_MS, 0, &buf, &len, err, errlen) != 0) {
			rc = -1;
			break;
		}
		rc = add_blob(kb, cap, de->d_name, buf, len, err, errlen);
		free(buf);
		if (rc != 0)
			break;
	}
	closedir(d);
	if (rc == 0 && kb->n == 0) {
		snprintf(err, errlen, "%s: no *.txt entries found", dir);
		rc = -1;
	}
	if (rc != 0) {
		kb_free(kb);
		return -1;
	}
	return finish(kb, err, errlen);
}

int kb_load(struct kb *kb, const char *dir, char *err, size_t errlen)
{
	return dir ? kb_load_dir(kb, dir, err, errlen) : kb_load_builtin(kb, err, errlen);
}

void kb_free(struct kb *kb)
{
	for (size_t i = 0; i < kb->n; i++)
		kb_entry_free(&kb->entries[i]);
	free(kb->entries);
	kb->entries = NULL;
	kb->n = 0;
}

const struct kb_entry *kb_find_code(const struct kb *kb, uint32_t code)
{
	size_t lo = 0, hi = kb->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kb->entries[mid].code == code)
			return &kb->entries[mid];
		if (kb->entries[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Matches "ERROR_X" and, for HRESULT_FROM_WIN32(ERROR_X), the inner name too. */
const struct kb_entry *kb_find_symbol(const struct kb *kb, const char *symbol)
{
	for (size_t i = 0; i < kb->n; i++) {
		const char *s = kb->entries[i].symbol;
		if (text_ieq(s, symbol))
			return &kb->entries[i];
		const char *open = strchr(s, '(');
		if (open) {
			char inner[128];
			size_t n = strcspn(open + 1, ")");
			if (n < sizeof inner) {
				memcpy(inner, open + 1, n);
				inner[n] = '\0';
				if (text_ieq(inner, symbol))
					return &kb->entries[i];
			}
		}
	}
	return NULL;
}

__attribute__((format(VD_PRINTF, 4, 5)))
static void problem(void (*report)(void *, const char *), void *ctx, size_t *count, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(*count)++;
	if (report)
		report(ctx, msg);
}

size_t kb_validate(const struct kb *kb, void (*report)(void *ctx, const char *msg), void *ctx)
{
	size_t count = 0;
	for (size_t i = 0; i < kb->n; i++) {
		const struct kb_entry *e = &kb->entries[i];
		char stem[32], want[48];
		kb_code_stem(e->code, stem, sizeof stem);
		snprintf(want, sizeof want, "%s.txt", stem);
		if (e->file && strcmp(e->file, want) != 0)
			problem(report, ctx, &count, "%s: file name does not match code %lu", e->file, (unsigned long)e->code);
		if (i > 0 && kb->entries[i - 1].code == e->code)
			problem(report, ctx, &count, "%s: duplicate code %lu", e->file, (unsigned long)e->code);
		int hres = kb_is_hresult(e->code);
		if (hres != (e->category == KB_CAT_CERT || e->category == KB_CAT_TLS ||
			     (e->category == KB_CAT_WIN32 && hres)))
			problem(report, ctx, &count, "%s: category does not fit code %lu", e->file, (unsigned long)e->code);
		for (size_t r = 0; r < e->nrelated; r++) {
			if (e->related[r] == e->code)
				problem(report, ctx, &count, "%s: relates to itself (%lu)", e->file, (unsigned long)e->related[r]);
			else if (!kb_find_code(kb, e->related[r]))
				problem(report, ctx, &count, "%s: related code %lu does not exist", e->file,
					(unsigned long)e->related[r]);
		}
	}
	return count;
}
