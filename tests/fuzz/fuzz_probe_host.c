/* libFuzzer: the HOST operand of `vpndiag probe` (net_host_classify), which must never crash and
 * must classify literals consistently with inet_pton. No lookups are made. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 400)
		return 0;
	char s[401];
	memcpy(s, data, size);
	s[size] = '\0';
	enum net_host_kind k = net_host_classify(s);
	unsigned char buf[16];
	if (k == NET_HOST_IPV4 && inet_pton(AF_INET, s, buf) != 1)
		abort();
	if (inet_pton(AF_INET, s, buf) == 1 && k != NET_HOST_IPV4)
		abort();
	if (k == NET_HOST_NAME && (strchr(s, ':') || strchr(s, ' ') || strlen(s) > 254))
		abort();
	return 0;
}
