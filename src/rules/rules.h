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

/* Runs every rule over r, then the result step. Pure. */
void rules_evaluate(const struct obs_result *r, struct diagnosis *d);
/* The result step: per-protocol RTTs, the exit code and the monitoring state, from r and the
 * verdicts already in d (rules_evaluate calls it last). */
void rules_result(const struct obs_result *r, struct diagnosis *d);

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
