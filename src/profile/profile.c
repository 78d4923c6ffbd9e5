/* Client profiles and the vendor-ID table (profile/profile.h; format: data/profiles/README.md).
 * Pure parsers over (buf, len); the only I/O is profile_load_file. */
#include "profile/profile.h"
#include "util/file.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- line reader ---- */

struct line_reader {
	const uint8_t *buf;
	size_t len, off;
	unsigned lineno;
	char line[PROFILE_MAX_LINE + 1];
};

static int perr(char *err, size_t errlen, const char *name, unsigned lineno, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int perr(char *err, size_t errlen, const char *name, unsigned lineno, const char *fmt, ...)
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

/* Next non-blank, non-comment line, split into key and value (both trimmed, in lr->line).
 * Returns 1 with a line, 0 at the end, -1 on error. */
static int next_kv(struct line_reader *lr, char **key, char **value, const char *name, char *err, size_t errlen)
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
			return perr(err, errlen, name, lr->lineno, "line longer than %u bytes", PROFILE_MAX_LINE);
		for (size_t i = 0; i < n; i++) {
			uint8_t c = lr->buf[start + i];
			if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f)
				return perr(err, errlen, name, lr->lineno, "control character 0x%02x", (unsigned)c);
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
			return perr(err, errlen, name, lr->lineno, "expected \"key: value\"");
		char *k_end = colon;
		while (k_end > s && (k_end[-1] == ' ' || k_end[-1] == '\t'))
			k_end--;
		*k_end = '\0';
		for (char *p = s; *p; p++)
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
				return perr(err, errlen, name, lr->lineno, "bad key \"%.40s\"", s);
		if (*s == '\0')
			return perr(err, errlen, name, lr->lineno, "empty key");
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

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses "HEX[ NAME]" into v. Returns false with a reason in why. */
static bool parse_vid(const char *s, struct profile_vid *v, const char **why)
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

static bool valid_name(const char *v)
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
	unsigned long n;
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

int profile_parse(const char *name, const uint8_t *buf, size_t len, struct profile *out, char *err, size_t errlen)
{
	struct line_reader *lr;
	struct profile_set *set = NULL;
	char *key, *v;
	int rc;
	bool have_format = false, have_nonce = false;
	bool set_has_group = false;

	memset(out, 0, sizeof *out);
	out->nonce_basis = KB_INFERRED;
	out->retransmit_basis = KB_INFERRED;
	if (!buf && len)
		return perr(err, errlen, name, 0, "no data");
	if (len > PROFILE_MAX_FILE)
		return perr(err, errlen, name, 0, "file larger than %u bytes", PROFILE_MAX_FILE);
	lr = calloc(1, sizeof *lr);
	if (!lr)
		return perr(err, errlen, name, 0, "out of memory");
	lr->buf = buf;
	lr->len = len;

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		perr(err, errlen, name, lr->lineno, __VA_ARGS__);                                  \
		goto fail;                                                                         \
	} while (0)

	while ((rc = next_kv(lr, &key, &v, name, err, errlen)) == 1) {
		unsigned long n;
		if (strcmp(key, "set") == 0) {
			if (set && out->ike_version == 1 && set->ntransforms1 == 0)
				FAIL("set \"%s\" has no transform", set->name);
			if (set && out->ike_version != 1 && !set_has_group)
				FAIL("set \"%s\" has no ke-group", set->name);
			if (set && set->nproposals == 0 && out->ike_version != 1)
				FAIL("set \"%s\" has no proposal", set->name);
			if (out->nsets >= PROFILE_MAX_SETS)
				FAIL("more than %u sets", PROFILE_MAX_SETS);
			if (!valid_name(v))
				FAIL("bad set name \"%.40s\"", v);
			if (profile_find_set(out, v))
				FAIL("duplicate set \"%s\"", v);
			set = &out->sets[out->nsets++];
			snprintf(set->name, sizeof set->name, "%s", v);
			set->basis = KB_INFERRED;
			set_has_group = false;
		} else if (set && strcmp(key, "title") == 0) {
			if (!set_text(set->title, sizeof set->title, v))
				FAIL("title too long");
		} else if (set && strcmp(key, "basis") == 0) {
			if (!parse_basis(v, &set->basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (set && strcmp(key, "fix") == 0) {
			if (!set_text(set->fix, sizeof set->fix, v))
				FAIL("fix too long");
		} else if (set && strcmp(key, "fix-command") == 0) {
			if (!set_text(set->fix_command, sizeof set->fix_command, v))
				FAIL("fix-command too long");
		} else if (set && strcmp(key, "ke-group") == 0) {
			struct ike2_transform t;
			if (set_has_group)
				FAIL("second ke-group in set \"%s\"", set->name);
			if (!parse_transform_id(IKE2_T_DH, v, &t) || t.id == 0)
				FAIL("unknown DH group \"%.40s\"", v);
			set->ke_group = t.id;
			set_has_group = true;
		} else if (set && strcmp(key, "transform") == 0) {
			char why[128];
			if (out->ike_version != 1)
				FAIL("transform: is for ike-version 1 profiles (IKEv2 sets use proposal:)");
			if (set->ntransforms1 >= PROFILE_MAX_SET_PROPOSALS)
				FAIL("more than %u transforms in set \"%s\"", PROFILE_MAX_SET_PROPOSALS, set->name);
			if (!parse_ike1_transform(v, &set->transforms1[set->ntransforms1], why, sizeof why))
				FAIL("%s", why);
			set->ntransforms1++;
		} else if (set && strcmp(key, "proposal") == 0) {
			if (out->ike_version == 1)
				FAIL("proposal: is for IKEv2 profiles (ike-version 1 sets use transform:)");
			char why[128];
			if (set->nproposals >= PROFILE_MAX_SET_PROPOSALS)
				FAIL("more than %u proposals in set \"%s\"", PROFILE_MAX_SET_PROPOSALS, set->name);
			struct ike2_proposal *p = &set->proposals[set->nproposals];
			if (!parse_proposal(v, p, why, sizeof why))
				FAIL("%s", why);
			p->num = (uint8_t)(set->nproposals + 1);
			set->nproposals++;
		} else if (set) {
			FAIL("key \"%s\" is not allowed inside a set (globals come before the first set)", key);
		} else if (strcmp(key, "format") == 0) {
			if (strcmp(v, "1") != 0)
				FAIL("unsupported format \"%.20s\" (this vpndiag reads format 1)", v);
			have_format = true;
		} else if (strcmp(key, "name") == 0) {
			if (out->name[0])
				FAIL("second name");
			if (!valid_name(v))
				FAIL("bad name \"%.40s\" (a-z 0-9 . _ -)", v);
			snprintf(out->name, sizeof out->name, "%s", v);
		} else if (strcmp(key, "title") == 0) {
			if (!set_text(out->title, sizeof out->title, v))
				FAIL("title too long");
		} else if (strcmp(key, "ike-version") == 0) {
			if (!parse_ulong(v, 1, 2, &n))
				FAIL("ike-version must be 1 or 2");
			out->ike_version = (uint8_t)n;
		} else if (strcmp(key, "nonce-length") == 0) {
			if (!parse_ulong(v, 16, 256, &n))
				FAIL("nonce-length must be 16..256 (RFC 7296 2.10)");
			out->nonce_len = n;
			have_nonce = true;
		} else if (strcmp(key, "nonce-basis") == 0) {
			if (!parse_basis(v, &out->nonce_basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (strcmp(key, "retransmit-basis") == 0) {
			if (!parse_basis(v, &out->retransmit_basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (strcmp(key, "notify") == 0) {
			uint16_t type;
			if (out->nnotifies >= PROFILE_MAX_NOTIFIES)
				FAIL("more than %u notifies", PROFILE_MAX_NOTIFIES);
			if (!ike2_notify_lookup(v, &type)) {
				if (!parse_ulong(v, 1, 65535, &n))
					FAIL("unknown notify \"%.40s\"", v);
				type = (uint16_t)n;
			}
			out->notifies[out->nnotifies++] = type;
		} else if (strcmp(key, "vid") == 0) {
			const char *why = "";
			if (out->nvids >= PROFILE_MAX_VIDS)
				FAIL("more than %u vendor IDs", PROFILE_MAX_VIDS);
			if (!parse_vid(v, &out->vids[out->nvids], &why))
				FAIL("%s", why);
			out->nvids++;
		} else if (strcmp(key, "auth-id") == 0) {
			if (strcmp(v, "address") != 0)
				FAIL("auth-id must be \"address\"");
			out->auth_id_address = true;
		} else if (strcmp(key, "auth-certreq") == 0) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
				FAIL("auth-certreq must be yes or no");
			out->auth_certreq = strcmp(v, "yes") == 0;
		} else if (strcmp(key, "auth-certreq-hashes") == 0) {
			if (!parse_ulong(v, 0, PROFILE_MAX_CERTREQ_HASHES, &n))
				FAIL("auth-certreq-hashes must be 0..%u", PROFILE_MAX_CERTREQ_HASHES);
			out->auth_certreq_hashes = n;
		} else if (strcmp(key, "auth-certreq-basis") == 0) {
			if (!parse_basis(v, &out->auth_certreq_basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (strcmp(key, "auth-fragment-size") == 0) {
			if (n = 0, strcmp(v, "0") != 0 && !parse_ulong(v, 576, 65535, &n))
				FAIL("auth-fragment-size must be 0 (never) or 576..65535 (RFC 7383 2.5.1)");
			out->auth_fragment_size = n;
		} else if (strcmp(key, "auth-fragment-basis") == 0) {
			if (!parse_basis(v, &out->auth_fragment_basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (strcmp(key, "auth-basis") == 0) {
			if (!parse_basis(v, &out->auth_basis))
				FAIL("basis must be documented, vendor, observed or inferred");
		} else if (strcmp(key, "auth-notify") == 0) {
			uint16_t type;
			if (out->nauth_notifies >= PROFILE_MAX_NOTIFIES)
				FAIL("more than %u auth notifies", PROFILE_MAX_NOTIFIES);
			if (!ike2_notify_lookup(v, &type)) {
				if (!parse_ulong(v, 16384, 65535, &n))
					FAIL("unknown status notify \"%.40s\"", v);
				type = (uint16_t)n;
			}
			out->auth_notifies[out->nauth_notifies++] = type;
		} else if (strcmp(key, "auth-cp") == 0) {
			char *save = NULL;
			for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
				if (out->nauth_cp >= PROFILE_MAX_AUTH_CP)
					FAIL("more than %u CP attributes", PROFILE_MAX_AUTH_CP);
				if (!parse_ulong(tok, 1, 32767, &n))
					FAIL("CP attribute \"%.20s\" is not 1..32767", tok);
				out->auth_cp[out->nauth_cp++] = (uint16_t)n;
			}
		} else if (strcmp(key, "auth-ts") == 0) {
			if (out->nauth_ts >= 2)
				FAIL("more than 2 auth-ts");
			if (strcmp(v, "ipv4-any") == 0)
				out->auth_ts[out->nauth_ts++] = 4;
			else if (strcmp(v, "ipv6-any") == 0)
				out->auth_ts[out->nauth_ts++] = 6;
			else
				FAIL("auth-ts must be ipv4-any or ipv6-any");
		} else if (strcmp(key, "child-proposal") == 0) {
			char why[128];
			if (out->nchild >= PROFILE_MAX_CHILD)
				FAIL("more than %u child proposals", PROFILE_MAX_CHILD);
			struct ike2_proposal *p = &out->child[out->nchild];
			if (!parse_proposal(v, p, why, sizeof why))
				FAIL("%s", why);
			p->num = (uint8_t)(out->nchild + 1);
			p->protocol = 3;
			p->spi_size = 4;
			out->nchild++;
		} else if (strcmp(key, "retransmit-ms") == 0) {
			if (out->nretransmit)
				FAIL("second retransmit-ms");
			char *save = NULL;
			for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
				if (out->nretransmit >= PROFILE_MAX_RETRANSMIT)
					FAIL("more than %u retransmit times", PROFILE_MAX_RETRANSMIT);
				if (!parse_ulong(tok, 1, 600000, &n))
					FAIL("retransmit time \"%.20s\" is not 1..600000 ms", tok);
				out->retransmit_ms[out->nretransmit++] = (uint32_t)n;
			}
		} else {
			FAIL("unknown key \"%s\"", key);
		}
	}
	if (rc < 0)
		goto fail;
	lr->lineno = 0;
	if (!have_format)
		FAIL("missing \"format: 1\"");
	if (!out->name[0])
		FAIL("missing name");
	if (!out->ike_version)
		out->ike_version = 2;
	if (!have_nonce)
		FAIL("missing nonce-length");
	if (!out->nretransmit)
		FAIL("missing retransmit-ms");
	if (out->nsets == 0)
		FAIL("no proposal set");
	for (size_t i = 0; i < out->nsets && out->ike_version == 1; i++) {
		if (out->sets[i].ntransforms1 == 0)
			FAIL("set \"%s\" has no transform", out->sets[i].name);
		if (out->sets[i].nproposals || out->sets[i].ke_group)
			FAIL("set \"%s\": ke-group/proposal are for IKEv2 profiles", out->sets[i].name);
	}
	if (out->ike_version == 1)
		goto done;
	if (!set_has_group)
		FAIL("set \"%s\" has no ke-group", set->name);
	for (size_t i = 0; i < out->nsets; i++) {
		const struct profile_set *s = &out->sets[i];
		bool found = false;
		if (s->nproposals == 0)
			FAIL("set \"%s\" has no proposal", s->name);
		for (size_t j = 0; j < s->nproposals; j++)
			found |= proposal_has(&s->proposals[j], IKE2_T_DH, s->ke_group);
		if (!found)
			FAIL("set \"%s\": ke-group %u is in none of its proposals", s->name, (unsigned)s->ke_group);
	}
	bool src = false, dst = false;
	for (size_t i = 0; i < out->nnotifies; i++) {
		src |= out->notifies[i] == IKE2_N_NAT_DETECTION_SOURCE_IP;
		dst |= out->notifies[i] == IKE2_N_NAT_DETECTION_DESTINATION_IP;
		out->frag_supported |= out->notifies[i] == IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED;
	}
	out->natd = src && dst;
done:
	free(lr);
	return 0;
fail:
#undef FAIL
	free(lr);
	return -1;
}

static const struct kb_blob *builtin_blob(const char *name)
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
	const struct kb_blob *b = name ? builtin_blob(name) : NULL;
	if (!b) {
		memset(out, 0, sizeof *out);
		return perr(err, errlen, name, 0, "no built-in profile of that name");
	}
	return profile_parse(b->name, b->data, b->len, out, err, errlen);
}

int profile_load_file(const char *path, struct profile *out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t n;
	char why[300];
	memset(out, 0, sizeof *out);
	if (file_read_bounded(path, PROFILE_MAX_FILE, FILE_DATA_TIMEOUT_MS, 0, &buf, &n, why, sizeof why) != 0)
		return perr(err, errlen, path, 0, "%s", why);
	const char *base = strrchr(path, '/');
	int rc = profile_parse(base ? base + 1 : path, buf, n, out, err, errlen);
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

/* ---- Set-VpnConnectionIPsecConfiguration ---- */

static const struct {
	uint16_t id, key_len;
	const char *ike, *esp_cipher, *esp_auth; /* EncryptionMethod, CipherTransformConstants, Authentication... */
} win_encr[] = {
	{IKE2_ENCR_3DES, 0, "DES3", "DES3", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 128, "AES128", "AES128", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 192, "AES192", "AES192", "SHA256128"},
	{IKE2_ENCR_AES_CBC, 256, "AES256", "AES256", "SHA256128"},
	{IKE2_ENCR_AES_GCM_16, 128, "GCMAES128", "GCMAES128", "GCMAES128"},
	{IKE2_ENCR_AES_GCM_16, 256, "GCMAES256", "GCMAES256", "GCMAES256"},
};
static const struct {
	uint16_t integ, prf;
	const char *name;
} win_hash[] = {
	{1, 1, "MD5"},
	{IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1, "SHA1"},
	{IKE2_AUTH_HMAC_SHA2_256_128, IKE2_PRF_HMAC_SHA2_256, "SHA256"},
	{IKE2_AUTH_HMAC_SHA2_384_192, IKE2_PRF_HMAC_SHA2_384, "SHA384"},
};
static const struct {
	uint16_t id;
	const char *name;
} win_dh[] = {
	{1, "Group1"}, {IKE2_DH_MODP1024, "Group2"}, {IKE2_DH_MODP2048, "Group14"},
	{IKE2_DH_ECP256, "ECP256"}, {IKE2_DH_ECP384, "ECP384"}, {24, "Group24"},
};

static const struct ike2_transform *first_of(const struct ike2_proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->ntransforms && i < IKE2_MAX_TRANSFORMS; i++)
		if (p->t[i].type == type)
			return &p->t[i];
	return NULL;
}

int profile_policy_command(const struct ike2_proposal *chosen, const char *conn, char *out, size_t outlen)
{
	const struct ike2_transform *e = first_of(chosen, IKE2_T_ENCR), *in = first_of(chosen, IKE2_T_INTEG),
				    *pr = first_of(chosen, IKE2_T_PRF), *dh = first_of(chosen, IKE2_T_DH);
	size_t ei = SIZE_MAX, hi = SIZE_MAX, di = SIZE_MAX;
	char name[160];
	size_t n = 0;

	if (!out || outlen == 0)
		return -1;
	out[0] = '\0';
	if (!e || !pr || !dh) {
		snprintf(out, outlen, "the proposal lacks an ENCR, PRF or DH transform");
		return -1;
	}
	for (size_t i = 0; i < sizeof win_encr / sizeof win_encr[0]; i++)
		if (win_encr[i].id == e->id && win_encr[i].key_len == e->key_len)
			ei = i;
	if (ei == SIZE_MAX) {
		snprintf(out, outlen, "Windows cannot use %s%s%.0u for IKE", ike2_transform_name(IKE2_T_ENCR, e->id),
			 e->key_len ? "_" : "", (unsigned)e->key_len);
		return -1;
	}
	bool gcm = e->id == IKE2_ENCR_AES_GCM_16;
	if (!gcm && !in) {
		snprintf(out, outlen, "the proposal has no integrity transform");
		return -1;
	}
	for (size_t i = 0; i < sizeof win_hash / sizeof win_hash[0]; i++)
		if (win_hash[i].prf == pr->id && (gcm || win_hash[i].integ == in->id))
			hi = i;
	if (hi == SIZE_MAX) {
		snprintf(out, outlen, "Windows uses one hash for integrity and PRF; %s with %s is not expressible",
			 in ? ike2_transform_name(IKE2_T_INTEG, in->id) : "no integrity",
			 ike2_transform_name(IKE2_T_PRF, pr->id));
		return -1;
	}
	for (size_t i = 0; i < sizeof win_dh / sizeof win_dh[0]; i++)
		if (win_dh[i].id == dh->id)
			di = i;
	if (di == SIZE_MAX) {
		snprintf(out, outlen, "Windows cannot use DH group %s", ike2_transform_name(IKE2_T_DH, dh->id));
		return -1;
	}
	/* The name goes inside PowerShell single quotes, where only ' needs doubling. */
	if (!conn)
		conn = "<VPN name>";
	for (const char *c = conn; *c && n + 2 < sizeof name; c++) {
		if (*c == '\'')
			name[n++] = '\'';
		name[n++] = *c;
	}
	name[n] = '\0';
	int w = snprintf(out, outlen,
			 "Set-VpnConnectionIPsecConfiguration -ConnectionName '%s' -EncryptionMethod %s "
			 "-IntegrityCheckMethod %s -DHGroup %s -CipherTransformConstants %s "
			 "-AuthenticationTransformConstants %s -PfsGroup None -Force",
			 name, win_encr[ei].ike, win_hash[hi].name, win_dh[di].name, win_encr[ei].esp_cipher,
			 win_encr[ei].esp_auth);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* ---- vendor IDs ---- */

int profile_vid_table_parse(const char *name, const uint8_t *buf, size_t len, struct profile_vid_table *out,
			    char *err, size_t errlen)
{
	struct line_reader *lr;
	char *key, *v;
	int rc;
	size_t cap = 0;

	out->n = 0;
	out->v = NULL;
	if (!buf && len)
		return perr(err, errlen, name, 0, "no data");
	if (len > PROFILE_MAX_FILE)
		return perr(err, errlen, name, 0, "file larger than %u bytes", PROFILE_MAX_FILE);
	lr = calloc(1, sizeof *lr);
	if (!lr)
		return perr(err, errlen, name, 0, "out of memory");
	lr->buf = buf;
	lr->len = len;
	while ((rc = next_kv(lr, &key, &v, name, err, errlen)) == 1) {
		if (strcmp(key, "vid") == 0) {
			const char *why = "";
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct profile_vid *nv = realloc(out->v, ncap * sizeof *nv);
				if (!nv) {
					rc = perr(err, errlen, name, lr->lineno, "out of memory");
					break;
				}
				out->v = nv;
				cap = ncap;
			}
			if (!parse_vid(v, &out->v[out->n], &why)) {
				rc = perr(err, errlen, name, lr->lineno, "%s", why);
				break;
			}
			if (!out->v[out->n].name[0]) {
				rc = perr(err, errlen, name, lr->lineno, "vendor ID without a name");
				break;
			}
			out->n++;
		} else if (strcmp(key, "format") == 0) {
			if (strcmp(v, "1") != 0) {
				rc = perr(err, errlen, name, lr->lineno, "unsupported format");
				break;
			}
		} else if (strcmp(key, "name") != 0 && strcmp(key, "title") != 0) {
			rc = perr(err, errlen, name, lr->lineno, "unknown key \"%s\"", key);
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
		const struct kb_blob *b = builtin_blob("vendor-ids");
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
