/* The fix plan and the undo record (fix.h): pure. Applying is local_win.c. */
#include "local/fix.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"

static bool same_target(const struct fix_action *x, const struct fix_action *a)
{
	if (x->kind != a->kind)
		return false;
	return a->kind == FIX_SET_DWORD ? x->reg == a->reg : x->svc == a->svc;
}

struct fix_action *fix_plan_add(struct fix_plan *p, const struct fix_action *a)
{
	for (size_t i = 0; i < p->n; i++) {
		struct fix_action *x = &p->a[i];
		if (!same_target(x, a))
			continue;
		/* two connections asking for AssumeUDP 1 and 2: 2 serves both [D: KB 926179] */
		if (a->kind == FIX_SET_DWORD && a->value > x->value && a->reg == LOCAL_REG_ASSUME_UDP)
			*x = *a;
		return x;
	}
	if (p->n >= FIX_MAX_ACTIONS)
		return NULL;
	p->a[p->n] = *a;
	return &p->a[p->n++];
}

/* The seed's step 6 [D: seed article]: after an IPsec change, restart IKEEXT and PolicyAgent. */
void fix_plan_finish(struct fix_plan *p, const struct local_pc *pc)
{
	bool ipsec = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct fix_action *a = &p->a[i];
		if (a->kind == FIX_RESTART_SERVICE)
			continue;
		if (a->kind == FIX_SET_DWORD || a->svc == LOCAL_SVC_IKEEXT || a->svc == LOCAL_SVC_POLICYAGENT ||
		    a->svc == LOCAL_SVC_BFE)
			ipsec = true;
	}
	if (!ipsec)
		return;
	/* BFE first when it is in the plan (IKEEXT depends on it), then IKEEXT, then PolicyAgent */
	static const enum local_svc order[] = {LOCAL_SVC_BFE, LOCAL_SVC_IKEEXT, LOCAL_SVC_POLICYAGENT};
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		enum local_svc s = order[k];
		bool planned = false;
		for (size_t i = 0; i < p->n; i++)
			planned |= p->a[i].svc == s && p->a[i].kind != FIX_SET_DWORD;
		if (s == LOCAL_SVC_BFE && !planned)
			continue;
		if (pc && pc->svc[s].state == LOCAL_ABSENT)
			continue; /* not installed: nothing to restart */
		struct fix_action r = {.kind = FIX_RESTART_SERVICE, .svc = s};
		fmt_into(r.cause, sizeof r.cause, "restart-ipsec");
		fmt_into(r.why, sizeof r.why, "the IPsec services read their settings when they start");
		/* a restart goes after every other change: remove and append */
		for (size_t i = 0; i < p->n; i++) {
			if (same_target(&p->a[i], &r)) {
				memmove(&p->a[i], &p->a[i + 1], (p->n - i - 1) * sizeof p->a[0]);
				p->n--;
				break;
			}
		}
		(void)fix_plan_add(p, &r);
	}
}

static const char *start_name(uint32_t t)
{
	switch (t) {
	case 2: return "automatic";
	case 3: return "manual";
	case 4: return "disabled";
	default: return "system";
	}
}

void fix_action_describe(const struct fix_action *a, char *out, size_t outlen)
{
	switch (a->kind) {
	case FIX_SET_DWORD: {
		const struct local_regval *o = &a->old_reg;
		char was[60];
		if (o->state == LOCAL_PRESENT)
			fmt_into(was, sizeof was, "%u", (unsigned)o->value);
		else
			fmt_into(was, sizeof was, "%s", o->state == LOCAL_WRONG_TYPE ? "not a DWORD" : "absent");
		fmt_into(out, outlen, "set HKLM\\%s\\%s = %u (REG_DWORD; now %s)%s", local_reg_defs[a->reg].key,
			 local_reg_defs[a->reg].value, (unsigned)a->value, was, a->reboot ? "; takes effect after a restart of the PC" : "");
		break;
	}
	case FIX_START_TYPE:
		fmt_into(out, outlen, "set the start type of %s to %s (now %s)", local_svc_defs[a->svc].name, start_name(a->value),
			 start_name(a->old_start));
		break;
	case FIX_RESTART_SERVICE:
		fmt_into(out, outlen, "restart the %s service (stop it if it runs, then start it)", local_svc_defs[a->svc].name);
		break;
	}
}

void fix_action_command(const struct fix_action *a, char *out, size_t outlen)
{
	switch (a->kind) {
	case FIX_SET_DWORD:
		fmt_into(out, outlen, "reg add \"HKLM\\%s\" /v %s /t REG_DWORD /d %u /f", local_reg_defs[a->reg].key,
			 local_reg_defs[a->reg].value, (unsigned)a->value);
		break;
	case FIX_START_TYPE:
		fmt_into(out, outlen, "sc config %s start= %s", local_svc_defs[a->svc].name,
			 a->value == 2 ? "auto" : a->value == 3 ? "demand" : a->value == 4 ? "disabled" : "system");
		break;
	case FIX_RESTART_SERVICE:
		fmt_into(out, outlen, "net stop %s & net start %s", local_svc_defs[a->svc].name, local_svc_defs[a->svc].name);
		break;
	}
}

/* ---- the undo record ----
 * {"vpndiag_fix_undo": 1, "time": 1733390000,
 *  "items": [{"registry": "AssumeUDPEncapsulationContextOnSendRule", "existed": false, "old": 0, "new": 2},
 *            {"service": "IKEEXT", "old_start": 4, "new_start": 3}]} */
char *fix_undo_json(const struct fix_plan *p, int64_t now)
{
	json_object *root = json_object_new_object(), *items = json_object_new_array();
	json_object_object_add(root, "vpndiag_fix_undo", json_object_new_int(1));
	json_object_object_add(root, "time", json_object_new_int64(now));
	for (size_t i = 0; i < p->n; i++) {
		const struct fix_action *a = &p->a[i];
		json_object *o = NULL;
		if (a->kind == FIX_SET_DWORD) {
			o = json_object_new_object();
			json_object_object_add(o, "registry", json_object_new_string(local_reg_defs[a->reg].value));
			/* a value of another type is restored as absent: Windows read it as 0 either way */
			bool existed = a->old_reg.state == LOCAL_PRESENT;
			json_object_object_add(o, "existed", json_object_new_boolean(existed));
			json_object_object_add(o, "old", json_object_new_int64(existed ? a->old_reg.value : 0));
			json_object_object_add(o, "new", json_object_new_int64(a->value));
		} else if (a->kind == FIX_START_TYPE) {
			o = json_object_new_object();
			json_object_object_add(o, "service", json_object_new_string(local_svc_defs[a->svc].name));
			json_object_object_add(o, "old_start", json_object_new_int64(a->old_start));
			json_object_object_add(o, "new_start", json_object_new_int64(a->value));
		}
		if (o)
			json_object_array_add(items, o);
	}
	json_object_object_add(root, "items", items);
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;
	json_object_put(root);
	return out;
}

#define UNDO_MAX_BYTES 65536

static bool get_u32(json_object *o, const char *key, uint32_t max, uint32_t *v)
{
	json_object *x;
	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return false;
	int64_t n = json_object_get_int64(x);
	if (n < 0 || (uint64_t)n > max)
		return false;
	*v = (uint32_t)n;
	return true;
}

static int undo_item(json_object *o, struct fix_undo_item *it, char *err, size_t errlen)
{
	json_object *x;
	memset(it, 0, sizeof *it);
	if (!json_object_is_type(o, json_type_object)) {
		fmt_into(err, errlen, "an item is not an object");
		return -1;
	}
	if (json_object_object_get_ex(o, "registry", &x) && json_object_is_type(x, json_type_string)) {
		const char *name = json_object_get_string(x);
		int r = -1;
		for (int k = 0; k < LOCAL_REG_COUNT; k++)
			if (strcmp(local_reg_defs[k].value, name) == 0)
				r = k;
		json_object *ex;
		if (r < 0 || !json_object_object_get_ex(o, "existed", &ex) || !json_object_is_type(ex, json_type_boolean) ||
		    !get_u32(o, "old", UINT32_MAX, &it->old_value) || !get_u32(o, "new", UINT32_MAX, &it->new_value)) {
			fmt_into(err, errlen, "a registry item is not one vpndiag fix writes");
			return -1;
		}
		it->kind = FIX_SET_DWORD;
		it->reg = (enum local_reg)r;
		it->existed = json_object_get_boolean(ex);
		return 0;
	}
	if (json_object_object_get_ex(o, "service", &x) && json_object_is_type(x, json_type_string)) {
		const char *name = json_object_get_string(x);
		int s = -1;
		for (int k = 0; k < LOCAL_SVC_COUNT; k++)
			if (strcmp(local_svc_defs[k].name, name) == 0)
				s = k;
		if (s < 0 || !get_u32(o, "old_start", 4, &it->old_value) || !get_u32(o, "new_start", 4, &it->new_value)) {
			fmt_into(err, errlen, "a service item is not one vpndiag fix writes");
			return -1;
		}
		it->kind = FIX_START_TYPE;
		it->svc = (enum local_svc)s;
		return 0;
	}
	fmt_into(err, errlen, "an item is neither a registry value nor a service");
	return -1;
}

int fix_undo_parse(const uint8_t *buf, size_t len, struct fix_undo *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof *u);
	if (len > UNDO_MAX_BYTES) {
		fmt_into(err, errlen, "the undo record is larger than %u bytes", UNDO_MAX_BYTES);
		return -1;
	}
	json_tokener *tok = json_tokener_new_ex(16);
	if (!tok) {
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	json_object *root = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int rc = -1;
	json_object *x, *items;
	uint32_t ver = 0;
	if (!root || je != json_tokener_success) {
		fmt_into(err, errlen, "the undo record is not JSON (%s)", root ? "trailing data" : json_tokener_error_desc(je));
	} else if (used < len && buf[used] != '\n' && buf[used] != '\r' && buf[used] != ' ') {
		fmt_into(err, errlen, "the undo record has data after its end");
	} else if (!json_object_is_type(root, json_type_object) || !get_u32(root, "vpndiag_fix_undo", 1, &ver) || ver != 1 ||
		   !json_object_object_get_ex(root, "items", &items) || !json_object_is_type(items, json_type_array)) {
		fmt_into(err, errlen, "not a vpndiag fix undo record (version 1)");
	} else if (json_object_array_length(items) > FIX_MAX_ACTIONS) {
		fmt_into(err, errlen, "the undo record has more than %d items", FIX_MAX_ACTIONS);
	} else {
		rc = 0;
		if (json_object_object_get_ex(root, "time", &x) && json_object_is_type(x, json_type_int))
			u->time = json_object_get_int64(x);
		for (size_t i = 0; rc == 0 && i < json_object_array_length(items); i++)
			rc = undo_item(json_object_array_get_idx(items, i), &u->item[u->n++], err, errlen);
	}
	json_object_put(root);
	if (rc)
		memset(u, 0, sizeof *u);
	return rc;
}
