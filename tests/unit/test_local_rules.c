/* The local rules (local/local_rules.c), the fix plan and the undo record (local/fix.c), with
 * hand-made PCs: each rule's finding, error and basis; the AssumeUDP value computed from the
 * probe's NAT finding (1 or 2, never blindly 2); the plan's order (changes, then the seed's restart
 * of IKEEXT and PolicyAgent); the registry fix commands of the probe's own findings; the undo
 * record written and read back, and refused when hostile. Portable: also runs under Wine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "local/fix.h"
#include "local/local_rules.h"

static struct local_pc PC;
static struct local_diag D;
static struct local_conn CONNS[4];

/* A PC with every service running/manual and BFE automatic, no registry value, no connection. */
static void pc_reset(void)
{
	memset(&PC, 0, sizeof PC);
	memset(CONNS, 0, sizeof CONNS);
	PC.have_registry = PC.have_services = true;
	PC.elevated = 1;
	PC.days = 7;
	for (int s = 0; s < LOCAL_SVC_COUNT; s++)
		PC.svc[s] = (struct local_service){.state = LOCAL_PRESENT, .run_state = LOCAL_SVC_RUNNING,
						   .start_type = local_svc_defs[s].default_start};
	for (int r = 0; r < LOCAL_REG_COUNT; r++)
		PC.reg[r].state = LOCAL_ABSENT;
	PC.conns = CONNS;
}

static struct pbk_entry *add_conn(const char *name, int strategy, const char *server)
{
	struct local_conn *c = &CONNS[PC.nconns++];
	memset(c, 0, sizeof *c);
	snprintf(c->e.name, sizeof c->e.name, "%s", name);
	c->e.type = 2;
	c->e.vpn_strategy = strategy;
	c->e.custom_auth_key = -1;
	c->e.disable_ike_name_eku_check = PBK_ABSENT;
	c->e.ip_prioritize_remote = PBK_ABSENT;
	snprintf(c->e.servers[0], sizeof c->e.servers[0], "%s", server);
	c->e.nservers = 1;
	return &c->e;
}

static const struct local_finding *find(const char *cause, const char *conn)
{
	for (size_t i = 0; i < D.n; i++)
		if (strcmp(D.f[i].cause, cause) == 0 && strcmp(D.f[i].conn, conn ? conn : "") == 0)
			return &D.f[i];
	return NULL;
}

static void test_healthy_pc_has_no_failure(void **state)
{
	(void)state;
	pc_reset();
	add_conn("Work", PBK_VS_IKEV2_ONLY, "198.18.0.1");
	local_rules(&PC, NULL, &D);
	for (size_t i = 0; i < D.n; i++)
		assert_int_not_equal(D.f[i].sev, LOCAL_FAILURE);
	assert_non_null(find("service-ok", NULL));
	struct fix_plan p;
	local_rules_plan(&PC, &D, &p);
	assert_int_equal(p.n, 0);
}

/* IKEEXT disabled: 827 [D]; a stopped manual IKEEXT is normal (trigger start). */
static void test_services(void **state)
{
	(void)state;
	pc_reset();
	add_conn("Work", PBK_VS_IKEV2_ONLY, "198.18.0.1");
	PC.svc[LOCAL_SVC_IKEEXT].run_state = LOCAL_SVC_STOPPED;
	local_rules(&PC, NULL, &D);
	assert_null(find("ikeext-stopped", NULL));
	PC.svc[LOCAL_SVC_IKEEXT].start_type = LOCAL_START_DISABLED;
	PC.svc[LOCAL_SVC_BFE].run_state = LOCAL_SVC_STOPPED;
	PC.svc[LOCAL_SVC_RASMAN].start_type = LOCAL_START_DISABLED;
	PC.svc[LOCAL_SVC_SSTPSVC].state = LOCAL_ABSENT;
	local_rules(&PC, NULL, &D);
	const struct local_finding *f = find("ikeext-stopped", NULL);
	assert_non_null(f);
	assert_int_equal(f->windows_error, 827);
	assert_int_equal(f->sev, LOCAL_FAILURE);
	assert_int_equal(f->basis, KB_DOCUMENTED);
	assert_true(f->has_action);
	assert_int_equal(f->action.kind, FIX_START_TYPE);
	assert_int_equal(f->action.value, LOCAL_START_DEMAND);
	f = find("bfe-stopped", NULL);
	assert_non_null(f);
	assert_int_equal(f->windows_error, 827);
	assert_int_equal(f->action.kind, FIX_RESTART_SERVICE); /* automatic but stopped: start it */
	f = find("rasman-disabled", NULL);
	assert_non_null(f);
	assert_int_equal(f->windows_error, 711);
	/* SstpSvc missing, no SSTP connection: info only */
	f = find("service-missing", NULL);
	assert_non_null(f);
	assert_int_equal(f->sev, LOCAL_INFO);
	/* the plan: the three changes, then BFE, IKEEXT, PolicyAgent restarted, BFE first */
	struct fix_plan p;
	local_rules_plan(&PC, &D, &p);
	char cmd[600];
	const char *want[] = {"sc config IKEEXT start= demand", "sc config RasMan start= demand",
			      "net stop BFE & net start BFE", "net stop IKEEXT & net start IKEEXT",
			      "net stop PolicyAgent & net start PolicyAgent"};
	assert_int_equal(p.n, 5);
	for (size_t i = 0; i < p.n; i++) {
		fix_action_command(&p.a[i], cmd, sizeof cmd);
		assert_string_equal(cmd, want[i]);
	}
	assert_int_equal(p.a[0].old_start, LOCAL_START_DISABLED);
}

/* AssumeUDPEncapsulationContextOnSendRule from the probe's NAT-D: 1 for a server behind NAT, 2
 * when this PC is behind NAT too [D: KB 926179]; enough already: no change. */
static void test_assume_udp_computed(void **state)
{
	(void)state;
	struct local_probe_facts facts[2];
	memset(facts, 0, sizeof facts);
	pc_reset();
	add_conn("Branch", PBK_VS_L2TP_ONLY, "198.18.0.1");
	add_conn("Work", PBK_VS_IKEV2_ONLY, "198.18.0.2");
	facts[0] = (struct local_probe_facts){.probed = true, .l2tp_probed = true, .nat_server = 1, .nat_client = 0};
	facts[1] = (struct local_probe_facts){.probed = true, .nat_server = 1, .nat_client = 1}; /* not L2TP */
	local_rules(&PC, NULL, &D);
	assert_null(find("server-behind-nat", "Branch")); /* no probe: no NAT finding */
	local_rules(&PC, facts, &D);
	const struct local_finding *f = find("server-behind-nat", "Branch");
	assert_non_null(f);
	assert_int_equal(f->windows_error, 809);
	assert_int_equal(f->action.kind, FIX_SET_DWORD);
	assert_int_equal(f->action.reg, LOCAL_REG_ASSUME_UDP);
	assert_int_equal(f->action.value, 1);
	assert_true(f->action.reboot);
	assert_null(find("server-behind-nat", "Work"));
	facts[0].nat_client = 1;
	local_rules(&PC, facts, &D);
	f = find("server-behind-nat", "Branch");
	assert_non_null(f);
	assert_int_equal(f->action.value, 2);
	struct fix_plan p;
	local_rules_plan(&PC, &D, &p);
	assert_int_equal(p.n, 3); /* the value, then IKEEXT and PolicyAgent restarted */
	assert_int_equal(p.a[0].kind, FIX_SET_DWORD);
	assert_int_equal(p.a[0].old_reg.state, LOCAL_ABSENT);
	assert_int_equal(p.a[1].svc, LOCAL_SVC_IKEEXT);
	assert_int_equal(p.a[2].svc, LOCAL_SVC_POLICYAGENT);
	/* already 2: nothing to change */
	PC.reg[LOCAL_REG_ASSUME_UDP] = (struct local_regval){.state = LOCAL_PRESENT, .value = 2};
	local_rules(&PC, facts, &D);
	assert_null(find("server-behind-nat", "Branch"));
	assert_non_null(find("assume-udp-set", "Branch"));
	/* of another type: Windows reads 0 [O] */
	PC.reg[LOCAL_REG_ASSUME_UDP] = (struct local_regval){.state = LOCAL_WRONG_TYPE, .type = 1};
	local_rules(&PC, facts, &D);
	assert_non_null(find("server-behind-nat", "Branch"));
	assert_non_null(find("registry-wrong-type", NULL));
}

/* The probe's own registry fixes become actions: NegotiateDH2048_AES256 = 1 from the profile's
 * fix-command (data/profiles/windows-ikev2.txt). */
static void test_probe_registry_fix(void **state)
{
	(void)state;
	struct fix_action a;
	assert_true(fix_from_command("reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters\" /v "
				     "NegotiateDH2048_AES256 /t REG_DWORD /d 1 /f",
				     &a));
	assert_int_equal(a.reg, LOCAL_REG_DH2048);
	assert_int_equal(a.value, 1);
	assert_true(fix_from_command("reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v "
				     "AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 2 /f\n# PowerShell:\nNew-ItemProperty",
				     &a));
	assert_int_equal(a.reg, LOCAL_REG_ASSUME_UDP);
	assert_int_equal(a.value, 2);
	/* not a registry change on this PC, or not one the tables know */
	assert_false(fix_from_command("proposals = aes256-sha256-modp2048", &a));
	assert_false(fix_from_command("reg add HKLM\\SOFTWARE\\Evil /v X /t REG_DWORD /d 1 /f", &a));
	assert_false(fix_from_command("reg add HKCU\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v "
				      "AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 2 /f", &a));
	assert_false(fix_from_command("reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v "
				      "AssumeUDPEncapsulationContextOnSendRule /t REG_SZ /d 2 /f", &a));
	assert_false(fix_from_command("reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v "
				      "AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 99999999999 /f", &a));
	assert_false(fix_from_command("reg add \"HKLM\\SYSTEM", &a));
	assert_false(fix_from_command("", &a));

	struct local_probe_facts facts = {.probed = true, .nat_client = -1, .nat_server = -1};
	pc_reset();
	add_conn("Work", PBK_VS_IKEV2_ONLY, "198.18.0.1");
	assert_true(fix_from_command("reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\RasMan\\Parameters\" /v "
				     "NegotiateDH2048_AES256 /t REG_DWORD /d 1 /f",
				     &facts.reg_fix[0]));
	snprintf(facts.reg_fix[0].cause, sizeof facts.reg_fix[0].cause, "proposal-mismatch");
	snprintf(facts.reg_fix[0].why, sizeof facts.reg_fix[0].why, "the server refuses Windows' default IKE proposals");
	facts.reg_fix_error[0] = 13868;
	facts.nreg_fix = 1;
	local_rules(&PC, &facts, &D);
	const struct local_finding *f = find("proposal-mismatch", "Work");
	assert_non_null(f);
	assert_int_equal(f->windows_error, 13868);
	assert_int_equal(f->action.reg, LOCAL_REG_DH2048);
	PC.reg[LOCAL_REG_DH2048] = (struct local_regval){.state = LOCAL_PRESENT, .value = 1};
	local_rules(&PC, &facts, &D);
	assert_null(find("proposal-mismatch", "Work")); /* already set */
}

static void test_registry_and_connections(void **state)
{
	(void)state;
	pc_reset();
	struct pbk_entry *e = add_conn("Branch", PBK_VS_L2TP_ONLY, "198.18.0.1");
	e->psk_configured = true;
	e = add_conn("Old", PBK_VS_PPTP_ONLY, "2001:2::1");
	e = add_conn("Work", PBK_VS_IKEV2_ONLY, "198.18.0.2");
	e->disable_ike_name_eku_check = PBK_YES;
	e->custom_policy = true;
	e->ip_prioritize_remote = PBK_NO;
	PC.reg[LOCAL_REG_PROHIBIT_IPSEC] = (struct local_regval){.state = LOCAL_PRESENT, .value = 1};
	PC.reg[LOCAL_REG_SSTP_NO_CRL] = (struct local_regval){.state = LOCAL_PRESENT, .value = 1};
	local_rules(&PC, NULL, &D);
	const struct local_finding *f = find("prohibit-ipsec", NULL);
	assert_non_null(f);
	assert_int_equal(f->windows_error, 791);
	assert_int_equal(f->action.value, 0);
	f = find("pptp-ipv6", "Old");
	assert_non_null(f);
	assert_int_equal(f->windows_error, 825);
	assert_non_null(find("name-eku-check-off", "Work"));
	assert_non_null(find("custom-ipsec-policy", "Work"));
	assert_non_null(find("split-tunnel", "Work"));
	assert_non_null(find("sstp-crl-check-off", NULL));
}

/* The events: 20227 newest first, older than --days left out, the stage of the same CoId. */
static void test_events(void **state)
{
	(void)state;
	const char *co = "{8c5b8f7e-1d2a-4b3c-9e0f-123456789abc}";
	struct {
		unsigned id;
		int64_t t;
		const char *coid, *code;
	} in[] = {{20221, 1000, co, NULL}, {20222, 1001, co, NULL}, {20227, 1002, co, "809"}, {20227, 10, "{x}", "13801"}};
	/* the events as Windows renders them, then the same step local_collect takes */
	pc_reset();
	PC.now = 2000;
	PC.days = 1;
	char xml[4096];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		char t[40];
		/* 1970-01-01T00:16:40Z is 1000 */
		snprintf(t, sizeof t, "1970-01-01T%02d:%02d:%02dZ", (int)(in[i].t / 3600), (int)(in[i].t / 60 % 60), (int)(in[i].t % 60));
		n += (size_t)snprintf(xml + n, sizeof xml - n,
				      "<Event><System><Provider Name='RasClient'/><EventID>%u</EventID><TimeCreated SystemTime='%s'/></System>"
				      "<EventData><Data>%s</Data><Data>u</Data><Data>Work</Data><Data>%s</Data></EventData></Event>\n",
				      in[i].id, t, in[i].coid, in[i].code ? in[i].code : "");
	}
	local_add_events(&PC, (const uint8_t *)xml, n);
	assert_int_equal(PC.events_state, LOCAL_PRESENT);
	assert_int_equal(PC.nfailures, 2); /* the one at t=10 is within one day of 2000 too */
	assert_int_equal(PC.failures[0].code, 809);
	assert_int_equal(PC.failures[0].stage, 20222);
	assert_int_equal(PC.failures[1].code, 13801);
	assert_int_equal(PC.failures[1].stage, 0);
	PC.conns = NULL;
	PC.nconns = 0;
	local_rules(&PC, NULL, &D);
	assert_non_null(find("event-failure", "Work"));
	free(PC.failures);
	evt_free(&PC.events);
	/* a window that leaves the old one out */
	pc_reset();
	PC.now = 100000;
	PC.days = 1;
	local_add_events(&PC, (const uint8_t *)xml, n);
	assert_int_equal(PC.nfailures, 0);
	free(PC.failures);
	evt_free(&PC.events);
}

/* The undo record: written from a plan, read back; hostile records refused. */
static void test_undo_record(void **state)
{
	(void)state;
	struct fix_plan p;
	memset(&p, 0, sizeof p);
	struct fix_action a = {.kind = FIX_SET_DWORD, .reg = LOCAL_REG_ASSUME_UDP, .value = 2,
			       .old_reg = {.state = LOCAL_ABSENT}};
	assert_non_null(fix_plan_add(&p, &a));
	a = (struct fix_action){.kind = FIX_SET_DWORD, .reg = LOCAL_REG_PROHIBIT_IPSEC, .value = 0,
				.old_reg = {.state = LOCAL_PRESENT, .value = 1}};
	assert_non_null(fix_plan_add(&p, &a));
	a = (struct fix_action){.kind = FIX_START_TYPE, .svc = LOCAL_SVC_IKEEXT, .value = 3, .old_start = 4};
	assert_non_null(fix_plan_add(&p, &a));
	fix_plan_finish(&p, NULL);
	assert_int_equal(p.n, 5);
	char *j = fix_undo_json(&p, 1733390000);
	assert_non_null(j);
	struct fix_undo u;
	char err[300];
	assert_int_equal(fix_undo_parse((const uint8_t *)j, strlen(j), &u, err, sizeof err), 0);
	free(j);
	assert_int_equal(u.n, 3); /* restarts are not undone */
	assert_int_equal(u.time, 1733390000);
	assert_int_equal(u.item[0].reg, LOCAL_REG_ASSUME_UDP);
	assert_false(u.item[0].existed);
	assert_int_equal(u.item[1].reg, LOCAL_REG_PROHIBIT_IPSEC);
	assert_true(u.item[1].existed);
	assert_int_equal(u.item[1].old_value, 1);
	assert_int_equal(u.item[2].kind, FIX_START_TYPE);
	assert_int_equal(u.item[2].svc, LOCAL_SVC_IKEEXT);
	assert_int_equal(u.item[2].old_value, 4);
	const char *bad[] = {
		"", "{", "[]", "{\"vpndiag_fix_undo\": 2, \"items\": []}",
		"{\"vpndiag_fix_undo\": 1, \"items\": [{\"registry\": \"Evil\", \"existed\": true, \"old\": 1, \"new\": 2}]}",
		"{\"vpndiag_fix_undo\": 1, \"items\": [{\"service\": \"IKEEXT\", \"old_start\": 9, \"new_start\": 3}]}",
		"{\"vpndiag_fix_undo\": 1, \"items\": [{\"registry\": \"ProhibitIpSec\", \"existed\": true, \"old\": -1, \"new\": 0}]}",
		"{\"vpndiag_fix_undo\": 1, \"items\": [1]}",
		"{\"vpndiag_fix_undo\": 1, \"items\": []} trailing",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		assert_int_equal(fix_undo_parse((const uint8_t *)bad[i], strlen(bad[i]), &u, err, sizeof err), -1);
		assert_true(err[0] != 0 && strchr(err, '\n') == NULL);
		assert_int_equal(u.n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_pc_has_no_failure), cmocka_unit_test(test_services),
		cmocka_unit_test(test_assume_udp_computed),     cmocka_unit_test(test_probe_registry_fix),
		cmocka_unit_test(test_registry_and_connections), cmocka_unit_test(test_events),
		cmocka_unit_test(test_undo_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
