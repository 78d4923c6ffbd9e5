/* Keyed initiator SPIs for stateless reply matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "crypto/spi.h"

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6 v6(const char *a)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof s);
	s.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

static void test_deterministic_and_distinct(void **state)
{
	(void)state;
	uint8_t key[SPI_KEY_LEN];
	struct spi_key k;
	for (int i = 0; i < SPI_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	assert_int_equal(spi_key_set(&k, key), 0);
	struct sockaddr_in a = v4("198.18.0.2"), b = v4("198.18.0.3");
	struct sockaddr_in6 c = v6("2001:2::2"), mapped = v6("::ffff:198.18.0.2");
	const struct sockaddr *sa = (const struct sockaddr *)&a;
	uint64_t s = spi_make(&k, sa, 500, 1, 0);
	assert_true(s != 0);
	assert_true(s == spi_make(&k, sa, 500, 1, 0));
	a.sin_port = htons(1234); /* the sockaddr's own port is ignored */
	assert_true(s == spi_make(&k, sa, 500, 1, 0));
	assert_true(s != spi_make(&k, sa, 4500, 1, 0));
	assert_true(s != spi_make(&k, sa, 500, 2, 0));
	assert_true(s != spi_make(&k, sa, 500, 1, 1));
	assert_true(s != spi_make(&k, (const struct sockaddr *)&b, 500, 1, 0));
	assert_true(s != spi_make(&k, (const struct sockaddr *)&mapped, 500, 1, 0));
	assert_true(spi_make(&k, (const struct sockaddr *)&c, 500, 1, 0) != 0);

	assert_true(spi_check(&k, s, sa, 500, 1, 0));
	assert_false(spi_check(&k, s ^ 1, sa, 500, 1, 0));
	assert_false(spi_check(&k, s, sa, 500, 1, 1));
	assert_false(spi_check(&k, 0, sa, 500, 1, 0));
	assert_int_equal(spi_match_attempt(&k, spi_make(&k, sa, 500, 3, 4), sa, 500, 3, 8), 4);
	assert_int_equal(spi_match_attempt(&k, spi_make(&k, sa, 500, 3, 4), sa, 500, 3, 4), -1);

	/* another key gives other SPIs */
	struct spi_key k2;
	key[0] ^= 1;
	assert_int_equal(spi_key_set(&k2, key), 0);
	assert_true(s != spi_make(&k2, sa, 500, 1, 0));
	assert_false(spi_check(&k2, s, sa, 500, 1, 0));
	spi_key_free(&k2);
	spi_key_free(&k);
	/* a freed key makes nothing */
	assert_true(spi_make(&k, sa, 500, 1, 0) == 0);
}

static void test_unsupported_family(void **state)
{
	(void)state;
	struct spi_key k;
	assert_int_equal(spi_key_init(&k), 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_family = AF_UNIX;
	assert_true(spi_make(&k, (const struct sockaddr *)&ss, 500, 1, 0) == 0);
	assert_false(spi_check(&k, 0, (const struct sockaddr *)&ss, 500, 1, 0));
	assert_true(spi_make(&k, NULL, 500, 1, 0) == 0);
	spi_key_free(&k);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_random_keys_and_spread(void **state)
{
	(void)state;
	struct spi_key k1, k2;
	assert_int_equal(spi_key_init(&k1), 0);
	assert_int_equal(spi_key_init(&k2), 0);
	assert_memory_not_equal(k1.key, k2.key, SPI_KEY_LEN);
	struct sockaddr_in a = v4("198.18.0.2");
	assert_true(spi_make(&k1, (const struct sockaddr *)&a, 500, 1, 0) !=
		    spi_make(&k2, (const struct sockaddr *)&a, 500, 1, 0));
	/* 20000 targets: no zero, no collision, and both halves of the SPI vary */
	enum { N = 20000 };
	uint64_t *v = calloc(N, sizeof *v);
	uint64_t or_hi = 0;
	for (uint32_t i = 0; i < N; i++) {
		a.sin_addr.s_addr = htonl(0xc6120000u + i);
		v[i] = spi_make(&k1, (const struct sockaddr *)&a, 500, 1, 0);
		assert_true(v[i] != 0);
		or_hi |= v[i] >> 32;
	}
	assert_true(or_hi != 0);
	qsort(v, N, sizeof *v, cmp_u64);
	for (size_t i = 1; i < N; i++)
		assert_true(v[i] != v[i - 1]);
	free(v);
	spi_key_free(&k1);
	spi_key_free(&k2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic_and_distinct),
		cmocka_unit_test(test_unsupported_family),
		cmocka_unit_test(test_random_keys_and_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
