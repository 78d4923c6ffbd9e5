/* IKEv1 / ISAKMP codec (wire/ikev1.h). All reads go through struct rbuf, all writes through
 * struct wbuf; parsed pointers point into the caller's buffer. */
#include "wire/ikev1.h"

#include <string.h>

#include "wire/wire_util.h"

/* ---- name tables ---- */

static const struct wire_name exchange_names[] = {IKE1_EXCHANGE_LIST(WIRE_X_NAME)};
static const struct wire_name payload_names[] = {IKE1_PAYLOAD_LIST(WIRE_X_NAME)};
static const struct wire_name notify_names[] = {IKE1_NOTIFY_LIST(WIRE_X_NAME)};
static const struct wire_name attr_names[] = {IKE1_ATTR_LIST(WIRE_X_NAME)};
static const struct wire_name enc_names[] = {IKE1_ENC_LIST(WIRE_X_NAME)};
static const struct wire_name hash_names[] = {IKE1_HASH_LIST(WIRE_X_NAME)};
static const struct wire_name auth_names[] = {IKE1_AUTH_LIST(WIRE_X_NAME)};
static const struct wire_name group_names[] = {IKE1_GROUP_LIST(WIRE_X_NAME)};
static const struct wire_name life_names[] = {IKE1_LIFE_LIST(WIRE_X_NAME)};
static const struct wire_name id_names[] = {IKE1_ID_LIST(WIRE_X_NAME)};

const char *ike1_exchange_name(uint8_t v) { return WIRE_NAME(exchange_names, v); }
const char *ike1_payload_name(uint8_t v) { return WIRE_NAME(payload_names, v); }
const char *ike1_notify_name(uint16_t v) { return WIRE_NAME(notify_names, v); }
const char *ike1_attr_name(uint16_t type) { return WIRE_NAME(attr_names, type); }
const char *ike1_id_name(uint8_t v) { return WIRE_NAME(id_names, v); }

const char *ike1_attr_value_name(uint16_t type, uint16_t value)
{
	switch (type) {
	case IKE1_A_ENCRYPTION_ALGORITHM: return WIRE_NAME(enc_names, value);
	case IKE1_A_HASH_ALGORITHM:
	case IKE1_A_PRF: return WIRE_NAME(hash_names, value);
	case IKE1_A_AUTHENTICATION_METHOD: return WIRE_NAME(auth_names, value);
	case IKE1_A_GROUP_DESCRIPTION: return WIRE_NAME(group_names, value);
	case IKE1_A_LIFE_TYPE: return WIRE_NAME(life_names, value);
	default: return "UNKNOWN";
	}
}

static void str_named(char *out, size_t outlen, size_t *pos, const char *sep, uint16_t type, uint16_t v)
{
	const char *n = ike1_attr_value_name(type, v);
	if (strcmp(n, "UNKNOWN") == 0)
		wire_str_append(out, outlen, pos, "%s%s_%u", sep, ike1_attr_name(type), (unsigned)v);
	else
		wire_str_append(out, outlen, pos, "%s%s", sep, n);
}

void ike1_transform_str(const struct ike1_transform *t, char *out, size_t outlen)
{
	size_t pos = 0;
	if (!outlen)
		return;
	out[0] = '\0';
	str_named(out, outlen, &pos, "", IKE1_A_ENCRYPTION_ALGORITHM, t->enc);
	if (t->key_len)
		wire_str_append(out, outlen, &pos, "_%u", (unsigned)t->key_len);
	str_named(out, outlen, &pos, "/", IKE1_A_HASH_ALGORITHM, t->hash);
	str_named(out, outlen, &pos, "/", IKE1_A_GROUP_DESCRIPTION, t->group);
	str_named(out, outlen, &pos, "/", IKE1_A_AUTHENTICATION_METHOD, t->auth);
	if (t->life_seconds)
		wire_str_append(out, outlen, &pos, "/%llus", (unsigned long long)t->life_seconds);
}

/* ---- vendor IDs ---- */

const uint8_t ike1_vid_rfc3947[16] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
				      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
const uint8_t ike1_vid_natt_draft02n[16] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
					    0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
static const uint8_t vid_ms_unknown1[20] = {0x01, 0x52, 0x8b, 0xbb, 0xc0, 0x06, 0x96, 0x12, 0x18, 0x49,
					    0xab, 0x9a, 0x1c, 0x5b, 0x2a, 0x51, 0x00, 0x00, 0x00, 0x01};
static const uint8_t vid_ms_nt5_v9[20] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
					  0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0x00, 0x00, 0x00, 0x09};
static const uint8_t vid_fragmentation[16] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
					      0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3};
static const uint8_t vid_ms_negdisc[16] = {0xfb, 0x1d, 0xe3, 0xcd, 0xf3, 0x41, 0xb7, 0xea,
					   0x16, 0xb7, 0xe5, 0xbe, 0x08, 0x55, 0xf1, 0x20};
static const uint8_t vid_initial_contact[16] = {0x26, 0x24, 0x4d, 0x38, 0xed, 0xdb, 0x61, 0xb3,
						0x17, 0x2a, 0x36, 0xe3, 0xd0, 0xcf, 0xb8, 0x19};
static const uint8_t vid_cga1[16] = {0xe3, 0xa5, 0x96, 0x6a, 0x76, 0x37, 0x9f, 0xe7,
				     0x07, 0x22, 0x82, 0x31, 0xe5, 0xce, 0x86, 0x52};
static const uint8_t vid_mamie[16] = {0x21, 0x4c, 0xa4, 0xfa, 0xff, 0xa7, 0xf3, 0x2d,
				      0x67, 0x48, 0xe5, 0x30, 0x33, 0x95, 0xae, 0x83};
static const uint8_t vid_strongswan[16] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
					   0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
static const uint8_t vid_natt02[16] = {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
				       0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48};
static const uint8_t vid_natt03[16] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
				       0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
static const uint8_t vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
static const uint8_t vid_xauth[8] = {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12};
static const uint8_t vid_unity[16] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
				      0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};

const struct ike1_blob ike1_windows_mm1_vids[8] = {
	{vid_ms_unknown1, sizeof vid_ms_unknown1}, {vid_ms_nt5_v9, sizeof vid_ms_nt5_v9},
	{ike1_vid_rfc3947, 16},                    {ike1_vid_natt_draft02n, 16},
	{vid_fragmentation, 16},                   {vid_ms_negdisc, 16},
	{vid_initial_contact, 16},                 {vid_cga1, 16},
};

const struct ike1_tspec ike1_windows_mm1_transforms[5] = {
	{IKE1_ENC_AES_CBC, 256, IKE1_HASH_SHA1, IKE1_GROUP_ECP_384, IKE1_AUTH_PRE_SHARED_KEY, 28800},
	{IKE1_ENC_AES_CBC, 128, IKE1_HASH_SHA1, IKE1_GROUP_ECP_256, IKE1_AUTH_PRE_SHARED_KEY, 28800},
	{IKE1_ENC_AES_CBC, 256, IKE1_HASH_SHA1, IKE1_GROUP_MODP_2048, IKE1_AUTH_PRE_SHARED_KEY, 28800},
	{IKE1_ENC_3DES_CBC, 0, IKE1_HASH_SHA1, IKE1_GROUP_MODP_2048, IKE1_AUTH_PRE_SHARED_KEY, 28800},
	{IKE1_ENC_3DES_CBC, 0, IKE1_HASH_SHA1, IKE1_GROUP_MODP_1024, IKE1_AUTH_PRE_SHARED_KEY, 28800},
};

/* Known VIDs: exact (full length) or prefix match (versioned / capability suffixes). */
struct vid_name {
	const uint8_t *p;
	size_t len;
	bool prefix;
	const char *name;
};
static const struct vid_name vid_names[] = {
	{ike1_vid_rfc3947, 16, false, "RFC 3947"},
	{ike1_vid_natt_draft02n, 16, false, "draft-ietf-ipsec-nat-t-ike-02\\n"},
	{vid_natt02, 16, false, "draft-ietf-ipsec-nat-t-ike-02"},
	{vid_natt03, 16, false, "draft-ietf-ipsec-nat-t-ike-03"},
	{vid_ms_nt5_v9, 20, false, "MS NT5 ISAKMPOAKLEY v9"},
	{vid_ms_nt5_v9, 16, true, "MS NT5 ISAKMPOAKLEY"},
	{vid_ms_unknown1, 16, true, "Microsoft (undocumented 01528bbb...)"},
	{vid_fragmentation, 16, true, "FRAGMENTATION"},
	{vid_ms_negdisc, 16, false, "MS-Negotiation Discovery Capable"},
	{vid_initial_contact, 16, false, "Vid-Initial-Contact"},
	{vid_cga1, 16, false, "IKE CGA version 1"},
	{vid_mamie, 16, false, "MS-MamieExists"},
	{vid_strongswan, 16, true, "strongSwan"},
	{vid_dpd, 16, false, "DPD"},
	{vid_xauth, 8, false, "XAUTH"},
	{vid_unity, 16, false, "Cisco Unity"},
};

const char *ike1_vid_name(const uint8_t *vid, size_t len)
{
	if (!vid)
		return NULL;
	for (size_t i = 0; i < sizeof vid_names / sizeof vid_names[0]; i++) {
		const struct vid_name *v = &vid_names[i];
		if (v->prefix ? len >= v->len : len == v->len)
			if (memcmp(vid, v->p, v->len) == 0)
				return v->name;
	}
	return NULL;
}

/* ---- parsing ---- */

static void blob_of(struct rbuf *r, size_t n, struct ike1_blob *b) { wire_take(r, n, &b->p, &b->len); }

/* Reads a TLV Life Duration value of up to 8 bytes as an integer. */
static uint64_t tlv_uint(const struct ike1_blob *v, bool *too_long)
{
	struct rbuf r;
	uint64_t x = 0;
	uint8_t b;
	*too_long = v->len > 8;
	rbuf_init(&r, v->p, v->len);
	while (rbuf_u8(&r, &b))
		x = x << 8 | b;
	return *too_long ? UINT64_MAX : x;
}

static int parse_transform(struct rbuf *r, struct ike1_transform *t, char *err, size_t errlen)
{
	uint16_t res;
	uint16_t last_life = 0;
	memset(t, 0, sizeof *t);
	if (!rbuf_u8(r, &t->num) || !rbuf_u8(r, &t->id) || !rbuf_u16(r, &res))
		return wire_fail(err, errlen, "transform header truncated");
	while (rbuf_left(r) > 0) {
		uint16_t af_type, v16;
		struct ike1_attr a;
		memset(&a, 0, sizeof a);
		if (!rbuf_u16(r, &af_type) || !rbuf_u16(r, &v16))
			return wire_fail(err, errlen, "transform %u: attribute header truncated", (unsigned)t->num);
		a.type = af_type & 0x7fff;
		if (af_type & 0x8000) {
			a.tv = true;
			a.tv_value = v16;
		} else {
			if (v16 > rbuf_left(r))
				return wire_fail(err, errlen, "transform %u: attribute %u length %u exceeds the %zu bytes left",
						 (unsigned)t->num, (unsigned)a.type, (unsigned)v16, rbuf_left(r));
			blob_of(r, v16, &a.v);
		}
		if (t->nattrs >= IKE1_MAX_ATTRS)
			return wire_fail(err, errlen, "transform %u: more than %d attributes", (unsigned)t->num,
					 IKE1_MAX_ATTRS);
		t->attrs[t->nattrs++] = a;
		uint16_t val = a.tv_value;
		switch (a.type) {
		case IKE1_A_ENCRYPTION_ALGORITHM:
		case IKE1_A_HASH_ALGORITHM:
		case IKE1_A_AUTHENTICATION_METHOD:
		case IKE1_A_GROUP_DESCRIPTION:
		case IKE1_A_LIFE_TYPE:
		case IKE1_A_KEY_LENGTH:
		case IKE1_A_PRF:
			if (!a.tv)
				return wire_fail(err, errlen, "transform %u: attribute %s must be TV", (unsigned)t->num,
						 ike1_attr_name(a.type));
			break;
		default:
			break;
		}
		switch (a.type) {
		case IKE1_A_ENCRYPTION_ALGORITHM: t->enc = val; break;
		case IKE1_A_HASH_ALGORITHM: t->hash = val; break;
		case IKE1_A_AUTHENTICATION_METHOD: t->auth = val; break;
		case IKE1_A_GROUP_DESCRIPTION: t->group = val; break;
		case IKE1_A_KEY_LENGTH: t->key_len = val; break;
		case IKE1_A_PRF: t->prf = val; break;
		case IKE1_A_LIFE_TYPE: last_life = val; break;
		case IKE1_A_LIFE_DURATION: {
			bool too_long = false;
			uint64_t d = a.tv ? a.tv_value : tlv_uint(&a.v, &too_long);
			t->life_too_long |= too_long;
			if (last_life == IKE1_LIFE_SECONDS)
				t->life_seconds = d;
			else if (last_life == IKE1_LIFE_KILOBYTES)
				t->life_kbytes = d;
			break;
		}
		default: break;
		}
	}
	return 0;
}

static int parse_proposal(struct rbuf *r, struct ike1_proposal *p, char *err, size_t errlen)
{
	uint8_t ntrans;
	memset(p, 0, sizeof *p);
	if (!rbuf_u8(r, &p->num) || !rbuf_u8(r, &p->protocol) || !rbuf_u8(r, &p->spi_size) || !rbuf_u8(r, &ntrans))
		return wire_fail(err, errlen, "proposal header truncated");
	if (p->spi_size > rbuf_left(r))
		return wire_fail(err, errlen, "proposal %u: SPI size %u exceeds the %zu bytes left", (unsigned)p->num,
				 (unsigned)p->spi_size, rbuf_left(r));
	blob_of(r, p->spi_size, &p->spi);
	uint8_t np = IKE1_PL_TRANSFORM;
	while (rbuf_left(r) > 0) {
		uint8_t res;
		uint16_t plen;
		struct rbuf sub;
		if (np != IKE1_PL_TRANSFORM)
			return wire_fail(err, errlen, "proposal %u: %zu bytes after the last transform", (unsigned)p->num,
					 rbuf_left(r));
		if (!rbuf_u8(r, &np) || !rbuf_u8(r, &res) || !rbuf_u16(r, &plen))
			return wire_fail(err, errlen, "proposal %u: transform header truncated", (unsigned)p->num);
		if (np != 0 && np != IKE1_PL_TRANSFORM)
			return wire_fail(err, errlen, "proposal %u: transform Next Payload %u", (unsigned)p->num,
					 (unsigned)np);
		if (plen < 8 || plen - 4u > rbuf_left(r))
			return wire_fail(err, errlen, "proposal %u: transform length %u invalid for the %zu bytes left",
					 (unsigned)p->num, (unsigned)plen, rbuf_left(r) + 4);
		if (p->ntransforms >= IKE1_MAX_TRANSFORMS)
			return wire_fail(err, errlen, "proposal %u: more than %d transforms", (unsigned)p->num,
					 IKE1_MAX_TRANSFORMS);
		rbuf_sub(r, plen - 4u, &sub);
		if (parse_transform(&sub, &p->t[p->ntransforms], err, errlen) != 0)
			return -1;
		p->ntransforms++;
	}
	if (np != 0)
		return wire_fail(err, errlen, "proposal %u: last transform has Next Payload %u", (unsigned)p->num,
				 (unsigned)np);
	if (p->ntransforms != ntrans)
		return wire_fail(err, errlen, "proposal %u: %u transforms announced, %zu present", (unsigned)p->num,
				 (unsigned)ntrans, p->ntransforms);
	return 0;
}

static int parse_sa(struct rbuf *r, struct ike1_sa *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof *sa);
	sa->body.p = NULL;
	sa->body.len = rbuf_left(r);
	{
		struct rbuf copy = *r;
		blob_of(&copy, sa->body.len, &sa->body);
	}
	if (!rbuf_u32(r, &sa->doi))
		return wire_fail(err, errlen, "SA truncated before DOI");
	if (sa->doi == IKE1_DOI_IPSEC && !rbuf_u32(r, &sa->situation))
		return wire_fail(err, errlen, "SA truncated before situation");
	uint8_t np = IKE1_PL_PROPOSAL;
	while (rbuf_left(r) > 0) {
		uint8_t res;
		uint16_t plen;
		struct rbuf sub;
		if (np != IKE1_PL_PROPOSAL)
			return wire_fail(err, errlen, "SA: %zu bytes after the last proposal", rbuf_left(r));
		if (!rbuf_u8(r, &np) || !rbuf_u8(r, &res) || !rbuf_u16(r, &plen))
			return wire_fail(err, errlen, "SA: proposal header truncated");
		if (np != 0 && np != IKE1_PL_PROPOSAL)
			return wire_fail(err, errlen, "SA: proposal Next Payload %u", (unsigned)np);
		if (plen < 8 || plen - 4u > rbuf_left(r))
			return wire_fail(err, errlen, "SA: proposal length %u invalid for the %zu bytes left", (unsigned)plen,
					 rbuf_left(r) + 4);
		if (sa->nproposals >= IKE1_MAX_PROPOSALS)
			return wire_fail(err, errlen, "SA: more than %d proposals", IKE1_MAX_PROPOSALS);
		rbuf_sub(r, plen - 4u, &sub);
		if (parse_proposal(&sub, &sa->p[sa->nproposals], err, errlen) != 0)
			return -1;
		sa->nproposals++;
	}
	if (np != 0)
		return wire_fail(err, errlen, "SA: last proposal has Next Payload %u", (unsigned)np);
	if (sa->doi == IKE1_DOI_IPSEC && sa->nproposals == 0)
		return wire_fail(err, errlen, "SA without a proposal");
	return 0;
}

/* Parses one payload body of the given type into m. */
static int parse_payload(uint8_t type, struct rbuf *r, struct ike1_msg *m, char *err, size_t errlen)
{
	size_t n = rbuf_left(r);
	switch (type) {
	case IKE1_PL_SA:
		if (m->has_sa)
			return wire_fail(err, errlen, "more than one SA payload");
		m->has_sa = true;
		return parse_sa(r, &m->sa, err, errlen);
	case IKE1_PL_KE:
		if (m->has_ke)
			return wire_fail(err, errlen, "more than one KE payload");
		if (n == 0)
			return wire_fail(err, errlen, "empty KE payload");
		m->has_ke = true;
		blob_of(r, n, &m->ke);
		return 0;
	case IKE1_PL_NONCE:
		if (m->has_nonce)
			return wire_fail(err, errlen, "more than one Nonce payload");
		m->has_nonce = true;
		blob_of(r, n, &m->nonce);
		return 0;
	case IKE1_PL_HASH:
		if (m->has_hash)
			return wire_fail(err, errlen, "more than one HASH payload");
		m->has_hash = true;
		blob_of(r, n, &m->hash);
		return 0;
	case IKE1_PL_SIG:
		m->has_sig = true;
		blob_of(r, n, &m->sig);
		return 0;
	case IKE1_PL_ID: {
		struct ike1_id_pl *id = &m->id;
		if (m->has_id)
			return wire_fail(err, errlen, "more than one ID payload");
		struct rbuf copy = *r;
		blob_of(&copy, n, &id->body);
		if (!rbuf_u8(r, &id->type) || !rbuf_u8(r, &id->protocol) || !rbuf_u16(r, &id->port))
			return wire_fail(err, errlen, "ID payload truncated");
		blob_of(r, rbuf_left(r), &id->data);
		m->has_id = true;
		return 0;
	}
	case IKE1_PL_N: {
		if (m->nnotifies >= IKE1_MAX_NOTIFIES)
			return wire_fail(err, errlen, "more than %d notifications", IKE1_MAX_NOTIFIES);
		struct ike1_notify_pl *no = &m->notifies[m->nnotifies];
		memset(no, 0, sizeof *no);
		if (!rbuf_u32(r, &no->doi) || !rbuf_u8(r, &no->protocol) || !rbuf_u8(r, &no->spi_size) ||
		    !rbuf_u16(r, &no->type))
			return wire_fail(err, errlen, "notification payload truncated");
		if (no->spi_size > rbuf_left(r))
			return wire_fail(err, errlen, "notification %u: SPI size %u exceeds the %zu bytes left",
					 (unsigned)no->type, (unsigned)no->spi_size, rbuf_left(r));
		blob_of(r, no->spi_size, &no->spi);
		blob_of(r, rbuf_left(r), &no->data);
		m->nnotifies++;
		return 0;
	}
	case IKE1_PL_D: {
		if (m->ndeletes >= IKE1_MAX_DELETES)
			return wire_fail(err, errlen, "more than %d delete payloads", IKE1_MAX_DELETES);
		struct ike1_delete_pl *d = &m->deletes[m->ndeletes];
		memset(d, 0, sizeof *d);
		if (!rbuf_u32(r, &d->doi) || !rbuf_u8(r, &d->protocol) || !rbuf_u8(r, &d->spi_size) ||
		    !rbuf_u16(r, &d->nspis))
			return wire_fail(err, errlen, "delete payload truncated");
		size_t need = (size_t)d->spi_size * d->nspis;
		if (need != rbuf_left(r))
			return wire_fail(err, errlen, "delete: %u SPIs of %u bytes do not fill the %zu bytes left",
					 (unsigned)d->nspis, (unsigned)d->spi_size, rbuf_left(r));
		blob_of(r, need, &d->spis);
		m->ndeletes++;
		return 0;
	}
	case IKE1_PL_VID:
		if (m->nvids >= IKE1_MAX_VIDS)
			return wire_fail(err, errlen, "more than %d vendor IDs", IKE1_MAX_VIDS);
		blob_of(r, n, &m->vids[m->nvids++]);
		return 0;
	case IKE1_PL_NAT_D:
	case IKE1_PL_NAT_D_DRAFT:
		if (m->nnatd >= IKE1_MAX_NATD)
			return wire_fail(err, errlen, "more than %d NAT-D payloads", IKE1_MAX_NATD);
		if (n == 0)
			return wire_fail(err, errlen, "empty NAT-D payload");
		if (type == IKE1_PL_NAT_D_DRAFT)
			m->natd_draft = true;
		blob_of(r, n, &m->natd[m->nnatd++]);
		return 0;
	case IKE1_PL_NAT_OA:
	case IKE1_PL_NAT_OA_DRAFT:
		if (m->nnatoa < 2)
			blob_of(r, n, &m->natoa[m->nnatoa++]);
		return 0;
	case IKE1_PL_CERT:
	case IKE1_PL_CR: {
		bool cert = type == IKE1_PL_CERT;
		size_t *cnt = cert ? &m->ncerts : &m->ncrs;
		struct ike1_cert_pl *c = cert ? &m->certs[*cnt] : &m->crs[*cnt];
		if (*cnt >= IKE1_MAX_CERTS)
			return wire_fail(err, errlen, "more than %d %s payloads", IKE1_MAX_CERTS, cert ? "CERT" : "CR");
		if (!rbuf_u8(r, &c->encoding))
			return wire_fail(err, errlen, "%s payload truncated", cert ? "CERT" : "CR");
		blob_of(r, rbuf_left(r), &c->data);
		(*cnt)++;
		return 0;
	}
	default:
		return 0; /* unknown or unused payload: skipped */
	}
}

/* Walks a payload chain starting with type first over r. allow_pad: bytes after the chain are
 * padding (decrypted plaintext) rather than an error. */
static int parse_chain(uint8_t first, struct rbuf *r, bool allow_pad, struct ike1_msg *m, char *err, size_t errlen)
{
	uint8_t np = first;
	size_t start_left = rbuf_left(r);
	while (np != IKE1_PL_NONE) {
		uint8_t type = np, res;
		uint16_t plen;
		struct rbuf body;
		if (rbuf_left(r) < 4)
			return wire_fail(err, errlen, "payload %u header truncated (%zu bytes left)", (unsigned)type,
					 rbuf_left(r));
		if (m->npayloads >= IKE1_MAX_PAYLOADS)
			return wire_fail(err, errlen, "more than %d payloads", IKE1_MAX_PAYLOADS);
		rbuf_u8(r, &np);
		rbuf_u8(r, &res);
		rbuf_u16(r, &plen);
		if (plen < 4 || plen - 4u > rbuf_left(r))
			return wire_fail(err, errlen, "payload %u length %u exceeds the %zu bytes left", (unsigned)type,
					 (unsigned)plen, rbuf_left(r) + 4);
		if (type == IKE1_PL_PROPOSAL || type == IKE1_PL_TRANSFORM)
			return wire_fail(err, errlen, "payload %u outside an SA", (unsigned)type);
		if (m->npayloads == 0)
			m->first_pl_len = plen;
		m->payload_types[m->npayloads++] = type;
		rbuf_sub(r, plen - 4u, &body);
		if (parse_payload(type, &body, m, err, errlen) != 0)
			return -1;
	}
	m->chain_len = start_left - rbuf_left(r);
	if (rbuf_left(r) > 0) {
		if (!allow_pad)
			return wire_fail(err, errlen, "%zu bytes after the last payload", rbuf_left(r));
		m->pad_len = rbuf_left(r);
	}
	return 0;
}

static int parse_header(struct rbuf *r, struct ike1_header *h, char *err, size_t errlen)
{
	if (!rbuf_copy(r, h->cky_i, 8) || !rbuf_copy(r, h->cky_r, 8) || !rbuf_u8(r, &h->next_payload) ||
	    !rbuf_u8(r, &h->version) || !rbuf_u8(r, &h->exchange) || !rbuf_u8(r, &h->flags) ||
	    !rbuf_u32(r, &h->msg_id) || !rbuf_u32(r, &h->length))
		return wire_fail(err, errlen, "shorter than the 28-byte ISAKMP header");
	if ((h->version >> 4) != 1)
		return wire_fail(err, errlen, "ISAKMP major version %u, not 1", (unsigned)(h->version >> 4));
	return 0;
}

int ike1_parse(const uint8_t *buf, size_t len, struct ike1_msg *out, char *err, size_t errlen)
{
	struct rbuf r, body;
	memset(out, 0, sizeof *out);
	rbuf_init(&r, buf, len);
	if (parse_header(&r, &out->hdr, err, errlen) != 0)
		return -1;
	if (out->hdr.length < IKE1_HDR_LEN)
		return wire_fail(err, errlen, "header Length %u is below 28", (unsigned)out->hdr.length);
	if (out->hdr.length > len)
		return wire_fail(err, errlen, "header Length %u exceeds the %zu bytes received", (unsigned)out->hdr.length,
				 len);
	out->raw = buf;
	out->raw_len = out->hdr.length;
	out->trailing = len - out->hdr.length;
	rbuf_sub(&r, out->hdr.length - IKE1_HDR_LEN, &body);
	if (out->hdr.flags & IKE1_F_ENCRYPTION) {
		out->encrypted = true;
		blob_of(&body, rbuf_left(&body), &out->ciphertext);
		return 0;
	}
	return parse_chain(out->hdr.next_payload, &body, false, out, err, errlen);
}

int ike1_parse_plain(const struct ike1_header *hdr, const uint8_t *plain, size_t len, struct ike1_msg *out,
		     char *err, size_t errlen)
{
	struct rbuf r;
	memset(out, 0, sizeof *out);
	out->hdr = *hdr;
	out->raw = plain;
	out->raw_len = len;
	rbuf_init(&r, plain, len);
	return parse_chain(hdr->next_payload, &r, true, out, err, errlen);
}

/* ---- reply checks ---- */

const char *ike1_reply_status_name(enum ike1_reply_status s)
{
	switch (s) {
	case IKE1_REPLY_OK: return "a reply to our request";
	case IKE1_REPLY_NOT_OUR_COOKIE: return "not our initiator cookie";
	case IKE1_REPLY_WRONG_EXCHANGE: return "our cookie, but neither our exchange type nor Informational";
	case IKE1_REPLY_ZERO_CKY_R: return "responder cookie zero: our own request reflected, or not a reply";
	case IKE1_REPLY_OTHER_CKY_R: return "another responder cookie than in MM2";
	case IKE1_REPLY_UNEXPECTED: return "our cookies, but not the message this step waits for";
	case IKE1_REPLY_RETRANSMIT: return "the server's previous message again (a retransmission)";
	case IKE1_REPLY_ENCRYPTED: return "encrypted where only a clear message can come";
	case IKE1_REPLY_BAD_SOURCE: return "not from the address and port the request went to";
	case IKE1_REPLY_NOT_IKE: return "a NAT keepalive";
	}
	return "?";
}

/* Constant-time comparison of n bytes (no early exit on the first difference). */
static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

static bool is_zero8(const uint8_t c[8])
{
	uint8_t d = 0;
	for (size_t i = 0; i < 8; i++)
		d |= c[i];
	return d == 0;
}

enum ike1_reply_status ike1_reply_check(const struct ike1_msg *m, const struct ike1_request *req)
{
	if (!ct_equal(m->hdr.cky_i, req->cky_i, 8))
		return IKE1_REPLY_NOT_OUR_COOKIE;
	bool info = m->hdr.exchange == IKE1_EX_INFORMATIONAL;
	if (!info && m->hdr.exchange != req->exchange)
		return IKE1_REPLY_WRONG_EXCHANGE;
	if (!info && is_zero8(m->hdr.cky_r))
		return IKE1_REPLY_ZERO_CKY_R;
	if (!is_zero8(req->cky_r) && !is_zero8(m->hdr.cky_r) && !ct_equal(m->hdr.cky_r, req->cky_r, 8))
		return IKE1_REPLY_OTHER_CKY_R;
	return IKE1_REPLY_OK;
}

static enum ike1_reply_status reply_set(struct ike1_reply *out, enum ike1_reply_status st, enum ike1_reply_kind k,
					const char *why)
{
	out->status = st;
	out->kind = st == IKE1_REPLY_OK ? k : IKE1_KIND_NONE;
	out->why = why ? why : st == IKE1_REPLY_OK ? "" : ike1_reply_status_name(st);
	return st;
}

/* RFC 2409 5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive." */
static bool nonce_ok(const struct ike1_msg *m)
{
	return m->has_nonce && m->nonce.len >= 8 && m->nonce.len <= 256;
}

enum ike1_reply_status ike1_reply_classify(const struct ike1_msg *m, const struct ike1_request *req,
					   enum ike1_step step, struct ike1_reply *out)
{
	memset(out, 0, sizeof *out);
	enum ike1_reply_status st = ike1_reply_check(m, req);
	if (st != IKE1_REPLY_OK)
		return reply_set(out, st, IKE1_KIND_NONE, NULL);
	bool info = m->hdr.exchange == IKE1_EX_INFORMATIONAL;
	if (info && !m->encrypted) {
		out->notify = ike1_first_error(m);
		if (out->notify)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_ERROR_NOTIFY, NULL);
		if (step == IKE1_STEP_MM6)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_INFO_CLEAR, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "an Informational without an error notify");
	}
	switch (step) {
	case IKE1_STEP_MM2:
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE, NULL);
		if (m->has_sa && m->sa.nproposals == 1 && m->sa.p[0].ntransforms == 1)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM2, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
				 "not an MM2 with one transform nor an error notify");
	case IKE1_STEP_MM4:
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE, NULL);
		if (m->has_sa && !m->has_ke)
			return reply_set(out, IKE1_REPLY_RETRANSMIT, IKE1_KIND_NONE, "MM2 again (a retransmission)");
		if (m->has_ke && m->has_nonce && !nonce_ok(m))
			return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
					 "an MM4 whose nonce is not 8 to 256 bytes (RFC 2409 5)");
		if (m->has_ke && nonce_ok(m))
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM4, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "not an MM4 (KE and nonce)");
	case IKE1_STEP_MM6:
		if (info)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_INFO_ENCRYPTED, NULL);
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM6, NULL);
		if (m->has_ke || m->has_sa)
			return reply_set(out, IKE1_REPLY_RETRANSMIT, IKE1_KIND_NONE,
					 "a clear Main Mode message after MM5 (MM2 or MM4 again)");
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "a clear Main Mode message after MM5");
	case IKE1_STEP_AM2: {
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE,
					 "an encrypted message in answer to Aggressive Mode 1");
		const struct ike1_transform *t =
			m->has_sa && m->sa.nproposals == 1 && m->sa.p[0].ntransforms == 1 ? &m->sa.p[0].t[0] : NULL;
		if (t && m->has_ke && nonce_ok(m) && m->has_hash && m->hash.len > 0 && t->auth == IKE1_AUTH_PRE_SHARED_KEY)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_AM2, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
				 "not an Aggressive Mode 2 with one pre-shared-key transform, KE, Nr and HASH_R");
	}
	}
	return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "no such step");
}

int ike1_parse_info_plain(const struct ike1_header *hdr, const uint8_t *plain, size_t len, size_t hash_len,
			  struct ike1_msg *out, struct ike1_blob *hash, struct ike1_blob *covered, char *err,
			  size_t errlen)
{
	static const uint8_t firsts[2] = {IKE1_PL_N, IKE1_PL_D};
	struct rbuf r, tail;
	memset(hash, 0, sizeof *hash);
	memset(covered, 0, sizeof *covered);
	memset(out, 0, sizeof *out);
	if (hash_len == 0 || hash_len > 64)
		return wire_fail(err, errlen, "HASH length %zu not supported", hash_len);
	rbuf_init(&r, plain, len);
	if (!rbuf_skip(&r, 4))
		return wire_fail(err, errlen, "%zu bytes: shorter than a HASH payload", len);
	blob_of(&r, hash_len, hash);
	if (r.err || rbuf_left(&r) < 4)
		return wire_fail(err, errlen, "%zu bytes: no payload after HASH(1)", len);
	for (size_t i = 0; i < sizeof firsts; i++) {
		struct ike1_header h = *hdr;
		tail = r;
		h.next_payload = firsts[i];
		const uint8_t *tp = NULL;
		size_t tl = rbuf_left(&tail);
		if (!rbuf_bytes(&tail, tl, &tp))
			break;
		if (ike1_parse_plain(&h, tp, tl, out, err, errlen) != 0)
			continue;
		struct rbuf c;
		rbuf_init(&c, tp, tl);
		blob_of(&c, out->chain_len, covered);
		if (covered->len == 0)
			break;
		return 0;
	}
	memset(out, 0, sizeof *out);
	memset(hash, 0, sizeof *hash);
	return wire_fail(err, errlen, "the payloads after HASH(1) are neither a Notification nor a Delete chain");
}

const struct ike1_notify_pl *ike1_find_notify(const struct ike1_msg *m, uint16_t type)
{
	for (size_t i = 0; i < m->nnotifies; i++)
		if (m->notifies[i].type == type)
			return &m->notifies[i];
	return NULL;
}

const struct ike1_notify_pl *ike1_first_error(const struct ike1_msg *m)
{
	for (size_t i = 0; i < m->nnotifies; i++)
		if (m->notifies[i].type >= 1 && m->notifies[i].type < 16384)
			return &m->notifies[i];
	return NULL;
}

/* ---- building ---- */

static void w_header(struct wbuf *w, const struct ike1_header *h)
{
	wbuf_bytes(w, h->cky_i, 8);
	wbuf_bytes(w, h->cky_r, 8);
	wbuf_u8(w, h->next_payload);
	wbuf_u8(w, h->version ? h->version : IKE1_VERSION);
	wbuf_u8(w, h->exchange);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msg_id);
	wbuf_u32(w, h->length);
}

void ike1_w_begin(struct ike1_writer *iw, struct wbuf *w, const struct ike1_header *h)
{
	iw->w = w;
	iw->start = w->len;
	iw->np_off = w->len + 16;
	iw->chain = false;
	iw->first = 0;
	struct ike1_header hh = *h;
	hh.next_payload = 0;
	hh.length = 0;
	w_header(w, &hh);
}

void ike1_w_begin_chain(struct ike1_writer *iw, struct wbuf *w)
{
	iw->w = w;
	iw->start = w->len;
	iw->np_off = SIZE_MAX; /* no Next Payload field yet: the first type goes to *first_np */
	iw->chain = true;
	iw->first = 0;
}

/* Starts a payload of type: patches the previous Next Payload, writes a generic header with a
 * zero length; returns the offset of the payload for end_payload. */
static size_t begin_payload(struct ike1_writer *iw, uint8_t type)
{
	struct wbuf *w = iw->w;
	if (iw->np_off != SIZE_MAX)
		wbuf_put_u8_at(w, iw->np_off, type);
	else
		iw->first = type; /* chain mode: the first payload's type */
	size_t off = w->len;
	iw->np_off = off;
	wbuf_u8(w, 0);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	return off;
}

static void end_payload(struct ike1_writer *iw, size_t off)
{
	struct wbuf *w = iw->w;
	if (w->err)
		return;
	size_t n = w->len - off;
	if (n > 0xffff) {
		w->err = true;
		return;
	}
	wbuf_put_u16_at(w, off + 2, (uint16_t)n);
}

void ike1_w_payload(struct ike1_writer *iw, uint8_t type, const uint8_t *body, size_t len)
{
	size_t off = begin_payload(iw, type);
	wbuf_bytes(iw->w, body, len);
	end_payload(iw, off);
}

static void w_transform(struct wbuf *w, uint8_t num, bool last, const struct ike1_tspec *t)
{
	size_t off = w->len;
	wbuf_u8(w, last ? 0 : IKE1_PL_TRANSFORM);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, num);
	wbuf_u8(w, IKE1_KEY_IKE);
	wbuf_u16(w, 0);
	wbuf_u16(w, 0x8000 | IKE1_A_ENCRYPTION_ALGORITHM);
	wbuf_u16(w, t->enc);
	if (t->key_len) {
		wbuf_u16(w, 0x8000 | IKE1_A_KEY_LENGTH);
		wbuf_u16(w, t->key_len);
	}
	wbuf_u16(w, 0x8000 | IKE1_A_HASH_ALGORITHM);
	wbuf_u16(w, t->hash);
	wbuf_u16(w, 0x8000 | IKE1_A_GROUP_DESCRIPTION);
	wbuf_u16(w, t->group);
	wbuf_u16(w, 0x8000 | IKE1_A_AUTHENTICATION_METHOD);
	wbuf_u16(w, t->auth);
	if (t->life_seconds) {
		wbuf_u16(w, 0x8000 | IKE1_A_LIFE_TYPE);
		wbuf_u16(w, IKE1_LIFE_SECONDS);
		wbuf_u16(w, IKE1_A_LIFE_DURATION); /* TLV, as Windows sends it */
		wbuf_u16(w, 4);
		wbuf_u32(w, t->life_seconds);
	}
	if (!w->err)
		wbuf_put_u16_at(w, off + 2, (uint16_t)(w->len - off));
}

void ike1_w_sa(struct ike1_writer *iw, const struct ike1_tspec *t, size_t n)
{
	struct wbuf *w = iw->w;
	size_t off = begin_payload(iw, IKE1_PL_SA);
	if (n == 0 || n > 255) {
		w->err = true;
		return;
	}
	wbuf_u32(w, IKE1_DOI_IPSEC);
	wbuf_u32(w, IKE1_SIT_IDENTITY_ONLY);
	size_t poff = w->len;
	wbuf_u8(w, 0); /* the only (last) proposal */
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, 1);
	wbuf_u8(w, IKE1_PROTO_ISAKMP);
	wbuf_u8(w, 0);
	wbuf_u8(w, (uint8_t)n);
	for (size_t i = 0; i < n; i++)
		w_transform(w, (uint8_t)(i + 1), i + 1 == n, &t[i]);
	if (!w->err && w->len - poff > 0xffff)
		w->err = true;
	if (!w->err)
		wbuf_put_u16_at(w, poff + 2, (uint16_t)(w->len - poff));
	end_payload(iw, off);
}

void ike1_w_notify(struct ike1_writer *iw, uint8_t protocol, uint16_t type, const uint8_t *spi, uint8_t spi_size,
		   const uint8_t *data, size_t len)
{
	struct wbuf *w = iw->w;
	size_t off = begin_payload(iw, IKE1_PL_N);
	wbuf_u32(w, IKE1_DOI_IPSEC);
	wbuf_u8(w, protocol);
	wbuf_u8(w, spi_size);
	wbuf_u16(w, type);
	wbuf_bytes(w, spi, spi_size);
	wbuf_bytes(w, data, len);
	end_payload(iw, off);
}

void ike1_w_delete(struct ike1_writer *iw, uint8_t protocol, const uint8_t *spis, uint8_t spi_size,
		   uint16_t nspis)
{
	struct wbuf *w = iw->w;
	size_t off = begin_payload(iw, IKE1_PL_D);
	wbuf_u32(w, IKE1_DOI_IPSEC);
	wbuf_u8(w, protocol);
	wbuf_u8(w, spi_size);
	wbuf_u16(w, nspis);
	wbuf_bytes(w, spis, (size_t)spi_size * nspis);
	end_payload(iw, off);
}

void ike1_w_id(struct ike1_writer *iw, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
	       size_t len)
{
	size_t off = begin_payload(iw, IKE1_PL_ID);
	ike1_build_id_body(iw->w, id_type, protocol, port, data, len);
	end_payload(iw, off);
}

int ike1_w_end(struct ike1_writer *iw)
{
	struct wbuf *w = iw->w;
	if (w->err)
		return -1;
	size_t n = w->len - iw->start;
	if (iw->chain || n > INT32_MAX)
		return -1;
	if (!wbuf_put_u32_at(w, iw->start + 24, (uint32_t)n))
		return -1;
	return (int)n;
}

int ike1_w_end_chain(struct ike1_writer *iw, uint8_t *first_np)
{
	*first_np = iw->first;
	if (iw->w->err || !iw->chain || iw->w->len - iw->start > INT32_MAX)
		return -1;
	return (int)(iw->w->len - iw->start);
}

int ike1_build_id_body(struct wbuf *w, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
		       size_t len)
{
	wbuf_u8(w, id_type);
	wbuf_u8(w, protocol);
	wbuf_u16(w, port);
	wbuf_bytes(w, data, len);
	return w->err ? -1 : 0;
}

static void hdr_init(struct ike1_header *h, const uint8_t cky_i[8], const uint8_t *cky_r, uint8_t exchange)
{
	memset(h, 0, sizeof *h);
	memcpy(h->cky_i, cky_i, 8);
	if (cky_r)
		memcpy(h->cky_r, cky_r, 8);
	h->version = IKE1_VERSION;
	h->exchange = exchange;
}

int ike1_build_mm1(struct wbuf *w, const struct ike1_mm1 *in)
{
	struct ike1_header h;
	struct ike1_writer iw;
	hdr_init(&h, in->cky_i, NULL, IKE1_EX_IDENTITY_PROTECTION);
	ike1_w_begin(&iw, w, &h);
	ike1_w_sa(&iw, in->transforms, in->ntransforms);
	for (size_t i = 0; i < in->nvids; i++)
		ike1_w_payload(&iw, IKE1_PL_VID, in->vids[i].p, in->vids[i].len);
	return ike1_w_end(&iw);
}

int ike1_build_mm3(struct wbuf *w, const struct ike1_mm3 *in)
{
	struct ike1_header h;
	struct ike1_writer iw;
	hdr_init(&h, in->cky_i, in->cky_r, IKE1_EX_IDENTITY_PROTECTION);
	ike1_w_begin(&iw, w, &h);
	ike1_w_payload(&iw, IKE1_PL_KE, in->ke, in->ke_len);
	ike1_w_payload(&iw, IKE1_PL_NONCE, in->nonce, in->nonce_len);
	if (in->natd_remote) {
		uint8_t t = in->natd_type ? in->natd_type : IKE1_PL_NAT_D;
		ike1_w_payload(&iw, t, in->natd_remote, in->natd_len);
		if (in->natd_local)
			ike1_w_payload(&iw, t, in->natd_local, in->natd_len);
	}
	return ike1_w_end(&iw);
}

int ike1_build_am1(struct wbuf *w, const struct ike1_am1 *in)
{
	struct ike1_header h;
	struct ike1_writer iw;
	hdr_init(&h, in->cky_i, NULL, IKE1_EX_AGGRESSIVE);
	ike1_w_begin(&iw, w, &h);
	ike1_w_sa(&iw, in->transforms, in->ntransforms);
	ike1_w_payload(&iw, IKE1_PL_KE, in->ke, in->ke_len);
	ike1_w_payload(&iw, IKE1_PL_NONCE, in->nonce, in->nonce_len);
	ike1_w_id(&iw, in->id_type, in->id_protocol, in->id_port, in->id, in->id_len);
	for (size_t i = 0; i < in->nvids; i++)
		ike1_w_payload(&iw, IKE1_PL_VID, in->vids[i].p, in->vids[i].len);
	return ike1_w_end(&iw);
}

int ike1_build_encrypted(struct wbuf *w, const struct ike1_header *hdr, uint8_t first_np, const uint8_t *plain,
			 size_t plain_len, size_t block, ike1_encrypt_fn enc, void *ctx)
{
	uint8_t pt[IKE1_MAX_PLAIN], ct[IKE1_MAX_PLAIN];
	struct wbuf pw;
	if (block == 0 || block > 32 || !enc)
		return -1;
	size_t pad = block - plain_len % block; /* 1..block: always some padding */
	if (plain_len > sizeof pt - block)
		return -1;
	wbuf_init(&pw, pt, sizeof pt);
	wbuf_bytes(&pw, plain, plain_len);
	wbuf_zero(&pw, pad - 1);
	wbuf_u8(&pw, (uint8_t)(pad - 1));
	if (pw.err || enc(ctx, pt, pw.len, ct) != 0)
		return -1;
	struct ike1_header h = *hdr;
	h.next_payload = first_np;
	h.flags |= IKE1_F_ENCRYPTION;
	h.version = h.version ? h.version : IKE1_VERSION;
	size_t start = w->len;
	h.length = (uint32_t)(IKE1_HDR_LEN + pw.len);
	w_header(w, &h);
	wbuf_bytes(w, ct, pw.len);
	return w->err ? -1 : (int)(w->len - start);
}

int ike1_build_mm5(struct wbuf *w, const struct ike1_mm5 *in, size_t block, ike1_encrypt_fn enc, void *ctx)
{
	uint8_t pt[IKE1_MAX_PLAIN];
	struct wbuf pw;
	struct ike1_writer iw;
	uint8_t first;
	struct ike1_header h;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_ID, in->idii_body, in->idii_len);
	ike1_w_payload(&iw, IKE1_PL_HASH, in->hash_i, in->hash_len);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	hdr_init(&h, in->cky_i, in->cky_r, IKE1_EX_IDENTITY_PROTECTION);
	return ike1_build_encrypted(w, &h, first, pt, pw.len, block, enc, ctx);
}

int ike1_build_info_delete(struct wbuf *w, const uint8_t cky_i[8], const uint8_t cky_r[8], uint32_t msg_id,
			   size_t block, ike1_encrypt_fn enc, ike1_hash1_fn hash1, void *ctx)
{
	uint8_t spi[16];
	struct ike1_header h;
	struct ike1_writer iw;
	memcpy(spi, cky_i, 8);
	memcpy(spi + 8, cky_r, 8);
	hdr_init(&h, cky_i, cky_r, IKE1_EX_INFORMATIONAL);
	h.msg_id = msg_id;
	if (!enc) {
		ike1_w_begin(&iw, w, &h);
		ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
		return ike1_w_end(&iw);
	}
	if (!hash1)
		return -1;
	/* The D payload alone first (its bytes are what HASH(1) covers), then HASH(1) + D. */
	uint8_t dbuf[64], pt[256], hv[64];
	size_t hlen = 0;
	struct wbuf dw, pw;
	uint8_t first;
	wbuf_init(&dw, dbuf, sizeof dbuf);
	ike1_w_begin_chain(&iw, &dw);
	ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	if (hash1(ctx, msg_id, dbuf, dw.len, hv, &hlen) != 0 || hlen == 0 || hlen > sizeof hv)
		return -1;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_HASH, hv, hlen);
	ike1_w_delete(&iw, IKE1_PROTO_ISAKMP, spi, 16, 1);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return -1;
	return ike1_build_encrypted(w, &h, first, pt, pw.len, block, enc, ctx);
}
