/* The commands only the Windows build has: the checks of the PC itself and their fixes (issue
 * 15). `scan` and `exporter` are Linux's (cli/commands_posix.c). */
#include "cli/cli.h"
#include "cli/local_run.h"

const struct cli_command cli_platform_commands[] = {
	{"local", "this PC's VPN connections, registry values, services and logged errors (--probe: and their servers)", cli_local, cli_local_help},
	{"fix", "apply the local fixes the diagnosis calls for (registry, services), with --undo", cli_fix, cli_fix_help},
	{NULL, NULL, NULL, NULL},
};

/* `vpndiag` with no arguments, on the PC where the error happens: the whole diagnosis. */
const char *const cli_platform_default[] = {"local", "--probe", NULL};
