/* RFC 7383 IKE fragment reassembly, bounded and pure (no crypto, no I/O). Each SKF fragment is
 * authenticated and decrypted on its own (crypto/ike2_keys.h ike2_sk_open); its plaintext is
 * handed here with its Fragment Number, Total Fragments and (fragment 1 only) Next Payload.
 *
 * Rules (RFC 7383 2.6): numbers run 1..total; every fragment of one message carries the same
 * total, so a fragment with a different total is rejected ("inconsistent total") [RFC 7383 lets a
 * responder restart with a larger total when it re-fragments; this reassembler does not follow
 * that: it rejects, and the probe counts it]; a number already held is a duplicate and ignored;
 * a number above the total, 0, or a total of 0 is out of range. At most IKE2_FRAG_MAX fragments
 * and IKE2_FRAG_MAX_BYTES of plaintext in all.
 * Ownership: struct ike2_frag keeps copies of the plaintexts in its own fixed buffer (about
 * 64 KiB: allocate it on the heap); nothing points into the caller's buffers. */
#ifndef VPNDIAG_WIRE_IKE2_FRAG_H
#define VPNDIAG_WIRE_IKE2_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE2_FRAG_MAX 64
#define IKE2_FRAG_MAX_BYTES 65535

enum ike2_frag_rc {
	IKE2_FRAG_STORED = 0,   /* kept; more are needed */
	IKE2_FRAG_COMPLETE = 1, /* every fragment is here: ike2_frag_assemble */
	IKE2_FRAG_DUPLICATE = 2,/* already held: ignored */
	IKE2_FRAG_REJECTED = -1 /* out of range, inconsistent total, too many, too large */
};

struct ike2_frag {
	uint16_t total;               /* 0 until the first fragment */
	uint16_t have;
	uint8_t first_inner;          /* Next Payload of fragment 1 */
	size_t used;
	size_t off[IKE2_FRAG_MAX + 1], len[IKE2_FRAG_MAX + 1]; /* by fragment number */
	bool got[IKE2_FRAG_MAX + 1];
	uint8_t buf[IKE2_FRAG_MAX_BYTES];
};

void ike2_frag_init(struct ike2_frag *f);
/* Adds one decrypted fragment. next_payload is only used for num 1. err gets a reason on
 * IKE2_FRAG_REJECTED / _DUPLICATE. */
enum ike2_frag_rc ike2_frag_add(struct ike2_frag *f, uint16_t num, uint16_t total, uint8_t next_payload,
				const uint8_t *plain, size_t len, char *err, size_t errlen);
/* Concatenates fragments 1..total into out. Returns the length (and *first), or -1 when not
 * complete or out is too small. */
int ike2_frag_assemble(const struct ike2_frag *f, uint8_t *out, size_t cap, uint8_t *first);

#endif
