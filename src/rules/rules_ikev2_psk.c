/* IKEv2 pre-shared key rules (issue 13 item 2): what the IKE_AUTH with --psk-file (probes/ikev2_psk.c)
 * means, once the server has refused Windows' EAP IKE_AUTH with AUTHENTICATION_FAILED.
 *
 * Which Windows connections can use an IKEv2 pre-shared key:
 * - the remote-access client of Windows 10/11 (Settings, rasphone, Add-VpnConnection): no.
 *   Add-VpnConnection's -AuthenticationMethod accepts Pap, Chap, MSChapv2, Eap, MachineCertificate;
 *   its only key parameter is -L2tpPsk, for L2TP/IPsec [D: Microsoft Learn, Add-VpnConnection].
 *   The RAS API has a phonebook flag RASEO2_UsePreSharedKeyForIkev2Initiator (Windows 8 and later)
 *   [D: SDK ras.h]; one public report of a client entry with it set failing to connect
 *   [O: DotRas/DotRas issue 100]: no source says the client dials with it.
 * - a Windows Server RRAS site-to-site (demand-dial) interface: yes, Add-VpnS2SInterface -Protocol
 *   IKEv2 -AuthenticationMethod PSKOnly -SharedSecret [D: Microsoft Learn, Add-VpnS2SInterface].
 * So the verdict (the Windows built-in client) stays "fails" for a server that takes IKEv2 only with
 * a key, whatever the key; the findings say whether the key is right, for the site-to-site case.
 * Errors: a refused key on a Windows PSK site-to-site link is 13801 ("IKE authentication credentials
 * are unacceptable") [D: data/errors/13801.txt, Microsoft's Azure VPN gateway troubleshooting with
 * RRAS]; the EAP refusal the remote-access client gets, 13801 [I] (rules_ikev2.c, ike-auth-refused). */
#include "rules/rules_ikev2_psk.h"

#include "util/fmt.h"

static const struct obs *ike(const struct obs_result *r, enum obs_kind k)
{
	return rules_find_obs(r, k, KB_P_IKEV2, -1);
}

#define PSK_CLIENTS                                                                                                   \
	"IKEv2 with a pre-shared key: Windows 10/11's remote-access client cannot (Add-VpnConnection -AuthenticationMethod: Pap, " \
	"Chap, MSChapv2, Eap, MachineCertificate; -L2tpPsk is L2TP only) [documented]; an RRAS site-to-site interface can "        \
	"(Add-VpnS2SInterface -Protocol IKEv2 -AuthenticationMethod PSKOnly) [documented]"
#define PSK_S2S_CMD "Add-VpnS2SInterface -Name '<site>' -Destination <server> -Protocol IKEv2 -AuthenticationMethod PSKOnly -SharedSecret '<key>' -IPv4Subnet <remote subnet>:100"
#define PSK_L2TP_CMD "Add-VpnConnection -Name '<VPN name>' -ServerAddress <server> -TunnelType L2tp -L2tpPsk '<key>' -AuthenticationMethod MSChapv2 -Force"
#define SRV_EAP_TEXT                                                                                                  \
	"Or give the server what the Windows remote-access client uses for IKEv2: a certificate for itself and EAP (user name and " \
	"password) or machine certificates for the clients. strongSwan (swanctl.conf):"
#define SRV_EAP_CMD "local { auth = pubkey  certs = server.crt }\nremote { auth = eap-mschapv2  eap_id = %any }"

/* A PSK outcome exists: the PSK rows replace ike-auth-refused's finding (rules_ikev2.c). */
bool rules_ikev2_psk_decided(const struct obs_result *r)
{
	const struct obs *mm = ike(r, OBS_IKE_AUTH_SERVER_MISMATCH);
	return ike(r, OBS_IKE_PSK_ACCEPTED) || ike(r, OBS_IKE_PSK_REFUSED) || ike(r, OBS_IKE_PSK_OTHER_METHOD) ||
	       (mm && mm->value == 3);
}

static void eap_refusal(const struct obs_result *r, struct finding *f)
{
	const struct obs *ae = ike(r, OBS_IKE_AUTH_ERROR);
	if (ae)
		rules_evidence(f, ae->evidence);
	const struct obs *ms = ike(r, OBS_IKE_MS_STATUS);
	if (ms)
		rules_evidence(f, ms->evidence);
}

/* The server refused our PSK AUTH (AUTHENTICATION_FAILED): the server's key differs from ours (or
 * is bound to another identity than our IDi, the client's address). The server refused: a
 * responder sends its own AUTH only after ours verified (RFC 7296 2.15), so the key was never
 * checked the other way. */
void rules_ikev2_psk_refused(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_PSK_REFUSED);
	if (!o)
		return;
	struct rules_row rw = *row;
	bool auth = o->code == IKE2_N_AUTHENTICATION_FAILED;
	if (!auth)
		rw.basis = KB_INFERRED;
	char s[300];
	if (auth)
		fmt_into(s, sizeof s, "the server refuses EAP and also refuses the pre-shared key of --psk-file (AUTHENTICATION_FAILED to our PSK AUTH): the server holds another key");
	else
		fmt_into(s, sizeof s, "the server refuses EAP, and answers IKE_AUTH with the pre-shared key with %s", o->text);
	struct finding *f = rules_found(d, &rw, KB_P_IKEV2, o, "%s", s);
	eap_refusal(r, f);
	if (auth)
		rules_evidence(f, "the server refused: it checks the initiator's AUTH first and sends its own only when ours verifies (RFC 7296 2.15); "
				  "a Windows RRAS site-to-site interface shows 13801 for a refused shared key [documented]");
	rules_evidence(f, PSK_CLIENTS);
	rules_fix(f, "Give both sides the same pre-shared key (compare it byte for byte: trailing blanks and line ends count), and check that "
		     "the server's key is not bound to another identity than the client's IDi (its IP address). strongSwan (swanctl.conf):",
		  "secrets { ike-site { secret = \"<the same key>\" } }   # no id: the key applies to every identity");
	rules_fix(f, "RRAS site-to-site: set the same key on the interface:", "Set-VpnS2SInterface -Name '<site>' -SharedSecret '<key>'");
	rules_fix(f, "A Windows laptop (remote-access client) cannot use an IKEv2 key at all: use L2TP/IPsec with the key, or EAP on the server.",
		  PSK_L2TP_CMD);
}

/* The server accepted our PSK AUTH, but its own AUTH does not verify with the key: it authenticates
 * itself with another key (strongSwan can hold a key per identity pair). A Windows PSK interface
 * has one key for both directions (-SharedSecret): it rejects the server, 13801 [I]. */
void rules_ikev2_psk_server_mismatch(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_AUTH_SERVER_MISMATCH);
	if (!o || o->value != 3)
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o, "%s",
		"the server accepts the pre-shared key of --psk-file, but its own AUTH does not verify with it: it authenticates itself with another key");
	eap_refusal(r, f);
	rules_evidence(f, "a Windows site-to-site interface has one shared secret for both directions (-SharedSecret), so it would reject the server's AUTH: 13801 [inferred]");
	rules_evidence(f, PSK_CLIENTS);
	rules_fix(f, "Make the server use the same key for its own AUTH as for the client's: one secret for both identities (strongSwan: a secret "
		     "without id, or with both the server's and the client's id):",
		  "secrets { ike-site { id-1 = <server id>  id-2 = <client address>  secret = \"<the same key>\" } }");
}

/* The server accepted our PSK AUTH but signs its own with a certificate (RFC 7296 allows each side
 * its own method). The Windows remote-access client never sends a PSK AUTH (it gets the EAP refusal,
 * 13801 [I]); whether an RRAS PSKOnly interface accepts a certificate AUTH from the responder is
 * not documented. */
void rules_ikev2_psk_other_method(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_PSK_OTHER_METHOD);
	if (!o)
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server refuses EAP; it accepts the pre-shared key of --psk-file but authenticates itself with %s (a certificate), not the key",
		o->text);
	eap_refusal(r, f);
	rules_evidence(f, "RFC 7296 lets each side use its own AUTH method; no source says whether a Windows RRAS interface set to PSKOnly accepts a "
			  "certificate AUTH from the server [inferred]. To decide: dial the server once from an RRAS site-to-site interface");
	rules_evidence(f, PSK_CLIENTS);
	rules_fix(f, "Make the server authenticate with the key too (strongSwan: local { auth = psk }), or the Windows side expect a certificate "
		     "(RRAS: -AuthenticationMethod MachineCertificates); for remote-access clients:",
		  SRV_EAP_CMD);
}

/* The server refuses EAP but takes the key (its AUTH verified with it): right key. The Windows
 * remote-access client cannot use an IKEv2 key [D], so it gets the EAP refusal, 13801 [I]; an RRAS
 * site-to-site interface with this key authenticates. Never "works": that is for the built-in
 * client. */
void rules_ikev2_psk_only(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_PSK_ACCEPTED);
	const struct obs *mm = ike(r, OBS_IKE_AUTH_SERVER_MISMATCH);
	if (!o || (mm && mm->value == 3))
		return;
	char addr[80] = "";
	if (o->value == 1)
		fmt_into(addr, sizeof addr, ", address %s", o->text);
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server takes IKEv2 only with a pre-shared key (it refuses EAP); the key of --psk-file is right (the server's AUTH verified with it%s), "
		"but Windows' remote-access client cannot use an IKEv2 pre-shared key",
		addr);
	eap_refusal(r, f);
	rules_evidence(f, PSK_CLIENTS);
	rules_evidence(f, "the RAS flag RASEO2_UsePreSharedKeyForIkev2Initiator exists (Windows 8+) [documented: SDK ras.h]; no source says the "
			  "remote-access client dials with it; a client entry with it set failed [observed: DotRas/DotRas issue 100]");
	rules_fix(f, "For Windows laptops: use L2TP/IPsec with this key (the L2TP verdict says whether the server offers it):", PSK_L2TP_CMD);
	rules_fix(f, SRV_EAP_TEXT, SRV_EAP_CMD);
	rules_fix(f, "A Windows Server RRAS site-to-site interface can use this key:", PSK_S2S_CMD);
}

/* The PSK sign-in stopped before a decision: informational; ike-auth-refused keeps the verdict. */
void rules_ikev2_psk_incomplete(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_PSK_INCOMPLETE);
	if (!o || rules_ikev2_psk_decided(r))
		return;
	rules_found(d, row, KB_P_IKEV2, o, "the sign-in with the pre-shared key could not be completed: %s", o->text);
}
