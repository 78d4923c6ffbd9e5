/* Observations -> findings -> one verdict per Windows protocol. Pure and table-driven: each row of
 * a protocol's rule table names a cause id, the protocols it concerns, the Windows error it predicts
 * and either the data of a single-observation rule (rules_one.c applies it) or a function that
 * combines several observations. The row order is the priority: the first failing finding of a
 * protocol decides that protocol's verdict. Facts: shared/reference/windows-vpn-facts.md §2, §6, §7. */
#include "rules/rules_internal.h"

#include <string.h>

#include "util/fmt.h"


/* ---------------------------------------------------------------- helpers */

const struct obs *rules_find_obs(const struct obs_result *r, enum obs_kind k, unsigned proto, int natt)
{
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == k && (!proto || o->proto == proto) && (natt < 0 || o->natt == (natt != 0)))
			return o;
	}
	return NULL;
}

size_t rules_count_obs(const struct obs_result *r, enum obs_kind k, unsigned proto)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nobs; i++)
		n += r->obs[i].kind == k && r->obs[i].proto == proto;
	return n;
}

struct finding *rules_add(struct diagnosis *d, const struct rules_row *row, unsigned proto)
{
	if (d->nf >= RULES_MAX_FINDINGS)
		return NULL;
	struct finding *f = &d->f[d->nf++];
	memset(f, 0, sizeof *f);
	fmt_into(f->cause, sizeof f->cause, "%s", row->cause);
	f->proto = proto;
	f->severity = row->severity;
	f->verdict = row->severity == SEV_FAILURE ? VERDICT_FAILS : VERDICT_UNKNOWN;
	f->windows_error = row->windows_error;
	f->basis = row->basis;
	return f;
}

void rules_evidence(struct finding *f, const char *text)
{
	if (f && f->nevidence < RULES_MAX_EVIDENCE && text && *text)
		fmt_into(f->evidence[f->nevidence++], sizeof f->evidence[0], "%s", text);
}

void rules_fix(struct finding *f, const char *text, const char *command)
{
	if (!f || f->nfixes >= RULES_MAX_FIXES)
		return;
	struct rules_fix *x = &f->fixes[f->nfixes++];
	fmt_into(x->text, sizeof x->text, "%s", text);
	fmt_into(x->command, sizeof x->command, "%s", command ? command : "");
}

/* 868: the name does not resolve [D]. Every selected protocol fails: there is no address. */
static void rule_dns(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	const struct obs *o = rules_find_obs(r, OBS_DNS_FAILED, 0, -1);
	if (!o)
		return;
	for (int i = 0; i < PROTO_COUNT; i++) {
		unsigned bit = proto_table[i].bit;
		if (!(r->selected & bit))
			continue;
		struct finding *f = rules_add(d, row, bit);
		if (!f)
			return;
		fmt_into(f->summary, sizeof f->summary, "the server name %s does not resolve", r->host);
		rules_evidence(f, o->evidence);
		rules_fix(f, "Check the server name in the VPN profile for typos, and that it is published in public DNS "
		       "(or in the DNS the client uses); test from the client:",
		    "Resolve-DnsName <server name>");
		rules_fix(f, "Or dial the server's address instead of its name (for IKEv2 the name must then be in the "
		       "server certificate as a dNSName).",
		    NULL);
	}
}

/* Issue 15: Windows' own chain engine beside vpndiag's rules (cert-platform-verdict, recorded only
 * by the Windows build), so that the two can be compared on real PCs; the summary says when they
 * disagree. An info finding: the verdict stays the rules' [O] (a warning would make it unknown). vpndiag's own view here is
 * "good" when the chain verified and none of the name, date, revocation or key checks failed. */
static void rule_platform_verdict(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row)
{
	static const unsigned protos[] = {KB_P_IKEV2, KB_P_SSTP};
	static const enum obs_kind bad[] = {OBS_CERT_NAME_MISMATCH, OBS_CERT_EXPIRED, OBS_CERT_NOT_YET_VALID, OBS_CERT_REVOKED,
					    OBS_CERT_KEY_REJECTED, OBS_CERT_UNTRUSTED_ROOT, OBS_CERT_MISSING_INTERMEDIATE,
					    OBS_CERT_CHAIN_INVALID};
	for (size_t k = 0; k < sizeof protos / sizeof protos[0]; k++) {
		const struct obs *w = rules_find_obs(r, OBS_CERT_PLATFORM_VERDICT, protos[k], -1);
		if (!w)
			continue;
		bool own_ok = rules_find_obs(r, OBS_CERT_CHAIN_OK, protos[k], -1) != NULL;
		for (size_t i = 0; i < sizeof bad / sizeof bad[0] && own_ok; i++)
			own_ok = rules_find_obs(r, bad[i], protos[k], -1) == NULL;
		bool win_ok = w->code == 0;
		struct finding *f = rules_add(d, row, protos[k]);
		if (!f)
			return;
		fmt_into(f->summary, sizeof f->summary, "Windows' own chain engine on this PC says: %s (0x%08X); vpndiag's certificate checks say: %s%s",
			 w->text, (unsigned)w->code, own_ok ? "good" : "not good",
			 own_ok == win_ok ? "" : ". They disagree: the two trust stores or rules differ (the verdict above is vpndiag's)");
		rules_evidence(f, w->evidence);
	}
}

static const struct rule global_rules[] = {
	{{"dns-failure", KB_P_ALL, 868, KB_DOCUMENTED, SEV_FAILURE}, .fn = rule_dns},
	{{"cert-platform-verdict", KB_P_IKEV2 | KB_P_SSTP, 0, KB_OBSERVED, SEV_INFO}, .fn = rule_platform_verdict},
};
static const struct rules_proto rules_proto_global = {0, global_rules, 2, NULL};

/* Every rule set, in priority order: the target's, then one per protocol in proto/proto.def's
 * order (rules_proto_<key> from rules/rules_<key>.c). */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) &rules_proto_##key,
static const struct rules_proto *const rule_sets[PROTO_COUNT + 1] = {
	&rules_proto_global,
#include "proto/proto.def"
};
#undef PROTO_X
#define NSETS (sizeof rule_sets / sizeof rule_sets[0])

size_t rules_table(const struct rules_row **rows)
{
	static struct rules_row table[128];
	size_t n = 0;
	for (size_t s = 0; s < NSETS; s++)
		for (size_t i = 0; i < rule_sets[s]->nrules && n < sizeof table / sizeof table[0]; i++)
			table[n++] = rule_sets[s]->rules[i].row;
	for (size_t i = 0; i < RULES_NAME_NROWS && n < sizeof table / sizeof table[0]; i++)
		table[n++] = rules_name_rows[i];
	*rows = table;
	return n;
}

const char *rules_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_WORKS: return "works";
	case VERDICT_FAILS: return "fails";
	case VERDICT_UNKNOWN: return "unknown";
	default: return "not probed";
	}
}

const char *rules_severity_name(enum severity s)
{
	switch (s) {
	case SEV_FAILURE: return "failure";
	case SEV_WARNING: return "warning";
	default: return "info";
	}
}

/* ---------------------------------------------------------------- verdicts */

void rules_evaluate(const struct obs_result *r, struct diagnosis *d)
{
	memset(d, 0, sizeof *d);
	d->recommended = -1;
	for (size_t s = 0; s < NSETS; s++)
		for (size_t i = 0; i < rule_sets[s]->nrules; i++) {
			const struct rule *u = &rule_sets[s]->rules[i];
			if (u->fn)
				u->fn(r, d, &u->row);
			else
				rules_apply_one(r, d, &u->row, u->one);
		}

	const struct obs *c = rules_find_obs(r, OBS_NAT_CLIENT, 0, -1), *s = rules_find_obs(r, OBS_NAT_SERVER, 0, -1);
	d->nat_client = c ? (c->value != 0) : -1;
	d->nat_server = s ? (s->value != 0) : -1;

	for (int i = 0; i < PROTO_COUNT; i++) {
		unsigned bit = proto_table[i].bit;
		struct proto_verdict *p = &d->p[i];
		p->finding = -1;
		for (size_t k = 0; k < d->nf && p->finding < 0; k++) {
			if (d->f[k].proto == bit && d->f[k].verdict == VERDICT_FAILS)
				p->finding = (int)k;
		}
		if (p->finding >= 0) {
			const struct finding *f = &d->f[p->finding];
			p->verdict = VERDICT_FAILS;
			p->windows_error = f->windows_error;
			fmt_into(p->cause, sizeof p->cause, "%s", f->cause);
			fmt_into(p->summary, sizeof p->summary, "%s", f->summary);
			continue;
		}
		if (!(r->selected & bit)) {
			p->verdict = VERDICT_NOT_PROBED;
			fmt_into(p->summary, sizeof p->summary, "not selected (--protocols)");
			continue;
		}
		if (!(r->probed & bit)) {
			p->verdict = VERDICT_NOT_PROBED;
			fmt_into(p->summary, sizeof p->summary, "no probe for %s yet", proto_table[i].title);
			continue;
		}
		/* Probed, nothing failed: never "works" from partial evidence. */
		p->verdict = VERDICT_UNKNOWN;
		const struct rules_proto *set = rule_sets[1 + i];
		if (set && set->settle)
			set->settle(r, d, p);
		else
			fmt_into(p->summary, sizeof p->summary, "undecided");
		if (p->verdict == VERDICT_WORKS && !p->checks_passed)
			p->verdict = VERDICT_UNKNOWN; /* works needs every check passed */
	}
	/* The recommendation: of the protocols known to work, the first in proto/proto.def's preference
	 * (IKEv2, SSTP, L2TP/IPsec); never PPTP: it works, but MS-CHAPv2 over PPTP is broken (the
	 * pptp-insecure finding says so). */
	for (int i = 0; i < PROTO_COUNT; i++)
		if (d->p[i].verdict == VERDICT_WORKS && proto_table[i].preference != PROTO_NEVER &&
		    (d->recommended < 0 || proto_table[i].preference < proto_table[d->recommended].preference))
			d->recommended = i;
	rules_result(r, d);
}
