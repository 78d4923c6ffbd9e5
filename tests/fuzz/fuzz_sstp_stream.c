/* Fuzz target: the SSTP probe's own byte handling (wire/sstp.h struct sstp_stream): what a server
 * sends after SSTP_DUPLEX_POST, cut into pieces of varying size as TCP/TLS deliver it, through the
 * bounded HTTP head parser and the SSTP frame splitter, each packet parsed and, for a Call Connect
 * Ack, its Crypto Binding Request checked; exactly what src/probes/sstp.c does with the bytes.
 * Input: one byte seeding the piece sizes, then the stream. Invariants checked: the stream never
 * holds more than its capacity, has room after every NEED_MORE, and a returned packet is exactly
 * as long as its header says. Seeds (corpus/fuzz_sstp_stream/): the lab responder's answers
 * (HTTP 200 + the [MS-SSTP] 4.7 Call Connect Ack, + a Nak), an endless head, a 405. */
#include <stdint.h>
#include <string.h>

#include "wire/sstp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sstp_stream s;
	struct sstp_stream_event ev;
	struct sstp_msg m;
	char err[200];
	if (size < 1)
		return 0;
	uint32_t seed = data[0] | 1u;
	size_t off = 1;
	sstp_stream_init(&s);
	for (int rounds = 0; off < size && rounds < 100000; rounds++) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 2048;
		if (piece > size - off)
			piece = size - off;
		size_t room = sstp_stream_space(&s);
		if (room == 0)
			__builtin_trap(); /* there is always room after NEED_MORE */
		size_t took = sstp_stream_feed(&s, data + off, piece);
		if (took == 0 || took > piece || s.len > SSTP_STREAM_CAP)
			__builtin_trap();
		off += took;
		for (int k = 0; k < 64; k++) {
			enum sstp_stream_ev e = sstp_stream_next(&s, &ev, err, sizeof err);
			if (e == SSTP_EV_NEED_MORE)
				break;
			if (e == SSTP_EV_BAD_HEAD || e == SSTP_EV_BAD_FRAME)
				return 0;
			if (e == SSTP_EV_PACKET) {
				size_t pl = 0;
				if (sstp_frame(ev.pkt, ev.pkt_len, &pl) != 1 || pl != ev.pkt_len)
					__builtin_trap();
				if (sstp_parse(ev.pkt, ev.pkt_len, &m, err, sizeof err) == 0 && m.control &&
				    m.msg_type == SSTP_MSG_CALL_CONNECT_ACK)
					(void)sstp_ack_binding_check(&m, err, sizeof err);
			}
		}
	}
	return 0;
}
