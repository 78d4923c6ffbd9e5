/* Fuzz target: the knowledge-base entry parser (also reads --data folders from users). */
#include <stdint.h>
#include <stdio.h>

#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_entry e;
	char err[256];
	if (kb_parse_entry("fuzz.txt", data, size, &e, err, sizeof err) == 0)
		kb_entry_free(&e);
	return 0;
}
