/* The name layer (rules_name.c, issue 13): Windows' order of a name's addresses (RFC 6724 default
 * policy table) and the name-level verdict from per-address diagnoses, for every combination: all
 * work, IPv6 fails and IPv4 works, the reverse, all fail, one undecided, an address no common
 * client reaches, one address. The per-address diagnoses are made by hand (the per-protocol rules
 * have their own tests); the name layer only reads their verdicts and findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/rules.h"
#include "util/exit.h"
#include "util/fmt.h"

#define SSTP_IDX 2 /* proto.def: ikev2, l2tp, sstp, pptp */

static struct obs_result NAMES;
static struct name_diagnosis ND;

static void names(size_t n, const char *const *addrs)
{
	memset(&NAMES, 0, sizeof NAMES);
	fmt_into(NAMES.host, sizeof NAMES.host, "vpn.example.test");
	NAMES.naddrs = n;
	for (size_t i = 0; i < n; i++)
		fmt_into(NAMES.addrs[i], sizeof NAMES.addrs[i], "%s", addrs[i]);
	rules_name_free(&ND);
	memset(&ND, 0, sizeof ND);
	ND.n = n;
	for (size_t i = 0; i < n; i++) {
		ND.d[i] = calloc(1, sizeof *ND.d[i]);
		assert_non_null(ND.d[i]);
		ND.d[i]->recommended = -1;
		ND.d[i]->nat_client = ND.d[i]->nat_server = -1;
		for (int p = 0; p < PROTO_COUNT; p++) {
			ND.d[i]->p[p].verdict = VERDICT_NOT_PROBED;
			ND.d[i]->p[p].finding = -1;
		}
	}
}

/* Address i's SSTP verdict (a failure comes with its deciding finding). */
static void sstp(size_t i, enum verdict v, uint32_t err, const char *cause)
{
	struct diagnosis *d = ND.d[i];
	struct proto_verdict *p = &d->p[SSTP_IDX];
	p->verdict = v;
	p->finding = -1;
	p->checks_passed = v == VERDICT_WORKS;
	fmt_into(p->summary, sizeof p->summary, "%s on address %zu", rules_verdict_name(v), i);
	if (v == VERDICT_FAILS) {
		struct finding *f = &d->f[d->nf];
		memset(f, 0, sizeof *f);
		fmt_into(f->cause, sizeof f->cause, "%s", cause);
		f->proto = KB_P_SSTP;
		f->verdict = VERDICT_FAILS;
		f->severity = SEV_FAILURE;
		f->windows_error = err;
		f->basis = KB_VENDOR;
		fmt_into(f->summary, sizeof f->summary, "%s on %zu", cause, i);
		p->finding = (int)d->nf++;
		p->windows_error = err;
		fmt_into(p->cause, sizeof p->cause, "%s", cause);
	}
	rules_result_codes(d);
}

static const struct finding *find(const char *cause)
{
	for (size_t i = 0; i < ND.name.nf; i++)
		if (strcmp(ND.name.f[i].cause, cause) == 0)
			return &ND.name.f[i];
	return NULL;
}

static const struct proto_verdict *name_sstp(void)
{
	rules_name_combine(&NAMES, &ND);
	return &ND.name.p[SSTP_IDX];
}

static const char *const DUAL[] = {"198.19.0.2", "2001:2:0:10::2"}; /* resolver order: IPv4 first */

/* RFC 6724 §2.1: global IPv6 (40) > IPv4 (35) > 6to4 (30) > Teredo (5) > ULA (3); stable otherwise. */
static void order_rfc6724(void **state)
{
	(void)state;
	size_t order[8];
	int fam[8], prec[8];
	const char *const a[] = {"198.19.0.2", "2001:2:0:10::2", "2002:c613:2::1", "2001:0:4136:e378::1", "fd00::1",
				 "198.19.0.3", "2001:2:0:10::3", "::ffff:198.19.0.4"};
	char (*txt)[OBS_ADDRSTRLEN] = calloc(8, OBS_ADDRSTRLEN);
	assert_non_null(txt);
	for (size_t i = 0; i < 8; i++)
		fmt_into(txt[i], OBS_ADDRSTRLEN, "%s", a[i]);
	rules_name_order((const char(*)[OBS_ADDRSTRLEN])txt, 8, order, fam, prec);
	static const size_t want[] = {1, 6, 0, 5, 7, 2, 3, 4};
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(order[i], want[i]);
	assert_int_equal(fam[0], 4);
	assert_int_equal(fam[1], 6);
	assert_int_equal(prec[1], 40);
	assert_int_equal(prec[0], 35);
	assert_int_equal(prec[2], 30);
	assert_int_equal(prec[3], 5);
	assert_int_equal(prec[4], 3);
	free(txt);
}

static void all_work(void **state)
{
	(void)state;
	names(2, DUAL);
	sstp(0, VERDICT_WORKS, 0, NULL);
	sstp(1, VERDICT_WORKS, 0, NULL);
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(p->verdict, VERDICT_WORKS);
	assert_true(p->checks_passed);
	assert_int_equal(ND.order[0], 1); /* IPv6 first */
	assert_null(find("ipv6-path-fails"));
	assert_null(find("ipv4-path-fails"));
	assert_int_equal(ND.name.recommended, SSTP_IDX);
	assert_int_equal(ND.name.exit_code, VD_EXIT_OK); /* the other protocols: not probed */
	assert_int_equal(ND.name.monitoring_state, VD_MON_OK);
}

/* The case: IPv6 443 closed, IPv4 open. Windows tries IPv6 first: the name fails with the
 * IPv6 address's error, and the family finding says IPv4 works, with the IPv6 firewall fix. */
static void v6_fails_v4_works(void **state)
{
	(void)state;
	names(2, DUAL);
	sstp(0, VERDICT_WORKS, 0, NULL);
	sstp(1, VERDICT_FAILS, 809, "tcp443-filtered");
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 809);
	assert_string_equal(p->cause, "tcp443-filtered");
	assert_non_null(strstr(p->summary, "2001:2:0:10::2"));
	assert_true(p->finding >= 0);
	assert_string_equal(ND.name.f[p->finding].address, "2001:2:0:10::2");
	const struct finding *f = find("ipv6-path-fails");
	assert_non_null(f);
	assert_int_equal(f->proto, KB_P_SSTP);
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->basis, KB_INFERRED);
	assert_int_equal(f->windows_error, 809);
	assert_non_null(strstr(f->summary, "works on IPv4 (198.19.0.2)"));
	assert_true(f->nfixes >= 1);
	assert_non_null(strstr(f->fixes[0].command, "ip6tables"));
	assert_non_null(strstr(f->fixes[0].command, "443"));
	assert_null(find("ipv4-path-fails"));
	assert_int_equal(ND.name.exit_code, VD_EXIT_NOT_FOUND);
	assert_int_equal(ND.name.monitoring_state, VD_MON_CRITICAL);
	assert_int_equal(ND.name.recommended, -1);
}

/* The reverse: IPv6 (Windows' first) works, IPv4 fails. A PC without IPv6 uses the IPv4 address:
 * the name fails with its error (never "works" while those clients fail). */
static void v4_fails_v6_works(void **state)
{
	(void)state;
	names(2, DUAL);
	sstp(0, VERDICT_FAILS, 809, "tcp443-filtered");
	sstp(1, VERDICT_WORKS, 0, NULL);
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 809);
	assert_non_null(strstr(p->summary, "198.19.0.2"));
	assert_non_null(strstr(p->summary, "without IPv6"));
	const struct finding *f = find("ipv4-path-fails");
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "works on IPv6 (2001:2:0:10::2)"));
	assert_non_null(strstr(f->fixes[0].command, "iptables -I INPUT -p tcp"));
	assert_null(find("ipv6-path-fails"));
	assert_int_equal(ND.name.monitoring_state, VD_MON_CRITICAL);
}

/* Both fail: Windows' first address's error decides; no family finding (nothing works). */
static void all_fail(void **state)
{
	(void)state;
	names(2, DUAL);
	sstp(0, VERDICT_FAILS, 0x800B0109u, "cert-untrusted-root");
	sstp(1, VERDICT_FAILS, 809, "tcp443-filtered");
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_int_equal(p->windows_error, 809);
	assert_string_equal(p->cause, "tcp443-filtered");
	assert_null(find("ipv6-path-fails"));
	assert_null(find("ipv4-path-fails"));
	/* both addresses' failures are listed, each tagged with its address */
	const struct finding *c = find("cert-untrusted-root");
	assert_non_null(c);
	assert_string_equal(c->address, "198.19.0.2");
}

/* One undecided address keeps the name undecided, whichever it is; never "works". */
static void one_unknown(void **state)
{
	(void)state;
	names(2, DUAL);
	sstp(0, VERDICT_UNKNOWN, 0, NULL);
	sstp(1, VERDICT_WORKS, 0, NULL);
	assert_int_equal(name_sstp()->verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(name_sstp()->summary, "198.19.0.2"));
	names(2, DUAL);
	sstp(0, VERDICT_WORKS, 0, NULL);
	sstp(1, VERDICT_UNKNOWN, 0, NULL);
	assert_int_equal(name_sstp()->verdict, VERDICT_UNKNOWN);
	assert_null(find("ipv6-path-fails"));
	assert_int_equal(ND.name.monitoring_state, VD_MON_UNKNOWN);
	/* undecided first, failing IPv4: the certain failure decides */
	names(2, DUAL);
	sstp(0, VERDICT_FAILS, 809, "tcp443-filtered");
	sstp(1, VERDICT_UNKNOWN, 0, NULL);
	assert_int_equal(name_sstp()->verdict, VERDICT_FAILS);
}

/* An IPv6 address Windows sorts after IPv4 (6to4, precedence 30 < 35) that fails is reached only by
 * IPv6-only clients or a changed prefix policy: the name works, with the warning finding. */
static void unreached_v6_fails(void **state)
{
	(void)state;
	static const char *const a[] = {"2002:c613:2::1", "198.19.0.2"};
	names(2, a);
	sstp(0, VERDICT_FAILS, 809, "tcp443-filtered");
	sstp(1, VERDICT_WORKS, 0, NULL);
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(ND.order[0], 1);
	assert_false(ND.reached[0]);
	assert_int_equal(p->verdict, VERDICT_WORKS);
	const struct finding *f = find("ipv6-path-fails");
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "only clients that prefer it"));
	assert_int_equal(ND.name.monitoring_state, VD_MON_WARNING);
}

/* Two IPv4 addresses (round-robin DNS): either may be first, so one failing fails the name. */
static void round_robin_v4(void **state)
{
	(void)state;
	static const char *const a[] = {"198.19.0.2", "198.19.0.3"};
	names(2, a);
	sstp(0, VERDICT_WORKS, 0, NULL);
	sstp(1, VERDICT_FAILS, 809, "tcp443-refused");
	const struct proto_verdict *p = name_sstp();
	assert_int_equal(p->verdict, VERDICT_FAILS);
	assert_string_equal(p->cause, "tcp443-refused");
	assert_non_null(strstr(p->summary, "round-robin"));
	assert_null(find("ipv4-path-fails"));
}

/* One address: the name-level diagnosis is that address's, byte for byte. */
static void single_address(void **state)
{
	(void)state;
	static const char *const a[] = {"2001:2:0:10::2"};
	names(1, a);
	sstp(0, VERDICT_FAILS, 809, "tcp443-filtered");
	rules_name_combine(&NAMES, &ND);
	assert_memory_equal(&ND.name, ND.d[0], sizeof ND.name);
	assert_string_equal(ND.name.f[0].address, "");
}

/* The new cause ids are in the rule table (and so checked against data/README.md elsewhere). */
static void rows_listed(void **state)
{
	(void)state;
	const struct rules_row *rows;
	size_t n = rules_table(&rows);
	int seen = 0;
	for (size_t i = 0; i < n; i++)
		seen += strcmp(rows[i].cause, "ipv6-path-fails") == 0 || strcmp(rows[i].cause, "ipv4-path-fails") == 0;
	assert_int_equal(seen, 2);
}

static int teardown(void **state)
{
	(void)state;
	rules_name_free(&ND);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_rfc6724),
		cmocka_unit_test(all_work),
		cmocka_unit_test(v6_fails_v4_works),
		cmocka_unit_test(v4_fails_v6_works),
		cmocka_unit_test(all_fail),
		cmocka_unit_test(one_unknown),
		cmocka_unit_test(unreached_v6_fails),
		cmocka_unit_test(round_robin_v4),
		cmocka_unit_test(single_address),
		cmocka_unit_test(rows_listed),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
