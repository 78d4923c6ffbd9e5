/* PPTP (RFC 2637; facts §4) as the Windows client starts it: TCP 1723, Start-Control-Connection-
 * Request -> Reply (result, version, vendor, host name, firmware), Outgoing-Call-Request -> Reply
 * (result, call ids), then the GRE test: an enhanced-GRE packet carrying a PPP LCP Configure-
 * Request on the negotiated call, and a wait for the server's GRE traffic on our call id. Then a
 * clean teardown: Call-Clear-Request, Stop-Control-Connection-Request (and its reply, briefly).
 *
 * Privileges: the raw GRE socket (net/gre.h) needs CAP_NET_RAW. It is opened in prepare(), before
 * name resolution, one per address family the run may use; the engine then drops every privilege
 * (net/priv.c) before any byte from the network is read. The socket is not connected, so every
 * packet's source is compared here. Without the privilege the GRE test is not made and that is
 * recorded: the PPTP verdict then stays `unknown`, never `works`.
 *
 * What counts as the server's GRE (wire/gre.h): from the server's address, on OUR call id (RFC 2637
 * 4.1: the Call ID field names the receiver's call), and not our own LCP Configure-Request (our
 * Magic-Number) come back. Anything else is recorded (gre-reflected, gre-wrong-source) and never
 * ends the wait.
 *
 * Hostile servers: the control stream is framed by wire/pptp.h pptp_stream (a length outside
 * 12..1024, a wrong message type or magic cookie ends it as pptp-bad-reply at once); every stage
 * has a fixed deadline that bytes arriving do not extend (a slow drip or a half message ends as
 * pptp-no-reply, naming the bytes held); at most MAX_OTHER_MSGS control messages that are not the
 * awaited reply are taken (a flood ends as pptp-bad-reply), and at most MAX_ECHO_REPLIES echo
 * requests are answered; at most MAX_READS reads per wake-up on each socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/sys.h"

#include <openssl/rand.h>

#include "kb/kb.h"
#include "net/gre.h"
#include "net/net.h"
#include "probes/probe.h"
#include "probes/tcpconn.h"
#include "util/fmt.h"
#include "wire/gre.h"
#include "wire/pptp.h"

#define STAGE_MS 5000u
/* The GRE wait: Windows keeps retrying LCP for far longer; 5 s with a resend each second lets a
 * slow or loaded server answer, and stays within the default --timeout. */
#define GRE_WAIT_MS 5000u
#define GRE_RESEND_MS 1000u
#define GRE_MAX_SENDS 5u
#define STOP_WAIT_MS 1000u
#define END_MARGIN_MS 30u
#define MAX_MSG 1024u
#define MAX_READS 16
#define MAX_OTHER_MSGS 32u  /* control messages that are not the awaited reply */
#define MAX_ECHO_REPLIES 4u
#define GRE_BUF 4096u       /* larger packets are cut (MSG_TRUNC) and then fail to parse */

enum pstage { P_CONNECT, P_SCCRP, P_OCRP, P_GRE, P_STOP, P_DONE };

/* GRE packets that are not the server's reply, per class (wire/gre.h). */
#define N_CLASSES (GRE_RX_WRONG_SOURCE + 1)

struct pptp_state {
	struct tcpconn tc;
	enum pstage st;
	uint32_t deadline, stage_start;
	struct pptp_stream rx;
	unsigned other_msgs, echo_replies;
	struct net_gre gre;      /* opened in prepare; gre.fd: the target's family, -1 when none */
	uint16_t call_id, peer_call_id;
	bool call_up;
	unsigned gre_sends, gre_replies, gre_lcp_replies, gre_read;
	unsigned bad[N_CLASSES];
	char bad_first[N_CLASSES][160];
	uint32_t gre_first, gre_next;
	uint32_t magic;
	char first_gre[160];
	uint8_t grebuf[GRE_BUF];
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
	ssize_t w = net_send(fd, p, n);
	return w == (ssize_t)n ? 0 : -1;
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
		fmt_into(o.text, sizeof o.text, "%s", net_strerror(errno));
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
		rnd = (uint16_t)(uintptr_t)s; /* any non-zero value will do: the id only has to be ours */
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
	/* RFC 2637 4.1: the Call ID field carries the receiver's call, the server's. */
	int n = pptp_gre_build(&w, s->peer_call_id, true, s->gre_sends, false, 0, lcp, (size_t)ln);
	uint32_t now = engine_now_ms(e);
	if (s->gre_sends == 0)
		s->gre_first = now;
	s->gre_sends++;
	s->gre_next = now + GRE_RESEND_MS;
	if (n <= 0 || net_gre_send(&s->gre, engine_target_addr(e), pkt, (size_t)n) != 0) {
		struct obs o;
		obs_new(&o, OBS_SEND_FAILED, 0);
		o.code = errno;
		fmt_into(o.text, sizeof o.text, "%s", net_strerror(errno));
		fmt_into(o.evidence, sizeof o.evidence, "could not send GRE: %s", o.text);
		engine_observe(e, pi, &o);
		return;
	}
	char t[200];
	fmt_into(t, sizeof t, "GRE (enhanced, key call id %u, seq %u) PPP LCP Configure-Request MRU 1400 magic 0x%08x, %d bytes",
		 s->peer_call_id, s->gre_sends - 1, (unsigned)s->magic, n);
	engine_packet(e, pi, '>', &s->tc.dst, t);
}

static void start_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	struct obs o;
	if (s->gre.fd < 0) {
		obs_new(&o, OBS_GRE_NOT_TESTED, 0);
		if (s->gre.err == EPERM || s->gre.err == EACCES)
			fmt_into(o.text, sizeof o.text, "no privilege to open a raw GRE socket; %s to test it",
				 net_gre_privilege_hint());
		else
			fmt_into(o.text, sizeof o.text, "no raw GRE socket: %s", net_strerror(s->gre.err));
		fmt_into(o.evidence, sizeof o.evidence, "GRE (IP protocol 47) was not tested: %s", o.text);
		engine_observe(e, pi, &o);
		return;
	}
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

/* The GRE that was not the server's reply: one observation per class, with the count. */
static void record_gre_bad(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	for (int c = GRE_RX_OWN; c < N_CLASSES; c++) {
		if (!s->bad[c])
			continue;
		struct obs o;
		obs_new(&o, c == GRE_RX_WRONG_SOURCE ? OBS_GRE_WRONG_SOURCE : OBS_GRE_REFLECTED, 0);
		o.code = c;
		o.value = s->bad[c];
		fmt_into(o.text, sizeof o.text, "%s", s->bad_first[c]);
		fmt_into(o.evidence, sizeof o.evidence, "%u GRE packet%s not taken as the server's: %s (first: %s)", s->bad[c],
			 s->bad[c] == 1 ? "" : "s", gre_rx_class_name((enum gre_rx_class)c), s->bad_first[c]);
		engine_observe(e, pi, &o);
		s->bad[c] = 0;
	}
}

static void record_gre_result(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	struct obs o;
	if (s->gre_replies) {
		obs_new(&o, OBS_GRE_REPLY, 0);
		o.value = s->gre_replies;
		o.code = s->gre_lcp_replies > 0;
		fmt_into(o.text, sizeof o.text, "%s", s->first_gre);
		fmt_into(o.evidence, sizeof o.evidence, "the server sent %u GRE packet%s on our call %u (first: %s)%s", s->gre_replies,
			 s->gre_replies == 1 ? "" : "s", s->call_id, s->first_gre,
			 s->gre_lcp_replies ? "" : "; none of them PPP LCP");
	} else {
		obs_new(&o, OBS_GRE_NO_REPLY, 0);
		o.value = s->gre_sends;
		o.code = (int32_t)(engine_now_ms(e) - s->gre_first);
		fmt_into(o.evidence, sizeof o.evidence,
			 "no GRE from the server within %.1f s after %u LCP Configure-Request%s in enhanced GRE on call %u",
			 o.code / 1000.0, s->gre_sends, s->gre_sends == 1 ? "" : "s", s->peer_call_id);
	}
	engine_observe(e, pi, &o);
	record_gre_bad(e, pi, s);
}

static void bad_reply(struct engine *e, struct probe_inst *pi, struct pptp_state *s, const char *text, const char *evidence)
{
	struct obs o;
	obs_new(&o, OBS_PPTP_BAD_REPLY, s->tc.port);
	fmt_into(o.text, sizeof o.text, "%s", text);
	fmt_into(o.evidence, sizeof o.evidence, "%s", evidence);
	engine_observe(e, pi, &o);
}

static void handle_msg(struct engine *e, struct probe_inst *pi, struct pptp_state *s, const uint8_t *p, size_t n)
{
	struct pptp_msg m;
	char why[160] = "", t[400];
	struct obs o;
	if (pptp_parse(p, n, &m, why, sizeof why) != 0) {
		fmt_into(t, sizeof t, "the server's PPTP message does not parse: %s", why);
		bad_reply(e, pi, s, why, t);
		teardown(e, pi, s);
		return;
	}
	if (m.ctrl_type == PPTP_ECHO_RQST) {
		s->other_msgs++;
		if (s->echo_replies >= MAX_ECHO_REPLIES)
			return;
		s->echo_replies++;
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
				fmt_into(t, sizeof t, "the Outgoing-Call-Reply names call %u, not ours (%u)", m.peer_call_id, s->call_id);
				bad_reply(e, pi, s, t, t);
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
	s->other_msgs++;
	fmt_into(t, sizeof t, "PPTP %s (result %u)", pptp_ctrl_name(m.ctrl_type), m.result);
	engine_packet(e, pi, '<', &s->tc.dst, t);
	if (m.ctrl_type == PPTP_CALL_DISCONNECT_NOTIFY)
		s->call_up = false;
	if (m.ctrl_type == PPTP_STOP_CTRL_CONN_RQST && (s->st == P_SCCRP || s->st == P_OCRP)) {
		fmt_into(t, sizeof t, "the server answered with a %s (reason %u)", pptp_ctrl_name(m.ctrl_type), m.reason);
		bad_reply(e, pi, s, "Stop-Control-Connection-Request instead of a reply", t);
		s->st = P_DONE;
	}
}

static const char *awaited(const struct pptp_state *s)
{
	switch (s->st) {
	case P_SCCRP: return "Start-Control-Connection-Reply";
	case P_OCRP: return "Outgoing-Call-Reply";
	case P_GRE: return "GRE test";
	default: return "Stop-Control-Connection-Reply";
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
	o.value = (int64_t)s->rx.bytes_in;
	o.code = reset;
	fmt_into(o.text, sizeof o.text, "%s", awaited(s));
	fmt_into(o.evidence, sizeof o.evidence, "the server %s the control connection while we waited for the %s (%llu bytes received)",
		 reset ? "reset" : "closed", o.text, (unsigned long long)s->rx.bytes_in);
	engine_observe(e, pi, &o);
}

/* Ends the control connection on a hostile stream: recorded, closed, no teardown messages. */
static void abandon(struct engine *e, struct probe_inst *pi, struct pptp_state *s, const char *text, const char *evidence)
{
	if (s->st != P_STOP && s->st != P_DONE)
		bad_reply(e, pi, s, text, evidence);
	tcpconn_close(&s->tc, e);
	if (s->st != P_GRE)
		s->st = P_DONE;
}

static void read_ctrl(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	uint8_t tmp[PPTP_STREAM_CAP];
	char t[320];
	for (int n = 0; n < MAX_READS && s->tc.fd >= 0; n++) {
		size_t room = pptp_stream_room(&s->rx);
		if (room == 0)
			room = 1; /* cannot happen: a message is at most MAX_MSG < the buffer; read to see EOF */
		ssize_t r = net_recv(s->tc.fd, tmp, room < sizeof tmp ? room : sizeof tmp);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (r <= 0) {
			record_closed(e, pi, s, r < 0);
			tcpconn_close(&s->tc, e);
			if (s->st != P_GRE)
				s->st = P_DONE;
			return;
		}
		(void)pptp_stream_feed(&s->rx, tmp, (size_t)r);
		for (;;) {
			const uint8_t *m;
			size_t ml;
			enum pptp_stream_rc fr = pptp_stream_next(&s->rx, &m, &ml);
			if (fr == PPTP_STREAM_NEED)
				break;
			if (fr == PPTP_STREAM_BAD) {
				fmt_into(t, sizeof t, "the server on TCP %u does not speak PPTP: %s", s->tc.port, s->rx.why);
				abandon(e, pi, s, s->rx.why, t);
				return;
			}
			handle_msg(e, pi, s, m, ml);
			if (s->st == P_DONE || s->tc.fd < 0)
				return;
			if (s->other_msgs > MAX_OTHER_MSGS) {
				fmt_into(t, sizeof t, "a flood of control messages: more than %u that are not the %s", MAX_OTHER_MSGS,
					 awaited(s));
				abandon(e, pi, s, "flood of control messages", t);
				return;
			}
		}
	}
}

static bool from_target(const struct net_addr *t, const struct net_addr *f, const struct gre_rx *p)
{
	const uint8_t *a, *b;
	size_t na = net_addr_bytes(t, &a), nb = net_addr_bytes(f, &b);
	if (!na || na != nb || memcmp(a, b, na) != 0)
		return false;
	/* IPv4: the header's source says the same as the socket (it always does on Linux). */
	return !p->has_ip || (na == 4 && memcmp(p->ip_src, a, 4) == 0);
}

static void read_gre(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	const struct net_addr *t = engine_target_addr(e);
	struct gre_rx_ctx ctx = {.our_call_id = s->call_id, .server_call_id = s->peer_call_id, .our_magic = s->magic};
	for (int n = 0; n < MAX_READS; n++) {
		struct net_rx rx;
		net_gre_recv(&s->gre, s->grebuf, sizeof s->grebuf, &rx);
		if (rx.kind != NET_RX_DATA)
			return;
		s->gre_read++;
		if (s->st != P_GRE)
			continue; /* before our first packet or after the test: nothing can be a reply */
		struct gre_rx p;
		char why[120], d[160], tt[240];
		if (gre_rx_parse(s->grebuf, rx.len, net_addr_family(t) == AF_INET, &p, why, sizeof why) != 0)
			continue; /* not PPTP GRE: another tunnel's traffic (or cut: larger than the buffer) */
		enum gre_rx_class c = gre_rx_classify(&p, &ctx, from_target(t, &rx.from, &p));
		if (c == GRE_RX_NOT_PPTP)
			continue;
		gre_rx_describe(&p, d, sizeof d);
		const struct net_addr *src = &rx.from;
		if (c == GRE_RX_REPLY) {
			bool lcp = p.is_lcp || (!p.gre.payload.len && p.gre.has_ack);
			s->gre_lcp_replies += lcp;
			if (s->gre_replies++ == 0 || (lcp && s->gre_lcp_replies == 1)) {
				fmt_into(s->first_gre, sizeof s->first_gre, "%s", d);
				fmt_into(tt, sizeof tt, "GRE from the server on our call %u: %s", s->call_id, d);
				engine_packet(e, pi, '<', src, tt);
			}
			continue;
		}
		if (s->bad[c]++ == 0) {
			char a[NET_ADDRSTRLEN];
			net_addr_str(src, a, sizeof a);
			fmt_into(s->bad_first[c], sizeof s->bad_first[c], "from %s, %s", a, d);
		}
		if (s->bad[c] <= 3) {
			fmt_into(tt, sizeof tt, "GRE ignored (%s): %s", gre_rx_class_name(c), d);
			engine_packet(e, pi, '-', src, tt);
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

static void close_gre(struct engine *e, struct pptp_state *s)
{
	if (s->gre.fd >= 0)
		engine_unwatch(e, s->gre.fd);
	net_gre_close(&s->gre);
}

static void update(struct engine *e, struct probe_inst *pi, struct pptp_state *s)
{
	if (s->st == P_DONE) {
		tcpconn_close(&s->tc, e);
		close_gre(e, s);
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

static int pptp_prepare(struct engine *e, struct probe_inst *pi)
{
	struct pptp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	pi->state = s;
	s->tc.fd = -1;
	net_gre_init(&s->gre);
	net_gre_open(&s->gre, engine_options(e)->family);
	return 0;
}

static int pptp_start(struct engine *e, struct probe_inst *pi)
{
	if (!pi->state && pptp_prepare(e, pi) != 0)
		return -1;
	struct pptp_state *s = pi->state;
	s->tc.fd = -1;
	s->tc.proto = KB_P_PPTP;
	s->tc.what = "PPTP";
	pptp_stream_init(&s->rx, MAX_MSG);
	if (RAND_bytes((uint8_t *)&s->magic, sizeof s->magic) != 1 || !s->magic)
		s->magic = 0x56444941u;
	/* The raw socket of the target's family; the other one goes. */
	if (net_gre_select(&s->gre, net_addr_family(engine_target_addr(e)) == AF_INET ? AF_INET : AF_INET6) >= 0 &&
	    engine_watch(e, pi, s->gre.fd) != 0) {
		close_gre(e, s);
		s->gre.err = EMFILE;
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
	if (fd == s->gre.fd) {
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
	size_t announced = 0, held = pptp_stream_pending(&s->rx, &announced);
	obs_new(&o, OBS_PPTP_NO_REPLY, s->tc.port);
	o.code = (int32_t)(engine_now_ms(e) - s->stage_start);
	o.value = (int64_t)held;
	fmt_into(o.text, sizeof o.text, "%s", what);
	if (held)
		fmt_into(o.evidence, sizeof o.evidence,
			 "no complete reply to the %s on TCP %u within %.1f s: %zu bytes of a message held, its length field says %zu",
			 what, s->tc.port, o.code / 1000.0, held, announced);
	else
		fmt_into(o.evidence, sizeof o.evidence, "no reply to the %s on TCP %u within %.1f s%s", what, s->tc.port,
			 o.code / 1000.0, s->other_msgs ? " (other control messages came)" : "");
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
	record_gre_bad(e, pi, s); /* what came after the result was recorded */
	tcpconn_close(&s->tc, e);
	close_gre(e, s);
	free(s);
	pi->state = NULL;
}

const struct probe_module probe_pptp = {
	.prepare = pptp_prepare,
	.start = pptp_start,
	.on_readable = pptp_on_readable,
	.on_deadline = pptp_on_deadline,
	.finish = pptp_finish,
};
