/* report/report_local.h: `vpndiag local` (issue 15) as text for people and as JSON (schema
 * docs/local-json.md, "vpndiag-local/1"): the connections, services, registry values, recent
 * errors and findings of this PC. Format only: the findings come from local/local_rules.c.
 * The probe reports of the connections' servers (--probe) are the caller's: it prints them with
 * report_probe.h and adds them to the JSON under "probes". */
#ifndef VPNDIAG_REPORT_LOCAL_H
#define VPNDIAG_REPORT_LOCAL_H

#include <stdbool.h>
#include <stdio.h>

#include "kb/kb.h"
#include "local/fix.h"
#include "local/local_rules.h"

struct json_object;

/* kb may be NULL (titles left out). */
void report_local_text(FILE *out, const struct local_pc *pc, const struct local_diag *d, const struct kb *kb, bool colour);
/* A new JSON object (caller puts it): the whole local report. */
struct json_object *report_local_json(const struct local_pc *pc, const struct local_diag *d, const struct kb *kb);

/* The plan of `vpndiag fix`: one numbered line per action with its exact command. */
void report_fix_plan(FILE *out, const struct fix_plan *p);

#endif
