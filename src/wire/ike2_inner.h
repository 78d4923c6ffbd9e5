/* The payloads inside an SK payload (RFC 7296 3.5-3.16) for IKE_AUTH and INFORMATIONAL: what the
 * probe sends as a Windows EAP client (IDi, CERTREQ, CP, SA, TSi, TSr, no AUTH) and what it reads
 * back (IDr, CERT..., AUTH, EAP, N..., CP). Pure; no I/O, no crypto.
 *
 * Parsing walks the decrypted inner chain with the one bounds-checked reader (wire/wbuf.h): every
 * generic header must fit, 4 <= Payload Length <= bytes left, the chain must end exactly at the end
 * of the plaintext, at most IKE2_MAX_PAYLOADS payloads; unknown critical payloads are rejected.
 * struct ike2_inner points INTO the caller's plaintext buffer (it must outlive the struct). */
#ifndef VPNDIAG_WIRE_IKE2_INNER_H
#define VPNDIAG_WIRE_IKE2_INNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ikev2.h"
#include "wire/wbuf.h"

#define IKE2_MAX_CERTS 12
#define IKE2_MAX_CERTREQ_HASHES 100 /* root hashes in one CERTREQ we build (Windows lists its whole root store) */

/* ID types (RFC 7296 3.5) */
enum { IKE2_ID_IPV4_ADDR = 1, IKE2_ID_FQDN = 2, IKE2_ID_RFC822_ADDR = 3, IKE2_ID_IPV6_ADDR = 5,
       IKE2_ID_DER_ASN1_DN = 9, IKE2_ID_DER_ASN1_GN = 10, IKE2_ID_KEY_ID = 11 };
/* Certificate encodings (3.6) */
enum { IKE2_CERT_X509_SIG = 4, IKE2_CERT_HASH_URL = 12 };
/* Auth methods (3.8, RFC 4754, RFC 7427) */
enum { IKE2_AUTH_RSA_SIG = 1, IKE2_AUTH_PSK = 2, IKE2_AUTH_DSS = 3, IKE2_AUTH_ECDSA_256 = 9,
       IKE2_AUTH_ECDSA_384 = 10, IKE2_AUTH_ECDSA_521 = 11, IKE2_AUTH_DIGITAL_SIG = 14 };
/* CP types and attributes (3.15) */
enum { IKE2_CFG_REQUEST = 1, IKE2_CFG_REPLY = 2 };
/* EAP (RFC 3748) */
enum { IKE2_EAP_REQUEST = 1, IKE2_EAP_RESPONSE = 2, IKE2_EAP_SUCCESS = 3, IKE2_EAP_FAILURE = 4 };

struct ike2_cert {
	uint8_t encoding;
	struct ike2_blob data;
};

struct ike2_inner {
	bool has_id;                /* IDr (or IDi): the first ID payload */
	uint8_t id_type;
	struct ike2_blob id_body;   /* ID Type | 3 reserved | data: the ID' that AUTH covers */
	struct ike2_blob id_data;
	size_t ncerts;              /* CERT payloads, in order (leaf first by convention) */
	struct ike2_cert certs[IKE2_MAX_CERTS];
	size_t certs_dropped;       /* CERT payloads beyond IKE2_MAX_CERTS */
	bool has_certreq;
	bool has_auth;
	uint8_t auth_method;
	struct ike2_blob auth_data;
	bool has_eap;
	uint8_t eap_code, eap_id, eap_type; /* eap_type 0 when the packet has none */
	uint16_t eap_len;
	struct ike2_blob eap;       /* the whole EAP packet (wire/eap.h parses it) */
	bool has_cp;
	uint8_t cp_type;
	struct ike2_blob cp_attrs;  /* the CP attributes (after the CP type and 3 reserved bytes) */
	bool has_sa, has_tsi, has_tsr, has_delete;
	size_t nnotifies;
	struct ike2_notify notifies[IKE2_MAX_NOTIFIES];
	size_t npayloads;
	uint8_t payload_types[IKE2_MAX_PAYLOADS];
};

/* Parses an inner payload chain whose first payload is `first` (the SK payload's Next Payload).
 * Returns 0, or -1 with a one-line reason in err. */
int ike2_inner_parse(uint8_t first, const uint8_t *buf, size_t len, struct ike2_inner *out, char *err,
		     size_t errlen);
const struct ike2_notify *ike2_inner_notify(const struct ike2_inner *in, uint16_t type);
const struct ike2_notify *ike2_inner_error(const struct ike2_inner *in);

/* What a Windows EAP client puts in its IKE_AUTH request (all from the client profile). */
struct ike2_ts {
	uint8_t type;        /* 7 TS_IPV4_ADDR_RANGE, 8 TS_IPV6_ADDR_RANGE */
	uint8_t proto;       /* 0 = any */
	uint16_t port_lo, port_hi;
	uint8_t lo[16], hi[16];
};
struct ike2_auth_req {
	uint8_t id_type;
	const uint8_t *id;
	size_t id_len;
	bool certreq;                 /* send a CERTREQ (X.509 signature) */
	const uint8_t *certreq_hashes; /* SHA-1 of trusted roots' SubjectPublicKeyInfo, 20 bytes each */
	size_t certreq_len;
	const uint16_t *notifies;     /* status notifies with no data, in order, after CERTREQ */
	size_t nnotifies;
	uint8_t cp_type;              /* 0 = no CP payload */
	const uint16_t *cp_attrs;     /* attribute types requested with empty values */
	size_t ncp_attrs;
	const struct ike2_proposal *child; /* ESP proposals (protocol 3, 4-byte SPI) */
	size_t nchild;
	const struct ike2_ts *tsi, *tsr;
	size_t ntsi, ntsr;
	uint8_t auth_method;          /* 0 = no AUTH payload (EAP); else AUTH after IDi */
	const uint8_t *auth;
	size_t auth_len;
};

/* Writes the inner payload chain of an IKE_AUTH request into w, in Windows' order
 * IDi [CERTREQ] [N...] [CP] SA TSi TSr; *first gets the type of the first payload.
 * Returns 0, -1 on overflow. */
int ike2_build_auth_inner(struct wbuf *w, const struct ike2_auth_req *in, uint8_t *first);
/* The inner chain of a later IKE_AUTH request: one EAP payload (eap[0..len), a whole EAP packet),
 * or one AUTH payload (method, data). Returns 0, -1 on overflow. */
int ike2_build_eap_inner(struct wbuf *w, const uint8_t *eap, size_t len, uint8_t *first);
int ike2_build_auth_only_inner(struct wbuf *w, uint8_t method, const uint8_t *auth, size_t len, uint8_t *first);
/* The first INTERNAL_IP4_ADDRESS (family 4, 4 bytes) or INTERNAL_IP6_ADDRESS (family 6, 16 bytes
 * of the 17) in CP attributes attrs[0..len) into addr. Returns 4 or 6, 0 when none (or malformed). */
int ike2_cp_address(const uint8_t *attrs, size_t len, uint8_t addr[16]);
/* The inner chain of an INFORMATIONAL request deleting the IKE SA: one Delete payload
 * (protocol IKE, no SPIs). */
int ike2_build_delete_inner(struct wbuf *w, uint8_t *first);

const char *ike2_auth_method_name(uint8_t method);
const char *ike2_id_type_name(uint8_t type);
/* "IDr(FQDN vpn.example.com) CERT CERT AUTH(RSA) EAP(request Identity) N(...)" */
void ike2_inner_str(const struct ike2_inner *in, char *out, size_t outlen);

#endif
