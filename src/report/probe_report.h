/* Renderers of a probe run: text for people, JSON (schema "vpndiag/1", docs/json.md), and the
 * monitoring-plugin line. They only format what the engine observed and the rules decided; the
 * knowledge base gives the titles of the predicted Windows errors.
 * Ownership: nothing is kept; the JSON object returned belongs to the caller (json_object_put). */
#ifndef VPNDIAG_REPORT_PROBE_REPORT_H
#define VPNDIAG_REPORT_PROBE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"

#define REPORT_SCHEMA "vpndiag/1"

/* Monitoring states (Nagios plugin convention). */
enum { REPORT_MON_OK = 0, REPORT_MON_WARNING = 1, REPORT_MON_CRITICAL = 2, REPORT_MON_UNKNOWN = 3 };

/* The exit code of `vpndiag probe` (cli.h): VD_EXIT_OK when every probed protocol works,
 * VD_EXIT_NOT_FOUND (1) when a protocol fails, VD_EXIT_UNKNOWN (3) otherwise. */
int report_exit_code(const struct engine_result *r, const struct diagnosis *d);

/* The whole report as one JSON object. with_packets adds "packets" (--verbose). kb may be NULL
 * (titles are then null). */
struct json_object *report_json(const struct engine_result *r, const struct diagnosis *d, const struct kb *kb,
				bool with_packets);

/* The text report: verdict table, findings with evidence and fixes, NAT, recommendation. */
void report_text(FILE *out, const struct engine_result *r, const struct diagnosis *d, const struct kb *kb,
		 bool colour);

/* The packets in the order sent and received, one line each (--verbose). */
void report_packets(FILE *out, const struct engine_result *r);

/* Writes "VPNDIAG STATE - ... | perfdata" and a newline; returns the monitoring state (0..3). */
int report_monitoring(FILE *out, const struct engine_result *r, const struct diagnosis *d);
/* The state alone (the same decision report_monitoring prints). */
int report_monitoring_state(const struct engine_result *r, const struct diagnosis *d);

#endif
