/* Subcommands and the conventions they share: exit codes, option tables, colour. */
#ifndef VPNDIAG_CLI_H
#define VPNDIAG_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/exit.h"

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	void (*help)(FILE *out);
};

/* One option of a subcommand: getopt_long's entry plus its help text. */
struct cli_option {
	struct option opt;
	const char *arg;  /* metavariable for help, or NULL */
	const char *help;
};

/* Builds the getopt_long tables from opts (terminated by a zero name) and prints help from them. */
void cli_print_options(FILE *out, const struct cli_option *opts);
/* Runs getopt_long over opts; returns the next option's val, -1 at the end, '?' on error (after
 * printing a one-line message naming the subcommand). */
int cli_getopt(int argc, char **argv, const struct cli_option *opts, const char *cmd);

/* Makes negative numbers such as the event-log form -2146885613 operands, not options: returns
 * argv itself when there is none, else a new array (options first, then "--", then operands)
 * that the caller frees, and updates *argc. NULL when out of memory. */
char **cli_protect_negatives(int *argc, char **argv, const struct cli_option *opts);

/* Prints "vpndiag CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(VD_PRINTF, 2, 3)));

/* True when colour may be used on this stream (a terminal, NO_COLOR unset, TERM not dumb). */
bool cli_use_colour(FILE *f);

/* The commands of every platform (main.c), then this platform's own (cli/commands_posix.c,
 * cli/commands_win.c); each ends with a row of NULLs. */
extern const struct cli_command cli_commands[];
extern const struct cli_command cli_platform_commands[];
/* The arguments of a run without any (NULL-terminated; empty: print the usage). */
extern const char *const cli_platform_default[];
const struct cli_command *cli_find(const char *name);

int cli_explain(int argc, char **argv);
void cli_explain_help(FILE *out);

int cli_probe(int argc, char **argv);
void cli_probe_help(FILE *out);
int cli_scan(int argc, char **argv);
void cli_scan_help(FILE *out);
int cli_wiki(int argc, char **argv);
void cli_wiki_help(FILE *out);
int cli_exporter(int argc, char **argv);
void cli_exporter_help(FILE *out);

#endif
