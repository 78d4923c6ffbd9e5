/* `vpndiag scan` output (scan/scan_out.h, docs/scan-json.md). */
#include "scan/scan_out.h"

#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "kb/kb.h"
#include "scan/scan.h"

static const struct obs *find(const struct obs_result *r, enum obs_kind k)
{
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == k && !r->obs[i].natt)
			return &r->obs[i];
	return NULL;
}

static json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *bool_obs(const struct obs_result *r, enum obs_kind k)
{
	const struct obs *o = find(r, k);
	return o ? json_object_new_boolean(o->value != 0) : NULL;
}

/* The line is printed, or handed to o->emit (--deep). */
static void put_line(const struct scan_opts *o, const struct net_addr *a, unsigned proto, const char *line)
{
	if (o->emit) {
		o->emit(o->emit_ctx, a, proto, line);
		return;
	}
	fprintf(o->out, "%s\n", line);
	fflush(o->out);
}

/* l2tp: what our Aggressive Mode 1 got (null: not asked, --aggressive not given). */
static json_object *aggressive(const struct obs_result *r)
{
	const struct obs *h = find(r, OBS_L2TP_AM_HASH), *rf = find(r, OBS_L2TP_AM_REFUSED), *na = find(r, OBS_L2TP_AM_NO_ANSWER);
	return h ? json_object_new_string("hash") : rf ? json_object_new_string("refused") : na ? json_object_new_string("no-answer") : NULL;
}

void scan_out_responder(const struct scan_opts *o, const struct net_addr *a, unsigned proto, const struct obs_result *r,
			const struct diagnosis *d)
{
	bool l2tp = proto == KB_P_L2TP;
	int pi = proto_index_of_bit(proto);
	const struct proto_verdict *p = &d->p[pi < 0 ? 0 : pi];
	const struct obs *acc = NULL, *ref = NULL;
	/* Windows' own proposals: the default set (l2tp: an alternative set only in the findings) */
	for (size_t i = 0; i < r->nobs; i++) {
		const struct obs *x = &r->obs[i];
		if (x->natt || (l2tp && x->set[0] && strcmp(x->set, "default") != 0))
			continue;
		if (!acc && x->kind == (l2tp ? OBS_L2TP_MM_ACCEPTED : OBS_IKE_ACCEPTED))
			acc = x;
		if (!ref && x->kind == (l2tp ? OBS_L2TP_MM_REFUSED : OBS_IKE_REFUSED))
			ref = x;
	}
	bool tcp = proto == KB_P_SSTP || proto == KB_P_PPTP;
	const char *pname = l2tp ? "l2tp" : proto == KB_P_SSTP ? "sstp" : proto == KB_P_PPTP ? "pptp" : "ikev2";
	const char *stage = l2tp ? "main_mode" : tcp ? "tcp_connect" : "ike_sa_init";
	char addr[NET_ADDRSTRLEN], line[2048];
	net_addr_str(a, addr, sizeof addr);
	if (!o->json) {
		char err[16] = "-";
		if (p->windows_error)
			snprintf(err, sizeof err, "%" PRIu32, p->windows_error);
		snprintf(line, sizeof line, "%-39s %-5u %-5s %-11s %-8s %-6s %-28s %s", addr, net_addr_port(a), pname, stage,
			 rules_verdict_name(p->verdict), err, p->cause[0] ? p->cause : "-", p->summary);
		put_line(o, a, proto, line);
		return;
	}
	json_object *j = json_object_new_object();
	json_object_object_add(j, "type", json_object_new_string("responder"));
	json_object_object_add(j, "schema", json_object_new_string(SCAN_JSON_SCHEMA));
	json_object_object_add(j, "address", json_object_new_string(addr));
	json_object_object_add(j, "port", json_object_new_int(net_addr_port(a)));
	json_object_object_add(j, "protocol", json_object_new_string(pname));
	json_object_object_add(j, "stage", json_object_new_string(stage));
	json_object_object_add(j, "verdict", json_object_new_string(rules_verdict_name(p->verdict)));
	json_object_object_add(j, "error", p->windows_error ? json_object_new_int64(p->windows_error) : NULL);
	json_object_object_add(j, "cause", str_or_null(p->cause));
	json_object_object_add(j, "summary", json_object_new_string(p->summary));
	json_object_object_add(j, "accepted", acc ? json_object_new_string(acc->text) : NULL);
	json_object_object_add(j, "refused", ref ? json_object_new_string(ref->text) : NULL);
	const struct obs *ke = find(r, OBS_IKE_INVALID_KE);
	json_object_object_add(j, "invalid_ke_group", ke ? json_object_new_int(ke->code) : NULL);
	json_object_object_add(j, "cookie", json_object_new_boolean(find(r, OBS_IKE_COOKIE) != NULL));
	json_object_object_add(j, "fragmentation", bool_obs(r, OBS_IKE_FRAGMENTATION));
	json_object_object_add(j, "nat_server", bool_obs(r, OBS_NAT_SERVER));
	json_object_object_add(j, "nat_client", bool_obs(r, OBS_NAT_CLIENT));
	if (l2tp) {
		json_object_object_add(j, "nat_t", bool_obs(r, OBS_L2TP_NATT));
		json_object_object_add(j, "aggressive_mode", aggressive(r));
	}
	json_object *vids = json_object_new_array();
	for (size_t i = 0; i < r->nobs; i++)
		if (r->obs[i].kind == (l2tp ? OBS_L2TP_VENDOR_ID : OBS_IKE_VENDOR_ID))
			json_object_array_add(vids, json_object_new_string(r->obs[i].text));
	json_object_object_add(j, "vendor_ids", vids);
	json_object *fs = json_object_new_array();
	for (size_t i = 0; i < d->nf; i++) {
		const struct finding *f = &d->f[i];
		if (f->proto != proto)
			continue;
		json_object *fo = json_object_new_object();
		json_object_object_add(fo, "cause", json_object_new_string(f->cause));
		json_object_object_add(fo, "severity", json_object_new_string(rules_severity_name(f->severity)));
		json_object_object_add(fo, "error", f->windows_error ? json_object_new_int64(f->windows_error) : NULL);
		json_object_object_add(fo, "basis", json_object_new_string(kb_basis_name(f->basis)));
		json_object_object_add(fo, "summary", json_object_new_string(f->summary));
		json_object_array_add(fs, fo);
	}
	json_object_object_add(j, "findings", fs);
	json_object *ob = json_object_new_array();
	for (size_t i = 0; i < r->nobs; i++) {
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "kind", json_object_new_string(obs_kind_name(r->obs[i].kind)));
		json_object_object_add(oo, "evidence", json_object_new_string(r->obs[i].evidence));
		json_object_array_add(ob, oo);
	}
	json_object_object_add(j, "observations", ob);
	put_line(o, a, proto, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

void scan_out_summary(FILE *out, bool json, const struct scan_opts *o, const struct scan_stats *st)
{
	char seed[24];
	snprintf(seed, sizeof seed, "%" PRIu64, st->seed);
	if (!json) {
		char udp[32] = "unknown";
		if (st->drops_udp >= 0)
			snprintf(udp, sizeof udp, "%" PRId64, st->drops_udp);
		fprintf(out,
			"scan: %" PRIu64 " targets (%" PRIu64 " excluded), %" PRIu64 " sent, %" PRIu64 " responders, %.2f s, %.0f pkt/s, "
			"kernel drops %" PRIu64 " (socket) / %s (UDP RcvbufErrors), seed %s, shard %u/%u%s\n",
			st->targets, st->excluded, st->sent, st->responders, st->duration_ms / 1000.0, st->rate_pps, st->drops_socket,
			udp, seed, o->shard + 1, o->nshards, st->interrupted ? ", interrupted" : "");
		fflush(out);
		return;
	}
	json_object *j = json_object_new_object();
	json_object_object_add(j, "type", json_object_new_string("summary"));
	json_object_object_add(j, "schema", json_object_new_string(SCAN_JSON_SCHEMA));
	json_object_object_add(j, "targets", json_object_new_int64((int64_t)st->targets));
	json_object_object_add(j, "excluded", json_object_new_int64((int64_t)st->excluded));
	json_object_object_add(j, "sent", json_object_new_int64((int64_t)st->sent));
	json_object_object_add(j, "send_errors", json_object_new_int64((int64_t)st->send_errors));
	json_object_object_add(j, "received", json_object_new_int64((int64_t)st->received));
	json_object_object_add(j, "ignored", json_object_new_int64((int64_t)st->ignored));
	json_object_object_add(j, "responders", json_object_new_int64((int64_t)st->responders));
	json_object_object_add(j, "duration_ms", json_object_new_int64(st->duration_ms));
	json_object_object_add(j, "send_ms", json_object_new_int64(st->send_ms));
	json_object_object_add(j, "rate_pps", json_object_new_double(st->rate_pps));
	json_object_object_add(j, "kernel_drops_socket", json_object_new_int64((int64_t)st->drops_socket));
	json_object_object_add(j, "kernel_drops_udp", st->drops_udp >= 0 ? json_object_new_int64(st->drops_udp) : NULL);
	json_object_object_add(j, "seed", json_object_new_string(seed));
	char shard[24];
	snprintf(shard, sizeof shard, "%u/%u", o->shard + 1, o->nshards);
	json_object_object_add(j, "shard", json_object_new_string(shard));
	json_object_object_add(j, "rate_limit", o->rate ? json_object_new_int64(o->rate) : NULL);
	json_object_object_add(j, "retries", json_object_new_int((int)o->retries));
	json_object_object_add(j, "timeout_ms", json_object_new_int64(o->timeout_ms));
	json_object_object_add(j, "interrupted", json_object_new_boolean(st->interrupted));
	if (o->protocols & (KB_P_SSTP | KB_P_PPTP))
		json_object_object_add(j, "tcp_no_answer", json_object_new_int64((int64_t)st->tcp_silent));
	fprintf(out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(out);
	json_object_put(j);
}
