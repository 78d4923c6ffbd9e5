/* The bounded file reader's platform part on Linux (see file_plat.h): open, fstat, poll. */
#include "util/file_plat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int file_plat_open(struct file_src *s, const char *path, const char *name, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->saved_flags = -1;
	s->is_stdin = strcmp(path, "-") == 0;
	/* O_NONBLOCK: opening a FIFO without a writer must not block here; the wait bounds it. */
	s->fd = s->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", name, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(s->fd, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
		file_plat_close(s);
		return -1;
	}
	/* A terminal only as stdin (a typed key); every other device is refused. */
	bool tty = s->is_stdin && S_ISCHR(st.st_mode) && isatty(s->fd);
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !tty) {
		snprintf(err, errlen, "%s is %s, not a file", name, kind_name(st.st_mode));
		file_plat_close(s);
		return -1;
	}
	s->kind = S_ISREG(st.st_mode) ? FILE_KIND_REGULAR : tty ? FILE_KIND_TTY : FILE_KIND_PIPE;
	s->size = S_ISREG(st.st_mode) && st.st_size > 0 ? (uint64_t)st.st_size : 0;
	int fl = fcntl(s->fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) == 0)
		s->saved_flags = fl; /* stdin: our own non-blocking reads, put back afterwards */
	return 0;
}

/* Pipes and terminals: POLLIN, so that a FIFO whose writer has not opened it yet (read() would
 * say end of file) is waited for. */
int file_plat_wait(struct file_src *s, uint32_t ms)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int k = poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
	return k < 0 ? -1 : k > 0;
}

long file_plat_read(struct file_src *s, void *buf, size_t n)
{
	return (long)read(s->fd, buf, n);
}

void file_plat_close(struct file_src *s)
{
	if (s->saved_flags >= 0)
		(void)fcntl(s->fd, F_SETFL, s->saved_flags);
	s->saved_flags = -1;
	if (!s->is_stdin && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
