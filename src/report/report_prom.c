/* Prometheus text exposition of a probe run and of the exporter (see report_prom.h). */
#include "report/report_prom.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "kb/kb.h"
#include "util/exit.h"

const double report_prom_buckets[REPORT_PROM_NBUCKETS] = {0.25, 0.5, 1, 2, 5, 10, 30, 60};

/* ---------------------------------------------------------------- escaping */

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not valid
 * (truncated, a stray continuation byte, overlong, a surrogate, past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Label values escape \ " and line feed; HELP text escapes \ and line feed only. */
static void escape(FILE *out, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		size_t k = utf8_len(p, n);
		if (k == 0) {
			fputs("\xef\xbf\xbd", out); /* U+FFFD for a byte that is not UTF-8 */
			p++;
			n--;
			continue;
		}
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '"' && quote)
			fputs("\\\"", out);
		else
			fwrite(p, 1, k, out);
		p += k;
		n -= k;
	}
}

void report_prom_escape(FILE *out, const char *s)
{
	escape(out, s, true);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	escape(out, help, false);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

/* Seconds from milliseconds, exactly (no float rounding in the text). */
static void ms_value(FILE *out, uint64_t ms)
{
	fprintf(out, "%" PRIu64 ".%03u\n", ms / 1000u, (unsigned)(ms % 1000u));
}

/* ---------------------------------------------------------------- a probe run */

static const char *proto_key(unsigned bit)
{
	int i = proto_index_of_bit(bit);
	return i >= 0 ? proto_table[i].key : "";
}

/* What the formatter reads: the diagnosis to report, and the results whose certificates count. */
struct prom_in {
	const struct diagnosis *d;
	uint32_t elapsed_ms, timeout_ms;
	bool dns_failed;
	size_t naddrs;                        /* addresses probed */
	const struct obs_result *const *res;  /* the results the certificate gauge reads */
	size_t nres;
};

static void verdicts(FILE *out, const struct diagnosis *d)
{
	static const enum verdict order[] = {VERDICT_WORKS, VERDICT_FAILS, VERDICT_UNKNOWN, VERDICT_NOT_PROBED};
	family(out, "vpndiag_protocol_verdict", "gauge",
	       "The verdict per protocol as the Windows built-in client would get it: 1 for the verdict, 0 for the "
	       "others (works: every step checked and passed; unknown: not every step could be checked).");
	for (int i = 0; i < PROTO_COUNT; i++)
		for (size_t v = 0; v < sizeof order / sizeof order[0]; v++)
			fprintf(out, "vpndiag_protocol_verdict{protocol=\"%s\",verdict=\"%s\"} %d\n", proto_table[i].key,
				rules_verdict_name(order[v]), d->p[i].verdict == order[v]);
	family(out, "vpndiag_protocol_windows_error", "gauge",
	       "The Windows error the client would show for this protocol (RAS/Win32 codes in decimal, HRESULTs as "
	       "unsigned 32-bit numbers), 0 when none is predicted; probed protocols only.");
	for (int i = 0; i < PROTO_COUNT; i++)
		if (d->p[i].verdict != VERDICT_NOT_PROBED)
			fprintf(out, "vpndiag_protocol_windows_error{protocol=\"%s\"} %" PRIu32 "\n", proto_table[i].key,
				d->p[i].windows_error);
}

static bool same_labels(const struct finding *a, const struct finding *b)
{
	return a->proto == b->proto && a->severity == b->severity && a->basis == b->basis && strcmp(a->cause, b->cause) == 0;
}

static void findings(FILE *out, const struct diagnosis *d)
{
	family(out, "vpndiag_finding", "gauge",
	       "One series per finding of the diagnosis (the cause ids of data/README.md), with its severity and the "
	       "basis of the claim (documented, vendor, observed, inferred).");
	size_t nf = d->nf < RULES_MAX_FINDINGS ? d->nf : RULES_MAX_FINDINGS;
	for (size_t i = 0; i < nf; i++) {
		const struct finding *f = &d->f[i];
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++) /* a finding repeated on several addresses: one series */
			dup = same_labels(&d->f[j], f);
		if (dup)
			continue;
		fprintf(out, "vpndiag_finding{protocol=\"%s\",cause=\"", proto_key(f->proto));
		escape(out, f->cause, true);
		fprintf(out, "\",severity=\"%s\",basis=\"%s\"} 1\n", rules_severity_name(f->severity), kb_basis_name(f->basis));
	}
}

static void rtts(FILE *out, const struct diagnosis *d)
{
	family(out, "vpndiag_rtt_seconds", "gauge",
	       "Round trip to the protocol's own port (UDP) or the TCP connect time, where one was measured.");
	for (int i = 0; i < PROTO_COUNT; i++)
		if (d->p[i].rtt_ms >= 0) {
			fprintf(out, "vpndiag_rtt_seconds{protocol=\"%s\"} ", proto_table[i].key);
			ms_value(out, (uint64_t)d->p[i].rtt_ms);
		}
}

static void nat(FILE *out, const struct diagnosis *d)
{
	family(out, "vpndiag_client_behind_nat", "gauge",
	       "1 when NAT detection saw a NAT on this side (the exporter's), 0 when it saw none; absent when not known.");
	if (d->nat_client >= 0)
		fprintf(out, "vpndiag_client_behind_nat %d\n", d->nat_client > 0);
	family(out, "vpndiag_server_behind_nat", "gauge",
	       "1 when NAT detection saw the server behind a NAT, 0 when it did not; absent when not known.");
	if (d->nat_server >= 0)
		fprintf(out, "vpndiag_server_behind_nat %d\n", d->nat_server > 0);
}

static void cert_expiry(FILE *out, const struct prom_in *in)
{
	family(out, "vpndiag_certificate_expiry_timestamp_seconds", "gauge",
	       "When the server certificate a protocol was shown expires (notAfter, Unix time); the earliest over the "
	       "addresses a Windows client may reach.");
	for (int i = 0; i < PROTO_COUNT; i++) {
		bool have = false;
		int64_t min = 0;
		for (size_t t = 0; t < in->nres; t++) {
			const struct obs_result *r = in->res[t];
			for (size_t k = 0; r && k < r->nobs; k++) {
				const struct obs *o = &r->obs[k];
				if (o->kind == OBS_CERT_VALIDITY && o->proto == proto_table[i].bit && (!have || o->value < min)) {
					min = o->value;
					have = true;
				}
			}
		}
		if (have)
			fprintf(out, "vpndiag_certificate_expiry_timestamp_seconds{protocol=\"%s\"} %" PRId64 "\n",
				proto_table[i].key, min);
	}
}

static void prom_write(FILE *out, const struct prom_in *in)
{
	const struct diagnosis *d = in->d;
	family(out, "vpndiag_probe_success", "gauge",
	       "1 when every probed protocol works (vpndiag probe would exit 0), else 0: a protocol fails or is "
	       "undecided, or the name did not resolve.");
	fprintf(out, "vpndiag_probe_success %d\n", d->exit_code == VD_EXIT_OK && !in->dns_failed);
	family(out, "vpndiag_probe_duration_seconds", "gauge",
	       "How long the diagnosis took: name resolution and every probe, run at once.");
	fputs("vpndiag_probe_duration_seconds ", out);
	ms_value(out, in->elapsed_ms);
	family(out, "vpndiag_probe_timeout_seconds", "gauge",
	       "The bound the diagnosis ran under (the module's timeout, or the scrape's less a margin).");
	fputs("vpndiag_probe_timeout_seconds ", out);
	ms_value(out, in->timeout_ms);
	family(out, "vpndiag_probe_dns_failed", "gauge", "1 when the target name did not resolve (Windows shows 868), else 0.");
	fprintf(out, "vpndiag_probe_dns_failed %d\n", in->dns_failed);
	family(out, "vpndiag_probe_addresses", "gauge", "The addresses of the target that were probed.");
	fprintf(out, "vpndiag_probe_addresses %zu\n", in->naddrs);
	verdicts(out, d);
	findings(out, d);
	rtts(out, d);
	nat(out, d);
	cert_expiry(out, in);
}

void report_prom(FILE *out, const struct obs_result *r, const struct diagnosis *d)
{
	const struct obs_result *res[1] = {r};
	struct prom_in in = {.d = d, .elapsed_ms = r->elapsed_ms, .timeout_ms = r->timeout_ms,
			     .dns_failed = d->dns_failed || r->resolve_failed, .naddrs = r->resolve_failed ? 0 : 1,
			     .res = res, .nres = 1};
	prom_write(out, &in);
}

void report_prom_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd)
{
	const struct obs_result *res[OBS_MAX_TARGETS];
	size_t nres = 0;
	for (size_t i = 0; i < n->ntargets && i < OBS_MAX_TARGETS; i++)
		if (i >= nd->n || nd->reached[i])
			res[nres++] = n->target[i];
	bool dns_failed = n->name.resolve_failed || nd->name.dns_failed;
	struct prom_in in = {.d = &nd->name, .elapsed_ms = n->name.elapsed_ms, .timeout_ms = n->name.timeout_ms,
			     .dns_failed = dns_failed, .naddrs = dns_failed ? 0 : n->ntargets, .res = res, .nres = nres};
	prom_write(out, &in);
}

/* ---------------------------------------------------------------- the exporter */

void report_prom_exporter(FILE *out, const struct report_prom_exporter *s)
{
	family(out, "vpndiag_exporter_build_info", "gauge", "The vpndiag version the exporter runs.");
	fputs("vpndiag_exporter_build_info{version=\"", out);
	escape(out, VPNDIAG_VERSION, true);
	fputs("\"} 1\n", out);
	family(out, "vpndiag_exporter_requests_total", "counter", "HTTP requests answered.");
	fprintf(out, "vpndiag_exporter_requests_total %" PRIu64 "\n", s->requests);
	family(out, "vpndiag_exporter_probes_total", "counter", "Probes run to the end (whatever the verdict).");
	fprintf(out, "vpndiag_exporter_probes_total %" PRIu64 "\n", s->probes);
	family(out, "vpndiag_exporter_probe_errors_total", "counter",
	       "Probes that ended in a local error (out of memory, an unreadable key file): HTTP 500.");
	fprintf(out, "vpndiag_exporter_probe_errors_total %" PRIu64 "\n", s->probe_errors);
	family(out, "vpndiag_exporter_probes_refused_total", "counter",
	       "Probe requests refused: forbidden (403, target not in --allow), busy (503, no probe slot within the "
	       "scrape's time), bad_request (400).");
	fprintf(out, "vpndiag_exporter_probes_refused_total{reason=\"forbidden\"} %" PRIu64 "\n", s->refused_forbidden);
	fprintf(out, "vpndiag_exporter_probes_refused_total{reason=\"busy\"} %" PRIu64 "\n", s->refused_busy);
	fprintf(out, "vpndiag_exporter_probes_refused_total{reason=\"bad_request\"} %" PRIu64 "\n", s->refused_bad_request);
	family(out, "vpndiag_exporter_probes_in_flight", "gauge", "Probes running now.");
	fprintf(out, "vpndiag_exporter_probes_in_flight %u\n", s->in_flight);
	family(out, "vpndiag_exporter_max_probes", "gauge", "The bound on probes running at once (--max-probes).");
	fprintf(out, "vpndiag_exporter_max_probes %u\n", s->max_in_flight);
	family(out, "vpndiag_exporter_probe_duration_seconds", "histogram", "How long each probe run took.");
	for (size_t i = 0; i < REPORT_PROM_NBUCKETS; i++)
		fprintf(out, "vpndiag_exporter_probe_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", report_prom_buckets[i],
			s->duration_bucket[i]);
	fprintf(out, "vpndiag_exporter_probe_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", s->probes);
	fprintf(out, "vpndiag_exporter_probe_duration_seconds_sum %.3f\n", s->duration_sum);
	fprintf(out, "vpndiag_exporter_probe_duration_seconds_count %" PRIu64 "\n", s->probes);
	family(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
	fprintf(out, "process_start_time_seconds %.3f\n", s->start_time);
	if (s->rss_bytes) {
		family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
		fprintf(out, "process_resident_memory_bytes %" PRIu64 "\n", s->rss_bytes);
	}
}
