/* Fuzz target: the text of an MSCHAPv2 Success or Failure request ("S=<40 hex> M=...",
 * "E=691 R=0 C=<32 hex> V=3 M=...", wire/eap.h): tokens, hex and decimal values, repeats, the
 * M= text to the end. The kept M= text must be printable and terminated. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire/eap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eap_mschapv2_msg t;
	char err[160];
	if (eap_mschapv2_msg_parse(data, size, &t, err, sizeof err) != 0) {
		if (!memchr(err, 0, sizeof err))
			__builtin_trap();
		return 0;
	}
	size_t n = strnlen(t.m, sizeof t.m);
	if (n >= sizeof t.m)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (t.m[i] < 0x20 || t.m[i] > 0x7e)
			__builtin_trap();
	if (n && !t.has_m)
		__builtin_trap();
	return 0;
}
