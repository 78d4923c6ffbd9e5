/* IKE_AUTH with a pre-shared key (issue 13), as a Windows IKEv2 PSK connection authenticates: when
 * the server refuses Windows' EAP IKE_AUTH (AUTHENTICATION_FAILED to an IKE_AUTH without AUTH) and
 * --psk-file was given, a new IKE_SA (X_PSK) sends IKE_AUTH with IDi = our address and AUTH method
 * 2 (Shared Key Message Integrity Code, RFC 7296 2.15), no CERTREQ; the server's AUTH in the reply
 * is verified with the same key over its IKE_SA_INIT response, our nonce and its IDr; the address
 * of the CP reply is read; then the IKE SA is deleted.
 *
 * Probes observe: the outcome is one of ike-psk-accepted, ike-psk-refused, ike-psk-other-method,
 * ike-auth-server-mismatch (value 3), ike-psk-incomplete; the rules (rules_ikev2_psk.c) decide.
 * The key is read from the engine options only inside psk_auth; prf(PSK, "Key Pad for IKEv2")
 * and both AUTH values are wiped after use. Nothing here logs or records a secret. */
#include "net/sys.h"
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "obs/ike.h"
#include "probes/ikev2_int.h"
#include "util/fmt.h"

void ikev2_psk_incomplete(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *why)
{
	char ev[400];
	fmt_into(ev, sizeof ev, "the IKE_AUTH with the pre-shared key (--psk-file) stopped before a decision: %s", why);
	ikev2_record(e, pi, x, OBS_IKE_PSK_INCOMPLETE, 0, 0, why, ev);
}

bool ikev2_psk_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, const struct xchg *like)
{
	const struct engine_opts *opt = engine_options(e);
	if (st->psk_started || !opt->psk || !opt->psk_len || like->kind == X_PSK || ikev2_is_side(like))
		return false;
	st->psk_started = true;
	struct xchg *x = ikev2_new_xchg(st, X_PSK, like->u.set, like->init_port);
	if (!x)
		return false;
	x->ke_group = like->ke_group; /* the group the server took (after INVALID_KE_PAYLOAD, its own) */
	return ikev2_start_xchg(e, pi, st, x) == 0;
}

int ikev2_psk_auth(const struct engine *e, const struct xchg *x, bool responder, const uint8_t *idr, size_t idr_len,
		   uint8_t out[IKE2_MAX_PRF_LEN])
{
	const struct engine_opts *opt = engine_options(e);
	const struct auth_ctx *a = x->a;
	if (!opt->psk || !opt->psk_len || !a || !a->init_req_len || !a->idi_len)
		return -1;
	size_t cap = (responder ? a->init_resp_len : a->init_req_len) + (responder ? x->nonce_len : a->nonce_r_len) +
		     IKE2_MAX_PRF_LEN;
	uint8_t *oct = malloc(cap);
	if (!oct)
		return -1;
	int ol = responder ? ike2_auth_octets(&a->keys, true, a->init_resp, a->init_resp_len, x->nonce, x->nonce_len, idr,
					      idr_len, oct, cap)
			   : ike2_auth_octets(&a->keys, false, a->init_req, a->init_req_len, a->nonce_r, a->nonce_r_len,
					      a->idi, a->idi_len, oct, cap);
	int n = ol < 0 ? -1 : ike2_shared_key_auth(&a->keys, opt->psk, opt->psk_len, oct, (size_t)ol, out);
	free(oct);
	return n;
}

void ikev2_psk_plain_error(struct engine *e, struct probe_inst *pi, struct xchg *x, uint16_t type)
{
	char ev[400];
	fmt_into(ev, sizeof ev,
		 "the server answered our IKE_AUTH with the pre-shared key (AUTH method 2, Shared Key Message Integrity Code) with an unprotected %s (type %u)%s",
		 ike2_notify_name(type), (unsigned)type,
		 type == IKE2_N_AUTHENTICATION_FAILED ? ": it refuses the key's AUTH" : "");
	ikev2_record(e, pi, x, OBS_IKE_PSK_REFUSED, 0, type, ike2_notify_name(type), ev);
}

void ikev2_psk_reply(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in)
{
	const struct ike2_notify *err = ike2_inner_error(in);
	char ev[400];
	for (size_t i = 0; i < in->nnotifies; i++) {
		if (in->notifies[i].type != IKE2_N_MS_STATUS)
			continue;
		struct obs o;
		ikev2_ms_status(&o, x, &in->notifies[i]);
		fmt_into(o.evidence, sizeof o.evidence,
			 "to our IKE_AUTH with the pre-shared key the server sent Microsoft's status notify with Win32 code %lld",
			 (long long)o.value);
		engine_observe(e, pi, &o);
	}
	if (!in->has_auth) {
		if (err) {
			fmt_into(ev, sizeof ev,
				 "the server answered our IKE_AUTH with the pre-shared key (AUTH method 2, Shared Key Message Integrity Code) with %s (type %u)%s",
				 ike2_notify_name(err->type), (unsigned)err->type,
				 err->type == IKE2_N_AUTHENTICATION_FAILED ? ": the server refuses the AUTH our key computes (RFC 7296 2.15)" : "");
			ikev2_record(e, pi, x, OBS_IKE_PSK_REFUSED, 0, err->type, ike2_notify_name(err->type), ev);
		} else {
			ikev2_psk_incomplete(e, pi, x, "the reply to our PSK AUTH carries neither an AUTH payload nor an error notify");
		}
		return;
	}
	if (in->auth_method != IKE2_AUTH_PSK) {
		fmt_into(ev, sizeof ev,
			 "the server accepted our PSK AUTH but authenticates itself with %s (AUTH method %u)%s, not with the pre-shared key",
			 ike2_auth_method_name(in->auth_method), (unsigned)in->auth_method,
			 in->ncerts ? " and a certificate" : "");
		ikev2_record(e, pi, x, OBS_IKE_PSK_OTHER_METHOD, (int64_t)in->ncerts, in->auth_method,
		       ike2_auth_method_name(in->auth_method), ev);
		return;
	}
	if (!in->has_id) {
		ikev2_psk_incomplete(e, pi, x, "the reply to our PSK AUTH carries an AUTH payload but no IDr: its AUTH cannot be checked");
		return;
	}
	uint8_t want[IKE2_MAX_PRF_LEN];
	int n = ikev2_psk_auth(e, x, true, in->id_body.p, in->id_body.len, want);
	bool ok = n > 0 && in->auth_data.len == (size_t)n && CRYPTO_memcmp(want, in->auth_data.p, (size_t)n) == 0;
	OPENSSL_cleanse(want, sizeof want);
	if (n <= 0) {
		ikev2_psk_incomplete(e, pi, x, "the AUTH the key gives for the server could not be computed");
		return;
	}
	if (!ok) {
		fmt_into(ev, sizeof ev,
			 "the server accepted our PSK AUTH, but its own AUTH (method 2, %zu bytes) does NOT verify with the key of --psk-file over its IKE_SA_INIT response, our nonce and its IDr (RFC 7296 2.15): it authenticates itself with another key",
			 in->auth_data.len);
		ikev2_record(e, pi, x, OBS_IKE_AUTH_SERVER_MISMATCH, 3, in->auth_method, "PSK AUTH", ev);
		return;
	}
	ikev2_signed_in(e, pi, x, in, err, OBS_IKE_PSK_ACCEPTED, in->has_sa && !err ? 1 : 0,
			"IKE_AUTH with the pre-shared key completed: the server accepted our AUTH and its own AUTH verifies with the same key",
			"the pre-shared key");
}
