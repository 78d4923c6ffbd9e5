/* IKEv2 (RFC 7296) codec: see wire/ikev2.h for the validation rules. Every read of network bytes
 * goes through struct rbuf; every write through struct wbuf. Each payload is first validated
 * (lengths, counts, substructure framing) and only then parsed by code that trusts it, in the
 * manner of OpenBSD iked's ikev2_validate_* / ikev2_pld_* pairs. */
#include "wire/ikev2.h"

#include <string.h>
#include <strings.h>

#include "wire/natt.h"
#include "wire/wire_util.h"

/* ---- name tables: one list of constants each (X-macros) ---- */

#define IKE2_EXCHANGES(X)                                                                          \
	X(34, "IKE_SA_INIT")                                                                       \
	X(35, "IKE_AUTH")                                                                          \
	X(36, "CREATE_CHILD_SA")                                                                   \
	X(37, "INFORMATIONAL")                                                                     \
	X(38, "IKE_SESSION_RESUME")                                                                \
	X(43, "IKE_INTERMEDIATE")                                                                  \
	X(44, "IKE_FOLLOWUP_KE")

#define IKE2_PAYLOADS(X)                                                                           \
	X(IKE2_PL_SA, "SA") X(IKE2_PL_KE, "KE") X(IKE2_PL_IDI, "IDi") X(IKE2_PL_IDR, "IDr")       \
	X(IKE2_PL_CERT, "CERT") X(IKE2_PL_CERTREQ, "CERTREQ") X(IKE2_PL_AUTH, "AUTH")              \
	X(IKE2_PL_NONCE, "Nonce") X(IKE2_PL_NOTIFY, "N") X(IKE2_PL_DELETE, "D")                    \
	X(IKE2_PL_VID, "V") X(IKE2_PL_TSI, "TSi") X(IKE2_PL_TSR, "TSr") X(IKE2_PL_SK, "SK")        \
	X(IKE2_PL_CP, "CP") X(IKE2_PL_EAP, "EAP") X(49, "GSPM") X(IKE2_PL_SKF, "SKF")

/* IANA "IKEv2 Notify Message Types" (RFC 7296 and updates) plus Microsoft's private 12345. */
#define IKE2_NOTIFIES(X)                                                                           \
	X(1, "UNSUPPORTED_CRITICAL_PAYLOAD") X(4, "INVALID_IKE_SPI") X(5, "INVALID_MAJOR_VERSION") \
	X(7, "INVALID_SYNTAX") X(9, "INVALID_MESSAGE_ID") X(11, "INVALID_SPI")                     \
	X(14, "NO_PROPOSAL_CHOSEN") X(17, "INVALID_KE_PAYLOAD") X(24, "AUTHENTICATION_FAILED")    \
	X(34, "SINGLE_PAIR_REQUIRED") X(35, "NO_ADDITIONAL_SAS") X(36, "INTERNAL_ADDRESS_FAILURE") \
	X(37, "FAILED_CP_REQUIRED") X(38, "TS_UNACCEPTABLE") X(39, "INVALID_SELECTORS")            \
	X(40, "UNACCEPTABLE_ADDRESSES") X(41, "UNEXPECTED_NAT_DETECTED") X(42, "USE_ASSIGNED_HoA") \
	X(43, "TEMPORARY_FAILURE") X(44, "CHILD_SA_NOT_FOUND") X(45, "INVALID_GROUP_ID")           \
	X(46, "AUTHORIZATION_FAILED") X(47, "STATE_NOT_FOUND")                                     \
	X(12345, "MS_STATUS")                                                                      \
	X(16384, "INITIAL_CONTACT") X(16385, "SET_WINDOW_SIZE") X(16386, "ADDITIONAL_TS_POSSIBLE") \
	X(16387, "IPCOMP_SUPPORTED") X(16388, "NAT_DETECTION_SOURCE_IP")                           \
	X(16389, "NAT_DETECTION_DESTINATION_IP") X(16390, "COOKIE") X(16391, "USE_TRANSPORT_MODE") \
	X(16392, "HTTP_CERT_LOOKUP_SUPPORTED") X(16393, "REKEY_SA")                                \
	X(16394, "ESP_TFC_PADDING_NOT_SUPPORTED") X(16395, "NON_FIRST_FRAGMENTS_ALSO")            \
	X(16396, "MOBIKE_SUPPORTED") X(16397, "ADDITIONAL_IP4_ADDRESS")                            \
	X(16398, "ADDITIONAL_IP6_ADDRESS") X(16399, "NO_ADDITIONAL_ADDRESSES")                     \
	X(16400, "UPDATE_SA_ADDRESSES") X(16401, "COOKIE2") X(16402, "NO_NATS_ALLOWED")            \
	X(16403, "AUTH_LIFETIME") X(16404, "MULTIPLE_AUTH_SUPPORTED")                              \
	X(16405, "ANOTHER_AUTH_FOLLOWS") X(16406, "REDIRECT_SUPPORTED") X(16407, "REDIRECT")       \
	X(16408, "REDIRECTED_FROM") X(16409, "TICKET_LT_OPAQUE") X(16410, "TICKET_REQUEST")        \
	X(16411, "TICKET_ACK") X(16412, "TICKET_NACK") X(16413, "TICKET_OPAQUE")                   \
	X(16414, "LINK_ID") X(16415, "USE_WESP_MODE") X(16416, "ROHC_SUPPORTED")                   \
	X(16417, "EAP_ONLY_AUTHENTICATION") X(16418, "CHILDLESS_IKEV2_SUPPORTED")                  \
	X(16419, "QUICK_CRASH_DETECTION") X(16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED")              \
	X(16421, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED") X(16422, "IKEV2_MESSAGE_ID_SYNC")          \
	X(16423, "IPSEC_REPLAY_COUNTER_SYNC") X(16424, "SECURE_PASSWORD_METHODS")                  \
	X(16425, "PSK_PERSIST") X(16426, "PSK_CONFIRM") X(16427, "ERX_SUPPORTED")                  \
	X(16428, "IFOM_CAPABILITY") X(16429, "SENDER_REQUEST_ID")                                  \
	X(16430, "IKEV2_FRAGMENTATION_SUPPORTED") X(16431, "SIGNATURE_HASH_ALGORITHMS")            \
	X(16432, "CLONE_IKE_SA_SUPPORTED") X(16433, "CLONE_IKE_SA") X(16434, "PUZZLE")             \
	X(16435, "USE_PPK") X(16436, "PPK_IDENTITY") X(16437, "NO_PPK_AUTH")                       \
	X(16438, "INTERMEDIATE_EXCHANGE_SUPPORTED") X(16439, "IP4_ALLOWED") X(16440, "IP6_ALLOWED")     \
	X(16441, "ADDITIONAL_KEY_EXCHANGE") X(16442, "USE_AGGFRAG")

/* Transform ids: (type, id, NAME as strongSwan prints it, keyword for data files). */
#define IKE2_TRANSFORMS(X)                                                                         \
	X(IKE2_T_ENCR, 2, "DES", "des") X(IKE2_T_ENCR, 3, "3DES", "3des")                          \
	X(IKE2_T_ENCR, 4, "RC5", "rc5") X(IKE2_T_ENCR, 5, "IDEA", "idea")                          \
	X(IKE2_T_ENCR, 6, "CAST", "cast") X(IKE2_T_ENCR, 7, "BLOWFISH", "blowfish")                \
	X(IKE2_T_ENCR, 11, "NULL", "null") X(IKE2_T_ENCR, 12, "AES_CBC", "aes-cbc")                \
	X(IKE2_T_ENCR, 13, "AES_CTR", "aes-ctr") X(IKE2_T_ENCR, 14, "AES_CCM_8", "aes-ccm-8")      \
	X(IKE2_T_ENCR, 15, "AES_CCM_12", "aes-ccm-12") X(IKE2_T_ENCR, 16, "AES_CCM_16", "aes-ccm-16") \
	X(IKE2_T_ENCR, 18, "AES_GCM_8", "aes-gcm-8") X(IKE2_T_ENCR, 19, "AES_GCM_12", "aes-gcm-12") \
	X(IKE2_T_ENCR, 20, "AES_GCM_16", "aes-gcm-16")                                             \
	X(IKE2_T_ENCR, 21, "NULL_AES_GMAC", "null-aes-gmac")                                       \
	X(IKE2_T_ENCR, 23, "CAMELLIA_CBC", "camellia-cbc")                                         \
	X(IKE2_T_ENCR, 28, "CHACHA20_POLY1305", "chacha20-poly1305")                               \
	X(IKE2_T_PRF, 1, "PRF_HMAC_MD5", "hmac-md5") X(IKE2_T_PRF, 2, "PRF_HMAC_SHA1", "hmac-sha1") \
	X(IKE2_T_PRF, 4, "PRF_AES128_XCBC", "aes128-xcbc")                                         \
	X(IKE2_T_PRF, 5, "PRF_HMAC_SHA2_256", "hmac-sha2-256")                                     \
	X(IKE2_T_PRF, 6, "PRF_HMAC_SHA2_384", "hmac-sha2-384")                                     \
	X(IKE2_T_PRF, 7, "PRF_HMAC_SHA2_512", "hmac-sha2-512")                                     \
	X(IKE2_T_PRF, 8, "PRF_AES128_CMAC", "aes128-cmac")                                         \
	X(IKE2_T_INTEG, 0, "NONE", "none") X(IKE2_T_INTEG, 1, "HMAC_MD5_96", "hmac-md5-96")        \
	X(IKE2_T_INTEG, 2, "HMAC_SHA1_96", "hmac-sha1-96")                                         \
	X(IKE2_T_INTEG, 5, "AES_XCBC_96", "aes-xcbc-96")                                           \
	X(IKE2_T_INTEG, 8, "AES_CMAC_96", "aes-cmac-96")                                           \
	X(IKE2_T_INTEG, 12, "HMAC_SHA2_256_128", "hmac-sha2-256-128")                              \
	X(IKE2_T_INTEG, 13, "HMAC_SHA2_384_192", "hmac-sha2-384-192")                              \
	X(IKE2_T_INTEG, 14, "HMAC_SHA2_512_256", "hmac-sha2-512-256")                              \
	X(IKE2_T_DH, 0, "NONE", "none") X(IKE2_T_DH, 1, "MODP_768", "modp768")                     \
	X(IKE2_T_DH, 2, "MODP_1024", "modp1024") X(IKE2_T_DH, 5, "MODP_1536", "modp1536")          \
	X(IKE2_T_DH, 14, "MODP_2048", "modp2048") X(IKE2_T_DH, 15, "MODP_3072", "modp3072")        \
	X(IKE2_T_DH, 16, "MODP_4096", "modp4096") X(IKE2_T_DH, 17, "MODP_6144", "modp6144")        \
	X(IKE2_T_DH, 18, "MODP_8192", "modp8192") X(IKE2_T_DH, 19, "ECP_256", "ecp256")            \
	X(IKE2_T_DH, 20, "ECP_384", "ecp384") X(IKE2_T_DH, 21, "ECP_521", "ecp521")                \
	X(IKE2_T_DH, 22, "MODP_1024_160", "modp1024s160")                                          \
	X(IKE2_T_DH, 23, "MODP_2048_224", "modp2048s224")                                          \
	X(IKE2_T_DH, 24, "MODP_2048_256", "modp2048s256") X(IKE2_T_DH, 25, "ECP_192", "ecp192")    \
	X(IKE2_T_DH, 26, "ECP_224", "ecp224") X(IKE2_T_DH, 27, "ECP_224_BP", "ecp224bp")           \
	X(IKE2_T_DH, 28, "ECP_256_BP", "ecp256bp") X(IKE2_T_DH, 29, "ECP_384_BP", "ecp384bp")      \
	X(IKE2_T_DH, 30, "ECP_512_BP", "ecp512bp") X(IKE2_T_DH, 31, "CURVE_25519", "curve25519")   \
	X(IKE2_T_DH, 32, "CURVE_448", "curve448")                                                  \
	X(IKE2_T_ESN, 0, "NO_EXT_SEQ", "noesn") X(IKE2_T_ESN, 1, "EXT_SEQ", "esn")

#define IKE2_TRANSFORM_TYPES(X)                                                                    \
	X(IKE2_T_ENCR, "ENCR") X(IKE2_T_PRF, "PRF") X(IKE2_T_INTEG, "INTEG") X(IKE2_T_DH, "DH")   \
	X(IKE2_T_ESN, "ESN")

struct transform_name {
	uint8_t type;
	uint16_t id;
	const char *name;
	const char *keyword;
};

#define NAME_ENTRY(v, n) {(v), (n)},
#define TRANSFORM_ENTRY(t, i, n, k) {(t), (i), (n), (k)},
static const struct wire_name exchange_names[] = {IKE2_EXCHANGES(NAME_ENTRY)};
static const struct wire_name payload_names[] = {IKE2_PAYLOADS(NAME_ENTRY)};
static const struct wire_name notify_names[] = {IKE2_NOTIFIES(NAME_ENTRY)};
static const struct wire_name transform_type_names[] = {IKE2_TRANSFORM_TYPES(NAME_ENTRY)};
static const struct transform_name transform_names[] = {IKE2_TRANSFORMS(TRANSFORM_ENTRY)};
#undef NAME_ENTRY
#undef TRANSFORM_ENTRY

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *ike2_notify_name(uint16_t type) { return WIRE_NAME(notify_names, type); }
const char *ike2_exchange_name(uint8_t exchange) { return WIRE_NAME(exchange_names, exchange); }
const char *ike2_payload_name(uint8_t type) { return WIRE_NAME(payload_names, type); }
const char *ike2_transform_type_name(uint8_t type) { return WIRE_NAME(transform_type_names, type); }

const char *ike2_transform_name(uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < COUNT(transform_names); i++)
		if (transform_names[i].type == type && transform_names[i].id == id)
			return transform_names[i].name;
	return "UNKNOWN";
}

bool ike2_transform_lookup(uint8_t type, const char *word, uint16_t *id)
{
	for (size_t i = 0; i < COUNT(transform_names); i++) {
		const struct transform_name *t = &transform_names[i];
		if (t->type == type && (strcasecmp(word, t->name) == 0 || strcasecmp(word, t->keyword) == 0)) {
			*id = t->id;
			return true;
		}
	}
	return false;
}

bool ike2_notify_lookup(const char *word, uint16_t *type)
{
	for (size_t i = 0; i < COUNT(notify_names); i++)
		if (strcasecmp(word, notify_names[i].name) == 0) {
			*type = (uint16_t)notify_names[i].v;
			return true;
		}
	return false;
}

void ike2_proposal_str(const struct ike2_proposal *p, char *out, size_t outlen)
{
	static const uint8_t order[] = {IKE2_T_ENCR, IKE2_T_INTEG, IKE2_T_PRF, IKE2_T_DH, IKE2_T_ESN};
	size_t pos = 0;
	if (!out || outlen == 0)
		return;
	out[0] = '\0';
	size_t n = p->ntransforms < IKE2_MAX_TRANSFORMS ? p->ntransforms : IKE2_MAX_TRANSFORMS;
	for (size_t o = 0; o <= COUNT(order); o++) {
		for (size_t i = 0; i < n; i++) {
			const struct ike2_transform *t = &p->t[i];
			bool known_type = false;
			for (size_t k = 0; k < COUNT(order); k++)
				known_type |= t->type == order[k];
			if (o < COUNT(order) ? t->type != order[o] : known_type)
				continue;
			const char *sep = pos ? "/" : "";
			const char *name = ike2_transform_name(t->type, t->id);
			if (strcmp(name, "UNKNOWN") == 0)
				wire_str_append(out, outlen, &pos, "%s%s_%u", sep,
						known_type ? ike2_transform_type_name(t->type) : "TRANSFORM", (unsigned)t->id);
			else
				wire_str_append(out, outlen, &pos, "%s%s", sep, name);
			if (t->key_len)
				wire_str_append(out, outlen, &pos, "_%u", (unsigned)t->key_len);
		}
	}
}

/* ---- parsing ---- */

/* Transform attributes: TV (AF bit set, 2-byte value) or TLV. Key Length must be TV. */
static int validate_attrs(struct rbuf *r, size_t pi, size_t ti, char *err, size_t errlen)
{
	while (rbuf_left(r) > 0) {
		uint16_t at, alen;
		if (rbuf_left(r) < 4)
			return wire_fail(err, errlen, "proposal %zu transform %zu: attribute needs 4 bytes, %zu left",
					 pi, ti, rbuf_left(r));
		rbuf_u16(r, &at);
		rbuf_u16(r, &alen);
		if (at & 0x8000)
			continue;
		if ((at & 0x7fff) == IKE2_ATTR_KEY_LENGTH)
			return wire_fail(err, errlen, "proposal %zu transform %zu: Key Length attribute is not TV", pi, ti);
		if (alen > rbuf_left(r))
			return wire_fail(err, errlen, "proposal %zu transform %zu: attribute length %u exceeds the %zu bytes left",
					 pi, ti, (unsigned)alen, rbuf_left(r));
		rbuf_skip(r, alen);
	}
	return 0;
}

/* A proposal or transform substructure header: Last/More, reserved, Length. Sets *sub over the
 * body (Length - 4 bytes) after checking it against what remains. */
static int validate_sub_header(struct rbuf *r, const char *what, size_t idx, uint8_t more_value, size_t min_len,
			       struct rbuf *sub, char *err, size_t errlen)
{
	uint8_t more, reserved;
	uint16_t len;
	size_t left = rbuf_left(r);
	if (left < min_len)
		return wire_fail(err, errlen, "%s %zu: %zu bytes left, %zu needed", what, idx, left, min_len);
	rbuf_u8(r, &more);
	rbuf_u8(r, &reserved);
	rbuf_u16(r, &len);
	if (len < min_len)
		return wire_fail(err, errlen, "%s %zu: length %u is less than %zu", what, idx, (unsigned)len, min_len);
	if (len > left)
		return wire_fail(err, errlen, "%s %zu: length %u exceeds the %zu bytes left", what, idx, (unsigned)len, left);
	rbuf_sub(r, (size_t)len - 4, sub);
	if (more != 0 && more != more_value)
		return wire_fail(err, errlen, "%s %zu: Last/More field is %u", what, idx, (unsigned)more);
	if ((more == 0) != (rbuf_left(r) == 0))
		return wire_fail(err, errlen, "%s %zu: Last/More field %u but %zu bytes follow", what, idx, (unsigned)more,
				 rbuf_left(r));
	return 0;
}

static int validate_proposal(struct rbuf *r, size_t pi, char *err, size_t errlen)
{
	uint8_t num, proto, spi_size, ntrans;
	rbuf_u8(r, &num);
	rbuf_u8(r, &proto);
	rbuf_u8(r, &spi_size);
	rbuf_u8(r, &ntrans);
	if (spi_size > 8)
		return wire_fail(err, errlen, "proposal %zu: SPI Size %u is more than 8", pi, (unsigned)spi_size);
	if (spi_size > rbuf_left(r))
		return wire_fail(err, errlen, "proposal %zu: SPI Size %u exceeds the %zu bytes left", pi, (unsigned)spi_size,
				 rbuf_left(r));
	rbuf_skip(r, spi_size);
	if (ntrans > IKE2_MAX_TRANSFORMS)
		return wire_fail(err, errlen, "proposal %zu: %u transforms, at most %d supported", pi, (unsigned)ntrans,
				 IKE2_MAX_TRANSFORMS);
	for (size_t ti = 1; ti <= ntrans; ti++) {
		struct rbuf t;
		if (rbuf_left(r) == 0)
			return wire_fail(err, errlen, "proposal %zu: Num Transforms %u but only %zu present", pi,
					 (unsigned)ntrans, ti - 1);
		if (validate_sub_header(r, "transform", ti, 3, 8, &t, err, errlen) < 0)
			return -1;
		if (ti == ntrans && rbuf_left(r) != 0)
			return wire_fail(err, errlen, "proposal %zu: %zu bytes after its %u transforms", pi, rbuf_left(r),
					 (unsigned)ntrans);
		rbuf_skip(&t, 4); /* type, reserved, id */
		if (validate_attrs(&t, pi, ti, err, errlen) < 0)
			return -1;
	}
	if (rbuf_left(r) != 0)
		return wire_fail(err, errlen, "proposal %zu: %zu bytes after its %u transforms", pi, rbuf_left(r), (unsigned)ntrans);
	return 0;
}

static int validate_sa(struct rbuf body, char *err, size_t errlen)
{
	size_t pi = 0;
	if (rbuf_left(&body) == 0)
		return wire_fail(err, errlen, "SA payload has no proposal");
	while (rbuf_left(&body) > 0) {
		struct rbuf p;
		if (++pi > IKE2_MAX_PROPOSALS)
			return wire_fail(err, errlen, "more than %d proposals", IKE2_MAX_PROPOSALS);
		if (validate_sub_header(&body, "proposal", pi, 2, 8, &p, err, errlen) < 0)
			return -1;
		if (validate_proposal(&p, pi, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Trusts bytes validate_sa accepted. */
static void parse_sa(struct rbuf body, struct ike2_msg *m)
{
	while (rbuf_left(&body) > 0 && m->nproposals < IKE2_MAX_PROPOSALS) {
		struct ike2_proposal *p = &m->proposals[m->nproposals++];
		struct rbuf r;
		uint16_t len;
		uint8_t ntrans;
		memset(p, 0, sizeof *p);
		rbuf_skip(&body, 2);
		rbuf_u16(&body, &len);
		rbuf_sub(&body, (size_t)len - 4, &r);
		rbuf_u8(&r, &p->num);
		rbuf_u8(&r, &p->protocol);
		rbuf_u8(&r, &p->spi_size);
		rbuf_u8(&r, &ntrans);
		rbuf_copy(&r, p->spi, p->spi_size);
		for (size_t i = 0; i < ntrans && i < IKE2_MAX_TRANSFORMS; i++) {
			struct ike2_transform *t = &p->t[p->ntransforms++];
			struct rbuf tr;
			uint16_t tlen;
			rbuf_skip(&r, 2);
			rbuf_u16(&r, &tlen);
			rbuf_sub(&r, (size_t)tlen - 4, &tr);
			rbuf_u8(&tr, &t->type);
			rbuf_skip(&tr, 1);
			rbuf_u16(&tr, &t->id);
			t->key_len = 0;
			while (rbuf_left(&tr) >= 4) {
				uint16_t at, v;
				rbuf_u16(&tr, &at);
				rbuf_u16(&tr, &v);
				if (at & 0x8000) {
					if ((at & 0x7fff) == IKE2_ATTR_KEY_LENGTH)
						t->key_len = v;
				} else {
					rbuf_skip(&tr, v);
				}
			}
		}
	}
}

static bool known_payload(uint8_t type)
{
	return (type >= IKE2_PL_SA && type <= IKE2_PL_EAP) || type == IKE2_PL_SKF;
}

/* One payload body (after the generic header): validate, then parse. */
static int handle_payload(uint8_t type, bool critical, uint8_t next, struct rbuf body, struct ike2_msg *m,
			  char *err, size_t errlen)
{
	size_t blen = rbuf_left(&body);
	switch (type) {
	case IKE2_PL_SA:
		if (m->nproposals)
			return wire_fail(err, errlen, "more than one SA payload");
		if (validate_sa(body, err, errlen) < 0)
			return -1;
		parse_sa(body, m);
		return 0;
	case IKE2_PL_KE:
		if (m->has_ke)
			return wire_fail(err, errlen, "more than one KE payload");
		if (blen < 4)
			return wire_fail(err, errlen, "KE payload body is %zu bytes, 4 needed", blen);
		m->has_ke = true;
		rbuf_u16(&body, &m->ke_group);
		rbuf_skip(&body, 2);
		m->ke.len = rbuf_left(&body);
		rbuf_bytes(&body, m->ke.len, &m->ke.p);
		return 0;
	case IKE2_PL_NONCE:
		if (m->nonce.p)
			return wire_fail(err, errlen, "more than one Nonce payload");
		m->nonce.len = blen;
		rbuf_bytes(&body, blen, &m->nonce.p);
		return 0;
	case IKE2_PL_NOTIFY: {
		uint8_t proto, spi_size;
		uint16_t ntype;
		if (m->nnotifies >= IKE2_MAX_NOTIFIES)
			return wire_fail(err, errlen, "more than %d notify payloads", IKE2_MAX_NOTIFIES);
		if (blen < 4)
			return wire_fail(err, errlen, "notify payload body is %zu bytes, 4 needed", blen);
		rbuf_u8(&body, &proto);
		rbuf_u8(&body, &spi_size);
		rbuf_u16(&body, &ntype);
		if (spi_size > rbuf_left(&body))
			return wire_fail(err, errlen, "notify %u: SPI Size %u exceeds the %zu bytes left", (unsigned)ntype,
					 (unsigned)spi_size, rbuf_left(&body));
		struct ike2_notify *n = &m->notifies[m->nnotifies++];
		n->protocol = proto;
		n->type = ntype;
		n->spi_size = spi_size;
		n->spi = NULL;
		if (spi_size)
			rbuf_bytes(&body, spi_size, &n->spi);
		n->data_len = rbuf_left(&body);
		n->data = NULL;
		rbuf_bytes(&body, n->data_len, &n->data);
		return 0;
	}
	case IKE2_PL_VID:
		if (m->nvids >= IKE2_MAX_VIDS)
			return wire_fail(err, errlen, "more than %d vendor ID payloads", IKE2_MAX_VIDS);
		m->vids[m->nvids].len = blen;
		rbuf_bytes(&body, blen, &m->vids[m->nvids].p);
		m->nvids++;
		return 0;
	case IKE2_PL_SK:
	case IKE2_PL_SKF:
		if (type == IKE2_PL_SKF) {
			if (blen < 4)
				return wire_fail(err, errlen, "SKF payload body is %zu bytes, 4 needed", blen);
			rbuf_u16(&body, &m->skf_num);
			rbuf_u16(&body, &m->skf_total);
			if (m->skf_num == 0 || m->skf_num > m->skf_total)
				return wire_fail(err, errlen, "SKF fragment %u of %u", (unsigned)m->skf_num,
						 (unsigned)m->skf_total);
			rbuf_init(&body, body.p, body.len); /* sk covers the whole body */
		}
		m->has_sk = true;
		m->sk_type = type;
		m->sk_first_inner = next;
		m->sk.len = blen;
		rbuf_bytes(&body, blen, &m->sk.p);
		return 0;
	default:
		if (!known_payload(type) && critical)
			return wire_fail(err, errlen, "unsupported critical payload %u", (unsigned)type);
		return 0; /* known but not interpreted here (IDi, CERT, ...), or unknown non-critical */
	}
}

int ike2_parse(const uint8_t *buf, size_t len, struct ike2_msg *m, char *err, size_t errlen)
{
	struct rbuf r;
	struct ike2_header *h = &m->hdr;
	memset(m, 0, sizeof *m);
	if (err && errlen)
		err[0] = '\0';
	if (!buf || len < IKE2_HDR_LEN)
		return wire_fail(err, errlen, "message is %zu bytes, the IKE header needs %d", buf ? len : 0, IKE2_HDR_LEN);
	if (len > IKE2_MAX_MSG)
		return wire_fail(err, errlen, "message is %zu bytes, more than %d", len, IKE2_MAX_MSG);
	rbuf_init(&r, buf, len);
	rbuf_u64(&r, &h->spi_i);
	rbuf_u64(&r, &h->spi_r);
	rbuf_u8(&r, &h->next_payload);
	rbuf_u8(&r, &h->version);
	rbuf_u8(&r, &h->exchange);
	rbuf_u8(&r, &h->flags);
	rbuf_u32(&r, &h->msg_id);
	rbuf_u32(&r, &h->length);
	if (r.err)
		return wire_fail(err, errlen, "short header");
	if ((h->version >> 4) != 2)
		return wire_fail(err, errlen, "version 0x%02x is not IKEv2", (unsigned)h->version);
	if (h->length != len)
		return wire_fail(err, errlen, "header Length %u but %zu bytes received", (unsigned)h->length, len);
	m->raw = buf;
	m->raw_len = len;

	uint8_t type = h->next_payload;
	while (type != IKE2_PL_NONE) {
		uint8_t next, flags;
		uint16_t plen;
		struct rbuf body;
		size_t left = rbuf_left(&r);
		if (m->npayloads >= IKE2_MAX_PAYLOADS)
			return wire_fail(err, errlen, "more than %d payloads", IKE2_MAX_PAYLOADS);
		if (left < 4)
			return wire_fail(err, errlen, "payload %u: generic header needs 4 bytes, %zu left", (unsigned)type, left);
		rbuf_u8(&r, &next);
		rbuf_u8(&r, &flags);
		rbuf_u16(&r, &plen);
		if (plen < 4)
			return wire_fail(err, errlen, "payload %u length %u is less than its 4-byte header", (unsigned)type,
					 (unsigned)plen);
		if (plen > left)
			return wire_fail(err, errlen, "payload %u length %u exceeds the %zu bytes left", (unsigned)type,
					 (unsigned)plen, left);
		size_t body_off = r.off;
		rbuf_sub(&r, (size_t)plen - 4, &body);
		m->payload_types[m->npayloads++] = type;
		if (type == IKE2_PL_SK || type == IKE2_PL_SKF) {
			if (rbuf_left(&r) != 0)
				return wire_fail(err, errlen, "encrypted payload %u is followed by %zu bytes", (unsigned)type,
						 rbuf_left(&r));
			if (handle_payload(type, flags & 0x80, next, body, m, err, errlen) < 0)
				return -1;
			m->sk_iv_off = body_off + (type == IKE2_PL_SKF ? 4 : 0);
			break; /* its Next Payload names the first inner payload */
		}
		if (handle_payload(type, flags & 0x80, next, body, m, err, errlen) < 0)
			return -1;
		type = next;
	}
	if (rbuf_left(&r) != 0)
		return wire_fail(err, errlen, "%zu bytes after the last payload", rbuf_left(&r));
	return 0;
}

enum ike2_dgram ike2_parse_datagram(const uint8_t *buf, size_t len, bool natt, struct ike2_msg *m, char *err,
				    size_t errlen)
{
	const uint8_t *p = buf;
	size_t n = len;
	if (natt) {
		enum natt_kind k = natt_classify(buf, len);
		if (k == NATT_KEEPALIVE) {
			memset(m, 0, sizeof *m);
			wire_fail(err, errlen, "%s", natt_kind_name(k));
			return IKE2_DG_KEEPALIVE;
		}
		if (!natt_strip(buf, len, &p, &n)) {
			memset(m, 0, sizeof *m);
			wire_fail(err, errlen, "%s", natt_kind_name(k));
			return IKE2_DG_MALFORMED;
		}
	}
	return ike2_parse(p, n, m, err, errlen) == 0 ? IKE2_DG_MESSAGE : IKE2_DG_MALFORMED;
}

static bool only_notifies(const struct ike2_msg *m)
{
	return m->nproposals == 0 && !m->has_ke && !m->nonce.p && m->nnotifies > 0 && !m->has_sk;
}

enum ike2_init_reply ike2_init_reply_kind(const struct ike2_msg *m)
{
	if (!(m->hdr.flags & IKE2_F_RESPONSE))
		return IKE2_IR_NOT_RESPONSE;
	if (m->hdr.exchange != IKE2_SA_INIT || m->hdr.msg_id != 0)
		return IKE2_IR_NOT_SA_INIT;
	const struct ike2_notify *e = ike2_first_error(m);
	const struct ike2_notify *c = ike2_find_notify(m, IKE2_N_COOKIE);
	if (m->hdr.spi_r == 0 && !(only_notifies(m) && (e || c)))
		return IKE2_IR_ZERO_SPI_R;
	if (c && !e && m->nproposals == 0)
		return IKE2_IR_COOKIE;
	if (e)
		return IKE2_IR_ERROR;
	if (m->nproposals != 1 || !m->has_ke || !m->nonce.p || m->nonce.len < 16 || m->nonce.len > 256 || m->ke.len == 0)
		return IKE2_IR_INCOMPLETE; /* RFC 7296 2.10: a nonce of 16 to 256 bytes */
	return IKE2_IR_ACCEPT;
}

const char *ike2_init_reply_why(enum ike2_init_reply k)
{
	switch (k) {
	case IKE2_IR_NOT_RESPONSE:
		return "not a response (R flag clear): our own request reflected, or a request";
	case IKE2_IR_NOT_SA_INIT:
		return "not an IKE_SA_INIT response with message ID 0";
	case IKE2_IR_ZERO_SPI_R:
		return "responder SPI is zero in a reply that is not a notify-only error or COOKIE";
	case IKE2_IR_INCOMPLETE:
		return "an IKE_SA_INIT response without exactly one proposal, KE data and a nonce of 16 to 256 bytes";
	case IKE2_IR_COOKIE:
	case IKE2_IR_ERROR:
	case IKE2_IR_ACCEPT:
		break;
	}
	return "";
}

enum ike2_auth_reply ike2_auth_reply_kind(const struct ike2_msg *m, uint64_t spi_i, uint64_t spi_r, bool deleting)
{
	return ike2_auth_reply_kind_mid(m, spi_i, spi_r, deleting, deleting ? 2 : 1);
}

enum ike2_auth_reply ike2_auth_reply_kind_mid(const struct ike2_msg *m, uint64_t spi_i, uint64_t spi_r, bool deleting,
					      uint32_t mid)
{
	if (m->hdr.spi_i != spi_i || m->hdr.spi_r != spi_r || !(m->hdr.flags & IKE2_F_RESPONSE))
		return IKE2_AR_NOT_OURS;
	if (m->hdr.exchange == IKE2_SA_INIT)
		return IKE2_AR_QUIET;
	if (deleting) {
		if (m->hdr.exchange == IKE2_INFORMATIONAL && m->hdr.msg_id == mid)
			return IKE2_AR_DELETED;
		return m->hdr.exchange == IKE2_AUTH ? IKE2_AR_QUIET : IKE2_AR_UNEXPECTED;
	}
	if (m->hdr.exchange != IKE2_AUTH || m->hdr.msg_id != mid)
		return m->hdr.exchange == IKE2_AUTH && m->hdr.msg_id >= 1 && m->hdr.msg_id < mid ? IKE2_AR_QUIET /* an earlier round's, again */
										 : IKE2_AR_UNEXPECTED;
	if (!m->has_sk)
		return ike2_first_error(m) ? IKE2_AR_PLAIN_ERROR : IKE2_AR_PLAIN;
	return m->sk_type == IKE2_PL_SKF ? IKE2_AR_SKF : IKE2_AR_SK;
}

const struct ike2_notify *ike2_find_notify(const struct ike2_msg *m, uint16_t type)
{
	for (size_t i = 0; i < m->nnotifies; i++)
		if (m->notifies[i].type == type)
			return &m->notifies[i];
	return NULL;
}

const struct ike2_notify *ike2_first_error(const struct ike2_msg *m)
{
	for (size_t i = 0; i < m->nnotifies; i++)
		if (m->notifies[i].type < 16384)
			return &m->notifies[i];
	return NULL;
}

/* ---- building ---- */

void ike2_w_begin(struct ike2_writer *iw, struct wbuf *w, const struct ike2_header *h)
{
	iw->w = w;
	iw->start = w->len;
	iw->np_off = w->len + 16;
	wbuf_u64(w, h->spi_i);
	wbuf_u64(w, h->spi_r);
	wbuf_u8(w, IKE2_PL_NONE);
	wbuf_u8(w, h->version ? h->version : 0x20);
	wbuf_u8(w, h->exchange);
	wbuf_u8(w, h->flags);
	wbuf_u32(w, h->msg_id);
	wbuf_u32(w, 0);
}

/* Starts a payload: links it from the previous Next Payload field, writes its generic header with
 * length 0, and returns the payload's offset (for end_payload). */
static size_t begin_payload(struct ike2_writer *iw, uint8_t type, bool critical)
{
	struct wbuf *w = iw->w;
	size_t off = w->len;
	wbuf_put_u8_at(w, iw->np_off, type);
	wbuf_u8(w, IKE2_PL_NONE);
	wbuf_u8(w, critical ? 0x80 : 0);
	wbuf_u16(w, 0);
	iw->np_off = off;
	return off;
}

/* Patches the 16-bit length at off + 2 with the bytes written since off. */
static void end_sub(struct wbuf *w, size_t off)
{
	wbuf_end_payload(w, off);
}

void ike2_w_payload(struct ike2_writer *iw, uint8_t type, bool critical, const uint8_t *body, size_t len)
{
	size_t off = begin_payload(iw, type, critical);
	wbuf_bytes(iw->w, body, len);
	end_sub(iw->w, off);
}

void ike2_w_sa(struct ike2_writer *iw, const struct ike2_proposal *p, size_t n)
{
	struct wbuf *w = iw->w;
	size_t off = begin_payload(iw, IKE2_PL_SA, false);
	for (size_t i = 0; i < n; i++) {
		size_t poff = w->len;
		size_t nt = p[i].ntransforms;
		if (nt > IKE2_MAX_TRANSFORMS || p[i].spi_size > sizeof p[i].spi) {
			w->err = true;
			return;
		}
		wbuf_u8(w, i + 1 < n ? 2 : 0);
		wbuf_u8(w, 0);
		wbuf_u16(w, 0);
		wbuf_u8(w, p[i].num ? p[i].num : (uint8_t)(i + 1));
		wbuf_u8(w, p[i].protocol ? p[i].protocol : 1);
		wbuf_u8(w, p[i].spi_size);
		wbuf_u8(w, (uint8_t)nt);
		wbuf_bytes(w, p[i].spi, p[i].spi_size);
		for (size_t j = 0; j < nt; j++) {
			const struct ike2_transform *t = &p[i].t[j];
			size_t toff = w->len;
			wbuf_u8(w, j + 1 < nt ? 3 : 0);
			wbuf_u8(w, 0);
			wbuf_u16(w, 0);
			wbuf_u8(w, t->type);
			wbuf_u8(w, 0);
			wbuf_u16(w, t->id);
			if (t->key_len) {
				wbuf_u16(w, 0x8000 | IKE2_ATTR_KEY_LENGTH);
				wbuf_u16(w, t->key_len);
			}
			end_sub(w, toff);
		}
		end_sub(w, poff);
	}
	end_sub(w, off);
}

void ike2_w_ke(struct ike2_writer *iw, uint16_t group, const uint8_t *data, size_t len)
{
	size_t off = begin_payload(iw, IKE2_PL_KE, false);
	wbuf_u16(iw->w, group);
	wbuf_u16(iw->w, 0);
	wbuf_bytes(iw->w, data, len);
	end_sub(iw->w, off);
}

void ike2_w_notify(struct ike2_writer *iw, uint8_t protocol, uint16_t type, const uint8_t *spi, uint8_t spi_size,
		   const uint8_t *data, size_t len)
{
	size_t off = begin_payload(iw, IKE2_PL_NOTIFY, false);
	wbuf_u8(iw->w, protocol);
	wbuf_u8(iw->w, spi_size);
	wbuf_u16(iw->w, type);
	wbuf_bytes(iw->w, spi, spi_size);
	wbuf_bytes(iw->w, data, len);
	end_sub(iw->w, off);
}

int ike2_w_end(struct ike2_writer *iw)
{
	struct wbuf *w = iw->w;
	if (w->err)
		return -1;
	size_t n = w->len - iw->start;
	if (n > IKE2_MAX_MSG)
		return -1;
	if (!wbuf_put_u32_at(w, iw->start + 24, (uint32_t)n))
		return -1;
	return (int)n;
}

int ike2_build_sa_init(struct wbuf *w, const struct ike2_sa_init *in)
{
	struct ike2_writer iw;
	struct ike2_header h = {
		.spi_i = in->spi_i, .version = 0x20, .exchange = IKE2_SA_INIT, .flags = IKE2_F_INITIATOR,
	};
	ike2_w_begin(&iw, w, &h);
	if (in->cookie)
		ike2_w_notify(&iw, 0, IKE2_N_COOKIE, NULL, 0, in->cookie, in->cookie_len);
	ike2_w_sa(&iw, in->proposals, in->nproposals);
	ike2_w_ke(&iw, in->ke_group, in->ke_data, in->ke_len);
	ike2_w_payload(&iw, IKE2_PL_NONCE, false, in->nonce, in->nonce_len);
	if (in->notify_order) {
		for (size_t i = 0; i < in->nnotify_order; i++) {
			uint16_t t = in->notify_order[i];
			if (t == IKE2_N_NAT_DETECTION_SOURCE_IP || t == IKE2_N_NAT_DETECTION_DESTINATION_IP) {
				const uint8_t *d = t == IKE2_N_NAT_DETECTION_SOURCE_IP ? in->natd_src : in->natd_dst;
				if (d)
					ike2_w_notify(&iw, 0, t, NULL, 0, d, 20);
			} else if (t != IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED || in->frag_supported) {
				ike2_w_notify(&iw, 0, t, NULL, 0, NULL, 0);
			}
		}
	} else {
		if (in->natd_src)
			ike2_w_notify(&iw, 0, IKE2_N_NAT_DETECTION_SOURCE_IP, NULL, 0, in->natd_src, 20);
		if (in->natd_dst)
			ike2_w_notify(&iw, 0, IKE2_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, in->natd_dst, 20);
		if (in->frag_supported)
			ike2_w_notify(&iw, 0, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	}
	for (size_t i = 0; i < in->nvids; i++)
		ike2_w_payload(&iw, IKE2_PL_VID, false, in->vids[i].p, in->vids[i].len);
	return ike2_w_end(&iw) < 0 ? -1 : 0;
}
