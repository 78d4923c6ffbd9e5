/* Linux (certstore.h): OpenSSL's default paths are the system store (certcheck.c reads them), and
 * no chain engine of the platform's own judges certificates. */
#include "util/certstore.h"

int certstore_roots(certstore_add_fn add, void *ctx, char *err, size_t errlen)
{
	(void)add, (void)ctx, (void)err, (void)errlen;
	return -1;
}

int certstore_verdict(const struct certstore_der *chain, size_t n, const char *host, bool network, uint32_t timeout_ms,
		      struct certstore_verdict *v, char *err, size_t errlen)
{
	(void)chain, (void)n, (void)host, (void)network, (void)timeout_ms, (void)v, (void)err, (void)errlen;
	return 0;
}
