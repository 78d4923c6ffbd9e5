/* Fuzz target: the MSG_ERRQUEUE control-data walker (net_errqueue_parse): ICMP errors about our
 * datagrams, whose type, code and offender address come from the network. */
#include <stdint.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_rx rx;
	memset(&rx, 0, sizeof rx);
	(void)net_errqueue_parse(data, size, &rx);
	if (rx.kind == NET_RX_ICMP)
		(void)net_icmp_class_name(rx.icmp_class);
	return 0;
}
