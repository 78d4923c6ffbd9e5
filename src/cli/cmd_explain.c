/* `vpndiag explain QUERY`: look up or search the knowledge base. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "kb/kb.h"
#include "kb/kb_query.h"
#include "report/report_kb.h"

#define MAX_HITS 10

enum { OPT_JSON = 1000, OPT_LIST, OPT_DATA, OPT_LIMIT };

static const struct cli_option explain_opts[] = {
	{{"json", no_argument, NULL, OPT_JSON}, NULL, "print JSON: {\"query\": ..., \"entries\": [...]}"},
	{{"list", no_argument, NULL, OPT_LIST}, NULL, "list every known code, one per line"},
	{{"data", required_argument, NULL, OPT_DATA}, "DIR", "read the knowledge base from DIR (e.g. data/) instead of the built-in one"},
	{{"limit", required_argument, NULL, OPT_LIMIT}, "N", "at most N results for a word search (default 10)"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_explain_help(FILE *out)
{
	fprintf(out,
		"usage: vpndiag explain [--json] QUERY...\n"
		"       vpndiag explain --list [--json]\n\n"
		"Explains a Windows VPN error offline: what it means, its causes per protocol, steps and fixes.\n"
		"QUERY is any of:\n"
		"  809                    a decimal error number\n"
		"  0x80092013, 80092013   a hex HRESULT (8 hex digits without 0x are read as hex too)\n"
		"  -2146885613            an HRESULT as the event log prints it\n"
		"  ERROR_IPSEC_IKE_AUTH_FAIL  a symbolic name (any case)\n"
		"  \"...The error code returned on failure is 809.\"  a pasted RasClient event\n"
		"  nat traversal          words: a ranked list of matching entries\n\n"
		"Options:\n");
	cli_print_options(out, explain_opts);
	fprintf(out, "\nExit: 0 found, 1 nothing matches, 2 usage error or bad query, 4 internal error.\n");
}

static void print_json(const char *query, struct json_object *entries)
{
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "query", query ? json_object_new_string(query) : NULL);
	json_object_object_add(root, "entries", entries);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

/* Joins the operands with single spaces ("explain nat traversal"). NULL when longer than a query
 * may be (*len then tells how long) or out of memory. */
static char *join_args(int argc, char **argv, size_t *len)
{
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		n += strlen(argv[i]) + 1;
		if (n > KB_QUERY_MAX + 1) {
			*len = n;
			return NULL;
		}
	}
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	size_t off = 0;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]);
		if (i)
			s[off++] = ' ';
		memcpy(s + off, argv[i], k);
		off += k;
	}
	s[off] = '\0';
	*len = off;
	return s;
}

static int explain_not_found(const struct kb *kb, const struct kb_query *q, bool json)
{
	const struct kb_entry *near[3];
	char hex[16];
	kb_code_hex(q->codes[0], hex, sizeof hex);
	size_t n = kb_nearest_codes(kb, q->codes[0], near, 3);
	fprintf(stderr, "vpndiag explain: %u (%s) is not a known Windows VPN error", (unsigned)q->codes[0], hex);
	for (size_t i = 0; i < n; i++) {
		char h[16];
		kb_code_hex(near[i]->code, h, sizeof h);
		if (kb_is_hresult(near[i]->code))
			fprintf(stderr, "%s%s", i ? ", " : "; nearest known: ", h);
		else
			fprintf(stderr, "%s%u", i ? ", " : "; nearest known: ", (unsigned)near[i]->code);
	}
	fputc('\n', stderr);
	if (json)
		print_json(q->text, json_object_new_array());
	return VD_EXIT_NOT_FOUND;
}

static int explain_run(int argc, char **argv);

int cli_explain(int argc, char **argv)
{
	char **args = cli_protect_negatives(&argc, argv, explain_opts);
	if (!args) {
		cli_error("explain", "out of memory");
		return VD_EXIT_INTERNAL;
	}
	int rc = explain_run(argc, args);
	if (args != argv)
		free(args);
	return rc;
}

struct explain_args {
	bool json, list;
	const char *data; /* --data DIR, or NULL for the built-in knowledge base */
	long limit;
};

/* Reads the options into a; the operands start at optind. Returns -1 to go on, or the exit code
 * when the command is done (--help, a usage error). */
static int explain_parse(int argc, char **argv, struct explain_args *a)
{
	int c;
	*a = (struct explain_args){.limit = MAX_HITS};
	optind = 1;
	while ((c = cli_getopt(argc, argv, explain_opts, "explain")) != -1) {
		switch (c) {
		case OPT_JSON: a->json = true; break;
		case OPT_LIST: a->list = true; break;
		case OPT_DATA: a->data = optarg; break;
		case OPT_LIMIT: {
			char *end;
			a->limit = strtol(optarg, &end, 10);
			if (*end || a->limit < 1 || a->limit > 1000) {
				cli_error("explain", "--limit takes a number from 1 to 1000");
				return VD_EXIT_USAGE;
			}
			break;
		}
		case 'h': cli_explain_help(stdout); return VD_EXIT_OK;
		default: return VD_EXIT_USAGE;
		}
	}
	if (!a->list && optind >= argc) {
		cli_error("explain", "give an error number, a symbol or words (try 'vpndiag help explain')");
		return VD_EXIT_USAGE;
	}
	if (a->list && optind < argc) {
		cli_error("explain", "--list takes no query");
		return VD_EXIT_USAGE;
	}
	return -1;
}

/* --list: every entry, one line each (or all of them as JSON). */
static int explain_list(const struct kb *kb, bool json, const struct report_kb_style *st)
{
	if (json) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < kb->n; i++)
			json_object_array_add(a, report_kb_json(&kb->entries[i]));
		print_json(NULL, a);
	} else {
		for (size_t i = 0; i < kb->n; i++)
			report_kb_line(stdout, &kb->entries[i], st);
	}
	return VD_EXIT_OK;
}

/* A word search (or a symbol we do not know: its parts): the ranked hits. */
static int explain_search(const struct kb *kb, const struct kb_query *q, const struct explain_args *a,
			  const struct report_kb_style *st)
{
	struct kb_hit hits[1000];
	size_t n = kb_search_words(kb, q->text, hits, (size_t)a->limit);
	if (n == 0) {
		fprintf(stderr, "vpndiag explain: nothing matches '%s' (try 'vpndiag explain --list')\n", q->text);
		if (a->json)
			print_json(q->text, json_object_new_array());
		return VD_EXIT_NOT_FOUND;
	}
	if (a->json) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, report_kb_json(hits[i].entry));
		print_json(q->text, arr);
	} else {
		printf("%zu match%s for '%s', best first:\n\n", n, n == 1 ? "" : "es", q->text);
		for (size_t i = 0; i < n; i++)
			report_kb_line(stdout, hits[i].entry, st);
		char stem[32];
		kb_code_stem(hits[0].entry->code, stem, sizeof stem);
		printf("\nFor the full entry: vpndiag explain %s\n", stem);
	}
	return VD_EXIT_OK;
}

/* Answers a parsed query: the entry of a code or symbol, else a word search. */
static int explain_answer(const struct kb *kb, const struct kb_query *q, const struct explain_args *a,
			  const struct report_kb_style *st)
{
	const struct kb_entry *found = NULL;
	if (q->kind == KBQ_CODE) {
		for (size_t i = 0; i < q->ncodes && !found; i++)
			found = kb_find_code(kb, q->codes[i]);
		if (!found)
			return explain_not_found(kb, q, a->json);
	} else if (q->kind == KBQ_SYMBOL) {
		found = kb_find_symbol(kb, q->text);
	}
	if (!found)
		return explain_search(kb, q, a, st);
	if (a->json) {
		struct json_object *arr = json_object_new_array();
		json_object_array_add(arr, report_kb_json(found));
		print_json(q->text, arr);
	} else {
		report_kb_text(stdout, kb, found, st);
	}
	return VD_EXIT_OK;
}

/* Joins and parses the operands as one query, then answers it. */
static int explain_query(const struct kb *kb, int argc, char **argv, const struct explain_args *a,
			 const struct report_kb_style *st)
{
	char err[1536];
	size_t qlen = 0;
	char *qs = join_args(argc, argv, &qlen);
	struct kb_query *q = malloc(sizeof *q);
	int rc;
	if (!qs || !q) {
		if (qlen > KB_QUERY_MAX)
			cli_error("explain", "query is longer than %u bytes", KB_QUERY_MAX);
		else
			cli_error("explain", "out of memory");
		rc = qlen > KB_QUERY_MAX ? VD_EXIT_USAGE : VD_EXIT_INTERNAL;
	} else if (kb_query_parse(qs, qlen, q, err, sizeof err) != 0) {
		cli_error("explain", "%s", err);
		rc = VD_EXIT_USAGE;
	} else {
		rc = explain_answer(kb, q, a, st);
	}
	free(qs);
	free(q);
	return rc;
}

static int explain_run(int argc, char **argv)
{
	struct explain_args a;
	int rc = explain_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;

	struct kb kb;
	char err[1536];
	if (kb_load(&kb, a.data, err, sizeof err) != 0) {
		cli_error("explain", "%s", err);
		return a.data ? VD_EXIT_USAGE : VD_EXIT_INTERNAL;
	}
	struct report_kb_style st = {.colour = !a.json && cli_use_colour(stdout), .width = 78};
	if (a.list)
		rc = explain_list(&kb, a.json, &st);
	else
		rc = explain_query(&kb, argc - optind, argv + optind, &a, &st);
	kb_free(&kb);
	return rc;
}
