/* UDP exchanges driven by the engine loop, shared by the UDP probes (IKEv2, L2TP/IPsec), as
 * tcpconn is for the TCP ones. One struct udpx is one exchange with the target: a connected socket
 * to one port (on UDP 4500 every IKE message goes behind the non-ESP marker, wire/natt.h), the
 * message being sent (one datagram, or several fragments sent together), its sends and the
 * retransmit schedule of the client profile, and the time of its next retransmission or give-up.
 *
 * A probe keeps its exchanges in one array of its own struct whose FIRST member is a struct udpx
 * (so a struct udpx * converts to the probe's struct and back), and its state in a struct whose
 * FIRST member is a struct udpx_group (pi->state converts to it). The group then is the probe's
 * on_readable / on_deadline / finish (UDPX_CALLBACKS): it finds the exchange of a readable fd,
 * reads into its one receive buffer, drops what cannot be a reply (another source; a datagram
 * larger than the buffer: udp-truncated), retransmits, gives up, sets the instance's deadline and
 * hands the rest to the probe's callbacks (struct udpx_ops).
 * The records every UDP exchange makes are here too: send-failed, udp-icmp, udp-no-answer,
 * udp-truncated, nat-client / nat-server, and the "not counted as a reply" note.
 * Ownership: the group owns the profile, the SPI/cookie key and the receive buffer; each fd belongs
 * to its exchange and is closed by udpx_close (which the group calls for every exchange at the end). */
#ifndef VPNDIAG_PROBES_UDPX_H
#define VPNDIAG_PROBES_UDPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/spi.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "wire/wbuf.h"

/* Every buffer that holds a whole datagram is sized for the largest UDP payload (issue 11). */
#define UDPX_PKT_CAP 65536
#define UDPX_RX_CAP 65536
#define UDPX_MAX_FRAGS 16 /* datagrams of one message (RFC 7383 fragments) */
#define UDPX_MAX_READS 16 /* datagrams read per wake-up */
#define UDPX_NOTE_MAX 8u  /* udp-truncated observations per exchange (a flood) */

struct udpx_group;

struct udpx {
	struct udpx_group *g;
	const struct profile_set *set; /* the proposal set the observations name, or NULL */
	uint8_t id;                    /* its index in the group: the exchange id of spi_make */
	uint16_t port;                 /* the port it talks to now */
	bool natt;                     /* the non-ESP marker goes in front of every IKE message */
	bool active;
	bool doubling;                 /* waits 1 s, 2 s, 4 s ... instead of the profile's schedule */
	int fd;
	struct net_addr dst, local;    /* the target on port; our end of the socket */
	unsigned limit;                /* sends of one message before giving up */
	unsigned sends, total_sends;   /* of the current message; of the exchange */
	uint32_t first_send, last_send, next;
	unsigned ntruncated;
	size_t pkt_len;                /* the message in pkt (all its datagrams) */
	size_t nfrags;                 /* > 0: pkt holds nfrags datagrams of frag_len[i] bytes each */
	size_t frag_len[UDPX_MAX_FRAGS];
	uint8_t pkt[UDPX_PKT_CAP];
};

/* Loads the client profile into prof (the group's) and checks it has what the probe needs.
 * err/errlen is the group's buffer for the reason. Returns NULL, or why the probe cannot start. */
typedef const char *udpx_profile_fn(struct engine *e, struct profile *prof, char *err, size_t errlen);
/* A whole datagram from x's peer (address and port). buf is the group's receive buffer, lent for
 * the call only: the probe copies what it keeps. x belongs to the probe. Returns true when x is
 * finished (the group closes it). */
typedef bool udpx_datagram_fn(struct engine *e, struct probe_inst *pi, struct udpx *x, const uint8_t *buf,
			      size_t len, const struct net_addr *from);
/* An ICMP error on x's socket. rx is the group's, lent for the call. Returns true when x is finished. */
typedef bool udpx_icmp_fn(struct engine *e, struct probe_inst *pi, struct udpx *x, const struct net_rx *rx);
/* A datagram from another address or port than x's peer (never parsed); from is lent for the call. */
typedef void udpx_foreign_fn(struct engine *e, struct probe_inst *pi, struct udpx *x, const struct net_addr *from);
/* x's next retransmission is due and it has sends left: the probe sends its message again
 * (udpx_send) and logs it. No buffer changes hands. */
typedef void udpx_resend_fn(struct engine *e, struct probe_inst *pi, struct udpx *x);
/* x is given up: no answer after its last send (cut_short: the run's bound ended it first). The
 * probe records what is outstanding; the group closes x afterwards. */
typedef void udpx_give_up_fn(struct engine *e, struct probe_inst *pi, struct udpx *x, bool cut_short);
/* x is being closed (also when it never started; maybe more than once): the probe frees and wipes
 * what it keeps for x. x->fd is still open, x->active still as it was. */
typedef void udpx_closing_fn(struct engine *e, struct probe_inst *pi, struct udpx *x);

struct udpx_ops {
	unsigned proto;         /* KB_P_* of the observations */
	const char *title;      /* "IKEv2": "the IKEv2 probe could not start: ..." */
	const char *key_name;   /* "SPI": "no SPI key" */
	size_t state_size;      /* of the probe's state (wiped and freed at the end) */
	size_t slot_size;       /* of the probe's exchange struct */
	udpx_profile_fn *profile;
	udpx_datagram_fn *datagram;
	udpx_icmp_fn *icmp;
	udpx_foreign_fn *foreign;
	udpx_resend_fn *resend;
	udpx_give_up_fn *give_up;
	udpx_closing_fn *closing;
};

struct udpx_group {
	const struct udpx_ops *ops;
	struct profile *prof;
	struct spi_key key;
	bool have_key;
	void *slots;            /* the probe's array of exchanges (struct udpx first in each) */
	size_t cap, n;
	char err[300];
	uint8_t rx[UDPX_RX_CAP]; /* one received datagram */
};

/* The group as the probe module's callbacks (pi->state is the probe's state, the group first). */
#define UDPX_CALLBACKS .on_readable = udpx_on_readable, .on_deadline = udpx_on_deadline, .finish = udpx_finish

/* Sets up g (the first member of the probe's state st, calloc'ed) for the cap exchanges in slots:
 * allocates and loads the profile (ops->profile) and the key from the engine's secret. Returns 0;
 * or -1 when the probe cannot start, recorded as send-failed (not when out of memory); then the
 * caller frees st. */
int udpx_group_start(struct udpx_group *g, struct engine *e, struct probe_inst *pi, const struct udpx_ops *ops,
		     void *slots, size_t cap);
/* Allocates the probe's state (ops->state_size bytes, zeroed; a struct udpx_group first, then at
 * slots_off the array of cap exchanges) and starts its group (udpx_group_start): pi->state. NULL
 * when the probe cannot start (recorded, except out of memory). */
void *udpx_probe_new(struct engine *e, struct probe_inst *pi, const struct udpx_ops *ops, size_t slots_off, size_t cap);
/* A new exchange (zeroed, fd -1, not active), or NULL when all cap are in use. */
struct udpx *udpx_new(struct udpx_group *g, const struct profile_set *set);
/* Sets the instance's deadline to the earliest of the active exchanges; engine_done when none is. */
void udpx_group_deadline(struct udpx_group *g, struct probe_inst *pi);
void udpx_on_readable(struct engine *e, struct probe_inst *pi, int fd);
void udpx_on_deadline(struct engine *e, struct probe_inst *pi);
void udpx_finish(struct engine *e, struct probe_inst *pi, bool timed_out);

/* Opens x's socket to the target on port and watches it. Returns 0, or -1 with the reason in *why. */
int udpx_open(struct udpx *x, struct engine *e, struct probe_inst *pi, uint16_t port, const char **why);
/* Moves x to a new socket to port (the old one is closed), natt from then on. Returns 0, or -1
 * with the reason in *why (x unchanged, its old socket still open). */
int udpx_reopen(struct udpx *x, struct engine *e, struct probe_inst *pi, uint16_t port, bool natt, const char **why);
/* Unwatches and closes x's socket (x stays as it is otherwise). */
void udpx_close_fd(struct udpx *x, struct engine *e);
/* Ends x: the probe's closing callback, then not active and its socket closed. */
void udpx_close(struct udpx *x, struct engine *e, struct probe_inst *pi);

/* A writer over x->pkt positioned after the non-ESP marker when x->natt (one datagram: nfrags 0). */
void udpx_begin(struct udpx *x, struct wbuf *w);
/* Sends the message in x->pkt (all its datagrams), counts the send and sets x->next by the
 * schedule. Returns 0, or the errno of a failed send (a queued ICMP error, ECONNREFUSED, is read
 * from the error queue instead, so it counts as sent). */
int udpx_send(struct udpx *x, struct engine *e);

/* An observation of kind about x: proto, port, non-ESP marker, proposal set. */
void udpx_obs(struct obs *o, enum obs_kind kind, const struct udpx *x);
/* send-failed: could not send `what` (err: an errno). */
void udpx_send_failed(struct udpx *x, struct engine *e, struct probe_inst *pi, const char *what, int err);
/* udp-icmp into o (not recorded): the ICMP error after `what` (code: ICMP type, value: ICMP code). */
void udpx_icmp_obs(struct obs *o, enum obs_kind kind, const struct udpx *x, const struct net_rx *rx, const char *what);
/* Logs the ICMP error of rx for x. */
void udpx_icmp_log(struct udpx *x, struct engine *e, struct probe_inst *pi, const struct net_rx *rx);
/* udp-no-answer: no answer to x->total_sends `what`s (an "s" is added for more than one). */
void udpx_no_answer(struct udpx *x, struct engine *e, struct probe_inst *pi, const char *what, bool cut_short);
/* nat-client / nat-server (kind) with value nat; evidence: before, the address a, after. */
void udpx_nat(struct udpx *x, struct engine *e, struct probe_inst *pi, enum obs_kind kind, bool nat,
	      const struct net_addr *a, const char *before, const char *after);
/* A datagram from `from` that is not counted as a reply: logged; while ++*count <= max also an
 * observation of kind (value: the count, code, text: why). */
void udpx_ignored(struct udpx *x, struct engine *e, struct probe_inst *pi, enum obs_kind kind, unsigned *count,
		  unsigned max, int32_t code, const struct net_addr *from, const char *why);

#endif
