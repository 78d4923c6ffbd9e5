/* MS-CHAPv2 known answers: RFC 2759 9.2 (NT-Response, authenticator response) and RFC 3079 3.5.2
 * (MasterKey and the 128-bit start keys), the MSK layout strongSwan uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/mschapv2.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 2759 9.2 */
static const char *const auth_chal = "5B5D7C7D7B3F2F3E3C2C602132262628";
static const char *const peer_chal = "21402324255E262A28295F2B3A337C7E";

static int need_legacy(void **state)
{
	(void)state;
	if (!mschapv2_available()) {
		print_message("OpenSSL legacy provider (MD4, DES) not available: skipped\n");
		return -1;
	}
	return 0;
}

static void test_nt_hash(void **state)
{
	(void)state;
	uint8_t h[16], want[16];
	assert_int_equal(mschapv2_nt_hash((const uint8_t *)"clientPass", 10, h), MSCHAPV2_OK);
	unhex("44EBBA8D5312B8D611474411F56989AE", want, 16);
	assert_memory_equal(h, want, 16);
}

static void test_rfc2759(void **state)
{
	(void)state;
	uint8_t ac[16], pc[16], want[24];
	struct mschapv2_peer p;
	unhex(auth_chal, ac, 16);
	unhex(peer_chal, pc, 16);
	assert_int_equal(mschapv2_peer_compute(ac, pc, "User", 4, (const uint8_t *)"clientPass", 10, &p), MSCHAPV2_OK);
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", want, 24);
	assert_memory_equal(p.nt_response, want, 24);
	unhex("407A5589115FD0D6209F510FE9C04566932CDA56", want, 20);
	assert_memory_equal(p.auth_response, want, 20);
	/* one bit of the password changes everything */
	assert_int_equal(mschapv2_peer_compute(ac, pc, "User", 4, (const uint8_t *)"clientPasS", 10, &p), MSCHAPV2_OK);
	assert_memory_not_equal(p.auth_response, want, 20);
}

/* RFC 3079 3.5.2 (128-bit keys, same inputs): MasterKey and the start keys. */
static void test_rfc3079(void **state)
{
	(void)state;
	uint8_t phh[16], nt[24], mk[16], recv[16], send[16], want[16];
	unhex("41C00C584BD2D91C4017A2A12FA59F3F", phh, 16);
	unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", nt, 24);
	assert_int_equal(mschapv2_master_keys(phh, nt, mk, recv, send), MSCHAPV2_OK);
	unhex("FDECE3717A8C838CB388E527AE3CDD31", want, 16);
	assert_memory_equal(mk, want, 16);
	/* RFC 3079 3.5.2's SendStartKey128 is GetAsymmetricStartKey(IsSend, IsServer): Magic3, the
	 * server's send key. */
	unhex("8B7CDC149B993A1BA118CB153F56DCCB", want, 16);
	assert_memory_equal(send, want, 16);
	assert_memory_not_equal(recv, want, 16);
	/* The MSK: server receive key | server send key | 32 zero bytes. */
	uint8_t ac[16], pc[16], zero[32] = {0};
	struct mschapv2_peer p;
	unhex(auth_chal, ac, 16);
	unhex(peer_chal, pc, 16);
	assert_int_equal(mschapv2_peer_compute(ac, pc, "User", 4, (const uint8_t *)"clientPass", 10, &p), MSCHAPV2_OK);
	assert_memory_equal(p.msk, recv, 16);
	assert_memory_equal(p.msk + 16, send, 16);
	assert_memory_equal(p.msk + 32, zero, 32);
}

static void test_username_and_limits(void **state)
{
	(void)state;
	size_t n;
	const char *u = mschapv2_username("CORP\\alice", 10, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(u, "alice", 5);
	u = mschapv2_username("bob", 3, &n);
	assert_int_equal(n, 3);
	u = mschapv2_username("x\\", 2, &n);
	assert_int_equal(n, 0);
	uint8_t big[MSCHAPV2_MAX_PASSWORD + 1], h[16];
	memset(big, 'a', sizeof big);
	assert_int_equal(mschapv2_nt_hash(big, sizeof big, h), MSCHAPV2_ERROR);
	assert_int_equal(mschapv2_nt_hash(big, sizeof big - 1, h), MSCHAPV2_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash),
		cmocka_unit_test(test_rfc2759),
		cmocka_unit_test(test_rfc3079),
		cmocka_unit_test(test_username_and_limits),
	};
	return cmocka_run_group_tests(tests, need_legacy, NULL);
}
