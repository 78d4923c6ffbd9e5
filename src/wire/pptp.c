/* PPTP control messages, enhanced GRE and an LCP Configure-Request (wire/pptp.h). */
#include "wire/pptp.h"

#include <stdio.h>
#include <string.h>

#include "wire/wire_util.h"

#define SCCRP_RESULT_LIST(X) X(OK, 1) X(GENERAL_ERROR, 2) X(CHANNEL_EXISTS, 3) X(NOT_AUTHORIZED, 4) X(BAD_VERSION, 5)
#define OCRP_RESULT_LIST(X)                                                                        \
	X(CONNECTED, 1) X(GENERAL_ERROR, 2) X(NO_CARRIER, 3) X(BUSY, 4) X(NO_DIAL_TONE, 5) X(TIME_OUT, 6) \
	X(DO_NOT_ACCEPT, 7)
#define ERROR_LIST(X)                                                                              \
	X(NONE, 0) X(NOT_CONNECTED, 1) X(BAD_FORMAT, 2) X(BAD_VALUE, 3) X(NO_RESOURCE, 4) X(BAD_CALL_ID, 5) \
	X(PAC_ERROR, 6)
static const struct wire_name ctrl_names[] = {PPTP_CTRL_LIST(WIRE_X_NAME)};
static const struct wire_name sccrp_names[] = {SCCRP_RESULT_LIST(WIRE_X_NAME)};
static const struct wire_name ocrp_names[] = {OCRP_RESULT_LIST(WIRE_X_NAME)};
static const struct wire_name error_names[] = {ERROR_LIST(WIRE_X_NAME)};

const char *pptp_ctrl_name(uint16_t type) { return WIRE_NAME(ctrl_names, type); }
const char *pptp_sccrp_result_name(uint8_t r) { return WIRE_NAME(sccrp_names, r); }
const char *pptp_ocrp_result_name(uint8_t r) { return WIRE_NAME(ocrp_names, r); }
const char *pptp_error_name(uint8_t e) { return WIRE_NAME(error_names, e); }

/* RFC 2637 lengths of the control messages (0 = not decoded, header only). */
static size_t ctrl_len(uint16_t t)
{
	switch (t) {
	case PPTP_START_CTRL_CONN_RQST:
	case PPTP_START_CTRL_CONN_RPLY: return 156;
	case PPTP_STOP_CTRL_CONN_RQST:
	case PPTP_STOP_CTRL_CONN_RPLY:
	case PPTP_ECHO_RQST:
	case PPTP_CALL_CLEAR_RQST: return 16;
	case PPTP_ECHO_RPLY: return 20;
	case PPTP_OUT_CALL_RQST: return 168;
	case PPTP_OUT_CALL_RPLY: return 32;
	case PPTP_CALL_DISCONNECT_NOTIFY: return 148;
	default: return 0;
	}
}

int pptp_frame(const uint8_t *buf, size_t len, size_t max, size_t *msg_len)
{
	struct rbuf r;
	uint16_t l;
	*msg_len = 0;
	rbuf_init(&r, buf, len);
	if (!rbuf_u16(&r, &l))
		return 0;
	if (l < PPTP_HDR_LEN || l > max)
		return -1;
	*msg_len = l;
	return len >= l ? 1 : 0;
}

void pptp_stream_init(struct pptp_stream *s, size_t max_msg)
{
	memset(s, 0, sizeof *s);
	s->max_msg = max_msg < PPTP_HDR_LEN ? PPTP_HDR_LEN : max_msg > PPTP_STREAM_CAP ? PPTP_STREAM_CAP : max_msg;
}

size_t pptp_stream_room(struct pptp_stream *s)
{
	if (s->failed)
		return 0;
	if (s->off) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	return sizeof s->buf - s->len;
}

size_t pptp_stream_feed(struct pptp_stream *s, const uint8_t *p, size_t n)
{
	size_t room = pptp_stream_room(s);
	size_t k = n < room ? n : room;
	if (k) {
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		s->bytes_in += k;
	}
	return k;
}

static enum pptp_stream_rc stream_fail(struct pptp_stream *s)
{
	s->failed = true;
	return PPTP_STREAM_BAD;
}

enum pptp_stream_rc pptp_stream_next(struct pptp_stream *s, const uint8_t **msg, size_t *len)
{
	struct rbuf r;
	uint16_t l = 0, type = 0;
	uint32_t magic = 0;
	const uint8_t *m = NULL;
	*msg = NULL;
	*len = 0;
	if (s->failed)
		return PPTP_STREAM_BAD;
	rbuf_init(&r, s->buf, s->off + s->len);
	rbuf_skip(&r, s->off);
	if (!rbuf_u16(&r, &l))
		return PPTP_STREAM_NEED;
	if (l < PPTP_HDR_LEN || l > s->max_msg) {
		snprintf(s->why, sizeof s->why, "control message length %u (a message is 12..%zu bytes)", (unsigned)l, s->max_msg);
		return stream_fail(s);
	}
	if (rbuf_u16(&r, &type) && type != 1) {
		snprintf(s->why, sizeof s->why, "PPTP message type %u, not 1 (control)", (unsigned)type);
		return stream_fail(s);
	}
	if (rbuf_u32(&r, &magic) && magic != PPTP_MAGIC) {
		snprintf(s->why, sizeof s->why, "magic cookie 0x%08x, not 0x1a2b3c4d", (unsigned)magic);
		return stream_fail(s);
	}
	if (s->len < l)
		return PPTP_STREAM_NEED;
	rbuf_init(&r, s->buf, s->off + l);
	rbuf_skip(&r, s->off);
	if (!rbuf_bytes(&r, l, &m))
		return PPTP_STREAM_NEED;
	s->off += l;
	s->len -= l;
	s->msgs++;
	*msg = m;
	*len = l;
	return PPTP_STREAM_MSG;
}

size_t pptp_stream_pending(const struct pptp_stream *s, size_t *announced)
{
	struct rbuf r;
	uint16_t l = 0;
	*announced = 0;
	rbuf_init(&r, s->buf, s->off + s->len);
	rbuf_skip(&r, s->off);
	if (rbuf_u16(&r, &l))
		*announced = l;
	return s->len;
}

/* A NUL-padded string field of n bytes: the blob up to the first NUL. */
static void str_field(struct rbuf *r, size_t n, struct pptp_blob *b)
{
	const uint8_t *p = NULL;
	struct rbuf s;
	uint8_t c;
	size_t k = 0;
	b->p = NULL;
	b->len = 0;
	if (!rbuf_bytes(r, n, &p))
		return;
	rbuf_init(&s, p, n);
	while (rbuf_u8(&s, &c) && c != 0)
		k++;
	b->p = p;
	b->len = k;
}

int pptp_parse(const uint8_t *buf, size_t len, struct pptp_msg *out, char *err, size_t errlen)
{
	struct rbuf r0, r;
	uint32_t magic;
	uint16_t res0, res;
	memset(out, 0, sizeof *out);
	rbuf_init(&r0, buf, len);
	if (!rbuf_u16(&r0, &out->length) || !rbuf_u16(&r0, &out->pptp_type) || !rbuf_u32(&r0, &magic) ||
	    !rbuf_u16(&r0, &out->ctrl_type) || !rbuf_u16(&r0, &res0))
		return wire_fail(err, errlen, "shorter than the 12-byte PPTP header");
	if (magic != PPTP_MAGIC)
		return wire_fail(err, errlen, "magic cookie 0x%08x, not 0x1a2b3c4d", (unsigned)magic);
	if (out->length < PPTP_HDR_LEN || out->length > len)
		return wire_fail(err, errlen, "PPTP length %u invalid for the %zu bytes received", (unsigned)out->length, len);
	if (out->pptp_type != 1)
		return wire_fail(err, errlen, "PPTP message type %u, not 1 (control)", (unsigned)out->pptp_type);
	size_t need = ctrl_len(out->ctrl_type);
	if (need && out->length < need)
		return wire_fail(err, errlen, "%s of %u bytes, RFC 2637 gives %zu", pptp_ctrl_name(out->ctrl_type),
				 (unsigned)out->length, need);
	rbuf_init(&r0, buf, out->length);
	rbuf_skip(&r0, PPTP_HDR_LEN);
	r = r0;
	switch (out->ctrl_type) {
	case PPTP_START_CTRL_CONN_RQST:
	case PPTP_START_CTRL_CONN_RPLY:
		rbuf_u16(&r, &out->version);
		rbuf_u8(&r, &out->result); /* Reserved1 in the request */
		rbuf_u8(&r, &out->error);
		rbuf_u32(&r, &out->framing);
		rbuf_u32(&r, &out->bearer);
		rbuf_u16(&r, &out->max_channels);
		rbuf_u16(&r, &out->firmware);
		str_field(&r, 64, &out->host);
		str_field(&r, 64, &out->vendor);
		break;
	case PPTP_STOP_CTRL_CONN_RQST:
		rbuf_u8(&r, &out->reason);
		break;
	case PPTP_STOP_CTRL_CONN_RPLY:
		rbuf_u8(&r, &out->result);
		rbuf_u8(&r, &out->error);
		break;
	case PPTP_ECHO_RQST:
		rbuf_u32(&r, &out->identifier);
		break;
	case PPTP_ECHO_RPLY:
		rbuf_u32(&r, &out->identifier);
		rbuf_u8(&r, &out->result);
		rbuf_u8(&r, &out->error);
		break;
	case PPTP_OUT_CALL_RQST:
		rbuf_u16(&r, &out->call_id);
		rbuf_skip(&r, 2 + 4 + 4);
		rbuf_u32(&r, &out->bearer);
		rbuf_u32(&r, &out->framing);
		rbuf_u16(&r, &out->recv_window);
		rbuf_u16(&r, &out->proc_delay);
		break;
	case PPTP_OUT_CALL_RPLY:
		rbuf_u16(&r, &out->call_id);
		rbuf_u16(&r, &out->peer_call_id);
		rbuf_u8(&r, &out->result);
		rbuf_u8(&r, &out->error);
		rbuf_u16(&r, &out->cause);
		rbuf_u32(&r, &out->connect_speed);
		rbuf_u16(&r, &out->recv_window);
		rbuf_u16(&r, &out->proc_delay);
		rbuf_u32(&r, &out->phys_channel);
		break;
	case PPTP_CALL_CLEAR_RQST:
		rbuf_u16(&r, &out->call_id);
		rbuf_u16(&r, &res);
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY:
		rbuf_u16(&r, &out->call_id);
		rbuf_u8(&r, &out->result);
		rbuf_u8(&r, &out->error);
		rbuf_u16(&r, &out->cause);
		break;
	default:
		break;
	}
	if (r.err)
		return wire_fail(err, errlen, "%s truncated", pptp_ctrl_name(out->ctrl_type));
	return 0;
}

static size_t hdr(struct wbuf *w, uint16_t type)
{
	size_t off = w->len;
	wbuf_u16(w, 0);
	wbuf_u16(w, 1);
	wbuf_u32(w, PPTP_MAGIC);
	wbuf_u16(w, type);
	wbuf_u16(w, 0);
	return off;
}

static int end(struct wbuf *w, size_t off)
{
	if (w->err || w->len - off > 0xffff)
		return -1;
	wbuf_put_u16_at(w, off, (uint16_t)(w->len - off));
	return w->err ? -1 : (int)(w->len - off);
}

static void w_strfield(struct wbuf *w, const char *s, size_t n)
{
	size_t l = s ? strlen(s) : 0;
	if (l > n - 1)
		l = n - 1;
	wbuf_bytes(w, s, l);
	wbuf_zero(w, n - l);
}

int pptp_build_sccrq(struct wbuf *w, const struct pptp_sccrq *in)
{
	size_t off = hdr(w, PPTP_START_CTRL_CONN_RQST);
	wbuf_u16(w, PPTP_VERSION);     /* 12 */
	wbuf_u16(w, 0);                /* 14 Reserved1 */
	wbuf_u32(w, in->framing);      /* 16 */
	wbuf_u32(w, in->bearer);       /* 20 */
	wbuf_u16(w, in->max_channels); /* 24 */
	wbuf_u16(w, in->firmware);     /* 26 */
	w_strfield(w, in->host, 64);   /* 28 */
	w_strfield(w, in->vendor, 64); /* 92 */
	return end(w, off);
}

int pptp_build_ocrq(struct wbuf *w, const struct pptp_ocrq *in)
{
	size_t off = hdr(w, PPTP_OUT_CALL_RQST);
	wbuf_u16(w, in->call_id);
	wbuf_u16(w, in->serial);
	wbuf_u32(w, in->min_bps);
	wbuf_u32(w, in->max_bps);
	wbuf_u32(w, in->bearer);
	wbuf_u32(w, in->framing);
	wbuf_u16(w, in->recv_window);
	wbuf_u16(w, in->proc_delay);
	wbuf_u16(w, 0); /* Phone Number Length */
	wbuf_u16(w, 0);
	wbuf_zero(w, 64 + 64);
	return end(w, off);
}

int pptp_build_call_clear(struct wbuf *w, uint16_t call_id)
{
	size_t off = hdr(w, PPTP_CALL_CLEAR_RQST);
	wbuf_u16(w, call_id);
	wbuf_u16(w, 0);
	return end(w, off);
}

int pptp_build_stop_ccrq(struct wbuf *w, uint8_t reason)
{
	size_t off = hdr(w, PPTP_STOP_CTRL_CONN_RQST);
	wbuf_u8(w, reason);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	return end(w, off);
}

int pptp_build_echo_request(struct wbuf *w, uint32_t identifier)
{
	size_t off = hdr(w, PPTP_ECHO_RQST);
	wbuf_u32(w, identifier);
	return end(w, off);
}

int pptp_build_echo_reply(struct wbuf *w, uint32_t identifier, uint8_t result)
{
	size_t off = hdr(w, PPTP_ECHO_RPLY);
	wbuf_u32(w, identifier);
	wbuf_u8(w, result);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	return end(w, off);
}

int pptp_gre_build(struct wbuf *w, uint16_t peer_call_id, bool has_seq, uint32_t seq, bool has_ack, uint32_t ack,
		   const uint8_t *payload, size_t len)
{
	size_t off = w->len;
	if (len > 0xffff)
		return -1;
	wbuf_u16(w, (uint16_t)(0x2001 | (has_seq ? 0x1000 : 0) | (has_ack ? 0x0080 : 0)));
	wbuf_u16(w, PPTP_GRE_PROTO_PPP);
	wbuf_u16(w, (uint16_t)len);
	wbuf_u16(w, peer_call_id);
	if (has_seq)
		wbuf_u32(w, seq);
	if (has_ack)
		wbuf_u32(w, ack);
	wbuf_bytes(w, payload, len);
	return w->err ? -1 : (int)(w->len - off);
}

int pptp_gre_parse(const uint8_t *buf, size_t len, struct pptp_gre *out, char *err, size_t errlen)
{
	struct rbuf r;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (!rbuf_u16(&r, &out->flags_ver) || !rbuf_u16(&r, &out->protocol) || !rbuf_u16(&r, &out->payload_len) ||
	    !rbuf_u16(&r, &out->call_id))
		return wire_fail(err, errlen, "shorter than the 8-byte enhanced GRE header");
	if ((out->flags_ver & 0x0007) != 1)
		return wire_fail(err, errlen, "GRE version %u, not 1 (enhanced)", (unsigned)(out->flags_ver & 7));
	if (!(out->flags_ver & 0x2000) || (out->flags_ver & 0xc800) || (out->flags_ver & 0x0700))
		return wire_fail(err, errlen, "GRE flags 0x%04x invalid for PPTP", (unsigned)out->flags_ver);
	if (out->protocol != PPTP_GRE_PROTO_PPP)
		return wire_fail(err, errlen, "GRE protocol 0x%04x, not PPP", (unsigned)out->protocol);
	out->has_seq = out->flags_ver & 0x1000;
	out->has_ack = out->flags_ver & 0x0080;
	if ((out->has_seq && !rbuf_u32(&r, &out->seq)) || (out->has_ack && !rbuf_u32(&r, &out->ack)))
		return wire_fail(err, errlen, "GRE sequence/ack truncated");
	if (out->payload_len > rbuf_left(&r))
		return wire_fail(err, errlen, "GRE payload length %u exceeds the %zu bytes left", (unsigned)out->payload_len,
				 rbuf_left(&r));
	if (out->payload_len && !rbuf_bytes(&r, out->payload_len, &out->payload.p))
		return -1;
	out->payload.len = out->payload_len;
	return 0;
}

int pptp_build_lcp_confreq(struct wbuf *w, uint8_t id, uint16_t mru, uint32_t magic)
{
	size_t off = w->len;
	wbuf_u8(w, 0xff);
	wbuf_u8(w, 0x03);
	wbuf_u16(w, 0xc021);
	wbuf_u8(w, 1); /* Configure-Request */
	wbuf_u8(w, id);
	wbuf_u16(w, (uint16_t)(4 + (mru ? 4 : 0) + 6));
	if (mru) {
		wbuf_u8(w, 1);
		wbuf_u8(w, 4);
		wbuf_u16(w, mru);
	}
	wbuf_u8(w, 5);
	wbuf_u8(w, 6);
	wbuf_u32(w, magic);
	return w->err ? -1 : (int)(w->len - off);
}
