/* IKEv1 / ISAKMP (RFC 2408, RFC 2409, RFC 3947) message codec: header, payload chain, SA with
 * DOI/situation, proposals, transforms with TV/TLV attributes, KE, ID, HASH, SIG, Nonce,
 * Notification, Delete, Vendor ID, NAT-D (RFC 3947 type 20 and draft type 130), NAT-OA, and
 * CERT/CR passed through. Pure functions over bounds-checked buffers (wire/wbuf.h); no I/O and
 * no cryptography: encrypted messages are recorded, not decrypted (see ike1_parse_plain for the
 * plaintext once the caller has decrypted it with crypto/ike1_keys).
 *
 * Ownership: every pointer in a parsed struct (struct ike1_blob, ...) points INTO the caller's
 * buffer; that buffer must outlive the struct. Builders write only into the caller's struct wbuf
 * (plus small fixed stack scratch for encrypted messages) and keep nothing.
 *
 * Validation (a message failing one is rejected with a one-line reason in err):
 *   - header: at least 28 bytes, major version 1, 28 <= Length <= bytes received (bytes after
 *     Length are reported in trailing, not parsed);
 *   - every payload: 4-byte generic header fits, 4 <= Payload Length <= bytes left, reserved byte
 *     ignored; at most IKE1_MAX_PAYLOADS payloads; the chain must end (Next Payload 0) exactly at
 *     Length (plaintext after decryption may carry padding after the chain);
 *   - SA: DOI and situation present (situation 4 bytes for DOI 1); proposals (type 2) and
 *     transforms (type 3) nested with lengths inside their parent, Next Payload 0 only on the
 *     last one, counts matching "# of Transforms", SPI size within the proposal;
 *   - attributes: TV (AF bit 0x8000) with a 2-byte value, or TLV with a length inside the
 *     transform; at most IKE1_MAX_ATTRS per transform;
 *   - Notification / Delete: SPI sizes and counts within their payload;
 *   - at most IKE1_MAX_* items of each repeated kind (more is an error, not a silent drop).
 * Unknown payload types are skipped (ISAKMP has no critical bit); their type still appears in
 * payload_types[]. */
#ifndef VPNDIAG_WIRE_IKEV1_H
#define VPNDIAG_WIRE_IKEV1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define IKE1_HDR_LEN 28
#define IKE1_VERSION 0x10
#define IKE1_MAX_PROPOSALS 4
#define IKE1_MAX_TRANSFORMS 16
#define IKE1_MAX_ATTRS 16
#define IKE1_MAX_NOTIFIES 16
#define IKE1_MAX_DELETES 4
#define IKE1_MAX_VIDS 32
#define IKE1_MAX_NATD 8
#define IKE1_MAX_CERTS 8
#define IKE1_MAX_PAYLOADS 64
/* Largest plaintext the encrypted-message builders handle (they pad and encrypt on the stack). */
#define IKE1_MAX_PLAIN 2048

/* Header flags (RFC 2408 3.1) */
enum { IKE1_F_ENCRYPTION = 0x01, IKE1_F_COMMIT = 0x02, IKE1_F_AUTH_ONLY = 0x04 };

/* One X-macro list per name table; the enums and the name functions are generated from them. */
#define IKE1_EXCHANGE_LIST(X)                                                                      \
	X(NONE, 0) X(BASE, 1) X(IDENTITY_PROTECTION, 2) X(AUTHENTICATION_ONLY, 3) X(AGGRESSIVE, 4) \
	X(INFORMATIONAL, 5) X(TRANSACTION, 6) X(QUICK_MODE, 32) X(NEW_GROUP_MODE, 33)
#define IKE1_PAYLOAD_LIST(X)                                                                       \
	X(NONE, 0) X(SA, 1) X(PROPOSAL, 2) X(TRANSFORM, 3) X(KE, 4) X(ID, 5) X(CERT, 6) X(CR, 7)   \
	X(HASH, 8) X(SIG, 9) X(NONCE, 10) X(N, 11) X(D, 12) X(VID, 13) X(ATTR, 14) X(NAT_D, 20)    \
	X(NAT_OA, 21) X(NAT_D_DRAFT, 130) X(NAT_OA_DRAFT, 131) X(FRAGMENT, 132)
/* Notify message types: RFC 2408 3.14.1 errors (1-30), status 16384, RFC 2407 4.6.3 DOI status,
 * RFC 3706 DPD. */
#define IKE1_NOTIFY_LIST(X)                                                                        \
	X(INVALID_PAYLOAD_TYPE, 1) X(DOI_NOT_SUPPORTED, 2) X(SITUATION_NOT_SUPPORTED, 3)            \
	X(INVALID_COOKIE, 4) X(INVALID_MAJOR_VERSION, 5) X(INVALID_MINOR_VERSION, 6)               \
	X(INVALID_EXCHANGE_TYPE, 7) X(INVALID_FLAGS, 8) X(INVALID_MESSAGE_ID, 9)                   \
	X(INVALID_PROTOCOL_ID, 10) X(INVALID_SPI, 11) X(INVALID_TRANSFORM_ID, 12)                  \
	X(ATTRIBUTES_NOT_SUPPORTED, 13) X(NO_PROPOSAL_CHOSEN, 14) X(BAD_PROPOSAL_SYNTAX, 15)       \
	X(PAYLOAD_MALFORMED, 16) X(INVALID_KEY_INFORMATION, 17) X(INVALID_ID_INFORMATION, 18)      \
	X(INVALID_CERT_ENCODING, 19) X(INVALID_CERTIFICATE, 20) X(CERT_TYPE_UNSUPPORTED, 21)       \
	X(INVALID_CERT_AUTHORITY, 22) X(INVALID_HASH_INFORMATION, 23) X(AUTHENTICATION_FAILED, 24) \
	X(INVALID_SIGNATURE, 25) X(ADDRESS_NOTIFICATION, 26) X(NOTIFY_SA_LIFETIME, 27)             \
	X(CERTIFICATE_UNAVAILABLE, 28) X(UNSUPPORTED_EXCHANGE_TYPE, 29)                            \
	X(UNEQUAL_PAYLOAD_LENGTHS, 30) X(CONNECTED, 16384) X(RESPONDER_LIFETIME, 24576)            \
	X(REPLAY_STATUS, 24577) X(INITIAL_CONTACT, 24578) X(R_U_THERE, 36136)                      \
	X(R_U_THERE_ACK, 36137)
/* Phase-1 attribute classes (RFC 2409 Appendix A) */
#define IKE1_ATTR_LIST(X)                                                                          \
	X(ENCRYPTION_ALGORITHM, 1) X(HASH_ALGORITHM, 2) X(AUTHENTICATION_METHOD, 3)                 \
	X(GROUP_DESCRIPTION, 4) X(GROUP_TYPE, 5) X(GROUP_PRIME, 6) X(GROUP_GENERATOR_ONE, 7)       \
	X(GROUP_GENERATOR_TWO, 8) X(GROUP_CURVE_A, 9) X(GROUP_CURVE_B, 10) X(LIFE_TYPE, 11)        \
	X(LIFE_DURATION, 12) X(PRF, 13) X(KEY_LENGTH, 14) X(FIELD_SIZE, 15) X(GROUP_ORDER, 16)
#define IKE1_ENC_LIST(X)                                                                           \
	X(DES_CBC, 1) X(IDEA_CBC, 2) X(BLOWFISH_CBC, 3) X(RC5_R16_B64_CBC, 4) X(3DES_CBC, 5)       \
	X(CAST_CBC, 6) X(AES_CBC, 7) X(CAMELLIA_CBC, 8)
#define IKE1_HASH_LIST(X) X(MD5, 1) X(SHA1, 2) X(TIGER, 3) X(SHA2_256, 4) X(SHA2_384, 5) X(SHA2_512, 6)
#define IKE1_AUTH_LIST(X)                                                                          \
	X(PRE_SHARED_KEY, 1) X(DSS_SIG, 2) X(RSA_SIG, 3) X(RSA_ENC, 4) X(RSA_REV_ENC, 5)           \
	X(ECDSA_256, 9) X(ECDSA_384, 10) X(ECDSA_521, 11) X(HYBRID_INIT_RSA, 64221)                \
	X(XAUTH_INIT_PSK, 65001) X(XAUTH_INIT_RSA, 65005)
#define IKE1_GROUP_LIST(X)                                                                         \
	X(MODP_768, 1) X(MODP_1024, 2) X(EC2N_155, 3) X(EC2N_185, 4) X(MODP_1536, 5)               \
	X(MODP_2048, 14) X(MODP_3072, 15) X(MODP_4096, 16) X(MODP_6144, 17) X(MODP_8192, 18)       \
	X(ECP_256, 19) X(ECP_384, 20) X(ECP_521, 21) X(MODP_1024_160, 22) X(MODP_2048_224, 23)     \
	X(MODP_2048_256, 24)
#define IKE1_LIFE_LIST(X) X(SECONDS, 1) X(KILOBYTES, 2)
/* Identification types (RFC 2407 4.6.2.1) */
#define IKE1_ID_LIST(X)                                                                            \
	X(IPV4_ADDR, 1) X(FQDN, 2) X(USER_FQDN, 3) X(IPV4_ADDR_SUBNET, 4) X(IPV6_ADDR, 5)          \
	X(IPV6_ADDR_SUBNET, 6) X(IPV4_ADDR_RANGE, 7) X(IPV6_ADDR_RANGE, 8) X(DER_ASN1_DN, 9)       \
	X(DER_ASN1_GN, 10) X(KEY_ID, 11)

#define IKE1_X_ENUM(prefix, name, v) prefix##name = v,
#define IKE1_X_EX(n, v) IKE1_X_ENUM(IKE1_EX_, n, v)
#define IKE1_X_PL(n, v) IKE1_X_ENUM(IKE1_PL_, n, v)
#define IKE1_X_N(n, v) IKE1_X_ENUM(IKE1_N_, n, v)
#define IKE1_X_A(n, v) IKE1_X_ENUM(IKE1_A_, n, v)
#define IKE1_X_ENC(n, v) IKE1_X_ENUM(IKE1_ENC_, n, v)
#define IKE1_X_HASH(n, v) IKE1_X_ENUM(IKE1_HASH_, n, v)
#define IKE1_X_AUTH(n, v) IKE1_X_ENUM(IKE1_AUTH_, n, v)
#define IKE1_X_GRP(n, v) IKE1_X_ENUM(IKE1_GROUP_, n, v)
#define IKE1_X_LIFE(n, v) IKE1_X_ENUM(IKE1_LIFE_, n, v)
#define IKE1_X_ID(n, v) IKE1_X_ENUM(IKE1_ID_, n, v)
enum ike1_exchange { IKE1_EXCHANGE_LIST(IKE1_X_EX) };
enum ike1_payload { IKE1_PAYLOAD_LIST(IKE1_X_PL) };
enum ike1_notify { IKE1_NOTIFY_LIST(IKE1_X_N) };
enum ike1_attr_type { IKE1_ATTR_LIST(IKE1_X_A) };
enum ike1_enc { IKE1_ENC_LIST(IKE1_X_ENC) };
enum ike1_hash { IKE1_HASH_LIST(IKE1_X_HASH) };
enum ike1_auth { IKE1_AUTH_LIST(IKE1_X_AUTH) };
enum ike1_group { IKE1_GROUP_LIST(IKE1_X_GRP) };
enum ike1_life { IKE1_LIFE_LIST(IKE1_X_LIFE) };
enum ike1_id { IKE1_ID_LIST(IKE1_X_ID) };

enum { IKE1_DOI_IPSEC = 1, IKE1_SIT_IDENTITY_ONLY = 1, IKE1_PROTO_ISAKMP = 1, IKE1_KEY_IKE = 1 };

struct ike1_blob {
	const uint8_t *p; /* into the message buffer (or the caller's data for builders) */
	size_t len;
};

struct ike1_header {
	uint8_t cky_i[8];
	uint8_t cky_r[8];
	uint8_t next_payload;
	uint8_t version; /* 0x10 */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length;
};

struct ike1_attr {
	uint16_t type;      /* without the AF bit */
	bool tv;            /* TV form (AF bit set): value in tv_value */
	uint16_t tv_value;
	struct ike1_blob v; /* TLV form: the value bytes */
};

/* A transform with the phase-1 attributes decoded (0 = absent) and every attribute kept raw. */
struct ike1_transform {
	uint8_t num;
	uint8_t id;            /* 1 KEY_IKE in phase 1 */
	uint16_t enc, hash, auth, group, key_len, prf;
	uint64_t life_seconds; /* Life Duration following Life Type seconds (TV or TLV up to 8 B) */
	uint64_t life_kbytes;
	bool life_too_long;    /* a Life Duration value wider than 8 bytes */
	size_t nattrs;
	struct ike1_attr attrs[IKE1_MAX_ATTRS];
};

struct ike1_proposal {
	uint8_t num;
	uint8_t protocol;
	uint8_t spi_size;
	struct ike1_blob spi;
	size_t ntransforms;
	struct ike1_transform t[IKE1_MAX_TRANSFORMS];
};

struct ike1_sa {
	uint32_t doi;
	uint32_t situation;
	struct ike1_blob body; /* the SA payload body after the generic header: SAi_b / SAr_b */
	size_t nproposals;
	struct ike1_proposal p[IKE1_MAX_PROPOSALS];
};

struct ike1_id_pl {
	uint8_t type;
	uint8_t protocol;
	uint16_t port;
	struct ike1_blob data;
	struct ike1_blob body; /* the ID payload body after the generic header: IDii_b / IDir_b */
};

struct ike1_notify_pl {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	struct ike1_blob spi;
	struct ike1_blob data;
};

struct ike1_delete_pl {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t nspis;
	struct ike1_blob spis; /* nspis * spi_size bytes */
};

struct ike1_cert_pl {
	uint8_t encoding; /* CERT: Cert Encoding; CR: Cert Type */
	struct ike1_blob data;
};

struct ike1_msg {
	struct ike1_header hdr;
	size_t trailing;          /* bytes received after the header's Length (not parsed) */
	bool encrypted;           /* the E flag was set: payloads are in ciphertext, not parsed */
	struct ike1_blob ciphertext; /* when encrypted: the bytes after the header up to Length */
	size_t pad_len;           /* ike1_parse_plain only: bytes after the payload chain */
	bool has_sa;
	struct ike1_sa sa;
	struct ike1_blob ke;
	bool has_ke;
	struct ike1_blob nonce;
	bool has_nonce;
	bool has_id;
	struct ike1_id_pl id;
	struct ike1_blob hash;
	bool has_hash;
	struct ike1_blob sig;
	bool has_sig;
	size_t nnotifies;
	struct ike1_notify_pl notifies[IKE1_MAX_NOTIFIES];
	size_t ndeletes;
	struct ike1_delete_pl deletes[IKE1_MAX_DELETES];
	size_t nvids;
	struct ike1_blob vids[IKE1_MAX_VIDS];
	size_t nnatd;
	struct ike1_blob natd[IKE1_MAX_NATD]; /* in wire order: the first is the receiver's address */
	bool natd_draft;                      /* NAT-D came as payload type 130 */
	size_t nnatoa;
	struct ike1_blob natoa[2];
	size_t ncerts;
	struct ike1_cert_pl certs[IKE1_MAX_CERTS];
	size_t ncrs;
	struct ike1_cert_pl crs[IKE1_MAX_CERTS];
	size_t npayloads;
	uint8_t payload_types[IKE1_MAX_PAYLOADS];
	const uint8_t *raw;
	size_t raw_len;
	size_t first_pl_len; /* the first payload's length with its generic header (0: no payload) */
	size_t chain_len;    /* bytes of the payload chain (ike1_parse_plain: raw_len - pad_len) */
};

/* Parses one ISAKMP message (without a non-ESP marker). Returns 0, or -1 with a one-line reason in
 * err. When the E flag is set only the header is parsed; the rest is in out->ciphertext. Pure. */
int ike1_parse(const uint8_t *buf, size_t len, struct ike1_msg *out, char *err, size_t errlen);

/* Parses the decrypted payload chain of an encrypted message: hdr is the outer header (copied into
 * out->hdr), plain the plaintext starting with payload hdr->next_payload. Bytes after the chain
 * are padding (counted in pad_len). Pointers point into plain. Pure. */
int ike1_parse_plain(const struct ike1_header *hdr, const uint8_t *plain, size_t len, struct ike1_msg *out,
		     char *err, size_t errlen);

/* ---- is this a reply to our request? (one check for Main Mode and Aggressive Mode) ----
 *
 * A datagram counts as the server's reply only when it parses as ISAKMP and passes, in order:
 *   1. CKY-I is ours (compared in constant time; the keyed cookie is what makes a reply ours);
 *   2. the exchange type is ours (Identity Protection or Aggressive) or Informational;
 *   3. CKY-R is not zero, except on an Informational (a refusal may carry CKY-R 0): a zero CKY-R
 *      with our exchange type is our own request reflected back, or not a reply;
 *   4. once the responder cookie is known (from MM2), a non-zero CKY-R equals it;
 * and then its content is what the step waits for (ike1_reply_classify). */

/* Why a parsed message did not count (IKE1_REPLY_OK = it is a reply to our request). The values
 * are stable: the probe puts them in the l2tp-ignored observation's code. */
enum ike1_reply_status {
	IKE1_REPLY_OK = 0,
	IKE1_REPLY_NOT_OUR_COOKIE = 1, /* CKY-I is not ours */
	IKE1_REPLY_WRONG_EXCHANGE = 2, /* our cookie, but neither our exchange type nor Informational */
	IKE1_REPLY_ZERO_CKY_R = 3,     /* our cookie and exchange, CKY-R zero: reflected, or not a reply */
	IKE1_REPLY_OTHER_CKY_R = 4,    /* another responder cookie than the one learnt from MM2 */
	IKE1_REPLY_UNEXPECTED = 5,     /* ours, but not what this step waits for */
	IKE1_REPLY_RETRANSMIT = 6,     /* ours: the server's previous message again (MM2 after MM3...) */
	IKE1_REPLY_ENCRYPTED = 7,      /* ours, encrypted where only a clear message can come */
	IKE1_REPLY_BAD_SOURCE = 8,     /* (probe) not from the address and port the request went to */
	IKE1_REPLY_NOT_IKE = 9,        /* (probe, UDP 4500) a NAT keepalive: not a reply, not malformed */
};
/* A short English reason for a status ("not our initiator cookie", ...). */
const char *ike1_reply_status_name(enum ike1_reply_status s);

/* What our exchange waits for. */
enum ike1_step {
	IKE1_STEP_MM2 = 1, /* after MM1 */
	IKE1_STEP_MM4 = 3, /* after MM3 */
	IKE1_STEP_MM6 = 5, /* after MM5 */
	IKE1_STEP_AM2 = 7, /* after Aggressive Mode 1 */
};

/* What an accepted reply is. */
enum ike1_reply_kind {
	IKE1_KIND_NONE = 0,
	IKE1_KIND_ERROR_NOTIFY, /* a clear Informational with an error notify (in notify) */
	IKE1_KIND_INFO_CLEAR,   /* a clear Informational without an error notify (after MM5 only) */
	IKE1_KIND_INFO_ENCRYPTED, /* an encrypted Informational (after MM5) */
	IKE1_KIND_MM2,          /* clear Main Mode with an SA of one proposal with one transform */
	IKE1_KIND_MM4,          /* clear Main Mode with KE and a nonce of 8..256 bytes */
	IKE1_KIND_MM6,          /* encrypted Main Mode (after MM5) */
	IKE1_KIND_AM2,          /* clear Aggressive Mode: SA (one PSK transform), KE, Nr, HASH_R */
};

/* Our side of the exchange: the cookies and exchange type of the request. */
struct ike1_request {
	uint8_t cky_i[8];
	uint8_t cky_r[8]; /* the responder cookie from MM2; all zero before it */
	uint8_t exchange; /* IKE1_EX_IDENTITY_PROTECTION or IKE1_EX_AGGRESSIVE */
};

struct ike1_reply {
	enum ike1_reply_status status;
	enum ike1_reply_kind kind;         /* when status is IKE1_REPLY_OK */
	const struct ike1_notify_pl *notify; /* ERROR_NOTIFY / INFO_CLEAR: the first error notify or NULL */
	const char *why;                   /* status IKE1_REPLY_OK: ""; otherwise a short reason */
};

/* Checks 1-4 above on a parsed message. Pure. */
enum ike1_reply_status ike1_reply_check(const struct ike1_msg *m, const struct ike1_request *req);
/* ike1_reply_check, then whether the content is what step waits for; fills out (pointers into m).
 * Returns out->status. Pure. */
enum ike1_reply_status ike1_reply_classify(const struct ike1_msg *m, const struct ike1_request *req,
					   enum ike1_step step, struct ike1_reply *out);

/* The plaintext of an encrypted Informational (HASH(1), N or D; RFC 2409 5.7) whose FIRST cipher
 * block may be garbled: its IV (hash of the last phase-1 block | M-ID) is not agreed on by every
 * implementation, and CBC with a wrong IV garbles the first block only. So the first payload is
 * taken to be HASH with hash_len bytes of hash (its generic header is not read), and the rest is
 * parsed as a chain that starts with a Notification (or, failing that, a Delete). On success
 * out holds the parsed tail (hdr copied; notify/delete pointers into plain), *covered the bytes
 * HASH(1) covers (the tail without padding) and *hash the hash bytes; -1 with a reason. Pure. */
int ike1_parse_info_plain(const struct ike1_header *hdr, const uint8_t *plain, size_t len, size_t hash_len,
			  struct ike1_msg *out, struct ike1_blob *hash, struct ike1_blob *covered, char *err,
			  size_t errlen);

/* The first notify with an error type (1..16383), or NULL; and lookup by type. */
const struct ike1_notify_pl *ike1_first_error(const struct ike1_msg *m);
const struct ike1_notify_pl *ike1_find_notify(const struct ike1_msg *m, uint16_t type);

/* ---- names (generated from the lists above; unknown values give "UNKNOWN") ---- */
const char *ike1_exchange_name(uint8_t v);
const char *ike1_payload_name(uint8_t v);
const char *ike1_notify_name(uint16_t v);
const char *ike1_attr_name(uint16_t type);
/* The name of an attribute value for the classes that have a table (encryption, hash,
 * authentication, group, life type); "UNKNOWN" otherwise. */
const char *ike1_attr_value_name(uint16_t type, uint16_t value);
const char *ike1_id_name(uint8_t v);
/* "AES_CBC_256/SHA1/ECP_384/PRE_SHARED_KEY/28800s" (unknown values as numbers). */
void ike1_transform_str(const struct ike1_transform *t, char *out, size_t outlen);
/* Names a vendor ID the way the probes report it ("RFC 3947", "MS NT5 ISAKMPOAKLEY v9",
 * "draft-ietf-ipsec-nat-t-ike-02\\n", "strongSwan", "FRAGMENTATION", "DPD"...), or NULL. */
const char *ike1_vid_name(const uint8_t *vid, size_t len);

/* ---- building ---- */

/* A phase-1 transform to propose. key_len 0 = no Key Length attribute. Attributes are written in
 * Windows' order: Encryption, [Key Length], Hash, Group, Authentication, Life Type seconds,
 * Life Duration (always as a 4-byte TLV, as Windows does even for 28800). life_seconds 0 omits
 * the two life attributes. */
struct ike1_tspec {
	uint16_t enc;
	uint16_t key_len;
	uint16_t hash;
	uint16_t group;
	uint16_t auth;
	uint32_t life_seconds;
};

/* Windows 10/11 L2TP/IPsec Main Mode 1 (facts 2.4/2.5, checked against a Windows-identical
 * MM1): the 5 transforms and the 8 vendor IDs in wire order. The probe profile is authoritative;
 * these are the default and the unit-test reference. */
extern const struct ike1_tspec ike1_windows_mm1_transforms[5];
extern const struct ike1_blob ike1_windows_mm1_vids[8];
/* Well-known VID bytes for building and matching. */
extern const uint8_t ike1_vid_rfc3947[16];
extern const uint8_t ike1_vid_natt_draft02n[16];

/* Generic writer: ike1_w_begin writes the header (next_payload/length patched later); each
 * ike1_w_* appends one payload and patches the previous Next Payload; ike1_w_end patches Length
 * and returns the message size, or -1 if w overflowed at any point. */
struct ike1_writer {
	struct wbuf *w;
	size_t start;  /* offset of the header in w */
	size_t np_off; /* offset of the Next Payload field to patch for the next payload */
	bool chain;    /* a bare chain (ike1_w_begin_chain) */
	uint8_t first; /* chain mode: the type of the first payload */
};
void ike1_w_begin(struct ike1_writer *iw, struct wbuf *w, const struct ike1_header *h);
/* A writer for a bare payload chain (the plaintext of an encrypted message): no header; the
 * first payload's type goes to *first_np when ike1_w_end_chain returns. */
void ike1_w_begin_chain(struct ike1_writer *iw, struct wbuf *w);
void ike1_w_payload(struct ike1_writer *iw, uint8_t type, const uint8_t *body, size_t len);
/* SA (DOI 1, SIT_IDENTITY_ONLY) with one ISAKMP proposal of n KEY_IKE transforms numbered 1..n. */
void ike1_w_sa(struct ike1_writer *iw, const struct ike1_tspec *t, size_t n);
void ike1_w_notify(struct ike1_writer *iw, uint8_t protocol, uint16_t type, const uint8_t *spi, uint8_t spi_size,
		   const uint8_t *data, size_t len);
void ike1_w_delete(struct ike1_writer *iw, uint8_t protocol, const uint8_t *spis, uint8_t spi_size,
		   uint16_t nspis);
void ike1_w_id(struct ike1_writer *iw, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
	       size_t len);
int ike1_w_end(struct ike1_writer *iw);
/* Ends a bare chain: returns its size (or -1) and the first payload type in *first_np. */
int ike1_w_end_chain(struct ike1_writer *iw, uint8_t *first_np);

/* The ID payload body (IDii_b) as it goes on the wire, for HASH_I: Type | Protocol | Port | data. */
int ike1_build_id_body(struct wbuf *w, uint8_t id_type, uint8_t protocol, uint16_t port, const uint8_t *data,
		       size_t len);

/* MM1: HDR, SA, VID... (CKY-R 0, exchange 2, Message ID 0). Returns the size or -1. */
struct ike1_mm1 {
	uint8_t cky_i[8];
	const struct ike1_tspec *transforms;
	size_t ntransforms;
	const struct ike1_blob *vids;
	size_t nvids;
};
int ike1_build_mm1(struct wbuf *w, const struct ike1_mm1 *in);

/* MM3: HDR, KE, Ni, NAT-D(remote), NAT-D(local) (RFC 3947 3.2: the first NAT-D is the hash of the
 * remote, i.e. destination, address; the following ones are the local addresses). natd_type
 * is 20 (RFC 3947) or 130 (drafts); no NAT-D when natd_remote is NULL. */
struct ike1_mm3 {
	uint8_t cky_i[8], cky_r[8];
	const uint8_t *ke;
	size_t ke_len;
	const uint8_t *nonce;
	size_t nonce_len;
	uint8_t natd_type;
	const uint8_t *natd_remote;
	const uint8_t *natd_local;
	size_t natd_len;
};
int ike1_build_mm3(struct wbuf *w, const struct ike1_mm3 *in);

/* Aggressive Mode message 1 (RFC 2409 5.4, pre-shared key): HDR (exchange 4, CKY-R 0, M-ID 0), SA,
 * KE, Ni, IDii (Type | Protocol | Port | data), then the VIDs. All transforms should carry the KE's
 * group: Aggressive Mode cannot negotiate the group. Returns the size or -1. */
struct ike1_am1 {
	uint8_t cky_i[8];
	const struct ike1_tspec *transforms;
	size_t ntransforms;
	const uint8_t *ke;
	size_t ke_len;
	const uint8_t *nonce;
	size_t nonce_len;
	uint8_t id_type;
	uint8_t id_protocol;
	uint16_t id_port;
	const uint8_t *id;
	size_t id_len;
	const struct ike1_blob *vids;
	size_t nvids;
};
int ike1_build_am1(struct wbuf *w, const struct ike1_am1 *in);

/* Encrypts len bytes (a multiple of the block size) from plain into out (room for len bytes),
 * chaining the CBC state the callee keeps in ctx. plain and out are the builder's stack buffers,
 * valid only during the call. Returns 0 or -1. crypto/ike1_keys provides one (ike1_cbc_encrypt_cb). */
typedef int (*ike1_encrypt_fn)(void *ctx, const uint8_t *plain, size_t len, uint8_t *out);
/* Computes prf(SKEYID_a, M-ID | payloads) (RFC 2409 5.7 HASH(1)) into out (64 bytes of room),
 * setting *outlen. payloads is the builder's stack buffer, valid only during the call. */
typedef int (*ike1_hash1_fn)(void *ctx, uint32_t msg_id, const uint8_t *payloads, size_t len, uint8_t *out,
			     size_t *outlen);

/* Pads a plaintext chain per RFC 2409 Appendix B (zeros, the last pad byte = number of pad bytes
 * before it; always at least one pad byte) to a multiple of block, encrypts it with enc and
 * writes HDR(E flag) + ciphertext. hdr->next_payload is set to first_np. Returns size or -1. */
int ike1_build_encrypted(struct wbuf *w, const struct ike1_header *hdr, uint8_t first_np, const uint8_t *plain,
			 size_t plain_len, size_t block, ike1_encrypt_fn enc, void *ctx);

/* MM5: HDR*, IDii, HASH_I, encrypted with enc (block size block). idii_body is the ID payload
 * body from ike1_build_id_body (the same bytes that went into HASH_I). */
struct ike1_mm5 {
	uint8_t cky_i[8], cky_r[8];
	const uint8_t *idii_body;
	size_t idii_len;
	const uint8_t *hash_i;
	size_t hash_len;
};
int ike1_build_mm5(struct wbuf *w, const struct ike1_mm5 *in, size_t block, ike1_encrypt_fn enc, void *ctx);

/* Informational Delete of the ISAKMP SA (the two cookies as the 16-byte SPI, RFC 2408 3.15).
 * With enc == NULL: HDR, D in the clear (for an SA without keys). Otherwise HDR*, HASH(1), D
 * (RFC 2409 5.7) with HASH(1) from hash1 and the CBC state for msg_id set up by the caller. */
int ike1_build_info_delete(struct wbuf *w, const uint8_t cky_i[8], const uint8_t cky_r[8], uint32_t msg_id,
			   size_t block, ike1_encrypt_fn enc, ike1_hash1_fn hash1, void *ctx);

#endif
