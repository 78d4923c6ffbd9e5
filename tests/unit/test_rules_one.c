/* Single-observation rules as data (rules_apply_one, rules/rules_internal.h): the filters, the
 * templates, the evidence order and the fall-back row, on hand-made observations. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "rules/rules_internal.h"

static struct obs_result R;
static struct diagnosis D;
static const struct rules_row ROW = {"test-cause", KB_P_PPTP, 800, KB_VENDOR, SEV_FAILURE};

static void reset(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	memset(&D, 0, sizeof D);
}

static void add(enum obs_kind k, unsigned proto, uint16_t port, bool natt, int32_t code, int64_t value, const char *text,
		const char *evidence)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = proto;
	o.port = port;
	o.natt = natt;
	o.code = code;
	o.value = value;
	snprintf(o.text, sizeof o.text, "%s", text);
	snprintf(o.evidence, sizeof o.evidence, "%s", evidence);
	assert_int_equal(obs_result_add(&R, &o), 0);
}

static const struct rule_one REFUSED = {
	.kind = OBS_TCP_REFUSED,
	.summary = "TCP {port} refused, code {code}, value {value}, text {text}; {other} and {port",
	.ev = {{RULE_NONE, "after {text}"}, {OBS_TCP_CLOSED, NULL}},
	.fix = {{"fix for {port}", "cmd {text} {value}"}, {"plain", NULL}},
};

static void templates_and_evidence(void **state)
{
	(void)state;
	reset();
	add(OBS_TCP_REFUSED, KB_P_SSTP, 443, false, 1, 1, "sstp", "not ours"); /* another protocol's */
	add(OBS_TCP_REFUSED, KB_P_PPTP, 1723, false, -7, 12345678901LL, "reset", "the connect was reset");
	add(OBS_TCP_CLOSED, KB_P_PPTP, 1723, false, 0, 0, "", "closed later");
	rules_apply_one(&R, &D, &ROW, &REFUSED);
	assert_int_equal(D.nf, 1);
	const struct finding *f = &D.f[0];
	assert_string_equal(f->cause, "test-cause");
	assert_int_equal(f->proto, KB_P_PPTP);
	assert_int_equal(f->verdict, VERDICT_FAILS);
	assert_int_equal(f->basis, KB_VENDOR);
	assert_int_equal(f->windows_error, 800);
	assert_string_equal(f->summary, "TCP 1723 refused, code -7, value 12345678901, text reset; {other} and {port");
	assert_int_equal(f->nevidence, 3);
	assert_string_equal(f->evidence[0], "the connect was reset");
	assert_string_equal(f->evidence[1], "after reset");
	assert_string_equal(f->evidence[2], "closed later");
	assert_int_equal(f->nfixes, 2);
	assert_string_equal(f->fixes[0].text, "fix for 1723");
	assert_string_equal(f->fixes[0].command, "cmd reset 12345678901");
	assert_string_equal(f->fixes[1].text, "plain");
	assert_string_equal(f->fixes[1].command, "");
}

/* A long {text} is cut exactly where the finding's buffer ends, like fmt_into. */
static void long_text_is_cut(void **state)
{
	(void)state;
	reset();
	char big[200];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	add(OBS_TCP_REFUSED, KB_P_PPTP, 1723, false, 0, 0, big, "e");
	static const struct rule_one twice = {.kind = OBS_TCP_REFUSED, .summary = "{text}{text}{text}"};
	rules_apply_one(&R, &D, &ROW, &twice);
	assert_int_equal(D.nf, 1);
	assert_int_equal(strlen(D.f[0].summary), sizeof D.f[0].summary - 1);
	assert_int_equal(strspn(D.f[0].summary, "a"), sizeof D.f[0].summary - 1);
}

static const struct rule_one ICMP_500 = {
	.kind = OBS_UDP_ICMP, .natt = RULE_NATT_NO, .test = RULE_VALUE_NE, .arg = 0,
	.needs = OBS_RTT, .unless = {OBS_TCP_CONNECTED},
	.summary = "icmp on {port}",
	.ev = {{OBS_RTT, NULL}, {RULE_SELF, NULL}},
};

static void filters(void **state)
{
	(void)state;
	/* Only a 4500 (natt) observation: not found. */
	reset();
	add(OBS_UDP_ICMP, KB_P_PPTP, 4500, true, 3, 3, "", "icmp 4500");
	add(OBS_RTT, KB_P_PPTP, 500, false, 0, 5, "", "rtt 500");
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 0);
	/* The first on 500 has value 0: the test fails on it (no search for a later one). */
	add(OBS_UDP_ICMP, KB_P_PPTP, 500, false, 3, 0, "", "icmp 500 value 0");
	add(OBS_UDP_ICMP, KB_P_PPTP, 500, false, 3, 3, "", "icmp 500 value 3");
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 0);
	/* value 3 first, and the needed RTT (500) present: a finding, RTT evidence before its own. */
	reset();
	add(OBS_UDP_ICMP, KB_P_PPTP, 500, false, 3, 3, "", "icmp 500 value 3");
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 0); /* no RTT yet: needs fails */
	add(OBS_RTT, KB_P_PPTP, 4500, true, 0, 5, "", "rtt 4500");
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 0); /* an RTT on 4500 does not count: the row's natt filter */
	add(OBS_RTT, KB_P_PPTP, 500, false, 0, 5, "", "rtt 500");
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 1);
	assert_string_equal(D.f[0].summary, "icmp on 500");
	assert_int_equal(D.f[0].nevidence, 2);
	assert_string_equal(D.f[0].evidence[0], "rtt 500");
	assert_string_equal(D.f[0].evidence[1], "icmp 500 value 3");
	/* unless: a TCP connect of the same protocol stops it. */
	add(OBS_TCP_CONNECTED, KB_P_PPTP, 1723, false, 0, 1, "", "connected");
	memset(&D, 0, sizeof D);
	rules_apply_one(&R, &D, &ROW, &ICMP_500);
	assert_int_equal(D.nf, 0);
}

static const struct rule_one SILENT = {
	.kind = OBS_TCP_NO_ANSWER,
	.summary = "no answer on {port}",
	.ev = {{RULE_NONE, "shared sentence"}},
	.fix = {{"shared fix", "cmd"}},
	.otherwise = &(const struct rule_one){.kind = OBS_TCP_UNREACHABLE, .inferred = true},
};

static void otherwise_row(void **state)
{
	(void)state;
	reset();
	add(OBS_TCP_UNREACHABLE, KB_P_PPTP, 1723, false, 113, 0, "No route to host", "unreachable");
	rules_apply_one(&R, &D, &ROW, &SILENT);
	assert_int_equal(D.nf, 1);
	assert_int_equal(D.f[0].basis, KB_INFERRED);
	assert_string_equal(D.f[0].summary, "no answer on 1723"); /* the first row's summary */
	assert_int_equal(D.f[0].nevidence, 2);
	assert_string_equal(D.f[0].evidence[0], "unreachable");
	assert_string_equal(D.f[0].evidence[1], "shared sentence");
	assert_string_equal(D.f[0].fixes[0].command, "cmd");
	/* With the first row's observation present, that one decides (basis of the row). */
	add(OBS_TCP_NO_ANSWER, KB_P_PPTP, 1723, false, 0, 7000, "", "silence");
	memset(&D, 0, sizeof D);
	rules_apply_one(&R, &D, &ROW, &SILENT);
	assert_int_equal(D.nf, 1);
	assert_int_equal(D.f[0].basis, KB_VENDOR);
	assert_string_equal(D.f[0].evidence[0], "silence");
}

static int teardown(void **state)
{
	(void)state;
	obs_result_free(&R);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(templates_and_evidence),
		cmocka_unit_test(long_text_is_cut),
		cmocka_unit_test(filters),
		cmocka_unit_test(otherwise_row),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
