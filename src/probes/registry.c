/* The table of probe modules, generated from proto/proto.def: a protocol's module is
 * `const struct probe_module probe_<key>` in src/probes/<key>.c. */
#include "probes/probe.h"

/* The probe modules in proto/proto.def's order: probe_<key> from probes/<key>.c. */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) [PROTO_##ID] = &probe_##key,
const struct probe_module *const probe_modules[PROTO_COUNT + 1] = {
#include "proto/proto.def"
	[PROTO_COUNT] = NULL,
};
#undef PROTO_X
