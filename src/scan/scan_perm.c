/* The keyed permutation and the shards of `vpndiag scan` (scan/scan_perm.h). */
#include "scan/scan_perm.h"

#include <string.h>

/* splitmix64's finaliser: a good 64-bit mixer (the round function; a bijection is not needed here). */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void scan_perm_init(struct scan_perm *p, uint64_t n, uint64_t seed)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	unsigned bits = 2;
	while (bits < 64 && ((uint64_t)1 << bits) < n)
		bits += 2;
	p->half = bits / 2;
	p->mask = ((uint64_t)1 << p->half) - 1;
	uint64_t s = seed;
	for (int i = 0; i < 4; i++) {
		s += 0x9e3779b97f4a7c15ull;
		p->key[i] = mix64(s);
	}
}

static uint64_t feistel(const struct scan_perm *p, uint64_t x)
{
	uint64_t l = (x >> p->half) & p->mask, r = x & p->mask;
	for (int i = 0; i < 4; i++) {
		uint64_t t = l ^ (mix64(r ^ p->key[i]) & p->mask);
		l = r;
		r = t;
	}
	return l << p->half | r;
}

uint64_t scan_perm_at(const struct scan_perm *p, uint64_t pos)
{
	uint64_t x = feistel(p, pos);
	while (x >= p->n) /* cycle walking: ends, since pos < n lies on the same cycle */
		x = feistel(p, x);
	return x;
}

void scan_shard_begin(struct scan_shard_iter *it, unsigned shard, unsigned nshards)
{
	it->pos = shard;
	it->step = nshards ? nshards : 1;
}

int scan_shard_next(struct scan_shard_iter *it, const struct scan_perm *p, uint64_t *idx)
{
	if (it->pos >= p->n)
		return 0;
	*idx = scan_perm_at(p, it->pos);
	it->pos += it->step;
	return 1;
}

uint64_t scan_shard_size(uint64_t n, unsigned shard, unsigned nshards)
{
	if (nshards == 0 || shard >= n)
		return 0;
	return (n - shard + nshards - 1) / nshards;
}
