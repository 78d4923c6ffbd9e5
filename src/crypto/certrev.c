/* CRL and OCSP answers verified for one certificate (see certrev.h). Everything read from the
 * answer is attacker-controlled: only dates and counts are copied out, into fixed fields. */
#include "crypto/certrev.h"

#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/fmt.h"
#include "util/sys.h"

#define CR_MAX_CERT (64L * 1024L)

const char *certrev_status_name(enum certrev_status s)
{
	switch (s) {
	case CERTREV_GOOD: return "good";
	case CERTREV_REVOKED: return "revoked";
	case CERTREV_INVALID: return "invalid";
	default: return "undecided";
	}
}

static enum certrev_status cr_set(struct certrev_result *out, enum certrev_status st, enum certrev_why why,
				  const char *text)
{
	out->status = st;
	out->why = why;
	fmt_into(out->text, sizeof out->text, "%s", text);
	return st;
}

static X509 *cr_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (!der || len == 0 || len > (size_t)CR_MAX_CERT)
		return NULL;
	return d2i_X509(NULL, &p, (long)len);
}

static time_t cr_time(const ASN1_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return sys_timegm(&tm);
}

static void cr_date(char *out, size_t outlen, time_t t)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		fmt_into(out, outlen, "%lld", (long long)t);
}

/* The leaf and its issuer; UNDECIDED (returned) when either does not parse or does not match. */
static int cr_pair(const uint8_t *leaf, size_t leaflen, const uint8_t *issuer, size_t issuerlen, X509 **l, X509 **i,
		   struct certrev_result *out)
{
	*l = cr_cert(leaf, leaflen);
	*i = cr_cert(issuer, issuerlen);
	if (!*l) {
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_BAD_INPUT, "the certificate to check does not parse");
		return -1;
	}
	if (!*i) {
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_NO_ISSUER,
		       "the issuer of the certificate is not known here, so the answer cannot be verified");
		return -1;
	}
	if (X509_check_issued(*i, *l) != X509_V_OK) {
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_NO_ISSUER,
		       "the issuer certificate at hand did not issue the certificate, so the answer cannot be verified");
		return -1;
	}
	return 0;
}

/* thisUpdate / nextUpdate against now; INVALID (returned) when not current. */
static int cr_dates(struct certrev_result *out, time_t now, bool need_next, const char *what)
{
	char d[32], t[160];
	if (out->this_update == 0) {
		fmt_into(t, sizeof t, "the %s has no readable thisUpdate", what);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, t);
		return -1;
	}
	if (out->this_update > now + CERTREV_SKEW_S) {
		cr_date(d, sizeof d, out->this_update);
		fmt_into(t, sizeof t, "the %s is not valid yet (thisUpdate %s is in the future)", what, d);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_YET_VALID, t);
		return -1;
	}
	if (out->next_update == 0 && need_next) {
		fmt_into(t, sizeof t, "the %s has no nextUpdate, so it cannot be taken as current", what);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_STALE, t);
		return -1;
	}
	if (out->next_update != 0 && out->next_update <= now) {
		cr_date(d, sizeof d, out->next_update);
		fmt_into(t, sizeof t, "the %s is stale: its nextUpdate %s has passed", what, d);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_STALE, t);
		return -1;
	}
	return 0;
}

static bool cr_is_pem(const uint8_t *p, size_t len)
{
	static const char tag[] = "-----BEGIN";
	size_t i = 0;
	while (i < len && i < 64 && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return len - i >= sizeof tag - 1 && memcmp(p + i, tag, sizeof tag - 1) == 0;
}

static X509_CRL *cr_parse_crl(const uint8_t *crl, size_t len, bool *pem)
{
	X509_CRL *c = NULL;
	*pem = cr_is_pem(crl, len);
	if (*pem) {
		BIO *b = BIO_new_mem_buf(crl, (int)len);
		if (b)
			c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const unsigned char *p = crl;
		c = d2i_X509_CRL(NULL, &p, (long)len);
	}
	return c;
}

/* The CRL's scope (RFC 5280 §5.2.5): one limited to CA or attribute certificates, or a delta CRL,
 * cannot say a server certificate is not revoked. */
static bool cr_crl_scope_ok(X509_CRL *crl, X509 *leaf, struct certrev_result *out)
{
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_A_CRL_FOR_IT, "a delta CRL, not the base CRL the certificate names");
		return false;
	}
	ISSUING_DIST_POINT *idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL, NULL);
	bool ok = true;
	if (idp) {
		bool leaf_is_ca = X509_check_ca(leaf) != 0;
		if ((idp->onlyCA && !leaf_is_ca) || (idp->onlyuser && leaf_is_ca) || idp->onlyattr) {
			cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_A_CRL_FOR_IT,
			       "the CRL's issuing distribution point excludes this kind of certificate");
			ok = false;
		}
		ISSUING_DIST_POINT_free(idp);
	}
	return ok;
}

enum certrev_status certrev_crl_check(const uint8_t *crl, size_t len, const uint8_t *leaf, size_t leaflen,
				      const uint8_t *issuer, size_t issuerlen, time_t now, struct certrev_result *out)
{
	X509 *l = NULL, *i = NULL;
	X509_CRL *c = NULL;
	char t[160];

	memset(out, 0, sizeof *out);
	out->reason = -1;
	if (!crl || len == 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, "the answer is empty, not a CRL");
		return out->status;
	}
	if (len > CERTREV_MAX_CRL || len > INT_MAX) {
		fmt_into(t, sizeof t, "the CRL is %zu bytes, over the %u MiB this tool parses", len, CERTREV_MAX_CRL >> 20);
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_TOO_LARGE, t);
		return out->status;
	}
	if (cr_pair(leaf, leaflen, issuer, issuerlen, &l, &i, out) != 0)
		goto done;
	c = cr_parse_crl(crl, len, &out->pem);
	if (!c) {
		if (len >= 2)
			fmt_into(t, sizeof t, "the answer (%zu bytes, starting 0x%02x 0x%02x) is not a DER or PEM CRL", len,
				 crl[0], crl[1]);
		else
			fmt_into(t, sizeof t, "the answer (%zu byte) is not a DER or PEM CRL", len);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, t);
		goto done;
	}
	out->this_update = cr_time(X509_CRL_get0_lastUpdate(c));
	out->next_update = cr_time(X509_CRL_get0_nextUpdate(c));
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(c);
	out->entries = revs ? (size_t)sk_X509_REVOKED_num(revs) : 0;
	if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(l)) != 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_WRONG_ISSUER, "the CRL is issued by another CA than the certificate's issuer");
		goto done;
	}
	if ((X509_get_extension_flags(i) & EXFLAG_KUSAGE) && !(X509_get_key_usage(i) & KU_CRL_SIGN)) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_BAD_SIGNATURE, "the issuer's key usage does not allow it to sign CRLs");
		goto done;
	}
	EVP_PKEY *k = X509_get0_pubkey(i);
	if (!k || X509_CRL_verify(c, k) != 1) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_BAD_SIGNATURE, "the CRL's signature does not verify with the issuer's key");
		goto done;
	}
	if (!cr_crl_scope_ok(c, l, out))
		goto done;
	if (cr_dates(out, now, true, "CRL") != 0)
		goto done;
	X509_REVOKED *rev = NULL;
	if (X509_CRL_get0_by_serial(c, &rev, X509_get0_serialNumber(l)) == 1 && rev) {
		char d[32];
		out->revoked_at = cr_time(X509_REVOKED_get0_revocationDate(rev));
		ASN1_ENUMERATED *reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
		if (reason) {
			long v = ASN1_ENUMERATED_get(reason);
			out->reason = v >= 0 && v <= 10 ? (int)v : -1;
			ASN1_ENUMERATED_free(reason);
		}
		cr_date(d, sizeof d, out->revoked_at);
		fmt_into(t, sizeof t, "the CRL lists the certificate as revoked since %s%s%s", d,
			 out->reason >= 0 ? ", reason " : "", out->reason >= 0 ? OCSP_crl_reason_str(out->reason) : "");
		cr_set(out, CERTREV_REVOKED, CERTREV_WHY_NONE, t);
		goto done;
	}
	fmt_into(t, sizeof t, "a current CRL signed by the issuer (%zu entries) does not list the certificate", out->entries);
	cr_set(out, CERTREV_GOOD, CERTREV_WHY_NONE, t);
done:
	X509_CRL_free(c);
	X509_free(l);
	X509_free(i);
	ERR_clear_error();
	return out->status;
}

/* The signer of a BasicOCSPResponse, checked per RFC 6960 §4.2.2.2: the issuer itself, or a
 * certificate the issuer signed with the OCSPSigning EKU, valid at now. NULL: none acceptable. */
static X509 *cr_ocsp_signer(OCSP_BASICRESP *bs, X509 *issuer, time_t now, struct certrev_result *out)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	X509 *signer = NULL;
	if (!extra || !sk_X509_push(extra, issuer)) {
		sk_X509_free(extra);
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_BAD_INPUT, "out of memory");
		return NULL;
	}
	if (OCSP_resp_get0_signer(bs, &signer, extra) != 1 || !signer) {
		sk_X509_free(extra);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_WRONG_ISSUER,
		       "the OCSP answer is signed by a responder that is neither the issuer nor a certificate it sent");
		return NULL;
	}
	sk_X509_free(extra);
	if (X509_cmp(signer, issuer) == 0)
		return signer;
	EVP_PKEY *ik = X509_get0_pubkey(issuer);
	time_t nb = cr_time(X509_get0_notBefore(signer)), na = cr_time(X509_get0_notAfter(signer));
	if (X509_check_issued(issuer, signer) != X509_V_OK || !ik || X509_verify(signer, ik) != 1) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_WRONG_ISSUER,
		       "the OCSP responder's certificate is not issued by the certificate's issuer");
		return NULL;
	}
	if (!(X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN)) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_WRONG_ISSUER,
		       "the OCSP responder's certificate lacks the OCSP Signing EKU");
		return NULL;
	}
	if (nb == 0 || na == 0 || now < nb || now > na) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_STALE, "the OCSP responder's certificate is not valid at this time");
		return NULL;
	}
	return signer;
}

enum certrev_status certrev_ocsp_check(const uint8_t *resp, size_t len, const uint8_t *leaf, size_t leaflen,
				       const uint8_t *issuer, size_t issuerlen, time_t now, struct certrev_result *out)
{
	X509 *l = NULL, *i = NULL;
	OCSP_RESPONSE *r = NULL;
	OCSP_BASICRESP *bs = NULL;
	STACK_OF(X509) *signers = NULL;
	X509_STORE *st = NULL;
	char t[160];
	int idx = -1;

	memset(out, 0, sizeof *out);
	out->reason = -1;
	if (!resp || len == 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, "the answer is empty, not an OCSP response");
		return out->status;
	}
	if (len > CERTREV_MAX_OCSP) {
		fmt_into(t, sizeof t, "the OCSP answer is %zu bytes, over the %u KiB this tool parses", len, CERTREV_MAX_OCSP >> 10);
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_TOO_LARGE, t);
		return out->status;
	}
	if (cr_pair(leaf, leaflen, issuer, issuerlen, &l, &i, out) != 0)
		goto done;
	const unsigned char *p = resp;
	r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	if (!r) {
		if (len >= 2)
			fmt_into(t, sizeof t, "the answer (%zu bytes, starting 0x%02x 0x%02x) is not an OCSP response", len,
				 resp[0], resp[1]);
		else
			fmt_into(t, sizeof t, "the answer (%zu byte) is not an OCSP response", len);
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, t);
		goto done;
	}
	int rs = OCSP_response_status(r);
	if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		fmt_into(t, sizeof t, "the OCSP responder answered with status %d (%s), not a certificate status", rs,
			 OCSP_response_status_str(rs));
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_OCSP_ERROR, t);
		goto done;
	}
	bs = OCSP_response_get1_basic(r);
	if (!bs) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, "the OCSP response holds no basic OCSP response");
		goto done;
	}
	/* The SingleResponse for our certificate: Windows asks with a SHA-1 CertID; some responders
	 * answer with SHA-256. */
	const EVP_MD *mds[2] = {EVP_sha1(), EVP_sha256()};
	for (size_t m = 0; m < 2 && idx < 0; m++) {
		OCSP_CERTID *id = OCSP_cert_to_id(mds[m], l, i);
		if (id)
			idx = OCSP_resp_find(bs, id, -1);
		OCSP_CERTID_free(id);
	}
	X509 *signer = cr_ocsp_signer(bs, i, now, out);
	if (!signer)
		goto done;
	signers = sk_X509_new_null();
	st = X509_STORE_new();
	if (!signers || !st || !sk_X509_push(signers, signer)) {
		cr_set(out, CERTREV_UNDECIDED, CERTREV_WHY_BAD_INPUT, "out of memory");
		goto done;
	}
	/* The signature only: who may sign was checked above (cr_ocsp_signer). */
	if (OCSP_basic_verify(bs, signers, st, OCSP_NOINTERN | OCSP_NOVERIFY | OCSP_NOCHAIN) != 1) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_BAD_SIGNATURE, "the OCSP answer's signature does not verify");
		goto done;
	}
	if (idx < 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_OCSP_NO_STATUS, "the OCSP answer holds no status for this certificate");
		goto done;
	}
	OCSP_SINGLERESP *single = OCSP_resp_get0(bs, idx);
	int reason = -1;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int cs = single ? OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd) : -1;
	out->this_update = cr_time(thisupd);
	out->next_update = cr_time(nextupd);
	if (nextupd && out->next_update == 0) {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_NOT_PARSED, "the OCSP answer's nextUpdate does not parse");
		goto done;
	}
	if (cr_dates(out, now, false, "OCSP answer") != 0)
		goto done;
	if (cs == V_OCSP_CERTSTATUS_GOOD) {
		cr_set(out, CERTREV_GOOD, CERTREV_WHY_NONE, "a current OCSP answer signed for the issuer says the certificate is good");
	} else if (cs == V_OCSP_CERTSTATUS_REVOKED) {
		char d[32];
		out->revoked_at = cr_time(rev);
		out->reason = reason >= 0 && reason <= 10 ? reason : -1;
		cr_date(d, sizeof d, out->revoked_at);
		fmt_into(t, sizeof t, "the OCSP answer says the certificate is revoked since %s%s%s", d,
			 out->reason >= 0 ? ", reason " : "", out->reason >= 0 ? OCSP_crl_reason_str(out->reason) : "");
		cr_set(out, CERTREV_REVOKED, CERTREV_WHY_NONE, t);
	} else {
		cr_set(out, CERTREV_INVALID, CERTREV_WHY_OCSP_UNKNOWN,
		       "the OCSP responder answers \"unknown\" for this certificate: it does not vouch for it");
	}
done:
	X509_STORE_free(st);
	sk_X509_free(signers);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	X509_free(l);
	X509_free(i);
	ERR_clear_error();
	return out->status;
}

int certrev_ocsp_get_url(const char *responder, const uint8_t *leaf, size_t leaflen, const uint8_t *issuer,
			 size_t issuerlen, char *out, size_t outlen)
{
	X509 *l = cr_cert(leaf, leaflen), *i = cr_cert(issuer, issuerlen);
	OCSP_REQUEST *req = NULL;
	unsigned char der[1024], b64[1400], *p = der;
	int rc = -1, n;
	size_t o = 0, rl;

	if (!responder || !out || outlen == 0 || !l || !i)
		goto done;
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), l, i);
	if (!id || !(req = OCSP_REQUEST_new()) || !OCSP_request_add0_id(req, id)) {
		OCSP_CERTID_free(id);
		goto done;
	}
	n = i2d_OCSP_REQUEST(req, NULL);
	if (n <= 0 || (size_t)n > sizeof der || i2d_OCSP_REQUEST(req, &p) != n)
		goto done;
	int bl = EVP_EncodeBlock(b64, der, n);
	if (bl <= 0 || (size_t)bl >= sizeof b64)
		goto done;
	rl = strlen(responder);
	if (rl + 1 >= outlen)
		goto done;
	memcpy(out, responder, rl);
	o = rl;
	if (rl == 0 || responder[rl - 1] != '/')
		out[o++] = '/';
	for (int k = 0; k < bl; k++) {
		unsigned char ch = b64[k];
		const char *esc = ch == '+' ? "%2B" : ch == '/' ? "%2F" : ch == '=' ? "%3D" : NULL;
		size_t need = esc ? 3 : 1;
		if (o + need >= outlen)
			goto done;
		if (esc) {
			memcpy(out + o, esc, 3);
		} else {
			out[o] = (char)ch;
		}
		o += need;
	}
	out[o] = '\0';
	rc = (int)o;
done:
	if (rc < 0 && out && outlen)
		out[0] = '\0';
	OCSP_REQUEST_free(req);
	X509_free(l);
	X509_free(i);
	ERR_clear_error();
	return rc;
}
