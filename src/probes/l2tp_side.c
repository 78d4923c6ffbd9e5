/* The side checks of the L2TP/IPsec probe (l2tp.c runs them beside Main Mode; see its top comment):
 *   plain  UDP 1701: an L2TP SCCRQ outside IPsec (a server that answers takes L2TP unprotected);
 *          a StopCCN clears the tunnel it opened.
 *   am     UDP 500: ONE Aggressive Mode message 1 with PSK authentication. Windows never sends
 *          Aggressive Mode: this packet is ours, only to learn whether the server hands out HASH_R
 *          in the clear. Nothing is sent back and nothing is computed over HASH_R.
 * Neither decides the L2TP verdict; both get a short budget (two sends, udpx limit). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "kb/kb.h"
#include "net/net.h"
#include "probes/l2tp_int.h"
#include "probes/l2tp_reply.h"
#include "util/fmt.h"
#include "wire/natt.h"

int l2tpp_start_plain(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port)
{
	const char *why = NULL;
	if (udpx_open(&x->u, e, pi, port, &why) != 0) {
		l2tpp_start_failed(e, pi, x, why);
		return -1;
	}
	uint8_t r[2];
	if (RAND_bytes(r, 2) != 1)
		r[0] = 0x4c, r[1] = 0x32;
	x->l2tp_tunnel = (uint16_t)((r[0] << 8 | r[1]) | 1);
	struct l2tp_sccrq in = {.assigned_tunnel = x->l2tp_tunnel, .host_name = "vpndiag",
				.framing_caps = L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC, .rx_window = 8};
	struct wbuf w;
	udpx_begin(&x->u, &w);
	if (l2tp_build_sccrq(&w, &in) < 0 || w.err) {
		l2tpp_start_failed(e, pi, x, "the SCCRQ does not fit");
		return -1;
	}
	x->u.pkt_len = w.len;
	x->u.active = true;
	l2tpp_send_step(e, pi, x, ST_MM1);
	return 0;
}

/* Aggressive Mode 1 with PSK: ours, not Windows' (see the top of the file). The DH key pair exists
 * only for the KE payload and is freed at once; nothing of the exchange is kept. */
static int build_am1(struct l2_state *st, struct xchg *x, const char **why)
{
	const struct profile_set *set = x->u.set;
	struct ike1_dh dh;
	char err[160];
	uint8_t ni[64];
	size_t nl = st->g.prof->nonce_len >= 8 && st->g.prof->nonce_len <= sizeof ni ? st->g.prof->nonce_len : 32;
	const uint8_t *lip;
	size_t ll = net_addr_bytes(&x->u.local, &lip);
	memset(&dh, 0, sizeof dh);
	if (ike1_dh_generate(&dh, set->transforms1[0].group, err, sizeof err) != 0) {
		*why = "no Diffie-Hellman key for the first transform's group";
		return -1;
	}
	int rc = -1;
	if (RAND_bytes(ni, (int)nl) != 1) {
		*why = "no randomness for the nonce";
		goto out;
	}
	struct wbuf w;
	udpx_begin(&x->u, &w);
	if (l2tp_build_am1(&w, set, x->cky_i, dh.pub, dh.pub_len, ni, nl, lip, ll) < 0) {
		*why = "the Aggressive Mode 1 does not fit the packet buffer";
		goto out;
	}
	x->u.pkt_len = w.len;
	rc = 0;
out:
	ike1_dh_free(&dh);
	OPENSSL_cleanse(ni, sizeof ni);
	return rc;
}

int l2tpp_start_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port)
{
	const char *why = NULL;
	x->u.natt = false;
	if (udpx_open(&x->u, e, pi, port, &why) != 0) {
		l2tpp_start_failed(e, pi, x, why);
		return -1;
	}
	/* its own keyed cookie: exchange id x->u.id differs from the main exchange's */
	if (!l2tpp_cookie(st, x)) {
		l2tpp_start_failed(e, pi, x, "no cookie");
		return -1;
	}
	if (build_am1(st, x, &why) != 0) {
		l2tpp_start_failed(e, pi, x, why);
		return -1;
	}
	x->u.active = true;
	l2tpp_send_step(e, pi, x, ST_MM1);
	return 0;
}

struct to_engine_side {
	struct engine *e;
	struct probe_inst *pi;
};

static void side_sink(void *ctx, const struct obs *o)
{
	struct to_engine_side *t = ctx;
	engine_observe(t->e, t->pi, o);
}

/* One datagram for the Aggressive Mode probe. It counts only as a reply to our request (the same
 * check as Main Mode: our cookie, Aggressive Mode or Informational, a non-zero CKY-R except on a
 * clear Informational), in the clear. Returns true when x is finished. Nothing is sent back. */
bool l2tpp_handle_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, const uint8_t *buf,
		      size_t len, const struct net_addr *from)
{
	struct ike1_reply rp;
	bool finished = false;
	const struct ike1_msg *m = l2tpp_reply(e, pi, st, x, buf, len, from, &rp);
	if (!m)
		return false;
	struct to_engine_side te = {e, pi};
	struct l2tp_reply_ctx rc = {.port = x->u.port, .natt = false, .set = x->u.set, .what = "Aggressive Mode 1",
				    .sink = side_sink, .sink_ctx = &te};
	uint32_t ms = engine_now_ms(e) - x->u.last_send;
	if (rp.kind == IKE1_KIND_ERROR_NOTIFY)
		l2tp_reply_am_refused(&rc, rp.notify, ms);
	else
		l2tp_reply_am_hash(&rc, m, ms);
	finished = true;
	memset(&st->msg, 0, sizeof st->msg);
	return finished;
}

/* ---------------------------------------------------------------- plain L2TP */

bool l2tpp_handle_l2tp(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
			const uint8_t *buf, size_t len, const struct net_addr *from)
{
	char s[320];
	struct obs o;
	struct l2tp_answer a;
	enum l2tp_reply_status rs = l2tp_reply_check(buf, len, x->l2tp_tunnel, &st->l2msg, &a);
	memset(&st->l2msg, 0, sizeof st->l2msg);
	if (rs == L2TP_REPLY_MALFORMED) {
		l2tpp_malformed(e, pi, x, from, len, a.why);
		return false;
	}
	if (rs != L2TP_REPLY_ANSWER) {
		l2tpp_ignore(e, pi, x, from, 0, a.why);
		return false;
	}
	fmt_into(s, sizeof s, "L2TP %s", l2tp_msg_name(a.msg_type));
	engine_packet(e, pi, '<', from, s);
	udpx_obs(&o, OBS_L2TP_PLAIN_ANSWER, &x->u);
	o.code = a.msg_type;
	o.value = a.result;
	fmt_into(o.text, sizeof o.text, "%s%s%s", a.host, a.vendor[0] ? " / " : "", a.vendor);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered an L2TP SCCRQ on UDP %u outside IPsec with %s%s%s%s",
		 x->u.port, l2tp_msg_name(a.msg_type), a.host[0] ? " (host name " : "", a.host, a.host[0] ? ")" : "");
	engine_observe(e, pi, &o);
	l2tpp_record_rtt(e, pi, x);
	if (a.stop) {
		struct wbuf w;
		udpx_begin(&x->u, &w);
		if (l2tp_build_stopccn(&w, a.peer_tunnel, 1, a.nr, x->l2tp_tunnel, 1) > 0 && !w.err) {
			(void)net_udp_send(x->u.fd, x->u.pkt, w.len);
			engine_packet(e, pi, '>', &x->u.dst, "L2TP StopCCN (clear the tunnel)");
		}
	}
	return true;
}
