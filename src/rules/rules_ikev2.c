/* IKEv2 rules: observations of the IKEv2 probe -> findings. Facts: shared/reference/
 * windows-vpn-facts.md §2.1-2.3, §2.7, §6, §7. */
#include "rules/rules_internal.h"

#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "rules/rules_ikev2_eap.h"
#include "rules/rules_ikev2_psk.h"
#include "util/fmt.h"

static void ignored_evidence(const struct obs_result *r, struct finding *f, unsigned proto)
{
	size_t n = rules_count_obs(r, OBS_IKE_IGNORED, proto);
	const struct obs *o = rules_find_obs(r, OBS_IKE_IGNORED, proto, -1);
	if (n && o) {
		char s[320];
		fmt_into(s, sizeof s, "%zu datagram%s did not count as a reply (first: %s)", n, n == 1 ? "" : "s", o->text);
		rules_evidence(f, s);
	}
}

static bool port_answered(const struct obs_result *r, unsigned proto, bool natt)
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

/* Something answered from the server's address and port, though not (or not only) with IKEv2
 * (issue 11): a datagram that does not parse, or one too large to keep. Then the port is not
 * filtered, whatever else is missing. */
static const struct obs *port_spoke(const struct obs_result *r, unsigned proto, bool natt)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto == proto && o->natt == natt && (o->kind == OBS_IKE_MALFORMED || o->kind == OBS_UDP_TRUNCATED))
			return o;
	}
	return NULL;
}

static bool port_heard(const struct obs_result *r, unsigned proto, bool natt)
{
	return port_answered(r, proto, natt) || port_spoke(r, proto, natt);
}

static bool ike_spoke_only_junk(const struct obs_result *r)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->proto == KB_P_IKEV2 && (o->kind == OBS_IKE_MALFORMED || o->kind == OBS_UDP_TRUNCATED))
			return true;
	}
	return false;
}

#define FRAG_RRAS_CMD \
	"New-ItemProperty -Path HKLM:\\SYSTEM\\CurrentControlSet\\Services\\RemoteAccess\\Parameters\\Ikev2 -Name EnableServerFragmentation -PropertyType DWORD -Value 1 -Force\nRestart-Service RemoteAccess -PassThru"


/* 809: ICMP unreachable for UDP 500 (nothing listens, or a firewall rejects) [D for 809]. */
static void rule_udp500_unreachable(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_UDP_ICMP, KB_P_IKEV2, 0);
	if (!o || port_heard(r, KB_P_IKEV2, false))
		return;
	bool port = strcmp(o->text, "port-unreachable") == 0;
	bool admin = strcmp(o->text, "admin-prohibited") == 0;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "UDP %u is unreachable: %s", o->port,
					port ? "ICMP port unreachable, nothing listens for IKE"
					     : admin ? "a firewall rejects it (ICMP administratively prohibited)" : "ICMP unreachable");
	rules_evidence(f, "Windows keeps retransmitting IKE_SA_INIT and gives up with 809 [inferred: IKEEXT does not act on ICMP errors]");
	if (port) {
		rules_fix(f, "Start the IKEv2 service on the server and make it listen on this address "
		       "(RRAS: the Remote Access service; strongSwan: charon), or check that the name points at the VPN server.",
		    "Start-Service RemoteAccess      # RRAS\nsystemctl restart strongswan    # strongSwan");
		rules_fix(f, "Check what listens on UDP 500 on the server:", "ss -ulpn 'sport = :500'");
	} else {
		rules_fix(f, RULES_IKE_FW_TEXT, RULES_IKE_FW_WINDOWS);
		rules_fix(f, "On a Linux firewall or server:", RULES_IKE_FW_LINUX);
	}
}

/* 809: no answer on UDP 500 after every retransmission [D]. Silence is "no answer", never
 * "closed": a filter, a dead host and a host without IKE look the same. */
static void rule_udp500_filtered(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_UDP_NO_ANSWER, KB_P_IKEV2, 0);
	if (!o || port_heard(r, KB_P_IKEV2, false) || rules_find_obs(r, OBS_UDP_ICMP, KB_P_IKEV2, 0))
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "no answer on UDP %u to Windows' IKE_SA_INIT: filtered on the path, or no IKE service", o->port);
	if (!f)
		return;
	ignored_evidence(r, f, KB_P_IKEV2);
	if (port_answered(r, KB_P_IKEV2, true))
		rules_evidence(f, "UDP 4500 answers IKE, so the server runs IKE: UDP 500 is filtered on the path");
	rules_fix(f, RULES_IKE_FW_TEXT, RULES_IKE_FW_WINDOWS);
	rules_fix(f, "On a Linux firewall or server:", RULES_IKE_FW_LINUX);
	rules_fix(f, "Check that the IKE service listens on UDP 500 on the server:", "ss -ulpn 'sport = :500'");
}

/* Something on the IKE port answers, but not with IKEv2 (issue 11): datagrams from the server's
 * address and port that do not parse (lying lengths, zero-length payloads, another protocol, a
 * middlebox), or too large to keep. Never "filtered", never "works": unknown, with what would
 * decide it. Windows discards such datagrams and keeps retransmitting [I]. */
static void rule_malformed(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	if (!ike_spoke_only_junk(r))
		return;
	const struct obs *o = port_spoke(r, KB_P_IKEV2, false);
	if (!o)
		o = port_spoke(r, KB_P_IKEV2, true);
	if (!o)
		return;
	size_t n = rules_count_obs(r, OBS_IKE_MALFORMED, KB_P_IKEV2) + rules_count_obs(r, OBS_UDP_TRUNCATED, KB_P_IKEV2);
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "something on UDP %u answers, but not with IKEv2: a middlebox or another service", o->port);
	if (!f)
		return;
	if (n > 1) {
		char s[160];
		fmt_into(s, sizeof s, "%zu such datagram%s recorded (first: %s)", n, n == 1 ? "" : "s", o->text);
		rules_evidence(f, s);
	}
	if (!port_answered(r, KB_P_IKEV2, o->natt))
		rules_evidence(f, "no valid IKEv2 reply came from that port; Windows discards such datagrams and keeps retransmitting, then fails with 809 [inferred]");
	rules_fix(f, "Find what answers on the IKE port: on the server, the process bound to it; on the path, an IPS, load balancer or "
		     "\"IKE/IPsec ALG\" that rewrites or answers IKE. Capture the exchange on both sides to compare.",
		  "ss -ulpn 'sport = :500 or sport = :4500'\ntcpdump -ni any -X 'udp port 500 or udp port 4500'");
}

static const struct obs *first_alt_accepted(const struct obs_result *r)
{
	return rules_find_obs(r, OBS_IKE_ALT_ACCEPTED, KB_P_IKEV2, -1);
}

static bool is_policy_command(const char *cmd)
{
	return strncmp(cmd, "Set-VpnConnectionIPsecConfiguration", 35) == 0;
}

/* The IKEv2 part of the client the run spoke as, from built-in data (pure): the client r->profile
 * names, else (no name, or a profile file) the default client. Its proposal sets hold the client
 * change each set implies; an observation names only the set. Heap (a struct profile is large);
 * NULL when it cannot be loaded. */
static struct profile *ikev2_profile(const struct obs_result *r)
{
	char err[300];
	struct profile *p = calloc(1, sizeof *p);
	struct profile_index *idx = r->profile[0] ? calloc(1, sizeof *idx) : NULL;
	const struct profile_client *c = NULL;
	if (idx && profile_index_builtin(idx, err, sizeof err) == 0)
		c = profile_index_find(idx, r->profile);
	int rc = !p ? -1 : c ? profile_load_builtin(c->ikev2, p, err, sizeof err) : profile_choice_part(NULL, 2, p, err, sizeof err);
	free(idx);
	if (rc != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* The fix text and command of the set an observation names ("" when the profile has no such set). */
static const char *set_fix(const struct profile *p, const struct obs *o, bool command)
{
	const struct profile_set *s = p ? profile_find_set(p, o->set) : NULL;
	return !s ? "" : command ? s->fix_command : s->fix;
}

/* The client changes the accepted alternative sets imply: the first set's fix (its exact custom
 * policy when the set is one), and a custom policy from a second set when the first is not one. */
static void alt_fixes(const struct obs_result *r, struct finding *f, const struct obs *acc)
{
	struct profile *prof = ikev2_profile(r);
	const char *acc_cmd = set_fix(prof, acc, true);
	char cmd[600] = "";
	if (acc->has_prop && is_policy_command(acc_cmd)) {
		if (profile_policy_command(&acc->prop, NULL, cmd, sizeof cmd) != 0)
			fmt_into(cmd, sizeof cmd, "%s", acc_cmd);
	} else {
		fmt_into(cmd, sizeof cmd, "%s", acc_cmd);
	}
	const char *acc_text = set_fix(prof, acc, false);
	rules_fix(f, acc_text[0] ? acc_text : "Make the client offer what the server accepted.", cmd[0] ? cmd : NULL);
	/* A second accepted set gives an alternative client change. */
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (x == acc || x->kind != OBS_IKE_ALT_ACCEPTED || x->proto != KB_P_IKEV2 || !x->has_prop)
			continue;
		if (is_policy_command(set_fix(prof, x, true)) && !is_policy_command(acc_cmd) &&
		    profile_policy_command(&x->prop, NULL, cmd, sizeof cmd) == 0) {
			char t[440];
			fmt_into(t, sizeof t, "Or give the connection a custom IPsec policy matching %s (Windows then sends only that proposal):",
				 x->text);
			rules_fix(f, t, cmd);
			break;
		}
	}
	free(prof);
}

/* 13868: NO_PROPOSAL_CHOSEN (or an INVALID_KE for a group Windows does not offer) to the default
 * proposals [V]. The alternative sets tell which client change makes it work. */
static void rule_proposal_mismatch(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
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
		alt_fixes(r, f, acc);
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
static void rule_error_notify(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
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
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "the server refuses IKE_SA_INIT with %s", o->text);
	if (!f)
		return;
	const struct obs *ms = rules_find_obs(r, OBS_IKE_MS_STATUS, KB_P_IKEV2, -1);
	if (ms)
		rules_evidence(f, ms->evidence);
	rules_evidence(f, "the Windows error for this refusal is not known (no public source; lab-confirm) [inferred]");
	rules_fix(f, "Read the server's IKE log for why it refused the request (the notify names the reason).", NULL);
}

static bool nat_seen(const struct obs_result *r)
{
	const struct obs *c = rules_find_obs(r, OBS_NAT_CLIENT, KB_P_IKEV2, -1);
	const struct obs *s = rules_find_obs(r, OBS_NAT_SERVER, KB_P_IKEV2, -1);
	return (c && c->value) || (s && s->value);
}

/* 809: UDP 500 answers, UDP 4500 does not. Behind NAT Windows moves IKE_AUTH and ESP to 4500
 * (RFC 7296 2.23) and times out [D/V]; without NAT it stays on 500, so it is a warning. */
static void rule_udp4500(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	if (!rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0) || port_heard(r, KB_P_IKEV2, true))
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
	struct finding *f = rules_found(d, &rw, KB_P_IKEV2, o, "%s",
		nat ? "UDP 500 answers but UDP 4500 does not; with NAT in the path Windows moves to UDP 4500 after IKE_SA_INIT and times out"
		    : "UDP 4500 does not answer: clients behind NAT (most home and mobile networks) will fail with 809; from here no NAT was seen");
	const struct obs *c = rules_find_obs(r, OBS_NAT_CLIENT, KB_P_IKEV2, -1), *s = rules_find_obs(r, OBS_NAT_SERVER, KB_P_IKEV2, -1);
	if (c && c->value)
		rules_evidence(f, c->evidence);
	if (s && s->value)
		rules_evidence(f, s->evidence);
	rules_fix(f, "Allow (and on a NAT router forward) UDP 4500 to the VPN server, as well as UDP 500.",
	    "New-NetFirewallRule -DisplayName \"IKE NAT-T (UDP 4500)\" -Direction Inbound -Protocol UDP -LocalPort 4500 -Action Allow");
	rules_fix(f, "On a Linux firewall or server:", "iptables -I INPUT -p udp --dport 4500 -j ACCEPT");
}

/* ---------------------------------------------------------------- IKE_AUTH and the certificate */

static const struct obs *ike_obs(const struct obs_result *r, enum obs_kind k)
{
	return rules_find_obs(r, k, KB_P_IKEV2, -1);
}

static void server_frag_fixes(struct finding *f)
{
	rules_fix(f, "RRAS on Windows Server 2019 or later: turn on IKEv2 fragmentation and restart the service:",
	    FRAG_RRAS_CMD);
	rules_fix(f, "strongSwan (swanctl.conf, in the connection; charon.fragment_size below the path MTU, e.g. 1280):",
	    "fragmentation = yes");
	rules_fix(f, "On the path: let IP fragments of UDP 500/4500 through the firewall/NAT router that drops them "
	       "(for the client, a home router or mobile network that drops fragments: use SSTP, which runs over TCP 443, "
	       "until the server fragments; Windows 10 1803+ clients already support IKEv2 fragmentation).",
	    NULL);
	rules_fix(f, "Or make the IKE_AUTH reply smaller: send fewer/smaller certificates (no cross-certificates, ECDSA P-256/P-384 "
	       "keys instead of RSA 4096, no root certificate in the chain).",
	    NULL);
}

/* The extra IKE_SAs started when the Windows-like IKE_AUTH is not answered (probes/ikev2.c):
 * sm = IKE_AUTH without CERTREQ (small request, small reply), rq = IKE_AUTH whose CERTREQ lists only
 * the real roots (small request, the full reply with the certificate). 1 answered, 0 not, NULL not
 * run. */
static int answered(const struct obs *o)
{
	return !o ? -1 : o->value == 1;
}

/* 809: the Windows-sized IKE_AUTH request is never answered, but the same exchange with a small
 * request (the real roots only) is, certificate reply included: the REQUEST is lost on the way to
 * the server [V: DrayTek "IKEv2 EAP VPN log analysis": Windows 10's IKE_AUTH carries its list of
 * CAs and is big enough to be fragmented; Hicks: 809 when IKE fragments are dropped; facts 2.6].
 * Windows fragments its request itself only for a server that sent IKEV2_FRAGMENTATION_SUPPORTED. */
static void rule_request_fragments_dropped(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *na = ike_obs(r, OBS_IKE_AUTH_NO_ANSWER), *rq = ike_obs(r, OBS_IKE_AUTH_SMALL_REQ);
	if (!na || ike_obs(r, OBS_IKE_AUTH_REPLY) || answered(rq) != 1)
		return;
	const struct obs *fr = ike_obs(r, OBS_IKE_FRAGMENTATION), *sm = ike_obs(r, OBS_IKE_AUTH_SMALL);
	bool server_frag = fr && fr->value;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, na, "%s",
		server_frag ? "IKE_AUTH request lost: Windows' large IKE_AUTH request (its CERTREQ lists every trusted root) does not get through the path, even in IKE fragments"
			    : "IKE_AUTH request lost: Windows' large IKE_AUTH request (its CERTREQ lists every trusted root) is IP-fragmented and the fragments are dropped on the path; the server does not do IKEv2 fragmentation, so Windows cannot fragment it itself");
	rules_evidence(f, rq->evidence);
	if (sm)
		rules_evidence(f, sm->evidence);
	if (fr)
		rules_evidence(f, fr->evidence);
	rules_evidence(f, "the server answers a small IKE_AUTH request, certificate reply included: the reply gets through, the large request does not");
	if (!server_frag)
		rules_fix(f, "Enable IKEv2 fragmentation (RFC 7383) on the server: Windows 10 1803+ then sends its IKE_AUTH request in "
		       "fragments that fit the path (and the server fragments its reply). RRAS on Windows Server 2019 or later:",
		    FRAG_RRAS_CMD);
	if (!server_frag)
		rules_fix(f, "strongSwan (swanctl.conf, in the connection):", "fragmentation = yes");
	rules_fix(f, "On the path: let IP fragments of UDP 500/4500 through the firewall/NAT router that drops them "
	       "(for the client, a home router or mobile network that drops fragments: use SSTP, which runs over TCP 443, "
	       "until the server fragments).",
	    NULL);
	rules_fix(f, "Or make the request smaller on the client: remove unused roots from the machine's Trusted Root "
	       "Certification Authorities store (Windows lists each of them in the CERTREQ).",
	    "certutil -store Root");
}

/* 809: IKE_AUTH never answered, but a second IKE_AUTH that asks for no certificate is, and one
 * with a small request that asks for the certificate is not: the large reply is lost on the path
 * (IP fragments dropped) [V: Hicks "Always On VPN and IKEv2 Fragmentation", facts 2.6]. Without
 * the third exchange's answer the lost part (request or reply) is not known, and the finding says
 * so. */
static void rule_fragments_dropped(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *na = ike_obs(r, OBS_IKE_AUTH_NO_ANSWER), *sm = ike_obs(r, OBS_IKE_AUTH_SMALL);
	const struct obs *rq = ike_obs(r, OBS_IKE_AUTH_SMALL_REQ);
	if (!na || ike_obs(r, OBS_IKE_AUTH_REPLY) || answered(sm) != 1 || answered(rq) == 1)
		return;
	struct finding *f = rules_add(d, row, KB_P_IKEV2);
	if (!f)
		return;
	const struct obs *fr = ike_obs(r, OBS_IKE_FRAGMENTATION);
	bool server_frag = fr && fr->value;
	if (!rq)
		fmt_into(f->summary, sizeof f->summary,
			 "IKE_AUTH lost on the path: the large request or its reply with the certificate chain does not get through (IP fragments dropped%s)",
			 server_frag ? "" : "; the server does not do IKEv2 fragmentation");
	else
		fmt_into(f->summary, sizeof f->summary,
			 server_frag ? "IKE_AUTH reply lost: its IKE fragments do not get through the path (the server fragments, but above the path MTU)"
				     : "IKE_AUTH reply lost: IP fragments dropped on the path, and the server does not do IKEv2 fragmentation (RFC 7383)");
	rules_evidence(f, na->evidence);
	rules_evidence(f, sm->evidence);
	if (rq)
		rules_evidence(f, rq->evidence);
	if (fr)
		rules_evidence(f, fr->evidence);
	rules_evidence(f, rq ? "the certificate chain makes the reply larger than one packet; a reply without it gets through, a small request that asks for it does not"
			     : "a small request without CERTREQ (a reply without certificates) gets through");
	server_frag_fixes(f);
}

/* 809: IKE_SA_INIT answered, IKE_AUTH never answered, and nothing shows the size is to blame
 * [I: Windows then times out like for a lost IKE_SA_INIT]. */
static void rule_auth_no_answer(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *na = ike_obs(r, OBS_IKE_AUTH_NO_ANSWER), *sm = ike_obs(r, OBS_IKE_AUTH_SMALL);
	const struct obs *rq = ike_obs(r, OBS_IKE_AUTH_SMALL_REQ);
	if (!na || ike_obs(r, OBS_IKE_AUTH_REPLY) || answered(sm) == 1 || answered(rq) == 1)
		return;
	const struct obs *fr = ike_obs(r, OBS_IKE_FRAGMENTATION);
	struct finding *f = rules_found(d, row, KB_P_IKEV2, na, "IKE_SA_INIT is answered, IKE_AUTH never is%s",
		fr && !fr->value ? " (the server does not fragment IKE: a message larger than the path MTU is the usual cause)" : "");
	if (sm)
		rules_evidence(f, sm->evidence);
	else
		rules_evidence(f, "no second IKE_AUTH (without CERTREQ) finished before the end of the run: give a longer --timeout to tell a lost large message from a silent server");
	if (rq)
		rules_evidence(f, rq->evidence);
	if (fr)
		rules_evidence(f, fr->evidence);
	rules_fix(f, "Read the server's IKE log for the IKE_AUTH request: if it arrived and was answered, the reply (certificates) is lost on the way back; if it never arrived, the request is.", NULL);
	server_frag_fixes(f);
}

/* An error notify in the IKE_AUTH reply, before any EAP [I: no public source maps these for the
 * first IKE_AUTH; facts 7: TS_UNACCEPTABLE 842, INTERNAL_ADDRESS_FAILURE 840, FAILED_CP_REQUIRED
 * 841, AUTHENTICATION_FAILED 13801]. */
static void rule_auth_refused(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike_obs(r, OBS_IKE_AUTH_ERROR);
	if (!o)
		return;
	if (o->code == IKE2_N_AUTHENTICATION_FAILED && rules_ikev2_psk_decided(r))
		return; /* the sign-in with --psk-file decided (rules_ikev2_psk.c) */
	struct rules_row rw = *row;
	switch (o->code) {
	case IKE2_N_AUTHENTICATION_FAILED: rw.windows_error = 13801; break;
	case IKE2_N_INTERNAL_ADDRESS_FAILURE: rw.windows_error = 840; break;
	case IKE2_N_FAILED_CP_REQUIRED: rw.windows_error = 841; break;
	case IKE2_N_TS_UNACCEPTABLE: rw.windows_error = 842; break;
	default: rw.windows_error = 0; break;
	}
	struct finding *f = rules_found(d, &rw, KB_P_IKEV2, o, "the server refuses Windows' IKE_AUTH (EAP, no AUTH payload) with %s", o->text);
	if (!f)
		return;
	const struct obs *ms = ike_obs(r, OBS_IKE_MS_STATUS);
	if (ms)
		rules_evidence(f, ms->evidence);
	if (o->code == IKE2_N_AUTHENTICATION_FAILED && !rules_find_obs(r, OBS_IKE_PSK_INCOMPLETE, KB_P_IKEV2, -1))
		rules_evidence(f, "a server that takes IKEv2 only with a pre-shared key refuses EAP this way: --psk-file PATH tells whether it takes "
				  "your key (the Windows 10/11 remote-access client cannot use an IKEv2 pre-shared key either way [documented: Add-VpnConnection])");
	if (o->code == IKE2_N_AUTHENTICATION_FAILED)
		rules_fix(f, "The server does not accept EAP from this client: give the connection EAP-MSCHAPv2 (or EAP-TLS) for remote users "
		       "and let the server authenticate with a certificate. strongSwan (swanctl.conf):",
		    "local { auth = pubkey  certs = server.crt }\nremote { auth = eap-mschapv2  eap_id = %any }");
	else
		rules_fix(f, "Read the server's IKE log for why it refused IKE_AUTH (the notify names the reason): address pool, "
		       "traffic selectors or the configuration payload.",
		    NULL);
}

/* 13806: the server answers without a usable certificate [D/V: AOVPN troubleshooting, facts 1.3, 7]. */
static void rule_no_server_cert(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike_obs(r, OBS_IKE_AUTH_NO_CERT);
	const struct obs *u = rules_find_obs(r, OBS_CERT_UNPARSABLE, KB_P_IKEV2, -1);
	if (!o && !u)
		return;
	if (ike_obs(r, OBS_IKE_AUTH_ERROR))
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o ? o : u, "%s",
		o && o->code == 2 ? "the server authenticates with a pre-shared key, not a certificate: a Windows EAP (username/password) connection needs a server certificate"
				  : "the server sends no usable certificate in IKE_AUTH");
	rules_fix(f, "Give the IKEv2 server a certificate (Server Authentication EKU, the VPN name as dNSName) and make it send it. "
	       "strongSwan (swanctl.conf, the connection's local section):",
	    "local { auth = pubkey  certs = vpn.example.com.crt  id = vpn.example.com }\n# and, if it only sends it when asked: send_cert = always");
	rules_fix(f, "RRAS: bind the certificate for IKEv2 in Routing and Remote Access > Properties > Security (or):",
	    "Set-RemoteAccess -SslCertificate (Get-ChildItem Cert:\\LocalMachine\\My | Where-Object Subject -like '*vpn.example.com*')");
}

static const char *const import_root =
	"Import-Certificate -FilePath .\\root-ca.cer -CertStoreLocation Cert:\\LocalMachine\\Root\n"
	"# or: certutil -addstore Root root-ca.cer";

/* The server sent only its leaf and the leaf's issuer is neither sent nor trusted: from the wire,
 * an untrusted root and a missing intermediate look the same. Without an AIA caIssuers URL (the
 * usual private enterprise CA, leaf issued by the root) it is read as an untrusted root; with one,
 * or when the server sent part of a chain, as a missing intermediate [inferred]. */
static bool issuer_unknown_leaf_only(const struct obs *mi)
{
	return mi && mi->value <= 1 && mi->text[0] == 0;
}

static void rule_cert_untrusted(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_CERT_UNTRUSTED_ROOT, KB_P_IKEV2, -1);
	const struct obs *mi = rules_find_obs(r, OBS_CERT_MISSING_INTERMEDIATE, KB_P_IKEV2, -1);
	bool ambiguous = !o && issuer_unknown_leaf_only(mi);
	if (!o && !ambiguous)
		return;
	if (ambiguous) {
		const struct obs *leaf = rules_find_obs(r, OBS_CERT_LEAF, KB_P_IKEV2, -1);
		struct finding *f = rules_found(d, row, KB_P_IKEV2, mi,
			 "the server certificate's issuer is not trusted by the client (and the server sends no chain)");
		if (leaf)
			rules_evidence(f, leaf->evidence);
		rules_evidence(f, "the server sent only its own certificate and its issuer is not in the trust store: an untrusted "
			       "(private) root CA, or an intermediate the server should send [inferred: no AIA caIssuers URL, read as a root]");
		rules_fix(f, "Import the issuing root CA into the clients' Local Computer > Trusted Root Certification Authorities store "
		       "(machine store: IKEEXT does not use the user store), by GPO/Intune or:",
		    import_root);
		rules_fix(f, "If the issuer is an intermediate CA, make the server send it with its certificate (strongSwan: "
		       "/etc/swanctl/x509ca/; RRAS: the server's Intermediate Certification Authorities store).",
		    "certutil -addstore CA intermediate.cer      # on the RRAS server");
		return;
	}
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "the server certificate chains to a root the client does not trust (%s)", o->text);
	if (!f)
		return;
	rules_fix(f, "Import the issuing root CA into the clients' Local Computer > Trusted Root Certification Authorities store "
	       "(machine store: IKEEXT does not use the user store), by GPO/Intune or:",
	    import_root);
	rules_fix(f, "Or use a server certificate from a CA the clients already trust. If the root is private, give vpndiag the same "
	       "root with --ca-file to check the rest of the chain.",
	    NULL);
}

static void rule_cert_missing_intermediate(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_CERT_MISSING_INTERMEDIATE, KB_P_IKEV2, -1);
	if (!o || issuer_unknown_leaf_only(o))
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "the chain cannot be built: an intermediate CA certificate is missing (the server sent %lld certificate%s)",
		 (long long)o->value, o->value == 1 ? "" : "s");
	if (!f)
		return;
	if (o->text[0]) {
		char s[320];
		fmt_into(s, sizeof s, "the leaf names its issuer at %s (Windows' IKEEXT does not fetch missing issuers on its own [inferred])", o->text);
		rules_evidence(f, s);
	}
	rules_fix(f, "Make the server send the intermediate(s) with its certificate. strongSwan: put each intermediate into "
	       "/etc/swanctl/x509ca/ (it then sends the chain); RRAS: import the intermediate into the server's Local Computer > "
	       "Intermediate Certification Authorities store.",
	    "certutil -addstore CA intermediate.cer      # on the RRAS server\ncp intermediate.pem /etc/swanctl/x509ca/ && swanctl --load-creds   # strongSwan");
	rules_fix(f, "Or deploy the intermediate to the clients' Intermediate Certification Authorities store:",
	    "Import-Certificate -FilePath .\\intermediate.cer -CertStoreLocation Cert:\\LocalMachine\\CA");
}

#define RSA_FIX_TEXT "Reissue the server certificate with an RSA 2048-bit (or larger) or ECDSA P-256/P-384 key:"
#define RSA_FIX_CMD "openssl req -new -newkey rsa:3072 -nodes -keyout server.key -out server.csr"

/* Issue 13: CertGetCertificateChain refuses RSA keys under 1024 bits [D: Microsoft KB 2661254, built
 * into Windows 8 and later]; that IKEEXT then shows 13801 is inferred. */
static void rule_rsa_blocked(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_CERT_RSA_SHORT, KB_P_IKEV2, -1);
	if (!o || o->value >= 1024)
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server certificate's RSA key has %lld bits: Windows refuses RSA keys under 1024 bits in every certificate chain", (long long)o->value);
	rules_evidence(f, "Microsoft KB 2661254: CertGetCertificateChain blocks RSA keys under 1024 bits (built into Windows 8 and later) "
		       "[documented]; the IKEv2 error shown for it (13801) is inferred");
	rules_fix(f, RSA_FIX_TEXT, RSA_FIX_CMD);
}

/* Issue 13: 1024-2047 bits: no source says IKEEXT refuses them (13881 ERROR_IPSEC_IKE_INVALID_CERT_KEYLEN
 * exists): undecided, never "works". */
static void rule_rsa_short(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_CERT_RSA_SHORT, KB_P_IKEV2, -1);
	if (!o || o->value < 1024)
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server certificate's RSA key has only %lld bits: whether Windows' IKEv2 client accepts RSA keys under 2048 bits is not documented",
		(long long)o->value);
	rules_evidence(f, "Windows blocks RSA keys under 1024 bits (KB 2661254) [documented]; for 1024-2047 bits no source decides for IKEEXT "
		       "(13881 ERROR_IPSEC_IKE_INVALID_CERT_KEYLEN exists) [inferred]. To decide: connect once from a Windows client");
	rules_fix(f, RSA_FIX_TEXT, RSA_FIX_CMD);
}

/* Issue 13: the name matched only through a wildcard (dNSName SAN or CN). strongSwan's Windows
 * requirements ask for the host name in the CN and/or a dNSName SAN [V] and say nothing of
 * wildcards; one public report (strongswan/strongswan PR 44: Windows 7/8 connected with a
 * "*.domain" certificate, its SAN not shown) [O] does not decide which field matched: undecided. */
static void rule_wildcard_name(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_CERT_NAME_MATCH, KB_P_IKEV2, -1);
	if (!o || !(o->code & (2 | 8)))
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server name matches the certificate only through the wildcard %s%s: whether Windows' IKEv2 client accepts wildcards is not documented",
		o->text, o->code & 8 ? " in the subject CN" : "");
	rules_evidence(f, "strongSwan's Windows certificate requirements ask for the host name in the CN and/or a dNSName SAN [vendor] and say "
		       "nothing about wildcards; one user reports Windows 7/8 connecting with a wildcard certificate without showing which field "
		       "held it [observed: strongswan/strongswan PR 44]. To decide: connect once from a Windows client");
	rules_fix(f, "Add the exact server name as a dNSName SAN (keep the wildcard for other hosts):",
		  "subjectAltName = DNS:vpn.example.com, DNS:*.example.com      # OpenSSL extension section");
}

/* The fix for a server certificate without a usable EKU (issue 13: no EKU extension, clientAuth only,
 * Any Purpose only). */
#define EKU_FIXES                                                                                                   \
	{{"Reissue the server certificate with Extended Key Usage Server Authentication (1.3.6.1.5.5.7.3.1), and "        \
	  "IP security IKE intermediate (1.3.6.1.5.5.8.2.2) as recommended. OpenSSL (extension section):",                \
	  "extendedKeyUsage = serverAuth, 1.3.6.1.5.5.8.2.2"},                                                              \
	 {"strongSwan pki / AD CS (certificate template: Application Policies > Server Authentication):",                  \
	  "pki --issue ... --flag serverAuth --flag ikeIntermediate"}}

/* Single-observation rules of IKEv2 (rules_apply_one) share this shape. */
#define IKE_ONE(...) .one = &(const struct rule_one){__VA_ARGS__}

static const struct rule ikev2_rules[] = {
	{{"udp500-unreachable", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_udp500_unreachable},
	{{"udp500-filtered", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_udp500_filtered},
	/* The server asked for a COOKIE and then never answered the request that carried it [I]. */
	{{"ike-no-answer-after-cookie", KB_P_IKEV2, 809, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_IKE_NO_ANSWER_AFTER_COOKIE, .natt = RULE_NATT_NO,
		.unless = {OBS_IKE_ACCEPTED, OBS_IKE_REFUSED},
		.summary = "the server demands a COOKIE, then does not answer the request that carries it",
		.ev = {{OBS_IKE_COOKIE, NULL}},
		.fix = {{"Check the server's IKE logs for the rejected cookie (a load balancer that sends the two requests "
			 "to different servers, or a cookie secret that changes) and its half-open SA limits.", NULL}})},
	{{"ike-malformed-reply", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_malformed},
	{{"proposal-mismatch", KB_P_IKEV2, 13868, KB_VENDOR, SEV_FAILURE}, .fn = rule_proposal_mismatch},
	{{"ike-error-notify", KB_P_IKEV2, 0, KB_INFERRED, SEV_FAILURE}, .fn = rule_error_notify},
	{{"udp4500-filtered", KB_P_IKEV2, 809, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_udp4500},
	/* IKE_AUTH (issue 5) */
	{{"ike-request-fragments-dropped", KB_P_IKEV2, 809, KB_VENDOR, SEV_FAILURE}, .fn = rule_request_fragments_dropped},
	{{"ike-fragments-dropped", KB_P_IKEV2, 809, KB_VENDOR, SEV_FAILURE}, .fn = rule_fragments_dropped},
	{{"ike-auth-no-answer", KB_P_IKEV2, 809, KB_INFERRED, SEV_FAILURE}, .fn = rule_auth_no_answer},
	{{"ike-auth-refused", KB_P_IKEV2, 0, KB_INFERRED, SEV_FAILURE}, .fn = rule_auth_refused},
	{{"ike-no-server-cert", KB_P_IKEV2, 13806, KB_VENDOR, SEV_FAILURE}, .fn = rule_no_server_cert},
	/* 13801 [I]: the AUTH signature does not verify with the certificate the server sent. */
	{{"ike-auth-bad-signature", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_IKE_AUTH_SIGNATURE, .test = RULE_VALUE_EQ, .arg = 0,
		.summary = "the server's AUTH signature does not verify with the certificate it sends: wrong certificate/key pair on the server",
		.fix = {{"Install the certificate that belongs to the server's private key (the key and certificate files must match):",
			 "openssl x509 -noout -pubkey -in server.crt | sha256sum; openssl pkey -pubout -in server.key | sha256sum   # must be equal"}})},
	/* the user's sign-in with --user/--password-file (issue 13, rules_ikev2_eap.c; bases there) */
	/* the pre-shared key with --psk-file after the EAP refusal (issue 13 item 2, rules_ikev2_psk.c; bases there) */
	{{"ike-psk-refused", KB_P_IKEV2, 13801, KB_DOCUMENTED, SEV_FAILURE}, .fn = rules_ikev2_psk_refused},
	{{"ike-psk-server-mismatch", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, .fn = rules_ikev2_psk_server_mismatch},
	{{"ike-psk-other-method", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, .fn = rules_ikev2_psk_other_method},
	{{"ike-psk-only", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, .fn = rules_ikev2_psk_only},
	{{"ike-psk-incomplete", KB_P_IKEV2, 0, KB_INFERRED, SEV_INFO}, .fn = rules_ikev2_psk_incomplete},
	{{"ike-eap-server-unproven", KB_P_IKEV2, 778, KB_INFERRED, SEV_FAILURE}, .fn = rules_ikev2_eap_server_unproven},
	{{"ike-eap-method-refused", KB_P_IKEV2, 812, KB_DOCUMENTED, SEV_FAILURE}, .fn = rules_ikev2_eap_method},
	{{"ike-eap-auth-failed", KB_P_IKEV2, 691, KB_VENDOR, SEV_FAILURE}, .fn = rules_ikev2_eap_auth_failed},
	{{"ike-child-refused", KB_P_IKEV2, 0, KB_INFERRED, SEV_FAILURE}, .fn = rules_ikev2_eap_child_refused},
	{{"ike-eap-incomplete", KB_P_IKEV2, 0, KB_INFERRED, SEV_INFO}, .fn = rules_ikev2_eap_incomplete},
	/* the server certificate by Windows' rules (facts 2.9, 7, 8 items 9 and 11) */
	/* 0x80070040: no Server Authentication EKU [D: Microsoft AOVPN troubleshooting, facts 8 item 11]. */
	{{"cert-no-server-auth-eku", KB_P_IKEV2, 0x80070040u, KB_DOCUMENTED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_NO_SERVER_AUTH_EKU,
		.summary = "the server certificate lacks the Server Authentication EKU (1.3.6.1.5.5.7.3.1): Windows rejects it",
		.fix = EKU_FIXES)},
	/* Issue 13: NO EKU extension at all. RFC 5280 reads that as "any purpose", but the Windows IKEv2
	 * client needs an EKU that explicitly allows server authentication [V: strongSwan, Windows
	 * certificate requirements]; the code is Microsoft's for a server certificate without Server
	 * Authentication [D: AOVPN troubleshooting]. Never "works". */
	{{"cert-no-eku", KB_P_IKEV2, 0x80070040u, KB_VENDOR, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_NO_EKU,
		.summary = "the server certificate has no Extended Key Usage extension: Windows' IKEv2 client requires one that explicitly allows Server Authentication",
		.ev = {{RULE_NONE, "strongSwan's Windows certificate requirements: the gateway certificate must carry an EKU explicitly allowing "
				   "authentication, serverAuth [vendor]; Microsoft gives 0x80070040 for a server certificate without Server Authentication [documented]"}},
		.fix = EKU_FIXES)},
	/* Issue 13: Any Purpose (2.5.29.37.0) without serverAuth. No source says IKEEXT accepts it: undecided. */
	{{"cert-any-eku-only", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, IKE_ONE(
		.kind = OBS_CERT_ANY_EKU_ONLY,
		.summary = "the server certificate's EKU is Any Purpose without Server Authentication: whether Windows' IKEv2 client accepts it is not documented",
		.ev = {{RULE_NONE, "the sources name serverAuth as the EKU Windows' IKEv2 client accepts (strongSwan [vendor], Microsoft [documented]); "
				   "none says Any Purpose is enough (if it is not: 0x80070040 or 13801) [inferred]. To decide: connect once from a Windows client, "
				   "or add Server Authentication"}},
		.fix = EKU_FIXES)},
	/* Issue 13: an unsupported critical extension. RFC 5280 4.2 and Microsoft's certificate enrollment
	 * documentation say such a certificate must be rejected [D]; CryptoAPI has a chain status for it
	 * (CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT) [D: SDK]; that IKEEXT then says 13801 is inferred. */
	{{"cert-unknown-critical-ext", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_CRITICAL_EXT,
		.summary = "the server certificate has a critical extension ({text}) that verifiers do not support: Windows' chain check rejects it",
		.ev = {{RULE_NONE, "RFC 5280 4.2 and Microsoft's documentation: a certificate with an unrecognised critical extension must be rejected; "
				   "CryptoAPI flags it CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT [documented]; that IKEEXT reports 13801 for it is inferred"}},
		.fix = {{"Reissue the server certificate without that extension, or with it marked non-critical:",
			 "openssl x509 -noout -text -in server.crt | grep -B1 -A1 critical"}})},
	/* Issue 13: RSA keys. CertGetCertificateChain refuses RSA keys under 1024 bits [D: Microsoft KB 2661254,
	 * built into Windows 8 and later]; that IKEEXT then says 13801 is inferred. 1024-2047 bits: no
	 * source says IKEEXT refuses them (13881 ERROR_IPSEC_IKE_INVALID_CERT_KEYLEN exists): undecided. */
	{{"cert-rsa-key-blocked", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, .fn = rule_rsa_blocked},
	{{"cert-rsa-key-short", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_rsa_short},
	/* Issue 13: Key Usage without digitalSignature: the server signs AUTH with that key (RFC 4945
	 * 5.1.3.2 wants digitalSignature or nonRepudiation); whether IKEEXT checks it is not public. */
	{{"cert-ku-no-signature", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, IKE_ONE(
		.kind = OBS_CERT_KU_NO_SIGNATURE,
		.summary = "the server certificate's Key Usage does not allow digitalSignature, though the server signs IKE_AUTH with that key: whether Windows checks it is not documented",
		.ev = {{RULE_NONE, "RFC 4945 5.1.3.2: an IKE peer certificate's Key Usage, if present, should allow digitalSignature or nonRepudiation; "
				   "Windows has an error for it (13818 ERROR_IPSEC_IKE_INVALID_KEY_USAGE), but no source says IKEEXT applies it to the "
				   "server's certificate [inferred]. To decide: connect once from a Windows client"}},
		.fix = {{"Reissue the server certificate with Key Usage digitalSignature (and keyEncipherment for RSA):",
			 "keyUsage = critical, digitalSignature, keyEncipherment      # OpenSSL extension section"}})},
	{{"cert-expired", KB_P_IKEV2, 13801, KB_DOCUMENTED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_EXPIRED,
		.summary = "the server certificate expired ({text})",
		.fix = {{"Renew the server certificate and install it on the VPN server (RRAS: rebind it and restart RemoteAccess; "
			 "strongSwan: swanctl --load-creds). Check its dates with:",
			 "openssl x509 -noout -dates -in server.crt"}})},
	{{"cert-not-yet-valid", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_NOT_YET_VALID,
		.summary = "the server certificate is not valid yet (from {text})",
		.fix = {{"Check the clocks (server, CA and clients) or issue the certificate with a notBefore in the past:",
			 "openssl x509 -noout -dates -in server.crt"}})},
	{{"cert-untrusted-root", KB_P_IKEV2, 13801, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_cert_untrusted},
	{{"cert-missing-intermediate", KB_P_IKEV2, 13801, KB_VENDOR, SEV_FAILURE}, .fn = rule_cert_missing_intermediate},
	{{"cert-chain-invalid", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_CHAIN_INVALID,
		.summary = "the server certificate chain does not verify: {text}",
		.fix = {{"Check the chain the server sends (each issuer, dates, CA flags, key usage):",
			 "openssl verify -CAfile root-ca.pem -untrusted chain.pem server.pem"}})},
	{{"cert-ip-san", KB_P_IKEV2, 13801, KB_VENDOR, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_IP_SAN,
		.summary = "the client dials the address {text}, which the certificate carries only as an iPAddress SAN: Windows IKEv2 needs it as a dNSName SAN",
		.fix = {{"Reissue the server certificate with the address also as a dNSName SAN (keep the iPAddress SAN for other clients):",
			 "subjectAltName = DNS:{text}, IP:{text}      # OpenSSL extension section\npki --issue ... --san dns:{text}   # strongSwan pki"},
			{"Better: give the server a DNS name, put it in the certificate, and dial that name in the VPN profile.", NULL}})},
	{{"cert-name-mismatch", KB_P_IKEV2, 13801, KB_DOCUMENTED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_NAME_MISMATCH, .unless = {OBS_CERT_IP_SAN},
		.summary = "the server certificate is not for {text}: the name is neither a dNSName SAN nor the subject CN",
		.ev = {{OBS_CERT_LEAF, NULL}},
		.fix = {{"Reissue the server certificate with {text} as a dNSName SAN (and CN), or change the server address in "
			 "the VPN profile to a name the certificate carries.",
			 "subjectAltName = DNS:{text}      # OpenSSL extension section\nSet-VpnConnection -Name '<VPN name>' -ServerAddress <name in the certificate>"}})},
	{{"cert-unsupported-key", KB_P_IKEV2, 13801, KB_INFERRED, SEV_FAILURE}, IKE_ONE(
		.kind = OBS_CERT_KEY_REJECTED,
		.summary = "the server certificate's key ({text}) is one Windows IKEv2 does not accept (P-521, EdDSA)",
		.ev = {{RULE_NONE, "strongSwan's Windows notes say such certificates are rejected; the exact code (13801, or 13819 "
				   "ERROR_IPSEC_IKE_INVALID_CERT_TYPE) is not documented [inferred]"}},
		.fix = {{"Reissue the server certificate with an RSA (2048+) or ECDSA P-256/P-384 key:",
			 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -keyout server.key -out server.csr\n# or: pki --gen --type ecdsa --size 384"}})},
	/* Issue 11: more certificates than certcheck (or the IKE parser) checks: never "works". */
	{{"cert-chain-too-long", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, IKE_ONE(
		.kind = OBS_CERT_CHAIN_TOO_LONG,
		.summary = "the server sends {value} certificates, more than this tool checks ({code}): the chain was only partly verified",
		.fix = {{"Configure the server to send only its certificate and the intermediate CA certificates; then probe again.", NULL}})},
	/* Issue 11: a valid CRL/OCSP answer says the certificate is revoked. IKEEXT's default
	 * (strongcrlcheck=1) fails only when a cached CRL lists it (facts 2.8, 8 item 8), so a client
	 * without the CRL cached may still connect: a warning, not a predicted failure [inferred]. */
	{{"cert-revoked", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, IKE_ONE(
		.kind = OBS_CERT_REVOKED,
		.summary = "the server certificate is revoked; Windows' IKEv2 client fails on it once it has the CRL cached (strongcrlcheck=1), or always with strongcrlcheck=2",
		.fix = {{"Install a new, valid certificate on the server.", NULL}})},
	{{"cert-no-ike-intermediate-eku", KB_P_IKEV2, 0, KB_VENDOR, SEV_INFO}, IKE_ONE(
		.kind = OBS_CERT_NO_IKE_EKU,
		.summary = "the server certificate has Server Authentication but not the IP security IKE intermediate EKU (recommended, not required by Windows)",
		.fix = {{"When the certificate is next renewed, add 1.3.6.1.5.5.8.2.2 (older macOS/iOS clients need it):",
			 "extendedKeyUsage = serverAuth, 1.3.6.1.5.5.8.2.2"}})},
	/* Issue 13: a SHA-1 (or MD5) signature on the leaf or on an intermediate. No source says what
	 * IKEEXT does with it (Microsoft's SHA-1 blocks are documented for browsers and code signing):
	 * a warning, never "works". */
	{{"cert-weak-signature", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, IKE_ONE(
		.kind = OBS_CERT_WEAK_SIGNATURE,
		.summary = "the server certificate is signed with {text}: whether Windows' IKEv2 client accepts such a signature is not documented",
		.ev = {{RULE_NONE, "no public source says whether IKEEXT accepts a SHA-1 or MD5 signed certificate (Microsoft documents its SHA-1 "
				   "deprecation for TLS in browsers and for code signing) [inferred]. To decide: connect once from a Windows client"}},
		.fix = {{"Reissue the certificate with a SHA-256 (or stronger) signature.", "openssl x509 -noout -text -in server.crt | grep 'Signature Algorithm'"}},
		.otherwise = &(const struct rule_one){
			.kind = OBS_CERT_CA_WEAK_SIGNATURE,
			.summary = "a CA certificate of the server's chain (depth {value}) is signed with {text}: whether Windows' IKEv2 client accepts that is not documented",
			.fix = {{"Re-sign the intermediate CA certificate with SHA-256 (or stronger) and reissue the server certificate under it.",
				 "openssl x509 -noout -text -in intermediate.crt | grep 'Signature Algorithm'"}}})},
	/* Issue 13: names. A wildcard: one public report (strongSwan PR #44: Windows 7/8 connected with
	 * a *.domain certificate, its fields not shown) [O] does not decide which field Windows matched;
	 * the name check of IKEEXT is not documented beyond "CN and/or dNSName" [V]: undecided. */
	{{"cert-wildcard-name", KB_P_IKEV2, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_wildcard_name},
	{{"ike-auth-unchecked", KB_P_IKEV2, 0, KB_INFERRED, SEV_INFO}, IKE_ONE(
		.kind = OBS_IKE_AUTH_UNREADABLE,
		.summary = "IKE_AUTH could not be fully checked: {text}",
		.otherwise = &(const struct rule_one){.kind = OBS_IKE_AUTH_CERT_UNCHECKED})},
	{{"server-behind-nat", KB_P_IKEV2, 0, KB_INFERRED, SEV_INFO}, IKE_ONE(
		.kind = OBS_NAT_SERVER, .test = RULE_VALUE_NE, .arg = 0,
		.summary = "the server is behind NAT (a port forward): usually fine for IKEv2 when UDP 500 and 4500 are both forwarded",
		.fix = {{"Forward both UDP 500 and UDP 4500 to the server. For L2TP/IPsec clients (not IKEv2) Windows then needs "
			 "AssumeUDPEncapsulationContextOnSendRule (1: server behind NAT, 2: both behind NAT) and a restart:",
			 "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 2 /f"}})},
	{{"client-behind-nat", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, IKE_ONE(
		.kind = OBS_NAT_CLIENT, .test = RULE_VALUE_NE, .arg = 0,
		.summary = "this network is behind NAT: a Windows client here moves to UDP 4500 after IKE_SA_INIT")},
	{{"ike-no-fragmentation", KB_P_IKEV2, 0, KB_VENDOR, SEV_INFO}, IKE_ONE(
		.kind = OBS_IKE_FRAGMENTATION, .test = RULE_VALUE_EQ, .arg = 0,
		.summary = "the server does not offer IKEv2 fragmentation: a large IKE_AUTH (certificates) is IP-fragmented, and paths that drop fragments give 809",
		.fix = {{"RRAS on Windows Server 2019 or later: enable server fragmentation and restart the service:", FRAG_RRAS_CMD},
			{"strongSwan (swanctl.conf, in the connection):", "fragmentation = yes"}})},
	{{"ike-cookie-required", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, IKE_ONE(
		.kind = OBS_IKE_COOKIE, .natt = RULE_NATT_NO, .needs = OBS_IKE_ACCEPTED,
		.summary = "the server demands a COOKIE round trip (DoS protection); the retry with the cookie was answered")},
	/* a group we did not offer (value 0) is part of proposal-mismatch */
	{{"ike-invalid-ke", KB_P_IKEV2, 0, KB_DOCUMENTED, SEV_INFO}, IKE_ONE(
		.kind = OBS_IKE_INVALID_KE, .test = RULE_VALUE_NE, .arg = 0,
		.summary = "the server prefers DH group {code} ({text}) and asked for a new KE payload")},
};

/* What must have been checked for "works" (issue 5): IKE_SA_INIT accepted with Windows' default
 * proposals; IKE_AUTH answered with IDr + CERT + AUTH; the AUTH signature verified with the
 * certificate's key over the real exchange; the certificate passes every Windows rule (chain to a
 * trusted root, dates, name, EKU, key: a cert-chain-ok and no cert-* problem); the server asked
 * for EAP. Revocation is not checked: IKEEXT's default soft-fails it (facts 2.8) [inferred]. */
static void ikev2_settle(const struct obs_result *r, const struct diagnosis *d, struct proto_verdict *p)
{
	const struct obs *acc = rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 0);
	if (!acc)
		acc = rules_find_obs(r, OBS_IKE_ACCEPTED, KB_P_IKEV2, 1);
	if (acc) {
		static const enum obs_kind bad[] = {
			OBS_CERT_UNPARSABLE, OBS_CERT_NAME_MISMATCH, OBS_CERT_IP_SAN, OBS_CERT_NO_SERVER_AUTH_EKU,
			OBS_CERT_EXPIRED, OBS_CERT_NOT_YET_VALID, OBS_CERT_UNTRUSTED_ROOT, OBS_CERT_MISSING_INTERMEDIATE,
			OBS_CERT_CHAIN_INVALID, OBS_CERT_KEY_REJECTED, OBS_IKE_AUTH_ERROR, OBS_IKE_AUTH_NO_CERT,
			OBS_IKE_AUTH_NO_ANSWER, OBS_IKE_MALFORMED, OBS_UDP_TRUNCATED, OBS_CERT_CHAIN_TOO_LONG,
			OBS_CERT_NO_EKU, OBS_CERT_CRITICAL_EXT, /* issue 13 */
		};
		const struct obs *rep = ike_obs(r, OBS_IKE_AUTH_REPLY), *sig = ike_obs(r, OBS_IKE_AUTH_SIGNATURE);
		const struct obs *eap = ike_obs(r, OBS_IKE_AUTH_EAP);
		const struct obs *leaf = rules_find_obs(r, OBS_CERT_LEAF, KB_P_IKEV2, -1);
		const struct obs *chain = rules_find_obs(r, OBS_CERT_CHAIN_OK, KB_P_IKEV2, -1);
		bool clean = true;
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			clean = clean && !rules_find_obs(r, bad[i], KB_P_IKEV2, -1);
		p->checks_passed = true;
		const char *missing = !rep ? "the server certificate in IKE_AUTH (no IKE_AUTH reply)"
			: !sig ? "the server's AUTH payload"
			: sig->value != 1 ? "the server's AUTH signature (could not be verified)"
			: !leaf || !chain ? "the certificate chain (see the certificate findings)"
			: !clean ? "a check that did not pass (a certificate finding, or datagrams that are not IKEv2)"
			: !eap || eap->code != 1 ? "the EAP request (the server did not ask for EAP)" : NULL;
		char eap_tail[240] = ""; /* the user's sign-in (rules_ikev2_eap.c) */
		if (!missing)
			missing = rules_ikev2_eap_missing(r, eap_tail, sizeof eap_tail);
		/* Issue 13: a certificate warning is a fact no source decides (an Any Purpose EKU, a
		 * wildcard, a SHA-1 signature, a revoked certificate IKEEXT may not know of yet...): never
		 * "works" past it. (Other warnings, e.g. UDP 4500 closed seen from outside NAT, concern
		 * other clients and leave the verdict to the rest.) */
		const struct finding *warn = NULL;
		for (size_t i = 0; i < d->nf && !warn; i++)
			if (d->f[i].proto == KB_P_IKEV2 && d->f[i].severity == SEV_WARNING && strncmp(d->f[i].cause, "cert-", 5) == 0)
				warn = &d->f[i];
		if (!missing && warn) {
			fmt_into(p->summary, sizeof p->summary,
				 "undecided: accepts Windows' proposals (%s), IKE_AUTH checked and the server asks for EAP, but %s", acc->text, warn->summary);
			for (size_t i = 0; i < d->nf; i++)
				if (d->f[i].proto == KB_P_IKEV2 && d->f[i].severity == SEV_WARNING && &d->f[i] != warn)
					fmt_append(p->summary, sizeof p->summary, "; warning: %s", d->f[i].summary);
			return;
		}
		if (!missing) {
			p->verdict = VERDICT_WORKS;
			fmt_into(p->summary, sizeof p->summary,
				 "accepts Windows' proposals (%s); IKE_AUTH: certificate \"%s\" passes Windows' checks, its key signed this exchange, "
				 "and the server asks for EAP%s", acc->text, leaf->text, eap_tail);
		} else {
			fmt_into(p->summary, sizeof p->summary, "reachable, accepts Windows' proposals (%s); not yet checked: %s",
				 acc->text, missing);
		}
		for (size_t i = 0; i < d->nf; i++)
			if (d->f[i].proto == KB_P_IKEV2 && d->f[i].severity == SEV_WARNING)
				fmt_append(p->summary, sizeof p->summary, "; warning: %s", d->f[i].summary);
		return;
	}
	const struct obs *junk = port_spoke(r, KB_P_IKEV2, false);
	if (!junk)
		junk = port_spoke(r, KB_P_IKEV2, true);
	if (junk) {
		fmt_into(p->summary, sizeof p->summary,
			 "undecided: something on UDP %u answers, but not with IKEv2: a middlebox or another service (%s)",
			 junk->port, junk->text);
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
