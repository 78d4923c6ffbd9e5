/* A TLS client connection over a connected, non-blocking TCP socket (OpenSSL libssl), stepped by
 * the caller's event loop: every call returns at once, saying whether OpenSSL wants the socket to
 * become readable or writable. The layering is curl's: TCP (net/net.h, probes/tcpconn.h), then
 * this, then the application protocol (SSTP's HTTP head and packets in wire/sstp.h).
 *
 * Nothing is verified here: the handshake never stops at a certificate problem (the caller checks
 * the chain itself, the Windows way, from net_tls_peer_chain), so everything after it can still
 * be observed. Two profiles: what Windows offers (TLS 1.2-1.3), and the legacy check (TLS 1.0-1.1
 * only, OpenSSL security level 0 for that connection alone) that tells "the server offers only
 * TLS 1.0/1.1" apart. The server's Certificate message is accepted up to max_cert_list bytes.
 *
 * Ownership: struct net_tls is the caller's (net_tls_free); the fd stays the caller's (never
 * closed here). Read and write buffers are the caller's and are not kept after a call. DER from
 * net_tls_peer_chain is heap memory owned by the chain (net_tls_chain_free). */
#ifndef VPNDIAG_NET_TLS_H
#define VPNDIAG_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_tls;

enum net_tls_profile {
	NET_TLS_WINDOWS, /* TLS 1.2 and 1.3, as current Windows offers [V] */
	NET_TLS_LEGACY,  /* TLS 1.0 and 1.1 only, security level 0 */
};

/* The outcome of one step. */
enum net_tls_rc {
	NET_TLS_OK,         /* done: handshake complete / all bytes written / *got bytes read */
	NET_TLS_WANT_READ,  /* call again when the socket is readable */
	NET_TLS_WANT_WRITE, /* call again when the socket is writable */
	NET_TLS_RESET,      /* the peer reset the connection (a system error ECONNRESET) */
	NET_TLS_SYSERR,     /* another system-level error, or EOF without close_notify seen as one */
	NET_TLS_FAILED,     /* a TLS-level failure or an orderly close */
};

/* Creates the client on fd with SNI sni (NULL: none, e.g. when the target is an address).
 * Returns NULL with OpenSSL's reason in err. */
struct net_tls *net_tls_new(int fd, enum net_tls_profile prof, const char *sni, size_t max_cert_list, char *err,
			    size_t errlen);
/* Frees t (NULL allowed); with shutdown, one close_notify attempt first (never waits). */
void net_tls_free(struct net_tls *t, bool shutdown);

/* Steps the handshake. On RESET, SYSERR or FAILED, why gets one line (OpenSSL's reason, or "the
 * server reset the connection during the handshake"). */
enum net_tls_rc net_tls_handshake(struct net_tls *t, char *why, size_t whylen);
/* Writes p[0..n) whole (OpenSSL writes a record completely or not at all: on WANT_* call again
 * with the same bytes). */
enum net_tls_rc net_tls_write(struct net_tls *t, const uint8_t *p, size_t n);
/* Reads at most cap bytes into buf; *got is the count on OK. */
enum net_tls_rc net_tls_read(struct net_tls *t, uint8_t *buf, size_t cap, size_t *got);

/* The TLS alert the server sent (0..255), -1 none; and its long name ("handshake failure"). */
int net_tls_alert(const struct net_tls *t);
const char *net_tls_alert_name(int alert);
/* After the handshake: the protocol version number (0x0303 ...) and "TLSv1.3 TLS_AES_256_GCM_SHA384". */
int net_tls_version(const struct net_tls *t);
void net_tls_describe(const struct net_tls *t, char *out, size_t outlen);

/* The certificates the server sent, leaf first, as DER. */
struct net_tls_chain {
	size_t sent;    /* how many the server sent */
	size_t n;       /* how many were re-encoded (the first n; sent - n were dropped) */
	uint8_t **der;  /* n buffers */
	size_t *len;
};
/* Fills c (zeroed first). Returns c->sent; -1 when out of memory (c->n may then be below sent). */
int net_tls_peer_chain(const struct net_tls *t, struct net_tls_chain *c);
void net_tls_chain_free(struct net_tls_chain *c);

#endif
