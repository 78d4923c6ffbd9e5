/* Fuzz target: the L2TP message parser (header flags, AVP chain, Result Code). */
#include <stdint.h>
#include <stdio.h>

#include "wire/l2tp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct l2tp_msg m;
	char err[256];
	(void)l2tp_parse(data, size, &m, err, sizeof err);
	return 0;
}
