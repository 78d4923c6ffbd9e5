/* The platform's own certificate trust (issue 14/15): the roots a Windows PC trusts, from its
 * machine stores, and the verdict of Windows' own chain engine on a server's chain. Implemented in
 * certstore_win.c (CryptoAPI) and certstore_posix.c (Linux: OpenSSL's default paths are the system
 * store, and there is no chain engine of the platform's own). */
#ifndef VPNDIAG_UTIL_CERTSTORE_H
#define VPNDIAG_UTIL_CERTSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called once per root certificate; der is the store's, valid during the call only. Return 0 to
 * go on, -1 to stop (out of memory). */
typedef int (*certstore_add_fn)(void *ctx, const uint8_t *der, size_t len);

/* The machine's trusted roots, the stores IKEEXT and SstpSvc (both LocalSystem) build chains
 * from: LOCAL_MACHINE "ROOT" (with its group-policy and enterprise parts) and "AuthRoot".
 * Returns how many were passed to add, or -1 where the platform has no store of its own (then
 * OpenSSL's default paths are the system store) or the store cannot be opened (err says). */
int certstore_roots(certstore_add_fn add, void *ctx, char *err, size_t errlen);

struct certstore_der {
	const uint8_t *p;
	size_t len;
};

/* Windows' own verdict on a server chain (leaf first, as sent): CertGetCertificateChain in the
 * machine's chain engine with revocation checked, then CertVerifyCertificateChainPolicy with the
 * SSL policy for a server named host. Revocation as the protocol's client checks it: from the cache
 * only (IKEEXT's default strongcrlcheck=1 fails only on a cached "revoked" [D]), or also over the
 * network (SSTP, which hard-fails when the CRL cannot be fetched [V]) with every fetch together
 * bounded by timeout_ms (the chain engine blocks while it fetches). */
struct certstore_verdict {
	uint32_t error;       /* 0 = the chain is good; else the policy's error (an HRESULT such as
			       * 0x800B0109 CERT_E_UNTRUSTEDROOT, 0x800B010F CERT_E_CN_NO_MATCH) */
	uint32_t trust_errors; /* CERT_TRUST_STATUS.dwErrorStatus of the chain (bits) */
	char text[200];       /* what the error means, one line */
};

/* Returns 1 with *v filled, 0 where the platform has no chain engine (Linux), -1 when the chain
 * could not be handed to it (err says). */
int certstore_verdict(const struct certstore_der *chain, size_t n, const char *host, bool network, uint32_t timeout_ms,
		      struct certstore_verdict *v, char *err, size_t errlen);

#endif
