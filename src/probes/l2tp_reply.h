/* What an IKEv1 Main Mode 1 / Aggressive Mode 1 exchange sends and records, shared by `vpndiag
 * probe` (probes/l2tp.c and l2tp_side.c, through the engine) and `vpndiag scan` (scan/scan.c, into
 * one struct obs_result per responder), so that both build the same MM1 (the profile's transforms
 * and vendor IDs) and turn the same MM2 / Informational / Aggressive Mode 2 into the same
 * observations, which the same rules (rules/rules_l2tp.c) decide. One copy: l2tp.c calls these.
 *
 * Ownership: every pointer in struct l2tp_reply_ctx is lent for the call; the sink gets an
 * observation lent for the call (it copies it). */
#ifndef VPNDIAG_PROBES_L2TP_REPLY_H
#define VPNDIAG_PROBES_L2TP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "obs/obs.h"
#include "profile/profile.h"
#include "wire/ikev1.h"
#include "wire/wbuf.h"

/* Receives one observation (lent for the call: the sink copies it). */
typedef void l2tp_obs_sink(void *ctx, const struct obs *o);

/* The exchange a reply answers, as the observations describe it. */
struct l2tp_reply_ctx {
	uint16_t port;                 /* the port the request went to */
	bool natt;                     /* sent behind the non-ESP marker (UDP 4500) */
	bool alt;                      /* an alternative proposal set (after NO-PROPOSAL-CHOSEN) */
	const struct profile_set *set; /* the proposal set sent */
	const char *what;              /* "MM1", "MM1 (non-ESP marker)" */
	l2tp_obs_sink *sink;
	void *sink_ctx;
};

/* Windows' Main Mode 1 (profile p: set's transforms, every vendor ID of p) with initiator cookie
 * cky_i into w (ike1_build_mm1). Returns the length written, or -1 when it does not fit. */
int l2tp_build_mm1(struct wbuf *w, const struct profile *p, const struct profile_set *set, const uint8_t cky_i[8]);

/* Our Aggressive Mode 1 with a pre-shared key (RFC 2409 5.4; never sent by Windows): SA with set's
 * transforms, KE (ke_len bytes for the first transform's group), the nonce, IDii = our address
 * (ID_IPV4_ADDR / ID_IPV6_ADDR of ip, ip_len 4 or 16; protocol UDP, port 500). Returns the length
 * written, or -1. */
int l2tp_build_am1(struct wbuf *w, const struct profile_set *set, const uint8_t cky_i[8], const uint8_t *ke,
		   size_t ke_len, const uint8_t *nonce, size_t nonce_len, const uint8_t *ip, size_t ip_len);

/* An observation of kind about the exchange c (proto L2TP, port, non-ESP marker, set name). */
void l2tp_reply_obs(struct obs *o, enum obs_kind kind, const struct l2tp_reply_ctx *c);

/* MM2 (ike1_reply_classify IKE1_KIND_MM2): l2tp-mm-accepted with the chosen transform. */
void l2tp_reply_accepted(const struct l2tp_reply_ctx *c, const struct ike1_msg *m);
/* MM2's vendor IDs: an l2tp-vendor-id each, then l2tp-natt. Returns whether NAT-T is announced. */
bool l2tp_reply_vids(const struct l2tp_reply_ctx *c, const struct ike1_msg *m);
/* An Informational error notify n answering MM1: l2tp-mm-refused. */
void l2tp_reply_refused(const struct l2tp_reply_ctx *c, const struct ike1_notify_pl *n);
/* Aggressive Mode 2 (IKE1_KIND_AM2) ms after our Aggressive Mode 1: l2tp-am-hash (the hash itself
 * is recorded nowhere). */
void l2tp_reply_am_hash(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint32_t ms);
/* An Informational error notify n answering our Aggressive Mode 1: l2tp-am-refused. */
void l2tp_reply_am_refused(const struct l2tp_reply_ctx *c, const struct ike1_notify_pl *n, uint32_t ms);
/* No answer to an MM1 with an alternative set after `sends` sends: l2tp-mm-refused "no answer". */
void l2tp_reply_alt_no_answer(const struct l2tp_reply_ctx *c, unsigned sends);
/* No answer to our Aggressive Mode 1 after `sends` sends within `seconds` (cut: the run's bound
 * ended the retransmissions early): l2tp-am-no-answer "silence". */
void l2tp_reply_am_no_answer(const struct l2tp_reply_ctx *c, unsigned sends, double seconds, bool cut);
/* No answer to `sends` sends of step (3 MM3, 5 MM5; what names it) within `seconds` (cut: the
 * run's bound ended the retransmissions early): l2tp-no-answer "silence". */
void l2tp_reply_no_answer(const struct l2tp_reply_ctx *c, int step, unsigned sends, double seconds, bool cut);

/* MM3 as the probe sends it (RFC 2409 5, RFC 3947 3.2): KE (ke_len bytes), Ni, NAT-D of the remote
 * dst:dport, NAT-D of local (address and port), hashed with the chosen hash over both cookies.
 * Returns the length written, or -1 with why. */
int l2tp_build_mm3(struct wbuf *w, uint16_t hash, const uint8_t cky_i[8], const uint8_t cky_r[8], const uint8_t *ke,
		   size_t ke_len, const uint8_t *ni, size_t ni_len, const struct net_addr *local, const struct net_addr *dst,
		   uint16_t dport, char *why, size_t whylen);
/* MM4 (IKE1_KIND_MM4) after MM3 with DH group `group`: l2tp-mm4. */
void l2tp_reply_mm4(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint16_t group);
/* MM4's NAT-D (the first: our address as the server saw it, the rest: its own): nat-client and
 * nat-server, our end being local, the reply from `from`. Nothing when MM4 has fewer than two. */
void l2tp_reply_nat(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint16_t hash, const uint8_t cky_i[8],
		    const uint8_t cky_r[8], const struct net_addr *local, const struct net_addr *from);

#endif
