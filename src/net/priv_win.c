/* Privileges on Windows (see priv.h): nothing to drop. The probes open no raw socket here that
 * would need more than the user's own rights (PPTP's GRE socket needs an administrator, see
 * pptp.c), and a Windows process cannot lower its token for good the way setuid + no_new_privs
 * do; so priv_drop reports "not applicable" and the engine records no privilege observation. */
#include "net/priv.h"

#include <stdio.h>
#include <string.h>

int priv_drop(const char *user, struct priv_report *rep, char *err, size_t errlen)
{
	(void)user, (void)err, (void)errlen;
	memset(rep, 0, sizeof *rep);
	return 1;
}

void priv_describe(const struct priv_report *rep, char *out, size_t outlen)
{
	(void)rep;
	snprintf(out, outlen, "no privileges dropped: not applicable on Windows");
}
