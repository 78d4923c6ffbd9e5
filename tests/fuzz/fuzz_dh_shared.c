/* Fuzz target: the server's KE payload (crypto/dh.h dh_shared): its length, a MODP value outside
 * 2..p-2, an ECP point not on the curve. Input: group selector (1 byte: 0 ECP-256 with the RFC 5903
 * 8.1 private key, 1 MODP-1024, 2 MODP-2048, 3 ECP-384, 4 ECP-521, 5 MODP-2048/256 (group 24)),
 * then the peer's KE data. The key pairs are made once (static), never per input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t unhex1(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2)
		out[n++] = (uint8_t)(unhex1(h[0]) << 4 | unhex1(h[1]));
	return n;
}

/* RFC 5903 8.1: i, g^i, g^r and the x of g^ir. */
static const char rfc_i[] = "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433";
static const char rfc_gi[] = "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
			     "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3";
static const char rfc_gr[] = "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
			     "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB";
static const char rfc_gir[] = "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE";

#define NKEYS 6
static struct dh_key keys[NKEYS];
static int have[NKEYS];
static uint8_t gr[64], gir[32];

static void init(void)
{
	static const uint16_t groups[NKEYS] = {19, 2, 14, 20, 21, 24};
	uint8_t priv[32], gi[64];
	size_t pl = unhex(rfc_i, priv), gl = unhex(rfc_gi, gi);
	unhex(rfc_gr, gr);
	unhex(rfc_gir, gir);
	have[0] = dh_key_import(19, priv, pl, gi, gl, &keys[0]) == 0;
	for (size_t i = 1; i < NKEYS; i++)
		have[i] = dh_group_supported(groups[i]) && dh_keygen(groups[i], &keys[i]) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int done;
	if (!done) {
		init();
		done = 1;
	}
	if (size < 1)
		return 0;
	size_t g = data[0] % NKEYS;
	if (!have[g])
		return 0;
	uint8_t out[DH_MAX_PUB];
	int n = dh_shared(&keys[g], data + 1, size - 1, out, sizeof out);
	if (n >= 0 && (size - 1 != dh_pub_len(keys[g].group) || (size_t)n > sizeof out))
		abort(); /* a secret only from a value of the group's exact length */
	if (g == 0 && size - 1 == sizeof gr && memcmp(data + 1, gr, sizeof gr) == 0 &&
	    (n != (int)sizeof gir || memcmp(out, gir, sizeof gir) != 0))
		abort(); /* RFC 5903 8.1 known answer */
	return 0;
}
