/* Shared by the unit tests: run the real binary and capture what it says; build a probe result by
 * hand. Linked into every tests/unit/test_*.c program (tests/CMakeLists.txt). */
#ifndef VPNDIAG_TESTS_HELPERS_H
#define VPNDIAG_TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obs/obs.h"

/* What one run of the binary printed and returned. */
struct th_run {
	int status;           /* its exit code (a crash fails the calling test) */
	char out[1 << 20];    /* stdout, NUL-terminated, cut at the buffer's size */
	char err[8192];       /* stderr */
};

/* Runs VPNDIAG_BIN with args (NULL-terminated, without argv[0]) and NO_COLOR=1; fills *r (static
 * storage is fine: it is large). Returns the exit code. */
int th_vd(struct th_run *r, const char *const *args);
/* The same with the arguments listed: th_vdl(r, "explain", "809", NULL). */
int th_vdl(struct th_run *r, const char *first, ...);

/* Adds one observation of kind k about proto (a PROTO_B_* bit, 0 = the target) to r, with an
 * evidence sentence naming the kind; fails the calling test when out of memory. */
struct obs *th_obs(struct obs_result *r, enum obs_kind k, unsigned proto, uint16_t port, bool natt, int32_t code,
		   int64_t value, const char *text);

/* Empties r (freeing what it held) and starts it again as a probe of host with the protocols
 * protos (KB_P_* bits) selected and probed and a --timeout of timeout_ms. */
void th_result_reset(struct obs_result *r, const char *host, unsigned protos, uint32_t timeout_ms);

/* A UDP socket bound to the loopback address of family (AF_INET or AF_INET6) on an ephemeral
 * port (written to *port): a stand-in server for the loopback tests. -1 when it cannot. */
int th_bind_udp(int family, uint16_t *port);

/* The bytes of test vector dir/name (dir ends in "/"), malloc'd; fails the test when unreadable. */
uint8_t *th_read_vector(const char *dir, const char *name, size_t *len);

#endif
