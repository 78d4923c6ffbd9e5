/* The result step after the rules: what renderers would otherwise compute from raw observations
 * (a protocol's round-trip time, the exit code, the monitoring state). Pure. */
#include "rules/rules_internal.h"

#include "util/exit.h"

/* The round trip to a protocol's own service port (its first default port: UDP 500 for IKEv2 and
 * L2TP/IPsec, not the side checks on 1701), or for the TCP protocols the connect time; -1 = none. */
static int64_t rtt_of(const struct obs_result *r, int idx)
{
	unsigned bit = proto_table[idx].bit;
	uint16_t port = proto_table[idx].ports[0];
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == OBS_RTT && o->proto == bit && !o->natt && (!port || o->port == port))
			return o->value;
	}
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *o = &r->obs[i];
		if (o->kind == OBS_TCP_CONNECTED && o->proto == bit && (!port || o->port == port))
			return o->value;
	}
	return -1;
}

/* `vpndiag probe`: 0 when every probed protocol works, 1 when one fails, 3 otherwise; a name that
 * does not resolve is bad input (2), reported in full as Windows error 868. */
static int exit_code(const struct diagnosis *d)
{
	bool any = false, all_work = true;
	if (d->dns_failed)
		return VD_EXIT_USAGE;
	for (int i = 0; i < PROTO_COUNT; i++) {
		if (d->p[i].verdict == VERDICT_FAILS)
			return VD_EXIT_NOT_FOUND;
		if (d->p[i].verdict == VERDICT_NOT_PROBED)
			continue;
		any = true;
		all_work = all_work && d->p[i].verdict == VERDICT_WORKS;
	}
	return any && all_work ? VD_EXIT_OK : VD_EXIT_UNKNOWN;
}

/* Monitoring: CRITICAL when a protocol fails, UNKNOWN when nothing was probed or one is undecided
 * (beyond "every check made passed"), WARNING on a warning finding, else OK. */
static int monitoring_state(const struct diagnosis *d)
{
	bool any = false, warn = false, undecided = false;
	for (int i = 0; i < PROTO_COUNT; i++) {
		const struct proto_verdict *p = &d->p[i];
		if (p->verdict == VERDICT_FAILS)
			return VD_MON_CRITICAL;
		if (p->verdict == VERDICT_NOT_PROBED)
			continue;
		any = true;
		if (p->verdict == VERDICT_UNKNOWN && !p->checks_passed)
			undecided = true;
	}
	for (size_t i = 0; i < d->nf; i++)
		warn = warn || d->f[i].severity == SEV_WARNING;
	if (!any || undecided)
		return VD_MON_UNKNOWN;
	return warn ? VD_MON_WARNING : VD_MON_OK;
}

void rules_result_codes(struct diagnosis *d)
{
	d->exit_code = exit_code(d);
	d->monitoring_state = monitoring_state(d);
}

void rules_result(const struct obs_result *r, struct diagnosis *d)
{
	d->dns_failed = r->resolve_failed || rules_find_obs(r, OBS_DNS_FAILED, 0, -1) != NULL;
	for (int i = 0; i < PROTO_COUNT; i++)
		d->p[i].rtt_ms = r->probed & proto_table[i].bit ? rtt_of(r, i) : -1;
	rules_result_codes(d);
}
