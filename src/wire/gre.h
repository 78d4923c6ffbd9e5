/* What arrives on the PPTP probe's raw GRE socket, as a pure function of its bytes: the IPv4
 * header (IPv4 raw sockets deliver it, IPv6 ones do not), the enhanced GRE header (RFC 2637 4.1,
 * wire/pptp.h) and the PPP/LCP packet inside (RFC 1661 5), then the decision whether it is the
 * server's reply on our call.
 *
 * Call IDs (RFC 2637 4.1: "Call ID: Contains the Peer's Call ID for the session to which this
 * packet belongs"): the Call ID field names the RECEIVER's call. The server's packets to us carry
 * OUR call ID (the one we sent in the Outgoing-Call-Request); ours to it carry the SERVER's call
 * ID (the Call ID of its Outgoing-Call-Reply). So a packet carrying the server's call ID travels
 * our way round: it is ours, reflected. When the two IDs are equal (a server may pick ours) only
 * the LCP direction tells: a Configure-Request with our own Magic-Number is our own packet (RFC
 * 1661 6.4 calls that a looped-back link). Pure; no I/O.
 *
 * Ownership: pointers in the parsed struct point INTO the caller's buffer. */
#ifndef VPNDIAG_WIRE_GRE_H
#define VPNDIAG_WIRE_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/pptp.h"

#define GRE_IPPROTO 47
#define GRE_PPP_LCP 0xC021

/* The decision on one received packet. */
enum gre_rx_class {
	GRE_RX_NOT_PPTP = 0,  /* not an IPv4/GRE packet, or not enhanced GRE (another tunnel's): ignored */
	GRE_RX_REPLY = 1,     /* from the server, on our call, not our own packet: the server's GRE */
	GRE_RX_OWN = 2,       /* our own LCP Configure-Request (our Magic-Number) came back */
	GRE_RX_WRONG_DIR = 3, /* carries the server's call ID, i.e. travels our way: ours reflected */
	GRE_RX_WRONG_CALL = 4,/* from the server, but on a call ID that is neither ours nor its own */
	GRE_RX_WRONG_SOURCE = 5,/* on our call, but not from the server's address */
};
const char *gre_rx_class_name(enum gre_rx_class c);

struct gre_rx {
	bool has_ip;              /* an IPv4 header was stripped */
	uint8_t ip_src[4], ip_dst[4];
	uint8_t ip_ttl;
	struct pptp_gre gre;      /* the enhanced GRE header; gre.payload is the PPP frame */
	/* PPP inside (all zero when the payload is empty or not PPP) */
	bool is_ppp;
	uint16_t ppp_proto;       /* 0xC021 LCP ... */
	bool is_lcp;              /* a well-formed LCP packet (code, id, length within the frame) */
	uint8_t lcp_code, lcp_id;
	uint16_t lcp_len;
	bool has_magic;           /* a Magic-Number option (Configure-Request/Ack/Nak/Reject) */
	uint32_t magic;
};

/* Parses one packet as the raw socket delivered it: with ipv4_header, an IPv4 header (version 4,
 * IHL >= 5 within the packet, protocol 47, total length not past the buffer; fragments refused)
 * comes first. Then the enhanced GRE header and the PPP frame (FF 03 optional, then a 2-byte
 * protocol; LCP code/id/length and its options walked within the length). Returns 0, or -1 with a
 * one-line reason (out is then only partly filled). */
int gre_rx_parse(const uint8_t *buf, size_t len, bool ipv4_header, struct gre_rx *out, char *err, size_t errlen);

/* What the probe knows about the call. */
struct gre_rx_ctx {
	uint16_t our_call_id;     /* ours, sent in the Outgoing-Call-Request */
	uint16_t server_call_id;  /* the server's, from its Outgoing-Call-Reply */
	uint32_t our_magic;       /* the LCP Magic-Number we send */
};
/* Classifies a parsed packet; from_server: its source address is the server's (the caller
 * compares the address the socket reported). Pure. */
enum gre_rx_class gre_rx_classify(const struct gre_rx *p, const struct gre_rx_ctx *ctx, bool from_server);

/* One line for the packet log and the observations ("PPP LCP Configure-Ack id 1 ..."). */
void gre_rx_describe(const struct gre_rx *p, char *out, size_t outlen);

#endif
