/* probes/cert_obs.c: the certificate facts as observations. A chain cut at the bound must not be
 * reported as "missing intermediate" (issue 11 hostile lab, tls-chain-70: the server had sent
 * every issuer, beyond the 64 checked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/cert_obs.h"

static size_t count(const struct obs_result *r, enum obs_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nobs; i++)
		n += r->obs[i].kind == k;
	return n;
}

static void truncated_chain_no_chain_verdict(void **state)
{
	(void)state;
	struct certcheck c;
	memset(&c, 0, sizeof c);
	c.parsed = true;
	c.nsent = 70;
	c.nchecked = 64;
	c.chain_too_long = true;
	c.missing_intermediate = true; /* what verifying the first 64 alone concludes */
	struct obs_result r;
	memset(&r, 0, sizeof r);
	assert_int_equal(cert_observe_result(&r, &c, PROTO_B_SSTP), 0);
	assert_int_equal(count(&r, OBS_CERT_CHAIN_TOO_LONG), 1);
	assert_int_equal(count(&r, OBS_CERT_MISSING_INTERMEDIATE), 0);
	assert_int_equal(count(&r, OBS_CERT_UNTRUSTED_ROOT), 0);
	assert_int_equal(count(&r, OBS_CERT_CHAIN_INVALID), 0);
	obs_result_free(&r);

	/* the same facts without the cut: the missing intermediate is reported */
	c.chain_too_long = false;
	c.nsent = c.nchecked = 3;
	memset(&r, 0, sizeof r);
	assert_int_equal(cert_observe_result(&r, &c, PROTO_B_SSTP), 0);
	assert_int_equal(count(&r, OBS_CERT_MISSING_INTERMEDIATE), 1);
	obs_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(truncated_chain_no_chain_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
