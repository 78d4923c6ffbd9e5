/* PPTP rules: observations of the PPTP probe -> findings. Facts: shared/reference/
 * windows-vpn-facts.md §4.3, §7, §10.
 *
 * Basis of each predicted error:
 *  - 806 when the control connection and the call are set up but no GRE comes back: the message
 *    text of 806 says exactly that [D].
 *  - 800 for TCP 1723 refused or unanswered: with VPN type Automatic every total failure is 800 [D];
 *    the code a PPTP-only connection shows (800 or 807) is not public, lab-confirm [I].
 *  - 619 for a negative Start-Control-Connection-Reply / Outgoing-Call-Reply or a control
 *    connection the server drops: practitioners pair 619 with "the server drops TCP 1723" [V/O];
 *    for a negative reply in particular it is our inference [I].
 *  - The MS-CHAPv2 weakness: Microsoft Security Advisory 2743314 [D]. */
#include "rules/rules_internal.h"

#include <string.h>

#include "util/fmt.h"

#define P KB_P_PPTP

static const struct obs *find(const struct obs_result *r, enum obs_kind k)
{
	return rules_find_obs(r, k, P, -1);
}

static void rule_rejected(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *sc = find(r, OBS_PPTP_SCCRP), *oc = find(r, OBS_PPTP_OCRP);
	const struct obs *o = NULL;
	if (sc && sc->code != 1)
		o = sc;
	else if (oc && oc->code != 1)
		o = oc;
	else if (!o)
		o = find(r, OBS_PPTP_BAD_REPLY);
	if (!o)
		o = find(r, OBS_PPTP_NO_REPLY);
	if (!o && find(r, OBS_TCP_CONNECTED) && !oc)
		o = find(r, OBS_TCP_CLOSED);
	if (!o)
		return;
	struct finding *f = rules_add(d, row, P);
	if (!f)
		return;
	if (o == sc)
		fmt_into(f->summary, sizeof f->summary, "the server refuses the PPTP control connection (Start-Control-Connection-Reply result %d)", sc->code);
	else if (o == oc)
		fmt_into(f->summary, sizeof f->summary, "the server refuses the call (Outgoing-Call-Reply result %d)", oc->code);
	else
		fmt_into(f->summary, sizeof f->summary, "the PPTP control connection on TCP 1723 does not complete: %s", o->text);
	rules_evidence(f, o->evidence);
	rules_fix(f, "Read the PPTP server's log for why it refused (RRAS: all PPTP ports in use, PPTP disabled; pptpd: connections limit, bcrelay/ppp errors).",
		  "Get-VpnServerConfiguration; Get-RemoteAccessConnectionStatistics   # RRAS\njournalctl -u pptpd   # Linux");
}

static void rule_gre(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_GRE_NO_REPLY), *oc = find(r, OBS_PPTP_OCRP);
	if (!o || !oc || oc->code != 1 || find(r, OBS_GRE_REPLY))
		return;
	struct finding *f = rules_add(d, row, P);
	if (!f)
		return;
	const struct obs *ws = find(r, OBS_GRE_WRONG_SOURCE), *rf = find(r, OBS_GRE_REFLECTED);
	if (ws)
		fmt_into(f->summary, sizeof f->summary,
			 "TCP 1723 works and the call is set up, but no GRE (IP protocol 47) comes back from the server's address: GRE for our call came from another address (a multi-homed server or a NAT answering from another address), which the client does not take");
	else
		fmt_into(f->summary, sizeof f->summary,
			 "TCP 1723 works and the call is set up, but no GRE (IP protocol 47) comes back: GRE is blocked on the path or by a NAT without PPTP passthrough");
	rules_evidence(f, oc->evidence);
	rules_evidence(f, o->evidence);
	if (ws)
		rules_evidence(f, ws->evidence);
	if (rf)
		rules_evidence(f, rf->evidence);
	rules_fix(f, "Allow GRE (IP protocol 47, both directions) between the clients and the server on every firewall; on NAT routers enable the PPTP helper / passthrough:",
		  "iptables -I FORWARD -p gre -j ACCEPT\nmodprobe nf_conntrack_pptp   # Linux NAT router, plus a helper rule for TCP 1723");
	rules_fix(f, "Or stop using PPTP: IKEv2 (UDP 500/4500) or SSTP (TCP 443) cross NATs and firewalls without GRE.", NULL);
}

static void rule_insecure(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	if (!find(r, OBS_TCP_CONNECTED) && !find(r, OBS_TCP_REFUSED) && !find(r, OBS_TCP_NO_ANSWER) && !find(r, OBS_TCP_UNREACHABLE))
		return;
	struct finding *f = rules_found(d, row, P, NULL, "PPTP with MS-CHAPv2 is broken: a captured handshake yields the password hash (and with it the traffic); use IKEv2 or SSTP");
	if (!f)
		return;
	rules_evidence(f, "Microsoft Security Advisory 2743314: unencapsulated MS-CHAP v2 authentication; Microsoft deprecated PPTP in Windows Server RRAS (2024)");
	rules_fix(f, "Move the clients to IKEv2 (or SSTP where only TCP 443 passes), e.g.:",
		  "Add-VpnConnection -Name \"VPN (IKEv2)\" -ServerAddress <server> -TunnelType Ikev2 -AuthenticationMethod Eap -EncryptionLevel Required");
}

static const struct rule pptp_rules[] = {
	{{"tcp1723-refused", P, 800, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TCP_REFUSED,
		.summary = "TCP {port} is refused (reset): no PPTP server listens, or a firewall rejects it",
		.ev = {{RULE_NONE, "the exact code for a refused TCP 1723 (800 or 807) is not public [inferred]"}},
		.fix = {{"Start the PPTP service on the server (RRAS: Remote Access with PPTP ports; Linux: pptpd) and allow TCP 1723 to it:",
			 "New-NetFirewallRule -DisplayName \"PPTP (TCP 1723)\" -Direction Inbound -Protocol TCP -LocalPort 1723 -Action Allow"},
			{"Better: move the clients to IKEv2 or SSTP (see the security finding).", NULL}}}},
	{{"tcp1723-filtered", P, 800, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TCP_NO_ANSWER,
		.summary = "TCP {port} does not answer: filtered on the path, or the server is down",
		.fix = {{"Allow TCP 1723 and GRE (IP protocol 47) from the clients to the server on every firewall; on a NAT router enable PPTP passthrough:",
			 "iptables -I FORWARD -p tcp --dport 1723 -j ACCEPT\niptables -I FORWARD -p gre -j ACCEPT"}},
		.otherwise = &(const struct rule_one){
			.kind = OBS_TCP_UNREACHABLE,
			.summary = "TCP {port} is unreachable: filtered on the path, or the server is down"}}},
	{{"pptp-control-rejected", P, 619, KB_INFERRED, SEV_FAILURE}, .fn = rule_rejected},
	{{"gre-blocked", P, 806, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_gre},
	{{"gre-not-tested", P, 0, KB_DOCUMENTED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_GRE_NOT_TESTED,
		.summary = "GRE was not tested: {text}",
		.fix = {{"Let the probe open a raw socket to test GRE, the usual reason for 806: on Linux run it as root or give it cap_net_raw (below); on Windows run it from a Command Prompt opened as administrator",
			 "sudo setcap cap_net_raw+ep \"$(command -v vpndiag)\""}}}},
	{{"pptp-insecure", P, 0, KB_DOCUMENTED, SEV_WARNING}, .fn = rule_insecure},
};

/* Works only when the control connection, the call and GRE were all checked. */
static void pptp_settle(const struct obs_result *r, const struct diagnosis *d, struct proto_verdict *p)
{
	const struct obs *sc = find(r, OBS_PPTP_SCCRP), *oc = find(r, OBS_PPTP_OCRP), *gre = find(r, OBS_GRE_REPLY);
	const struct obs *x;
	(void)d;
	/* GRE that is not the server's (our own packet back, the wrong call or source) says the path or
	 * the server misbehaves: no "works" while it is there, whatever else came. */
	const struct obs *refl = find(r, OBS_GRE_REFLECTED), *wsrc = find(r, OBS_GRE_WRONG_SOURCE);
	if (sc && sc->code == 1 && oc && oc->code == 1 && gre && gre->code == 1 && !refl && !wsrc) {
		p->verdict = VERDICT_WORKS;
		p->checks_passed = true;
		fmt_into(p->summary, sizeof p->summary,
			 "control connection (%s), call and GRE work; PPP authentication not checked; PPTP with MS-CHAPv2 is insecure: prefer IKEv2 or SSTP",
			 sc->text);
		return;
	}
	p->checks_passed = sc && oc && !find(r, OBS_GRE_NO_REPLY) && !refl && !wsrc && !(gre && gre->code != 1);
	if (refl || wsrc)
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: GRE that is not the server's reply came back (%s); the server's own GRE is not shown",
			 (refl ? refl : wsrc)->evidence);
	else if (gre && gre->code != 1)
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: the server's GRE on our call is not PPP LCP (%s); PPP would not start", gre->text);
	else if ((x = find(r, OBS_GRE_NOT_TESTED)))
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: control connection and call work, but GRE (IP protocol 47) was not tested: %s",
			 x->text);
	else if ((x = find(r, OBS_SEND_FAILED)))
		fmt_into(p->summary, sizeof p->summary, "undecided: %s", x->evidence);
	else
		fmt_into(p->summary, sizeof p->summary, "undecided: the probe ended (--timeout %.1f s) before control, call and GRE were all checked",
			 r->timeout_ms / 1000.0);
}

const struct rules_proto rules_proto_pptp = {
	P, pptp_rules, sizeof pptp_rules / sizeof pptp_rules[0], pptp_settle,
};
