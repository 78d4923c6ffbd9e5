/* The one table of Windows VPN protocols (proto.def): indices, bits, names, titles, default ports
 * and the recommendation order. kb, engine, probes, rules, report, wiki and the CLI all iterate it;
 * none writes the list out again. Pure data, no dependencies. */
#ifndef VPNDIAG_PROTO_H
#define VPNDIAG_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_NEVER 1000 /* preference of a protocol that is never recommended */
#define PROTO_MAX_PORTS 4

#define PROTO_X(ID, key, title, pref, p1, p2, p3) PROTO_##ID,
enum proto_id {
#include "proto/proto.def"
	PROTO_COUNT
};
#undef PROTO_X

/* One bit per protocol, for sets of protocols (what to probe, what a cause concerns). */
#define PROTO_X(ID, key, title, pref, p1, p2, p3) PROTO_B_##ID = 1u << PROTO_##ID,
enum {
#include "proto/proto.def"
};
#undef PROTO_X
#define PROTO_ALL ((1u << PROTO_COUNT) - 1u)

struct proto_desc {
	const char *key;        /* "ikev2" */
	const char *title;      /* "IKEv2" */
	unsigned bit;           /* PROTO_B_* */
	int preference;         /* lower first; PROTO_NEVER: never recommended */
	uint16_t ports[PROTO_MAX_PORTS]; /* 0 ends the list */
};

extern const struct proto_desc proto_table[PROTO_COUNT];

/* The index of a protocol key ("ikev2"), or -1. */
int proto_index(const char *key);
/* The index of a single protocol bit, or -1. */
int proto_index_of_bit(unsigned bit);
/* The title ("IKEv2") of a single protocol bit, "?" for anything else. */
const char *proto_title(unsigned bit);
/* "ikev2, l2tp, sstp, pptp" (for help and error messages). */
const char *proto_keys_list(void);

#endif
