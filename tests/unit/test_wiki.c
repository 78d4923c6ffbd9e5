/* The error wiki: escaping helpers, the template engine, and `vpndiag wiki build` end to end on a
 * small data folder (usage errors, a refused folder, a rebuild that removes stale pages, the
 * sitemap, and templates overridden from DATA/wiki/). The site checks proper (links, tidy, a real
 * browser, KB agreement, hostile input, search vs explain) are the tests labelled wiki. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#include "util/html.h"
#include "wiki/tmpl.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static struct html_buf b;

static const char *text(const char *s)
{
	html_buf_reset(&b);
	html_text(&b, s);
	return html_buf_cstr(&b);
}

static const char *attr(const char *s)
{
	html_buf_reset(&b);
	html_attr(&b, s);
	return html_buf_cstr(&b);
}

static void test_escaping(void **state)
{
	(void)state;
	html_buf_init(&b);
	assert_string_equal(text("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_string_equal(text("\"'><img src=x onerror=alert(1)>"),
			    "&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;");
	assert_string_equal(text("a & b\nc"), "a &amp; b\nc");
	assert_string_equal(text("HKLM\\SYSTEM"), "HKLM\\SYSTEM");
	assert_string_equal(text("é ü"), "é ü");
	assert_string_equal(text(""), "");
	assert_string_equal(text(NULL), "");
	assert_string_equal(attr("a\"b'c<d>&\n"), "a&quot;b&#39;c&lt;d&gt;&amp;&#10;");
	assert_string_equal(text("bell\a"), "bell ");

	html_buf_reset(&b);
	html_url_query(&b, "nat traversal/é&x=1");
	assert_string_equal(html_buf_cstr(&b), "nat%20traversal%2F%C3%A9%26x%3D1");

	html_buf_reset(&b);
	html_json_script(&b, "{\"a\":\"</script><!-- & \xe2\x80\xa8\"}");
	assert_string_equal(html_buf_cstr(&b), "{\"a\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\"}");
	html_buf_free(&b);
}

static void test_slug(void **state)
{
	(void)state;
	char s[16];
	html_slug("nat-traversal", s, sizeof s);
	assert_string_equal(s, "nat-traversal");
	html_slug("  NAT / Traversal!! ", s, sizeof s);
	assert_string_equal(s, "nat-traversal");
	html_slug("a--b", s, sizeof s);
	assert_string_equal(s, "a-b");
	html_slug("\"><script>", s, sizeof s);
	assert_string_equal(s, "script");
	html_slug("!!!", s, sizeof s);
	assert_string_equal(s, "x");
	html_slug("abcdefghijklmnopqrstuvwxyz", s, sizeof s);
	assert_string_equal(s, "abcdefghijklmno");
	html_slug("ab cd", s, 4);
	assert_string_equal(s, "abc");
}

static int render(const char *tmpl, const struct tmpl_vars *vs, char *err, size_t errlen)
{
	html_buf_reset(&b);
	err[0] = '\0';
	return tmpl_render("t.html", tmpl, strlen(tmpl), vs, &b, err, errlen);
}

static void test_template(void **state)
{
	(void)state;
	char err[256];
	struct tmpl_vars vs = {.n = 0};
	html_buf_init(&b);
	tmpl_vars_text(&vs, "title", "<b>\"x\"</b>");
	tmpl_vars_html(&vs, "list", "<li>one</li>");
	tmpl_vars_text(&vs, "empty", "");
	tmpl_vars_text(&vs, "none", NULL);

	assert_int_equal(render("<h1 title=\"{{title}}\">{{ title }}</h1><ul>{{list}}</ul>", &vs, err, sizeof err), 0);
	assert_string_equal(html_buf_cstr(&b), "<h1 title=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</h1>"
					       "<ul><li>one</li></ul>");
	assert_int_equal(render("a{{#list}}[{{list}}{{#empty}}E{{/empty}}]{{/list}}{{#none}}N{{/none}}{{^empty}}!{{/empty}}b",
				&vs, err, sizeof err), 0);
	assert_string_equal(html_buf_cstr(&b), "a[<li>one</li>]!b");
	assert_int_equal(render("no placeholders { } }}", &vs, err, sizeof err), 0);
	assert_string_equal(html_buf_cstr(&b), "no placeholders { } }}");

	assert_int_equal(render("line\n{{nosuch}}", &vs, err, sizeof err), -1);
	assert_string_equal(err, "t.html line 2: unknown placeholder 'nosuch'");
	assert_int_equal(render("{{title", &vs, err, sizeof err), -1);
	assert_non_null(strstr(err, "malformed placeholder"));
	assert_int_equal(render("{{}}", &vs, err, sizeof err), -1);
	assert_int_equal(render("{{#list}}never closed", &vs, err, sizeof err), -1);
	assert_non_null(strstr(err, "never closed"));
	assert_int_equal(render("{{/list}}", &vs, err, sizeof err), -1);
	assert_non_null(strstr(err, "without an opening"));
	html_buf_free(&b);
}

/* ---- the command end to end ------------------------------------------------------------------ */

static struct th_run r;
static char work[256];
#define vd(...) th_vdl(&r, __VA_ARGS__)

static void put(const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", work, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *slurp(const char *rel)
{
	static char buf[1 << 18];
	char path[512];
	snprintf(path, sizeof path, "%s/%s", work, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t k = fread(buf, 1, sizeof buf - 1, f);
	buf[k] = '\0';
	fclose(f);
	return buf;
}

static int exists(const char *rel)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", work, rel);
	return stat(path, &st) == 0;
}

static const char entry_fmt[] = "code: %s\nsymbol: ERROR_X_%s\ncategory: %s\ntitle: Title %s\n"
				"quick: Quick.\nmeaning: Meaning.\ncause: Cause.\ncause-protocols: all\n"
				"cause-basis: documented\ncause-id: udp500-filtered\nstep: Step.\nfix: Fix.\n"
				"fix-command: reg add X\ntags: nat, vpn\nsource: documented: somewhere\n";

static void put_entry(const char *code)
{
	char rel[64], body[1024];
	snprintf(rel, sizeof rel, "data/errors/%s.txt", code);
	snprintf(body, sizeof body, entry_fmt, code, code, strncmp(code, "0x", 2) == 0 ? "cert" : "ras", code);
	put(rel, body);
}

static int setup(void **state)
{
	(void)state;
	snprintf(work, sizeof work, "/tmp/vpndiag-test-wiki-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	char p[512];
	snprintf(p, sizeof p, "%s/data", work);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/data/errors", work);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/other", work);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_cli_usage(void **state)
{
	(void)state;
	assert_int_equal(vd("wiki", NULL), 2);
	assert_non_null(strstr(r.err, "vpndiag wiki build DIR"));
	assert_int_equal(vd("wiki", "build", NULL), 2);
	assert_int_equal(vd("wiki", "frob", "x", NULL), 2);
	assert_non_null(strstr(r.err, "unknown action 'frob'"));
	assert_int_equal(vd("wiki", "build", "a", "b", NULL), 2);
	assert_int_equal(vd("wiki", "--bogus", "build", "x", NULL), 2);
	assert_int_equal(vd("wiki", "--help", NULL), 0);
	assert_non_null(strstr(r.out, "--base-url"));
	assert_int_equal(vd("help", "wiki", NULL), 0);
	assert_int_equal(vd("--help", NULL), 0);
	assert_non_null(strstr(r.out, "wiki"));
}

static void test_cli_build(void **state)
{
	(void)state;
	char data[300], site[300], other[300];
	snprintf(data, sizeof data, "%s/data", work);
	snprintf(site, sizeof site, "%s/site", work);
	snprintf(other, sizeof other, "%s/other", work);
	put_entry("809");
	put_entry("800");
	put_entry("0x80092013");

	assert_int_equal(vd("wiki", "build", "--data", data, site, NULL), 0);
	assert_non_null(strstr(r.out, "wrote 8 pages (3 articles, 2 tag pages)"));
	assert_non_null(strstr(r.out, "no sitemap.xml"));
	assert_true(exists("site/errors/809.html"));
	assert_true(exists("site/errors/0x80092013.html"));
	assert_true(exists("site/tags/nat.html") && exists("site/tags/index.html"));
	assert_true(exists("site/search.html") && exists("site/search-index.js") && exists("site/search.js"));
	assert_true(exists("site/style.css") && exists("site/copy.js") && exists("site/.vpndiag-wiki"));
	assert_false(exists("site/sitemap.xml"));
	const char *a = slurp("site/errors/0x80092013.html");
	assert_non_null(a);
	assert_non_null(strstr(a, "Error 0x80092013"));
	assert_non_null(strstr(a, "-2146885613")); /* the event-log form */
	assert_non_null(strstr(a, "<pre class=\"cmd\"><code>reg add X</code></pre>"));
	assert_non_null(strstr(a, "<code>vpndiag probe SERVER</code> reports this cause as"));

	/* Rebuild after an entry is removed, now with a base URL: its page goes, a sitemap comes. */
	char rel[300];
	snprintf(rel, sizeof rel, "%s/data/errors/800.txt", work);
	assert_int_equal(unlink(rel), 0);
	assert_int_equal(vd("wiki", "build", "--base-url", "https://help.example.com/vpn", "--data", data, site, NULL), 0);
	assert_non_null(strstr(r.out, "removed 1 stale page"));
	assert_false(exists("site/errors/800.html"));
	const char *sm = slurp("site/sitemap.xml");
	assert_non_null(sm);
	assert_non_null(strstr(sm, "<loc>https://help.example.com/vpn/errors/809.html</loc>"));
	assert_non_null(strstr(sm, "<loc>https://help.example.com/vpn/</loc>"));
	a = slurp("site/errors/809.html");
	assert_non_null(strstr(a, "<link rel=\"canonical\" href=\"https://help.example.com/vpn/errors/809.html\">"));

	/* A folder that holds something else is refused; so are bad base URLs. */
	put("other/precious.txt", "keep me\n");
	assert_int_equal(vd("wiki", "build", "--data", data, other, NULL), 2);
	assert_non_null(strstr(r.err, "is not empty"));
	assert_non_null(slurp("other/precious.txt"));
	assert_int_equal(vd("wiki", "build", "--base-url", "help.example.com", "--data", data, site, NULL), 2);
	assert_int_equal(vd("wiki", "build", "--base-url", "https://x/\"><script>", "--data", data, site, NULL), 2);

	/* Templates from DATA/wiki/ replace the built-in ones, and a broken one is reported. */
	snprintf(rel, sizeof rel, "%s/data/wiki", work);
	mkdir(rel, 0755);
	put("data/wiki/tag.html", "<h1>Custom tag page {{tag}}</h1>\n<ul>{{entries}}</ul>\n");
	assert_int_equal(vd("wiki", "build", "--data", data, site, NULL), 0);
	assert_non_null(strstr(slurp("site/tags/nat.html"), "<h1>Custom tag page nat</h1>"));
	put("data/wiki/tag.html", "<h1>\n{{tagg}}</h1>\n");
	assert_int_equal(vd("wiki", "build", "--data", data, site, NULL), 2);
	assert_non_null(strstr(r.err, "tag.html line 2: unknown placeholder 'tagg'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_cli_usage),
		cmocka_unit_test(test_cli_build),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
