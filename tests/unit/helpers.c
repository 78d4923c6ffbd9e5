/* The unit tests' shared helpers (see helpers.h) that every platform builds; the ones that run
 * the binary or bind sockets are in helpers_posix.c (Linux only). */
#include "helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/fmt.h"

struct obs *th_obs(struct obs_result *r, enum obs_kind k, unsigned proto, uint16_t port, bool natt, int32_t code,
		   int64_t value, const char *text)
{
	struct obs o;
	memset(&o, 0, sizeof o);
	o.kind = k;
	o.proto = proto;
	o.port = port;
	o.natt = natt;
	o.code = code;
	o.value = value;
	fmt_into(o.text, sizeof o.text, "%s", text ? text : "");
	fmt_into(o.evidence, sizeof o.evidence, "evidence of %s", obs_kind_name(k));
	assert_int_equal(obs_result_add(r, &o), 0);
	return &r->obs[r->nobs - 1];
}

void th_result_reset(struct obs_result *r, const char *host, unsigned protos, uint32_t timeout_ms)
{
	obs_result_free(r);
	memset(r, 0, sizeof *r);
	fmt_into(r->host, sizeof r->host, "%s", host);
	r->selected = r->probed = protos;
	r->timeout_ms = timeout_ms;
}

uint8_t *th_read_vector(const char *dir, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return buf;
}
