/* IKEv2 sign-in rules (issue 13): what the EAP-MSCHAPv2 exchange the probe made with --user and
 * --password-file (probes/ikev2_eap.c) means for a Windows client. Facts: shared/reference/
 * windows-vpn-facts.md §1.2 (691, 646-649, 778, 812), §7; RFC 2759 §6 (the E= codes). */
#include "rules/rules_ikev2_eap.h"

#include <string.h>

#include "util/fmt.h"

static const struct obs *ike(const struct obs_result *r, enum obs_kind k)
{
	return rules_find_obs(r, k, KB_P_IKEV2, -1);
}

/* The MSCHAPv2 Failure request's E= code as RFC 2759 §6 lists it; the values are the Windows
 * (RAS) error numbers the client shows [D: RFC 2759 §6; names: raserror.h, facts §1.2]. */
struct eap_code {
	uint32_t e;
	const char *symbol, *meaning, *fix;
};
static const struct eap_code eap_codes[] = {
	{691, "ERROR_AUTHENTICATION_FAILURE", "the user name or password is not accepted",
	 "Check the user name (DOMAIN\\user or user@domain as the server expects) and the password, and that the account may use EAP-MSCHAPv2 on the server (NPS network policy, strongSwan secrets)."},
	{646, "ERROR_RESTRICTED_LOGON_HOURS", "the account may not sign in at this time of day",
	 "Change the account's logon hours (Active Directory: Account > Logon Hours) or the NPS policy's day-and-time constraint."},
	{647, "ERROR_ACCT_DISABLED", "the account is disabled", "Enable the account (Active Directory Users and Computers, or Enable-ADAccount)."},
	{648, "ERROR_PASSWD_EXPIRED", "the password has expired", "Change the password (Windows can change it during the sign-in only with MSCHAPv2 password change), then connect again."},
	{649, "ERROR_NO_DIALIN_PERMISSION", "the account has no permission to dial in",
	 "Allow remote access for the account (Active Directory: Dial-in > Network Access Permission, or the NPS network policy's Grant access)."},
	{709, "ERROR_CHANGING_PASSWORD", "the password change failed", "Change the password on a domain-joined PC or with the administrator, then connect again."},
};

static const struct eap_code *eap_code_find(uint32_t e)
{
	for (size_t i = 0; i < sizeof eap_codes / sizeof eap_codes[0]; i++)
		if (eap_codes[i].e == e)
			return &eap_codes[i];
	return NULL;
}

/* The server's MSCHAPv2 authenticator response (value 1) or its final AUTH from the MSK (2) does not
 * verify: it does not prove it knows the password. Windows' MSCHAPv2 peer checks the authenticator
 * response (RFC 2759 §8.8) and stops: 778 ERROR_UNABLE_TO_AUTHENTICATE_SERVER ("MS-CHAP v2
 * mutual-auth failure", facts §1.2) [I]; a final AUTH that does not verify is an IKE
 * authentication failure, 13801 [I]. */
void rules_ikev2_eap_server_unproven(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_AUTH_SERVER_MISMATCH);
	if (!o || o->value == 3)
		return;
	struct rules_row rw = *row;
	rw.windows_error = o->value == 1 ? 778 : 13801;
	struct finding *f = rules_found(d, &rw, KB_P_IKEV2, o, "%s",
		o->value == 1 ? "the server's MSCHAPv2 success message does not prove it knows the user's password: Windows refuses such a server"
			      : "the server's final AUTH does not verify with the key of this EAP-MSCHAPv2 exchange: Windows refuses it");
	rules_fix(f, "The password check happens where the server (or its RADIUS server) computes the MSCHAPv2 answer: check that the "
		     "VPN server talks to the intended RADIUS/NPS server (shared secret, no proxy that rewrites MS-CHAP attributes) and "
		     "that a server-side EAP module derives the MSK per RFC 3079. Compare with a strongSwan client using the same account:",
		  "charon-cmd --host <server> --identity <user> --profile ikev2-eap");
}

/* The server asks for another EAP method than MSCHAPv2 (EAP-TLS, PEAP...): a Windows connection
 * configured for EAP-MSCHAPv2 is refused by the server's policy, 812 ERROR_SERVER_POLICY
 * [D: Microsoft Always On VPN troubleshooting, facts §1.2]. */
void rules_ikev2_eap_method(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_EAP_METHOD);
	if (!o)
		return;
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"the server's policy wants %s (EAP type %lld), not EAP-MSCHAPv2: a user name and password connection is refused",
		o->text, (long long)o->value);
	const struct obs *fl = ike(r, OBS_IKE_EAP_FAILURE);
	if (fl && fl->value == 3)
		rules_evidence(f, fl->evidence);
	if (o->value == 13 || o->value == 25) {
		char t[400];
		fmt_into(t, sizeof t,
			 "Give the Windows connection the method the server wants (%s, with the user's certificate or the PEAP inner method "
			 "the policy allows), e.g. through Intune/ProfileXML, or the EAP XML of the connection:",
			 o->text);
		rules_fix(f, t, "Set-VpnConnection -Name '<VPN name>' -AuthenticationMethod Eap -EapConfigXmlStream $xml   # $xml: New-EapConfiguration -Tls (EAP-TLS) or -Peap");
	}
	rules_fix(f, "Or allow EAP-MSCHAPv2 on the server (NPS: the network policy's Constraints > Authentication Methods > EAP Types; "
		     "strongSwan: the connection's remote auth):",
		  "remote { auth = eap-mschapv2  eap_id = %any }   # swanctl.conf");
}

/* The server refused the credentials: EAP-Failure, or an MSCHAPv2 Failure request with E=, after
 * our response. 691 for a rejected EAP sign-in [V: Richard Hicks, facts §1.2: "IKEv2 EAP failure
 * reported as 691"]; with E= the code itself (RFC 2759 §6 [D]). A failure after our final AUTH is
 * an IKE authentication failure, 13801 [I]. */
void rules_ikev2_eap_auth_failed(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_EAP_FAILURE);
	if (!o || ike(r, OBS_IKE_EAP_METHOD))
		return;
	struct rules_row rw = *row;
	const struct eap_code *c = o->code > 0 ? eap_code_find((uint32_t)o->code) : NULL;
	char s[400];
	if (o->value == 5) {
		rw.windows_error = 13801;
		rw.basis = KB_INFERRED;
		fmt_into(s, sizeof s, "the server accepted the password but refused the final AUTH (%s)", o->text);
	} else if (c) {
		rw.windows_error = c->e;
		rw.basis = KB_DOCUMENTED;
		fmt_into(s, sizeof s, "the server refuses the sign-in: %s (MSCHAPv2 E=%u, %s)", c->meaning, (unsigned)c->e, c->symbol);
	} else if (o->code > 0) {
		rw.windows_error = 0;
		rw.basis = KB_INFERRED;
		fmt_into(s, sizeof s, "the server refuses the sign-in with MSCHAPv2 error E=%d, which no source maps to a Windows error", o->code);
	} else {
		rw.windows_error = 691;
		rw.basis = KB_VENDOR;
		fmt_into(s, sizeof s, "the server refuses the sign-in (%s%s%s): wrong user name or password, or the account may not use EAP-MSCHAPv2",
			 o->value == 1 ? "EAP-Failure after the user name" : "EAP-Failure after the password response",
			 o->text[0] ? ", " : "", o->text);
	}
	struct finding *f = rules_found(d, &rw, KB_P_IKEV2, o, "%s", s);
	const struct obs *ms = ike(r, OBS_IKE_MS_STATUS);
	if (ms)
		rules_evidence(f, ms->evidence);
	rules_evidence(f, "the tunnel itself works: UDP 500/4500, the proposals and the server certificate passed, and the server read the credentials");
	if (c) {
		rules_fix(f, c->fix, NULL);
	} else {
		rules_fix(f, "Check the user name (DOMAIN\\user or user@domain, as the server expects) and the password by hand, and that the account "
			     "is allowed EAP-MSCHAPv2 (NPS: Security event 6273 names the reason; strongSwan: the EAP secret for this identity).",
			  "Get-WinEvent -FilterHashtable @{LogName='Security'; Id=6273} -MaxEvents 5 | Format-List   # on the NPS server");
	}
}

/* The credentials are accepted and an address assigned, but the final reply refuses the child SA
 * (the ESP tunnel): Windows cannot bring the connection up; no source gives the error [I]. */
void rules_ikev2_eap_child_refused(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_CHILD_REFUSED);
	const struct obs *ok = ike(r, OBS_IKE_EAP_SUCCESS);
	if (!o)
		return;
	if (!ok)
		ok = ike(r, OBS_IKE_PSK_ACCEPTED); /* the same after the pre-shared key (rules_ikev2_psk.c) */
	struct finding *f = rules_found(d, row, KB_P_IKEV2, o,
		"%s%s%s%s, but the server refuses the tunnel's child SA (ESP) with %s",
		ok && ok->kind == OBS_IKE_PSK_ACCEPTED ? "the pre-shared key was accepted" : "the user signed in",
		ok && ok->text[0] ? " (address " : "", ok && ok->text[0] ? ok->text : "", ok && ok->text[0] ? ")" : "", o->text);
	if (ok)
		rules_evidence(f, ok->evidence);
	rules_fix(f, "Make the server accept one of Windows' ESP proposals (AES-CBC-256/128 or 3DES with SHA-1, no PFS) and check that it "
		     "can install the IPsec SA (strongSwan: \"unable to install ... SA\" in its log; RRAS: the IKEEXT events).",
		  "esp_proposals = aes256-sha1,aes128-sha1,3des-sha1,default   # swanctl.conf, children section");
}

/* The sign-in stopped before a decision (no answer, a message the probe cannot follow, MD4/DES
 * unavailable, credentials withheld from a server Windows would not trust): informational; the
 * verdict stays unknown (rules_ikev2_eap_missing). */
void rules_ikev2_eap_incomplete(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = ike(r, OBS_IKE_EAP_INCOMPLETE);
	if (!o || o->code == 2)
		return; /* credentials withheld: the certificate findings say why */
	rules_found(d, row, KB_P_IKEV2, o, "the user sign-in could not be completed: %s", o->text);
}

const char *rules_ikev2_eap_missing(const struct obs_result *r, char *tail, size_t taillen)
{
	const struct obs *ok = ike(r, OBS_IKE_EAP_SUCCESS), *none = ike(r, OBS_IKE_NO_CREDENTIALS);
	tail[0] = 0;
	if (ok && ok->value == 1 && ok->code == 1 && !ike(r, OBS_IKE_CHILD_REFUSED) && !ike(r, OBS_IKE_AUTH_SERVER_MISMATCH) &&
	    !ike(r, OBS_IKE_EAP_FAILURE)) {
		fmt_into(tail, taillen, "; the user signed in with EAP-MSCHAPv2 (the server proved the password, its final AUTH verified) and got the address %s",
			 ok->text);
		return NULL;
	}
	if (ok)
		return "the address assignment (the server's CP reply assigned no address)";
	if (ike(r, OBS_IKE_EAP_INCOMPLETE))
		return "the user sign-in (EAP-MSCHAPv2 did not complete: see the finding)";
	if (none || !ike(r, OBS_IKE_EAP_FAILURE)) {
		fmt_into(tail, taillen, " (user credentials not tested: --user NAME and --password-file PATH decide them)");
		return NULL;
	}
	return "the user sign-in";
}
