/* IKEv2 rules for the user's sign-in (issue 13): EAP-MSCHAPv2 with --user and --password-file.
 * The functions are rows of rules_ikev2.c's table (rule_fn); the settle part says what the
 * credentials add to an IKEv2 "works". Pure. */
#ifndef VPNDIAG_RULES_IKEV2_EAP_H
#define VPNDIAG_RULES_IKEV2_EAP_H

#include <stddef.h>

#include "rules/rules_internal.h"

void rules_ikev2_eap_server_unproven(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_eap_method(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_eap_auth_failed(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_eap_child_refused(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_eap_incomplete(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);

/* Called by the IKEv2 settle once everything up to the server's EAP request passed: NULL when the
 * sign-in does not stand in the way of "works", with what to add to the summary in tail (the
 * address assigned; or, without credentials, which options would decide them); else what is not
 * yet decided (the verdict stays unknown). */
const char *rules_ikev2_eap_missing(const struct obs_result *r, char *tail, size_t taillen);

#endif
