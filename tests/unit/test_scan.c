/* `vpndiag scan` (issue 16): the target parser, the permutation and its shards, the reply check
 * (a reflected request is never a responder, a spoofed SPI is dropped) and the request template
 * (byte for byte the probe's IKE_SA_INIT); for L2TP/IPsec the MM1 (the probe's) and the IKEv1 reply
 * check on real strongSwan replies (tests/unit/vectors/scan-ike1/: MM2, the alternative set's MM2,
 * NO-PROPOSAL-CHOSEN, MM4, Aggressive Mode 2 and its refusal, the lab reflector's copies of our
 * requests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "helpers.h"
#include "probes/ikev2_reply.h"
#include "probes/l2tp_reply.h"
#include "profile/profile.h"
#include "scan/scan.h"
#include "scan/scan_perm.h"
#include "scan/scan_targets.h"

static char err[400];

static struct net_addr addr(const char *s, uint16_t port)
{
	struct net_addr a;
	memset(&a, 0, sizeof a);
	if (strchr(s, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, s, &s6->sin6_addr), 1);
		s6->sin6_port = htons(port);
		a.len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, s, &s4->sin_addr), 1);
		s4->sin_port = htons(port);
		a.len = sizeof *s4;
	}
	return a;
}

static void assert_index(const struct scan_space *sp, uint64_t i, const char *want)
{
	struct net_addr a;
	char s[NET_ADDRSTRLEN];
	assert_int_equal(scan_space_addr(sp, i, &a), 0);
	net_addr_str(&a, s, sizeof s);
	assert_string_equal(s, want);
}

/* ------------------------------------------------------------------ targets */

static size_t fake_resolve(void *ctx, const char *name, struct net_addr *out, size_t max, char *why, size_t whylen)
{
	(void)ctx;
	if (strcmp(name, "gw.lab.test") != 0 || max < 2) {
		snprintf(why, whylen, "NXDOMAIN");
		return 0;
	}
	out[0] = addr("198.18.7.7", 0);
	out[1] = addr("2001:2::7", 0);
	return 2;
}

static void test_targets_parse(void **state)
{
	(void)state;
	struct scan_space sp;
	memset(&sp, 0, sizeof sp);
	assert_int_equal(scan_space_add(&sp, "198.18.0.0/16", false, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_add(&sp, " 2001:2::/112 ", false, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_add(&sp, "[2001:2::1:5]", false, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_add(&sp, "gw.lab.test", false, fake_resolve, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_finalize(&sp, err, sizeof err), 0);
	assert_true(sp.total == 65536 + 65536 + 1); /* both addresses of the name fall inside the prefixes: counted once */
	assert_int_equal(sp.nnames, 1);
	assert_index(&sp, 0, "198.18.0.0");
	assert_index(&sp, 65535, "198.18.255.255");
	assert_index(&sp, 65536, "2001:2::");
	assert_index(&sp, 65536 + 7, "2001:2::7");
	assert_index(&sp, 65536 + 65535, "2001:2::ffff");
	assert_index(&sp, 65536 + 65536, "2001:2::1:5");
	assert_int_equal(scan_space_addr(&sp, sp.total, &(struct net_addr){0}), -1);
	assert_true(scan_space_has_family(&sp, 4) && scan_space_has_family(&sp, 6));
	scan_space_free(&sp);

	/* host bits of a prefix are cleared; IPv6 shorter than /104 refused; bad input */
	assert_int_equal(scan_space_add(&sp, "198.18.3.77/24", false, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_finalize(&sp, err, sizeof err), 0);
	assert_index(&sp, 0, "198.18.3.0");
	assert_int_equal(scan_space_add(&sp, "2001:2::/96", false, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "/104"));
	assert_int_equal(scan_space_add(&sp, "2001:2::/104", false, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_add(&sp, "198.18.0.1/33", false, NULL, NULL, err, sizeof err), -1);
	assert_int_equal(scan_space_add(&sp, "198.18.0.1/", false, NULL, NULL, err, sizeof err), -1);
	assert_int_equal(scan_space_add(&sp, "300.1.2.3/8", false, NULL, NULL, err, sizeof err), -1);
	assert_int_equal(scan_space_add(&sp, "a b", false, fake_resolve, NULL, err, sizeof err), -1);
	assert_int_equal(scan_space_add(&sp, "nx.lab.test", false, fake_resolve, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "NXDOMAIN"));
	assert_int_equal(scan_space_add(&sp, "gw.lab.test", false, NULL, NULL, err, sizeof err), -1);
	assert_int_equal(scan_space_add(&sp, "", false, NULL, NULL, err, sizeof err), -1);
	scan_space_free(&sp);
	assert_int_equal(scan_space_finalize(&sp, err, sizeof err), -1); /* empty */
}

static void test_targets_merge_exclude_text(void **state)
{
	(void)state;
	struct scan_space sp;
	memset(&sp, 0, sizeof sp);
	static const char text[] = "# the branch gateways\n198.18.1.0/24\n\n  198.18.0.5   # inside\n198.18.0.0/24\n"
				   "198.18.0.200\n2001:2::1\n2001:2::2\n";
	assert_int_equal(scan_space_add_text(&sp, (const uint8_t *)text, sizeof text - 1, false, NULL, NULL, err, sizeof err), 0);
	static const char ex[] = "198.18.1.128/25\n2001:2::/64\n";
	assert_int_equal(scan_space_add_text(&sp, (const uint8_t *)ex, sizeof ex - 1, true, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(scan_space_finalize(&sp, err, sizeof err), 0);
	assert_true(sp.total == 512 + 2);
	assert_int_equal(sp.n, 2); /* 198.18.0.0-198.18.1.255, 2001:2::1-2 */
	uint8_t a[16] = {198, 18, 1, 200};
	assert_true(scan_space_excluded(&sp, 4, a));
	a[2] = 0;
	assert_false(scan_space_excluded(&sp, 4, a));
	uint8_t b[16] = {0x20, 0x01, 0, 2};
	b[15] = 2;
	assert_true(scan_space_excluded(&sp, 6, b)); /* an exclude may be wider than /104 */
	assert_true(scan_space_excluded_count(&sp) == 128 + 2);
	scan_space_free(&sp);

	static const char bad[] = "198.18.0.1\n\n198.18.0.0/40\n";
	assert_int_equal(scan_space_add_text(&sp, (const uint8_t *)bad, sizeof bad - 1, false, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "line 3"));
	scan_space_free(&sp);
}

/* ------------------------------------------------------------------ permutation, shards */

static void test_perm_bijection(void **state)
{
	(void)state;
	static const uint64_t sizes[] = {1, 2, 3, 5, 16, 1000, 4097, 65543};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t n = sizes[s];
		uint8_t *seen = calloc(n, 1);
		struct scan_perm p;
		scan_perm_init(&p, n, 0x1234 + s);
		uint64_t moved = 0;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t x = scan_perm_at(&p, i);
			assert_true(x < n);
			assert_int_equal(seen[x], 0);
			seen[x] = 1;
			moved += x != i;
		}
		if (n >= 16)
			assert_true(moved > n / 2); /* not the identity */
		free(seen);
	}
	/* the same seed gives the same order; another seed another */
	struct scan_perm a, b, c;
	scan_perm_init(&a, 65536, 7);
	scan_perm_init(&b, 65536, 7);
	scan_perm_init(&c, 65536, 8);
	int same = 0;
	for (uint64_t i = 0; i < 100; i++) {
		assert_true(scan_perm_at(&a, i) == scan_perm_at(&b, i));
		same += scan_perm_at(&a, i) == scan_perm_at(&c, i);
	}
	assert_true(same < 5);
}

/* Shards 1/3, 2/3, 3/3 (0-based 0, 1, 2) with one seed cover the space exactly once. */
static void test_shards_cover_once(void **state)
{
	(void)state;
	static const uint64_t sizes[] = {1, 2, 3, 10, 1000, 65536, 65543};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t n = sizes[s], total = 0;
		uint8_t *seen = calloc(n, 1);
		struct scan_perm p;
		scan_perm_init(&p, n, 42);
		for (unsigned sh = 0; sh < 3; sh++) {
			struct scan_shard_iter it;
			uint64_t idx, k = 0;
			scan_shard_begin(&it, sh, 3);
			while (scan_shard_next(&it, &p, &idx)) {
				assert_true(idx < n);
				assert_int_equal(seen[idx], 0);
				seen[idx] = 1;
				k++;
			}
			assert_true(k == scan_shard_size(n, sh, 3));
			total += k;
		}
		assert_true(total == n);
		free(seen);
	}
}

/* ------------------------------------------------------------------ replies, template */

static const uint8_t KEY[SPI_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct fixture {
	struct profile prof;
	struct scan_tmpl t;
	struct spi_key k;
	uint8_t ke[128], nonce[32];
	struct ike2_msg m;
};

static struct fixture *fixture(void)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_int_equal(profile_choice_part(NULL, 2, &f->prof, err, sizeof err), 0);
	memset(f->ke, 0x11, sizeof f->ke);
	memset(f->nonce, 0x22, sizeof f->nonce);
	assert_int_equal(scan_tmpl_build(&f->t, &f->prof, 500, f->ke, sizeof f->ke, f->nonce, sizeof f->nonce, err, sizeof err), 0);
	f->t.local[0] = addr("198.18.200.2", 40000);
	f->t.local[1] = addr("2001:2:0:200::2", 40001);
	assert_int_equal(spi_key_set(&f->k, KEY), 0);
	return f;
}

static void free_fixture(struct fixture *f)
{
	spi_key_free(&f->k);
	free(f);
}

/* The template filled in is byte for byte what the probe's builder makes for that target. */
static void test_template_is_the_probe_request(void **state)
{
	(void)state;
	struct fixture *f = fixture();
	assert_true(f->t.natd_src_off && f->t.natd_dst_off);
	static const char *const dsts[] = {"198.19.0.10", "198.19.255.254", "2001:2:0:99::abcd"};
	for (size_t i = 0; i < 3; i++) {
		struct net_addr d = addr(dsts[i], 500);
		uint8_t got[SCAN_PKT_MAX], want[SCAN_PKT_MAX];
		uint64_t spi = scan_tmpl_fill(&f->t, &f->k, &d, got);
		assert_true(spi == spi_make(&f->k, (const struct sockaddr *)&d.ss, 500, SCAN_PROBE_ID, 0));
		struct wbuf w;
		wbuf_init(&w, want, sizeof want);
		assert_int_equal(ikev2_build_request(&w, &f->prof, &f->prof.sets[0], spi, f->prof.sets[0].ke_group, f->ke,
						     sizeof f->ke, f->nonce, sizeof f->nonce, NULL, 0,
						     &f->t.local[strchr(dsts[i], ':') != NULL], &d, 500), 0);
		assert_int_equal(w.len, f->t.len);
		assert_memory_equal(got, want, w.len);
	}
	free_fixture(f);
}

/* A response to our request to dst: our SPI (or spi_i), SPIr, flags, then a notify or SA/KE/Ni. */
static size_t response(uint8_t *buf, size_t cap, uint64_t spi_i, uint64_t spi_r, uint8_t flags, uint16_t notify, bool accept)
{
	struct ike2_writer iw;
	struct wbuf w;
	struct ike2_header h = {.spi_i = spi_i, .spi_r = spi_r, .exchange = IKE2_SA_INIT, .flags = flags};
	wbuf_init(&w, buf, cap);
	ike2_w_begin(&iw, &w, &h);
	if (accept) {
		struct ike2_proposal p = {.num = 1, .protocol = 1, .ntransforms = 4,
					  .t = {{IKE2_T_ENCR, 3, 0}, {IKE2_T_INTEG, 2, 0}, {IKE2_T_PRF, 2, 0}, {IKE2_T_DH, 2, 0}}};
		uint8_t ke[128], nonce[32];
		memset(ke, 7, sizeof ke);
		memset(nonce, 9, sizeof nonce);
		ike2_w_sa(&iw, &p, 1);
		ike2_w_ke(&iw, 2, ke, sizeof ke);
		ike2_w_payload(&iw, IKE2_PL_NONCE, false, nonce, sizeof nonce);
	} else {
		ike2_w_notify(&iw, 0, notify, NULL, 0, NULL, 0);
	}
	int n = ike2_w_end(&iw);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_reply_check(void **state)
{
	(void)state;
	struct fixture *f = fixture();
	struct net_addr dst = addr("198.19.0.10", 500), other = addr("198.19.0.11", 500), p4500 = addr("198.19.0.10", 4500);
	uint8_t req[SCAN_PKT_MAX], buf[1024];
	uint64_t spi = scan_tmpl_fill(&f->t, &f->k, &dst, req);

	/* our own request reflected back (R flag clear, SPIr 0): never a responder */
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, req, f->t.len, &f->m), SCAN_R_REFLECTED);
	/* a real refusal and a real acceptance */
	size_t n = response(buf, sizeof buf, spi, 0x99, IKE2_F_RESPONSE, IKE2_N_NO_PROPOSAL_CHOSEN, false);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_ERROR);
	n = response(buf, sizeof buf, spi, 0x99, IKE2_F_RESPONSE, 0, true);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_ACCEPT);
	/* the same acceptance from another address, or from another port: not ours */
	assert_int_equal(scan_reply_check(&f->k, &other, 500, buf, n, &f->m), SCAN_R_NOT_OURS);
	assert_int_equal(scan_reply_check(&f->k, &p4500, 500, buf, n, &f->m), SCAN_R_NOT_OURS);
	/* a spoofed reply: response flag, SPIr set, but a wrong SPIi: dropped */
	n = response(buf, sizeof buf, spi ^ 0x5a5a5a5a5a5a5a5aull, 0x99, IKE2_F_RESPONSE, 0, true);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_NOT_OURS);
	/* our SPI with the response flag but a zero SPIr in an acceptance: not counted */
	n = response(buf, sizeof buf, spi, 0, IKE2_F_RESPONSE, 0, true);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_IGNORED);
	/* a request (initiator flag, no response flag) with our SPI: reflected */
	n = response(buf, sizeof buf, spi, 0x99, IKE2_F_INITIATOR, 0, true);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_REFLECTED);
	/* a COOKIE (SPIr 0 is allowed there, RFC 7296 2.6) */
	n = response(buf, sizeof buf, spi, 0, IKE2_F_RESPONSE, IKE2_N_COOKIE, false);
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, buf, n, &f->m), SCAN_R_COOKIE);
	/* junk */
	assert_int_equal(scan_reply_check(&f->k, &dst, 500, (const uint8_t *)"hello", 5, &f->m), SCAN_R_NOT_IKE);
	free_fixture(f);
}

/* ------------------------------------------------------------------ L2TP/IPsec (IKEv1) */

#define V1 VPNDIAG_SRCDIR "/tests/unit/vectors/scan-ike1/"

/* A captured datagram (tests/unit/vectors/scan-ike1/, strongSwan 5.9 in the scan lab), with its
 * initiator cookie set to cky (the capture's cookie came from another run's key). */
static size_t vector(const char *name, const uint8_t *cky, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, V1 "%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n >= 28 && n < cap);
	if (cky)
		memcpy(buf, cky, 8);
	return n;
}

/* Windows' MM1 as the scan sends it is the L2TP probe's (l2tp_build_mm1): the profile's five
 * transforms and every vendor ID, only the cookie differs per target (keyed per set). */
static void test_l2tp_mm1_template(void **state)
{
	(void)state;
	struct profile *p = calloc(1, sizeof *p);
	struct ike1_msg *m = calloc(1, sizeof *m);
	struct spi_key k;
	assert_int_equal(spi_key_set(&k, KEY), 0);
	assert_int_equal(profile_choice_part(NULL, 1, p, err, sizeof err), 0);
	assert_true(p->nsets >= 2 && p->sets[0].ntransforms1 == 5);
	static const uint8_t zero[8];
	uint8_t tmpl[SCAN_PKT_MAX], got[SCAN_PKT_MAX], cky[8], cky2[8], cky_am[8];
	struct wbuf w;
	wbuf_init(&w, tmpl, sizeof tmpl);
	assert_true(l2tp_build_mm1(&w, p, &p->sets[0], zero) > 0);
	size_t tl = w.len;
	struct net_addr d = addr("198.19.0.10", 500);
	assert_true(scan_cookie1(&k, &d, 500, false, 0, cky));
	assert_true(scan_cookie1(&k, &d, 500, false, 1, cky2));
	assert_true(scan_cookie1(&k, &d, 500, true, 0, cky_am));
	assert_memory_not_equal(cky, cky2, 8);
	assert_memory_not_equal(cky, cky_am, 8);
	wbuf_init(&w, got, sizeof got);
	assert_true(l2tp_build_mm1(&w, p, &p->sets[0], cky) > 0);
	assert_int_equal(w.len, tl);
	memcpy(tmpl, cky, 8);
	assert_memory_equal(got, tmpl, tl);
	assert_int_equal(ike1_parse(got, tl, m, err, sizeof err), 0);
	assert_int_equal(m->hdr.exchange, IKE1_EX_IDENTITY_PROTECTION);
	assert_true(m->has_sa && m->sa.p[0].ntransforms == 5);
	assert_int_equal(m->nvids, p->nvids);
	/* our own MM1 sent back to us is never a reply */
	struct scan_reply1 y;
	assert_int_equal(scan_reply1_check(&k, &d, 500, (unsigned)p->nsets, NULL, got, tl, m, &y), SCAN_R_REFLECTED);
	spi_key_free(&k);
	free(m);
	free(p);
}

static void test_reply1_check(void **state)
{
	(void)state;
	struct ike1_msg *m = calloc(1, sizeof *m);
	struct spi_key k;
	struct scan_reply1 y;
	assert_int_equal(spi_key_set(&k, KEY), 0);
	struct net_addr d = addr("198.19.0.10", 500), other = addr("198.19.0.11", 500), p4500 = addr("198.19.0.10", 4500);
	uint8_t cky[8], cky_alt[8], cky_am[8], buf[2048];
	assert_true(scan_cookie1(&k, &d, 500, false, 0, cky));
	assert_true(scan_cookie1(&k, &d, 500, false, 1, cky_alt));
	assert_true(scan_cookie1(&k, &d, 500, true, 0, cky_am));

	/* strongSwan's MM2 to Windows' MM1: accepted, set 0 */
	size_t n = vector("mm2-accept.bin", cky, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_ACCEPT);
	assert_false(y.am);
	assert_int_equal(y.set, 0);
	assert_int_equal(m->sa.p[0].t[0].group, IKE1_GROUP_ECP_384);
	/* the same from another address or port, or with another cookie: not ours */
	assert_int_equal(scan_reply1_check(&k, &other, 500, 2, NULL, buf, n, m, &y), SCAN_R_NOT_OURS);
	assert_int_equal(scan_reply1_check(&k, &p4500, 500, 2, NULL, buf, n, m, &y), SCAN_R_NOT_OURS);
	buf[3] ^= 0x5a;
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_NOT_OURS);
	/* our cookie, zero responder cookie: not a reply (a reflected MM1 looks like this) */
	n = vector("mm2-accept.bin", cky, buf, sizeof buf);
	memset(buf + 8, 0, 8);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_REFLECTED);
	/* the alternative set's cookie: set 1, only when the profile has that many sets */
	n = vector("mm2-alt-broad.bin", cky_alt, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_ACCEPT);
	assert_int_equal(y.set, 1);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 1, NULL, buf, n, m, &y), SCAN_R_NOT_OURS);
	/* strongSwan's Informational NO-PROPOSAL-CHOSEN (with a responder cookie) */
	n = vector("info-no-proposal-chosen.bin", cky, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_ERROR);
	assert_int_equal(y.notify->type, IKE1_N_NO_PROPOSAL_CHOSEN);
	/* Aggressive Mode: its HASH_R answer, and a refusal (AUTHENTICATION-FAILED) */
	n = vector("am2-hash.bin", cky_am, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_ACCEPT);
	assert_true(y.am && m->has_hash);
	n = vector("info-am-refused.bin", cky_am, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_ERROR);
	assert_true(y.am);
	assert_int_equal(y.notify->type, IKE1_N_AUTHENTICATION_FAILED);
	/* an Aggressive Mode 2 with the Main Mode cookie: wrong exchange for that request, ignored */
	n = vector("am2-hash.bin", cky, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_IGNORED);
	/* strongSwan's MM4 to our MM3: only while waiting for it, with that MM2's responder cookie */
	n = vector("mm4.bin", cky, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_IGNORED);
	uint8_t cky_r[8];
	memcpy(cky_r, buf + 8, 8);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, cky_r, buf, n, m, &y), SCAN_R_ACCEPT);
	assert_true(y.mm4 && m->has_ke && m->nnatd == 2);
	cky_r[0] ^= 1;
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, cky_r, buf, n, m, &y), SCAN_R_IGNORED);
	/* while waiting for MM4, MM2 again is a retransmission, not a reply */
	n = vector("mm2-accept.bin", cky, buf, sizeof buf);
	memcpy(cky_r, buf + 8, 8);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, cky_r, buf, n, m, &y), SCAN_R_IGNORED);
	/* the lab reflector's copies of our own MM1 and Aggressive Mode 1 */
	n = vector("mm1-reflected.bin", cky, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_REFLECTED);
	n = vector("am1-reflected.bin", cky_am, buf, sizeof buf);
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, buf, n, m, &y), SCAN_R_REFLECTED);
	/* junk, and an IKEv2 header */
	assert_int_equal(scan_reply1_check(&k, &d, 500, 2, NULL, (const uint8_t *)"hello", 5, m, &y), SCAN_R_NOT_IKE);
	spi_key_free(&k);
	free(m);
}

/* ------------------------------------------------------------------ the options (the binary) */

static struct th_run run;

static void test_cli_options(void **state)
{
	(void)state;
	/* usage errors, before anything is sent */
	assert_int_equal(th_vdl(&run, "scan", "--protocols", "ikev3", "198.18.0.1", NULL), 2);
	assert_non_null(strstr(run.err, "--protocols"));
	assert_int_equal(th_vdl(&run, "scan", "--aggressive", "198.18.0.1", NULL), 2);
	assert_non_null(strstr(run.err, "l2tp"));
	assert_int_equal(th_vdl(&run, "scan", "--psk-file", "/dev/null", "198.18.0.1", NULL), 2);
	assert_non_null(strstr(run.err, "--deep"));
	assert_int_equal(th_vdl(&run, "scan", "--deep", "--deep-jobs", "33", "198.18.0.1", NULL), 2);
	assert_int_equal(th_vdl(&run, "scan", "--deep", "--deep-timeout", "0", "198.18.0.1", NULL), 2);
	assert_int_equal(th_vdl(&run, "scan", "--protocols", "l2tp,x", "198.18.0.1", NULL), 2);
	/* the help names them (bash completion reads it) */
	assert_int_equal(th_vdl(&run, "scan", "--help", NULL), 0);
	assert_non_null(strstr(run.out, "--aggressive"));
	assert_non_null(strstr(run.out, "--deep-jobs"));
	assert_non_null(strstr(run.out, "sstp (TCP 443)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_parse),
		cmocka_unit_test(test_targets_merge_exclude_text),
		cmocka_unit_test(test_perm_bijection),
		cmocka_unit_test(test_shards_cover_once),
		cmocka_unit_test(test_template_is_the_probe_request),
		cmocka_unit_test(test_reply_check),
		cmocka_unit_test(test_l2tp_mm1_template),
		cmocka_unit_test(test_reply1_check),
		cmocka_unit_test(test_cli_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
