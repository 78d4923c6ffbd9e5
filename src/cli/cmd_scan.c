/* `vpndiag scan TARGET...`: every IKEv2 responder of a network, stateless, with the Windows verdict
 * per responder (issue 16; src/scan/scan.h). Options, the target list and its safety checks. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cli/cli.h"
#include "net/net.h"
#include "profile/profile.h"
#include "kb/kb.h"
#include "scan/scan.h"
#include "scan/scan_out.h"
#include "cli/scan_deep.h"
#include "scan/scan_targets.h"
#include "util/file.h"
#include "util/fmt.h"

#define SCAN_FILE_MAX (256u << 20) /* a target or exclude file */
#define SCAN_RESOLVE_MS 5000u      /* per name, resolved once before anything is sent */

enum {
	OPT_RATE = 1200, OPT_RATE_UNLIMITED, OPT_RETRIES, OPT_TIMEOUT, OPT_SHARD, OPT_SEED, OPT_EXCLUDE, OPT_EXCLUDE_FILE,
	OPT_JSON, OPT_NO_PROGRESS, OPT_PROFILE, OPT_PROTOCOLS, OPT_PORT, OPT_AGGRESSIVE, OPT_DEEP, OPT_DEEP_JOBS,
	OPT_DEEP_TIMEOUT, OPT_PSK_FILE, OPT_CA_FILE
};

static const struct cli_option scan_opts[] = {
	{{"file", required_argument, NULL, 'f'}, "FILE", "read targets from FILE, one per line ('-' = stdin; '#' comments)"},
	{{"exclude", required_argument, NULL, OPT_EXCLUDE}, "CIDR", "never send to this address or prefix (repeatable); applied before anything is sent"},
	{{"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE}, "FILE", "addresses and prefixes never to send to, one per line"},
	{{"protocols", required_argument, NULL, OPT_PROTOCOLS}, "LIST", "what to scan for, comma-separated: ikev2 (IKE_SA_INIT), l2tp (IKEv1 Main Mode as Windows' L2TP/IPsec client sends it), sstp (TCP 443), pptp (TCP 1723) (TCP connects, after the UDP sweep, at most 4096 at once); default ikev2"},
	{{"aggressive", no_argument, NULL, OPT_AGGRESSIVE}, NULL, "with l2tp: also send an IKEv1 Aggressive Mode 1 with a pre-shared key (as ike-scan -A) and warn about every responder that answers it (its key hash can be guessed offline)"},
	{{"deep", no_argument, NULL, OPT_DEEP}, NULL, "after the sweep, run the full `vpndiag probe` (every protocol) on each responder and add its verdicts"},
	{{"deep-jobs", required_argument, NULL, OPT_DEEP_JOBS}, "N", "with --deep: responders probed at once (default 4, at most 32)"},
	{{"deep-timeout", required_argument, NULL, OPT_DEEP_TIMEOUT}, "SECONDS", "with --deep: the bound on each responder's diagnosis, as probe --timeout (default 10)"},
	{{"psk-file", required_argument, NULL, OPT_PSK_FILE}, "PATH", "with --deep: the IPsec pre-shared key, first line of PATH ('-' = stdin); or set VPNDIAG_PSK. Never on the command line"},
	{{"ca-file", required_argument, NULL, OPT_CA_FILE}, "PATH", "with --deep: PEM roots the clients trust, instead of the system store"},
	{{"rate", required_argument, NULL, OPT_RATE}, "PPS", "packets per second (default 1000; at most 100000 without --rate-unlimited)"},
	{{"rate-unlimited", no_argument, NULL, OPT_RATE_UNLIMITED}, NULL, "no rate limit (as fast as the kernel takes them), or allow --rate above 100000"},
	{{"retries", required_argument, NULL, OPT_RETRIES}, "N", "passes over the targets that have not answered, after the first (default 1, at most 10)"},
	{{"timeout", required_argument, NULL, OPT_TIMEOUT}, "SECONDS", "wait for replies after the last send (default 2)"},
	{{"shard", required_argument, NULL, OPT_SHARD}, "I/N", "scan only shard I of N (1-based; needs --seed, the same on every machine)"},
	{{"seed", required_argument, NULL, OPT_SEED}, "N", "the order of the targets (a 64-bit number; default random, printed in the summary)"},
	{{"profile", required_argument, NULL, OPT_PROFILE}, "NAME|PATH", "the Windows client to be (as for probe; default windows-10)"},
	{{"json", no_argument, NULL, OPT_JSON}, NULL, "one JSON object per responder per line, then a summary object (docs/scan-json.md)"},
	{{"no-progress", no_argument, NULL, OPT_NO_PROGRESS}, NULL, "no progress line on stderr (it is shown only on a terminal anyway)"},
	{{"port", required_argument, NULL, OPT_PORT}, "PORT", "the IKE port (default 500; tests)"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_scan_help(FILE *out)
{
	fprintf(out,
		"usage: vpndiag scan [OPTIONS] TARGET... | -f FILE\n\n"
		"Finds every IKEv2 (and with --protocols l2tp every IKEv1) responder among the targets and gives,\n"
		"per responder and protocol, the Windows verdict after IKE_SA_INIT or Main Mode 1-4 (the same rules as\n"
		"`vpndiag probe`; authentication is not checked, so never \"works\"; --deep runs the full probe).\n"
		"TARGET: an address, an IPv4 CIDR (198.18.0.0/16), an IPv6 prefix of /104 or longer, or a name\n"
		"(resolved once, before anything is sent). Stateless: targets in a keyed random order, the IKE SPI\n"
		"a keyed hash of the target, batched sends at a token-bucket rate.\n\nOptions:\n");
	cli_print_options(out, scan_opts);
	fprintf(out, "\nExit codes: 0 scan done (whatever was found), 2 usage error, 4 could not start.\n");
}

static size_t resolve(void *ctx, const char *name, struct net_addr *out, size_t max, char *err, size_t errlen)
{
	(void)ctx;
	struct net_resolved *r = calloc(1, sizeof *r);
	size_t n = 0;
	if (!r) {
		fmt_into(err, errlen, "out of memory");
		return 0;
	}
	if (net_resolve(name, AF_UNSPEC, SCAN_RESOLVE_MS, r) == 0) {
		for (size_t i = 0; i < r->n && n < max; i++)
			out[n++] = r->addrs[i];
	} else {
		fmt_into(err, errlen, "%s", r->reason[0] ? r->reason : "no address");
	}
	free(r);
	return n;
}

static int add_file(struct scan_space *sp, const char *path, bool exclude, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[300];
	if (file_read_bounded(path, SCAN_FILE_MAX, 10000, 0, &buf, &len, why, sizeof why) != 0) {
		fmt_into(err, errlen, "%s", why);
		return -1;
	}
	int rc = scan_space_add_text(sp, buf, len, exclude, resolve, NULL, why, sizeof why);
	if (rc != 0)
		fmt_into(err, errlen, "%s: %s", path, why);
	free(buf);
	return rc;
}

static int parse_protocols(const char *list, unsigned *out)
{
	char buf[64];
	*out = 0;
	if (strlen(list) >= sizeof buf)
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "ikev2") == 0)
			*out |= KB_P_IKEV2;
		else if (strcmp(t, "l2tp") == 0)
			*out |= KB_P_L2TP;
		else if (strcmp(t, "sstp") == 0)
			*out |= KB_P_SSTP;
		else if (strcmp(t, "pptp") == 0)
			*out |= KB_P_PPTP;
		else
			return -1;
	}
	return *out ? 0 : -1;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_scan(int argc, char **argv)
{
	struct scan_space sp;
	memset(&sp, 0, sizeof sp);
	struct scan_opts o;
	memset(&o, 0, sizeof o);
	o.rate = SCAN_RATE_DEFAULT;
	o.retries = SCAN_RETRIES_DEFAULT;
	o.timeout_ms = SCAN_TIMEOUT_DEFAULT_MS;
	o.retry_gap_ms = 500;
	o.port = SCAN_IKE_PORT;
	o.nshards = 1;
	o.out = stdout;
	o.err = stderr;
	bool unlimited = false, rate_given = false, seed_given = false, no_progress = false, any_target = false;
	const char *profiles[2];
	size_t nprofiles = 0;
	char err[400];
	int rc = VD_EXIT_USAGE, c;
	uint64_t v;
	static struct profile_choice choice;
	struct scan_deep deep;
	memset(&deep, 0, sizeof deep);
	deep.jobs = SCAN_DEEP_JOBS_DEFAULT;
	deep.timeout_ms = SCAN_DEEP_TIMEOUT_DEFAULT_MS;

	while ((c = cli_getopt(argc, argv, scan_opts, "scan")) != -1) {
		switch (c) {
		case 'h':
			cli_scan_help(stdout);
			scan_space_free(&sp);
			return VD_EXIT_OK;
		case 'f':
			if (add_file(&sp, optarg, false, err, sizeof err) != 0) {
				cli_error("scan", "-f %s", err);
				goto out;
			}
			any_target = true;
			break;
		case OPT_EXCLUDE:
			if (scan_space_add(&sp, optarg, true, resolve, NULL, err, sizeof err) != 0) {
				cli_error("scan", "--exclude: %s", err);
				goto out;
			}
			break;
		case OPT_EXCLUDE_FILE:
			if (add_file(&sp, optarg, true, err, sizeof err) != 0) {
				cli_error("scan", "--exclude-file %s", err);
				goto out;
			}
			break;
		case OPT_PROTOCOLS:
			if (parse_protocols(optarg, &o.protocols) != 0) {
				cli_error("scan", "--protocols: a comma list of ikev2, l2tp, sstp, pptp");
				goto out;
			}
			break;
		case OPT_AGGRESSIVE:
			o.aggressive = true;
			break;
		case OPT_DEEP:
			deep.on = true;
			break;
		case OPT_DEEP_JOBS:
			if (parse_u64(optarg, SCAN_DEEP_JOBS_MAX, &v) != 0 || v == 0) {
				cli_error("scan", "--deep-jobs: 1 to %u", SCAN_DEEP_JOBS_MAX);
				goto out;
			}
			deep.jobs = (unsigned)v;
			break;
		case OPT_DEEP_TIMEOUT: {
			char *end;
			double s = strtod(optarg, &end);
			if (*end || !(s > 0 && s <= 300)) {
				cli_error("scan", "--deep-timeout: seconds, >0 and <=300");
				goto out;
			}
			deep.timeout_ms = (uint32_t)(s * 1000);
			break;
		}
		case OPT_PSK_FILE:
			deep.psk_file = optarg;
			break;
		case OPT_CA_FILE:
			deep.ca_file = optarg;
			break;
		case OPT_RATE:
			if (parse_u64(optarg, 100000000, &v) != 0 || v == 0) {
				cli_error("scan", "--rate: a number of packets per second, 1 or more");
				goto out;
			}
			o.rate = (uint32_t)v;
			rate_given = true;
			break;
		case OPT_RATE_UNLIMITED:
			unlimited = true;
			break;
		case OPT_RETRIES:
			if (parse_u64(optarg, SCAN_RETRIES_MAX, &v) != 0) {
				cli_error("scan", "--retries: 0 to %u", SCAN_RETRIES_MAX);
				goto out;
			}
			o.retries = (unsigned)v;
			break;
		case OPT_TIMEOUT: {
			char *end;
			double s = strtod(optarg, &end);
			if (*end || !(s >= 0 && s <= 300)) {
				cli_error("scan", "--timeout: seconds, 0 to 300");
				goto out;
			}
			o.timeout_ms = (uint32_t)(s * 1000);
			break;
		}
		case OPT_SHARD: {
			unsigned i, n;
			char tail;
			if (sscanf(optarg, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i == 0 || i > n || n > 65536) {
				cli_error("scan", "--shard: I/N with 1 <= I <= N, e.g. 2/3");
				goto out;
			}
			o.shard = i - 1;
			o.nshards = n;
			break;
		}
		case OPT_SEED:
			if (parse_u64(optarg, UINT64_MAX, &v) != 0) {
				cli_error("scan", "--seed: a number 0 to 2^64-1");
				goto out;
			}
			o.seed = v;
			seed_given = true;
			break;
		case OPT_PROFILE:
			if (nprofiles == 2) {
				cli_error("scan", "--profile: at most twice");
				goto out;
			}
			profiles[nprofiles++] = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_NO_PROGRESS:
			no_progress = true;
			break;
		case OPT_PORT:
			if (parse_u64(optarg, 65535, &v) != 0 || v == 0) {
				cli_error("scan", "--port: 1 to 65535");
				goto out;
			}
			o.port = (uint16_t)v;
			break;
		default:
			goto out;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (scan_space_add(&sp, argv[i], false, resolve, NULL, err, sizeof err) != 0) {
			cli_error("scan", "%s", err);
			goto out;
		}
		any_target = true;
	}
	/* Safety: never without an explicit target list; the rate is capped unless asked. */
	if (!any_target) {
		cli_error("scan", "no target: give addresses, prefixes or names, or -f FILE (nothing is scanned by default)");
		goto out;
	}
	if (scan_space_finalize(&sp, err, sizeof err) != 0) {
		cli_error("scan", "%s", err);
		goto out;
	}
	if (unlimited && !rate_given)
		o.rate = 0;
	else if (o.rate > SCAN_RATE_CAP && !unlimited) {
		cli_error("scan", "--rate %u is above %u packets/s: add --rate-unlimited to allow it", o.rate, SCAN_RATE_CAP);
		goto out;
	}
	if (o.aggressive && !(o.protocols & KB_P_L2TP)) {
		cli_error("scan", "--aggressive is an IKEv1 check: add --protocols l2tp (or ikev2,l2tp)");
		goto out;
	}
	if (!deep.on && (deep.psk_file || deep.ca_file)) {
		cli_error("scan", "--psk-file and --ca-file are for --deep");
		goto out;
	}
	if (o.nshards > 1 && !seed_given) {
		cli_error("scan", "--shard needs --seed (the same on every machine, so that the shards do not overlap)");
		goto out;
	}
	if (!seed_given && RAND_bytes((unsigned char *)&o.seed, sizeof o.seed) != 1) {
		cli_error("scan", "no randomness for the seed");
		rc = VD_EXIT_INTERNAL;
		goto out;
	}
	if (profile_choose(profiles, nprofiles, &choice, err, sizeof err) != 0) {
		cli_error("scan", "--profile: %s", err);
		goto out;
	}
	o.profile = &choice;
	o.space = &sp;
	o.progress = !no_progress && isatty(STDERR_FILENO);
	struct scan_stats st;
	if (deep.on) {
		deep.profile = &choice;
		deep.json = o.json;
		deep.out = o.out;
		if ((rc = scan_deep_begin(&deep)) != 0)
			goto out;
		o.emit = scan_deep_add;
		o.emit_ctx = &deep;
	}
	if (scan_run(&o, &st, err, sizeof err) != 0) {
		cli_error("scan", "%s", err);
		rc = VD_EXIT_INTERNAL;
		goto out;
	}
	if (deep.on) {
		scan_deep_finish(&deep);
		scan_out_summary(o.out, o.json, &o, &st);
	}
	rc = VD_EXIT_OK;
out:
	if (deep.on)
		scan_deep_free(&deep);
	scan_space_free(&sp);
	return rc;
}
