/* PPTP (RFC 2637; facts §4) as the Windows client starts it: TCP 1723, Start-Control-Connection-
 * Request -> Reply (result, version, vendor, host name, firmware), Outgoing-Call-Request -> Reply
 * (result, call ids), then the GRE test: an enhanced-GRE packet carrying a PPP LCP Configure-
 * Request on the negotiated call, and a wait for the server's GRE traffic on our call id. Then a
 * clean teardown: Call-Clear-Request, Stop-Control-Connection-Request (and its reply, briefly).
 *
 * Privileges: the raw GRE socket (SOCK_RAW, IPPROTO_GRE) needs CAP_NET_RAW. It is opened first
 * thing in start(); right after, CAP_NET_RAW is dropped from the process's effective, permitted
 * and inheritable sets and from its bounding set, so nothing later in the run can open another
 * raw socket. Other capabilities (a root L2TP probe binding UDP 1701) are left alone: the other
 * probes of the run still start after this one (see the report). Without the privilege the GRE
 * test is not made and that is recorded: the PPTP verdict then stays `unknown`, never `works`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <netinet/in.h>

#include <openssl/rand.h>

#include "kb/kb.h"
#include "net/net.h"
#include "probes/probe.h"
#include "probes/tcpconn.h"
#include "util/fmt.h"
#include "wire/pptp.h"

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

#define STAGE_MS 5000u
/* The GRE wait: Windows keeps retrying LCP for far longer; 5 s with a resend each second lets a
 * slow or loaded server answer, and stays within the default --timeout. */
#define GRE_WAIT_MS 5000u
#define GRE_RESEND_MS 1000u
#define GRE_MAX_SENDS 5u
#define STOP_WAIT_MS 1000u
#define END_MARGIN_MS 30u
#define RX_CAP 4096u
#define MAX_MSG 1024u
#define MAX_READS 16

enum pstage { P_CONNECT, P_SCCRP, P_OCRP, P_GRE, P_STOP, P_DONE };

struct pptp_state {
	struct tcpconn tc;
	enum pstage st;
	uint32_t deadline, stage_start;
	uint8_t rx[RX_CAP];
	size_t rxlen;
	int gre_fd;              /* -1 when none */
	int gre_errno;           /* why it could not be opened */
	bool privs_dropped;
	uint16_t call_id, peer_call_id;
	bool call_up;
	unsigned gre_sends, gre_replies;
	uint32_t gre_first, gre_next;
	uint32_t magic;
	char first_gre[160];
	uint8_t grebuf[2048];
};

/* ---------------------------------------------------------------- helpers */

static void obs_new(struct obs *o, enum obs_kind kind, uint16_t port)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->proto = KB_P_PPTP;
	o->port = port;
}

static uint32_t stage_deadline(struct engine *e, uint32_t budget)
{
	uint32_t now = engine_now_ms(e), end = engine_end_ms(e);
	uint32_t lim = end > now + END_MARGIN_MS ? end - END_MARGIN_MS : now + 1;
	return now + budget < lim ? now + budget : lim;
}

static void set_stage(struct engine *e, struct pptp_state *s, enum pstage st, uint32_t budget)
{
	s->st = st;
	s->stage_start = engine_now_ms(e);
	s->deadline = stage_deadline(e, budget);
}

static void printable(char *out, size_t len, const struct pptp_blob *b)
{
	size_t n = b->p ? b->len : 0, k = 0;
	for (size_t i = 0; i < n && k + 1 < len; i++) {
		unsigned char c = b->p[i];
		out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[k] = 0;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	/* Control messages are small (< 200 bytes): a fresh TCP connection takes them whole. */
	ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
	return w == (ssize_t)n ? 0 : -1;
}

/* Opens the raw GRE socket, connected to the target so that the kernel delivers only its GRE. */
static int open_gre(struct engine *e, struct pptp_state *s)
{
	const struct net_addr *t = engine_target_addr(e);
	int fd = socket(net_addr_family(t), SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (fd < 0) {
		s->gre_errno = errno;
		return -1;
	}
	struct net_addr d = *t;
	net_addr_set_port(&d, 0);
	if (connect(fd, (const struct sockaddr *)&d.ss, d.len) != 0) {
		s->gre_errno = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* Drops CAP_NET_RAW for good (effective, permitted, inheritable, bounding set). Returns 0 when it
 * was held and is now gone. */
static int drop_net_raw(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	uint32_t bit = 1u << (CAP_NET_RAW & 31);
	int idx = CAP_NET_RAW >> 5;
	bool had = (d[idx].permitted & bit) != 0;
	(void)prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0); /* needs CAP_SETPCAP; best effort */
	d[idx].effective &= ~bit;
	d[idx].permitted &= ~bit;
	d[idx].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d) != 0)
		return -1;
	return had ? 0 : -1;
}

/* ---------------------------------------------------------------- control messages */

static void send_sccrq(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	uint8_t b[200];
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	struct pptp_sccrq q = {.framing = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC,
			       .bearer = PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL,
			       .max_channels = 0,
			       .firmware = 0,
			       .host = "vpndiag",
			       .vendor = "vpndiag"};
	int n = pptp_build_sccrq(&w, &q);
	if (n <= 0 || send_all(s->tc.fd, b, (size_t)n) != 0) {
		struct obs o;
		obs_new(&o, OBS_SEND_FAILED, s->tc.port);
		o.code = errno;
		fmt_into(o.text, sizeof o.text, "%s", strerror(errno));
		fmt_into(o.evidence, sizeof o.evidence, "could not send the Start-Control-Connection-Request: %s", o.text);
		engine_observe(e, pi, &o);
		s->st = P_DONE;
		return;
	}
	engine_packet(e, pi, '>', &s->tc.dst, "PPTP Start-Control-Connection-Request, version 1.0, 156 bytes");
	set_stage(e, s, P_SCCRP, STAGE_MS);
}

static void send_ocrq(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	uint8_t b[200];
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	uint16_t rnd = 0;
	if (RAND_bytes((uint8_t *)&rnd, sizeof rnd) != 1)
		rnd = (uint16_t)getpid();
	s->call_id = rnd ? rnd : 1;
	struct pptp_ocrq q = {.call_id = s->call_id, .serial = 1, .min_bps = 300, .max_bps = 100000000,
			      .bearer = 3, .framing = 3, .recv_window = 64, .proc_delay = 0};
	int n = pptp_build_ocrq(&w, &q);
	if (n <= 0 || send_all(s->tc.fd, b, (size_t)n) != 0) {
		s->st = P_DONE;
		return;
	}
	char t[120];
	fmt_into(t, sizeof t, "PPTP Outgoing-Call-Request, call id %u, 168 bytes", s->call_id);
	engine_packet(e, pi, '>', &s->tc.dst, t);
	set_stage(e, s, P_OCRP, STAGE_MS);
}

static void send_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	uint8_t lcp[64], pkt[128];
	struct wbuf w;
	wbuf_init(&w, lcp, sizeof lcp);
	int ln = pptp_build_lcp_confreq(&w, (uint8_t)(1 + s->gre_sends), 1400, s->magic);
	if (ln <= 0)
		return;
	wbuf_init(&w, pkt, sizeof pkt);
	int n = pptp_gre_build(&w, s->peer_call_id, true, s->gre_sends, false, 0, lcp, (size_t)ln);
	uint32_t now = engine_now_ms(e);
	if (s->gre_sends == 0)
		s->gre_first = now;
	s->gre_sends++;
	s->gre_next = now + GRE_RESEND_MS;
	if (n <= 0 || send(s->gre_fd, pkt, (size_t)n, 0) != n) {
		struct obs o;
		obs_new(&o, OBS_SEND_FAILED, 0);
		o.code = errno;
		fmt_into(o.text, sizeof o.text, "%s", strerror(errno));
		fmt_into(o.evidence, sizeof o.evidence, "could not send GRE: %s", o.text);
		engine_observe(e, pi, &o);
		return;
	}
	char t[160];
	fmt_into(t, sizeof t, "GRE (enhanced, key call id %u, seq %u) PPP LCP Configure-Request MRU 1400, %d bytes",
		 s->peer_call_id, s->gre_sends - 1, n);
	engine_packet(e, pi, '>', &s->tc.dst, t);
}

static void start_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	struct obs o;
	if (s->gre_fd < 0) {
		obs_new(&o, OBS_GRE_NOT_TESTED, 0);
		if (s->gre_errno == EPERM || s->gre_errno == EACCES)
			fmt_into(o.text, sizeof o.text, "no privilege to open a raw GRE socket (CAP_NET_RAW)");
		else
			fmt_into(o.text, sizeof o.text, "no raw GRE socket: %s", strerror(s->gre_errno));
		fmt_into(o.evidence, sizeof o.evidence,
			 "GRE (IP protocol 47) was not tested: %s; run vpndiag as root or with cap_net_raw to test it", o.text);
		engine_observe(e, pi, &o);
		return;
	}
	if (RAND_bytes((uint8_t *)&s->magic, sizeof s->magic) != 1)
		s->magic = 0x5644u;
	set_stage(e, s, P_GRE, GRE_WAIT_MS);
	send_gre(e, pi, s);
}

static void teardown(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	uint8_t b[64];
	struct wbuf w;
	if (s->tc.fd < 0) {
		s->st = P_DONE;
		return;
	}
	if (s->call_up) {
		wbuf_init(&w, b, sizeof b);
		int n = pptp_build_call_clear(&w, s->call_id);
		if (n > 0 && send_all(s->tc.fd, b, (size_t)n) == 0) {
			char t[80];
			fmt_into(t, sizeof t, "PPTP Call-Clear-Request, call id %u", s->call_id);
			engine_packet(e, pi, '>', &s->tc.dst, t);
		}
		s->call_up = false;
	}
	wbuf_init(&w, b, sizeof b);
	int n = pptp_build_stop_ccrq(&w, 1);
	if (n > 0 && send_all(s->tc.fd, b, (size_t)n) == 0) {
		engine_packet(e, pi, '>', &s->tc.dst, "PPTP Stop-Control-Connection-Request, reason 1 (none)");
		set_stage(e, s, P_STOP, STOP_WAIT_MS);
		return;
	}
	s->st = P_DONE;
}

static void record_gre_result(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	struct obs o;
	if (s->gre_replies) {
		obs_new(&o, OBS_GRE_REPLY, 0);
		o.value = s->gre_replies;
		fmt_into(o.text, sizeof o.text, "%s", s->first_gre);
		fmt_into(o.evidence, sizeof o.evidence, "the server sent %u GRE packet%s on our call (first: %s)", s->gre_replies,
			 s->gre_replies == 1 ? "" : "s", s->first_gre);
	} else {
		obs_new(&o, OBS_GRE_NO_REPLY, 0);
		o.value = s->gre_sends;
		o.code = (int32_t)(engine_now_ms(e) - s->gre_first);
		fmt_into(o.evidence, sizeof o.evidence,
			 "no GRE from the server within %.1f s after %u LCP Configure-Request%s in enhanced GRE on call %u",
			 o.code / 1000.0, s->gre_sends, s->gre_sends == 1 ? "" : "s", s->peer_call_id);
	}
	engine_observe(e, pi, &o);
}

static void handle_msg(struct engine *e, struct probe_inst *pi, struct pptp_state *s, const uint8_t *p, size_t n)
{
	struct pptp_msg m;
	char why[160] = "", t[400];
	struct obs o;
	if (pptp_parse(p, n, &m, why, sizeof why) != 0) {
		obs_new(&o, OBS_PPTP_BAD_REPLY, s->tc.port);
		fmt_into(o.text, sizeof o.text, "%s", why);
		fmt_into(o.evidence, sizeof o.evidence, "the server's PPTP message does not parse: %s", why);
		engine_observe(e, pi, &o);
		teardown(e, pi, s);
		return;
	}
	if (m.ctrl_type == PPTP_ECHO_RQST) {
		uint8_t b[32];
		struct wbuf w;
		wbuf_init(&w, b, sizeof b);
		int k = pptp_build_echo_reply(&w, m.identifier, 1);
		if (k > 0)
			(void)send_all(s->tc.fd, b, (size_t)k);
		return;
	}
	if (s->st == P_SCCRP && m.ctrl_type == PPTP_START_CTRL_CONN_RPLY) {
		char host[70], vendor[70];
		printable(host, sizeof host, &m.host);
		printable(vendor, sizeof vendor, &m.vendor);
		obs_new(&o, OBS_PPTP_SCCRP, s->tc.port);
		o.code = m.result;
		o.value = m.error;
		fmt_into(o.set, sizeof o.set, "%u.%u", m.version >> 8, m.version & 0xff);
		fmt_into(o.text, sizeof o.text, "vendor \"%s\", host name \"%s\", firmware 0x%04x", vendor, host, m.firmware);
		fmt_into(o.evidence, sizeof o.evidence,
			 "Start-Control-Connection-Reply: result %u (%s), error %u (%s), protocol version %u.%u, %s", m.result,
			 pptp_sccrp_result_name(m.result), m.error, pptp_error_name(m.error), m.version >> 8, m.version & 0xff,
			 o.text);
		engine_observe(e, pi, &o);
		engine_packet(e, pi, '<', &s->tc.dst, o.evidence);
		if (m.result == 1)
			send_ocrq(e, pi, s);
		else
			teardown(e, pi, s);
		return;
	}
	if (s->st == P_OCRP && m.ctrl_type == PPTP_OUT_CALL_RPLY) {
		obs_new(&o, OBS_PPTP_OCRP, s->tc.port);
		o.code = m.result;
		o.value = m.error;
		fmt_into(o.text, sizeof o.text, "call id %u, peer call id %u, cause %u", m.call_id, m.peer_call_id, m.cause);
		fmt_into(o.evidence, sizeof o.evidence, "Outgoing-Call-Reply: result %u (%s), error %u (%s), server call id %u for our call %u",
			 m.result, pptp_ocrp_result_name(m.result), m.error, pptp_error_name(m.error), m.call_id, m.peer_call_id);
		engine_observe(e, pi, &o);
		engine_packet(e, pi, '<', &s->tc.dst, o.evidence);
		if (m.result == 1 && m.peer_call_id == s->call_id) {
			s->call_up = true;
			s->peer_call_id = m.call_id;
			start_gre(e, pi, s);
			if (s->st != P_GRE)
				teardown(e, pi, s);
		} else {
			if (m.result == 1) {
				obs_new(&o, OBS_PPTP_BAD_REPLY, s->tc.port);
				fmt_into(o.text, sizeof o.text, "the Outgoing-Call-Reply names call %u, not ours (%u)", m.peer_call_id, s->call_id);
				fmt_into(o.evidence, sizeof o.evidence, "%s", o.text);
				engine_observe(e, pi, &o);
			}
			teardown(e, pi, s);
		}
		return;
	}
	if (s->st == P_STOP && m.ctrl_type == PPTP_STOP_CTRL_CONN_RPLY) {
		engine_packet(e, pi, '<', &s->tc.dst, "PPTP Stop-Control-Connection-Reply");
		s->st = P_DONE;
		return;
	}
	/* Anything else: logged; a Call-Disconnect-Notify or a Stop request ends the call. */
	fmt_into(t, sizeof t, "PPTP %s (result %u)", pptp_ctrl_name(m.ctrl_type), m.result);
	engine_packet(e, pi, '<', &s->tc.dst, t);
	if (m.ctrl_type == PPTP_CALL_DISCONNECT_NOTIFY)
		s->call_up = false;
	if (m.ctrl_type == PPTP_STOP_CTRL_CONN_RQST && (s->st == P_SCCRP || s->st == P_OCRP)) {
		obs_new(&o, OBS_PPTP_BAD_REPLY, s->tc.port);
		fmt_into(o.text, sizeof o.text, "Stop-Control-Connection-Request instead of a reply");
		fmt_into(o.evidence, sizeof o.evidence, "the server answered with a %s (reason %u)", pptp_ctrl_name(m.ctrl_type),
			 m.reason);
		engine_observe(e, pi, &o);
		s->st = P_DONE;
	}
}

static void record_closed(struct engine *e, struct probe_inst *pi, struct pptp_state *s, bool reset)
{
	if (s->st == P_STOP || s->st == P_DONE)
		return;
	if (s->st == P_GRE) {
		/* pptpd ends the control connection when its pppd dies: that says nothing about GRE. */
		engine_packet(e, pi, '<', &s->tc.dst, "the server closed the control connection during the GRE test");
		return;
	}
	struct obs o;
	obs_new(&o, OBS_TCP_CLOSED, s->tc.port);
	o.value = (int64_t)s->rxlen;
	o.code = reset;
	fmt_into(o.text, sizeof o.text, "%s", s->st == P_SCCRP ? "Start-Control-Connection-Reply" : "Outgoing-Call-Reply");
	fmt_into(o.evidence, sizeof o.evidence, "the server %s the control connection while we waited for the %s",
		 reset ? "reset" : "closed", o.text);
	engine_observe(e, pi, &o);
}

static void read_ctrl(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	for (int n = 0; n < MAX_READS && s->tc.fd >= 0; n++) {
		if (s->rxlen >= RX_CAP)
			s->rxlen = 0; /* cannot happen: messages are framed at <= 1024 bytes */
		ssize_t r = recv(s->tc.fd, s->rx + s->rxlen, RX_CAP - s->rxlen, 0);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (r <= 0) {
			record_closed(e, pi, s, r < 0);
			tcpconn_close(&s->tc, e);
			if (s->st != P_GRE)
				s->st = P_DONE;
			return;
		}
		s->rxlen += (size_t)r;
		for (int guard = 0; guard < 32 && s->tc.fd >= 0; guard++) {
			size_t ml = 0;
			int fr = pptp_frame(s->rx, s->rxlen, MAX_MSG, &ml);
			if (fr == 0)
				break;
			if (fr < 0) {
				struct obs o;
				obs_new(&o, OBS_PPTP_BAD_REPLY, s->tc.port);
				fmt_into(o.text, sizeof o.text, "not PPTP: bad message length");
				fmt_into(o.evidence, sizeof o.evidence, "the server on TCP %u does not speak PPTP (bad message length)",
					 s->tc.port);
				engine_observe(e, pi, &o);
				tcpconn_close(&s->tc, e);
				s->st = P_DONE;
				return;
			}
			handle_msg(e, pi, s, s->rx, ml);
			memmove(s->rx, s->rx + ml, s->rxlen - ml);
			s->rxlen -= ml;
			if (s->st == P_DONE)
				return;
		}
	}
}

static void read_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	const struct net_addr *t = engine_target_addr(e);
	for (int n = 0; n < MAX_READS; n++) {
		ssize_t r = recv(s->gre_fd, s->grebuf, sizeof s->grebuf, MSG_TRUNC);
		if (r < 0)
			return;
		size_t len = (size_t)r > sizeof s->grebuf ? sizeof s->grebuf : (size_t)r;
		const uint8_t *p = s->grebuf;
		if (net_addr_family(t) == AF_INET) {
			/* IPv4 raw sockets deliver the IP header; IPv6 ones do not. */
			if (len < 20 || (p[0] >> 4) != 4)
				continue;
			size_t ihl = (size_t)(p[0] & 0x0f) * 4;
			if (ihl < 20 || ihl > len)
				continue;
			p += ihl;
			len -= ihl;
		}
		struct pptp_gre g;
		char why[120];
		if (pptp_gre_parse(p, len, &g, why, sizeof why) != 0 || g.call_id != s->call_id)
			continue;
		if (s->st != P_GRE)
			continue;
		if (s->gre_replies++ == 0) {
			if (g.payload.len >= 8 && g.payload.p[0] == 0xff && g.payload.p[1] == 0x03 && g.payload.p[2] == 0xc0 &&
			    g.payload.p[3] == 0x21)
				fmt_into(s->first_gre, sizeof s->first_gre, "PPP LCP code %u id %u", g.payload.p[4], g.payload.p[5]);
			else
				fmt_into(s->first_gre, sizeof s->first_gre, "%zu bytes of GRE payload%s", g.payload.len,
					 g.has_ack && !g.payload.len ? " (an acknowledgement)" : "");
			char tt[200];
			fmt_into(tt, sizeof tt, "GRE from the server on call %u: %s", s->call_id, s->first_gre);
			engine_packet(e, pi, '<', t, tt);
		}
	}
}

static void connect_step(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	tcpconn_event(&s->tc, e, pi);
	if (s->tc.state == TCPCONN_FAILED) {
		s->st = P_DONE;
		return;
	}
	if (s->tc.state == TCPCONN_UP)
		send_sccrq(e, pi, s);
}

static void update(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	if (s->st == P_DONE) {
		tcpconn_close(&s->tc, e);
		if (s->gre_fd >= 0) {
			engine_unwatch(e, s->gre_fd);
			close(s->gre_fd);
			s->gre_fd = -1;
		}
		engine_done(pi);
		return;
	}
	uint32_t d = s->deadline;
	if (s->st == P_GRE && s->gre_sends < GRE_MAX_SENDS && s->gre_next < d)
		d = s->gre_next;
	engine_set_deadline(pi, d ? d : 1);
}

static void end_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	record_gre_result(e, pi, s);
	teardown(e, pi, s);
}

/* ---------------------------------------------------------------- module callbacks */

static int pptp_start(struct engine *e, struct probe_inst *pi)
{
	struct pptp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	pi->state = s;
	s->tc.fd = -1;
	s->tc.proto = KB_P_PPTP;
	s->tc.what = "PPTP";
	/* The raw socket first, then the privilege goes. */
	s->gre_fd = open_gre(e, s);
	if (geteuid() == 0 || s->gre_fd >= 0) {
		if (drop_net_raw() == 0) {
			s->privs_dropped = true;
			struct obs o;
			obs_new(&o, OBS_PRIV_DROPPED, 0);
			fmt_into(o.text, sizeof o.text, "CAP_NET_RAW");
			fmt_into(o.evidence, sizeof o.evidence,
				 "CAP_NET_RAW was dropped (effective, permitted, inheritable, bounding) right after the raw GRE socket was %s",
				 s->gre_fd >= 0 ? "opened" : "tried");
			engine_observe(e, pi, &o);
		}
	}
	if (s->gre_fd >= 0 && engine_watch(e, pi, s->gre_fd) != 0) {
		close(s->gre_fd);
		s->gre_fd = -1;
		s->gre_errno = EMFILE;
	}
	set_stage(e, s, P_CONNECT, STAGE_MS);
	uint16_t port = engine_port(e, pi, 0);
	if (tcpconn_start(&s->tc, e, pi, port ? port : 1723, s->deadline) != 0)
		s->st = P_DONE;
	update(e, pi, s);
	return 0;
}

static void pptp_on_readable(struct engine *e, struct probe_inst *pi, int fd)
{
	struct pptp_state *s = pi->state;
	if (fd == s->gre_fd) {
		read_gre(e, pi, s);
		if (s->st == P_GRE && s->gre_replies)
			end_gre(e, pi, s);
	} else if (fd == s->tc.fd && s->st == P_CONNECT)
		connect_step(e, pi, s);
	else if (fd == s->tc.fd)
		read_ctrl(e, pi, s);
	update(e, pi, s);
}

static void no_reply(struct engine *e, struct probe_inst *pi, struct pptp_state *s, const char *what)
{
	struct obs o;
	obs_new(&o, OBS_PPTP_NO_REPLY, s->tc.port);
	o.code = (int32_t)(engine_now_ms(e) - s->stage_start);
	fmt_into(o.text, sizeof o.text, "%s", what);
	fmt_into(o.evidence, sizeof o.evidence, "no reply to the %s on TCP %u within %.1f s", what, s->tc.port, o.code / 1000.0);
	engine_observe(e, pi, &o);
}

static void pptp_on_deadline(struct engine *e, struct probe_inst *pi)
{
	struct pptp_state *s = pi->state;
	uint32_t now = engine_now_ms(e);
	switch (s->st) {
	case P_CONNECT:
		if (now >= s->deadline) {
			tcpconn_timeout(&s->tc, e, pi);
			s->st = P_DONE;
		}
		break;
	case P_SCCRP:
	case P_OCRP:
		if (now >= s->deadline) {
			no_reply(e, pi, s, s->st == P_SCCRP ? "Start-Control-Connection-Request" : "Outgoing-Call-Request");
			teardown(e, pi, s);
		}
		break;
	case P_GRE:
		if (s->gre_replies || now >= s->deadline)
			end_gre(e, pi, s);
		else if (now >= s->gre_next && s->gre_sends < GRE_MAX_SENDS)
			send_gre(e, pi, s);
		break;
	case P_STOP:
		if (now >= s->deadline)
			s->st = P_DONE;
		break;
	default:
		break;
	}
	update(e, pi, s);
}

static void pptp_finish(struct engine *e, struct probe_inst *pi, bool timed_out)
{
	struct pptp_state *s = pi->state;
	if (!s)
		return;
	if (timed_out) {
		if (s->st == P_CONNECT)
			tcpconn_timeout(&s->tc, e, pi);
		else if (s->st == P_SCCRP || s->st == P_OCRP)
			no_reply(e, pi, s, s->st == P_SCCRP ? "Start-Control-Connection-Request" : "Outgoing-Call-Request");
		else if (s->st == P_GRE)
			record_gre_result(e, pi, s);
	}
	tcpconn_close(&s->tc, e);
	if (s->gre_fd >= 0) {
		engine_unwatch(e, s->gre_fd);
		close(s->gre_fd);
	}
	free(s);
	pi->state = NULL;
}

const struct probe_module probe_pptp = {
	.name = "pptp",
	.title = "PPTP",
	.proto = KB_P_PPTP,
	.ports = {1723, 0, 0, 0},
	.start = pptp_start,
	.on_readable = pptp_on_readable,
	.on_deadline = pptp_on_deadline,
	.finish = pptp_finish,
};
