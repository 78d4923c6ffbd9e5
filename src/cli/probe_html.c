/* `vpndiag probe --html` (see probe_html.h). */
#include "cli/probe_html.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/report_html.h"
#include "util/dirw.h"
#include "util/fmt.h"
#include "util/html.h"
#include "util/sys.h"
#include "wiki/tmpl.h"

#define WIKI_URL_MAX 1024

int cli_probe_html_args(const char *html, const char *wiki_url, bool json, bool monitoring)
{
	char url[WIKI_URL_MAX], err[300];
	if (wiki_url && !html) {
		cli_error("probe", "--wiki-url goes with --html");
		return -1;
	}
	if (html && !html[0]) {
		cli_error("probe", "--html takes a file name, or '-' for stdout");
		return -1;
	}
	if (html && strcmp(html, "-") == 0 && (json || monitoring)) {
		cli_error("probe", "--html - writes the page to stdout, which %s also wants: give --html a file name",
			  json ? "--json" : "--monitoring");
		return -1;
	}
	if (wiki_url && report_html_wiki_url(wiki_url, url, sizeof url, err, sizeof err) != 0) {
		cli_error("probe", "%s", err);
		return -1;
	}
	return html && strcmp(html, "-") != 0 ? cli_probe_html_prepare(html, monitoring) : 0;
}

int cli_probe_html_write(const char *path, const char *page, size_t len)
{
	/* FILE.tmp.XXXXXX beside FILE, synced, renamed over FILE; mode 0666 less the umask, as a
	 * shell's redirection would create it. */
	if (dirw_write_path(path, page, len, 0666, DIRW_SYNC) != 0) {
		cli_error("probe", "--html %s: cannot write: %s", path, sys_strerror(errno));
		return -1;
	}
	return 0;
}

int cli_probe_html(const char *path, const char *wiki_url, const struct obs_name *n, const struct name_diagnosis *nd,
		   const struct kb *kb)
{
	char url[WIKI_URL_MAX], err[400], scope[300] = "";
	const struct obs_result *r = &n->name;
	if (n->ntargets == 1 && n->target[0]) {
		r = n->target[0];
	} else if (n->ntargets > 1 && nd->order[0] < n->ntargets && n->target[nd->order[0]]) {
		r = n->target[nd->order[0]];
		const char *first = r->probed_addr >= 0 && (size_t)r->probed_addr < r->naddrs ? r->addrs[r->probed_addr] : "?";
		fmt_into(scope, sizeof scope,
			 "%zu addresses were probed: the verdicts are the name's (what a Windows client reaches); the "
			 "vantage point and the observations are those of %s, the address Windows tries first (--json has "
			 "every address).",
			 n->ntargets, first);
	}
	if (report_html_wiki_url(wiki_url, url, sizeof url, err, sizeof err) != 0) {
		cli_error("probe", "%s", err);
		return -1;
	}
	struct wiki_files files = {NULL, 0};
	if (wiki_files_load(&files, NULL, err, sizeof err) != 0) {
		cli_error("probe", "--html: %s", err);
		return -1;
	}
	const struct wiki_file *tmpl = wiki_files_find(&files, "report.html");
	const struct wiki_file *css = wiki_files_find(&files, "style.css");
	const struct wiki_file *js = wiki_files_find(&files, "copy.js");
	int rc = -1;
	struct html_buf page;
	html_buf_init(&page);
	if (!tmpl || !css) {
		cli_error("probe", "--html: the built-in report template is missing");
	} else {
		struct report_html_look look = {tmpl->data, tmpl->len, css->data, js ? js->data : NULL};
		/* The run's own duration (an address's result holds its probes' only); "probed at": its start.
		 * A shallow copy: the pointers stay the run's. */
		struct obs_result shown = *r;
		shown.elapsed_ms = n->name.elapsed_ms > r->elapsed_ms ? n->name.elapsed_ms : r->elapsed_ms;
		struct report_html_opts o = {url, time(NULL) - (time_t)(shown.elapsed_ms / 1000u), scope};
		if (report_html(&page, &shown, &nd->name, kb, &look, &o, err, sizeof err) != 0)
			cli_error("probe", "--html: %s", err);
		else if (strcmp(path, "-") != 0)
			rc = cli_probe_html_deliver(path, page.p, page.len);
		else if (fwrite(page.p, 1, page.len, stdout) == page.len && fflush(stdout) == 0)
			rc = 0;
		else
			cli_error("probe", "--html -: cannot write to stdout: %s", sys_strerror(errno));
	}
	html_buf_free(&page);
	wiki_files_free(&files);
	return rc;
}
