/* SSTP ([MS-SSTP]) codec: the 4-byte packet header, control messages and their attributes, the
 * Call Connect Request / Call Abort / Call Disconnect / Echo builders, a parser for what a server
 * sends before PPP (Call Connect Ack with nonce and hash bitmask, Nak with Status Info, Abort,
 * Disconnect, Echo), and the HTTP layer of the handshake: the SSTP_DUPLEX_POST request builder
 * and a bounded HTTP response-head parser. Pure functions; no I/O.
 *
 * Packet header (2.2.1): Version 0x10 | 7 reserved bits + C bit | 4 reserved bits + 12-bit
 * Length (the whole packet, header included). The reserved high bits of the length field are
 * never set by the builders (a public prober sets 0x8000 there: facts 8 item 13).
 * Attribute (2.2.2): Reserved (1) | Attribute ID (1) | 4 reserved bits + 12-bit Length (incl. the
 * 4-byte attribute header) | value.
 *
 * Ownership: pointers in parsed structs point INTO the caller's buffer. */
#ifndef VPNDIAG_WIRE_SSTP_H
#define VPNDIAG_WIRE_SSTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define SSTP_VERSION 0x10
#define SSTP_HDR_LEN 4
#define SSTP_MAX_LEN 4095 /* 12-bit length */
#define SSTP_MAX_ATTRS 16
#define SSTP_NONCE_LEN 32
#define SSTP_URI "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"

#define SSTP_MSG_LIST(X)                                                                           \
	X(CALL_CONNECT_REQUEST, 1) X(CALL_CONNECT_ACK, 2) X(CALL_CONNECT_NAK, 3) X(CALL_CONNECTED, 4) \
	X(CALL_ABORT, 5) X(CALL_DISCONNECT, 6) X(CALL_DISCONNECT_ACK, 7) X(ECHO_REQUEST, 8)       \
	X(ECHO_RESPONSE, 9)
#define SSTP_ATTR_LIST(X)                                                                          \
	X(NO_ERROR, 0) X(ENCAPSULATED_PROTOCOL_ID, 1) X(STATUS_INFO, 2) X(CRYPTO_BINDING, 3)      \
	X(CRYPTO_BINDING_REQ, 4)
#define SSTP_STATUS_LIST(X)                                                                        \
	X(NO_ERROR, 0) X(DUPLICATE_ATTRIBUTE, 1) X(UNRECOGNIZED_ATTRIBUTE, 2)                      \
	X(INVALID_ATTRIB_VALUE_LENGTH, 3) X(VALUE_NOT_SUPPORTED, 4) X(UNACCEPTED_FRAME_RECEIVED, 5) \
	X(RETRY_COUNT_EXCEEDED, 6) X(INVALID_FRAME_RECEIVED, 7) X(NEGOTIATION_TIMEOUT, 8)          \
	X(ATTRIB_NOT_SUPPORTED_IN_MSG, 9) X(REQUIRED_ATTRIBUTE_MISSING, 10)                        \
	X(STATUS_INFO_NOT_SUPPORTED_IN_MSG, 11)

#define SSTP_X_MSG(n, v) SSTP_MSG_##n = v,
#define SSTP_X_ATTR(n, v) SSTP_ATTR_##n = v,
#define SSTP_X_STATUS(n, v) SSTP_STATUS_##n = v,
enum sstp_msg_type { SSTP_MSG_LIST(SSTP_X_MSG) };
enum sstp_attr_id { SSTP_ATTR_LIST(SSTP_X_ATTR) };
enum sstp_status { SSTP_STATUS_LIST(SSTP_X_STATUS) };

enum { SSTP_ENCAP_PPP = 1 };
enum { SSTP_CERT_HASH_SHA1 = 0x01, SSTP_CERT_HASH_SHA256 = 0x02 };

struct sstp_blob {
	const uint8_t *p; /* into the caller's buffer */
	size_t len;
};

struct sstp_attr {
	uint8_t id;
	uint16_t length; /* including the 4-byte attribute header */
	struct sstp_blob value;
};

/* Status Info (2.2.8): Reserved (3) | AttribID (1) | Status (4) | AttribValue. */
struct sstp_status_info {
	uint8_t attrib_id;
	uint32_t status;
	struct sstp_blob value;
};

struct sstp_msg {
	uint8_t version;
	bool control;
	uint16_t length;
	struct sstp_blob data;  /* data packet: the PPP frame */
	uint16_t msg_type;      /* control packets only */
	uint16_t nattrs_announced;
	size_t nattrs;
	struct sstp_attr attrs[SSTP_MAX_ATTRS];
	/* Decoded attributes */
	bool has_encap;
	uint16_t encap_protocol;
	bool has_binding_req;   /* a Crypto Binding Request of exactly 40 bytes (Call Connect Ack) */
	uint8_t hash_bitmask;
	const uint8_t *nonce;   /* 32 bytes into the buffer */
	size_t nbinding_req;    /* Crypto Binding Request attributes present (any length) */
	uint16_t binding_req_len; /* the attribute length of the first one (40 when right) */
	size_t nstatus;
	struct sstp_status_info status[SSTP_MAX_ATTRS];
};

/* Framing on a TCP stream: with at least 4 bytes, checks the version and sets *pkt_len to the
 * packet length from the header; returns 1 when the whole packet is available (len >= *pkt_len),
 * 0 when more bytes are needed, -1 for a framing error (version, length < 4). */
int sstp_frame(const uint8_t *buf, size_t len, size_t *pkt_len);

/* Parses one SSTP packet (exactly the header's Length bytes of buf are used; len may be larger).
 * Control packets: NumAttributes must match the attributes present; each attribute length must be
 * >= 4 and inside the packet; Encapsulated Protocol is 2 bytes; Status Info at least 8. A Crypto
 * Binding Request of another length than 40 does not fail the parse: it is counted
 * (nbinding_req, binding_req_len) and left undecoded, for sstp_ack_binding_check to name.
 * Returns 0, or -1 with a one-line reason in err. Pure. */
int sstp_parse(const uint8_t *buf, size_t len, struct sstp_msg *out, char *err, size_t errlen);

/* Whether a parsed Call Connect Ack carries what the Windows client needs to continue
 * ([MS-SSTP] 2.2.10, 2.2.6, 3.2.5.2): exactly one Crypto Binding Request attribute, its Length
 * exactly 40 (0x028), a Hash Protocol Bitmask selecting CERT_HASH_PROTOCOL_SHA1 and/or
 * CERT_HASH_PROTOCOL_SHA256 ("the server MUST select at least one"), and the 32-byte nonce the
 * client's Call Connected must echo. Returns 0, or -1 with a one-line reason in err. Pure. */
int sstp_ack_binding_check(const struct sstp_msg *m, char *err, size_t errlen);

/* Builders: each returns the packet size, or -1 if w overflowed. */
int sstp_build_call_connect_request(struct wbuf *w, uint16_t encap_protocol);
/* Call Abort / Call Disconnect with one Status Info attribute (attrib_id, status) when
 * with_status, or none. */
int sstp_build_call_abort(struct wbuf *w, bool with_status, uint8_t attrib_id, uint32_t status);
int sstp_build_call_disconnect(struct wbuf *w, bool with_status, uint8_t attrib_id, uint32_t status);
int sstp_build_call_disconnect_ack(struct wbuf *w);
int sstp_build_echo(struct wbuf *w, bool response);

const char *sstp_msg_name(uint16_t type);
const char *sstp_attr_name(uint8_t id);
const char *sstp_status_name(uint32_t status);

/* ---- HTTP layer ---- */

/* Writes the handshake request:
 *   SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n
 *   Host: <host>\r\n
 *   Content-Length: 18446744073709551615\r\n
 *   SSTPCORRELATIONID: {<guid>}\r\n
 *   \r\n
 * host and guid (without braces, e.g. "1F2E3D4C-...") must be printable ASCII without CR/LF or
 * spaces (else -1). Returns the length or -1. */
int sstp_http_build_request(struct wbuf *w, const char *host, const char *guid);

enum sstp_http_rc {
	SSTP_HTTP_OK = 0,          /* a complete head was parsed */
	SSTP_HTTP_INCOMPLETE = 1,  /* no CRLFCRLF yet and still within the limits: read more */
	SSTP_HTTP_TOO_LARGE = 2,   /* head bigger than max_head or more than max_headers lines */
	SSTP_HTTP_MALFORMED = -1,  /* not an HTTP/1.x response head */
};

struct sstp_http_resp {
	unsigned major, minor;
	int status;                /* 100..999 */
	struct sstp_blob reason;
	bool has_content_length;
	uint64_t content_length;   /* 18446744073709551615 for SSTP */
	bool content_length_bad;   /* present but not a valid decimal number (or duplicated differently) */
	struct sstp_blob server;   /* the Server header value, when present */
	size_t nheaders;
	size_t head_len;           /* bytes of the head including the final CRLFCRLF; the SSTP stream
				    * starts at buf + head_len */
};

/* Parses an HTTP/1.x response head from the bytes received so far. Bounded: never looks past
 * max_head bytes and accepts at most max_headers header lines. Header names are matched
 * case-insensitively; lines must end in CRLF (a bare LF is accepted too). */
enum sstp_http_rc sstp_http_parse_response(const uint8_t *buf, size_t len, size_t max_head, size_t max_headers,
					   struct sstp_http_resp *out, char *err, size_t errlen);

/* ---- The byte stream of one SSTP connection ---- */

/* What the client receives after its SSTP_DUPLEX_POST, as it arrives in pieces of any size: the
 * HTTP response head, then SSTP packets. The stream keeps at most SSTP_STREAM_CAP bytes; the head
 * is bounded by SSTP_STREAM_MAX_HEAD bytes and SSTP_STREAM_MAX_HEADERS lines, a packet by its
 * 12-bit length, so a well-behaved peer always fits and an endless head is reported, not stored.
 * Pure: no I/O; the probe only moves bytes in (sstp_stream_feed) and events out (sstp_stream_next).
 * Ownership: the stream is the caller's (embed it); pointers in an event point into it and are
 * valid until the next sstp_stream_feed / sstp_stream_next call. */
#define SSTP_STREAM_CAP 16384u
#define SSTP_STREAM_MAX_HEAD 8192u
#define SSTP_STREAM_MAX_HEADERS 64u

struct sstp_stream {
	uint8_t buf[SSTP_STREAM_CAP];
	size_t len;          /* bytes held */
	size_t consume;      /* bytes of the last event to drop on the next call */
	bool in_sstp;        /* the head is done: the rest is SSTP */
	bool failed;         /* a bad head or framing error was reported: nothing more comes out */
	uint64_t total;      /* bytes fed in all */
	size_t packets;      /* SSTP packets returned */
};

enum sstp_stream_ev {
	SSTP_EV_NEED_MORE = 0, /* feed more bytes */
	SSTP_EV_HEAD = 1,      /* ev.head is the complete HTTP response head */
	SSTP_EV_PACKET = 2,    /* ev.pkt / ev.pkt_len is one whole SSTP packet (not yet parsed) */
	SSTP_EV_BAD_HEAD = 3,  /* the head is malformed or endless (ev.http_rc says which; err why) */
	SSTP_EV_BAD_FRAME = 4, /* SSTP framing error (version, length < 4): the stream is unusable */
};

struct sstp_stream_event {
	struct sstp_http_resp head;
	enum sstp_http_rc http_rc;
	const uint8_t *pkt;
	size_t pkt_len;
};

void sstp_stream_init(struct sstp_stream *s);
/* Bytes the stream can take now (never 0 after sstp_stream_next returned NEED_MORE). */
size_t sstp_stream_space(const struct sstp_stream *s);
/* Copies up to sstp_stream_space() bytes of p; returns how many were taken. */
size_t sstp_stream_feed(struct sstp_stream *s, const uint8_t *p, size_t n);
/* The next complete item. After SSTP_EV_HEAD the stream expects SSTP packets. Call until NEED_MORE
 * (or a BAD event, which is sticky). */
enum sstp_stream_ev sstp_stream_next(struct sstp_stream *s, struct sstp_stream_event *ev, char *err, size_t errlen);

#endif
