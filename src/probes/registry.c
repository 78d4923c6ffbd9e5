/* The table of probe modules, generated from proto/proto.def: a protocol's module is
 * `const struct probe_module probe_<key>` in src/probes/<key>.c. */
#include <string.h>

#include "kb/kb.h"
#include "probes/probe.h"

/* The probe modules in proto/proto.def's order: probe_<key> from probes/<key>.c. */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) [PROTO_##ID] = &probe_##key,
const struct probe_module *const probe_modules[PROTO_COUNT + 1] = {
#include "proto/proto.def"
	[PROTO_COUNT] = NULL,
};
#undef PROTO_X

const struct probe_module *probe_find(const char *name)
{
	for (size_t i = 0; probe_modules[i]; i++)
		if (strcmp(probe_modules[i]->name, name) == 0)
			return probe_modules[i];
	return NULL;
}

int probe_protocol_index(const char *name)
{
	return proto_index(name);
}
