#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sys.h"

#define MAX_OPTS 32

void cli_print_options(FILE *out, const struct cli_option *opts)
{
	for (const struct cli_option *o = opts; o->opt.name; o++) {
		char left[64];
		if (o->opt.val > 0 && o->opt.val < 128)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->opt.val, o->opt.name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->opt.name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
}

int cli_getopt(int argc, char **argv, const struct cli_option *opts, const char *cmd)
{
	struct option longopts[MAX_OPTS + 1];
	/* Leading ':' reports a missing value as ':'. No '+': options and operands may be mixed
	 * ("explain 809 --json"). */
	char shortopts[MAX_OPTS * 2 + 2] = ":";
	size_t n = 0, s = 1;
	for (const struct cli_option *o = opts; o->opt.name && n < MAX_OPTS; o++, n++) {
		longopts[n] = o->opt;
		if (o->opt.val > 0 && o->opt.val < 128 && o->opt.flag == NULL) {
			shortopts[s++] = (char)o->opt.val;
			if (o->opt.has_arg == required_argument)
				shortopts[s++] = ':';
		}
	}
	shortopts[s] = '\0';
	memset(&longopts[n], 0, sizeof longopts[n]);
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?') {
		if (optopt && optopt < 128)
			cli_error(cmd, "unknown option '-%c' (try 'vpndiag help %s')", optopt, cmd);
		else
			cli_error(cmd, "unknown option '%s' (try 'vpndiag help %s')", argv[optind - 1], cmd);
	} else if (c == ':') {
		cli_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		c = '?';
	}
	return c;
}

/* True for "-2146885613": a negative number, never an option (no option is a digit). */
static bool is_negative_number(const char *s)
{
	if (s[0] != '-' || s[1] < '0' || s[1] > '9')
		return false;
	for (s++; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Does option word a (e.g. "--data" or "-l") take its value from the next word? */
static bool takes_value(const char *a, const struct cli_option *opts)
{
	for (const struct cli_option *o = opts; o->opt.name; o++) {
		if (o->opt.has_arg != required_argument)
			continue;
		if (a[1] == '-' && strcmp(a + 2, o->opt.name) == 0)
			return true;
		if (a[1] != '-' && a[1] == o->opt.val && a[2] == '\0')
			return true;
	}
	return false;
}

char **cli_protect_negatives(int *argcp, char **argv, const struct cli_option *opts)
{
	int argc = *argcp, n = 0, found = 0;
	for (int i = 1; i < argc; i++)
		found |= is_negative_number(argv[i]);
	if (!found)
		return argv;
	/* Stable partition: options (and their values) first, then "--", then the operands. */
	char **tmp = calloc((size_t)argc + 2, sizeof *tmp);
	if (!tmp)
		return NULL;
	tmp[n++] = argv[0];
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (argv[i][0] == '-' && argv[i][1] && !is_negative_number(argv[i])) {
			tmp[n++] = argv[i];
			if (takes_value(argv[i], opts) && i + 1 < argc)
				tmp[n++] = argv[++i];
		}
	}
	tmp[n++] = "--";
	for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++) {
		if (argv[k][0] == '-' && argv[k][1] && !is_negative_number(argv[k])) {
			if (takes_value(argv[k], opts))
				k++;
			continue;
		}
		tmp[n++] = argv[k];
	}
	for (i++; i < argc; i++) /* operands after an explicit "--" */
		tmp[n++] = argv[i];
	tmp[n] = NULL;
	*argcp = n;
	return tmp;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vpndiag%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_use_colour(FILE *f)
{
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		return false;
	return sys_colour_ok(f); /* a terminal (TERM not dumb), or a console with ANSI sequences on */
}

const struct cli_command *cli_find(const char *name)
{
	const struct cli_command *const tables[] = {cli_commands, cli_platform_commands};
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct cli_command *c = tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}
