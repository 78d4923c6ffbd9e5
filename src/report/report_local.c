/* `vpndiag local` rendered (report_local.h). */
#include "report/report_local.h"

#include <json-c/json.h>
#include <string.h>
#include <time.h>

#include "util/fmt.h"

static const char *read_name(enum local_read s)
{
	switch (s) {
	case LOCAL_ABSENT: return "absent";
	case LOCAL_PRESENT: return "present";
	case LOCAL_WRONG_TYPE: return "wrong type";
	default: return "unreadable";
	}
}

static const char *run_name(uint32_t s)
{
	static const char *const n[] = {"?", "stopped", "starting", "stopping", "running", "continuing", "pausing", "paused"};
	return s < 8 ? n[s] : "?";
}

static const char *start_name(uint32_t t)
{
	static const char *const n[] = {"boot", "system", "automatic", "manual", "disabled"};
	return t < 5 ? n[t] : "?";
}

static void utc(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		fmt_into(out, outlen, "(no time)");
}

/* "809", or "0x80092013 (-2146885613 in the event log)" for an HRESULT */
static void error_text(uint32_t code, char *out, size_t outlen)
{
	char hex[16];
	kb_code_hex(code, hex, sizeof hex);
	if (kb_is_hresult(code))
		fmt_into(out, outlen, "%s (%lld in the event log)", hex, kb_code_eventlog(code));
	else
		fmt_into(out, outlen, "%u", (unsigned)code);
}

/* "IKEv2 only" etc. */
static void protocols_text(const struct pbk_entry *e, char *out, size_t outlen)
{
	const char *p[4];
	size_t n = pbk_entry_protocols(e, p), k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k < outlen; i++)
		k += (size_t)snprintf(out + k, outlen - k, "%s%s", i ? ", then " : "", p[i]);
	const char *s = pbk_strategy_name(e->vpn_strategy);
	if (s && k < outlen)
		snprintf(out + k, outlen - k, " (VpnStrategy %s)", s);
}

static const char *auth_text(const struct pbk_entry *e)
{
	switch (e->custom_auth_key) {
	case 26: return "EAP-MSCHAPv2";
	case 25: return "PEAP";
	case 13: return "EAP-TLS (certificate)";
	case -1: return e->psk_configured ? "pre-shared key" : "default";
	default: return "EAP (other)";
	}
}

void report_local_text(FILE *out, const struct local_pc *pc, const struct local_diag *d, const struct kb *kb, bool colour)
{
	const char *red = colour ? "\033[31m" : "", *yel = colour ? "\033[33m" : "", *off = colour ? "\033[0m" : "";
	fprintf(out, "This PC (%s)\n\n", pc->elevated == 1 ? "elevated" : pc->elevated == 0 ? "not elevated" : "elevation unknown");
	fprintf(out, "VPN connections (%zu)\n", pc->nconns);
	for (size_t i = 0; i < pc->npbk; i++)
		if (pc->pbk[i].state == LOCAL_READ_ERROR)
			fprintf(out, "  %s: %s\n", pc->pbk[i].path, pc->pbk[i].err);
		else if (pc->pbk[i].state == LOCAL_PRESENT && (pc->pbk[i].skipped || pc->pbk[i].bad_lines))
			fprintf(out, "  %s: %zu entries left out, %zu lines not read\n", pc->pbk[i].path, pc->pbk[i].skipped,
				pc->pbk[i].bad_lines);
	for (size_t i = 0; i < pc->nconns; i++) {
		const struct pbk_entry *e = &pc->conns[i].e;
		char prot[160];
		protocols_text(e, prot, sizeof prot);
		fprintf(out, "  %-24s %-28s %s; %s%s; %s\n", e->name, e->nservers ? e->servers[0] : "(no server)", prot,
			auth_text(e), e->psk_configured && e->custom_auth_key >= 0 ? ", pre-shared key" : "",
			pc->conns[i].all_users ? "all users" : "this user");
	}
	if (pc->have_services) {
		fprintf(out, "\nServices\n");
		for (int s = 0; s < LOCAL_SVC_COUNT; s++) {
			const struct local_service *v = &pc->svc[s];
			if (v->state == LOCAL_PRESENT)
				fprintf(out, "  %-12s %-9s %-10s %s\n", local_svc_defs[s].name, run_name(v->run_state),
					start_name(v->start_type), local_svc_defs[s].title);
			else
				fprintf(out, "  %-12s %s\n", local_svc_defs[s].name, v->state == LOCAL_ABSENT ? "not installed" : "unreadable");
		}
	}
	if (pc->have_registry) {
		fprintf(out, "\nRegistry (HKLM)\n");
		for (int r = 0; r < LOCAL_REG_COUNT; r++) {
			const struct local_regval *v = &pc->reg[r];
			char val[40];
			if (v->state == LOCAL_PRESENT)
				fmt_into(val, sizeof val, "%u", (unsigned)v->value);
			else
				fmt_into(val, sizeof val, "(%s)", read_name(v->state));
			fprintf(out, "  %-42s %-12s %s\n", local_reg_defs[r].value, val, local_reg_defs[r].title);
		}
	}
	fprintf(out, "\nRecent VPN errors (last %u days, %s)\n", (unsigned)pc->days, pc->events_source);
	if (pc->events_state == LOCAL_READ_ERROR)
		fprintf(out, "  not read: %s\n", pc->events_err);
	else if (pc->nfailures == 0)
		fprintf(out, "  none\n");
	for (size_t i = 0; i < pc->nfailures; i++) {
		const struct local_failure *x = &pc->failures[i];
		char when[40];
		utc(x->ev->time, when, sizeof when);
		uint32_t code = (uint32_t)x->code;
		const struct kb_entry *k = kb ? kb_find_code(kb, code) : NULL;
		char num[40];
		error_text(code, num, sizeof num);
		fprintf(out, "  %s  %s: error %s%s%s\n", when, x->ev->ndata > 2 ? x->ev->data[2] : "?", num, k ? " " : "",
			k ? k->title : "");
		fprintf(out, "      the attempt reached: %s\n", local_stage_name(x->stage));
	}
	fprintf(out, "\nFindings\n");
	size_t shown = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct local_finding *f = &d->f[i];
		if (f->sev == LOCAL_INFO && strcmp(f->cause, "service-ok") == 0)
			continue;
		shown++;
		const char *c = f->sev == LOCAL_FAILURE ? red : f->sev == LOCAL_WARNING ? yel : "";
		fprintf(out, "  %s%-7s%s %s%s%s%s", c, local_sev_name(f->sev), off, f->conn[0] ? "[" : "", f->conn,
			f->conn[0] ? "] " : "", f->summary);
		if (f->windows_error) {
			char num[40];
			error_text(f->windows_error, num, sizeof num);
			fprintf(out, " (error %s)", num);
		}
		fprintf(out, " [%s]\n", kb_basis_name(f->basis));
		for (size_t k = 0; k < f->nevidence; k++)
			fprintf(out, "          %s\n", f->evidence[k]);
		if (f->fix[0])
			fprintf(out, "          fix on this PC: %s%s\n", f->fix, f->has_action ? " (vpndiag fix does it)" : "");
	}
	if (!shown)
		fprintf(out, "  nothing wrong found on this PC\n");
	if (d->dropped)
		fprintf(out, "  (%zu more findings left out)\n", d->dropped);
}

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

json_object *report_local_json(const struct local_pc *pc, const struct local_diag *d, const struct kb *kb)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", str("vpndiag-local/1"));
	json_object_object_add(root, "elevated", pc->elevated < 0 ? NULL : json_object_new_boolean(pc->elevated == 1));
	json_object *books = json_object_new_array();
	for (size_t i = 0; i < pc->npbk; i++) {
		const struct local_pbk_file *f = &pc->pbk[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", str(f->path));
		json_object_object_add(o, "all_users", json_object_new_boolean(f->all_users));
		json_object_object_add(o, "state", str(read_name(f->state)));
		json_object_object_add(o, "error", f->state == LOCAL_READ_ERROR ? str(f->err) : NULL);
		json_object_object_add(o, "entries", json_object_new_int64((int64_t)f->entries));
		json_object_object_add(o, "skipped", json_object_new_int64((int64_t)f->skipped));
		json_object_object_add(o, "bad_lines", json_object_new_int64((int64_t)f->bad_lines));
		json_object_array_add(books, o);
	}
	json_object_object_add(root, "phonebooks", books);
	json_object *conns = json_object_new_array();
	for (size_t i = 0; i < pc->nconns; i++) {
		const struct pbk_entry *e = &pc->conns[i].e;
		json_object *o = json_object_new_object(), *sv = json_object_new_array(), *pr = json_object_new_array();
		json_object_object_add(o, "name", str(e->name));
		json_object_object_add(o, "vpn", json_object_new_boolean(local_conn_is_vpn(&pc->conns[i])));
		for (size_t k = 0; k < e->nservers; k++)
			json_object_array_add(sv, str(e->servers[k]));
		json_object_object_add(o, "servers", sv);
		json_object_object_add(o, "vpn_strategy", e->vpn_strategy < 0 ? NULL : json_object_new_int(e->vpn_strategy));
		const char *sn = pbk_strategy_name(e->vpn_strategy);
		json_object_object_add(o, "vpn_strategy_name", sn ? str(sn) : NULL);
		const char *p[4];
		size_t np = pbk_entry_protocols(e, p);
		for (size_t k = 0; k < np; k++)
			json_object_array_add(pr, str(p[k]));
		json_object_object_add(o, "protocols", pr);
		json_object_object_add(o, "device", e->device[0] ? str(e->device) : NULL);
		json_object_object_add(o, "authentication", str(auth_text(e)));
		json_object_object_add(o, "eap_type", e->custom_auth_key < 0 ? NULL : json_object_new_int(e->custom_auth_key));
		json_object_object_add(o, "psk_configured", json_object_new_boolean(e->psk_configured));
		json_object_object_add(o, "custom_ipsec_policy", json_object_new_boolean(e->custom_policy));
		json_object_object_add(o, "disable_ike_name_eku_check",
				       e->disable_ike_name_eku_check == PBK_ABSENT ? NULL : json_object_new_boolean(e->disable_ike_name_eku_check == PBK_YES));
		json_object_object_add(o, "split_tunnel",
				       e->ip_prioritize_remote == PBK_ABSENT ? NULL : json_object_new_boolean(e->ip_prioritize_remote == PBK_NO));
		json_object_object_add(o, "owner", str(pc->conns[i].all_users ? "all users" : "user"));
		json_object_array_add(conns, o);
	}
	json_object_object_add(root, "connections", conns);
	json_object *svcs = json_object_new_array();
	for (int s = 0; pc->have_services && s < LOCAL_SVC_COUNT; s++) {
		const struct local_service *v = &pc->svc[s];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", str(local_svc_defs[s].name));
		json_object_object_add(o, "installed", json_object_new_boolean(v->state != LOCAL_ABSENT));
		json_object_object_add(o, "state", v->state == LOCAL_PRESENT ? str(run_name(v->run_state)) : NULL);
		json_object_object_add(o, "start_type", v->state == LOCAL_PRESENT ? str(start_name(v->start_type)) : NULL);
		json_object_object_add(o, "error", v->state == LOCAL_READ_ERROR ? json_object_new_int64(v->error) : NULL);
		json_object_array_add(svcs, o);
	}
	json_object_object_add(root, "services", svcs);
	json_object *regs = json_object_new_array();
	for (int r = 0; pc->have_registry && r < LOCAL_REG_COUNT; r++) {
		const struct local_regval *v = &pc->reg[r];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "key", str(local_reg_defs[r].key));
		json_object_object_add(o, "name", str(local_reg_defs[r].value));
		json_object_object_add(o, "state", str(read_name(v->state)));
		json_object_object_add(o, "value", v->state == LOCAL_PRESENT ? json_object_new_int64(v->value) : NULL);
		json_object_array_add(regs, o);
	}
	json_object_object_add(root, "registry", regs);
	json_object *ev = json_object_new_object(), *fl = json_object_new_array();
	json_object_object_add(ev, "source", str(pc->events_source));
	json_object_object_add(ev, "days", json_object_new_int64(pc->days));
	json_object_object_add(ev, "state", str(pc->events_state == LOCAL_READ_ERROR ? "unreadable" : "read"));
	json_object_object_add(ev, "error", pc->events_state == LOCAL_READ_ERROR ? str(pc->events_err) : NULL);
	for (size_t i = 0; i < pc->nfailures; i++) {
		const struct local_failure *x = &pc->failures[i];
		json_object *o = json_object_new_object();
		char when[40], hex[16];
		utc(x->ev->time, when, sizeof when);
		json_object_object_add(o, "time", json_object_new_int64(x->ev->time));
		json_object_object_add(o, "connection", x->ev->ndata > 2 ? str(x->ev->data[2]) : NULL);
		json_object_object_add(o, "error", json_object_new_int64(x->code));
		json_object_object_add(o, "error_eventlog", json_object_new_int64(kb_code_eventlog((uint32_t)x->code)));
		kb_code_hex((uint32_t)x->code, hex, sizeof hex);
		json_object_object_add(o, "error_hex", str(hex));
		const struct kb_entry *k = kb ? kb_find_code(kb, (uint32_t)x->code) : NULL;
		json_object_object_add(o, "title", k ? str(k->title) : NULL);
		json_object_object_add(o, "stage_event", x->stage ? json_object_new_int((int)x->stage) : NULL);
		json_object_object_add(o, "stage", str(local_stage_name(x->stage)));
		json_object_array_add(fl, o);
	}
	json_object_object_add(ev, "failures", fl);
	json_object_object_add(root, "events", ev);
	json_object *fs = json_object_new_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct local_finding *f = &d->f[i];
		json_object *o = json_object_new_object(), *evd = json_object_new_array();
		json_object_object_add(o, "cause", str(f->cause));
		json_object_object_add(o, "connection", f->conn[0] ? str(f->conn) : NULL);
		json_object_object_add(o, "severity", str(local_sev_name(f->sev)));
		json_object_object_add(o, "windows_error", f->windows_error ? json_object_new_int64(f->windows_error) : NULL);
		json_object_object_add(o, "basis", str(kb_basis_name(f->basis)));
		json_object_object_add(o, "summary", str(f->summary));
		for (size_t k = 0; k < f->nevidence; k++)
			json_object_array_add(evd, str(f->evidence[k]));
		json_object_object_add(o, "evidence", evd);
		json_object_object_add(o, "fix_on_this_pc", f->fix[0] ? str(f->fix) : NULL);
		if (f->has_action) {
			char cmd[600];
			fix_action_command(&f->action, cmd, sizeof cmd);
			json_object_object_add(o, "fix_command", str(cmd));
		}
		json_object_array_add(fs, o);
	}
	json_object_object_add(root, "findings", fs);
	return root;
}

void report_fix_plan(FILE *out, const struct fix_plan *p)
{
	char what[600], cmd[600];
	for (size_t i = 0; i < p->n; i++) {
		fix_action_describe(&p->a[i], what, sizeof what);
		fix_action_command(&p->a[i], cmd, sizeof cmd);
		fprintf(out, "  %zu. %s\n     because: %s\n     command: %s\n", i + 1, what, p->a[i].why, cmd);
	}
}
