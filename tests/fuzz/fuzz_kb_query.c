/* Fuzz target: `vpndiag explain` query classification. */
#include <stdint.h>

#include "kb/kb_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kb_query q;
	char err[256];
	kb_query_parse((const char *)data, size, &q, err, sizeof err);
	return 0;
}
