/* The HTML report of a probe run (see report_html.h). */
#include "report/report_html.h"

#include <stdio.h>
#include <string.h>

#include "util/fmt.h"
#include "util/tmpl.h"

/* ---------------------------------------------------------------- small helpers */

static const char *error_title(const struct kb *kb, uint32_t code)
{
	const struct kb_entry *e = kb && code ? kb_find_code(kb, code) : NULL;
	return e ? e->title : NULL;
}

/* "809" or "0x80092013", as the text report and the wiki write it. */
static void error_str(uint32_t code, char *out, size_t len)
{
	if (kb_is_hresult(code))
		kb_code_hex(code, out, len);
	else
		fmt_into(out, len, "%u", (unsigned)code);
}

static const char *proto_key(unsigned bit)
{
	for (int i = 0; i < PROTO_COUNT; i++)
		if (bit == proto_table[i].bit)
			return proto_table[i].key;
	return "";
}

/* The class suffix of a verdict: works, fails, unknown, not-probed. */
static const char *verdict_class(enum verdict v)
{
	switch (v) {
	case VERDICT_WORKS: return "works";
	case VERDICT_FAILS: return "fails";
	case VERDICT_UNKNOWN: return "unknown";
	default: return "not-probed";
	}
}

static const char *basis_words(enum kb_basis b)
{
	switch (b) {
	case KB_DOCUMENTED: return "documented by Microsoft";
	case KB_VENDOR: return "from a vendor's documentation";
	case KB_OBSERVED: return "observed with real Windows clients";
	default: return "inferred: a hypothesis to confirm";
	}
}

/* <a href="WIKIerrors/809.html"> */
static void wiki_anchor(struct html_buf *b, const char *wiki, uint32_t code)
{
	char stem[16];
	kb_code_stem(code, stem, sizeof stem);
	html_raw(b, "<a href=\"");
	html_attr(b, wiki);
	html_raw(b, "errors/");
	html_attr(b, stem);
	html_raw(b, ".html\">");
}

/* The error, linked to its wiki article when the knowledge base has one, then its title. */
static void error_link(struct html_buf *b, const struct kb *kb, const char *wiki, uint32_t code)
{
	char e[16];
	error_str(code, e, sizeof e);
	const char *t = error_title(kb, code);
	if (!t) {
		html_text(b, e);
		return;
	}
	wiki_anchor(b, wiki, code);
	html_text(b, e);
	html_raw(b, "</a> <span class=\"err-title\">");
	html_text(b, t);
	html_raw(b, "</span>");
}

/* One data-NAME="value" attribute. */
static void data_attr(struct html_buf *b, const char *name, const char *value)
{
	html_rawf(b, " data-%s=\"", name);
	html_attr(b, value);
	html_raw(b, "\"");
}

static void data_error(struct html_buf *b, uint32_t code)
{
	char n[16] = "";
	if (code)
		fmt_into(n, sizeof n, "%u", (unsigned)code);
	data_attr(b, "error", n);
}

/* ---------------------------------------------------------------- the parts */

static void outcome(const struct diagnosis *d, struct html_buf *b, const char **id)
{
	size_t nfail = 0, nunk = 0, nworks = 0;
	for (int i = 0; i < PROTO_COUNT; i++) {
		nfail += d->p[i].verdict == VERDICT_FAILS;
		nunk += d->p[i].verdict == VERDICT_UNKNOWN;
		nworks += d->p[i].verdict == VERDICT_WORKS;
	}
	*id = nfail || d->dns_failed ? "fails" : nunk || !nworks ? "unknown" : "works";
	if (d->dns_failed) {
		html_text(b, "The name does not resolve: the Windows client would stop at once with error 868.");
		return;
	}
	if (!nfail && !nunk && !nworks) {
		html_text(b, "No protocol was probed.");
		return;
	}
	static const enum verdict order[] = {VERDICT_FAILS, VERDICT_UNKNOWN, VERDICT_WORKS};
	static const char *const lead[] = {"Fails: ", "Undecided: ", "Works: "};
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		bool first = true;
		for (int i = 0; i < PROTO_COUNT; i++) {
			const struct proto_verdict *p = &d->p[i];
			if (p->verdict != order[k])
				continue;
			if (first)
				html_text(b, lead[k]);
			else
				html_text(b, ", ");
			html_text(b, proto_table[i].title);
			if (p->windows_error) {
				char e[16];
				error_str(p->windows_error, e, sizeof e);
				html_text(b, " (Windows error ");
				html_text(b, e);
				html_text(b, ")");
			}
			first = false;
		}
		if (!first)
			html_text(b, ". ");
	}
}

static void verdict_rows(const struct diagnosis *d, const struct kb *kb, const char *wiki, struct html_buf *b)
{
	for (int i = 0; i < PROTO_COUNT; i++) {
		const struct proto_verdict *p = &d->p[i];
		html_raw(b, "<tr");
		data_attr(b, "protocol", proto_table[i].key);
		data_attr(b, "verdict", rules_verdict_name(p->verdict));
		data_error(b, p->windows_error);
		data_attr(b, "cause", p->cause);
		html_raw(b, ">\n<th scope=\"row\">");
		html_text(b, proto_table[i].title);
		html_rawf(b, "</th>\n<td class=\"v\"><span class=\"verdict v-%s\">", verdict_class(p->verdict));
		html_text(b, rules_verdict_name(p->verdict));
		html_raw(b, "</span></td>\n<td class=\"err\">");
		if (p->windows_error)
			error_link(b, kb, wiki, p->windows_error);
		else
			html_raw(b, "&ndash;");
		html_raw(b, "</td>\n<td class=\"why\">");
		if (p->cause[0]) {
			html_raw(b, "<span class=\"cause-id\">");
			html_text(b, p->cause);
			html_raw(b, "</span>: ");
		}
		html_text(b, p->summary);
		if (p->finding >= 0)
			html_rawf(b, " <a href=\"#finding-%d\">Details</a>", p->finding + 1);
		html_raw(b, "</td>\n</tr>\n");
	}
}

static void one_finding(const struct finding *f, size_t idx, const struct kb *kb, const char *wiki,
			struct html_buf *b)
{
	const char *sev = rules_severity_name(f->severity);
	html_rawf(b, "<section class=\"finding sev-%s\" id=\"finding-%zu\"", sev, idx + 1);
	data_attr(b, "protocol", proto_key(f->proto));
	data_attr(b, "cause", f->cause);
	data_error(b, f->windows_error);
	data_attr(b, "severity", sev);
	data_attr(b, "basis", kb_basis_name(f->basis));
	html_raw(b, ">\n<h3><span class=\"badge sev\">");
	html_text(b, f->severity == SEV_FAILURE ? "fails" : sev);
	html_raw(b, "</span> ");
	html_text(b, proto_title(f->proto));
	html_raw(b, ": <span class=\"cause-id\">");
	html_text(b, f->cause);
	html_raw(b, "</span>");
	if (f->windows_error) {
		char e[16];
		error_str(f->windows_error, e, sizeof e);
		html_raw(b, " &rarr; Windows error ");
		html_text(b, e);
	}
	html_raw(b, "</h3>\n<p>");
	html_text(b, f->summary);
	html_raw(b, "</p>\n<p class=\"meta\"><span class=\"label\">Basis:</span> ");
	html_rawf(b, "<span class=\"badge basis-%s\">", kb_basis_name(f->basis));
	html_text(b, kb_basis_name(f->basis));
	html_raw(b, "</span> ");
	html_text(b, basis_words(f->basis));
	html_raw(b, "</p>\n");
	if (f->windows_error && error_title(kb, f->windows_error)) {
		char e[16];
		error_str(f->windows_error, e, sizeof e);
		html_raw(b, "<p class=\"meta\"><span class=\"label\">Windows error:</span> ");
		wiki_anchor(b, wiki, f->windows_error);
		html_text(b, e);
		html_raw(b, ": ");
		html_text(b, error_title(kb, f->windows_error));
		html_raw(b, "</a> (the wiki's article: causes, steps, fixes)</p>\n");
	}
	if (f->nevidence) {
		html_raw(b, "<h4>Evidence</h4>\n<ul class=\"evidence\">\n");
		for (size_t k = 0; k < f->nevidence && k < RULES_MAX_EVIDENCE; k++) {
			html_raw(b, "<li>");
			html_text(b, f->evidence[k]);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul>\n");
	}
	if (f->nfixes) {
		html_raw(b, f->nfixes > 1 ? "<h4>Fixes</h4>\n" : "<h4>Fix</h4>\n");
		for (size_t k = 0; k < f->nfixes && k < RULES_MAX_FIXES; k++) {
			html_raw(b, "<div class=\"fix\">\n<p>");
			html_text(b, f->fixes[k].text);
			html_raw(b, "</p>\n");
			if (f->fixes[k].command[0]) {
				html_raw(b, "<pre class=\"cmd\"><code>");
				html_text(b, f->fixes[k].command);
				html_raw(b, "</code></pre>\n");
			}
			html_raw(b, "</div>\n");
		}
	}
	html_raw(b, "</section>\n");
}

/* "198.18.0.2:41234" -> "198.18.0.2", "[2001:2::1]:500" -> "2001:2::1". */
static void strip_port(const char *s, char *out, size_t outlen)
{
	const char *end;
	if (s[0] == '[') {
		s++;
		end = strchr(s, ']');
	} else {
		end = strrchr(s, ':');
	}
	size_t n = end ? (size_t)(end - s) : strlen(s);
	fmt_into(out, outlen, "%.*s", (int)(n < 200 ? n : 200), s);
}

/* The local addresses the probes used (the text of nat-client and tcp-connected), each with the
 * protocols and ports it was used for. */
static void local_addresses(const struct obs_result *r, struct html_buf *b)
{
	enum { MAXL = 8 };
	char addr[MAXL][OBS_ADDRSTRLEN];
	char uses[MAXL][160];
	size_t n = 0;
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if ((o->kind != OBS_NAT_CLIENT && o->kind != OBS_TCP_CONNECTED) || !o->text[0])
			continue;
		char a[OBS_ADDRSTRLEN], use[48];
		strip_port(o->text, a, sizeof a);
		fmt_into(use, sizeof use, "%s %s %u", proto_title(o->proto), o->kind == OBS_TCP_CONNECTED ? "TCP" : "UDP",
			 (unsigned)o->port);
		size_t k = 0;
		while (k < n && strcmp(addr[k], a) != 0)
			k++;
		if (k == n) {
			if (n == MAXL)
				continue;
			fmt_into(addr[n], sizeof addr[n], "%s", a);
			uses[n][0] = '\0';
			n++;
		}
		if (!strstr(uses[k], use))
			fmt_append(uses[k], sizeof uses[k], "%s%s", uses[k][0] ? ", " : "", use);
	}
	if (n == 0) {
		html_text(b, "not recorded: no connection got far enough to show it");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		html_raw(b, k ? "<br>" : "");
		html_raw(b, "<code>");
		html_text(b, addr[k]);
		html_raw(b, "</code> (");
		html_text(b, uses[k]);
		html_raw(b, ")");
	}
}

static const char *tri_words(int v, bool client)
{
	if (v < 0)
		return "not known: no IKE reply carried NAT detection";
	if (v == 0)
		return "no";
	return client ? "yes: a NAT rewrites our address (IPsec must use UDP 4500)" : "yes: the server is behind NAT";
}

static void nat_evidence(const struct obs_result *r, struct html_buf *b)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind != OBS_NAT_CLIENT && o->kind != OBS_NAT_SERVER)
			continue;
		html_raw(b, "<li>");
		html_text(b, proto_title(o->proto));
		html_text(b, ": ");
		html_text(b, o->evidence);
		html_raw(b, "</li>\n");
	}
}

static void observations(const struct obs_result *r, struct html_buf *b)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		html_raw(b, "<li><code>");
		html_text(b, obs_kind_name(o->kind));
		html_raw(b, "</code> ");
		if (o->proto) {
			html_text(b, proto_title(o->proto));
			html_text(b, " ");
		}
		if (o->port)
			html_rawf(b, "port %u ", (unsigned)o->port);
		html_raw(b, "&ndash; ");
		html_text(b, o->evidence[0] ? o->evidence : o->text);
		html_raw(b, "</li>\n");
	}
}

/* ---------------------------------------------------------------- the page */

int report_html_wiki_url(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t n = in ? strlen(in) : 0;
	if (n == 0) {
		fmt_into(out, outlen, "%s", "");
		return 0;
	}
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == '\\' ||
		    *p == '`') {
			fmt_into(err, errlen, "--wiki-url: no spaces, control characters, quotes, '<', '>' or '\\' in a URL");
			return -1;
		}
	}
	/* A scheme is letters, digits, '+', '-', '.' before the first ':' (RFC 3986); only these: */
	size_t s = strspn(in, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (s > 0 && in[s] == ':' && !(strncmp(in, "http://", 7) == 0 || strncmp(in, "https://", 8) == 0 ||
				       strncmp(in, "file://", 7) == 0)) {
		fmt_into(err, errlen, "--wiki-url: an http://, https:// or file:// URL, or a path (got '%.*s:')", (int)s,
			 in);
		return -1;
	}
	if (n + 2 > outlen) {
		fmt_into(err, errlen, "--wiki-url: longer than %zu bytes", outlen - 2);
		return -1;
	}
	fmt_into(out, outlen, "%s%s", in, in[n - 1] == '/' ? "" : "/");
	return 0;
}

/* The fragments of the page, each built with the escapers; the template only places them. */
enum { P_OUTCOME, P_VERDICTS, P_FINDINGS, P_LOCAL, P_NATEV, P_OBS, P_ADDRS, P_COUNT };

static void build_parts(struct html_buf *f, const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
			const char *wiki, const char **outcome_id)
{
	outcome(d, &f[P_OUTCOME], outcome_id);
	verdict_rows(d, kb, wiki, &f[P_VERDICTS]);
	for (size_t i = 0; i < d->nf && i < RULES_MAX_FINDINGS; i++)
		one_finding(&d->f[i], i, kb, wiki, &f[P_FINDINGS]);
	local_addresses(r, &f[P_LOCAL]);
	nat_evidence(r, &f[P_NATEV]);
	observations(r, &f[P_OBS]);
	/* The resolved addresses, when there is more to say than the address probed. */
	if (r->naddrs > 1 || (r->naddrs == 1 && strcmp(r->addrs[0], r->host) != 0)) {
		for (size_t i = 0; i < r->naddrs && i < OBS_MAX_ADDRS; i++) {
			html_raw(&f[P_ADDRS], i ? ", <code>" : "<code>");
			html_text(&f[P_ADDRS], r->addrs[i]);
			html_raw(&f[P_ADDRS], "</code>");
		}
	}
}

int report_html(struct html_buf *out, const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
		const struct report_html_look *look, const struct report_html_opts *o, char *err, size_t errlen)
{
	const char *wiki = o && o->wiki_url ? o->wiki_url : "";
	struct html_buf f[P_COUNT];
	for (size_t i = 0; i < P_COUNT; i++)
		html_buf_init(&f[i]);
	const char *outcome_id = "unknown";
	build_parts(f, r, d, kb, wiki, &outcome_id);

	char when[64] = "";
	struct tm tm;
	time_t t = o ? o->when : 0;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	char title[400], elapsed[32], timeout[32], exit_code[8], count[64];
	fmt_into(title, sizeof title, "vpndiag: %s, %s", r->host, outcome_id);
	if (r->elapsed_ms < 1000)
		fmt_into(elapsed, sizeof elapsed, "%u ms", (unsigned)r->elapsed_ms);
	else
		fmt_into(elapsed, sizeof elapsed, "%.1f s", r->elapsed_ms / 1000.0);
	fmt_into(timeout, sizeof timeout, "%.1f s", r->timeout_ms / 1000.0);
	fmt_into(exit_code, sizeof exit_code, "%d", d->exit_code);
	fmt_into(count, sizeof count, "%zu observation%s (the same as in --json)", r->nobs, r->nobs == 1 ? "" : "s");
	const char *addr = r->probed_addr >= 0 && (size_t)r->probed_addr < r->naddrs ? r->addrs[r->probed_addr] : "";
	if (strcmp(addr, r->host) == 0)
		addr = "";
	const char *rec = d->recommended >= 0 && d->recommended < PROTO_COUNT ? proto_table[d->recommended].title
									      : "none known to work yet";
	char wiki_words[300];
	fmt_into(wiki_words, sizeof wiki_words, "%s",
		 wiki[0] ? wiki : "relative links (errors/CODE.html): save this file in the folder written by vpndiag wiki build, "
				  "or give --wiki-url");

	struct tmpl_vars vs = {.n = 0};
	tmpl_vars_text(&vs, "generator", "vpndiag " VPNDIAG_VERSION);
	tmpl_vars_text(&vs, "title", title);
	tmpl_vars_html(&vs, "css", look->css);
	tmpl_vars_html(&vs, "script", look->script ? look->script : "");
	tmpl_vars_text(&vs, "host", r->host);
	tmpl_vars_text(&vs, "address", addr);
	tmpl_vars_html(&vs, "addresses", html_buf_cstr(&f[P_ADDRS]));
	tmpl_vars_text(&vs, "exit_code", exit_code);
	tmpl_vars_text(&vs, "when", when);
	tmpl_vars_text(&vs, "elapsed", elapsed);
	tmpl_vars_text(&vs, "timeout", timeout);
	tmpl_vars_text(&vs, "profile", r->profile);
	tmpl_vars_text(&vs, "recommended", rec);
	tmpl_vars_text(&vs, "outcome_id", outcome_id);
	tmpl_vars_html(&vs, "outcome", html_buf_cstr(&f[P_OUTCOME]));
	tmpl_vars_html(&vs, "verdicts", html_buf_cstr(&f[P_VERDICTS]));
	tmpl_vars_html(&vs, "findings", html_buf_cstr(&f[P_FINDINGS]));
	tmpl_vars_html(&vs, "local", html_buf_cstr(&f[P_LOCAL]));
	tmpl_vars_text(&vs, "nat_client", tri_words(d->nat_client, true));
	tmpl_vars_text(&vs, "nat_server", tri_words(d->nat_server, false));
	tmpl_vars_html(&vs, "nat_evidence", html_buf_cstr(&f[P_NATEV]));
	tmpl_vars_html(&vs, "observations", html_buf_cstr(&f[P_OBS]));
	tmpl_vars_text(&vs, "observation_count", count);
	tmpl_vars_text(&vs, "wiki", wiki_words);
	tmpl_vars_text(&vs, "scope", o && o->scope ? o->scope : "");

	int rc = 0;
	bool oom = false;
	for (size_t i = 0; i < P_COUNT; i++)
		oom |= f[i].oom;
	if (oom) {
		fmt_into(err, errlen, "out of memory");
		rc = -1;
	} else if (tmpl_render("report.html", look->tmpl, look->tmpl_len, &vs, out, err, errlen) != 0) {
		rc = -1;
	} else if (out->oom) {
		fmt_into(err, errlen, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; i < P_COUNT; i++)
		html_buf_free(&f[i]);
	return rc;
}
