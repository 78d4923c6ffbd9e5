/* The probe engine: one thread, one poll() loop, a deadline per probe instance, the whole run
 * bounded by the caller's timeout. It resolves the target, starts every selected probe module
 * (src/probes/registry.c) at once and collects what they observe.
 *
 * Probes observe, rules diagnose (src/rules), renderers report (src/report): the engine's output
 * is the observation model of src/obs/obs.h (a struct obs_result holding typed observations,
 * each with an evidence sentence, and a log of the packets sent and received), one per address
 * probed (struct obs_name). Nothing here decides a Windows error.
 *
 * Several addresses: every address gets its own `struct engine` (its target, result, instances and
 * budgets) and all share one loop (clock, bound, poll set); a module sees one address only. */
#ifndef VPNDIAG_ENGINE_H
#define VPNDIAG_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "obs/obs.h"
#include "proto/proto.h"

#define ENGINE_MAX_TIMEOUT_MS 300000u

struct certcheck_trust;
struct profile_choice;

struct engine_opts {
	const char *host;
	int family;                /* AF_UNSPEC, AF_INET, AF_INET6 */
	unsigned protocols;        /* KB_P_* bits to probe */
	uint32_t timeout_ms;       /* the bound on the whole run, including name resolution */
	const char *ca_file;       /* --ca-file: its path, for reports only (never read during the run) */
	const uint8_t *ca_pem;     /* --ca-file's bytes, read once before the run; NULL when not given */
	size_t ca_pem_len;
	const struct certcheck_trust *trust; /* the trust store built once from ca_pem (or the system's) */
	const struct profile_choice *profile; /* --profile: the Windows client, loaded and checked once
						* before the run (profile/profile.h); NULL = the default */
	const uint8_t *psk;        /* --psk-file / VPNDIAG_PSK: the pre-shared key, or NULL (never logged) */
	size_t psk_len;
	const char *eap_user;      /* --user: the VPN user name (EAP identity), or NULL */
	const uint8_t *password;   /* --password-file / VPNDIAG_PASSWORD: the user's password, or NULL (never logged) */
	size_t password_len;
	/* Privileges (net/priv.h): when set, once the modules' prepare callbacks have opened their raw
	 * sockets and before name resolution, the engine drops every capability, sets no_new_privs and,
	 * when running as root, becomes `user` (--run-as; NULL = "nobody"); a failure ends the run with an error.
	 * The CLI sets it; in-process tests leave it off (they keep their own credentials). */
	bool drop_privileges;
	const char *user;
	/* Tests only: a smaller per-protocol observation budget (0 = the default, 160). */
	uint32_t obs_budget;
	/* Tests only: replaces a module's default ports (0 = keep), indexed like proto_table. */
	uint16_t port_override[PROTO_COUNT][PROTO_MAX_PORTS];
};

/* Runs the probes against every address the host resolves to (issue 13): at most
 * OBS_MAX_PER_FAMILY A and as many AAAA records (o->family restricts), all probed at once in one
 * loop inside o->timeout_ms, one struct obs_result per address (n->target[i] probed
 * n->name.addrs[i], in the resolver's order). n->name holds the name, every address and the run's
 * own observations (privileges, resolution). When the name does not resolve, n->ntargets is 1 and
 * target[0] holds the DNS failure, as engine_run's result would. Returns 0, or -1 on a local error
 * (out of memory) with a message in err. n must be freed with obs_name_free either way. */
int engine_run_name(const struct engine_opts *o, struct obs_name *n, char *err, size_t errlen);

/* Runs the probes against the host's first address only (the resolver's first; tests and tools
 * that probe one address). Returns 0 (the result may still hold a DNS failure), or -1 on a local
 * error (out of memory) with a message in err. r must be freed with obs_result_free either way. */
int engine_run(const struct engine_opts *o, struct obs_result *r, char *err, size_t errlen);

/* ---- the interface the probe modules use (see probes/probe.h) ---- */

struct engine;
struct probe_inst;

uint32_t engine_now_ms(const struct engine *e);        /* ms since the run started */
uint32_t engine_end_ms(const struct engine *e);        /* when the run ends (same clock) */
const struct net_addr *engine_target_addr(const struct engine *e); /* port 0 */
const char *engine_target_host(const struct engine *e);
/* The options of the run (ca_file, psk...). */
const struct engine_opts *engine_options(const struct engine *e);
/* The module's port i (after test overrides), 0 past the end. */
uint16_t engine_port(const struct engine *e, const struct probe_inst *pi, size_t i);
/* A random per-run key (for keyed reply matching). */
const uint8_t *engine_secret(const struct engine *e, size_t *len);
/* Calls pi's on_readable when fd is readable or has an error. At most 64 fds per address probed. */
int engine_watch(struct engine *e, struct probe_inst *pi, int fd);
void engine_unwatch(struct engine *e, int fd);
/* Also calls on_readable when the watched fd is writable (a TCP connect completing, TLS wanting
 * to write), until switched off again. */
void engine_watch_write(struct engine *e, int fd, bool on);
/* Stops (on false) or resumes waking on POLLIN for a watched fd (default: on), for an fd that
 * waits only to write (libcurl's connecting sockets); errors and hang-ups still wake. */
void engine_watch_read(struct engine *e, int fd, bool on);
/* Calls pi's on_deadline at t_ms (engine clock); 0 clears it. One deadline per instance. */
void engine_set_deadline(struct probe_inst *pi, uint32_t t_ms);
/* The instance has nothing more to do. */
void engine_done(struct probe_inst *pi);
/* Records an observation (the obs is copied; proto defaults to the module's). */
void engine_observe(struct engine *e, struct probe_inst *pi, const struct obs *o);
/* Records a packet summary for --verbose. */
void engine_packet(struct engine *e, struct probe_inst *pi, char dir, const struct net_addr *peer,
		   const char *summary);

#endif
