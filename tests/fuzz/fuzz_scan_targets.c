/* libFuzzer target: the target-list parser of `vpndiag scan` (scan/scan_targets.h) over a whole
 * file (targets, then the same bytes as an exclude list), then the finalized space walked. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scan/scan_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_space sp;
	char err[400];
	memset(&sp, 0, sizeof sp);
	if (size > 65536)
		return 0;
	(void)scan_space_add_text(&sp, data, size, false, NULL, NULL, err, sizeof err);
	(void)scan_space_add_text(&sp, data, size, true, NULL, NULL, err, sizeof err);
	if (sp.n && scan_space_finalize(&sp, err, sizeof err) == 0) {
		struct net_addr a;
		uint64_t step = sp.total / 64 + 1;
		for (uint64_t i = 0; i < sp.total; i += step) {
			const uint8_t *ip;
			if (scan_space_addr(&sp, i, &a) != 0)
				__builtin_trap();
			size_t n = net_addr_bytes(&a, &ip);
			(void)scan_space_excluded(&sp, n == 16 ? 6 : 4, ip);
		}
		(void)scan_space_excluded_count(&sp);
	}
	scan_space_free(&sp);
	return 0;
}
