/* Fuzz target: PPTP control-message framing/parser and the enhanced GRE parser. */
#include <stdint.h>
#include <stdio.h>

#include "wire/pptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pptp_msg m;
	struct pptp_gre g;
	char err[256];
	size_t ml;
	if (pptp_frame(data, size, 4096, &ml) == 1)
		(void)pptp_parse(data, ml, &m, err, sizeof err);
	(void)pptp_gre_parse(data, size, &g, err, sizeof err);
	return 0;
}
