/* Rules: the observations of a probe run in, findings and one verdict per Windows protocol out.
 * Pure and table-driven (rules.c): no I/O, no clock, no globals; unit-tested with hand-made
 * observations (tests/unit/test_rules.c).
 *
 * VERDICT POLICY: a wrong "works" is the worst bug this tool can have. A protocol is `works` only
 * when every step the Windows client takes was checked; with only IKE_SA_INIT checked, IKEv2 is
 * `unknown` (saying what is not yet checked). A protocol without a probe is `not probed`. */
#ifndef VPNDIAG_RULES_H
#define VPNDIAG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "proto/proto.h"

enum verdict { VERDICT_NOT_PROBED, VERDICT_WORKS, VERDICT_FAILS, VERDICT_UNKNOWN };
enum severity { SEV_INFO, SEV_WARNING, SEV_FAILURE };

#define RULES_MAX_FINDINGS 32
#define RULES_MAX_EVIDENCE 8
#define RULES_MAX_FIXES 4
#define RULES_CAUSE_MAX 40

struct rules_fix {
	char text[440];
	char command[600]; /* "" when none */
};

struct finding {
	char cause[RULES_CAUSE_MAX]; /* stable id from data/README.md "Cause ids that probes confirm" */
	char address[OBS_ADDRSTRLEN]; /* the name-level diagnosis (rules_name.c): the address it was found
				       * on; "" for the name itself and in a single address's diagnosis */
	unsigned proto;              /* the KB_P_* bit it is about */
	enum verdict verdict;        /* what it implies: VERDICT_FAILS, or VERDICT_UNKNOWN (no effect) */
	enum severity severity;
	uint32_t windows_error;      /* predicted error (exists in the knowledge base), 0 = none */
	enum kb_basis basis;
	char summary[320];
	size_t nevidence;
	char evidence[RULES_MAX_EVIDENCE][320];
	size_t nfixes;
	struct rules_fix fixes[RULES_MAX_FIXES];
};

struct proto_verdict {
	enum verdict verdict;
	uint32_t windows_error;      /* 0 = null */
	char cause[RULES_CAUSE_MAX]; /* "" = null */
	char summary[480];
	int finding;                 /* index of the deciding finding, -1 */
	bool checks_passed;          /* VERDICT_UNKNOWN, but every check that was made passed */
	int64_t rtt_ms;              /* round trip to the protocol's own port (UDP) or TCP connect time; -1 none */
};

struct diagnosis {
	size_t nf;
	struct finding f[RULES_MAX_FINDINGS];
	struct proto_verdict p[PROTO_COUNT]; /* indexed like proto_table */
	int nat_client;              /* -1 unknown, 0 no, 1 yes */
	int nat_server;
	int recommended;             /* protocol index, -1 when none is known to work */
	/* The result step (rules_result.c), so that renderers only format: */
	bool dns_failed;             /* the name did not resolve */
	int exit_code;               /* `vpndiag probe`'s: VD_EXIT_OK, _NOT_FOUND, _USAGE (868), _UNKNOWN */
	int monitoring_state;        /* VD_MON_OK, _WARNING, _CRITICAL, _UNKNOWN */
};

/* Runs every rule over r (one address's result), then the result step. Pure. */
void rules_evaluate(const struct obs_result *r, struct diagnosis *d);
/* The result step: per-protocol RTTs, the exit code and the monitoring state, from r and the
 * verdicts already in d (rules_evaluate calls it last). */
void rules_result(const struct obs_result *r, struct diagnosis *d);

/* The exit code and monitoring state from the verdicts and findings in d (and d->dns_failed). */
void rules_result_codes(struct diagnosis *d);

/* ---- the name layer (rules_name.c, issue 13) ----
 * A name with several addresses: each address's result gets its own diagnosis (rules_evaluate,
 * unchanged); the name-level diagnosis is what the Windows client would reach:
 *  - Windows' order: RFC 6724 destination address selection with the default policy table (which
 *    Windows uses [D]: IPv6 global unicast before IPv4, IPv4 before 6to4, ULA, Teredo...), for a PC
 *    with IPv4 and global IPv6; within one precedence the resolver's order (which round-robin DNS
 *    rotates from one query to the next [D]).
 *  - No fallback to the next address is assumed [I]: no source says the RAS client tries another
 *    address when the first fails.
 *  - The addresses a common client may reach: Windows' first, every address of the same
 *    precedence (DNS rotation), and every IPv4 address (a PC without IPv6 uses only those).
 * Per protocol: `works` when every reachable address works; otherwise the first reachable address
 * in Windows' order that fails (`fails`, its error) or is undecided (`unknown`). A protocol that
 * works on one family and fails on the other also gets its own finding (ipv6-path-fails /
 * ipv4-path-fails) with the firewall fix. With one address the name-level diagnosis is that
 * address's, unchanged. */
struct name_diagnosis {
	size_t n;                              /* addresses (= the obs_name's ntargets) */
	struct diagnosis *d[OBS_MAX_TARGETS];  /* per address, rules_evaluate of target[i] */
	size_t order[OBS_MAX_TARGETS];         /* Windows' order: order[0] is the address it tries first */
	int family[OBS_MAX_TARGETS];           /* 4 or 6 */
	int precedence[OBS_MAX_TARGETS];       /* RFC 6724 default policy table */
	bool reached[OBS_MAX_TARGETS];         /* a common Windows client may connect to it */
	struct diagnosis name;                 /* the name-level verdicts, findings, exit code, monitoring */
};

/* Windows' order of n addresses (text) into order[0..n): stable, by RFC 6724 precedence; also fills
 * family[] and precedence[] (each array has room for n). Pure. */
void rules_name_order(const char (*addrs)[OBS_ADDRSTRLEN], size_t n, size_t *order, int *family, int *precedence);
/* The name-level diagnosis (nd->name, order, family, reached) from nd->d[0..n) and the addresses
 * names->addrs (the obs_name's name result; target i probed addrs[i]). Pure. */
void rules_name_combine(const struct obs_result *names, struct name_diagnosis *nd);
/* Allocates nd->d[] and runs rules_evaluate on each target, then rules_name_combine. Returns 0, or
 * -1 when out of memory. Free with rules_name_free either way. */
int rules_name_evaluate(const struct obs_name *n, struct name_diagnosis *nd);
void rules_name_free(struct name_diagnosis *nd);

const char *rules_verdict_name(enum verdict v);   /* "works" "fails" "unknown" "not probed" */
const char *rules_severity_name(enum severity s); /* "info" "warning" "failure" */

/* The rule table, for tests and docs: every cause id and the Windows error it predicts. */
struct rules_row {
	const char *cause;
	unsigned protos;          /* KB_P_* bits */
	uint32_t windows_error;   /* 0 = none */
	enum kb_basis basis;
	enum severity severity;
};
size_t rules_table(const struct rules_row **rows);

#endif
