/* Fuzz target: the RasClient event reader (local/evt.c), on the bytes as they are and again as the
 * body of a UTF-16LE document (a BOM put in front), with the invariants of evt.h checked on every
 * event and evt_error_code run on each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "local/evt.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);
	if (!nul || !text_valid_utf8(s, (size_t)(nul - s)))
		__builtin_trap();
}

static void one(const uint8_t *data, size_t size)
{
	struct evt_log log;
	char err[200];
	if (evt_parse(data, size, &log, err, sizeof err) != 0) {
		if (!err[0] || strchr(err, '\n') || log.events || log.n)
			__builtin_trap();
		return;
	}
	if (log.n > EVT_MAX_EVENTS || (log.n && !log.events))
		__builtin_trap();
	for (size_t i = 0; i < log.n; i++) {
		const struct evt_event *e = &log.events[i];
		check_str(e->provider, sizeof e->provider);
		if (e->id > 65535 || e->ndata > EVT_MAX_DATA)
			__builtin_trap();
		for (unsigned k = 0; k < e->ndata; k++)
			check_str(e->data[k], sizeof e->data[k]);
		int64_t code;
		if (evt_error_code(e, &code) && (code < 0 || code > 0xFFFFFFFFLL))
			__builtin_trap();
	}
	evt_free(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	uint8_t *u16 = malloc(size + 2);
	if (!u16)
		return 0;
	u16[0] = 0xFF;
	u16[1] = 0xFE;
	if (size)
		memcpy(u16 + 2, data, size);
	one(u16, size + 2);
	free(u16);
	return 0;
}
