/* The target space of `vpndiag scan` (scan/scan_targets.h). */
#include "scan/scan_targets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"

/* An address as a 128-bit number (IPv4 in the low 32 bits). */
struct u128 {
	uint64_t h, l;
};

static struct u128 to_u128(uint8_t family, const uint8_t *a)
{
	struct u128 v = {0, 0};
	if (family == 4) {
		v.l = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
		return v;
	}
	for (int i = 0; i < 8; i++) {
		v.h = v.h << 8 | a[i];
		v.l = v.l << 8 | a[8 + i];
	}
	return v;
}

static void from_u128(uint8_t family, struct u128 v, uint8_t *a)
{
	if (family == 4) {
		for (int i = 0; i < 4; i++)
			a[i] = (uint8_t)(v.l >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		a[i] = (uint8_t)(v.h >> (56 - 8 * i));
		a[8 + i] = (uint8_t)(v.l >> (56 - 8 * i));
	}
}

static int cmp128(struct u128 a, struct u128 b)
{
	if (a.h != b.h)
		return a.h < b.h ? -1 : 1;
	return a.l < b.l ? -1 : a.l > b.l ? 1 : 0;
}

static struct u128 add128(struct u128 a, uint64_t n)
{
	struct u128 r = {a.h, a.l + n};
	if (r.l < a.l)
		r.h++;
	return r;
}

/* Parses "A", "A/n", "[A6]" into family, address (host bits cleared for a prefix) and prefix
 * length (32/128 for an address). Returns 0, 1 when s is not an address literal (a name?), or -1
 * with err for a literal with a bad prefix. */
static int parse_literal(const char *s, uint8_t *family, uint8_t a[16], unsigned *plen, char *err, size_t errlen)
{
	char buf[SCAN_LINE_MAX];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return 1;
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long pl = -1;
	if (slash) {
		*slash = '\0';
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3)
			goto bad_prefix;
		pl = 0;
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				goto bad_prefix;
			pl = pl * 10 + (*p - '0');
		}
	}
	char *h = buf;
	size_t hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h, &a4) == 1) {
		*family = 4;
		memset(a, 0, 16);
		memcpy(a, &a4, 4);
		if (pl > 32)
			goto bad_prefix;
		*plen = pl < 0 ? 32 : (unsigned)pl;
	} else if (inet_pton(AF_INET6, h, &a6) == 1) {
		*family = 6;
		memcpy(a, &a6, 16);
		if (pl > 128)
			goto bad_prefix;
		*plen = pl < 0 ? 128 : (unsigned)pl;
	} else {
		if (slash) {
			fmt_into(err, errlen, "'%s': not an address/prefix", s);
			return -1;
		}
		return 1;
	}
	unsigned bits = *family == 4 ? 32 : 128;
	for (unsigned b = *plen; b < bits; b++)
		a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	return 0;
bad_prefix:
	fmt_into(err, errlen, "'%s': bad prefix length", s);
	return -1;
}

static int add_range(struct scan_space *sp, uint8_t family, const uint8_t a[16], uint64_t count, char *err, size_t errlen)
{
	if (sp->n == sp->cap) {
		size_t nc = sp->cap ? sp->cap * 2 : 16;
		if (nc > SCAN_MAX_RANGES) {
			fmt_into(err, errlen, "more than %u targets or ranges", (unsigned)SCAN_MAX_RANGES);
			return -1;
		}
		struct scan_range *r = realloc(sp->r, nc * sizeof *r);
		if (!r) {
			fmt_into(err, errlen, "out of memory");
			return -1;
		}
		sp->r = r;
		sp->cap = nc;
	}
	struct scan_range *r = &sp->r[sp->n++];
	memset(r, 0, sizeof *r);
	r->family = family;
	memcpy(r->addr, a, family == 4 ? 4 : 16);
	r->count = count;
	sp->finalized = false;
	return 0;
}

static int add_excl(struct scan_space *sp, uint8_t family, const uint8_t a[16], unsigned plen, char *err, size_t errlen)
{
	if (sp->nx == sp->capx) {
		size_t nc = sp->capx ? sp->capx * 2 : 16;
		if (nc > SCAN_MAX_RANGES) {
			fmt_into(err, errlen, "more than %u excluded ranges", (unsigned)SCAN_MAX_RANGES);
			return -1;
		}
		struct scan_excl *x = realloc(sp->x, nc * sizeof *x);
		if (!x) {
			fmt_into(err, errlen, "out of memory");
			return -1;
		}
		sp->x = x;
		sp->capx = nc;
	}
	struct scan_excl *x = &sp->x[sp->nx++];
	memset(x, 0, sizeof *x);
	x->family = family;
	size_t len = family == 4 ? 4 : 16;
	unsigned bits = family == 4 ? 32 : 128;
	memcpy(x->lo, a, len);
	memcpy(x->hi, a, len);
	for (unsigned b = plen; b < bits; b++)
		x->hi[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	sp->finalized = false;
	return 0;
}

static int add_addr(struct scan_space *sp, uint8_t family, const uint8_t a[16], unsigned plen, bool exclude, char *err,
		    size_t errlen, const char *s)
{
	if (exclude)
		return add_excl(sp, family, a, plen, err, errlen);
	if (family == 6 && plen < SCAN_V6_MIN_PREFIX) {
		fmt_into(err, errlen, "'%s': IPv6 prefixes must be /%u or longer (2^%u addresses at most)", s,
			 SCAN_V6_MIN_PREFIX, 128 - SCAN_V6_MIN_PREFIX);
		return -1;
	}
	unsigned bits = family == 4 ? 32 : 128;
	return add_range(sp, family, a, (uint64_t)1 << (bits - plen), err, errlen);
}

int scan_space_add(struct scan_space *sp, const char *s, bool exclude, scan_resolve_fn *resolve, void *rctx, char *err,
		   size_t errlen)
{
	char buf[SCAN_LINE_MAX];
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0) {
		fmt_into(err, errlen, "an empty target");
		return -1;
	}
	if (n >= sizeof buf) {
		fmt_into(err, errlen, "a target longer than %u bytes", (unsigned)sizeof buf - 1);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	uint8_t family, a[16];
	unsigned plen;
	int rc = parse_literal(buf, &family, a, &plen, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return add_addr(sp, family, a, plen, exclude, err, errlen, buf);
	/* a name: letters, digits, '-', '.', '_' only, as DNS allows */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (!isalnum(c) && c != '-' && c != '.' && c != '_') {
			fmt_into(err, errlen, "'%.80s': not an address, prefix or host name", buf);
			return -1;
		}
	}
	if (!resolve) {
		fmt_into(err, errlen, "'%.80s': names are not resolved here", buf);
		return -1;
	}
	struct net_addr got[SCAN_MAX_RESOLVED];
	char why[200] = "";
	size_t k = resolve(rctx, buf, got, SCAN_MAX_RESOLVED, why, sizeof why);
	if (k == 0) {
		fmt_into(err, errlen, "'%.80s' does not resolve: %s", buf, why[0] ? why : "no address");
		return -1;
	}
	sp->nnames++;
	for (size_t i = 0; i < k && i < SCAN_MAX_RESOLVED; i++) {
		const uint8_t *ip;
		size_t len = net_addr_bytes(&got[i], &ip);
		if (len != 4 && len != 16)
			continue;
		memset(a, 0, sizeof a);
		memcpy(a, ip, len);
		if (add_addr(sp, len == 4 ? 4 : 6, a, len == 4 ? 32 : 128, exclude, err, errlen, buf) != 0)
			return -1;
	}
	return 0;
}

int scan_space_add_text(struct scan_space *sp, const uint8_t *buf, size_t len, bool exclude, scan_resolve_fn *resolve,
			void *rctx, char *err, size_t errlen)
{
	size_t line = 0, i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && buf[j] != '\n')
			j++;
		line++;
		size_t k = i, e = j;
		while (k < e && isspace(buf[k]))
			k++;
		for (size_t c = k; c < e; c++)
			if (buf[c] == '#') {
				e = c;
				break;
			}
		while (e > k && isspace(buf[e - 1]))
			e--;
		if (e > k) {
			char one[SCAN_LINE_MAX], why[300];
			if (e - k >= sizeof one) {
				fmt_into(err, errlen, "line %zu: longer than %u bytes", line, (unsigned)sizeof one - 1);
				return -1;
			}
			for (size_t c = k; c < e; c++) {
				if (buf[c] == '\0') {
					fmt_into(err, errlen, "line %zu: a NUL byte", line);
					return -1;
				}
				one[c - k] = (char)buf[c];
			}
			one[e - k] = '\0';
			if (scan_space_add(sp, one, exclude, resolve, rctx, why, sizeof why) != 0) {
				fmt_into(err, errlen, "line %zu: %s", line, why);
				return -1;
			}
		}
		i = j + 1;
	}
	return 0;
}

static struct u128 range_lo(const struct scan_range *r)
{
	return to_u128(r->family, r->addr);
}

static int range_cmp(const void *a, const void *b)
{
	const struct scan_range *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return cmp128(range_lo(x), range_lo(y));
}

static int excl_cmp(const void *a, const void *b)
{
	const struct scan_excl *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return cmp128(to_u128(x->family, x->lo), to_u128(y->family, y->lo));
}

/* Whether b (sorted after a, same family) overlaps or adjoins a, within a's fixed high bytes. */
static bool mergeable(const struct scan_range *a, const struct scan_range *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == 6 && memcmp(a->addr, b->addr, 12) != 0)
		return false;
	struct u128 end = add128(range_lo(a), a->count); /* one past a */
	return cmp128(range_lo(b), end) <= 0;
}

int scan_space_finalize(struct scan_space *sp, char *err, size_t errlen)
{
	if (sp->n == 0) {
		fmt_into(err, errlen, "no target");
		return -1;
	}
	qsort(sp->r, sp->n, sizeof *sp->r, range_cmp);
	size_t w = 0;
	for (size_t i = 0; i < sp->n; i++) {
		if (w > 0 && mergeable(&sp->r[w - 1], &sp->r[i])) {
			struct scan_range *a = &sp->r[w - 1];
			struct u128 end_a = add128(range_lo(a), a->count), end_b = add128(range_lo(&sp->r[i]), sp->r[i].count);
			if (cmp128(end_b, end_a) > 0)
				a->count = end_b.l - range_lo(a).l; /* same high part: the low words differ by < 2^33 */
			continue;
		}
		sp->r[w++] = sp->r[i];
	}
	sp->n = w;
	uint64_t idx = 0;
	for (size_t i = 0; i < sp->n; i++) {
		sp->r[i].first = idx;
		idx += sp->r[i].count;
	}
	sp->total = idx;
	if (sp->nx) {
		qsort(sp->x, sp->nx, sizeof *sp->x, excl_cmp);
		w = 0;
		for (size_t i = 0; i < sp->nx; i++) {
			if (w > 0 && sp->x[w - 1].family == sp->x[i].family) {
				struct scan_excl *a = &sp->x[w - 1];
				struct u128 ahi = to_u128(a->family, a->hi), blo = to_u128(a->family, sp->x[i].lo);
				if (cmp128(blo, add128(ahi, 1)) <= 0 || cmp128(blo, ahi) <= 0) {
					struct u128 bhi = to_u128(a->family, sp->x[i].hi);
					if (cmp128(bhi, ahi) > 0)
						memcpy(a->hi, sp->x[i].hi, sizeof a->hi);
					continue;
				}
			}
			sp->x[w++] = sp->x[i];
		}
		sp->nx = w;
	}
	sp->finalized = true;
	return 0;
}

int scan_space_addr(const struct scan_space *sp, uint64_t i, struct net_addr *out)
{
	if (!sp->finalized || i >= sp->total)
		return -1;
	size_t lo = 0, hi = sp->n; /* the last range with first <= i */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (sp->r[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	const struct scan_range *r = &sp->r[lo];
	uint64_t off = i - r->first;
	uint8_t a[16];
	struct u128 v = add128(range_lo(r), off);
	from_u128(r->family, v, a);
	memset(out, 0, sizeof *out);
	if (r->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		out->len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		out->len = sizeof *s6;
	}
	return 0;
}

bool scan_space_excluded(const struct scan_space *sp, uint8_t family, const uint8_t *a)
{
	if (sp->nx == 0)
		return false;
	struct u128 v = to_u128(family, a);
	/* the last exclude (sorted by family, lo) with (family, lo) <= (family, v) */
	size_t lo = 0, hi = sp->nx;
	bool found = false;
	size_t at = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct scan_excl *x = &sp->x[mid];
		int c = x->family != family ? (x->family < family ? -1 : 1) : cmp128(to_u128(family, x->lo), v);
		if (c <= 0) {
			found = true;
			at = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!found || sp->x[at].family != family)
		return false;
	return cmp128(v, to_u128(family, sp->x[at].hi)) <= 0;
}

uint64_t scan_space_excluded_count(const struct scan_space *sp)
{
	uint64_t n = 0;
	for (size_t i = 0; i < sp->n; i++) {
		const struct scan_range *r = &sp->r[i];
		struct u128 lo = range_lo(r), hi = add128(lo, r->count - 1);
		for (size_t j = 0; j < sp->nx; j++) {
			const struct scan_excl *x = &sp->x[j];
			if (x->family != r->family)
				continue;
			struct u128 xl = to_u128(x->family, x->lo), xh = to_u128(x->family, x->hi);
			struct u128 a = cmp128(xl, lo) > 0 ? xl : lo, b = cmp128(xh, hi) < 0 ? xh : hi;
			if (cmp128(a, b) <= 0)
				n += b.l - a.l + 1; /* within one range: same high part */
		}
	}
	return n;
}

bool scan_space_has_family(const struct scan_space *sp, uint8_t family)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->r[i].family == family)
			return true;
	return false;
}

void scan_space_free(struct scan_space *sp)
{
	free(sp->r);
	free(sp->x);
	memset(sp, 0, sizeof *sp);
}
