/* The exporter's target allow-list (--allow; see exporter_config.h). Pure. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/exporter_config.h"
#include "util/fmt.h"

/* A target or rule address without brackets and zone: "[2001:db8::1]" -> "2001:db8::1". Returns
 * the address family parsed into out (16 bytes), or 0 when s is not an address literal. */
static int parse_addr(const char *s, size_t len, uint8_t *out)
{
	char buf[64];
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *pct = strchr(buf, '%'); /* a zone (fe80::1%eth0) does not change the address */
	if (pct && strchr(buf, ':'))
		*pct = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return AF_INET6;
	return 0;
}

/* Lower-cases a DNS name into out without a final dot. False when it is not a plausible name
 * (letters, digits, '-', '_', dots; no empty label). */
static bool norm_name(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= outlen)
		return false;
	char prev = '.';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!isalnum((unsigned char)c) && c != '-' && c != '_' && c != '.')
			return false;
		if (c == '.' && prev == '.')
			return false;
		out[i] = (char)tolower((unsigned char)c);
		prev = c;
	}
	out[n] = '\0';
	return true;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t bytes = bits / 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	unsigned rest = bits % 8;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int exporter_allow_add(struct exporter_allow *a, const char *spec, char *err, size_t errlen)
{
	if (strcmp(spec, "any") == 0) {
		a->any = true;
		return 0;
	}
	if (a->n >= EXPORTER_MAX_ALLOW) {
		fmt_into(err, errlen, "--allow: at most %d rules", EXPORTER_MAX_ALLOW);
		return -1;
	}
	struct exporter_allow_rule r;
	memset(&r, 0, sizeof r);
	const char *slash = strchr(spec, '/');
	size_t alen = slash ? (size_t)(slash - spec) : strlen(spec);
	int fam = parse_addr(spec, alen, r.addr);
	if (fam) {
		unsigned max = fam == AF_INET ? 32 : 128;
		r.kind = fam == AF_INET ? ALLOW_CIDR4 : ALLOW_CIDR6;
		r.prefix = max;
		if (slash) {
			char *end;
			unsigned long v = strtoul(slash + 1, &end, 10);
			if (!isdigit((unsigned char)slash[1]) || *end || v > max) {
				fmt_into(err, errlen, "--allow '%s': the prefix length after '/' is 0 to %u", spec, max);
				return -1;
			}
			r.prefix = (unsigned)v;
		}
		a->r[a->n++] = r;
		return 0;
	}
	if (slash) {
		fmt_into(err, errlen, "--allow '%s': not an IPv4 or IPv6 network (CIDR such as 198.18.0.0/15)", spec);
		return -1;
	}
	if (spec[0] == '*' && spec[1] == '.') {
		r.kind = ALLOW_SUFFIX;
		r.name[0] = '.';
		if (!norm_name(spec + 2, r.name + 1, sizeof r.name - 1)) {
			fmt_into(err, errlen, "--allow '%s': not a host name, a wildcard (*.example.com), a CIDR or 'any'", spec);
			return -1;
		}
	} else {
		r.kind = ALLOW_NAME;
		if (!norm_name(spec, r.name, sizeof r.name) || strchr(spec, '*')) {
			fmt_into(err, errlen, "--allow '%s': not a host name, a wildcard (*.example.com), a CIDR or 'any'", spec);
			return -1;
		}
	}
	a->r[a->n++] = r;
	return 0;
}

bool exporter_allow_match(const struct exporter_allow *a, const char *target)
{
	if (a->any)
		return true;
	uint8_t addr[16];
	int fam = parse_addr(target, strlen(target), addr);
	char name[256];
	if (!fam && !norm_name(target, name, sizeof name))
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct exporter_allow_rule *r = &a->r[i];
		switch (r->kind) {
		case ALLOW_CIDR4:
			if (fam == AF_INET && prefix_match(addr, r->addr, r->prefix))
				return true;
			break;
		case ALLOW_CIDR6:
			if (fam == AF_INET6 && prefix_match(addr, r->addr, r->prefix))
				return true;
			break;
		case ALLOW_NAME:
			if (!fam && strcmp(name, r->name) == 0)
				return true;
			break;
		case ALLOW_SUFFIX: {
			size_t n = strlen(name), s = strlen(r->name);
			if (!fam && n > s && strcmp(name + n - s, r->name) == 0)
				return true;
			break;
		}
		}
	}
	return false;
}
