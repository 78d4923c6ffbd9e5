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

/* ---- a name with several addresses (issue 13): the name-level verdicts (nd->name) first, then
 * each address. With one address (or a name that did not resolve) each prints exactly what the
 * single-address renderer above prints for n->target[0]. */

/* The JSON above for the name, plus "targets": one object per address in Windows' order
 * ({address, family, windows_order, reached, protocols, nat, findings, observations[, packets]});
 * name-level findings found on one address carry "address". */
struct json_object *report_json_name(const struct obs_name *n, const struct name_diagnosis *nd, const struct kb *kb,
				     bool with_packets);
/* The text report with the name-level verdict table, then one line per address. */
void report_text_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd, const struct kb *kb,
		      bool colour);
/* The packets of each address, under a line naming it. */
void report_packets_name(FILE *out, const struct obs_name *n);
/* The monitoring line of the name-level state; a protocol whose verdict differs between addresses
 * gets "; KEY per address: IPv6 ADDR fails 809, IPv4 ADDR works". Returns the name-level state. */
int report_monitoring_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd);

#endif
