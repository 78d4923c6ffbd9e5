/* SSTP and PPTP rules: hand-made observations in, findings and verdicts out. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/certrev.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"

#define SSTP 2 /* protocol index */
#define PPTP 3

static struct obs_result R;
static struct diagnosis D;

static void reset(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	snprintf(R.host, sizeof R.host, "vpn.example.test");
	R.selected = R.probed = KB_P_SSTP | KB_P_PPTP;
	R.timeout_ms = 10000;
}

static void obs(unsigned proto, enum obs_kind k, int32_t code, int64_t value, const char *set, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = proto;
	o.port = proto == KB_P_SSTP ? 443 : 1723;
	o.code = code;
	o.value = value;
	snprintf(o.set, sizeof o.set, "%s", set ? set : "");
	snprintf(o.text, sizeof o.text, "%s", text ? text : "");
	snprintf(o.evidence, sizeof o.evidence, "evidence of %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(&R, &o), 0);
}
#define S(k, c, v, set, t) obs(KB_P_SSTP, k, c, v, set, t)
#define Q(k, c, v, set, t) obs(KB_P_PPTP, k, c, v, set, t)

static const struct finding *find(const char *cause)
{
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, cause) == 0)
			return &D.f[i];
	return NULL;
}

/* A healthy SSTP server up to the certificate. */
static void sstp_tls_ok(void)
{
	S(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	S(OBS_TLS_HANDSHAKE, 0x0304, 3, NULL, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	S(OBS_CERT_LEAF, 1, 1, NULL, "vpn.example.test");
}

static void sstp_all_ok(void)
{
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_GOOD, 0, 2000000000, "crl", "http://crl.example.test/ca.crl");
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "SHA1 SHA256"); /* last: some tests drop it */
}

static void pptp_call_ok(void)
{
	Q(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	Q(OBS_PPTP_SCCRP, 1, 0, "1.0", "vendor \"linux\"");
	Q(OBS_PPTP_OCRP, 1, 0, NULL, "call id 7");
}

static void expect(int idx, enum verdict v, const char *cause, uint32_t err)
{
	assert_int_equal(D.p[idx].verdict, v);
	if (cause)
		assert_string_equal(D.p[idx].cause, cause);
	assert_int_equal(D.p[idx].windows_error, err);
}

static void sstp_works_only_with_everything(void **state)
{
	(void)state;
	reset();
	sstp_all_ok();
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_WORKS, NULL, 0);
	/* Without the Ack: unknown, never works. */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	/* Without a reachable revocation location: unknown (no CDP) */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_NONE, 0, 0, NULL, NULL);
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(find("cert-no-revocation-info"));
	assert_int_equal(find("cert-no-revocation-info")->windows_error, 0x80092012u);
	assert_int_equal(find("cert-no-revocation-info")->basis, KB_INFERRED);
	/* Certificate never checked: unknown. */
	reset();
	sstp_tls_ok();
	S(OBS_SSTP_CERT_UNCHECKED, 0, 0, NULL, "no store");
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
}

static void sstp_transport(void **state)
{
	(void)state;
	reset();
	S(OBS_TCP_NO_ANSWER, 0, 5000, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "tcp443-filtered", 809);
	assert_int_equal(find("tcp443-filtered")->basis, KB_VENDOR);
	reset();
	S(OBS_TCP_REFUSED, 0, 0, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "tcp443-refused", 809);
	assert_int_equal(find("tcp443-refused")->basis, KB_INFERRED);
	reset();
	S(OBS_TCP_UNREACHABLE, 113, 0, NULL, "No route to host");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "tcp443-filtered", 809);
	assert_int_equal(find("tcp443-filtered")->basis, KB_INFERRED);
}

static void sstp_tls(void **state)
{
	(void)state;
	reset();
	S(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	S(OBS_TLS_FAILED, 70, 0, NULL, "unsupported protocol");
	S(OBS_TLS_LEGACY_ONLY, 0x0301, 0, NULL, "TLSv1 AES256-SHA");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "tls-version-too-old", 0x80090331u);
	assert_null(find("tls-handshake-failed"));
	reset();
	S(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	S(OBS_TLS_FAILED, 40, 0, NULL, "handshake failure");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "tls-handshake-failed", 0x80090326u);
}

static void sstp_certificates(void **state)
{
	(void)state;
	static const struct {
		enum obs_kind k;
		const char *cause;
		uint32_t err;
		enum kb_basis basis;
	} cases[] = {
		{OBS_CERT_UNTRUSTED_ROOT, "cert-untrusted-root", 0x800B0109u, KB_DOCUMENTED},
		{OBS_CERT_MISSING_INTERMEDIATE, "cert-missing-intermediate", 0x800B010Au, KB_INFERRED},
		{OBS_CERT_EXPIRED, "cert-expired", 0x800B0101u, KB_VENDOR},
		{OBS_CERT_NOT_YET_VALID, "cert-not-yet-valid", 0x800B0101u, KB_INFERRED}, /* issue 13: own cause, inferred code */
		{OBS_CERT_NAME_MISMATCH, "cert-name-mismatch", 0x800B010Fu, KB_DOCUMENTED},
		{OBS_CERT_NO_SERVER_AUTH_EKU, "cert-no-server-auth-eku", 0x800B0110u, KB_INFERRED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		reset();
		sstp_tls_ok();
		S(cases[i].k, 0, 1, NULL, "x");
		S(OBS_SSTP_HTTP, 200, -2, NULL, "");
		S(OBS_SSTP_ACK, 1, 3, NULL, "");
		rules_evaluate(&R, &D);
		expect(SSTP, VERDICT_FAILS, cases[i].cause, cases[i].err);
		assert_int_equal(find(cases[i].cause)->basis, cases[i].basis);
	}
	/* An expired certificate also fails chain verification: the specific finding decides. */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_INVALID, 10, 0, NULL, "certificate has expired");
	S(OBS_CERT_EXPIRED, 0, 0, NULL, "2021-01-01");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "cert-expired", 0x800B0101u);
	assert_null(find("cert-chain-invalid"));
	/* Missing intermediate that Windows can fetch from AIA: a warning, not a failure. */
	reset();
	sstp_all_ok();
	R.nobs--; /* drop the Ack again below: keep it simple, re-add */
	S(OBS_SSTP_ACK, 1, 3, NULL, "");
	S(OBS_CERT_MISSING_INTERMEDIATE, 0, 1, NULL, "http://ca.example.test/int.crt");
	S(OBS_REVOCATION_FETCH, 0, 200, "aia", "http://ca.example.test/int.crt");
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[SSTP].verdict, VERDICT_UNKNOWN);
	assert_int_equal(find("cert-missing-intermediate")->severity, SEV_WARNING);
}

static void sstp_revocation(void **state)
{
	(void)state;
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_FETCH, 7, 0, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_FETCH, 28, 0, "ocsp", "http://ocsp.example.test");
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "crl-unreachable", 0x80092013u);
	assert_int_equal(find("crl-unreachable")->basis, KB_VENDOR);
	assert_true(find("crl-unreachable")->nevidence >= 2);
	/* A CRL URL that answers 404: not published, the same failure. */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_FETCH, 0, 404, "crl", "http://crl.example.test/ca.crl");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "crl-unreachable", 0x80092013u);
	/* One of two reachable: fine. An OCSP responder answering any HTTP status counts. */
	reset();
	sstp_all_ok();
	S(OBS_REVOCATION_FETCH, 7, 0, "crl", "http://crl2.example.test/ca.crl");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_WORKS, NULL, 0);
	/* Only LDAP: not fetched, unknown with a warning. */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_REVOCATION_FETCH, -1, 0, "crl", "ldap:///CN=ca");
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(find("revocation-unchecked"));
}

/* Issue 11: a revocation location counts only with a verified answer (crypto/certrev.c facts). */
static void sstp_tls_chain_handshake(void)
{
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ACK, 1, 3, NULL, "SHA1 SHA256");
}

static void sstp_revocation_verified(void **state)
{
	(void)state;
	/* A CDP answering HTTP 200 with junk: was "works"; Windows cannot use it: 0x80092013 [inferred]. */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_INVALID, CERTREV_WHY_NOT_PARSED, 4096, "crl", "the answer is not a DER or PEM CRL");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "crl-unreachable", 0x80092013u);
	assert_int_equal(find("crl-unreachable")->basis, KB_INFERRED);
	/* A stale CRL: the same code, documented (KB 2980672: the CRL expired). */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_INVALID, CERTREV_WHY_STALE, 164, "crl", "the CRL is stale");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "crl-unreachable", 0x80092013u);
	assert_int_equal(find("crl-unreachable")->basis, KB_DOCUMENTED);
	/* An OCSP responder answering HTTP 500 (was counted as "reachable") and nothing else. */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 0, 500, "ocsp", "http://ocsp.example.test");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "crl-unreachable", 0x80092013u);
	/* Revoked, even when another source says good: 0x80092010, documented. */
	reset();
	sstp_all_ok();
	S(OBS_REVOCATION_FETCH, 0, 200, "ocsp", "http://ocsp.example.test");
	S(OBS_CERT_REVOKED, 1, 1700000000, "ocsp", "http://ocsp.example.test");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "cert-revoked", 0x80092010u);
	assert_int_equal(find("cert-revoked")->basis, KB_DOCUMENTED);
	assert_null(find("crl-unreachable"));
	/* Good through OCSP only, the CRL unreachable: works. */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 7, 0, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_FETCH, 0, 200, "ocsp", "http://ocsp.example.test");
	S(OBS_REVOCATION_GOOD, 0, 0, "ocsp", "http://ocsp.example.test");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_WORKS, NULL, 0);
	/* Undecidable here (a CRL over our bound, no issuer known): unknown, no failure, says why. */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	S(OBS_REVOCATION_INVALID, CERTREV_WHY_TOO_LARGE, 9000000, "crl", "too large");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_null(find("crl-unreachable"));
	assert_non_null(strstr(D.p[SSTP].summary, "evidence of revocation-invalid"));
	/* HTTP 200 with no verdict recorded: decides nothing. */
	reset();
	sstp_tls_chain_handshake();
	S(OBS_REVOCATION_FETCH, 0, 200, "crl", "http://crl.example.test/ca.crl");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_null(find("crl-unreachable"));
}

/* Issue 11: an Ack without a valid Crypto Binding Request is not a working server. */
static void sstp_ack_binding(void **state)
{
	(void)state;
	reset();
	sstp_all_ok();
	R.nobs--; /* the valid Ack */
	S(OBS_SSTP_ACK, 0, -1, NULL, "");
	S(OBS_SSTP_ACK_NO_BINDING, 0, 0, NULL, "no Crypto Binding Request attribute");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "sstp-ack-no-crypto-binding", 0);
	assert_int_equal(find("sstp-ack-no-crypto-binding")->basis, KB_INFERRED);
	/* an Ack not marked valid, without the finding: never works */
	reset();
	sstp_all_ok();
	R.nobs--;
	S(OBS_SSTP_ACK, 0, 3, NULL, "");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
}

/* Issue 11: a chain over the bound: unknown with what would decide, never works (SSTP and IKEv2). */
static void cert_chain_too_long(void **state)
{
	(void)state;
	reset();
	sstp_all_ok();
	S(OBS_CERT_CHAIN_TOO_LONG, 64, 70, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(find("cert-chain-too-long"));
	assert_non_null(strstr(D.p[SSTP].summary, "more certificates than this tool checks"));
	/* IKEv2: everything "works" needs, plus the bound hit. */
	reset();
	R.selected = R.probed = KB_P_IKEV2;
	struct obs o;
	static const enum obs_kind kinds[] = {OBS_IKE_ACCEPTED, OBS_IKE_AUTH_REPLY, OBS_IKE_AUTH_SIGNATURE, OBS_CERT_LEAF,
					      OBS_CERT_CHAIN_OK, OBS_IKE_AUTH_EAP};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		memset(&o, 0, sizeof o);
		o.kind = kinds[i];
		o.proto = KB_P_IKEV2;
		o.port = 500;
		o.value = 1;
		o.code = 1;
		snprintf(o.text, sizeof o.text, "x");
		assert_int_equal(obs_result_add(&R, &o), 0);
	}
	rules_evaluate(&R, &D);
	assert_int_equal(D.p[0].verdict, VERDICT_WORKS); /* the baseline: these make IKEv2 work */
	o.kind = OBS_CERT_CHAIN_TOO_LONG;
	o.value = 20;
	o.code = 12;
	assert_int_equal(obs_result_add(&R, &o), 0);
	rules_evaluate(&R, &D);
	assert_int_not_equal(D.p[0].verdict, VERDICT_WORKS);
	assert_non_null(find("cert-chain-too-long"));
	/* a revoked certificate seen on IKEv2: a warning (IKEEXT soft-fails by default) */
	R.nobs--;
	o.kind = OBS_CERT_REVOKED;
	assert_int_equal(obs_result_add(&R, &o), 0);
	rules_evaluate(&R, &D);
	assert_non_null(find("cert-revoked"));
	assert_int_equal(find("cert-revoked")->severity, SEV_WARNING);
}

static void sstp_handshake(void **state)
{
	(void)state;
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_SSTP_HTTP, 404, -1, NULL, "nginx");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "not-sstp-server", 0);
	reset();
	sstp_tls_ok();
	S(OBS_SSTP_HTTP_BAD, 0, 0, NULL, "the response head is endless");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "not-sstp-server", 0);
	reset();
	sstp_tls_ok();
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_NAK, 4, 1, NULL, "VALUE_NOT_SUPPORTED");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "sstp-nak", 0);
	reset();
	sstp_tls_ok();
	S(OBS_SSTP_HTTP, 200, -2, NULL, "");
	S(OBS_SSTP_ABORT, 5, -1, NULL, "CALL_ABORT");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_FAILS, "sstp-nak", 0);
	/* A trickling server: a warning, the verdict stays unknown (Windows waits 60 s). */
	reset();
	sstp_tls_ok();
	S(OBS_CERT_CHAIN_OK, 1, 2, NULL, NULL);
	S(OBS_SSTP_SLOW, 5000, 37, NULL, "the HTTP response head");
	rules_evaluate(&R, &D);
	expect(SSTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(find("sstp-slow-server"));
}

static void pptp_rules_all(void **state)
{
	(void)state;
	reset();
	pptp_call_ok();
	Q(OBS_GRE_REPLY, 1, 2, NULL, "GRE call id 7 seq 0: PPP LCP Configure-Request id 1 magic 0x11223344");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_WORKS, NULL, 0);
	assert_non_null(find("pptp-insecure"));
	/* No GRE back: 806, documented. */
	reset();
	pptp_call_ok();
	Q(OBS_GRE_NO_REPLY, 3000, 3, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "gre-blocked", 806);
	assert_int_equal(find("gre-blocked")->basis, KB_DOCUMENTED);
	assert_non_null(find("pptp-insecure"));
	/* GRE not tested (no privilege): unknown, never works. */
	reset();
	pptp_call_ok();
	Q(OBS_GRE_NOT_TESTED, 0, 0, NULL, "no privilege to open a raw GRE socket (CAP_NET_RAW)");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(strstr(D.p[PPTP].summary, "CAP_NET_RAW"));
	assert_non_null(find("gre-not-tested"));
	/* Ports. */
	reset();
	Q(OBS_TCP_REFUSED, 0, 0, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "tcp1723-refused", 800);
	assert_non_null(find("pptp-insecure"));
	reset();
	Q(OBS_TCP_NO_ANSWER, 0, 5000, NULL, NULL);
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "tcp1723-filtered", 800);
	/* Negative replies. */
	reset();
	Q(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	Q(OBS_PPTP_SCCRP, 4, 0, "1.0", "");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "pptp-control-rejected", 619);
	reset();
	Q(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	Q(OBS_PPTP_SCCRP, 1, 0, "1.0", "");
	Q(OBS_PPTP_OCRP, 7, 0, NULL, "");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "pptp-control-rejected", 619);
	reset();
	Q(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
	Q(OBS_PPTP_NO_REPLY, 5000, 0, NULL, "Start-Control-Connection-Request");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "pptp-control-rejected", 619);
}

/* GRE that is not the server's (issue 11: our own LCP Configure-Request reflected back was taken
 * for the server's GRE) never gives "works", whatever else came with it. */
static void pptp_gre_reflected_never_works(void **state)
{
	(void)state;
	static const int32_t classes[] = {2, 3, 4};
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		/* With a reply from the server as well: still not "works". */
		reset();
		pptp_call_ok();
		Q(OBS_GRE_REPLY, 1, 1, NULL, "GRE call id 7: PPP LCP Configure-Ack id 1");
		Q(OBS_GRE_REFLECTED, classes[i], 3, NULL, "from 198.18.0.1, GRE call id 7 seq 0: PPP LCP Configure-Request id 1");
		rules_evaluate(&R, &D);
		assert_int_not_equal(D.p[PPTP].verdict, VERDICT_WORKS);
		expect(PPTP, VERDICT_UNKNOWN, NULL, 0);
		assert_non_null(strstr(D.p[PPTP].summary, "not the server's"));
		assert_false(D.p[PPTP].checks_passed);
		/* Only the reflection, no reply: GRE is blocked (806), and the evidence says what came. */
		reset();
		pptp_call_ok();
		Q(OBS_GRE_NO_REPLY, 5000, 5, NULL, NULL);
		Q(OBS_GRE_REFLECTED, classes[i], 5, NULL, "our own");
		rules_evaluate(&R, &D);
		expect(PPTP, VERDICT_FAILS, "gre-blocked", 806);
		const struct finding *f = find("gre-blocked");
		bool named = false;
		for (size_t k = 0; k < f->nevidence; k++)
			named = named || strstr(f->evidence[k], "gre-reflected");
		assert_true(named);
	}
	/* GRE on our call from another address: not the server's; no reply from it is 806. */
	reset();
	pptp_call_ok();
	Q(OBS_GRE_NO_REPLY, 5000, 5, NULL, NULL);
	Q(OBS_GRE_WRONG_SOURCE, 5, 5, NULL, "from 198.18.0.99, GRE call id 7: PPP LCP Configure-Ack id 1");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_FAILS, "gre-blocked", 806);
	assert_non_null(strstr(D.p[PPTP].summary, "another address"));
	reset();
	pptp_call_ok();
	Q(OBS_GRE_REPLY, 1, 1, NULL, "GRE call id 7: PPP LCP Configure-Ack id 1");
	Q(OBS_GRE_WRONG_SOURCE, 5, 5, NULL, "from 198.18.0.99");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_UNKNOWN, NULL, 0);
	/* The server's GRE on our call, but no PPP LCP in it: undecided, not "works". */
	reset();
	pptp_call_ok();
	Q(OBS_GRE_REPLY, 0, 3, NULL, "GRE call id 7: 40 bytes, not PPP");
	rules_evaluate(&R, &D);
	expect(PPTP, VERDICT_UNKNOWN, NULL, 0);
	assert_non_null(strstr(D.p[PPTP].summary, "not PPP LCP"));
	/* Hostile control connections: each named, none "works". */
	static const enum obs_kind hostile[] = {OBS_PPTP_BAD_REPLY, OBS_PPTP_NO_REPLY, OBS_TCP_CLOSED};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		reset();
		Q(OBS_TCP_CONNECTED, 0, 1, NULL, NULL);
		Q(OBS_PPTP_SCCRP, 1, 0, "1.0", "");
		Q(hostile[i], 1, 0, NULL, "control message length 0 (a message is 12..1024 bytes)");
		rules_evaluate(&R, &D);
		expect(PPTP, VERDICT_FAILS, "pptp-control-rejected", 619);
	}
}

/* Every error the SSTP and PPTP rules predict exists in the knowledge base. */
static void predicted_errors_in_kb(void **state)
{
	(void)state;
	struct kb kb;
	char err[300];
	assert_int_equal(kb_load_builtin(&kb, err, sizeof err), 0);
	const struct rules_row *rows;
	size_t n = rules_table(&rows), mine = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(rows[i].protos & (KB_P_SSTP | KB_P_PPTP)) || rows[i].protos == KB_P_ALL)
			continue;
		mine++;
		if (rows[i].windows_error && !kb_find_code(&kb, rows[i].windows_error))
			fail_msg("rule %s predicts 0x%08x, which the knowledge base lacks", rows[i].cause,
				 (unsigned)rows[i].windows_error);
		/* An error without a public source is marked inferred. */
		if (!rows[i].windows_error && rows[i].severity == SEV_FAILURE)
			assert_int_equal(rows[i].basis, KB_INFERRED);
	}
	assert_true(mine >= 20);
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
		cmocka_unit_test_teardown(sstp_works_only_with_everything, teardown),
		cmocka_unit_test_teardown(sstp_transport, teardown),
		cmocka_unit_test_teardown(sstp_tls, teardown),
		cmocka_unit_test_teardown(sstp_certificates, teardown),
		cmocka_unit_test_teardown(sstp_revocation, teardown),
		cmocka_unit_test_teardown(sstp_revocation_verified, teardown),
		cmocka_unit_test_teardown(sstp_ack_binding, teardown),
		cmocka_unit_test_teardown(cert_chain_too_long, teardown),
		cmocka_unit_test_teardown(sstp_handshake, teardown),
		cmocka_unit_test_teardown(pptp_rules_all, teardown),
		cmocka_unit_test_teardown(pptp_gre_reflected_never_works, teardown),
		cmocka_unit_test_teardown(predicted_errors_in_kb, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
