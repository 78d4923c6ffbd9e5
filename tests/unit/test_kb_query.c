/* Query classification: every input form of `vpndiag explain`, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb_query.h"

static struct kb_query q;
static char err[256];

static int parse(const char *s) { return kb_query_parse(s, strlen(s), &q, err, sizeof err); }

static void code_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("809"), 0);
	assert_int_equal(q.kind, KBQ_CODE);
	assert_int_equal(q.ncodes, 1);
	assert_int_equal(q.codes[0], 809);

	assert_int_equal(parse("  809.  "), 0);
	assert_int_equal(q.codes[0], 809);

	assert_int_equal(parse("0x80092013"), 0);
	assert_int_equal(q.codes[0], 0x80092013u);
	assert_int_equal(parse("0X800b0109"), 0);
	assert_int_equal(q.codes[0], 0x800B0109u);
	assert_int_equal(parse("0x0000000000329"), 0); /* leading zeros are fine */
	assert_int_equal(q.codes[0], 809);

	/* Eight digits without 0x: decimal first, hex second. */
	assert_int_equal(parse("80092013"), 0);
	assert_int_equal(q.ncodes, 2);
	assert_int_equal(q.codes[0], 80092013u);
	assert_int_equal(q.codes[1], 0x80092013u);
	/* Eight hex digits with letters: hex only. */
	assert_int_equal(parse("800B0109"), 0);
	assert_int_equal(q.ncodes, 1);
	assert_int_equal(q.codes[0], 0x800B0109u);

	/* Event-log negative decimal. */
	assert_int_equal(parse("-2146885613"), 0);
	assert_int_equal(q.codes[0], 0x80092013u);
	assert_int_equal(parse("-2146762495"), 0);
	assert_int_equal(q.codes[0], 0x800B0101u);
	assert_int_equal(parse("-2147483648"), 0);
	assert_int_equal(q.codes[0], 0x80000000u);
}

static void symbols_and_words(void **state)
{
	(void)state;
	assert_int_equal(parse("ERROR_IPSEC_IKE_AUTH_FAIL"), 0);
	assert_int_equal(q.kind, KBQ_SYMBOL);
	assert_string_equal(q.text, "ERROR_IPSEC_IKE_AUTH_FAIL");
	assert_int_equal(parse("error_vpn_timeout"), 0);
	assert_int_equal(q.kind, KBQ_SYMBOL);

	assert_int_equal(parse("nat traversal"), 0);
	assert_int_equal(q.kind, KBQ_WORDS);
	assert_string_equal(q.text, "nat traversal");
	/* Words made only of hex letters are words, not numbers. */
	assert_int_equal(parse("bad"), 0);
	assert_int_equal(q.kind, KBQ_WORDS);
	assert_int_equal(parse("deadbeef cafe"), 0);
	assert_int_equal(q.kind, KBQ_WORDS);
}

static void event_log_lines(void **state)
{
	(void)state;
	const char *ev = "CoId={1F4A8D52-0D8E-4F52-9D4E-6B3A1C2D7E11}: The user CONTOSO\\alice dialed a "
			 "connection named Work VPN which has failed. The error code returned on failure is 809.";
	assert_int_equal(parse(ev), 0);
	assert_int_equal(q.kind, KBQ_CODE);
	assert_int_equal(q.codes[0], 809);

	assert_int_equal(parse("The error code returned on failure is -2146885613."), 0);
	assert_int_equal(q.codes[0], 0x80092013u);
	assert_int_equal(parse("Error 789: The L2TP connection attempt failed"), 0);
	assert_int_equal(q.kind, KBQ_CODE);
	assert_int_equal(q.codes[0], 789);
	assert_int_equal(parse("error code: 0x800B010F"), 0);
	assert_int_equal(q.codes[0], 0x800B010Fu);
	/* "errors" is not "error": no number to find, so these are words. */
	assert_int_equal(parse("errors everywhere"), 0);
	assert_int_equal(q.kind, KBQ_WORDS);
}

static void bad_input(void **state)
{
	(void)state;
	assert_int_equal(parse(""), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(parse("   \t "), -1);
	assert_int_equal(parse("0x"), -1);
	assert_non_null(strstr(err, "0x"));
	assert_int_equal(parse("0x123456789"), -1);
	assert_int_equal(parse("0xZZ"), -1);
	assert_int_equal(parse("99999999999"), -1);
	assert_non_null(strstr(err, "32 bits"));
	assert_int_equal(parse("4294967296"), -1);
	assert_int_equal(parse("4294967295"), 0);
	assert_int_equal(parse("-0"), -1);
	assert_int_equal(parse("-2147483649"), -1);
	assert_int_equal(parse("-99999999999999999999999"), -1);

	const char bad_utf8[] = {'8', '0', (char)0xC3, (char)0x28, 0};
	assert_int_equal(parse(bad_utf8), -1);
	assert_non_null(strstr(err, "UTF-8"));
	const char overlong[] = {(char)0xC0, (char)0xAF, 0};
	assert_int_equal(parse(overlong), -1);
	const char with_nul[] = {'8', 0, '9'};
	assert_int_equal(kb_query_parse(with_nul, sizeof with_nul, &q, err, sizeof err), -1);

	static char huge[KB_QUERY_MAX + 2];
	memset(huge, 'a', sizeof huge - 1);
	assert_int_equal(parse(huge), -1);
	assert_non_null(strstr(err, "longer"));
	huge[KB_QUERY_MAX] = '\0'; /* exactly the limit is accepted */
	assert_int_equal(parse(huge), 0);
	assert_int_equal(q.kind, KBQ_WORDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(code_forms),
		cmocka_unit_test(symbols_and_words),
		cmocka_unit_test(event_log_lines),
		cmocka_unit_test(bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
