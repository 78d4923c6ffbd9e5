/* local/local.h: this PC's side of its VPN connections (issue 15): the phonebook entries, the
 * registry values the knowledge base cites as fixes, the IPsec/RAS services, and the RasClient
 * events of the last days. The model is plain data and portable (the rules and the renderers are
 * unit-tested on Linux); reading it from Windows is local_win.c, the only file here that calls the
 * Windows API. Parsers of what is read (phonebook, event XML) are pure: pbk.h, evt.h.
 *
 * Ownership: a struct local_pc owns every array it points to; local_pc_free() releases them. */
#ifndef VPNDIAG_LOCAL_H
#define VPNDIAG_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"
#include "local/evt.h"
#include "local/pbk.h"

/* ---- the registry values (table in local_rules.c: path, meaning, basis) ---- */
enum local_reg {
	LOCAL_REG_ASSUME_UDP,     /* PolicyAgent AssumeUDPEncapsulationContextOnSendRule */
	LOCAL_REG_DH2048,         /* RasMan\Parameters NegotiateDH2048_AES256 */
	LOCAL_REG_PROHIBIT_IPSEC, /* RasMan\Parameters ProhibitIpSec */
	LOCAL_REG_L2TP_WEAK,      /* RasMan\Parameters AllowL2TPWeakCrypto */
	LOCAL_REG_NAME_EKU,       /* RasMan\Parameters DisableIKENameEkuCheck */
	LOCAL_REG_SSTP_NO_CRL,    /* SstpSvc\Parameters NoCertRevocationCheck */
	LOCAL_REG_COUNT
};

struct local_reg_def {
	const char *key;   /* under HKEY_LOCAL_MACHINE */
	const char *value;
	const char *title; /* what it does, one line */
};
extern const struct local_reg_def local_reg_defs[LOCAL_REG_COUNT];

enum local_read { LOCAL_ABSENT, LOCAL_PRESENT, LOCAL_WRONG_TYPE, LOCAL_READ_ERROR };

struct local_regval {
	enum local_read state;
	uint32_t value;    /* LOCAL_PRESENT: the DWORD */
	uint32_t type;     /* LOCAL_WRONG_TYPE: the REG_* type found */
	uint32_t error;    /* LOCAL_READ_ERROR: the Win32 error */
};

/* ---- the services ---- */
enum local_svc { LOCAL_SVC_IKEEXT, LOCAL_SVC_POLICYAGENT, LOCAL_SVC_BFE, LOCAL_SVC_RASMAN, LOCAL_SVC_SSTPSVC, LOCAL_SVC_COUNT };

struct local_svc_def {
	const char *name;       /* the service name (IKEEXT) */
	const char *title;      /* what it is for */
	uint32_t default_start; /* Windows' default start type: 2 automatic, 3 manual [D: docs/local.md] */
};
extern const struct local_svc_def local_svc_defs[LOCAL_SVC_COUNT];

/* SERVICE_STOPPED .. SERVICE_PAUSED as winsvc.h numbers them; start types as in the registry. */
enum { LOCAL_SVC_STOPPED = 1, LOCAL_SVC_START_PENDING, LOCAL_SVC_STOP_PENDING, LOCAL_SVC_RUNNING,
       LOCAL_SVC_CONTINUE_PENDING, LOCAL_SVC_PAUSE_PENDING, LOCAL_SVC_PAUSED };
enum { LOCAL_START_BOOT = 0, LOCAL_START_SYSTEM, LOCAL_START_AUTO, LOCAL_START_DEMAND, LOCAL_START_DISABLED };

struct local_service {
	enum local_read state; /* LOCAL_ABSENT: no such service (1060); LOCAL_READ_ERROR: error */
	uint32_t error;
	uint32_t run_state;    /* LOCAL_SVC_STOPPED... */
	uint32_t start_type;   /* LOCAL_START_... */
};

/* ---- the connections ---- */
struct local_conn {
	struct pbk_entry e;
	bool all_users;        /* from %ProgramData%'s phonebook (else the user's own) */
	size_t pbk;            /* the phonebook it is in: pc->pbk[pbk] */
};

struct local_pbk_file {
	char path[520];        /* UTF-8 */
	bool all_users;
	enum local_read state; /* LOCAL_ABSENT: no file; LOCAL_READ_ERROR: unreadable or refused (err) */
	char err[300];
	size_t entries, skipped, bad_lines;
};

/* ---- one RasClient failure, with the stage it reached ---- */
struct local_failure {
	const struct evt_event *ev; /* the 20227 event (in pc->events) */
	int64_t code;               /* the error it reports, as the knowledge base numbers it (evt_error_code) */
	unsigned stage;             /* the last stage event (20221..20224) of the same CoId before it, 0 none */
};

struct local_pc {
	struct local_pbk_file pbk[2];
	size_t npbk;
	struct local_conn *conns; /* malloc'd, nconns */
	size_t nconns;
	struct local_regval reg[LOCAL_REG_COUNT];
	bool have_registry;       /* false where no registry was read */
	struct local_service svc[LOCAL_SVC_COUNT];
	bool have_services;
	struct evt_log events;    /* RasClient events, oldest first */
	enum local_read events_state; /* LOCAL_ABSENT: the log gave none; LOCAL_READ_ERROR: events_err */
	char events_err[300];
	char events_source[80];   /* "Application log" or "--events-file PATH" */
	struct local_failure *failures; /* malloc'd, nfailures: the 20227 events, newest first */
	size_t nfailures;
	int elevated;             /* 1 elevated, 0 not, -1 unknown */
	int64_t now;              /* Unix seconds when collected */
	uint32_t days;            /* the events' window */
};

/* ---- the event source: the Windows event log, or a file of recorded events ----
 * read() returns the RasClient events of the last `days` days as XML (evt.h's input) in a buffer
 * malloc'd for the caller, or -1 with a one-line reason. ctx is the source's own. */
struct local_event_source {
	const char *name;
	int (*read)(void *ctx, uint32_t days, int64_t now, uint8_t **xml, size_t *len, char *err, size_t errlen);
	void *ctx;
};
/* A file written by `wevtutil qe Application /q:... /f:xml` (or recorded for tests); ctx is the
 * path (const char *). Portable. */
extern const struct local_event_source local_event_file;
/* The Application log through EvtQuery (local_win.c). */
extern const struct local_event_source local_event_log;

struct local_opts {
	const struct local_event_source *events; /* NULL: the Application log */
	const char *const *pbk_paths;            /* NULL: the user's and all users' phonebooks */
	size_t npbk_paths;
	uint32_t days;                           /* 1..365 */
};

/* Reads the PC (local_win.c). Fills every part it can; a part that cannot be read says why in
 * its own state. Returns 0, or -1 with a reason in err when nothing could be read at all. */
int local_collect(struct local_pc *pc, const struct local_opts *o, char *err, size_t errlen);

/* 1 when this process runs elevated (an administrator's full token), 0 when not, -1 unknown
 * (local_win.c). */
int local_elevated(void);

/* Portable steps of collecting (local.c): parse one phonebook's bytes into pc (appends its
 * entries), and the events' bytes into pc->events and pc->failures (keeping the last `days`). */
void local_add_pbk(struct local_pc *pc, struct local_pbk_file *f, const uint8_t *buf, size_t len);
void local_add_events(struct local_pc *pc, const uint8_t *xml, size_t len);
void local_pc_free(struct local_pc *pc);

struct secret;
/* The L2TP/IPsec pre-shared key Windows stores for a connection (RasGetCredentials with
 * RASCM_PreSharedKey; local_win.c), into s (locked, wiped by secret_wipe). Only when elevated;
 * the caller checks. Returns 0, or -1 with a one-line reason (never the key). */
int local_conn_psk(const struct local_pc *pc, const struct local_conn *c, struct secret *s, char *err, size_t errlen);

/* The phonebook entries Windows would show in its VPN list: Type=2 (VPN) or a VPN device. */
bool local_conn_is_vpn(const struct local_conn *c);

#endif
