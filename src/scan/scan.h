/* `vpndiag scan` (issue 16; the "scan mode" of shared/DESIGN.md): every IKEv2 and IKEv1 (L2TP/IPsec)
 * responder of a target space, stateless, with the Windows verdict per responder and protocol.
 *
 * One thread, one loop of its own (not the probe engine's: the engine keeps state per target and
 * per probe instance, which a scan of millions of silent addresses must not): each turn drains the
 * receive side (recvmmsg, non-blocking, one socket per family) and then sends one batch (sendmmsg,
 * up to SCAN_BATCH datagrams) as far as the token bucket allows; poll() sleeps until the next
 * token or a reply. Receiving first keeps the socket buffer short, so replies are not lost to a
 * full buffer while we send; on 2 shared cores a second thread would only compete for the CPU.
 *
 * Every request is the IKEv2 probe's IKE_SA_INIT (probes/ikev2_reply.h ikev2_build_request, the
 * profile's default set), built once as a template; per target only the initiator SPI (SipHash of
 * (target, port, probe) under a per-scan key, crypto/spi.h) and the two NAT-D hashes that cover it
 * are written in. The KE public value and the nonce are made once per scan and reused: no IKE SA
 * is ever completed, so nothing depends on them being fresh.
 *
 * A datagram counts only as the probe counts one (scan_reply_check): it parses as IKEv2, comes from
 * a target's address and port 500, carries the SPI we sent to exactly that (address, port), the
 * response flag, IKE_SA_INIT message 0, and a non-zero responder SPI (zero only in a notify-only
 * error or COOKIE reply, RFC 7296 2.6). Our own request reflected back never counts.
 *
 * L2TP/IPsec (--protocols l2tp): the L2TP probe's Main Mode 1 (probes/l2tp_reply.h l2tp_build_mm1,
 * the profile's default set and vendor IDs), also a template; per target only the initiator cookie
 * (SipHash of (target, port, SCAN_PROBE_L2TP, set index)) is written in. With --aggressive also our
 * Aggressive Mode 1 (cookie with SCAN_PROBE_AM; the ID is our address, so one template per family).
 * Both go to the same UDP 500 and the same socket as the IKEv2 request; a reply is told apart by
 * its version byte and counts only as the L2TP probe counts one (scan_reply1_check:
 * ike1_reply_classify, our cookie, a non-zero responder cookie except on an Informational, so our
 * own MM1 reflected never counts). A NO-PROPOSAL-CHOSEN is followed, per responder only, by an MM1
 * with each further profile set, as the probe does, so that the same rules tell a proposal
 * mismatch from a server without IKEv1 PSK. An MM2 to Windows' set is followed, per responder, by
 * the probe's MM3 (l2tp_build_mm3: KE of the chosen group, made once per scan and group, a nonce
 * made once per scan, NAT-D over both cookies), whose MM4 brings the server's NAT-D: whether the
 * server is behind NAT (809 without AssumeUDPEncapsulationContextOnSendRule). Then a clear
 * Informational Delete, as the probe sends without a key. No key is used: MM5/MM6 never.
 *
 * State: none per target; per responder (struct in scan.c) only. Retries are whole passes over
 * the permutation that skip the responders already found. */
#ifndef VPNDIAG_SCAN_H
#define VPNDIAG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/spi.h"
#include "net/net.h"
#include "profile/profile.h"
#include "scan/scan_targets.h"
#include "wire/ikev1.h"
#include "wire/ikev2.h"

#define SCAN_BATCH 64                  /* datagrams per sendmmsg / recvmmsg */
#define SCAN_RATE_DEFAULT 1000u        /* packets/s: about 7 Mbit/s of Windows-sized IKE_SA_INIT */
#define SCAN_RATE_CAP 100000u          /* the most without --rate-unlimited */
#define SCAN_TIMEOUT_DEFAULT_MS 2000u  /* the wait after the last send */
#define SCAN_RETRIES_DEFAULT 1u
#define SCAN_RETRIES_MAX 10u
#define SCAN_PKT_MAX 2048              /* the request (about 880 bytes for Windows' default set) */
#define SCAN_PROBE_ID 0x53             /* the probe field of spi_make for scan requests */
#define SCAN_IKE_PORT 500
#define SCAN_PROBE_L2TP 0x54           /* ... of an IKEv1 Main Mode 1 (attempt: the profile set's index) */
#define SCAN_PROBE_AM 0x55             /* ... of our Aggressive Mode 1 (--aggressive) */

/* With --deep the responder lines are not printed but handed, one by one as they are decided, to
 * emit (line: the JSON object or the text line, without newline; proto: KB_P_IKEV2 / KB_P_L2TP),
 * and the summary is left to the caller (scan_out_summary). */
typedef void scan_emit_fn(void *ctx, const struct net_addr *a, unsigned proto, const char *line);

struct scan_opts {
	struct scan_space *space;            /* finalized */
	uint64_t seed;
	unsigned shard, nshards;             /* 0-based shard of nshards */
	uint32_t rate;                       /* packets/s; 0 = unlimited (--rate-unlimited) */
	unsigned retries;                    /* passes after the first */
	uint32_t timeout_ms;                 /* wait after the last send */
	uint32_t retry_gap_ms;               /* a pass starts at least this long after the previous one began */
	const struct profile_choice *profile; /* NULL: the default Windows client */
	uint16_t port;                       /* 500 (tests may change it) */
	bool json;
	bool progress;                       /* a progress line on err (the CLI: only when it is a terminal) */
	FILE *out, *err;
	const uint8_t *key;                  /* tests: a fixed SPI key (SPI_KEY_LEN bytes); NULL = random */
	unsigned protocols;                  /* KB_P_IKEV2 and/or KB_P_L2TP; 0 = KB_P_IKEV2 */
	bool aggressive;                     /* also our IKEv1 Aggressive Mode 1 (a security check; l2tp) */
	scan_emit_fn *emit;                  /* NULL: print on out (and the summary at the end) */
	void *emit_ctx;
};

struct scan_stats {
	uint64_t targets;       /* in the space (this shard) */
	uint64_t excluded;      /* skipped by the exclude list */
	uint64_t sent;          /* datagrams sent (all passes, follow-ups included) */
	uint64_t send_errors;   /* datagrams the kernel refused (after retrying EAGAIN/ENOBUFS) */
	uint64_t received;      /* datagrams read */
	uint64_t ignored;       /* read but not counted (not IKEv2, wrong SPI, reflected, duplicate) */
	uint64_t responders;
	uint64_t drops_socket;  /* SO_RXQ_OVFL: datagrams the kernel dropped on our sockets */
	int64_t drops_udp;      /* /proc/net/snmp Udp RcvbufErrors (+ Udp6) during the scan, -1 unknown */
	uint32_t duration_ms;
	uint32_t send_ms;       /* first to last send of the first pass (the sweep) */
	double rate_pps;        /* the first pass's requests / send_ms */
	uint64_t seed;
	bool interrupted;
	uint64_t tcp_silent;    /* TCP sweep (sstp, pptp): connects without an answer (or ICMP errors) */
};

/* Runs the scan. Returns 0, or -1 with a message in err (could not start: no socket, no profile).
 * Responders are printed on o->out as they are decided, the summary at the end. */
int scan_run(const struct scan_opts *o, struct scan_stats *st, char *err, size_t errlen);

/* ---- the parts unit tests check ---- */

/* What a received datagram is (scan_reply_check). */
enum scan_reply {
	SCAN_R_NOT_IKE = 0,   /* does not parse as IKEv2 */
	SCAN_R_NOT_OURS,      /* not the SPI we sent to that address and port (spoofed, stray, another port) */
	SCAN_R_REFLECTED,     /* no response flag: our own request (or another request) */
	SCAN_R_IGNORED,       /* another exchange or message id, or a zero responder SPI in an answer */
	SCAN_R_COOKIE,        /* N(COOKIE) */
	SCAN_R_ERROR,         /* an error notify (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD...) */
	SCAN_R_INCOMPLETE,    /* the server's answer, but not a valid one (no proposal, KE, nonce) */
	SCAN_R_ACCEPT         /* a proposal, KE and nonce: accepted */
};
/* Classifies buf (len bytes) from `from` as an answer to a scan request sent to port: m is filled
 * (pointers into buf) when the result is not SCAN_R_NOT_IKE. Pure. */
enum scan_reply scan_reply_check(const struct spi_key *k, const struct net_addr *from, uint16_t port, const uint8_t *buf,
				 size_t len, struct ike2_msg *m);

/* What an IKEv1 datagram is (scan_reply1_check): the result (NOT_IKE: not ISAKMP; NOT_OURS: not
 * a cookie we sent to that address and port; REFLECTED: our cookie with a zero responder cookie;
 * IGNORED: ours but not an answer the request waits for; ERROR: an Informational error notify;
 * ACCEPT: an MM2 with one transform, or an Aggressive Mode 2 with HASH_R), which request it
 * answers (am, or the Main Mode set index), and the error notify. Pure. */
struct scan_reply1 {
	bool am;
	bool mm4;   /* an MM4 (KE, Nr) to our MM3: only when mm4_cky_r was given */
	unsigned set;
	const struct ike1_notify_pl *notify;
};
/* mm4_cky_r: the responder cookie of the MM2 we answered with MM3 (then a Main Mode reply with set
 * 0's cookie must be that MM4), or NULL (waiting for MM2). */
enum scan_reply scan_reply1_check(const struct spi_key *k, const struct net_addr *from, uint16_t port, unsigned nsets,
				  const uint8_t *mm4_cky_r, const uint8_t *buf, size_t len, struct ike1_msg *m,
				  struct scan_reply1 *out);
/* The initiator cookie of a scan request to dst:port (probe SCAN_PROBE_L2TP with the set index, or
 * SCAN_PROBE_AM) into cky; false when there is none. */
bool scan_cookie1(const struct spi_key *k, const struct net_addr *dst, uint16_t port, bool am, unsigned set,
		  uint8_t cky[8]);

/* The request template: the IKE_SA_INIT with the SPI and NAT-D hashes left to scan_tmpl_fill. */
struct scan_tmpl {
	uint8_t pkt[SCAN_PKT_MAX];
	size_t len;
	size_t natd_src_off, natd_dst_off;  /* 0: the profile sends no NAT-D */
	uint16_t port;
	struct net_addr local[2];           /* our address (and port) for IPv4 [0] and IPv6 [1] */
};
/* Builds t from profile p's default set, KE ke (ke_len bytes of group ke_group), nonce; the local
 * addresses are set by the caller before scan_tmpl_fill. Returns 0, or -1 with err. */
int scan_tmpl_build(struct scan_tmpl *t, const struct profile *p, uint16_t port, const uint8_t *ke, size_t ke_len,
		    const uint8_t *nonce, size_t nonce_len, char *err, size_t errlen);
/* The request for dst (port t->port) into out (t->len bytes): the template with its SPI and NAT-D.
 * Returns the SPI (0 on failure). */
uint64_t scan_tmpl_fill(const struct scan_tmpl *t, const struct spi_key *k, const struct net_addr *dst, uint8_t *out);

#endif
