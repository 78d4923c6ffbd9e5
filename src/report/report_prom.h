/* The Prometheus text exposition format (version 0.0.4) of a probe run, for `vpndiag exporter`'s
 * /probe, and of the exporter's own counters, for its /metrics. Format only, like report_probe.h:
 * every number comes from the observation model and the diagnosis (struct diagnosis: verdicts,
 * Windows errors, findings, RTTs, NAT, the exit code).
 *
 * Metric names follow Prometheus' conventions (a vpndiag_ prefix, base units: seconds, Unix
 * timestamps in seconds; one HELP and one TYPE line per family, a family's samples together).
 * Label values are escaped as the format says (backslash, double quote, line feed); a byte that is
 * not valid UTF-8 becomes U+FFFD. Ownership: nothing is kept. */
#ifndef VPNDIAG_REPORT_PROM_H
#define VPNDIAG_REPORT_PROM_H

#include <stdint.h>
#include <stdio.h>

#include "obs/obs.h"
#include "rules/rules.h"

#define REPORT_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One address's diagnosis d of result r. */
void report_prom(FILE *out, const struct obs_result *r, const struct diagnosis *d);
/* The name-level diagnosis of a name with one or more addresses (rules_name_evaluate): verdicts,
 * errors, findings, NAT from nd->name; the certificate expiry gauge is the earliest notAfter of
 * that protocol's certificate over the addresses a Windows client may reach. */
void report_prom_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd);

/* Writes s as the inside of a label value (no quotes around it). */
void report_prom_escape(FILE *out, const char *s);

/* The exporter's own state, for /metrics. */
#define REPORT_PROM_NBUCKETS 8
extern const double report_prom_buckets[REPORT_PROM_NBUCKETS]; /* seconds, ascending; +Inf implied */
struct report_prom_exporter {
	uint64_t probes;                   /* probes run to the end (any verdict) */
	uint64_t probe_errors;             /* probes that ended in a local error (HTTP 500) */
	uint64_t refused_forbidden;        /* 403: the target is not allowed (--allow) */
	uint64_t refused_busy;             /* 503: no probe slot within the scrape's time */
	uint64_t refused_bad_request;      /* 400: no or bad target, unknown module or protocol */
	uint64_t requests;                 /* every HTTP request answered */
	unsigned in_flight, max_in_flight; /* probes running now; the bound (--max-probes) */
	uint64_t duration_bucket[REPORT_PROM_NBUCKETS]; /* probes that took <= report_prom_buckets[i] (cumulative) */
	double duration_sum;               /* seconds, every probe run */
	double start_time;                 /* Unix seconds */
	uint64_t rss_bytes;                /* resident memory now (0: unknown, left out) */
};
void report_prom_exporter(FILE *out, const struct report_prom_exporter *s);

#endif
