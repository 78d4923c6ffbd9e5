/* The one table of probe modules. Add a protocol: write src/probes/<proto>.c exporting
 * `const struct probe_module probe_<proto>` and list it here. */
#include <string.h>

#include "kb/kb.h"
#include "probes/probe.h"

const struct probe_module *const probe_modules[] = {
	&probe_ikev2,
	&probe_l2tp,
	&probe_sstp,
	&probe_pptp,
	/* l2tp, sstp, pptp: later issues */
	NULL,
};

const struct probe_module *probe_find(const char *name)
{
	for (size_t i = 0; probe_modules[i]; i++)
		if (strcmp(probe_modules[i]->name, name) == 0)
			return probe_modules[i];
	return NULL;
}

int probe_protocol_index(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(kb_protocol_names[i], name) == 0)
			return i;
	return -1;
}
