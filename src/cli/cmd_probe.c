/* `vpndiag probe HOST`: probe a VPN server the way the Windows built-in client would and say, per
 * protocol, whether it works, fails (with the Windows error and the fix) or is undecided. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "net/sys.h"
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/probe_html.h"
#include "crypto/certcheck.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "report/report_probe.h"
#include "rules/rules.h"
#include "util/file.h"
#include "util/fmt.h"
#include "util/secret.h"

enum { OPT_PROTOCOLS = 1000, OPT_TIMEOUT, OPT_JSON, OPT_MONITORING, OPT_VERBOSE, OPT_PSK_FILE, OPT_CA_FILE };
enum { OPT_RUN_AS = 1099 }; /* --run-as: privileges (net/priv.h) */
enum { OPT_EAP_USER = 1120, OPT_PASSWORD_FILE }; /* the VPN user's credentials (IKEv2 EAP-MSCHAPv2) */
enum { OPT_PROFILE = 1110, OPT_LIST_PROFILES }; /* the client profile (profile/profile.h) */
enum { OPT_HTML = 1130, OPT_WIKI_URL }; /* the HTML report (cli/probe_html.h) */

static const struct cli_option probe_opts[] = {
	{{"ipv4", no_argument, NULL, '4'}, NULL, "use IPv4 only (A records)"},
	{{"ipv6", no_argument, NULL, '6'}, NULL, "use IPv6 only (AAAA records)"},
	{{"protocols", required_argument, NULL, OPT_PROTOCOLS}, "LIST", "comma list of protocols, named as in the table above (default: all)"},
	{{"timeout", required_argument, NULL, OPT_TIMEOUT}, "SECONDS", "bound on the whole diagnosis, >0 and <=300 (default 10)"},
	{{"json", no_argument, NULL, OPT_JSON}, NULL, "print the report as JSON (schema vpndiag/1, docs/json.md)"},
	{{"monitoring", no_argument, NULL, OPT_MONITORING}, NULL, "one Nagios/Icinga status line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
	{{"verbose", no_argument, NULL, OPT_VERBOSE}, NULL, "also list the packets sent and received, in order"},
	{{"psk-file", required_argument, NULL, OPT_PSK_FILE}, "PATH", "the IPsec pre-shared key, first line of PATH ('-' = stdin); or set VPNDIAG_PSK. Never on the command line"},
	{{"ca-file", required_argument, NULL, OPT_CA_FILE}, "PATH", "PEM roots the clients trust, instead of the system store"},
	{{"profile", required_argument, NULL, OPT_PROFILE}, "NAME|PATH", "the Windows client to be: a built-in profile (default windows-10), or a profile file (a path, with '/' or '.') that replaces its IKEv2 or its L2TP/IPsec part; give it twice to replace both"},
	{{"list-profiles", no_argument, NULL, OPT_LIST_PROFILES}, NULL, "list the built-in profiles, one a line (name, what it covers, description), and exit"},
	{{"user", required_argument, NULL, OPT_EAP_USER}, "NAME", "the VPN user name (as typed in Windows, DOMAIN\\user or user): IKEv2 then signs in with EAP-MSCHAPv2 as Windows does; needs --password-file"},
	{{"password-file", required_argument, NULL, OPT_PASSWORD_FILE}, "PATH", "the VPN user's password, first line of PATH ('-' = stdin); or set VPNDIAG_PASSWORD. Never on the command line"},
	{{"run-as", required_argument, NULL, OPT_RUN_AS}, "NAME", "when run as root: the user to become once the raw sockets are open (default nobody)"},
	{{"html", required_argument, NULL, OPT_HTML}, "FILE", "also write the report as one self-contained HTML page to FILE (atomically); '-': the page on stdout instead of the text report"},
	{{"wiki-url", required_argument, NULL, OPT_WIKI_URL}, "URL", "with --html: where the error wiki lives (vpndiag wiki build), for the links to its articles (default: relative, errors/CODE.html)"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_probe_help(FILE *out)
{
	fprintf(out,
		"usage: vpndiag probe HOST [-4|-6] [--protocols LIST] [--timeout SECONDS]\n"
		"                          [--json | --monitoring] [--verbose]\n"
		"                          [--psk-file PATH] [--ca-file PATH] [--run-as NAME]\n"
		"                          [--user NAME --password-file PATH]\n"
		"                          [--profile NAME|PATH]... [--html FILE|- [--wiki-url URL]]\n"
		"       vpndiag probe --list-profiles\n\n"
		"Probes the VPN server HOST (a name, an IPv4 or an IPv6 address) as the Windows built-in\n"
		"client would and reports, per protocol, a verdict:\n"
		"  works       every step Windows takes was checked and passed\n"
		"  fails       with the Windows error the client would show, the cause, evidence and the fix\n"
		"  unknown     reachable so far, but not every step could be checked (says what is missing)\n"
		"  not probed  no probe for this protocol yet, or not selected\n"
		"Probes of all protocols run at once; the whole diagnosis never takes longer than --timeout.\n"
		"Traffic: IKE_SA_INIT to UDP 500 and (behind the non-ESP marker) UDP 4500 from ephemeral ports.\n\n"
		"Protocols:\n");
	for (int i = 0; i < PROTO_COUNT; i++) {
		char ports[40] = "";
		for (int k = 0; k < PROTO_MAX_PORTS && proto_table[i].ports[k]; k++)
			fmt_append(ports, sizeof ports, "%s%u", k ? ", " : "", (unsigned)proto_table[i].ports[k]);
		fprintf(out, "  %-11s %-11s ports %s%s\n", proto_table[i].key, proto_table[i].title, ports,
			proto_table[i].preference == PROTO_NEVER ? " (never recommended)" : "");
	}
	fprintf(out, "\nOptions:\n");
	cli_print_options(out, probe_opts);
	fprintf(out,
		"\nExit codes: 0 every probed protocol works; 1 a protocol fails; 2 bad input: an invalid\n"
		"address, --timeout, protocol name, or a name that does not resolve (reported as 868);\n"
		"3 no protocol failed but at least one is undecided; 4 internal error.\n"
		"With --monitoring: 0 OK (no protocol fails, every check made passed), 1 WARNING (a warning\n"
		"finding), 2 CRITICAL (a protocol fails), 3 UNKNOWN (undecided, nothing probed, or a usage\n"
		"error). See docs/json.md.\n");
}

static int parse_protocols(const char *list, unsigned *out)
{
	char buf[128];
	size_t len = strlen(list);
	if (len == 0 || len >= sizeof buf) {
		cli_error("probe", "--protocols takes a comma list of %s", proto_keys_list());
		return -1;
	}
	memcpy(buf, list, len + 1);
	*out = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int idx = proto_index(t);
		if (idx < 0) {
			cli_error("probe", "unknown protocol '%s' (known: %s)", t, proto_keys_list());
			return -1;
		}
		*out |= proto_table[idx].bit;
	}
	if (!*out) {
		cli_error("probe", "--protocols takes a comma list of %s", proto_keys_list());
		return -1;
	}
	return 0;
}

static int parse_timeout(const char *s, uint32_t *ms)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v <= 0 || v > 300) {
		cli_error("probe", "--timeout takes seconds, more than 0 and at most 300 (got '%s')", s);
		return -1;
	}
	double m = v * 1000.0;
	*ms = m < 1 ? 1 : (uint32_t)m;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A CA bundle of a few thousand roots is a few MB of PEM; past this it is not a trust store. */
#define CA_FILE_MAX (32u << 20)

struct probe_secrets {
	struct secret psk, password; /* wiped on every path (cli_probe) */
};
static int probe_run(int argc, char **argv, struct probe_secrets *sec, uint8_t **ca_pem, size_t *ca_pem_len);

/* --profile: at most one built-in name and one file per part. The choice is large (two profiles),
 * so it lives here, filled once per process before the run. */
#define MAX_PROFILE_ARGS 3
static struct profile_choice probe_profile;

/* --list-profiles: one line per built-in profile: its name (and aliases), what it covers, its title. */
static int list_profiles(void)
{
	struct profile_index *idx = calloc(1, sizeof *idx);
	char err[300], names[160], covers[160];
	if (!idx || profile_index_builtin(idx, err, sizeof err) != 0) {
		cli_error("probe", "%s", idx ? err : "out of memory");
		free(idx);
		return VD_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < idx->n; i++) {
		const struct profile_client *c = &idx->c[i];
		size_t n = (size_t)snprintf(names, sizeof names, "%s", c->name);
		for (size_t j = 0; j < c->naliases && n < sizeof names; j++)
			n += (size_t)snprintf(names + n, sizeof names - n, ", %s", c->aliases[j]);
		snprintf(covers, sizeof covers, "IKEv2 (%s), L2TP/IPsec (%s)", c->ikev2, c->l2tp);
		printf("%-12s %-48s %s%s\n", names, covers, c->title, i == 0 ? " [default]" : "");
	}
	free(idx);
	return VD_EXIT_OK;
}

int cli_probe(int argc, char **argv)
{
	struct probe_secrets sec = {{NULL, 0}, {NULL, 0}};
	uint8_t *ca_pem = NULL;
	size_t ca_pem_len = 0;
	int rc = probe_run(argc, argv, &sec, &ca_pem, &ca_pem_len);
	secret_wipe(&sec.psk); /* on every path */
	secret_wipe(&sec.password);
	free(ca_pem);
	return rc;
}

/* What the command line asked for. */
struct probe_args {
	const char *host, *psk_file, *ca_file, *run_as, *eap_user, *password_file;
	int family;
	unsigned protocols;
	uint32_t timeout_ms;
	bool json, monitoring, verbose, list;
	const char *profiles[MAX_PROFILE_ARGS];
	size_t nprofiles;
	int usage; /* the exit code of a usage error: 2, or 3 (UNKNOWN) in monitoring mode */
	const char *html, *wiki_url; /* --html FILE|-, --wiki-url URL */
};

/* Parses argv into *a. Returns -1 to go on, or the exit code to end with (help printed, or a usage
 * error said). */
static int parse_args(int argc, char **argv, struct probe_args *a)
{
	bool v4 = false, v6 = false;
	int c;
	*a = (struct probe_args){.family = AF_UNSPEC, .protocols = KB_P_ALL, .timeout_ms = 10000};
	/* Monitoring mode changes the usage exit code, so look for it first. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--monitoring") == 0)
			a->monitoring = true;
	a->usage = a->monitoring ? VD_MON_UNKNOWN : VD_EXIT_USAGE;
	optind = 1;
	while ((c = cli_getopt(argc, argv, probe_opts, "probe")) != -1) {
		switch (c) {
		case '4': v4 = true; a->family = AF_INET; break;
		case '6': v6 = true; a->family = AF_INET6; break;
		case OPT_PROTOCOLS:
			if (parse_protocols(optarg, &a->protocols) != 0)
				return a->usage;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &a->timeout_ms) != 0)
				return a->usage;
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_MONITORING: a->monitoring = true; break;
		case OPT_VERBOSE: a->verbose = true; break;
		case OPT_PSK_FILE: a->psk_file = optarg; break;
		case OPT_CA_FILE: a->ca_file = optarg; break;
		case OPT_RUN_AS: a->run_as = optarg; break;
		case OPT_EAP_USER: a->eap_user = optarg; break;
		case OPT_PASSWORD_FILE: a->password_file = optarg; break;
		case OPT_PROFILE:
			if (a->nprofiles >= MAX_PROFILE_ARGS) {
				cli_error("probe", "--profile: at most one built-in name and one file per part");
				return a->usage;
			}
			a->profiles[a->nprofiles++] = optarg;
			break;
		case OPT_LIST_PROFILES: a->list = true; break;
		case OPT_HTML: a->html = optarg; break;
		case OPT_WIKI_URL: a->wiki_url = optarg; break;
		case 'h': cli_probe_help(stdout); return VD_EXIT_OK;
		default: return a->usage;
		}
	}
	if (a->list)
		return -1;
	if (v4 && v6) {
		cli_error("probe", "-4 and -6 exclude each other");
		return a->usage;
	}
	if (a->json && a->monitoring) {
		cli_error("probe", "--json and --monitoring exclude each other");
		return a->usage;
	}
	if (cli_probe_html_args(a->html, a->wiki_url, a->json, a->monitoring) != 0)
		return a->usage;
	if (a->eap_user && (!a->eap_user[0] || strlen(a->eap_user) > 255)) {
		cli_error("probe", "--user takes the VPN user name (1 to 255 bytes)");
		return a->usage;
	}
	if (a->password_file && !a->eap_user) {
		cli_error("probe", "--password-file is the password of --user NAME: give both");
		return a->usage;
	}
	if (optind >= argc) {
		cli_error("probe", "give the VPN server's name or address (try 'vpndiag help probe')");
		return a->usage;
	}
	if (argc - optind > 1) {
		cli_error("probe", "one server at a time (got '%s' and '%s')", argv[optind], argv[optind + 1]);
		return a->usage;
	}
	a->host = argv[optind];
	enum net_host_kind kind = net_host_classify(a->host);
	if (kind == NET_HOST_INVALID) {
		cli_error("probe", "'%s': %s", a->host, net_host_invalid_reason(a->host));
		return a->usage;
	}
	if ((kind == NET_HOST_IPV4 && a->family == AF_INET6) || (kind == NET_HOST_IPV6 && a->family == AF_INET)) {
		cli_error("probe", "'%s' is an IPv%d address, but %s was given", a->host, kind == NET_HOST_IPV4 ? 4 : 6,
			  a->family == AF_INET ? "-4" : "-6");
		return a->usage;
	}
	return -1;
}

/* Every input file is read once, here, before any probe runs: bounded in size, and in time by the
 * run's own --timeout (a FIFO nobody writes to is an error, not a hang): the CA bundle (and the
 * trust store built from it), the key, the --profile files. Sets o->timeout_ms to what is left.
 * Returns 0, or an exit code (the error said). *trust is the caller's to free either way. */
static int read_inputs(const struct probe_args *a, struct engine_opts *o, struct probe_secrets *sec, uint8_t **ca_pem,
		       size_t *ca_pem_len, struct certcheck_trust **trust)
{
	char err[400];
	uint64_t t0 = mono_ms();
	if (a->ca_file && file_read_bounded(a->ca_file, CA_FILE_MAX, a->timeout_ms, 0, ca_pem, ca_pem_len, err, sizeof err) != 0) {
		cli_error("probe", "--ca-file: %s", err);
		return a->usage;
	}
	/* The key: from --psk-file, else from VPNDIAG_PSK (taken out of the environment at once). */
	uint32_t spent = (uint32_t)(mono_ms() - t0);
	if (a->psk_file ? secret_read_file(&sec->psk, a->psk_file, spent < a->timeout_ms ? a->timeout_ms - spent : 1, err,
					   sizeof err) != 0
			: secret_from_env(&sec->psk, "VPNDIAG_PSK", err, sizeof err) < 0) {
		cli_error("probe", "%s", err);
		return a->usage;
	}
	/* The user's password: from --password-file, else VPNDIAG_PASSWORD (taken out at once, also
	 * without --user, so that it never lingers in the environment). */
	spent = (uint32_t)(mono_ms() - t0);
	if (a->password_file ? secret_read_file(&sec->password, a->password_file,
						spent < a->timeout_ms ? a->timeout_ms - spent : 1, err, sizeof err) != 0
			     : secret_from_env(&sec->password, "VPNDIAG_PASSWORD", err, sizeof err) < 0) {
		cli_error("probe", "--password-file: %s", err);
		return a->usage;
	}
	if (sec->password.p && !a->eap_user) {
		cli_error("probe", "VPNDIAG_PASSWORD is the password of --user NAME: give --user too");
		return a->usage;
	}
	if (a->eap_user && !sec->password.p) {
		cli_error("probe", "--user needs the password: --password-file PATH or VPNDIAG_PASSWORD");
		return a->usage;
	}
	/* The client the probes speak as: built-in parts and --profile files, read and checked here. */
	if (profile_choose(a->profiles, a->nprofiles, &probe_profile, err, sizeof err) != 0) {
		cli_error("probe", "--profile: %s", err);
		return a->usage;
	}
	/* The trust store, built once from the --ca-file bytes (or the system store); every
	 * certificate check of the run reads it. Parsing a large bundle counts against --timeout. */
	*trust = certcheck_trust_new(*ca_pem, *ca_pem_len, err, sizeof err);
	if (!*trust) {
		cli_error("probe", "%s%s", *ca_pem ? "--ca-file: " : "", err);
		return *ca_pem ? a->usage : a->monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	}
	spent = (uint32_t)(mono_ms() - t0);
	if (spent >= a->timeout_ms) {
		cli_error("probe", "reading the input files took the whole --timeout");
		return a->usage;
	}
	*o = (struct engine_opts){.host = a->host, .family = a->family, .protocols = a->protocols,
				  .timeout_ms = a->timeout_ms - spent, .ca_file = a->ca_file, .ca_pem = *ca_pem,
				  .ca_pem_len = *ca_pem_len, .trust = *trust, .psk = sec->psk.p, .psk_len = sec->psk.len,
				  .eap_user = a->eap_user, .password = sec->password.p, .password_len = sec->password.len,
				  .drop_privileges = true, /* every capability, and root for --run-as (net/priv.h) */
				  .user = a->run_as, .profile = &probe_profile};
	return 0;
}

/* Prints the report in the asked form; returns the exit code. A name with several addresses: the
 * name-level verdicts, then each address (report_probe.h); with one, the single-address report. */
static int render(const struct probe_args *a, const struct obs_name *n, const struct name_diagnosis *nd)
{
	struct kb kb;
	char err[300];
	bool have_kb = kb_load_builtin(&kb, err, sizeof err) == 0;
	if (!have_kb)
		cli_error("probe", "knowledge base: %s (error titles left out)", err);
	int rc = nd->name.exit_code;
	if (a->verbose && !a->json) {
		if (!a->monitoring)
			fprintf(stderr, "packets (seconds since start, > sent, < received, ! ICMP error, - ignored):\n");
		report_packets_name(stderr, n);
		if (!a->monitoring)
			fputc('\n', stderr);
	}
	/* --html: the page first (to FILE, or instead of the report on stdout with "-"). */
	bool html_failed = a->html && cli_probe_html(a->html, a->wiki_url, n, nd, have_kb ? &kb : NULL) != 0;
	if (a->html && strcmp(a->html, "-") == 0) {
		/* the page was the report */
	} else if (a->monitoring) {
		rc = report_monitoring_name(stdout, n, nd);
	} else if (a->json) {
		struct json_object *j = report_json_name(n, nd, have_kb ? &kb : NULL, a->verbose);
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		report_text_name(stdout, n, nd, have_kb ? &kb : NULL, cli_use_colour(stdout));
	}
	fflush(stdout);
	if (html_failed)
		rc = a->monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	if (have_kb)
		kb_free(&kb);
	return rc;
}

static int probe_run(int argc, char **argv, struct probe_secrets *sec, uint8_t **ca_pem, size_t *ca_pem_len)
{
	struct probe_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.list)
		return list_profiles();
	struct engine_opts o;
	struct certcheck_trust *trust = NULL;
	rc = read_inputs(&a, &o, sec, ca_pem, ca_pem_len, &trust);
	/* Every address of the name (issue 13): one result and one diagnosis per address, and the
	 * name-level diagnosis (rules/rules.h). */
	struct obs_name *n = rc == 0 ? calloc(1, sizeof *n) : NULL;
	struct name_diagnosis *nd = rc == 0 ? calloc(1, sizeof *nd) : NULL;
	char err[300];
	if (rc == 0 && (!n || !nd)) {
		cli_error("probe", "out of memory");
		rc = a.monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	} else if (rc == 0 && engine_run_name(&o, n, err, sizeof err) != 0) {
		cli_error("probe", "%s", err);
		rc = a.monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	} else if (rc == 0) {
		/* the user's bound (the engine had it less the file reads) */
		n->name.timeout_ms = a.timeout_ms;
		for (size_t i = 0; i < n->ntargets; i++)
			n->target[i]->timeout_ms = a.timeout_ms;
		if (rules_name_evaluate(n, nd) != 0) {
			cli_error("probe", "out of memory");
			rc = a.monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
		} else {
			rc = render(&a, n, nd);
		}
	}
	certcheck_trust_free(trust);
	if (n)
		obs_name_free(n);
	if (nd)
		rules_name_free(nd);
	free(n);
	free(nd);
	return rc;
}
