/* The commands only the Linux build has: `scan` sends at the kernel's rate with sendmmsg and
 * recvmmsg, and `exporter` is a daemon for a Linux monitoring host (systemd unit, capabilities). */
#include "cli/cli.h"

const struct cli_command cli_platform_commands[] = {
	{"scan", "find every IKEv2 gateway of a network, stateless, with the Windows verdict per responder", cli_scan, cli_scan_help},
	{"exporter", "serve probes to Prometheus: /probe?target=HOST, /metrics", cli_exporter, cli_exporter_help},
	{NULL, NULL, NULL, NULL},
};

/* `vpndiag` with no arguments: the usage (there is no PC-side diagnosis on Linux). */
const char *const cli_platform_default[] = {NULL};
