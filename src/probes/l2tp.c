/* L2TP/IPsec as the Windows built-in client starts it: IKEv1 Main Mode with a pre-shared key, from
 * the profile data/profiles/windows-l2tp.txt (transforms and vendor IDs).
 *
 *   main   UDP 500: MM1 -> MM2 (transform chosen, or an Informational NO-PROPOSAL-CHOSEN; VIDs;
 *          NAT-T), MM3 -> MM4 (DH, nonces, NAT-D: the first NAT-D is the hash of the receiver's
 *          address, RFC 3947 3.2), then with a key MM5 -> MM6 (IDii + HASH_I encrypted; HASH_R
 *          verified), on UDP 4500 behind the non-ESP marker when NAT was detected. Then an
 *          Informational Delete of the ISAKMP SA. No Quick Mode, no tunnel.
 *   natt   UDP 4500: MM1 behind the non-ESP marker, only to learn whether 4500 answers IKE.
 *   alt    UDP 500 after NO-PROPOSAL-CHOSEN: MM1 with each further profile set (what the server
 *          accepts, if anything).
 *   plain  UDP 1701: an L2TP SCCRQ outside IPsec (a server that answers takes L2TP unprotected).
 *   am     UDP 500: ONE Aggressive Mode message 1 with PSK authentication (RFC 2409 5.4: SA with the
 *          profile's default transforms, KE for the first transform's group, Ni, IDii =
 *          ID_IPV4_ADDR/ID_IPV6_ADDR of our address). Windows never sends Aggressive Mode: this
 *          packet is ours, only to learn whether the server hands out HASH_R in the clear (an
 *          offline guessing target for its pre-shared key). It never feeds the L2TP verdict, and
 *          the exchange is never continued: no message 3, no Delete, nothing is computed over
 *          HASH_R (the responder drops the half-open SA on its own).
 *
 * Reply matching: CKY-I is spi_make(run key, target, port, exchange id). Every byte from the
 * server is handled by pure functions: wire/natt (the non-ESP marker), wire/ikev1 (ike1_parse and
 * the one reply check for Main and Aggressive Mode, ike1_reply_classify: our CKY-I, our exchange
 * type or Informational, a non-zero CKY-R except on a clear Informational, the CKY-R of MM2, the
 * content the step waits for), crypto/ike1_keys (MM6 and the encrypted Informational:
 * ike1_mm6_verify, ike1_info_verify) and wire/l2tp (l2tp_reply_check). A datagram that does not
 * parse is l2tp-malformed (never "no answer"), one that parses but is not a reply l2tp-ignored;
 * both are noted up to NOTE_MAX times per exchange, then counted. A datagram not from the
 * request's address and port is ignored (the connected socket already drops it).
 * The key (engine_options()->psk) is only read; every derived key is wiped (ike1_keys_clear,
 * ike1_dh_free) and nothing of it is logged. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/ike1_keys.h"
#include "crypto/spi.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/l2tp_int.h"
#include "probes/l2tp_reply.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/fmt.h"
#include "wire/ikev1.h"
#include "wire/l2tp.h"
#include "wire/natt.h"

/* ---------------------------------------------------------------- helpers */

/* The side checks (plain L2TP on 1701, the Aggressive Mode warning) never decide the verdict, so
 * they get a short budget: two sends (about 3 s), so that a server that silently drops them does
 * not stretch the whole diagnosis to --timeout. */
#define AUX_SENDS 2u

const char *l2tpp_step_name(const struct xchg *x)
{
	if (x->kind == X_PLAIN)
		return "L2TP SCCRQ";
	if (x->kind == X_AM)
		return "Aggressive Mode 1";
	switch (x->step) {
	case ST_MM3: return x->u.natt ? "MM3 (non-ESP marker)" : "MM3";
	case ST_MM5: return x->u.natt ? "MM5 (non-ESP marker)" : "MM5";
	default: return x->u.natt ? "MM1 (non-ESP marker)" : "MM1";
	}
}

static void send_now(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	char s[400];
	int err = udpx_send(&x->u, e);
	/* not an L2TP observation for our Aggressive Mode probe: it ends as l2tp-am-no-answer */
	if (err && x->kind == X_AM)
		engine_packet(e, pi, '!', &x->u.dst, net_strerror(err));
	else if (err)
		udpx_send_failed(&x->u, e, pi, l2tpp_step_name(x), err);
	fmt_into(s, sizeof s, "%s%s%s, %zu bytes, send %u", l2tpp_step_name(x), x->u.set ? " set " : "",
		 x->u.set ? x->u.set->name : "", x->u.pkt_len, x->u.sends);
	engine_packet(e, pi, '>', &x->u.dst, s);
}

void l2tpp_send_step(struct engine *e, struct probe_inst *pi, struct xchg *x, enum step s)
{
	x->step = s;
	x->u.sends = 0;
	send_now(e, pi, x);
}

static void wipe_keys(struct xchg *x)
{
	if (x->have_keys)
		ike1_keys_clear(&x->k);
	x->have_keys = false;
	if (x->have_dh)
		ike1_dh_free(&x->dh);
	x->have_dh = false;
	OPENSSL_cleanse(x->ni, sizeof x->ni);
	OPENSSL_cleanse(x->last_block, sizeof x->last_block);
}

bool l2tpp_cookie(struct l2_state *st, struct xchg *x)
{
	uint64_t spi = spi_make(&st->g.key, (const struct sockaddr *)&x->u.dst.ss, x->u.port, x->u.id, 0);
	for (int i = 0; i < 8; i++)
		x->cky_i[i] = (uint8_t)(spi >> (56 - 8 * i));
	return spi != 0;
}

static int build_mm1(struct l2_state *st, struct xchg *x)
{
	struct wbuf w;
	udpx_begin(&x->u, &w);
	if (l2tp_build_mm1(&w, st->g.prof, x->u.set, x->cky_i) < 0)
		return -1;
	x->u.pkt_len = w.len;
	/* keep MM1 for SAi_b (HASH_I / HASH_R) */
	size_t off = x->u.natt ? NATT_MARKER_LEN : 0;
	if (w.len - off > sizeof x->mm1)
		return -1;
	memcpy(x->mm1, x->u.pkt + off, w.len - off);
	x->mm1_len = w.len - off;
	/* an alternative set stops at MM2 and needs no SAi_b; it may also hold more transforms than
	 * ike1_parse keeps (the "broad" set has 20, IKE1_MAX_TRANSFORMS is 16) */
	if (x->kind == X_ALT)
		return 0;
	struct ike1_msg *m = &st->msg;
	char err[160];
	int rc = -1;
	if (ike1_parse(x->mm1, x->mm1_len, m, err, sizeof err) == 0 && m->has_sa) {
		x->sai_off = (size_t)(m->sa.body.p - x->mm1);
		x->sai_len = m->sa.body.len;
		rc = 0;
	}
	memset(m, 0, sizeof *m);
	return rc;
}

static struct xchg *new_xchg(struct l2_state *st, enum xkind kind, const struct profile_set *set)
{
	struct xchg *x = (struct xchg *)udpx_new(&st->g, set);
	if (x) {
		x->kind = kind;
		if (kind == X_PLAIN || kind == X_AM)
			x->u.limit = AUX_SENDS;
		x->u.doubling = kind == X_PLAIN; /* RFC 2661 5.8: 1 s, then doubling */
	}
	return x;
}

void l2tpp_start_failed(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *what)
{
	struct obs o;
	if (x->kind == X_AM) {
		/* our own Aggressive Mode probe: not an L2TP failure */
		udpx_obs(&o, OBS_L2TP_AM_NO_ANSWER, &x->u);
		fmt_into(o.text, sizeof o.text, "not sent");
		fmt_into(o.evidence, sizeof o.evidence, "the Aggressive Mode check was not made on UDP %u: %s", x->u.port, what);
	} else {
		udpx_obs(&o, OBS_SEND_FAILED, &x->u);
		fmt_into(o.text, sizeof o.text, "%s", what);
		fmt_into(o.evidence, sizeof o.evidence, "could not probe UDP %u: %s", x->u.port, what);
	}
	engine_observe(e, pi, &o);
	udpx_close(&x->u, e, pi);
}

static int start_ike(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port,
		     bool natt)
{
	const char *why = NULL;
	x->u.natt = natt;
	if (udpx_open(&x->u, e, pi, port, &why) != 0) {
		l2tpp_start_failed(e, pi, x, why);
		return -1;
	}
	if (!l2tpp_cookie(st, x) || build_mm1(st, x) != 0) {
		l2tpp_start_failed(e, pi, x, "the MM1 does not fit the packet buffer");
		return -1;
	}
	x->u.active = true;
	l2tpp_send_step(e, pi, x, ST_MM1);
	return 0;
}


/* ---------------------------------------------------------------- IKEv1 replies */

/* What the exchange last sent (the code of l2tp-malformed): 1 MM1, 3 MM3, 5 MM5, 7 our Aggressive
 * Mode 1, 0 the L2TP SCCRQ. */
static int32_t sent_code(const struct xchg *x)
{
	return x->kind == X_PLAIN ? 0 : x->kind == X_AM ? 7 : (int32_t)x->step;
}

/* A datagram that is ISAKMP (or L2TP) but not a reply to our request: l2tp-ignored, code = the
 * reason (enum ike1_reply_status; 0 for L2TP on 1701). Noted up to L2TPP_NOTE_MAX times, then counted. */
void l2tpp_ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from, int32_t code,
		  const char *why)
{
	udpx_ignored(&x->u, e, pi, OBS_L2TP_IGNORED, &x->n_ignored, L2TPP_NOTE_MAX, code, from, why);
}

/* A datagram from the server's address and port that does not parse as ISAKMP (or, on 1701, as
 * L2TP): l2tp-malformed. Something answers there, but not with the protocol: the exchange can
 * then never be summarised as "no answer". Noted up to L2TPP_NOTE_MAX times, then counted. */
void l2tpp_malformed(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		      size_t len, const char *why)
{
	struct obs o;
	char peer[NET_ADDRSTRLEN];
	x->n_malformed++;
	fmt_into(x->last_malformed, sizeof x->last_malformed, "%s", why);
	engine_packet(e, pi, '-', from, why);
	if (x->n_malformed > L2TPP_NOTE_MAX)
		return;
	udpx_obs(&o, OBS_L2TP_MALFORMED, &x->u);
	o.code = sent_code(x);
	o.value = x->n_malformed;
	fmt_into(o.text, sizeof o.text, "%s", why);
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence, "a %zu-byte datagram from %s on UDP %u after our %s %s: %s", len, peer,
		 x->u.port, l2tpp_step_name(x), x->kind == X_PLAIN ? "is not L2TP" : "does not parse as IKEv1 (ISAKMP)", why);
	engine_observe(e, pi, &o);
}

/* More datagrams than L2TPP_NOTE_MAX did not count: one observation with the totals. */
static void flood_summary(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	struct obs o;
	if (x->n_malformed > L2TPP_NOTE_MAX) {
		udpx_obs(&o, OBS_L2TP_MALFORMED, &x->u);
		o.code = sent_code(x);
		o.value = x->n_malformed;
		fmt_into(o.text, sizeof o.text, "a flood: %u datagrams that do not parse", x->n_malformed);
		fmt_into(o.evidence, sizeof o.evidence,
			 "in all %u datagrams on UDP %u did not parse as %s (only the first %u were noted one by one); the last: %s",
			 x->n_malformed, x->u.port, x->kind == X_PLAIN ? "L2TP" : "IKEv1", L2TPP_NOTE_MAX, x->last_malformed);
		engine_observe(e, pi, &o);
	}
	if (x->n_ignored > L2TPP_NOTE_MAX) {
		udpx_obs(&o, OBS_L2TP_IGNORED, &x->u);
		o.value = x->n_ignored;
		fmt_into(o.text, sizeof o.text, "a flood: %u datagrams that are not replies", x->n_ignored);
		fmt_into(o.evidence, sizeof o.evidence,
			 "in all %u datagrams on UDP %u were not counted as replies (only the first %u were noted one by one)",
			 x->n_ignored, x->u.port, L2TPP_NOTE_MAX);
		engine_observe(e, pi, &o);
	}
	x->n_malformed = x->n_ignored = 0;
}

void l2tpp_record_rtt(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	struct obs o;
	udpx_obs(&o, OBS_RTT, &x->u);
	o.value = engine_now_ms(e) - x->u.last_send;
	fmt_into(o.evidence, sizeof o.evidence, "round trip %lld ms for the %s on UDP %u", (long long)o.value,
		 l2tpp_step_name(x), x->u.port);
	engine_observe(e, pi, &o);
}

/* A clear Informational Delete (no keys) or an encrypted one (keys and the phase-1 last block). */
void l2tpp_send_delete(struct engine *e, struct probe_inst *pi, struct xchg *x, bool encrypted)
{
	struct wbuf w;
	struct obs o;
	uint8_t mid[4];
	uint32_t msg_id = 0;
	udpx_begin(&x->u, &w);
	if (encrypted && x->have_keys && RAND_bytes(mid, 4) == 1) {
		msg_id = (uint32_t)mid[0] << 24 | (uint32_t)mid[1] << 16 | (uint32_t)mid[2] << 8 | mid[3];
		msg_id |= 1;
		struct ike1_cbc cb = {.k = &x->k};
		if (ike1_keys_msg_iv(&x->k, x->last_block, msg_id, cb.iv) != 0 ||
		    ike1_build_info_delete(&w, x->cky_i, x->cky_r, msg_id, x->k.block_len, ike1_cbc_encrypt_cb,
					   ike1_cbc_hash1_cb, &cb) < 0)
			encrypted = false;
		OPENSSL_cleanse(&cb, sizeof cb);
	} else {
		encrypted = false;
	}
	if (!encrypted) {
		udpx_begin(&x->u, &w);
		if (ike1_build_info_delete(&w, x->cky_i, x->cky_r, 0, 0, NULL, NULL, NULL) < 0)
			return;
	}
	if (w.err)
		return;
	(void)net_udp_send(x->u.fd, x->u.pkt, w.len);
	engine_packet(e, pi, '>', &x->u.dst, encrypted ? "Informational Delete (ISAKMP SA, encrypted)"
						     : "Informational Delete (ISAKMP SA, in the clear)");
	udpx_obs(&o, OBS_L2TP_DELETE_SENT, &x->u);
	o.value = encrypted;
	fmt_into(o.evidence, sizeof o.evidence, "sent an Informational Delete of the ISAKMP SA%s on UDP %u",
		 encrypted ? " (encrypted)" : " in the clear", x->u.port);
	engine_observe(e, pi, &o);
}

/* The observations of x's replies go to the engine (probes/l2tp_reply.h). */
struct to_engine {
	struct engine *e;
	struct probe_inst *pi;
};

static void to_engine_sink(void *ctx, const struct obs *o)
{
	struct to_engine *t = ctx;
	engine_observe(t->e, t->pi, o);
}

/* The NAT observations go to the engine, and their values are kept for MM5 (nat_client/server). */
struct obs_keep {
	struct engine *e;
	struct probe_inst *pi;
	int client, server;
};

static void keep_nat_sink(void *ctx, const struct obs *o)
{
	struct obs_keep *k = ctx;
	if (o->kind == OBS_NAT_CLIENT)
		k->client = o->value != 0;
	if (o->kind == OBS_NAT_SERVER)
		k->server = o->value != 0;
	engine_observe(k->e, k->pi, o);
}

static struct l2tp_reply_ctx reply_ctx(const struct xchg *x, struct to_engine *t)
{
	struct l2tp_reply_ctx c = {.port = x->u.port, .natt = x->u.natt, .alt = x->kind == X_ALT, .set = x->u.set,
				   .what = l2tpp_step_name(x), .sink = to_engine_sink, .sink_ctx = t};
	return c;
}

static void refused(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		    const struct ike1_notify_pl *n)
{
	struct to_engine te = {e, pi};
	struct l2tp_reply_ctx rc = reply_ctx(x, &te);
	l2tp_reply_refused(&rc, n);
	l2tpp_record_rtt(e, pi, x);
	if (x->kind == X_MAIN && n->type == IKE1_N_NO_PROPOSAL_CHOSEN && !st->alts_started) {
		st->alts_started = true;
		for (size_t i = 1; i < st->g.prof->nsets; i++) {
			struct xchg *a = new_xchg(st, X_ALT, &st->g.prof->sets[i]);
			if (a)
				start_ike(e, pi, st, a, x->u.port, false);
		}
	}
}

static int build_mm3(struct xchg *x, const struct ike1_msg *m2, char *why, size_t whylen)
{
	(void)m2;
	if (ike1_dh_generate(&x->dh, x->chosen.group, why, whylen) != 0)
		return -1;
	x->have_dh = true;
	x->ni_len = 32;
	if (RAND_bytes(x->ni, (int)x->ni_len) != 1) {
		fmt_into(why, whylen, "no randomness for the nonce");
		return -1;
	}
	struct wbuf w;
	udpx_begin(&x->u, &w);
	if (l2tp_build_mm3(&w, x->chosen.hash, x->cky_i, x->cky_r, x->dh.pub, x->dh.pub_len, x->ni, x->ni_len, &x->u.local,
			   &x->u.dst, x->u.port, why, whylen) < 0)
		return -1;
	x->u.pkt_len = w.len;
	return 0;
}

static void handle_mm2(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		       const struct ike1_msg *m)
{
	struct obs o;
	char ts[160], why[200];
	const struct ike1_transform *t = &m->sa.p[0].t[0];
	ike1_transform_str(t, ts, sizeof ts);
	struct to_engine te = {e, pi};
	struct l2tp_reply_ctx rc = reply_ctx(x, &te);
	l2tp_reply_accepted(&rc, m);
	l2tpp_record_rtt(e, pi, x);
	memcpy(x->cky_r, m->hdr.cky_r, 8);
	if (x->kind != X_MAIN) {
		l2tpp_send_delete(e, pi, x, false);
		udpx_close(&x->u, e, pi);
		return;
	}
	x->natt_vid = l2tp_reply_vids(&rc, m);
	x->chosen.enc = t->enc;
	x->chosen.key_len = t->key_len;
	x->chosen.hash = t->hash;
	x->chosen.group = t->group;
	x->chosen.auth = t->auth;
	if (build_mm3(x, m, why, sizeof why) != 0) {
		udpx_obs(&o, OBS_SEND_FAILED, &x->u);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "could not continue with MM3 after the server chose %s: %s", ts, why);
		engine_observe(e, pi, &o);
		l2tpp_send_delete(e, pi, x, false);
		udpx_close(&x->u, e, pi);
		return;
	}
	l2tpp_send_step(e, pi, x, ST_MM3);
}

/* NAT-D of MM4 (RFC 3947 3.2): the first is the hash of the address the server sent to (ours as it
 * sees it), the following ones its own addresses (compared with where the reply came from). */
static void record_nat(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike1_msg *m,
		       const struct net_addr *from)
{
	struct obs_keep k = {e, pi, -1, -1};
	struct l2tp_reply_ctx rc = {.port = x->u.port, .natt = x->u.natt, .set = x->u.set, .what = l2tpp_step_name(x),
				    .sink = keep_nat_sink, .sink_ctx = &k};
	l2tp_reply_nat(&rc, m, x->chosen.hash, x->cky_i, x->cky_r, &x->u.local, from);
	if (k.client >= 0)
		x->nat_client = k.client;
	if (k.server >= 0)
		x->nat_server = k.server;
}

/* After MM4 with keys: MM5 (on UDP 4500 behind the non-ESP marker when NAT was detected and NAT-T
 * agreed, as Windows does). */
static void send_mm5(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	struct obs o;
	int rc;
	uint16_t p4500 = engine_port(e, pi, 1);
	if ((x->nat_client || x->nat_server) && x->natt_vid && p4500 && !x->u.natt) {
		const char *fail = NULL;
		if (udpx_reopen(&x->u, e, pi, p4500, true, &fail) != 0) {
			x->u.port = p4500;
			x->u.natt = true;
			udpx_obs(&o, OBS_SEND_FAILED, &x->u);
			fmt_into(o.text, sizeof o.text, "%s", fail);
			fmt_into(o.evidence, sizeof o.evidence, "could not open UDP %u for MM5: %s", p4500, fail);
			engine_observe(e, pi, &o);
			udpx_close(&x->u, e, pi);
			return;
		}
		udpx_obs(&o, OBS_L2TP_MOVED_4500, &x->u);
		fmt_into(o.text, sizeof o.text, "%s", x->nat_client && x->nat_server ? "both" : x->nat_client ? "client" : "server");
		fmt_into(o.evidence, sizeof o.evidence,
			 "NAT detected (%s side), so MM5 goes to UDP %u behind the non-ESP marker, as Windows does",
			 o.text, p4500);
		engine_observe(e, pi, &o);
	}
	/* MM5: IDii = our address (ID_IPV4_ADDR / ID_IPV6_ADDR), protocol UDP, port 500 [inferred] */
	uint8_t idb[32], hi[IKE1_HASH_MAX];
	size_t hn = 0;
	const uint8_t *lip;
	size_t ll = net_addr_bytes(&x->u.local, &lip);
	struct wbuf w;
	wbuf_init(&w, idb, sizeof idb);
	ike1_build_id_body(&w, ll == 4 ? IKE1_ID_IPV4_ADDR : IKE1_ID_IPV6_ADDR, 17, 500, lip, ll);
	struct ike1_cbc cb = {.k = &x->k};
	memcpy(cb.iv, x->k.iv0, IKE1_BLOCK_MAX);
	if (w.err || ike1_keys_hash_i(&x->k, x->mm1 + x->sai_off, x->sai_len, idb, w.len, hi, &hn) != 0) {
		udpx_close(&x->u, e, pi);
		return;
	}
	struct ike1_mm5 m5 = {.idii_body = idb, .idii_len = w.len, .hash_i = hi, .hash_len = hn};
	memcpy(m5.cky_i, x->cky_i, 8);
	memcpy(m5.cky_r, x->cky_r, 8);
	struct wbuf pw;
	udpx_begin(&x->u, &pw);
	rc = ike1_build_mm5(&pw, &m5, x->k.block_len, ike1_cbc_encrypt_cb, &cb);
	memcpy(x->last_block, cb.iv, IKE1_BLOCK_MAX);
	OPENSSL_cleanse(&cb, sizeof cb);
	OPENSSL_cleanse(hi, sizeof hi);
	if (rc < 0 || pw.err) {
		udpx_close(&x->u, e, pi);
		return;
	}
	x->u.pkt_len = pw.len;
	l2tpp_send_step(e, pi, x, ST_MM5);
}

static void handle_mm4(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		       const struct ike1_msg *m, const struct net_addr *from)
{
	const struct engine_opts *opt = engine_options(e);
	struct obs o;
	char why[200];
	struct to_engine te = {e, pi};
	struct l2tp_reply_ctx c4 = reply_ctx(x, &te);
	l2tp_reply_mm4(&c4, m, x->chosen.group);
	l2tpp_record_rtt(e, pi, x);
	record_nat(e, pi, x, m, from);

	if (!opt->psk || opt->psk_len == 0) {
		udpx_obs(&o, OBS_L2TP_PSK_NOT_GIVEN, &x->u);
		fmt_into(o.evidence, sizeof o.evidence,
			 "Main Mode stopped after MM4: no pre-shared key was given (--psk-file or VPNDIAG_PSK), so MM5/MM6 could not check it");
		engine_observe(e, pi, &o);
		l2tpp_send_delete(e, pi, x, false);
		udpx_close(&x->u, e, pi);
		return;
	}
	uint8_t gxy[IKE1_DH_MAX];
	size_t gl = 0;
	struct ike1_keys_in in = {.hash = x->chosen.hash, .enc = x->chosen.enc, .key_bits = x->chosen.key_len,
				  .psk = opt->psk, .psk_len = opt->psk_len, .ni = x->ni, .ni_len = x->ni_len,
				  .nr = m->nonce.p, .nr_len = m->nonce.len, .gxi = x->dh.pub, .gxi_len = x->dh.pub_len,
				  .gxr = m->ke.p, .gxr_len = m->ke.len, .cky_i = x->cky_i, .cky_r = x->cky_r};
	int rc = ike1_dh_shared(&x->dh, m->ke.p, m->ke.len, gxy, sizeof gxy, &gl, why, sizeof why);
	if (rc == 0) {
		in.gxy = gxy;
		in.gxy_len = gl;
		rc = ike1_keys_derive_psk(&x->k, &in, why, sizeof why);
		x->have_keys = rc == 0;
	}
	OPENSSL_cleanse(gxy, sizeof gxy);
	OPENSSL_cleanse(&in, sizeof in);
	if (rc != 0) {
		udpx_obs(&o, OBS_SEND_FAILED, &x->u);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "could not derive the Main Mode keys from MM4: %s", why);
		engine_observe(e, pi, &o);
		l2tpp_send_delete(e, pi, x, false);
		udpx_close(&x->u, e, pi);
		return;
	}
	send_mm5(e, pi, x);
}

static void describe(const struct ike1_msg *m, size_t len, char *s, size_t slen)
{
	fmt_into(s, slen, "%s%s", ike1_exchange_name(m->hdr.exchange), m->encrypted ? " (encrypted)" : "");
	if (m->has_sa && m->sa.nproposals && m->sa.p[0].ntransforms) {
		char ts[160];
		ike1_transform_str(&m->sa.p[0].t[0], ts, sizeof ts);
		fmt_append(s, slen, " SA(%s)", ts);
	}
	if (m->has_ke)
		fmt_append(s, slen, " KE(%zu)", m->ke.len);
	if (m->has_nonce)
		fmt_append(s, slen, " Nr(%zu)", m->nonce.len);
	if (m->has_id)
		fmt_append(s, slen, " ID(%s)", ike1_id_name(m->id.type));
	if (m->has_hash)
		fmt_append(s, slen, " HASH(%zu)", m->hash.len);
	if (m->nnatd)
		fmt_append(s, slen, " %zu NAT-D", m->nnatd);
	for (size_t i = 0; i < m->nnotifies; i++)
		fmt_append(s, slen, " N(%s)", ike1_notify_name(m->notifies[i].type));
	if (m->nvids)
		fmt_append(s, slen, " %zu VID%s", m->nvids, m->nvids == 1 ? "" : "s");
	fmt_append(s, slen, ", %zu bytes", len);
}

/* Our request as the shared reply check (wire/ikev1: ike1_reply_classify) needs it. */
static void request_of(const struct xchg *x, struct ike1_request *req)
{
	memset(req, 0, sizeof *req);
	memcpy(req->cky_i, x->cky_i, 8);
	if (x->kind != X_AM && x->step != ST_MM1)
		memcpy(req->cky_r, x->cky_r, 8);
	req->exchange = x->kind == X_AM ? IKE1_EX_AGGRESSIVE : IKE1_EX_IDENTITY_PROTECTION;
}

static enum ike1_step wait_step(const struct xchg *x)
{
	if (x->kind == X_AM)
		return IKE1_STEP_AM2;
	return x->step == ST_MM5 ? IKE1_STEP_MM6 : x->step == ST_MM3 ? IKE1_STEP_MM4 : IKE1_STEP_MM2;
}

/* Strips the non-ESP marker (UDP 4500) and parses the datagram as ISAKMP into st->msg; on
 * anything else notes it (malformed, or ignored for a NAT keepalive) and returns NULL. */
static const struct ike1_msg *parse_isakmp(struct engine *e, struct probe_inst *pi, struct l2_state *st,
					   struct xchg *x, const uint8_t *buf, size_t len, const struct net_addr *from)
{
	char why[200], w2[240];
	if (x->u.natt) {
		enum natt_kind k = natt_classify(buf, len);
		if (k == NATT_KEEPALIVE) {
			l2tpp_ignore(e, pi, x, from, IKE1_REPLY_NOT_IKE, natt_kind_name(k));
			return NULL;
		}
		if (k != NATT_IKE) {
			l2tpp_malformed(e, pi, x, from, len, natt_kind_name(k));
			return NULL;
		}
		(void)natt_strip(buf, len, &buf, &len);
	}
	if (ike1_parse(buf, len, &st->msg, why, sizeof why) != 0) {
		fmt_into(w2, sizeof w2, "does not parse as IKEv1: %s", why);
		l2tpp_malformed(e, pi, x, from, len, w2);
		return NULL;
	}
	return &st->msg;
}

const struct ike1_msg *l2tpp_reply(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
				   const uint8_t *buf, size_t len, const struct net_addr *from, struct ike1_reply *rp)
{
	struct ike1_request req;
	char s[400];
	const struct ike1_msg *m = parse_isakmp(e, pi, st, x, buf, len, from);
	if (!m)
		return NULL;
	request_of(x, &req);
	if (ike1_reply_classify(m, &req, wait_step(x), rp) != IKE1_REPLY_OK) {
		l2tpp_ignore(e, pi, x, from, rp->status, rp->why);
		memset(&st->msg, 0, sizeof st->msg);
		return NULL;
	}
	describe(m, m->raw_len, s, sizeof s);
	engine_packet(e, pi, '<', from, s);
	return m;
}

/* One datagram for an IKE exchange. Returns true when x is finished. */
static bool handle_ike(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, const uint8_t *buf,
		       size_t len, const struct net_addr *from)
{
	struct ike1_reply rp;
	bool finished = false;
	const struct ike1_msg *m = l2tpp_reply(e, pi, st, x, buf, len, from, &rp);
	if (!m)
		return false;
	switch (rp.kind) {
	case IKE1_KIND_ERROR_NOTIFY:
		if (x->step == ST_MM1) {
			refused(e, pi, st, x, rp.notify);
		} else if (x->step == ST_MM3) {
			struct obs o;
			udpx_obs(&o, OBS_L2TP_NO_ANSWER, &x->u);
			o.code = ST_MM3;
			fmt_into(o.text, sizeof o.text, "N(%s)", ike1_notify_name(rp.notify->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered MM3 with N(%s) instead of MM4",
				 ike1_notify_name(rp.notify->type));
			engine_observe(e, pi, &o);
		} else {
			l2tpp_mm5_reply(e, pi, st, x, m, &rp, from);
		}
		finished = true;
		break;
	case IKE1_KIND_MM2:
		handle_mm2(e, pi, st, x, m);
		finished = !x->u.active;
		break;
	case IKE1_KIND_MM4:
		handle_mm4(e, pi, st, x, m, from);
		finished = !x->u.active;
		break;
	case IKE1_KIND_MM6:
	case IKE1_KIND_INFO_CLEAR:
	case IKE1_KIND_INFO_ENCRYPTED:
		l2tpp_mm5_reply(e, pi, st, x, m, &rp, from);
		finished = true;
		break;
	default:
		l2tpp_ignore(e, pi, x, from, IKE1_REPLY_UNEXPECTED, "not a reply this exchange waits for");
		break;
	}
	memset(&st->msg, 0, sizeof st->msg);
	return finished;
}


/* ---------------------------------------------------------------- no answer / ICMP */

static void record_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut)
{
	struct obs o;
	uint32_t waited = engine_now_ms(e) - x->u.first_send;
	bool short_ = cut && x->u.sends < x->u.limit;
	if (x->n_malformed && x->kind != X_PLAIN) {
		/* something answered, but never with IKEv1: not "no answer" (l2tp-malformed says what came) */
		udpx_obs(&o, x->kind == X_AM ? OBS_L2TP_AM_NO_ANSWER : x->kind == X_ALT ? OBS_L2TP_MM_REFUSED : OBS_L2TP_NO_ANSWER, &x->u);
		o.code = x->kind == X_MAIN || x->kind == X_NATT ? (int32_t)x->step : 0;
		o.value = x->kind == X_AM ? (int64_t)x->u.total_sends : (int64_t)x->u.sends;
		fmt_into(o.text, sizeof o.text, "malformed answers");
		fmt_into(o.evidence, sizeof o.evidence,
			 "no valid IKEv1 answer to %u %s%s on UDP %u within %.1f s, but %u datagram%s from the server that do not parse as IKEv1 (the last: %s)",
			 x->u.total_sends, l2tpp_step_name(x), x->u.total_sends == 1 ? "" : "s", x->u.port, waited / 1000.0,
			 x->n_malformed, x->n_malformed == 1 ? "" : "s", x->last_malformed);
		engine_observe(e, pi, &o);
		return;
	}
	if (x->n_malformed)
		return; /* UDP 1701 answered with something that is not L2TP: l2tp-malformed says it */
	struct to_engine te = {e, pi};
	struct l2tp_reply_ctx rc = reply_ctx(x, &te);
	if (x->kind == X_AM) {
		l2tp_reply_am_no_answer(&rc, x->u.total_sends, waited / 1000.0, short_);
		return;
	} else if (x->kind == X_ALT) {
		l2tp_reply_alt_no_answer(&rc, x->u.total_sends);
		return;
	} else if (x->kind == X_PLAIN || x->step == ST_MM1) {
		udpx_no_answer(&x->u, e, pi, l2tpp_step_name(x), cut);
		return;
	}
	l2tp_reply_no_answer(&rc, (int)x->step, x->u.sends, waited / 1000.0, short_);
}

static bool on_icmp(struct engine *e, struct probe_inst *pi, struct udpx *u, const struct net_rx *rx)
{
	struct xchg *x = (struct xchg *)u;
	struct obs o;
	if (rx->icmp_class == NET_ICMP_OTHER)
		return false;
	udpx_icmp_obs(&o, x->kind == X_ALT ? OBS_L2TP_MM_REFUSED : x->kind == X_AM ? OBS_L2TP_AM_NO_ANSWER : OBS_UDP_ICMP, u,
		      rx, l2tpp_step_name(x));
	if (x->kind == X_AM)
		o.value = (int64_t)u->total_sends;
	engine_observe(e, pi, &o);
	udpx_icmp_log(u, e, pi, rx);
	return true;
}

/* ---------------------------------------------------------------- the exchanges' callbacks */

static bool on_datagram(struct engine *e, struct probe_inst *pi, struct udpx *u, const uint8_t *buf, size_t len,
			const struct net_addr *from)
{
	struct xchg *x = (struct xchg *)u;
	if (x->kind == X_PLAIN)
		return l2tpp_handle_l2tp(e, pi, pi->state, x, buf, len, from);
	if (x->kind == X_AM)
		return l2tpp_handle_am(e, pi, pi->state, x, buf, len, from);
	return handle_ike(e, pi, pi->state, x, buf, len, from);
}

static void on_foreign(struct engine *e, struct probe_inst *pi, struct udpx *u, const struct net_addr *from)
{
	l2tpp_ignore(e, pi, (struct xchg *)u, from, IKE1_REPLY_BAD_SOURCE, ike1_reply_status_name(IKE1_REPLY_BAD_SOURCE));
}

static void on_resend(struct engine *e, struct probe_inst *pi, struct udpx *u)
{
	send_now(e, pi, (struct xchg *)u);
}

static void on_give_up(struct engine *e, struct probe_inst *pi, struct udpx *u, bool cut_short)
{
	struct xchg *x = (struct xchg *)u;
	record_no_answer(e, pi, x, cut_short);
	if (x->kind != X_PLAIN && x->step != ST_MM1)
		l2tpp_send_delete(e, pi, x, false);
}

static void on_closing(struct engine *e, struct probe_inst *pi, struct udpx *u)
{
	struct xchg *x = (struct xchg *)u;
	if (u->active || u->fd >= 0)
		flood_summary(e, pi, x);
	wipe_keys(x);
}

static const char *load_profile(struct engine *e, struct profile *prof, char *err, size_t errlen)
{
	if (profile_choice_part(engine_options(e)->profile, 1, prof, err, errlen) != 0)
		return err;
	if (prof->ike_version != 1 || prof->nsets == 0 || prof->sets[0].ntransforms1 == 0)
		return "the Windows L2TP profile has no IKEv1 transforms";
	return NULL;
}

/* ---------------------------------------------------------------- module callbacks */

static const struct udpx_ops l2_ops;

static int l2tp_start(struct engine *e, struct probe_inst *pi)
{
	struct l2_state *st = udpx_probe_new(e, pi, &l2_ops, offsetof(struct l2_state, x), L2TPP_MAX_XCHG);
	if (!st)
		return -1;
	const struct profile_set *set0 = &st->g.prof->sets[0];
	uint16_t p500 = engine_port(e, pi, 0), p4500 = engine_port(e, pi, 1), p1701 = engine_port(e, pi, 2);
	struct xchg *x = new_xchg(st, X_MAIN, set0);
	if (p500 && x)
		start_ike(e, pi, st, x, p500, false);
	x = p4500 ? new_xchg(st, X_NATT, set0) : NULL;
	if (x)
		start_ike(e, pi, st, x, p4500, true);
	x = p1701 ? new_xchg(st, X_PLAIN, NULL) : NULL;
	if (x)
		l2tpp_start_plain(e, pi, st, x, p1701);
	x = p500 ? new_xchg(st, X_AM, set0) : NULL;
	if (x)
		l2tpp_start_am(e, pi, st, x, p500);
	udpx_group_deadline(&st->g, pi);
	return 0;
}

static const struct udpx_ops l2_ops = {
	.proto = KB_P_L2TP, .title = "L2TP/IPsec", .key_name = "cookie",
	.state_size = sizeof(struct l2_state), .slot_size = sizeof(struct xchg),
	.profile = load_profile, .datagram = on_datagram, .icmp = on_icmp, .foreign = on_foreign,
	.resend = on_resend, .give_up = on_give_up, .closing = on_closing,
};

const struct probe_module probe_l2tp = {
	.start = l2tp_start, UDPX_CALLBACKS,
};
