#include "probes/cert_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/certrev.h"
#include "util/fmt.h"

#define FETCH_MS 4000u        /* budget of one revocation fetch */
#define FETCH_MAX_BYTES (8u << 20)   /* one CRL body kept at most; a larger one is "too large" */
#define FETCH_TOTAL_BYTES (16u << 20) /* all bodies of one run together */
#define FETCH_AGENT "Microsoft-CryptoAPI/10.0" /* the user agent Windows' CRL/OCSP fetches send */

static void obs_new(const struct cert_fetch *s, struct obs *o, enum obs_kind kind, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = s->proto;
	o->port = port;
}

static bool http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* The engine as net/http.h's loop; ctx is our struct cert_fetch (its e and pi, set by the first
 * cert_fetch_add). */
static uint32_t loop_now(void *ctx)
{
	const struct cert_fetch *s = ctx;
	return engine_now_ms(s->e);
}

static uint32_t loop_end(void *ctx)
{
	const struct cert_fetch *s = ctx;
	return engine_end_ms(s->e);
}

static int loop_watch(void *ctx, int fd, bool add, bool rd, bool wr)
{
	struct cert_fetch *s = ctx;
	if (add && engine_watch(s->e, s->pi, fd) != 0)
		return -1;
	engine_watch_read(s->e, fd, rd);
	engine_watch_write(s->e, fd, wr);
	return 0;
}

static void loop_unwatch(void *ctx, int fd)
{
	struct cert_fetch *s = ctx;
	engine_unwatch(s->e, fd);
}

void cert_fetch_add(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, const char *kind, const char *url)
{
	if (s->nf >= CERT_FETCH_MAX)
		return;
	for (size_t i = 0; i < s->nf; i++)
		if (strcmp(s->f[i].url, url) == 0 && strcmp(s->f[i].kind, kind) == 0)
			return;
	struct obs o;
	if (!http_url(url)) {
		obs_new(s, &o, OBS_REVOCATION_FETCH, 0);
		fmt_into(o.set, sizeof o.set, "%s", kind);
		fmt_into(o.text, sizeof o.text, "%s", url);
		o.code = -1;
		fmt_into(o.evidence, sizeof o.evidence,
			 "%s URL %s was not fetched: only http and https URLs are fetched (an LDAP location is reachable only inside the directory's network)",
			 kind, url);
		engine_observe(e, pi, &o);
		return;
	}
	uint32_t now = engine_now_ms(e), end = engine_end_ms(e);
	long budget = end > now + 100 ? (long)(end - now - 100) : 1;
	if (budget > (long)FETCH_MS)
		budget = FETCH_MS;
	s->e = e;
	s->pi = pi;
	if (!s->http) {
		const struct net_http_loop loop = {.ctx = s, .now_ms = loop_now, .end_ms = loop_end,
						   .watch = loop_watch, .unwatch = loop_unwatch};
		if (!(s->http = net_http_new(&loop, FETCH_TOTAL_BYTES)))
			return;
	}
	struct cert_fetch_one *f = &s->f[s->nf];
	memset(f, 0, sizeof *f);
	fmt_into(f->kind, sizeof f->kind, "%s", kind);
	fmt_into(f->url, sizeof f->url, "%s", url);
	fmt_into(f->get, sizeof f->get, "%s", url);
	if (strcmp(kind, "ocsp") == 0) {
		/* A real OCSP request for the leaf, as a GET (RFC 6960 appendix A.1), the way Windows asks;
		 * without the issuer there is nothing to ask about. */
		if (!s->issuer || certrev_ocsp_get_url(url, s->leaf, s->leaf_len, s->issuer, s->issuer_len, f->get,
							sizeof f->get) < 0) {
			obs_new(s, &o, OBS_REVOCATION_INVALID, 0);
			fmt_into(o.set, sizeof o.set, "ocsp");
			o.code = s->issuer ? CERTREV_WHY_BAD_INPUT : CERTREV_WHY_NO_ISSUER;
			o.value = 0;
			fmt_into(o.text, sizeof o.text, "%s", s->issuer ? "no OCSP request could be built for the certificate"
								     : "the issuer of the certificate is not known here");
			fmt_into(o.evidence, sizeof o.evidence, "OCSP responder %s was not asked: %s, so no OCSP request can be built",
				 url, o.text);
			engine_observe(e, pi, &o);
			return;
		}
	}
	/* Bodies: read up to FETCH_MAX_BYTES (past it the body is cut, or refused at once when its
	 * Content-Length says so); a CRL is kept whole, an OCSP answer up to CERTREV_MAX_OCSP, an AIA
	 * certificate only counted (it is not verified). */
	const struct net_http_req req = {
		.url = f->get,
		.timeout_ms = (uint32_t)budget,
		.max_body = FETCH_MAX_BYTES,
		.max_keep = strcmp(kind, "aia") == 0 ? 0 : strcmp(kind, "ocsp") == 0 ? CERTREV_MAX_OCSP : FETCH_MAX_BYTES,
		.user_agent = FETCH_AGENT,
		.tag = f,
	};
	if (net_http_get(s->http, &req) != 0)
		return;
	f->started = now;
	s->nf++;
	char t[400];
	fmt_into(t, sizeof t, "HTTP GET %s (%s%s, from this side, timeout %ld ms)", f->url, kind,
		 strcmp(kind, "ocsp") == 0 ? ": an OCSP request for the certificate" : "", budget);
	engine_packet(e, pi, '>', s->dst, t);
}

/* A CRL or OCSP body that came back with HTTP 200: verified for the leaf (crypto/certrev.h), one
 * observation for what it says: revocation-good, cert-revoked, or revocation-invalid. */
static void fetch_verify(struct engine *e, struct probe_inst *pi, struct cert_fetch *s, struct cert_fetch_one *f,
			 const struct net_http_result *r)
{
	struct obs o;
	struct certrev_result res;
	bool crl = strcmp(f->kind, "crl") == 0;
	const char *what = crl ? "the CRL from" : "the OCSP answer from";
	if (r->truncated) {
		memset(&res, 0, sizeof res);
		res.status = CERTREV_UNDECIDED;
		res.why = CERTREV_WHY_TOO_LARGE;
		fmt_into(res.text, sizeof res.text, "the answer is larger than this tool keeps (%u MiB for all answers, %u KiB for OCSP), not checked",
			 FETCH_TOTAL_BYTES >> 20, CERTREV_MAX_OCSP >> 10);
	} else if (crl) {
		certrev_crl_check(r->body, r->body_len, s->leaf, s->leaf_len, s->issuer, s->issuer_len, s->check_time, &res);
	} else {
		certrev_ocsp_check(r->body, r->body_len, s->leaf, s->leaf_len, s->issuer, s->issuer_len, s->check_time, &res);
	}
	obs_new(s, &o, res.status == CERTREV_GOOD ? OBS_REVOCATION_GOOD
		    : res.status == CERTREV_REVOKED ? OBS_CERT_REVOKED : OBS_REVOCATION_INVALID, 0);
	fmt_into(o.set, sizeof o.set, "%s", f->kind);
	if (res.status == CERTREV_REVOKED) {
		o.code = res.reason;
		o.value = (int64_t)res.revoked_at;
		fmt_into(o.text, sizeof o.text, "%s", f->url);
		fmt_into(o.evidence, sizeof o.evidence, "%s %s: %s", what, f->url, res.text);
	} else if (res.status == CERTREV_GOOD) {
		o.value = (int64_t)res.next_update;
		fmt_into(o.text, sizeof o.text, "%s", f->url);
		fmt_into(o.evidence, sizeof o.evidence, "%s %s: %s", what, f->url, res.text);
	} else {
		o.code = (int32_t)res.why;
		o.value = (int64_t)r->body_len;
		fmt_into(o.text, sizeof o.text, "%s", res.text);
		fmt_into(o.evidence, sizeof o.evidence, "%s %s is not a usable revocation answer: %s", what, f->url, res.text);
	}
	engine_observe(e, pi, &o);
	engine_packet(e, pi, '<', s->dst, o.evidence);
}

/* One ended transfer: what the fetch gave (revocation-fetch: code 0 answered, else the transport's
 * error class, net/http.h), then for a CRL / OCSP answer with HTTP 200 what it says. */
static void fetch_record(struct engine *e, struct probe_inst *pi, struct cert_fetch *s, struct cert_fetch_one *f,
			 const struct net_http_result *r)
{
	struct obs o;
	obs_new(s, &o, OBS_REVOCATION_FETCH, 0);
	fmt_into(o.set, sizeof o.set, "%s", f->kind);
	fmt_into(o.text, sizeof o.text, "%s", f->url);
	o.code = (int32_t)r->err;
	o.value = r->status;
	uint32_t ms = engine_now_ms(e) - f->started;
	const char *what = strcmp(f->kind, "crl") == 0 ? "CRL distribution point"
			   : strcmp(f->kind, "ocsp") == 0 ? "OCSP responder" : "AIA issuer (caIssuers)";
	bool ok = r->err == NET_HTTP_OK;
	if (ok)
		fmt_into(o.evidence, sizeof o.evidence, "%s %s answered HTTP %ld (%zu bytes) in %u ms", what, f->url, r->status,
			 r->bytes, ms);
	else
		fmt_into(o.evidence, sizeof o.evidence, "%s %s could not be fetched from this network: %s (after %.1f s)", what,
			 f->url, r->msg, ms / 1000.0);
	engine_observe(e, pi, &o);
	engine_packet(e, pi, ok ? '<' : '!', s->dst, o.evidence);
	f->done = true;
	if (ok && r->status == 200 && strcmp(f->kind, "aia") != 0)
		fetch_verify(e, pi, s, f, r);
}

/* Records the transfers that ended (each result's body is ours: freed here). */
static void collect(struct cert_fetch *s, struct engine *e, struct probe_inst *pi)
{
	struct net_http_result r;
	while (net_http_collect(s->http, &r)) {
		struct cert_fetch_one *f = r.tag;
		if (f && !f->done)
			fetch_record(e, pi, s, f, &r);
		free(r.body);
	}
}

void cert_fetch_drive(struct cert_fetch *s, struct engine *e, struct probe_inst *pi)
{
	if (!s->http)
		return;
	net_http_drive(s->http);
	collect(s, e, pi);
}

bool cert_fetch_on_fd(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, int fd)
{
	if (!s->http || !net_http_on_fd(s->http, fd))
		return false;
	collect(s, e, pi);
	return true;
}

uint32_t cert_fetch_wake(const struct cert_fetch *s, const struct engine *e)
{
	(void)e;
	return s->http ? net_http_wake(s->http) : 0;
}

void cert_fetch_cleanup(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, bool record)
{
	if (s->http) {
		/* The unfinished transfers end as timed out (recorded when asked), then everything goes. */
		net_http_stop(s->http);
		struct net_http_result r;
		while (net_http_collect(s->http, &r)) {
			struct cert_fetch_one *f = r.tag;
			if (record && f && !f->done)
				fetch_record(e, pi, s, f, &r);
			free(r.body);
		}
		net_http_free(s->http);
		s->http = NULL;
	}
	free(s->leaf);
	free(s->issuer);
	s->leaf = s->issuer = NULL;
	s->leaf_len = s->issuer_len = 0;
}
