/* `vpndiag scan --deep` (cli/scan_deep.h). */
#include "cli/scan_deep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "crypto/certcheck.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "net/http.h"
#include "report/report_probe.h"
#include "rules/rules.h"
#include "util/exit.h"
#include "util/file.h"
#include "util/fmt.h"

#define DEEP_CA_FILE_MAX (32u << 20) /* as `probe --ca-file` */
#define DEEP_READ_MS 10000u          /* reading the key / CA file */
#define DEEP_LINES 4                 /* lines per address: ikev2, l2tp, sstp, pptp */

struct scan_deep_item {
	char host[NET_ADDRSTRLEN];
	char *line[DEEP_LINES];
	size_t nlines;
};

int scan_deep_begin(struct scan_deep *d)
{
	char err[400];
	if (d->ca_file &&
	    file_read_bounded(d->ca_file, DEEP_CA_FILE_MAX, DEEP_READ_MS, 0, &d->ca_pem, &d->ca_pem_len, err, sizeof err) != 0) {
		cli_error("scan", "--ca-file: %s", err);
		return VD_EXIT_USAGE;
	}
	if (d->psk_file ? secret_read_file(&d->psk, d->psk_file, DEEP_READ_MS, err, sizeof err) != 0
			: secret_from_env(&d->psk, "VPNDIAG_PSK", err, sizeof err) < 0) {
		cli_error("scan", "%s", err);
		return VD_EXIT_USAGE;
	}
	d->trust = certcheck_trust_new(d->ca_pem, d->ca_pem_len, err, sizeof err);
	if (!d->trust) {
		cli_error("scan", "%s%s", d->ca_pem ? "--ca-file: " : "", err);
		return d->ca_pem ? VD_EXIT_USAGE : VD_EXIT_INTERNAL;
	}
	if (pthread_mutex_init(&d->mu, NULL) != 0) {
		cli_error("scan", "no mutex");
		return VD_EXIT_INTERNAL;
	}
	d->mu_init = true;
	return 0;
}

void scan_deep_add(void *ctx, const struct net_addr *a, unsigned proto, const char *line)
{
	struct scan_deep *d = ctx;
	char host[NET_ADDRSTRLEN];
	(void)proto;
	net_addr_str(a, host, sizeof host);
	struct scan_deep_item *it = NULL;
	for (size_t i = d->nitems; i-- > 0 && !it;) /* the same address answers both protocols close together */
		if (strcmp(d->items[i]->host, host) == 0)
			it = d->items[i];
	if (!it) {
		if (d->nitems == d->capitems) {
			size_t nc = d->capitems ? d->capitems * 2 : 64;
			struct scan_deep_item **n = realloc(d->items, nc * sizeof *n);
			if (!n)
				return;
			d->items = n;
			d->capitems = nc;
		}
		if (!(it = calloc(1, sizeof *it)))
			return;
		fmt_into(it->host, sizeof it->host, "%s", host);
		d->items[d->nitems++] = it;
	}
	if (it->nlines < DEEP_LINES)
		it->line[it->nlines++] = strdup(line);
}

/* One address's lines, with the probe's verdicts (under d->mu). */
static void print_item(struct scan_deep *d, const struct scan_deep_item *it, const struct obs_name *n,
		       const struct name_diagnosis *nd, const struct kb *kb, const char *fail)
{
	json_object *protos = NULL, *rep = NULL;
	if (d->json && !fail) {
		rep = report_json_name(n, nd, kb, false);
		if (!json_object_object_get_ex(rep, "protocols", &protos))
			protos = NULL;
	}
	for (size_t i = 0; i < it->nlines; i++) {
		if (!it->line[i])
			continue;
		if (!d->json) {
			fprintf(d->out, "%s\n", it->line[i]);
			continue;
		}
		json_object *j = json_tokener_parse(it->line[i]);
		if (!j)
			continue;
		json_object_object_add(j, "probe", protos ? json_object_get(protos) : NULL);
		if (fail)
			json_object_object_add(j, "probe_error", json_object_new_string(fail));
		fprintf(d->out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	}
	if (!d->json) {
		if (fail)
			fprintf(d->out, "  probe %s: %s\n", it->host, fail);
		for (int p = 0; !fail && p < PROTO_COUNT; p++) {
			const struct proto_verdict *v = &nd->name.p[p];
			char e[16] = "-";
			if (v->windows_error)
				snprintf(e, sizeof e, "%" PRIu32, v->windows_error);
			fprintf(d->out, "  probe %-39s %-11s %-10s %-6s %-28s %s\n", it->host, proto_table[p].key,
				rules_verdict_name(v->verdict), e, v->cause[0] ? v->cause : "-", v->summary);
		}
	}
	fflush(d->out);
	if (rep)
		json_object_put(rep);
}

static void *worker(void *arg)
{
	struct scan_deep *d = arg;
	struct kb kb;
	char err[300];
	bool have_kb = kb_load_builtin(&kb, err, sizeof err) == 0;
	for (;;) {
		pthread_mutex_lock(&d->mu);
		struct scan_deep_item *it = d->next < d->nitems ? d->items[d->next++] : NULL;
		pthread_mutex_unlock(&d->mu);
		if (!it)
			break;
		struct engine_opts o = {.host = it->host, .family = AF_UNSPEC, .protocols = KB_P_ALL,
					.timeout_ms = d->timeout_ms, .ca_file = d->ca_file, .ca_pem = d->ca_pem,
					.ca_pem_len = d->ca_pem_len, .trust = d->trust, .profile = d->profile,
					.psk = d->psk.p, .psk_len = d->psk.len,
					/* the scan keeps its privileges: several runs share the process */
					.drop_privileges = false};
		struct obs_name *n = calloc(1, sizeof *n);
		struct name_diagnosis *nd = calloc(1, sizeof *nd);
		const char *fail = NULL;
		if (!n || !nd)
			fail = "out of memory";
		else if (engine_run_name(&o, n, err, sizeof err) != 0)
			fail = err;
		else if (rules_name_evaluate(n, nd) != 0)
			fail = "out of memory";
		pthread_mutex_lock(&d->mu);
		print_item(d, it, n, nd, have_kb ? &kb : NULL, fail);
		pthread_mutex_unlock(&d->mu);
		if (n)
			obs_name_free(n);
		if (nd)
			rules_name_free(nd); /* after rules_name_evaluate, whatever it returned */
		free(n);
		free(nd);
	}
	if (have_kb)
		kb_free(&kb);
	return NULL;
}

void scan_deep_finish(struct scan_deep *d)
{
	unsigned want = d->jobs < d->nitems ? d->jobs : (unsigned)d->nitems;
	bool http = net_http_global_init() == 0; /* libcurl's global state, once before the threads */
	if (!http)
		want = 0; /* probe here, one at a time */
	for (d->nth = 0; d->nth < want; d->nth++)
		if (pthread_create(&d->th[d->nth], NULL, worker, d) != 0)
			break;
	if (d->nth == 0 && d->nitems) /* no thread: probe here, one at a time */
		worker(d);
	for (unsigned i = 0; i < d->nth; i++)
		pthread_join(d->th[i], NULL);
	d->nth = 0;
	if (http)
		net_http_global_cleanup();
}

void scan_deep_free(struct scan_deep *d)
{
	for (size_t i = 0; i < d->nitems; i++) {
		for (size_t k = 0; k < d->items[i]->nlines; k++)
			free(d->items[i]->line[k]);
		free(d->items[i]);
	}
	free(d->items);
	d->items = NULL;
	d->nitems = d->capitems = 0;
	secret_wipe(&d->psk);
	free(d->ca_pem);
	d->ca_pem = NULL;
	certcheck_trust_free(d->trust);
	d->trust = NULL;
	if (d->mu_init)
		pthread_mutex_destroy(&d->mu);
	d->mu_init = false;
}
