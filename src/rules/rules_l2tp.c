/* L2TP/IPsec rules: observations of the L2TP probe (src/probes/l2tp.c, obs_l2tp.def) -> findings.
 * Facts: shared/reference/windows-vpn-facts.md §2.4, §2.7, §5, §6.5, §7, §8 item 6. */
#include "rules/rules_internal.h"

#include <string.h>

#include "util/fmt.h"

static const struct obs *find(const struct obs_result *r, enum obs_kind k, int natt)
{
	return rules_find_obs(r, k, KB_P_L2TP, natt);
}

static const struct obs *find_port(const struct obs_result *r, enum obs_kind k, uint16_t port)
{
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == k && r->obs[i].proto == KB_P_L2TP && r->obs[i].port == port)
			return &r->obs[i];
	return NULL;
}

/* The main exchange's MM1 on UDP 500 got an IKE answer (accepted or refused with a notify). */
static bool ike500_answered(const struct obs_result *r)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto == KB_P_L2TP && !o->natt && (o->kind == OBS_L2TP_MM_ACCEPTED || o->kind == OBS_L2TP_MM_REFUSED) &&
		    o->port != 0 && strcmp(o->text, "no answer") != 0)
			return true;
	}
	return false;
}

/* Something from the server's address answered the IKE exchanges (UDP 500, or 4500 with natt),
 * but not with a valid reply: a datagram that does not parse as ISAKMP (l2tp-malformed), or one
 * with our keyed cookie that is not the reply the step waits for (l2tp-ignored codes 2 wrong
 * exchange type, 4 other responder cookie, 5 unexpected content, 7 encrypted). Not counted: L2TP
 * on 1701 (code 0), another cookie (1), a zero responder cookie (3: our own request reflected), a
 * retransmission of the server's previous message (6: normal IKE behaviour), a wrong source (8),
 * a NAT keepalive (9). Then the port is not "filtered" or
 * "silent" and the verdict is at most unknown, unless a reply decided it. */
static const struct obs *answered_badly(const struct obs_result *r, int natt)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto != KB_P_L2TP || (natt >= 0 && o->natt != (natt != 0)))
			continue;
		if (o->kind == OBS_L2TP_MALFORMED && o->code != 0)
			return o;
		if (o->kind == OBS_L2TP_IGNORED && (o->code == 2 || o->code == 4 || o->code == 5 || o->code == 7))
			return o;
	}
	return NULL;
}


/* 809: ICMP unreachable for UDP 500 [V]. */
static void rule_udp500_unreachable(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find_port(r, OBS_UDP_ICMP, 500);
	if (!o || o->natt || ike500_answered(r) || answered_badly(r, 0))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "UDP %u is unreachable (%s): nothing answers IKEv1 there", o->port, o->text);
	if (!f)
		return;
	rules_evidence(f, "Windows retransmits Main Mode 1 and gives up with 809 [inferred: IKEEXT does not act on ICMP errors]");
	rules_fix(f, "Start the IKEv1/L2TP service on the server (RRAS: Routing and Remote Access; strongSwan/Libreswan: the IKE daemon) and let it listen on this address; check that the name points at the VPN server.",
		  "ss -ulpn 'sport = :500'");
	rules_fix(f, RULES_IKE_FW_TEXT, RULES_IKE_FW_WINDOWS);
}

/* 809: no answer on UDP 500 [V]. */
static void rule_udp500_filtered(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find_port(r, OBS_UDP_NO_ANSWER, 500);
	/* only an ICMP error for UDP 500 itself decides otherwise: one for the L2TP side check on 1701
	 * (xl2tpd not listening on this address family) says nothing about IKE */
	const struct obs *icmp = find_port(r, OBS_UDP_ICMP, 500);
	if (!o || o->natt || ike500_answered(r) || (icmp && !icmp->natt) || answered_badly(r, 0))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "no answer on UDP 500 to Windows' Main Mode 1: filtered on the path, or no IKEv1 service");
	if (!f)
		return;
	if (find(r, OBS_L2TP_MM_ACCEPTED, 1))
		rules_evidence(f, "UDP 4500 answers IKEv1, so the server runs IKE: UDP 500 is filtered on the path");
	rules_fix(f, RULES_IKE_FW_TEXT, RULES_IKE_FW_WINDOWS);
	rules_fix(f, "On a Linux firewall or server:", RULES_IKE_FW_LINUX);
}

static const struct obs *main_refused(const struct obs_result *r)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == OBS_L2TP_MM_REFUSED && o->proto == KB_P_L2TP && !o->natt && strcmp(o->set, "default") == 0 &&
		    o->code == 14)
			return o;
	}
	return NULL;
}

static const struct obs *alt_accepted(const struct obs_result *r)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == OBS_L2TP_MM_ACCEPTED && o->proto == KB_P_L2TP && o->set[0] && strcmp(o->set, "default") != 0)
			return o;
	}
	return NULL;
}

/* Windows' own transforms accepted (on 500 or on the 4500 probe). */
static bool default_accepted(const struct obs_result *r)
{
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == OBS_L2TP_MM_ACCEPTED && r->obs[i].proto == KB_P_L2TP &&
		    (!r->obs[i].set[0] || strcmp(r->obs[i].set, "default") == 0))
			return true;
	return false;
}

static void alt_evidence(const struct obs_result *r, struct finding *f)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto == KB_P_L2TP && o->set[0] && strcmp(o->set, "default") != 0 &&
		    (o->kind == OBS_L2TP_MM_ACCEPTED || o->kind == OBS_L2TP_MM_REFUSED))
			rules_evidence(f, o->evidence);
	}
}

static const char *const basis_788 =
	"Which of 788 and 789 Windows shows for a Main Mode proposal mismatch is not documented; 788 (\"the L2TP connection attempt failed because the security layer could not negotiate compatible parameters with the remote computer\") is the closer match [inferred, facts sheet 7]";

/* 788 [I]: NO-PROPOSAL-CHOSEN to Windows' transforms, and to every transform we could offer. */
static void rule_ikev1_not_offered(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = main_refused(r);
	if (!o || alt_accepted(r) || default_accepted(r))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "the server answers IKE on UDP 500 but accepts no IKEv1 Main Mode with a pre-shared key: no L2TP/IPsec (IKEv1 PSK) configuration");
	if (!f)
		return;
	alt_evidence(r, f);
	rules_evidence(f, basis_788);
	rules_fix(f, "Enable L2TP/IPsec with a pre-shared key on the server (RRAS: allow custom IPsec policy for L2TP/IKEv2 connections and set the pre-shared key; strongSwan: an IKEv1 connection with auth = psk, version = 1), or use IKEv2 or SSTP from Windows instead.",
		  NULL);
}

/* 788 [I]: NO-PROPOSAL-CHOSEN to Windows' transforms, while other transforms are accepted. */
static void rule_proposal_mismatch(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = main_refused(r), *a = alt_accepted(r);
	if (!o || !a || default_accepted(r))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "the server refuses all five Main Mode transforms Windows sends, but accepts %s", a->text);
	if (!f)
		return;
	alt_evidence(r, f);
	rules_evidence(f, basis_788);
	rules_fix(f, "Add one of Windows' Main Mode transforms to the server's IKEv1 proposals: AES-CBC-256/SHA1/ECP384, AES-CBC-128/SHA1/ECP256, AES-CBC-256/SHA1/MODP2048, 3DES/SHA1/MODP2048 or 3DES/SHA1/MODP1024 (the Windows L2TP client cannot be configured to send others).",
		  "# strongSwan (swanctl.conf, the IKEv1 connection):\nproposals = aes256-sha1-ecp384,aes128-sha1-ecp256,aes256-sha1-modp2048,3des-sha1-modp2048,3des-sha1-modp1024");
}

/* 809 [D]: NAT-D shows the server behind NAT; Windows then needs AssumeUDPEncapsulationContextOnSendRule
 * (1 server behind NAT, 2 both behind NAT) and a reboot (facts 2.7, KB 926179). */
static void rule_server_nat(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_NAT_SERVER, -1);
	if (!o || o->value != 1)
		return;
	const struct obs *c = find(r, OBS_NAT_CLIENT, -1);
	bool both = c && c->value == 1;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "the server is behind NAT%s: Windows refuses L2TP/IPsec to a server behind NAT unless AssumeUDPEncapsulationContextOnSendRule = %d",
		 both ? ", and so is this client" : "", both ? 2 : 1);
	if (!f)
		return;
	if (c)
		rules_evidence(f, c->evidence);
	char text[440], cmd[600];
	fmt_into(text, sizeof text,
		 "On each Windows client set AssumeUDPEncapsulationContextOnSendRule = %d (REG_DWORD) under HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent (%s), then restart the computer. Windows feature updates may reset it: set it again after an upgrade. A Windows server behind NAT needs the same value.",
		 both ? 2 : 1, both ? "2 = both the server and the client are behind NAT" : "1 = the server is behind NAT");
	fmt_into(cmd, sizeof cmd,
		 "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d %d /f\n"
		 "# PowerShell:\nNew-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent' -Name AssumeUDPEncapsulationContextOnSendRule -PropertyType DWord -Value %d -Force\n"
		 "Restart-Computer",
		 both ? 2 : 1, both ? 2 : 1);
	rules_fix(f, text, cmd);
	rules_fix(f, "Or use IKEv2 or SSTP, which need no registry change for a server behind NAT.", NULL);
}

/* 809 [V]: NAT detected, Main Mode moved to UDP 4500 and nothing answers there. */
static void rule_udp4500(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *mv = find(r, OBS_L2TP_MOVED_4500, -1), *sil = NULL;
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == OBS_L2TP_NO_ANSWER && r->obs[i].proto == KB_P_L2TP && r->obs[i].natt &&
		    r->obs[i].code == 5 && strcmp(r->obs[i].text, "silence") == 0)
			sil = &r->obs[i];
	const struct obs *probe = find(r, OBS_L2TP_MM_ACCEPTED, 1);
	if (!mv || !sil || probe || answered_badly(r, 1))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, mv, "UDP 500 answers, but after NAT detection nothing answers on UDP 4500: NAT traversal is blocked");
	if (!f)
		return;
	rules_evidence(f, sil->evidence);
	const struct obs *n = find_port(r, OBS_UDP_NO_ANSWER, 4500);
	if (n)
		rules_evidence(f, n->evidence);
	rules_evidence(f, "the pre-shared key could not be checked (MM5 never reached the server)");
	rules_fix(f, RULES_IKE_FW_TEXT, RULES_IKE_FW_WINDOWS);
	rules_fix(f, "On a Linux firewall or server:", RULES_IKE_FW_LINUX);
}

static const char *const psk_fix =
	"Give the Windows connection exactly the server's pre-shared key (Settings > VPN > the connection > Advanced options > Edit > Pre-shared key, or PowerShell), or change the key on the server. Keys are case-sensitive; watch for trailing blanks.";
static const char *const psk_cmd =
	"Set-VpnConnection -Name '<VPN name>' -L2tpPsk '<the server key>' -Force   # run it interactively; do not store the key in scripts";

/* 789 [V]: the key does not verify (a notify, an MM6 or Informational that does not decrypt). */
static void rule_psk_mismatch(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_L2TP_PSK_MISMATCH, -1);
	if (!o || find(r, OBS_L2TP_PSK_MATCH, -1))
		return;
	static const char *const how[] = {"", "the server's notify", "an MM6 that does not decrypt with our keys",
					  "an encrypted Informational that does not decrypt with our keys"};
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "the pre-shared key does not match the server's (evidence: %s)",
					o->value >= 1 && o->value <= 3 ? how[o->value] : "MM5/MM6");
	rules_fix(f, psk_fix, psk_cmd);
}

/* 789 [I]: MM1-MM4 answered, then silence after MM5 (on a port that answers IKE). */
static void rule_psk_silence(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *sil = NULL;
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == OBS_L2TP_NO_ANSWER && r->obs[i].proto == KB_P_L2TP && r->obs[i].code == 5 &&
		    strcmp(r->obs[i].text, "silence") == 0)
			sil = &r->obs[i];
	if (!sil || find(r, OBS_L2TP_PSK_MATCH, -1) || find(r, OBS_L2TP_PSK_MISMATCH, -1))
		return;
	if (answered_badly(r, sil->natt))
		return; /* not silence: something answered MM5 that is not a valid reply */
	if (sil->natt && !find(r, OBS_L2TP_MM_ACCEPTED, 1))
		return; /* 4500 unproven: rule_udp4500 */
	if (sil->value < 2)
		return; /* MM5 sent once only (the run's --timeout): undecided */
	struct finding *f = rules_found(d, row, KB_P_L2TP, sil, "probably a pre-shared key mismatch: the server answered MM1-MM4 but never MM5 (evidence: silence after MM5)");
	if (!f)
		return;
	rules_evidence(f, "a server that cannot decrypt MM5 may drop it silently; a crash or a filter after MM4 would look the same [inferred]");
	rules_fix(f, psk_fix, psk_cmd);
}

/* Info: client behind NAT is fine for L2TP/IPsec (NAT-T) with the default registry [D, facts 8.6]. */
static void rule_client_nat(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_NAT_CLIENT, -1), *s = find(r, OBS_NAT_SERVER, -1);
	if (!o || o->value != 1 || (s && s->value == 1))
		return;
	struct finding *f = rules_found(d, row, KB_P_L2TP, o, "this client is behind NAT; L2TP/IPsec uses NAT-T (UDP 4500) and needs no registry change for that");
	if (!f)
		return;
	const struct obs *mv = find(r, OBS_L2TP_MOVED_4500, -1);
	if (mv)
		rules_evidence(f, mv->evidence);
	rules_evidence(f, "the NAT registry value of the Windows client is needed only for a server behind NAT, not for this; several Windows clients behind the same NAT can still conflict (fixed ports 500/4500/1701)");
}

static const struct rule l2tp_rules[] = {
	{{"udp500-unreachable", KB_P_L2TP, 809, KB_VENDOR, SEV_FAILURE}, .fn = rule_udp500_unreachable},
	{{"udp500-filtered", KB_P_L2TP, 809, KB_VENDOR, SEV_FAILURE}, .fn = rule_udp500_filtered},
	{{"ikev1-not-offered", KB_P_L2TP, 788, KB_INFERRED, SEV_FAILURE}, .fn = rule_ikev1_not_offered},
	{{"proposal-mismatch", KB_P_L2TP, 788, KB_INFERRED, SEV_FAILURE}, .fn = rule_proposal_mismatch},
	{{"server-behind-nat", KB_P_L2TP, 809, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_server_nat},
	{{"udp4500-filtered", KB_P_L2TP, 809, KB_VENDOR, SEV_FAILURE}, .fn = rule_udp4500},
	{{"psk-mismatch", KB_P_L2TP, 789, KB_VENDOR, SEV_FAILURE}, .fn = rule_psk_mismatch},
	{{"psk-mismatch", KB_P_L2TP, 789, KB_INFERRED, SEV_FAILURE}, .fn = rule_psk_silence},
	/* The key verified but the server refused MM5 for another reason [I]. */
	{{"ike-error-notify", KB_P_L2TP, 789, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_L2TP_MM5_REFUSED, .needs = OBS_L2TP_PSK_MATCH,
		.summary = "the pre-shared key matches but the server refuses Main Mode 5 with {text}",
		.ev = {{OBS_L2TP_PSK_MATCH, NULL}, {RULE_SELF, NULL}},
		.fix = {{"Check the server's IKE log for why it refuses the client's identity (Windows sends its IP address as ID_IPV4_ADDR).", NULL}}}},
	/* Warning: plain L2TP outside IPsec is answered (an SCCRP) [D: RFC 2661, facts 5]. */
	{{"l2tp-without-ipsec", KB_P_L2TP, 0, KB_DOCUMENTED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_L2TP_PLAIN_ANSWER, .test = RULE_CODE_EQ, .arg = 2,
		.summary = "the server accepts L2TP on UDP 1701 without IPsec: tunnels (and PPP credentials) can be set up unencrypted",
		.fix = {{"Accept L2TP only inside IPsec: drop UDP 1701 that is not ESP-protected (Linux: iptables -I INPUT -p udp --dport 1701 -m policy --dir in --pol none -j DROP; xl2tpd behind strongSwan), or on RRAS keep the L2TP IPsec requirement.",
			 "iptables -I INPUT -p udp --dport 1701 -m policy --dir in --pol none -j DROP"}}}},
	/* Warning: the server answers an Aggressive Mode 1 with a pre-shared key by sending HASH_R in
	 * the clear (our own probe; Windows never uses Aggressive Mode, so this never touches the
	 * verdict). Basis [D]: RFC 2409 5.4 (Aggressive Mode: SA, KE, nonces, IDs and HASH_R all in the
	 * clear) with 5 (SKEYID = prf(pre-shared-key, Ni_b | Nr_b)): whoever sees message 2 has every
	 * input of HASH_R but the key, and can test guesses offline; Cisco security notice
	 * cisco-sn-20030422-ike (2003) and ERNW, "PSK cracking using IKE Aggressive Mode" (2003);
	 * ike-scan's psk-crack does exactly that. A refusal or silence adds nothing. */
	{{"ike-aggressive-mode-psk", KB_P_L2TP, 0, KB_DOCUMENTED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_L2TP_AM_HASH,
		.summary = "security: the server answers IKEv1 Aggressive Mode with a pre-shared key: anyone can capture its key hash (HASH_R) and guess the key offline",
		.ev = {{RULE_NONE, "RFC 2409 5.4 and 5: in Aggressive Mode with a pre-shared key the responder's HASH_R = prf(prf(key, Ni | Nr), ...) travels in the clear with all its other inputs; an attacker needs no valid key or credentials to get it (Cisco security notice cisco-sn-20030422-ike; ike-scan -A with psk-crack)"},
		       {RULE_NONE, "Windows' L2TP/IPsec client uses Main Mode only, so this does not change whether Windows can connect"}},
		.fix = {{"Disable IKEv1 Aggressive Mode on the server (Windows clients never need it); on strongSwan set aggressive = no in every IKEv1 connection and remove charon.i_dont_care_about_security_and_use_aggressive_mode_psk from strongswan.conf; on a Cisco ASA: crypto ikev1 am-disable.",
			 "# strongSwan: swanctl.conf, each IKEv1 connection\naggressive = no\n# strongswan.conf: delete the line\n# i_dont_care_about_security_and_use_aggressive_mode_psk = yes\nswanctl --load-conns\n# Cisco ASA (configuration mode):\ncrypto ikev1 am-disable"},
			{"If Aggressive Mode must stay for other clients, use a long random pre-shared key, or move them to IKEv2 or certificate authentication; for Windows use IKEv2 (certificates or EAP) or L2TP/IPsec with a certificate instead of a pre-shared key.", NULL}}}},
	{{"client-behind-nat", KB_P_L2TP, 0, KB_DOCUMENTED, SEV_INFO}, .fn = rule_client_nat},
};

/* What was decided, for the summary: reachability, transform, NAT. */
static void decided(const struct obs_result *r, char *s, size_t n)
{
	const struct obs *a = find(r, OBS_L2TP_MM_ACCEPTED, 0);
	const struct obs *c = find(r, OBS_NAT_CLIENT, -1), *sv = find(r, OBS_NAT_SERVER, -1);
	if (a)
		fmt_append(s, n, "UDP 500 answers; the server accepts Windows' Main Mode (%s)", a->text);
	if (find(r, OBS_L2TP_MM4, -1))
		fmt_append(s, n, "; MM3/MM4 done");
	if (c && sv)
		fmt_append(s, n, "; NAT: %s", c->value && sv->value ? "both sides" : c->value ? "client side only" : sv->value ? "server side" : "none");
	if (find(r, OBS_L2TP_MOVED_4500, -1))
		fmt_append(s, n, "; MM5 sent on UDP 4500");
}

static void l2tp_settle(const struct obs_result *r, const struct diagnosis *d, struct proto_verdict *p)
{
	const struct obs *m = find(r, OBS_L2TP_PSK_MATCH, -1);
	const struct obs *sv = find(r, OBS_NAT_SERVER, -1);
	char s[480] = "";
	decided(r, s, sizeof s);
	if (m && m->value == 1 && !(sv && sv->value == 1) && find(r, OBS_L2TP_MM_ACCEPTED, 0)) {
		p->verdict = VERDICT_WORKS;
		p->checks_passed = true;
		fmt_into(p->summary, sizeof p->summary,
			 "%s; Main Mode completed (MM1-MM6) and the pre-shared key verified (HASH_R); not checked: Quick Mode, the L2TP tunnel and PPP sign-in",
			 s);
	} else if (find(r, OBS_L2TP_PSK_NOT_GIVEN, -1)) {
		p->checks_passed = true;
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: give --psk-file to check the pre-shared key (decided: %s; not decided: the key, MM5/MM6)", s);
	} else if (answered_badly(r, -1)) {
		const struct obs *b = answered_badly(r, -1);
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: something answers on UDP %u, but not with a valid IKEv1 reply (%s: %s)%s%s", b->port,
			 obs_kind_name(b->kind), b->text, s[0] ? "; decided: " : "", s);
	} else if (s[0]) {
		const struct obs *na = find(r, OBS_L2TP_NO_ANSWER, -1);
		fmt_into(p->summary, sizeof p->summary, "undecided: %s; not decided: %s", s,
			 na ? na->evidence : "the pre-shared key (Main Mode did not reach MM6)");
	} else {
		const struct obs *sf = find(r, OBS_SEND_FAILED, -1);
		if (sf)
			fmt_into(p->summary, sizeof p->summary, "undecided: %s", sf->evidence);
		else
			fmt_into(p->summary, sizeof p->summary,
				 "undecided: the probe ended (--timeout %.1f s) before an answer decided it", r->timeout_ms / 1000.0);
	}
	for (size_t i = 0; i < d->nf; i++)
		if (d->f[i].proto == KB_P_L2TP && d->f[i].severity == SEV_WARNING)
			fmt_append(p->summary, sizeof p->summary, "; warning: %s", d->f[i].summary);
}

const struct rules_proto rules_proto_l2tp = {
	KB_P_L2TP, l2tp_rules, sizeof l2tp_rules / sizeof l2tp_rules[0], l2tp_settle,
};
