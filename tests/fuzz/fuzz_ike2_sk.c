/* Fuzz target: the encrypted-payload path of IKE_AUTH (issue 5). Byte 0 picks the cipher suite,
 * byte 1 the mode:
 *   even: the rest is a whole IKE message as a server would send it: parsed, its SK/SKF payload
 *         opened with fixed keys (integrity first), the plaintext parsed as inner payloads;
 *   odd:  the rest is an inner payload chain (first payload type = byte 2): sealed with the fixed
 *         keys, parsed, opened again (must give the same bytes back) and parsed as inner payloads.
 * Keys are derived once from constant inputs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ike2_keys.h"
#include "wire/ike2_inner.h"
#include "wire/ikev2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	uint16_t encr, bits, integ, prf;
} suites[] = {
	{IKE2_ENCR_3DES, 0, IKE2_AUTH_HMAC_SHA1_96, IKE2_PRF_HMAC_SHA1},
	{IKE2_ENCR_AES_CBC, 128, IKE2_AUTH_HMAC_SHA2_256_128, IKE2_PRF_HMAC_SHA2_256},
	{IKE2_ENCR_AES_CBC, 256, IKE2_AUTH_HMAC_SHA2_384_192, IKE2_PRF_HMAC_SHA2_384},
	{IKE2_ENCR_AES_GCM_16, 128, 0, IKE2_PRF_HMAC_SHA2_256},
	{IKE2_ENCR_AES_GCM_16, 256, 0, IKE2_PRF_HMAC_SHA2_512},
};
#define NSUITES (sizeof suites / sizeof suites[0])

static struct ike2_keys keys[NSUITES];
static int ready;

static void setup(void)
{
	uint8_t ni[32], nr[32], gir[128];
	memset(ni, 1, sizeof ni);
	memset(nr, 2, sizeof nr);
	memset(gir, 3, sizeof gir);
	for (size_t i = 0; i < NSUITES; i++) {
		struct ike2_proposal p = {.ntransforms = 2};
		p.t[0] = (struct ike2_transform){IKE2_T_ENCR, suites[i].encr, suites[i].bits};
		p.t[1] = (struct ike2_transform){IKE2_T_PRF, suites[i].prf, 0};
		if (suites[i].integ)
			p.t[p.ntransforms++] = (struct ike2_transform){IKE2_T_INTEG, suites[i].integ, 0};
		struct ike2_suite s;
		char err[100];
		if (ike2_suite_from_proposal(&p, &s, err, sizeof err) != 0 ||
		    ike2_derive(&s, ni, sizeof ni, nr, sizeof nr, gir, sizeof gir, 1, 2, &keys[i]) != 0)
			abort();
	}
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike2_msg m;
	static struct ike2_inner in;
	static uint8_t plain[IKE2_MAX_MSG], msg[IKE2_MAX_MSG + 64];
	char err[256], s[300];
	if (!ready)
		setup();
	if (size < 3)
		return 0;
	const struct ike2_sk_crypto c = ike2_keys_sk(&keys[data[0] % NSUITES]);
	const struct ike2_sk_crypto *k = &c;
	bool seal_mode = data[1] & 1;
	data += 2;
	size -= 2;
	if (!seal_mode) {
		if (ike2_parse(data, size, &m, err, sizeof err) != 0 || !m.has_sk)
			return 0;
		size_t iv_off = size - m.sk.len + (m.sk_type == IKE2_PL_SKF ? 4 : 0);
		int n = ike2_sk_open(k, true, data, size, iv_off, plain, sizeof plain, err, sizeof err);
		if (n >= 0 && ike2_inner_parse(m.sk_first_inner, plain, (size_t)n, &in, err, sizeof err) == 0)
			ike2_inner_str(&in, s, sizeof s);
		return 0;
	}
	uint8_t first = data[0];
	data++;
	size--;
	if (size > 8192)
		return 0;
	struct ike2_header h = {.spi_i = 1, .spi_r = 2, .exchange = IKE2_AUTH, .flags = IKE2_F_RESPONSE, .msg_id = 1};
	static const uint8_t iv[16] = {9, 9, 9};
	struct wbuf w;
	wbuf_init(&w, msg, sizeof msg);
	int len = ike2_sk_seal(k, false, &h, first, data, size, iv, &w);
	if (len < 0)
		return 0;
	if (ike2_parse(msg, (size_t)len, &m, err, sizeof err) != 0 || !m.has_sk)
		abort(); /* our own message must parse */
	int n = ike2_sk_open(k, true, msg, (size_t)len, (size_t)len - m.sk.len, plain, sizeof plain, err, sizeof err);
	if (n != (int)size || (size && memcmp(plain, data, size) != 0))
		abort(); /* seal/open must round-trip */
	if (ike2_inner_parse(first, plain, (size_t)n, &in, err, sizeof err) == 0)
		ike2_inner_str(&in, s, sizeof s);
	return 0;
}
