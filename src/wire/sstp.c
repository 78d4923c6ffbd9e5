/* SSTP codec ([MS-SSTP] 2.2) and the HTTP handshake head (wire/sstp.h). */
#include "wire/sstp.h"

#include <string.h>

#include "wire/wire_util.h"

static const struct wire_name msg_names[] = {SSTP_MSG_LIST(WIRE_X_NAME)};
static const struct wire_name attr_names[] = {SSTP_ATTR_LIST(WIRE_X_NAME)};
static const struct wire_name status_names[] = {SSTP_STATUS_LIST(WIRE_X_NAME)};

const char *sstp_msg_name(uint16_t type) { return WIRE_NAME(msg_names, type); }
const char *sstp_attr_name(uint8_t id) { return WIRE_NAME(attr_names, id); }
const char *sstp_status_name(uint32_t s) { return WIRE_NAME(status_names, s); }

int sstp_frame(const uint8_t *buf, size_t len, size_t *pkt_len)
{
	struct rbuf r;
	uint8_t ver, c;
	uint16_t l;
	*pkt_len = 0;
	rbuf_init(&r, buf, len);
	if (len < SSTP_HDR_LEN)
		return 0;
	rbuf_u8(&r, &ver);
	rbuf_u8(&r, &c);
	rbuf_u16(&r, &l);
	if (ver != SSTP_VERSION)
		return -1;
	l &= 0x0fff;
	if (l < SSTP_HDR_LEN)
		return -1;
	*pkt_len = l;
	return len >= l ? 1 : 0;
}

static void blob_take(struct rbuf *r, size_t n, struct sstp_blob *b) { wire_take(r, n, &b->p, &b->len); }

static int decode_attr(struct sstp_msg *m, const struct sstp_attr *a, char *err, size_t errlen)
{
	struct rbuf r;
	rbuf_init(&r, a->value.p, a->value.len);
	switch (a->id) {
	case SSTP_ATTR_ENCAPSULATED_PROTOCOL_ID:
		if (a->value.len != 2)
			return wire_fail(err, errlen, "Encapsulated Protocol ID attribute of %zu bytes, not 2", a->value.len);
		m->has_encap = true;
		rbuf_u16(&r, &m->encap_protocol);
		return 0;
	case SSTP_ATTR_CRYPTO_BINDING_REQ:
		if (m->nbinding_req++ == 0)
			m->binding_req_len = a->length;
		if (a->value.len != 4 + SSTP_NONCE_LEN || m->has_binding_req)
			return 0; /* wrong length or a duplicate: named by sstp_ack_binding_check */
		m->has_binding_req = true;
		rbuf_skip(&r, 3);
		rbuf_u8(&r, &m->hash_bitmask);
		rbuf_bytes(&r, SSTP_NONCE_LEN, &m->nonce);
		return 0;
	case SSTP_ATTR_STATUS_INFO: {
		if (a->value.len < 8)
			return wire_fail(err, errlen, "Status Info attribute of %zu bytes, below 8", a->value.len);
		struct sstp_status_info *s = &m->status[m->nstatus++];
		rbuf_skip(&r, 3);
		rbuf_u8(&r, &s->attrib_id);
		rbuf_u32(&r, &s->status);
		blob_take(&r, rbuf_left(&r), &s->value);
		return 0;
	}
	default:
		return 0;
	}
}

int sstp_parse(const uint8_t *buf, size_t len, struct sstp_msg *out, char *err, size_t errlen)
{
	struct rbuf r, body;
	uint8_t c;
	uint16_t l;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (!rbuf_u8(&r, &out->version) || !rbuf_u8(&r, &c) || !rbuf_u16(&r, &l))
		return wire_fail(err, errlen, "shorter than the 4-byte SSTP header");
	if (out->version != SSTP_VERSION)
		return wire_fail(err, errlen, "SSTP version 0x%02x, not 0x10", (unsigned)out->version);
	out->control = c & 1;
	out->length = l & 0x0fff;
	if (out->length < SSTP_HDR_LEN || out->length > len)
		return wire_fail(err, errlen, "SSTP length %u invalid for the %zu bytes received", (unsigned)out->length, len);
	rbuf_sub(&r, out->length - SSTP_HDR_LEN, &body);
	if (!out->control) {
		blob_take(&body, rbuf_left(&body), &out->data);
		return 0;
	}
	if (!rbuf_u16(&body, &out->msg_type) || !rbuf_u16(&body, &out->nattrs_announced))
		return wire_fail(err, errlen, "control packet shorter than its 4-byte message header");
	while (rbuf_left(&body) > 0) {
		uint8_t res;
		uint16_t al;
		struct sstp_attr a;
		if (out->nattrs >= SSTP_MAX_ATTRS)
			return wire_fail(err, errlen, "more than %d attributes", SSTP_MAX_ATTRS);
		if (!rbuf_u8(&body, &res) || !rbuf_u8(&body, &a.id) || !rbuf_u16(&body, &al))
			return wire_fail(err, errlen, "attribute header truncated");
		a.length = al & 0x0fff;
		if (a.length < 4 || a.length - 4u > rbuf_left(&body))
			return wire_fail(err, errlen, "attribute %u length %u invalid for the %zu bytes left", (unsigned)a.id,
					 (unsigned)a.length, rbuf_left(&body) + 4);
		blob_take(&body, a.length - 4u, &a.value);
		out->attrs[out->nattrs++] = a;
		if (decode_attr(out, &a, err, errlen) != 0)
			return -1;
	}
	if (out->nattrs != out->nattrs_announced)
		return wire_fail(err, errlen, "%u attributes announced, %zu present", (unsigned)out->nattrs_announced,
				 out->nattrs);
	return 0;
}

int sstp_ack_binding_check(const struct sstp_msg *m, char *err, size_t errlen)
{
	if (!m->control || m->msg_type != SSTP_MSG_CALL_CONNECT_ACK)
		return wire_fail(err, errlen, "not a Call Connect Ack");
	if (m->nbinding_req == 0)
		return wire_fail(err, errlen, "no Crypto Binding Request attribute (no nonce, no hash protocols)");
	if (m->nbinding_req > 1)
		return wire_fail(err, errlen, "%zu Crypto Binding Request attributes, not one", m->nbinding_req);
	if (!m->has_binding_req || !m->nonce)
		return wire_fail(err, errlen, "Crypto Binding Request attribute of length %u, not 40 (3 reserved bytes, the hash bitmask, a 32-byte nonce)",
				 (unsigned)m->binding_req_len);
	if ((m->hash_bitmask & (SSTP_CERT_HASH_SHA1 | SSTP_CERT_HASH_SHA256)) == 0)
		return wire_fail(err, errlen, "Hash Protocol Bitmask 0x%02x selects neither SHA1 (0x01) nor SHA256 (0x02)",
				 (unsigned)m->hash_bitmask);
	return 0;
}

/* ---- the connection's byte stream ---- */

void sstp_stream_init(struct sstp_stream *s)
{
	memset(s, 0, sizeof *s);
}

static void stream_drop(struct sstp_stream *s)
{
	size_t n = s->consume <= s->len ? s->consume : s->len;
	if (n) {
		memmove(s->buf, s->buf + n, s->len - n);
		s->len -= n;
	}
	s->consume = 0;
}

size_t sstp_stream_space(const struct sstp_stream *s)
{
	size_t held = s->len - (s->consume <= s->len ? s->consume : s->len);
	return SSTP_STREAM_CAP - held;
}

size_t sstp_stream_feed(struct sstp_stream *s, const uint8_t *p, size_t n)
{
	stream_drop(s);
	size_t take = SSTP_STREAM_CAP - s->len;
	if (take > n)
		take = n;
	if (take) {
		memcpy(s->buf + s->len, p, take);
		s->len += take;
		s->total += take;
	}
	return take;
}

enum sstp_stream_ev sstp_stream_next(struct sstp_stream *s, struct sstp_stream_event *ev, char *err, size_t errlen)
{
	memset(ev, 0, sizeof *ev);
	if (err && errlen)
		err[0] = '\0';
	stream_drop(s);
	if (s->failed) {
		wire_fail(err, errlen, "the stream already failed");
		return s->in_sstp ? SSTP_EV_BAD_FRAME : SSTP_EV_BAD_HEAD;
	}
	if (!s->in_sstp) {
		ev->http_rc = sstp_http_parse_response(s->buf, s->len, SSTP_STREAM_MAX_HEAD, SSTP_STREAM_MAX_HEADERS, &ev->head,
						       err, errlen);
		if (ev->http_rc == SSTP_HTTP_INCOMPLETE)
			return SSTP_EV_NEED_MORE;
		if (ev->http_rc != SSTP_HTTP_OK) {
			s->failed = true;
			return SSTP_EV_BAD_HEAD;
		}
		s->consume = ev->head.head_len;
		s->in_sstp = true;
		return SSTP_EV_HEAD;
	}
	size_t plen = 0;
	int fr = sstp_frame(s->buf, s->len, &plen);
	if (fr == 0)
		return SSTP_EV_NEED_MORE;
	if (fr < 0) {
		s->failed = true;
		wire_fail(err, errlen, "not an SSTP packet (version or length)");
		return SSTP_EV_BAD_FRAME;
	}
	ev->pkt = s->buf;
	ev->pkt_len = plen;
	s->consume = plen;
	s->packets++;
	return SSTP_EV_PACKET;
}

/* ---- builders ---- */

static size_t ctl_begin(struct wbuf *w, uint16_t type, uint16_t nattrs)
{
	size_t off = w->len;
	wbuf_u8(w, SSTP_VERSION);
	wbuf_u8(w, 1); /* C bit */
	wbuf_u16(w, 0);
	wbuf_u16(w, type);
	wbuf_u16(w, nattrs);
	return off;
}

static int ctl_end(struct wbuf *w, size_t off)
{
	if (w->err)
		return -1;
	size_t n = w->len - off;
	if (n > SSTP_MAX_LEN) { /* never spill into the reserved bits */
		w->err = true;
		return -1;
	}
	wbuf_put_u16_at(w, off + 2, (uint16_t)n);
	return w->err ? -1 : (int)n;
}

int sstp_build_call_connect_request(struct wbuf *w, uint16_t encap_protocol)
{
	size_t off = ctl_begin(w, SSTP_MSG_CALL_CONNECT_REQUEST, 1);
	wbuf_u8(w, 0);
	wbuf_u8(w, SSTP_ATTR_ENCAPSULATED_PROTOCOL_ID);
	wbuf_u16(w, 6);
	wbuf_u16(w, encap_protocol);
	return ctl_end(w, off);
}

static int build_status_msg(struct wbuf *w, uint16_t type, bool with_status, uint8_t attrib_id, uint32_t status)
{
	size_t off = ctl_begin(w, type, with_status ? 1 : 0);
	if (with_status) {
		wbuf_u8(w, 0);
		wbuf_u8(w, SSTP_ATTR_STATUS_INFO);
		wbuf_u16(w, 12);
		wbuf_zero(w, 3);
		wbuf_u8(w, attrib_id);
		wbuf_u32(w, status);
	}
	return ctl_end(w, off);
}

int sstp_build_call_abort(struct wbuf *w, bool with_status, uint8_t attrib_id, uint32_t status)
{
	return build_status_msg(w, SSTP_MSG_CALL_ABORT, with_status, attrib_id, status);
}

int sstp_build_call_disconnect(struct wbuf *w, bool with_status, uint8_t attrib_id, uint32_t status)
{
	return build_status_msg(w, SSTP_MSG_CALL_DISCONNECT, with_status, attrib_id, status);
}

int sstp_build_call_disconnect_ack(struct wbuf *w)
{
	return ctl_end(w, ctl_begin(w, SSTP_MSG_CALL_DISCONNECT_ACK, 0));
}

int sstp_build_echo(struct wbuf *w, bool response)
{
	return ctl_end(w, ctl_begin(w, response ? SSTP_MSG_ECHO_RESPONSE : SSTP_MSG_ECHO_REQUEST, 0));
}

/* ---- HTTP ---- */

static bool token_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static void w_str(struct wbuf *w, const char *s)
{
	wbuf_bytes(w, s, strlen(s));
}

int sstp_http_build_request(struct wbuf *w, const char *host, const char *guid)
{
	if (!token_ok(host) || !token_ok(guid) || strlen(host) > 255 || strlen(guid) > 64)
		return -1;
	size_t off = w->len;
	w_str(w, "SSTP_DUPLEX_POST " SSTP_URI " HTTP/1.1\r\nHost: ");
	w_str(w, host);
	w_str(w, "\r\nContent-Length: 18446744073709551615\r\nSSTPCORRELATIONID: {");
	w_str(w, guid);
	w_str(w, "}\r\n\r\n");
	return w->err ? -1 : (int)(w->len - off);
}

static int lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool name_is(const struct sstp_blob *b, const char *name)
{
	size_t n = strlen(name);
	if (b->len != n)
		return false;
	struct rbuf r;
	rbuf_init(&r, b->p, b->len);
	for (size_t i = 0; i < n; i++) {
		uint8_t c;
		rbuf_u8(&r, &c);
		if (lc(c) != lc((unsigned char)name[i]))
			return false;
	}
	return true;
}

/* Strips spaces/tabs at both ends of a blob (via a reader; no pointer arithmetic). */
static void trim(struct sstp_blob *b)
{
	struct rbuf r;
	size_t start = 0, end = b->len;
	uint8_t c;
	rbuf_init(&r, b->p, b->len);
	while (rbuf_u8(&r, &c) && (c == ' ' || c == '\t'))
		start++;
	while (end > start) {
		rbuf_init(&r, b->p, b->len);
		rbuf_skip(&r, end - 1);
		rbuf_u8(&r, &c);
		if (c != ' ' && c != '\t')
			break;
		end--;
	}
	rbuf_init(&r, b->p, b->len);
	rbuf_skip(&r, start);
	blob_take(&r, end - start, b);
}

/* Reads one line (up to LF) from r; the line excludes CR LF. Returns false if no LF is left. */
static bool next_line(struct rbuf *r, struct sstp_blob *line)
{
	struct rbuf look = *r;
	size_t n = 0;
	uint8_t c;
	while (rbuf_u8(&look, &c)) {
		if (c == '\n') {
			struct rbuf t = *r;
			size_t body = n;
			uint8_t last = 0;
			if (n > 0) {
				rbuf_skip(&t, n - 1);
				rbuf_u8(&t, &last);
			}
			if (last == '\r')
				body--;
			blob_take(r, body, line);
			if (body == 0)
				line->p = NULL;
			rbuf_skip(r, n - body + 1);
			return true;
		}
		n++;
	}
	return false;
}

static bool parse_u64(const struct sstp_blob *b, uint64_t *v)
{
	struct rbuf r;
	uint8_t c;
	uint64_t x = 0;
	if (b->len == 0 || b->len > 20)
		return false;
	rbuf_init(&r, b->p, b->len);
	while (rbuf_u8(&r, &c)) {
		if (c < '0' || c > '9')
			return false;
		unsigned d = (unsigned)(c - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

enum sstp_http_rc sstp_http_parse_response(const uint8_t *buf, size_t len, size_t max_head, size_t max_headers,
					   struct sstp_http_resp *out, char *err, size_t errlen)
{
	struct rbuf r;
	struct sstp_blob line;
	memset(out, 0, sizeof *out);
	size_t lim = len < max_head ? len : max_head;
	rbuf_init(&r, buf, lim);
	/* Status line: HTTP/x.y SP ddd [SP reason] */
	if (!next_line(&r, &line)) {
		if (len >= max_head) {
			wire_fail(err, errlen, "status line longer than %zu bytes", max_head);
			return SSTP_HTTP_TOO_LARGE;
		}
		/* Reject early when what we have cannot start an HTTP response. */
		static const char pfx[] = "HTTP/";
		struct rbuf p;
		uint8_t c;
		rbuf_init(&p, buf, len);
		for (size_t i = 0; i < 5 && rbuf_u8(&p, &c); i++)
			if (c != (uint8_t)pfx[i]) {
				wire_fail(err, errlen, "not an HTTP response");
				return SSTP_HTTP_MALFORMED;
			}
		return SSTP_HTTP_INCOMPLETE;
	}
	{
		struct rbuf s;
		uint8_t h[5], ma, dot, mi, sp, d[3];
		rbuf_init(&s, line.p, line.len);
		if (!rbuf_copy(&s, h, 5) || memcmp(h, "HTTP/", 5) != 0 || !rbuf_u8(&s, &ma) || !rbuf_u8(&s, &dot) ||
		    !rbuf_u8(&s, &mi) || !rbuf_u8(&s, &sp) || !rbuf_copy(&s, d, 3) || ma < '0' || ma > '9' ||
		    dot != '.' || mi < '0' || mi > '9' || sp != ' ') {
			wire_fail(err, errlen, "malformed HTTP status line");
			return SSTP_HTTP_MALFORMED;
		}
		for (int i = 0; i < 3; i++)
			if (d[i] < '0' || d[i] > '9') {
				wire_fail(err, errlen, "malformed HTTP status code");
				return SSTP_HTTP_MALFORMED;
			}
		out->major = (unsigned)(ma - '0');
		out->minor = (unsigned)(mi - '0');
		out->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
		if (out->major != 1 || out->status < 100) {
			wire_fail(err, errlen, "HTTP version %u.%u status %d not acceptable", out->major, out->minor, out->status);
			return SSTP_HTTP_MALFORMED;
		}
		uint8_t c;
		if (rbuf_u8(&s, &c)) {
			if (c != ' ') {
				wire_fail(err, errlen, "malformed HTTP status line");
				return SSTP_HTTP_MALFORMED;
			}
			blob_take(&s, rbuf_left(&s), &out->reason);
		}
	}
	/* Header lines up to the empty line. */
	for (;;) {
		if (!next_line(&r, &line)) {
			if (len >= max_head) {
				wire_fail(err, errlen, "HTTP head longer than %zu bytes", max_head);
				return SSTP_HTTP_TOO_LARGE;
			}
			return SSTP_HTTP_INCOMPLETE;
		}
		if (line.len == 0)
			break;
		if (out->nheaders >= max_headers) {
			wire_fail(err, errlen, "more than %zu HTTP header lines", max_headers);
			return SSTP_HTTP_TOO_LARGE;
		}
		out->nheaders++;
		struct rbuf h;
		struct sstp_blob name = {NULL, 0}, value = {NULL, 0};
		uint8_t c = 0;
		size_t n = 0;
		rbuf_init(&h, line.p, line.len);
		while (rbuf_u8(&h, &c) && c != ':')
			n++;
		if (c != ':' || n == 0 || n == line.len) {
			wire_fail(err, errlen, "HTTP header line without a name and a colon");
			return SSTP_HTTP_MALFORMED;
		}
		rbuf_init(&h, line.p, line.len);
		blob_take(&h, n, &name);
		rbuf_skip(&h, 1);
		blob_take(&h, rbuf_left(&h), &value);
		trim(&value);
		if (name_is(&name, "Content-Length")) {
			uint64_t v = 0;
			if (!parse_u64(&value, &v) || (out->has_content_length && v != out->content_length))
				out->content_length_bad = true;
			else
				out->content_length = v;
			out->has_content_length = true;
		} else if (name_is(&name, "Server")) {
			out->server = value;
		}
	}
	out->head_len = r.off;
	return SSTP_HTTP_OK;
}
