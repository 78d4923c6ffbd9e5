/* Revocation fetches from this side (issue 11), for a probe that saw a server certificate (SSTP):
 * every CRL distribution point and OCSP responder of the leaf, and the AIA issuers when the chain
 * lacks an intermediate, fetched with libcurl the way Windows' CryptoAPI asks (OCSP as a GET of
 * the responder URL plus the base64 of a DER OCSPRequest, RFC 6960 appendix A.1). A URL that
 * answers is not enough: each CRL / OCSP body is kept (bounded) and verified against the leaf's
 * issuer (crypto/certrev.h).
 *
 * The transfers run on a libcurl multi handle driven by its socket API (issue 16 item 7): libcurl
 * names the sockets it waits on (CURLMOPT_SOCKETFUNCTION), which are watched through the engine
 * for the probe, and its next timeout (CURLMOPT_TIMERFUNCTION), which the probe makes part of its
 * deadline (cert_fetch_wake); so a fetch moves on as soon as its socket is ready, not on a tick.
 * (An fd the engine cannot take, past its per-address bound, falls back to driving every
 * transfer on a 25 ms tick.) Each transfer's timeout is bounded by what is left of the run, so
 * the fetches never extend it.
 *
 * Ownership: struct cert_fetch is the probe's (inside its state); it owns the curl handles, the
 * bodies and the leaf and issuer DER (heap), freed by cert_fetch_cleanup. */
#ifndef VPNDIAG_PROBES_CERT_FETCH_H
#define VPNDIAG_PROBES_CERT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "crypto/certcheck.h"
#include "net/net.h"
#include "probes/probe.h"

#define CERT_FETCH_MAX (CERTCHECK_MAX_URLS * 3)
#define CERT_FETCH_MAX_FDS 16 /* libcurl sockets watched at once; beyond, the 25 ms tick */

struct cert_fetch_one {
	CURL *h;
	char kind[8];          /* "crl" "ocsp" "aia" */
	char url[256];         /* the URL the certificate names */
	char get[900];         /* what is fetched: url, or the OCSP GET URL with the request */
	size_t bytes;          /* body bytes received */
	uint8_t *body;         /* crl/ocsp: the body, kept for verification (heap, ours) */
	size_t bodylen, bodycap;
	bool truncated;        /* the body went over our bound: not verified */
	size_t *body_total;    /* the probe's count of all kept bodies (FETCH_TOTAL_BYTES) */
	uint32_t started;
	bool done;
};

struct cert_fetch {
	unsigned proto;              /* KB_P_* bit of the observations */
	const struct net_addr *dst;  /* the address the packet log names (the probe's, kept) */
	CURLM *multi;
	struct cert_fetch_one f[CERT_FETCH_MAX];
	size_t nf;
	int running;                 /* transfers under way: drive them on a tick while > 0 */
	size_t body_total;           /* bytes of all kept bodies */
	/* The leaf and its issuer (DER, heap), to verify CRL and OCSP answers; NULL when unknown. */
	uint8_t *leaf, *issuer;
	size_t leaf_len, issuer_len;
	time_t check_time;           /* the time the certificate was checked at */
	/* libcurl's sockets as the engine watches them for the probe, and its timer (engine clock,
	 * 0 = none); e and pi are the probe's, set by the first cert_fetch_add. */
	struct engine *e;
	struct probe_inst *pi;
	int fds[CERT_FETCH_MAX_FDS];
	size_t nfds;
	uint32_t timer_at;
	bool tick;                   /* a socket could not be watched: drive every transfer on a tick */
};

/* Starts fetching url (kind "crl", "ocsp" or "aia"), once per URL and kind; a URL that is not
 * http(s), or an OCSP responder without a known issuer, is recorded instead. */
void cert_fetch_add(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, const char *kind, const char *url);
/* Moves the transfers on when libcurl's timer is due, and records those that ended (fetch, then
 * what the body says). Called on every wake-up of the probe; cheap when nothing is due. */
void cert_fetch_drive(struct cert_fetch *s, struct engine *e, struct probe_inst *pi);
/* fd woke the probe: when it is one of libcurl's, moves its transfer on (as cert_fetch_drive
 * records) and returns true; false for an fd that is not libcurl's. */
bool cert_fetch_on_fd(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, int fd);
/* When cert_fetch_drive must run next (engine clock), 0 when no transfer is running. */
uint32_t cert_fetch_wake(const struct cert_fetch *s, const struct engine *e);
/* Ends every transfer (record: the unfinished ones are recorded as timed out) and frees all. */
void cert_fetch_cleanup(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, bool record);

#endif
