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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/ike1_keys.h"
#include "crypto/spi.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/fmt.h"
#include "wire/ikev1.h"
#include "wire/l2tp.h"
#include "wire/natt.h"

#define PKT_CAP 4096
#define RX_CAP 65536
#define MAX_READS 16
#define NONESP_LEN NATT_MARKER_LEN
/* Datagrams that do not count (malformed or ignored) are each noted as an observation up to this
 * many per exchange; later ones are only counted, and the count goes into one last observation when
 * the exchange ends, so a flood cannot fill the observation budget. */
#define NOTE_MAX 4u
#define MAX_XCHG (4 + PROFILE_MAX_SETS)
#define L2TP_SENDS 3

enum xkind { X_MAIN, X_NATT, X_ALT, X_PLAIN, X_AM };
enum step { ST_MM1 = 1, ST_MM3 = 3, ST_MM5 = 5 };

struct xchg {
	enum xkind kind;
	const struct profile_set *set;
	uint8_t id;
	uint16_t port;
	bool natt;                  /* non-ESP marker on this socket */
	int fd;
	struct net_addr dst, local;
	uint8_t cky_i[8], cky_r[8];
	enum step step;
	uint8_t pkt[PKT_CAP];
	size_t pkt_len;
	unsigned sends, total_sends;
	uint32_t first_send, last_send, next;
	bool active;
	/* main exchange only */
	uint8_t mm1[PKT_CAP];       /* our MM1 (SAi_b points into it) */
	size_t mm1_len;
	size_t sai_off, sai_len;
	struct ike1_tspec chosen;
	uint16_t chosen_hash;
	bool natt_vid;
	struct ike1_dh dh;
	bool have_dh;
	uint8_t ni[64];
	size_t ni_len;
	struct ike1_keys k;
	bool have_keys;
	uint8_t last_block[IKE1_BLOCK_MAX]; /* last CBC block of phase 1 so far */
	bool nat_client, nat_server;
	uint16_t l2tp_tunnel;       /* plain: our Assigned Tunnel ID */
	/* datagrams that did not count: malformed (not ISAKMP / L2TP) and ignored (ISAKMP, not a reply) */
	unsigned n_malformed, n_ignored;
	char last_malformed[120];
};

struct l2_state {
	struct profile *prof;
	struct spi_key key;
	bool have_key;
	struct xchg x[MAX_XCHG];
	size_t nx;
	bool alts_started;
	uint8_t rx[RX_CAP];              /* one received datagram (65,536 bytes: any UDP payload fits) */
	struct ike1_msg msg;             /* the datagram in rx, parsed (pointers into rx) */
	struct ike1_scratch scratch;     /* MM6 / Informational decryption (wiped after each use) */
	struct l2tp_msg l2msg;           /* the datagram in rx as L2TP (pointers into rx) */
};

/* ---------------------------------------------------------------- helpers */

static void obs_init(struct obs *o, enum obs_kind kind, const struct xchg *x)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = KB_P_L2TP;
	if (x) {
		o->port = x->port;
		o->natt = x->natt;
		fmt_into(o->set, sizeof o->set, "%s", x->set ? x->set->name : "");
	}
}

static uint32_t wait_after(const struct l2_state *st, unsigned send_no)
{
	const struct profile *p = st->prof;
	if (p->nretransmit == 0)
		return 1000;
	size_t i = send_no < p->nretransmit ? send_no : p->nretransmit - 1;
	return p->retransmit_ms[i] ? p->retransmit_ms[i] : 1;
}

/* The side checks (plain L2TP on 1701, the Aggressive Mode warning) never decide the verdict, so
 * they get a short budget: two sends (about 3 s), so that a server that silently drops them does
 * not stretch the whole diagnosis to --timeout. */
#define AUX_SENDS 2u

static unsigned max_sends(const struct l2_state *st, const struct xchg *x)
{
	if (x->kind == X_PLAIN)
		return L2TP_SENDS < AUX_SENDS ? L2TP_SENDS : AUX_SENDS;
	if (x->kind == X_AM)
		return AUX_SENDS;
	return st->prof->nretransmit ? (unsigned)st->prof->nretransmit : 1;
}

static const char *step_name(const struct xchg *x)
{
	if (x->kind == X_PLAIN)
		return "L2TP SCCRQ";
	if (x->kind == X_AM)
		return "Aggressive Mode 1";
	switch (x->step) {
	case ST_MM3: return x->natt ? "MM3 (non-ESP marker)" : "MM3";
	case ST_MM5: return x->natt ? "MM5 (non-ESP marker)" : "MM5";
	default: return x->natt ? "MM1 (non-ESP marker)" : "MM1";
	}
}

static void send_now(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x)
{
	uint32_t now = engine_now_ms(e);
	char s[400];
	if (x->sends == 0)
		x->first_send = now;
	x->last_send = now;
	if (net_udp_send(x->fd, x->pkt, x->pkt_len) != 0 && errno != ECONNREFUSED) {
		if (x->kind == X_AM) {
			/* not an L2TP observation: the AM exchange ends as l2tp-am-no-answer */
			engine_packet(e, pi, '!', &x->dst, strerror(errno));
		} else {
			struct obs o;
			obs_init(&o, OBS_SEND_FAILED, x);
			o.code = errno;
			fmt_into(o.text, sizeof o.text, "%s", strerror(errno));
			fmt_into(o.evidence, sizeof o.evidence, "could not send the %s to UDP %u: %s", step_name(x),
				 x->port, strerror(errno));
			engine_observe(e, pi, &o);
		}
	}
	x->sends++;
	x->total_sends++;
	x->next = now + (x->kind == X_PLAIN ? 1000u << (x->sends - 1) : wait_after(st, x->sends - 1));
	fmt_into(s, sizeof s, "%s%s%s, %zu bytes, send %u", step_name(x), x->set ? " set " : "",
		 x->set ? x->set->name : "", x->pkt_len, x->sends);
	engine_packet(e, pi, '>', &x->dst, s);
}

/* Starts (re)sending the message now in x->pkt as step st. */
static void send_step(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, enum step s)
{
	x->step = s;
	x->sends = 0;
	send_now(e, pi, st, x);
}

static void update_deadline(struct probe_inst *pi, struct l2_state *st)
{
	uint32_t d = 0;
	bool any = false;
	for (size_t i = 0; i < st->nx; i++) {
		if (!st->x[i].active)
			continue;
		any = true;
		if (!d || st->x[i].next < d)
			d = st->x[i].next;
	}
	if (!any) {
		engine_done(pi);
		return;
	}
	engine_set_deadline(pi, d ? d : 1);
}

static void close_fd(struct engine *e, struct xchg *x)
{
	if (x->fd >= 0) {
		engine_unwatch(e, x->fd);
		close(x->fd);
		x->fd = -1;
	}
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

static void flood_summary(struct engine *e, struct probe_inst *pi, struct xchg *x);

static void close_xchg(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	if (x->active || x->fd >= 0)
		flood_summary(e, pi, x);
	x->active = false;
	close_fd(e, x);
	wipe_keys(x);
}

/* Opens a socket for x to port (x->dst gets the port); -1 with the reason in why. */
static int open_sock(struct engine *e, struct probe_inst *pi, struct xchg *x, uint16_t port, const char **why)
{
	x->dst = *engine_target_addr(e);
	net_addr_set_port(&x->dst, port);
	x->port = port;
	if ((x->fd = net_udp_open(&x->dst)) < 0) {
		*why = strerror(errno);
		return -1;
	}
	x->local.len = sizeof x->local.ss;
	if (getsockname(x->fd, (struct sockaddr *)&x->local.ss, &x->local.len) != 0) {
		*why = strerror(errno);
		close(x->fd);
		x->fd = -1;
		return -1;
	}
	if (engine_watch(e, pi, x->fd) != 0) {
		*why = "too many sockets";
		close(x->fd);
		x->fd = -1;
		return -1;
	}
	return 0;
}

/* Puts the non-ESP marker in front when x->natt; returns the writer positioned after it. */
static void pkt_begin(struct xchg *x, struct wbuf *w)
{
	wbuf_init(w, x->pkt, sizeof x->pkt);
	if (x->natt)
		wbuf_zero(w, NONESP_LEN);
}

static int build_mm1(struct l2_state *st, struct xchg *x)
{
	struct ike1_blob vids[PROFILE_MAX_VIDS];
	size_t nv = 0;
	for (size_t i = 0; i < st->prof->nvids && nv < PROFILE_MAX_VIDS; i++, nv++) {
		vids[nv].p = st->prof->vids[i].data;
		vids[nv].len = st->prof->vids[i].len;
	}
	struct ike1_mm1 in = {.transforms = x->set->transforms1, .ntransforms = x->set->ntransforms1,
			      .vids = vids, .nvids = nv};
	memcpy(in.cky_i, x->cky_i, 8);
	struct wbuf w;
	pkt_begin(x, &w);
	if (ike1_build_mm1(&w, &in) < 0 || w.err)
		return -1;
	x->pkt_len = w.len;
	/* keep MM1 for SAi_b (HASH_I / HASH_R) */
	size_t off = x->natt ? NONESP_LEN : 0;
	memcpy(x->mm1, x->pkt + off, w.len - off);
	x->mm1_len = w.len - off;
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
	if (st->nx >= MAX_XCHG)
		return NULL;
	struct xchg *x = &st->x[st->nx];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->set = set;
	x->fd = -1;
	x->id = (uint8_t)st->nx;
	st->nx++;
	return x;
}

static void start_failed(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *what)
{
	struct obs o;
	if (x->kind == X_AM) {
		/* our own Aggressive Mode probe: not an L2TP failure */
		obs_init(&o, OBS_L2TP_AM_NO_ANSWER, x);
		fmt_into(o.text, sizeof o.text, "not sent");
		fmt_into(o.evidence, sizeof o.evidence, "the Aggressive Mode check was not made on UDP %u: %s", x->port, what);
	} else {
		obs_init(&o, OBS_SEND_FAILED, x);
		fmt_into(o.text, sizeof o.text, "%s", what);
		fmt_into(o.evidence, sizeof o.evidence, "could not probe UDP %u: %s", x->port, what);
	}
	engine_observe(e, pi, &o);
	close_xchg(e, pi, x);
}

static int start_ike(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port,
		     bool natt)
{
	const char *why = NULL;
	x->natt = natt;
	if (open_sock(e, pi, x, port, &why) != 0) {
		start_failed(e, pi, x, why);
		return -1;
	}
	uint64_t spi = spi_make(&st->key, (const struct sockaddr *)&x->dst.ss, port, x->id, 0);
	for (int i = 0; i < 8; i++)
		x->cky_i[i] = (uint8_t)(spi >> (56 - 8 * i));
	if (!spi || build_mm1(st, x) != 0) {
		start_failed(e, pi, x, "the MM1 does not fit the packet buffer");
		return -1;
	}
	x->active = true;
	send_step(e, pi, st, x, ST_MM1);
	return 0;
}

static int start_plain(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port)
{
	const char *why = NULL;
	if (open_sock(e, pi, x, port, &why) != 0) {
		start_failed(e, pi, x, why);
		return -1;
	}
	uint8_t r[2];
	if (RAND_bytes(r, 2) != 1)
		r[0] = 0x4c, r[1] = 0x32;
	x->l2tp_tunnel = (uint16_t)((r[0] << 8 | r[1]) | 1);
	struct l2tp_sccrq in = {.assigned_tunnel = x->l2tp_tunnel, .host_name = "vpndiag",
				.framing_caps = L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC, .rx_window = 8};
	struct wbuf w;
	wbuf_init(&w, x->pkt, sizeof x->pkt);
	if (l2tp_build_sccrq(&w, &in) < 0 || w.err) {
		start_failed(e, pi, x, "the SCCRQ does not fit");
		return -1;
	}
	x->pkt_len = w.len;
	x->active = true;
	send_step(e, pi, st, x, ST_MM1);
	return 0;
}

/* Aggressive Mode 1 with PSK: ours, not Windows' (see the top of the file). The DH key pair exists
 * only for the KE payload and is freed at once; nothing of the exchange is kept. */
static int build_am1(struct l2_state *st, struct xchg *x, const char **why)
{
	const struct profile_set *set = x->set;
	struct ike1_dh dh;
	char err[160];
	uint8_t ni[64];
	size_t nl = st->prof->nonce_len >= 8 && st->prof->nonce_len <= sizeof ni ? st->prof->nonce_len : 32;
	const uint8_t *lip;
	size_t ll = net_addr_bytes(&x->local, &lip);
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
	struct ike1_am1 in = {.transforms = set->transforms1, .ntransforms = set->ntransforms1, .ke = dh.pub,
			      .ke_len = dh.pub_len, .nonce = ni, .nonce_len = nl,
			      .id_type = ll == 4 ? IKE1_ID_IPV4_ADDR : IKE1_ID_IPV6_ADDR, .id_protocol = 17,
			      .id_port = 500, .id = lip, .id_len = ll};
	memcpy(in.cky_i, x->cky_i, 8);
	struct wbuf w;
	pkt_begin(x, &w);
	if (ike1_build_am1(&w, &in) < 0 || w.err) {
		*why = "the Aggressive Mode 1 does not fit the packet buffer";
		goto out;
	}
	x->pkt_len = w.len;
	rc = 0;
out:
	ike1_dh_free(&dh);
	OPENSSL_cleanse(ni, sizeof ni);
	return rc;
}

static int start_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port)
{
	const char *why = NULL;
	x->natt = false;
	if (open_sock(e, pi, x, port, &why) != 0) {
		start_failed(e, pi, x, why);
		return -1;
	}
	/* its own keyed cookie: exchange id x->id differs from the main exchange's */
	uint64_t spi = spi_make(&st->key, (const struct sockaddr *)&x->dst.ss, port, x->id, 0);
	for (int i = 0; i < 8; i++)
		x->cky_i[i] = (uint8_t)(spi >> (56 - 8 * i));
	if (!spi) {
		start_failed(e, pi, x, "no cookie");
		return -1;
	}
	if (build_am1(st, x, &why) != 0) {
		start_failed(e, pi, x, why);
		return -1;
	}
	x->active = true;
	send_step(e, pi, st, x, ST_MM1);
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
 * reason (enum ike1_reply_status; 0 for L2TP on 1701). Noted up to NOTE_MAX times, then counted. */
static void ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from, int32_t code,
		   const char *why)
{
	struct obs o;
	char peer[NET_ADDRSTRLEN];
	x->n_ignored++;
	engine_packet(e, pi, '-', from, why);
	if (x->n_ignored > NOTE_MAX)
		return;
	obs_init(&o, OBS_L2TP_IGNORED, x);
	o.code = code;
	o.value = x->n_ignored;
	fmt_into(o.text, sizeof o.text, "%s", why);
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence, "a datagram from %s on UDP %u was not counted as a reply: %s", peer,
		 x->port, why);
	engine_observe(e, pi, &o);
}

/* A datagram from the server's address and port that does not parse as ISAKMP (or, on 1701, as
 * L2TP): l2tp-malformed. Something answers there, but not with the protocol: the exchange can
 * then never be summarised as "no answer". Noted up to NOTE_MAX times, then counted. */
static void malformed(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		      size_t len, const char *why)
{
	struct obs o;
	char peer[NET_ADDRSTRLEN];
	x->n_malformed++;
	fmt_into(x->last_malformed, sizeof x->last_malformed, "%s", why);
	engine_packet(e, pi, '-', from, why);
	if (x->n_malformed > NOTE_MAX)
		return;
	obs_init(&o, OBS_L2TP_MALFORMED, x);
	o.code = sent_code(x);
	o.value = x->n_malformed;
	fmt_into(o.text, sizeof o.text, "%s", why);
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence, "a %zu-byte datagram from %s on UDP %u after our %s %s: %s", len, peer,
		 x->port, step_name(x), x->kind == X_PLAIN ? "is not L2TP" : "does not parse as IKEv1 (ISAKMP)", why);
	engine_observe(e, pi, &o);
}

/* More datagrams than NOTE_MAX did not count: one observation with the totals. */
static void flood_summary(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	struct obs o;
	if (x->n_malformed > NOTE_MAX) {
		obs_init(&o, OBS_L2TP_MALFORMED, x);
		o.code = sent_code(x);
		o.value = x->n_malformed;
		fmt_into(o.text, sizeof o.text, "a flood: %u datagrams that do not parse", x->n_malformed);
		fmt_into(o.evidence, sizeof o.evidence,
			 "in all %u datagrams on UDP %u did not parse as %s (only the first %u were noted one by one); the last: %s",
			 x->n_malformed, x->port, x->kind == X_PLAIN ? "L2TP" : "IKEv1", NOTE_MAX, x->last_malformed);
		engine_observe(e, pi, &o);
	}
	if (x->n_ignored > NOTE_MAX) {
		obs_init(&o, OBS_L2TP_IGNORED, x);
		o.value = x->n_ignored;
		fmt_into(o.text, sizeof o.text, "a flood: %u datagrams that are not replies", x->n_ignored);
		fmt_into(o.evidence, sizeof o.evidence,
			 "in all %u datagrams on UDP %u were not counted as replies (only the first %u were noted one by one)",
			 x->n_ignored, x->port, NOTE_MAX);
		engine_observe(e, pi, &o);
	}
	x->n_malformed = x->n_ignored = 0;
}

static void record_rtt(struct engine *e, struct probe_inst *pi, struct xchg *x)
{
	struct obs o;
	obs_init(&o, OBS_RTT, x);
	o.value = engine_now_ms(e) - x->last_send;
	fmt_into(o.evidence, sizeof o.evidence, "round trip %lld ms for the %s on UDP %u", (long long)o.value,
		 step_name(x), x->port);
	engine_observe(e, pi, &o);
}

/* A clear Informational Delete (no keys) or an encrypted one (keys and the phase-1 last block). */
static void send_delete(struct engine *e, struct probe_inst *pi, struct xchg *x, bool encrypted)
{
	struct wbuf w;
	struct obs o;
	uint8_t mid[4];
	uint32_t msg_id = 0;
	pkt_begin(x, &w);
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
		pkt_begin(x, &w);
		if (ike1_build_info_delete(&w, x->cky_i, x->cky_r, 0, 0, NULL, NULL, NULL) < 0)
			return;
	}
	if (w.err)
		return;
	(void)net_udp_send(x->fd, x->pkt, w.len);
	engine_packet(e, pi, '>', &x->dst, encrypted ? "Informational Delete (ISAKMP SA, encrypted)"
						     : "Informational Delete (ISAKMP SA, in the clear)");
	obs_init(&o, OBS_L2TP_DELETE_SENT, x);
	o.value = encrypted;
	fmt_into(o.evidence, sizeof o.evidence, "sent an Informational Delete of the ISAKMP SA%s on UDP %u",
		 encrypted ? " (encrypted)" : " in the clear", x->port);
	engine_observe(e, pi, &o);
}

static void record_vids(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike1_msg *m)
{
	struct obs o;
	const char *natt = NULL;
	for (size_t i = 0; i < m->nvids; i++) {
		obs_init(&o, OBS_L2TP_VENDOR_ID, x);
		o.value = profile_vid_describe(m->vids[i].p, m->vids[i].len, o.text, sizeof o.text);
		fmt_into(o.evidence, sizeof o.evidence, "the server's MM2 carries vendor ID %s", o.text);
		engine_observe(e, pi, &o);
		if (m->vids[i].len == 16 && memcmp(m->vids[i].p, ike1_vid_rfc3947, 16) == 0)
			natt = "RFC 3947";
		else if (!natt) {
			const char *n = ike1_vid_name(m->vids[i].p, m->vids[i].len);
			if (n && strstr(n, "nat-t"))
				natt = n;
		}
	}
	x->natt_vid = natt != NULL;
	obs_init(&o, OBS_L2TP_NATT, x);
	o.value = natt != NULL;
	fmt_into(o.text, sizeof o.text, "%s", natt ? natt : "");
	fmt_into(o.evidence, sizeof o.evidence,
		 natt ? "the server announces NAT traversal (%s vendor ID) in MM2"
		      : "the server's MM2 announces no NAT traversal (no RFC 3947 or draft vendor ID)%s",
		 natt ? natt : "");
	engine_observe(e, pi, &o);
}

static void refused(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		    const struct ike1_notify_pl *n)
{
	struct obs o;
	obs_init(&o, OBS_L2TP_MM_REFUSED, x);
	o.code = n->type;
	fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(n->type));
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server answered the %s on UDP %u (proposal set %s) with an Informational N(%s) (type %u)",
		 step_name(x), x->port, x->set->name, o.text, (unsigned)n->type);
	engine_observe(e, pi, &o);
	record_rtt(e, pi, x);
	if (x->kind == X_MAIN && n->type == IKE1_N_NO_PROPOSAL_CHOSEN && !st->alts_started) {
		st->alts_started = true;
		for (size_t i = 1; i < st->prof->nsets; i++) {
			struct xchg *a = new_xchg(st, X_ALT, &st->prof->sets[i]);
			if (a)
				start_ike(e, pi, st, a, x->port, false);
		}
	}
}

static int build_mm3(struct xchg *x, const struct ike1_msg *m2, char *why, size_t whylen)
{
	const uint8_t *lip, *rip;
	size_t ll = net_addr_bytes(&x->local, &lip), rl = net_addr_bytes(&x->dst, &rip);
	uint8_t nd_r[IKE1_HASH_MAX], nd_l[IKE1_HASH_MAX];
	size_t nr = 0, nl = 0;
	(void)m2;
	if (ike1_dh_generate(&x->dh, x->chosen.group, why, whylen) != 0)
		return -1;
	x->have_dh = true;
	x->ni_len = 32;
	if (RAND_bytes(x->ni, (int)x->ni_len) != 1) {
		fmt_into(why, whylen, "no randomness for the nonce");
		return -1;
	}
	if (ike1_natd(x->chosen.hash, x->cky_i, x->cky_r, rip, rl, x->port, nd_r, sizeof nd_r, &nr) != 0 ||
	    ike1_natd(x->chosen.hash, x->cky_i, x->cky_r, lip, ll, net_addr_port(&x->local), nd_l, sizeof nd_l, &nl) != 0) {
		fmt_into(why, whylen, "no NAT-D for hash %u", (unsigned)x->chosen.hash);
		return -1;
	}
	struct ike1_mm3 in = {.ke = x->dh.pub, .ke_len = x->dh.pub_len, .nonce = x->ni, .nonce_len = x->ni_len,
			      .natd_type = IKE1_PL_NAT_D, .natd_remote = nd_r, .natd_local = nd_l, .natd_len = nr};
	memcpy(in.cky_i, x->cky_i, 8);
	memcpy(in.cky_r, x->cky_r, 8);
	struct wbuf w;
	pkt_begin(x, &w);
	if (ike1_build_mm3(&w, &in) < 0 || w.err) {
		fmt_into(why, whylen, "the MM3 does not fit");
		return -1;
	}
	x->pkt_len = w.len;
	return 0;
}

static void handle_mm2(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		       const struct ike1_msg *m)
{
	struct obs o;
	char ts[160], why[200];
	const struct ike1_transform *t = &m->sa.p[0].t[0];
	ike1_transform_str(t, ts, sizeof ts);
	obs_init(&o, OBS_L2TP_MM_ACCEPTED, x);
	o.code = t->group;
	o.value = t->num;
	fmt_into(o.text, sizeof o.text, "%s", ts);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u%s and chose %s", step_name(x),
		 x->port, x->kind == X_ALT ? " with an alternative proposal set" : "", ts);
	if (x->kind == X_ALT)
		fmt_append(o.evidence, sizeof o.evidence, " (set %s: %s)", x->set->name, x->set->title);
	engine_observe(e, pi, &o);
	record_rtt(e, pi, x);
	memcpy(x->cky_r, m->hdr.cky_r, 8);
	if (x->kind != X_MAIN) {
		send_delete(e, pi, x, false);
		close_xchg(e, pi, x);
		return;
	}
	record_vids(e, pi, x, m);
	x->chosen.enc = t->enc;
	x->chosen.key_len = t->key_len;
	x->chosen.hash = t->hash;
	x->chosen.group = t->group;
	x->chosen.auth = t->auth;
	if (build_mm3(x, m, why, sizeof why) != 0) {
		obs_init(&o, OBS_SEND_FAILED, x);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "could not continue with MM3 after the server chose %s: %s", ts, why);
		engine_observe(e, pi, &o);
		send_delete(e, pi, x, false);
		close_xchg(e, pi, x);
		return;
	}
	send_step(e, pi, st, x, ST_MM3);
}

/* NAT-D of MM4 (RFC 3947 3.2): the first is the hash of the address the server sent to (ours as it
 * sees it), the following ones its own addresses (compared with where the reply came from). */
static void record_nat(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike1_msg *m,
		       const struct net_addr *from)
{
	const uint8_t *ip;
	size_t n, hl = 0;
	uint8_t h[IKE1_HASH_MAX];
	char a[NET_ADDRSTRLEN];
	struct obs o;
	if (m->nnatd < 2)
		return;
	n = net_addr_bytes(&x->local, &ip);
	if (ike1_natd(x->chosen.hash, x->cky_i, x->cky_r, ip, n, net_addr_port(&x->local), h, sizeof h, &hl) != 0)
		return;
	x->nat_client = !(m->natd[0].len == hl && memcmp(m->natd[0].p, h, hl) == 0);
	obs_init(&o, OBS_NAT_CLIENT, x);
	o.value = x->nat_client;
	net_addr_str_port(&x->local, a, sizeof a);
	fmt_into(o.evidence, sizeof o.evidence,
		 x->nat_client ? "the server's first NAT-D in MM4 does not match our address %s: a NAT on our side rewrites it"
			       : "the server's first NAT-D in MM4 matches our address %s: no NAT on our side",
		 a);
	engine_observe(e, pi, &o);
	n = net_addr_bytes(from, &ip);
	if (ike1_natd(x->chosen.hash, x->cky_i, x->cky_r, ip, n, net_addr_port(from), h, sizeof h, &hl) != 0)
		return;
	bool match = false;
	for (size_t i = 1; i < m->nnatd; i++)
		match = match || (m->natd[i].len == hl && memcmp(m->natd[i].p, h, hl) == 0);
	x->nat_server = !match;
	obs_init(&o, OBS_NAT_SERVER, x);
	o.value = x->nat_server;
	net_addr_str_port(from, a, sizeof a);
	fmt_into(o.evidence, sizeof o.evidence,
		 x->nat_server ? "none of the server's own NAT-D in MM4 matches %s, where the reply came from: the server is behind NAT"
			       : "the server's own NAT-D in MM4 matches %s, where the reply came from: the server is not behind NAT",
		 a);
	engine_observe(e, pi, &o);
}

static void handle_mm4(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		       const struct ike1_msg *m, const struct net_addr *from)
{
	const struct engine_opts *opt = engine_options(e);
	struct obs o;
	char why[200];
	obs_init(&o, OBS_L2TP_MM4, x);
	o.code = x->chosen.group;
	o.value = (int64_t)m->nnatd;
	fmt_into(o.evidence, sizeof o.evidence, "MM3/MM4 completed on UDP %u: Diffie-Hellman (%s) and nonces exchanged, %zu NAT-D payload%s from the server",
		 x->port, ike1_attr_value_name(IKE1_A_GROUP_DESCRIPTION, x->chosen.group), m->nnatd,
		 m->nnatd == 1 ? "" : "s");
	engine_observe(e, pi, &o);
	record_rtt(e, pi, x);
	record_nat(e, pi, x, m, from);

	if (!opt->psk || opt->psk_len == 0) {
		obs_init(&o, OBS_L2TP_PSK_NOT_GIVEN, x);
		fmt_into(o.evidence, sizeof o.evidence,
			 "Main Mode stopped after MM4: no pre-shared key was given (--psk-file or VPNDIAG_PSK), so MM5/MM6 could not check it");
		engine_observe(e, pi, &o);
		send_delete(e, pi, x, false);
		close_xchg(e, pi, x);
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
		obs_init(&o, OBS_SEND_FAILED, x);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "could not derive the Main Mode keys from MM4: %s", why);
		engine_observe(e, pi, &o);
		send_delete(e, pi, x, false);
		close_xchg(e, pi, x);
		return;
	}
	/* NAT on either side and NAT-T agreed: MM5 goes to UDP 4500 behind the non-ESP marker. */
	uint16_t p4500 = engine_port(e, pi, 1);
	if ((x->nat_client || x->nat_server) && x->natt_vid && p4500 && !x->natt) {
		const char *fail = NULL;
		close_fd(e, x);
		x->natt = true;
		if (open_sock(e, pi, x, p4500, &fail) != 0) {
			obs_init(&o, OBS_SEND_FAILED, x);
			fmt_into(o.text, sizeof o.text, "%s", fail);
			fmt_into(o.evidence, sizeof o.evidence, "could not open UDP %u for MM5: %s", p4500, fail);
			engine_observe(e, pi, &o);
			close_xchg(e, pi, x);
			return;
		}
		obs_init(&o, OBS_L2TP_MOVED_4500, x);
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
	size_t ll = net_addr_bytes(&x->local, &lip);
	struct wbuf w;
	wbuf_init(&w, idb, sizeof idb);
	ike1_build_id_body(&w, ll == 4 ? IKE1_ID_IPV4_ADDR : IKE1_ID_IPV6_ADDR, 17, 500, lip, ll);
	struct ike1_cbc cb = {.k = &x->k};
	memcpy(cb.iv, x->k.iv0, IKE1_BLOCK_MAX);
	if (w.err || ike1_keys_hash_i(&x->k, x->mm1 + x->sai_off, x->sai_len, idb, w.len, hi, &hn) != 0) {
		close_xchg(e, pi, x);
		return;
	}
	struct ike1_mm5 m5 = {.idii_body = idb, .idii_len = w.len, .hash_i = hi, .hash_len = hn};
	memcpy(m5.cky_i, x->cky_i, 8);
	memcpy(m5.cky_r, x->cky_r, 8);
	struct wbuf pw;
	pkt_begin(x, &pw);
	rc = ike1_build_mm5(&pw, &m5, x->k.block_len, ike1_cbc_encrypt_cb, &cb);
	memcpy(x->last_block, cb.iv, IKE1_BLOCK_MAX);
	OPENSSL_cleanse(&cb, sizeof cb);
	OPENSSL_cleanse(hi, sizeof hi);
	if (rc < 0 || pw.err) {
		close_xchg(e, pi, x);
		return;
	}
	x->pkt_len = pw.len;
	send_step(e, pi, st, x, ST_MM5);
}

static void psk_result(struct engine *e, struct probe_inst *pi, struct xchg *x, bool match, int evidence,
		       uint16_t notify, const char *sentence)
{
	struct obs o;
	obs_init(&o, match ? OBS_L2TP_PSK_MATCH : OBS_L2TP_PSK_MISMATCH, x);
	o.value = evidence;
	o.code = notify;
	if (notify)
		fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(notify));
	fmt_into(o.evidence, sizeof o.evidence, "%s", sentence);
	engine_observe(e, pi, &o);
}

/* The server's reply to MM5: MM6 (HASH_R), a clear Informational, or an encrypted one (HASH(1)).
 * Decryption and verification are crypto/ike1_keys' (ike1_mm6_verify, ike1_info_verify). */
static void handle_mm5_reply(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
			     const struct ike1_msg *m, const struct ike1_reply *rp, const struct net_addr *from)
{
	char s[320], why[200];
	record_rtt(e, pi, x);
	if (rp->kind == IKE1_KIND_MM6) {
		int v = ike1_mm6_verify(&x->k, x->last_block, m, x->mm1 + x->sai_off, x->sai_len, &st->scratch, why,
					sizeof why);
		memset(&st->scratch.msg, 0, sizeof st->scratch.msg);
		if (v == 1) {
			fmt_into(s, sizeof s, "the server's MM6 on UDP %u decrypts with our keys and its HASH_R verifies: the pre-shared key matches", x->port);
			psk_result(e, pi, x, true, 1, 0, s);
			send_delete(e, pi, x, true);
		} else if (v == 0) {
			fmt_into(s, sizeof s, "the server's MM6 on UDP %u (%zu encrypted bytes) does not decrypt and verify with keys derived from our pre-shared key (%s): the key does not match", x->port, m->ciphertext.len, why);
			psk_result(e, pi, x, false, 2, 0, s);
			send_delete(e, pi, x, false);
		} else {
			malformed(e, pi, x, from, m->raw_len, why);
			send_delete(e, pi, x, false);
		}
		return;
	}
	if (rp->kind == IKE1_KIND_ERROR_NOTIFY || rp->kind == IKE1_KIND_INFO_CLEAR) {
		const struct ike1_notify_pl *n = rp->notify;
		uint16_t t = n ? n->type : 0;
		if (t == IKE1_N_INVALID_HASH_INFORMATION || t == IKE1_N_AUTHENTICATION_FAILED ||
		    t == IKE1_N_PAYLOAD_MALFORMED) {
			fmt_into(s, sizeof s, "the server answered MM5 on UDP %u with N(%s) in the clear: it could not decrypt or verify our MM5, so its pre-shared key differs", x->port, ike1_notify_name(t));
			psk_result(e, pi, x, false, 1, t, s);
		} else {
			struct obs o;
			obs_init(&o, OBS_L2TP_MM5_REFUSED, x);
			o.code = t;
			fmt_into(o.text, sizeof o.text, "%s", t ? ike1_notify_name(t) : "no error notify");
			fmt_into(o.evidence, sizeof o.evidence, "the server answered MM5 on UDP %u with a clear Informational (%s); this does not tell whether the key matches", x->port, o.text);
			engine_observe(e, pi, &o);
		}
		send_delete(e, pi, x, false);
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
		obs_init(&o, OBS_L2TP_MM5_REFUSED, x);
		o.code = type;
		fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(type));
		fmt_into(o.evidence, sizeof o.evidence, "the server refused MM5 with N(%s) (type %u) although the key matches", o.text, (unsigned)type);
		engine_observe(e, pi, &o);
		send_delete(e, pi, x, true);
	} else if (v == 0) {
		fmt_into(s, sizeof s, "the server answered MM5 on UDP %u with an encrypted Informational (%zu bytes) that does not decrypt and verify with keys derived from our pre-shared key (%s): the server used another key", x->port, m->ciphertext.len, why);
		psk_result(e, pi, x, false, 3, 0, s);
		send_delete(e, pi, x, false);
	} else {
		malformed(e, pi, x, from, m->raw_len, why);
		send_delete(e, pi, x, false);
	}
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
	if (x->natt) {
		enum natt_kind k = natt_classify(buf, len);
		if (k == NATT_KEEPALIVE) {
			ignore(e, pi, x, from, IKE1_REPLY_NOT_IKE, natt_kind_name(k));
			return NULL;
		}
		if (k != NATT_IKE) {
			malformed(e, pi, x, from, len, natt_kind_name(k));
			return NULL;
		}
		(void)natt_strip(buf, len, &buf, &len);
	}
	if (ike1_parse(buf, len, &st->msg, why, sizeof why) != 0) {
		fmt_into(w2, sizeof w2, "does not parse as IKEv1: %s", why);
		malformed(e, pi, x, from, len, w2);
		return NULL;
	}
	return &st->msg;
}

/* One datagram for an IKE exchange. Returns true when x is finished. */
static bool handle_ike(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, const uint8_t *buf,
		       size_t len, const struct net_addr *from)
{
	struct ike1_request req;
	struct ike1_reply rp;
	bool finished = false;
	const struct ike1_msg *m = parse_isakmp(e, pi, st, x, buf, len, from);
	if (!m)
		return false;
	request_of(x, &req);
	if (ike1_reply_classify(m, &req, wait_step(x), &rp) != IKE1_REPLY_OK) {
		ignore(e, pi, x, from, rp.status, rp.why);
		goto out;
	}
	char s[400];
	describe(m, m->raw_len, s, sizeof s);
	engine_packet(e, pi, '<', from, s);

	switch (rp.kind) {
	case IKE1_KIND_ERROR_NOTIFY:
		if (x->step == ST_MM1) {
			refused(e, pi, st, x, rp.notify);
		} else if (x->step == ST_MM3) {
			struct obs o;
			obs_init(&o, OBS_L2TP_NO_ANSWER, x);
			o.code = ST_MM3;
			fmt_into(o.text, sizeof o.text, "N(%s)", ike1_notify_name(rp.notify->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered MM3 with N(%s) instead of MM4",
				 ike1_notify_name(rp.notify->type));
			engine_observe(e, pi, &o);
		} else {
			handle_mm5_reply(e, pi, st, x, m, &rp, from);
		}
		finished = true;
		break;
	case IKE1_KIND_MM2:
		handle_mm2(e, pi, st, x, m);
		finished = !x->active;
		break;
	case IKE1_KIND_MM4:
		handle_mm4(e, pi, st, x, m, from);
		finished = !x->active;
		break;
	case IKE1_KIND_MM6:
	case IKE1_KIND_INFO_CLEAR:
	case IKE1_KIND_INFO_ENCRYPTED:
		handle_mm5_reply(e, pi, st, x, m, &rp, from);
		finished = true;
		break;
	default:
		ignore(e, pi, x, from, IKE1_REPLY_UNEXPECTED, "not a reply this exchange waits for");
		break;
	}
out:
	memset(&st->msg, 0, sizeof st->msg);
	return finished;
}

/* One datagram for the Aggressive Mode probe. It counts only as a reply to our request (the same
 * check as Main Mode: our cookie, Aggressive Mode or Informational, a non-zero CKY-R except on a
 * clear Informational), in the clear. Returns true when x is finished. Nothing is sent back. */
static bool handle_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, const uint8_t *buf,
		      size_t len, const struct net_addr *from)
{
	char s[400];
	struct obs o;
	struct ike1_request req;
	struct ike1_reply rp;
	bool finished = false;
	const struct ike1_msg *m = parse_isakmp(e, pi, st, x, buf, len, from);
	if (!m)
		return false;
	request_of(x, &req);
	if (ike1_reply_classify(m, &req, IKE1_STEP_AM2, &rp) != IKE1_REPLY_OK) {
		ignore(e, pi, x, from, rp.status, rp.why);
		goto out;
	}
	describe(m, m->raw_len, s, sizeof s);
	engine_packet(e, pi, '<', from, s);
	if (rp.kind == IKE1_KIND_ERROR_NOTIFY) {
		const struct ike1_notify_pl *n = rp.notify;
		obs_init(&o, OBS_L2TP_AM_REFUSED, x);
		o.code = n->type;
		fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(n->type));
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server refused our Aggressive Mode 1 (pre-shared key) on UDP %u with an Informational N(%s) (type %u) after %u ms: no HASH_R was sent",
			 x->port, o.text, (unsigned)n->type, (unsigned)(engine_now_ms(e) - x->last_send));
		engine_observe(e, pi, &o);
		finished = true;
		goto out;
	}
	const struct ike1_transform *t = &m->sa.p[0].t[0];
	char ts[160];
	ike1_transform_str(t, ts, sizeof ts);
	obs_init(&o, OBS_L2TP_AM_HASH, x);
	o.code = t->group;
	o.value = (int64_t)m->hash.len;
	fmt_into(o.text, sizeof o.text, "%s", ts);
	/* the hash itself is not recorded anywhere */
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server answered our Aggressive Mode 1 (pre-shared key) on UDP %u in %u ms with an Aggressive Mode 2 in the clear: %s, KE, Nr,%s and a %zu-byte HASH_R, all an offline guess of the key needs",
		 x->port, (unsigned)(engine_now_ms(e) - x->last_send), ts, m->has_id ? " IDir" : "", m->hash.len);
	engine_observe(e, pi, &o);
	finished = true;
out:
	memset(&st->msg, 0, sizeof st->msg);
	return finished;
}

/* ---------------------------------------------------------------- plain L2TP */

static bool handle_l2tp(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
			const uint8_t *buf, size_t len, const struct net_addr *from)
{
	char s[320];
	struct obs o;
	struct l2tp_answer a;
	enum l2tp_reply_status rs = l2tp_reply_check(buf, len, x->l2tp_tunnel, &st->l2msg, &a);
	memset(&st->l2msg, 0, sizeof st->l2msg);
	if (rs == L2TP_REPLY_MALFORMED) {
		malformed(e, pi, x, from, len, a.why);
		return false;
	}
	if (rs != L2TP_REPLY_ANSWER) {
		ignore(e, pi, x, from, 0, a.why);
		return false;
	}
	fmt_into(s, sizeof s, "L2TP %s", l2tp_msg_name(a.msg_type));
	engine_packet(e, pi, '<', from, s);
	obs_init(&o, OBS_L2TP_PLAIN_ANSWER, x);
	o.code = a.msg_type;
	o.value = a.result;
	fmt_into(o.text, sizeof o.text, "%s%s%s", a.host, a.vendor[0] ? " / " : "", a.vendor);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered an L2TP SCCRQ on UDP %u outside IPsec with %s%s%s%s",
		 x->port, l2tp_msg_name(a.msg_type), a.host[0] ? " (host name " : "", a.host, a.host[0] ? ")" : "");
	engine_observe(e, pi, &o);
	record_rtt(e, pi, x);
	if (a.stop) {
		struct wbuf w;
		wbuf_init(&w, x->pkt, sizeof x->pkt);
		if (l2tp_build_stopccn(&w, a.peer_tunnel, 1, a.nr, x->l2tp_tunnel, 1) > 0 && !w.err) {
			(void)net_udp_send(x->fd, x->pkt, w.len);
			engine_packet(e, pi, '>', &x->dst, "L2TP StopCCN (clear the tunnel)");
		}
	}
	return true;
}

/* ---------------------------------------------------------------- no answer / ICMP */

static void record_no_answer(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, bool cut)
{
	struct obs o;
	uint32_t waited = engine_now_ms(e) - x->first_send;
	bool short_ = cut && x->sends < max_sends(st, x);
	if (x->n_malformed && x->kind != X_PLAIN) {
		/* something answered, but never with IKEv1: not "no answer" (l2tp-malformed says what came) */
		obs_init(&o, x->kind == X_AM ? OBS_L2TP_AM_NO_ANSWER : x->kind == X_ALT ? OBS_L2TP_MM_REFUSED : OBS_L2TP_NO_ANSWER, x);
		o.code = x->kind == X_MAIN || x->kind == X_NATT ? (int32_t)x->step : 0;
		o.value = x->kind == X_AM ? (int64_t)x->total_sends : (int64_t)x->sends;
		fmt_into(o.text, sizeof o.text, "malformed answers");
		fmt_into(o.evidence, sizeof o.evidence,
			 "no valid IKEv1 answer to %u %s%s on UDP %u within %.1f s, but %u datagram%s from the server that do not parse as IKEv1 (the last: %s)",
			 x->total_sends, step_name(x), x->total_sends == 1 ? "" : "s", x->port, waited / 1000.0,
			 x->n_malformed, x->n_malformed == 1 ? "" : "s", x->last_malformed);
		engine_observe(e, pi, &o);
		return;
	}
	if (x->n_malformed)
		return; /* UDP 1701 answered with something that is not L2TP: l2tp-malformed says it */
	if (x->kind == X_AM) {
		obs_init(&o, OBS_L2TP_AM_NO_ANSWER, x);
		o.value = x->total_sends;
		fmt_into(o.text, sizeof o.text, "silence");
		fmt_into(o.evidence, sizeof o.evidence, "no answer to %u Aggressive Mode 1%s (pre-shared key) on UDP %u within %.1f s%s",
			 x->total_sends, x->total_sends == 1 ? "" : "s", x->port, waited / 1000.0,
			 short_ ? " (the run's --timeout ended the retransmissions)" : "");
	} else if (x->kind == X_ALT) {
		obs_init(&o, OBS_L2TP_MM_REFUSED, x);
		fmt_into(o.text, sizeof o.text, "no answer");
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s no answer to %u MM1", x->set->name, x->total_sends);
	} else if (x->kind == X_PLAIN || x->step == ST_MM1) {
		obs_init(&o, OBS_UDP_NO_ANSWER, x);
		o.value = x->total_sends;
		o.code = (int32_t)waited;
		fmt_into(o.evidence, sizeof o.evidence, "no answer to %u %s%s to %s:%u within %.1f s%s", x->total_sends,
			 step_name(x), x->total_sends == 1 ? "" : "s", engine_target_host(e), x->port, waited / 1000.0,
			 short_ ? " (the run's --timeout ended the retransmissions)" : "");
	} else {
		obs_init(&o, OBS_L2TP_NO_ANSWER, x);
		o.code = x->step;
		o.value = x->sends;
		fmt_into(o.text, sizeof o.text, "silence");
		fmt_into(o.evidence, sizeof o.evidence, "no answer to %u %s%s on UDP %u within %.1f s%s", x->sends,
			 step_name(x), x->sends == 1 ? "" : "s", x->port, waited / 1000.0,
			 short_ ? " (the run's --timeout ended the retransmissions)" : "");
	}
	engine_observe(e, pi, &o);
}

/* A datagram larger than the receive buffer (65,536 bytes: only an IPv6 jumbogram can be) is never
 * parsed as whole: udp-truncated (value: the length known, at least the buffer; code: bytes kept). */
static void record_truncated(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_rx *rx)
{
	struct obs o;
	char peer[NET_ADDRSTRLEN];
	obs_init(&o, OBS_UDP_TRUNCATED, x);
	o.value = (int64_t)rx->len;
	o.code = (int32_t)rx->len;
	net_addr_str_port(&rx->from, peer, sizeof peer);
	fmt_into(o.text, sizeof o.text, "larger than %u bytes", (unsigned)RX_CAP);
	fmt_into(o.evidence, sizeof o.evidence,
		 "a datagram from %s on UDP %u was larger than the %u-byte receive buffer: truncated, so not parsed", peer,
		 x->port, (unsigned)RX_CAP);
	engine_observe(e, pi, &o);
	engine_packet(e, pi, '-', &rx->from, "truncated datagram (not parsed)");
}

static void record_icmp(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_rx *rx)
{
	struct obs o;
	char from[NET_ADDRSTRLEN] = "?", s[160];
	if (rx->from.len)
		net_addr_str(&rx->from, from, sizeof from);
	obs_init(&o, x->kind == X_ALT ? OBS_L2TP_MM_REFUSED : x->kind == X_AM ? OBS_L2TP_AM_NO_ANSWER : OBS_UDP_ICMP, x);
	o.code = rx->icmp_type;
	o.value = x->kind == X_AM ? (int64_t)x->total_sends : rx->icmp_code;
	fmt_into(o.text, sizeof o.text, "%s", net_icmp_class_id(rx->icmp_class));
	fmt_into(o.evidence, sizeof o.evidence, "ICMP%s %s (type %u code %u) from %s after the %s to UDP %u",
		 rx->icmp6 ? "v6" : "", net_icmp_class_name(rx->icmp_class), rx->icmp_type, rx->icmp_code, from,
		 step_name(x), x->port);
	engine_observe(e, pi, &o);
	fmt_into(s, sizeof s, "ICMP %s from %s", net_icmp_class_name(rx->icmp_class), from);
	engine_packet(e, pi, '!', &x->dst, s);
}

/* ---------------------------------------------------------------- module callbacks */

static int l2tp_start(struct engine *e, struct probe_inst *pi)
{
	struct obs o;
	char err[300];
	struct l2_state *st = calloc(1, sizeof *st);
	struct profile *prof = st ? calloc(1, sizeof *prof) : NULL;
	if (!st || !prof) {
		free(st);
		return -1;
	}
	st->prof = prof;
	size_t klen;
	const uint8_t *secret = engine_secret(e, &klen);
	const char *fail = NULL;
	if (profile_choice_part(engine_options(e)->profile, 1, prof, err, sizeof err) != 0)
		fail = err;
	else if (prof->ike_version != 1 || prof->nsets == 0 || prof->sets[0].ntransforms1 == 0)
		fail = "the Windows L2TP profile has no IKEv1 transforms";
	else if (klen < SPI_KEY_LEN || spi_key_set(&st->key, secret) != 0)
		fail = "no cookie key";
	if (fail) {
		memset(&o, 0, sizeof o);
		o.kind = OBS_SEND_FAILED;
		o.proto = KB_P_L2TP;
		fmt_into(o.text, sizeof o.text, "%s", fail);
		fmt_into(o.evidence, sizeof o.evidence, "the L2TP/IPsec probe could not start: %s", fail);
		engine_observe(e, pi, &o);
		free(prof);
		free(st);
		return -1;
	}
	st->have_key = true;
	pi->state = st;
	uint16_t p500 = engine_port(e, pi, 0), p4500 = engine_port(e, pi, 1), p1701 = engine_port(e, pi, 2);
	struct xchg *x = new_xchg(st, X_MAIN, &prof->sets[0]);
	if (p500 && x)
		start_ike(e, pi, st, x, p500, false);
	x = p4500 ? new_xchg(st, X_NATT, &prof->sets[0]) : NULL;
	if (x)
		start_ike(e, pi, st, x, p4500, true);
	x = p1701 ? new_xchg(st, X_PLAIN, NULL) : NULL;
	if (x)
		start_plain(e, pi, st, x, p1701);
	x = p500 ? new_xchg(st, X_AM, &prof->sets[0]) : NULL;
	if (x)
		start_am(e, pi, st, x, p500);
	update_deadline(pi, st);
	return 0;
}

static void l2tp_on_readable(struct engine *e, struct probe_inst *pi, int fd)
{
	struct l2_state *st = pi->state;
	struct xchg *x = NULL;
	for (size_t i = 0; i < st->nx && !x; i++)
		if (st->x[i].active && st->x[i].fd == fd)
			x = &st->x[i];
	if (!x)
		return;
	for (int n = 0; n < MAX_READS && x->active && x->fd == fd; n++) {
		struct net_rx rx;
		net_udp_recv(fd, st->rx, sizeof st->rx, &rx);
		if (rx.kind == NET_RX_NONE)
			break;
		bool finished = false;
		if (rx.kind == NET_RX_ICMP) {
			if (rx.icmp_class == NET_ICMP_OTHER)
				continue;
			record_icmp(e, pi, x, &rx);
			finished = true;
		} else if (rx.kind == NET_RX_DATA) {
			if (!net_addr_equal(&rx.from, &x->dst)) {
				/* the socket is connected, so the kernel drops these already: defence in depth */
				ignore(e, pi, x, &rx.from, IKE1_REPLY_BAD_SOURCE, ike1_reply_status_name(IKE1_REPLY_BAD_SOURCE));
				continue;
			}
			if (rx.truncated) {
				record_truncated(e, pi, x, &rx);
				continue;
			}
			finished = x->kind == X_PLAIN ? handle_l2tp(e, pi, st, x, st->rx, rx.len, &rx.from)
				   : x->kind == X_AM  ? handle_am(e, pi, st, x, st->rx, rx.len, &rx.from)
						      : handle_ike(e, pi, st, x, st->rx, rx.len, &rx.from);
		} else {
			continue;
		}
		if (finished)
			close_xchg(e, pi, x);
	}
	update_deadline(pi, st);
}

static void l2tp_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct l2_state *st = pi->state;
	uint32_t now = engine_now_ms(e);
	for (size_t i = 0; i < st->nx; i++) {
		struct xchg *x = &st->x[i];
		if (!x->active || x->next > now)
			continue;
		if (x->sends < max_sends(st, x)) {
			send_now(e, pi, st, x);
		} else {
			record_no_answer(e, pi, st, x, false);
			if (x->kind != X_PLAIN && x->step != ST_MM1)
				send_delete(e, pi, x, false);
			close_xchg(e, pi, x);
		}
	}
	update_deadline(pi, st);
}

static void l2tp_finish(struct engine *e, struct probe_inst *pi, bool timed_out)
{
	struct l2_state *st = pi->state;
	if (!st)
		return;
	for (size_t i = 0; i < st->nx; i++) {
		struct xchg *x = &st->x[i];
		if (x->active && timed_out && x->sends) {
			record_no_answer(e, pi, st, x, true);
			if (x->kind != X_PLAIN && x->step != ST_MM1 && x->fd >= 0)
				send_delete(e, pi, x, false);
		}
		close_xchg(e, pi, x);
	}
	if (st->have_key)
		spi_key_free(&st->key);
	OPENSSL_cleanse(st->rx, sizeof st->rx);
	free(st->prof);
	OPENSSL_cleanse(st, sizeof *st);
	free(st);
	pi->state = NULL;
}

const struct probe_module probe_l2tp = {
	.name = "l2tp",
	.title = "L2TP/IPsec",
	.proto = KB_P_L2TP,
	.ports = {500, 4500, 1701, 0},
	.start = l2tp_start,
	.on_readable = l2tp_on_readable,
	.on_deadline = l2tp_on_deadline,
	.finish = l2tp_finish,
};
