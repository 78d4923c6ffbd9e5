/* certcheck: the server certificate as facts, with certificates generated at test time through the
 * OpenSSL API (a root CA, an intermediate CA and leaves), checked at a fixed time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/certcheck.h"
#include "crypto/certrev.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "probes/cert_obs.h"

#include "../fuzz/certrev_vectors.h"

#define NOW ((time_t)1700000000)
#define DAY 86400L

struct ca {
	EVP_PKEY *key;
	X509 *cert;
};

static struct ca g_root, g_inter, g_other_root;
static EVP_PKEY *g_leafkey; /* P-256, reused */
static char g_root_file[64], g_other_file[64], g_inter_file[64];

/* Trust stores built once per PEM file (as the CLI builds one per run), freed in teardown. */
static struct {
	const char *path;
	struct certcheck_trust *t;
} g_trusts[4];

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static const struct certcheck_trust *trust_for(const char *path)
{
	size_t i, len;
	char err[160];
	if (!path)
		return NULL;
	for (i = 0; i < 4 && g_trusts[i].path; i++)
		if (strcmp(g_trusts[i].path, path) == 0)
			return g_trusts[i].t;
	assert_true(i < 4);
	uint8_t *pem = read_all(path, &len);
	g_trusts[i].t = certcheck_trust_new(pem, len, err, sizeof err);
	free(pem);
	assert_non_null(g_trusts[i].t);
	g_trusts[i].path = path;
	return g_trusts[i].t;
}

static EVP_PKEY *keygen(const char *what)
{
	EVP_PKEY *k = NULL;
	if (strcmp(what, "ed25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (strcmp(what, "rsa") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", what);
	assert_non_null(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ex = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
}

struct spec {
	const char *cn;
	const char *san;     /* "DNS:a,IP:1.2.3.4" or NULL */
	const char *eku;     /* "serverAuth,1.3.6.1.5.5.8.2.2" or NULL (no extension) */
	const char *extra_crl, *extra_aia;
	long nb, na;         /* seconds from NOW */
	const EVP_MD *md;    /* NULL: sha256 (EdDSA issuers: none) */
	bool ca;
};

static X509 *mkcert(const struct spec *s, EVP_PKEY *key, const struct ca *issuer)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n;
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, s->nb, &(time_t){NOW});
	X509_time_adj_ex(X509_getm_notAfter(x), 0, s->na, &(time_t){NOW});
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"vpndiag test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : n);
	X509 *icert = issuer ? issuer->cert : x;
	if (s->ca) {
		add_ext(x, icert, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, icert, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, icert, NID_basic_constraints, "CA:FALSE");
	}
	add_ext(x, icert, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, icert, NID_authority_key_identifier, "keyid");
	if (s->san)
		add_ext(x, icert, NID_subject_alt_name, s->san);
	if (s->eku)
		add_ext(x, icert, NID_ext_key_usage, s->eku);
	if (s->extra_crl)
		add_ext(x, icert, NID_crl_distribution_points, s->extra_crl);
	if (s->extra_aia)
		add_ext(x, icert, NID_info_access, s->extra_aia);
	EVP_PKEY *signer = issuer ? issuer->key : key;
	int id = EVP_PKEY_get_base_id(signer);
	const EVP_MD *md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? NULL : (s->md ? s->md : EVP_sha256());
	assert_true(X509_sign(x, signer, md) > 0);
	return x;
}

static void write_pem(char *path, size_t len, const char *tmpl, X509 *x)
{
	snprintf(path, len, "%s", tmpl);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	struct spec rs = {.cn = "vpndiag Test Root", .nb = -3650 * DAY, .na = 3650 * DAY, .ca = true};
	g_root.key = keygen("P-384");
	g_root.cert = mkcert(&rs, g_root.key, NULL);
	struct spec os = rs;
	os.cn = "Some Other Root";
	g_other_root.key = keygen("P-256");
	g_other_root.cert = mkcert(&os, g_other_root.key, NULL);
	struct spec is = {.cn = "vpndiag Test Intermediate", .nb = -365 * DAY, .na = 1000 * DAY, .ca = true,
			  .extra_aia = "caIssuers;URI:http://pki.example.com/root.crt"};
	g_inter.key = keygen("P-256");
	g_inter.cert = mkcert(&is, g_inter.key, &g_root);
	g_leafkey = keygen("P-256");
	write_pem(g_root_file, sizeof g_root_file, "/tmp/vpndiag-cc-root-XXXXXX", g_root.cert);
	write_pem(g_other_file, sizeof g_other_file, "/tmp/vpndiag-cc-other-XXXXXX", g_other_root.cert);
	write_pem(g_inter_file, sizeof g_inter_file, "/tmp/vpndiag-cc-inter-XXXXXX", g_inter.cert);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(g_root_file);
	unlink(g_other_file);
	unlink(g_inter_file);
	for (size_t i = 0; i < 4; i++)
		certcheck_trust_free(g_trusts[i].t);
	X509_free(g_root.cert);
	X509_free(g_inter.cert);
	X509_free(g_other_root.cert);
	EVP_PKEY_free(g_root.key);
	EVP_PKEY_free(g_inter.key);
	EVP_PKEY_free(g_other_root.key);
	EVP_PKEY_free(g_leafkey);
	return 0;
}

static const struct spec good = {.cn = "vpn.example.com", .san = "DNS:vpn.example.com",
				 .eku = "serverAuth,1.3.6.1.5.5.8.2.2", .nb = -DAY, .na = 365 * DAY};

/* Runs certcheck on leaf (+ the chain extras in order) against ca_file; frees the leaf. */
static int check(X509 *leaf, X509 *const *extra, size_t nextra, const char *host, const char *ca,
		 struct certcheck *out)
{
	unsigned char *der[8] = {0};
	struct certcheck_der chain[8];
	char err[128];
	size_t i, n = 1 + nextra;
	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		int len = i2d_X509(i == 0 ? leaf : extra[i - 1], &der[i]);
		assert_true(len > 0);
		chain[i].p = der[i];
		chain[i].len = (size_t)len;
	}
	struct certcheck_input in = {.chain = chain, .nchain = n, .host = host, .trust = trust_for(ca), .now = NOW};
	int rc = certcheck_run(&in, out, err, sizeof err);
	for (i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	X509_free(leaf);
	return rc;
}

static X509 *leaf_with(const struct spec *s)
{
	return mkcert(s, g_leafkey, &g_inter);
}

static void test_good_chain(void **state)
{
	(void)state;
	struct certcheck c;
	assert_int_equal(check(leaf_with(&good), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.parsed);
	assert_string_equal(c.subject_cn, "vpn.example.com");
	assert_non_null(strstr(c.subject, "CN=vpn.example.com"));
	assert_non_null(strstr(c.issuer, "CN=vpndiag Test Intermediate"));
	assert_int_equal(c.ndns, 1);
	assert_string_equal(c.dns[0], "vpn.example.com");
	assert_true(c.name_ok && c.name_in_dns_san && c.name_in_cn && !c.host_is_ip);
	assert_true(c.has_eku_ext && c.eku_server_auth && c.eku_ike_intermediate && !c.eku_any);
	assert_false(c.expired || c.not_yet_valid);
	assert_true(c.dates_ok);
	assert_int_equal(c.not_before, NOW - DAY);
	assert_int_equal(c.key_type, CERTCHECK_KEY_EC);
	assert_string_equal(c.curve, "P-256");
	assert_int_equal(c.key_bits, 256);
	assert_false(c.key_rejected_by_windows);
	assert_string_equal(c.sig_hash, "sha256");
	assert_false(c.sig_weak);
	assert_true(c.chain_ok);
	assert_int_equal(c.verify_error, 0);
	assert_int_equal(c.chain_len, 3);
	assert_true(c.intermediates_sent);
	assert_int_equal(c.nsent, 2);
	assert_false(c.untrusted_root || c.missing_intermediate);

	/* the same facts through the observation layer */
	struct obs_result r;
	memset(&r, 0, sizeof r);
	assert_int_equal(cert_observe_result(&r, &c, KB_P_SSTP), 0);
	bool leaf = false, ok = false;
	for (size_t i = 0; i < r.nobs; i++) {
		assert_true(r.obs[i].proto == KB_P_SSTP);
		assert_true(r.obs[i].evidence[0] != '\0');
		leaf |= r.obs[i].kind == OBS_CERT_LEAF;
		ok |= r.obs[i].kind == OBS_CERT_CHAIN_OK;
		assert_true(r.obs[i].kind == OBS_CERT_LEAF || r.obs[i].kind == OBS_CERT_CHAIN_OK ||
			    r.obs[i].kind == OBS_CERT_REVOCATION_URLS || r.obs[i].kind == OBS_CERT_NAME_MATCH ||
			    r.obs[i].kind == OBS_CERT_VALIDITY);
		if (r.obs[i].kind == OBS_CERT_NAME_MATCH) /* issue 13: an exact dNSName SAN, and the certificate has SANs */
			assert_int_equal(r.obs[i].code, 1 | 32);
	}
	assert_true(leaf && ok);
	assert_string_equal(obs_kind_name(OBS_CERT_CHAIN_OK), "cert-chain-ok");
	obs_result_free(&r);
}

static bool has_kind(const struct certcheck *c, enum obs_kind k, struct obs *found)
{
	struct obs_result r;
	bool hit = false;
	memset(&r, 0, sizeof r);
	assert_int_equal(cert_observe_result(&r, c, KB_P_IKEV2), 0);
	for (size_t i = 0; i < r.nobs; i++)
		if (r.obs[i].kind == k) {
			hit = true;
			if (found)
				*found = r.obs[i];
		}
	obs_result_free(&r);
	return hit;
}

static void test_wrong_name(void **state)
{
	(void)state;
	struct certcheck c;
	struct obs o;
	assert_int_equal(check(leaf_with(&good), &g_inter.cert, 1, "other.example.net", g_root_file, &c), 0);
	assert_false(c.name_ok || c.name_in_dns_san || c.name_in_cn);
	assert_true(c.chain_ok); /* a name problem is not a chain problem */
	assert_true(has_kind(&c, OBS_CERT_NAME_MISMATCH, &o));
	assert_string_equal(o.text, "other.example.net");
	/* CN only (no SAN) still matches a DNS host */
	struct spec s = good;
	s.san = NULL;
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "VPN.Example.COM.", g_root_file, &c), 0);
	assert_true(c.name_ok && c.name_in_cn && !c.name_in_dns_san);
}

static void test_wildcard(void **state)
{
	(void)state;
	struct certcheck c;
	struct spec s = good;
	s.cn = "wild";
	s.san = "DNS:*.example.com,DNS:*.com,DNS:w*.example.org";
	static const struct {
		const char *host;
		bool ok;
	} cases[] = {
		{"vpn.example.com", true}, {"VPN.EXAMPLE.COM", true}, {"a.b.example.com", false},
		{"example.com", false},    {"foo.com", false},         {"www.example.org", false},
		{".example.com", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, cases[i].host, g_root_file, &c), 0);
		if (c.name_ok != cases[i].ok)
			fail_msg("host %s: name_ok %d", cases[i].host, c.name_ok);
	}
	/* a wildcard never matches an IP address */
	s.san = "DNS:*.18.0.1";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "198.18.0.1", g_root_file, &c), 0);
	assert_false(c.name_ok);
}

static void test_ip_san(void **state)
{
	(void)state;
	struct certcheck c;
	struct obs o;
	struct spec s = good;
	s.san = "DNS:198.18.0.1,DNS:2001:2::1";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "198.18.0.1", g_root_file, &c), 0);
	assert_true(c.host_is_ip && c.name_in_dns_san && c.name_ok && !c.ip_only_in_ipaddress_san);
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "[2001:2:0::1]", g_root_file, &c), 0);
	assert_true(c.host_is_ip && c.name_ok);

	s.san = "DNS:vpn.example.com,IP:198.18.0.1";
	s.cn = "198.18.0.1";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "198.18.0.1", g_root_file, &c), 0);
	assert_int_equal(c.nip, 1);
	assert_string_equal(c.ip[0], "198.18.0.1");
	assert_true(c.host_is_ip && !c.name_in_dns_san && c.ip_only_in_ipaddress_san);
	assert_true(c.name_in_cn);  /* a fact, but Windows wants the dNSName */
	assert_false(c.name_ok);
	assert_true(has_kind(&c, OBS_CERT_IP_SAN, &o));
	assert_string_equal(o.text, "198.18.0.1");
	assert_false(has_kind(&c, OBS_CERT_NAME_MISMATCH, NULL));
}

static void test_eku(void **state)
{
	(void)state;
	struct certcheck c;
	struct obs o;
	struct spec s = good;
	s.eku = NULL;
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_false(c.has_eku_ext || c.eku_server_auth);
	assert_false(has_kind(&c, OBS_CERT_NO_SERVER_AUTH_EKU, NULL));
	assert_true(has_kind(&c, OBS_CERT_NO_EKU, NULL)); /* issue 13: a fact of its own, never "any purpose" */
	s.eku = "clientAuth";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.has_eku_ext && c.eku_client_auth && !c.eku_server_auth && !c.eku_any);
	assert_true(has_kind(&c, OBS_CERT_NO_SERVER_AUTH_EKU, &o));
	assert_int_equal(o.value, 1);
	s.eku = "anyExtendedKeyUsage";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.eku_any && !c.eku_server_auth);
	assert_false(has_kind(&c, OBS_CERT_NO_SERVER_AUTH_EKU, NULL));
	assert_true(has_kind(&c, OBS_CERT_ANY_EKU_ONLY, &o));
	assert_int_equal(o.code, 4);
	s.eku = "serverAuth";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.eku_server_auth && !c.eku_ike_intermediate);
	assert_true(has_kind(&c, OBS_CERT_NO_IKE_EKU, NULL));
}

static void test_dates(void **state)
{
	(void)state;
	struct certcheck c;
	struct spec s = good;
	s.nb = -30 * DAY;
	s.na = -DAY;
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.expired && !c.not_yet_valid && !c.chain_ok);
	assert_int_equal(c.not_after, NOW - DAY);
	assert_true(has_kind(&c, OBS_CERT_EXPIRED, NULL));
	assert_false(c.untrusted_root || c.missing_intermediate);
	s.nb = DAY;
	s.na = 30 * DAY;
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.not_yet_valid && !c.expired && !c.chain_ok);
	assert_true(has_kind(&c, OBS_CERT_NOT_YET_VALID, NULL));
}

static void test_untrusted_root(void **state)
{
	(void)state;
	struct certcheck c;
	X509 *full[2] = {g_inter.cert, g_root.cert};
	/* the whole chain sent, root included, but the client trusts another root */
	assert_int_equal(check(leaf_with(&good), full, 2, "vpn.example.com", g_other_file, &c), 0);
	assert_false(c.chain_ok);
	assert_true(c.untrusted_root);
	assert_false(c.missing_intermediate);
	assert_true(has_kind(&c, OBS_CERT_UNTRUSTED_ROOT, NULL));
	/* a self-signed leaf */
	struct spec s = good;
	EVP_PKEY *k = keygen("P-256");
	X509 *self = mkcert(&s, k, NULL);
	EVP_PKEY_free(k);
	assert_int_equal(check(self, NULL, 0, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.untrusted_root && !c.chain_ok && !c.intermediates_sent);
}

static void test_missing_intermediate(void **state)
{
	(void)state;
	struct certcheck c;
	struct spec s = good;
	s.extra_aia = "caIssuers;URI:http://pki.example.com/inter.crt";
	/* leaf only, intermediate not in the store */
	assert_int_equal(check(leaf_with(&s), NULL, 0, "vpn.example.com", g_root_file, &c), 0);
	assert_false(c.chain_ok);
	assert_true(c.missing_intermediate);
	assert_false(c.untrusted_root);
	assert_false(c.intermediates_sent);
	assert_int_equal(c.nsent, 1);
	assert_int_equal(c.chain_len, 0);
	struct obs o;
	assert_true(has_kind(&c, OBS_CERT_MISSING_INTERMEDIATE, &o));
	assert_string_equal(o.text, "http://pki.example.com/inter.crt");
	/* the same leaf with its intermediate sent verifies */
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_true(c.chain_ok && c.intermediates_sent && !c.missing_intermediate);
	/* the intermediate sent, the root not trusted and not sent: an issuer is missing too */
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_other_file, &c), 0);
	assert_true(!c.chain_ok && c.missing_intermediate && c.intermediates_sent);
}

static void test_keys(void **state)
{
	(void)state;
	static const struct {
		const char *alg;
		enum certcheck_key type;
		const char *curve;
		bool rejected;
	} cases[] = {
		{"P-256", CERTCHECK_KEY_EC, "P-256", false},
		{"P-384", CERTCHECK_KEY_EC, "P-384", false},
		{"P-521", CERTCHECK_KEY_EC, "P-521", true},
		{"ed25519", CERTCHECK_KEY_ED25519, "", true},
		{"rsa", CERTCHECK_KEY_RSA, "", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct certcheck c;
		EVP_PKEY *k = keygen(cases[i].alg);
		X509 *x = mkcert(&good, k, &g_inter);
		EVP_PKEY_free(k);
		assert_int_equal(check(x, &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
		assert_int_equal(c.key_type, cases[i].type);
		assert_string_equal(c.curve, cases[i].curve);
		assert_int_equal(c.key_rejected_by_windows, cases[i].rejected);
		assert_int_equal(has_kind(&c, OBS_CERT_KEY_REJECTED, NULL), cases[i].rejected);
		assert_true(c.chain_ok);
		if (cases[i].type == CERTCHECK_KEY_RSA)
			assert_int_equal(c.key_bits, 2048);
	}
	assert_string_equal(certcheck_key_name(CERTCHECK_KEY_ED25519), "ed25519");
	/* an Ed25519-signed leaf: the hash is intrinsic */
	struct ca ed = {keygen("ed25519"), NULL};
	struct spec cs = {.cn = "Ed CA", .nb = -DAY, .na = DAY, .ca = true};
	ed.cert = mkcert(&cs, ed.key, NULL);
	struct certcheck c;
	assert_int_equal(check(mkcert(&good, g_leafkey, &ed), NULL, 0, "vpn.example.com", g_root_file, &c), 0);
	assert_string_equal(c.sig_hash, "intrinsic");
	assert_false(c.sig_weak);
	X509_free(ed.cert);
	EVP_PKEY_free(ed.key);
}

static void test_sha1(void **state)
{
	(void)state;
	struct certcheck c;
	struct spec s = good;
	s.md = EVP_sha1();
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_string_equal(c.sig_hash, "sha1");
	assert_true(c.sig_weak);
	assert_true(has_kind(&c, OBS_CERT_WEAK_SIGNATURE, NULL));
}

static void test_urls(void **state)
{
	(void)state;
	struct certcheck c;
	struct spec s = good;
	s.extra_crl = "URI:http://crl.example.com/inter.crl,URI:ldap://ldap.example.com/cn=x";
	s.extra_aia = "OCSP;URI:http://ocsp.example.com/,caIssuers;URI:http://pki.example.com/inter.crt";
	assert_int_equal(check(leaf_with(&s), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_int_equal(c.ncrl, 2);
	assert_string_equal(c.crl[0], "http://crl.example.com/inter.crl");
	assert_string_equal(c.crl[1], "ldap://ldap.example.com/cn=x");
	assert_int_equal(c.nocsp, 1);
	assert_string_equal(c.ocsp[0], "http://ocsp.example.com/");
	assert_int_equal(c.naia, 1);
	assert_string_equal(c.aia_ca_issuers[0], "http://pki.example.com/inter.crt");
	struct obs o;
	assert_true(has_kind(&c, OBS_CERT_REVOCATION_URLS, &o));
	assert_int_equal(o.value, 2);
	assert_int_equal(o.code, 1);
	assert_string_equal(o.text, "http://crl.example.com/inter.crl");
	assert_non_null(strstr(o.evidence, "http://ocsp.example.com/"));
	/* none */
	assert_int_equal(check(leaf_with(&good), &g_inter.cert, 1, "vpn.example.com", g_root_file, &c), 0);
	assert_int_equal(c.ncrl + c.nocsp + c.naia, 0);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct certcheck c;
	char err[128];
	static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0x01, 0x02};
	struct certcheck_der d = {junk, sizeof junk};
	struct certcheck_input in = {.chain = &d, .nchain = 1, .host = "x", .now = NOW};
	assert_int_equal(certcheck_run(&in, &c, err, sizeof err), -1);
	assert_false(c.parsed);
	assert_true(err[0] != '\0');
	assert_true(has_kind(&c, OBS_CERT_UNPARSABLE, NULL));
	in.nchain = 0;
	assert_int_equal(certcheck_run(&in, &c, err, sizeof err), -1);

	/* CA bytes without a certificate are an error when the trust is built, not a verdict */
	static const char nocert[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\nhello\n";
	assert_null(certcheck_trust_new((const uint8_t *)nocert, strlen(nocert), err, sizeof err));
	assert_non_null(strstr(err, "no PEM certificate"));
	assert_null(certcheck_trust_new(junk, sizeof junk, err, sizeof err));
	unsigned char *der = NULL;
	X509 *x = leaf_with(&good);
	int len = i2d_X509(x, &der);
	X509_free(x);
	struct certcheck_der chain[2] = {{der, (size_t)len}, {junk, sizeof junk}};
	in.chain = chain;
	/* no trust given: the system store, created once (may hold nothing for our test root): facts, no error */
	in.trust = NULL;
	in.nchain = 2;
	assert_int_equal(certcheck_run(&in, &c, err, sizeof err), 0);
	assert_true(c.parsed && !c.chain_ok);
	assert_int_equal(c.nsent_unparsed, 1);
	/* hostile text is made printable */
	OPENSSL_free(der);
	struct spec s = good;
	s.san = "DNS:evil\x07\xff.example.com";
	assert_int_equal(check(leaf_with(&s), NULL, 0, "vpn.example.com", g_inter_file, &c), 0);
	for (const char *p = c.dns[0]; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	certcheck_free(&c);
	assert_false(c.parsed);
}

/* ---- issue 11: the trust store built once, the whole chain, the issuer for revocation ---- */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A CA file of 5,000 roots (ours last) is parsed once; 500 checks against it then cost what checks
 * against a one-root store cost. Before the fix every check re-read the file (X509_STORE_load_file
 * inside certcheck_run): 500 x 5,000 certificates parsed, far over this bound. */
static void test_trust_built_once(void **state)
{
	(void)state;
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	EVP_PKEY *k = keygen("P-256");
	for (int i = 0; i < 5000; i++) {
		char cn[48];
		snprintf(cn, sizeof cn, "Filler Root %d", i);
		struct spec rs = {.cn = cn, .nb = -DAY, .na = 3650 * DAY, .ca = true};
		X509 *x = mkcert(&rs, k, NULL);
		assert_int_equal(PEM_write_bio_X509(b, x), 1);
		X509_free(x);
	}
	assert_int_equal(PEM_write_bio_X509(b, g_root.cert), 1);
	char *pem = NULL;
	long pl = BIO_get_mem_data(b, &pem);
	char err[160];
	double t0 = mono_s();
	struct certcheck_trust *t = certcheck_trust_new((const uint8_t *)pem, (size_t)pl, err, sizeof err);
	double built = mono_s() - t0;
	assert_non_null(t);
	assert_int_equal(certcheck_trust_count(t), 5001);
	BIO_free(b);
	EVP_PKEY_free(k);

	X509 *leaf = leaf_with(&good);
	unsigned char *d0 = NULL, *d1 = NULL;
	int l0 = i2d_X509(leaf, &d0), l1 = i2d_X509(g_inter.cert, &d1);
	X509_free(leaf);
	struct certcheck_der chain[2] = {{d0, (size_t)l0}, {d1, (size_t)l1}};
	struct certcheck_input in = {.chain = chain, .nchain = 2, .host = "vpn.example.com", .trust = t, .now = NOW};
	struct certcheck *c = calloc(1, sizeof *c);
	assert_non_null(c);
	t0 = mono_s();
	for (int i = 0; i < 500; i++) {
		assert_int_equal(certcheck_run(&in, c, err, sizeof err), 0);
		assert_true(c->chain_ok);
	}
	double checks = mono_s() - t0;
	print_message("trust of 5001 roots built in %.3f s; 500 checks in %.3f s\n", built, checks);
	assert_true(checks < 5.0);
	free(c);
	OPENSSL_free(d0);
	OPENSSL_free(d1);
	certcheck_trust_free(t);
}

/* A chain of n CA certificates under g_root (each issuing the next), then a leaf; returned in the
 * order a server sends them: leaf first. The caller frees the DER buffers. */
static size_t long_chain(size_t ncas, unsigned char **der, struct certcheck_der *chain)
{
	struct ca prev = g_root, cur;
	X509 *cas[80];
	EVP_PKEY *keys[80];
	assert_true(ncas < 80);
	for (size_t i = 0; i < ncas; i++) {
		char cn[48];
		snprintf(cn, sizeof cn, "Chain CA %zu", i);
		struct spec cs = {.cn = cn, .nb = -DAY, .na = 1000 * DAY, .ca = true};
		keys[i] = keygen("P-256");
		cas[i] = mkcert(&cs, keys[i], &prev);
		cur.key = keys[i];
		cur.cert = cas[i];
		prev = cur;
	}
	X509 *leaf = mkcert(&good, g_leafkey, &prev);
	size_t n = 0;
	for (size_t i = 0; i <= ncas; i++)
		der[i] = NULL; /* i2d_X509 allocates only for a NULL pointer */
	int len = i2d_X509(leaf, &der[n]);
	assert_true(len > 0);
	chain[n].p = der[n];
	chain[n].len = (size_t)len;
	n++;
	X509_free(leaf);
	for (size_t i = ncas; i-- > 0;) {
		len = i2d_X509(cas[i], &der[n]);
		assert_true(len > 0);
		chain[n].p = der[n];
		chain[n].len = (size_t)len;
		n++;
		X509_free(cas[i]);
		EVP_PKEY_free(keys[i]);
	}
	return n;
}

/* A 50-certificate chain the server sends whole verifies (before the fix only the first 10 were
 * used: "missing intermediate" although the server had sent the issuer); a 70-certificate chain
 * is over the bound and says so. */
static void test_long_chain(void **state)
{
	(void)state;
	unsigned char *der[80] = {0};
	struct certcheck_der chain[80];
	char err[160];
	struct certcheck *c = calloc(1, sizeof *c);
	assert_non_null(c);
	size_t n = long_chain(49, der, chain);
	assert_int_equal(n, 50);
	struct certcheck_input in = {.chain = chain, .nchain = n, .host = "vpn.example.com", .trust = trust_for(g_root_file), .now = NOW};
	assert_int_equal(certcheck_run(&in, c, err, sizeof err), 0);
	assert_true(c->chain_ok);
	assert_false(c->missing_intermediate);
	assert_false(c->chain_too_long);
	assert_int_equal(c->chain_len, 51);
	assert_int_equal(c->nsent, 50);
	assert_int_equal(c->nchecked, 50);
	assert_false(has_kind(c, OBS_CERT_CHAIN_TOO_LONG, NULL));
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(der[i]);

	n = long_chain(69, der, chain);
	assert_int_equal(n, 70);
	in.nchain = n;
	assert_int_equal(certcheck_run(&in, c, err, sizeof err), 0);
	assert_true(c->chain_too_long);
	assert_int_equal(c->nsent, 70);
	assert_int_equal(c->nchecked, CERTCHECK_MAX_CHAIN);
	assert_false(c->chain_ok);
	struct obs o;
	assert_true(has_kind(c, OBS_CERT_CHAIN_TOO_LONG, &o));
	assert_int_equal(o.value, 70);
	assert_int_equal(o.code, CERTCHECK_MAX_CHAIN);
	/* certificates the caller dropped count the same */
	in.nchain = 2;
	in.ndropped = 1;
	assert_int_equal(certcheck_run(&in, c, err, sizeof err), 0);
	assert_true(c->chain_too_long);
	assert_int_equal(c->nsent, 3);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	free(c);
}

/* The leaf's issuer is handed out for revocation checks: the intermediate the server sent, or the
 * one the trust store supplied. */
static void test_issuer_der(void **state)
{
	(void)state;
	struct certcheck *c = calloc(1, sizeof *c);
	unsigned char *id = NULL;
	int il = i2d_X509(g_inter.cert, &id);
	assert_non_null(c);
	assert_int_equal(check(leaf_with(&good), &g_inter.cert, 1, "vpn.example.com", g_root_file, c), 0);
	assert_int_equal(c->issuer_der_len, (size_t)il);
	assert_memory_equal(c->issuer_der, id, (size_t)il);
	assert_false(c->issuer_from_store);
	assert_int_equal(check(leaf_with(&good), NULL, 0, "vpn.example.com", g_inter_file, c), 0);
	assert_int_equal(c->issuer_der_len, (size_t)il);
	assert_true(c->issuer_from_store);
	/* not sent, not trusted: unknown */
	assert_int_equal(check(leaf_with(&good), NULL, 0, "vpn.example.com", g_root_file, c), 0);
	assert_int_equal(c->issuer_der_len, 0);
	OPENSSL_free(id);
	free(c);
}

/* ---- issue 11: CRL and OCSP answers (vectors made with the openssl CLI, certrev_vectors.h) ---- */

static uint8_t *vec(const char *dir, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", VPNDIAG_SRCDIR, dir, name);
	return read_all(path, len);
}

static enum certrev_status crl_at(const uint8_t *crl, size_t len, time_t now, struct certrev_result *r)
{
	return certrev_crl_check(crl, len, vec_leaf_der, sizeof vec_leaf_der, vec_inter_der, sizeof vec_inter_der, now, r);
}

static void test_crl(void **state)
{
	(void)state;
	struct certrev_result r;
	size_t len;
	uint8_t *gc = vec("fuzz_crl", "good.der", &len);
	assert_int_equal(crl_at(gc, len, CERTREV_VEC_NOW, &r), CERTREV_GOOD);
	assert_int_equal(r.next_update, CERTREV_VEC_NEXT_UPDATE);
	assert_int_equal(r.entries, 0);
	/* stale: nextUpdate passed */
	assert_int_equal(crl_at(gc, len, CERTREV_VEC_NEXT_UPDATE + 1, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_STALE);
	assert_non_null(strstr(r.text, "stale"));
	/* not yet valid */
	assert_int_equal(crl_at(gc, len, CERTREV_VEC_NOW - 2 * DAY, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_NOT_YET_VALID);
	/* a signature that does not verify (last byte of the ECDSA signature changed) */
	gc[len - 1] ^= 0x01;
	assert_int_equal(crl_at(gc, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_BAD_SIGNATURE);
	gc[len - 1] ^= 0x01;
	/* the issuer is not known, or the certificate given as issuer did not issue the leaf */
	assert_int_equal(certrev_crl_check(gc, len, vec_leaf_der, sizeof vec_leaf_der, NULL, 0, CERTREV_VEC_NOW, &r),
			 CERTREV_UNDECIDED);
	assert_int_equal(r.why, CERTREV_WHY_NO_ISSUER);
	assert_int_equal(certrev_crl_check(gc, len, vec_leaf_der, sizeof vec_leaf_der, vec_root_der, sizeof vec_root_der,
					   CERTREV_VEC_NOW, &r),
			 CERTREV_UNDECIDED);
	free(gc);
	/* revoked, DER and PEM */
	uint8_t *rev = vec("fuzz_crl", "revoked.der", &len);
	assert_int_equal(crl_at(rev, len, CERTREV_VEC_NOW, &r), CERTREV_REVOKED);
	assert_int_equal(r.reason, 1); /* keyCompromise */
	assert_int_equal(r.entries, 1);
	assert_true(r.revoked_at > 0 && r.revoked_at <= CERTREV_VEC_NOW);
	assert_non_null(strstr(r.text, "revoked"));
	free(rev);
	rev = vec("fuzz_crl", "revoked.pem", &len);
	assert_int_equal(crl_at(rev, len, CERTREV_VEC_NOW, &r), CERTREV_REVOKED);
	assert_true(r.pem);
	free(rev);
	/* signed by the root, not by the leaf's issuer */
	uint8_t *wrong = vec("fuzz_crl", "root-signed.der", &len);
	assert_int_equal(crl_at(wrong, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_WRONG_ISSUER);
	free(wrong);
	/* junk: random bytes, an HTML error page served with 200, nothing, an OCSP answer */
	uint8_t junk[300];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 7919u + 13u);
	assert_int_equal(crl_at(junk, sizeof junk, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_NOT_PARSED);
	static const char html[] = "<html><body>It works!</body></html>";
	assert_int_equal(crl_at((const uint8_t *)html, strlen(html), CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(crl_at(NULL, 0, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	uint8_t *ocsp = vec("fuzz_ocsp", "good.der", &len);
	assert_int_equal(crl_at(ocsp, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	free(ocsp);
}

static enum certrev_status ocsp_at(const uint8_t *p, size_t len, time_t now, struct certrev_result *r)
{
	return certrev_ocsp_check(p, len, vec_leaf_der, sizeof vec_leaf_der, vec_inter_der, sizeof vec_inter_der, now, r);
}

static void test_ocsp(void **state)
{
	(void)state;
	struct certrev_result r;
	size_t len;
	uint8_t *p = vec("fuzz_ocsp", "good.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_GOOD);
	assert_true(r.next_update > CERTREV_VEC_NOW);
	assert_int_equal(ocsp_at(p, len, r.next_update + 1, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_STALE);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW - 2 * DAY, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_NOT_YET_VALID);
	/* a signed byte changed: producedAt (the first GeneralizedTime of tbsResponseData) one second on */
	uint8_t *at = NULL;
	for (size_t i = 0; i + 8 <= len && !at; i++)
		if (memcmp(p + i, "20261204", 8) == 0)
			at = p + i;
	assert_non_null(at);
	at[13] ^= 0x01;
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_BAD_SIGNATURE);
	at[13] ^= 0x01;
	/* for another certificate (the responder's own, same issuer): no status for it */
	assert_int_equal(certrev_ocsp_check(p, len, vec_ocsp_der, sizeof vec_ocsp_der, vec_inter_der, sizeof vec_inter_der,
					    CERTREV_VEC_NOW, &r),
			 CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_OCSP_NO_STATUS);
	free(p);
	p = vec("fuzz_ocsp", "good-delegated.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_GOOD);
	free(p);
	p = vec("fuzz_ocsp", "revoked.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_REVOKED);
	assert_int_equal(r.reason, 1);
	free(p);
	p = vec("fuzz_ocsp", "unknown.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_OCSP_UNKNOWN);
	free(p);
	p = vec("fuzz_ocsp", "unauthorized.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_OCSP_ERROR);
	assert_non_null(strstr(r.text, "unauthorized"));
	free(p);
	/* a CRL, junk, nothing */
	p = vec("fuzz_crl", "good.der", &len);
	assert_int_equal(ocsp_at(p, len, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(r.why, CERTREV_WHY_NOT_PARSED);
	free(p);
	static const char html[] = "HTTP/1.1 200 OK but not OCSP";
	assert_int_equal(ocsp_at((const uint8_t *)html, strlen(html), CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	assert_int_equal(ocsp_at(NULL, 0, CERTREV_VEC_NOW, &r), CERTREV_INVALID);
	/* the issuer unknown: undecided, not invalid */
	p = vec("fuzz_ocsp", "good.der", &len);
	assert_int_equal(certrev_ocsp_check(p, len, vec_leaf_der, sizeof vec_leaf_der, NULL, 0, CERTREV_VEC_NOW, &r),
			 CERTREV_UNDECIDED);
	free(p);
}

/* The OCSP GET of RFC 6960 appendix A.1 carries exactly the request `openssl ocsp -issuer inter.pem
 * -cert leaf.pem -no_nonce -reqout` writes (one SHA-1 CertID, no nonce), base64, URL-encoded. */
static void test_ocsp_get_url(void **state)
{
	(void)state;
	static const char cli_req_b64[] =
		"MEMwQTA/MD0wOzAJBgUrDgMCGgUABBSZaSmFFAHOUh7Oh4jAvQbR9sgDrAQUnB9RUfxHS/qzDfs8YXBpFGn9xSICAhAB";
	char url[900], want[900];
	size_t o = 0;
	o += (size_t)snprintf(want, sizeof want, "http://198.18.0.1/ocsp/");
	for (const char *q = cli_req_b64; *q && o + 4 < sizeof want; q++)
		o += (size_t)snprintf(want + o, sizeof want - o, "%s",
				      *q == '+' ? "%2B" : *q == '/' ? "%2F" : *q == '=' ? "%3D" : (char[2]){*q, 0});
	int n = certrev_ocsp_get_url("http://198.18.0.1/ocsp", vec_leaf_der, sizeof vec_leaf_der, vec_inter_der,
				     sizeof vec_inter_der, url, sizeof url);
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(url, want);
	/* a trailing slash is not doubled; a buffer too small or no issuer fails */
	assert_true(certrev_ocsp_get_url("http://198.18.0.1/ocsp/", vec_leaf_der, sizeof vec_leaf_der, vec_inter_der,
					 sizeof vec_inter_der, url, sizeof url) == n);
	assert_string_equal(url, want);
	assert_int_equal(certrev_ocsp_get_url("http://198.18.0.1/ocsp", vec_leaf_der, sizeof vec_leaf_der, vec_inter_der,
					      sizeof vec_inter_der, url, 40),
			 -1);
	assert_int_equal(certrev_ocsp_get_url("http://x/", vec_leaf_der, sizeof vec_leaf_der, NULL, 0, url, sizeof url), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_chain),  cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_wildcard),    cmocka_unit_test(test_ip_san),
		cmocka_unit_test(test_eku),         cmocka_unit_test(test_dates),
		cmocka_unit_test(test_untrusted_root), cmocka_unit_test(test_missing_intermediate),
		cmocka_unit_test(test_keys),        cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_urls),        cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_trust_built_once), cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_issuer_der),  cmocka_unit_test(test_crl),
		cmocka_unit_test(test_ocsp),        cmocka_unit_test(test_ocsp_get_url),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
