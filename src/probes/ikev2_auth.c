/* The IKE_AUTH stage of the IKEv2 probe (ikev2.c starts it after an accepted IKE_SA_INIT): the
 * request as Windows makes it (IDi = our address, a CERTREQ with a Windows-sized list of root
 * hashes, the profile's notifies, CP, SA, TSi, TSr; no AUTH: EAP), in RFC 7383 fragments when
 * Windows would fragment it, on UDP 4500 behind the non-ESP marker after NAT was detected; the
 * reply opened, reassembled and checked (the server's AUTH signature, its certificate as Windows
 * checks it), then an INFORMATIONAL delete. Also the two extra IKE_SAs (X_SMALL, X_ROOTS) that
 * tell why a Windows-like IKE_AUTH went unanswered (ikev2_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/sys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "crypto/certcheck.h"
#include "crypto/ike2_certreq.h"
#include "crypto/ike2_sig.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/cert_obs.h"
#include "probes/ikev2_int.h"
#include "util/file.h"
#include "util/fmt.h"
#include "wire/ike2_inner.h"
#include "wire/natt.h"

#define SYSTEM_STORE_MAX (16u << 20)

/* ---------------------------------------------------------------- IKE_AUTH */

void ikev2_auth_free(struct xchg *x)
{
	if (!x->a)
		return;
	ikev2_eap_free(x);
	ike2_keys_wipe(&x->a->keys);
	free(x->a);
	x->a = NULL;
}

static void auth_obs(struct obs *o, enum obs_kind kind, const struct xchg *x)
{
	udpx_obs(o, kind, &x->u);
}

/* A NAT between us and the server per the server's NAT-D (RFC 7296 2.23: then both sides move
 * to UDP 4500). */
static bool natd_mismatch(const struct xchg *x, const struct ike2_msg *m, const struct net_addr *from)
{
	int client, server;
	ikev2_natd(x, m, from, &client, &server);
	return client == 1 || server == 1;
}

/* The system trust store as OpenSSL finds it (SSL_CERT_FILE, else /usr/lib/ssl/cert.pem, which
 * on Debian is /etc/ssl/certs/ca-certificates.crt). */
static const char *system_store(void)
{
	const char *env = getenv(X509_get_default_cert_file_env());
	return env && env[0] ? env : X509_get_default_cert_file();
}

/* The root hashes of the Windows-like CERTREQ, once per run: the real roots first (the --ca-file
 * roots, or without it the system store's), then the system store's roots up to the profile's
 * auth-certreq-hashes, then (a store with fewer roots) filler hashes of no CA at all, which a
 * server reads as "a CA I do not know", as it reads most of a Windows client's list. */
static void make_hashes(struct engine *e, struct ike_state *st)
{
	if (st->hashes_made)
		return;
	st->hashes_made = true;
	size_t want = st->g.prof->auth_certreq_hashes;
	if (want > PROFILE_MAX_CERTREQ_HASHES)
		want = PROFILE_MAX_CERTREQ_HASHES;
	const size_t cap = PROFILE_MAX_CERTREQ_HASHES;
	const struct engine_opts *opt = engine_options(e);
	uint8_t *sys = NULL;
	size_t sys_len = 0;
	char err[200];
	bool sys_read = false;
	if (opt->ca_pem && opt->ca_pem_len) {
		ike2_certreq_hashes(opt->ca_pem, opt->ca_pem_len, st->hashes, cap, &st->nhash, cap);
	} else {
		sys_read = true;
		if (file_read_bounded(system_store(), SYSTEM_STORE_MAX, 1000, 0, &sys, &sys_len, err, sizeof err) != 0) {
			sys = NULL;
			sys_len = 0;
		}
		ike2_certreq_hashes(sys, sys_len, st->hashes, cap, &st->nhash, want ? want : 1);
	}
	st->nhash_real = st->nhash;
	if (st->nhash < want) {
		if (!sys_read && file_read_bounded(system_store(), SYSTEM_STORE_MAX, 1000, 0, &sys, &sys_len, err, sizeof err) != 0) {
			sys = NULL;
			sys_len = 0;
		}
		ike2_certreq_hashes(sys, sys_len, st->hashes, cap, &st->nhash, want);
	}
	free(sys);
	for (uint32_t i = 0; st->nhash < want; i++) {
		uint8_t seed[32];
		unsigned int hl = 0;
		int n = snprintf((char *)seed, sizeof seed, "vpndiag certreq filler %u", (unsigned)i);
		if (n <= 0 || !EVP_Digest(seed, (size_t)n, st->hashes + 20 * st->nhash, &hl, EVP_sha1(), NULL) || hl != 20)
			break;
		st->nhash++;
		st->nhash_filler++;
	}
}

static void ts_any(uint8_t family, struct ike2_ts *t)
{
	memset(t, 0, sizeof *t);
	t->type = family == 6 ? 8 : 7;
	t->port_hi = 0xffff;
	memset(t->hi, 0xff, family == 6 ? 16 : 4);
}

/* Seals msg (inner payloads) as message id `mid` of exchange `xt` into x->u.pkt. */
static int seal(struct xchg *x, uint8_t xt, uint32_t mid, uint8_t first, const uint8_t *inner, size_t ilen)
{
	struct ike2_header h = {.spi_i = x->spi, .spi_r = x->a->spi_r, .exchange = xt, .flags = IKE2_F_INITIATOR, .msg_id = mid};
	struct wbuf w;
	udpx_begin(&x->u, &w);
	const struct ike2_sk_crypto c = ike2_keys_sk(&x->a->keys);
	if (ike2_sk_seal(&c, true, &h, first, inner, ilen, NULL, &w) < 0 || w.err)
		return -1;
	x->u.pkt_len = w.len;
	return 0;
}

/* The largest UDP payload (non-ESP marker included) of one IKE fragment we send: the profile's
 * auth-fragment-size is an IPv4 datagram; over IPv6 never below 1280 (RFC 7383 2.5.1). */
static size_t frag_limit(const struct profile *p, const struct xchg *x)
{
	if (!p->auth_fragment_size)
		return 0;
	const uint8_t *ip;
	bool v6 = net_addr_bytes(&x->u.dst, &ip) == 16;
	size_t dgram = p->auth_fragment_size;
	if (v6 && dgram < 1280)
		dgram = 1280;
	return dgram - (v6 ? 40 : 20) - 8;
}

/* Seals inner as RFC 7383 fragments (SKF), each datagram at most limit bytes, into x->u.pkt, as
 * Windows sends a request larger than its fragment size to a server that supports IKEv2
 * fragmentation. Returns 0 or -1. */
static int seal_frags(struct xchg *x, uint8_t xt, uint32_t mid, uint8_t first, const uint8_t *inner, size_t ilen,
		      size_t limit)
{
	size_t marker = x->u.natt ? NATT_MARKER_LEN : 0;
	const struct ike2_sk_crypto c = ike2_keys_sk(&x->a->keys);
	size_t over = ike2_skf_overhead(&c.shape) + marker;
	if (limit < over + 64)
		return -1;
	size_t chunk = limit - over;
	size_t total = (ilen + chunk - 1) / chunk;
	if (total < 2 || total > UDPX_MAX_FRAGS)
		return -1;
	struct ike2_header h = {.spi_i = x->spi, .spi_r = x->a->spi_r, .exchange = xt, .flags = IKE2_F_INITIATOR, .msg_id = mid};
	struct wbuf w;
	wbuf_init(&w, x->u.pkt, sizeof x->u.pkt);
	for (size_t i = 0; i < total; i++) {
		size_t start = w.len, off = i * chunk, len = ilen - off < chunk ? ilen - off : chunk;
		if (marker)
			wbuf_zero(&w, NATT_MARKER_LEN);
		if (ike2_skf_seal(&c, true, &h, first, (uint16_t)(i + 1), (uint16_t)total, inner + off, len, NULL, &w) < 0 ||
		    w.err || w.len - start > limit)
			return -1;
		x->u.frag_len[i] = w.len - start;
	}
	x->u.nfrags = total;
	x->u.pkt_len = w.len;
	return 0;
}

static void auth_unreadable(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *why)
{
	struct obs o;
	if (x->kind == X_PSK) {
		ikev2_psk_incomplete(e, pi, x, why);
		return;
	}
	auth_obs(&o, ikev2_is_side(x) ? ikev2_side_kind(x) : OBS_IKE_AUTH_UNREADABLE, x);
	fmt_into(o.text, sizeof o.text, "%s", why);
	if (ikev2_is_side(x))
		fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA for %s could not be completed: %s", ikev2_side_what(x), why);
	else
		fmt_into(o.evidence, sizeof o.evidence, "IKE_AUTH could not be checked: %s", why);
	engine_observe(e, pi, &o);
}

/* Derives x->a (the keys) from the accepted IKE_SA_INIT m. Returns 0, or -1 (recorded, x->a freed). */
static int derive(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		  const struct ike2_msg *m)
{
	char err[200];
	struct ike2_suite suite;
	uint8_t gir[512];
	const struct profile *p = st->g.prof;
	if (p->nchild == 0 || !p->auth_id_address) {
		auth_unreadable(e, pi, x, "the client profile has no IKE_AUTH part");
		return -1;
	}
	if (ike2_suite_from_proposal(&m->proposals[0], &suite, err, sizeof err) != 0) {
		auth_unreadable(e, pi, x, err);
		return -1;
	}
	if (m->raw_len > sizeof x->a->init_resp) {
		auth_unreadable(e, pi, x, "the IKE_SA_INIT response is larger than the largest IKE message");
		return -1;
	}
	int gl = dh_shared(&x->key, m->ke.p, m->ke.len, gir, sizeof gir);
	if (gl < 0 || m->ke_group != x->ke_group) {
		auth_unreadable(e, pi, x, "the server's KE payload gives no Diffie-Hellman secret");
		return -1;
	}
	x->a = calloc(1, sizeof *x->a);
	if (!x->a) {
		OPENSSL_cleanse(gir, sizeof gir);
		auth_unreadable(e, pi, x, "out of memory for the IKE_AUTH state");
		return -1;
	}
	struct auth_ctx *a = x->a;
	a->spi_r = m->hdr.spi_r;
	memcpy(a->init_resp, m->raw, m->raw_len);
	a->init_resp_len = m->raw_len;
	/* Our IKE_SA_INIT request as sent (still in x->u.pkt, behind the marker on 4500) and the
	 * server's nonce: what our AUTH covers after EAP (RFC 7296 2.15). */
	size_t mk = x->u.natt ? NATT_MARKER_LEN : 0;
	if (x->u.pkt_len > mk && x->u.pkt_len - mk <= sizeof a->init_req && m->nonce.len <= sizeof a->nonce_r) {
		memcpy(a->init_req, x->u.pkt + mk, x->u.pkt_len - mk);
		a->init_req_len = x->u.pkt_len - mk;
		memcpy(a->nonce_r, m->nonce.p, m->nonce.len);
		a->nonce_r_len = m->nonce.len;
	}
	a->mid = 1;
	int rc = ike2_derive(&suite, x->nonce, x->nonce_len, m->nonce.p, m->nonce.len, gir, (size_t)gl, m->hdr.spi_i,
			     m->hdr.spi_r, &a->keys);
	OPENSSL_cleanse(gir, sizeof gir);
	if (rc != 0) {
		auth_unreadable(e, pi, x, "key derivation failed");
		ikev2_auth_free(x);
		return -1;
	}
	ike2_frag_init(&a->frag);
	return 0;
}

/* Builds the IKE_AUTH request into x->u.pkt (sealed; in RFC 7383 fragments when Windows would
 * fragment it). Returns 0, or -1 (recorded). */
static int build_request(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			 const struct ike2_msg *m)
{
	const struct profile *p = st->g.prof;
	struct auth_ctx *a = x->a;
	/* The request: IDi = our address, [CERTREQ], N..., CP, SA (ESP), TSi, TSr. */
	const uint8_t *lip;
	size_t ll = net_addr_bytes(&x->u.local, &lip);
	/* The Windows-like request lists a Windows-sized set of root hashes; X_ROOTS only the real
	 * roots (at least one, so that the server still sends its certificate); X_SMALL none. */
	make_hashes(e, st);
	size_t nh = st->nhash;
	if (x->kind == X_ROOTS)
		nh = st->nhash_real ? st->nhash_real : st->nhash ? 1 : 0;
	if (x->kind == X_SMALL || x->kind == X_PSK || !p->auth_certreq)
		nh = 0;
	a->certreq_hashes = nh;
	a->certreq_real = nh < st->nhash_real ? nh : st->nhash_real;
	a->server_frag = ike2_find_notify(m, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	struct ike2_proposal child[PROFILE_MAX_CHILD];
	for (size_t i = 0; i < p->nchild; i++) {
		child[i] = p->child[i];
		RAND_bytes(child[i].spi, 4);
	}
	struct ike2_ts ts[2];
	for (size_t i = 0; i < p->nauth_ts && i < 2; i++)
		ts_any(p->auth_ts[i], &ts[i]);
	a->idi[0] = ll == 16 ? IKE2_ID_IPV6_ADDR : IKE2_ID_IPV4_ADDR;
	memset(a->idi + 1, 0, 3);
	memcpy(a->idi + 4, lip, ll <= 16 ? ll : 16);
	a->idi_len = 4 + (ll <= 16 ? ll : 16);
	struct ike2_auth_req req = {
		.id_type = ll == 16 ? IKE2_ID_IPV6_ADDR : IKE2_ID_IPV4_ADDR,
		.id = lip,
		.id_len = ll,
		.certreq = p->auth_certreq && x->kind != X_SMALL && x->kind != X_PSK,
		.certreq_hashes = st->hashes,
		.certreq_len = 20 * nh,
		.notifies = p->auth_notifies,
		.nnotifies = p->nauth_notifies,
		.cp_type = p->nauth_cp ? IKE2_CFG_REQUEST : 0,
		.cp_attrs = p->auth_cp,
		.ncp_attrs = p->nauth_cp,
		.child = child,
		.nchild = p->nchild,
		.tsi = ts,
		.tsr = ts,
		.ntsi = p->nauth_ts,
		.ntsr = p->nauth_ts,
	};
	/* X_PSK: AUTH from the pre-shared key right after IDi, as a Windows IKEv2 PSK connection
	 * (RRAS site-to-site, AuthenticationMethod PSKOnly) sends it [inferred: the payload order of
	 * RFC 7296 1.2; Windows' own PSK IKE_AUTH has not been captured]. */
	uint8_t auth[IKE2_MAX_PRF_LEN];
	if (x->kind == X_PSK) {
		int an = ikev2_psk_auth(e, x, false, NULL, 0, auth);
		if (an <= 0) {
			OPENSSL_cleanse(auth, sizeof auth);
			auth_unreadable(e, pi, x, "our AUTH from the pre-shared key could not be computed");
			return -1;
		}
		req.auth_method = IKE2_AUTH_PSK;
		req.auth = auth;
		req.auth_len = (size_t)an;
	}
	uint8_t inner[4096];
	struct wbuf w;
	uint8_t first = 0;
	int rc = 0;
	wbuf_init(&w, inner, sizeof inner);
	if (ike2_build_auth_inner(&w, &req, &first) != 0 || seal(x, IKE2_AUTH, 1, first, inner, w.len) != 0) {
		auth_unreadable(e, pi, x, "the IKE_AUTH request does not fit the packet buffer");
		rc = -1;
	}
	/* Windows 10 1803+ fragments its own request when the server supports it (facts 2.6). */
	size_t limit = frag_limit(p, x);
	if (rc == 0 && a->server_frag && p->frag_supported && limit && x->u.pkt_len > limit &&
	    seal_frags(x, IKE2_AUTH, 1, first, inner, w.len, limit) != 0) {
		auth_unreadable(e, pi, x, "the IKE_AUTH request does not fit into RFC 7383 fragments");
		rc = -1;
	}
	OPENSSL_cleanse(auth, sizeof auth);
	OPENSSL_cleanse(inner, sizeof inner);
	return rc;
}

int ikev2_auth_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_msg *m, const struct net_addr *from)
{
	if (derive(e, pi, st, x, m) != 0)
		return -1;
	uint16_t p4500 = engine_port(e, pi, 1);
	const char *why = NULL;
	/* Windows moves to UDP 4500 after NAT detection [observed, facts 2.7]. */
	if (natd_mismatch(x, m, from) && p4500 && x->kind != X_NATT && udpx_reopen(&x->u, e, pi, p4500, true, &why) != 0) {
		auth_unreadable(e, pi, x, "could not open a socket to UDP 4500");
		ikev2_auth_free(x);
		return -1;
	}
	if (build_request(e, pi, st, x, m) != 0) {
		ikev2_auth_free(x);
		return -1;
	}
	x->a->req_len = x->u.pkt_len;
	x->a->req_frags = (unsigned)x->u.nfrags;
	x->phase = PH_AUTH;
	x->u.sends = 0;
	x->u.total_sends = 0;
	ikev2_send(e, pi, st, x);
	return 0;
}

static void send_delete(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	uint8_t inner[64];
	struct wbuf w;
	uint8_t first = 0;
	wbuf_init(&w, inner, sizeof inner);
	x->a->mid++;
	if (ike2_build_delete_inner(&w, &first) != 0 || seal(x, IKE2_INFORMATIONAL, x->a->mid, first, inner, w.len) != 0) {
		x->u.active = false;
		return;
	}
	x->phase = PH_DELETE;
	x->u.limit = 2; /* a courtesy: its answer decides nothing */
	x->u.sends = 0;
	ikev2_send(e, pi, st, x);
}

static void verify_auth(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in)
{
	struct obs o;
	struct auth_ctx *a = x->a;
	const struct ike2_cert *leaf = NULL;
	for (size_t i = 0; i < in->ncerts && !leaf; i++)
		if (in->certs[i].encoding == IKE2_CERT_X509_SIG)
			leaf = &in->certs[i];
	if (!leaf) {
		auth_obs(&o, OBS_IKE_AUTH_NO_CERT, x);
		o.code = in->has_auth ? in->auth_method : 0;
		o.value = (int64_t)in->ncerts;
		fmt_into(o.text, sizeof o.text, "%s", in->has_auth ? ike2_auth_method_name(in->auth_method) : "no AUTH");
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server's IKE_AUTH reply carries no X.509 certificate (%zu CERT payload%s of other encodings; AUTH: %s)",
			 in->ncerts, in->ncerts == 1 ? "" : "s", o.text);
		engine_observe(e, pi, &o);
		return;
	}
	if (in->has_auth && in->has_id) {
		size_t ocap = a->init_resp_len + x->nonce_len + IKE2_MAX_PRF_LEN;
		uint8_t *octets = malloc(ocap);
		int ol = !octets ? -1
			: ike2_auth_octets(&a->keys, true, a->init_resp, a->init_resp_len, x->nonce, x->nonce_len,
					   in->id_body.p, in->id_body.len, octets, ocap);
		struct ike2_sig_result res;
		enum ike2_sig_status stt = ol < 0 ? IKE2_SIG_UNCHECKED
			: ike2_auth_verify(in->auth_method, in->auth_data.p, in->auth_data.len, leaf->data.p, leaf->data.len,
					   octets, (size_t)ol, &res);
		free(octets);
		if (ol < 0) {
			memset(&res, 0, sizeof res);
			fmt_into(res.why, sizeof res.why, "the signed octets do not fit the buffer");
		}
		auth_obs(&o, OBS_IKE_AUTH_SIGNATURE, x);
		a->server_proven = stt == IKE2_SIG_OK; /* and the certificate, below */
		o.value = stt == IKE2_SIG_OK ? 1 : stt == IKE2_SIG_BAD ? 0 : -1;
		o.code = in->auth_method;
		fmt_into(o.text, sizeof o.text, "%s", res.alg);
		fmt_into(o.evidence, sizeof o.evidence,
			 stt == IKE2_SIG_OK ? "the server's AUTH (%s) verifies with its certificate's public key over this exchange (its IKE_SA_INIT response, our nonce, its IDr): it holds the certificate's private key%s"
			 : stt == IKE2_SIG_BAD ? "the server's AUTH (%s) does NOT verify with its certificate's public key: %s"
					       : "the server's AUTH (%s) could not be checked: %s",
			 res.alg, stt == IKE2_SIG_OK ? "" : res.why);
		engine_observe(e, pi, &o);
	} else {
		auth_obs(&o, OBS_IKE_AUTH_SIGNATURE, x);
		o.value = -1;
		fmt_into(o.text, sizeof o.text, "no AUTH");
		fmt_into(o.evidence, sizeof o.evidence, "the server sent a certificate but no %s payload: nothing to verify",
			 in->has_auth ? "IDr" : "AUTH");
		engine_observe(e, pi, &o);
	}
	/* The certificate as Windows checks it (facts only; rules decide). Every X.509 CERT payload
	 * the parser kept; those it dropped (over IKE2_MAX_CERTS) make the chain "too long". */
	struct certcheck_der chain[IKE2_MAX_CERTS];
	size_t n = 0;
	for (size_t i = 0; i < in->ncerts && n < IKE2_MAX_CERTS; i++)
		if (in->certs[i].encoding == IKE2_CERT_X509_SIG)
			chain[n++] = (struct certcheck_der){in->certs[i].data.p, in->certs[i].data.len};
	struct certcheck *cc = calloc(1, sizeof *cc);
	char err[200];
	if (!cc)
		return;
	struct certcheck_input ci = {
		.chain = chain, .nchain = n, .ndropped = in->certs_dropped, .host = engine_target_host(e),
		.trust = engine_options(e)->trust, .now = time(NULL),
	};
	if (certcheck_run(&ci, cc, err, sizeof err) == 0 || cc->parsed) {
		/* Credentials go only to a server Windows would trust (ikev2_eap.c): never to one whose
		 * certificate fails the checks that decide the connection. */
		a->server_proven = a->server_proven && cc->parsed && cc->chain_ok && cc->name_ok && !cc->expired &&
				   !cc->not_yet_valid && !cc->key_rejected_by_windows;
		cert_observe(e, pi, cc, KB_P_IKEV2);
		cert_observe_platform(e, pi, chain, n, engine_target_host(e), KB_P_IKEV2);
	} else {
		auth_obs(&o, OBS_IKE_AUTH_CERT_UNCHECKED, x);
		fmt_into(o.text, sizeof o.text, "%s", err);
		fmt_into(o.evidence, sizeof o.evidence, "the server's certificate could not be checked: %s", err);
		engine_observe(e, pi, &o);
	}
	certcheck_free(cc);
	free(cc);
}

/* After the first IKE_AUTH reply in: an error notify without AUTH (AUTHENTICATION_FAILED...) means
 * the responder created no IKE SA (RFC 7296 2.21.2): the exchange ends there; otherwise the SA is
 * deleted. */
static void end_or_delete(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			  const struct ike2_inner *in)
{
	if (ike2_inner_error(in) && !in->has_auth && !in->has_eap) {
		x->u.active = false;
		return;
	}
	send_delete(e, pi, st, x);
}

/* The decrypted (and reassembled) IKE_AUTH reply. */
static void auth_reply(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x, uint8_t first,
		       const uint8_t *plain, size_t plen)
{
	struct obs o;
	char why[200], s[300];
	struct ike2_inner *in = calloc(1, sizeof *in);
	if (!in)
		return;
	struct auth_ctx *a = x->a;
	a->done_auth = true;
	if (ike2_inner_parse(first, plain, plen, in, why, sizeof why) != 0) {
		char w2[240];
		fmt_into(w2, sizeof w2, "the decrypted IKE_AUTH reply does not parse: %s", why);
		auth_unreadable(e, pi, x, w2);
		free(in);
		send_delete(e, pi, st, x);
		return;
	}
	ike2_inner_str(in, s, sizeof s);
	engine_packet(e, pi, '<', &x->u.dst, s);
	if (x->phase == PH_EAP) {
		ikev2_eap_reply(e, pi, st, x, in);
		free(in);
		return;
	}
	if (x->kind == X_PSK) {
		ikev2_psk_reply(e, pi, x, in);
		end_or_delete(e, pi, st, x, in);
		free(in);
		return;
	}
	if (ikev2_is_side(x)) {
		auth_obs(&o, ikev2_side_kind(x), x);
		o.value = 1;
		o.code = (int32_t)a->reply_bytes;
		fmt_into(o.text, sizeof o.text, "%s", s);
		fmt_into(o.evidence, sizeof o.evidence, "%s (%zu bytes) was answered with %zu bytes%s: [%s]", ikev2_side_what(x),
			 a->req_len, a->reply_bytes, a->nfrag_msgs ? " in RFC 7383 fragments" : "", s);
		engine_observe(e, pi, &o);
		free(in);
		send_delete(e, pi, st, x);
		return;
	}
	auth_obs(&o, OBS_IKE_AUTH_REPLY, x);
	o.value = (int64_t)a->reply_bytes;
	o.code = (int32_t)a->nfrag_msgs;
	fmt_into(o.text, sizeof o.text, "%s", s);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH on UDP %u with %zu bytes%s: [%s]", x->u.port,
		 a->reply_bytes, a->nfrag_msgs ? " in RFC 7383 fragments" : "", s);
	engine_observe(e, pi, &o);
	for (size_t i = 0; i < in->nnotifies; i++) {
		const struct ike2_notify *no = &in->notifies[i];
		if (no->type == IKE2_N_MS_STATUS) {
			ikev2_ms_status(&o, x, no);
			fmt_into(o.evidence, sizeof o.evidence, "in IKE_AUTH the server sent Microsoft's status notify with Win32 code %lld",
				 (long long)o.value);
			engine_observe(e, pi, &o);
		} else if (no->type < 16384) {
			auth_obs(&o, OBS_IKE_AUTH_ERROR, x);
			o.code = no->type;
			fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(no->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH with %s (type %u)", o.text,
				 (unsigned)no->type);
			engine_observe(e, pi, &o);
		}
	}
	/* A server that refuses the EAP IKE_AUTH with AUTHENTICATION_FAILED may take a pre-shared key:
	 * with --psk-file, a new IKE_SA tries it (ikev2_psk.c). */
	const struct ike2_notify *aerr = ike2_inner_error(in);
	if (aerr && aerr->type == IKE2_N_AUTHENTICATION_FAILED && !in->has_eap && !in->has_auth)
		ikev2_psk_start(e, pi, st, x);
	if (in->ncerts || in->has_auth)
		verify_auth(e, pi, x, in);
	else if (!ike2_inner_error(in))
		verify_auth(e, pi, x, in); /* records ike-auth-no-cert */
	if (in->has_eap) {
		auth_obs(&o, OBS_IKE_AUTH_EAP, x);
		o.code = in->eap_code;
		o.value = in->eap_type;
		fmt_into(o.text, sizeof o.text, "EAP code %u type %u", (unsigned)in->eap_code, (unsigned)in->eap_type);
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server asks for EAP (code %u, type %u%s) as it should for a Windows user tunnel; the probe stops here and deletes the IKE SA",
			 (unsigned)in->eap_code, (unsigned)in->eap_type,
			 in->eap_type == 1 ? " Identity" : in->eap_type == 26 ? " MSCHAPv2" : "");
		if (ikev2_eap_start(e, pi, st, x, in)) {
			fmt_into(o.evidence, sizeof o.evidence,
				 "the server asks for EAP (code %u, type %u%s) as it should for a Windows user tunnel; the probe answers as Windows' EAP-MSCHAPv2 client with --user",
				 (unsigned)in->eap_code, (unsigned)in->eap_type,
				 in->eap_type == 1 ? " Identity" : in->eap_type == 26 ? " MSCHAPv2" : "");
			engine_observe(e, pi, &o);
			free(in);
			return;
		}
		engine_observe(e, pi, &o);
	}
	end_or_delete(e, pi, st, x, in);
	free(in);
}

/* One datagram in PH_AUTH / PH_DELETE. Returns true when x is finished. */
bool ikev2_auth_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			  const uint8_t *buf, size_t len, const struct net_addr *from)
{
	struct auth_ctx *a = x->a;
	char why[200];
	bool finished = false;
	size_t wire_len = len;
	struct ike2_msg *m = ikev2_parse(e, pi, x, buf, len, from);
	if (!m)
		return false;
	enum ike2_auth_reply kind = ike2_auth_reply_kind_mid(m, x->spi, a->spi_r, x->phase == PH_DELETE, a->mid);
	switch (kind) {
	case IKE2_AR_NOT_OURS:
		ikev2_ignore(e, pi, x, from, "not a response of our IKE SA (other SPIs, or the R flag clear)");
		goto out;
	case IKE2_AR_QUIET:
		goto out; /* a retransmitted IKE_SA_INIT response; late IKE_AUTH fragments while deleting */
	case IKE2_AR_DELETED:
		engine_packet(e, pi, '<', from, "INFORMATIONAL response: the IKE SA is deleted");
		finished = true;
		goto out;
	case IKE2_AR_UNEXPECTED:
		ikev2_ignore(e, pi, x, from,
		       x->phase == PH_DELETE ? "not the INFORMATIONAL response to our delete"
					     : "not the IKE_AUTH response to our last request (message ID)");
		goto out;
	case IKE2_AR_PLAIN_ERROR:
		if (x->phase == PH_EAP) {
			ikev2_eap_plain_error(e, pi, x, ike2_first_error(m)->type);
			send_delete(e, pi, st, x);
			goto out;
		}
		if (x->kind == X_PSK) {
			ikev2_psk_plain_error(e, pi, x, ike2_first_error(m)->type);
			finished = true;
			goto out;
		}
		if (!ikev2_is_side(x)) {
			const struct ike2_notify *err = ike2_first_error(m);
			struct obs o;
			auth_obs(&o, OBS_IKE_AUTH_ERROR, x);
			o.code = err->type;
			fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH with an unprotected %s (type %u)",
				 o.text, (unsigned)err->type);
			engine_observe(e, pi, &o);
			if (err->type == IKE2_N_AUTHENTICATION_FAILED)
				ikev2_psk_start(e, pi, st, x);
			finished = true;
			goto out;
		}
		/* fall through */
	case IKE2_AR_PLAIN:
		ikev2_ignore(e, pi, x, from, "an IKE_AUTH response without an encrypted payload");
		goto out;
	case IKE2_AR_SK:
	case IKE2_AR_SKF:
		break;
	}
	bool frag = kind == IKE2_AR_SKF;
	const struct ike2_sk_crypto c = ike2_keys_sk(&a->keys);
	int pl = ike2_sk_open(&c, true, m->raw, m->raw_len, m->sk_iv_off, a->plain, sizeof a->plain, why, sizeof why);
	if (pl < 0) {
		char w2[240];
		fmt_into(w2, sizeof w2, "the encrypted payload does not open (garbage, or not keyed for this SA): %s", why);
		ikev2_ignore(e, pi, x, from, w2);
		goto out;
	}
	a->reply_bytes += wire_len;
	if (!frag) {
		auth_reply(e, pi, st, x, m->sk_first_inner, a->plain, (size_t)pl);
		goto out;
	}
	a->nfrag_msgs++;
	enum ike2_frag_rc fr = ike2_frag_add(&a->frag, m->skf_num, m->skf_total, m->sk_first_inner, a->plain, (size_t)pl,
					     why, sizeof why);
	char s[120];
	fmt_into(s, sizeof s, "IKE_AUTH response fragment %u of %u, %zu bytes", (unsigned)m->skf_num, (unsigned)m->skf_total,
		 wire_len);
	engine_packet(e, pi, '<', from, s);
	if (fr == IKE2_FRAG_REJECTED || fr == IKE2_FRAG_DUPLICATE) {
		if (fr == IKE2_FRAG_DUPLICATE)
			a->reply_bytes -= wire_len;
		ikev2_ignore(e, pi, x, from, why);
	} else if (fr == IKE2_FRAG_COMPLETE) {
		uint8_t first = 0;
		int wl = ike2_frag_assemble(&a->frag, a->whole, sizeof a->whole, &first);
		if (wl < 0)
			auth_unreadable(e, pi, x, "the IKE_AUTH fragments do not reassemble");
		else
			auth_reply(e, pi, st, x, first, a->whole, (size_t)wl);
	}
out:
	free(m);
	return finished || !x->u.active;
}

void ikev2_auth_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short)
{
	struct obs o;
	if (x->phase == PH_DELETE)
		return; /* the delete is a courtesy; its answer decides nothing */
	if (x->phase == PH_EAP) {
		ikev2_eap_no_answer(e, pi, x, cut_short);
		return;
	}
	if (x->kind == X_PSK) {
		char why[200];
		fmt_into(why, sizeof why, "no answer to the %s (%u request%s)%s",
			 x->phase == PH_INIT ? "IKE_SA_INIT of the PSK sign-in" : "IKE_AUTH with the pre-shared key", x->u.sends,
			 x->u.sends == 1 ? "" : "s", cut_short ? "; the run's --timeout ended it" : "");
		ikev2_psk_incomplete(e, pi, x, why);
		return;
	}
	if (ikev2_is_side(x)) {
		auth_obs(&o, ikev2_side_kind(x), x);
		o.value = 0;
		fmt_into(o.text, sizeof o.text, "no answer");
		if (x->phase == PH_INIT)
			fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA_INIT for %s was not answered (%u request%s)",
				 ikev2_side_what(x), x->u.sends, x->u.sends == 1 ? "" : "s");
		else
			fmt_into(o.evidence, sizeof o.evidence, "%s (%zu bytes) was not answered either (%u request%s)", ikev2_side_what(x),
				 x->a ? x->a->req_len : 0, x->u.sends, x->u.sends == 1 ? "" : "s");
		engine_observe(e, pi, &o);
		return;
	}
	struct auth_ctx *a = x->a;
	auth_obs(&o, OBS_IKE_AUTH_NO_ANSWER, x);
	o.value = x->u.sends;
	o.code = a ? (int32_t)a->req_len : 0;
	fmt_into(o.text, sizeof o.text, "%s", cut_short ? "cut short by --timeout" : "");
	fmt_into(o.evidence, sizeof o.evidence,
		 "IKE_SA_INIT was answered, but no answer to %u IKE_AUTH request%s (%zu bytes%s, a CERTREQ with %zu root hashes as Windows sends) on UDP %u within %.1f s%s%s%s",
		 x->u.sends, x->u.sends == 1 ? "" : "s", a ? a->req_len : 0,
		 a && a->req_frags ? ", in RFC 7383 fragments as Windows sends it to a server that fragments" : "",
		 a ? a->certreq_hashes : 0, x->u.port,
		 (engine_now_ms(e) - x->u.first_send) / 1000.0, a && a->nfrag_msgs ? " (some IKE fragments arrived, not all)" : "",
		 a && a->too_big ? "; the path answered ICMP \"fragmentation needed\": the request is larger than the path MTU" : "",
		 cut_short ? " (the run's --timeout ended the retransmissions)" : "");
	engine_observe(e, pi, &o);
}
int ikev2_auth_next(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x, uint8_t first,
		    const uint8_t *inner, size_t ilen)
{
	struct auth_ctx *a = x->a;
	if (seal(x, IKE2_AUTH, a->mid + 1, first, inner, ilen) != 0)
		return -1;
	a->mid++;
	ike2_frag_init(&a->frag);
	x->phase = PH_EAP;
	x->u.sends = 0;
	ikev2_send(e, pi, st, x);
	return 0;
}

void ikev2_auth_delete(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	send_delete(e, pi, st, x);
}

/* One observation of an IKE_AUTH step of exchange X (ikev2_eap.c, ikev2_psk.c): the texts are
 * copied; nothing is kept. */
void ikev2_record(struct engine *e, struct probe_inst *pi, struct xchg *x, enum obs_kind kind, int64_t value,
		  int32_t code, const char *text, const char *evidence)
{
	struct obs o;
	udpx_obs(&o, kind, &x->u);
	o.value = value;
	o.code = code;
	fmt_into(o.text, sizeof o.text, "%s", text);
	fmt_into(o.evidence, sizeof o.evidence, "%s", evidence);
	engine_observe(e, pi, &o);
}

/* The last IKE_AUTH reply of a sign-in that verified (EAP's final AUTH, or the PSK AUTH): KIND with
 * the address the CP reply assigns (value 1, text) or none (value 0), then, when ERR refuses the
 * child SA, ike-child-refused. HOW says what verified, WHAT what the server accepted. */
void ikev2_signed_in(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in,
		     const struct ike2_notify *err, enum obs_kind kind, int32_t code, const char *how, const char *what)
{
	char ev[400];
	uint8_t addr[16];
	char text[64] = "";
	int fam = in->has_cp ? ike2_cp_address(in->cp_attrs.p, in->cp_attrs.len, addr) : 0;
	if (fam && !inet_ntop(fam == 4 ? AF_INET : AF_INET6, addr, text, sizeof text))
		text[0] = 0;
	fmt_into(ev, sizeof ev, "%s, %s%s%s%s", how,
		 text[0] ? "and it assigned the address " : in->has_cp ? "but its CP reply assigns no address" : "but it sent no CP reply (no address assigned)",
		 text, in->has_sa && !err ? "; the child SA was negotiated" : "", err ? "; an error notify came with it" : "");
	ikev2_record(e, pi, x, kind, text[0] ? 1 : 0, code, text, ev);
	if (err) {
		fmt_into(ev, sizeof ev, "the IKE_AUTH reply accepts %s but refuses the child SA (the ESP tunnel) with %s (type %u)%s",
			 what, ike2_notify_name(err->type), (unsigned)err->type, in->has_sa ? "" : ": no SA payload");
		ikev2_record(e, pi, x, OBS_IKE_CHILD_REFUSED, 0, err->type, ike2_notify_name(err->type), ev);
	}
}
