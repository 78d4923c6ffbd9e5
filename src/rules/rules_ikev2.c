/* IKEv2 rules: observations of the IKEv2 probe -> findings. Facts: shared/reference/
 * windows-vpn-facts.md §2.1-2.3, §2.7, §6, §7. */
#include "rules/rules_internal.h"

#include <string.h>

#include "profile/profile.h"
#include "util/fmt.h"

static void ignored_evidence(const struct engine_result *r, struct finding *f, unsigned proto)
{
	size_t n = rules_count_obs(r, OBS_IKE_IGNORED, proto);
	const struct obs *o = rules_find_obs(r, OBS_IKE_IGNORED, proto, -1);
	if (n && o) {
		char s[320];
		fmt_into(s, sizeof s, "%zu datagram%s did not count as a reply (first: %s)", n, n == 1 ? "" : "s", o->text);
		rules_evidence(f, s);
	}
}

static bool port_answered(const struct engine_result *r, unsigned proto, bool natt)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto != proto || o->natt != natt)
			continue;
		if (o->kind == OBS_IKE_ACCEPTED || o->kind == OBS_IKE_REFUSED || o->kind == OBS_IKE_COOKIE ||
		    o->kind == OBS_IKE_INVALID_KE || o->kind == OBS_IKE_NO_ANSWER_AFTER_COOKIE)
			return true;
	}
	return false;
}

static const char *const fw_text =
	"Allow UDP 500 and UDP 4500 from the clients to the VPN server on every firewall in the path "
	"(and ESP, IP protocol 50, where no NAT is involved); on a NAT router in front of the server, "
	"forward UDP 500 and 4500 to it.";
static const char *const fw_windows =
	"New-NetFirewallRule -DisplayName \"IKE (UDP 500, 4500)\" -Direction Inbound -Protocol UDP -LocalPort 500,4500 -Action Allow";
static const char *const fw_linux = "iptables -I INPUT -p udp -m multiport --dports 500,4500 -j ACCEPT";

/* 809: ICMP unreachable for UDP 500 (nothing listens, or a firewall rejects) [D for 809]. */
static void rule_udp500_unreachable(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_UDP_ICMP, KB_P_IKEV2, 0);
	if (!o || port_answered(r, KB_P_IKEV2, false))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	bool port = strcmp(o->text, "port-unreachable") == 0;
	bool admin = strcmp(o->text, "admin-prohibited") == 0;
	fmt_into(f->summary, sizeof f->summary, "UDP %u is unreachable: %s", o->port,
		 port ? "ICMP port unreachable, nothing listens for IKE"
		      : admin ? "a firewall rejects it (ICMP administratively prohibited)" : "ICMP unreachable");
	rules_evidence(f, o->evidence);
	rules_evidence(f, "Windows keeps retransmitting IKE_SA_INIT and gives up with 809 [inferred: IKEEXT does not act on ICMP errors]");
	if (port) {
		rules_fix(f, "Start the IKEv2 service on the server and make it listen on this address "
		       "(RRAS: the Remote Access service; strongSwan: charon), or check that the name points at the VPN server.",
		    "Start-Service RemoteAccess      # RRAS\nsystemctl restart strongswan    # strongSwan");
		rules_fix(f, "Check what listens on UDP 500 on the server:", "ss -ulpn 'sport = :500'");
	} else {
		rules_fix(f, fw_text, fw_windows);
		rules_fix(f, "On a Linux firewall or server:", fw_linux);
	}
}

/* 809: no answer on UDP 500 after every retransmission [D]. Silence is "no answer", never
 * "closed": a filter, a dead host and a host without IKE look the same. */
static void rule_udp500_filtered(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_UDP_NO_ANSWER, KB_P_IKEV2, 0);
	if (!o || port_answered(r, KB_P_IKEV2, false) || rules_find_obs(r, OBS_UDP_ICMP, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary,
		 "no answer on UDP %u to Windows' IKE_SA_INIT: filtered on the path, or no IKE service", o->port);
	rules_evidence(f, o->evidence);
	ignored_evidence(r, f, KB_P_IKEV2);
	if (port_answered(r, KB_P_IKEV2, true))
		rules_evidence(f, "UDP 4500 answers IKE, so the server runs IKE: UDP 500 is filtered on the path");
	rules_fix(f, fw_text, fw_windows);
	rules_fix(f, "On a Linux firewall or server:", fw_linux);
	rules_fix(f, "Check that the IKE service listens on UDP 500 on the server:", "ss -ulpn 'sport = :500'");
}

/* The server asked for a COOKIE and then never answered the request that carried it [I]. */
static void rule_cookie_silence(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_IKE_NO_ANSWER_AFTER_COOKIE, KB_P_IKEV2, 0);
	if (!o || rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0) || rules_find_obs(r, OBS_IKE_REFUSED, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary, "the server demands a COOKIE, then does not answer the request that carries it");
	rules_evidence(f, o->evidence);
	const struct obs *c = rules_find_obs(r, OBS_IKE_COOKIE, KB_P_IKEV2, 0);
	if (c)
		rules_evidence(f, c->evidence);
	rules_fix(f, "Check the server's IKE logs for the rejected cookie (a load balancer that sends the two requests "
	       "to different servers, or a cookie secret that changes) and its half-open SA limits.",
	    NULL);
}

static const struct obs *first_alt_accepted(const struct engine_result *r)
{
	return rules_find_obs(r, OBS_IKE_ALT_ACCEPTED, KB_P_IKEV2, -1);
}

static bool is_policy_command(const char *cmd)
{
	return strncmp(cmd, "Set-VpnConnectionIPsecConfiguration", 35) == 0;
}

/* 13868: NO_PROPOSAL_CHOSEN (or an INVALID_KE for a group Windows does not offer) to the default
 * proposals [V]. The alternative sets tell which client change makes it work. */
static void rule_proposal_mismatch(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = NULL;
	for (size_t i = 0; i < r->nobs && !o; i++) {
		const struct obs *x = &r->obs[i];
		if (x->kind == OBS_IKE_REFUSED && x->proto == KB_P_IKEV2 &&
		    (x->code == IKE2_N_NO_PROPOSAL_CHOSEN || x->code == IKE2_N_INVALID_KE_PAYLOAD))
			o = x;
	}
	if (!o || rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	rules_evidence(f, o->evidence);
	const struct obs *ke = rules_find_obs(r, OBS_IKE_INVALID_KE, KB_P_IKEV2, -1);
	if (ke && o->code == IKE2_N_INVALID_KE_PAYLOAD)
		rules_evidence(f, ke->evidence);
	const struct obs *acc = first_alt_accepted(r);
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (x->proto == KB_P_IKEV2 && (x->kind == OBS_IKE_ALT_ACCEPTED || x->kind == OBS_IKE_ALT_REFUSED))
			rules_evidence(f, x->evidence);
	}
	if (acc) {
		fmt_into(f->summary, sizeof f->summary,
			 "the server refuses Windows' default IKE proposals (all MODP1024) and accepts %s", acc->text);
		char cmd[600] = "";
		if (acc->has_prop && is_policy_command(acc->fix_command)) {
			if (profile_policy_command(&acc->prop, NULL, cmd, sizeof cmd) != 0)
				fmt_into(cmd, sizeof cmd, "%s", acc->fix_command);
		} else {
			fmt_into(cmd, sizeof cmd, "%s", acc->fix_command);
		}
		rules_fix(f, acc->fix[0] ? acc->fix : "Make the client offer what the server accepted.", cmd[0] ? cmd : NULL);
		/* A second accepted set gives an alternative client change. */
		for (size_t i = 0; i < r->nobs; i++) {
			const struct obs *x = &r->obs[i];
			if (x == acc || x->kind != OBS_IKE_ALT_ACCEPTED || x->proto != KB_P_IKEV2 || !x->has_prop)
				continue;
			if (is_policy_command(x->fix_command) && !is_policy_command(acc->fix_command) &&
			    profile_policy_command(&x->prop, NULL, cmd, sizeof cmd) == 0) {
				char t[440];
				fmt_into(t, sizeof t, "Or give the connection a custom IPsec policy matching %s (Windows then sends only that proposal):",
					 x->text);
				rules_fix(f, t, cmd);
				break;
			}
		}
	} else {
		fmt_into(f->summary, sizeof f->summary,
			 "the server refuses Windows' default IKE proposals and every alternative Windows can be configured to send");
		rules_fix(f, "Configure the server to accept a proposal Windows can send, e.g. AES-256-CBC/SHA-256/MODP2048 "
		       "(then set NegotiateDH2048_AES256=1 on the clients) or AES-CBC/SHA-256/ECP256 with a matching custom policy. "
		       "strongSwan (swanctl.conf, connection proposals):",
		    "proposals = aes256-sha256-modp2048,aes256-sha256-ecp256,aes256-sha1-modp1024");
	}
	rules_fix(f, "Only if the clients cannot be changed: let the server also accept MODP1024 (weak, not recommended). "
	       "strongSwan:",
	    "proposals = aes256-sha256-modp2048,aes256-sha1-modp1024");
}

/* Any other error notify to IKE_SA_INIT: the SA is refused; the Windows error is not known [I]. */
static void rule_error_notify(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = NULL;
	for (size_t i = 0; i < r->nobs && !o; i++) {
		const struct obs *x = &r->obs[i];
		if (x->kind == OBS_IKE_REFUSED && x->proto == KB_P_IKEV2 && !x->natt &&
		    x->code != IKE2_N_NO_PROPOSAL_CHOSEN && x->code != IKE2_N_INVALID_KE_PAYLOAD)
			o = x;
	}
	if (!o || rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary, "the server refuses IKE_SA_INIT with %s", o->text);
	rules_evidence(f, o->evidence);
	const struct obs *ms = rules_find_obs(r, OBS_IKE_MS_STATUS, KB_P_IKEV2, -1);
	if (ms)
		rules_evidence(f, ms->evidence);
	rules_evidence(f, "the Windows error for this refusal is not known (no public source; lab-confirm) [inferred]");
	rules_fix(f, "Read the server's IKE log for why it refused the request (the notify names the reason).", NULL);
}

static bool nat_seen(const struct engine_result *r)
{
	const struct obs *c = rules_find_obs(r, OBS_NAT_CLIENT, KB_P_IKEV2, -1);
	const struct obs *s = rules_find_obs(r, OBS_NAT_SERVER, KB_P_IKEV2, -1);
	return (c && c->value) || (s && s->value);
}

/* 809: UDP 500 answers, UDP 4500 does not. Behind NAT Windows moves IKE_AUTH and ESP to 4500
 * (RFC 7296 2.23) and times out [D/V]; without NAT it stays on 500, so it is a warning. */
static void rule_udp4500(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	if (!rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0) || port_answered(r, KB_P_IKEV2, true))
		return;
	const struct obs *o = rules_find_obs(r, OBS_UDP_ICMP, KB_P_IKEV2, 1);
	if (!o)
		o = rules_find_obs(r, OBS_UDP_NO_ANSWER, KB_P_IKEV2, 1);
	if (!o)
		return;
	bool nat = nat_seen(r);
	struct rules_row rw = *row;
	if (!nat) {
		rw.severity = SEV_WARNING;
		rw.basis = KB_INFERRED;
	}
	struct finding *f = rules_add(d, &rw, KB_P_IKEV2);
	if (!f)
		return;
	if (nat) {
		fmt_into(f->summary, sizeof f->summary,
			 "UDP 500 answers but UDP 4500 does not; with NAT in the path Windows moves to UDP 4500 after IKE_SA_INIT and times out");
	} else {
		fmt_into(f->summary, sizeof f->summary,
			 "UDP 4500 does not answer: clients behind NAT (most home and mobile networks) will fail with 809; from here no NAT was seen");
	}
	rules_evidence(f, o->evidence);
	const struct obs *c = rules_find_obs(r, OBS_NAT_CLIENT, KB_P_IKEV2, -1), *s = rules_find_obs(r, OBS_NAT_SERVER, KB_P_IKEV2, -1);
	if (c && c->value)
		rules_evidence(f, c->evidence);
	if (s && s->value)
		rules_evidence(f, s->evidence);
	rules_fix(f, "Allow (and on a NAT router forward) UDP 4500 to the VPN server, as well as UDP 500.",
	    "New-NetFirewallRule -DisplayName \"IKE NAT-T (UDP 4500)\" -Direction Inbound -Protocol UDP -LocalPort 4500 -Action Allow");
	rules_fix(f, "On a Linux firewall or server:", "iptables -I INPUT -p udp --dport 4500 -j ACCEPT");
}

static void rule_server_nat(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_NAT_SERVER, KB_P_IKEV2, -1);
	if (!o || !o->value)
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary,
		 "the server is behind NAT (a port forward): usually fine for IKEv2 when UDP 500 and 4500 are both forwarded");
	rules_evidence(f, o->evidence);
	rules_fix(f, "Forward both UDP 500 and UDP 4500 to the server. For L2TP/IPsec clients (not IKEv2) Windows then needs "
	       "AssumeUDPEncapsulationContextOnSendRule (1: server behind NAT, 2: both behind NAT) and a restart:",
	    "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 2 /f");
}

static void rule_client_nat(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_NAT_CLIENT, KB_P_IKEV2, -1);
	if (!o || !o->value)
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary,
		 "this network is behind NAT: a Windows client here moves to UDP 4500 after IKE_SA_INIT");
	rules_evidence(f, o->evidence);
}

static void rule_no_fragmentation(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_IKE_FRAGMENTATION, KB_P_IKEV2, -1);
	if (!o || o->value)
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary,
		 "the server does not offer IKEv2 fragmentation: a large IKE_AUTH (certificates) is IP-fragmented, and paths that drop fragments give 809");
	rules_evidence(f, o->evidence);
	rules_fix(f, "RRAS on Windows Server 2019 or later: enable server fragmentation and restart the service:",
	    "New-ItemProperty -Path HKLM:\\SYSTEM\\CurrentControlSet\\Services\\RemoteAccess\\Parameters\\Ikev2 -Name EnableServerFragmentation -PropertyType DWORD -Value 1 -Force\nRestart-Service RemoteAccess -PassThru");
	rules_fix(f, "strongSwan (swanctl.conf, in the connection):", "fragmentation = yes");
}

static void rule_cookie(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_IKE_COOKIE, KB_P_IKEV2, 0);
	if (!o || !rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary,
		 "the server demands a COOKIE round trip (DoS protection); the retry with the cookie was answered");
	rules_evidence(f, o->evidence);
}

static void rule_invalid_ke(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_IKE_INVALID_KE, KB_P_IKEV2, -1);
	if (!o || !o->value)
		return; /* a group we did not offer is part of proposal-mismatch */
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	fmt_into(f->summary, sizeof f->summary, "the server prefers DH group %d (%s) and asked for a new KE payload", o->code,
		 o->text);
	rules_evidence(f, o->evidence);
}

static const struct rule ikev2_rules[] = {
	{{"udp500-unreachable", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, rule_udp500_unreachable},
	{{"udp500-filtered", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, rule_udp500_filtered},
	{{"ike-no-answer-after-cookie", KB_P_IKEV2, 809, KB_INFERRED, SEV_FAILURE}, rule_cookie_silence},
	{{"proposal-mismatch", KB_P_IKEV2, 13868, KB_VENDOR, SEV_FAILURE}, rule_proposal_mismatch},
	{{"ike-error-notify", KB_P_IKEV2, 0, KB_INFERRED, SEV_FAILURE}, rule_error_notify},
	{{"udp4500-filtered", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, rule_udp4500},
	{{"server-behind-nat", KB_P_IKEV2, 0, KB_INFERRED, SEV_INFO}, rule_server_nat},
	{{"client-behind-nat", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, rule_client_nat},
	{{"ike-no-fragmentation", KB_P_IKEV2, 0, KB_VENDOR, SEV_INFO}, rule_no_fragmentation},
	{{"ike-cookie-required", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, rule_cookie},
	{{"ike-invalid-ke", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, rule_invalid_ke},
};

/* Probed, nothing failed: with only IKE_SA_INIT checked the verdict is unknown, never works. */
static void ikev2_settle(const struct engine_result *r, const struct diagnosis *d, struct proto_verdict *p)
{
	const struct obs *acc = rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0);
	if (!acc)
		acc = rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 1);
	if (acc) {
		p->checks_passed = true;
		fmt_into(p->summary, sizeof p->summary,
			 "reachable, accepts Windows' proposals (%s); not yet checked: the server certificate in IKE_AUTH", acc->text);
		for (size_t i = 0; i < d->nf; i++)
			if (d->f[i].proto == KB_P_IKEV2 && d->f[i].severity == SEV_WARNING)
				fmt_append(p->summary, sizeof p->summary, "; warning: %s", d->f[i].summary);
		return;
	}
	const struct obs *sf = rules_find_obs(r, OBS_SEND_FAILED, KB_P_IKEV2, -1);
	if (sf) {
		fmt_into(p->summary, sizeof p->summary, "undecided: %s", sf->evidence);
		return;
	}
	fmt_into(p->summary, sizeof p->summary, "undecided: the probe ended (--timeout %.1f s) before an answer decided it",
		 r->timeout_ms / 1000.0);
}

const struct rules_proto rules_proto_ikev2 = {
	KB_P_IKEV2, ikev2_rules, sizeof ikev2_rules / sizeof ikev2_rules[0], ikev2_settle,
};
