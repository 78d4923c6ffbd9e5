/* net/http.h on Linux: libcurl's multi handle driven by its socket API (issue 16 item 7). libcurl
 * names the sockets it waits on (CURLMOPT_SOCKETFUNCTION), which are watched through the loop's
 * callbacks, and its next timeout (CURLMOPT_TIMERFUNCTION), which net_http_wake reports, bounded
 * by the loop's end; so a transfer moves on as soon as its socket is ready, not on a tick. (An fd
 * the loop cannot take, past NET_HTTP_MAX_FDS or refused by the loop, falls back to driving every
 * transfer on a NET_HTTP_TICK_MS tick.) Each transfer's timeout is also bounded by what is left
 * of the loop's run, so a GET never extends it.
 *
 * Ownership: struct net_http owns the multi handle, the easy handles (kept on the multi handle
 * until net_http_free, as libcurl's connection cache expects) and every body until it is
 * collected; libcurl owns its sockets (closed after CURL_POLL_REMOVE, never by the loop). */
#include "net/http.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/fmt.h"

struct xfer {
	struct xfer *next;      /* the client's list, in start order */
	struct net_http *h;
	CURL *easy;
	void *tag;
	size_t max_body, max_keep;
	size_t bytes;           /* body bytes received */
	uint8_t *body;          /* heap, ours until collected */
	size_t len, cap;
	bool truncated;
	bool done;              /* ended: the result below is ready */
	bool collected;         /* handed to the caller */
	enum net_http_err err;
	long status;
	char msg[sizeof ((struct net_http_result *)0)->msg];
};

struct net_http {
	struct net_http_loop loop;
	CURLM *multi;
	struct xfer *head, *tail;
	size_t nxfers;               /* started over the client's life */
	int running;                 /* transfers libcurl still runs */
	size_t kept_total, max_kept_total;
	int fds[NET_HTTP_MAX_FDS];   /* libcurl's sockets as the loop watches them */
	size_t nfds;
	uint32_t timer_at;           /* libcurl's timer (loop clock), 0 = none */
	bool tick;                   /* a socket could not be watched: drive everything on a tick */
};

int net_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void net_http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* CURLOPT_WRITEFUNCTION: counts the body and keeps up to max_keep of it. data is libcurl's buffer,
 * valid only during the call (copied); userp is our struct xfer. Returning less than the size
 * aborts the transfer (CURLE_WRITE_ERROR, read as "truncated" once a status came). */
static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	struct net_http *h = x->h;
	size_t n = size * nmemb;
	if (n > x->max_body - x->bytes) {
		x->truncated = true;
		return 0;
	}
	x->bytes += n;
	if (x->max_keep == 0 || n == 0)
		return n;
	if (n > x->max_keep - x->len || n > h->max_kept_total - h->kept_total) {
		x->truncated = true;
		return 0;
	}
	if (x->len + n > x->cap) {
		size_t nc = x->cap ? x->cap : 16384;
		while (nc < x->len + n)
			nc *= 2;
		if (nc > x->max_keep)
			nc = x->max_keep;
		uint8_t *nb = realloc(x->body, nc);
		if (!nb) {
			x->truncated = true;
			return 0;
		}
		x->body = nb;
		x->cap = nc;
	}
	memcpy(x->body + x->len, data, n);
	x->len += n;
	h->kept_total += n;
	return n;
}

/* CURLMOPT_SOCKETFUNCTION: libcurl waits on fd for `what` (or no longer, CURL_POLL_REMOVE, which
 * it says before it closes the socket). The fd is watched through the loop; one the loop cannot
 * take turns the fallback tick on. userp is our struct net_http. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	(void)easy;
	(void)sockp;
	struct net_http *h = userp;
	size_t i = 0;
	while (i < h->nfds && h->fds[i] != (int)fd)
		i++;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->nfds) {
			h->loop.unwatch(h->loop.ctx, (int)fd);
			h->fds[i] = h->fds[--h->nfds];
		}
		return 0;
	}
	bool rd = (what & CURL_POLL_IN) != 0, wr = (what & CURL_POLL_OUT) != 0;
	if (i == h->nfds) {
		if (h->nfds >= NET_HTTP_MAX_FDS || h->loop.watch(h->loop.ctx, (int)fd, true, rd, wr) != 0) {
			h->tick = true;
			return 0;
		}
		h->fds[h->nfds++] = (int)fd;
		return 0;
	}
	(void)h->loop.watch(h->loop.ctx, (int)fd, false, rd, wr);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT) in ms
 * milliseconds (-1: never). Only recorded here (libcurl must not be called back from it). */
static int on_timer(CURLM *m, long ms, void *userp)
{
	(void)m;
	struct net_http *h = userp;
	if (ms < 0) {
		h->timer_at = 0;
		return 0;
	}
	uint32_t now = h->loop.now_ms(h->loop.ctx), end = h->loop.end_ms(h->loop.ctx);
	uint32_t left = end > now ? end - now : 0;
	uint32_t t = now + ((unsigned long)ms < left ? (uint32_t)ms : left);
	h->timer_at = t ? t : 1;
	return 0;
}

struct net_http *net_http_new(const struct net_http_loop *loop, size_t max_kept_total)
{
	struct net_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->loop = *loop;
	h->max_kept_total = max_kept_total;
	if (!(h->multi = curl_multi_init())) {
		free(h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static bool http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

int net_http_get(struct net_http *h, const struct net_http_req *req)
{
	if (!h || !req->url || !http_url(req->url) || h->nxfers >= NET_HTTP_MAX_XFERS)
		return -1;
	uint32_t now = h->loop.now_ms(h->loop.ctx), end = h->loop.end_ms(h->loop.ctx);
	long budget = (long)req->timeout_ms;
	if (end > now && (uint32_t)budget > end - now)
		budget = (long)(end - now);
	if (budget < 1)
		budget = 1;
	struct xfer *x = calloc(1, sizeof *x);
	if (!x)
		return -1;
	x->h = h;
	x->tag = req->tag;
	x->max_body = req->max_body;
	x->max_keep = req->max_keep < req->max_body ? req->max_keep : req->max_body;
	if (!(x->easy = curl_easy_init())) {
		free(x);
		return -1;
	}
	CURL *c = x->easy;
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, budget);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, budget);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (req->user_agent)
		curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		free(x);
		return -1;
	}
	if (h->tail)
		h->tail->next = x;
	else
		h->head = x;
	h->tail = x;
	h->nxfers++;
	h->running++;
	return 0;
}

static enum net_http_err err_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return NET_HTTP_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return NET_HTTP_ERR_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		return NET_HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return NET_HTTP_ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return NET_HTTP_ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return NET_HTTP_ERR_TOO_LARGE;
	default:
		return NET_HTTP_ERR_OTHER;
	}
}

/* x ended with rc: its result is ready for net_http_collect. */
static void finish(struct xfer *x, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && status > 0)
		rc = CURLE_OK; /* we stopped reading a large body: the server answered */
	x->status = status;
	x->err = err_class(rc);
	if (rc != CURLE_OK)
		fmt_into(x->msg, sizeof x->msg, "%s", curl_easy_strerror(rc));
	x->done = true;
}

/* Marks the transfers libcurl says have ended. */
static void reap(struct net_http *h)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct xfer *x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x && !x->done)
			finish(x, m->data.result);
	}
}

void net_http_drive(struct net_http *h)
{
	if (!h || h->running <= 0)
		return;
	int running = h->running;
	uint32_t now = h->loop.now_ms(h->loop.ctx);
	if (h->tick) {
		h->timer_at = 0;
		curl_multi_perform(h->multi, &running);
	} else if (h->timer_at && now >= h->timer_at) {
		h->timer_at = 0;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	} else {
		return;
	}
	h->running = running;
	reap(h);
}

bool net_http_on_fd(struct net_http *h, int fd)
{
	if (!h)
		return false;
	size_t i = 0;
	while (i < h->nfds && h->fds[i] != fd)
		i++;
	if (i == h->nfds)
		return false;
	int running = h->running;
	/* ev 0: the loop does not say which event; libcurl looks at the socket itself. */
	curl_multi_socket_action(h->multi, (curl_socket_t)fd, 0, &running);
	h->running = running;
	reap(h);
	return true;
}

uint32_t net_http_wake(const struct net_http *h)
{
	if (!h || h->running <= 0)
		return 0;
	uint32_t t = h->timer_at;
	if (h->tick) {
		uint32_t k = h->loop.now_ms(h->loop.ctx) + NET_HTTP_TICK_MS;
		if (!t || k < t)
			t = k;
	}
	return t;
}

bool net_http_collect(struct net_http *h, struct net_http_result *res)
{
	if (!h)
		return false;
	for (struct xfer *x = h->head; x; x = x->next) {
		if (!x->done || x->collected)
			continue;
		memset(res, 0, sizeof *res);
		res->tag = x->tag;
		res->err = x->err;
		res->status = x->status;
		res->body = x->body;
		res->body_len = x->len;
		res->bytes = x->bytes;
		res->truncated = x->truncated;
		memcpy(res->msg, x->msg, sizeof res->msg);
		x->body = NULL;
		x->len = x->cap = 0;
		x->collected = true;
		return true;
	}
	return false;
}

void net_http_stop(struct net_http *h)
{
	if (!h)
		return;
	for (struct xfer *x = h->head; x; x = x->next)
		if (!x->done)
			finish(x, CURLE_OPERATION_TIMEDOUT);
	h->running = 0;
	h->timer_at = 0;
}

void net_http_free(struct net_http *h)
{
	if (!h)
		return;
	struct xfer *x = h->head;
	while (x) {
		struct xfer *next = x->next;
		curl_multi_remove_handle(h->multi, x->easy);
		curl_easy_cleanup(x->easy);
		free(x->body);
		free(x);
		x = next;
	}
	curl_multi_cleanup(h->multi);
	/* libcurl says REMOVE before it closes a socket; whatever is left is unwatched here. */
	for (size_t i = 0; i < h->nfds; i++)
		h->loop.unwatch(h->loop.ctx, h->fds[i]);
	free(h);
}
