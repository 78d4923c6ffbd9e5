/* Received PPTP GRE: IPv4 header, enhanced GRE, PPP/LCP and the reply decision (wire/gre.h). */
#include "wire/gre.h"

#include <stdio.h>
#include <string.h>

#include "wire/wire_util.h"

#define LCP_CONF_REQ 1
#define LCP_CONF_ACK 2
#define LCP_CONF_NAK 3
#define LCP_CONF_REJ 4
#define LCP_OPT_MAGIC 5
#define LCP_MAX_OPTS 64 /* a bound on the option walk; an LCP packet within 64 KB has fewer */

static const struct wire_name lcp_codes[] = {
	{1, "Configure-Request"}, {2, "Configure-Ack"}, {3, "Configure-Nak"}, {4, "Configure-Reject"},
	{5, "Terminate-Request"}, {6, "Terminate-Ack"}, {7, "Code-Reject"}, {8, "Protocol-Reject"},
	{9, "Echo-Request"}, {10, "Echo-Reply"}, {11, "Discard-Request"},
};

static const struct wire_name class_names[] = {
	{GRE_RX_NOT_PPTP, "not PPTP GRE"},
	{GRE_RX_REPLY, "the server's GRE on our call"},
	{GRE_RX_OWN, "our own LCP Configure-Request (our Magic-Number) came back"},
	{GRE_RX_WRONG_DIR, "carries the server's call ID: a packet of ours, reflected"},
	{GRE_RX_WRONG_CALL, "from the server on a call ID that is neither ours nor its own"},
	{GRE_RX_WRONG_SOURCE, "on our call but not from the server's address"},
};

const char *gre_rx_class_name(enum gre_rx_class c)
{
	return WIRE_NAME(class_names, (uint32_t)c);
}

/* The IPv4 header of r's packet; on success *gre is the GRE packet after the header and options,
 * up to the total length (link padding dropped). */
static int strip_ipv4(const uint8_t *buf, size_t len, struct gre_rx *out, struct rbuf *gre, char *err, size_t errlen)
{
	struct rbuf r, all;
	uint8_t vihl, tos, proto;
	uint16_t tot, id, frag, csum;
	rbuf_init(&r, buf, len);
	if (!rbuf_u8(&r, &vihl) || !rbuf_u8(&r, &tos) || !rbuf_u16(&r, &tot) || !rbuf_u16(&r, &id) || !rbuf_u16(&r, &frag) ||
	    !rbuf_u8(&r, &out->ip_ttl) || !rbuf_u8(&r, &proto) || !rbuf_u16(&r, &csum) || !rbuf_copy(&r, out->ip_src, 4) ||
	    !rbuf_copy(&r, out->ip_dst, 4))
		return wire_fail(err, errlen, "shorter than an IPv4 header (%zu bytes)", len);
	if (vihl >> 4 != 4)
		return wire_fail(err, errlen, "IP version %u, not 4", (unsigned)(vihl >> 4));
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return wire_fail(err, errlen, "IPv4 header length %zu invalid for %zu bytes", ihl, len);
	if (proto != GRE_IPPROTO)
		return wire_fail(err, errlen, "IP protocol %u, not GRE (47)", (unsigned)proto);
	if (frag & 0x3fff)
		return wire_fail(err, errlen, "an IPv4 fragment (flags/offset 0x%04x)", (unsigned)frag);
	if (tot < ihl || tot > len)
		return wire_fail(err, errlen, "IPv4 total length %u invalid for %zu bytes", (unsigned)tot, len);
	out->has_ip = true;
	rbuf_init(&all, buf, tot);
	rbuf_skip(&all, ihl);
	*gre = all;
	return 0;
}

/* The PPP frame in the GRE payload: [FF 03] protocol (2) information. LCP (RFC 1661 5): code, id,
 * length (>= 4, within the frame); for the Configure-* codes, options type/length (>= 2). */
static void parse_ppp(struct gre_rx *out)
{
	struct rbuf r, lcp;
	uint8_t a, c;
	uint16_t proto;
	const struct pptp_blob *pl = &out->gre.payload;
	if (!pl->p || pl->len < 2)
		return;
	rbuf_init(&r, pl->p, pl->len);
	/* Address and Control (FF 03), unless compressed away (ACFC). */
	struct rbuf peek = r;
	if (!(rbuf_u8(&peek, &a) && rbuf_u8(&peek, &c) && a == 0xff && c == 0x03))
		peek = r;
	r = peek;
	if (!rbuf_u16(&r, &proto))
		return;
	out->is_ppp = true;
	out->ppp_proto = proto;
	if (proto != GRE_PPP_LCP)
		return;
	uint8_t code, id;
	uint16_t l;
	if (!rbuf_u8(&r, &code) || !rbuf_u8(&r, &id) || !rbuf_u16(&r, &l) || l < 4 || (size_t)l - 4 > rbuf_left(&r))
		return;
	out->is_lcp = true;
	out->lcp_code = code;
	out->lcp_id = id;
	out->lcp_len = l;
	if (code < LCP_CONF_REQ || code > LCP_CONF_REJ)
		return;
	if (!rbuf_sub(&r, (size_t)l - 4, &lcp))
		return;
	for (int n = 0; n < LCP_MAX_OPTS && rbuf_left(&lcp) > 0; n++) {
		uint8_t t, ol;
		if (!rbuf_u8(&lcp, &t) || !rbuf_u8(&lcp, &ol) || ol < 2 || (size_t)ol - 2 > rbuf_left(&lcp)) {
			out->is_lcp = false; /* a malformed option list */
			return;
		}
		if (t == LCP_OPT_MAGIC && ol == 6 && !out->has_magic) {
			out->has_magic = rbuf_u32(&lcp, &out->magic);
			continue;
		}
		rbuf_skip(&lcp, (size_t)ol - 2);
	}
}

int gre_rx_parse(const uint8_t *buf, size_t len, bool ipv4_header, struct gre_rx *out, char *err, size_t errlen)
{
	struct rbuf r;
	const uint8_t *g = NULL;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (ipv4_header && strip_ipv4(buf, len, out, &r, err, errlen) != 0)
		return -1;
	size_t glen = rbuf_left(&r);
	if (glen && !rbuf_bytes(&r, glen, &g))
		return wire_fail(err, errlen, "GRE packet unreadable");
	if (pptp_gre_parse(g, glen, &out->gre, err, errlen) != 0)
		return -1;
	parse_ppp(out);
	return 0;
}

enum gre_rx_class gre_rx_classify(const struct gre_rx *p, const struct gre_rx_ctx *ctx, bool from_server)
{
	/* Our own Configure-Request back, whatever its call ID or source: never the server's. */
	bool own = p->is_lcp && p->lcp_code == LCP_CONF_REQ && p->has_magic && p->magic == ctx->our_magic;
	if (own)
		return GRE_RX_OWN;
	if (p->gre.call_id == ctx->our_call_id)
		return from_server ? GRE_RX_REPLY : GRE_RX_WRONG_SOURCE;
	if (!from_server)
		return GRE_RX_NOT_PPTP; /* another host's GRE on another call: not ours to judge */
	if (p->gre.call_id == ctx->server_call_id)
		return GRE_RX_WRONG_DIR;
	return GRE_RX_WRONG_CALL;
}

void gre_rx_describe(const struct gre_rx *p, char *out, size_t outlen)
{
	size_t pos = 0;
	if (outlen)
		out[0] = 0;
	wire_str_append(out, outlen, &pos, "GRE call id %u", p->gre.call_id);
	if (p->gre.has_seq)
		wire_str_append(out, outlen, &pos, " seq %u", (unsigned)p->gre.seq);
	if (p->gre.has_ack)
		wire_str_append(out, outlen, &pos, " ack %u", (unsigned)p->gre.ack);
	if (p->is_lcp) {
		wire_str_append(out, outlen, &pos, ": PPP LCP %s id %u", WIRE_NAME(lcp_codes, p->lcp_code), p->lcp_id);
		if (p->has_magic)
			wire_str_append(out, outlen, &pos, " magic 0x%08x", (unsigned)p->magic);
	} else if (p->is_ppp) {
		wire_str_append(out, outlen, &pos, ": PPP protocol 0x%04x, %zu bytes", p->ppp_proto, p->gre.payload.len);
	} else if (p->gre.payload.len) {
		wire_str_append(out, outlen, &pos, ": %zu bytes, not PPP", p->gre.payload.len);
	} else {
		wire_str_append(out, outlen, &pos, ": no payload%s", p->gre.has_ack ? " (an acknowledgement)" : "");
	}
}
