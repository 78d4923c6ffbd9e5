/* The target space of `vpndiag scan` (issue 16): addresses, IPv4 CIDRs, IPv6 prefixes of /104 or
 * longer, names (resolved once, up front, by the caller's resolver), one per line from a file,
 * and the exclude list, which is applied before anything is sent.
 *
 * The space is kept as ranges (struct scan_range), never as a list of every target: a /8 is one
 * range. scan_space_finalize sorts and merges them, and gives each range the index of its first
 * address, so that index i in [0, total) maps to one address (scan_space_addr) by binary search.
 * Parsing is pure (no I/O; names go to the resolver callback) and bounded: a line is at most
 * SCAN_LINE_MAX bytes, a space at most SCAN_MAX_RANGES ranges.
 *
 * Ownership: a struct scan_space owns its arrays (scan_space_free). */
#ifndef VPNDIAG_SCAN_TARGETS_H
#define VPNDIAG_SCAN_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

#define SCAN_LINE_MAX 256
#define SCAN_MAX_RANGES (1u << 22)  /* 4M ranges (a file of single addresses) */
#define SCAN_V6_MIN_PREFIX 104      /* IPv6 prefixes of /104 (2^24 addresses) or longer */
#define SCAN_MAX_RESOLVED 16        /* addresses taken from one name */

/* count addresses from addr: IPv4 addr[0..4) + offset; IPv6 the first 12 bytes fixed, the last 4
 * bytes + offset (a /104 or longer prefix never carries past them). */
struct scan_range {
	uint8_t family;   /* 4 or 6 */
	uint8_t addr[16]; /* the first address (host bits zero for a prefix) */
	uint64_t count;
	uint64_t first;   /* index of addr in the space (set by scan_space_finalize) */
};

/* [lo, hi] of one family (any prefix length: an exclude may be larger than a scan range). */
struct scan_excl {
	uint8_t family;
	uint8_t lo[16], hi[16];
};

struct scan_space {
	struct scan_range *r;
	size_t n, cap;
	struct scan_excl *x;
	size_t nx, capx;
	uint64_t total;   /* addresses (ranges merged; excludes are skipped at send time) */
	size_t nnames;    /* names resolved */
	bool finalized;
};

/* Resolves a name (the CLI: net_resolve; tests: a table; NULL: names are refused). Fills up to max
 * addresses into out and returns how many (0: not resolved, the reason in err). ctx is the caller's. */
typedef size_t scan_resolve_fn(void *ctx, const char *name, struct net_addr *out, size_t max, char *err,
			       size_t errlen);

/* Adds one target (or, with exclude, one excluded address or prefix): "198.18.0.1",
 * "198.18.0.0/16", "2001:2::/112", "[2001:2::1]", a name. Leading/trailing blanks are ignored.
 * Returns 0, or -1 with a one-line reason in err. */
int scan_space_add(struct scan_space *sp, const char *s, bool exclude, scan_resolve_fn *resolve, void *rctx, char *err,
		   size_t errlen);
/* Adds every line of buf (a target file or an exclude file): blank lines and '#' comments are
 * skipped. Returns 0, or -1 with "line N: reason" in err. */
int scan_space_add_text(struct scan_space *sp, const uint8_t *buf, size_t len, bool exclude, scan_resolve_fn *resolve,
			void *rctx, char *err, size_t errlen);
/* Sorts and merges the ranges and the excludes and numbers the ranges. Returns 0, or -1 when the
 * space is empty (err). */
int scan_space_finalize(struct scan_space *sp, char *err, size_t errlen);
/* The address of index i (< sp->total) into out (port 0). Returns 0 or -1. */
int scan_space_addr(const struct scan_space *sp, uint64_t i, struct net_addr *out);
/* True when a (4 or 16 bytes of family 4/6) falls in an excluded range. */
bool scan_space_excluded(const struct scan_space *sp, uint8_t family, const uint8_t *a);
/* Addresses of the space that are also excluded (for the summary). */
uint64_t scan_space_excluded_count(const struct scan_space *sp);
/* Whether the space holds any address of family 4 / 6. */
bool scan_space_has_family(const struct scan_space *sp, uint8_t family);
void scan_space_free(struct scan_space *sp);

#endif
