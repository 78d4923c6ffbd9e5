/* The probe engine (see engine.h): resolve, start every selected module, one poll() loop with
 * per-instance deadlines, everything bounded by the run's timeout. */
#include "engine/engine.h"

#include <errno.h>
#include "net/sys.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "kb/kb.h"
#include "net/priv.h"
#include "probes/probe.h"
#include "profile/profile.h"
#include "util/fmt.h"

_Static_assert(OBS_MAX_ADDRS >= NET_MAX_ADDRS && OBS_ADDRSTRLEN >= NET_ADDRSTRLEN,
	       "the result holds every resolved address as text");

#define MAX_WATCH 64 /* per address probed */
#define MAX_LOOPS 200000 /* a bound on wake-ups, far above what any run needs */
/* Budgets per protocol (and one for the engine itself), so that one protocol's flood of junk can
 * never evict another protocol's observations (issue 11: a junk IKE flood filled a shared cap and
 * a correct SSTP server was reported "unknown"). A normal run records well under 100 per protocol.
 * The budgets are per address: each address's result stands alone (issue 13). */
#define OBS_PER_PROTO 160
#define PKTS_PER_PROTO 160
#define NBUDGET (PROTO_COUNT + 1)

struct engine;

struct watch {
	int fd;
	struct engine *e;          /* the address the instance probes */
	struct probe_inst *pi;
	bool want_write;           /* also wake on POLLOUT (engine_watch_write) */
	bool no_read;              /* do not wake on POLLIN (engine_watch_read) */
};

/* What every address of one run shares: the clock, the bound, the options, the poll set. */
struct engine_loop {
	uint64_t t0;               /* monotonic ms at the start */
	uint32_t end;              /* engine clock */
	const struct engine_opts *opts;
	struct watch *w;           /* MAX_WATCH per address (heap) */
	size_t nw, capw;
	bool oom;
};

/* One address being probed: its result, its probe instances and its budgets. The modules see only
 * this (engine.h: `struct engine`), so a module probes one address without knowing of the others. */
struct engine {
	struct engine_loop *L;
	struct obs_result *res;
	struct net_addr target;
	uint8_t secret[32];
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

static uint32_t loop_now(const struct engine_loop *L)
{
	return (uint32_t)(mono_ms() - L->t0);
}

uint32_t engine_now_ms(const struct engine *e)
{
	return loop_now(e->L);
}

uint32_t engine_end_ms(const struct engine *e)
{
	return e->L->end;
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
	return e->L->opts;
}

uint16_t engine_port(const struct engine *e, const struct probe_inst *pi, size_t i)
{
	if (i >= PROTO_MAX_PORTS)
		return 0;
	uint16_t o = e->L->opts->port_override[pi->index][i];
	return o ? o : proto_table[pi->index].ports[i];
}

const uint8_t *engine_secret(const struct engine *e, size_t *len)
{
	*len = sizeof e->secret;
	return e->secret;
}

int engine_watch(struct engine *e, struct probe_inst *pi, int fd)
{
	struct engine_loop *L = e->L;
	size_t mine = 0;
	for (size_t i = 0; i < L->nw; i++)
		mine += L->w[i].e == e;
	if (mine >= MAX_WATCH || L->nw >= L->capw)
		return -1;
	L->w[L->nw] = (struct watch){.fd = fd, .e = e, .pi = pi, .want_write = false, .no_read = false};
	L->nw++;
	return 0;
}

void engine_watch_write(struct engine *e, int fd, bool on)
{
	struct engine_loop *L = e->L;
	for (size_t i = 0; i < L->nw; i++)
		if (L->w[i].fd == fd && L->w[i].e == e)
			L->w[i].want_write = on;
}

void engine_watch_read(struct engine *e, int fd, bool on)
{
	struct engine_loop *L = e->L;
	for (size_t i = 0; i < L->nw; i++)
		if (L->w[i].fd == fd && L->w[i].e == e)
			L->w[i].no_read = !on;
}

void engine_unwatch(struct engine *e, int fd)
{
	struct engine_loop *L = e->L;
	for (size_t i = 0; i < L->nw; i++) {
		if (L->w[i].fd == fd && L->w[i].e == e) {
			L->w[i] = L->w[--L->nw];
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
	const struct engine_opts *opts = e->L->opts;
	uint32_t budget = opts->obs_budget && opts->obs_budget < OBS_PER_PROTO ? opts->obs_budget : OBS_PER_PROTO;
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
		int fam = e->L->opts->family;
		const char *what = fam == AF_INET ? "an IPv4 address (A)"
				   : fam == AF_INET6 ? "an IPv6 address (AAAA)"
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

static bool all_done(struct engine *const *tg, size_t n)
{
	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < tg[t]->ninst; i++)
			if (tg[t]->inst[i].mod && !tg[t]->inst[i].done)
				return false;
	return true;
}

/* ---- privileges (the PPTP engineer's part; see probes/probe.h prepare and net/priv.h) ---- */

/* Sets up an instance of every selected module for address e and calls its prepare (raw sockets,
 * while the privileges are still there). Returns 0, or -1 (out of memory). */
static int engine_prepare(struct engine *e)
{
	const struct engine_opts *o = e->L->opts;
	for (size_t i = 0; i < PROTO_COUNT && e->ninst < PROTO_COUNT; i++) {
		const struct probe_module *m = probe_modules[i]; /* indexed like proto_table */
		if (!m || !(o->protocols & proto_table[i].bit))
			continue;
		struct probe_inst *pi = &e->inst[e->ninst++];
		pi->mod = m;
		pi->index = i;
		if (m->prepare && m->prepare(e, pi) != 0) {
			pi->mod = NULL; /* it freed what it allocated */
			return -1;
		}
	}
	return 0;
}

/* When the options ask for it, drops every privilege and records what was dropped (through e, the
 * name's own result). Returns 0, or -1 with the reason in err (a failed drop ends the run). */
static int engine_drop(struct engine *e, char *err, size_t errlen)
{
	const struct engine_opts *o = e->L->opts;
	if (!o->drop_privileges)
		return 0;
	struct priv_report rep;
	char why[240];
	int rc = priv_drop(o->user, &rep, why, sizeof why);
	if (rc < 0) {
		snprintf(err, errlen, "could not drop privileges: %s", why);
		return -1;
	}
	if (rc > 0)
		return 0; /* nothing to drop on this platform */
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

/* The poll loop over every address's instances: wakes on readable/writable fds and on the
 * instances' deadlines, until every instance is done, the run's bound is reached, or MAX_LOOPS
 * wake-ups (a bound no run needs). pfd and owner have room for L->capw entries. */
static void run_loop(struct engine_loop *L, struct engine *const *tg, size_t ntg, struct pollfd *pfd,
		     struct watch *owner, char *err, size_t errlen)
{
	for (int loops = 0; loops < MAX_LOOPS && !L->oom; loops++) {
		bool oom = false;
		for (size_t t = 0; t < ntg; t++)
			oom = oom || tg[t]->oom;
		if (oom || all_done(tg, ntg))
			break;
		uint32_t now = loop_now(L);
		if (now >= L->end)
			break;
		uint32_t wake = L->end;
		for (size_t t = 0; t < ntg; t++)
			for (size_t i = 0; i < tg[t]->ninst; i++) {
				const struct probe_inst *pi = &tg[t]->inst[i];
				if (pi->mod && !pi->done && pi->deadline_ms && pi->deadline_ms < wake)
					wake = pi->deadline_ms;
			}
		size_t n = L->nw;
		for (size_t i = 0; i < n; i++) {
			pfd[i].fd = L->w[i].fd;
			pfd[i].events = (short)((L->w[i].no_read ? 0 : POLLIN) | (L->w[i].want_write ? POLLOUT : 0));
			pfd[i].revents = 0;
			owner[i] = L->w[i];
		}
		int ms = wake > now ? (int)(wake - now) : 0;
		int k = net_poll(pfd, n, ms);
		if (k < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", net_strerror(errno));
			break;
		}
		for (size_t i = 0; k > 0 && i < n; i++) {
			struct probe_inst *pi = owner[i].pi;
			if (!pfd[i].revents || !pi->mod || pi->done)
				continue;
			/* The module may have unwatched this fd while handling an earlier one. */
			bool still = false;
			for (size_t j = 0; j < L->nw; j++)
				still = still || (L->w[j].fd == owner[i].fd && L->w[j].pi == pi);
			if (still)
				pi->mod->on_readable(owner[i].e, pi, owner[i].fd);
		}
		now = loop_now(L);
		for (size_t t = 0; t < ntg; t++)
			for (size_t i = 0; i < tg[t]->ninst; i++) {
				struct probe_inst *pi = &tg[t]->inst[i];
				if (pi->mod && !pi->done && pi->deadline_ms && pi->deadline_ms <= now) {
					pi->deadline_ms = 0;
					pi->mod->on_deadline(tg[t], pi);
				}
			}
	}
}

static struct engine *engine_new(struct engine_loop *L, struct obs_result *res, char *err, size_t errlen)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->L = L;
	e->res = res;
	for (size_t i = 0; i < NBUDGET; i++)
		e->exhausted_at[i] = SIZE_MAX;
	if (RAND_bytes(e->secret, (int)sizeof e->secret) != 1) {
		snprintf(err, errlen, "no randomness from OpenSSL's generator");
		free(e);
		return NULL;
	}
	return e;
}

/* Starts address i's result as a copy of the name's: host, profile, every address, the run's own
 * observations (privileges, resolution), counted against e's engine budget as they were. */
static int target_init(struct engine *e, const struct obs_result *name, size_t i)
{
	struct obs_result *r = e->res;
	memset(r, 0, sizeof *r);
	memcpy(r->host, name->host, sizeof r->host);
	memcpy(r->profile, name->profile, sizeof r->profile);
	r->selected = name->selected;
	r->timeout_ms = name->timeout_ms;
	r->naddrs = name->naddrs;
	memcpy(r->addrs, name->addrs, sizeof r->addrs);
	r->probed_addr = (int)i;
	for (size_t k = 0; k < name->nobs; k++) {
		e->nobs[budget_of(name->obs[k].proto)]++;
		if (obs_result_add(r, &name->obs[k]) != 0)
			return -1;
	}
	return 0;
}

static void result_init(struct obs_result *r, const struct engine_opts *o, uint32_t timeout)
{
	memset(r, 0, sizeof *r);
	snprintf(r->host, sizeof r->host, "%s", o->host);
	snprintf(r->profile, sizeof r->profile, "%s", profile_choice_label(o->profile));
	r->probed_addr = -1;
	r->selected = o->protocols;
	r->timeout_ms = timeout;
}

/* The run behind engine_run and engine_run_name: resolve, probe at most max_targets addresses
 * (in the resolver's order) at once in one loop. */
static int run_name(const struct engine_opts *o, struct obs_name *n, size_t max_targets, char *err, size_t errlen)
{
	memset(n, 0, sizeof *n);
	uint32_t timeout = o->timeout_ms;
	if (timeout == 0 || timeout > ENGINE_MAX_TIMEOUT_MS)
		timeout = timeout ? ENGINE_MAX_TIMEOUT_MS : 10000u;
	result_init(&n->name, o, timeout);
	if (max_targets > OBS_MAX_TARGETS)
		max_targets = OBS_MAX_TARGETS;
	if (max_targets == 0)
		max_targets = 1;

	struct engine_loop L = {.t0 = mono_ms(), .end = timeout, .opts = o, .capw = MAX_WATCH * max_targets};
	struct engine *tg[OBS_MAX_TARGETS] = {0};
	struct engine *ne = NULL;      /* records the run's own observations into n->name */
	struct pollfd *pfd = NULL;
	struct watch *owner = NULL;
	size_t nprep = 0, ntg = 0;
	int rc = -1;
	L.w = calloc(L.capw, sizeof *L.w);
	pfd = calloc(L.capw, sizeof *pfd);
	owner = calloc(L.capw, sizeof *owner);
	if (!L.w || !pfd || !owner) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ne = engine_new(&L, &n->name, err, errlen);
	if (!ne)
		goto out;

	/* Sockets need the platform set up (Winsock; on Linux SIGPIPE ignored: a server that closes
	 * while we, or OpenSSL writing an alert, still send must give EPIPE, not kill the process). */
	if (net_init() != 0) {
		snprintf(err, errlen, "cannot set up sockets: %s", net_strerror(errno));
		goto out;
	}

	/* Privileged resources first (raw sockets) for every address the name may resolve to (the
	 * count is only known after resolution), then every privilege goes, before any byte from the
	 * network is read, name resolution included. */
	for (; nprep < max_targets; nprep++) {
		struct obs_result *tr = calloc(1, sizeof *tr);
		tg[nprep] = tr ? engine_new(&L, tr, err, errlen) : NULL;
		if (!tg[nprep]) {
			free(tr);
			if (!tr)
				snprintf(err, errlen, "out of memory");
			goto fail;
		}
		n->target[nprep] = tr;
		result_init(tr, o, timeout);
		if (engine_prepare(tg[nprep]) != 0) {
			nprep++;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (engine_drop(ne, err, errlen) != 0)
		goto fail;

	/* Name resolution gets the whole budget; it normally takes milliseconds. */
	struct net_resolved nr;
	net_resolve(o->host, o->family, timeout, &nr);
	observe_resolution(ne, &nr);
	n->name.resolve_failed = nr.status != NET_RESOLVE_OK;
	for (size_t i = 0; i < nr.n && n->name.naddrs < OBS_MAX_ADDRS; i++)
		net_addr_str(&nr.addrs[i], n->name.addrs[n->name.naddrs++], OBS_ADDRSTRLEN);
	ntg = n->name.resolve_failed ? 0 : nr.n < max_targets ? nr.n : max_targets;
	/* Prepared, never started (no such address): finish only frees. */
	for (size_t t = ntg; t < nprep; t++) {
		for (size_t i = 0; i < tg[t]->ninst; i++)
			tg[t]->inst[i].done = true;
		finish_all(tg[t], false);
	}
	for (size_t t = 0; t < ntg; t++) {
		struct engine *e = tg[t];
		if (e->oom || target_init(e, &n->name, t) != 0) {
			/* Out of memory: this address and the rest are not started (finish only frees). */
			for (size_t u = t; u < ntg; u++) {
				tg[u]->oom = true;
				for (size_t i = 0; i < tg[u]->ninst; i++)
					tg[u]->inst[i].done = true;
			}
			break;
		}
		e->target = nr.addrs[t];
		for (size_t i = 0; i < e->ninst; i++) {
			struct probe_inst *pi = &e->inst[i];
			if (!pi->mod)
				continue;
			e->res->probed |= proto_table[pi->index].bit;
			if (pi->mod->start(e, pi) != 0)
				pi->mod = NULL; /* the module recorded why; it has nothing to finish */
		}
	}
	run_loop(&L, tg, ntg, pfd, owner, err, errlen);
	for (size_t t = 0; t < ntg; t++)
		finish_all(tg[t], true);
	uint32_t elapsed = loop_now(&L);
	n->name.elapsed_ms = elapsed;
	bool oom = L.oom || ne->oom;
	for (size_t t = 0; t < ntg; t++) {
		n->name.probed |= n->target[t]->probed;
		n->target[t]->elapsed_ms = elapsed;
		oom = oom || tg[t]->oom;
	}
	if (oom) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	rc = 0;
	goto out_free;

fail:
	for (size_t t = 0; t < nprep && tg[t]; t++) {
		for (size_t i = 0; i < tg[t]->ninst; i++)
			tg[t]->inst[i].done = true;
		finish_all(tg[t], false);
	}
	ntg = 0;
out_free:
	/* The results of the addresses not probed go; the name keeps one per address probed (or,
	 * when the name did not resolve or the run failed, one: a copy of its own). */
	for (size_t t = ntg; t < OBS_MAX_TARGETS; t++) {
		if (n->target[t]) {
			obs_result_free(n->target[t]);
			free(n->target[t]);
			n->target[t] = NULL;
		}
	}
	n->ntargets = ntg;
	if (ntg == 0) {
		struct obs_result *c = calloc(1, sizeof *c);
		if (!c) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		} else {
			*c = n->name;
			c->obs = NULL;
			c->pkts = NULL;
			c->nobs = c->capobs = c->npkts = c->cappkts = 0;
			for (size_t k = 0; k < n->name.nobs; k++)
				if (obs_result_add(c, &n->name.obs[k]) != 0) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
					break;
				}
			n->target[0] = c;
			n->ntargets = 1;
		}
	}
out:
	for (size_t t = 0; t < OBS_MAX_TARGETS; t++)
		free(tg[t]);
	free(ne);
	free(L.w);
	free(pfd);
	free(owner);
	return rc;
}

int engine_run_name(const struct engine_opts *o, struct obs_name *n, char *err, size_t errlen)
{
	size_t max = net_host_classify(o->host) == NET_HOST_NAME
			     ? (o->family == AF_UNSPEC ? 2u : 1u) * OBS_MAX_PER_FAMILY
			     : 1u;
	return run_name(o, n, max, err, errlen);
}

int engine_run(const struct engine_opts *o, struct obs_result *r, char *err, size_t errlen)
{
	struct obs_name *n = calloc(1, sizeof *n);
	if (!n) {
		memset(r, 0, sizeof *r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = run_name(o, n, 1, err, errlen);
	if (n->ntargets >= 1 && n->target[0]) {
		*r = *n->target[0];
		free(n->target[0]);
		n->target[0] = NULL;
	} else {
		memset(r, 0, sizeof *r);
	}
	obs_name_free(n);
	free(n);
	return rc;
}
