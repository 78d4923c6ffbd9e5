/* The HTML report (report/report_html.c, `vpndiag probe --html`): hostile strings from the network
 * come out escaped, the page loads nothing from anywhere (the only links lead to the configured
 * wiki or within the page), every verdict is in the table with its machine-readable attributes,
 * --wiki-url is checked, and the CLI refuses the combinations that cannot work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "kb/kb.h"
#include "report/report_html.h"
#include "rules/rules.h"
#include "util/exit.h"
#include "util/fmt.h"
#include "util/html.h"
#include "wiki/tmpl.h"

#define HOSTILE_CN "<script>alert(1)</script>"
#define HOSTILE_VID "\"><img src=//evil.example/x onerror=alert(2)>"
#define HOSTILE_BODY "</pre><iframe src=\"https://evil.example/\"></iframe>"

static struct obs_result R;
static struct diagnosis D;
static struct kb KB;
static struct wiki_files FILES;
static struct html_buf PAGE;

static int setup(void **state)
{
	char err[300];
	if (kb_load_builtin(&KB, err, sizeof err) != 0 || wiki_files_load(&FILES, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	html_buf_init(&PAGE);
	return 0;
}

static int teardown(void **state)
{
	kb_free(&KB);
	wiki_files_free(&FILES);
	html_buf_free(&PAGE);
	obs_result_free(&R);
	return 0;
}

static void add_fix(struct finding *f, const char *text, const char *cmd)
{
	struct rules_fix *x = &f->fixes[f->nfixes++];
	fmt_into(x->text, sizeof x->text, "%s", text);
	fmt_into(x->command, sizeof x->command, "%s", cmd);
}

/* A run with one protocol per verdict, and the network's strings where a hostile server puts them:
 * the certificate's CN, a vendor ID, an HTTP body. */
static void make_run(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	memset(&D, 0, sizeof D);
	fmt_into(R.host, sizeof R.host, "vpn.example.test");
	R.naddrs = 1;
	fmt_into(R.addrs[0], sizeof R.addrs[0], "198.18.0.1");
	R.probed_addr = 0;
	R.selected = R.probed = KB_P_IKEV2 | KB_P_L2TP | KB_P_SSTP;
	R.timeout_ms = 10000;
	R.elapsed_ms = 2345;
	fmt_into(R.profile, sizeof R.profile, "windows-10");
	struct obs *o = th_obs(&R, OBS_CERT_LEAF, KB_P_SSTP, 443, false, 1, 1, HOSTILE_CN);
	fmt_into(o->evidence, sizeof o->evidence, "subject CN=%s, issuer CN=%s", HOSTILE_CN, HOSTILE_CN);
	o = th_obs(&R, OBS_IKE_VENDOR_ID, KB_P_IKEV2, 500, false, 0, 0, HOSTILE_VID);
	fmt_into(o->evidence, sizeof o->evidence, "vendor ID %s", HOSTILE_VID);
	o = th_obs(&R, OBS_NAT_CLIENT, KB_P_IKEV2, 500, false, 0, 1, "198.18.1.2:40001");
	o = th_obs(&R, OBS_TCP_CONNECTED, KB_P_SSTP, 443, false, 0, 3, "198.18.1.2:51000");

	D.p[0] = (struct proto_verdict){.verdict = VERDICT_WORKS, .finding = -1, .rtt_ms = 3};
	fmt_into(D.p[0].summary, sizeof D.p[0].summary, "every step was checked");
	D.p[1] = (struct proto_verdict){.verdict = VERDICT_UNKNOWN, .finding = -1, .rtt_ms = -1};
	fmt_into(D.p[1].summary, sizeof D.p[1].summary, "give --psk-file to check the key");
	D.p[2] = (struct proto_verdict){.verdict = VERDICT_FAILS, .windows_error = 0x800B010F, .finding = 0, .rtt_ms = 3};
	fmt_into(D.p[2].cause, sizeof D.p[2].cause, "cert-name-mismatch");
	fmt_into(D.p[2].summary, sizeof D.p[2].summary, "the certificate names %s", HOSTILE_CN);
	D.p[3] = (struct proto_verdict){.verdict = VERDICT_NOT_PROBED, .finding = -1, .rtt_ms = -1};
	fmt_into(D.p[3].summary, sizeof D.p[3].summary, "not selected");

	struct finding *f = &D.f[D.nf++];
	fmt_into(f->cause, sizeof f->cause, "cert-name-mismatch");
	f->proto = KB_P_SSTP;
	f->verdict = VERDICT_FAILS;
	f->severity = SEV_FAILURE;
	f->windows_error = 0x800B010F;
	f->basis = KB_DOCUMENTED;
	fmt_into(f->summary, sizeof f->summary, "the certificate is for %s, not vpn.example.test", HOSTILE_CN);
	fmt_into(f->evidence[f->nevidence++], sizeof f->evidence[0], "leaf: subject CN=%s", HOSTILE_CN);
	fmt_into(f->evidence[f->nevidence++], sizeof f->evidence[0], "HTTP answer: %s", HOSTILE_BODY);
	add_fix(f, "Issue a certificate whose SAN names the server:", "certreq -new request.inf server.csr");

	f = &D.f[D.nf++];
	fmt_into(f->cause, sizeof f->cause, "l2tp-psk-unchecked");
	f->proto = KB_P_L2TP;
	f->verdict = VERDICT_UNKNOWN;
	f->severity = SEV_WARNING;
	f->basis = KB_INFERRED;
	fmt_into(f->summary, sizeof f->summary, "vendor says %s", HOSTILE_VID);
	add_fix(f, "Give the key:", "vpndiag probe --psk-file psk.txt vpn.example.test");

	D.nat_client = 1;
	D.nat_server = -1;
	D.recommended = 0;
	D.exit_code = 1;
}

static const char *render(const char *wiki_url)
{
	const struct wiki_file *t = wiki_files_find(&FILES, "report.html");
	const struct wiki_file *css = wiki_files_find(&FILES, "style.css");
	const struct wiki_file *js = wiki_files_find(&FILES, "copy.js");
	assert_non_null(t);
	assert_non_null(css);
	assert_non_null(js);
	struct report_html_look look = {t->data, t->len, css->data, js->data};
	struct report_html_opts o = {wiki_url, 1700000000, NULL};
	char err[300] = "";
	html_buf_reset(&PAGE);
	if (report_html(&PAGE, &R, &D, &KB, &look, &o, err, sizeof err) != 0)
		fail_msg("report_html: %s", err);
	return html_buf_cstr(&PAGE);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_hostile_strings_escaped(void **state)
{
	make_run();
	const char *p = render(NULL);
	/* One <script> element: the inline copy-button script. None from the network. */
	assert_int_equal(count(p, "<script"), 1);
	assert_null(strstr(p, "<script>alert"));
	assert_null(strstr(p, "<img"));
	assert_null(strstr(p, "<iframe"));
	assert_null(strstr(p, "</pre><"));
	assert_null(strstr(p, "\"><img"));
	/* ...and they are there, as text. */
	assert_true(count(p, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 4); /* summary, evidence, obs, table */
	assert_non_null(strstr(p, "&quot;&gt;&lt;img src=//evil.example/x onerror=alert(2)&gt;"));
	assert_non_null(strstr(p, "&lt;/pre&gt;&lt;iframe src=&quot;https://evil.example/&quot;&gt;"));
}

/* Every src= and href= value inside a tag (text is escaped, so every '<' starts a tag): a link
 * within the page, or an article of the configured wiki. */
static void check_links(const char *p, const char *wiki)
{
	static const char *const attrs[] = {"src=", "href="};
	size_t wiki_links = 0;
	for (const char *lt = p; (lt = strchr(lt, '<')) != NULL; lt++) {
		const char *gt = strchr(lt, '>');
		assert_non_null(gt);
		char tag[2048];
		fmt_into(tag, sizeof tag, "%.*s", (int)(gt - lt), lt);
		for (char *c = tag; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (strncmp(tag, "<style", 6) == 0 || strncmp(tag, "<script", 7) == 0) {
			/* skip the element's content: CSS and the copy script, checked below */
			const char *close = strstr(gt, strncmp(tag, "<style", 6) == 0 ? "</style>" : "</script>");
			assert_non_null(close);
			lt = close;
			continue;
		}
		for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++) {
			for (const char *q = tag; (q = strstr(q, attrs[a])) != NULL; q += strlen(attrs[a])) {
				const char *v = q + strlen(attrs[a]);
				if (*v == '"' || *v == '\'')
					v++;
				if (*v == '#')
					continue;
				size_t n = strlen(wiki);
				if (strncmp(v, wiki, n) != 0 || strncmp(v + n, "errors/", 7) != 0)
					fail_msg("a link outside the page and the wiki: %.60s", q);
				/* After the base: errors/STEM.html, nothing that leads elsewhere. */
				const char *rest = v + n, *end = strchr(rest, '"');
				assert_non_null(end);
				char val[128];
				fmt_into(val, sizeof val, "%.*s", (int)(end - rest), rest);
				assert_null(strstr(val, "//"));
				assert_null(strchr(val, ':'));
				wiki_links++;
			}
		}
	}
	assert_true(wiki_links >= 2); /* the table's and the finding's link to 0x800B010F */
	/* Nothing else that could load: no stylesheet link, no import, no url() in the CSS, no fonts. */
	assert_null(strstr(p, "<link"));
	assert_null(strstr(p, "@import"));
	assert_null(strstr(p, "url("));
	assert_null(strstr(p, "@font-face"));
	assert_null(strstr(p, "<img"));
	assert_null(strstr(p, "<iframe"));
	/* Outside the wiki links, no absolute URL at all in an attribute. */
	char *copy = strdup(p);
	assert_non_null(copy);
	if (wiki[0])
		for (char *w; (w = strstr(copy, wiki)) != NULL;)
			memset(w, 'x', strlen(wiki));
	assert_null(strstr(copy, "=\"http://"));
	assert_null(strstr(copy, "=\"https://"));
	assert_null(strstr(copy, "=\"//"));
	free(copy);
}

static void test_no_external_resource(void **state)
{
	make_run();
	const char *p = render(NULL);
	check_links(p, "");
	assert_non_null(strstr(p, "href=\"errors/0x800b010f.html\""));
	p = render("https://help.example.test/vpn-errors/");
	check_links(p, "https://help.example.test/vpn-errors/");
	assert_non_null(strstr(p, "href=\"https://help.example.test/vpn-errors/errors/0x800b010f.html\""));
	/* The stylesheet is inline, the template's placeholders all filled. */
	assert_non_null(strstr(p, "<style>"));
	assert_non_null(strstr(p, "--pre-bg"));
	assert_null(strstr(p, "{{"));
}

static void test_every_verdict_in_the_table(void **state)
{
	make_run();
	const char *p = render(NULL);
	assert_non_null(strstr(p, "<tr data-protocol=\"ikev2\" data-verdict=\"works\" data-error=\"\" data-cause=\"\">"));
	assert_non_null(strstr(p, "<tr data-protocol=\"l2tp\" data-verdict=\"unknown\" data-error=\"\" data-cause=\"\">"));
	assert_non_null(strstr(p, "<tr data-protocol=\"sstp\" data-verdict=\"fails\" data-error=\"2148204815\" "
				  "data-cause=\"cert-name-mismatch\">"));
	assert_non_null(strstr(p, "<tr data-protocol=\"pptp\" data-verdict=\"not probed\" data-error=\"\" data-cause=\"\">"));
	assert_int_equal(count(p, "<tr data-protocol="), PROTO_COUNT);
	/* Findings: machine-readable, with evidence, the fix as a command block, the basis. */
	assert_non_null(strstr(p, "<section class=\"finding sev-failure\" id=\"finding-1\" data-protocol=\"sstp\" "
				  "data-cause=\"cert-name-mismatch\" data-error=\"2148204815\" data-severity=\"failure\" "
				  "data-basis=\"documented\">"));
	assert_non_null(strstr(p, "data-cause=\"l2tp-psk-unchecked\" data-error=\"\" data-severity=\"warning\" "
				  "data-basis=\"inferred\""));
	assert_non_null(strstr(p, "<pre class=\"cmd\"><code>certreq -new request.inf server.csr</code></pre>"));
	assert_non_null(strstr(p, "inferred: a hypothesis to confirm"));
	/* Time, vantage point (local addresses, NAT), version. */
	assert_non_null(strstr(p, "2023-11-14 22:13:20 UTC"));
	assert_non_null(strstr(p, "<code>198.18.1.2</code> (IKEv2 UDP 500, SSTP TCP 443)"));
	assert_non_null(strstr(p, "yes: a NAT rewrites our address"));
	assert_non_null(strstr(p, "not known: no IKE reply carried NAT detection"));
	assert_non_null(strstr(p, "vpndiag " VPNDIAG_VERSION));
	assert_non_null(strstr(p, "data-exit-code=\"1\""));
	/* The headline names the failing protocol first. */
	assert_non_null(strstr(p, "Fails: SSTP (Windows error 0x800B010F). Undecided: L2TP/IPsec. Works: IKEv2."));
}

static void test_no_findings_no_kb(void **state)
{
	make_run();
	D.nf = 0;
	D.p[2].finding = -1;
	R.nobs = 0;
	const struct wiki_file *t = wiki_files_find(&FILES, "report.html");
	const struct wiki_file *css = wiki_files_find(&FILES, "style.css");
	struct report_html_look look = {t->data, t->len, css->data, NULL};
	struct report_html_opts o = {NULL, 0, NULL};
	char err[300];
	html_buf_reset(&PAGE);
	assert_int_equal(report_html(&PAGE, &R, &D, NULL, &look, &o, err, sizeof err), 0);
	const char *p = html_buf_cstr(&PAGE);
	assert_null(strstr(p, "<script")); /* no script given: no script element */
	assert_null(strstr(p, "href=\"errors/")); /* no knowledge base: no article to link */
	assert_non_null(strstr(p, "None: no check that was made found a problem."));
	assert_non_null(strstr(p, "not recorded: no connection got far enough"));
	assert_null(strstr(p, "id=\"observations\""));
}

static void test_template_error(void **state)
{
	make_run();
	static const char bad[] = "<p>{{verdicts}}</p>\n{{#findings}}never closed";
	const struct wiki_file *css = wiki_files_find(&FILES, "style.css");
	struct report_html_look look = {bad, sizeof bad - 1, css->data, NULL};
	struct report_html_opts o = {NULL, 0, NULL};
	char err[300] = "";
	html_buf_reset(&PAGE);
	assert_int_equal(report_html(&PAGE, &R, &D, &KB, &look, &o, err, sizeof err), -1);
	assert_non_null(strstr(err, "report.html line 2"));
}

static void test_wiki_url(void **state)
{
	char out[128], err[200];
	assert_int_equal(report_html_wiki_url("https://help.example.test/vpn", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "https://help.example.test/vpn/");
	assert_int_equal(report_html_wiki_url("http://h/w/", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "http://h/w/");
	assert_int_equal(report_html_wiki_url("../wiki", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "../wiki/");
	assert_int_equal(report_html_wiki_url("file:///usr/share/doc/vpndiag/wiki", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "file:///usr/share/doc/vpndiag/wiki/");
	assert_int_equal(report_html_wiki_url("", out, sizeof out, err, sizeof err), 0);
	assert_string_equal(out, "");
	static const char *const bad[] = {"javascript:alert(1)", "JavaScript:x", "data:text/html,x", "vbscript:x",
					  "https://h/a b", "https://h/\"onmouseover=x", "https://h/<x>", "a\nb",
					  "https://h/\\x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (report_html_wiki_url(bad[i], out, sizeof out, err, sizeof err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err, "--wiki-url"));
	}
	char longurl[200];
	memset(longurl, 'a', sizeof longurl - 1);
	longurl[sizeof longurl - 1] = '\0';
	assert_int_equal(report_html_wiki_url(longurl, out, sizeof out, err, sizeof err), -1);
}

/* Usage errors are said before anything is sent (no network: the host is never probed). */
static void test_cli_usage(void **state)
{
	static struct th_run r;
	assert_int_equal(th_vdl(&r, "probe", "--html", "-", "--json", "198.18.0.1", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--html - writes the page to stdout"));
	assert_int_equal(th_vdl(&r, "probe", "--html", "-", "--monitoring", "198.18.0.1", NULL), VD_MON_UNKNOWN);
	assert_int_equal(th_vdl(&r, "probe", "--wiki-url", "https://h/", "198.18.0.1", NULL), VD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--wiki-url goes with --html"));
	assert_int_equal(th_vdl(&r, "probe", "--html", "x.html", "--wiki-url", "javascript:x", "198.18.0.1", NULL),
			 VD_EXIT_USAGE);
	assert_int_equal(th_vdl(&r, "probe", "--html", "", "198.18.0.1", NULL), VD_EXIT_USAGE);
	assert_int_equal(th_vdl(&r, "probe", "--help", NULL), VD_EXIT_OK);
	assert_non_null(strstr(r.out, "--html FILE"));
	assert_non_null(strstr(r.out, "--wiki-url URL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings_escaped),
		cmocka_unit_test(test_no_external_resource),
		cmocka_unit_test(test_every_verdict_in_the_table),
		cmocka_unit_test(test_no_findings_no_kb),
		cmocka_unit_test(test_template_error),
		cmocka_unit_test(test_wiki_url),
		cmocka_unit_test(test_cli_usage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
