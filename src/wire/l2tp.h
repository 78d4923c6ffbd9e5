/* L2TP (RFC 2661) control-message codec: header, AVPs, an SCCRQ builder for the "plain L2TP
 * outside IPsec" check, a StopCCN and ZLB builder for a clean teardown, and a parser for the
 * server's answer (SCCRP / StopCCN: Result Code, Host Name, Vendor Name, Assigned Tunnel ID...).
 * Pure; no I/O.
 *
 * Header (RFC 2661 3.1): flags/version (T 0x8000, L 0x4000, S 0x0800, O 0x0200, P 0x0100, Ver 2 in
 * the low 4 bits) | [Length] | Tunnel ID | Session ID | [Ns | Nr] | [Offset Size | pad]. Control
 * messages must have T, L and S set (0xC802). AVP (4.1): M 0x8000, H 0x4000, 4 reserved bits,
 * 10-bit Length including the 6-byte header | Vendor ID | Attribute Type | value.
 *
 * Ownership: pointers in parsed structs point INTO the caller's buffer. */
#ifndef VPNDIAG_WIRE_L2TP_H
#define VPNDIAG_WIRE_L2TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define L2TP_PORT 1701
#define L2TP_MAX_AVPS 32

#define L2TP_MSG_LIST(X)                                                                           \
	X(SCCRQ, 1) X(SCCRP, 2) X(SCCCN, 3) X(STOPCCN, 4) X(HELLO, 6) X(OCRQ, 7) X(OCRP, 8) X(OCCN, 9) \
	X(ICRQ, 10) X(ICRP, 11) X(ICCN, 12) X(CDN, 14) X(WEN, 15) X(SLI, 16)
#define L2TP_AVP_LIST(X)                                                                           \
	X(MESSAGE_TYPE, 0) X(RESULT_CODE, 1) X(PROTOCOL_VERSION, 2) X(FRAMING_CAPABILITIES, 3)      \
	X(BEARER_CAPABILITIES, 4) X(TIE_BREAKER, 5) X(FIRMWARE_REVISION, 6) X(HOST_NAME, 7)        \
	X(VENDOR_NAME, 8) X(ASSIGNED_TUNNEL_ID, 9) X(RECEIVE_WINDOW_SIZE, 10) X(CHALLENGE, 11)      \
	X(Q931_CAUSE_CODE, 12) X(CHALLENGE_RESPONSE, 13) X(ASSIGNED_SESSION_ID, 14)                \
	X(CALL_SERIAL_NUMBER, 15) X(RANDOM_VECTOR, 36)
#define L2TP_X_MSG(n, v) L2TP_MSG_##n = v,
#define L2TP_X_AVP(n, v) L2TP_AVP_##n = v,
enum l2tp_msg_type { L2TP_MSG_LIST(L2TP_X_MSG) };
enum l2tp_avp_type { L2TP_AVP_LIST(L2TP_X_AVP) };

enum { L2TP_F_T = 0x8000, L2TP_F_L = 0x4000, L2TP_F_S = 0x0800, L2TP_F_O = 0x0200, L2TP_F_P = 0x0100 };
enum { L2TP_FRAMING_SYNC = 1, L2TP_FRAMING_ASYNC = 2 };

const char *l2tp_msg_name(uint16_t type);
const char *l2tp_avp_name(uint16_t type);
/* StopCCN result codes (RFC 2661 4.4.2): 1 general request to clear, 2 general error, 3 control
 * channel exists, 4 not authorized, 5 version not supported (with the highest in Error Code),
 * 6 shutting down, 7 FSM error. */
const char *l2tp_stopccn_result_name(uint16_t result);

struct l2tp_blob {
	const uint8_t *p; /* into the caller's buffer */
	size_t len;
};

struct l2tp_avp {
	bool mandatory, hidden;
	uint16_t length; /* including the 6-byte header */
	uint16_t vendor;
	uint16_t type;
	struct l2tp_blob value;
};

struct l2tp_msg {
	uint16_t flags;
	uint8_t version;
	bool control;
	uint16_t length;
	uint16_t tunnel_id, session_id, ns, nr;
	bool zlb;           /* a control message without AVPs (an acknowledgement) */
	bool has_msg_type;
	uint16_t msg_type;
	size_t navps;
	struct l2tp_avp avps[L2TP_MAX_AVPS];
	/* Decoded IETF AVPs (hidden ones are not decoded; see hidden_avps) */
	size_t hidden_avps;
	bool has_proto_version;
	uint8_t proto_ver, proto_rev;
	bool has_result;
	uint16_t result_code, error_code;
	bool has_error_code;
	struct l2tp_blob error_message;
	bool has_framing, has_bearer;
	uint32_t framing_caps, bearer_caps;
	bool has_firmware;
	uint16_t firmware;
	struct l2tp_blob host_name, vendor_name;
	bool has_assigned_tunnel;
	uint16_t assigned_tunnel;
	bool has_rx_window;
	uint16_t rx_window;
	struct l2tp_blob challenge;
	struct l2tp_blob payload; /* data messages: the PPP frame */
};

/* Parses one L2TP message. Control messages: T, L, S set, version 2, Length <= bytes received
 * (only Length bytes are used), every AVP length 6..left, Message Type the first AVP (2-byte
 * value, M set, vendor 0) unless a ZLB; IETF AVPs of known fixed size must have it. Data messages
 * (T = 0) are accepted with their payload recorded. Returns 0 or -1 with a one-line reason. */
int l2tp_parse(const uint8_t *buf, size_t len, struct l2tp_msg *out, char *err, size_t errlen);

/* ---- the answer to our SCCRQ (the probe's "plain L2TP on UDP 1701" check) ---- */

/* What a datagram received on UDP 1701 is, for the SCCRQ we sent with Assigned Tunnel ID ours. */
enum l2tp_reply_status {
	L2TP_REPLY_ANSWER = 0,       /* a control message with a Message Type to our tunnel */
	L2TP_REPLY_MALFORMED = 1,    /* does not parse as L2TP (reason in why) */
	L2TP_REPLY_NOT_CONTROL = 2,  /* an L2TP data message */
	L2TP_REPLY_ZLB = 3,          /* an acknowledgement without AVPs */
	L2TP_REPLY_OTHER_TUNNEL = 4, /* a control message for another tunnel */
};

struct l2tp_answer {
	enum l2tp_reply_status status;
	uint16_t msg_type;     /* L2TP_MSG_* */
	uint16_t result;       /* Result Code, 0 when absent */
	bool stop;             /* an SCCRP with an Assigned Tunnel ID: clear it with a StopCCN */
	uint16_t peer_tunnel;  /* the server's Assigned Tunnel ID (where the StopCCN goes) */
	uint16_t nr;           /* Nr for our StopCCN: the server's Ns + 1 */
	char host[64];         /* Host Name / Vendor Name, printable ASCII ('?' for other bytes) */
	char vendor[64];
	char why[160];         /* status != ANSWER: a short reason */
};

/* Parses buf (into scratch, whose pointers point into buf) and decides what it is for our tunnel;
 * fills out (self-contained: no pointer into buf). Returns out->status. Pure. */
enum l2tp_reply_status l2tp_reply_check(const uint8_t *buf, size_t len, uint16_t our_tunnel,
					struct l2tp_msg *scratch, struct l2tp_answer *out);

struct l2tp_sccrq {
	uint16_t assigned_tunnel;  /* non-zero */
	const char *host_name;     /* required */
	const char *vendor_name;   /* optional (NULL) */
	uint32_t framing_caps;     /* e.g. L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC */
	uint32_t bearer_caps;      /* 0 omits the AVP */
	uint16_t rx_window;        /* 0 omits the AVP */
	uint16_t firmware;         /* 0 omits the AVP */
};
/* SCCRQ with Tunnel ID 0, Session ID 0, Ns 0, Nr 0; AVPs: Message Type (first), Protocol Version
 * 1.0, Host Name, Framing Capabilities, Assigned Tunnel ID, [Bearer Capabilities], [Receive
 * Window Size], [Firmware Revision], [Vendor Name]. Returns the size or -1. */
int l2tp_build_sccrq(struct wbuf *w, const struct l2tp_sccrq *in);
/* StopCCN to the peer's tunnel (peer_tunnel) carrying our Assigned Tunnel ID and Result Code. */
int l2tp_build_stopccn(struct wbuf *w, uint16_t peer_tunnel, uint16_t ns, uint16_t nr, uint16_t our_tunnel,
		       uint16_t result);
/* A ZLB acknowledgement (header only). */
int l2tp_build_zlb(struct wbuf *w, uint16_t peer_tunnel, uint16_t ns, uint16_t nr);

#endif
