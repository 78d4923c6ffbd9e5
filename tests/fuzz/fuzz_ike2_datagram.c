/* Fuzz target: a datagram as the IKEv2 probe receives it (issue 11, formerly parse_datagram /
 * auth_datagram in probes/ikev2.c): wire/natt.h natt_strip / natt_classify, then
 * wire/ikev2.h ike2_parse_datagram and what the message is as an IKE_SA_INIT reply
 * (ike2_init_reply_kind) and as an IKE_AUTH / INFORMATIONAL reply (ike2_auth_reply_kind). Input:
 * one flag byte (bit 0: received on UDP 4500, behind the non-ESP marker; bit 1: classify as the
 * reply of the IKE SA named in its own header; bit 2: deleting), then the datagram. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ikev2.h"
#include "wire/natt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike2_msg m;
	char why[200];
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *buf = data + 1;
	size_t len = size - 1;
	const uint8_t *p;
	size_t n;
	bool marker = natt_strip(buf, len, &p, &n);
	if (marker != (natt_classify(buf, len) == NATT_IKE))
		abort();
	if (marker ? (p != buf + 4 || n != len - 4) : (p != buf || n != len))
		abort(); /* stripped exactly the 4-byte marker, or nothing */
	enum ike2_dgram k = ike2_parse_datagram(buf, len, flags & 1, &m, why, sizeof why);
	if (memchr(why, 0, sizeof why) == NULL)
		abort();
	if (k != IKE2_DG_MESSAGE)
		return 0;
	if (m.raw < buf || m.raw_len > len || (size_t)(m.raw - buf) + m.raw_len != len)
		abort(); /* the message runs to the end of the datagram */
	if (m.has_sk && (m.sk_iv_off > m.raw_len || m.sk_iv_off < 32 || m.raw_len - m.sk_iv_off > m.sk.len))
		abort(); /* the IV offset is inside the SK payload */
	enum ike2_init_reply ir = ike2_init_reply_kind(&m);
	(void)ike2_init_reply_why(ir);
	if (ir == IKE2_IR_ACCEPT && (m.nproposals != 1 || !m.has_ke || m.nonce.len < 16))
		abort();
	uint64_t si = m.hdr.spi_i, sr = m.hdr.spi_r;
	if (!(flags & 2))
		sr ^= 1;
	enum ike2_auth_reply ar = ike2_auth_reply_kind(&m, si, sr, flags & 4);
	if ((ar == IKE2_AR_SK || ar == IKE2_AR_SKF) && !m.has_sk)
		abort();
	return 0;
}
