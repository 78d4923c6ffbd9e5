/* Text, JSON and monitoring renderers of a probe run (see probe_report.h). */
#include "report/report_probe.h"

#include <string.h>

#include "util/exit.h"
#include "util/fmt.h"
#include "util/text.h"

#define WIDTH 100

/* ---------------------------------------------------------------- shared */

static const char *error_title(const struct kb *kb, uint32_t code)
{
	const struct kb_entry *e = kb && code ? kb_find_code(kb, code) : NULL;
	return e ? e->title : NULL;
}

static void error_str(uint32_t code, char *out, size_t len)
{
	if (!code)
		fmt_into(out, len, "-");
	else if (kb_is_hresult(code))
		kb_code_hex(code, out, len);
	else
		fmt_into(out, len, "%u", (unsigned)code);
}

static const char *proto_name(unsigned bit)
{
	for (int i = 0; i < PROTO_COUNT; i++)
		if (bit == 1u << i)
			return proto_table[i].key;
	return NULL;
}

/* ---------------------------------------------------------------- JSON */

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *fixes_json(const struct finding *f)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; f && i < f->nfixes; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "text", json_object_new_string(f->fixes[i].text));
		json_object_object_add(o, "command", str_or_null(f->fixes[i].command));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *error_json(uint32_t code)
{
	return code ? json_object_new_int64((int64_t)code) : NULL;
}

static struct json_object *finding_json(const struct finding *f, const struct kb *kb)
{
	struct json_object *o = json_object_new_object();
	char hex[16];
	json_object_object_add(o, "cause", json_object_new_string(f->cause));
	if (f->address[0]) /* only in the name-level findings of a name with several addresses */
		json_object_object_add(o, "address", json_object_new_string(f->address));
	json_object_object_add(o, "protocol", str_or_null(proto_name(f->proto)));
	json_object_object_add(o, "verdict", json_object_new_string(rules_verdict_name(f->verdict)));
	json_object_object_add(o, "severity", json_object_new_string(rules_severity_name(f->severity)));
	json_object_object_add(o, "windows_error", error_json(f->windows_error));
	if (f->windows_error)
		kb_code_hex(f->windows_error, hex, sizeof hex);
	json_object_object_add(o, "windows_error_hex", f->windows_error ? json_object_new_string(hex) : NULL);
	json_object_object_add(o, "windows_error_title", str_or_null(error_title(kb, f->windows_error)));
	json_object_object_add(o, "basis", json_object_new_string(kb_basis_name(f->basis)));
	json_object_object_add(o, "summary", json_object_new_string(f->summary));
	struct json_object *ev = json_object_new_array();
	for (size_t i = 0; i < f->nevidence; i++)
		json_object_array_add(ev, json_object_new_string(f->evidence[i]));
	json_object_object_add(o, "evidence", ev);
	json_object_object_add(o, "fixes", fixes_json(f));
	return o;
}

static struct json_object *obs_json(const struct obs *ob)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(obs_kind_name(ob->kind)));
	json_object_object_add(o, "protocol", str_or_null(proto_name(ob->proto)));
	json_object_object_add(o, "port", ob->port ? json_object_new_int(ob->port) : NULL);
	json_object_object_add(o, "natt", json_object_new_boolean(ob->natt));
	json_object_object_add(o, "code", json_object_new_int(ob->code));
	json_object_object_add(o, "value", json_object_new_int64(ob->value));
	json_object_object_add(o, "set", str_or_null(ob->set));
	json_object_object_add(o, "text", str_or_null(ob->text));
	json_object_object_add(o, "evidence", json_object_new_string(ob->evidence));
	return o;
}

static struct json_object *tri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v != 0);
}

static struct json_object *protocols_json(const struct diagnosis *d, const struct kb *kb)
{
	struct json_object *ps = json_object_new_object();
	for (int i = 0; i < PROTO_COUNT; i++) {
		const struct proto_verdict *p = &d->p[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "verdict", json_object_new_string(rules_verdict_name(p->verdict)));
		json_object_object_add(o, "windows_error", error_json(p->windows_error));
		json_object_object_add(o, "windows_error_title", str_or_null(error_title(kb, p->windows_error)));
		json_object_object_add(o, "cause", str_or_null(p->cause));
		json_object_object_add(o, "summary", json_object_new_string(p->summary));
		json_object_object_add(o, "fixes", fixes_json(p->finding >= 0 ? &d->f[p->finding] : NULL));
		json_object_object_add(ps, proto_table[i].key, o);
	}
	return ps;
}

static struct json_object *nat_json(const struct diagnosis *d)
{
	struct json_object *nat = json_object_new_object();
	json_object_object_add(nat, "client_behind_nat", tri(d->nat_client));
	json_object_object_add(nat, "server_behind_nat", tri(d->nat_server));
	return nat;
}

static struct json_object *findings_json(const struct diagnosis *d, const struct kb *kb)
{
	struct json_object *fs = json_object_new_array();
	for (size_t i = 0; i < d->nf; i++)
		json_object_array_add(fs, finding_json(&d->f[i], kb));
	return fs;
}

static struct json_object *observations_json(const struct obs_result *r)
{
	struct json_object *os = json_object_new_array();
	for (size_t i = 0; i < r->nobs; i++)
		json_object_array_add(os, obs_json(&r->obs[i]));
	return os;
}

static struct json_object *packets_json(const struct obs_result *r)
{
	struct json_object *pk = json_object_new_array();
	for (size_t i = 0; i < r->npkts; i++) {
		const struct obs_pkt *p = &r->pkts[i];
		struct json_object *o = json_object_new_object();
		char dir[2] = {p->dir, 0};
		json_object_object_add(o, "t_ms", json_object_new_int64(p->t_ms));
		json_object_object_add(o, "dir", json_object_new_string(dir));
		json_object_object_add(o, "protocol", str_or_null(proto_name(p->proto)));
		json_object_object_add(o, "peer", str_or_null(p->peer));
		json_object_object_add(o, "summary", json_object_new_string(p->summary));
		json_object_array_add(pk, o);
	}
	return pk;
}

struct json_object *report_json(const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
				bool with_packets)
{
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(REPORT_SCHEMA));

	struct json_object *t = json_object_new_object();
	json_object_object_add(t, "host", json_object_new_string(r->host));
	struct json_object *addrs = json_object_new_array();
	for (size_t i = 0; i < r->naddrs && i < OBS_MAX_ADDRS; i++)
		json_object_array_add(addrs, json_object_new_string(r->addrs[i]));
	json_object_object_add(t, "addresses", addrs);
	if (r->probed_addr >= 0 && (size_t)r->probed_addr < r->naddrs) {
		json_object_object_add(t, "probed_address", json_object_new_string(r->addrs[r->probed_addr]));
	} else {
		json_object_object_add(t, "probed_address", NULL);
	}
	json_object_object_add(root, "target", t);
	json_object_object_add(root, "profile", str_or_null(r->profile[0] ? r->profile : NULL));

	json_object_object_add(root, "protocols", protocols_json(d, kb));
	json_object_object_add(root, "nat", nat_json(d));
	json_object_object_add(root, "findings", findings_json(d, kb));
	json_object_object_add(root, "observations", observations_json(r));

	json_object_object_add(root, "recommended",
			       d->recommended >= 0 ? json_object_new_string(proto_table[d->recommended].key) : NULL);
	json_object_object_add(root, "elapsed_ms", json_object_new_int64(r->elapsed_ms));
	json_object_object_add(root, "timeout_ms", json_object_new_int64(r->timeout_ms));
	if (with_packets)
		json_object_object_add(root, "packets", packets_json(r));
	return root;
}

static const char *family_key(int f)
{
	return f == 6 ? "ipv6" : "ipv4";
}

struct json_object *report_json_name(const struct obs_name *n, const struct name_diagnosis *nd, const struct kb *kb,
				     bool with_packets)
{
	if (nd->n <= 1 || n->ntargets <= 1)
		return report_json(n->target[0], &nd->name, kb, with_packets);
	/* The name: its addresses, Windows' first as the probed address, the name-level verdicts and
	 * findings, the run's own observations; then one entry per address, in Windows' order. */
	struct obs_result view = n->name;
	view.probed_addr = (int)nd->order[0];
	struct json_object *root = report_json(&view, &nd->name, kb, with_packets);
	struct json_object *ts = json_object_new_array();
	for (size_t k = 0; k < nd->n && k < n->ntargets; k++) {
		size_t i = nd->order[k];
		const struct obs_result *r = n->target[i];
		const struct diagnosis *d = nd->d[i];
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "address", json_object_new_string(n->name.addrs[i]));
		json_object_object_add(t, "family", json_object_new_string(family_key(nd->family[i])));
		json_object_object_add(t, "windows_order", json_object_new_int((int)k + 1));
		json_object_object_add(t, "reached", json_object_new_boolean(nd->reached[i]));
		json_object_object_add(t, "protocols", protocols_json(d, kb));
		json_object_object_add(t, "nat", nat_json(d));
		json_object_object_add(t, "findings", findings_json(d, kb));
		json_object_object_add(t, "observations", observations_json(r));
		if (with_packets)
			json_object_object_add(t, "packets", packets_json(r));
		json_object_array_add(ts, t);
	}
	json_object_object_add(root, "targets", ts);
	return root;
}

/* ---------------------------------------------------------------- text */

struct style {
	bool on;
};

static const char *col(const struct style *s, const char *code)
{
	return s->on ? code : "";
}
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"

static const char *verdict_colour(enum verdict v)
{
	switch (v) {
	case VERDICT_FAILS: return C_RED;
	case VERDICT_WORKS: return C_GREEN;
	case VERDICT_UNKNOWN: return C_YELLOW;
	default: return C_DIM;
	}
}

static void print_command(FILE *out, const char *cmd)
{
	/* Multi-line commands keep their lines, each indented. */
	const char *p = cmd;
	for (int lines = 0; *p && lines < 20; lines++) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		fprintf(out, "          %.*s\n", n, p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void text_header(FILE *out, const struct style *st, const struct obs_result *r, const char *addr)
{
	fprintf(out, "%svpndiag probe %s%s%s%s%s in %.1f s%s\n\n", col(st, C_BOLD), r->host, addr[0] ? " (" : "", addr,
		addr[0] ? ")" : "", "", r->elapsed_ms / 1000.0, col(st, C_RESET));
}

static void text_table(FILE *out, const struct style *st, const struct diagnosis *d, const struct kb *kb)
{
	fprintf(out, "%-11s %-11s %s\n", "PROTOCOL", "VERDICT", "WINDOWS ERROR / CAUSE");
	for (int i = 0; i < PROTO_COUNT; i++) {
		const struct proto_verdict *p = &d->p[i];
		const char *vn = rules_verdict_name(p->verdict);
		fprintf(out, "%-11s %s%-11s%s ", proto_table[i].title, col(st, verdict_colour(p->verdict)), vn,
			col(st, C_RESET));
		if (p->windows_error) {
			char e[16];
			error_str(p->windows_error, e, sizeof e);
			const char *title = error_title(kb, p->windows_error);
			fprintf(out, "%s%s%s", e, title ? "  " : "", title ? title : "");
			fputc('\n', out);
			fprintf(out, "%24s", "");
			fprintf(out, "%s: ", p->cause);
			text_wrap(out, p->summary, 24 + (int)strlen(p->cause) + 2, 26, WIDTH);
		} else {
			if (p->cause[0])
				fprintf(out, "%s: ", p->cause);
			text_wrap(out, p->summary, 24 + (p->cause[0] ? (int)strlen(p->cause) + 2 : 0), 24, WIDTH);
		}
	}
}

static void text_findings_tail(FILE *out, const struct style *st, const struct diagnosis *d)
{
	if (d->nf) {
		fprintf(out, "\n%sFindings%s\n", col(st, C_BOLD), col(st, C_RESET));
		for (size_t i = 0; i < d->nf; i++) {
			const struct finding *f = &d->f[i];
			const char *sev = f->severity == SEV_FAILURE ? "FAILS" : f->severity == SEV_WARNING ? "WARNING" : "INFO";
			const char *c = f->severity == SEV_FAILURE ? C_RED : f->severity == SEV_WARNING ? C_YELLOW : C_DIM;
			fprintf(out, "\n%s[%s]%s %s %s", col(st, c), sev, col(st, C_RESET), proto_title(f->proto), f->cause);
			if (f->address[0])
				fprintf(out, " on %s", f->address);
			if (f->windows_error) {
				char e[16];
				error_str(f->windows_error, e, sizeof e);
				fprintf(out, " -> Windows error %s", e);
			}
			fprintf(out, " (basis: %s%s)\n", kb_basis_name(f->basis),
				f->basis == KB_INFERRED ? ", a hypothesis to confirm" : "");
			fprintf(out, "  ");
			text_wrap(out, f->summary, 2, 2, WIDTH);
			for (size_t k = 0; k < f->nevidence; k++) {
				fprintf(out, "  evidence: ");
				text_wrap(out, f->evidence[k], 12, 12, WIDTH);
			}
			for (size_t k = 0; k < f->nfixes; k++) {
				fprintf(out, "  fix: ");
				text_wrap(out, f->fixes[k].text, 7, 7, WIDTH);
				if (f->fixes[k].command[0])
					print_command(out, f->fixes[k].command);
			}
		}
	}

	const char *nat[] = {"unknown", "no", "yes"};
	fprintf(out, "\nNAT: client side %s, server side %s\n", nat[d->nat_client + 1], nat[d->nat_server + 1]);
	if (d->recommended >= 0) {
		fprintf(out, "Recommended protocol: %s%s%s\n", col(st, C_GREEN), proto_table[d->recommended].title,
			col(st, C_RESET));
	} else {
		fprintf(out, "Recommended protocol: none known to work yet");
		for (int i = 0; i < PROTO_COUNT; i++)
			if (d->p[i].verdict == VERDICT_UNKNOWN && d->p[i].checks_passed)
				fprintf(out, " (%s passed every check made so far)", proto_table[i].title);
		fputc('\n', out);
	}
}

void report_text(FILE *out, const struct obs_result *r, const struct diagnosis *d, const struct kb *kb,
		 bool colour)
{
	struct style st = {colour};
	const char *addr = r->probed_addr >= 0 && (size_t)r->probed_addr < r->naddrs ? r->addrs[r->probed_addr] : "";
	text_header(out, &st, r, addr);
	text_table(out, &st, d, kb);
	text_findings_tail(out, &st, d);
}

/* One line per address, in Windows' order: its verdict per probed protocol. */
static void text_addresses(FILE *out, const struct style *st, const struct obs_name *n, const struct name_diagnosis *nd)
{
	size_t w = 0;
	for (size_t i = 0; i < nd->n; i++)
		w = strlen(n->name.addrs[i]) > w ? strlen(n->name.addrs[i]) : w;
	fprintf(out, "\n%sPer address%s, in the order Windows tries them (RFC 6724: IPv6 first on a PC with IPv6; "
		     "no fallback to the next address is assumed):\n",
		col(st, C_BOLD), col(st, C_RESET));
	for (size_t k = 0; k < nd->n && k < n->ntargets; k++) {
		size_t i = nd->order[k];
		const struct diagnosis *d = nd->d[i];
		char line[600];
		fmt_into(line, sizeof line, "%zu. %-*s %s ", k + 1, (int)w, n->name.addrs[i], nd->family[i] == 6 ? "IPv6" : "IPv4");
		bool first = true;
		for (int p = 0; p < PROTO_COUNT; p++) {
			const struct proto_verdict *v = &d->p[p];
			if (v->verdict == VERDICT_NOT_PROBED)
				continue;
			char e[16] = "";
			if (v->windows_error)
				error_str(v->windows_error, e, sizeof e);
			fmt_append(line, sizeof line, "%s%s %s%s%s", first ? " " : ", ", proto_table[p].title,
				   rules_verdict_name(v->verdict), e[0] ? " " : "", e);
			first = false;
		}
		if (!nd->reached[i])
			fmt_append(line, sizeof line, "  (reached only by IPv6-only clients or a changed prefix policy)");
		fprintf(out, "  %s\n", line);
	}
}

void report_text_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd, const struct kb *kb,
		      bool colour)
{
	if (nd->n <= 1 || n->ntargets <= 1) {
		report_text(out, n->target[0], &nd->name, kb, colour);
		return;
	}
	struct style st = {colour};
	char addrs[OBS_MAX_TARGETS * (OBS_ADDRSTRLEN + 2)] = "";
	for (size_t k = 0; k < nd->n; k++)
		fmt_append(addrs, sizeof addrs, "%s%s", k ? ", " : "", n->name.addrs[nd->order[k]]);
	text_header(out, &st, &n->name, addrs);
	text_table(out, &st, &nd->name, kb);
	text_addresses(out, &st, n, nd);
	text_findings_tail(out, &st, &nd->name);
}

void report_packets(FILE *out, const struct obs_result *r)
{
	for (size_t i = 0; i < r->npkts; i++) {
		const struct obs_pkt *p = &r->pkts[i];
		const char *proto = proto_name(p->proto);
		fprintf(out, "%7.3f %c %-6s %-24s %s\n", p->t_ms / 1000.0, p->dir, proto ? proto : "-", p->peer, p->summary);
	}
}

void report_packets_name(FILE *out, const struct obs_name *n)
{
	for (size_t t = 0; t < n->ntargets; t++) {
		if (n->ntargets > 1)
			fprintf(out, "%s:\n", n->name.addrs[t]);
		report_packets(out, n->target[t]);
	}
}

/* ---------------------------------------------------------------- monitoring */

static int monitoring_line(FILE *out, const struct obs_result *r, const struct diagnosis *d, const char *extra)
{
	static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
	int state = d->monitoring_state;
	char line[2048];
	fmt_into(line, sizeof line, "VPNDIAG %s - ", names[state]);
	bool first = true;
	for (int i = 0; i < PROTO_COUNT; i++) {
		const struct proto_verdict *p = &d->p[i];
		if (p->verdict == VERDICT_NOT_PROBED)
			continue;
		char e[16] = "";
		if (p->windows_error)
			error_str(p->windows_error, e, sizeof e);
		fmt_append(line, sizeof line, "%s%s: %s%s%s%s%s (%s)", first ? "" : "; ", proto_table[i].key,
			   rules_verdict_name(p->verdict), e[0] ? " " : "", e, p->cause[0] ? " " : "", p->cause, p->summary);
		first = false;
	}
	if (first)
		fmt_append(line, sizeof line, "no protocol probed");
	if (extra && *extra)
		fmt_append(line, sizeof line, "%s", extra);
	/* The status text must not contain '|' (it starts the performance data). */
	for (char *c = line; *c; c++)
		if (*c == '|' || *c == '\n')
			*c = '/';
	fmt_append(line, sizeof line, " |");
	for (int i = 0; i < PROTO_COUNT; i++) {
		if (!(r->probed & (1u << i)))
			continue;
		int64_t rtt = d->p[i].rtt_ms;
		if (rtt >= 0)
			fmt_append(line, sizeof line, " rtt_%s=%lldms;;;0", proto_table[i].key, (long long)rtt);
		else
			fmt_append(line, sizeof line, " rtt_%s=U", proto_table[i].key);
	}
	fmt_append(line, sizeof line, " time=%ums;;;0;%u", (unsigned)r->elapsed_ms, (unsigned)r->timeout_ms);
	fprintf(out, "%s\n", line);
	return state;
}

int report_monitoring(FILE *out, const struct obs_result *r, const struct diagnosis *d)
{
	return monitoring_line(out, r, d, NULL);
}

int report_monitoring_name(FILE *out, const struct obs_name *n, const struct name_diagnosis *nd)
{
	if (nd->n <= 1 || n->ntargets <= 1)
		return monitoring_line(out, n->target[0], &nd->name, NULL);
	/* The name-level state; then, for each protocol whose verdict differs between addresses, the
	 * verdict on each address with its family. */
	char extra[1024] = "";
	for (int p = 0; p < PROTO_COUNT; p++) {
		bool differ = false;
		for (size_t i = 1; i < nd->n; i++)
			differ = differ || nd->d[i]->p[p].verdict != nd->d[0]->p[p].verdict ||
				 nd->d[i]->p[p].windows_error != nd->d[0]->p[p].windows_error;
		if (!differ)
			continue;
		fmt_append(extra, sizeof extra, "; %s per address:", proto_table[p].key);
		for (size_t k = 0; k < nd->n; k++) {
			size_t i = nd->order[k];
			const struct proto_verdict *v = &nd->d[i]->p[p];
			char e[16] = "";
			if (v->windows_error)
				error_str(v->windows_error, e, sizeof e);
			fmt_append(extra, sizeof extra, "%s %s %s %s%s%s", k ? "," : "", nd->family[i] == 6 ? "IPv6" : "IPv4",
				   n->name.addrs[i], rules_verdict_name(v->verdict), e[0] ? " " : "", e);
		}
	}
	struct obs_result view = n->name;
	view.probed_addr = (int)nd->order[0];
	return monitoring_line(out, &view, &nd->name, extra);
}
