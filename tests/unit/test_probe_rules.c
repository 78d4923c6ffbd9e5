/* Rules: hand-made observations in, findings and verdicts out. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "kb/kb.h"
#include "profile/profile.h"
#include "rules/rules.h"

static struct obs_result R;
static struct diagnosis D;

static void reset(unsigned selected, unsigned probed)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	snprintf(R.host, sizeof R.host, "vpn.example.test");
	R.selected = selected;
	R.probed = probed;
	R.timeout_ms = 10000;
}

static void obs(enum obs_kind k, uint16_t port, bool natt, int32_t code, int64_t value, const char *set, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = k == OBS_DNS_FAILED ? 0 : KB_P_IKEV2;
	o.port = port;
	o.natt = natt;
	o.code = code;
	o.value = value;
	snprintf(o.set, sizeof o.set, "%s", set ? set : "");
	snprintf(o.text, sizeof o.text, "%s", text ? text : "");
	snprintf(o.evidence, sizeof o.evidence, "evidence of %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(&R, &o), 0);
}

static struct ike2_proposal prop(uint16_t encr, uint16_t keylen, uint16_t integ, uint16_t prf, uint16_t dh)
{
	struct ike2_proposal p;
	memset(&p, 0, sizeof p);
	p.num = 1;
	p.protocol = 1;
	p.t[p.ntransforms++] = (struct ike2_transform){IKE2_T_ENCR, encr, keylen};
	if (integ)
		p.t[p.ntransforms++] = (struct ike2_transform){IKE2_T_INTEG, integ, 0};
	p.t[p.ntransforms++] = (struct ike2_transform){IKE2_T_PRF, prf, 0};
	p.t[p.ntransforms++] = (struct ike2_transform){IKE2_T_DH, dh, 0};
	return p;
}

static void accepted(uint16_t port, bool natt, const char *text)
{
	obs(OBS_IKE_ACCEPTED, port, natt, 2, 0, "default", text);
	R.obs[R.nobs - 1].has_prop = true;
	R.obs[R.nobs - 1].prop = prop(IKE2_ENCR_3DES, 0, IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1, 2);
}

static const struct finding *find(const char *cause)
{
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, cause) == 0)
			return &D.f[i];
	return NULL;
}

static void assert_never_works(void)
{
	for (int i = 0; i < PROTO_COUNT; i++)
		assert_int_not_equal(D.p[i].verdict, VERDICT_WORKS);
	assert_int_equal(D.recommended, -1);
}

static void dns_failure(void **state)
{
	(void)state;
	reset(KB_P_ALL, KB_P_IKEV2);
	obs(OBS_DNS_FAILED, 0, false, 1, 0, NULL, "Name or service not known");
	rules_evaluate(&R, &D);
	for (int i = 0; i < PROTO_COUNT; i++) {
		assert_int_equal(D.p[i].verdict, VERDICT_FAILS);
		assert_int_equal(D.p[i].windows_error, 868);
		assert_string_equal(D.p[i].cause, "dns-failure");
	}
	/* Only the selected protocols. */
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_DNS_FAILED, 0, false, 1, 0, NULL, "x");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[2].verdict, VERDICT_NOT_PROBED);
	assert_never_works();
}

static void udp500_filtered(void **state)
{
	(void)state;
	reset(KB_P_ALL, KB_P_IKEV2);
	obs(OBS_UDP_NO_ANSWER, 500, false, 7000, 4, "default", NULL);
	obs(OBS_UDP_NO_ANSWER, 4500, true, 7000, 4, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[0].windows_error, 809);
	assert_string_equal(D.p[0].cause, "udp500-filtered");
	assert_non_null(strstr(D.p[0].summary, "no answer"));
	assert_null(strstr(D.p[0].summary, "closed"));
	const struct finding *f = find("udp500-filtered");
	assert_non_null(f);
	assert_true(f->nfixes >= 1);
	assert_non_null(strstr(f->fixes[0].command, "4500"));
	assert_null(find("udp4500-filtered")); /* 500 silent: 4500 is not the cause */
	/* The other protocols have no probe. */
	assert_int_equal(D.p[1].verdict, VERDICT_NOT_PROBED);
	assert_non_null(strstr(D.p[1].summary, "no probe"));
	assert_never_works();
}

static void udp500_unreachable(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_UDP_ICMP, 500, false, 3, 13, "default", "admin-prohibited");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[0].windows_error, 809);
	assert_string_equal(D.p[0].cause, "udp500-unreachable");
	assert_non_null(strstr(D.p[0].summary, "prohibited"));
	const struct finding *f = find("udp500-unreachable");
	assert_non_null(f);
	assert_string_equal(f->evidence[0], "evidence of udp-icmp");
	assert_null(find("udp500-filtered"));
}

static void accepted_is_unknown(void **state)
{
	(void)state;
	reset(KB_P_ALL, KB_P_IKEV2);
	accepted(500, false, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	accepted(4500, true, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	obs(OBS_NAT_CLIENT, 500, false, 0, 0, "default", NULL);
	obs(OBS_NAT_SERVER, 500, false, 0, 0, "default", NULL);
	obs(OBS_IKE_FRAGMENTATION, 500, false, 0, 1, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_true(D.p[0].checks_passed);
	assert_int_equal(D.p[0].windows_error, 0);
	assert_string_equal(D.p[0].cause, "");
	assert_non_null(strstr(D.p[0].summary, "accepts Windows' proposals (3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024)"));
	assert_non_null(strstr(D.p[0].summary, "not yet checked: the server certificate in IKE_AUTH"));
	assert_int_equal(D.nat_client, 0);
	assert_int_equal(D.nat_server, 0);
	assert_int_equal(D.nf, 0);
	assert_never_works();
}

static void proposal_mismatch_registry(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "default", "NO_PROPOSAL_CHOSEN");
	obs(OBS_UDP_NO_ANSWER, 4500, true, 7000, 4, "default", NULL);
	obs(OBS_IKE_ALT_ACCEPTED, 500, false, 14, 0, "negotiatedh2048", "AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
	struct obs *o = &R.obs[R.nobs - 1];
	o->has_prop = true;
	o->prop = prop(IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1, IKE2_DH_MODP2048);
	obs(OBS_IKE_ALT_ACCEPTED, 500, false, 19, 0, "ecp256", "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256");
	o = &R.obs[R.nobs - 1];
	o->has_prop = true;
	o->prop = prop(IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA2_256_128, IKE2_PRF_HMAC_SHA2_256, IKE2_DH_ECP256);
	obs(OBS_IKE_ALT_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "aes-gcm", "NO_PROPOSAL_CHOSEN");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[0].windows_error, 13868);
	assert_string_equal(D.p[0].cause, "proposal-mismatch");
	const struct finding *f = find("proposal-mismatch");
	assert_non_null(f);
	assert_int_equal(f->basis, KB_VENDOR);
	assert_non_null(strstr(f->fixes[0].command, "NegotiateDH2048_AES256 /t REG_DWORD /d 1"));
	/* The custom-policy alternative is built from the proposal the server chose. */
	bool ps = false;
	for (size_t i = 0; i < f->nfixes; i++)
		ps = ps || (strstr(f->fixes[i].command, "Set-VpnConnectionIPsecConfiguration") &&
			    strstr(f->fixes[i].command, "ECP256"));
	assert_true(ps);
	/* The 4500 silence is not reported when 500 never accepted. */
	assert_null(find("udp4500-filtered"));
}

static void proposal_mismatch_policy(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "default", "NO_PROPOSAL_CHOSEN");
	obs(OBS_IKE_ALT_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "negotiatedh2048", "NO_PROPOSAL_CHOSEN");
	obs(OBS_IKE_ALT_ACCEPTED, 500, false, 20, 0, "ecp384", "AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384");
	struct obs *o = &R.obs[R.nobs - 1];
	o->has_prop = true;
	o->prop = prop(IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA2_384_192, IKE2_PRF_HMAC_SHA2_384, IKE2_DH_ECP384);
	rules_evaluate(&R, &D);
	const struct finding *f = find("proposal-mismatch");
	assert_non_null(f);
	const char *cmd = f->fixes[0].command;
	assert_non_null(strstr(cmd, "Set-VpnConnectionIPsecConfiguration"));
	assert_non_null(strstr(cmd, "-DHGroup ECP384"));
	assert_non_null(strstr(cmd, "-EncryptionMethod AES256"));
	assert_non_null(strstr(cmd, "-IntegrityCheckMethod SHA384"));
	assert_non_null(strstr(cmd, "-PfsGroup"));
	assert_non_null(strstr(cmd, "-Force"));
}

static void proposal_mismatch_nothing(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "default", "NO_PROPOSAL_CHOSEN");
	obs(OBS_IKE_ALT_REFUSED, 500, false, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "negotiatedh2048", "NO_PROPOSAL_CHOSEN");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].windows_error, 13868);
	assert_non_null(strstr(D.p[0].summary, "every alternative"));
}

static void udp4500_with_nat(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	accepted(500, false, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	obs(OBS_UDP_NO_ANSWER, 4500, true, 7000, 4, "default", NULL);
	obs(OBS_NAT_CLIENT, 500, false, 0, 1, "default", NULL);
	obs(OBS_NAT_SERVER, 500, false, 0, 0, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[0].windows_error, 809);
	assert_string_equal(D.p[0].cause, "udp4500-filtered");
	assert_non_null(find("client-behind-nat"));
	assert_int_equal(D.nat_client, 1);
	assert_int_equal(D.nat_server, 0);
}

static void udp4500_without_nat(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	accepted(500, false, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	obs(OBS_UDP_ICMP, 4500, true, 3, 3, "default", "port-unreachable");
	obs(OBS_NAT_CLIENT, 500, false, 0, 0, "default", NULL);
	obs(OBS_NAT_SERVER, 500, false, 0, 0, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	const struct finding *f = find("udp4500-filtered");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->basis, KB_INFERRED);
	assert_non_null(strstr(D.p[0].summary, "warning"));
}

static void server_nat_informational(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	accepted(500, false, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	accepted(4500, true, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	obs(OBS_NAT_SERVER, 500, false, 0, 1, "default", NULL);
	obs(OBS_NAT_CLIENT, 500, false, 0, 0, "default", NULL);
	obs(OBS_IKE_FRAGMENTATION, 500, false, 0, 0, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	const struct finding *f = find("server-behind-nat");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_INFO);
	assert_int_equal(f->basis, KB_INFERRED);
	assert_non_null(strstr(f->fixes[0].command, "AssumeUDPEncapsulationContextOnSendRule"));
	assert_non_null(find("ike-no-fragmentation"));
	assert_int_equal(D.nat_server, 1);
	assert_never_works();
}

static void cookie_paths(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_COOKIE, 500, false, 0, 16, "default", NULL);
	accepted(500, false, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	accepted(4500, true, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_non_null(find("ike-cookie-required"));

	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_COOKIE, 500, false, 0, 16, "default", NULL);
	obs(OBS_IKE_NO_ANSWER_AFTER_COOKIE, 500, false, 0, 4, "default", NULL);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_string_equal(D.p[0].cause, "ike-no-answer-after-cookie");
	assert_null(find("udp500-filtered")); /* the server did answer */
}

static void other_error_notify(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	obs(OBS_IKE_REFUSED, 500, false, 43, 0, "default", "TEMPORARY_FAILURE");
	obs(OBS_IKE_MS_STATUS, 500, false, 12345, 87, "default", "MS_STATUS(87)");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_FAILS);
	assert_int_equal(D.p[0].windows_error, 0);
	const struct finding *f = find("ike-error-notify");
	assert_non_null(f);
	assert_int_equal(f->basis, KB_INFERRED);
	bool ms = false;
	for (size_t i = 0; i < f->nevidence; i++)
		ms = ms || strstr(f->evidence[i], "ike-ms-status");
	assert_true(ms);
}

static void undecided(void **state)
{
	(void)state;
	reset(KB_P_IKEV2, KB_P_IKEV2);
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_false(D.p[0].checks_passed);
	assert_non_null(strstr(D.p[0].summary, "undecided"));
}

/* Every error a rule predicts is in the knowledge base; every cause id is in data/README.md. */
static void errors_and_causes_known(void **state)
{
	(void)state;
	struct kb kb;
	char err[300];
	assert_int_equal(kb_load_builtin(&kb, err, sizeof err), 0);
	const struct rules_row *rows;
	size_t n = rules_table(&rows);
	assert_true(n >= 7);
	FILE *f = fopen(VPNDIAG_SRCDIR "/data/README.md", "r");
	assert_non_null(f);
	static char readme[65536];
	size_t len = fread(readme, 1, sizeof readme - 1, f);
	readme[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		if (rows[i].windows_error && !kb_find_code(&kb, rows[i].windows_error))
			fail_msg("rule %s predicts %u, which the knowledge base lacks", rows[i].cause, (unsigned)rows[i].windows_error);
		char id[64];
		snprintf(id, sizeof id, "| `%s` |", rows[i].cause);
		if (!strstr(readme, id))
			fail_msg("cause id %s is not listed in data/README.md", rows[i].cause);
	}
	kb_free(&kb);
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
		cmocka_unit_test_teardown(dns_failure, teardown),
		cmocka_unit_test_teardown(udp500_filtered, teardown),
		cmocka_unit_test_teardown(udp500_unreachable, teardown),
		cmocka_unit_test_teardown(accepted_is_unknown, teardown),
		cmocka_unit_test_teardown(proposal_mismatch_registry, teardown),
		cmocka_unit_test_teardown(proposal_mismatch_policy, teardown),
		cmocka_unit_test_teardown(proposal_mismatch_nothing, teardown),
		cmocka_unit_test_teardown(udp4500_with_nat, teardown),
		cmocka_unit_test_teardown(udp4500_without_nat, teardown),
		cmocka_unit_test_teardown(server_nat_informational, teardown),
		cmocka_unit_test_teardown(cookie_paths, teardown),
		cmocka_unit_test_teardown(other_error_notify, teardown),
		cmocka_unit_test_teardown(undecided, teardown),
		cmocka_unit_test(errors_and_causes_known),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
