/* The MM1 / Aggressive Mode 1 requests and the observations of their replies, shared by the L2TP
 * probe and `vpndiag scan` (probes/l2tp_reply.h). */
#include "probes/l2tp_reply.h"

#include <string.h>

#include "crypto/ike1_keys.h"
#include "kb/kb.h"
#include "util/fmt.h"

int l2tp_build_mm1(struct wbuf *w, const struct profile *p, const struct profile_set *set, const uint8_t cky_i[8])
{
	struct ike1_blob vids[PROFILE_MAX_VIDS];
	size_t nv = 0;
	for (size_t i = 0; i < p->nvids && nv < PROFILE_MAX_VIDS; i++, nv++) {
		vids[nv].p = p->vids[i].data;
		vids[nv].len = p->vids[i].len;
	}
	struct ike1_mm1 in = {.transforms = set->transforms1, .ntransforms = set->ntransforms1, .vids = vids, .nvids = nv};
	memcpy(in.cky_i, cky_i, 8);
	if (ike1_build_mm1(w, &in) < 0 || w->err)
		return -1;
	return (int)w->len;
}

int l2tp_build_am1(struct wbuf *w, const struct profile_set *set, const uint8_t cky_i[8], const uint8_t *ke,
		   size_t ke_len, const uint8_t *nonce, size_t nonce_len, const uint8_t *ip, size_t ip_len)
{
	struct ike1_am1 in = {.transforms = set->transforms1, .ntransforms = set->ntransforms1, .ke = ke,
			      .ke_len = ke_len, .nonce = nonce, .nonce_len = nonce_len,
			      .id_type = ip_len == 4 ? IKE1_ID_IPV4_ADDR : IKE1_ID_IPV6_ADDR, .id_protocol = 17,
			      .id_port = 500, .id = ip, .id_len = ip_len};
	memcpy(in.cky_i, cky_i, 8);
	if (ike1_build_am1(w, &in) < 0 || w->err)
		return -1;
	return (int)w->len;
}

void l2tp_reply_obs(struct obs *o, enum obs_kind kind, const struct l2tp_reply_ctx *c)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = KB_P_L2TP;
	o->port = c->port;
	o->natt = c->natt;
	fmt_into(o->set, sizeof o->set, "%s", c->set ? c->set->name : "");
}

void l2tp_reply_accepted(const struct l2tp_reply_ctx *c, const struct ike1_msg *m)
{
	struct obs o;
	char ts[160];
	const struct ike1_transform *t = &m->sa.p[0].t[0];
	ike1_transform_str(t, ts, sizeof ts);
	l2tp_reply_obs(&o, OBS_L2TP_MM_ACCEPTED, c);
	o.code = t->group;
	o.value = t->num;
	fmt_into(o.text, sizeof o.text, "%s", ts);
	fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u%s and chose %s", c->what, c->port,
		 c->alt ? " with an alternative proposal set" : "", ts);
	if (c->alt && c->set)
		fmt_append(o.evidence, sizeof o.evidence, " (set %s: %s)", c->set->name, c->set->title);
	c->sink(c->sink_ctx, &o);
}

bool l2tp_reply_vids(const struct l2tp_reply_ctx *c, const struct ike1_msg *m)
{
	struct obs o;
	const char *natt = NULL;
	for (size_t i = 0; i < m->nvids; i++) {
		l2tp_reply_obs(&o, OBS_L2TP_VENDOR_ID, c);
		o.value = profile_vid_describe(m->vids[i].p, m->vids[i].len, o.text, sizeof o.text);
		fmt_into(o.evidence, sizeof o.evidence, "the server's MM2 carries vendor ID %s", o.text);
		c->sink(c->sink_ctx, &o);
		if (m->vids[i].len == 16 && memcmp(m->vids[i].p, ike1_vid_rfc3947, 16) == 0)
			natt = "RFC 3947";
		else if (!natt) {
			const char *n = ike1_vid_name(m->vids[i].p, m->vids[i].len);
			if (n && strstr(n, "nat-t"))
				natt = n;
		}
	}
	l2tp_reply_obs(&o, OBS_L2TP_NATT, c);
	o.value = natt != NULL;
	fmt_into(o.text, sizeof o.text, "%s", natt ? natt : "");
	fmt_into(o.evidence, sizeof o.evidence,
		 natt ? "the server announces NAT traversal (%s vendor ID) in MM2"
		      : "the server's MM2 announces no NAT traversal (no RFC 3947 or draft vendor ID)%s",
		 natt ? natt : "");
	c->sink(c->sink_ctx, &o);
	return natt != NULL;
}

void l2tp_reply_refused(const struct l2tp_reply_ctx *c, const struct ike1_notify_pl *n)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_MM_REFUSED, c);
	o.code = n->type;
	fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(n->type));
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server answered the %s on UDP %u (proposal set %s) with an Informational N(%s) (type %u)", c->what,
		 c->port, c->set ? c->set->name : "?", o.text, (unsigned)n->type);
	c->sink(c->sink_ctx, &o);
}

void l2tp_reply_am_hash(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint32_t ms)
{
	struct obs o;
	const struct ike1_transform *t = &m->sa.p[0].t[0];
	char ts[160];
	ike1_transform_str(t, ts, sizeof ts);
	l2tp_reply_obs(&o, OBS_L2TP_AM_HASH, c);
	o.code = t->group;
	o.value = (int64_t)m->hash.len;
	fmt_into(o.text, sizeof o.text, "%s", ts);
	/* the hash itself is not recorded anywhere */
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server answered our Aggressive Mode 1 (pre-shared key) on UDP %u in %u ms with an Aggressive Mode 2 in the clear: %s, KE, Nr,%s and a %zu-byte HASH_R, all an offline guess of the key needs",
		 c->port, (unsigned)ms, ts, m->has_id ? " IDir" : "", m->hash.len);
	c->sink(c->sink_ctx, &o);
}

void l2tp_reply_am_refused(const struct l2tp_reply_ctx *c, const struct ike1_notify_pl *n, uint32_t ms)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_AM_REFUSED, c);
	o.code = n->type;
	fmt_into(o.text, sizeof o.text, "%s", ike1_notify_name(n->type));
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server refused our Aggressive Mode 1 (pre-shared key) on UDP %u with an Informational N(%s) (type %u) after %u ms: no HASH_R was sent",
		 c->port, o.text, (unsigned)n->type, (unsigned)ms);
	c->sink(c->sink_ctx, &o);
}

void l2tp_reply_alt_no_answer(const struct l2tp_reply_ctx *c, unsigned sends)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_MM_REFUSED, c);
	fmt_into(o.text, sizeof o.text, "no answer");
	fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s no answer to %u MM1", c->set ? c->set->name : "?", sends);
	c->sink(c->sink_ctx, &o);
}

void l2tp_reply_am_no_answer(const struct l2tp_reply_ctx *c, unsigned sends, double seconds, bool cut)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_AM_NO_ANSWER, c);
	o.value = sends;
	fmt_into(o.text, sizeof o.text, "silence");
	fmt_into(o.evidence, sizeof o.evidence, "no answer to %u Aggressive Mode 1%s (pre-shared key) on UDP %u within %.1f s%s",
		 sends, sends == 1 ? "" : "s", c->port, seconds, cut ? " (the run's --timeout ended the retransmissions)" : "");
	c->sink(c->sink_ctx, &o);
}

int l2tp_build_mm3(struct wbuf *w, uint16_t hash, const uint8_t cky_i[8], const uint8_t cky_r[8], const uint8_t *ke,
		   size_t ke_len, const uint8_t *ni, size_t ni_len, const struct net_addr *local, const struct net_addr *dst,
		   uint16_t dport, char *why, size_t whylen)
{
	const uint8_t *lip, *rip;
	size_t ll = net_addr_bytes(local, &lip), rl = net_addr_bytes(dst, &rip);
	uint8_t nd_r[IKE1_HASH_MAX], nd_l[IKE1_HASH_MAX];
	size_t nr = 0, nl = 0;
	if (ike1_natd(hash, cky_i, cky_r, rip, rl, dport, nd_r, sizeof nd_r, &nr) != 0 ||
	    ike1_natd(hash, cky_i, cky_r, lip, ll, net_addr_port(local), nd_l, sizeof nd_l, &nl) != 0) {
		fmt_into(why, whylen, "no NAT-D for hash %u", (unsigned)hash);
		return -1;
	}
	struct ike1_mm3 in = {.ke = ke, .ke_len = ke_len, .nonce = ni, .nonce_len = ni_len, .natd_type = IKE1_PL_NAT_D,
			      .natd_remote = nd_r, .natd_local = nd_l, .natd_len = nr};
	memcpy(in.cky_i, cky_i, 8);
	memcpy(in.cky_r, cky_r, 8);
	if (ike1_build_mm3(w, &in) < 0 || w->err) {
		fmt_into(why, whylen, "the MM3 does not fit");
		return -1;
	}
	return (int)w->len;
}

void l2tp_reply_mm4(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint16_t group)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_MM4, c);
	o.code = group;
	o.value = (int64_t)m->nnatd;
	fmt_into(o.evidence, sizeof o.evidence, "MM3/MM4 completed on UDP %u: Diffie-Hellman (%s) and nonces exchanged, %zu NAT-D payload%s from the server",
		 c->port, ike1_attr_value_name(IKE1_A_GROUP_DESCRIPTION, group), m->nnatd, m->nnatd == 1 ? "" : "s");
	c->sink(c->sink_ctx, &o);
}

static void nat_obs(const struct l2tp_reply_ctx *c, enum obs_kind kind, bool nat, const struct net_addr *a,
		    const char *before, const char *after)
{
	struct obs o;
	char s[NET_ADDRSTRLEN];
	l2tp_reply_obs(&o, kind, c);
	o.value = nat;
	net_addr_str_port(a, s, sizeof s);
	fmt_into(o.text, sizeof o.text, "%s", s); /* the address compared (the HTML report's vantage point) */
	fmt_into(o.evidence, sizeof o.evidence, "%s%s%s", before, s, after);
	c->sink(c->sink_ctx, &o);
}

void l2tp_reply_nat(const struct l2tp_reply_ctx *c, const struct ike1_msg *m, uint16_t hash, const uint8_t cky_i[8],
		    const uint8_t cky_r[8], const struct net_addr *local, const struct net_addr *from)
{
	const uint8_t *ip;
	size_t n, hl = 0;
	uint8_t h[IKE1_HASH_MAX];
	if (m->nnatd < 2)
		return;
	n = net_addr_bytes(local, &ip);
	if (ike1_natd(hash, cky_i, cky_r, ip, n, net_addr_port(local), h, sizeof h, &hl) != 0)
		return;
	bool client = !(m->natd[0].len == hl && memcmp(m->natd[0].p, h, hl) == 0);
	nat_obs(c, OBS_NAT_CLIENT, client, local,
		client ? "the server's first NAT-D in MM4 does not match our address "
		       : "the server's first NAT-D in MM4 matches our address ",
		client ? ": a NAT on our side rewrites it" : ": no NAT on our side");
	n = net_addr_bytes(from, &ip);
	if (ike1_natd(hash, cky_i, cky_r, ip, n, net_addr_port(from), h, sizeof h, &hl) != 0)
		return;
	bool match = false;
	for (size_t i = 1; i < m->nnatd; i++)
		match = match || (m->natd[i].len == hl && memcmp(m->natd[i].p, h, hl) == 0);
	nat_obs(c, OBS_NAT_SERVER, !match, from,
		!match ? "none of the server's own NAT-D in MM4 matches " : "the server's own NAT-D in MM4 matches ",
		!match ? ", where the reply came from: the server is behind NAT"
		       : ", where the reply came from: the server is not behind NAT");
}

void l2tp_reply_no_answer(const struct l2tp_reply_ctx *c, int step, unsigned sends, double seconds, bool cut)
{
	struct obs o;
	l2tp_reply_obs(&o, OBS_L2TP_NO_ANSWER, c);
	o.code = step;
	o.value = sends;
	fmt_into(o.text, sizeof o.text, "silence");
	fmt_into(o.evidence, sizeof o.evidence, "no answer to %u %s%s on UDP %u within %.1f s%s", sends, c->what,
		 sends == 1 ? "" : "s", c->port, seconds, cut ? " (the run's --timeout ended the retransmissions)" : "");
	c->sink(c->sink_ctx, &o);
}
