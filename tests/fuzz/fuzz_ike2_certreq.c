/* Fuzz target: the CERTREQ root hashes from PEM text (crypto/ike2_certreq.h, formerly pem_hashes
 * in probes/ikev2.c reading --ca-file itself). Input: the PEM bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ike2_certreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h[20 * 8];
	size_t n = 0;
	size_t added = ike2_certreq_hashes(data, size, h, 8, &n, 8);
	if (added != n || n > 8)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (memcmp(h + 20 * i, h + 20 * k, 20) == 0)
				abort(); /* no duplicates */
	return 0;
}
