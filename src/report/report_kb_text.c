#include "report/report_kb.h"

#include <string.h>

#include "util/text.h"

#define BOLD(st) ((st)->colour ? "\033[1m" : "")
#define DIM(st) ((st)->colour ? "\033[2m" : "")
#define OFF(st) ((st)->colour ? "\033[0m" : "")

static void heading(FILE *out, const struct report_kb_style *st, const char *h)
{
	fprintf(out, "\n%s%s%s\n", BOLD(st), h, OFF(st));
}

/* Prints the protocol list; returns the number of columns printed. */
static int protocols(FILE *out, unsigned bits)
{
	if (bits == KB_P_ALL)
		return fprintf(out, "all protocols");
	int n = 0;
	for (unsigned i = 0; i < PROTO_COUNT; i++)
		if (bits & proto_table[i].bit)
			n += fprintf(out, "%s%s", n ? ", " : "", proto_table[i].title);
	return n;
}

void report_kb_line(FILE *out, const struct kb_entry *e, const struct report_kb_style *st)
{
	char hex[16];
	kb_code_hex(e->code, hex, sizeof hex);
	if (kb_is_hresult(e->code))
		fprintf(out, "%s%-11s%s %-44s %s\n", BOLD(st), hex, OFF(st), e->symbol, e->title);
	else
		fprintf(out, "%s%-11u%s %-44s %s\n", BOLD(st), (unsigned)e->code, OFF(st), e->symbol, e->title);
}

static void numbered(FILE *out, const struct report_kb_style *st, const struct kb_strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		fprintf(out, "  %2zu. ", i + 1);
		text_wrap(out, v->v[i], 6, 6, st->width);
	}
}

void report_kb_text(FILE *out, const struct kb *kb, const struct kb_entry *e, const struct report_kb_style *st)
{
	char hex[16];
	kb_code_hex(e->code, hex, sizeof hex);
	if (kb_is_hresult(e->code))
		fprintf(out, "%s%s%s (event log: %lld)  %s\n", BOLD(st), hex, OFF(st), kb_code_eventlog(e->code),
			e->symbol);
	else
		fprintf(out, "%sError %u%s (%s)  %s\n", BOLD(st), (unsigned)e->code, OFF(st), hex, e->symbol);
	text_wrap(out, e->title, 0, 0, st->width);
	fprintf(out, "%s%s%s\n", DIM(st), kb_category_title(e->category), OFF(st));

	heading(out, st, "Quick answer");
	text_wrap(out, e->quick, 0, 2, st->width);
	heading(out, st, "What it means");
	text_wrap(out, e->meaning, 0, 2, st->width);
	if (e->details.n) {
		heading(out, st, "Key details");
		for (size_t i = 0; i < e->details.n; i++) {
			fputs("  - ", out);
			text_wrap(out, e->details.v[i], 4, 4, st->width);
		}
	}
	heading(out, st, "Common causes");
	for (size_t i = 0; i < e->ncauses; i++) {
		const struct kb_cause *c = &e->causes[i];
		fprintf(out, "  %2zu. [", i + 1);
		int col = 7 + protocols(out, c->protocols);
		col += fprintf(out, "] ");
		text_wrap(out, c->text, col, 6, st->width);
		fprintf(out, "      %sbasis: %s%s%s%s%s\n", DIM(st), kb_basis_name(c->basis),
			c->basis == KB_INFERRED ? " (a hypothesis, not confirmed)" : "",
			c->id ? "; vpndiag probe checks this (" : "", c->id ? c->id : "", c->id ? ")" : "");
		if (st->colour)
			fputs(OFF(st), out);
	}
	heading(out, st, "Steps");
	numbered(out, st, &e->steps);
	heading(out, st, "Fixes");
	for (size_t i = 0; i < e->nfixes; i++) {
		fprintf(out, "  - ");
		text_wrap(out, e->fixes[i].text, 4, 4, st->width);
		if (e->fixes[i].command) {
			const char *p = e->fixes[i].command;
			while (*p) {
				size_t n = strcspn(p, "\n");
				fprintf(out, "      %s%.*s%s\n", BOLD(st), (int)n, p, OFF(st));
				p += n + (p[n] == '\n');
			}
		}
	}
	if (e->nfaqs) {
		heading(out, st, "Questions people ask");
		for (size_t i = 0; i < e->nfaqs; i++) {
			fprintf(out, "  Q: ");
			text_wrap(out, e->faqs[i].question, 5, 5, st->width);
			fprintf(out, "  A: ");
			text_wrap(out, e->faqs[i].answer, 5, 5, st->width);
		}
	}
	if (e->nrelated) {
		heading(out, st, "Related");
		for (size_t i = 0; i < e->nrelated; i++) {
			const struct kb_entry *r = kb_find_code(kb, e->related[i]);
			char rhex[16];
			kb_code_hex(e->related[i], rhex, sizeof rhex);
			if (kb_is_hresult(e->related[i]))
				fprintf(out, "  %-10s %s\n", rhex, r ? r->title : "");
			else
				fprintf(out, "  %-10u %s\n", (unsigned)e->related[i], r ? r->title : "");
		}
	}
	heading(out, st, "Tags");
	fputs("  ", out);
	for (size_t i = 0; i < e->tags.n; i++)
		fprintf(out, "%s%s", i ? ", " : "", e->tags.v[i]);
	fputc('\n', out);
	heading(out, st, "Sources");
	for (size_t i = 0; i < e->nsources; i++) {
		int col = fprintf(out, "  [%s] ", kb_basis_name(e->sources[i].basis));
		text_wrap(out, e->sources[i].text, col, 6, st->width);
	}
}
