#include "wire/eap.h"

#include <string.h>

#include "wire/wire_util.h"

#define fail(...) wire_fail(__VA_ARGS__)

int eap_parse(const uint8_t *buf, size_t len, struct eap_pkt *out, char *err, size_t errlen)
{
	struct rbuf r;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (!rbuf_u8(&r, &out->code) || !rbuf_u8(&r, &out->id) || !rbuf_u16(&r, &out->len))
		return fail(err, errlen, "EAP packet of %zu bytes", len);
	if (out->len != len)
		return fail(err, errlen, "EAP Length %u in %zu bytes", (unsigned)out->len, len);
	switch (out->code) {
	case EAP_SUCCESS:
	case EAP_FAILURE:
		if (len != 4)
			return fail(err, errlen, "EAP %s of %zu bytes (4 expected)", eap_code_name(out->code), len);
		return 0;
	case EAP_REQUEST:
	case EAP_RESPONSE:
		if (!rbuf_u8(&r, &out->type))
			return fail(err, errlen, "EAP %s without a type", eap_code_name(out->code));
		out->data_len = rbuf_left(&r);
		rbuf_bytes(&r, out->data_len, &out->data);
		return 0;
	default:
		return fail(err, errlen, "EAP code %u", (unsigned)out->code);
	}
}

int eap_mschapv2_parse(const struct eap_pkt *p, struct eap_mschapv2 *out, char *err, size_t errlen)
{
	struct rbuf r;
	memset(out, 0, sizeof *out);
	if (p->type != EAP_T_MSCHAPV2)
		return fail(err, errlen, "EAP type %u is not MSCHAPv2", (unsigned)p->type);
	rbuf_init(&r, p->data, p->data_len);
	if (!rbuf_u8(&r, &out->opcode))
		return fail(err, errlen, "MSCHAPv2 packet without an OpCode");
	/* A Success or Failure Response is the OpCode alone. */
	if (p->code == EAP_RESPONSE && rbuf_left(&r) == 0 &&
	    (out->opcode == EAP_MSCHAPV2_SUCCESS || out->opcode == EAP_MSCHAPV2_FAILURE))
		return 0;
	if (!rbuf_u8(&r, &out->ms_id) || !rbuf_u16(&r, &out->ms_len))
		return fail(err, errlen, "MSCHAPv2 header of %zu bytes", p->data_len);
	switch (out->opcode) {
	case EAP_MSCHAPV2_CHALLENGE: {
		uint8_t vs;
		if (!rbuf_u8(&r, &vs) || vs != EAP_MSCHAPV2_CHALLENGE_LEN)
			return fail(err, errlen, "MSCHAPv2 Challenge Value-Size %s (16 expected)", r.err ? "missing" : "wrong");
		if (!rbuf_bytes(&r, EAP_MSCHAPV2_CHALLENGE_LEN, &out->challenge))
			return fail(err, errlen, "MSCHAPv2 Challenge shorter than its 16-byte value");
		out->name_len = rbuf_left(&r);
		rbuf_bytes(&r, out->name_len, &out->name);
		return 0;
	}
	case EAP_MSCHAPV2_SUCCESS:
	case EAP_MSCHAPV2_FAILURE:
		out->message_len = rbuf_left(&r);
		rbuf_bytes(&r, out->message_len, &out->message);
		return 0;
	default:
		return fail(err, errlen, "MSCHAPv2 OpCode %u", (unsigned)out->opcode);
	}
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_field(const uint8_t *t, size_t n, uint8_t *out, size_t want)
{
	if (n != 2 * want)
		return false;
	for (size_t i = 0; i < want; i++) {
		int hi = hexval(t[2 * i]), lo = hexval(t[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool dec_field(const uint8_t *t, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int eap_mschapv2_msg_parse(const uint8_t *txt, size_t len, struct eap_mschapv2_msg *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t i = 0;
	while (i < len) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		size_t start = i;
		if (len - start >= 2 && txt[start] == 'M' && txt[start + 1] == '=') {
			/* M= runs to the end of the text, spaces included. */
			size_t k = 0;
			for (size_t j = start + 2; j < len && k + 1 < sizeof out->m; j++)
				out->m[k++] = txt[j] >= 0x20 && txt[j] < 0x7f ? (char)txt[j] : '?';
			out->m[k] = 0;
			out->has_m = true;
			break;
		}
		while (i < len && txt[i] != ' ')
			i++;
		size_t n = i - start;
		if (n < 2 || txt[start + 1] != '=')
			continue; /* not a key=value token: ignored */
		const uint8_t *v = txt + start + 2;
		size_t vn = n - 2;
		bool ok = true, *seen = NULL;
		switch (txt[start]) {
		case 'S': seen = &out->has_s; ok = !*seen && hex_field(v, vn, out->s, sizeof out->s); break;
		case 'E': seen = &out->has_e; ok = !*seen && dec_field(v, vn, &out->e); break;
		case 'R': seen = &out->has_r; ok = !*seen && dec_field(v, vn, &out->r); break;
		case 'C': seen = &out->has_c; ok = !*seen && hex_field(v, vn, out->c, sizeof out->c); break;
		case 'V': seen = &out->has_v; ok = !*seen && dec_field(v, vn, &out->v); break;
		default: break;
		}
		if (!ok)
			return fail(err, errlen, "MSCHAPv2 message: bad or repeated %c= value", (char)txt[start]);
		if (seen)
			*seen = true;
	}
	return 0;
}

static void header(struct wbuf *w, uint8_t id, uint8_t type)
{
	wbuf_u8(w, EAP_RESPONSE);
	wbuf_u8(w, id);
	wbuf_u16(w, 0); /* patched */
	wbuf_u8(w, type);
}

static int finish(struct wbuf *w, size_t start)
{
	size_t n = w->len - start;
	if (w->err || n > 0xffff)
		return -1;
	wbuf_put_u16_at(w, start + 2, (uint16_t)n);
	return w->err ? -1 : 0;
}

int eap_build_identity(struct wbuf *w, uint8_t id, const char *identity, size_t len)
{
	size_t s = w->len;
	header(w, id, EAP_T_IDENTITY);
	wbuf_bytes(w, identity, len);
	return finish(w, s);
}

int eap_build_nak(struct wbuf *w, uint8_t id, const uint8_t *types, size_t ntypes)
{
	size_t s = w->len;
	header(w, id, EAP_T_NAK);
	wbuf_bytes(w, types, ntypes);
	return finish(w, s);
}

int eap_build_mschapv2_response(struct wbuf *w, uint8_t id, uint8_t ms_id, const uint8_t peer_challenge[16],
				const uint8_t nt_response[24], const char *name, size_t nlen)
{
	size_t s = w->len;
	header(w, id, EAP_T_MSCHAPV2);
	wbuf_u8(w, EAP_MSCHAPV2_RESPONSE);
	wbuf_u8(w, ms_id);
	size_t ms_len_at = w->len;
	wbuf_u16(w, 0);
	wbuf_u8(w, 49);
	wbuf_bytes(w, peer_challenge, 16);
	wbuf_zero(w, 8);
	wbuf_bytes(w, nt_response, 24);
	wbuf_u8(w, 0); /* flags */
	wbuf_bytes(w, name, nlen);
	if (w->err || w->len - s < 5 || w->len - s - 5 > 0xffff)
		return -1;
	wbuf_put_u16_at(w, ms_len_at, (uint16_t)(w->len - s - 5)); /* MS-Length = EAP Length - 5 */
	return finish(w, s);
}

int eap_build_mschapv2_ack(struct wbuf *w, uint8_t id, uint8_t opcode)
{
	size_t s = w->len;
	header(w, id, EAP_T_MSCHAPV2);
	wbuf_u8(w, opcode);
	return finish(w, s);
}

const char *eap_type_name(uint8_t type)
{
	switch (type) {
	case EAP_T_IDENTITY: return "Identity";
	case EAP_T_NOTIFICATION: return "Notification";
	case EAP_T_NAK: return "Nak";
	case EAP_T_MD5: return "EAP-MD5";
	case EAP_T_GTC: return "EAP-GTC";
	case EAP_T_TLS: return "EAP-TLS";
	case EAP_T_TTLS: return "EAP-TTLS";
	case EAP_T_PEAP: return "PEAP";
	case EAP_T_MSCHAPV2: return "EAP-MSCHAPv2";
	case EAP_T_EXPANDED: return "expanded type";
	default: return NULL;
	}
}

const char *eap_code_name(uint8_t code)
{
	switch (code) {
	case EAP_REQUEST: return "Request";
	case EAP_RESPONSE: return "Response";
	case EAP_SUCCESS: return "Success";
	case EAP_FAILURE: return "Failure";
	default: return "unknown code";
	}
}
