/* Issue 13: every certificate rule, end to end and per protocol. Certificates are generated here
 * (root -> intermediate -> leaf, through the OpenSSL API), checked by crypto/certcheck.c at a fixed
 * time, turned into observations by probes/cert_obs.c for IKEv2 and for SSTP, put next to the
 * observations of an otherwise healthy server (IKEv2 up to the EAP request, SSTP up to the Call
 * Connect Ack), and the rules decide. The table below is the per-protocol verdict of each case, as
 * the sources say (the basis is asserted too): IKEv2 (IKEEXT) and SSTP (CryptoAPI/Schannel) apart.
 * The first row failed before issue 13: a certificate without an EKU extension gave IKEv2 "works". */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/certcheck.h"
#include "probes/cert_obs.h"
#include "rules/rules.h"

#define NOW ((time_t)1700000000)
#define DAY 86400L
#define IKEV2 0 /* protocol indexes in struct diagnosis */
#define SSTP 2

struct ca {
	EVP_PKEY *key;
	X509 *cert;
};
static struct ca g_root, g_inter, g_inter_sha1;
static EVP_PKEY *g_ec, *g_rsa1024, *g_rsa768;
static struct certcheck_trust *g_trust;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
}

/* A critical extension with a private OID no verifier knows. */
static void add_unknown_critical(X509 *x)
{
	static const unsigned char val[] = {0x0c, 0x04, 't', 'e', 's', 't'}; /* UTF8String "test" */
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.13.1", 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	assert_non_null(oid);
	assert_non_null(os);
	assert_int_equal(ASN1_OCTET_STRING_set(os, val, sizeof val), 1);
	X509_EXTENSION *ex = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, os);
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
}

struct spec {
	const char *cn;
	const char *san;  /* NULL: no SAN extension */
	const char *eku;  /* NULL: no EKU extension */
	const char *ku;   /* NULL: no Key Usage extension */
	bool critical;    /* add an unknown critical extension */
	long nb;          /* notBefore, seconds from NOW */
	const EVP_MD *md; /* NULL: SHA-256 */
	bool ca;
};

static X509 *mkcert(const struct spec *s, EVP_PKEY *key, const struct ca *issuer)
{
	static long serial = 1;
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, s->nb ? s->nb : -DAY, &(time_t){NOW});
	X509_time_adj_ex(X509_getm_notAfter(x), 0, 3650 * DAY, &(time_t){NOW});
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"vpndiag test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : n);
	X509 *icert = issuer ? issuer->cert : x;
	add_ext(x, icert, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (s->ca)
		add_ext(x, icert, NID_key_usage, "critical,keyCertSign,cRLSign");
	else if (s->ku)
		add_ext(x, icert, NID_key_usage, s->ku);
	add_ext(x, icert, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, icert, NID_authority_key_identifier, "keyid");
	if (s->san)
		add_ext(x, icert, NID_subject_alt_name, s->san);
	if (s->eku)
		add_ext(x, icert, NID_ext_key_usage, s->eku);
	if (s->critical)
		add_unknown_critical(x);
	assert_true(X509_sign(x, issuer ? issuer->key : key, s->md ? s->md : EVP_sha256()) > 0);
	return x;
}

static int setup(void **state)
{
	(void)state;
	struct spec rs = {.cn = "vpndiag cert-rules root", .nb = -3650 * DAY, .ca = true};
	g_root.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_root.cert = mkcert(&rs, g_root.key, NULL);
	struct spec is = {.cn = "vpndiag cert-rules intermediate", .nb = -365 * DAY, .ca = true};
	g_inter.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_inter.cert = mkcert(&is, g_inter.key, &g_root);
	is.cn = "vpndiag cert-rules SHA-1 intermediate";
	is.md = EVP_sha1();
	g_inter_sha1.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_inter_sha1.cert = mkcert(&is, g_inter_sha1.key, &g_root);
	g_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	g_rsa768 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)768);
	assert_non_null(g_root.key);
	assert_non_null(g_ec);
	assert_non_null(g_rsa1024);
	assert_non_null(g_rsa768);

	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL, err[160];
	assert_int_equal(PEM_write_bio_X509(b, g_root.cert), 1);
	long len = BIO_get_mem_data(b, &pem);
	g_trust = certcheck_trust_new((const uint8_t *)pem, (size_t)len, err, sizeof err);
	BIO_free(b);
	assert_non_null(g_trust);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	certcheck_trust_free(g_trust);
	X509_free(g_root.cert);
	X509_free(g_inter.cert);
	X509_free(g_inter_sha1.cert);
	EVP_PKEY_free(g_root.key);
	EVP_PKEY_free(g_inter.key);
	EVP_PKEY_free(g_inter_sha1.key);
	EVP_PKEY_free(g_ec);
	EVP_PKEY_free(g_rsa1024);
	EVP_PKEY_free(g_rsa768);
	return 0;
}

static void add(struct obs_result *r, unsigned proto, enum obs_kind k, int32_t code, int64_t value, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = proto;
	o.port = proto == KB_P_SSTP ? 443 : 500;
	o.code = code;
	o.value = value;
	snprintf(o.text, sizeof o.text, "%s", text ? text : "");
	snprintf(o.evidence, sizeof o.evidence, "evidence of %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(r, &o), 0);
}

/* Everything a healthy server gives besides its certificate. */
static void healthy(struct obs_result *r)
{
	add(r, KB_P_IKEV2, OBS_IKE_ACCEPTED, 2, 0, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024");
	add(r, KB_P_IKEV2, OBS_NAT_CLIENT, 0, 0, NULL);
	add(r, KB_P_IKEV2, OBS_NAT_SERVER, 0, 0, NULL);
	add(r, KB_P_IKEV2, OBS_IKE_FRAGMENTATION, 0, 1, NULL);
	add(r, KB_P_IKEV2, OBS_IKE_AUTH_REPLY, 0, 1236, "ID(FQDN) CERTx1 AUTH EAP");
	add(r, KB_P_IKEV2, OBS_IKE_AUTH_SIGNATURE, 1, 1, "ECDSA");
	add(r, KB_P_IKEV2, OBS_IKE_AUTH_EAP, 1, 1, NULL);
	add(r, KB_P_SSTP, OBS_TCP_CONNECTED, 0, 1, NULL);
	add(r, KB_P_SSTP, OBS_TLS_HANDSHAKE, 0x0304, 3, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	struct obs *o;
	add(r, KB_P_SSTP, OBS_REVOCATION_FETCH, 0, 200, "http://crl.example.test/ca.crl");
	o = &r->obs[r->nobs - 1];
	snprintf(o->set, sizeof o->set, "crl");
	add(r, KB_P_SSTP, OBS_REVOCATION_GOOD, 0, 2000000000, "http://crl.example.test/ca.crl");
	o = &r->obs[r->nobs - 1];
	snprintf(o->set, sizeof o->set, "crl");
	add(r, KB_P_SSTP, OBS_SSTP_HTTP, 200, -2, "");
	add(r, KB_P_SSTP, OBS_SSTP_ACK, 1, 3, "SHA1 SHA256");
}

struct want {
	enum verdict v;
	const char *cause; /* the deciding finding (fails), or a finding that must be there (unknown) */
	uint32_t err;
	enum kb_basis basis;
};

struct tcase {
	const char *name;
	struct spec leaf;
	EVP_PKEY **key;          /* NULL: the P-256 key */
	bool sha1_inter;         /* issued by the SHA-1 signed intermediate */
	const char *host;
	struct want ikev2, sstp;
};

#define GOOD_SAN "DNS:vpn.example.com"
#define EKU "serverAuth,1.3.6.1.5.5.8.2.2"
#define KU "critical,digitalSignature,keyEncipherment"

static const struct tcase cases[] = {
	{"good", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_WORKS, NULL, 0, 0}, {VERDICT_WORKS, NULL, 0, 0}},
	/* [V] strongSwan: an EKU explicitly allowing server authentication; [D] 0x80070040. SSTP: CryptoAPI
	 * reads no EKU as every usage [D] but the SSTP requirements name Server Authentication [D/V]. */
	{"no EKU extension", {"vpn.example.com", GOOD_SAN, NULL, KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_FAILS, "cert-no-eku", 0x80070040u, KB_VENDOR}, {VERDICT_UNKNOWN, "cert-no-eku", 0, KB_INFERRED}},
	{"clientAuth only", {"vpn.example.com", GOOD_SAN, "clientAuth", KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_FAILS, "cert-no-server-auth-eku", 0x80070040u, KB_DOCUMENTED},
	 {VERDICT_FAILS, "cert-no-server-auth-eku", 0x800B0110u, KB_INFERRED}},
	/* SSTP: Server Authentication or Any Purpose [D: RasSstp event 21] */
	{"anyExtendedKeyUsage only", {"vpn.example.com", GOOD_SAN, "anyExtendedKeyUsage", KU, false, 0, NULL, false}, NULL, false,
	 "vpn.example.com", {VERDICT_UNKNOWN, "cert-any-eku-only", 0, KB_INFERRED}, {VERDICT_WORKS, NULL, 0, 0}},
	{"serverAuth + unknown critical extension", {"vpn.example.com", GOOD_SAN, EKU, KU, true, 0, NULL, false}, NULL, false,
	 "vpn.example.com", {VERDICT_FAILS, "cert-unknown-critical-ext", 13801, KB_INFERRED},
	 {VERDICT_FAILS, "cert-unknown-critical-ext", 0x800B0105u, KB_INFERRED}},
	{"key usage without digitalSignature", {"vpn.example.com", GOOD_SAN, EKU, "critical,keyEncipherment", false, 0, NULL, false},
	 NULL, false, "vpn.example.com", {VERDICT_UNKNOWN, "cert-ku-no-signature", 0, KB_INFERRED},
	 {VERDICT_UNKNOWN, "cert-ku-no-signature", 0, KB_INFERRED}},
	{"RSA 1024", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 0, NULL, false}, &g_rsa1024, false, "vpn.example.com",
	 {VERDICT_UNKNOWN, "cert-rsa-key-short", 0, KB_INFERRED}, {VERDICT_UNKNOWN, "cert-rsa-key-short", 0, KB_INFERRED}},
	/* [D] KB 2661254: RSA under 1024 bits blocked by CertGetCertificateChain */
	{"RSA 768", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 0, NULL, false}, &g_rsa768, false, "vpn.example.com",
	 {VERDICT_FAILS, "cert-rsa-key-blocked", 13801, KB_INFERRED}, {VERDICT_FAILS, "cert-rsa-key-blocked", 0, KB_INFERRED}},
	{"SHA-1 signed leaf", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_UNKNOWN, "cert-weak-signature", 0, KB_INFERRED}, {VERDICT_UNKNOWN, "cert-weak-signature", 0, KB_INFERRED}},
	{"SHA-1 signed intermediate", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 0, NULL, false}, NULL, true, "vpn.example.com",
	 {VERDICT_UNKNOWN, "cert-weak-signature", 0, KB_INFERRED}, {VERDICT_UNKNOWN, "cert-weak-signature", 0, KB_INFERRED}},
	{"not yet valid", {"vpn.example.com", GOOD_SAN, EKU, KU, false, 2 * DAY, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_FAILS, "cert-not-yet-valid", 13801, KB_INFERRED}, {VERDICT_FAILS, "cert-not-yet-valid", 0x800B0101u, KB_INFERRED}},
	/* SSTP: wildcard certificates are supported [V: Hicks] */
	{"wildcard dNSName SAN", {"*.example.com", "DNS:*.example.com", EKU, KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_UNKNOWN, "cert-wildcard-name", 0, KB_INFERRED}, {VERDICT_WORKS, NULL, 0, 0}},
	{"wildcard in the CN only", {"*.example.com", NULL, EKU, KU, false, 0, NULL, false}, NULL, false, "vpn.example.com",
	 {VERDICT_UNKNOWN, "cert-wildcard-name", 0, KB_INFERRED}, {VERDICT_UNKNOWN, "cert-name-unconfirmed", 0, KB_INFERRED}},
	/* [V] strongSwan: an IP as a dNSName SAN works for IKEv2, an iPAddress SAN gives 13801 */
	{"IP host, dNSName SAN", {"vpn.example.com", "DNS:vpn.example.com,DNS:198.18.0.1", EKU, KU, false, 0, NULL, false}, NULL,
	 false, "198.18.0.1", {VERDICT_WORKS, NULL, 0, 0}, {VERDICT_UNKNOWN, "cert-name-unconfirmed", 0, KB_INFERRED}},
	{"IP host, iPAddress SAN only", {"vpn.example.com", "DNS:vpn.example.com,IP:198.18.0.1", EKU, KU, false, 0, NULL, false},
	 NULL, false, "198.18.0.1", {VERDICT_FAILS, "cert-ip-san", 13801, KB_VENDOR},
	 {VERDICT_UNKNOWN, "cert-ip-san", 0x800B010Fu, KB_INFERRED}},
};

static const struct finding *finding(const struct diagnosis *d, unsigned proto, const char *cause)
{
	for (size_t i = 0; i < d->nf; i++)
		if (d->f[i].proto == proto && strcmp(d->f[i].cause, cause) == 0)
			return &d->f[i];
	return NULL;
}

static void check_proto(const struct tcase *t, const struct diagnosis *d, int idx, unsigned proto, const struct want *w)
{
	const char *pn = idx == IKEV2 ? "IKEv2" : "SSTP";
	const struct proto_verdict *p = &d->p[idx];
	if (p->verdict != w->v)
		fail_msg("%s / %s: verdict %s, expected %s (%s)", t->name, pn, rules_verdict_name(p->verdict),
			 rules_verdict_name(w->v), p->summary);
	if (w->v == VERDICT_FAILS) {
		if (strcmp(p->cause, w->cause) != 0 || p->windows_error != w->err)
			fail_msg("%s / %s: %s 0x%08x, expected %s 0x%08x", t->name, pn, p->cause, (unsigned)p->windows_error,
				 w->cause, (unsigned)w->err);
	}
	if (w->cause) {
		const struct finding *f = finding(d, proto, w->cause);
		if (!f)
			fail_msg("%s / %s: no %s finding", t->name, pn, w->cause);
		if (f->basis != w->basis || f->windows_error != w->err)
			fail_msg("%s / %s: %s basis %d error 0x%08x, expected %d 0x%08x", t->name, pn, w->cause, (int)f->basis,
				 (unsigned)f->windows_error, (int)w->basis, (unsigned)w->err);
		if (w->v == VERDICT_UNKNOWN && f->severity != SEV_WARNING)
			fail_msg("%s / %s: %s is not a warning", t->name, pn, w->cause);
		if (f->nevidence == 0)
			fail_msg("%s / %s: %s has no evidence", t->name, pn, w->cause);
	}
}

static void run_case(const struct tcase *t)
{
	const struct ca *issuer = t->sha1_inter ? &g_inter_sha1 : &g_inter;
	struct spec s = t->leaf;
	if (strcmp(t->name, "SHA-1 signed leaf") == 0)
		s.md = EVP_sha1();
	X509 *leaf = mkcert(&s, t->key ? *t->key : g_ec, issuer);
	unsigned char *der[2] = {NULL, NULL};
	int l0 = i2d_X509(leaf, &der[0]), l1 = i2d_X509(issuer->cert, &der[1]);
	assert_true(l0 > 0 && l1 > 0);
	struct certcheck_der chain[2] = {{der[0], (size_t)l0}, {der[1], (size_t)l1}};
	struct certcheck_input in = {.chain = chain, .nchain = 2, .host = t->host, .trust = g_trust, .now = NOW};
	struct certcheck c;
	char err[160];
	assert_int_equal(certcheck_run(&in, &c, err, sizeof err), 0);

	struct obs_result r;
	static struct diagnosis d;
	memset(&r, 0, sizeof r);
	snprintf(r.host, sizeof r.host, "%s", t->host);
	r.selected = r.probed = KB_P_IKEV2 | KB_P_SSTP;
	r.timeout_ms = 5000;
	healthy(&r);
	assert_int_equal(cert_observe_result(&r, &c, KB_P_IKEV2), 0);
	assert_int_equal(cert_observe_result(&r, &c, KB_P_SSTP), 0);
	rules_evaluate(&r, &d);
	check_proto(t, &d, IKEV2, KB_P_IKEV2, &t->ikev2);
	check_proto(t, &d, SSTP, KB_P_SSTP, &t->sstp);
	/* A warning never lets a protocol "work". */
	for (size_t i = 0; i < d.nf; i++)
		if (d.f[i].severity == SEV_WARNING)
			assert_int_not_equal(d.p[d.f[i].proto == KB_P_IKEV2 ? IKEV2 : SSTP].verdict, VERDICT_WORKS);
	obs_result_free(&r);
	certcheck_free(&c);
	OPENSSL_free(der[0]);
	OPENSSL_free(der[1]);
	X509_free(leaf);
}

static void every_case_per_protocol(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
}

/* The facts behind the table, from certcheck directly. */
static void facts(void **state)
{
	(void)state;
	struct spec s = {"*.example.com", NULL, NULL, "critical,keyEncipherment", true, 0, NULL, false};
	X509 *leaf = mkcert(&s, g_rsa1024, &g_inter_sha1);
	unsigned char *der[2] = {NULL, NULL};
	int l0 = i2d_X509(leaf, &der[0]), l1 = i2d_X509(g_inter_sha1.cert, &der[1]);
	struct certcheck_der chain[2] = {{der[0], (size_t)l0}, {der[1], (size_t)l1}};
	struct certcheck_input in = {.chain = chain, .nchain = 2, .host = "vpn.example.com", .trust = g_trust, .now = NOW};
	struct certcheck c;
	char err[160];
	assert_int_equal(certcheck_run(&in, &c, err, sizeof err), 0);
	assert_false(c.has_eku_ext);
	assert_true(c.has_ku_ext);
	assert_int_equal(c.ku_bits & CERTCHECK_KU_DIGITAL_SIGNATURE, 0);
	assert_int_equal(c.ncritical_unknown, 1);
	assert_string_equal(c.critical_unknown, "1.3.6.1.4.1.99999.13.1");
	assert_true(c.ca_sig_weak);
	assert_string_equal(c.ca_sig_hash, "sha1");
	assert_int_equal(c.ca_sig_weak_depth, 1);
	assert_true(c.name_ok && c.name_wildcard_cn && !c.name_in_dns_san && !c.name_exact_cn);
	assert_string_equal(c.name_pattern, "*.example.com");
	assert_int_equal(c.key_bits, 1024);
	struct obs_result r;
	memset(&r, 0, sizeof r);
	assert_int_equal(cert_observe_result(&r, &c, KB_P_SSTP), 0);
	static const enum obs_kind want[] = {OBS_CERT_NO_EKU, OBS_CERT_KU_NO_SIGNATURE, OBS_CERT_CRITICAL_EXT,
					     OBS_CERT_RSA_SHORT, OBS_CERT_CA_WEAK_SIGNATURE, OBS_CERT_NAME_MATCH};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		bool seen = false;
		for (size_t i = 0; i < r.nobs; i++)
			if (r.obs[i].kind == want[k]) {
				seen = true;
				if (want[k] == OBS_CERT_NAME_MATCH)
					assert_int_equal(r.obs[i].code, 8);
				if (want[k] == OBS_CERT_RSA_SHORT)
					assert_int_equal(r.obs[i].value, 1024);
			}
		if (!seen)
			fail_msg("no %s observation", obs_kind_name(want[k]));
	}
	obs_result_free(&r);
	OPENSSL_free(der[0]);
	OPENSSL_free(der[1]);
	X509_free(leaf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_case_per_protocol),
		cmocka_unit_test(facts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
