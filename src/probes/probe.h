/* The probe module interface (zmap's probe_module_t in spirit): one struct of callbacks per
 * protocol, listed in one static table (registry.c). Adding a protocol touches its own file,
 * its codec, its rules and its tests, plus one line in that table.
 *
 * A module never prints and never decides a Windows error: it sends, reads, and records
 * observations through engine_observe(). The engine owns time; modules never sleep. */
#ifndef VPNDIAG_PROBE_H
#define VPNDIAG_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

/* One running probe of one module against one target. The engine allocates it and keeps it
 * until the run ends; `state` belongs to the module (allocated in start, freed in finish). */
struct probe_inst {
	const struct probe_module *mod;
	size_t index;            /* protocol index (proto_table) */
	void *state;
	uint32_t deadline_ms;    /* 0 = none */
	bool done;
};

/* A module's name, title, protocol bit and default ports are its row in proto/proto.def
 * (proto_table[pi->index]); the module is only behaviour. */
struct probe_module {
	/* Optional. Called before name resolution, while the process still has its privileges: opens
	 * what needs them (a raw socket) and keeps it in pi->state (the module owns it). Reads nothing
	 * from the network. Then the engine drops every privilege (net/priv.c), and calls start, or,
	 * when the run ends first (the name does not resolve), only finish (timed_out false).
	 * Returns 0, or -1 (out of memory: the module is not started; it freed what it allocated). */
	int (*prepare)(struct engine *e, struct probe_inst *pi);
	/* Opens sockets, sends the first packets, sets a deadline. Returns 0, or -1 when it could not
	 * start (it then records why as an observation and frees what it and prepare allocated). */
	int (*start)(struct engine *e, struct probe_inst *pi);
	/* fd (one the module watches) is readable or has a pending error. The module reads into its
	 * own buffers; nothing it is handed outlives the call. */
	void (*on_readable)(struct engine *e, struct probe_inst *pi, int fd);
	/* The instance's deadline passed (it was cleared before the call). */
	void (*on_deadline)(struct engine *e, struct probe_inst *pi);
	/* Called exactly once at the end (also after engine_done): timed_out when the run's bound was
	 * reached first. Records outstanding "no answer" observations, closes fds, frees state. */
	void (*finish)(struct engine *e, struct probe_inst *pi, bool timed_out);
};

/* The registry, indexed like proto_table (probes/registry.c). */
extern const struct probe_module *const probe_modules[];

/* One module per protocol of proto/proto.def: probe_<key>, defined in probes/<key>.c. */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) extern const struct probe_module probe_##key;
#include "proto/proto.def"
#undef PROTO_X

#endif
