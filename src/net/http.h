/* Bounded HTTP GETs driven by a single-threaded event loop (issue 14): the transport under the
 * revocation fetches (probes/cert_fetch.h), which decide what to fetch and what an answer means.
 * Nothing here knows about certificates, observations or the engine.
 *
 * A client (struct net_http) runs any number of GETs at once. The loop that drives it calls
 * net_http_on_fd when a socket the client asked to watch wakes it, net_http_drive at the time
 * net_http_wake names, and net_http_collect for the transfers that ended. Each GET is bounded in
 * time (its timeout, and never past the loop's end) and in size (max_body bytes read, max_keep of
 * them kept, and all kept bodies of the client together at most its max_kept_total).
 *
 * Two implementations; the build compiles one: http_posix.c (libcurl's multi socket API, its
 * sockets watched through struct net_http_loop) and http_win.c (WinHTTP, one thread per transfer,
 * polled on a NET_HTTP_TICK_MS tick; it watches no socket).
 *
 * Threads: every function and every callback of struct net_http_loop runs on the loop's thread. */
#ifndef VPNDIAG_NET_HTTP_H
#define VPNDIAG_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_HTTP_TICK_MS 25u  /* how often to drive transfers that no socket wakes */
#define NET_HTTP_MAX_XFERS 64u /* GETs one client starts over its life */
#define NET_HTTP_MAX_FDS 16u   /* sockets watched at once; past them, the tick */

/* How a transfer ended. The numbers are libcurl's CURLcode for the same failure (OTHER takes
 * CURLE_RECV_ERROR's for every failure not named), so an observation that records them reads as
 * before the split (revocation-fetch's code), on either platform. */
enum net_http_err {
	NET_HTTP_OK = 0,             /* an HTTP answer came (any status; the body may be truncated) */
	NET_HTTP_ERR_RESOLVE = 6,    /* the host name did not resolve */
	NET_HTTP_ERR_CONNECT = 7,    /* the TCP connection was refused or the host unreachable */
	NET_HTTP_ERR_TIMEOUT = 28,   /* no complete answer within the timeout */
	NET_HTTP_ERR_TLS = 35,       /* https: the TLS handshake or the server's certificate failed */
	NET_HTTP_ERR_OTHER = 56,     /* anything else: the connection broke, a reply that is not HTTP, a bad URL */
	NET_HTTP_ERR_TOO_LARGE = 63, /* the server announced a body (Content-Length) over max_body */
};

/* The loop that drives a client. The client copies the struct and keeps ctx (the caller's; it must
 * outlive the client) and calls these only from inside net_http_* calls. */
struct net_http_loop {
	void *ctx;
	uint32_t (*now_ms)(void *ctx); /* the loop's clock, ms */
	uint32_t (*end_ms)(void *ctx); /* the loop's end (same clock): no transfer runs past it */
	/* Wake the loop (net_http_on_fd) when fd is readable (rd) / writable (wr); errors and hang-ups
	 * always wake. add: the first call for fd, which starts watching it; returns 0, or -1 when the
	 * loop cannot watch fd (the client then drives every transfer on a NET_HTTP_TICK_MS tick).
	 * The fd stays the client's: the loop never reads, writes or closes it. */
	int (*watch)(void *ctx, int fd, bool add, bool rd, bool wr);
	/* Stop watching fd (the client calls this before it closes fd). */
	void (*unwatch)(void *ctx, int fd);
};

/* One GET. Every pointer is read during net_http_get only (the strings are copied). */
struct net_http_req {
	const char *url;        /* http:// or https://; redirects are not followed */
	uint32_t timeout_ms;    /* the whole transfer, name resolution and connect included */
	size_t max_body;        /* body bytes read at most: past them the transfer stops (truncated) */
	size_t max_keep;        /* of those, kept in the result (0: only counted) */
	const char *user_agent; /* NULL: none chosen by the caller (the implementation's default) */
	void *tag;              /* the caller's, handed back in the result; never dereferenced */
};

/* A finished transfer. body is heap memory that the caller owns after net_http_collect (free()
 * it, also when err != NET_HTTP_OK); the rest is plain values. */
struct net_http_result {
	void *tag;              /* net_http_req.tag */
	enum net_http_err err;
	long status;            /* the HTTP status, 0 when none came (also kept on a timeout after the head) */
	uint8_t *body;          /* the kept body (at most max_keep bytes), NULL when nothing was kept */
	size_t body_len;
	size_t bytes;           /* body bytes received, kept or not (meaningful when err is NET_HTTP_OK) */
	bool truncated;         /* the body went over max_body, max_keep or the client's total: incomplete */
	char msg[160];          /* err != NET_HTTP_OK: one line in the transport's words; else "" */
};

struct net_http;

/* Once per process, before any other thread runs (libcurl's global state; nothing on Windows);
 * returns 0, or -1 when the transport cannot be used. net_http_global_cleanup at exit. */
int net_http_global_init(void);
void net_http_global_cleanup(void);

/* A client that keeps at most max_kept_total body bytes over its life (all transfers together).
 * *loop is copied. NULL when out of memory. Free it with net_http_free. */
struct net_http *net_http_new(const struct net_http_loop *loop, size_t max_kept_total);
/* Starts a GET; returns 0, or -1 when it could not start (out of memory, not http(s), past
 * NET_HTTP_MAX_XFERS). A started GET ends in exactly one result (unless h is freed first). */
int net_http_get(struct net_http *h, const struct net_http_req *req);
/* Moves the transfers on when net_http_wake's time has come; cheap otherwise. */
void net_http_drive(struct net_http *h);
/* fd woke the loop: moves its transfer on and returns true when fd is one the client watches;
 * false (and nothing done) for any other fd. */
bool net_http_on_fd(struct net_http *h, int fd);
/* When net_http_drive must run next (the loop's clock); 0 when no transfer is running. */
uint32_t net_http_wake(const struct net_http *h);
/* Moves one finished transfer into *res (the first started first) and returns true; false when
 * none is waiting. res->body becomes the caller's. */
bool net_http_collect(struct net_http *h, struct net_http_result *res);
/* Ends every unfinished transfer as NET_HTTP_ERR_TIMEOUT ("Timeout was reached"), in the order
 * they started; net_http_collect then returns them. */
void net_http_stop(struct net_http *h);
/* Ends every transfer, unwatches every fd, frees the results nobody collected and h. NULL is fine. */
void net_http_free(struct net_http *h);

#endif
