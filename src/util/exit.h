/* Exit codes of every subcommand (documented in README.md and docs/vpndiag.1), in one place:
 * the CLI returns them, the rules' result step computes the probe's. */
#ifndef VPNDIAG_UTIL_EXIT_H
#define VPNDIAG_UTIL_EXIT_H

enum {
	VD_EXIT_OK = 0,        /* explain: found; probe: every probed protocol works */
	VD_EXIT_NOT_FOUND = 1, /* explain: no entry matches; probe: a protocol fails */
	VD_EXIT_USAGE = 2,     /* bad command line or bad input */
	VD_EXIT_UNKNOWN = 3,   /* probe: the evidence does not decide */
	VD_EXIT_INTERNAL = 4,  /* a local failure: out of memory, unreadable data folder */
};

/* `probe --monitoring`: the Nagios/Icinga plugin convention. */
enum { VD_MON_OK = 0, VD_MON_WARNING = 1, VD_MON_CRITICAL = 2, VD_MON_UNKNOWN = 3 };

#endif
