/* Dropping privileges for good, once the privileged resources of a run (the raw GRE socket) are
 * open and before any byte from the network is read (Linux).
 *
 * priv_drop(), in this order: the capability bounding set is emptied (where CAP_SETPCAP allows
 * it), the ambient set cleared; when any uid is 0, supplementary groups are removed and the real,
 * effective and saved gid and uid become those of the user named (default "nobody", never uid 0),
 * which also empties the capability sets; then effective, permitted and inheritable capabilities
 * are cleared with capset, and no_new_privs is set (no exec can regain anything). Then it checks
 * the result with the kernel (capget, getresuid, PR_GET_NO_NEW_PRIVS): any capability left, uid 0
 * left, or setuid(0) still working is an error, never silence. The process must be single-threaded
 * (capabilities are per thread): more than one thread is an error too.
 *
 * Ownership: no pointers are kept; the report is the caller's. */
#ifndef VPNDIAG_NET_PRIV_H
#define VPNDIAG_NET_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRIV_DEFAULT_USER "nobody"

/* The credentials as /proc/self/status states them. */
struct priv_status {
	bool have_uid, have_gid, have_caps, have_nnp;
	uint32_t uid[4], gid[4];             /* real, effective, saved, filesystem */
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	unsigned no_new_privs;
	unsigned threads;
};
/* Parses the text of /proc/self/status (the lines Uid, Gid, CapInh, CapPrm, CapEff, CapBnd,
 * CapAmb, NoNewPrivs, Threads; others ignored). Returns 0 when Uid and CapEff/CapPrm were found,
 * -1 otherwise. Pure. */
int priv_status_parse(const char *text, size_t len, struct priv_status *out);
/* Reads and parses /proc/self/status. Returns 0 or -1. */
int priv_status_read(struct priv_status *out);

struct priv_report {
	bool was_root;                /* some uid was 0 */
	uint32_t uid_before, gid_before, uid_after, gid_after;
	char user[64];                /* the user switched to, "" when not root */
	uint64_t prm_before, eff_before; /* capabilities held before */
	bool bounding_cleared;        /* the bounding set is empty now */
	bool bounding_allowed;        /* CAP_SETPCAP was held (otherwise the set is left as it was) */
	struct priv_status after;     /* /proc/self/status after the drop (have_* false when unreadable) */
};

/* Drops everything (see above). user: the account to become when running as root (NULL = the
 * default). Returns 0, or -1 with a one-line reason in err; 1 on a platform with nothing to drop
 * (Windows, priv_win.c: the probe opens no raw socket there and runs with the user's own token,
 * which it cannot lower for good), with nothing done. */
int priv_drop(const char *user, struct priv_report *rep, char *err, size_t errlen);
/* Like priv_drop, but the capabilities in keep (a mask of 1 << CAP_*) stay effective and permitted
 * (and in the bounding set) for the process's life; every other one goes, and the uid change and
 * no_new_privs are the same. A kept capability that is not held is not an error (it stays absent).
 * For `vpndiag exporter`, which drops once at start-up and opens a raw GRE socket per PPTP probe
 * (keep = 1 << CAP_NET_RAW). The checks afterwards expect exactly keep. */
int priv_drop_keep(const char *user, uint64_t keep, struct priv_report *rep, char *err, size_t errlen);
/* One line for the report: "uid 0 -> 65534 (nobody) ...". */
void priv_describe(const struct priv_report *rep, char *out, size_t outlen);

#endif
