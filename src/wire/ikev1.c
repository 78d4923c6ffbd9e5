/* IKEv1 / ISAKMP codec (wire/ikev1.h): name tables, vendor IDs and the parser/validator. All reads
 * go through struct rbuf; parsed pointers point into the caller's buffer. The reply checks and the
 * encrypted-Informational walker are in ikev1_reply.c, the writers and builders in ikev1_build.c. */
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

/* ---- lookups in a parsed message ---- */

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
