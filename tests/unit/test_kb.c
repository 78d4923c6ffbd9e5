/* The knowledge base: the parser, the built-in set's consistency, lookups and search ranking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_query.h"

static struct kb kb;

static int setup(void **state)
{
	char err[600];
	(void)state;
	if (kb_load_builtin(&kb, err, sizeof err) != 0) {
		fprintf(stderr, "built-in knowledge base: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kb_free(&kb);
	return 0;
}

static int parse(const char *text, struct kb_entry *e, char *err, size_t errlen)
{
	return kb_parse_entry("t.txt", (const unsigned char *)text, strlen(text), e, err, errlen);
}

#define MINIMAL                                                                                    \
	"code: 809\nsymbol: ERROR_VPN_TIMEOUT\ncategory: ras\ntitle: T\nquick: Q\nmeaning: M\n"    \
	"cause: C\ncause-protocols: ikev2, l2tp\ncause-basis: vendor\nstep: S\nfix: F\ntags: a, b-c\n" \
	"source: documented: somewhere\n"

static void parser_accepts_minimal(void **state)
{
	struct kb_entry e;
	char err[256];
	(void)state;
	assert_int_equal(parse(MINIMAL "fix-command: reg add X\n  shutdown /r\nrelated: 800, 0x80092013\n"
			 "meaning2: x\n", &e, err, sizeof err), -1); /* unknown field rejected */
	assert_non_null(strstr(err, "unknown field 'meaning2'"));

	assert_int_equal(parse(MINIMAL "fix-command: reg add X\n shutdown /r\n   indented\nrelated: 800, 0x80092013\n"
				       "# comment\n\ndetail: one\n two\n", &e, err, sizeof err), 0);
	assert_int_equal(e.code, 809);
	assert_int_equal(e.ncauses, 1);
	assert_int_equal(e.causes[0].protocols, KB_P_IKEV2 | KB_P_L2TP);
	assert_int_equal(e.causes[0].basis, KB_VENDOR);
	assert_null(e.causes[0].id);
	/* Continuations of a command keep their lines; of text they join with a space. */
	assert_string_equal(e.fixes[0].command, "reg add X\nshutdown /r\n  indented");
	assert_string_equal(e.details.v[0], "one two");
	assert_int_equal(e.nrelated, 2);
	assert_int_equal(e.related[1], 0x80092013u);
	assert_int_equal(e.tags.n, 2);
	assert_string_equal(e.tags.v[1], "b-c");
	assert_int_equal(e.sources[0].basis, KB_DOCUMENTED);
	assert_string_equal(e.sources[0].text, "somewhere");
	kb_entry_free(&e);
}

static void parser_rejects_bad_entries(void **state)
{
	struct kb_entry e;
	char err[256];
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"code: 809\n", "missing"},
		{MINIMAL "code: 810\n", "twice"},
		{MINIMAL "cause: X\ncause-basis: vendor\n", "cause-protocols"},
		{MINIMAL "cause: X\ncause-protocols: all\n", "cause-basis"},
		{MINIMAL "cause-id: Bad Id\n", "cause-id"},
		{MINIMAL "faq: Why?\n", "faq-answer"},
		{"fix-command: x\n" MINIMAL, "before any"},
		{MINIMAL "tags: Upper\n", "tag"},
		{MINIMAL "related: 80x\n", "related"},
		{MINIMAL "source: hearsay: x\n", "basis"},
		{MINIMAL "cause-protocols: ikev3\n", "protocol"},
		{" leading continuation\n" MINIMAL, "continuation"},
		{MINIMAL "title\n", "field: value"},
		{MINIMAL "step:\n", "empty"},
		{"code: 0x1FFFFFFFF\n", "code"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i].text, &e, err, sizeof err);
		if (rc == 0 || !strstr(err, bad[i].why))
			fail_msg("case %zu: rc=%d err='%s', wanted '%s'", i, rc, err, bad[i].why);
	}
	const unsigned char not_utf8[] = "code: 809\ntitle: \xff\n";
	assert_int_equal(kb_parse_entry("x", not_utf8, sizeof not_utf8 - 1, &e, err, sizeof err), -1);
	assert_non_null(strstr(err, "UTF-8"));
}

static void builtin_is_consistent(void **state)
{
	(void)state;
	assert_true(kb.n >= 80);
	assert_int_equal(kb_validate(&kb, NULL, NULL), 0);
	for (size_t i = 0; i < kb.n; i++) {
		const struct kb_entry *e = &kb.entries[i];
		assert_non_null(e->symbol);
		assert_true(strlen(e->title) > 10);
		assert_true(strlen(e->quick) > 20);
		assert_true(strlen(e->meaning) > 20);
		assert_true(e->ncauses >= 1);
		assert_true(e->steps.n >= 1);
		assert_true(e->nfixes >= 1);
		assert_true(e->tags.n >= 1);
		assert_true(e->nsources >= 1);
		if (i > 0)
			assert_true(kb.entries[i - 1].code < e->code); /* sorted, no duplicates */
	}
}

static void validate_finds_problems(void **state)
{
	struct kb_entry e[2];
	char err[256];
	(void)state;
	assert_int_equal(parse(MINIMAL "related: 12345\n", &e[0], err, sizeof err), 0);
	struct kb k = {e, 1};
	/* The entry was parsed from "t.txt", not "809.txt", and relates to a missing code. */
	assert_int_equal(kb_validate(&k, NULL, NULL), 2);
	kb_entry_free(&e[0]);
}

static void required_codes_present(void **state)
{
	(void)state;
	static const uint32_t need[] = {
		619, 628, 629, 691, 703, 720, 721, 734, 735, 741, 742, 743, 766, 768, 778, 781, 787, 788, 789,
		800, 806, 807, 809, 810, 812, 813, 815, 835, 853, 868, 13801, 13806, 13817, 13819, 13825, 13843,
		13868, 0x800B0109, 0x800B010F, 0x800B0101, 0x80092010, 0x80092013, 0x80070040,
	};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!kb_find_code(&kb, need[i]))
			fail_msg("code %u (0x%X) missing from the knowledge base", need[i], need[i]);
}

static void lookups(void **state)
{
	(void)state;
	const struct kb_entry *e = kb_find_code(&kb, 809);
	assert_non_null(e);
	assert_string_equal(e->symbol, "ERROR_VPN_TIMEOUT");
	e = kb_find_symbol(&kb, "error_ipsec_ike_auth_fail");
	assert_non_null(e);
	assert_int_equal(e->code, 13801);
	e = kb_find_symbol(&kb, "CRYPT_E_REVOCATION_OFFLINE");
	assert_non_null(e);
	assert_int_equal(e->code, 0x80092013u);
	/* The inner name of HRESULT_FROM_WIN32(...) finds the wrapped entry. */
	e = kb_find_symbol(&kb, "ERROR_NETNAME_DELETED");
	assert_non_null(e);
	assert_int_equal(e->code, 0x80070040u);
	assert_null(kb_find_code(&kb, 12345678));
	assert_null(kb_find_symbol(&kb, "ERROR_NO_SUCH_THING"));
	assert_int_equal(kb_code_eventlog(0x80092013u), -2146885613LL);

	const struct kb_entry *near[3];
	assert_int_equal(kb_nearest_codes(&kb, 808, near, 3), 3);
	assert_true(near[0]->code == 808 || near[0]->code == 809 || near[0]->code == 807);
	assert_int_equal(kb_nearest_codes(&kb, 0x80092014u, near, 1), 1);
	assert_int_equal(near[0]->code, 0x80092013u); /* HRESULTs are near HRESULTs */
}

static void expect_top(const char *words, uint32_t code, size_t within)
{
	struct kb_hit hits[10];
	size_t n = kb_search_words(&kb, words, hits, within);
	for (size_t i = 0; i < n; i++)
		if (hits[i].entry->code == code)
			return;
	fail_msg("'%s': %u (0x%X) not in the top %zu (first: %u)", words, code, code, within,
		 n ? hits[0].entry->code : 0);
}

static void search_ranking(void **state)
{
	(void)state;
	expect_top("nat", 809, 3);
	expect_top("nat traversal", 809, 3);
	expect_top("pre-shared key", 789, 3);
	expect_top("certificate revocation", 0x80092013u, 3);
	expect_top("crl offline", 0x80092013u, 3);
	expect_top("gre", 806, 3);
	expect_top("dns", 868, 3);
	expect_top("policy match", 13868, 3);
	expect_top("untrusted root", 0x800B0109u, 3);
	struct kb_hit hits[5];
	assert_int_equal(kb_search_words(&kb, "zzqqxx", hits, 5), 0);
	assert_int_equal(kb_search_words(&kb, "the of and", hits, 5), 0); /* only stopwords */
}

static void data_folder_matches_builtin(void **state)
{
	struct kb k;
	char err[600];
	(void)state;
	assert_int_equal(kb_load_dir(&k, VPNDIAG_SRCDIR "/data", err, sizeof err), 0);
	assert_int_equal(k.n, kb.n);
	for (size_t i = 0; i < k.n; i++)
		assert_string_equal(k.entries[i].title, kb.entries[i].title);
	kb_free(&k);
	assert_int_equal(kb_load_dir(&k, "/nonexistent-vpndiag", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parser_accepts_minimal),
		cmocka_unit_test(parser_rejects_bad_entries),
		cmocka_unit_test(validate_finds_problems),
		cmocka_unit_test(builtin_is_consistent),
		cmocka_unit_test(required_codes_present),
		cmocka_unit_test(lookups),
		cmocka_unit_test(search_ranking),
		cmocka_unit_test(data_folder_matches_builtin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
