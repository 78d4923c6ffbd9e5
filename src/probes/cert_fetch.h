/* Revocation fetches from this side (issue 11), for a probe that saw a server certificate (SSTP):
 * every CRL distribution point and OCSP responder of the leaf, and the AIA issuers when the chain
 * lacks an intermediate, fetched the way Windows' CryptoAPI asks (its user agent; OCSP as a GET
 * of the responder URL plus the base64 of a DER OCSPRequest, RFC 6960 appendix A.1). A URL that
 * answers is not enough: each CRL / OCSP body is kept (bounded) and verified against the leaf's
 * issuer (crypto/certrev.h).
 *
 * This file holds the meaning (which URLs, the OCSP GET, the bounds, the observations); the
 * transfers are net/http.h's (libcurl on Linux, WinHTTP on Windows), driven inside the engine's
 * loop: the sockets it names are watched through the engine for the probe (cert_fetch_on_fd), its
 * next wake-up is part of the probe's deadline (cert_fetch_wake). Each transfer's timeout is
 * bounded by what is left of the run, so the fetches never extend it.
 *
 * Ownership: struct cert_fetch is the probe's (inside its state, zeroed); it owns the net_http
 * client (with the transfers and their bodies) and the leaf and issuer DER (heap), freed by
 * cert_fetch_cleanup. */
#ifndef VPNDIAG_PROBES_CERT_FETCH_H
#define VPNDIAG_PROBES_CERT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/certcheck.h"
#include "net/http.h"
#include "net/net.h"
#include "probes/probe.h"

#define CERT_FETCH_MAX (CERTCHECK_MAX_URLS * 3)

struct cert_fetch_one {
	char kind[8];          /* "crl" "ocsp" "aia" */
	char url[256];         /* the URL the certificate names */
	char get[900];         /* what is fetched: url, or the OCSP GET URL with the request */
	uint32_t started;
	bool done;             /* recorded */
};

struct cert_fetch {
	unsigned proto;              /* KB_P_* bit of the observations */
	const struct net_addr *dst;  /* the address the packet log names (the probe's, kept) */
	struct net_http *http;       /* the transfers (created by the first cert_fetch_add) */
	struct cert_fetch_one f[CERT_FETCH_MAX];
	size_t nf;
	/* The leaf and its issuer (DER, heap), to verify CRL and OCSP answers; NULL when unknown. */
	uint8_t *leaf, *issuer;
	size_t leaf_len, issuer_len;
	time_t check_time;           /* the time the certificate was checked at */
	/* The engine and the probe the transfers' sockets are watched for; set by the first
	 * cert_fetch_add (the probe's, kept). */
	struct engine *e;
	struct probe_inst *pi;
};

/* Starts fetching url (kind "crl", "ocsp" or "aia"), once per URL and kind; a URL that is not
 * http(s), or an OCSP responder without a known issuer, is recorded instead. */
void cert_fetch_add(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, const char *kind, const char *url);
/* Moves the transfers on when their wake-up is due, and records those that ended (fetch, then
 * what the body says). Called on every wake-up of the probe; cheap when nothing is due. */
void cert_fetch_drive(struct cert_fetch *s, struct engine *e, struct probe_inst *pi);
/* fd woke the probe: when it is one of the transfers' sockets, moves its transfer on (recording
 * as cert_fetch_drive does) and returns true; false for any other fd. */
bool cert_fetch_on_fd(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, int fd);
/* When cert_fetch_drive must run next (engine clock), 0 when no transfer is running. */
uint32_t cert_fetch_wake(const struct cert_fetch *s, const struct engine *e);
/* Ends every transfer (record: the unfinished ones are recorded as timed out) and frees all. */
void cert_fetch_cleanup(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, bool record);

#endif
