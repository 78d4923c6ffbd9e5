#include "probes/cert_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/certrev.h"
#include "util/fmt.h"

#define FETCH_MS 4000u        /* budget of one revocation fetch */
#define FETCH_MAX_BYTES (8u << 20)   /* one CRL body kept at most; a larger one is "too large" */
#define FETCH_TOTAL_BYTES (16u << 20) /* all bodies of one run together */
#define TICK_MS 25u           /* the fallback tick, when a libcurl socket could not be watched */

static void obs_new(const struct cert_fetch *s, struct obs *o, enum obs_kind kind, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = s->proto;
	o->port = port;
}

/* libcurl write callback: counts the body and keeps it for crl/ocsp (bounded). data is libcurl's
 * buffer, valid only during the call (copied); userp is our struct cert_fetch_one. Returning less than the
 * size aborts the transfer. */
static size_t fetch_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct cert_fetch_one *f = userp;
	size_t n = size * nmemb;
	if (f->bytes + n > FETCH_MAX_BYTES) {
		f->truncated = true;
		return 0;
	}
	f->bytes += n;
	if (strcmp(f->kind, "aia") == 0 || n == 0)
		return n;
	size_t cap = strcmp(f->kind, "ocsp") == 0 ? CERTREV_MAX_OCSP : FETCH_MAX_BYTES;
	if (f->bodylen + n > cap || *f->body_total + n > FETCH_TOTAL_BYTES) {
		f->truncated = true;
		return 0;
	}
	if (f->bodylen + n > f->bodycap) {
		size_t nc = f->bodycap ? f->bodycap : 16384;
		while (nc < f->bodylen + n)
			nc *= 2;
		if (nc > cap)
			nc = cap;
		uint8_t *nb = realloc(f->body, nc);
		if (!nb) {
			f->truncated = true;
			return 0;
		}
		f->body = nb;
		f->bodycap = nc;
	}
	memcpy(f->body + f->bodylen, data, n);
	f->bodylen += n;
	*f->body_total += n;
	return n;
}

static bool http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* CURLMOPT_SOCKETFUNCTION: libcurl waits on fd for `what` (or no longer, CURL_POLL_REMOVE, which
 * it says before it closes the socket). The fd is watched through the engine for the probe; one
 * the engine cannot take turns the fallback tick on. userp is our struct cert_fetch. */
static int on_socket(CURL *h, curl_socket_t fd, int what, void *userp, void *sockp)
{
	(void)h;
	(void)sockp;
	struct cert_fetch *s = userp;
	size_t i = 0;
	while (i < s->nfds && s->fds[i] != (int)fd)
		i++;
	if (what == CURL_POLL_REMOVE) {
		if (i < s->nfds) {
			engine_unwatch(s->e, (int)fd);
			s->fds[i] = s->fds[--s->nfds];
		}
		return 0;
	}
	if (i == s->nfds) {
		if (s->nfds >= CERT_FETCH_MAX_FDS || engine_watch(s->e, s->pi, (int)fd) != 0) {
			s->tick = true;
			return 0;
		}
		s->fds[s->nfds++] = (int)fd;
	}
	engine_watch_read(s->e, (int)fd, (what & CURL_POLL_IN) != 0);
	engine_watch_write(s->e, (int)fd, (what & CURL_POLL_OUT) != 0);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT) in ms
 * milliseconds (-1: never). Only recorded here (libcurl must not be called back from it). */
static int on_timer(CURLM *m, long ms, void *userp)
{
	(void)m;
	struct cert_fetch *s = userp;
	if (ms < 0) {
		s->timer_at = 0;
		return 0;
	}
	uint32_t now = engine_now_ms(s->e), end = engine_end_ms(s->e);
	uint32_t left = end > now ? end - now : 0;
	uint32_t t = now + ((unsigned long)ms < left ? (uint32_t)ms : left);
	s->timer_at = t ? t : 1;
	return 0;
}

static CURLM *multi_new(struct cert_fetch *s)
{
	CURLM *m = curl_multi_init();
	if (!m)
		return NULL;
	curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(m, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(m, CURLMOPT_TIMERDATA, s);
	return m;
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
	if (!s->multi && !(s->multi = multi_new(s)))
		return;
	struct cert_fetch_one *f = &s->f[s->nf];
	memset(f, 0, sizeof *f);
	fmt_into(f->kind, sizeof f->kind, "%s", kind);
	fmt_into(f->url, sizeof f->url, "%s", url);
	fmt_into(f->get, sizeof f->get, "%s", url);
	f->body_total = &s->body_total;
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
	f->h = curl_easy_init();
	if (!f->h)
		return;
	curl_easy_setopt(f->h, CURLOPT_URL, f->get);
	curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, budget);
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT_MS, budget);
	curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BYTES);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->h, CURLOPT_USERAGENT, "Microsoft-CryptoAPI/10.0");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(f->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
	if (curl_multi_add_handle(s->multi, f->h) != CURLM_OK) {
		curl_easy_cleanup(f->h);
		f->h = NULL;
		return;
	}
	f->started = now;
	s->nf++;
	s->running++;
	char t[400];
	fmt_into(t, sizeof t, "HTTP GET %s (%s%s, from this side, timeout %ld ms)", f->url, kind,
		 strcmp(kind, "ocsp") == 0 ? ": an OCSP request for the certificate" : "", budget);
	engine_packet(e, pi, '>', s->dst, t);
}

/* A CRL or OCSP body that came back with HTTP 200: verified for the leaf (crypto/certrev.h), one
 * observation for what it says: revocation-good, cert-revoked, or revocation-invalid. */
static void fetch_verify(struct engine *e, struct probe_inst *pi, struct cert_fetch *s, struct cert_fetch_one *f)
{
	struct obs o;
	struct certrev_result res;
	bool crl = strcmp(f->kind, "crl") == 0;
	const char *what = crl ? "the CRL from" : "the OCSP answer from";
	if (f->truncated) {
		memset(&res, 0, sizeof res);
		res.status = CERTREV_UNDECIDED;
		res.why = CERTREV_WHY_TOO_LARGE;
		fmt_into(res.text, sizeof res.text, "the answer is larger than this tool keeps (%u MiB for all answers, %u KiB for OCSP), not checked",
			 FETCH_TOTAL_BYTES >> 20, CERTREV_MAX_OCSP >> 10);
	} else if (crl) {
		certrev_crl_check(f->body, f->bodylen, s->leaf, s->leaf_len, s->issuer, s->issuer_len, s->check_time, &res);
	} else {
		certrev_ocsp_check(f->body, f->bodylen, s->leaf, s->leaf_len, s->issuer, s->issuer_len, s->check_time, &res);
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
		o.value = (int64_t)f->bodylen;
		fmt_into(o.text, sizeof o.text, "%s", res.text);
		fmt_into(o.evidence, sizeof o.evidence, "%s %s is not a usable revocation answer: %s", what, f->url, res.text);
	}
	engine_observe(e, pi, &o);
	engine_packet(e, pi, '<', s->dst, o.evidence);
}

static void fetch_record(struct engine *e, struct probe_inst *pi, struct cert_fetch *s, struct cert_fetch_one *f, CURLcode rc)
{
	struct obs o;
	long status = 0;
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && status > 0)
		rc = CURLE_OK; /* we stopped reading a large body: the server answered */
	obs_new(s, &o, OBS_REVOCATION_FETCH, 0);
	fmt_into(o.set, sizeof o.set, "%s", f->kind);
	fmt_into(o.text, sizeof o.text, "%s", f->url);
	o.code = (int32_t)rc;
	o.value = status;
	uint32_t ms = engine_now_ms(e) - f->started;
	const char *what = strcmp(f->kind, "crl") == 0 ? "CRL distribution point"
			   : strcmp(f->kind, "ocsp") == 0 ? "OCSP responder" : "AIA issuer (caIssuers)";
	if (rc == CURLE_OK)
		fmt_into(o.evidence, sizeof o.evidence, "%s %s answered HTTP %ld (%zu bytes) in %u ms", what, f->url, status,
			 f->bytes, ms);
	else
		fmt_into(o.evidence, sizeof o.evidence, "%s %s could not be fetched from this network: %s (after %.1f s)", what,
			 f->url, curl_easy_strerror(rc), ms / 1000.0);
	engine_observe(e, pi, &o);
	engine_packet(e, pi, rc == CURLE_OK ? '<' : '!', s->dst, o.evidence);
	f->done = true;
	if (rc == CURLE_OK && status == 200 && strcmp(f->kind, "aia") != 0)
		fetch_verify(e, pi, s, f);
	free(f->body);
	f->body = NULL;
	f->bodylen = f->bodycap = 0;
}

/* Records the transfers libcurl says have ended. */
static void collect(struct cert_fetch *s, struct engine *e, struct probe_inst *pi)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(s->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct cert_fetch_one *f = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		if (f && !f->done)
			fetch_record(e, pi, s, f, m->data.result);
	}
}

void cert_fetch_drive(struct cert_fetch *s, struct engine *e, struct probe_inst *pi)
{
	if (!s->multi || s->running <= 0)
		return;
	int running = s->running;
	uint32_t now = engine_now_ms(e);
	if (s->tick) {
		s->timer_at = 0;
		curl_multi_perform(s->multi, &running);
	} else if (s->timer_at && now >= s->timer_at) {
		s->timer_at = 0;
		curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	} else {
		return;
	}
	s->running = running;
	collect(s, e, pi);
}

bool cert_fetch_on_fd(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, int fd)
{
	size_t i = 0;
	while (i < s->nfds && s->fds[i] != fd)
		i++;
	if (!s->multi || i == s->nfds)
		return false;
	int running = s->running;
	/* ev 0: the engine does not say which event; libcurl looks at the socket itself. */
	curl_multi_socket_action(s->multi, (curl_socket_t)fd, 0, &running);
	s->running = running;
	collect(s, e, pi);
	return true;
}

uint32_t cert_fetch_wake(const struct cert_fetch *s, const struct engine *e)
{
	if (!s->multi || s->running <= 0)
		return 0;
	uint32_t t = s->timer_at;
	if (s->tick) {
		uint32_t k = engine_now_ms(e) + TICK_MS;
		if (!t || k < t)
			t = k;
	}
	return t;
}

void cert_fetch_cleanup(struct cert_fetch *s, struct engine *e, struct probe_inst *pi, bool record)
{
	for (size_t i = 0; i < s->nf; i++) {
		struct cert_fetch_one *f = &s->f[i];
		if (!f->h)
			continue;
		if (!f->done && record)
			fetch_record(e, pi, s, f, CURLE_OPERATION_TIMEDOUT);
		if (s->multi)
			curl_multi_remove_handle(s->multi, f->h);
		curl_easy_cleanup(f->h);
		f->h = NULL;
		free(f->body);
		f->body = NULL;
	}
	if (s->multi)
		curl_multi_cleanup(s->multi);
	s->multi = NULL;
	s->running = 0;
	s->timer_at = 0;
	/* libcurl says REMOVE before it closes a socket; whatever is left is unwatched here. */
	for (size_t i = 0; i < s->nfds; i++)
		engine_unwatch(e, s->fds[i]);
	s->nfds = 0;
	free(s->leaf);
	free(s->issuer);
	s->leaf = s->issuer = NULL;
	s->leaf_len = s->issuer_len = 0;
}
