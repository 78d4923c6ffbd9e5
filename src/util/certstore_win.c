/* Windows (certstore.h): the machine's root stores and its chain engine, through CryptoAPI. */
#include "util/certstore.h"

#include <stdio.h>
#include <string.h>
/* the Vista fields of CERT_CHAIN_PARA (dwUrlRetrievalTimeout) */
#define CERT_CHAIN_PARA_HAS_EXTRA_FIELDS
#include <windows.h>
#include <wincrypt.h>

#include "util/fmt.h"

static int enum_store(const wchar_t *name, certstore_add_fn add, void *ctx, int *count)
{
	HCERTSTORE s = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
				     CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG,
				     name);
	if (!s)
		return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
	int rc = 0;
	for (PCCERT_CONTEXT c = CertEnumCertificatesInStore(s, NULL); c; c = CertEnumCertificatesInStore(s, c)) {
		if (add(ctx, c->pbCertEncoded, c->cbCertEncoded) != 0) {
			CertFreeCertificateContext(c);
			rc = -2;
			break;
		}
		(*count)++;
	}
	CertCloseStore(s, 0);
	return rc;
}

int certstore_roots(certstore_add_fn add, void *ctx, char *err, size_t errlen)
{
	int count = 0;
	/* "ROOT" is the logical store (registry, group policy, enterprise); "AuthRoot" holds the
	 * third-party roots Windows has downloaded [D: System Store Locations] */
	int rc = enum_store(L"ROOT", add, ctx, &count);
	if (rc == 0)
		rc = enum_store(L"AuthRoot", add, ctx, &count);
	if (rc == -1) {
		fmt_into(err, errlen, "cannot open the machine's root store (Windows error %lu)", (unsigned long)GetLastError());
		return -1;
	}
	if (rc == -2) {
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	return count;
}

static const char *policy_text(DWORD e)
{
	switch (e) {
	case 0: return "the chain is good for this server";
	case (DWORD)CERT_E_UNTRUSTEDROOT: return "the root is not trusted by this PC (CERT_E_UNTRUSTEDROOT)";
	case (DWORD)CERT_E_CHAINING: return "no chain to a trusted root could be built (CERT_E_CHAINING)";
	case (DWORD)CERT_E_EXPIRED: return "a certificate has expired or is not yet valid (CERT_E_EXPIRED)";
	case (DWORD)CERT_E_CN_NO_MATCH: return "the name does not match the server (CERT_E_CN_NO_MATCH)";
	case (DWORD)CERT_E_WRONG_USAGE: return "the certificate is not for this use (CERT_E_WRONG_USAGE)";
	case (DWORD)CERT_E_REVOKED: return "a certificate is revoked (CERT_E_REVOKED)";
	case (DWORD)CRYPT_E_REVOCATION_OFFLINE: return "revocation could not be checked: the server is offline (CRYPT_E_REVOCATION_OFFLINE)";
	case (DWORD)CRYPT_E_NO_REVOCATION_CHECK: return "revocation could not be checked (CRYPT_E_NO_REVOCATION_CHECK)";
	case (DWORD)TRUST_E_CERT_SIGNATURE: return "a signature does not verify (TRUST_E_CERT_SIGNATURE)";
	case (DWORD)CERT_E_REVOCATION_FAILURE: return "the revocation check could not complete (CERT_E_REVOCATION_FAILURE)";
	default: return "the chain engine refused the chain";
	}
}

int certstore_verdict(const struct certstore_der *chain, size_t n, const char *host, bool network, uint32_t timeout_ms,
		      struct certstore_verdict *v, char *err, size_t errlen)
{
	memset(v, 0, sizeof *v);
	if (n == 0 || chain[0].len > 0xffffffffu) {
		fmt_into(err, errlen, "no certificate");
		return -1;
	}
	wchar_t whost[256];
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, host, -1, whost, 256) <= 0) {
		fmt_into(err, errlen, "the server name is not valid UTF-8");
		return -1;
	}
	/* the certificates the server sent, for the engine to build the chain from */
	HCERTSTORE extra = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
	PCCERT_CONTEXT leaf = CertCreateCertificateContext(X509_ASN_ENCODING, chain[0].p, (DWORD)chain[0].len);
	int rc = -1;
	if (!extra || !leaf) {
		fmt_into(err, errlen, "the chain engine does not take the certificate (Windows error %lu)", (unsigned long)GetLastError());
		goto out;
	}
	for (size_t i = 1; i < n; i++)
		if (chain[i].len <= 0xffffffffu)
			(void)CertAddEncodedCertificateToStore(extra, X509_ASN_ENCODING, chain[i].p, (DWORD)chain[i].len,
							       CERT_STORE_ADD_ALWAYS, NULL);
	CERT_CHAIN_PARA para;
	memset(&para, 0, sizeof para);
	para.cbSize = sizeof para;
	para.dwUrlRetrievalTimeout = timeout_ms ? timeout_ms : 1;
	DWORD flags = CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT |
		      (network ? CERT_CHAIN_REVOCATION_ACCUMULATIVE_TIMEOUT
			       : CERT_CHAIN_REVOCATION_CHECK_CACHE_ONLY | CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL);
	PCCERT_CHAIN_CONTEXT ch = NULL;
	if (!CertGetCertificateChain(HCCE_LOCAL_MACHINE, leaf, NULL, extra, &para, flags, NULL, &ch)) {
		fmt_into(err, errlen, "the chain engine failed (Windows error %lu)", (unsigned long)GetLastError());
		goto out;
	}
	SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl;
	memset(&ssl, 0, sizeof ssl);
	ssl.cbSize = sizeof ssl;
	ssl.dwAuthType = AUTHTYPE_SERVER;
	ssl.pwszServerName = whost;
	CERT_CHAIN_POLICY_PARA pp;
	memset(&pp, 0, sizeof pp);
	pp.cbSize = sizeof pp;
	pp.pvExtraPolicyPara = &ssl;
	/* IKEEXT's default strongcrlcheck=1 fails only on a cached "revoked": an unknown revocation
	 * status is no error there [D: netsh advfirewall help], so the SSL policy ignores revocation
	 * (SECURITY_FLAG_IGNORE_REVOCATION, wininet.h) and a cached "revoked" is taken from the chain's
	 * own status below; SSTP hard-fails on an unknown status [V] */
	if (!network) {
		pp.dwFlags = CERT_CHAIN_POLICY_IGNORE_ALL_REV_UNKNOWN_FLAGS;
		ssl.fdwChecks = 0x00000080;
	}
	CERT_CHAIN_POLICY_STATUS ps;
	memset(&ps, 0, sizeof ps);
	ps.cbSize = sizeof ps;
	if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, ch, &pp, &ps)) {
		fmt_into(err, errlen, "the SSL policy check failed (Windows error %lu)", (unsigned long)GetLastError());
	} else {
		v->error = ps.dwError;
		v->trust_errors = ch->TrustStatus.dwErrorStatus;
		if (!network && v->error == 0 && (v->trust_errors & CERT_TRUST_IS_REVOKED))
			v->error = (uint32_t)CERT_E_REVOKED;
		fmt_into(v->text, sizeof v->text, "%s", policy_text(ps.dwError));
		rc = 1;
	}
	CertFreeCertificateChain(ch);
out:
	if (leaf)
		CertFreeCertificateContext(leaf);
	if (extra)
		CertCloseStore(extra, 0);
	return rc;
}
