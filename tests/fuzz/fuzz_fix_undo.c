/* Fuzz target: the undo record of `vpndiag fix` (local/fix.c, %ProgramData%\vpndiag\fix-undo.json,
 * a file any administrator-run tool could have changed) and the registry fix commands the local
 * rules read from the probe's findings (fix_from_command). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "local/fix.h"
#include "local/local_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fix_undo u;
	char err[300];
	if (fix_undo_parse(data, size, &u, err, sizeof err) == 0) {
		for (size_t i = 0; i < u.n; i++) {
			const struct fix_undo_item *it = &u.item[i];
			if (u.n > FIX_MAX_ACTIONS || (it->kind == FIX_SET_DWORD && (unsigned)it->reg >= LOCAL_REG_COUNT) ||
			    (it->kind == FIX_START_TYPE && ((unsigned)it->svc >= LOCAL_SVC_COUNT || it->old_value > 4)))
				__builtin_trap(); /* only what the tables name comes back */
		}
	} else if (!err[0] || strchr(err, '\n') || u.n != 0) {
		__builtin_trap();
	}
	char s[1200];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	struct fix_action a;
	if (fix_from_command(s, &a) && (a.kind != FIX_SET_DWORD || (unsigned)a.reg >= LOCAL_REG_COUNT))
		__builtin_trap();
	return 0;
}
