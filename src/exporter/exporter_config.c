/* The exporter's YAML module config, parsed with libyaml's event parser (see exporter_config.h). */
#include "exporter/exporter_config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <yaml.h>

#include "proto/proto.h"
#include "util/fmt.h"

/* A bound on the events of one file, far above any real config (64 KiB holds fewer), so that a
 * hostile file cannot make the parse long. */
#define MAX_EVENTS 20000

struct cfg_parser {
	yaml_parser_t y;
	yaml_event_t ev;     /* the current event (valid while have_ev) */
	bool have_ev;
	unsigned nevents;
	char *err;
	size_t errlen;
};

static int cfg_fail(struct cfg_parser *p, size_t line, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));

static int cfg_fail(struct cfg_parser *p, size_t line, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fmt_into(p->err, p->errlen, "line %zu: %s", line + 1, msg);
	return -1;
}

/* Text from the file as an error quotes it: printable ASCII, at most 48 bytes, '?' for the rest,
 * so that an error stays one line whatever the file holds. */
struct shown {
	char s[52];
};

static struct shown show(const char *in)
{
	struct shown o;
	size_t n = 0;
	for (; *in && n < 48; in++)
		o.s[n++] = *in >= 0x20 && *in < 0x7f ? *in : '?';
	if (*in) {
		memcpy(o.s + n, "...", 3);
		n += 3;
	}
	o.s[n] = '\0';
	return o;
}

/* The current event's line (0-based). */
static size_t cfg_line(const struct cfg_parser *p)
{
	return p->have_ev ? p->ev.start_mark.line : 0;
}

/* Makes the next event current. 0, or -1 (the error said). */
static int cfg_next(struct cfg_parser *p)
{
	if (p->have_ev) {
		yaml_event_delete(&p->ev);
		p->have_ev = false;
	}
	if (++p->nevents > MAX_EVENTS)
		return cfg_fail(p, p->y.mark.line, "too many YAML nodes");
	if (!yaml_parser_parse(&p->y, &p->ev)) {
		return cfg_fail(p, p->y.problem_mark.line, "not valid YAML: %s",
				p->y.problem ? p->y.problem : "parse error");
	}
	p->have_ev = true;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return cfg_fail(p, cfg_line(p), "YAML aliases are not supported");
	if ((p->ev.type == YAML_SCALAR_EVENT && p->ev.data.scalar.anchor) ||
	    (p->ev.type == YAML_SEQUENCE_START_EVENT && p->ev.data.sequence_start.anchor) ||
	    (p->ev.type == YAML_MAPPING_START_EVENT && p->ev.data.mapping_start.anchor))
		return cfg_fail(p, cfg_line(p), "YAML anchors are not supported");
	return 0;
}

static const char *cfg_scalar(const struct cfg_parser *p)
{
	return (const char *)p->ev.data.scalar.value;
}

/* A YAML null: an empty plain scalar, "~" or "null". */
static bool cfg_is_null(const struct cfg_parser *p)
{
	if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = cfg_scalar(p);
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A scalar value with no NUL inside (libyaml allows "\0" escapes) and at most max-1 bytes. */
static int cfg_string(struct cfg_parser *p, const char *key, char *out, size_t max)
{
	if (p->ev.type != YAML_SCALAR_EVENT)
		return cfg_fail(p, cfg_line(p), "'%s' takes a single value", key);
	size_t n = p->ev.data.scalar.length;
	if (n == 0 || cfg_is_null(p))
		return cfg_fail(p, cfg_line(p), "'%s' is empty", key);
	if (memchr(cfg_scalar(p), '\0', n) || n >= max)
		return cfg_fail(p, cfg_line(p), "'%s' is %s", key, n >= max ? "too long" : "not text");
	memcpy(out, cfg_scalar(p), n + 1);
	return 0;
}

/* ---- values ---- */

static int add_protocol(struct cfg_parser *p, const char *word, size_t len, unsigned *bits)
{
	char key[32];
	if (len == 0 || len >= sizeof key)
		return cfg_fail(p, cfg_line(p), "'protocols' takes names from: %s, or all", proto_keys_list());
	memcpy(key, word, len);
	key[len] = '\0';
	if (strcmp(key, "all") == 0) {
		*bits |= PROTO_ALL;
		return 0;
	}
	int idx = proto_index(key);
	if (idx < 0)
		return cfg_fail(p, cfg_line(p), "unknown protocol '%s' (known: %s)", show(key).s, proto_keys_list());
	*bits |= proto_table[idx].bit;
	return 0;
}

/* protocols: [a, b] or "a,b" (spaces around the commas allowed). */
static int parse_protocols(struct cfg_parser *p, unsigned *bits)
{
	*bits = 0;
	if (p->ev.type == YAML_SCALAR_EVENT) {
		const char *s = cfg_scalar(p), *end = s + p->ev.data.scalar.length;
		while (s < end) {
			const char *c = memchr(s, ',', (size_t)(end - s));
			const char *e = c ? c : end;
			while (s < e && *s == ' ')
				s++;
			const char *t = e;
			while (t > s && t[-1] == ' ')
				t--;
			if (add_protocol(p, s, (size_t)(t - s), bits) != 0)
				return -1;
			s = c ? c + 1 : end;
		}
	} else if (p->ev.type == YAML_SEQUENCE_START_EVENT) {
		for (;;) {
			if (cfg_next(p) != 0)
				return -1;
			if (p->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			if (p->ev.type != YAML_SCALAR_EVENT)
				return cfg_fail(p, cfg_line(p), "'protocols' is a list of names");
			if (add_protocol(p, cfg_scalar(p), strlen(cfg_scalar(p)), bits) != 0)
				return -1;
		}
	} else {
		return cfg_fail(p, cfg_line(p), "'protocols' is a list of names");
	}
	if (!*bits)
		return cfg_fail(p, cfg_line(p), "'protocols' is empty (known: %s, or all)", proto_keys_list());
	return 0;
}

/* timeout: seconds as a number, or with a unit: 6, 6.5, "6s", "500ms". */
static int parse_timeout(struct cfg_parser *p, uint32_t *ms)
{
	char buf[32];
	if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.length == 0 || p->ev.data.scalar.length >= sizeof buf)
		return cfg_fail(p, cfg_line(p), "'timeout' takes seconds, more than 0 and at most 300 (e.g. 6 or 6s)");
	memcpy(buf, cfg_scalar(p), p->ev.data.scalar.length + 1);
	char *end;
	double v = strtod(buf, &end);
	double scale = 1000.0;
	if (end != buf && strcmp(end, "ms") == 0)
		scale = 1.0;
	else if (end != buf && strcmp(end, "s") == 0)
		scale = 1000.0;
	else if (end == buf || *end)
		v = NAN;
	double m = v * scale;
	if (!isfinite(m) || m < 1.0 || m > (double)EXPORTER_MAX_TIMEOUT_MS || !isdigit((unsigned char)buf[0]))
		return cfg_fail(p, cfg_line(p), "'timeout' takes seconds, more than 0 and at most 300 (got '%s')", show(buf).s);
	*ms = (uint32_t)m;
	return 0;
}

/* profile: NAME|PATH or a list of at most EXPORTER_MAX_PROFILES. */
static int parse_profiles(struct cfg_parser *p, struct exporter_module *m)
{
	m->nprofiles = 0;
	if (p->ev.type == YAML_SCALAR_EVENT) {
		if (cfg_string(p, "profile", m->profiles[0], sizeof m->profiles[0]) != 0)
			return -1;
		m->nprofiles = 1;
		return 0;
	}
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return cfg_fail(p, cfg_line(p), "'profile' takes a name or a path, or a list of them");
	for (;;) {
		if (cfg_next(p) != 0)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (m->nprofiles >= EXPORTER_MAX_PROFILES)
			return cfg_fail(p, cfg_line(p), "'profile': at most %d (one built-in name and one file per part)",
					EXPORTER_MAX_PROFILES);
		if (cfg_string(p, "profile", m->profiles[m->nprofiles], sizeof m->profiles[0]) != 0)
			return -1;
		m->nprofiles++;
	}
	return 0;
}

static int parse_family(struct cfg_parser *p, int *family)
{
	char v[8];
	if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.length >= sizeof v)
		return cfg_fail(p, cfg_line(p), "'ip_protocol' is ip4 or ip6");
	memcpy(v, cfg_scalar(p), p->ev.data.scalar.length + 1);
	if (strcmp(v, "ip4") == 0)
		*family = AF_INET;
	else if (strcmp(v, "ip6") == 0)
		*family = AF_INET6;
	else
		return cfg_fail(p, cfg_line(p), "'ip_protocol' is ip4 or ip6 (got '%s')", show(v).s);
	return 0;
}

/* Keys that would hold a secret inline: refused, with the file key to use instead. */
static const char *const inline_secrets[] = {"psk", "password", "secret", "pre_shared_key", "key", NULL};

/* One module: the current event is its value (a mapping, or null for all defaults). */
static int parse_module(struct cfg_parser *p, struct exporter_module *m)
{
	if (cfg_is_null(p))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return cfg_fail(p, cfg_line(p), "module '%s' must be a mapping of settings", m->name);
	unsigned seen = 0;
	static const char *const keys[] = {"protocols", "timeout", "profile", "ca_file", "psk_file", "ip_protocol", NULL};
	for (;;) {
		if (cfg_next(p) != 0)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return cfg_fail(p, cfg_line(p), "module '%s': a setting's name must be text", m->name);
		char key[40];
		fmt_into(key, sizeof key, "%s", cfg_scalar(p));
		size_t line = cfg_line(p);
		int k = -1;
		for (int i = 0; keys[i]; i++)
			if (strcmp(key, keys[i]) == 0)
				k = i;
		if (k < 0) {
			for (int i = 0; inline_secrets[i]; i++)
				if (strcmp(key, inline_secrets[i]) == 0)
					return cfg_fail(p, line, "module '%s': secrets go in a file: use psk_file: PATH, not '%s'", m->name, show(key).s);
			return cfg_fail(p, line, "unknown key '%s' in module '%s' (known: protocols, timeout, profile, ca_file, psk_file, ip_protocol)",
					show(key).s, m->name);
		}
		if (seen & 1u << k)
			return cfg_fail(p, line, "module '%s': '%s' given twice", m->name, show(key).s);
		seen |= 1u << k;
		if (cfg_next(p) != 0)
			return -1;
		int rc;
		switch (k) {
		case 0: rc = parse_protocols(p, &m->protocols); break;
		case 1: rc = parse_timeout(p, &m->timeout_ms); break;
		case 2: rc = parse_profiles(p, m); break;
		case 3: rc = cfg_string(p, "ca_file", m->ca_file, sizeof m->ca_file); break;
		case 4: rc = cfg_string(p, "psk_file", m->psk_file, sizeof m->psk_file); break;
		default: rc = parse_family(p, &m->family); break;
		}
		if (rc != 0)
			return -1;
	}
}

/* A module name: what a URL's module= can carry without escaping. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static int parse_modules(struct cfg_parser *p, struct exporter_config *c)
{
	if (cfg_is_null(p))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return cfg_fail(p, cfg_line(p), "'modules' must be a mapping of module names to settings");
	for (;;) {
		if (cfg_next(p) != 0)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return cfg_fail(p, cfg_line(p), "a module's name must be text");
		const char *name = cfg_scalar(p);
		if (strlen(name) >= EXPORTER_NAME_MAX || p->ev.data.scalar.length != strlen(name) || !name_ok(name))
			return cfg_fail(p, cfg_line(p), "module names are letters, digits, '_', '-', '.' (at most %d)",
					EXPORTER_NAME_MAX - 1);
		if (exporter_config_find(c, name))
			return cfg_fail(p, cfg_line(p), "module '%s' defined twice", show(name).s);
		if (c->n >= EXPORTER_MAX_MODULES)
			return cfg_fail(p, cfg_line(p), "more than %d modules", EXPORTER_MAX_MODULES);
		struct exporter_module *m = &c->m[c->n++];
		exporter_module_defaults(m, name);
		if (cfg_next(p) != 0 || parse_module(p, m) != 0)
			return -1;
	}
}

/* The document: a mapping with `modules` (other blackbox_exporter top-level keys are not ours). */
static int parse_document(struct cfg_parser *p, struct exporter_config *c)
{
	if (cfg_next(p) != 0)
		return -1;
	if (p->ev.type != YAML_STREAM_START_EVENT)
		return cfg_fail(p, cfg_line(p), "not a YAML stream");
	if (cfg_next(p) != 0)
		return -1;
	if (p->ev.type == YAML_STREAM_END_EVENT)
		return cfg_fail(p, 0, "the config is empty (expected 'modules:')");
	if (cfg_next(p) != 0)
		return -1;
	if (cfg_is_null(p))
		return cfg_fail(p, cfg_line(p), "the config is empty (expected 'modules:')");
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return cfg_fail(p, cfg_line(p), "the config must be a mapping with 'modules:'");
	bool have_modules = false;
	for (;;) {
		if (cfg_next(p) != 0)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return cfg_fail(p, cfg_line(p), "a top-level key must be text");
		if (strcmp(cfg_scalar(p), "modules") != 0)
			return cfg_fail(p, cfg_line(p), "unknown top-level key '%s' (expected 'modules:')", show(cfg_scalar(p)).s);
		if (have_modules)
			return cfg_fail(p, cfg_line(p), "'modules' given twice");
		have_modules = true;
		if (cfg_next(p) != 0 || parse_modules(p, c) != 0)
			return -1;
	}
	if (!have_modules)
		return cfg_fail(p, cfg_line(p), "no 'modules:' key");
	if (cfg_next(p) != 0)
		return -1;
	if (p->ev.type != YAML_DOCUMENT_END_EVENT)
		return cfg_fail(p, cfg_line(p), "unexpected content after the config");
	if (cfg_next(p) != 0)
		return -1;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return cfg_fail(p, cfg_line(p), "one YAML document only");
	return 0;
}

void exporter_module_defaults(struct exporter_module *m, const char *name)
{
	memset(m, 0, sizeof *m);
	fmt_into(m->name, sizeof m->name, "%s", name);
	m->protocols = PROTO_ALL;
	m->timeout_ms = EXPORTER_DEFAULT_TIMEOUT_MS;
	m->family = AF_UNSPEC;
}

int exporter_config_parse(const uint8_t *buf, size_t len, struct exporter_config *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = '\0';
	if (len > EXPORTER_CONFIG_MAX) {
		fmt_into(err, errlen, "larger than %u KiB", EXPORTER_CONFIG_MAX >> 10);
		return -1;
	}
	struct cfg_parser p = {.err = err, .errlen = errlen};
	if (!yaml_parser_initialize(&p.y)) {
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p.y, buf, len);
	int rc = parse_document(&p, out);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.y);
	return rc;
}

const struct exporter_module *exporter_config_find(const struct exporter_config *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->m[i].name, name) == 0)
			return &c->m[i];
	return NULL;
}
