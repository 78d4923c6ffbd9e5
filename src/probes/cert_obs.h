/* Records the facts of a struct certcheck as observations (kinds in obs/obs_cert.def), each with
 * an evidence sentence. Shared by the probes that see a server certificate (IKEv2 IKE_AUTH, SSTP).
 * Facts only: which Windows error they mean is decided by each protocol's rules. */
#ifndef VPNDIAG_PROBES_CERT_OBS_H
#define VPNDIAG_PROBES_CERT_OBS_H

#include "crypto/certcheck.h"
#include "probes/probe.h"

/* proto: the KB_P_* bit of the protocol the certificate came from. c is read only, not kept. */
void cert_observe(struct engine *e, struct probe_inst *pi, const struct certcheck *c, unsigned proto);

/* The platform's own chain engine on the chain the server sent (util/certstore.h; Windows only,
 * nothing on Linux): one cert-platform-verdict observation, for the rules to set beside their own.
 * chain: leaf first, as sent; host: what the user typed. */
void cert_observe_platform(struct engine *e, struct probe_inst *pi, const struct certcheck_der *chain, size_t n,
			   const char *host, unsigned proto);

/* The same observations appended to a result (tests, and callers without an engine). Returns 0,
 * or -1 when out of memory. */
int cert_observe_result(struct obs_result *r, const struct certcheck *c, unsigned proto);

#endif
