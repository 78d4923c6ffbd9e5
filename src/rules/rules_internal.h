/* What the per-protocol rule files share (rules_ikev2.c, rules_l2tp.c, ...). Not for renderers. */
#ifndef VPNDIAG_RULES_INTERNAL_H
#define VPNDIAG_RULES_INTERNAL_H

#include "rules/rules.h"

typedef void (*rule_fn)(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row);

/* ---- rules that one observation decides, as data (applied by rules_apply_one) ----
 * A row finds the first observation of `kind` of its protocol (natt and port filters), tests it,
 * checks that the `needs` observation exists and no `unless` one does (same natt filter), and adds
 * a finding: the summary, the evidence (the observation's own, then `ev`), the fixes. Every text
 * (summary, evidence text, fix text and command) is a template: {port} {text} {code} {value} stand
 * for the found observation's fields; any other brace stays as it is. */
enum rule_natt { RULE_NATT_EITHER, RULE_NATT_NO, RULE_NATT_YES }; /* natt false: UDP 500; true: 4500 */
enum rule_test { RULE_ANY, RULE_VALUE_EQ, RULE_VALUE_NE, RULE_CODE_EQ }; /* on the found observation, with arg */

#define RULE_NONE OBS_RESOLVED   /* 0: an empty needs/unless/ev slot (no rule is about "resolved") */
#define RULE_SELF OBS_KIND_COUNT /* in ev: where the found observation's own evidence goes (default: first) */
#define RULE_MAX_UNLESS 6
#define RULE_MAX_EV 4

struct rule_ev {
	enum obs_kind kind; /* the evidence of the first such observation (if any, and not the found one), or RULE_SELF */
	const char *text;   /* with kind RULE_NONE: a fixed sentence (template) */
};
struct rule_fix_text {
	const char *text;
	const char *command; /* NULL when none */
};
struct rule_one {
	enum obs_kind kind;
	enum rule_natt natt;
	uint16_t port;                          /* 0: any */
	enum rule_test test;
	int64_t arg;
	enum obs_kind needs;                    /* RULE_NONE, or no finding without one */
	enum obs_kind unless[RULE_MAX_UNLESS];  /* no finding when one of these exists */
	const char *summary;
	struct rule_ev ev[RULE_MAX_EV];
	struct rule_fix_text fix[RULES_MAX_FIXES];
	bool inferred;                          /* basis KB_INFERRED instead of the row's */
	/* When no observation of `kind` exists: this row instead (a filtered-out one does not fall
	 * through). Its empty summary, ev and fix are the first row's. */
	const struct rule_one *otherwise;
};

/* One rule: its row (cause id, protocols, predicted error, basis, severity) and either the data of
 * a single-observation rule (one), or a function that combines several observations (fn) and
 * adds findings to d through rules_add. Pure. */
struct rule {
	struct rules_row row;
	rule_fn fn;
	const struct rule_one *one;
};

/* The rules of one Windows protocol. Row order = priority: the first failing finding of a
 * protocol decides its verdict. settle() is called when the protocol was probed and no finding
 * failed it: it sets p->verdict and p->summary. It may set VERDICT_WORKS only when every step the
 * Windows client takes was checked and passed; otherwise VERDICT_UNKNOWN, saying what is missing
 * (p->checks_passed when every check made passed). A WORKS without checks_passed is turned into
 * UNKNOWN by rules_evaluate: a safety net against a wrong "works". */
struct rules_proto {
	unsigned proto; /* KB_P_* bit */
	const struct rule *rules;
	size_t nrules;
	void (*settle)(const struct obs_result *r, const struct diagnosis *d, struct proto_verdict *p);
};

/* The firewall fix both IKE protocols (IKEv2, L2TP/IPsec) give for UDP 500/4500, and its commands. */
#define RULES_IKE_FW_TEXT                                                                                  \
	"Allow UDP 500 and UDP 4500 from the clients to the VPN server on every firewall in the path (and ESP, " \
	"IP protocol 50, where no NAT is involved); on a NAT router in front of the server, forward UDP 500 and 4500 to it."
#define RULES_IKE_FW_WINDOWS \
	"New-NetFirewallRule -DisplayName \"IKE (UDP 500, 4500)\" -Direction Inbound -Protocol UDP -LocalPort 500,4500 -Action Allow"
#define RULES_IKE_FW_LINUX "iptables -I INPUT -p udp -m multiport --dports 500,4500 -j ACCEPT"

/* One per protocol of proto/proto.def: rules_proto_<key>, defined in rules/rules_<key>.c. */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) extern const struct rules_proto rules_proto_##key;
#include "proto/proto.def"
#undef PROTO_X

/* The name layer's rows (rules_name.c): ipv6-path-fails, ipv4-path-fails. */
#define RULES_NAME_NROWS 2
extern const struct rules_row rules_name_rows[RULES_NAME_NROWS];

/* The first observation of kind k for proto (0 = any) and natt (-1 = either), or NULL. */
const struct obs *rules_find_obs(const struct obs_result *r, enum obs_kind k, unsigned proto, int natt);
size_t rules_count_obs(const struct obs_result *r, enum obs_kind k, unsigned proto);
/* A new finding for row about proto (NULL when the diagnosis is full). */
struct finding *rules_add(struct diagnosis *d, const struct rules_row *row, unsigned proto);
void rules_evidence(struct finding *f, const char *text);
void rules_fix(struct finding *f, const char *text, const char *command);
/* rules_add, then the summary (printf format) and, when o is not NULL, o's evidence: how a rule
 * function starts its finding. NULL when the diagnosis is full (rules_evidence and rules_fix accept
 * NULL and do nothing). */
struct finding *rules_found(struct diagnosis *d, const struct rules_row *row, unsigned proto, const struct obs *o,
			    const char *fmt, ...) __attribute__((format(VD_PRINTF, 5, 6)));
/* Applies a single-observation rule for row->protos (one KB_P_* bit). Pure. */
void rules_apply_one(const struct obs_result *r, struct diagnosis *d, const struct rules_row *row,
		     const struct rule_one *one);

#endif
