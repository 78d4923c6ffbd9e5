/* PPTP (RFC 2637) codec: the control-connection messages a prober sends and reads (Start-/Stop-
 * Control-Connection, Outgoing-Call, Call-Clear, Call-Disconnect-Notify, Echo), the enhanced GRE
 * header (RFC 2637 4.1) and a PPP LCP Configure-Request for the GRE test. Pure; no I/O.
 *
 * Control header (RFC 2637 2.x): Length (2) | PPTP Message Type (2, 1 = control) | Magic Cookie
 * (4, 0x1A2B3C4D) | Control Message Type (2) | Reserved0 (2). SCCRQ/SCCRP: Protocol Version at
 * offset 12, Reserved1 / Result+Error at 14, Framing Capabilities at 16, Bearer at 20, Maximum
 * Channels at 24, Firmware Revision at 26, Host Name at 28 (64 bytes), Vendor at 92 (64 bytes):
 * 156 bytes (zgrab2 writes the capabilities 2 bytes early: facts 8 item 13).
 *
 * Ownership: pointers in parsed structs point INTO the caller's buffer. */
#ifndef VPNDIAG_WIRE_PPTP_H
#define VPNDIAG_WIRE_PPTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define PPTP_MAGIC 0x1A2B3C4Du
#define PPTP_HDR_LEN 12
#define PPTP_VERSION 0x0100
#define PPTP_GRE_PROTO_PPP 0x880B

#define PPTP_CTRL_LIST(X)                                                                          \
	X(START_CTRL_CONN_RQST, 1) X(START_CTRL_CONN_RPLY, 2) X(STOP_CTRL_CONN_RQST, 3)             \
	X(STOP_CTRL_CONN_RPLY, 4) X(ECHO_RQST, 5) X(ECHO_RPLY, 6) X(OUT_CALL_RQST, 7)               \
	X(OUT_CALL_RPLY, 8) X(IN_CALL_RQST, 9) X(IN_CALL_RPLY, 10) X(IN_CALL_CONNECTED, 11)         \
	X(CALL_CLEAR_RQST, 12) X(CALL_DISCONNECT_NOTIFY, 13) X(WAN_ERROR_NOTIFY, 14)                \
	X(SET_LINK_INFO, 15)
#define PPTP_X_CTRL(n, v) PPTP_##n = v,
enum pptp_ctrl_type { PPTP_CTRL_LIST(PPTP_X_CTRL) };

/* Result codes: SCCRP 1 OK, 2 general error, 3 command channel exists, 4 not authorized,
 * 5 version not supported; OCRP 1 connected, 2 general error, 3 no carrier, 4 busy,
 * 5 no dial tone, 6 time-out, 7 do not accept. General error codes 0..6. */
const char *pptp_ctrl_name(uint16_t type);
const char *pptp_sccrp_result_name(uint8_t result);
const char *pptp_ocrp_result_name(uint8_t result);
const char *pptp_error_name(uint8_t error);

enum { PPTP_FRAMING_ASYNC = 1, PPTP_FRAMING_SYNC = 2, PPTP_BEARER_ANALOG = 1, PPTP_BEARER_DIGITAL = 2 };

struct pptp_blob {
	const uint8_t *p; /* into the caller's buffer */
	size_t len;
};

struct pptp_msg {
	uint16_t length;
	uint16_t pptp_type;
	uint16_t ctrl_type;
	/* SCCRQ / SCCRP */
	uint16_t version;
	uint8_t result, error;     /* SCCRP, StopCCRP, Echo reply, OCRP, CDN */
	uint32_t framing, bearer;
	uint16_t max_channels, firmware;
	struct pptp_blob host, vendor; /* up to the first NUL of the 64-byte fields */
	/* StopCCRQ */
	uint8_t reason;
	/* Echo */
	uint32_t identifier;
	/* OCRQ / OCRP / CCR / CDN */
	uint16_t call_id, peer_call_id, cause;
	uint32_t connect_speed, phys_channel;
	uint16_t recv_window, proc_delay;
};

/* Framing on the TCP stream: 1 and *msg_len when a whole message is buffered, 0 need more, -1 a
 * length below 12 or above max. */
int pptp_frame(const uint8_t *buf, size_t len, size_t max, size_t *msg_len);
/* The TCP stream of control messages, incrementally: bytes go in as they arrive (any split), whole
 * messages come out. Each message is checked as soon as its bytes allow: the Length field (at
 * least the 12-byte header, at most max_msg) once 2 bytes are in, the message type (1) and the
 * magic cookie once 8 are, so a lying length or a non-PPTP server is told at once, not after the
 * buffer fills. After an error the stream stays failed (the connection is not PPTP any more).
 * Ownership: the buffer is inside the struct; a message handed out points into it and is valid
 * until the next feed or next call. Pure; no I/O. */
#define PPTP_STREAM_CAP 2048u
struct pptp_stream {
	uint8_t buf[PPTP_STREAM_CAP];
	size_t off, len;          /* unread bytes: buf[off, off + len) */
	size_t max_msg;           /* <= PPTP_STREAM_CAP */
	uint64_t bytes_in;        /* everything fed so far */
	unsigned msgs;            /* messages handed out */
	bool failed;
	char why[120];            /* the error, once failed */
};
enum pptp_stream_rc { PPTP_STREAM_NEED = 0, PPTP_STREAM_MSG = 1, PPTP_STREAM_BAD = -1 };
void pptp_stream_init(struct pptp_stream *s, size_t max_msg);
/* Room for more bytes (after moving unread bytes to the front). */
size_t pptp_stream_room(struct pptp_stream *s);
/* Appends up to pptp_stream_room() bytes; returns how many were taken. */
size_t pptp_stream_feed(struct pptp_stream *s, const uint8_t *p, size_t n);
/* The next whole message (*msg, *len) and MSG, NEED when more bytes are needed, BAD (s->why) on a
 * bad length, type or magic cookie. */
enum pptp_stream_rc pptp_stream_next(struct pptp_stream *s, const uint8_t **msg, size_t *len);
/* Bytes of an incomplete message held, and the length its header announces (0 when not yet known). */
size_t pptp_stream_pending(const struct pptp_stream *s, size_t *announced);

/* Parses one control message (its Length bytes). Checks the magic cookie, message type 1 and the
 * RFC length of each known control type (shorter is an error; unknown types only need the header).
 * Returns 0, or -1 with a one-line reason. Pure. */
int pptp_parse(const uint8_t *buf, size_t len, struct pptp_msg *out, char *err, size_t errlen);

struct pptp_sccrq {
	uint32_t framing, bearer;
	uint16_t max_channels, firmware;
	const char *host, *vendor; /* truncated to 63 bytes, NUL-padded */
};
/* Builders return the message size or -1. */
int pptp_build_sccrq(struct wbuf *w, const struct pptp_sccrq *in);
struct pptp_ocrq {
	uint16_t call_id, serial;
	uint32_t min_bps, max_bps, bearer, framing;
	uint16_t recv_window, proc_delay;
};
int pptp_build_ocrq(struct wbuf *w, const struct pptp_ocrq *in);
int pptp_build_call_clear(struct wbuf *w, uint16_t call_id);
int pptp_build_stop_ccrq(struct wbuf *w, uint8_t reason);
int pptp_build_echo_request(struct wbuf *w, uint32_t identifier);
int pptp_build_echo_reply(struct wbuf *w, uint32_t identifier, uint8_t result);

/* Enhanced GRE (RFC 2637 4.1): flags 0x2001 (K, version 1) | S 0x1000 | A 0x0080; protocol 0x880B;
 * Key = Payload Length (2) | Call ID (2, the peer's); [Sequence (4)] [Ack (4)]; payload. */
struct pptp_gre {
	uint16_t flags_ver;
	uint16_t protocol;
	uint16_t payload_len;
	uint16_t call_id;
	bool has_seq, has_ack;
	uint32_t seq, ack;
	struct pptp_blob payload;
};
int pptp_gre_build(struct wbuf *w, uint16_t peer_call_id, bool has_seq, uint32_t seq, bool has_ack, uint32_t ack,
		   const uint8_t *payload, size_t len);
/* Parses an enhanced GRE packet (the IP header already removed): version 1, K set, C/R/s/recur 0,
 * protocol 0x880B, payload length within the packet. */
int pptp_gre_parse(const uint8_t *buf, size_t len, struct pptp_gre *out, char *err, size_t errlen);

/* A PPP frame FF 03 C0 21 with an LCP Configure-Request (RFC 1661): id, MRU option (1) when mru
 * != 0, Magic-Number option (5). Returns the size or -1. */
int pptp_build_lcp_confreq(struct wbuf *w, uint8_t id, uint16_t mru, uint32_t magic);

#endif
