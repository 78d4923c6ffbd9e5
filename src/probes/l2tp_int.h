/* The L2TP/IPsec probe's own state, shared by its two files: l2tp.c (Main Mode, the module) and
 * l2tp_side.c (the side checks: plain L2TP on UDP 1701, our Aggressive Mode packet). Not for
 * other modules. */
#ifndef VPNDIAG_PROBES_L2TP_INT_H
#define VPNDIAG_PROBES_L2TP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/ike1_keys.h"
#include "probes/udpx.h"
#include "wire/ikev1.h"
#include "wire/l2tp.h"

#define L2TPP_MM1_CAP 4096
/* Datagrams that do not count (malformed or ignored) are each noted as an observation up to this
 * many per exchange; later ones are only counted, and the count goes into one last observation when
 * the exchange ends, so a flood cannot fill the observation budget. */
#define L2TPP_NOTE_MAX 4u
#define L2TPP_MAX_XCHG (4 + PROFILE_MAX_SETS)

enum xkind { X_MAIN, X_NATT, X_ALT, X_PLAIN, X_AM };
enum step { ST_MM1 = 1, ST_MM3 = 3, ST_MM5 = 5 };

struct xchg {
	struct udpx u;              /* first: the socket, the message, its sends */
	enum xkind kind;
	uint8_t cky_i[8], cky_r[8];
	enum step step;
	/* main exchange only */
	uint8_t mm1[L2TPP_MM1_CAP]; /* our MM1 (SAi_b points into it) */
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
	struct udpx_group g;             /* first: the profile, the cookie key, the exchanges, rx */
	struct xchg x[L2TPP_MAX_XCHG];
	bool alts_started;
	struct ike1_msg msg;             /* the datagram in g.rx, parsed (pointers into g.rx) */
	struct ike1_scratch scratch;     /* MM6 / Informational decryption (wiped after each use) */
	struct l2tp_msg l2msg;           /* the datagram in g.rx as L2TP (pointers into g.rx) */
};

/* l2tp.c */
const char *l2tpp_step_name(const struct xchg *x);
/* Starts (re)sending the message now in x->u.pkt as step s. */
void l2tpp_send_step(struct engine *e, struct probe_inst *pi, struct xchg *x, enum step s);
/* x could not start (why): recorded, x closed. */
void l2tpp_start_failed(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *what);
/* CKY-I of x from the run's key (false when there is none). */
bool l2tpp_cookie(struct l2_state *st, struct xchg *x);
void l2tpp_ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from, int32_t code,
		  const char *why);
void l2tpp_malformed(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from, size_t len,
		     const char *why);
void l2tpp_record_rtt(struct engine *e, struct probe_inst *pi, struct xchg *x);
/* The datagram buf (lent for the call) as a reply to x's request: parsed into st->msg (the non-ESP
 * marker stripped when x->u.natt; pointers into buf), checked (ike1_reply_classify: *rp) and
 * logged. NULL when it is not one (noted as l2tp-malformed / l2tp-ignored, st->msg cleared);
 * otherwise the caller clears st->msg when done. */
const struct ike1_msg *l2tpp_reply(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
				   const uint8_t *buf, size_t len, const struct net_addr *from, struct ike1_reply *rp);

/* An Informational Delete of the ISAKMP SA: encrypted (with the keys and the phase-1 last block)
 * or in the clear. */
void l2tpp_send_delete(struct engine *e, struct probe_inst *pi, struct xchg *x, bool encrypted);

/* l2tp_psk.c: the server's reply to MM5 (MM6, a clear or an encrypted Informational; m and rp lent
 * for the call, m points into the group's receive buffer). */
void l2tpp_mm5_reply(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		     const struct ike1_msg *m, const struct ike1_reply *rp, const struct net_addr *from);

/* l2tp_side.c: start and answer the side checks. The handlers return true when x is finished. */
int l2tpp_start_plain(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port);
int l2tpp_start_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, uint16_t port);
bool l2tpp_handle_am(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x, const uint8_t *buf,
		     size_t len, const struct net_addr *from);
bool l2tpp_handle_l2tp(struct engine *e, struct probe_inst *pi, struct l2_state *st, struct xchg *x,
		       const uint8_t *buf, size_t len, const struct net_addr *from);

#endif
