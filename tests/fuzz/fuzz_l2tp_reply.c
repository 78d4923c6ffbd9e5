/* Fuzz target: the L2TP probe's handling of what comes back on UDP 1701 (wire/l2tp
 * l2tp_reply_check for our tunnel 0x4321, the Tunnel ID in the seed corpus): parse, decide, and
 * copy the host/vendor names as printable text. */
#include <stdint.h>
#include <string.h>

#include "wire/l2tp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct l2tp_msg m;
	struct l2tp_answer a;
	enum l2tp_reply_status st = l2tp_reply_check(data, size, 0x4321, &m, &a);
	if (st == L2TP_REPLY_ANSWER) {
		/* the copies are NUL-terminated printable ASCII */
		for (size_t i = 0; a.host[i]; i++)
			if (a.host[i] < 0x20 || a.host[i] > 0x7e || i >= sizeof a.host)
				__builtin_trap();
		if (strlen(a.vendor) >= sizeof a.vendor || (a.stop && a.peer_tunnel == 0))
			__builtin_trap();
	} else if (a.why[0] == '\0') {
		__builtin_trap(); /* every other outcome says why */
	}
	return 0;
}
