/* `vpndiag probe --html FILE|-` (report/report_html.h): the page in the wiki's look, written to
 * stdout ("-", instead of the text report) or to FILE atomically (a temporary file in the same
 * folder, then rename), next to the normal text, JSON or monitoring output. */
#ifndef VPNDIAG_CLI_PROBE_HTML_H
#define VPNDIAG_CLI_PROBE_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "kb/kb.h"
#include "obs/obs.h"
#include "rules/rules.h"

/* Checks the options before anything runs: --wiki-url's value, --wiki-url without --html, and
 * "--html -" with --json or --monitoring (both want stdout). Returns 0, or -1 with the error said. */
int cli_probe_html_args(const char *html, const char *wiki_url, bool json, bool monitoring);

/* Writes the page of the run n (diagnosed as nd) to path ("-" = stdout): the name-level verdicts
 * and findings; the observations and vantage point of the only address probed, or with several
 * of the address Windows tries first (the page says so). kb may be NULL. Returns 0, or -1 with the
 * error said (nothing is left behind: no temporary file, and FILE is untouched). */
int cli_probe_html(const char *path, const char *wiki_url, const struct obs_name *n, const struct name_diagnosis *nd,
		   const struct kb *kb);

/* ---- the platform part (probe_html_posix.c, probe_html_win.c) ------------------------------- */

/* Called by cli_probe_html_args when FILE (path) is to be written, before anything is read: on
 * Linux as root, forks a writer process that keeps the right to create FILE while the run drops
 * its privileges (probe_html_posix.c says why); elsewhere nothing. Returns 0 in the process that
 * goes on with the run, -1 with the error said. */
int cli_probe_html_prepare(const char *path, bool monitoring);
/* Hands the finished page (len bytes, the caller's) for path to the writer process when there is
 * one, else writes it (cli_probe_html_write). Returns 0, or -1 with the error said. */
int cli_probe_html_deliver(const char *path, const char *page, size_t len);
/* Writes page to path atomically (util/dirw.h: a temporary file beside it, synced, renamed).
 * Returns 0, or -1 with the error said; on error no temporary file is left and path is untouched. */
int cli_probe_html_write(const char *path, const char *page, size_t len);

#endif
