/* Probe-level fuzz target: the IKEv2 and the L2TP/IPsec probes' state machines, driven by a
 * hostile server over loopback (127.0.0.1 only). The input is a sequence of reply datagrams: the
 * responder thread answers the N-th datagram the probe sends with the N-th chunk of the input,
 * after writing the request's initiator SPI/cookie into it (the probes only accept replies that
 * carry their keyed SPI, so without this no input would reach past the first check). The engine
 * runs with a short bound, so each input costs tens of milliseconds: this complements the
 * per-parser targets and the hostile lab (tests/lab/hostile), it does not replace them.
 *
 * Input: byte 0 selects the protocol (even: IKEv2, odd: L2TP with a pre-shared key) and whether
 * the SPI is patched (bit 1 clear: patched); then chunks of [u16 big-endian length][bytes],
 * at most MAX_CHUNKS. */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "kb/kb.h"
#include "rules/rules.h"

#define MAX_CHUNKS 12
#define RUN_MS 30u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chunk {
	const uint8_t *p;
	size_t len;
};

struct server {
	int fd[3];
	uint16_t port[3];
	struct chunk c[MAX_CHUNKS];
	size_t n, next;
	int patch;
	volatile int stop;
};

static int bind_lo(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sl) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	uint8_t req[2048], out[65536];
	struct pollfd pf[3];
	for (int i = 0; i < 3; i++)
		pf[i] = (struct pollfd){.fd = s->fd[i], .events = POLLIN};
	for (int rounds = 0; rounds < 64 && !s->stop; rounds++) {
		if (poll(pf, 3, 5) <= 0)
			continue;
		for (int i = 0; i < 3; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(s->fd[i], req, sizeof req, 0, (struct sockaddr *)&from, &fl);
			if (n <= 0 || s->next >= s->n)
				continue;
			struct chunk c = s->c[s->next++];
			memcpy(out, c.p, c.len);
			/* UDP 4500 carries the non-ESP marker: the SPI sits 4 bytes further in. */
			size_t off = i == 1 ? 4 : 0;
			if (!s->patch && (size_t)n >= off + 8 && c.len >= off + 8)
				memcpy(out + off, req + off, 8);
			(void)sendto(s->fd[i], out, c.len, 0, (struct sockaddr *)&from, fl);
		}
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static struct server s;
	memset(&s, 0, sizeof s);
	int l2tp = data[0] & 1;
	s.patch = data[0] & 2;
	size_t off = 1;
	while (s.n < MAX_CHUNKS && size - off >= 2) {
		size_t len = ((size_t)data[off] << 8) | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		s.c[s.n++] = (struct chunk){data + off, len};
		off += len;
	}
	for (int i = 0; i < 3; i++)
		s.fd[i] = bind_lo(&s.port[i]);
	if (s.fd[0] < 0 || s.fd[1] < 0 || s.fd[2] < 0)
		goto out;

	struct engine_opts o;
	memset(&o, 0, sizeof o);
	o.host = "127.0.0.1";
	o.family = AF_INET;
	o.timeout_ms = RUN_MS;
	static const uint8_t psk[] = "fuzz-psk";
	size_t idx = l2tp ? 1 : 0;
	o.protocols = l2tp ? KB_P_L2TP : KB_P_IKEV2;
	if (l2tp) {
		o.psk = psk;
		o.psk_len = sizeof psk - 1;
	}
	for (int i = 0; i < 3; i++)
		o.port_override[idx][i] = s.port[i];

	pthread_t th;
	if (pthread_create(&th, NULL, serve, &s) != 0)
		goto out;
	struct obs_result *r = calloc(1, sizeof *r);
	struct diagnosis *d = calloc(1, sizeof *d);
	char err[200];
	if (r && d && engine_run(&o, r, err, sizeof err) == 0) {
		rules_evaluate(r, d);
		/* The state machines' one promise that a hostile server must never break: a server that
		 * is only this input cannot pass every Windows check. */
		if (d->p[idx].verdict == VERDICT_WORKS)
			abort();
	}
	s.stop = 1;
	pthread_join(th, NULL);
	if (r)
		obs_result_free(r);
	free(r);
	free(d);
out:
	for (int i = 0; i < 3; i++)
		if (s.fd[i] >= 0)
			close(s.fd[i]);
	return 0;
}
