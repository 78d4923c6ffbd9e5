/* The observation model: what the probes saw, the one thing probes, rules and renderers share.
 * Probes record observations (through the engine), rules read them and write findings, renderers
 * format both. Facts only: an observation never says what a Windows error is, and carries no fix.
 *
 * The kinds are X-macro lists, one per protocol (obs_<key>.def, the protocol's own file) plus the
 * core's and the certificate's; docs/observations.md is generated from them and checked by a test.
 * This header depends on nothing but the IKE numbers (obs/ike.h) and the protocol table. */
#ifndef VPNDIAG_OBS_H
#define VPNDIAG_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obs/ike.h"
#include "proto/proto.h"

#define OBS_MAX_PER_FAMILY 8 /* addresses probed per family (A, AAAA) */
#define OBS_MAX_TARGETS (2 * OBS_MAX_PER_FAMILY)
#define OBS_MAX_ADDRS OBS_MAX_TARGETS
#define OBS_ADDRSTRLEN 64 /* "[2001:db8::1]:65535" fits */

/* What a probe saw. The kinds are listed per protocol in obs_*.def, so that each probe
 * adds its own without touching the others; the JSON name of each is obs_kind_name(). */
#define OBS_X(id, name) id,
enum obs_kind {
#include "obs/obs_all.def" /* generated: every src/obs/obs_*.def */
	OBS_KIND_COUNT
};
#undef OBS_X

struct obs {
	enum obs_kind kind;
	unsigned proto;        /* KB_P_* bit, 0 for the whole target (DNS) */
	uint16_t port;
	bool natt;             /* from the probe sent behind the non-ESP marker (UDP 4500) */
	int32_t code;
	int64_t value;
	char set[48];          /* profile proposal set name, "" when none */
	char text[160];
	char evidence[320];    /* one sentence for people */
	bool has_prop;
	struct ike2_proposal prop;
};

/* One packet in the verbose log, in the order sent and received. */
struct obs_pkt {
	uint32_t t_ms;         /* since the start of the run */
	char dir;              /* '>' sent, '<' received, '!' ICMP error, '-' ignored */
	unsigned proto;
	char peer[OBS_ADDRSTRLEN];
	char summary[400];
};

struct obs_result {
	char host[256];
	bool resolve_failed;       /* the name did not resolve (the dns-failed observation says why) */
	size_t naddrs;             /* the addresses it resolved to, as text ("198.18.0.1", "2001:2::1") */
	char addrs[OBS_MAX_ADDRS][OBS_ADDRSTRLEN];
	int probed_addr;           /* index into addrs, -1 when nothing was probed */
	unsigned selected;         /* KB_P_* bits asked for */
	unsigned probed;           /* KB_P_* bits a probe module actually ran for */
	uint32_t timeout_ms;
	uint32_t elapsed_ms;
	char profile[160];         /* the client profile the run spoke as ("windows-10"; profile/profile.h) */
	struct obs *obs;           /* heap; obs_result_free */
	size_t nobs, capobs;
	struct obs_pkt *pkts;   /* heap */
	size_t npkts, cappkts;
};

/* One run against a host name that may resolve to several addresses (issue 13): the name's own
 * result and one result per address probed. Each target[i] is a complete single-address result
 * (host, every address, probed_addr = i, the run's own observations, then its probes'), so the
 * rules run on each unchanged; the name-level verdict is rules/rules.h's rules_name_evaluate. */
struct obs_name {
	struct obs_result name;    /* host, every address, the run's own observations (privileges,
				    * resolution), selected/probed, elapsed; probed_addr -1; no packets */
	size_t ntargets;           /* addresses probed; 1 when the name did not resolve (target[0] then
				    * holds the DNS failure, like a single-address run) */
	struct obs_result *target[OBS_MAX_TARGETS]; /* heap, [0, ntargets) */
};

/* Appends an observation to a result (copies it). Returns 0 or -1 when out of memory. Also used
 * by tests to build results by hand. Bounded: past a hard cap the observation is dropped. */
int obs_result_add(struct obs_result *r, const struct obs *o);
void obs_result_free(struct obs_result *r);
/* Frees every target result and the name's arrays (not n itself). */
void obs_name_free(struct obs_name *n);
/* The JSON name of a kind ("udp-no-answer"), "unknown" outside the list. */
const char *obs_kind_name(enum obs_kind k);

#endif
