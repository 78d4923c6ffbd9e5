/* Fuzz target: the server's KE payload through ike1_dh_shared (crypto/ike1_keys), for the four
 * groups Windows proposes. Our key pairs are made once (fixed private keys: the RFC 5903 8.1 and
 * 8.2 initiator keys for ECP-256/384, a fixed 32-byte exponent for MODP-1024/2048), never per
 * input. Byte 0 chooses the group (mod 4); the rest is the peer's public value. Seeds: the RFC
 * 5903 responder values g^r, and MODP public values of a fixed exponent. */
#include <stdint.h>
#include <string.h>

#include "crypto/ike1_keys.h"
#include "wire/ikev1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike1_dh DH[4];
static const uint16_t GROUPS[4] = {IKE1_GROUP_MODP_1024, IKE1_GROUP_MODP_2048, IKE1_GROUP_ECP_256,
				   IKE1_GROUP_ECP_384};

static int init(void)
{
	static int done;
	static const uint8_t p256[32] = {0xC8, 0x8F, 0x01, 0xF5, 0x10, 0xD9, 0xAC, 0x3F, 0x70, 0xA2, 0x92,
					 0xDA, 0xA2, 0x31, 0x6D, 0xE5, 0x44, 0xE9, 0xAA, 0xB8, 0xAF, 0xE8,
					 0x40, 0x49, 0xC6, 0x2A, 0x9C, 0x57, 0x86, 0x2D, 0x14, 0x33};
	static const uint8_t p384[48] = {0x09, 0x9F, 0x3C, 0x70, 0x34, 0xD4, 0xA2, 0xC6, 0x99, 0x88, 0x4D, 0x73,
					 0xA3, 0x75, 0xA6, 0x7F, 0x76, 0x24, 0xEF, 0x7C, 0x6B, 0x3C, 0x0F, 0x16,
					 0x06, 0x47, 0xB6, 0x74, 0x14, 0xDC, 0xE6, 0x55, 0xE3, 0x5B, 0x53, 0x80,
					 0x41, 0xE6, 0x49, 0xEE, 0x3F, 0xAE, 0xF8, 0x96, 0x78, 0x3A, 0xB1, 0x94};
	uint8_t modp[32];
	char err[160];
	if (done)
		return done;
	done = 1;
	memset(modp, 0x5b, sizeof modp);
	for (int g = 0; g < 4; g++) {
		const uint8_t *priv = g == 2 ? p256 : g == 3 ? p384 : modp;
		size_t pl = g == 2 ? sizeof p256 : g == 3 ? sizeof p384 : sizeof modp;
		if (ike1_dh_set_private(&DH[g], GROUPS[g], priv, pl, err, sizeof err) != 0)
			done = -1;
	}
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[IKE1_DH_MAX];
	size_t outlen = 0;
	char err[200];
	if (size < 1 || init() != 1)
		return 0;
	const struct ike1_dh *dh = &DH[data[0] & 3];
	int rc = ike1_dh_shared(dh, data + 1, size - 1, out, sizeof out, &outlen, err, sizeof err);
	if (rc == 0 && (size - 1 != ike1_dh_pub_len(dh->group) || outlen == 0 || outlen > sizeof out))
		__builtin_trap(); /* only a value of the group's exact length is taken */
	return 0;
}
