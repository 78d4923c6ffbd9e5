/* How `vpndiag scan` prints (docs/scan-json.md): one line per responder as it is decided, text or
 * one JSON object (schema vpndiag-scan/1), and the one-line summary at the end. Format only. */
#ifndef VPNDIAG_SCAN_OUT_H
#define VPNDIAG_SCAN_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "net/net.h"
#include "obs/obs.h"
#include "rules/rules.h"

struct scan_opts;
struct scan_stats;

#define SCAN_JSON_SCHEMA "vpndiag-scan/1"

/* One responder of protocol proto (KB_P_IKEV2 or KB_P_L2TP): its address (and port), its
 * observations r, the diagnosis d of r; printed on o->out (text or JSON as o->json), or handed to
 * o->emit when set. */
void scan_out_responder(const struct scan_opts *o, const struct net_addr *a, unsigned proto, const struct obs_result *r,
			const struct diagnosis *d);
void scan_out_summary(FILE *out, bool json, const struct scan_opts *o, const struct scan_stats *st);

#endif
