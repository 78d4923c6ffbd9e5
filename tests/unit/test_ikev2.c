/* IKEv2 codec: build -> parse round trips of the Windows profile, truncation and bit-flip
 * robustness, captured strongSwan 5.9.8 responses as known answers, NAT-D vectors (facts sheet
 * 6.2), name tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/ike2_keys.h"
#include "profile/profile.h"
#include "wire/ikev2.h"

#ifndef VPNDIAG_SRCDIR
#define VPNDIAG_SRCDIR "."
#endif
#define VECTORS VPNDIAG_SRCDIR "/tests/unit/vectors/ikev2/"

static const uint64_t SPI = 0x0123456789abcdefULL;

static size_t read_vector(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", VECTORS, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Builds IKE_SA_INIT for one set of the built-in Windows profile with fixed KE and nonce. */
static size_t build_set(const struct profile *p, const struct profile_set *s, uint8_t *buf, size_t cap,
			const uint8_t *cookie, size_t cookie_len)
{
	static uint8_t ke[512], nonce[256];
	uint8_t src[20], dst[20];
	const uint8_t a_src[4] = {198, 18, 0, 1}, a_dst[4] = {198, 18, 0, 2};
	struct ike2_blob vids[PROFILE_MAX_VIDS];
	size_t kelen = s->ke_group == 2 ? 128 : s->ke_group == 14 ? 256 : s->ke_group == 19 ? 64 : 96;
	memset(ke, 0x11, sizeof ke);
	memset(nonce, 0x22, sizeof nonce);
	ike2_natd_hash(SPI, 0, a_src, 4, 500, src);
	ike2_natd_hash(SPI, 0, a_dst, 4, 500, dst);
	struct ike2_sa_init in = {
		.spi_i = SPI, .proposals = s->proposals, .nproposals = s->nproposals, .ke_group = s->ke_group,
		.ke_data = ke, .ke_len = kelen, .nonce = nonce, .nonce_len = p->nonce_len,
		.cookie = cookie, .cookie_len = cookie_len,
		.natd_src = p->natd ? src : NULL, .natd_dst = p->natd ? dst : NULL,
		.frag_supported = p->frag_supported,
		.vids = vids, .nvids = profile_vid_blobs(p, vids, PROFILE_MAX_VIDS),
		.notify_order = p->notifies, .nnotify_order = p->nnotifies,
	};
	struct wbuf w;
	wbuf_init(&w, buf, cap);
	assert_int_equal(ike2_build_sa_init(&w, &in), 0);
	return w.len;
}

static struct profile *load_windows(void)
{
	static struct profile p;
	char err[256];
	if (profile_load_builtin("windows-ikev2", &p, err, sizeof err) != 0)
		fail_msg("%s", err);
	return &p;
}

static void test_windows_sa_init_round_trip(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	uint8_t buf[2048];
	char err[200], ps[200];
	struct ike2_msg *m = calloc(1, sizeof *m);
	size_t n = build_set(p, &p->sets[0], buf, sizeof buf, NULL, 0);
	/* facts sheet 2.1: 28 hdr + 520 SA + 136 KE + 52 Ni + 56 NAT-D + 8 FRAG + 88 VIDs */
	assert_int_equal(n, 888);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_true(m->hdr.spi_i == SPI);
	assert_true(m->hdr.spi_r == 0);
	assert_int_equal(m->hdr.version, 0x20);
	assert_int_equal(m->hdr.exchange, IKE2_SA_INIT);
	assert_int_equal(m->hdr.flags, IKE2_F_INITIATOR);
	assert_int_equal(m->hdr.msg_id, 0);
	assert_int_equal(m->hdr.length, 888);
	assert_int_equal(m->nproposals, 12);
	for (size_t i = 0; i < 12; i++) {
		assert_int_equal(m->proposals[i].num, i + 1);
		assert_int_equal(m->proposals[i].protocol, 1);
		assert_int_equal(m->proposals[i].ntransforms, 4);
	}
	ike2_proposal_str(&m->proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	ike2_proposal_str(&m->proposals[4], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024");
	ike2_proposal_str(&m->proposals[11], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1024");
	/* transforms on the wire: ENCR, INTEG, PRF, DH */
	assert_int_equal(m->proposals[9].t[0].type, IKE2_T_ENCR);
	assert_int_equal(m->proposals[9].t[0].key_len, 256);
	assert_int_equal(m->proposals[9].t[1].type, IKE2_T_INTEG);
	assert_int_equal(m->proposals[9].t[2].type, IKE2_T_PRF);
	assert_int_equal(m->proposals[9].t[3].type, IKE2_T_DH);
	assert_true(m->has_ke);
	assert_int_equal(m->ke_group, 2);
	assert_int_equal(m->ke.len, 128);
	assert_int_equal(m->nonce.len, 48);
	assert_int_equal(m->nnotifies, 3);
	assert_int_equal(m->notifies[0].type, IKE2_N_NAT_DETECTION_SOURCE_IP);
	assert_int_equal(m->notifies[0].data_len, 20);
	assert_int_equal(m->notifies[1].type, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	assert_int_equal(m->notifies[2].type, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_int_equal(m->notifies[2].data_len, 0);
	assert_int_equal(m->nvids, 4);
	assert_int_equal(m->vids[0].len, 20);
	assert_memory_equal(m->vids[0].p, "\x1e\x2b\x51\x69\x05\x99\x1c\x7d\x7c\x96\xfc\xbf\xb5\x87\xe4\x61\x00\x00\x00\x09", 20);
	const uint8_t order[] = {IKE2_PL_SA, IKE2_PL_KE, IKE2_PL_NONCE, IKE2_PL_NOTIFY, IKE2_PL_NOTIFY,
				 IKE2_PL_NOTIFY, IKE2_PL_VID, IKE2_PL_VID, IKE2_PL_VID, IKE2_PL_VID};
	assert_int_equal(m->npayloads, sizeof order);
	assert_memory_equal(m->payload_types, order, sizeof order);
	assert_false(m->has_sk);
	assert_null(ike2_first_error(m));
	assert_ptr_equal(m->raw, buf);
	free(m);
}

static void test_every_set_round_trips(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[4096];
	char err[200], a[200], b[200];
	for (size_t i = 0; i < p->nsets; i++) {
		const struct profile_set *s = &p->sets[i];
		size_t n = build_set(p, s, buf, sizeof buf, NULL, 0);
		assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
		assert_int_equal(m->nproposals, s->nproposals);
		assert_int_equal(m->ke_group, s->ke_group);
		for (size_t j = 0; j < s->nproposals; j++) {
			ike2_proposal_str(&s->proposals[j], a, sizeof a);
			ike2_proposal_str(&m->proposals[j], b, sizeof b);
			assert_string_equal(a, b);
		}
	}
	free(m);
}

static void test_cookie_goes_first(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[2048], cookie[24];
	char err[200];
	memset(cookie, 0xc0, sizeof cookie);
	size_t n = build_set(p, &p->sets[0], buf, sizeof buf, cookie, sizeof cookie);
	assert_int_equal(n, 888 + 8 + 24);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_int_equal(m->payload_types[0], IKE2_PL_NOTIFY);
	assert_int_equal(m->notifies[0].type, IKE2_N_COOKIE);
	assert_int_equal(m->notifies[0].data_len, 24);
	assert_memory_equal(m->notifies[0].data, cookie, 24);
	assert_int_equal(m->payload_types[1], IKE2_PL_SA);
	free(m);
}

static void test_profile_notify_order(void **state)
{
	(void)state;
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[1024], natd[20];
	char err[200];
	const uint16_t order[] = {IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED, IKE2_N_NAT_DETECTION_DESTINATION_IP,
				  IKE2_N_SIGNATURE_HASH_ALGORITHMS, IKE2_N_NAT_DETECTION_SOURCE_IP};
	struct ike2_proposal p = {.ntransforms = 1, .t = {{IKE2_T_DH, 2, 0}}};
	memset(natd, 0x44, sizeof natd);
	struct ike2_sa_init in = {.spi_i = SPI, .proposals = &p, .nproposals = 1, .ke_group = 2,
				  .nonce = natd, .nonce_len = 16, .natd_dst = natd, .frag_supported = true,
				  .notify_order = order, .nnotify_order = 4};
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(ike2_build_sa_init(&w, &in), 0);
	assert_int_equal(ike2_parse(buf, w.len, m, err, sizeof err), 0);
	/* no natd_src: that one is left out */
	assert_int_equal(m->nnotifies, 3);
	assert_int_equal(m->notifies[0].type, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_int_equal(m->notifies[1].type, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	assert_int_equal(m->notifies[1].data_len, 20);
	assert_int_equal(m->notifies[2].type, IKE2_N_SIGNATURE_HASH_ALGORITHMS);
	free(m);
}

static void test_build_overflow(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	uint8_t buf[1024];
	struct ike2_sa_init in = {.spi_i = SPI, .proposals = p->sets[0].proposals, .nproposals = 12, .ke_group = 2};
	for (size_t cap = 0; cap < 560; cap += 7) {
		struct wbuf w;
		wbuf_init(&w, buf, cap);
		assert_int_equal(ike2_build_sa_init(&w, &in), -1);
	}
}

/* Cutting a valid message at every length must fail cleanly, whether or not the header Length
 * is patched to match the cut. */
static void test_truncation_everywhere(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[2048], cut[2048];
	char err[200];
	size_t n = build_set(p, &p->sets[0], buf, sizeof buf, NULL, 0);
	for (size_t len = 0; len < n; len++) {
		memcpy(cut, buf, len);
		err[0] = '\0';
		assert_int_equal(ike2_parse(len ? cut : NULL, len, m, err, sizeof err), -1);
		assert_true(err[0] != '\0');
		if (len >= IKE2_HDR_LEN) {
			cut[24] = (uint8_t)(len >> 24);
			cut[25] = (uint8_t)(len >> 16);
			cut[26] = (uint8_t)(len >> 8);
			cut[27] = (uint8_t)len;
			err[0] = '\0';
			assert_int_equal(ike2_parse(cut, len, m, err, sizeof err), -1);
			assert_true(err[0] != '\0');
		}
	}
	free(m);
}

/* Every payload Length field made one longer, or shorter, is rejected. */
static void test_overlong_payload_lengths(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[2048], bad[2048];
	char err[200];
	size_t n = build_set(p, &p->sets[0], buf, sizeof buf, NULL, 0);
	size_t off = IKE2_HDR_LEN, count = 0;
	uint8_t np = buf[16];
	while (np) {
		uint16_t plen = (uint16_t)(buf[off + 2] << 8 | buf[off + 3]);
		for (int d = -3; d <= 3; d += 1) {
			if (d == 0)
				continue;
			memcpy(bad, buf, n);
			uint16_t v = (uint16_t)(plen + d);
			bad[off + 2] = (uint8_t)(v >> 8);
			bad[off + 3] = (uint8_t)v;
			assert_int_equal(ike2_parse(bad, n, m, err, sizeof err), -1);
		}
		np = buf[off];
		off += plen;
		count++;
	}
	assert_int_equal(off, n);
	assert_int_equal(count, 10);
	/* the SA payload's first proposal length, one longer */
	memcpy(bad, buf, n);
	bad[IKE2_HDR_LEN + 4 + 3]++;
	assert_int_equal(ike2_parse(bad, n, m, err, sizeof err), -1);
	free(m);
}

/* Bit flips and byte replacements at every offset: never a crash, and what parses is bounded. */
static void test_mutations_never_crash(void **state)
{
	(void)state;
	const struct profile *p = load_windows();
	struct ike2_msg *m = calloc(1, sizeof *m);
	uint8_t buf[2048], bad[2048];
	char err[200], ps[64];
	size_t n = build_set(p, &p->sets[0], buf, sizeof buf, NULL, 0);
	const uint8_t repl[] = {0x00, 0xff, 0x80, 0x7f};
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < 8 + sizeof repl; k++) {
			memcpy(bad, buf, n);
			bad[i] = k < 8 ? (uint8_t)(buf[i] ^ (1u << k)) : repl[k - 8];
			if (ike2_parse(bad, n, m, err, sizeof err) == 0) {
				assert_true(m->nproposals <= IKE2_MAX_PROPOSALS);
				assert_true(m->nnotifies <= IKE2_MAX_NOTIFIES);
				assert_true(m->nvids <= IKE2_MAX_VIDS);
				for (size_t j = 0; j < m->nproposals; j++) {
					assert_true(m->proposals[j].ntransforms <= IKE2_MAX_TRANSFORMS);
					ike2_proposal_str(&m->proposals[j], ps, sizeof ps);
				}
				for (size_t j = 0; j < m->nnotifies; j++)
					assert_true(m->notifies[j].data + m->notifies[j].data_len <= bad + n);
			}
		}
	}
	free(m);
}

static void test_strongswan_response(void **state)
{
	(void)state;
	/* strongSwan 5.9.8 (Debian 12) answering our Windows-like request: it picked proposal 10.
	 * Captured in a network namespace: we 198.18.250.1:40500, it 198.18.250.2:500. */
	uint8_t buf[2048], h[20];
	char err[200], ps[200];
	struct ike2_msg *m = calloc(1, sizeof *m);
	size_t n = read_vector("sa_init_resp_strongswan.bin", buf, sizeof buf);
	assert_int_equal(n, 348);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_true(m->hdr.flags & IKE2_F_RESPONSE);
	assert_false(m->hdr.flags & IKE2_F_INITIATOR);
	assert_true(m->hdr.spi_r != 0);
	assert_int_equal(m->hdr.exchange, IKE2_SA_INIT);
	assert_int_equal(m->nproposals, 1);
	assert_int_equal(m->proposals[0].num, 10);
	ike2_proposal_str(&m->proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	assert_int_equal(m->ke_group, 2);
	assert_int_equal(m->ke.len, 128);
	assert_int_equal(m->nonce.len, 32);
	assert_int_equal(m->nnotifies, 5);
	assert_non_null(ike2_find_notify(m, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED));
	assert_non_null(ike2_find_notify(m, IKE2_N_MULTIPLE_AUTH_SUPPORTED));
	assert_string_equal(ike2_notify_name(m->notifies[3].type), "CHILDLESS_IKEV2_SUPPORTED");
	assert_null(ike2_first_error(m));
	assert_int_equal(m->nvids, 1);
	assert_string_equal(profile_vid_name(m->vids[0].p, m->vids[0].len), "strongSwan");
	/* NAT-D computed by strongSwan: source = its address and port, destination = ours. */
	const uint8_t srv[4] = {198, 18, 250, 2}, cli[4] = {198, 18, 250, 1};
	const struct ike2_notify *s = ike2_find_notify(m, IKE2_N_NAT_DETECTION_SOURCE_IP);
	const struct ike2_notify *d = ike2_find_notify(m, IKE2_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(s);
	assert_non_null(d);
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, srv, 4, 500, h);
	assert_memory_equal(h, s->data, 20);
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, cli, 4, 40500, h);
	assert_memory_equal(h, d->data, 20);
	/* a NAT in between would change our port: the destination hash no longer matches */
	ike2_natd_hash(m->hdr.spi_i, m->hdr.spi_r, cli, 4, 500, h);
	assert_memory_not_equal(h, d->data, 20);

	/* the MODP2048 answer to the negotiatedh2048 set */
	n = read_vector("sa_init_resp_modp2048_strongswan.bin", buf, sizeof buf);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	ike2_proposal_str(&m->proposals[0], ps, sizeof ps);
	assert_string_equal(ps, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	assert_int_equal(m->ke_group, 14);
	assert_int_equal(m->ke.len, 256);
	free(m);
}

static void test_strongswan_error_responses(void **state)
{
	(void)state;
	uint8_t buf[2048];
	char err[200];
	struct ike2_msg *m = calloc(1, sizeof *m);
	const struct ike2_notify *e;

	size_t n = read_vector("resp_no_proposal_strongswan.bin", buf, sizeof buf);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_true(m->hdr.flags & IKE2_F_RESPONSE);
	assert_true(m->hdr.spi_r == 0);
	e = ike2_first_error(m);
	assert_non_null(e);
	assert_int_equal(e->type, IKE2_N_NO_PROPOSAL_CHOSEN);
	assert_string_equal(ike2_notify_name(e->type), "NO_PROPOSAL_CHOSEN");

	n = read_vector("resp_invalid_ke_strongswan.bin", buf, sizeof buf);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	e = ike2_first_error(m);
	assert_non_null(e);
	assert_int_equal(e->type, IKE2_N_INVALID_KE_PAYLOAD);
	assert_int_equal(e->data_len, 2);
	assert_int_equal(e->data[0] << 8 | e->data[1], 2); /* the group it wants */
	assert_int_equal(m->nvids, 1);

	n = read_vector("resp_cookie_strongswan.bin", buf, sizeof buf);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_true(m->hdr.spi_r == 0);
	assert_null(ike2_first_error(m));
	e = ike2_find_notify(m, IKE2_N_COOKIE);
	assert_non_null(e);
	assert_int_equal(e->data_len, 24);
	assert_int_equal(m->npayloads, 1);

	/* strongSwan accepted the retry built with that cookie first */
	n = read_vector("sa_init_resp_after_cookie_strongswan.bin", buf, sizeof buf);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_int_equal(m->nproposals, 1);
	assert_true(m->hdr.spi_r != 0);

	/* our own request, as sent on the wire, must not look like a response */
	n = read_vector("sa_init_req_windows.bin", buf, sizeof buf);
	assert_int_equal(n, 888);
	assert_int_equal(ike2_parse(buf, n, m, err, sizeof err), 0);
	assert_false(m->hdr.flags & IKE2_F_RESPONSE);
	assert_true(m->hdr.spi_r == 0);
	free(m);
}

static void test_natd_vectors(void **state)
{
	(void)state;
	/* facts sheet 6.2 */
	uint8_t h[20], want[20], a6[16] = {0x20, 0x01, 0x0d, 0xb8};
	const uint8_t a1[4] = {192, 0, 2, 10}, a2[4] = {198, 51, 100, 20};
	a6[15] = 1;
	ike2_natd_hash(SPI, 0, a1, 4, 500, h);
	unhex("9f6eee1ffe1207830ee3541abb1b06d4515d3b58", want, 20);
	assert_memory_equal(h, want, 20);
	ike2_natd_hash(SPI, 0, a2, 4, 500, h);
	unhex("fe1e5aa0e7b2dcdf28a1c41a1d380a352024200a", want, 20);
	assert_memory_equal(h, want, 20);
	ike2_natd_hash(SPI, 0, a6, 16, 500, h);
	unhex("9bbdb9b85c4968af03a73f051323d6e067cf4027", want, 20);
	assert_memory_equal(h, want, 20);
}

static void test_name_tables(void **state)
{
	(void)state;
	uint16_t v;
	assert_string_equal(ike2_notify_name(12345), "MS_STATUS");
	assert_string_equal(ike2_notify_name(14), "NO_PROPOSAL_CHOSEN");
	assert_string_equal(ike2_notify_name(17), "INVALID_KE_PAYLOAD");
	assert_string_equal(ike2_notify_name(16390), "COOKIE");
	assert_string_equal(ike2_notify_name(16430), "IKEV2_FRAGMENTATION_SUPPORTED");
	assert_string_equal(ike2_notify_name(9999), "UNKNOWN");
	assert_string_equal(ike2_exchange_name(34), "IKE_SA_INIT");
	assert_string_equal(ike2_exchange_name(37), "INFORMATIONAL");
	assert_string_equal(ike2_exchange_name(99), "UNKNOWN");
	assert_string_equal(ike2_payload_name(IKE2_PL_SKF), "SKF");
	assert_string_equal(ike2_transform_name(IKE2_T_ENCR, 12), "AES_CBC");
	assert_string_equal(ike2_transform_name(IKE2_T_ENCR, 20), "AES_GCM_16");
	assert_string_equal(ike2_transform_name(IKE2_T_INTEG, 12), "HMAC_SHA2_256_128");
	assert_string_equal(ike2_transform_name(IKE2_T_PRF, 6), "PRF_HMAC_SHA2_384");
	assert_string_equal(ike2_transform_name(IKE2_T_DH, 20), "ECP_384");
	assert_string_equal(ike2_transform_name(IKE2_T_DH, 1000), "UNKNOWN");
	assert_string_equal(ike2_transform_type_name(IKE2_T_INTEG), "INTEG");
	assert_true(ike2_transform_lookup(IKE2_T_DH, "modp2048", &v));
	assert_int_equal(v, 14);
	assert_true(ike2_transform_lookup(IKE2_T_DH, "ECP_256", &v));
	assert_int_equal(v, 19);
	assert_true(ike2_transform_lookup(IKE2_T_ENCR, "aes-gcm-16", &v));
	assert_int_equal(v, 20);
	assert_false(ike2_transform_lookup(IKE2_T_PRF, "modp2048", &v)); /* scoped by type */
	assert_true(ike2_notify_lookup("nat_detection_source_ip", &v));
	assert_int_equal(v, 16388);
	assert_false(ike2_notify_lookup("NOPE", &v));
	/* the header's enum and the table agree */
	assert_string_equal(ike2_notify_name(IKE2_N_SIGNATURE_HASH_ALGORITHMS), "SIGNATURE_HASH_ALGORITHMS");
	assert_string_equal(ike2_notify_name(IKE2_N_TS_UNACCEPTABLE), "TS_UNACCEPTABLE");
	/* unknown ids in a proposal string, and a tiny output buffer */
	struct ike2_proposal p = {.ntransforms = 3,
				  .t = {{IKE2_T_ENCR, 99, 0}, {IKE2_T_DH, 19, 0}, {77, 5, 0}}};
	char s[64];
	ike2_proposal_str(&p, s, sizeof s);
	assert_string_equal(s, "ENCR_99/ECP_256/TRANSFORM_5");
	ike2_proposal_str(&p, s, 5);
	assert_string_equal(s, "ENCR");
}

/* Messages built with the generic writer: critical bit, SK/SKF, count bounds, framing. */
static size_t begin_msg(struct ike2_writer *iw, struct wbuf *w, uint8_t *buf, size_t cap, uint8_t exchange)
{
	struct ike2_header h = {.spi_i = SPI, .spi_r = 42, .exchange = exchange, .flags = IKE2_F_RESPONSE};
	wbuf_init(w, buf, cap);
	ike2_w_begin(iw, w, &h);
	return w->len;
}

static void test_critical_and_unknown_payloads(void **state)
{
	(void)state;
	struct ike2_msg *m = calloc(1, sizeof *m);
	struct ike2_writer iw;
	struct wbuf w;
	uint8_t buf[512];
	char err[200];
	int n;

	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_payload(&iw, 200, false, (const uint8_t *)"xyz", 3);
	ike2_w_notify(&iw, 0, IKE2_N_MS_STATUS, NULL, 0, (const uint8_t *)"\x00\x00\x36\x0d", 4);
	n = ike2_w_end(&iw);
	assert_true(n > 0);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	assert_int_equal(m->npayloads, 2);
	assert_int_equal(m->payload_types[0], 200);
	assert_int_equal(m->notifies[0].type, 12345);
	assert_int_equal(ike2_first_error(m)->type, 12345); /* an error-range notify */

	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_payload(&iw, 200, true, (const uint8_t *)"xyz", 3);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	assert_non_null(strstr(err, "critical"));

	/* a known payload with the critical bit is fine */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_AUTH);
	ike2_w_payload(&iw, IKE2_PL_CERTREQ, true, (const uint8_t *)"\x04", 1);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);

	/* notify with an SPI (INVALID_IKE_SPI style) */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_INFORMATIONAL);
	ike2_w_notify(&iw, 1, IKE2_N_INVALID_IKE_SPI, (const uint8_t *)"ABCDEFGH", 8, (const uint8_t *)"d", 1);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	assert_int_equal(m->notifies[0].spi_size, 8);
	assert_memory_equal(m->notifies[0].spi, "ABCDEFGH", 8);
	assert_int_equal(m->notifies[0].data_len, 1);
	/* SPI Size larger than the notify */
	buf[IKE2_HDR_LEN + 5] = 20;
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	free(m);
}

static void test_encrypted_payloads(void **state)
{
	(void)state;
	struct ike2_msg *m = calloc(1, sizeof *m);
	struct ike2_writer iw;
	struct wbuf w;
	uint8_t buf[512], body[40];
	char err[200];
	int n;
	memset(body, 0x5a, sizeof body);

	begin_msg(&iw, &w, buf, sizeof buf, IKE2_AUTH);
	ike2_w_payload(&iw, IKE2_PL_SK, false, body, sizeof body);
	n = ike2_w_end(&iw);
	buf[IKE2_HDR_LEN] = IKE2_PL_IDR; /* the SK payload's Next Payload = first inner payload */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	assert_true(m->has_sk);
	assert_int_equal(m->sk_type, IKE2_PL_SK);
	assert_int_equal(m->sk_first_inner, IKE2_PL_IDR);
	assert_int_equal(m->sk.len, sizeof body);

	/* SKF: fragment 1 of 3 */
	body[0] = 0, body[1] = 1, body[2] = 0, body[3] = 3;
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_AUTH);
	ike2_w_payload(&iw, IKE2_PL_SKF, false, body, sizeof body);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	assert_int_equal(m->sk_type, IKE2_PL_SKF);
	assert_int_equal(m->skf_num, 1);
	assert_int_equal(m->skf_total, 3);
	assert_int_equal(m->sk.len, sizeof body);
	body[1] = 4; /* fragment 4 of 3 */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_AUTH);
	ike2_w_payload(&iw, IKE2_PL_SKF, false, body, sizeof body);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);

	/* SK must be last */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_AUTH);
	ike2_w_payload(&iw, IKE2_PL_SK, false, body, sizeof body);
	ike2_w_payload(&iw, IKE2_PL_VID, false, body, 4);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	free(m);
}

static void test_bounds_and_framing(void **state)
{
	(void)state;
	struct ike2_msg *m = calloc(1, sizeof *m);
	struct ike2_writer iw;
	struct wbuf w;
	uint8_t buf[4096];
	char err[200];
	int n;

	/* 33 vendor IDs: over the bound */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	for (int i = 0; i < IKE2_MAX_VIDS + 1; i++)
		ike2_w_payload(&iw, IKE2_PL_VID, false, (const uint8_t *)"vid", 3);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	assert_non_null(strstr(err, "vendor ID"));

	/* 65 payloads */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	for (int i = 0; i < IKE2_MAX_PAYLOADS + 1; i++)
		ike2_w_payload(&iw, 210, false, NULL, 0);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);

	/* two KE payloads */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_ke(&iw, 2, (const uint8_t *)"k", 1);
	ike2_w_ke(&iw, 2, (const uint8_t *)"k", 1);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);

	/* trailing bytes after the last payload; version 1; length mismatch */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_payload(&iw, IKE2_PL_VID, false, (const uint8_t *)"v", 1);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	buf[n] = 0;
	buf[27]++;
	assert_int_equal(ike2_parse(buf, (size_t)n + 1, m, err, sizeof err), -1);
	assert_non_null(strstr(err, "after the last payload"));
	buf[27]--;
	assert_int_equal(ike2_parse(buf, (size_t)n + 1, m, err, sizeof err), -1);
	assert_non_null(strstr(err, "Length"));
	buf[17] = 0x10;
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);

	/* SA framing: Last/More wrong, Key Length as TLV, transform count off */
	struct ike2_proposal p[2] = {
		{.ntransforms = 2, .t = {{IKE2_T_ENCR, 12, 128}, {IKE2_T_DH, 2, 0}}},
		{.ntransforms = 1, .t = {{IKE2_T_DH, 14, 0}}},
	};
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_sa(&iw, p, 2);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	assert_int_equal(m->nproposals, 2);
	assert_int_equal(m->proposals[0].t[0].key_len, 128);
	size_t sa = IKE2_HDR_LEN + 4;
	buf[sa] = 0; /* first proposal claims to be last */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	buf[sa] = 2;
	buf[sa + 8 + 8] = 0x00; /* Key Length attribute type: AF bit cleared -> TLV */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	buf[sa + 8 + 8] = 0x80;
	buf[sa + 7]++; /* Num Transforms 3 */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	buf[sa + 7] -= 2; /* Num Transforms 1 */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	buf[sa + 7]++;
	buf[sa + 6] = 9; /* SPI Size 9 */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	buf[sa + 6] = 0;
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), 0);
	/* an empty SA payload */
	begin_msg(&iw, &w, buf, sizeof buf, IKE2_SA_INIT);
	ike2_w_sa(&iw, p, 0);
	n = ike2_w_end(&iw);
	assert_int_equal(ike2_parse(buf, (size_t)n, m, err, sizeof err), -1);
	/* NULL err buffer is allowed */
	assert_int_equal(ike2_parse(buf, (size_t)n, m, NULL, 0), -1);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_sa_init_round_trip),
		cmocka_unit_test(test_every_set_round_trips),
		cmocka_unit_test(test_cookie_goes_first),
		cmocka_unit_test(test_profile_notify_order),
		cmocka_unit_test(test_build_overflow),
		cmocka_unit_test(test_truncation_everywhere),
		cmocka_unit_test(test_overlong_payload_lengths),
		cmocka_unit_test(test_mutations_never_crash),
		cmocka_unit_test(test_strongswan_response),
		cmocka_unit_test(test_strongswan_error_responses),
		cmocka_unit_test(test_natd_vectors),
		cmocka_unit_test(test_name_tables),
		cmocka_unit_test(test_critical_and_unknown_payloads),
		cmocka_unit_test(test_encrypted_payloads),
		cmocka_unit_test(test_bounds_and_framing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
