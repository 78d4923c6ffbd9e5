/* What the per-protocol rule files share (rules_ikev2.c, rules_l2tp.c, ...). Not for renderers. */
#ifndef VPNDIAG_RULES_INTERNAL_H
#define VPNDIAG_RULES_INTERNAL_H

#include "rules/rules.h"

/* One rule: its row (cause id, protocols, predicted error, basis, severity) and the function that
 * looks for its evidence in r and adds findings to d (through rules_add). Pure. */
typedef void (*rule_fn)(const struct engine_result *r, struct diagnosis *d, const struct rules_row *row);
struct rule {
	struct rules_row row;
	rule_fn fn;
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
	void (*settle)(const struct engine_result *r, const struct diagnosis *d, struct proto_verdict *p);
};

/* One per protocol of proto/proto.def: rules_proto_<key>, defined in rules/rules_<key>.c. */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) extern const struct rules_proto rules_proto_##key;
#include "proto/proto.def"
#undef PROTO_X

/* The first observation of kind k for proto (0 = any) and natt (-1 = either), or NULL. */
const struct obs *rules_find_obs(const struct engine_result *r, enum obs_kind k, unsigned proto, int natt);
size_t rules_count_obs(const struct engine_result *r, enum obs_kind k, unsigned proto);
/* A new finding for row about proto (NULL when the diagnosis is full). */
struct finding *rules_add(struct diagnosis *d, const struct rules_row *row, unsigned proto);
void rules_evidence(struct finding *f, const char *text);
void rules_fix(struct finding *f, const char *text, const char *command);

#endif
