/* The commands only the Windows build has (none yet; issue 15 adds the checks of the PC itself).
 * `scan` and `exporter` are Linux's (cli/commands_posix.c). */
#include "cli/cli.h"

const struct cli_command cli_platform_commands[] = {
	{NULL, NULL, NULL, NULL},
};
