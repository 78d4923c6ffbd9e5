/* The server certificate chain as facts, checked the way Windows checks it (see certcheck.h).
 *
 * Everything copied out of the certificate is attacker-controlled text: it is copied bounded and
 * with every byte outside printable ASCII replaced by '?', so that it can go into evidence
 * sentences, JSON and terminals as it is. */
#include "crypto/certcheck.h"

#include "util/inet.h"
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "util/certstore.h"
#include "util/fmt.h"
#include "util/sys.h"

/* Copies src[0..n) into dst as printable ASCII ('?' for anything else), always terminated. */
static void cc_copy(char *dst, size_t dstlen, const unsigned char *src, size_t n)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && o + 1 < dstlen; i++) {
		unsigned char ch = src[i];
		dst[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[o] = '\0';
}

static void cc_copy_asn1(char *dst, size_t dstlen, const ASN1_STRING *s)
{
	if (!s) {
		if (dstlen)
			dst[0] = '\0';
		return;
	}
	cc_copy(dst, dstlen, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

static void cc_name(char *dst, size_t dstlen, const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	dst[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0 && p)
			cc_copy(dst, dstlen, (const unsigned char *)p, (size_t)len);
	}
	BIO_free(b);
}

/* The IP address in host (IPv4, IPv6, or [IPv6]) as bytes; returns 4, 16 or 0 (not an IP). */
static int cc_parse_ip(const char *host, size_t hlen, unsigned char out[16])
{
	char buf[64];

	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof buf)
		return 0;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 16;
	return 0;
}

/* RFC 6125 §6.4 matching of a DNS host against a presented dNSName/CN: ASCII case-insensitive,
 * one trailing dot ignored on either side, a wildcard only as the whole left-most label, matching
 * exactly one non-empty label, and never in a pattern with fewer than three labels ("*.com").
 * Partial-label wildcards ("w*.example.com") are not accepted [I: Windows behaviour unconfirmed].
 * Returns 0 (no match), 1 (exact match) or 2 (matched through the wildcard). */
static int cc_dns_match(const char *host, const char *pat)
{
	size_t hl = strlen(host), pl = strlen(pat);
	const char *hdot, *prest;
	size_t dots = 0, i;

	if (hl && host[hl - 1] == '.')
		hl--;
	if (pl && pat[pl - 1] == '.')
		pl--;
	if (hl == 0 || pl == 0)
		return 0;
	if (!(pat[0] == '*' && pl > 2 && pat[1] == '.')) {
		if (memchr(pat, '*', pl))
			return 0;
		return hl == pl && strncasecmp(host, pat, hl) == 0 ? 1 : 0;
	}
	prest = pat + 1; /* ".example.com" */
	for (i = 1; i < pl; i++)
		if (pat[i] == '.')
			dots++;
	if (dots < 2 || memchr(prest, '*', pl - 1))
		return 0;
	hdot = memchr(host, '.', hl);
	if (!hdot || hdot == host) /* the wildcard must match a non-empty label */
		return 0;
	return (size_t)(host + hl - hdot) == pl - 1 && strncasecmp(hdot, prest, pl - 1) == 0 ? 2 : 0;
}

static void cc_sans(X509 *x, struct certcheck *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, n;

	if (!gens)
		return;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS && c->ndns < CERTCHECK_MAX_NAMES) {
			cc_copy_asn1(c->dns[c->ndns++], sizeof c->dns[0], g->d.dNSName);
		} else if (g->type == GEN_IPADD && c->nip < CERTCHECK_MAX_NAMES) {
			const ASN1_OCTET_STRING *o = g->d.iPAddress;
			char *dst = c->ip[c->nip];
			int len = ASN1_STRING_length(o);
			if (len == 4)
				inet_ntop(AF_INET, ASN1_STRING_get0_data(o), dst, sizeof c->ip[0]);
			else if (len == 16)
				inet_ntop(AF_INET6, ASN1_STRING_get0_data(o), dst, sizeof c->ip[0]);
			else
				fmt_into(dst, sizeof c->ip[0], "(%d-byte address)", len);
			c->nip++;
		}
	}
	GENERAL_NAMES_free(gens);
}

static void cc_names(X509 *x, const char *host, struct certcheck *c)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	unsigned char hip[16], sip[16];
	int iplen, idx;
	size_t i, hlen = host ? strlen(host) : 0;

	cc_name(c->subject, sizeof c->subject, subj);
	cc_name(c->issuer, sizeof c->issuer, X509_get_issuer_name(x));
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx >= 0) {
		/* the most specific (last) CN is the one name matching uses */
		int next;
		while ((next = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >= 0)
			idx = next;
		cc_copy_asn1(c->subject_cn, sizeof c->subject_cn,
			     X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
	}
	cc_sans(x, c);
	if (!host || hlen == 0)
		return;

	cc_copy(c->host, sizeof c->host, (const unsigned char *)host, hlen);
	iplen = cc_parse_ip(host, hlen, hip);
	c->host_is_ip = iplen != 0;
	if (c->host_is_ip) {
		bool in_ipsan = false;
		/* an IP written as a dNSName: compare as addresses, so "::1" matches "0::1" */
		for (i = 0; i < c->ndns; i++)
			if (cc_parse_ip(c->dns[i], strlen(c->dns[i]), sip) == iplen && memcmp(sip, hip, (size_t)iplen) == 0) {
				if (!c->name_in_dns_san)
					fmt_into(c->name_pattern, sizeof c->name_pattern, "%s", c->dns[i]);
				c->name_in_dns_san = c->name_exact_dns_san = true;
			}
		if (cc_parse_ip(c->subject_cn, strlen(c->subject_cn), sip) == iplen &&
		    memcmp(sip, hip, (size_t)iplen) == 0)
			c->name_in_cn = true;
		for (i = 0; i < c->nip; i++)
			if (cc_parse_ip(c->ip[i], strlen(c->ip[i]), sip) == iplen && memcmp(sip, hip, (size_t)iplen) == 0)
				in_ipsan = true;
		c->ip_only_in_ipaddress_san = in_ipsan && !c->name_in_dns_san;
		c->name_ok = c->name_in_dns_san;
	} else {
		int best = 0, m, cn;
		for (i = 0; i < c->ndns; i++) {
			m = cc_dns_match(host, c->dns[i]);
			if (m && (best == 0 || m < best)) {
				best = m;
				fmt_into(c->name_pattern, sizeof c->name_pattern, "%s", c->dns[i]);
			}
		}
		c->name_in_dns_san = best != 0;
		c->name_exact_dns_san = best == 1;
		c->name_wildcard_dns_san = best == 2;
		cn = c->subject_cn[0] ? cc_dns_match(host, c->subject_cn) : 0;
		c->name_in_cn = cn != 0;
		/* the CN counts only where no SAN matched exactly (it says no more than the SAN then) */
		c->name_exact_cn = cn == 1 && !c->name_exact_dns_san;
		c->name_wildcard_cn = cn == 2 && !c->name_in_dns_san;
		if (!best && cn)
			fmt_into(c->name_pattern, sizeof c->name_pattern, "%s", c->subject_cn);
		c->name_ok = c->name_in_dns_san || c->name_in_cn;
	}
}

static void cc_eku(X509 *x, struct certcheck *c)
{
	EXTENDED_KEY_USAGE *eku;
	int i, n;

	c->has_eku_ext = X509_get_ext_by_NID(x, NID_ext_key_usage, -1) >= 0;
	if (!c->has_eku_ext)
		return;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (!eku) {
		c->eku_unreadable = true; /* present but unreadable: no purpose is granted */
		ERR_clear_error();
		return;
	}
	n = sk_ASN1_OBJECT_num(eku);
	for (i = 0; i < n; i++) {
		char oid[64];
		if (OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1) <= 0)
			continue;
		if (strcmp(oid, "1.3.6.1.5.5.7.3.1") == 0)
			c->eku_server_auth = true;
		else if (strcmp(oid, "1.3.6.1.5.5.8.2.2") == 0)
			c->eku_ike_intermediate = true;
		else if (strcmp(oid, "2.5.29.37.0") == 0)
			c->eku_any = true;
		else if (strcmp(oid, "1.3.6.1.5.5.7.3.2") == 0)
			c->eku_client_auth = true;
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}

/* Key Usage, and the critical extensions this verifier does not support (issue 13). */
static void cc_ku_critical(X509 *x, struct certcheck *c)
{
	int i, n = X509_get_ext_count(x);

	c->has_ku_ext = X509_get_ext_by_NID(x, NID_key_usage, -1) >= 0;
	if (c->has_ku_ext) {
		uint32_t ku = X509_get_key_usage(x); /* UINT32_MAX: absent or unreadable */
		c->ku_bits = ku == UINT32_MAX ? 0 : (unsigned)ku;
	}
	for (i = 0; i < n; i++) {
		X509_EXTENSION *ex = X509_get_ext(x, i);
		if (!ex || !X509_EXTENSION_get_critical(ex) || X509_supported_extension(ex))
			continue;
		if (c->ncritical_unknown++ == 0 &&
		    OBJ_obj2txt(c->critical_unknown, sizeof c->critical_unknown, X509_EXTENSION_get_object(ex), 1) <= 0)
			fmt_into(c->critical_unknown, sizeof c->critical_unknown, "(unreadable OID)");
	}
	ERR_clear_error();
}

/* The signature hash of x, lower case ("sha1"), and whether it is MD2/MD4/MD5/SHA-1. */
static bool cc_sig_hash(X509 *x, char *out, size_t outlen)
{
	int md = NID_undef, pk = NID_undef, i;
	const char *sn;

	if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk)) {
		fmt_into(out, outlen, "unknown");
		return false;
	}
	if (md == NID_undef) {
		/* EdDSA hashes internally; RSA-PSS names its hash in parameters */
		fmt_into(out, outlen, "%s", pk == NID_ED25519 || pk == NID_ED448 ? "intrinsic" : "unknown");
		return false;
	}
	sn = OBJ_nid2sn(md);
	cc_copy(out, outlen, (const unsigned char *)(sn ? sn : "unknown"), strlen(sn ? sn : "unknown"));
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return md == NID_md5 || md == NID_md4 || md == NID_md2 || md == NID_sha1;
}

/* The first CA certificate after the leaf signed with a weak hash: in the verified chain (its last
 * certificate, the trust anchor, excluded: its self-signature is not checked), else among the
 * certificates the server sent (self-signed ones excluded). */
static void cc_ca_sigs(X509_STORE_CTX *ctx, STACK_OF(X509) *untrusted, struct certcheck *c)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	STACK_OF(X509) *list = chain && sk_X509_num(chain) > 1 ? chain : untrusted;
	int i, n = sk_X509_num(list), first = list == chain ? 1 : 0;

	if (list == chain)
		n--; /* the anchor */
	for (i = first; i < n && !c->ca_sig_weak; i++) {
		X509 *x = sk_X509_value(list, i);
		char h[32];
		if (list != chain && X509_check_issued(x, x) == X509_V_OK)
			continue;
		if (cc_sig_hash(x, h, sizeof h)) {
			c->ca_sig_weak = true;
			c->ca_sig_weak_depth = list == chain ? i : i + 1;
			fmt_into(c->ca_sig_hash, sizeof c->ca_sig_hash, "%s", h);
			cc_name(c->ca_sig_weak_subject, sizeof c->ca_sig_weak_subject, X509_get_subject_name(x));
		}
	}
	ERR_clear_error();
}

static time_t cc_time(const ASN1_TIME *t, bool *ok)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		*ok = false;
		return 0;
	}
	return sys_timegm(&tm);
}

static void cc_dates(X509 *x, time_t now, struct certcheck *c)
{
	bool ok = true;

	c->not_before = cc_time(X509_get0_notBefore(x), &ok);
	c->not_after = cc_time(X509_get0_notAfter(x), &ok);
	c->dates_ok = ok;
	if (!ok)
		return;
	c->not_yet_valid = now < c->not_before;
	c->expired = now > c->not_after;
}

static void cc_key(X509 *x, struct certcheck *c)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char group[64];
	size_t glen = 0;

	if (!k)
		return;
	c->key_bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		c->key_type = CERTCHECK_KEY_RSA;
		break;
	case EVP_PKEY_EC:
		c->key_type = CERTCHECK_KEY_EC;
		if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) == 1) {
			int nid = OBJ_sn2nid(group);
			if (nid == NID_undef)
				nid = OBJ_ln2nid(group);
			if (nid == NID_X9_62_prime256v1)
				fmt_into(c->curve, sizeof c->curve, "P-256");
			else if (nid == NID_secp384r1)
				fmt_into(c->curve, sizeof c->curve, "P-384");
			else if (nid == NID_secp521r1)
				fmt_into(c->curve, sizeof c->curve, "P-521");
			else
				cc_copy(c->curve, sizeof c->curve, (const unsigned char *)group, strlen(group));
		}
		break;
	case EVP_PKEY_ED25519:
		c->key_type = CERTCHECK_KEY_ED25519;
		break;
	case EVP_PKEY_ED448:
		c->key_type = CERTCHECK_KEY_ED448;
		break;
	default:
		c->key_type = CERTCHECK_KEY_OTHER;
		break;
	}
	c->key_rejected_by_windows = c->key_type == CERTCHECK_KEY_ED25519 || c->key_type == CERTCHECK_KEY_ED448 ||
				     (c->key_type == CERTCHECK_KEY_EC && strcmp(c->curve, "P-521") == 0);
}

static void cc_sig(X509 *x, struct certcheck *c)
{
	c->sig_weak = cc_sig_hash(x, c->sig_hash, sizeof c->sig_hash);
}

static void cc_add_uri(char (*dst)[256], size_t *n, const GENERAL_NAME *g)
{
	if (g->type != GEN_URI || *n >= CERTCHECK_MAX_URLS)
		return;
	cc_copy_asn1(dst[*n], sizeof dst[0], g->d.uniformResourceIdentifier);
	if (dst[*n][0])
		(*n)++;
}

static void cc_urls(X509 *x, struct certcheck *c)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	int i, j;

	for (i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
		const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++)
			cc_add_uri(c->crl, &c->ncrl, sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j));
	}
	for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int nid = OBJ_obj2nid(ad->method);
		if (nid == NID_ad_OCSP)
			cc_add_uri(c->ocsp, &c->nocsp, ad->location);
		else if (nid == NID_ad_ca_issuers)
			cc_add_uri(c->aia_ca_issuers, &c->naia, ad->location);
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	AUTHORITY_INFO_ACCESS_free(aia);
}

/* Verification keeps going past errors so that every problem is classified; the first one is
 * kept as verify_error. The certcheck being filled travels in the context's ex_data 0 slot of
 * the application (X509_STORE_CTX_get_app_data). */
static int cc_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct certcheck *c = X509_STORE_CTX_get_app_data(ctx);
	int err;

	if (ok || !c)
		return ok;
	err = X509_STORE_CTX_get_error(ctx);
	if (c->verify_error == 0) {
		c->verify_error = err;
		cc_copy(c->verify_error_text, sizeof c->verify_error_text,
			(const unsigned char *)X509_verify_cert_error_string(err),
			strlen(X509_verify_cert_error_string(err)));
		c->verify_error_depth = X509_STORE_CTX_get_error_depth(ctx);
	}
	switch (err) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		c->untrusted_root = true;
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		c->missing_intermediate = true;
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (X509_STORE_CTX_get_error_depth(ctx) > 0)
			c->ca_date_invalid = true;
		break;
	default:
		break;
	}
	return 1;
}

/* ---- the trust store, built once ---- */

/* The system store is an X509_STORE with OpenSSL's default paths; a --ca-file is a stack of
 * trusted roots handed to each verification (X509_STORE_CTX_set0_trusted_stack): filling an
 * X509_STORE one certificate at a time re-sorts it on every insert, which makes a 10,000-root file
 * take seconds, while a stack is built in one pass and searched linearly per issuer lookup. */
struct certcheck_trust {
	X509_STORE *store;     /* empty when roots is set */
	STACK_OF(X509) *roots; /* the --ca-file roots, or NULL for the system store */
	size_t ncerts;
};

/* One root of the platform's own store (util/certstore.h) onto the stack. */
static int add_store_root(void *ctx, const uint8_t *der, size_t len)
{
	struct certcheck_trust *t = ctx;
	const unsigned char *p = der;
	X509 *x = len <= LONG_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (!x)
		return 0; /* a root OpenSSL cannot read is one Windows may trust; it cannot anchor here */
	if (!sk_X509_push(t->roots, x)) {
		X509_free(x);
		return -1;
	}
	t->ncerts++;
	return 0;
}

struct certcheck_trust *certcheck_trust_new(const uint8_t *pem, size_t len, char *err, size_t errlen)
{
	struct certcheck_trust *t = calloc(1, sizeof *t);
	BIO *b = NULL;
	X509 *x;

	if (err && errlen)
		err[0] = '\0';
	if (!t || !(t->store = X509_STORE_new())) {
		fmt_into(err, errlen, "out of memory");
		goto fail;
	}
	if (!pem) {
		/* Windows: the machine's own roots, the ones IKEEXT and SstpSvc trust; Linux: -1, OpenSSL's
		 * default paths */
		if (!(t->roots = sk_X509_new_null())) {
			fmt_into(err, errlen, "out of memory");
			goto fail;
		}
		int n = certstore_roots(add_store_root, t, err, errlen);
		if (n >= 0) {
			ERR_clear_error();
			return t;
		}
		sk_X509_pop_free(t->roots, X509_free);
		t->roots = NULL;
		t->ncerts = 0;
		if (err && err[0])
			goto fail;
		if (X509_STORE_set_default_paths(t->store) != 1) {
			fmt_into(err, errlen, "cannot read the system trust store");
			goto fail;
		}
		ERR_clear_error();
		return t;
	}
	if (len > INT_MAX || !(b = BIO_new_mem_buf(pem, (int)len))) {
		BIO_free(b);
		b = NULL;
		fmt_into(err, errlen, len > INT_MAX ? "the CA file is too large" : "out of memory");
		goto fail;
	}
	/* Every CERTIFICATE block; other PEM blocks (keys, CRLs) and text between blocks are skipped. */
	if (!(t->roots = sk_X509_new_null())) {
		fmt_into(err, errlen, "out of memory");
		goto fail;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(t->roots, x)) {
			X509_free(x);
			fmt_into(err, errlen, "out of memory");
			goto fail;
		}
		t->ncerts++;
	}
	BIO_free(b);
	b = NULL;
	ERR_clear_error(); /* "no start line" at the end */
	if (t->ncerts == 0) {
		fmt_into(err, errlen, "no PEM certificate (-----BEGIN CERTIFICATE-----) could be read from the CA file");
		goto fail;
	}
	return t;
fail:
	BIO_free(b);
	certcheck_trust_free(t);
	ERR_clear_error();
	return NULL;
}

void certcheck_trust_free(struct certcheck_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->roots, X509_free);
	free(t);
}

size_t certcheck_trust_count(const struct certcheck_trust *t)
{
	return t ? t->ncerts : 0;
}

/* The system store for inputs built without a trust object: created on first use, kept for the
 * life of the process (single-threaded callers). */
static const struct certcheck_trust *cc_default_trust(char *err, size_t errlen)
{
	static struct certcheck_trust *def;

	if (!def)
		def = certcheck_trust_new(NULL, 0, err, errlen);
	return def;
}

/* Copies the leaf's issuer (DER) into c: chain position 1 of what the verification built, else the
 * certificate among those sent that issued the leaf (a self-signed leaf is its own issuer). */
static void cc_issuer(X509_STORE_CTX *ctx, X509 *leaf, STACK_OF(X509) *untrusted, struct certcheck *c)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	X509 *iss = NULL;
	int i, len;
	unsigned char *p;

	if (chain && sk_X509_num(chain) >= 2 && X509_check_issued(sk_X509_value(chain, 1), leaf) == X509_V_OK) {
		iss = sk_X509_value(chain, 1);
		c->issuer_from_store = true;
		for (i = 0; i < sk_X509_num(untrusted); i++)
			if (X509_cmp(sk_X509_value(untrusted, i), iss) == 0)
				c->issuer_from_store = false;
	} else {
		for (i = 0; i < sk_X509_num(untrusted) && !iss; i++)
			if (X509_check_issued(sk_X509_value(untrusted, i), leaf) == X509_V_OK)
				iss = sk_X509_value(untrusted, i);
		if (!iss && X509_check_issued(leaf, leaf) == X509_V_OK)
			iss = leaf;
	}
	ERR_clear_error();
	if (!iss)
		return;
	len = i2d_X509(iss, NULL);
	if (len <= 0 || (size_t)len > sizeof c->issuer_der)
		return;
	p = c->issuer_der;
	if (i2d_X509(iss, &p) == len)
		c->issuer_der_len = (size_t)len;
}

static int cc_verify(const struct certcheck_input *in, X509 *leaf, STACK_OF(X509) *untrusted, struct certcheck *c,
		     char *err, size_t errlen)
{
	const struct certcheck_trust *trust = in->trust ? in->trust : cc_default_trust(err, errlen);
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	int rc = -1, r;

	if (!trust) {
		if (err && errlen && !err[0])
			fmt_into(err, errlen, "cannot read the system trust store");
		return -1;
	}
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, trust->store, leaf, untrusted) != 1) {
		fmt_into(err, errlen, "cannot set up certificate verification");
		goto out;
	}
	if (trust->roots)
		X509_STORE_CTX_set0_trusted_stack(ctx, trust->roots);
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, in->now);
	X509_STORE_CTX_set_app_data(ctx, c);
	X509_STORE_CTX_set_verify_cb(ctx, cc_verify_cb);
	r = X509_verify_cert(ctx);
	c->chain_ok = r == 1 && c->verify_error == 0;
	if (c->chain_ok) {
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		c->chain_len = chain ? (size_t)sk_X509_num(chain) : 0;
	} else if (c->verify_error == 0) {
		/* failed without calling back (internal error): keep the library's reason */
		int e = X509_STORE_CTX_get_error(ctx);
		c->verify_error = e ? e : -1;
		fmt_into(c->verify_error_text, sizeof c->verify_error_text, "%s",
			 e ? X509_verify_cert_error_string(e) : "verification failed");
	}
	/* A chain that was completed only because the store also holds the missing intermediate is
	 * fine for Windows too when the client has it; we only say "missing" for what is neither
	 * sent nor trusted. An untrusted self-signed root also ends the search, so both flags are
	 * possible only for distinct certificates. */
	cc_issuer(ctx, leaf, untrusted, c);
	cc_ca_sigs(ctx, untrusted, c);
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int certcheck_run(const struct certcheck_input *in, struct certcheck *out, char *err, size_t errlen)
{
	X509 *leaf = NULL;
	STACK_OF(X509) *untrusted = NULL;
	const unsigned char *p;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	if (!in || !in->chain || in->nchain == 0 || !in->chain[0].p || in->chain[0].len == 0 ||
	    in->chain[0].len > CERTCHECK_MAX_CERT_BYTES) {
		fmt_into(err, errlen, in->chain && in->nchain && in->chain[0].len > CERTCHECK_MAX_CERT_BYTES
					      ? "the server's certificate is larger than 64 KiB"
					      : "the server sent no certificate");
		return -1;
	}
	out->nsent = in->nchain + in->ndropped;
	out->intermediates_sent = out->nsent > 1;
	out->chain_too_long = in->ndropped > 0 || in->nchain > CERTCHECK_MAX_CHAIN;
	for (i = 0; i < in->nchain; i++)
		out->sent_bytes += in->chain[i].len;
	p = in->chain[0].p;
	leaf = d2i_X509(NULL, &p, (long)in->chain[0].len);
	if (!leaf) {
		fmt_into(err, errlen, "the server's certificate does not parse as X.509");
		goto out;
	}
	out->parsed = true;
	cc_names(leaf, in->host, out);
	cc_eku(leaf, out);
	cc_ku_critical(leaf, out);
	cc_dates(leaf, in->now, out);
	cc_key(leaf, out);
	cc_sig(leaf, out);
	cc_urls(leaf, out);

	untrusted = sk_X509_new_null();
	if (!untrusted) {
		fmt_into(err, errlen, "out of memory");
		goto out;
	}
	/* Every certificate sent, up to the count and byte bounds; past them the chain is too long. */
	size_t bytes = in->chain[0].len;
	out->nchecked = 1;
	for (i = 1; i < in->nchain; i++) {
		X509 *x;
		if (i >= CERTCHECK_MAX_CHAIN || bytes + in->chain[i].len > CERTCHECK_MAX_CHAIN_BYTES) {
			out->chain_too_long = true;
			break;
		}
		bytes += in->chain[i].len;
		out->nchecked++;
		if (!in->chain[i].p || in->chain[i].len == 0 || in->chain[i].len > CERTCHECK_MAX_CERT_BYTES) {
			out->nsent_unparsed++;
			continue;
		}
		p = in->chain[i].p;
		x = d2i_X509(NULL, &p, (long)in->chain[i].len);
		if (!x) {
			out->nsent_unparsed++;
			continue;
		}
		if (!sk_X509_push(untrusted, x)) {
			X509_free(x);
			fmt_into(err, errlen, "out of memory");
			goto out;
		}
	}
	if (cc_verify(in, leaf, untrusted, out, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	ERR_clear_error();
	return rc;
}

void certcheck_free(struct certcheck *c)
{
	if (c)
		memset(c, 0, sizeof *c);
}

const char *certcheck_key_name(enum certcheck_key k)
{
	switch (k) {
	case CERTCHECK_KEY_RSA:
		return "rsa";
	case CERTCHECK_KEY_EC:
		return "ec";
	case CERTCHECK_KEY_ED25519:
		return "ed25519";
	case CERTCHECK_KEY_ED448:
		return "ed448";
	default:
		return "other";
	}
}
