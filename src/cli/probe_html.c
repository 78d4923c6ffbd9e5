/* `vpndiag probe --html` (see probe_html.h). */
#include "cli/probe_html.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/report_html.h"
#include "util/fmt.h"
#include "util/html.h"
#include "wiki/tmpl.h"

#define WIKI_URL_MAX 1024
#define PAGE_MAX (64u << 20) /* far above any page: 1,024 observations and 32 findings are < 2 MiB */

static int write_atomic(const char *path, const char *data, size_t len);

/* As root, the run drops every privilege (net/priv.h: the uid becomes nobody or --run-as) before
 * it reads a byte from the network; after that it could no longer create FILE in a folder that
 * only root may write (/root, /var/log ...). So cli_probe_html_args forks while still root, before
 * any input file or secret is read: the child goes on as a normal run (text/JSON/monitoring output
 * on the shared stdout) and sends the page through a pipe; the parent, which never sees the
 * network, a secret or anything but the page's bytes, writes FILE atomically and exits with the
 * child's exit code: what a root shell does with `vpndiag probe --json > FILE`.
 * The pipe carries an 8-byte length, then the page; a short read means no page (nothing written). */
static int html_pipe = -1; /* the child's write end, -1 when FILE is written directly */

static int read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got == n ? 0 : -1;
}

/* The parent: receive the page, wait for the child, write FILE, exit as the child did. */
static void writer_parent(int rfd, pid_t child, const char *path, bool monitoring)
{
	uint8_t hdr[8];
	char *page = NULL;
	uint64_t len = 0;
	bool have = false;
	if (read_full(rfd, hdr, sizeof hdr) == 0) {
		for (int i = 0; i < 8; i++)
			len = len << 8 | hdr[i];
		page = len > 0 && len <= PAGE_MAX ? malloc((size_t)len) : NULL;
		have = page && read_full(rfd, (uint8_t *)page, (size_t)len) == 0;
	}
	close(rfd);
	int st = 0;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		free(page);
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
		_exit(128 + WTERMSIG(st));
	}
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : VD_EXIT_INTERNAL;
	if (have && write_atomic(path, page, (size_t)len) != 0)
		code = monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	free(page);
	fflush(NULL);
	_exit(code);
}

/* Forks when some uid is 0 (see above); returns in the child (or without a fork), -1 on error. */
static int maybe_fork(const char *path, bool monitoring)
{
	if (getuid() != 0 && geteuid() != 0)
		return 0;
	int fds[2];
	if (pipe(fds) != 0) {
		cli_error("probe", "--html: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("probe", "--html: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		writer_parent(fds[0], pid, path, monitoring); /* does not return */
	}
	close(fds[0]);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	html_pipe = fds[1];
	return 0;
}

/* The child's side: the length, then the page. */
static int send_page(const char *p, size_t n)
{
	uint8_t hdr[8];
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	int rc = -1;
	size_t off = 0;
	while (off < sizeof hdr + n) {
		const uint8_t *src = off < sizeof hdr ? hdr + off : (const uint8_t *)p + (off - sizeof hdr);
		size_t left = off < sizeof hdr ? sizeof hdr - off : n - (off - sizeof hdr);
		ssize_t w = write(html_pipe, src, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off == sizeof hdr + n)
		rc = 0;
	else
		cli_error("probe", "--html: the page could not be handed to the writer: %s", strerror(errno));
	close(html_pipe);
	html_pipe = -1;
	return rc;
}

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
	return html && strcmp(html, "-") != 0 ? maybe_fork(html, monitoring) : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* FILE.tmp.XXXXXX in FILE's folder, written, synced, renamed over FILE. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp) {
		cli_error("probe", "--html: the file name is too long");
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error("probe", "--html %s: cannot create a file beside it: %s", path, strerror(errno));
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	int rc = fchmod(fd, 0666 & ~mask);
	if (rc == 0)
		rc = write_all(fd, data, len);
	if (rc == 0)
		rc = fsync(fd);
	int e = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		cli_error("probe", "--html %s: %s", path, strerror(e));
	}
	return rc;
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
			rc = html_pipe >= 0 ? send_page(page.p, page.len) : write_atomic(path, page.p, page.len);
		else if (fwrite(page.p, 1, page.len, stdout) == page.len && fflush(stdout) == 0)
			rc = 0;
		else
			cli_error("probe", "--html -: cannot write to stdout: %s", strerror(errno));
	}
	html_buf_free(&page);
	wiki_files_free(&files);
	return rc;
}
