/* `vpndiag exporter`: its module configuration (--config FILE) in blackbox_exporter's YAML shape,
 * and the target allow-list (--allow). Both pure: no I/O, no globals (the file is read by the CLI
 * with util/file.h's bounded reader; profiles, CA files and keys are loaded or checked by the CLI).
 *
 *   modules:
 *     default:                      # used when a request names no module
 *       protocols: [ikev2, sstp]    # or "ikev2,sstp"; default all
 *       timeout: 6                  # seconds (6, 6s, 6.5, 500ms); >0, <=300; default 10
 *       profile: windows-10         # or a list of at most 3 (as `probe --profile`)
 *       ca_file: /etc/vpndiag/corp-root.pem
 *       psk_file: /etc/vpndiag/l2tp.psk   # secrets by file path only, read per probe
 *       ip_protocol: ip4            # ip4 or ip6 (as -4/-6); default both
 *
 * Unknown keys, a secret given inline (psk, password...), anchors and aliases, several documents
 * are errors; every error is one line naming the line of the file. */
#ifndef VPNDIAG_EXPORTER_CONFIG_H
#define VPNDIAG_EXPORTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORTER_CONFIG_MAX (64u << 10) /* bytes: the file's bound */
#define EXPORTER_MAX_MODULES 32
#define EXPORTER_NAME_MAX 64            /* a module name, with its NUL */
#define EXPORTER_PATH_MAX 512           /* a file path, with its NUL */
#define EXPORTER_MAX_PROFILES 3         /* as `probe --profile` */
#define EXPORTER_DEFAULT_TIMEOUT_MS 10000u
#define EXPORTER_MAX_TIMEOUT_MS 300000u

struct exporter_module {
	char name[EXPORTER_NAME_MAX];
	unsigned protocols;              /* proto bits (proto/proto.h), never 0 */
	uint32_t timeout_ms;             /* the module's bound on a probe */
	int family;                      /* AF_UNSPEC, AF_INET (ip4), AF_INET6 (ip6) */
	size_t nprofiles;
	char profiles[EXPORTER_MAX_PROFILES][EXPORTER_PATH_MAX];
	char ca_file[EXPORTER_PATH_MAX]; /* "" = the system trust store */
	char psk_file[EXPORTER_PATH_MAX];/* "" = no key */
};

struct exporter_config {
	size_t n;
	struct exporter_module m[EXPORTER_MAX_MODULES];
};

/* The module used without a config file, or for `default` when the file has none: every
 * protocol, 10 s, the default profile, the system trust store, no key. */
void exporter_module_defaults(struct exporter_module *m, const char *name);

/* Parses a YAML config (len bytes of buf, no NUL needed). Returns 0, or -1 with one line in err
 * ("line 4: unknown key 'timout' in module 'default'"). *out is filled either way (partially on
 * error). Pure. */
int exporter_config_parse(const uint8_t *buf, size_t len, struct exporter_config *out, char *err, size_t errlen);

/* The module named name, or NULL. */
const struct exporter_module *exporter_config_find(const struct exporter_config *c, const char *name);

/* ---- the target allow-list (--allow) ----
 * A rule is an IPv4 or IPv6 CIDR ("198.18.0.0/15", "2001:db8::/32", a bare address = /32 or
 * /128), a host name ("vpn.example.com", matched without regard to case or a final dot), a
 * wildcard name ("*.example.com": any name below it, not the name itself), or "any".
 * A CIDR matches address targets only: a name is never allowed by a CIDR, since what it resolves
 * to is only known when the probe runs (and may change between a check and the probe). */
#define EXPORTER_MAX_ALLOW 64

struct exporter_allow_rule {
	enum { ALLOW_CIDR4, ALLOW_CIDR6, ALLOW_NAME, ALLOW_SUFFIX } kind;
	uint8_t addr[16];
	unsigned prefix;
	char name[256];                  /* lower case, no final dot; ALLOW_SUFFIX: ".example.com" */
};

struct exporter_allow {
	bool any;
	size_t n;
	struct exporter_allow_rule r[EXPORTER_MAX_ALLOW];
};

/* Adds one --allow value. Returns 0, or -1 with one line in err. Pure. */
int exporter_allow_add(struct exporter_allow *a, const char *spec, char *err, size_t errlen);
/* True when target (a host name, an IPv4 address, an IPv6 address with or without brackets) is
 * allowed. Pure. */
bool exporter_allow_match(const struct exporter_allow *a, const char *target);

#endif
