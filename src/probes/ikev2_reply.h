/* What an IKE_SA_INIT exchange records, shared by `vpndiag probe` (probes/ikev2.c, through the
 * engine) and `vpndiag scan` (scan/scan.c, into one struct obs_result per responder), so that both
 * build the same request and turn the same reply into the same observations, and the same rules
 * (rules/rules.h) decide both. One copy: ikev2.c calls these, it does not keep its own.
 *
 * Ownership: every pointer in struct ikev2_reply_ctx is lent by the caller for the call; the sink
 * gets an observation lent for the call (it copies it). */
#ifndef VPNDIAG_PROBES_IKEV2_REPLY_H
#define VPNDIAG_PROBES_IKEV2_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "obs/obs.h"
#include "profile/profile.h"
#include "wire/ikev2.h"
#include "wire/wbuf.h"

/* Receives one observation (lent for the call: the sink copies it). ctx is the caller's. */
typedef void ikev2_obs_sink(void *ctx, const struct obs *o);

/* The exchange an IKE_SA_INIT reply answers, as the observations describe it. */
struct ikev2_reply_ctx {
	unsigned proto;                /* KB_P_IKEV2 */
	uint16_t port;                 /* the port it was sent to */
	bool natt;                     /* sent behind the non-ESP marker (UDP 4500) */
	bool alt;                      /* an alternative proposal set (ike-alt-accepted / ike-alt-refused) */
	bool main;                     /* the Windows-like exchange on UDP 500: also fragmentation and vendor IDs */
	const struct profile_set *set; /* the proposal set sent */
	const char *what;              /* "IKE_SA_INIT", "IKE_SA_INIT (non-ESP marker)" */
	int64_t rtt_ms;                /* from the last send to the reply; < 0: not known, no rtt record */
	const struct net_addr *local;  /* our address and port as the server should see them (NAT-D) */
	ikev2_obs_sink *sink;
	void *sink_ctx;
};

/* The IKE_SA_INIT the IKEv2 probe sends (profile p, proposal set `set`, our SPI, KE, nonce, an
 * optional cookie, NAT-D hashes over local and dst:dport when the profile sends them) into w, as
 * ike2_build_sa_init writes it. Returns 0, or -1 when it does not fit. */
int ikev2_build_request(struct wbuf *w, const struct profile *p, const struct profile_set *set, uint64_t spi,
			uint16_t ke_group, const uint8_t *ke, size_t ke_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *cookie, size_t cookie_len, const struct net_addr *local, const struct net_addr *dst,
			uint16_t dport);

/* An observation of kind about the exchange c (proto, port, non-ESP marker, proposal set). */
void ikev2_reply_obs(struct obs *o, enum obs_kind kind, const struct ikev2_reply_ctx *c);

/* The NAT-D of the IKE_SA_INIT response m that came from `from`, our end being `local`: *client 1
 * when its NAT_DETECTION_DESTINATION_IP does not match local (0 when it does, -1 none); *server 1
 * when none of its NAT_DETECTION_SOURCE_IP matches `from` (0 when one does, -1 none). Returns
 * whether m carries a NAT_DETECTION_DESTINATION_IP or a usable NAT_DETECTION_SOURCE_IP. */
bool ikev2_natd_addrs(const struct net_addr *local, const struct ike2_msg *m, const struct net_addr *from, int *client,
		      int *server);

/* The records of an accepted IKE_SA_INIT (ike2_init_reply_kind IKE2_IR_ACCEPT): ike-accepted (or
 * ike-alt-accepted), rtt, when with_nat nat-client / nat-server, and for c->main
 * ike-fragmentation and each ike-vendor-id; then an ike-notify per other notify (not for alt).
 * Returns whether m carried NAT-D (ikev2_natd_addrs), when with_nat. */
bool ikev2_reply_accepted(const struct ikev2_reply_ctx *c, const struct ike2_msg *m, const struct net_addr *from,
			  bool with_nat);
/* The records of an error reply err (ike2_first_error): for INVALID_KE_PAYLOAD ike-invalid-ke
 * (value: the group is in c->set); then ike-alt-refused (c->alt) or ike-refused and rtt. Returns
 * the group INVALID_KE_PAYLOAD asks for when c->set offers it (the caller may retry), else 0. */
uint16_t ikev2_reply_invalid_ke(const struct ikev2_reply_ctx *c, const struct ike2_notify *err);
void ikev2_reply_refused(const struct ikev2_reply_ctx *c, const struct ike2_notify *err);
/* ike-cookie: the first N(COOKIE) of cookie_len bytes. */
void ikev2_reply_cookie(const struct ikev2_reply_ctx *c, size_t cookie_len);
/* ike-no-answer-after-cookie: sends requests carrying the server's COOKIE, none answered within
 * seconds (value: sends). */
void ikev2_reply_no_answer_after_cookie(const struct ikev2_reply_ctx *c, unsigned sends, double seconds);
/* ike-ms-status when m carries Microsoft's status notify. */
void ikev2_reply_ms_status(const struct ikev2_reply_ctx *c, const struct ike2_msg *m);

#endif
