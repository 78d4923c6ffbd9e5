/* Single-observation rules as data (struct rule_one in rules_internal.h): the one function that
 * applies such a row. Pure: reads r, writes d. */
#include "rules/rules_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/fmt.h"

_Static_assert(OBS_RESOLVED == 0, "RULE_NONE is the zero of an unset needs/unless/ev slot");

/* Room for any expanded template before the finding's own (smaller) buffers cut it, exactly as
 * fmt_into would have. */
#define EXPAND_MAX 1024

static int natt_arg(enum rule_natt n)
{
	return n == RULE_NATT_EITHER ? -1 : n == RULE_NATT_YES;
}

static const struct obs *find(const struct obs_result *r, enum obs_kind k, unsigned proto, enum rule_natt n,
			      uint16_t port)
{
	int natt = natt_arg(n);
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == k && o->proto == proto && (natt < 0 || o->natt == (natt != 0)) && (!port || o->port == port))
			return o;
	}
	return NULL;
}

static bool passes(const struct obs *o, const struct rule_one *one)
{
	switch (one->test) {
	case RULE_VALUE_EQ: return o->value == one->arg;
	case RULE_VALUE_NE: return o->value != one->arg;
	case RULE_CODE_EQ: return o->code == one->arg;
	default: return true;
	}
}

/* t with {port} {text} {code} {value} replaced by o's fields, into out[0..n). */
static void expand(char *out, size_t n, const char *t, const struct obs *o)
{
	static const char *const keys[] = {"{port}", "{text}", "{code}", "{value}"};
	size_t k = 0;
	out[0] = '\0';
	while (*t && k + 1 < n) {
		size_t key = sizeof keys / sizeof keys[0];
		for (size_t i = 0; *t == '{' && i < sizeof keys / sizeof keys[0]; i++)
			if (strncmp(t, keys[i], strlen(keys[i])) == 0)
				key = i;
		switch (key) {
		case 0: fmt_into(out + k, n - k, "%u", o->port); break;
		case 1: fmt_into(out + k, n - k, "%s", o->text); break;
		case 2: fmt_into(out + k, n - k, "%d", (int)o->code); break;
		case 3: fmt_into(out + k, n - k, "%lld", (long long)o->value); break;
		default:
			out[k++] = *t++;
			out[k] = '\0';
			continue;
		}
		k += strlen(out + k);
		t += strlen(keys[key]);
	}
}

static void add_evidence(struct finding *f, const struct obs_result *r, const struct rule_one *one,
			 const struct rule_ev *ev, const struct obs *o)
{
	bool self_listed = false;
	for (size_t i = 0; i < RULE_MAX_EV; i++)
		self_listed = self_listed || ev[i].kind == RULE_SELF;
	if (!self_listed)
		rules_evidence(f, o->evidence);
	for (size_t i = 0; i < RULE_MAX_EV; i++) {
		if (ev[i].kind == RULE_SELF) {
			rules_evidence(f, o->evidence);
		} else if (ev[i].kind != RULE_NONE) {
			const struct obs *x = find(r, ev[i].kind, o->proto, one->natt, 0);
			if (x && x != o)
				rules_evidence(f, x->evidence);
		} else if (ev[i].text) {
			char s[EXPAND_MAX];
			expand(s, sizeof s, ev[i].text, o);
			rules_evidence(f, s);
		}
	}
}

void rules_apply_one(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row,
		     const struct rule_one *one)
{
	unsigned proto = row->protos;
	const struct rule_one *first = one;
	const struct obs *o = find(r, one->kind, proto, one->natt, one->port);
	while (!o && one->otherwise) {
		one = one->otherwise;
		o = find(r, one->kind, proto, one->natt, one->port);
	}
	if (!o || !passes(o, one))
		return;
	if (one->needs != RULE_NONE && !find(r, one->needs, proto, one->natt, 0))
		return;
	for (size_t i = 0; i < RULE_MAX_UNLESS; i++)
		if (one->unless[i] != RULE_NONE && find(r, one->unless[i], proto, one->natt, 0))
			return;
	struct rules_row rw = *row;
	if (one->inferred)
		rw.basis = KB_INFERRED;
	struct finding *f = rules_add(d, &rw, proto);
	if (!f)
		return;
	char s[EXPAND_MAX], c[EXPAND_MAX];
	expand(s, sizeof s, one->summary ? one->summary : first->summary, o);
	fmt_into(f->summary, sizeof f->summary, "%s", s);
	add_evidence(f, r, one, one->ev[0].kind != RULE_NONE || one->ev[0].text ? one->ev : first->ev, o);
	const struct rule_fix_text *fix = one->fix[0].text ? one->fix : first->fix;
	for (size_t i = 0; i < RULES_MAX_FIXES && fix[i].text; i++) {
		expand(s, sizeof s, fix[i].text, o);
		if (fix[i].command)
			expand(c, sizeof c, fix[i].command, o);
		rules_fix(f, s, fix[i].command ? c : NULL);
	}
}

struct finding *rules_found(struct diagnosis *d, const struct rules_row *row, unsigned proto, const struct obs *o,
			    const char *fmt, ...)
{
	struct finding *f = rules_add(d, row, proto);
	if (!f)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(f->summary, sizeof f->summary, fmt, ap);
	va_end(ap);
	if (n < 0)
		f->summary[0] = '\0';
	if (o)
		rules_evidence(f, o->evidence);
	return f;
}
