/* libFuzzer target: `vpndiag scan`'s IKEv1 (L2TP/IPsec) reply path: scan_reply1_check (ike1_parse,
 * the keyed cookie, ike1_reply_classify) on a datagram whose initiator cookie is, by the first
 * byte, left as is or set to the scan's Main Mode (set 0 or 1) or Aggressive Mode cookie, waiting
 * for MM2 or (bit 2) for MM4; then, as
 * scan.c does, the observations (probes/l2tp_reply.h) and the same rules as probe. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "probes/l2tp_reply.h"
#include "profile/profile.h"
#include "rules/rules.h"
#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const struct obs *o)
{
	obs_result_add(ctx, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t KEY[SPI_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static struct profile prof;
	static bool have_prof;
	static struct ike1_msg m;
	static struct diagnosis d;
	char err[200];
	if (size < 1 || size > 4096)
		return 0;
	if (!have_prof) {
		if (profile_choice_part(NULL, 1, &prof, err, sizeof err) != 0)
			__builtin_trap();
		have_prof = true;
	}
	struct spi_key k;
	if (spi_key_set(&k, KEY) != 0)
		return 0;
	struct net_addr from;
	memset(&from, 0, sizeof from);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&from.ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(500);
	s4->sin_addr.s_addr = htonl(0xc6130a0a); /* 198.19.10.10 */
	from.len = sizeof *s4;
	uint8_t buf[4096];
	size_t len = size - 1;
	memcpy(buf, data + 1, len);
	unsigned mode = data[0] & 3;
	if (mode && len >= 8 && !scan_cookie1(&k, &from, 500, mode == 3, mode == 2, buf))
		__builtin_trap();
	struct scan_reply1 y;
	/* bit 2 of the first byte: as if waiting for MM4, with the datagram's own responder cookie */
	uint8_t cky_r[8] = {0};
	if (len >= 16)
		memcpy(cky_r, buf + 8, 8);
	enum scan_reply r = scan_reply1_check(&k, &from, 500, (unsigned)prof.nsets, (data[0] & 4) ? cky_r : NULL, buf, len,
					      &m, &y);
	if (r == SCAN_R_ACCEPT || r == SCAN_R_ERROR) {
		if (y.set >= prof.nsets || (r == SCAN_R_ERROR && !y.notify))
			__builtin_trap();
		struct obs_result *o = calloc(1, sizeof *o);
		if (o) {
			o->selected = o->probed = KB_P_L2TP;
			struct l2tp_reply_ctx x = {.port = 500, .alt = !y.am && y.set > 0, .set = &prof.sets[y.am ? 0 : y.set],
						   .what = y.am ? "Aggressive Mode 1" : "MM1", .sink = sink, .sink_ctx = o};
			if (y.am)
				r == SCAN_R_ACCEPT ? l2tp_reply_am_hash(&x, &m, 1) : l2tp_reply_am_refused(&x, y.notify, 1);
			else if (r == SCAN_R_ERROR)
				l2tp_reply_refused(&x, y.notify);
			else if (y.mm4) {
				struct net_addr local = from;
				l2tp_reply_mm4(&x, &m, 19);
				l2tp_reply_nat(&x, &m, 2, m.hdr.cky_i, cky_r, &local, &from);
			} else {
				l2tp_reply_accepted(&x, &m);
				(void)l2tp_reply_vids(&x, &m);
			}
			rules_evaluate(o, &d);
			obs_result_free(o);
			free(o);
		}
	}
	memset(&m, 0, sizeof m);
	spi_key_free(&k);
	return 0;
}
