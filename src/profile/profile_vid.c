/* The vendor-ID table (profile/profile.h, data/profiles/vendor-ids.txt): a pure parser over
 * (buf, len), longest-prefix lookup, and the compiled-in table parsed on first use. */
#include "profile/profile.h"
#include "profile/profile_lines.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool profile_vid_from_text(const char *s, struct profile_vid *v, const char **why)
{
	size_t n = 0;
	memset(v, 0, sizeof *v);
	while (*s && *s != ' ' && *s != '\t') {
		int hi = hexval((unsigned char)s[0]), lo = s[1] ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0) {
			*why = "vendor ID is not an even number of hex digits";
			return false;
		}
		if (n >= PROFILE_MAX_VID_LEN) {
			*why = "vendor ID longer than 64 bytes";
			return false;
		}
		v->data[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n == 0) {
		*why = "empty vendor ID";
		return false;
	}
	v->len = n;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strlen(s) >= sizeof v->name) {
		*why = "vendor ID name too long";
		return false;
	}
	snprintf(v->name, sizeof v->name, "%s", s);
	return true;
}

/* ---- vendor IDs ---- */

int profile_vid_table_parse(const char *name, const uint8_t *buf, size_t len, struct profile_vid_table *out,
			    char *err, size_t errlen)
{
	struct profile_lines *lr;
	char *key, *v;
	int rc;
	size_t cap = 0;

	out->n = 0;
	out->v = NULL;
	if (!buf && len)
		return profile_err(err, errlen, name, 0, "no data");
	if (len > PROFILE_MAX_FILE)
		return profile_err(err, errlen, name, 0, "file larger than %u bytes", PROFILE_MAX_FILE);
	lr = calloc(1, sizeof *lr);
	if (!lr)
		return profile_err(err, errlen, name, 0, "out of memory");
	lr->buf = buf;
	lr->len = len;
	while ((rc = profile_lines_next(lr, &key, &v, name, err, errlen)) == 1) {
		if (strcmp(key, "vid") == 0) {
			const char *why = "";
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct profile_vid *nv = realloc(out->v, ncap * sizeof *nv);
				if (!nv) {
					rc = profile_err(err, errlen, name, lr->lineno, "out of memory");
					break;
				}
				out->v = nv;
				cap = ncap;
			}
			if (!profile_vid_from_text(v, &out->v[out->n], &why)) {
				rc = profile_err(err, errlen, name, lr->lineno, "%s", why);
				break;
			}
			if (!out->v[out->n].name[0]) {
				rc = profile_err(err, errlen, name, lr->lineno, "vendor ID without a name");
				break;
			}
			out->n++;
		} else if (strcmp(key, "format") == 0) {
			if (strcmp(v, "1") != 0) {
				rc = profile_err(err, errlen, name, lr->lineno, "unsupported format");
				break;
			}
		} else if (strcmp(key, "name") != 0 && strcmp(key, "title") != 0) {
			rc = profile_err(err, errlen, name, lr->lineno, "unknown key \"%s\"", key);
			break;
		}
	}
	free(lr);
	if (rc < 0) {
		profile_vid_table_free(out);
		return -1;
	}
	return 0;
}

void profile_vid_table_free(struct profile_vid_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct profile_vid *profile_vid_table_lookup(const struct profile_vid_table *t, const uint8_t *vid,
						   size_t len)
{
	const struct profile_vid *best = NULL;
	if (!vid)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct profile_vid *e = &t->v[i];
		if (e->len > len || memcmp(e->data, vid, e->len) != 0)
			continue;
		if (e->len == len)
			return e;
		if (!best || e->len > best->len)
			best = e;
	}
	return best;
}

/* The built-in table, parsed on first use and kept for the life of the process. */
static const struct profile_vid_table *builtin_vids(void)
{
	static struct profile_vid_table table;
	static bool loaded;
	if (!loaded) {
		const struct kb_blob *b = profile_builtin_blob("vendor-ids");
		char err[160];
		loaded = true;
		if (!b || profile_vid_table_parse(b->name, b->data, b->len, &table, err, sizeof err) < 0)
			table.n = 0;
	}
	return &table;
}

const char *profile_vid_name(const uint8_t *vid, size_t len)
{
	const struct profile_vid *e = profile_vid_table_lookup(builtin_vids(), vid, len);
	return e ? e->name : NULL;
}

bool profile_vid_describe(const uint8_t *vid, size_t len, char *out, size_t outlen)
{
	const struct profile_vid *e = profile_vid_table_lookup(builtin_vids(), vid, len);
	size_t pos = 0;
	if (!out || outlen == 0)
		return e != NULL;
	out[0] = '\0';
	if (e && e->len == len) {
		snprintf(out, outlen, "%s", e->name);
		return true;
	}
	size_t from = e ? e->len : 0, shown = len - from > 24 ? 24 : len - from;
	int w = e ? snprintf(out, outlen, "%s (suffix ", e->name) : 0;
	if (w < 0)
		return e != NULL;
	pos = (size_t)w < outlen ? (size_t)w : outlen - 1;
	for (size_t i = 0; i < shown && pos + 3 <= outlen; i++)
		pos += (size_t)snprintf(out + pos, outlen - pos, "%02x", vid[from + i]);
	if (len - from > shown && pos + 4 <= outlen)
		pos += (size_t)snprintf(out + pos, outlen - pos, "...");
	if (e && pos + 2 <= outlen)
		snprintf(out + pos, outlen - pos, ")");
	return e != NULL;
}
