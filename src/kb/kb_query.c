/* Query classification and ranked word search over the knowledge base. */
#include "kb/kb_query.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static int is_all(const char *s, size_t n, int (*pred)(int))
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!pred((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Parses n digits of base into *out; -1 when larger than 32 bits. */
static int parse_uint(const char *s, size_t n, int base, unsigned long long limit, unsigned long long *out)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)s[i]);
		int d = isdigit(c) ? c - '0' : c - 'a' + 10;
		v = v * (unsigned)base + (unsigned)d;
		if (v > limit)
			return -1;
	}
	*out = v;
	return 0;
}

/* A number token: decimal, -decimal, 0xHEX, or exactly 8 hex digits. Returns 1 when s[0..n) is one
 * (filling q), 0 when it is not a number at all, -1 when it looks like a number but is invalid. */
static int parse_number(const char *s, size_t n, struct kb_query *q, char *err, size_t errlen)
{
	unsigned long long v = 0;
	q->ncodes = 0;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		size_t k = n - 2;
		const char *h = s + 2;
		if (k == 0) {
			snprintf(err, errlen, "'%.*s' has no hex digits after 0x", (int)n, s);
			return -1;
		}
		if (!is_all(h, k, isxdigit)) {
			snprintf(err, errlen, "'%.*s' is not a hex number", (int)(n > 40 ? 40 : n), s);
			return -1;
		}
		while (k > 1 && *h == '0')
			h++, k--;
		if (k > 8 || parse_uint(h, k, 16, 0xFFFFFFFFull, &v) != 0) {
			snprintf(err, errlen, "0x%.*s is larger than 32 bits; Windows error codes are 32-bit",
				 (int)(k > 20 ? 20 : k), h);
			return -1;
		}
		q->codes[q->ncodes++] = (uint32_t)v;
		return 1;
	}
	if (n >= 2 && s[0] == '-' && is_all(s + 1, n - 1, isdigit)) {
		if (n - 1 > 10 || parse_uint(s + 1, n - 1, 10, 0x80000000ull, &v) != 0 || v == 0) {
			snprintf(err, errlen, "%.*s is out of range: an event-log HRESULT is between -2147483648 and -1",
				 (int)(n > 24 ? 24 : n), s);
			return -1;
		}
		q->codes[q->ncodes++] = (uint32_t)(0x100000000ull - v);
		return 1;
	}
	if (is_all(s, n, isdigit)) {
		if (n > 10 || parse_uint(s, n, 10, 0xFFFFFFFFull, &v) != 0) {
			snprintf(err, errlen, "%.*s%s is larger than any Windows error code (32 bits)",
				 (int)(n > 20 ? 20 : n), s, n > 20 ? "..." : "");
			return -1;
		}
		q->codes[q->ncodes++] = (uint32_t)v;
		/* "80092013" as copied from a dialog that dropped the 0x: also try it as hex. */
		if (n == 8 && parse_uint(s, n, 16, 0xFFFFFFFFull, &v) == 0)
			q->codes[q->ncodes++] = (uint32_t)v;
		return 1;
	}
	if (n == 8 && is_all(s, n, isxdigit) && parse_uint(s, n, 16, 0xFFFFFFFFull, &v) == 0) {
		q->codes[q->ncodes++] = (uint32_t)v;
		return 1;
	}
	return 0;
}

static int is_symbol_char(int c) { return isalnum(c) || c == '_' || c == '(' || c == ')'; }

/* Finds a number after a marker phrase in free text ("...returned on failure is 809.",
 * "error 809", "error code: 0x80092013"). Returns 1 and fills q when found. */
static int find_embedded_code(const char *s, struct kb_query *q)
{
	static const char *const markers[] = {"returned on failure is", "error code", "error", "code"};
	char err[128];
	for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
		for (const char *p = text_istr(s, markers[m]); p; p = text_istr(p + 1, markers[m])) {
			if (p > s && isalnum((unsigned char)p[-1]))
				continue;
			const char *t = p + strlen(markers[m]);
			if (isalnum((unsigned char)*t))
				continue;
			t += strspn(t, " \t:#=");
			size_t n = strspn(t, "-0123456789abcdefABCDEFxX");
			while (n > 0 && !isxdigit((unsigned char)t[n - 1]))
				n--;
			if (n == 0 || (t[n] && isalnum((unsigned char)t[n])))
				continue;
			if (parse_number(t, n, q, err, sizeof err) == 1)
				return 1;
		}
	}
	return 0;
}

int kb_query_parse(const char *s, size_t len, struct kb_query *q, char *err, size_t errlen)
{
	memset(q, 0, sizeof *q);
	if (len > KB_QUERY_MAX) {
		snprintf(err, errlen, "query is longer than %u bytes", KB_QUERY_MAX);
		return -1;
	}
	if (memchr(s, '\0', len) || !text_valid_utf8(s, len)) {
		snprintf(err, errlen, "query is not valid UTF-8 text");
		return -1;
	}
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "empty query: give an error number, a symbol or words");
		return -1;
	}
	memcpy(q->text, s, len);
	q->text[len] = '\0';
	/* Trailing '.' as in "809." pasted from a sentence. */
	size_t n = len;
	if (n > 1 && q->text[n - 1] == '.')
		n--;
	int r = parse_number(q->text, n, q, err, errlen);
	if (r != 0) {
		q->kind = KBQ_CODE;
		return r == 1 ? 0 : -1;
	}
	if (is_all(q->text, len, is_symbol_char) && strchr(q->text, '_')) {
		q->kind = KBQ_SYMBOL;
		return 0;
	}
	if (find_embedded_code(q->text, q)) {
		q->kind = KBQ_CODE;
		return 0;
	}
	q->kind = KBQ_WORDS;
	return 0;
}

/* ---- ranked word search ---------------------------------------------------------------------- */

#define MAX_TERMS 16
#define TERM_LEN 48

static const char *const stopwords[] = {
	"a", "an", "and", "are", "at", "be", "by", "can", "cannot", "could", "does", "for", "from", "how",
	"i", "in", "is", "it", "my", "not", "of", "on", "or", "the", "to", "was", "what", "when", "why",
	"with", "windows",
};

static int is_stopword(const char *w)
{
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++)
		if (strcmp(w, stopwords[i]) == 0)
			return 1;
	return 0;
}

/* Splits into lower-case alphanumeric terms, dropping stopwords. */
static size_t terms_of(const char *s, char terms[][TERM_LEN], size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		while (*s && !isalnum((unsigned char)*s))
			s++;
		size_t k = 0;
		char w[TERM_LEN];
		while (isalnum((unsigned char)*s)) {
			if (k + 1 < sizeof w)
				w[k++] = (char)tolower((unsigned char)*s);
			s++;
		}
		w[k] = '\0';
		if (k > 0 && !is_stopword(w)) {
			int dup = 0;
			for (size_t i = 0; i < n; i++)
				dup |= strcmp(terms[i], w) == 0;
			if (!dup)
				memcpy(terms[n++], w, k + 1);
		}
	}
	return n;
}

/* How well term matches text: 1 for a whole word, 0.7 for a word that starts with it (only for
 * terms of 4+ letters: "certificat" finds "certificates"), else 0. */
static double match(const char *text, const char *term)
{
	size_t tn = strlen(term);
	double best = 0;
	for (const char *p = text_istr(text, term); p; p = text_istr(p + 1, term)) {
		if (p > text && isalnum((unsigned char)p[-1]))
			continue;
		if (!isalnum((unsigned char)p[tn]))
			return 1.0;
		if (tn >= 4)
			best = 0.7;
	}
	return best;
}

static double match_strv(const struct kb_strv *v, const char *term)
{
	double best = 0;
	for (size_t i = 0; i < v->n && best < 1.0; i++) {
		double m = match(v->v[i], term);
		best = m > best ? m : best;
	}
	return best;
}

/* Field weights: a term in the tags or title says more than one in a long explanation. */
static double term_score(const struct kb_entry *e, const char *term)
{
	double s = 0, m;
	s += 6.0 * match(e->symbol, term);
	s += 5.0 * match_strv(&e->tags, term);
	s += 4.0 * match(e->title, term);
	s += 3.0 * match(e->quick, term);
	m = 0;
	for (size_t i = 0; i < e->ncauses; i++) {
		double c = match(e->causes[i].text, term);
		m = c > m ? c : m;
	}
	s += 2.0 * m;
	s += 1.5 * match(e->meaning, term);
	s += 1.0 * match_strv(&e->details, term);
	s += 1.0 * match_strv(&e->steps, term);
	m = 0;
	for (size_t i = 0; i < e->nfixes; i++) {
		double c = match(e->fixes[i].text, term);
		if (e->fixes[i].command) {
			double d = match(e->fixes[i].command, term);
			c = d > c ? d : c;
		}
		m = c > m ? c : m;
	}
	s += 1.0 * m;
	for (size_t i = 0; i < e->nfaqs; i++)
		if (match(e->faqs[i].question, term) > 0) {
			s += 1.0;
			break;
		}
	return s;
}

static int has_tag(const struct kb_entry *e, const char *tag)
{
	for (size_t i = 0; i < e->tags.n; i++)
		if (strcmp(e->tags.v[i], tag) == 0)
			return 1;
	return 0;
}

/* Scores equal to 1e-9 (relative) are a tie, broken by the code: the wiki's search.js computes
 * the same sums with another log(), which may differ in the last bit, and must rank alike. */
static int cmp_hit(const void *a, const void *b)
{
	const struct kb_hit *x = a, *y = b;
	if (fabs(x->score - y->score) > 1e-9 * fmax(fabs(x->score), fabs(y->score)))
		return x->score < y->score ? 1 : -1;
	return x->entry->code < y->entry->code ? -1 : x->entry->code > y->entry->code;
}

size_t kb_search_words(const struct kb *kb, const char *words, struct kb_hit *hits, size_t max)
{
	char terms[MAX_TERMS][TERM_LEN];
	size_t nt = terms_of(words, terms, MAX_TERMS);
	if (nt == 0 || kb->n == 0 || max == 0)
		return 0;
	/* Inverse document frequency: rare terms ("revocation") weigh more than common ones ("vpn"). */
	double idf[MAX_TERMS];
	for (size_t t = 0; t < nt; t++) {
		size_t df = 0;
		for (size_t i = 0; i < kb->n; i++)
			df += term_score(&kb->entries[i], terms[t]) > 0;
		idf[t] = log((double)(kb->n + 1) / (double)(df + 1)) + 0.1;
	}
	/* The terms joined by '-' ("nat traversal" -> "nat-traversal") name a tag when they are one. */
	char phrase[MAX_TERMS * TERM_LEN];
	size_t off = 0;
	for (size_t t = 0; t < nt; t++) {
		size_t k = strlen(terms[t]);
		if (t)
			phrase[off++] = '-';
		memcpy(phrase + off, terms[t], k);
		off += k;
	}
	phrase[off] = '\0';
	struct kb_hit *all = calloc(kb->n, sizeof *all);
	if (!all)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < kb->n; i++) {
		const struct kb_entry *e = &kb->entries[i];
		double score = 0;
		size_t matched = 0;
		for (size_t t = 0; t < nt; t++) {
			double ts = term_score(e, terms[t]);
			matched += ts > 0;
			score += ts * idf[t];
		}
		if (score <= 0)
			continue;
		/* Entries that match every term come first; the whole phrase in title or tags helps. */
		score *= (double)matched / (double)nt;
		if (nt > 1 && (text_istr(e->title, words) || text_istr(e->quick, words) || has_tag(e, phrase)))
			score *= 1.5;
		all[n].entry = e;
		all[n].score = score;
		n++;
	}
	qsort(all, n, sizeof *all, cmp_hit);
	if (n > max)
		n = max;
	memcpy(hits, all, n * sizeof *all);
	free(all);
	return n;
}

size_t kb_nearest_codes(const struct kb *kb, uint32_t code, const struct kb_entry **out, size_t max)
{
	size_t n = 0;
	/* Selection by distance; the base is small (hundreds of entries). */
	while (n < max) {
		const struct kb_entry *best = NULL;
		unsigned long long bestd = 0;
		for (size_t i = 0; i < kb->n; i++) {
			const struct kb_entry *e = &kb->entries[i];
			if (kb_is_hresult(e->code) != kb_is_hresult(code))
				continue;
			int taken = 0;
			for (size_t k = 0; k < n; k++)
				taken |= out[k] == e;
			if (taken)
				continue;
			unsigned long long d = e->code > code ? e->code - code : code - e->code;
			if (!best || d < bestd) {
				best = e;
				bestd = d;
			}
		}
		if (!best)
			break;
		out[n++] = best;
	}
	return n;
}
