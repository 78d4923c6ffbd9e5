/* `vpndiag scan`: the loop, the replies, the responders (scan/scan.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg, ppoll */
#endif
#include "scan/scan.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "crypto/dh.h"
#include "crypto/ike1_keys.h"
#include "crypto/ike2_keys.h"
#include "kb/kb.h"
#include "probes/ikev2_reply.h"
#include "probes/l2tp_reply.h"
#include "rules/rules.h"
#include "scan/scan_out.h"
#include "scan/scan_perm.h"
#include "scan/scan_tcp.h"
#include "util/fmt.h"

#define RX_CAP 4096          /* an IKE_SA_INIT response is far smaller; larger ones are not replies we use */
#define RX_ROUNDS 16         /* recvmmsg calls per socket per drain */
#define MAX_COOKIE_ROUNDS 2  /* as the probe */
#define MAX_KE_ROUNDS 2
#define FOLLOW_WAIT_MS 1000u /* between sends of a follow-up (COOKIE, INVALID_KE) */
#define MAX_GROUPS 4         /* KE groups a scan may be asked for (INVALID_KE) */

/* ------------------------------------------------------------------ replies */

enum scan_reply scan_reply_check(const struct spi_key *k, const struct net_addr *from, uint16_t port, const uint8_t *buf,
				 size_t len, struct ike2_msg *m)
{
	char why[160];
	if (ike2_parse_datagram(buf, len, false, m, why, sizeof why) != IKE2_DG_MESSAGE)
		return SCAN_R_NOT_IKE;
	int fam = net_addr_family(from);
	if ((fam != AF_INET && fam != AF_INET6) || net_addr_port(from) != port)
		return SCAN_R_NOT_OURS;
	/* the SPI is keyed on the target's address and port: a reply from any other address or port,
	 * or with any other SPI, is not ours */
	if (!spi_check(k, m->hdr.spi_i, (const struct sockaddr *)&from->ss, port, SCAN_PROBE_ID, 0))
		return SCAN_R_NOT_OURS;
	switch (ike2_init_reply_kind(m)) {
	case IKE2_IR_NOT_RESPONSE:
		return SCAN_R_REFLECTED;
	case IKE2_IR_NOT_SA_INIT:
	case IKE2_IR_ZERO_SPI_R:
		return SCAN_R_IGNORED;
	case IKE2_IR_COOKIE:
		return SCAN_R_COOKIE;
	case IKE2_IR_ERROR:
		return SCAN_R_ERROR;
	case IKE2_IR_INCOMPLETE:
		return SCAN_R_INCOMPLETE;
	case IKE2_IR_ACCEPT:
		return SCAN_R_ACCEPT;
	}
	return SCAN_R_IGNORED;
}

bool scan_cookie1(const struct spi_key *k, const struct net_addr *dst, uint16_t port, bool am, unsigned set,
		  uint8_t cky[8])
{
	uint64_t v = spi_make(k, (const struct sockaddr *)&dst->ss, port, am ? SCAN_PROBE_AM : SCAN_PROBE_L2TP,
			      (uint8_t)(am ? 0 : set));
	for (int i = 0; i < 8; i++)
		cky[i] = (uint8_t)(v >> (56 - 8 * i));
	return v != 0;
}

enum scan_reply scan_reply1_check(const struct spi_key *k, const struct net_addr *from, uint16_t port, unsigned nsets,
				  const uint8_t *mm4_cky_r, const uint8_t *buf, size_t len, struct ike1_msg *m,
				  struct scan_reply1 *out)
{
	char why[160];
	memset(out, 0, sizeof *out);
	if (ike1_parse(buf, len, m, why, sizeof why) != 0)
		return SCAN_R_NOT_IKE;
	int fam = net_addr_family(from);
	if ((fam != AF_INET && fam != AF_INET6) || net_addr_port(from) != port)
		return SCAN_R_NOT_OURS;
	/* the cookie is keyed on the target's address and port, the request (Main Mode set or
	 * Aggressive Mode): a reply from any other address or port, or with any other cookie, is not ours */
	uint64_t cky = 0;
	for (int i = 0; i < 8; i++)
		cky = cky << 8 | m->hdr.cky_i[i];
	const struct sockaddr *sa = (const struct sockaddr *)&from->ss;
	int set = spi_match_attempt(k, cky, sa, port, SCAN_PROBE_L2TP, (uint8_t)(nsets > 255 ? 255 : nsets));
	if (set < 0 && !spi_check(k, cky, sa, port, SCAN_PROBE_AM, 0))
		return SCAN_R_NOT_OURS;
	out->am = set < 0;
	out->set = set < 0 ? 0 : (unsigned)set;
	struct ike1_request req;
	memset(&req, 0, sizeof req);
	memcpy(req.cky_i, m->hdr.cky_i, 8);
	req.exchange = out->am ? IKE1_EX_AGGRESSIVE : IKE1_EX_IDENTITY_PROTECTION;
	out->mm4 = mm4_cky_r && !out->am && out->set == 0;
	if (out->mm4)
		memcpy(req.cky_r, mm4_cky_r, 8);
	struct ike1_reply rp;
	enum ike1_reply_status st =
		ike1_reply_classify(m, &req, out->am ? IKE1_STEP_AM2 : out->mm4 ? IKE1_STEP_MM4 : IKE1_STEP_MM2, &rp);
	if (st == IKE1_REPLY_ZERO_CKY_R)
		return SCAN_R_REFLECTED;
	if (st != IKE1_REPLY_OK)
		return SCAN_R_IGNORED;
	if (rp.kind == IKE1_KIND_ERROR_NOTIFY) {
		out->notify = rp.notify;
		return SCAN_R_ERROR;
	}
	return rp.kind == IKE1_KIND_MM2 || rp.kind == IKE1_KIND_AM2 || rp.kind == IKE1_KIND_MM4 ? SCAN_R_ACCEPT
												       : SCAN_R_IGNORED;
}

/* ------------------------------------------------------------------ the request template */

static struct net_addr any4(void)
{
	struct net_addr a;
	memset(&a, 0, sizeof a);
	a.ss.ss_family = AF_INET;
	a.len = sizeof(struct sockaddr_in);
	return a;
}

int scan_tmpl_build(struct scan_tmpl *t, const struct profile *p, uint16_t port, const uint8_t *ke, size_t ke_len,
		    const uint8_t *nonce, size_t nonce_len, char *err, size_t errlen)
{
	struct net_addr a = any4();
	struct wbuf w;
	memset(t->pkt, 0, sizeof t->pkt);
	t->len = t->natd_src_off = t->natd_dst_off = 0;
	t->port = port;
	wbuf_init(&w, t->pkt, sizeof t->pkt);
	if (ikev2_build_request(&w, p, &p->sets[0], 0x0102030405060708ull, p->sets[0].ke_group, ke, ke_len, nonce, nonce_len,
				NULL, 0, &a, &a, port) != 0) {
		fmt_into(err, errlen, "the IKE_SA_INIT does not fit %u bytes", (unsigned)SCAN_PKT_MAX);
		return -1;
	}
	t->len = w.len;
	struct ike2_msg *m = calloc(1, sizeof *m);
	char why[160];
	if (!m || ike2_parse(t->pkt, t->len, m, why, sizeof why) != 0) {
		fmt_into(err, errlen, "the request template does not parse: %s", m ? why : "out of memory");
		free(m);
		return -1;
	}
	const struct ike2_notify *s = ike2_find_notify(m, IKE2_N_NAT_DETECTION_SOURCE_IP);
	const struct ike2_notify *d = ike2_find_notify(m, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	if (s && s->data_len == 20)
		t->natd_src_off = (size_t)(s->data - t->pkt);
	if (d && d->data_len == 20)
		t->natd_dst_off = (size_t)(d->data - t->pkt);
	free(m);
	return 0;
}

uint64_t scan_tmpl_fill(const struct scan_tmpl *t, const struct spi_key *k, const struct net_addr *dst, uint8_t *out)
{
	uint64_t spi = spi_make(k, (const struct sockaddr *)&dst->ss, t->port, SCAN_PROBE_ID, 0);
	if (!spi)
		return 0;
	memcpy(out, t->pkt, t->len);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(spi >> (56 - 8 * i));
	const uint8_t *ip;
	size_t n;
	if (t->natd_src_off) {
		const struct net_addr *l = &t->local[net_addr_family(dst) == AF_INET6];
		n = net_addr_bytes(l, &ip);
		ike2_natd_hash(spi, 0, ip, n, net_addr_port(l), out + t->natd_src_off);
	}
	if (t->natd_dst_off) {
		n = net_addr_bytes(dst, &ip);
		ike2_natd_hash(spi, 0, ip, n, t->port, out + t->natd_dst_off);
	}
	return spi;
}

/* ------------------------------------------------------------------ responders */

enum resp_state { RS_PENDING, RS_DONE };
enum resp_proto { RP_IKEV2, RP_L2TP };
/* what an L2TP responder still waits for */
#define NEED_MM 1u  /* the answer to Windows' MM1 (a responder first seen by its Aggressive Mode answer) */
#define NEED_AM 2u  /* the answer to our Aggressive Mode 1 (--aggressive) */
#define NEED_MM4 4u /* the answer to our MM3 (cky_r, hash, group: from MM2) */

/* The only per-target state: one per responder. r lives while the responder is being decided. */
struct resp {
	struct net_addr addr;   /* with port */
	uint8_t proto;          /* enum resp_proto: a responder is one (address, protocol) */
	uint8_t need;           /* L2TP: NEED_* still outstanding */
	uint16_t alt_pending;   /* L2TP: the profile sets (bit = index) whose MM1 awaits an answer */
	uint8_t cky_r[8];       /* L2TP: the responder cookie of MM2 (for MM3 / MM4) */
	uint16_t hash1, group1; /* L2TP: the hash and DH group MM2 chose */
	uint8_t state;
	uint8_t cookie_rounds, ke_rounds, sends;
	uint16_t ke_group;
	uint8_t cookie_len;
	uint8_t cookie[64];
	uint32_t first_ms, last_send_ms, next_ms;
	struct obs_result *r;
};

struct scan_ctx {
	const struct scan_opts *o;
	struct scan_stats *st;
	struct spi_key key;
	struct profile *prof;
	struct dh_key dh[MAX_GROUPS];
	size_t ndh;
	uint8_t nonce[256];
	size_t nonce_len;
	struct scan_tmpl t;
	/* L2TP/IPsec: the IKEv1 profile, Windows' MM1 and our Aggressive Mode 1 (per family) */
	bool v2, v1;
	struct profile *prof1;
	uint8_t mm1[SCAN_PKT_MAX];
	size_t mm1_len;
	uint8_t am1[2][SCAN_PKT_MAX];
	size_t am1_len[2];
	struct ike1_dh am_dh;
	bool have_am_dh;
	struct ike1_dh mm3_dh[MAX_GROUPS];  /* MM3's KE per group, made once per scan */
	size_t nmm3_dh;
	uint8_t ni1[32];                    /* MM3's nonce, made once per scan */
	struct ike1_msg *m1;
	int fd[2];
	struct timespec t0;
	uint32_t first_send_ms, last_send_ms;
	bool any_sent;
	/* the send batch per family */
	struct mmsghdr smsg[2][SCAN_BATCH];
	struct iovec siov[2][SCAN_BATCH];
	struct sockaddr_storage sdst[2][SCAN_BATCH];
	uint8_t (*sbuf)[SCAN_BATCH][SCAN_PKT_MAX]; /* [2] */
	size_t ns[2];
	/* the receive batch */
	struct mmsghdr rmsg[SCAN_BATCH];
	struct iovec riov[SCAN_BATCH];
	struct sockaddr_storage rfrom[SCAN_BATCH];
	uint8_t rctl[SCAN_BATCH][64];
	uint8_t (*rbuf)[RX_CAP];
	uint32_t ovfl[2];
	/* responders: open addressing on the address */
	struct resp **tab;
	size_t tabcap, nresp, npending;
	struct diagnosis *d;
	struct ike2_msg *m;
	uint8_t fpkt[SCAN_PKT_MAX];
	uint32_t next_progress_ms;
	uint64_t swept; /* targets of the first pass handled (sent or excluded) */
};

static volatile sig_atomic_t scan_stop;

static void on_sigint(int sig)
{
	(void)sig;
	scan_stop = 1;
}

static uint32_t now_ms(const struct scan_ctx *c)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint32_t)((t.tv_sec - c->t0.tv_sec) * 1000 + (t.tv_nsec - c->t0.tv_nsec) / 1000000);
}

static double now_s(const struct scan_ctx *c)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) + (double)(t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

static uint64_t addr_hash(const struct net_addr *a)
{
	const uint8_t *ip;
	size_t n = net_addr_bytes(a, &ip);
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ip[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static bool addr_same(const struct net_addr *a, const struct net_addr *b)
{
	const uint8_t *x, *y;
	size_t n = net_addr_bytes(a, &x), m = net_addr_bytes(b, &y);
	return n == m && n && memcmp(x, y, n) == 0;
}

static struct resp **resp_slot(struct scan_ctx *c, const struct net_addr *a, unsigned proto)
{
	if (!c->tabcap)
		return NULL;
	size_t i = (size_t)((addr_hash(a) + proto * 0x9e3779b97f4a7c15ull) & (c->tabcap - 1));
	while (c->tab[i] && !(c->tab[i]->proto == proto && addr_same(&c->tab[i]->addr, a)))
		i = (i + 1) & (c->tabcap - 1);
	return &c->tab[i];
}

static struct resp *resp_find(struct scan_ctx *c, const struct net_addr *a, unsigned proto)
{
	struct resp **s = resp_slot(c, a, proto);
	return s ? *s : NULL;
}

static struct resp *resp_add(struct scan_ctx *c, const struct net_addr *a, unsigned proto)
{
	if ((c->nresp + 1) * 2 > c->tabcap) {
		size_t nc = c->tabcap ? c->tabcap * 2 : 64;
		struct resp **old = c->tab;
		size_t oc = c->tabcap;
		c->tab = calloc(nc, sizeof *c->tab);
		if (!c->tab) {
			c->tab = old;
			return NULL;
		}
		c->tabcap = nc;
		for (size_t i = 0; i < oc; i++)
			if (old[i])
				*resp_slot(c, &old[i]->addr, old[i]->proto) = old[i];
		free(old);
	}
	struct resp *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->r = calloc(1, sizeof *r->r);
	if (!r->r) {
		free(r);
		return NULL;
	}
	r->addr = *a;
	r->proto = (uint8_t)proto;
	r->state = RS_PENDING;
	r->ke_group = c->prof->sets[0].ke_group;
	r->first_ms = now_ms(c);
	struct obs_result *o = r->r;
	net_addr_str(a, o->host, sizeof o->host);
	o->naddrs = 1;
	fmt_into(o->addrs[0], sizeof o->addrs[0], "%s", o->host);
	o->probed_addr = 0;
	o->selected = o->probed = proto == RP_L2TP ? KB_P_L2TP : KB_P_IKEV2;
	o->timeout_ms = c->o->timeout_ms;
	fmt_into(o->profile, sizeof o->profile, "%s", profile_choice_label(c->o->profile));
	*resp_slot(c, a, proto) = r;
	c->nresp++;
	c->npending++;
	return r;
}

static void sink_add(void *ctx, const struct obs *o)
{
	obs_result_add(ctx, o);
}

static struct ikev2_reply_ctx reply_ctx(struct scan_ctx *c, struct resp *r, int64_t rtt)
{
	struct ikev2_reply_ctx x = {
		.proto = KB_P_IKEV2, .port = c->o->port, .natt = false, .alt = false, .main = true,
		.set = &c->prof->sets[0], .what = "IKE_SA_INIT", .rtt_ms = rtt,
		.local = &c->t.local[net_addr_family(&r->addr) == AF_INET6], .sink = sink_add, .sink_ctx = r->r,
	};
	return x;
}

/* The responder is decided: the same rules as `vpndiag probe`, printed, then only its address kept. */
static void resp_finish(struct scan_ctx *c, struct resp *r)
{
	if (r->state == RS_DONE)
		return;
	r->r->elapsed_ms = now_ms(c) - r->first_ms;
	rules_evaluate(r->r, c->d);
	scan_out_responder(c->o, &r->addr, r->proto == RP_L2TP ? KB_P_L2TP : KB_P_IKEV2, r->r, c->d);
	obs_result_free(r->r);
	free(r->r);
	r->r = NULL;
	r->state = RS_DONE;
	c->npending--;
	c->st->responders++;
}

static const struct dh_key *dh_for(struct scan_ctx *c, uint16_t group)
{
	for (size_t i = 0; i < c->ndh; i++)
		if (c->dh[i].group == group)
			return &c->dh[i];
	if (c->ndh == MAX_GROUPS || dh_keygen(group, &c->dh[c->ndh]) != 0)
		return NULL;
	return &c->dh[c->ndh++];
}

/* A follow-up request to one responder (with its COOKIE, or the KE group it asked for). */
static void resp_send(struct scan_ctx *c, struct resp *r)
{
	const struct dh_key *k = dh_for(c, r->ke_group);
	int fam = net_addr_family(&r->addr) == AF_INET6;
	uint64_t spi = spi_make(&c->key, (const struct sockaddr *)&r->addr.ss, c->o->port, SCAN_PROBE_ID, 0);
	struct wbuf w;
	wbuf_init(&w, c->fpkt, sizeof c->fpkt);
	r->last_send_ms = now_ms(c);
	r->next_ms = r->last_send_ms + FOLLOW_WAIT_MS;
	r->sends++;
	if (!k || !spi ||
	    ikev2_build_request(&w, c->prof, &c->prof->sets[0], spi, r->ke_group, k->pub, k->pub_len, c->nonce, c->nonce_len,
				r->cookie, r->cookie_len, &c->t.local[fam], &r->addr, c->o->port) != 0) {
		c->st->send_errors++;
		return;
	}
	if (sendto(c->fd[fam], c->fpkt, w.len, 0, (const struct sockaddr *)&r->addr.ss, r->addr.len) < 0)
		c->st->send_errors++;
	else
		c->st->sent++;
}

static void resp_give_up(struct scan_ctx *c, struct resp *r)
{
	if (r->cookie_len) {
		struct ikev2_reply_ctx x = reply_ctx(c, r, -1);
		ikev2_reply_no_answer_after_cookie(&x, r->sends, (now_ms(c) - r->first_ms) / 1000.0);
	}
	resp_finish(c, r);
}

/* ---- L2TP/IPsec (IKEv1) responders ---- */

static struct l2tp_reply_ctx reply1_ctx(struct scan_ctx *c, struct resp *r, bool am, unsigned set)
{
	struct l2tp_reply_ctx x = {.port = c->o->port, .natt = false, .alt = !am && set > 0,
				   .set = &c->prof1->sets[am ? 0 : set], .what = am ? "Aggressive Mode 1" : "MM1",
				   .sink = sink_add, .sink_ctx = r->r};
	return x;
}

/* One IKEv1 request to dst: Windows' MM1 with profile set `set`, or our Aggressive Mode 1. */
static void send1(struct scan_ctx *c, const struct net_addr *dst, bool am, unsigned set)
{
	int fam = net_addr_family(dst) == AF_INET6;
	uint8_t cky[8];
	size_t len = 0;
	if (scan_cookie1(&c->key, dst, c->o->port, am, set, cky)) {
		if (am) {
			memcpy(c->fpkt, c->am1[fam], c->am1_len[fam]);
			len = c->am1_len[fam];
		} else if (set == 0) {
			memcpy(c->fpkt, c->mm1, c->mm1_len);
			len = c->mm1_len;
		} else {
			struct wbuf w;
			wbuf_init(&w, c->fpkt, sizeof c->fpkt);
			len = l2tp_build_mm1(&w, c->prof1, &c->prof1->sets[set], cky) < 0 ? 0 : w.len;
		}
	}
	if (!len) {
		c->st->send_errors++;
		return;
	}
	memcpy(c->fpkt, cky, 8);
	if (sendto(c->fd[fam], c->fpkt, len, 0, (const struct sockaddr *)&dst->ss, dst->len) < 0)
		c->st->send_errors++;
	else
		c->st->sent++;
}

static const struct ike1_dh *dh1_for(struct scan_ctx *c, uint16_t group)
{
	char why[160];
	for (size_t i = 0; i < c->nmm3_dh; i++)
		if (c->mm3_dh[i].group == group)
			return &c->mm3_dh[i];
	if (c->nmm3_dh == MAX_GROUPS || ike1_dh_generate(&c->mm3_dh[c->nmm3_dh], group, why, sizeof why) != 0)
		return NULL;
	return &c->mm3_dh[c->nmm3_dh++];
}

/* The probe's MM3 to a responder whose MM2 chose r->hash1 / r->group1. Returns false when it could
 * not be built (an unsupported group: then the responder is decided at MM2, as far as it got). */
static bool send_mm3(struct scan_ctx *c, struct resp *r)
{
	int fam = net_addr_family(&r->addr) == AF_INET6;
	const struct ike1_dh *dh = dh1_for(c, r->group1);
	uint8_t cky[8];
	char why[160];
	struct wbuf w;
	wbuf_init(&w, c->fpkt, sizeof c->fpkt);
	if (!dh || !scan_cookie1(&c->key, &r->addr, c->o->port, false, 0, cky) ||
	    l2tp_build_mm3(&w, r->hash1, cky, r->cky_r, dh->pub, dh->pub_len, c->ni1, sizeof c->ni1, &c->t.local[fam], &r->addr,
			   c->o->port, why, sizeof why) < 0) {
		c->st->send_errors++;
		return false;
	}
	if (sendto(c->fd[fam], c->fpkt, w.len, 0, (const struct sockaddr *)&r->addr.ss, r->addr.len) < 0)
		c->st->send_errors++;
	else
		c->st->sent++;
	return true;
}

/* A clear Informational Delete of the half-open ISAKMP SA (as the probe sends without a key). */
static void send_delete1(struct scan_ctx *c, struct resp *r, unsigned set)
{
	int fam = net_addr_family(&r->addr) == AF_INET6;
	uint8_t cky[8];
	struct wbuf w;
	wbuf_init(&w, c->fpkt, sizeof c->fpkt);
	if (!scan_cookie1(&c->key, &r->addr, c->o->port, false, set, cky) ||
	    ike1_build_info_delete(&w, cky, r->cky_r, 0, 0, NULL, NULL, NULL) < 0 || w.err)
		return;
	if (sendto(c->fd[fam], c->fpkt, w.len, 0, (const struct sockaddr *)&r->addr.ss, r->addr.len) >= 0)
		c->st->sent++;
}

/* Sends again what an L2TP responder still waits for. */
static void resp1_send(struct scan_ctx *c, struct resp *r)
{
	r->last_send_ms = now_ms(c);
	r->next_ms = r->last_send_ms + FOLLOW_WAIT_MS;
	r->sends++;
	if (r->need & NEED_MM)
		send1(c, &r->addr, false, 0);
	if (r->need & NEED_AM)
		send1(c, &r->addr, true, 0);
	if (r->need & NEED_MM4)
		(void)send_mm3(c, r);
	for (unsigned i = 1; i < c->prof1->nsets && i < 16; i++)
		if (r->alt_pending & (1u << i))
			send1(c, &r->addr, false, i);
}

/* Nothing more came: what is still outstanding is recorded as the probe records it, then decided. */
static void resp1_give_up(struct scan_ctx *c, struct resp *r)
{
	for (unsigned i = 1; i < c->prof1->nsets && i < 16; i++)
		if (r->alt_pending & (1u << i)) {
			struct l2tp_reply_ctx x = reply1_ctx(c, r, false, i);
			l2tp_reply_alt_no_answer(&x, r->sends);
		}
	if (r->need & NEED_AM) {
		struct l2tp_reply_ctx x = reply1_ctx(c, r, true, 0);
		l2tp_reply_am_no_answer(&x, r->sends, (now_ms(c) - r->first_ms) / 1000.0, false);
	}
	if (r->need & NEED_MM4) {
		struct l2tp_reply_ctx x = reply1_ctx(c, r, false, 0);
		x.what = "MM3";
		l2tp_reply_no_answer(&x, 3, r->sends, (now_ms(c) - r->first_ms) / 1000.0, false);
		send_delete1(c, r, 0);
	}
	r->need = 0;
	r->alt_pending = 0;
	resp_finish(c, r);
}

static void handle1(struct scan_ctx *c, const struct net_addr *from, const uint8_t *buf, size_t len)
{
	struct scan_reply1 y;
	struct resp *r = resp_find(c, from, RP_L2TP);
	const uint8_t *mm4 = r && r->state != RS_DONE && (r->need & NEED_MM4) ? r->cky_r : NULL;
	enum scan_reply k = scan_reply1_check(&c->key, from, c->o->port, (unsigned)c->prof1->nsets, mm4, buf, len, c->m1, &y);
	if (k < SCAN_R_ERROR || k == SCAN_R_INCOMPLETE || (y.am && !c->o->aggressive) || y.set >= 16)
		goto ignore;
	if (r) {
		bool want = r->state != RS_DONE && (y.am ? (r->need & NEED_AM) != 0
					 : y.mm4 ? true
					 : y.set == 0 ? (r->need & NEED_MM) != 0 : ((r->alt_pending >> y.set) & 1) != 0);
		if (!want)
			goto ignore; /* a duplicate, or an answer we did not wait for */
	} else {
		if (y.set != 0 || !(r = resp_add(c, from, RP_L2TP)))
			goto ignore;
		r->need = NEED_MM | (c->o->aggressive ? NEED_AM : 0);
		r->sends = 1; /* the sweep's */
		r->last_send_ms = r->first_ms;
		r->next_ms = r->first_ms + FOLLOW_WAIT_MS;
	}
	struct l2tp_reply_ctx x = reply1_ctx(c, r, y.am, y.set);
	if (y.am) {
		if (k == SCAN_R_ERROR)
			l2tp_reply_am_refused(&x, y.notify, now_ms(c) - r->last_send_ms);
		else
			l2tp_reply_am_hash(&x, c->m1, now_ms(c) - r->last_send_ms);
		r->need &= (uint8_t)~NEED_AM;
	} else if (y.mm4) {
		r->need &= (uint8_t)~NEED_MM4;
		if (k == SCAN_R_ACCEPT) {
			l2tp_reply_mm4(&x, c->m1, r->group1);
			l2tp_reply_nat(&x, c->m1, r->hash1, c->m1->hdr.cky_i, r->cky_r, &c->t.local[net_addr_family(from) == AF_INET6],
				       from);
		} else {
			x.what = "MM3";
			struct obs o;
			l2tp_reply_obs(&o, OBS_L2TP_NO_ANSWER, &x);
			o.code = 3;
			fmt_into(o.text, sizeof o.text, "N(%s)", ike1_notify_name(y.notify->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered MM3 with N(%s) instead of MM4",
				 ike1_notify_name(y.notify->type));
			sink_add(r->r, &o);
		}
		send_delete1(c, r, 0);
	} else if (y.set == 0) {
		r->need &= (uint8_t)~NEED_MM;
		if (k == SCAN_R_ACCEPT) {
			l2tp_reply_accepted(&x, c->m1);
			l2tp_reply_vids(&x, c->m1);
			/* as the probe: MM3, for the server's NAT-D in MM4 */
			const struct ike1_transform *t = &c->m1->sa.p[0].t[0];
			memcpy(r->cky_r, c->m1->hdr.cky_r, 8);
			r->hash1 = t->hash;
			r->group1 = t->group;
			if (send_mm3(c, r)) {
				r->need |= NEED_MM4;
				r->sends = 1;
				r->last_send_ms = now_ms(c);
				r->next_ms = r->last_send_ms + FOLLOW_WAIT_MS;
			}
		} else {
			l2tp_reply_refused(&x, y.notify);
			/* as the probe: Windows' set refused, so try each further set (per responder only) */
			if (y.notify->type == IKE1_N_NO_PROPOSAL_CHOSEN)
				for (unsigned i = 1; i < c->prof1->nsets && i < 16; i++) {
					r->alt_pending |= (uint16_t)(1u << i);
					send1(c, &r->addr, false, i);
				}
			if (r->alt_pending) {
				r->sends = 1;
				r->last_send_ms = now_ms(c);
				r->next_ms = r->last_send_ms + FOLLOW_WAIT_MS;
			}
		}
	} else {
		r->alt_pending &= (uint16_t)~(1u << y.set);
		if (k == SCAN_R_ACCEPT) {
			l2tp_reply_accepted(&x, c->m1);
			memcpy(r->cky_r, c->m1->hdr.cky_r, 8);
			send_delete1(c, r, y.set);
		} else
			l2tp_reply_refused(&x, y.notify);
	}
	if (!r->need && !r->alt_pending)
		resp_finish(c, r);
	memset(c->m1, 0, sizeof *c->m1);
	return;
ignore:
	c->st->ignored++;
	memset(c->m1, 0, sizeof *c->m1);
}

static void handle(struct scan_ctx *c, const struct net_addr *from, const uint8_t *buf, size_t len)
{
	/* the ISAKMP version byte (offset 17) tells IKEv1 from IKEv2 (RFC 2408 3.1, RFC 7296 3.1) */
	if (len > 17 && buf[17] >> 4 == 1) {
		if (c->v1)
			handle1(c, from, buf, len);
		else
			c->st->ignored++;
		return;
	}
	if (!c->v2) {
		c->st->ignored++;
		return;
	}
	struct ike2_msg *m = c->m;
	enum scan_reply k = scan_reply_check(&c->key, from, c->o->port, buf, len, m);
	if (k < SCAN_R_COOKIE || k == SCAN_R_INCOMPLETE) {
		c->st->ignored++;
		return;
	}
	const struct ike2_notify *cookie = ike2_find_notify(m, IKE2_N_COOKIE);
	struct resp *r = resp_find(c, from, RP_IKEV2);
	if ((r && r->state == RS_DONE) ||
	    (k == SCAN_R_COOKIE && (cookie->data_len < 1 || cookie->data_len > sizeof r->cookie ||
				    (r && r->cookie_rounds >= MAX_COOKIE_ROUNDS)))) {
		c->st->ignored++; /* a duplicate, or a COOKIE we cannot follow (the probe ignores it too) */
		return;
	}
	if (!r && !(r = resp_add(c, from, RP_IKEV2))) {
		c->st->ignored++;
		return;
	}
	struct ikev2_reply_ctx x = reply_ctx(c, r, r->sends ? (int64_t)now_ms(c) - r->last_send_ms : -1);
	ikev2_reply_ms_status(&x, m);
	if (k == SCAN_R_COOKIE) {
		if (r->cookie_rounds == 0)
			ikev2_reply_cookie(&x, cookie->data_len);
		memcpy(r->cookie, cookie->data, cookie->data_len);
		r->cookie_len = (uint8_t)cookie->data_len;
		r->cookie_rounds++;
		r->sends = 0;
		resp_send(c, r);
		return;
	}
	if (k == SCAN_R_ERROR) {
		const struct ike2_notify *err = ike2_first_error(m);
		if (err->type == IKE2_N_INVALID_KE_PAYLOAD) {
			uint16_t want = ikev2_reply_invalid_ke(&x, err);
			if (want && want != r->ke_group && r->ke_rounds < MAX_KE_ROUNDS && dh_group_supported(want)) {
				r->ke_group = want;
				r->ke_rounds++;
				r->sends = 0;
				resp_send(c, r);
				return;
			}
		}
		ikev2_reply_refused(&x, err);
		resp_finish(c, r);
		return;
	}
	ikev2_reply_accepted(&x, m, from, true);
	resp_finish(c, r);
}

static void drain(struct scan_ctx *c)
{
	for (int f = 0; f < 2; f++) {
		if (c->fd[f] < 0)
			continue;
		for (int round = 0; round < RX_ROUNDS; round++) {
			for (int i = 0; i < SCAN_BATCH; i++) {
				struct msghdr *h = &c->rmsg[i].msg_hdr;
				c->riov[i].iov_base = c->rbuf[i];
				c->riov[i].iov_len = RX_CAP;
				h->msg_iov = &c->riov[i];
				h->msg_iovlen = 1;
				h->msg_name = &c->rfrom[i];
				h->msg_namelen = sizeof c->rfrom[i];
				h->msg_control = c->rctl[i];
				h->msg_controllen = sizeof c->rctl[i];
				h->msg_flags = 0;
			}
			int n = recvmmsg(c->fd[f], c->rmsg, SCAN_BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				struct msghdr *h = &c->rmsg[i].msg_hdr;
				c->st->received++;
				for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
					if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL &&
					    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
						uint32_t v;
						memcpy(&v, CMSG_DATA(cm), sizeof v);
						if (v > c->ovfl[f])
							c->ovfl[f] = v;
					}
				if (h->msg_flags & MSG_TRUNC) {
					c->st->ignored++;
					continue;
				}
				struct net_addr from;
				memset(&from, 0, sizeof from);
				memcpy(&from.ss, &c->rfrom[i], h->msg_namelen <= sizeof from.ss ? h->msg_namelen : sizeof from.ss);
				from.len = h->msg_namelen;
				handle(c, &from, c->rbuf[i], c->rmsg[i].msg_len);
			}
			if (n < SCAN_BATCH)
				break;
		}
	}
}

/* Follow-ups due: resend, or give up after 1 + retries sends. */
static void follow_ups(struct scan_ctx *c, bool end)
{
	if (!c->npending)
		return;
	uint32_t now = now_ms(c);
	for (size_t i = 0; i < c->tabcap; i++) {
		struct resp *r = c->tab[i];
		if (!r || r->state != RS_PENDING)
			continue;
		if (r->proto == RP_L2TP) {
			if (end)
				resp1_give_up(c, r);
			else if (now >= r->next_ms)
				(r->sends < 1 + c->o->retries) ? resp1_send(c, r) : resp1_give_up(c, r);
		} else if (end)
			resp_give_up(c, r);
		else if (now >= r->next_ms && r->sends)
			(r->sends < 1 + c->o->retries) ? resp_send(c, r) : resp_give_up(c, r);
	}
}

static void flush(struct scan_ctx *c, int f)
{
	size_t done = 0, n = c->ns[f];
	unsigned stalls = 0;
	while (done < n) {
		int r = sendmmsg(c->fd[f], c->smsg[f] + done, (unsigned)(n - done), 0);
		if (r > 0) {
			done += (size_t)r;
			c->st->sent += (uint64_t)r;
			stalls = 0;
			continue;
		}
		if ((errno == EAGAIN || errno == ENOBUFS || errno == EINTR) && stalls++ < 100) {
			struct pollfd p = {c->fd[f], POLLOUT, 0};
			poll(&p, 1, 1);
			drain(c);
			continue;
		}
		c->st->send_errors++; /* this datagram (e.g. EPERM from a firewall, no route): skip it */
		done++;
		stalls = 0;
	}
	if (n) {
		uint32_t t = now_ms(c);
		if (!c->any_sent)
			c->first_send_ms = t;
		c->any_sent = true;
		c->last_send_ms = t;
	}
	c->ns[f] = 0;
}

static void progress(struct scan_ctx *c, uint64_t total, bool last)
{
	if (!c->o->progress || !c->o->err)
		return;
	uint32_t now = now_ms(c);
	if (!last && now < c->next_progress_ms)
		return;
	c->next_progress_ms = now + 1000;
	if (last) {
		fprintf(c->o->err, "\r\033[K");
		fflush(c->o->err);
		return;
	}
	double s = now_s(c), rate = s > 0 ? c->st->sent / s : 0;
	double eta = rate > 0 && total > c->swept ? (total - c->swept) / rate : 0;
	fprintf(c->o->err, "\r\033[Kscan: %llu/%llu targets (%.0f%%), %llu sent, %llu responders, %.0f pkt/s, ETA %.0f s",
		(unsigned long long)c->swept, (unsigned long long)total, total ? 100.0 * c->swept / total : 100.0,
		(unsigned long long)c->st->sent, (unsigned long long)c->st->responders, rate, eta);
	fflush(c->o->err);
}

/* Waits for replies until t_ms (follow-ups handled), or until the scan is stopped. */
static void wait_until(struct scan_ctx *c, uint32_t t_ms, uint64_t total)
{
	for (;;) {
		drain(c);
		follow_ups(c, false);
		progress(c, total, false);
		uint32_t now = now_ms(c);
		if (now >= t_ms || scan_stop)
			return;
		struct pollfd p[2];
		int np = 0;
		for (int f = 0; f < 2; f++)
			if (c->fd[f] >= 0)
				p[np++] = (struct pollfd){c->fd[f], POLLIN, 0};
		uint32_t wait = t_ms - now;
		poll(p, (nfds_t)np, (int)(wait > 50 ? 50 : wait));
	}
}

static int open_sock(int family, char *err, size_t errlen)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fmt_into(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1, rcv = 8 << 20, snd = 4 << 20;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_family = (sa_family_t)family;
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0) {
		fmt_into(err, errlen, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Our address as the targets of this family see it (the route to the first target), with the
 * socket's port: what the NAT_DETECTION_SOURCE_IP hash covers. */
static int local_addr(struct scan_ctx *c, int f, const struct net_addr *first, char *err, size_t errlen)
{
	struct net_addr *l = &c->t.local[f];
	struct net_addr dst = *first;
	net_addr_set_port(&dst, c->o->port);
	int fd = socket(f ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l->len = sizeof l->ss;
	if (fd < 0 || connect(fd, (const struct sockaddr *)&dst.ss, dst.len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&l->ss, &l->len) != 0) {
		char a[NET_ADDRSTRLEN];
		net_addr_str(first, a, sizeof a);
		fmt_into(err, errlen, "no route to %s: %s", a, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	struct net_addr mine;
	mine.len = sizeof mine.ss;
	if (getsockname(c->fd[f], (struct sockaddr *)&mine.ss, &mine.len) != 0) {
		fmt_into(err, errlen, "getsockname: %s", strerror(errno));
		return -1;
	}
	net_addr_set_port(l, net_addr_port(&mine));
	return 0;
}

/* /proc/net/snmp "Udp: ... RcvbufErrors" plus /proc/net/snmp6 Udp6RcvbufErrors; -1 unknown. */
static int64_t udp_rcvbuf_errors(void)
{
	int64_t total = -1;
	FILE *f = fopen("/proc/net/snmp", "r");
	char head[1024], vals[1024];
	if (f) {
		while (fgets(head, sizeof head, f)) {
			if (strncmp(head, "Udp: ", 5) != 0 || !fgets(vals, sizeof vals, f))
				continue;
			char *hs, *vs, *h = strtok_r(head, " \n", &hs), *v = strtok_r(vals, " \n", &vs);
			while (h && v) {
				if (strcmp(h, "RcvbufErrors") == 0)
					total = strtoll(v, NULL, 10);
				h = strtok_r(NULL, " \n", &hs);
				v = strtok_r(NULL, " \n", &vs);
			}
			break;
		}
		fclose(f);
	}
	f = fopen("/proc/net/snmp6", "r");
	if (f) {
		while (fgets(head, sizeof head, f)) {
			char name[64];
			long long v;
			if (sscanf(head, "%63s %lld", name, &v) == 2 && strcmp(name, "Udp6RcvbufErrors") == 0)
				total = (total < 0 ? 0 : total) + v;
		}
		fclose(f);
	}
	return total;
}

static void ctx_free(struct scan_ctx *c)
{
	for (int f = 0; f < 2; f++)
		if (c->fd[f] >= 0)
			close(c->fd[f]);
	for (size_t i = 0; i < c->tabcap; i++) {
		if (!c->tab[i])
			continue;
		if (c->tab[i]->r) {
			obs_result_free(c->tab[i]->r);
			free(c->tab[i]->r);
		}
		free(c->tab[i]);
	}
	free(c->tab);
	for (size_t i = 0; i < c->ndh; i++)
		dh_key_free(&c->dh[i]);
	spi_key_free(&c->key);
	free(c->prof);
	free(c->sbuf);
	free(c->rbuf);
	free(c->d);
	free(c->m);
	free(c->m1);
	free(c->prof1);
	if (c->have_am_dh)
		ike1_dh_free(&c->am_dh);
	for (size_t i = 0; i < c->nmm3_dh; i++)
		ike1_dh_free(&c->mm3_dh[i]);
	free(c);
}

static int setup(struct scan_ctx *c, char *err, size_t errlen)
{
	const struct scan_opts *o = c->o;
	c->fd[0] = c->fd[1] = -1;
	c->prof = calloc(1, sizeof *c->prof);
	c->sbuf = calloc(2, sizeof *c->sbuf);
	c->rbuf = calloc(SCAN_BATCH, sizeof *c->rbuf);
	c->d = calloc(1, sizeof *c->d);
	c->m = calloc(1, sizeof *c->m);
	if (!c->prof || !c->sbuf || !c->rbuf || !c->d || !c->m) {
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	if (profile_choice_part(o->profile, 2, c->prof, err, errlen) != 0)
		return -1;
	if (c->prof->nsets == 0) {
		fmt_into(err, errlen, "the Windows IKEv2 profile has no proposal set");
		return -1;
	}
	if ((o->key ? spi_key_set(&c->key, o->key) : spi_key_init(&c->key)) != 0) {
		fmt_into(err, errlen, "no SPI key (OpenSSL SipHash)");
		return -1;
	}
	const struct dh_key *k = dh_for(c, c->prof->sets[0].ke_group);
	c->nonce_len = c->prof->nonce_len && c->prof->nonce_len <= sizeof c->nonce ? c->prof->nonce_len : 32;
	if (!k || RAND_bytes(c->nonce, (int)c->nonce_len) != 1) {
		fmt_into(err, errlen, "no key pair for the KE group, or no randomness");
		return -1;
	}
	if (scan_tmpl_build(&c->t, c->prof, o->port, k->pub, k->pub_len, c->nonce, c->nonce_len, err, errlen) != 0)
		return -1;
	c->v2 = !o->protocols || (o->protocols & KB_P_IKEV2);
	c->v1 = (o->protocols & KB_P_L2TP) != 0;
	uint8_t am_nonce[64];
	size_t am_nonce_len = 0;
	if (c->v1) {
		c->prof1 = calloc(1, sizeof *c->prof1);
		c->m1 = calloc(1, sizeof *c->m1);
		if (!c->prof1 || !c->m1) {
			fmt_into(err, errlen, "out of memory");
			return -1;
		}
		if (profile_choice_part(o->profile, 1, c->prof1, err, errlen) != 0)
			return -1;
		if (c->prof1->ike_version != 1 || c->prof1->nsets == 0 || c->prof1->sets[0].ntransforms1 == 0) {
			fmt_into(err, errlen, "the Windows L2TP profile has no IKEv1 transforms");
			return -1;
		}
		static const uint8_t zero[8];
		struct wbuf w;
		wbuf_init(&w, c->mm1, sizeof c->mm1);
		if (l2tp_build_mm1(&w, c->prof1, &c->prof1->sets[0], zero) < 0) {
			fmt_into(err, errlen, "the Main Mode 1 does not fit %u bytes", (unsigned)SCAN_PKT_MAX);
			return -1;
		}
		c->mm1_len = w.len;
		if (RAND_bytes(c->ni1, sizeof c->ni1) != 1) {
			fmt_into(err, errlen, "no randomness");
			return -1;
		}
		if (o->aggressive) {
			if (ike1_dh_generate(&c->am_dh, c->prof1->sets[0].transforms1[0].group, err, errlen) != 0)
				return -1;
			c->have_am_dh = true;
			am_nonce_len = c->prof1->nonce_len >= 8 && c->prof1->nonce_len <= sizeof am_nonce ? c->prof1->nonce_len : 32;
			if (RAND_bytes(am_nonce, (int)am_nonce_len) != 1) {
				fmt_into(err, errlen, "no randomness");
				return -1;
			}
		}
	}
	for (int f = 0; f < 2; f++) {
		if (!scan_space_has_family(o->space, f ? 6 : 4))
			continue;
		if ((c->fd[f] = open_sock(f ? AF_INET6 : AF_INET, err, errlen)) < 0)
			return -1;
		/* the first address of that family in the space */
		for (size_t i = 0; i < o->space->n; i++)
			if (o->space->r[i].family == (f ? 6 : 4)) {
				struct net_addr a;
				scan_space_addr(o->space, o->space->r[i].first, &a);
				if (local_addr(c, f, &a, err, errlen) != 0)
					return -1;
				break;
			}
		if (c->v1 && o->aggressive) {
			/* our Aggressive Mode 1: IDii is our address as the targets of this family see it */
			static const uint8_t zero[8];
			const uint8_t *ip;
			size_t n = net_addr_bytes(&c->t.local[f], &ip);
			struct wbuf w;
			wbuf_init(&w, c->am1[f], sizeof c->am1[f]);
			if (l2tp_build_am1(&w, &c->prof1->sets[0], zero, c->am_dh.pub, c->am_dh.pub_len, am_nonce, am_nonce_len, ip,
					   n) < 0) {
				fmt_into(err, errlen, "the Aggressive Mode 1 does not fit %u bytes", (unsigned)SCAN_PKT_MAX);
				return -1;
			}
			c->am1_len[f] = w.len;
		}
		for (int i = 0; i < SCAN_BATCH; i++) {
			c->siov[f][i].iov_base = c->sbuf[f][i];
			c->siov[f][i].iov_len = c->t.len;
			c->smsg[f][i].msg_hdr.msg_iov = &c->siov[f][i];
			c->smsg[f][i].msg_hdr.msg_iovlen = 1;
			c->smsg[f][i].msg_hdr.msg_name = &c->sdst[f][i];
		}
	}
	return 0;
}

int scan_run(const struct scan_opts *o, struct scan_stats *st, char *err, size_t errlen)
{
	struct scan_ctx *c = calloc(1, sizeof *c);
	memset(st, 0, sizeof *st);
	st->seed = o->seed;
	if (!c) {
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	c->o = o;
	c->st = st;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	if (setup(c, err, errlen) != 0) {
		ctx_free(c);
		return -1;
	}
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	scan_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int64_t udp0 = udp_rcvbuf_errors();

	struct scan_perm perm;
	scan_perm_init(&perm, o->space->total, o->seed);
	uint64_t total = scan_shard_size(o->space->total, o->shard, o->nshards);
	st->targets = total;
	double tokens = 0, last_refill = now_s(c);
	uint32_t want = o->rate ? (o->rate / 1000 > SCAN_BATCH ? SCAN_BATCH : o->rate / 1000 ? o->rate / 1000 : 1) : SCAN_BATCH;
	bool udp = c->v1 || c->v2;
	for (unsigned pass = 0; udp && pass <= o->retries && !scan_stop; pass++) {
		uint32_t pass_start = now_ms(c);
		struct scan_shard_iter it;
		scan_shard_begin(&it, o->shard, o->nshards);
		uint64_t idx;
		bool more = true;
		while (more && !scan_stop) {
			size_t n = SCAN_BATCH;
			if (o->rate) {
				double t = now_s(c);
				tokens += (t - last_refill) * o->rate;
				last_refill = t;
				if (tokens > 2.0 * SCAN_BATCH)
					tokens = 2.0 * SCAN_BATCH;
				if (tokens < want) {
					double wait_s = (want - tokens) / o->rate;
					struct pollfd p[2];
					int np = 0;
					for (int f = 0; f < 2; f++)
						if (c->fd[f] >= 0)
							p[np++] = (struct pollfd){c->fd[f], POLLIN, 0};
					struct timespec ts = {(time_t)wait_s, (long)((wait_s - (time_t)wait_s) * 1e9)};
					ppoll(p, (nfds_t)np, &ts, NULL);
					drain(c);
					continue;
				}
				n = tokens < SCAN_BATCH ? (size_t)tokens : SCAN_BATCH;
			}
			size_t put = 0;
			while (put < n) {
				if (!scan_shard_next(&it, &perm, &idx)) {
					more = false;
					break;
				}
				struct net_addr a;
				if (scan_space_addr(o->space, idx, &a) != 0)
					continue;
				const uint8_t *ip;
				size_t alen = net_addr_bytes(&a, &ip);
				int f = alen == 16;
				if (pass == 0)
					c->swept++;
				if (scan_space_excluded(o->space, f ? 6 : 4, ip)) {
					if (pass == 0)
						st->excluded++;
					continue;
				}
				net_addr_set_port(&a, o->port);
				/* what goes to this target: not what already answered (passes after the first) */
				bool v2 = c->v2 && !(pass > 0 && resp_find(c, &a, RP_IKEV2));
				bool v1 = c->v1 && !(pass > 0 && resp_find(c, &a, RP_L2TP));
				size_t k = (size_t)v2 + (v1 ? 1 + o->aggressive : 0);
				if (c->ns[f] + k > SCAN_BATCH)
					flush(c, f);
				for (size_t j = 0; j < k; j++) {
					size_t s = c->ns[f];
					uint8_t *pkt = c->sbuf[f][s];
					size_t plen;
					if (v2 && j == 0) {
						plen = c->t.len;
						if (!scan_tmpl_fill(&c->t, &c->key, &a, pkt)) {
							st->send_errors++;
							continue;
						}
					} else {
						bool am = j == k - 1 && o->aggressive;
						plen = am ? c->am1_len[f] : c->mm1_len;
						memcpy(pkt, am ? c->am1[f] : c->mm1, plen);
						if (!scan_cookie1(&c->key, &a, o->port, am, 0, pkt)) {
							st->send_errors++;
							continue;
						}
					}
					c->siov[f][s].iov_len = plen;
					memcpy(&c->sdst[f][s], &a.ss, a.len);
					c->smsg[f][s].msg_hdr.msg_namelen = a.len;
					c->ns[f]++;
					put++;
				}
				if (c->ns[f] == SCAN_BATCH)
					flush(c, f);
			}
			flush(c, 0);
			flush(c, 1);
			if (o->rate)
				tokens -= (double)put;
			drain(c);
			follow_ups(c, false);
			progress(c, total, false);
		}
		if (pass == 0) { /* the sweep's own rate: the first pass, one request per target */
			st->send_ms = c->any_sent ? c->last_send_ms - c->first_send_ms : 0;
			st->rate_pps = st->send_ms ? st->sent * 1000.0 / st->send_ms : (double)st->sent;
		}
		if (pass < o->retries && o->retry_gap_ms)
			wait_until(c, pass_start + o->retry_gap_ms, total);
	}
	uint32_t end = (c->any_sent ? c->last_send_ms : now_ms(c)) + o->timeout_ms;
	if (udp)
		wait_until(c, end, total);
	/* follow-ups still waiting get at most their own retries, bounded */
	uint32_t follow_end = now_ms(c) + (1 + o->retries) * FOLLOW_WAIT_MS;
	while (c->npending && !scan_stop && now_ms(c) < follow_end)
		wait_until(c, now_ms(c) + 50, total);
	follow_ups(c, true);
	progress(c, total, true);
	/* the TCP sweep (sstp, pptp), after the UDP one */
	if (!scan_stop && scan_tcp_run(o, st, &scan_stop, err, errlen) != 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		ctx_free(c);
		return -1;
	}

	st->interrupted = scan_stop != 0;
	st->duration_ms = now_ms(c);
	st->drops_socket = (uint64_t)c->ovfl[0] + c->ovfl[1];
	int64_t udp1 = udp_rcvbuf_errors();
	st->drops_udp = udp0 >= 0 && udp1 >= 0 ? udp1 - udp0 : -1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!o->emit)
		scan_out_summary(o->out, o->json, o, st);
	ctx_free(c);
	return 0;
}
