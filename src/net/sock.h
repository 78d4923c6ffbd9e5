/* The socket calls every module uses, one definition per platform (issue 14): net_posix.c on
 * Linux, net_win.c on Windows (Winsock 2). A socket is an int on both: a Winsock SOCKET is a
 * kernel handle value, which fits (OpenSSL's SSL_set_fd makes the same assumption).
 *
 * Errors: every function that fails returns -1 and sets errno to the POSIX value (ECONNREFUSED,
 * EWOULDBLOCK, ...): on Windows, Winsock's error is mapped onto it, so callers test errno the same
 * way on both platforms. net_strerror names such a value on both.
 *
 * Ownership: a socket returned is the caller's (net_close); no function keeps the caller's buffers. */
#ifndef VPNDIAG_NET_SOCK_H
#define VPNDIAG_NET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/sys.h"

struct net_addr;

/* Once per process, before any socket: Winsock's start-up on Windows; on Linux, SIGPIPE is
 * ignored (a peer that closes while we, or OpenSSL, still write must give EPIPE, never kill the
 * process and lose the report). Idempotent and thread-safe. Returns 0, or -1 with errno set. */
int net_init(void);

/* A non-blocking, close-on-exec (not inherited) socket. */
int net_socket(int family, int type, int protocol);
void net_close(int fd);
/* Starts a connect on a non-blocking socket: 0 when connected at once, -1 with errno otherwise
 * (EINPROGRESS while the handshake runs, on both platforms). */
int net_connect(int fd, const struct net_addr *dst);
/* The socket's pending error (SO_ERROR), as an errno value in *err. Returns 0, or -1. */
int net_sock_error(int fd, int *err);
/* The socket's local / peer address. Returns 0, or -1 with errno (ENOTCONN: no peer yet). */
int net_local_addr(int fd, struct net_addr *out);
int net_peer_addr(int fd, struct net_addr *out);

/* Never blocks, never raises SIGPIPE. Return the byte count, or -1 with errno (EWOULDBLOCK ...). */
ssize_t net_send(int fd, const void *buf, size_t len);
ssize_t net_recv(int fd, void *buf, size_t cap);
ssize_t net_sendto(int fd, const void *buf, size_t len, const struct net_addr *dst);
/* One datagram into buf[0..cap) from *from. *wire_len: its real length when the platform says it
 * (Linux, MSG_TRUNC); when it only says "larger than cap" (Windows), cap + 1. Returns the bytes
 * copied, or -1 with errno. */
ssize_t net_recvfrom(int fd, void *buf, size_t cap, struct net_addr *from, size_t *wire_len);

/* poll(2) over sockets (struct pollfd, POLLIN/POLLOUT in events; POLLERR/POLLHUP in revents).
 * Windows: select(), because WSAPoll does not report a failed connect before Windows 10 2004
 * [D: Microsoft's WSAPoll documentation], and a refused SSTP connect must not look filtered.
 * Returns the number of ready entries, 0 on timeout, -1 with errno (EINTR: try again). */
int net_poll(struct pollfd *p, size_t n, int timeout_ms);

/* The text of an errno value, socket errors included ("Connection refused" on both). */
const char *net_strerror(int err);

#endif
