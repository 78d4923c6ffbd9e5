/* local/local_rules.h: this PC's state (local.h) in, findings out (issue 15). Pure: no I/O, no
 * clock (pc->now), unit-tested with hand-made PCs on Linux. Each finding names its basis, and the
 * Windows error it predicts or that the event log reported; a finding whose fix is a change on
 * this PC carries that change as a fix action (fix.h), which `vpndiag fix` applies. */
#ifndef VPNDIAG_LOCAL_RULES_H
#define VPNDIAG_LOCAL_RULES_H

#include "local/fix.h"
#include "local/local.h"

enum local_sev { LOCAL_INFO, LOCAL_WARNING, LOCAL_FAILURE };

struct local_finding {
	char cause[40];           /* stable id (docs/local.md) */
	char conn[PBK_NAME_MAX];  /* the connection it is about; "" = the whole PC */
	enum local_sev sev;
	uint32_t windows_error;   /* predicted (or, for an event, reported) error; 0 = none */
	enum kb_basis basis;
	char summary[400];
	char evidence[2][320];
	size_t nevidence;
	char fix[440];            /* "" = none */
	bool has_action;
	struct fix_action action;
};

/* What a probe of a connection's server found that a local rule needs (cli fills it from the
 * probe's diagnosis): -1 = unknown / not probed. */
struct local_probe_facts {
	bool probed;
	int nat_client, nat_server;   /* as the L2TP/IKE exchange's NAT-D showed */
	bool l2tp_probed;
	/* the probe's own findings' fix commands that are registry changes on this PC, already parsed
	 * (fix_from_command), with the finding's cause, error and summary */
	struct fix_action reg_fix[4];
	uint32_t reg_fix_error[4];
	size_t nreg_fix;
};

#define LOCAL_MAX_FINDINGS 96

struct local_diag {
	struct local_finding f[LOCAL_MAX_FINDINGS];
	size_t n;
	size_t dropped; /* findings over LOCAL_MAX_FINDINGS */
};

/* facts: one per pc->conns[i], or NULL when nothing was probed. */
void local_rules(const struct local_pc *pc, const struct local_probe_facts *facts, struct local_diag *d);

/* The fix plan: every finding's action, then fix_plan_finish. */
void local_rules_plan(const struct local_pc *pc, const struct local_diag *d, struct fix_plan *p);

const char *local_sev_name(enum local_sev s); /* "info" "warning" "failure" */
/* The event stage's name: 20221 "dialing started"... */
const char *local_stage_name(unsigned id);

/* Parses the first line of a fix command of the form
 *   reg add "HKLM\<key>" /v <value> /t REG_DWORD /d <n> /f
 * (quotes optional, HKLM or HKEY_LOCAL_MACHINE) whose key and value are in local_reg_defs, into a
 * FIX_SET_DWORD action. Returns true when it is one. Pure. */
bool fix_from_command(const char *cmd, struct fix_action *a);

#endif
