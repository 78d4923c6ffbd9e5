/* Fuzz target: the server's encrypted replies after MM5 as the L2TP probe handles them
 * (crypto/ike1_keys: ike1_keys_decrypt inside ike1_mm6_verify and ike1_info_verify; wire/ikev1:
 * ike1_parse_plain and the Informational walker ike1_parse_info_plain). The keys are derived once
 * (PSK "secret", SHA1, AES-256 or 3DES, fixed nonces/DH values/cookies as in test_ike1_keys.c),
 * never per input. Byte 0: bit 0 MM6 (0) or Informational (1); bit 1 the rest is a whole ISAKMP
 * message (0) or a plaintext payload chain that the harness encrypts with the right IV first (1),
 * so the parser and the hash checks behind the decryption are reached; bit 2 AES-256 (0) or 3DES
 * (1). Seeds: an MM6 plaintext (IDir ID_IPV4_ADDR 198.18.0.2 + HASH_R) and an Informational
 * plaintext (HASH(1) + N(INVALID-ID-INFORMATION)) that verify with these keys, and the same MM6
 * encrypted as a whole message. */
#include <stdint.h>
#include <string.h>

#include "crypto/ike1_keys.h"
#include "wire/ikev1.h"
#include "wire/wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike1_keys K[2];
static struct ike1_scratch S;
static const uint8_t SAI[16] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8, 1, 1, 0, 0};
static const uint8_t LAST[16] = {0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c,
				 0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c, 0x6c};
#define MSG_ID 0x01020304u

static int init(void)
{
	static int done;
	if (done)
		return done;
	uint8_t ni[16], nr[16], gxy[32], gxi[64], gxr[64];
	const uint8_t ci[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	const uint8_t cr[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
	char err[160];
	memset(ni, 0x11, 16);
	memset(nr, 0x22, 16);
	memset(gxy, 0x33, 32);
	memset(gxi, 0x44, 64);
	memset(gxr, 0x55, 64);
	struct ike1_keys_in in = {.hash = IKE1_HASH_SHA1, .enc = IKE1_ENC_AES_CBC, .key_bits = 256,
				  .psk = (const uint8_t *)"secret", .psk_len = 6, .ni = ni, .ni_len = 16,
				  .nr = nr, .nr_len = 16, .gxy = gxy, .gxy_len = 32, .gxi = gxi, .gxi_len = 64,
				  .gxr = gxr, .gxr_len = 64, .cky_i = ci, .cky_r = cr};
	done = 1;
	if (ike1_keys_derive_psk(&K[0], &in, err, sizeof err) != 0)
		done = -1;
	in.enc = IKE1_ENC_3DES_CBC;
	in.key_bits = 0;
	if (ike1_keys_derive_psk(&K[1], &in, err, sizeof err) != 0)
		done = -1;
	return done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[IKE1_HDR_LEN + IKE1_PLAIN_MAX + 64];
	static struct ike1_msg m;
	char err[200];
	if (size < 1 || init() != 1)
		return 0;
	bool info = data[0] & 1, plain = data[0] & 2;
	const struct ike1_keys *k = &K[(data[0] >> 2) & 1];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	if (plain) {
		/* header + the chain padded with zeros to the block and encrypted with the right IV */
		uint8_t pt[IKE1_PLAIN_MAX], iv[IKE1_BLOCK_MAX];
		size_t bl = k->block_len, pl = n + (bl - n % bl) % bl;
		if (pl == 0 || pl > sizeof pt)
			return 0;
		memset(pt, 0, pl);
		memcpy(pt, p, n);
		memcpy(iv, LAST, sizeof iv);
		if (info && ike1_keys_msg_iv(k, LAST, MSG_ID, iv) != 0)
			return 0;
		struct wbuf w;
		wbuf_init(&w, msg, sizeof msg);
		wbuf_zero(&w, 8);
		wbuf_zero(&w, 8);
		wbuf_u8(&w, info ? IKE1_PL_HASH : IKE1_PL_ID);
		wbuf_u8(&w, IKE1_VERSION);
		wbuf_u8(&w, info ? IKE1_EX_INFORMATIONAL : IKE1_EX_IDENTITY_PROTECTION);
		wbuf_u8(&w, IKE1_F_ENCRYPTION);
		wbuf_u32(&w, info ? MSG_ID : 0);
		wbuf_u32(&w, (uint32_t)(IKE1_HDR_LEN + pl));
		if (w.err || ike1_keys_encrypt(k, iv, pt, pl, msg + IKE1_HDR_LEN) != 0)
			return 0;
		p = msg;
		n = IKE1_HDR_LEN + pl;
	}
	if (ike1_parse(p, n, &m, err, sizeof err) != 0 || !m.encrypted)
		return 0;
	if (info) {
		uint16_t type = 0;
		int v = ike1_info_verify(k, LAST, &m, &S, &type, err, sizeof err);
		if (v != 1 && type != 0)
			__builtin_trap(); /* a notify type is only reported from a verified message */
	} else {
		uint8_t iv[IKE1_BLOCK_MAX];
		memcpy(iv, LAST, sizeof iv);
		(void)ike1_mm6_verify(k, iv, &m, SAI, sizeof SAI, &S, err, sizeof err);
	}
	return 0;
}
