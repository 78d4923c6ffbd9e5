/* SSTP as the Windows built-in client makes it ([MS-SSTP]; facts §3): TCP 443, TLS 1.2/1.3 with
 * SNI (OpenSSL libssl, non-blocking, driven by the engine loop), the server certificate checked
 * the Windows way (crypto/certcheck.h) and its CRL distribution points / OCSP responders / AIA
 * issuers fetched from this side (net/http.h: libcurl on Linux, WinHTTP on Windows), then the HTTP handshake (SSTP_DUPLEX_POST) and the
 * Call Connect Request, up to the Call Connect Ack or Nak; then a clean Call Disconnect.
 *
 * Everything runs inside the engine's loop, in layers as curl chains them: TCP (probes/tcpconn.h),
 * then TLS (net/tls.h, stepped non-blocking, woken by the engine: POLLIN, and POLLOUT while
 * OpenSSL wants to write), then HTTP and SSTP here:
 *   - the revocation fetches (probes/cert_fetch.h) start as soon as the certificate is known, in
 *     parallel with the SSTP handshake, their sockets watched by the engine for this probe and
 *     the HTTP client's timer part of its deadline, bounded by the run's end;
 *   - after a failed TLS 1.2+ handshake, a second connection restricted to TLS 1.0/1.1 (security
 *     level 0 for that handshake only) tells "the server offers only TLS 1.0/1.1" apart.
 * Every read is bounded in size (16 KiB buffer, an 8 KiB / 64-line HTTP head) and time (a budget
 * per stage): a server that trickles bytes or never finishes its head is recorded, not waited on.
 * The bytes themselves are split into the HTTP head and SSTP packets by the pure stream of
 * wire/sstp.h (struct sstp_stream): this file only moves bytes in and acts on the events.
 *
 * Revocation (issue 11): a CDP or OCSP URL that answers is not enough; each answer is verified
 * against the leaf's issuer (probes/cert_fetch.h, crypto/certrev.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "crypto/certcheck.h"
#include "kb/kb.h"
#include "net/net.h"
#include "net/tls.h"
#include "probes/cert_fetch.h"
#include "probes/cert_obs.h"
#include "probes/probe.h"
#include "probes/tcpconn.h"
#include "util/fmt.h"
#include "wire/sstp.h"

#define STAGE_MS 5000u        /* budget of each stage: connect, TLS, HTTP head, Call Connect reply */
#define END_MARGIN_MS 30u     /* give up a stage this long before the run ends, to record why */
#define MAX_READS 64          /* TLS reads per wake-up */
#define MAX_EVENTS 16         /* SSTP packets handled per read */
#define MAX_CERT_LIST (1u << 20)      /* the TLS Certificate message we accept (OpenSSL's default
				       * is 100 KiB): a long chain is then counted, not a TLS failure */

enum stage { ST_CONNECT, ST_TLS, ST_HTTP_WRITE, ST_HTTP_READ, ST_SSTP_WRITE, ST_SSTP_READ, ST_DONE };

/* One TLS connection: the main one, or the TLS 1.0/1.1 check. */
struct tlsconn {
	struct tcpconn tc;
	struct net_tls *tls;   /* NULL until TCP is up */
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
	struct cert_fetch rev; /* the revocation fetches */
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

/* TLS over the connected TCP socket of t, with SNI when the target is a name. */
static int tls_open(struct tlsconn *t, struct engine *e, enum net_tls_profile prof, char *err, size_t errlen)
{
	const char *host = engine_target_host(e);
	t->tls = net_tls_new(t->tc.fd, prof, net_host_classify(host) == NET_HOST_NAME ? host : NULL, MAX_CERT_LIST, err,
			     errlen);
	return t->tls ? 0 : -1;
}

static void tls_close(struct tlsconn *t, struct engine *e, bool shutdown)
{
	net_tls_free(t->tls, shutdown);
	t->tls = NULL;
	tcpconn_close(&t->tc, e);
}

/* ---------------------------------------------------------------- the certificate */

static void check_certificate(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	struct obs o;
	uint16_t port = s->m.tc.port;
	struct net_tls_chain ch;
	int n = net_tls_peer_chain(s->m.tls, &ch);
	if (n == 0) {
		obs_new(&o, OBS_SSTP_CERT_UNCHECKED, port);
		fmt_into(o.text, sizeof o.text, "the server sent no certificate");
		fmt_into(o.evidence, sizeof o.evidence, "the TLS server on TCP %u sent no certificate", port);
		engine_observe(e, pi, &o);
		return;
	}
	/* Every certificate the server sent (the TLS message is bounded by MAX_CERT_LIST); certcheck
	 * applies its own bounds and says when the chain is too long. */
	struct certcheck_der *der = n > 0 ? calloc(ch.sent, sizeof *der) : NULL;
	size_t nd = der ? ch.n : 0;
	for (size_t i = 0; i < nd; i++) {
		der[i].p = ch.der[i];
		der[i].len = ch.len[i];
	}
	const struct engine_opts *opt = engine_options(e);
	struct cert_fetch *rev = &s->rev;
	rev->check_time = time(NULL);
	struct certcheck_input in = {.chain = der, .nchain = nd, .ndropped = ch.sent - nd, .host = engine_target_host(e),
				     .trust = opt ? opt->trust : NULL, .now = rev->check_time};
	struct certcheck *c = calloc(1, sizeof *c);
	char err[200] = "";
	int rc = c && der && nd > 0 ? certcheck_run(&in, c, err, sizeof err) : -1;
	if (!c || !der)
		fmt_into(err, sizeof err, "out of memory");
	else if (nd == 0)
		fmt_into(err, sizeof err, "the server's certificate could not be re-encoded");
	/* Keep the leaf and its issuer for the CRL and OCSP answers. */
	if (rc == 0 && nd > 0 && (rev->leaf = malloc(der[0].len)) != NULL) {
		memcpy(rev->leaf, der[0].p, der[0].len);
		rev->leaf_len = der[0].len;
		if (c->issuer_der_len && (rev->issuer = malloc(c->issuer_der_len)) != NULL) {
			memcpy(rev->issuer, c->issuer_der, c->issuer_der_len);
			rev->issuer_len = c->issuer_der_len;
		}
	}
	if (rc == 0)
		cert_observe_platform(e, pi, der, nd, engine_target_host(e), KB_P_SSTP);
	free(der);
	net_tls_chain_free(&ch);
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
		cert_fetch_add(rev, e, pi, "ocsp", c->ocsp[i]);
	for (size_t i = 0; i < c->ncrl; i++)
		cert_fetch_add(rev, e, pi, "crl", c->crl[i]);
	if (c->missing_intermediate)
		for (size_t i = 0; i < c->naia; i++)
			cert_fetch_add(rev, e, pi, "aia", c->aia_ca_issuers[i]);
	if (c->ncrl == 0 && c->nocsp == 0) {
		obs_new(&o, OBS_REVOCATION_NONE, port);
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server certificate names no CRL distribution point and no OCSP responder");
		engine_observe(e, pi, &o);
	}
	certcheck_free(c);
	free(c);
	cert_fetch_drive(rev, e, pi);
}

/* ---------------------------------------------------------------- the stages */

static void finish_main(struct engine *e, struct sstp_state *s, bool shutdown)
{
	tls_close(&s->m, e, shutdown);
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
	if (s->lst != ST_DONE || s->l.tc.fd >= 0 || s->l.tls)
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
	int alert = s->m.tls ? net_tls_alert(s->m.tls) : -1;
	o.code = alert;
	fmt_into(o.text, sizeof o.text, "%s", why);
	if (alert >= 0)
		fmt_into(o.evidence, sizeof o.evidence,
			 "the TLS handshake (TLS 1.2-1.3, as Windows offers) on TCP %u failed: the server sent alert %d (%s); %s",
			 s->m.tc.port, alert, net_tls_alert_name(alert), why);
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
	o.code = net_tls_version(s->m.tls);
	o.value = engine_now_ms(e) - s->stage_start;
	net_tls_describe(s->m.tls, o.text, sizeof o.text);
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
	char why[200];
	enum net_tls_rc rc = net_tls_handshake(s->m.tls, why, sizeof why);
	if (rc == NET_TLS_OK)
		tls_done(e, pi, s);
	else if (rc == NET_TLS_WANT_READ || rc == NET_TLS_WANT_WRITE)
		engine_watch_write(e, s->m.tc.fd, rc == NET_TLS_WANT_WRITE);
	else
		tls_fail(e, pi, s, why);
}

/* Writes s->tx; moves to the stage's read half when everything is written. */
static void send_pending(struct engine *e, struct probe_inst *pi, struct sstp_state *s)
{
	enum net_tls_rc rc = net_tls_write(s->m.tls, s->tx, s->txlen);
	if (rc == NET_TLS_OK) {
		engine_watch_write(e, s->m.tc.fd, false);
		/* Bytes that came after the HTTP head stay in the stream: the caller goes on with them. */
		set_stage(e, s, s->st == ST_HTTP_WRITE ? ST_HTTP_READ : ST_SSTP_READ);
		return;
	}
	if (rc == NET_TLS_WANT_WRITE || rc == NET_TLS_WANT_READ) {
		engine_watch_write(e, s->m.tc.fd, rc == NET_TLS_WANT_WRITE);
		return;
	}
	record_closed(e, pi, s, rc == NET_TLS_RESET || rc == NET_TLS_SYSERR);
	finish_main(e, s, false);
}

static void send_sstp(struct engine *e, struct sstp_state *s, bool disconnect)
{
	struct wbuf w;
	uint8_t b[64];
	wbuf_init(&w, b, sizeof b);
	int n = disconnect ? sstp_build_call_disconnect(&w, false, 0, 0) : sstp_build_echo(&w, true);
	if (n > 0)
		(void)net_tls_write(s->m.tls, b, (size_t)n); /* best effort: the connection ends right after */
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
		size_t got = 0;
		enum net_tls_rc rc = net_tls_read(s->m.tls, tmp, space < sizeof tmp ? space : sizeof tmp, &got);
		if (rc != NET_TLS_OK) {
			if (rc == NET_TLS_WANT_READ || rc == NET_TLS_WANT_WRITE) {
				engine_watch_write(e, s->m.tc.fd, rc == NET_TLS_WANT_WRITE);
				return;
			}
			record_closed(e, pi, s, rc == NET_TLS_RESET);
			finish_main(e, s, false);
			return;
		}
		(void)sstp_stream_feed(&s->rx, tmp, got);
		s->stage_rx += got;
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
		char err[200];
		if (tls_open(&s->l, e, NET_TLS_LEGACY, err, sizeof err) != 0) {
			tls_close(&s->l, e, false);
			s->lst = ST_DONE;
			return;
		}
		s->lst = ST_TLS;
	}
	char why[200];
	enum net_tls_rc rc = net_tls_handshake(s->l.tls, why, sizeof why);
	if (rc != NET_TLS_OK) {
		if (rc == NET_TLS_WANT_READ || rc == NET_TLS_WANT_WRITE) {
			engine_watch_write(e, s->l.tc.fd, rc == NET_TLS_WANT_WRITE);
			return;
		}
		tls_close(&s->l, e, false);
		s->lst = ST_DONE;
		return;
	}
	struct obs o;
	obs_new(&o, OBS_TLS_LEGACY_ONLY, s->m.tc.port);
	o.code = net_tls_version(s->l.tls);
	net_tls_describe(s->l.tls, o.text, sizeof o.text);
	fmt_into(o.evidence, sizeof o.evidence,
		 "a second handshake allowing only TLS 1.0/1.1 succeeded (%s) where TLS 1.2-1.3 failed: the server offers only legacy TLS",
		 o.text);
	engine_observe(e, pi, &o);
	log_pkt(e, pi, s, '<', o.evidence);
	tls_close(&s->l, e, true);
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
	char why[200];
	if (tls_open(&s->m, e, NET_TLS_WINDOWS, why, sizeof why) != 0) {
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
	uint32_t t = cert_fetch_wake(&s->rev, e);
	if (t && (!d || t < d))
		d = t;
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
	s->rev.proto = KB_P_SSTP;
	s->rev.dst = &s->m.tc.dst;
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
	} else if (!cert_fetch_on_fd(&s->rev, e, pi, fd)) {
		/* An fd we no longer own: nothing. */
	}
	cert_fetch_drive(&s->rev, e, pi);
	update(e, pi, s);
}

static void sstp_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct sstp_state *s = pi->state;
	uint32_t now = engine_now_ms(e);
	cert_fetch_drive(&s->rev, e, pi);
	if (s->st != ST_DONE && now >= s->deadline)
		stage_timeout(e, pi, s);
	if (s->lst != ST_DONE && now >= s->ldeadline) {
		tls_close(&s->l, e, false);
		s->lst = ST_DONE;
	}
	/* Fetches still running when everything else is done end at their own timeout, which
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
	tls_close(&s->l, e, false);
	cert_fetch_drive(&s->rev, e, pi);
	cert_fetch_cleanup(&s->rev, e, pi, true);
	free(s);
	pi->state = NULL;
}

const struct probe_module probe_sstp = {
	.start = sstp_start,
	.on_readable = sstp_on_readable,
	.on_deadline = sstp_on_deadline,
	.finish = sstp_finish,
};
