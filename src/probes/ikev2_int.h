/* The IKEv2 probe's own state, shared by its two files: ikev2.c (IKE_SA_INIT, the module) and
 * ikev2_auth.c (the IKE_AUTH stage). Not for other modules. */
#ifndef VPNDIAG_PROBES_IKEV2_INT_H
#define VPNDIAG_PROBES_IKEV2_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "crypto/ike2_keys.h"
#include "probes/udpx.h"
#include "wire/ike2_frag.h"
#include "wire/ike2_inner.h"
#include "wire/ikev2.h"

#define IKEV2_MAX_XCHG (4 + PROFILE_MAX_SETS)
#define IKEV2_MAX_COOKIE 64
#define IKEV2_NOTE_MAX 8u /* ike-malformed / ike-ignored observations per exchange (a junk flood) */

/* When the Windows-like IKE_AUTH (a large request: a CERTREQ with a Windows-sized list of root
 * hashes; a large reply: the certificate chain) is not answered at once, two more IKE_SAs start:
 * X_SMALL: IKE_AUTH without CERTREQ: a small request, and a small reply from a server that sends
 *          its certificate only when asked. Answered: something of the first exchange is lost
 *          on the path because of its size; not answered: the server does not answer IKE_AUTH.
 * X_ROOTS: IKE_AUTH whose CERTREQ lists only the real roots (--ca-file or the system store): a
 *          small request that still asks for the full reply. Answered: the reply gets through, so
 *          the large REQUEST is what is lost; not answered (and X_SMALL answered): the large REPLY
 *          is lost. */
/* X_PSK: with --psk-file, after the server refused the EAP IKE_AUTH with AUTHENTICATION_FAILED:
 *          a new IKE_SA whose IKE_AUTH carries AUTH from the pre-shared key (ikev2_psk.c). */
enum xchg_kind { X_MAIN, X_NATT, X_ALT, X_SMALL, X_ROOTS, X_PSK };
/* PH_INIT: IKE_SA_INIT; PH_AUTH: IKE_AUTH sent (message 1); PH_DELETE: INFORMATIONAL delete
 * sent (the message after the last IKE_AUTH); PH_EAP: a later IKE_AUTH round sent (message 2...):
 * an EAP response, or the AUTH from the EAP MSK (ikev2_eap.c, with --user and --password-file). */
enum xchg_phase { PH_INIT, PH_AUTH, PH_DELETE, PH_EAP };

struct ikev2_eap; /* ikev2_eap.c: the EAP state (heap, wiped: it holds the MSK) */

/* IKE_AUTH state of one exchange (heap, only after an accepted IKE_SA_INIT). It owns copies of
 * everything it needs: the IKE_SA_INIT response as received (signed by the server's AUTH), the
 * keys (wiped on free) and the fragments received so far. Where it talks (UDP 4500 behind the
 * non-ESP marker after NAT was detected) is the exchange's u.port / u.natt. */
struct auth_ctx {
	uint64_t spi_r;
	struct ike2_keys keys;
	uint8_t init_resp[IKE2_MAX_MSG];
	size_t init_resp_len;
	size_t req_len;             /* the whole request (all fragments, non-ESP markers included) */
	unsigned req_frags;         /* RFC 7383 fragments it was sent in (0 = one message) */
	size_t certreq_hashes, certreq_real; /* root hashes listed; of those, the real roots */
	bool server_frag;           /* the server sent IKEV2_FRAGMENTATION_SUPPORTED */
	bool too_big;               /* ICMP "fragmentation needed"/"packet too big" after IKE_AUTH */
	size_t reply_bytes;
	unsigned nfrag_msgs;
	bool done_auth;
	bool server_proven;         /* the server's AUTH verified with a certificate Windows accepts (name, chain, dates) */
	uint32_t mid;               /* the message ID of the request outstanding (1: the first IKE_AUTH) */
	uint8_t init_req[IKE2_MAX_MSG]; /* our IKE_SA_INIT request as sent (our AUTH covers it) */
	size_t init_req_len;
	uint8_t nonce_r[256];
	size_t nonce_r_len;
	uint8_t idi[4 + 16];        /* our IDi payload body (ID type, 3 reserved, address) */
	size_t idi_len;
	struct ikev2_eap *eap;
	struct ike2_frag frag;
	uint8_t plain[IKE2_MAX_MSG];
	uint8_t whole[IKE2_FRAG_MAX_BYTES];
};

struct xchg {
	struct udpx u;              /* first: the socket, the message, its sends */
	enum xchg_kind kind;
	uint16_t init_port;         /* the port of its IKE_SA_INIT (u.port moves to 4500 for IKE_AUTH) */
	uint64_t spi;
	struct dh_key key;
	uint16_t ke_group;
	uint8_t nonce[256];
	size_t nonce_len;
	uint8_t cookie[IKEV2_MAX_COOKIE];
	size_t cookie_len;
	unsigned cookie_rounds, ke_rounds;
	bool answered;              /* any counted reply */
	unsigned nmalformed;        /* datagrams from the server that are not IKEv2 */
	unsigned nignored;          /* datagrams not counted as a reply */
	enum xchg_phase phase;
	struct auth_ctx *a;         /* PH_AUTH / PH_DELETE */
};

struct ike_state {
	struct udpx_group g;        /* first: the profile, the SPI key, the exchanges */
	struct xchg x[IKEV2_MAX_XCHG];
	bool alts_started;
	bool nat_recorded;
	bool auth_started;          /* one Windows-like IKE_AUTH per run */
	bool small_started;
	bool psk_started;           /* the X_PSK exchange, once per run */
	bool hashes_made;           /* the CERTREQ root hashes, made once per run */
	size_t nhash, nhash_real, nhash_filler;
	uint8_t hashes[20 * PROFILE_MAX_CERTREQ_HASHES];
};

/* ikev2.c */
bool ikev2_is_side(const struct xchg *x);
enum obs_kind ikev2_side_kind(const struct xchg *x);
const char *ikev2_side_what(const struct xchg *x);
/* ike-ms-status into o (not recorded): Microsoft's status notify n (value: its Win32 code, -1 none). */
void ikev2_ms_status(struct obs *o, const struct xchg *x, const struct ike2_notify *n);
/* The server's NAT-D in the IKE_SA_INIT response m that came from `from`: *client 1 when its
 * NAT_DETECTION_DESTINATION_IP does not match our address (0 when it does, -1 none); *server 1 when
 * none of its NAT_DETECTION_SOURCE_IP matches `from` (0 when one does, -1 none). Returns whether
 * m carries a NAT_DETECTION_DESTINATION_IP (of any length) or a usable NAT_DETECTION_SOURCE_IP. */
bool ikev2_natd(const struct xchg *x, const struct ike2_msg *m, const struct net_addr *from, int *client, int *server);
/* A new exchange of kind `kind` (NULL when no slot is free), and its start (keys, socket,
 * IKE_SA_INIT; x->ke_group when set, else the set's group). start returns 0 or -1 (recorded). */
struct xchg *ikev2_new_xchg(struct ike_state *st, enum xchg_kind kind, const struct profile_set *set, uint16_t port);
int ikev2_start_xchg(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x);
/* Sends x's message again (or first) and logs it. */
void ikev2_send(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x);
/* A datagram not counted as a reply (ike-ignored, noted up to IKEV2_NOTE_MAX times). */
void ikev2_ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		  const char *why);
/* Parses one datagram (the non-ESP marker when x->u.natt, then IKEv2). Returns a new message the
 * caller frees, whose pointers point into buf; NULL when it is not IKEv2 (recorded). */
struct ike2_msg *ikev2_parse(struct engine *e, struct probe_inst *pi, struct xchg *x, const uint8_t *buf, size_t len,
			     const struct net_addr *from);

/* ikev2_auth.c */
/* Derives the keys from the accepted IKE_SA_INIT m and sends IKE_AUTH. Returns 0 when x goes on. */
int ikev2_auth_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_msg *m, const struct net_addr *from);
/* One datagram in PH_AUTH / PH_DELETE (buf: lent for the call). Returns true when x is finished. */
bool ikev2_auth_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			 const uint8_t *buf, size_t len, const struct net_addr *from);
void ikev2_auth_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short);
void ikev2_auth_free(struct xchg *x);
/* Seals inner (first payload type `first`) as the next IKE_AUTH request (message a->mid + 1) into
 * x->u.pkt and sends it (phase PH_EAP). Returns 0 or -1. */
int ikev2_auth_next(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x, uint8_t first,
		    const uint8_t *inner, size_t ilen);
/* Deletes the IKE SA (INFORMATIONAL, the next message ID); its answer decides nothing. */
void ikev2_auth_delete(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x);

/* ikev2_auth.c, for the sign-ins (ikev2_eap.c, ikev2_psk.c): one observation of exchange X (texts
 * copied); and the verified last reply: KIND with the assigned address, then ike-child-refused
 * when ERR refuses the child SA. */
void ikev2_record(struct engine *e, struct probe_inst *pi, struct xchg *x, enum obs_kind kind, int64_t value,
		  int32_t code, const char *text, const char *evidence);
void ikev2_signed_in(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in,
		     const struct ike2_notify *err, enum obs_kind kind, int32_t code, const char *how, const char *what);

/* ikev2_eap.c: IKE_AUTH past the server's EAP request, as Windows' EAP-MSCHAPv2 client. */
/* The first IKE_AUTH reply in (lent for the call) asks for EAP: with --user and a password (and a
 * server Windows would trust), answers it and returns true (x goes on in PH_EAP); otherwise
 * records why not and returns false (the caller deletes the SA). */
bool ikev2_eap_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_inner *in);
/* A later IKE_AUTH reply (in lent for the call). */
void ikev2_eap_reply(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		     const struct ike2_inner *in);
/* An unprotected error notify n in answer to a later IKE_AUTH request. */
void ikev2_eap_plain_error(struct engine *e, struct probe_inst *pi, struct xchg *x, uint16_t type);
void ikev2_eap_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short);
/* What the outstanding PH_EAP request carries, for the packet log ("EAP-Response/Identity"). */
const char *ikev2_eap_what(const struct xchg *x);
void ikev2_eap_free(struct xchg *x);

/* ikev2_psk.c: IKE_AUTH with the pre-shared key (--psk-file), as a Windows IKEv2 PSK connection. */
/* The server refused the EAP IKE_AUTH of `like` with AUTHENTICATION_FAILED: with --psk-file, starts
 * the X_PSK exchange (once per run). Returns whether it started. */
bool ikev2_psk_start(struct engine *e, struct probe_inst *pi, struct ike_state *st, const struct xchg *like);
/* AUTH from the pre-shared key (RFC 7296 2.15) of x's exchange into out: ours (responder false:
 * our IKE_SA_INIT request, Nr, our IDi), or the one the server must send (responder true: its
 * IKE_SA_INIT response, our nonce, its IDr body idr[0..idr_len)). Returns its length or -1.
 * out is secret-derived: the caller wipes it. */
int ikev2_psk_auth(const struct engine *e, const struct xchg *x, bool responder, const uint8_t *idr, size_t idr_len,
		   uint8_t out[IKE2_MAX_PRF_LEN]);
/* The X_PSK IKE_AUTH reply (in lent for the call); an unprotected error notify instead; a stop. */
void ikev2_psk_reply(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in);
void ikev2_psk_plain_error(struct engine *e, struct probe_inst *pi, struct xchg *x, uint16_t type);
void ikev2_psk_incomplete(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *why);

#endif
