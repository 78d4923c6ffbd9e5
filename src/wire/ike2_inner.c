#include "wire/ike2_inner.h"

#include "util/inet.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/wire_util.h"

#define fail(...) wire_fail(__VA_ARGS__) /* the codecs' shared error writer (wire/wire_util.h) */

static bool known(uint8_t t)
{
	return (t >= IKE2_PL_SA && t <= IKE2_PL_EAP) || t == IKE2_PL_SKF;
}

static int payload(uint8_t type, bool critical, struct rbuf b, struct ike2_inner *m, char *err, size_t errlen)
{
	uint8_t u8;
	uint16_t u16;
	const uint8_t *p;
	size_t n = rbuf_left(&b);
	switch (type) {
	case IKE2_PL_IDI:
	case IKE2_PL_IDR:
		if (m->has_id)
			return fail(err, errlen, "more than one ID payload");
		if (n < 4)
			return fail(err, errlen, "ID payload of %zu bytes", n);
		rbuf_bytes(&b, n, &p);
		m->has_id = true;
		m->id_type = p[0];
		m->id_body = (struct ike2_blob){p, n};
		m->id_data = (struct ike2_blob){p + 4, n - 4};
		return 0;
	case IKE2_PL_CERT:
		if (n < 1)
			return fail(err, errlen, "empty CERT payload");
		if (m->ncerts >= IKE2_MAX_CERTS) {
			m->certs_dropped++;
			return 0;
		}
		rbuf_u8(&b, &u8);
		m->certs[m->ncerts].encoding = u8;
		rbuf_bytes(&b, n - 1, &p);
		m->certs[m->ncerts].data = (struct ike2_blob){p, n - 1};
		m->ncerts++;
		return 0;
	case IKE2_PL_CERTREQ:
		m->has_certreq = true;
		return 0;
	case IKE2_PL_AUTH:
		if (m->has_auth)
			return fail(err, errlen, "more than one AUTH payload");
		if (n < 4)
			return fail(err, errlen, "AUTH payload of %zu bytes", n);
		rbuf_u8(&b, &m->auth_method);
		rbuf_skip(&b, 3);
		rbuf_bytes(&b, n - 4, &p);
		m->auth_data = (struct ike2_blob){p, n - 4};
		m->has_auth = true;
		return 0;
	case IKE2_PL_EAP:
		if (m->has_eap)
			return fail(err, errlen, "more than one EAP payload");
		if (n < 4)
			return fail(err, errlen, "EAP payload of %zu bytes", n);
		{
			struct rbuf whole = b;
			rbuf_bytes(&whole, n, &m->eap.p);
			m->eap.len = n;
		}
		rbuf_u8(&b, &m->eap_code);
		rbuf_u8(&b, &m->eap_id);
		rbuf_u16(&b, &m->eap_len);
		if (m->eap_len != n)
			return fail(err, errlen, "EAP length %u in a payload of %zu bytes", (unsigned)m->eap_len, n);
		if ((m->eap_code == IKE2_EAP_REQUEST || m->eap_code == IKE2_EAP_RESPONSE)) {
			if (n < 5)
				return fail(err, errlen, "EAP request without a type");
			rbuf_u8(&b, &m->eap_type);
		}
		m->has_eap = true;
		return 0;
	case IKE2_PL_NOTIFY: {
		if (m->nnotifies >= IKE2_MAX_NOTIFIES)
			return fail(err, errlen, "more than %d notifies", IKE2_MAX_NOTIFIES);
		struct ike2_notify *no = &m->notifies[m->nnotifies];
		if (!rbuf_u8(&b, &no->protocol) || !rbuf_u8(&b, &no->spi_size) || !rbuf_u16(&b, &no->type))
			return fail(err, errlen, "notify payload of %zu bytes", n);
		no->spi = NULL;
		if (no->spi_size && !rbuf_bytes(&b, no->spi_size, &no->spi))
			return fail(err, errlen, "notify SPI size %u exceeds its payload", (unsigned)no->spi_size);
		no->data_len = rbuf_left(&b);
		rbuf_bytes(&b, no->data_len, &no->data);
		m->nnotifies++;
		return 0;
	}
	case IKE2_PL_CP:
		if (n < 4)
			return fail(err, errlen, "CP payload of %zu bytes", n);
		rbuf_u8(&b, &m->cp_type);
		rbuf_skip(&b, 3);
		m->cp_attrs.len = rbuf_left(&b);
		rbuf_bytes(&b, m->cp_attrs.len, &m->cp_attrs.p);
		m->has_cp = true;
		(void)u16;
		return 0;
	case IKE2_PL_SA: m->has_sa = true; return 0;
	case IKE2_PL_TSI: m->has_tsi = true; return 0;
	case IKE2_PL_TSR: m->has_tsr = true; return 0;
	case IKE2_PL_DELETE: m->has_delete = true; return 0;
	case IKE2_PL_SK:
	case IKE2_PL_SKF:
		return fail(err, errlen, "an encrypted payload inside an encrypted payload");
	default:
		if (critical && !known(type))
			return fail(err, errlen, "unsupported critical payload %u", (unsigned)type);
		return 0;
	}
}

int ike2_inner_parse(uint8_t first, const uint8_t *buf, size_t len, struct ike2_inner *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	struct rbuf r;
	rbuf_init(&r, buf, len);
	uint8_t type = first;
	while (type != IKE2_PL_NONE) {
		uint8_t next, flags;
		uint16_t plen;
		if (m->npayloads >= IKE2_MAX_PAYLOADS)
			return fail(err, errlen, "more than %d payloads", IKE2_MAX_PAYLOADS);
		if (!rbuf_u8(&r, &next) || !rbuf_u8(&r, &flags) || !rbuf_u16(&r, &plen))
			return fail(err, errlen, "payload %u: generic header does not fit", (unsigned)type);
		if (plen < 4 || (size_t)plen - 4 > rbuf_left(&r))
			return fail(err, errlen, "payload %u length %u exceeds the %zu bytes left", (unsigned)type,
				    (unsigned)plen, rbuf_left(&r) + 4);
		struct rbuf body;
		rbuf_sub(&r, (size_t)plen - 4, &body);
		m->payload_types[m->npayloads++] = type;
		if (payload(type, (flags & 0x80) != 0, body, m, err, errlen) != 0)
			return -1;
		type = next;
	}
	if (rbuf_left(&r) != 0)
		return fail(err, errlen, "%zu bytes after the last payload", rbuf_left(&r));
	return 0;
}

const struct ike2_notify *ike2_inner_notify(const struct ike2_inner *in, uint16_t type)
{
	for (size_t i = 0; i < in->nnotifies; i++)
		if (in->notifies[i].type == type)
			return &in->notifies[i];
	return NULL;
}

const struct ike2_notify *ike2_inner_error(const struct ike2_inner *in)
{
	for (size_t i = 0; i < in->nnotifies; i++)
		if (in->notifies[i].type < 16384)
			return &in->notifies[i];
	return NULL;
}

/* ---------------------------------------------------------------- building */

static void w_ts(struct ike2_writer *iw, uint8_t type, const struct ike2_ts *ts, size_t n)
{
	uint8_t body[4 + 8 * 40];
	struct wbuf b;
	wbuf_init(&b, body, sizeof body);
	wbuf_u8(&b, (uint8_t)n);
	wbuf_zero(&b, 3);
	for (size_t i = 0; i < n; i++) {
		size_t al = ts[i].type == 8 ? 16 : 4;
		wbuf_u8(&b, ts[i].type);
		wbuf_u8(&b, ts[i].proto);
		wbuf_u16(&b, (uint16_t)(8 + 2 * al));
		wbuf_u16(&b, ts[i].port_lo);
		wbuf_u16(&b, ts[i].port_hi);
		wbuf_bytes(&b, ts[i].lo, al);
		wbuf_bytes(&b, ts[i].hi, al);
	}
	if (b.err || n > 8) {
		iw->w->err = true;
		return;
	}
	ike2_w_payload(iw, type, false, body, b.len);
}

/* Runs the ike2_w_* writer behind a scratch header, then removes the header again. */
static int strip_header(struct wbuf *w, size_t start, struct ike2_writer *iw, uint8_t *first)
{
	if (ike2_w_end(iw) < 0 || w->err || w->len < start + IKE2_HDR_LEN)
		return -1;
	*first = w->p[start + 16];
	memmove(w->p + start, w->p + start + IKE2_HDR_LEN, w->len - start - IKE2_HDR_LEN);
	w->len -= IKE2_HDR_LEN;
	return 0;
}

int ike2_build_auth_inner(struct wbuf *w, const struct ike2_auth_req *in, uint8_t *first)
{
	struct ike2_writer iw;
	struct ike2_header h = {0};
	size_t start = w->len;
	ike2_w_begin(&iw, w, &h);
	uint8_t idb[4 + 256];
	if (in->id_len > 256)
		return -1;
	memset(idb, 0, 4);
	idb[0] = in->id_type;
	memcpy(idb + 4, in->id, in->id_len);
	ike2_w_payload(&iw, IKE2_PL_IDI, false, idb, 4 + in->id_len);
	if (in->auth_method) {
		uint8_t ab[4 + 64];
		if (in->auth_len > 64)
			return -1;
		memset(ab, 0, 4);
		ab[0] = in->auth_method;
		memcpy(ab + 4, in->auth, in->auth_len);
		ike2_w_payload(&iw, IKE2_PL_AUTH, false, ab, 4 + in->auth_len);
	}
	if (in->certreq) {
		uint8_t cr[1 + 20 * IKE2_MAX_CERTREQ_HASHES];
		if (in->certreq_len > sizeof cr - 1)
			return -1;
		cr[0] = IKE2_CERT_X509_SIG;
		memcpy(cr + 1, in->certreq_hashes, in->certreq_len);
		ike2_w_payload(&iw, IKE2_PL_CERTREQ, false, cr, 1 + in->certreq_len);
	}
	for (size_t i = 0; i < in->nnotifies; i++)
		ike2_w_notify(&iw, 0, in->notifies[i], NULL, 0, NULL, 0);
	if (in->cp_type) {
		uint8_t cp[4 + 4 * 16];
		struct wbuf b;
		wbuf_init(&b, cp, sizeof cp);
		wbuf_u8(&b, in->cp_type);
		wbuf_zero(&b, 3);
		for (size_t i = 0; i < in->ncp_attrs; i++) {
			wbuf_u16(&b, in->cp_attrs[i] & 0x7fff);
			wbuf_u16(&b, 0);
		}
		if (b.err)
			return -1;
		ike2_w_payload(&iw, IKE2_PL_CP, false, cp, b.len);
	}
	ike2_w_sa(&iw, in->child, in->nchild);
	w_ts(&iw, IKE2_PL_TSI, in->tsi, in->ntsi);
	w_ts(&iw, IKE2_PL_TSR, in->tsr, in->ntsr);
	return strip_header(w, start, &iw, first);
}

int ike2_build_eap_inner(struct wbuf *w, const uint8_t *eap, size_t len, uint8_t *first)
{
	struct ike2_writer iw;
	struct ike2_header h = {0};
	size_t start = w->len;
	ike2_w_begin(&iw, w, &h);
	ike2_w_payload(&iw, IKE2_PL_EAP, false, eap, len);
	return strip_header(w, start, &iw, first);
}

int ike2_build_auth_only_inner(struct wbuf *w, uint8_t method, const uint8_t *auth, size_t len, uint8_t *first)
{
	struct ike2_writer iw;
	struct ike2_header h = {0};
	size_t start = w->len;
	uint8_t ab[4 + 64] = {0};
	if (len > 64)
		return -1;
	ab[0] = method;
	memcpy(ab + 4, auth, len);
	ike2_w_begin(&iw, w, &h);
	ike2_w_payload(&iw, IKE2_PL_AUTH, false, ab, 4 + len);
	return strip_header(w, start, &iw, first);
}

int ike2_cp_address(const uint8_t *attrs, size_t len, uint8_t addr[16])
{
	struct rbuf r;
	rbuf_init(&r, attrs, len);
	while (rbuf_left(&r) >= 4) {
		uint16_t type, alen;
		const uint8_t *v;
		rbuf_u16(&r, &type);
		rbuf_u16(&r, &alen);
		if (!rbuf_bytes(&r, alen, &v))
			return 0;
		type &= 0x7fff;
		if (type == 1 && alen == 4) { /* INTERNAL_IP4_ADDRESS */
			memcpy(addr, v, 4);
			return 4;
		}
		if (type == 8 && alen == 17) { /* INTERNAL_IP6_ADDRESS: address | prefix length */
			memcpy(addr, v, 16);
			return 6;
		}
	}
	return 0;
}

int ike2_build_delete_inner(struct wbuf *w, uint8_t *first)
{
	struct ike2_writer iw;
	struct ike2_header h = {0};
	size_t start = w->len;
	static const uint8_t del[4] = {1, 0, 0, 0}; /* protocol IKE, SPI size 0, 0 SPIs */
	ike2_w_begin(&iw, w, &h);
	ike2_w_payload(&iw, IKE2_PL_DELETE, false, del, sizeof del);
	return strip_header(w, start, &iw, first);
}

/* ---------------------------------------------------------------- names */

const char *ike2_auth_method_name(uint8_t method)
{
	switch (method) {
	case IKE2_AUTH_RSA_SIG: return "RSA signature (PKCS#1 v1.5, SHA-1)";
	case IKE2_AUTH_PSK: return "shared key";
	case IKE2_AUTH_DSS: return "DSS signature";
	case IKE2_AUTH_ECDSA_256: return "ECDSA P-256 SHA-256";
	case IKE2_AUTH_ECDSA_384: return "ECDSA P-384 SHA-384";
	case IKE2_AUTH_ECDSA_521: return "ECDSA P-521 SHA-512";
	case IKE2_AUTH_DIGITAL_SIG: return "digital signature (RFC 7427)";
	default: return "unknown";
	}
}

const char *ike2_id_type_name(uint8_t type)
{
	switch (type) {
	case IKE2_ID_IPV4_ADDR: return "IPV4_ADDR";
	case IKE2_ID_FQDN: return "FQDN";
	case IKE2_ID_RFC822_ADDR: return "RFC822_ADDR";
	case IKE2_ID_IPV6_ADDR: return "IPV6_ADDR";
	case IKE2_ID_DER_ASN1_DN: return "DER_ASN1_DN";
	case IKE2_ID_DER_ASN1_GN: return "DER_ASN1_GN";
	case IKE2_ID_KEY_ID: return "KEY_ID";
	default: return "UNKNOWN";
	}
}

static void app(char *out, size_t outlen, size_t *pos, const char *fmt, ...) __attribute__((format(VD_PRINTF, 4, 5)));
static void app(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
{
	if (*pos >= outlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *pos, outlen - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + (size_t)n < outlen ? *pos + (size_t)n : outlen;
}

void ike2_inner_str(const struct ike2_inner *in, char *out, size_t outlen)
{
	size_t pos = 0;
	if (!outlen)
		return;
	out[0] = 0;
	if (in->has_id) {
		char v[80] = "";
		if ((in->id_type == IKE2_ID_FQDN || in->id_type == IKE2_ID_RFC822_ADDR) && in->id_data.len) {
			size_t k = 0;
			for (size_t i = 0; i < in->id_data.len && k + 1 < sizeof v; i++) {
				uint8_t c = in->id_data.p[i];
				v[k++] = (c >= 0x21 && c < 0x7f) ? (char)c : '?';
			}
			v[k] = 0;
		} else if (in->id_type == IKE2_ID_IPV4_ADDR && in->id_data.len == 4) {
			inet_ntop(AF_INET, in->id_data.p, v, sizeof v);
		} else if (in->id_type == IKE2_ID_IPV6_ADDR && in->id_data.len == 16) {
			inet_ntop(AF_INET6, in->id_data.p, v, sizeof v);
		} else {
			snprintf(v, sizeof v, "%zu bytes", in->id_data.len);
		}
		app(out, outlen, &pos, "ID(%s %s)", ike2_id_type_name(in->id_type), v);
	}
	if (in->ncerts)
		app(out, outlen, &pos, " CERTx%zu", in->ncerts + in->certs_dropped);
	if (in->has_certreq)
		app(out, outlen, &pos, " CERTREQ");
	if (in->has_auth)
		app(out, outlen, &pos, " AUTH(%u %s)", (unsigned)in->auth_method, ike2_auth_method_name(in->auth_method));
	if (in->has_eap)
		app(out, outlen, &pos, " EAP(code %u type %u)", (unsigned)in->eap_code, (unsigned)in->eap_type);
	if (in->has_cp)
		app(out, outlen, &pos, " CP(%u)", (unsigned)in->cp_type);
	if (in->has_sa)
		app(out, outlen, &pos, " SA");
	if (in->has_tsi)
		app(out, outlen, &pos, " TSi");
	if (in->has_tsr)
		app(out, outlen, &pos, " TSr");
	if (in->has_delete)
		app(out, outlen, &pos, " D");
	for (size_t i = 0; i < in->nnotifies; i++)
		app(out, outlen, &pos, " N(%s)", ike2_notify_name(in->notifies[i].type));
	if (pos == 0)
		app(out, outlen, &pos, "(no payloads)");
}
