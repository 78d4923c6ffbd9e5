/* The probe engine (see engine.h): resolve, start every selected module, one poll() loop with
 * per-instance deadlines, everything bounded by the run's timeout. */
#include "engine/engine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kb/kb.h"
#include "net/priv.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/fmt.h"

_Static_assert(OBS_MAX_ADDRS >= NET_MAX_ADDRS && OBS_ADDRSTRLEN >= NET_ADDRSTRLEN,
	       "the result holds every resolved address as text");

#define MAX_WATCH 64
#define MAX_LOOPS 200000 /* a bound on wake-ups, far above what any run needs */
/* Budgets per protocol (and one for the engine itself), so that one protocol's flood of junk can
 * never evict another protocol's observations (issue 11: a junk IKE flood filled a shared cap and
 * a correct SSTP server was reported "unknown"). A normal run records well under 100 per protocol. */
#define OBS_PER_PROTO 160
#define PKTS_PER_PROTO 160
#define NBUDGET (PROTO_COUNT + 1)

struct watch {
	int fd;
	struct probe_inst *pi;
	bool want_write;           /* also wake on POLLOUT (engine_watch_write) */
};

struct engine {
	uint64_t t0;               /* monotonic ms at the start */
	uint32_t end;              /* engine clock */
	const struct engine_opts *opts;
	struct obs_result *res;
	struct net_addr target;
	uint8_t secret[32];
	struct watch w[MAX_WATCH];
	size_t nw;
	struct probe_inst inst[PROTO_COUNT];
	size_t ninst;
	bool oom;
	/* per budget (protocol index, PROTO_COUNT = the engine): how many recorded, and where the
	 * obs-budget-exhausted observation sits once the budget is spent (SIZE_MAX before) */
	uint32_t nobs[NBUDGET], npkts[NBUDGET];
	size_t exhausted_at[NBUDGET];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- services for the modules ---- */

uint32_t engine_now_ms(const struct engine *e)
{
	return (uint32_t)(mono_ms() - e->t0);
}

uint32_t engine_end_ms(const struct engine *e)
{
	return e->end;
}

const struct net_addr *engine_target_addr(const struct engine *e)
{
	return &e->target;
}

const char *engine_target_host(const struct engine *e)
{
	return e->res->host;
}

const struct engine_opts *engine_options(const struct engine *e)
{
	return e->opts;
}

uint16_t engine_port(const struct engine *e, const struct probe_inst *pi, size_t i)
{
	if (i >= PROTO_MAX_PORTS)
		return 0;
	uint16_t o = e->opts->port_override[pi->index][i];
	return o ? o : proto_table[pi->index].ports[i];
}

const uint8_t *engine_secret(const struct engine *e, size_t *len)
{
	*len = sizeof e->secret;
	return e->secret;
}

int engine_watch(struct engine *e, struct probe_inst *pi, int fd)
{
	if (e->nw >= MAX_WATCH)
		return -1;
	e->w[e->nw].fd = fd;
	e->w[e->nw].pi = pi;
	e->w[e->nw].want_write = false;
	e->nw++;
	return 0;
}

void engine_watch_write(struct engine *e, int fd, bool on)
{
	for (size_t i = 0; i < e->nw; i++)
		if (e->w[i].fd == fd)
			e->w[i].want_write = on;
}

void engine_unwatch(struct engine *e, int fd)
{
	for (size_t i = 0; i < e->nw; i++) {
		if (e->w[i].fd == fd) {
			e->w[i] = e->w[--e->nw];
			return;
		}
	}
}

void engine_set_deadline(struct probe_inst *pi, uint32_t t_ms)
{
	pi->deadline_ms = t_ms;
}

void engine_done(struct probe_inst *pi)
{
	pi->done = true;
	pi->deadline_ms = 0;
}

/* The budget an observation or packet of proto (a KB_P_* bit, 0 = the engine's) counts against. */
static size_t budget_of(unsigned proto)
{
	for (size_t i = 0; i < PROTO_COUNT; i++)
		if (proto == (1u << i))
			return i;
	return PROTO_COUNT;
}

void engine_observe(struct engine *e, struct probe_inst *pi, const struct obs *o)
{
	struct obs c = *o;
	if (!c.proto && pi)
		c.proto = proto_table[pi->index].bit;
	size_t b = budget_of(c.proto);
	uint32_t budget = e->opts->obs_budget && e->opts->obs_budget < OBS_PER_PROTO ? e->opts->obs_budget : OBS_PER_PROTO;
	if (e->nobs[b] >= budget) {
		/* Spent: one observation says so (and counts what was dropped); nothing else of this
		 * protocol is kept, and no other protocol is affected. */
		if (e->exhausted_at[b] == SIZE_MAX) {
			struct obs x = {.kind = OBS_BUDGET_EXHAUSTED, .proto = c.proto, .value = 0};
			fmt_into(x.evidence, sizeof x.evidence,
				 "more than %u observations for one protocol (a flood or a looping server): the rest were "
				 "dropped, so this protocol's report is incomplete", (unsigned)budget);
			e->exhausted_at[b] = e->res->nobs;
			if (obs_result_add(e->res, &x) != 0)
				e->oom = true;
		}
		if (e->exhausted_at[b] < e->res->nobs)
			e->res->obs[e->exhausted_at[b]].value++;
		return;
	}
	e->nobs[b]++;
	if (obs_result_add(e->res, &c) != 0)
		e->oom = true;
}

void engine_packet(struct engine *e, struct probe_inst *pi, char dir, const struct net_addr *peer,
		   const char *summary)
{
	struct obs_result *r = e->res;
	size_t b = budget_of(pi ? proto_table[pi->index].bit : 0);
	if (e->npkts[b] > PKTS_PER_PROTO)
		return;
	if (e->npkts[b]++ == PKTS_PER_PROTO) {
		dir = '-';
		summary = "packet log budget of this protocol spent: later packets are not listed";
	}
	if (r->npkts == r->cappkts) {
		size_t cap = r->cappkts ? r->cappkts * 2 : 16;
		struct obs_pkt *v = realloc(r->pkts, cap * sizeof *v);
		if (!v) {
			e->oom = true;
			return;
		}
		r->pkts = v;
		r->cappkts = cap;
	}
	struct obs_pkt *p = &r->pkts[r->npkts++];
	memset(p, 0, sizeof *p);
	p->t_ms = engine_now_ms(e);
	p->dir = dir;
	p->proto = pi ? proto_table[pi->index].bit : 0;
	if (peer)
		net_addr_str_port(peer, p->peer, sizeof p->peer);
	fmt_into(p->summary, sizeof p->summary, "%s", summary);
}

/* ---- the run ---- */

static void observe_resolution(struct engine *e, const struct net_resolved *nr)
{
	struct obs o = {0};
	if (nr->status == NET_RESOLVE_OK) {
		o.kind = OBS_RESOLVED;
		o.value = nr->elapsed_ms;
		size_t off = 0;
		for (size_t i = 0; i < nr->n && off < sizeof o.text; i++) {
			char a[NET_ADDRSTRLEN];
			net_addr_str(&nr->addrs[i], a, sizeof a);
			int k = snprintf(o.text + off, sizeof o.text - off, "%s%s", i ? " " : "", a);
			if (k < 0)
				break;
			off += (size_t)k;
		}
		fmt_into(o.evidence, sizeof o.evidence, "%s resolves to %s", e->res->host, o.text);
	} else {
		o.kind = OBS_DNS_FAILED;
		o.code = (int32_t)nr->status;
		fmt_into(o.text, sizeof o.text, "%s", nr->reason);
		const char *what = e->opts->family == AF_INET ? "an IPv4 address (A)"
				   : e->opts->family == AF_INET6 ? "an IPv6 address (AAAA)"
								  : "an address (A or AAAA)";
		fmt_into(o.evidence, sizeof o.evidence, "%s does not resolve to %s: %s", e->res->host, what, nr->reason);
	}
	engine_observe(e, NULL, &o);
}

static void finish_all(struct engine *e, bool timed_out)
{
	for (size_t i = 0; i < e->ninst; i++) {
		struct probe_inst *pi = &e->inst[i];
		if (pi->mod) {
			pi->mod->finish(e, pi, timed_out && !pi->done);
			pi->mod = NULL;
		}
	}
}

static bool all_done(const struct engine *e)
{
	for (size_t i = 0; i < e->ninst; i++)
		if (e->inst[i].mod && !e->inst[i].done)
			return false;
	return true;
}

/* ---- privileges (the PPTP engineer's part; see probes/probe.h prepare and net/priv.h) ---- */

/* Sets up an instance of every selected module and calls its prepare (raw sockets, while the
 * privileges are still there); then, when the options ask for it, drops every privilege and
 * records what was dropped. Returns 0, or -1 with the reason in err (a failed drop ends the run). */
static int engine_prepare_and_drop(struct engine *e, char *err, size_t errlen)
{
	const struct engine_opts *o = e->opts;
	for (size_t i = 0; i < PROTO_COUNT && e->ninst < PROTO_COUNT; i++) {
		const struct probe_module *m = probe_modules[i]; /* indexed like proto_table */
		if (!m || !(o->protocols & proto_table[i].bit))
			continue;
		struct probe_inst *pi = &e->inst[e->ninst++];
		pi->mod = m;
		pi->index = i;
		if (m->prepare && m->prepare(e, pi) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (!o->drop_privileges)
		return 0;
	struct priv_report rep;
	char why[240];
	if (priv_drop(o->user, &rep, why, sizeof why) != 0) {
		snprintf(err, errlen, "could not drop privileges: %s", why);
		return -1;
	}
	struct obs ob = {0};
	ob.kind = OBS_PRIV_DROPPED;
	ob.code = (int32_t)rep.uid_after;
	ob.value = (int64_t)rep.prm_before;
	if (rep.after.have_uid)
		fmt_into(ob.text, sizeof ob.text, "Uid %u CapEff %016llx CapPrm %016llx CapInh %016llx CapAmb %016llx CapBnd %016llx NoNewPrivs %u",
			 rep.after.uid[1], (unsigned long long)rep.after.cap_eff, (unsigned long long)rep.after.cap_prm,
			 (unsigned long long)rep.after.cap_inh, (unsigned long long)rep.after.cap_amb,
			 (unsigned long long)rep.after.cap_bnd, rep.after.no_new_privs);
	else
		fmt_into(ob.text, sizeof ob.text, "uid %u, no capabilities, no_new_privs (checked with capget)", rep.uid_after);
	priv_describe(&rep, ob.evidence, sizeof ob.evidence);
	engine_observe(e, NULL, &ob);
	return 0;
}

/* The poll loop: wakes on readable/writable fds and on the instances' deadlines, until every
 * instance is done, the run's bound is reached, or MAX_LOOPS wake-ups (a bound no run needs). */
static void run_loop(struct engine *e, char *err, size_t errlen)
{
	struct pollfd pfd[MAX_WATCH];
	struct probe_inst *owner[MAX_WATCH];
	for (int loops = 0; loops < MAX_LOOPS && !e->oom; loops++) {
		if (all_done(e))
			break;
		uint32_t now = engine_now_ms(e);
		if (now >= e->end)
			break;
		uint32_t wake = e->end;
		for (size_t i = 0; i < e->ninst; i++)
			if (e->inst[i].mod && !e->inst[i].done && e->inst[i].deadline_ms && e->inst[i].deadline_ms < wake)
				wake = e->inst[i].deadline_ms;
		size_t n = e->nw;
		for (size_t i = 0; i < n; i++) {
			pfd[i].fd = e->w[i].fd;
			pfd[i].events = (short)(POLLIN | (e->w[i].want_write ? POLLOUT : 0));
			pfd[i].revents = 0;
			owner[i] = e->w[i].pi;
		}
		int ms = wake > now ? (int)(wake - now) : 0;
		int k = poll(pfd, n, ms);
		if (k < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			break;
		}
		for (size_t i = 0; k > 0 && i < n; i++) {
			if (!pfd[i].revents || !owner[i]->mod || owner[i]->done)
				continue;
			/* The module may have unwatched this fd while handling an earlier one. */
			bool still = false;
			for (size_t j = 0; j < e->nw; j++)
				still = still || (e->w[j].fd == pfd[i].fd && e->w[j].pi == owner[i]);
			if (still)
				owner[i]->mod->on_readable(e, owner[i], pfd[i].fd);
		}
		now = engine_now_ms(e);
		for (size_t i = 0; i < e->ninst; i++) {
			struct probe_inst *pi = &e->inst[i];
			if (pi->mod && !pi->done && pi->deadline_ms && pi->deadline_ms <= now) {
				pi->deadline_ms = 0;
				pi->mod->on_deadline(e, pi);
			}
		}
	}
}

int engine_run(const struct engine_opts *o, struct obs_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	snprintf(r->host, sizeof r->host, "%s", o->host);
	snprintf(r->profile, sizeof r->profile, "%s", profile_choice_label(o->profile));
	r->probed_addr = -1;
	r->selected = o->protocols;
	uint32_t timeout = o->timeout_ms;
	if (timeout == 0 || timeout > ENGINE_MAX_TIMEOUT_MS)
		timeout = timeout ? ENGINE_MAX_TIMEOUT_MS : 10000u;
	r->timeout_ms = timeout;

	struct engine *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->t0 = mono_ms();
	e->end = timeout;
	e->opts = o;
	e->res = r;
	for (size_t i = 0; i < NBUDGET; i++)
		e->exhausted_at[i] = SIZE_MAX;
	if (getrandom(e->secret, sizeof e->secret, 0) != (ssize_t)sizeof e->secret) {
		snprintf(err, errlen, "no randomness: %s", strerror(errno));
		free(e);
		return -1;
	}

	/* A server that closes while we (or OpenSSL, writing an alert) still send must give EPIPE, not
	 * kill the process: ignored for the run, the caller's handler put back afterwards. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);

	/* Privileged resources first (raw sockets), then every privilege goes, before any byte from
	 * the network is read, name resolution included (engine_prepare_and_drop, below). */
	if (engine_prepare_and_drop(e, err, errlen) != 0) {
		finish_all(e, false);
		free(e);
		return -1;
	}
	/* Name resolution gets the whole budget; it normally takes milliseconds. */
	struct net_resolved nr;
	net_resolve(o->host, o->family, timeout, &nr);
	observe_resolution(e, &nr);
	r->resolve_failed = nr.status != NET_RESOLVE_OK;
	for (size_t i = 0; i < nr.n && r->naddrs < OBS_MAX_ADDRS; i++)
		net_addr_str(&nr.addrs[i], r->addrs[r->naddrs++], OBS_ADDRSTRLEN);
	for (size_t i = 0; r->resolve_failed && i < e->ninst; i++)
		e->inst[i].done = true; /* prepared, never started: finish only frees */
	if (!r->resolve_failed) {
		r->probed_addr = 0;
		e->target = nr.addrs[0];
		for (size_t i = 0; i < e->ninst; i++) {
			struct probe_inst *pi = &e->inst[i];
			if (!pi->mod)
				continue;
			r->probed |= proto_table[pi->index].bit;
			if (pi->mod->start(e, pi) != 0) {
				/* The module recorded why; it has nothing to finish. */
				pi->mod = NULL;
			}
		}

		run_loop(e, err, errlen);
	}
	finish_all(e, true);
	sigaction(SIGPIPE, &old_pipe, NULL);
	r->elapsed_ms = engine_now_ms(e);
	bool oom = e->oom;
	free(e);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
