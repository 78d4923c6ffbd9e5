/* Revocation answers, verified the way the Windows SSTP client needs them (issue 11): a CRL or an
 * OCSP response fetched from the server certificate's CDP / OCSP URL counts only when it parses,
 * is signed by the issuer of the certificate, is current at `now`, and then says "not revoked"
 * (or "revoked", a finding of its own). An HTTP 200 with junk is NOT a revocation answer.
 *
 * Pure functions over bytes: no network, no files, no trust store (the issuer is given: the probe
 * takes it from the verified chain or from the chain the server sent, struct certcheck
 * issuer_der). Ownership: nothing is kept; out is filled, err-style text lives inside it.
 *
 * Time rules (facts §3.5; KB 2980672 lists an expired CRL as a cause of 0x80092013):
 *  - CRL: thisUpdate <= now + CERTREV_SKEW_S; nextUpdate present and > now (a CRL without
 *    nextUpdate violates RFC 5280 §5.1.2.5 and is not taken as current [I]).
 *  - OCSP: thisUpdate <= now + CERTREV_SKEW_S; nextUpdate, when present, > now (RFC 6960 §2.4:
 *    absent means "newer information is always available", accepted).
 * CERTREV_SKEW_S tolerates a responder clock a little ahead of ours [I]. */
#ifndef VPNDIAG_CRYPTO_CERTREV_H
#define VPNDIAG_CRYPTO_CERTREV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CERTREV_SKEW_S 300
#define CERTREV_MAX_CRL (16u << 20)  /* a larger answer is not parsed (UNDECIDED) */
#define CERTREV_MAX_OCSP (64u * 1024u)

enum certrev_status {
	CERTREV_GOOD = 0,      /* valid, verified, current, and the certificate is not revoked */
	CERTREV_REVOKED = 1,   /* valid, verified, current, and the certificate IS revoked */
	CERTREV_INVALID = 2,   /* not a usable answer (why says which): Windows cannot use it either */
	CERTREV_UNDECIDED = 3, /* this side cannot tell (no issuer known, our size bound): neither */
};

/* Why an answer is INVALID / UNDECIDED; the value goes into the observation's code. */
enum certrev_why {
	CERTREV_WHY_NONE = 0,
	CERTREV_WHY_NOT_PARSED = 1,      /* not a DER or PEM CRL / not an OCSPResponse */
	CERTREV_WHY_WRONG_ISSUER = 2,    /* issued by another CA than the certificate's issuer */
	CERTREV_WHY_BAD_SIGNATURE = 3,   /* does not verify with the issuer's key */
	CERTREV_WHY_STALE = 4,           /* nextUpdate has passed (or a CRL has none) */
	CERTREV_WHY_NOT_YET_VALID = 5,   /* thisUpdate is in the future */
	CERTREV_WHY_OCSP_ERROR = 6,      /* responseStatus not successful (tryLater, unauthorized...) */
	CERTREV_WHY_OCSP_NO_STATUS = 7,  /* no SingleResponse for this certificate */
	CERTREV_WHY_OCSP_UNKNOWN = 8,    /* certStatus unknown: the responder does not know it */
	CERTREV_WHY_NOT_A_CRL_FOR_IT = 9, /* a delta CRL, or one whose scope excludes the certificate */
	CERTREV_WHY_NO_ISSUER = 20,      /* UNDECIDED: the issuer certificate is not known here */
	CERTREV_WHY_TOO_LARGE = 21,      /* UNDECIDED: over our size bound, not parsed */
	CERTREV_WHY_BAD_INPUT = 22,      /* UNDECIDED: the leaf or issuer given does not parse */
};

struct certrev_result {
	enum certrev_status status;
	enum certrev_why why;
	char text[160];        /* one line: what was found (printable ASCII) */
	time_t this_update, next_update; /* 0 when absent / not parsed */
	time_t revoked_at;     /* REVOKED: when; else 0 */
	int reason;            /* REVOKED: CRLReason code, -1 when none given */
	size_t entries;        /* CRL: revoked entries listed */
	bool pem;              /* the CRL came PEM-encoded */
};

/* A CRL (DER, or PEM "-----BEGIN X509 CRL-----") checked for the leaf against its issuer (both
 * DER). Fills *out; returns out->status. */
enum certrev_status certrev_crl_check(const uint8_t *crl, size_t len, const uint8_t *leaf, size_t leaflen,
				      const uint8_t *issuer, size_t issuerlen, time_t now, struct certrev_result *out);

/* A DER OCSPResponse checked for the leaf: responseStatus successful, a BasicOCSPResponse signed by
 * the issuer or by a responder certificate the issuer issued for OCSP signing (RFC 6960 §4.2.2.2),
 * the SingleResponse for the leaf's CertID (SHA-1 or SHA-256), its dates. Returns out->status. */
enum certrev_status certrev_ocsp_check(const uint8_t *resp, size_t len, const uint8_t *leaf, size_t leaflen,
				       const uint8_t *issuer, size_t issuerlen, time_t now, struct certrev_result *out);

/* The OCSP GET URL for the leaf (RFC 6960 appendix A.1): responder "/" url-encoded base64 of a DER
 * OCSPRequest with one SHA-1 CertID and no nonce, as Windows (and RFC 5019) send it. Returns the
 * URL length, or -1 (issuer/leaf do not parse, out too small). */
int certrev_ocsp_get_url(const char *responder, const uint8_t *leaf, size_t leaflen, const uint8_t *issuer,
			 size_t issuerlen, char *out, size_t outlen);

/* Short names: "good", "revoked", "invalid", "undecided". */
const char *certrev_status_name(enum certrev_status s);

#endif
