/* The "Certification Authority" field of an IKEv2 CERTREQ (RFC 7296 3.7): the SHA-1 hash of the
 * SubjectPublicKeyInfo of each trusted CA, taken from PEM text (--ca-file's bytes, read once
 * before the run, or the system trust store). Pure: reads only the caller's buffer, writes only
 * the caller's hash array. OpenSSL's PEM reader over a read-only memory BIO. */
#ifndef VPNDIAG_CRYPTO_IKE2_CERTREQ_H
#define VPNDIAG_CRYPTO_IKE2_CERTREQ_H

#include <stddef.h>
#include <stdint.h>

/* At most this many PEM blocks are read from one buffer (a bound on the work, whatever the
 * input: a --ca-file of 10,000 certificates costs 4096 parses, once). */
#define IKE2_CERTREQ_MAX_PEM 4096

/* Appends to hashes (an array of cap 20-byte entries, *n already used) the hash of each
 * certificate in pem[0..len), skipping certificates whose hash is already in the array, until
 * *n reaches max (max <= cap). Text that is not a certificate ends the reading (what was read
 * before counts). Returns how many hashes were added. pem may be NULL when len is 0. */
size_t ike2_certreq_hashes(const uint8_t *pem, size_t len, uint8_t *hashes, size_t cap, size_t *n, size_t max);

#endif
