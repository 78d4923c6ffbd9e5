/* IKEv2 sign-in rules (rules_ikev2_eap.c): the observation sets the probe records in the lab's EAP
 * scenarios (right and wrong password, unknown user, EAP-TLS only, a server that does not prove
 * the password), each on top of a healthy IKE_AUTH up to the EAP request. No network. */
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
#include "rules/rules.h"
#include "util/fmt.h"

static struct obs_result R;
static struct diagnosis D;

/* One IKEv2 observation on UDP 500 (tests/unit/helpers.h). */
static void add(enum obs_kind k, int32_t code, int64_t value, const char *text)
{
	th_obs(&R, k, KB_P_IKEV2, 500, false, code, value, text);
}

/* Everything up to the server's EAP request passed (as in the lab's healthy scenario). */
static void up_to_eap(void)
{
	th_result_reset(&R, "vpn.lab.test", KB_P_IKEV2, 8000);
	add(OBS_IKE_ACCEPTED, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_NAT_CLIENT, 0, 0, NULL);
	add(OBS_NAT_SERVER, 0, 0, NULL);
	add(OBS_IKE_FRAGMENTATION, 0, 1, NULL);
	add(OBS_IKE_AUTH_REPLY, 0, 1236, "ID(FQDN vpn.lab.test) CERTx1 AUTH EAP");
	add(OBS_IKE_AUTH_SIGNATURE, 1, 1, "RSA");
	add(OBS_CERT_LEAF, 3, 1, "vpn.lab.test");
	add(OBS_CERT_CHAIN_OK, 1, 2, NULL);
	add(OBS_IKE_AUTH_EAP, 1, 1, NULL);
}

static const struct proto_verdict *ikev2(void)
{
	rules_evaluate(&R, &D);
	return &D.p[PROTO_IKEV2];
}

static void no_credentials_says_which_options(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_NO_CREDENTIALS, 0, 0, "--user and --password-file");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_WORKS); /* as before issue 13 */
	assert_non_null(strstr(p->summary, "user credentials not tested"));
	assert_non_null(strstr(p->summary, "--user NAME and --password-file PATH"));
}

static void signed_in_works(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_EAP_SUCCESS, 1, 1, "198.19.200.10");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_WORKS);
	assert_non_null(strstr(p->summary, "198.19.200.10"));
	assert_null(strstr(p->summary, "not tested"));
	/* no address assigned: not "works" */
	up_to_eap();
	add(OBS_IKE_EAP_SUCCESS, 1, 0, "");
	assert_int_equal(ikev2()->verdict, VERDICT_UNKNOWN);
	/* the server's final AUTH not verified (code 0): not "works" */
	up_to_eap();
	add(OBS_IKE_EAP_SUCCESS, 0, 1, "198.19.200.10");
	assert_int_equal(ikev2()->verdict, VERDICT_UNKNOWN);
}

static void child_refused_fails(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_EAP_SUCCESS, 1, 1, "198.19.200.10");
	add(OBS_IKE_CHILD_REFUSED, 14, 0, "NO_PROPOSAL_CHOSEN");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-child-refused");
	assert_non_null(strstr(p->summary, "signed in"));
	assert_non_null(strstr(p->summary, "NO_PROPOSAL_CHOSEN"));
}

static void wrong_password_691(void **state)
{
	(void)state;
	/* strongSwan: MSCHAPv2 Failure request "E=691 R=1 C=... V=3 M=FAILED" after our response */
	up_to_eap();
	add(OBS_IKE_EAP_FAILURE, 691, 2, "E=691 R=1 M=FAILED");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 691);
	assert_string_equal(p->cause, "ike-eap-auth-failed");
	assert_int_equal(D.f[p->finding].basis, KB_DOCUMENTED);
	/* a bare EAP-Failure: 691 on a vendor's word */
	up_to_eap();
	add(OBS_IKE_EAP_FAILURE, 0, 2, "");
	p = ikev2();
	assert_int_equal(p->windows_error, 691);
	assert_int_equal(D.f[p->finding].basis, KB_VENDOR);
}

static void mschapv2_codes_decoded(void **state)
{
	(void)state;
	static const struct {
		int32_t e;
		const char *word;
	} codes[] = {{646, "time of day"}, {647, "disabled"}, {648, "expired"}, {649, "dial in"}, {709, "password change"}};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		up_to_eap();
		add(OBS_IKE_EAP_FAILURE, codes[i].e, 2, "");
		const struct proto_verdict *p = ikev2();
		assert_int_equal(p->verdict, VERDICT_FAILS);
		assert_int_equal(p->windows_error, (uint32_t)codes[i].e);
		if (!strstr(p->summary, codes[i].word))
			fail_msg("E=%d: summary '%s' lacks '%s'", codes[i].e, p->summary, codes[i].word);
	}
	/* an E= no source maps: fails, no Windows error, inferred */
	up_to_eap();
	add(OBS_IKE_EAP_FAILURE, 12345, 2, "");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 0);
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	/* refused after our final AUTH: 13801 [I] */
	up_to_eap();
	add(OBS_IKE_EAP_FAILURE, 0, 5, "AUTHENTICATION_FAILED");
	assert_int_equal(ikev2()->windows_error, 13801);
}

static void other_method_812(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_EAP_METHOD, 0, 13, "EAP-TLS");
	add(OBS_IKE_EAP_FAILURE, 0, 3, ""); /* EAP-Failure after our Nak: part of the 812 finding */
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 812);
	assert_string_equal(p->cause, "ike-eap-method-refused");
	assert_non_null(strstr(p->summary, "EAP-TLS"));
	assert_int_equal(D.f[p->finding].basis, KB_DOCUMENTED);
	up_to_eap();
	add(OBS_IKE_EAP_METHOD, 0, 25, "PEAP");
	p = ikev2();
	assert_int_equal(p->windows_error, 812);
	assert_non_null(strstr(p->summary, "PEAP"));
}

static void server_unproven_fails(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_AUTH_SERVER_MISMATCH, 0, 1, "MSCHAPv2 authenticator response");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 778);
	assert_string_equal(p->cause, "ike-eap-server-unproven");
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	up_to_eap();
	add(OBS_IKE_EAP_SUCCESS, 1, 1, "198.19.200.10"); /* even with an address: never works */
	add(OBS_IKE_AUTH_SERVER_MISMATCH, 2, 2, "final AUTH");
	p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 13801);
}

static void incomplete_is_unknown(void **state)
{
	(void)state;
	up_to_eap();
	add(OBS_IKE_EAP_INCOMPLETE, 0, 0, "no answer to our MSCHAPv2 Response (3 requests)");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(p->summary, "sign-in"));
	up_to_eap();
	add(OBS_IKE_EAP_INCOMPLETE, 1, 0, "MD4/DES are not available");
	assert_int_equal(ikev2()->verdict, VERDICT_UNKNOWN);
}

/* The new causes are documented and their errors in the knowledge base. */
static void causes_documented(void **state)
{
	(void)state;
	struct kb kb;
	char err[300];
	assert_int_equal(kb_load_builtin(&kb, err, sizeof err), 0);
	static const char *const mine[] = {"ike-eap-auth-failed", "ike-eap-method-refused", "ike-eap-server-unproven",
					   "ike-child-refused", "ike-eap-incomplete"};
	const struct rules_row *rows;
	size_t n = rules_table(&rows), seen = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof mine / sizeof mine[0]; k++)
			if (strcmp(rows[i].cause, mine[k]) == 0) {
				seen++;
				if (rows[i].windows_error)
					assert_non_null(kb_find_code(&kb, rows[i].windows_error));
			}
	assert_int_equal(seen, sizeof mine / sizeof mine[0]);
	for (uint32_t c = 646; c <= 649; c++)
		assert_non_null(kb_find_code(&kb, c));
	assert_non_null(kb_find_code(&kb, 778));
	kb_free(&kb);
}

static int teardown(void **state)
{
	(void)state;
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(no_credentials_says_which_options, teardown),
		cmocka_unit_test_teardown(signed_in_works, teardown),
		cmocka_unit_test_teardown(child_refused_fails, teardown),
		cmocka_unit_test_teardown(wrong_password_691, teardown),
		cmocka_unit_test_teardown(mschapv2_codes_decoded, teardown),
		cmocka_unit_test_teardown(other_method_812, teardown),
		cmocka_unit_test_teardown(server_unproven_fails, teardown),
		cmocka_unit_test_teardown(incomplete_is_unknown, teardown),
		cmocka_unit_test(causes_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
