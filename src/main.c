/* vpndiag: subcommand dispatch only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "net/sock.h"
#include "util/sys.h"

const struct cli_command cli_commands[] = {
	{"explain", "explain a Windows VPN error: meaning, causes, steps, fixes", cli_explain, cli_explain_help},
	{"wiki", "build the knowledge base as a static web site: wiki build DIR", cli_wiki, cli_wiki_help},
	{"probe", "probe a VPN server as the Windows client would: verdict, error, fix per protocol", cli_probe, cli_probe_help},
	{NULL, NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: vpndiag COMMAND [ARGS]\n\n"
		     "Tells why a Windows built-in VPN connection (IKEv2, L2TP/IPsec, SSTP, PPTP) fails.\n\n"
		     "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	for (const struct cli_command *c = cli_platform_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "  %-10s %s\n", "help", "help on a command: vpndiag help explain");
	fprintf(out, "\nOptions: --help, --version\n"
		     "Exit codes: 0 ok, 1 not found / fails, 2 usage error, 3 unknown, 4 internal error.\n"
		     "See vpndiag(1).\n");
}

int main(int argc, char **argv)
{
	/* Sockets set up once: Winsock on Windows; on Linux SIGPIPE ignored, because a peer that closes
	 * a connection while we (or OpenSSL, which writes alerts with plain write()) still send must
	 * give EPIPE, never kill the process and lose the report (issue 11). */
	sys_console_init(); /* Windows: UTF-8 output, colour where the console supports it */
	if (net_init() != 0) {
		cli_error(NULL, "cannot set up sockets: %s", net_strerror(errno));
		return VD_EXIT_INTERNAL;
	}
	if (argc < 2 && cli_platform_default[0]) {
		/* Windows: `vpndiag` alone diagnoses this PC (local --probe) */
		char *args[8];
		int n = 0;
		for (; cli_platform_default[n] && n < 7; n++)
			args[n] = (char *)cli_platform_default[n];
		args[n] = NULL;
		return cli_find(args[0])->run(n, args);
	}
	if (argc < 2) {
		usage(stderr);
		return VD_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return VD_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("vpndiag %s\n", VPNDIAG_VERSION);
		return VD_EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return VD_EXIT_OK;
		}
		const struct cli_command *c = cli_find(argv[2]);
		if (!c) {
			cli_error(NULL, "no command '%s' (try 'vpndiag --help')", argv[2]);
			return VD_EXIT_USAGE;
		}
		c->help(stdout);
		return VD_EXIT_OK;
	}
	const struct cli_command *c = cli_find(cmd);
	if (!c) {
		cli_error(NULL, "unknown command '%s' (try 'vpndiag --help')", cmd);
		return VD_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
