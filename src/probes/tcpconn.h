/* A non-blocking TCP connect driven by the engine loop, shared by the TCP probes (SSTP, PPTP):
 * start it, feed it the fd's wake-ups and the stage deadline, and it records the outcome as one
 * of the core observations tcp-connected / tcp-refused / tcp-unreachable / tcp-no-answer.
 * Ownership: the fd belongs to the caller's struct tcpconn; tcpconn_close closes it. */
#ifndef VPNDIAG_PROBES_TCPCONN_H
#define VPNDIAG_PROBES_TCPCONN_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/probe.h"

enum tcpconn_state { TCPCONN_IDLE, TCPCONN_PENDING, TCPCONN_UP, TCPCONN_FAILED };

struct tcpconn {
	int fd;
	uint16_t port;
	unsigned proto;        /* KB_P_* of the probe (for the observations) */
	const char *what;      /* "SSTP" ... for the evidence sentences */
	bool quiet;            /* record no observation (a second, internal connection) */
	enum tcpconn_state state;
	uint32_t started, deadline;
	struct net_addr dst;
};

/* Starts the connect to the target on port; deadline is the engine time to give up at.
 * Returns 0 (pending or already failed: check c->state), -1 on a local error (recorded). */
int tcpconn_start(struct tcpconn *c, struct engine *e, struct probe_inst *pi, uint16_t port, uint32_t deadline);
/* The fd woke up (readable/writable/error) while pending: updates c->state (records it). */
void tcpconn_event(struct tcpconn *c, struct engine *e, struct probe_inst *pi);
/* The deadline passed while pending: records tcp-no-answer, state FAILED. */
void tcpconn_timeout(struct tcpconn *c, struct engine *e, struct probe_inst *pi);
void tcpconn_close(struct tcpconn *c, struct engine *e);
/* The observation of one connect outcome (kind: tcp-connected / -refused / -closed / -unreachable /
 * -no-answer) to dst:port after waited ms (err: the errno value; fd: the socket, for our end's
 * address, or -1), as the probes record it; also `vpndiag scan`'s TCP sweep. Pure but getsockname. */
void tcpconn_obs(struct obs *o, enum obs_kind kind, unsigned proto, uint16_t port, const struct net_addr *dst, int fd,
		 uint32_t waited, int err);

#endif
