/* The pre-shared key check of the L2TP/IPsec probe (l2tp.c sends MM5 after MM4): the server's
 * answer to MM5 tells whether its key is ours. MM6 whose HASH_R verifies, or an encrypted
 * Informational whose HASH(1) verifies: it matches; MM6 or an Informational that does not decrypt
 * and verify with our keys, or a clear INVALID-HASH-INFORMATION / AUTHENTICATION-FAILED /
 * PAYLOAD-MALFORMED: it differs. Decryption and verification are crypto/ike1_keys'
 * (ike1_mm6_verify, ike1_info_verify); the key is only read and never logged. */
#include <string.h>

#include "kb/kb.h"
#include "probes/l2tp_int.h"
#include "util/fmt.h"

static void psk_result(struct engine *e, struct probe_inst *pi, struct xchg *x, bool match, int evidence,
		       uint16_t notify, const char *sentence)
{
	struct obs o;
	udpx_obs(&o, match ? OBS_L2TP_PSK_MATCH : OBS_L2TP_PSK_MISMATCH, &x->u);
	o.value = evidence;
	o.code = notify;
	if (notify)
		fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(notify));
	fmt_into(o.evidence, sizeof o.evidence, "%s", sentence);
	engine_observe(e, pi, &o);
}

/* The server's reply to MM5: MM6 (HASH_R), a clear Informational, or an encrypted one (HASH(1)).
 * Decryption and verification are crypto/ike1_keys' (ike1_mm6_verify, ike1_info_verify). */
void l2tpp_mm5_reply(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		     const struct ike1_msg *m, const struct ike1_reply *rp, const struct net_addr *from)
{
	char s[320], why[200];
	l2tpp_record_rtt(e, pi, x);
	if (rp->kind == IKE1_KIND_MM6) {
		int v = ike1_mm6_verify(&x->k, x->last_block, m, x->mm1 + x->sai_off, x->sai_len, &st->scratch, why,
					sizeof why);
		memset(&st->scratch.msg, 0, sizeof st->scratch.msg);
		if (v == 1) {
			fmt_into(s, sizeof s, "the server's MM6 on UDP %u decrypts with our keys and its HASH_R verifies: the pre-shared key matches", x->u.port);
			psk_result(e, pi, x, true, 1, 0, s);
			l2tpp_send_delete(e, pi, x, true);
		} else if (v == 0) {
			fmt_into(s, sizeof s, "the server's MM6 on UDP %u (%zu encrypted bytes) does not decrypt and verify with keys derived from our pre-shared key (%s): the key does not match", x->u.port, m->ciphertext.len, why);
			psk_result(e, pi, x, false, 2, 0, s);
			l2tpp_send_delete(e, pi, x, false);
		} else {
			l2tpp_malformed(e, pi, x, from, m->raw_len, why);
			l2tpp_send_delete(e, pi, x, false);
		}
		return;
	}
	if (rp->kind == IKE1_KIND_ERROR_NOTIFY || rp->kind == IKE1_KIND_INFO_CLEAR) {
		const struct ike1_notify_pl *n = rp->notify;
		uint16_t t = n ? n->type : 0;
		if (t == IKE1_N_INVALID_HASH_INFORMATION || t == IKE1_N_AUTHENTICATION_FAILED ||
		    t == IKE1_N_PAYLOAD_MALFORMED) {
			fmt_into(s, sizeof s, "the server answered MM5 on UDP %u with N(%s) in the clear: it could not decrypt or verify our MM5, so its pre-shared key differs", x->u.port, ike1_notify_name(t));
			psk_result(e, pi, x, false, 1, t, s);
		} else {
			struct obs o;
			udpx_obs(&o, OBS_L2TP_MM5_REFUSED, &x->u);
			o.code = t;
			fmt_into(o.text, sizeof o.text, "%s", t ? ike1_notify_name(t) : "no error notify");
			fmt_into(o.evidence, sizeof o.evidence, "the server answered MM5 on UDP %u with a clear Informational (%s); this does not tell whether the key matches", x->u.port, o.text);
			engine_observe(e, pi, &o);
		}
		l2tpp_send_delete(e, pi, x, false);
		return;
	}
	/* an encrypted Informational */
	uint16_t type = 0;
	int v = ike1_info_verify(&x->k, x->last_block, m, &st->scratch, &type, why, sizeof why);
	memset(&st->scratch.msg, 0, sizeof st->scratch.msg);
	if (v == 1) {
		struct obs o;
		fmt_into(s, sizeof s, "the server's encrypted Informational after MM5 verifies with our keys (HASH(1)): the pre-shared key matches");
		psk_result(e, pi, x, true, 2, 0, s);
		udpx_obs(&o, OBS_L2TP_MM5_REFUSED, &x->u);
		o.code = type;
		fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(type));
		fmt_into(o.evidence, sizeof o.evidence, "the server refused MM5 with N(%s) (type %u) although the key matches", o.text, (unsigned)type);
		engine_observe(e, pi, &o);
		l2tpp_send_delete(e, pi, x, true);
	} else if (v == 0) {
		fmt_into(s, sizeof s, "the server answered MM5 on UDP %u with an encrypted Informational (%zu bytes) that does not decrypt and verify with keys derived from our pre-shared key (%s): the server used another key", x->u.port, m->ciphertext.len, why);
		psk_result(e, pi, x, false, 3, 0, s);
		l2tpp_send_delete(e, pi, x, false);
	} else {
		l2tpp_malformed(e, pi, x, from, m->raw_len, why);
		l2tpp_send_delete(e, pi, x, false);
	}
}

