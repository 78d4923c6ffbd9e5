/* Fuzz target: the L2TP probe's reply handling for IKEv1 (wire/natt natt_classify/natt_strip, then
 * wire/ikev1 ike1_parse and the shared "is this a reply to our request" check ike1_reply_classify
 * at every step of Main Mode and for Aggressive Mode). Byte 0 chooses UDP 500 (even) or 4500
 * behind the non-ESP marker (odd); the request's cookies are fixed (CKY-I 11..11, CKY-R 22..22, as
 * in the seed corpus), so inputs that reach the checks past the cookie compare are easy to find. */
#include <stdint.h>
#include <string.h>

#include "wire/ikev1.h"
#include "wire/natt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike1_msg m;
	static const enum ike1_step steps[] = {IKE1_STEP_MM2, IKE1_STEP_MM4, IKE1_STEP_MM6, IKE1_STEP_AM2};
	char err[256];
	if (size < 1)
		return 0;
	bool natt = data[0] & 1;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	if (natt) {
		if (natt_classify(p, n) != NATT_IKE)
			return 0;
		(void)natt_strip(p, n, &p, &n);
	}
	if (ike1_parse(p, n, &m, err, sizeof err) != 0)
		return 0;
	struct ike1_request req;
	memset(&req, 0, sizeof req);
	memset(req.cky_i, 0x11, 8);
	memset(req.cky_r, 0, 8);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct ike1_reply rp;
		req.exchange = steps[i] == IKE1_STEP_AM2 ? IKE1_EX_AGGRESSIVE : IKE1_EX_IDENTITY_PROTECTION;
		if (steps[i] != IKE1_STEP_MM2 && steps[i] != IKE1_STEP_AM2)
			memset(req.cky_r, 0x22, 8);
		else
			memset(req.cky_r, 0, 8);
		enum ike1_reply_status st = ike1_reply_classify(&m, &req, steps[i], &rp);
		(void)ike1_reply_status_name(st);
		if (st == IKE1_REPLY_OK && (rp.kind == IKE1_KIND_ERROR_NOTIFY) && !rp.notify)
			__builtin_trap(); /* an error notify reply always names its notify */
		if (st == IKE1_REPLY_OK && rp.kind == IKE1_KIND_MM2 && (m.sa.nproposals != 1 || m.sa.p[0].ntransforms != 1))
			__builtin_trap();
		if (st == IKE1_REPLY_OK && (rp.kind == IKE1_KIND_MM4 || rp.kind == IKE1_KIND_AM2) &&
		    (m.nonce.len < 8 || m.nonce.len > 256 || !m.has_ke))
			__builtin_trap();
	}
	return 0;
}
