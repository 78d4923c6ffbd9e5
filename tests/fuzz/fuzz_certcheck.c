/* Fuzz target: certcheck on a server-sent leaf (DER): X.509 parsing through OpenSSL, our SAN/CN
 * name matching, EKU, key, signature and URL extraction, and chain verification (against an empty
 * system trust store), then the observations built from the facts. The first byte chooses the host
 * the name checks compare against. Seeds (corpus/fuzz_certcheck/seed-N.der = one 0x00 byte + a DER
 * certificate) were made once with `openssl req -x509 -outform DER`: seed-1 P-256 with DNS/wildcard/IP
 * SANs, serverAuth+IKE EKU, CRL and OCSP/caIssuers URLs; seed-2 Ed25519, CN=198.18.0.1, clientAuth;
 * seed-3 RSA-1024 signed with SHA-1, no extensions beyond the defaults. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/certcheck.h"
#include "kb/kb.h"
#include "probes/cert_obs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"vpn.example.com", "198.18.0.1", "[2001:2::1]", "a.b.example.com", ""};
	static struct certcheck c;
	struct certcheck_der d;
	struct certcheck_input in;
	struct engine_result r;
	char err[128];

	if (size < 1)
		return 0;
	d.p = data + 1;
	d.len = size - 1;
	memset(&in, 0, sizeof in);
	in.chain = &d;
	in.nchain = 1;
	in.host = hosts[data[0] % (sizeof hosts / sizeof hosts[0])];
	in.ca_file = NULL;
	in.now = 1700000000;
	(void)certcheck_run(&in, &c, err, sizeof err);
	memset(&r, 0, sizeof r);
	(void)cert_observe_result(&r, &c, KB_P_SSTP);
	engine_result_free(&r);
	return 0;
}
