/* `vpndiag fix` (Windows, elevated; issue 15): applies the local fixes the diagnosis calls for
 * (local/fix.h), each shown first with its exact effect and command; asks unless --yes; writes an
 * undo record before changing anything; `fix --undo` puts the old values back. Never touches the
 * server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/local_run.h"
#include "local/fix.h"
#include "report/report_local.h"
#include "util/exit.h"
#include "util/file.h"

enum { OPT_YES = 1400, OPT_DRY_RUN, OPT_UNDO };

static const struct cli_option fix_opts[] = {
	{{"yes", no_argument, NULL, OPT_YES}, NULL, "apply without asking"},
	{{"dry-run", no_argument, NULL, OPT_DRY_RUN}, NULL, "only print what would be done (no elevation needed)"},
	{{"undo", no_argument, NULL, OPT_UNDO}, NULL, "put back the values the last fix changed"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_fix_help(FILE *out)
{
	fprintf(out, "usage: vpndiag fix [--dry-run] [--yes] [--undo] [local's options]\n\n"
		     "Runs the diagnosis of `vpndiag local --probe`, then applies only the changes on this PC\n"
		     "that its findings call for: AssumeUDPEncapsulationContextOnSendRule set to the value the\n"
		     "NAT finding computed (1 or 2), NegotiateDH2048_AES256 or ProhibitIpSec when a finding names\n"
		     "them, disabled IPsec/RAS services set back to their default start type, and then IKEEXT and\n"
		     "PolicyAgent restarted. Each change is shown with its command first, and asked for unless\n"
		     "--yes. The old values go to %%ProgramData%%\\vpndiag\\fix-undo.json; `fix --undo` restores\n"
		     "them. Needs an elevated prompt (Run as administrator), except --dry-run.\n\n");
	cli_print_options(out, fix_opts);
	fprintf(out, "  and the options of `vpndiag local` (--pbk, --events-file, --psk-file, --timeout)\n");
	fprintf(out, "\nExit codes: 0 done (or nothing to do), 1 a change failed, 2 usage error or not elevated, 4 internal error.\n");
}

struct fix_flags {
	bool yes, dry_run, undo;
};

static int take_opt(struct local_args *a, int c)
{
	struct fix_flags *f = a->extra;
	switch (c) {
	case OPT_YES: f->yes = true; return 0;
	case OPT_DRY_RUN: f->dry_run = true; return 0;
	case OPT_UNDO: f->undo = true; return 0;
	default: return -1;
	}
}

static bool not_elevated(void)
{
	if (local_elevated() == 1)
		return false;
	cli_error("fix", "changing the registry and services needs an elevated prompt (Run as administrator); "
			 "'vpndiag fix --dry-run' shows what would be done");
	return true;
}

static bool confirm(size_t n)
{
	char line[16];
	fprintf(stdout, "Apply these %zu changes? [y/N] ", n);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int write_undo(const struct fix_plan *p, int64_t now, char *path, size_t pathlen)
{
	char err[300];
	if (fix_undo_path(path, pathlen, err, sizeof err) != 0) {
		cli_error("fix", "%s", err);
		return -1;
	}
	char *json = fix_undo_json(p, now);
	FILE *f = json ? fopen(path, "wb") : NULL;
	bool ok = f && fputs(json, f) >= 0;
	ok = f && fclose(f) == 0 && ok;
	free(json);
	if (!ok) {
		cli_error("fix", "cannot write the undo record %s: nothing was changed", path);
		return -1;
	}
	return 0;
}

static int undo(void)
{
	char path[600], err[300];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct fix_undo u;
	if (fix_undo_path(path, sizeof path, err, sizeof err) != 0 ||
	    file_read_bounded(path, 65536, FILE_DATA_TIMEOUT_MS, 0, &buf, &len, err, sizeof err) != 0) {
		cli_error("fix", "no undo record: %s", err);
		return VD_EXIT_USAGE;
	}
	int rc = fix_undo_parse(buf, len, &u, err, sizeof err);
	free(buf);
	if (rc != 0) {
		cli_error("fix", "%s: %s", path, err);
		return VD_EXIT_USAGE;
	}
	int failed = 0;
	bool ipsec = false, disabled[LOCAL_SVC_COUNT] = {false};
	for (size_t i = u.n; i-- > 0;) {
		const struct fix_undo_item *it = &u.item[i];
		if (it->kind == FIX_SET_DWORD)
			printf("restore %s: %s\n", local_reg_defs[it->reg].value, it->existed ? "the old value" : "absent (deleted)");
		else
			printf("restore the start type of %s\n", local_svc_defs[it->svc].name);
		if (it->kind == FIX_START_TYPE && it->old_value == LOCAL_START_DISABLED)
			disabled[it->svc] = true; /* set back to disabled, and stopped: not restarted */
		int r = fix_undo_apply(it, err, sizeof err);
		if (r < 0) {
			cli_error("fix", "%s", err);
			failed = 1;
		} else if (r == 1) {
			printf("  %s is not installed: nothing to restore\n", local_svc_defs[it->svc].name);
		}
		ipsec = true;
	}
	/* the IPsec services read the values when they start: the seed's step 6 again */
	static const enum local_svc again[] = {LOCAL_SVC_IKEEXT, LOCAL_SVC_POLICYAGENT};
	for (size_t k = 0; ipsec && !failed && k < 2; k++) {
		if (disabled[again[k]])
			continue;
		struct fix_action r = {.kind = FIX_RESTART_SERVICE, .svc = again[k]};
		int x = fix_apply(&r, err, sizeof err);
		if (x < 0) {
			cli_error("fix", "%s", err);
			failed = 1;
		} else {
			printf("restart %s%s\n", local_svc_defs[again[k]].name, x == 1 ? ": not installed, nothing to restart" : "");
		}
	}
	if (!failed) {
		(void)remove(path);
		printf("undone%s\n", ipsec ? "; registry values take effect after a restart of the PC" : "");
	}
	return failed ? VD_EXIT_NOT_FOUND : VD_EXIT_OK;
}

int cli_fix(int argc, char **argv)
{
	struct fix_flags flags = {0};
	struct local_args a = {.extra_opt = take_opt, .extra = &flags};
	int rc = cli_local_parse(argc, argv, "fix", fix_opts, &a);
	if (rc == -2) {
		cli_fix_help(stdout);
		return VD_EXIT_OK;
	}
	if (rc >= 0)
		return rc;
	if (flags.undo && (flags.dry_run || a.probe || a.npbk || a.events_file)) {
		cli_error("fix", "--undo takes no other option but --yes");
		return VD_EXIT_USAGE;
	}
	if (!flags.dry_run && not_elevated())
		return VD_EXIT_USAGE;
	if (flags.undo)
		return undo();
	a.probe = true; /* the NAT value comes from the server's NAT-D */
	struct local_run run = {0};
	rc = cli_local_diagnose("fix", &a, &run);
	if (rc != 0) {
		cli_local_free(&run);
		return rc;
	}
	struct fix_plan *p = calloc(1, sizeof *p);
	if (!p) {
		cli_local_free(&run);
		cli_error("fix", "out of memory");
		return VD_EXIT_INTERNAL;
	}
	local_rules_plan(&run.pc, &run.diag, p);
	if (p->n == 0) {
		printf("nothing to fix on this PC (run 'vpndiag local --probe' for the findings)\n");
	} else {
		bool reboot = false;
		for (size_t i = 0; i < p->n; i++)
			reboot |= p->a[i].reboot;
		printf("%s on this PC:\n", flags.dry_run ? "vpndiag fix would do this" : "vpndiag fix will do this");
		report_fix_plan(stdout, p);
		if (reboot)
			printf("A restart of the PC is needed afterwards for the registry values to take effect.\n");
		char path[600], err[300];
		if (flags.dry_run) {
			rc = VD_EXIT_OK;
		} else if (!flags.yes && !confirm(p->n)) {
			printf("nothing changed\n");
			rc = VD_EXIT_OK;
		} else if (write_undo(p, run.pc.now, path, sizeof path) != 0) {
			rc = VD_EXIT_INTERNAL;
		} else {
			rc = VD_EXIT_OK;
			for (size_t i = 0; i < p->n && rc == VD_EXIT_OK; i++) {
				int x = fix_apply(&p->a[i], err, sizeof err);
				if (x < 0) {
					cli_error("fix", "%s (step %zu; 'vpndiag fix --undo' puts back what was done)", err, i + 1);
					rc = VD_EXIT_NOT_FOUND;
				} else {
					printf("done: step %zu%s\n", i + 1, x == 1 ? " (the service is not installed: nothing to do)" : "");
				}
			}
			if (rc == VD_EXIT_OK)
				printf("fixed; the old values are in %s ('vpndiag fix --undo' restores them)%s\n", path,
				       reboot ? "; restart the PC now" : "");
		}
	}
	free(p);
	cli_local_free(&run);
	return rc;
}
