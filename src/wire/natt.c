/* Non-ESP marker handling (RFC 3948): see natt.h. */
#include "wire/natt.h"

#include "wire/wbuf.h"

bool natt_strip(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen)
{
	*payload = buf;
	*plen = len;
	if (!buf)
		return false;
	struct rbuf r;
	uint32_t marker = 1;
	rbuf_init(&r, buf, len);
	if (!rbuf_u32(&r, &marker) || marker != 0)
		return false;
	size_t n = rbuf_left(&r);
	const uint8_t *rest = NULL;
	if (!rbuf_bytes(&r, n, &rest))
		return false;
	*payload = rest;
	*plen = n;
	return true;
}

enum natt_kind natt_classify(const uint8_t *buf, size_t len)
{
	const uint8_t *p;
	size_t n;
	if (natt_strip(buf, len, &p, &n))
		return NATT_IKE;
	if (buf && len == 1 && buf[0] == 0xff)
		return NATT_KEEPALIVE;
	return len >= NATT_MARKER_LEN ? NATT_ESP : NATT_SHORT;
}

const char *natt_kind_name(enum natt_kind k)
{
	switch (k) {
	case NATT_IKE:
		return "an IKE message behind the non-ESP marker";
	case NATT_KEEPALIVE:
		return "a NAT keepalive";
	case NATT_ESP:
		return "no non-ESP marker (ESP or not IKE)";
	case NATT_SHORT:
		return "shorter than the non-ESP marker";
	}
	return "?";
}
