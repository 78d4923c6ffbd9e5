/* `vpndiag local` (Windows; issue 15): this PC's VPN connections, registry values, services and
 * recent errors, with findings; with --probe (and `vpndiag` with no arguments) each connection's
 * server is probed with that connection's own protocols, and the probe's NAT and registry findings
 * feed the local rules (local/local_rules.h). `vpndiag fix` (cmd_fix.c) runs the same diagnosis,
 * through cli_local_diagnose. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/local_run.h"
#include "crypto/certcheck.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "net/net.h"
#include "profile/profile.h"
#include "report/report_local.h"
#include "report/report_probe.h"
#include "rules/rules.h"
#include "util/exit.h"
#include "util/fmt.h"
#include "util/inet.h"
#include "util/secret.h"

enum { OPT_JSON = 1300, OPT_PROBE, OPT_DAYS, OPT_EVENTS_FILE, OPT_PBK, OPT_PSK_FILE, OPT_TIMEOUT };

static const struct cli_option local_opts[] = {
	{{"probe", no_argument, NULL, OPT_PROBE}, NULL, "also probe each connection's server with its own protocols"},
	{{"json", no_argument, NULL, OPT_JSON}, NULL, "JSON (schema docs/local-json.md)"},
	{{"days", required_argument, NULL, OPT_DAYS}, "N", "RasClient errors of the last N days (1-365, default 7)"},
	{{"events-file", required_argument, NULL, OPT_EVENTS_FILE}, "FILE", "read the events from FILE (wevtutil qe ... /f:xml) instead of the Application log"},
	{{"pbk", required_argument, NULL, OPT_PBK}, "FILE", "read this phonebook instead of the user's and all users' (at most 2)"},
	{{"psk-file", required_argument, NULL, OPT_PSK_FILE}, "FILE", "with --probe: the L2TP pre-shared key (first line)"},
	{{"timeout", required_argument, NULL, OPT_TIMEOUT}, "SECONDS", "with --probe: the bound per server (default 10)"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_local_help(FILE *out)
{
	fprintf(out, "usage: vpndiag local [--probe] [--json] [--days N] [--events-file FILE] [--pbk FILE]\n\n"
		     "Reads this PC's side of its VPN connections, without changing anything and without\n"
		     "elevation: the connections of the phonebooks, the registry values the knowledge base\n"
		     "cites (AssumeUDPEncapsulationContextOnSendRule, NegotiateDH2048_AES256, ProhibitIpSec...),\n"
		     "the IKEEXT, PolicyAgent, BFE, RasMan and SstpSvc services, and the errors Windows logged\n"
		     "(RasClient event 20227). With --probe each connection's server is probed as `probe` does,\n"
		     "with the connection's own protocols. `vpndiag` with no arguments is `vpndiag local --probe`.\n\n");
	cli_print_options(out, local_opts);
	fprintf(out, "\nExit codes: 0 nothing wrong found, 1 a failure found, 2 usage error, 4 internal error.\n");
}

/* ---- the diagnosis shared with `fix` ---- */
static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	uint32_t n = 0;
	if (!*s || strlen(s) > 6)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (uint32_t)(*s - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

int cli_local_parse(int argc, char **argv, const char *cmd, const struct cli_option *extra, struct local_args *a)
{
	struct cli_option opts[16];
	size_t n = 0;
	for (const struct cli_option *o = local_opts; o->opt.name && n < 15; o++)
		opts[n++] = *o;
	for (const struct cli_option *o = extra; o && o->opt.name && n < 15; o++)
		opts[n++] = *o;
	memset(&opts[n], 0, sizeof opts[n]);
	a->days = 7;
	a->timeout_ms = 10000;
	optind = 1;
	int c;
	while ((c = cli_getopt(argc, argv, opts, cmd)) != -1) {
		uint32_t v;
		switch (c) {
		case OPT_JSON: a->json = true; break;
		case OPT_PROBE: a->probe = true; break;
		case OPT_DAYS:
			if (parse_u32(optarg, 1, 365, &a->days) != 0) {
				cli_error(cmd, "--days takes 1 to 365");
				return VD_EXIT_USAGE;
			}
			break;
		case OPT_TIMEOUT:
			if (parse_u32(optarg, 1, 300, &v) != 0) {
				cli_error(cmd, "--timeout takes 1 to 300 seconds");
				return VD_EXIT_USAGE;
			}
			a->timeout_ms = v * 1000;
			break;
		case OPT_EVENTS_FILE: a->events_file = optarg; break;
		case OPT_PBK:
			if (a->npbk >= 2) {
				cli_error(cmd, "--pbk: at most 2 phonebooks");
				return VD_EXIT_USAGE;
			}
			a->pbk[a->npbk++] = optarg;
			break;
		case OPT_PSK_FILE: a->psk_file = optarg; break;
		case 'h': return -2;
		case '?': return VD_EXIT_USAGE;
		default:
			if (a->extra_opt && a->extra_opt(a, c) == 0)
				break;
			return VD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error(cmd, "unexpected argument '%s' (try 'vpndiag help %s')", argv[optind], cmd);
		return VD_EXIT_USAGE;
	}
	return -1;
}

/* The probe's protocol bits for a connection (its VpnStrategy, or its device). */
static unsigned conn_protocols(const struct pbk_entry *e)
{
	const char *p[4];
	unsigned bits = 0;
	size_t n = pbk_entry_protocols(e, p);
	for (size_t i = 0; i < n; i++) {
		int k = proto_index(p[i]);
		if (k >= 0)
			bits |= proto_table[k].bit;
	}
	return bits;
}

/* What the local rules need from one probe (local_rules.h): NAT, and the fixes that are registry
 * commands on this PC. */
static void probe_facts(const struct name_diagnosis *nd, unsigned bits, struct local_probe_facts *f)
{
	const struct diagnosis *d = &nd->name;
	f->probed = true;
	f->nat_client = d->nat_client;
	f->nat_server = d->nat_server;
	int l = proto_index("l2tp");
	f->l2tp_probed = l >= 0 && (bits & proto_table[l].bit) && d->p[l].verdict != VERDICT_NOT_PROBED;
	for (size_t i = 0; i < d->nf; i++)
		for (size_t k = 0; k < d->f[i].nfixes && f->nreg_fix < 4; k++) {
			struct fix_action a;
			if (!fix_from_command(d->f[i].fixes[k].command, &a))
				continue;
			fmt_into(a.cause, sizeof a.cause, "%s", d->f[i].cause);
			fmt_into(a.why, sizeof a.why, "%s", d->f[i].summary);
			f->reg_fix_error[f->nreg_fix] = d->f[i].windows_error;
			f->reg_fix[f->nreg_fix++] = a;
			break; /* the finding's first registry fix is its client change */
		}
}

static int probe_all(struct local_run *run, const struct local_args *a, char *err, size_t errlen)
{
	struct local_pc *pc = &run->pc;
	run->probes = calloc(pc->nconns ? pc->nconns : 1, sizeof *run->probes);
	run->facts = calloc(pc->nconns ? pc->nconns : 1, sizeof *run->facts);
	run->profile = calloc(1, sizeof *run->profile);
	if (!run->probes || !run->facts || !run->profile) {
		fmt_into(err, errlen, "out of memory");
		return VD_EXIT_INTERNAL;
	}
	if (a->psk_file && secret_read_file(&run->psk, a->psk_file, a->timeout_ms, err, errlen) != 0)
		return VD_EXIT_USAGE;
	if (profile_choose(NULL, 0, run->profile, err, errlen) != 0)
		return VD_EXIT_INTERNAL;
	run->trust = certcheck_trust_new(NULL, 0, err, errlen);
	if (!run->trust)
		return VD_EXIT_INTERNAL;
	for (size_t i = 0; i < pc->nconns; i++) {
		const struct pbk_entry *e = &pc->conns[i].e;
		struct local_conn_probe *p = &run->probes[i];
		unsigned bits = conn_protocols(e);
		if (!local_conn_is_vpn(&pc->conns[i]) || e->nservers == 0 || !bits)
			continue;
		if (net_host_classify(e->servers[0]) == NET_HOST_INVALID) {
			fmt_into(p->err, sizeof p->err, "'%s': %s", e->servers[0], net_host_invalid_reason(e->servers[0]));
			continue;
		}
		p->n = calloc(1, sizeof *p->n);
		p->nd = calloc(1, sizeof *p->nd);
		if (!p->n || !p->nd) {
			fmt_into(err, errlen, "out of memory");
			return VD_EXIT_INTERNAL;
		}
		/* The L2TP key: --psk-file for every connection; else the one Windows stores for this
		 * connection, read only when elevated and only for this probe (wiped after it) */
		struct secret own = {NULL, 0};
		const struct secret *psk = &run->psk;
		int l2 = proto_index("l2tp");
		if (!run->psk.p && l2 >= 0 && (bits & proto_table[l2].bit)) {
			char why[300];
			if (run->pc.elevated != 1)
				fmt_into(p->psk_note, sizeof p->psk_note, "the pre-shared key was not checked: run elevated (Windows then hands out the stored key) or give --psk-file");
			else if (local_conn_psk(&run->pc, &pc->conns[i], &own, why, sizeof why) != 0)
				fmt_into(p->psk_note, sizeof p->psk_note, "the pre-shared key was not checked: %s; give --psk-file", why);
			else {
				fmt_into(p->psk_note, sizeof p->psk_note, "the pre-shared key Windows stores for this connection was checked");
				psk = &own;
			}
		} else if (run->psk.p && l2 >= 0 && (bits & proto_table[l2].bit)) {
			fmt_into(p->psk_note, sizeof p->psk_note, "the pre-shared key of --psk-file was checked");
		}
		struct engine_opts o = {.host = e->servers[0], .family = AF_UNSPEC, .protocols = bits,
					.timeout_ms = a->timeout_ms, .trust = run->trust, .profile = run->profile,
					.psk = psk->p, .psk_len = psk->len, .drop_privileges = false};
		int erc = engine_run_name(&o, p->n, p->err, sizeof p->err);
		secret_wipe(&own);
		if (erc != 0)
			continue;
		p->n->name.timeout_ms = a->timeout_ms;
		for (size_t t = 0; t < p->n->ntargets; t++)
			p->n->target[t]->timeout_ms = a->timeout_ms;
		if (rules_name_evaluate(p->n, p->nd) != 0) {
			fmt_into(err, errlen, "out of memory");
			return VD_EXIT_INTERNAL;
		}
		p->done = true;
		probe_facts(p->nd, bits, &run->facts[i]);
	}
	return 0;
}

int cli_local_diagnose(const char *cmd, const struct local_args *a, struct local_run *run)
{
	char err[400];
	struct local_event_source file_src = local_event_file;
	file_src.ctx = (void *)a->events_file;
	struct local_opts o = {.events = a->events_file ? &file_src : NULL, .pbk_paths = a->pbk, .npbk_paths = a->npbk,
			       .days = a->days};
	if (local_collect(&run->pc, &o, err, sizeof err) != 0) {
		cli_error(cmd, "%s", err);
		return VD_EXIT_INTERNAL;
	}
	if (a->probe) {
		int rc = probe_all(run, a, err, sizeof err);
		if (rc) {
			cli_error(cmd, "%s", err);
			return rc;
		}
	}
	local_rules(&run->pc, run->facts, &run->diag);
	return 0;
}

void cli_local_free(struct local_run *run)
{
	for (size_t i = 0; run->probes && i < run->pc.nconns; i++) {
		if (run->probes[i].n)
			obs_name_free(run->probes[i].n);
		if (run->probes[i].nd)
			rules_name_free(run->probes[i].nd);
		free(run->probes[i].n);
		free(run->probes[i].nd);
	}
	free(run->probes);
	free(run->facts);
	free(run->profile);
	certcheck_trust_free(run->trust);
	secret_wipe(&run->psk);
	local_pc_free(&run->pc);
	memset(run, 0, sizeof *run);
}

/* 1 when a finding is a failure (or a probed protocol the connection uses fails), else 0. */
int cli_local_exit(const struct local_run *run)
{
	for (size_t i = 0; i < run->diag.n; i++)
		if (run->diag.f[i].sev == LOCAL_FAILURE)
			return VD_EXIT_NOT_FOUND;
	for (size_t i = 0; run->probes && i < run->pc.nconns; i++)
		if (run->probes[i].done && run->probes[i].nd->name.exit_code == VD_EXIT_NOT_FOUND)
			return VD_EXIT_NOT_FOUND;
	return VD_EXIT_OK;
}

static void render(const struct local_args *a, const struct local_run *run, const struct kb *kb)
{
	const struct local_pc *pc = &run->pc;
	if (a->json) {
		json_object *j = report_local_json(pc, &run->diag, kb);
		if (a->probe) {
			json_object *arr = json_object_new_array();
			for (size_t i = 0; i < pc->nconns; i++) {
				const struct local_conn_probe *p = &run->probes[i];
				if (!p->done && !p->err[0])
					continue;
				json_object *o = json_object_new_object();
				json_object_object_add(o, "connection", json_object_new_string(pc->conns[i].e.name));
				json_object_object_add(o, "server", json_object_new_string(pc->conns[i].e.servers[0]));
				json_object_object_add(o, "error", p->err[0] ? json_object_new_string(p->err) : NULL);
				json_object_object_add(o, "psk", p->psk_note[0] ? json_object_new_string(p->psk_note) : NULL);
				json_object_object_add(o, "probe", p->done ? report_json_name(p->n, p->nd, kb, false) : NULL);
				json_object_array_add(arr, o);
			}
			json_object_object_add(j, "probes", arr);
		}
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		return;
	}
	bool colour = cli_use_colour(stdout);
	report_local_text(stdout, pc, &run->diag, kb, colour);
	for (size_t i = 0; a->probe && i < pc->nconns; i++) {
		const struct local_conn_probe *p = &run->probes[i];
		if (!p->done && !p->err[0])
			continue;
		printf("\nConnection \"%s\": the server %s, probed with the connection's protocols\n", pc->conns[i].e.name,
		       pc->conns[i].e.servers[0]);
		if (p->psk_note[0])
			printf("  (%s)\n", p->psk_note);
		if (p->done)
			report_text_name(stdout, p->n, p->nd, kb, colour);
		else
			printf("  not probed: %s\n", p->err);
	}
}

int cli_local(int argc, char **argv)
{
	struct local_args a = {0};
	int rc = cli_local_parse(argc, argv, "local", NULL, &a);
	if (rc == -2) {
		cli_local_help(stdout);
		return VD_EXIT_OK;
	}
	if (rc >= 0)
		return rc;
	struct local_run run = {0};
	rc = cli_local_diagnose("local", &a, &run);
	if (rc == 0) {
		struct kb kb;
		char err[300];
		bool have_kb = kb_load_builtin(&kb, err, sizeof err) == 0;
		if (!have_kb)
			cli_error("local", "knowledge base: %s (error titles left out)", err);
		render(&a, &run, have_kb ? &kb : NULL);
		fflush(stdout);
		if (have_kb)
			kb_free(&kb);
		rc = cli_local_exit(&run);
	}
	cli_local_free(&run);
	return rc;
}
