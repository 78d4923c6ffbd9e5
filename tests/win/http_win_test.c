/* Test of net/http.h's WinHTTP side (src/net/http_win.c, issue 14), run under Wine by
 * tests/win/http_win.sh against a small HTTP server on 127.0.0.1 (only loopback traffic).
 *   http_win_test.exe HTTP_PORT CLOSED_PORT SILENT_PORT
 * HTTP_PORT serves /small (200, 100 bytes), /big (200, 100000 bytes, Content-Length), /stream
 * (200, 100000 bytes, no Content-Length), /missing (404), /redirect (302 to /small), /ua (the
 * request's User-Agent) and /echo... (the request's path); CLOSED_PORT refuses connections;
 * SILENT_PORT accepts and never answers; an https URL to HTTP_PORT fails the TLS handshake. One "OK name" or "FAIL name: why" line per check; exit 1
 * on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "net/http.h"

static ULONGLONG t0;
static int failures;

static uint32_t now_ms(void *ctx)
{
	(void)ctx;
	return (uint32_t)(GetTickCount64() - t0) + 1;
}

static uint32_t end_ms(void *ctx)
{
	(void)ctx;
	return 60000;
}

static int watch(void *ctx, int fd, bool add, bool rd, bool wr)
{
	(void)ctx;
	(void)fd;
	(void)add;
	(void)rd;
	(void)wr;
	printf("FAIL watch: the WinHTTP side asked to watch a socket\n");
	failures++;
	return -1;
}

static void unwatch(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	printf("FAIL unwatch: the WinHTTP side asked to unwatch a socket\n");
	failures++;
}

static const struct net_http_loop loop = {.now_ms = now_ms, .end_ms = end_ms, .watch = watch, .unwatch = unwatch};

static void check(bool ok, const char *name, const char *why)
{
	if (ok && why) {
		printf("OK %s (%s)\n", name, why);
	} else if (ok) {
		printf("OK %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why ? why : "failed");
		failures++;
	}
	fflush(stdout);
}

enum { T_SMALL, T_BIG_KEEP, T_BIG_TOO_LARGE, T_STREAM, T_MISSING, T_REDIRECT, T_UA, T_ECHO, T_CLOSED, T_SILENT, T_TLS, T_N };

struct got {
	bool seen;
	struct net_http_result r;
	uint32_t at; /* loop clock when collected */
};

static bool one_line(const char *s)
{
	return s[0] && !strchr(s, '\n') && !strchr(s, '\r');
}

/* Drives h until every transfer ended or limit_ms passed, storing results by tag (an index). */
static void run(struct net_http *h, struct got *g, size_t n, uint32_t limit_ms)
{
	uint32_t stop = now_ms(NULL) + limit_ms;
	while (now_ms(NULL) < stop) {
		net_http_drive(h);
		struct net_http_result r;
		while (net_http_collect(h, &r)) {
			size_t i = (size_t)(uintptr_t)r.tag;
			if (i < n && !g[i].seen) {
				g[i].seen = true;
				g[i].r = r;
				g[i].at = now_ms(NULL);
			} else {
				free(r.body);
			}
		}
		uint32_t w = net_http_wake(h);
		if (!w)
			break;
		uint32_t now = now_ms(NULL);
		Sleep(w > now ? w - now : 0);
	}
}

static int get(struct net_http *h, const char *url, uint32_t timeout, size_t max_body, size_t max_keep, size_t tag)
{
	struct net_http_req q = {.url = url, .timeout_ms = timeout, .max_body = max_body, .max_keep = max_keep,
				 .user_agent = "Microsoft-CryptoAPI/10.0", .tag = (void *)(uintptr_t)tag};
	return net_http_get(h, &q);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: http_win_test HTTP_PORT CLOSED_PORT SILENT_PORT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	t0 = GetTickCount64();
	const char *port = argv[1], *closed = argv[2], *silent = argv[3];
	char u[T_N][200];
	snprintf(u[T_SMALL], sizeof u[0], "http://127.0.0.1:%s/small", port);
	snprintf(u[T_BIG_KEEP], sizeof u[0], "http://127.0.0.1:%s/big", port);
	snprintf(u[T_BIG_TOO_LARGE], sizeof u[0], "http://127.0.0.1:%s/big", port);
	snprintf(u[T_STREAM], sizeof u[0], "http://127.0.0.1:%s/stream", port);
	snprintf(u[T_MISSING], sizeof u[0], "http://127.0.0.1:%s/missing", port);
	snprintf(u[T_REDIRECT], sizeof u[0], "http://127.0.0.1:%s/redirect", port);
	snprintf(u[T_UA], sizeof u[0], "http://127.0.0.1:%s/ua", port);
	snprintf(u[T_ECHO], sizeof u[0], "http://127.0.0.1:%s/echo/MEow%%2Bx?q=1%%2B2%%3D%%3D&r=%%2F", port);
	snprintf(u[T_CLOSED], sizeof u[0], "http://127.0.0.1:%s/crl", closed);
	snprintf(u[T_SILENT], sizeof u[0], "http://127.0.0.1:%s/crl", silent);
	snprintf(u[T_TLS], sizeof u[0], "https://127.0.0.1:%s/small", port);

	struct net_http *h = net_http_new(&loop, 1u << 20);
	check(h != NULL, "new", NULL);
	if (!h)
		return 1;
	check(net_http_global_init() == 0, "global-init", NULL);
	struct net_http_req bad = {.url = "ldap:///CN=ca", .timeout_ms = 1000, .max_body = 100};
	check(net_http_get(h, &bad) == -1, "refuses-ldap", NULL);
	int started = 0;
	started += get(h, u[T_SMALL], 5000, 1u << 20, 1u << 20, T_SMALL) == 0;
	started += get(h, u[T_BIG_KEEP], 5000, 1u << 20, 4096, T_BIG_KEEP) == 0;
	started += get(h, u[T_BIG_TOO_LARGE], 5000, 50000, 50000, T_BIG_TOO_LARGE) == 0;
	started += get(h, u[T_STREAM], 5000, 50000, 0, T_STREAM) == 0;
	started += get(h, u[T_MISSING], 5000, 1u << 20, 1u << 20, T_MISSING) == 0;
	started += get(h, u[T_REDIRECT], 5000, 1u << 20, 1u << 20, T_REDIRECT) == 0;
	started += get(h, u[T_UA], 5000, 1u << 20, 1u << 20, T_UA) == 0;
	started += get(h, u[T_ECHO], 5000, 1u << 20, 1u << 20, T_ECHO) == 0;
	started += get(h, u[T_CLOSED], 5000, 1u << 20, 1u << 20, T_CLOSED) == 0;
	uint32_t silent_start = now_ms(NULL);
	started += get(h, u[T_SILENT], 1500, 1u << 20, 1u << 20, T_SILENT) == 0;
	started += get(h, u[T_TLS], 5000, 1u << 20, 1u << 20, T_TLS) == 0;
	check(started == T_N, "start", NULL);
	check(net_http_wake(h) != 0, "wake", NULL);
	check(!net_http_on_fd(h, 3), "on-fd", NULL);

	struct got g[T_N];
	memset(g, 0, sizeof g);
	run(h, g, T_N, 15000);
	char why[300];
	for (size_t i = 0; i < T_N; i++)
		if (!g[i].seen) {
			snprintf(why, sizeof why, "%s: no result", u[i]);
			check(false, "all-ended", why);
		}
	check(net_http_wake(h) == 0, "idle", NULL);

	struct net_http_result *r = &g[T_SMALL].r;
	snprintf(why, sizeof why, "err %d status %ld len %zu bytes %zu trunc %d msg %s", r->err, r->status, r->body_len,
		 r->bytes, r->truncated, r->msg);
	check(g[T_SMALL].seen && r->err == NET_HTTP_OK && r->status == 200 && r->body_len == 100 && r->bytes == 100 &&
		      !r->truncated && r->body && r->body[0] == 'A' && r->body[99] == 'A' && r->msg[0] == 0,
	      "200-small", why);

	r = &g[T_BIG_KEEP].r;
	snprintf(why, sizeof why, "err %d status %ld len %zu trunc %d", r->err, r->status, r->body_len, r->truncated);
	check(g[T_BIG_KEEP].seen && r->err == NET_HTTP_OK && r->status == 200 && r->truncated && r->body_len <= 4096,
	      "200-over-keep-bound", why);

	r = &g[T_BIG_TOO_LARGE].r;
	snprintf(why, sizeof why, "err %d status %ld msg %s", r->err, r->status, r->msg);
	check(g[T_BIG_TOO_LARGE].seen && r->err == NET_HTTP_ERR_TOO_LARGE && r->status == 200 && one_line(r->msg),
	      "200-content-length-over-body-bound", why);

	r = &g[T_STREAM].r;
	snprintf(why, sizeof why, "err %d status %ld bytes %zu len %zu trunc %d", r->err, r->status, r->bytes,
		 r->body_len, r->truncated);
	check(g[T_STREAM].seen && r->err == NET_HTTP_OK && r->status == 200 && r->truncated && r->bytes <= 50000 &&
		      r->body == NULL && r->body_len == 0,
	      "200-stream-over-body-bound-counted-only", why);

	r = &g[T_MISSING].r;
	snprintf(why, sizeof why, "err %d status %ld", r->err, r->status);
	check(g[T_MISSING].seen && r->err == NET_HTTP_OK && r->status == 404, "404", why);

	r = &g[T_REDIRECT].r;
	snprintf(why, sizeof why, "err %d status %ld", r->err, r->status);
	check(g[T_REDIRECT].seen && r->err == NET_HTTP_OK && r->status == 302, "302-not-followed", why);

	r = &g[T_UA].r;
	snprintf(why, sizeof why, "err %d status %ld body %.*s", r->err, r->status, (int)r->body_len,
		 r->body ? (const char *)r->body : "");
	check(g[T_UA].seen && r->err == NET_HTTP_OK && r->body_len == strlen("Microsoft-CryptoAPI/10.0") &&
		      memcmp(r->body, "Microsoft-CryptoAPI/10.0", r->body_len) == 0,
	      "user-agent", why);

	r = &g[T_ECHO].r;
	const char *want = strchr(u[T_ECHO] + 7, '/');
	snprintf(why, sizeof why, "err %d status %ld path %.*s want %s", r->err, r->status, (int)r->body_len,
		 r->body ? (const char *)r->body : "", want);
	check(g[T_ECHO].seen && r->err == NET_HTTP_OK && r->body_len == strlen(want) &&
		      memcmp(r->body, want, r->body_len) == 0,
	      "path-and-query-sent-as-is", why);

	r = &g[T_CLOSED].r;
	snprintf(why, sizeof why, "err %d status %ld msg %s", r->err, r->status, r->msg);
	check(g[T_CLOSED].seen && r->err == NET_HTTP_ERR_CONNECT && r->status == 0 && one_line(r->msg), "closed-port",
	      why);

	r = &g[T_SILENT].r;
	uint32_t took = g[T_SILENT].at - silent_start;
	snprintf(why, sizeof why, "err %d status %ld msg %s after %u ms", r->err, r->status, r->msg, took);
	check(g[T_SILENT].seen && r->err == NET_HTTP_ERR_TIMEOUT && r->status == 0 && one_line(r->msg) &&
		      took >= 1400 && took < 2500,
	      "silent-server-timeout", why);

	r = &g[T_TLS].r;
	snprintf(why, sizeof why, "err %d status %ld msg %s", r->err, r->status, r->msg);
	check(g[T_TLS].seen && r->err == NET_HTTP_ERR_TLS && r->status == 0 && one_line(r->msg), "https-to-plain-http", why);

	for (size_t i = 0; i < T_N; i++)
		free(g[i].r.body);
	net_http_free(h);

	/* The client's total: two 100-byte bodies against a 150-byte total. */
	h = net_http_new(&loop, 150);
	struct got g2[2];
	memset(g2, 0, sizeof g2);
	get(h, u[T_SMALL], 5000, 1u << 20, 1u << 20, 0);
	run(h, g2, 1, 10000);
	get(h, u[T_SMALL], 5000, 1u << 20, 1u << 20, 1);
	run(h, g2, 2, 10000);
	snprintf(why, sizeof why, "first len %zu trunc %d, second len %zu trunc %d", g2[0].r.body_len, g2[0].r.truncated,
		 g2[1].r.body_len, g2[1].r.truncated);
	check(g2[0].seen && g2[1].seen && g2[0].r.body_len == 100 && !g2[0].r.truncated && g2[1].r.truncated &&
		      g2[1].r.err == NET_HTTP_OK,
	      "client-total-bound", why);
	free(g2[0].r.body);
	free(g2[1].r.body);
	net_http_free(h);

	/* net_http_stop while a transfer waits on a silent server: timed out at once, in order. */
	h = net_http_new(&loop, 1u << 20);
	get(h, u[T_SILENT], 10000, 1000, 1000, 7);
	get(h, u[T_SILENT], 10000, 1000, 1000, 8);
	Sleep(200);
	uint32_t before = now_ms(NULL);
	net_http_stop(h);
	struct net_http_result a, b;
	bool ga = net_http_collect(h, &a), gb = net_http_collect(h, &b);
	snprintf(why, sizeof why, "got %d %d tags %p %p err %d msg %s", ga, gb, ga ? a.tag : NULL, gb ? b.tag : NULL,
		 ga ? (int)a.err : -1, ga ? a.msg : "");
	check(ga && gb && (uintptr_t)a.tag == 7 && (uintptr_t)b.tag == 8 && a.err == NET_HTTP_ERR_TIMEOUT &&
		      b.err == NET_HTTP_ERR_TIMEOUT && strcmp(a.msg, "Timeout was reached") == 0 &&
		      now_ms(NULL) - before < 100 && !net_http_collect(h, &a) && net_http_wake(h) == 0,
	      "stop", why);
	net_http_free(h);

	/* net_http_free with a transfer running: returns at once, the worker cleans up after itself. */
	h = net_http_new(&loop, 1u << 20);
	get(h, u[T_SILENT], 3000, 1000, 1000, 9);
	Sleep(100);
	before = now_ms(NULL);
	net_http_free(h);
	snprintf(why, sizeof why, "took %u ms", now_ms(NULL) - before);
	check(now_ms(NULL) - before < 100, "free-while-running", why);
	net_http_free(NULL);
	net_http_global_cleanup();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
