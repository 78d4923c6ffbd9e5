/* IKEv2 first contact as the Windows built-in client makes it: IKE_SA_INIT on UDP 500 built from
 * the client profile (data/profiles/windows-ikev2.txt), the same on UDP 4500 behind the non-ESP
 * marker, COOKIE and INVALID_KE_PAYLOAD handled, and after NO_PROPOSAL_CHOSEN the profile's
 * alternative proposal sets tried at once to learn what the server accepts.
 *
 * Reply matching: the initiator SPI is spi_make(run key, target, port, exchange id). A datagram
 * counts only if it parses, is an IKE_SA_INIT response (R flag, message id 0), carries our SPIi
 * (spi_check) and a non-zero SPIr; an SPIr of 0 is accepted only for a notify-only error reply
 * (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN and the other error notifies, RFC 7296 2.6/2.21).
 * Our own request reflected back has no R flag and is ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "crypto/certcheck.h"
#include "crypto/dh.h"
#include "crypto/ike2_certreq.h"
#include "crypto/ike2_keys.h"
#include "crypto/ike2_sig.h"
#include "crypto/spi.h"
#include "kb/kb.h"
#include "net/net.h"
#include "probes/cert_obs.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/file.h"
#include "util/fmt.h"
#include "wire/ike2_frag.h"
#include "wire/ike2_inner.h"
#include "wire/ikev2.h"
#include "wire/natt.h"

#define MAX_XCHG (3 + PROFILE_MAX_SETS)
#define MAX_COOKIE 64
#define MAX_COOKIE_ROUNDS 2
#define MAX_KE_ROUNDS 2
/* Every buffer that holds a whole datagram or message is sized for the largest UDP payload
 * (issue 11: a 65 KB IKE_SA_INIT reply must not be cut or skipped). All live in heap state. */
#define PKT_CAP 65536
#define MAX_OUT_FRAGS 16 /* RFC 7383 fragments of one request we send */
#define RX_CAP 65536
#define MAX_READS 16 /* datagrams read per wake-up */
#define NONESP_LEN NATT_MARKER_LEN
#define MAX_MALFORMED_OBS 8 /* ike-malformed / ike-ignored observations per exchange (a junk flood) */
#define SYSTEM_STORE_MAX (16u << 20)

/* When the Windows-like IKE_AUTH (a large request: a CERTREQ with a Windows-sized list of root
 * hashes; a large reply: the certificate chain) is not answered at once, two more IKE_SAs start:
 * X_SMALL: IKE_AUTH without CERTREQ: a small request, and a small reply from a server that sends
 *          its certificate only when asked. Answered: something of the first exchange is lost
 *          on the path because of its size; not answered: the server does not answer IKE_AUTH.
 * X_ROOTS: IKE_AUTH whose CERTREQ lists only the real roots (--ca-file or the system store): a
 *          small request that still asks for the full reply. Answered: the reply gets through, so
 *          the large REQUEST is what is lost; not answered (and X_SMALL answered): the large REPLY
 *          is lost. */
enum xchg_kind { X_MAIN, X_NATT, X_ALT, X_SMALL, X_ROOTS };
/* PH_INIT: IKE_SA_INIT; PH_AUTH: IKE_AUTH sent (message 1); PH_DELETE: INFORMATIONAL delete
 * sent (message 2) after the first EAP request. */
enum xchg_phase { PH_INIT, PH_AUTH, PH_DELETE };

/* IKE_AUTH state of one exchange (heap, only after an accepted IKE_SA_INIT). It owns copies of
 * everything it needs: the IKE_SA_INIT response as received (signed by the server's AUTH), the
 * keys (wiped on free) and the fragments received so far. */
struct auth_ctx {
	uint64_t spi_r;
	struct ike2_keys keys;
	uint8_t init_resp[IKE2_MAX_MSG];
	size_t init_resp_len;
	bool natt;                 /* on UDP 4500 behind the non-ESP marker */
	uint16_t port;
	size_t req_len;             /* the whole request (all fragments, non-ESP markers included) */
	unsigned req_frags;         /* RFC 7383 fragments it was sent in (0 = one message) */
	size_t certreq_hashes, certreq_real; /* root hashes listed; of those, the real roots */
	bool server_frag;           /* the server sent IKEV2_FRAGMENTATION_SUPPORTED */
	bool too_big;               /* ICMP "fragmentation needed"/"packet too big" after IKE_AUTH */
	size_t reply_bytes;
	unsigned nfrag_msgs;
	bool done_auth;
	struct ike2_frag frag;
	uint8_t plain[IKE2_MAX_MSG];
	uint8_t whole[IKE2_FRAG_MAX_BYTES];
};

struct xchg {
	enum xchg_kind kind;
	const struct profile_set *set;
	uint8_t id;                 /* spi_make probe id */
	uint16_t port;
	int fd;
	struct net_addr dst, local;
	uint64_t spi;
	struct dh_key key;
	uint16_t ke_group;
	uint8_t nonce[256];
	size_t nonce_len;
	uint8_t cookie[MAX_COOKIE];
	size_t cookie_len;
	unsigned cookie_rounds, ke_rounds;
	uint8_t pkt[PKT_CAP];
	size_t pkt_len;
	size_t nfrags;              /* > 0: pkt holds nfrags datagrams of frag_len[i] bytes each */
	size_t frag_len[MAX_OUT_FRAGS];
	unsigned sends;             /* of the current message */
	unsigned total_sends;
	uint32_t first_send, last_send;
	uint32_t next;              /* next retransmission or give-up time */
	bool active;
	bool answered;              /* any counted reply */
	unsigned nmalformed;        /* datagrams from the server that are not IKEv2 */
	unsigned nignored;          /* datagrams not counted as a reply */
	unsigned ntruncated;        /* datagrams larger than the receive buffer */
	enum xchg_phase phase;
	struct auth_ctx *a;         /* PH_AUTH / PH_DELETE */
};

struct ike_state {
	struct profile *prof;
	struct spi_key key;
	bool have_key;
	struct xchg x[MAX_XCHG];
	size_t nx;
	bool alts_started;
	bool nat_recorded;
	bool auth_started;          /* one Windows-like IKE_AUTH per run */
	bool small_started;
	bool hashes_made;           /* the CERTREQ root hashes, made once per run */
	size_t nhash, nhash_real, nhash_filler;
	uint8_t hashes[20 * PROFILE_MAX_CERTREQ_HASHES];
	uint8_t rx[RX_CAP];
};

/* ---------------------------------------------------------------- helpers */

static void auth_free(struct xchg *x);
static int start_auth(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		      const struct ike2_msg *m, const uint8_t *raw, size_t rawlen, const struct net_addr *from);
static bool auth_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			  const uint8_t *buf, size_t len, const struct net_addr *from);
static void start_small(struct engine *e, struct probe_inst *pi, struct ike_state *st, const struct xchg *like);
static void auth_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short);

/* One of the IKE_SAs started to explain an unanswered IKE_AUTH (not the Windows-like one). */
static bool is_side(const struct xchg *x)
{
	return x->kind == X_SMALL || x->kind == X_ROOTS;
}

static enum obs_kind side_kind(const struct xchg *x)
{
	return x->kind == X_ROOTS ? OBS_IKE_AUTH_SMALL_REQ : OBS_IKE_AUTH_SMALL;
}

static const char *side_what(const struct xchg *x)
{
	return x->kind == X_ROOTS ? "an IKE_AUTH whose CERTREQ lists only the real roots" : "an IKE_AUTH without CERTREQ";
}

static void obs_init(struct obs *o, enum obs_kind kind, const struct xchg *x)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = KB_P_IKEV2;
	if (x) {
		o->port = x->port;
		o->natt = x->kind == X_NATT;
		fmt_into(o->set, sizeof o->set, "%s", x->set ? x->set->name : "");
	}
}

static const char *xchg_what(const struct xchg *x)
{
	return x->kind == X_NATT ? "IKE_SA_INIT (non-ESP marker)" : "IKE_SA_INIT";
}

static bool set_has_group(const struct profile_set *s, uint16_t group)
{
	for (size_t i = 0; i < s->nproposals; i++)
		for (size_t t = 0; t < s->proposals[i].ntransforms; t++)
			if (s->proposals[i].t[t].type == IKE2_T_DH && s->proposals[i].t[t].id == group)
				return true;
	return false;
}

static void spi_hex(uint64_t spi, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)spi);
}

/* Builds the IKE_SA_INIT for x into x->pkt (with the non-ESP marker on 4500). */
static int build(struct ike_state *st, struct xchg *x)
{
	const struct profile *p = st->prof;
	const uint8_t *lip, *rip;
	size_t ll = net_addr_bytes(&x->local, &lip), rl = net_addr_bytes(&x->dst, &rip);
	uint8_t natd_src[20], natd_dst[20];
	ike2_natd_hash(x->spi, 0, lip, ll, net_addr_port(&x->local), natd_src);
	ike2_natd_hash(x->spi, 0, rip, rl, x->port, natd_dst);
	struct ike2_blob vids[PROFILE_MAX_VIDS];
	size_t nv = profile_vid_blobs(p, vids, PROFILE_MAX_VIDS);
	struct ike2_sa_init in = {
		.spi_i = x->spi,
		.proposals = x->set->proposals,
		.nproposals = x->set->nproposals,
		.ke_group = x->ke_group,
		.ke_data = x->key.pub,
		.ke_len = x->key.pub_len,
		.nonce = x->nonce,
		.nonce_len = x->nonce_len,
		.cookie = x->cookie_len ? x->cookie : NULL,
		.cookie_len = x->cookie_len,
		.natd_src = p->natd ? natd_src : NULL,
		.natd_dst = p->natd ? natd_dst : NULL,
		.frag_supported = p->frag_supported,
		.vids = vids,
		.nvids = nv,
	};
	struct wbuf w;
	wbuf_init(&w, x->pkt, sizeof x->pkt);
	if (x->kind == X_NATT)
		wbuf_zero(&w, NONESP_LEN);
	if (ike2_build_sa_init(&w, &in) != 0 || w.err)
		return -1;
	x->pkt_len = w.len;
	x->nfrags = 0;
	return 0;
}

static void log_sent(struct engine *e, struct probe_inst *pi, const struct ike_state *st, const struct xchg *x)
{
	char s[400], spi[17];
	spi_hex(x->spi, spi);
	if (x->phase != PH_INIT) {
		char what[120];
		if (x->phase != PH_AUTH)
			fmt_into(what, sizeof what, "[SK{D}] (delete the IKE SA)");
		else if (x->kind == X_SMALL)
			fmt_into(what, sizeof what, "[SK{IDi N CP SA TSi TSr}] (no CERTREQ)");
		else
			fmt_into(what, sizeof what, "[SK{IDi CERTREQ(%zu roots) N CP SA TSi TSr}] (no AUTH: EAP)",
				 x->a ? x->a->certreq_hashes : 0);
		fmt_into(s, sizeof s, "%s request SPIi=%s %s, %zu bytes%s%s, send %u",
			 x->phase == PH_AUTH ? "IKE_AUTH" : "INFORMATIONAL", spi, what, x->pkt_len,
			 x->nfrags ? " in RFC 7383 fragments" : "", x->a && x->a->natt ? " (UDP 4500, non-ESP marker)" : "",
			 x->sends);
		engine_packet(e, pi, '>', &x->dst, s);
		return;
	}
	fmt_into(s, sizeof s, "%s request SPIi=%s [%s] %zu proposal%s KE(%s) Ni(%zu)%s%s%s %zu VID%s, %zu bytes, send %u",
		 xchg_what(x), spi, x->set->name, x->set->nproposals, x->set->nproposals == 1 ? "" : "s",
		 ike2_transform_name(IKE2_T_DH, x->ke_group), x->nonce_len, x->cookie_len ? " N(COOKIE)" : "",
		 st->prof->natd ? " N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)" : "",
		 st->prof->frag_supported ? " N(IKEV2_FRAGMENTATION_SUPPORTED)" : "", st->prof->nvids,
		 st->prof->nvids == 1 ? "" : "s", x->pkt_len, x->sends);
	engine_packet(e, pi, '>', &x->dst, s);
}

static uint32_t wait_after(const struct ike_state *st, unsigned send_no)
{
	const struct profile *p = st->prof;
	if (p->nretransmit == 0)
		return 1000;
	size_t i = send_no < p->nretransmit ? send_no : p->nretransmit - 1;
	return p->retransmit_ms[i] ? p->retransmit_ms[i] : 1;
}

static unsigned max_sends(const struct ike_state *st)
{
	return st->prof->nretransmit ? (unsigned)st->prof->nretransmit : 1;
}

static void send_now(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	uint32_t now = engine_now_ms(e);
	if (x->sends == 0)
		x->first_send = now;
	x->last_send = now;
	int rc = 0;
	if (x->nfrags == 0) {
		rc = net_udp_send(x->fd, x->pkt, x->pkt_len);
	} else {
		size_t off = 0;
		for (size_t i = 0; i < x->nfrags && rc == 0; i++) {
			rc = net_udp_send(x->fd, x->pkt + off, x->frag_len[i]);
			off += x->frag_len[i];
		}
	}
	if (rc != 0 && errno != ECONNREFUSED) {
		/* ECONNREFUSED is a queued ICMP error: it is read from the error queue. */
		struct obs o;
		obs_init(&o, OBS_SEND_FAILED, x);
		o.code = errno;
		fmt_into(o.text, sizeof o.text, "%s", strerror(errno));
		fmt_into(o.evidence, sizeof o.evidence, "could not send the %s to UDP %u: %s", xchg_what(x), x->port,
			 strerror(errno));
		engine_observe(e, pi, &o);
	}
	x->sends++;
	x->total_sends++;
	x->next = now + wait_after(st, x->sends - 1);
	log_sent(e, pi, st, x);
}

static void update_deadline(struct probe_inst *pi, struct ike_state *st)
{
	uint32_t d = 0;
	bool any = false;
	for (size_t i = 0; i < st->nx; i++) {
		if (!st->x[i].active)
			continue;
		any = true;
		if (!d || st->x[i].next < d)
			d = st->x[i].next;
	}
	if (!any) {
		engine_done(pi);
		return;
	}
	engine_set_deadline(pi, d ? d : 1);
}

static void close_xchg(struct engine *e, struct xchg *x)
{
	x->active = false;
	auth_free(x);
	if (x->fd >= 0) {
		engine_unwatch(e, x->fd);
		close(x->fd);
		x->fd = -1;
	}
}

/* Opens, keys and sends exchange x. Returns 0 or -1 (recorded). */
static int start_xchg(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	struct obs o;
	x->fd = -1;
	x->dst = *engine_target_addr(e);
	net_addr_set_port(&x->dst, x->port);
	x->ke_group = x->set->ke_group;
	x->nonce_len = st->prof->nonce_len;
	if (x->nonce_len == 0 || x->nonce_len > sizeof x->nonce)
		x->nonce_len = 32;
	const char *fail = NULL;
	if (dh_keygen(x->ke_group, &x->key) != 0)
		fail = "no key pair for the KE group";
	else if (RAND_bytes(x->nonce, (int)x->nonce_len) != 1)
		fail = "no randomness for the nonce";
	else if ((x->fd = net_udp_open(&x->dst)) < 0)
		fail = strerror(errno);
	if (!fail) {
		x->local.len = sizeof x->local.ss;
		if (getsockname(x->fd, (struct sockaddr *)&x->local.ss, &x->local.len) != 0)
			fail = strerror(errno);
	}
	if (!fail) {
		x->spi = spi_make(&st->key, (const struct sockaddr *)&x->dst.ss, x->port, x->id, 0);
		if (!x->spi)
			fail = "no SPI";
	}
	if (!fail && build(st, x) != 0)
		fail = "the IKE_SA_INIT does not fit the packet buffer";
	if (!fail && engine_watch(e, pi, x->fd) != 0)
		fail = "too many sockets";
	if (fail) {
		obs_init(&o, OBS_SEND_FAILED, x);
		fmt_into(o.text, sizeof o.text, "%s", fail);
		fmt_into(o.evidence, sizeof o.evidence, "could not probe UDP %u with proposal set %s: %s", x->port,
			 x->set->name, fail);
		engine_observe(e, pi, &o);
		if (x->fd >= 0)
			close(x->fd);
		x->fd = -1;
		dh_key_free(&x->key);
		return -1;
	}
	x->active = true;
	send_now(e, pi, st, x);
	return 0;
}

static struct xchg *new_xchg(struct ike_state *st, enum xchg_kind kind, const struct profile_set *set, uint16_t port)
{
	if (st->nx >= MAX_XCHG)
		return NULL;
	struct xchg *x = &st->x[st->nx];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->set = set;
	x->port = port;
	x->fd = -1;
	x->id = (uint8_t)st->nx;
	st->nx++;
	return x;
}

static void start_alternatives(struct engine *e, struct probe_inst *pi, struct ike_state *st, uint16_t port)
{
	if (st->alts_started)
		return;
	st->alts_started = true;
	for (size_t i = 1; i < st->prof->nsets; i++) {
		struct xchg *x = new_xchg(st, X_ALT, &st->prof->sets[i], port);
		if (x)
			start_xchg(e, pi, st, x);
	}
}

/* ---------------------------------------------------------------- replies */

static void describe_reply(const struct ike2_msg *m, size_t len, char *s, size_t slen)
{
	char spi[17];
	spi_hex(m->hdr.spi_r, spi);
	fmt_into(s, slen, "%s %s SPIr=%s", ike2_exchange_name(m->hdr.exchange),
		 (m->hdr.flags & IKE2_F_RESPONSE) ? "response" : "request", spi);
	for (size_t i = 0; i < m->nproposals && i < 2; i++) {
		char ps[160];
		ike2_proposal_str(&m->proposals[i], ps, sizeof ps);
		fmt_append(s, slen, " SA(%s)", ps);
	}
	if (m->has_ke)
		fmt_append(s, slen, " KE(%s)", ike2_transform_name(IKE2_T_DH, m->ke_group));
	if (m->nonce.p)
		fmt_append(s, slen, " Nr(%zu)", m->nonce.len);
	for (size_t i = 0; i < m->nnotifies; i++)
		fmt_append(s, slen, " N(%s)", ike2_notify_name(m->notifies[i].type));
	if (m->nvids)
		fmt_append(s, slen, " %zu VID%s", m->nvids, m->nvids == 1 ? "" : "s");
	fmt_append(s, slen, ", %zu bytes", len);
}

/* Port and NAT-T flag of where x talks now (after a move to UDP 4500 for IKE_AUTH). */
static void obs_where(struct obs *o, const struct xchg *x)
{
	if (x->a) {
		o->port = x->a->port;
		o->natt = x->a->natt;
	}
}

/* Every datagram not counted is logged; the first MAX_MALFORMED_OBS per exchange also become an
 * observation (value: the count so far), so that a junk flood cannot fill the budget. */
static void ignore(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		   const char *why)
{
	engine_packet(e, pi, '-', from, why);
	if (++x->nignored > MAX_MALFORMED_OBS)
		return;
	struct obs o;
	obs_init(&o, OBS_IKE_IGNORED, x);
	obs_where(&o, x);
	o.value = x->nignored;
	fmt_into(o.text, sizeof o.text, "%s", why);
	char peer[NET_ADDRSTRLEN];
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence, "a datagram from %s on UDP %u was not counted as a reply: %s", peer,
		 o.port, why);
	engine_observe(e, pi, &o);
}

/* A datagram from the server's address and port that is not IKEv2 (issue 11): something answers,
 * but not with IKEv2. */
static void malformed(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_addr *from,
		      size_t len, const char *why)
{
	char s[260];
	fmt_into(s, sizeof s, "%zu bytes that do not parse as IKEv2: %s", len, why);
	engine_packet(e, pi, '-', from, s);
	if (++x->nmalformed > MAX_MALFORMED_OBS)
		return;
	struct obs o;
	obs_init(&o, OBS_IKE_MALFORMED, x);
	obs_where(&o, x);
	o.value = x->nmalformed;
	o.code = (int32_t)len;
	fmt_into(o.text, sizeof o.text, "%s", why);
	char peer[NET_ADDRSTRLEN];
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence,
		 "a datagram of %zu bytes from the server (%s) after the %s on UDP %u is not a valid IKEv2 reply: %s", len,
		 peer, x->phase == PH_INIT ? xchg_what(x) : x->phase == PH_AUTH ? "IKE_AUTH" : "INFORMATIONAL", o.port,
		 why);
	engine_observe(e, pi, &o);
}

/* A datagram larger than the receive buffer: never parsed (issue 11). */
static void truncated(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_rx *rx)
{
	char s[160];
	fmt_into(s, sizeof s, "a datagram of %zu bytes, larger than the %u-byte buffer: not parsed", rx->wire_len,
		 (unsigned)RX_CAP);
	engine_packet(e, pi, '-', &rx->from, s);
	if (++x->ntruncated > MAX_MALFORMED_OBS)
		return;
	struct obs o;
	obs_init(&o, OBS_UDP_TRUNCATED, x);
	obs_where(&o, x);
	o.value = (int64_t)rx->wire_len;
	o.code = (int32_t)rx->len;
	fmt_into(o.text, sizeof o.text, "%zu of %zu bytes kept", rx->len, rx->wire_len);
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server sent a %zu-byte datagram on UDP %u, larger than the %zu bytes the probe keeps: it was not parsed",
		 rx->wire_len, o.port, rx->len);
	engine_observe(e, pi, &o);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void record_nat(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		       const struct ike2_msg *m, const struct net_addr *from)
{
	if (st->nat_recorded || x->kind == X_NATT)
		return; /* NAT-D of the first accepted exchange on UDP 500 (default or alternative set) */
	const uint8_t *ip;
	size_t n;
	uint8_t h[20];
	char a[NET_ADDRSTRLEN];
	struct obs o;
	/* Their DESTINATION hash covers our address as they see it. */
	const struct ike2_notify *d = ike2_find_notify(m, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	if (d && d->data_len == 20) {
		n = net_addr_bytes(&x->local, &ip);
		ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(&x->local), h);
		obs_init(&o, OBS_NAT_CLIENT, x);
		o.value = memcmp(h, d->data, 20) != 0;
		net_addr_str_port(&x->local, a, sizeof a);
		fmt_into(o.evidence, sizeof o.evidence,
			 o.value ? "the server's NAT_DETECTION_DESTINATION_IP does not match our address %s: a NAT on our side rewrites it"
				 : "the server's NAT_DETECTION_DESTINATION_IP matches our address %s: no NAT on our side",
			 a);
		engine_observe(e, pi, &o);
	}
	/* Their SOURCE hash(es) cover the address they send from; compare with where it came from. */
	bool have_src = false, match = false;
	n = net_addr_bytes(from, &ip);
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(from), h);
	for (size_t i = 0; i < m->nnotifies; i++) {
		const struct ike2_notify *s = &m->notifies[i];
		if (s->type != IKE2_N_NAT_DETECTION_SOURCE_IP || s->data_len != 20)
			continue;
		have_src = true;
		match = match || memcmp(h, s->data, 20) == 0;
	}
	if (have_src) {
		obs_init(&o, OBS_NAT_SERVER, x);
		o.value = !match;
		net_addr_str_port(from, a, sizeof a);
		fmt_into(o.evidence, sizeof o.evidence,
			 o.value ? "the server's NAT_DETECTION_SOURCE_IP does not match %s, the address the reply came from: the server is behind NAT (its own address differs)"
				 : "the server's NAT_DETECTION_SOURCE_IP matches %s, the address the reply came from: the server is not behind NAT",
			 a);
		engine_observe(e, pi, &o);
	}
	st->nat_recorded = st->nat_recorded || d || have_src;
}

static void record_accepted(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			    const struct ike2_msg *m, const struct net_addr *from)
{
	struct obs o;
	char ps[160];
	uint32_t now = engine_now_ms(e);
	ike2_proposal_str(&m->proposals[0], ps, sizeof ps);
	obs_init(&o, x->kind == X_ALT ? OBS_IKE_ALT_ACCEPTED : OBS_IKE_ACCEPTED, x);
	o.code = m->has_ke ? m->ke_group : 0;
	o.has_prop = true;
	o.prop = m->proposals[0];
	fmt_into(o.text, sizeof o.text, "%s", ps);
	if (x->kind == X_ALT) {
		fmt_into(o.fix, sizeof o.fix, "%s", x->set->fix);
		fmt_into(o.fix_command, sizeof o.fix_command, "%s", x->set->fix_command);
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s (%s) the server chose %s", x->set->name,
			 x->set->title, ps);
	} else {
		fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u and chose %s", xchg_what(x),
			 x->port, ps);
	}
	engine_observe(e, pi, &o);

	obs_init(&o, OBS_RTT, x);
	o.value = now - x->last_send;
	fmt_into(o.evidence, sizeof o.evidence, "round trip %lld ms on UDP %u", (long long)o.value, x->port);
	engine_observe(e, pi, &o);

	if (x->kind != X_NATT)
		record_nat(e, pi, st, x, m, from);
	if (x->kind == X_ALT)
		return;
	if (x->kind == X_MAIN) {
		obs_init(&o, OBS_IKE_FRAGMENTATION, x);
		o.value = ike2_find_notify(m, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
		fmt_into(o.evidence, sizeof o.evidence,
			 o.value ? "the server sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383)"
				 : "the server did not send IKEV2_FRAGMENTATION_SUPPORTED: it will not fragment IKE_AUTH");
		engine_observe(e, pi, &o);
		for (size_t i = 0; i < m->nvids; i++) {
			obs_init(&o, OBS_IKE_VENDOR_ID, x);
			o.value = profile_vid_describe(m->vids[i].p, m->vids[i].len, o.text, sizeof o.text);
			fmt_into(o.evidence, sizeof o.evidence, "the server sent vendor ID %s", o.text);
			engine_observe(e, pi, &o);
		}
	}
	for (size_t i = 0; i < m->nnotifies; i++) {
		const struct ike2_notify *n = &m->notifies[i];
		if (n->type == IKE2_N_NAT_DETECTION_SOURCE_IP || n->type == IKE2_N_NAT_DETECTION_DESTINATION_IP ||
		    n->type == IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED || n->type == IKE2_N_MS_STATUS)
			continue;
		obs_init(&o, OBS_IKE_NOTIFY, x);
		o.code = n->type;
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(n->type));
		fmt_into(o.evidence, sizeof o.evidence, "the server's IKE_SA_INIT response carries N(%s) (type %u)", o.text,
			 (unsigned)n->type);
		engine_observe(e, pi, &o);
	}
}

static void record_ms_status(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_msg *m)
{
	const struct ike2_notify *n = ike2_find_notify(m, IKE2_N_MS_STATUS);
	if (!n)
		return;
	struct obs o;
	obs_init(&o, OBS_IKE_MS_STATUS, x);
	o.code = IKE2_N_MS_STATUS;
	o.value = n->data_len >= 4 ? (int64_t)be32(n->data) : -1;
	fmt_into(o.text, sizeof o.text, "MS_STATUS(%lld)", (long long)o.value);
	fmt_into(o.evidence, sizeof o.evidence, "the server sent Microsoft's status notify 12345 with Win32 code %lld",
		 (long long)o.value);
	engine_observe(e, pi, &o);
}

/* An error reply ends the exchange; returns true when the exchange goes on (a retry). */
static bool handle_error(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			 const struct ike2_msg *m, const struct ike2_notify *err)
{
	struct obs o;
	if (err->type == IKE2_N_INVALID_KE_PAYLOAD) {
		uint16_t want = err->data_len >= 2 ? (uint16_t)(err->data[0] << 8 | err->data[1]) : 0;
		bool proposed = want && set_has_group(x->set, want);
		obs_init(&o, OBS_IKE_INVALID_KE, x);
		o.code = want;
		o.value = proposed;
		fmt_into(o.text, sizeof o.text, "%s", ike2_transform_name(IKE2_T_DH, want));
		fmt_into(o.evidence, sizeof o.evidence, "the server answered INVALID_KE_PAYLOAD: it wants DH group %u (%s)%s",
			 (unsigned)want, o.text, proposed ? "" : ", which this proposal set does not offer");
		engine_observe(e, pi, &o);
		if (proposed && want != x->ke_group && x->ke_rounds < MAX_KE_ROUNDS && dh_group_supported(want)) {
			struct dh_key k;
			if (dh_keygen(want, &k) == 0) {
				dh_key_free(&x->key);
				x->key = k;
				x->ke_group = want;
				x->ke_rounds++;
				if (build(st, x) == 0) {
					x->sends = 0;
					send_now(e, pi, st, x);
					return true;
				}
			}
		}
	}
	if (x->kind == X_ALT) {
		obs_init(&o, OBS_IKE_ALT_REFUSED, x);
		o.code = err->type;
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s (%s) the server answered %s", x->set->name,
			 x->set->title, o.text);
		engine_observe(e, pi, &o);
		return false;
	}
	obs_init(&o, OBS_IKE_REFUSED, x);
	o.code = err->type;
	fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
	fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u (proposal set %s) with %s (type %u)",
		 xchg_what(x), x->port, x->set->name, o.text, (unsigned)err->type);
	engine_observe(e, pi, &o);
	obs_init(&o, OBS_RTT, x);
	o.value = engine_now_ms(e) - x->last_send;
	fmt_into(o.evidence, sizeof o.evidence, "round trip %lld ms on UDP %u", (long long)o.value, x->port);
	engine_observe(e, pi, &o);
	if (x->kind == X_MAIN && (err->type == IKE2_N_NO_PROPOSAL_CHOSEN || err->type == IKE2_N_INVALID_KE_PAYLOAD))
		start_alternatives(e, pi, st, x->port);
	(void)m;
	return false;
}

/* Parses one datagram (wire/ikev2.h ike2_parse_datagram: the non-ESP marker on UDP 4500, then
 * IKEv2). Returns a new message the caller frees, whose pointers (m->raw: the message without the
 * marker) point into buf; NULL when it is not IKEv2, which is recorded (ike-malformed). */
static struct ike2_msg *parse_datagram(struct engine *e, struct probe_inst *pi, struct xchg *x, bool natt,
				       const uint8_t *buf, size_t len, const struct net_addr *from)
{
	char why[200];
	struct ike2_msg *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	enum ike2_dgram k = ike2_parse_datagram(buf, len, natt, m, why, sizeof why);
	if (k == IKE2_DG_MESSAGE)
		return m;
	if (k == IKE2_DG_KEEPALIVE)
		ignore(e, pi, x, from, why);
	else
		malformed(e, pi, x, from, len, why);
	free(m);
	return NULL;
}

/* Handles one datagram for x. Returns true when x is finished. */
static bool handle_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			    const uint8_t *buf, size_t len, const struct net_addr *from)
{
	if (x->phase != PH_INIT)
		return auth_datagram(e, pi, st, x, buf, len, from);
	struct ike2_msg *m = parse_datagram(e, pi, x, x->kind == X_NATT, buf, len, from);
	if (!m)
		return false;
	bool finished = false;
	if (!spi_check(&st->key, m->hdr.spi_i, (const struct sockaddr *)&x->dst.ss, x->port, x->id, 0)) {
		ignore(e, pi, x, from, "not our initiator SPI");
		goto out;
	}
	enum ike2_init_reply kind = ike2_init_reply_kind(m);
	if (kind == IKE2_IR_NOT_RESPONSE || kind == IKE2_IR_NOT_SA_INIT || kind == IKE2_IR_ZERO_SPI_R) {
		ignore(e, pi, x, from, ike2_init_reply_why(kind));
		goto out;
	}
	const struct ike2_notify *err = ike2_first_error(m);
	const struct ike2_notify *cookie = ike2_find_notify(m, IKE2_N_COOKIE);
	char s[400];
	describe_reply(m, m->raw_len, s, sizeof s);
	engine_packet(e, pi, '<', from, s);
	x->answered = true;
	record_ms_status(e, pi, x, m);

	if (kind == IKE2_IR_COOKIE) {
		struct obs o;
		if (cookie->data_len < 1 || cookie->data_len > MAX_COOKIE || x->cookie_rounds >= MAX_COOKIE_ROUNDS) {
			ignore(e, pi, x, from,
			       x->cookie_rounds >= MAX_COOKIE_ROUNDS ? "a COOKIE again after 2 rounds (an endless COOKIE loop): not followed"
								     : "a COOKIE of a length we cannot use (1 to 64 bytes)");
			goto out;
		}
		if (x->cookie_rounds == 0) {
			obs_init(&o, OBS_IKE_COOKIE, x);
			o.value = (int64_t)cookie->data_len;
			fmt_into(o.evidence, sizeof o.evidence,
				 "the server answered with N(COOKIE) (%zu bytes): it asks for a return-routability check before it commits state",
				 cookie->data_len);
			engine_observe(e, pi, &o);
		}
		memcpy(x->cookie, cookie->data, cookie->data_len);
		x->cookie_len = cookie->data_len;
		x->cookie_rounds++;
		if (build(st, x) == 0) {
			x->sends = 0;
			send_now(e, pi, st, x);
		} else {
			finished = true;
		}
		goto out;
	}
	if (err && is_side(x)) {
		struct obs o;
		obs_init(&o, side_kind(x), x);
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
		fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA_INIT (for %s) was refused with %s", side_what(x),
			 o.text);
		engine_observe(e, pi, &o);
		finished = true;
		goto out;
	}
	if (kind == IKE2_IR_ERROR) {
		finished = !handle_error(e, pi, st, x, m, err);
		goto out;
	}
	if (kind != IKE2_IR_ACCEPT) {
		/* the server's reply, but not a valid one (a zero-length nonce or KE, no proposal) */
		malformed(e, pi, x, from, m->raw_len, ike2_init_reply_why(kind));
		x->answered = false;
		goto out;
	}
	if (!is_side(x))
		record_accepted(e, pi, st, x, m, from);
	finished = true;
	if (is_side(x) || (x->kind != X_NATT && !st->auth_started)) {
		if (!is_side(x))
			st->auth_started = true;
		if (start_auth(e, pi, st, x, m, m->raw, m->raw_len, from) == 0)
			finished = false;
	}
out:
	free(m);
	return finished;
}

static void record_icmp(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct net_rx *rx)
{
	struct obs o;
	char from[NET_ADDRSTRLEN] = "?";
	if (rx->from.len)
		net_addr_str(&rx->from, from, sizeof from);
	if (x->kind == X_ALT) {
		obs_init(&o, OBS_IKE_ALT_REFUSED, x);
		fmt_into(o.text, sizeof o.text, "ICMP %s", net_icmp_class_name(rx->icmp_class));
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s the server's side answered ICMP %s",
			 x->set->name, net_icmp_class_name(rx->icmp_class));
	} else {
		obs_init(&o, OBS_UDP_ICMP, x);
		o.code = rx->icmp_type;
		o.value = rx->icmp_code;
		fmt_into(o.text, sizeof o.text, "%s", net_icmp_class_id(rx->icmp_class));
		fmt_into(o.evidence, sizeof o.evidence,
			 "ICMP%s %s (type %u code %u) from %s after the %s to UDP %u", rx->icmp6 ? "v6" : "",
			 net_icmp_class_name(rx->icmp_class), rx->icmp_type, rx->icmp_code, from, xchg_what(x), x->port);
	}
	engine_observe(e, pi, &o);
	char s[160];
	fmt_into(s, sizeof s, "ICMP%s %s (type %u code %u) from %s", rx->icmp6 ? "v6" : "",
		 net_icmp_class_name(rx->icmp_class), rx->icmp_type, rx->icmp_code, from);
	engine_packet(e, pi, '!', &x->dst, s);
}

static void record_no_answer(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			     bool cut_short)
{
	struct obs o;
	uint32_t waited = engine_now_ms(e) - x->first_send;
	if (x->kind == X_ALT) {
		obs_init(&o, OBS_IKE_ALT_REFUSED, x);
		fmt_into(o.text, sizeof o.text, "no answer");
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s no answer to %u requests", x->set->name,
			 x->total_sends);
	} else if (x->cookie_len) {
		obs_init(&o, OBS_IKE_NO_ANSWER_AFTER_COOKIE, x);
		o.value = x->sends;
		fmt_into(o.evidence, sizeof o.evidence,
			 "no answer to %u %s requests carrying the server's COOKIE on UDP %u within %.1f s", x->sends,
			 xchg_what(x), x->port, waited / 1000.0);
	} else {
		obs_init(&o, OBS_UDP_NO_ANSWER, x);
		o.value = x->total_sends;
		o.code = (int32_t)waited;
		fmt_into(o.evidence, sizeof o.evidence, "no answer to %u %s request%s to %s:%u within %.1f s%s",
			 x->total_sends, xchg_what(x), x->total_sends == 1 ? "" : "s", engine_target_host(e), x->port,
			 waited / 1000.0,
			 cut_short && x->sends < max_sends(st) ? " (the run's --timeout ended the retransmissions)" : "");
	}
	engine_observe(e, pi, &o);
}

/* ---------------------------------------------------------------- IKE_AUTH */

static void auth_free(struct xchg *x)
{
	if (!x->a)
		return;
	ike2_keys_wipe(&x->a->keys);
	free(x->a);
	x->a = NULL;
}

static void auth_obs(struct obs *o, enum obs_kind kind, const struct xchg *x)
{
	obs_init(o, kind, x);
	obs_where(o, x);
}

/* A NAT between us and the server per the server's NAT-D (RFC 7296 2.23: then both sides move
 * to UDP 4500). */
static bool natd_mismatch(const struct xchg *x, const struct ike2_msg *m, const struct net_addr *from)
{
	const uint8_t *ip;
	size_t n;
	uint8_t h[20];
	const struct ike2_notify *d = ike2_find_notify(m, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	if (d && d->data_len == 20) {
		n = net_addr_bytes(&x->local, &ip);
		ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(&x->local), h);
		if (memcmp(h, d->data, 20) != 0)
			return true;
	}
	bool have_src = false, match = false;
	n = net_addr_bytes(from, &ip);
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(from), h);
	for (size_t i = 0; i < m->nnotifies; i++) {
		const struct ike2_notify *sn = &m->notifies[i];
		if (sn->type != IKE2_N_NAT_DETECTION_SOURCE_IP || sn->data_len != 20)
			continue;
		have_src = true;
		match = match || memcmp(h, sn->data, 20) == 0;
	}
	return have_src && !match;
}

/* The system trust store as OpenSSL finds it (SSL_CERT_FILE, else /usr/lib/ssl/cert.pem, which
 * on Debian is /etc/ssl/certs/ca-certificates.crt). */
static const char *system_store(void)
{
	const char *env = getenv(X509_get_default_cert_file_env());
	return env && env[0] ? env : X509_get_default_cert_file();
}

/* The root hashes of the Windows-like CERTREQ, once per run: the real roots first (the --ca-file
 * roots, or without it the system store's), then the system store's roots up to the profile's
 * auth-certreq-hashes, then (a store with fewer roots) filler hashes of no CA at all, which a
 * server reads as "a CA I do not know", as it reads most of a Windows client's list. */
static void make_hashes(struct engine *e, struct ike_state *st)
{
	if (st->hashes_made)
		return;
	st->hashes_made = true;
	size_t want = st->prof->auth_certreq_hashes;
	if (want > PROFILE_MAX_CERTREQ_HASHES)
		want = PROFILE_MAX_CERTREQ_HASHES;
	const size_t cap = PROFILE_MAX_CERTREQ_HASHES;
	const struct engine_opts *opt = engine_options(e);
	uint8_t *sys = NULL;
	size_t sys_len = 0;
	char err[200];
	bool sys_read = false;
	if (opt->ca_pem && opt->ca_pem_len) {
		ike2_certreq_hashes(opt->ca_pem, opt->ca_pem_len, st->hashes, cap, &st->nhash, cap);
	} else {
		sys_read = true;
		if (file_read_bounded(system_store(), SYSTEM_STORE_MAX, 1000, 0, &sys, &sys_len, err, sizeof err) != 0) {
			sys = NULL;
			sys_len = 0;
		}
		ike2_certreq_hashes(sys, sys_len, st->hashes, cap, &st->nhash, want ? want : 1);
	}
	st->nhash_real = st->nhash;
	if (st->nhash < want) {
		if (!sys_read && file_read_bounded(system_store(), SYSTEM_STORE_MAX, 1000, 0, &sys, &sys_len, err, sizeof err) != 0) {
			sys = NULL;
			sys_len = 0;
		}
		ike2_certreq_hashes(sys, sys_len, st->hashes, cap, &st->nhash, want);
	}
	free(sys);
	for (uint32_t i = 0; st->nhash < want; i++) {
		uint8_t seed[32];
		unsigned int hl = 0;
		int n = snprintf((char *)seed, sizeof seed, "vpndiag certreq filler %u", (unsigned)i);
		if (n <= 0 || !EVP_Digest(seed, (size_t)n, st->hashes + 20 * st->nhash, &hl, EVP_sha1(), NULL) || hl != 20)
			break;
		st->nhash++;
		st->nhash_filler++;
	}
}

static void ts_any(uint8_t family, struct ike2_ts *t)
{
	memset(t, 0, sizeof *t);
	t->type = family == 6 ? 8 : 7;
	t->port_hi = 0xffff;
	memset(t->hi, 0xff, family == 6 ? 16 : 4);
}

/* Seals msg (inner payloads) as message id `mid` of exchange `xt` into x->pkt. */
static int seal(struct xchg *x, uint8_t xt, uint32_t mid, uint8_t first, const uint8_t *inner, size_t ilen)
{
	struct ike2_header h = {.spi_i = x->spi, .spi_r = x->a->spi_r, .exchange = xt, .flags = IKE2_F_INITIATOR, .msg_id = mid};
	struct wbuf w;
	wbuf_init(&w, x->pkt, sizeof x->pkt);
	if (x->a->natt)
		wbuf_zero(&w, NONESP_LEN);
	const struct ike2_sk_crypto c = ike2_keys_sk(&x->a->keys);
	if (ike2_sk_seal(&c, true, &h, first, inner, ilen, NULL, &w) < 0 || w.err)
		return -1;
	x->pkt_len = w.len;
	x->nfrags = 0;
	return 0;
}

/* The largest UDP payload (non-ESP marker included) of one IKE fragment we send: the profile's
 * auth-fragment-size is an IPv4 datagram; over IPv6 never below 1280 (RFC 7383 2.5.1). */
static size_t frag_limit(const struct profile *p, const struct xchg *x)
{
	if (!p->auth_fragment_size)
		return 0;
	const uint8_t *ip;
	bool v6 = net_addr_bytes(&x->dst, &ip) == 16;
	size_t dgram = p->auth_fragment_size;
	if (v6 && dgram < 1280)
		dgram = 1280;
	return dgram - (v6 ? 40 : 20) - 8;
}

/* Seals inner as RFC 7383 fragments (SKF), each datagram at most limit bytes, into x->pkt, as
 * Windows sends a request larger than its fragment size to a server that supports IKEv2
 * fragmentation. Returns 0 or -1. */
static int seal_frags(struct xchg *x, uint8_t xt, uint32_t mid, uint8_t first, const uint8_t *inner, size_t ilen,
		      size_t limit)
{
	size_t marker = x->a->natt ? NONESP_LEN : 0;
	const struct ike2_sk_crypto c = ike2_keys_sk(&x->a->keys);
	size_t over = ike2_skf_overhead(&c.shape) + marker;
	if (limit < over + 64)
		return -1;
	size_t chunk = limit - over;
	size_t total = (ilen + chunk - 1) / chunk;
	if (total < 2 || total > MAX_OUT_FRAGS)
		return -1;
	struct ike2_header h = {.spi_i = x->spi, .spi_r = x->a->spi_r, .exchange = xt, .flags = IKE2_F_INITIATOR, .msg_id = mid};
	struct wbuf w;
	wbuf_init(&w, x->pkt, sizeof x->pkt);
	for (size_t i = 0; i < total; i++) {
		size_t start = w.len, off = i * chunk, len = ilen - off < chunk ? ilen - off : chunk;
		if (marker)
			wbuf_zero(&w, NONESP_LEN);
		if (ike2_skf_seal(&c, true, &h, first, (uint16_t)(i + 1), (uint16_t)total, inner + off, len, NULL, &w) < 0 ||
		    w.err || w.len - start > limit)
			return -1;
		x->frag_len[i] = w.len - start;
	}
	x->nfrags = total;
	x->pkt_len = w.len;
	return 0;
}

static void auth_unreadable(struct engine *e, struct probe_inst *pi, struct xchg *x, const char *why)
{
	struct obs o;
	auth_obs(&o, is_side(x) ? side_kind(x) : OBS_IKE_AUTH_UNREADABLE, x);
	fmt_into(o.text, sizeof o.text, "%s", why);
	if (is_side(x))
		fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA for %s could not be completed: %s", side_what(x), why);
	else
		fmt_into(o.evidence, sizeof o.evidence, "IKE_AUTH could not be checked: %s", why);
	engine_observe(e, pi, &o);
}

/* Derives the keys from the accepted IKE_SA_INIT and sends IKE_AUTH. Returns 0 when x goes on. */
static int start_auth(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
		      const struct ike2_msg *m, const uint8_t *raw, size_t rawlen, const struct net_addr *from)
{
	char err[200];
	struct ike2_suite suite;
	uint8_t gir[512];
	const struct profile *p = st->prof;
	if (p->nchild == 0 || !p->auth_id_address) {
		auth_unreadable(e, pi, x, "the client profile has no IKE_AUTH part");
		return -1;
	}
	if (ike2_suite_from_proposal(&m->proposals[0], &suite, err, sizeof err) != 0) {
		auth_unreadable(e, pi, x, err);
		return -1;
	}
	if (rawlen > sizeof x->a->init_resp) {
		auth_unreadable(e, pi, x, "the IKE_SA_INIT response is larger than the largest IKE message");
		return -1;
	}
	int gl = dh_shared(&x->key, m->ke.p, m->ke.len, gir, sizeof gir);
	if (gl < 0 || m->ke_group != x->ke_group) {
		auth_unreadable(e, pi, x, "the server's KE payload gives no Diffie-Hellman secret");
		return -1;
	}
	x->a = calloc(1, sizeof *x->a);
	if (!x->a) {
		OPENSSL_cleanse(gir, sizeof gir);
		auth_unreadable(e, pi, x, "out of memory for the IKE_AUTH state");
		return -1;
	}
	struct auth_ctx *a = x->a;
	a->spi_r = m->hdr.spi_r;
	memcpy(a->init_resp, raw, rawlen);
	a->init_resp_len = rawlen;
	int rc = ike2_derive(&suite, x->nonce, x->nonce_len, m->nonce.p, m->nonce.len, gir, (size_t)gl, m->hdr.spi_i,
			     m->hdr.spi_r, &a->keys);
	OPENSSL_cleanse(gir, sizeof gir);
	if (rc != 0) {
		auth_unreadable(e, pi, x, "key derivation failed");
		auth_free(x);
		return -1;
	}
	ike2_frag_init(&a->frag);
	a->port = x->port;
	uint16_t p4500 = engine_port(e, pi, 1);
	if (natd_mismatch(x, m, from) && p4500 && x->kind != X_NATT) {
		/* Windows moves to UDP 4500 after NAT detection [observed, facts 2.7]. */
		struct net_addr d = x->dst;
		net_addr_set_port(&d, p4500);
		int fd = net_udp_open(&d);
		if (fd < 0 || engine_watch(e, pi, fd) != 0) {
			if (fd >= 0)
				close(fd);
			auth_unreadable(e, pi, x, "could not open a socket to UDP 4500");
			auth_free(x);
			return -1;
		}
		engine_unwatch(e, x->fd);
		close(x->fd);
		x->fd = fd;
		x->local.len = sizeof x->local.ss;
		getsockname(fd, (struct sockaddr *)&x->local.ss, &x->local.len);
		a->natt = true;
		a->port = p4500;
	}
	/* The request: IDi = our address, [CERTREQ], N..., CP, SA (ESP), TSi, TSr. */
	const uint8_t *lip;
	size_t ll = net_addr_bytes(&x->local, &lip);
	/* The Windows-like request lists a Windows-sized set of root hashes; X_ROOTS only the real
	 * roots (at least one, so that the server still sends its certificate); X_SMALL none. */
	make_hashes(e, st);
	size_t nh = st->nhash;
	if (x->kind == X_ROOTS)
		nh = st->nhash_real ? st->nhash_real : st->nhash ? 1 : 0;
	if (x->kind == X_SMALL || !p->auth_certreq)
		nh = 0;
	a->certreq_hashes = nh;
	a->certreq_real = nh < st->nhash_real ? nh : st->nhash_real;
	a->server_frag = ike2_find_notify(m, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	struct ike2_proposal child[PROFILE_MAX_CHILD];
	for (size_t i = 0; i < p->nchild; i++) {
		child[i] = p->child[i];
		RAND_bytes(child[i].spi, 4);
	}
	struct ike2_ts ts[2];
	for (size_t i = 0; i < p->nauth_ts && i < 2; i++)
		ts_any(p->auth_ts[i], &ts[i]);
	struct ike2_auth_req req = {
		.id_type = ll == 16 ? IKE2_ID_IPV6_ADDR : IKE2_ID_IPV4_ADDR,
		.id = lip,
		.id_len = ll,
		.certreq = p->auth_certreq && x->kind != X_SMALL,
		.certreq_hashes = st->hashes,
		.certreq_len = 20 * nh,
		.notifies = p->auth_notifies,
		.nnotifies = p->nauth_notifies,
		.cp_type = p->nauth_cp ? IKE2_CFG_REQUEST : 0,
		.cp_attrs = p->auth_cp,
		.ncp_attrs = p->nauth_cp,
		.child = child,
		.nchild = p->nchild,
		.tsi = ts,
		.tsr = ts,
		.ntsi = p->nauth_ts,
		.ntsr = p->nauth_ts,
	};
	uint8_t inner[4096];
	struct wbuf w;
	uint8_t first = 0;
	wbuf_init(&w, inner, sizeof inner);
	if (ike2_build_auth_inner(&w, &req, &first) != 0 || seal(x, IKE2_AUTH, 1, first, inner, w.len) != 0) {
		auth_unreadable(e, pi, x, "the IKE_AUTH request does not fit the packet buffer");
		auth_free(x);
		return -1;
	}
	/* Windows 10 1803+ fragments its own request when the server supports it (facts 2.6). */
	size_t limit = frag_limit(p, x);
	if (a->server_frag && p->frag_supported && limit && x->pkt_len > limit &&
	    seal_frags(x, IKE2_AUTH, 1, first, inner, w.len, limit) != 0) {
		auth_unreadable(e, pi, x, "the IKE_AUTH request does not fit into RFC 7383 fragments");
		auth_free(x);
		return -1;
	}
	a->req_len = x->pkt_len;
	a->req_frags = (unsigned)x->nfrags;
	x->phase = PH_AUTH;
	x->sends = 0;
	x->total_sends = 0;
	send_now(e, pi, st, x);
	return 0;
}

static void send_delete(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x)
{
	uint8_t inner[64];
	struct wbuf w;
	uint8_t first = 0;
	wbuf_init(&w, inner, sizeof inner);
	if (ike2_build_delete_inner(&w, &first) != 0 || seal(x, IKE2_INFORMATIONAL, 2, first, inner, w.len) != 0) {
		x->active = false;
		return;
	}
	x->phase = PH_DELETE;
	x->sends = 0;
	send_now(e, pi, st, x);
}

static void verify_auth(struct engine *e, struct probe_inst *pi, struct xchg *x, const struct ike2_inner *in)
{
	struct obs o;
	struct auth_ctx *a = x->a;
	const struct ike2_cert *leaf = NULL;
	for (size_t i = 0; i < in->ncerts && !leaf; i++)
		if (in->certs[i].encoding == IKE2_CERT_X509_SIG)
			leaf = &in->certs[i];
	if (!leaf) {
		auth_obs(&o, OBS_IKE_AUTH_NO_CERT, x);
		o.code = in->has_auth ? in->auth_method : 0;
		o.value = (int64_t)in->ncerts;
		fmt_into(o.text, sizeof o.text, "%s", in->has_auth ? ike2_auth_method_name(in->auth_method) : "no AUTH");
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server's IKE_AUTH reply carries no X.509 certificate (%zu CERT payload%s of other encodings; AUTH: %s)",
			 in->ncerts, in->ncerts == 1 ? "" : "s", o.text);
		engine_observe(e, pi, &o);
		return;
	}
	if (in->has_auth && in->has_id) {
		size_t ocap = a->init_resp_len + x->nonce_len + IKE2_MAX_PRF_LEN;
		uint8_t *octets = malloc(ocap);
		int ol = !octets ? -1
			: ike2_auth_octets(&a->keys, true, a->init_resp, a->init_resp_len, x->nonce, x->nonce_len,
					   in->id_body.p, in->id_body.len, octets, ocap);
		struct ike2_sig_result res;
		enum ike2_sig_status stt = ol < 0 ? IKE2_SIG_UNCHECKED
			: ike2_auth_verify(in->auth_method, in->auth_data.p, in->auth_data.len, leaf->data.p, leaf->data.len,
					   octets, (size_t)ol, &res);
		free(octets);
		if (ol < 0) {
			memset(&res, 0, sizeof res);
			fmt_into(res.why, sizeof res.why, "the signed octets do not fit the buffer");
		}
		auth_obs(&o, OBS_IKE_AUTH_SIGNATURE, x);
		o.value = stt == IKE2_SIG_OK ? 1 : stt == IKE2_SIG_BAD ? 0 : -1;
		o.code = in->auth_method;
		fmt_into(o.text, sizeof o.text, "%s", res.alg);
		fmt_into(o.evidence, sizeof o.evidence,
			 stt == IKE2_SIG_OK ? "the server's AUTH (%s) verifies with its certificate's public key over this exchange (its IKE_SA_INIT response, our nonce, its IDr): it holds the certificate's private key%s"
			 : stt == IKE2_SIG_BAD ? "the server's AUTH (%s) does NOT verify with its certificate's public key: %s"
					       : "the server's AUTH (%s) could not be checked: %s",
			 res.alg, stt == IKE2_SIG_OK ? "" : res.why);
		engine_observe(e, pi, &o);
	} else {
		auth_obs(&o, OBS_IKE_AUTH_SIGNATURE, x);
		o.value = -1;
		fmt_into(o.text, sizeof o.text, "no AUTH");
		fmt_into(o.evidence, sizeof o.evidence, "the server sent a certificate but no %s payload: nothing to verify",
			 in->has_auth ? "IDr" : "AUTH");
		engine_observe(e, pi, &o);
	}
	/* The certificate as Windows checks it (facts only; rules decide). Every X.509 CERT payload
	 * the parser kept; those it dropped (over IKE2_MAX_CERTS) make the chain "too long". */
	struct certcheck_der chain[IKE2_MAX_CERTS];
	size_t n = 0;
	for (size_t i = 0; i < in->ncerts && n < IKE2_MAX_CERTS; i++)
		if (in->certs[i].encoding == IKE2_CERT_X509_SIG)
			chain[n++] = (struct certcheck_der){in->certs[i].data.p, in->certs[i].data.len};
	struct certcheck *cc = calloc(1, sizeof *cc);
	char err[200];
	if (!cc)
		return;
	struct certcheck_input ci = {
		.chain = chain, .nchain = n, .ndropped = in->certs_dropped, .host = engine_target_host(e),
		.trust = engine_options(e)->trust, .now = time(NULL),
	};
	if (certcheck_run(&ci, cc, err, sizeof err) == 0 || cc->parsed) {
		cert_observe(e, pi, cc, KB_P_IKEV2);
	} else {
		auth_obs(&o, OBS_IKE_AUTH_CERT_UNCHECKED, x);
		fmt_into(o.text, sizeof o.text, "%s", err);
		fmt_into(o.evidence, sizeof o.evidence, "the server's certificate could not be checked: %s", err);
		engine_observe(e, pi, &o);
	}
	certcheck_free(cc);
	free(cc);
}

/* The decrypted (and reassembled) IKE_AUTH reply. */
static void auth_reply(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x, uint8_t first,
		       const uint8_t *plain, size_t plen)
{
	struct obs o;
	char why[200], s[300];
	struct ike2_inner *in = calloc(1, sizeof *in);
	if (!in)
		return;
	struct auth_ctx *a = x->a;
	a->done_auth = true;
	if (ike2_inner_parse(first, plain, plen, in, why, sizeof why) != 0) {
		char w2[240];
		fmt_into(w2, sizeof w2, "the decrypted IKE_AUTH reply does not parse: %s", why);
		auth_unreadable(e, pi, x, w2);
		free(in);
		send_delete(e, pi, st, x);
		return;
	}
	ike2_inner_str(in, s, sizeof s);
	engine_packet(e, pi, '<', &x->dst, s);
	if (is_side(x)) {
		auth_obs(&o, side_kind(x), x);
		o.value = 1;
		o.code = (int32_t)a->reply_bytes;
		fmt_into(o.text, sizeof o.text, "%s", s);
		fmt_into(o.evidence, sizeof o.evidence, "%s (%zu bytes) was answered with %zu bytes%s: [%s]", side_what(x),
			 a->req_len, a->reply_bytes, a->nfrag_msgs ? " in RFC 7383 fragments" : "", s);
		engine_observe(e, pi, &o);
		free(in);
		send_delete(e, pi, st, x);
		return;
	}
	auth_obs(&o, OBS_IKE_AUTH_REPLY, x);
	o.value = (int64_t)a->reply_bytes;
	o.code = (int32_t)a->nfrag_msgs;
	fmt_into(o.text, sizeof o.text, "%s", s);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH on UDP %u with %zu bytes%s: [%s]", a->port,
		 a->reply_bytes, a->nfrag_msgs ? " in RFC 7383 fragments" : "", s);
	engine_observe(e, pi, &o);
	for (size_t i = 0; i < in->nnotifies; i++) {
		const struct ike2_notify *no = &in->notifies[i];
		if (no->type == IKE2_N_MS_STATUS) {
			auth_obs(&o, OBS_IKE_MS_STATUS, x);
			o.code = IKE2_N_MS_STATUS;
			o.value = no->data_len >= 4 ? (int64_t)be32(no->data) : -1;
			fmt_into(o.text, sizeof o.text, "MS_STATUS(%lld)", (long long)o.value);
			fmt_into(o.evidence, sizeof o.evidence, "in IKE_AUTH the server sent Microsoft's status notify with Win32 code %lld",
				 (long long)o.value);
			engine_observe(e, pi, &o);
		} else if (no->type < 16384) {
			auth_obs(&o, OBS_IKE_AUTH_ERROR, x);
			o.code = no->type;
			fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(no->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH with %s (type %u)", o.text,
				 (unsigned)no->type);
			engine_observe(e, pi, &o);
		}
	}
	if (in->ncerts || in->has_auth)
		verify_auth(e, pi, x, in);
	else if (!ike2_inner_error(in))
		verify_auth(e, pi, x, in); /* records ike-auth-no-cert */
	if (in->has_eap) {
		auth_obs(&o, OBS_IKE_AUTH_EAP, x);
		o.code = in->eap_code;
		o.value = in->eap_type;
		fmt_into(o.text, sizeof o.text, "EAP code %u type %u", (unsigned)in->eap_code, (unsigned)in->eap_type);
		fmt_into(o.evidence, sizeof o.evidence,
			 "the server asks for EAP (code %u, type %u%s) as it should for a Windows user tunnel; the probe stops here and deletes the IKE SA",
			 (unsigned)in->eap_code, (unsigned)in->eap_type,
			 in->eap_type == 1 ? " Identity" : in->eap_type == 26 ? " MSCHAPv2" : "");
		engine_observe(e, pi, &o);
	}
	free(in);
	send_delete(e, pi, st, x);
}

/* One datagram in PH_AUTH / PH_DELETE. Returns true when x is finished. */
static bool auth_datagram(struct engine *e, struct probe_inst *pi, struct ike_state *st, struct xchg *x,
			  const uint8_t *buf, size_t len, const struct net_addr *from)
{
	struct auth_ctx *a = x->a;
	char why[200];
	bool finished = false;
	size_t wire_len = len;
	struct ike2_msg *m = parse_datagram(e, pi, x, a->natt, buf, len, from);
	if (!m)
		return false;
	enum ike2_auth_reply kind = ike2_auth_reply_kind(m, x->spi, a->spi_r, x->phase == PH_DELETE);
	switch (kind) {
	case IKE2_AR_NOT_OURS:
		ignore(e, pi, x, from, "not a response of our IKE SA (other SPIs, or the R flag clear)");
		goto out;
	case IKE2_AR_QUIET:
		goto out; /* a retransmitted IKE_SA_INIT response; late IKE_AUTH fragments while deleting */
	case IKE2_AR_DELETED:
		engine_packet(e, pi, '<', from, "INFORMATIONAL response: the IKE SA is deleted");
		finished = true;
		goto out;
	case IKE2_AR_UNEXPECTED:
		ignore(e, pi, x, from,
		       x->phase == PH_DELETE ? "not the INFORMATIONAL response (message 2)"
					     : "not an IKE_AUTH response with message ID 1");
		goto out;
	case IKE2_AR_PLAIN_ERROR:
		if (!is_side(x)) {
			const struct ike2_notify *err = ike2_first_error(m);
			struct obs o;
			auth_obs(&o, OBS_IKE_AUTH_ERROR, x);
			o.code = err->type;
			fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
			fmt_into(o.evidence, sizeof o.evidence, "the server answered IKE_AUTH with an unprotected %s (type %u)",
				 o.text, (unsigned)err->type);
			engine_observe(e, pi, &o);
			finished = true;
			goto out;
		}
		/* fall through */
	case IKE2_AR_PLAIN:
		ignore(e, pi, x, from, "an IKE_AUTH response without an encrypted payload");
		goto out;
	case IKE2_AR_SK:
	case IKE2_AR_SKF:
		break;
	}
	bool frag = kind == IKE2_AR_SKF;
	const struct ike2_sk_crypto c = ike2_keys_sk(&a->keys);
	int pl = ike2_sk_open(&c, true, m->raw, m->raw_len, m->sk_iv_off, a->plain, sizeof a->plain, why, sizeof why);
	if (pl < 0) {
		char w2[240];
		fmt_into(w2, sizeof w2, "the encrypted payload does not open (garbage, or not keyed for this SA): %s", why);
		ignore(e, pi, x, from, w2);
		goto out;
	}
	a->reply_bytes += wire_len;
	if (!frag) {
		auth_reply(e, pi, st, x, m->sk_first_inner, a->plain, (size_t)pl);
		goto out;
	}
	a->nfrag_msgs++;
	enum ike2_frag_rc fr = ike2_frag_add(&a->frag, m->skf_num, m->skf_total, m->sk_first_inner, a->plain, (size_t)pl,
					     why, sizeof why);
	char s[120];
	fmt_into(s, sizeof s, "IKE_AUTH response fragment %u of %u, %zu bytes", (unsigned)m->skf_num, (unsigned)m->skf_total,
		 wire_len);
	engine_packet(e, pi, '<', from, s);
	if (fr == IKE2_FRAG_REJECTED || fr == IKE2_FRAG_DUPLICATE) {
		if (fr == IKE2_FRAG_DUPLICATE)
			a->reply_bytes -= wire_len;
		ignore(e, pi, x, from, why);
	} else if (fr == IKE2_FRAG_COMPLETE) {
		uint8_t first = 0;
		int wl = ike2_frag_assemble(&a->frag, a->whole, sizeof a->whole, &first);
		if (wl < 0)
			auth_unreadable(e, pi, x, "the IKE_AUTH fragments do not reassemble");
		else
			auth_reply(e, pi, st, x, first, a->whole, (size_t)wl);
	}
out:
	free(m);
	return finished || !x->active;
}

static void start_small(struct engine *e, struct probe_inst *pi, struct ike_state *st, const struct xchg *like)
{
	if (st->small_started)
		return;
	st->small_started = true;
	struct xchg *x = new_xchg(st, X_SMALL, like->set, like->port);
	if (x)
		start_xchg(e, pi, st, x);
	if (st->prof->auth_certreq && (x = new_xchg(st, X_ROOTS, like->set, like->port)) != NULL)
		start_xchg(e, pi, st, x);
}

static void auth_no_answer(struct engine *e, struct probe_inst *pi, struct xchg *x, bool cut_short)
{
	struct obs o;
	if (x->phase == PH_DELETE)
		return; /* the delete is a courtesy; its answer decides nothing */
	if (is_side(x)) {
		auth_obs(&o, side_kind(x), x);
		o.value = 0;
		fmt_into(o.text, sizeof o.text, "no answer");
		if (x->phase == PH_INIT)
			fmt_into(o.evidence, sizeof o.evidence, "the extra IKE_SA_INIT for %s was not answered (%u request%s)",
				 side_what(x), x->sends, x->sends == 1 ? "" : "s");
		else
			fmt_into(o.evidence, sizeof o.evidence, "%s (%zu bytes) was not answered either (%u request%s)", side_what(x),
				 x->a ? x->a->req_len : 0, x->sends, x->sends == 1 ? "" : "s");
		engine_observe(e, pi, &o);
		return;
	}
	struct auth_ctx *a = x->a;
	auth_obs(&o, OBS_IKE_AUTH_NO_ANSWER, x);
	o.value = x->sends;
	o.code = a ? (int32_t)a->req_len : 0;
	fmt_into(o.text, sizeof o.text, "%s", cut_short ? "cut short by --timeout" : "");
	fmt_into(o.evidence, sizeof o.evidence,
		 "IKE_SA_INIT was answered, but no answer to %u IKE_AUTH request%s (%zu bytes%s, a CERTREQ with %zu root hashes as Windows sends) on UDP %u within %.1f s%s%s%s",
		 x->sends, x->sends == 1 ? "" : "s", a ? a->req_len : 0,
		 a && a->req_frags ? ", in RFC 7383 fragments as Windows sends it to a server that fragments" : "",
		 a ? a->certreq_hashes : 0, a ? a->port : x->port,
		 (engine_now_ms(e) - x->first_send) / 1000.0, a && a->nfrag_msgs ? " (some IKE fragments arrived, not all)" : "",
		 a && a->too_big ? "; the path answered ICMP \"fragmentation needed\": the request is larger than the path MTU" : "",
		 cut_short ? " (the run's --timeout ended the retransmissions)" : "");
	engine_observe(e, pi, &o);
}

/* ---------------------------------------------------------------- module callbacks */

static int ikev2_start(struct engine *e, struct probe_inst *pi)
{
	struct obs o;
	char err[300];
	struct ike_state *st = calloc(1, sizeof *st);
	struct profile *prof = st ? calloc(1, sizeof *prof) : NULL;
	if (!st || !prof) {
		free(st);
		return -1;
	}
	st->prof = prof;
	size_t klen;
	const uint8_t *secret = engine_secret(e, &klen);
	const char *fail = NULL;
	if (profile_choice_part(engine_options(e)->profile, 2, prof, err, sizeof err) != 0)
		fail = err;
	else if (prof->nsets == 0)
		fail = "the Windows IKEv2 profile has no proposal set";
	else if (klen < SPI_KEY_LEN || spi_key_set(&st->key, secret) != 0)
		fail = "no SPI key";
	if (fail) {
		memset(&o, 0, sizeof o);
		o.kind = OBS_SEND_FAILED;
		o.proto = KB_P_IKEV2;
		fmt_into(o.text, sizeof o.text, "%s", fail);
		fmt_into(o.evidence, sizeof o.evidence, "the IKEv2 probe could not start: %s", fail);
		engine_observe(e, pi, &o);
		free(prof);
		free(st);
		return -1;
	}
	st->have_key = true;
	pi->state = st;
	uint16_t p500 = engine_port(e, pi, 0), p4500 = engine_port(e, pi, 1);
	struct xchg *x = new_xchg(st, X_MAIN, &prof->sets[0], p500);
	start_xchg(e, pi, st, x);
	if (p4500) {
		x = new_xchg(st, X_NATT, &prof->sets[0], p4500);
		start_xchg(e, pi, st, x);
	}
	update_deadline(pi, st);
	return 0;
}

static void ikev2_on_readable(struct engine *e, struct probe_inst *pi, int fd)
{
	struct ike_state *st = pi->state;
	struct xchg *x = NULL;
	for (size_t i = 0; i < st->nx && !x; i++)
		if (st->x[i].active && st->x[i].fd == fd)
			x = &st->x[i];
	if (!x)
		return;
	for (int n = 0; n < MAX_READS && x->active; n++) {
		struct net_rx rx;
		net_udp_recv(fd, st->rx, sizeof st->rx, &rx);
		if (rx.kind == NET_RX_NONE)
			break;
		bool finished = false;
		if (rx.kind == NET_RX_ICMP) {
			if (x->a && x->phase == PH_AUTH &&
			    (rx.icmp6 ? rx.icmp_type == 2 : rx.icmp_type == 3 && rx.icmp_code == 4))
				x->a->too_big = true; /* the kernel now fragments the request to the path MTU */
			if (rx.icmp_class == NET_ICMP_OTHER || x->phase != PH_INIT || is_side(x))
				continue; /* e.g. time exceeded, or during IKE_AUTH (Windows keeps retransmitting): keep waiting */
			record_icmp(e, pi, x, &rx);
			finished = true;
		} else if (rx.kind == NET_RX_DATA) {
			struct net_addr peer = x->dst;
			if (x->a && x->a->natt)
				net_addr_set_port(&peer, x->a->port);
			if (!net_addr_equal(&rx.from, &peer)) {
				/* the socket is connected, so the kernel drops most of these already */
				ignore(e, pi, x, &rx.from, "from another address or port than the server's (spoofed, or a third party): ignored");
				continue;
			}
			if (rx.truncated) {
				truncated(e, pi, x, &rx); /* never parsed */
				continue;
			}
			finished = handle_datagram(e, pi, st, x, st->rx, rx.len, &rx.from);
		} else {
			continue; /* a local error without ICMP detail: keep waiting */
		}
		if (finished)
			close_xchg(e, x);
	}
	update_deadline(pi, st);
}

static void ikev2_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct ike_state *st = pi->state;
	uint32_t now = engine_now_ms(e);
	for (size_t i = 0; i < st->nx; i++) {
		struct xchg *x = &st->x[i];
		if (!x->active || x->next > now)
			continue;
		unsigned limit = x->phase == PH_DELETE ? 2 : max_sends(st);
		if (x->sends < limit) {
			if (x->phase == PH_AUTH && x->sends == 1 && !is_side(x))
				start_small(e, pi, st, x);
			send_now(e, pi, st, x);
		} else {
			if (x->phase != PH_INIT || is_side(x))
				auth_no_answer(e, pi, x, false);
			else
				record_no_answer(e, pi, st, x, false);
			close_xchg(e, x);
		}
	}
	update_deadline(pi, st);
}

static void ikev2_finish(struct engine *e, struct probe_inst *pi, bool timed_out)
{
	struct ike_state *st = pi->state;
	if (!st)
		return;
	for (size_t i = 0; i < st->nx; i++) {
		struct xchg *x = &st->x[i];
		if (x->active && timed_out && x->sends) {
			if (x->phase != PH_INIT || is_side(x))
				auth_no_answer(e, pi, x, true);
			else
				record_no_answer(e, pi, st, x, true);
		}
		close_xchg(e, x);
		dh_key_free(&x->key);
	}
	if (st->have_key)
		spi_key_free(&st->key);
	free(st->prof);
	free(st);
	pi->state = NULL;
}

const struct probe_module probe_ikev2 = {
	.name = "ikev2",
	.title = "IKEv2",
	.proto = KB_P_IKEV2,
	.ports = {500, 4500, 0, 0},
	.start = ikev2_start,
	.on_readable = ikev2_on_readable,
	.on_deadline = ikev2_on_deadline,
	.finish = ikev2_finish,
};
