/* L2TP/IPsec rules (src/rules/rules_l2tp.c): observations in, findings and verdict out; and the
 * Windows L2TP profile (data/profiles/windows-l2tp.txt) equals the decoded Windows MM1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kb/kb.h"
#include "profile/profile.h"
#include "rules/rules.h"
#include "util/fmt.h"
#include "wire/ikev1.h"

static struct obs_result R;
static struct diagnosis D;

static void reset(void)
{
	obs_result_free(&R);
	memset(&R, 0, sizeof R);
	R.selected = R.probed = KB_P_L2TP;
	R.timeout_ms = 6000;
}

static void add(enum obs_kind k, uint16_t port, bool natt, int32_t code, int64_t value, const char *set, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = KB_P_L2TP;
	o.port = port;
	o.natt = natt;
	o.code = code;
	o.value = value;
	fmt_into(o.set, sizeof o.set, "%s", set ? set : "");
	fmt_into(o.text, sizeof o.text, "%s", text ? text : "");
	fmt_into(o.evidence, sizeof o.evidence, "evidence %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(&R, &o), 0);
}

static const struct proto_verdict *l2(void)
{
	rules_evaluate(&R, &D);
	return &D.p[1];
}

static const struct finding *finding(const char *cause)
{
	for (size_t i = 0; i < D.nf; i++)
		if (D.f[i].proto == KB_P_L2TP && strcmp(D.f[i].cause, cause) == 0)
			return &D.f[i];
	return NULL;
}

/* MM1..MM4 answered on UDP 500, NAT as given */
static void base(int nat_client, int nat_server)
{
	reset();
	add(OBS_L2TP_MM_ACCEPTED, 500, false, 20, 1, "default", "AES_CBC_256/SHA1/ECP_384/PRE_SHARED_KEY/28800s");
	add(OBS_L2TP_NATT, 500, false, 0, 1, "default", "RFC 3947");
	add(OBS_L2TP_MM4, 500, false, 20, 2, "default", NULL);
	add(OBS_NAT_CLIENT, 500, false, 0, nat_client, "default", NULL);
	add(OBS_NAT_SERVER, 500, false, 0, nat_server, "default", NULL);
}

static void test_works_only_with_verified_key(void **state)
{
	(void)state;
	base(0, 0);
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	assert_non_null(strstr(D.p[1].summary, "not checked: Quick Mode"));
	/* no key: unknown, and it says how to decide */
	base(0, 0);
	add(OBS_L2TP_PSK_NOT_GIVEN, 500, false, 0, 0, "default", NULL);
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(D.p[1].summary, "give --psk-file to check the pre-shared key"));
	/* MM1 only: never works */
	reset();
	add(OBS_L2TP_MM_ACCEPTED, 500, false, 20, 1, "default", "x");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	/* client behind NAT, MM6 on 4500: works, with the info finding and no registry advice */
	base(1, 0);
	add(OBS_L2TP_MOVED_4500, 4500, true, 0, 0, "default", "client");
	add(OBS_L2TP_PSK_MATCH, 4500, true, 0, 1, "default", NULL);
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	assert_non_null(finding("client-behind-nat"));
	for (size_t i = 0; i < D.nf; i++)
		for (size_t j = 0; j < D.f[i].nfixes; j++)
			assert_null(strstr(D.f[i].fixes[j].command, "AssumeUDPEncapsulation"));
}

static void test_psk_mismatch(void **state)
{
	(void)state;
	for (int ev = 1; ev <= 3; ev++) {
		base(0, 0);
		add(OBS_L2TP_PSK_MISMATCH, 500, false, ev == 1 ? 23 : 0, ev, "default", NULL);
		const struct proto_verdict *p = l2();
		assert_int_equal(p->verdict, VERDICT_FAILS);
		assert_int_equal(p->windows_error, 789);
		assert_string_equal(p->cause, "psk-mismatch");
		assert_int_equal(finding("psk-mismatch")->basis, KB_VENDOR);
	}
	/* silence after MM5 on a port that answers IKE: inferred */
	base(0, 0);
	add(OBS_L2TP_NO_ANSWER, 500, false, 5, 3, "default", "silence");
	assert_int_equal(l2()->windows_error, 789);
	assert_int_equal(finding("psk-mismatch")->basis, KB_INFERRED);
	/* one MM5 only (cut by --timeout): undecided */
	base(0, 0);
	add(OBS_L2TP_NO_ANSWER, 500, false, 5, 1, "default", "silence");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
}

static void test_server_nat(void **state)
{
	(void)state;
	for (int both = 0; both <= 1; both++) {
		base(both, 1);
		add(OBS_L2TP_PSK_MATCH, 4500, true, 0, 1, "default", NULL);
		const struct proto_verdict *p = l2();
		assert_int_equal(p->verdict, VERDICT_FAILS); /* a verified key does not make it work */
		assert_int_equal(p->windows_error, 809);
		assert_string_equal(p->cause, "server-behind-nat");
		const struct finding *f = finding("server-behind-nat");
		assert_non_null(strstr(f->fixes[0].command, both ? "/d 2 /f" : "/d 1 /f"));
		assert_non_null(strstr(f->fixes[0].command, "New-ItemProperty"));
		assert_non_null(strstr(f->fixes[0].text, "restart"));
		assert_non_null(strstr(f->fixes[0].text, "feature updates"));
	}
}

static void test_ports_and_proposals(void **state)
{
	(void)state;
	reset();
	add(OBS_UDP_NO_ANSWER, 500, false, 15000, 4, "default", NULL);
	add(OBS_UDP_NO_ANSWER, 1701, false, 7000, 3, NULL, NULL);
	assert_string_equal(l2()->cause, "udp500-filtered");
	assert_int_equal(D.p[1].windows_error, 809);
	reset();
	add(OBS_UDP_ICMP, 500, false, 3, 3, "default", "port-unreachable");
	assert_string_equal(l2()->cause, "udp500-unreachable");
	/* 4500: NAT seen, MM5 on 4500 silent, MM1 on 4500 unanswered */
	base(1, 0);
	add(OBS_L2TP_MOVED_4500, 4500, true, 0, 0, "default", "client");
	add(OBS_UDP_NO_ANSWER, 4500, true, 6000, 3, "default", NULL);
	add(OBS_L2TP_NO_ANSWER, 4500, true, 5, 3, "default", "silence");
	assert_string_equal(l2()->cause, "udp4500-filtered");
	assert_null(finding("psk-mismatch"));
	/* NO-PROPOSAL-CHOSEN, the broad set accepted: proposal mismatch; refused too: not offered */
	reset();
	add(OBS_L2TP_MM_REFUSED, 500, false, 14, 0, "default", "NO_PROPOSAL_CHOSEN");
	add(OBS_L2TP_MM_ACCEPTED, 500, false, 14, 3, "broad", "AES_CBC_256/SHA2_256/MODP_2048");
	assert_string_equal(l2()->cause, "proposal-mismatch");
	assert_int_equal(D.p[1].windows_error, 788);
	reset();
	add(OBS_L2TP_MM_REFUSED, 500, false, 14, 0, "default", "NO_PROPOSAL_CHOSEN");
	add(OBS_L2TP_MM_REFUSED, 500, false, 14, 0, "broad", "NO_PROPOSAL_CHOSEN");
	assert_string_equal(l2()->cause, "ikev1-not-offered");
	/* plain L2TP answered: a warning, not a failure */
	base(0, 0);
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
	add(OBS_L2TP_PLAIN_ANSWER, 1701, false, 2, 0, NULL, "vm");
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	assert_int_equal(finding("l2tp-without-ipsec")->severity, SEV_WARNING);
}

/* Aggressive Mode with a PSK answered with HASH_R: a warning, never the verdict; refused or silent:
 * nothing. */
static void test_aggressive_mode_psk(void **state)
{
	(void)state;
	/* healthy Main Mode + AM answered: still works, plus the warning */
	base(0, 0);
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
	add(OBS_L2TP_AM_HASH, 500, false, 20, 20, "default", "AES_CBC_256/SHA1/ECP_384/PRE_SHARED_KEY/28800s");
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	assert_int_equal(D.p[1].windows_error, 0);
	const struct finding *f = finding("ike-aggressive-mode-psk");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->windows_error, 0);
	assert_int_equal(f->basis, KB_DOCUMENTED);
	assert_non_null(strstr(f->evidence[0], "evidence l2tp-am-hash"));
	bool rfc = false, am_disable = false, strongswan = false;
	for (size_t i = 0; i < f->nevidence; i++)
		rfc = rfc || strstr(f->evidence[i], "RFC 2409 5.4");
	for (size_t i = 0; i < f->nfixes; i++) {
		am_disable = am_disable || strstr(f->fixes[i].command, "crypto ikev1 am-disable");
		strongswan = strongswan || (strstr(f->fixes[i].command, "aggressive = no") &&
					    strstr(f->fixes[i].text, "i_dont_care_about_security_and_use_aggressive_mode_psk"));
	}
	assert_true(rfc && am_disable && strongswan);
	assert_non_null(strstr(D.p[1].summary, "warning: security: the server answers IKEv1 Aggressive Mode"));
	/* a failing L2TP keeps its own verdict and cause; the warning comes along */
	base(0, 0);
	add(OBS_L2TP_PSK_MISMATCH, 500, false, 23, 1, "default", NULL);
	add(OBS_L2TP_AM_HASH, 500, false, 20, 20, "default", "x");
	assert_int_equal(l2()->verdict, VERDICT_FAILS);
	assert_string_equal(D.p[1].cause, "psk-mismatch");
	assert_int_equal(D.p[1].windows_error, 789);
	assert_non_null(finding("ike-aggressive-mode-psk"));
	/* UDP 500 silent to Main Mode: still 809 (the AM answer is not "UDP 500 answers IKE" for the rules) */
	reset();
	add(OBS_UDP_NO_ANSWER, 500, false, 15000, 4, "default", NULL);
	add(OBS_L2TP_AM_NO_ANSWER, 500, false, 0, 4, "default", "silence");
	assert_string_equal(l2()->cause, "udp500-filtered");
	assert_null(finding("ike-aggressive-mode-psk"));
	/* refused (NO-PROPOSAL-CHOSEN, AUTHENTICATION-FAILED) or silent: no warning, verdict unchanged */
	static const int32_t refusals[] = {14, 24};
	for (size_t i = 0; i < 2; i++) {
		base(0, 0);
		add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
		add(OBS_L2TP_AM_REFUSED, 500, false, refusals[i], 0, "default", "NO_PROPOSAL_CHOSEN");
		assert_int_equal(l2()->verdict, VERDICT_WORKS);
		assert_null(finding("ike-aggressive-mode-psk"));
		assert_null(strstr(D.p[1].summary, "Aggressive"));
	}
	base(0, 0);
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
	add(OBS_L2TP_AM_NO_ANSWER, 500, false, 0, 4, "default", "silence");
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	assert_null(finding("ike-aggressive-mode-psk"));
	/* no key given: unknown stays unknown, with or without the warning */
	base(0, 0);
	add(OBS_L2TP_PSK_NOT_GIVEN, 500, false, 0, 0, "default", NULL);
	add(OBS_L2TP_AM_HASH, 500, false, 20, 20, "default", "x");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(D.p[1].summary, "give --psk-file"));
	assert_non_null(finding("ike-aggressive-mode-psk"));
}

static void test_errors_in_kb(void **state)
{
	(void)state;
	struct kb kb;
	char err[256];
	assert_int_equal(kb_load_builtin(&kb, err, sizeof err), 0);
	const struct rules_row *rows;
	size_t n = rules_table(&rows), seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(rows[i].protos & KB_P_L2TP))
			continue;
		seen++;
		if (rows[i].windows_error && !kb_find_code(&kb, rows[i].windows_error))
			fail_msg("%s predicts %u, not in the knowledge base", rows[i].cause, rows[i].windows_error);
	}
	assert_true(seen >= 10);
	kb_free(&kb);
}

static void test_profile_is_windows_mm1(void **state)
{
	(void)state;
	static struct profile p;
	char err[256];
	assert_int_equal(profile_load_builtin("windows-l2tp", &p, err, sizeof err), 0);
	assert_int_equal(p.ike_version, 1);
	assert_int_equal(p.sets[0].ntransforms1, 5);
	assert_memory_equal(p.sets[0].transforms1, ike1_windows_mm1_transforms, sizeof ike1_windows_mm1_transforms);
	assert_int_equal(p.nvids, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(p.vids[i].len, ike1_windows_mm1_vids[i].len);
		assert_memory_equal(p.vids[i].data, ike1_windows_mm1_vids[i].p, p.vids[i].len);
	}
	assert_non_null(profile_find_set(&p, "broad"));
	/* the IKEv1 keys are rejected in IKEv2 profiles and vice versa */
	static const char v2[] = "format: 1\nname: x\nnonce-length: 32\nretransmit-ms: 1000\nset: a\nke-group: modp1024\ntransform: enc=3des hash=sha1 group=modp1024\n";
	assert_int_equal(profile_parse("t", (const uint8_t *)v2, sizeof v2 - 1, &p, err, sizeof err), -1);
	static const char v1[] = "format: 1\nname: x\nike-version: 1\nnonce-length: 32\nretransmit-ms: 1000\nset: a\ntransform: enc=aes-cbc-256 hash=sha2-256 group=ecp256\n";
	assert_int_equal(profile_parse("t", (const uint8_t *)v1, sizeof v1 - 1, &p, err, sizeof err), 0);
	assert_int_equal(p.sets[0].transforms1[0].key_len, 256);
	assert_int_equal(p.sets[0].transforms1[0].group, 19);
	static const char v1bad[] = "format: 1\nname: x\nike-version: 1\nnonce-length: 32\nretransmit-ms: 1000\nset: a\ntransform: enc=aes-cbc-256 hash=sha2-256\n";
	assert_int_equal(profile_parse("t", (const uint8_t *)v1bad, sizeof v1bad - 1, &p, err, sizeof err), -1);
}

static int teardown(void **state)
{
	(void)state;
	obs_result_free(&R);
	return 0;
}

/* Issue 11: what hostile servers leave in the observations never reads as "filtered", "silence"
 * or "works". */
static void test_hostile_observations(void **state)
{
	(void)state;
	/* junk on UDP 500 (lying lengths, zero-length payloads, another protocol): not filtered */
	reset();
	add(OBS_UDP_NO_ANSWER, 500, false, 3000, 3, "default", NULL);
	add(OBS_L2TP_MALFORMED, 500, false, 1, 1, "default", "does not parse as IKEv1: payload 1 length 65535 exceeds the 32 bytes left");
	const struct proto_verdict *p = l2();
	assert_int_equal(p->verdict, VERDICT_UNKNOWN);
	assert_null(finding("udp500-filtered"));
	assert_non_null(strstr(p->summary, "something answers on UDP 500, but not with a valid IKEv1 reply"));
	assert_non_null(strstr(p->summary, "payload 1 length 65535"));
	/* what the probe records now: no udp-no-answer, an l2tp-no-answer "malformed answers" */
	reset();
	add(OBS_L2TP_MALFORMED, 500, false, 1, 1, "default", "shorter than the 28-byte ISAKMP header");
	add(OBS_L2TP_NO_ANSWER, 500, false, 1, 3, "default", "malformed answers");
	p = l2();
	assert_int_equal(p->verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(p->summary, "l2tp-malformed"));
	/* a flood of junk is the same */
	reset();
	add(OBS_UDP_NO_ANSWER, 500, false, 3000, 3, "default", NULL);
	add(OBS_L2TP_MALFORMED, 500, false, 1, 5000, "default", "a flood: 5000 datagrams that do not parse");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	/* ICMP port unreachable together with junk from the port: not "unreachable" */
	reset();
	add(OBS_UDP_ICMP, 500, false, 3, 3, "default", "port-unreachable");
	add(OBS_L2TP_MALFORMED, 500, false, 1, 1, "default", "x");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	assert_null(finding("udp500-unreachable"));
	/* junk on 1701 (code 0) or to our Aggressive Mode probe (code 7) says nothing about 500 */
	for (int code = 0; code <= 7; code += 7) {
		reset();
		add(OBS_UDP_NO_ANSWER, 500, false, 3000, 3, "default", NULL);
		add(OBS_L2TP_MALFORMED, code ? 500 : 1701, false, code, 1, "default", "x");
		assert_int_equal(l2()->verdict, code ? VERDICT_UNKNOWN : VERDICT_FAILS);
	}
	/* replies with our cookie that are not replies: wrong exchange type, unexpected content,
	 * encrypted: something answers, not filtered */
	static const int ours[] = {2, 4, 5, 7};
	for (size_t i = 0; i < 4; i++) {
		reset();
		add(OBS_UDP_NO_ANSWER, 500, false, 3000, 3, "default", NULL);
		add(OBS_L2TP_IGNORED, 500, false, ours[i], 1, "default", "our cookie, but neither our exchange type nor Informational");
		p = l2();
		assert_int_equal(p->verdict, VERDICT_UNKNOWN);
		assert_non_null(strstr(p->summary, "l2tp-ignored"));
	}
	/* another cookie, a zero responder cookie (our MM1 reflected), a wrong source: still filtered */
	static const int not_ours[] = {1, 3, 8};
	for (size_t i = 0; i < 3; i++) {
		reset();
		add(OBS_UDP_NO_ANSWER, 500, false, 3000, 3, "default", NULL);
		add(OBS_L2TP_IGNORED, 500, false, not_ours[i], 1, "default", "x");
		assert_string_equal(l2()->cause, "udp500-filtered");
	}
	/* after MM5: junk is not silence, so no inferred key mismatch */
	base(0, 0);
	add(OBS_L2TP_MALFORMED, 500, false, 5, 1, "default", "does not parse as IKEv1: header Length 9999 exceeds the 60 bytes received");
	add(OBS_L2TP_NO_ANSWER, 500, false, 5, 3, "default", "silence");
	p = l2();
	assert_int_equal(p->verdict, VERDICT_UNKNOWN);
	assert_null(finding("psk-mismatch"));
	/* ...but MM4 retransmitted after MM5 (normal IKE behaviour) leaves it as it was */
	base(0, 0);
	add(OBS_L2TP_IGNORED, 500, false, 6, 2, "default", "a clear Main Mode message after MM5 (MM2 or MM4 again)");
	add(OBS_L2TP_NO_ANSWER, 500, false, 5, 3, "default", "silence");
	assert_string_equal(l2()->cause, "psk-mismatch");
	/* an MM6 too long to decrypt: unknown, never works */
	base(0, 0);
	add(OBS_L2TP_MALFORMED, 500, false, 5, 1, "default", "5000 encrypted bytes: longer than the 4096 this probe decrypts");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	/* stall after MM4 with MM2 retransmitted endlessly: unknown */
	reset();
	add(OBS_L2TP_MM_ACCEPTED, 500, false, 20, 1, "default", "x");
	add(OBS_L2TP_IGNORED, 500, false, 6, 40, "default", "a flood: 40 datagrams that are not replies");
	add(OBS_L2TP_NO_ANSWER, 500, false, 3, 3, "default", "silence");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	/* NAT-T: junk on 4500 after the move is not "4500 filtered" */
	base(1, 0);
	add(OBS_L2TP_MOVED_4500, 4500, true, 0, 0, "default", "client");
	add(OBS_L2TP_MALFORMED, 4500, true, 5, 1, "default", "no non-ESP marker (ESP or not IKE)");
	add(OBS_L2TP_NO_ANSWER, 4500, true, 5, 3, "default", "silence");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
	assert_null(finding("udp4500-filtered"));
	/* works stays as strict as it was: HASH_R verified (value 1) on the default set; junk that
	 * came besides a verified MM6 does not undo the proof */
	base(0, 0);
	add(OBS_L2TP_MALFORMED, 500, false, 3, 1, "default", "x");
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 1, "default", NULL);
	assert_int_equal(l2()->verdict, VERDICT_WORKS);
	base(0, 0);
	add(OBS_L2TP_MALFORMED, 500, false, 5, 1, "default", "x");
	add(OBS_L2TP_PSK_MATCH, 500, false, 0, 2, "default", NULL); /* informational only */
	assert_int_not_equal(l2()->verdict, VERDICT_WORKS);
	/* a garbage MM6 is a mismatch, never works */
	base(0, 0);
	add(OBS_L2TP_PSK_MISMATCH, 500, false, 0, 2, "default", NULL);
	assert_int_equal(l2()->verdict, VERDICT_FAILS);
	/* a truncated datagram alone decides nothing */
	reset();
	add(OBS_UDP_TRUNCATED, 500, false, 65536, 65536, "default", "larger than 65536 bytes");
	assert_int_equal(l2()->verdict, VERDICT_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_works_only_with_verified_key), cmocka_unit_test(test_psk_mismatch),
		cmocka_unit_test(test_server_nat),                   cmocka_unit_test(test_ports_and_proposals),
		cmocka_unit_test(test_errors_in_kb),                 cmocka_unit_test(test_profile_is_windows_mm1),
		cmocka_unit_test(test_aggressive_mode_psk),          cmocka_unit_test(test_hostile_observations),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
