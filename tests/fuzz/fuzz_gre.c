/* Fuzz target: what the PPTP probe's raw GRE socket delivers (wire/gre.h): the IPv4 header strip,
 * enhanced GRE, PPP/LCP with its option walk, the reply decision and the log line. The first byte
 * chooses IPv4 (header present) or IPv6 (none) and the call ids / magic the decision uses. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire/gre.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	struct gre_rx p;
	char err[160], d[200];
	if (gre_rx_parse(data + 1, size - 1, (sel & 1) != 0, &p, err, sizeof err) != 0)
		return 0;
	/* Call ids and magic that match the packet or not, as the selector says. */
	struct gre_rx_ctx ctx = {
		.our_call_id = (sel & 2) ? p.gre.call_id : 0x4a61,
		.server_call_id = (sel & 4) ? p.gre.call_id : 0,
		.our_magic = (sel & 8) ? p.magic : 0x963cf5b3,
	};
	enum gre_rx_class c = gre_rx_classify(&p, &ctx, (sel & 16) != 0);
	if (c > GRE_RX_WRONG_SOURCE)
		__builtin_trap();
	(void)gre_rx_class_name(c);
	gre_rx_describe(&p, d, sizeof d);
	if (strlen(d) >= sizeof d)
		__builtin_trap();
	return 0;
}
