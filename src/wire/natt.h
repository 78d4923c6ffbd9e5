/* UDP encapsulation of IKE and ESP on UDP 4500 (RFC 3948 2.2 and 2.3, RFC 7296 2.23): an IKE
 * message there is preceded by the 4-byte non-ESP marker (four zero bytes); a datagram whose first
 * four bytes are not zero is ESP (its SPI, never 0); a one-byte datagram of 0xFF is a NAT
 * keepalive. Pure functions over the caller's buffer; nothing is copied or kept. */
#ifndef VPNDIAG_WIRE_NATT_H
#define VPNDIAG_WIRE_NATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATT_MARKER_LEN 4

/* What a datagram received on UDP 4500 is. */
enum natt_kind {
	NATT_IKE = 0,       /* the non-ESP marker, then an IKE message (possibly empty) */
	NATT_KEEPALIVE = 1, /* a NAT keepalive: exactly one byte 0xFF (RFC 3948 2.3) */
	NATT_ESP = 2,       /* four or more bytes, the first four not all zero: ESP */
	NATT_SHORT = 3      /* fewer than 4 bytes and not a keepalive: neither */
};

/* Strips the non-ESP marker. Returns true when buf starts with the 4-byte zero marker: then
 * *payload points just past it (inside buf) and *plen is len - 4. Returns false otherwise: then
 * *payload is buf and *plen is len (nothing stripped). buf may be NULL only when len is 0. */
bool natt_strip(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen);

/* Classifies a datagram received on UDP 4500. */
enum natt_kind natt_classify(const uint8_t *buf, size_t len);

/* A short English description of a kind ("a NAT keepalive", ...), for evidence text. */
const char *natt_kind_name(enum natt_kind k);

#endif
