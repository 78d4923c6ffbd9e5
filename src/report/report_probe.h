/* Renderers of a probe run: text for people, JSON (schema "vpndiag/1", docs/json.md), and the
 * monitoring-plugin line. They only format what the engine observed and the rules decided
 * (verdicts, RTTs, exit code and monitoring state all come in struct diagnosis); the knowledge
 * base gives the titles of the predicted Windows errors.
 * Ownership: nothing is kept; the JSON object returned belongs to the caller (json_object_put). */
#ifndef VPNDIAG_REPORT_PROBE_H
#define VPNDIAG_REPORT_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "rules/rules.h"

#define REPORT_SCHEMA "vpndiag/1"

/* The whole report as one JSON object. with_packets adds "packets" (--verbose). kb may be NULL
 * (titles are then null). */
struct json_object *report_json(const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
				bool with_packets);

/* The text report: verdict table, findings with evidence and fixes, NAT, recommendation. */
void report_text(FILE *out, const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
		 bool colour);

/* The packets in the order sent and received, one line each (--verbose). */
void report_packets(FILE *out, const struct obs_result *r);

/* Writes "VPNDIAG STATE - ... | perfdata" and a newline; returns d->monitoring_state (0..3). */
int report_monitoring(FILE *out, const struct obs_result *r, const struct diagnosis *d);

#endif
