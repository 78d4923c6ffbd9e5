/* What an IKE_SA_INIT exchange records (probes/ikev2_reply.h): moved out of ikev2.c so that
 * `vpndiag scan` records a responder exactly as `vpndiag probe` does. */
#include "probes/ikev2_reply.h"

#include <string.h>

#include "crypto/ike2_keys.h"
#include "kb/kb.h"
#include "util/fmt.h"

int ikev2_build_request(struct wbuf *w, const struct profile *p, const struct profile_set *set, uint64_t spi,
			uint16_t ke_group, const uint8_t *ke, size_t ke_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *cookie, size_t cookie_len, const struct net_addr *local, const struct net_addr *dst,
			uint16_t dport)
{
	const uint8_t *lip, *rip;
	size_t ll = net_addr_bytes(local, &lip), rl = net_addr_bytes(dst, &rip);
	uint8_t natd_src[20], natd_dst[20];
	ike2_natd_hash(spi, 0, lip, ll, net_addr_port(local), natd_src);
	ike2_natd_hash(spi, 0, rip, rl, dport, natd_dst);
	struct ike2_blob vids[PROFILE_MAX_VIDS];
	size_t nv = profile_vid_blobs(p, vids, PROFILE_MAX_VIDS);
	struct ike2_sa_init in = {
		.spi_i = spi,
		.proposals = set->proposals,
		.nproposals = set->nproposals,
		.ke_group = ke_group,
		.ke_data = ke,
		.ke_len = ke_len,
		.nonce = nonce,
		.nonce_len = nonce_len,
		.cookie = cookie_len ? cookie : NULL,
		.cookie_len = cookie_len,
		.natd_src = p->natd ? natd_src : NULL,
		.natd_dst = p->natd ? natd_dst : NULL,
		.frag_supported = p->frag_supported,
		.vids = vids,
		.nvids = nv,
	};
	if (ike2_build_sa_init(w, &in) != 0 || w->err)
		return -1;
	return 0;
}

void ikev2_reply_obs(struct obs *o, enum obs_kind kind, const struct ikev2_reply_ctx *c)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = c->proto;
	o->port = c->port;
	o->natt = c->natt;
	fmt_into(o->set, sizeof o->set, "%s", c->set ? c->set->name : "");
}

static void emit(const struct ikev2_reply_ctx *c, const struct obs *o)
{
	c->sink(c->sink_ctx, o);
}

bool ikev2_natd_addrs(const struct net_addr *local, const struct ike2_msg *m, const struct net_addr *from, int *client,
		      int *server)
{
	const uint8_t *ip;
	size_t n;
	uint8_t h[20];
	*client = *server = -1;
	/* Their DESTINATION hash covers our address as they see it. */
	const struct ike2_notify *d = ike2_find_notify(m, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	if (d && d->data_len == 20) {
		n = net_addr_bytes(local, &ip);
		ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(local), h);
		*client = memcmp(h, d->data, 20) != 0;
	}
	/* Their SOURCE hash(es) cover the address they send from; compare with where it came from. */
	n = net_addr_bytes(from, &ip);
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, ip, n, net_addr_port(from), h);
	for (size_t i = 0; i < m->nnotifies; i++) {
		const struct ike2_notify *sn = &m->notifies[i];
		if (sn->type != IKE2_N_NAT_DETECTION_SOURCE_IP || sn->data_len != 20)
			continue;
		if (*server < 0)
			*server = 1;
		if (memcmp(h, sn->data, 20) == 0)
			*server = 0;
	}
	return d || *server >= 0;
}

static void nat_obs(const struct ikev2_reply_ctx *c, enum obs_kind kind, bool nat, const struct net_addr *a,
		    const char *before, const char *after)
{
	struct obs o;
	char s[NET_ADDRSTRLEN];
	ikev2_reply_obs(&o, kind, c);
	o.value = nat;
	net_addr_str_port(a, s, sizeof s);
	fmt_into(o.text, sizeof o.text, "%s", s); /* the address compared (the HTML report's vantage point) */
	fmt_into(o.evidence, sizeof o.evidence, "%s%s%s", before, s, after);
	emit(c, &o);
}

static void rtt_obs(const struct ikev2_reply_ctx *c)
{
	struct obs o;
	if (c->rtt_ms < 0)
		return; /* not known (the scan keeps no send time per target) */
	ikev2_reply_obs(&o, OBS_RTT, c);
	o.value = c->rtt_ms;
	fmt_into(o.evidence, sizeof o.evidence, "round trip %lld ms on UDP %u", (long long)o.value, c->port);
	emit(c, &o);
}

bool ikev2_reply_accepted(const struct ikev2_reply_ctx *c, const struct ike2_msg *m, const struct net_addr *from,
			  bool with_nat)
{
	struct obs o;
	char ps[160];
	bool any = false;
	ike2_proposal_str(&m->proposals[0], ps, sizeof ps);
	ikev2_reply_obs(&o, c->alt ? OBS_IKE_ALT_ACCEPTED : OBS_IKE_ACCEPTED, c);
	o.code = m->has_ke ? m->ke_group : 0;
	o.has_prop = true;
	o.prop = m->proposals[0];
	fmt_into(o.text, sizeof o.text, "%s", ps);
	if (c->alt)
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s (%s) the server chose %s", c->set->name,
			 c->set->title, ps);
	else
		fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u and chose %s", c->what, c->port,
			 ps);
	emit(c, &o);
	rtt_obs(c);

	if (with_nat) {
		int client, server;
		any = ikev2_natd_addrs(c->local, m, from, &client, &server);
		if (client >= 0)
			nat_obs(c, OBS_NAT_CLIENT, client, c->local,
				client ? "the server's NAT_DETECTION_DESTINATION_IP does not match our address " :
					 "the server's NAT_DETECTION_DESTINATION_IP matches our address ",
				client ? ": a NAT on our side rewrites it" : ": no NAT on our side");
		if (server >= 0)
			nat_obs(c, OBS_NAT_SERVER, server, from,
				server ? "the server's NAT_DETECTION_SOURCE_IP does not match " :
					 "the server's NAT_DETECTION_SOURCE_IP matches ",
				server ? ", the address the reply came from: the server is behind NAT (its own address differs)"
				       : ", the address the reply came from: the server is not behind NAT");
	}
	if (c->alt)
		return any;
	if (c->main) {
		ikev2_reply_obs(&o, OBS_IKE_FRAGMENTATION, c);
		o.value = ike2_find_notify(m, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
		fmt_into(o.evidence, sizeof o.evidence,
			 o.value ? "the server sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383)"
				 : "the server did not send IKEV2_FRAGMENTATION_SUPPORTED: it will not fragment IKE_AUTH");
		emit(c, &o);
		for (size_t i = 0; i < m->nvids; i++) {
			ikev2_reply_obs(&o, OBS_IKE_VENDOR_ID, c);
			o.value = profile_vid_describe(m->vids[i].p, m->vids[i].len, o.text, sizeof o.text);
			fmt_into(o.evidence, sizeof o.evidence, "the server sent vendor ID %s", o.text);
			emit(c, &o);
		}
	}
	for (size_t i = 0; i < m->nnotifies; i++) {
		const struct ike2_notify *n = &m->notifies[i];
		if (n->type == IKE2_N_NAT_DETECTION_SOURCE_IP || n->type == IKE2_N_NAT_DETECTION_DESTINATION_IP ||
		    n->type == IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED || n->type == IKE2_N_MS_STATUS)
			continue;
		ikev2_reply_obs(&o, OBS_IKE_NOTIFY, c);
		o.code = n->type;
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(n->type));
		fmt_into(o.evidence, sizeof o.evidence, "the server's IKE_SA_INIT response carries N(%s) (type %u)", o.text,
			 (unsigned)n->type);
		emit(c, &o);
	}
	return any;
}

static bool set_has_group(const struct profile_set *s, uint16_t group)
{
	for (size_t i = 0; i < s->nproposals; i++)
		for (size_t t = 0; t < s->proposals[i].ntransforms; t++)
			if (s->proposals[i].t[t].type == IKE2_T_DH && s->proposals[i].t[t].id == group)
				return true;
	return false;
}

uint16_t ikev2_reply_invalid_ke(const struct ikev2_reply_ctx *c, const struct ike2_notify *err)
{
	struct obs o;
	uint16_t want = err->data_len >= 2 ? (uint16_t)(err->data[0] << 8 | err->data[1]) : 0;
	bool proposed = want && set_has_group(c->set, want);
	ikev2_reply_obs(&o, OBS_IKE_INVALID_KE, c);
	o.code = want;
	o.value = proposed;
	fmt_into(o.text, sizeof o.text, "%s", ike2_transform_name(IKE2_T_DH, want));
	fmt_into(o.evidence, sizeof o.evidence, "the server answered INVALID_KE_PAYLOAD: it wants DH group %u (%s)%s",
		 (unsigned)want, o.text, proposed ? "" : ", which this proposal set does not offer");
	emit(c, &o);
	return proposed ? want : 0;
}

void ikev2_reply_refused(const struct ikev2_reply_ctx *c, const struct ike2_notify *err)
{
	struct obs o;
	if (c->alt) {
		ikev2_reply_obs(&o, OBS_IKE_ALT_REFUSED, c);
		o.code = err->type;
		fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
		fmt_into(o.evidence, sizeof o.evidence, "with proposal set %s (%s) the server answered %s", c->set->name,
			 c->set->title, o.text);
		emit(c, &o);
		return;
	}
	ikev2_reply_obs(&o, OBS_IKE_REFUSED, c);
	o.code = err->type;
	fmt_into(o.text, sizeof o.text, "%s", ike2_notify_name(err->type));
	fmt_into(o.evidence, sizeof o.evidence, "the server answered the %s on UDP %u (proposal set %s) with %s (type %u)",
		 c->what, c->port, c->set->name, o.text, (unsigned)err->type);
	emit(c, &o);
	rtt_obs(c);
}

void ikev2_reply_cookie(const struct ikev2_reply_ctx *c, size_t cookie_len)
{
	struct obs o;
	ikev2_reply_obs(&o, OBS_IKE_COOKIE, c);
	o.value = (int64_t)cookie_len;
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server answered with N(COOKIE) (%zu bytes): it asks for a return-routability check before it commits state",
		 cookie_len);
	emit(c, &o);
}

void ikev2_reply_ms_status(const struct ikev2_reply_ctx *c, const struct ike2_msg *m)
{
	const struct ike2_notify *n = ike2_find_notify(m, IKE2_N_MS_STATUS);
	if (!n)
		return;
	struct obs o;
	const uint8_t *p = n->data;
	ikev2_reply_obs(&o, OBS_IKE_MS_STATUS, c);
	o.code = IKE2_N_MS_STATUS;
	o.value = n->data_len >= 4 ? (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) : -1;
	fmt_into(o.text, sizeof o.text, "MS_STATUS(%lld)", (long long)o.value);
	fmt_into(o.evidence, sizeof o.evidence, "the server sent Microsoft's status notify 12345 with Win32 code %lld",
		 (long long)o.value);
	emit(c, &o);
}

void ikev2_reply_no_answer_after_cookie(const struct ikev2_reply_ctx *c, unsigned sends, double seconds)
{
	struct obs o;
	ikev2_reply_obs(&o, OBS_IKE_NO_ANSWER_AFTER_COOKIE, c);
	o.value = sends;
	fmt_into(o.evidence, sizeof o.evidence,
		 "no answer to %u %s requests carrying the server's COOKIE on UDP %u within %.1f s", sends, c->what, c->port,
		 seconds);
	emit(c, &o);
}
