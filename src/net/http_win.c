/* net/http.h on Windows: WinHTTP, one worker thread per transfer making synchronous calls
 * (WinHttpOpen, Connect, OpenRequest, SendRequest, ReceiveResponse, QueryDataAvailable, ReadData),
 * each call's timeout (WinHttpSetTimeouts) set to what is left of the transfer's budget. The loop
 * watches no socket: while a transfer runs, net_http_wake asks for a NET_HTTP_TICK_MS tick, and
 * net_http_drive picks up the transfers that ended. A transfer still running at its deadline (loop
 * clock) is ended by the loop as NET_HTTP_ERR_TIMEOUT at once, as libcurl would; its worker is
 * abandoned and stops at its next step (each WinHTTP call is bounded by the same budget), then
 * frees itself. So a GET never extends the run, and net_http_free never waits for a thread.
 *
 * Proxy: WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY (Windows 8.1+), the machine's WinHTTP proxy, the
 * user's proxy settings and WPAD, which is the route Windows' CryptoAPI (cryptnet, itself WinHTTP)
 * looks for when it fetches a CRL or OCSP URL (KB 2623724: the WinHTTP proxy set with `netsh winhttp
 * set proxy`, automatic proxy detection, the user's settings). A diagnosis tool must fetch from
 * where the client fetches: a CRL reachable only through the company proxy is reachable for the
 * client too. Where that access type is refused (before 8.1), WINHTTP_ACCESS_TYPE_DEFAULT_PROXY
 * (the `netsh winhttp` proxy only). Redirects are not followed (as libcurl on Linux).
 *
 * WinHTTP's errors map to net/http.h's classes: ERROR_WINHTTP_NAME_NOT_RESOLVED (12007) resolve,
 * CANNOT_CONNECT (12029) connect, TIMEOUT (12002) timeout, SECURE_FAILURE (12175) and the other
 * certificate / secure channel errors TLS, everything else other.
 *
 * Ownership and threads: a struct job is shared by the loop's thread and its worker, counted by
 * refs and guarded by the one mutex `mu` (with every client's kept_total); the worker alone
 * writes the body while the job runs, the loop takes it only once the job is done. Each worker
 * owns its WinHTTP handles (WinHTTP forbids using a handle closed by another thread). A job the
 * loop abandoned (job->h NULL) has no client any more; whichever side drops the last reference
 * frees it. */
#include "net/http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <winhttp.h>

#include "util/fmt.h"

#define READ_CHUNK 16384u
#define MSG_LEN sizeof ((struct net_http_result *)0)->msg
#define NET_HTTP_MAX_URL 8192u

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

struct job {
	/* Set before the worker starts, then read-only. */
	wchar_t *url, *agent;
	size_t max_body, max_keep;
	ULONGLONG deadline;          /* GetTickCount64() at which the worker gives up */
	/* Under mu. */
	struct net_http *h;          /* NULL once the loop abandoned the job */
	int refs;                    /* the worker's and the loop's */
	bool done;
	long status;
	/* The worker's while !done, the loop's after (read under mu). */
	uint8_t *body;
	size_t len, cap, bytes;
	bool truncated;
	enum net_http_err err;
	char msg[MSG_LEN];
};

struct xfer {
	struct xfer *next;           /* the client's list, in start order */
	struct job *job;             /* NULL once the result below is ready */
	void *tag;
	uint32_t deadline;           /* loop clock */
	bool done, collected;
	struct net_http_result res;
};

struct net_http {
	struct net_http_loop loop;
	struct xfer *head, *tail;
	size_t nxfers, running;
	size_t kept_total, max_kept_total; /* kept_total under mu */
};

int net_http_global_init(void)
{
	return 0;
}

void net_http_global_cleanup(void)
{
}

static void job_unref_locked(struct job *j)
{
	if (--j->refs > 0)
		return;
	free(j->url);
	free(j->agent);
	free(j->body);
	free(j);
}

/* ---------------------------------------------------------------- the worker */

static const char *werr_name(DWORD e)
{
	switch (e) {
	case ERROR_WINHTTP_TIMEOUT: return "ERROR_WINHTTP_TIMEOUT: the operation timed out";
	case ERROR_WINHTTP_NAME_NOT_RESOLVED: return "ERROR_WINHTTP_NAME_NOT_RESOLVED: the server name could not be resolved";
	case ERROR_WINHTTP_CANNOT_CONNECT: return "ERROR_WINHTTP_CANNOT_CONNECT: could not connect to the server";
	case ERROR_WINHTTP_CONNECTION_ERROR: return "ERROR_WINHTTP_CONNECTION_ERROR: the connection was reset or closed";
	case ERROR_WINHTTP_INVALID_SERVER_RESPONSE: return "ERROR_WINHTTP_INVALID_SERVER_RESPONSE: the reply is not HTTP";
	case ERROR_WINHTTP_INVALID_URL: return "ERROR_WINHTTP_INVALID_URL: the URL is invalid";
	case ERROR_WINHTTP_UNRECOGNIZED_SCHEME: return "ERROR_WINHTTP_UNRECOGNIZED_SCHEME: not an http(s) URL";
	case ERROR_WINHTTP_SECURE_FAILURE: return "ERROR_WINHTTP_SECURE_FAILURE: the server's certificate is not valid";
	case ERROR_WINHTTP_SECURE_CHANNEL_ERROR: return "ERROR_WINHTTP_SECURE_CHANNEL_ERROR: the TLS handshake failed";
	case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID: return "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID: the server's certificate is expired or not yet valid";
	case ERROR_WINHTTP_SECURE_CERT_CN_INVALID: return "ERROR_WINHTTP_SECURE_CERT_CN_INVALID: the server's certificate names another host";
	case ERROR_WINHTTP_SECURE_INVALID_CA: return "ERROR_WINHTTP_SECURE_INVALID_CA: the server's certificate is from an untrusted CA";
	case ERROR_WINHTTP_SECURE_INVALID_CERT: return "ERROR_WINHTTP_SECURE_INVALID_CERT: the server's certificate is invalid";
	case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE: return "ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE: the server's certificate is not for TLS servers";
	case ERROR_WINHTTP_SECURE_CERT_REV_FAILED: return "ERROR_WINHTTP_SECURE_CERT_REV_FAILED: the server's certificate could not be checked for revocation";
	case ERROR_WINHTTP_SECURE_CERT_REVOKED: return "ERROR_WINHTTP_SECURE_CERT_REVOKED: the server's certificate is revoked";
	case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED: return "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED: the server asks for a client certificate";
	case ERROR_WINHTTP_OPERATION_CANCELLED: return "ERROR_WINHTTP_OPERATION_CANCELLED: the operation was cancelled";
	case ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY: out of memory";
	default: return NULL;
	}
}

static enum net_http_err werr_class(DWORD e)
{
	switch (e) {
	case ERROR_WINHTTP_NAME_NOT_RESOLVED:
		return NET_HTTP_ERR_RESOLVE;
	case ERROR_WINHTTP_CANNOT_CONNECT:
		return NET_HTTP_ERR_CONNECT;
	case ERROR_WINHTTP_TIMEOUT:
		return NET_HTTP_ERR_TIMEOUT;
	case ERROR_WINHTTP_SECURE_FAILURE:
	case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
	case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
	case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
	case ERROR_WINHTTP_SECURE_INVALID_CA:
	case ERROR_WINHTTP_SECURE_INVALID_CERT:
	case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE:
	case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
	case ERROR_WINHTTP_SECURE_CERT_REVOKED:
	case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
		return NET_HTTP_ERR_TLS;
	default:
		return NET_HTTP_ERR_OTHER;
	}
}

/* The job ended with WinHTTP error e during `what`. */
static void fail(struct job *j, DWORD e, const char *what)
{
	const char *name = werr_name(e);
	j->err = werr_class(e);
	if (name)
		fmt_into(j->msg, sizeof j->msg, "%s (WinHTTP error %lu, %s)", name, (unsigned long)e, what);
	else
		fmt_into(j->msg, sizeof j->msg, "WinHTTP error %lu (%s)", (unsigned long)e, what);
}

static void fail_timeout(struct job *j)
{
	j->err = NET_HTTP_ERR_TIMEOUT;
	fmt_into(j->msg, sizeof j->msg, "Timeout was reached");
}

/* Milliseconds left of the job's budget, at least 1; 0 when it is spent or the loop abandoned the
 * job (the worker then stops). */
static int left_ms(struct job *j)
{
	pthread_mutex_lock(&mu);
	bool gone = j->h == NULL;
	pthread_mutex_unlock(&mu);
	ULONGLONG now = GetTickCount64();
	if (gone || now >= j->deadline)
		return 0;
	ULONGLONG l = j->deadline - now;
	return l > 0x7fffffffu ? 0x7fffffff : (int)l;
}

/* Sets every WinHTTP timeout of req to what is left; false when nothing is left. */
static bool set_timeouts(struct job *j, HINTERNET req)
{
	int ms = left_ms(j);
	if (ms <= 0) {
		fail_timeout(j);
		return false;
	}
	(void)WinHttpSetTimeouts(req, ms, ms, ms, ms);
	return true;
}

/* The body bytes in buf[0..n): counted, kept up to max_keep and the client's total; false when the
 * transfer must stop (truncated). */
static bool take(struct job *j, const uint8_t *buf, size_t n)
{
	if (n > j->max_body - j->bytes) {
		j->truncated = true;
		return false;
	}
	j->bytes += n;
	if (j->max_keep == 0 || n == 0)
		return true;
	if (n > j->max_keep - j->len) {
		j->truncated = true;
		return false;
	}
	pthread_mutex_lock(&mu);
	bool ok = j->h && n <= j->h->max_kept_total - j->h->kept_total;
	if (ok)
		j->h->kept_total += n;
	pthread_mutex_unlock(&mu);
	if (!ok) {
		j->truncated = true;
		return false;
	}
	if (j->len + n > j->cap) {
		size_t nc = j->cap ? j->cap : 16384;
		while (nc < j->len + n)
			nc *= 2;
		if (nc > j->max_keep)
			nc = j->max_keep;
		uint8_t *nb = realloc(j->body, nc);
		if (!nb) {
			j->truncated = true;
			return false;
		}
		j->body = nb;
		j->cap = nc;
	}
	memcpy(j->body + j->len, buf, n);
	j->len += n;
	return true;
}

/* The Content-Length the server announced, or -1 (none, or not a number). */
static long long content_length(HINTERNET req)
{
	wchar_t v[32];
	DWORD sz = sizeof v;
	if (!WinHttpQueryHeaders(req, WINHTTP_QUERY_CONTENT_LENGTH, WINHTTP_HEADER_NAME_BY_INDEX, v, &sz,
				 WINHTTP_NO_HEADER_INDEX))
		return -1;
	size_t n = sz / sizeof v[0];
	if (n == 0 || n >= sizeof v / sizeof v[0])
		return -1;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < L'0' || v[i] > L'9' || x > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - L'0');
	}
	return x;
}

/* The GET itself, on the worker's thread; the outcome in j (err, msg, status, body). The handles
 * and the path it opens are returned for the caller to close and free. */
static void run(struct job *j, HINTERNET *ses, HINTERNET *con, HINTERNET *req, wchar_t **pathp)
{
	URL_COMPONENTS uc;
	memset(&uc, 0, sizeof uc);
	uc.dwStructSize = sizeof uc;
	uc.dwHostNameLength = (DWORD)-1;
	uc.dwUrlPathLength = (DWORD)-1;
	uc.dwExtraInfoLength = (DWORD)-1;
	if (!WinHttpCrackUrl(j->url, 0, 0, &uc) || uc.dwHostNameLength == 0) {
		fail(j, GetLastError() ? GetLastError() : ERROR_WINHTTP_INVALID_URL, "reading the URL");
		return;
	}
	/* Host and path+query as their own strings (the URL's parts are not terminated). */
	wchar_t host[256];
	if (uc.dwHostNameLength >= sizeof host / sizeof host[0]) {
		fail(j, ERROR_WINHTTP_INVALID_URL, "reading the URL");
		return;
	}
	memcpy(host, uc.lpszHostName, uc.dwHostNameLength * sizeof(wchar_t));
	host[uc.dwHostNameLength] = 0;
	/* The path and the query, without a fragment; "/" when the URL names no path. */
	size_t np = uc.dwUrlPathLength, nq = uc.dwExtraInfoLength;
	wchar_t *path = calloc(np + nq + 2, sizeof *path);
	if (!path) {
		fail(j, ERROR_NOT_ENOUGH_MEMORY, "reading the URL");
		return;
	}
	size_t k = 0;
	if (np == 0) {
		path[k++] = L'/';
	} else {
		memcpy(path, uc.lpszUrlPath, np * sizeof *path);
		k = np;
	}
	for (size_t i = 0; i < nq && uc.lpszExtraInfo[i] != L'#'; i++)
		path[k++] = uc.lpszExtraInfo[i];
	path[k] = 0;
	*pathp = path;
	bool tls = uc.nScheme == INTERNET_SCHEME_HTTPS;

	*ses = WinHttpOpen(j->agent, WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
	if (!*ses)
		*ses = WinHttpOpen(j->agent, WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
	if (!*ses) {
		fail(j, GetLastError(), "WinHttpOpen");
		return;
	}
	int ms = left_ms(j);
	if (ms <= 0) {
		fail_timeout(j);
		return;
	}
	(void)WinHttpSetTimeouts(*ses, ms, ms, ms, ms);
	if (!(*con = WinHttpConnect(*ses, host, uc.nPort, 0))) {
		fail(j, GetLastError(), "WinHttpConnect");
		return;
	}
	if (!(*req = WinHttpOpenRequest(*con, L"GET", path, NULL, WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES,
					tls ? WINHTTP_FLAG_SECURE : 0))) {
		fail(j, GetLastError(), "WinHttpOpenRequest");
		return;
	}
	DWORD never = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
	(void)WinHttpSetOption(*req, WINHTTP_OPTION_REDIRECT_POLICY, &never, sizeof never);
	if (!set_timeouts(j, *req))
		return;
	if (!WinHttpSendRequest(*req, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0, 0, 0)) {
		fail(j, GetLastError(), "sending the request");
		return;
	}
	if (!set_timeouts(j, *req))
		return;
	if (!WinHttpReceiveResponse(*req, NULL)) {
		fail(j, GetLastError(), "waiting for the answer");
		return;
	}
	DWORD code = 0, sz = sizeof code;
	if (!WinHttpQueryHeaders(*req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER, WINHTTP_HEADER_NAME_BY_INDEX,
				 &code, &sz, WINHTTP_NO_HEADER_INDEX)) {
		fail(j, GetLastError(), "reading the status");
		return;
	}
	pthread_mutex_lock(&mu);
	j->status = (long)code;
	pthread_mutex_unlock(&mu);
	long long cl = content_length(*req);
	if (cl >= 0 && (unsigned long long)cl > j->max_body) {
		j->err = NET_HTTP_ERR_TOO_LARGE;
		fmt_into(j->msg, sizeof j->msg, "the server announced a %lld-byte body, more than the %zu bytes read at most",
			 cl, j->max_body);
		return;
	}
	uint8_t buf[READ_CHUNK];
	for (;;) {
		if (!set_timeouts(j, *req))
			return;
		DWORD avail = 0;
		if (!WinHttpQueryDataAvailable(*req, &avail)) {
			fail(j, GetLastError(), "reading the body");
			return;
		}
		if (avail == 0)
			return; /* the whole body */
		DWORD got = 0;
		if (!WinHttpReadData(*req, buf, avail < sizeof buf ? avail : (DWORD)sizeof buf, &got)) {
			fail(j, GetLastError(), "reading the body");
			return;
		}
		if (got == 0)
			return;
		if (!take(j, buf, got))
			return; /* truncated: the server answered; we stop reading */
	}
}

static void *worker(void *arg)
{
	struct job *j = arg;
	HINTERNET ses = NULL, con = NULL, req = NULL;
	wchar_t *path = NULL;
	run(j, &ses, &con, &req, &path);
	if (req)
		WinHttpCloseHandle(req);
	if (con)
		WinHttpCloseHandle(con);
	if (ses)
		WinHttpCloseHandle(ses);
	free(path);
	pthread_mutex_lock(&mu);
	j->done = true;
	job_unref_locked(j);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* ---------------------------------------------------------------- the loop's side */

struct net_http *net_http_new(const struct net_http_loop *loop, size_t max_kept_total)
{
	struct net_http *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->loop = *loop;
	h->max_kept_total = max_kept_total;
	return h;
}

/* s as a new UTF-16 string (heap), NULL when it is not UTF-8 or out of memory. */
static wchar_t *widen(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	if (n <= 0)
		return NULL;
	wchar_t *w = calloc((size_t)n, sizeof *w);
	if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
		free(w);
		w = NULL;
	}
	return w;
}

int net_http_get(struct net_http *h, const struct net_http_req *req)
{
	if (!h || !req->url || h->nxfers >= NET_HTTP_MAX_XFERS || strnlen(req->url, NET_HTTP_MAX_URL + 1) > NET_HTTP_MAX_URL)
		return -1;
	if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)
		return -1;
	uint32_t now = h->loop.now_ms(h->loop.ctx), end = h->loop.end_ms(h->loop.ctx);
	uint32_t budget = req->timeout_ms;
	if (end > now && budget > end - now)
		budget = end - now;
	if (budget < 1)
		budget = 1;
	struct xfer *x = calloc(1, sizeof *x);
	struct job *j = calloc(1, sizeof *j);
	if (!x || !j)
		goto fail;
	j->url = widen(req->url);
	j->agent = req->user_agent ? widen(req->user_agent) : NULL;
	if (!j->url || (req->user_agent && !j->agent))
		goto fail;
	j->max_body = req->max_body;
	j->max_keep = req->max_keep < req->max_body ? req->max_keep : req->max_body;
	j->deadline = GetTickCount64() + budget;
	j->h = h;
	j->refs = 2;
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr) != 0)
		goto fail;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		goto fail;
	x->job = j;
	x->tag = req->tag;
	x->deadline = now + budget;
	if (h->tail)
		h->tail->next = x;
	else
		h->head = x;
	h->tail = x;
	h->nxfers++;
	h->running++;
	return 0;
fail:
	if (j) {
		free(j->url);
		free(j->agent);
	}
	free(j);
	free(x);
	return -1;
}

/* Under mu: x's job is done; its outcome becomes x's result and the loop's reference is dropped. */
static void take_result_locked(struct net_http *h, struct xfer *x)
{
	struct job *j = x->job;
	struct net_http_result *r = &x->res;
	r->tag = x->tag;
	r->err = j->err;
	r->status = j->status;
	r->body = j->body;
	r->body_len = j->len;
	r->bytes = j->bytes;
	r->truncated = j->truncated;
	memcpy(r->msg, j->msg, sizeof r->msg);
	if (r->err == NET_HTTP_OK)
		r->msg[0] = 0;
	j->body = NULL;
	job_unref_locked(j);
	x->job = NULL;
	x->done = true;
	h->running--;
}

/* Under mu: x ends now as timed out (what the worker had, minus the body); the worker is abandoned. */
static void abandon_locked(struct net_http *h, struct xfer *x)
{
	struct job *j = x->job;
	struct net_http_result *r = &x->res;
	r->tag = x->tag;
	r->err = NET_HTTP_ERR_TIMEOUT;
	r->status = j->status;
	fmt_into(r->msg, sizeof r->msg, "Timeout was reached");
	j->h = NULL;
	job_unref_locked(j);
	x->job = NULL;
	x->done = true;
	h->running--;
}

void net_http_drive(struct net_http *h)
{
	if (!h || h->running == 0)
		return;
	uint32_t now = h->loop.now_ms(h->loop.ctx);
	pthread_mutex_lock(&mu);
	for (struct xfer *x = h->head; x; x = x->next) {
		if (!x->job)
			continue;
		if (x->job->done)
			take_result_locked(h, x);
		else if (now >= x->deadline)
			abandon_locked(h, x);
	}
	pthread_mutex_unlock(&mu);
}

bool net_http_on_fd(struct net_http *h, int fd)
{
	(void)h;
	(void)fd;
	return false; /* WinHTTP's sockets are its own: nothing is watched */
}

uint32_t net_http_wake(const struct net_http *h)
{
	if (!h || h->running == 0)
		return 0;
	uint32_t t = h->loop.now_ms(h->loop.ctx) + NET_HTTP_TICK_MS;
	for (const struct xfer *x = h->head; x; x = x->next)
		if (x->job && x->deadline < t)
			t = x->deadline;
	return t ? t : 1;
}

bool net_http_collect(struct net_http *h, struct net_http_result *res)
{
	if (!h)
		return false;
	for (struct xfer *x = h->head; x; x = x->next) {
		if (!x->done || x->collected)
			continue;
		*res = x->res;
		x->res.body = NULL;
		x->collected = true;
		return true;
	}
	return false;
}

void net_http_stop(struct net_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&mu);
	for (struct xfer *x = h->head; x; x = x->next) {
		if (!x->job)
			continue;
		if (x->job->done)
			take_result_locked(h, x);
		else
			abandon_locked(h, x);
	}
	pthread_mutex_unlock(&mu);
}

void net_http_free(struct net_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&mu);
	struct xfer *x = h->head;
	while (x) {
		struct xfer *next = x->next;
		if (x->job) {
			x->job->h = NULL;
			job_unref_locked(x->job);
		}
		free(x->res.body);
		free(x);
		x = next;
	}
	pthread_mutex_unlock(&mu);
	free(h);
}
