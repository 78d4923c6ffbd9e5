/* EAP (RFC 3748) and EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2-02, RFC 2759 for the
 * message text) as an IKEv2 EAP payload carries them: the packet header, the MSCHAPv2 packets
 * (Challenge, Success and Failure requests) and their text ("S=<40 hex> M=<message>",
 * "E=691 R=0 C=<32 hex> V=3 M=<message>"); and the responses a Windows EAP-MSCHAPv2 peer sends
 * (Identity, Legacy Nak, MSCHAPv2 Response, Success Response). Pure: no I/O, no crypto.
 *
 * Parsing reads through the one bounds-checked reader (wire/wbuf.h): the EAP Length must equal
 * the bytes given; every field is checked against what remains. Parsed structs point INTO the
 * caller's buffer (it must outlive them), except struct eap_mschapv2_msg, which holds copies.
 * Builders write into the caller's wbuf (no allocation) and return 0, or -1 on overflow. */
#ifndef VPNDIAG_WIRE_EAP_H
#define VPNDIAG_WIRE_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

enum { EAP_REQUEST = 1, EAP_RESPONSE = 2, EAP_SUCCESS = 3, EAP_FAILURE = 4 };
enum { EAP_T_IDENTITY = 1, EAP_T_NOTIFICATION = 2, EAP_T_NAK = 3, EAP_T_MD5 = 4, EAP_T_GTC = 6,
       EAP_T_TLS = 13, EAP_T_TTLS = 21, EAP_T_PEAP = 25, EAP_T_MSCHAPV2 = 26, EAP_T_EXPANDED = 254 };
enum { EAP_MSCHAPV2_CHALLENGE = 1, EAP_MSCHAPV2_RESPONSE = 2, EAP_MSCHAPV2_SUCCESS = 3,
       EAP_MSCHAPV2_FAILURE = 4, EAP_MSCHAPV2_CHANGE_PASSWORD = 7 };

#define EAP_MSCHAPV2_CHALLENGE_LEN 16
#define EAP_MSCHAPV2_MSG_TEXT 128 /* the M= text kept (printable, truncated) */

struct eap_pkt {
	uint8_t code, id;
	uint16_t len;
	uint8_t type;            /* requests and responses; 0 for Success/Failure */
	const uint8_t *data;     /* Type-Data (after the type byte) */
	size_t data_len;
};

/* One EAP packet: buf[0..len) is the whole EAP payload body. Requests and responses need a type;
 * Success and Failure are exactly 4 bytes. Returns 0, or -1 with a reason in err. */
int eap_parse(const uint8_t *buf, size_t len, struct eap_pkt *out, char *err, size_t errlen);

struct eap_mschapv2 {
	uint8_t opcode, ms_id;
	uint16_t ms_len;                 /* as sent (not trusted: the EAP Length decides) */
	const uint8_t *challenge;        /* Challenge: 16 bytes */
	const uint8_t *name;             /* Challenge: the server's name */
	size_t name_len;
	const uint8_t *message;          /* Success/Failure request: the text */
	size_t message_len;
};
/* The MSCHAPv2 part of an EAP request of type 26. Returns 0, or -1 with a reason. */
int eap_mschapv2_parse(const struct eap_pkt *p, struct eap_mschapv2 *out, char *err, size_t errlen);

/* The text of a Success or Failure request, tokens separated by spaces, M= last (to the end). */
struct eap_mschapv2_msg {
	bool has_s, has_e, has_r, has_c, has_v, has_m;
	uint8_t s[20];                   /* S=: the authenticator response */
	uint32_t e;                      /* E=: the error (691, 646..649, 709) */
	uint32_t r, v;                   /* R=: retry allowed; V=: password change version */
	uint8_t c[16];                   /* C=: the new challenge */
	char m[EAP_MSCHAPV2_MSG_TEXT];   /* M=: printable ASCII only ('?' for others), truncated */
};
/* Parses txt[0..len). A malformed S=, E=, R=, C= or V= value (wrong length, not hex or decimal,
 * a repeat) is an error; unknown tokens are ignored. Returns 0, or -1 with a reason. */
int eap_mschapv2_msg_parse(const uint8_t *txt, size_t len, struct eap_mschapv2_msg *out, char *err, size_t errlen);

/* What the peer sends. id: the request's Identifier. */
int eap_build_identity(struct wbuf *w, uint8_t id, const char *identity, size_t len);
/* Legacy Nak (type 3) proposing the types in `types`. */
int eap_build_nak(struct wbuf *w, uint8_t id, const uint8_t *types, size_t ntypes);
/* MSCHAPv2 Response: Value-Size 49 = Peer-Challenge(16) | Reserved(8) | NT-Response(24) | Flags(1),
 * then the name (the whole identity, as strongSwan and Windows send it). */
int eap_build_mschapv2_response(struct wbuf *w, uint8_t id, uint8_t ms_id, const uint8_t peer_challenge[16],
				const uint8_t nt_response[24], const char *name, size_t nlen);
/* Success Response / Failure Response: the opcode alone (draft-kamath 2.3, 2.5). */
int eap_build_mschapv2_ack(struct wbuf *w, uint8_t id, uint8_t opcode);

const char *eap_type_name(uint8_t type);   /* "EAP-TLS", "PEAP", ... or "type N" is the caller's */
const char *eap_code_name(uint8_t code);

#endif
