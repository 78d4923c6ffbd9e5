/* The name layer (issue 13): a host name with several addresses. Each address has its own
 * diagnosis (rules_evaluate, unchanged); this file orders the addresses as Windows would try them,
 * decides the name-level verdict per protocol, and adds the "works on one family, fails on the
 * other" findings. Pure: no I/O, no clock, no globals (rules_name_evaluate only allocates).
 *
 * Windows' behaviour, with its basis (also in docs/json.md and the closing note of issue 13):
 * - Which address first [D]: Windows (Vista and later) sorts a name's addresses by RFC 6724 / RFC
 *   3484 destination address selection with a prefix policy table and, by default, prefers IPv6
 *   global unicast addresses to IPv4 (Microsoft, "Configure IPv6 in Windows for advanced users";
 *   `netsh interface ipv6 show prefixpolicies` shows RFC 6724's default table). Here: a PC with IPv4
 *   and global IPv6, the default table, rules 6 (precedence) and 10 (else the DNS order).
 * - Within one precedence the DNS order decides, and round-robin DNS rotates it per answer
 *   (Microsoft, "Increasing Availability and Performance of an RRAS Design": the client selects one
 *   address of the list; the DNS server changes the order in each response) [D].
 * - Fallback to the next address when the first fails: no source says the RAS client does it
 *   (Richard Hicks [V]: Always On VPN does not fail over even between several configured servers) —
 *   so it is not assumed [I].
 * - A PC without IPv6 uses the IPv4 addresses only (RFC 6724 rule 1, unusable destinations) [D]. */
#include "rules/rules_internal.h"

#include "util/inet.h"
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"

/* The name layer's own rows (rules_table lists them after the protocols'). */
const struct rules_row rules_name_rows[RULES_NAME_NROWS] = {
	{"ipv6-path-fails", KB_P_ALL, 0, KB_INFERRED, SEV_WARNING},
	{"ipv4-path-fails", KB_P_ALL, 0, KB_INFERRED, SEV_WARNING},
};

/* ---------------------------------------------------------------- Windows' order */

/* RFC 6724 §2.1, the default policy table: prefix, length, precedence. IPv4 is ::ffff:0:0/96. */
static const struct {
	uint8_t prefix[16];
	unsigned len;
	int precedence;
} policy[] = {
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, 50},           /* ::1/128 */
	{{0}, 0, 40},                                                           /* ::/0 */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, 96, 35},      /* ::ffff:0:0/96 (IPv4) */
	{{0x20, 0x02}, 16, 30},                                                 /* 2002::/16 (6to4) */
	{{0x20, 0x01, 0, 0}, 32, 5},                                            /* 2001::/32 (Teredo) */
	{{0xfc}, 7, 3},                                                         /* fc00::/7 (ULA) */
	{{0}, 96, 1},                                                           /* ::/96 (IPv4-compatible) */
	{{0xfe, 0xc0}, 10, 1},                                                  /* fec0::/10 (site-local) */
	{{0x3f, 0xfe}, 16, 1},                                                  /* 3ffe::/16 (6bone) */
};

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;
		if (((a[byte] >> bit) & 1u) != ((p[byte] >> bit) & 1u))
			return false;
	}
	return true;
}

/* The precedence of an address (text) by longest matching prefix; sets *family to 4 or 6. An
 * address that does not parse gets the lowest precedence (it sorts last). */
static int precedence_of(const char *text, int *family)
{
	uint8_t a[16] = {0};
	*family = strchr(text, ':') ? 6 : 4;
	if (*family == 4) {
		a[10] = a[11] = 0xff;
		if (inet_pton(AF_INET, text, a + 12) != 1)
			return 0;
	} else if (inet_pton(AF_INET6, text, a) != 1) {
		return 0;
	}
	int best = 0;
	unsigned best_len = 0;
	bool any = false;
	for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++) {
		if (prefix_match(a, policy[i].prefix, policy[i].len) && (!any || policy[i].len > best_len)) {
			best = policy[i].precedence;
			best_len = policy[i].len;
			any = true;
		}
	}
	return best;
}

void rules_name_order(const char (*addrs)[OBS_ADDRSTRLEN], size_t n, size_t *order, int *family, int *precedence)
{
	for (size_t i = 0; i < n; i++) {
		precedence[i] = precedence_of(addrs[i], &family[i]);
		order[i] = i;
	}
	/* Insertion sort: stable, n <= OBS_MAX_TARGETS. */
	for (size_t i = 1; i < n; i++) {
		size_t k = order[i], j = i;
		for (; j > 0 && precedence[order[j - 1]] < precedence[k]; j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
}

/* ---------------------------------------------------------------- the name-level diagnosis */

static const char *family_name(int f)
{
	return f == 6 ? "IPv6" : "IPv4";
}

/* Copies finding f (found on address addr) into the name's findings; returns its index or -1. */
static int copy_finding(struct diagnosis *out, const struct finding *f, const char *addr)
{
	if (out->nf >= RULES_MAX_FINDINGS)
		return -1;
	struct finding *c = &out->f[out->nf];
	*c = *f;
	fmt_into(c->address, sizeof c->address, "%s", addr);
	return (int)out->nf++;
}

static bool same_finding(const struct finding *a, const struct finding *b)
{
	return a->proto == b->proto && strcmp(a->cause, b->cause) == 0 && strcmp(a->summary, b->summary) == 0;
}

/* Why a client reaches address i, for summaries. */
static const char *why_reached(const struct name_diagnosis *nd, size_t i)
{
	if (i == nd->order[0])
		return "the address Windows tries first";
	if (nd->precedence[i] == nd->precedence[nd->order[0]])
		return "tried first whenever round-robin DNS lists it first";
	return "the address a PC without IPv6 uses";
}

/* The firewall fix for the family that fails, per protocol. */
static void family_fix(struct finding *f, int idx, int bad_family, const char *bad_addr, const char *good_addr)
{
	const char *fam = family_name(bad_family);
	if (proto_table[idx].bit == KB_P_PPTP && bad_family == 6) {
		rules_fix(f, "Windows does not run PPTP over IPv6 (error 825, documented); PPTP clients must reach the "
		       "server over IPv4. Use IKEv2 or SSTP instead (PPTP is broken: MS-CHAPv2).",
		    NULL);
		return;
	}
	char ports[64] = "", text[440], cmd[600];
	for (int k = 0; k < PROTO_MAX_PORTS && proto_table[idx].ports[k]; k++)
		fmt_append(ports, sizeof ports, "%s%u", k ? "," : "", (unsigned)proto_table[idx].ports[k]);
	const char *l4 = proto_table[idx].bit == KB_P_SSTP || proto_table[idx].bit == KB_P_PPTP ? "TCP" : "UDP";
	fmt_into(text, sizeof text,
		 "Open %s %s (%s) for %s to %s on every firewall in the path and on the server, as it is open for %s "
		 "to %s%s.",
		 l4, ports, proto_table[idx].title, fam, bad_addr, family_name(bad_family == 6 ? 4 : 6), good_addr,
		 proto_table[idx].bit == KB_P_PPTP ? " (and GRE, IP protocol 47)" : "");
	if (bad_family == 6)
		fmt_into(cmd, sizeof cmd, "ip6tables -I INPUT -p %s -m multiport --dports %s -j ACCEPT\n"
					  "New-NetFirewallRule -DisplayName \"%s (IPv6)\" -Direction Inbound -Protocol %s "
					  "-LocalPort %s -RemoteAddress ::/0 -Action Allow",
			 l4[0] == 'T' ? "tcp" : "udp", ports, proto_table[idx].title, l4, ports);
	else
		fmt_into(cmd, sizeof cmd, "iptables -I INPUT -p %s -m multiport --dports %s -j ACCEPT\n"
					  "New-NetFirewallRule -DisplayName \"%s (IPv4)\" -Direction Inbound -Protocol %s "
					  "-LocalPort %s -RemoteAddress 0.0.0.0/0 -Action Allow",
			 l4[0] == 'T' ? "tcp" : "udp", ports, proto_table[idx].title, l4, ports);
	rules_fix(f, text, cmd);
	if (bad_family == 6)
		rules_fix(f, "Until the IPv6 path works, remove the server name's AAAA record (clients then use IPv4 only).",
		    "Remove-DnsServerResourceRecord -ZoneName <zone> -RRType AAAA -Name <server name>");
	else
		rules_fix(f, "Until the IPv4 path works, clients without IPv6 cannot connect: fix the IPv4 firewall or NAT "
		       "port forwarding first.",
		    NULL);
}

/* "works on IPv4, fails on IPv6" (or the reverse) for protocol idx: its own finding. */
static void family_split(const struct obs_result *names, struct name_diagnosis *nd, int idx)
{
	for (int bad = 6; bad >= 4; bad -= 2) {
		int good = bad == 6 ? 4 : 6;
		size_t ib = SIZE_MAX, ig = SIZE_MAX;
		for (size_t k = 0; k < nd->n; k++) {
			size_t i = nd->order[k];
			enum verdict v = nd->d[i]->p[idx].verdict;
			if (nd->family[i] == bad && v == VERDICT_FAILS && ib == SIZE_MAX)
				ib = i;
			if (nd->family[i] == good && v == VERDICT_WORKS && ig == SIZE_MAX)
				ig = i;
		}
		if (ib == SIZE_MAX || ig == SIZE_MAX)
			continue;
		const struct proto_verdict *pb = &nd->d[ib]->p[idx];
		struct finding *f = rules_add(&nd->name, &rules_name_rows[bad == 6 ? 0 : 1], proto_table[idx].bit);
		if (!f)
			return;
		f->windows_error = pb->windows_error;
		const char *who = nd->reached[ib] ? (ib == nd->order[0] ? "Windows tries this address first, so clients fail"
									   : "clients that reach it fail")
						  : "only clients that prefer it (IPv6-only, or a changed prefix policy) reach it";
		fmt_into(f->summary, sizeof f->summary, "%s works on %s (%s) but fails on %s (%s: %s): %s",
			 proto_table[idx].title, family_name(good), names->addrs[ig], family_name(bad), names->addrs[ib],
			 pb->cause[0] ? pb->cause : rules_verdict_name(pb->verdict), who);
		char ev[320];
		fmt_into(ev, sizeof ev, "on %s: %s", names->addrs[ib], pb->summary);
		rules_evidence(f, ev);
		fmt_into(ev, sizeof ev, "on %s: %s", names->addrs[ig], nd->d[ig]->p[idx].summary);
		rules_evidence(f, ev);
		rules_evidence(f, "Windows tries a name's addresses in RFC 6724 order (IPv6 global unicast first on a PC "
				  "with IPv6: documented); that it falls back to the next address when the first fails is "
				  "not documented, so it is not assumed (inferred).");
		family_fix(f, idx, bad, names->addrs[ib], names->addrs[ig]);
	}
}

/* The name-level verdict of protocol idx. */
static void decide(const struct obs_result *names, struct name_diagnosis *nd, int idx)
{
	struct proto_verdict *p = &nd->name.p[idx];
	size_t first = nd->order[0];
	bool all_works = true, any_probed = false;
	size_t fail = SIZE_MAX, undecided = SIZE_MAX;
	for (size_t k = 0; k < nd->n; k++) {
		size_t i = nd->order[k];
		enum verdict v = nd->d[i]->p[idx].verdict;
		if (v == VERDICT_NOT_PROBED)
			continue;
		any_probed = true;
		all_works = all_works && v == VERDICT_WORKS;
		if (!nd->reached[i])
			continue;
		if (v == VERDICT_FAILS && fail == SIZE_MAX)
			fail = i;
		if (v == VERDICT_UNKNOWN && undecided == SIZE_MAX)
			undecided = i;
	}
	/* The deciding address: the first reachable one (in Windows' order, Windows' first address
	 * first) that fails; else the first reachable undecided one; else (every reachable address
	 * works) Windows' first. A failure some clients certainly meet outweighs an undecided address. */
	size_t k = fail != SIZE_MAX ? fail : undecided != SIZE_MAX ? undecided : first;
	*p = nd->d[k]->p[idx];
	p->finding = -1;
	if (!any_probed)
		return;
	const struct proto_verdict *src = &nd->d[k]->p[idx];
	char sum[sizeof p->summary];
	if (all_works) {
		fmt_into(sum, sizeof sum, "on every address (%zu): %s", nd->n, src->summary);
	} else if (p->verdict == VERDICT_WORKS) {
		fmt_into(sum, sizeof sum, "on %s (%s, the address Windows tries first), and on every address a common "
					  "client reaches: %s; not on every address (see the findings)",
			 names->addrs[k], family_name(nd->family[k]), src->summary);
	} else if (k == first) {
		fmt_into(sum, sizeof sum, "on %s (%s, the address Windows tries first; no fallback to another address "
					  "is assumed): %s",
			 names->addrs[k], family_name(nd->family[k]), src->summary);
	} else {
		enum verdict fv = nd->d[first]->p[idx].verdict;
		fmt_into(sum, sizeof sum, "%s on %s (%s, %s; on %s, the address Windows tries first: %s): %s",
			 p->verdict == VERDICT_FAILS ? "fails" : "undecided", names->addrs[k], family_name(nd->family[k]),
			 why_reached(nd, k), names->addrs[first],
			 fv == VERDICT_WORKS ? "works" : fv == VERDICT_UNKNOWN ? "undecided" : rules_verdict_name(fv),
			 src->summary);
	}
	memcpy(p->summary, sum, sizeof p->summary);
	if (src->finding >= 0 && (size_t)src->finding < nd->d[k]->nf)
		p->finding = copy_finding(&nd->name, &nd->d[k]->f[src->finding], names->addrs[k]);
}

void rules_name_combine(const struct obs_result *names, struct name_diagnosis *nd)
{
	struct diagnosis *out = &nd->name;
	if (nd->n > OBS_MAX_TARGETS)
		nd->n = OBS_MAX_TARGETS;
	if (nd->n == 0) {
		memset(out, 0, sizeof *out);
		return;
	}
	rules_name_order(names->addrs, nd->n, nd->order, nd->family, nd->precedence);
	if (nd->n == 1) {
		*out = *nd->d[0]; /* one address: its diagnosis, unchanged */
		nd->reached[0] = true;
		return;
	}
	size_t first = nd->order[0];
	for (size_t i = 0; i < nd->n; i++)
		nd->reached[i] = i == first || nd->precedence[i] == nd->precedence[first] || nd->family[i] == 4;
	memset(out, 0, sizeof *out);
	out->recommended = -1;
	out->nat_client = nd->d[first]->nat_client;
	out->nat_server = nd->d[first]->nat_server;
	out->dns_failed = false;
	/* The deciding findings first (one per protocol), then the family findings, then every other
	 * finding of every address in Windows' order (a finding repeated on several addresses once). */
	for (int i = 0; i < PROTO_COUNT; i++)
		decide(names, nd, i);
	for (int i = 0; i < PROTO_COUNT; i++)
		family_split(names, nd, i);
	for (size_t k = 0; k < nd->n; k++) {
		size_t a = nd->order[k];
		for (size_t j = 0; j < nd->d[a]->nf; j++) {
			bool dup = false;
			for (size_t m = 0; m < out->nf && !dup; m++)
				dup = same_finding(&out->f[m], &nd->d[a]->f[j]);
			if (!dup)
				(void)copy_finding(out, &nd->d[a]->f[j], names->addrs[a]);
		}
	}
	for (int i = 0; i < PROTO_COUNT; i++)
		if (out->p[i].verdict == VERDICT_WORKS && proto_table[i].preference != PROTO_NEVER &&
		    (out->recommended < 0 || proto_table[i].preference < proto_table[out->recommended].preference))
			out->recommended = i;
	rules_result_codes(out);
}

int rules_name_evaluate(const struct obs_name *n, struct name_diagnosis *nd)
{
	memset(nd, 0, sizeof *nd);
	nd->n = n->ntargets < OBS_MAX_TARGETS ? n->ntargets : OBS_MAX_TARGETS;
	for (size_t i = 0; i < nd->n; i++) {
		nd->d[i] = calloc(1, sizeof *nd->d[i]);
		if (!nd->d[i] || !n->target[i])
			return -1;
		rules_evaluate(n->target[i], nd->d[i]);
	}
	/* The addresses as text: the name's (target i probed addrs[i]); a name that did not resolve
	 * has its one result, and no address. */
	rules_name_combine(n->ntargets == 1 ? n->target[0] : &n->name, nd);
	return 0;
}

void rules_name_free(struct name_diagnosis *nd)
{
	for (size_t i = 0; i < OBS_MAX_TARGETS; i++) {
		free(nd->d[i]);
		nd->d[i] = NULL;
	}
	nd->n = 0;
}
