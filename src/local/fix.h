/* local/fix.h: `vpndiag fix` (issue 15): the local fixes that findings call for, as a plan of
 * exact actions shown before anything changes, an undo record of the old values, and applying
 * either (local_win.c). Only this PC is touched, never the server.
 *
 * The plan is pure (fix.c): findings in, actions out. The undo record is JSON written next to the
 * plan's run (%ProgramData%\vpndiag\fix-undo.json) and parsed back by a pure, fuzzed parser. */
#ifndef VPNDIAG_LOCAL_FIX_H
#define VPNDIAG_LOCAL_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "local/local.h"

enum fix_kind {
	FIX_SET_DWORD,       /* reg := value (HKLM, REG_DWORD) */
	FIX_START_TYPE,      /* svc's start type := start_type */
	FIX_RESTART_SERVICE, /* stop svc (if running), then start it */
};

struct fix_action {
	enum fix_kind kind;
	enum local_reg reg;
	enum local_svc svc;
	uint32_t value;       /* FIX_SET_DWORD: the new value; FIX_START_TYPE: the new start type */
	bool reboot;          /* takes effect only after a reboot [D: KB 926179 for AssumeUDP...] */
	char cause[40];       /* the finding that calls for it */
	char why[320];
	/* what was there, for the undo record (filled when the plan is made from a read PC) */
	struct local_regval old_reg;
	uint32_t old_start;
};

#define FIX_MAX_ACTIONS 16

struct fix_plan {
	struct fix_action a[FIX_MAX_ACTIONS];
	size_t n;
};

/* Adds an action unless an equal one is there (same kind and target); a later FIX_SET_DWORD of the
 * same value keeps the larger value. Returns the action, or NULL when the plan is full. */
struct fix_action *fix_plan_add(struct fix_plan *p, const struct fix_action *a);
/* After the changes: restart IKEEXT and PolicyAgent (the seed's step 6) when the plan changes an
 * IPsec value or service. Idempotent. */
void fix_plan_finish(struct fix_plan *p, const struct local_pc *pc);

/* One line of what an action does, with the exact command a person would type ("reg add ..."). */
void fix_action_describe(const struct fix_action *a, char *out, size_t outlen);
void fix_action_command(const struct fix_action *a, char *out, size_t outlen);

/* ---- the undo record ---- */
struct fix_undo_item {
	enum fix_kind kind;   /* FIX_SET_DWORD or FIX_START_TYPE (restarts are redone, not undone) */
	enum local_reg reg;
	enum local_svc svc;
	bool existed;         /* FIX_SET_DWORD: the value was there (else undo deletes it) */
	uint32_t old_value;   /* the DWORD, or the start type */
	uint32_t new_value;
};

struct fix_undo {
	int64_t time;
	struct fix_undo_item item[FIX_MAX_ACTIONS];
	size_t n;
};

/* The record of plan p (its old values) as JSON text, malloc'd. NULL when out of memory. */
char *fix_undo_json(const struct fix_plan *p, int64_t now);
/* Parses a record (pure, bounded: at most 64 KiB, names checked against the tables). Returns 0,
 * or -1 with a one-line reason. */
int fix_undo_parse(const uint8_t *buf, size_t len, struct fix_undo *u, char *err, size_t errlen);

/* ---- applying (local_win.c) ----
 * Each returns 0 when done, 1 when the service it names is not installed (nothing was changed),
 * or -1 with a one-line reason. */
int fix_apply(const struct fix_action *a, char *err, size_t errlen);
int fix_undo_apply(const struct fix_undo_item *u, char *err, size_t errlen);
/* Where the undo record lives (UTF-8 path), or -1. */
int fix_undo_path(char *out, size_t outlen, char *err, size_t errlen);

#endif
