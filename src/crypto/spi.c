/* Keyed SPI for stateless reply matching (crypto/spi.h). */
#include "crypto/spi.h"

#include <string.h>
#include "util/inet.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

int spi_key_set(struct spi_key *k, const uint8_t key[SPI_KEY_LEN])
{
	size_t outsize = 8;
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	memset(k, 0, sizeof *k);
	memcpy(k->key, key, SPI_KEY_LEN);
	mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	if (!mac)
		return -1;
	k->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!k->ctx)
		return -1;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outsize);
	params[1] = OSSL_PARAM_construct_end();
	/* Setting the key through init makes the context reusable through EVP_MAC_CTX_dup. */
	if (EVP_MAC_init(k->ctx, k->key, SPI_KEY_LEN, params) != 1) {
		spi_key_free(k);
		return -1;
	}
	return 0;
}

int spi_key_init(struct spi_key *k)
{
	uint8_t key[SPI_KEY_LEN];
	int rc;
	if (RAND_bytes(key, sizeof key) != 1) {
		memset(k, 0, sizeof *k);
		return -1;
	}
	rc = spi_key_set(k, key);
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

void spi_key_free(struct spi_key *k)
{
	EVP_MAC_CTX_free(k->ctx);
	k->ctx = NULL;
	OPENSSL_cleanse(k->key, sizeof k->key);
}

/* The hashed message: family tag | address (4 or 16, + IPv6 scope id) | port | probe | attempt. */
static size_t spi_message(const struct sockaddr *sa, uint16_t port, uint8_t probe_id, uint8_t attempt,
			  uint8_t msg[32])
{
	size_t n = 0;
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;
		memcpy(&sin, sa, sizeof sin);
		msg[n++] = 4;
		memcpy(msg + n, &sin.sin_addr, 4);
		n += 4;
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, sa, sizeof sin6);
		msg[n++] = 6;
		memcpy(msg + n, &sin6.sin6_addr, 16);
		n += 16;
		for (int i = 0; i < 4; i++)
			msg[n++] = (uint8_t)(sin6.sin6_scope_id >> (24 - 8 * i));
	} else {
		return 0;
	}
	msg[n++] = (uint8_t)(port >> 8);
	msg[n++] = (uint8_t)port;
	msg[n++] = probe_id;
	msg[n++] = attempt;
	return n;
}

uint64_t spi_make(const struct spi_key *k, const struct sockaddr *target, uint16_t port, uint8_t probe_id,
		  uint8_t attempt)
{
	uint8_t msg[32], out[16];
	size_t n = spi_message(target, port, probe_id, attempt, msg), outlen = 0;
	uint64_t v = 0;
	EVP_MAC_CTX *ctx;

	if (n == 0 || !k || !k->ctx)
		return 0;
	ctx = EVP_MAC_CTX_dup(k->ctx);
	if (!ctx)
		return 0;
	if (EVP_MAC_update(ctx, msg, n) != 1 || EVP_MAC_final(ctx, out, &outlen, sizeof out) != 1 || outlen < 8) {
		EVP_MAC_CTX_free(ctx);
		return 0;
	}
	EVP_MAC_CTX_free(ctx);
	for (int i = 0; i < 8; i++)
		v = v << 8 | out[i];
	return v ? v : 1;
}

bool spi_check(const struct spi_key *k, uint64_t spi, const struct sockaddr *target, uint16_t port,
	       uint8_t probe_id, uint8_t attempt)
{
	uint64_t want = spi_make(k, target, port, probe_id, attempt);
	uint8_t a[8], b[8];
	if (want == 0 || spi == 0)
		return false;
	for (int i = 0; i < 8; i++) {
		a[i] = (uint8_t)(want >> (8 * i));
		b[i] = (uint8_t)(spi >> (8 * i));
	}
	return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

int spi_match_attempt(const struct spi_key *k, uint64_t spi, const struct sockaddr *target, uint16_t port,
		      uint8_t probe_id, uint8_t max_attempts)
{
	for (unsigned a = 0; a < max_attempts; a++)
		if (spi_check(k, spi, target, port, probe_id, (uint8_t)a))
			return (int)a;
	return -1;
}
