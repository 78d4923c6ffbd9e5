/* SSTP rules: observations of the SSTP probe (and the certificate facts cert_obs.c records for it)
 * -> findings. Facts: shared/reference/windows-vpn-facts.md §1.4, §3, §7, §8 item 8, §10.
 *
 * Basis of each predicted error (row table at the end):
 *  - 809 for TCP 443 without answer: practitioners ("809 covers TCP 443 for SSTP") [V]; for a reset
 *    or an ICMP error the code is not public (0x800704C9 is the Win32 "connection refused") [I].
 *  - 0x800B0109 / 0x800B010F: Microsoft's Always On VPN troubleshooting and the SSL chain policy [D];
 *    0x800B0101 expired and 0x80092013 CRL offline: Richard Hicks [V]; 0x800B010A missing
 *    intermediate and 0x800B0110 missing EKU: the CryptoAPI meaning of the codes [I].
 *  - 0x80090331 for a TLS 1.0/1.1-only server on builds with them disabled [I]; 0x80090326 for
 *    another TLS failure [I].
 *  - not an SSTP server / Nak / Abort: the code is not public (facts §10 item 1) [I], no number.
 *  - Revocation (issue 11): only a fetched CRL / OCSP answer that parses, is signed by the leaf's
 *    issuer and is current counts (crypto/certrev.c). None usable: 0x80092013 CRYPT_E_REVOCATION_OFFLINE
 *    (facts §3.5: unreachable [V: Hicks]; an expired CRL is one of KB 2980672's causes [D]; junk,
 *    a bad signature or a wrong issuer giving the same code [I]). A valid answer listing the leaf:
 *    0x80092010 CRYPT_E_REVOKED (facts §7 table; data/errors/0x80092010.txt, cause cert-revoked [D]).
 *  - A Call Connect Ack without a valid Crypto Binding Request: the client has no nonce and hash
 *    protocol for its Call Connected ([MS-SSTP] 2.2.10, 3.2.5.2), an invalid message it aborts on
 *    (3.1.5.1) [D]; the Windows error shown for it is not public [I], no number.
 *  - A chain longer than certcheck's bound: not a failure we can name, never "works" [I]. */
#include "rules/rules_internal.h"

#include "crypto/certrev.h"

#include <string.h>

#include "util/fmt.h"

#define P KB_P_SSTP

static const struct obs *find(const struct obs_result *r, enum obs_kind k)
{
	return rules_find_obs(r, k, P, -1);
}

static const char *const no_rev_check =
	"reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\SstpSvc\\Parameters /v NoCertRevocationCheck /t REG_DWORD /d 1 /f";

/* ---------------------------------------------------------------- certificate */

static void rule_missing_intermediate(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_CERT_MISSING_INTERMEDIATE);
	if (!o)
		return;
	/* Windows completes a chain from the AIA caIssuers URL; OpenSSL does not. */
	bool aia_ok = false, aia_tried = false;
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (x->kind == OBS_REVOCATION_FETCH && x->proto == P && strcmp(x->set, "aia") == 0) {
			aia_tried = true;
			aia_ok = aia_ok || (x->code == 0 && x->value == 200);
		}
	}
	struct rules_row rw = *row;
	if (aia_ok) {
		rw.severity = SEV_WARNING; /* Windows fetches the issuer: likely fine, unproven */
		rw.basis = KB_INFERRED;
	}
	struct finding *f = rules_add(d, &rw, P);
	if (!f)
		return;
	if (aia_ok)
		fmt_into(f->summary, sizeof f->summary,
			 "the server does not send its intermediate CA; Windows can fetch it from the AIA URL, which answers from here");
	else
		fmt_into(f->summary, sizeof f->summary,
			 "the issuer of the server certificate is neither sent by the server nor trusted here%s: a private CA the client does not trust, or a missing intermediate",
			 aia_tried ? " and its AIA URL does not answer" : " (no AIA URL to fetch it from)");
	rules_evidence(f, o->evidence);
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == OBS_REVOCATION_FETCH && r->obs[i].proto == P && strcmp(r->obs[i].set, "aia") == 0)
			rules_evidence(f, r->obs[i].evidence);
	rules_fix(f, "If the issuer is a private root CA: import it into the clients' Trusted Root Certification Authorities store (computer account):",
		  "Import-Certificate -FilePath .\\root-ca.cer -CertStoreLocation Cert:\\LocalMachine\\Root");
	rules_fix(f, "Install the full chain on the server (leaf and intermediates) so that it sends them in the TLS handshake; on Windows import the intermediate into the computer's Intermediate Certification Authorities store:",
		  "Import-Certificate -FilePath .\\intermediate.cer -CertStoreLocation Cert:\\LocalMachine\\CA");
}

/* ---------------------------------------------------------------- revocation */

/* What the revocation locations of the leaf gave (crl and ocsp; aia is not revocation). */
struct rev_facts {
	size_t tried;       /* locations named (fetched or not) */
	size_t checkable;   /* fetched over HTTP(S) (or an OCSP request could not even be built) */
	size_t answered;    /* fetches answered with HTTP 200 (each then has a verdict below) */
	size_t good;        /* revocation-good: a valid, current "not revoked" */
	size_t revoked;     /* cert-revoked */
	size_t invalid;     /* revocation-invalid, the server's fault (junk, signature, issuer, stale) */
	size_t stale;       /* of those, stale or not yet valid */
	size_t undecided;   /* revocation-invalid that this side cannot decide (code >= 20) */
	const struct obs *first_undecided;
};

static bool is_rev_set(const struct obs *x)
{
	return x->proto == P && (strcmp(x->set, "crl") == 0 || strcmp(x->set, "ocsp") == 0);
}

static void rev_facts(const struct obs_result *r, struct rev_facts *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (!is_rev_set(x))
			continue;
		switch (x->kind) {
		case OBS_REVOCATION_FETCH:
			f->tried++;
			if (x->code >= 0)
				f->checkable++;
			if (x->code == 0 && x->value == 200)
				f->answered++;
			break;
		case OBS_REVOCATION_GOOD:
			f->good++;
			break;
		case OBS_CERT_REVOKED:
			f->revoked++;
			break;
		case OBS_REVOCATION_INVALID:
			if (x->code >= CERTREV_WHY_NO_ISSUER) {
				f->undecided++;
				if (!f->first_undecided)
					f->first_undecided = x;
				if (x->code == CERTREV_WHY_NO_ISSUER || x->code == CERTREV_WHY_BAD_INPUT) {
					f->tried++; /* an OCSP responder that could not be asked */
					f->checkable++;
				}
			} else {
				f->invalid++;
				if (x->code == CERTREV_WHY_STALE || x->code == CERTREV_WHY_NOT_YET_VALID)
					f->stale++;
			}
			break;
		default:
			break;
		}
	}
}

static void rule_revoked(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_CERT_REVOKED);
	if (!o)
		return;
	struct finding *f = rules_found(d, row, P, o, "the server certificate is revoked: its %s says so in a valid answer signed by the issuer",
		 strcmp(o->set, "ocsp") == 0 ? "OCSP responder" : "CRL");
	if (!f)
		return;
	const struct obs *leaf = find(r, OBS_CERT_LEAF);
	if (leaf)
		rules_evidence(f, leaf->evidence);
	rules_fix(f, "Install a new, valid certificate on the server and bind it to SSTP; never turn revocation checking off for a revoked certificate.",
		  "Get-RemoteAccess | Select-Object SslCertificate");
}

static void rule_crl(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	struct rev_facts rf;
	rev_facts(r, &rf);
	if (rf.good || rf.revoked || rf.undecided || rf.checkable == 0 || rf.answered > rf.invalid)
		return;
	/* Every location this side could fetch is unreachable or gave an unusable answer (an HTTP 200
	 * without a verdict on its body decides nothing). */
	struct rules_row rw = *row;
	if (rf.invalid > rf.stale)
		rw.basis = KB_INFERRED; /* junk, a bad signature, a wrong issuer */
	else if (rf.stale)
		rw.basis = KB_DOCUMENTED; /* an expired CRL: KB 2980672 */
	struct finding *f = rules_add(d, &rw, P);
	if (!f)
		return;
	if (rf.invalid)
		fmt_into(f->summary, sizeof f->summary,
			 "no CRL distribution point or OCSP responder of the server certificate gives a valid, current answer (%zu answer%s %s): the SSTP client cannot check revocation and refuses the server",
			 rf.invalid, rf.invalid == 1 ? "" : "s",
			 rf.invalid == rf.stale ? "stale or not yet valid" : "not a valid CRL/OCSP answer for it");
	else
		fmt_into(f->summary, sizeof f->summary,
			 "no CRL distribution point or OCSP responder of the server certificate is reachable from this network: the SSTP client cannot check revocation and refuses the server");
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (is_rev_set(x) && (x->kind == OBS_REVOCATION_FETCH || x->kind == OBS_REVOCATION_INVALID))
			rules_evidence(f, x->evidence);
	}
	if (rf.invalid > rf.stale)
		rules_evidence(f, "that Windows reports an answer that is not a valid CRL/OCSP response with this same code is inferred");
	rules_fix(f, "Publish the CA's current CRL at an HTTP URL reachable from the Internet and name that URL in the CDP extension of newly issued certificates (then re-issue the server certificate); or use a certificate from a public CA.",
		  "certutil -URL <server certificate>.cer      # on a client: tests every CDP/AIA URL");
	if (rf.stale)
		rules_fix(f, "The CA must publish a new CRL before nextUpdate (check the CA's CRL publication interval and that publishing works):",
			  "certutil -CRL");
	rules_fix(f, "Allow the clients' HTTP (TCP 80) to the CRL host through proxies and firewalls, and make sure it serves the CRL itself (not an error page).", NULL);
	rules_fix(f, "Only as a stopgap (turns off revocation checking for SSTP on that client; reboot after):", no_rev_check);
}

static void rule_rev_unchecked(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	struct rev_facts rf;
	rev_facts(r, &rf);
	if (rf.good || rf.revoked || rf.tried == 0 || rf.checkable > 0)
		return;
	struct finding *f = rules_found(d, row, P, NULL, "the certificate names revocation locations this tool does not fetch (LDAP): whether clients can reach them is not known");
	if (!f)
		return;
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == OBS_REVOCATION_FETCH && r->obs[i].proto == P)
			rules_evidence(f, r->obs[i].evidence);
	rules_fix(f, "Publish the CRL at an HTTP URL as well; LDAP CDPs work only for domain-joined clients inside the network.", NULL);
}

/* ---------------------------------------------------------------- SSTP handshake */

static void rule_not_sstp(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *http = find(r, OBS_SSTP_HTTP);
	const struct obs *bad = find(r, OBS_SSTP_HTTP_BAD);
	const struct obs *badreply = find(r, OBS_SSTP_BAD_REPLY);
	const struct obs *closed = find(r, OBS_TCP_CLOSED);
	const struct obs *o = NULL;
	if (http && http->code != 200)
		o = http;
	else if (bad)
		o = bad;
	else if (badreply)
		o = badreply;
	else if (closed && find(r, OBS_TLS_HANDSHAKE) && !find(r, OBS_SSTP_ACK) && !find(r, OBS_SSTP_NAK))
		o = closed;
	if (!o)
		return;
	struct finding *f = rules_add(d, row, P);
	if (!f)
		return;
	if (o == http)
		fmt_into(f->summary, sizeof f->summary,
			 "TCP 443 speaks HTTPS but answers the SSTP handshake with HTTP %d: not an SSTP server (or a reverse proxy that does not pass SSTP)",
			 http->code);
	else
		fmt_into(f->summary, sizeof f->summary, "TCP 443 does not complete the SSTP handshake: %s", o->text);
	rules_evidence(f, o->evidence);
	rules_evidence(f, "the Windows error for this is not public (facts §10) [inferred]");
	rules_fix(f, "Point the clients at the SSTP server itself, or make the web server / reverse proxy on 443 pass /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ through to it (SSTP_DUPLEX_POST, no buffering).", NULL);
	rules_fix(f, "On RRAS, check that SSTP is enabled and bound to 443:", "Get-RemoteAccess | Select-Object VpnS2SStatus,SslCertificate; netsh http show urlacl | findstr sra_");
}

/* Issue 13: how the name matched, where no source says what CryptoAPI's SSL policy (which the SSTP
 * client uses) does: a wildcard in the CN of a certificate without dNSName SANs, an IP address
 * matched through a dNSName, a CN match while dNSName SANs exist but none matches. A wildcard in a
 * dNSName SAN is supported [V: Hicks, "Always On VPN SSL Certificate Requirements for SSTP"]. */
static void rule_name_unconfirmed(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_CERT_NAME_MATCH);
	if (!o)
		return;
	const char *why = NULL;
	if (o->code & 16)
		why = "the client dials an IP address, which the certificate carries as a dNSName: whether Windows' SSL name check accepts an address that way is not documented";
	else if (o->code & 8)
		why = "the server name matches only a wildcard in the subject CN (no dNSName SAN matches): whether Windows' SSL name check accepts a CN wildcard is not documented";
	else if ((o->code & 4) && (o->code & 32))
		why = "the server name matches only the subject CN while the certificate has dNSName SANs that do not name it: whether Windows' SSL name check then still reads the CN is not documented";
	if (!why)
		return;
	struct finding *f = rules_found(d, row, P, o, "%s", why);
	if (!f)
		return;
	const struct obs *leaf = find(r, OBS_CERT_LEAF);
	if (leaf)
		rules_evidence(f, leaf->evidence);
	rules_evidence(f, "[MS-SSTP] 3.2.5.1: the client should check that the certificate's common name or subject matches the host name it dials "
		       "[documented]; wildcards in dNSName SANs work [vendor: Hicks]; this case is not covered by either [inferred]. "
		       "To decide: connect once from a Windows client (if it fails: 0x800B010F)");
	rules_fix(f, "Put the exact name the clients dial into a dNSName SAN of the server certificate, and dial that name:",
		  "subjectAltName = DNS:vpn.example.com      # OpenSSL extension section");
}

/* Issue 13: RSA keys under 1024 bits are refused by CertGetCertificateChain [D: KB 2661254]; the
 * HRESULT the SSTP client shows is not public [I]. 1024-2047 bits: Microsoft's 2024 deprecation for
 * TLS server authentication covers its Trusted Root Program's roots only [D: Windows IT Pro blog,
 * "TLS server authentication: Deprecation of weak RSA certificates"]; otherwise not refused by any
 * documented default [I]: undecided. */
static void rule_rsa(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = find(r, OBS_CERT_RSA_SHORT);
	bool blocked = o && o->value < 1024;
	if (!o || blocked != (row->severity == SEV_FAILURE))
		return;
	struct finding *f = rules_found(d, row, P, o, blocked
		? "the server certificate's RSA key has %lld bits: Windows refuses RSA keys under 1024 bits in every certificate chain"
		: "the server certificate's RSA key has only %lld bits: whether Windows' TLS client still accepts RSA keys under 2048 bits for SSTP is not documented",
		(long long)o->value);
	rules_evidence(f, blocked ? "Microsoft KB 2661254: CertGetCertificateChain blocks RSA keys under 1024 bits (built into Windows 8 and later) "
				    "[documented]; the error the SSTP client shows for it is not public [inferred]"
				  : "Windows blocks RSA keys under 1024 bits (KB 2661254) [documented]; Microsoft's deprecation of RSA keys under 2048 bits "
				    "for TLS server authentication (Windows IT Pro blog, May 2024) covers certificates chaining to roots of its Trusted Root "
				    "Program, not enterprise or test CAs [documented]; no documented default refuses 1024-2047 bits otherwise "
				    "[inferred]. To decide: connect once from a Windows client");
	rules_fix(f, "Reissue the server certificate with an RSA 2048-bit (or larger) or ECDSA P-256/P-384 key:",
		  "openssl req -new -newkey rsa:3072 -nodes -keyout server.key -out server.csr");
}

/* A certificate finding: the certificate's own evidence, then the leaf's. */
#define CERT_ONE(...) .one = &(const struct rule_one){.ev = {{OBS_CERT_LEAF, NULL}}, __VA_ARGS__}
/* The same with its own .ev list (which names OBS_CERT_LEAF itself). */
#define CERT_ONE_EV(...) .one = &(const struct rule_one){__VA_ARGS__}
#define FW_443_WINDOWS \
	"New-NetFirewallRule -DisplayName \"SSTP (TCP 443)\" -Direction Inbound -Protocol TCP -LocalPort 443 -Action Allow"

static const struct rule sstp_rules[] = {
	/* transport */
	{{"tcp443-refused", P, 809, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TCP_REFUSED,
		.summary = "TCP {port} is refused (reset): nothing accepts SSTP connections there, or a firewall rejects them",
		.ev = {{RULE_NONE, "Windows reports 809 or the transport error 0x800704C9 (connection refused) here; which one is not public [inferred]"}},
		.fix = {{"Start the SSTP service on the server (RRAS: the Remote Access service with SSTP enabled) and check that it listens on TCP 443 on this address:",
			 "Get-Service RemoteAccess; netstat -ano | findstr :443"},
			{"Allow TCP 443 to the VPN server on every firewall in the path (forward it on a NAT router):", FW_443_WINDOWS}}}},
	{{"tcp443-filtered", P, 809, KB_VENDOR, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TCP_NO_ANSWER,
		.summary = "no answer on TCP {port}: filtered on the path, or the server is down",
		.fix = {{"Allow TCP 443 from the clients to the VPN server on every firewall in the path, and forward it on a NAT router in front of the server:",
			 FW_443_WINDOWS},
			{"On a Linux firewall:", "iptables -I FORWARD -p tcp --dport 443 -d <server> -j ACCEPT"}},
		/* an ICMP error instead of silence */
		.otherwise = &(const struct rule_one){.kind = OBS_TCP_UNREACHABLE, .inferred = true,
						       .summary = "TCP {port} is unreachable: {text}"}}},
	/* TLS */
	{{"tls-version-too-old", P, 0x80090331u, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TLS_LEGACY_ONLY,
		.summary = "the server offers only {text}: current Windows 11 builds have TLS 1.0/1.1 disabled",
		.ev = {{OBS_TLS_FAILED, NULL}, {RULE_SELF, NULL}},
		.fix = {{"Enable TLS 1.2 on the server (Windows Server: it is on by default since 2012 R2; check the SCHANNEL Protocols registry keys):",
			 "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server\""}}}},
	{{"tls-handshake-failed", P, 0x80090326u, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_TLS_FAILED, .unless = {OBS_TLS_LEGACY_ONLY, OBS_TLS_HANDSHAKE},
		.summary = "the TLS handshake on TCP {port} fails with TLS 1.2/1.3 and also with TLS 1.0/1.1",
		.fix = {{"Check the TLS configuration of what listens on 443 (certificate bound, TLS 1.2 enabled, ciphers Windows offers such as ECDHE-RSA-AES256-GCM-SHA384):",
			 "netsh http show sslcert ipport=0.0.0.0:443"}}}},
	/* certificate */
	{{"cert-untrusted-root", P, 0x800B0109u, KB_DOCUMENTED, SEV_FAILURE}, CERT_ONE(
		.kind = OBS_CERT_UNTRUSTED_ROOT,
		.summary = "the server certificate chains to a root CA the client does not trust",
		.fix = {{"Import the issuing root CA into the clients' Trusted Root Certification Authorities store (computer account), or use a certificate from a public CA:",
			 "Import-Certificate -FilePath .\\root-ca.cer -CertStoreLocation Cert:\\LocalMachine\\Root"}})},
	{{"cert-missing-intermediate", P, 0x800B010Au, KB_INFERRED, SEV_FAILURE}, .fn = rule_missing_intermediate},
	{{"cert-expired", P, 0x800B0101u, KB_VENDOR, SEV_FAILURE}, CERT_ONE(
		.kind = OBS_CERT_EXPIRED,
		.summary = "the server certificate has expired",
		.fix = {{"Renew the server certificate and bind the new one to SSTP (RRAS: Server Properties > Security > SSL Certificate Binding):",
			 "Get-RemoteAccess | Select-Object SslCertificate"}})},
	/* Issue 13: CryptoAPI has one status for both dates (CERT_TRUST_IS_NOT_TIME_VALID) and
	 * CERT_E_EXPIRED's text is "not within its validity period" [D]; that SSTP shows it for a
	 * notBefore in the future is inferred (for an expired one: Hicks [V]). */
	{{"cert-not-yet-valid", P, 0x800B0101u, KB_INFERRED, SEV_FAILURE}, CERT_ONE_EV(
		.kind = OBS_CERT_NOT_YET_VALID,
		.summary = "the server certificate is not valid yet (from {text}; or the server's or the client's clock is wrong)",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "CryptoAPI reports both dates with one status (CERT_TRUST_IS_NOT_TIME_VALID), and 0x800B0101 CERT_E_EXPIRED means "
				   "\"not within its validity period\" [documented]; that the SSTP client shows this code for it is inferred"}},
		.fix = {{"Check the server's certificate dates and the clocks of server and clients, or reissue the certificate with a notBefore in the past:",
			 "openssl x509 -noout -dates -in server.crt"}})},
	{{"cert-name-mismatch", P, 0x800B010Fu, KB_DOCUMENTED, SEV_FAILURE}, CERT_ONE(
		.kind = OBS_CERT_NAME_MISMATCH,
		.summary = "the server certificate does not name {text}, the server the client dials",
		.fix = {{"Dial exactly a name the certificate carries (a dNSName SAN), or issue a certificate whose SAN contains the name the clients use:",
			 "Set-VpnConnection -Name \"<connection>\" -ServerAddress <name in the certificate>"}})},
	/* An EKU without Server Authentication or Any Purpose: refused [V: Hicks; D: RasSstp event 21 names
	 * Server Authentication or Any Purpose]; 0x800B0110 CERT_E_WRONG_USAGE is the CryptoAPI code for it [I]. */
	{{"cert-no-server-auth-eku", P, 0x800B0110u, KB_INFERRED, SEV_FAILURE}, CERT_ONE_EV(
		.kind = OBS_CERT_NO_SERVER_AUTH_EKU,
		.summary = "the server certificate lacks the Server Authentication EKU, which the SSTP client requires",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "SSTP needs Server Authentication (or Any Purpose) [documented: RasSstp event 21; vendor: Hicks]; the code is CryptoAPI's "
				   "CERT_E_WRONG_USAGE for a certificate not valid for the requested usage [inferred]"}},
		.fix = {{"Issue the server certificate with the Server Authentication EKU (1.3.6.1.5.5.7.3.1), e.g. from the Web Server template.", NULL}})},
	/* Issue 13: no EKU extension. CryptoAPI reads a certificate without EKU as valid for every usage
	 * [D: CertGetEnhancedKeyUsage], but Hicks says the SSTP certificate must include Server
	 * Authentication [V] and RasSstp event 21 names Server Authentication or Any Purpose [D]: the
	 * sources disagree, so undecided, never "works". */
	{{"cert-no-eku", P, 0, KB_INFERRED, SEV_WARNING}, CERT_ONE_EV(
		.kind = OBS_CERT_NO_EKU,
		.summary = "the server certificate has no Extended Key Usage extension: whether the SSTP client accepts that is not documented",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "CryptoAPI treats a certificate without an EKU extension as valid for all usages [documented: CertGetEnhancedKeyUsage], "
				   "while SSTP's requirements name Server Authentication (or Any Purpose) [documented: RasSstp event 21; vendor: Hicks] "
				   "[inferred]. To decide: connect once from a Windows client (if it fails: 0x800B0110)"}},
		.fix = {{"Issue the server certificate with the Server Authentication EKU (1.3.6.1.5.5.7.3.1), e.g. from the Web Server template.",
			 "extendedKeyUsage = serverAuth      # OpenSSL extension section"}})},
	/* Issue 13: an unsupported critical extension must make the client reject the certificate
	 * [D: RFC 5280 4.2; Microsoft's IX509Extension documentation; CryptoAPI's
	 * CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT]; the HRESULT for it, 0x800B0105 CERT_E_CRITICAL, is
	 * documented, that the SSTP client shows it is inferred. */
	{{"cert-unknown-critical-ext", P, 0x800B0105u, KB_INFERRED, SEV_FAILURE}, CERT_ONE_EV(
		.kind = OBS_CERT_CRITICAL_EXT,
		.summary = "the server certificate has a critical extension ({text}) that verifiers do not support: Windows' chain check rejects it",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "RFC 5280 4.2 and Microsoft's documentation: a certificate with an unrecognised critical extension must be rejected; "
				   "CryptoAPI flags it CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT and names the error 0x800B0105 CERT_E_CRITICAL [documented]; "
				   "that the SSTP client reports exactly this code is inferred"}},
		.fix = {{"Reissue the server certificate without that extension, or with it marked non-critical:",
			 "openssl x509 -noout -text -in server.crt | grep -B1 -A1 critical"}})},
	{{"cert-rsa-key-blocked", P, 0, KB_INFERRED, SEV_FAILURE}, .fn = rule_rsa},
	/* a specific certificate finding says it better */
	{{"cert-chain-invalid", P, 0, KB_INFERRED, SEV_FAILURE}, CERT_ONE(
		.kind = OBS_CERT_CHAIN_INVALID,
		.unless = {OBS_CERT_UNTRUSTED_ROOT, OBS_CERT_MISSING_INTERMEDIATE, OBS_CERT_CHAIN_OK, OBS_CERT_EXPIRED, OBS_CERT_NOT_YET_VALID,
			   OBS_CERT_CRITICAL_EXT},
		.summary = "the server certificate chain does not verify",
		.fix = {{"Check the server's certificate chain (dates and signatures of every CA in it):", "certutil -verify -urlfetch server.cer"}})},
	{{"cert-ip-san", P, 0x800B010Fu, KB_INFERRED, SEV_WARNING}, CERT_ONE(
		.kind = OBS_CERT_IP_SAN,
		.summary = "the address the client dials is only in an iPAddress SAN; whether Windows' SSL policy accepts that for SSTP is not confirmed",
		.fix = {{"Dial the server by a DNS name that is in a dNSName SAN, or add the address as a dNSName SAN.", NULL}})},
	/* Issue 13: undecided certificate facts (warnings: never "works"). */
	{{"cert-rsa-key-short", P, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_rsa},
	{{"cert-ku-no-signature", P, 0, KB_INFERRED, SEV_WARNING}, CERT_ONE_EV(
		.kind = OBS_CERT_KU_NO_SIGNATURE,
		.summary = "the server certificate's Key Usage does not allow digitalSignature, which TLS with an (EC)DHE key exchange needs: whether Windows' TLS client checks it is not documented",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "RFC 5246 7.4.2 / RFC 8446 4.4.2.2: the server certificate must allow the signature the handshake uses; no source says "
				   "whether Schannel enforces Key Usage for a server certificate [inferred]. To decide: connect once from a Windows client"}},
		.fix = {{"Reissue the server certificate with Key Usage digitalSignature and keyEncipherment:",
			 "keyUsage = critical, digitalSignature, keyEncipherment      # OpenSSL extension section"}})},
	{{"cert-weak-signature", P, 0, KB_INFERRED, SEV_WARNING}, CERT_ONE_EV(
		.kind = OBS_CERT_WEAK_SIGNATURE,
		.summary = "the server certificate is signed with {text}: whether the SSTP client accepts such a signature is not documented",
		.ev = {{OBS_CERT_LEAF, NULL},
		       {RULE_NONE, "Microsoft's SHA-1 TLS block is documented for Edge and Internet Explorer and certificates under its root program; "
				   "no source says what the SSTP client does [inferred]. To decide: connect once from a Windows client"}},
		.fix = {{"Reissue the certificate with a SHA-256 (or stronger) signature.", "openssl x509 -noout -text -in server.crt | grep 'Signature Algorithm'"}},
		.otherwise = &(const struct rule_one){
			.kind = OBS_CERT_CA_WEAK_SIGNATURE,
			.summary = "a CA certificate of the server's chain (depth {value}) is signed with {text}: whether the SSTP client accepts that is not documented",
			.fix = {{"Re-sign the intermediate CA certificate with SHA-256 (or stronger) and reissue the server certificate under it.",
				 "openssl x509 -noout -text -in intermediate.crt | grep 'Signature Algorithm'"}}})},
	{{"cert-name-unconfirmed", P, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_name_unconfirmed},
	{{"cert-unsupported-key", P, 0, KB_INFERRED, SEV_WARNING}, CERT_ONE(
		.kind = OBS_CERT_KEY_REJECTED,
		.summary = "the server certificate's key type (P-521 or EdDSA) may not be usable by Windows' TLS stack",
		.fix = {{"Use an RSA 2048+ or ECDSA P-256/P-384 server certificate.", NULL}})},
	/* revocation */
	{{"cert-revoked", P, 0x80092010u, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_revoked},
	{{"crl-unreachable", P, 0x80092013u, KB_VENDOR, SEV_FAILURE}, .fn = rule_crl},
	{{"revocation-unchecked", P, 0, KB_INFERRED, SEV_WARNING}, .fn = rule_rev_unchecked},
	{{"cert-no-revocation-info", P, 0x80092012u, KB_INFERRED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_REVOCATION_NONE, .unless = {OBS_CERT_UNTRUSTED_ROOT},
		.summary = "the server certificate names no CRL distribution point and no OCSP responder; the SSTP client checks revocation, so it may refuse the server (0x80092012, not confirmed)",
		.fix = {{"Issue the server certificate from a CA that publishes a CRL at an HTTP CDP reachable by the clients (or use a public CA).", NULL},
			{"To decide: connect once from a Windows client, or run on a client:", "certutil -verify -urlfetch server.cer"}}}},
	/* SSTP handshake */
	{{"not-sstp-server", P, 0, KB_INFERRED, SEV_FAILURE}, .fn = rule_not_sstp},
	{{"sstp-nak", P, 0, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_SSTP_NAK,
		.summary = "the SSTP server refuses the Call Connect Request ({text})",
		.ev = {{RULE_NONE, "the Windows error for a Nak is not public (facts §10) [inferred]"}},
		.fix = {{"Read the server's SSTP log for why it refused the call (RRAS: the RemoteAccess / RasSstp events; ports exhausted: raise the number of SSTP ports).",
			 "Get-WinEvent -LogName System | Where-Object ProviderName -match 'RasSstp|RemoteAccess' | Select-Object -First 20"}},
		.otherwise = &(const struct rule_one){.kind = OBS_SSTP_ABORT}}},
	{{"sstp-ack-no-crypto-binding", P, 0, KB_INFERRED, SEV_FAILURE}, .one = &(const struct rule_one){
		.kind = OBS_SSTP_ACK_NO_BINDING,
		.summary = "the server's Call Connect Ack lacks a valid Crypto Binding Request ({text}): the Windows client cannot bind the tunnel and aborts",
		.ev = {{OBS_SSTP_ACK, NULL},
		       {RULE_NONE, "[MS-SSTP] 2.2.10: the Ack carries one Crypto Binding Request (length 40: hash protocol bitmask, 32-byte nonce); 3.1.5.1: an invalid message makes the peer abort. The error Windows shows is not public [inferred]"}},
		.fix = {{"The SSTP server (or a proxy rewriting the stream) is not a conforming implementation: update or replace it; RRAS always sends the attribute.", NULL}}}},
	{{"cert-chain-too-long", P, 0, KB_INFERRED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_CERT_CHAIN_TOO_LONG,
		.summary = "the server sends {value} certificates, more than this tool checks ({code}): the chain was only partly verified",
		.fix = {{"Configure the server to send only its certificate and the intermediate CA certificates (a chain is normally 2-4 certificates); then probe again.",
			 "openssl s_client -connect <server>:443 -showcerts </dev/null | grep -c 'BEGIN CERTIFICATE'"}}}},
	{{"sstp-slow-server", P, 0, KB_INFERRED, SEV_WARNING}, .one = &(const struct rule_one){
		.kind = OBS_SSTP_SLOW,
		.summary = "{text} did not complete in time ({value} bytes received): a slow, stalled or trickling server",
		.ev = {{RULE_NONE, "Windows waits up to 60 s for the HTTP response: a server this slow may still work, or time out"}},
		.fix = {{"Check the server's load and what sits in front of 443 (a proxy or IPS that holds the SSTP_DUPLEX_POST request).", NULL}}}},
};

/* Works only when every step Windows takes before PPP was checked and passed: TLS, the certificate
 * by Windows' rules (chain, name, dates, EKU), revocation reachable, HTTP 200, Call Connect Ack. */
static void sstp_settle(const struct obs_result *r, const struct diagnosis *d, struct proto_verdict *p)
{
	const struct obs *tls = find(r, OBS_TLS_HANDSHAKE), *ack = find(r, OBS_SSTP_ACK);
	const struct obs *http = find(r, OBS_SSTP_HTTP), *chain = find(r, OBS_CERT_CHAIN_OK);
	struct rev_facts rf;
	rev_facts(r, &rf);
	bool rev = rf.good > 0 && rf.revoked == 0;
	const char *missing = NULL;
	const struct obs *x;
	if (!tls)
		missing = (x = find(r, OBS_SEND_FAILED)) ? x->evidence : "the TLS handshake did not complete before the run ended";
	else if ((x = find(r, OBS_SSTP_CERT_UNCHECKED)) || find(r, OBS_CERT_UNPARSABLE))
		missing = x ? x->evidence : "the server certificate does not parse";
	else if ((x = find(r, OBS_CERT_CHAIN_TOO_LONG)))
		missing = "the server sent more certificates than this tool checks; a chain of normal length would decide it";
	else if (!chain)
		missing = "the certificate chain was not verified";
	else if (!rev)
		missing = find(r, OBS_REVOCATION_NONE) ? "the certificate names no CRL or OCSP location, so revocation (which the SSTP client checks) could not be confirmed"
			  : rf.first_undecided ? rf.first_undecided->evidence
			  : "no CRL or OCSP location gave a valid, current, issuer-signed answer before the run ended";
	else if (!http)
		missing = "the SSTP HTTP handshake did not complete";
	else if (!ack)
		missing = "no Call Connect Ack before the run ended";
	else if (ack->code != 1 || find(r, OBS_SSTP_ACK_NO_BINDING))
		missing = "the Call Connect Ack has no valid Crypto Binding Request";
	bool warned = false;
	for (size_t i = 0; i < d->nf; i++)
		warned = warned || (d->f[i].proto == P && d->f[i].severity == SEV_WARNING);
	if (missing) {
		p->checks_passed = !warned;
		fmt_into(p->summary, sizeof p->summary, "undecided: %s", missing);
	} else {
		p->checks_passed = true;
		p->verdict = warned ? VERDICT_UNKNOWN : VERDICT_WORKS;
		if (warned) /* issue 13: never say "valid by Windows' rules" past an undecided fact */
			fmt_into(p->summary, sizeof p->summary,
				 "undecided: %s, chain, revocation and Call Connect Ack checked, but a warning below is not decided by any source",
				 tls->text);
		else
			fmt_into(p->summary, sizeof p->summary,
				 "%s, certificate valid by Windows' rules, a valid revocation answer (not revoked), Call Connect Ack with its Crypto Binding Request; PPP authentication not checked",
				 tls->text);
	}
	for (size_t i = 0; i < d->nf; i++)
		if (d->f[i].proto == P && d->f[i].severity == SEV_WARNING)
			fmt_append(p->summary, sizeof p->summary, "; warning: %s", d->f[i].summary);
}

const struct rules_proto rules_proto_sstp = {
	P, sstp_rules, sizeof sstp_rules / sizeof sstp_rules[0], sstp_settle,
};
