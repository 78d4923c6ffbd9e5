/* `vpndiag scan` (issue 16; the "scan mode" of shared/DESIGN.md): every IKEv2 responder of a
 * target space, stateless, with the Windows verdict per responder.
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
