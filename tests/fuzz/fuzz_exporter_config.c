/* Fuzz target: `vpndiag exporter --config FILE` (YAML through libyaml, exporter/exporter_config.c)
 * and the --allow rules (the same bytes as one rule and as a target). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "exporter/exporter_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exporter_config c;
	static struct exporter_allow a;
	char err[400];
	if (exporter_config_parse(data, size, &c, err, sizeof err) == 0) {
		for (size_t i = 0; i < c.n; i++) {
			const struct exporter_module *m = &c.m[i];
			if (exporter_config_find(&c, m->name) != m || !m->protocols || !m->timeout_ms ||
			    m->timeout_ms > EXPORTER_MAX_TIMEOUT_MS || m->nprofiles > EXPORTER_MAX_PROFILES)
				__builtin_trap(); /* every module parsed is whole and found by its name */
		}
	} else if (!err[0] || strchr(err, '\n')) {
		__builtin_trap(); /* an error is one line, never empty */
	}
	char s[300];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	memset(&a, 0, sizeof a);
	if (exporter_allow_add(&a, s, err, sizeof err) == 0 && !a.any && strchr(s, '/') == NULL && s[0] != '*' &&
	    !exporter_allow_match(&a, s))
		__builtin_trap(); /* a plain name or address allows itself */
	(void)exporter_allow_match(&a, "198.18.0.1");
	return 0;
}
