/* Fuzz target: certcheck on a whole server-sent chain: X.509 parsing through OpenSSL, our SAN/CN
 * name matching, EKU, key, signature and URL extraction, the chain bounds, chain verification
 * against a trust store built ONCE (the root of tests/fuzz/certrev_vectors.h; the first call builds
 * it, as the CLI does before a run), the issuer extraction for revocation, then the observations
 * built from the facts. Input: one byte choosing the host the name checks compare against, then
 * the certificates as concatenated DER: each piece is cut at the length its SEQUENCE header says
 * (or the rest of the input), at most 80 pieces, so chains longer than CERTCHECK_MAX_CHAIN are
 * reached too. Seeds (corpus/fuzz_certcheck/): seed-N.der = 0x00 + one DER certificate made with
 * `openssl req -x509 -outform DER` (seed-1 P-256 with DNS/wildcard/IP SANs, serverAuth+IKE EKU, CRL
 * and OCSP/caIssuers URLs; seed-2 Ed25519, CN=198.18.0.1, clientAuth; seed-3 RSA-1024 signed with
 * SHA-1); chain-1.der = 0x00 + the vectors' leaf + intermediate (verifies to the trusted root). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/certcheck.h"
#include "kb/kb.h"
#include "probes/cert_obs.h"

#include "certrev_vectors.h"

#define MAX_PIECES 80

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The length of the DER element at p (header included), or n when it is not one that fits. */
static size_t piece_len(const uint8_t *p, size_t n)
{
	size_t len, hdr;
	if (n < 2 || p[0] != 0x30)
		return n;
	if (p[1] < 0x80) {
		len = p[1];
		hdr = 2;
	} else if (p[1] == 0x81 && n >= 3) {
		len = p[2];
		hdr = 3;
	} else if (p[1] == 0x82 && n >= 4) {
		len = ((size_t)p[2] << 8) | p[3];
		hdr = 4;
	} else if (p[1] == 0x83 && n >= 5) {
		len = ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
		hdr = 5;
	} else {
		return n;
	}
	return hdr + len <= n && hdr + len > 0 ? hdr + len : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"vpn.example.com", "198.18.0.1", "[2001:2::1]", "a.b.example.com", ""};
	static struct certcheck_trust *trust;
	static struct certcheck c;
	struct certcheck_der d[MAX_PIECES];
	struct certcheck_input in;
	struct obs_result r;
	char err[128];
	size_t n = 0, off = 1;

	if (!trust) {
		trust = certcheck_trust_new((const uint8_t *)vec_root_pem, strlen(vec_root_pem), err, sizeof err);
		if (!trust)
			__builtin_trap();
	}
	if (size < 2)
		return 0;
	while (off < size && n < MAX_PIECES) {
		size_t l = piece_len(data + off, size - off);
		d[n].p = data + off;
		d[n].len = l;
		n++;
		off += l;
	}
	memset(&in, 0, sizeof in);
	in.chain = d;
	in.nchain = n;
	in.ndropped = off < size ? 1 : 0;
	in.host = hosts[data[0] % (sizeof hosts / sizeof hosts[0])];
	in.trust = trust;
	in.now = CERTREV_VEC_NOW;
	(void)certcheck_run(&in, &c, err, sizeof err);
	memset(&r, 0, sizeof r);
	(void)cert_observe_result(&r, &c, KB_P_SSTP);
	obs_result_free(&r);
	return 0;
}
