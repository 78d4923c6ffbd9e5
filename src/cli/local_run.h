/* The diagnosis of this PC that `local` and `fix` share (cmd_local.c; Windows only). */
#ifndef VPNDIAG_CLI_LOCAL_RUN_H
#define VPNDIAG_CLI_LOCAL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "local/local_rules.h"
#include "util/secret.h"

struct obs_name;
struct name_diagnosis;
struct certcheck_trust;
struct profile_choice;

struct local_args {
	bool json, probe;
	uint32_t days, timeout_ms;
	const char *events_file, *psk_file;
	const char *pbk[2];
	size_t npbk;
	/* the calling command's own options (fix: --yes, --dry-run, --undo): returns 0 when taken */
	int (*extra_opt)(struct local_args *a, int c);
	void *extra;
};

struct local_conn_probe {
	bool done;
	char err[300];
	char psk_note[300];        /* where the L2TP key came from, or why there was none */
	struct obs_name *n;
	struct name_diagnosis *nd;
};

/* Owns everything it points to (cli_local_free). */
struct local_run {
	struct local_pc pc;
	struct local_diag diag;
	struct local_conn_probe *probes;  /* per pc.conns[i], with --probe */
	struct local_probe_facts *facts;  /* per pc.conns[i], with --probe; else NULL */
	struct certcheck_trust *trust;
	struct profile_choice *profile;
	struct secret psk;
};

/* Parses local's options plus extra (NULL-terminated); returns -1 to go on, -2 for --help, or an
 * exit code (the error said). */
int cli_local_parse(int argc, char **argv, const char *cmd, const struct cli_option *extra, struct local_args *a);
/* Reads the PC, probes (a->probe), runs the local rules. Returns 0, or an exit code (said). */
int cli_local_diagnose(const char *cmd, const struct local_args *a, struct local_run *run);
int cli_local_exit(const struct local_run *run);
void cli_local_free(struct local_run *run);

int cli_local(int argc, char **argv);
void cli_local_help(FILE *out);
int cli_fix(int argc, char **argv);
void cli_fix_help(FILE *out);

#endif
