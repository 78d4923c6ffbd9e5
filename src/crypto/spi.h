/* Stateless reply matching (DESIGN.md "Engine"): the IKE initiator SPI the engine sends is a keyed
 * hash of (target address, port, probe id, attempt) under a random per-run key, so a reply can be
 * recognised from its SPI alone, without a table, and our own packet reflected back (ike-scan's
 * false positive) is told apart by the caller checking the response flag and a non-zero SPIr.
 *
 * The hash is SipHash-2-4 (OpenSSL EVP_MAC "SIPHASH", 64-bit output) keyed with 16 bytes from
 * RAND_bytes. A result of 0 is mapped to 1: an IKE SPIi is never 0.
 * Ownership: a struct spi_key holds the key and an OpenSSL MAC context; spi_key_free wipes and
 * releases both. */
#ifndef VPNDIAG_CRYPTO_SPI_H
#define VPNDIAG_CRYPTO_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct evp_mac_ctx_st;

#define SPI_KEY_LEN 16

struct spi_key {
	uint8_t key[SPI_KEY_LEN];
	struct evp_mac_ctx_st *ctx; /* keyed SipHash context, duplicated per computation */
};

/* A fresh random key (RAND_bytes). Returns 0, or -1 when OpenSSL fails. */
int spi_key_init(struct spi_key *k);
/* A fixed key (tests, replay). Returns 0 or -1. */
int spi_key_set(struct spi_key *k, const uint8_t key[SPI_KEY_LEN]);
void spi_key_free(struct spi_key *k);

/* The SPI for (target address, port, probe, attempt). target is AF_INET or AF_INET6 (its own
 * port field is ignored; port is in host order). Returns 0 only for an unusable key or an
 * unsupported address family. */
uint64_t spi_make(const struct spi_key *k, const struct sockaddr *target, uint16_t port, uint8_t probe_id,
		  uint8_t attempt);
/* True when spi is what spi_make gives for these inputs (constant-time compare). */
bool spi_check(const struct spi_key *k, uint64_t spi, const struct sockaddr *target, uint16_t port,
	       uint8_t probe_id, uint8_t attempt);
/* The attempt in [0, max_attempts) whose SPI equals spi, or -1. */
int spi_match_attempt(const struct spi_key *k, uint64_t spi, const struct sockaddr *target, uint16_t port,
		      uint8_t probe_id, uint8_t max_attempts);

#endif
