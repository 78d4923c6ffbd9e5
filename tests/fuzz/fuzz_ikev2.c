/* Fuzz target: the IKEv2 message parser (every byte a server sends reaches it), plus the helpers
 * the probe runs over a parsed reply. */
#include <stdint.h>
#include <stdio.h>

#include "profile/profile.h"
#include "wire/ikev2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike2_msg m;
	char err[256], s[256];
	if (ike2_parse(data, size, &m, err, sizeof err) != 0)
		return 0;
	for (size_t i = 0; i < m.nproposals; i++) {
		ike2_proposal_str(&m.proposals[i], s, sizeof s);
		(void)profile_policy_command(&m.proposals[i], "fuzz", s, sizeof s);
	}
	for (size_t i = 0; i < m.nnotifies; i++)
		(void)ike2_notify_name(m.notifies[i].type);
	for (size_t i = 0; i < m.nvids; i++)
		(void)profile_vid_describe(m.vids[i].p, m.vids[i].len, s, sizeof s);
	(void)ike2_first_error(&m);
	(void)ike2_exchange_name(m.hdr.exchange);
	return 0;
}
