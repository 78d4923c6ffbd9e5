/* libFuzzer: arbitrary observations (as a hostile server could shape them: long texts, odd codes,
 * any mix of kinds) through the rules and all three renderers. Nothing may crash or overflow. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "report/report_probe.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct obs_result r;
	static struct diagnosis d;
	memset(&r, 0, sizeof r);
	snprintf(r.host, sizeof r.host, "fuzz.example");
	r.timeout_ms = 1000;
	r.probed_addr = -1;
	size_t off = 0;
	if (size < 2)
		return 0;
	r.selected = data[off++] & 0xf;
	r.probed = data[off++] & 0xf;
	while (size - off >= 12 && r.nobs < 64) {
		struct obs o;
		memset(&o, 0, sizeof o);
		o.kind = (enum obs_kind)(data[off] % OBS_KIND_COUNT);
		o.proto = 1u << (data[off + 1] & 3);
		o.natt = data[off + 1] & 4;
		o.port = (uint16_t)(data[off + 2] << 8 | data[off + 3]);
		o.code = (int32_t)(data[off + 4] << 8 | data[off + 5]);
		o.value = (int8_t)data[off + 6];
		size_t tl = data[off + 7] % 64;
		off += 8;
		if (tl > size - off)
			tl = size - off;
		for (size_t i = 0; i < tl && i < sizeof o.text - 1; i++)
			o.text[i] = (char)(data[off + i] ? data[off + i] : 'x');
		memcpy(o.evidence, o.text, sizeof o.text);
		snprintf(o.set, sizeof o.set, "%s", tl & 2 ? "modp2048" : "negotiatedh2048"); /* a policy set or not */
		o.has_prop = tl & 1;
		o.prop.ntransforms = tl % (IKE2_MAX_TRANSFORMS + 1);
		for (size_t i = 0; i < o.prop.ntransforms; i++) {
			o.prop.t[i].type = (uint8_t)(1 + (o.text[i % 8] & 3));
			o.prop.t[i].id = (uint16_t)(o.text[(i + 1) % 8] & 0x1f);
		}
		off += tl;
		if (obs_result_add(&r, &o) != 0)
			break;
	}
	rules_evaluate(&r, &d);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		report_text(null, &r, &d, NULL, true);
		report_monitoring(null, &r, &d);
		fclose(null);
	}
	struct json_object *j = report_json(&r, &d, NULL, true);
	if (!json_object_to_json_string(j))
		abort();
	json_object_put(j);
	(void)d.exit_code;
	obs_result_free(&r);
	return 0;
}
