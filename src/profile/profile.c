/* Client profile files (profile/profile.h; format: data/profiles/README.md): the shared line
 * reader, the table-driven profile parser and the built-in files. Pure parsers over (buf, len);
 * the only I/O is profile_load_file. The vendor-ID table is in profile_vid.c, the
 * Set-VpnConnectionIPsecConfiguration command in profile_policy.c, the choice of a whole client
 * (--profile) in profile_choice.c. */
#include "profile/profile.h"
#include "profile/profile_lines.h"
#include "util/file.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- line reader ---- */

int profile_err(char *err, size_t errlen, const char *name, unsigned lineno, const char *fmt, ...)
{
	if (err && errlen) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		if (lineno)
			snprintf(err, errlen, "%s line %u: %s", name ? name : "profile", lineno, msg);
		else
			snprintf(err, errlen, "%s: %s", name ? name : "profile", msg);
	}
	return -1;
}

struct profile_lines *profile_lines_open(const uint8_t *buf, size_t len, const char *name, char *err, size_t errlen)
{
	if (!buf && len) {
		profile_err(err, errlen, name, 0, "no data");
		return NULL;
	}
	if (len > PROFILE_MAX_FILE) {
		profile_err(err, errlen, name, 0, "file larger than %u bytes", PROFILE_MAX_FILE);
		return NULL;
	}
	struct profile_lines *lr = calloc(1, sizeof *lr);
	if (!lr) {
		profile_err(err, errlen, name, 0, "out of memory");
		return NULL;
	}
	lr->buf = buf;
	lr->len = len;
	return lr;
}

int profile_lines_next(struct profile_lines *lr, char **key, char **value, const char *name, char *err, size_t errlen)
{
	while (lr->off < lr->len) {
		size_t start = lr->off, end = start;
		while (end < lr->len && lr->buf[end] != '\n')
			end++;
		lr->off = end < lr->len ? end + 1 : end;
		lr->lineno++;
		size_t n = end - start;
		if (n > 0 && lr->buf[start + n - 1] == '\r')
			n--;
		if (n > PROFILE_MAX_LINE)
			return profile_err(err, errlen, name, lr->lineno, "line longer than %u bytes", PROFILE_MAX_LINE);
		for (size_t i = 0; i < n; i++) {
			uint8_t c = lr->buf[start + i];
			if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f)
				return profile_err(err, errlen, name, lr->lineno, "control character 0x%02x", (unsigned)c);
		}
		memcpy(lr->line, lr->buf + start, n);
		lr->line[n] = '\0';
		char *s = lr->line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (!colon)
			return profile_err(err, errlen, name, lr->lineno, "expected \"key: value\"");
		char *k_end = colon;
		while (k_end > s && (k_end[-1] == ' ' || k_end[-1] == '\t'))
			k_end--;
		*k_end = '\0';
		for (char *p = s; *p; p++)
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
				return profile_err(err, errlen, name, lr->lineno, "bad key \"%.40s\"", s);
		if (*s == '\0')
			return profile_err(err, errlen, name, lr->lineno, "empty key");
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			v[--vl] = '\0';
		*key = s;
		*value = v;
		return 1;
	}
	return 0;
}

static bool parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool set_text(char *dst, size_t cap, const char *v)
{
	if (strlen(v) >= cap)
		return false;
	snprintf(dst, cap, "%s", v);
	return true;
}

static bool parse_basis(const char *v, enum kb_basis *b)
{
	for (int i = 0; i < KB_BASIS_COUNT; i++)
		if (strcmp(v, kb_basis_name((enum kb_basis)i)) == 0) {
			*b = (enum kb_basis)i;
			return true;
		}
	return false;
}

bool profile_name_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n >= PROFILE_NAME_MAX)
		return false;
	for (const char *p = v; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

/* One transform word: "aes-cbc-256", "AES_CBC", "12-256", "modp1024", "14". */
static bool parse_transform_id(uint8_t type, const char *w, struct ike2_transform *t)
{
	unsigned long v;
	char buf[64];
	t->type = type;
	t->key_len = 0;
	if (ike2_transform_lookup(type, w, &t->id))
		return true;
	if (parse_ulong(w, 0, 65535, &v)) {
		t->id = (uint16_t)v;
		return true;
	}
	if (type != IKE2_T_ENCR)
		return false;
	/* ENCR with a key length suffix */
	const char *dash = strrchr(w, '-');
	if (!dash || (size_t)(dash - w) >= sizeof buf || !parse_ulong(dash + 1, 1, 65535, &v))
		return false;
	memcpy(buf, w, (size_t)(dash - w));
	buf[dash - w] = '\0';
	t->key_len = (uint16_t)v;
	if (ike2_transform_lookup(type, buf, &t->id))
		return true;
	if (parse_ulong(buf, 0, 65535, &v)) {
		t->id = (uint16_t)v;
		return true;
	}
	return false;
}

static const struct {
	const char *word;
	uint8_t type;
} transform_types[] = {
	{"encr", IKE2_T_ENCR}, {"prf", IKE2_T_PRF}, {"integ", IKE2_T_INTEG}, {"dh", IKE2_T_DH},
	{"ke", IKE2_T_DH},     {"esn", IKE2_T_ESN},
};

/* IKEv1 Main Mode transform: "enc=aes-cbc-256 hash=sha1 group=ecp384 auth=psk life=28800"
 * (enc: 3des, aes-cbc, aes-cbc-128/192/256, des, or a number; hash: md5, sha1, sha2-256/384/512;
 * group: modp768/1024/1536/2048/3072/4096, ecp256/384/521, or a number; auth: psk, rsa-sig, or a
 * number; life: seconds, 0 = no life attributes). enc, hash and group are required. */
static const struct {
	const char *word;
	uint16_t v;
} ike1_words_enc[] = {{"des", 1}, {"3des", 5}, {"aes-cbc", 7}},
  ike1_words_hash[] = {{"md5", 1}, {"sha1", 2}, {"sha2-256", 4}, {"sha2-384", 5}, {"sha2-512", 6}},
  ike1_words_group[] = {{"modp768", 1}, {"modp1024", 2}, {"modp1536", 5}, {"modp2048", 14}, {"modp3072", 15},
			{"modp4096", 16}, {"ecp256", 19}, {"ecp384", 20}, {"ecp521", 21}},
  ike1_words_auth[] = {{"psk", 1}, {"rsa-sig", 3}};
#define IKE1_WORD(tab, w, out) ike1_word(tab, sizeof tab / sizeof tab[0], w, out)
static bool ike1_word(const void *tab, size_t n, const char *w, uint16_t *out)
{
	const struct {
		const char *word;
		uint16_t v;
	} *t = tab;
	unsigned long v;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].word, w) == 0) {
			*out = t[i].v;
			return true;
		}
	if (!parse_ulong(w, 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool parse_ike1_transform(char *v, struct ike1_tspec *t, char *why, size_t whylen)
{
	char *save = NULL;
	unsigned long n = 0;
	memset(t, 0, sizeof *t);
	t->auth = 1;
	for (char *tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(why, whylen, "\"%.40s\" is not KEY=VALUE", tok);
			return false;
		}
		*eq++ = '\0';
		bool ok;
		if (strcmp(tok, "enc") == 0) {
			const char *dash = strrchr(eq, '-');
			ok = IKE1_WORD(ike1_words_enc, eq, &t->enc);
			if (!ok && dash && parse_ulong(dash + 1, 64, 512, &n)) {
				char b[32];
				snprintf(b, sizeof b, "%.*s", (int)(dash - eq), eq);
				t->key_len = (uint16_t)n;
				ok = IKE1_WORD(ike1_words_enc, b, &t->enc);
			}
		} else if (strcmp(tok, "hash") == 0) {
			ok = IKE1_WORD(ike1_words_hash, eq, &t->hash);
		} else if (strcmp(tok, "group") == 0) {
			ok = IKE1_WORD(ike1_words_group, eq, &t->group);
		} else if (strcmp(tok, "auth") == 0) {
			ok = IKE1_WORD(ike1_words_auth, eq, &t->auth);
		} else if (strcmp(tok, "life") == 0) {
			ok = parse_ulong(eq, 0, 0xffffffffUL, &n);
			t->life_seconds = (uint32_t)n;
		} else {
			snprintf(why, whylen, "unknown transform key \"%.20s\" (enc, hash, group, auth, life)", tok);
			return false;
		}
		if (!ok) {
			snprintf(why, whylen, "bad %s \"%.40s\"", tok, eq);
			return false;
		}
	}
	if (!t->enc || !t->hash || !t->group) {
		snprintf(why, whylen, "a transform needs enc=, hash= and group=");
		return false;
	}
	return true;
}

/* "encr=aes-cbc-128 integ=hmac-sha1-96 prf=hmac-sha1 dh=modp1024" (value is modified). */
static bool parse_proposal(char *v, struct ike2_proposal *p, char *why, size_t whylen)
{
	memset(p, 0, sizeof *p);
	p->protocol = 1;
	char *save = NULL;
	for (char *tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		uint8_t type = 0;
		if (!eq) {
			snprintf(why, whylen, "\"%.40s\" is not TYPE=ID", tok);
			return false;
		}
		*eq = '\0';
		for (size_t i = 0; i < sizeof transform_types / sizeof transform_types[0]; i++)
			if (strcmp(tok, transform_types[i].word) == 0)
				type = transform_types[i].type;
		if (!type) {
			snprintf(why, whylen, "unknown transform type \"%.20s\"", tok);
			return false;
		}
		if (p->ntransforms >= IKE2_MAX_TRANSFORMS) {
			snprintf(why, whylen, "more than %d transforms", IKE2_MAX_TRANSFORMS);
			return false;
		}
		if (!parse_transform_id(type, eq + 1, &p->t[p->ntransforms])) {
			snprintf(why, whylen, "unknown %s transform \"%.40s\"", tok, eq + 1);
			return false;
		}
		p->ntransforms++;
	}
	if (p->ntransforms == 0) {
		snprintf(why, whylen, "empty proposal");
		return false;
	}
	return true;
}

static bool proposal_has(const struct ike2_proposal *p, uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < p->ntransforms; i++)
		if (p->t[i].type == type && p->t[i].id == id)
			return true;
	return false;
}

/* ---- profile_parse: one row per key ---- */

/* What the parser knows between lines. */
struct pctx {
	struct profile *p;
	struct profile_set *set; /* the set being read; NULL before the first "set:" */
	bool have_format, set_has_group;
	char why[200]; /* the reason when a row rejects its value */
};

static bool why(struct pctx *c, const char *fmt, ...) __attribute__((format(VD_PRINTF, 2, 3)));
static bool why(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	return false;
}

/* Where a key may stand: before the first set, inside a set, or both ("set" itself). */
enum krow_scope { KS_GLOBAL, KS_SET, KS_ANY };
/* How its value is read: text into a char array, a basis word, an unsigned number in [min, max]
 * into a uint8_t/uint16_t/uint32_t/size_t field, or by a function of its own. */
enum krow_type { KT_TEXT, KT_BASIS, KT_UINT, KT_FN };

/* A key's own parser. v is the trimmed value inside the line reader's buffer (owned by the reader,
 * valid for this call, may be modified); it writes into c->p / c->set, or a reason into c->why
 * and returns false. */
typedef bool (*krow_fn)(struct pctx *c, char *v);

struct krow {
	const char *key;
	uint8_t scope, type;  /* enum krow_scope, enum krow_type */
	uint32_t off, size;   /* the field: offset and size in struct profile (global) or struct profile_set */
	uint32_t min, max;    /* KT_UINT bounds */
	krow_fn fn;           /* KT_FN */
	const char *bad;      /* the reason for a bad value (KT_TEXT, KT_BASIS, KT_UINT) */
};

#define BASIS_BAD "basis must be documented, vendor, observed or inferred"
#define FIELD(S, f) (uint32_t)offsetof(struct S, f), (uint32_t)sizeof(((struct S *)0)->f)
#define G_TEXT(k, f) {k, KS_GLOBAL, KT_TEXT, FIELD(profile, f), 0, 0, NULL, k " too long"}
#define S_TEXT(k, f) {k, KS_SET, KT_TEXT, FIELD(profile_set, f), 0, 0, NULL, k " too long"}
#define G_BASIS(k, f) {k, KS_GLOBAL, KT_BASIS, FIELD(profile, f), 0, 0, NULL, BASIS_BAD}
#define S_BASIS(k, f) {k, KS_SET, KT_BASIS, FIELD(profile_set, f), 0, 0, NULL, BASIS_BAD}
#define G_UINT(k, f, lo, hi, bad) {k, KS_GLOBAL, KT_UINT, FIELD(profile, f), lo, hi, NULL, bad}
#define G_FN(k, fn) {k, KS_GLOBAL, KT_FN, 0, 0, 0, 0, fn, NULL}
#define S_FN(k, fn) {k, KS_SET, KT_FN, 0, 0, 0, 0, fn, NULL}

_Static_assert(PROFILE_MAX_CERTREQ_HASHES == 100, "update the auth-certreq-hashes row's message");

static void store_uint(void *dst, size_t size, unsigned long v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	size_t z = (size_t)v;
	memcpy(dst, size == 1 ? (void *)&u8 : size == 2 ? (void *)&u16 : size == 4 ? (void *)&u32 : (void *)&z, size);
}

static bool set_done(struct pctx *c)
{
	const struct profile_set *s = c->set;
	if (!s)
		return true;
	if (c->p->ike_version == 1 && s->ntransforms1 == 0)
		return why(c, "set \"%s\" has no transform", s->name);
	if (c->p->ike_version != 1 && !c->set_has_group)
		return why(c, "set \"%s\" has no ke-group", s->name);
	if (c->p->ike_version != 1 && s->nproposals == 0)
		return why(c, "set \"%s\" has no proposal", s->name);
	return true;
}

static bool k_set(struct pctx *c, char *v)
{
	struct profile *p = c->p;
	if (!set_done(c))
		return false;
	if (p->nsets >= PROFILE_MAX_SETS)
		return why(c, "more than %u sets", PROFILE_MAX_SETS);
	if (!profile_name_ok(v))
		return why(c, "bad set name \"%.40s\"", v);
	if (profile_find_set(p, v))
		return why(c, "duplicate set \"%s\"", v);
	c->set = &p->sets[p->nsets++];
	snprintf(c->set->name, sizeof c->set->name, "%s", v);
	c->set->basis = KB_INFERRED;
	c->set_has_group = false;
	return true;
}

static bool k_ke_group(struct pctx *c, char *v)
{
	struct ike2_transform t;
	if (c->set_has_group)
		return why(c, "second ke-group in set \"%s\"", c->set->name);
	if (!parse_transform_id(IKE2_T_DH, v, &t) || t.id == 0)
		return why(c, "unknown DH group \"%.40s\"", v);
	c->set->ke_group = t.id;
	c->set_has_group = true;
	return true;
}

static bool k_transform(struct pctx *c, char *v)
{
	struct profile_set *s = c->set;
	if (c->p->ike_version != 1)
		return why(c, "transform: is for ike-version 1 profiles (IKEv2 sets use proposal:)");
	if (s->ntransforms1 >= PROFILE_MAX_SET_PROPOSALS)
		return why(c, "more than %u transforms in set \"%s\"", PROFILE_MAX_SET_PROPOSALS, s->name);
	if (!parse_ike1_transform(v, &s->transforms1[s->ntransforms1], c->why, sizeof c->why))
		return false;
	s->ntransforms1++;
	return true;
}

static bool k_proposal(struct pctx *c, char *v)
{
	struct profile_set *s = c->set;
	if (c->p->ike_version == 1)
		return why(c, "proposal: is for IKEv2 profiles (ike-version 1 sets use transform:)");
	if (s->nproposals >= PROFILE_MAX_SET_PROPOSALS)
		return why(c, "more than %u proposals in set \"%s\"", PROFILE_MAX_SET_PROPOSALS, s->name);
	struct ike2_proposal *p = &s->proposals[s->nproposals];
	if (!parse_proposal(v, p, c->why, sizeof c->why))
		return false;
	p->num = (uint8_t)(s->nproposals + 1);
	s->nproposals++;
	return true;
}

static bool k_format(struct pctx *c, char *v)
{
	if (strcmp(v, "1") != 0)
		return why(c, "unsupported format \"%.20s\" (this vpndiag reads format 1)", v);
	c->have_format = true;
	return true;
}

static bool k_name(struct pctx *c, char *v)
{
	if (c->p->name[0])
		return why(c, "second name");
	if (!profile_name_ok(v))
		return why(c, "bad name \"%.40s\" (a-z 0-9 . _ -)", v);
	snprintf(c->p->name, sizeof c->p->name, "%s", v);
	return true;
}

/* A notify type by name or number (at least min) appended to list[*n]. */
static bool add_notify(struct pctx *c, const char *v, uint16_t *list, size_t *n, unsigned long min, const char *what)
{
	uint16_t type;
	unsigned long num;
	if (*n >= PROFILE_MAX_NOTIFIES)
		return why(c, "more than %u %snotifies", PROFILE_MAX_NOTIFIES, min > 1 ? "auth " : "");
	if (!ike2_notify_lookup(v, &type)) {
		if (!parse_ulong(v, min, 65535, &num))
			return why(c, "unknown %s \"%.40s\"", what, v);
		type = (uint16_t)num;
	}
	list[(*n)++] = type;
	return true;
}

static bool k_notify(struct pctx *c, char *v)
{
	return add_notify(c, v, c->p->notifies, &c->p->nnotifies, 1, "notify");
}

static bool k_auth_notify(struct pctx *c, char *v)
{
	return add_notify(c, v, c->p->auth_notifies, &c->p->nauth_notifies, 16384, "status notify");
}

static bool k_vid(struct pctx *c, char *v)
{
	const char *reason = "";
	if (c->p->nvids >= PROFILE_MAX_VIDS)
		return why(c, "more than %u vendor IDs", PROFILE_MAX_VIDS);
	if (!profile_vid_from_text(v, &c->p->vids[c->p->nvids], &reason))
		return why(c, "%s", reason);
	c->p->nvids++;
	return true;
}

static bool k_auth_id(struct pctx *c, char *v)
{
	if (strcmp(v, "address") != 0)
		return why(c, "auth-id must be \"address\"");
	c->p->auth_id_address = true;
	return true;
}

static bool k_auth_certreq(struct pctx *c, char *v)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return why(c, "auth-certreq must be yes or no");
	c->p->auth_certreq = strcmp(v, "yes") == 0;
	return true;
}

static bool k_auth_fragment_size(struct pctx *c, char *v)
{
	unsigned long n = 0;
	if (strcmp(v, "0") != 0 && !parse_ulong(v, 576, 65535, &n))
		return why(c, "auth-fragment-size must be 0 (never) or 576..65535 (RFC 7383 2.5.1)");
	c->p->auth_fragment_size = n;
	return true;
}

static bool k_auth_cp(struct pctx *c, char *v)
{
	char *save = NULL;
	unsigned long n = 0;
	for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (c->p->nauth_cp >= PROFILE_MAX_AUTH_CP)
			return why(c, "more than %u CP attributes", PROFILE_MAX_AUTH_CP);
		if (!parse_ulong(tok, 1, 32767, &n))
			return why(c, "CP attribute \"%.20s\" is not 1..32767", tok);
		c->p->auth_cp[c->p->nauth_cp++] = (uint16_t)n;
	}
	return true;
}

static bool k_auth_ts(struct pctx *c, char *v)
{
	struct profile *p = c->p;
	if (p->nauth_ts >= 2)
		return why(c, "more than 2 auth-ts");
	if (strcmp(v, "ipv4-any") == 0)
		p->auth_ts[p->nauth_ts++] = 4;
	else if (strcmp(v, "ipv6-any") == 0)
		p->auth_ts[p->nauth_ts++] = 6;
	else
		return why(c, "auth-ts must be ipv4-any or ipv6-any");
	return true;
}

static bool k_child_proposal(struct pctx *c, char *v)
{
	struct profile *p = c->p;
	if (p->nchild >= PROFILE_MAX_CHILD)
		return why(c, "more than %u child proposals", PROFILE_MAX_CHILD);
	struct ike2_proposal *cp = &p->child[p->nchild];
	if (!parse_proposal(v, cp, c->why, sizeof c->why))
		return false;
	cp->num = (uint8_t)(p->nchild + 1);
	cp->protocol = 3;
	cp->spi_size = 4;
	p->nchild++;
	return true;
}

static bool k_retransmit_ms(struct pctx *c, char *v)
{
	struct profile *p = c->p;
	char *save = NULL;
	unsigned long n = 0;
	if (p->nretransmit)
		return why(c, "second retransmit-ms");
	for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (p->nretransmit >= PROFILE_MAX_RETRANSMIT)
			return why(c, "more than %u retransmit times", PROFILE_MAX_RETRANSMIT);
		if (!parse_ulong(tok, 1, 600000, &n))
			return why(c, "retransmit time \"%.20s\" is not 1..600000 ms", tok);
		p->retransmit_ms[p->nretransmit++] = (uint32_t)n;
	}
	return true;
}

/* Every key of a profile file (data/profiles/README.md): adding a key is adding a row. */
static const struct krow KEYS[] = {
	{"set", KS_ANY, KT_FN, 0, 0, 0, 0, k_set, NULL},
	/* global keys, before the first set */
	G_FN("format", k_format),
	G_FN("name", k_name),
	G_TEXT("title", title),
	G_UINT("ike-version", ike_version, 1, 2, "ike-version must be 1 or 2"),
	G_UINT("nonce-length", nonce_len, 16, 256, "nonce-length must be 16..256 (RFC 7296 2.10)"),
	G_BASIS("nonce-basis", nonce_basis),
	G_FN("notify", k_notify),
	G_FN("vid", k_vid),
	G_FN("retransmit-ms", k_retransmit_ms),
	G_BASIS("retransmit-basis", retransmit_basis),
	G_FN("auth-id", k_auth_id),
	G_FN("auth-certreq", k_auth_certreq),
	G_UINT("auth-certreq-hashes", auth_certreq_hashes, 0, PROFILE_MAX_CERTREQ_HASHES,
	       "auth-certreq-hashes must be 0..100"),
	G_BASIS("auth-certreq-basis", auth_certreq_basis),
	G_FN("auth-fragment-size", k_auth_fragment_size),
	G_BASIS("auth-fragment-basis", auth_fragment_basis),
	G_BASIS("auth-basis", auth_basis),
	G_FN("auth-notify", k_auth_notify),
	G_FN("auth-cp", k_auth_cp),
	G_FN("auth-ts", k_auth_ts),
	G_FN("child-proposal", k_child_proposal),
	/* keys of a set, after "set: NAME" */
	S_TEXT("title", title),
	S_BASIS("basis", basis),
	S_TEXT("fix", fix),
	S_TEXT("fix-command", fix_command),
	S_FN("ke-group", k_ke_group),
	S_FN("transform", k_transform),
	S_FN("proposal", k_proposal),
};

/* The row for key where it stands (inside a set or not), or NULL. */
static const struct krow *find_key(const char *key, bool in_set)
{
	for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
		if ((KEYS[i].scope == KS_ANY || (KEYS[i].scope == KS_SET) == in_set) && strcmp(KEYS[i].key, key) == 0)
			return &KEYS[i];
	return NULL;
}

static bool apply_key(struct pctx *c, const struct krow *k, char *v)
{
	char *field = (k->scope == KS_SET ? (char *)c->set : (char *)c->p) + k->off;
	unsigned long n = 0;
	switch (k->type) {
	case KT_TEXT:
		if (set_text(field, k->size, v))
			return true;
		break;
	case KT_BASIS:
		if (parse_basis(v, (enum kb_basis *)(void *)field))
			return true;
		break;
	case KT_UINT:
		if (parse_ulong(v, k->min, k->max, &n)) {
			store_uint(field, k->size, n);
			return true;
		}
		break;
	default:
		return k->fn(c, v);
	}
	return why(c, "%s", k->bad);
}

/* The checks after the last line: required keys, every set complete, the NAT-D summary. */
static bool finish(struct pctx *c)
{
	struct profile *p = c->p;
	if (!c->have_format)
		return why(c, "missing \"format: 1\"");
	if (!p->name[0])
		return why(c, "missing name");
	if (!p->ike_version)
		p->ike_version = 2;
	if (!p->nonce_len)
		return why(c, "missing nonce-length");
	if (!p->nretransmit)
		return why(c, "missing retransmit-ms");
	if (p->nsets == 0)
		return why(c, "no proposal set");
	for (size_t i = 0; i < p->nsets && p->ike_version == 1; i++) {
		if (p->sets[i].ntransforms1 == 0)
			return why(c, "set \"%s\" has no transform", p->sets[i].name);
		if (p->sets[i].nproposals || p->sets[i].ke_group)
			return why(c, "set \"%s\": ke-group/proposal are for IKEv2 profiles", p->sets[i].name);
	}
	if (p->ike_version == 1)
		return true;
	if (!c->set_has_group)
		return why(c, "set \"%s\" has no ke-group", c->set->name);
	for (size_t i = 0; i < p->nsets; i++) {
		const struct profile_set *s = &p->sets[i];
		bool found = false;
		if (s->nproposals == 0)
			return why(c, "set \"%s\" has no proposal", s->name);
		for (size_t j = 0; j < s->nproposals; j++)
			found |= proposal_has(&s->proposals[j], IKE2_T_DH, s->ke_group);
		if (!found)
			return why(c, "set \"%s\": ke-group %u is in none of its proposals", s->name, (unsigned)s->ke_group);
	}
	bool src = false, dst = false;
	for (size_t i = 0; i < p->nnotifies; i++) {
		src |= p->notifies[i] == IKE2_N_NAT_DETECTION_SOURCE_IP;
		dst |= p->notifies[i] == IKE2_N_NAT_DETECTION_DESTINATION_IP;
		p->frag_supported |= p->notifies[i] == IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED;
	}
	p->natd = src && dst;
	return true;
}

int profile_parse(const char *name, const uint8_t *buf, size_t len, struct profile *out, char *err, size_t errlen)
{
	struct pctx c = {.p = out};
	char *key, *v;
	int rc;

	memset(out, 0, sizeof *out);
	out->nonce_basis = KB_INFERRED;
	out->retransmit_basis = KB_INFERRED;
	struct profile_lines *lr = profile_lines_open(buf, len, name, err, errlen);
	if (!lr)
		return -1;
	while ((rc = profile_lines_next(lr, &key, &v, name, err, errlen)) == 1) {
		const struct krow *k = find_key(key, c.set != NULL);
		if (!k && c.set)
			rc = profile_err(err, errlen, name, lr->lineno,
					 "key \"%s\" is not allowed inside a set (globals come before the first set)", key);
		else if (!k)
			rc = profile_err(err, errlen, name, lr->lineno, "unknown key \"%s\"", key);
		else if (!apply_key(&c, k, v))
			rc = profile_err(err, errlen, name, lr->lineno, "%s", c.why);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !finish(&c))
		rc = profile_err(err, errlen, name, 0, "%s", c.why);
	free(lr);
	return rc < 0 ? -1 : 0;
}

const struct kb_blob *profile_builtin_blob(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < profile_builtin_count; i++) {
		const char *b = profile_builtin_blobs[i].name;
		if (!b)
			continue;
		if (strcmp(b, name) == 0 || (strncmp(b, name, n) == 0 && strcmp(b + n, ".txt") == 0))
			return &profile_builtin_blobs[i];
	}
	return NULL;
}

int profile_load_builtin(const char *name, struct profile *out, char *err, size_t errlen)
{
	const struct kb_blob *b = name ? profile_builtin_blob(name) : NULL;
	if (!b) {
		memset(out, 0, sizeof *out);
		return profile_err(err, errlen, name, 0, "no built-in profile of that name");
	}
	return profile_parse(b->name, b->data, b->len, out, err, errlen);
}

int profile_load_file(const char *path, struct profile *out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t n;
	char reason[300];
	memset(out, 0, sizeof *out);
	if (file_read_bounded(path, PROFILE_MAX_FILE, FILE_DATA_TIMEOUT_MS, 0, &buf, &n, reason, sizeof reason) != 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s", reason); /* names the path already */
		return -1;
	}
	int rc = profile_parse(path, buf, n, out, err, errlen);
	free(buf);
	return rc;
}

const struct profile_set *profile_find_set(const struct profile *p, const char *name)
{
	for (size_t i = 0; i < p->nsets && i < PROFILE_MAX_SETS; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

size_t profile_vid_blobs(const struct profile *p, struct ike2_blob *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nvids && n < max; i++, n++) {
		out[n].p = p->vids[i].data;
		out[n].len = p->vids[i].len;
	}
	return n;
}
