/* The Prometheus exposition of a probe run (report/report_prom.c): golden text from a hand-made
 * diagnosis, label value escaping (quotes, backslashes, line feeds, bytes that are not UTF-8), the
 * name-level form (one series per finding, the earliest certificate over the reached addresses),
 * and the exporter's own metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "report/report_prom.h"
#include "rules/rules.h"
#include "util/exit.h"

/* What fn wrote, as a NUL-terminated heap string. */
static char *capture_probe(const struct obs_result *r, const struct diagnosis *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_prom(f, r, d);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *capture_escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_prom_escape(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void set_finding(struct finding *f, unsigned proto, const char *cause, enum severity sev, enum kb_basis basis,
			uint32_t err)
{
	memset(f, 0, sizeof *f);
	snprintf(f->cause, sizeof f->cause, "%s", cause);
	f->proto = proto;
	f->verdict = sev == SEV_FAILURE ? VERDICT_FAILS : VERDICT_UNKNOWN;
	f->severity = sev;
	f->basis = basis;
	f->windows_error = err;
}

/* A diagnosis by hand: IKEv2 fails (809, UDP 500 filtered), L2TP not probed, SSTP works with a
 * certificate, PPTP undecided with a security warning whose cause holds every character the
 * format escapes. */
static void hand_made(struct obs_result *r, struct diagnosis *d)
{
	memset(r, 0, sizeof *r);
	memset(d, 0, sizeof *d);
	snprintf(r->host, sizeof r->host, "vpn.example.test");
	r->naddrs = 1;
	snprintf(r->addrs[0], sizeof r->addrs[0], "198.18.0.1");
	r->selected = PROTO_B_IKEV2 | PROTO_B_SSTP | PROTO_B_PPTP;
	r->probed = r->selected;
	r->timeout_ms = 6000;
	r->elapsed_ms = 1234;
	th_obs(r, OBS_CERT_VALIDITY, PROTO_B_SSTP, 443, false, 0, 1798761600, "2027-01-01T00:00:00Z");
	th_obs(r, OBS_CERT_VALIDITY, PROTO_B_IKEV2, 500, false, 0, 1800000000, "later, and IKEv2's own");
	d->nf = 3;
	set_finding(&d->f[0], PROTO_B_IKEV2, "udp500-filtered", SEV_FAILURE, KB_DOCUMENTED, 809);
	set_finding(&d->f[1], PROTO_B_PPTP, "quote\"back\\slash\nline", SEV_WARNING, KB_INFERRED, 0);
	set_finding(&d->f[2], PROTO_B_IKEV2, "udp500-filtered", SEV_FAILURE, KB_DOCUMENTED, 809); /* same labels */
	for (int i = 0; i < PROTO_COUNT; i++) {
		d->p[i].verdict = VERDICT_NOT_PROBED;
		d->p[i].rtt_ms = -1;
		d->p[i].finding = -1;
	}
	d->p[PROTO_IKEV2].verdict = VERDICT_FAILS;
	d->p[PROTO_IKEV2].windows_error = 809;
	d->p[PROTO_SSTP].verdict = VERDICT_WORKS;
	d->p[PROTO_SSTP].rtt_ms = 12;
	d->p[PROTO_PPTP].verdict = VERDICT_UNKNOWN;
	d->p[PROTO_PPTP].rtt_ms = 1005;
	d->nat_client = 0;
	d->nat_server = -1;
	d->exit_code = VD_EXIT_NOT_FOUND;
}

static const char golden[] =
	"# HELP vpndiag_probe_success 1 when every probed protocol works (vpndiag probe would exit 0), else 0: a protocol fails or is undecided, or the name did not resolve.\n"
	"# TYPE vpndiag_probe_success gauge\n"
	"vpndiag_probe_success 0\n"
	"# HELP vpndiag_probe_duration_seconds How long the diagnosis took: name resolution and every probe, run at once.\n"
	"# TYPE vpndiag_probe_duration_seconds gauge\n"
	"vpndiag_probe_duration_seconds 1.234\n"
	"# HELP vpndiag_probe_timeout_seconds The bound the diagnosis ran under (the module's timeout, or the scrape's less a margin).\n"
	"# TYPE vpndiag_probe_timeout_seconds gauge\n"
	"vpndiag_probe_timeout_seconds 6.000\n"
	"# HELP vpndiag_probe_dns_failed 1 when the target name did not resolve (Windows shows 868), else 0.\n"
	"# TYPE vpndiag_probe_dns_failed gauge\n"
	"vpndiag_probe_dns_failed 0\n"
	"# HELP vpndiag_probe_addresses The addresses of the target that were probed.\n"
	"# TYPE vpndiag_probe_addresses gauge\n"
	"vpndiag_probe_addresses 1\n"
	"# HELP vpndiag_protocol_verdict The verdict per protocol as the Windows built-in client would get it: 1 for the verdict, 0 for the others (works: every step checked and passed; unknown: not every step could be checked).\n"
	"# TYPE vpndiag_protocol_verdict gauge\n"
	"vpndiag_protocol_verdict{protocol=\"ikev2\",verdict=\"works\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"ikev2\",verdict=\"fails\"} 1\n"
	"vpndiag_protocol_verdict{protocol=\"ikev2\",verdict=\"unknown\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"ikev2\",verdict=\"not probed\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"l2tp\",verdict=\"works\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"l2tp\",verdict=\"fails\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"l2tp\",verdict=\"unknown\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"l2tp\",verdict=\"not probed\"} 1\n"
	"vpndiag_protocol_verdict{protocol=\"sstp\",verdict=\"works\"} 1\n"
	"vpndiag_protocol_verdict{protocol=\"sstp\",verdict=\"fails\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"sstp\",verdict=\"unknown\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"sstp\",verdict=\"not probed\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"pptp\",verdict=\"works\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"pptp\",verdict=\"fails\"} 0\n"
	"vpndiag_protocol_verdict{protocol=\"pptp\",verdict=\"unknown\"} 1\n"
	"vpndiag_protocol_verdict{protocol=\"pptp\",verdict=\"not probed\"} 0\n"
	"# HELP vpndiag_protocol_windows_error The Windows error the client would show for this protocol (RAS/Win32 codes in decimal, HRESULTs as unsigned 32-bit numbers), 0 when none is predicted; probed protocols only.\n"
	"# TYPE vpndiag_protocol_windows_error gauge\n"
	"vpndiag_protocol_windows_error{protocol=\"ikev2\"} 809\n"
	"vpndiag_protocol_windows_error{protocol=\"sstp\"} 0\n"
	"vpndiag_protocol_windows_error{protocol=\"pptp\"} 0\n"
	"# HELP vpndiag_finding One series per finding of the diagnosis (the cause ids of data/README.md), with its severity and the basis of the claim (documented, vendor, observed, inferred).\n"
	"# TYPE vpndiag_finding gauge\n"
	"vpndiag_finding{protocol=\"ikev2\",cause=\"udp500-filtered\",severity=\"failure\",basis=\"documented\"} 1\n"
	"vpndiag_finding{protocol=\"pptp\",cause=\"quote\\\"back\\\\slash\\nline\",severity=\"warning\",basis=\"inferred\"} 1\n"
	"# HELP vpndiag_rtt_seconds Round trip to the protocol's own port (UDP) or the TCP connect time, where one was measured.\n"
	"# TYPE vpndiag_rtt_seconds gauge\n"
	"vpndiag_rtt_seconds{protocol=\"sstp\"} 0.012\n"
	"vpndiag_rtt_seconds{protocol=\"pptp\"} 1.005\n"
	"# HELP vpndiag_client_behind_nat 1 when NAT detection saw a NAT on this side (the exporter's), 0 when it saw none; absent when not known.\n"
	"# TYPE vpndiag_client_behind_nat gauge\n"
	"vpndiag_client_behind_nat 0\n"
	"# HELP vpndiag_server_behind_nat 1 when NAT detection saw the server behind a NAT, 0 when it did not; absent when not known.\n"
	"# TYPE vpndiag_server_behind_nat gauge\n"
	"# HELP vpndiag_certificate_expiry_timestamp_seconds When the server certificate a protocol was shown expires (notAfter, Unix time); the earliest over the addresses a Windows client may reach.\n"
	"# TYPE vpndiag_certificate_expiry_timestamp_seconds gauge\n"
	"vpndiag_certificate_expiry_timestamp_seconds{protocol=\"ikev2\"} 1800000000\n"
	"vpndiag_certificate_expiry_timestamp_seconds{protocol=\"sstp\"} 1798761600\n";

static void test_golden(void **state)
{
	(void)state;
	static struct obs_result r;
	static struct diagnosis d;
	hand_made(&r, &d);
	char *out = capture_probe(&r, &d);
	if (strcmp(out, golden) != 0)
		fprintf(stderr, "---- got:\n%s---- end\n", out);
	assert_string_equal(out, golden);
	free(out);
	obs_result_free(&r);
}

/* Success only when vpndiag probe would exit 0 and the name resolved. */
static void test_success(void **state)
{
	(void)state;
	static struct obs_result r;
	static struct diagnosis d;
	hand_made(&r, &d);
	d.exit_code = VD_EXIT_OK;
	char *out = capture_probe(&r, &d);
	assert_non_null(strstr(out, "\nvpndiag_probe_success 1\n"));
	free(out);
	d.exit_code = VD_EXIT_UNKNOWN; /* undecided is not success */
	out = capture_probe(&r, &d);
	assert_non_null(strstr(out, "\nvpndiag_probe_success 0\n"));
	free(out);
	d.exit_code = VD_EXIT_OK;
	r.resolve_failed = true;
	out = capture_probe(&r, &d);
	assert_non_null(strstr(out, "\nvpndiag_probe_success 0\n"));
	assert_non_null(strstr(out, "\nvpndiag_probe_dns_failed 1\n"));
	assert_non_null(strstr(out, "\nvpndiag_probe_addresses 0\n"));
	free(out);
	obs_result_free(&r);
}

static void test_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} v[] = {
		{"plain", "plain"},
		{"a\"b", "a\\\"b"},
		{"back\\slash", "back\\\\slash"},
		{"two\nlines", "two\\nlines"},
		{"\\n", "\\\\n"}, /* a backslash then n, not a line feed */
		{"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"}, /* UTF-8 stays */
		{"bad\xff", "bad\xef\xbf\xbd"},                            /* not UTF-8: U+FFFD */
		{"cut\xe2\x9c", "cut\xef\xbf\xbd\xef\xbf\xbd"},            /* a truncated sequence */
		{"over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd"},          /* overlong '/' */
		{"sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a UTF-16 surrogate */
		{"tab\there", "tab\there"},                                 /* the format escapes only \\ \" \\n */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *out = capture_escape(v[i].in);
		assert_string_equal(out, v[i].want);
		free(out);
	}
}

/* The name level: two addresses; one series per finding label set; the certificate gauge is the
 * earliest over the addresses a client may reach, never an unreached one. */
static void test_name(void **state)
{
	(void)state;
	static struct obs_name n;
	static struct name_diagnosis nd;
	static struct obs_result t0, t1, t2;
	memset(&n, 0, sizeof n);
	memset(&nd, 0, sizeof nd);
	hand_made(&t0, &nd.name);
	memset(&t1, 0, sizeof t1);
	memset(&t2, 0, sizeof t2);
	th_obs(&t1, OBS_CERT_VALIDITY, PROTO_B_SSTP, 443, false, 0, 1790000000, "earlier, reached");
	th_obs(&t2, OBS_CERT_VALIDITY, PROTO_B_SSTP, 443, false, 0, 1700000000, "earliest, never reached");
	n.ntargets = 3;
	n.target[0] = &t0;
	n.target[1] = &t1;
	n.target[2] = &t2;
	n.name.elapsed_ms = 2500;
	n.name.timeout_ms = 9500;
	nd.n = 3;
	nd.reached[0] = nd.reached[1] = true;
	nd.reached[2] = false;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_prom_name(f, &n, &nd);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\nvpndiag_probe_addresses 3\n"));
	assert_non_null(strstr(buf, "\nvpndiag_probe_duration_seconds 2.500\n"));
	assert_non_null(strstr(buf, "\nvpndiag_probe_timeout_seconds 9.500\n"));
	assert_non_null(strstr(buf, "vpndiag_certificate_expiry_timestamp_seconds{protocol=\"sstp\"} 1790000000\n"));
	const char *fnd = "vpndiag_finding{protocol=\"ikev2\",cause=\"udp500-filtered\"";
	const char *first = strstr(buf, fnd);
	assert_non_null(first);
	assert_null(strstr(first + 1, fnd)); /* the repeated finding is one series */
	free(buf);
	obs_result_free(&t0);
	obs_result_free(&t1);
	obs_result_free(&t2);
}

/* Every sample line of the exporter's metrics belongs to the family announced last, histogram
 * buckets are cumulative and end with +Inf = count. */
static void test_exporter(void **state)
{
	(void)state;
	struct report_prom_exporter s;
	memset(&s, 0, sizeof s);
	s.requests = 1003;
	s.probes = 3;
	s.refused_forbidden = 1000;
	s.max_in_flight = 4;
	s.duration_bucket[0] = 1; /* 0.25 s */
	for (size_t i = 1; i < REPORT_PROM_NBUCKETS; i++)
		s.duration_bucket[i] = i < 3 ? 2 : 3;
	s.duration_sum = 7.5;
	s.start_time = 1700000000;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_prom_exporter(f, &s);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\nvpndiag_exporter_requests_total 1003\n"));
	assert_non_null(strstr(buf, "\nvpndiag_exporter_probes_refused_total{reason=\"forbidden\"} 1000\n"));
	assert_non_null(strstr(buf, "\nvpndiag_exporter_probe_duration_seconds_bucket{le=\"0.25\"} 1\n"));
	assert_non_null(strstr(buf, "\nvpndiag_exporter_probe_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(buf, "\nvpndiag_exporter_probe_duration_seconds_count 3\n"));
	assert_null(strstr(buf, "process_resident_memory_bytes")); /* unknown: left out */
	char family[128] = "";
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			snprintf(family, sizeof family, "%.*s", (int)strcspn(line + 7, " "), line + 7);
			continue;
		}
		if (line[0] == '#')
			continue;
		assert_true(family[0]);
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_exporter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
