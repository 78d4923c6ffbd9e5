/* The L2TP/IPsec probe (src/probes/l2tp.c) against hostile IKEv1 responders on loopback only
 * (127.0.0.1): a forked child plays a responder from RFC 2409 (Main Mode with a pre-shared key:
 * MM2, MM4 and a real MM6 built with crypto/ike1_keys), healthy once (the run must be "works",
 * so the harness can tell) and then misbehaving: lying lengths, a zero-length payload, our cookie
 * with the wrong exchange type, a zero responder cookie, a reply from another source port, a
 * stall after MM4, an MM6 of garbage, an encrypted Informational that does not decrypt, a flood
 * of junk, MM2 retransmitted endlessly. Each must leave a named observation and never "works".
 * No packet leaves the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#include "crypto/ike1_keys.h"
#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"
#include "wire/ikev1.h"
#include "wire/wbuf.h"

#define TIMEOUT_MS 2500u
#define SLACK_MS 600u
#define L2TP_IDX 1 /* kb_protocol_names: ikev2, l2tp, sstp, pptp */

static const char PSK[] = "hostile-lab-key";

enum mode {
	M_HEALTHY,
	M_LYING_LENGTH,  /* MM2 whose header Length is larger than the datagram */
	M_ZERO_PAYLOAD,  /* MM2 with a zero-length SA payload */
	M_WRONG_EXCHANGE,/* our cookie, exchange type Aggressive */
	M_ZERO_CKY_R,    /* MM2 with CKY-R 0 */
	M_SPOOFED,       /* MM2 from another source port */
	M_STALL_MM4,     /* MM2, MM4, then nothing */
	M_GARBAGE_MM6,   /* MM6 of random bytes */
	M_BAD_INFO,      /* an encrypted Informational that does not decrypt, after MM5 */
	M_FLOOD,         /* 400 junk datagrams in answer to MM1 */
	M_MM2_LOOP,      /* MM2 again and again, never MM4 */
};

static struct obs_result R;


/* ---- the responder (child process) ---- */

struct resp {
	enum mode mode;
	int fd, spoof_fd;
	uint8_t cky_i[8], cky_r[8];
	uint8_t sai[1024];
	size_t sai_len;
	struct ike1_dh dh;
	struct ike1_keys k;
	bool have_keys;
	struct sockaddr_storage peer;
	socklen_t peer_len;
};

static void send_to(struct resp *r, int fd, const uint8_t *b, size_t n)
{
	(void)sendto(fd, b, n, 0, (struct sockaddr *)&r->peer, r->peer_len);
}

static void header(struct ike1_header *h, const struct resp *r, uint8_t ex, const uint8_t *cky_r)
{
	memset(h, 0, sizeof *h);
	memcpy(h->cky_i, r->cky_i, 8);
	memcpy(h->cky_r, cky_r, 8);
	h->version = IKE1_VERSION;
	h->exchange = ex;
}

static size_t build_mm2(struct resp *r, uint8_t *out, size_t cap, uint8_t ex, const uint8_t *cky_r)
{
	struct ike1_header h;
	struct ike1_writer iw;
	struct wbuf w;
	wbuf_init(&w, out, cap);
	header(&h, r, ex, cky_r);
	ike1_w_begin(&iw, &w, &h);
	ike1_w_sa(&iw, &ike1_windows_mm1_transforms[0], 1); /* AES-256/SHA1/ECP-384/PSK */
	int n = ike1_w_end(&iw);
	return n > 0 ? (size_t)n : 0;
}

static void on_mm1(struct resp *r, const struct ike1_msg *m)
{
	uint8_t out[2048];
	size_t n;
	static const uint8_t zero[8];
	memcpy(r->cky_i, m->hdr.cky_i, 8);
	for (int i = 0; i < 8; i++)
		r->cky_r[i] = (uint8_t)(0xa0 + i);
	r->sai_len = m->sa.body.len < sizeof r->sai ? m->sa.body.len : 0;
	memcpy(r->sai, m->sa.body.p, r->sai_len);
	switch (r->mode) {
	case M_LYING_LENGTH:
		n = build_mm2(r, out, sizeof out, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
		out[26] = 0x40; /* Length 0x4000+, far more than sent */
		send_to(r, r->fd, out, n);
		return;
	case M_ZERO_PAYLOAD: {
		struct ike1_header h;
		struct ike1_writer iw;
		struct wbuf w;
		wbuf_init(&w, out, sizeof out);
		header(&h, r, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
		ike1_w_begin(&iw, &w, &h);
		ike1_w_payload(&iw, IKE1_PL_SA, NULL, 0);
		int k = ike1_w_end(&iw);
		if (k > 0)
			send_to(r, r->fd, out, (size_t)k);
		return;
	}
	case M_WRONG_EXCHANGE:
		n = build_mm2(r, out, sizeof out, IKE1_EX_AGGRESSIVE, r->cky_r);
		send_to(r, r->fd, out, n);
		return;
	case M_ZERO_CKY_R:
		n = build_mm2(r, out, sizeof out, IKE1_EX_IDENTITY_PROTECTION, zero);
		send_to(r, r->fd, out, n);
		return;
	case M_SPOOFED:
		n = build_mm2(r, out, sizeof out, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
		send_to(r, r->spoof_fd, out, n);
		return;
	case M_FLOOD:
		for (int i = 0; i < 400; i++) {
			memset(out, i & 0xff, 40);
			send_to(r, r->fd, out, 5 + (size_t)(i % 35));
		}
		return;
	default:
		n = build_mm2(r, out, sizeof out, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
		send_to(r, r->fd, out, n);
		return;
	}
}

static void on_mm3(struct resp *r, const struct ike1_msg *m)
{
	uint8_t out[2048], nr[32], gxy[IKE1_DH_MAX];
	size_t gl = 0;
	char err[160];
	if (r->mode == M_MM2_LOOP) {
		for (int i = 0; i < 60; i++) {
			size_t n = build_mm2(r, out, sizeof out, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
			send_to(r, r->fd, out, n);
			nanosleep(&(struct timespec){0, 20000000L}, NULL);
		}
		return;
	}
	if (r->have_keys)
		return;
	memset(nr, 0x4e, sizeof nr);
	if (ike1_dh_generate(&r->dh, IKE1_GROUP_ECP_384, err, sizeof err) != 0 ||
	    ike1_dh_shared(&r->dh, m->ke.p, m->ke.len, gxy, sizeof gxy, &gl, err, sizeof err) != 0)
		return;
	struct ike1_keys_in in = {.hash = IKE1_HASH_SHA1, .enc = IKE1_ENC_AES_CBC, .key_bits = 256,
				  .psk = (const uint8_t *)PSK, .psk_len = strlen(PSK), .ni = m->nonce.p,
				  .ni_len = m->nonce.len, .nr = nr, .nr_len = sizeof nr, .gxy = gxy, .gxy_len = gl,
				  .gxi = m->ke.p, .gxi_len = m->ke.len, .gxr = r->dh.pub, .gxr_len = r->dh.pub_len,
				  .cky_i = r->cky_i, .cky_r = r->cky_r};
	if (ike1_keys_derive_psk(&r->k, &in, err, sizeof err) != 0)
		return;
	r->have_keys = true;
	struct ike1_header h;
	struct ike1_writer iw;
	struct wbuf w;
	wbuf_init(&w, out, sizeof out);
	header(&h, r, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
	ike1_w_begin(&iw, &w, &h);
	ike1_w_payload(&iw, IKE1_PL_KE, r->dh.pub, r->dh.pub_len);
	ike1_w_payload(&iw, IKE1_PL_NONCE, nr, sizeof nr);
	int n = ike1_w_end(&iw);
	if (n > 0)
		send_to(r, r->fd, out, (size_t)n);
}

static void on_mm5(struct resp *r, const struct ike1_msg *m)
{
	uint8_t out[2048], plain[1024], idb[16], hr[64], pt[256];
	size_t hn = 0, len = m->ciphertext.len;
	if (!r->have_keys || r->mode == M_STALL_MM4 || len == 0 || len > sizeof plain || len % 16)
		return;
	uint8_t last[16];
	memcpy(last, m->ciphertext.p + len - 16, 16); /* MM6's IV: the last block of MM5 */
	struct wbuf w;
	if (r->mode == M_GARBAGE_MM6 || r->mode == M_BAD_INFO) {
		struct ike1_header h;
		header(&h, r, r->mode == M_BAD_INFO ? IKE1_EX_INFORMATIONAL : IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
		h.flags = IKE1_F_ENCRYPTION;
		h.next_payload = r->mode == M_BAD_INFO ? IKE1_PL_HASH : IKE1_PL_ID;
		h.msg_id = r->mode == M_BAD_INFO ? 0x0badf00d : 0;
		wbuf_init(&w, out, sizeof out);
		wbuf_bytes(&w, h.cky_i, 8);
		wbuf_bytes(&w, h.cky_r, 8);
		wbuf_u8(&w, h.next_payload);
		wbuf_u8(&w, IKE1_VERSION);
		wbuf_u8(&w, h.exchange);
		wbuf_u8(&w, h.flags);
		wbuf_u32(&w, h.msg_id);
		wbuf_u32(&w, 28 + 64);
		for (int i = 0; i < 64; i++)
			wbuf_u8(&w, (uint8_t)(i * 73 + 5));
		send_to(r, r->fd, out, w.len);
		return;
	}
	/* the real MM6: IDir (ID_IPV4_ADDR 127.0.0.1, UDP 500), HASH_R */
	const uint8_t ip[4] = {127, 0, 0, 1};
	wbuf_init(&w, idb, sizeof idb);
	ike1_build_id_body(&w, IKE1_ID_IPV4_ADDR, 17, 500, ip, 4);
	if (ike1_keys_hash_r(&r->k, r->sai, r->sai_len, idb, w.len, hr, &hn) != 0)
		return;
	struct ike1_writer iw;
	struct wbuf pw;
	uint8_t first;
	wbuf_init(&pw, pt, sizeof pt);
	ike1_w_begin_chain(&iw, &pw);
	ike1_w_payload(&iw, IKE1_PL_ID, idb, w.len);
	ike1_w_payload(&iw, IKE1_PL_HASH, hr, hn);
	if (ike1_w_end_chain(&iw, &first) < 0)
		return;
	struct ike1_header h;
	header(&h, r, IKE1_EX_IDENTITY_PROTECTION, r->cky_r);
	struct ike1_cbc cb = {.k = &r->k};
	memcpy(cb.iv, last, 16);
	struct wbuf ow;
	wbuf_init(&ow, out, sizeof out);
	int n = ike1_build_encrypted(&ow, &h, first, pt, pw.len, 16, ike1_cbc_encrypt_cb, &cb);
	if (n > 0)
		send_to(r, r->fd, out, (size_t)n);
}

static void responder(enum mode mode, int fd, int spoof_fd)
{
	static struct resp r;
	static struct ike1_msg m;
	uint8_t buf[4096];
	char err[160];
	memset(&r, 0, sizeof r);
	r.mode = mode;
	r.fd = fd;
	r.spoof_fd = spoof_fd;
	struct pollfd pf = {fd, POLLIN, 0};
	time_t end = time(NULL) + 5;
	while (time(NULL) < end) {
		if (poll(&pf, 1, 100) <= 0)
			continue;
		r.peer_len = sizeof r.peer;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&r.peer, &r.peer_len);
		if (n <= 0 || ike1_parse(buf, (size_t)n, &m, err, sizeof err) != 0)
			continue;
		if (m.hdr.exchange != IKE1_EX_IDENTITY_PROTECTION)
			continue; /* our Aggressive Mode probe, the Delete: not answered */
		if (m.encrypted)
			on_mm5(&r, &m);
		else if (m.has_ke)
			on_mm3(&r, &m);
		else if (m.has_sa)
			on_mm1(&r, &m);
	}
}

/* ---- the probe run ---- */

static void run_mode(enum mode mode)
{
	uint16_t p500, p4500, p1701, pspoof;
	int fd = th_bind_udp(AF_INET, &p500), f4500 = th_bind_udp(AF_INET, &p4500), f1701 = th_bind_udp(AF_INET, &p1701), fspoof = th_bind_udp(AF_INET, &pspoof);
	assert_true(fd >= 0 && f4500 >= 0 && f1701 >= 0 && fspoof >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		responder(mode, fd, fspoof);
		_exit(0);
	}
	obs_result_free(&R);
	struct engine_opts o;
	memset(&o, 0, sizeof o);
	o.host = "127.0.0.1";
	o.family = AF_INET;
	o.protocols = KB_P_L2TP;
	o.timeout_ms = TIMEOUT_MS;
	o.psk = (const uint8_t *)PSK;
	o.psk_len = strlen(PSK);
	o.port_override[L2TP_IDX][0] = p500;
	o.port_override[L2TP_IDX][1] = p4500;
	o.port_override[L2TP_IDX][2] = p1701;
	char err[200];
	int rc = engine_run(&o, &R, err, sizeof err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	close(f4500);
	close(f1701);
	close(fspoof);
	assert_int_equal(rc, 0);
	assert_true(R.elapsed_ms <= TIMEOUT_MS + SLACK_MS);
}

static size_t count(enum obs_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < R.nobs; i++)
		n += R.obs[i].kind == k && R.obs[i].proto == KB_P_L2TP;
	return n;
}

static const struct obs *first(enum obs_kind k)
{
	for (size_t i = 0; i < R.nobs; i++)
		if (R.obs[i].kind == k && R.obs[i].proto == KB_P_L2TP)
			return &R.obs[i];
	return NULL;
}

/* first(k), which must exist (the test fails otherwise) */
static const struct obs *need(enum obs_kind k)
{
	const struct obs *o = first(k);
	if (!o) {
		fail_msg("no %s observation", obs_kind_name(k));
		abort();
	}
	return o;
}

static enum verdict verdict(void)
{
	static struct diagnosis d;
	memset(&d, 0, sizeof d);
	rules_evaluate(&R, &d);
	return d.p[L2TP_IDX].verdict;
}

/* the harness can produce "works", so "never works" below means something */
static void test_healthy_works(void **state)
{
	(void)state;
	run_mode(M_HEALTHY);
	const struct obs *m = need(OBS_L2TP_PSK_MATCH);
	assert_int_equal(m->value, 1);
	assert_int_equal(verdict(), VERDICT_WORKS);
	assert_int_equal(count(OBS_L2TP_MALFORMED), 0);
}

static void expect_malformed(enum mode mode, const char *reason)
{
	run_mode(mode);
	const struct obs *o = need(OBS_L2TP_MALFORMED);
	assert_non_null(strstr(o->text, reason));
	assert_int_equal(o->code, 1); /* after MM1 */
	assert_int_equal(count(OBS_L2TP_MM_ACCEPTED), 0);
	for (size_t i = 0; i < R.nobs; i++) /* never "no answer" on the port that sent junk */
		assert_false(R.obs[i].kind == OBS_UDP_NO_ANSWER && R.obs[i].port == o->port && !R.obs[i].natt);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
	assert_int_not_equal(verdict(), VERDICT_FAILS);
}

static void test_lying_length(void **state)
{
	(void)state;
	expect_malformed(M_LYING_LENGTH, "exceeds the");
}

static void test_zero_length_payload(void **state)
{
	(void)state;
	expect_malformed(M_ZERO_PAYLOAD, "SA truncated");
}

static void expect_ignored(enum mode mode, enum ike1_reply_status code)
{
	run_mode(mode);
	const struct obs *o = need(OBS_L2TP_IGNORED);
	assert_int_equal(o->code, code);
	assert_int_equal(count(OBS_L2TP_MM_ACCEPTED), 0);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

static void test_wrong_exchange(void **state)
{
	(void)state;
	expect_ignored(M_WRONG_EXCHANGE, IKE1_REPLY_WRONG_EXCHANGE);
	assert_int_equal(verdict(), VERDICT_UNKNOWN);
}

static void test_zero_cky_r(void **state)
{
	(void)state;
	expect_ignored(M_ZERO_CKY_R, IKE1_REPLY_ZERO_CKY_R);
}

/* From another source port: the connected socket never delivers it (the probe's own source
 * check is the second line); it must not count as MM2. */
static void test_spoofed_source(void **state)
{
	(void)state;
	run_mode(M_SPOOFED);
	assert_int_equal(count(OBS_L2TP_MM_ACCEPTED), 0);
	assert_non_null(first(OBS_UDP_NO_ANSWER));
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

static void test_stall_after_mm4(void **state)
{
	(void)state;
	run_mode(M_STALL_MM4);
	assert_non_null(first(OBS_L2TP_MM4));
	const struct obs *o = need(OBS_L2TP_NO_ANSWER);
	assert_int_equal(o->code, 5);
	assert_int_equal(count(OBS_L2TP_PSK_MATCH), 0);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

static void test_garbage_mm6(void **state)
{
	(void)state;
	run_mode(M_GARBAGE_MM6);
	const struct obs *o = need(OBS_L2TP_PSK_MISMATCH);
	assert_int_equal(o->value, 2);
	assert_int_equal(count(OBS_L2TP_PSK_MATCH), 0);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

static void test_info_does_not_decrypt(void **state)
{
	(void)state;
	run_mode(M_BAD_INFO);
	const struct obs *o = need(OBS_L2TP_PSK_MISMATCH);
	assert_int_equal(o->value, 3);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

static void test_flood(void **state)
{
	(void)state;
	run_mode(M_FLOOD);
	size_t n = count(OBS_L2TP_MALFORMED);
	assert_true(n >= 2 && n <= 4 + 1 + 1); /* 4 noted, a total for the main exchange (and the NAT-T one) */
	bool total = false;
	for (size_t i = 0; i < R.nobs; i++)
		if (R.obs[i].kind == OBS_L2TP_MALFORMED && strstr(R.obs[i].text, "a flood"))
			total = R.obs[i].value > 4;
	assert_true(total);
	assert_int_equal(count(OBS_BUDGET_EXHAUSTED), 0);
	assert_int_equal(verdict(), VERDICT_UNKNOWN);
}

static void test_mm2_retransmitted_forever(void **state)
{
	(void)state;
	run_mode(M_MM2_LOOP);
	assert_non_null(first(OBS_L2TP_MM_ACCEPTED));
	const struct obs *o = need(OBS_L2TP_IGNORED);
	assert_int_equal(o->code, IKE1_REPLY_RETRANSMIT);
	assert_true(count(OBS_L2TP_IGNORED) <= 4 + 1);
	assert_int_equal(count(OBS_L2TP_MM4), 0);
	assert_int_not_equal(verdict(), VERDICT_WORKS);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_works),     cmocka_unit_test(test_lying_length),
		cmocka_unit_test(test_zero_length_payload), cmocka_unit_test(test_wrong_exchange),
		cmocka_unit_test(test_zero_cky_r),        cmocka_unit_test(test_spoofed_source),
		cmocka_unit_test(test_stall_after_mm4),   cmocka_unit_test(test_garbage_mm6),
		cmocka_unit_test(test_info_does_not_decrypt), cmocka_unit_test(test_flood),
		cmocka_unit_test(test_mm2_retransmitted_forever),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	obs_result_free(&R);
	return rc;
}
