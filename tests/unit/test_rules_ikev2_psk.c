/* IKEv2 pre-shared key rules (rules_ikev2_psk.c, issue 13 item 2): the observation sets the probe
 * records when the server refuses the EAP IKE_AUTH and --psk-file is given (the lab's ikev2-psk-ok
 * and ikev2-psk-wrong scenarios, and the cases the lab cannot make: the server's AUTH not verifying,
 * a certificate AUTH), each on top of an IKE_SA_INIT accepted and an EAP IKE_AUTH refused with
 * AUTHENTICATION_FAILED. One test per rule; a wrong "works" is the bug they guard against. No network. */
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

/* A PSK-only server (strongSwan auth = psk): IKE_SA_INIT accepted, the EAP IKE_AUTH refused. */
static void eap_refused(void)
{
	th_result_reset(&R, "vpn.lab.test", KB_P_IKEV2, 8000);
	add(OBS_IKE_ACCEPTED, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_NAT_CLIENT, 0, 0, NULL);
	add(OBS_NAT_SERVER, 0, 0, NULL);
	add(OBS_IKE_FRAGMENTATION, 0, 1, NULL);
	add(OBS_IKE_AUTH_REPLY, 0, 76, "N(AUTHENTICATION_FAILED)");
	add(OBS_IKE_AUTH_ERROR, 24, 0, "AUTHENTICATION_FAILED");
}

static const struct proto_verdict *ikev2(void)
{
	rules_evaluate(&R, &D);
	return &D.p[PROTO_IKEV2];
}

static bool has_evidence(const struct finding *f, const char *word)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (strstr(f->evidence[i], word))
			return true;
	return false;
}

static void without_psk_says_which_option(void **state)
{
	(void)state;
	eap_refused();
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-auth-refused");
	assert_int_equal(p->windows_error, 13801);
	assert_true(has_evidence(&D.f[p->finding], "--psk-file PATH"));
}

/* ike-psk-only: right key (the server's AUTH verified), address assigned: still fails for the
 * remote-access client, never works. */
static void right_key_is_psk_only(void **state)
{
	(void)state;
	eap_refused();
	add(OBS_IKE_PSK_ACCEPTED, 1, 1, "198.19.200.10");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-psk-only");
	assert_int_equal(p->windows_error, 13801);
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	assert_non_null(strstr(p->summary, "key of --psk-file is right"));
	assert_non_null(strstr(p->summary, "198.19.200.10"));
	assert_true(has_evidence(&D.f[p->finding], "Add-VpnS2SInterface"));
	assert_true(has_evidence(&D.f[p->finding], "Add-VpnConnection"));
	for (size_t i = 0; i < D.nf; i++)
		assert_string_not_equal(D.f[i].cause, "ike-auth-refused"); /* replaced */
	/* the lab: the child SA cannot install; the key finding still decides */
	eap_refused();
	add(OBS_IKE_PSK_ACCEPTED, 0, 1, "198.19.200.10");
	add(OBS_IKE_CHILD_REFUSED, 14, 0, "NO_PROPOSAL_CHOSEN");
	p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-psk-only");
	bool child = false;
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, "ike-child-refused") == 0) {
			child = true;
			assert_non_null(strstr(D.f[i].summary, "pre-shared key was accepted"));
		}
	assert_true(child);
}

/* ike-psk-refused: AUTHENTICATION_FAILED to our PSK AUTH: the server refused, 13801 documented. */
static void wrong_key_refused(void **state)
{
	(void)state;
	eap_refused();
	add(OBS_IKE_PSK_REFUSED, 24, 0, "AUTHENTICATION_FAILED");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-psk-refused");
	assert_int_equal(p->windows_error, 13801);
	assert_int_equal(D.f[p->finding].basis, KB_DOCUMENTED);
	assert_non_null(strstr(p->summary, "another key"));
	assert_true(has_evidence(&D.f[p->finding], "the server refused"));
	/* another notify: still fails, inferred */
	eap_refused();
	add(OBS_IKE_PSK_REFUSED, 38, 0, "TS_UNACCEPTABLE");
	p = ikev2();
	assert_string_equal(p->cause, "ike-psk-refused");
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	assert_non_null(strstr(p->summary, "TS_UNACCEPTABLE"));
}

/* ike-psk-server-mismatch: the server took our AUTH, its own does not verify: never "right key". */
static void server_auth_mismatch(void **state)
{
	(void)state;
	eap_refused();
	add(OBS_IKE_AUTH_SERVER_MISMATCH, 2, 3, "PSK AUTH");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-psk-server-mismatch");
	assert_int_equal(p->windows_error, 13801);
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	for (size_t i = 0; i < D.nf; i++) {
		assert_string_not_equal(D.f[i].cause, "ike-eap-server-unproven");
		assert_string_not_equal(D.f[i].cause, "ike-psk-only");
	}
}

/* ike-psk-other-method: a certificate AUTH answers our PSK AUTH. */
static void other_method(void **state)
{
	(void)state;
	eap_refused();
	add(OBS_IKE_PSK_OTHER_METHOD, 1, 1, "RSA signature");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-psk-other-method");
	assert_int_equal(D.f[p->finding].basis, KB_INFERRED);
	assert_non_null(strstr(p->summary, "RSA signature"));
	assert_true(has_evidence(&D.f[p->finding], "To decide"));
}

/* ike-psk-incomplete: informational; the EAP refusal keeps the verdict. */
static void incomplete_keeps_auth_refused(void **state)
{
	(void)state;
	eap_refused();
	add(OBS_IKE_PSK_INCOMPLETE, 0, 0, "no answer to the IKE_AUTH with the pre-shared key (3 requests)");
	const struct proto_verdict *p = ikev2();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "ike-auth-refused");
	bool info = false;
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, "ike-psk-incomplete") == 0)
			info = D.f[i].severity == SEV_INFO;
	assert_true(info);
}

static void causes_documented(void **state)
{
	(void)state;
	struct kb kb;
	char err[300];
	assert_int_equal(kb_load_builtin(&kb, err, sizeof err), 0);
	static const char *const mine[] = {"ike-psk-refused", "ike-psk-server-mismatch", "ike-psk-other-method", "ike-psk-only",
					   "ike-psk-incomplete"};
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
		cmocka_unit_test_teardown(without_psk_says_which_option, teardown),
		cmocka_unit_test_teardown(right_key_is_psk_only, teardown),
		cmocka_unit_test_teardown(wrong_key_refused, teardown),
		cmocka_unit_test_teardown(server_auth_mismatch, teardown),
		cmocka_unit_test_teardown(other_method, teardown),
		cmocka_unit_test_teardown(incomplete_keeps_auth_refused, teardown),
		cmocka_unit_test(causes_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
