/* IKEv2 first contact as the Windows built-in client makes it: IKE_SA_INIT on UDP 500 built from
 * the client profile (data/profiles/windows-ikev2.txt), the same on UDP 4500 behind the non-ESP
 * marker, COOKIE and INVALID_KE_PAYLOAD handled, and after NO_PROPOSAL_CHOSEN the profile's
 * alternative proposal sets tried at once to learn what the server accepts.
 *
 * Reply matching: the initiator SPI is spi_make(run key, target, port, exchange id). A datagram
 * counts only if it parses, is an IKE_SA_INIT response (R flag, message id 0), carries our SPIi
 * (spi_check) and a non-zero SPIr; an SPIr of 0 is accepted only for a notify-only error reply
 * (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN and the other error notifies, RFC 7296 2.6/2.21).
 * Our own request reflected back has no R flag and is ignored. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto/spi.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/ikev2_int.h"
#include "probes/ikev2_reply.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/fmt.h"
#include "wire/ikev2.h"

#define MAX_COOKIE_ROUNDS 2
#define MAX_KE_ROUNDS 2

/* ---------------------------------------------------------------- helpers */

/* One of the IKE_SAs started to explain an unanswered IKE_AUTH (not the Windows-like one). */
bool ikev2_is_side(const struct xchg *x)
{
	return x->kind == X_SMALL || x->kind == X_ROOTS;
}

enum obs_kind ikev2_side_kind(const struct xchg *x)
{
	return x->kind == X_ROOTS ? OBS_IKE_AUTH_SMALL_REQ : OBS_IKE_AUTH_SMALL;
}

const char *ikev2_side_what(const struct xchg *x)
{
	return x->kind == X_ROOTS ? "an IKE_AUTH whose CERTREQ lists only the real roots" : "an IKE_AUTH without CERTREQ";
}

static const char *xchg_what(const struct xchg *x)
{
	return x->kind == X_NATT ? "IKE_SA_INIT (non-ESP marker)" : "IKE_SA_INIT";
}

static void spi_hex(uint64_t spi, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)spi);
}

/* Builds the IKE_SA_INIT for x into x->u.pkt (with the non-ESP marker on 4500): the request
 * ikev2_build_request makes (probes/ikev2_reply.h, shared with `vpndiag scan`). */
static int build(struct ike_state *st, struct xchg *x)
{
	struct wbuf w;
	udpx_begin(&x->u, &w);
	if (ikev2_build_request(&w, st->g.prof, x->u.set, x->spi, x->ke_group, x->key.pub, x->key.pub_len, x->nonce,
				x->nonce_len, x->cookie, x->cookie_len, &x->u.local, &x->u.dst, x->u.port) != 0)
		return -1;
	x->u.pkt_len = w.len;
	return 0;
}

/* The observations of x's IKE_SA_INIT replies go to the engine (probes/ikev2_reply.h). */
struct to_engine {
	struct engine *e;
	struct probe_inst *pi;
};

static void to_engine_sink(void *ctx, const struct obs *o)
{
	struct to_engine *t = ctx;
	engine_observe(t->e, t->pi, o);
}

static struct ikev2_reply_ctx reply_ctx(const struct xchg *x, struct to_engine *t)
{
	struct ikev2_reply_ctx c = {
		.proto = x->u.g->ops->proto, .port = x->u.port, .natt = x->u.natt, .alt = x->kind == X_ALT,
		.main = x->kind == X_MAIN, .set = x->u.set, .what = xchg_what(x),
		.rtt_ms = (int64_t)engine_now_ms(t->e) - (int64_t)x->u.last_send, .local = &x->u.local,
		.sink = to_engine_sink, .sink_ctx = t,
	};
	return c;
}

static void log_sent(struct engine *e, struct probe_inst *pi, const struct ike_state *st, const struct xchg *x)
{
	char s[400], spi[17];
	spi_hex(x->spi, spi);
	if (x->phase != PH_INIT) {
		char what[120];
		if (x->phase == PH_EAP)
			fmt_into(what, sizeof what, "[SK{%s}]", ikev2_eap_what(x));
		else if (x->phase != PH_AUTH)
			fmt_into(what, sizeof what, "[SK{D}] (delete the IKE SA)");
		else if (x->kind == X_SMALL)
			fmt_into(what, sizeof what, "[SK{IDi N CP SA TSi TSr}] (no CERTREQ)");
		else if (x->kind == X_PSK)
			fmt_into(what, sizeof what, "[SK{IDi AUTH(shared key) N CP SA TSi TSr}] (pre-shared key of --psk-file)");
		else
			fmt_into(what, sizeof what, "[SK{IDi CERTREQ(%zu roots) N CP SA TSi TSr}] (no AUTH: EAP)",
				 x->a ? x->a->certreq_hashes : 0);
		fmt_into(s, sizeof s, "%s request SPIi=%s %s, %zu bytes%s%s, send %u",
			 x->phase == PH_DELETE ? "INFORMATIONAL" : "IKE_AUTH", spi, what, x->u.pkt_len,
			 x->u.nfrags ? " in RFC 7383 fragments" : "", x->a && x->u.natt ? " (UDP 4500, non-ESP marker)" : "",
			 x->u.sends);
		engine_packet(e, pi, '>', &x->u.dst, s);
		return;
	}
	fmt_into(s, sizeof s, "%s request SPIi=%s [%s] %zu proposal%s KE(%s) Ni(%zu)%s%s%s %zu VID%s, %zu bytes, send %u",
		 xchg_what(x), spi, x->u.set->name, x->u.set->nproposals, x->u.set->nproposals == 1 ? "" : "s",
		 ike2_transform_name(IKE2_T_DH, x->ke_group), x->nonce_len, x->cookie_len ? " N(COOKIE)" : "",
		 st->g.prof->natd ? " N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)" : "",
		 st->g.prof->frag_supported ? " N(IKEV2_FRAGMENTATION_SUPPORTED)" : "", st->g.prof->nvids,
		 st->g.prof->nvids == 1 ? "" : "s", x->u.pkt_len, x->u.sends);
	engine_packet(e, pi, '>', &x->u.dst, s);
}

void ikev2_send(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	int err = udpx_send(&x->u, e);
	if (err)
		udpx_send_failed(&x->u, e, pi, xchg_what(x), err);
	log_sent(e, pi, st, x);
}

/* Opens, keys and sends exchange x. Returns 0 or -1 (recorded). */
int ikev2_start_xchg(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	if (!x->ke_group)
		x->ke_group = x->u.set->ke_group;
	x->nonce_len = st->g.prof->nonce_len;
	if (x->nonce_len == 0 || x->nonce_len > sizeof x->nonce)
		x->nonce_len = 32;
	const char *fail = NULL;
	if (dh_keygen(x->ke_group, &x->key) != 0)
		fail = "no key pair for the KE group";
	else if (RAND_bytes(x->nonce, (int)x->nonce_len) != 1)
		fail = "no randomness for the nonce";
	else if (udpx_open(&x->u, e, pi, x->init_port, &fail) == 0) {
		x->spi = spi_make(&st->g.key, (const struct sockaddr *)&x->u.dst.ss, x->u.port, x->u.id, 0);
		if (!x->spi)
			fail = "no SPI";
		else if (build(st, x) != 0)
			fail = "the IKE_SA_INIT does not fit the packet buffer";
	}
	if (fail) {
		struct obs o;
		udpx_obs(&o, OBS_SEND_FAILED, &x->u);
		fmt_into(o.text, sizeof o.text, "%s", fail);
		fmt_into(o.evidence, sizeof o.evidence, "could not probe UDP %u with proposal set %s: %s", x->init_port,
			 x->u.set->name, fail);
		engine_observe(e, pi, &o);
		udpx_close_fd(&x->u, e);
		dh_key_free(&x->key);
		return -1;
	}
	x->u.active = true;
	ikev2_send(e, pi, st, x);
	return 0;
}

struct xchg *ikev2_new_xchg(struct ike_state *st, enum xchg_kind kind, const struct profile_set *set, uint16_t port)
{
	struct xchg *x = (struct xchg *)udpx_new(&st->g, set);
	if (x) {
		x->kind = kind;
		x->init_port = port;
		x->u.port = port;
		x->u.natt = kind == X_NATT;
	}
	return x;
}

static void start_alternatives(struct engine *e, struct probe_inst *pi, struct ike_state *st, uint16_t port)
{
	if (st->alts_started)
		return;
	st->alts_started = true;
	for (size_t i = 1; i < st->g.prof->nsets; i++) {
		struct xchg *x = ikev2_new_xchg(st, X_ALT, &st->g.prof->sets[i], port);
		if (x)
			ikev2_start_xchg(e, pi, st, x);
	}
}

static void describe_reply(const struct ike2_msg *m, size_t len, char *s, size_t slen)
{
	char spi[17];
	spi_hex(m->hdr.spi_r, spi);
	fmt_into(s, slen, "%s %s SPIr=%s", ike2_exchange_name(m->hdr.exchange),
		 (m->hdr.flags & IKE2_F_RESPONSE) ? "response" : "request", spi);
	for (size_t i = 0; i < m->nproposals && i < 2; i++) {
		char ps[160];
		ike2_proposal_str(&m->proposals[i], ps, sizeof ps);
		fmt_append(s, slen, " SA(%s)", ps);
	}
	if (m->has_ke)
		fmt_append(s, slen, " KE(%s)", ike2_transform_name(IKE2_T_DH, m->ke_group));
	if (m->nonce.p)
		fmt_append(s, slen, " Nr(%zu)", m->nonce.len);
	for (size_t i = 0; i < m->nnotifies; i++)
		fmt_append(s, slen, " N(%s)", ike2_notify_name(m->notifies[i].type));
	if (m->nvids)
		fmt_append(s, slen, " %zu VID%s", m->nvids, m->nvids == 1 ? "" : "s");
	fmt_append(s, slen, ", %zu bytes", len);
}

/* Every datagram not counted is logged; the first IKEV2_NOTE_MAX per exchange also become an
 * observation (value: the count so far), so that a junk flood cannot fill the budget. */
void ikev2_ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		  const char *why)
{
	udpx_ignored(&x->u, e, pi, OBS_IKE_IGNORED, &x->nignored, IKEV2_NOTE_MAX, 0, from, why);
}

/* A datagram from the server's address and port that is not IKEv2 (issue 11): something answers,
 * but not with IKEv2. */
static void malformed(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		      size_t len, const char *why)
{
	char s[260];
	fmt_into(s, sizeof s, "%zu bytes that do not parse as IKEv2: %s", len, why);
	engine_packet(e, pi, '-', from, s);
	if (++x->nmalformed > IKEV2_NOTE_MAX)
		return;
	struct obs o;
	udpx_obs(&o, OBS_IKE_MALFORMED, &x->u);
	o.value = x->nmalformed;
	o.code = (int32_t)len;
	fmt_into(o.text, sizeof o.text, "%s", why);
	char peer[NET_ADDRSTRLEN];
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence,
		 "a datagram of %zu bytes from the server (%s) after the %s on UDP %u is not a valid IKEv2 reply: %s", len,
		 peer, x->phase == PH_INIT ? xchg_what(x) : x->phase == PH_DELETE ? "INFORMATIONAL" : "IKE_AUTH", o.port,
		 why);
	engine_observe(e, pi, &o);
}

void ikev2_ms_status(struct obs *o, const struct xchg *x, const struct ike2_notify *n)
{
	const uint8_t *p = n->data;
	udpx_obs(o, OBS_IKE_MS_STATUS, &x->u);
	o->code = IKE2_N_MS_STATUS;
	o->value = n->data_len >= 4 ? (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) : -1;
	fmt_into(o->text, sizeof o->text, "MS_STATUS(%lld)", (long long)o->value);
}

bool ikev2_natd(const struct xchg *x, const struct ike2_msg *m, const struct net_addr *from, int *client, int *server)
{
	return ikev2_natd_addrs(&x->u.local, m, from, client, server);
}

/* NAT-D of the first accepted exchange on UDP 500 (default or alternative set) only. */
static void record_accepted(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			    const struct ike2_msg *m, const struct net_addr *from)
{
	struct to_engine t = {e, pi};
	struct ikev2_reply_ctx c = reply_ctx(x, &t);
	bool with_nat = !st->nat_recorded && x->kind != X_NATT;
	bool any = ikev2_reply_accepted(&c, m, from, with_nat);
	st->nat_recorded = st->nat_recorded || (with_nat && any);
}

static void record_ms_status(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_msg *m)
{
	struct to_engine t = {e, pi};
	struct ikev2_reply_ctx c = reply_ctx(x, &t);
	ikev2_reply_ms_status(&c, m);
}

/* An error reply ends the exchange; returns true when the exchange goes on (a retry). */
static bool handle_error(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			 const struct ike2_msg *m, const struct ike2_notify *err)
{
	struct to_engine t = {e, pi};
	struct ikev2_reply_ctx c = reply_ctx(x, &t);
	if (err->type == IKE2_N_INVALID_KE_PAYLOAD) {
		uint16_t want = ikev2_reply_invalid_ke(&c, err);
		if (want && want != x->ke_group && x->ke_rounds < MAX_KE_ROUNDS && dh_group_supported(want)) {
			struct dh_key k;
			if (dh_keygen(want, &k) == 0) {
				dh_key_free(&x->key);
				x->key = k;
				x->ke_group = want;
				x->ke_rounds++;
				if (build(st, x) == 0) {
					x->u.sends = 0;
					ikev2_send(e, pi, st, x);
					return true;
				}
			}
		}
	}
	ikev2_reply_refused(&c, err);
	if (x->kind == X_MAIN && (err->type == IKE2_N_NO_PROPOSAL_CHOSEN || err->type == IKE2_N_INVALID_KE_PAYLOAD))
		start_alternatives(e, pi, st, x->u.port);
	(void)m;
	return false;
}

/* Parses one datagram (wire/ikev2.h ike2_parse_datagram: the non-ESP marker on UDP 4500, then
 * IKEv2). Returns a new message the caller frees, whose pointers (m->raw: the message without the
 * marker) point into buf; NULL when it is not IKEv2, which is recorded (ike-malformed). */
struct ike2_msg *ikev2_parse(struct engine *e, struct probe_inst *pi, struct xchg *x, const uint8_t *buf, size_t len,
			     const struct net_addr *from)
{
	char why[200];
	struct ike2_msg *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	enum ike2_dgram k = ike2_parse_datagram(buf, len, x->u.natt, m, why, sizeof why);
	if (k == IKE2_DG_MESSAGE)
		return m;
	if (k == IKE2_DG_KEEPALIVE)
		ikev2_ignore(e, pi, x, from, why);
	else
		malformed(e, pi, x, from, len, why);
	free(m);
	return NULL;
}

/* Handles one datagram for x. Returns true when x is finished. */
static bool handle_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			    const uint8_t *buf, size_t len, const struct net_addr *from)
{
	if (x->phase != PH_INIT)
		return ikev2_auth_datagram(e, pi, st, x, buf, len, from);
	struct ike2_msg *m = ikev2_parse(e, pi, x, buf, len, from);
	if (!m)
		return false;
	bool finished = false;
	if (!spi_check(&st->g.key, m->hdr.spi_i, (const struct sockaddr *)&x->u.dst.ss, x->u.port, x->u.id, 0)) {
		ikev2_ignore(e, pi, x, from, "not our initiator SPI");
		goto out;
	}
	enum ike2_init_reply kind = ike2_init_reply_kind(m);
	if (kind == IKE2_IR_NOT_RESPONSE || kind == IKE2_IR_NOT_SA_INIT || kind == IKE2_IR_ZERO_SPI_R) {
		ikev2_ignore(e, pi, x, from, ike2_init_reply_why(kind));
		goto out;
	}
	const struct ike2_notify *err = ike2_first_error(m);
	const struct ike2_notify *cookie = ike2_find_notify(m, IKE2_N_COOKIE);
	char s[400];
	describe_reply(m, m->raw_len, s, sizeof s);
	engine_packet(e, pi, '<', from, s);
	x->answered = true;
	record_ms_status(e, pi, x, m);

	if (kind == IKE2_IR_COOKIE) {
		if (cookie->data_len < 1 || cookie->data_len > IKEV2_MAX_COOKIE || x->cookie_rounds >= MAX_COOKIE_ROUNDS) {
			ikev2_ignore(e, pi, x, from,
			       x->cookie_rounds >= MAX_COOKIE_ROUNDS ? "a COOKIE again after 2 rounds (an endless COOKIE loop): not followed"
								     : "a COOKIE of a length we cannot use (1 to 64 bytes)");
			goto out;
		}
		if (x->cookie_rounds == 0) {
			struct to_engine t = {e, pi};
			struct ikev2_reply_ctx c = reply_ctx(x, &t);
			ikev2_reply_cookie(&c, cookie->data_len);
		}
		memcpy(x->cookie, cookie->data, cookie->data_len);
		x->cookie_len = cookie->data_len;
		x->cookie_rounds++;
		if (build(st, x) == 0) {
			x->u.sends = 0;
			ikev2_send(e, pi, st, x);
		} else {
			finished = true;
		}
		goto out;
	}
	if (err && x->kind == X_PSK) {
		char why[200];
		fmt_into(why, sizeof why, "the IKE_SA_INIT for the PSK sign-in was refused with %s", ike2_notify_name(err->type));
		ikev2_psk_incomplete(e, pi, x, why);
		finished = true;
		goto out;
	}
	if (err && ikev2_is_side(x)) {
		struct obs o;
		udpx_obs(&o, ikev2_side_kind(x), &x->u);
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
		fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA_INIT (for %s) was refused with %s", ikev2_side_what(x),
			 o.text);
		engine_observe(e, pi, &o);
		finished = true;
		goto out;
	}
	if (kind == IKE2_IR_ERROR) {
		finished = !handle_error(e, pi, st, x, m, err);
		goto out;
	}
	if (kind != IKE2_IR_ACCEPT) {
		/* the server's reply, but not a valid one (a zero-length nonce or KE, no proposal) */
		malformed(e, pi, x, from, m->raw_len, ike2_init_reply_why(kind));
		x->answered = false;
		goto out;
	}
	if (!ikev2_is_side(x) && x->kind != X_PSK)
		record_accepted(e, pi, st, x, m, from);
	finished = true;
	if (ikev2_is_side(x) || x->kind == X_PSK || (x->kind != X_NATT && !st->auth_started)) {
		if (!ikev2_is_side(x) && x->kind != X_PSK)
			st->auth_started = true;
		if (ikev2_auth_start(e, pi, st, x, m, from) == 0)
			finished = false;
	}
out:
	free(m);
	return finished;
}

static bool on_icmp(struct engine *e, struct probe_inst *pi, struct udpx *u, const struct net_rx *rx)
{
	struct xchg *x = (struct xchg *)u;
	struct obs o;
	if (x->a && x->phase == PH_AUTH && (rx->icmp6 ? rx->icmp_type == 2 : rx->icmp_type == 3 && rx->icmp_code == 4))
		x->a->too_big = true; /* the kernel now fragments the request to the path MTU */
	if (rx->icmp_class == NET_ICMP_OTHER || x->phase != PH_INIT || ikev2_is_side(x) || x->kind == X_PSK)
		return false; /* e.g. time exceeded, or during IKE_AUTH (Windows keeps retransmitting): keep waiting */
	if (x->kind == X_ALT) {
		udpx_obs(&o, OBS_IKE_ALT_REFUSED, u);
		fmt_into(o.text, sizeof o.text, "ICMP %s", net_icmp_class_name(rx->icmp_class));
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s the server's side answered ICMP %s",
			 u->set->name, net_icmp_class_name(rx->icmp_class));
	} else {
		udpx_icmp_obs(&o, OBS_UDP_ICMP, u, rx, xchg_what(x));
	}
	engine_observe(e, pi, &o);
	udpx_icmp_log(u, e, pi, rx);
	return true;
}

static void record_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short)
{
	struct obs o;
	char what[80];
	if (x->kind == X_ALT) {
		udpx_obs(&o, OBS_IKE_ALT_REFUSED, &x->u);
		fmt_into(o.text, sizeof o.text, "no answer");
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s no answer to %u requests", x->u.set->name,
			 x->u.total_sends);
	} else if (x->cookie_len) {
		struct to_engine t = {e, pi};
		struct ikev2_reply_ctx c = reply_ctx(x, &t);
		ikev2_reply_no_answer_after_cookie(&c, x->u.sends, (engine_now_ms(e) - x->u.first_send) / 1000.0);
		return;
	} else {
		fmt_into(what, sizeof what, "%s request", xchg_what(x));
		udpx_no_answer(&x->u, e, pi, what, cut_short);
		return;
	}
	engine_observe(e, pi, &o);
}

static void start_small(struct engine *e, struct probe_inst *pi, struct ike_state *st, const struct xchg *like)
{
	if (st->small_started)
		return;
	st->small_started = true;
	struct xchg *x = ikev2_new_xchg(st, X_SMALL, like->u.set, like->init_port);
	if (x)
		ikev2_start_xchg(e, pi, st, x);
	if (st->g.prof->auth_certreq && (x = ikev2_new_xchg(st, X_ROOTS, like->u.set, like->init_port)) != NULL)
		ikev2_start_xchg(e, pi, st, x);
}

/* ---------------------------------------------------------------- the exchanges' callbacks */

static bool on_datagram(struct engine *e, struct probe_inst *pi, struct udpx *u, const uint8_t *buf, size_t len,
			const struct net_addr *from)
{
	return handle_datagram(e, pi, pi->state, (struct xchg *)u, buf, len, from);
}

static void on_foreign(struct engine *e, struct probe_inst *pi, struct udpx *u, const struct net_addr *from)
{
	ikev2_ignore(e, pi, (struct xchg *)u, from,
		     "from another address or port than the server's (spoofed, or a third party): ignored");
}

static void on_resend(struct engine *e, struct probe_inst *pi, struct udpx *u)
{
	struct xchg *x = (struct xchg *)u;
	if (x->phase == PH_AUTH && u->sends == 1 && !ikev2_is_side(x) && x->kind != X_PSK)
		start_small(e, pi, pi->state, x);
	ikev2_send(e, pi, pi->state, x);
}

static void on_give_up(struct engine *e, struct probe_inst *pi, struct udpx *u, bool cut_short)
{
	struct xchg *x = (struct xchg *)u;
	if (x->phase != PH_INIT || ikev2_is_side(x) || x->kind == X_PSK)
		ikev2_auth_no_answer(e, pi, x, cut_short);
	else
		record_no_answer(e, pi, x, cut_short);
}

static void on_closing(struct engine *e, struct probe_inst *pi, struct udpx *u)
{
	struct xchg *x = (struct xchg *)u;
	(void)e;
	(void)pi;
	ikev2_auth_free(x);
	dh_key_free(&x->key);
}

static const char *load_profile(struct engine *e, struct profile *prof, char *err, size_t errlen)
{
	if (profile_choice_part(engine_options(e)->profile, 2, prof, err, errlen) != 0)
		return err;
	return prof->nsets == 0 ? "the Windows IKEv2 profile has no proposal set" : NULL;
}

static const struct udpx_ops ike_ops = {
	.proto = KB_P_IKEV2, .title = "IKEv2", .key_name = "SPI",
	.state_size = sizeof(struct ike_state), .slot_size = sizeof(struct xchg),
	.profile = load_profile, .datagram = on_datagram, .icmp = on_icmp, .foreign = on_foreign,
	.resend = on_resend, .give_up = on_give_up, .closing = on_closing,
};

/* ---------------------------------------------------------------- module callbacks */

static int ikev2_start(struct engine *e, struct probe_inst *pi)
{
	struct ike_state *st = udpx_probe_new(e, pi, &ike_ops, offsetof(struct ike_state, x), IKEV2_MAX_XCHG);
	if (!st)
		return -1;
	uint16_t p500 = engine_port(e, pi, 0), p4500 = engine_port(e, pi, 1);
	struct xchg *x = ikev2_new_xchg(st, X_MAIN, &st->g.prof->sets[0], p500);
	ikev2_start_xchg(e, pi, st, x);
	if (p4500) {
		x = ikev2_new_xchg(st, X_NATT, &st->g.prof->sets[0], p4500);
		ikev2_start_xchg(e, pi, st, x);
	}
	udpx_group_deadline(&st->g, pi);
	return 0;
}

const struct probe_module probe_ikev2 = {
	.start = ikev2_start, UDPX_CALLBACKS,
};
