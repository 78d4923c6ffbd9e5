/* IKEv2 (RFC 7296) message codec: header, payload chain, SA/proposal/transform, KE, nonce,
 * notify, vendor ID. Pure functions over bounds-checked buffers (wire/wbuf.h); no I/O.
 *
 * Parsing is two steps in the iked manner: ike2_parse() walks the payload chain and checks every
 * length against what remains, then fills a struct ike2_msg whose pointers point INTO the caller's
 * buffer (the buffer must outlive the struct). Unknown non-critical payloads are skipped; an
 * encrypted payload (SK, 46; SKF, 53) is recorded but not decrypted here.
 *
 * Validation rules (a message failing any of them is rejected, with the reason in err):
 *   - header: 28 bytes, major version 2, Length field == bytes received;
 *   - every payload: generic header fits, 4 <= Payload Length <= bytes left; at most
 *     IKE2_MAX_PAYLOADS payloads; the chain ends (Next Payload 0) exactly at the end, or with an
 *     SK/SKF payload that covers the rest of the message;
 *   - an unknown payload type with the critical bit set is rejected ("unsupported critical
 *     payload N"); an unknown non-critical one is skipped (its type still appears in
 *     payload_types[]);
 *   - SA: proposals and transforms each with Last/More 0/2 resp. 0/3 consistent with their
 *     position, lengths inside their parent, counts matching Num Transforms, SPI Size <= 8,
 *     attributes well-formed (TV when the AF bit is set, else TLV), Key Length must be TV;
 *   - at most one SA, KE and Nonce; at most IKE2_MAX_PROPOSALS / _TRANSFORMS / _NOTIFIES /
 *     _VIDS of each kind; Notify SPI Size within its payload.
 *
 * CHANGES against the first version of this header (announced for the probe code):
 *   - struct ike2_notify has `spi` (into the buffer, spi_size bytes);
 *   - struct ike2_msg has payload_types[]/npayloads (wire order, incl. skipped ones) and
 *     skf_num/skf_total for an SKF payload;
 *   - name lookups in reverse (ike2_transform_lookup) for the profile files;
 *   - a generic message writer (ike2_w_*) used by ike2_build_sa_init and by tests / fake
 *     responders to build responses (COOKIE, NO_PROPOSAL_CHOSEN, a chosen proposal);
 *   - struct ike2_sa_init has notify_order/nnotify_order (optional, profile-driven order);
 *   - wbuf_put_u8_at in wire/wbuf.h.
 * The NAT-D hashes are computed in crypto/ (ike2_natd_hash in crypto/ike2_keys.h, ike1_natd in
 * crypto/ike1_keys.h) and passed in; the SK payload's framing is wire/ike2_sk.h. */
#ifndef VPNDIAG_WIRE_IKEV2_H
#define VPNDIAG_WIRE_IKEV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obs/ike.h"
#include "wire/wbuf.h"

#define IKE2_HDR_LEN 28
#define IKE2_MAX_MSG 65535
#define IKE2_MAX_PROPOSALS 32
#define IKE2_MAX_NOTIFIES 32
#define IKE2_MAX_VIDS 32
#define IKE2_MAX_PAYLOADS 64

struct ike2_header {
	uint64_t spi_i, spi_r;
	uint8_t next_payload;
	uint8_t version; /* 0x20 for IKEv2 */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;
};

struct ike2_notify {
	uint8_t protocol;
	uint16_t type;
	uint8_t spi_size;
	const uint8_t *spi;  /* spi_size bytes into the message buffer (NULL when 0) */
	const uint8_t *data; /* into the message buffer */
	size_t data_len;
};

struct ike2_blob {
	const uint8_t *p; /* into the message buffer */
	size_t len;
};

struct ike2_msg {
	struct ike2_header hdr;
	size_t nproposals;
	struct ike2_proposal proposals[IKE2_MAX_PROPOSALS];
	bool has_ke;
	uint16_t ke_group;
	struct ike2_blob ke;
	struct ike2_blob nonce;
	size_t nnotifies;
	struct ike2_notify notifies[IKE2_MAX_NOTIFIES];
	size_t nvids;
	struct ike2_blob vids[IKE2_MAX_VIDS];
	bool has_sk;                /* an SK or SKF payload was present (not decrypted here) */
	uint8_t sk_type;            /* IKE2_PL_SK or IKE2_PL_SKF */
	uint8_t sk_first_inner;     /* its Next Payload field */
	struct ike2_blob sk;        /* the SK/SKF payload body (after the 4-byte generic header) */
	uint16_t skf_num, skf_total; /* SKF only: Fragment Number, Total Fragments */
	size_t npayloads;
	uint8_t payload_types[IKE2_MAX_PAYLOADS]; /* every payload in wire order */
	const uint8_t *raw;         /* the whole message as received */
	size_t raw_len;
	size_t sk_iv_off;           /* SK/SKF: offset in raw of the IV (after the generic header, +4 for SKF) */
};

/* Parses one IKEv2 message (without a non-ESP marker). Returns 0, or -1 with a one-line reason
 * ("payload 41 length 9 exceeds the 5 bytes left") in err. Pure. */
int ike2_parse(const uint8_t *buf, size_t len, struct ike2_msg *out, char *err, size_t errlen);

/* ---- a datagram as received (issue 11: the probe's own byte handling, moved here) ---- */

enum ike2_dgram {
	IKE2_DG_MESSAGE = 0,   /* an IKEv2 message, parsed into *m (m->raw: the message after any marker) */
	IKE2_DG_KEEPALIVE = 1, /* UDP 4500: a NAT keepalive (one byte 0xFF): not a reply, not malformed */
	IKE2_DG_MALFORMED = 2  /* not IKEv2 (no non-ESP marker on 4500, or the message does not parse):
				* the reason in err */
};
/* Parses one received UDP datagram: on UDP 4500 (natt) the non-ESP marker is stripped first
 * (wire/natt.h). m's pointers point into buf. Pure. */
enum ike2_dgram ike2_parse_datagram(const uint8_t *buf, size_t len, bool natt, struct ike2_msg *m, char *err,
				    size_t errlen);

/* What a parsed message is, as the answer to our IKE_SA_INIT (after the caller has checked the
 * initiator SPI). Reply rules (RFC 7296 2.6, 2.21, 3.1): a response (R flag), IKE_SA_INIT with
 * message ID 0, a non-zero SPIr except in a notify-only error or COOKIE reply. */
enum ike2_init_reply {
	IKE2_IR_NOT_RESPONSE = 0, /* R flag clear: our own request reflected, or a request */
	IKE2_IR_NOT_SA_INIT,      /* another exchange or message ID */
	IKE2_IR_ZERO_SPI_R,       /* SPIr 0 in a reply that is not a notify-only error or COOKIE */
	IKE2_IR_COOKIE,           /* N(COOKIE) without an error and without SA: send again with it */
	IKE2_IR_ERROR,            /* an error notify (ike2_first_error) */
	IKE2_IR_INCOMPLETE,       /* no error, but not exactly one proposal, KE data and a 16..256-byte nonce */
	IKE2_IR_ACCEPT            /* one proposal, KE and nonce: the server accepted */
};
enum ike2_init_reply ike2_init_reply_kind(const struct ike2_msg *m);
/* "not a response (R flag clear): ..." for the ignored kinds; "" for the others. */
const char *ike2_init_reply_why(enum ike2_init_reply k);

/* What a parsed message is, while our IKE SA (spi_i, spi_r) waits for the IKE_AUTH response
 * (message 1) or, when deleting, for the INFORMATIONAL response (message 2). */
enum ike2_auth_reply {
	IKE2_AR_NOT_OURS = 0,   /* other SPIs, or not a response */
	IKE2_AR_QUIET,          /* a retransmitted IKE_SA_INIT response, or a late IKE_AUTH fragment while deleting: drop silently */
	IKE2_AR_DELETED,        /* deleting: the INFORMATIONAL response, message 2 */
	IKE2_AR_UNEXPECTED,     /* deleting: something else; or not IKE_AUTH message 1 */
	IKE2_AR_PLAIN_ERROR,    /* IKE_AUTH message 1 without SK but with an error notify */
	IKE2_AR_PLAIN,          /* IKE_AUTH message 1 without SK and without an error */
	IKE2_AR_SK,             /* IKE_AUTH message 1 with an SK payload: open it at m->sk_iv_off */
	IKE2_AR_SKF             /* the same with an SKF fragment (RFC 7383) */
};
enum ike2_auth_reply ike2_auth_reply_kind(const struct ike2_msg *m, uint64_t spi_i, uint64_t spi_r, bool deleting);
/* The same for any message ID: the IKE_AUTH response `mid` (later EAP rounds: 2, 3...), or when
 * deleting the INFORMATIONAL response `mid`. */
enum ike2_auth_reply ike2_auth_reply_kind_mid(const struct ike2_msg *m, uint64_t spi_i, uint64_t spi_r, bool deleting,
					      uint32_t mid);

/* Lookup helpers over a parsed message. */
const struct ike2_notify *ike2_find_notify(const struct ike2_msg *m, uint16_t type);
/* The first notify with type < 16384 (an error), or NULL. */
const struct ike2_notify *ike2_first_error(const struct ike2_msg *m);

/* ---- building ---- */

/* What goes into an IKE_SA_INIT request. Proposals carry their transforms; KE data and nonce are
 * supplied by the caller (random or fixed for tests). */
struct ike2_sa_init {
	uint64_t spi_i;
	const struct ike2_proposal *proposals;
	size_t nproposals;
	uint16_t ke_group;
	const uint8_t *ke_data;
	size_t ke_len;
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *cookie; /* N(COOKIE) data to put first, or NULL */
	size_t cookie_len;
	const uint8_t *natd_src; /* 20-byte NAT_DETECTION_SOURCE_IP data (ike2_natd_hash), or NULL */
	const uint8_t *natd_dst; /* 20-byte NAT_DETECTION_DESTINATION_IP data, or NULL */
	bool frag_supported;     /* add N(IKEV2_FRAGMENTATION_SUPPORTED) */
	const struct ike2_blob *vids;
	size_t nvids;
	/* Optional (added; NULL keeps the order below): the notify types after the nonce in wire
	 * order, e.g. struct profile's notifies[]. NAT-D entries are sent only when natd_src /
	 * natd_dst is set, FRAGMENTATION_SUPPORTED only when frag_supported; any other type is sent
	 * with empty data. */
	const uint16_t *notify_order;
	size_t nnotify_order;
};

/* Writes a complete IKE_SA_INIT request into w (header length patched). Returns 0, -1 on overflow.
 * Payload order (Windows'): [N(COOKIE)] SA KE Ni [N(NAT_DETECTION_SOURCE_IP)]
 * [N(NAT_DETECTION_DESTINATION_IP)] [N(IKEV2_FRAGMENTATION_SUPPORTED)] V... Proposals with
 * num 0 are numbered 1..n, protocol 0 becomes 1 (IKE). About 880 bytes for the Windows default. */
int ike2_build_sa_init(struct wbuf *w, const struct ike2_sa_init *in);

/* Generic writer: ike2_w_begin writes the header (its next_payload and length are ignored and
 * patched); each ike2_w_* call appends one payload and sets the previous Next Payload field;
 * ike2_w_end patches the Length and returns the message size, or -1 if w overflowed at any
 * point. All bytes go into w's caller-provided buffer; the writer keeps only offsets. */
struct ike2_writer {
	struct wbuf *w;
	size_t start;   /* offset of the header in w */
	size_t np_off;  /* offset of the Next Payload field to patch for the next payload */
};
void ike2_w_begin(struct ike2_writer *iw, struct wbuf *w, const struct ike2_header *h);
/* Any payload with an opaque body (VID, Nonce, CERTREQ...). critical sets the C bit. */
void ike2_w_payload(struct ike2_writer *iw, uint8_t type, bool critical, const uint8_t *body, size_t len);
void ike2_w_sa(struct ike2_writer *iw, const struct ike2_proposal *p, size_t n);
void ike2_w_ke(struct ike2_writer *iw, uint16_t group, const uint8_t *data, size_t len);
void ike2_w_notify(struct ike2_writer *iw, uint8_t protocol, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const uint8_t *data, size_t len);
int ike2_w_end(struct ike2_writer *iw);

/* Names for reports: "NO_PROPOSAL_CHOSEN", "AES_CBC_256", "HMAC_SHA2_256_128", "MODP_1024"...
 * Unknown values give "UNKNOWN". Generated from one table each. */
const char *ike2_notify_name(uint16_t type);
const char *ike2_exchange_name(uint8_t exchange);
const char *ike2_transform_name(uint8_t type, uint16_t id);
/* "AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" for a proposal: transforms grouped by type
 * in the order ENCR, INTEG, PRF, DH, ESN (wire order within a type); unknown ids as "ENCR_99". */
void ike2_proposal_str(const struct ike2_proposal *p, char *out, size_t outlen);
/* The transform type "ENCR", "PRF", "INTEG", "DH", "ESN". */
const char *ike2_transform_type_name(uint8_t type);
/* "SA", "KE", "Nonce", "N", "V", "SK", "SKF"... */
const char *ike2_payload_name(uint8_t type);
/* Reverse lookup for data files: the transform id of type `type` whose name ("AES_CBC",
 * "PRF_HMAC_SHA1", "MODP_1024") or keyword ("aes-cbc", "hmac-sha1", "modp1024") equals word
 * (ASCII case-insensitive). Returns true and sets *id when found. */
bool ike2_transform_lookup(uint8_t type, const char *word, uint16_t *id);
/* Same for notify types ("NAT_DETECTION_SOURCE_IP"); true and *type when found. */
bool ike2_notify_lookup(const char *word, uint16_t *type);

#endif
