/* IKE_AUTH past the server's EAP request, as Windows' built-in IKEv2 client signs in with an
 * EAP-MSCHAPv2 (username and password) connection: EAP-Response/Identity when asked (the user name
 * as typed), the MSCHAPv2 Response to the server's Challenge (RFC 2759, draft-kamath), the server's
 * authenticator response ("S=") verified, the Success Response, then, after EAP-Success, AUTH from
 * the MSK (RFC 7296 2.16) and the server's AUTH verified with it, the address of the CP reply read;
 * then the IKE SA is deleted. A server asking for another method gets a Legacy Nak proposing
 * MSCHAPv2, as an EAP peer configured for MSCHAPv2 only answers (RFC 3748 5.3.1).
 *
 * Probes observe: the outcome is one of ike-eap-success, ike-eap-failure, ike-eap-method,
 * ike-auth-server-mismatch, ike-eap-incomplete; the rules (rules_ikev2_eap.c) decide.
 * The password is read from the engine options only during the MSCHAPv2 computation; the MSK and
 * the expected authenticator response live in struct ikev2_eap, wiped on free. Nothing here logs
 * or records a secret (the user name is not one). */
#include "net/sys.h"
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/mschapv2.h"
#include "obs/ike.h"
#include "probes/ikev2_int.h"
#include "util/fmt.h"
#include "wire/eap.h"

/* What the last request carried: the step a failure or silence comes after. */
enum eap_step { ES_START, ES_IDENTITY, ES_RESPONSE, ES_NAK, ES_SUCCESS_ACK, ES_AUTH };

struct ikev2_eap {
	enum eap_step step;
	uint8_t idr[4 + 256];       /* the server's IDr payload body from the first reply (its AUTH covers it) */
	size_t idr_len;
	struct mschapv2_peer keys;  /* NT-Response, the expected "S=" and the MSK: secret, wiped */
	bool have_keys;
	char what[96];              /* for the packet log */
};

static const char *step_what(enum eap_step s)
{
	switch (s) {
	case ES_START: return "the first IKE_AUTH request";
	case ES_IDENTITY: return "our EAP-Response/Identity";
	case ES_RESPONSE: return "our MSCHAPv2 Response (the NT-Response to the server's challenge)";
	case ES_NAK: return "our EAP Nak proposing EAP-MSCHAPv2";
	case ES_SUCCESS_ACK: return "our MSCHAPv2 Success Response";
	case ES_AUTH: return "our final AUTH (computed from the EAP-MSCHAPv2 MSK)";
	}
	return "";
}

void ikev2_eap_free(struct xchg *x)
{
	if (!x->a || !x->a->eap)
		return;
	OPENSSL_cleanse(x->a->eap, sizeof *x->a->eap);
	free(x->a->eap);
	x->a->eap = NULL;
}

const char *ikev2_eap_what(const struct xchg *x)
{
	return x->a && x->a->eap ? x->a->eap->what : "";
}

static void incomplete(struct engine *e, struct probe_inst *pi, struct xchg *x, int32_t code, const char *why)
{
	char ev[400];
	fmt_into(ev, sizeof ev, "the EAP-MSCHAPv2 sign-in stopped before a decision: %s", why);
	ikev2_record(e, pi, x, OBS_IKE_EAP_INCOMPLETE, 0, code, why, ev);
}

static int where(enum eap_step s)
{
	switch (s) {
	case ES_START: return 0;
	case ES_IDENTITY: return 1;
	case ES_RESPONSE: return 2;
	case ES_NAK: return 3;
	case ES_SUCCESS_ACK: return 4;
	case ES_AUTH: return 5;
	}
	return 0;
}

static void failure(struct engine *e, struct probe_inst *pi, struct xchg *x, uint32_t err, const char *text,
		    const char *how)
{
	char ev[400];
	enum eap_step s = x->a->eap->step;
	fmt_into(ev, sizeof ev, "after %s the server answered %s%s%s", step_what(s), how, text[0] ? ": " : "", text);
	ikev2_record(e, pi, x, OBS_IKE_EAP_FAILURE, where(s), (int32_t)err, text, ev);
}

/* Builds the EAP packet with build() into an IKE_AUTH request and sends it. */
static bool send_eap(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x, const uint8_t *pkt,
		     size_t len, enum eap_step next, const char *what)
{
	uint8_t inner[600];
	struct wbuf w;
	uint8_t first = 0;
	wbuf_init(&w, inner, sizeof inner);
	x->a->eap->step = next;
	fmt_into(x->a->eap->what, sizeof x->a->eap->what, "EAP(%s)", what);
	if (ike2_build_eap_inner(&w, pkt, len, &first) != 0 || ikev2_auth_next(e, pi, st, x, first, inner, w.len) != 0) {
		incomplete(e, pi, x, 0, "the EAP response does not fit the packet buffer");
		return false;
	}
	return true;
}

/* The AUTH of the initiator (responder false) or the responder with the MSK (RFC 7296 2.16). */
static int msk_auth(const struct xchg *x, bool responder, uint8_t out[IKE2_MAX_PRF_LEN])
{
	const struct auth_ctx *a = x->a;
	const struct ikev2_eap *s = a->eap;
	size_t cap = (responder ? a->init_resp_len : a->init_req_len) + (responder ? x->nonce_len : a->nonce_r_len) +
		     IKE2_MAX_PRF_LEN;
	uint8_t *oct = malloc(cap);
	if (!oct)
		return -1;
	int ol = responder ? ike2_auth_octets(&a->keys, true, a->init_resp, a->init_resp_len, x->nonce, x->nonce_len,
					      s->idr, s->idr_len, oct, cap)
			   : ike2_auth_octets(&a->keys, false, a->init_req, a->init_req_len, a->nonce_r, a->nonce_r_len,
					      a->idi, a->idi_len, oct, cap);
	int n = ol < 0 ? -1 : ike2_shared_key_auth(&a->keys, s->keys.msk, sizeof s->keys.msk, oct, (size_t)ol, out);
	free(oct);
	return n;
}

static bool send_auth(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	uint8_t auth[IKE2_MAX_PRF_LEN], inner[128];
	struct wbuf w;
	uint8_t first = 0;
	int n = msk_auth(x, false, auth);
	wbuf_init(&w, inner, sizeof inner);
	x->a->eap->step = ES_AUTH;
	fmt_into(x->a->eap->what, sizeof x->a->eap->what, "AUTH(shared key from the EAP MSK)");
	bool ok = n > 0 && ike2_build_auth_only_inner(&w, IKE2_AUTH_PSK, auth, (size_t)n, &first) == 0 &&
		  ikev2_auth_next(e, pi, st, x, first, inner, w.len) == 0;
	OPENSSL_cleanse(auth, sizeof auth);
	OPENSSL_cleanse(inner, sizeof inner);
	if (!ok)
		incomplete(e, pi, x, 0, "our final AUTH could not be computed");
	return ok;
}

/* The reply to our final AUTH: the server's AUTH (from the MSK) and the CP reply. */
static void final_reply(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in)
{
	const struct ike2_notify *err = ike2_inner_error(in);
	char ev[400];
	if (err && !in->has_auth) {
		failure(e, pi, x, 0, ike2_notify_name(err->type), "with an error notify");
		return;
	}
	if (!in->has_auth) {
		incomplete(e, pi, x, 0, "the reply to our final AUTH carries no AUTH payload");
		return;
	}
	uint8_t want[IKE2_MAX_PRF_LEN];
	int n = msk_auth(x, true, want);
	bool ok = n > 0 && in->auth_method == IKE2_AUTH_PSK && in->auth_data.len == (size_t)n &&
		  CRYPTO_memcmp(want, in->auth_data.p, (size_t)n) == 0;
	OPENSSL_cleanse(want, sizeof want);
	if (!ok) {
		fmt_into(ev, sizeof ev,
			 "the server's final AUTH (method %u, %zu bytes) does NOT verify with the MSK of this EAP-MSCHAPv2 exchange over its IKE_SA_INIT response, our nonce and its IDr (RFC 7296 2.16)",
			 (unsigned)in->auth_method, in->auth_data.len);
		ikev2_record(e, pi, x, OBS_IKE_AUTH_SERVER_MISMATCH, 2, in->auth_method, "final AUTH", ev);
		return;
	}
	ikev2_signed_in(e, pi, x, in, err, OBS_IKE_EAP_SUCCESS, 1,
			"IKE_AUTH completed: the server's final AUTH verifies with the EAP-MSCHAPv2 MSK", "the credentials");
}

static bool mschapv2(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct eap_pkt *p)
{
	struct ikev2_eap *s = x->a->eap;
	const struct engine_opts *opt = engine_options(e);
	struct eap_mschapv2 m;
	char why[200], ev[400];
	if (eap_mschapv2_parse(p, &m, why, sizeof why) != 0) {
		incomplete(e, pi, x, 0, why);
		return false;
	}
	if (m.opcode == EAP_MSCHAPV2_CHALLENGE) {
		uint8_t peer[16], pkt[600];
		struct wbuf w;
		size_t ulen = strlen(opt->eap_user), nl;
		const char *name = mschapv2_username(opt->eap_user, ulen, &nl);
		if (RAND_bytes(peer, sizeof peer) != 1) {
			incomplete(e, pi, x, 0, "no random bytes for the peer challenge");
			return false;
		}
		int rc = mschapv2_peer_compute(m.challenge, peer, name, nl, opt->password, opt->password_len, &s->keys);
		if (rc != MSCHAPV2_OK) {
			incomplete(e, pi, x, rc == MSCHAPV2_UNAVAILABLE ? 1 : 0,
				   rc == MSCHAPV2_UNAVAILABLE ? "MD4/DES are not available (OpenSSL's legacy provider does not load): MSCHAPv2 cannot be computed here"
							     : "the MSCHAPv2 response could not be computed (a password over 256 characters?)");
			return false;
		}
		s->have_keys = true;
		wbuf_init(&w, pkt, sizeof pkt);
		/* The name field carries the whole identity (DOMAIN\user), as Windows and strongSwan send it. */
		if (eap_build_mschapv2_response(&w, p->id, m.ms_id, peer, s->keys.nt_response, opt->eap_user, ulen) != 0) {
			incomplete(e, pi, x, 0, "the MSCHAPv2 response does not fit");
			return false;
		}
		bool sent = send_eap(e, pi, st, x, pkt, w.len, ES_RESPONSE, "MSCHAPv2 Response");
		OPENSSL_cleanse(pkt, sizeof pkt);
		return sent;
	}
	struct eap_mschapv2_msg msg;
	bool parsed = m.message && eap_mschapv2_msg_parse(m.message, m.message_len, &msg, why, sizeof why) == 0;
	if (!parsed)
		memset(&msg, 0, sizeof msg);
	if (m.opcode == EAP_MSCHAPV2_FAILURE) {
		/* Windows shows the error and sends no Failure Response (strongSwan's eap-mschapv2 notes it
		 * [V]); neither do we. */
		char text[200];
		if (msg.has_e)
			fmt_into(text, sizeof text, "E=%u R=%u%s%s", (unsigned)msg.e, (unsigned)msg.r, msg.has_m ? " M=" : "", msg.m);
		else
			fmt_into(text, sizeof text, "no E= code%s%s", msg.has_m ? "; M=" : "", msg.m);
		failure(e, pi, x, msg.has_e ? msg.e : 0, text, "with an MSCHAPv2 Failure request");
		return false;
	}
	/* Success request: "S=<authenticator response>" must be the one our password computes. */
	if (s->step != ES_RESPONSE || !s->have_keys) {
		incomplete(e, pi, x, 0, "an MSCHAPv2 Success request before our response");
		return false;
	}
	if (!parsed || !msg.has_s || CRYPTO_memcmp(msg.s, s->keys.auth_response, sizeof msg.s) != 0) {
		fmt_into(ev, sizeof ev,
			 "the server's MSCHAPv2 Success request %s: it does not prove that it knows the user's password (RFC 2759 8.8; Windows rejects it)",
			 !parsed ? "does not parse" : !msg.has_s ? "carries no S= authenticator response"
							 : "carries an authenticator response (S=) that does NOT match the one the password gives");
		ikev2_record(e, pi, x, OBS_IKE_AUTH_SERVER_MISMATCH, 1, 0, "MSCHAPv2 authenticator response", ev);
		return false;
	}
	uint8_t pkt[16];
	struct wbuf w;
	wbuf_init(&w, pkt, sizeof pkt);
	if (eap_build_mschapv2_ack(&w, p->id, EAP_MSCHAPV2_SUCCESS) != 0)
		return false;
	return send_eap(e, pi, st, x, pkt, w.len, ES_SUCCESS_ACK, "MSCHAPv2 Success Response");
}

static void ms_status(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in)
{
	for (size_t i = 0; i < in->nnotifies; i++) {
		if (in->notifies[i].type != IKE2_N_MS_STATUS)
			continue;
		struct obs o;
		ikev2_ms_status(&o, x, &in->notifies[i]);
		fmt_into(o.evidence, sizeof o.evidence, "during EAP the server sent Microsoft's status notify with Win32 code %lld",
			 (long long)o.value);
		engine_observe(e, pi, &o);
	}
}

/* One reply while signing in. Returns true when a new request went out. */
static bool eap_round(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		      const struct ike2_inner *in)
{
	struct ikev2_eap *s = x->a->eap;
	const struct engine_opts *opt = engine_options(e);
	char why[200];
	ms_status(e, pi, x, in);
	if (s->step == ES_AUTH) {
		final_reply(e, pi, x, in);
		return false;
	}
	const struct ike2_notify *err = ike2_inner_error(in);
	if (!in->has_eap) {
		if (err)
			failure(e, pi, x, 0, ike2_notify_name(err->type), "with an error notify");
		else
			incomplete(e, pi, x, 0, "the server's IKE_AUTH reply carries no EAP payload");
		return false;
	}
	struct eap_pkt p;
	if (eap_parse(in->eap.p, in->eap.len, &p, why, sizeof why) != 0) {
		incomplete(e, pi, x, 0, why);
		return false;
	}
	if (p.code == EAP_FAILURE) {
		failure(e, pi, x, 0, err ? ike2_notify_name(err->type) : "", "with EAP-Failure");
		return false;
	}
	if (p.code == EAP_SUCCESS) {
		if (s->step != ES_SUCCESS_ACK) {
			incomplete(e, pi, x, 0, "EAP-Success before the MSCHAPv2 exchange completed: the server proved nothing");
			return false;
		}
		return send_auth(e, pi, st, x);
	}
	if (p.code != EAP_REQUEST) {
		incomplete(e, pi, x, 0, "an EAP Response from the server");
		return false;
	}
	if (p.type == EAP_T_IDENTITY) {
		uint8_t pkt[300];
		struct wbuf w;
		wbuf_init(&w, pkt, sizeof pkt);
		if (eap_build_identity(&w, p.id, opt->eap_user, strlen(opt->eap_user)) != 0)
			return false;
		return send_eap(e, pi, st, x, pkt, w.len, ES_IDENTITY, "Response/Identity");
	}
	if (p.type == EAP_T_MSCHAPV2)
		return mschapv2(e, pi, st, x, &p);
	/* Another method: name it, and answer as a peer configured for EAP-MSCHAPv2 only. */
	const char *name = eap_type_name(p.type);
	char text[40], ev[400];
	fmt_into(text, sizeof text, "%s", name ? name : "");
	if (!name)
		fmt_into(text, sizeof text, "EAP type %u", (unsigned)p.type);
	if (s->step == ES_NAK) {
		fmt_into(ev, sizeof ev, "after our Nak proposing EAP-MSCHAPv2 the server asks for %s again", text);
		ikev2_record(e, pi, x, OBS_IKE_EAP_METHOD, p.type, 1, text, ev);
		return false;
	}
	fmt_into(ev, sizeof ev,
		 "the server asks for %s (EAP type %u), not EAP-MSCHAPv2: a Windows connection set up for EAP-MSCHAPv2 (user name and password) cannot use it",
		 text, (unsigned)p.type);
	ikev2_record(e, pi, x, OBS_IKE_EAP_METHOD, p.type, 0, text, ev);
	static const uint8_t want[] = {EAP_T_MSCHAPV2};
	uint8_t pkt[16];
	struct wbuf w;
	wbuf_init(&w, pkt, sizeof pkt);
	if (eap_build_nak(&w, p.id, want, sizeof want) != 0)
		return false;
	return send_eap(e, pi, st, x, pkt, w.len, ES_NAK, "Nak, EAP-MSCHAPv2 wanted");
}

bool ikev2_eap_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_inner *in)
{
	const struct engine_opts *opt = engine_options(e);
	struct auth_ctx *a = x->a;
	if (!opt->eap_user || !opt->password) {
		ikev2_record(e, pi, x, OBS_IKE_NO_CREDENTIALS, 0, 0, "--user and --password-file",
		       "no user credentials given: the EAP sign-in (EAP-MSCHAPv2) was not tried; --user NAME and --password-file PATH decide it");
		return false;
	}
	if (!a->server_proven) {
		incomplete(e, pi, x, 2,
			   "the credentials were not sent: the server's certificate or its AUTH did not pass the checks Windows makes first (see the certificate findings)");
		return false;
	}
	if (!in->has_id || in->id_body.len > sizeof a->eap->idr || !a->init_req_len || !a->idi_len) {
		incomplete(e, pi, x, 0, "the first IKE_AUTH reply lacks what the final AUTH needs (IDr, or our own IKE_SA_INIT)");
		return false;
	}
	if (!mschapv2_available()) {
		incomplete(e, pi, x, 1, "MD4/DES are not available (OpenSSL's legacy provider does not load): MSCHAPv2 cannot be computed here");
		return false;
	}
	a->eap = calloc(1, sizeof *a->eap);
	if (!a->eap)
		return false;
	memcpy(a->eap->idr, in->id_body.p, in->id_body.len);
	a->eap->idr_len = in->id_body.len;
	a->eap->step = ES_START;
	return eap_round(e, pi, st, x, in);
}

void ikev2_eap_reply(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_inner *in)
{
	if (!x->a->eap || !eap_round(e, pi, st, x, in))
		ikev2_auth_delete(e, pi, st, x);
}

void ikev2_eap_plain_error(struct engine *e, struct probe_inst *pi, struct xchg *x, uint16_t type)
{
	if (x->a->eap)
		failure(e, pi, x, 0, ike2_notify_name(type), "with an unprotected error notify");
}

void ikev2_eap_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short)
{
	char why[300];
	enum eap_step s = x->a && x->a->eap ? x->a->eap->step : ES_START;
	fmt_into(why, sizeof why, "no answer to %s (%u request%s)%s", step_what(s), x->u.sends, x->u.sends == 1 ? "" : "s",
		 cut_short ? "; the run's --timeout ended it" : "");
	incomplete(e, pi, x, 0, why);
}
