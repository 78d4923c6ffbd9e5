#include "wire/ike2_frag.h"

#include <stdio.h>
#include <string.h>

void ike2_frag_init(struct ike2_frag *f)
{
	f->total = 0;
	f->have = 0;
	f->first_inner = 0;
	f->used = 0;
	memset(f->got, 0, sizeof f->got);
	memset(f->off, 0, sizeof f->off);
	memset(f->len, 0, sizeof f->len);
}

#define REJECT(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); return IKE2_FRAG_REJECTED; } while (0)

enum ike2_frag_rc ike2_frag_add(struct ike2_frag *f, uint16_t num, uint16_t total, uint8_t next_payload,
				const uint8_t *plain, size_t len, char *err, size_t errlen)
{
	if (total == 0 || total > IKE2_FRAG_MAX)
		REJECT("total fragments %u outside 1..%u", (unsigned)total, (unsigned)IKE2_FRAG_MAX);
	if (num == 0 || num > total)
		REJECT("fragment number %u outside 1..%u", (unsigned)num, (unsigned)total);
	if (f->total && total != f->total)
		REJECT("total fragments %u differs from %u in an earlier fragment", (unsigned)total, (unsigned)f->total);
	if (f->got[num]) {
		if (err && errlen)
			snprintf(err, errlen, "fragment %u received twice", (unsigned)num);
		return IKE2_FRAG_DUPLICATE;
	}
	if (len > sizeof f->buf - f->used)
		REJECT("fragments exceed %u bytes in all (fragment %u)", (unsigned)IKE2_FRAG_MAX_BYTES, (unsigned)num);
	if (num == 1 && next_payload == 0)
		REJECT("fragment %u of %u has no Next Payload", (unsigned)num, (unsigned)total);
	f->total = total;
	f->got[num] = true;
	f->have++;
	f->off[num] = f->used;
	f->len[num] = len;
	if (len)
		memcpy(f->buf + f->used, plain, len);
	f->used += len;
	if (num == 1)
		f->first_inner = next_payload;
	return f->have == f->total ? IKE2_FRAG_COMPLETE : IKE2_FRAG_STORED;
}

int ike2_frag_assemble(const struct ike2_frag *f, uint8_t *out, size_t cap, uint8_t *first)
{
	if (!f->total || f->have != f->total || f->used > cap)
		return -1;
	size_t n = 0;
	for (unsigned i = 1; i <= f->total; i++) {
		if (!f->got[i])
			return -1;
		memcpy(out + n, f->buf + f->off[i], f->len[i]);
		n += f->len[i];
	}
	*first = f->first_inner;
	return (int)n;
}
