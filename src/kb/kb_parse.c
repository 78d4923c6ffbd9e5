/* Parser of one knowledge-base data file (format: data/README.md). Pure: input is a
 * bounds-checked (buf, len); output is a heap-allocated entry the caller owns. */
#include "kb/kb.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

enum field {
	F_CODE, F_SYMBOL, F_CATEGORY, F_TITLE, F_QUICK, F_MEANING, F_DETAIL,
	F_CAUSE, F_CAUSE_PROTOCOLS, F_CAUSE_BASIS, F_CAUSE_ID,
	F_STEP, F_FIX, F_FIX_COMMAND, F_FAQ, F_FAQ_ANSWER, F_TAGS, F_RELATED, F_SOURCE,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"code", "symbol", "category", "title", "quick", "meaning", "detail",
	"cause", "cause-protocols", "cause-basis", "cause-id",
	"step", "fix", "fix-command", "faq", "faq-answer", "tags", "related", "source",
};

static const char *const basis_names[KB_BASIS_COUNT] = {"documented", "vendor", "observed", "inferred"};
static const char *const category_names[KB_CAT_COUNT] = {"ras", "ike", "cert", "tls", "win32"};
static const char *const category_titles[KB_CAT_COUNT] = {
	"Connection and RAS errors", "IKE and IPsec errors", "Certificate trust and revocation",
	"TLS (Schannel) errors", "Windows system errors",
};

const char *kb_basis_name(enum kb_basis b) { return (unsigned)b < KB_BASIS_COUNT ? basis_names[b] : "?"; }
const char *kb_category_name(enum kb_category c) { return (unsigned)c < KB_CAT_COUNT ? category_names[c] : "?"; }
const char *kb_category_title(enum kb_category c) { return (unsigned)c < KB_CAT_COUNT ? category_titles[c] : "?"; }

int kb_is_hresult(uint32_t code) { return (code & 0x80000000u) != 0; }

void kb_code_hex(uint32_t code, char *out, size_t outlen)
{
	snprintf(out, outlen, kb_is_hresult(code) ? "0x%08X" : "0x%X", (unsigned)code);
}

long long kb_code_eventlog(uint32_t code)
{
	return kb_is_hresult(code) ? (long long)code - 0x100000000LL : (long long)code;
}

void kb_code_stem(uint32_t code, char *out, size_t outlen)
{
	if (kb_is_hresult(code))
		snprintf(out, outlen, "0x%08x", (unsigned)code);
	else
		snprintf(out, outlen, "%u", (unsigned)code);
}

/* Parses "809" or "0x80092013" exactly (no sign, no spaces, fits 32 bits). */
static int parse_code(const char *s, uint32_t *out)
{
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0' || strlen(s) > 10)
		return -1;
	unsigned long long v = 0;
	for (const char *p = s; *p; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return -1;
		v = v * (unsigned)base + (unsigned)d;
		if (v > 0xFFFFFFFFull)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_basis(const char *s, enum kb_basis *out)
{
	for (int i = 0; i < KB_BASIS_COUNT; i++)
		if (strcmp(s, basis_names[i]) == 0) {
			*out = (enum kb_basis)i;
			return 0;
		}
	return -1;
}

struct parser {
	struct kb_entry *e;
	enum field last;       /* field the next continuation line belongs to */
	char **last_str;       /* the string a continuation appends to */
	int last_is_command;   /* continuation joins with a newline, not a space */
	unsigned line;
	char *err;
	size_t errlen;
};

__attribute__((format(VD_PRINTF, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "line %u: ", p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Grows a typed array by one zeroed element. Returns the new element or NULL. */
static void *push(void **arr, size_t *n, size_t elem)
{
	if (*n >= KB_MAX_ITEMS)
		return NULL;
	void *grown = realloc(*arr, (*n + 1) * elem);
	if (!grown)
		return NULL;
	*arr = grown;
	char *slot = (char *)grown + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

static char **push_str(struct kb_strv *v, const char *s)
{
	char **slot = push((void **)&v->v, &v->n, sizeof(char *));
	if (!slot)
		return NULL;
	*slot = strdup(s);
	return *slot ? slot : NULL;
}

static int set_once(struct parser *p, char **dst, const char *val, const char *name)
{
	if (*dst)
		return fail(p, "field '%s' given twice", name);
	*dst = strdup(val);
	if (!*dst)
		return fail(p, "out of memory");
	p->last_str = dst;
	return 0;
}

static int parse_protocols(struct parser *p, const char *val, unsigned *out)
{
	char tok[32];
	unsigned bits = 0;
	const char *s = val;
	while (*s) {
		size_t n = strcspn(s, ", ");
		if (n > 0) {
			if (n >= sizeof tok)
				return fail(p, "unknown protocol in '%s'", val);
			memcpy(tok, s, n);
			tok[n] = '\0';
			unsigned bit = 0;
			int idx = proto_index(tok);
			if (strcmp(tok, "all") == 0)
				bit = KB_P_ALL;
			else if (idx >= 0)
				bit = proto_table[idx].bit;
			if (!bit)
				return fail(p, "unknown protocol '%s' (%s, all)", tok, proto_keys_list());
			bits |= bit;
		}
		s += n;
		s += strspn(s, ", ");
	}
	if (!bits)
		return fail(p, "no protocol given");
	*out = bits;
	return 0;
}

static int parse_list(struct parser *p, const char *val, struct kb_strv *tags, uint32_t **codes, size_t *ncodes)
{
	char tok[64];
	const char *s = val;
	while (*s) {
		size_t n = strcspn(s, ",");
		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		size_t m = n;
		while (m > 0 && isspace((unsigned char)s[m - 1]))
			m--;
		if (m > 0) {
			if (m >= sizeof tok)
				return fail(p, "list item too long");
			memcpy(tok, s, m);
			tok[m] = '\0';
			if (tags) {
				for (char *c = tok; *c; c++)
					if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-'))
						return fail(p, "tag '%s': use lower-case letters, digits and '-'", tok);
				if (!push_str(tags, tok))
					return fail(p, "too many tags");
			} else {
				uint32_t *slot = push((void **)codes, ncodes, sizeof(uint32_t));
				if (!slot || parse_code(tok, slot) != 0)
					return fail(p, "related code '%s' is not a decimal or 0x hex number", tok);
			}
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

static int add_field(struct parser *p, enum field f, const char *val)
{
	struct kb_entry *e = p->e;
	p->last = f;
	p->last_str = NULL;
	p->last_is_command = 0;
	switch (f) {
	case F_CODE:
		if (e->code)
			return fail(p, "field 'code' given twice");
		if (parse_code(val, &e->code) != 0)
			return fail(p, "code '%s' is not a decimal or 0x hex number", val);
		return 0;
	case F_SYMBOL: return set_once(p, &e->symbol, val, "symbol");
	case F_TITLE: return set_once(p, &e->title, val, "title");
	case F_QUICK: return set_once(p, &e->quick, val, "quick");
	case F_MEANING: return set_once(p, &e->meaning, val, "meaning");
	case F_CATEGORY:
		for (int i = 0; i < KB_CAT_COUNT; i++)
			if (strcmp(val, category_names[i]) == 0) {
				e->category = (enum kb_category)i;
				return 0;
			}
		return fail(p, "category '%s' (ras, ike, cert, tls, win32)", val);
	case F_DETAIL:
		if (!(p->last_str = push_str(&e->details, val)))
			return fail(p, "too many details");
		return 0;
	case F_STEP:
		if (!(p->last_str = push_str(&e->steps, val)))
			return fail(p, "too many steps");
		return 0;
	case F_CAUSE: {
		struct kb_cause *c = push((void **)&e->causes, &e->ncauses, sizeof *c);
		if (!c || !(c->text = strdup(val)))
			return fail(p, "too many causes");
		c->basis = KB_BASIS_COUNT; /* must be set by cause-basis */
		p->last_str = &c->text;
		return 0;
	}
	case F_CAUSE_PROTOCOLS:
	case F_CAUSE_BASIS:
	case F_CAUSE_ID: {
		if (e->ncauses == 0)
			return fail(p, "'%s' before any 'cause:'", field_names[f]);
		struct kb_cause *c = &e->causes[e->ncauses - 1];
		if (f == F_CAUSE_PROTOCOLS)
			return parse_protocols(p, val, &c->protocols);
		if (f == F_CAUSE_BASIS)
			return parse_basis(val, &c->basis) == 0
				   ? 0 : fail(p, "basis '%s' (documented, vendor, observed, inferred)", val);
		for (const char *s = val; *s; s++)
			if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
				return fail(p, "cause-id '%s': use lower-case letters, digits and '-'", val);
		return set_once(p, &c->id, val, "cause-id");
	}
	case F_FIX: {
		struct kb_fix *x = push((void **)&e->fixes, &e->nfixes, sizeof *x);
		if (!x || !(x->text = strdup(val)))
			return fail(p, "too many fixes");
		p->last_str = &x->text;
		return 0;
	}
	case F_FIX_COMMAND:
		if (e->nfixes == 0)
			return fail(p, "'fix-command' before any 'fix:'");
		if (set_once(p, &e->fixes[e->nfixes - 1].command, val, "fix-command") != 0)
			return -1;
		p->last_is_command = 1;
		return 0;
	case F_FAQ: {
		struct kb_faq *q = push((void **)&e->faqs, &e->nfaqs, sizeof *q);
		if (!q || !(q->question = strdup(val)))
			return fail(p, "too many faqs");
		p->last_str = &q->question;
		return 0;
	}
	case F_FAQ_ANSWER:
		if (e->nfaqs == 0)
			return fail(p, "'faq-answer' before any 'faq:'");
		return set_once(p, &e->faqs[e->nfaqs - 1].answer, val, "faq-answer");
	case F_TAGS:
		return parse_list(p, val, &e->tags, NULL, NULL);
	case F_RELATED:
		return parse_list(p, val, NULL, &e->related, &e->nrelated);
	case F_SOURCE: {
		size_t n = strcspn(val, ":");
		char word[16];
		struct kb_source *s = push((void **)&e->sources, &e->nsources, sizeof *s);
		if (!s)
			return fail(p, "too many sources");
		if (val[n] != ':' || n >= sizeof word)
			return fail(p, "source must start with its basis: 'documented: ...'");
		memcpy(word, val, n);
		word[n] = '\0';
		if (parse_basis(word, &s->basis) != 0)
			return fail(p, "source basis '%s' (documented, vendor, observed, inferred)", word);
		const char *rest = val + n + 1;
		rest += strspn(rest, " \t");
		if (!*rest || !(s->text = strdup(rest)))
			return fail(p, "source without text");
		p->last_str = &s->text;
		return 0;
	}
	case F_COUNT:
		break;
	}
	return fail(p, "internal: bad field");
}

static int append(struct parser *p, const char *val)
{
	if (!p->last_str || !*p->last_str)
		return fail(p, "continuation line does not follow a text field");
	size_t a = strlen(*p->last_str), b = strlen(val);
	if (a + b + 2 > KB_MAX_FILE)
		return fail(p, "field too long");
	char *s = realloc(*p->last_str, a + b + 2);
	if (!s)
		return fail(p, "out of memory");
	s[a] = p->last_is_command ? '\n' : ' ';
	memcpy(s + a + 1, val, b + 1);
	*p->last_str = s;
	return 0;
}

static int check_required(struct parser *p)
{
	struct kb_entry *e = p->e;
	static const char *const need = "code, symbol, title, quick, meaning";
	if (!e->code || !e->symbol || !e->title || !e->quick || !e->meaning)
		return fail(p, "missing one of the required fields (%s)", need);
	if (e->ncauses == 0 || e->steps.n == 0 || e->nfixes == 0 || e->tags.n == 0 || e->nsources == 0)
		return fail(p, "needs at least one cause, step, fix, tag and source");
	for (size_t i = 0; i < e->ncauses; i++) {
		if (!e->causes[i].protocols)
			return fail(p, "cause %zu has no cause-protocols", i + 1);
		if (e->causes[i].basis == KB_BASIS_COUNT)
			return fail(p, "cause %zu has no cause-basis", i + 1);
	}
	for (size_t i = 0; i < e->nfaqs; i++)
		if (!e->faqs[i].answer)
			return fail(p, "faq %zu has no faq-answer", i + 1);
	return 0;
}

int kb_parse_entry(const char *name, const unsigned char *buf, size_t len, struct kb_entry *out,
		   char *err, size_t errlen)
{
	struct parser p = {.e = out, .last = F_COUNT, .err = err, .errlen = errlen};
	char line[KB_MAX_LINE + 1];
	int category_seen = 0;

	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = '\0';
	if (len > KB_MAX_FILE) {
		fail(&p, "file larger than %u bytes", KB_MAX_FILE);
		return -1;
	}
	if (!text_valid_utf8((const char *)buf, len)) {
		fail(&p, "not valid UTF-8");
		return -1;
	}
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		size_t n = end - pos;
		p.line++;
		if (n > KB_MAX_LINE) {
			fail(&p, "line longer than %u bytes", KB_MAX_LINE);
			goto bad;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos = end + (end < len);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n)) {
			fail(&p, "NUL byte");
			goto bad;
		}
		text_rtrim(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			/* In a command the first blank marks the continuation; further indentation is
			 * part of the command (config snippets). Elsewhere all leading blanks go. */
			const char *rest = p.last_is_command ? line + 1 : line + strspn(line, " \t");
			if (append(&p, rest) != 0)
				goto bad;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon) {
			fail(&p, "expected 'field: value'");
			goto bad;
		}
		*colon = '\0';
		const char *val = colon + 1 + strspn(colon + 1, " \t");
		enum field f = F_COUNT;
		for (int i = 0; i < F_COUNT; i++)
			if (strcmp(line, field_names[i]) == 0)
				f = (enum field)i;
		if (f == F_COUNT) {
			fail(&p, "unknown field '%s'", line);
			goto bad;
		}
		if (*val == '\0') {
			fail(&p, "field '%s' is empty", line);
			goto bad;
		}
		if (f == F_CATEGORY)
			category_seen = 1;
		if (add_field(&p, f, val) != 0)
			goto bad;
	}
	p.line++;
	if (!category_seen) {
		fail(&p, "missing field 'category'");
		goto bad;
	}
	if (check_required(&p) != 0)
		goto bad;
	out->file = strdup(name ? name : "");
	if (!out->file)
		goto bad;
	return 0;
bad:
	kb_entry_free(out);
	return -1;
}

static void strv_free(struct kb_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
}

void kb_entry_free(struct kb_entry *e)
{
	if (!e)
		return;
	free(e->symbol);
	free(e->title);
	free(e->quick);
	free(e->meaning);
	strv_free(&e->details);
	for (size_t i = 0; i < e->ncauses; i++) {
		free(e->causes[i].text);
		free(e->causes[i].id);
	}
	free(e->causes);
	strv_free(&e->steps);
	for (size_t i = 0; i < e->nfixes; i++) {
		free(e->fixes[i].text);
		free(e->fixes[i].command);
	}
	free(e->fixes);
	for (size_t i = 0; i < e->nfaqs; i++) {
		free(e->faqs[i].question);
		free(e->faqs[i].answer);
	}
	free(e->faqs);
	strv_free(&e->tags);
	free(e->related);
	for (size_t i = 0; i < e->nsources; i++)
		free(e->sources[i].text);
	free(e->sources);
	free(e->file);
	memset(e, 0, sizeof *e);
}
