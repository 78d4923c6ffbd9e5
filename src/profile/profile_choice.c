/* Whole clients (profile/profile.h): the index of built-in profiles (data/profiles/index.txt) and
 * the choice a run makes with `vpndiag probe --profile NAME|PATH`. The index parser is pure; the
 * only I/O is profile_choose reading PATHs through profile_load_file (util/file.h's bounded
 * reader), once, before the run. */
#include "profile/profile.h"
#include "profile/profile_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the index ---- */

static bool copy_name(char *dst, const char *v)
{
	if (!profile_name_ok(v))
		return false;
	snprintf(dst, PROFILE_NAME_MAX, "%s", v);
	return true;
}

/* One "key: value" line of an index into out (cl: the current "profile:" block, or NULL).
 * Returns NULL, or the reason the line is rejected. */
static const char *index_line(struct profile_index *out, struct profile_client **cl, const char *key, const char *v,
			      bool *have_format)
{
	struct profile_client *c = *cl;
	if (strcmp(key, "profile") == 0) {
		if (c && (!c->ikev2[0] || !c->l2tp[0]))
			return "a profile needs ikev2: and l2tp:";
		if (out->n >= PROFILE_MAX_CLIENTS)
			return "too many profiles";
		if (profile_index_find(out, v))
			return "a second profile or alias of that name";
		c = *cl = &out->c[out->n++];
		return copy_name(c->name, v) ? NULL : "bad profile name (a-z 0-9 . _ -)";
	}
	if (!c) {
		if (strcmp(key, "format") == 0) {
			*have_format = strcmp(v, "1") == 0;
			return *have_format ? NULL : "unsupported format (this vpndiag reads format 1)";
		}
		return strcmp(key, "name") == 0 || strcmp(key, "title") == 0 ? NULL : "unknown key";
	}
	if (strcmp(key, "title") == 0) {
		if (strlen(v) >= sizeof c->title)
			return "title too long";
		snprintf(c->title, sizeof c->title, "%s", v);
		return NULL;
	}
	if (strcmp(key, "alias") == 0) {
		if (c->naliases >= PROFILE_MAX_ALIASES)
			return "too many aliases";
		if (profile_index_find(out, v))
			return "a second profile or alias of that name";
		return copy_name(c->aliases[c->naliases++], v) ? NULL : "bad alias (a-z 0-9 . _ -)";
	}
	if (strcmp(key, "ikev2") == 0 || strcmp(key, "l2tp") == 0)
		return copy_name(key[0] == 'i' ? c->ikev2 : c->l2tp, v) ? NULL : "bad profile file name";
	return "unknown key";
}

int profile_index_parse(const char *name, const uint8_t *buf, size_t len, struct profile_index *out, char *err,
			size_t errlen)
{
	struct profile_client *cl = NULL;
	bool have_format = false;
	char *key, *v;
	int rc;

	memset(out, 0, sizeof *out);
	struct profile_lines *lr = profile_lines_open(buf, len, name, err, errlen);
	if (!lr)
		return -1;
	while ((rc = profile_lines_next(lr, &key, &v, name, err, errlen)) == 1) {
		const char *why = index_line(out, &cl, key, v, &have_format);
		if (why) {
			rc = profile_err(err, errlen, name, lr->lineno, "%s (\"%.40s\")", why, key);
			break;
		}
	}
	free(lr);
	if (rc == 0 && !have_format)
		rc = profile_err(err, errlen, name, 0, "missing \"format: 1\"");
	else if (rc == 0 && out->n == 0)
		rc = profile_err(err, errlen, name, 0, "no profile");
	else if (rc == 0 && (!cl->ikev2[0] || !cl->l2tp[0]))
		rc = profile_err(err, errlen, name, 0, "profile \"%s\" needs ikev2: and l2tp:", cl->name);
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc < 0 ? -1 : 0;
}

int profile_index_builtin(struct profile_index *out, char *err, size_t errlen)
{
	const struct kb_blob *b = profile_builtin_blob("index");
	if (!b) {
		memset(out, 0, sizeof *out);
		return profile_err(err, errlen, "index.txt", 0, "not compiled in");
	}
	return profile_index_parse(b->name, b->data, b->len, out, err, errlen);
}

const struct profile_client *profile_index_find(const struct profile_index *idx, const char *name)
{
	for (size_t i = 0; i < idx->n && i < PROFILE_MAX_CLIENTS; i++) {
		const struct profile_client *c = &idx->c[i];
		if (strcmp(c->name, name) == 0)
			return c;
		for (size_t j = 0; j < c->naliases && j < PROFILE_MAX_ALIASES; j++)
			if (strcmp(c->aliases[j], name) == 0)
				return c;
	}
	return NULL;
}

/* ---- the choice ---- */

/* A built-in part file, checked to be of the family it stands for. */
static int load_part(const char *file, unsigned ike_version, struct profile *out, char *err, size_t errlen)
{
	if (profile_load_builtin(file, out, err, errlen) != 0)
		return -1;
	if (out->ike_version != ike_version)
		return profile_err(err, errlen, file, 0, "is not an ike-version %u profile", ike_version);
	return 0;
}

/* Reads the PATH value arg into its part of out; *have[2] says which parts files already gave. */
static int choose_file(const char *arg, struct profile_choice *out, const char *have[2], char *err, size_t errlen)
{
	struct profile *p = calloc(1, sizeof *p);
	if (!p)
		return profile_err(err, errlen, arg, 0, "out of memory");
	int rc = profile_load_file(arg, p, err, errlen);
	unsigned part = p->ike_version == 1 ? 1 : 0;
	if (rc == 0 && have[part])
		rc = profile_err(err, errlen, arg, 0, "a second %s profile file (the first: %s)",
				 part ? "IKEv1 (L2TP/IPsec)" : "IKEv2", have[part]);
	if (rc == 0) {
		memcpy(part ? &out->l2tp : &out->ikev2, p, sizeof *p);
		have[part] = arg;
	}
	free(p);
	return rc;
}

int profile_choose(const char *const *args, size_t nargs, struct profile_choice *out, char *err, size_t errlen)
{
	struct profile_index *idx = calloc(1, sizeof *idx);
	const struct profile_client *base = NULL;
	const char *have[2] = {NULL, NULL}; /* the PATHs that gave the IKEv2 / L2TP part */
	int rc = idx ? profile_index_builtin(idx, err, errlen) : profile_err(err, errlen, "profile", 0, "out of memory");

	memset(out, 0, sizeof *out);
	for (size_t i = 0; rc == 0 && i < nargs; i++) {
		const char *a = args[i];
		const struct profile_client *c = profile_index_find(idx, a);
		if (c && base)
			rc = profile_err(err, errlen, a, 0, "a second built-in profile (the first: %s)", base->name);
		else if (c)
			base = c;
		else if (!strchr(a, '/') && !strchr(a, '.'))
			rc = profile_err(err, errlen, a, 0,
					 "no built-in profile of that name (vpndiag probe --list-profiles; a file's "
					 "path has a '/' or a '.')");
		else
			rc = choose_file(a, out, have, err, errlen);
	}
	if (rc == 0 && !base)
		base = &idx->c[0];
	if (rc == 0 && !have[0])
		rc = load_part(base->ikev2, 2, &out->ikev2, err, errlen);
	if (rc == 0 && !have[1])
		rc = load_part(base->l2tp, 1, &out->l2tp, err, errlen);
	if (rc == 0) {
		size_t n = (size_t)snprintf(out->label, sizeof out->label, "%s", base->name);
		if (have[0] && n < sizeof out->label)
			n += (size_t)snprintf(out->label + n, sizeof out->label - n, "+%s", out->ikev2.name);
		if (have[1] && n < sizeof out->label)
			snprintf(out->label + n, sizeof out->label - n, "+%s", out->l2tp.name);
	}
	free(idx);
	return rc < 0 ? -1 : 0;
}

int profile_choice_part(const struct profile_choice *c, unsigned ike_version, struct profile *out, char *err,
			size_t errlen)
{
	if (ike_version != 1 && ike_version != 2)
		return profile_err(err, errlen, "profile", 0, "no ike-version %u part", ike_version);
	if (c) {
		memcpy(out, ike_version == 2 ? &c->ikev2 : &c->l2tp, sizeof *out);
		return 0;
	}
	struct profile_index *idx = calloc(1, sizeof *idx);
	int rc = idx ? profile_index_builtin(idx, err, errlen) : profile_err(err, errlen, "profile", 0, "out of memory");
	if (rc == 0)
		rc = load_part(ike_version == 2 ? idx->c[0].ikev2 : idx->c[0].l2tp, ike_version, out, err, errlen);
	free(idx);
	return rc;
}

const char *profile_choice_label(const struct profile_choice *c)
{
	/* The default's name, read from the compiled-in index once (it never changes in a process). */
	static char name[PROFILE_NAME_MAX];
	if (c)
		return c->label;
	if (!name[0]) {
		struct profile_index *idx = calloc(1, sizeof *idx);
		char err[200];
		if (idx && profile_index_builtin(idx, err, sizeof err) == 0)
			snprintf(name, sizeof name, "%s", idx->c[0].name);
		free(idx);
	}
	return name;
}
