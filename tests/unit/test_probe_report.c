/* The probe report: JSON shape (parsed back with json-c), the monitoring line and exit codes, the
 * text report, and the CLI's handling of bad input. No network beyond loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "util/fmt.h"
#include <json-c/json.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "report/report_probe.h"
#include "rules/rules.h"

static struct obs_result R;
static struct diagnosis D;
static struct kb KB;

static void base(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	snprintf(R.host, sizeof R.host, "vpn.example.test");
	R.selected = KB_P_ALL;
	R.probed = KB_P_IKEV2;
	R.timeout_ms = 10000;
	R.elapsed_ms = 1234;
	R.naddrs = 1;
	snprintf(R.addrs[0], sizeof R.addrs[0], "198.18.0.1");
	R.probed_addr = 0;
}

static void add(enum obs_kind k, uint16_t port, bool natt, int32_t code, int64_t value, const char *text)
{
	th_obs(&R, k, KB_P_IKEV2, port, natt, code, value, text);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("key '%s' missing", key);
	return v;
}

static struct json_object *render(void)
{
	rules_evaluate(&R, &D);
	struct json_object *j = report_json(&R, &D, &KB, true);
	/* Round trip through text, as a consumer would read it. */
	const char *s = json_object_to_json_string(j);
	struct json_object *back = json_tokener_parse(s);
	json_object_put(j);
	assert_non_null(back);
	return back;
}

static void json_shape_fails(void **state)
{
	(void)state;
	base();
	add(OBS_UDP_NO_ANSWER, 500, false, 7000, 4, NULL);
	add(OBS_UDP_NO_ANSWER, 4500, true, 7000, 4, NULL);
	struct json_object *j = render();
	assert_string_equal(json_object_get_string(get(j, "schema")), "vpndiag/1");
	struct json_object *t = get(j, "target");
	assert_string_equal(json_object_get_string(get(t, "host")), "vpn.example.test");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(t, "addresses"), 0)), "198.18.0.1");
	struct json_object *p = get(j, "protocols");
	static const char *const names[] = {"ikev2", "l2tp", "sstp", "pptp"};
	for (int i = 0; i < 4; i++) {
		struct json_object *x = get(p, names[i]);
		get(x, "verdict");
		get(x, "windows_error");
		get(x, "cause");
		get(x, "summary");
		assert_true(json_object_is_type(get(x, "fixes"), json_type_array));
	}
	struct json_object *ik = get(p, "ikev2");
	assert_string_equal(json_object_get_string(get(ik, "verdict")), "fails");
	assert_int_equal(json_object_get_int(get(ik, "windows_error")), 809);
	assert_string_equal(json_object_get_string(get(ik, "cause")), "udp500-filtered");
	assert_true(json_object_array_length(get(ik, "fixes")) >= 1);
	get(json_object_array_get_idx(get(ik, "fixes"), 0), "command");
	struct json_object *l2 = get(p, "l2tp");
	assert_string_equal(json_object_get_string(get(l2, "verdict")), "not probed");
	assert_null(get(l2, "windows_error"));
	assert_null(get(l2, "cause"));
	struct json_object *nat = get(j, "nat");
	assert_null(get(nat, "client_behind_nat"));
	assert_null(get(nat, "server_behind_nat"));
	struct json_object *f = json_object_array_get_idx(get(j, "findings"), 0);
	assert_non_null(f);
	assert_string_equal(json_object_get_string(get(f, "cause")), "udp500-filtered");
	assert_string_equal(json_object_get_string(get(f, "basis")), "documented");
	assert_non_null(json_object_get_string(get(f, "windows_error_title")));
	assert_true(json_object_array_length(get(f, "evidence")) >= 1);
	assert_int_equal(json_object_array_length(get(j, "observations")), 2);
	struct json_object *o = json_object_array_get_idx(get(j, "observations"), 0);
	assert_string_equal(json_object_get_string(get(o, "kind")), "udp-no-answer");
	assert_null(get(j, "recommended"));
	assert_int_equal(json_object_get_int(get(j, "elapsed_ms")), 1234);
	json_object_put(j);
	assert_int_equal(D.exit_code, VD_EXIT_NOT_FOUND);
}

static void json_shape_unknown(void **state)
{
	(void)state;
	base();
	add(OBS_IKE_ACCEPTED, 500, false, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_IKE_ACCEPTED, 4500, true, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_NAT_CLIENT, 500, false, 0, 1, NULL);
	add(OBS_NAT_SERVER, 500, false, 0, 0, NULL);
	add(OBS_RTT, 500, false, 0, 12, NULL);
	struct json_object *j = render();
	struct json_object *ik = get(get(j, "protocols"), "ikev2");
	assert_string_equal(json_object_get_string(get(ik, "verdict")), "unknown");
	assert_null(get(ik, "windows_error"));
	assert_non_null(strstr(json_object_get_string(get(ik, "summary")), "not yet checked"));
	struct json_object *nat = get(j, "nat");
	assert_true(json_object_get_boolean(get(nat, "client_behind_nat")));
	assert_false(json_object_get_boolean(get(nat, "server_behind_nat")));
	assert_null(get(j, "recommended"));
	json_object_put(j);
	assert_int_equal(D.exit_code, VD_EXIT_UNKNOWN);
}

static char *capture(int (*fn)(FILE *, const struct obs_result *, const struct diagnosis *), int *ret)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	assert_non_null(f);
	*ret = fn(f, &R, &D);
	fclose(f);
	return buf;
}

static void monitoring_line(void **state)
{
	(void)state;
	int st;
	base();
	add(OBS_UDP_NO_ANSWER, 500, false, 7000, 4, NULL);
	rules_evaluate(&R, &D);
	char *line = capture(report_monitoring, &st);
	assert_int_equal(st, VD_MON_CRITICAL);
	assert_true(strncmp(line, "VPNDIAG CRITICAL - ikev2: fails 809 udp500-filtered", 51) == 0);
	assert_non_null(strstr(line, " | rtt_ikev2=U"));
	assert_non_null(strstr(line, "time=1234ms;;;0;10000"));
	assert_int_equal(strchr(line, '\n') - line, (long)strlen(line) - 1); /* one line */
	assert_int_equal(strchr(line, '|'), strrchr(line, '|'));            /* one '|' */

	base();
	add(OBS_IKE_ACCEPTED, 500, false, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_IKE_ACCEPTED, 4500, true, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_RTT, 500, false, 0, 12, NULL);
	rules_evaluate(&R, &D);
	line = capture(report_monitoring, &st);
	assert_int_equal(st, VD_MON_OK);
	assert_true(strncmp(line, "VPNDIAG OK - ikev2: unknown (reachable", 38) == 0);
	assert_non_null(strstr(line, "| rtt_ikev2=12ms;;;0 "));

	/* perfdata: the RTT of a protocol's own port (L2TP's side check on 1701 does not count), the
	 * connect time for TCP protocols. */
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = OBS_RTT;
	o.proto = KB_P_L2TP;
	o.port = 1701;
	o.value = 3;
	assert_int_equal(obs_result_add(&R, &o), 0);
	o.kind = OBS_TCP_CONNECTED;
	o.proto = KB_P_SSTP;
	o.port = 443;
	o.value = 7;
	assert_int_equal(obs_result_add(&R, &o), 0);
	R.probed |= KB_P_L2TP | KB_P_SSTP; /* perfdata lists the protocols that were probed */
	rules_evaluate(&R, &D);
	line = capture(report_monitoring, &st);
	if (!strstr(line, " rtt_l2tp=U "))
		fail_msg("perfdata: %s", strchr(line, '|'));
	assert_non_null(strstr(line, " rtt_sstp=7ms;;;0 "));

	/* 4500 silent without NAT: a warning. */
	base();
	add(OBS_IKE_ACCEPTED, 500, false, 2, 0, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	add(OBS_UDP_NO_ANSWER, 4500, true, 7000, 4, NULL);
	rules_evaluate(&R, &D);
	capture(report_monitoring, &st);
	assert_int_equal(st, VD_MON_WARNING);

	/* Nothing decided: UNKNOWN. */
	base();
	rules_evaluate(&R, &D);
	capture(report_monitoring, &st);
	assert_int_equal(st, VD_MON_UNKNOWN);
}

static void text_report(void **state)
{
	(void)state;
	base();
	add(OBS_UDP_ICMP, 500, false, 3, 3, "port-unreachable");
	rules_evaluate(&R, &D);
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	assert_non_null(f);
	report_text(f, &R, &D, &KB, false);
	fclose(f);
	const char *table = strstr(buf, "PROTOCOL");
	const char *findings = strstr(buf, "Findings");
	const char *rec = strstr(buf, "Recommended protocol: none");
	assert_non_null(table);
	assert_non_null(findings);
	assert_non_null(rec);
	assert_true(table < findings && findings < rec);
	assert_non_null(strstr(buf, "IKEv2       fails       809"));
	assert_non_null(strstr(buf, "not probed"));
	assert_null(strstr(buf, "\033[")); /* no colour when asked for none */
}

/* ---- the CLI: bad input exits 2 (3 with --monitoring) with one line on stderr ---- */

/* Runs the binary; its stderr into err. */
static int vd(char *err, size_t errlen, const char *const *args)
{
	static struct th_run run;
	int rc = th_vd(&run, args);
	fmt_into(err, errlen, "%s", run.err);
	return rc;
}

static void cli_bad_input(void **state)
{
	(void)state;
	static const char *const cases[][8] = {
		{"probe", "300.1.2.3", NULL},
		{"probe", "1.2.3", NULL},
		{"probe", "fe80:::1", NULL},
		{"probe", "bad host", NULL},
		{"probe", "127.0.0.1", "--timeout", "0", NULL},
		{"probe", "127.0.0.1", "--timeout", "301", NULL},
		{"probe", "127.0.0.1", "--timeout", "abc", NULL},
		{"probe", "127.0.0.1", "--protocols", "ikev2,ipsec", NULL},
		{"probe", "127.0.0.1", "--protocols", "", NULL},
		{"probe", "-6", "127.0.0.1", NULL},
		{"probe", NULL},
		{"probe", "--bogus", "127.0.0.1", NULL},
	};
	char err[2048];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = vd(err, sizeof err, cases[i]);
		if (rc != VD_EXIT_USAGE)
			fail_msg("case %zu (%s) exited %d: %s", i, cases[i][1] ? cases[i][1] : "", rc, err);
		assert_non_null(strstr(err, "vpndiag probe: "));
		assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1); /* one line */
	}
	static const char *const mon[] = {"probe", "--monitoring", "--timeout", "0", "127.0.0.1", NULL};
	assert_int_equal(vd(err, sizeof err, mon), VD_MON_UNKNOWN);
	static const char *const unk[] = {"probe", "127.0.0.1", "--protocols", "ikev2,foo", NULL};
	vd(err, sizeof err, unk);
	assert_non_null(strstr(err, "unknown protocol 'foo'"));
}

static int setup(void **state)
{
	(void)state;
	char err[300];
	return kb_load_builtin(&KB, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	obs_result_free(&R);
	kb_free(&KB);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_shape_fails),
		cmocka_unit_test(json_shape_unknown),
		cmocka_unit_test(monitoring_line),
		cmocka_unit_test(text_report),
		cmocka_unit_test(cli_bad_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
