/* Issue 11: the IKEv2 probe against hostile fake servers on loopback (127.0.0.1 only; forked
 * children, killed by PID, each bounded to 4 s): a 65 KB IKE_SA_INIT reply must still lead to
 * IKE_AUTH; replies that do not parse are "ike-malformed" and never "filtered"; our SPI without
 * the R flag, endless COOKIEs, INVALID_KE loops, IKE_AUTH replies with garbage encryption,
 * fragment floods, junk floods and replies from another port each give a named observation, a
 * bounded number of observations, and never "works". */
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

#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"
#include "wire/ikev2.h"
#include "wire/wbuf.h"

#define TIMEOUT_MS 1500u
#define SLACK_MS 500u
#define BIG 64000 /* an IKE_SA_INIT reply of 64 KB: over the old 8,192-byte buffer */

static struct obs_result R;
static struct diagnosis D;

enum mode {
	H_BIG,          /* accept with a 64 KB VID, ignore IKE_AUTH */
	H_LYING,        /* a reply whose header Length lies */
	H_ZERO,         /* a reply with a zero-length payload (length field 0) */
	H_NOT_RESPONSE, /* our SPI, a full acceptance, R flag clear */
	H_COOKIE_LOOP,  /* a new COOKIE on every request */
	H_KE_LOOP,      /* INVALID_KE_PAYLOAD asking for the other group every time */
	H_AUTH_GARBAGE, /* accept; IKE_AUTH answered with an SK payload of random bytes */
	H_FRAG_FLOOD,   /* accept; IKE_AUTH answered with 300 SKF fragments of garbage */
	H_JUNK_FLOOD,   /* 600 junk datagrams per request */
	H_OTHER_PORT,   /* a valid acceptance, sent from another port */
	H_EMPTY_NONCE,  /* an acceptance with a zero-length nonce */
};


/* Payloads of an IKE_SA_INIT reply: SA (3DES/SHA1/MODP1024), KE, Nr[, V]. */
static size_t accept_reply(uint8_t *out, size_t cap, uint64_t spi_i, uint64_t spi_r, uint8_t flags, size_t nonce_len,
			   size_t vid_len)
{
	static const uint8_t t[][2] = {{IKE2_T_ENCR, IKE2_ENCR_3DES}, {IKE2_T_INTEG, IKE2_AUTH_HMAC_SHA1_96},
				       {IKE2_T_PRF, IKE2_PRF_HMAC_SHA1}, {IKE2_T_DH, IKE2_DH_MODP1024}};
	struct wbuf w;
	wbuf_init(&w, out, cap);
	wbuf_u64(&w, spi_i);
	wbuf_u64(&w, spi_r);
	wbuf_u8(&w, IKE2_PL_SA);
	wbuf_u8(&w, 0x20);
	wbuf_u8(&w, IKE2_SA_INIT);
	wbuf_u8(&w, flags);
	wbuf_u32(&w, 0);
	wbuf_u32(&w, 0);
	/* SA */
	wbuf_u8(&w, IKE2_PL_KE);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 4 + 8 + 4 * 8);
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 8 + 4 * 8);
	wbuf_u8(&w, 1);
	wbuf_u8(&w, 1);
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 4);
	for (int i = 0; i < 4; i++) {
		wbuf_u8(&w, i < 3 ? 3 : 0);
		wbuf_u8(&w, 0);
		wbuf_u16(&w, 8);
		wbuf_u8(&w, t[i][0]);
		wbuf_u8(&w, 0);
		wbuf_u16(&w, t[i][1]);
	}
	/* KE: MODP1024, 128 bytes (a value inside 2..p-2) */
	wbuf_u8(&w, IKE2_PL_NONCE);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 4 + 4 + 128);
	wbuf_u16(&w, IKE2_DH_MODP1024);
	wbuf_u16(&w, 0);
	for (int i = 0; i < 128; i++)
		wbuf_u8(&w, 0x5a);
	/* Nr */
	wbuf_u8(&w, vid_len ? IKE2_PL_VID : 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)(4 + nonce_len));
	for (size_t i = 0; i < nonce_len; i++)
		wbuf_u8(&w, 0xa5);
	if (vid_len) {
		wbuf_u8(&w, 0);
		wbuf_u8(&w, 0);
		wbuf_u16(&w, (uint16_t)(4 + vid_len));
		wbuf_zero(&w, vid_len);
	}
	wbuf_put_u32_at(&w, 24, (uint32_t)w.len);
	return w.err ? 0 : w.len;
}

static size_t notify_reply(uint8_t *out, size_t cap, uint64_t spi_i, uint16_t type, const uint8_t *data, size_t len)
{
	struct wbuf w;
	wbuf_init(&w, out, cap);
	wbuf_u64(&w, spi_i);
	wbuf_u64(&w, 0);
	wbuf_u8(&w, IKE2_PL_NOTIFY);
	wbuf_u8(&w, 0x20);
	wbuf_u8(&w, IKE2_SA_INIT);
	wbuf_u8(&w, IKE2_F_RESPONSE);
	wbuf_u32(&w, 0);
	wbuf_u32(&w, (uint32_t)(28 + 8 + len));
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)(8 + len));
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, type);
	wbuf_bytes(&w, data, len);
	return w.err ? 0 : w.len;
}

/* An IKE_AUTH response (message 1) with an SK (num == 0) or SKF payload of pseudo-random bytes. */
static size_t garbage_auth(uint8_t *out, size_t cap, const struct ike2_msg *req, uint16_t num, uint16_t total)
{
	struct wbuf w;
	wbuf_init(&w, out, cap);
	size_t body = 96;
	wbuf_u64(&w, req->hdr.spi_i);
	wbuf_u64(&w, req->hdr.spi_r);
	wbuf_u8(&w, num ? IKE2_PL_SKF : IKE2_PL_SK);
	wbuf_u8(&w, 0x20);
	wbuf_u8(&w, IKE2_AUTH);
	wbuf_u8(&w, IKE2_F_RESPONSE);
	wbuf_u32(&w, 1);
	wbuf_u32(&w, (uint32_t)(28 + 4 + (num ? 4 : 0) + body));
	wbuf_u8(&w, num <= 1 ? IKE2_PL_IDR : 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)(4 + (num ? 4 : 0) + body));
	if (num) {
		wbuf_u16(&w, num);
		wbuf_u16(&w, total);
	}
	for (size_t i = 0; i < body; i++)
		wbuf_u8(&w, (uint8_t)(i * 37 + num));
	return w.err ? 0 : w.len;
}

/* The child: answers on fd (UDP "500") and fd2 ("4500", behind the non-ESP marker) for at most
 * 4 s; other is a third socket on another port (H_OTHER_PORT). */
static void responder(enum mode m, int fd, int fd2, int other)
{
	static uint8_t buf[65536], out[65536];
	struct pollfd pf[2] = {{fd, POLLIN, 0}, {fd2, POLLIN, 0}};
	struct ike2_msg *msg = calloc(1, sizeof *msg);
	time_t end = time(NULL) + 4;
	unsigned cookie_no = 0;
	while (msg && time(NULL) < end) {
		if (poll(pf, 2, 200) <= 0)
			continue;
		for (int k = 0; k < 2; k++) {
			if (!(pf[k].revents & POLLIN))
				continue;
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(pf[k].fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
			if (n <= 0)
				continue;
			size_t off = k == 1 ? 4 : 0, len = 0;
			memset(out, 0, 4);
			if (m == H_JUNK_FLOOD) {
				memset(out + off, 0xAA, 64);
				for (int i = 0; i < 600; i++)
					sendto(pf[k].fd, out, 64 + off, 0, (struct sockaddr *)&from, fl);
				continue;
			}
			char err[100];
			if ((size_t)n < off || ike2_parse(buf + off, (size_t)n - off, msg, err, sizeof err) != 0)
				continue;
			uint64_t spi_r = 0x1122334455667788ULL;
			uint8_t *o = out + off;
			size_t cap = sizeof out - off;
			if (msg->hdr.exchange == IKE2_AUTH) {
				if (m == H_AUTH_GARBAGE) {
					len = garbage_auth(o, cap, msg, 0, 0);
				} else if (m == H_FRAG_FLOOD) {
					for (uint16_t i = 1; i <= 300; i++) {
						len = garbage_auth(o, cap, msg, (uint16_t)(i % 70 + 1), 64);
						sendto(pf[k].fd, out, len + off, 0, (struct sockaddr *)&from, fl);
					}
					continue;
				}
			} else if (msg->hdr.exchange != IKE2_SA_INIT) {
				continue;
			} else if (m == H_BIG) {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_RESPONSE, 32, BIG);
			} else if (m == H_LYING) {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_RESPONSE, 32, 0);
				wbuf_put_u32_at(&(struct wbuf){o, cap, len, false}, 24, (uint32_t)len + 1000);
			} else if (m == H_ZERO) {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_RESPONSE, 32, 0);
				o[30] = o[31] = 0; /* the SA payload's length field */
			} else if (m == H_NOT_RESPONSE) {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_INITIATOR, 32, 0);
			} else if (m == H_COOKIE_LOOP) {
				uint8_t c[16];
				memset(c, (int)++cookie_no, sizeof c);
				len = notify_reply(o, cap, msg->hdr.spi_i, IKE2_N_COOKIE, c, sizeof c);
			} else if (m == H_KE_LOOP) {
				uint8_t g[2] = {0, msg->has_ke && msg->ke_group == IKE2_DH_MODP2048 ? IKE2_DH_MODP1024 : IKE2_DH_MODP2048};
				len = notify_reply(o, cap, msg->hdr.spi_i, IKE2_N_INVALID_KE_PAYLOAD, g, 2);
			} else if (m == H_EMPTY_NONCE) {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_RESPONSE, 0, 0);
			} else {
				len = accept_reply(o, cap, msg->hdr.spi_i, spi_r, IKE2_F_RESPONSE, 32, 0);
			}
			if (!len)
				continue;
			int sfd = m == H_OTHER_PORT ? other : pf[k].fd;
			sendto(sfd, out, len + off, 0, (struct sockaddr *)&from, fl);
		}
	}
	free(msg);
	_exit(0);
}

static void run_against(enum mode m)
{
	uint16_t p1, p2, p3;
	int fd = th_bind_udp(AF_INET, &p1), fd2 = th_bind_udp(AF_INET, &p2), fd3 = th_bind_udp(AF_INET, &p3);
	assert_true(fd >= 0 && fd2 >= 0 && fd3 >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		responder(m, fd, fd2, fd3);
	close(fd);
	close(fd2);
	close(fd3);
	obs_result_free(&R);
	struct engine_opts o;
	memset(&o, 0, sizeof o);
	o.host = "127.0.0.1";
	o.family = AF_INET;
	o.protocols = KB_P_IKEV2;
	o.timeout_ms = TIMEOUT_MS;
	o.port_override[0][0] = p1;
	o.port_override[0][1] = p2;
	char err[200];
	int rc = engine_run(&o, &R, err, sizeof err);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_int_equal(rc, 0);
	assert_true(R.elapsed_ms <= TIMEOUT_MS + SLACK_MS);
	rules_evaluate(&R, &D);
	assert_int_not_equal(D.p[0].verdict, VERDICT_WORKS);
	assert_int_equal(D.recommended, -1);
}

static const struct obs *find(enum obs_kind k, int natt)
{
	for (size_t i = 0; i < R.nobs; i++)
		if (R.obs[i].kind == k && (natt < 0 || R.obs[i].natt == (natt != 0)))
			return &R.obs[i];
	return NULL;
}

static size_t count(enum obs_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < R.nobs; i++)
		n += R.obs[i].kind == k;
	return n;
}

static const struct obs *find_text(enum obs_kind k, const char *sub)
{
	for (size_t i = 0; i < R.nobs; i++)
		if (R.obs[i].kind == k && strstr(R.obs[i].text, sub))
			return &R.obs[i];
	return NULL;
}

static bool has_cause(const char *cause)
{
	for (size_t i = 0; i < D.nf; i++)
		if (strcmp(D.f[i].cause, cause) == 0)
			return true;
	return false;
}

/* Before issue 11 a reply over 8,192 bytes was accepted, then IKE_AUTH was silently skipped. */
static void big_init_reply_goes_on_to_auth(void **state)
{
	(void)state;
	run_against(H_BIG);
	const struct obs *a = find(OBS_IKE_ACCEPTED, 0);
	assert_non_null(a);
	assert_non_null(find(OBS_IKE_AUTH_NO_ANSWER, -1)); /* IKE_AUTH was sent (the fake never answers it) */
	assert_null(find(OBS_UDP_TRUNCATED, -1));
	assert_true(has_cause("ike-auth-no-answer"));
}

static void lying_length_is_malformed_not_filtered(void **state)
{
	(void)state;
	run_against(H_LYING);
	const struct obs *o = find(OBS_IKE_MALFORMED, 0);
	assert_non_null(o);
	assert_non_null(strstr(o->text, "Length"));
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	assert_false(has_cause("udp500-filtered"));
	assert_false(has_cause("udp4500-filtered"));
	assert_true(has_cause("ike-malformed-reply"));
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
	assert_null(strstr(D.p[0].summary, "filtered"));
}

static void zero_length_payload_is_malformed(void **state)
{
	(void)state;
	run_against(H_ZERO);
	const struct obs *o = find(OBS_IKE_MALFORMED, 0);
	assert_non_null(o);
	assert_non_null(strstr(o->text, "less than its 4-byte header"));
	assert_false(has_cause("udp500-filtered"));
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
}

static void empty_nonce_is_malformed(void **state)
{
	(void)state;
	run_against(H_EMPTY_NONCE);
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	assert_non_null(find_text(OBS_IKE_MALFORMED, "16 to 256"));
	assert_false(has_cause("udp500-filtered"));
}

static void our_spi_without_r_flag_is_ignored(void **state)
{
	(void)state;
	run_against(H_NOT_RESPONSE);
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	assert_non_null(find_text(OBS_IKE_IGNORED, "R flag"));
}

static void endless_cookies_are_bounded(void **state)
{
	(void)state;
	run_against(H_COOKIE_LOOP);
	assert_non_null(find(OBS_IKE_COOKIE, 0));
	assert_non_null(find_text(OBS_IKE_IGNORED, "endless COOKIE"));
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	assert_true(count(OBS_IKE_COOKIE) <= 2); /* once per exchange (500 and 4500) */
}

static void invalid_ke_loop_is_bounded(void **state)
{
	(void)state;
	run_against(H_KE_LOOP);
	const struct obs *o = find(OBS_IKE_INVALID_KE, 0);
	assert_non_null(o);
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	/* per exchange (proposal set and port) at most MAX_KE_ROUNDS (2) retries + the final refusal */
	for (size_t i = 0; i < R.nobs; i++) {
		if (R.obs[i].kind != OBS_IKE_INVALID_KE)
			continue;
		size_t same = 0;
		for (size_t k = 0; k < R.nobs; k++)
			same += R.obs[k].kind == OBS_IKE_INVALID_KE && R.obs[k].natt == R.obs[i].natt &&
				strcmp(R.obs[k].set, R.obs[i].set) == 0;
		assert_true(same <= 3);
	}
}

static void garbage_encryption_is_ignored(void **state)
{
	(void)state;
	run_against(H_AUTH_GARBAGE);
	assert_non_null(find(OBS_IKE_ACCEPTED, 0));
	assert_non_null(find_text(OBS_IKE_IGNORED, "does not open"));
	assert_null(find(OBS_IKE_AUTH_REPLY, -1));
	assert_non_null(find(OBS_IKE_AUTH_NO_ANSWER, -1));
}

static void fragment_flood_is_bounded(void **state)
{
	(void)state;
	run_against(H_FRAG_FLOOD);
	assert_non_null(find(OBS_IKE_ACCEPTED, 0));
	assert_null(find(OBS_IKE_AUTH_REPLY, -1));
	assert_true(count(OBS_IKE_IGNORED) <= 8 * 5); /* at most 8 per exchange */
}

static void junk_flood_is_bounded(void **state)
{
	(void)state;
	run_against(H_JUNK_FLOOD);
	assert_non_null(find(OBS_IKE_MALFORMED, 0));
	assert_non_null(find(OBS_IKE_MALFORMED, 1));
	assert_true(count(OBS_IKE_MALFORMED) <= 2 * 8);
	assert_false(has_cause("udp500-filtered"));
	assert_int_equal(D.p[0].verdict, VERDICT_UNKNOWN);
}

static void reply_from_another_port_never_counts(void **state)
{
	(void)state;
	run_against(H_OTHER_PORT);
	assert_null(find(OBS_IKE_ACCEPTED, -1));
	assert_non_null(find(OBS_UDP_NO_ANSWER, 0));
}

static int teardown(void **state)
{
	(void)state;
	obs_result_free(&R);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(big_init_reply_goes_on_to_auth, teardown),
		cmocka_unit_test_teardown(lying_length_is_malformed_not_filtered, teardown),
		cmocka_unit_test_teardown(zero_length_payload_is_malformed, teardown),
		cmocka_unit_test_teardown(empty_nonce_is_malformed, teardown),
		cmocka_unit_test_teardown(our_spi_without_r_flag_is_ignored, teardown),
		cmocka_unit_test_teardown(endless_cookies_are_bounded, teardown),
		cmocka_unit_test_teardown(invalid_ke_loop_is_bounded, teardown),
		cmocka_unit_test_teardown(garbage_encryption_is_ignored, teardown),
		cmocka_unit_test_teardown(fragment_flood_is_bounded, teardown),
		cmocka_unit_test_teardown(junk_flood_is_bounded, teardown),
		cmocka_unit_test_teardown(reply_from_another_port_never_counts, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
