/* `vpndiag scan --deep`: after the sweep, the full `vpndiag probe` (every protocol, through the
 * engine and its rules, exactly as cmd_probe.c runs it) on each responder, at most `jobs` at once
 * (one thread each: engine_run_name is one loop per run and shares no state between runs), and its
 * verdicts added to the responder's lines: JSON a "probe" member (the "protocols" object of
 * `vpndiag probe --json`), text one line per protocol. Lines are printed per address as its probe
 * ends. The key and the CA file are read once, as probe reads them (never from argv). */
#ifndef VPNDIAG_CLI_SCAN_DEEP_H
#define VPNDIAG_CLI_SCAN_DEEP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/net.h"
#include "profile/profile.h"
#include "util/secret.h"

#define SCAN_DEEP_JOBS_DEFAULT 4u
#define SCAN_DEEP_JOBS_MAX 32u
#define SCAN_DEEP_TIMEOUT_DEFAULT_MS 10000u

struct scan_deep_item;
struct certcheck_trust;

struct scan_deep {
	/* set by the caller */
	bool on, json;
	unsigned jobs;
	uint32_t timeout_ms;
	const char *psk_file, *ca_file;
	const struct profile_choice *profile;
	FILE *out;
	/* scan_deep's own */
	struct secret psk;
	uint8_t *ca_pem;
	size_t ca_pem_len;
	struct certcheck_trust *trust;
	struct scan_deep_item **items;
	size_t nitems, capitems, next;
	pthread_t th[SCAN_DEEP_JOBS_MAX];
	unsigned nth;
	pthread_mutex_t mu;
	bool mu_init;
};

/* Reads the key (--psk-file, else VPNDIAG_PSK) and the CA file; returns 0 or an exit code (said). */
int scan_deep_begin(struct scan_deep *d);
/* scan_emit_fn (scan/scan.h): one responder line, kept until its address has been probed. */
void scan_deep_add(void *ctx, const struct net_addr *a, unsigned proto, const char *line);
/* The sweep is over: probes every address collected (d->jobs at once) and prints as each ends. */
void scan_deep_finish(struct scan_deep *d);
void scan_deep_free(struct scan_deep *d);

#endif
