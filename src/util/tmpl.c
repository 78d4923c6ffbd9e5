/* The template engine (see tmpl.h). */
#include "util/tmpl.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 64

void tmpl_vars_text(struct tmpl_vars *vs, const char *name, const char *value)
{
	if (vs->n < TMPL_MAX_VARS)
		vs->v[vs->n++] = (struct tmpl_var){name, value, false};
}

void tmpl_vars_html(struct tmpl_vars *vs, const char *name, const char *html)
{
	if (vs->n < TMPL_MAX_VARS)
		vs->v[vs->n++] = (struct tmpl_var){name, html, true};
}

static const struct tmpl_var *find_var(const struct tmpl_vars *vs, const char *name, size_t n)
{
	for (size_t i = vs->n; i-- > 0;)
		if (strlen(vs->v[i].name) == n && memcmp(vs->v[i].name, name, n) == 0)
			return &vs->v[i];
	return NULL;
}

static size_t line_of(const char *start, const char *p)
{
	size_t line = 1;
	for (const char *q = start; q < p; q++)
		line += *q == '\n';
	return line;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

struct tctx {
	const char *tname;
	const char *start; /* the whole template, for line numbers */
	const struct tmpl_vars *vs;
	struct html_buf *out;
	char *err;
	size_t errlen;
	int depth;
};

/* One placeholder at p ("{{"): its sigil ('#', '^', '/' or 0), name and total length. */
struct ph {
	char sigil;
	const char *name;
	size_t namelen;
	size_t len;
};

static int parse_ph(struct tctx *t, const char *p, const char *end, struct ph *ph)
{
	const char *q = p + 2;
	while (q < end && *q == ' ')
		q++;
	ph->sigil = 0;
	if (q < end && (*q == '#' || *q == '^' || *q == '/'))
		ph->sigil = *q++;
	while (q < end && *q == ' ')
		q++;
	ph->name = q;
	while (q < end && is_name_char(*q))
		q++;
	ph->namelen = (size_t)(q - ph->name);
	while (q < end && *q == ' ')
		q++;
	if (ph->namelen == 0 || ph->namelen > NAME_MAX_LEN || end - q < 2 || q[0] != '}' || q[1] != '}') {
		snprintf(t->err, t->errlen, "%s line %zu: malformed placeholder (write {{name}})", t->tname,
			 line_of(t->start, p));
		return -1;
	}
	ph->len = (size_t)(q + 2 - p);
	return 0;
}

static const char *find_open(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '{' && p[1] == '{')
			return p;
	return NULL;
}

static int render(struct tctx *t, const char *p, const char *end)
{
	if (++t->depth > 16) {
		snprintf(t->err, t->errlen, "%s: blocks nested too deeply", t->tname);
		return -1;
	}
	while (p < end) {
		const char *o = find_open(p, end);
		if (!o) {
			html_raw_n(t->out, p, (size_t)(end - p));
			break;
		}
		html_raw_n(t->out, p, (size_t)(o - p));
		struct ph ph;
		if (parse_ph(t, o, end, &ph) != 0)
			return -1;
		const struct tmpl_var *v = find_var(t->vs, ph.name, ph.namelen);
		if (!v) {
			snprintf(t->err, t->errlen, "%s line %zu: unknown placeholder '%.*s'", t->tname,
				 line_of(t->start, o), (int)ph.namelen, ph.name);
			return -1;
		}
		if (ph.sigil == '/') {
			snprintf(t->err, t->errlen, "%s line %zu: {{/%.*s}} without an opening {{#%.*s}}", t->tname,
				 line_of(t->start, o), (int)ph.namelen, ph.name, (int)ph.namelen, ph.name);
			return -1;
		}
		if (ph.sigil == 0) {
			if (v->html)
				html_raw(t->out, v->value);
			else
				html_attr(t->out, v->value);
			p = o + ph.len;
			continue;
		}
		/* A block: find its {{/name}} (blocks of the same name do not nest). */
		const char *body = o + ph.len, *q = body, *close = NULL;
		struct ph cp = {0, NULL, 0, 0};
		while ((q = find_open(q, end)) != NULL) {
			if (parse_ph(t, q, end, &cp) != 0)
				return -1;
			if (cp.sigil == '/' && cp.namelen == ph.namelen && memcmp(cp.name, ph.name, ph.namelen) == 0) {
				close = q;
				break;
			}
			q += cp.len;
		}
		if (!close) {
			snprintf(t->err, t->errlen, "%s line %zu: {{%c%.*s}} is never closed with {{/%.*s}}", t->tname,
				 line_of(t->start, o), ph.sigil, (int)ph.namelen, ph.name, (int)ph.namelen, ph.name);
			return -1;
		}
		bool nonempty = v->value && v->value[0];
		if ((ph.sigil == '#') == nonempty && render(t, body, close) != 0)
			return -1;
		p = close + cp.len;
	}
	t->depth--;
	return 0;
}

int tmpl_render(const char *tname, const char *tmpl, size_t len, const struct tmpl_vars *vs,
		     struct html_buf *out, char *err, size_t errlen)
{
	struct tctx t = {tname, tmpl, vs, out, err, errlen, 0};
	return render(&t, tmpl, tmpl + len);
}
