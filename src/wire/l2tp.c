/* L2TP control messages (wire/l2tp.h). */
#include "wire/l2tp.h"

#include <string.h>

#include "wire/wire_util.h"

#define STOPCCN_LIST(X)                                                                            \
	X(GENERAL_REQUEST_TO_CLEAR, 1) X(GENERAL_ERROR, 2) X(CHANNEL_EXISTS, 3) X(NOT_AUTHORIZED, 4) \
	X(VERSION_NOT_SUPPORTED, 5) X(SHUTTING_DOWN, 6) X(FSM_ERROR, 7)
static const struct wire_name msg_names[] = {L2TP_MSG_LIST(WIRE_X_NAME)};
static const struct wire_name avp_names[] = {L2TP_AVP_LIST(WIRE_X_NAME)};
static const struct wire_name stopccn_names[] = {STOPCCN_LIST(WIRE_X_NAME)};

const char *l2tp_msg_name(uint16_t type) { return WIRE_NAME(msg_names, type); }
const char *l2tp_avp_name(uint16_t type) { return WIRE_NAME(avp_names, type); }
const char *l2tp_stopccn_result_name(uint16_t r) { return WIRE_NAME(stopccn_names, r); }

static void blob_take(struct rbuf *r, size_t n, struct l2tp_blob *b) { wire_take(r, n, &b->p, &b->len); }

/* Fixed value sizes of the IETF AVPs we decode (0 = variable). */
static int avp_fixed(uint16_t t)
{
	switch (t) {
	case L2TP_AVP_MESSAGE_TYPE:
	case L2TP_AVP_PROTOCOL_VERSION:
	case L2TP_AVP_FIRMWARE_REVISION:
	case L2TP_AVP_ASSIGNED_TUNNEL_ID:
	case L2TP_AVP_RECEIVE_WINDOW_SIZE: return 2;
	case L2TP_AVP_FRAMING_CAPABILITIES:
	case L2TP_AVP_BEARER_CAPABILITIES: return 4;
	case L2TP_AVP_TIE_BREAKER: return 8;
	default: return 0;
	}
}

static int decode_avp(struct l2tp_msg *m, const struct l2tp_avp *a, char *err, size_t errlen)
{
	struct rbuf r;
	if (a->vendor != 0)
		return 0;
	if (a->hidden) {
		m->hidden_avps++;
		return 0;
	}
	int fixed = avp_fixed(a->type);
	if (fixed && a->value.len != (size_t)fixed)
		return wire_fail(err, errlen, "AVP %s of %zu bytes, not %d", l2tp_avp_name(a->type), a->value.len, fixed);
	rbuf_init(&r, a->value.p, a->value.len);
	switch (a->type) {
	case L2TP_AVP_RESULT_CODE:
		if (a->value.len < 2)
			return wire_fail(err, errlen, "Result Code AVP of %zu bytes", a->value.len);
		m->has_result = true;
		rbuf_u16(&r, &m->result_code);
		if (rbuf_left(&r) >= 2) {
			m->has_error_code = true;
			rbuf_u16(&r, &m->error_code);
			blob_take(&r, rbuf_left(&r), &m->error_message);
		} else if (rbuf_left(&r) == 1) {
			return wire_fail(err, errlen, "Result Code AVP of 3 bytes");
		}
		break;
	case L2TP_AVP_PROTOCOL_VERSION:
		m->has_proto_version = true;
		rbuf_u8(&r, &m->proto_ver);
		rbuf_u8(&r, &m->proto_rev);
		break;
	case L2TP_AVP_FRAMING_CAPABILITIES:
		m->has_framing = true;
		rbuf_u32(&r, &m->framing_caps);
		break;
	case L2TP_AVP_BEARER_CAPABILITIES:
		m->has_bearer = true;
		rbuf_u32(&r, &m->bearer_caps);
		break;
	case L2TP_AVP_FIRMWARE_REVISION:
		m->has_firmware = true;
		rbuf_u16(&r, &m->firmware);
		break;
	case L2TP_AVP_HOST_NAME: m->host_name = a->value; break;
	case L2TP_AVP_VENDOR_NAME: m->vendor_name = a->value; break;
	case L2TP_AVP_ASSIGNED_TUNNEL_ID:
		m->has_assigned_tunnel = true;
		rbuf_u16(&r, &m->assigned_tunnel);
		break;
	case L2TP_AVP_RECEIVE_WINDOW_SIZE:
		m->has_rx_window = true;
		rbuf_u16(&r, &m->rx_window);
		break;
	case L2TP_AVP_CHALLENGE: m->challenge = a->value; break;
	default: break;
	}
	return 0;
}

int l2tp_parse(const uint8_t *buf, size_t len, struct l2tp_msg *out, char *err, size_t errlen)
{
	struct rbuf r, body;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (!rbuf_u16(&r, &out->flags))
		return wire_fail(err, errlen, "shorter than the L2TP header");
	out->version = out->flags & 0x000f;
	out->control = out->flags & L2TP_F_T;
	if (out->version != 2)
		return wire_fail(err, errlen, "L2TP version %u, not 2", (unsigned)out->version);
	if (out->control && ((out->flags & (L2TP_F_L | L2TP_F_S)) != (L2TP_F_L | L2TP_F_S) || (out->flags & L2TP_F_O)))
		return wire_fail(err, errlen, "control message flags 0x%04x: L and S must be set, O clear",
				 (unsigned)out->flags);
	if (out->flags & L2TP_F_L) {
		if (!rbuf_u16(&r, &out->length))
			return wire_fail(err, errlen, "L2TP header truncated");
		if (out->length < 6 || out->length > len)
			return wire_fail(err, errlen, "L2TP length %u invalid for the %zu bytes received",
					 (unsigned)out->length, len);
	} else {
		out->length = len > 0xffff ? 0xffff : (uint16_t)len;
	}
	rbuf_init(&body, buf, out->length);
	rbuf_skip(&body, r.off);
	if (!rbuf_u16(&body, &out->tunnel_id) || !rbuf_u16(&body, &out->session_id))
		return wire_fail(err, errlen, "L2TP header truncated");
	if ((out->flags & L2TP_F_S) && (!rbuf_u16(&body, &out->ns) || !rbuf_u16(&body, &out->nr)))
		return wire_fail(err, errlen, "L2TP header truncated before Ns/Nr");
	if (out->flags & L2TP_F_O) {
		uint16_t off;
		if (!rbuf_u16(&body, &off) || !rbuf_skip(&body, off))
			return wire_fail(err, errlen, "L2TP offset padding runs past the message");
	}
	if (!out->control) {
		blob_take(&body, rbuf_left(&body), &out->payload);
		return 0;
	}
	if (rbuf_left(&body) == 0) {
		out->zlb = true;
		return 0;
	}
	while (rbuf_left(&body) > 0) {
		uint16_t f;
		struct l2tp_avp a;
		if (out->navps >= L2TP_MAX_AVPS)
			return wire_fail(err, errlen, "more than %d AVPs", L2TP_MAX_AVPS);
		if (rbuf_left(&body) < 6 || !rbuf_u16(&body, &f) || !rbuf_u16(&body, &a.vendor) || !rbuf_u16(&body, &a.type))
			return wire_fail(err, errlen, "AVP header truncated (%zu bytes left)", rbuf_left(&body));
		a.mandatory = f & 0x8000;
		a.hidden = f & 0x4000;
		a.length = f & 0x03ff;
		if (a.length < 6 || a.length - 6u > rbuf_left(&body))
			return wire_fail(err, errlen, "AVP %u length %u invalid for the %zu bytes left", (unsigned)a.type,
					 (unsigned)a.length, rbuf_left(&body) + 6);
		blob_take(&body, a.length - 6u, &a.value);
		if (out->navps == 0) {
			struct rbuf v;
			if (a.vendor != 0 || a.type != L2TP_AVP_MESSAGE_TYPE || a.hidden || a.value.len != 2)
				return wire_fail(err, errlen, "the first AVP is not a Message Type");
			rbuf_init(&v, a.value.p, a.value.len);
			rbuf_u16(&v, &out->msg_type);
			out->has_msg_type = true;
		}
		out->avps[out->navps++] = a;
		if (decode_avp(out, &a, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* ---- builders ---- */

static size_t ctl_begin(struct wbuf *w, uint16_t tunnel, uint16_t ns, uint16_t nr)
{
	size_t off = w->len;
	wbuf_u16(w, L2TP_F_T | L2TP_F_L | L2TP_F_S | 2);
	wbuf_u16(w, 0);
	wbuf_u16(w, tunnel);
	wbuf_u16(w, 0);
	wbuf_u16(w, ns);
	wbuf_u16(w, nr);
	return off;
}

static int ctl_end(struct wbuf *w, size_t off)
{
	if (w->err || w->len - off > 0xffff)
		return -1;
	wbuf_put_u16_at(w, off + 2, (uint16_t)(w->len - off));
	return w->err ? -1 : (int)(w->len - off);
}

static void avp(struct wbuf *w, bool mandatory, uint16_t type, const void *v, size_t n)
{
	if (n > 0x3ff - 6) {
		w->err = true;
		return;
	}
	wbuf_u16(w, (uint16_t)((mandatory ? 0x8000 : 0) | (6 + n)));
	wbuf_u16(w, 0);
	wbuf_u16(w, type);
	wbuf_bytes(w, v, n);
}

static void avp16(struct wbuf *w, bool mandatory, uint16_t type, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	avp(w, mandatory, type, b, 2);
}

static void avp32(struct wbuf *w, bool mandatory, uint16_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	avp(w, mandatory, type, b, 4);
}

int l2tp_build_sccrq(struct wbuf *w, const struct l2tp_sccrq *in)
{
	if (!in->host_name || !*in->host_name || in->assigned_tunnel == 0)
		return -1;
	size_t off = ctl_begin(w, 0, 0, 0);
	avp16(w, true, L2TP_AVP_MESSAGE_TYPE, L2TP_MSG_SCCRQ);
	avp16(w, true, L2TP_AVP_PROTOCOL_VERSION, 0x0100);
	avp(w, true, L2TP_AVP_HOST_NAME, in->host_name, strlen(in->host_name));
	avp32(w, true, L2TP_AVP_FRAMING_CAPABILITIES, in->framing_caps);
	avp16(w, true, L2TP_AVP_ASSIGNED_TUNNEL_ID, in->assigned_tunnel);
	if (in->bearer_caps)
		avp32(w, true, L2TP_AVP_BEARER_CAPABILITIES, in->bearer_caps);
	if (in->rx_window)
		avp16(w, true, L2TP_AVP_RECEIVE_WINDOW_SIZE, in->rx_window);
	if (in->firmware)
		avp16(w, false, L2TP_AVP_FIRMWARE_REVISION, in->firmware);
	if (in->vendor_name)
		avp(w, false, L2TP_AVP_VENDOR_NAME, in->vendor_name, strlen(in->vendor_name));
	return ctl_end(w, off);
}

int l2tp_build_stopccn(struct wbuf *w, uint16_t peer_tunnel, uint16_t ns, uint16_t nr, uint16_t our_tunnel,
		       uint16_t result)
{
	size_t off = ctl_begin(w, peer_tunnel, ns, nr);
	avp16(w, true, L2TP_AVP_MESSAGE_TYPE, L2TP_MSG_STOPCCN);
	avp16(w, true, L2TP_AVP_ASSIGNED_TUNNEL_ID, our_tunnel);
	avp16(w, true, L2TP_AVP_RESULT_CODE, result);
	return ctl_end(w, off);
}

int l2tp_build_zlb(struct wbuf *w, uint16_t peer_tunnel, uint16_t ns, uint16_t nr)
{
	return ctl_end(w, ctl_begin(w, peer_tunnel, ns, nr));
}

/* Copies a blob as printable ASCII ('?' for anything else), bounded by outlen. */
static void printable(const struct l2tp_blob *b, char *out, size_t outlen)
{
	struct rbuf r;
	size_t n = 0;
	uint8_t c;
	if (!outlen)
		return;
	rbuf_init(&r, b->p, b->p ? b->len : 0);
	while (n + 1 < outlen && rbuf_u8(&r, &c))
		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	out[n] = '\0';
}

enum l2tp_reply_status l2tp_reply_check(const uint8_t *buf, size_t len, uint16_t our_tunnel,
					struct l2tp_msg *scratch, struct l2tp_answer *out)
{
	char err[120];
	memset(out, 0, sizeof *out);
	if (l2tp_parse(buf, len, scratch, err, sizeof err) != 0) {
		out->status = L2TP_REPLY_MALFORMED;
		size_t pos = 0;
		wire_str_append(out->why, sizeof out->why, &pos, "does not parse as L2TP: %s", err);
		return out->status;
	}
	const struct l2tp_msg *m = scratch;
	size_t pos = 0;
	if (!m->control) {
		out->status = L2TP_REPLY_NOT_CONTROL;
		wire_str_append(out->why, sizeof out->why, &pos, "an L2TP data message, not a control message");
	} else if (m->zlb || !m->has_msg_type) {
		out->status = L2TP_REPLY_ZLB;
		wire_str_append(out->why, sizeof out->why, &pos, "an L2TP ZLB acknowledgement");
	} else if (m->tunnel_id != our_tunnel) {
		out->status = L2TP_REPLY_OTHER_TUNNEL;
		wire_str_append(out->why, sizeof out->why, &pos, "an L2TP message for tunnel %u, not ours (%u)",
				(unsigned)m->tunnel_id, (unsigned)our_tunnel);
	} else {
		out->status = L2TP_REPLY_ANSWER;
		out->msg_type = m->msg_type;
		out->result = m->has_result ? m->result_code : 0;
		out->stop = m->msg_type == L2TP_MSG_SCCRP && m->has_assigned_tunnel && m->assigned_tunnel != 0;
		out->peer_tunnel = m->has_assigned_tunnel ? m->assigned_tunnel : 0;
		out->nr = (uint16_t)(m->ns + 1);
		printable(&m->host_name, out->host, sizeof out->host);
		printable(&m->vendor_name, out->vendor, sizeof out->vendor);
	}
	return out->status;
}
