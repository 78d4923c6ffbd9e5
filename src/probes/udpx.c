/* UDP exchanges for the probes (see udpx.h). */
#include "probes/udpx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/fmt.h"
#include "wire/natt.h"

static struct udpx *slot(const struct udpx_group *g, size_t i)
{
	return (struct udpx *)((char *)g->slots + i * g->ops->slot_size);
}

int udpx_group_start(struct udpx_group *g, struct engine *e, struct probe_inst *pi, const struct udpx_ops *ops,
		     void *slots, size_t cap)
{
	g->ops = ops;
	g->slots = slots;
	g->cap = cap;
	g->prof = calloc(1, sizeof *g->prof);
	if (!g->prof)
		return -1;
	size_t klen;
	const uint8_t *secret = engine_secret(e, &klen);
	char nokey[40];
	const char *fail = ops->profile(e, g->prof, g->err, sizeof g->err);
	fmt_into(nokey, sizeof nokey, "no %s key", ops->key_name);
	if (!fail && (klen < SPI_KEY_LEN || spi_key_set(&g->key, secret) != 0))
		fail = nokey;
	if (fail) {
		struct obs o;
		memset(&o, 0, sizeof o);
		o.kind = OBS_SEND_FAILED;
		o.proto = ops->proto;
		fmt_into(o.text, sizeof o.text, "%s", fail);
		fmt_into(o.evidence, sizeof o.evidence, "the %s probe could not start: %s", ops->title, fail);
		engine_observe(e, pi, &o);
		free(g->prof);
		g->prof = NULL;
		return -1;
	}
	g->have_key = true;
	return 0;
}

void *udpx_probe_new(struct engine *e, struct probe_inst *pi, const struct udpx_ops *ops, size_t slots_off, size_t cap)
{
	char *st = calloc(1, ops->state_size);
	if (!st || udpx_group_start((struct udpx_group *)st, e, pi, ops, st + slots_off, cap) != 0) {
		free(st);
		return NULL;
	}
	pi->state = st;
	return st;
}

struct udpx *udpx_new(struct udpx_group *g, const struct profile_set *set)
{
	if (g->n >= g->cap)
		return NULL;
	struct udpx *x = slot(g, g->n);
	memset(x, 0, g->ops->slot_size);
	x->g = g;
	x->set = set;
	x->fd = -1;
	x->id = (uint8_t)g->n;
	x->limit = g->prof->nretransmit ? (unsigned)g->prof->nretransmit : 1;
	g->n++;
	return x;
}

void udpx_group_deadline(struct udpx_group *g, struct probe_inst *pi)
{
	uint32_t d = 0;
	bool any = false;
	for (size_t i = 0; i < g->n; i++) {
		const struct udpx *x = slot(g, i);
		if (!x->active)
			continue;
		any = true;
		if (!d || x->next < d)
			d = x->next;
	}
	if (!any) {
		engine_done(pi);
		return;
	}
	engine_set_deadline(pi, d ? d : 1);
}

/* A datagram larger than the receive buffer (only an IPv6 jumbogram can be): never parsed. */
static void truncated(struct udpx *x, struct engine *e, struct probe_inst *pi, const struct net_rx *rx)
{
	char s[160];
	fmt_into(s, sizeof s, "a datagram of %zu bytes, larger than the %u-byte buffer: not parsed", rx->wire_len,
		 (unsigned)UDPX_RX_CAP);
	engine_packet(e, pi, '-', &rx->from, s);
	if (++x->ntruncated > UDPX_NOTE_MAX)
		return;
	struct obs o;
	udpx_obs(&o, OBS_UDP_TRUNCATED, x);
	o.value = (int64_t)rx->wire_len;
	o.code = (int32_t)rx->len;
	fmt_into(o.text, sizeof o.text, "%zu of %zu bytes kept", rx->len, rx->wire_len);
	fmt_into(o.evidence, sizeof o.evidence,
		 "the server sent a %zu-byte datagram on UDP %u, larger than the %zu bytes the probe keeps: it was not parsed",
		 rx->wire_len, x->port, rx->len);
	engine_observe(e, pi, &o);
}

/* One read on x's socket; returns true when x is finished. *stop: nothing more to read. */
static bool read_one(struct udpx_group *g, struct udpx *x, struct engine *e, struct probe_inst *pi, bool *stop)
{
	struct net_rx rx;
	net_udp_recv(x->fd, g->rx, sizeof g->rx, &rx);
	switch (rx.kind) {
	case NET_RX_NONE:
		*stop = true;
		return false;
	case NET_RX_ICMP:
		return g->ops->icmp(e, pi, x, &rx);
	case NET_RX_DATA:
		if (!net_addr_equal(&rx.from, &x->dst)) {
			/* the socket is connected, so the kernel drops most of these already */
			g->ops->foreign(e, pi, x, &rx.from);
			return false;
		}
		if (rx.truncated) {
			truncated(x, e, pi, &rx);
			return false;
		}
		return g->ops->datagram(e, pi, x, g->rx, rx.len, &rx.from);
	default:
		return false; /* a local error without ICMP detail: keep waiting */
	}
}

void udpx_on_readable(struct engine *e, struct probe_inst *pi, int fd)
{
	struct udpx_group *g = pi->state;
	struct udpx *x = NULL;
	for (size_t i = 0; i < g->n && !x; i++)
		if (slot(g, i)->active && slot(g, i)->fd == fd)
			x = slot(g, i);
	if (!x)
		return;
	bool stop = false;
	for (int n = 0; n < UDPX_MAX_READS && x->active && x->fd == fd && !stop; n++)
		if (read_one(g, x, e, pi, &stop))
			udpx_close(x, e, pi);
	udpx_group_deadline(g, pi);
}

void udpx_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct udpx_group *g = pi->state;
	uint32_t now = engine_now_ms(e);
	for (size_t i = 0; i < g->n; i++) {
		struct udpx *x = slot(g, i);
		if (!x->active || x->next > now)
			continue;
		if (x->sends < x->limit) {
			g->ops->resend(e, pi, x);
		} else {
			g->ops->give_up(e, pi, x, false);
			udpx_close(x, e, pi);
		}
	}
	udpx_group_deadline(g, pi);
}

void udpx_finish(struct engine *e, struct probe_inst *pi, bool timed_out)
{
	struct udpx_group *g = pi->state;
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		struct udpx *x = slot(g, i);
		if (x->active && timed_out && x->sends)
			g->ops->give_up(e, pi, x, true);
		udpx_close(x, e, pi);
	}
	if (g->have_key)
		spi_key_free(&g->key);
	free(g->prof);
	size_t size = g->ops->state_size;
	OPENSSL_cleanse(pi->state, size);
	free(pi->state);
	pi->state = NULL;
}

int udpx_open(struct udpx *x, struct engine *e, struct probe_inst *pi, uint16_t port, const char **why)
{
	x->dst = *engine_target_addr(e);
	net_addr_set_port(&x->dst, port);
	x->port = port;
	if ((x->fd = net_udp_open(&x->dst)) < 0) {
		*why = net_strerror(errno);
		return -1;
	}
	if (net_local_addr(x->fd, &x->local) != 0)
		*why = net_strerror(errno);
	else if (engine_watch(e, pi, x->fd) != 0)
		*why = "too many sockets";
	else
		return 0;
	net_close(x->fd);
	x->fd = -1;
	return -1;
}

int udpx_reopen(struct udpx *x, struct engine *e, struct probe_inst *pi, uint16_t port, bool natt, const char **why)
{
	struct net_addr d = x->dst;
	net_addr_set_port(&d, port);
	int fd = net_udp_open(&d);
	if (fd < 0) {
		*why = net_strerror(errno);
		return -1;
	}
	if (engine_watch(e, pi, fd) != 0) {
		*why = "too many sockets";
		net_close(fd);
		return -1;
	}
	udpx_close_fd(x, e);
	x->fd = fd;
	x->dst = d;
	x->port = port;
	x->natt = natt;
	(void)net_local_addr(fd, &x->local);
	return 0;
}

void udpx_close_fd(struct udpx *x, struct engine *e)
{
	if (x->fd >= 0) {
		engine_unwatch(e, x->fd);
		net_close(x->fd);
		x->fd = -1;
	}
}

void udpx_close(struct udpx *x, struct engine *e, struct probe_inst *pi)
{
	x->g->ops->closing(e, pi, x);
	x->active = false;
	udpx_close_fd(x, e);
}

void udpx_begin(struct udpx *x, struct wbuf *w)
{
	wbuf_init(w, x->pkt, sizeof x->pkt);
	if (x->natt)
		wbuf_zero(w, NATT_MARKER_LEN);
	x->nfrags = 0;
}

/* The wait after send number send_no (0 = the first): the profile's schedule, its last entry
 * repeated; 1 s without a schedule. */
static uint32_t wait_after(const struct udpx *x, unsigned send_no)
{
	const struct profile *p = x->g->prof;
	if (x->doubling)
		return 1000u << send_no;
	if (p->nretransmit == 0)
		return 1000;
	size_t i = send_no < p->nretransmit ? send_no : p->nretransmit - 1;
	return p->retransmit_ms[i] ? p->retransmit_ms[i] : 1;
}

int udpx_send(struct udpx *x, struct engine *e)
{
	uint32_t now = engine_now_ms(e);
	if (x->sends == 0)
		x->first_send = now;
	x->last_send = now;
	int rc = 0, err = 0;
	if (x->nfrags == 0) {
		rc = net_udp_send(x->fd, x->pkt, x->pkt_len);
	} else {
		size_t off = 0;
		for (size_t i = 0; i < x->nfrags && rc == 0; i++) {
			rc = net_udp_send(x->fd, x->pkt + off, x->frag_len[i]);
			off += x->frag_len[i];
		}
	}
	if (rc != 0 && errno != ECONNREFUSED)
		err = errno;
	x->sends++;
	x->total_sends++;
	x->next = now + wait_after(x, x->sends - 1);
	return err;
}

void udpx_obs(struct obs *o, enum obs_kind kind, const struct udpx *x)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = x->g->ops->proto;
	o->port = x->port;
	o->natt = x->natt;
	fmt_into(o->set, sizeof o->set, "%s", x->set ? x->set->name : "");
}

void udpx_send_failed(struct udpx *x, struct engine *e, struct probe_inst *pi, const char *what, int err)
{
	struct obs o;
	udpx_obs(&o, OBS_SEND_FAILED, x);
	o.code = err;
	fmt_into(o.text, sizeof o.text, "%s", net_strerror(err));
	fmt_into(o.evidence, sizeof o.evidence, "could not send the %s to UDP %u: %s", what, x->port, net_strerror(err));
	engine_observe(e, pi, &o);
}

static void icmp_from(const struct net_rx *rx, char from[NET_ADDRSTRLEN])
{
	fmt_into(from, NET_ADDRSTRLEN, "?");
	if (rx->from.len)
		net_addr_str(&rx->from, from, NET_ADDRSTRLEN);
}

void udpx_icmp_obs(struct obs *o, enum obs_kind kind, const struct udpx *x, const struct net_rx *rx, const char *what)
{
	char from[NET_ADDRSTRLEN];
	icmp_from(rx, from);
	udpx_obs(o, kind, x);
	o->code = rx->icmp_type;
	o->value = rx->icmp_code;
	fmt_into(o->text, sizeof o->text, "%s", net_icmp_class_id(rx->icmp_class));
	fmt_into(o->evidence, sizeof o->evidence, "ICMP%s %s (type %u code %u) from %s after the %s to UDP %u",
		 rx->icmp6 ? "v6" : "", net_icmp_class_name(rx->icmp_class), rx->icmp_type, rx->icmp_code, from, what,
		 x->port);
}

void udpx_icmp_log(struct udpx *x, struct engine *e, struct probe_inst *pi, const struct net_rx *rx)
{
	char from[NET_ADDRSTRLEN], s[160];
	icmp_from(rx, from);
	fmt_into(s, sizeof s, "ICMP%s %s (type %u code %u) from %s", rx->icmp6 ? "v6" : "",
		 net_icmp_class_name(rx->icmp_class), rx->icmp_type, rx->icmp_code, from);
	engine_packet(e, pi, '!', &x->dst, s);
}

void udpx_no_answer(struct udpx *x, struct engine *e, struct probe_inst *pi, const char *what, bool cut_short)
{
	struct obs o;
	uint32_t waited = engine_now_ms(e) - x->first_send;
	udpx_obs(&o, OBS_UDP_NO_ANSWER, x);
	o.value = x->total_sends;
	o.code = (int32_t)waited;
	fmt_into(o.evidence, sizeof o.evidence, "no answer to %u %s%s to %s:%u within %.1f s%s", x->total_sends, what,
		 x->total_sends == 1 ? "" : "s", engine_target_host(e), x->port, waited / 1000.0,
		 cut_short && x->sends < x->limit ? " (the run's --timeout ended the retransmissions)" : "");
	engine_observe(e, pi, &o);
}

void udpx_nat(struct udpx *x, struct engine *e, struct probe_inst *pi, enum obs_kind kind, bool nat,
	      const struct net_addr *a, const char *before, const char *after)
{
	struct obs o;
	char s[NET_ADDRSTRLEN];
	udpx_obs(&o, kind, x);
	o.value = nat;
	net_addr_str_port(a, s, sizeof s);
	fmt_into(o.text, sizeof o.text, "%s", s); /* the address compared (the HTML report's vantage point) */
	fmt_into(o.evidence, sizeof o.evidence, "%s%s%s", before, s, after);
	engine_observe(e, pi, &o);
}

void udpx_ignored(struct udpx *x, struct engine *e, struct probe_inst *pi, enum obs_kind kind, unsigned *count,
		  unsigned max, int32_t code, const struct net_addr *from, const char *why)
{
	engine_packet(e, pi, '-', from, why);
	if (++*count > max)
		return;
	struct obs o;
	char peer[NET_ADDRSTRLEN];
	udpx_obs(&o, kind, x);
	o.code = code;
	o.value = *count;
	fmt_into(o.text, sizeof o.text, "%s", why);
	net_addr_str_port(from, peer, sizeof peer);
	fmt_into(o.evidence, sizeof o.evidence, "a datagram from %s on UDP %u was not counted as a reply: %s", peer,
		 x->port, why);
	engine_observe(e, pi, &o);
}
