/* Non-blocking TCP connect for the probes (see tcpconn.h). */
#include "probes/tcpconn.h"

#include <errno.h>
#include <string.h>
#include "net/sys.h"

#include "util/fmt.h"

void tcpconn_obs(struct obs *o, enum obs_kind kind, unsigned proto, uint16_t port, const struct net_addr *dst, int fd,
		 uint32_t waited, int err)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = proto;
	o->port = port;
	char peer[NET_ADDRSTRLEN];
	net_addr_str_port(dst, peer, sizeof peer);
	switch (kind) {
	case OBS_TCP_CONNECTED: {
		struct net_addr local;
		if (fd >= 0 && net_local_addr(fd, &local) == 0)
			net_addr_str_port(&local, o->text, sizeof o->text); /* our end (the report's vantage point) */
		o->value = waited;
		fmt_into(o->evidence, sizeof o->evidence, "TCP %u: connected to %s in %u ms", port, peer, waited);
		break;
	}
	case OBS_TCP_REFUSED:
		fmt_into(o->evidence, sizeof o->evidence, "TCP %u: the connection to %s was refused (reset)", port, peer);
		break;
	case OBS_TCP_CLOSED:
		o->code = 1; /* reset */
		fmt_into(o->text, sizeof o->text, "connect");
		fmt_into(o->evidence, sizeof o->evidence,
			 "TCP %u: %s accepted the connection and reset it at once, before any data (%s)", port, peer,
			 net_strerror(err));
		break;
	case OBS_TCP_UNREACHABLE:
		o->code = err;
		fmt_into(o->text, sizeof o->text, "%s", net_strerror(err));
		fmt_into(o->evidence, sizeof o->evidence, "TCP %u: connecting to %s failed with an ICMP error: %s", port, peer,
			 net_strerror(err));
		break;
	default:
		o->value = waited;
		fmt_into(o->evidence, sizeof o->evidence, "TCP %u: no answer to the connection attempt to %s within %.1f s",
			 port, peer, waited / 1000.0);
		break;
	}
}

static void observe(struct tcpconn *c, struct engine *e, struct probe_inst *pi, enum obs_kind kind, int err)
{
	if (c->quiet)
		return;
	struct obs o;
	tcpconn_obs(&o, kind, c->proto, c->port, &c->dst, c->fd, engine_now_ms(e) - c->started, err);
	engine_observe(e, pi, &o);
	char s[160];
	fmt_into(s, sizeof s, "TCP %u %s (%s)", c->port, obs_kind_name(kind), c->what);
	engine_packet(e, pi, kind == OBS_TCP_CONNECTED ? '<' : '!', &c->dst, s);
}

int tcpconn_start(struct tcpconn *c, struct engine *e, struct probe_inst *pi, uint16_t port, uint32_t deadline)
{
	c->fd = -1;
	c->port = port;
	c->started = engine_now_ms(e);
	c->deadline = deadline;
	c->dst = *engine_target_addr(e);
	net_addr_set_port(&c->dst, port);
	c->state = TCPCONN_PENDING;
	c->fd = net_tcp_connect_start(&c->dst);
	if (c->fd < 0 || engine_watch(e, pi, c->fd) != 0) {
		int err = c->fd < 0 ? errno : EMFILE;
		net_close(c->fd);
		c->fd = -1;
		c->state = TCPCONN_FAILED;
		if (!c->quiet) {
			struct obs o;
			memset(&o, 0, sizeof o);
			o.kind = OBS_SEND_FAILED;
			o.proto = c->proto;
			o.port = port;
			o.code = err;
			fmt_into(o.text, sizeof o.text, "%s", net_strerror(err));
			fmt_into(o.evidence, sizeof o.evidence, "could not start a TCP connection to port %u: %s", port,
				 net_strerror(err));
			engine_observe(e, pi, &o);
		}
		return -1;
	}
	engine_watch_write(e, c->fd, true);
	char s[120];
	fmt_into(s, sizeof s, "TCP %u SYN (%s)", port, c->what);
	if (!c->quiet)
		engine_packet(e, pi, '>', &c->dst, s);
	/* An immediate failure (loopback refusal) shows on the first poll as an error. */
	return 0;
}

void tcpconn_event(struct tcpconn *c, struct engine *e, struct probe_inst *pi)
{
	if (c->state != TCPCONN_PENDING)
		return;
	int err = 0;
	enum net_tcp_status st = net_tcp_connect_result(c->fd, &err);
	switch (st) {
	case NET_TCP_IN_PROGRESS:
		return;
	case NET_TCP_CONNECTED:
		engine_watch_write(e, c->fd, false);
		c->state = TCPCONN_UP;
		observe(c, e, pi, OBS_TCP_CONNECTED, 0);
		return;
	case NET_TCP_REFUSED:
		c->state = TCPCONN_FAILED;
		observe(c, e, pi, OBS_TCP_REFUSED, err);
		break;
	case NET_TCP_RESET:
		/* Accepted, then reset at once: the same facts as a reset right after the connect. */
		c->state = TCPCONN_FAILED;
		observe(c, e, pi, OBS_TCP_CONNECTED, 0);
		observe(c, e, pi, OBS_TCP_CLOSED, err);
		break;
	case NET_TCP_TIMED_OUT:
		c->state = TCPCONN_FAILED;
		observe(c, e, pi, OBS_TCP_NO_ANSWER, err);
		break;
	default:
		c->state = TCPCONN_FAILED;
		observe(c, e, pi, OBS_TCP_UNREACHABLE, err ? err : EIO);
		break;
	}
	tcpconn_close(c, e);
}

void tcpconn_timeout(struct tcpconn *c, struct engine *e, struct probe_inst *pi)
{
	if (c->state != TCPCONN_PENDING)
		return;
	c->state = TCPCONN_FAILED;
	observe(c, e, pi, OBS_TCP_NO_ANSWER, 0);
	tcpconn_close(c, e);
}

void tcpconn_close(struct tcpconn *c, struct engine *e)
{
	if (c->fd >= 0) {
		engine_unwatch(e, c->fd);
		net_close(c->fd);
	}
	c->fd = -1;
}
