/* `vpndiag scan`'s TCP sweep (scan/scan_tcp.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "scan/scan_tcp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kb/kb.h"
#include "probes/tcpconn.h"
#include "rules/rules.h"
#include "scan/scan_out.h"
#include "scan/scan_perm.h"
#include "util/fmt.h"

struct conn {
	int fd;
	unsigned proto;
	struct net_addr dst; /* with port */
	uint64_t t0_ms;
};

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* One outcome: observed as the probe observes it; a connect or a reset makes a responder line. */
static void outcome(const struct scan_opts *o, struct scan_stats *st, struct diagnosis *d, struct conn *c,
		    enum net_tcp_status s, int err)
{
	uint32_t waited = (uint32_t)(mono_ms() - c->t0_ms);
	enum obs_kind k[2];
	size_t nk = 0;
	switch (s) {
	case NET_TCP_CONNECTED: k[nk++] = OBS_TCP_CONNECTED; break;
	case NET_TCP_REFUSED: k[nk++] = OBS_TCP_REFUSED; break;
	case NET_TCP_RESET: k[nk++] = OBS_TCP_CONNECTED; k[nk++] = OBS_TCP_CLOSED; break;
	case NET_TCP_TIMED_OUT: k[nk++] = OBS_TCP_NO_ANSWER; break;
	default: k[nk++] = OBS_TCP_UNREACHABLE; break;
	}
	if (k[0] == OBS_TCP_NO_ANSWER || k[0] == OBS_TCP_UNREACHABLE) {
		st->tcp_silent++;
		return;
	}
	struct obs_result *r = calloc(1, sizeof *r);
	if (!r)
		return;
	net_addr_str(&c->dst, r->host, sizeof r->host);
	r->naddrs = 1;
	fmt_into(r->addrs[0], sizeof r->addrs[0], "%s", r->host);
	r->selected = r->probed = c->proto;
	r->timeout_ms = o->timeout_ms;
	r->elapsed_ms = waited;
	fmt_into(r->profile, sizeof r->profile, "%s", profile_choice_label(o->profile));
	for (size_t i = 0; i < nk; i++) {
		struct obs ob;
		tcpconn_obs(&ob, k[i], c->proto, net_addr_port(&c->dst), &c->dst, c->fd, waited,
			    k[i] == OBS_TCP_UNREACHABLE && !err ? EIO : err);
		obs_result_add(r, &ob);
	}
	rules_evaluate(r, d);
	scan_out_responder(o, &c->dst, c->proto, r, d);
	st->responders++;
	obs_result_free(r);
	free(r);
}

static void finish(const struct scan_opts *o, struct scan_stats *st, struct diagnosis *d, struct conn *c,
		   enum net_tcp_status s, int err)
{
	outcome(o, st, d, c, s, err);
	close(c->fd);
	c->fd = -1;
}

int scan_tcp_run(const struct scan_opts *o, struct scan_stats *st, volatile const sig_atomic_t *stop, char *err, size_t errlen)
{
	static const struct {
		unsigned proto;
		uint16_t port;
	} want[] = {{KB_P_SSTP, 443}, {KB_P_PPTP, 1723}};
	unsigned nwant = 0, protos[2];
	uint16_t ports[2];
	for (size_t i = 0; i < 2; i++)
		if (o->protocols & want[i].proto) {
			protos[nwant] = want[i].proto;
			ports[nwant++] = want[i].port;
		}
	if (!nwant)
		return 0;
	size_t cap = SCAN_TCP_INFLIGHT;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap + 64) {
		/* raise the soft limit toward the hard one for the sockets in flight */
		rlim_t want_n = (rlim_t)cap + 64;
		if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want_n) {
			rl.rlim_cur = want_n;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap + 64)
			cap = rl.rlim_cur > 96 ? (size_t)rl.rlim_cur - 64 : 32;
	}
	struct conn *cs = calloc(cap, sizeof *cs);
	struct pollfd *pf = calloc(cap, sizeof *pf);
	size_t *pidx = calloc(cap, sizeof *pidx);
	struct diagnosis *d = calloc(1, sizeof *d);
	if (!cs || !pf || !pidx || !d) {
		free(cs);
		free(pf);
		free(pidx);
		free(d);
		fmt_into(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cap; i++)
		cs[i].fd = -1;
	uint32_t wait_ms = o->timeout_ms > SCAN_TCP_WAIT_MIN_MS ? o->timeout_ms : SCAN_TCP_WAIT_MIN_MS;
	struct scan_perm perm;
	scan_perm_init(&perm, o->space->total, o->seed);
	struct scan_shard_iter it;
	scan_shard_begin(&it, o->shard, o->nshards);
	bool more = true;
	unsigned pending_port = 0; /* the next port of the current target (0: take a new target) */
	struct net_addr cur;
	size_t inflight = 0;
	double tokens = 0;
	uint64_t last = mono_ms();
	while ((more || pending_port || inflight) && !*stop) {
		/* start connects while there is room, a token, and a target */
		uint64_t now = mono_ms();
		if (o->rate) {
			tokens += (double)(now - last) * o->rate / 1000.0;
			if (tokens > 64)
				tokens = 64;
		}
		last = now;
		size_t slot = 0;
		while ((more || pending_port) && inflight < cap && (!o->rate || tokens >= 1) && !*stop) {
			if (!pending_port) {
				uint64_t idx;
				if (!scan_shard_next(&it, &perm, &idx)) {
					more = false;
					break;
				}
				const uint8_t *ip;
				if (scan_space_addr(o->space, idx, &cur) != 0)
					continue;
				size_t alen = net_addr_bytes(&cur, &ip);
				if (scan_space_excluded(o->space, alen == 16 ? 6 : 4, ip))
					continue;
				pending_port = 1;
			}
			while (cs[slot].fd >= 0)
				slot++;
			struct conn *c = &cs[slot];
			c->proto = protos[pending_port - 1];
			c->dst = cur;
			net_addr_set_port(&c->dst, ports[pending_port - 1]);
			pending_port = pending_port < nwant ? pending_port + 1 : 0;
			c->t0_ms = now;
			c->fd = net_tcp_connect_start(&c->dst);
			tokens -= 1;
			if (c->fd < 0) {
				st->send_errors++;
				continue;
			}
			st->sent++;
			inflight++;
		}
		/* wait for outcomes (or the next token, or the oldest deadline) */
		size_t np = 0;
		for (size_t i = 0; i < cap && np < inflight; i++)
			if (cs[i].fd >= 0) {
				pidx[np] = i;
				pf[np++] = (struct pollfd){cs[i].fd, POLLOUT, 0};
			}
		if (!np && !(more || pending_port))
			break;
		/* a short wait when a token will come, else until an outcome (at most 50 ms: the deadlines) */
		int timeout = (more || pending_port) && inflight < cap && o->rate ? 1 : 50;
		int ready = np ? poll(pf, (nfds_t)np, timeout) : poll(NULL, 0, timeout);
		now = mono_ms();
		for (size_t p = 0; p < np; p++) {
			struct conn *c = &cs[pidx[p]];
			int e = 0;
			enum net_tcp_status s;
			if (ready > 0 && pf[p].revents) {
				s = net_tcp_connect_result(c->fd, &e);
				if (s == NET_TCP_IN_PROGRESS && now - c->t0_ms < wait_ms)
					continue;
			} else if (now - c->t0_ms < wait_ms) {
				continue;
			} else {
				s = NET_TCP_TIMED_OUT;
			}
			if (s == NET_TCP_IN_PROGRESS)
				s = NET_TCP_TIMED_OUT;
			finish(o, st, d, c, s, e);
			inflight--;
		}
	}
	for (size_t i = 0; i < cap; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);
	free(pf);
	free(pidx);
	free(d);
	return 0;
}
