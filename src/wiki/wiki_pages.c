/* The pages of the error wiki. Every piece of knowledge-base text reaches the markup through the
 * html_* escaping helpers or through a template text variable (escaped by the template engine);
 * the layout around it lives in the templates (data/wiki/). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "report/report_kb.h"
#include "wiki/wiki_site.h"

#define MORE_IN_CATEGORY 8
#define SITE_NAME "Windows VPN error wiki"

/* ---- the model: tags ------------------------------------------------------------------------- */

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct wiki_tag *)a)->name, ((const struct wiki_tag *)b)->name);
}

static int slug_taken(const struct wiki_site *s, size_t upto, const char *slug)
{
	if (strcmp(slug, "index") == 0) /* tags/index.html lists the tags */
		return 1;
	for (size_t i = 0; i < upto; i++)
		if (strcmp(s->tags[i].slug, slug) == 0)
			return 1;
	return 0;
}

int wiki_site_init(struct wiki_site *s, const struct kb *kb, const struct wiki_files *files)
{
	s->kb = kb;
	s->files = files;
	s->tags = NULL;
	s->ntags = 0;
	size_t cap = 0;
	for (size_t i = 0; i < kb->n; i++)
		cap += kb->entries[i].tags.n;
	s->tags = calloc(cap ? cap : 1, sizeof *s->tags);
	if (!s->tags)
		goto oom;
	for (size_t i = 0; i < kb->n; i++) {
		const struct kb_entry *e = &kb->entries[i];
		for (size_t k = 0; k < e->tags.n; k++) {
			size_t t = 0;
			while (t < s->ntags && strcmp(s->tags[t].name, e->tags.v[k]) != 0)
				t++;
			if (t == s->ntags) {
				s->tags[t].name = e->tags.v[k];
				s->tags[t].e = calloc(kb->n, sizeof *s->tags[t].e);
				if (!s->tags[t].e)
					goto oom;
				s->ntags++;
			}
			struct wiki_tag *tag = &s->tags[t];
			if (tag->n == 0 || tag->e[tag->n - 1] != e) /* a tag listed twice in one entry */
				tag->e[tag->n++] = e;
		}
	}
	qsort(s->tags, s->ntags, sizeof *s->tags, cmp_tag);
	for (size_t t = 0; t < s->ntags; t++) {
		char base[WIKI_SLUG_MAX - 8];
		html_slug(s->tags[t].name, base, sizeof base);
		snprintf(s->tags[t].slug, sizeof s->tags[t].slug, "%s", base);
		for (unsigned n = 2; slug_taken(s, t, s->tags[t].slug); n++)
			snprintf(s->tags[t].slug, sizeof s->tags[t].slug, "%s-%u", base, n);
	}
	return 0;
oom:
	snprintf(s->err, s->errlen, "out of memory");
	wiki_site_free(s);
	return -1;
}

void wiki_site_free(struct wiki_site *s)
{
	for (size_t t = 0; t < s->ntags; t++)
		free(s->tags[t].e);
	free(s->tags);
	s->tags = NULL;
	s->ntags = 0;
}

const struct wiki_tag *wiki_site_tag(const struct wiki_site *s, const char *name)
{
	for (size_t t = 0; t < s->ntags; t++)
		if (strcmp(s->tags[t].name, name) == 0)
			return &s->tags[t];
	return NULL;
}

/* ---- small fragments ------------------------------------------------------------------------- */

/* The code as people write it: 809, or 0x80092013 (upper-case hex digits, as Windows shows them). */
static void code_display(uint32_t code, char *out, size_t n)
{
	if (kb_is_hresult(code))
		kb_code_hex(code, out, n);
	else
		snprintf(out, n, "%u", (unsigned)code);
}

static void entry_href(struct html_buf *b, const char *root, const struct kb_entry *e)
{
	char stem[32];
	kb_code_stem(e->code, stem, sizeof stem);
	html_attr(b, root);
	html_raw(b, "errors/");
	html_attr(b, stem);
	html_raw(b, ".html");
}

/* <li><a href="errors/809.html"><span class="code">809</span> <span class="t">title</span></a></li> */
static void entry_li(struct html_buf *b, const char *root, const struct kb_entry *e)
{
	char code[32];
	code_display(e->code, code, sizeof code);
	html_raw(b, "<li><a href=\"");
	entry_href(b, root, e);
	html_raw(b, "\"><span class=\"code\">");
	html_text(b, code);
	html_raw(b, "</span> <span class=\"t\">");
	html_text(b, e->title);
	html_raw(b, "</span></a></li>\n");
}

/* A compact link: just the code, the symbol and title as a tooltip. */
static void entry_chip(struct html_buf *b, const char *root, const struct kb_entry *e)
{
	char code[32];
	code_display(e->code, code, sizeof code);
	html_raw(b, "<li><a href=\"");
	entry_href(b, root, e);
	html_raw(b, "\" title=\"");
	html_attr(b, e->symbol);
	html_raw(b, ": ");
	html_attr(b, e->title);
	html_raw(b, "\">");
	html_text(b, code);
	html_raw(b, "</a></li>\n");
}

static void tag_href(struct html_buf *b, const char *root, const struct wiki_tag *t)
{
	html_attr(b, root);
	html_raw(b, "tags/");
	html_attr(b, t->slug);
	html_raw(b, ".html");
}

static void protocol_badges(struct html_buf *b, unsigned bits)
{
	for (unsigned i = 0; i < PROTO_COUNT; i++) {
		if (!(bits & proto_table[i].bit))
			continue;
		html_raw(b, "<span class=\"badge proto proto-");
		html_attr(b, proto_table[i].key);
		html_raw(b, "\">");
		html_text(b, proto_table[i].title);
		html_raw(b, "</span> ");
	}
}

static const char *basis_help(enum kb_basis basis)
{
	switch (basis) {
	case KB_DOCUMENTED: return "Documented by Microsoft or in an RFC";
	case KB_VENDOR: return "From a vendor or practitioner write-up";
	case KB_OBSERVED: return "Observed in public logs, reports or captures";
	case KB_INFERRED: return "Inferred: our reasoning, a hypothesis to check";
	default: return "";
	}
}

static void basis_badge(struct html_buf *b, enum kb_basis basis)
{
	html_raw(b, "<span class=\"badge basis basis-");
	html_attr(b, kb_basis_name(basis));
	html_raw(b, "\" title=\"");
	html_attr(b, basis_help(basis));
	html_raw(b, "\">");
	html_text(b, kb_basis_name(basis));
	html_raw(b, "</span>");
}

/* ---- the page frame -------------------------------------------------------------------------- */

struct page {
	const char *root;        /* "" at the top, "../" one folder down */
	const char *path;        /* path of the page in the site, for the canonical URL */
	const char *title;       /* <title> */
	const char *description; /* meta description */
	const char *head;        /* extra HTML in <head> (JSON-LD), or NULL */
	const char *scripts;     /* script elements at the end of <body>, or NULL */
	const char *kind;        /* body class: article, index, tag, search */
};

static const struct wiki_file *need(struct wiki_site *s, const char *name)
{
	const struct wiki_file *f = wiki_files_find(s->files, name);
	if (!f)
		snprintf(s->err, s->errlen, "template %s is missing", name);
	return f;
}

/* Renders the template tname with vs into a content buffer, then the frame (page.html) around
 * it into out. */
static int render_page(struct wiki_site *s, const struct page *pg, const char *tname, struct tmpl_vars *vs,
		       struct html_buf *out)
{
	const struct wiki_file *body = need(s, tname), *frame = need(s, "page.html");
	if (!body || !frame)
		return -1;
	tmpl_vars_text(vs, "root", pg->root);
	tmpl_vars_text(vs, "generator", s->generator);
	tmpl_vars_text(vs, "site_name", SITE_NAME);
	struct html_buf content, head;
	html_buf_init(&content);
	html_buf_init(&head);
	int rc = tmpl_render(tname, body->data, body->len, vs, &content, s->err, s->errlen);
	if (rc == 0) {
		if (s->base_url) {
			html_raw(&head, "<link rel=\"canonical\" href=\"");
			html_attr(&head, s->base_url);
			html_attr(&head, pg->path);
			html_raw(&head, "\">\n");
		}
		html_raw(&head, pg->head);
		struct tmpl_vars fv = {.n = 0};
		tmpl_vars_text(&fv, "root", pg->root);
		tmpl_vars_text(&fv, "generator", s->generator);
		tmpl_vars_text(&fv, "site_name", SITE_NAME);
		tmpl_vars_text(&fv, "title", pg->title);
		tmpl_vars_text(&fv, "description", pg->description);
		tmpl_vars_text(&fv, "kind", pg->kind);
		tmpl_vars_html(&fv, "head", html_buf_cstr(&head));
		tmpl_vars_html(&fv, "content", html_buf_cstr(&content));
		tmpl_vars_html(&fv, "scripts", pg->scripts);
		rc = tmpl_render("page.html", frame->data, frame->len, &fv, out, s->err, s->errlen);
	}
	if (rc == 0 && (content.oom || head.oom || out->oom)) {
		snprintf(s->err, s->errlen, "out of memory");
		rc = -1;
	}
	html_buf_free(&content);
	html_buf_free(&head);
	return rc;
}

/* ---- articles -------------------------------------------------------------------------------- */

static int cmp_code_ptr(const void *a, const void *b)
{
	const struct kb_entry *x = *(const struct kb_entry *const *)a, *y = *(const struct kb_entry *const *)b;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* Up to max entries of e's category nearest to e by code, in code order. */
static size_t more_in_category(const struct kb *kb, const struct kb_entry *e, const struct kb_entry **out, size_t max)
{
	size_t n = 0;
	while (n < max) {
		const struct kb_entry *best = NULL;
		uint32_t bestd = 0;
		for (size_t i = 0; i < kb->n; i++) {
			const struct kb_entry *c = &kb->entries[i];
			if (c == e || c->category != e->category)
				continue;
			int taken = 0;
			for (size_t k = 0; k < n; k++)
				taken |= out[k] == c;
			uint32_t d = c->code > e->code ? c->code - e->code : e->code - c->code;
			if (!taken && (!best || d < bestd)) {
				best = c;
				bestd = d;
			}
		}
		if (!best)
			break;
		out[n++] = best;
	}
	qsort(out, n, sizeof *out, cmp_code_ptr);
	return n;
}

/* schema.org FAQPage for the article's questions, built with json-c. */
static void faq_jsonld(struct html_buf *b, const struct wiki_site *s, const struct kb_entry *e)
{
	if (e->nfaqs == 0)
		return;
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "@context", json_object_new_string("https://schema.org"));
	json_object_object_add(root, "@type", json_object_new_string("FAQPage"));
	if (s->base_url) {
		char stem[32];
		struct html_buf url;
		html_buf_init(&url);
		kb_code_stem(e->code, stem, sizeof stem);
		html_raw(&url, s->base_url);
		html_raw(&url, "errors/");
		html_raw(&url, stem);
		html_raw(&url, ".html");
		json_object_object_add(root, "url", json_object_new_string(html_buf_cstr(&url)));
		html_buf_free(&url);
	}
	struct json_object *qs = json_object_new_array();
	for (size_t i = 0; i < e->nfaqs; i++) {
		struct json_object *q = json_object_new_object(), *a = json_object_new_object();
		json_object_object_add(q, "@type", json_object_new_string("Question"));
		json_object_object_add(q, "name", json_object_new_string(e->faqs[i].question));
		json_object_object_add(a, "@type", json_object_new_string("Answer"));
		json_object_object_add(a, "text", json_object_new_string(e->faqs[i].answer));
		json_object_object_add(q, "acceptedAnswer", a);
		json_object_array_add(qs, q);
	}
	json_object_object_add(root, "mainEntity", qs);
	html_raw(b, "<script type=\"application/ld+json\">");
	html_json_script(b, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	html_raw(b, "</script>\n");
	json_object_put(root);
}

/* The probe command that confirms a cause id over the network. */
static const char *probe_command(const char *cause_id)
{
	if (strcmp(cause_id, "psk-mismatch") == 0)
		return "vpndiag probe --psk-file PSK_FILE SERVER";
	return "vpndiag probe SERVER";
}

enum {
	F_FACTS, F_PROTOCOLS, F_DETAILS, F_CAUSES, F_STEPS, F_FIXES, F_FAQ, F_TAGS, F_RELATED, F_MORE, F_SOURCES,
	F_HEAD, F_COUNT
};

/* The code in its forms (display, hex, stem, event log, Win32) and the strings derived from it. */
struct article_codes {
	char code[32], hex[32], stem[32], eventlog[32], win32[32], explain[64], path[64], title[96];
};

static void article_codes(const struct kb_entry *e, struct article_codes *c)
{
	c->eventlog[0] = '\0';
	c->win32[0] = '\0';
	code_display(e->code, c->code, sizeof c->code);
	kb_code_hex(e->code, c->hex, sizeof c->hex);
	kb_code_stem(e->code, c->stem, sizeof c->stem);
	if (kb_is_hresult(e->code)) {
		snprintf(c->eventlog, sizeof c->eventlog, "%lld", kb_code_eventlog(e->code));
		if ((e->code & 0xFFFF0000u) == 0x80070000u) /* HRESULT_FROM_WIN32 */
			snprintf(c->win32, sizeof c->win32, "%u", (unsigned)(e->code & 0xFFFFu));
	}
	snprintf(c->explain, sizeof c->explain, "vpndiag explain %s", c->stem);
	snprintf(c->path, sizeof c->path, "errors/%s.html", c->stem);
	snprintf(c->title, sizeof c->title, "Error %s", c->code);
}

/* One <li> per string, as text. */
static void text_items(struct html_buf *b, const struct kb_strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		html_raw(b, "<li>");
		html_text(b, v->v[i]);
		html_raw(b, "</li>\n");
	}
}

static void article_causes(struct html_buf *b, const struct kb_entry *e)
{
	for (size_t i = 0; i < e->ncauses; i++) {
		const struct kb_cause *c = &e->causes[i];
		html_rawf(b, "<li id=\"cause-%zu\">\n<p>", i + 1);
		html_text(b, c->text);
		html_raw(b, "</p>\n<p class=\"meta\"><span class=\"label\">Protocols:</span> ");
		protocol_badges(b, c->protocols);
		html_raw(b, "<span class=\"label\">Basis:</span> ");
		basis_badge(b, c->basis);
		html_raw(b, "</p>\n");
		if (c->id) {
			html_raw(b, "<p class=\"confirm\">Confirm it over the network: <code>");
			html_text(b, probe_command(c->id));
			html_raw(b, "</code> reports this cause as <code class=\"cause-id\">");
			html_text(b, c->id);
			html_raw(b, "</code>.</p>\n");
		}
		html_raw(b, "</li>\n");
	}
}

static void article_fixes(struct html_buf *b, const struct kb_entry *e)
{
	for (size_t i = 0; i < e->nfixes; i++) {
		html_rawf(b, "<div class=\"fix\" id=\"fix-%zu\">\n<p>", i + 1);
		html_text(b, e->fixes[i].text);
		html_raw(b, "</p>\n");
		if (e->fixes[i].command) {
			html_raw(b, "<pre class=\"cmd\"><code>");
			html_text(b, e->fixes[i].command);
			html_raw(b, "</code></pre>\n");
		}
		html_raw(b, "</div>\n");
	}
}

static void article_faq(struct html_buf *b, const struct kb_entry *e)
{
	for (size_t i = 0; i < e->nfaqs; i++) {
		html_rawf(b, "<dt id=\"faq-%zu\">", i + 1);
		html_text(b, e->faqs[i].question);
		html_raw(b, "</dt>\n<dd>");
		html_text(b, e->faqs[i].answer);
		html_raw(b, "</dd>\n");
	}
}

static void article_tags(struct html_buf *b, const struct wiki_site *s, const struct kb_entry *e, const char *root)
{
	for (size_t i = 0; i < e->tags.n; i++) {
		const struct wiki_tag *t = wiki_site_tag(s, e->tags.v[i]);
		if (!t)
			continue;
		html_raw(b, "<li><a href=\"");
		tag_href(b, root, t);
		html_raw(b, "\">");
		html_text(b, t->name);
		html_raw(b, "</a></li>\n");
	}
}

/* The related entries the article names, then the nearest ones of its category. */
static void article_links(struct html_buf *related, struct html_buf *more_b, const struct wiki_site *s,
			  const struct kb_entry *e, const char *root)
{
	for (size_t i = 0; i < e->nrelated; i++) {
		const struct kb_entry *r = kb_find_code(s->kb, e->related[i]);
		if (r)
			entry_li(related, root, r);
	}
	const struct kb_entry *more[MORE_IN_CATEGORY];
	size_t nmore = more_in_category(s->kb, e, more, MORE_IN_CATEGORY);
	for (size_t i = 0; i < nmore; i++)
		entry_li(more_b, root, more[i]);
}

static void article_sources(struct html_buf *b, const struct kb_entry *e)
{
	for (size_t i = 0; i < e->nsources; i++) {
		html_raw(b, "<li>");
		basis_badge(b, e->sources[i].basis);
		html_raw(b, " ");
		html_text(b, e->sources[i].text);
		html_raw(b, "</li>\n");
	}
}

/* The article template's variables (they point into c, e and f, which must outlive vs). */
static void article_vars(struct tmpl_vars *vs, const struct kb_entry *e, const struct article_codes *c, int probe,
			 struct html_buf *f)
{
	tmpl_vars_text(vs, "code", c->code);
	tmpl_vars_text(vs, "stem", c->stem);
	tmpl_vars_text(vs, "hex", c->hex);
	tmpl_vars_text(vs, "decimal", kb_is_hresult(e->code) ? "" : c->stem);
	tmpl_vars_text(vs, "eventlog", c->eventlog);
	tmpl_vars_text(vs, "win32", c->win32);
	tmpl_vars_text(vs, "symbol", e->symbol);
	tmpl_vars_text(vs, "title", e->title);
	tmpl_vars_text(vs, "quick", e->quick);
	tmpl_vars_text(vs, "meaning", e->meaning);
	tmpl_vars_text(vs, "category", kb_category_title(e->category));
	tmpl_vars_text(vs, "category_id", kb_category_name(e->category));
	tmpl_vars_text(vs, "explain", c->explain);
	tmpl_vars_text(vs, "probe", probe ? "vpndiag probe SERVER" : "");
	tmpl_vars_html(vs, "protocols", html_buf_cstr(&f[F_PROTOCOLS]));
	tmpl_vars_html(vs, "details", html_buf_cstr(&f[F_DETAILS]));
	tmpl_vars_html(vs, "causes", html_buf_cstr(&f[F_CAUSES]));
	tmpl_vars_html(vs, "steps", html_buf_cstr(&f[F_STEPS]));
	tmpl_vars_html(vs, "fixes", html_buf_cstr(&f[F_FIXES]));
	tmpl_vars_html(vs, "faq", html_buf_cstr(&f[F_FAQ]));
	tmpl_vars_html(vs, "tags", html_buf_cstr(&f[F_TAGS]));
	tmpl_vars_html(vs, "related", html_buf_cstr(&f[F_RELATED]));
	tmpl_vars_html(vs, "more", html_buf_cstr(&f[F_MORE]));
	tmpl_vars_html(vs, "sources", html_buf_cstr(&f[F_SOURCES]));
}

int wiki_page_article(struct wiki_site *s, const struct kb_entry *e, struct html_buf *out)
{
	struct html_buf f[F_COUNT];
	for (size_t i = 0; i < F_COUNT; i++)
		html_buf_init(&f[i]);
	const char *root = "../";
	struct article_codes c;
	article_codes(e, &c);

	unsigned protos = 0;
	int probe = 0;
	for (size_t i = 0; i < e->ncauses; i++) {
		protos |= e->causes[i].protocols;
		probe |= e->causes[i].id != NULL;
	}
	protocol_badges(&f[F_PROTOCOLS], protos);
	text_items(&f[F_DETAILS], &e->details);
	article_causes(&f[F_CAUSES], e);
	text_items(&f[F_STEPS], &e->steps);
	article_fixes(&f[F_FIXES], e);
	article_faq(&f[F_FAQ], e);
	article_tags(&f[F_TAGS], s, e, root);
	article_links(&f[F_RELATED], &f[F_MORE], s, e, root);
	article_sources(&f[F_SOURCES], e);
	faq_jsonld(&f[F_HEAD], s, e);

	struct tmpl_vars vs = {.n = 0};
	article_vars(&vs, e, &c, probe, f);

	struct html_buf ptitle;
	html_buf_init(&ptitle);
	html_rawf(&ptitle, "%s (%s): %s", c.title, e->symbol, e->title);
	struct page pg = {root, c.path, html_buf_cstr(&ptitle), e->quick, html_buf_cstr(&f[F_HEAD]),
			  "<script src=\"../copy.js\"></script>\n", "article"};
	int rc = render_page(s, &pg, "article.html", &vs, out);
	for (size_t i = 0; i < F_COUNT; i++) {
		if (f[i].oom && rc == 0) {
			snprintf(s->err, s->errlen, "out of memory");
			rc = -1;
		}
		html_buf_free(&f[i]);
	}
	html_buf_free(&ptitle);
	return rc;
}

/* ---- the index ------------------------------------------------------------------------------- */

/* The A-Z sort key of a title: without a leading "The ", "A " or "An ". */
static const char *az_key(const char *title)
{
	static const char *const articles[] = {"the ", "a ", "an "};
	for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++) {
		size_t n = strlen(articles[i]);
		if (strncasecmp(title, articles[i], n) == 0 && title[n])
			return title + n;
	}
	return title;
}

static int cmp_az(const void *a, const void *b)
{
	const struct kb_entry *x = *(const struct kb_entry *const *)a, *y = *(const struct kb_entry *const *)b;
	int c = strcasecmp(az_key(x->title), az_key(y->title));
	return c ? c : (x->code < y->code ? -1 : x->code > y->code);
}

/* The A-Z letter of an entry: A..Z, or '#' for anything else. */
static char az_letter(const struct kb_entry *e)
{
	unsigned char c = (unsigned char)az_key(e->title)[0];
	return isalpha(c) && c < 128 ? (char)toupper(c) : '#';
}

static void tag_list(struct html_buf *b, const struct wiki_site *s, const char *root)
{
	for (size_t t = 0; t < s->ntags; t++) {
		html_raw(b, "<li><a href=\"");
		tag_href(b, root, &s->tags[t]);
		html_raw(b, "\">");
		html_text(b, s->tags[t].name);
		html_rawf(b, " <span class=\"count\">%zu</span></a></li>\n", s->tags[t].n);
	}
}

int wiki_page_index(struct wiki_site *s, struct html_buf *out)
{
	const struct kb *kb = s->kb;
	struct html_buf cat, proto, aznav, az, tags;
	html_buf_init(&cat);
	html_buf_init(&proto);
	html_buf_init(&aznav);
	html_buf_init(&az);
	html_buf_init(&tags);
	int rc = -1;

	for (unsigned c = 0; c < KB_CAT_COUNT; c++) {
		size_t n = 0;
		for (size_t i = 0; i < kb->n; i++)
			n += kb->entries[i].category == (enum kb_category)c;
		if (n == 0)
			continue;
		html_raw(&cat, "<section class=\"group\" id=\"cat-");
		html_attr(&cat, kb_category_name((enum kb_category)c));
		html_raw(&cat, "\">\n<h3>");
		html_text(&cat, kb_category_title((enum kb_category)c));
		html_rawf(&cat, " <span class=\"count\">%zu</span></h3>\n<ul class=\"entries\">\n", n);
		for (size_t i = 0; i < kb->n; i++)
			if (kb->entries[i].category == (enum kb_category)c)
				entry_li(&cat, "", &kb->entries[i]);
		html_raw(&cat, "</ul>\n</section>\n");
	}

	for (unsigned p = 0; p < PROTO_COUNT; p++) {
		size_t n = 0;
		for (size_t i = 0; i < kb->n; i++)
			for (size_t k = 0; k < kb->entries[i].ncauses; k++)
				if (kb->entries[i].causes[k].protocols & proto_table[p].bit) {
					n++;
					break;
				}
		if (n == 0)
			continue;
		html_raw(&proto, "<section class=\"group\" id=\"proto-");
		html_attr(&proto, proto_table[p].key);
		html_raw(&proto, "\">\n<h3>");
		html_text(&proto, proto_table[p].title);
		html_rawf(&proto, " <span class=\"count\">%zu</span></h3>\n<ul class=\"chips\">\n", n);
		for (size_t i = 0; i < kb->n; i++)
			for (size_t k = 0; k < kb->entries[i].ncauses; k++)
				if (kb->entries[i].causes[k].protocols & proto_table[p].bit) {
					entry_chip(&proto, "", &kb->entries[i]);
					break;
				}
		html_raw(&proto, "</ul>\n</section>\n");
	}

	const struct kb_entry **sorted = calloc(kb->n ? kb->n : 1, sizeof *sorted);
	if (!sorted) {
		snprintf(s->err, s->errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < kb->n; i++)
		sorted[i] = &kb->entries[i];
	qsort(sorted, kb->n, sizeof *sorted, cmp_az);
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ#";
	for (const char *l = letters; *l; l++) {
		size_t n = 0;
		for (size_t i = 0; i < kb->n; i++)
			n += az_letter(sorted[i]) == *l;
		char id[8];
		snprintf(id, sizeof id, "az-%c", *l == '#' ? '0' : (char)tolower((unsigned char)*l));
		if (n == 0) {
			if (*l != '#')
				html_rawf(&aznav, "<li><span>%c</span></li>\n", *l);
			continue;
		}
		html_rawf(&aznav, "<li><a href=\"#%s\">%c</a></li>\n", id, *l);
		html_rawf(&az, "<section class=\"group\" id=\"%s\">\n<h3>%c</h3>\n<ul class=\"entries\">\n", id, *l);
		for (size_t i = 0; i < kb->n; i++)
			if (az_letter(sorted[i]) == *l)
				entry_li(&az, "", sorted[i]);
		html_raw(&az, "</ul>\n</section>\n");
	}
	free(sorted);

	tag_list(&tags, s, "");

	char count[32], ntags[32];
	snprintf(count, sizeof count, "%zu", kb->n);
	snprintf(ntags, sizeof ntags, "%zu", s->ntags);
	struct tmpl_vars vs = {.n = 0};
	tmpl_vars_text(&vs, "count", count);
	tmpl_vars_text(&vs, "tag_count", ntags);
	tmpl_vars_html(&vs, "categories", html_buf_cstr(&cat));
	tmpl_vars_html(&vs, "protocols", html_buf_cstr(&proto));
	tmpl_vars_html(&vs, "az_nav", html_buf_cstr(&aznav));
	tmpl_vars_html(&vs, "az", html_buf_cstr(&az));
	tmpl_vars_html(&vs, "tags", html_buf_cstr(&tags));
	struct page pg = {"", "index.html", SITE_NAME ": what Windows VPN error codes mean and how to fix them",
			  "What each Windows built-in VPN error (IKEv2, L2TP/IPsec, SSTP, PPTP) means, its common "
			  "causes, the steps to check and the exact fixes.",
			  NULL, NULL, "index"};
	rc = render_page(s, &pg, "index.html", &vs, out);
out:
	if (rc == 0 && (cat.oom || proto.oom || aznav.oom || az.oom || tags.oom)) {
		snprintf(s->err, s->errlen, "out of memory");
		rc = -1;
	}
	html_buf_free(&cat);
	html_buf_free(&proto);
	html_buf_free(&aznav);
	html_buf_free(&az);
	html_buf_free(&tags);
	return rc;
}

/* ---- tags and search ------------------------------------------------------------------------- */

int wiki_page_tag(struct wiki_site *s, const struct wiki_tag *t, struct html_buf *out)
{
	struct html_buf list, title, path;
	html_buf_init(&list);
	html_buf_init(&title);
	html_buf_init(&path);
	for (size_t i = 0; i < t->n; i++)
		entry_li(&list, "../", t->e[i]);
	char count[32];
	snprintf(count, sizeof count, "%zu", t->n);
	html_rawf(&title, "Windows VPN errors tagged %s", t->name);
	html_rawf(&path, "tags/%s.html", t->slug);
	struct tmpl_vars vs = {.n = 0};
	tmpl_vars_text(&vs, "tag", t->name);
	tmpl_vars_text(&vs, "count", count);
	tmpl_vars_html(&vs, "entries", html_buf_cstr(&list));
	struct page pg = {"../", html_buf_cstr(&path), html_buf_cstr(&title), html_buf_cstr(&title), NULL, NULL, "tag"};
	int rc = render_page(s, &pg, "tag.html", &vs, out);
	if (rc == 0 && (list.oom || title.oom || path.oom)) {
		snprintf(s->err, s->errlen, "out of memory");
		rc = -1;
	}
	html_buf_free(&list);
	html_buf_free(&title);
	html_buf_free(&path);
	return rc;
}

int wiki_page_tags(struct wiki_site *s, struct html_buf *out)
{
	struct html_buf list;
	html_buf_init(&list);
	tag_list(&list, s, "../");
	char count[32];
	snprintf(count, sizeof count, "%zu", s->ntags);
	struct tmpl_vars vs = {.n = 0};
	tmpl_vars_text(&vs, "count", count);
	tmpl_vars_html(&vs, "tags", html_buf_cstr(&list));
	struct page pg = {"../", "tags/index.html", "All tags of the " SITE_NAME,
			  "Every tag of the Windows VPN error wiki, with the number of errors per tag.", NULL, NULL,
			  "tags"};
	int rc = render_page(s, &pg, "tags.html", &vs, out);
	if (rc == 0 && list.oom) {
		snprintf(s->err, s->errlen, "out of memory");
		rc = -1;
	}
	html_buf_free(&list);
	return rc;
}

int wiki_page_search(struct wiki_site *s, struct html_buf *out)
{
	struct tmpl_vars vs = {.n = 0};
	char count[32];
	snprintf(count, sizeof count, "%zu", s->kb->n);
	tmpl_vars_text(&vs, "count", count);
	struct page pg = {"", "search.html", "Search the " SITE_NAME,
			  "Search Windows VPN errors by number (decimal, hex, event-log form), symbol or words.", NULL,
			  "<script src=\"search-index.js\"></script>\n<script src=\"search.js\"></script>\n", "search"};
	return render_page(s, &pg, "search.html", &vs, out);
}

int wiki_search_index(struct wiki_site *s, struct html_buf *out)
{
	struct json_object *root = json_object_new_object();
	struct json_object *entries = json_object_new_array();
	json_object_object_add(root, "generator", json_object_new_string(s->generator));
	for (size_t i = 0; i < s->kb->n; i++) {
		const struct kb_entry *e = &s->kb->entries[i];
		char stem[32], url[64];
		kb_code_stem(e->code, stem, sizeof stem);
		snprintf(url, sizeof url, "errors/%s.html", stem);
		struct json_object *o = report_kb_json(e);
		json_object_object_add(o, "stem", json_object_new_string(stem));
		json_object_object_add(o, "url", json_object_new_string(url));
		json_object_array_add(entries, o);
	}
	json_object_object_add(root, "entries", entries);
	html_raw(out, "/* Generated by `vpndiag wiki build`: the knowledge base for search.js (entries in code\n"
		      " * order, each as `vpndiag explain --json` prints it). A script, not JSON, so that search\n"
		      " * also works when the site is opened from disk (file://). */\n"
		      "var VPNDIAG_INDEX = ");
	html_json_script(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	html_raw(out, ";\n");
	json_object_put(root);
	if (out->oom) {
		snprintf(s->err, s->errlen, "out of memory");
		return -1;
	}
	return 0;
}
