/* The server certificate, checked the way Windows checks it, as FACTS (no verdicts): the IKEv2
 * probe (certificates from IKE_AUTH CERT payloads) and the SSTP probe (the TLS chain) both fill a
 * struct certcheck from the chain the server sent, and their rules map the facts to Windows errors
 * (13801/13806/0x80070040 for IKEv2; 0x800B0109/0x800B010F/0x800B0101/0x80092013... for SSTP).
 * Facts: shared/reference/windows-vpn-facts.md §2.9, §3.5, §7, §8 items 8-9, 11.
 *
 * No network and no file reads here: the trust store is an object built ONCE before the run
 * (certcheck_trust_new, from the --ca-file bytes the CLI read, or the system store) and shared by
 * every check. Fetching CRL distribution points and OCSP responders is done by the probe, from the
 * URLs this module extracts; what they answer is verified by crypto/certrev.h. Ownership:
 * certcheck_run copies what it needs; the caller keeps the DER buffers and frees nothing of
 * certcheck but through certcheck_free. */
#ifndef VPNDIAG_CRYPTO_CERTCHECK_H
#define VPNDIAG_CRYPTO_CERTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Bounds on the chain a server sends: every certificate up to these is parsed and offered to the
 * verification; past either one the chain is "too long" (reported, never "works"). A TLS chain
 * of real servers is 2-5 certificates and a few KB. */
#define CERTCHECK_MAX_CHAIN 64
#define CERTCHECK_MAX_CHAIN_BYTES (512u * 1024u)
#define CERTCHECK_MAX_CERT_BYTES (64u * 1024u)  /* one certificate; a larger one is not parsed */
#define CERTCHECK_MAX_ISSUER_DER 16384u          /* the leaf's issuer kept for revocation checks */
#define CERTCHECK_MAX_URLS 8
#define CERTCHECK_MAX_NAMES 16
#define CERTCHECK_KU_DIGITAL_SIGNATURE 0x80u /* in ku_bits (OpenSSL's KU_DIGITAL_SIGNATURE) */

struct certcheck_der {
	const uint8_t *p; /* one DER certificate, as the server sent it */
	size_t len;
};

/* The trusted roots: built once before the run and only read by certcheck_run (an X509_STORE
 * inside). Opaque. */
struct certcheck_trust;

/* From a PEM bundle (the --ca-file bytes; every CERTIFICATE block in it is trusted), or from the
 * system default store when pem is NULL. Returns NULL with a one-line reason in err when the
 * bytes hold no certificate or the store cannot be set up. Free with certcheck_trust_free. */
struct certcheck_trust *certcheck_trust_new(const uint8_t *pem, size_t len, char *err, size_t errlen);
void certcheck_trust_free(struct certcheck_trust *t);
/* Certificates in the store as loaded (0 for the system store, which is read lazily by OpenSSL). */
size_t certcheck_trust_count(const struct certcheck_trust *t);

struct certcheck_input {
	const struct certcheck_der *chain; /* leaf first, in the order the server sent them: ALL of them */
	size_t nchain;
	size_t ndropped;     /* certificates the server sent that the caller could not pass (its own
			      * bound); they make the chain "too long" like the bounds here */
	const char *host;    /* what the user typed as the server: a DNS name or an IP literal */
	const struct certcheck_trust *trust; /* the trusted roots; NULL: the system store, created
					      * lazily once per process (tests that build inputs by hand) */
	time_t now;          /* the time to check validity at (tests pass a fixed time) */
};

enum certcheck_key { CERTCHECK_KEY_OTHER, CERTCHECK_KEY_RSA, CERTCHECK_KEY_EC, CERTCHECK_KEY_ED25519, CERTCHECK_KEY_ED448 };

struct certcheck {
	bool parsed;                  /* the leaf parsed as X.509 */
	char subject[256], issuer[256];  /* one-line RFC 2253 names */
	char subject_cn[128];
	size_t ndns;                  /* dNSName SANs */
	char dns[CERTCHECK_MAX_NAMES][128];
	size_t nip;                   /* iPAddress SANs, as text */
	char ip[CERTCHECK_MAX_NAMES][64];

	/* Name: does the host the user typed match? Windows: a DNS name must be in a dNSName SAN or the
	 * subject CN; an IP address must be written as a dNSName SAN (an iPAddress SAN is not enough). */
	char host[256];               /* added: in->host as checked (printable ASCII), "" when none */
	bool host_is_ip;
	bool name_in_dns_san;         /* host (or the IP as text) matches a dNSName (wildcards per RFC 6125) */
	bool name_in_cn;
	bool ip_only_in_ipaddress_san; /* host is an IP that appears only as an iPAddress SAN */
	/* Added: the name as Windows would accept it: an IP host only through a dNSName SAN; a DNS host
	 * through a dNSName SAN or the CN (the CN is accepted even when SANs exist [I]). Wildcards:
	 * whole left-most label only, never "*.tld", never for IP hosts. False when no host given. */
	bool name_ok;
	/* Added (issue 13): HOW the name matched, for the rules of each protocol (Windows' IKEEXT and
	 * CryptoAPI's SSL policy are not documented alike). Set only when name_ok. */
	bool name_exact_dns_san;      /* host equals a dNSName SAN (no wildcard) */
	bool name_wildcard_dns_san;   /* host matches a wildcard dNSName SAN only */
	bool name_exact_cn;           /* host equals the CN (no wildcard) */
	bool name_wildcard_cn;        /* host matches a wildcard CN only */
	char name_pattern[128];       /* the SAN or CN that matched ("*.example.com") */

	/* EKU */
	bool has_eku_ext;             /* no EKU extension at all = any purpose */
	bool eku_server_auth;         /* 1.3.6.1.5.5.7.3.1 */
	bool eku_ike_intermediate;    /* 1.3.6.1.5.5.8.2.2 */
	bool eku_any;                 /* 2.5.29.37.0 */
	bool eku_client_auth;         /* added: 1.3.6.1.5.5.7.3.2 (a client certificate on a server) */
	bool eku_unreadable;          /* added (issue 13): the EKU extension is present but does not decode */

	/* Added (issue 13): Key Usage (RFC 5280 4.2.1.3) of the leaf. */
	bool has_ku_ext;
	unsigned ku_bits;             /* KU bits as OpenSSL numbers them (0x80 digitalSignature, 0x20 keyEncipherment...) */
	/* Added (issue 13): critical extensions of the leaf that this verifier does not support
	 * (RFC 5280: a relying party MUST reject such a certificate). */
	size_t ncritical_unknown;
	char critical_unknown[64];    /* the first one's OID, dotted */

	/* Dates */
	time_t not_before, not_after;
	bool not_yet_valid, expired;
	bool dates_ok;                /* added: both dates parsed (false: not_before/not_after are 0) */

	/* Key and signature */
	enum certcheck_key key_type;
	int key_bits;
	char curve[32];               /* "P-256", "P-384", "P-521", "" */
	bool key_rejected_by_windows; /* P-521 or EdDSA (Ed25519/Ed448) */
	char sig_hash[32];            /* "sha256", "sha1", "md5" ... of the leaf's signature; "intrinsic" for EdDSA */
	bool sig_weak;                /* added: the leaf is signed with MD2/MD4/MD5/SHA-1 */
	/* Added (issue 13): a CA certificate of the chain (an intermediate, not the trust anchor, whose
	 * own signature is not checked) is signed with MD2/MD4/MD5/SHA-1. */
	bool ca_sig_weak;
	char ca_sig_hash[32];         /* "sha1" */
	int ca_sig_weak_depth;        /* its chain position (1 = the leaf's issuer) */
	char ca_sig_weak_subject[128];

	/* Chain to the trust store */
	bool chain_ok;                /* verifies to a trusted root (X509_verify_cert with the store) */
	int verify_error;             /* OpenSSL X509_V_ERR_* of the first problem, 0 when chain_ok */
	char verify_error_text[128];
	int verify_error_depth;       /* added: chain position of that first problem (0 = leaf) */
	bool ca_date_invalid;         /* added: an issuer certificate (depth > 0) is expired or not yet valid */
	bool untrusted_root;          /* the chain is complete but ends in a root not in the store */
	bool missing_intermediate;    /* the issuer of some certificate is neither sent nor trusted */
	bool intermediates_sent;      /* the server sent more than the leaf */
	size_t nsent;                 /* certificates the server sent */
	size_t nsent_unparsed;        /* added: of those after the leaf, how many did not parse (ignored) */
	size_t chain_len;             /* length of the verified chain (0 when not verified) */
	/* Added (issue 11): the server sent more than CERTCHECK_MAX_CHAIN certificates or more than
	 * CERTCHECK_MAX_CHAIN_BYTES (or the caller dropped some): only the first nchecked were offered
	 * to the verification, so the facts about the chain may be incomplete. */
	bool chain_too_long;
	size_t nchecked;              /* certificates offered to the verification (leaf included) */
	size_t sent_bytes;            /* DER bytes the server sent (of the certificates passed in) */

	/* Added (issue 11): the leaf's issuer, for verifying CRLs and OCSP answers: from the chain
	 * the verification built (which may take it from the trust store), else the certificate the
	 * server sent that issued the leaf. issuer_der_len 0: not found (or over the bound). */
	uint8_t issuer_der[CERTCHECK_MAX_ISSUER_DER];
	size_t issuer_der_len;
	bool issuer_from_store;       /* the issuer came from the trust store, not from the server */

	/* Where revocation and missing issuers can be fetched (http/https/ldap URLs as written). */
	size_t ncrl, nocsp, naia;
	char crl[CERTCHECK_MAX_URLS][256];
	char ocsp[CERTCHECK_MAX_URLS][256];
	char aia_ca_issuers[CERTCHECK_MAX_URLS][256];
};

/* Fills *out from the chain. Returns 0 (facts filled, even when they are bad news), or -1 when the
 * leaf does not parse or the trust store cannot be read, with a one-line reason in err. */
int certcheck_run(const struct certcheck_input *in, struct certcheck *out, char *err, size_t errlen);

/* Short names for reports: "rsa", "ec", "ed25519". */
const char *certcheck_key_name(enum certcheck_key k);

/* Added: clears *c (it owns no heap memory today; call it anyway so that it may later). */
void certcheck_free(struct certcheck *c);

#endif
