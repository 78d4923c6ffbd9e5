/* Fuzz target: the PPTP control stream (wire/pptp.h pptp_stream) as the probe's read_ctrl drives it:
 * the input is cut into TCP reads (each chunk's size from one input byte), every whole message is
 * parsed with pptp_parse. Checks the stream's own invariants: a message is 12..1024 bytes, starts
 * with its length, and the buffer never holds more than its capacity. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wire/pptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pptp_stream S;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pptp_stream_init(&S, 1024);
	size_t i = 0;
	for (int reads = 0; i < size && reads < 4096; reads++) {
		size_t chunk = (size_t)data[i++] * 4 + 1;
		if (chunk > size - i)
			chunk = size - i;
		size_t room = pptp_stream_room(&S);
		size_t took = pptp_stream_feed(&S, data + i, chunk);
		if (took > room || took > chunk || S.off + S.len > PPTP_STREAM_CAP)
			abort();
		i += took;
		for (int k = 0; k < 256; k++) {
			const uint8_t *m;
			size_t ml;
			enum pptp_stream_rc rc = pptp_stream_next(&S, &m, &ml);
			if (rc != PPTP_STREAM_MSG)
				break;
			if (ml < 12 || ml > 1024 || (size_t)(m[0] << 8 | m[1]) != ml)
				abort();
			struct pptp_msg msg;
			char err[200];
			(void)pptp_parse(m, ml, &msg, err, sizeof err);
		}
		if (S.failed || took == 0)
			break;
	}
	size_t ann;
	(void)pptp_stream_pending(&S, &ann);
	return 0;
}
