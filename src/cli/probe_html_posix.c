/* `vpndiag probe --html FILE` on Linux: the writer process for a run as root (see probe_html.h).
 *
 * As root, the run drops every privilege (net/priv.h: the uid becomes nobody or --run-as) before
 * it reads a byte from the network; after that it could no longer create FILE in a folder that
 * only root may write (/root, /var/log ...). So cli_probe_html_args forks while still root, before
 * any input file or secret is read: the child goes on as a normal run (text/JSON/monitoring output
 * on the shared stdout) and sends the page through a pipe; the parent, which never sees the
 * network, a secret or anything but the page's bytes, writes FILE atomically and exits with the
 * child's exit code: what a root shell does with `vpndiag probe --json > FILE`.
 * The pipe carries an 8-byte length, then the page; a short read means no page (nothing written). */
#include "cli/probe_html.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"

#define PAGE_MAX (64u << 20) /* far above any page: 1,024 observations and 32 findings are < 2 MiB */

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
	if (have && cli_probe_html_write(path, page, (size_t)len) != 0)
		code = monitoring ? VD_MON_UNKNOWN : VD_EXIT_INTERNAL;
	free(page);
	fflush(NULL);
	_exit(code);
}

/* Forks when some uid is 0 (see above); returns in the child (or without a fork), -1 on error. */
int cli_probe_html_prepare(const char *path, bool monitoring)
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

int cli_probe_html_deliver(const char *path, const char *page, size_t len)
{
	return html_pipe >= 0 ? send_page(page, len) : cli_probe_html_write(path, page, len);
}
