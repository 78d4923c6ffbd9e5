/* `vpndiag exporter`: a Prometheus exporter in blackbox_exporter's multi-target shape. Prometheus
 * scrapes /probe?target=HOST[&module=NAME][&protocols=LIST]; each scrape runs one diagnosis through
 * the same engine and rules as `vpndiag probe` and answers in the text exposition format
 * (report/report_prom.h). /metrics describes the exporter itself.
 *
 * Threads: libmicrohttpd runs one thread per connection (MHD_USE_THREAD_PER_CONNECTION, at most
 * CONNECTION_LIMIT connections), so a probe, which blocks its thread for up to its timeout, never
 * holds up another connection. engine_run_name is safe to run in several threads at once: each run
 * has its own loop, sockets, results and random key; what runs share is read-only (the profiles,
 * the trust stores, the module table), or process-wide but the same for every run (SIGPIPE is
 * ignored from main() on, so the engine's save/ignore/restore of SIGPIPE always restores
 * "ignored"), or locked (the resolver's list of abandoned lookups, net/net.c). The privilege drop
 * (net/priv.h) happens once, here, before the first thread starts (capabilities are per thread),
 * never per probe (engine_opts.drop_privileges is off).
 *
 * Concurrency bound: at most --max-probes probes run at once. A request beyond it waits (a queue
 * of at most CONNECTION_LIMIT connections) while at least half of its time is left, then gets 503
 * with Retry-After: Prometheus' scrapes of many targets bunch up, and a short wait is better than
 * a failed scrape, but a probe that starts with too little time left says nothing useful. */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/capability.h>
#include <microhttpd.h>

#include "net/http.h"
#include "cli/cli.h"
#include "crypto/certcheck.h"
#include "engine/engine.h"
#include "exporter/exporter_config.h"
#include "net/net.h"
#include "net/priv.h"
#include "profile/profile.h"
#include "report/report_prom.h"
#include "rules/rules.h"
#include "util/file.h"
#include "util/fmt.h"
#include "util/secret.h"

#define DEFAULT_LISTEN "127.0.0.1:9515"
#define DEFAULT_MAX_PROBES 4u
#define MAX_MAX_PROBES 64u
#define CONNECTION_LIMIT 64u       /* connections (= threads) at once: probes plus the queue */
#define CONNECTION_IDLE_S 60u      /* an idle keep-alive connection is closed after this */
#define SCRAPE_MARGIN_MS 500u      /* taken off Prometheus' scrape timeout (at most a quarter of it) */
#define PSK_READ_MS 1000u          /* a key file is a regular file: reading it is instant */
#define CA_FILE_MAX (32u << 20)    /* as `probe --ca-file` */
#define TARGET_MAX 255

enum { OPT_LISTEN = 1200, OPT_CONFIG, OPT_ALLOW, OPT_MAX_PROBES, OPT_RUN_AS };

static const struct cli_option exporter_opts[] = {
	{{"listen", required_argument, NULL, OPT_LISTEN}, "ADDR:PORT", "where to listen (default " DEFAULT_LISTEN "; [::1]:9515 for IPv6)"},
	{{"config", required_argument, NULL, OPT_CONFIG}, "FILE", "modules in blackbox_exporter's YAML shape (see below); without it, one built-in 'default' module"},
	{{"allow", required_argument, NULL, OPT_ALLOW}, "CIDR|NAME", "a target /probe may probe: a network (198.18.0.0/15), a host name, *.example.com, or 'any'; repeatable"},
	{{"max-probes", required_argument, NULL, OPT_MAX_PROBES}, "N", "probes running at once, 1 to 64 (default 4); more requests wait, then get 503"},
	{{"run-as", required_argument, NULL, OPT_RUN_AS}, "NAME", "when started as root: the user to become at start-up (default nobody)"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_exporter_help(FILE *out)
{
	fprintf(out,
		"usage: vpndiag exporter [--listen ADDR:PORT] [--config FILE] [--allow CIDR|NAME]...\n"
		"                        [--max-probes N] [--run-as NAME]\n\n"
		"A Prometheus exporter (the multi-target pattern of blackbox_exporter): each request to\n"
		"  /probe?target=HOST[&module=NAME][&protocols=LIST]\n"
		"runs one diagnosis as `vpndiag probe` does and answers in Prometheus' text format:\n"
		"vpndiag_probe_success, vpndiag_protocol_verdict{protocol,verdict}, vpndiag_protocol_windows_error,\n"
		"vpndiag_finding{protocol,cause,severity,basis}, vpndiag_rtt_seconds, vpndiag_probe_duration_seconds,\n"
		"vpndiag_server_behind_nat, vpndiag_certificate_expiry_timestamp_seconds{protocol}, ...\n"
		"/metrics describes the exporter itself (probes run, refused, errors, durations).\n\n"
		"A probe's time is the module's timeout, or Prometheus' X-Prometheus-Scrape-Timeout-Seconds\n"
		"less 0.5 s when that is shorter. At most --max-probes run at once; a request beyond waits while\n"
		"half its time is left, then gets 503. A target outside --allow gets 403. Without --allow, any\n"
		"target may be probed only when listening on a loopback address (the default); listening\n"
		"elsewhere needs --allow (--allow any to accept every target).\n\n"
		"Config (--config FILE, YAML):\n"
		"  modules:\n"
		"    default:                    # used when a request names no module\n"
		"      protocols: [ikev2, sstp]  # default: all\n"
		"      timeout: 6                # seconds, default 10, at most 300\n"
		"      profile: windows-10       # or a list, as probe --profile\n"
		"      ca_file: /etc/vpndiag/ca.pem\n"
		"      psk_file: /etc/vpndiag/l2tp.psk   # secrets only by file path; read per probe\n"
		"      ip_protocol: ip4          # or ip6; default both\n\n"
		"Privileges: started as root, it becomes --run-as at once and drops every capability but\n"
		"CAP_NET_RAW, which stays for its life when a module probes PPTP (the GRE check needs a raw\n"
		"socket); without it PPTP's GRE step is reported unchecked.\n\n"
		"Options:\n");
	cli_print_options(out, exporter_opts);
	fprintf(out, "\nExit codes: 0 stopped by SIGINT/SIGTERM; 2 bad option or config (one line says which);\n"
		     "4 cannot listen, drop privileges or start.\n");
}

/* ---------------------------------------------------------------- state */

/* A module ready to run: its settings, and what was loaded once at start-up. */
struct module_rt {
	const struct exporter_module *m;
	struct profile_choice *profile;   /* heap */
	uint8_t *ca_pem;
	size_t ca_pem_len;
	struct certcheck_trust *trust;    /* own when ca_file is set, else the shared system store */
};

struct exporter {
	struct exporter_config cfg;
	struct module_rt rt[EXPORTER_MAX_MODULES];
	struct certcheck_trust *system_trust; /* built once, for modules without ca_file */
	struct exporter_allow allow;
	unsigned max_probes;
	pthread_mutex_t lock;             /* guards stats */
	pthread_cond_t slot_free;         /* signalled when a probe ends */
	struct report_prom_exporter stats;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---------------------------------------------------------------- replies */

struct reply {
	unsigned status;
	char *body;        /* malloc'd (free_body) or a string literal */
	size_t len;
	bool free_body;
	const char *ctype;
	unsigned retry_after; /* seconds, 0 = none */
};

static void reply_text(struct reply *r, unsigned status, const char *fmt, ...) __attribute__((format(VD_PRINTF, 3, 4)));

static void reply_text(struct reply *r, unsigned status, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t n = strlen(line);
	char *b = malloc(n + 2);
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	if (!b) {
		r->body = (char *)"out of memory\n";
		r->len = strlen(r->body);
		r->free_body = false;
		return;
	}
	memcpy(b, line, n);
	b[n] = '\n';
	b[n + 1] = '\0';
	r->body = b;
	r->len = n + 1;
	r->free_body = true;
}

/* The memory stream f (open_memstream(buf, len)) is closed and its text becomes the reply. */
static int reply_stream(struct reply *r, FILE *f, char **buf, size_t *len)
{
	if (fclose(f) != 0 || !*buf) {
		free(*buf);
		return -1;
	}
	r->status = MHD_HTTP_OK;
	r->body = *buf;
	r->len = *len;
	r->free_body = true;
	r->ctype = REPORT_PROM_CONTENT_TYPE;
	return 0;
}

/* ---------------------------------------------------------------- /metrics */

static uint64_t rss_bytes(void)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[200];
	unsigned long long size = 0, res = 0;
	if (file_read_bounded("/proc/self/statm", 4096, 1000, 0, &buf, &len, err, sizeof err) != 0)
		return 0;
	int k = sscanf((const char *)buf, "%llu %llu", &size, &res);
	free(buf);
	long page = sysconf(_SC_PAGESIZE);
	return k == 2 && page > 0 ? (uint64_t)res * (uint64_t)page : 0;
}

static void do_metrics(struct exporter *x, struct reply *r)
{
	struct report_prom_exporter s;
	pthread_mutex_lock(&x->lock);
	s = x->stats;
	pthread_mutex_unlock(&x->lock);
	s.rss_bytes = rss_bytes();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	report_prom_exporter(f, &s);
	if (reply_stream(r, f, &buf, &len) != 0)
		reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

/* ---------------------------------------------------------------- /probe */

static void count(struct exporter *x, uint64_t *counter)
{
	pthread_mutex_lock(&x->lock);
	(*counter)++;
	pthread_mutex_unlock(&x->lock);
}

static int parse_protocols(const char *list, unsigned *out, char *err, size_t errlen)
{
	char buf[128];
	size_t len = strlen(list);
	*out = 0;
	if (len == 0 || len >= sizeof buf) {
		fmt_into(err, errlen, "protocols takes a comma list of %s", proto_keys_list());
		return -1;
	}
	memcpy(buf, list, len + 1);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int idx = strcmp(t, "all") == 0 ? -2 : proto_index(t);
		if (idx == -1) {
			fmt_into(err, errlen, "unknown protocol '%.40s' (known: %s)", t, proto_keys_list());
			return -1;
		}
		*out |= idx == -2 ? (unsigned)PROTO_ALL : proto_table[idx].bit;
	}
	if (!*out) {
		fmt_into(err, errlen, "protocols takes a comma list of %s", proto_keys_list());
		return -1;
	}
	return 0;
}

/* The probe's time: the module's bound, or the scrape's timeout less a margin when shorter. */
static uint32_t probe_budget(const struct exporter_module *m, const char *hdr)
{
	uint32_t ms = m->timeout_ms;
	if (!hdr)
		return ms;
	char *end;
	double s = strtod(hdr, &end);
	if (end == hdr || *end || !isfinite(s) || s <= 0)
		return ms;
	double scrape = s * 1000.0;
	double margin = scrape / 4 < SCRAPE_MARGIN_MS ? scrape / 4 : SCRAPE_MARGIN_MS;
	double left = scrape - margin;
	if (left < 1)
		left = 1;
	return left < ms ? (uint32_t)left : ms;
}

/* Waits for a probe slot until deadline (monotonic ms). True when one was taken. */
static bool slot_take(struct exporter *x, uint64_t deadline)
{
	pthread_mutex_lock(&x->lock);
	while (x->stats.in_flight >= x->max_probes) {
		uint64_t now = mono_ms();
		if (now >= deadline)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t left = deadline - now;
		ts.tv_sec += (time_t)(left / 1000u);
		ts.tv_nsec += (long)(left % 1000u) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&x->slot_free, &x->lock, &ts);
	}
	bool got = x->stats.in_flight < x->max_probes;
	if (got)
		x->stats.in_flight++;
	pthread_mutex_unlock(&x->lock);
	return got;
}

static void slot_give(struct exporter *x, bool ran, uint64_t took_ms, bool error)
{
	pthread_mutex_lock(&x->lock);
	x->stats.in_flight--;
	if (error)
		x->stats.probe_errors++;
	if (ran) {
		double s = (double)took_ms / 1000.0;
		x->stats.probes++;
		x->stats.duration_sum += s;
		for (size_t i = 0; i < REPORT_PROM_NBUCKETS; i++)
			if (s <= report_prom_buckets[i])
				x->stats.duration_bucket[i]++;
	}
	pthread_cond_signal(&x->slot_free);
	pthread_mutex_unlock(&x->lock);
}

/* One diagnosis, rendered into r. Runs with a slot held. Returns 0, or -1 on a local error (said
 * in r). */
static int run_probe(const struct module_rt *rt, const char *target, unsigned protocols, uint32_t budget_ms,
		     uint64_t t0, struct reply *r)
{
	const struct exporter_module *m = rt->m;
	char err[400];
	struct secret psk = {NULL, 0};
	if (m->psk_file[0] && secret_read_file(&psk, m->psk_file, PSK_READ_MS, err, sizeof err) != 0) {
		reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "vpndiag exporter: module '%s': psk_file: %s", m->name, err);
		fprintf(stderr, "vpndiag exporter: module '%s': psk_file: %s\n", m->name, err);
		return -1;
	}
	uint64_t spent = mono_ms() - t0;
	struct engine_opts o = {.host = target, .family = m->family, .protocols = protocols,
				.timeout_ms = spent < budget_ms ? budget_ms - (uint32_t)spent : 1,
				.ca_file = m->ca_file[0] ? m->ca_file : NULL, .ca_pem = rt->ca_pem,
				.ca_pem_len = rt->ca_pem_len, .trust = rt->trust, .profile = rt->profile,
				.psk = psk.p, .psk_len = psk.len,
				.drop_privileges = false}; /* dropped once at start-up */
	struct obs_name *n = calloc(1, sizeof *n);
	struct name_diagnosis *nd = calloc(1, sizeof *nd);
	int rc = -1;
	if (!n || !nd) {
		reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "vpndiag exporter: out of memory");
	} else if (engine_run_name(&o, n, err, sizeof err) != 0) {
		reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "vpndiag exporter: %s", err);
		fprintf(stderr, "vpndiag exporter: %s: %s\n", target, err);
	} else {
		n->name.timeout_ms = budget_ms; /* the probe's bound as the scrape gave it */
		for (size_t i = 0; i < n->ntargets; i++)
			n->target[i]->timeout_ms = budget_ms;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = rules_name_evaluate(n, nd) == 0 ? open_memstream(&buf, &len) : NULL;
		if (f) {
			report_prom_name(f, n, nd);
			rc = reply_stream(r, f, &buf, &len);
		}
		if (rc != 0)
			reply_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "vpndiag exporter: out of memory");
	}
	secret_wipe(&psk);
	if (n)
		obs_name_free(n);
	if (nd)
		rules_name_free(nd);
	free(n);
	free(nd);
	return rc;
}

static void do_probe(struct exporter *x, struct MHD_Connection *c, struct reply *r)
{
	uint64_t t0 = mono_ms();
	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *module = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "module");
	const char *plist = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "protocols");
	char err[300];
	if (!target || !*target) {
		count(x, &x->stats.refused_bad_request);
		reply_text(r, MHD_HTTP_BAD_REQUEST, "vpndiag exporter: give the target: /probe?target=HOST");
		return;
	}
	if (strlen(target) > TARGET_MAX || net_host_classify(target) == NET_HOST_INVALID) {
		count(x, &x->stats.refused_bad_request);
		reply_text(r, MHD_HTTP_BAD_REQUEST, "vpndiag exporter: target: %s",
			   strlen(target) > TARGET_MAX ? "too long" : net_host_invalid_reason(target));
		return;
	}
	if (!exporter_allow_match(&x->allow, target)) {
		count(x, &x->stats.refused_forbidden);
		reply_text(r, MHD_HTTP_FORBIDDEN, "vpndiag exporter: target '%s' is not allowed (--allow)", target);
		return;
	}
	const struct exporter_module *m = exporter_config_find(&x->cfg, module && *module ? module : "default");
	if (!m) {
		count(x, &x->stats.refused_bad_request);
		reply_text(r, MHD_HTTP_BAD_REQUEST, "vpndiag exporter: unknown module '%.64s'", module);
		return;
	}
	const struct module_rt *rt = &x->rt[m - x->cfg.m];
	unsigned protocols = m->protocols;
	if (plist && parse_protocols(plist, &protocols, err, sizeof err) != 0) {
		count(x, &x->stats.refused_bad_request);
		reply_text(r, MHD_HTTP_BAD_REQUEST, "vpndiag exporter: %s", err);
		return;
	}
	enum net_host_kind kind = net_host_classify(target);
	if ((kind == NET_HOST_IPV4 && m->family == AF_INET6) || (kind == NET_HOST_IPV6 && m->family == AF_INET)) {
		count(x, &x->stats.refused_bad_request);
		reply_text(r, MHD_HTTP_BAD_REQUEST, "vpndiag exporter: target '%s' is an IPv%d address, module '%s' has ip_protocol: %s",
			   target, kind == NET_HOST_IPV4 ? 4 : 6, m->name, m->family == AF_INET ? "ip4" : "ip6");
		return;
	}
	uint32_t budget = probe_budget(m, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds"));
	if (!slot_take(x, t0 + budget / 2)) {
		count(x, &x->stats.refused_busy);
		reply_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "vpndiag exporter: busy: %u probes running (--max-probes)", x->max_probes);
		r->retry_after = 1;
		return;
	}
	uint64_t started = mono_ms();
	int rc = run_probe(rt, target, protocols, budget, t0, r);
	slot_give(x, rc == 0, mono_ms() - started, rc != 0);
}

/* ---------------------------------------------------------------- HTTP */

static const char index_page[] =
	"vpndiag exporter " VPNDIAG_VERSION "\n\n"
	"/probe?target=HOST[&module=NAME][&protocols=LIST]  one diagnosis, Prometheus text format\n"
	"/metrics                                          the exporter's own metrics\n";

/* libmicrohttpd's request callback: called twice per request (headers, then the end); the reply
 * body is handed to libmicrohttpd, which frees it (MHD_RESPMEM_MUST_FREE) or leaves it (literal). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	static int first_call;
	struct exporter *x = cls;
	if (*con_cls == NULL) {
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_size) { /* a body is not wanted: read and ignore it */
		*upload_size = 0;
		return MHD_YES;
	}
	struct reply r = {.status = MHD_HTTP_OK, .ctype = "text/plain; charset=utf-8"};
	count(x, &x->stats.requests);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		reply_text(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "vpndiag exporter: GET only");
	else if (strcmp(url, "/probe") == 0)
		do_probe(x, c, &r);
	else if (strcmp(url, "/metrics") == 0)
		do_metrics(x, &r);
	else if (strcmp(url, "/") == 0) {
		r.body = (char *)index_page;
		r.len = sizeof index_page - 1;
	} else
		reply_text(&r, MHD_HTTP_NOT_FOUND, "vpndiag exporter: no such page (try /probe?target=HOST or /metrics)");
	struct MHD_Response *resp = MHD_create_response_from_buffer(r.len, r.body, r.free_body ? MHD_RESPMEM_MUST_FREE
											    : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (r.free_body)
			free(r.body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.ctype);
	if (r.status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (r.retry_after) {
		char ra[16];
		fmt_into(ra, sizeof ra, "%u", r.retry_after);
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ok = MHD_queue_response(c, r.status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* ---------------------------------------------------------------- start-up */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool loopback;
	char text[80];
};

/* "127.0.0.1:9515", "[::1]:9515", "localhost:9515", "0.0.0.0:9515". Numeric, no name lookup. */
static int parse_listen(const char *s, struct listen_addr *out)
{
	char host[64];
	const char *colon, *hs = s;
	size_t hl;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -1;
		hs = s + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || port == 0 || port > 65535)
		return -1;
	if (strcmp(host, "localhost") == 0)
		fmt_into(host, sizeof host, "127.0.0.1");
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
		return -1;
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	if (out->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&out->ss;
		out->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&out->ss;
		out->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	}
	fmt_into(out->text, sizeof out->text, "%s%s%s:%lu", out->ss.ss_family == AF_INET6 ? "[" : "", host,
		 out->ss.ss_family == AF_INET6 ? "]" : "", port);
	return 0;
}

static int open_listener(const struct listen_addr *la, char *err, size_t errlen)
{
	int fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0) {
		fmt_into(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (la->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&la->ss, la->len) != 0 || listen(fd, 64) != 0) {
		fmt_into(err, errlen, "cannot listen on %s: %s", la->text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* What the command line asked for. */
struct exporter_args {
	const char *listen, *config, *run_as;
	unsigned max_probes;
	bool allow_given;
};

static int parse_args(int argc, char **argv, struct exporter *x, struct exporter_args *a)
{
	char err[300];
	int c;
	*a = (struct exporter_args){.listen = DEFAULT_LISTEN, .max_probes = DEFAULT_MAX_PROBES};
	optind = 1;
	while ((c = cli_getopt(argc, argv, exporter_opts, "exporter")) != -1) {
		switch (c) {
		case OPT_LISTEN: a->listen = optarg; break;
		case OPT_CONFIG: a->config = optarg; break;
		case OPT_RUN_AS: a->run_as = optarg; break;
		case OPT_ALLOW:
			a->allow_given = true;
			if (exporter_allow_add(&x->allow, optarg, err, sizeof err) != 0) {
				cli_error("exporter", "%s", err);
				return VD_EXIT_USAGE;
			}
			break;
		case OPT_MAX_PROBES: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || v < 1 || v > MAX_MAX_PROBES) {
				cli_error("exporter", "--max-probes takes 1 to %u (got '%s')", MAX_MAX_PROBES, optarg);
				return VD_EXIT_USAGE;
			}
			a->max_probes = (unsigned)v;
			break;
		}
		case 'h': cli_exporter_help(stdout); return VD_EXIT_OK;
		default: return VD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("exporter", "unexpected argument '%s' (targets come with each request: /probe?target=HOST)", argv[optind]);
		return VD_EXIT_USAGE;
	}
	return -1;
}

/* The config file, or the built-in default module; `default` is added when the file has none. */
static int load_config(struct exporter *x, const char *path)
{
	char err[400];
	if (path) {
		uint8_t *buf = NULL;
		size_t len = 0;
		if (file_read_bounded(path, EXPORTER_CONFIG_MAX, FILE_DATA_TIMEOUT_MS, 0, &buf, &len, err, sizeof err) != 0) {
			cli_error("exporter", "--config: %s", err);
			return VD_EXIT_USAGE;
		}
		int rc = exporter_config_parse(buf, len, &x->cfg, err, sizeof err);
		free(buf);
		if (rc != 0) {
			cli_error("exporter", "--config %s: %s", path, err);
			return VD_EXIT_USAGE;
		}
	}
	if (!exporter_config_find(&x->cfg, "default")) {
		if (x->cfg.n >= EXPORTER_MAX_MODULES) {
			cli_error("exporter", "--config %s: %d modules and none named 'default'", path, EXPORTER_MAX_MODULES);
			return VD_EXIT_USAGE;
		}
		exporter_module_defaults(&x->cfg.m[x->cfg.n++], "default");
	}
	return 0;
}

/* Per module, once: the profile, the CA bundle and its trust store. */
static int load_modules(struct exporter *x)
{
	char err[400];
	for (size_t i = 0; i < x->cfg.n; i++) {
		const struct exporter_module *m = &x->cfg.m[i];
		struct module_rt *rt = &x->rt[i];
		rt->m = m;
		const char *names[EXPORTER_MAX_PROFILES];
		for (size_t k = 0; k < m->nprofiles; k++)
			names[k] = m->profiles[k];
		rt->profile = calloc(1, sizeof *rt->profile);
		if (!rt->profile) {
			cli_error("exporter", "out of memory");
			return VD_EXIT_INTERNAL;
		}
		if (profile_choose(names, m->nprofiles, rt->profile, err, sizeof err) != 0) {
			cli_error("exporter", "module '%s': profile: %s", m->name, err);
			return VD_EXIT_USAGE;
		}
		if (m->ca_file[0]) {
			if (file_read_bounded(m->ca_file, CA_FILE_MAX, FILE_DATA_TIMEOUT_MS, 0, &rt->ca_pem, &rt->ca_pem_len, err,
					      sizeof err) != 0) {
				cli_error("exporter", "module '%s': ca_file: %s", m->name, err);
				return VD_EXIT_USAGE;
			}
			rt->trust = certcheck_trust_new(rt->ca_pem, rt->ca_pem_len, err, sizeof err);
			if (!rt->trust) {
				cli_error("exporter", "module '%s': ca_file: %s", m->name, err);
				return VD_EXIT_USAGE;
			}
		} else {
			if (!x->system_trust && !(x->system_trust = certcheck_trust_new(NULL, 0, err, sizeof err))) {
				cli_error("exporter", "the system trust store: %s", err);
				return VD_EXIT_INTERNAL;
			}
			rt->trust = x->system_trust;
		}
	}
	return 0;
}

/* After the privilege drop: every key file must be readable by who we are now (read, wiped). */
static int check_keys(const struct exporter *x)
{
	char err[400];
	for (size_t i = 0; i < x->cfg.n; i++) {
		const struct exporter_module *m = &x->cfg.m[i];
		struct secret s = {NULL, 0};
		if (!m->psk_file[0])
			continue;
		int rc = secret_read_file(&s, m->psk_file, PSK_READ_MS, err, sizeof err);
		secret_wipe(&s);
		if (rc != 0) {
			cli_error("exporter", "module '%s': psk_file: %s (it is read again for every probe, after the privilege drop)",
				  m->name, err);
			return VD_EXIT_USAGE;
		}
	}
	return 0;
}

static void free_modules(struct exporter *x)
{
	for (size_t i = 0; i < x->cfg.n; i++) {
		struct module_rt *rt = &x->rt[i];
		if (rt->trust && rt->trust != x->system_trust)
			certcheck_trust_free(rt->trust);
		free(rt->ca_pem);
		free(rt->profile);
	}
	certcheck_trust_free(x->system_trust);
}

/* Once, single-threaded: every privilege but CAP_NET_RAW when a module probes PPTP. */
static int drop_privileges(const struct exporter *x, const char *run_as)
{
	unsigned all = 0;
	for (size_t i = 0; i < x->cfg.n; i++)
		all |= x->cfg.m[i].protocols;
	uint64_t keep = all & PROTO_B_PPTP ? 1ull << CAP_NET_RAW : 0;
	struct priv_report rep;
	char err[300], line[300];
	if (priv_drop_keep(run_as, keep, &rep, err, sizeof err) != 0) {
		cli_error("exporter", "%s", err);
		return VD_EXIT_INTERNAL;
	}
	priv_describe(&rep, line, sizeof line);
	fprintf(stderr, "vpndiag exporter: %s%s\n", line,
		keep && (rep.after.cap_eff & keep) ? "; except CAP_NET_RAW, kept for PPTP's GRE check" :
		keep ? "; no CAP_NET_RAW: PPTP's GRE step will be reported unchecked" : "");
	return 0;
}

static int serve(struct exporter *x, int fd, const struct listen_addr *la)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* Blocked before the first thread starts, so that every thread inherits it and sigwait below
	 * is the only receiver. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL,
						on_request, x, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
						MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
						MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_IDLE_S, MHD_OPTION_END);
	if (!d) {
		cli_error("exporter", "the HTTP server (libmicrohttpd) did not start on %s", la->text);
		close(fd);
		return VD_EXIT_INTERNAL;
	}
	size_t n = 0;
	char names[200] = "";
	for (size_t i = 0; i < x->cfg.n && n < 8; i++, n++)
		fmt_append(names, sizeof names, "%s%s", i ? ", " : "", x->cfg.m[i].name);
	fprintf(stderr, "vpndiag exporter: listening on http://%s/ (modules: %s%s; at most %u probes at once; targets: %s)\n",
		la->text, names, x->cfg.n > n ? ", ..." : "", x->max_probes,
		x->allow.any ? "any" : x->allow.n ? "--allow list" : "any");
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "vpndiag exporter: signal %d, stopping\n", sig);
	MHD_stop_daemon(d); /* closes the listening socket too */
	return VD_EXIT_OK;
}

static int exporter_main(int argc, char **argv, struct exporter *x)
{
	struct exporter_args a;
	int rc = parse_args(argc, argv, x, &a);
	if (rc >= 0)
		return rc;
	x->max_probes = a.max_probes;
	x->stats.max_in_flight = a.max_probes;
	x->stats.start_time = (double)time(NULL);
	struct listen_addr la;
	if (parse_listen(a.listen, &la) != 0) {
		cli_error("exporter", "--listen takes ADDR:PORT with a numeric address, e.g. 127.0.0.1:9515 or [::1]:9515 (got '%s')",
			  a.listen);
		return VD_EXIT_USAGE;
	}
	/* Without --allow, any target only behind a loopback listener: an exporter reachable from the
	 * network must not probe arbitrary hosts on anyone's request. */
	if (!a.allow_given && !la.loopback) {
		cli_error("exporter", "listening on %s (not loopback) needs --allow CIDR|NAME (or --allow any)", la.text);
		return VD_EXIT_USAGE;
	}
	if (!a.allow_given)
		x->allow.any = true;
	if ((rc = load_config(x, a.config)) != 0 || (rc = load_modules(x)) != 0)
		return rc;
	char err[300];
	int fd = open_listener(&la, err, sizeof err);
	if (fd < 0) {
		cli_error("exporter", "%s", err);
		return VD_EXIT_INTERNAL;
	}
	if (net_http_global_init() != 0) { /* once, before any thread */
		cli_error("exporter", "the HTTP client (libcurl) did not initialise");
		close(fd);
		return VD_EXIT_INTERNAL;
	}
	if ((rc = drop_privileges(x, a.run_as)) != 0 || (rc = check_keys(x)) != 0) {
		close(fd);
		net_http_global_cleanup();
		return rc;
	}
	rc = serve(x, fd, &la);
	net_http_global_cleanup();
	return rc;
}

int cli_exporter(int argc, char **argv)
{
	struct exporter *x = calloc(1, sizeof *x);
	if (!x) {
		cli_error("exporter", "out of memory");
		return VD_EXIT_INTERNAL;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x->slot_free, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&x->lock, NULL);
	int rc = exporter_main(argc, argv, x);
	free_modules(x);
	pthread_cond_destroy(&x->slot_free);
	pthread_mutex_destroy(&x->lock);
	free(x);
	return rc;
}
