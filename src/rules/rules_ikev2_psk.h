/* IKEv2 rules for the pre-shared key (issue 13 item 2): IKE_AUTH with --psk-file after the server
 * refused the EAP IKE_AUTH. The functions are rows of rules_ikev2.c's table (rule_fn). Pure. */
#ifndef VPNDIAG_RULES_IKEV2_PSK_H
#define VPNDIAG_RULES_IKEV2_PSK_H

#include <stdbool.h>

#include "rules/rules_internal.h"

void rules_ikev2_psk_refused(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_psk_server_mismatch(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_psk_other_method(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_psk_only(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);
void rules_ikev2_psk_incomplete(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);

/* Whether the PSK sign-in reached a decision (accepted, refused, another method, the server's AUTH
 * not verifying): then its finding replaces ike-auth-refused's. */
bool rules_ikev2_psk_decided(const struct obs_result *r);

#endif
