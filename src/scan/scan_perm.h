/* The order `vpndiag scan` visits its targets in (issue 16): a keyed pseudo-random permutation of
 * the index space [0, n), with no list of the targets in memory.
 *
 * A balanced Feistel network (4 rounds, a keyed 64-bit mixer as round function) is a bijection on
 * [0, 4^k) for the smallest 4^k >= n; indices >= n are walked again through it ("cycle walking",
 * Black and Rogaway), which keeps it a bijection on [0, n) with fewer than 4 steps on average
 * (4^k < 4n). The key comes from the scan's seed: the same seed gives the same order on every
 * machine, which is what sharding needs.
 *
 * Sharding (zmap's --shard): shard s of N (0-based) visits positions s, s + N, s + 2N, ... of the
 * permuted sequence, so N machines with the same seed cover [0, n) exactly once together. */
#ifndef VPNDIAG_SCAN_PERM_H
#define VPNDIAG_SCAN_PERM_H

#include <stdint.h>

struct scan_perm {
	uint64_t n;
	unsigned half;      /* bits of each Feistel half */
	uint64_t mask;      /* (1 << half) - 1 */
	uint64_t key[4];    /* one per round */
};

void scan_perm_init(struct scan_perm *p, uint64_t n, uint64_t seed);
/* The index at position pos (< n) of the permutation. */
uint64_t scan_perm_at(const struct scan_perm *p, uint64_t pos);

/* Walks the positions of one shard. */
struct scan_shard_iter {
	uint64_t pos, step;
};
/* shard in [0, nshards), nshards >= 1. */
void scan_shard_begin(struct scan_shard_iter *it, unsigned shard, unsigned nshards);
/* The next index of the shard into *idx: 1, or 0 at the end. */
int scan_shard_next(struct scan_shard_iter *it, const struct scan_perm *p, uint64_t *idx);
/* How many indices the shard visits. */
uint64_t scan_shard_size(uint64_t n, unsigned shard, unsigned nshards);

#endif
