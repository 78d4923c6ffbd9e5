/* SSTP as the Windows built-in client makes it ([MS-SSTP]; facts §3): TCP 443, TLS 1.2/1.3 with
 * SNI (OpenSSL libssl, non-blocking, driven by the engine loop), the server certificate checked
 * the Windows way (crypto/certcheck.h) and its CRL distribution points / OCSP responders / AIA
 * issuers fetched from this side with libcurl, then the HTTP handshake (SSTP_DUPLEX_POST) and the
 * Call Connect Request, up to the Call Connect Ack or Nak; then a clean Call Disconnect.
 *
 * Everything runs inside the engine's loop:
 *   - the TLS connection: SSL_connect / SSL_write / SSL_read on a non-blocking fd, woken by the
 *     engine (POLLIN, and POLLOUT while OpenSSL wants to write);
 *   - the revocation fetches: a libcurl multi handle started as soon as the certificate is known,
 *     in parallel with the SSTP handshake, driven by curl_multi_perform on a 25 ms deadline tick
 *     (the engine knows only fds it is given; ticking keeps libcurl's own sockets private). Each
 *     transfer's timeout is bounded by what is left of the run, so the fetches never extend it;
 *   - after a failed TLS 1.2+ handshake, a second connection restricted to TLS 1.0/1.1 (security
 *     level 0 for that handshake only) tells "the server offers only TLS 1.0/1.1" apart.
 * Every read is bounded in size (16 KiB buffer, an 8 KiB / 64-line HTTP head) and time (a budget
 * per stage): a server that trickles bytes or never finishes its head is recorded, not waited on.
 * The bytes themselves are split into the HTTP head and SSTP packets by the pure stream of
 * wire/sstp.h (struct sstp_stream): this file only moves bytes in and acts on the events.
 *
 * Revocation (issue 11): a CDP or OCSP URL that answers is not enough. Each CRL / OCSP body is kept
 * (bounded) and verified against the leaf's issuer (crypto/certrev.h): parsed, signed by the
 * issuer, current, and the leaf not listed. OCSP is asked the way Windows asks: a GET of the
 * responder URL plus the base64 of a DER OCSPRequest for the leaf (RFC 6960 appendix A.1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/certcheck.h"
#include "crypto/certrev.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/probe.h"
#include "probes/tcpconn.h"
#include "util/fmt.h"
#include "wire/sstp.h"

#if __has_include("probes/cert_obs.h")
#include "probes/cert_obs.h"
#define SSTP_HAVE_CERTCHECK 1
#else
#define SSTP_HAVE_CERTCHECK 0
#endif

#define STAGE_MS 5000u        /* budget of each stage: connect, TLS, HTTP head, Call Connect reply */
#define FETCH_MS 4000u        /* budget of one revocation fetch */
#define TICK_MS 25u           /* libcurl is driven at this period while transfers run */
#define END_MARGIN_MS 30u     /* give up a stage this long before the run ends, to record why */
#define MAX_READS 64          /* SSL_read calls per wake-up */
#define MAX_EVENTS 16         /* SSTP packets handled per read */
#define MAX_FETCH (CERTCHECK_MAX_URLS * 3)
#define FETCH_MAX_BYTES (8u << 20)   /* one CRL body kept at most; a larger one is "too large" */
#define FETCH_TOTAL_BYTES (16u << 20) /* all bodies of one run together */
#define MAX_CERT_LIST (1u << 20)      /* the TLS Certificate message we accept (OpenSSL's default
				       * is 100 KiB): a long chain is then counted, not a TLS failure */

enum stage { ST_CONNECT, ST_TLS, ST_HTTP_WRITE, ST_HTTP_READ, ST_SSTP_WRITE, ST_SSTP_READ, ST_DONE };

struct fetch {
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

/* One TLS connection: the main one, or the TLS 1.0/1.1 check. */
struct tlsconn {
	struct tcpconn tc;
	SSL_CTX *ctx;
	SSL *ssl;
	bool legacy;
	int alert;             /* TLS alert received from the server, -1 none */
};

struct sstp_state {
	struct tlsconn m;      /* the main connection */
	struct tlsconn l;      /* the TLS 1.0/1.1 check (tc.fd -1 when not running) */
	enum stage st, lst;    /* lst: ST_CONNECT/ST_TLS while the check runs, else ST_DONE */
	uint32_t deadline, ldeadline, stage_start;
	struct sstp_stream rx; /* what the server sent after the TLS handshake (wire/sstp.h) */
	size_t stage_rx;       /* bytes received in the current read stage */
	uint8_t tx[1024];
	size_t txlen;
	CURLM *multi;
	struct fetch f[MAX_FETCH];
	size_t nf;
	int running;
	size_t body_total;     /* bytes of all kept bodies */
	/* The leaf and its issuer (DER, heap), to verify CRL and OCSP answers; NULL when unknown. */
	uint8_t *leaf, *issuer;
	size_t leaf_len, issuer_len;
	time_t check_time;     /* the time the certificate was checked at */
};

/* ---------------------------------------------------------------- helpers */

static void obs_new(struct obs *o, enum obs_kind kind, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = KB_P_SSTP;
	o->port = port;
}

static uint32_t stage_deadline(struct engine *e, uint32_t budget)
{
	uint32_t now = engine_now_ms(e), end = engine_end_ms(e);
	uint32_t d = now + budget;
	uint32_t lim = end > now + END_MARGIN_MS ? end - END_MARGIN_MS : now + 1;
	return d < lim ? d : lim;
}

static const char *stage_name(enum stage s)
{
	switch (s) {
	case ST_CONNECT: return "the TCP connection";
	case ST_TLS: return "the TLS handshake";
	case ST_HTTP_WRITE: return "sending the SSTP_DUPLEX_POST request";
	case ST_HTTP_READ: return "the HTTP response head to SSTP_DUPLEX_POST";
	case ST_SSTP_WRITE: return "sending the Call Connect Request";
	case ST_SSTP_READ: return "the reply to the Call Connect Request";
	default: return "the end";
	}
}

static void log_pkt(struct engine *e, struct probe_inst *pi, struct sstp_state *s, char dir, const char *text)
{
	engine_packet(e, pi, dir, &s->m.tc.dst, text);
}

static void openssl_reason(char *out, size_t len)
{
	unsigned long err = ERR_peek_last_error();
	if (err) {
		char b[200];
		ERR_error_string_n(err, b, sizeof b);
		fmt_into(out, len, "%s", b);
	} else {
		fmt_into(out, len, "the server closed the connection during the handshake");
	}
	ERR_clear_error();
}

/* OpenSSL info callback: remembers the alert the server sent. The SSL object is OpenSSL's; the
 * tlsconn it points at (app data) belongs to the probe state. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	if (!(where & SSL_CB_READ_ALERT))
		return;
	struct tlsconn *t = SSL_get_app_data(ssl);
	if (t && t->alert < 0)
		t->alert = ret & 0xff;
}

static int tls_setup(struct tlsconn *t, struct engine *e, bool legacy)
{
	t->legacy = legacy;
	t->alert = -1;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx)
		return -1;
	if (legacy) {
		/* Only for telling "offers only TLS 1.0/1.1" apart: OpenSSL 3's default security level
		 * refuses those versions and their SHA-1 signatures. */
		SSL_CTX_set_security_level(t->ctx, 0);
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(t->ctx, TLS1_1_VERSION);
		if (SSL_CTX_set_cipher_list(t->ctx, "ALL:@SECLEVEL=0") != 1)
			return -1;
	} else {
		/* What current Windows offers: TLS 1.2, and 1.3 on Windows 11 with Server 2022 [V]. */
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION);
	}
	/* The chain is checked by certcheck the Windows way and reported; the handshake itself must
	 * not stop at the first problem, or nothing after it could be observed. */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_info_callback(t->ctx, info_cb);
	SSL_CTX_set_max_cert_list(t->ctx, MAX_CERT_LIST);
	t->ssl = SSL_new(t->ctx);
	if (!t->ssl)
		return -1;
	SSL_set_app_data(t->ssl, t);
	const char *host = engine_target_host(e);
	if (net_host_classify(host) == NET_HOST_NAME)
		SSL_set_tlsext_host_name(t->ssl, host);
	if (SSL_set_fd(t->ssl, t->tc.fd) != 1)
		return -1;
	return 0;
}

static void tls_free(struct tlsconn *t, struct engine *e, bool shutdown)
{
	if (t->ssl) {
		if (shutdown)
			(void)SSL_shutdown(t->ssl); /* one attempt: sends close_notify, never waits */
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	if (t->ctx) {
		SSL_CTX_free(t->ctx);
		t->ctx = NULL;
	}
	tcpconn_close(&t->tc, e);
	ERR_clear_error();
}

/* ---------------------------------------------------------------- revocation fetches */

/* libcurl write callback: counts the body and keeps it for crl/ocsp (bounded). data is libcurl's
 * buffer, valid only during the call (copied); userp is our struct fetch. Returning less than the
 * size aborts the transfer. */
static size_t fetch_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct fetch *f = userp;
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

static void fetch_add(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const char *kind, const char *url)
{
	if (s->nf >= MAX_FETCH)
		return;
	for (size_t i = 0; i < s->nf; i++)
		if (strcmp(s->f[i].url, url) == 0 && strcmp(s->f[i].kind, kind) == 0)
			return;
	struct obs o;
	if (!http_url(url)) {
		obs_new(&o, OBS_REVOCATION_FETCH, 0);
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
	if (!s->multi && !(s->multi = curl_multi_init()))
		return;
	struct fetch *f = &s->f[s->nf];
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
			obs_new(&o, OBS_REVOCATION_INVALID, 0);
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
	log_pkt(e, pi, s, '>', t);
}

/* A CRL or OCSP body that came back with HTTP 200: verified for the leaf (crypto/certrev.h), one
 * observation for what it says: revocation-good, cert-revoked, or revocation-invalid. */
static void fetch_verify(struct engine *e, struct probe_inst *pi, struct sstp_state *s, struct fetch *f)
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
	obs_new(&o, res.status == CERTREV_GOOD ? OBS_REVOCATION_GOOD
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
	log_pkt(e, pi, s, '<', o.evidence);
}

static void fetch_record(struct engine *e, struct probe_inst *pi, struct sstp_state *s, struct fetch *f, CURLcode rc)
{
	struct obs o;
	long status = 0;
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && status > 0)
		rc = CURLE_OK; /* we stopped reading a large body: the server answered */
	obs_new(&o, OBS_REVOCATION_FETCH, 0);
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
	log_pkt(e, pi, s, rc == CURLE_OK ? '<' : '!', o.evidence);
	f->done = true;
	if (rc == CURLE_OK && status == 200 && strcmp(f->kind, "aia") != 0)
		fetch_verify(e, pi, s, f);
	free(f->body);
	f->body = NULL;
	f->bodylen = f->bodycap = 0;
}

static void fetch_drive(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	if (!s->multi || s->running <= 0)
		return;
	int running = 0;
	curl_multi_perform(s->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(s->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct fetch *f = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		if (f && !f->done)
			fetch_record(e, pi, s, f, m->data.result);
	}
	s->running = running;
}

static void fetch_cleanup(struct engine *e, struct probe_inst *pi, struct sstp_state *s, bool record)
{
	for (size_t i = 0; i < s->nf; i++) {
		struct fetch *f = &s->f[i];
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
}

/* ---------------------------------------------------------------- the certificate */

static void check_certificate(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	struct obs o;
	uint16_t port = s->m.tc.port;
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s->m.ssl);
	int n = sk ? sk_X509_num(sk) : 0;
	if (n <= 0) {
		obs_new(&o, OBS_SSTP_CERT_UNCHECKED, port);
		fmt_into(o.text, sizeof o.text, "the server sent no certificate");
		fmt_into(o.evidence, sizeof o.evidence, "the TLS server on TCP %u sent no certificate", port);
		engine_observe(e, pi, &o);
		return;
	}
#if SSTP_HAVE_CERTCHECK
	/* Every certificate the server sent (the TLS message is bounded by MAX_CERT_LIST); certcheck
	 * applies its own bounds and says when the chain is too long. */
	struct certcheck_der *der = calloc((size_t)n, sizeof *der);
	uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
	size_t nd = 0;
	for (int i = 0; der && bufs && i < n; i++) {
		uint8_t *b = NULL;
		int len = i2d_X509(sk_X509_value(sk, i), &b);
		if (len <= 0)
			break;
		bufs[nd] = b;
		der[nd].p = b;
		der[nd].len = (size_t)len;
		nd++;
	}
	const struct engine_opts *opt = engine_options(e);
	s->check_time = time(NULL);
	struct certcheck_input in = {.chain = der, .nchain = nd, .ndropped = (size_t)n - nd, .host = engine_target_host(e),
				     .trust = opt ? opt->trust : NULL, .now = s->check_time};
	struct certcheck *c = calloc(1, sizeof *c);
	char err[200] = "";
	int rc = c && der && bufs && nd > 0 ? certcheck_run(&in, c, err, sizeof err) : -1;
	if (!c || !der || !bufs)
		fmt_into(err, sizeof err, "out of memory");
	else if (nd == 0)
		fmt_into(err, sizeof err, "the server's certificate could not be re-encoded");
	/* Keep the leaf and its issuer for the CRL and OCSP answers. */
	if (rc == 0 && nd > 0 && (s->leaf = malloc(der[0].len)) != NULL) {
		memcpy(s->leaf, der[0].p, der[0].len);
		s->leaf_len = der[0].len;
		if (c->issuer_der_len && (s->issuer = malloc(c->issuer_der_len)) != NULL) {
			memcpy(s->issuer, c->issuer_der, c->issuer_der_len);
			s->issuer_len = c->issuer_der_len;
		}
	}
	for (size_t i = 0; i < nd; i++)
		OPENSSL_free(bufs[i]);
	free(bufs);
	free(der);
	if (rc != 0) {
		obs_new(&o, OBS_SSTP_CERT_UNCHECKED, port);
		fmt_into(o.text, sizeof o.text, "%s", err);
		fmt_into(o.evidence, sizeof o.evidence, "the server certificate could not be checked: %s", o.text);
		engine_observe(e, pi, &o);
		free(c);
		return;
	}
	cert_observe(e, pi, c, KB_P_SSTP);

	/* Revocation: every CRL distribution point and OCSP responder of the leaf, from this side;
	 * the AIA issuers when the chain lacks an intermediate (Windows fetches them, OpenSSL not). */
	for (size_t i = 0; i < c->nocsp; i++)
		fetch_add(e, pi, s, "ocsp", c->ocsp[i]);
	for (size_t i = 0; i < c->ncrl; i++)
		fetch_add(e, pi, s, "crl", c->crl[i]);
	if (c->missing_intermediate)
		for (size_t i = 0; i < c->naia; i++)
			fetch_add(e, pi, s, "aia", c->aia_ca_issuers[i]);
	if (c->ncrl == 0 && c->nocsp == 0) {
		obs_new(&o, OBS_REVOCATION_NONE, port);
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server certificate names no CRL distribution point and no OCSP responder");
		engine_observe(e, pi, &o);
	}
	certcheck_free(c);
	free(c);
	fetch_drive(e, pi, s);
#else
	(void)s;
	obs_new(&o, OBS_SSTP_CERT_UNCHECKED, port);
	fmt_into(o.text, sizeof o.text, "the certificate check (crypto/certcheck.c) is not built in yet");
	fmt_into(o.evidence, sizeof o.evidence, "the server certificate was not checked: %s", o.text);
	engine_observe(e, pi, &o);
#endif
}

/* ---------------------------------------------------------------- the stages */

static void finish_main(struct engine *e, struct sstp_state *s, bool shutdown)
{
	tls_free(&s->m, e, shutdown);
	s->st = ST_DONE;
}

static void record_closed(struct engine *e, struct probe_inst *pi, struct sstp_state *s, bool reset)
{
	struct obs o;
	obs_new(&o, OBS_TCP_CLOSED, s->m.tc.port);
	o.value = (int64_t)s->stage_rx;
	o.code = reset;
	fmt_into(o.text, sizeof o.text, "%s", stage_name(s->st));
	fmt_into(o.evidence, sizeof o.evidence, "the server %s the connection during %s (%zu bytes received)",
		 reset ? "reset" : "closed", stage_name(s->st), s->stage_rx);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
}

static void set_stage(struct engine *e, struct sstp_state *s, enum stage st)
{
	s->st = st;
	s->stage_start = engine_now_ms(e);
	s->deadline = stage_deadline(e, STAGE_MS);
	if (st == ST_HTTP_READ || st == ST_SSTP_READ)
		s->stage_rx = 0;
	if (st == ST_HTTP_READ)
		sstp_stream_init(&s->rx);
}

static void start_legacy(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	if (s->lst != ST_DONE || s->l.tc.fd >= 0 || s->l.ssl)
		return;
	s->l.tc.proto = KB_P_SSTP;
	s->l.tc.what = "SSTP TLS 1.0/1.1 check";
	s->l.tc.quiet = true;
	s->ldeadline = stage_deadline(e, STAGE_MS);
	if (tcpconn_start(&s->l.tc, e, pi, s->m.tc.port, s->ldeadline) != 0)
		return;
	s->lst = ST_CONNECT;
}

static void tls_fail(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const char *why)
{
	struct obs o;
	obs_new(&o, OBS_TLS_FAILED, s->m.tc.port);
	o.code = s->m.alert;
	fmt_into(o.text, sizeof o.text, "%s", why);
	if (s->m.alert >= 0)
		fmt_into(o.evidence, sizeof o.evidence,
			 "the TLS handshake (TLS 1.2-1.3, as Windows offers) on TCP %u failed: the server sent alert %d (%s); %s",
			 s->m.tc.port, s->m.alert, SSL_alert_desc_string_long(s->m.alert), why);
	else
		fmt_into(o.evidence, sizeof o.evidence, "the TLS handshake (TLS 1.2-1.3, as Windows offers) on TCP %u failed: %s",
			 s->m.tc.port, why);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '!', o.evidence);
	finish_main(e, s, false);
	start_legacy(e, pi, s);
}

static void send_pending(struct engine *e, struct probe_inst *pi, struct sstp_state *s);

static void tls_done(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	struct obs o;
	engine_watch_write(e, s->m.tc.fd, false);
	obs_new(&o, OBS_TLS_HANDSHAKE, s->m.tc.port);
	o.code = SSL_version(s->m.ssl);
	o.value = engine_now_ms(e) - s->stage_start;
	fmt_into(o.text, sizeof o.text, "%s %s", SSL_get_version(s->m.ssl), SSL_get_cipher_name(s->m.ssl));
	const char *host = engine_target_host(e);
	fmt_into(o.evidence, sizeof o.evidence, "TLS handshake on TCP %u: %s%s%s", s->m.tc.port, o.text,
		 net_host_classify(host) == NET_HOST_NAME ? ", SNI " : " (no SNI: the server is an address)",
		 net_host_classify(host) == NET_HOST_NAME ? host : "");
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
	check_certificate(e, pi, s);

	/* The HTTP handshake, with a fresh correlation id. */
	uint8_t g[16];
	if (RAND_bytes(g, sizeof g) != 1)
		memset(g, 0x5a, sizeof g);
	g[6] = (uint8_t)((g[6] & 0x0f) | 0x40);
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
	char guid[40];
	fmt_into(guid, sizeof guid, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[0], g[1], g[2],
		 g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	struct wbuf w;
	wbuf_init(&w, s->tx, sizeof s->tx);
	if (sstp_http_build_request(&w, host, guid) < 0) {
		obs_new(&o, OBS_SEND_FAILED, s->m.tc.port);
		fmt_into(o.text, sizeof o.text, "the host name does not fit an HTTP Host header");
		fmt_into(o.evidence, sizeof o.evidence, "could not build the SSTP_DUPLEX_POST request: %s", o.text);
		engine_observe(e, pi, &o);
		finish_main(e, s, true);
		return;
	}
	s->txlen = w.len;
	set_stage(e, s, ST_HTTP_WRITE);
	char t[160];
	fmt_into(t, sizeof t, "SSTP_DUPLEX_POST %s HTTP/1.1, Host %s, Content-Length 18446744073709551615, SSTPCORRELATIONID {%s}",
		 SSTP_URI, host, guid);
	log_pkt(e, pi, s, '>', t);
	send_pending(e, pi, s);
}

static void tls_step(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	ERR_clear_error();
	int rc = SSL_connect(s->m.ssl);
	if (rc == 1) {
		tls_done(e, pi, s);
		return;
	}
	int err = SSL_get_error(s->m.ssl, rc);
	if (err == SSL_ERROR_WANT_READ) {
		engine_watch_write(e, s->m.tc.fd, false);
		return;
	}
	if (err == SSL_ERROR_WANT_WRITE) {
		engine_watch_write(e, s->m.tc.fd, true);
		return;
	}
	char why[200];
	openssl_reason(why, sizeof why);
	if (err == SSL_ERROR_SYSCALL && errno == ECONNRESET)
		fmt_into(why, sizeof why, "the server reset the connection during the handshake");
	tls_fail(e, pi, s, why);
}

/* Writes s->tx; moves to the stage's read half when everything is written. */
static void send_pending(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	ERR_clear_error();
	int rc = SSL_write(s->m.ssl, s->tx, (int)s->txlen);
	if (rc > 0) {
		engine_watch_write(e, s->m.tc.fd, false);
		/* Bytes that came after the HTTP head stay in the stream: the caller goes on with them. */
		set_stage(e, s, s->st == ST_HTTP_WRITE ? ST_HTTP_READ : ST_SSTP_READ);
		return;
	}
	int err = SSL_get_error(s->m.ssl, rc);
	if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
		engine_watch_write(e, s->m.tc.fd, err == SSL_ERROR_WANT_WRITE);
		return;
	}
	record_closed(e, pi, s, err == SSL_ERROR_SYSCALL);
	finish_main(e, s, false);
}

static void send_sstp(struct engine *e, struct sstp_state *s, bool disconnect)
{
	struct wbuf w;
	uint8_t b[64];
	wbuf_init(&w, b, sizeof b);
	int n = disconnect ? sstp_build_call_disconnect(&w, false, 0, 0) : sstp_build_echo(&w, true);
	if (n > 0) {
		ERR_clear_error();
		(void)SSL_write(s->m.ssl, b, n); /* best effort: the connection ends right after */
	}
	(void)e;
}

static void bad_reply(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const char *why)
{
	struct obs o;
	obs_new(&o, OBS_SSTP_BAD_REPLY, s->m.tc.port);
	fmt_into(o.text, sizeof o.text, "%s", why);
	fmt_into(o.evidence, sizeof o.evidence, "the reply to the Call Connect Request is not SSTP: %s", o.text);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
}

/* The complete HTTP response head (r points into the stream). Returns true when the connection is
 * finished (not 200, or the Call Connect Request could not be built). */
static bool handle_head(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const struct sstp_http_resp *r)
{
	struct obs o;
	obs_new(&o, OBS_SSTP_HTTP, s->m.tc.port);
	o.code = r->status;
	o.value = r->has_content_length && !r->content_length_bad ? (int64_t)(r->content_length > INT64_MAX ? -2 : (int64_t)r->content_length) : -1;
	char server[96] = "";
	if (r->server.p)
		fmt_into(server, sizeof server, "%.*s", (int)(r->server.len < 80 ? r->server.len : 80), (const char *)r->server.p);
	for (char *p = server; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	fmt_into(o.text, sizeof o.text, "%s", server);
	char reason[64] = "";
	fmt_into(reason, sizeof reason, "%.*s", (int)(r->reason.len < 48 ? r->reason.len : 48), r->reason.p ? (const char *)r->reason.p : "");
	for (char *p = reason; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	fmt_into(o.evidence, sizeof o.evidence, "the server answered SSTP_DUPLEX_POST with HTTP/%u.%u %d %s%s%s%s", r->major, r->minor,
		 r->status, reason, r->has_content_length ? (o.value == -2 ? ", Content-Length 2^64-1 (SSTP)" : ", Content-Length set") : "",
		 server[0] ? ", Server: " : "", server);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
	if (r->status != 200)
		return true;
	struct wbuf w;
	wbuf_init(&w, s->tx, sizeof s->tx);
	int n = sstp_build_call_connect_request(&w, SSTP_ENCAP_PPP);
	if (n <= 0)
		return true;
	s->txlen = (size_t)n;
	set_stage(e, s, ST_SSTP_WRITE);
	log_pkt(e, pi, s, '>', "SSTP Call Connect Request (Encapsulated Protocol PPP), 14 bytes");
	send_pending(e, pi, s);
	return false;
}

/* The Call Connect Ack: recorded, and its Crypto Binding Request checked ([MS-SSTP] 2.2.10). */
static void handle_ack(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const struct sstp_msg *m)
{
	struct obs o;
	char why[200] = "";
	bool binding_ok = sstp_ack_binding_check(m, why, sizeof why) == 0;
	obs_new(&o, OBS_SSTP_ACK, s->m.tc.port);
	o.value = m->has_binding_req ? m->hash_bitmask : -1;
	o.code = binding_ok ? 1 : 0;
	if (m->has_binding_req)
		fmt_into(o.text, sizeof o.text, "%s%s%s", (m->hash_bitmask & SSTP_CERT_HASH_SHA1) ? "SHA1" : "",
			 (m->hash_bitmask & SSTP_CERT_HASH_SHA1) && (m->hash_bitmask & SSTP_CERT_HASH_SHA256) ? " " : "",
			 (m->hash_bitmask & SSTP_CERT_HASH_SHA256) ? "SHA256" : "");
	if (m->has_binding_req)
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server answered the Call Connect Request with a Call Connect Ack (Crypto Binding Request: hash protocols 0x%02x %s, a 32-byte nonce)",
			 m->hash_bitmask, o.text);
	else
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server answered the Call Connect Request with a Call Connect Ack WITHOUT a usable Crypto Binding Request (%s)", why);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
	if (!binding_ok) {
		obs_new(&o, OBS_SSTP_ACK_NO_BINDING, s->m.tc.port);
		o.value = m->nbinding_req;
		o.code = m->binding_req_len;
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence,
			 "the Call Connect Ack has %s: the client gets no nonce and no hash protocol for its Crypto Binding, so it cannot send Call Connected",
			 why);
		engine_observe(e, pi, &o);
	}
	send_sstp(e, s, true);
	log_pkt(e, pi, s, '>', "SSTP Call Disconnect (closing before PPP)");
}

/* One whole SSTP packet (pkt points into the stream). Returns true when the SSTP stage is done. */
static bool handle_packet(struct engine *e, struct probe_inst *pi, struct sstp_state *s, const uint8_t *pkt, size_t len)
{
	struct obs o;
	struct sstp_msg *m = calloc(1, sizeof *m);
	char why[160] = "";
	if (!m)
		return true;
	if (sstp_parse(pkt, len, m, why, sizeof why) != 0) {
		bad_reply(e, pi, s, why);
		free(m);
		return true;
	}
	bool finished = true;
	if (!m->control) {
		obs_new(&o, OBS_SSTP_BAD_REPLY, s->m.tc.port);
		fmt_into(o.text, sizeof o.text, "a data packet before the Call Connect Ack");
		fmt_into(o.evidence, sizeof o.evidence, "the server sent %s", o.text);
		engine_observe(e, pi, &o);
	} else if (m->msg_type == SSTP_MSG_CALL_CONNECT_ACK) {
		handle_ack(e, pi, s, m);
	} else if (m->msg_type == SSTP_MSG_CALL_CONNECT_NAK) {
		obs_new(&o, OBS_SSTP_NAK, s->m.tc.port);
		o.code = m->nstatus ? (int32_t)m->status[0].status : -1;
		o.value = m->nstatus ? m->status[0].attrib_id : -1;
		if (m->nstatus)
			fmt_into(o.text, sizeof o.text, "%s for attribute %s", sstp_status_name(m->status[0].status),
				 sstp_attr_name(m->status[0].attrib_id));
		else
			fmt_into(o.text, sizeof o.text, "no Status Info");
		fmt_into(o.evidence, sizeof o.evidence, "the server answered the Call Connect Request with a Call Connect Nak: %s",
			 o.text);
		engine_observe(e, pi, &o);
		log_pkt(e, pi, s, '<', o.evidence);
	} else if (m->msg_type == SSTP_MSG_CALL_ABORT || m->msg_type == SSTP_MSG_CALL_DISCONNECT) {
		obs_new(&o, OBS_SSTP_ABORT, s->m.tc.port);
		o.code = m->msg_type;
		o.value = m->nstatus ? (int64_t)m->status[0].status : -1;
		fmt_into(o.text, sizeof o.text, "%s%s%s", sstp_msg_name(m->msg_type), m->nstatus ? " " : "",
			 m->nstatus ? sstp_status_name(m->status[0].status) : "");
		fmt_into(o.evidence, sizeof o.evidence, "the server answered the Call Connect Request with %s", o.text);
		engine_observe(e, pi, &o);
		log_pkt(e, pi, s, '<', o.evidence);
	} else if (m->msg_type == SSTP_MSG_ECHO_REQUEST) {
		send_sstp(e, s, false);
		finished = false;
	} else {
		obs_new(&o, OBS_SSTP_BAD_REPLY, s->m.tc.port);
		fmt_into(o.text, sizeof o.text, "unexpected %s", sstp_msg_name(m->msg_type));
		fmt_into(o.evidence, sizeof o.evidence, "the server answered the Call Connect Request with an %s", o.text);
		engine_observe(e, pi, &o);
	}
	free(m);
	return finished;
}

/* Acts on what the stream holds, in the read stages: the head, then SSTP packets (at most
 * MAX_EVENTS per call). Finishes the main connection when it is done. */
static void process_stream(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	struct obs o;
	struct sstp_stream_event ev;
	char why[160];
	for (int guard = 0; guard < MAX_EVENTS && (s->st == ST_HTTP_READ || s->st == ST_SSTP_READ); guard++) {
		enum sstp_stream_ev k = sstp_stream_next(&s->rx, &ev, why, sizeof why);
		bool done = false;
		switch (k) {
		case SSTP_EV_NEED_MORE:
			return;
		case SSTP_EV_HEAD:
			done = handle_head(e, pi, s, &ev.head);
			break;
		case SSTP_EV_BAD_HEAD:
			obs_new(&o, OBS_SSTP_HTTP_BAD, s->m.tc.port);
			fmt_into(o.text, sizeof o.text, "%s",
				 ev.http_rc == SSTP_HTTP_TOO_LARGE ? "the response head is endless (over 8 KiB or 64 lines)" : why);
			fmt_into(o.evidence, sizeof o.evidence, "the reply to SSTP_DUPLEX_POST is not a usable HTTP response: %s", o.text);
			engine_observe(e, pi, &o);
			log_pkt(e, pi, s, '<', o.evidence);
			done = true;
			break;
		case SSTP_EV_BAD_FRAME:
			bad_reply(e, pi, s, "not an SSTP packet (version or length)");
			done = true;
			break;
		case SSTP_EV_PACKET:
			done = handle_packet(e, pi, s, ev.pkt, ev.pkt_len);
			break;
		}
		if (done) {
			finish_main(e, s, true);
			return;
		}
	}
}

static void read_step(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	uint8_t tmp[4096];
	for (int n = 0; n < MAX_READS && (s->st == ST_HTTP_READ || s->st == ST_SSTP_READ); n++) {
		size_t space = sstp_stream_space(&s->rx);
		if (space == 0) {
			/* Cannot happen: the stream's bounds keep room after every NEED_MORE. */
			finish_main(e, s, false);
			return;
		}
		ERR_clear_error();
		int rc = SSL_read(s->m.ssl, tmp, (int)(space < sizeof tmp ? space : sizeof tmp));
		if (rc <= 0) {
			int err = SSL_get_error(s->m.ssl, rc);
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
				engine_watch_write(e, s->m.tc.fd, err == SSL_ERROR_WANT_WRITE);
				return;
			}
			record_closed(e, pi, s, err == SSL_ERROR_SYSCALL && errno == ECONNRESET);
			finish_main(e, s, false);
			return;
		}
		(void)sstp_stream_feed(&s->rx, tmp, (size_t)rc);
		s->stage_rx += (size_t)rc;
		process_stream(e, pi, s);
	}
}

/* The TLS 1.0/1.1 check on the second connection. */
static void legacy_step(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	if (s->lst == ST_CONNECT) {
		tcpconn_event(&s->l.tc, e, pi);
		if (s->l.tc.state == TCPCONN_FAILED) {
			s->lst = ST_DONE;
			return;
		}
		if (s->l.tc.state != TCPCONN_UP)
			return;
		if (tls_setup(&s->l, e, true) != 0) {
			tls_free(&s->l, e, false);
			s->lst = ST_DONE;
			return;
		}
		s->lst = ST_TLS;
	}
	ERR_clear_error();
	int rc = SSL_connect(s->l.ssl);
	if (rc != 1) {
		int err = SSL_get_error(s->l.ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			engine_watch_write(e, s->l.tc.fd, err == SSL_ERROR_WANT_WRITE);
			return;
		}
		tls_free(&s->l, e, false);
		s->lst = ST_DONE;
		return;
	}
	struct obs o;
	obs_new(&o, OBS_TLS_LEGACY_ONLY, s->m.tc.port);
	o.code = SSL_version(s->l.ssl);
	fmt_into(o.text, sizeof o.text, "%s %s", SSL_get_version(s->l.ssl), SSL_get_cipher_name(s->l.ssl));
	fmt_into(o.evidence, sizeof o.evidence,
		 "a second handshake allowing only TLS 1.0/1.1 succeeded (%s) where TLS 1.2-1.3 failed: the server offers only legacy TLS",
		 o.text);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
	tls_free(&s->l, e, true);
	s->lst = ST_DONE;
}

static void main_connect_step(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	tcpconn_event(&s->m.tc, e, pi);
	if (s->m.tc.state == TCPCONN_FAILED) {
		s->st = ST_DONE;
		return;
	}
	if (s->m.tc.state != TCPCONN_UP)
		return;
	if (tls_setup(&s->m, e, false) != 0) {
		char why[200];
		openssl_reason(why, sizeof why);
		struct obs o;
		obs_new(&o, OBS_SEND_FAILED, s->m.tc.port);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "could not set up TLS: %s", why);
		engine_observe(e, pi, &o);
		finish_main(e, s, false);
		return;
	}
	set_stage(e, s, ST_TLS);
	log_pkt(e, pi, s, '>', "TLS ClientHello (TLS 1.2-1.3)");
	tls_step(e, pi, s);
}

static void update(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	uint32_t d = 0;
	if (s->st != ST_DONE)
		d = s->deadline;
	if (s->lst != ST_DONE && (!d || s->ldeadline < d))
		d = s->ldeadline;
	if (s->running > 0) {
		uint32_t t = engine_now_ms(e) + TICK_MS;
		if (!d || t < d)
			d = t;
	}
	if (!d) {
		engine_done(pi);
		return;
	}
	engine_set_deadline(pi, d);
}

static void stage_timeout(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	struct obs o;
	if (s->st == ST_CONNECT) {
		tcpconn_timeout(&s->m.tc, e, pi);
		s->st = ST_DONE;
		return;
	}
	obs_new(&o, OBS_SSTP_SLOW, s->m.tc.port);
	o.value = (int64_t)s->stage_rx;
	o.code = (int32_t)(engine_now_ms(e) - s->stage_start);
	fmt_into(o.text, sizeof o.text, "%s", stage_name(s->st));
	fmt_into(o.evidence, sizeof o.evidence, "%s did not complete within %.1f s (%zu bytes received)%s", stage_name(s->st),
		 o.code / 1000.0, s->stage_rx,
		 s->stage_rx ? ": the server trickles bytes or sends an endless reply" : ": the server sent nothing");
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '!', o.evidence);
	finish_main(e, s, s->st != ST_TLS);
}

/* ---------------------------------------------------------------- module callbacks */

static int sstp_start(struct engine *e, struct probe_inst *pi)
{
	struct sstp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	pi->state = s;
	s->m.tc.fd = -1;
	s->l.tc.fd = -1;
	s->lst = ST_DONE;
	s->m.tc.proto = KB_P_SSTP;
	s->m.tc.what = "SSTP";
	s->st = ST_CONNECT;
	s->stage_start = engine_now_ms(e);
	s->deadline = stage_deadline(e, STAGE_MS);
	uint16_t port = engine_port(e, pi, 0);
	if (tcpconn_start(&s->m.tc, e, pi, port ? port : 443, s->deadline) != 0)
		s->st = ST_DONE;
	update(e, pi, s);
	return 0;
}

static void sstp_on_readable(struct engine *e, struct probe_inst *pi, int fd)
{
	struct sstp_state *s = pi->state;
	if (fd == s->m.tc.fd && s->st != ST_DONE) {
		switch (s->st) {
		case ST_CONNECT: main_connect_step(e, pi, s); break;
		case ST_TLS: tls_step(e, pi, s); break;
		case ST_HTTP_WRITE:
		case ST_SSTP_WRITE:
			send_pending(e, pi, s);
			process_stream(e, pi, s); /* bytes already received after the head */
			break;
		default: read_step(e, pi, s); break;
		}
	} else if (fd == s->l.tc.fd && s->lst != ST_DONE) {
		legacy_step(e, pi, s);
	} else {
		/* An fd we no longer own: nothing. */
	}
	fetch_drive(e, pi, s);
	update(e, pi, s);
}

static void sstp_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct sstp_state *s = pi->state;
	uint32_t now = engine_now_ms(e);
	fetch_drive(e, pi, s);
	if (s->st != ST_DONE && now >= s->deadline)
		stage_timeout(e, pi, s);
	if (s->lst != ST_DONE && now >= s->ldeadline) {
		tls_free(&s->l, e, false);
		s->lst = ST_DONE;
	}
	/* Fetches still running when everything else is done end at their own curl timeout, which
	 * is bounded by the run's end. */
	update(e, pi, s);
}

static void sstp_finish(struct engine *e, struct probe_inst *pi, bool timed_out)
{
	struct sstp_state *s = pi->state;
	if (!s)
		return;
	if (timed_out && s->st != ST_DONE)
		stage_timeout(e, pi, s);
	if (s->st != ST_DONE)
		finish_main(e, s, false);
	tls_free(&s->l, e, false);
	fetch_drive(e, pi, s);
	fetch_cleanup(e, pi, s, true);
	free(s->leaf);
	free(s->issuer);
	free(s);
	pi->state = NULL;
}

const struct probe_module probe_sstp = {
	.name = "sstp",
	.title = "SSTP",
	.proto = KB_P_SSTP,
	.ports = {443, 0, 0, 0},
	.start = sstp_start,
	.on_readable = sstp_on_readable,
	.on_deadline = sstp_on_deadline,
	.finish = sstp_finish,
};
