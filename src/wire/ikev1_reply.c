/* IKEv1 / ISAKMP (wire/ikev1.h): is a parsed message the reply to our request (the cookie and
 * exchange checks, then what the step waits for), and the walker of a decrypted Informational
 * whose first block may be garbled. Pure functions; pointers point into the caller's buffers. */
#include "wire/ikev1.h"

#include <string.h>

#include "wire/wire_util.h"

/* ---- reply checks ---- */

const char *ike1_reply_status_name(enum ike1_reply_status s)
{
	switch (s) {
	case IKE1_REPLY_OK: return "a reply to our request";
	case IKE1_REPLY_NOT_OUR_COOKIE: return "not our initiator cookie";
	case IKE1_REPLY_WRONG_EXCHANGE: return "our cookie, but neither our exchange type nor Informational";
	case IKE1_REPLY_ZERO_CKY_R: return "responder cookie zero: our own request reflected, or not a reply";
	case IKE1_REPLY_OTHER_CKY_R: return "another responder cookie than in MM2";
	case IKE1_REPLY_UNEXPECTED: return "our cookies, but not the message this step waits for";
	case IKE1_REPLY_RETRANSMIT: return "the server's previous message again (a retransmission)";
	case IKE1_REPLY_ENCRYPTED: return "encrypted where only a clear message can come";
	case IKE1_REPLY_BAD_SOURCE: return "not from the address and port the request went to";
	case IKE1_REPLY_NOT_IKE: return "a NAT keepalive";
	}
	return "?";
}

/* Constant-time comparison of n bytes (no early exit on the first difference). */
static bool ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

static bool is_zero8(const uint8_t c[8])
{
	uint8_t d = 0;
	for (size_t i = 0; i < 8; i++)
		d |= c[i];
	return d == 0;
}

enum ike1_reply_status ike1_reply_check(const struct ike1_msg *m, const struct ike1_request *req)
{
	if (!ct_equal(m->hdr.cky_i, req->cky_i, 8))
		return IKE1_REPLY_NOT_OUR_COOKIE;
	bool info = m->hdr.exchange == IKE1_EX_INFORMATIONAL;
	if (!info && m->hdr.exchange != req->exchange)
		return IKE1_REPLY_WRONG_EXCHANGE;
	if (!info && is_zero8(m->hdr.cky_r))
		return IKE1_REPLY_ZERO_CKY_R;
	if (!is_zero8(req->cky_r) && !is_zero8(m->hdr.cky_r) && !ct_equal(m->hdr.cky_r, req->cky_r, 8))
		return IKE1_REPLY_OTHER_CKY_R;
	return IKE1_REPLY_OK;
}

static enum ike1_reply_status reply_set(struct ike1_reply *out, enum ike1_reply_status st, enum ike1_reply_kind k,
					const char *why)
{
	out->status = st;
	out->kind = st == IKE1_REPLY_OK ? k : IKE1_KIND_NONE;
	out->why = why ? why : st == IKE1_REPLY_OK ? "" : ike1_reply_status_name(st);
	return st;
}

/* RFC 2409 5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive." */
static bool nonce_ok(const struct ike1_msg *m)
{
	return m->has_nonce && m->nonce.len >= 8 && m->nonce.len <= 256;
}

enum ike1_reply_status ike1_reply_classify(const struct ike1_msg *m, const struct ike1_request *req,
					   enum ike1_step step, struct ike1_reply *out)
{
	memset(out, 0, sizeof *out);
	enum ike1_reply_status st = ike1_reply_check(m, req);
	if (st != IKE1_REPLY_OK)
		return reply_set(out, st, IKE1_KIND_NONE, NULL);
	bool info = m->hdr.exchange == IKE1_EX_INFORMATIONAL;
	if (info && !m->encrypted) {
		out->notify = ike1_first_error(m);
		if (out->notify)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_ERROR_NOTIFY, NULL);
		if (step == IKE1_STEP_MM6)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_INFO_CLEAR, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "an Informational without an error notify");
	}
	switch (step) {
	case IKE1_STEP_MM2:
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE, NULL);
		if (m->has_sa && m->sa.nproposals == 1 && m->sa.p[0].ntransforms == 1)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM2, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
				 "not an MM2 with one transform nor an error notify");
	case IKE1_STEP_MM4:
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE, NULL);
		if (m->has_sa && !m->has_ke)
			return reply_set(out, IKE1_REPLY_RETRANSMIT, IKE1_KIND_NONE, "MM2 again (a retransmission)");
		if (m->has_ke && m->has_nonce && !nonce_ok(m))
			return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
					 "an MM4 whose nonce is not 8 to 256 bytes (RFC 2409 5)");
		if (m->has_ke && nonce_ok(m))
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM4, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "not an MM4 (KE and nonce)");
	case IKE1_STEP_MM6:
		if (info)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_INFO_ENCRYPTED, NULL);
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_MM6, NULL);
		if (m->has_ke || m->has_sa)
			return reply_set(out, IKE1_REPLY_RETRANSMIT, IKE1_KIND_NONE,
					 "a clear Main Mode message after MM5 (MM2 or MM4 again)");
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "a clear Main Mode message after MM5");
	case IKE1_STEP_AM2: {
		if (m->encrypted)
			return reply_set(out, IKE1_REPLY_ENCRYPTED, IKE1_KIND_NONE,
					 "an encrypted message in answer to Aggressive Mode 1");
		const struct ike1_transform *t =
			m->has_sa && m->sa.nproposals == 1 && m->sa.p[0].ntransforms == 1 ? &m->sa.p[0].t[0] : NULL;
		if (t && m->has_ke && nonce_ok(m) && m->has_hash && m->hash.len > 0 && t->auth == IKE1_AUTH_PRE_SHARED_KEY)
			return reply_set(out, IKE1_REPLY_OK, IKE1_KIND_AM2, NULL);
		return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE,
				 "not an Aggressive Mode 2 with one pre-shared-key transform, KE, Nr and HASH_R");
	}
	}
	return reply_set(out, IKE1_REPLY_UNEXPECTED, IKE1_KIND_NONE, "no such step");
}

/* ---- the encrypted Informational ---- */

int ike1_parse_info_plain(const struct ike1_header *hdr, const uint8_t *plain, size_t len, size_t hash_len,
			  struct ike1_msg *out, struct ike1_blob *hash, struct ike1_blob *covered, char *err,
			  size_t errlen)
{
	static const uint8_t firsts[2] = {IKE1_PL_N, IKE1_PL_D};
	struct rbuf r, tail;
	memset(hash, 0, sizeof *hash);
	memset(covered, 0, sizeof *covered);
	memset(out, 0, sizeof *out);
	if (hash_len == 0 || hash_len > 64)
		return wire_fail(err, errlen, "HASH length %zu not supported", hash_len);
	rbuf_init(&r, plain, len);
	if (!rbuf_skip(&r, 4))
		return wire_fail(err, errlen, "%zu bytes: shorter than a HASH payload", len);
	wire_take(&r, hash_len, &hash->p, &hash->len);
	if (r.err || rbuf_left(&r) < 4)
		return wire_fail(err, errlen, "%zu bytes: no payload after HASH(1)", len);
	for (size_t i = 0; i < sizeof firsts; i++) {
		struct ike1_header h = *hdr;
		tail = r;
		h.next_payload = firsts[i];
		const uint8_t *tp = NULL;
		size_t tl = rbuf_left(&tail);
		if (!rbuf_bytes(&tail, tl, &tp))
			break;
		if (ike1_parse_plain(&h, tp, tl, out, err, errlen) != 0)
			continue;
		struct rbuf c;
		rbuf_init(&c, tp, tl);
		wire_take(&c, out->chain_len, &covered->p, &covered->len);
		if (covered->len == 0)
			break;
		return 0;
	}
	memset(out, 0, sizeof *out);
	memset(hash, 0, sizeof *hash);
	return wire_fail(err, errlen, "the payloads after HASH(1) are neither a Notification nor a Delete chain");
}
